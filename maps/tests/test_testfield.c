/*
 * The lane index on the generated mountain test field (default parameters):
 * each hairpin leg matches its own leg, the spiral's viaduct and the road
 * beneath it match by elevation, a vehicle driving the hairpin staircase at
 * 10 Hz with 1.5 m GNSS noise keeps its lane, walk-ahead from below each
 * hairpin sees it at the distance the ground truth gives, and distances
 * along the road between hairpin legs are the along-road lengths.
 */
#include <math.h>
#include <stdlib.h>

#include "maps/gen/mapgen.h"
#include "maps/gen/truth.h"
#include "maps/index/index.h"
#include "maps/index/tests/fieldcheck.h"
#include "runtime/err.h"
#include "tests/check.h"

/* Down and up the hairpin staircase (road 3), from the road before it to
 * the road after it. */
static const uint32_t route_down[] = { 21, 31, 41 };
static const uint32_t route_up[] = { 52, 42, 32, 22 };

/*
 * BSMs carry a heading (a vehicle at speed always has one); with_z adds the
 * height.  The first BSM has no hint.
 */
static void drive(const struct map_index *idx, const uint32_t *route, size_t n, const char *name,
                  bool with_z)
{
	struct fieldcheck_drive opt = { .seed = 7,
		                        .speed_mps = 8,
		                        .sigma_m = 1.5,
		                        .z_sigma_m = with_z ? 1.0 : -1,
		                        .head_sigma_deg = 3.0,
		                        .hint = true,
		                        .verbose = true };
	struct fieldcheck_drive_result r = { 0 };

	CHECK_INT_EQ(fieldcheck_drive(idx, route, n, &opt, &r), 0);
	printf("%s (%s): %zu BSMs, %zu on a wrong lane, %zu jumps, %zu off map\n", name,
	       with_z ? "position, heading and height" : "position and heading", r.steps, r.wrong,
	       r.jumps, r.off_map);
	CHECK(r.steps > 1000);
	CHECK_UINT_EQ(r.wrong, 0);
	CHECK_UINT_EQ(r.jumps, 0);
	CHECK_UINT_EQ(r.off_map, 0);
}

struct seen {
	uint32_t curve_id;
	double dist_m;
};

static int on_feature(void *arg, const struct map_index_feature *f)
{
	struct seen *s = arg;

	if (f->kind == MAP_INDEX_CURVE_START && f->u.curve->id == s->curve_id && isnan(s->dist_m))
		s->dist_m = f->at.dist_m;
	return MAP_INDEX_WALK_GO;
}

/* A walk from 150 m below each hairpin of the ground truth meets its start
 * 150 m ahead, with the truth's radius. */
static void hairpins_ahead(const struct map_model *m, const struct map_index *idx)
{
	json_t *truth = mapgen_truth_json(m, NULL, NULL, 0);
	json_t *curves = json_object_get(truth, "curves");
	size_t i, checked = 0;
	json_t *c;

	json_array_foreach(curves, i, c)
	{
		struct seen s = { (uint32_t)json_integer_value(json_object_get(c, "id")), NAN };
		struct map_index_walk w = { .distance_m = 200,
			                    .on_feature = on_feature,
			                    .arg = &s };
		double s0 = json_number_value(json_object_get(c, "s0"));
		uint32_t lane = (uint32_t)json_integer_value(json_object_get(c, "lane"));
		if (!json_is_true(json_object_get(c, "hairpin")) || s0 < 150)
			continue;
		CHECK(map_index_walk(idx, lane, s0 - 150, &w) >= 1);
		CHECK_DBL_NEAR(s.dist_m, 150, 0.01);
		checked++;
	}
	printf("walk-ahead met %zu hairpins 150 m ahead, as the ground truth places them\n",
	       checked);
	CHECK(checked >= 6);
	json_decref(truth);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct map_index *idx = NULL;
	struct v2x_arena arena;
	struct map_model m;
	char err[512];
	size_t below = 0;

	v2x_arena_init(&arena, 1 << 20, 0);
	if (!CHECK(mapgen_build(&p, &arena, &m, err, sizeof(err)) == 0) ||
	    !CHECK(map_index_new(&m, &idx, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_exit();
	}
	CHECK_UINT_EQ(fieldcheck_hairpins(&m, idx), 0);
	CHECK_UINT_EQ(fieldcheck_bridges(&m, idx, &below), 0);
	printf("bridge: %zu crossings above another lane checked by elevation\n", below);
	CHECK(below > 0);
	CHECK_UINT_EQ(fieldcheck_curve_walks(&m, idx), 0);
	CHECK_UINT_EQ(fieldcheck_self(&m, idx, 5.0), 0);
	CHECK_UINT_EQ(fieldcheck_reference(&m, idx, 42, 10000), 0);
	drive(idx, route_down, 3, "down the hairpin staircase", false);
	drive(idx, route_down, 3, "down the hairpin staircase", true);
	drive(idx, route_up, 4, "up the hairpin staircase", false);
	drive(idx, route_up, 4, "up the hairpin staircase", true);
	hairpins_ahead(&m, idx);
	map_index_free(idx);
	v2x_arena_fini(&arena);
	return check_exit();
}
