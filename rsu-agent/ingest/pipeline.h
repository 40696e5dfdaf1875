/*
 * pipeline: the agent's per-datagram path, without an event loop.
 *
 *   datagram -> framing -> v2x_codec_decode -> validate -> Observation -> emit
 *
 * The caller reads a UDP datagram (or a pcap record) and hands it over with
 * the time it received it; every MessageFrame in it that decodes and passes
 * validation becomes an Observation (RSU id, receive time, the normalised
 * message, the codec's flags, optionally the raw UPER bytes) given to the
 * caller's emit callback, which assigns the sequence number, spools and
 * sends it.  Everything that is dropped is counted by cause in the stats;
 * decode and framing failures are also logged, rate-limited, with the RSU
 * id, the cause and the first bytes in hex.
 *
 * Steady state allocates nothing: the codec's and the observation's arenas
 * are reset per message and keep their memory (asn1c's decoder inside the
 * codec still mallocs its own structs, which the codec frees).
 *
 * One pipeline per thread; nothing global.
 */
#ifndef V2X_RSU_AGENT_INGEST_PIPELINE_H
#define V2X_RSU_AGENT_INGEST_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codecs/codec.h"
#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "rsu-agent/ingest/framing.h"
#include "rsu-agent/ingest/validate.h"
#include "runtime/err.h"
#include "runtime/log.h"

/* Longest RSU id, bytes (Hello.id's limit). */
#define AGENT_PIPELINE_RSU_ID_MAX 64

/* Default pace of decode/framing failure lines: a burst, then one per interval. */
#define AGENT_PIPELINE_DEFAULT_LOG_BURST       5
#define AGENT_PIPELINE_DEFAULT_LOG_INTERVAL_NS 1000000000u

/*
 * Buckets of the receive-to-emit latency: bucket i counts latencies of at
 * most 2^i µs (1 µs .. 32.8 ms), the last one everything above.
 */
#define AGENT_PIPELINE_LATENCY_BUCKETS 17

struct agent_pipeline_config {
	struct agent_framing_config framing;
	struct agent_validate_config validate;
	/* RSU id of observations whose datagram has no vendor header (raw
	 * mode, or as a fallback); printable ASCII, at most
	 * AGENT_PIPELINE_RSU_ID_MAX bytes; copied.  Required in raw mode. */
	const char *rsu_id;
	bool include_uper; /* put the MessageFrame's bytes in Observation.uper */
	bool replayed;     /* set Observation.replayed (a pcap replay) */
	/* Codec limits; zero fields take the codec's defaults.  max_msg_size
	 * defaults to the framing's max_frame. */
	struct v2x_codec_limits codec;
	uint32_t log_burst;       /* 0: AGENT_PIPELINE_DEFAULT_LOG_BURST */
	uint64_t log_interval_ns; /* 0: AGENT_PIPELINE_DEFAULT_LOG_INTERVAL_NS */
};

/*
 * Receives each observation.  obs and msg are valid only during the call
 * (obs may be changed: the caller sets seq); copy or pack what is kept.
 * Returns 0, or a negative error (a full spool) that is counted in
 * stats.emit_failed; the pipeline goes on with the next message either way.
 */
typedef int (*agent_pipeline_emit_fn)(void *arg, V2x__Wire__Observation *obs,
                                      const struct v2x_msg *msg);

struct agent_pipeline_latency {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t buckets[AGENT_PIPELINE_LATENCY_BUCKETS];
};

struct agent_pipeline_stats {
	uint64_t datagrams;
	uint64_t datagram_bytes;
	/* Datagrams whose framing was (partly) invalid, by v2x_err_index(). */
	uint64_t framing_errors[V2X_ERR_COUNT];
	uint64_t framing_ambiguous; /* both vendor layouts fitted (framing.h) */
	uint64_t frames;            /* MessageFrames the framing yielded */
	/* Frames the codec refused; by cause in agent_pipeline_codec_stats(). */
	uint64_t decode_failed;
	uint64_t decoded[V2X_MSG_TYPE_COUNT];          /* by enum v2x_msg_type */
	uint64_t rejected[AGENT_VALIDATE_CAUSE_COUNT]; /* by cause; [0] unused */
	uint64_t rejected_by_type[V2X_MSG_TYPE_COUNT]; /* the same, by type */
	uint64_t convert_failed; /* v2x_wire_msg_to_obs failed (out of memory) */
	uint64_t emitted[V2X_MSG_TYPE_COUNT];
	uint64_t emitted_total;
	uint64_t emit_failed;
	uint64_t log_suppressed;               /* failure lines the rate limit held back */
	struct agent_pipeline_latency latency; /* receipt to emit, monotonic */
};

/* What the pipeline knows of the datagram being processed; valid during
 * emit (agent_pipeline_current). */
struct agent_pipeline_datagram {
	const char *rsu_id; /* of the observation: vendor header, else config */
	bool has_header;    /* vendor mode: rsu_id and vendor_time_ms are the RSU's */
	int64_t vendor_time_ms;
	enum agent_framing_layout layout;
	size_t frame_index; /* of the frame being emitted, from 0 */
};

struct agent_pipeline;

/* Fills cfg with the defaults: raw framing, validate's defaults, no rsu_id. */
void agent_pipeline_config_default(struct agent_pipeline_config *cfg);

/*
 * Makes a pipeline in *out from cfg (borrowed for the call; rsu_id is
 * copied).  log (may be NULL: no lines) must outlive the pipeline; emit
 * receives arg.  Fails with V2X_ECONFIG (a bad framing or validation
 * setting, no or an overlong rsu_id in raw mode), V2X_EINVAL (no emit),
 * V2X_ENOMEM.  Caller frees with agent_pipeline_free.
 */
int agent_pipeline_new(const struct agent_pipeline_config *cfg, const struct v2x_log *log,
                       agent_pipeline_emit_fn emit, void *arg, struct agent_pipeline **out);

/* Frees p; accepts NULL. */
void agent_pipeline_free(struct agent_pipeline *p);

/*
 * Runs one datagram buf[0..len) (borrowed for the call) received at
 * rx_wall_us (µs since the epoch: the observations' receive time, and the
 * time validation judges against) and rx_mono_ns (monotonic: where the
 * latency measurement starts).  emit is called for each message that
 * passes, before this returns.  Returns the number of observations emitted
 * (emit returned 0).  Nothing here fails: a datagram whose framing is
 * partly invalid has its usable frames processed, and framing errors,
 * decode failures and rejections are counted in the stats (the first two
 * also logged).
 */
int agent_pipeline_datagram(struct agent_pipeline *p, const uint8_t *buf, size_t len,
                            int64_t rx_wall_us, uint64_t rx_mono_ns);

/* Returns the counters of p; valid while p lives. */
const struct agent_pipeline_stats *agent_pipeline_stats(const struct agent_pipeline *p);

/* Returns the codec's counters (decode errors by cause, unsupported
 * MessageFrame alternatives, skipped extensions); valid while p lives. */
const struct v2x_codec_stats *agent_pipeline_codec_stats(const struct agent_pipeline *p);

/* Returns the duplicate table's counters; valid while p lives. */
const struct agent_validate_stats *agent_pipeline_validate_stats(const struct agent_pipeline *p);

/* Returns the datagram being processed; meaningful only inside emit. */
const struct agent_pipeline_datagram *agent_pipeline_current(const struct agent_pipeline *p);

/* Returns the upper bound of latency bucket i in ns (2^i µs), or UINT64_MAX
 * for the last bucket. */
uint64_t agent_pipeline_latency_bucket_ns(size_t i);

#endif
