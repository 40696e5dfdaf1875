/*
 * wire-frame-garbage: whatever the bytes, the parser yields frames or stops
 * with a typed error (V2X_EFRAME_TOO_BIG, V2X_EFRAME_GARBAGE; V2X_ETRUNCATED
 * from finish), and after an error it refuses all further input.
 */
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "tests/check.h"

/*
 * Feeds buf[0..len) in one piece to a fresh parser with limits (NULL:
 * defaults), then ends the stream.  Returns the first error (of next, or of
 * finish) or 0, the frames before it in *frames.
 */
static int feed(const uint8_t *buf, size_t len, const struct v2x_frame_limits *limits,
                size_t *frames)
{
	struct v2x_frame_parser p;
	const V2x__Wire__Frame *f;
	int rc;

	*frames = 0;
	v2x_frame_parser_init(&p, limits);
	while ((rc = v2x_frame_parser_next(&p, &buf, &len, &f)) == 1)
		(*frames)++;
	if (rc == 0)
		rc = v2x_frame_parser_finish(&p);
	v2x_frame_parser_fini(&p);
	return rc;
}

#define FEED(bytes, limits, frames) feed(bytes, sizeof(bytes), limits, frames)

static void test_prefixes(void)
{
	static const uint8_t truncated[] = { 0x80, 0x80 };
	static const uint8_t zero[] = { 0x00 };
	static const uint8_t zero_long[] = { 0x80, 0x00 };
	/* Eleven bytes: the tenth still has its continuation bit. */
	static const uint8_t too_long[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		                            0x80, 0x80, 0x80, 0x80, 0x00 };
	/* Ten bytes whose last carries bits above 63. */
	static const uint8_t too_wide[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
		                            0x80, 0x80, 0x80, 0x80, 0x02 };
	static const uint8_t huge[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
	};
	size_t n;

	CHECK_INT_EQ(FEED(truncated, NULL, &n), V2X_ETRUNCATED);
	CHECK_INT_EQ(FEED(zero, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(zero_long, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(too_long, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(too_wide, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(huge, NULL, &n), V2X_EFRAME_TOO_BIG);
}

static void test_bodies(void)
{
	/* Wire type 7 does not exist. */
	static const uint8_t bad_wire_type[] = { 0x03, 0xff, 0xff, 0xff };
	/* Field 1 (hello, a message) sent as a varint. */
	static const uint8_t wrong_type[] = { 0x02, 0x08, 0x01 };
	/* Hello whose length runs past the end of the frame. */
	static const uint8_t short_inner[] = { 0x03, 0x0a, 0x05, 0x08 };
	/* Only an unknown field (127): a Frame with no alternative. */
	static const uint8_t unknown_only[] = { 0x03, 0xf8, 0x07, 0x00 };
	/* A Heartbeat, then an unknown field numbered 0 in a 4-byte tag:
	 * protobuf-c 1.4.1 accepts it, protobuf itself does not. */
	static const uint8_t field_zero[] = { 0x07, 0x22, 0x00, 0x80, 0x80, 0x80, 0x00, 0x00 };
	/* The same inside the Heartbeat. */
	static const uint8_t inner_zero[] = { 0x07, 0x22, 0x05, 0x80, 0x80, 0x80, 0x00, 0x00 };
	/* Field number 2^29, one above protobuf's largest. */
	static const uint8_t field_2_29[] = {
		0x08, 0x22, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00
	};
	/* Heartbeat cut short by the end of the stream. */
	static const uint8_t cut[] = { 0x05, 0x22, 0x03, 0x08 };
	size_t n;

	CHECK_INT_EQ(FEED(bad_wire_type, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(wrong_type, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(short_inner, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(unknown_only, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(cut, NULL, &n), V2X_ETRUNCATED);
	CHECK_INT_EQ(FEED(field_zero, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(inner_zero, NULL, &n), V2X_EFRAME_GARBAGE);
	CHECK_INT_EQ(FEED(field_2_29, NULL, &n), V2X_EFRAME_GARBAGE);
}

/* Unknown fields of a newer protocol version are kept, not refused. */
static void test_unknown_fields(void)
{
	/* Heartbeat {} with field 2^29 - 1 (tag f8 ff ff ff 0f) set to 0. */
	static const uint8_t biggest[] = { 0x08, 0x22, 0x00, 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00 };
	/* Heartbeat {send_time_us: 1, field 99: "x"} */
	static const uint8_t inner[] = { 0x08, 0x22, 0x06, 0x08, 0x01, 0x9a, 0x06, 0x01, 0x78 };
	size_t n;

	CHECK_INT_EQ(FEED(biggest, NULL, &n), 0);
	CHECK_UINT_EQ(n, 1);
	CHECK_INT_EQ(FEED(inner, NULL, &n), 0);
	CHECK_UINT_EQ(n, 1);
}

/* A good frame, then garbage: the frame comes out, then the error, and
 * the parser consumes nothing more however it is called. */
static void test_sticky(void)
{
	static const uint8_t stream[] = { 0x02, 0x22, 0x00, /* Heartbeat {} */
		                          0x00,             /* zero length */
		                          0x02, 0x22, 0x00 };
	struct v2x_frame_parser p;
	const uint8_t *buf = stream;
	size_t len = sizeof(stream);
	const V2x__Wire__Frame *f;

	v2x_frame_parser_init(&p, NULL);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &f), 1);
	CHECK(f && f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &f), V2X_EFRAME_GARBAGE);
	CHECK(f == NULL);
	CHECK_UINT_EQ(len, 3);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &f), V2X_EFRAME_GARBAGE);
	CHECK_UINT_EQ(len, 3);
	CHECK_INT_EQ(v2x_frame_parser_finish(&p), V2X_EFRAME_GARBAGE);
	CHECK_STR_EQ(v2x_frame_parser_error(&p), "zero-length frame");
	v2x_frame_parser_fini(&p);
}

/* A small frame that unpacks to much memory: 30000 empty vehicle ids take
 * 60 kB on the wire and 480 kB unpacked. */
static void test_expansion(void)
{
	enum { IDS = 30000 };
	struct v2x_frame_limits limits = { .max_arena_size = (size_t)256 * 1024 };
	uint8_t *buf = malloc(8 + 2 * IDS);
	size_t len, n, body = (size_t)2 * IDS;

	if (!buf)
		return;
	/* Frame.subscribe (field 6, length-delimited) holding IDS x field 2. */
	len = v2x_frame_put_varint(buf, 1 + 3 + body);
	buf[len++] = 0x32;
	len += v2x_frame_put_varint(buf + len, body);
	for (size_t i = 0; i < IDS; i++) {
		buf[len++] = 0x12;
		buf[len++] = 0x00;
	}
	CHECK_INT_EQ(feed(buf, len, &limits, &n), V2X_EFRAME_TOO_BIG);
	CHECK_INT_EQ(feed(buf, len, NULL, &n), 0);
	CHECK_UINT_EQ(n, 1);
	free(buf);
}

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random bytes, and valid streams with random bits flipped, each fed
 * whole: only frames and typed errors come out. */
static void test_random(void)
{
	struct v2x_arena a;
	V2x__Wire__Frame sample;
	uint8_t buf[4096];
	uint64_t x = 0x2545f4914f6cdd1dull;
	size_t good_len = 0, errors = 0, frames = 0;

	v2x_arena_init(&a, 0, 0);
	CHECK_INT_EQ(wire_sample_frame(5, &a, &sample), 0);
	CHECK_INT_EQ(v2x_frame_encode(&sample, buf, sizeof(buf), &good_len), 0);
	for (int round = 0; round < 20000; round++) {
		uint8_t in[4096];
		size_t len = 1 + next_rand(&x) % sizeof(in), n;
		int rc;

		if (round % 2) {
			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)next_rand(&x);
		} else {
			len = good_len;
			memcpy(in, buf, len);
			for (int k = 0; k < 1 + round % 7; k++)
				in[next_rand(&x) % len] ^= (uint8_t)(1u << (next_rand(&x) % 8));
		}
		rc = feed(in, len, NULL, &n);
		frames += n;
		errors += rc != 0;
		if (rc != 0 && rc != V2X_EFRAME_GARBAGE && rc != V2X_EFRAME_TOO_BIG &&
		    rc != V2X_ETRUNCATED)
			CHECK_INT_EQ(rc, V2X_EFRAME_GARBAGE);
	}
	printf("random: %zu frames, %zu typed errors in 20000 inputs\n", frames, errors);
	v2x_arena_fini(&a);
}

int main(void)
{
	test_prefixes();
	test_bodies();
	test_unknown_fields();
	test_sticky();
	test_expansion();
	test_random();
	return check_exit();
}
