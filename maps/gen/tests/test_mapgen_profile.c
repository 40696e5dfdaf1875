/*
 * mapgen: every lane's profile agrees with its own centre line: s steps of
 * at most a metre that are the distance between the points, headings that
 * point along the line and turn smoothly, curvature that is the line's
 * turning, grades that are its climb; no lane crosses itself.
 */
#include "maps/gen/tests/gentest.h"
#include "tests/check.h"

/* The worst of each check over a lane, so that a failure prints one line
 * per lane rather than one per sample. */
struct worst {
	double step, chord, heading, turn_rate, window, menger, grade;
};

static double ang_diff_deg(double a, double b)
{
	return fabs(remainder(a - b, 360));
}

static void steps(const struct map_lane *l, struct worst *w)
{
	const struct map_sample *v = l->samples;

	CHECK_DBL_NEAR(v[0].s, 0, 0);
	CHECK_DBL_NEAR(v[l->n_samples - 1].s, l->length_m, 0);
	for (size_t i = 1; i < l->n_samples; i++) {
		double ds = v[i].s - v[i - 1].s,
		       d = hypot(v[i].x - v[i - 1].x, v[i].y - v[i - 1].y);
		double kmax = fmax(fabs(v[i].curvature), fabs(v[i - 1].curvature));
		w->step = fmax(w->step, ds > 0 ? ds : 99);
		/* A chord of a curve is shorter than its arc by ds^3 k^2 / 24. */
		w->chord = fmax(w->chord, fabs(ds - d) - ds * ds * ds * kmax * kmax / 24);
		w->turn_rate =
		        fmax(w->turn_rate, ang_diff_deg(v[i].heading_deg, v[i - 1].heading_deg) -
		                                   kmax * ds / GENTEST_DEG);
	}
}

/* Heading along the line through the neighbours; curvature as the circle
 * through three samples where the curvature does not jump; grade as the
 * climb between the neighbours. */
static void pointwise(const struct map_lane *l, struct worst *w)
{
	const struct map_sample *v = l->samples;

	for (size_t i = 1; i + 1 < l->n_samples; i++) {
		const struct map_sample *a = &v[i - 1], *b = &v[i], *c = &v[i + 1];
		/* The chord a-c is the tangent half-way between a and c, which
		 * is not b where the steps differ (at a lane's end). */
		double dir = 90 - atan2(c->y - a->y, c->x - a->x) / GENTEST_DEG +
		             b->curvature * ((a->s + c->s) / 2 - b->s) / GENTEST_DEG;
		double ax = b->x - a->x, ay = b->y - a->y, bx = c->x - b->x, by = c->y - b->y;
		double den = hypot(ax, ay) * hypot(bx, by) * hypot(c->x - a->x, c->y - a->y);
		/* The chord turns away from the tangent where the curvature
		 * changes, by up to half the change over the two steps. */
		w->heading = fmax(w->heading,
		                  ang_diff_deg(dir, b->heading_deg) -
		                          fabs(c->curvature - a->curvature) / 2 / GENTEST_DEG);
		if (fabs(c->curvature - a->curvature) < 0.005 && den > 0)
			w->menger =
			        fmax(w->menger, fabs(2 * (ax * by - ay * bx) / den - b->curvature) -
			                                0.02 * fabs(b->curvature));
		w->grade = fmax(w->grade, fabs((c->z - a->z) / (c->s - a->s) - b->grade));
	}
}

/* Over every 10 m, the integral of the curvature is the heading change,
 * to within what the trapezoid rule can miss where the curvature jumps
 * (the junction's arcs start without transition). */
static void windows(const struct map_lane *l, struct worst *w)
{
	const struct map_sample *v = l->samples;

	for (size_t i = 0; i + 10 < l->n_samples; i += 5) {
		double integral = 0, turn = 0, jumps = 0;
		for (size_t k = i; k < i + 10; k++) {
			double ds = v[k + 1].s - v[k].s;
			integral += (v[k].curvature + v[k + 1].curvature) / 2 * ds;
			turn -= remainder(v[k + 1].heading_deg - v[k].heading_deg, 360) *
			        GENTEST_DEG;
			jumps += fabs(v[k + 1].curvature - v[k].curvature) * ds / 2;
		}
		w->window = fmax(w->window, fabs(integral - turn) - jumps);
	}
}

static void values(const struct map_lane *l)
{
	CHECK_UINT_EQ(l->n_points, l->n_samples);
	for (size_t i = 0; i < l->n_samples; i++) {
		const struct map_sample *s = &l->samples[i];
		if (!CHECK(s->x == l->points[i].x && s->y == l->points[i].y &&
		           s->z == l->points[i].z) ||
		    !CHECK(s->width_m >= 3.0 && s->width_m < 6) ||
		    !CHECK(s->speed_limit_mps == l->speed_limit_mps && s->speed_limit_mps > 0) ||
		    !CHECK(isnan(s->advisory_mps) ||
		           (s->advisory_mps > 0 && s->advisory_mps <= s->speed_limit_mps)) ||
		    !CHECK(fabs(s->superelevation) <= 0.1 && s->heading_deg >= 0 &&
		           s->heading_deg < 360)) {
			fprintf(stderr, "  lane %u at s %.1f\n", l->id, s->s);
			return;
		}
	}
}

static bool segments_cross(const struct map_xyz *a, const struct map_xyz *b,
                           const struct map_xyz *c, const struct map_xyz *d)
{
	double d1 = (b->x - a->x) * (c->y - a->y) - (b->y - a->y) * (c->x - a->x);
	double d2 = (b->x - a->x) * (d->y - a->y) - (b->y - a->y) * (d->x - a->x);
	double d3 = (d->x - c->x) * (a->y - c->y) - (d->y - c->y) * (a->x - c->x);
	double d4 = (d->x - c->x) * (b->y - c->y) - (d->y - c->y) * (b->x - c->x);

	return d1 * d2 < 0 && d3 * d4 < 0;
}

static void no_self_crossing(const struct map_lane *l)
{
	const struct map_xyz *p = l->points;

	for (size_t i = 0; i + 1 < l->n_points; i++)
		for (size_t k = i + 2; k + 1 < l->n_points; k++)
			if (!CHECK(!segments_cross(&p[i], &p[i + 1], &p[k], &p[k + 1]))) {
				fprintf(stderr, "  lane %u crosses itself near (%.1f, %.1f)\n",
				        l->id, p[i].x, p[i].y);
				return;
			}
}

static void check_lane(const struct map_lane *l)
{
	struct worst w = { 0 };

	CHECK(l->n_samples >= 2 && l->length_m > 1);
	steps(l, &w);
	pointwise(l, &w);
	windows(l, &w);
	values(l);
	no_self_crossing(l);
	if (!CHECK(w.step <= 1.0 && w.chord < 2e-3 && w.heading < 0.2 && w.turn_rate < 0.05 &&
	           w.window < 0.005 && w.menger < 0.002 && w.grade < 0.003))
		fprintf(stderr,
		        "  lane %u: step %.4f chord %.5f heading %.3f deg turn %.3f deg "
		        "window %.4f rad menger %.5f 1/m grade %.5f\n",
		        l->id, w.step, w.chord, w.heading, w.turn_rate, w.window, w.menger,
		        w.grade);
}

int main(void)
{
	for (uint64_t seed = 1; seed <= 2; seed++) {
		struct mapgen_params p = mapgen_params_default();
		struct v2x_arena a;
		struct map_model m;
		p.seed = seed;
		v2x_arena_init(&a, 1 << 20, 0);
		if (CHECK(gentest_build(&p, &a, &m) == 0))
			for (size_t i = 0; i < m.n_lanes; i++)
				check_lane(&m.lanes[i]);
		v2x_arena_fini(&a);
	}
	return check_exit();
}
