/*
 * codec_bench: the codec's decode and encode cost per message type, with
 * bare asn1c's decode measured in the same run as the baseline that the
 * normalisation is judged against (DESIGN.md section 10).
 *
 *   codec-bench [SECONDS_PER_ROUND [ROUNDS]]
 *
 * Prints one figure per line, `name: value unit`, for each type (bsm, map,
 * spat, rsi, rsm):
 *   <type>_bytes                   size of the encoded sample
 *   <type>_decode_ns, _per_s       v2x_codec_decode: UPER to struct v2x_msg
 *   <type>_asn1c_decode_ns, _per_s uper_decode_complete + ASN_STRUCT_FREE
 *   <type>_normalise_overhead_pct  (decode - asn1c decode) / asn1c decode
 *   <type>_encode_ns, _per_s       v2x_codec_encode of the sample as built
 *                                  (positions on V2X_LL_AUTO: the encoder
 *                                  picks the offset sizes, as for downlink)
 *   <type>_decode_allocs, <type>_asn1c_decode_allocs, <type>_encode_allocs
 *                                  malloc/calloc/realloc calls per message,
 *                                  in steady state (not in sanitizer builds)
 *
 * The messages are the samples of codecs/samples.h, encoded once.  Each
 * time is the median of ROUNDS rounds (default 5), in each of which every
 * figure runs for SECONDS_PER_ROUND (default 0.1) in all, in short slices
 * taken in turn with the other figures (see run_round).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "MessageFrame.h"
#include "per_decoder.h"

#include "codecs/codec.h"
#include "codecs/samples.h"
#include "runtime/arena.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define TYPES      5
#define ROUNDS_MAX 15
#define SLICES     50 /* of a round, interleaved */
#define OUT_CAP    V2X_CODEC_DEFAULT_MAX_MSG

/* ---- allocation counting ------------------------------------------------ */

#ifdef BENCH_COUNT_ALLOCS
/*
 * This program's malloc, calloc, realloc and free take precedence over
 * glibc's for every caller in the process, asn1c's runtime included, and
 * forward to glibc's own entry points.  The counter is a global because
 * malloc has no context to carry one; the benchmark is single-threaded.
 */
/* NOLINTBEGIN(bugprone-reserved-identifier): glibc's names, not ours. */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);
/* NOLINTEND(bugprone-reserved-identifier) */

static unsigned long alloc_calls;

void *malloc(size_t size)
{
	alloc_calls++;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	alloc_calls++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	alloc_calls++;
	return __libc_realloc(p, size);
}

void free(void *p)
{
	__libc_free(p);
}

#define COUNTING_ALLOCS 1
#else
static unsigned long alloc_calls;
#define COUNTING_ALLOCS 0
#endif

/* ---- what is measured --------------------------------------------------- */

enum op { OP_DECODE, OP_ASN1C, OP_ENCODE, OP_COUNT };

struct subject {
	enum v2x_msg_type type;
	struct v2x_arena arena; /* the lists of msg */
	struct v2x_msg msg;     /* the sample as built, for encoding */
	uint8_t wire[OUT_CAP];  /* the sample encoded, for decoding */
	size_t len;
	long iters[OP_COUNT];
	double ns[OP_COUNT][ROUNDS_MAX];
	double allocs[OP_COUNT];
};

struct bench {
	struct v2x_codec *codec;
	double round_s;
	int rounds;
	uint8_t out[OUT_CAP];
	struct subject subj[TYPES];
};

static int op_decode(struct bench *b, struct subject *s)
{
	const struct v2x_msg *m;

	return v2x_codec_decode(b->codec, s->wire, s->len, &m);
}

/* The baseline: what the codec's decode does minus the normalisation,
 * with the same stack limit. */
static int op_asn1c(struct bench *b, struct subject *s)
{
	asn_codec_ctx_t ctx = { .max_stack_size = V2X_CODEC_DEFAULT_MAX_STACK };
	MessageFrame_t *mf = NULL;
	asn_dec_rval_t rv =
	        uper_decode_complete(&ctx, &asn_DEF_MessageFrame, (void **)&mf, s->wire, s->len);

	(void)b;
	ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
	return rv.code == RC_OK && rv.consumed == s->len ? V2X_OK : V2X_EMALFORMED;
}

static int op_encode(struct bench *b, struct subject *s)
{
	size_t len;

	return v2x_codec_encode(b->codec, &s->msg, b->out, sizeof(b->out), &len);
}

static const struct {
	const char *name;
	int (*run)(struct bench *b, struct subject *s);
} ops[OP_COUNT] = {
	[OP_DECODE] = { "decode", op_decode },
	[OP_ASN1C] = { "asn1c_decode", op_asn1c },
	[OP_ENCODE] = { "encode", op_encode },
};

/* ---- measuring ---------------------------------------------------------- */

__attribute__((noreturn)) static void op_failed(const struct bench *b, const struct subject *s,
                                                enum op op, int err)
{
	fprintf(stderr, "codec-bench: %s %s failed: %s: %s\n", v2x_msg_type_name(s->type),
	        ops[op].name, v2x_err_name(err), v2x_codec_error(b->codec));
	exit(1);
}

/* Runs op iters times; returns the nanoseconds per message. */
static double time_op(struct bench *b, struct subject *s, enum op op, long iters)
{
	uint64_t t0 = v2x_clock_mono_ns();
	int err = 0;

	for (long i = 0; i < iters; i++)
		err |= ops[op].run(b, s);
	if (err)
		op_failed(b, s, op, ops[op].run(b, s));
	return (double)(v2x_clock_mono_ns() - t0) / (double)iters;
}

/* Finds how many iterations fill a slice of a round: doubles a count
 * until a run takes a tenth of the slice, then scales. */
static long calibrate(struct bench *b, struct subject *s, enum op op)
{
	double slice_ns = b->round_s * 1e9 / SLICES;
	long iters = 1;
	double ns;

	for (;;) {
		ns = time_op(b, s, op, iters);
		if (ns * (double)iters >= slice_ns / 10 || iters > (1L << 40))
			break;
		iters *= 2;
	}
	return (long)(slice_ns / ns) + 1;
}

/* Allocations per call in steady state: after warm-up calls that grow the
 * codec's arenas to this message. */
static double count_allocs(struct bench *b, struct subject *s, enum op op)
{
	const long calls = 1000;
	unsigned long before;

	time_op(b, s, op, 16);
	before = alloc_calls;
	time_op(b, s, op, calls);
	return (double)(alloc_calls - before) / (double)calls;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double tmp[SLICES > ROUNDS_MAX ? SLICES : ROUNDS_MAX];

	memcpy(tmp, v, (size_t)n * sizeof(*tmp));
	qsort(tmp, (size_t)n, sizeof(*tmp), double_cmp);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/*
 * Round r of every figure, as SLICES slices in which every operation on
 * every type runs for a slice's time in turn: a slow moment of the machine
 * then weighs on all figures alike, and the overhead (a ratio of two of
 * them) stays steady.  A round's figure is the median of its slices, so
 * that the slices in which the process lost the CPU do not count.  The
 * order rotates from one slice to the next so that no operation always
 * runs on the caches that the same other one left.
 */
static void run_round(struct bench *b, int r)
{
	double slice[TYPES][OP_COUNT][SLICES];

	for (int sl = 0; sl < SLICES; sl++) {
		for (int t = 0; t < TYPES; t++) {
			struct subject *s = &b->subj[t];
			for (int k = 0; k < OP_COUNT; k++) {
				enum op op = (enum op)((k + sl) % OP_COUNT);
				slice[t][op][sl] = time_op(b, s, op, s->iters[op]);
			}
		}
	}
	for (int t = 0; t < TYPES; t++)
		for (int op = 0; op < OP_COUNT; op++)
			b->subj[t].ns[op][r] = median(slice[t][op], SLICES);
}

static void measure(struct bench *b)
{
	for (int t = 0; t < TYPES; t++) {
		for (int op = 0; op < OP_COUNT; op++) {
			struct subject *s = &b->subj[t];
			s->iters[op] = calibrate(b, s, (enum op)op);
			s->allocs[op] = count_allocs(b, s, (enum op)op);
		}
	}
	for (int r = 0; r < b->rounds; r++)
		run_round(b, r);
}

/* ---- setup and output --------------------------------------------------- */

static int subject_init(struct bench *b, struct subject *s, enum v2x_msg_type type)
{
	int err;

	s->type = type;
	v2x_arena_init(&s->arena, 16384, 0);
	err = v2x_sample_build(type, &s->arena, &s->msg);
	if (!err)
		err = v2x_codec_encode(b->codec, &s->msg, s->wire, sizeof(s->wire), &s->len);
	if (err)
		fprintf(stderr, "codec-bench: the %s sample: %s: %s\n", v2x_msg_type_name(type),
		        v2x_err_name(err), v2x_codec_error(b->codec));
	return err;
}

static void print_time(const char *type, const char *what, double ns)
{
	printf("%s_%s_ns: %.0f ns\n", type, what, ns);
	printf("%s_%s_per_s: %.0f msg/s\n", type, what, 1e9 / ns);
}

static void print_figures(const struct bench *b, const struct subject *s)
{
	const char *type = v2x_msg_type_name(s->type);
	double dec = median(s->ns[OP_DECODE], b->rounds);
	double asn = median(s->ns[OP_ASN1C], b->rounds);

	printf("%s_bytes: %zu B\n", type, s->len);
	print_time(type, "decode", dec);
	print_time(type, "asn1c_decode", asn);
	printf("%s_normalise_overhead_pct: %.1f %%\n", type, (dec - asn) / asn * 100);
	print_time(type, "encode", median(s->ns[OP_ENCODE], b->rounds));
	if (!COUNTING_ALLOCS)
		return;
	printf("%s_decode_allocs: %g allocs\n", type, s->allocs[OP_DECODE]);
	printf("%s_asn1c_decode_allocs: %g allocs\n", type, s->allocs[OP_ASN1C]);
	printf("%s_encode_allocs: %g allocs\n", type, s->allocs[OP_ENCODE]);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	b->round_s = argc > 1 ? strtod(argv[1], NULL) : 0.1;
	b->rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (argc > 3 || !(b->round_s > 0 && b->round_s <= 60) || b->rounds < 1 ||
	    b->rounds > ROUNDS_MAX) {
		fprintf(stderr,
		        "usage: codec-bench [SECONDS_PER_ROUND (0.1) [ROUNDS (5, at most %d)]]\n",
		        ROUNDS_MAX);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* The order of the figures: the order of the issue, not of the enum. */
	static const enum v2x_msg_type types[TYPES] = { V2X_MSG_BSM, V2X_MSG_MAP, V2X_MSG_SPAT,
		                                        V2X_MSG_RSI, V2X_MSG_RSM };
	struct bench *b = calloc(1, sizeof(*b));
	int rc = 1;

	if (!b || parse_args(b, argc, argv) != 0)
		goto out;
	b->codec = v2x_codec_new(NULL);
	for (int t = 0; b->codec && t < TYPES; t++)
		if (subject_init(b, &b->subj[t], types[t]) != 0)
			goto out;
	if (!b->codec)
		goto out;
	if (!COUNTING_ALLOCS)
		fprintf(stderr, "codec-bench: a sanitizer build: allocations not counted\n");
	measure(b);
	for (int t = 0; t < TYPES; t++)
		print_figures(b, &b->subj[t]);
	rc = 0;
out:
	for (int t = 0; b && t < TYPES; t++)
		v2x_arena_fini(&b->subj[t].arena);
	if (b)
		v2x_codec_free(b->codec);
	free(b);
	return rc;
}
