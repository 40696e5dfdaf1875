/*
 * validate, the duplicate table: what makes two messages the same (type,
 * sender, msgCnt, own time; the RSU for MAP and SPAT), the window in both
 * directions of time, rejected messages kept out of the table, a table
 * too small for the traffic evicting (never losing a fresh message), and
 * the table turned off.
 */
#include <string.h>

#include "codecs/samples.h"
#include "rsu-agent/ingest/tests/test_ingest_util.h"
#include "rsu-agent/ingest/validate.h"
#include "runtime/arena.h"
#include "tests/check.h"

#define SEC_US 1000000LL

static struct v2x_arena arena;

/* No freshness or motion limits: only the table decides here. */
static struct agent_validate *make(int64_t window_ms, size_t slots)
{
	struct agent_validate_config cfg;
	struct agent_validate *v = NULL;

	agent_validate_config_default(&cfg);
	cfg.max_age_ms = 0;
	cfg.max_future_ms = 0;
	cfg.max_age_moy_ms = 0;
	cfg.dup_window_ms = window_ms;
	cfg.dup_slots = slots;
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

static enum agent_validate_cause check(struct agent_validate *v, const struct v2x_msg *m,
                                       int64_t rx_us)
{
	return agent_validate_check(v, m, 0, rx_us);
}

static void test_bsm_key(void)
{
	struct agent_validate *v = make(2000, 1024);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 31, 300);

	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t + 100000), AGENT_VALIDATE_DUPLICATE);
	/* Heard through another RSU: still the same vehicle's message. */
	CHECK_INT_EQ(agent_validate_check(v, &m, 12345, t + 100000), AGENT_VALIDATE_DUPLICATE);
	/* Each part of the key makes another message. */
	m.u.bsm.msg_cnt++;
	CHECK_INT_EQ(check(v, &m, t + 100000), AGENT_VALIDATE_OK);
	m.u.bsm.sec_mark_s += 0.1;
	CHECK_INT_EQ(check(v, &m, t + 100000), AGENT_VALIDATE_OK);
	m.u.bsm.id[7] ^= 1;
	CHECK_INT_EQ(check(v, &m, t + 100000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t + 200000), AGENT_VALIDATE_DUPLICATE);
	CHECK_UINT_EQ(agent_validate_stats(v)->dup_entered, 4);
	agent_validate_free(v);
}

/* The window, and a duplicate that does not refresh its entry. */
static void test_window(void)
{
	struct agent_validate *v = make(2000, 1024);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 31, 300);

	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t + 1500000), AGENT_VALIDATE_DUPLICATE);
	CHECK_INT_EQ(check(v, &m, t + 2000000), AGENT_VALIDATE_DUPLICATE);
	/* 2 s after the first, not after the repeat at 1.5 s. */
	CHECK_INT_EQ(check(v, &m, t + 2000001), AGENT_VALIDATE_OK);
	/* A replay going back in time past the window is news as well. */
	CHECK_INT_EQ(check(v, &m, t - 10 * SEC_US), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t - 9 * SEC_US), AGENT_VALIDATE_DUPLICATE);
	CHECK(agent_validate_stats(v)->dup_reused >= 1);
	agent_validate_free(v);
}

/* Only a message that passed everything else enters the table. */
static void test_rejected_not_entered(void)
{
	struct agent_validate_config cfg;
	struct agent_validate *v = NULL;
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 31, 300);

	agent_validate_config_default(&cfg);
	CHECK_INT_EQ(agent_validate_new(&cfg, &v), 0);
	m.u.bsm.speed_mps = 100;
	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_IMPLAUSIBLE_SPEED);
	m.u.bsm.speed_mps = 10;
	CHECK_INT_EQ(check(v, &m, t + 5 * SEC_US), AGENT_VALIDATE_STALE);
	CHECK_UINT_EQ(agent_validate_stats(v)->dup_entered, 0);
	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_DUPLICATE);
	agent_validate_free(v);
}

/* MAP and SPAT name no sender: the RSU is part of their key. */
static void test_map_spat_per_rsu(void)
{
	struct agent_validate *v = make(2000, 1024);
	struct v2x_msg map = sample(V2X_MSG_MAP);
	struct v2x_msg spat = sample(V2X_MSG_SPAT);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 0, 0);

	CHECK_INT_EQ(agent_validate_check(v, &map, 1, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(agent_validate_check(v, &map, 1, t + 1000), AGENT_VALIDATE_DUPLICATE);
	CHECK_INT_EQ(agent_validate_check(v, &map, 2, t + 1000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(agent_validate_check(v, &spat, 1, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(agent_validate_check(v, &spat, 1, t + 1000), AGENT_VALIDATE_DUPLICATE);
	CHECK_INT_EQ(agent_validate_check(v, &spat, 2, t + 1000), AGENT_VALIDATE_OK);
	/* The next SPAT of the same intersection (timeStamp moved on). */
	spat.u.spat.timestamp_s += 0.1;
	CHECK_INT_EQ(agent_validate_check(v, &spat, 1, t + 100000), AGENT_VALIDATE_OK);
	/* Another intersection (its region) with the same times. */
	map.u.map.nodes[0].id.region++;
	CHECK_INT_EQ(agent_validate_check(v, &map, 1, t + 1000), AGENT_VALIDATE_OK);
	agent_validate_free(v);
}

static void test_rsm_rsi(void)
{
	struct agent_validate *v = make(2000, 1024);
	struct v2x_msg rsm = sample(V2X_MSG_RSM);
	struct v2x_msg rsi = sample(V2X_MSG_RSI);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 0, 0);

	CHECK_INT_EQ(check(v, &rsm, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &rsm, t + 1000), AGENT_VALIDATE_DUPLICATE);
	rsm.u.rsm.msg_cnt++;
	CHECK_INT_EQ(check(v, &rsm, t + 1000), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &rsi, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &rsi, t + 1000), AGENT_VALIDATE_DUPLICATE);
	rsi.u.rsi.moy_s += 60;
	CHECK_INT_EQ(check(v, &rsi, t + 1000), AGENT_VALIDATE_OK);
	agent_validate_free(v);
}

/*
 * 64 slots and 5000 distinct messages within one window: every one passes
 * (the table evicts, it never refuses), and the evictions are counted.
 */
static void test_small_table(void)
{
	struct agent_validate *v = make(60000, 1);
	const struct agent_validate_stats *st = agent_validate_stats(v);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 0, 0);
	unsigned refused = 0;

	CHECK_UINT_EQ(st->dup_slots, 64);
	for (unsigned i = 0; i < 5000; i++) {
		m.u.bsm.id[0] = (uint8_t)i;
		m.u.bsm.id[1] = (uint8_t)(i >> 8);
		refused += check(v, &m, t + i) != AGENT_VALIDATE_OK;
	}
	CHECK_UINT_EQ(refused, 0);
	CHECK_UINT_EQ(st->dup_entered, 5000);
	CHECK(st->dup_evicted >= 5000 - 64);
	/* The last one is still there. */
	CHECK_INT_EQ(check(v, &m, t + 5000), AGENT_VALIDATE_DUPLICATE);
	agent_validate_free(v);
}

static void test_off(void)
{
	struct agent_validate *v = make(0, 64);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	int64_t t = ti_utc_us(2025, 11, 26, 12, 10, 31, 300);

	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_OK);
	CHECK_INT_EQ(check(v, &m, t), AGENT_VALIDATE_OK);
	CHECK_UINT_EQ(agent_validate_stats(v)->dup_entered, 0);
	agent_validate_free(v);
}

int main(void)
{
	v2x_arena_init(&arena, 65536, 0);
	test_bsm_key();
	test_window();
	test_rejected_not_entered();
	test_map_spat_per_rsu();
	test_rsm_rsi();
	test_small_table();
	test_off();
	v2x_arena_fini(&arena);
	return check_exit();
}
