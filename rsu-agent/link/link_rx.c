/*
 * link_rx: what the link reads.  Bytes go through the frame parser; each
 * frame goes to the handler of its type, and a frame with no handler in
 * the current state is a protocol error that ends the connection.
 */
#include <inttypes.h>
#include <stdio.h>

#include "rsu-agent/link/link_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

typedef void (*frame_fn)(struct agent_link *l, const V2x__Wire__Frame *f);

void agent_link__on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct agent_link *l = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)l->rbuf, sizeof(l->rbuf));
}

static const char *bye_reason_name(int reason)
{
	const ProtobufCEnumValue *v =
	        protobuf_c_enum_descriptor_get_value(&v2x__wire__bye_reason__descriptor, reason);

	return v ? v->name : "unknown";
}

static void protocol_error(struct agent_link *l, const char *what)
{
	agent_link__bye_now(l, V2X__WIRE__BYE_REASON__BYE_REASON_PROTOCOL_ERROR, what);
	agent_link__fail(l, AGENT_LINK_R_PROTOCOL, "%s", what);
}

/* Takes the session's parameters from the broker. */
static void session_params(struct agent_link *l, const V2x__Wire__HelloAck *a)
{
	l->hb_ms = a->has_heartbeat_interval_ms && a->heartbeat_interval_ms
	                   ? a->heartbeat_interval_ms
	                   : l->cfg.heartbeat_ms;
	l->timeout_ms = a->has_timeout_ms && a->timeout_ms ? a->timeout_ms : l->cfg.timeout_ms;
	l->peer_max_frame = a->has_max_frame_size && a->max_frame_size ? a->max_frame_size
	                                                               : V2X_FRAME_DEFAULT_MAX;
	uv_timer_set_repeat(&l->tick, agent_link__tick_ms(l));
}

/*
 * The broker has stored everything up to last_seq: that is acknowledged,
 * and a seq the spool no longer remembers using (a power loss under a lax
 * fsync policy) is not handed out again.
 */
static void on_hello_ack(struct agent_link *l, const V2x__Wire__Frame *f)
{
	const V2x__Wire__HelloAck *a = f->hello_ack;
	uint64_t last = a->has_last_seq ? a->last_seq : 0;
	int rc;

	if (a->has_protocol_version &&
	    a->protocol_version != V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1) {
		protocol_error(l, "the broker answered with an unsupported protocol version");
		return;
	}
	session_params(l, a);
	if (last >= agent_spool_next_seq(l->spool))
		agent_spool_reserve_seq(l->spool, last + 1);
	agent_spool_ack(l->spool, last);
	if (last > l->st.acked)
		l->st.acked = last;
	l->st.connects++;
	l->st.connected = true;
	l->attempt = 0;
	v2x_logf(l->cfg.log, V2X_LOG_INFO,
	         "broker %s (%s): connected; it has up to seq %" PRIu64 ", the spool %" PRIu64,
	         l->where, a->broker_id ? a->broker_id : "?", last,
	         agent_spool_next_seq(l->spool) - 1);
	if ((rc = agent_link__drain_from(l, last + 1)) != 0)
		agent_link__fail(l, AGENT_LINK_R_IO, "cannot read the spool: %s", v2x_strerror(rc));
}

static void on_bye(struct agent_link *l, const V2x__Wire__Frame *f)
{
	const V2x__Wire__Bye *b = f->bye;

	agent_link__fail(l, AGENT_LINK_R_BYE, "the broker said bye: %s%s%s",
	                 bye_reason_name(b->has_reason ? (int)b->reason : 0), b->text ? ": " : "",
	                 b->text ? b->text : "");
}

static void on_heartbeat(struct agent_link *l, const V2x__Wire__Frame *f)
{
	const V2x__Wire__Heartbeat *h = f->heartbeat;
	int64_t now = v2x_clock_wall_us();

	l->st.heartbeats_in++;
	if (h->has_send_time_us)
		l->peer_send_us = h->send_time_us;
	if (h->has_echo_send_time_us && h->echo_send_time_us && now > (int64_t)h->echo_send_time_us)
		l->st.rtt_us = (uint64_t)now - h->echo_send_time_us;
}

static void on_ack(struct agent_link *l, const V2x__Wire__Frame *f)
{
	uint64_t seq = f->ack->has_seq ? f->ack->seq : 0;
	uint64_t last = agent_spool_next_seq(l->spool) - 1;

	if (seq > last)
		seq = last;
	if (seq > l->st.acked)
		l->st.acked = seq;
	agent_spool_ack(l->spool, seq);
}

static void on_downlink(struct agent_link *l, const V2x__Wire__Frame *f)
{
	l->st.downlinks++;
	if (l->cbs.on_downlink)
		l->cbs.on_downlink(l->cbs.data, f->downlink);
}

/* Handlers once the session is up; before the HelloAck only it and Bye. */
static const frame_fn session_handlers[] = {
	[V2X__WIRE__FRAME__MSG_BYE] = on_bye,
	[V2X__WIRE__FRAME__MSG_HEARTBEAT] = on_heartbeat,
	[V2X__WIRE__FRAME__MSG_ACK] = on_ack,
	[V2X__WIRE__FRAME__MSG_DOWNLINK] = on_downlink,
};

static const frame_fn hello_handlers[] = {
	[V2X__WIRE__FRAME__MSG_HELLO_ACK] = on_hello_ack,
	[V2X__WIRE__FRAME__MSG_BYE] = on_bye,
};

static void dispatch(struct agent_link *l, const V2x__Wire__Frame *f)
{
	bool hello = l->state == AGENT_LINK_HELLO;
	const frame_fn *table = hello ? hello_handlers : session_handlers;
	size_t n = hello ? sizeof(hello_handlers) / sizeof(hello_handlers[0])
	                 : sizeof(session_handlers) / sizeof(session_handlers[0]);
	const ProtobufCFieldDescriptor *d;
	char what[128];

	if ((size_t)f->msg_case < n && table[f->msg_case]) {
		table[f->msg_case](l, f);
		return;
	}
	d = protobuf_c_message_descriptor_get_field(&v2x__wire__frame__descriptor,
	                                            (unsigned)f->msg_case);
	snprintf(what, sizeof(what), "unexpected %s frame %s", d ? d->name : "unknown",
	         hello ? "before the HelloAck" : "in the session");
	protocol_error(l, what);
}

static void frame_error(struct agent_link *l, int rc)
{
	bool big = rc == V2X_EFRAME_TOO_BIG;
	const char *detail = v2x_frame_parser_error(&l->parser);

	agent_link__bye_now(l,
	                    big ? V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_TOO_BIG
	                        : V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_GARBAGE,
	                    detail);
	agent_link__fail(l, big ? AGENT_LINK_R_TOO_BIG : AGENT_LINK_R_GARBAGE, "%s",
	                 *detail ? detail : v2x_strerror(rc));
}

void agent_link__on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct agent_link *l = s->data;
	const uint8_t *p = (const uint8_t *)buf->base;
	size_t len = nread > 0 ? (size_t)nread : 0;
	const V2x__Wire__Frame *f;

	if (nread == UV_EOF)
		agent_link__fail(l, AGENT_LINK_R_EOF, "the broker closed the connection");
	else if (nread < 0)
		agent_link__fail(l, AGENT_LINK_R_IO, "read failed: %s", uv_strerror((int)nread));
	if (nread <= 0)
		return;
	l->last_rx = uv_now(l->loop);
	l->st.bytes_in += len;
	/* A handler may end the connection: the rest of the buffer is dropped. */
	while (len && agent_link__connected(l)) {
		int rc = v2x_frame_parser_next(&l->parser, &p, &len, &f);
		if (rc < 0)
			frame_error(l, rc);
		if (rc <= 0)
			return;
		dispatch(l, f);
	}
}
