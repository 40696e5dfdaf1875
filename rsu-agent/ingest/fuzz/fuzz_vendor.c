/*
 * fuzz_vendor: the libFuzzer target of the agent's untrusted input, one UDP
 * datagram in the vendor framing (framing.h), driven through
 * agent_framing_split and then the whole pipeline behind it (decode,
 * validate, convert, emit) the way the agent runs it.  Each input goes
 * through three pipelines, one per configured layout (auto, list, count),
 * living across inputs so that the duplicate table and the arenas are
 * fuzzed in their steady state too.
 *
 * Beyond "no crash, no sanitizer report" it checks, and aborts when a
 * check fails:
 * - the frames the framing yields lie inside the datagram after the
 *   header, one after another, each 1..max_frame bytes; a result without
 *   error accounts for every byte; an error is one of the documented ones;
 * - the pipeline takes exactly the frames the framing yields, and counts
 *   every datagram, frame and message once (decoded = rejected + emitted
 *   + failed conversions and emits);
 * - every emitted observation packs, unpacks and converts back to a
 *   message of the type that was emitted.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "rsu-agent/ingest/framing.h"
#include "rsu-agent/ingest/pipeline.h"
#include "runtime/arena.h"
#include "runtime/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LAYOUTS    3
#define PACKED_CAP (1u << 20)
/* 2025-11-26T12:10:31.300Z: the sample BSM of the seeds is fresh then. */
#define RX_US 1764159031300000LL

struct fuzz {
	struct agent_pipeline *p[LAYOUTS];
	struct agent_framing_config framing[LAYOUTS];
	struct v2x_arena arena; /* the message converted back */
	const uint8_t *in;      /* the input, for the report of a failure */
	size_t in_len;
	uint8_t packed[PACKED_CAP];
};

static void print_hex(const uint8_t *p, size_t n)
{
	fprintf(stderr, "input (%zu bytes): ", n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

__attribute__((noreturn, format(printf, 2, 3))) static void fail(const struct fuzz *f,
                                                                 const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_vendor: check failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_hex(f->in, f->in_len);
	abort();
}

/* Packs obs, unpacks it and converts it back: it must be a msg->type. */
static int emit(void *arg, V2x__Wire__Observation *obs, const struct v2x_msg *msg)
{
	struct fuzz *f = arg;
	size_t need = v2x__wire__observation__get_packed_size(obs);
	V2x__Wire__Observation *back;
	struct v2x_msg m;
	char err[256];
	int rc;

	if (need > PACKED_CAP)
		fail(f, "an observation of %zu bytes", need);
	if (v2x__wire__observation__pack(obs, f->packed) != need)
		fail(f, "the observation packs to another size than it said");
	back = v2x__wire__observation__unpack(NULL, need, f->packed);
	if (!back)
		fail(f, "the packed observation does not unpack");
	v2x_arena_reset(&f->arena);
	rc = v2x_wire_obs_to_msg(back, &f->arena, &m, err, sizeof(err));
	v2x__wire__observation__free_unpacked(back, NULL);
	if (rc)
		fail(f, "the observation of a %s does not convert back: %s: %s",
		     v2x_msg_type_name(msg->type), v2x_err_name(rc), err);
	if (m.type != msg->type)
		fail(f, "a %s converts back as a %s", v2x_msg_type_name(msg->type),
		     v2x_msg_type_name(m.type));
	return 0;
}

static void make(struct fuzz *f, size_t i, enum agent_framing_layout layout)
{
	struct agent_pipeline_config cfg;

	agent_pipeline_config_default(&cfg);
	cfg.framing.mode = AGENT_FRAMING_VENDOR;
	cfg.framing.vendor_layout = layout;
	cfg.include_uper = true;
	/* The test field's box, so that out-of-bounds is reachable. */
	cfg.validate.south_deg = 29.0;
	cfg.validate.north_deg = 30.5;
	cfg.validate.west_deg = 105.5;
	cfg.validate.east_deg = 107.5;
	cfg.validate.dup_slots = 64;
	f->framing[i] = cfg.framing;
	if (agent_pipeline_new(&cfg, NULL, emit, f, &f->p[i]) != 0)
		abort();
}

/* The fuzzer calls the target with no context, and the pipelines must live
 * across inputs (as in the agent): hence one static instance, never
 * freed. */
static struct fuzz *fuzz_get(void)
{
	static struct fuzz *f;

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		abort();
	v2x_arena_init(&f->arena, 16384, 16u << 20);
	make(f, 0, AGENT_FRAMING_LAYOUT_AUTO);
	make(f, 1, AGENT_FRAMING_LAYOUT_LIST);
	make(f, 2, AGENT_FRAMING_LAYOUT_COUNT);
	return f;
}

static bool documented_framing_error(int err)
{
	return err == 0 || err == V2X_ETOO_BIG || err == V2X_ETRUNCATED || err == V2X_EMALFORMED ||
	       err == V2X_ETRAILING;
}

/* Checks the frames of r against the datagram; returns how many. */
static size_t check_split(const struct fuzz *f, const struct agent_framing_config *cfg,
                          struct agent_framing_result *r)
{
	const uint8_t *end = f->in + f->in_len;
	/* Where the first frame may start: after the header, a length and,
	 * in the count layout, the count byte. */
	const uint8_t *at = f->in + AGENT_FRAMING_HEADER_LEN +
	                    (r->layout == AGENT_FRAMING_LAYOUT_COUNT ? 1 : 0);
	const uint8_t *frame;
	size_t len, n = 0;

	if (!documented_framing_error(r->err))
		fail(f, "framing failed with %s, not a documented error", v2x_err_name(r->err));
	if (r->err == 0 && (!r->has_header || r->n_frames > f->in_len / 2))
		fail(f, "a valid datagram without header or with %zu frames", r->n_frames);
	while (agent_framing_next(r, &frame, &len)) {
		if (frame != at + 2 || len == 0 || len > cfg->max_frame ||
		    len > (size_t)(end - frame))
			fail(f, "frame %zu: %zu bytes at offset %td, expected at %td", n, len,
			     frame - f->in, at + 2 - f->in);
		at = frame + len;
		n++;
	}
	if (n != r->n_frames)
		fail(f, "%zu frames yielded, %zu announced", n, r->n_frames);
	if (r->err == 0 && at != end)
		fail(f, "a valid datagram with %td bytes after its frames", end - at);
	return n;
}

static uint64_t sum(const uint64_t *v, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

static void check_counters(const struct fuzz *f, const struct agent_pipeline *p)
{
	const struct agent_pipeline_stats *s = agent_pipeline_stats(p);
	uint64_t decoded = sum(s->decoded, V2X_MSG_TYPE_COUNT);
	uint64_t out = sum(s->rejected, AGENT_VALIDATE_CAUSE_COUNT) + s->convert_failed +
	               s->emitted_total + s->emit_failed;

	if (s->frames != s->decode_failed + decoded)
		fail(f, "%llu frames, but %llu failed and %llu decoded",
		     (unsigned long long)s->frames, (unsigned long long)s->decode_failed,
		     (unsigned long long)decoded);
	if (decoded != out)
		fail(f, "%llu decoded, %llu rejected, emitted or failed",
		     (unsigned long long)decoded, (unsigned long long)out);
	if (s->decode_failed != sum(agent_pipeline_codec_stats(p)->decode_errors, V2X_ERR_COUNT))
		fail(f, "decode failures and the codec's error counters differ");
	if (s->emitted_total != sum(s->emitted, V2X_MSG_TYPE_COUNT))
		fail(f, "emitted_total is not the sum of emitted by type");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = fuzz_get();

	f->in = data;
	f->in_len = size;
	for (size_t i = 0; i < LAYOUTS; i++) {
		struct agent_framing_result r;
		uint64_t frames = agent_pipeline_stats(f->p[i])->frames;
		size_t n;
		int emitted;

		agent_framing_split(&f->framing[i], data, size, &r);
		n = check_split(f, &f->framing[i], &r);
		emitted = agent_pipeline_datagram(f->p[i], data, size, RX_US, 0);
		if (agent_pipeline_stats(f->p[i])->frames - frames != n)
			fail(f, "the pipeline took another number of frames than the %zu split", n);
		if (emitted < 0 || (size_t)emitted > n)
			fail(f, "%d emitted of %zu frames", emitted, n);
		check_counters(f, f->p[i]);
	}
	return 0;
}
