/*
 * conn: one peer's connection: reading and framing, the Hello, heartbeats
 * and the silence timeout, and closing with a reason.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/net/net_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define PROTOCOL_VERSION V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1

struct brk_conn *brk_conn__acquire(struct brk_net *net, unsigned roles)
{
	struct brk_conn *c = net->free_list;
	struct v2x_frame_limits limits = { .max_frame_size = net->cfg.max_frame_size };

	if (!c || net->closing)
		return NULL;
	net->free_list = c->next;
	c->next = NULL;
	c->state = BRK__HELLO_WAIT;
	c->id = ++net->next_id;
	c->roles = roles;
	c->has_sock = false;
	c->seen = c->hard = c->bye_sent = c->dirty = false;
	c->paused = false;
	c->held_len = 0;
	c->handles = 0;
	c->data = NULL;
	c->peer_hb_us = 0;
	c->q_head = c->q_len = c->q_bytes = 0;
	c->n_inflight = c->inflight_bytes = 0;
	memset(&c->principal, 0, sizeof(c->principal));
	memset(&c->stats, 0, sizeof(c->stats));
	c->last_rx_ms = c->last_tx_ms = uv_now(net->loop);
	/* The limit was checked by brk_net_new: init cannot fail. */
	v2x_frame_parser_init(&c->parser, &limits);
	net->stats.conns++;
	return c;
}

static const char *conn_who(const struct brk_conn *c)
{
	return c->principal.id[0] ? c->principal.id : "?";
}

static void on_handle_closed(uv_handle_t *h)
{
	struct brk_conn *c = h->data;

	if (--c->handles > 0)
		return;
	brk_conn__drain(c);
	v2x_frame_parser_fini(&c->parser);
	brk_net__release(c->net, c);
}

void brk_conn__hard_close(struct brk_conn *c)
{
	if (c->hard)
		return;
	c->hard = true;
	c->state = BRK__CLOSING;
	brk_net__unlink_dirty(c->net, c);
	/* A write in flight is cancelled: its callback runs before these. */
	if (c->has_sock)
		uv_close(&c->sock.handle, on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

/* Tells the core, once, that an accepted connection is gone. */
static void notify_close(struct brk_conn *c, enum brk_close_reason reason)
{
	if (!c->seen)
		return;
	c->seen = false;
	if (c->net->cb.on_close)
		c->net->cb.on_close(c->net->cb.arg, c, reason);
}

/*
 * Closes c for reason: logs why, counts it, sends a Bye when bye is set
 * (then shuts down once it is written, or after BRK_NET_LINGER_MS), and
 * tells the core.  A connection already closing is left alone.
 */
static void conn_close(struct brk_conn *c, enum brk_close_reason reason, bool bye, const char *why)
{
	struct brk_net *net = c->net;

	if (c->state == BRK__CLOSING || c->state == BRK__FREE)
		return;
	c->state = BRK__CLOSING;
	net->stats.closes[reason]++;
	v2x_logf(net->cfg.log, reason <= BRK_CLOSE_PEER ? V2X_LOG_INFO : V2X_LOG_WARN,
	         "connection %" PRIu64 " (%s): %s: %s; closing", c->id, conn_who(c),
	         brk_close_reason_name(reason), why);
	if (c->has_sock)
		uv_read_stop(&c->sock.stream);
	c->closing_ms = uv_now(net->loop);
	if (bye && c->has_sock && brk_conn__send_bye(c, reason, why) == 0)
		c->bye_sent = true;
	else
		brk_conn__hard_close(c);
	notify_close(c, reason);
}

void brk_conn__fail(struct brk_conn *c, enum brk_close_reason reason, bool bye, const char *fmt,
                    ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	conn_close(c, reason, bye, why);
}

void brk_conn_close(struct brk_conn *c, enum brk_close_reason reason, const char *text)
{
	conn_close(c, reason, true, text ? text : "closed by the broker");
}

/* ---- Hello ------------------------------------------------------------- */

static void send_hello_ack(struct brk_conn *c, uint32_t version, uint64_t last_seq)
{
	const struct brk_net_config *cfg = &c->net->cfg;
	V2x__Wire__HelloAck ack = V2X__WIRE__HELLO_ACK__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char broker_id[128]; /* protobuf-c's fields are not const */

	snprintf(broker_id, sizeof(broker_id), "%s", cfg->broker_id);
	ack.has_protocol_version = 1;
	ack.protocol_version = version;
	ack.broker_id = broker_id;
	ack.has_heartbeat_interval_ms = 1;
	ack.heartbeat_interval_ms = cfg->heartbeat_interval_ms;
	ack.has_timeout_ms = 1;
	ack.timeout_ms = cfg->timeout_ms;
	ack.has_max_frame_size = 1;
	ack.max_frame_size = cfg->max_frame_size;
	if (c->principal.role == BRK_ROLE_AGENT) {
		ack.has_last_seq = 1;
		ack.last_seq = last_seq;
	}
	f.msg_case = V2X__WIRE__FRAME__MSG_HELLO_ACK;
	f.hello_ack = &ack;
	brk_conn_send_frame(c, &f);
}

/* Checks the Hello's role and version; returns the reason to refuse or NONE. */
static enum brk_close_reason hello_shape(const struct brk_conn *c, const V2x__Wire__Hello *h,
                                         char *why, size_t whylen)
{
	unsigned role = h->has_role ? (unsigned)h->role : 0;

	if (role != BRK_ROLE_AGENT && role != BRK_ROLE_SUBSCRIBER) {
		snprintf(why, whylen, "a Hello with role %u, neither agent nor subscriber", role);
		return BRK_CLOSE_PROTOCOL;
	}
	if (!(c->roles & (1u << role))) {
		snprintf(why, whylen, "this listener does not serve %ss",
		         role == BRK_ROLE_AGENT ? "agent" : "subscriber");
		return BRK_CLOSE_AUTH;
	}
	if (!h->has_protocol_version || h->protocol_version < PROTOCOL_VERSION) {
		snprintf(why, whylen, "protocol version %u; this broker speaks %d",
		         h->has_protocol_version ? h->protocol_version : 0, PROTOCOL_VERSION);
		return BRK_CLOSE_VERSION;
	}
	if (!h->id || !h->has_credential) {
		snprintf(why, whylen, "a Hello without id or credential");
		return BRK_CLOSE_AUTH;
	}
	return BRK_CLOSE_NONE;
}

static void on_hello(struct brk_conn *c, const V2x__Wire__Hello *h)
{
	struct brk_net *net = c->net;
	enum brk_close_reason refuse;
	uint64_t last_seq = 0;
	char why[256] = "";

	refuse = hello_shape(c, h, why, sizeof(why));
	if (!refuse &&
	    brk_auth_check(net->cfg.auth, (enum brk_role)h->role, h->id, h->credential.data,
	                   h->credential.len, &c->principal, why, sizeof(why)) != 0)
		refuse = BRK_CLOSE_AUTH;
	if (!refuse && net->cb.on_hello)
		refuse = net->cb.on_hello(net->cb.arg, c, &c->principal, h, &last_seq, why,
		                          sizeof(why));
	if (refuse) {
		conn_close(c, refuse, true, why);
		return;
	}
	c->state = BRK__OPEN;
	c->seen = true;
	net->stats.hellos++;
	send_hello_ack(c, PROTOCOL_VERSION, last_seq);
	v2x_logf(net->cfg.log, V2X_LOG_INFO, "connection %" PRIu64 ": %s %s accepted", c->id,
	         h->role == V2X__WIRE__ROLE__ROLE_AGENT ? "agent" : "subscriber", c->principal.id);
}

/* ---- frames -------------------------------------------------------------- */

static const char *frame_name(const V2x__Wire__Frame *f)
{
	const ProtobufCFieldDescriptor *d = protobuf_c_message_descriptor_get_field(
	        &v2x__wire__frame__descriptor, (unsigned)f->msg_case);

	return d ? d->name : "unknown";
}

static void send_heartbeat(struct brk_conn *c)
{
	V2x__Wire__Heartbeat hb;
	V2x__Wire__Frame f;

	v2x_frame_heartbeat(&f, &hb, (uint64_t)v2x_clock_wall_us(), c->peer_hb_us);
	brk_conn_send_frame(c, &f);
}

/* A Heartbeat is answered at once, so that the peer measures the round trip. */
static void on_heartbeat(struct brk_conn *c, const V2x__Wire__Frame *f)
{
	if (f->heartbeat->has_send_time_us)
		c->peer_hb_us = f->heartbeat->send_time_us;
	send_heartbeat(c);
}

static void on_bye(struct brk_conn *c, const V2x__Wire__Frame *f)
{
	const V2x__Wire__Bye *b = f->bye;

	brk_conn__fail(c, BRK_CLOSE_NORMAL, false, "the peer said Bye (reason %d: %s)",
	               b->has_reason ? (int)b->reason : 0, b->text ? b->text : "");
}

static void dispatch_open(struct brk_conn *c, const V2x__Wire__Frame *f)
{
	switch (f->msg_case) {
	case V2X__WIRE__FRAME__MSG_HEARTBEAT:
		on_heartbeat(c, f);
		break;
	case V2X__WIRE__FRAME__MSG_BYE:
		on_bye(c, f);
		break;
	case V2X__WIRE__FRAME__MSG_HELLO:
	case V2X__WIRE__FRAME__MSG_HELLO_ACK:
		brk_conn__fail(c, BRK_CLOSE_PROTOCOL, true, "a %s frame after the Hello",
		               frame_name(f));
		break;
	default:
		if (c->net->cb.on_frame)
			c->net->cb.on_frame(c->net->cb.arg, c, f);
		break;
	}
}

static void dispatch(struct brk_conn *c, const V2x__Wire__Frame *f)
{
	c->stats.frames_in++;
	c->net->stats.frames_in++;
	if (c->state == BRK__OPEN) {
		dispatch_open(c, f);
		return;
	}
	if (f->msg_case != V2X__WIRE__FRAME__MSG_HELLO) {
		brk_conn__fail(c, BRK_CLOSE_PROTOCOL, true, "first frame is a %s, not a Hello",
		               frame_name(f));
		return;
	}
	on_hello(c, f->hello);
}

static enum brk_close_reason parse_reason(int rc)
{
	if (rc == V2X_EFRAME_TOO_BIG)
		return BRK_CLOSE_TOO_BIG;
	if (rc == V2X_EFRAME_GARBAGE)
		return BRK_CLOSE_GARBAGE;
	return BRK_CLOSE_IO;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* Keeps the len bytes at buf (which may lie inside c->held) for resume. */
static int hold(struct brk_conn *c, const uint8_t *buf, size_t len)
{
	if (len > c->held_cap) {
		uint8_t *p;

		/* buf is not in held here: fed from held, what is left of it
		 * fits in it. */
		p = realloc(c->held, len);
		if (!p) {
			brk_conn__fail(c, BRK_CLOSE_IO, true,
			               "no memory to hold input while paused");
			return V2X_ENOMEM;
		}
		c->held = p;
		c->held_cap = len;
	}
	memmove(c->held, buf, len);
	c->held_len = len;
	return 0;
}

/* Parses buf and dispatches its frames until it is used up, the
 * connection closes or the core pauses it (the rest is then held). */
static int feed(struct brk_conn *c, const uint8_t *buf, size_t len)
{
	const V2x__Wire__Frame *f;

	while (c->state == BRK__HELLO_WAIT || c->state == BRK__OPEN) {
		int rc;

		if (c->paused)
			return len ? hold(c, buf, len) : 0;
		rc = v2x_frame_parser_next(&c->parser, &buf, &len, &f);
		if (rc < 0) {
			brk_conn__fail(c, parse_reason(rc), true, "%s",
			               v2x_frame_parser_error(&c->parser));
			return rc;
		}
		if (rc == 0)
			break;
		dispatch(c, f);
	}
	return 0;
}

int brk_conn__input(struct brk_conn *c, const uint8_t *buf, size_t len)
{
	c->stats.bytes_in += len;
	c->net->stats.bytes_in += len;
	c->last_rx_ms = uv_now(c->net->loop);
	c->silent_seen = false;
	return feed(c, buf, len);
}

void brk_conn_pause(struct brk_conn *c, bool pause)
{
	if (c->state != BRK__OPEN || c->paused == pause)
		return;
	c->paused = pause;
	if (pause) {
		c->net->stats.pauses++;
		if (c->has_sock)
			uv_read_stop(&c->sock.stream);
		return;
	}
	c->last_rx_ms = uv_now(c->net->loop);
	c->silent_seen = false;
	if (c->held_len) {
		size_t n = c->held_len;

		c->held_len = 0;
		if (feed(c, c->held, n) != 0 || c->paused || c->state != BRK__OPEN)
			return;
	}
	if (c->has_sock && uv_read_start(&c->sock.stream, on_alloc, on_read) != 0)
		brk_conn__fail(c, BRK_CLOSE_IO, false, "cannot start reading again");
}

bool brk_conn_paused(const struct brk_conn *c)
{
	return c->paused;
}

/* ---- socket and timer -------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct brk_conn *c = h->data;

	(void)hint;
	*buf = uv_buf_init((char *)c->net->rbuf, sizeof(c->net->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct brk_conn *c = s->data;

	if (n == UV_EOF) {
		int rc = v2x_frame_parser_finish(&c->parser);

		brk_conn__fail(c, BRK_CLOSE_PEER, false, "the peer closed the connection%s",
		               rc ? " in the middle of a frame" : "");
		return;
	}
	if (n < 0) {
		brk_conn__fail(c, BRK_CLOSE_IO, false, "read failed: %s", uv_strerror((int)n));
		return;
	}
	brk_conn__input(c, (const uint8_t *)buf->base, (size_t)n);
}

static void on_tick(uv_timer_t *t)
{
	struct brk_conn *c = t->data;
	const struct brk_net_config *cfg = &c->net->cfg;
	uint64_t now = uv_now(c->net->loop);

	if (c->state == BRK__CLOSING) {
		if (now - c->closing_ms >= BRK_NET_LINGER_MS)
			brk_conn__hard_close(c);
		return;
	}
	if (c->paused) {
		/* Not reading is the core's doing, not the peer's silence. */
		c->last_rx_ms = now;
		c->silent_seen = false;
	}
	if (now - c->last_rx_ms >= cfg->timeout_ms) {
		/* Timers run before the loop polls: after a turn that took long
		 * (a burst of work), what the peer sent meanwhile is still
		 * unread.  Close only if it is still silent one tick later, a
		 * poll having come between. */
		if (!c->silent_seen) {
			c->silent_seen = true;
			return;
		}
		brk_conn__fail(c, BRK_CLOSE_TIMEOUT, true, "silent for %" PRIu64 " ms%s",
		               now - c->last_rx_ms,
		               v2x_frame_parser_finish(&c->parser) ? " in the middle of a frame"
		                                                   : "");
		return;
	}
	if (c->state == BRK__OPEN && now - c->last_tx_ms >= cfg->heartbeat_interval_ms)
		send_heartbeat(c);
}

/* The timer ticks at a quarter of the shorter period: checks run late by that at most. */
static uint64_t tick_ms(const struct brk_net_config *cfg)
{
	uint32_t p = cfg->heartbeat_interval_ms < cfg->timeout_ms ? cfg->heartbeat_interval_ms
	                                                          : cfg->timeout_ms;

	return p >= 4 ? p / 4 : 1;
}

void brk_conn__start(struct brk_conn *c)
{
	uint64_t tick = tick_ms(&c->net->cfg);

	uv_timer_init(c->net->loop, &c->timer);
	c->timer.data = c;
	c->handles++;
	uv_timer_start(&c->timer, on_tick, tick, tick);
	if (!c->has_sock)
		return;
	c->sock.handle.data = c;
	c->handles++;
	if (uv_read_start(&c->sock.stream, on_alloc, on_read) != 0)
		brk_conn__fail(c, BRK_CLOSE_IO, false, "cannot start reading");
}

/* ---- accessors --------------------------------------------------------- */

const struct brk_principal *brk_conn_principal(const struct brk_conn *c)
{
	return &c->principal;
}

uint64_t brk_conn_id(const struct brk_conn *c)
{
	return c->id;
}

void brk_conn_set_data(struct brk_conn *c, void *data)
{
	c->data = data;
}

void *brk_conn_data(const struct brk_conn *c)
{
	return c->data;
}

struct brk_conn_stats brk_conn_stats(const struct brk_conn *c)
{
	struct brk_conn_stats s = c->stats;

	s.queued_frames = c->q_len + c->n_inflight;
	s.queued_bytes = c->q_bytes + c->inflight_bytes;
	return s;
}
