/*
 * spat: the signal states of the intersections, one entry per
 * (intersection, signal group), from the SPAT messages the RSUs hear.
 *
 * Each entry holds the signal group's current light (the first of its
 * phase states), the timing of that state in absolute wall-clock time, the
 * RSU whose SPAT set it and when.  A SPAT's time is its intersection's
 * MinuteOfTheYear plus its DSecond timestamp (the SPAT's own when the
 * intersection has none); the year is the one that puts that time nearest
 * to the receipt.  Without a MinuteOfTheYear the timestamp is placed in
 * the minute nearest to the receipt; without either the receipt time is
 * used (counted).  Timing offsets are then:
 * - countdown timing (V2X_TIMING_COUNTING): seconds after the SPAT's time;
 * - UTC timing (V2X_TIMING_UTC): seconds within the UTC hour, placed in
 *   the hour that puts them within half an hour of the SPAT's time.
 * A SPAT older than the state held for a signal group (by that time) does
 * not replace it (counted): copies from two RSUs arrive in any order.
 *
 * The entries are preallocated (cfg.capacity); a new signal group when all
 * are taken is refused and counted.  Entries not updated for cfg.max_age_us
 * expire in brk_spat_sweep(), called on the broker's tick.  now_us is the
 * caller's clock, as in tracks.h.  A returned pointer is valid until the
 * next update or sweep.  Not thread-safe.
 */
#ifndef V2X_BROKER_STATE_SPAT_H
#define V2X_BROKER_STATE_SPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/state/tracks.h"
#include "codecs/msg.h"
#include "runtime/metrics.h"

#define BRK_SPAT_DEFAULT_MAX_AGE_US 3000000 /* SPAT comes at 10 Hz */

/* A signal group of an intersection; region 0 when the SPAT names none. */
struct brk_spat_key {
	uint16_t region;
	uint16_t intersection;
	uint8_t group;
};

/* Timing of a light state, wall µs since the epoch.  A has_ flag false:
 * the SPAT did not give that time (absent, or its invalid value). */
struct brk_spat_timing {
	bool has_start;
	int64_t start_us;
	bool has_min_end;
	int64_t min_end_us;
	bool has_likely_end;
	int64_t likely_end_us;
	bool has_max_end;
	int64_t max_end_us;
};

struct brk_spat_signal {
	struct brk_spat_key key;
	uint8_t light; /* enum v2x_light of the current state */
	bool has_timing;
	struct brk_spat_timing timing;
	uint16_t status; /* the intersection's IntersectionStatusObject */
	int64_t time_us; /* the SPAT's time for this intersection, wall µs */
	struct brk_rsu_key rsu;
	int64_t rx_us;  /* the agent's receipt, wall µs */
	int64_t now_us; /* the caller's time of the update */
	/* Internal to spat.c. */
	bool used_;
	uint32_t next_free_;
};

struct brk_spat_cfg {
	size_t capacity;    /* signal groups; required */
	int64_t max_age_us; /* 0: BRK_SPAT_DEFAULT_MAX_AGE_US */
};

struct brk_spat_stats {
	uint64_t messages; /* brk_spat_update() calls */
	uint64_t signals;  /* signal-group states applied */
	uint64_t stale;    /* older than the state held: not applied */
	uint64_t full;     /* new signal groups refused: every entry taken */
	uint64_t no_time;  /* SPATs without moy and timestamp: receipt time used */
	uint64_t invalid;  /* refused: no RSU key */
	uint64_t expired;  /* entries removed by the sweep */
	size_t live;       /* entries held now */
};

struct brk_spat;

/* Creates a table (cfg borrowed for the call).  0 and *out (caller frees
 * with brk_spat_free), V2X_EINVAL (zero capacity, negative age), V2X_ENOMEM. */
int brk_spat_new(const struct brk_spat_cfg *cfg, struct brk_spat **out);

/* Frees s; accepts NULL. */
void brk_spat_free(struct brk_spat *s);

/*
 * Applies spat (borrowed for the call), received at rx_us (wall µs) through
 * RSU rsu, at the caller's time now_us.  Returns the number of signal-group
 * states applied (0 when all were stale or refused, each counted), or
 * V2X_EINVAL for an RSU key of 0.  Allocates nothing.
 */
int brk_spat_update(struct brk_spat *s, const struct v2x_spat *spat, struct brk_rsu_key rsu,
                    int64_t rx_us, int64_t now_us);

/* Returns the state of key, or NULL. */
const struct brk_spat_signal *brk_spat_find(const struct brk_spat *s, struct brk_spat_key key);

/*
 * Removes the entries not updated for more than cfg.max_age_us at now_us,
 * looking at no more than max_n entries per call (the next call goes on
 * where this one stopped).  Returns how many it removed.
 */
size_t brk_spat_sweep(struct brk_spat *s, int64_t now_us, size_t max_n);

/*
 * The SPAT's time for intersection is (one of spat's, or NULL for the
 * SPAT's own fields), as described above; *from_rx (may be NULL) tells
 * whether the receipt time had to be used.
 */
int64_t brk_spat_time_us(const struct v2x_spat *spat, const struct v2x_intersection_state *is,
                         int64_t rx_us, bool *from_rx);

/* Fills *out with timing tm placed on the wall clock for a SPAT of time
 * time_us.  An unrecognised timing kind gives no times at all. */
void brk_spat_timing(const struct v2x_timing *tm, int64_t time_us, struct brk_spat_timing *out);

/* Returns the counters of s; valid while s lives. */
const struct brk_spat_stats *brk_spat_stats(const struct brk_spat *s);

/* Registers the counters of s with m (v2x_broker_spat_*), as
 * brk_tracks_metrics_add() does. */
int brk_spat_metrics_add(const struct brk_spat *s, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen);

#endif
