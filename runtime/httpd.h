/*
 * httpd: the tiny HTTP server of a daemon's metrics endpoint, on a libuv
 * loop.
 *
 *   GET /metrics   200, the body the render callback writes (Prometheus text)
 *   GET /healthz   200, "ok"
 *   HEAD           the same, without the body
 *   other paths    404
 *   other methods  405 (Allow: GET, HEAD)
 *
 * HTTP/1.0 and 1.1, one request per connection: every response says
 * "Connection: close" and the connection is closed after it.  The server
 * is built so that no client can hurt the loop it shares with the daemon's
 * real work: a request head larger than max_request is answered 431
 * without reading further; a connection that has not been answered and
 * closed within timeout_ms of being accepted is dropped, however it
 * trickles its bytes; at most max_conns connections are open at once, and
 * the next one waits in the kernel's listen queue until a slot frees.  The
 * connection slots and their buffers are allocated once, by
 * v2x_httpd_new(), and reused.
 *
 * libuv's rules: a server is closed with v2x_httpd_close(), whose callback
 * runs once every handle is closed; the server's memory is freed then.
 */
#ifndef V2X_RUNTIME_HTTPD_H
#define V2X_RUNTIME_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "runtime/log.h"
#include "runtime/metrics.h"

struct v2x_httpd;

/*
 * Writes the body of GET /metrics into out (empty when called; the
 * server's, reused across requests).  Returns 0, or a negative error: the
 * client then gets a 500.
 */
typedef int (*v2x_httpd_render_cb)(void *arg, struct v2x_metrics_buf *out);

/* Called once the server is closed and freed. */
typedef void (*v2x_httpd_close_cb)(void *arg);

struct v2x_httpd_cfg {
	const char *host;           /* address to listen on: "127.0.0.1", "::"; NULL: 127.0.0.1 */
	int port;                   /* 0: any free port (v2x_httpd_port() tells which) */
	unsigned max_conns;         /* connections open at once; 0: 8 */
	uint64_t timeout_ms;        /* from accept to close; 0: 5000 */
	size_t max_request;         /* bytes of a request head; 0: 4096 */
	v2x_httpd_render_cb render; /* body of /metrics; NULL: /metrics is 404 */
	void *arg;                  /* passed to render */
	const struct v2x_log *log;  /* optional; borrowed, must outlive the server */
};

/* Counters of a server. */
struct v2x_httpd_stats {
	uint64_t accepted;     /* connections accepted */
	uint64_t requests;     /* requests parsed (whatever their answer) */
	uint64_t ok;           /* 200 */
	uint64_t bad_request;  /* 400 */
	uint64_t not_found;    /* 404 */
	uint64_t bad_method;   /* 405 */
	uint64_t too_large;    /* 431 */
	uint64_t render_error; /* 500 */
	uint64_t timeouts;     /* connections dropped at timeout_ms */
	uint64_t waited;       /* connections that waited for a free slot */
	uint64_t io_errors;    /* reads or writes that failed */
	uint64_t active;       /* connections open now (a gauge) */
	uint64_t bytes_sent;   /* response bytes written */
};

/*
 * Starts a server on loop (borrowed; must outlive the server) listening on
 * cfg->host:cfg->port; cfg is borrowed for the call.  On success *out is
 * the server, closed with v2x_httpd_close().  Fails with V2X_EINVAL (a
 * host that is not an IP address), V2X_ESYS or another errno mapping (bind
 * or listen refused: the port is taken, the address is not local) or
 * V2X_ENOMEM, with the detail in err (errlen bytes, NUL included; may be
 * NULL).  The listening socket is opened before any libuv handle, so
 * the usual failures (a port taken, an address not local) leave nothing
 * open; only libuv refusing the socket afterwards (which it does not in
 * practice) leaves handles that close on the loop's next turn.
 */
int v2x_httpd_new(uv_loop_t *loop, const struct v2x_httpd_cfg *cfg, struct v2x_httpd **out,
                  char *err, size_t errlen);

/* Returns the port the server listens on (the one picked when cfg->port was 0). */
int v2x_httpd_port(const struct v2x_httpd *h);

/* Returns the counters of h; valid while h lives. */
const struct v2x_httpd_stats *v2x_httpd_stats(const struct v2x_httpd *h);

/*
 * Registers the counters of h with m (labels as v2x_metrics_add() takes
 * them).  h must outlive every rendering of m.
 */
int v2x_httpd_metrics_add(const struct v2x_httpd *h, struct v2x_metrics *m,
                          const struct v2x_metric_label *labels, size_t n_labels);

/*
 * Stops listening, drops every open connection and closes every handle;
 * when the last one is closed, frees h and calls cb(arg) (cb may be NULL).
 * h must not be used after this call.  Accepts NULL (then calls nothing).
 */
void v2x_httpd_close(struct v2x_httpd *h, v2x_httpd_close_cb cb, void *arg);

#endif
