/*
 * sim-world: the kinematic truth on the generated test field.  Each
 * expected figure is worked out here from the equations of motion.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "maps/gen/mapgen.h"
#include "runtime/err.h"
#include "sim/world/world.h"
#include "tests/check.h"

static struct map_model map;

static uint32_t successor(uint32_t lane)
{
	for (size_t i = 0; i < map.n_connections; i++)
		if (map.connections[i].from_lane == lane)
			return map.connections[i].to_lane;
	return 0;
}

static void actor(struct sim_actor *a, const char *name, uint32_t *route, size_t n, double s,
                  double v)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->route = route;
	a->n_route = n;
	a->start_s = s;
	a->speed_mps = v;
	a->accel_max_mps2 = 2.0;
	a->decel_mps2 = 2.5;
	a->decel_hard_mps2 = 6.0;
}

static double dist(const struct sim_truth *p, const struct map_sample *q)
{
	return hypot(p->x - q->x, p->y - q->y);
}

/* Constant speed: s = s0 + v t; the point is the lane's sample there. */
static void test_cruise(struct v2x_arena *ar)
{
	uint32_t route[] = { 31 };
	struct sim_actor a;
	actor(&a, "V1", route, 1, 100.0, 16.0);
	struct sim_scenario sc = { .duration_s = 5.0, .n_actors = 1, .actors = &a };
	struct sim_world w;
	char err[256] = "";
	CHECK_INT_EQ(sim_world_run(&sc, &map, ar, &w, err, sizeof(err)), 0);
	CHECK_UINT_EQ(w.n_steps, 501);
	const struct sim_truth *p = sim_world_at(&w, 0, 500);
	CHECK(p->present);
	CHECK_DBL_NEAR(p->s, 100.0 + 16.0 * 5.0, 1e-6);
	CHECK_DBL_NEAR(p->speed_mps, 16.0, 1e-9);
	const struct map_lane *l = map_model_lane(&map, 31);
	CHECK(dist(p, &l->samples[180]) < 0.05);
	CHECK_DBL_NEAR(p->z, l->samples[180].z, 0.05);
	CHECK_DBL_NEAR(sim_world_time_at(&w, 0, 140.0), 2.5, 0.011);
}

/* A comfortable stop from 16 m/s at 2.5 m/s2 takes 6.4 s and 51.2 m. */
static void test_stop(struct v2x_arena *ar)
{
	uint32_t route[] = { 31 };
	struct sim_action stop = { .kind = SIM_ACT_STOP, .at_t_s = 1.0 };
	struct sim_actor a;
	actor(&a, "V1", route, 1, 0.0, 16.0);
	a.actions = &stop;
	a.n_actions = 1;
	struct sim_scenario sc = { .duration_s = 10.0, .n_actors = 1, .actors = &a };
	struct sim_world w;
	char err[256] = "";
	CHECK_INT_EQ(sim_world_run(&sc, &map, ar, &w, err, sizeof(err)), 0);
	const struct sim_truth *mid = sim_world_at(&w, 0, sim_world_step(&w, 3.0));
	CHECK(mid->braking);
	CHECK_DBL_NEAR(mid->accel_mps2, -2.5, 1e-9);
	const struct sim_truth *end = sim_world_at(&w, 0, w.n_steps - 1);
	CHECK_DBL_NEAR(end->speed_mps, 0.0, 1e-9);
	CHECK_DBL_NEAR(end->s, 16.0 + 51.2, 0.05);
}

/* Hard braking at 6 m/s2 from 12 m/s: 12 m; a place action; lateral. */
static void test_actions(struct v2x_arena *ar)
{
	uint32_t route[] = { 31 };
	struct sim_action acts[] = {
		{ .kind = SIM_ACT_BRAKE_HARD, .at_lane = 31, .at_s = 60.0, .at_t_s = NAN },
		{ .kind = SIM_ACT_LATERAL, .value = 2.4, .at_t_s = 0.0 },
	};
	struct sim_actor a;
	actor(&a, "V1", route, 1, 0.0, 12.0);
	a.actions = acts;
	a.n_actions = 2;
	struct sim_scenario sc = { .duration_s = 10.0, .n_actors = 1, .actors = &a };
	struct sim_world w;
	char err[256] = "";
	CHECK_INT_EQ(sim_world_run(&sc, &map, ar, &w, err, sizeof(err)), 0);
	const struct sim_truth *end = sim_world_at(&w, 0, w.n_steps - 1);
	CHECK_DBL_NEAR(end->s, 72.0, 0.2);
	CHECK_DBL_NEAR(end->lateral_m, 2.4, 1e-9);
	const struct sim_truth *b = sim_world_at(&w, 0, sim_world_step(&w, 5.5));
	CHECK(b->hard_braking);
	/* 2.4 m to the left of the centre line. */
	const struct map_lane *l = map_model_lane(&map, 31);
	CHECK_DBL_NEAR(dist(end, &l->samples[72]), 2.4, 0.1);
}

/* A route over two lanes: s carries over; the actor leaves at the end. */
static void test_route(struct v2x_arena *ar)
{
	uint32_t next = successor(31);
	CHECK(next != 0);
	const struct map_lane *l31 = map_model_lane(&map, 31), *l2 = map_model_lane(&map, next);
	uint32_t route[] = { 31, next };
	struct sim_actor a;
	actor(&a, "V1", route, 2, l31->length_m - 50.0, 20.0);
	a.start_t_s = 1.0;
	double t_end = 1.0 + (50.0 + l2->length_m) / 20.0;
	struct sim_scenario sc = { .duration_s = t_end + 2.0, .n_actors = 1, .actors = &a };
	struct sim_world w;
	char err[256] = "";
	CHECK_INT_EQ(sim_world_run(&sc, &map, ar, &w, err, sizeof(err)), 0);
	CHECK(!sim_world_at(&w, 0, 50)->present);
	const struct sim_truth *p = sim_world_at(&w, 0, sim_world_step(&w, 4.0));
	CHECK_UINT_EQ(p->lane, next);
	CHECK_DBL_NEAR(p->s, 10.0, 1e-6);
	CHECK_DBL_NEAR(p->route_s, l31->length_m + 10.0, 1e-6);
	CHECK(!sim_world_at(&w, 0, w.n_steps - 1)->present);
	CHECK_DBL_NEAR(sim_world_route_s(&w, 0, next, 5.0), l31->length_m + 5.0, 1e-9);
	CHECK(isnan(sim_world_route_s(&w, 0, 11, 5.0)));

	/* A route that skips a lane is refused with the actor named. */
	uint32_t bad[] = { 31, 11 };
	struct sim_actor b;
	actor(&b, "V1", bad, 2, 10.0, 20.0);
	struct sim_scenario sc_bad = { .duration_s = 2.0, .n_actors = 1, .actors = &b };
	CHECK_INT_EQ(sim_world_run(&sc_bad, &map, ar, &w, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "V1") && strstr(err, "31"));
}

int main(void)
{
	struct v2x_arena ar;
	v2x_arena_init(&ar, 1 << 20, 0);
	struct mapgen_params p = mapgen_params_default();
	char err[256];
	if (mapgen_build(&p, &ar, &map, err, sizeof(err))) {
		fprintf(stderr, "mapgen: %s\n", err);
		return 1;
	}
	test_cruise(&ar);
	test_stop(&ar);
	test_actions(&ar);
	test_route(&ar);
	v2x_arena_fini(&ar);
	return check_exit();
}
