/*
 * The in-place rewriting of msgCnt and moy (patch.c) against the codec:
 * for RSI with and without each OPTIONAL list, and RSM, a patched encoding
 * must be byte for byte what the codec writes for the same message with
 * those values, for the values at the edges of both fields.  Also the bit
 * helpers and the minute of the year.
 */
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/samples.h"
#include "rsu-agent/downlink/downlink_int.h"
#include "runtime/arena.h"
#include "runtime/err.h"
#include "tests/check.h"

#define BUF_MAX 2048

static const uint8_t counts[] = { 0, 1, 0x2a, 63, 64, 0x55, 126, 127 };
static const uint32_t minutes[] = { 0, 1, 59, 0x5a5a5, 262143, 262144, 475971, 527039 };

static void set_fields(struct v2x_msg *m, uint8_t cnt, uint32_t moy)
{
	if (m->type == V2X_MSG_RSI) {
		m->u.rsi.msg_cnt = cnt;
		m->u.rsi.has_moy = true;
		m->u.rsi.moy_s = moy * 60.0;
	} else {
		m->u.rsm.msg_cnt = cnt;
	}
}

/* Every (cnt, moy) patched into one encoding equals a fresh encoding. */
static void check_variant(struct v2x_codec *codec, struct v2x_msg *m, const char *what)
{
	struct agent_downlink__layout layout;
	uint8_t base[BUF_MAX], want[BUF_MAX];
	size_t base_len = 0, want_len = 0;

	set_fields(m, 0x55, 0x5a5a5);
	if (!CHECK(v2x_codec_encode(codec, m, base, sizeof(base), &base_len) == 0))
		return;
	CHECK_INT_EQ(agent_downlink__layout_of(m->type, m->type == V2X_MSG_RSI, &layout), 0);
	for (size_t i = 0; i < sizeof(counts); i++) {
		for (size_t k = 0; k < sizeof(minutes) / sizeof(minutes[0]); k++) {
			set_fields(m, counts[i], minutes[k]);
			CHECK_INT_EQ(v2x_codec_encode(codec, m, want, sizeof(want), &want_len), 0);
			agent_downlink__patch(base, &layout, counts[i], minutes[k]);
			CHECK_UINT_EQ(want_len, base_len);
			if (!CHECK(want_len == base_len && memcmp(want, base, base_len) == 0)) {
				fprintf(stderr, "%s: msgCnt %u moy %u\n", what, counts[i],
				        (unsigned)minutes[k]);
				return;
			}
		}
	}
}

static void test_patch_matches_encoder(void)
{
	struct v2x_codec *codec = v2x_codec_new(NULL);
	struct v2x_arena arena;
	struct v2x_msg m;
	struct v2x_rts *rtss;
	size_t n_rtss;

	v2x_arena_init(&arena, 16384, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_RSI, &arena, &m), 0);
	check_variant(codec, &m, "RSI with events and signs");
	rtss = m.u.rsi.rtss;
	n_rtss = m.u.rsi.n_rtss;
	m.u.rsi.n_rtss = 0;
	check_variant(codec, &m, "RSI with events only");
	m.u.rsi.n_rtes = 0;
	m.u.rsi.rtss = rtss;
	m.u.rsi.n_rtss = n_rtss;
	check_variant(codec, &m, "RSI with signs only");
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_RSM, &arena, &m), 0);
	check_variant(codec, &m, "RSM");
	m.u.rsm.n_participants = 1;
	check_variant(codec, &m, "RSM of one participant");
	v2x_arena_fini(&arena);
	v2x_codec_free(codec);
}

static void test_bits(void)
{
	uint8_t buf[8];

	memset(buf, 0xff, sizeof(buf));
	agent_downlink__put_bits(buf, 5, 7, 0);
	CHECK_UINT_EQ(buf[0], 0xf8);
	CHECK_UINT_EQ(buf[1], 0x0f);
	CHECK_UINT_EQ(agent_downlink__get_bits(buf, 5, 7), 0);
	agent_downlink__put_bits(buf, 12, 20, 0x80001);
	CHECK_UINT_EQ(agent_downlink__get_bits(buf, 12, 20), 0x80001);
	CHECK_UINT_EQ(agent_downlink__get_bits(buf, 0, 5), 0x1f); /* untouched */
	CHECK_UINT_EQ(agent_downlink__get_bits(buf, 32, 32), 0xffffffffu);
	/* Only the low nbits of the value are written. */
	agent_downlink__put_bits(buf, 0, 4, 0xfffffff5u);
	CHECK_UINT_EQ(agent_downlink__get_bits(buf, 0, 4), 5);
}

static void test_layout(void)
{
	struct agent_downlink__layout l;

	CHECK_INT_EQ(agent_downlink__layout_of(V2X_MSG_BSM, false, &l), V2X_EINVAL);
	CHECK_INT_EQ(agent_downlink__layout_of(V2X_MSG_RSM, false, &l), 0);
	CHECK(!l.has_moy);
}

static void test_minute_of_year(void)
{
	/* 2024 is a leap year: its last minute is 366 * 1440 - 1. */
	CHECK_UINT_EQ(agent_downlink__minute_of_year(1704067200LL * 1000000), 0);
	CHECK_UINT_EQ(agent_downlink__minute_of_year(1735689599LL * 1000000), 527039);
	/* 2025-03-01T12:34:56.789Z: 59 days, 12 h 34 min. */
	CHECK_UINT_EQ(agent_downlink__minute_of_year(1740832496789000LL), 59 * 1440 + 12 * 60 + 34);
	CHECK_UINT_EQ(agent_downlink__minute_of_year(1735689600LL * 1000000), 0);
}

int main(void)
{
	test_patch_matches_encoder();
	test_bits();
	test_layout();
	test_minute_of_year();
	return check_exit();
}
