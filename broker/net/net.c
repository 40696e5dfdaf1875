/*
 * net: the connection layer's lifetime, its pool of connections, the
 * per-turn flush of output, and its counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/net/net_int.h"
#include "runtime/err.h"

static const struct {
	const char *name;
	V2x__Wire__ByeReason bye;
} reasons[BRK_CLOSE__COUNT] = {
	[BRK_CLOSE_NONE] = { "none", V2X__WIRE__BYE_REASON__BYE_REASON_UNSPECIFIED },
	[BRK_CLOSE_NORMAL] = { "normal", V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL },
	[BRK_CLOSE_PEER] = { "peer_closed", V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL },
	[BRK_CLOSE_IO] = { "io_error", V2X__WIRE__BYE_REASON__BYE_REASON_UNSPECIFIED },
	[BRK_CLOSE_PROTOCOL] = { "protocol_error",
	                         V2X__WIRE__BYE_REASON__BYE_REASON_PROTOCOL_ERROR },
	[BRK_CLOSE_TOO_BIG] = { "frame_too_big", V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_TOO_BIG },
	[BRK_CLOSE_GARBAGE] = { "frame_garbage", V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_GARBAGE },
	[BRK_CLOSE_VERSION] = { "unsupported_version",
	                        V2X__WIRE__BYE_REASON__BYE_REASON_UNSUPPORTED_VERSION },
	[BRK_CLOSE_AUTH] = { "auth_failed", V2X__WIRE__BYE_REASON__BYE_REASON_AUTH_FAILED },
	[BRK_CLOSE_TIMEOUT] = { "timeout", V2X__WIRE__BYE_REASON__BYE_REASON_TIMEOUT },
	[BRK_CLOSE_SLOW] = { "slow_consumer", V2X__WIRE__BYE_REASON__BYE_REASON_SLOW_CONSUMER },
	[BRK_CLOSE_DUPLICATE] = { "duplicate_id", V2X__WIRE__BYE_REASON__BYE_REASON_DUPLICATE_ID },
	[BRK_CLOSE_OVERLOADED] = { "overloaded", V2X__WIRE__BYE_REASON__BYE_REASON_OVERLOADED },
	[BRK_CLOSE_INVALID] = { "invalid_message",
	                        V2X__WIRE__BYE_REASON__BYE_REASON_INVALID_MESSAGE },
};

const char *brk_close_reason_name(enum brk_close_reason reason)
{
	if ((unsigned)reason >= BRK_CLOSE__COUNT)
		return "unknown";
	return reasons[reason].name;
}

V2x__Wire__ByeReason brk_net__bye_reason(enum brk_close_reason reason)
{
	if ((unsigned)reason >= BRK_CLOSE__COUNT)
		return V2X__WIRE__BYE_REASON__BYE_REASON_UNSPECIFIED;
	return reasons[reason].bye;
}

void brk_net_config_default(struct brk_net_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->broker_id = "broker";
	cfg->heartbeat_interval_ms = 1000;
	cfg->timeout_ms = 5000;
	cfg->max_frame_size = V2X_FRAME_DEFAULT_MAX;
	cfg->max_conns = 1024;
	cfg->queue_max_frames = 1024;
	cfg->queue_max_bytes = 4u << 20;
	cfg->slow_policy = BRK_SLOW_DROP_OLDEST;
	cfg->sbuf_block = 2048;
}

static int check_config(const struct brk_net_config *cfg, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (!cfg->auth)
		bad = "no credential table (auth)";
	else if (!cfg->log)
		bad = "no log";
	else if (!cfg->heartbeat_interval_ms || !cfg->timeout_ms)
		bad = "heartbeat_interval_ms and timeout_ms must be above 0";
	else if (!cfg->max_frame_size || cfg->max_frame_size > V2X_FRAME_MAX_LIMIT)
		bad = "max_frame_size must be 1..2147483647";
	else if (!cfg->max_conns || !cfg->queue_max_frames || !cfg->queue_max_bytes)
		bad = "max_conns, queue_max_frames and queue_max_bytes must be above 0";
	else if (!cfg->sbuf_block)
		bad = "sbuf_block must be above 0";
	if (!bad)
		return 0;
	snprintf(err, errlen, "broker net config: %s", bad);
	return V2X_EINVAL;
}

static void free_conns(struct brk_net *net)
{
	if (!net->conns)
		return;
	for (uint32_t i = 0; i < net->cfg.max_conns; i++) {
		free(net->conns[i].q);
		free(net->conns[i].inflight);
		free(net->conns[i].wbufs);
		free(net->conns[i].held);
	}
	free(net->conns);
}

static int alloc_conns(struct brk_net *net)
{
	uint32_t n = net->cfg.max_conns, qn = net->cfg.queue_max_frames;

	net->conns = calloc(n, sizeof(*net->conns));
	if (!net->conns)
		return V2X_ENOMEM;
	for (uint32_t i = n; i-- > 0;) {
		struct brk_conn *c = &net->conns[i];

		c->net = net;
		/* Arrays of pointers: sizeof(void *) says so plainly. */
		c->q = calloc(qn, sizeof(void *));
		c->inflight = calloc(qn, sizeof(void *));
		c->wbufs = calloc(qn, sizeof(*c->wbufs));
		if (!c->q || !c->inflight || !c->wbufs)
			return V2X_ENOMEM;
		c->next = net->free_list;
		net->free_list = c;
	}
	return 0;
}

static void on_check(uv_check_t *h)
{
	struct brk_net *net = h->data;
	struct brk_conn *list = net->dirty;

	net->dirty = NULL;
	/* Restarted by brk_net__mark_dirty if a flush queues anything again. */
	uv_idle_stop(&net->idle);
	while (list) {
		struct brk_conn *c = list;

		list = c->next;
		c->next = NULL;
		c->dirty = false;
		brk_conn__flush(c);
	}
}

static void on_idle(uv_idle_t *h)
{
	(void)h;
}

static void net_free(struct brk_net *net)
{
	free_conns(net);
	brk_sbuf_pool_free(net->pool);
	free(net);
}

int brk_net_new(uv_loop_t *loop, const struct brk_net_config *cfg, const struct brk_net_cb *cb,
                struct brk_net **out, char *err, size_t errlen)
{
	struct brk_net *net;
	int rc;

	*out = NULL;
	rc = check_config(cfg, err, errlen);
	if (rc)
		return rc;
	net = calloc(1, sizeof(*net));
	if (!net)
		return V2X_ENOMEM;
	net->loop = loop;
	net->cfg = *cfg;
	net->cb = *cb;
	rc = brk_sbuf_pool_new(cfg->sbuf_block, 0, &net->pool);
	if (!rc)
		rc = alloc_conns(net);
	if (rc) {
		snprintf(err, errlen, "broker net: %s", v2x_strerror(rc));
		net_free(net);
		return rc;
	}
	uv_check_init(loop, &net->check);
	uv_idle_init(loop, &net->idle);
	net->check.data = net;
	net->idle.data = net;
	net->handles = 2;
	uv_check_start(&net->check, on_check);
	*out = net;
	return 0;
}

void brk_net__mark_dirty(struct brk_net *net, struct brk_conn *c)
{
	if (c->dirty)
		return;
	c->dirty = true;
	c->next = net->dirty;
	net->dirty = c;
	uv_idle_start(&net->idle, on_idle);
}

void brk_net__unlink_dirty(struct brk_net *net, struct brk_conn *c)
{
	struct brk_conn **pp = &net->dirty;

	if (!c->dirty)
		return;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	c->dirty = false;
	c->next = NULL;
}

void brk_net__release(struct brk_net *net, struct brk_conn *c)
{
	brk_net__unlink_dirty(net, c);
	c->state = BRK__FREE;
	c->next = net->free_list;
	net->free_list = c;
	net->stats.conns--;
	brk_net__maybe_finish(net);
}

void brk_net__handle_closed(struct brk_net *net)
{
	if (--net->handles == 0)
		net_free(net);
}

static void on_net_handle_closed(uv_handle_t *h)
{
	brk_net__handle_closed(h->data);
}

void brk_net__maybe_finish(struct brk_net *net)
{
	if (!net->closing || net->finishing || net->stats.conns > 0)
		return;
	net->finishing = true;
	uv_close((uv_handle_t *)&net->check, on_net_handle_closed);
	uv_close((uv_handle_t *)&net->idle, on_net_handle_closed);
}

void brk_net_close(struct brk_net *net)
{
	if (net->closing)
		return;
	net->closing = true;
	brk_net__close_listeners(net);
	for (uint32_t i = 0; i < net->cfg.max_conns; i++)
		if (net->conns[i].state != BRK__FREE)
			brk_conn_close(&net->conns[i], BRK_CLOSE_NORMAL, "broker shutting down");
	brk_net__maybe_finish(net);
}

const struct brk_net_stats *brk_net_stats(const struct brk_net *net)
{
	return &net->stats;
}

struct brk_sbuf_pool *brk_net_pool(struct brk_net *net)
{
	return net->pool;
}

/* The closes array of the metrics starts at BRK_CLOSE_NONE + 1. */
static const char *closes_label(size_t i)
{
	return brk_close_reason_name((enum brk_close_reason)(i + 1));
}

#define S(f) offsetof(struct brk_net_stats, f)

static const struct v2x_metric net_metrics[] = {
	{ "v2x_broker_conn_accepted_total",
	  "Connections accepted",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(accepted),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_hellos_total",
	  "Hellos accepted",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(hellos),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_closes_total",
	  "Connections closed, by reason",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(closes) + sizeof(uint64_t),
	  BRK_CLOSE__COUNT - 1,
	  "reason",
	  closes_label,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_frames_in_total",
	  "Frames received",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(frames_in),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_bytes_in_total",
	  "Bytes received",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(bytes_in),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_frames_out_total",
	  "Frames written",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(frames_out),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_bytes_out_total",
	  "Bytes written",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(bytes_out),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_writes_total",
	  "Socket writes (coalesced frames)",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(writes),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_queue_drops_total",
	  "Frames dropped from full output queues",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(drops),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_queue_drop_bytes_total",
	  "Bytes dropped from full output queues",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(drop_bytes),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conn_pauses_total",
	  "Times a connection stopped being read (back pressure)",
	  V2X_METRIC_COUNTER,
	  V2X_METRIC_U64,
	  S(pauses),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	{ "v2x_broker_conns",
	  "Connections open",
	  V2X_METRIC_GAUGE,
	  V2X_METRIC_U64,
	  S(conns),
	  0,
	  NULL,
	  NULL,
	  false,
	  { NULL, NULL } },
	V2X_METRIC_END,
};

#undef S

int brk_net_metrics_add(struct brk_net *net, struct v2x_metrics *m,
                        const struct v2x_metric_label *labels, size_t n_labels, char *err,
                        size_t errlen)
{
	return v2x_metrics_add(m, net_metrics, &net->stats, labels, n_labels, err, errlen);
}
