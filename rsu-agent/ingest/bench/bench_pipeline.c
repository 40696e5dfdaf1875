/*
 * bench_pipeline: the agent's cost per BSM datagram through the whole
 * ingest pipeline, with the codec's bare decode of the same datagrams in
 * the same run as the baseline (DESIGN.md section 10).
 *
 *   agent-bench-pipeline [SECONDS_PER_ROUND [ROUNDS]]
 *
 * Prints one figure per line, `name: value unit`:
 *   bsm_bytes                  size of one datagram (a raw MessageFrame)
 *   pipeline_bsm_per_s, _ns    agent_pipeline_datagram: framing (raw),
 *                              v2x_codec_decode, validation with every
 *                              check on (bounds of the test field, motion,
 *                              freshness, the duplicate table), conversion
 *                              to an Observation and an emit callback that
 *                              sets its seq and packs it with protobuf-c
 *                              into a reused buffer, as the agent's link
 *                              does; plus the monotonic clock read per
 *                              datagram that the agent makes on receipt
 *   codec_decode_bsm_per_s, _ns v2x_codec_decode alone, same datagrams,
 *                              same loop
 *   pipeline_to_decode_ratio   pipeline_bsm_per_s / codec_decode_bsm_per_s
 *                              (the median of the rounds' ratios)
 *
 * The datagrams are the BSM sample of codecs/samples.h (with its path
 * history) from 100 vehicles, each at 10 Hz: 6000 distinct encodings, one
 * minute of traffic, whose secMark advances 10 ms per datagram in step
 * with the receive time given to the pipeline, so that every message is
 * fresh and none is a duplicate (each one comes round again a minute
 * later, outside the duplicate window).  The program checks that every
 * datagram was emitted, so that the figure is the cost of the full path.
 * Each time is the median of ROUNDS rounds (default 5) of SECONDS_PER_ROUND
 * (default 1) each, in which batches of 256 datagrams through the pipeline
 * and through the bare decode are taken in turn (timed_pair).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/samples.h"
#include "codecs/wire/v2x.pb-c.h"
#include "rsu-agent/ingest/pipeline.h"
#include "runtime/arena.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define N_DGRAMS   6000 /* one minute at 10 ms */
#define STEP_US    10000
#define VEHICLES   100
#define DGRAM_CAP  512
#define PACKED_CAP 4096
#define ROUNDS_MAX 15
#define BATCH      256 /* datagrams between clock reads */
/* 2025-11-26T12:10:00Z, the start of a minute. */
#define T0_US 1764159000000000LL

struct bench {
	uint8_t dgrams[N_DGRAMS][DGRAM_CAP];
	size_t lens[N_DGRAMS];
	struct agent_pipeline *pipeline;
	struct v2x_codec *codec;
	uint64_t seq;
	uint64_t packed_bytes;
	uint8_t packed[PACKED_CAP];
	size_t next;     /* datagram to run next */
	int64_t rx_us;   /* its receive time */
	uint64_t failed; /* packing failures */
};

/* The link's part: number the observation and pack it. */
static int emit(void *arg, V2x__Wire__Observation *obs, const struct v2x_msg *msg)
{
	struct bench *b = arg;
	size_t need;

	(void)msg;
	obs->has_seq = 1;
	obs->seq = ++b->seq;
	need = v2x__wire__observation__get_packed_size(obs);
	if (need > PACKED_CAP) {
		b->failed++;
		return V2X_ETOO_BIG;
	}
	b->packed_bytes += v2x__wire__observation__pack(obs, b->packed);
	return 0;
}

/* Datagram j: vehicle j % VEHICLES, secMark j * 10 ms into the minute. */
static int build(struct bench *b)
{
	struct v2x_arena arena;
	struct v2x_msg m;
	int rc = 0;

	v2x_arena_init(&arena, 16384, 0);
	for (size_t j = 0; j < N_DGRAMS && rc == 0; j++) {
		v2x_arena_reset(&arena);
		rc = v2x_sample_build(V2X_MSG_BSM, &arena, &m);
		if (rc)
			break;
		m.u.bsm.id[6] = (uint8_t)((j % VEHICLES) >> 8);
		m.u.bsm.id[7] = (uint8_t)(j % VEHICLES);
		m.u.bsm.msg_cnt = (uint8_t)(j / VEHICLES % 128);
		m.u.bsm.sec_mark_s = (double)j * STEP_US / 1e6;
		rc = v2x_codec_encode(b->codec, &m, b->dgrams[j], DGRAM_CAP, &b->lens[j]);
	}
	v2x_arena_fini(&arena);
	if (rc)
		fprintf(stderr, "agent-bench-pipeline: cannot encode the BSM: %s: %s\n",
		        v2x_err_name(rc), v2x_codec_error(b->codec));
	return rc;
}

static int make_pipeline(struct bench *b)
{
	struct agent_pipeline_config cfg;

	agent_pipeline_config_default(&cfg);
	cfg.rsu_id = "CQ-K12-07";
	cfg.validate.south_deg = 29.0;
	cfg.validate.north_deg = 30.5;
	cfg.validate.west_deg = 105.5;
	cfg.validate.east_deg = 107.5;
	return agent_pipeline_new(&cfg, NULL, emit, b, &b->pipeline);
}

/* Runs n datagrams through the pipeline, continuing where it stopped. */
static void run_pipeline(struct bench *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = b->next;
		agent_pipeline_datagram(b->pipeline, b->dgrams[j], b->lens[j], b->rx_us,
		                        v2x_clock_mono_ns());
		b->rx_us += STEP_US;
		b->next = j + 1 == N_DGRAMS ? 0 : j + 1;
	}
}

/* Decodes the n datagrams run_pipeline ran last (the same loop). */
static void run_decode(struct bench *b, size_t n)
{
	const struct v2x_msg *m;
	size_t j = (b->next + N_DGRAMS - n % N_DGRAMS) % N_DGRAMS;

	for (size_t i = 0; i < n; i++) {
		if (v2x_codec_decode(b->codec, b->dgrams[j], b->lens[j], &m) != 0)
			b->failed++;
		j = j + 1 == N_DGRAMS ? 0 : j + 1;
	}
}

/*
 * Runs the pipeline and the bare decode in turn, a batch of each, for about
 * seconds in all; sets the ns per datagram of each.  Interleaving batches
 * of a few milliseconds gives both figures the same share of whatever else
 * the machine is doing, so that their ratio holds on a busy host.
 */
static void timed_pair(struct bench *b, double seconds, double *pipe_ns, double *dec_ns)
{
	uint64_t budget = (uint64_t)(seconds * 1e9), pipe = 0, dec = 0;
	size_t done = 0;

	while (pipe + dec < budget) {
		uint64_t t0 = v2x_clock_mono_ns(), t1, t2;
		run_pipeline(b, BATCH);
		t1 = v2x_clock_mono_ns();
		run_decode(b, BATCH);
		t2 = v2x_clock_mono_ns();
		pipe += t1 - t0;
		dec += t2 - t1;
		done += BATCH;
	}
	*pipe_ns = (double)pipe / (double)done;
	*dec_ns = (double)dec / (double)done;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Every datagram run through the pipeline must have been emitted. */
static int check_emitted(const struct bench *b)
{
	const struct agent_pipeline_stats *st = agent_pipeline_stats(b->pipeline);

	if (st->emitted_total == st->datagrams && b->failed == 0)
		return 0;
	fprintf(stderr,
	        "agent-bench-pipeline: %llu of %llu datagrams emitted (rejected: %llu stale, "
	        "%llu future, %llu duplicate), %llu failures: the figures are not of the full "
	        "path\n",
	        (unsigned long long)st->emitted_total, (unsigned long long)st->datagrams,
	        (unsigned long long)st->rejected[AGENT_VALIDATE_STALE],
	        (unsigned long long)st->rejected[AGENT_VALIDATE_FUTURE],
	        (unsigned long long)st->rejected[AGENT_VALIDATE_DUPLICATE],
	        (unsigned long long)b->failed);
	return 1;
}

static void report(const struct bench *b, double pipe_ns, double dec_ns, double ratio)
{
	printf("bsm_bytes: %zu bytes\n", b->lens[0]);
	printf("pipeline_bsm_per_s: %.0f msg/s\n", 1e9 / pipe_ns);
	printf("pipeline_bsm_ns: %.0f ns\n", pipe_ns);
	printf("codec_decode_bsm_per_s: %.0f msg/s\n", 1e9 / dec_ns);
	printf("codec_decode_bsm_ns: %.0f ns\n", dec_ns);
	printf("pipeline_to_decode_ratio: %.3f ratio\n", ratio);
}

static int parse_args(int argc, char **argv, double *seconds, int *rounds)
{
	*seconds = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	*rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (!(*seconds > 0 && *seconds <= 60) || *rounds < 1 || *rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: %s [SECONDS_PER_ROUND (0..60] [ROUNDS (1..%d)]]\n", argv[0],
		        ROUNDS_MAX);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double pipe[ROUNDS_MAX], dec[ROUNDS_MAX], ratio[ROUNDS_MAX], seconds;
	struct bench *b = calloc(1, sizeof(*b));
	int rounds, rc;

	if (!b)
		return 1;
	rc = parse_args(argc, argv, &seconds, &rounds);
	if (rc)
		goto out;
	rc = 1;
	b->codec = v2x_codec_new(NULL);
	b->rx_us = T0_US;
	if (!b->codec || build(b) != 0 || make_pipeline(b) != 0)
		goto out;
	/* Warm-up: the arenas and the duplicate table reach their size. */
	run_pipeline(b, N_DGRAMS);
	run_decode(b, N_DGRAMS);
	for (int r = 0; r < rounds; r++) {
		timed_pair(b, seconds, &pipe[r], &dec[r]);
		ratio[r] = dec[r] / pipe[r];
	}
	rc = check_emitted(b);
	if (rc == 0)
		report(b, median(pipe, rounds), median(dec, rounds), median(ratio, rounds));
out:
	agent_pipeline_free(b->pipeline);
	v2x_codec_free(b->codec);
	free(b);
	return rc;
}
