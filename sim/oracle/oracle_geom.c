/*
 * oracle_geom: the map geometry the oracle's rules need, computed from
 * the map model alone: a lane's profile at any s, the sight line against
 * the rock faces, the lanes a disc covers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* Crossings of one sight line with one outline kept; more than this
 * (an outline folded on itself) counts as blocked. */
#define CROSSINGS_MAX 32

static double lerp(double a, double b, double f)
{
	return a + f * (b - a);
}

void sim_oracle__sample(const struct map_lane *l, double s, struct map_sample *out)
{
	size_t n = l->n_samples;
	if (n == 0) {
		memset(out, 0, sizeof(*out));
		return;
	}
	if (!(s > l->samples[0].s)) {
		*out = l->samples[0];
		return;
	}
	if (s >= l->samples[n - 1].s) {
		*out = l->samples[n - 1];
		return;
	}
	/* Samples lie at every whole metre: start there, then step. */
	size_t i = (size_t)s < n - 1 ? (size_t)s : n - 2;
	while (i > 0 && l->samples[i].s > s)
		i--;
	while (i + 2 < n && l->samples[i + 1].s <= s)
		i++;
	const struct map_sample *p = &l->samples[i], *q = p + 1;
	double f = q->s > p->s ? (s - p->s) / (q->s - p->s) : 0.0;
	*out = *p;
	out->s = s;
	out->x = lerp(p->x, q->x, f);
	out->y = lerp(p->y, q->y, f);
	out->z = lerp(p->z, q->z, f);
	out->curvature = lerp(p->curvature, q->curvature, f);
	out->grade = lerp(p->grade, q->grade, f);
	out->superelevation = lerp(p->superelevation, q->superelevation, f);
	out->width_m = lerp(p->width_m, q->width_m, f);
}

static bool inside(const struct map_polygon *pg, double x, double y)
{
	bool in = false;
	for (size_t i = 0, j = pg->n - 1; i < pg->n; j = i++) {
		const struct map_xy *a = &pg->v[i], *b = &pg->v[j];
		if ((a->y > y) != (b->y > y) &&
		    x < (b->x - a->x) * (y - a->y) / (b->y - a->y) + a->x)
			in = !in;
	}
	return in;
}

/* Parameter t in [0, 1] along p-q where it crosses edge a-b; -1: none. */
static double cross_t(const struct map_xyz *p, const struct map_xyz *q, const struct map_xy *a,
                      const struct map_xy *b)
{
	double rx = q->x - p->x, ry = q->y - p->y;
	double sx = b->x - a->x, sy = b->y - a->y;
	double den = rx * sy - ry * sx;
	if (fabs(den) < 1e-12)
		return -1.0;
	double t = ((a->x - p->x) * sy - (a->y - p->y) * sx) / den;
	double u = ((a->x - p->x) * ry - (a->y - p->y) * rx) / den;
	return t >= 0.0 && t <= 1.0 && u >= 0.0 && u <= 1.0 ? t : -1.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* True when the part of p-q inside o's outline meets its height range. */
static bool blocks(const struct map_obstruction *o, const struct map_xyz *p,
                   const struct map_xyz *q)
{
	const struct map_polygon *pg = &o->outline;
	double t[CROSSINGS_MAX + 2];
	size_t n = 0;
	if (pg->n < 3)
		return false;
	for (size_t i = 0; i < pg->n; i++) {
		double ti = cross_t(p, q, &pg->v[i], &pg->v[(i + 1) % pg->n]);
		if (ti < 0.0)
			continue;
		if (n == CROSSINGS_MAX)
			return true;
		t[n++] = ti;
	}
	bool in = inside(pg, p->x, p->y);
	if (n == 0 && !in)
		return false;
	qsort(t, n, sizeof(t[0]), cmp_double);
	t[n] = 1.0;
	double from = 0.0;
	for (size_t i = 0; i <= n; i++) {
		if (in) {
			double za = lerp(p->z, q->z, from), zb = lerp(p->z, q->z, t[i]);
			if (fmax(za, zb) >= o->z_bottom && fmin(za, zb) <= o->z_top)
				return true;
		}
		in = !in;
		from = t[i];
	}
	return false;
}

bool sim_oracle__sight_blocked(const struct map_model *m, const struct map_xyz *p,
                               const struct map_xyz *q)
{
	for (size_t i = 0; i < m->n_obstructions; i++)
		if (blocks(&m->obstructions[i], p, q))
			return true;
	return false;
}

/* Adds [a, b] of lane to out (when there is room); returns the new count. */
static size_t put(struct oracle_cover *out, size_t n, size_t max, uint32_t lane, double a, double b,
                  bool sure)
{
	if (n < max)
		out[n] = (struct oracle_cover){ .lane = lane, .a = a, .b = b, .sure = sure };
	return n + 1;
}

/* Adds the runs of samples of l inside the 2D disc of radius r whose
 * point closest to the centre lies within dz of its height: the broker's
 * rule (broker/mapsrc/lanes.c) judges the height of a whole piece of lane
 * cut by the disc at that piece's point closest to the centre, so a piece
 * on a grade counts whole or not at all. */
static size_t disc_runs(const struct map_lane *l, double x, double y, double z, double r, double dz,
                        bool sure, struct oracle_cover *out, size_t n, size_t max)
{
	double a = NAN, b = 0.0, best = INFINITY, best_z = 0.0;
	for (size_t i = 0; i <= l->n_samples; i++) {
		const struct map_sample *p = i < l->n_samples ? &l->samples[i] : NULL;
		double d = p ? hypot(p->x - x, p->y - y) : INFINITY;
		if (p && d <= r) {
			if (isnan(a))
				a = p->s;
			b = p->s;
			if (d < best) {
				best = d;
				best_z = p->z;
			}
			continue;
		}
		if (!isnan(a) && fabs(best_z - z) <= dz)
			n = put(out, n, max, l->id, a, b, sure);
		a = NAN;
		best = INFINITY;
	}
	return n;
}

/* The runs of samples of l inside the disc, sure ones and maybe ones. */
static size_t disc_lane(const struct map_lane *l, double x, double y, double z, double r_sure,
                        double dz_sure, double r_maybe, double dz_maybe, struct oracle_cover *out,
                        size_t n, size_t max)
{
	n = disc_runs(l, x, y, z, r_sure, dz_sure, true, out, n, max);
	return disc_runs(l, x, y, z, r_maybe, dz_maybe, false, out, n, max);
}

size_t sim_oracle__disc(const struct map_model *m, double x, double y, double z, double r_sure,
                        double dz_sure, double r_maybe, double dz_maybe, uint32_t only_lane,
                        struct oracle_cover *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		if (only_lane == 0 || l->id == only_lane)
			n = disc_lane(l, x, y, z, r_sure, dz_sure, r_maybe, dz_maybe, out, n, max);
	}
	return n;
}
