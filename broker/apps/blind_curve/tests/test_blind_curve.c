/*
 * Blind-curve oncoming vehicle (blind_curve.h) on the generated test field,
 * BSMs at 10 Hz fed through the rig as the broker core feeds them, two
 * vehicles a step (one BSM each, then the tick).
 *
 * - Hairpin 1 (the ground truth's first hairpin: a curve of lane 31, its
 *   opposite curve on lane 32 and the rock face inside): A on lane 31 and
 *   B on lane 32 approach it at 10 m/s, B 0.5 s behind.  Both are warned
 *   once the rock face hides them from each other (checked here with the
 *   index's sight test at the two positions the application compared,
 *   and clear at the steps before), each about the other, with the
 *   distance to its own apex along its lane and the time to it computed
 *   here from the model; one issue each, updates only on material change,
 *   CRITICAL from 3 s, and both cancelled RESOLVED in the step in which A
 *   passes its apex (A's on its BSM, B's on B's next one).
 * - No warning for the same pair 7 s apart (though the rock face hides
 *   them), two vehicles driving the same way, a vehicle on the hairpin's
 *   other leg driving the same way, oncoming pairs on bends without a rock
 *   face (the ridge road's, the long descent's S, the spiral), or vehicles
 *   on the viaduct and the road below it.
 * - Centre line: A in the hairpin with its body over the centre line while
 *   B approaches (7 s apart, so the ordinary rule does not hold) is warned
 *   CRITICAL about B until it leaves the curve (RESOLVED); B is not; A on
 *   its lane centre is not warned at all.
 * - B goes silent while the pair is warned: both warnings end SOURCE_LOST
 *   0.6 s after B's last BSM (the first tick past fresh_s).
 * - A bad configuration is refused with the setting's name.
 */
#include <math.h>
#include <string.h>

#include "broker/apps/app.h"
#include "broker/apps/blind_curve/blind_curve.h"
#include "broker/apps/tests/rig.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0       FIELD_T0_US
#define TYPE     V2X__WIRE__WARNING_TYPE__WARNING_TYPE_BLIND_CURVE_ONCOMING
#define EYE_M    1.2  /* the default eye height */
#define HORIZON  100. /* 10 s at 10 m/s */
#define CRIT_S   3.0  /* the default critical_s */
#define RESOLVED V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED
#define LOST     V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST

static const struct brk_app_entry apps[] = { { &brk_blind_curve_app, NULL } };

static const struct brk_blind_curve_stats *stats_of(const struct rig *r)
{
	return brk_blind_curve_stats(brk_apps_state(r->apps, 0));
}

/* ---- the field --------------------------------------------------------- */

static const struct map_curve *curve_by_id(struct field *f, uint32_t id)
{
	for (size_t i = 0; i < f->m.n_curves; i++)
		if (f->m.curves[i].id == id)
			return &f->m.curves[i];
	return NULL;
}

/* The apex as blind_curve.h defines it: the middle of the arc. */
static double apex_s(const struct map_curve *c)
{
	return (c->arc_s0 + c->arc_s1) / 2;
}

/* The ground truth's hairpin k: its curve and the opposite one. */
static void hairpin(struct field *f, size_t k, const struct map_curve **c,
                    const struct map_curve **opp, uint32_t *obstruction)
{
	json_t *h = json_array_get(json_object_get(f->truth, "hairpins"), k);

	*c = curve_by_id(f, (uint32_t)json_integer_value(json_object_get(h, "curve")));
	*opp = curve_by_id(f, (uint32_t)json_integer_value(json_object_get(h, "opposite_curve")));
	*obstruction = (uint32_t)json_integer_value(json_object_get(h, "obstruction"));
}

static double apex_gap(struct field *f, const struct map_curve *a, const struct map_curve *b)
{
	return field_gap(f, a->lane_id, apex_s(a), b->lane_id, apex_s(b));
}

/* The curve of lane `opp_lane` whose apex lies nearest c's, within 30 m. */
static const struct map_curve *opposite(struct field *f, const struct map_curve *c,
                                        uint32_t opp_lane)
{
	const struct map_curve *best = NULL;

	for (size_t i = 0; i < f->m.n_curves; i++) {
		const struct map_curve *o = &f->m.curves[i];
		if (o->lane_id == opp_lane && apex_gap(f, c, o) <= 30 &&
		    (!best || apex_gap(f, c, o) < apex_gap(f, c, best)))
			best = o;
	}
	return best;
}

/* The sight test between two lane positions (eyes at EYE_M). */
static uint32_t sight(struct field *f, uint32_t la, double sa, uint32_t lb, double sb)
{
	struct field_point a, b;
	struct map_xyz pa, pb;

	CHECK_INT_EQ(field_at(f, la, sa, &a), 0);
	CHECK_INT_EQ(field_at(f, lb, sb, &b), 0);
	pa = (struct map_xyz){ a.x, a.y, a.z + EYE_M };
	pb = (struct map_xyz){ b.x, b.y, b.z + EYE_M };
	return map_index_sight_blocked(f->idx, &pa, &pb);
}

/* ---- two vehicles driven together -------------------------------------- */

struct car {
	uint8_t id;
	uint32_t lane;
	double s, s_end, v;
	double apex; /* s of the apex of the bend it approaches, NaN: none */
	struct rig_opts o;
	double last_s; /* s of its last BSM */
	int64_t last_us;
	size_t checked; /* emissions whose numbers were checked */
};

static struct car car(uint8_t id, uint32_t lane, double s, double s_end, double v, double apex)
{
	return (struct car){ .id = id,
		             .lane = lane,
		             .s = s,
		             .s_end = s_end,
		             .v = v,
		             .apex = apex,
		             .o = rig_bsm_opts(),
		             .last_s = NAN };
}

/* Checks the numbers of the emissions from r->w[from] on: those of a
 * target among cars against its own position at its last BSM. */
static void check_numbers(struct rig *r, size_t from, struct car *cars, size_t n)
{
	for (size_t i = from; i < r->n_w; i++) {
		const struct rig_emission *e = &r->w[i];
		for (size_t k = 0; k < n; k++) {
			struct car *c = &cars[k];
			double d = c->apex - c->last_s;
			if (e->target != c->id || isnan(c->apex) || d <= 0)
				continue;
			CHECK_DBL_NEAR(e->distance_m, d, 2.0);
			CHECK_DBL_NEAR(e->tte_s, d / c->v, 0.1 * d / c->v);
			c->checked++;
		}
	}
}

/* A BSM of cars[k] if it is still driving; checks what it raised. */
static void bsm(struct rig *r, struct car *cars, size_t n, size_t k, int64_t now)
{
	struct car *c = &cars[k];
	size_t from = r->n_w;

	if (c->s > c->s_end)
		return;
	rig_bsm(r, c->id, c->lane, c->s, c->v, &c->o, now);
	c->last_s = c->s;
	c->last_us = now;
	c->s += c->v * RIG_STEP_US / 1e6;
	check_numbers(r, from, cars, n);
}

/* One step: a BSM of each car still driving, then the tick. */
static void step(struct rig *r, struct car *cars, size_t n, int64_t *now)
{
	for (size_t k = 0; k < n; k++)
		bsm(r, cars, n, k, *now);
	rig_tick(r, *now);
	*now += RIG_STEP_US;
}

static bool driving(const struct car *cars, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (cars[k].s <= cars[k].s_end)
			return true;
	return false;
}

/* Drives the cars until none is left; returns the steps. */
static size_t drive(struct rig *r, struct car *cars, size_t n, int64_t *now)
{
	size_t steps = 0;

	for (; driving(cars, n); steps++)
		step(r, cars, n, now);
	return steps;
}

/* ---- the positive case ------------------------------------------------- */

/* Whether b may follow a: a material change, or the lifecycle's renewal of
 * an expiry about to pass (warn.h: default ttl 5 s, margin 1 s). */
static bool due(const struct rig_emission *a, const struct rig_emission *b)
{
	return rig_material(a, b) ||
	       b->time_us - a->time_us >=
	               BRK_WARN_DEFAULT_TTL_US - BRK_WARN_DEFAULT_EXPIRY_MARGIN_US;
}

/* Checks the emissions to target: one issue, then material updates only,
 * every one about subject. */
static void check_lifecycle(const struct rig *r, uint8_t target, uint8_t subject)
{
	const struct rig_emission *prev = NULL;
	size_t first, n = rig_count(r, TYPE, target, &first);

	if (!CHECK(n >= 2))
		return;
	CHECK(r->w[first].issued && r->w[first].revision == 0);
	for (size_t i = first; i < r->n_w; i++) {
		const struct rig_emission *e = &r->w[i];
		if (e->type != TYPE || e->target != target)
			continue;
		CHECK_UINT_EQ(e->subject_vehicle, subject);
		CHECK_UINT_EQ(e->id, r->w[first].id);
		CHECK(!isnan(e->lat_deg));
		if (prev) {
			CHECK(!e->issued);
			CHECK_UINT_EQ(e->revision, prev->revision + 1);
			if (!due(prev, e))
				printf("  update of %02x not material: %.1f m %.2f s after %.1f m "
				       "%.2f s\n",
				       target, e->distance_m, e->tte_s, prev->distance_m,
				       prev->tte_s);
			CHECK(due(prev, e));
		}
		CHECK_INT_EQ(e->severity, e->tte_s <= CRIT_S
		                                  ? V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
		                                  : V2X__WIRE__SEVERITY__SEVERITY_WARNING);
		prev = e;
	}
	if (CHECK(prev != NULL))
		CHECK_INT_EQ(prev->severity, V2X__WIRE__SEVERITY__SEVERITY_CRITICAL);
}

/* The issue: after whose BSM, and whether the sight line the application
 * compared was blocked then and clear at every step before. */
struct issue {
	bool seen;
	int64_t at_us;
	uint32_t blocked;
	size_t clear_before; /* BSMs with both in the horizon, the line clear */
};

static void watch_issue(struct field *f, struct rig *r, struct car *c, struct issue *is)
{
	/* Before the issue, each step: both registered and the line clear? */
	if (!is->seen && c[0].apex - c[0].last_s <= HORIZON && c[1].apex - c[1].last_s <= HORIZON &&
	    !sight(f, c[0].lane, c[0].last_s, c[1].lane, c[1].last_s))
		is->clear_before++;
	if (is->seen || r->n_w == 0)
		return;
	is->seen = true;
	is->at_us = c[0].last_us;
	is->blocked = sight(f, c[0].lane, c[0].last_s, c[1].lane, c[1].last_s);
}

static void positive(struct field *f)
{
	const struct map_curve *ca, *cb;
	uint32_t rock;
	struct rig r;
	struct issue is = { 0 };
	int64_t now = T0, pass_us = 0;
	struct car c[2];
	size_t na, nb, fa, fb;

	hairpin(f, 0, &ca, &cb, &rock);
	if (!CHECK(ca && cb && ca->lane_id == 31 && cb->lane_id == 32) ||
	    !CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	printf("hairpin 1: curve %u (lane 31 apex s %.1f) and %u (lane 32 apex s %.1f), apexes "
	       "%.1f m apart, rock face %u\n",
	       ca->id, apex_s(ca), cb->id, apex_s(cb), apex_gap(f, ca, cb), rock);
	c[0] = car(0xA1, 31, apex_s(ca) - 120.4, apex_s(ca) + 30, 10, apex_s(ca));
	c[1] = car(0xB1, 32, apex_s(cb) - 125.4, apex_s(cb) + 25, 10, apex_s(cb));
	while (driving(c, 2)) {
		/* One step, the two BSMs watched separately. */
		bsm(&r, c, 2, 0, now);
		watch_issue(f, &r, c, &is);
		bsm(&r, c, 2, 1, now);
		watch_issue(f, &r, c, &is);
		if (!pass_us && c[0].last_s > c[0].apex)
			pass_us = now;
		rig_tick(&r, now);
		now += RIG_STEP_US;
	}
	rig_print(&r);
	na = rig_count(&r, TYPE, 0xA1, &fa);
	nb = rig_count(&r, TYPE, 0xB1, &fb);
	printf("A: %zu emissions, B: %zu; issued %.1f s in, sight blocked by %u there, clear at "
	       "%zu BSMs before with both within %.0f m; numbers checked %zu + %zu\n",
	       na, nb, (double)(is.at_us - T0) / 1e6, is.blocked, is.clear_before, HORIZON,
	       c[0].checked, c[1].checked);
	CHECK(is.seen);
	CHECK_UINT_EQ(is.blocked, rock);
	CHECK(is.clear_before >= 3);
	check_lifecycle(&r, 0xA1, 0xB1);
	check_lifecycle(&r, 0xB1, 0xA1);
	CHECK_UINT_EQ(c[0].checked, na);
	CHECK_UINT_EQ(c[1].checked, nb);
	/* The first warning: beyond critical_s, at the issue. */
	if (na && nb) {
		CHECK_INT_EQ(r.w[fa].severity, V2X__WIRE__SEVERITY__SEVERITY_WARNING);
		CHECK_INT_EQ(r.w[fa].time_us, is.at_us);
		CHECK_INT_EQ(r.w[fb].time_us, is.at_us);
	}
	/* Both ended RESOLVED when A passed its apex. */
	CHECK_UINT_EQ(r.n_c, 2);
	for (size_t i = 0; i < r.n_c; i++) {
		CHECK_INT_EQ(r.c[i].reason, RESOLVED);
		CHECK_INT_EQ(r.c[i].time_us, pass_us);
		CHECK(!r.c[i].expired);
	}
	CHECK(r.n_c == 2 && r.c[0].id != r.c[1].id);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
	CHECK(stats_of(&r)->sight_blocked >= 1);
	rig_close(&r);
}

/* The bend table: every curve of the field, and the bends found here. */
static void table(struct field *f)
{
	const struct blind_lane {
		uint32_t a, b;
	} roads[] = { { 11, 12 }, { 21, 22 }, { 31, 32 }, { 41, 42 }, { 51, 52 },
		      { 61, 62 }, { 71, 72 }, { 81, 82 }, { 91, 92 } };
	size_t bends = 0;
	struct rig r;
	int64_t now = T0;

	for (size_t i = 0; i < f->m.n_curves; i++)
		for (size_t k = 0; k < sizeof(roads) / sizeof(roads[0]); k++) {
			const struct map_curve *c = &f->m.curves[i];
			if (c->lane_id == roads[k].a && opposite(f, c, roads[k].b))
				bends += 2;
		}
	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	rig_bsm(&r, 0x11, 41, 10, 10, NULL, now);
	printf("table: %llu lanes, %llu curves (model %zu), %llu in bends (%zu found here), %llu "
	       "exploration(s)\n",
	       (unsigned long long)stats_of(&r)->lanes, (unsigned long long)stats_of(&r)->curves,
	       f->m.n_curves, (unsigned long long)stats_of(&r)->bends, bends,
	       (unsigned long long)stats_of(&r)->explorations);
	CHECK_UINT_EQ(stats_of(&r)->lanes, f->m.n_lanes);
	CHECK_UINT_EQ(stats_of(&r)->curves, f->m.n_curves);
	CHECK_UINT_EQ(stats_of(&r)->bends, bends);
	CHECK(bends >= 20);
	CHECK_UINT_EQ(stats_of(&r)->explorations, 1);
	/* Another lane of the same network: nothing more to explore. */
	rig_bsm(&r, 0x12, 62, 10, 10, NULL, now);
	CHECK_UINT_EQ(stats_of(&r)->explorations, 1);
	CHECK_UINT_EQ(stats_of(&r)->builds, 1);
	rig_close(&r);
}

/* ---- what must not be warned ------------------------------------------- */

/* Whether c sent a BSM at t within the horizon before its apex. */
static bool within(const struct car *c, int64_t t)
{
	double d = c->apex - c->last_s;

	return c->last_us == t && d > 0 && d <= HORIZON;
}

/* Drives cars (n) on a fresh rig and expects no warning at all; returns
 * the steps at which the sight line between the first two was blocked
 * while both were within the horizon of their apexes. */
static size_t none(struct field *f, const char *what, struct car *cars, size_t n,
                   struct brk_blind_curve_stats *out)
{
	struct rig r;
	int64_t now = T0;
	size_t blocked = 0, steps = 0;

	memset(out, 0, sizeof(*out));
	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return 0;
	while (driving(cars, n)) {
		step(&r, cars, n, &now);
		steps++;
		if (n >= 2 && within(&cars[0], now - RIG_STEP_US) &&
		    within(&cars[1], now - RIG_STEP_US) &&
		    sight(f, cars[0].lane, cars[0].last_s, cars[1].lane, cars[1].last_s))
			blocked++;
	}
	*out = *stats_of(&r);
	printf("%s: %zu steps, %zu warnings, %zu cancellations; %llu pairs in the window, %llu "
	       "sight tests (%llu blocked); the line blocked at %zu steps\n",
	       what, steps, r.n_w, r.n_c, (unsigned long long)out->pairs_in_window,
	       (unsigned long long)out->sight_tests, (unsigned long long)out->sight_blocked,
	       blocked);
	rig_print(&r);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.n_c, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK(steps > 50);
	rig_close(&r);
	return blocked;
}

static void negatives_hairpin(struct field *f)
{
	const struct map_curve *ca, *cb;
	struct brk_blind_curve_stats st;
	uint32_t rock;
	struct car c[2];
	size_t hidden = 0;

	hairpin(f, 0, &ca, &cb, &rock);
	if (!CHECK(ca && cb))
		return;
	/* 7 s apart: B enters its horizon when A is 3 s from the apex. */
	c[0] = car(0xA2, 31, apex_s(ca) - 100.4, apex_s(ca) + 40, 10, apex_s(ca));
	c[1] = car(0xB2, 32, apex_s(cb) - 170.4, apex_s(cb) + 10, 10, apex_s(cb));
	CHECK(none(f, "7 s apart", c, 2, &st) > 0);
	CHECK_UINT_EQ(st.pairs_in_window, 0);
	/* The same way on lane 31, 3 s apart. */
	c[0] = car(0xA3, 31, apex_s(ca) - 100.4, apex_s(ca) + 20, 10, apex_s(ca));
	c[1] = car(0xC3, 31, apex_s(ca) - 130.4, apex_s(ca) + 20, 10, apex_s(ca));
	none(f, "same way", c, 2, &st);
	CHECK_UINT_EQ(st.pairs_in_window, 0);
	/* A approaching on lane 31, C driving away on the hairpin's other leg:
	 * the rock face between them, the same way round. */
	c[0] = car(0xA4, 31, apex_s(ca) - 100.4, apex_s(ca) - 5, 10, apex_s(ca));
	c[1] = car(0xC4, 31, ca->s1 + 5, ca->s1 + 100, 10, NAN);
	for (int d = 0; d < 95; d++)
		hidden += sight(f, 31, c[0].s + d, 31, c[1].s + d) != 0;
	printf("other leg: A at lane 31 s %.0f, C at s %.0f, %.1f m apart; the rock face between "
	       "them at %zu of 95 m driven\n",
	       c[0].s, c[1].s, field_gap(f, 31, c[0].s, 31, c[1].s), hidden);
	CHECK(field_gap(f, 31, c[0].s, 31, c[1].s) < 100);
	CHECK(hidden > 10);
	none(f, "other leg, same way", c, 2, &st);
	CHECK_UINT_EQ(st.pairs_in_window, 0);
}

/* An oncoming pair at the bend of curve c (lane a) and its opposite on
 * lane b, arriving together: paired, timed, but never hidden. */
static void open_bend(struct field *f, const char *what, uint32_t la, uint32_t lb, uint32_t id)
{
	const struct map_curve *c = curve_by_id(f, id), *o;
	struct brk_blind_curve_stats st;
	struct car cars[2];

	if (!CHECK(c != NULL && c->lane_id == la))
		return;
	o = opposite(f, c, lb);
	if (!CHECK(o != NULL))
		return;
	printf("%s: curve %u (apex s %.1f) and %u (apex s %.1f), radius %.0f m\n", what, c->id,
	       apex_s(c), o->id, apex_s(o), c->radius_m);
	cars[0] = car(0xA5, la, fmax(0, apex_s(c) - 100.4), apex_s(c) + 10, 10, apex_s(c));
	cars[1] = car(0xB5, lb, fmax(0, apex_s(o) - 100.4), apex_s(o) + 10, 10, apex_s(o));
	CHECK_UINT_EQ(none(f, what, cars, 2, &st), 0);
	CHECK(st.pairs_in_window > 10);
	CHECK(st.sight_tests > 10);
	CHECK_UINT_EQ(st.sight_blocked, 0);
}

/* The viaduct (lane 51) over the valley road (lanes 61, 62). */
static void bridge(struct field *f)
{
	json_t *cr = json_array_get(
	        json_object_get(json_array_get(json_object_get(f->truth, "bridges"), 0),
	                        "crossings"),
	        0);
	uint32_t up = (uint32_t)json_integer_value(json_object_get(cr, "upper_lane"));
	uint32_t low = (uint32_t)json_integer_value(json_object_get(cr, "lower_lane"));
	double up_s = json_number_value(json_object_get(cr, "upper_s"));
	double low_s = json_number_value(json_object_get(cr, "lower_s"));
	struct brk_blind_curve_stats st;
	struct car c[2];

	printf("viaduct: lane %u s %.0f over lane %u s %.0f\n", up, up_s, low, low_s);
	CHECK(up == 51 && (low == 61 || low == 62));
	/* Both registered at their own bends from 15 s to 18.5 s in. */
	c[0] = car(0xA6, up, up_s - 60, up_s + 120, 10, NAN);
	c[1] = car(0xB6, 61, 0, 150, 10, NAN);
	none(f, "viaduct and road below", c, 2, &st);
	CHECK(st.registrations > 100);
	CHECK_UINT_EQ(st.pairs_in_window, 0);
}

/* ---- the centre line ---------------------------------------------------- */

/* A in hairpin 1 at 7 m/s from 10 m before its apex to 3 m past the
 * curve, lateral_m to the left; B approaching 9.75 s from its apex. */
static void centre_run(struct field *f, struct rig *r, double lateral_m, int64_t *leave_us)
{
	const struct map_curve *ca, *cb;
	uint32_t rock;
	struct car c[2];
	int64_t now = T0;

	*leave_us = 0;
	hairpin(f, 0, &ca, &cb, &rock);
	c[0] = car(0xA7, 31, apex_s(ca) - 10.4, ca->s1 + 3, 7, NAN);
	c[0].o.lateral_m = lateral_m;
	c[1] = car(0xB7, 32, apex_s(cb) - 78, apex_s(cb) - 2, 8, apex_s(cb));
	while (driving(c, 2)) {
		step(r, c, 2, &now);
		if (!*leave_us && c[0].last_s > ca->s1)
			*leave_us = now - RIG_STEP_US;
	}
}

static void centre_line(struct field *f)
{
	const struct map_curve *ca, *cb;
	struct map_sample smp;
	uint32_t rock;
	struct rig r;
	double over;
	int64_t leave;
	size_t n, first;

	hairpin(f, 0, &ca, &cb, &rock);
	CHECK_INT_EQ(map_index_profile_at(f->idx, 31, apex_s(ca), &smp), 0);
	/* 0.5 m over: the car's left side 0.5 m beyond the lane's left edge. */
	over = smp.width_m / 2 - 1.8 / 2 + 0.5;
	printf("centre line: lane 31 is %.2f m wide at the apex; A %.2f m left of its centre\n",
	       smp.width_m, over);
	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	centre_run(f, &r, over, &leave);
	rig_print(&r);
	n = rig_count(&r, TYPE, 0xA7, &first);
	CHECK(n >= 1);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xB7, NULL), 0);
	for (size_t i = 0; i < r.n_w; i++) {
		CHECK_INT_EQ(r.w[i].severity, V2X__WIRE__SEVERITY__SEVERITY_CRITICAL);
		CHECK_UINT_EQ(r.w[i].subject_vehicle, 0xB7);
		CHECK(i == first ? r.w[i].issued : !r.w[i].issued);
		if (i > first)
			CHECK(due(&r.w[i - 1], &r.w[i]));
	}
	/* B's first BSM comes after A's. */
	if (n)
		CHECK_INT_EQ(r.w[first].time_us, T0 + RIG_STEP_US);
	CHECK_UINT_EQ(r.n_c, 1);
	if (r.n_c == 1) {
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		CHECK_INT_EQ(r.c[0].time_us, leave);
	}
	CHECK(stats_of(&r)->centre_line > 10);
	CHECK_UINT_EQ(stats_of(&r)->pairs_in_window, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);

	/* On its lane's centre: nothing. */
	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	centre_run(f, &r, 0, &leave);
	printf("centre line: on the lane centre %zu warnings\n", r.n_w);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(stats_of(&r)->centre_line, 0);
	rig_close(&r);
}

/* ---- endings and configuration ----------------------------------------- */

static void silent(struct field *f)
{
	const struct map_curve *ca, *cb;
	uint32_t rock;
	struct rig r;
	struct car c[2];
	int64_t now = T0;

	hairpin(f, 0, &ca, &cb, &rock);
	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	c[0] = car(0xA8, 31, apex_s(ca) - 100.4, apex_s(ca) - 5, 10, apex_s(ca));
	c[1] = car(0xB8, 32, apex_s(cb) - 100.4, apex_s(cb) - 40, 10, apex_s(cb));
	drive(&r, c, 2, &now);
	rig_print(&r);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xA8, NULL) >= 1, 1);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xB8, NULL) >= 1, 1);
	CHECK_UINT_EQ(r.n_c, 2);
	for (size_t i = 0; i < r.n_c; i++) {
		CHECK_INT_EQ(r.c[i].reason, LOST);
		CHECK_INT_EQ(r.c[i].time_us, c[1].last_us + 600000);
	}
	CHECK_UINT_EQ(stats_of(&r)->lost, 2);
	rig_close(&r);
}

static void config(void)
{
	struct brk_blind_curve_cfg c = { .window_s = -1 };
	char err[256] = "";
	void *st = NULL;

	CHECK_INT_EQ(brk_blind_curve_app.init(&c, &st, err, sizeof(err)), V2X_ECONFIG);
	printf("config: %s\n", err);
	CHECK(strstr(err, "window_s") != NULL);
	c = (struct brk_blind_curve_cfg){ .min_horizon_m = 400 };
	CHECK_INT_EQ(brk_blind_curve_app.init(&c, &st, err, sizeof(err)), V2X_ECONFIG);
	CHECK(strstr(err, "max_horizon_m") != NULL);
	CHECK_INT_EQ(brk_blind_curve_app.init(NULL, &st, err, sizeof(err)), 0);
	brk_blind_curve_app.fini(st);
	CHECK_UINT_EQ(brk_blind_curve_app.n_params, 12);
	CHECK_UINT_EQ(brk_blind_curve_app.cfg_size, 12 * sizeof(double));
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	table(&f);
	positive(&f);
	negatives_hairpin(&f);
	open_bend(&f, "ridge road", 11, 12, 1101);
	open_bend(&f, "long descent's S", 41, 42, 4101);
	open_bend(&f, "spiral", 51, 52, 5101);
	bridge(&f);
	centre_line(&f);
	silent(&f);
	config();
	field_close(&f);
	return check_exit();
}
