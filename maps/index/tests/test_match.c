/* match: the gating rule, stacked roads, off map, and the hint. */
#include <math.h>

#include "maps/index/index.h"
#include "maps/index/tests/fieldcheck.h"
#include "maps/index/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

/* The position of (lane, s) moved left_m to the left of travel, with the
 * lane's heading and z. */
static struct map_index_query at_lane(const struct map_index *idx, uint32_t lane, double s,
                                      double left_m)
{
	struct map_sample p = { 0 };
	double h;

	CHECK_INT_EQ(map_index_profile_at(idx, lane, s, &p), 0);
	h = p.heading_deg * M_PI / 180;
	return (struct map_index_query){ p.x - cos(h) * left_m, p.y + sin(h) * left_m, p.z,
		                         p.heading_deg };
}

static uint32_t match_lane(const struct map_index *idx, struct map_index_query q,
                           const struct map_index_match *hint)
{
	struct map_index_match x;
	int rc = map_index_match(idx, &q, hint, &x);

	return rc == 0 ? x.lane_id : 0;
}

/* Each leg of the hairpin, and the lane of each direction by heading. */
static void check_hairpin_legs(const struct map_index *idx)
{
	struct map_index_query q = at_lane(idx, SYNTH_HP_UP_A, 60, 1.2);
	struct map_index_match x;

	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK_UINT_EQ(x.lane_id, SYNTH_HP_UP_A);
	CHECK_DBL_NEAR(x.lateral_m, 1.2, 1e-6);
	CHECK_DBL_NEAR(x.s, 60, 0.01);
	q.heading_deg = 180;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK_UINT_EQ(x.lane_id, SYNTH_HP_DOWN_A);
	CHECK_DBL_NEAR(x.lateral_m, SYNTH_LANE_WIDTH - 1.2, 1e-6);
	CHECK_DBL_NEAR(x.heading_diff_deg, 0, 1e-6);
	q = at_lane(idx, SYNTH_HP_UP_B, 60, 1.2);
	CHECK_UINT_EQ(match_lane(idx, q, NULL), SYNTH_HP_UP_B);
	q.heading_deg = 0;
	CHECK_UINT_EQ(match_lane(idx, q, NULL), SYNTH_HP_DOWN_B);
}

/*
 * Between the legs, 5.25 m from leg A's down lane and 6.25 m from leg B's
 * down lane, both heading north: the nearer wins without z, but leg B
 * lies some 20 m higher, so with leg A's z the gate leaves leg A only.
 */
static void check_between_legs(const struct map_index *idx)
{
	struct map_index_query a = at_lane(idx, SYNTH_HP_UP_A, 60, 0);
	struct map_index_query q = { -7.0, a.y, NAN, 0 };

	CHECK_UINT_EQ(match_lane(idx, q, NULL), SYNTH_HP_DOWN_B);
	q.z = a.z;
	CHECK_UINT_EQ(match_lane(idx, q, NULL), SYNTH_HP_UP_A);
}

/* Where the up lanes of the loop's two levels cross in plan. */
static bool loop_crossing(const struct map_model *m, double *x, double *y)
{
	const struct map_lane *lo = map_model_lane(m, SYNTH_LOOP_UP_LOW);
	const struct map_lane *hi = map_model_lane(m, SYNTH_LOOP_UP_HIGH);

	for (size_t i = 0; i + 1 < lo->n_points; i++)
		for (size_t j = 0; j + 1 < hi->n_points; j++) {
			const struct map_xyz *p = &lo->points[i], *r = &hi->points[j];
			double rx = lo->points[i + 1].x - p->x, ry = lo->points[i + 1].y - p->y;
			double sx = hi->points[j + 1].x - r->x, sy = hi->points[j + 1].y - r->y;
			double den = rx * sy - ry * sx, t, u;
			if (den == 0)
				continue;
			t = ((r->x - p->x) * sy - (r->y - p->y) * sx) / den;
			u = ((r->x - p->x) * ry - (r->y - p->y) * rx) / den;
			if (t >= 0 && t < 1 && u >= 0 && u < 1) {
				*x = p->x + t * rx;
				*y = p->y + t * ry;
				return true;
			}
		}
	return false;
}

/*
 * The loop's bridge: a point on the upper lane 2 m past the crossing,
 * 2 m from the lower lane in plan.  Elevation picks the level; without
 * it the nearer (upper) lane wins; heading east on the bridge leaves no
 * lane at all.
 */
static void check_bridge(const struct map_model *m, const struct map_index *idx)
{
	struct map_index_query q = { 0, 0, NAN, NAN };
	struct map_index_match up, low;
	struct map_sample top = { 0 };
	double cx, cy;

	if (!CHECK(loop_crossing(m, &cx, &cy)))
		return;
	q.x = cx;
	q.y = cy - 2;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &up), 0);
	CHECK_UINT_EQ(up.lane_id, SYNTH_LOOP_UP_HIGH);
	CHECK_DBL_NEAR(up.lateral_m, 0, 0.01);
	CHECK_INT_EQ(map_index_profile_at(idx, SYNTH_LOOP_UP_HIGH, up.s, &top), 0);
	q.z = top.z;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &up), 0);
	CHECK_UINT_EQ(up.lane_id, SYNTH_LOOP_UP_HIGH);
	CHECK_DBL_NEAR(up.dz_m, 0, 1e-9);
	q.z = top.z - SYNTH_LOOP_RISE;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &low), 0);
	CHECK_UINT_EQ(low.lane_id, SYNTH_LOOP_UP_LOW);
	/* South of the lower lane, which runs east: on its right. */
	CHECK_DBL_NEAR(low.lateral_m, -2, 0.01);
	CHECK_DBL_NEAR(low.dz_m, 0, 0.5);
	printf("bridge: upper lane at z %.2f, lower lane %.2f m below it\n", top.z,
	       SYNTH_LOOP_RISE + low.dz_m);
	q.z = top.z;
	q.heading_deg = 90;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &up), V2X_ENOTFOUND);
	/* At the crossing itself, without z, one of the two at 0 m. */
	q = (struct map_index_query){ cx, cy, NAN, NAN };
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &low), 0);
	CHECK(low.lane_id == SYNTH_LOOP_UP_LOW || low.lane_id == SYNTH_LOOP_UP_HIGH);
	CHECK_DBL_NEAR(low.lateral_m, 0, 1e-6);
}

static double nearest_lane_point(const struct map_model *m, double x, double y)
{
	double d = INFINITY;

	for (size_t i = 0; i < m->n_lanes; i++)
		for (size_t j = 0; j < m->lanes[i].n_points; j++)
			d = fmin(d,
			         hypot(m->lanes[i].points[j].x - x, m->lanes[i].points[j].y - y));
	return d;
}

/* 30 m from every lane is off map; the gate itself is 10 m. */
static void check_off_map(const struct map_model *m, const struct map_index *idx)
{
	const double spots[][2] = { { 200, 100 }, { -200, -300 }, { 0, 500 },
		                    { 40, 60 },   { -450, 31 },   { 5000, 0 } };
	struct map_index_query q = { 0, 0, NAN, NAN };
	struct map_index_match x;

	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		q.x = spots[i][0];
		q.y = spots[i][1];
		CHECK(nearest_lane_point(m, q.x, q.y) >= 30);
		CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), V2X_ENOTFOUND);
	}
	q = at_lane(idx, SYNTH_JCT_IN, 50, 9.9);
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK_DBL_NEAR(x.lateral_m, 9.9, 1e-6);
	q = at_lane(idx, SYNTH_JCT_IN, 50, -10.1);
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), V2X_ENOTFOUND);
	q.x = NAN;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), V2X_EINVAL);
}

/* The heading and elevation gates on the one-way approach lane. */
static void check_gates(const struct map_index *idx)
{
	struct map_index_query q = at_lane(idx, SYNTH_JCT_IN, 50, 0);
	struct map_index_match x;
	double z = q.z;

	q.heading_deg = 90 + 59.5;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK_DBL_NEAR(x.heading_diff_deg, 59.5, 1e-6);
	q.heading_deg = 90 - 60.5;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), V2X_ENOTFOUND);
	q.heading_deg = 90 + 360;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	q.z = z - 4.9;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK_DBL_NEAR(x.dz_m, -4.9, 1e-6);
	q.z = z + 5.1;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), V2X_ENOTFOUND);
}

/*
 * The hint keeps a lane the rule would leave, but never overrides a gate:
 * on leg A with no heading, 2 m left of the up lane (1.5 m from the down
 * lane), and 3.4 m left (outside the corridor: direction keeping).
 */
static void check_hint_two_way(const struct map_index *idx)
{
	struct map_index_query q = at_lane(idx, SYNTH_HP_UP_A, 60, 2.0);
	struct map_index_match hint, x;

	CHECK_INT_EQ(
	        map_index_match(idx, &(struct map_index_query){ q.x, q.y, q.z, 0 }, NULL, &hint),
	        0);
	CHECK_UINT_EQ(hint.lane_id, SYNTH_HP_UP_A);
	q.heading_deg = NAN;
	CHECK_UINT_EQ(match_lane(idx, q, NULL), SYNTH_HP_DOWN_A);
	CHECK_UINT_EQ(match_lane(idx, q, &hint), SYNTH_HP_UP_A);
	/* The hint may be the result itself, as a track keeps it. */
	x = hint;
	CHECK_INT_EQ(map_index_match(idx, &q, &x, &x), 0);
	CHECK_UINT_EQ(x.lane_id, SYNTH_HP_UP_A);
	q = at_lane(idx, SYNTH_HP_UP_A, 60, 3.4);
	q.heading_deg = NAN;
	CHECK_UINT_EQ(match_lane(idx, q, &hint), SYNTH_HP_UP_A);
	q.heading_deg = 180;
	CHECK_UINT_EQ(match_lane(idx, q, &hint), SYNTH_HP_DOWN_A);
	hint.lane_id = 99999;
	q.heading_deg = NAN;
	CHECK_UINT_EQ(match_lane(idx, q, &hint), SYNTH_HP_DOWN_A);
}

/*
 * 6 m into the junction, 1 m left of the straight connector and 0.2 m
 * from the left-turn one: the rule picks the left turn, a vehicle matched
 * to the straight connector just before stays on it.
 */
static void check_hint_junction(const struct map_index *idx)
{
	struct map_index_query q = at_lane(idx, SYNTH_JCT_STRAIGHT, 6, 1.0);
	struct map_index_query h = at_lane(idx, SYNTH_JCT_STRAIGHT, 3, 0);
	struct map_index_match hint;

	CHECK_UINT_EQ(match_lane(idx, q, NULL), SYNTH_JCT_LEFT);
	CHECK_INT_EQ(map_index_match(idx, &h, NULL, &hint), 0);
	CHECK_UINT_EQ(hint.lane_id, SYNTH_JCT_STRAIGHT);
	CHECK_UINT_EQ(match_lane(idx, q, &hint), SYNTH_JCT_STRAIGHT);
}

static void check_confidence(const struct map_index *idx)
{
	struct map_index_query q = at_lane(idx, SYNTH_JCT_IN, 50, 0.3);
	struct map_index_match x;

	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK(x.confidence > 0.95);
	q = at_lane(idx, SYNTH_JCT_IN, 50, 9);
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK(x.confidence < 0.3);
	/* Halfway between the two directions, with nothing to tell them apart. */
	q = at_lane(idx, SYNTH_HP_UP_A, 60, SYNTH_LANE_WIDTH / 2);
	q.heading_deg = NAN;
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), 0);
	CHECK(x.confidence <= 0.5);
	printf("confidence: halfway between the two directions %.2f\n", x.confidence);
}

int main(void)
{
	struct synth_map sm;
	struct map_index *idx = NULL;
	char err[200] = "";
	size_t below = 0;

	if (!CHECK(synth_build(&sm, 1) == 0))
		return check_exit();
	if (!CHECK(map_index_new(&sm.model, &idx, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_exit();
	}
	check_hairpin_legs(idx);
	check_between_legs(idx);
	check_bridge(&sm.model, idx);
	check_off_map(&sm.model, idx);
	check_gates(idx);
	check_hint_two_way(idx);
	check_hint_junction(idx);
	check_confidence(idx);
	CHECK_UINT_EQ(fieldcheck_self(&sm.model, idx, 1.0), 0);
	CHECK_UINT_EQ(fieldcheck_hairpins(&sm.model, idx), 0);
	CHECK_UINT_EQ(fieldcheck_bridges(&sm.model, idx, &below), 0);
	CHECK(below > 0);
	map_index_free(idx);
	synth_fini(&sm);
	return check_exit();
}
