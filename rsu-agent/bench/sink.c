/*
 * sink: see sink.h.  Blocking sockets on a thread of its own: the
 * benchmark measures the agent, not this.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codecs/wire/frame.h"
#include "rsu-agent/bench/sink.h"
#include "runtime/clock.h"

static int send_frame(int fd, const V2x__Wire__Frame *f)
{
	uint8_t buf[256];
	size_t len;

	if (v2x_frame_encode(f, buf, sizeof(buf), &len) != 0)
		return -1;
	return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int hello_ack(int fd)
{
	V2x__Wire__HelloAck a = V2X__WIRE__HELLO_ACK__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	a.has_protocol_version = 1;
	a.protocol_version = V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	a.has_last_seq = 1;
	f.msg_case = V2X__WIRE__FRAME__MSG_HELLO_ACK;
	f.hello_ack = &a;
	return send_frame(fd, &f);
}

static int ack(int fd, uint64_t seq)
{
	V2x__Wire__Ack a = V2X__WIRE__ACK__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	a.has_seq = 1;
	a.seq = seq;
	f.msg_case = V2X__WIRE__FRAME__MSG_ACK;
	f.ack = &a;
	return send_frame(fd, &f);
}

static int heartbeat(int fd, const V2x__Wire__Heartbeat *in)
{
	V2x__Wire__Heartbeat h = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	h.has_send_time_us = 1;
	h.send_time_us = (uint64_t)v2x_clock_wall_us();
	h.has_echo_send_time_us = in->has_send_time_us;
	h.echo_send_time_us = in->send_time_us;
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f.heartbeat = &h;
	return send_frame(fd, &f);
}

static uint64_t bsm_number(const V2x__Wire__Observation *o)
{
	uint64_t n = 0;

	if (o->msg_case != V2X__WIRE__OBSERVATION__MSG_BSM || !o->bsm->has_id)
		return 0;
	for (size_t i = 0; i < o->bsm->id.len; i++)
		n = n << 8 | o->bsm->id.data[i];
	return n;
}

static void observation(struct bench_sink *s, const V2x__Wire__Observation *o, uint64_t now)
{
	uint64_t n = bsm_number(o);

	/* The latest arrival: the benchmark cycles through its BSMs. */
	if (n < s->cap)
		s->arrive_ns[n] = now;
	atomic_fetch_add(&s->observations, 1);
}

/* Reads frames until the connection ends or stop is set. */
static void serve(struct bench_sink *s, int fd)
{
	static uint8_t buf[1 << 18];
	struct v2x_frame_parser p;
	uint64_t last_seq = 0;

	v2x_frame_parser_init(&p, NULL);
	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const uint8_t *at = buf;
		const V2x__Wire__Frame *f;
		size_t len;
		uint64_t now, acked = last_seq;
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		now = v2x_clock_mono_ns();
		len = (size_t)n;
		while (v2x_frame_parser_next(&p, &at, &len, &f) == 1) {
			if (f->msg_case == V2X__WIRE__FRAME__MSG_HELLO)
				hello_ack(fd);
			else if (f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT)
				heartbeat(fd, f->heartbeat);
			else if (f->msg_case == V2X__WIRE__FRAME__MSG_OBSERVATION) {
				observation(s, f->observation, now);
				if (f->observation->seq > last_seq)
					last_seq = f->observation->seq;
			}
		}
		if (p.err)
			break;
		if (last_seq != acked)
			ack(fd, last_seq);
	}
	v2x_frame_parser_fini(&p);
	close(fd);
}

static void *run(void *arg)
{
	struct bench_sink *s = arg;

	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
		int fd, one = 1;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(s, fd);
	}
	return NULL;
}

int bench_sink_start(struct bench_sink *s, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->cap = cap;
	s->arrive_ns = calloc(cap, sizeof(*s->arrive_ns));
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (!s->arrive_ns || s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->lfd, 4) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->thread, NULL, run, s) == 0 ? 0 : -1;
}

void bench_sink_stop(struct bench_sink *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->lfd);
	free(s->arrive_ns);
}
