/*
 * listener: the TCP and unix socket listeners, and accepting connections
 * into the net's pool.  A client beyond max_conns is accepted, told
 * Bye(OVERLOADED) and closed, so that it knows why rather than hanging in
 * the backlog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/net/net_int.h"
#include "runtime/addr.h"
#include "runtime/err.h"

/* A connection refused for lack of a slot: its handle, freed on close. */
struct overflow {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
};

static void on_overflow_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Tells the peer why (best effort, without waiting) and closes it. */
static void refuse_overloaded(struct brk_listener *l)
{
	char text[] = "broker at its connection limit";
	struct brk_net *net = l->net;
	struct overflow *o = malloc(sizeof(*o));
	V2x__Wire__Bye bye = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	if (!o)
		return;
	if (l->is_pipe)
		uv_pipe_init(net->loop, &o->h.pipe, 0);
	else
		uv_tcp_init(net->loop, &o->h.tcp);
	o->h.handle.data = o;
	net->stats.accepted++;
	net->stats.closes[BRK_CLOSE_OVERLOADED]++;
	if (uv_accept(&l->h.stream, &o->h.stream) == 0) {
		uint8_t buf[128];
		size_t len;
		uv_buf_t b;

		bye.has_reason = 1;
		bye.reason = V2X__WIRE__BYE_REASON__BYE_REASON_OVERLOADED;
		bye.text = text;
		f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
		f.bye = &bye;
		if (v2x_frame_encode(&f, buf, sizeof(buf), &len) == 0) {
			b = uv_buf_init((char *)buf, (unsigned)len);
			uv_try_write(&o->h.stream, &b, 1);
		}
	}
	v2x_logf(net->cfg.log, V2X_LOG_WARN, "connection refused: %s (max_conns %u)", text,
	         net->cfg.max_conns);
	uv_close(&o->h.handle, on_overflow_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct brk_listener *l = server->data;
	struct brk_net *net = l->net;
	struct brk_conn *c;
	int rc;

	if (status < 0) {
		v2x_logf(net->cfg.log, V2X_LOG_WARN, "accept failed: %s", uv_strerror(status));
		return;
	}
	c = brk_conn__acquire(net, l->roles);
	if (!c) {
		refuse_overloaded(l);
		return;
	}
	net->stats.accepted++;
	if (l->is_pipe)
		uv_pipe_init(net->loop, &c->sock.pipe, 0);
	else
		uv_tcp_init(net->loop, &c->sock.tcp);
	c->has_sock = true;
	rc = uv_accept(server, &c->sock.stream);
	/* Latency: Nagle plus delayed ACKs cost ~10 ms per delivery (DESIGN.md 5). */
	if (!rc && !l->is_pipe)
		rc = uv_tcp_nodelay(&c->sock.tcp, 1);
	if (!rc && net->cfg.sndbuf) {
		int size = net->cfg.sndbuf > INT32_MAX / 2 ? INT32_MAX / 2 : (int)net->cfg.sndbuf;

		rc = uv_send_buffer_size(&c->sock.handle, &size);
	}
	brk_conn__start(c);
	if (rc)
		brk_conn__fail(c, BRK_CLOSE_IO, false, "accept failed: %s", uv_strerror(rc));
}

static struct brk_listener *new_listener(struct brk_net *net, unsigned roles, char *err,
                                         size_t errlen)
{
	struct brk_listener *l;

	if (net->closing || net->n_listeners == BRK_NET_LISTENERS_MAX) {
		snprintf(err, errlen, "at most %d listeners", BRK_NET_LISTENERS_MAX);
		return NULL;
	}
	if (!roles || (roles & ~(BRK_SERVE_AGENTS | BRK_SERVE_SUBSCRIBERS))) {
		snprintf(err, errlen, "a listener serves agents, subscribers or both");
		return NULL;
	}
	l = &net->listeners[net->n_listeners];
	memset(l, 0, sizeof(*l));
	l->net = net;
	l->roles = roles;
	return l;
}

static void on_listener_closed(uv_handle_t *h)
{
	struct brk_listener *l = h->data;

	brk_net__handle_closed(l->net);
}

/* Listens on the initialised handle of l, or closes it and says why. */
static int start_listening(struct brk_listener *l, int rc, const char *where, char *err,
                           size_t errlen)
{
	struct brk_net *net = l->net;

	l->h.handle.data = l;
	net->handles++;
	if (!rc)
		rc = uv_listen(&l->h.stream, 128, on_connection);
	if (rc) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, uv_strerror(rc));
		uv_close(&l->h.handle, on_listener_closed);
		return V2X_EIO;
	}
	net->n_listeners++;
	v2x_logf(net->cfg.log, V2X_LOG_INFO, "listening on %s", where);
	return 0;
}

static int bound_port(const uv_tcp_t *tcp)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
}

int brk_net_listen_tcp(struct brk_net *net, const char *host, int port, unsigned roles, int *bound,
                       char *err, size_t errlen)
{
	struct brk_listener *l = new_listener(net, roles, err, errlen);
	struct sockaddr_storage ss;
	char where[128];
	int rc;

	if (!l)
		return V2X_EINVAL;
	if (port < 0 || port > 65535 || v2x_addr_ip(host, (uint16_t)port, &ss) != 0) {
		snprintf(err, errlen, "bad listen address %s port %d", host, port);
		return V2X_EINVAL;
	}
	uv_tcp_init(net->loop, &l->h.tcp);
	rc = uv_tcp_bind(&l->h.tcp, (const struct sockaddr *)&ss, 0);
	snprintf(where, sizeof(where), "tcp %s:%d", host, port);
	rc = start_listening(l, rc, where, err, errlen);
	if (!rc && bound)
		*bound = bound_port(&l->h.tcp);
	return rc;
}

int brk_net_listen_unix(struct brk_net *net, const char *path, unsigned roles, char *err,
                        size_t errlen)
{
	struct brk_listener *l = new_listener(net, roles, err, errlen);
	char where[256];
	int rc;

	if (!l)
		return V2X_EINVAL;
	l->is_pipe = true;
	unlink(path);
	uv_pipe_init(net->loop, &l->h.pipe, 0);
	rc = uv_pipe_bind(&l->h.pipe, path);
	snprintf(where, sizeof(where), "unix %s", path);
	return start_listening(l, rc, where, err, errlen);
}

void brk_net__close_listeners(struct brk_net *net)
{
	for (size_t i = 0; i < net->n_listeners; i++)
		uv_close(&net->listeners[i].h.handle, on_listener_closed);
	net->n_listeners = 0;
}
