#include "maps/gen/vprof.h"

#include <math.h>

#include "runtime/err.h"

void mapgen_vprof_init(struct mapgen_vprof *vp)
{
	vp->n = 0;
	vp->n_knots = 0;
	vp->z0 = 0;
}

int mapgen_vprof_begin(struct mapgen_vprof *vp, double u, double grade, uint8_t kind)
{
	if (vp->n == MAPGEN_VPROF_STRETCHES || (vp->n && u < vp->st[vp->n - 1].u0))
		return V2X_ERANGE;
	if (vp->n)
		vp->st[vp->n - 1].u1 = u;
	vp->st[vp->n++] = (struct mapgen_stretch){ u, u, grade, kind };
	return 0;
}

void mapgen_vprof_end(struct mapgen_vprof *vp, double u)
{
	if (vp->n)
		vp->st[vp->n - 1].u1 = u;
}

void mapgen_vprof_set_kind(struct mapgen_vprof *vp, uint8_t kind, double grade)
{
	for (size_t i = 0; i < vp->n; i++)
		if (vp->st[i].kind == kind)
			vp->st[i].grade = grade;
}

double mapgen_vprof_rise(const struct mapgen_vprof *vp, double u, uint8_t kind)
{
	double rise = 0;

	for (size_t i = 0; i < vp->n; i++)
		if (vp->st[i].kind == kind && vp->st[i].u0 >= u)
			rise += vp->st[i].grade * (vp->st[i].u1 - vp->st[i].u0);
	return rise;
}

double mapgen_vprof_length(const struct mapgen_vprof *vp, double u, uint8_t kind)
{
	double len = 0;

	for (size_t i = 0; i < vp->n; i++)
		if (vp->st[i].kind == kind && vp->st[i].u0 >= u)
			len += vp->st[i].u1 - vp->st[i].u0;
	return len;
}

static void knot(struct mapgen_vprof *vp, double u, double g)
{
	vp->ku[vp->n_knots] = u;
	vp->kg[vp->n_knots++] = g;
}

/* A vertical curve never takes more than half of either stretch it joins,
 * so that the curves at both ends of a stretch cannot overlap. */
static double curve_length(const struct mapgen_stretch *a, const struct mapgen_stretch *b)
{
	double len = fmax(MAPGEN_VPROF_MIN_L, fabs(b->grade - a->grade) * MAPGEN_VPROF_K);

	len = fmin(len, a->u1 - a->u0);
	return fmin(len, b->u1 - b->u0);
}

void mapgen_vprof_finish(struct mapgen_vprof *vp, double z0)
{
	vp->n_knots = 0;
	vp->z0 = z0;
	if (!vp->n)
		return;
	knot(vp, vp->st[0].u0, vp->st[0].grade);
	for (size_t i = 0; i + 1 < vp->n; i++) {
		double len = curve_length(&vp->st[i], &vp->st[i + 1]);
		knot(vp, vp->st[i].u1 - len / 2, vp->st[i].grade);
		knot(vp, vp->st[i].u1 + len / 2, vp->st[i + 1].grade);
	}
	knot(vp, vp->st[vp->n - 1].u1, vp->st[vp->n - 1].grade);
	/* The grade is linear between knots, so the trapezoid rule is exact. */
	vp->kz[0] = z0;
	for (size_t i = 1; i < vp->n_knots; i++)
		vp->kz[i] = vp->kz[i - 1] +
		            (vp->ku[i] - vp->ku[i - 1]) * (vp->kg[i] + vp->kg[i - 1]) / 2;
}

/* The knot interval holding u: the last knot at or before it, clamped so
 * that i + 1 exists.  Needs at least two knots. */
static size_t knot_index(const struct mapgen_vprof *vp, double u)
{
	size_t lo = 0, hi = vp->n_knots - 1;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (vp->ku[mid] <= u)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

double mapgen_vprof_z(const struct mapgen_vprof *vp, double u)
{
	size_t i;
	double len, t, dg;

	if (vp->n_knots < 2)
		return vp->z0;
	i = knot_index(vp, u);
	len = vp->ku[i + 1] - vp->ku[i];
	t = u - vp->ku[i];
	/* Past either end the grade of the end goes on. */
	if (t < 0)
		return vp->kz[i] + vp->kg[i] * t;
	if (t > len)
		return vp->kz[i + 1] + vp->kg[i + 1] * (t - len);
	dg = len > 0 ? (vp->kg[i + 1] - vp->kg[i]) / len : 0;
	return vp->kz[i] + vp->kg[i] * t + dg * t * t / 2;
}

double mapgen_vprof_grade(const struct mapgen_vprof *vp, double u)
{
	size_t i;
	double len, t;

	if (vp->n_knots < 2)
		return 0;
	i = knot_index(vp, u);
	len = vp->ku[i + 1] - vp->ku[i];
	t = u - vp->ku[i];
	if (t <= 0)
		return vp->kg[i];
	if (t >= len)
		return vp->kg[i + 1];
	return vp->kg[i] + (vp->kg[i + 1] - vp->kg[i]) * t / len;
}
