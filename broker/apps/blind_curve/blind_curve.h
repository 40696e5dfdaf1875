/*
 * blind_curve: the blind-curve oncoming-vehicle application (app.h).
 *
 * What is warned.  Two vehicles approach the same bend from opposite
 * directions, arrive at it within a few seconds of each other, and cannot
 * see each other because the bend's sight obstruction (the rock face on
 * the inside of a hairpin) stands between them: both are warned, each
 * about the other (BLIND_CURVE_ONCOMING, subject the other vehicle).  A
 * vehicle whose body reaches over the centre line in a bend while an
 * oncoming vehicle approaches the same bend is warned too, CRITICAL.
 *
 * Bends.  Built once per map (on_map, or on the first BSM on a new map:
 * the lane graph is explored from the vehicle's lane, successors and
 * predecessors, and every curve of every lane reached is read with a walk
 * of that lane alone).  A bend is a curve of one lane paired with the
 * curve of the opposite-direction lane of the same road (same road_id,
 * opposite direction) whose apex lies within pair_m of its own; the apex
 * of a curve is the middle of its arc of constant radius, in s:
 *
 *   s_apex = (arc_s0 + arc_s1) / 2                                 [m]
 *
 * Per BSM.  From the road ahead (brk_ahead_get(), branch 0: the path the
 * vehicle follows at a fork is the index's first successor), each curve
 * met at distance d0 (its start; negative when the vehicle is in it) has
 * its apex at D = d0 + s_apex - s0 along the vehicle's path.  The vehicle
 * registers at the curve while 0 < D <= H, or while it is in the curve
 * before the apex, with its time to the apex
 *
 *   H = min(max_horizon_m, max(min_horizon_m, v * horizon_s))      [m]
 *   T = D / v                                                     [s]
 *
 * (v the BSM's speed; below min_speed_mps T is unknown and the vehicle is
 * not "approaching"), its match (for its eye point E: the lane's
 * centre-line point at its s, moved by the match's lateral offset, z the
 * lane's height plus eye_height_m; made only when a sight test needs it)
 * and whether it is over the centre line (below).  A curve holds
 * BRK_BLIND_CURVE_SLOTS registrations (a new one takes a free or stale
 * place, else that of the one farthest from the apex, counted).  The
 * vehicle leaves the curve's registrations when D <= 0 (it passed the
 * apex).
 * Then, against each registration of the opposite curve not older than
 * fresh_s (the other's ETA advanced to now, T' = T_other - age):
 *
 *   |T - T'| <= window_s  and  the sight line E - E_other is blocked
 *   (map_index_sight_blocked() != 0)
 *
 * raises the warning of both vehicles, each with its own numbers: the
 * distance D to its apex along its path, the time T, the apex as the
 * position (its lat/lon computed once per map), and the severity
 *
 *   CRITICAL when T <= critical_s or the vehicle is over the centre line,
 *   WARNING otherwise.
 *
 * Centre line.  Traffic keeps right and lateral_m is positive to the left,
 * so the centre line is the lane's left edge: a vehicle of width w (the
 * BSM's size, vehicle_width_m when absent) in a lane of width W (the
 * lane's profile at its s, wider inside hairpins) is over it when
 *
 *   lateral_m > W / 2 - w / 2   and   lateral_m > 0               [m]
 *
 * (the second: a vehicle wider than its lane is not taken to be over the
 * line while it keeps to the lane's centre or right of it).
 * While such a vehicle is in a bend's curve or within approach_m before
 * it, a registration of the opposite curve with a known T (an oncoming
 * vehicle approaching within its horizon) raises the vehicle's warning
 * about that one, CRITICAL (distance and time to its apex, both 0 past
 * the apex).  Timing and sight play no part.  The oncoming vehicle gets
 * the ordinary warning only when the ordinary rule holds for the pair.
 *
 * Lifecycle.  The raises at 10 Hz become one issue and updates on material
 * change (warn.h).  Once a pair is warned (either warning held) the sight
 * line is no longer asked, and the window widens by hold_margin_s: the
 * sight line clears again as the two close in on the apex (on hairpin 1
 * of the test field 10-20 m before it), exactly when the warning matters
 * most, and two evaluations a few centimetres apart must not flap a
 * warning on and off.  A vehicle's BSM clears its warnings it did not
 * raise: RESOLVED when the other is still heard (one of them passed the
 * apex, left the horizon, or the timing no longer holds), SOURCE_LOST when
 * the other has not been heard for fresh_s.  The tick ends a warning whose
 * target or subject has not been heard for fresh_s (SOURCE_LOST).
 *
 * Physics and sources of the constants:
 * - window_s = 4 s: at a hairpin's advisory speed (6-7 m/s, the test
 *   field's 21-26 km/h) a vehicle covers 24-28 m in 4 s, about half the
 *   180-degree arc of a 17-25 m radius (53-78 m): two vehicles arriving
 *   within 4 s of each other meet inside the arc, where the rock face
 *   hides them from each other.
 * - critical_s = 3 s: with the curve-speed assumptions of the
 *   applications issue (1.5 s reaction, 2.5 m/s2 comfortable braking) a
 *   vehicle at 7 m/s stops in 7 * 1.5 + 49 / 5 = 20.3 m, its distance to
 *   the apex 3 s before it: later than that it can no longer stop short of
 *   the meeting point.
 * - eye_height_m = 1.2 m: the driver's eye height of JTG D20-2017
 *   (China's highway route design specification) for sight distances; the
 *   oncoming vehicle is seen at the same height (meeting sight distance).
 *   AASHTO's Green Book uses 1.08 m for both in passing sight distance.
 * - horizon_s = 10 s, min_horizon_m = 50 m, max_horizon_m = 300 m: a
 *   vehicle registers at most 10 s before the apex, so that with the 4 s
 *   window a pair is found 6 s before the first of them arrives; 50 m
 *   keeps slow vehicles (a queue at the bend) in view; 300 m bounds the
 *   registrations of fast ones.
 * - fresh_s = 0.5 s: five BSMs missed at 10 Hz; a registration older than
 *   that is not used, and its vehicle's warnings end (SOURCE_LOST).
 * - vehicle_width_m = 1.8 m: a passenger car (GB 1589 allows 2.55 m for
 *   lorries; the BSM's size is used when it has one).
 * - approach_m = 20 m: the centre-line rule starts 20 m before the curve,
 *   where a vehicle cutting the bend already sits over the line.
 * - pair_m = 30 m: the two lanes' apexes of one bend lie a lane width and
 *   the arcs' offset apart (4.3 m at hairpin 1), while two hairpins of a
 *   staircase lie 90 m or more apart.
 * - hold_margin_s = 0.5 s, min_speed_mps = 0.5 m/s.
 *
 * Limits.  The other vehicle's eye point and numbers are those of its last
 * BSM (at most fresh_s old; 0.1 s and about 1 m at 10 Hz).  A road with
 * several lanes each way pairs each curve with the nearest opposite one.
 * The vehicle on the bridge above a bend, on the road below, on the other
 * leg of a hairpin driving the same way, or in the same direction as the
 * other is never paired: pairs are made on the lane graph's roads and
 * directions, not on straight-line distances.
 *
 * Memory: the bend table is allocated per map (on_map, or on the first BSM
 * on a new map when the core did not call on_map for it), sized by the
 * index's feature count, an upper bound on its curves; nothing allocates
 * per BSM or tick.  Not thread-safe (the broker's loop thread).
 */
#ifndef V2X_BROKER_APPS_BLIND_CURVE_BLIND_CURVE_H
#define V2X_BROKER_APPS_BLIND_CURVE_BLIND_CURVE_H

#include <stdint.h>

#include "broker/apps/app.h"

/* Defaults of struct brk_blind_curve_cfg (a zero field takes its
 * default); the reasons are above. */
#define BRK_BLIND_CURVE_DEFAULT_HORIZON_S       10.0
#define BRK_BLIND_CURVE_DEFAULT_MIN_HORIZON_M   50.0
#define BRK_BLIND_CURVE_DEFAULT_MAX_HORIZON_M   300.0
#define BRK_BLIND_CURVE_DEFAULT_WINDOW_S        4.0
#define BRK_BLIND_CURVE_DEFAULT_HOLD_MARGIN_S   0.5
#define BRK_BLIND_CURVE_DEFAULT_CRITICAL_S      3.0
#define BRK_BLIND_CURVE_DEFAULT_FRESH_S         0.5
#define BRK_BLIND_CURVE_DEFAULT_EYE_HEIGHT_M    1.2
#define BRK_BLIND_CURVE_DEFAULT_VEHICLE_WIDTH_M 1.8
#define BRK_BLIND_CURVE_DEFAULT_APPROACH_M      20.0
#define BRK_BLIND_CURVE_DEFAULT_PAIR_M          30.0
#define BRK_BLIND_CURVE_DEFAULT_MIN_SPEED_MPS   0.5

/* Vehicles registered at one curve at once. */
#define BRK_BLIND_CURVE_SLOTS 8

struct brk_blind_curve_cfg {
	double horizon_s;
	double min_horizon_m;
	double max_horizon_m;
	double window_s;
	double hold_margin_s;
	double critical_s;
	double fresh_s;
	double eye_height_m;
	double vehicle_width_m;
	double approach_m;
	double pair_m;
	double min_speed_mps;
};

struct brk_blind_curve_stats {
	uint64_t bsms;            /* BSMs with a track */
	uint64_t unmatched;       /* of them, off every lane: nothing done */
	uint64_t builds;          /* bend tables made (one per map) */
	uint64_t explorations;    /* lane-graph explorations (one per component) */
	uint64_t lanes;           /* lanes known */
	uint64_t curves;          /* curves known */
	uint64_t bends;           /* curves paired with an opposite one */
	uint64_t curve_overflow;  /* curves beyond the table's room */
	uint64_t registrations;   /* registrations made or refreshed */
	uint64_t slot_overflow;   /* registrations that replaced a fresh one */
	uint64_t pairs_in_window; /* opposite pairs within the time window */
	uint64_t sight_tests;     /* sight lines asked */
	uint64_t sight_blocked;   /* of them, blocked */
	uint64_t centre_line;     /* raises for a vehicle over the centre line */
	uint64_t raise_refused;   /* raises the lifecycle refused */
	uint64_t resolved;        /* warnings cleared RESOLVED */
	uint64_t lost;            /* warnings cleared SOURCE_LOST */
	uint64_t build_errors;    /* tables that could not be made (no memory) */
};

/* The application: name "blind_curve"; cfg is a struct
 * brk_blind_curve_cfg or NULL (every default). */
extern const struct brk_app brk_blind_curve_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_blind_curve_stats *brk_blind_curve_stats(const void *state);

#endif
