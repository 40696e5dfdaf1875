/*
 * hazard_ahead: the hazard-ahead-in-lane application (app.h).
 *
 * On each BSM of a vehicle matched to a lane, it walks the lane graph
 * ahead of the match (map_index_walk, every branch at a fork) for the
 * horizon
 *
 *   H = min(max_horizon_m, max(min_horizon_m, v * horizon_s))   [m]
 *
 * v the BSM's speed (m/s; unavailable: H = min_horizon_m).  The walk
 * covers [s, s + H] of the vehicle's lane and, for each lane it enters at
 * distance d (LANE_ENTER), [0, H - d] of that lane (each cut to the
 * lane's length).  A hazard active now (brk_hazard_active(): lanes known,
 * started, not expired) with an interval [a, b] on a covered lane that
 * meets the covered part is ahead, at distance
 *
 *   D = d + max(0, a - s_start)   [m along the lanes]
 *
 * (0 while the vehicle is inside the interval; the smallest D over every
 * branch and interval), and time to event T = D / v (s; unknown below
 * min_speed_mps).  For each one it raises HAZARD_AHEAD (subject: the
 * hazard, with its event type or participant type) with D, T, the
 * hazard's position, the hazard's expiry, the sources (the hazard's last
 * copy and the BSM) and a severity from T:
 *
 *   T <= critical_s  CRITICAL    T <= warning_s  WARNING    else ADVISORY
 *   (T unknown: ADVISORY; D = 0: CRITICAL)
 *
 * The defaults follow the curve-speed assumptions of the applications
 * issue: 1.5 s reaction and 2.5 m/s2 comfortable braking need T = 1.5 +
 * v / 5 s to stop, 4.5 s at 15 m/s; below critical_s = 4 s comfortable
 * braking no longer suffices from 12.5 m/s up; warning_s = 8 s leaves room
 * for it up to 32 m/s.  min_horizon_m = 150 m and horizon_s = 12 s warn a
 * vehicle at 15 m/s 180 m ahead; max_horizon_m = 600 m bounds the walk.
 *
 * The warning lifecycle (warn.h) turns the 10 Hz raises into one issue and
 * updates as D and T shrink materially.  A warning of the vehicle whose
 * hazard the walk no longer meets is cleared: RESOLVED when the hazard is
 * still active (the vehicle passed it or turned away), otherwise as
 * on_tick would.  on_tick ends the warnings whose hazard is gone or no
 * longer active: RESOLVED when its end time passed, SOURCE_LOST when it
 * was not heard again.
 *
 * Because it follows the lane graph, a vehicle on the bridge above a
 * hazard (or on the road below it), on the other leg of a hairpin from it,
 * or in the oncoming lane is not warned: none of their walks enters the
 * hazard's lane interval within the horizon.
 *
 * A BSM without a match (off the map) changes nothing: the lifecycle's
 * confirm timeout ends the vehicle's warnings if it stays off.
 */
#ifndef V2X_BROKER_APPS_HAZARD_AHEAD_H
#define V2X_BROKER_APPS_HAZARD_AHEAD_H

#include <stdint.h>

#include "broker/apps/app.h"

/* Defaults of struct brk_hazard_ahead_cfg (a zero field takes its
 * default); the reasons are above. */
#define BRK_HAZARD_AHEAD_DEFAULT_MIN_HORIZON_M 150.0
#define BRK_HAZARD_AHEAD_DEFAULT_HORIZON_S     12.0
#define BRK_HAZARD_AHEAD_DEFAULT_MAX_HORIZON_M 600.0
#define BRK_HAZARD_AHEAD_DEFAULT_CRITICAL_S    4.0
#define BRK_HAZARD_AHEAD_DEFAULT_WARNING_S     8.0
#define BRK_HAZARD_AHEAD_DEFAULT_MIN_SPEED_MPS 0.5

/* Hazards one walk remembers; more are counted and skipped. */
#define BRK_HAZARD_AHEAD_MET_MAX 32

struct brk_hazard_ahead_cfg {
	double min_horizon_m;
	double horizon_s;
	double max_horizon_m;
	double critical_s;
	double warning_s;
	double min_speed_mps;
};

struct brk_hazard_ahead_stats {
	uint64_t bsms;        /* BSMs with a track */
	uint64_t unmatched;   /* of them, off every lane: nothing done */
	uint64_t walks;       /* walks made */
	uint64_t walk_errors; /* walks refused (lane not in the index) */
	uint64_t met;         /* hazards met by walks */
	uint64_t met_overflow;
	uint64_t raise_refused; /* raises the lifecycle refused */
	uint64_t passed;        /* warnings cleared because the walk no longer met them */
	uint64_t ended;         /* warnings ended because their hazard ended */
};

/* The application: name "hazard_ahead"; cfg is a struct
 * brk_hazard_ahead_cfg or NULL (every default). */
extern const struct brk_app brk_hazard_ahead_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_hazard_ahead_stats *brk_hazard_ahead_stats(const void *state);

#endif
