/* walk: features ahead along the lanes, branches, routes, and distances
 * along the road. */
#include <math.h>

#include "maps/index/index.h"
#include "maps/index/tests/fieldcheck.h"
#include "maps/index/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

#define MAX_SEEN 256

/* What a walk reported. */
struct seen {
	size_t n;
	struct map_index_feature f[MAX_SEEN];
	size_t n_samples;
	double last_sample; /* dist of the previous sample, on branch 0 */
	double min_gap, max_gap;
	uint32_t prune_lane; /* stop the branch entering it */
	int abort_on;        /* a kind to stop the walk at, with -42 */
};

static int on_feature(void *arg, const struct map_index_feature *f)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN)
		s->f[s->n++] = *f;
	if ((int)f->kind == s->abort_on)
		return -42;
	if (f->kind == MAP_INDEX_LANE_ENTER && f->at.lane_id == s->prune_lane)
		return MAP_INDEX_WALK_PRUNE;
	return MAP_INDEX_WALK_GO;
}

static int on_sample(void *arg, const struct map_index_at *at, const struct map_sample *smp)
{
	struct seen *s = arg;

	(void)smp;
	if (at->branch == 0 && s->n_samples > 0) {
		s->min_gap = fmin(s->min_gap, at->dist_m - s->last_sample);
		s->max_gap = fmax(s->max_gap, at->dist_m - s->last_sample);
	}
	if (at->branch == 0)
		s->last_sample = at->dist_m;
	s->n_samples++;
	return MAP_INDEX_WALK_GO;
}

static size_t count(const struct seen *s, enum map_index_feature_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->f[i].kind == kind;
	return n;
}

static const struct map_index_feature *find(const struct seen *s, enum map_index_feature_kind kind,
                                            uint32_t lane)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->f[i].kind == kind && (lane == 0 || s->f[i].at.lane_id == lane))
			return &s->f[i];
	return NULL;
}

static int walk(const struct map_index *idx, uint32_t lane, double s, double dist, double stride,
                struct seen *out)
{
	struct map_index_walk w = { .distance_m = dist,
		                    .stride_m = fmax(stride, 0),
		                    .on_sample = stride >= 0 ? on_sample : NULL,
		                    .on_feature = on_feature,
		                    .arg = out };

	out->n = 0;
	out->n_samples = 0;
	out->min_gap = INFINITY;
	out->max_gap = 0;
	return map_index_walk(idx, lane, s, &w);
}

static const struct map_curve *curve_on(const struct map_model *m, uint32_t lane, bool hairpin)
{
	for (size_t i = 0; i < m->n_curves; i++)
		if (m->curves[i].lane_id == lane && m->curves[i].hairpin == hairpin)
			return &m->curves[i];
	return NULL;
}

static double lane_len(const struct map_model *m, uint32_t lane)
{
	return map_model_lane(m, lane)->length_m;
}

/* From below the hairpin: the bend's curves at the distances the lanes' s
 * give, lanes entered in turn, the rockfall zone across the joint once. */
static void check_up_the_hairpin(const struct map_model *m, const struct map_index *idx)
{
	static struct seen s;
	const struct map_curve *bend = curve_on(m, SYNTH_HP_UP_BEND, false);
	const struct map_curve *hp = curve_on(m, SYNTH_HP_UP_BEND, true);
	const struct map_index_feature *f;
	double to_bend = lane_len(m, SYNTH_HP_UP_A) - 20;

	CHECK_INT_EQ(walk(idx, SYNTH_HP_UP_A, 20, 400, 10, &s), 1);
	f = find(&s, MAP_INDEX_CURVE_START, SYNTH_HP_UP_BEND);
	CHECK(f && f->u.curve->id == bend->id);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, to_bend + bend->s0, 1e-9);
	for (size_t i = 0; i < s.n; i++)
		if (s.f[i].kind == MAP_INDEX_CURVE_START && s.f[i].u.curve->hairpin) {
			CHECK_DBL_NEAR(s.f[i].at.dist_m, to_bend + hp->s0, 1e-9);
			CHECK_DBL_NEAR(s.f[i].u.curve->radius_m, 20, 1e-9);
			printf("walk: hairpin begins %.2f m ahead\n", s.f[i].at.dist_m);
		}
	f = find(&s, MAP_INDEX_LANE_ENTER, SYNTH_HP_UP_BEND);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, to_bend, 1e-9);
	f = find(&s, MAP_INDEX_LANE_ENTER, SYNTH_HP_UP_B);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, to_bend + lane_len(m, SYNTH_HP_UP_BEND), 1e-9);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_HAZARD_START), 1);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_HAZARD_END), 1);
	f = find(&s, MAP_INDEX_HAZARD_END, 0);
	CHECK(f && f->at.lane_id == SYNTH_HP_UP_BEND && f->u.area->hazard);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_TUNNEL_START), 1);
	for (size_t i = 1; i < s.n; i++)
		CHECK(s.f[i].at.dist_m >= s.f[i - 1].at.dist_m);
	CHECK(s.min_gap >= 10 - 1e-9 && s.max_gap <= 11);
	CHECK(s.n_samples >= 36 && s.n_samples <= 41);
}

/* Inside the hairpin: it began behind, reported at a negative distance. */
static void check_inside(const struct map_model *m, const struct map_index *idx)
{
	static struct seen s;
	const struct map_curve *hp = curve_on(m, SYNTH_HP_UP_BEND, true);
	double at = hp->arc_s0 + 5;
	const struct map_index_feature *f;

	CHECK_INT_EQ(walk(idx, SYNTH_HP_UP_BEND, at, 10, -1, &s), 1);
	f = find(&s, MAP_INDEX_CURVE_START, 0);
	CHECK(f && f->u.curve->hairpin);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, hp->s0 - at, 1e-9);
	f = find(&s, MAP_INDEX_CURVE_ARC_START, 0);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, -5, 1e-9);
	CHECK_DBL_NEAR(f ? f->s_other : NAN, hp->arc_s1, 0);
	/* The grade section of the whole lane began at its start. */
	f = find(&s, MAP_INDEX_GRADE_START, 0);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, -at, 1e-9);
	for (size_t i = 0; i < s.n; i++)
		CHECK(s.f[i].at.dist_m >= 0 || i < 3);
}

/* Three branches at the junction, the stop line once before the fork. */
static void check_junction(const struct map_model *m, const struct map_index *idx)
{
	static struct seen s;
	const struct map_index_feature *f;
	double to_fork = lane_len(m, SYNTH_JCT_IN) - 50;

	CHECK_INT_EQ(walk(idx, SYNTH_JCT_IN, 50, 200, 5, &s), 3);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_STOP_LINE), 1);
	f = find(&s, MAP_INDEX_STOP_LINE, 0);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, to_fork - 1, 1e-9);
	CHECK(f && f->u.stop_line->signal_group == 2);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_LANE_ENTER), 6);
	f = find(&s, MAP_INDEX_LANE_ENTER, SYNTH_JCT_LEFT);
	CHECK(f && f->at.branch == 0 && f->u.link->maneuver == MAP_MANEUVER_LEFT);
	f = find(&s, MAP_INDEX_LANE_ENTER, SYNTH_JCT_STRAIGHT);
	CHECK(f && f->at.branch == 1 && f->from_branch == 0 && f->at.dist_m == to_fork);
	f = find(&s, MAP_INDEX_LANE_ENTER, SYNTH_JCT_RIGHT_EXIT);
	CHECK(f && f->at.branch == 2);
	CHECK_DBL_NEAR(f ? f->at.dist_m : NAN, to_fork + lane_len(m, SYNTH_JCT_RIGHT), 1e-9);
	s.prune_lane = SYNTH_JCT_LEFT;
	CHECK_INT_EQ(walk(idx, SYNTH_JCT_IN, 50, 200, -1, &s), 3);
	CHECK(find(&s, MAP_INDEX_LANE_ENTER, SYNTH_JCT_LEFT_EXIT) == NULL);
	CHECK(find(&s, MAP_INDEX_LANE_ENTER, SYNTH_JCT_RIGHT_EXIT) != NULL);
	s.prune_lane = 0;
	s.abort_on = MAP_INDEX_STOP_LINE;
	CHECK_INT_EQ(walk(idx, SYNTH_JCT_IN, 50, 200, -1, &s), -42);
	s.abort_on = 0;
}

static void check_route(const struct map_index *idx)
{
	static struct seen s;
	const uint32_t route[] = { SYNTH_JCT_IN, SYNTH_JCT_STRAIGHT, SYNTH_JCT_STRAIGHT_EXIT };
	const uint32_t bad[] = { SYNTH_JCT_IN, SYNTH_JCT_STRAIGHT_EXIT };
	struct map_index_walk w = { .distance_m = 300,
		                    .on_feature = on_feature,
		                    .arg = &s,
		                    .route = route,
		                    .route_len = 3 };

	s.n = 0;
	CHECK_INT_EQ(map_index_walk(idx, SYNTH_JCT_IN, 50, &w), 1);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_LANE_ENTER), 2);
	CHECK(find(&s, MAP_INDEX_LANE_ENTER, SYNTH_JCT_STRAIGHT_EXIT) != NULL);
	CHECK_INT_EQ(map_index_walk(idx, SYNTH_HP_UP_A, 50, &w), V2X_EINVAL);
	w.route = bad;
	w.route_len = 2;
	s.n = 0;
	CHECK_INT_EQ(map_index_walk(idx, SYNTH_JCT_IN, 50, &w), 1);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_LANE_ENTER), 0);
	CHECK_INT_EQ(map_index_walk(idx, 99999, 0, &w), V2X_ENOTFOUND);
	w.distance_m = -1;
	CHECK_INT_EQ(map_index_walk(idx, SYNTH_JCT_IN, 0, &w), V2X_EINVAL);
}

/* The bridge spans the joint of the loop's two sections: once each. */
static void check_bridge(const struct map_index *idx)
{
	static struct seen s;

	CHECK_INT_EQ(walk(idx, SYNTH_LOOP_UP_LOW, 200, 200, -1, &s), 1);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_BRIDGE_START), 1);
	CHECK_UINT_EQ(count(&s, MAP_INDEX_BRIDGE_END), 1);
	CHECK(find(&s, MAP_INDEX_BRIDGE_START, SYNTH_LOOP_UP_LOW) != NULL);
	CHECK(find(&s, MAP_INDEX_BRIDGE_END, SYNTH_LOOP_UP_HIGH) != NULL);
}

static void check_along(const struct map_model *m, const struct map_index *idx)
{
	double d = 0, road = 20 + lane_len(m, SYNTH_HP_UP_BEND) + 30;
	struct map_sample a, b;

	/* The two legs of the hairpin. */
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_A, lane_len(m, SYNTH_HP_UP_A) - 20,
	                             SYNTH_HP_UP_B, 30, 1000, &d),
	             0);
	CHECK_DBL_NEAR(d, road, 1e-9);
	map_index_profile_at(idx, SYNTH_HP_UP_A, lane_len(m, SYNTH_HP_UP_A) - 20, &a);
	map_index_profile_at(idx, SYNTH_HP_UP_B, 30, &b);
	printf("along: legs %.1f m apart in a straight line, %.1f m along the road\n",
	       hypot(a.x - b.x, a.y - b.y), d);
	CHECK(d > 5 * hypot(a.x - b.x, a.y - b.y));
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_B, 30, SYNTH_HP_UP_A,
	                             lane_len(m, SYNTH_HP_UP_A) - 20, 1000, &d),
	             0);
	CHECK_DBL_NEAR(d, -road, 1e-9);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_B, 30, SYNTH_HP_UP_A, 10, road - 1, &d),
	             V2X_ENOTFOUND);
	/* Opposite directions, separate roads: no common path. */
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_A, 50, SYNTH_HP_DOWN_A, 50, 5000, &d),
	             V2X_ENOTFOUND);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_A, 50, SYNTH_HP_DOWN_B, 50, 5000, &d),
	             V2X_ENOTFOUND);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_A, 50, SYNTH_JCT_IN, 50, 5000, &d),
	             V2X_ENOTFOUND);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_A, 10, SYNTH_HP_UP_A, 50, 100, &d), 0);
	CHECK_DBL_NEAR(d, 40, 0);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_HP_UP_A, 50, SYNTH_HP_UP_A, 10, 100, &d), 0);
	CHECK_DBL_NEAR(d, -40, 0);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_JCT_IN, 90, SYNTH_JCT_RIGHT_EXIT, 10, 500, &d), 0);
	CHECK_DBL_NEAR(d, 10 + lane_len(m, SYNTH_JCT_RIGHT) + 10, 1e-9);
	CHECK_INT_EQ(map_index_along(idx, SYNTH_JCT_LEFT, 5, SYNTH_JCT_RIGHT, 5, 500, &d),
	             V2X_ENOTFOUND);
}

int main(void)
{
	struct synth_map sm;
	struct map_index *idx = NULL;
	char err[200] = "";

	if (!CHECK(synth_build(&sm, 1) == 0))
		return check_exit();
	if (!CHECK(map_index_new(&sm.model, &idx, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_exit();
	}
	check_up_the_hairpin(&sm.model, idx);
	check_inside(&sm.model, idx);
	check_junction(&sm.model, idx);
	check_route(idx);
	check_bridge(idx);
	check_along(&sm.model, idx);
	CHECK_UINT_EQ(fieldcheck_curve_walks(&sm.model, idx), 0);
	map_index_free(idx);
	synth_fini(&sm);
	return check_exit();
}
