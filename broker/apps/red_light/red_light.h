/*
 * red_light: the red-light violation warning application (app.h).
 *
 * What is warned.  A vehicle approaching the stop line of a signalised
 * approach that can no longer stop comfortably before the line and will
 * not have cleared it (its rear past the line) before the light is red:
 * the dilemma zone of Gazis, Herman and Maradudin ("The problem of the
 * amber signal light in traffic flow", Operations Research 8(1), 1960),
 * judged from the SPAT's countdown rather than from a fixed yellow.
 *
 * Where.  On each BSM of a vehicle matched to a lane, the road ahead
 * (brk_ahead_get()) gives the first stop line on branch 0 (the path the
 * vehicle follows when it keeps to the first successor at every fork) at
 * distance d (m, along the lanes).  A stop line lying beyond a fork is
 * skipped: the vehicle may take the other way and never meet it.  The
 * stop line's intersection gives the MAP node (region, node id,
 * map_index_intersection()), the movements from its lane give the signal
 * groups:
 *
 *   the movements are the links from the end of the stop line's lane
 *   into lanes of the same intersection (map_index_links()), each with
 *   its signal group (-1: unsignalised); a lane without such links has
 *   the one movement of the stop line's own signal group.
 *
 * The vehicle's turn is not known (the track keeps no turn signal and no
 * route), so a violation is one whichever movement it takes: EVERY
 * movement's signal must be violated.  A lane whose straight movement is
 * green while its left arrow is red (protected left turns, common here)
 * then warns nobody, where warning on ANY movement would warn every
 * vehicle going straight on green; the price is that a vehicle turning
 * left against its red arrow while straight on is green is not warned.
 * An unsignalised movement from the lane (a free right turn) means no
 * warning on that approach.
 *
 * The physics, in SI units (m, s, m/s, m/s2):
 *
 *   v        the BSM's speed; below min_speed_mps the vehicle is stopped
 *            and nothing is warned.
 *   G        the mean grade between the vehicle and the line,
 *            (z_line - z_vehicle) / max(d, 1 m) from the map (the lane
 *            profile's height at the match, the stop line's height),
 *            clamped to +-0.15; negative downhill.
 *   a        = max(decel_mps2 + g G, decel_mps2 / 4), g = 9.80665 m/s2:
 *            the comfortable deceleration corrected for the grade, as the
 *            ITE kinematic change interval does (Y = t + v / (2a + 2Gg)).
 *   d_stop   = v t_r + v^2 / (2 a) when the vehicle is not braking;
 *            = v^2 / (2 max(a, -a_x)) when it is (the BSM's brake pedal
 *            on, or its longitudinal acceleration a_x <= -braking_mps2):
 *            a driver already braking needs no reaction time, and one
 *            braking harder than comfortable stops sooner.
 *   can_stop = d_stop <= d.
 *   T_red    the time from now until the light is red, from the signal's
 *            state (the SPAT's current state; its end is likely_end, else
 *            min_end):
 *              green (permissive, protected, flashing): green end +
 *                yellow_s (the signal table keeps the current state only,
 *                so the yellow's duration is the configured one);
 *              yellow: its end;
 *              red: 0 (already red), until its end T_red_end.
 *            A green or yellow without an end time, and dark, unavailable,
 *            flashing yellow or flashing red (stop, then go: no timed red)
 *            states, give no judgement: no warning.
 *   clears   = (d + L) / v <= T_red: at constant speed the rear passes the
 *            line before red; L the BSM's vehicle length (length_m when
 *            it gives none).
 *   arrives_after_red = d / v >= T_red_end: the red ends before the front
 *            reaches the line.
 *   violation of one movement = !clears && !arrives_after_red.
 *
 *   Warned when !can_stop and every movement is violated.  At constant
 *   speed (d + L) / v - T_red does not change as the vehicle approaches a
 *   counting-down light, so the warning starts when d falls below d_stop
 *   and holds until the vehicle passes the line.
 *
 * Constants and their sources:
 *   reaction_s = 1.0 s and decel_mps2 = 3.0 m/s2: ITE, "Guidelines for
 *     Determining Traffic Signal Change and Clearance Intervals" (2020),
 *     perception-reaction time 1.0 s and deceleration 10 ft/s2 (3.05
 *     m/s2) of the kinematic yellow interval; the curve-speed and hazard
 *     applications use 1.5 s and 2.5 m/s2 for unexpected hazards, while a
 *     signal change is an expected event.
 *   yellow_s = 3.0 s: the shortest yellow of GB 14886-2016 (3 s) and of
 *     the ITE guidelines.
 *   length_m = 5.0 m: a passenger car (the BSM normally gives its length).
 *   fresh_s = 2.0 s: a signal state applied more than 2 s ago (20 SPATs
 *     missed at 10 Hz) is not trusted; the signal table drops it at 3 s.
 *   braking_mps2 = 1.0 m/s2: a deceleration beyond what engine braking
 *     and rolling resistance give.
 *   min_speed_mps = 0.5 m/s: stopped (as the hazard application).
 *
 * The warning: RED_LIGHT_VIOLATION, subject the signal (region, MAP node
 * id, phase id = the smallest signal group of the movements: the same for
 * every BSM of the approach, so the key stays the same), distance d, time
 * to the event d / v, no advisory speed, position the stop line's
 * midpoint, sources the last SPAT heard for the intersection (when
 * remembered) and the BSM.  Severity CRITICAL when every movement's light is red already,
 * WARNING when red is still to come.
 *
 * Lifecycle.  Raised on every BSM that meets the condition; the
 * lifecycle (warn.h) emits one issue and the material updates.  A warning
 * of a vehicle whose BSM no longer meets the condition is cleared:
 * SOURCE_LOST when the signal state of a movement is missing or older
 * than fresh_s, RESOLVED otherwise (the vehicle passed the line, stopped,
 * can stop again, or the light changed).  On each tick a warning whose
 * signal state is missing or stale is cleared SOURCE_LOST (the SPAT
 * stopped while the vehicle's BSMs go on); a vehicle that goes silent is
 * ended by the lifecycle's confirm timeout.  A BSM without a match (off
 * the map) changes nothing.
 *
 * Nothing allocates after init.  Not thread-safe (the broker's loop).
 */
#ifndef V2X_BROKER_APPS_RED_LIGHT_RED_LIGHT_H
#define V2X_BROKER_APPS_RED_LIGHT_RED_LIGHT_H

#include <stdint.h>

#include "broker/apps/app.h"

/* Defaults of struct brk_red_light_cfg (a zero field takes its default);
 * the reasons are above. */
#define BRK_RED_LIGHT_DEFAULT_REACTION_S    1.0
#define BRK_RED_LIGHT_DEFAULT_DECEL_MPS2    3.0
#define BRK_RED_LIGHT_DEFAULT_YELLOW_S      3.0
#define BRK_RED_LIGHT_DEFAULT_LENGTH_M      5.0
#define BRK_RED_LIGHT_DEFAULT_FRESH_S       2.0
#define BRK_RED_LIGHT_DEFAULT_BRAKING_MPS2  1.0
#define BRK_RED_LIGHT_DEFAULT_MIN_SPEED_MPS 0.5

/* The grade clamp and the gravity of the physics above. */
#define BRK_RED_LIGHT_GRADE_MAX 0.15
#define BRK_RED_LIGHT_G         9.80665

/* Distinct signal groups of one approach's movements looked at (more are
 * counted and ignored), and intersections whose last SPAT source is
 * remembered. */
#define BRK_RED_LIGHT_GROUPS_MAX  8
#define BRK_RED_LIGHT_SOURCES_MAX 16

struct brk_red_light_cfg {
	double reaction_s;    /* t_r */
	double decel_mps2;    /* comfortable deceleration on the level */
	double yellow_s;      /* yellow after a green's end */
	double length_m;      /* vehicle length when the BSM gives none */
	double fresh_s;       /* older signal states are not trusted */
	double braking_mps2;  /* a_x at or below minus this: braking */
	double min_speed_mps; /* below: stopped */
};

struct brk_red_light_stats {
	uint64_t bsms;           /* BSMs with a track */
	uint64_t unmatched;      /* of them, off every lane: nothing done */
	uint64_t stop_lines;     /* BSMs with a stop line ahead on branch 0 */
	uint64_t behind_fork;    /* of them, the line beyond a fork: skipped */
	uint64_t in_zone;        /* BSMs that could not stop before the line */
	uint64_t no_signal;      /* of them, a movement's state missing or stale */
	uint64_t unsignalised;   /* of them, an unsignalised movement */
	uint64_t groups_dropped; /* movements beyond BRK_RED_LIGHT_GROUPS_MAX */
	uint64_t violations;     /* raises */
	uint64_t raise_refused;  /* raises the lifecycle refused */
	uint64_t resolved;       /* warnings cleared RESOLVED */
	uint64_t lost;           /* warnings cleared SOURCE_LOST */
	uint64_t spats;          /* SPAT observations seen */
};

/* The application: name "red_light"; cfg is a struct brk_red_light_cfg
 * or NULL (every default). */
extern const struct brk_app brk_red_light_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_red_light_stats *brk_red_light_stats(const void *state);

#endif
