/*
 * fuzz_frame: libFuzzer target for the wire protocol's untrusted input: the
 * frame parser fed a byte stream in pieces, and the Observation -> struct
 * v2x_msg conversion of every observation it yields.
 *
 * Input: byte 0 says how the rest is cut: 0 one piece; k > 0 pieces of 1..k
 * bytes drawn from a sequence seeded by k (1: a byte at a time).  The rest
 * is the stream.
 *
 * Besides not crashing or leaking, every frame must keep two properties,
 * and the target aborts when one breaks:
 * - packed again and parsed again, it packs to the same bytes;
 * - an observation that converts to a message converts back and forth to
 *   the same message, field by field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_frame: %s\n", what);
	abort();
}

/* Packs f, parses that, packs the result: both packings must agree. */
static void check_repack(const V2x__Wire__Frame *f)
{
	struct v2x_frame_parser p;
	size_t n = v2x_frame_size(f), n2 = 0, left = n;
	uint8_t *once = malloc(n), *twice = malloc(n);
	const uint8_t *in = once;
	const V2x__Wire__Frame *g = NULL;

	if (!once || !twice)
		fail("out of memory");
	if (v2x_frame_encode(f, once, n, &n2) != 0 || n2 != n)
		fail("a parsed frame does not encode");
	v2x_frame_parser_init(&p, NULL);
	if (v2x_frame_parser_next(&p, &in, &left, &g) != 1 || left != 0) {
		fprintf(stderr, "fuzz_frame: %s\n", v2x_frame_parser_error(&p));
		fail("an encoded frame does not parse");
	}
	if (v2x_frame_encode(g, twice, n, &n2) != 0 || n2 != n || memcmp(once, twice, n) != 0)
		fail("a frame packs differently once parsed again");
	v2x_frame_parser_fini(&p);
	free(once);
	free(twice);
}

/* Observation -> msg; when that works, msg -> Observation -> msg again
 * must work and give the same message. */
static void check_observation(const V2x__Wire__Observation *obs)
{
	struct v2x_arena a;
	struct v2x_msg m1, m2;
	V2x__Wire__Observation again = V2X__WIRE__OBSERVATION__INIT;
	char err[256];

	v2x_arena_init(&a, 0, 0);
	if (v2x_wire_obs_to_msg(obs, &a, &m1, err, sizeof(err)) == 0) {
		if (v2x_wire_msg_to_obs(&m1, &a, &again) != 0)
			fail("a converted message does not convert back");
		if (v2x_wire_obs_to_msg(&again, &a, &m2, err, sizeof(err)) != 0)
			fail(err);
		if (wire_msg_diff(&m1, &m2, stderr) != 0)
			fail("a message changed on its way through an Observation");
	}
	v2x_arena_fini(&a);
}

static void exercise(const V2x__Wire__Frame *f)
{
	check_repack(f);
	if (f->msg_case == V2X__WIRE__FRAME__MSG_OBSERVATION)
		check_observation(f->observation);
}

/* The next piece length: 1..k from a xorshift sequence, or all (k == 0). */
static size_t piece(uint32_t *x, uint8_t k, size_t left)
{
	size_t n;

	if (k == 0)
		return left;
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	n = 1 + *x % k;
	return n < left ? n : left;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v2x_frame_parser p;
	uint32_t x;
	uint8_t k;
	int rc = 0;

	if (size < 1)
		return 0;
	k = data[0];
	x = 0x9e3779b9u ^ k;
	data++;
	size--;
	v2x_frame_parser_init(&p, NULL);
	while (size && rc >= 0) {
		size_t n = piece(&x, k, size), left = n;
		const uint8_t *buf = data;
		const V2x__Wire__Frame *f;
		while ((rc = v2x_frame_parser_next(&p, &buf, &left, &f)) == 1)
			exercise(f);
		/* After an error the parser takes nothing more, ever. */
		if (rc < 0 && (v2x_frame_parser_next(&p, &buf, &left, &f) != rc || f))
			fail("a stopped parser answered differently");
		data += n;
		size -= n;
	}
	if (rc == 0)
		(void)v2x_frame_parser_finish(&p);
	v2x_frame_parser_fini(&p);
	return 0;
}
