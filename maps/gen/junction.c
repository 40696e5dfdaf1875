#include "maps/gen/junction.h"

#include <math.h>
#include <stdio.h>

#include "maps/gen/lane.h"
#include "maps/gen/layout.h"
#include "runtime/err.h"

#define APPROACHES 4
#define MOVEMENTS  ((size_t)APPROACHES * (APPROACHES - 1))

/* Lane ends closer than this are one point (the 5 cm integration steps
 * reach the far end to well under a millimetre). */
#define JOIN_TOL 0.01

static const char *const maneuver_names[] = { "", "straight", "left", "right", "U-turn" };

/* Road ids of the approaches: the main road's last road, then the arms. */
static uint32_t approach_road(int a)
{
	return a == 0 ? MAPGEN_MAIN_ROADS : (uint32_t)(MAPGEN_MAIN_ROADS + a);
}

/* The main road runs towards the junction, the arms away from it. */
static uint32_t inbound_lane(int a)
{
	return approach_road(a) * 10 + (a == 0 ? 1 : 2);
}

static uint32_t outbound_lane(int a)
{
	return approach_road(a) * 10 + (a == 0 ? 2 : 1);
}

static double phi_of(const struct map_sample *s)
{
	return (90 - s->heading_deg) * M_PI / 180;
}

static uint8_t maneuver(double turn)
{
	if (fabs(turn) < M_PI / 4)
		return MAP_MANEUVER_STRAIGHT;
	return turn > 0 ? MAP_MANEUVER_LEFT : MAP_MANEUVER_RIGHT;
}

static int add_straight(struct mapgen_align *a, double len)
{
	return len > 1e-6 ? mapgen_align_straight(a, len) : 0;
}

/*
 * From p0 heading phi0 to p1 heading phi0 + turn: the two lane lines meet
 * at a corner, a0 and a1 metres from the ends; an arc tangent to both
 * takes the shorter of the two, a straight the rest of the longer.
 */
static int connector_align(struct mapgen_align *a, const struct map_sample *p0,
                           const struct map_sample *p1, double turn)
{
	double phi0 = phi_of(p0), phi1 = phi_of(p1);
	double d0x = cos(phi0), d0y = sin(phi0), d1x = cos(phi1), d1y = sin(phi1);
	double wx = p1->x - p0->x, wy = p1->y - p0->y, den = d0x * d1y - d0y * d1x;
	double a0, a1, radius;

	mapgen_align_init(a, p0->x, p0->y, phi0);
	if (maneuver(turn) == MAP_MANEUVER_STRAIGHT)
		return mapgen_align_straight(a, hypot(wx, wy));
	a0 = (wx * d1y - wy * d1x) / den;
	a1 = -(wx * d0y - wy * d0x) / den;
	radius = fmin(a0, a1) / tan(fabs(turn) / 2);
	if (!(radius > 1))
		return V2X_ERANGE;
	if (add_straight(a, a0 - fmin(a0, a1)) != 0 || mapgen_align_curve(a, radius, turn, 0) < 0)
		return V2X_ERANGE;
	return add_straight(a, a1 - fmin(a0, a1));
}

static int connector_geom(struct mapgen_ctx *c, struct mapgen_geom *g,
                          const struct mapgen_lane_info *in, const struct mapgen_lane_info *out,
                          const struct map_sample *p0, const struct map_sample *p1)
{
	double turn = remainder(phi_of(p1) - phi_of(p0), 2 * M_PI);
	const struct mapgen_ref *r = &g->ref;

	if (connector_align(&g->align, p0, p1, turn) != 0)
		return mapgen_ctx_fail(c, V2X_EINVAL, "no connector from lane %u to lane %u",
		                       in->lane_id, out->lane_id);
	mapgen_xsect_init(&g->xs, &g->align, c->p->lane_width_m, c->p->e_max);
	g->xs.plain = true;
	mapgen_vprof_init(&g->vp);
	mapgen_vprof_begin(&g->vp, 0, (out->z0_msl - in->z1_msl) / g->align.length,
	                   MAPGEN_GRADE_GIVEN);
	mapgen_vprof_end(&g->vp, g->align.length);
	mapgen_vprof_finish(&g->vp, in->z1_msl);
	if (mapgen_align_sample(&g->align, MAPGEN_STEP, &c->scratch, &g->ref) != 0)
		return mapgen_ctx_fail(c, V2X_ENOMEM, "out of memory");
	if (hypot(r->x[r->n - 1] - p1->x, r->y[r->n - 1] - p1->y) > JOIN_TOL)
		return mapgen_ctx_fail(c, V2X_EINVAL, "the connector from lane %u misses lane %u",
		                       in->lane_id, out->lane_id);
	return 0;
}

static int add_road(struct mapgen_ctx *c, uint32_t id, const char *name, double length)
{
	struct map_road *r;

	if (c->m->n_roads == MAPGEN_ROADS_MAX)
		return mapgen_ctx_fail(c, V2X_ERANGE, "too many roads");
	r = &c->m->roads[c->m->n_roads++];
	r->id = id;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->length_m = length;
	return 0;
}

/* The connector from approach a to approach b: road 100 + 10 ra + rb. */
static int movement(struct mapgen_ctx *c, int a, int b, struct mapgen_geom *g)
{
	const struct map_lane *in = mapgen_ctx_lane(c, inbound_lane(a));
	const struct map_lane *out = mapgen_ctx_lane(c, outbound_lane(b));
	const struct map_sample *p0 = &in->samples[in->n_samples - 1], *p1 = &out->samples[0];
	uint32_t road = 100 + 10 * approach_road(a) + approach_road(b), lane = road * 10 + 1;
	uint8_t man = maneuver(remainder(phi_of(p1) - phi_of(p0), 2 * M_PI));
	int32_t group = 2 * (a + 1) - (man == MAP_MANEUVER_LEFT ? 0 : 1);
	char name[MAP_NAME_MAX + 1];

	if (connector_geom(c, g, mapgen_ctx_info(c, in->id), mapgen_ctx_info(c, out->id), p0, p1) !=
	    0)
		return c->rc;
	snprintf(name, sizeof(name), "Valley junction, %u to %u (%s)", approach_road(a),
	         approach_road(b), maneuver_names[man]);
	if (add_road(c, road, name, g->align.length) != 0 ||
	    mapgen_lane_build(c, g, lane, road, 1, 0, g->align.length) != 0)
		return c->rc;
	mapgen_ctx_lane(c, lane)->speed_limit_mps = c->p->slow_limit_kmh / 3.6;
	if (mapgen_ctx_connect(c, in->id, lane, man, group, MAPGEN_INTERSECTION_ID) != 0)
		return c->rc;
	return mapgen_ctx_connect(c, lane, out->id, MAP_MANEUVER_STRAIGHT, -1,
	                          MAPGEN_INTERSECTION_ID);
}

/* Across the lane 1 m before its end: a on its left edge, b on its right. */
static int stop_line(struct mapgen_ctx *c, int a)
{
	const struct map_lane *lane = mapgen_ctx_lane(c, inbound_lane(a));
	struct map_stop_line *sl = &c->m->stop_lines[c->m->n_stop_lines++];
	struct map_sample at;
	double phi, lx, ly;

	mapgen_lane_at(lane, lane->length_m - 1.0, &at);
	phi = phi_of(&at);
	lx = -sin(phi) * at.width_m / 2;
	ly = cos(phi) * at.width_m / 2;
	*sl = (struct map_stop_line){ .id = (uint32_t)(a + 1),
		                      .lane_id = lane->id,
		                      .s = at.s,
		                      .intersection_id = MAPGEN_INTERSECTION_ID,
		                      .signal_group = 2 * (a + 1) - 1,
		                      .a = { at.x + lx, at.y + ly, at.z },
		                      .b = { at.x - lx, at.y - ly, at.z } };
	return 0;
}

static int intersection(struct mapgen_ctx *c)
{
	const struct mapgen_layout *L = c->lay;
	struct map_intersection *x = &c->m->intersections[0];

	*x = (struct map_intersection){ .id = MAPGEN_INTERSECTION_ID,
		                        .region = MAPGEN_REGION,
		                        .node_id = MAPGEN_NODE_ID,
		                        .ref = { L->jx, L->jy, 0 } };
	snprintf(x->name, sizeof(x->name), "Valley junction");
	c->m->n_intersections = 1;
	return mapgen_ctx_ellipsoidal(c, L->jx, L->jy, L->jz_msl, &x->ref.z);
}

int mapgen_junction_build(struct mapgen_ctx *c)
{
	struct mapgen_geom *g = mapgen_ctx_scratch(c, MOVEMENTS, sizeof(*g));
	size_t k = 0;

	if (!g || intersection(c) != 0)
		return c->rc;
	for (int a = 0; a < APPROACHES; a++) {
		for (int b = 0; b < APPROACHES; b++)
			if (a != b && movement(c, a, b, &g[k++]) != 0)
				return c->rc;
		stop_line(c, a);
	}
	return 0;
}
