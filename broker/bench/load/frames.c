/*
 * frames: the broker alone.  K fake agents connect straight to the
 * broker's agent port and send Observation frames of BSMs (N vehicles
 * driving the test field, 10 Hz steps, over and over) with increasing
 * seq, as fast as the broker acknowledges them: each keeps at most
 * `window` observations sent and not yet acknowledged.  The figure is the
 * broker's sustained ingest: observations acknowledged per second after
 * the warm-up.
 *
 * The BSMs are packed once (obsframe.c); sending one is a memcpy and a few
 * varints, so one thread of the generator outruns the broker.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker/bench/load/load.h"
#include "broker/bench/wio.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define STEPS        50  /* 10 Hz steps of each vehicle, cycled */
#define BATCH_FRAMES 256 /* frames appended to a connection's buffer at a time */
#define HEARTBEAT_MS 500
#define HANDSHAKE_MS 5000
#define RSU_ID_MAX   80
#define MAX_CONNS    256
#define GOODBYE_MS   1000 /* the broker's answer to our Bye */
#define BACKOFF_MIN  100  /* ms before reconnecting, doubling ... */
#define BACKOFF_MAX  1000 /* ... up to this */

struct fconn {
	int fd;
	bool open;
	bool reader; /* r is initialised */
	struct bw_reader r;
	char id[RSU_ID_MAX];
	size_t index; /* of this connection, among K */
	size_t n_vehicles;
	uint64_t base_seq; /* the broker's last seq of this id when connected */
	uint64_t next_seq, acked, acked_at_warm;
	uint64_t cycle;    /* frames sent, to pick the next message */
	uint64_t retry_at; /* mono ns: when a closed connection is opened again */
	unsigned backoff_ms;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
};

struct frames {
	const struct ld_frames_config *cfg;
	struct ld_obsmsg *msgs; /* STEPS x vehicles, step-major */
	size_t max_msg;
	struct v2x_arena arena;
	struct fconn *conns;
	struct pollfd *pfd;
	struct ld_frames_result *res;
	uint64_t frame_bytes, frames;
};

static int pack_all(struct frames *fr, const struct ld_field *f, char *err, size_t errlen)
{
	const struct ld_frames_config *cfg = fr->cfg;
	struct ld_vehicle *v = calloc(cfg->vehicles, sizeof(*v));
	struct v2x_msg m = { .type = V2X_MSG_BSM };
	int rc = 0;

	fr->msgs = calloc(STEPS * cfg->vehicles, sizeof(*fr->msgs));
	if (!v || !fr->msgs) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ld_vehicles_place(f, v, cfg->vehicles, 0xf0, cfg->seed);
	for (size_t k = 0; rc == 0 && k < STEPS; k++) {
		for (size_t i = 0; rc == 0 && i < cfg->vehicles; i++) {
			struct ld_obsmsg *o = &fr->msgs[k * cfg->vehicles + i];

			rc = ld_vehicle_bsm(f, &v[i], 0, &m.u.bsm);
			if (rc == 0)
				rc = ld_obsmsg_pack(&m, &fr->arena, o);
			if (rc == 0 && o->len > fr->max_msg)
				fr->max_msg = o->len;
			ld_vehicle_step(f, &v[i], 0.1);
		}
	}
	free(v);
	if (rc != 0)
		snprintf(err, errlen, "packing the BSMs: %s", v2x_strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* Closes c's socket (if any) and forgets what it had not written. */
static void disconnect(struct fconn *c)
{
	if (c->reader)
		bw_reader_fini(&c->r);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->reader = c->open = false;
	c->out_len = c->out_off = 0;
}

/* Connects and says Hello.  0, or -1 with err (c closed again). */
static int connect_conn(struct frames *fr, struct fconn *c, char *err, size_t errlen)
{
	uint64_t last_seq;
	uint32_t hb;

	c->fd = bw_connect(fr->cfg->addr, HANDSHAKE_MS, err, errlen);
	if (c->fd < 0)
		return -1;
	c->open = true;
	if (bw_reader_init(&c->r, c->fd) != 0) {
		snprintf(err, errlen, "out of memory");
		disconnect(c);
		return -1;
	}
	c->reader = true;
	if (bw_handshake(&c->r, V2X__WIRE__ROLE__ROLE_AGENT, c->id, fr->cfg->token, HANDSHAKE_MS,
	                 &last_seq, &hb, err, errlen) != 0 ||
	    bw_nonblock(c->fd) != 0) {
		disconnect(c);
		return -1;
	}
	/* The broker drops a seq at or below what it has stored of this id,
	 * and what it had not stored when it closed us is sent again, as an
	 * agent would from its spool (with a new receive time). */
	c->acked = last_seq > c->acked ? last_seq : c->acked;
	c->next_seq = last_seq + 1;
	return 0;
}

static int open_conn(struct frames *fr, struct fconn *c, size_t k, char *err, size_t errlen)
{
	const struct ld_frames_config *cfg = fr->cfg;

	c->fd = -1;
	c->index = k;
	c->n_vehicles = cfg->vehicles / cfg->connections + (k < cfg->vehicles % cfg->connections);
	snprintf(c->id, sizeof(c->id), "%s-%zu", cfg->id_prefix, k + 1);
	c->out_cap = BATCH_FRAMES * (fr->max_msg + RSU_ID_MAX + LD_OBSFRAME_OVERHEAD) + 64;
	c->out = malloc(c->out_cap);
	if (!c->out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (connect_conn(fr, c, err, errlen) != 0)
		return -1;
	c->base_seq = c->acked_at_warm = c->acked;
	return 0;
}

/* Opens a closed connection again once its back-off has passed. */
static void reconnect(struct frames *fr, struct fconn *c, uint64_t now)
{
	char err[256];

	if (now < c->retry_at)
		return;
	if (connect_conn(fr, c, err, sizeof(err)) == 0) {
		fr->res->reconnects++;
		c->backoff_ms = 0;
		return;
	}
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN;
	if (c->backoff_ms > BACKOFF_MAX)
		c->backoff_ms = BACKOFF_MAX;
	c->retry_at = now + c->backoff_ms * 1000000ull;
	fprintf(stderr, "v2x-load: agent connection %s: %s\n", c->id, err);
}

/* Appends frames while the window and the buffer allow. */
static void fill(struct frames *fr, struct fconn *c)
{
	const struct ld_frames_config *cfg = fr->cfg;
	uint64_t rx = (uint64_t)v2x_clock_wall_us();

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	for (int b = 0; b < BATCH_FRAMES && c->next_seq - 1 - c->acked < cfg->window &&
	                c->out_cap - c->out_len >= fr->max_msg + RSU_ID_MAX + LD_OBSFRAME_OVERHEAD;
	     b++) {
		uint64_t p = c->cycle++ % (STEPS * c->n_vehicles);
		size_t vehicle = c->index + (size_t)(p % c->n_vehicles) * cfg->connections;
		const struct ld_obsmsg *m =
		        &fr->msgs[(p / c->n_vehicles) * cfg->vehicles + vehicle];
		size_t len = ld_obsframe_put(c->out + c->out_len, c->id, c->next_seq++, rx, m);

		c->out_len += len;
		fr->frame_bytes += len;
		fr->frames++;
		fr->res->sent++;
	}
}

static void heartbeat(struct fconn *c)
{
	V2x__Wire__Heartbeat h = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	size_t len;

	h.has_send_time_us = 1;
	h.send_time_us = (uint64_t)v2x_clock_wall_us();
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f.heartbeat = &h;
	if (v2x_frame_encode(&f, c->out + c->out_len, c->out_cap - c->out_len, &len) == 0)
		c->out_len += len;
}

/* The broker closed c (or c broke): reconnect after a back-off. */
static void drop(struct frames *fr, struct fconn *c, const char *why)
{
	if (fr->res->closed++ < 20)
		fprintf(stderr, "v2x-load: agent connection %s closed: %s\n", c->id, why);
	disconnect(c);
	c->backoff_ms = BACKOFF_MIN;
	c->retry_at = v2x_clock_mono_ns() + BACKOFF_MIN * 1000000ull;
}

static void flush(struct frames *fr, struct fconn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			drop(fr, c, strerror(errno));
			return;
		}
		c->out_off += (size_t)n;
	}
}

static void read_conn(struct frames *fr, struct fconn *c)
{
	const V2x__Wire__Frame *f;
	int rc = bw_reader_fill(&c->r);

	if (rc == V2X_ETIMEOUT)
		return;
	if (rc < 0) {
		drop(fr, c, v2x_strerror(rc));
		return;
	}
	while ((rc = bw_reader_next(&c->r, &f)) == 1) {
		if (f->msg_case == V2X__WIRE__FRAME__MSG_ACK && f->ack->seq > c->acked)
			c->acked = f->ack->seq;
		if (f->msg_case == V2X__WIRE__FRAME__MSG_BYE) {
			drop(fr, c, f->bye->text ? f->bye->text : "Bye");
			return;
		}
	}
	if (rc < 0)
		drop(fr, c, v2x_frame_parser_error(&c->r.parser));
}

/* One turn: reconnect, fill, write, wait for acks. */
static void turn(struct frames *fr, bool hb, uint64_t now)
{
	size_t k = fr->cfg->connections;

	for (size_t i = 0; i < k; i++) {
		struct fconn *c = &fr->conns[i];

		fr->pfd[i] = (struct pollfd){ .fd = -1 };
		if (!c->open)
			reconnect(fr, c, now);
		if (!c->open)
			continue;
		fill(fr, c);
		if (hb)
			heartbeat(c);
		flush(fr, c);
		fr->pfd[i] = (struct pollfd){
			.fd = c->open ? c->fd : -1,
			.events = (short)(POLLIN | (c->out_off < c->out_len ? POLLOUT : 0))
		};
	}
	if (poll(fr->pfd, k, 10) > 0)
		for (size_t i = 0; i < k; i++)
			if ((fr->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    fr->conns[i].open)
				read_conn(fr, &fr->conns[i]);
}

static void run(struct frames *fr)
{
	const struct ld_frames_config *cfg = fr->cfg;
	uint64_t t0 = v2x_clock_mono_ns(), warm = t0 + (uint64_t)(cfg->warmup_s * 1e9);
	uint64_t end = t0 + (uint64_t)(cfg->duration_s * 1e9), next_hb = t0, now;
	bool warmed = false;

	while ((now = v2x_clock_mono_ns()) < end) {
		if (!warmed && now >= warm) {
			for (size_t i = 0; i < cfg->connections; i++)
				fr->conns[i].acked_at_warm = fr->conns[i].acked;
			warm = now;
			warmed = true;
		}
		turn(fr, now >= next_hb, now);
		if (now >= next_hb)
			next_hb = now + HEARTBEAT_MS * 1000000ull;
	}
	fr->res->seconds = warmed ? (double)(now - warm) / 1e9 : 0;
	for (size_t i = 0; i < cfg->connections; i++) {
		struct fconn *c = &fr->conns[i];

		fr->res->acked += c->acked - c->base_seq;
		fr->res->acked_measured += warmed ? c->acked - c->acked_at_warm : 0;
	}
}

static void close_conns(struct frames *fr)
{
	int fds[MAX_CONNS];
	size_t n = 0;

	for (size_t i = 0; fr->conns && i < fr->cfg->connections && n < MAX_CONNS; i++)
		fds[n++] = fr->conns[i].open ? fr->conns[i].fd : -1;
	bw_goodbye(fds, n, GOODBYE_MS);
	for (size_t i = 0; fr->conns && i < fr->cfg->connections; i++) {
		struct fconn *c = &fr->conns[i];

		if (c->out)
			disconnect(c);
		free(c->out);
	}
	free(fr->conns);
	free(fr->pfd);
}

int ld_frames_run(const struct ld_field *f, const struct ld_frames_config *cfg,
                  struct ld_frames_result *res, char *err, size_t errlen)
{
	struct frames fr = { .cfg = cfg, .res = res };
	int rc = -1;

	memset(res, 0, sizeof(*res));
	v2x_arena_init(&fr.arena, 1 << 20, 0);
	fr.conns = calloc(cfg->connections, sizeof(*fr.conns));
	fr.pfd = calloc(cfg->connections, sizeof(*fr.pfd));
	if (!fr.conns || !fr.pfd) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (pack_all(&fr, f, err, errlen) != 0)
		goto out;
	for (size_t i = 0; i < cfg->connections; i++)
		if (open_conn(&fr, &fr.conns[i], i, err, errlen) != 0)
			goto out;
	run(&fr);
	res->frame_bytes_mean = fr.frames ? (double)fr.frame_bytes / (double)fr.frames : 0;
	rc = 0;
out:
	close_conns(&fr);
	free(fr.msgs);
	v2x_arena_fini(&fr.arena);
	return rc;
}
