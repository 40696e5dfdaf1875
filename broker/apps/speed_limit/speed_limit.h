/*
 * speed_limit: the speed-limit application (app.h).  A vehicle over its
 * lane's limit, the map's posted one or a lower temporary one from an RSI
 * road traffic sign, is warned, with hysteresis so that the warning does
 * not flicker.
 *
 * The limit at the vehicle.  On each BSM of a vehicle matched to a lane:
 *
 *   limit = min(the lane profile's speed_limit_mps at the match's s,
 *               every temporary limit that covers (lane, s) now)   [m/s]
 *
 * Temporary limits come from RSI messages (on_observation, V2X_MSG_RSI):
 * each RTS whose sign_type equals cfg.sign_type is a speed-limit sign.
 *   - sign_type: 85 by default, this deployment's code for GB 5768.2-2009's
 *     "speed limit" prohibition sign (限制速度); T/CSAE 53 leaves SignType
 *     to the national sign catalogue and RSU vendors number it
 *     differently: set it to what the deployment's RSUs send.
 *   - The limit, km/h: the first run of ASCII digits of the description,
 *     IA5 ("40", "limit 40") or GB2312 ("限速40": GB2312's two-byte
 *     characters never hold an ASCII digit byte).  A sign without a
 *     description, or whose number is outside 5..150 km/h, is ignored
 *     (counted).
 *   - Where: the sign's position (signPos, absolute after decoding; the
 *     RSI's refPos without one; its elevation, when known, separates
 *     stacked roads) converted to the map frame (ctx->frame) and matched
 *     with map_index_match, without heading.  The sign applies to the
 *     matched lane only: a sign stands at the edge of the carriageway it
 *     governs (right-hand traffic: nearest to the lane of its direction),
 *     so the nearest lane is its lane, and the oncoming lane of a two-way
 *     road is not limited by it.  From the sign's s forward for
 *     cfg.sign_length_m (default 1000 m) along that lane and its
 *     successors (every branch at a fork; at most BRK_SPEED_LIMIT_SPANS_MAX
 *     lanes).
 *   - How long: until the RTS's end time (RSI timeDetails, MinuteOfTheYear
 *     placed in the year nearest to its receipt) or, without one, until
 *     not heard for cfg.sign_hold_s (default 10 s: RSUs repeat RSI at
 *     1-10 Hz); from its start time, when it has one.  A sign is
 *     identified by its RSI id and rtsId; heard again it is refreshed
 *     (placed again when it moved by more than 1 m or its limit changed).
 *   - A new map (on_map): every sign held is placed again on it.
 *   - At most BRK_SPEED_LIMIT_SIGNS_MAX signs at once (preallocated); one
 *     more is refused (counted) until an older one ends.
 *
 * Hysteresis.  With v the BSM's speed:
 *   - issue when v > limit + over_abs_mps (default 5 km/h = 1.39 m/s:
 *     speedometers read high and GNSS speed has ~0.1 m/s noise; 5 km/h
 *     is the usual enforcement margin) without a break for at least
 *     over_s (default 1 s, 10 BSMs);
 *   - then keep it while v > limit, and cancel RESOLVED once v <= limit
 *     (the limit itself, not the issue threshold) for at least under_s
 *     (default 1 s);
 *   - cancel RESOLVED at once when the limit rose (the temporary limit
 *     ended or the vehicle entered a faster section) and v <= the new
 *     limit.
 * A speed oscillating around the issue threshold therefore gives at most
 * one issue, and one around the limit no cancellation storm.
 *
 * The warning: SPEED_LIMIT, subject none (one per vehicle), severity INFO
 * when v <= limit (1 + advisory_rel) (default 20 % over), ADVISORY above
 * (a speed 20 % over a mountain road's 30-40 km/h limit is 6-8 km/h over
 * the margin; re-judged only while over the issue threshold, so the
 * severity does not flicker in the band), advisory_speed_mps = the limit,
 * distance 0, time to event 0 (the vehicle is over it now), position =
 * where the vehicle was when the warning was issued (kept on updates: a
 * moving position would be a material change every 5 m; the vehicle's
 * current position rides in target_lat/lon), sources the BSM and, for a temporary limit, the RSI
 * that brought the sign; text "Speed limit 30 km/h (temporary sign): 40 km/h". It expires 30 s
 * after the last raise (long, so that the lifecycle need not re-send a warning held for minutes to
 * extend it; a vehicle that goes silent loses it by the confirm timeout, SOURCE_LOST, long before).
 *
 * The per-vehicle timers (over since, under since) are held in a
 * preallocated table of cfg.max_pending vehicles (default 1024: vehicles
 * at once between crossing a threshold and its timer's end); a vehicle
 * that finds it full is not issued (counted) or, warned, is cancelled at
 * once.  A BSM without a match or speed changes nothing: the lifecycle's
 * confirm timeout ends a warning (SOURCE_LOST) if that lasts.
 */
#ifndef V2X_BROKER_APPS_SPEED_LIMIT_SPEED_LIMIT_H
#define V2X_BROKER_APPS_SPEED_LIMIT_SPEED_LIMIT_H

#include <stdint.h>

#include "broker/apps/app.h"

/* Defaults of struct brk_speed_limit_cfg (a zero field takes its
 * default); the reasons are above. */
#define BRK_SPEED_LIMIT_DEFAULT_SIGN_TYPE     85.0
#define BRK_SPEED_LIMIT_DEFAULT_SIGN_LENGTH_M 1000.0
#define BRK_SPEED_LIMIT_DEFAULT_SIGN_HOLD_S   10.0
#define BRK_SPEED_LIMIT_DEFAULT_OVER_ABS_MPS  (5.0 / 3.6)
#define BRK_SPEED_LIMIT_DEFAULT_OVER_S        1.0
#define BRK_SPEED_LIMIT_DEFAULT_UNDER_S       1.0
#define BRK_SPEED_LIMIT_DEFAULT_ADVISORY_REL  0.2
#define BRK_SPEED_LIMIT_DEFAULT_MAX_PENDING   1024.0

/* Temporary limits held at once, and the lanes one covers. */
#define BRK_SPEED_LIMIT_SIGNS_MAX 64
#define BRK_SPEED_LIMIT_SPANS_MAX 8

/* Every field is a double; zero takes the default. */
struct brk_speed_limit_cfg {
	double sign_type;     /* RTS signType of a speed-limit sign */
	double sign_length_m; /* how far a sign's limit reaches */
	double sign_hold_s;   /* a sign without end time: held after last heard */
	double over_abs_mps;  /* over the limit by more than this to issue */
	double over_s;        /* ... for at least this long */
	double under_s;       /* at or under the limit this long to cancel */
	double advisory_rel;  /* fraction over the limit from which ADVISORY */
	double max_pending;   /* vehicles with a running timer at once */
};

struct brk_speed_limit_stats {
	uint64_t bsms;          /* BSMs with a track */
	uint64_t unmatched;     /* of them, off every lane or without speed */
	uint64_t temporary;     /* BSMs under a temporary limit */
	uint64_t signs_heard;   /* speed-limit RTSs heard */
	uint64_t signs_placed;  /* signs placed on lanes (new or moved) */
	uint64_t signs_bad;     /* no readable limit, no position or no lane */
	uint64_t signs_refused; /* the table was full */
	uint64_t signs_ended;   /* signs removed: end time or not heard */
	uint64_t pending_full;  /* timers refused: the table was full */
	uint64_t issued;        /* warnings issued after over_s */
	uint64_t cleared;       /* warnings cleared RESOLVED */
	uint64_t raise_refused; /* raises the lifecycle refused */
	size_t signs_live;      /* signs held now */
};

/* The application: name "speed_limit"; cfg is a struct brk_speed_limit_cfg
 * or NULL (every default). */
extern const struct brk_app brk_speed_limit_app;

/* Returns the counters of an instance (the state its init returned). */
const struct brk_speed_limit_stats *brk_speed_limit_stats(const void *state);

#endif
