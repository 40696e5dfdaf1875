/*
 * Curve speed warning (curve_speed.h) on the generated test field, with
 * BSMs at 10 Hz fed as the broker core feeds them (the rig, rig.h).  The
 * numbers expected are computed here from the model (curve radius, the
 * profile's superelevation and heights), not by the application's code.
 *
 * - Dry, 60 km/h towards hairpin 1 (the first hairpin of lane 31): one
 *   issue when need + v margin_s first reaches the distance to the curve
 *   (at least 3 s before entry), the advisory sqrt(g R (e + 0.15)), the
 *   distance s0 - s, severities ADVISORY, WARNING, CRITICAL by the rule,
 *   updates only on material change, RESOLVED once the arc is passed.
 * - Ice on the hairpin lowers the advisory to sqrt(g R (e + 0.05)) and
 *   the warning comes earlier; when the event's end time passes the
 *   advisory goes back to the dry one.
 * - Fog on the descent's first curve bounds the advisory by the stopping
 *   sight distance in 50 m; the same approach downhill (lane 41) warns
 *   farther from the curve than uphill (lane 42), each where the formula
 *   with the grade from the profile heights says.
 * - No warning below the advisory (and within the tolerance), in the
 *   oncoming lane by an icy hairpin, on the hairpin's exit leg about the
 *   hairpin passed; slowing down resolves the warning; a vehicle going
 *   silent loses it (SOURCE_LOST); two hairpins in a row give two issues
 *   and two cancellations, with or without a map frame.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "broker/apps/app.h"
#include "broker/apps/curve_speed/curve_speed.h"
#include "broker/apps/tests/rig.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0   FIELD_T0_US
#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_CURVE_SPEED
#define G    9.80665
#define V60  (60 / 3.6)

/* The defaults, as the issue gives them. */
#define F_DRY      0.15
#define F_ICE      0.05
#define T_R        1.5
#define A_COMF     2.5
#define A_HARD     5.0
#define MARGIN_S   2.0
#define WARNING_S  1.0
#define VISIBILITY 50.0
#define EV_ICE     707
#define EV_FOG     702

#define ADVISORY V2X__WIRE__SEVERITY__SEVERITY_ADVISORY
#define WARNING  V2X__WIRE__SEVERITY__SEVERITY_WARNING
#define CRITICAL V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
#define RESOLVED V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED

static const struct brk_app_entry apps[] = { { &brk_curve_speed_app, NULL } };

static int cs_open(struct rig *r, struct field *f)
{
	return rig_open(r, f, apps, 1);
}

/* A count checked, printed when wrong; true when right. */
static bool count_is(size_t got, size_t want, const char *what)
{
	if (got != want)
		printf("%s: %zu, expected %zu\n", what, got, want);
	return CHECK(got == want);
}

static const struct brk_curve_speed_stats *stats(const struct rig *r)
{
	return brk_curve_speed_stats(brk_apps_state(r->apps, 0));
}

/* ---- the model's numbers ----------------------------------------------- */

/* The k-th hairpin (0 first) of lane in its direction of travel. */
static const struct map_curve *hairpin(struct field *f, uint32_t lane, unsigned k)
{
	for (size_t i = 0; i < f->m.n_curves; i++) {
		const struct map_curve *c = &f->m.curves[i];
		if (c->lane_id == lane && c->hairpin && k-- == 0)
			return c;
	}
	return NULL;
}

static const struct map_curve *first_curve(struct field *f, uint32_t lane)
{
	for (size_t i = 0; i < f->m.n_curves; i++)
		if (f->m.curves[i].lane_id == lane)
			return &f->m.curves[i];
	return NULL;
}

/* The model's profile sample of lane nearest s. */
static const struct map_sample *sample(struct field *f, uint32_t lane, double s)
{
	const struct map_lane *l = map_model_lane(&f->m, lane);
	const struct map_sample *best = NULL;

	for (size_t i = 0; l && i < l->n_samples; i++)
		if (!best || fabs(l->samples[i].s - s) < fabs(best->s - s))
			best = &l->samples[i];
	return best;
}

/* Superelevation into the curve in its arc: the map's cross slope is
 * positive when the left edge is higher, a left curve (turn +1) is banked
 * into the turn when its left edge is lower. */
static double e_into(struct field *f, const struct map_curve *c)
{
	return -c->turn * sample(f, c->lane_id, (c->arc_s0 + c->arc_s1) / 2)->superelevation;
}

static double v_curve(struct field *f, const struct map_curve *c, double fr)
{
	return sqrt(G * c->radius_m * (e_into(f, c) + fr));
}

static double v_fog(void)
{
	return A_COMF * (-T_R + sqrt(T_R * T_R + 2 * VISIBILITY / A_COMF));
}

static double z_at(struct field *f, uint32_t lane, double s)
{
	struct field_point p;

	CHECK_INT_EQ(field_at(f, lane, s, &p), 0);
	return p.z;
}

/* need(a) of a vehicle at s on the curve's lane, speed v, advisory va. */
static double need(struct field *f, const struct map_curve *c, double s, double v, double va,
                   double a)
{
	double grade = (z_at(f, c->lane_id, c->s0) - z_at(f, c->lane_id, s)) / (c->s0 - s);

	return v * T_R + (v * v - va * va) / (2 * (a + G * grade));
}

static bool due(struct field *f, const struct map_curve *c, double s, double v, double va)
{
	return need(f, c, s, v, va, A_COMF) + v * MARGIN_S >= c->s0 - s;
}

static int severity_at(struct field *f, const struct map_curve *c, double s, double v, double va)
{
	if (s >= c->s0 || need(f, c, s, v, va, A_HARD) >= c->s0 - s)
		return CRITICAL;
	if (need(f, c, s, v, va, A_COMF) + v * WARNING_S >= c->s0 - s)
		return WARNING;
	return ADVISORY;
}

/* Where vehicle of a rig_drive() from (s_start, t_start) at v was at t. */
static double s_at(double s_start, int64_t t_start, double v, int64_t t)
{
	int64_t steps = (t - t_start) / RIG_STEP_US;

	return s_start + (double)steps * v * RIG_STEP_US / 1e6;
}

/* The issue at s_issue is where the rule first holds: at this BSM and not
 * at the one before. */
static void check_issue_point(struct field *f, const struct map_curve *c, double s_issue, double v,
                              double va)
{
	double step = v * RIG_STEP_US / 1e6;

	CHECK(due(f, c, s_issue, v, va));
	CHECK(!due(f, c, s_issue - step, v, va));
}

/* ---- dry approach ------------------------------------------------------ */

static void check_updates(struct field *f, const struct rig *r, const struct map_curve *c,
                          double s0, int64_t t0, double v, double va)
{
	for (size_t i = 0; i < r->n_w; i++) {
		const struct rig_emission *w = &r->w[i];
		double s = s_at(s0, t0, v, w->time_us);
		CHECK_UINT_EQ(w->id, r->w[0].id);
		CHECK_UINT_EQ(w->revision, i);
		CHECK(w->issued == (i == 0));
		CHECK_DBL_NEAR(w->distance_m, fmax(0, c->s0 - s), 0.05);
		CHECK_DBL_NEAR(w->tte_s, fmax(0, c->s0 - s) / v, 0.01);
		CHECK_DBL_NEAR(w->advisory_mps, va, 0.02);
		CHECK_INT_EQ(w->severity, severity_at(f, c, s, v, va));
		if (i > 0 && !CHECK(rig_material(&r->w[i - 1], w)))
			printf("update %zu is not material\n", i);
	}
}

static void dry_hairpin(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0);
	struct field_point start;
	struct rig r;
	int64_t now = T0;
	double va, s_issue, s_start = 150, s_cancel;

	if (!CHECK(hp != NULL) || !CHECK(cs_open(&r, f) == 0))
		return;
	va = v_curve(f, hp, F_DRY);
	printf("hairpin 1 = curve %u: s %.1f..%.1f, arc %.1f..%.1f, R %.1f m, e %.3f, advisory "
	       "%.2f m/s (map: %.2f)\n",
	       hp->id, hp->s0, hp->s1, hp->arc_s0, hp->arc_s1, hp->radius_m, e_into(f, hp), va,
	       hp->advisory_mps);
	rig_drive(&r, 0xA1, 31, s_start, hp->arc_s1 + 20, V60, &now);
	rig_print(&r);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	if (!CHECK(r.n_w >= 3) ||
	    !count_is(rig_count(&r, TYPE, 0xA1, NULL), r.n_w, "warnings to 0xA1"))
		goto out;
	s_issue = s_at(s_start, T0, V60, r.w[0].time_us);
	printf("dry, 60 km/h: issued %.1f m = %.2f s before the curve; advisory %.3f m/s, "
	       "formula %.3f m/s (%.1f km/h); %zu updates\n",
	       hp->s0 - s_issue, (hp->s0 - s_issue) / V60, r.w[0].advisory_mps, va, va * 3.6,
	       r.n_w - 1);
	CHECK((hp->s0 - s_issue) / V60 >= 3);
	CHECK(fabs(r.w[0].advisory_mps - va) <= 0.1 * va);
	check_issue_point(f, hp, s_issue, V60, va);
	check_updates(f, &r, hp, s_start, T0, V60, va);
	CHECK_INT_EQ(r.w[0].severity, ADVISORY);
	CHECK_INT_EQ(r.w[r.n_w - 1].severity, CRITICAL);
	CHECK_UINT_EQ(r.w[0].n_sources, 1);
	CHECK_STR_EQ(r.w[0].src0, "cq-rsu-b");
	CHECK(strncmp(r.w[0].text, "Hairpin bend in ", 16) == 0 && strstr(r.w[0].text, "km/h"));
	/* The position is the curve's start. */
	CHECK_INT_EQ(field_at(f, 31, hp->s0, &start), 0);
	CHECK_DBL_NEAR(r.w[0].lat_deg, start.lat_deg, 1e-9);
	/* One cancellation, RESOLVED, at the first BSM past the arc. */
	if (count_is(r.n_c, 1, "cancellations")) {
		s_cancel = s_at(s_start, T0, V60, r.c[0].time_us);
		printf("cancelled (%s) at s %.1f, the arc ends at %.1f\n",
		       brk_warn_reason_name((size_t)r.c[0].reason), s_cancel, hp->arc_s1);
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		CHECK(s_cancel > hp->arc_s1 && s_cancel - V60 * 0.1 <= hp->arc_s1);
	}
	CHECK_UINT_EQ(stats(&r)->passed, 1);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
out:
	rig_close(&r);
}

/* ---- ice --------------------------------------------------------------- */

/* Ice on hairpin 1 until T0 + 60 s; a vehicle at 12 m/s arrives from T0 +
 * 45 s: warned with the icy advisory, earlier than a dry road would warn,
 * then, in the arc when the event ends, with the dry advisory again. */
static void ice_hairpin(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0);
	const double v = 12, s_start = hp->s0 - 150;
	const int64_t end = T0 + 60000000, t_start = T0 + 45000000;
	double va_ice = v_curve(f, hp, F_ICE), va_dry = v_curve(f, hp, F_DRY), s_issue;
	struct rig r;
	int64_t now = T0;
	size_t after = SIZE_MAX;

	if (!CHECK(cs_open(&r, f) == 0))
		return;
	CHECK(rig_event(&r, 0x41, EV_ICE, 31, hp->s0, hp->s1, field_moy_s(end), now) != 0);
	now = t_start;
	rig_drive(&r, 0xB1, 31, s_start, hp->arc_s1 - 5, v, &now);
	rig_print(&r);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	if (!CHECK(r.n_w >= 2))
		goto out;
	s_issue = s_at(s_start, t_start, v, r.w[0].time_us);
	printf("ice, 12 m/s: issued %.1f m before the curve, advisory %.3f m/s, formula %.3f m/s "
	       "(dry %.3f m/s)\n",
	       hp->s0 - s_issue, r.w[0].advisory_mps, va_ice, va_dry);
	CHECK(r.w[0].issued);
	CHECK_DBL_NEAR(r.w[0].advisory_mps, va_ice, 0.02);
	check_issue_point(f, hp, s_issue, v, va_ice);
	/* A dry road would not warn there yet. */
	CHECK(!due(f, hp, s_issue, v, va_dry));
	CHECK(strstr(r.w[0].text, "(ice)") != NULL);
	CHECK_UINT_EQ(r.w[0].n_sources, 2);
	CHECK_STR_EQ(r.w[0].src0, "cq-rsu-b");
	CHECK_STR_EQ(r.w[0].src1, "cq-rsu-a");
	for (size_t i = 0; i < r.n_w; i++) {
		CHECK_UINT_EQ(r.w[i].id, r.w[0].id);
		if (i > 0)
			CHECK(rig_material(&r.w[i - 1], &r.w[i]));
		if (r.w[i].time_us < end)
			CHECK_DBL_NEAR(r.w[i].advisory_mps, va_ice, 0.02);
		else if (after == SIZE_MAX)
			after = i;
	}
	if (CHECK(after != SIZE_MAX)) {
		printf("the event ended at t 60 s: at t %.1f s the advisory is %.3f m/s, %.1f m "
		       "into the curve\n",
		       (double)(r.w[after].time_us - T0) / 1e6, r.w[after].advisory_mps,
		       s_at(s_start, t_start, v, r.w[after].time_us) - hp->s0);
		CHECK_INT_EQ(r.w[after].time_us, end);
		CHECK_DBL_NEAR(r.w[after].advisory_mps, va_dry, 0.02);
		CHECK(r.w[after].n_sources == 1);
		CHECK(strstr(r.w[after].text, "(ice)") == NULL);
	}
	CHECK_UINT_EQ(r.n_c, 0);
	CHECK_UINT_EQ(brk_hazards_stats(r.hazards)->removed_end_time, 1);
	CHECK(stats(&r)->slippery > 0);
out:
	rig_close(&r);
}

/* ---- fog and grade ----------------------------------------------------- */

/* Drives vid at v from s_start towards curve c (with a fog event over it
 * when fog), up to 10 m into it; returns the rig's first emission's index
 * or SIZE_MAX, leaving the rig open. */
static size_t approach(struct rig *r, struct field *f, const struct map_curve *c, uint8_t vid,
                       double s_start, double v, bool fog)
{
	int64_t now = T0;
	size_t first;

	if (fog)
		CHECK(rig_event(r, vid, EV_FOG, c->lane_id, c->s0 - 50, c->s1,
		                field_moy_s(T0) + 600, now) != 0);
	rig_drive(r, vid, c->lane_id, s_start, c->s0 + 10, v, &now);
	CHECK_UINT_EQ(r->wrong_lane, 0);
	rig_count(r, TYPE, vid, &first);
	(void)f;
	return first;
}

static void fog(struct field *f)
{
	const struct map_curve *c = first_curve(f, 41);
	double vf = v_fog(), vc;
	struct rig r;
	size_t i;

	if (!CHECK(c != NULL))
		return;
	vc = v_curve(f, c, F_DRY);
	printf("curve %u: R %.1f m, dry advisory %.2f m/s; fog bound in %.0f m: %.3f m/s\n", c->id,
	       c->radius_m, vc, VISIBILITY, vf);
	CHECK(vf + 1 < V60 && V60 < vc);
	if (!CHECK(cs_open(&r, f) == 0))
		return;
	CHECK(approach(&r, f, c, 0xC1, 3, V60, false) == SIZE_MAX);
	CHECK_UINT_EQ(r.n_w, 0);
	rig_close(&r);
	if (!CHECK(cs_open(&r, f) == 0))
		return;
	i = approach(&r, f, c, 0xC2, 3, V60, true);
	if (CHECK(i == 0)) {
		double s_issue = s_at(3, T0, V60, r.w[0].time_us);
		printf("fog, 60 km/h: issued %.1f m before the curve, advisory %.3f m/s (formula "
		       "%.3f): %s\n",
		       c->s0 - s_issue, r.w[0].advisory_mps, vf, r.w[0].text);
		CHECK_DBL_NEAR(r.w[0].advisory_mps, vf, 0.01);
		check_issue_point(f, c, s_issue, V60, vf);
		CHECK(strstr(r.w[0].text, "(fog)") != NULL);
		check_updates(f, &r, c, 3, T0, V60, vf);
	}
	CHECK(stats(&r)->fog > 0);
	rig_close(&r);
}

/* The first curves of the descent (lane 41, downhill) and of the climb
 * (lane 42, uphill) under fog, approached at 20 m/s: the same advisory,
 * the downhill warning farther out, each where need() with its grade
 * says. */
static void grade_effect(struct field *f)
{
	const struct map_curve *down = first_curve(f, 41), *up = first_curve(f, 42);
	const double v = 20;
	double d[2] = { NAN, NAN }, g[2] = { NAN, NAN }, s_issue;
	const struct map_curve *cs[2] = { down, up };

	if (!CHECK(down && up))
		return;
	for (int k = 0; k < 2; k++) {
		const struct map_curve *c = cs[k];
		double s_start = fmax(3, c->s0 - 220);
		struct rig r;
		size_t i;
		if (!CHECK(cs_open(&r, f) == 0))
			return;
		CHECK(v < v_curve(f, c, F_DRY));
		i = approach(&r, f, c, (uint8_t)(0xC3 + k), s_start, v, true);
		if (CHECK(i == 0)) {
			s_issue = s_at(s_start, T0, v, r.w[0].time_us);
			d[k] = c->s0 - s_issue;
			g[k] = (z_at(f, c->lane_id, c->s0) - z_at(f, c->lane_id, s_issue)) / d[k];
			check_issue_point(f, c, s_issue, v, v_fog());
			CHECK_DBL_NEAR(r.w[0].distance_m, d[k], 0.05);
			CHECK_DBL_NEAR(r.w[0].advisory_mps, v_fog(), 0.01);
		}
		rig_close(&r);
	}
	printf("20 m/s in fog: downhill (lane 41, mean grade %.4f) warned %.1f m before the "
	       "curve, uphill (lane 42, grade %.4f) %.1f m\n",
	       g[0], d[0], g[1], d[1]);
	CHECK(g[0] < -0.05 && g[1] > 0.05);
	CHECK(d[0] > d[1] + 20);
}

/* ---- what must not warn ------------------------------------------------ */

static void below_advisory(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0);
	double va = v_curve(f, hp, F_DRY);
	double speeds[] = { 6, va + 0.9 };
	int64_t now = T0;
	struct rig r;

	if (!CHECK(cs_open(&r, f) == 0))
		return;
	for (int k = 0; k < 2; k++)
		rig_drive(&r, (uint8_t)(0xD1 + k), 31, 150, hp->s1 + 10, speeds[k], &now);
	printf("below the advisory (%.2f m/s): 6 and %.2f m/s through hairpin 1: %zu warnings\n",
	       va, speeds[1], r.n_w);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK(stats(&r)->curves > 0);
	rig_close(&r);
}

/* The curve of lane with its arc's middle nearest hp's. */
static const struct map_curve *beside(struct field *f, uint32_t lane, const struct map_curve *hp)
{
	const struct map_curve *best = NULL;
	double best_d = INFINITY;

	for (size_t i = 0; i < f->m.n_curves; i++) {
		const struct map_curve *c = &f->m.curves[i];
		double d;
		if (c->lane_id != lane)
			continue;
		d = field_gap(f, lane, (c->arc_s0 + c->arc_s1) / 2, hp->lane_id,
		              (hp->arc_s0 + hp->arc_s1) / 2);
		if (d < best_d) {
			best_d = d;
			best = c;
		}
	}
	return best;
}

/* Ice on hairpin 1 (lane 31); a vehicle in the oncoming lane through the
 * same bend, faster than the icy advisory of lane 31 but below its own
 * lane's dry one. */
static void oncoming(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0), *oc = beside(f, 32, hp);
	double va_ice, va_oc, v;
	int64_t now = T0;
	struct rig r;

	if (!CHECK(oc != NULL) || !CHECK(cs_open(&r, f) == 0))
		return;
	va_ice = v_curve(f, hp, F_ICE);
	va_oc = v_curve(f, oc, F_DRY);
	v = (va_ice + 1 + va_oc) / 2;
	printf("oncoming: curve %u (lane 32, advisory %.2f m/s) is %.1f m from curve %u (icy "
	       "advisory %.2f m/s); driven at %.2f m/s\n",
	       oc->id, va_oc,
	       field_gap(f, 32, (oc->arc_s0 + oc->arc_s1) / 2, 31, (hp->arc_s0 + hp->arc_s1) / 2),
	       hp->id, va_ice, v);
	CHECK(va_ice + 1 < v && v < va_oc);
	CHECK(rig_event(&r, 0x42, EV_ICE, 31, hp->s0, hp->s1, 0, now) != 0);
	rig_drive(&r, 0xD3, 32, oc->s0 - 40, oc->s1 + 20, v, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* On the exit leg of hairpin 1, beside its entry, at 60 km/h: nothing about
 * the hairpin passed; then the warning about hairpin 2, at its distance. */
static void exit_leg(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0), *hp2 = hairpin(f, 31, 1);
	double s_start = hp->s1 + 10, s_mid = hp->s1 + 40, s;
	int64_t now = T0, t_mid;
	struct rig r;

	if (!CHECK(hp2 != NULL) || !CHECK(cs_open(&r, f) == 0))
		return;
	printf("exit leg s %.0f is %.1f m from hairpin 1's start (s %.0f), hairpin 2 starts at "
	       "s %.1f\n",
	       s_mid, field_gap(f, 31, s_mid, 31, hp->s0), hp->s0, hp2->s0);
	CHECK(field_gap(f, 31, s_mid, 31, hp->s0) < 80);
	CHECK(!due(f, hp2, s_mid, V60, v_curve(f, hp2, F_DRY)));
	rig_drive(&r, 0xD4, 31, s_start, s_mid, V60, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	t_mid = now;
	s = s_at(s_start, T0, V60, t_mid);
	rig_drive(&r, 0xD4, 31, s, hp2->s0 - 5, V60, &now);
	if (CHECK(r.n_w >= 1)) {
		double s_issue = s_at(s, t_mid, V60, r.w[0].time_us);
		printf("exit leg: warned about hairpin 2 at %.1f m (s %.1f)\n", r.w[0].distance_m,
		       s_issue);
		CHECK_DBL_NEAR(r.w[0].distance_m, hp2->s0 - s_issue, 0.05);
		CHECK_DBL_NEAR(r.w[0].advisory_mps, v_curve(f, hp2, F_DRY), 0.02);
		check_issue_point(f, hp2, s_issue, V60, v_curve(f, hp2, F_DRY));
	}
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* ---- endings ----------------------------------------------------------- */

/* Warned at 60 km/h, the vehicle brakes at 2.5 m/s2 down to 6 m/s: the
 * warning is resolved at the first BSM at or below the advisory + 0.5. */
static void slows_down(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0);
	double va = v_curve(f, hp, F_DRY), s = 150, v = V60;
	int64_t now = T0, t_slow = 0;
	struct rig r;

	if (!CHECK(cs_open(&r, f) == 0))
		return;
	for (; s < hp->s0 + 5; now += RIG_STEP_US) {
		rig_bsm(&r, 0xE1, 31, s, v, NULL, now);
		rig_tick(&r, now);
		if (t_slow == 0 && v <= va + 0.5)
			t_slow = now;
		if (r.n_w > 0)
			v = fmax(6, v - A_COMF * 0.1);
		s += v * 0.1;
	}
	rig_print(&r);
	CHECK(r.n_w >= 1 && r.w[0].issued);
	for (size_t i = 1; i < r.n_w; i++)
		CHECK(rig_material(&r.w[i - 1], &r.w[i]) && !r.w[i].issued);
	if (count_is(r.n_c, 1, "cancellations after slowing")) {
		printf("slowed below %.2f m/s at t %.1f s: cancelled (%s) at t %.1f s\n", va + 0.5,
		       (double)(t_slow - T0) / 1e6, brk_warn_reason_name((size_t)r.c[0].reason),
		       (double)(r.c[0].time_us - T0) / 1e6);
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		CHECK_INT_EQ(r.c[0].time_us, t_slow);
	}
	CHECK_UINT_EQ(stats(&r)->slowed, 1);
	CHECK_UINT_EQ(stats(&r)->passed, 0);
	rig_close(&r);
}

static void goes_silent(struct field *f)
{
	const struct map_curve *hp = hairpin(f, 31, 0);
	int64_t now = T0;
	struct rig r;

	if (!CHECK(cs_open(&r, f) == 0))
		return;
	rig_drive(&r, 0xE2, 31, hp->s0 - 100, hp->s0 - 60, V60, &now);
	CHECK(r.n_w >= 1);
	for (int i = 0; i < 10; i++, now += RIG_STEP_US)
		rig_tick(&r, now);
	CHECK_UINT_EQ(r.n_c, 0);
	for (int i = 0; i < 2; i++, now += RIG_STEP_US)
		rig_tick(&r, now);
	if (count_is(r.n_c, 1, "cancellations after silence"))
		CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST);
	rig_close(&r);
}

/* Hairpins 1 and 2 in a row at 60 km/h: an issue and a RESOLVED
 * cancellation each; without a frame (no positions) the same. */
static void staircase(struct field *f, bool frame)
{
	const struct map_curve *hp = hairpin(f, 31, 0), *hp2 = hairpin(f, 31, 1);
	int64_t now = T0;
	size_t issues = 0;
	struct rig r;

	if (!CHECK(cs_open(&r, f) == 0))
		return;
	if (!frame)
		r.ctx.frame = NULL;
	rig_drive(&r, 0xE3, 31, 150, hp2->arc_s1 + 20, V60, &now);
	for (size_t i = 0; i < r.n_w; i++) {
		const struct map_curve *c = issues == 0 ? hp : hp2;
		CHECK(isnan(r.w[i].lat_deg) == !frame);
		if (!r.w[i].issued)
			continue;
		/* Each issue is about the next hairpin, at its distance. */
		if (issues++ < 2)
			CHECK_DBL_NEAR(r.w[i].distance_m,
			               c->s0 - s_at(150, T0, V60, r.w[i].time_us), 0.05);
	}
	printf("two hairpins at 60 km/h (%s frame): %zu emissions, %zu issues, %zu "
	       "cancellations\n",
	       frame ? "with" : "without", r.n_w, issues, r.n_c);
	CHECK_UINT_EQ(issues, 2);
	if (count_is(r.n_c, 2, "cancellations")) {
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		CHECK_INT_EQ(r.c[1].reason, RESOLVED);
		CHECK(r.c[0].id != r.c[1].id);
	}
	CHECK_UINT_EQ(stats(&r)->passed, 2);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* The configuration table names every field, and a bad one is refused. */
static void config(void)
{
	struct brk_curve_speed_cfg bad = { .decel_mps2 = 6 };
	void *st = NULL;
	char err[256] = "";

	CHECK_UINT_EQ(brk_curve_speed_app.n_params * sizeof(double),
	              sizeof(struct brk_curve_speed_cfg));
	CHECK_UINT_EQ(brk_curve_speed_app.cfg_size, sizeof(struct brk_curve_speed_cfg));
	CHECK_INT_EQ(brk_curve_speed_app.init(&bad, &st, err, sizeof(err)), V2X_ECONFIG);
	printf("bad configuration: %s\n", err);
	CHECK(st == NULL && strstr(err, "hard_decel_mps2") != NULL);
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	config();
	dry_hairpin(&f);
	ice_hairpin(&f);
	fog(&f);
	grade_effect(&f);
	below_advisory(&f);
	oncoming(&f);
	exit_leg(&f);
	slows_down(&f);
	goes_silent(&f);
	staircase(&f, true);
	staircase(&f, false);
	field_close(&f);
	return check_exit();
}
