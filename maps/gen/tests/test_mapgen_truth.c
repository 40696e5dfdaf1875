/* truth: the ground truth names every feature with numbers that agree with
 * the map, and WGS84 positions near the frame's origin. */
#include <jansson.h>

#include "maps/gen/tests/gentest.h"
#include "maps/gen/truth.h"
#include "tests/check.h"

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* Every "where" holds a position near the origin and a height above sea
 * level in 200-400 m. */
static void check_where(json_t *w)
{
	double lat = num(w, "lat_deg"), lon = num(w, "lon_deg"), h = num(w, "h_msl");

	CHECK(fabs(lat - 29.6) < 0.03 && fabs(lon - 106.5) < 0.03);
	CHECK(h >= 200 && h <= 400);
}

static void check_hairpins(json_t *t, unsigned n)
{
	json_t *h;
	size_t i, with_rock = 0;

	json_array_foreach(json_object_get(t, "hairpins"), i, h)
	{
		double r = num(h, "radius_m");
		if (json_is_integer(json_object_get(h, "obstruction"))) {
			with_rock++;
			CHECK(r >= 12 && r <= 30);
			CHECK(fabs(num(h, "turn_deg")) > 170);
			CHECK(num(h, "opposite_radius_m") >= 12 &&
			      num(h, "opposite_radius_m") <= 30);
		}
	}
	CHECK_UINT_EQ(with_rock, n);
}

static void check_structures(json_t *t)
{
	json_t *tunnel = json_array_get(json_object_get(t, "tunnels"), 0);
	json_t *bridge = json_array_get(json_object_get(t, "bridges"), 0);
	json_t *iv, *x;
	size_t i;

	json_array_foreach(json_object_get(tunnel, "intervals"), i, iv)
	{
		CHECK(num(iv, "length_m") >= 300);
		CHECK(num(json_object_get(iv, "nearest_curve"), "gap_m") <= 150);
		check_where(json_object_get(iv, "from"));
	}
	CHECK(json_array_size(json_object_get(bridge, "crossings")) >= 2);
	json_array_foreach(json_object_get(bridge, "crossings"), i, x)
	{
		CHECK(num(x, "horizontal_gap_m") <= 15);
		CHECK(num(x, "vertical_gap_m") >= 6);
		check_where(json_object_get(x, "at"));
	}
}

static void check_rest(json_t *t)
{
	json_t *j = json_array_get(json_object_get(t, "junctions"), 0);
	json_t *down = json_array_get(json_object_get(t, "sustained_downgrades"), 0);
	json_t *summary = json_object_get(t, "summary");

	CHECK(num(down, "length_m") >= 800 && num(down, "grade") <= -0.06);
	CHECK(json_array_size(json_object_get(j, "stop_lines")) == 4);
	CHECK(json_array_size(json_object_get(j, "movements")) == 12);
	check_where(json_object_get(j, "ref"));
	CHECK(json_array_size(json_object_get(t, "narrow_sections")) == 2);
	CHECK(json_array_size(json_object_get(t, "hazard_zones")) == 3);
	CHECK_INT_EQ(json_integer_value(
	                     json_object_get(json_object_get(t, "rsu_coverage"), "out_of_range")),
	             0);
	CHECK(num(summary, "height_msl_min") >= 200 && num(summary, "height_msl_max") <= 400);
	CHECK(num(summary, "road_length_m") > 5000);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(t, "params"), "seed")), 1);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena a;
	struct map_model m;

	v2x_arena_init(&a, 1 << 20, 0);
	if (CHECK(gentest_build(&p, &a, &m) == 0)) {
		char err[256];
		json_t *t = mapgen_truth_json(&m, &p, err, sizeof(err));
		if (CHECK(t != NULL)) {
			CHECK_STR_EQ(json_string_value(json_object_get(t, "format")),
			             "v2x-map-truth");
			check_hairpins(t, p.n_hairpins);
			check_structures(t);
			check_rest(t);
		} else {
			fprintf(stderr, "%s\n", err);
		}
		json_decref(t);
	}
	v2x_arena_fini(&a);
	return check_exit();
}
