/*
 * conn: one agent's connection to wirepeer.  Frames go through the frame
 * parser; the first must be a Hello, answered with a HelloAck that says
 * the last seq stored for that agent; then Observations are stored
 * (store.c) and acknowledged once per read batch, after they were
 * written, and Heartbeats are answered.  Anything else, and bytes that are
 * not frames, close the connection after a Bye saying why.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/frame.h"
#include "runtime/clock.h"
#include "runtime/err.h"
#include "tests/wirepeer/wirepeer.h"

#define READ_BUF 65536

struct wp_conn {
	struct wp_peer *p;
	struct wp_conn *next;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} sock;
	uv_timer_t ack_timer;
	uv_shutdown_t shutdown_req;
	struct v2x_frame_parser parser;
	struct wp_agent *agent; /* NULL until the Hello */
	uint64_t n;             /* the connection's number, for logs */
	uint64_t observations;  /* received on this connection, duplicates included */
	uint64_t last_rx_ms;
	bool ack_due; /* something was received since the last Ack */
	bool ending;  /* reads stopped, closing (maybe after a Bye) */
	int handles;  /* open handles; freed at 0 */
	uint8_t rbuf[READ_BUF];
};

/* A write and its bytes, freed by its callback. */
struct wp_write {
	uv_write_t req;
	uint8_t data[];
};

typedef void (*frame_fn)(struct wp_conn *c, const V2x__Wire__Frame *f);

static const char *agent_name(const struct wp_conn *c)
{
	return c->agent ? c->agent->id : "?";
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void send_bytes(struct wp_conn *c, const uint8_t *data, size_t len)
{
	struct wp_write *w = malloc(sizeof(*w) + len);
	uv_buf_t b;

	if (!w)
		return;
	memcpy(w->data, data, len);
	b = uv_buf_init((char *)w->data, (unsigned)len);
	if (uv_write(&w->req, &c->sock.stream, &b, 1, on_written) != 0)
		free(w);
}

static void send_frame(struct wp_conn *c, const V2x__Wire__Frame *f)
{
	size_t len = v2x_frame_size(f);
	struct wp_write *w = malloc(sizeof(*w) + len);
	uv_buf_t b;

	if (!w)
		return;
	if (v2x_frame_encode(f, w->data, len, &len) != 0) {
		free(w);
		return;
	}
	b = uv_buf_init((char *)w->data, (unsigned)len);
	if (uv_write(&w->req, &c->sock.stream, &b, 1, on_written) != 0)
		free(w);
}

static void unlink_conn(struct wp_conn *c)
{
	struct wp_conn **pp = &c->p->conns;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
}

static void on_closed(uv_handle_t *h)
{
	struct wp_conn *c = h->data;

	if (--c->handles > 0)
		return;
	v2x_frame_parser_fini(&c->parser);
	free(c);
}

/* Closes at once; writes not done yet are dropped. */
static void close_conn(struct wp_conn *c)
{
	if (uv_is_closing(&c->sock.handle))
		return;
	c->ending = true;
	uv_read_stop(&c->sock.stream);
	unlink_conn(c);
	uv_close(&c->sock.handle, on_closed);
	uv_close((uv_handle_t *)&c->ack_timer, on_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	close_conn(req->data);
}

/* Sends a Bye saying why, then closes once it is written. */
static void bye_close(struct wp_conn *c, V2x__Wire__ByeReason reason, enum v2x_log_level level,
                      const char *fmt, ...) V2X_PRINTF(4, 5);

static void bye_close(struct wp_conn *c, V2x__Wire__ByeReason reason, enum v2x_log_level level,
                      const char *fmt, ...)
{
	V2x__Wire__Bye bye = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char why[256];
	va_list ap;

	if (c->ending)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	v2x_logf(&c->p->log, level, "connection %" PRIu64 " (agent %s): %s; closing", c->n,
	         agent_name(c), why);
	c->ending = true;
	uv_read_stop(&c->sock.stream);
	bye.has_reason = 1;
	bye.reason = reason;
	bye.text = why;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &bye;
	send_frame(c, &f);
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, &c->sock.stream, on_shutdown) != 0)
		close_conn(c);
}

static void protocol_error(struct wp_conn *c, const char *what, const V2x__Wire__Frame *f)
{
	const ProtobufCFieldDescriptor *d = protobuf_c_message_descriptor_get_field(
	        &v2x__wire__frame__descriptor, (unsigned)f->msg_case);

	bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_PROTOCOL_ERROR, V2X_LOG_WARN,
	          "protocol error: %s frame %s", d ? d->name : "unknown", what);
}

static void send_ack(struct wp_conn *c)
{
	V2x__Wire__Ack ack = V2X__WIRE__ACK__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	c->ack_due = false;
	if (!c->agent || !c->agent->last_seq)
		return;
	ack.has_seq = 1;
	ack.seq = c->agent->last_seq;
	f.msg_case = V2X__WIRE__FRAME__MSG_ACK;
	f.ack = &ack;
	send_frame(c, &f);
}

static void on_ack_timer(uv_timer_t *t)
{
	struct wp_conn *c = t->data;

	if (!c->ending)
		send_ack(c);
}

static bool hello_refused(struct wp_conn *c, const V2x__Wire__Hello *h)
{
	if (!h->has_role || h->role != V2X__WIRE__ROLE__ROLE_AGENT)
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_PROTOCOL_ERROR, V2X_LOG_WARN,
		          "a Hello of role %d: this peer serves agents only",
		          h->has_role ? (int)h->role : 0);
	else if (!h->id || !*h->id)
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_PROTOCOL_ERROR, V2X_LOG_WARN,
		          "a Hello without an id");
	else if (h->has_protocol_version &&
	         h->protocol_version != V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1)
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_UNSUPPORTED_VERSION, V2X_LOG_WARN,
		          "protocol version %" PRIu32 " (this peer speaks 1)", h->protocol_version);
	else
		return false;
	return true;
}

static void on_hello(struct wp_conn *c, const V2x__Wire__Frame *f)
{
	const struct wp_options *o = &c->p->opt;
	V2x__Wire__HelloAck a = V2X__WIRE__HELLO_ACK__INIT;
	V2x__Wire__Frame out = V2X__WIRE__FRAME__INIT;
	char broker_id[] = "v2x-wirepeer";

	if (hello_refused(c, f->hello))
		return;
	if (!(c->agent = wp_store_agent(&c->p->store, f->hello->id))) {
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_OVERLOADED, V2X_LOG_ERROR,
		          "out of memory");
		return;
	}
	a.has_protocol_version = 1;
	a.protocol_version = V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	a.broker_id = broker_id;
	a.has_heartbeat_interval_ms = o->heartbeat_ms > 0;
	a.heartbeat_interval_ms = (uint32_t)o->heartbeat_ms;
	a.has_timeout_ms = o->timeout_ms > 0;
	a.timeout_ms = (uint32_t)o->timeout_ms;
	a.has_max_frame_size = 1;
	a.max_frame_size = V2X_FRAME_DEFAULT_MAX;
	a.has_last_seq = 1;
	a.last_seq = c->agent->last_seq;
	out.msg_case = V2X__WIRE__FRAME__MSG_HELLO_ACK;
	out.hello_ack = &a;
	send_frame(c, &out);
	v2x_logf(&c->p->log, V2X_LOG_INFO,
	         "connection %" PRIu64 ": agent %s (%s) says hello; it has up to seq %" PRIu64,
	         c->n, c->agent->id, f->hello->software ? f->hello->software : "?",
	         c->agent->last_seq);
	if (c->p->send_len)
		send_bytes(c, c->p->send_bytes, c->p->send_len);
}

static void on_observation(struct wp_conn *c, const V2x__Wire__Frame *f)
{
	struct wp_peer *p = c->p;
	int rc;

	if (!f->observation->has_seq || f->observation->seq == 0) {
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_INVALID_MESSAGE, V2X_LOG_WARN,
		          "an Observation without a seq");
		return;
	}
	if ((rc = wp_store_add(&p->store, c->agent, f->observation)) < 0) {
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_OVERLOADED, V2X_LOG_ERROR,
		          "cannot store: %s", v2x_strerror(rc));
		return;
	}
	c->observations++;
	c->ack_due = true;
	if (p->opt.close_after > 0 && c->observations >= (uint64_t)p->opt.close_after) {
		v2x_logf(&p->log, V2X_LOG_INFO,
		         "connection %" PRIu64 " (agent %s): dropped after %" PRIu64
		         " observations (--close-after)",
		         c->n, agent_name(c), c->observations);
		wp_store_flush(&p->store);
		close_conn(c);
	}
}

static void on_heartbeat(struct wp_conn *c, const V2x__Wire__Frame *f)
{
	V2x__Wire__Heartbeat hb = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame out = V2X__WIRE__FRAME__INIT;

	if (c->p->opt.silent)
		return;
	hb.has_send_time_us = 1;
	hb.send_time_us = (uint64_t)v2x_clock_wall_us();
	hb.has_echo_send_time_us = f->heartbeat->has_send_time_us;
	hb.echo_send_time_us = f->heartbeat->send_time_us;
	out.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	out.heartbeat = &hb;
	send_frame(c, &out);
}

static void on_bye(struct wp_conn *c, const V2x__Wire__Frame *f)
{
	v2x_logf(&c->p->log, V2X_LOG_INFO, "connection %" PRIu64 " (agent %s): bye (%d%s%s)", c->n,
	         agent_name(c), f->bye->has_reason ? (int)f->bye->reason : 0,
	         f->bye->text ? ": " : "", f->bye->text ? f->bye->text : "");
	close_conn(c);
}

/* What an agent may send once its Hello is answered. */
static const frame_fn session_handlers[] = {
	[V2X__WIRE__FRAME__MSG_OBSERVATION] = on_observation,
	[V2X__WIRE__FRAME__MSG_HEARTBEAT] = on_heartbeat,
	[V2X__WIRE__FRAME__MSG_BYE] = on_bye,
};

static void dispatch(struct wp_conn *c, const V2x__Wire__Frame *f)
{
	size_t n = sizeof(session_handlers) / sizeof(session_handlers[0]);

	if (!c->agent && f->msg_case == V2X__WIRE__FRAME__MSG_HELLO)
		on_hello(c, f);
	else if (!c->agent)
		protocol_error(c, "before the Hello", f);
	else if ((size_t)f->msg_case < n && session_handlers[f->msg_case])
		session_handlers[f->msg_case](c, f);
	else
		protocol_error(c, "in an agent's session", f);
}

static void frame_error(struct wp_conn *c, int rc)
{
	const char *detail = v2x_frame_parser_error(&c->parser);

	bye_close(c,
	          rc == V2X_EFRAME_TOO_BIG ? V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_TOO_BIG
	                                   : V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_GARBAGE,
	          V2X_LOG_WARN, "%s", *detail ? detail : v2x_strerror(rc));
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct wp_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)c->rbuf, sizeof(c->rbuf));
}

/* After a read batch: written first, then acknowledged. */
static void end_batch(struct wp_conn *c)
{
	const struct wp_options *o = &c->p->opt;

	if (wp_store_flush(&c->p->store) != 0 || c->ending || !c->ack_due || o->no_ack || o->silent)
		return;
	if (o->ack_delay_ms <= 0)
		send_ack(c);
	else if (!uv_is_active((uv_handle_t *)&c->ack_timer))
		uv_timer_start(&c->ack_timer, on_ack_timer, (uint64_t)o->ack_delay_ms, 0);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct wp_conn *c = s->data;
	const uint8_t *p = (const uint8_t *)buf->base;
	size_t len = nread > 0 ? (size_t)nread : 0;
	const V2x__Wire__Frame *f;

	if (nread < 0) {
		v2x_logf(&c->p->log, V2X_LOG_INFO, "connection %" PRIu64 " (agent %s): %s", c->n,
		         agent_name(c),
		         nread == UV_EOF ? "closed by the agent" : uv_strerror((int)nread));
		close_conn(c);
		return;
	}
	c->last_rx_ms = uv_now(c->p->loop);
	while (len && !c->ending) {
		int rc = v2x_frame_parser_next(&c->parser, &p, &len, &f);
		if (rc < 0)
			frame_error(c, rc);
		if (rc <= 0)
			break;
		dispatch(c, f);
	}
	end_batch(c);
}

void wp_conn_accept(struct wp_peer *p)
{
	struct wp_conn *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return;
	c->p = p;
	if (p->opt.unix_path)
		uv_pipe_init(p->loop, &c->sock.pipe, 0);
	else
		uv_tcp_init(p->loop, &c->sock.tcp);
	uv_timer_init(p->loop, &c->ack_timer);
	c->sock.handle.data = c->ack_timer.data = c;
	c->handles = 2;
	c->n = ++p->connections;
	c->next = p->conns;
	p->conns = c;
	c->last_rx_ms = uv_now(p->loop);
	v2x_frame_parser_init(&c->parser, NULL);
	if ((rc = uv_accept(&p->listener.stream, &c->sock.stream)) == 0 && !p->opt.unix_path)
		rc = uv_tcp_nodelay(&c->sock.tcp, 1);
	if (rc == 0)
		rc = uv_read_start(&c->sock.stream, on_alloc, on_read);
	if (rc != 0) {
		v2x_logf(&p->log, V2X_LOG_WARN, "connection %" PRIu64 ": %s", c->n,
		         uv_strerror(rc));
		close_conn(c);
	}
}

void wp_conn_close_all(struct wp_peer *p)
{
	struct wp_conn *c = p->conns, *next;

	for (; c; c = next) {
		next = c->next;
		bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL, V2X_LOG_INFO,
		          "the peer is stopping");
	}
}

void wp_conn_abort_all(struct wp_peer *p)
{
	while (p->conns)
		close_conn(p->conns);
}

void wp_conn_check_timeouts(struct wp_peer *p, uint64_t now_ms)
{
	struct wp_conn *c = p->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (!c->ending && now_ms - c->last_rx_ms > (uint64_t)p->opt.timeout_ms)
			bye_close(c, V2X__WIRE__BYE_REASON__BYE_REASON_TIMEOUT, V2X_LOG_WARN,
			          "silent for %" PRIu64 " ms", now_ms - c->last_rx_ms);
	}
}
