#include "broker/bench/wio.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/addr.h"
#include "runtime/clock.h"
#include "runtime/err.h"

int bw_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ? -1 : 0;
}

int bw_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Waits for a non-blocking connect to finish.  Returns 0 or an errno. */
static int connect_wait(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	int n = poll(&pfd, 1, timeout_ms);

	if (n == 0)
		return ETIMEDOUT;
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		return errno;
	return soerr;
}

int bw_connect(const char *hostport, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	char host[256];
	uint16_t port;
	int fd, e = 0;

	if (v2x_addr_split(hostport, host, sizeof(host), &port) != 0 ||
	    v2x_addr_ip(host, port, &ss) != 0) {
		snprintf(err, errlen, "'%s': expected a numeric HOST:PORT", hostport);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sizeof(ss)) != 0)
		e = errno == EINPROGRESS ? connect_wait(fd, timeout_ms) : errno;
	if (e == 0 && (bw_nodelay(fd) != 0 || fcntl(fd, F_SETFL, 0) != 0))
		e = errno;
	if (e != 0) {
		snprintf(err, errlen, "connect to %s: %s", hostport, strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

int bw_listen(int port, int *bound, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                 .sin_port = htons((uint16_t)port) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 256) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
		snprintf(err, errlen, "listen on 127.0.0.1:%d: %s", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

int bw_send(int fd, const V2x__Wire__Frame *f)
{
	uint8_t buf[64 << 10];
	size_t len, off = 0;

	if (v2x_frame_encode(f, buf, sizeof(buf), &len) != 0) {
		errno = EMSGSIZE;
		return -1;
	}
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int send_hello(int fd, int role, const char *id, const char *credential)
{
	V2x__Wire__Hello h;
	V2x__Wire__Frame f;
	/* protobuf-c's fields are not const: copies rather than casts. */
	char idbuf[BW_ID_MAX + 1], software[] = "v2x-load";
	uint8_t tok[BW_TOKEN_MAX];
	size_t len = 0;

	snprintf(idbuf, sizeof(idbuf), "%s", id);
	if (credential) {
		len = strlen(credential) < sizeof(tok) ? strlen(credential) : sizeof(tok);
		memcpy(tok, credential, len);
	}
	v2x_frame_hello(&f, &h, (V2x__Wire__Role)role, idbuf, credential ? tok : NULL, len);
	h.software = software;
	return bw_send(fd, &f);
}

int bw_handshake(struct bw_reader *r, int role, const char *id, const char *credential,
                 int timeout_ms, uint64_t *last_seq, uint32_t *heartbeat_ms, char *err,
                 size_t errlen)
{
	const V2x__Wire__Frame *f;
	int rc;

	if (send_hello(r->fd, role, id, credential) != 0) {
		snprintf(err, errlen, "Hello of '%s': %s", id, strerror(errno));
		return -1;
	}
	rc = bw_reader_wait(r, timeout_ms, &f);
	if (rc == 1 && f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK) {
		*last_seq = f->hello_ack->has_last_seq ? f->hello_ack->last_seq : 0;
		*heartbeat_ms = f->hello_ack->has_heartbeat_interval_ms
		                        ? f->hello_ack->heartbeat_interval_ms
		                        : 0;
		return 0;
	}
	if (rc == 1 && f->msg_case == V2X__WIRE__FRAME__MSG_BYE)
		snprintf(err, errlen, "Hello of '%s' refused: Bye(%d) %s", id, (int)f->bye->reason,
		         f->bye->text ? f->bye->text : "");
	else if (rc == 1)
		snprintf(err, errlen, "Hello of '%s': frame %d instead of a HelloAck", id,
		         (int)f->msg_case);
	else
		snprintf(err, errlen, "Hello of '%s': no HelloAck: %s", id, v2x_strerror(rc));
	return -1;
}

static void send_bye(int fd)
{
	V2x__Wire__Bye b = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	uint8_t buf[32];
	size_t len;

	b.has_reason = 1;
	b.reason = V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &b;
	if (v2x_frame_encode(&f, buf, sizeof(buf), &len) == 0)
		(void)!send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
}

/* Reads and drops what fd has; returns false once the peer has closed. */
static bool drain(int fd)
{
	uint8_t buf[16 << 10];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

void bw_goodbye(const int *fds, size_t n, int timeout_ms)
{
	uint64_t deadline = v2x_clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	struct pollfd *pfd = calloc(n + 1, sizeof(*pfd));

	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			send_bye(fds[i]);
	for (size_t i = 0; pfd && i < n; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (pfd && v2x_clock_mono_ns() < deadline) {
		size_t open = 0;

		for (size_t i = 0; i < n; i++) {
			if (pfd[i].fd >= 0 && !drain(pfd[i].fd))
				pfd[i].fd = -1;
			open += pfd[i].fd >= 0;
		}
		if (open == 0 || poll(pfd, n, 10) < 0)
			break;
	}
	free(pfd);
}

int bw_heartbeat(int fd)
{
	V2x__Wire__Heartbeat h = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	h.has_send_time_us = 1;
	h.send_time_us = (uint64_t)v2x_clock_wall_us();
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f.heartbeat = &h;
	return bw_send(fd, &f);
}

int bw_reader_init(struct bw_reader *r, int fd)
{
	r->fd = fd;
	r->at = r->buf;
	r->len = 0;
	return v2x_frame_parser_init(&r->parser, NULL);
}

void bw_reader_fini(struct bw_reader *r)
{
	v2x_frame_parser_fini(&r->parser);
}

int bw_reader_fill(struct bw_reader *r)
{
	ssize_t n;

	if (r->len > 0)
		return 0;
	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return V2X_EEOF;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? V2X_ETIMEOUT : V2X_ESYS;
	r->at = r->buf;
	r->len = (size_t)n;
	return (int)n;
}

int bw_reader_next(struct bw_reader *r, const V2x__Wire__Frame **f)
{
	if (r->len == 0)
		return 0;
	return v2x_frame_parser_next(&r->parser, &r->at, &r->len, f);
}

int bw_reader_wait(struct bw_reader *r, int timeout_ms, const V2x__Wire__Frame **f)
{
	uint64_t deadline = v2x_clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		uint64_t now;
		int rc = bw_reader_next(r, f);

		if (rc != 0)
			return rc;
		now = v2x_clock_mono_ns();
		if (now >= deadline)
			return V2X_ETIMEOUT;
		rc = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
		if (rc < 0 && errno != EINTR)
			return V2X_ESYS;
		if (rc > 0 && (rc = bw_reader_fill(r)) < 0 && rc != V2X_ETIMEOUT)
			return rc;
	}
}
