/*
 * app: the application interface.  A warning application is a table of
 * functions (struct brk_app) the broker core calls on its loop thread:
 * once at start (init), for each observation after the core has applied
 * it to the state (on_observation), on each tick (on_tick), after a map
 * reload (on_map, optional) and at shutdown (fini).  It reads the state
 * through the context (the lane index, the track table, the hazard table,
 * the signal states) and raises and clears warnings in the lifecycle
 * (warn.h); it never sends anything, persists anything or blocks.
 *
 * struct brk_apps runs a list of applications in order, each with its own
 * configuration and state.  The core's order of calls:
 *
 *   per BSM:   brk_tracks_update(); when CREATED or UPDATED: convert the
 *              position to the map frame, brk_tracks_match(); then
 *              brk_apps_observation() with ev.track (duplicates and stale
 *              copies do not reach the applications);
 *   per RSI:   brk_hazards_offer_rsi(), then brk_apps_observation();
 *   per RSM:   brk_hazards_offer_rsm(), then brk_apps_observation();
 *   per SPAT:  brk_spat_update(), then brk_apps_observation();
 *   per tick:  brk_apps_tick() (the applications end the warnings whose
 *              subject is gone, with the right reason), then
 *              brk_hazards_sweep(), brk_warn_tick(), brk_tracks_sweep(),
 *              brk_spat_sweep();
 *   map swap:  brk_warn_clear_all(MAP_CHANGED), brk_hazards_map_changed(),
 *              the new index in the context, brk_apps_map_changed().
 *
 * on_map is also called, before anything else, by the first observation
 * or tick whose context carries a map other than the one the last on_map
 * calls were for (the first map at start included): an application may
 * build what it derives from the map there.
 *
 * An application keeps what it must remember per vehicle in the warning
 * table (brk_warn_next_for_target(), raise_seq) or in state it allocated
 * in init; nothing it does per observation allocates.
 */
#ifndef V2X_BROKER_APPS_APP_H
#define V2X_BROKER_APPS_APP_H

#include <stddef.h>
#include <stdint.h>

#include "broker/apps/ahead.h"
#include "broker/apps/hazards.h"
#include "broker/apps/warn.h"
#include "broker/state/spat.h"
#include "broker/state/tracks.h"
#include "codecs/msg.h"
#include "maps/frame.h"
#include "maps/index/index.h"
#include "runtime/metrics.h"

/*
 * What an application reads and writes through; borrowed for each call.
 * The core fills one and passes it to every brk_apps_* call; brk_apps sets
 * cfg to each application's own configuration before calling it.
 */
struct brk_app_ctx {
	const struct map_index *map; /* the current lane index; NULL: no map yet */
	/* The map's local frame, to give a map point's lat/lon
	 * (map_frame_to_wgs84); NULL: none.  Only when raising: a
	 * conversion costs about a microsecond. */
	struct map_frame *frame;
	struct brk_tracks *tracks;
	struct brk_hazards *hazards;
	struct brk_spat *spat;
	struct brk_warn *warn;
	int64_t now_us;  /* wall µs */
	const void *cfg; /* the application's configuration (set by brk_apps) */
	/* The road ahead of the observation's vehicle, walked on the first
	 * brk_ahead_get() (set by brk_apps; NULL outside brk_apps). */
	struct brk_ahead *ahead;
};

/* One observation, after the core applied it; borrowed for the call. */
struct brk_app_event {
	enum v2x_msg_type type;
	const struct v2x_msg *msg; /* the normalised message */
	/* BSM: the vehicle's track after brk_tracks_update() and
	 * brk_tracks_match() (track->has_match false when off the map);
	 * NULL for the other types. */
	const struct brk_track *track;
	struct brk_rsu_key rsu;
	const char *rsu_id; /* the RSU's id string */
	uint64_t seq;       /* the agent's Observation.seq */
	int64_t rx_time_us; /* the agent's receive time, wall µs */
};

/*
 * One setting of an application's configuration.  Every configuration is a
 * struct of doubles (times in seconds, speeds in m/s, distances in m), a
 * zero field taking its default, so that the broker sets any of them from
 * its command line (--app NAME.KEY=VALUE) through this table.
 */
struct brk_app_param {
	const char *name; /* [a-z_0-9]+ */
	size_t offset;    /* of the double in the configuration struct */
	const char *unit; /* "m/s2", "s", "" ... */
	double def;       /* the default a zero field takes */
	const char *doc;  /* one line */
};

/* The setting p of cfg (a configuration struct of doubles). */
double brk_app_param_get(const struct brk_app_param *p, const void *cfg);

/* Sets setting p of cfg to v. */
void brk_app_param_set(const struct brk_app_param *p, void *cfg, double v);

/* Gives each of the n settings of params that is zero in cfg its default:
 * what every application's init does first. */
void brk_app_params_default(const struct brk_app_param *params, size_t n, void *cfg);

/* Returns the index of the first of the n settings of params that is not
 * a positive finite number in cfg, or n when all are. */
size_t brk_app_params_bad(const struct brk_app_param *params, size_t n, const void *cfg);

/*
 * An application.  init gets the configuration (borrowed for the call:
 * copy what is kept) and returns 0 with *state set, or a negative V2X_E*
 * code with the reason in err (errlen bytes, NUL included).  fini frees
 * state.  on_map may be NULL.  None of the others may block or allocate.
 */
struct brk_app {
	const char *name; /* [a-z_]+, used as a metrics label */
	int (*init)(const void *cfg, void **state, char *err, size_t errlen);
	void (*on_observation)(void *state, const struct brk_app_ctx *ctx,
	                       const struct brk_app_event *ev);
	void (*on_tick)(void *state, const struct brk_app_ctx *ctx);
	void (*on_map)(void *state, const struct brk_app_ctx *ctx);
	void (*fini)(void *state);
	/* Its configuration: cfg_size bytes, the n_params doubles params
	 * names (cfg_size 0: none). */
	size_t cfg_size;
	const struct brk_app_param *params;
	size_t n_params;
};

/* One application to run and its configuration (NULL: its defaults). */
struct brk_app_entry {
	const struct brk_app *app;
	const void *cfg; /* must stay valid while the runner lives */
};

/* Calls made into one application, for the metrics. */
struct brk_app_stats {
	uint64_t observations;
	uint64_t ticks;
	uint64_t map_changes;
};

struct brk_apps;

/*
 * Starts the n applications of entries (borrowed for the call; the
 * applications and their configurations must outlive the runner), calling
 * each init in order.  Returns 0 and *out (caller frees with
 * brk_apps_free); the first init's failure (the applications started
 * before it are finished again) with "name: reason" in err; V2X_EINVAL for
 * an entry without a name, init, on_observation, on_tick or fini;
 * V2X_ENOMEM.
 */
int brk_apps_new(const struct brk_app_entry *entries, size_t n, struct brk_apps **out, char *err,
                 size_t errlen);

/* Calls every fini, in reverse order, and frees a; accepts NULL. */
void brk_apps_free(struct brk_apps *a);

/* Hands ev to every application, in order. */
void brk_apps_observation(struct brk_apps *a, const struct brk_app_ctx *ctx,
                          const struct brk_app_event *ev);

/* Ticks every application, in order. */
void brk_apps_tick(struct brk_apps *a, const struct brk_app_ctx *ctx);

/* Tells every application with an on_map that ctx->map is new. */
void brk_apps_map_changed(struct brk_apps *a, const struct brk_app_ctx *ctx);

/* The number of applications, and application i's state (what its init
 * returned) and counters. */
size_t brk_apps_count(const struct brk_apps *a);
void *brk_apps_state(const struct brk_apps *a, size_t i);
const struct brk_app_stats *brk_apps_stats(const struct brk_apps *a, size_t i);

/*
 * Registers the counters of every application with m
 * (v2x_broker_app_calls_total, labelled app=name), as
 * brk_tracks_metrics_add() does; labels may add at most
 * V2X_METRICS_LABELS_MAX - 1.  0, V2X_EINVAL or V2X_ENOMEM.
 */
int brk_apps_metrics_add(const struct brk_apps *a, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen);

#endif
