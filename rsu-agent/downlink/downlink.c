/*
 * downlink: creating and closing the module, its socket to the radio, its
 * counters and their metrics.  Requests are in request.c, transmissions in
 * repeat.c.
 */
#include "rsu-agent/downlink/downlink.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rsu-agent/downlink/downlink_int.h"
#include "runtime/addr.h"
#include "runtime/compiler.h"
#include "runtime/err.h"

/* The largest payload of a UDP datagram over IPv4. */
#define UDP_PAYLOAD_MAX 65507
/* More broadcasts at once than any RSU could put on the air. */
#define MAX_REQUESTS_LIMIT 65536
/* The message being built: a full RSI with descriptions fits many times. */
#define ARENA_CHUNK 16384
#define ARENA_LIMIT (1u << 20)
/* Lines about refused requests: a burst of 10, then one a second. */
#define WARN_BURST       10
#define WARN_INTERVAL_NS 1000000000u

V2X_PRINTF(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return V2X_ECONFIG;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses 16 hex digits into out.  Returns 0 or -1. */
static int parse_station_id(const char *s, uint8_t out[V2X_ID_LEN])
{
	if (!s || strlen(s) != 2 * (size_t)V2X_ID_LEN)
		return -1;
	for (size_t i = 0; i < V2X_ID_LEN; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Parses "192.0.2.7:30301" or "[2001:db8::7]:30301".  Returns 0 or -1. */
static int parse_addr(const char *s, struct sockaddr_storage *sa)
{
	char host[64];
	uint16_t port;

	if (!s || v2x_addr_split(s, host, sizeof(host), &port) != 0 || port == 0)
		return -1;
	return v2x_addr_ip(host, port, sa) == 0 ? 0 : -1;
}

/*
 * Opens a UDP socket connected to sa with plain system calls, so that a
 * failure leaves no libuv handle to close through the loop.  Returns the
 * socket or a V2X_E code, the detail in err.
 */
static int open_socket(const struct sockaddr_storage *sa, const char *where, char *err,
                       size_t errlen)
{
	socklen_t len = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                          : sizeof(struct sockaddr_in);
	int fd, e;

	fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		fail(err, errlen, "radio %s: socket: %s", where, strerror(e));
		return v2x_err_from_errno(e);
	}
	if (connect(fd, (const struct sockaddr *)sa, len) < 0) {
		e = errno;
		close(fd);
		fail(err, errlen, "radio %s: connect: %s", where, strerror(e));
		return v2x_err_from_errno(e);
	}
	return fd;
}

static int check_cfg(const struct agent_downlink_cfg *cfg, char *err, size_t errlen)
{
	if (!cfg->rsu_ids || cfg->n_rsu_ids == 0)
		return fail(err, errlen, "downlink: no RSU id to answer to (rsu_ids)");
	for (size_t i = 0; i < cfg->n_rsu_ids; i++)
		if (!cfg->rsu_ids[i] || !cfg->rsu_ids[i][0])
			return fail(err, errlen, "downlink: rsu_ids[%zu] is empty", i);
	if (cfg->max_requests > MAX_REQUESTS_LIMIT)
		return fail(err, errlen, "downlink: max_requests %u is above %u", cfg->max_requests,
		            MAX_REQUESTS_LIMIT);
	if (cfg->max_datagram > UDP_PAYLOAD_MAX)
		return fail(err, errlen,
		            "downlink: max_datagram %zu is above %d, the most a UDP "
		            "datagram holds",
		            cfg->max_datagram, UDP_PAYLOAD_MAX);
	return 0;
}

static void set_defaults(struct agent_downlink *dl, const struct agent_downlink_cfg *cfg)
{
	dl->repeat_ms = cfg->repeat_ms ? cfg->repeat_ms : AGENT_DOWNLINK_DEFAULT_REPEAT_MS;
	dl->min_repeat_ms =
	        cfg->min_repeat_ms ? cfg->min_repeat_ms : AGENT_DOWNLINK_DEFAULT_MIN_REPEAT_MS;
	dl->max_requests =
	        cfg->max_requests ? cfg->max_requests : AGENT_DOWNLINK_DEFAULT_MAX_REQUESTS;
	dl->max_datagram =
	        cfg->max_datagram ? cfg->max_datagram : AGENT_DOWNLINK_DEFAULT_MAX_DATAGRAM;
	dl->max_duration_ms = cfg->max_duration_ms;
	dl->log = cfg->log;
}

static int copy_ids(struct agent_downlink *dl, const struct agent_downlink_cfg *cfg)
{
	dl->rsu_ids = calloc(cfg->n_rsu_ids, sizeof(*dl->rsu_ids));
	if (!dl->rsu_ids)
		return V2X_ENOMEM;
	dl->n_rsu_ids = cfg->n_rsu_ids;
	for (size_t i = 0; i < cfg->n_rsu_ids; i++) {
		dl->rsu_ids[i] = strdup(cfg->rsu_ids[i]);
		if (!dl->rsu_ids[i])
			return V2X_ENOMEM;
	}
	return 0;
}

/* Frees what alloc_module() and copy_ids() took; the handles are closed. */
static void free_module(struct agent_downlink *dl)
{
	if (dl->rsu_ids)
		for (size_t i = 0; i < dl->n_rsu_ids; i++)
			free(dl->rsu_ids[i]);
	free(dl->rsu_ids);
	if (dl->own_codec)
		v2x_codec_free(dl->codec);
	v2x_arena_fini(&dl->arena);
	free(dl->slots);
	free(dl);
}

/* The module, its slots and their bytes in one block after them. */
static struct agent_downlink *alloc_module(const struct agent_downlink_cfg *cfg,
                                           struct v2x_codec *codec)
{
	struct agent_downlink *dl = calloc(1, sizeof(*dl));
	uint8_t *bufs;

	if (!dl)
		return NULL;
	set_defaults(dl, cfg);
	v2x_arena_init(&dl->arena, ARENA_CHUNK, ARENA_LIMIT);
	dl->codec = codec ? codec : v2x_codec_new(NULL);
	dl->own_codec = !codec;
	dl->slots = calloc(dl->max_requests, sizeof(*dl->slots) + dl->max_datagram);
	if (!dl->codec || !dl->slots || copy_ids(dl, cfg) != 0) {
		free_module(dl);
		return NULL;
	}
	bufs = (uint8_t *)(dl->slots + dl->max_requests);
	for (uint32_t i = 0; i < dl->max_requests; i++) {
		dl->slots[i].dl = dl;
		dl->slots[i].buf = bufs + (size_t)i * dl->max_datagram;
	}
	v2x_ratelimit_init(&dl->warn_limit, WARN_BURST, WARN_INTERVAL_NS);
	return dl;
}

static void on_closed(struct agent_downlink *dl)
{
	agent_downlink_close_cb cb = dl->close_cb;
	void *arg = dl->close_arg;

	if (--dl->handles > 0)
		return;
	free_module(dl);
	if (cb)
		cb(arg);
}

static void on_udp_closed(uv_handle_t *h)
{
	on_closed(h->data);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct agent_downlink__slot *slot = h->data;

	on_closed(slot->dl);
}

/* Initialises the handles (which cannot fail on Unix) and gives fd to libuv. */
static int start_handles(struct agent_downlink *dl, uv_loop_t *loop, int fd)
{
	int rc;

	dl->loop = loop;
	dl->udp.data = dl;
	uv_udp_init(loop, &dl->udp);
	dl->handles++;
	for (uint32_t i = 0; i < dl->max_requests; i++) {
		dl->slots[i].timer.data = &dl->slots[i];
		uv_timer_init(loop, &dl->slots[i].timer);
		dl->handles++;
	}
	rc = uv_udp_open(&dl->udp, fd);
	if (rc < 0)
		close(fd);
	return rc;
}

int agent_downlink_new(uv_loop_t *loop, const struct agent_downlink_cfg *cfg,
                       struct v2x_codec *codec, struct agent_downlink **out, char *err,
                       size_t errlen)
{
	struct sockaddr_storage sa;
	uint8_t station[V2X_ID_LEN];
	struct agent_downlink *dl;
	int rc, fd;

	*out = NULL;
	rc = check_cfg(cfg, err, errlen);
	if (rc)
		return rc;
	if (parse_station_id(cfg->station_id, station) < 0)
		return fail(err, errlen, "downlink: station id '%s' is not 16 hex digits",
		            cfg->station_id ? cfg->station_id : "");
	if (parse_addr(cfg->radio_addr, &sa) < 0)
		return fail(err, errlen,
		            "downlink: radio address '%s' is not IP:port or [IPv6]:port",
		            cfg->radio_addr ? cfg->radio_addr : "");
	dl = alloc_module(cfg, codec);
	if (!dl) {
		fail(err, errlen, "downlink: out of memory");
		return V2X_ENOMEM;
	}
	memcpy(dl->station_id, station, sizeof(station));
	fd = open_socket(&sa, cfg->radio_addr, err, errlen);
	if (fd < 0) {
		free_module(dl);
		return fd;
	}
	rc = start_handles(dl, loop, fd);
	if (rc < 0) {
		/* The handles exist: they close through the loop, which then
		 * frees dl. */
		fail(err, errlen, "radio %s: %s", cfg->radio_addr, uv_strerror(rc));
		agent_downlink_close(dl, NULL, NULL);
		return v2x_err_from_errno(-rc);
	}
	*out = dl;
	return 0;
}

const struct agent_downlink_stats *agent_downlink_stats(const struct agent_downlink *dl)
{
	return &dl->stats;
}

void agent_downlink_close(struct agent_downlink *dl, agent_downlink_close_cb cb, void *arg)
{
	if (!dl || dl->closing)
		return;
	dl->closing = true;
	dl->close_cb = cb;
	dl->close_arg = arg;
	for (uint32_t i = 0; i < dl->max_requests; i++) {
		struct agent_downlink__slot *slot = &dl->slots[i];

		if (slot->state == AGENT_DOWNLINK__ACTIVE)
			dl->stats.active--;
		slot->state = AGENT_DOWNLINK__FREE;
		uv_close((uv_handle_t *)&slot->timer, on_timer_closed);
	}
	/* Sends still queued complete with UV_ECANCELED before this
	 * callback, so no slot is touched after the module is freed. */
	uv_close((uv_handle_t *)&dl->udp, on_udp_closed);
}

/* ---- metrics ---------------------------------------------------------- */

#define STAT(f) offsetof(struct agent_downlink_stats, f)

static const struct v2x_metric downlink_metrics[] = {
	{ .name = "v2x_agent_downlink_requests_total",
	  .help = "Downlink frames handled.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(requests) },
	{ .name = "v2x_agent_downlink_ignored_total",
	  .help = "Downlink frames addressed to other RSUs.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(ignored) },
	{ .name = "v2x_agent_downlink_started_total",
	  .help = "Broadcasts started.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(started) },
	{ .name = "v2x_agent_downlink_replaced_total",
	  .help = "Broadcasts replaced by a Downlink with the same request_id.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(replaced) },
	{ .name = "v2x_agent_downlink_refused_total",
	  .help = "Downlink requests refused, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(refused),
	  .fixed = { "reason", "full" } },
	{ .name = "v2x_agent_downlink_refused_total",
	  .help = "Downlink requests refused, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(invalid),
	  .fixed = { "reason", "invalid" } },
	{ .name = "v2x_agent_downlink_refused_total",
	  .help = "Downlink requests refused, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(encode_errors),
	  .fixed = { "reason", "encode" } },
	{ .name = "v2x_agent_downlink_ended_total",
	  .help = "Broadcasts ended, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(expired),
	  .fixed = { "reason", "expired" } },
	{ .name = "v2x_agent_downlink_ended_total",
	  .help = "Broadcasts ended, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(cancelled),
	  .fixed = { "reason", "cancelled" } },
	{ .name = "v2x_agent_downlink_cancel_unknown_total",
	  .help = "DownlinkCancels for no broadcast that is on.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(cancel_unknown) },
	{ .name = "v2x_agent_downlink_sent_total",
	  .help = "Datagrams sent to the radio.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(sent) },
	{ .name = "v2x_agent_downlink_send_errors_total",
	  .help = "Datagrams the socket to the radio refused.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(send_errors) },
	{ .name = "v2x_agent_downlink_skipped_total",
	  .help = "Transmissions skipped: the loop was late or the previous one still queued.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(skipped) },
	{ .name = "v2x_agent_downlink_active",
	  .help = "Broadcasts on now.",
	  .type = V2X_METRIC_GAUGE,
	  .offset = STAT(active) },
	{ .name = "v2x_agent_downlink_handle_seconds",
	  .help = "From a Downlink's arrival to its first datagram or its scheduling.",
	  .type = V2X_METRIC_HISTOGRAM,
	  .field = V2X_METRIC_HIST,
	  .offset = STAT(handle_us) },
	V2X_METRIC_END,
};

int agent_downlink_metrics_add(const struct agent_downlink *dl, struct v2x_metrics *m,
                               const struct v2x_metric_label *labels, size_t n_labels)
{
	char err[160];
	int rc = v2x_metrics_add(m, downlink_metrics, &dl->stats, labels, n_labels, err,
	                         sizeof(err));

	if (rc)
		v2x_logf(dl->log, V2X_LOG_ERROR, "downlink metrics: %s", err);
	return rc;
}
