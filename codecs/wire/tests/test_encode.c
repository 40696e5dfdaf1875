/*
 * wire-frame-encode: the encoder's length prefix (base-128 varint, 1 to 10
 * bytes), its report of the size needed, and its refusals.
 */
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "tests/check.h"

static void test_varint(void)
{
	static const struct {
		uint64_t v;
		size_t n;
		uint8_t bytes[V2X_FRAME_VARINT_MAX];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 127, 1, { 0x7f } },
		{ 128, 2, { 0x80, 0x01 } },
		{ 300, 2, { 0xac, 0x02 } },
		{ 16383, 2, { 0xff, 0x7f } },
		{ 16384, 3, { 0x80, 0x80, 0x01 } },
		{ UINT64_MAX, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[V2X_FRAME_VARINT_MAX];
		size_t n = v2x_frame_put_varint(buf, cases[i].v);
		CHECK_UINT_EQ(n, cases[i].n);
		CHECK_MEM_EQ(buf, cases[i].bytes, cases[i].n);
	}
}

/* A Bye whose body is exactly body_len bytes (the text pads it). */
static void bye_of(V2x__Wire__Frame *f, V2x__Wire__Bye *b, char *text, size_t body_len)
{
	v2x__wire__frame__init(f);
	v2x__wire__bye__init(b);
	f->msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f->bye = b;
	b->text = text;
	for (size_t l = 0; l < body_len; l++) {
		memset(text, 'x', l);
		text[l] = '\0';
		if (protobuf_c_message_get_packed_size(&f->base) == body_len)
			return;
	}
	(void)CHECK(!"no text length gives that body length");
}

/* Bodies on each side of the prefix growing a byte: 1, 2 and 3 bytes. */
static void test_prefix_lengths(void)
{
	static const struct {
		size_t body;
		size_t prefix;
	} cases[] = { { 127, 1 }, { 128, 2 }, { 16383, 2 }, { 16384, 3 } };
	char *text = malloc(20000);
	uint8_t *buf = malloc(20000);

	for (size_t i = 0; text && buf && i < sizeof(cases) / sizeof(cases[0]); i++) {
		V2x__Wire__Frame f;
		V2x__Wire__Bye b;
		struct v2x_frame_parser p;
		const uint8_t *in = buf;
		const V2x__Wire__Frame *out = NULL;
		size_t len, left;

		bye_of(&f, &b, text, cases[i].body);
		CHECK_UINT_EQ(v2x_frame_size(&f), cases[i].prefix + cases[i].body);
		CHECK_INT_EQ(v2x_frame_encode(&f, buf, 20000, &len), 0);
		CHECK_UINT_EQ(len, cases[i].prefix + cases[i].body);
		CHECK_UINT_EQ(buf[cases[i].prefix - 1] & 0x80, 0);
		v2x_frame_parser_init(&p, NULL);
		left = len;
		CHECK_INT_EQ(v2x_frame_parser_next(&p, &in, &left, &out), 1);
		CHECK(out && out->msg_case == V2X__WIRE__FRAME__MSG_BYE &&
		      strcmp(out->bye->text, text) == 0);
		v2x_frame_parser_fini(&p);
	}
	free(text);
	free(buf);
}

/* Too small a buffer: nothing written, the size needed reported. */
static void test_short_buffer(void)
{
	struct v2x_arena a;
	V2x__Wire__Frame f;
	uint8_t buf[4096], before[4096];
	size_t len = 0, need;

	v2x_arena_init(&a, 0, 0);
	CHECK_INT_EQ(wire_sample_frame(0, &a, &f), 0);
	need = v2x_frame_size(&f);
	CHECK(need < sizeof(buf));
	memset(buf, 0xa5, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	CHECK_INT_EQ(v2x_frame_encode(&f, buf, need - 1, &len), V2X_ETOO_BIG);
	CHECK_UINT_EQ(len, need);
	CHECK_MEM_EQ(buf, before, sizeof(buf));
	CHECK_INT_EQ(v2x_frame_encode(&f, buf, 0, &len), V2X_ETOO_BIG);
	CHECK_UINT_EQ(len, need);
	CHECK_INT_EQ(v2x_frame_encode(&f, buf, need, &len), 0);
	CHECK_UINT_EQ(len, need);
	v2x_arena_fini(&a);
}

/* Coalescing: frames encoded back to back into one buffer, as a writer
 * does for one write per loop turn, parse in order. */
static void test_coalesce(void)
{
	struct v2x_arena a;
	struct v2x_frame_parser p;
	uint8_t *buf = malloc(1u << 20);
	size_t used = 0, n = wire_sample_frame_count(), got = 0;
	const uint8_t *in;
	const V2x__Wire__Frame *out;

	v2x_arena_init(&a, 0, 0);
	for (size_t i = 0; buf && i < n; i++) {
		V2x__Wire__Frame f;
		size_t len;
		CHECK_INT_EQ(wire_sample_frame(i, &a, &f), 0);
		CHECK_INT_EQ(v2x_frame_encode(&f, buf + used, (1u << 20) - used, &len), 0);
		used += len;
	}
	v2x_frame_parser_init(&p, NULL);
	in = buf;
	while (buf && v2x_frame_parser_next(&p, &in, &used, &out) == 1)
		got++;
	CHECK_UINT_EQ(got, n);
	CHECK_UINT_EQ(used, 0);
	v2x_frame_parser_fini(&p);
	v2x_arena_fini(&a);
	free(buf);
}

/* A frame with no alternative, or a NULL one, would be rejected by the
 * peer: the encoder refuses it. */
static void test_refusals(void)
{
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	uint8_t buf[64];
	size_t len = 1;

	CHECK_INT_EQ(v2x_frame_encode(&f, buf, sizeof(buf), &len), V2X_EINVAL);
	CHECK_UINT_EQ(len, 0);
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	CHECK_INT_EQ(v2x_frame_encode(&f, buf, sizeof(buf), &len), V2X_EINVAL);
}

int main(void)
{
	test_varint();
	test_prefix_lengths();
	test_short_buffer();
	test_coalesce();
	test_refusals();
	return check_exit();
}
