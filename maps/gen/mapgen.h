/*
 * mapgen: the seeded, parametric generator of the mountain test field, a
 * two-lane two-way mountain road of the Chongqing pilot zone as a struct
 * map_model.  Same parameters (seed included), same model, bit for bit.
 *
 * The road, from the ridge down to the valley floor (direction +1 of every
 * main-road lane is downhill), about 4.5-5 km, with 0.7 km of side roads:
 *
 *   road 1  Ridge road: the narrow section (lanes of narrow_width_m, no
 *           median, narrow_len_m long), two cliff curves of 70-90 m, a
 *           rockfall slope; climbs 2.5 % to the tunnel.
 *   road 2  Yunwu tunnel road: the tunnel (tunnel_len_m at -1.5 %), spring
 *           ice at its east portal, a 90-degree curve 50-90 m after it.
 *   road 3  Hairpin staircase: a 90-degree curve back, then n_hairpins
 *           hairpins (180 degrees, alternately left and right, clothoids of
 *           18-25 m, at -hairpin_grade) joined by straight legs of 150-200
 *           m; a rock face (sight obstruction) inside each hairpin.
 *   road 4  Long descent: the sustained downgrade (downgrade over at least
 *           downgrade_len_m), an S of two 250-350 m curves, a works zone on
 *           the downhill lane.
 *   road 5  Panlong spiral: the upper level on an 80 m viaduct, then a loop
 *           of 280-295 degrees (radius 60-75 m).
 *   road 6  Valley approach: passes under the viaduct 8.5-10.5 m below it,
 *           curves and runs downhill (-5 %, flat for the last 30 m) to the
 *           signalised valley junction.
 *   roads 7, 8, 9  the junction's arms on the left of the approach,
 *           straight on and on its right (valley and village roads of
 *           190-340 m, named by their compass direction).
 *   roads 1AB (167, 168, ... 198) the junction's connectors, from road A
 *           to road B (A, B among 6-9), one lane each.
 *
 * The whole network is mirrored at random and turned by up to 30 degrees,
 * so seeds differ in more than the numbers.
 *
 * Numbering, stable across seeds: lane id = road id * 10 + 1 for the lane
 * of direction +1 (downhill on the main road, away from the junction on
 * the arms, the only lane of a connector) and + 2 for direction -1.  Curve
 * and grade-section ids are lane id * 100 + k (k = 1, 2, ... in the lane's
 * direction).  Intersection 1 (MAP region 500, node 1); stop line k on the
 * inbound lane of approach k (1 the main road, 2 the left arm, 3 straight
 * on, 4 the right arm); signal groups 2k - 1 (straight and right) and 2k
 * (left) for approach k.  Structure 1 is the tunnel, structure 2 the
 * viaduct; obstruction k is the rock face inside hairpin k; hazard zones 1
 * rockfall, 2 ice, 3 works; RSU 1 at the junction, then along the road
 * from the ridge and along the arms.  A curve turning more than 150
 * degrees is a hairpin in the model's sense: the spiral's loop is one too.
 *
 * Geometry is in the local transverse Mercator frame centred on
 * (origin_lat_deg, origin_lon_deg) (map_frame_tmerc), the network centred
 * on its origin.  Heights are designed above mean sea level (EGM96),
 * between 200 and 400 m, and stored as WGS 84 ellipsoidal heights,
 * converted with map_frame_msl_to_ellipsoidal.  s along a lane is the
 * horizontal distance (as PostGIS's ST_Length and OpenDRIVE measure it);
 * a sample's grade is dz/ds of the designed heights above sea level (the
 * geoid tilts ellipsoidal heights by centimetres per kilometre; grade
 * sections are measured on z).  Profile samples lie at every whole metre
 * of s and at the lane's end (a last step under 5 cm is shared with the
 * one before); a lane's points are its samples' positions.  Every real is
 * rounded to the resolution of the map file (map_file_quantize), so a
 * written and re-read map equals the built one.
 */
#ifndef V2X_MAPS_GEN_MAPGEN_H
#define V2X_MAPS_GEN_MAPGEN_H

#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"

/* GB/T 29100 event types the hazard zones carry: 401 and 707 as the
 * project's RSI messages use them (codecs/asn1/RSI.asn); 501 for road
 * works is this generator's choice. */
#define MAPGEN_EVENT_ROCKFALL 401
#define MAPGEN_EVENT_ICE      707
#define MAPGEN_EVENT_WORKS    501

#define MAPGEN_INTERSECTION_ID 1
#define MAPGEN_REGION          500 /* Chongqing's administrative code, 500000 */
#define MAPGEN_NODE_ID         1

#define MAPGEN_HAIRPINS_MAX 10
#define MAPGEN_G            9.80665 /* m/s^2, standard gravity */

/*
 * What the generator varies; mapgen_params_default() gives the documented
 * defaults, mapgen_params_check() the allowed ranges.  The road must stay
 * between 200 and 400 m above sea level, so not every combination fits:
 * the downgrade may drop 100 m at most, and the most hairpins with the
 * longest tunnel and downgrade are refused by mapgen_build with the reason.
 */
struct mapgen_params {
	uint64_t seed;          /* 1: every random choice comes from it */
	double origin_lat_deg;  /* 29.6: the frame's origin */
	double origin_lon_deg;  /* 106.5 */
	unsigned n_hairpins;    /* 4; 3..MAPGEN_HAIRPINS_MAX */
	double hairpin_r_min_m; /* 16: reference-line radius range of the */
	double hairpin_r_max_m; /* 24: hairpins; 16..28, min <= max */
	double hairpin_grade;   /* 0.035: grade through hairpins (JTG D20: 3.5 % at most) */
	double downgrade;       /* 0.075: the sustained downgrade, 0.06..0.10 */
	double downgrade_len_m; /* 900: its length at full grade, 800..1200 */
	double tunnel_len_m;    /* 420: 300..1000 */
	double narrow_len_m;    /* 500: the narrow ridge road, 400..1000 */
	double lane_width_m;    /* 3.5: 3.25..3.75 */
	double narrow_width_m;  /* 3.0: lane width of the narrow section, 3.0..3.5 */
	double speed_limit_kmh; /* 40: posted limit of the open sections, 30..60 */
	double slow_limit_kmh;  /* 30: narrow section, hairpins, spiral, junction turns */
	double friction;        /* 0.15: side friction f of the advisory speeds, 0.08..0.25 */
	double e_max;           /* 0.06: largest superelevation (icy region), 0.04..0.10 */
	double rsu_range_m;     /* 300: radio range of every RSU, 150..1000 */
};

/* Returns the defaults above. */
struct mapgen_params mapgen_params_default(void);

/* Checks every parameter against its range.  0, or V2X_EINVAL with the
 * parameter and its range in err. */
int mapgen_params_check(const struct mapgen_params *p, char *err, size_t errlen);

/*
 * Builds the test field of p (borrowed for the call) into *out, every list
 * allocated from arena (they live as long as the arena's current
 * contents; the temporaries the build needs are freed before it returns).
 *
 * A curve's advisory speed is v = sqrt(g R (e + f)), R the lane's arc
 * radius, e the curve's superelevation, f = p->friction (0.15 by default:
 * JTG D20's side friction for 30-40 km/h), capped by the lane's limit; the
 * samples of a curve, transitions included, carry it, others NaN.
 *
 * Returns 0; V2X_EINVAL when a parameter is out of range or the layout it
 * asks for does not fit (heights outside 200-400 m, a grade the hairpin
 * legs cannot take, roads that would come too close), with the reason in
 * err; V2X_ENOTFOUND when PROJ lacks the EGM96 geoid grid (Debian package
 * proj-data); V2X_ENOMEM.
 */
int mapgen_build(const struct mapgen_params *p, struct v2x_arena *arena, struct map_model *out,
                 char *err, size_t errlen);

#endif
