/*
 * xsect: the cross-section of a two-lane two-way road without median, as
 * a function of u along its reference line: where each lane's centre lies,
 * how wide it is and how it is sloped.
 *
 * The reference line is the centre marking on straights.  Driving is on
 * the right: the lane of direction +1 lies right of the marking, the lane
 * of direction -1 left of it.  On straights both lanes fall away from the
 * marking with the crown slope.  Through a curve:
 *
 * - widening: both lanes get wider by w_e = L^2 / (2 R) (L = 6 m, a rigid
 *   truck's front overhang plus wheelbase; for the hairpins' 16-24 m that
 *   is 0.75-1.1 m a lane, about what JTG D20 asks of a two-lane hairpin),
 *   all of it on the inside: the outer edge stays, the marking moves
 *   inwards by w_e and the inner edge by 2 w_e.  Curves of 250 m radius or
 *   more are not widened.
 * - superelevation: the whole road tilts into the curve by
 *   e = min(e_max, max(crown, e_max * 150 m / R)), rotating about the
 *   marking (the inner lane's cross slope goes from crown to e, the outer
 *   lane's through flat to -e).
 *
 * Both change along a smooth ramp (its first and second derivatives zero
 * at the ends, so that the lane centre lines keep a continuous
 * curvature), full over the arc.  Widening ramps up over the entry
 * clothoid and down over the exit one, so that the lanes' sideways shift
 * lies inside the curve (JTG D20 puts the widening transition on the
 * transition curve); superelevation also over a tangent runout before and
 * after, where the crown is taken out.  Nominal widths change between
 * zones through a taper of the same shape.
 *
 * Cross slope follows the model's sign: positive when the lane's left
 * edge (in its own direction) is higher.  A lane's centre height is the
 * marking's height minus half its width times its cross slope.
 */
#ifndef V2X_MAPS_GEN_XSECT_H
#define V2X_MAPS_GEN_XSECT_H

#include <stdbool.h>
#include <stddef.h>

#include "maps/gen/align.h"

#define MAPGEN_XSECT_ZONES 8

#define MAPGEN_XSECT_CROWN   0.02 /* JTG D20's cross fall of asphalt */
#define MAPGEN_XSECT_RUNOUT  20.0 /* m of tangent runout before and after */
#define MAPGEN_XSECT_TAPER   40.0 /* m over which a nominal width changes */
#define MAPGEN_XSECT_WIDEN_L 6.0  /* m, the design vehicle's length in w_e */
#define MAPGEN_XSECT_WIDEN_R 250.0
#define MAPGEN_XSECT_E_REF_R 150.0

struct mapgen_xsect {
	const struct mapgen_align *align; /* borrowed: its curves */
	bool plain;   /* one lane on the reference line, flat: junction connectors */
	double e_max; /* the largest superelevation */
	size_t n_zones;
	double zone_u0[MAPGEN_XSECT_ZONES]; /* a nominal lane width from u0 on */
	double zone_w[MAPGEN_XSECT_ZONES];
};

/* One lane at one u. */
struct mapgen_xs {
	double d;     /* lateral offset of its centre from the reference line, + left */
	double width; /* m */
	double slope; /* cross slope, + when its own left edge is higher */
};

/* Sets up xs for align (borrowed until xs is no longer used) with lanes
 * of nominal width from u = 0. */
void mapgen_xsect_init(struct mapgen_xsect *xs, const struct mapgen_align *align, double width,
                       double e_max);

/* From u on, the nominal width is width.  0 or V2X_ERANGE when full. */
int mapgen_xsect_zone(struct mapgen_xsect *xs, double u, double width);

/* The nominal lane width at u (tapers included, widening not). */
double mapgen_xsect_nominal(const struct mapgen_xsect *xs, double u);

/* The lane of direction side (+1 or -1) at u. */
void mapgen_xsect_at(const struct mapgen_xsect *xs, double u, int side, struct mapgen_xs *out);

/* Full superelevation (positive) of a curve of this radius. */
double mapgen_xsect_e(const struct mapgen_xsect *xs, double radius);

/* Widening of each lane through a curve of this radius. */
double mapgen_xsect_widening(double radius);

/* The ramp of curve c at u: 0 away from it, 1 on its arc, rising from
 * runout metres before the curve's start. */
double mapgen_xsect_ramp(const struct mapgen_curve_rec *c, double u, double runout);

#endif
