/*
 * sim-oracle: the oracle's expectations on small scenarios on the
 * generated test field, each checked against figures worked out here by
 * hand from the map's own numbers (radius, superelevation, s of the
 * features) and the equations of motion at constant speed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/gen/mapgen.h"
#include "runtime/err.h"
#include "sim/oracle/oracle.h"
#include "sim/world/world.h"
#include "tests/check.h"

static struct map_model map;
static struct v2x_arena arena;

static void actor(struct sim_actor *a, const char *name, uint32_t *route, size_t n, double s,
                  double v)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->vclass = SIM_CLASS_CAR;
	a->length_m = 4.8;
	a->width_m = 1.8;
	a->route = route;
	a->n_route = n;
	a->start_s = s;
	a->speed_mps = v;
	a->accel_max_mps2 = 2.0;
	a->decel_mps2 = 2.5;
	a->decel_hard_mps2 = 6.0;
}

static void scenario(struct sim_scenario *sc, const char *name, double duration,
                     struct sim_actor *actors, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->seed = 1;
	sc->duration_s = duration;
	sc->realtime = true;
	sc->map_params = mapgen_params_default();
	sc->actors = actors;
	sc->n_actors = n;
	sc->thresholds = (struct sim_thresholds){ 1.0, 0, 250.0, 3.0 };
}

/* Runs the world and the oracle; prints the expectations. */
static size_t run(const struct sim_scenario *sc, struct sim_world *w, struct sim_expected **e)
{
	char err[256] = "";
	size_t n = 0;
	int rc = sim_world_run(sc, &map, &arena, w, err, sizeof(err));
	CHECK_INT_EQ(rc, 0);
	if (rc) {
		fprintf(stderr, "%s: %s\n", sc->name, err);
		*e = NULL;
		return 0;
	}
	CHECK_INT_EQ(sim_oracle_run(w, &map, &arena, e, &n), 0);
	fprintf(stderr, "-- %s: %zu expectations\n", sc->name, n);
	sim_oracle_write(w, *e, n, stderr);
	return n;
}

/* How many of type (0: any) for target (-1: any) with must (-1: any). */
static size_t count(const struct sim_expected *e, size_t n, unsigned type, int target, int must)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (type == 0 || e[i].type == type) && (target < 0 || e[i].target == target) &&
		     (must < 0 || e[i].must == (must != 0));
	return k;
}

/* Expectations that name actor a as their subject. */
static size_t count_subject(const struct sim_expected *e, size_t n, int a)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += e[i].subject_actor == a;
	return k;
}

static const struct sim_expected *find_must(const struct sim_expected *e, size_t n, unsigned type,
                                            int target)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].type == type && e[i].target == target && e[i].must)
			return &e[i];
	return NULL;
}

static const struct map_curve *curve(uint32_t id)
{
	for (size_t i = 0; i < map.n_curves; i++)
		if (map.curves[i].id == id)
			return &map.curves[i];
	return NULL;
}

static const struct map_sample *sample(uint32_t lane, double s)
{
	const struct map_lane *l = map_model_lane(&map, lane);
	size_t i = (size_t)lround(s);
	return &l->samples[i < l->n_samples ? i : l->n_samples - 1];
}

/*
 * (1) A car climbs at 60 km/h on lane 32 towards hairpin 1 (curve 3204 on
 * the uphill lane); a car on the hairpin's other leg (lane 32 past it, at
 * 25 km/h) and a car already slow (18 km/h on lane 31 before the
 * hairpin's downhill curve 3102) must get nothing.
 */
static void test_hairpin(void)
{
	static uint32_t up[] = { 32 }, down[] = { 31 };
	struct sim_actor actors[3];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	const double v = 60.0 / 3.6, s_start = 760.0;
	actor(&actors[0], "FAST", up, 1, s_start, v);
	actor(&actors[1], "LEG", up, 1, 1060.0, 25.0 / 3.6);
	actor(&actors[2], "SLOW", down, 1, 250.0, 5.0);
	scenario(&sc, "hairpin", 14.0, actors, 3);
	size_t n = run(&sc, &w, &e);

	const struct map_curve *c = curve(3204);
	CHECK(c != NULL);
	if (!c)
		return;
	/* The advisory speed: v_a = sqrt(g R (e + f)), R the arc radius, e
	 * the superelevation at the middle of the arc taken into the curve
	 * (the map's cross slope is + when the left edge is higher, so e =
	 * -turn * cross slope), f = 0.15 on a dry road. */
	double mid = (c->arc_s0 + c->arc_s1) / 2.0;
	double sup = -(double)c->turn * sample(32, mid)->superelevation;
	double va = sqrt(MAPGEN_G * c->radius_m * (sup + 0.15));
	fprintf(stderr, "curve 3204: R %.2f, e %.4f, v_a %.3f m/s, s0 %.2f\n", c->radius_m, sup, va,
	        c->s0);

	/* The window's end: at a constant 16.667 m/s from s 760 the car
	 * reaches the curve's start s0 at (s0 - 760) / v (10.2 s); the
	 * warning must come lead_s_min = 3 s before that. */
	double t_entry = (c->s0 - s_start) / v;
	double to = t_entry - 3.0;

	/* The rule's start: warned when need + 2 v >= D, need = 1.5 v +
	 * (v^2 - v_a^2) / (2 (2.5 + g G)), G the mean grade from the car to
	 * the curve's start (heights of lane 32).  Solved for D once with
	 * the grade over the last 100 m, then with the grade over that D. */
	double d = 100.0;
	for (int k = 0; k < 2; k++) {
		double grade = (sample(32, c->s0)->z - sample(32, c->s0 - d)->z) / d;
		d = 1.5 * v + (v * v - va * va) / (2.0 * (2.5 + MAPGEN_G * grade)) + 2.0 * v;
	}
	double t_trig = (c->s0 - d - s_start) / v;
	fprintf(stderr, "by hand: trigger %.1f m before, %.2f s; entry %.2f s; window end %.2f s\n",
	        d, t_trig, t_entry, to);

	CHECK_UINT_EQ(count(e, n, SIM_W_CURVE_SPEED, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_CURVE_SPEED, 0);
	CHECK(x != NULL);
	if (x) {
		CHECK(fabs(x->advisory_mps - va) <= 0.01 * va);
		CHECK_DBL_NEAR(x->to_t_s, to, 0.02);
		CHECK_DBL_NEAR(x->critical_t_s, t_entry, 0.02);
		/* The first evaluation (0.1 s grid) within the 2 m position
		 * margin before the trigger, less the 0.3 s allowance. */
		CHECK(x->from_t_s >= t_trig - 0.3 - 2.0 / v - 0.15);
		CHECK(x->from_t_s <= t_trig - 0.3 + 0.01);
		CHECK_INT_EQ(x->subject_actor, -1);
	}
	/* The other leg and the slow car: nothing at all. */
	CHECK_UINT_EQ(count(e, n, 0, 1, -1), 0);
	CHECK_UINT_EQ(count(e, n, 0, 2, -1), 0);
	/* 60 km/h where the limit is 30 km/h: a speed-limit warning too. */
	CHECK_UINT_EQ(count(e, n, SIM_W_SPEED_LIMIT, 0, 1), 1);
}

/*
 * (2) A rockfall on lane 11 at s 273 (radius 40 m, from t = 2 s): the car
 * approaching at 8 m/s from s 60 must be warned before it reaches it; the
 * car already past it (s 400) must not; a works event on lane 21 that
 * ended at 2 s, long before anyone comes near, warns nobody.
 */
static void test_rockfall(void)
{
	static uint32_t route[] = { 11, 21 };
	struct sim_actor actors[2];
	struct sim_rsi_event rsi[2];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	actor(&actors[0], "NEAR", route, 2, 60.0, 8.0);
	actor(&actors[1], "PAST", route, 2, 400.0, 8.0);
	scenario(&sc, "rockfall", 30.0, actors, 2);
	memset(rsi, 0, sizeof(rsi));
	rsi[0] = (struct sim_rsi_event){ .id = 1,
		                         .event_type = 401,
		                         .limit_mps = NAN,
		                         .lane = 11,
		                         .s = 273.0,
		                         .radius_m = 40.0,
		                         .from_t_s = 2.0,
		                         .to_t_s = INFINITY };
	rsi[1] = (struct sim_rsi_event){ .id = 2,
		                         .event_type = 501,
		                         .limit_mps = NAN,
		                         .lane = 21,
		                         .s = 200.0,
		                         .radius_m = 20.0,
		                         .from_t_s = 0.0,
		                         .to_t_s = 2.0 };
	sc.rsi = rsi;
	sc.n_rsi = 2;
	size_t n = run(&sc, &w, &e);

	/* At a constant 8 m/s from s 60 the car reaches the event at
	 * (273 - 60) / 8 = 26.625 s. */
	const double t_event = (273.0 - 60.0) / 8.0;
	CHECK_UINT_EQ(count(e, n, SIM_W_HAZARD_AHEAD, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_HAZARD_AHEAD, 0);
	CHECK(x != NULL);
	if (x) {
		CHECK_INT_EQ(x->subject_rsi, 0);
		CHECK_DBL_NEAR(x->to_t_s, t_event, 0.02);
		/* Its horizon is 150 m (12 s x 8 m/s is less): the zone starts
		 * about 40 m before the event, so the rule holds from about
		 * (273 - 40 - 150 - 60) / 8 = 2.9 s; never before the event. */
		CHECK(x->from_t_s >= 2.0 - 0.3 && x->from_t_s <= 3.2);
		CHECK(x->critical_t_s > 20.0 && x->critical_t_s < t_event);
	}
	CHECK_UINT_EQ(count(e, n, SIM_W_HAZARD_AHEAD, 1, -1), 0);
	for (size_t i = 0; i < n; i++)
		CHECK(e[i].subject_rsi != 1);
}

/*
 * A pedestrian standing on lane 21 at s 650 (reported from 0 to 25 s):
 * the car at 8 m/s from s 500 reaches it at (650 - 500) / 8 = 18.75 s
 * and must be warned before; an RSM vehicle driving at 10 m/s is no
 * hazard.
 */
static void test_rsm(void)
{
	static uint32_t route[] = { 21 };
	struct sim_actor actors[1];
	struct sim_rsm_participant rsm[2];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	actor(&actors[0], "CAR", route, 1, 500.0, 8.0);
	scenario(&sc, "rsm", 20.0, actors, 1);
	memset(rsm, 0, sizeof(rsm));
	rsm[0] = (struct sim_rsm_participant){ .id = 1,
		                               .kind = SIM_PART_PEDESTRIAN,
		                               .lane = 21,
		                               .s = 650.0,
		                               .from_t_s = 0.0,
		                               .to_t_s = 25.0 };
	rsm[1] = (struct sim_rsm_participant){ .id = 2,
		                               .kind = SIM_PART_VEHICLE,
		                               .lane = 21,
		                               .s = 560.0,
		                               .speed_mps = 10.0,
		                               .from_t_s = 0.0,
		                               .to_t_s = 25.0 };
	sc.rsm = rsm;
	sc.n_rsm = 2;
	size_t n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_HAZARD_AHEAD, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_HAZARD_AHEAD, 0);
	if (x) {
		CHECK_INT_EQ(x->subject_rsm, 0);
		CHECK_INT_EQ(x->subject_rsi, -1);
		CHECK_DBL_NEAR(x->to_t_s, 18.75, 0.02);
		CHECK(x->from_t_s <= 0.0);
	}
	for (size_t i = 0; i < n; i++)
		CHECK(e[i].subject_rsm != 1);
}

/*
 * A temporary 20 km/h sign on lane 21 at s 500 (sign type 85, from 0 s):
 * a car at 38 km/h from s 520, under the lane's 40 km/h, is 18 km/h over
 * the sign's limit, for good: warned, the sign's limit as advisory.
 */
static void test_sign(void)
{
	static uint32_t route[] = { 21 };
	struct sim_actor actors[1];
	struct sim_rsi_event rsi[1];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	actor(&actors[0], "CAR", route, 1, 520.0, 38.0 / 3.6);
	scenario(&sc, "sign", 10.0, actors, 1);
	rsi[0] = (struct sim_rsi_event){ .id = 3,
		                         .event_type = 85,
		                         .sign = true,
		                         .limit_mps = 20.0 / 3.6,
		                         .lane = 21,
		                         .s = 500.0,
		                         .radius_m = 30.0,
		                         .from_t_s = 0.0,
		                         .to_t_s = INFINITY };
	sc.rsi = rsi;
	sc.n_rsi = 1;
	size_t n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_SPEED_LIMIT, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_SPEED_LIMIT, 0);
	if (x) {
		CHECK_DBL_NEAR(x->advisory_mps, 20.0 / 3.6, 1e-6);
		/* Over from the start, heard after 0.5 s; issued 1 s later. */
		CHECK(x->from_t_s >= 0.7 - 0.01 && x->from_t_s <= 1.0);
	}
	/* Without the sign the car keeps the lane's limit: nothing. */
	sc.n_rsi = 0;
	n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, 0, -1, -1), 0);
}

/*
 * (3) Two cars at 6 m/s reach hairpin 1 from its two ends at the same
 * time, 12 s after the start, with the rock face between them: each is
 * warned about the other before they meet.  Then a car cutting the bend
 * over the centre line while the oncoming one arrives 8 s after it (too
 * late for the ordinary rule): it alone is warned.
 */
static void test_blind(void)
{
	static uint32_t down[] = { 31 }, up[] = { 32 };
	struct sim_actor actors[2];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	const struct map_curve *c = curve(3102), *o = curve(3204);
	CHECK(c && o);
	if (!c || !o)
		return;
	double apex_c = (c->arc_s0 + c->arc_s1) / 2.0, apex_o = (o->arc_s0 + o->arc_s1) / 2.0;
	actor(&actors[0], "DOWN", down, 1, apex_c - 6.0 * 12.0, 6.0);
	actor(&actors[1], "UP", up, 1, apex_o - 6.0 * 12.0, 6.0);
	scenario(&sc, "blind", 14.0, actors, 2);
	size_t n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_BLIND_CURVE, 0, 1), 1);
	CHECK_UINT_EQ(count(e, n, SIM_W_BLIND_CURVE, 1, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_BLIND_CURVE, 0);
	const struct sim_expected *y = find_must(e, n, SIM_W_BLIND_CURVE, 1);
	if (x && y) {
		CHECK_INT_EQ(x->subject_actor, 1);
		CHECK_INT_EQ(y->subject_actor, 0);
		/* Both are at their apexes at 12 s: they meet then. */
		CHECK_DBL_NEAR(x->critical_t_s, 12.0, 0.11);
		CHECK_DBL_NEAR(x->to_t_s, 12.0, 0.11);
		CHECK(x->from_t_s < 10.0);
	}
	CHECK_UINT_EQ(count(e, n, SIM_W_CURVE_SPEED, -1, -1), 0);

	/* Over the centre line: DOWN 2.2 m left of its lane's centre (the
	 * line is W / 2 - 1.8 / 2 away: 0.85 m where the lane is 3.5 m wide,
	 * 1.24 m where it widens to 4.27 m in the hairpin), UP 8 s later. */
	actor(&actors[0], "DOWN", down, 1, apex_c - 6.0 * 12.0, 6.0);
	actors[0].lateral_m = 2.2;
	actor(&actors[1], "UP", up, 1, apex_o - 6.0 * 20.0, 6.0);
	scenario(&sc, "centre-line", 20.0, actors, 2);
	n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_BLIND_CURVE, 0, 1), 1);
	CHECK_UINT_EQ(count(e, n, SIM_W_BLIND_CURVE, 1, -1), 0);
	x = find_must(e, n, SIM_W_BLIND_CURVE, 0);
	/* UP registers 60 m (10 s) before its apex, at 10 s (within the
	 * margins, 65 m: 9.2 s); they meet when DOWN is as far past its apex
	 * as UP is before its own: 72 - 6 t = -(120 - 6 t), t = 16 s. */
	if (x) {
		CHECK_INT_EQ(x->subject_actor, 1);
		CHECK(x->from_t_s >= 9.2 - 0.3 - 0.05 && x->from_t_s <= 10.0);
		CHECK_DBL_NEAR(x->to_t_s, 16.0, 0.11);
	}
}

/*
 * (4) A car at 11 m/s on lane 21 behind a car stopped 100 m ahead: the
 * gap (100 - 4.8 m) closes at 11 m/s, T = 4 s at 4.65 s, contact at
 * 8.65 s.  A car stopped in the oncoming lane (22) beside the path is
 * never a leader nor led.
 */
static void test_fcw(void)
{
	static uint32_t r21[] = { 21 }, r22[] = { 22 };
	struct sim_actor actors[3];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	actor(&actors[0], "FOLLOW", r21, 1, 550.0, 11.0);
	actor(&actors[1], "STOPPED", r21, 1, 650.0, 0.0);
	actor(&actors[2], "ONCOMING", r22, 1, 140.0, 0.0);
	scenario(&sc, "fcw", 10.0, actors, 3);
	size_t n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_FORWARD_COLLISION, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_FORWARD_COLLISION, 0);
	if (x) {
		CHECK_INT_EQ(x->subject_actor, 1);
		double t4 = (100.0 - 4.8 - 4.0 * 11.0) / 11.0, t0 = (100.0 - 4.8) / 11.0;
		CHECK(x->from_t_s >= t4 - 1.0 && x->from_t_s <= t4);
		CHECK_DBL_NEAR(x->critical_t_s, t0, 0.11);
	}
	CHECK_UINT_EQ(count(e, n, SIM_W_FORWARD_COLLISION, 1, -1), 0);
	CHECK_UINT_EQ(count(e, n, 0, 2, -1), 0);
	CHECK_UINT_EQ(count_subject(e, n, 2), 0);

	/* The same follower with the stopped car in the oncoming lane only. */
	actor(&actors[1], "ONCOMING", r22, 1, 140.0, 0.0);
	scenario(&sc, "fcw-oncoming", 10.0, actors, 2);
	n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_FORWARD_COLLISION, -1, -1), 0);
}

/*
 * (5) A truck at 50 km/h and a car at 38 km/h onto the long descent of
 * lane 41 (7.5 % over about 930 m).  The truck's safe speed: a_eff = 1.5
 * - g 0.075 = 0.76 m/s2, v = a_eff (-1.5 + sqrt(1.5^2 + 2 60 / a_eff)) =
 * 8.5 m/s, capped at 30 km/h (8.33 m/s) on a drop of 70 m: 13.9 m/s is
 * far above.  The car's: 12.1 m/s, capped by the 40 km/h limit (11.1
 * m/s); warned above 12.1 m/s, so 10.6 m/s is not.
 */
static void test_downgrade(void)
{
	static uint32_t r41[] = { 41 };
	struct sim_actor actors[2];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	actor(&actors[0], "TRUCK", r41, 1, 0.0, 50.0 / 3.6);
	actors[0].vclass = SIM_CLASS_TRUCK;
	actors[0].length_m = 10.0;
	actors[0].width_m = 2.5;
	actor(&actors[1], "CAR", r41, 1, 300.0, 38.0 / 3.6);
	scenario(&sc, "downgrade", 10.0, actors, 2);
	size_t n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_STEEP_DOWNGRADE, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_STEEP_DOWNGRADE, 0);
	if (x) {
		CHECK_DBL_NEAR(x->advisory_mps, 30.0 / 3.6, 0.01);
		CHECK(x->from_t_s <= 0.0);
	}
	CHECK_UINT_EQ(count(e, n, SIM_W_STEEP_DOWNGRADE, 1, -1), 0);
	CHECK_UINT_EQ(count(e, n, 0, 1, -1), 0);
}

/*
 * (6) A car at 11 m/s on lane 61, 66 m before its stop line (s 510.91),
 * reaches it at 6 s.  Plan: cycle 60 s, group 1 (straight and right)
 * green 0-25 then 3 s yellow, group 2 (left) green 30-50 then 3 s yellow.
 * With offset 50 the cycle is at 50 s at t = 0: group 1 red until t = 10,
 * group 2 yellow until t = 3 and red after; both red at the line: warned,
 * within (66 - 33) / 11 = 3 s of the line (its stopping distance is
 * about 33 m).  With offset 0, group 1 is green all along: nothing.
 */
static void test_red(void)
{
	static uint32_t route[] = { 61, 1681 };
	struct sim_signal_group groups[2] = { { 1, 0.0, 25.0, 3.0 }, { 2, 30.0, 20.0, 3.0 } };
	struct sim_actor actors[1];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	actor(&actors[0], "RED", route, 2, 510.91 - 66.0, 11.0);
	scenario(&sc, "red", 8.0, actors, 1);
	sc.signals = (struct sim_signals){ true, 60.0, 50.0, 2, groups };
	size_t n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_RED_LIGHT, 0, 1), 1);
	const struct sim_expected *x = find_must(e, n, SIM_W_RED_LIGHT, 0);
	if (x) {
		CHECK_DBL_NEAR(x->to_t_s, 6.0, 0.02);
		CHECK_DBL_NEAR(x->critical_t_s, 6.0, 0.02);
		CHECK(x->from_t_s >= 2.0 && x->from_t_s <= 3.2);
	}
	sc.signals.offset_s = 0.0;
	n = run(&sc, &w, &e);
	CHECK_UINT_EQ(count(e, n, SIM_W_RED_LIGHT, -1, -1), 0);
}

/* The JSON lines: stable, same text on every run. */
static void test_write(void)
{
	static uint32_t up[] = { 32 };
	struct sim_actor actors[1];
	struct sim_scenario sc;
	struct sim_world w;
	struct sim_expected *e;
	char *text[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	actor(&actors[0], "V\"1", up, 1, 760.0, 60.0 / 3.6);
	scenario(&sc, "write", 14.0, actors, 1);
	for (int k = 0; k < 2; k++) {
		size_t n = run(&sc, &w, &e);
		FILE *f = open_memstream(&text[k], &len[k]);
		CHECK(f != NULL);
		if (!f)
			return;
		sim_oracle_write(&w, e, n, f);
		fclose(f);
	}
	CHECK(len[0] > 0 && len[0] == len[1] && memcmp(text[0], text[1], len[0]) == 0);
	CHECK(strncmp(text[0], "{\"type\":\"", 9) == 0);
	CHECK(strstr(text[0], "\"target\":\"V\\\"1\"") != NULL);
	CHECK(strstr(text[0], "\"must\":true") != NULL);
	CHECK(strstr(text[0], "\"subject_actor\":null") != NULL);
	free(text[0]);
	free(text[1]);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	char err[512];
	v2x_arena_init(&arena, 1 << 20, 0);
	int rc = mapgen_build(&p, &arena, &map, err, sizeof(err));
	if (rc == V2X_ENOTFOUND) {
		fprintf(stderr, "skipped: %s\n", err);
		v2x_arena_fini(&arena);
		return CHECK_SKIP;
	}
	CHECK_INT_EQ(rc, 0);
	if (rc == 0) {
		test_hairpin();
		test_rockfall();
		test_rsm();
		test_sign();
		test_blind();
		test_fcw();
		test_downgrade();
		test_red();
		test_write();
	}
	v2x_arena_fini(&arena);
	return check_exit();
}
