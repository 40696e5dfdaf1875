/*
 * validate: each rule on the samples of every type (position, motion,
 * time), the minute wrap of secMark, the year wrap of MinuteOfTheYear,
 * checks turned off, and the configuration's errors.  The duplicate table
 * is off here (test_validate_dedup covers it).
 */
#include <math.h>
#include <string.h>

#include "codecs/samples.h"
#include "rsu-agent/ingest/tests/test_ingest_util.h"
#include "rsu-agent/ingest/validate.h"
#include "runtime/arena.h"
#include "tests/check.h"

#define MIN_US 60000000LL

static struct v2x_arena arena;

/* The Chongqing deployment's box, no duplicate table. */
static struct agent_validate *make(void (*tweak)(struct agent_validate_config *))
{
	struct agent_validate_config cfg;
	struct agent_validate *v = NULL;

	agent_validate_config_default(&cfg);
	cfg.south_deg = 29.0;
	cfg.north_deg = 30.5;
	cfg.west_deg = 105.5;
	cfg.east_deg = 107.5;
	cfg.dup_window_ms = 0;
	if (tweak)
		tweak(&cfg);
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), 0);
	return v;
}

static struct v2x_msg sample(enum v2x_msg_type type)
{
	struct v2x_msg m;

	memset(&m, 0, sizeof(m));
	CHECK_INT_EQ(v2x_sample_build(type, &arena, &m), 0);
	return m;
}

/* The start of the minute the BSM sample's secMark (31.25 s) is in. */
static int64_t minute_us(void)
{
	return ti_utc_us(2025, 11, 26, 12, 10, 0, 0);
}

static enum agent_validate_cause check(struct agent_validate *v, const struct v2x_msg *m,
                                       int64_t rx_us)
{
	return agent_validate_check(v, m, 0, rx_us);
}

static void test_bsm(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t fresh = minute_us() + 31300000;

	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OK);
	m.u.bsm.pos.lat_deg = 39.97; /* Beijing */
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OUT_OF_BOUNDS);
	m.u.bsm.pos.lat_deg = 29.6;
	m.u.bsm.pos.lon_deg = 105.4;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OUT_OF_BOUNDS);
	m.u.bsm.pos.lon_deg = NAN;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_NO_POSITION);
	m = sample(V2X_MSG_BSM);
	m.u.bsm.speed_mps = 70.0;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OK);
	m.u.bsm.speed_mps = 70.5;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_IMPLAUSIBLE_SPEED);
	m.u.bsm.speed_mps = NAN;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OK);
	m.u.bsm.accel.lon_mps2 = -16.0;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_IMPLAUSIBLE_ACCEL);
	m.u.bsm.accel.lon_mps2 = NAN;
	m.u.bsm.accel.lat_mps2 = 15.5;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_IMPLAUSIBLE_ACCEL);
	m.u.bsm.accel.lat_mps2 = -14.9;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OK);
	agent_validate_free(v);
}

static void test_sec_mark(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t t0 = minute_us();

	/* secMark 31.25 s: 1.75 s old, 1.0 s old, 0.75 s ahead, 0.45 s ahead. */
	CHECK_INT_EQ(check(v, &m, t0 + 33000000), AGENT_VALIDATE_STALE);
	CHECK_INT_EQ(check(v, &m, t0 + 32250000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t0 + 32251000), AGENT_VALIDATE_STALE);
	CHECK_INT_EQ(check(v, &m, t0 + 30500000), AGENT_VALIDATE_FUTURE);
	CHECK_INT_EQ(check(v, &m, t0 + 30800000), AGENT_VALIDATE_OK);
	/* The same secMark a minute later is the same time of the minute. */
	CHECK_INT_EQ(check(v, &m, t0 + MIN_US + 31300000), AGENT_VALIDATE_OK);
	/* Unavailable: not checked. */
	m.u.bsm.sec_mark_s = NAN;
	CHECK_INT_EQ(check(v, &m, t0 + 5000000), AGENT_VALIDATE_OK);
	agent_validate_free(v);
}

/* secMark 59 900 received at 00.100 of the next minute: 0.2 s old. */
static void test_minute_wrap(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t next_minute = minute_us() + MIN_US;

	m.u.bsm.sec_mark_s = 59.9;
	CHECK_INT_EQ(check(v, &m, next_minute + 100000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, next_minute + 900000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, next_minute + 1000000), AGENT_VALIDATE_STALE);
	/* The other way: secMark 0.3 s received at 59.9 s: 0.4 s ahead. */
	m.u.bsm.sec_mark_s = 0.3;
	CHECK_INT_EQ(check(v, &m, next_minute - 100000), AGENT_VALIDATE_OK);
	m.u.bsm.sec_mark_s = 0.5;
	CHECK_INT_EQ(check(v, &m, next_minute - 100000), AGENT_VALIDATE_FUTURE);
	/* A leap second (60.5 s) at 00.2 s reads as 59.999 s: fresh. */
	m.u.bsm.sec_mark_s = 60.5;
	CHECK_INT_EQ(check(v, &m, next_minute + 200000), AGENT_VALIDATE_OK);
	agent_validate_free(v);
}

static void test_rsm(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_RSM);
	struct v2x_participant *p = &m.u.rsm.participants[1];
	int64_t fresh = minute_us() + 31300000;

	CHECK(m.u.rsm.n_participants >= 2);
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OK);
	p->pos.lat_deg = 31.0;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OUT_OF_BOUNDS);
	m = sample(V2X_MSG_RSM);
	m.u.rsm.ref_pos.lat_deg = NAN;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_NO_POSITION);
	m = sample(V2X_MSG_RSM);
	p = &m.u.rsm.participants[1];
	p->speed_mps = 90;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_IMPLAUSIBLE_SPEED);
	p->speed_mps = 3;
	p->has_accel = true;
	p->accel.lon_mps2 = 0;
	p->accel.lat_mps2 = 30;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_IMPLAUSIBLE_ACCEL);
	p->has_accel = false; /* an absent acceleration is not looked at */
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_OK);
	p->sec_mark_s = 25.0;
	CHECK_INT_EQ(check(v, &m, fresh), AGENT_VALIDATE_STALE);
	agent_validate_free(v);
}

/* The samples' MinuteOfTheYear is 475970 (2025-11-27T12:50Z). */
static int64_t moy_minute_us(void)
{
	return ti_utc_us(2025, 1, 1, 0, 0, 0, 0) + 475970LL * MIN_US;
}

static void test_map(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_MAP);
	int64_t t = moy_minute_us();

	CHECK_INT_EQ(check(v, &m, t + 30000000), AGENT_VALIDATE_OK);
	/* Minute resolution: up to max_age_moy (120 s) from the minute's start. */
	CHECK_INT_EQ(check(v, &m, t + 119000000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t + 121000000), AGENT_VALIDATE_STALE);
	CHECK_INT_EQ(check(v, &m, t - 400000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t - 600000), AGENT_VALIDATE_FUTURE);
	m.u.map.nodes[m.u.map.n_nodes - 1].ref_pos.lon_deg = 110;
	CHECK_INT_EQ(check(v, &m, t + 30000000), AGENT_VALIDATE_OUT_OF_BOUNDS);
	m = sample(V2X_MSG_MAP);
	m.u.map.has_timestamp = false;
	CHECK_INT_EQ(check(v, &m, t + 3600 * 1000000LL), AGENT_VALIDATE_OK);
	agent_validate_free(v);
}

static void test_rsi(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_RSI);
	int64_t t = ti_utc_us(2025, 1, 1, 0, 0, 0, 0) + (int64_t)(m.u.rsi.moy_s * 1e6);

	CHECK_INT_EQ(check(v, &m, t + 90000000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t + 200000000), AGENT_VALIDATE_STALE);
	CHECK_INT_EQ(check(v, &m, t - 120000000), AGENT_VALIDATE_FUTURE);
	m.u.rsi.ref_pos.lat_deg = 20;
	CHECK_INT_EQ(check(v, &m, t + 90000000), AGENT_VALIDATE_OUT_OF_BOUNDS);
	agent_validate_free(v);
}

static void test_spat(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_SPAT);
	/* moy 475970 and timeStamp 12.3 s: a full time, to the ms. */
	int64_t t = moy_minute_us() + 12300000;

	CHECK_INT_EQ(check(v, &m, t + 200000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t + 1500000), AGENT_VALIDATE_STALE);
	CHECK_INT_EQ(check(v, &m, t - 700000), AGENT_VALIDATE_FUTURE);
	/* A wrong minute is no longer hidden by the circle of a minute. */
	CHECK_INT_EQ(check(v, &m, t + MIN_US), AGENT_VALIDATE_STALE);
	/* Without moy, timeStamp alone is a DSecond. */
	m.u.spat.has_moy = false;
	CHECK_INT_EQ(check(v, &m, t + MIN_US + 200000), AGENT_VALIDATE_OK);
	/* Neither at the message: each intersection's own time. */
	m.u.spat.has_timestamp = false;
	for (size_t i = 0; i < m.u.spat.n_intersections; i++) {
		struct v2x_intersection_state *x = &m.u.spat.intersections[i];
		x->has_moy = true;
		x->moy_s = 475970.0 * 60;
		x->has_timestamp = true;
		x->timestamp_s = 12.3;
	}
	CHECK_INT_EQ(check(v, &m, t + 200000), AGENT_VALIDATE_OK);
	m.u.spat.intersections[m.u.spat.n_intersections - 1].timestamp_s = 10.0;
	CHECK_INT_EQ(check(v, &m, t + 200000), AGENT_VALIDATE_STALE);
	agent_validate_free(v);
}

/* MinuteOfTheYear across New Year, in a common and after a leap year. */
static void test_year_wrap(void)
{
	struct agent_validate *v = make(NULL);
	struct v2x_msg rsi = sample(V2X_MSG_RSI);
	struct v2x_msg spat = sample(V2X_MSG_SPAT);

	/* 2025-12-31T23:59 (minute 525599 of a common year) heard at
	 * 2026-01-01T00:00:30: 90 s from the minute's start, not a year ahead. */
	rsi.u.rsi.moy_s = 525599.0 * 60;
	CHECK_INT_EQ(check(v, &rsi, ti_utc_us(2026, 1, 1, 0, 0, 30, 0)), AGENT_VALIDATE_OK);
	/* 2024 was a leap year: its last minute is 527039. */
	rsi.u.rsi.moy_s = 527039.0 * 60;
	CHECK_INT_EQ(check(v, &rsi, ti_utc_us(2025, 1, 1, 0, 0, 20, 0)), AGENT_VALIDATE_OK);
	/* Minute 0 heard 0.2 s before New Year: 0.2 s ahead, not a year old. */
	rsi.u.rsi.moy_s = 0;
	CHECK_INT_EQ(check(v, &rsi, ti_utc_us(2025, 12, 31, 23, 59, 59, 800)), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &rsi, ti_utc_us(2025, 12, 31, 23, 59, 59, 0)), AGENT_VALIDATE_FUTURE);
	/* SPAT at 23:59:59.500 of 31 December heard at 00:00:00.100. */
	spat.u.spat.moy_s = 525599.0 * 60;
	spat.u.spat.timestamp_s = 59.5;
	CHECK_INT_EQ(check(v, &spat, ti_utc_us(2026, 1, 1, 0, 0, 0, 100)), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &spat, ti_utc_us(2026, 1, 1, 0, 0, 1, 0)), AGENT_VALIDATE_STALE);
	agent_validate_free(v);
}

static void no_limits(struct agent_validate_config *cfg)
{
	cfg->max_speed_mps = 0;
	cfg->max_accel_mps2 = 0;
	cfg->max_age_ms = 0;
	cfg->max_future_ms = 0;
	cfg->max_age_moy_ms = 0;
}

static void test_turned_off(void)
{
	struct agent_validate *v = make(no_limits);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	struct v2x_msg map = sample(V2X_MSG_MAP);

	m.u.bsm.speed_mps = 150;
	m.u.bsm.accel.lon_mps2 = 40;
	CHECK_INT_EQ(check(v, &m, minute_us() + 5000000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &map, 0), AGENT_VALIDATE_OK);
	m.u.bsm.pos.lat_deg = 0;
	CHECK_INT_EQ(check(v, &m, 0), AGENT_VALIDATE_OUT_OF_BOUNDS);
	agent_validate_free(v);
}

static void test_config(void)
{
	struct agent_validate_config cfg;
	struct agent_validate *v = NULL;

	agent_validate_config_default(&cfg);
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), 0);
	CHECK_UINT_EQ(agent_validate_stats(v)->dup_slots, AGENT_VALIDATE_DEFAULT_DUP_SLOTS);
	agent_validate_free(v);
	cfg.dup_slots = 100;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), 0);
	CHECK_UINT_EQ(agent_validate_stats(v)->dup_slots, 128);
	agent_validate_free(v);
	cfg.south_deg = 31; /* above north: not a box */
	cfg.north_deg = 30.5;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), V2X_ECONFIG);
	CHECK(v == NULL);
	agent_validate_config_default(&cfg);
	cfg.east_deg = NAN;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), V2X_ECONFIG);
	agent_validate_config_default(&cfg);
	cfg.max_age_ms = -1;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), V2X_ECONFIG);
	agent_validate_config_default(&cfg);
	cfg.dup_window_ms = 86400001;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), V2X_ECONFIG);
	cfg.dup_window_ms = 86400000;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), 0);
	agent_validate_free(v);
	agent_validate_config_default(&cfg);
	cfg.max_speed_mps = NAN;
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), V2X_ECONFIG);
	agent_validate_free(NULL);
	CHECK_STR_EQ(agent_validate_cause_name(AGENT_VALIDATE_STALE), "stale");
	CHECK_STR_EQ(agent_validate_cause_name(AGENT_VALIDATE_DUPLICATE), "duplicate");
	CHECK_STR_EQ(agent_validate_cause_name(AGENT_VALIDATE_OUT_OF_BOUNDS), "out_of_bounds");
	CHECK_STR_EQ(agent_validate_cause_name((enum agent_validate_cause)99), "?");
}

int main(void)
{
	v2x_arena_init(&arena, 65536, 0);
	test_bsm();
	test_sec_mark();
	test_minute_wrap();
	test_rsm();
	test_map();
	test_rsi();
	test_spat();
	test_year_wrap();
	test_turned_off();
	test_config();
	v2x_arena_fini(&arena);
	return check_exit();
}
