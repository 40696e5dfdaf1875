/*
 * Speed limit (speed_limit.h) on the generated test field, driven through
 * the rig as the broker core drives the applications: BSMs at 10 Hz, the
 * tick after each, RSI messages carrying speed-limit signs (RTS) handed to
 * the applications as the core hands them.
 *
 * - On the ridge road (lane 11, posted 30 km/h): 33 km/h gives nothing;
 *   40 km/h for 1.5 s gives exactly one issue, 1 s after the first BSM
 *   over the threshold, with the limit as advisory; a speed oscillating
 *   +-1 km/h around the threshold every 0.2 s neither cancels it nor
 *   issues it again; 0.5 s under the limit and back in the band does not
 *   cancel it; 1 s under the limit cancels it RESOLVED, once.  A vehicle
 *   that oscillates around the threshold from the start is never issued.
 * - A sign of 30 km/h on the tunnel road (lane 21, posted 40 km/h): a car
 *   at 38 km/h is warned 1 s after passing it, with advisory 30 km/h and
 *   the RSI as a source; the car on the oncoming lane 22 past the same
 *   place is not (matched lane only); at the sign's end time the limit is
 *   40 km/h again and the warning is cancelled RESOLVED at once.
 * - A sign without end time heard once lasts its hold (10 s); a sign whose
 *   description holds no number is ignored.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "broker/apps/app.h"
#include "broker/apps/speed_limit/speed_limit.h"
#include "broker/apps/tests/rig.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0     FIELD_T0_US
#define TYPE   V2X__WIRE__WARNING_TYPE__WARNING_TYPE_SPEED_LIMIT
#define KMH(v) ((v) / 3.6)
/* Numbers on the wire are floats. */
#define WIRE_TOL 1e-4

static const struct brk_app_entry apps[] = { { &brk_speed_limit_app, NULL } };

static const struct brk_speed_limit_stats *stats(const struct rig *r)
{
	return brk_speed_limit_stats(brk_apps_state(r->apps, 0));
}

/* Every emission after the first of warning i0's id is a material change
 * or the lifecycle's extension of its 30 s expiry (re-sent 1 s before). */
static void check_updates(const struct rig *r, size_t i0)
{
	size_t prev = i0;

	for (size_t i = i0 + 1; i < r->n_w; i++) {
		if (r->w[i].id != r->w[i0].id)
			continue;
		CHECK(!r->w[i].issued);
		if (!rig_material(&r->w[prev], &r->w[i]))
			CHECK(r->w[i].time_us - r->w[prev].time_us >= 29000000);
		prev = i;
	}
}

/* Drives vid on lane from *s at v for n BSMs (and ticks), 10 Hz. */
static void run(struct rig *r, uint8_t vid, uint32_t lane, double *s, double v, int n, int64_t *now)
{
	for (int i = 0; i < n; i++) {
		rig_bsm(r, vid, lane, *s, v, NULL, *now);
		rig_tick(r, *now);
		*now += RIG_STEP_US;
		*s += v * RIG_STEP_US / 1e6;
	}
}

/* ---- the map's limit on the ridge road --------------------------------- */

static void ridge(struct field *f)
{
	struct rig r;
	int64_t now = T0, t_over, t_under;
	double s = 20, s_issue = 0;
	struct field_point p;
	size_t n_issue, first;

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	/* 3 km/h over: inside the margin. */
	run(&r, 0x11, 11, &s, KMH(33), 30, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	/* 10 km/h over for 1.5 s: issued once, after 1 s. */
	s = 20;
	t_over = now;
	run(&r, 0x12, 11, &s, KMH(40), 15, &now);
	printf("ridge, 40 km/h on a 30 km/h lane for 1.5 s:\n");
	rig_print(&r);
	if (!CHECK(r.n_w == 1))
		goto out;
	CHECK(r.w[0].issued);
	CHECK_INT_EQ(r.w[0].type, TYPE);
	CHECK_INT_EQ(r.w[0].time_us, t_over + 1000000);
	CHECK_DBL_NEAR(r.w[0].advisory_mps, KMH(30), WIRE_TOL);
	CHECK_DBL_NEAR(r.w[0].distance_m, 0, WIRE_TOL);
	CHECK_DBL_NEAR(r.w[0].tte_s, 0, WIRE_TOL);
	CHECK_INT_EQ(r.w[0].severity, V2X__WIRE__SEVERITY__SEVERITY_ADVISORY); /* 33 % over */
	CHECK_UINT_EQ(r.w[0].n_sources, 1);
	CHECK_STR_EQ(r.w[0].text, "Speed limit 30 km/h: 40 km/h");
	s_issue = 20 + 10 * KMH(40) * 0.1;
	CHECK_INT_EQ(field_at(f, 11, s_issue, &p), 0);
	CHECK_DBL_NEAR(r.w[0].lat_deg, p.lat_deg, 1e-7);
	/* +-1 km/h around the 35 km/h threshold every 0.2 s for 4 s. */
	for (int k = 0; k < 10; k++) {
		run(&r, 0x12, 11, &s, KMH(36), 2, &now);
		run(&r, 0x12, 11, &s, KMH(34), 2, &now);
	}
	n_issue = 0;
	for (size_t i = 0; i < r.n_w; i++)
		n_issue += r.w[i].issued;
	printf("after 4 s oscillating 34/36 km/h: %zu emissions (%zu issues), %zu "
	       "cancellations\n",
	       r.n_w, n_issue, r.n_c);
	CHECK_UINT_EQ(n_issue, 1);
	CHECK(r.n_w <= 2);
	CHECK_UINT_EQ(r.n_c, 0);
	/* Under the limit for 0.5 s, then back in the band: held. */
	run(&r, 0x12, 11, &s, KMH(28), 5, &now);
	run(&r, 0x12, 11, &s, KMH(32), 10, &now);
	CHECK_UINT_EQ(r.n_c, 0);
	/* Under the limit for 1.5 s: cancelled after 1 s. */
	t_under = now;
	run(&r, 0x12, 11, &s, KMH(25), 15, &now);
	rig_print(&r);
	if (CHECK(r.n_c == 1)) {
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
		CHECK_INT_EQ(r.c[0].time_us, t_under + 1000000);
	}
	check_updates(&r, 0);
	/* Oscillating around the threshold from the start: never 1 s over. */
	s = 20;
	for (int k = 0; k < 15; k++) {
		run(&r, 0x13, 11, &s, KMH(36), 2, &now);
		run(&r, 0x13, 11, &s, KMH(34), 2, &now);
	}
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0x13, NULL), 0);
	/* 5.6 km/h over (under 20 %) for 1.2 s: issued as INFO. */
	s = 20;
	run(&r, 0x14, 11, &s, KMH(35.6), 12, &now);
	if (CHECK(rig_count(&r, TYPE, 0x14, &first) == 1))
		CHECK_INT_EQ(r.w[first].severity, V2X__WIRE__SEVERITY__SEVERITY_INFO);
	CHECK_UINT_EQ(stats(&r)->issued, 2);
	CHECK_UINT_EQ(stats(&r)->cleared, 1);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 1);
out:
	rig_close(&r);
}

/* ---- temporary limits from RSI signs ----------------------------------- */

/* The point s along lane, right_m to the right of travel. */
static struct field_point roadside(struct field *f, uint32_t lane, double s, double right_m)
{
	struct field_point p;
	double h;

	CHECK_INT_EQ(field_at(f, lane, s, &p), 0);
	h = p.heading_deg * M_PI / 180;
	p.x += cos(h) * right_m;
	p.y -= sin(h) * right_m;
	CHECK_INT_EQ(map_frame_to_wgs84(f->frame, p.x, p.y, &p.lat_deg, &p.lon_deg), 0);
	return p;
}

/* An RSI from RSU "cq-rsu-a" with one speed-limit sign (signType 85) at p
 * whose description is text (kind), heard at now_us, as the core hands
 * it: the hazard table first, then the applications. */
static void rig_sign(struct rig *r, uint8_t sender, const struct field_point *p, uint8_t kind,
                     const char *text, double end_moy_s, int64_t now_us)
{
	char desc[64];
	size_t n = (size_t)snprintf(desc, sizeof(desc), "%s", text);
	struct v2x_rts rts = { .id = 7,
		               .sign_type = 85,
		               .has_pos = true,
		               .pos = field_llv(p),
		               .description = { kind, n, (uint8_t *)desc },
		               .has_time = end_moy_s > 0,
		               .time = { .has_end = end_moy_s > 0, .end_moy_s = end_moy_s } };
	struct v2x_rsi rsi = { .n_rtss = 1, .rtss = &rts };

	memset(rsi.id, sender, V2X_ID_LEN);
	rsi.ref_pos = (struct v2x_pos3d){ p->lat_deg, p->lon_deg, true, p->z };
	rig_rsi(r, &rsi, NULL, now_us);
}

/* Which lane the sign's point matches, for the log. */
static void show_match(struct field *f, const struct field_point *p)
{
	struct map_index_query q = { p->x, p->y, p->z, NAN };
	struct map_index_match m;

	CHECK_INT_EQ(map_index_match(f->idx, &q, NULL, &m), 0);
	printf("sign 3 m right of lane 21 s 100: matches lane %u s %.1f, %.2f m left of it\n",
	       m.lane_id, m.s, m.lateral_m);
	CHECK_UINT_EQ(m.lane_id, 21);
}

/* "限速30" in GB2312 (限 CF DE, 速 CB D9). */
static const char gb_limit30[] = "\xcf\xde\xcb\xd9"
                                 "30";

static void sign_on_tunnel_road(struct field *f)
{
	struct field_point p = roadside(f, 21, 100, 3);
	struct map_index_lane l22;
	struct rig r;
	int64_t now = T0, t_sign = 0;
	double s21 = 50, s22 = 0, v = KMH(38);
	size_t first;

	CHECK_INT_EQ(map_index_lane(f->idx, 22, &l22), 0);
	s22 = l22.length_m - 200; /* beside lane 21 s ~ 170, then on past s 100 */
	show_match(f, &p);
	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	rig_sign(&r, 0x51, &p, V2X_TEXT_GB2312, gb_limit30, field_moy_s(T0) + 60, now);
	CHECK_UINT_EQ(stats(&r)->signs_placed, 1);
	/* Both cars at 38 km/h: 2 km/h under the posted 40, 8 over the sign. */
	for (int i = 0; i < 640; i++, now += RIG_STEP_US) {
		rig_bsm(&r, 0x52, 21, s21, v, NULL, now);
		if (s22 < l22.length_m - 5)
			rig_bsm(&r, 0x53, 22, s22, v, NULL, now);
		rig_tick(&r, now);
		if (!t_sign && s21 >= 100)
			t_sign = now;
		s21 += v * RIG_STEP_US / 1e6;
		s22 += v * RIG_STEP_US / 1e6;
	}
	rig_print(&r);
	printf("oncoming car on lane 22 drove s %.0f..%.0f past the sign's place (s ~%.0f)\n",
	       l22.length_m - 200, fmin(s22, l22.length_m - 5), l22.length_m - 100);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0x53, NULL), 0);
	if (CHECK(rig_count(&r, TYPE, 0x52, &first) >= 1)) {
		CHECK(r.w[first].issued);
		check_updates(&r, first);
		CHECK_INT_EQ(r.w[first].time_us, t_sign + 1000000);
		CHECK_DBL_NEAR(r.w[first].advisory_mps, KMH(30), WIRE_TOL);
		CHECK_INT_EQ(r.w[first].severity,
		             V2X__WIRE__SEVERITY__SEVERITY_ADVISORY); /* 27 % */
		CHECK_UINT_EQ(r.w[first].n_sources, 2);
		CHECK_STR_EQ(r.w[first].src0, "cq-rsu-b");
		CHECK_STR_EQ(r.w[first].src1, "cq-rsu-a");
		CHECK_STR_EQ(r.w[first].text, "Speed limit 30 km/h (temporary sign): 38 km/h");
	}
	/* The sign's end (a minute after T0): the limit rises to 40 km/h and
	 * the warning ends at the first BSM at the end time. */
	if (CHECK(r.n_c == 1)) {
		CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
		CHECK_INT_EQ(r.c[0].time_us, T0 + 60000000);
	}
	CHECK_UINT_EQ(stats(&r)->signs_ended, 1);
	CHECK_UINT_EQ(stats(&r)->signs_live, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* A sign without end time, heard once, lasts 10 s; one without a number
 * in its description, or of another sign type, is no limit. */
static void sign_hold(struct field *f)
{
	struct field_point p = roadside(f, 21, 100, 3);
	struct rig r;
	int64_t now = T0;
	double s = 110;

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	rig_sign(&r, 0x61, &p, V2X_TEXT_IA5, "no limit", 0, now);
	CHECK_UINT_EQ(stats(&r)->signs_bad, 1);
	rig_sign(&r, 0x62, &p, V2X_TEXT_IA5, "limit 25", 0, now);
	CHECK_UINT_EQ(stats(&r)->signs_placed, 1);
	/* Heard again unchanged: refreshed, not placed again; a map change
	 * places it again. */
	rig_sign(&r, 0x62, &p, V2X_TEXT_IA5, "limit 25", 0, now);
	CHECK_UINT_EQ(stats(&r)->signs_placed, 1);
	brk_apps_map_changed(r.apps, &r.ctx);
	CHECK_UINT_EQ(stats(&r)->signs_placed, 2);
	CHECK_UINT_EQ(stats(&r)->signs_live, 1);
	run(&r, 0x63, 21, &s, KMH(38), 130, &now);
	rig_print(&r);
	CHECK_UINT_EQ(stats(&r)->issued, 1);
	if (CHECK(rig_count(&r, TYPE, 0x63, NULL) == 1)) {
		CHECK_DBL_NEAR(r.w[0].advisory_mps, KMH(25), WIRE_TOL);
		CHECK_INT_EQ(r.w[0].severity, V2X__WIRE__SEVERITY__SEVERITY_ADVISORY); /* 52 % */
		CHECK_INT_EQ(r.w[0].time_us, T0 + 1000000);
	}
	if (CHECK(r.n_c == 1)) {
		CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
		CHECK_INT_EQ(r.c[0].time_us, T0 + 10000000);
	}
	rig_close(&r);
}

static void bad_config(void)
{
	struct brk_speed_limit_cfg cfg = { .sign_type = 85.5 };
	void *st = NULL;
	char err[200] = "";

	CHECK_INT_EQ(brk_speed_limit_app.init(&cfg, &st, err, sizeof(err)), V2X_ECONFIG);
	printf("bad config: %s\n", err);
	CHECK(st == NULL && err[0] != '\0');
	CHECK_UINT_EQ(brk_speed_limit_app.n_params, 8);
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	ridge(&f);
	sign_on_tunnel_road(&f);
	sign_hold(&f);
	bad_config();
	field_close(&f);
	return check_exit();
}
