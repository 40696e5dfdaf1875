/*
 * client_io: the client's socket: connecting, writing frames, reading
 * them with the heartbeat schedule and the silence timeout, and the
 * frames kept while a Subscribe waits for its answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker/client/client_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

uint64_t v2x_client__now_ms(void)
{
	return v2x_clock_mono_ns() / 1000000u;
}

void v2x_client__close_socket(struct v2x_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->open = false;
}

int v2x_client__fail(struct v2x_client *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	v2x_client__close_socket(c);
	return rc;
}

/* Milliseconds from now to deadline, as poll(2) takes them. */
static int ms_left(uint64_t deadline, uint64_t now)
{
	if (deadline == V2X_CLIENT__NO_DEADLINE)
		return -1;
	if (deadline <= now)
		return 0;
	return deadline - now > 3600000 ? 3600000 : (int)(deadline - now);
}

/* ---- connecting ------------------------------------------------------------ */

/* Connects fd to addr without blocking past deadline; returns 0 or an errno. */
static int connect_fd(int fd, const struct sockaddr *addr, socklen_t len, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int soerr = 0, n;
	socklen_t sl = sizeof(soerr);

	if (connect(fd, addr, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return errno;
	do
		n = poll(&p, 1, ms_left(deadline, v2x_client__now_ms()));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return errno;
	return soerr;
}

static int open_unix(struct v2x_client *c, uint64_t deadline)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		return v2x_client__fail(c, V2X_EIO, "socket for %s: %s", c->where, strerror(errno));
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", c->unix_path);
	c->fd = fd;
	e = connect_fd(fd, (const struct sockaddr *)&un, sizeof(un), deadline);
	if (e)
		return v2x_client__fail(c, e == ETIMEDOUT ? V2X_ETIMEOUT : V2X_EIO,
		                        "connect to %s: %s", c->where, strerror(e));
	return 0;
}

/* Tries each address of the name in turn; the last failure is the one told. */
static int open_tcp(struct v2x_client *c, uint64_t deadline)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	int gai = getaddrinfo(c->host, c->port, &hints, &res), e = EHOSTUNREACH, one = 1;

	if (gai != 0)
		return v2x_client__fail(c, V2X_EIO, "resolve %s: %s", c->where, gai_strerror(gai));
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			e = errno;
			continue;
		}
		e = connect_fd(fd, ai->ai_addr, ai->ai_addrlen, deadline);
		if (e == 0) {
			c->fd = fd;
			break;
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return v2x_client__fail(c, e == ETIMEDOUT ? V2X_ETIMEOUT : V2X_EIO,
		                        "connect to %s: %s", c->where, strerror(e));
	/* Nagle plus delayed ACKs would hold small frames back by tens of ms. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		return v2x_client__fail(c, V2X_EIO, "TCP_NODELAY on %s: %s", c->where,
		                        strerror(errno));
	return 0;
}

int v2x_client__open_socket(struct v2x_client *c, uint64_t deadline)
{
	c->rpos = c->rlen = 0;
	return c->unix_path ? open_unix(c, deadline) : open_tcp(c, deadline);
}

/* ---- writing ---------------------------------------------------------------- */

static int write_all(struct v2x_client *c, const uint8_t *p, size_t len)
{
	uint32_t limit = c->open ? c->timeout_ms : c->cfg.connect_timeout_ms;

	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		struct pollfd pf = { .fd = c->fd, .events = POLLOUT };

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return v2x_client__fail(c, V2X_EIO, "write to %s: %s", c->where,
			                        strerror(errno));
		if (poll(&pf, 1, (int)limit) == 0)
			return v2x_client__fail(c, V2X_ETIMEOUT,
			                        "write to %s: blocked for %" PRIu32
			                        " ms, the broker does not read",
			                        c->where, limit);
	}
	c->last_tx_ms = v2x_client__now_ms();
	return 0;
}

int v2x_client__send(struct v2x_client *c, const V2x__Wire__Frame *f)
{
	size_t need = v2x_frame_size(f), len;
	int rc;

	if (c->fd < 0)
		return V2X_EEOF;
	if (need > c->wcap) {
		uint8_t *b = realloc(c->wbuf, need);

		if (!b)
			return v2x_client__fail(c, V2X_ENOMEM, "no memory for a %zu-byte frame",
			                        need);
		c->wbuf = b;
		c->wcap = need;
	}
	rc = v2x_frame_encode(f, c->wbuf, c->wcap, &len);
	if (rc)
		return v2x_client__fail(c, rc, "encoding a frame for %s: %s", c->where,
		                        v2x_strerror(rc));
	return write_all(c, c->wbuf, len);
}

static int send_heartbeat(struct v2x_client *c)
{
	V2x__Wire__Heartbeat hb;
	V2x__Wire__Frame f;

	v2x_frame_heartbeat(&f, &hb, (uint64_t)v2x_clock_wall_us(), c->peer_hb_us);
	return v2x_client__send(c, &f);
}

/* ---- reading ---------------------------------------------------------------- */

/* Parses the buffered bytes: 1 with a frame, 0 when they ran out, or an error. */
static int parse_buffered(struct v2x_client *c, const V2x__Wire__Frame **f)
{
	const uint8_t *p = c->rbuf + c->rpos;
	size_t len = c->rlen - c->rpos;
	int rc;

	if (len == 0)
		return 0;
	rc = v2x_frame_parser_next(&c->parser, &p, &len, f);
	c->rpos = (size_t)(p - c->rbuf);
	if (rc < 0)
		return v2x_client__fail(c, rc, "frame from %s: %s", c->where,
		                        v2x_frame_parser_error(&c->parser));
	return rc;
}

static int read_some(struct v2x_client *c)
{
	ssize_t n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);

	if (n == 0)
		return v2x_client__fail(
		        c, V2X_EEOF, "%s closed the connection%s", c->where,
		        v2x_frame_parser_finish(&c->parser) ? " in the middle of a frame" : "");
	if (n < 0)
		return errno == EAGAIN || errno == EINTR
		               ? 0
		               : v2x_client__fail(c, V2X_EIO, "read from %s: %s", c->where,
		                                  strerror(errno));
	c->rpos = 0;
	c->rlen = (size_t)n;
	c->rx_us = v2x_clock_wall_us();
	c->last_rx_ms = v2x_client__now_ms();
	return 0;
}

/* Once the session is open: the broker's silence, then our heartbeat. */
static int keep_alive(struct v2x_client *c, uint64_t now)
{
	if (!c->open)
		return 0;
	if (now - c->last_rx_ms >= c->timeout_ms)
		return v2x_client__fail(c, V2X_ETIMEOUT,
		                        "%s has been silent for %" PRIu64 " ms, past its timeout "
		                        "of %" PRIu32 " ms: connection dropped",
		                        c->where, now - c->last_rx_ms, c->timeout_ms);
	if (now - c->last_tx_ms >= c->hb_ms)
		return send_heartbeat(c);
	return 0;
}

/* How long poll may sleep: until the deadline, the next heartbeat or the timeout. */
static int poll_ms(const struct v2x_client *c, uint64_t now, uint64_t deadline)
{
	int ms = ms_left(deadline, now);

	if (c->open) {
		int hb = ms_left(c->last_tx_ms + c->hb_ms, now);
		int silent = ms_left(c->last_rx_ms + c->timeout_ms, now);

		if (ms < 0 || hb < ms)
			ms = hb;
		if (silent < ms)
			ms = silent;
	}
	return ms;
}

int v2x_client__read_frame(struct v2x_client *c, uint64_t deadline, const V2x__Wire__Frame **f)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		uint64_t now;
		int rc = parse_buffered(c, f), n;

		if (rc != 0)
			return rc;
		now = v2x_client__now_ms();
		if ((rc = keep_alive(c, now)) != 0)
			return rc;
		if (deadline != V2X_CLIENT__NO_DEADLINE && now >= deadline)
			return 0;
		n = poll(&p, 1, poll_ms(c, now, deadline));
		if (n < 0 && errno != EINTR)
			return v2x_client__fail(c, V2X_EIO, "poll on %s: %s", c->where,
			                        strerror(errno));
		if (n > 0 && (rc = read_some(c)) != 0)
			return rc;
	}
}

void v2x_client__take_bye(struct v2x_client *c, const V2x__Wire__Bye *b)
{
	char name[48];

	c->bye_reason = b->has_reason ? (int)b->reason : 0;
	v2x_client_enum_name(&v2x__wire__bye_reason__descriptor, c->bye_reason, name, sizeof(name));
	snprintf(c->err, sizeof(c->err), "%s said Bye (%s): %s", c->where, name,
	         b->text && b->text[0] ? b->text : "no reason given");
}

/* ---- frames kept while a Subscribe waits -------------------------------------- */

#define KEEP_HEAD (sizeof(int64_t) + sizeof(uint32_t))

int v2x_client__keep(struct v2x_client *c, const V2x__Wire__Frame *f)
{
	size_t len = v2x__wire__frame__get_packed_size(f);
	uint32_t len32 = (uint32_t)len;

	if (c->pend_pos == c->pend_len)
		c->pend_pos = c->pend_len = 0;
	if (c->pend_len + KEEP_HEAD + len > c->pend_cap) {
		size_t cap = 2 * (c->pend_len + KEEP_HEAD + len);
		uint8_t *b = realloc(c->pend, cap);

		if (!b)
			return v2x_client__fail(c, V2X_ENOMEM, "no memory to keep a frame");
		c->pend = b;
		c->pend_cap = cap;
	}
	memcpy(c->pend + c->pend_len, &c->rx_us, sizeof(int64_t));
	memcpy(c->pend + c->pend_len + sizeof(int64_t), &len32, sizeof(len32));
	v2x__wire__frame__pack(f, c->pend + c->pend_len + KEEP_HEAD);
	c->pend_len += KEEP_HEAD + len;
	return 0;
}

int v2x_client__unkeep(struct v2x_client *c, int64_t *rx_us)
{
	uint32_t len;

	if (c->pend_pos == c->pend_len)
		return 0;
	memcpy(rx_us, c->pend + c->pend_pos, sizeof(int64_t));
	memcpy(&len, c->pend + c->pend_pos + sizeof(int64_t), sizeof(len));
	c->owned = v2x__wire__frame__unpack(NULL, len, c->pend + c->pend_pos + KEEP_HEAD);
	c->pend_pos += KEEP_HEAD + len;
	if (!c->owned)
		return v2x_client__fail(c, V2X_ENOMEM, "no memory to unpack a kept frame");
	return 1;
}
