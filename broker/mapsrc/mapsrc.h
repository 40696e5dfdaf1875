/*
 * mapsrc: the broker's map source.  It loads the lane-level map from
 * PostGIS, keeps it current while ingest runs, and answers the rare
 * spatial questions the broker asks the database: which lanes an RSI
 * event's zone or path covers (DESIGN.md section 6, issue 5 "State").
 *
 * Threads
 * -------
 * One worker thread owns every libpq connection of the source (blocking
 * libpq, one connection at a time).  The loop thread (the libuv loop given
 * to brk_mapsrc_new) talks to it through mutex-protected queues: requests
 * go to the worker through a bounded queue of preallocated slots (an
 * eventfd wakes it), answers and new maps come back through a uv_async_t,
 * and every callback runs on the loop thread.  The loop thread never waits
 * on the database.
 *
 * Load
 * ----
 * brk_mapsrc_new() loads the map synchronously, in the caller's thread, so
 * that the broker starts with a map or fails with the reason: the version
 * cfg.version, or when it is 0 the newest completely loaded one
 * (map_db_latest), read with map_db_load, turned into a lane index
 * (map_index_new) and a local frame (map_frame_new of the version's PROJ
 * string).  An empty database fails with "no map version in the database:
 * load one with v2x-map load".  The connection then passes to the worker.
 *
 * The map a reader sees is a struct brk_map: the version id, the lane
 * index, a local frame, the version's metadata, RSU sites and
 * intersections, all immutable and reference counted.  A reader takes one
 * with brk_mapsrc_acquire() and lets go of it with brk_map_release(); it
 * may use it as long as it holds it, however many reloads happen
 * meanwhile, and the last holder frees it.
 *
 * Reload
 * ------
 * The worker LISTENs on v2x_map_version (the channel maps/sql/0002 notifies
 * when a version has been loaded completely; the notification is delivered
 * on commit, so a version heard of can always be read).  On a notification,
 * and every cfg.poll_ms in case one was missed, it asks for the newest
 * completely loaded version; when that differs from the current one (a new
 * version, or the newest deleted to roll back) it loads it, builds its index
 * and frame, all in the worker, and posts the finished map to the loop
 * thread.  There, in one step under a lock, the new map becomes current and
 * on_map_changed(arg, old, new) is called; a reader acquiring after that
 * step gets the new map, one holding the old map keeps it.  Doing the swap
 * on the loop thread means the loop thread never sees a version it has not
 * been told of.  Ingest never stops: nothing waits for the load.
 *
 * A load that fails (a statement error, a map the index refuses, an
 * unusable PROJ string) is logged and counted and the current map stays;
 * the worker tries again at the next notification or poll.  A source
 * started with cfg.version != 0 is pinned to that version: it hears
 * notifications (counted) but never reloads.
 *
 * Lane queries
 * ------------
 * brk_mapsrc_query_lanes() asks which lanes a zone covers: a circle
 * (centre, radius) and/or a path (points, half width), in WGS 84.  It never
 * blocks; the worker answers with ONE PostGIS statement and the answer comes
 * through on_lanes on the loop thread.  The zone is converted into the
 * version's local frame by the worker, with a frame of its own for the
 * version it follows (PROJ contexts serve one thread: the map's frame is
 * the loop thread's), or for any other stored version by PostGIS's
 * ST_Transform with that version's PROJ string (about 10 ms more).  The
 * statement intersects each lane's local centre line (v2x_map.lanes.
 * geom_local, SRID 0) with the circle's disc and with the buffer of
 * half_width_m around the path (round ends; both approximated by 128-gon
 * arcs, within 0.03 % of the radius), and returns each piece of a lane
 * inside as an interval of s: the fraction of the local line's horizontal
 * length at the piece's ends times the lane's length_m, as maps/index and
 * v2x_map.match_lane locate s.  Pieces of one lane that overlap or touch
 * (the circle's and the path's) are merged; a lane the zone covers in
 * separate stretches (both legs of one lane's hairpin) gives one span per
 * stretch.  Spans come in lane id order, then s.
 *
 * Heights.  Roads cross over one another (the spiral's viaduct passes
 * 8-10 m above the valley approach), so a zone with a height covers only
 * the lanes that are at that height there: for each piece, the lane's z at
 * the piece's point nearest to the zone's centre (circle) or path is
 * compared with the zone's height there (the circle's elev_m; for a path,
 * the path's height at its point nearest to that point, linear between its
 * points), and a piece more than cfg.z_tolerance_m (6 m) away is left out.
 * Heights are WGS 84 ellipsoidal heights, as the lanes' z and the matcher
 * use them.  Without a height (a circle's elev_m NaN, a path with any
 * point's elev_m NaN) every level is covered: a rockfall zone on the road
 * below then also covers the viaduct above it, the safe answer when the
 * height is unknown.
 *
 * PostgreSQL down
 * ---------------
 * When the connection breaks (server restarted, backend terminated,
 * network), the worker reconnects with a backoff doubling from
 * cfg.backoff_min_ms to cfg.backoff_max_ms, counted.  A query that was
 * running is put back at the head of the queue.  Queries wait until the
 * connection is back, or fail with V2X_EIO once they have waited
 * cfg.query_timeout_ms since they were asked (checked while the database
 * is unreachable; a connected worker answers in order), so that the
 * caller can retry.  Connection failures are logged, at most three lines
 * per 10 s.  A statement runs for at most 60 s (statement_timeout).  After each
 * reconnect LISTEN is issued again and a version check is made at once
 * (a version may have been published while disconnected).  The broker
 * keeps its current map throughout.
 *
 * Statistics
 * ----------
 * Counters are kept on both threads: the worker's counters are
 * atomics, which the loop thread copies into its struct brk_mapsrc_stats
 * whenever the worker reports (the worker wakes the loop thread after every
 * answer, load, failed load and connection change) and in
 * brk_mapsrc_stats(); the metrics registry reads that struct on the loop
 * thread, as runtime/metrics.h expects, never a field another thread
 * writes.
 */
#ifndef V2X_BROKER_MAPSRC_MAPSRC_H
#define V2X_BROKER_MAPSRC_MAPSRC_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "broker/state/lanespan.h"
#include "maps/frame.h"
#include "maps/index/index.h"
#include "maps/model.h"
#include "runtime/err.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

/* What brk_mapsrc_query_lanes() returns when its queue is full. */
#define BRK_MAPSRC_EFULL V2X_EFULL

/* Defaults of struct brk_mapsrc_config (a zero field takes its default). */
#define BRK_MAPSRC_DEFAULT_Z_TOLERANCE_M    6.0
#define BRK_MAPSRC_DEFAULT_QUEUE_MAX        64
#define BRK_MAPSRC_DEFAULT_SPANS_MAX        256
#define BRK_MAPSRC_DEFAULT_QUERY_TIMEOUT_MS 10000
#define BRK_MAPSRC_DEFAULT_BACKOFF_MIN_MS   100
#define BRK_MAPSRC_DEFAULT_BACKOFF_MAX_MS   5000
#define BRK_MAPSRC_DEFAULT_POLL_MS          30000

/* The LISTEN channel, and the application name of the source's connections. */
#define BRK_MAPSRC_CHANNEL  "v2x_map_version"
#define BRK_MAPSRC_APP_NAME "v2x-broker-map"

/* The most points of a path zone (T/CSAE 53 ReferencePath: 2..32). */
#define BRK_ZONE_PATH_MAX 32

struct brk_mapsrc;
struct brk_map;

/* A point of a path zone, WGS 84 degrees; elev_m ellipsoidal, NaN: unknown. */
struct brk_zone_point {
	double lat_deg, lon_deg;
	double elev_m;
};

/*
 * A zone: a circle, a path, or both (their union).  Zero-initialise, then
 * set what you have; elev_m must be set to NaN when unknown.
 */
struct brk_zone {
	int64_t version; /* the map version to answer on; 0: the source's newest */
	/* The circle, when radius_m > 0. */
	double lat_deg, lon_deg;
	double elev_m; /* its height; NaN: unknown (every level covered) */
	double radius_m;
	/* The path, when n_path > 0 (then 2..BRK_ZONE_PATH_MAX), half_width_m either side. */
	size_t n_path;
	struct brk_zone_point path[BRK_ZONE_PATH_MAX];
	double half_width_m;
};

struct brk_mapsrc_config {
	/* libpq connection string or URI of the map database; required
	 * (copied).  connect_timeout, TCP keepalives and the application name
	 * default to the source's own values unless it names them. */
	const char *conninfo;
	int64_t version;           /* 0: follow the newest version; else pinned to it */
	const struct v2x_log *log; /* borrowed until the source is freed; may be NULL */
	double z_tolerance_m;      /* 0: BRK_MAPSRC_DEFAULT_Z_TOLERANCE_M */
	size_t queue_max;          /* lane queries in flight; 0: default */
	size_t spans_max;          /* spans in one answer; 0: default */
	uint32_t query_timeout_ms; /* wait for the database before V2X_EIO; 0: default */
	uint32_t backoff_min_ms;   /* reconnect backoff; 0: defaults */
	uint32_t backoff_max_ms;
	uint32_t poll_ms; /* version check besides NOTIFY; 0: default */
	/*
	 * Called on the loop thread right after the map of new_version became
	 * current (old_version's map lives on while readers hold it).  May be
	 * NULL.
	 */
	void (*on_map_changed)(void *arg, int64_t old_version, int64_t new_version);
	/*
	 * The answer to brk_mapsrc_query_lanes(tag, ...), on the loop thread,
	 * exactly once per accepted query: status 0 and the n spans (borrowed
	 * for the call) on version (the one asked, or the newest when 0 was
	 * asked); or n 0 and V2X_ENOTFOUND (no such version), V2X_EDB (the
	 * statement failed: logged), V2X_ETOO_BIG (more than spans_max spans),
	 * V2X_EIO (the database was unreachable for query_timeout_ms, or the
	 * source is closing).  Required.
	 */
	void (*on_lanes)(void *arg, uint64_t tag, int64_t version, int status,
	                 const struct brk_lane_span *spans, size_t n);
	void *arg;
};

/* Counters of a source, as of the last copy on the loop thread. */
struct brk_mapsrc_stats {
	uint64_t loads;           /* map versions loaded and indexed, the first included */
	uint64_t load_failures;   /* loads that failed; the current map stayed */
	uint64_t reloads;         /* maps swapped in after the first */
	int64_t version;          /* the current map's version */
	uint64_t notifications;   /* NOTIFY v2x_map_version heard */
	uint64_t reconnects;      /* connections made again after a loss */
	uint64_t connect_errors;  /* failed connection attempts */
	uint64_t connected;       /* 1 while the worker holds a connection, else 0 */
	uint64_t queries;         /* lane queries answered, any status */
	uint64_t query_failures;  /* answered with a status other than 0 */
	uint64_t query_timeouts;  /* of those, V2X_EIO after query_timeout_ms */
	uint64_t queries_full;    /* refused with BRK_MAPSRC_EFULL */
	struct v2x_hist query_us; /* from brk_mapsrc_query_lanes() to the answer */
};

/*
 * Connects, loads the map (see "Load" above), starts the worker and an
 * async handle on loop.  cfg is borrowed for the call (conninfo copied;
 * cfg->log and cfg->arg as said there).
 *
 * Returns 0 and *out (close with brk_mapsrc_close); otherwise writes what
 * failed and what to do into err and returns V2X_ECONFIG (no conninfo, or
 * libpq cannot parse it), V2X_EINVAL (no on_lanes, negative version or
 * tolerance, backoff_min_ms above backoff_max_ms), V2X_EDB (the server
 * cannot be reached, or a statement failed: the schema may be missing),
 * V2X_ENOTFOUND (no map version, or not the one pinned), V2X_EINVAL also
 * for a map the index or PROJ refuses, V2X_ENOMEM, V2X_ESYS (eventfd,
 * async handle or thread; when the thread alone failed, the handle is
 * being closed and the loop must run once more to free what it holds).
 */
int brk_mapsrc_new(uv_loop_t *loop, const struct brk_mapsrc_config *cfg, struct brk_mapsrc **out,
                   char *err, size_t errlen);

/*
 * Stops and joins the worker (a statement in progress is cancelled; a
 * connection attempt in progress is waited for, connect_timeout 5 s unless
 * the conninfo says otherwise), then
 * on this thread: answers every query not answered yet with V2X_EIO
 * (those already answered by the worker with their own status), drops a
 * map loaded but not yet swapped in (no on_map_changed), releases the
 * current map (readers holding it keep it) and closes the async handle.
 * The source is freed when the handle's close completes: run the loop
 * afterwards (uv_run) before closing it.  No call on m after this one;
 * callbacks it makes may call brk_mapsrc_query_lanes(), which then
 * returns V2X_EIO.  May be called from a callback of the source.  Accepts
 * NULL.
 */
void brk_mapsrc_close(struct brk_mapsrc *m);

/*
 * Returns the current map with a reference for the caller, who passes it to
 * brk_map_release() and may use it until then.  Never NULL (the source
 * always has a map).  Thread-safe: takes a mutex that only the swap also
 * takes, for a pointer copy and an atomic increment.
 */
struct brk_map *brk_mapsrc_acquire(struct brk_mapsrc *m);

/* Drops a reference; the last one frees the map.  Any thread.  Accepts NULL. */
void brk_map_release(struct brk_map *map);

/* The map's version id. */
int64_t brk_map_version(const struct brk_map *map);

/* The lane index: valid while the map is held; any thread may match on it. */
const struct map_index *brk_map_index(const struct brk_map *map);

/*
 * The map's local frame for WGS 84 conversions, valid while the map is
 * held.  It holds a PROJ context of its own and is for the loop thread
 * only; another thread makes its own with map_frame_new(brk_map_meta(map)->proj).
 */
struct map_frame *brk_map_frame(const struct brk_map *map);

/* The version's metadata (name, PROJ string, height datum, source). */
const struct map_meta *brk_map_meta(const struct brk_map *map);

/* The RSU sites, *n of them, in id order; valid while the map is held. */
const struct map_rsu *brk_map_rsus(const struct brk_map *map, size_t *n);

/* The intersections, *n of them, in id order; valid while the map is held. */
const struct map_intersection *brk_map_intersections(const struct brk_map *map, size_t *n);

/*
 * Asks which lanes zone covers (see "Lane queries"); zone is copied.  Loop
 * thread only; never blocks, allocates nothing.  Returns 0, and on_lanes
 * will be called with tag; or, and then on_lanes is not called:
 * V2X_EINVAL (no circle and no path, a non-finite coordinate, latitude or
 * longitude out of range, a path of 1 or more than BRK_ZONE_PATH_MAX
 * points, a path without a positive half width, a negative version),
 * BRK_MAPSRC_EFULL (queue_max queries in flight, counted), V2X_EIO (the
 * source is closing).
 */
int brk_mapsrc_query_lanes(struct brk_mapsrc *m, uint64_t tag, const struct brk_zone *zone);

/* Copies the counters (the worker's as of now) into *out.  Loop thread. */
void brk_mapsrc_stats(struct brk_mapsrc *m, struct brk_mapsrc_stats *out);

/*
 * Registers the source's counters with metrics (v2x_broker_map_*), each
 * sample carrying the n_labels labels (borrowed: they and m must outlive
 * the rendering).  Rendering reads the loop thread's copy (see
 * "Statistics" above): render on the loop thread.  0, V2X_EINVAL or
 * V2X_ENOMEM (err says why).
 */
int brk_mapsrc_metrics_add(struct brk_mapsrc *m, struct v2x_metrics *metrics,
                           const struct v2x_metric_label *labels, size_t n_labels, char *err,
                           size_t errlen);

#endif
