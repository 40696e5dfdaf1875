/* The generator's building blocks alone: rng, align, vprof, xsect. */
#include <math.h>
#include <stdlib.h>

#include "maps/gen/align.h"
#include "maps/gen/rng.h"
#include "maps/gen/vprof.h"
#include "maps/gen/xsect.h"
#include "runtime/err.h"
#include "tests/check.h"

#define DEG (M_PI / 180)

static void test_rng(void)
{
	struct mapgen_rng a, b, c;
	double sum = 0;
	bool differ = false;

	mapgen_rng_init(&a, 7);
	mapgen_rng_init(&b, 7);
	mapgen_rng_init(&c, 8);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = mapgen_rng_next(&a);
		CHECK_UINT_EQ(x, mapgen_rng_next(&b));
		differ |= x != mapgen_rng_next(&c);
	}
	CHECK(differ);
	for (int i = 0; i < 10000; i++) {
		double u = mapgen_rng_uniform(&a, 2, 3);
		if (!CHECK(u >= 2 && u < 3))
			break;
		sum += u;
	}
	CHECK_DBL_NEAR(sum / 10000, 2.5, 0.01);
	/* A fixed value, so that a change of algorithm is seen (and maps with
	 * it): splitmix64 of 0 then xoshiro256**. */
	mapgen_rng_init(&a, 0);
	printf("first value of seed 0: %llu\n", (unsigned long long)mapgen_rng_next(&a));
}

static void end_of(const struct mapgen_align *al, double *x, double *y, double *phi)
{
	struct v2x_arena a;
	struct mapgen_ref r;

	*x = *y = *phi = NAN;
	v2x_arena_init(&a, 1 << 16, 0);
	if (CHECK(mapgen_align_sample(al, 0.05, &a, &r) == 0)) {
		*x = r.x[r.n - 1];
		*y = r.y[r.n - 1];
		*phi = r.phi[r.n - 1];
		for (size_t i = 1; i < r.n; i++)
			if (!CHECK(r.u[i] - r.u[i - 1] <= 0.05 + 1e-12 && r.u[i] > r.u[i - 1]))
				break;
	}
	v2x_arena_fini(&a);
}

static void test_align(void)
{
	struct mapgen_align al;
	double x, y, phi;
	int i;

	/* A straight and a plain quarter circle: exact ends. */
	mapgen_align_init(&al, 10, 20, 0);
	CHECK_INT_EQ(mapgen_align_straight(&al, 100), 0);
	CHECK_INT_EQ(mapgen_align_curve(&al, 50, 90 * DEG, 0), 0);
	end_of(&al, &x, &y, &phi);
	CHECK_DBL_NEAR(x, 160, 1e-9);
	CHECK_DBL_NEAR(y, 70, 1e-9);
	CHECK_DBL_NEAR(phi, M_PI / 2, 1e-12);
	/* A hairpin with clothoids turns exactly 180 degrees; its records say
	 * where the arc is. */
	mapgen_align_init(&al, 0, 0, 0);
	i = mapgen_align_curve(&al, 20, -180 * DEG, 25);
	CHECK_INT_EQ(i, 0);
	CHECK_DBL_NEAR(al.curves[0].arc_u0, 25, 1e-12);
	CHECK_DBL_NEAR(al.curves[0].u1 - al.curves[0].arc_u1, 25, 1e-12);
	CHECK_DBL_NEAR(al.length, 20 * M_PI + 25, 1e-9);
	end_of(&al, &x, &y, &phi);
	CHECK_DBL_NEAR(phi, -M_PI, 1e-12);
	/* The legs are 2 (R + p) apart, p = L^2 / (24 R) the clothoid's shift
	 * (to its first terms). */
	CHECK_DBL_NEAR(y, -2 * (20 + 25.0 * 25 / (24 * 20)), 0.05);
	/* Clothoids longer than the turn allows are refused. */
	CHECK_INT_EQ(mapgen_align_curve(&al, 20, 60 * DEG, 30), V2X_ERANGE);
	CHECK_INT_EQ(mapgen_align_straight(&al, 0), V2X_ERANGE);
}

static void test_vprof(void)
{
	struct mapgen_vprof vp;

	mapgen_vprof_init(&vp);
	CHECK_INT_EQ(mapgen_vprof_begin(&vp, 0, 0.02, 0), 0);
	CHECK_INT_EQ(mapgen_vprof_begin(&vp, 100, 0, 1), 0);
	CHECK_INT_EQ(mapgen_vprof_begin(&vp, 300, -0.08, 0), 0);
	mapgen_vprof_end(&vp, 500);
	CHECK_INT_EQ(mapgen_vprof_begin(&vp, 200, 0, 0), V2X_ERANGE);
	mapgen_vprof_set_kind(&vp, 1, -0.05);
	CHECK_DBL_NEAR(mapgen_vprof_rise(&vp, 100, 0), -16, 1e-12);
	CHECK_DBL_NEAR(mapgen_vprof_length(&vp, 0, 1), 200, 1e-12);
	mapgen_vprof_finish(&vp, 300);
	/* Vertical curves centred on the breaks keep the sum of grade x length. */
	CHECK_DBL_NEAR(mapgen_vprof_z(&vp, 500), 300 + 2 - 10 - 16, 1e-9);
	CHECK_DBL_NEAR(mapgen_vprof_z(&vp, 0), 300, 1e-12);
	CHECK_DBL_NEAR(mapgen_vprof_grade(&vp, 50), 0.02, 1e-12);
	CHECK_DBL_NEAR(mapgen_vprof_grade(&vp, 100), -0.015, 1e-12);
	CHECK_DBL_NEAR(mapgen_vprof_grade(&vp, 200), -0.05, 1e-12);
	CHECK_DBL_NEAR(mapgen_vprof_grade(&vp, 450), -0.08, 1e-12);
	/* The grade is continuous: no step anywhere. */
	for (int u = 1; u < 500; u++)
		if (!CHECK(fabs(mapgen_vprof_grade(&vp, u) - mapgen_vprof_grade(&vp, u - 1)) <
		           0.0021))
			break;
}

static void test_xsect(void)
{
	struct mapgen_align al;
	struct mapgen_xsect xs;
	struct mapgen_xs in, out, s;
	double e;

	mapgen_align_init(&al, 0, 0, 0);
	mapgen_align_straight(&al, 100);
	mapgen_align_curve(&al, 18, 180 * DEG, 20); /* left: lane -1 is inside */
	mapgen_xsect_init(&xs, &al, 3.5, 0.06);
	mapgen_xsect_at(&xs, 10, 1, &s);
	CHECK_DBL_NEAR(s.d, -1.75, 1e-12);
	CHECK_DBL_NEAR(s.width, 3.5, 1e-12);
	CHECK_DBL_NEAR(s.slope, MAPGEN_XSECT_CROWN, 1e-12);
	mapgen_xsect_at(&xs, (al.curves[0].arc_u0 + al.curves[0].arc_u1) / 2, -1, &in);
	mapgen_xsect_at(&xs, (al.curves[0].arc_u0 + al.curves[0].arc_u1) / 2, 1, &out);
	e = mapgen_xsect_widening(18);
	CHECK_DBL_NEAR(e, 1.0, 1e-12);
	CHECK_DBL_NEAR(in.width, 4.5, 1e-12);
	CHECK_DBL_NEAR(out.width, 4.5, 1e-12);
	/* Widening on the inside: the outer edge stays, the lanes touch. */
	CHECK_DBL_NEAR(out.d - out.width / 2, -3.5, 1e-12);
	CHECK_DBL_NEAR(in.d - in.width / 2, out.d + out.width / 2, 1e-12);
	/* Banked into the curve: inner lane's left edge up, outer's down. */
	CHECK_DBL_NEAR(in.slope, 0.06, 1e-12);
	CHECK_DBL_NEAR(out.slope, -0.06, 1e-12);
	CHECK_DBL_NEAR(mapgen_xsect_e(&xs, 600), MAPGEN_XSECT_CROWN, 1e-12);
	CHECK_DBL_NEAR(mapgen_xsect_e(&xs, 300), 0.03, 1e-12);
	CHECK_DBL_NEAR(mapgen_xsect_widening(300), 0, 1e-12);
}

int main(void)
{
	test_rng();
	test_align();
	test_vprof();
	test_xsect();
	return check_exit();
}
