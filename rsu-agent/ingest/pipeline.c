#include "rsu-agent/ingest/pipeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "runtime/arena.h"
#include "runtime/clock.h"
#include "runtime/ratelimit.h"

/* Bytes of a failing frame or datagram shown in hex in its log line. */
#define HEX_EXCERPT 32
/* The observation arena: a chunk holds a BSM's or SPAT's observation; a
 * large MAP gets chunks of its own.  The limit matches the memory a frame
 * may unpack to at the broker (V2X_FRAME_DEFAULT_MAX_ARENA). */
#define OBS_ARENA_CHUNK 16384
#define OBS_ARENA_LIMIT (16u << 20)

struct agent_pipeline {
	struct agent_framing_config framing;
	bool include_uper;
	bool replayed;
	const struct v2x_log *log;
	agent_pipeline_emit_fn emit;
	void *emit_arg;
	struct v2x_codec *codec;
	struct agent_validate *validate;
	struct v2x_arena arena; /* what the observation points to */
	struct v2x_ratelimit decode_rl;
	struct v2x_ratelimit framing_rl;
	struct agent_pipeline_stats stats;
	/* The source of the datagram being processed. */
	struct agent_pipeline_datagram cur;
	char *cur_id; /* cfg_id or vendor_id */
	uint64_t cur_key;
	/* The configured RSU id and its key for the duplicate table. */
	char cfg_id[AGENT_PIPELINE_RSU_ID_MAX + 1];
	uint64_t cfg_key;
	/* The last vendor rsuID seen, formatted once rather than per datagram. */
	bool have_vendor;
	uint8_t vendor_raw[AGENT_FRAMING_RSU_ID_LEN];
	char vendor_id[AGENT_FRAMING_RSU_ID_STR];
};

void agent_pipeline_config_default(struct agent_pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	agent_framing_config_default(&cfg->framing);
	agent_validate_config_default(&cfg->validate);
}

/* 64-bit FNV-1a: the configured id's key in the duplicate table. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3u;
	return h;
}

/* Printable ASCII of 1..AGENT_PIPELINE_RSU_ID_MAX bytes, as Hello.id. */
static bool rsu_id_ok(const char *id)
{
	size_t n = 0;

	for (; id[n]; n++) {
		if ((unsigned char)id[n] < 0x20 || (unsigned char)id[n] >= 0x7f)
			return false;
	}
	return n > 0 && n <= AGENT_PIPELINE_RSU_ID_MAX;
}

static int config_check(const struct agent_pipeline_config *cfg)
{
	int rc = agent_framing_config_check(&cfg->framing);

	if (rc)
		return rc;
	if (cfg->rsu_id && !rsu_id_ok(cfg->rsu_id))
		return V2X_ECONFIG;
	if (!cfg->rsu_id && cfg->framing.mode == AGENT_FRAMING_RAW)
		return V2X_ECONFIG;
	return 0;
}

static void set_config(struct agent_pipeline *p, const struct agent_pipeline_config *cfg)
{
	p->framing = cfg->framing;
	p->include_uper = cfg->include_uper;
	p->replayed = cfg->replayed;
	/* Only log lines can name a vendor datagram's source without a header. */
	snprintf(p->cfg_id, sizeof(p->cfg_id), "%s", cfg->rsu_id ? cfg->rsu_id : "unknown");
	p->cfg_key = fnv1a(p->cfg_id);
	v2x_ratelimit_init(&p->decode_rl,
	                   cfg->log_burst ? cfg->log_burst : AGENT_PIPELINE_DEFAULT_LOG_BURST,
	                   cfg->log_interval_ns ? cfg->log_interval_ns
	                                        : AGENT_PIPELINE_DEFAULT_LOG_INTERVAL_NS);
	p->framing_rl = p->decode_rl;
	v2x_arena_init(&p->arena, OBS_ARENA_CHUNK, OBS_ARENA_LIMIT);
}

static int make_parts(struct agent_pipeline *p, const struct agent_pipeline_config *cfg)
{
	struct v2x_codec_limits limits = cfg->codec;

	if (!limits.max_msg_size)
		limits.max_msg_size = cfg->framing.max_frame ? cfg->framing.max_frame
		                                             : AGENT_FRAMING_DEFAULT_MAX_FRAME;
	p->codec = v2x_codec_new(&limits);
	if (!p->codec)
		return V2X_ENOMEM;
	return agent_validate_new(&cfg->validate, &p->validate);
}

int agent_pipeline_new(const struct agent_pipeline_config *cfg, const struct v2x_log *log,
                       agent_pipeline_emit_fn emit, void *arg, struct agent_pipeline **out)
{
	struct agent_pipeline *p;
	int rc;

	*out = NULL;
	if (!emit)
		return V2X_EINVAL;
	rc = config_check(cfg);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return V2X_ENOMEM;
	p->log = log;
	p->emit = emit;
	p->emit_arg = arg;
	set_config(p, cfg);
	rc = make_parts(p, cfg);
	if (rc) {
		agent_pipeline_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void agent_pipeline_free(struct agent_pipeline *p)
{
	if (!p)
		return;
	agent_validate_free(p->validate);
	v2x_codec_free(p->codec);
	v2x_arena_fini(&p->arena);
	free(p);
}

const struct agent_pipeline_stats *agent_pipeline_stats(const struct agent_pipeline *p)
{
	return &p->stats;
}

const struct v2x_codec_stats *agent_pipeline_codec_stats(const struct agent_pipeline *p)
{
	return v2x_codec_stats(p->codec);
}

const struct agent_validate_stats *agent_pipeline_validate_stats(const struct agent_pipeline *p)
{
	return agent_validate_stats(p->validate);
}

const struct agent_pipeline_datagram *agent_pipeline_current(const struct agent_pipeline *p)
{
	return &p->cur;
}

uint64_t agent_pipeline_latency_bucket_ns(size_t i)
{
	if (i + 1 >= AGENT_PIPELINE_LATENCY_BUCKETS)
		return UINT64_MAX;
	return (UINT64_C(1) << i) * 1000;
}

/* ---- logging ------------------------------------------------------------ */

/* The first HEX_EXCERPT bytes of a datagram or frame in hex, then "..."
 * when there is more. */
struct hex_excerpt {
	char s[2 * HEX_EXCERPT + 4];
};

static void hex_excerpt(const uint8_t *buf, size_t len, struct hex_excerpt *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len && i < HEX_EXCERPT; i++) {
		out->s[o++] = hex[buf[i] >> 4];
		out->s[o++] = hex[buf[i] & 0xf];
	}
	if (len > HEX_EXCERPT) {
		memcpy(out->s + o, "...", 3);
		o += 3;
	}
	out->s[o] = '\0';
}

/* Whether a failure line may be written now; counts the ones held back. */
static bool may_log(struct agent_pipeline *p, struct v2x_ratelimit *rl, uint64_t now_ns,
                    uint64_t *suppressed)
{
	if (!v2x_log_enabled(p->log, V2X_LOG_WARN))
		return false;
	if (v2x_ratelimit_allow(rl, now_ns, suppressed))
		return true;
	p->stats.log_suppressed++;
	return false;
}

static void log_decode_failure(struct agent_pipeline *p, int rc, const uint8_t *frame, size_t len,
                               uint64_t now_ns)
{
	struct hex_excerpt hex;
	uint64_t suppressed = 0;

	if (!may_log(p, &p->decode_rl, now_ns, &suppressed))
		return;
	hex_excerpt(frame, len, &hex);
	v2x_logf(p->log, V2X_LOG_WARN,
	         "rsu %s: decode failed: %s: %s; %zu bytes: %s (%" PRIu64 " similar suppressed)",
	         p->cur_id, v2x_err_name(rc), v2x_codec_error(p->codec), len, hex.s, suppressed);
}

static void log_framing_failure(struct agent_pipeline *p, const struct agent_framing_result *fr,
                                const uint8_t *buf, size_t len, uint64_t now_ns)
{
	struct hex_excerpt hex;
	uint64_t suppressed = 0;

	if (!may_log(p, &p->framing_rl, now_ns, &suppressed))
		return;
	hex_excerpt(buf, len, &hex);
	v2x_logf(p->log, V2X_LOG_WARN,
	         "rsu %s: datagram of %zu bytes, %s framing: %s at byte %zu, %zu frame(s) kept; "
	         "bytes: %s (%" PRIu64 " similar suppressed)",
	         p->cur_id, len, agent_framing_layout_name(fr->layout), v2x_err_name(fr->err),
	         fr->err_offset, fr->n_frames, hex.s, suppressed);
}

/* ---- the path of one datagram ------------------------------------------- */

/* Takes the RSU id of the datagram from its vendor header, else config. */
static void set_source(struct agent_pipeline *p, const struct agent_framing_result *fr)
{
	p->cur.has_header = fr->has_header;
	p->cur.vendor_time_ms = fr->has_header ? fr->vendor_time_ms : 0;
	p->cur.layout = fr->layout;
	p->cur.frame_index = 0;
	p->cur_id = p->cfg_id;
	p->cur_key = p->cfg_key;
	if (fr->has_header) {
		if (!p->have_vendor ||
		    memcmp(p->vendor_raw, fr->rsu_id, sizeof(p->vendor_raw)) != 0) {
			memcpy(p->vendor_raw, fr->rsu_id, sizeof(p->vendor_raw));
			agent_framing_rsu_id_format(p->vendor_raw, p->vendor_id,
			                            sizeof(p->vendor_id));
			p->have_vendor = true;
		}
		p->cur_id = p->vendor_id;
		memcpy(&p->cur_key, p->vendor_raw, sizeof(p->cur_key));
	}
	p->cur.rsu_id = p->cur_id;
}

static void record_latency(struct agent_pipeline *p, uint64_t rx_mono_ns)
{
	struct agent_pipeline_latency *l = &p->stats.latency;
	uint64_t now = v2x_clock_mono_ns();
	uint64_t ns = now > rx_mono_ns ? now - rx_mono_ns : 0;
	size_t i = 0;

	while (i + 1 < AGENT_PIPELINE_LATENCY_BUCKETS && ns > agent_pipeline_latency_bucket_ns(i))
		i++;
	l->buckets[i]++;
	l->count++;
	l->sum_ns += ns;
	if (ns > l->max_ns)
		l->max_ns = ns;
}

/* Fills the envelope of obs; the raw bytes are copied into the arena, since
 * protobuf-c's bytes are not const and the datagram is the caller's. */
static int fill_envelope(struct agent_pipeline *p, V2x__Wire__Observation *obs,
                         const uint8_t *frame, size_t len, int64_t rx_wall_us)
{
	obs->rsu_id = p->cur_id;
	obs->has_rx_time_us = 1;
	obs->rx_time_us = (uint64_t)rx_wall_us;
	if (p->replayed) {
		obs->has_replayed = 1;
		obs->replayed = 1;
	}
	if (p->include_uper) {
		uint8_t *copy = v2x_arena_alloc(&p->arena, len);
		if (!copy)
			return V2X_ENOMEM;
		memcpy(copy, frame, len);
		obs->has_uper = 1;
		obs->uper.len = len;
		obs->uper.data = copy;
	}
	return 0;
}

static int emit_msg(struct agent_pipeline *p, const struct v2x_msg *msg, const uint8_t *frame,
                    size_t len, int64_t rx_wall_us, uint64_t rx_mono_ns)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	int rc;

	v2x_arena_reset(&p->arena);
	rc = v2x_wire_msg_to_obs(msg, &p->arena, &obs);
	if (rc == 0)
		rc = fill_envelope(p, &obs, frame, len, rx_wall_us);
	if (rc) {
		p->stats.convert_failed++;
		return 0;
	}
	record_latency(p, rx_mono_ns);
	if (p->emit(p->emit_arg, &obs, msg) != 0) {
		p->stats.emit_failed++;
		return 0;
	}
	p->stats.emitted[msg->type]++;
	p->stats.emitted_total++;
	return 1;
}

/* Decodes, validates and emits one frame; returns 1 when it was emitted. */
static int run_frame(struct agent_pipeline *p, const uint8_t *frame, size_t len, int64_t rx_wall_us,
                     uint64_t rx_mono_ns)
{
	const struct v2x_msg *msg;
	enum agent_validate_cause cause;
	int rc;

	p->stats.frames++;
	rc = v2x_codec_decode(p->codec, frame, len, &msg);
	if (rc) {
		p->stats.decode_failed++;
		log_decode_failure(p, rc, frame, len, rx_mono_ns);
		return 0;
	}
	p->stats.decoded[msg->type]++;
	cause = agent_validate_check(p->validate, msg, p->cur_key, rx_wall_us);
	if (cause != AGENT_VALIDATE_OK) {
		p->stats.rejected[cause]++;
		p->stats.rejected_by_type[msg->type]++;
		return 0;
	}
	return emit_msg(p, msg, frame, len, rx_wall_us, rx_mono_ns);
}

int agent_pipeline_datagram(struct agent_pipeline *p, const uint8_t *buf, size_t len,
                            int64_t rx_wall_us, uint64_t rx_mono_ns)
{
	struct agent_framing_result fr;
	const uint8_t *frame;
	size_t flen;
	int emitted = 0;

	p->stats.datagrams++;
	p->stats.datagram_bytes += len;
	agent_framing_split(&p->framing, buf, len, &fr);
	set_source(p, &fr);
	if (fr.flags & AGENT_FRAMING_F_AMBIGUOUS)
		p->stats.framing_ambiguous++;
	if (fr.err) {
		p->stats.framing_errors[v2x_err_index(fr.err)]++;
		log_framing_failure(p, &fr, buf, len, rx_mono_ns);
	}
	while (agent_framing_next(&fr, &frame, &flen)) {
		emitted += run_frame(p, frame, flen, rx_wall_us, rx_mono_ns);
		p->cur.frame_index++;
	}
	return emitted;
}
