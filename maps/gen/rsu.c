#include "maps/gen/rsu.h"

#include <math.h>
#include <stdio.h>

#include "maps/gen/layout.h"
#include "runtime/err.h"

#define SPARE 25.0 /* m of range kept in hand while walking the road */
#define WALK  5.0  /* m between the points looked at */

static bool reaches(const struct map_model *m, double x, double y, double z, double range)
{
	for (size_t i = 0; i < m->n_rsus; i++) {
		const struct map_xyz *p = &m->rsus[i].pos;
		double dx = p->x - x, dy = p->y - y, dz = p->z - z;
		if (dx * dx + dy * dy + dz * dz <= range * range)
			return true;
	}
	return false;
}

/* An RSU whose mast stands at (x, y) on ground z_msl above sea level. */
static int add(struct mapgen_ctx *c, double x, double y, double z_msl)
{
	struct map_rsu *r;

	if (c->m->n_rsus == MAPGEN_RSUS_MAX)
		return mapgen_ctx_fail(c, V2X_ERANGE, "more than %d RSUs needed", MAPGEN_RSUS_MAX);
	r = &c->m->rsus[c->m->n_rsus++];
	*r = (struct map_rsu){ .id = (uint32_t)c->m->n_rsus,
		               .pos = { x, y, 0 },
		               .mast_height_m = MAPGEN_RSU_MAST,
		               .range_m = c->p->rsu_range_m };
	snprintf(r->rsu_id, sizeof(r->rsu_id), "CQ-MTF-RSU-%02zu", c->m->n_rsus);
	return mapgen_ctx_ellipsoidal(c, x, y, z_msl + MAPGEN_RSU_MAST, &r->pos.z);
}

/* On the corner between the main road and the arm on its right. */
static int junction_rsu(struct mapgen_ctx *c)
{
	const struct mapgen_layout *L = c->lay;
	double d = MAPGEN_BOX_HALF + 6, right = L->jphi - M_PI / 2;

	return add(c, L->jx + d * (cos(right) - cos(L->jphi)),
	           L->jy + d * (sin(right) - sin(L->jphi)), L->jz_msl);
}

/* Beside the road at u, 4 m beyond the right edge of the lane of
 * direction +1. */
static int roadside_rsu(struct mapgen_ctx *c, const struct mapgen_geom *g, double u)
{
	struct mapgen_xs xs;
	double x, y, phi, d;

	mapgen_xsect_at(&g->xs, u, 1, &xs);
	mapgen_ref_at(&g->ref, u, &x, &y, &phi);
	d = xs.d - xs.width / 2 - 4;
	return add(c, x - d * sin(phi), y + d * cos(phi), mapgen_vprof_z(&g->vp, u));
}

/* Heights compared are ellipsoidal; the geoid moves by centimetres over the
 * field, so the reference line's height is converted where it is looked at. */
static int walk(struct mapgen_ctx *c, const struct mapgen_geom *g)
{
	double len = g->align.length, reach = c->p->rsu_range_m - SPARE;

	for (int i = 0; i <= (int)(len / WALK); i++) {
		double x, y, phi, z, u = i * WALK;
		mapgen_ref_at(&g->ref, u, &x, &y, &phi);
		if (mapgen_ctx_ellipsoidal(c, x, y, mapgen_vprof_z(&g->vp, u), &z) != 0)
			return c->rc;
		if (!reaches(c->m, x, y, z, reach) && roadside_rsu(c, g, fmin(u + reach, len)) != 0)
			return c->rc;
	}
	return 0;
}

/* The last resort: an RSU at a lane point nothing reaches. */
static int cover_lanes(struct mapgen_ctx *c)
{
	for (size_t i = 0; i < c->m->n_lanes; i++) {
		const struct map_lane *lane = &c->m->lanes[i];
		for (size_t k = 0; k < lane->n_samples; k++) {
			const struct map_sample *s = &lane->samples[k];
			if (reaches(c->m, s->x, s->y, s->z, c->p->rsu_range_m))
				continue;
			if (add(c, s->x, s->y, 0) != 0)
				return c->rc;
			c->m->rsus[c->m->n_rsus - 1].pos.z = s->z + MAPGEN_RSU_MAST;
		}
	}
	return 0;
}

int mapgen_rsu_place(struct mapgen_ctx *c)
{
	if (junction_rsu(c) != 0 || walk(c, &c->lay->main) != 0)
		return c->rc;
	for (int k = 0; k < MAPGEN_ARMS; k++)
		if (walk(c, &c->lay->arms[k]) != 0)
			return c->rc;
	return cover_lanes(c);
}
