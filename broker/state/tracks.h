/*
 * tracks: the broker's track table, one track per vehicle temporary id
 * (the BSM's 8-octet id): its latest state, a ring of its last states, its
 * lane match, the RSUs that heard it and when it was last updated.
 *
 * Everything is allocated by brk_tracks_new(): a pool of `capacity`
 * tracks, their history rings and an open-addressing hash on the id.  An
 * update, a match, a sweep and an iteration allocate nothing.
 *
 * Duplicates.  A BSM is heard by every RSU in range, and each agent
 * forwards its copy.  A copy whose id, msgCnt and secMark equal those of a
 * state the track holds (the latest or one in its ring) is a duplicate: the
 * RSU is added to the track's sources, the duplicate is counted and
 * brk_tracks_update() answers BRK_TRACK_DUPLICATE, so that the
 * applications run once per message, not once per RSU.
 *
 * Order.  secMark is the time within the minute (0..60 s; 60.x in a leap
 * second).  A message whose secMark lies up to 30 s before the latest
 * state's, modulo the minute (59.9 s is before 0.1 s), is older: counted
 * (BRK_TRACK_STALE) and not applied.  A message whose secMark is unavailable
 * (NaN), or follows one whose secMark was, cannot be ordered and is applied
 * (a copy with the same msgCnt, both secMarks unavailable, is still a
 * duplicate).
 *
 * Expiry and eviction.  Tracks are kept in the order of their last update.
 * brk_tracks_sweep(), called on the broker's tick, removes from the oldest
 * end the tracks not updated for cfg.max_age_us, at most max_n per call.
 * A new vehicle arriving at a full table evicts the least recently updated
 * track; both are counted.
 *
 * The clock: now_us in every call is the caller's, any base (the broker's
 * monotonic or wall clock in µs), and must not go backwards between calls.
 * The states' rx_us and msg_us are wall-clock µs since the epoch, as the
 * agents stamp observations.
 *
 * A struct brk_track pointer returned by this module is valid until the
 * next brk_tracks_update() or brk_tracks_sweep() on the table (either may
 * remove or reuse the track); its fields are read-only to the caller.
 * Not thread-safe: the broker's loop thread owns the table.
 */
#ifndef V2X_BROKER_STATE_TRACKS_H
#define V2X_BROKER_STATE_TRACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "maps/index/index.h"
#include "runtime/metrics.h"

/* How many RSUs a track remembers as its sources. */
#define BRK_TRACK_RSUS 4

/* Defaults of struct brk_tracks_cfg (a zero field takes its default). */
#define BRK_TRACKS_DEFAULT_HISTORY         10      /* states: 1 s at 10 Hz */
#define BRK_TRACKS_DEFAULT_MAX_AGE_US      5000000 /* 5 s without a BSM */
#define BRK_TRACKS_DEFAULT_HINT_MAX_AGE_US 1000000 /* index.h: "a second or so" */

/*
 * An RSU, as the broker interns its id string into a small number when the
 * agent says Hello.  Value 0 is no RSU.
 */
struct brk_rsu_key {
	uint16_t v;
};

/* One state of a vehicle: what the apps need of its BSM, and when. */
struct brk_track_state {
	uint8_t msg_cnt;
	double sec_mark_s; /* the BSM's secMark; NaN: unavailable */
	int64_t rx_us;     /* the agent's receive time, wall µs */
	/* The message's own time: secMark placed in the minute of rx_us
	 * nearest to it, wall µs; rx_us when secMark is unavailable. */
	int64_t msg_us;
	struct brk_rsu_key rsu; /* the RSU whose copy was applied */
	double lat_deg, lon_deg;
	double elev_m; /* NaN: absent or unknown */
	double speed_mps;
	double heading_deg;
	uint8_t transmission;
	struct v2x_accel4 accel;
	struct v2x_brakes brakes;
	struct v2x_vsize size;
	struct v2x_vclass vclass;
};

struct brk_track {
	uint8_t id[V2X_ID_LEN];
	struct brk_track_state latest;
	/* The last lane match (brk_tracks_match()), valid when has_match. */
	bool has_match;
	struct map_index_match match;
	int64_t match_now_us; /* now_us of that match */
	/* Sources, in no particular order; v == 0: an empty place. */
	struct brk_rsu_key rsus[BRK_TRACK_RSUS];
	int64_t rsu_now_us[BRK_TRACK_RSUS]; /* now_us each was last heard */
	int64_t first_now_us;
	int64_t last_update_now_us; /* now_us of the last applied state */
	uint64_t n_applied;
	uint64_t n_duplicates;
	uint64_t n_stale;
	/* Internal to tracks.c. */
	uint64_t key_;
	uint32_t prev_, next_; /* update order */
	uint32_t ring_head_;   /* position of the latest state in the ring */
	uint32_t ring_n_;
};

struct brk_tracks_cfg {
	size_t capacity;         /* tracks; required */
	size_t history;          /* states kept per track, the latest included */
	int64_t max_age_us;      /* a track not updated for longer expires */
	int64_t hint_max_age_us; /* an older match is not used as a hint */
};

/* Counters, plain fields (brk_tracks_metrics_add() exposes them). */
struct brk_tracks_stats {
	uint64_t updates;      /* brk_tracks_update() calls */
	uint64_t applied;      /* states applied (new tracks included) */
	uint64_t created;      /* tracks created */
	uint64_t duplicates;   /* copies of a state already held, merged */
	uint64_t stale;        /* older than the latest, not applied */
	uint64_t invalid;      /* refused: no RSU key */
	uint64_t expired;      /* removed by the sweep */
	uint64_t evicted;      /* removed to make room for a new vehicle */
	uint64_t matched;      /* matches that found a lane */
	uint64_t match_hint;   /* of them, with the previous match as hint */
	uint64_t off_map;      /* matches that found no lane */
	uint64_t match_errors; /* matches refused (position not finite) */
	size_t live;           /* tracks held now */
};

/* What brk_tracks_update() did. */
enum brk_track_result {
	BRK_TRACK_CREATED = 1,   /* a new vehicle: the state is applied */
	BRK_TRACK_UPDATED = 2,   /* a newer state: applied */
	BRK_TRACK_DUPLICATE = 3, /* a copy of a state held: RSU merged only */
	BRK_TRACK_STALE = 4,     /* older than the latest: ignored */
};

struct brk_tracks;

/*
 * Creates a table (cfg borrowed for the call).  Returns 0 and *out (caller
 * frees with brk_tracks_free); V2X_EINVAL for a zero capacity, a capacity
 * or history of 2^32 or more, or a negative age; V2X_ENOMEM.
 */
int brk_tracks_new(const struct brk_tracks_cfg *cfg, struct brk_tracks **out);

/* Frees t and every track in it; accepts NULL. */
void brk_tracks_free(struct brk_tracks *t);

/*
 * Offers the BSM bsm (borrowed for the call), received at rx_us (wall µs)
 * through RSU rsu, at the caller's time now_us.  Returns a positive enum
 * brk_track_result and *track (may be NULL) the vehicle's track, or
 * V2X_EINVAL (counted) for an RSU key of 0.  Never allocates.
 */
int brk_tracks_update(struct brk_tracks *t, const struct v2x_bsm *bsm, struct brk_rsu_key rsu,
                      int64_t rx_us, int64_t now_us, struct brk_track **track);

/*
 * Matches track (of t) to a lane of idx (borrowed for the call): the
 * position (x, y) in the index's local frame, the latest state's elevation
 * and heading (NaN: not gated), and the track's previous match as hint
 * when it was made no longer than cfg.hint_max_age_us before now_us.
 * Stores the result in the track.  Returns 0; V2X_ENOTFOUND when off map
 * (the track then has no match); V2X_EINVAL for a non-finite x or y (the
 * track's match is left as it was).  Allocates nothing.
 */
int brk_tracks_match(struct brk_tracks *t, struct brk_track *track, const struct map_index *idx,
                     double x, double y, int64_t now_us);

/* Returns the track of vehicle id (V2X_ID_LEN octets), or NULL. */
struct brk_track *brk_tracks_find(const struct brk_tracks *t, const uint8_t *id);

/*
 * Reads state i of track's history, 0 the latest, into *out.  Returns 0, or
 * V2X_ENOTFOUND when the track holds no more than i states.
 */
int brk_tracks_history(const struct brk_tracks *t, const struct brk_track *track, size_t i,
                       struct brk_track_state *out);

/*
 * Removes the tracks not updated for more than cfg.max_age_us at now_us,
 * oldest first, at most max_n of them (the sweep's cost bound).  Returns
 * how many it removed.
 */
size_t brk_tracks_sweep(struct brk_tracks *t, int64_t now_us, size_t max_n);

/*
 * Iterates over the live tracks, least recently updated first: the first
 * when prev is NULL, otherwise the one after prev; NULL at the end.  The
 * table must not be updated or swept during an iteration.
 */
const struct brk_track *brk_tracks_next(const struct brk_tracks *t, const struct brk_track *prev);

/* Returns the counters of t; valid while t lives. */
const struct brk_tracks_stats *brk_tracks_stats(const struct brk_tracks *t);

/*
 * Registers the counters of t with m (v2x_broker_tracks_*; labels as
 * v2x_metrics_add() takes them, detail in err).  t must outlive every
 * rendering of m.  0, V2X_EINVAL or V2X_ENOMEM.
 */
int brk_tracks_metrics_add(const struct brk_tracks *t, struct v2x_metrics *m,
                           const struct v2x_metric_label *labels, size_t n_labels, char *err,
                           size_t errlen);

#endif
