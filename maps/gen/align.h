/*
 * align: the horizontal alignment of a road's reference line, the way
 * road designers lay it out: straights, circular arcs and clothoid
 * transitions (curvature changing linearly with distance), one after the
 * other from a start point and heading.
 *
 * Angles here are mathematical: phi counter-clockwise from grid east, in
 * radians, curvature positive to the left.  u is the distance along the
 * reference line.  The alignment is turned into points by integrating the
 * heading numerically in small steps (mapgen_align_sample).
 */
#ifndef V2X_MAPS_GEN_ALIGN_H
#define V2X_MAPS_GEN_ALIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/arena.h"

#define MAPGEN_ALIGN_ELEMS  192
#define MAPGEN_ALIGN_CURVES 64

/* One element: curvature k0 at its start changing linearly to k1 at its
 * end (a straight has both 0, an arc both 1/R). */
struct mapgen_elem {
	double len, k0, k1;
};

/* A designed curve: clothoid in over [u0, arc_u0], arc of radius over
 * [arc_u0, arc_u1], clothoid out over [arc_u1, u1]. */
struct mapgen_curve_rec {
	double u0, arc_u0, arc_u1, u1;
	double radius;
	double angle; /* total turn, radians, positive left */
};

struct mapgen_align {
	double x0, y0, phi0;
	double length;
	size_t n_elems;
	struct mapgen_elem elems[MAPGEN_ALIGN_ELEMS];
	size_t n_curves;
	struct mapgen_curve_rec curves[MAPGEN_ALIGN_CURVES];
};

/* The reference line as points every step or closer, with u, position,
 * heading (unwrapped: it keeps counting past a full turn) and curvature. */
struct mapgen_ref {
	size_t n;
	double *u, *x, *y, *phi, *k;
};

/* Starts an empty alignment at (x0, y0) heading phi0. */
void mapgen_align_init(struct mapgen_align *a, double x0, double y0, double phi0);

/* Appends a straight of len metres.  0, or V2X_ERANGE when len <= 0 or the
 * alignment is full. */
int mapgen_align_straight(struct mapgen_align *a, double len);

/*
 * Appends a curve of the given radius turning by angle (radians, positive
 * left), entered and left through clothoids of trans metres each (0: a
 * plain arc).  Returns the index of its record in a->curves, or
 * V2X_ERANGE when the clothoids alone would turn more than angle or the
 * alignment is full.
 */
int mapgen_align_curve(struct mapgen_align *a, double radius, double angle, double trans);

/*
 * Integrates a into out, its arrays allocated from arena: a point at every
 * element boundary and every step metres or closer between them.  0 or
 * V2X_ENOMEM.
 */
int mapgen_align_sample(const struct mapgen_align *a, double step, struct v2x_arena *arena,
                        struct mapgen_ref *out);

/* Index i of the last point with u[i] <= u (0 before the start, n - 2 at
 * or past the end), so that [i, i + 1] is the piece holding u. */
size_t mapgen_ref_index(const struct mapgen_ref *r, double u);

/* Position and heading at u, interpolated between the points around it. */
void mapgen_ref_at(const struct mapgen_ref *r, double u, double *x, double *y, double *phi);

/* Moves every point by (dx, dy). */
void mapgen_ref_translate(struct mapgen_ref *r, double dx, double dy);

#endif
