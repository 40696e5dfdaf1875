/*
 * netfx: the fixture of the connection layer's tests.
 */
#include "broker/net/tests/netfx.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/err.h"
#include "tests/check.h"

uint64_t fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static enum brk_close_reason cb_hello(void *arg, struct brk_conn *c, const struct brk_principal *p,
                                      const V2x__Wire__Hello *hello, uint64_t *last_seq, char *why,
                                      size_t whylen)
{
	struct fx *fx = arg;

	(void)c;
	(void)hello;
	(void)why;
	(void)whylen;
	fx->hellos++;
	if (p->role == BRK_ROLE_AGENT)
		*last_seq = fx->last_seq;
	return BRK_CLOSE_NONE;
}

static void cb_frame(void *arg, struct brk_conn *c, const V2x__Wire__Frame *f)
{
	struct fx *fx = arg;

	fx->frames++;
	if (fx->on_frame)
		fx->on_frame(fx, c, f);
}

static void cb_close(void *arg, struct brk_conn *c, enum brk_close_reason reason)
{
	struct fx *fx = arg;

	(void)c;
	fx->closes++;
	fx->last_close = reason;
}

void fx_config(struct fx *fx)
{
	char err[256];

	memset(fx, 0, sizeof(*fx));
	if (uv_loop_init(&fx->loop) != 0)
		abort();
	v2x_log_init(&fx->log, "test-net", getenv("FX_DEBUG") ? "debug" : "error");
	if (brk_auth_parse(FX_AUTH, &fx->auth, err, sizeof(err)) != 0) {
		fprintf(stderr, "auth: %s\n", err);
		abort();
	}
	brk_net_config_default(&fx->cfg);
	fx->cfg.broker_id = "test-broker";
	fx->cfg.auth = fx->auth;
	fx->cfg.log = &fx->log;
	fx->cfg.heartbeat_interval_ms = 100;
	fx->cfg.timeout_ms = 400;
	fx->cfg.max_frame_size = 65536;
	fx->cfg.max_conns = 16;
}

void fx_start(struct fx *fx)
{
	struct brk_net_cb cb = { fx, cb_hello, cb_frame, cb_close };
	unsigned both = BRK_SERVE_AGENTS | BRK_SERVE_SUBSCRIBERS;
	char err[256];

	snprintf(fx->unix_path, sizeof(fx->unix_path), "/tmp/brknet-test-%d.sock", (int)getpid());
	if (brk_net_new(&fx->loop, &fx->cfg, &cb, &fx->net, err, sizeof(err)) != 0 ||
	    brk_net_listen_tcp(fx->net, "127.0.0.1", 0, both, &fx->port, err, sizeof(err)) != 0 ||
	    brk_net_listen_unix(fx->net, fx->unix_path, both, err, sizeof(err)) != 0) {
		fprintf(stderr, "net: %s\n", err);
		abort();
	}
}

void fx_stop(struct fx *fx)
{
	brk_net_close(fx->net);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	CHECK_INT_EQ(uv_loop_close(&fx->loop), 0);
	brk_auth_free(fx->auth);
	unlink(fx->unix_path);
}

void fx_pump(struct fx *fx, unsigned ms)
{
	uint64_t end = fx_now_ms() + ms;

	do {
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(500);
	} while (fx_now_ms() < end);
}

static void client_init(struct fx_client *cl, int fd)
{
	memset(cl, 0, sizeof(*cl));
	cl->fd = fd;
	v2x_frame_parser_init(&cl->parser, NULL);
}

/* Connects without blocking: the listener accepts only when pumped. */
void fx_connect(struct fx *fx, struct fx_client *cl, bool unix_sock, int rcvbuf)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(unix_sock ? AF_UNIX : AF_INET, SOCK_STREAM, 0);
	int rc;

	if (fd < 0)
		abort();
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (unix_sock) {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", fx->unix_path);
		rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
	} else {
		in.sin_port = htons((uint16_t)fx->port);
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
	}
	if (rc != 0 && errno != EINPROGRESS)
		abort();
	fx_pump(fx, 20);
	client_init(cl, fd);
}

void fx_disconnect(struct fx_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	v2x_frame_parser_fini(&cl->parser);
}

void fx_write(struct fx_client *cl, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(cl->fd, p, len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			usleep(100);
			continue;
		}
		if (n <= 0)
			return; /* the server closed: the test checks what it said */
		p += n;
		len -= (size_t)n;
	}
}

void fx_send(struct fx_client *cl, const V2x__Wire__Frame *f)
{
	uint8_t buf[4096];
	size_t len;

	if (v2x_frame_encode(f, buf, sizeof(buf), &len) != 0)
		abort();
	fx_write(cl, buf, len);
}

void fx_send_hello(struct fx_client *cl, int role, const char *id, const char *token)
{
	V2x__Wire__Hello h;
	V2x__Wire__Frame f;
	char idbuf[128]; /* protobuf-c's fields are not const: copies */
	uint8_t tok[128];
	ProtobufCBinaryData cred = { strlen(token) < sizeof(tok) ? strlen(token) : sizeof(tok),
		                     tok };

	snprintf(idbuf, sizeof(idbuf), "%s", id);
	memcpy(cred.data, token, cred.len);
	v2x_frame_hello(&f, &h, (V2x__Wire__Role)role, idbuf, cred.data, cred.len);
	fx_send(cl, &f);
}

/* Parses the client's buffered bytes, reading more when they run out. */
static int try_frame(struct fx_client *cl, const V2x__Wire__Frame **f)
{
	for (;;) {
		const uint8_t *p = cl->buf + cl->pos;
		size_t len = cl->len - cl->pos;
		ssize_t n;

		if (len) {
			int rc = v2x_frame_parser_next(&cl->parser, &p, &len, f);

			cl->pos = (size_t)(p - cl->buf);
			if (rc != 0)
				return rc > 0 ? 1 : 0;
			continue;
		}
		n = read(cl->fd, cl->buf, sizeof(cl->buf));
		if (n == 0) {
			cl->eof = true;
			return 0;
		}
		if (n < 0)
			return errno == EAGAIN ? -1 : 0;
		cl->pos = 0;
		cl->len = (size_t)n;
	}
}

int fx_recv(struct fx *fx, struct fx_client *cl, const V2x__Wire__Frame **f, unsigned timeout_ms)
{
	uint64_t end = fx_now_ms() + timeout_ms;

	do {
		int rc = try_frame(cl, f);

		if (rc >= 0)
			return rc;
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(200);
	} while (fx_now_ms() < end);
	return -1;
}

bool fx_expect_bye(struct fx *fx, struct fx_client *cl, int reason)
{
	const V2x__Wire__Frame *f = NULL;
	int rc = fx_recv(fx, cl, &f, 2000);

	CHECK_INT_EQ(rc, 1);
	if (rc != 1)
		return false;
	CHECK_INT_EQ(f->msg_case, V2X__WIRE__FRAME__MSG_BYE);
	if (f->msg_case != V2X__WIRE__FRAME__MSG_BYE)
		return false;
	CHECK_INT_EQ(f->bye->reason, reason);
	if (getenv("FX_DEBUG"))
		fprintf(stderr, "bye: %s\n", f->bye->text ? f->bye->text : "");
	return f->bye->reason == (V2x__Wire__ByeReason)reason;
}
