/*
 * sight: the sight obstructions and intersections an index keeps, and the
 * line-of-sight test (index.h).
 */
#include <math.h>
#include <string.h>

#include "maps/index/index_impl.h"
#include "runtime/err.h"

int map_index__sight_copy(struct map_index *idx, const struct map_model *m)
{
	size_t no = m->n_obstructions, ni = m->n_intersections;

	idx->obstructions = v2x_arena_calloc(&idx->arena, no ? no : 1, sizeof(*idx->obstructions));
	idx->intersections =
	        v2x_arena_calloc(&idx->arena, ni ? ni : 1, sizeof(*idx->intersections));
	if (!idx->obstructions || !idx->intersections)
		return V2X_ENOMEM;
	for (size_t i = 0; i < no; i++) {
		const struct map_obstruction *src = &m->obstructions[i];
		struct map_index__obstruction *o = &idx->obstructions[idx->n_obstructions];

		if (src->outline.n < 3)
			continue; /* no area: blocks nothing */
		o->v = v2x_arena_calloc(&idx->arena, src->outline.n, sizeof(*o->v));
		if (!o->v)
			return V2X_ENOMEM;
		memcpy(o->v, src->outline.v, src->outline.n * sizeof(*o->v));
		o->n = src->outline.n;
		o->id = src->id;
		o->z_bottom = src->z_bottom;
		o->z_top = src->z_top;
		o->x0 = o->x1 = o->v[0].x;
		o->y0 = o->y1 = o->v[0].y;
		for (size_t k = 1; k < o->n; k++) {
			o->x0 = fmin(o->x0, o->v[k].x);
			o->x1 = fmax(o->x1, o->v[k].x);
			o->y0 = fmin(o->y0, o->v[k].y);
			o->y1 = fmax(o->y1, o->v[k].y);
		}
		idx->n_obstructions++;
	}
	if (ni > 0)
		memcpy(idx->intersections, m->intersections, ni * sizeof(*idx->intersections));
	idx->n_intersections = ni;
	return 0;
}

/* Whether (x, y) lies inside the ring (even-odd rule). */
static bool inside(const struct map_index__obstruction *o, double x, double y)
{
	bool in = false;

	for (size_t i = 0, j = o->n - 1; i < o->n; j = i++) {
		const struct map_xy *p = &o->v[i], *q = &o->v[j];
		if ((p->y > y) != (q->y > y) &&
		    x < (q->x - p->x) * (y - p->y) / (q->y - p->y) + p->x)
			in = !in;
	}
	return in;
}

/* Whether a height z (NaN: unknown) lies within the obstruction's. */
static bool within(const struct map_index__obstruction *o, double z)
{
	return isnan(z) || (z >= o->z_bottom && z <= o->z_top);
}

/* Whether the segment a-b is blocked by o. */
static bool blocks(const struct map_index__obstruction *o, const struct map_xyz *a,
                   const struct map_xyz *b)
{
	double dx = b->x - a->x, dy = b->y - a->y, dz = b->z - a->z;

	if (fmax(a->x, b->x) < o->x0 || fmin(a->x, b->x) > o->x1 || fmax(a->y, b->y) < o->y0 ||
	    fmin(a->y, b->y) > o->y1)
		return false;
	if ((inside(o, a->x, a->y) && within(o, a->z)) ||
	    (inside(o, b->x, b->y) && within(o, b->z)))
		return true;
	for (size_t i = 0, j = o->n - 1; i < o->n; j = i++) {
		double ex = o->v[i].x - o->v[j].x, ey = o->v[i].y - o->v[j].y;
		double den = dx * ey - dy * ex;
		double wx = o->v[j].x - a->x, wy = o->v[j].y - a->y;
		double t, u;

		if (den == 0)
			continue;              /* parallel: the neighbouring edges decide */
		t = (wx * ey - wy * ex) / den; /* along a-b */
		u = (wx * dy - wy * dx) / den; /* along the edge */
		if (t < 0 || t > 1 || u < 0 || u > 1)
			continue;
		if (within(o, a->z + t * dz))
			return true;
	}
	return false;
}

uint32_t map_index_sight_blocked(const struct map_index *idx, const struct map_xyz *a,
                                 const struct map_xyz *b)
{
	for (size_t i = 0; i < idx->n_obstructions; i++)
		if (blocks(&idx->obstructions[i], a, b))
			return idx->obstructions[i].id;
	return 0;
}

size_t map_index_obstructions(const struct map_index *idx)
{
	return idx->n_obstructions;
}

int map_index_intersection(const struct map_index *idx, uint32_t id, struct map_intersection *out)
{
	for (size_t i = 0; i < idx->n_intersections; i++)
		if (idx->intersections[i].id == id) {
			*out = idx->intersections[i];
			return 0;
		}
	return V2X_ENOTFOUND;
}
