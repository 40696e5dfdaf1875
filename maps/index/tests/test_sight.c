/* index: the sight obstructions it keeps, the line-of-sight test, and the
 * intersections it keeps. */
#include <math.h>

#include "maps/index/index.h"
#include "maps/index/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

/* A 10 m square rock from 100 to 120 m, and an outline of two points
 * (no area: blocks nothing). */
static struct map_xy square[] = { { 0, 0 }, { 10, 0 }, { 10, 10 }, { 0, 10 } };
static struct map_xy line[] = { { 20, 0 }, { 20, 10 } };
static struct map_obstruction rocks[] = {
	{ .id = 7, .z_bottom = 100, .z_top = 120, .outline = { 4, square } },
	{ .id = 8, .z_bottom = 0, .z_top = 1000, .outline = { 2, line } },
};

static uint32_t sight(const struct map_index *idx, double ax, double ay, double az, double bx,
                      double by, double bz)
{
	struct map_xyz a = { ax, ay, az }, b = { bx, by, bz };

	return map_index_sight_blocked(idx, &a, &b);
}

int main(void)
{
	struct synth_map sm;
	struct map_index *idx = NULL;
	struct map_intersection is;
	char err[256];

	if (!CHECK(synth_build(&sm, 1) == 0))
		return check_exit();
	sm.model.obstructions = rocks;
	sm.model.n_obstructions = 2;
	if (!CHECK(map_index_new(&sm.model, &idx, err, sizeof(err)) == 0)) {
		printf("%s\n", err);
		return check_exit();
	}
	CHECK_UINT_EQ(map_index_obstructions(idx), 1);
	/* Across the rock at its height, at no height, above it, beside it. */
	CHECK_UINT_EQ(sight(idx, -5, 5, 110, 15, 5, 110), 7);
	CHECK_UINT_EQ(sight(idx, -5, 5, NAN, 15, 5, NAN), 7);
	CHECK_UINT_EQ(sight(idx, -5, 5, 125, 15, 5, 125), 0);
	CHECK_UINT_EQ(sight(idx, -5, 5, 95, 15, 5, 95), 0);
	CHECK_UINT_EQ(sight(idx, -5, -5, 110, 15, -5, 110), 0);
	CHECK_UINT_EQ(sight(idx, 12, -5, 110, 12, 15, 110), 0);
	/* Across a corner: only the corner's two edges are crossed. */
	CHECK_UINT_EQ(sight(idx, -2, 8, 110, 2, 12, 110), 7);
	/* From inside, and a line climbing over it: the height where it
	 * crosses the outline decides (102.5 m entering at x = 0; 125 m and
	 * more above it all the way). */
	CHECK_UINT_EQ(sight(idx, 5, 5, 110, 30, 30, 110), 7);
	CHECK_UINT_EQ(sight(idx, -5, 5, 90, 15, 5, 140), 7);
	CHECK_UINT_EQ(sight(idx, -5, 5, 125, 15, 5, 160), 0);
	/* The two-point outline blocks nothing, even across it. */
	CHECK_UINT_EQ(sight(idx, 15, 5, 500, 25, 5, 500), 0);
	/* Intersections: the synthetic junction, and an unknown id. */
	if (CHECK(map_index_intersection(idx, sm.model.intersections[0].id, &is) == 0))
		CHECK_UINT_EQ(is.node_id, sm.model.intersections[0].node_id);
	CHECK_INT_EQ(map_index_intersection(idx, 999999, &is), V2X_ENOTFOUND);
	map_index_free(idx);
	synth_fini(&sm);
	return check_exit();
}
