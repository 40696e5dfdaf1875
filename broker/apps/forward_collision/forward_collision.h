/*
 * forward_collision: forward collision warning along the lane (app.h).
 *
 * What is warned.  A vehicle (the follower, the warning's target) closing
 * on the vehicle ahead of it on its path (the leader, the warning's
 * subject) so fast that, at its present speed, it would reach the leader
 * within ttc_warn_s.
 *
 * Who leads whom: along the lane graph, never by straight-line distance.
 * The application keeps its own occupancy index (occupancy.h): every
 * vehicle's latest lane match, speed, longitudinal acceleration, braking
 * flag and length, bucketed by (lane, 25 m cell of s).  On each BSM of a
 * matched vehicle at (lane L, s) with speed v, the leader is the nearest
 * vehicle heard within the last stale_s whose match lies ahead within
 *
 *   G = min(max_gap_cap_m, max(max_gap_m, v * gap_time_s))   [m along the road]
 *
 * first on L itself at s' > s (distance s' - s), then on the lanes the
 * road ahead enters (brk_ahead_get(): each LANE_ENTER at distance d, the
 * lane's vehicles at s' <= G - d, distance d + s'), nearest first.  Up to
 * the first fork the path is certain and every lane entered counts; at a
 * fork (a junction: the walk's branches k > 0) the lanes entered at the
 * fork itself count on every branch (the connectors across the junction,
 * whichever the follower takes), and nothing beyond them: a vehicle that
 * has left the junction on one exit is not the leader of a follower that
 * may take another.  Once the follower is on a connector its path is
 * certain again.
 *
 * A lane is one direction of one road at one level (the match is gated by
 * heading and height), so a vehicle in the oncoming lane, on the other leg
 * of a hairpin (its s on the same lane is far along the road, or it is on
 * the opposite lane), on the bridge above or the road below (another lane
 * not on the path) is never a leader, however near in a straight line.
 * Vehicles heard only through RSM are not in the index: BSMs only.
 *
 * The numbers.  The leader's state is its last BSM, moved forward to now
 * by dt = now - when the broker handled it (same kinematics as below).  With the
 * follower's speed v_f, the leader's v_l >= 0 and deceleration b >= 0,
 * the along-road distance D between the two match points and the lengths
 * l_f, l_l (BSM size; default_length_m when absent):
 *
 *   gap  g = D - (l_f + l_l) / 2                                   [m]
 *   b = -a_l when the BSM's longitudinal acceleration a_l is known and
 *       negative; brake_assumed_mps2 when a_l is unavailable and the
 *       braking flag is set (brake pedal on, or a wheel brake applied);
 *       otherwise 0.  A measured a_l >= 0 wins over the flag: on a long
 *       descent the brakes are on while the speed holds.
 *
 * Time to collision T, the follower holding its speed and the leader
 * braking at b until it stops (at t_s = v_l / b, after v_l^2 / (2 b)):
 *
 *   g <= 0:              T = 0
 *   b = 0 or v_l = 0:    T = g / (v_f - v_l)   when v_f > v_l, else none
 *   b > 0:               v_f t = g + v_l t - b t^2 / 2 gives, with
 *                        dv = v_f - v_l (any sign),
 *                        t* = 2 g / (dv + sqrt(dv^2 + 2 b g))
 *                        (the positive root, written without
 *                        cancellation); T = t* when t* <= t_s, otherwise
 *                        the leader has stopped first and
 *                        T = (g + v_l^2 / (2 b)) / v_f   (none when v_f = 0)
 *
 * Severity, on each BSM of the follower:
 *
 *   T <= ttc_critical_s        CRITICAL
 *   T <= ttc_warn_s            WARNING
 *   T <= ttc_warn_s + hysteresis_s, and a warning about the same leader
 *   is held                    WARNING (so that it does not flicker)
 *   otherwise, or v_f < min_speed_mps: none
 *
 * No time-headway floor is applied: following closely at the same speed
 * is no collision course (T is none) and is left to the driver; only T
 * warns.
 *
 * The warning (FORWARD_COLLISION, subject: the leader's vehicle id)
 * carries distance_m = g (0 when negative), time_to_event_s = T, the leader's position
 * (its BSM's lat/lon/elevation), advisory_speed_mps = the leader's speed
 * (the speed to come down to), the sources (the follower's BSM, then the
 * leader's latest), and a text: "Vehicle ahead braking: 32 m, 2.1 s",
 * "Stopped vehicle ahead: ..." or "Closing on vehicle ahead: ...".  Raised
 * at every BSM of the follower, the lifecycle (warn.h) emits it once and
 * then only its material changes.
 *
 * When it ends.  A warning of the follower not raised at its BSM is
 * cleared: RESOLVED while its leader is still heard (T rose above the
 * threshold plus hysteresis, the follower slowed below min_speed_mps,
 * another vehicle became the leader, the gap opened beyond G, the leader
 * turned off the path); SOURCE_LOST when the leader has gone silent for
 * more than stale_s (its state no longer counts).  on_tick ends the
 * warnings whose leader has gone silent the same way (SOURCE_LOST), and
 * the lifecycle's confirm timeout ends those of a follower that went
 * silent.  A follower's BSM without a match (off the map) changes
 * nothing.
 *
 * A leader braking hard changes its followers' warnings at their next BSM
 * (within 0.1 s at 10 Hz): each follower looks up its leader at its own
 * BSM, so the leader's BSM need not find its followers.
 *
 * Cost per BSM: one id lookup and a list move in the index; for a
 * follower at min_speed_mps or faster, the cells of its own lane up to
 * the first vehicle (G / 25 m + 1 at most: 7 at the default), and only
 * when none is there and G reaches past the lane's end, the road ahead
 * (the walk shared with the other applications) and the cells of the
 * lanes it enters; the warning table is read only for a vehicle that may
 * hold a warning of this application.  No scan over all vehicles; nothing
 * allocates after init.
 *
 * The constants:
 * - ttc_warn_s 4 s, ttc_critical_s 2 s, brake_assumed_mps2 4 m/s2,
 *   max_gap_m 150 m, stale_s 1 s, max_vehicles 20000: the applications
 *   issue's defaults.  For comparison, NHTSA's NCAP forward collision
 *   warning test requires the warning by a TTC of 2.1 s (stopped lead),
 *   2.4 s (decelerating lead) and 2.0 s (slower lead); its decelerating
 *   lead brakes at 0.3 g (2.9 m/s2), so 4 m/s2 (0.4 g) is a firm stop.
 * - gap_time_s 6 s: the "v * 6 s if larger"; max_gap_cap_m 300 m
 *   keeps the search bounded (6 s at 50 m/s) and inside the shared walk
 *   (BRK_AHEAD_DISTANCE_M).
 * - hysteresis_s 0.5 s: the example.
 * - min_speed_mps 3 m/s (about 10 km/h): creeping in a queue at a red
 *   light is no forward-collision situation; Euro NCAP's AEB car-to-car
 *   rear tests start at 10 km/h.
 * - default_length_m 4.5 m: a passenger car, used when a BSM has no size.
 * - cell_m 25 m: a few vehicles per cell in a queue, and G / cell_m
 *   buckets to read.
 * - sweep_max 256: stale vehicles removed per tick (bounded work).
 */
#ifndef V2X_BROKER_APPS_FORWARD_COLLISION_FORWARD_COLLISION_H
#define V2X_BROKER_APPS_FORWARD_COLLISION_FORWARD_COLLISION_H

#include <stdint.h>

#include "broker/apps/app.h"
#include "codecs/msg.h"

/* Defaults of struct brk_forward_collision_cfg (a zero field takes its
 * default); the reasons are above. */
#define BRK_FORWARD_COLLISION_DEFAULT_MAX_GAP_M          150.0
#define BRK_FORWARD_COLLISION_DEFAULT_GAP_TIME_S         6.0
#define BRK_FORWARD_COLLISION_DEFAULT_MAX_GAP_CAP_M      300.0
#define BRK_FORWARD_COLLISION_DEFAULT_TTC_WARN_S         4.0
#define BRK_FORWARD_COLLISION_DEFAULT_TTC_CRITICAL_S     2.0
#define BRK_FORWARD_COLLISION_DEFAULT_HYSTERESIS_S       0.5
#define BRK_FORWARD_COLLISION_DEFAULT_BRAKE_ASSUMED_MPS2 4.0
#define BRK_FORWARD_COLLISION_DEFAULT_MIN_SPEED_MPS      3.0
#define BRK_FORWARD_COLLISION_DEFAULT_STALE_S            1.0
#define BRK_FORWARD_COLLISION_DEFAULT_MAX_VEHICLES       20000.0
#define BRK_FORWARD_COLLISION_DEFAULT_CELL_M             25.0
#define BRK_FORWARD_COLLISION_DEFAULT_LENGTH_M           4.5
#define BRK_FORWARD_COLLISION_DEFAULT_SWEEP_MAX          256.0

struct brk_forward_collision_cfg {
	double max_gap_m;          /* m: the leader search range ... */
	double gap_time_s;         /* s: ... or the follower's speed times this */
	double max_gap_cap_m;      /* m: ... up to this */
	double ttc_warn_s;         /* s */
	double ttc_critical_s;     /* s */
	double hysteresis_s;       /* s: a held warning ends above ttc_warn_s + this */
	double brake_assumed_mps2; /* m/s2: a braking leader's deceleration when unknown */
	double min_speed_mps;      /* m/s: slower followers are not warned */
	double stale_s;            /* s: a vehicle not heard for longer does not count */
	double max_vehicles;       /* vehicles the index holds */
	double cell_m;             /* m: the index's cells along a lane */
	double default_length_m;   /* m: a vehicle's length when its BSM has none */
	double sweep_max;          /* stale vehicles removed per tick */
};

struct brk_forward_collision_stats {
	uint64_t bsms;            /* BSMs with a track */
	uint64_t unmatched;       /* of them, off every lane: only stored */
	uint64_t no_speed;        /* of them, speed unavailable: not evaluated */
	uint64_t ahead_reads;     /* searches that read the road ahead (brk_ahead_get) */
	uint64_t leaders;         /* BSMs whose vehicle (at min_speed_mps or more) had a leader */
	uint64_t leaders_entered; /* of them, the leader on a lane entered ahead */
	uint64_t raises;          /* warnings raised (issues, updates, refreshes) */
	uint64_t raise_refused;   /* raises the lifecycle refused */
	uint64_t resolved;        /* warnings cleared RESOLVED */
	uint64_t lost;            /* warnings cleared SOURCE_LOST (the leader went silent) */
	uint64_t swept;           /* stale vehicles removed from the index */
	/* The last follower-leader pair evaluated, for tests and logs. */
	uint8_t last_leader[V2X_ID_LEN];
	double last_gap_m;
	double last_ttc_s; /* INFINITY: not closing */
};

/* The application: name "forward_collision"; cfg is a struct
 * brk_forward_collision_cfg or NULL (every default). */
extern const struct brk_app brk_forward_collision_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_forward_collision_stats *brk_forward_collision_stats(const void *state);

#endif
