/*
 * core: the broker itself (DESIGN.md sections 2, 5, 7 and 8).  One struct
 * brk_core ties the parts together on one libuv loop:
 *
 *   agents --Observation--> net --> ingest: dedup by (agent, seq), the
 *       RSU bound to the credential, the message decoded into the state:
 *       BSM -> tracks (+ lane match on the current map), SPAT -> signal
 *       states, RSI/RSM -> hazards (an RSI's lanes from a PostGIS query
 *       made when it arrives), MAP -> stored; then the applications; then
 *       persistence (or only the agent's seq, when sampled out); the
 *       agent's Ack follows once the row is durable.
 *   applications --raise/clear--> warning lifecycle --issued/updated/
 *       cancelled--> subscriptions (serialised once per distinct set of
 *       matching subscription ids, queued on every matching subscriber)
 *       and persistence.
 *   subscribers --Subscribe/Unsubscribe--> subscriptions (scope checked)
 *       --> SubscribeResult.
 *   a tick timer: expiry of tracks, signal states, hazards and warnings,
 *       the applications' on_tick, Acks.
 *   map source: the map loaded at start, reloaded on NOTIFY without
 *       stopping ingest; the warnings of the old map are cancelled.
 *
 * Single-threaded: every function here runs on the loop's thread.  The
 * persistence writer and the map source have threads of their own and
 * talk to the loop through uv_async handles.
 */
#ifndef V2X_BROKER_CORE_CORE_H
#define V2X_BROKER_CORE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "broker/net/net.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

/* Which observations are written to the database. */
enum brk_core_sample {
	BRK_SAMPLE_ALL,  /* every observation */
	BRK_SAMPLE_NONE, /* none (MAP, SPAT, hazards and warnings still are) */
	BRK_SAMPLE_ONE_IN_N,
};

struct brk_core_config {
	const char *broker_id;
	struct brk_net_config net; /* auth and log are set by the core's caller */
	/* Database: conninfo of PostgreSQL with a loaded map (required). */
	const char *db;
	int64_t map_version; /* 0: the latest */
	const char *spool_dir;
	size_t persist_queue_bytes;
	uint32_t persist_batch;
	uint32_t persist_flush_ms;
	int persist_fsync; /* the persist module's policy */
	bool persist_json;
	bool persist_uper;
	enum brk_core_sample sample;
	uint32_t sample_n;
	/* State. */
	size_t max_tracks;
	size_t max_signals;
	size_t max_hazards;
	size_t max_warnings;
	size_t max_agents;
	int64_t track_max_age_us;
	uint32_t tick_ms;
	/* Applications (broker/apps/appset.h): which run (NULL or "all":
	 * every one) and their settings, "NAME.KEY=VALUE,..." (NULL: none). */
	const char *apps;
	const char *app_settings;
	double hazard_horizon_s;
	double hazard_horizon_min_m;
	int64_t warn_confirm_us;
	int64_t rsi_hold_us;
};

/* Fills cfg with the defaults. */
void brk_core_config_default(struct brk_core_config *cfg);

struct brk_core;

/*
 * Makes the broker on loop: loads the map from cfg->db, opens persistence,
 * creates the state tables and the net (cfg and the auth table and log it
 * points to are borrowed and must outlive the core).  done(arg) is called
 * once the core has stopped (after brk_core_stop and every handle closed).
 * Returns 0 and *out, or an error with the reason in err (errlen bytes).
 */
int brk_core_new(uv_loop_t *loop, const struct brk_core_config *cfg, struct v2x_log *log,
                 void (*done)(void *arg), void *arg, struct brk_core **out, char *err,
                 size_t errlen);

/* The net, to add listeners (brk_net_listen_tcp/unix). */
struct brk_net *brk_core_net(struct brk_core *core);

/* Registers every metric of the broker with m (m must outlive the core's use). */
int brk_core_metrics_add(struct brk_core *core, struct v2x_metrics *m, char *err, size_t errlen);

/*
 * Stops: closes every connection, flushes persistence (to PostgreSQL or
 * the spool), closes the handles; done() follows once the loop has run
 * the close callbacks.  Idempotent.
 */
void brk_core_stop(struct brk_core *core);

/* Frees the core after done(); accepts NULL. */
void brk_core_free(struct brk_core *core);

#endif
