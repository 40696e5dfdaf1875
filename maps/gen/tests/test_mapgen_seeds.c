/*
 * mapgen: many seeds and the corners of the parameters all build, fast,
 * with the features every later test relies on.  The generator checks its
 * own layout (heights, clearance, the spiral's crossing) and fails rather
 * than return a bad map, so a build that succeeds is most of the test.
 */
#include <time.h>

#include "maps/gen/tests/gentest.h"
#include "tests/check.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Hairpins with their lane radius in 12-30 m, and a grade section of the
 * sustained downgrade at its full length. */
static void check_map(const struct mapgen_params *p, const struct map_model *m)
{
	unsigned hairpins = 0, downgrades = 0;

	for (size_t i = 0; i < m->n_curves; i++) {
		const struct map_curve *c = &m->curves[i];
		if (!c->hairpin || c->radius_m > 40)
			continue;
		CHECK(c->radius_m >= 12 && c->radius_m <= 30);
		hairpins += map_model_lane(m, c->lane_id)->direction > 0;
	}
	for (size_t i = 0; i < m->n_grade_sections; i++) {
		const struct map_grade_section *g = &m->grade_sections[i];
		/* Measured on ellipsoidal heights, which the geoid tilts by a few
		 * centimetres per kilometre. */
		downgrades += g->grade <= -p->downgrade + 5e-4 && g->s1 - g->s0 >= 800;
	}
	CHECK_UINT_EQ(hairpins, p->n_hairpins);
	CHECK(downgrades >= 1);
}

static void build(const struct mapgen_params *p, double *slowest)
{
	struct v2x_arena a;
	struct map_model m;
	double t0 = now();

	v2x_arena_init(&a, 1 << 20, 0);
	if (CHECK(gentest_build(p, &a, &m) == 0))
		check_map(p, &m);
	*slowest = fmax(*slowest, now() - t0);
	v2x_arena_fini(&a);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default(), q;
	double slowest = 0;

	for (uint64_t seed = 1; seed <= 40; seed++) {
		p.seed = seed * 7919;
		build(&p, &slowest);
	}
	/* Corners that fit between 200 and 400 m: the fewest, tightest
	 * hairpins on the widest lanes with the steepest downgrade; the most
	 * and widest hairpins; the longest tunnel and narrow section. */
	q = p;
	q.n_hairpins = 3;
	q.hairpin_r_min_m = q.hairpin_r_max_m = 16;
	q.lane_width_m = 3.75;
	q.downgrade = 0.10;
	q.downgrade_len_m = 1000;
	q.tunnel_len_m = 300;
	build(&q, &slowest);
	q = p;
	q.n_hairpins = MAPGEN_HAIRPINS_MAX;
	q.hairpin_r_min_m = q.hairpin_r_max_m = 28;
	q.downgrade = 0.06;
	q.downgrade_len_m = 800;
	q.tunnel_len_m = 300;
	build(&q, &slowest);
	q = p;
	q.tunnel_len_m = 1000;
	q.narrow_len_m = 1000;
	q.narrow_width_m = 3.5;
	build(&q, &slowest);
	printf("slowest build: %.0f ms\n", slowest * 1e3);
	CHECK(slowest < 1.0);
	return check_exit();
}
