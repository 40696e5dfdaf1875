/*
 * core_int: the core's insides, shared by its files (not a public header).
 */
#ifndef V2X_BROKER_CORE_CORE_INT_H
#define V2X_BROKER_CORE_CORE_INT_H

#include "broker/apps/app.h"
#include "broker/apps/appset.h"
#include "broker/apps/hazard_ahead.h"
#include "broker/apps/hazards.h"
#include "broker/apps/warn.h"
#include "broker/core/core.h"
#include "broker/mapsrc/mapsrc.h"
#include "broker/persist/persist.h"
#include "broker/state/spat.h"
#include "broker/state/tracks.h"
#include "broker/subs/subs.h"
#include "codecs/msg.h"
#include "runtime/arena.h"

/* Lane queries waiting to be asked again. */
#define BRK_CORE_RETRY_MAX 64

/* Why an observation was not used; counters of struct brk_core_stats. */
enum brk_core_drop {
	BRK_DROP_NONE = 0,
	BRK_DROP_DUPLICATE,   /* seq at or below the agent's last: sent again after a reconnect */
	BRK_DROP_NO_SEQ,      /* no seq */
	BRK_DROP_RSU,         /* an RSU the credential is not bound to */
	BRK_DROP_MALFORMED,   /* the message did not convert */
	BRK_DROP_RECORD_ONLY, /* kept for the record, not acted on */
	BRK_DROP_NO_MAP,      /* a BSM while no map is loaded */
	BRK_DROP__COUNT
};

const char *brk_core_drop_name(enum brk_core_drop d);

/* One agent id seen this run. */
struct brk_agent {
	char id[BRK_AUTH_ID_MAX + 1];
	struct brk_conn *conn; /* NULL while disconnected */
	uint64_t last_seq;     /* highest seq accepted: dedup */
	uint64_t durable_seq;  /* highest seq stored (database or spool) */
	uint64_t acked_seq;    /* highest seq acknowledged on conn */
	/* The last RSU id this agent used and its key: agents speak for one
	 * RSU nearly always. */
	char rsu[BRK_AUTH_ID_MAX + 1];
	struct brk_rsu_key rsu_key;
	uint64_t sample_count;
	/* An observation the database writer's queue refused, packed, taken
	 * again on the tick; the connection is paused meanwhile. */
	uint8_t *held;
	size_t held_len, held_cap;
};

struct brk_core_stats {
	uint64_t observations[V2X_MSG_TYPE_COUNT]; /* accepted, by type */
	uint64_t replayed;
	uint64_t drops[BRK_DROP__COUNT];
	uint64_t acks;
	uint64_t holds; /* times an agent was paused: the database queue was full */
	uint64_t subscribes;
	uint64_t warnings_pushed;
	uint64_t cancels_pushed;
	uint64_t lane_query_failed;
	size_t agents;
	struct v2x_hist process_us; /* frame in -> state, applications, push done */
	struct v2x_hist e2e_us;     /* agent receive -> written to a subscriber's queue */
};

/* One RSU id interned: its number is the index + 1. */
struct brk_rsu_name {
	char id[BRK_AUTH_ID_MAX + 1];
};

struct brk_core {
	uv_loop_t *loop;
	const struct brk_core_config *cfg;
	struct v2x_log *log;
	void (*done)(void *arg);
	void *done_arg;

	struct brk_net *net;
	struct brk_persist *persist;
	struct brk_mapsrc *mapsrc;
	struct brk_subs *subs;
	struct brk_tracks *tracks;
	struct brk_spat *spat;
	struct brk_hazards *hazards;
	struct brk_warn *warn;
	struct brk_apps *apps;
	struct brk_appset *appset; /* the applications run and their settings */
	struct brk_app_ctx app_ctx;
	/* The map in use, held (a reference of the map source's); swapped in
	 * on_map_changed.  Without a map source (tests, fuzzing): fixed_idx
	 * and fixed_frame, the caller's. */
	struct brk_map *map;
	const struct map_index *fixed_idx;
	struct map_frame *fixed_frame;
	/* Lane queries that failed, asked again on the tick. */
	struct brk_lane_retry {
		uint64_t tag;
		int64_t due_us;
		struct brk_zone zone;
	} retry[BRK_CORE_RETRY_MAX];
	size_t n_retry;

	struct brk_agent *agents;
	size_t n_agents;
	struct brk_rsu_name *rsus;
	size_t n_rsus;

	struct v2x_arena arena; /* one observation's message, reset per frame */
	uv_timer_t tick;
	uint64_t run_id;
	int64_t map_version;

	struct brk_core_stats st;
	int closing; /* handles and parts still to close */
	bool stopping;
	bool finished;
};

/*
 * A core without a database, for tests and fuzzing: no map source (idx and
 * frame, borrowed, are the map), no persistence (an observation is
 * acknowledged as soon as it is applied), lane queries refused (RSI hazards
 * keep waiting for lanes).  Otherwise as brk_core_new() without done.
 */
int brk_core__new_local(uv_loop_t *loop, const struct brk_core_config *cfg, struct v2x_log *log,
                        const struct map_index *idx, struct map_frame *frame, struct brk_core **out,
                        char *err, size_t errlen);

/* core.c, parts.c, apply.c: the parts */
int brk_core__open_map(struct brk_core *core, char *err, size_t errlen);
int brk_core__open_persist(struct brk_core *core, char *err, size_t errlen);
int brk_core__open_subs(struct brk_core *core, char *err, size_t errlen);
int brk_core__open_apps(struct brk_core *core, char *err, size_t errlen);
void brk_core__close_parts(struct brk_core *core);
void brk_core__close_apps(struct brk_core *core);
void brk_core__free_parts(struct brk_core *core);
void brk_core__free_apps(struct brk_core *core);
int brk_core__parts_metrics_add(struct brk_core *core, struct v2x_metrics *m, char *err,
                                size_t errlen);
int brk_core__apps_metrics_add(struct brk_core *core, struct v2x_metrics *m, char *err,
                               size_t errlen);

/* apply.c: one observation into the state and the applications; the tick */
struct brk_core_obs {
	const struct v2x_msg *msg;
	struct brk_rsu_key rsu;
	const char *rsu_id;
	uint64_t seq;
	int64_t rx_us;
};
void brk_core__apply(struct brk_core *core, const struct brk_core_obs *ob, int64_t now_us);
void brk_core__tick(struct brk_core *core, int64_t now_us);

/* ingest.c */
const char *brk_core__rsu_name(const struct brk_core *core, struct brk_rsu_key k);
void brk_core__on_frame(void *arg, struct brk_conn *c, const V2x__Wire__Frame *f);
void brk_core__flush_acks(struct brk_core *core);
void brk_core__retry_held(struct brk_core *core);
void brk_core__on_durable(void *arg, const char *agent_id, uint64_t seq);
struct brk_agent *brk_core__agent(struct brk_core *core, const char *id, bool create);

/* push.c: the warning sink and the subscriber side */
void brk_core__on_warning(void *arg, const V2x__Wire__Warning *w, bool issued, double lat,
                          double lon);
void brk_core__on_cancel(void *arg, const V2x__Wire__Cancellation *c, bool expired);
void brk_core__subscriber_frame(struct brk_core *core, struct brk_conn *c,
                                const V2x__Wire__Frame *f);

/* apply.c: the map and the hazards' lanes */
void brk_core__on_lanes(void *arg, uint64_t tag, int64_t version, int status,
                        const struct brk_lane_span *spans, size_t n);
void brk_core__on_map_changed(void *arg, int64_t old_version, int64_t new_version);

#endif
