/*
 * downlink: the agent's side of the broker's Downlink requests
 * (codecs/wire/v2x.proto): broadcasting RSI and RSM on the RSU's radio.
 *
 * For each RsiBroadcast or RsmBroadcast addressed to this agent the module
 * builds the message (a struct v2x_msg with this RSU's station id), encodes
 * it once with the codec and sends it as a UDP datagram (the bare UPER
 * MessageFrame) to the radio module, every repeat_interval_ms from the
 * request's start until its end time, a DownlinkCancel with its
 * request_id, or a later Downlink with the same request_id, which replaces
 * it.  Between repeats only the fields that change are re-encoded, in
 * place in the encoded bytes: msgCnt (one counter per message type, +1 per
 * datagram, 127 wraps to 0) and, for RSI, moy (the minute of the year at
 * sending).  RSM has no time of its own in the Day-1 schema; each
 * participant's secMark is the time it was measured, and is sent as the
 * broker gave it, never made to look fresher.
 *
 * Addressing follows v2x.proto: a Downlink whose rsu_ids is empty is for
 * the agent's own RSU (the agent whose connection it came on); otherwise it
 * is for this agent when one of rsu_ids is one of cfg->rsu_ids, and is
 * ignored (and counted) when none is.
 *
 * At most max_requests broadcasts are on at once, each in a slot allocated
 * with the module (its timer and its encoded bytes), so sending allocates
 * nothing.  A request beyond that is refused and counted.  Sending follows
 * libuv's rules: uv_udp_try_send() first; when the socket is full, an
 * asynchronous send from the slot's bytes, which are then left untouched
 * (that repeat and any due before the send completes are skipped and
 * counted) until its callback.
 *
 * Not thread-safe: everything runs on the loop's thread.
 */
#ifndef V2X_RSU_AGENT_DOWNLINK_DOWNLINK_H
#define V2X_RSU_AGENT_DOWNLINK_DOWNLINK_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "codecs/codec.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

struct agent_downlink;

#define AGENT_DOWNLINK_DEFAULT_REPEAT_MS     100
#define AGENT_DOWNLINK_DEFAULT_MIN_REPEAT_MS 20
#define AGENT_DOWNLINK_DEFAULT_MAX_REQUESTS  256
/* An encoded message larger than this would be split into IP fragments on
 * an Ethernet link to the radio module; the radio would not send it anyway. */
#define AGENT_DOWNLINK_DEFAULT_MAX_DATAGRAM 1400

struct agent_downlink_cfg {
	/* The names this agent answers to in Downlink.rsu_ids: its RSU id
	 * (the id of its Hello), and any alias.  Copied. */
	const char *const *rsu_ids;
	size_t n_rsu_ids;
	/* The RSU's 8-octet station id put in every RSI and RSM, as 16 hex
	 * digits ("0000000000c0ffee"). */
	const char *station_id;
	/* The radio module's UDP address: "192.0.2.7:30301", "[2001:db8::7]:30301". */
	const char *radio_addr;
	uint32_t repeat_ms;     /* period of a request that gives none; 0: 100 */
	uint32_t min_repeat_ms; /* a shorter period asked for is raised to this; 0: 20 */
	uint32_t max_requests;  /* broadcasts on at once; 0: 256 */
	size_t max_datagram;    /* largest encoded message, bytes; 0: 1400 */
	/* Longest broadcast, ms, also for a request with no end time (which
	 * v2x.proto says runs until cancelled); 0: no limit. */
	uint64_t max_duration_ms;
	const struct v2x_log *log; /* optional; borrowed, must outlive the module */
};

/* Counters; plain fields, read through agent_downlink_stats(). */
struct agent_downlink_stats {
	uint64_t requests;       /* Downlink frames handled */
	uint64_t ignored;        /* addressed to other RSUs */
	uint64_t started;        /* broadcasts started */
	uint64_t replaced;       /* broadcasts replaced by a Downlink with the same request_id */
	uint64_t refused;        /* refused: max_requests broadcasts already on */
	uint64_t invalid;        /* refused: no action, fields missing or out of range */
	uint64_t encode_errors;  /* refused: the codec could not encode the message */
	uint64_t expired;        /* ended at their end time or max_duration_ms */
	uint64_t cancelled;      /* ended by a DownlinkCancel */
	uint64_t cancel_unknown; /* DownlinkCancels for no broadcast that is on */
	uint64_t sent;           /* datagrams sent */
	uint64_t send_errors;    /* datagrams the socket refused */
	/* Transmissions skipped: the loop was a period or more late, or the
	 * previous datagram of the broadcast was still queued. */
	uint64_t skipped;
	uint64_t active; /* broadcasts on now, those waiting for their start included */
	/* From a Downlink's arrival to its first datagram (or to it being
	 * scheduled): conversion, encoding, sending. */
	struct v2x_hist handle_us;
};

/* Called once the module is closed and freed. */
typedef void (*agent_downlink_close_cb)(void *arg);

/*
 * Creates the module on loop (borrowed; must outlive it).  cfg is borrowed
 * for the call.  codec encodes the messages; it is borrowed and must
 * outlive the module (encoding does not disturb a message it decoded), or
 * NULL for one of the module's own.  Opens a UDP socket connected to
 * cfg->radio_addr.  On success *out is the module, closed with
 * agent_downlink_close().  Fails with V2X_ECONFIG (a station id or radio
 * address that does not parse, no rsu_ids), an errno mapping (the socket
 * refused), V2X_ENOMEM, the detail in err (errlen bytes, NUL included; may
 * be NULL); nothing is left open then.
 */
int agent_downlink_new(uv_loop_t *loop, const struct agent_downlink_cfg *cfg,
                       struct v2x_codec *codec, struct agent_downlink **out, char *err,
                       size_t errlen);

/*
 * Acts on one Downlink (borrowed for the call: nothing is kept that points
 * into it): starts, replaces or cancels a broadcast, or ignores a request
 * for other RSUs.  A broadcast whose start has come sends its first
 * datagram before this returns.  Returns 0 (also for an ignored request,
 * an already expired one and a cancel of nothing), V2X_ETOO_BIG when
 * max_requests broadcasts are on, V2X_EINVAL for a Downlink without an
 * action or without what its action needs, the conversion's or the codec's
 * error (V2X_ERANGE, V2X_EMALFORMED, V2X_ETOO_BIG: the message is larger
 * than max_datagram); each is counted and logged with its detail.  A
 * replacement that fails ends the broadcast it was to replace: the broker
 * no longer wants that content on the air.
 */
int agent_downlink_handle(struct agent_downlink *dl, const V2x__Wire__Downlink *req);

/* Returns the counters of dl; valid while dl lives. */
const struct agent_downlink_stats *agent_downlink_stats(const struct agent_downlink *dl);

/*
 * Registers the counters of dl with m (v2x_agent_downlink_*; labels as
 * v2x_metrics_add() takes them).  dl must outlive every rendering of m.
 */
int agent_downlink_metrics_add(const struct agent_downlink *dl, struct v2x_metrics *m,
                               const struct v2x_metric_label *labels, size_t n_labels);

/*
 * Stops every broadcast and closes the socket and timers (datagrams still
 * queued are dropped); when the last handle is closed, frees dl and calls
 * cb(arg) (cb may be NULL).  dl must not be used after this call.  Accepts
 * NULL.
 */
void agent_downlink_close(struct agent_downlink *dl, agent_downlink_close_cb cb, void *arg);

#endif
