/*
 * The codec on the sample message of each type: round trips through bytes
 * and JSON, every way an input can be wrong, the limits, and the counters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/msgjson.h"
#include "codecs/samples.h"
#include "tests/check.h"
#include "tests/jsondiff.h"

static const enum v2x_msg_type types[] = { V2X_MSG_BSM, V2X_MSG_MAP, V2X_MSG_RSM, V2X_MSG_SPAT,
	                                   V2X_MSG_RSI };
#define NTYPES (sizeof(types) / sizeof(types[0]))

struct fixture {
	struct v2x_codec *codec;
	struct v2x_arena arena;
	uint8_t enc[NTYPES][4096];
	size_t len[NTYPES];
};

/* Encodes each sample once. */
static void encode_samples(struct fixture *fx)
{
	for (size_t i = 0; i < NTYPES; i++) {
		struct v2x_msg m;
		v2x_arena_reset(&fx->arena);
		CHECK_INT_EQ(v2x_sample_build(types[i], &fx->arena, &m), 0);
		if (!CHECK(v2x_codec_encode(fx->codec, &m, fx->enc[i], 4096, &fx->len[i]) == 0))
			fprintf(stderr, "%s: %s\n", v2x_msg_type_name(types[i]),
			        v2x_codec_error(fx->codec));
	}
}

/* decode -> encode gives the same bytes; decoding those gives the same
 * normalised message. */
static void byte_round_trip(struct fixture *fx)
{
	for (size_t i = 0; i < NTYPES; i++) {
		const struct v2x_msg *m;
		uint8_t again[4096];
		size_t len;
		char diff[512];
		json_t *a, *b;

		CHECK_INT_EQ(v2x_codec_decode(fx->codec, fx->enc[i], fx->len[i], &m), 0);
		CHECK_INT_EQ(m->type, types[i]);
		CHECK_UINT_EQ(m->flags, 0);
		a = v2x_msg_to_json(m);
		CHECK_INT_EQ(v2x_codec_encode(fx->codec, m, again, sizeof(again), &len), 0);
		CHECK_UINT_EQ(len, fx->len[i]);
		CHECK_MEM_EQ(again, fx->enc[i], fx->len[i]);
		CHECK_INT_EQ(v2x_codec_decode(fx->codec, again, len, &m), 0);
		b = v2x_msg_to_json(m);
		if (jsondiff(a, b, diff, sizeof(diff))) {
			fprintf(stderr, "%s: %s\n", v2x_msg_type_name(types[i]), diff);
			check_failures++;
		}
		json_decref(a);
		json_decref(b);
	}
}

/* message -> JSON text -> message encodes to the same bytes. */
static void json_round_trip(struct fixture *fx)
{
	for (size_t i = 0; i < NTYPES; i++) {
		const struct v2x_msg *m;
		struct v2x_msg back;
		uint8_t again[4096];
		size_t len = 0;
		char err[256], *text;
		json_t *j;

		CHECK_INT_EQ(v2x_codec_decode(fx->codec, fx->enc[i], fx->len[i], &m), 0);
		j = v2x_msg_to_json(m);
		text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
		json_decref(j);
		j = json_loads(text, 0, NULL);
		v2x_arena_reset(&fx->arena);
		if (!CHECK(v2x_msg_from_json(j, &back, &fx->arena, err, sizeof(err)) == 0))
			fprintf(stderr, "%s: %s\n", v2x_msg_type_name(types[i]), err);
		CHECK_INT_EQ(v2x_codec_encode(fx->codec, &back, again, sizeof(again), &len), 0);
		CHECK_UINT_EQ(len, fx->len[i]);
		CHECK_MEM_EQ(again, fx->enc[i], fx->len[i]);
		json_decref(j);
		free(text);
	}
}

/* Every proper prefix fails cleanly: truncated or malformed, never a crash
 * or a success. */
static void truncations(struct fixture *fx)
{
	const struct v2x_codec_stats *st = v2x_codec_stats(fx->codec);

	for (size_t i = 0; i < NTYPES; i++) {
		for (size_t n = 0; n < fx->len[i]; n++) {
			const struct v2x_msg *m;
			uint8_t *copy = malloc(n ? n : 1);
			int err;
			memcpy(copy, fx->enc[i], n);
			err = v2x_codec_decode(fx->codec, copy, n, &m);
			if (!CHECK(err == V2X_ETRUNCATED || err == V2X_EMALFORMED))
				fprintf(stderr, "%s cut to %zu bytes: %s\n",
				        v2x_msg_type_name(types[i]), n, v2x_err_name(err));
			free(copy);
		}
	}
	CHECK(st->decode_errors[v2x_err_index(V2X_ETRUNCATED)] > 0);
}

static void trailing_and_size(struct fixture *fx)
{
	struct v2x_codec_limits small = { .max_msg_size = 16 };
	struct v2x_codec *tiny = v2x_codec_new(&small);
	const struct v2x_msg *m;
	uint8_t buf[4096];

	memcpy(buf, fx->enc[0], fx->len[0]);
	buf[fx->len[0]] = 0;
	CHECK_INT_EQ(v2x_codec_decode(fx->codec, buf, fx->len[0] + 1, &m), V2X_ETRAILING);
	CHECK(strstr(v2x_codec_error(fx->codec), "1 bytes after") != NULL);
	CHECK_INT_EQ(v2x_codec_decode(tiny, fx->enc[0], fx->len[0], &m), V2X_ETOO_BIG);
	CHECK_INT_EQ(v2x_codec_decode(fx->codec, buf, 0, &m), V2X_ETRUNCATED);
	CHECK_UINT_EQ(v2x_codec_stats(tiny)->decode_errors[v2x_err_index(V2X_ETOO_BIG)], 1);
	v2x_codec_free(tiny);
}

/* Writes value into nbits bits of buf from bit pos (MSB first). */
static void put_bits(uint8_t *buf, size_t pos, unsigned nbits, unsigned long value)
{
	for (unsigned i = 0; i < nbits; i++) {
		size_t bit = pos + i;
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
		if (value & (1ul << (nbits - 1 - i)))
			buf[bit / 8] |= mask;
		else
			buf[bit / 8] &= (uint8_t)~mask;
	}
}

/*
 * UPER carries Heading (0..28800) in 15 bits, so 30000 can arrive; the
 * decoder must refuse it.  The heading's bits are found by encoding two
 * headings that differ in the field's top bit only.
 */
static void out_of_range_on_the_wire(struct fixture *fx)
{
	struct v2x_msg m;
	uint8_t a[4096], b[4096];
	size_t la, lb, pos = 0;
	const struct v2x_msg *out;

	v2x_arena_reset(&fx->arena);
	v2x_sample_build(V2X_MSG_BSM, &fx->arena, &m);
	m.u.bsm.heading_deg = 0;
	CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, a, sizeof(a), &la), 0);
	m.u.bsm.heading_deg = 16384 * 0.0125;
	CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, b, sizeof(b), &lb), 0);
	while (pos < la * 8 && ((a[pos / 8] ^ b[pos / 8]) & (0x80u >> (pos % 8))) == 0)
		pos++;
	if (!CHECK(pos < la * 8 && la == lb))
		return;
	put_bits(a, pos, 15, 30000);
	CHECK_INT_EQ(v2x_codec_decode(fx->codec, a, la, &out), V2X_EMALFORMED);
	printf("heading 30000 on the wire: %s\n", v2x_codec_error(fx->codec));
	CHECK(strstr(v2x_codec_error(fx->codec), "bsm.heading_deg: 30000 is outside 0..28800"));
	put_bits(a, pos, 15, 28800);
	CHECK_INT_EQ(v2x_codec_decode(fx->codec, a, la, &out), 0);
	CHECK(isnan(out->u.bsm.heading_deg));
}

/* Values the encoding cannot hold are refused with the field's path. */
static void encode_errors(struct fixture *fx)
{
	struct v2x_msg m;
	uint8_t buf[4096];
	size_t len;

	v2x_arena_reset(&fx->arena);
	v2x_sample_build(V2X_MSG_BSM, &fx->arena, &m);
	m.u.bsm.speed_mps = 200;
	CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, buf, sizeof(buf), &len), V2X_ERANGE);
	CHECK(strstr(v2x_codec_error(fx->codec), "bsm.speed_mps: 200 is outside") != NULL);
	m.u.bsm.speed_mps = 10;
	m.u.bsm.safety_ext.path_history.v[3].pos.ll_enc = V2X_LL_B12;
	m.u.bsm.safety_ext.path_history.v[3].pos.dlat_deg = 0.01;
	CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, buf, sizeof(buf), &len), V2X_ERANGE);
	CHECK_STR_EQ(v2x_codec_error(fx->codec),
	             "bsm.safety_ext.path_history.points[3].pos.dlat_deg: 0.01 is outside "
	             "-0.0002048..0.0002047");
	m.u.bsm.safety_ext.path_history.v[3].pos.ll_enc = V2X_LL_AUTO;
	CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, buf, 8, &len), V2X_ETOO_BIG);
	m.type = V2X_MSG_NONE;
	CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, buf, sizeof(buf), &len), V2X_EINVAL);
	CHECK(v2x_codec_stats(fx->codec)->encode_errors[v2x_err_index(V2X_ERANGE)] >= 2);
}

/* V2X_LL_AUTO picks the shortest offset that holds the point. */
static void offset_choice(struct fixture *fx)
{
	static const struct {
		double north_m;
		uint8_t enc;
	} cases[] = { { 10, V2X_LL_B12 },       { 50, V2X_LL_B14 },    { 300, V2X_LL_B16 },
		      { 1000, V2X_LL_B18 },     { 20000, V2X_LL_B22 }, { 80000, V2X_LL_B24 },
		      { 200000, V2X_LL_LATLON } };
	struct v2x_msg m;
	uint8_t buf[4096];
	size_t len;
	const struct v2x_msg *out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v2x_arena_reset(&fx->arena);
		v2x_sample_build(V2X_MSG_RSM, &fx->arena, &m);
		m.u.rsm.participants[0].pos.lat_deg =
		        m.u.rsm.ref_pos.lat_deg + cases[i].north_m / 111000;
		CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, buf, sizeof(buf), &len), 0);
		CHECK_INT_EQ(v2x_codec_decode(fx->codec, buf, len, &out), 0);
		CHECK_UINT_EQ(out->u.rsm.participants[0].pos.ll_enc, cases[i].enc);
		CHECK_DBL_NEAR(out->u.rsm.participants[0].pos.lat_deg,
		               m.u.rsm.participants[0].pos.lat_deg, 0.6e-7);
	}
}

/* An extensible bit string keeps its length, inside the root size or not
 * (13 is VehicleEventFlags' root; the others travel in the extension form). */
static void extensible_bits(struct fixture *fx)
{
	static const uint8_t lengths[] = { 13, 5, 14, 64 };
	struct v2x_msg m;
	uint8_t buf[4096], again[4096];
	size_t len, len2;
	const struct v2x_msg *out;

	for (size_t i = 0; i < sizeof(lengths); i++) {
		v2x_arena_reset(&fx->arena);
		v2x_sample_build(V2X_MSG_BSM, &fx->arena, &m);
		m.u.bsm.safety_ext.events_nbits = lengths[i];
		m.u.bsm.safety_ext.events = (uint64_t)1 << (lengths[i] - 1) | 1;
		CHECK_INT_EQ(v2x_codec_encode(fx->codec, &m, buf, sizeof(buf), &len), 0);
		CHECK_INT_EQ(v2x_codec_decode(fx->codec, buf, len, &out), 0);
		CHECK_UINT_EQ(out->u.bsm.safety_ext.events_nbits, lengths[i]);
		CHECK_UINT_EQ(out->u.bsm.safety_ext.events, m.u.bsm.safety_ext.events);
		CHECK_INT_EQ(v2x_codec_encode(fx->codec, out, again, sizeof(again), &len2), 0);
		CHECK_UINT_EQ(len2, len);
		CHECK_MEM_EQ(again, buf, len);
	}
}

/* A MessageFrame alternative of a newer schema is counted by its number. */
static void unsupported_alternatives(struct fixture *fx)
{
	const struct v2x_codec_stats *st = v2x_codec_stats(fx->codec);
	uint8_t ext7[] = { 0x80 | 2, 0x01, 0x00 };   /* extension 3 = alternative 7 */
	uint8_t big[] = { 0x80 | 0x40, 0x01, 0x50 }; /* an extension number of 64+ */
	uint8_t root5[] = { 0x50, 0, 0, 0, 0, 0 };
	const struct v2x_msg *m;

	CHECK_INT_EQ(v2x_codec_decode(fx->codec, ext7, sizeof(ext7), &m), V2X_EUNSUPPORTED_MSG);
	CHECK_UINT_EQ(st->unsupported[7], 1);
	CHECK_INT_EQ(v2x_codec_decode(fx->codec, big, sizeof(big), &m), V2X_EUNSUPPORTED_MSG);
	CHECK_UINT_EQ(st->unsupported[V2X_CODEC_ALT_COUNTED - 1], 1);
	/* Root alternatives 5..7 fit the 3-bit index but do not exist: that is
	 * a broken message, not a newer one. */
	CHECK_INT_EQ(v2x_codec_decode(fx->codec, root5, sizeof(root5), &m), V2X_EMALFORMED);
	CHECK_STR_EQ(v2x_codec_error(fx->codec),
	             "MessageFrame root alternative 5 does not exist (0..4 do)");
	CHECK_UINT_EQ(st->unsupported[5], 0);
}

/* JSON input that is wrong says where. */
static void json_errors(struct fixture *fx)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "[]", "expected a JSON object" },
		{ "{\"type\":\"cam\"}", "\"type\" must be one of" },
		{ "{\"type\":\"bsm\"}", "no \"bsm\" object" },
		{ "{\"type\":\"rsm\",\"rsm\":{\"msg_cnt\":1}}", "rsm: missing field 'id'" },
		{ "{\"type\":\"rsm\",\"rsm\":{\"msg_cnt\":300}}",
		  "rsm.msg_cnt: 300 is outside 0..255" },
		{ "{\"type\":\"rsm\",\"rsm\":{\"msg_cnt\":1,\"id\":\"00\"}}",
		  "rsm.id: 1 bytes, expected 8..8" },
		{ "{\"type\":\"rsm\",\"rsm\":{\"sped\":1}}", "rsm: unknown field 'sped'" },
		{ "{\"type\":\"rsm\",\"rsm\":{\"msg_cnt\":1,\"id\":\"0011223344556677\","
		  "\"ref_pos\":{\"lat_deg\":29.6,\"lon_deg\":106.5},\"participants\":[{"
		  "\"ptc_type\":\"robot\"}]}}",
		  "rsm.participants[0].ptc_type: 'robot' is not one of the names" },
	};
	struct v2x_msg m;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		CHECK_INT_EQ(v2x_msg_from_json(j, &m, &fx->arena, err, sizeof(err)), V2X_EPARSE);
		if (!CHECK(strstr(err, cases[i].want) != NULL))
			fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, cases[i].want);
		json_decref(j);
	}
}

int main(void)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->codec = v2x_codec_new(NULL);
	v2x_arena_init(&fx->arena, 4096, 0);
	encode_samples(fx);
	byte_round_trip(fx);
	json_round_trip(fx);
	truncations(fx);
	trailing_and_size(fx);
	out_of_range_on_the_wire(fx);
	encode_errors(fx);
	offset_choice(fx);
	extensible_bits(fx);
	unsupported_alternatives(fx);
	json_errors(fx);
	for (size_t i = 0; i < NTYPES; i++)
		CHECK(v2x_codec_stats(fx->codec)->decoded[types[i]] >= 3);
	v2x_arena_fini(&fx->arena);
	v2x_codec_free(fx->codec);
	free(fx);
	return check_exit();
}
