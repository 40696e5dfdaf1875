/*
 * Steep downgrade (steep_downgrade.h) on the generated test field, driven
 * through the rig as the broker core drives the applications: BSMs at
 * 10 Hz, the tick after each.
 *
 * - A car on the long descent's downhill lane (41, entered from lane 31)
 *   at 60 km/h is warned once the descent's start is within v * 12 s,
 *   with the distance, time and advisory speed computed here from the
 *   model's grade sections (stopping within the sight distance on the
 *   grade, capped by the posted limit); the warning is critical, updated
 *   only on material change and cancelled RESOLVED past the descent.
 * - A truck gets a lower advisory (the heavy-vehicle cap) and is warned at
 *   36 km/h, where a car is not.  With a shorter sight distance and no
 *   cap, the advisories are the stopping formula's own.
 * - No warning for a car below its safe speed, for a vehicle on the
 *   uphill lane 42 or for one past the descent; a warned car that slows
 *   into the hysteresis band keeps its warning, below the safe speed it
 *   is cancelled RESOLVED.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "broker/apps/app.h"
#include "broker/apps/steep_downgrade/steep_downgrade.h"
#include "broker/apps/tests/rig.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0     FIELD_T0_US
#define TYPE   V2X__WIRE__WARNING_TYPE__WARNING_TYPE_STEEP_DOWNGRADE
#define G      9.80665
#define KMH(v) ((v) / 3.6)
/* Numbers on the wire are floats. */
#define WIRE_TOL 1e-4

/* The long descent on lane 41, merged from the model's grade sections of
 * at least 5 % down that follow one another within 20 m. */
struct descent {
	double s0, s1, grade_abs, drop_m;
};

static struct descent descent_of(const struct field *f, uint32_t lane)
{
	struct descent d = { NAN, NAN, 0, 0 };
	double graded = 0;

	for (size_t i = 0; i < f->m.n_grade_sections; i++) {
		const struct map_grade_section *g = &f->m.grade_sections[i];
		if (g->lane_id != lane || g->grade > -0.05)
			continue;
		if (isnan(d.s0))
			d.s0 = g->s0;
		else if (g->s0 > d.s1 + 20)
			break;
		d.s1 = g->s1;
		graded += g->s1 - g->s0;
		d.drop_m += -g->grade * (g->s1 - g->s0);
	}
	d.grade_abs = d.drop_m / graded;
	return d;
}

/* v such that v t + v^2 / (2 (a - g |G|)) = D, solved as a quadratic. */
static double stopping(double a_brake, double grade_abs, double t, double D)
{
	double a = a_brake - G * grade_abs;

	return (-t + sqrt(t * t + 2 * D / a)) * a;
}

static int sd_open(struct rig *r, struct field *f, const struct brk_steep_downgrade_cfg *cfg,
                   struct brk_app_entry *e)
{
	*e = (struct brk_app_entry){ &brk_steep_downgrade_app, cfg };
	return rig_open(r, f, e, 1);
}

static const struct brk_steep_downgrade_stats *stats(const struct rig *r)
{
	return brk_steep_downgrade_stats(brk_apps_state(r->apps, 0));
}

/* Drives vid on lane with options o (vehicle class) from s0 to s1. */
static void drive(struct rig *r, uint8_t vid, uint32_t lane, double s0, double s1, double v,
                  uint8_t vclass, int64_t *now)
{
	struct rig_opts o = rig_bsm_opts();
	double ds = v * RIG_STEP_US / 1e6;
	size_t n = (size_t)floor((s1 - s0) / ds + 1e-9);

	o.vclass = vclass;
	for (size_t k = 0; k <= n; k++, *now += RIG_STEP_US) {
		rig_bsm(r, vid, lane, s0 + (double)k * ds, v, &o, *now);
		rig_tick(r, *now);
	}
}

/* ---- the positive cases ------------------------------------------------ */

static void check_lifecycle(const struct rig *r)
{
	for (size_t i = 1; i < r->n_w; i++) {
		CHECK(!r->w[i].issued);
		CHECK_UINT_EQ(r->w[i].id, r->w[0].id);
		CHECK_UINT_EQ(r->w[i].revision, i);
		if (!rig_material(&r->w[i - 1], &r->w[i]))
			printf("update %zu is not material\n", i);
		CHECK(rig_material(&r->w[i - 1], &r->w[i]));
	}
}

/* A car at 60 km/h from lane 31 over the whole descent on lane 41. */
static void car_fast(struct field *f)
{
	struct descent d = descent_of(f, 41);
	struct map_index_lane l31;
	struct field_point p0;
	struct brk_app_entry e;
	struct rig r;
	int64_t now = T0;
	double v = KMH(60), limit = KMH(40), approach = v * 12, v_formula, v_safe, dist0;

	CHECK_INT_EQ(map_index_lane(f->idx, 31, &l31), 0);
	CHECK_INT_EQ(field_at(f, 41, d.s0, &p0), 0);
	v_formula = stopping(2.5, d.grade_abs, 1.5, 60);
	v_safe = fmin(v_formula, limit);
	printf("descent on lane 41: s %.1f..%.1f, %.2f %% over %.1f m, drop %.1f m; car: "
	       "stopping %.2f m/s, limit %.2f m/s\n",
	       d.s0, d.s1, d.grade_abs * 100, d.s1 - d.s0, d.drop_m, v_formula, limit);
	CHECK(d.s1 - d.s0 > 800 && d.grade_abs > 0.06);
	if (!CHECK(sd_open(&r, f, NULL, &e) == 0))
		return;
	drive(&r, 0xA1, 31, l31.length_m - 300, l31.length_m - 0.5, v, 0, &now);
	drive(&r, 0xA1, 41, 0.5, d.s1 + 30, v, 0, &now);
	rig_print(&r);
	if (!CHECK(r.n_w >= 2))
		goto out;
	/* First raised when the start came within 200 m (1.67 m a BSM). */
	dist0 = r.w[0].distance_m;
	CHECK(r.w[0].issued && r.w[0].revision == 0);
	CHECK_INT_EQ(r.w[0].type, TYPE);
	CHECK(dist0 <= approach + WIRE_TOL && dist0 > approach - v * 0.1 - WIRE_TOL);
	CHECK_DBL_NEAR(r.w[0].tte_s, dist0 / v, WIRE_TOL);
	CHECK_DBL_NEAR(r.w[0].advisory_mps, v_safe, WIRE_TOL);
	CHECK_DBL_NEAR(r.w[0].lat_deg, p0.lat_deg, 1e-7);
	CHECK_INT_EQ(r.w[0].severity,
	             V2X__WIRE__SEVERITY__SEVERITY_CRITICAL); /* 16.7 > 1.3 * 11.1 */
	CHECK_UINT_EQ(r.w[0].n_sources, 1);
	CHECK_STR_EQ(r.w[0].src0, "cq-rsu-b");
	CHECK_STR_EQ(r.w[0].text, "Steep descent 7.5 % over 930 m: keep below 40 km/h");
	check_lifecycle(&r);
	/* Updates only as the distance shrinks (the last metres to the start
	 * are no material change), none while on the descent. */
	CHECK(r.n_w <= 16);
	for (size_t i = 1; i < r.n_w; i++)
		CHECK(r.w[i].distance_m < r.w[i - 1].distance_m);
	CHECK(r.w[r.n_w - 1].distance_m < 10 + WIRE_TOL);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
	/* Cancelled at the first BSM past the descent's end. */
	CHECK(r.c[0].time_us > now - (int64_t)(30 / v * 1e6) - RIG_STEP_US &&
	      r.c[0].time_us <= now - (int64_t)(30 / v * 1e6) + RIG_STEP_US);
	CHECK_UINT_EQ(stats(&r)->cleared, 1);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
out:
	rig_close(&r);
}

/* A truck at 36 km/h is warned, a car at 36 km/h is not; the truck's
 * advisory is the heavy cap, 30 km/h. */
static void truck_and_car(struct field *f)
{
	struct descent d = descent_of(f, 41);
	struct brk_app_entry e;
	struct rig r;
	int64_t now = T0;
	double v = KMH(36), heavy = fmin(fmin(stopping(1.5, d.grade_abs, 1.5, 60), KMH(40)),
	                                 d.drop_m >= 60 ? KMH(30) : INFINITY);
	size_t first;

	printf("truck: stopping %.2f m/s, drop %.1f m, safe %.2f m/s\n",
	       stopping(1.5, d.grade_abs, 1.5, 60), d.drop_m, heavy);
	if (!CHECK(sd_open(&r, f, NULL, &e) == 0))
		return;
	drive(&r, 0xB1, 41, d.s0 - 60, d.s0 + 100, v, 25, &now);
	drive(&r, 0xB2, 41, d.s0 - 60, d.s0 + 100, v, 10, &now);
	rig_print(&r);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xB2, NULL), 0);
	if (CHECK(rig_count(&r, TYPE, 0xB1, &first) >= 1)) {
		CHECK_DBL_NEAR(r.w[first].advisory_mps, heavy, WIRE_TOL);
		CHECK(r.w[first].advisory_mps < KMH(40) - 1);
		CHECK_DBL_NEAR(r.w[first].distance_m, 60, WIRE_TOL);
		/* 10 m/s is under 1.3 * 8.33: a warning until on the descent. */
		CHECK_INT_EQ(r.w[first].severity, V2X__WIRE__SEVERITY__SEVERITY_WARNING);
		CHECK(strstr(r.w[first].text, "keep below 30 km/h (heavy vehicle)") != NULL);
		for (size_t i = first; i < r.n_w; i++)
			CHECK_INT_EQ(r.w[i].severity,
			             r.w[i].distance_m > 0
			                     ? V2X__WIRE__SEVERITY__SEVERITY_WARNING
			                     : V2X__WIRE__SEVERITY__SEVERITY_CRITICAL);
		CHECK_DBL_NEAR(r.w[r.n_w - 1].distance_m, 0, 1e-9);
	}
	/* A bus is heavy too (50..58), a light truck (20) is not. */
	drive(&r, 0xB3, 41, d.s0 - 60, d.s0 - 50, v, 54, &now);
	drive(&r, 0xB4, 41, d.s0 - 60, d.s0 - 50, v, 20, &now);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xB3, NULL), 1);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xB4, NULL), 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* With D = 40 m and the heavy cap out of reach, the stopping formula
 * alone decides, below the posted limit for both. */
static void formula_binds(struct field *f)
{
	struct brk_steep_downgrade_cfg cfg = { .sight_m = 40, .heavy_cap_drop_m = 1e9 };
	struct descent d = descent_of(f, 41);
	double car = stopping(2.5, d.grade_abs, 1.5, 40),
	       truck = stopping(1.5, d.grade_abs, 1.5, 40);
	struct brk_app_entry e;
	struct rig r;
	int64_t now = T0;
	size_t i_car, i_truck;

	printf("D 40 m: car %.3f m/s (%.1f km/h), truck %.3f m/s (%.1f km/h)\n", car, car * 3.6,
	       truck, truck * 3.6);
	CHECK(car < KMH(40) - 1 && truck < car - 1);
	if (!CHECK(sd_open(&r, f, &cfg, &e) == 0))
		return;
	drive(&r, 0xC1, 41, d.s0 - 100, d.s0 - 90, KMH(50), 10, &now);
	drive(&r, 0xC2, 41, d.s0 - 100, d.s0 - 90, KMH(50), 30, &now);
	/* Just under car + 1 m/s: not warned. */
	drive(&r, 0xC3, 41, d.s0 - 100, d.s0 - 90, car + 0.9, 10, &now);
	rig_print(&r);
	if (CHECK(rig_count(&r, TYPE, 0xC1, &i_car) == 1) &&
	    CHECK(rig_count(&r, TYPE, 0xC2, &i_truck) == 1)) {
		CHECK_DBL_NEAR(r.w[i_car].advisory_mps, car, WIRE_TOL);
		CHECK_DBL_NEAR(r.w[i_truck].advisory_mps, truck, WIRE_TOL);
		CHECK_INT_EQ(r.w[i_truck].severity, V2X__WIRE__SEVERITY__SEVERITY_CRITICAL);
		/* 13.9 m/s against 1.3 * 9.5 = 12.4: critical as well. */
		CHECK_INT_EQ(r.w[i_car].severity, V2X__WIRE__SEVERITY__SEVERITY_CRITICAL);
	}
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xC3, NULL), 0);
	rig_close(&r);
}

/* ---- the negative cases ------------------------------------------------ */

static void negatives(struct field *f)
{
	struct descent d = descent_of(f, 41), up = descent_of(f, 42);
	struct map_index_lane l42;
	struct brk_app_entry e;
	struct rig r;
	int64_t now = T0;

	CHECK_INT_EQ(map_index_lane(f->idx, 42, &l42), 0);
	printf("lane 42 has %s downgrade of 5 %% or more\n", isnan(up.s0) ? "no" : "a");
	CHECK(isnan(up.s0));
	if (!CHECK(sd_open(&r, f, NULL, &e) == 0))
		return;
	/* Below the safe speed (40 km/h, the limit) over the whole descent. */
	drive(&r, 0xD1, 41, d.s0 - 200, d.s1 + 20, KMH(39), 10, &now);
	/* Uphill, the opposite direction of the same road, fast. */
	drive(&r, 0xD2, 42, 2, l42.length_m - 2, KMH(60), 10, &now);
	/* Past the descent's end, fast: nothing ahead. */
	drive(&r, 0xD3, 41, d.s1 + 1, d.s1 + 70, KMH(60), 10, &now);
	/* A truck uphill. */
	drive(&r, 0xD4, 42, 2, 400, KMH(50), 30, &now);
	rig_print(&r);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.n_c, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK(stats(&r)->descents > 0);
	rig_close(&r);
}

/* Warned at 50 km/h, then in the band (v_safe, v_safe + 1]: held; then
 * under the safe speed: cancelled RESOLVED, once.  A car that starts in
 * the band is not warned. */
static void slows_down(struct field *f)
{
	struct descent d = descent_of(f, 41);
	struct brk_app_entry e;
	struct rig r;
	int64_t now = T0, t_slow;
	double v_safe = KMH(40);

	if (!CHECK(sd_open(&r, f, NULL, &e) == 0))
		return;
	drive(&r, 0xE1, 41, d.s0 - 150, d.s0 - 100, KMH(50), 10, &now);
	CHECK_UINT_EQ(r.n_w, 1);
	drive(&r, 0xE1, 41, d.s0 - 99, d.s0 + 50, v_safe + 0.6, 10, &now);
	CHECK_UINT_EQ(r.n_c, 0);
	t_slow = now;
	drive(&r, 0xE1, 41, d.s0 + 51, d.s0 + 80, v_safe - 0.5, 10, &now);
	drive(&r, 0xE2, 41, d.s0 - 150, d.s0 + 80, v_safe + 0.6, 10, &now);
	rig_print(&r);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xE1, NULL), r.n_w);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xE2, NULL), 0);
	if (CHECK(r.n_c == 1)) {
		CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
		CHECK_INT_EQ(r.c[0].time_us, t_slow);
	}
	check_lifecycle(&r);
	rig_close(&r);
}

/* A vehicle gone silent on the descent: SOURCE_LOST by the lifecycle. */
static void silent(struct field *f)
{
	struct descent d = descent_of(f, 41);
	struct brk_app_entry e;
	struct rig r;
	int64_t now = T0;

	if (!CHECK(sd_open(&r, f, NULL, &e) == 0))
		return;
	drive(&r, 0xF1, 41, d.s0 + 10, d.s0 + 30, KMH(60), 10, &now);
	for (int i = 0; i < 12; i++, now += RIG_STEP_US)
		rig_tick(&r, now);
	CHECK_UINT_EQ(r.n_w, 1);
	if (CHECK(r.n_c == 1))
		CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST);
	rig_close(&r);
}

static void bad_config(void)
{
	struct brk_steep_downgrade_cfg cfg = { .min_grade = -0.05 };
	void *st = NULL;
	char err[160] = "";

	CHECK_INT_EQ(brk_steep_downgrade_app.init(&cfg, &st, err, sizeof(err)), V2X_ECONFIG);
	printf("bad config: %s\n", err);
	CHECK(st == NULL && err[0] != '\0');
	CHECK_UINT_EQ(brk_steep_downgrade_app.n_params, 14);
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	car_fast(&f);
	truck_and_car(&f);
	formula_binds(&f);
	negatives(&f);
	slows_down(&f);
	silent(&f);
	bad_config();
	field_close(&f);
	return check_exit();
}
