/*
 * link: the life cycle of the agent's connection to the broker: start,
 * connect (resolving the host when it is a name), fail and reconnect
 * after a backoff, close.  Sending is in link_tx.c, reading in link_rx.c.
 */
#include "rsu-agent/link/link.h"

#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/link/link_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

static const char *const state_names[] = {
	[AGENT_LINK_IDLE] = "idle",       [AGENT_LINK_CONNECTING] = "connecting",
	[AGENT_LINK_HELLO] = "hello",     [AGENT_LINK_DRAINING] = "draining",
	[AGENT_LINK_LIVE] = "live",       [AGENT_LINK_DISCONNECTING] = "disconnecting",
	[AGENT_LINK_BACKOFF] = "backoff", [AGENT_LINK_CLOSING] = "closing",
	[AGENT_LINK_CLOSED] = "closed",
};

static const char *const reason_names[] = {
	[AGENT_LINK_R_CONNECT] = "connect",   [AGENT_LINK_R_TIMEOUT] = "timeout",
	[AGENT_LINK_R_EOF] = "eof",           [AGENT_LINK_R_IO] = "io",
	[AGENT_LINK_R_BYE] = "bye",           [AGENT_LINK_R_GARBAGE] = "garbage",
	[AGENT_LINK_R_TOO_BIG] = "too_big",   [AGENT_LINK_R_PROTOCOL] = "protocol",
	[AGENT_LINK_R_SHUTDOWN] = "shutdown",
};

const char *agent_link_state_name(enum agent_link_state state)
{
	return (unsigned)state <= AGENT_LINK_CLOSED ? state_names[state] : "unknown";
}

const char *agent_link_reason_name(enum agent_link_reason reason)
{
	return (unsigned)reason < AGENT_LINK_R_COUNT ? reason_names[reason] : "unknown";
}

void agent_link__set_state(struct agent_link *l, enum agent_link_state state)
{
	l->state = state;
	l->state_since = uv_now(l->loop);
	if (l->cbs.on_state)
		l->cbs.on_state(l->cbs.data, state);
}

bool agent_link__connected(const struct agent_link *l)
{
	return l->state == AGENT_LINK_HELLO || l->state == AGENT_LINK_DRAINING ||
	       l->state == AGENT_LINK_LIVE;
}

/* splitmix64: one multiply-xorshift step per number; enough for jitter. */
static uint64_t next_random(struct agent_link *l)
{
	uint64_t z = (l->rng += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/*
 * The next reconnect delay: the minimum doubled per failed attempt up to
 * the maximum, then "equal jitter" (a uniform draw in its upper half), so
 * that the agents of a region do not all come back in the same
 * millisecond after a broker restart, yet none waits much less than due.
 */
static uint32_t next_delay(struct agent_link *l)
{
	uint64_t base = l->cfg.backoff_min_ms;
	unsigned shift = l->attempt < 20 ? l->attempt : 20;

	base <<= shift;
	if (base > l->cfg.backoff_max_ms)
		base = l->cfg.backoff_max_ms;
	l->attempt++;
	return (uint32_t)(base - base / 2 + next_random(l) % (base / 2 + 1));
}

static void on_backoff(uv_timer_t *t);

static void start_backoff(struct agent_link *l)
{
	agent_link__set_state(l, AGENT_LINK_BACKOFF);
	uv_timer_start(&l->backoff, on_backoff, l->next_delay_ms, 0);
}

static void on_sock_closed(uv_handle_t *h);

static void close_sock(struct agent_link *l)
{
	if (l->sock_open && !uv_is_closing(&l->sock.handle))
		uv_close(&l->sock.handle, on_sock_closed);
}

void agent_link__fail(struct agent_link *l, enum agent_link_reason reason, const char *fmt, ...)
{
	char detail[512];
	unsigned n;
	va_list ap;

	if (l->state != AGENT_LINK_CONNECTING && !agent_link__connected(l))
		return;
	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	l->st.disconnects++;
	l->st.disconnects_by[reason]++;
	l->st.connected = false;
	/* A long outage would log every attempt; attempts 1, 2, 4, 8... are
	 * enough to follow it, the others go to the debug level. */
	n = l->attempt + 1;
	l->next_delay_ms = next_delay(l);
	v2x_logf(l->cfg.log, (n & (n - 1)) == 0 ? V2X_LOG_WARN : V2X_LOG_DEBUG,
	         "broker %s: %s (%s, attempt %u); reconnecting in %" PRIu32 " ms", l->where, detail,
	         agent_link_reason_name(reason), n, l->next_delay_ms);
	agent_link__reset_tx(l);
	if (!l->sock_open) {
		start_backoff(l);
		return;
	}
	uv_read_stop(&l->sock.stream);
	agent_link__set_state(l, AGENT_LINK_DISCONNECTING);
	close_sock(l);
}

static void close_done(struct agent_link *l)
{
	if (--l->closing > 0)
		return;
	agent_link__set_state(l, AGENT_LINK_CLOSED);
	if (l->close_cb)
		l->close_cb(l, l->close_data);
}

static void on_handle_closed(uv_handle_t *h)
{
	close_done(h->data);
}

static void on_sock_closed(uv_handle_t *h)
{
	struct agent_link *l = h->data;

	l->sock_open = false;
	if (l->state == AGENT_LINK_CLOSING)
		close_done(l);
	else
		start_backoff(l);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct agent_link *l = req->data;
	V2x__Wire__Hello hello;
	V2x__Wire__Frame f;
	struct v2x_frame_limits lim = { l->cfg.max_frame, 0 };
	int rc;

	if (status == UV_ECANCELED || l->state != AGENT_LINK_CONNECTING)
		return;
	if (status < 0) {
		agent_link__fail(l, AGENT_LINK_R_CONNECT, "cannot connect: %s",
		                 uv_strerror(status));
		return;
	}
	/* Nagle plus delayed ACKs would hold small frames back by tens of ms;
	 * coalescing per turn keeps the packet count down instead. */
	if (!l->unix_path && (rc = uv_tcp_nodelay(&l->sock.tcp, 1)) != 0)
		v2x_logf(l->cfg.log, V2X_LOG_WARN, "broker %s: TCP_NODELAY: %s", l->where,
		         uv_strerror(rc));
	if (l->parser_init)
		v2x_frame_parser_fini(&l->parser);
	l->parser_init = v2x_frame_parser_init(&l->parser, &lim) == 0;
	v2x_frame_hello(&f, &hello, V2X__WIRE__ROLE__ROLE_AGENT, l->id, l->credential,
	                l->cfg.credential_len);
	hello.has_max_frame_size = 1;
	hello.max_frame_size = l->cfg.max_frame;
	hello.software = l->software;
	agent_link__set_state(l, AGENT_LINK_HELLO);
	l->last_rx = l->last_tx = l->last_hb = uv_now(l->loop);
	if (!l->parser_init || agent_link__queue_frame(l, &f) != 0) {
		agent_link__fail(l, AGENT_LINK_R_IO, "out of memory");
		return;
	}
	rc = uv_read_start(&l->sock.stream, agent_link__on_alloc, agent_link__on_read);
	if (rc != 0)
		agent_link__fail(l, AGENT_LINK_R_IO, "cannot read: %s", uv_strerror(rc));
	agent_link__kick(l);
}

static void connect_addr(struct agent_link *l, const struct sockaddr *addr)
{
	int rc = uv_tcp_init(l->loop, &l->sock.tcp);

	if (rc == 0) {
		l->sock_open = true;
		l->sock.handle.data = l;
		rc = uv_tcp_connect(&l->connect_req, &l->sock.tcp, addr, on_connect);
	}
	if (rc != 0)
		agent_link__fail(l, AGENT_LINK_R_CONNECT, "cannot connect: %s", uv_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct agent_link *l = req->data;

	l->resolving = false;
	if (l->state == AGENT_LINK_CLOSING) {
		uv_freeaddrinfo(res);
		close_done(l);
		return;
	}
	if (status < 0 || !res)
		agent_link__fail(l, AGENT_LINK_R_CONNECT, "cannot resolve %s: %s", l->host,
		                 uv_strerror(status));
	else
		connect_addr(l, res->ai_addr);
	uv_freeaddrinfo(res);
}

static void resolve(struct agent_link *l)
{
	struct addrinfo hints;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", (unsigned)l->cfg.port);
	l->gai_req.data = l;
	rc = uv_getaddrinfo(l->loop, &l->gai_req, on_resolved, l->host, port, &hints);
	if (rc == 0)
		l->resolving = true;
	else
		agent_link__fail(l, AGENT_LINK_R_CONNECT, "cannot resolve %s: %s", l->host,
		                 uv_strerror(rc));
}

static void begin_connect(struct agent_link *l)
{
	struct sockaddr_storage ss;

	l->st.connect_attempts++;
	agent_link__set_state(l, AGENT_LINK_CONNECTING);
	l->connect_req.data = l;
	if (l->unix_path) {
		uv_pipe_init(l->loop, &l->sock.pipe, 0);
		l->sock_open = true;
		l->sock.handle.data = l;
		uv_pipe_connect(&l->connect_req, &l->sock.pipe, l->unix_path, on_connect);
	} else if (uv_ip4_addr(l->host, l->cfg.port, (struct sockaddr_in *)&ss) == 0 ||
	           uv_ip6_addr(l->host, l->cfg.port, (struct sockaddr_in6 *)&ss) == 0) {
		connect_addr(l, (const struct sockaddr *)&ss);
	} else {
		resolve(l);
	}
}

static void on_backoff(uv_timer_t *t)
{
	begin_connect(t->data);
}

/* Connect and HelloAck deadlines, heartbeats, the spool's sync interval. */
static void on_tick(uv_timer_t *t)
{
	struct agent_link *l = t->data;
	uint64_t now = uv_now(l->loop);

	agent_spool_sync_due(l->spool);
	if ((l->state == AGENT_LINK_CONNECTING || l->state == AGENT_LINK_HELLO) &&
	    now - l->state_since > l->cfg.connect_timeout_ms)
		agent_link__fail(l, AGENT_LINK_R_TIMEOUT, "no %s within %" PRIu32 " ms",
		                 l->state == AGENT_LINK_HELLO ? "HelloAck" : "connection",
		                 l->cfg.connect_timeout_ms);
	else if (l->state == AGENT_LINK_DRAINING || l->state == AGENT_LINK_LIVE)
		agent_link__heartbeat(l, now);
}

static char *dup_str(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*ok = false;
	return d;
}

static void apply_defaults(struct agent_link_config *c)
{
	if (!c->max_frame)
		c->max_frame = V2X_FRAME_DEFAULT_MAX;
	if (!c->heartbeat_ms)
		c->heartbeat_ms = 1000;
	if (!c->timeout_ms)
		c->timeout_ms = 3 * c->heartbeat_ms;
	if (!c->connect_timeout_ms)
		c->connect_timeout_ms = 5000;
	if (!c->backoff_min_ms)
		c->backoff_min_ms = 100;
	if (!c->backoff_max_ms)
		c->backoff_max_ms = 10000;
	if (!c->live_age_ms)
		c->live_age_ms = 1000;
	if (!c->drain_chunk)
		c->drain_chunk = 65536;
	if (!c->queue_max)
		c->queue_max = 1u << 20;
}

/* Checks cfg as it will be used, its zero fields taking their defaults. */
static bool config_valid(const struct agent_link_config *cfg)
{
	struct agent_link_config d = *cfg;
	const struct agent_link_config *c = &d;

	apply_defaults(&d);
	return c->id && *c->id && strlen(c->id) <= 64 &&
	       ((c->unix_path && *c->unix_path) || (c->host && *c->host && c->port)) &&
	       c->backoff_min_ms <= c->backoff_max_ms && c->max_frame <= V2X_FRAME_MAX_LIMIT &&
	       c->credential_len <= 1024 && (c->credential || !c->credential_len);
}

static int copy_config(struct agent_link *l, const struct agent_link_config *cfg)
{
	bool ok = true;

	l->cfg = *cfg;
	apply_defaults(&l->cfg);
	l->unix_path = dup_str(cfg->unix_path, &ok);
	l->host = dup_str(cfg->host, &ok);
	l->id = dup_str(cfg->id, &ok);
	l->software = dup_str(cfg->software ? cfg->software : "v2x-rsu-agent", &ok);
	if (cfg->credential_len && (l->credential = malloc(cfg->credential_len)) != NULL)
		memcpy(l->credential, cfg->credential, cfg->credential_len);
	if (!ok || (cfg->credential_len && !l->credential))
		return V2X_ENOMEM;
	if (l->unix_path)
		snprintf(l->where, sizeof(l->where), "unix:%s", l->unix_path);
	else
		snprintf(l->where, sizeof(l->where), "%s:%u", l->host, (unsigned)l->cfg.port);
	return 0;
}

int agent_link_new(uv_loop_t *loop, const struct agent_link_config *cfg, struct agent_spool *spool,
                   const struct agent_link_callbacks *cbs, struct agent_link **out)
{
	struct agent_link *l;
	int rc;

	*out = NULL;
	if (!cfg || !spool || !config_valid(cfg))
		return V2X_EINVAL;
	if (!(l = calloc(1, sizeof(*l))))
		return V2X_ENOMEM;
	l->loop = loop;
	l->spool = spool;
	if (cbs)
		l->cbs = *cbs;
	if ((rc = copy_config(l, cfg)) != 0) {
		agent_link_free(l);
		return rc;
	}
	l->rng = cfg->seed ? cfg->seed : v2x_clock_mono_ns() ^ (uint64_t)(uintptr_t)l;
	l->hb_ms = l->cfg.heartbeat_ms;
	l->timeout_ms = l->cfg.timeout_ms;
	*out = l;
	return 0;
}

/* A quarter of the heartbeat interval, at most 100 ms (the spool's sync
 * interval is checked there too), at least 5 ms. */
uint64_t agent_link__tick_ms(const struct agent_link *l)
{
	uint64_t p = l->hb_ms / 4;

	return p > 100 ? 100 : p < 5 ? 5 : p;
}

int agent_link_start(struct agent_link *l)
{
	uint64_t tick;

	if (l->state != AGENT_LINK_IDLE)
		return V2X_EINVAL;
	uv_timer_init(l->loop, &l->tick);
	uv_timer_init(l->loop, &l->backoff);
	uv_idle_init(l->loop, &l->idle);
	uv_check_init(l->loop, &l->check);
	l->tick.data = l->backoff.data = l->idle.data = l->check.data = l;
	l->handles_init = true;
	uv_check_start(&l->check, agent_link__on_check);
	tick = agent_link__tick_ms(l);
	uv_timer_start(&l->tick, on_tick, tick, tick);
	begin_connect(l);
	return 0;
}

int agent_link_close(struct agent_link *l, void (*cb)(struct agent_link *, void *), void *data)
{
	uv_handle_t *handles[] = { (uv_handle_t *)&l->tick, (uv_handle_t *)&l->backoff,
		                   (uv_handle_t *)&l->idle, (uv_handle_t *)&l->check };
	bool up = agent_link__connected(l);

	if (!l->handles_init || l->state == AGENT_LINK_CLOSING || l->state == AGENT_LINK_CLOSED)
		return V2X_EINVAL;
	l->close_cb = cb;
	l->close_data = data;
	agent_spool_flush(l->spool);
	agent_spool_sync(l->spool);
	if (up) {
		agent_link__bye_now(l, V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL, "agent closing");
		l->st.disconnects++;
		l->st.disconnects_by[AGENT_LINK_R_SHUTDOWN]++;
	}
	l->st.connected = false;
	agent_link__reset_tx(l);
	agent_link__set_state(l, AGENT_LINK_CLOSING);
	l->closing = 1; /* released below, once everything is under way */
	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++, l->closing++)
		uv_close(handles[i], on_handle_closed);
	if (l->sock_open) {
		l->closing++;
		close_sock(l);
	}
	/* A resolution's callback runs whether uv_cancel caught it or not. */
	if (l->resolving) {
		l->closing++;
		uv_cancel((uv_req_t *)&l->gai_req);
	}
	close_done(l);
	return 0;
}

void agent_link_free(struct agent_link *l)
{
	if (!l)
		return;
	if (l->parser_init)
		v2x_frame_parser_fini(&l->parser);
	agent_spool_iter_free(l->iter);
	free(l->bufs[0].data);
	free(l->bufs[1].data);
	free(l->bufs[0].rx_ns);
	free(l->bufs[1].rx_ns);
	free(l->enc);
	free(l->unix_path);
	free(l->host);
	free(l->id);
	free(l->software);
	free(l->credential);
	free(l);
}

struct agent_link_stats agent_link_stats(const struct agent_link *l)
{
	struct agent_link_stats st = l->st;
	struct agent_spool_stats sp = agent_spool_stats(l->spool);
	uint64_t last = sp.next_seq - 1;
	uint64_t base = l->queued_seq > sp.acked_seq ? l->queued_seq : sp.acked_seq;

	st.state = l->state;
	st.dropped = sp.dropped_records;
	st.drain_backlog = l->state != AGENT_LINK_LIVE && last > base ? last - base : 0;
	return st;
}
