/*
 * wire-frame-limits: an oversize length prefix is refused before anything
 * is allocated or buffered, and a parser in steady state allocates nothing.
 *
 * Linked with --wrap=malloc/calloc/realloc, so every allocation of the
 * program's own code (the parser, the arena, protobuf-c through the
 * parser's allocator, which calls the arena) is counted here.
 */
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "tests/check.h"

/* The linker's --wrap names, reserved identifiers or not. */
// NOLINTBEGIN(bugprone-reserved-identifier)
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

/* The one global of the program: the wrappers have nowhere else to count. */
static size_t allocations;

void *__wrap_malloc(size_t size)
{
	allocations++;
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	allocations++;
	return __real_realloc(p, size);
}
// NOLINTEND(bugprone-reserved-identifier)

/* A prefix far above the maximum, then a megabyte that claims to be its
 * body: refused at the prefix, with nothing allocated or consumed after. */
static void test_oversize_prefix(void)
{
	struct v2x_frame_parser p;
	uint8_t *in = __real_calloc(1, 1u << 20);
	const uint8_t *buf = in;
	size_t len = 1u << 20, before, prefix;
	const V2x__Wire__Frame *f;
	struct v2x_frame_parser_stats st;

	if (!in)
		return;
	/* 2^40 - 1: its third byte already makes it above 2^21 - 1 > 1 MiB. */
	prefix = v2x_frame_put_varint(in, ((uint64_t)1 << 40) - 1);
	before = allocations;
	v2x_frame_parser_init(&p, NULL);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &f), V2X_EFRAME_TOO_BIG);
	st = v2x_frame_parser_stats(&p);
	CHECK_UINT_EQ(allocations - before, 0);
	CHECK_UINT_EQ(st.body_capacity, 0);
	CHECK_UINT_EQ(st.arena_held, 0);
	CHECK_UINT_EQ(st.allocs, 0);
	/* Refused as soon as the value passed the maximum (the third byte),
	 * without waiting for the rest of the prefix. */
	CHECK_UINT_EQ(st.bytes, 3);
	CHECK(prefix > 3);
	CHECK_UINT_EQ(len, (1u << 20) - st.bytes);
	printf("oversize: refused after %llu of %zu prefix bytes: %s\n",
	       (unsigned long long)st.bytes, prefix, v2x_frame_parser_error(&p));
	v2x_frame_parser_fini(&p);
	free(in);
}

/* max + 1 is refused, fed one byte at a time so that the body would have
 * to be buffered; max itself is accepted. */
static void test_exact_limit(void)
{
	struct v2x_frame_limits limits = { .max_frame_size = 1000 };
	struct v2x_frame_parser p;
	uint8_t in[16];
	size_t n = v2x_frame_put_varint(in, 1001), before = allocations;
	const V2x__Wire__Frame *f;
	int rc = 0;

	memset(in + n, 0x22, sizeof(in) - n);
	v2x_frame_parser_init(&p, &limits);
	for (size_t i = 0; i < sizeof(in) && rc == 0; i++) {
		const uint8_t *buf = in + i;
		size_t len = 1;
		rc = v2x_frame_parser_next(&p, &buf, &len, &f);
	}
	CHECK_INT_EQ(rc, V2X_EFRAME_TOO_BIG);
	CHECK_UINT_EQ(allocations - before, 0);
	CHECK_UINT_EQ(v2x_frame_parser_stats(&p).body_capacity, 0);
	v2x_frame_parser_fini(&p);
}

static void test_limit_accepted(void)
{
	struct v2x_frame_limits limits = { .max_frame_size = 1000 };
	struct v2x_frame_parser p;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	V2x__Wire__Bye b = V2X__WIRE__BYE__INIT;
	char text[1000];
	uint8_t out[1010];
	const uint8_t *buf = out;
	size_t len;
	const V2x__Wire__Frame *got;

	/* Body: Frame.bye tag and 2-byte length, Bye.text tag and 2-byte
	 * length, 994 bytes of text: 1000 bytes. */
	memset(text, 'r', sizeof(text));
	text[994] = '\0';
	b.text = text;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &b;
	CHECK_UINT_EQ(protobuf_c_message_get_packed_size(&f.base), 1000);
	CHECK_INT_EQ(v2x_frame_encode(&f, out, sizeof(out), &len), 0);
	v2x_frame_parser_init(&p, &limits);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &got), 1);
	v2x_frame_parser_fini(&p);
}

/* The next piece length, 1..700 bytes, of a xorshift sequence. */
static size_t cut(uint64_t *x, size_t left)
{
	size_t piece;

	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	piece = 1 + (size_t)(*x >> 40) % 700;
	return piece < left ? piece : left;
}

/* Parses stream in pieces of a fixed random sequence; returns the frames. */
static size_t parse(struct v2x_frame_parser *p, const uint8_t *stream, size_t len)
{
	uint64_t x = 88172645463325252ull;
	size_t frames = 0;

	while (len) {
		size_t piece = cut(&x, len), left = piece;
		const uint8_t *buf = stream;
		const V2x__Wire__Frame *f;
		while (v2x_frame_parser_next(p, &buf, &left, &f) == 1)
			frames++;
		stream += piece;
		len -= piece;
	}
	return frames;
}

/* After one pass over a stream of every kind of frame, further passes
 * allocate nothing: the body buffer and the arena's chunks are reused. */
static void test_steady_state(void)
{
	struct v2x_arena a;
	struct v2x_frame_parser p;
	uint8_t *stream = __real_malloc(1u << 20);
	size_t len = 0, n = wire_sample_frame_count(), before, frames;

	v2x_arena_init(&a, 0, 0);
	for (size_t i = 0; stream && i < n; i++) {
		V2x__Wire__Frame f;
		size_t l = 0;
		CHECK_INT_EQ(wire_sample_frame(i, &a, &f), 0);
		CHECK_INT_EQ(v2x_frame_encode(&f, stream + len, (1u << 20) - len, &l), 0);
		len += l;
	}
	v2x_arena_fini(&a);
	v2x_frame_parser_init(&p, NULL);
	CHECK_UINT_EQ(parse(&p, stream, len), n);
	before = allocations;
	frames = parse(&p, stream, len) + parse(&p, stream, len);
	CHECK_UINT_EQ(frames, 2 * n);
	CHECK_UINT_EQ(allocations - before, 0);
	printf("steady state: %zu frames, %zu allocations; arena %zu bytes, body buffer %zu\n",
	       frames, allocations - before, v2x_frame_parser_stats(&p).arena_held,
	       v2x_frame_parser_stats(&p).body_capacity);
	v2x_frame_parser_fini(&p);
	free(stream);
}

int main(void)
{
	test_oversize_prefix();
	test_exact_limit();
	test_limit_accepted();
	test_steady_state();
	return check_exit();
}
