/*
 * vprof: the vertical profile of a road's reference line, as designers
 * draw it: stretches of constant grade joined by vertical curves
 * (parabolas, over which the grade changes linearly), heights above mean
 * sea level.
 *
 * Stretches are declared along u as the alignment is laid out, some with
 * a grade still to be chosen (kind != 0, set later with
 * mapgen_vprof_set_kind); mapgen_vprof_finish then places the vertical
 * curves.  Each vertical curve is centred on the boundary between two
 * stretches, so the rise over a stretch is its grade times its length
 * whatever the curves: the height budget of a layout is a sum.
 */
#ifndef V2X_MAPS_GEN_VPROF_H
#define V2X_MAPS_GEN_VPROF_H

#include <stddef.h>
#include <stdint.h>

#define MAPGEN_VPROF_STRETCHES 64

/* Vertical curve length per unit of grade change: 8 m per 1 % (a K value
 * of 8, what 30-40 km/h design speeds ask for on crests), at least 10 m. */
#define MAPGEN_VPROF_K     800.0
#define MAPGEN_VPROF_MIN_L 10.0

struct mapgen_stretch {
	double u0, u1, grade;
	uint8_t kind; /* 0: grade given; otherwise a group set together later */
};

struct mapgen_vprof {
	double z0; /* height at u = 0, metres above mean sea level */
	size_t n;
	struct mapgen_stretch st[MAPGEN_VPROF_STRETCHES];
	size_t n_knots; /* grade is linear between knots */
	double ku[2 * MAPGEN_VPROF_STRETCHES], kg[2 * MAPGEN_VPROF_STRETCHES];
	double kz[2 * MAPGEN_VPROF_STRETCHES];
};

void mapgen_vprof_init(struct mapgen_vprof *vp);

/* Starts a stretch at u (ending the one before there) with grade and
 * kind.  0, or V2X_ERANGE when the profile is full or u goes backwards. */
int mapgen_vprof_begin(struct mapgen_vprof *vp, double u, double grade, uint8_t kind);

/* Ends the last stretch at u. */
void mapgen_vprof_end(struct mapgen_vprof *vp, double u);

/* Sets the grade of every stretch of kind. */
void mapgen_vprof_set_kind(struct mapgen_vprof *vp, uint8_t kind, double grade);

/* Sum of grade * length of the stretches of kind that start at or after u
 * (kind 0: the ones whose grade is given). */
double mapgen_vprof_rise(const struct mapgen_vprof *vp, double u, uint8_t kind);

/* Total length of the stretches of kind that start at or after u. */
double mapgen_vprof_length(const struct mapgen_vprof *vp, double u, uint8_t kind);

/* Places the vertical curves, with z0 the height at the first stretch's
 * start. */
void mapgen_vprof_finish(struct mapgen_vprof *vp, double z0);

/* Height (m above mean sea level) and grade at u, after finish. */
double mapgen_vprof_z(const struct mapgen_vprof *vp, double u);
double mapgen_vprof_grade(const struct mapgen_vprof *vp, double u);

#endif
