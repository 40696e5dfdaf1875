/*
 * wire-frame-stream: a stream of frames of every kind parses to the same
 * frames however it is cut: at every byte boundary, one byte at a time, in
 * random-sized pieces, all at once.  A parsed frame is "the same" when it
 * packs back to exactly the bytes it was sent as.
 */
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "tests/check.h"

/* A stream of framed frames and where each one starts. */
struct stream {
	uint8_t *buf;
	size_t len;
	size_t n;
	size_t *start; /* n + 1 offsets; start[n] == len */
};

/* How a run cuts the stream: returns the length of the next piece. */
typedef size_t (*cut_fn)(void *state, size_t pos, size_t left);

static int append(struct stream *s, const V2x__Wire__Frame *f)
{
	size_t need = v2x_frame_size(f), len;
	uint8_t *grown = realloc(s->buf, s->len + need);
	size_t *starts = realloc(s->start, (s->n + 2) * sizeof(*s->start));

	if (grown)
		s->buf = grown;
	if (starts)
		s->start = starts;
	if (!grown || !starts || v2x_frame_encode(f, s->buf + s->len, need, &len) != 0)
		return -1;
	s->start[s->n++] = s->len;
	s->len += len;
	s->start[s->n] = s->len;
	return 0;
}

/* Builds a stream of every sample frame, rounds times, leaving out those
 * above 16 kB (the big UPER observation) when small_only. */
static int build(struct stream *s, int rounds, bool small_only)
{
	struct v2x_arena a;
	int rc = 0;

	v2x_arena_init(&a, 0, 0);
	memset(s, 0, sizeof(*s));
	for (int r = 0; r < rounds && rc == 0; r++) {
		for (size_t i = 0; i < wire_sample_frame_count() && rc == 0; i++) {
			V2x__Wire__Frame f;
			/* Every other round backwards, so each kind follows every other. */
			size_t k = r % 2 ? wire_sample_frame_count() - 1 - i : i;
			rc = wire_sample_frame(k, &a, &f);
			if (rc == 0 && !(small_only && v2x_frame_size(&f) > 16384))
				rc = append(s, &f);
			v2x_arena_reset(&a);
		}
	}
	v2x_arena_fini(&a);
	return rc == 0 && s->n < 2 ? -1 : rc;
}

static void stream_free(struct stream *s)
{
	free(s->buf);
	free(s->start);
}

/* Checks that frame is frame i of s, byte for byte once packed again. */
static bool same_frame(const struct stream *s, size_t i, const V2x__Wire__Frame *f,
                       uint8_t *scratch)
{
	size_t want = s->start[i + 1] - s->start[i], len;

	if (v2x_frame_encode(f, scratch, want, &len) != 0 || len != want)
		return false;
	return memcmp(scratch, s->buf + s->start[i], want) == 0;
}

/*
 * Feeds s to a fresh parser in the pieces cut gives and checks every frame
 * that comes out.  Returns the number of problems (0: all frames, in order,
 * identical, and the stream ended cleanly).
 */
static int run(const struct stream *s, cut_fn cut, void *state, uint8_t *scratch)
{
	struct v2x_frame_parser p;
	size_t pos = 0, got = 0;
	int bad = 0;

	v2x_frame_parser_init(&p, NULL);
	while (pos < s->len && !bad) {
		size_t piece = cut(state, pos, s->len - pos);
		const uint8_t *buf = s->buf + pos;
		size_t len = piece;
		const V2x__Wire__Frame *f;
		int rc;

		while ((rc = v2x_frame_parser_next(&p, &buf, &len, &f)) == 1)
			bad += got >= s->n || !same_frame(s, got++, f, scratch);
		bad += rc != 0 || len != 0;
		pos += piece;
	}
	bad += got != s->n || v2x_frame_parser_finish(&p) != 0;
	bad += v2x_frame_parser_stats(&p).bytes != s->len;
	v2x_frame_parser_fini(&p);
	return bad;
}

struct split {
	size_t at;
};

static size_t cut_split(void *state, size_t pos, size_t left)
{
	const struct split *sp = state;

	return pos < sp->at ? sp->at - pos : left;
}

static size_t cut_byte(void *state, size_t pos, size_t left)
{
	(void)state;
	(void)pos;
	(void)left;
	return 1;
}

static size_t cut_whole(void *state, size_t pos, size_t left)
{
	(void)state;
	(void)pos;
	return left;
}

/* xorshift64: repeatable pieces from a printed seed. */
static size_t cut_random(void *state, size_t pos, size_t left)
{
	uint64_t *x = state;
	size_t piece;

	(void)pos;
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	/* Mostly small pieces, sometimes large ones spanning several frames. */
	piece = *x % 8 == 0 ? 1 + (size_t)(*x >> 32) % 40000 : 1 + (size_t)(*x >> 32) % 300;
	return piece < left ? piece : left;
}

/* Every cut into two pieces, over a stream of each frame once but the big one. */
static void test_every_boundary(uint8_t *scratch)
{
	struct stream s;
	size_t failed = 0, first = 0;

	if (!CHECK(build(&s, 1, true) == 0)) {
		stream_free(&s);
		return;
	}
	for (size_t at = 0; at <= s.len; at++) {
		struct split sp = { at };
		if (run(&s, cut_split, &sp, scratch) && !failed++)
			first = at;
	}
	if (failed)
		fprintf(stderr, "%zu of %zu cuts failed, the first at byte %zu\n", failed,
		        s.len + 1, first);
	CHECK_UINT_EQ(failed, 0);
	printf("every boundary: %zu frames, %zu cuts\n", s.n, s.len + 1);
	stream_free(&s);
}

static void test_pieces(uint8_t *scratch)
{
	struct stream s;

	if (!CHECK(build(&s, 3, false) == 0)) {
		stream_free(&s);
		return;
	}
	CHECK(s.n >= 3 * wire_sample_frame_count());
	CHECK_INT_EQ(run(&s, cut_whole, NULL, scratch), 0);
	CHECK_INT_EQ(run(&s, cut_byte, NULL, scratch), 0);
	for (uint64_t seed = 1; seed <= 50; seed++) {
		uint64_t x = seed * 0x9e3779b97f4a7c15ull;
		int bad = run(&s, cut_random, &x, scratch);
		if (bad)
			fprintf(stderr, "random pieces, seed %llu: %d problem(s)\n",
			        (unsigned long long)seed, bad);
		CHECK_INT_EQ(bad, 0);
	}
	printf("pieces: %zu frames, %zu bytes\n", s.n, s.len);
	stream_free(&s);
}

/* A frame returned stays valid until the next call, even if the caller
 * keeps the rest of the buffer for later. */
static void test_stop_between_frames(uint8_t *scratch)
{
	struct stream s;
	struct v2x_frame_parser p;
	const uint8_t *buf;
	size_t len;
	const V2x__Wire__Frame *f;

	if (!CHECK(build(&s, 1, false) == 0)) {
		stream_free(&s);
		return;
	}
	v2x_frame_parser_init(&p, NULL);
	buf = s.buf;
	len = s.len;
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &f), 1);
	CHECK(f && same_frame(&s, 0, f, scratch));
	CHECK_UINT_EQ(len, s.len - s.start[1]);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &buf, &len, &f), 1);
	CHECK(f && same_frame(&s, 1, f, scratch));
	CHECK_UINT_EQ(v2x_frame_parser_stats(&p).copied, 0);
	v2x_frame_parser_fini(&p);
	stream_free(&s);
}

int main(void)
{
	uint8_t *scratch = malloc(1u << 20);

	if (!scratch)
		return 1;
	test_stop_between_frames(scratch);
	test_pieces(scratch);
	test_every_boundary(scratch);
	free(scratch);
	return check_exit();
}
