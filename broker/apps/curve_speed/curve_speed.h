/*
 * curve_speed: the curve speed warning application (app.h), one warning
 * per vehicle (WARNING_TYPE_CURVE_SPEED, subject none): "slow down, the
 * curve ahead cannot be taken at this speed".
 *
 * The physics
 * -----------
 * Units: m, s, m/s, m/s2; g = 9.80665 m/s2.
 *
 * Advisory speed of a curve (the point-mass model of road design, JTG D20
 * and the AASHTO Green Book alike):
 *
 *   v_c = sqrt(g R max(0, e + f))                                  [m/s]
 *
 *   R  the lane's arc radius (map_curve.radius_m);
 *   e  the superelevation in the arc (map_index_profile_at() at the middle
 *      of arc_s0..arc_s1), positive when it tilts into the curve.  The
 *      map's cross slope is positive when the left edge is higher
 *      (maps/model.h), so e = -turn * superelevation (turn +1 left): a
 *      left curve banked into the turn has its left edge lower.  On the
 *      test field this reproduces the generator's curve advisories.
 *   f  the side friction coefficient of the surface:
 *        dry  0.15  the value the map generator's advisory speeds use
 *                   (JTG D20's side friction for 30-40 km/h design speeds);
 *        wet  0.10  } the defaults: assumptions, roughly the dry
 *        snow 0.07  } design value scaled by the ratio of the surfaces'
 *        ice  0.05  } tyre-road friction (wet asphalt about two thirds of
 *                     dry, packed snow about half, ice about a third).
 *      The lowest f of the ACTIVE RSI events (brk_hazard_active()) of those
 *      types with a lane interval on the curve's lane meeting
 *      [s0 - approach_m, s1] applies.
 *
 * Fog: an active fog event on the same stretch bounds the speed by the
 * stopping sight distance (reaction, then comfortable braking on the
 * level) within the visibility V:
 *
 *   v t_r + v^2 / (2 a) <= V   =>   v_fog = a (-t_r + sqrt(t_r^2 + 2 V / a))
 *
 * (50 m, 1.5 s, 2.5 m/s2: 12.5 m/s = 45 km/h).  The advisory speed is
 * v_a = min(v_c, v_fog).  It is NOT capped by the lane's posted limit
 * (the map's own advisory_mps is): above the limit the speed-limit
 * application warns, and a curve warning at a curve that is safe at the
 * limit would only repeat that warning.
 *
 * Braking before the curve.  D is the distance along the road from the
 * vehicle to the curve's start (the CURVE_START feature of brk_ahead_get(),
 * 0 inside the curve), v the BSM's speed, G the mean grade between them
 * from the lane profile heights, (z(curve start) - z(vehicle)) / D
 * (negative downhill; the local grade when D < 1 m).  Reaching v_a by the
 * curve's start with deceleration a, after the reaction time, takes
 *
 *   need(a) = v t_r + (v^2 - v_a^2) / (2 (a + g G))               [m]
 *
 * (infinite when a + g G <= 0.05 m/s2: the grade eats the braking).
 * t_r = 1.5 s reaction (the default; AASHTO uses 2.5 s for
 * stopping sight distance, JTG D20 2.5 s), a = 2.5 m/s2 comfortable
 * (the default; AASHTO uses 3.4 m/s2 for stopping sight
 * distance), a_hard = 5 m/s2 a hard but controlled stop on a dry road.
 *
 * When it warns
 * -------------
 * Only the curves on branch 0 of the road ahead (the path the vehicle is
 * on), from the curve's start to the end of its arc (in the exit
 * transition the vehicle is speeding up out of it: passed).  A curve is
 * due when
 *
 *   v > v_a + tolerance_mps  and  need(a) + v * margin_s >= D
 *
 * (always, inside the curve, when above v_a + tolerance_mps).  margin_s =
 * 2 s: at a constant speed a warning then comes at least t_r + margin_s =
 * 3.5 s before the curve's start, whatever the curve and the speed (at 60
 * km/h on the test field's first hairpin: about 110 m, 6.7 s).  The
 * warning is about the due curve with the least slack D - need(a) - v
 * margin_s (the most urgent one), raised at every BSM with the current
 * numbers; the lifecycle (warn.h) emits the issue and the material updates
 * only.  Once warned, the vehicle stays warned about that curve until it
 * is at or below v_a + hysteresis_mps (RESOLVED: it slowed down), or has
 * passed the curve's arc (RESOLVED).  When another curve becomes the one
 * to warn about, the warning is cancelled (RESOLVED when its curve was
 * passed, SUPERSEDED when it still lies ahead) and a new one issued: one
 * warning, one curve.
 *
 * Which curve a held warning is about is read back from the warning
 * itself: its position is its curve's start.  Without a frame (no
 * positions) the nearest curve not farther than the distance last emitted
 * + 5 m is taken for it (the distance to one curve only shrinks).
 *
 * Severity:
 *   CRITICAL  need(a_hard) >= D: even a hard stop after the reaction time
 *             no longer reaches v_a by the curve (always so inside it);
 *   WARNING   need(a) + v * warning_s >= D: comfortable braking suffices
 *             barely, or no longer (firm braking still does);
 *   ADVISORY  otherwise (due by margin_s, or still over v_a after slowing).
 *
 * What a warning carries: D (distance_m), D / v (time_to_event_s; NaN
 * below min_speed_mps), v_a (advisory_speed_mps), the position of the
 * curve's start (lat/lon/elev through ctx->frame), the BSM and up to three
 * RSI events that lowered v_a as sources, and a text such as "Hairpin bend
 * in 85 m: slow to 19 km/h (ice)".  Its expiry is when the vehicle will
 * have passed the curve's arc at its current speed (at most 60 s ahead)
 * plus hold_s = 5 s (the lifecycle's default ttl): a warning confirmed at
 * every BSM needs no re-emission for its expiry while the vehicle drives
 * on, and a subscriber that missed its cancellation drops it soon after
 * the curve.
 *
 * Assumptions: the braking deceleration is not lowered on a slippery
 * surface (the event says how the curve is, not the approach); fog's
 * stopping distance is taken on the level; events are looked for on the
 * curve's own lane only (an approach that begins on an earlier lane is
 * not searched).  A BSM without a match or a speed changes nothing: the
 * lifecycle's confirm timeout ends the warning of a vehicle that stays
 * so (SOURCE_LOST), as it does for a vehicle that went silent.
 *
 * Event types are GB/T 29100 codes as this deployment's RSUs send them:
 * ice 707 is the project's code (codecs/asn1/RSI.asn, maps/gen/mapgen.h);
 * wet 701, fog 702 and snow 706 are this deployment's choices in the same
 * block, configurable (a negative value matches no event).
 */
#ifndef V2X_BROKER_APPS_CURVE_SPEED_CURVE_SPEED_H
#define V2X_BROKER_APPS_CURVE_SPEED_CURVE_SPEED_H

#include <stdint.h>

#include "broker/apps/app.h"

/* Defaults of struct brk_curve_speed_cfg (a zero field takes its default);
 * the reasons are above. */
#define BRK_CURVE_SPEED_DEFAULT_FRICTION_DRY   0.15
#define BRK_CURVE_SPEED_DEFAULT_FRICTION_WET   0.10
#define BRK_CURVE_SPEED_DEFAULT_FRICTION_SNOW  0.07
#define BRK_CURVE_SPEED_DEFAULT_FRICTION_ICE   0.05
#define BRK_CURVE_SPEED_DEFAULT_EVENT_WET      701
#define BRK_CURVE_SPEED_DEFAULT_EVENT_FOG      702
#define BRK_CURVE_SPEED_DEFAULT_EVENT_SNOW     706
#define BRK_CURVE_SPEED_DEFAULT_EVENT_ICE      707
#define BRK_CURVE_SPEED_DEFAULT_VISIBILITY_M   50.0
#define BRK_CURVE_SPEED_DEFAULT_APPROACH_M     100.0
#define BRK_CURVE_SPEED_DEFAULT_REACTION_S     1.5
#define BRK_CURVE_SPEED_DEFAULT_DECEL_MPS2     2.5
#define BRK_CURVE_SPEED_DEFAULT_HARD_DECEL     5.0
#define BRK_CURVE_SPEED_DEFAULT_MARGIN_S       2.0
#define BRK_CURVE_SPEED_DEFAULT_WARNING_S      1.0
#define BRK_CURVE_SPEED_DEFAULT_TOLERANCE_MPS  1.0
#define BRK_CURVE_SPEED_DEFAULT_HYSTERESIS_MPS 0.5
#define BRK_CURVE_SPEED_DEFAULT_MIN_SPEED_MPS  0.5
#define BRK_CURVE_SPEED_DEFAULT_HOLD_S         5.0

struct brk_curve_speed_cfg {
	double friction_dry;    /* f: dry road */
	double friction_wet;    /* f: wet road */
	double friction_snow;   /* f: snow */
	double friction_ice;    /* f: ice */
	double event_wet;       /* GB/T 29100 code of a wet road; < 0: none */
	double event_fog;       /* of fog */
	double event_snow;      /* of snow */
	double event_ice;       /* of ice */
	double visibility_m;    /* V in fog */
	double approach_m;      /* events this far before a curve count for it */
	double reaction_s;      /* t_r */
	double decel_mps2;      /* a, comfortable */
	double hard_decel_mps2; /* a_hard: CRITICAL beyond it */
	double margin_s;        /* issue: need(a) + v margin_s >= D */
	double warning_s;       /* WARNING: need(a) + v warning_s >= D */
	double tolerance_mps;   /* due only above v_a + this */
	double hysteresis_mps;  /* resolved at or below v_a + this */
	double min_speed_mps;   /* time to event unknown below */
	double hold_s;          /* expiry: time to the curve's end + this */
};

struct brk_curve_speed_stats {
	uint64_t bsms;          /* BSMs with a track */
	uint64_t unmatched;     /* of them, off every lane: nothing done */
	uint64_t no_speed;      /* of them, speed unavailable: nothing done */
	uint64_t walk_errors;   /* roads ahead that could not be walked */
	uint64_t curves;        /* curves evaluated (advisory computed) */
	uint64_t slippery;      /* raises with a wet, snowy or icy curve */
	uint64_t fog;           /* raises with the fog bound in force */
	uint64_t raise_refused; /* raises the lifecycle refused */
	uint64_t slowed;        /* warnings resolved: at or below the advisory */
	uint64_t passed;        /* warnings resolved: the curve passed */
	uint64_t superseded;    /* warnings replaced by one about another curve */
};

/* The application: name "curve_speed"; cfg is a struct
 * brk_curve_speed_cfg or NULL (every default). */
extern const struct brk_app brk_curve_speed_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_curve_speed_stats *brk_curve_speed_stats(const void *state);

#endif
