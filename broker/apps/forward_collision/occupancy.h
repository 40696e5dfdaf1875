/*
 * occupancy: where the vehicles are along the lanes, for the forward
 * collision application: each vehicle's latest state keyed by its id, and
 * the vehicles on the lanes bucketed by (lane, cell of s), so that "the
 * nearest vehicle on lane L between s_a and s_b" reads a few buckets
 * instead of every track.
 *
 * Everything is allocated by brk_fc_occ_new() for `capacity` vehicles: the
 * vehicles' slots, an open-addressing hash on the id (linear probing,
 * backward-shift deletion), and a hash of (lane, cell) to intrusive
 * doubly linked lists of the vehicles in that cell (a list may hold
 * several cells whose keys collide; readers check the lane and cell).
 * Puts, lookups and sweeps allocate nothing.
 *
 * Vehicles are also kept in the order of their last put, so that
 * brk_fc_occ_sweep() removes those not heard for a while from the oldest
 * end with bounded work per call.  A new vehicle arriving at a full table
 * takes the slot of the least recently put one (counted as evicted).
 *
 * The clock: now_us is the caller's, any base, and must not go backwards
 * between calls.  A struct brk_fc_occ_veh pointer returned here is valid
 * until the next put, sweep or clear on the table; its fields are
 * read-only to the caller.  Not thread-safe: the broker's loop thread
 * owns it.
 */
#ifndef V2X_BROKER_APPS_FORWARD_COLLISION_OCCUPANCY_H
#define V2X_BROKER_APPS_FORWARD_COLLISION_OCCUPANCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/apps/warn.h"
#include "codecs/msg.h"

/* The most vehicles a table holds (the hashes index in 32 bits). */
#define BRK_FC_OCC_CAPACITY_MAX ((size_t)1 << 26)

/* What the application keeps of a vehicle's latest BSM. */
struct brk_fc_occ_state {
	bool on_lane;                         /* matched to a lane: lane_id and s hold, listed */
	uint32_t lane_id;                     /* the match */
	double s;                             /* along lane_id, m */
	double speed_mps;                     /* NaN: unavailable */
	double accel_mps2;                    /* longitudinal, forward positive; NaN: unavailable */
	bool braking;                         /* brake pedal on or a wheel brake applied */
	double length_m;                      /* the vehicle's length */
	double lat_deg, lon_deg, elev_m;      /* where it is (elev NaN: unknown) */
	uint64_t seq;                         /* the agent's Observation.seq of that BSM */
	char rsu_id[BRK_WARN_RSU_ID_MAX + 1]; /* the RSU that heard it */
};

/*
 * A vehicle in the table.  What a bucket scan reads comes first, so that
 * it touches one or two cache lines of each vehicle in the list.
 */
struct brk_fc_occ_veh {
	uint32_t bnext_, bprev_; /* internal: the bucket's list */
	int64_t cell_;           /* internal: floor(s / cell_m) */
	int64_t t_us;            /* now_us of its last put */
	struct brk_fc_occ_state st;
	uint8_t id[V2X_ID_LEN];
	/* The caller's own mark, kept across puts: 1 for a new vehicle, then
	 * whatever the caller sets (the only field it may change). */
	uint8_t mark;
	/* Internal to occupancy.c. */
	uint64_t key_;
	uint32_t bucket_;        /* UINT32_MAX: not listed */
	uint32_t aprev_, anext_; /* put order; anext_ is the free list's link too */
};

/* Counters, plain fields. */
struct brk_fc_occ_stats {
	uint64_t puts;
	uint64_t inserted; /* vehicles new to the table */
	uint64_t moved;    /* puts that changed the vehicle's (lane, cell) */
	uint64_t evicted;  /* removed to make room for a new vehicle */
	uint64_t swept;    /* removed by brk_fc_occ_sweep() */
	size_t live;       /* vehicles held */
	size_t listed;     /* of them, on a lane */
};

struct brk_fc_occ;

/*
 * Creates a table for capacity vehicles, cells of cell_m metres along
 * each lane.  Returns 0 and *out (caller frees with brk_fc_occ_free);
 * V2X_EINVAL for a capacity of 0 or above BRK_FC_OCC_CAPACITY_MAX or a
 * cell_m that is not a positive finite number; V2X_ENOMEM.
 */
int brk_fc_occ_new(size_t capacity, double cell_m, struct brk_fc_occ **out);

/* Frees o; accepts NULL. */
void brk_fc_occ_free(struct brk_fc_occ *o);

/*
 * Stores st (borrowed for the call) as the latest state of vehicle id
 * (V2X_ID_LEN octets) at now_us, moving it to the bucket of its (lane,
 * cell), or out of every bucket when !st->on_lane or s is not finite.
 * Returns the vehicle (never NULL: a full table evicts its least recently
 * put vehicle for a new one), whose mark the caller may change.  Never
 * allocates.
 */
struct brk_fc_occ_veh *brk_fc_occ_put(struct brk_fc_occ *o, const uint8_t *id,
                                      const struct brk_fc_occ_state *st, int64_t now_us);

/* Returns vehicle id, or NULL. */
const struct brk_fc_occ_veh *brk_fc_occ_find(const struct brk_fc_occ *o, const uint8_t *id);

/*
 * Returns the vehicle on lane with the smallest s in [s_from, s_to] that
 * was put at or after fresh_since_us, other than self (may be NULL), or
 * NULL when there is none.  Reads the buckets of the cells from s_from's
 * to s_to's in order and stops at the first that holds one, so that its
 * cost grows with (s_to - s_from) / cell_m and the vehicles in those cells
 * only.
 */
const struct brk_fc_occ_veh *brk_fc_occ_nearest(const struct brk_fc_occ *o, uint32_t lane,
                                                double s_from, double s_to, int64_t fresh_since_us,
                                                const struct brk_fc_occ_veh *self);

/*
 * Removes the vehicles last put before stale_before_us, oldest first, at
 * most max_n of them (the sweep's cost bound).  Returns how many.
 */
size_t brk_fc_occ_sweep(struct brk_fc_occ *o, int64_t stale_before_us, size_t max_n);

/* Removes every vehicle (after a map change: lanes may have new ids). */
void brk_fc_occ_clear(struct brk_fc_occ *o);

/* Returns the counters of o; valid while o lives. */
const struct brk_fc_occ_stats *brk_fc_occ_stats(const struct brk_fc_occ *o);

#endif
