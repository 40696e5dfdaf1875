/*
 * Test of runtime/httpd: a real server on the loopback interface, and
 * clients in the same loop that speak to it as curl or Prometheus would, as
 * well as the ones that misbehave (too much, too slowly, not at all).  Each
 * test closes everything and checks that the loop closes with nothing left.
 */
#include "runtime/httpd.h"

#include <stdlib.h>
#include <strings.h>

#include "runtime/err.h"
#include "runtime/tests/exposition.h"
#include "tests/check.h"

#define RESP_MAX 65536

/* A client: connects, sends its request (in pieces, with pauses, when
 * piece is set), then reads to EOF. */
struct client {
	uv_loop_t *loop;
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	uv_timer_t pause;
	const char *req;
	size_t req_len, sent;
	size_t piece;      /* bytes per write, 0: all at once */
	uint64_t pause_ms; /* between pieces */
	char resp[RESP_MAX];
	size_t resp_len;
	bool eof;    /* the server closed its side */
	bool closed; /* both handles closed */
	int handles;
	int error; /* a read or connect error */
	uint64_t start_ms, eof_ms;
};

static void on_client_closed(uv_handle_t *h)
{
	struct client *c = h->data;

	if (--c->handles == 0)
		c->closed = true;
}

static void client_close(struct client *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_client_closed);
	if (!uv_is_closing((uv_handle_t *)&c->pause))
		uv_close((uv_handle_t *)&c->pause, on_client_closed);
}

static void on_client_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	struct client *c = h->data;

	(void)size;
	*buf = uv_buf_init(c->resp + c->resp_len, (unsigned)(RESP_MAX - 1 - c->resp_len));
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client *c = s->data;

	(void)buf;
	if (nread > 0) {
		c->resp_len += (size_t)nread;
		c->resp[c->resp_len] = '\0';
		return;
	}
	if (nread == 0)
		return;
	if (nread != UV_EOF)
		c->error = (int)nread;
	uv_update_time(c->loop);
	c->eof = true;
	c->eof_ms = uv_now(c->loop) - c->start_ms;
	client_close(c);
}

/* uv_write() only reads its buffers, whose type is not const. */
static char *write_only(const char *p)
{
	union {
		const char *in;
		char *out;
	} u = { .in = p };

	return u.out;
}

static void send_next(struct client *c);

static void on_pause(uv_timer_t *t)
{
	send_next(t->data);
}

static void on_client_written(uv_write_t *w, int status)
{
	struct client *c = w->data;

	if (status < 0 || c->sent == c->req_len)
		return;
	uv_timer_start(&c->pause, on_pause, c->pause_ms, 0);
}

static void send_next(struct client *c)
{
	size_t n = c->req_len - c->sent;
	uv_buf_t buf;

	if (uv_is_closing((uv_handle_t *)&c->tcp) || n == 0)
		return;
	if (c->piece && n > c->piece)
		n = c->piece;
	buf = uv_buf_init(write_only(c->req + c->sent), (unsigned)n);
	c->sent += n;
	c->write.data = c;
	if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, on_client_written) < 0)
		client_close(c);
}

static void on_connected(uv_connect_t *req, int status)
{
	struct client *c = req->data;

	if (status < 0) {
		c->error = status;
		client_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read);
	send_next(c);
}

static void client_start(struct client *c, uv_loop_t *loop, int port, const char *req)
{
	struct sockaddr_in sa;

	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->req = req;
	c->req_len = req ? strlen(req) : 0;
	c->tcp.data = c;
	c->pause.data = c;
	c->connect.data = c;
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->pause);
	c->handles = 2;
	uv_update_time(loop);
	c->start_ms = uv_now(loop);
	uv_ip4_addr("127.0.0.1", port, &sa);
	CHECK_INT_EQ(
	        uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)&sa, on_connected),
	        0);
}

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

/* Runs the loop until *done or limit_ms pass; returns *done. */
static bool run_until(uv_loop_t *loop, const bool *done, uint64_t limit_ms)
{
	uv_timer_t tick;
	uint64_t end;

	uv_timer_init(loop, &tick);
	/* Wakes the loop up so that the deadline is seen. */
	uv_timer_start(&tick, on_tick, 10, 10);
	uv_update_time(loop);
	end = uv_now(loop) + limit_ms;
	while (!*done && uv_now(loop) < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return *done;
}

/* ---- responses -------------------------------------------------------- */

static int status_of(const struct client *c)
{
	int code = 0;

	if (sscanf(c->resp, "HTTP/1.1 %d ", &code) != 1)
		return -1;
	return code;
}

/* The value of header name in the response (in buf), or "". */
static const char *header(const struct client *c, const char *name, char *buf, size_t len)
{
	const char *p = strstr(c->resp, "\r\n"), *end = strstr(c->resp, "\r\n\r\n");
	size_t n = strlen(name);

	buf[0] = '\0';
	while (p && end && p < end) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(buf, len, "%.*s", (int)(e - v), v);
			return buf;
		}
		p = strstr(p, "\r\n");
	}
	return buf;
}

static const char *body_of(const struct client *c)
{
	const char *p = strstr(c->resp, "\r\n\r\n");

	return p ? p + 4 : "";
}

/* The body's length agrees with Content-Length. */
static void check_length(const struct client *c)
{
	char v[32];

	CHECK_UINT_EQ(strtoul(header(c, "Content-Length", v, sizeof(v)), NULL, 10),
	              strlen(body_of(c)));
}

/* ---- the server under test -------------------------------------------- */

struct fixture {
	uv_loop_t loop;
	struct v2x_httpd *h;
	struct v2x_metrics metrics;
	struct v2x_httpd_cfg cfg;
	int render_rc;
	bool closed;
	int port;
};

static int render(void *arg, struct v2x_metrics_buf *out)
{
	struct fixture *f = arg;

	if (f->render_rc)
		return f->render_rc;
	return v2x_metrics_render(&f->metrics, out);
}

static void on_server_closed(void *arg)
{
	struct fixture *f = arg;

	f->closed = true;
}

static void start(struct fixture *f, unsigned max_conns, uint64_t timeout_ms, size_t max_request)
{
	static const struct v2x_metric_label label = { "daemon", "test" };
	char err[128];

	memset(f, 0, sizeof(*f));
	CHECK_INT_EQ(uv_loop_init(&f->loop), 0);
	v2x_metrics_init(&f->metrics);
	f->cfg.port = 0;
	f->cfg.max_conns = max_conns;
	f->cfg.timeout_ms = timeout_ms;
	f->cfg.max_request = max_request;
	f->cfg.render = render;
	f->cfg.arg = f;
	CHECK_INT_EQ(v2x_httpd_new(&f->loop, &f->cfg, &f->h, err, sizeof(err)), 0);
	f->port = v2x_httpd_port(f->h);
	CHECK(f->port > 0);
	CHECK_INT_EQ(v2x_httpd_metrics_add(f->h, &f->metrics, &label, 1), 0);
}

/* Closes the server, runs the loop dry and checks nothing is left. */
static void finish(struct fixture *f)
{
	v2x_httpd_close(f->h, on_server_closed, f);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	CHECK(f->closed);
	CHECK_INT_EQ(uv_loop_close(&f->loop), 0);
	v2x_metrics_fini(&f->metrics);
}

/* One request, run to the client's close. */
static void fetch(struct fixture *f, struct client *c, const char *req)
{
	client_start(c, &f->loop, f->port, req);
	CHECK(run_until(&f->loop, &c->closed, 5000));
	CHECK_INT_EQ(c->error, 0);
}

/* ---- tests ------------------------------------------------------------ */

static void test_metrics(void)
{
	struct fixture f;
	struct client *c = calloc(1, sizeof(*c));
	const struct expo_sample *s;
	struct expo e;
	char v[128];

	start(&f, 0, 0, 0);
	fetch(&f, c, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 200);
	CHECK_STR_EQ(header(c, "Content-Type", v, sizeof(v)), V2X_METRICS_CONTENT_TYPE);
	CHECK_STR_EQ(header(c, "Connection", v, sizeof(v)), "close");
	check_length(c);
	if (!CHECK(expo_parse(body_of(c), &e) == 0))
		fprintf(stderr, "%s\n", e.err);
	/* The server counts the scrape it is answering, as it renders. */
	s = expo_find(&e, "http_connections_total", "daemon", "test", EXPO_END);
	CHECK(s && s->value == 1);
	s = expo_find(&e, "http_connections_active", "daemon", "test", EXPO_END);
	CHECK(s && s->value == 1);
	s = expo_find(&e, "http_responses_total", "daemon", "test", "code", "404", EXPO_END);
	CHECK(s && s->value == 0);
	CHECK_STR_EQ(e.families[0].type, "counter");
	expo_free(&e);
	/* A second scrape sees the first. */
	fetch(&f, c, "GET /metrics HTTP/1.0\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 200);
	CHECK(expo_parse(body_of(c), &e) == 0);
	s = expo_find(&e, "http_responses_total", "daemon", "test", "code", "200", EXPO_END);
	CHECK(s && s->value == 1);
	expo_free(&e);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->ok, 2);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->active, 0);
	finish(&f);
	free(c);
}

static void test_paths(void)
{
	struct fixture f;
	struct client *c = calloc(1, sizeof(*c));
	char v[64];

	start(&f, 0, 0, 0);
	fetch(&f, c, "GET /healthz HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 200);
	CHECK_STR_EQ(body_of(c), "ok\n");
	fetch(&f, c, "HEAD /healthz HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 200);
	CHECK_STR_EQ(header(c, "Content-Length", v, sizeof(v)), "3");
	CHECK_STR_EQ(body_of(c), "");
	fetch(&f, c, "GET /nope HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 404);
	check_length(c);
	fetch(&f, c, "POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
	CHECK_INT_EQ(status_of(c), 405);
	CHECK_STR_EQ(header(c, "Allow", v, sizeof(v)), "GET, HEAD");
	fetch(&f, c, "DELETE /healthz HTTP/1.0\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 405);
	/* Bare newlines, a query, the absolute form. */
	fetch(&f, c, "GET /metrics?x=1 HTTP/1.0\n\n");
	CHECK_INT_EQ(status_of(c), 200);
	fetch(&f, c, "GET http://localhost:9100/healthz HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 200);
	/* Not HTTP/1.x. */
	fetch(&f, c, "GET /metrics\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 400);
	fetch(&f, c, "GET /metrics HTTP/2.0\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 400);
	fetch(&f, c, "G(T /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 400);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->not_found, 1);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->bad_method, 2);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->bad_request, 3);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->requests, 10);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->timeouts, 0);
	finish(&f);
	free(c);
}

static void test_render_error(void)
{
	struct fixture f;
	struct client *c = calloc(1, sizeof(*c));

	start(&f, 0, 0, 0);
	f.render_rc = V2X_ENOMEM;
	fetch(&f, c, "GET /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 500);
	check_length(c);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->render_error, 1);
	finish(&f);
	free(c);
}

static void test_oversized(void)
{
	enum { BIG = 20000 };
	struct fixture f;
	struct client *c = calloc(1, sizeof(*c));
	char *req = malloc(BIG + 1);

	/* A header line that never ends, far beyond max_request. */
	memset(req, 'a', BIG);
	memcpy(req, "GET /metrics HTTP/1.1\r\nX-Junk: ", 31);
	req[BIG] = '\0';
	start(&f, 0, 2000, 1024);
	fetch(&f, c, req);
	CHECK_INT_EQ(status_of(c), 431);
	check_length(c);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->too_large, 1);
	/* The server goes on serving. */
	fetch(&f, c, "GET /healthz HTTP/1.1\r\n\r\n");
	CHECK_INT_EQ(status_of(c), 200);
	finish(&f);
	free(req);
	free(c);
}

/* A client that connects and sends nothing is dropped at the timeout; so
 * is one that trickles a request that never ends. */
static void test_timeouts(void)
{
	struct fixture f;
	struct client *idle = calloc(1, sizeof(*idle)), *slow = calloc(1, sizeof(*slow));

	start(&f, 0, 300, 0);
	client_start(idle, &f.loop, f.port, NULL);
	client_start(
	        slow, &f.loop, f.port,
	        "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	slow->piece = 1;
	slow->pause_ms = 40;
	CHECK(run_until(&f.loop, &idle->closed, 5000));
	CHECK(run_until(&f.loop, &slow->closed, 5000));
	CHECK(idle->eof && idle->resp_len == 0);
	CHECK(slow->eof && slow->resp_len == 0);
	/* Not before the timeout, and not much after on a loaded machine. */
	CHECK(idle->eof_ms >= 290 && idle->eof_ms < 3000);
	CHECK(slow->eof_ms >= 290 && slow->eof_ms < 3000);
	CHECK(slow->sent > 1 && slow->sent < slow->req_len);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->timeouts, 2);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->requests, 0);
	finish(&f);
	free(idle);
	free(slow);
}

/* A request in pieces is answered once whole. */
static void test_pieces(void)
{
	struct fixture f;
	struct client *c = calloc(1, sizeof(*c));

	start(&f, 0, 3000, 0);
	client_start(c, &f.loop, f.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	c->piece = 5;
	c->pause_ms = 5;
	CHECK(run_until(&f.loop, &c->closed, 5000));
	CHECK_INT_EQ(status_of(c), 200);
	finish(&f);
	free(c);
}

/* With every slot taken by idle clients, a new one waits in the listen
 * queue and is served when a slot frees. */
static void test_max_conns(void)
{
	struct fixture f;
	struct client *idle = calloc(2, sizeof(*idle)), *c = calloc(1, sizeof(*c));

	start(&f, 2, 400, 0);
	client_start(&idle[0], &f.loop, f.port, NULL);
	client_start(&idle[1], &f.loop, f.port, NULL);
	/* Both idle ones are in their slots before the third comes. */
	while (v2x_httpd_stats(f.h)->accepted < 2)
		uv_run(&f.loop, UV_RUN_ONCE);
	client_start(c, &f.loop, f.port, "GET /healthz HTTP/1.1\r\n\r\n");
	CHECK(run_until(&f.loop, &c->closed, 5000));
	CHECK_INT_EQ(status_of(c), 200);
	CHECK(c->eof_ms >= 300);
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->waited, 1);
	CHECK(run_until(&f.loop, &idle[0].closed, 5000));
	CHECK(run_until(&f.loop, &idle[1].closed, 5000));
	CHECK_UINT_EQ(v2x_httpd_stats(f.h)->timeouts, 2);
	finish(&f);
	free(idle);
	free(c);
}

/* Closing the server drops its open connections and frees it in the callback. */
static void test_close_busy(void)
{
	struct fixture f;
	struct client *idle = calloc(1, sizeof(*idle));

	start(&f, 0, 60000, 0);
	client_start(idle, &f.loop, f.port, NULL);
	while (v2x_httpd_stats(f.h)->active < 1)
		uv_run(&f.loop, UV_RUN_ONCE);
	v2x_httpd_close(f.h, on_server_closed, &f);
	CHECK(run_until(&f.loop, &idle->closed, 5000));
	CHECK(f.closed);
	CHECK(idle->eof);
	uv_run(&f.loop, UV_RUN_DEFAULT);
	CHECK_INT_EQ(uv_loop_close(&f.loop), 0);
	v2x_metrics_fini(&f.metrics);
	free(idle);
}

static void on_closed_flag(void *arg)
{
	*(bool *)arg = true;
}

/* Refusals leave nothing open: a host that is not an address, a port taken. */
static void test_refused(void)
{
	struct v2x_httpd_cfg cfg = { .host = "localhost" };
	struct v2x_httpd *h, *h2;
	bool closed = false;
	uv_loop_t loop;
	char err[128];

	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	CHECK_INT_EQ(v2x_httpd_new(&loop, &cfg, &h, err, sizeof(err)), V2X_EINVAL);
	CHECK(h == NULL);
	CHECK(strstr(err, "localhost") != NULL);
	cfg.host = "127.0.0.1";
	CHECK_INT_EQ(v2x_httpd_new(&loop, &cfg, &h, err, sizeof(err)), 0);
	cfg.port = v2x_httpd_port(h);
	CHECK(v2x_httpd_new(&loop, &cfg, &h2, err, sizeof(err)) < 0);
	CHECK(h2 == NULL);
	CHECK(strstr(err, "in use") != NULL);
	v2x_httpd_close(h, on_closed_flag, &closed);
	v2x_httpd_close(NULL, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(closed);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
}

int main(void)
{
	test_metrics();
	test_paths();
	test_render_error();
	test_oversized();
	test_timeouts();
	test_pieces();
	test_max_conns();
	test_close_busy();
	test_refused();
	return check_exit();
}
