/*
 * What the files of broker/mapsrc share (prefix brk_mapsrc__): the source's
 * state, the request slots, the map object, the worker and the lane
 * statement.  Which thread touches what is said at each field.
 */
#ifndef V2X_BROKER_MAPSRC_MAPSRC_INT_H
#define V2X_BROKER_MAPSRC_MAPSRC_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "broker/mapsrc/mapsrc.h"
#include "runtime/ratelimit.h"

/* ---- the map object (map.c) ------------------------------------------ */

struct brk_map {
	atomic_uint refs;
	int64_t version;
	struct map_index *idx;
	struct map_frame *frame;
	struct map_meta meta;
	size_t n_rsus;
	struct map_rsu *rsus;
	size_t n_intersections;
	struct map_intersection *intersections;
	struct brk_map *next; /* in the queue of maps ready to swap in */
};

/*
 * Reads version from pg (map_db_load) and builds its map with one
 * reference.  Returns 0 and *out, or a code of map_db_load, map_index_new
 * or map_frame_new with the version and the reason in err.
 */
int brk_mapsrc__map_load(PGconn *pg, int64_t version, struct brk_map **out, char *err,
                         size_t errlen);

/* Builds the map of model (borrowed for the call) as version. */
int brk_mapsrc__map_new(const struct map_model *model, int64_t version, struct brk_map **out,
                        char *err, size_t errlen);

/* ---- lane queries (lanes.c) ------------------------------------------ */

/* Checks a zone as brk_mapsrc_query_lanes() documents.  0 or V2X_EINVAL. */
int brk_mapsrc__zone_check(const struct brk_zone *zone);

/*
 * Runs the lane statement for zone on version (not 0) with the height
 * tolerance z_tol; writes up to max spans, sorted and merged, and *n.
 * frame, when not NULL, is the caller's frame of that version: the zone is
 * converted with it rather than by PostGIS.  Returns 0; V2X_ENOTFOUND (no
 * such version), V2X_ETOO_BIG, V2X_EDB (err says why; the connection may
 * be lost: check PQstatus).
 */
int brk_mapsrc__lanes(PGconn *pg, int64_t version, struct map_frame *frame, double z_tol,
                      const struct brk_zone *zone, struct brk_lane_span *spans, size_t max,
                      size_t *n, char *err, size_t errlen);

/* ---- the source ------------------------------------------------------ */

/* A lane query, from submission to its answer on the loop thread. */
struct brk_mapsrc__req {
	struct brk_mapsrc__req *next;
	uint64_t tag;
	uint64_t submit_ns; /* monotonic */
	struct brk_zone zone;
	/* The answer, written by the worker. */
	int status;
	int64_t version;
	uint64_t latency_us;
	size_t n_spans;
	struct brk_lane_span *spans; /* cfg.spans_max of them, preallocated */
};

/* A FIFO of requests. */
struct brk_mapsrc__fifo {
	struct brk_mapsrc__req *head, *tail;
};

/* Counters the worker keeps; the loop thread copies them. */
struct brk_mapsrc__wstats {
	atomic_uint_fast64_t loads;
	atomic_uint_fast64_t load_failures;
	atomic_uint_fast64_t notifications;
	atomic_uint_fast64_t reconnects;
	atomic_uint_fast64_t connect_errors;
	atomic_uint_fast64_t connected;
};

/* The worker's own state: only the worker thread touches it. */
struct brk_mapsrc__worker {
	PGconn *pg;              /* NULL while disconnected */
	int64_t version;         /* newest map built (posted to the loop thread) */
	struct map_frame *frame; /* the worker's own frame of version; NULL if none */
	bool check_due;          /* a version check at the next turn */
	uint64_t next_check_ns;
	uint32_t backoff_ms;
	uint64_t retry_at_ns;
	bool ever_lost;                   /* whether a connection made now is a reconnect */
	struct v2x_ratelimit connect_log; /* failed attempts: a line per 10 s at most */
};

struct brk_mapsrc {
	/* Set at creation, read-only afterwards. */
	struct brk_mapsrc_config cfg; /* defaults filled in; conninfo points at ours */
	char *conninfo;
	uv_loop_t *loop;
	int wake_fd; /* eventfd: the loop thread wakes the worker */
	struct brk_mapsrc__req *slots;
	struct brk_lane_span *span_mem;

	/* Guarded by lock. */
	pthread_mutex_t lock;
	struct brk_mapsrc__req *free;
	struct brk_mapsrc__fifo pending;         /* for the worker */
	struct brk_mapsrc__fifo done;            /* answered, for the loop thread */
	struct brk_map *ready_head, *ready_tail; /* new maps, for the loop thread */
	struct brk_map *cur;                     /* the current map */
	PGcancel *cancel;                        /* of the worker's connection, or NULL */
	bool stop;

	struct brk_mapsrc__wstats wstats;
	struct brk_mapsrc__worker w;
	pthread_t thread;

	/* The loop thread's. */
	uv_async_t async;
	bool closing;
	struct brk_mapsrc_stats stats;
};

/* Whether the worker should stop.  Takes the lock. */
bool brk_mapsrc__stopping(struct brk_mapsrc *m);

/* Wakes the worker. */
void brk_mapsrc__wake(struct brk_mapsrc *m);

/* Appends r to q (lock held). */
void brk_mapsrc__push(struct brk_mapsrc__fifo *q, struct brk_mapsrc__req *r);

/* Takes the head of q, or NULL (lock held). */
struct brk_mapsrc__req *brk_mapsrc__pop(struct brk_mapsrc__fifo *q);

/*
 * Connects to the source's database, LISTENs, bounds statements.  Returns 0
 * and *out, or V2X_EDB with the reason in err.
 */
int brk_mapsrc__connect(struct brk_mapsrc *m, PGconn **out, char *err, size_t errlen);

/* Turns runs of white space (libpq's messages have newlines) into one space, in place. */
void brk_mapsrc__flatten(char *s);

/* The worker thread's body (arg: the source). */
void *brk_mapsrc__worker_main(void *arg);

#endif
