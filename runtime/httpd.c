#include "runtime/httpd.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/compiler.h"
#include "runtime/err.h"

#define DEFAULT_MAX_CONNS   8
#define DEFAULT_TIMEOUT_MS  5000
#define DEFAULT_MAX_REQUEST 4096
/* Room for the status line and the few headers a response has. */
#define HEAD_MAX 256
/* Connections the kernel queues while every slot is busy. */
#define LISTEN_BACKLOG 64

enum conn_state {
	CONN_FREE,     /* no handle: the slot is free */
	CONN_READING,  /* reading the request head */
	CONN_WRITING,  /* the response is being written */
	CONN_DRAINING, /* answered; reading to the client's EOF before closing */
	CONN_CLOSING,  /* uv_close() called, waiting for its callback */
};

struct conn {
	struct v2x_httpd *h;
	uv_tcp_t tcp;
	uv_timer_t timer; /* initialised with the server, for the slot's life */
	uv_write_t write;
	uv_shutdown_t shutdown;
	enum conn_state state;
	char *req; /* max_request bytes, part of the server's block */
	size_t req_len;
	char head[HEAD_MAX];
	struct v2x_metrics_buf body; /* the rendered metrics, reused */
};

struct v2x_httpd {
	uv_loop_t *loop;
	uv_tcp_t listener;
	struct v2x_httpd_cfg cfg; /* with the defaults filled in */
	int port;
	struct conn *conns;
	bool waiting; /* libuv holds an accepted connection for us */
	bool closing;
	unsigned handles; /* handles initialised and not yet closed */
	v2x_httpd_close_cb close_cb;
	void *close_arg;
	struct v2x_httpd_stats stats;
};

V2X_PRINTF(3, 4) static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- closing ---------------------------------------------------------- */

static void accept_into(struct v2x_httpd *h, struct conn *c);

/* Frees h once its last handle is closed, then tells the owner. */
static void handle_closed(struct v2x_httpd *h)
{
	v2x_httpd_close_cb cb = h->close_cb;
	void *arg = h->close_arg;

	h->handles--;
	if (!h->closing || h->handles > 0)
		return;
	for (unsigned i = 0; i < h->cfg.max_conns; i++)
		v2x_metrics_buf_fini(&h->conns[i].body);
	free(h->conns);
	free(h);
	if (cb)
		cb(arg);
}

static void on_listener_closed(uv_handle_t *handle)
{
	handle_closed(handle->data);
}

static void on_timer_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;

	handle_closed(c->h);
}

static void on_conn_closed(uv_handle_t *handle)
{
	struct conn *c = handle->data;
	struct v2x_httpd *h = c->h;

	c->state = CONN_FREE;
	h->stats.active--;
	/* A connection that waited for a slot takes this one. */
	if (h->waiting && !h->closing) {
		h->waiting = false;
		accept_into(h, c);
	}
	handle_closed(h);
}

static void conn_close(struct conn *c)
{
	if (c->state == CONN_FREE || c->state == CONN_CLOSING)
		return;
	c->state = CONN_CLOSING;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- responses -------------------------------------------------------- */

static void on_shutdown(uv_shutdown_t *req, int status);

static void on_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	if (c->state != CONN_WRITING)
		return; /* cancelled by a close */
	if (status < 0) {
		c->h->stats.io_errors++;
		conn_close(c);
		return;
	}
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
		conn_close(c);
}

struct reply {
	int status;
	const char *reason;
	const char *type;  /* Content-Type */
	const char *extra; /* more header lines, each ending in CRLF */
	const char *body;
	size_t body_len;
};

/*
 * uv_buf_t holds a char *, but uv_write() only reads from it: a static
 * const body can be written without a copy.  A union, not a cast, drops
 * the const, so that no integer-to-pointer round trip is needed either.
 */
static char *write_only(const char *p)
{
	union {
		const char *in;
		char *out;
	} u = { .in = p };

	return u.out;
}

static void send_reply(struct conn *c, const struct reply *r, bool head_only)
{
	uv_buf_t bufs[2];
	int n, rc;

	n = snprintf(c->head, sizeof(c->head),
	             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
	             "Connection: close\r\n\r\n",
	             r->status, r->reason, r->type, r->body_len, r->extra ? r->extra : "");
	if (n < 0 || (size_t)n >= sizeof(c->head)) {
		conn_close(c);
		return;
	}
	bufs[0] = uv_buf_init(c->head, (unsigned)n);
	bufs[1] = uv_buf_init(write_only(r->body), (unsigned)r->body_len);
	c->h->stats.requests++;
	c->h->stats.bytes_sent += (uint64_t)n + (head_only ? 0 : r->body_len);
	c->state = CONN_WRITING;
	c->write.data = c;
	uv_read_stop((uv_stream_t *)&c->tcp);
	rc = uv_write(&c->write, (uv_stream_t *)&c->tcp, bufs, head_only ? 1 : 2, on_written);
	if (rc < 0) {
		c->h->stats.io_errors++;
		conn_close(c);
	}
}

#define TEXT_PLAIN "text/plain; charset=utf-8"

/* The answers other than 200, their bodies static so that they outlive the write. */
/* clang-format off */
#define ERROR_REPLY(code, reason, body, extra) \
	{ code, reason, TEXT_PLAIN, extra, body, sizeof(body) - 1 }
/* clang-format on */

static const struct reply reply_400 = ERROR_REPLY(400, "Bad Request", "bad request\n", NULL);
static const struct reply reply_404 = ERROR_REPLY(404, "Not Found", "not found\n", NULL);
static const struct reply reply_405 =
        ERROR_REPLY(405, "Method Not Allowed", "method not allowed\n", "Allow: GET, HEAD\r\n");
static const struct reply reply_431 =
        ERROR_REPLY(431, "Request Header Fields Too Large", "request head too large\n", NULL);
static const struct reply reply_500 =
        ERROR_REPLY(500, "Internal Server Error", "metrics unavailable\n", NULL);
static const struct reply reply_healthz = { 200, "OK", TEXT_PLAIN, NULL, "ok\n", 3 };

static void send_metrics(struct conn *c, bool head_only)
{
	struct v2x_httpd *h = c->h;
	struct reply r = { 200, "OK", V2X_METRICS_CONTENT_TYPE, NULL, NULL, 0 };
	int rc;

	v2x_metrics_buf_reset(&c->body);
	rc = h->cfg.render(h->cfg.arg, &c->body);
	if (rc < 0) {
		v2x_logf(h->cfg.log, V2X_LOG_WARN, "metrics rendering failed: %s",
		         v2x_strerror(rc));
		h->stats.render_error++;
		send_reply(c, &reply_500, head_only);
		return;
	}
	h->stats.ok++;
	r.body = c->body.data ? c->body.data : "";
	r.body_len = c->body.len;
	send_reply(c, &r, head_only);
}

/* ---- requests --------------------------------------------------------- */

/* A request line split in place: method, target (path only) and version. */
struct request {
	const char *method;
	const char *path;
	const char *version;
};

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
			return false;
	}
	return true;
}

/* Reduces the target to its path: no query, and the absolute form
 * ("http://host/metrics") a proxy may send, which servers must accept. */
static const char *target_path(char *t)
{
	char *q = strchr(t, '?');
	const char *p;

	if (q)
		*q = '\0';
	p = strstr(t, "://");
	if (!p || t[0] == '/')
		return t;
	p = strchr(p + 3, '/');
	return p ? p : "/";
}

/* Splits a request line in place; false when it is not
 * "METHOD SP TARGET SP HTTP/1.x". */
static bool parse_line(char *line, struct request *rq)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	if (!sp2)
		return false;
	*sp1 = '\0';
	*sp2 = '\0';
	rq->method = line;
	rq->version = sp2 + 1;
	if (!is_token(rq->method) || strncmp(rq->version, "HTTP/1.", 7) != 0 ||
	    strlen(rq->version) != 8)
		return false;
	rq->path = target_path(sp1 + 1);
	return rq->path[0] == '/';
}

static void answer(struct conn *c, char *line)
{
	struct v2x_httpd *h = c->h;
	struct request rq;
	bool head_only;

	if (!parse_line(line, &rq)) {
		h->stats.bad_request++;
		send_reply(c, &reply_400, false);
		return;
	}
	head_only = strcmp(rq.method, "HEAD") == 0;
	if (!head_only && strcmp(rq.method, "GET") != 0) {
		h->stats.bad_method++;
		send_reply(c, &reply_405, false);
	} else if (strcmp(rq.path, "/metrics") == 0 && h->cfg.render) {
		send_metrics(c, head_only);
	} else if (strcmp(rq.path, "/healthz") == 0) {
		h->stats.ok++;
		send_reply(c, &reply_healthz, head_only);
	} else {
		h->stats.not_found++;
		send_reply(c, &reply_404, head_only);
	}
}

/* Returns the end of the request line when the head in c->req is complete
 * (an empty line seen), NULL while more is to come.  Only the bytes after
 * old (the length before the last read) and the three before them can
 * complete it, so a client trickling bytes costs no rescans. */
static char *head_complete(struct conn *c, size_t old)
{
	size_t from = old > 3 ? old - 3 : 0;

	for (size_t i = from; i < c->req_len; i++) {
		bool end = c->req[i] == '\n' &&
		           ((i >= 1 && c->req[i - 1] == '\n') ||
		            (i >= 2 && c->req[i - 1] == '\r' && c->req[i - 2] == '\n'));

		if (end)
			return memchr(c->req, '\n', c->req_len);
	}
	return NULL;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = stream->data;
	size_t old = c->req_len;
	char *eol;

	(void)buf;
	if (nread == 0)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			c->h->stats.io_errors++;
		conn_close(c);
		return;
	}
	if (c->state != CONN_READING)
		return; /* draining: the bytes are dropped */
	c->req_len += (size_t)nread;
	eol = head_complete(c, old);
	if (eol) {
		*eol = '\0';
		if (eol > c->req && eol[-1] == '\r')
			eol[-1] = '\0';
		answer(c, c->req);
	} else if (c->req_len == c->h->cfg.max_request) {
		c->h->stats.too_large++;
		send_reply(c, &reply_431, false);
	}
}

/* Reads go into the slot's request buffer: the head while reading it, and
 * whatever a client sends after its answer, which is thrown away. */
static void on_alloc(uv_handle_t *handle, size_t size, uv_buf_t *buf)
{
	struct conn *c = handle->data;
	size_t max = c->h->cfg.max_request;

	(void)size;
	if (c->state == CONN_READING)
		*buf = uv_buf_init(c->req + c->req_len, (unsigned)(max - c->req_len));
	else
		*buf = uv_buf_init(c->req, (unsigned)max);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	if (c->state != CONN_WRITING)
		return;
	/* Closing at once could reset a connection whose response the client
	 * has not read yet (the kernel sends RST when unread bytes are left
	 * behind); waiting for its EOF, within the timeout, cannot. */
	if (status < 0 || uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
		conn_close(c);
		return;
	}
	c->state = CONN_DRAINING;
}

/* ---- connections ------------------------------------------------------ */

static void on_timeout(uv_timer_t *timer)
{
	struct conn *c = timer->data;

	/* A client that got its answer and keeps the connection open is
	 * closed at the same deadline, but is no timeout of a request. */
	if (c->state != CONN_DRAINING)
		c->h->stats.timeouts++;
	conn_close(c);
}

static void accept_into(struct v2x_httpd *h, struct conn *c)
{
	if (uv_tcp_init(h->loop, &c->tcp) < 0) {
		h->stats.io_errors++;
		return;
	}
	h->handles++;
	h->stats.active++;
	c->tcp.data = c;
	c->req_len = 0;
	c->state = CONN_READING;
	if (uv_accept((uv_stream_t *)&h->listener, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
		h->stats.io_errors++;
		conn_close(c);
		return;
	}
	h->stats.accepted++;
	uv_timer_start(&c->timer, on_timeout, h->cfg.timeout_ms, 0);
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct v2x_httpd *h = listener->data;

	if (status < 0) {
		h->stats.io_errors++;
		v2x_logf(h->cfg.log, V2X_LOG_WARN, "accept failed: %s", uv_strerror(status));
		return;
	}
	for (unsigned i = 0; i < h->cfg.max_conns; i++) {
		if (h->conns[i].state == CONN_FREE) {
			accept_into(h, &h->conns[i]);
			return;
		}
	}
	/* Not accepting now makes libuv stop listening until uv_accept() is
	 * called, which on_conn_closed() does: the connection waits with the
	 * others in the kernel's queue, and nothing is allocated for it. */
	h->waiting = true;
	h->stats.waited++;
}

/* ---- the server ------------------------------------------------------- */

static int parse_addr(const struct v2x_httpd_cfg *cfg, struct sockaddr_storage *sa)
{
	const char *host = cfg->host ? cfg->host : "127.0.0.1";

	if (cfg->port < 0 || cfg->port > 65535)
		return V2X_EINVAL;
	if (strchr(host, ':'))
		return uv_ip6_addr(host, cfg->port, (struct sockaddr_in6 *)sa) ? V2X_EINVAL : 0;
	return uv_ip4_addr(host, cfg->port, (struct sockaddr_in *)sa) ? V2X_EINVAL : 0;
}

/* The length of the address in sa, for bind(). */
static socklen_t addr_len(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/*
 * Opens the listening socket with plain system calls: a failure (the port
 * is taken) then leaves no libuv handle behind, which would have to be
 * closed through the loop before the server's memory could be freed.
 * Returns the socket, or a V2X_E code with the detail in err.
 */
static int listen_socket(const struct sockaddr_storage *sa, char *err, size_t errlen)
{
	int fd, one = 1, rc;

	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A restarted daemon must get its port back while the old
	 * connections sit in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)sa, addr_len(sa)) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0)
		goto fail_fd;
	return fd;

fail_fd:
	rc = errno;
	close(fd);
	errno = rc;
fail:
	rc = errno;
	set_err(err, errlen, "cannot listen: %s", strerror(rc));
	return v2x_err_from_errno(rc);
}

/*
 * Sets h->port to the port the listener is bound to (the one the kernel
 * chose for port 0).  Asked through libuv rather than getsockname():
 * under _GNU_SOURCE glibc declares getsockname's address argument as a
 * transparent union, through which the static analyzer cannot see the
 * address being written, and reports it read uninitialised.
 */
static int bound_port(struct v2x_httpd *h)
{
	struct sockaddr_storage bound;
	int len = (int)sizeof(bound);
	int rc;

	rc = uv_tcp_getsockname(&h->listener, (struct sockaddr *)&bound, &len);
	if (rc < 0)
		return rc;
	if (bound.ss_family == AF_INET6)
		h->port = ntohs(((const struct sockaddr_in6 *)&bound)->sin6_port);
	else
		h->port = ntohs(((const struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

static void set_defaults(struct v2x_httpd_cfg *cfg)
{
	if (!cfg->max_conns)
		cfg->max_conns = DEFAULT_MAX_CONNS;
	if (!cfg->timeout_ms)
		cfg->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!cfg->max_request)
		cfg->max_request = DEFAULT_MAX_REQUEST;
}

/* The server, its connection slots and their request buffers. */
static struct v2x_httpd *alloc_server(const struct v2x_httpd_cfg *cfg)
{
	struct v2x_httpd *h = calloc(1, sizeof(*h));
	char *bufs;

	if (!h)
		return NULL;
	h->cfg = *cfg;
	set_defaults(&h->cfg);
	h->conns = calloc(h->cfg.max_conns, sizeof(*h->conns) + h->cfg.max_request);
	if (!h->conns) {
		free(h);
		return NULL;
	}
	bufs = (char *)(h->conns + h->cfg.max_conns);
	for (unsigned i = 0; i < h->cfg.max_conns; i++) {
		h->conns[i].h = h;
		h->conns[i].req = bufs + (size_t)i * h->cfg.max_request;
	}
	return h;
}

/* Turns fd into the listening handle; once a handle is initialised, h is
 * closed through the loop, not freed. */
static int start_listening(struct v2x_httpd *h, int fd)
{
	int rc;

	h->listener.data = h;
	rc = uv_tcp_init(h->loop, &h->listener);
	if (rc < 0)
		return rc;
	h->handles++;
	for (unsigned i = 0; i < h->cfg.max_conns; i++) {
		h->conns[i].timer.data = &h->conns[i];
		h->conns[i].tcp.data = &h->conns[i];
		uv_timer_init(h->loop, &h->conns[i].timer);
		h->handles++;
	}
	rc = uv_tcp_open(&h->listener, fd);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	rc = bound_port(h);
	if (rc < 0)
		return rc;
	return uv_listen((uv_stream_t *)&h->listener, LISTEN_BACKLOG, on_connection);
}

int v2x_httpd_new(uv_loop_t *loop, const struct v2x_httpd_cfg *cfg, struct v2x_httpd **out,
                  char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	struct v2x_httpd *h;
	int fd, rc;

	*out = NULL;
	if (parse_addr(cfg, &sa) < 0) {
		set_err(err, errlen, "'%s' port %d: not an IP address and port",
		        cfg->host ? cfg->host : "127.0.0.1", cfg->port);
		return V2X_EINVAL;
	}
	h = alloc_server(cfg);
	if (!h) {
		set_err(err, errlen, "out of memory");
		return V2X_ENOMEM;
	}
	h->loop = loop;
	fd = listen_socket(&sa, err, errlen);
	if (fd < 0) {
		rc = fd;
		goto fail_free;
	}
	rc = start_listening(h, fd);
	if (rc < 0)
		goto fail_close;
	*out = h;
	return 0;

fail_close:
	/* Only libuv refusing the socket fails here (it does not in
	 * practice).  Once a handle is initialised, closing goes through the
	 * loop, which frees h on its next turn. */
	set_err(err, errlen, "cannot listen: %s", uv_strerror(rc));
	if (h->handles > 0) {
		v2x_httpd_close(h, NULL, NULL);
		return v2x_err_from_errno(-rc);
	}
	close(fd);
	rc = v2x_err_from_errno(-rc);
fail_free:
	free(h->conns);
	free(h);
	return rc;
}

int v2x_httpd_port(const struct v2x_httpd *h)
{
	return h->port;
}

const struct v2x_httpd_stats *v2x_httpd_stats(const struct v2x_httpd *h)
{
	return &h->stats;
}

void v2x_httpd_close(struct v2x_httpd *h, v2x_httpd_close_cb cb, void *arg)
{
	if (!h || h->closing)
		return;
	h->closing = true;
	h->close_cb = cb;
	h->close_arg = arg;
	for (unsigned i = 0; i < h->cfg.max_conns; i++) {
		conn_close(&h->conns[i]);
		uv_close((uv_handle_t *)&h->conns[i].timer, on_timer_closed);
	}
	uv_close((uv_handle_t *)&h->listener, on_listener_closed);
}

/* ---- metrics ---------------------------------------------------------- */

#define STAT(f) offsetof(struct v2x_httpd_stats, f)

static const struct v2x_metric httpd_metrics[] = {
	{ .name = "http_connections_total",
	  .help = "Connections accepted by the metrics endpoint.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(accepted) },
	{ .name = "http_connections_active",
	  .help = "Connections open now.",
	  .type = V2X_METRIC_GAUGE,
	  .offset = STAT(active) },
	{ .name = "http_connections_waited_total",
	  .help = "Connections that waited in the listen queue for a free slot.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(waited) },
	{ .name = "http_timeouts_total",
	  .help = "Connections dropped at the timeout.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(timeouts) },
	{ .name = "http_io_errors_total",
	  .help = "Reads, writes and accepts that failed.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(io_errors) },
	{ .name = "http_responses_total",
	  .help = "Responses by status code.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(ok),
	  .fixed = { "code", "200" } },
	{ .name = "http_responses_total",
	  .help = "Responses by status code.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(bad_request),
	  .fixed = { "code", "400" } },
	{ .name = "http_responses_total",
	  .help = "Responses by status code.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(not_found),
	  .fixed = { "code", "404" } },
	{ .name = "http_responses_total",
	  .help = "Responses by status code.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(bad_method),
	  .fixed = { "code", "405" } },
	{ .name = "http_responses_total",
	  .help = "Responses by status code.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(too_large),
	  .fixed = { "code", "431" } },
	{ .name = "http_responses_total",
	  .help = "Responses by status code.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(render_error),
	  .fixed = { "code", "500" } },
	{ .name = "http_response_bytes_total",
	  .help = "Response bytes written.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(bytes_sent) },
	V2X_METRIC_END,
};

int v2x_httpd_metrics_add(const struct v2x_httpd *h, struct v2x_metrics *m,
                          const struct v2x_metric_label *labels, size_t n_labels)
{
	return v2x_metrics_add(m, httpd_metrics, &h->stats, labels, n_labels, NULL, 0);
}
