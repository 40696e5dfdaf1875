/*
 * v2x-bench-warnstub: a stand-in for the broker's subscriber side, for
 * the load generator's own tests and for running the benchmark's
 * subscriber half without a broker.
 *
 *   v2x-bench-warnstub [--port=N] [--rate=W] [--token=T]
 *
 * Listens on 127.0.0.1:N (0: any free port) and prints "listening tcp
 * 127.0.0.1 PORT" as its first stdout line.  A subscriber says Hello and
 * gets a HelloAck; each Subscribe gets SubscribeResult OK.  From then on
 * it gets every Warning: W per second, each serialised once and written to
 * every subscriber, with trigger_rx_time_us the wall time it was made.
 * SIGTERM or SIGINT: prints "warnings N subscribers N dropped N" and
 * exits 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "broker/bench/wio.h"
#include "runtime/clock.h"
#include "runtime/err.h"
#include "runtime/opt.h"

#define MAX_CONNS   4096
#define OUT_LIMIT   (4u << 20) /* a subscriber this far behind is dropped */
#define HEARTBEAT   1000       /* ms, in the HelloAck */
#define TIMEOUT     5000       /* ms, in the HelloAck */
#define WARNING_MAX 512

struct ws_options {
	int64_t port;
	double rate;
	char *token;
};

struct ws_conn {
	int fd;
	bool hello, subscribed;
	struct bw_reader r;
	uint8_t *out;
	size_t len, off, cap;
};

struct ws {
	struct ws_options opt;
	int lfd;
	struct ws_conn *conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS + 1];
	size_t n;
	uint64_t warnings, dropped, subscribers;
};

static volatile sig_atomic_t ws_stop;

static void on_signal(int sig)
{
	(void)sig;
	ws_stop = 1;
}

/* clang-format off */
static const struct v2x_opt ws_opts[] = {
	{ .name = "port", .type = V2X_OPT_INT, .offset = offsetof(struct ws_options, port),
	  .def = "0", .min = 0, .max = 65535, .help = "TCP port on 127.0.0.1 (0: any free port)" },
	{ .name = "rate", .type = V2X_OPT_DOUBLE, .offset = offsetof(struct ws_options, rate),
	  .def = "1000", .dmin = 0, .dmax = 1000000, .help = "warnings per second to every subscriber" },
	{ .name = "token", .type = V2X_OPT_STRING, .offset = offsetof(struct ws_options, token),
	  .help = "the credential subscribers must give (default: any)" },
	V2X_OPT_END,
};
/* clang-format on */

static const struct v2x_opt_table ws_table = {
	.opts = ws_opts,
	.usage = "v2x-bench-warnstub [--port=N] [--rate=W] [--token=T]",
	.about = "A stand-in for the broker's subscriber side: accepts subscribers, answers\n"
	         "their Subscribe with OK and pushes W Warnings per second to each, stamped\n"
	         "with trigger_rx_time_us = the time each was made.  The first stdout line\n"
	         "says where it listens: 'listening tcp 127.0.0.1 PORT'.",
};

/* Appends bytes to c's output; 0, or -1 when c is too far behind. */
static int queue(struct ws_conn *c, const uint8_t *b, size_t len)
{
	if (c->off == c->len)
		c->off = c->len = 0;
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64 << 10;
		uint8_t *p;

		while (cap < c->len + len)
			cap *= 2;
		if (cap > OUT_LIMIT || !(p = realloc(c->out, cap)))
			return -1;
		c->out = p;
		c->cap = cap;
	}
	memcpy(c->out + c->len, b, len);
	c->len += len;
	return 0;
}

static int queue_frame(struct ws_conn *c, const V2x__Wire__Frame *f)
{
	uint8_t buf[1024];
	size_t len;

	if (v2x_frame_encode(f, buf, sizeof(buf), &len) != 0)
		return -1;
	return queue(c, buf, len);
}

static void close_conn(struct ws *w, size_t i)
{
	struct ws_conn *c = w->conns[i];

	bw_reader_fini(&c->r);
	close(c->fd);
	free(c->out);
	free(c);
	w->conns[i] = w->conns[--w->n];
}

static int hello(struct ws *w, struct ws_conn *c, const V2x__Wire__Hello *h)
{
	V2x__Wire__HelloAck a = V2X__WIRE__HELLO_ACK__INIT;
	V2x__Wire__Bye b = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	size_t tl = w->opt.token ? strlen(w->opt.token) : 0;
	/* protobuf-c's fields are not const: copies rather than casts. */
	char why[] = "wrong credential", id[] = "warnstub";

	if (w->opt.token && (!h->has_credential || h->credential.len != tl ||
	                     memcmp(h->credential.data, w->opt.token, tl) != 0)) {
		b.has_reason = 1;
		b.reason = V2X__WIRE__BYE_REASON__BYE_REASON_AUTH_FAILED;
		b.text = why;
		f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
		f.bye = &b;
		queue_frame(c, &f);
		return -1;
	}
	a.has_protocol_version = a.has_heartbeat_interval_ms = a.has_timeout_ms = 1;
	a.protocol_version = V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	a.heartbeat_interval_ms = HEARTBEAT;
	a.timeout_ms = TIMEOUT;
	a.broker_id = id;
	f.msg_case = V2X__WIRE__FRAME__MSG_HELLO_ACK;
	f.hello_ack = &a;
	c->hello = true;
	return queue_frame(c, &f);
}

static int subscribe(struct ws *w, struct ws_conn *c, const V2x__Wire__Subscribe *s)
{
	V2x__Wire__SubscribeResult r = V2X__WIRE__SUBSCRIBE_RESULT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	r.has_subscription_id = r.has_status = 1;
	r.subscription_id = s->subscription_id;
	r.status = V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_OK;
	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT;
	f.subscribe_result = &r;
	w->subscribers += !c->subscribed;
	c->subscribed = true;
	return queue_frame(c, &f);
}

/* Handles what c sent.  0, or -1 to close it. */
static int read_conn(struct ws *w, struct ws_conn *c)
{
	const V2x__Wire__Frame *f;
	int rc = bw_reader_fill(&c->r);

	if (rc == V2X_ETIMEOUT)
		return 0;
	if (rc < 0)
		return -1;
	while ((rc = bw_reader_next(&c->r, &f)) == 1) {
		if (f->msg_case == V2X__WIRE__FRAME__MSG_HELLO && !c->hello)
			rc = hello(w, c, f->hello);
		else if (f->msg_case == V2X__WIRE__FRAME__MSG_SUBSCRIBE && c->hello)
			rc = subscribe(w, c, f->subscribe);
		else if (f->msg_case == V2X__WIRE__FRAME__MSG_BYE || !c->hello)
			rc = -1;
		else
			rc = 0;
		if (rc != 0)
			return -1;
	}
	return rc < 0 ? -1 : 0;
}

static int flush(struct ws_conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->off += (size_t)n;
	}
	return 0;
}

/* One Warning, serialised once into buf; returns its framed length. */
static size_t make_warning(uint64_t n, uint8_t *buf, size_t cap)
{
	uint8_t target[8] = { 0xa0, 0, 0, 1, 0, 0, 0, 7 };
	char rsu[] = "stub-rsu-1";
	V2x__Wire__Warning wr = V2X__WIRE__WARNING__INIT;
	V2x__Wire__Subject subj;
	V2x__Wire__HazardRef hz = V2X__WIRE__HAZARD_REF__INIT;
	V2x__Wire__Position3D pos = V2X__WIRE__POSITION3_D__INIT;
	V2x__Wire__SourceRef src = V2X__WIRE__SOURCE_REF__INIT, *srcs[1] = { &src };
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	uint64_t now = (uint64_t)v2x_clock_wall_us();
	uint32_t sub_id = 1;
	size_t len = 0;

	/* A oneof's INIT macro trips -Wmissing-braces: the init function. */
	v2x__wire__subject__init(&subj);
	hz.has_hazard_id = hz.has_event_type = 1;
	hz.hazard_id = 1 + n / 1000;
	hz.event_type = 401;
	subj.subject_case = V2X__WIRE__SUBJECT__SUBJECT_HAZARD;
	subj.hazard = &hz;
	pos.has_lat_deg = pos.has_lon_deg = pos.has_elev_m = 1;
	pos.lat_deg = 29.6012345;
	pos.lon_deg = 106.5054321;
	pos.elev_m = 280.5;
	src.rsu_id = rsu;
	src.has_seq = 1;
	src.seq = n;
	wr.has_warning_id = wr.has_revision = wr.has_type = wr.has_severity = 1;
	wr.warning_id = n;
	wr.type = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD;
	wr.severity = V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	wr.has_target_vehicle_id = 1;
	wr.target_vehicle_id = (ProtobufCBinaryData){ sizeof(target), target };
	wr.subject = &subj;
	wr.position = &pos;
	wr.has_distance_m = wr.has_time_to_event_s = 1;
	wr.distance_m = 142.5;
	wr.time_to_event_s = 11.2;
	wr.has_issue_time_us = wr.has_expiry_time_us = wr.has_trigger_rx_time_us = 1;
	wr.issue_time_us = now;
	wr.expiry_time_us = now + 30000000;
	wr.trigger_rx_time_us = now;
	wr.n_sources = 1;
	wr.sources = srcs;
	wr.n_subscription_ids = 1;
	wr.subscription_ids = &sub_id;
	f.msg_case = V2X__WIRE__FRAME__MSG_WARNING;
	f.warning = &wr;
	return v2x_frame_encode(&f, buf, cap, &len) == 0 ? len : 0;
}

static void push(struct ws *w)
{
	uint8_t buf[WARNING_MAX];
	size_t len = make_warning(++w->warnings, buf, sizeof(buf));

	for (size_t i = 0; i < w->n; i++) {
		struct ws_conn *c = w->conns[i];

		if (!c->subscribed)
			continue;
		if (queue(c, buf, len) != 0 || flush(c) != 0) {
			w->dropped++;
			close_conn(w, i--);
		}
	}
}

static void accept_conn(struct ws *w)
{
	int fd = accept(w->lfd, NULL, NULL);
	struct ws_conn *c;

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (w->n == MAX_CONNS || !c || bw_nodelay(fd) != 0 || bw_nonblock(fd) != 0 ||
	    bw_reader_init(&c->r, fd) != 0) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	w->conns[w->n++] = c;
}

static void serve_ready(struct ws *w)
{
	size_t n = w->n;

	if (w->pfd[0].revents & POLLIN)
		accept_conn(w);
	/* Backwards: closing swaps the last connection into the slot. */
	for (size_t i = n; i-- > 0;) {
		struct ws_conn *c = w->conns[i];
		short ev = w->pfd[i + 1].revents;

		if ((ev & (POLLIN | POLLHUP | POLLERR)) && read_conn(w, c) != 0) {
			flush(c);
			close_conn(w, i);
		} else if (flush(c) != 0) {
			close_conn(w, i);
		}
	}
}

static int serve(struct ws *w)
{
	uint64_t t0 = v2x_clock_mono_ns(),
	         period = w->opt.rate > 0 ? (uint64_t)(1e9 / w->opt.rate) : 0;
	uint64_t next = t0 + period;

	while (!ws_stop) {
		uint64_t now = v2x_clock_mono_ns();
		int timeout = 100;

		while (period && now >= next) {
			push(w);
			next += period;
		}
		if (period)
			timeout = (int)((next - now) / 1000000u);
		w->pfd[0] = (struct pollfd){ .fd = w->lfd, .events = POLLIN };
		for (size_t i = 0; i < w->n; i++)
			w->pfd[i + 1] = (struct pollfd){
				.fd = w->conns[i]->fd,
				.events =
				        (short)(POLLIN |
				                (w->conns[i]->off < w->conns[i]->len ? POLLOUT : 0))
			};
		if (poll(w->pfd, w->n + 1, timeout) > 0)
			serve_ready(w);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ws *w = calloc(1, sizeof(*w));
	struct v2x_opt_args args;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	int rc, port;

	if (!w)
		return 1;
	rc = v2x_opt_defaults(&ws_table, &w->opt, err, sizeof(err));
	if (rc == 0)
		rc = v2x_opt_parse_args(&ws_table, &w->opt, argc, argv, &args, err, sizeof(err));
	if (rc == 0 && args.help) {
		v2x_opt_help(&ws_table, stdout);
	} else if (rc != 0 || args.argc) {
		fprintf(stderr, "v2x-bench-warnstub: %s (see --help)\n",
		        rc ? err : "unexpected argument");
		rc = 2;
	} else if ((w->lfd = bw_listen((int)w->opt.port, &port, err, sizeof(err))) < 0) {
		fprintf(stderr, "v2x-bench-warnstub: %s\n", err);
		rc = 1;
	} else {
		signal(SIGPIPE, SIG_IGN);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		printf("listening tcp 127.0.0.1 %d\n", port);
		fflush(stdout);
		rc = serve(w);
		printf("warnings %" PRIu64 " subscribers %" PRIu64 " dropped %" PRIu64 "\n",
		       w->warnings, w->subscribers, w->dropped);
		while (w->n)
			close_conn(w, 0);
		close(w->lfd);
	}
	v2x_opt_release(&ws_table, &w->opt);
	free(w);
	return rc;
}
