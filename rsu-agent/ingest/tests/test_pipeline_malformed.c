/*
 * pipeline, malformed input: random bytes, mutated and truncated datagrams
 * and frames, oversize datagrams, vendor framing whose lengths or count
 * lie, frames that do not decode.  The pipeline never crashes, and each
 * case is counted where the counters say it is (every datagram, frame and
 * message accounted for once: tp_check_accounting), the usable frames
 * before a lie still emitted, the failures logged with the RSU id and a
 * hex excerpt, rate-limited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/samples.h"
#include "rsu-agent/ingest/pipeline.h"
#include "rsu-agent/ingest/tests/test_ingest_util.h"
#include "rsu-agent/ingest/tests/test_pipeline_util.h"
#include "runtime/arena.h"
#include "runtime/log.h"
#include "tests/check.h"

#define CAP 4096

static struct v2x_codec *codec;
static struct tp_sink sink;
static const char rsu_id[8] = { 'C', 'Q', '-', 'K', '1', '2', 0, 0 };

/* Receive time at which the samples' BSM is fresh (secMark 31.25 s). */
static int64_t bsm_fresh_us(void)
{
	return ti_utc_us(2025, 11, 26, 12, 10, 31, 300);
}

/* xorshift64*: the same bytes on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1du;
}

static struct agent_pipeline *make(enum agent_framing_mode mode, enum agent_framing_layout layout,
                                   const struct v2x_log *log)
{
	struct agent_pipeline_config cfg;
	struct agent_pipeline *p = NULL;

	agent_pipeline_config_default(&cfg);
	cfg.rsu_id = "CQ-K12-07";
	cfg.framing.mode = mode;
	cfg.framing.vendor_layout = layout;
	cfg.log_burst = 2;
	memset(&sink, 0, sizeof(sink));
	CHECK_INT_EQ(agent_pipeline_new(&cfg, log, tp_emit, &sink, &p), 0);
	sink.p = p;
	return p;
}

static size_t bsm(uint8_t msg_cnt, uint8_t *buf)
{
	struct v2x_arena a;
	struct v2x_msg m;
	size_t len = 0;

	v2x_arena_init(&a, 8192, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_BSM, &a, &m), 0);
	m.u.bsm.msg_cnt = msg_cnt;
	CHECK_INT_EQ(v2x_codec_encode(codec, &m, buf, CAP, &len), 0);
	v2x_arena_fini(&a);
	return len;
}

/* A vendor datagram of n BSMs (msgCnt from cnt0) in the list layout, or
 * the count layout when count is set; returns its length. */
static size_t vendor_bsms(uint8_t *d, size_t n, uint8_t cnt0, bool count)
{
	uint8_t f[CAP];
	size_t len = ti_header(d, rsu_id, 0);

	if (count)
		d[len++] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		size_t flen = bsm((uint8_t)(cnt0 + i), f);
		len += ti_entry(d + len, f, flen);
	}
	return len;
}

/* Random datagrams of 0..700 bytes, in every mode and layout. */
static void test_random(void)
{
	static const enum agent_framing_layout layouts[] = { AGENT_FRAMING_LAYOUT_AUTO,
		                                             AGENT_FRAMING_LAYOUT_LIST,
		                                             AGENT_FRAMING_LAYOUT_COUNT };
	uint64_t seed = 0x9e3779b97f4a7c15u;
	uint8_t d[700];

	for (int mode = 0; mode < 4; mode++) {
		struct agent_pipeline *p =
		        mode == 0 ? make(AGENT_FRAMING_RAW, 0, NULL)
		                  : make(AGENT_FRAMING_VENDOR, layouts[mode - 1], NULL);
		const struct agent_pipeline_stats *st = agent_pipeline_stats(p);

		for (int i = 0; i < 3000; i++) {
			size_t len = rnd(&seed) % sizeof(d);
			for (size_t k = 0; k < len; k++)
				d[k] = (uint8_t)rnd(&seed);
			/* Some with a plausible first length, so the walk goes on. */
			if (mode && len > 18 && i % 2) {
				d[16] = (uint8_t)(len - 18);
				d[17] = 0;
			}
			agent_pipeline_datagram(p, d, len, bsm_fresh_us(), 0);
		}
		CHECK_UINT_EQ(st->datagrams, 3000);
		CHECK(tp_sum(st->framing_errors, V2X_ERR_COUNT) > 0 || mode == 0);
		CHECK(st->decode_failed > 0);
		tp_check_accounting(p);
		agent_pipeline_free(p);
	}
}

/* Valid vendor datagrams with bytes flipped at random. */
static void test_mutated(void)
{
	struct agent_pipeline *p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_AUTO, NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint64_t seed = 42;
	uint8_t good[CAP], d[CAP];
	size_t len = vendor_bsms(good, 3, 0, true);

	for (int i = 0; i < 5000; i++) {
		memcpy(d, good, len);
		for (int k = 0; k < 1 + i % 4; k++)
			d[AGENT_FRAMING_HEADER_LEN +
			  rnd(&seed) % (len - AGENT_FRAMING_HEADER_LEN)] ^=
			        (uint8_t)(1u << rnd(&seed) % 8);
		agent_pipeline_datagram(p, d, len, bsm_fresh_us(), 0);
	}
	CHECK_UINT_EQ(st->datagrams, 5000);
	CHECK(st->decode_failed > 0);
	CHECK(tp_sum(st->framing_errors, V2X_ERR_COUNT) > 0);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* Every strict prefix of a raw MessageFrame: a counted decode failure. */
static void test_truncated_frames(void)
{
	struct agent_pipeline *p = make(AGENT_FRAMING_RAW, 0, NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	const struct v2x_codec_stats *cs = agent_pipeline_codec_stats(p);
	uint8_t f[CAP];
	size_t len = bsm(1, f);

	for (size_t cut = 1; cut < len; cut++)
		CHECK_INT_EQ(agent_pipeline_datagram(p, f, cut, bsm_fresh_us(), 0), 0);
	CHECK_UINT_EQ(st->frames, len - 1);
	CHECK_UINT_EQ(st->decode_failed, len - 1);
	CHECK(cs->decode_errors[v2x_err_index(V2X_ETRUNCATED)] > 0);
	CHECK_UINT_EQ(st->emitted_total, 0);
	/* The empty datagram is a framing error, not a frame. */
	CHECK_INT_EQ(agent_pipeline_datagram(p, f, 0, bsm_fresh_us(), 0), 0);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETRUNCATED)], 1);
	CHECK_UINT_EQ(st->frames, len - 1);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/*
 * A list datagram of three BSMs cut at every length: a cut at the end of an
 * entry is a valid, shorter datagram; one byte into a length is a stray
 * byte; anywhere else a frame runs past the end.  The whole frames before
 * the cut are emitted either way.
 */
static void test_truncated_list(void)
{
	struct agent_pipeline *p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_LIST, NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t d[CAP];
	size_t len = vendor_bsms(d, 3, 10, false);
	size_t ends[4] = { AGENT_FRAMING_HEADER_LEN };
	uint64_t want_trunc = 0, want_trail = 0, want_emitted = 0;

	for (size_t i = 0; i < 3; i++)
		ends[i + 1] = ends[i] + 2 + (d[ends[i]] | (size_t)d[ends[i] + 1] << 8);
	CHECK_UINT_EQ(ends[3], len);
	for (size_t cut = AGENT_FRAMING_HEADER_LEN; cut <= len; cut++) {
		size_t whole = 0;
		while (whole < 3 && ends[whole + 1] <= cut)
			whole++;
		want_emitted += whole;
		/* cut == ends[whole] with whole > 0: a valid, shorter datagram. */
		if (whole > 0 && cut == ends[whole] + 1)
			want_trail++;
		else if (whole == 0 || cut != ends[whole])
			want_trunc++;
		/* Out of the duplicate window each time: every frame is news. */
		agent_pipeline_datagram(p, d, cut, bsm_fresh_us() + (int64_t)cut * 60000000, 0);
	}
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETRUNCATED)], want_trunc);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETRAILING)], want_trail);
	CHECK_UINT_EQ(st->emitted_total, want_emitted);
	CHECK_UINT_EQ(st->decode_failed, 0);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* The count layout cut anywhere short of its end: fewer entries than said. */
static void test_truncated_count(void)
{
	struct agent_pipeline *p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_COUNT, NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t d[CAP];
	size_t len = vendor_bsms(d, 3, 10, true);

	for (size_t cut = AGENT_FRAMING_HEADER_LEN; cut < len; cut++)
		agent_pipeline_datagram(p, d, cut, bsm_fresh_us(), 0);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETRUNCATED)],
	              len - AGENT_FRAMING_HEADER_LEN);
	CHECK_UINT_EQ(tp_sum(st->framing_errors, V2X_ERR_COUNT), len - AGENT_FRAMING_HEADER_LEN);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

static void test_oversize(void)
{
	static uint8_t big[AGENT_FRAMING_DEFAULT_MAX_DATAGRAM + 1];
	struct agent_pipeline *raw = make(AGENT_FRAMING_RAW, 0, NULL);
	struct agent_pipeline *ven;
	const struct agent_pipeline_stats *st = agent_pipeline_stats(raw);
	size_t n;

	/* Raw: a frame above max_frame (the codec's limit) is not decoded. */
	n = bsm(1, big);
	CHECK_INT_EQ(agent_pipeline_datagram(raw, big, AGENT_FRAMING_DEFAULT_MAX_FRAME + 1,
	                                     bsm_fresh_us(), 0),
	             0);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETOO_BIG)], 1);
	CHECK_UINT_EQ(st->frames, 0);
	CHECK_INT_EQ(agent_pipeline_datagram(raw, big, sizeof(big), bsm_fresh_us(), 0), 0);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETOO_BIG)], 2);
	CHECK_INT_EQ(agent_pipeline_datagram(raw, big, n, bsm_fresh_us(), 0), 1);
	agent_pipeline_free(raw);

	/* Vendor: a datagram above max_datagram is dropped whole, even with
	 * good frames at its start. */
	ven = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_AUTO, NULL);
	st = agent_pipeline_stats(ven);
	vendor_bsms(big, 2, 0, false);
	CHECK_INT_EQ(agent_pipeline_datagram(ven, big, sizeof(big), bsm_fresh_us(), 0), 0);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(V2X_ETOO_BIG)], 1);
	CHECK_UINT_EQ(st->frames, 0);
	CHECK_UINT_EQ(st->datagram_bytes, sizeof(big));
	tp_check_accounting(ven);
	agent_pipeline_free(ven);
}

/* Runs d[0..n) and checks the error counted and the frames emitted. */
static void expect(struct agent_pipeline *p, const uint8_t *d, size_t n, int err, int emitted)
{
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint64_t before = st->framing_errors[v2x_err_index(err)];
	uint64_t all = tp_sum(st->framing_errors, V2X_ERR_COUNT);
	static int64_t minute;

	/* A minute apart each time, so that no frame is a duplicate. */
	minute += 60000000;
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, bsm_fresh_us() + minute, 0), emitted);
	CHECK_UINT_EQ(st->framing_errors[v2x_err_index(err)], before + 1);
	CHECK_UINT_EQ(tp_sum(st->framing_errors, V2X_ERR_COUNT), all + 1);
}

static void put_le16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void test_lying_lengths(void)
{
	struct agent_pipeline *p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_AUTO, NULL);
	uint8_t d[CAP];
	size_t n = vendor_bsms(d, 1, 0, false);

	/* After one good entry: a length above max_frame ... */
	put_le16(d + n, 0xffff);
	memset(d + n + 2, 0x5a, 40);
	expect(p, d, n + 42, V2X_ETOO_BIG, 1);
	/* ... past the end of the datagram ... */
	put_le16(d + n, 3000);
	expect(p, d, n + 42, V2X_ETRUNCATED, 1);
	/* ... zero ... */
	put_le16(d + n, 0);
	expect(p, d, n + 42, V2X_EMALFORMED, 1);
	/* ... and the first length lying: nothing usable. */
	put_le16(d + AGENT_FRAMING_HEADER_LEN, 0xffff);
	expect(p, d, n, V2X_ETOO_BIG, 0);

	/* The count says 5, two entries follow; it says 1, two follow. */
	n = vendor_bsms(d, 2, 0, true);
	d[AGENT_FRAMING_HEADER_LEN] = 5;
	expect(p, d, n, V2X_ETRUNCATED, 2);
	agent_pipeline_free(p);
	p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_COUNT, NULL);
	d[AGENT_FRAMING_HEADER_LEN] = 1;
	expect(p, d, n, V2X_ETRAILING, 1);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* Entries whose lengths are right around bytes that are no MessageFrame. */
static void test_undecodable_frames(void)
{
	struct agent_pipeline *p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_LIST, NULL);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	uint8_t d[CAP], junk[64], f[CAP];
	size_t n = ti_header(d, rsu_id, 0), flen;

	memset(junk, 0xff, sizeof(junk));
	n += ti_entry(d + n, junk, sizeof(junk));
	flen = bsm(3, f);
	n += ti_entry(d + n, f, flen);
	n += ti_entry(d + n, junk, 1);
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, bsm_fresh_us(), 0), 1);
	CHECK_UINT_EQ(st->frames, 3);
	CHECK_UINT_EQ(st->decode_failed, 2);
	CHECK_UINT_EQ(tp_sum(st->framing_errors, V2X_ERR_COUNT), 0);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

/* Decode failures are logged with the RSU id and the bytes, 2 at once
 * (log_burst), then held back and counted. */
static void test_log_lines(void)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *stream = open_memstream(&text, &text_len);
	struct v2x_log log = { V2X_LOG_INFO, "agent", stream };
	struct agent_pipeline *p;
	const struct agent_pipeline_stats *st;
	uint8_t d[CAP], junk[40];
	size_t n = ti_header(d, rsu_id, 0);

	if (!CHECK(stream != NULL))
		return;
	p = make(AGENT_FRAMING_VENDOR, AGENT_FRAMING_LAYOUT_LIST, &log);
	st = agent_pipeline_stats(p);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(0xf0 + i);
	n += ti_entry(d + n, junk, sizeof(junk));
	for (int i = 0; i < 5; i++)
		agent_pipeline_datagram(p, d, n, 0, 1000);
	/* One lying length: a framing line, limited on its own. */
	agent_pipeline_datagram(p, d, n - 1, 0, 1000);
	/* A second later the bucket has a token again. */
	agent_pipeline_datagram(p, d, n, 0, 1000 + AGENT_PIPELINE_DEFAULT_LOG_INTERVAL_NS);
	fflush(stream);
	CHECK_UINT_EQ(st->decode_failed, 6);
	CHECK_UINT_EQ(st->log_suppressed, 3);
	CHECK(strstr(text, "rsu CQ-K12: decode failed: ") != NULL);
	CHECK(strstr(text, "40 bytes: f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	                   "000102030405060708090a0b0c0d0e0f... (0 similar") != NULL);
	CHECK(strstr(text, "(3 similar suppressed)") != NULL);
	CHECK(strstr(text, "rsu CQ-K12: datagram of 57 bytes, list framing: TRUNCATED at byte 16, "
	                   "0 frame(s) kept") != NULL);
	printf("%s", text);
	agent_pipeline_free(p);
	fclose(stream);
	free(text);
}

int main(void)
{
	codec = v2x_codec_new(NULL);
	if (!CHECK(codec != NULL))
		return check_exit();
	test_random();
	test_mutated();
	test_truncated_frames();
	test_truncated_list();
	test_truncated_count();
	test_oversize();
	test_lying_lengths();
	test_undecodable_frames();
	test_log_lines();
	v2x_codec_free(codec);
	return check_exit();
}
