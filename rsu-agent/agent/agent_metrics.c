/*
 * agent_metrics: the agent's figures on its Prometheus endpoint.
 *
 * The pipeline's and the agent's counters are read in place at each
 * scrape; the link and the spool give theirs by value, so a scrape first
 * refreshes the agent's snapshot of them.  Every name starts with
 * v2x_agent_ and every sample carries the label rsu.
 */
#include <stddef.h>
#include <stdio.h>

#include "rsu-agent/agent/agent_int.h"
#include "runtime/err.h"

static const char *type_label(size_t i)
{
	return v2x_msg_type_name((enum v2x_msg_type)i);
}

static const char *cause_label(size_t i)
{
	return agent_validate_cause_name((enum agent_validate_cause)i);
}

static const char *reason_label(size_t i)
{
	return agent_link_reason_name((enum agent_link_reason)i);
}

#define P(x) offsetof(struct agent_pipeline_stats, x)
#define C(x) offsetof(struct v2x_codec_stats, x)
#define A(x) offsetof(struct agent_stats, x)
#define L(x) (offsetof(struct agent_stats, link) + offsetof(struct agent_link_stats, x))
#define S(x) (offsetof(struct agent_stats, spool) + offsetof(struct agent_spool_stats, x))

/* clang-format off */
static const struct v2x_metric pipeline_metrics[] = {
	{ .name = "v2x_agent_received_total", .help = "datagrams received (UDP, capture, stdin)",
	  .type = V2X_METRIC_COUNTER, .offset = P(datagrams) },
	{ .name = "v2x_agent_received_bytes_total", .help = "bytes of those datagrams",
	  .type = V2X_METRIC_COUNTER, .offset = P(datagram_bytes) },
	{ .name = "v2x_agent_framing_errors_total", .help = "datagrams with bad framing, by cause",
	  .type = V2X_METRIC_COUNTER, .offset = P(framing_errors), .count = V2X_ERR_COUNT,
	  .label = "cause", .label_value = v2x_metrics_err_label, .skip_zero = true },
	{ .name = "v2x_agent_framing_ambiguous_total",
	  .help = "vendor datagrams both layouts fitted (count taken)",
	  .type = V2X_METRIC_COUNTER, .offset = P(framing_ambiguous) },
	{ .name = "v2x_agent_frames_total", .help = "MessageFrames found in the datagrams",
	  .type = V2X_METRIC_COUNTER, .offset = P(frames) },
	{ .name = "v2x_agent_decode_failed_total", .help = "frames the codec refused",
	  .type = V2X_METRIC_COUNTER, .offset = P(decode_failed) },
	{ .name = "v2x_agent_decoded_total", .help = "messages decoded, by type",
	  .type = V2X_METRIC_COUNTER, .offset = P(decoded), .count = V2X_MSG_TYPE_COUNT,
	  .label = "type", .label_value = type_label, .skip_zero = true },
	{ .name = "v2x_agent_rejected_total", .help = "messages rejected by validation, by cause",
	  .type = V2X_METRIC_COUNTER, .offset = P(rejected), .count = AGENT_VALIDATE_CAUSE_COUNT,
	  .label = "cause", .label_value = cause_label, .skip_zero = true },
	{ .name = "v2x_agent_emitted_total", .help = "observations made, by type",
	  .type = V2X_METRIC_COUNTER, .offset = P(emitted), .count = V2X_MSG_TYPE_COUNT,
	  .label = "type", .label_value = type_label, .skip_zero = true },
	{ .name = "v2x_agent_log_suppressed_total", .help = "failure lines the rate limit held back",
	  .type = V2X_METRIC_COUNTER, .offset = P(log_suppressed) },
	V2X_METRIC_END,
};

static const struct v2x_metric codec_metrics[] = {
	{ .name = "v2x_agent_decode_errors_total", .help = "decode failures, by cause",
	  .type = V2X_METRIC_COUNTER, .offset = C(decode_errors), .count = V2X_ERR_COUNT,
	  .label = "cause", .label_value = v2x_metrics_err_label, .skip_zero = true },
	{ .name = "v2x_agent_skipped_extensions_total",
	  .help = "messages with a newer schema's addition skipped",
	  .type = V2X_METRIC_COUNTER, .offset = C(skipped_extensions) },
	V2X_METRIC_END,
};

static const struct v2x_metric agent_metrics[] = {
	{ .name = "v2x_agent_udp_datagrams_total", .help = "datagrams read from the radio's socket",
	  .type = V2X_METRIC_COUNTER, .offset = A(udp_datagrams) },
	{ .name = "v2x_agent_udp_errors_total", .help = "receive errors of the radio's socket",
	  .type = V2X_METRIC_COUNTER, .offset = A(udp_errors) },
	{ .name = "v2x_agent_udp_oversize_total", .help = "datagrams above --max-datagram",
	  .type = V2X_METRIC_COUNTER, .offset = A(udp_truncated) },
	{ .name = "v2x_agent_udp_kernel_drops_total",
	  .help = "datagrams the kernel dropped: the socket's receive buffer was full",
	  .type = V2X_METRIC_COUNTER, .offset = A(udp_kernel_drops) },
	{ .name = "v2x_agent_pcap_datagrams_total", .help = "datagrams replayed from captures",
	  .type = V2X_METRIC_COUNTER, .offset = A(pcap_datagrams) },
	{ .name = "v2x_agent_pcap_files_failed_total", .help = "captures unreadable or damaged",
	  .type = V2X_METRIC_COUNTER, .offset = A(pcap_files_failed) },
	{ .name = "v2x_agent_stdin_lines_total", .help = "hex lines read from stdin",
	  .type = V2X_METRIC_COUNTER, .offset = A(stdin_lines) },
	{ .name = "v2x_agent_stdin_bad_lines_total", .help = "stdin lines that were not hex",
	  .type = V2X_METRIC_COUNTER, .offset = A(stdin_bad_lines) },
	{ .name = "v2x_agent_forwarded_total", .help = "observations handed to the link",
	  .type = V2X_METRIC_COUNTER, .offset = A(forwarded) },
	{ .name = "v2x_agent_forward_failed_total", .help = "observations the link refused",
	  .type = V2X_METRIC_COUNTER, .offset = A(forward_failed) },
	{ .name = "v2x_agent_decode_seconds",
	  .help = "datagram receipt to observation ready (framing, decode, validation)",
	  .type = V2X_METRIC_HISTOGRAM, .field = V2X_METRIC_HIST, .offset = A(decode_us) },
	{ .name = "v2x_agent_forward_seconds",
	  .help = "datagram receipt to the write that carries its observation to the broker",
	  .type = V2X_METRIC_HISTOGRAM, .field = V2X_METRIC_HIST, .offset = L(forward_us) },
	{ .name = "v2x_agent_broker_up", .help = "1 while the broker link is established",
	  .type = V2X_METRIC_GAUGE, .offset = A(up) },
	{ .name = "v2x_agent_sent_total", .help = "observations sent live",
	  .type = V2X_METRIC_COUNTER, .offset = L(sent) },
	{ .name = "v2x_agent_spooled_total", .help = "observations appended to the spool",
	  .type = V2X_METRIC_COUNTER, .offset = L(spooled) },
	{ .name = "v2x_agent_replayed_total", .help = "observations sent from the spool",
	  .type = V2X_METRIC_COUNTER, .offset = L(replayed) },
	{ .name = "v2x_agent_record_only_total", .help = "of those, sent for the record only",
	  .type = V2X_METRIC_COUNTER, .offset = L(record_only) },
	{ .name = "v2x_agent_acked_seq", .help = "highest seq the broker acknowledged",
	  .type = V2X_METRIC_GAUGE, .offset = L(acked) },
	{ .name = "v2x_agent_connects_total", .help = "sessions established with the broker",
	  .type = V2X_METRIC_COUNTER, .offset = L(connects) },
	{ .name = "v2x_agent_disconnects_total", .help = "sessions or attempts ended, by reason",
	  .type = V2X_METRIC_COUNTER, .offset = L(disconnects_by), .count = AGENT_LINK_R_COUNT,
	  .label = "reason", .label_value = reason_label, .skip_zero = true },
	{ .name = "v2x_agent_link_writes_total", .help = "socket writes (coalesced frames)",
	  .type = V2X_METRIC_COUNTER, .offset = L(writes) },
	{ .name = "v2x_agent_link_bytes_out_total", .help = "bytes sent to the broker",
	  .type = V2X_METRIC_COUNTER, .offset = L(bytes_out) },
	{ .name = "v2x_agent_drain_backlog", .help = "spooled observations not yet sent",
	  .type = V2X_METRIC_GAUGE, .offset = L(drain_backlog) },
	{ .name = "v2x_agent_rtt_microseconds", .help = "last heartbeat round trip",
	  .type = V2X_METRIC_GAUGE, .offset = L(rtt_us) },
	{ .name = "v2x_agent_spool_records", .help = "records not yet acknowledged",
	  .type = V2X_METRIC_GAUGE, .offset = S(records) },
	{ .name = "v2x_agent_spool_bytes", .help = "bytes of the spool",
	  .type = V2X_METRIC_GAUGE, .offset = S(bytes) },
	{ .name = "v2x_agent_spool_dropped_total",
	  .help = "unacknowledged records dropped (spool full or write error)",
	  .type = V2X_METRIC_COUNTER, .offset = S(dropped_records) },
	{ .name = "v2x_agent_spool_torn_total", .help = "torn records cut off at open",
	  .type = V2X_METRIC_COUNTER, .offset = S(torn_records) },
	{ .name = "v2x_agent_spool_write_errors_total", .help = "spool flushes that failed",
	  .type = V2X_METRIC_COUNTER, .offset = S(write_errors) },
	{ .name = "v2x_agent_spool_syncs_total", .help = "fdatasync calls",
	  .type = V2X_METRIC_COUNTER, .offset = S(syncs) },
	V2X_METRIC_END,
};
/* clang-format on */

int agent__metrics_register(struct agent *a, char *err, size_t errlen)
{
	const struct v2x_metric_label rsu = { "rsu", a->id };
	int rc = v2x_metrics_add(&a->metrics, pipeline_metrics, agent_pipeline_stats(a->pipe), &rsu,
	                         1, err, errlen);

	if (rc == 0)
		rc = v2x_metrics_add(&a->metrics, codec_metrics,
		                     agent_pipeline_codec_stats(a->pipe), &rsu, 1, err, errlen);
	if (rc == 0)
		rc = v2x_metrics_add(&a->metrics, agent_metrics, &a->st, &rsu, 1, err, errlen);
	if (rc == 0 && a->downlink)
		rc = agent_downlink_metrics_add(a->downlink, &a->metrics, &rsu, 1);
	if (rc == 0 && a->httpd)
		rc = v2x_httpd_metrics_add(a->httpd, &a->metrics, &rsu, 1);
	if (rc != 0 && !err[0])
		snprintf(err, errlen, "metrics: %s", v2x_strerror(rc));
	return rc;
}

int agent__metrics_render(void *arg, struct v2x_metrics_buf *out)
{
	struct agent *a = arg;

	a->st.link = agent_link_stats(a->link);
	a->st.spool = agent_spool_stats(a->spool);
	agent__udp_drops(a);
	return v2x_metrics_render(&a->metrics, out);
}
