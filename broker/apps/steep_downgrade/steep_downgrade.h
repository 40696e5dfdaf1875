/*
 * steep_downgrade: the steep-downgrade application (app.h).  Ahead of a
 * long steep descent, it warns a vehicle whose speed exceeds the safe
 * speed for that grade and length; heavy vehicles get a lower one.
 *
 * The descent.  On each BSM of a vehicle matched to a lane, the shared
 * walk ahead (ahead.h, branch 0: the path the vehicle follows at forks)
 * gives the map's grade sections.  A section with grade G <= -min_grade
 * qualifies; qualifying sections that follow one another along the path
 * with gaps of at most merge_gap_m (a descent split over several lanes or
 * sections) merge into one descent from the first one's start to the last
 * one's end:
 *
 *   L    = its length along the path, gaps included              [m]
 *   |G|  = sum(|G_i| L_i) / sum(L_i), the length-weighted mean   [-]
 *   drop = sum(|G_i| L_i), the height it loses                   [m]
 *
 * A descent with L >= min_length_m counts.  What the walk sees is
 * BRK_AHEAD_DISTANCE_M ahead and, when the vehicle is on a section, that
 * section from its start on the vehicle's lane: a descent that began on
 * a previous lane counts from this lane's part once the vehicle is on it.
 *
 * The safe speed: the speed from which the vehicle stops within the sight
 * distance D on that grade, braking at a sustainable deceleration.  The
 * stopping distance on a grade (AASHTO, A Policy on Geometric Design of
 * Highways and Streets, 7th ed. 2018, eq. 3-3: braking distance
 * v^2 / (2 g (a/g - G)) on a downgrade G) with a reaction time t_r is
 *
 *   v t_r + v^2 / (2 a_eff) = D,    a_eff = a_brake - g |G|   [m/s2]
 *
 *   v_formula = a_eff (-t_r + sqrt(t_r^2 + 2 D / a_eff))        [m/s]
 *
 * a_eff is floored at min_decel_mps2 (a grade so steep that sustained
 * braking no longer holds the vehicle still gets a crawl speed, not an
 * error).  Heavy vehicles (BasicVehicleClass 25..35, trucks, and 50..58,
 * buses and coaches: T/CSAE 53 VehClass) brake at a_brake_heavy and, on a
 * descent whose drop reaches heavy_cap_drop_m, are further capped at
 * heavy_cap_mps (brake fade: the heat the service brakes must absorb is m
 * g drop).  The safe speed is
 *
 *   v_safe = min(v_formula, the posted limit at the descent's start,
 *                heavy_cap_mps for a heavy vehicle on a long descent)
 *
 * Constants and their sources:
 *   g = 9.80665 m/s2 (standard gravity, MAPGEN_G);
 *   t_r = 1.5 s: the applications' reaction time (the curve-speed
 *     assumption; AASHTO uses 2.5 s, JTG D20-2017 2.5 s for design, both
 *     for an unalerted driver: a warned one reacts sooner);
 *   a_brake = 2.5 m/s2 for cars: the applications' comfortable braking
 *     (the default; AASHTO's stopping sight distance uses 3.4);
 *   a_brake_heavy = 1.5 m/s2: an assumption for a loaded truck or coach
 *     braking without overheating, below the 3.4 m/s2 of AASHTO's cars;
 *   D = 60 m: an assumption, the sight distance the pilot's mountain
 *     descents offer, above the stopping sight distances JTG D20-2017
 *     requires at 40 km/h (40 m for cars, table 7.9.2; 50 m for trucks,
 *     table 7.9.5), so that a car at a 40 km/h posted limit on a 7.5 %
 *     descent is not nagged;
 *   heavy_cap_mps = 30 km/h and heavy_cap_drop_m = 60 m: a policy choice
 *     of this deployment, not a code value.  JTG D20-2017 treats
 *     "continuous long steep downgrades" by mean grade and length, and the
 *     signs on such descents commonly hold trucks to 30-40 km/h; 60 m of
 *     drop is 1000 m at 6 % or 800 m at 7.5 %.
 * On the test field's long descent (930 m at 7.5 %): a car gets
 * v_formula = 12.1 m/s, capped by the 40 km/h limit to 11.1 m/s; a truck
 * 8.5 m/s, capped to 8.3 m/s (30 km/h).
 *
 * When it warns.  A vehicle approaching the descent (its start within
 * max(approach_min_m, v approach_s) ahead on branch 0) or on it, whose
 * speed v > v_safe + tolerance_mps, is raised STEEP_DOWNGRADE (subject
 * none: one warning per vehicle) with
 *   distance_m = to the descent's start (0 on it), time_to_event_s =
 *   distance / v (NaN below 0.5 m/s), advisory_speed_mps = v_safe,
 *   position = the descent's start, the BSM as source, an expiry when
 *   the vehicle at its speed would leave the descent plus 5 s (at most
 *   600 s: a warning held that long is not re-sent to extend it), and a
 *   text such
 *   as "Steep descent 7.5 % over 930 m: keep below 30 km/h (heavy
 *   vehicle)".
 * Severity: CRITICAL when v > critical_ratio v_safe (1.3: 30 % over; from
 * 40 km/h that is 12 km/h too fast) or when the vehicle is already on the
 * descent (it is then committed to it); WARNING otherwise.
 *
 * Updates and the end.  The lifecycle (warn.h) turns the 10 Hz raises
 * into one issue and updates on material change.  A warning held goes on
 * while v > v_safe (hysteresis: issued above v_safe + tolerance_mps,
 * cleared at v_safe or below) and is cleared RESOLVED when the vehicle is
 * at or below v_safe, past the descent's end, or no longer meets a
 * descent within the approach distance (it turned away).  A BSM without a
 * match, or without speed, changes nothing: the lifecycle's confirm
 * timeout ends the warning (SOURCE_LOST) if that lasts.
 *
 * The uphill lane of the same road sees positive grades and is never
 * warned; nor is a vehicle past the descent.
 */
#ifndef V2X_BROKER_APPS_STEEP_DOWNGRADE_STEEP_DOWNGRADE_H
#define V2X_BROKER_APPS_STEEP_DOWNGRADE_STEEP_DOWNGRADE_H

#include <stdint.h>

#include "broker/apps/app.h"

/* Defaults of struct brk_steep_downgrade_cfg (a zero field takes its
 * default); the reasons are above. */
#define BRK_STEEP_DOWNGRADE_DEFAULT_MIN_GRADE        0.05 /* 5 % */
#define BRK_STEEP_DOWNGRADE_DEFAULT_MIN_LENGTH_M     500.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_MERGE_GAP_M      20.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_SIGHT_M          60.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_REACTION_S       1.5
#define BRK_STEEP_DOWNGRADE_DEFAULT_BRAKE_MPS2       2.5
#define BRK_STEEP_DOWNGRADE_DEFAULT_BRAKE_HEAVY_MPS2 1.5
#define BRK_STEEP_DOWNGRADE_DEFAULT_MIN_DECEL_MPS2   0.3
#define BRK_STEEP_DOWNGRADE_DEFAULT_HEAVY_CAP_MPS    (30.0 / 3.6)
#define BRK_STEEP_DOWNGRADE_DEFAULT_HEAVY_CAP_DROP_M 60.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_APPROACH_MIN_M   150.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_APPROACH_S       12.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_TOLERANCE_MPS    1.0
#define BRK_STEEP_DOWNGRADE_DEFAULT_CRITICAL_RATIO   1.3

/* Every field is a double; zero takes the default. */
struct brk_steep_downgrade_cfg {
	double min_grade;        /* |G| a section needs, fraction */
	double min_length_m;     /* length a descent needs */
	double merge_gap_m;      /* largest gap between merged sections */
	double sight_m;          /* D */
	double reaction_s;       /* t_r */
	double brake_mps2;       /* a_brake, cars */
	double brake_heavy_mps2; /* a_brake, heavy vehicles */
	double min_decel_mps2;   /* floor of a_eff */
	double heavy_cap_mps;    /* heavy vehicles on a long descent */
	double heavy_cap_drop_m; /* the drop from which that cap applies */
	double approach_min_m;   /* approach distance, at least */
	double approach_s;       /* approach distance, seconds at v */
	double tolerance_mps;    /* over v_safe before warning */
	double critical_ratio;   /* v / v_safe from which CRITICAL */
};

struct brk_steep_downgrade_stats {
	uint64_t bsms;          /* BSMs with a track */
	uint64_t unmatched;     /* of them, off every lane or without speed */
	uint64_t descents;      /* BSMs that met a descent within the approach */
	uint64_t raises;        /* warnings raised (issues, updates, refreshes) */
	uint64_t raise_refused; /* raises the lifecycle refused */
	uint64_t cleared;       /* warnings cleared RESOLVED */
};

/* The application: name "steep_downgrade"; cfg is a struct
 * brk_steep_downgrade_cfg or NULL (every default). */
extern const struct brk_app brk_steep_downgrade_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_steep_downgrade_stats *brk_steep_downgrade_stats(const void *state);

#endif
