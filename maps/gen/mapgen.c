#include "maps/gen/mapgen.h"

#include <stdio.h>
#include <string.h>

#include "maps/frame.h"
#include "maps/gen/ctx.h"
#include "maps/gen/feature.h"
#include "maps/gen/junction.h"
#include "maps/gen/lane.h"
#include "maps/gen/layout.h"
#include "maps/gen/mapfile.h"
#include "maps/gen/rsu.h"
#include "runtime/err.h"

struct mapgen_params mapgen_params_default(void)
{
	return (struct mapgen_params){
		.seed = 1,
		.origin_lat_deg = 29.6,
		.origin_lon_deg = 106.5,
		.n_hairpins = 4,
		.hairpin_r_min_m = 16,
		.hairpin_r_max_m = 24,
		.hairpin_grade = 0.035,
		.downgrade = 0.075,
		.downgrade_len_m = 900,
		.tunnel_len_m = 420,
		.narrow_len_m = 500,
		.lane_width_m = 3.5,
		.narrow_width_m = 3.0,
		.speed_limit_kmh = 40,
		.slow_limit_kmh = 30,
		.friction = 0.15,
		.e_max = 0.06,
		.rsu_range_m = 300,
	};
}

/* ---- parameter ranges ---------------------------------------------------- */

struct range {
	const char *name;
	size_t off;
	double lo, hi;
};

#define RANGE(f, lo, hi)                                      \
	{                                                     \
#f, offsetof(struct mapgen_params, f), lo, hi \
	}

/* The origin may be anywhere PROJ's frame is good (not at the poles). */
static const struct range ranges[] = {
	RANGE(origin_lat_deg, -80, 80),    RANGE(origin_lon_deg, -180, 180),
	RANGE(hairpin_r_min_m, 16, 28),    RANGE(hairpin_r_max_m, 16, 28),
	RANGE(hairpin_grade, 0, 0.045),    RANGE(downgrade, 0.06, 0.10),
	RANGE(downgrade_len_m, 800, 1200), RANGE(tunnel_len_m, 300, 1000),
	RANGE(narrow_len_m, 400, 1000),    RANGE(lane_width_m, 3.25, 3.75),
	RANGE(narrow_width_m, 3.0, 3.5),   RANGE(speed_limit_kmh, 30, 60),
	RANGE(slow_limit_kmh, 15, 60),     RANGE(friction, 0.08, 0.25),
	RANGE(e_max, 0.04, 0.10),          RANGE(rsu_range_m, 150, 1000),
};

int mapgen_params_check(const struct mapgen_params *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		double v = *(const double *)(const void *)((const char *)p + ranges[i].off);
		if (!(v >= ranges[i].lo && v <= ranges[i].hi)) {
			snprintf(err, errlen, "%s is %g, outside %g..%g", ranges[i].name, v,
			         ranges[i].lo, ranges[i].hi);
			return V2X_EINVAL;
		}
	}
	if (p->n_hairpins < 3 || p->n_hairpins > MAPGEN_HAIRPINS_MAX) {
		snprintf(err, errlen, "n_hairpins is %u, outside 3..%d", p->n_hairpins,
		         MAPGEN_HAIRPINS_MAX);
		return V2X_EINVAL;
	}
	if (p->downgrade * p->downgrade_len_m > 100) {
		snprintf(err, errlen,
		         "downgrade %g over downgrade_len_m %g m drops %.0f m: more "
		         "than the 100 m the field has room for",
		         p->downgrade, p->downgrade_len_m, p->downgrade * p->downgrade_len_m);
		return V2X_EINVAL;
	}
	if (p->hairpin_r_min_m > p->hairpin_r_max_m || p->narrow_width_m > p->lane_width_m ||
	    p->slow_limit_kmh > p->speed_limit_kmh) {
		snprintf(err, errlen,
		         "hairpin_r_min_m, narrow_width_m and slow_limit_kmh may "
		         "not exceed hairpin_r_max_m, lane_width_m, speed_limit_kmh");
		return V2X_EINVAL;
	}
	return 0;
}

json_t *mapgen__params_json(const struct mapgen_params *p)
{
	char seed[24];
	json_t *o;

	/* Seeds past what a JSON integer holds safely are written as text. */
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)p->seed);
	o = json_pack("{s:o, s:i}", "seed",
	              p->seed <= INT64_MAX ? json_integer((json_int_t)p->seed) : json_string(seed),
	              "n_hairpins", (int)p->n_hairpins);

	for (size_t i = 0; o && i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		double v = *(const double *)(const void *)((const char *)p + ranges[i].off);
		if (json_object_set_new(o, ranges[i].name, json_real(v)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* ---- the build, step by step --------------------------------------------- */

#define ALLOC(c, list, cap)                                                        \
	(((c)->m->list = v2x_arena_calloc((c)->out, (cap), sizeof(*(c)->m->list))) \
	         ? 0                                                               \
	         : mapgen_ctx_fail((c), V2X_ENOMEM, "out of memory"))

static int alloc_lists(struct mapgen_ctx *c)
{
	if (ALLOC(c, roads, MAPGEN_ROADS_MAX) || ALLOC(c, lanes, MAPGEN_LANES_MAX) ||
	    ALLOC(c, connections, MAPGEN_CONNECTIONS_MAX) || ALLOC(c, intersections, 1) ||
	    ALLOC(c, stop_lines, MAPGEN_STOP_LINES_MAX) || ALLOC(c, structures, 2) ||
	    ALLOC(c, obstructions, MAPGEN_HAIRPINS_MAX) || ALLOC(c, rsus, MAPGEN_RSUS_MAX) ||
	    ALLOC(c, hazard_zones, 3) || ALLOC(c, curves, MAPGEN_CURVES_MAX) ||
	    ALLOC(c, grade_sections, MAPGEN_GRADES_MAX))
		return c->rc;
	return 0;
}

/* A road of a geometry and its two lanes, at the road's speed limit. */
static int two_way_road(struct mapgen_ctx *c, const struct mapgen_geom *g,
                        const struct mapgen_section *sec)
{
	uint32_t fwd = sec->road_id * 10 + 1, back = sec->road_id * 10 + 2;
	struct map_road *r;

	if (c->m->n_roads == MAPGEN_ROADS_MAX)
		return mapgen_ctx_fail(c, V2X_ERANGE, "too many roads");
	r = &c->m->roads[c->m->n_roads++];
	*r = (struct map_road){ .id = sec->road_id, .length_m = sec->u1 - sec->u0 };
	snprintf(r->name, sizeof(r->name), "%s", sec->name);
	if (mapgen_lane_build(c, g, fwd, sec->road_id, 1, sec->u0, sec->u1) != 0 ||
	    mapgen_lane_build(c, g, back, sec->road_id, -1, sec->u0, sec->u1) != 0)
		return c->rc;
	mapgen_ctx_lane(c, fwd)->speed_limit_mps = sec->limit_mps;
	mapgen_ctx_lane(c, back)->speed_limit_mps = sec->limit_mps;
	return 0;
}

/* Roads 1-6 one after the other, joined lane to lane; roads 7-9. */
static int roads(struct mapgen_ctx *c)
{
	const struct mapgen_layout *L = c->lay;

	for (int k = 0; k < MAPGEN_MAIN_ROADS; k++)
		if (two_way_road(c, &L->main, &L->roads[k]) != 0)
			return c->rc;
	for (uint32_t r = 1; r < MAPGEN_MAIN_ROADS; r++)
		if (mapgen_ctx_connect(c, r * 10 + 1, (r + 1) * 10 + 1, MAP_MANEUVER_STRAIGHT, -1,
		                       0) != 0 ||
		    mapgen_ctx_connect(c, (r + 1) * 10 + 2, r * 10 + 2, MAP_MANEUVER_STRAIGHT, -1,
		                       0) != 0)
			return c->rc;
	for (int k = 0; k < MAPGEN_ARMS; k++)
		if (two_way_road(c, &L->arms[k], &L->arm_roads[k]) != 0)
			return c->rc;
	return 0;
}

static void sample_limits(struct map_model *m)
{
	for (size_t i = 0; i < m->n_lanes; i++)
		for (size_t k = 0; k < m->lanes[i].n_samples; k++)
			m->lanes[i].samples[k].speed_limit_mps = m->lanes[i].speed_limit_mps;
}

static void meta(const struct mapgen_params *p, struct map_meta *meta)
{
	snprintf(meta->name, sizeof(meta->name), "Chongqing mountain test field");
	snprintf(meta->height_datum, sizeof(meta->height_datum),
	         "EPSG:4979 (WGS 84 ellipsoidal), from EGM96 heights (EPSG:5773)");
	snprintf(meta->source, sizeof(meta->source), "mapgen seed %llu",
	         (unsigned long long)p->seed);
	meta->origin_lat_deg = p->origin_lat_deg;
	meta->origin_lon_deg = p->origin_lon_deg;
}

static int build(struct mapgen_ctx *c)
{
	if (alloc_lists(c) != 0 || mapgen_layout_build(c) != 0 || roads(c) != 0 ||
	    mapgen_junction_build(c) != 0)
		return c->rc;
	sample_limits(c->m);
	if (mapgen_feature_curves(c) != 0 || mapgen_feature_grades(c) != 0 ||
	    mapgen_feature_structures(c) != 0 || mapgen_feature_obstructions(c) != 0 ||
	    mapgen_feature_hazards(c) != 0 || mapgen_rsu_place(c) != 0)
		return c->rc;
	meta(c->p, &c->m->meta);
	map_file_quantize(c->m);
	return 0;
}

int mapgen_build(const struct mapgen_params *p, struct v2x_arena *arena, struct map_model *out,
                 char *err, size_t errlen)
{
	struct mapgen_ctx c = { .p = p, .out = arena, .m = out, .err = err, .errlen = errlen };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mapgen_params_check(p, err, errlen)) != 0)
		return rc;
	map_frame_tmerc(p->origin_lat_deg, p->origin_lon_deg, out->meta.proj,
	                sizeof(out->meta.proj));
	if ((rc = map_frame_new(out->meta.proj, &c.frame, err, errlen)) != 0)
		return rc;
	v2x_arena_init(&c.scratch, 1 << 20, 0);
	mapgen_rng_init(&c.rng, p->seed);
	rc = build(&c);
	v2x_arena_fini(&c.scratch);
	map_frame_free(c.frame);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
