/*
 * The SPAT table: the SPAT's time from MinuteOfTheYear and DSecond (and
 * across the year's end), countdown and UTC timings in absolute time,
 * lookup by (intersection, signal group), an older SPAT not replacing a
 * newer one, a full table, expiry bounded per sweep, metrics.
 */
#include <math.h>
#include <string.h>

#include "broker/state/spat.h"
#include "runtime/err.h"
#include "tests/check.h"

#define S_US 1000000LL
/* 2026-11-26T12:00:00Z and its minute of the year. */
#define T0_US  1795694400000000LL
#define T0_MOY 474480.0
/* 2027-01-01T00:00:00Z; 2026-12-31T23:59 is minute 525599 of 2026. */
#define NEWYEAR_US  1798761600000000LL
#define LAST_MINUTE 525599.0

static const struct brk_rsu_key rsu1 = { 1 }, rsu2 = { 2 };

static void spat_time(void)
{
	struct v2x_spat sp = {
		.has_moy = true, .moy_s = T0_MOY * 60, .has_timestamp = true, .timestamp_s = 4.5
	};
	struct v2x_intersection_state is = { 0 };
	bool from_rx = true;

	CHECK_INT_EQ(brk_spat_time_us(&sp, NULL, T0_US + 5 * S_US, &from_rx), T0_US + 4500000);
	CHECK(!from_rx);
	/* The intersection's own fields win over the SPAT's. */
	is.has_moy = true;
	is.moy_s = (T0_MOY + 1) * 60;
	is.has_timestamp = true;
	is.timestamp_s = 0.25;
	CHECK_INT_EQ(brk_spat_time_us(&sp, &is, T0_US + 61 * S_US, NULL), T0_US + 60250000);
	/* Sent in the last second of 2026, received in 2027. */
	sp.moy_s = LAST_MINUTE * 60;
	sp.timestamp_s = 59.9;
	CHECK_INT_EQ(brk_spat_time_us(&sp, NULL, NEWYEAR_US + 200000, NULL), NEWYEAR_US - 100000);
	/* And the reverse: a clock ahead sends 00:00:00.1 of 2027 in 2026. */
	sp.moy_s = 0;
	sp.timestamp_s = 0.1;
	CHECK_INT_EQ(brk_spat_time_us(&sp, NULL, NEWYEAR_US - 200000, NULL), NEWYEAR_US + 100000);
	/* No moy: the timestamp in the nearest minute (here the one before). */
	sp.has_moy = false;
	sp.timestamp_s = 59.9;
	CHECK_INT_EQ(brk_spat_time_us(&sp, NULL, T0_US + 200000, NULL), T0_US - 100000);
	/* Neither: the receipt. */
	sp.has_timestamp = false;
	CHECK_INT_EQ(brk_spat_time_us(&sp, NULL, T0_US + 7, &from_rx), T0_US + 7);
	CHECK(from_rx);
	/* An unavailable timestamp leaves the minute. */
	sp.has_moy = true;
	sp.moy_s = T0_MOY * 60;
	sp.has_timestamp = true;
	sp.timestamp_s = NAN;
	CHECK_INT_EQ(brk_spat_time_us(&sp, NULL, T0_US + 5 * S_US, &from_rx), T0_US);
	CHECK(!from_rx);
}

static void timing(void)
{
	struct v2x_timing tm = { .kind = V2X_TIMING_COUNTING,
		                 .start_s = 0,
		                 .has_min_end = true,
		                 .min_end_s = 5,
		                 .likely_end_s = 12.3 };
	struct brk_spat_timing out;
	int64_t t = T0_US + 4500000;

	brk_spat_timing(&tm, t, &out);
	CHECK(out.has_start && out.has_min_end && out.has_likely_end && !out.has_max_end);
	CHECK_INT_EQ(out.start_us, t);
	CHECK_INT_EQ(out.min_end_us, t + 5 * S_US);
	CHECK_INT_EQ(out.likely_end_us, t + 12300000);
	tm.likely_end_s = NAN; /* the invalid value 36001 */
	brk_spat_timing(&tm, t, &out);
	CHECK(!out.has_likely_end);
	/* UTC timing, seconds within the hour: 12:59:50 + "10 s into the
	 * hour" is 13:00:10; from 13:00:05, "3595 s" is 12:59:55. */
	tm = (struct v2x_timing){ .kind = V2X_TIMING_UTC,
		                  .start_s = 3590,
		                  .likely_end_s = 10,
		                  .has_max_end = true,
		                  .max_end_s = 25 };
	t = T0_US + 3590 * S_US;
	brk_spat_timing(&tm, t, &out);
	CHECK_INT_EQ(out.start_us, T0_US + 3590 * S_US);
	CHECK_INT_EQ(out.likely_end_us, T0_US + 3610 * S_US);
	CHECK_INT_EQ(out.max_end_us, T0_US + 3625 * S_US);
	tm.start_s = 3595;
	brk_spat_timing(&tm, T0_US + 3605 * S_US, &out);
	CHECK_INT_EQ(out.start_us, T0_US + 3595 * S_US);
	tm.kind = V2X_ENUM_UNRECOGNISED;
	brk_spat_timing(&tm, t, &out);
	CHECK(!out.has_start && !out.has_likely_end && !out.has_max_end);
}

/* A SPAT of one intersection (region 500, id 1) with groups 1..n, group g
 * in light `light` ending `end_s` after the SPAT's time. */
struct spat_buf {
	struct v2x_spat sp;
	struct v2x_intersection_state is;
	struct v2x_phase ph[8];
	struct v2x_phase_state st[8];
};

static void make_spat(struct spat_buf *b, size_t n, uint8_t light, double ts, double end_s)
{
	memset(b, 0, sizeof(*b));
	b->sp.n_intersections = 1;
	b->sp.intersections = &b->is;
	b->is.id = (struct v2x_node_ref){ .has_region = true, .region = 500, .id = 1 };
	b->is.has_moy = true;
	b->is.moy_s = T0_MOY * 60;
	b->is.has_timestamp = true;
	b->is.timestamp_s = ts;
	b->is.n_phases = n;
	b->is.phases = b->ph;
	for (size_t i = 0; i < n; i++) {
		b->ph[i] = (struct v2x_phase){ .id = (uint8_t)(i + 1),
			                       .n_states = 1,
			                       .states = &b->st[i] };
		b->st[i] = (struct v2x_phase_state){ .light = light, .has_timing = true };
		b->st[i].timing = (struct v2x_timing){ .kind = V2X_TIMING_COUNTING,
			                               .start_s = NAN,
			                               .likely_end_s = end_s };
	}
}

static struct brk_spat *table(size_t capacity, int64_t max_age_us)
{
	struct brk_spat_cfg cfg = { .capacity = capacity, .max_age_us = max_age_us };
	struct brk_spat *s = NULL;

	CHECK_INT_EQ(brk_spat_new(&cfg, &s), 0);
	return s;
}

static void update_lookup(void)
{
	struct brk_spat *s = table(8, 0);
	struct spat_buf b;
	const struct brk_spat_signal *sig;
	struct brk_spat_key k2 = { 500, 1, 2 };

	make_spat(&b, 3, V2X_LIGHT_RED, 10.0, 20.0);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, rsu1, T0_US + 10100000, 1), 3);
	sig = brk_spat_find(s, k2);
	if (CHECK(sig)) {
		CHECK_INT_EQ(sig->light, V2X_LIGHT_RED);
		CHECK_INT_EQ(sig->time_us, T0_US + 10 * S_US);
		CHECK(sig->timing.has_likely_end && !sig->timing.has_start);
		CHECK_INT_EQ(sig->timing.likely_end_us, T0_US + 30 * S_US);
		CHECK_INT_EQ(sig->rsu.v, 1);
		CHECK_INT_EQ(sig->rx_us, T0_US + 10100000);
	}
	CHECK(brk_spat_find(s, (struct brk_spat_key){ 500, 1, 4 }) == NULL);
	CHECK(brk_spat_find(s, (struct brk_spat_key){ 0, 1, 2 }) == NULL);
	/* Newer, from RSU 2: green. */
	make_spat(&b, 3, V2X_LIGHT_PROTECTED_GREEN, 10.1, 5.0);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, rsu2, T0_US + 10200000, 2), 3);
	sig = brk_spat_find(s, k2);
	CHECK(sig && sig->light == V2X_LIGHT_PROTECTED_GREEN && sig->rsu.v == 2);
	/* RSU 1's copy of the older SPAT arrives late: ignored. */
	make_spat(&b, 3, V2X_LIGHT_RED, 10.0, 20.0);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, rsu1, T0_US + 10300000, 3), 0);
	sig = brk_spat_find(s, k2);
	CHECK(sig && sig->light == V2X_LIGHT_PROTECTED_GREEN);
	CHECK_UINT_EQ(brk_spat_stats(s)->stale, 3);
	CHECK_UINT_EQ(brk_spat_stats(s)->signals, 6);
	CHECK_UINT_EQ(brk_spat_stats(s)->live, 3);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, (struct brk_rsu_key){ 0 }, T0_US, 4), V2X_EINVAL);
	CHECK_UINT_EQ(brk_spat_stats(s)->invalid, 1);
	brk_spat_free(s);
}

static void full_and_expiry(void)
{
	struct brk_spat *s = table(4, S_US);
	struct spat_buf b;

	make_spat(&b, 6, V2X_LIGHT_RED, 1.0, 3.0);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, rsu1, T0_US + S_US, 0), 4);
	CHECK_UINT_EQ(brk_spat_stats(s)->full, 2);
	CHECK(brk_spat_find(s, (struct brk_spat_key){ 500, 1, 5 }) == NULL);
	/* Groups 1 and 2 refreshed at 0.8 s; at 1.5 s 3 and 4 are too old.
	 * A sweep looks at 3 entries, then goes on from there. */
	make_spat(&b, 2, V2X_LIGHT_RED, 1.8, 3.0);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, rsu1, T0_US + 1800000, 800000), 2);
	CHECK_UINT_EQ(brk_spat_sweep(s, 1500000, 3), 1);
	CHECK_UINT_EQ(brk_spat_sweep(s, 1500000, 3), 1);
	CHECK_UINT_EQ(brk_spat_sweep(s, 1500000, 3), 0);
	CHECK_UINT_EQ(brk_spat_stats(s)->expired, 2);
	CHECK_UINT_EQ(brk_spat_stats(s)->live, 2);
	CHECK(brk_spat_find(s, (struct brk_spat_key){ 500, 1, 3 }) == NULL);
	CHECK(brk_spat_find(s, (struct brk_spat_key){ 500, 1, 1 }) != NULL);
	/* The freed entries take new groups. */
	make_spat(&b, 6, V2X_LIGHT_RED, 2.0, 3.0);
	CHECK_INT_EQ(brk_spat_update(s, &b.sp, rsu1, T0_US + 2 * S_US, 1600000), 4);
	CHECK_UINT_EQ(brk_spat_sweep(s, 10 * S_US, 100), 4);
	CHECK_UINT_EQ(brk_spat_stats(s)->live, 0);
	brk_spat_free(s);
}

static void metrics(void)
{
	struct brk_spat *s = table(4, 0);
	struct v2x_metrics m;
	struct v2x_metrics_buf out = { 0 };
	struct spat_buf b;
	char err[128];

	make_spat(&b, 2, V2X_LIGHT_RED, 1.0, 3.0);
	brk_spat_update(s, &b.sp, rsu1, T0_US + S_US, 0);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(brk_spat_metrics_add(s, &m, NULL, 0, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &out), 0);
	CHECK(out.data && strstr(out.data, "v2x_broker_spat_signals_total{outcome=\"applied\"} 2"));
	CHECK(out.data && strstr(out.data, "v2x_broker_spat_live 2"));
	v2x_metrics_buf_fini(&out);
	v2x_metrics_fini(&m);
	brk_spat_free(s);
}

int main(void)
{
	struct brk_spat_cfg bad = { 0 };
	struct brk_spat *s = NULL;

	CHECK_INT_EQ(brk_spat_new(&bad, &s), V2X_EINVAL);
	brk_spat_free(NULL);
	spat_time();
	timing();
	update_lookup();
	full_and_expiry();
	metrics();
	return check_exit();
}
