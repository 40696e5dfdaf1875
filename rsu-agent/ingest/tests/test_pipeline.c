/*
 * pipeline: the path of well-formed datagrams, raw and vendor, to emitted
 * observations (envelope, RSU id, agent_pipeline_current), every message
 * type, each validation rejection counted by cause and by type through the
 * pipeline, the minute and year wraps letting fresh messages through, a
 * failing emit counted, and the configuration's errors.
 */
#include <math.h>
#include <string.h>

#include "codecs/samples.h"
#include "rsu-agent/ingest/pipeline.h"
#include "rsu-agent/ingest/tests/test_ingest_util.h"
#include "rsu-agent/ingest/tests/test_pipeline_util.h"
#include "runtime/arena.h"
#include "runtime/clock.h"
#include "tests/check.h"

#define MIN_US 60000000LL
#define CAP    4096

static struct v2x_arena arena;
static struct v2x_codec *codec;
static struct tp_sink sink;

/* 2025-11-26T12:10:00Z: the BSM sample's secMark (31.25 s) is in this
 * minute, and 31.3 s into it the BSM is 50 ms old. */
static int64_t minute_us(void)
{
	return ti_utc_us(2025, 11, 26, 12, 10, 0, 0);
}

#define BSM_FRESH_US (minute_us() + 31300000)

/* The start of MinuteOfTheYear 475970 of 2025, the samples' MAP and SPAT. */
static int64_t moy_minute_us(void)
{
	return ti_utc_us(2025, 1, 1, 0, 0, 0, 0) + 475970LL * MIN_US;
}

static struct v2x_msg sample(enum v2x_msg_type type)
{
	struct v2x_msg m;

	memset(&m, 0, sizeof(m));
	CHECK_INT_EQ(v2x_sample_build(type, &arena, &m), 0);
	return m;
}

static size_t encode(const struct v2x_msg *m, uint8_t *buf)
{
	size_t len = 0;

	CHECK_INT_EQ(v2x_codec_encode(codec, m, buf, CAP, &len), 0);
	return len;
}

static size_t encode_bsm(uint8_t msg_cnt, uint8_t *buf)
{
	struct v2x_msg m = sample(V2X_MSG_BSM);

	m.u.bsm.msg_cnt = msg_cnt;
	return encode(&m, buf);
}

/* A pipeline with cfg adjusted by tweak, emitting into the sink. */
static struct agent_pipeline *make(void (*tweak)(struct agent_pipeline_config *))
{
	struct agent_pipeline_config cfg;
	struct agent_pipeline *p = NULL;

	agent_pipeline_config_default(&cfg);
	cfg.rsu_id = "CQ-K12-07";
	tp_chongqing_box(&cfg.validate);
	if (tweak)
		tweak(&cfg);
	memset(&sink, 0, sizeof(sink));
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, tp_emit, &sink, &p), 0);
	sink.p = p;
	return p;
}

static void audit_replay(struct agent_pipeline_config *cfg)
{
	cfg->include_uper = true;
	cfg->replayed = true;
}

static void test_raw(void)
{
	struct agent_pipeline *p = make(audit_replay);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t buf[CAP];
	size_t len = encode_bsm(7, buf);

	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len, BSM_FRESH_US, v2x_clock_mono_ns()), 1);
	CHECK_UINT_EQ(sink.calls, 1);
	CHECK_INT_EQ(sink.type, V2X_MSG_BSM);
	CHECK_UINT_EQ(sink.bsm_msg_cnt, 7);
	CHECK_STR_EQ(sink.rsu_id, "CQ-K12-07");
	CHECK_UINT_EQ(sink.rx_time_us, (uint64_t)BSM_FRESH_US);
	CHECK(sink.replayed);
	CHECK(sink.has_uper);
	CHECK_UINT_EQ(sink.uper_len, len);
	CHECK_MEM_EQ(sink.uper, buf, len);
	CHECK(!sink.cur.has_header);
	CHECK_INT_EQ(sink.cur.layout, AGENT_FRAMING_LAYOUT_RAW);
	CHECK_UINT_EQ(sink.cur.frame_index, 0);
	CHECK_STR_EQ(sink.cur_id, "CQ-K12-07");
	CHECK_UINT_EQ(st->datagrams, 1);
	CHECK_UINT_EQ(st->datagram_bytes, len);
	CHECK_UINT_EQ(st->frames, 1);
	CHECK_UINT_EQ(st->decoded[V2X_MSG_BSM], 1);
	CHECK_UINT_EQ(st->emitted[V2X_MSG_BSM], 1);
	CHECK_UINT_EQ(st->latency.count, 1);
	CHECK(st->latency.max_ns < UINT64_C(10) * 1000 * 1000 * 1000);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* Without include_uper and replayed, neither is set. */
static void test_raw_plain(void)
{
	struct agent_pipeline *p = make(NULL);
	uint8_t buf[CAP];
	size_t len = encode_bsm(8, buf);

	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len, BSM_FRESH_US, 0), 1);
	CHECK(!sink.replayed);
	CHECK(!sink.has_uper);
	agent_pipeline_free(p);
}

static void vendor_count(struct agent_pipeline_config *cfg)
{
	cfg->framing.mode = AGENT_FRAMING_VENDOR;
	cfg->rsu_id = NULL;
}

/* Three BSMs in the count layout; the RSU id is the header's. */
static void test_vendor(void)
{
	static const char id[8] = { 'R', 'S', 'U', '-', '0', '0', '4', '2' };
	static const char bin_id[8] = { 1, 2, 3, 4, 5, 6, 7, (char)0x80 };
	struct agent_pipeline *p = make(vendor_count);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t d[CAP], f[CAP];
	size_t n = ti_header(d, id, 1764159031300LL), flen;

	d[n++] = 3;
	for (uint8_t i = 0; i < 3; i++) {
		flen = encode_bsm((uint8_t)(20 + i), f);
		n += ti_entry(d + n, f, flen);
	}
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, BSM_FRESH_US, 0), 3);
	CHECK_UINT_EQ(sink.calls, 3);
	CHECK_UINT_EQ(sink.bsm_msg_cnt, 22);
	CHECK_STR_EQ(sink.rsu_id, "RSU-0042");
	CHECK_STR_EQ(sink.cur_id, "RSU-0042");
	CHECK(sink.cur.has_header);
	CHECK_INT_EQ(sink.cur.vendor_time_ms, 1764159031300LL);
	CHECK_INT_EQ(sink.cur.layout, AGENT_FRAMING_LAYOUT_COUNT);
	CHECK_UINT_EQ(sink.cur.frame_index, 2);
	CHECK_UINT_EQ(st->frames, 3);
	CHECK_UINT_EQ(tp_sum(st->framing_errors, V2X_ERR_COUNT), 0);

	/* Another RSU's datagram, list layout, binary id: hex. */
	n = ti_header(d, bin_id, 1764159031300LL);
	flen = encode_bsm(30, f);
	n += ti_entry(d + n, f, flen);
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, BSM_FRESH_US, 0), 1);
	CHECK_STR_EQ(sink.rsu_id, "0102030405060780");
	CHECK_INT_EQ(sink.cur.layout, AGENT_FRAMING_LAYOUT_LIST);
	CHECK_UINT_EQ(sink.cur.frame_index, 0);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/*
 * A BSM is keyed by its sender alone, so the copy a second RSU heard is a
 * duplicate: the broker needs it once.  (MAP and SPAT, which name no
 * sender, are keyed with the RSU as well: validate.h.)
 */
static void test_vendor_dup_across_rsus(void)
{
	static const char a[8] = { 'A' }, b[8] = { 'B' };
	struct agent_pipeline *p = make(vendor_count);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t d[CAP], f[CAP];
	size_t flen = encode_bsm(40, f), n;

	n = ti_header(d, a, 0);
	n += ti_entry(d + n, f, flen);
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, BSM_FRESH_US, 0), 1);
	ti_header(d, b, 0);
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, BSM_FRESH_US + 10000, 0), 0);
	CHECK_UINT_EQ(st->rejected[AGENT_VALIDATE_DUPLICATE], 1);
	agent_pipeline_free(p);
}

/* Each sample type, received when it is fresh, is emitted. */
static void test_every_type(void)
{
	struct agent_pipeline *p = make(NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	static const struct {
		enum v2x_msg_type type;
		int64_t rx_offset_us; /* from moy_minute_us() */
	} cases[] = {
		{ V2X_MSG_BSM, 31300000 },          /* secMark 31.25 s */
		{ V2X_MSG_RSM, 31300000 },          /* participants' secMark 31.2.. s */
		{ V2X_MSG_MAP, 30000000 },          /* moy 475970, minute resolution */
		{ V2X_MSG_SPAT, 12400000 },         /* moy 475970 + 12.3 s */
		{ V2X_MSG_RSI, MIN_US + 30000000 }, /* moy 475971 */
	};
	uint8_t buf[CAP];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct v2x_msg m = sample(cases[i].type);
		size_t len = encode(&m, buf);

		CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len,
		                                     moy_minute_us() + cases[i].rx_offset_us, 0),
		             1);
		CHECK_INT_EQ(sink.type, cases[i].type);
		CHECK_UINT_EQ(st->emitted[cases[i].type], 1);
	}
	CHECK_UINT_EQ(st->emitted_total, 5);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* Runs the BSM m (its msgCnt made unique) at rx_us; returns what emitted. */
static int run_bsm(struct agent_pipeline *p, struct v2x_msg *m, int64_t rx_us)
{
	static uint8_t cnt;
	uint8_t buf[CAP];

	m->u.bsm.msg_cnt = ++cnt;
	return agent_pipeline_datagram(p, buf, encode(m, buf), rx_us, 0);
}

static void expect_rejected(struct agent_pipeline *p, struct v2x_msg *m, int64_t rx_us,
                            enum agent_validate_cause cause)
{
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint64_t before = st->rejected[cause];
	uint64_t by_type = st->rejected_by_type[V2X_MSG_BSM];

	CHECK_INT_EQ(run_bsm(p, m, rx_us), 0);
	CHECK_UINT_EQ(st->rejected[cause], before + 1);
	CHECK_UINT_EQ(st->rejected_by_type[V2X_MSG_BSM], by_type + 1);
}

static void test_rejections(void)
{
	struct agent_pipeline *p = make(NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	uint8_t buf[CAP];
	size_t len;

	CHECK_INT_EQ(run_bsm(p, &m, BSM_FRESH_US), 1);
	m.u.bsm.pos.lat_deg = 39.97; /* Beijing */
	expect_rejected(p, &m, BSM_FRESH_US, AGENT_VALIDATE_OUT_OF_BOUNDS);
	m = sample(V2X_MSG_BSM);
	m.u.bsm.speed_mps = 90;
	expect_rejected(p, &m, BSM_FRESH_US, AGENT_VALIDATE_IMPLAUSIBLE_SPEED);
	m = sample(V2X_MSG_BSM);
	m.u.bsm.accel.lon_mps2 = -19.5;
	expect_rejected(p, &m, BSM_FRESH_US, AGENT_VALIDATE_IMPLAUSIBLE_ACCEL);
	m = sample(V2X_MSG_BSM);
	expect_rejected(p, &m, BSM_FRESH_US + 2000000, AGENT_VALIDATE_STALE);
	expect_rejected(p, &m, BSM_FRESH_US - 1000000, AGENT_VALIDATE_FUTURE);
	/* The same bytes twice: the second is a duplicate. */
	m.u.bsm.msg_cnt = 99;
	len = encode(&m, buf);
	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len, BSM_FRESH_US, 0), 1);
	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len, BSM_FRESH_US + 100000, 0), 0);
	CHECK_UINT_EQ(st->rejected[AGENT_VALIDATE_DUPLICATE], 1);
	/* After the window (2 s) it is news again. */
	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len, BSM_FRESH_US + MIN_US * 5, 0), 1);
	CHECK_UINT_EQ(st->emitted_total, 3);
	CHECK_UINT_EQ(tp_sum(st->rejected, AGENT_VALIDATE_CAUSE_COUNT), 6);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* A position the sender marked unavailable. */
static void test_no_position(void)
{
	struct agent_pipeline *p = make(NULL);
	struct v2x_msg m = sample(V2X_MSG_BSM);

	m.u.bsm.pos.lat_deg = NAN;
	m.u.bsm.pos.lon_deg = NAN;
	expect_rejected(p, &m, BSM_FRESH_US, AGENT_VALIDATE_NO_POSITION);
	agent_pipeline_free(p);
}

/* secMark 59.9 s received at 00.1 s of the next minute, and a RSI of 31
 * December 23:59 received at 00:00:30 of New Year, are fresh. */
static void test_wraps(void)
{
	struct agent_pipeline *p = make(NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	struct v2x_msg m = sample(V2X_MSG_BSM);
	struct v2x_msg rsi = sample(V2X_MSG_RSI);
	uint8_t buf[CAP];

	m.u.bsm.sec_mark_s = 59.9;
	CHECK_INT_EQ(run_bsm(p, &m, minute_us() + MIN_US + 100000), 1);
	/* ... and 0.9 s later it is stale (limit 1 s from 59.9 s). */
	CHECK_INT_EQ(run_bsm(p, &m, minute_us() + MIN_US + 1000000), 0);
	CHECK_UINT_EQ(st->rejected[AGENT_VALIDATE_STALE], 1);
	rsi.u.rsi.moy_s = 525599.0 * 60;
	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, encode(&rsi, buf),
	                                     ti_utc_us(2026, 1, 1, 0, 0, 30, 0), 0),
	             1);
	CHECK_UINT_EQ(st->emitted[V2X_MSG_RSI], 1);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

static void test_emit_failure(void)
{
	struct agent_pipeline *p = make(NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t buf[CAP];
	size_t len = encode_bsm(50, buf);

	sink.fail_rc = V2X_ENOMEM;
	CHECK_INT_EQ(agent_pipeline_datagram(p, buf, len, BSM_FRESH_US, 0), 0);
	CHECK_UINT_EQ(sink.calls, 1);
	CHECK_UINT_EQ(st->emit_failed, 1);
	CHECK_UINT_EQ(st->emitted_total, 0);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

static int never(void *arg, V2x__Wire__Observation *obs, const struct v2x_msg *msg)
{
	(void)arg;
	(void)obs;
	(void)msg;
	return 0;
}

static void test_config(void)
{
	struct agent_pipeline_config cfg;
	struct agent_pipeline *p = NULL;
	char long_id[AGENT_PIPELINE_RSU_ID_MAX + 2];

	agent_pipeline_config_default(&cfg);
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), V2X_ECONFIG); /* no id */
	CHECK(p == NULL);
	cfg.rsu_id = "ok";
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, NULL, NULL, &p), V2X_EINVAL);
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	cfg.rsu_id = long_id;
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), V2X_ECONFIG);
	long_id[AGENT_PIPELINE_RSU_ID_MAX] = '\0';
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), 0);
	agent_pipeline_free(p);
	cfg.rsu_id = "tab\there";
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), V2X_ECONFIG);
	cfg.rsu_id = "";
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), V2X_ECONFIG);
	/* Vendor mode needs no configured id: the header has one. */
	cfg.rsu_id = NULL;
	cfg.framing.mode = AGENT_FRAMING_VENDOR;
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), 0);
	agent_pipeline_free(p);
	cfg.framing.max_frame = 70000;
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), V2X_ECONFIG);
	agent_pipeline_config_default(&cfg);
	cfg.rsu_id = "ok";
	cfg.validate.north_deg = -91;
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, never, NULL, &p), V2X_ECONFIG);
	CHECK(p == NULL);
	agent_pipeline_free(NULL);
	CHECK_UINT_EQ(agent_pipeline_latency_bucket_ns(0), 1000);
	CHECK_UINT_EQ(agent_pipeline_latency_bucket_ns(15), 32768000);
	CHECK_UINT_EQ(agent_pipeline_latency_bucket_ns(16), UINT64_MAX);
}

int main(void)
{
	v2x_arena_init(&arena, 65536, 0);
	codec = v2x_codec_new(NULL);
	if (!CHECK(codec != NULL))
		return check_exit();
	test_raw();
	test_raw_plain();
	test_vendor();
	test_vendor_dup_across_rsus();
	test_every_type();
	test_rejections();
	test_no_position();
	test_wraps();
	test_emit_failure();
	test_config();
	v2x_codec_free(codec);
	v2x_arena_fini(&arena);
	return check_exit();
}
