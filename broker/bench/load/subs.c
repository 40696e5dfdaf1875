/*
 * subs: subscriber connections that measure how late warnings arrive.
 *
 * Every connection says Hello as a subscriber and subscribes (to every
 * warning, or to some types); then one thread polls them all, parses each
 * frame with the project's parser and records, for each Warning, the wall
 * time of the read that brought it minus the Warning's trigger_rx_time_us
 * (the agent's receive time of the BSM that triggered it).  Agents,
 * broker and subscribers share this machine's clock, so the difference is
 * the end-to-end latency.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/bench/load/load.h"
#include "broker/bench/wio.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define SUB_TIMEOUT_MS  5000
#define SUB_DEFAULT_HB  1000 /* ms, when the HelloAck gives none */
#define SUBSCRIPTION_ID 1
#define GOODBYE_MS      1000 /* the broker's answer to our Bye */

struct ld_sub {
	int fd;
	bool open;
	struct bw_reader r;
};

struct ld_subs {
	struct ld_subs_config cfg;
	struct ld_sub *subs;
	struct pollfd *pfd;
	size_t n;
	uint32_t heartbeat_ms;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	atomic_uint record_gen; /* bumped by ld_subs_record() */
	/* The thread's own from here. */
	unsigned seen_gen;
	uint64_t closed; /* over the whole run, warm-up included */
	uint64_t rec_start_ns, rec_end_ns;
	struct ld_subs_result res;
};

static int send_subscribe(int fd, uint32_t types)
{
	V2x__Wire__Subscribe s = V2X__WIRE__SUBSCRIBE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	V2x__Wire__WarningType t[32];

	s.has_subscription_id = 1;
	s.subscription_id = SUBSCRIPTION_ID;
	for (unsigned k = 1; k < 32; k++)
		if (types & (1u << k))
			t[s.n_warning_types++] = (V2x__Wire__WarningType)k;
	s.warning_types = t;
	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	f.subscribe = &s;
	return bw_send(fd, &f);
}

/* Waits for the SubscribeResult, skipping heartbeats.  0 or -1 (err). */
static int await_result(struct ld_sub *sub, char *err, size_t errlen)
{
	const V2x__Wire__Frame *f;
	int rc;

	while ((rc = bw_reader_wait(&sub->r, SUB_TIMEOUT_MS, &f)) == 1) {
		const V2x__Wire__SubscribeResult *sr = f->subscribe_result;

		if (f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT)
			continue;
		if (f->msg_case != V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT) {
			snprintf(err, errlen, "frame %d instead of a SubscribeResult",
			         (int)f->msg_case);
			return -1;
		}
		if (sr->has_status &&
		    sr->status == V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_OK)
			return 0;
		snprintf(err, errlen, "Subscribe refused: status %d: %s", (int)sr->status,
		         sr->reason ? sr->reason : "");
		return -1;
	}
	snprintf(err, errlen, "no SubscribeResult: %s", v2x_strerror(rc));
	return -1;
}

static int open_sub(struct ld_subs *s, struct ld_sub *sub, char *err, size_t errlen)
{
	uint64_t last_seq;
	uint32_t hb;

	sub->fd = bw_connect(s->cfg.addr, SUB_TIMEOUT_MS, err, errlen);
	if (sub->fd < 0)
		return -1;
	sub->open = true;
	if (bw_reader_init(&sub->r, sub->fd) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (bw_handshake(&sub->r, V2X__WIRE__ROLE__ROLE_SUBSCRIBER, s->cfg.account, s->cfg.token,
	                 SUB_TIMEOUT_MS, &last_seq, &hb, err, errlen) != 0)
		return -1;
	if (hb > 0 && hb < s->heartbeat_ms)
		s->heartbeat_ms = hb;
	if (send_subscribe(sub->fd, s->cfg.types) != 0) {
		snprintf(err, errlen, "Subscribe: %s", strerror(errno));
		return -1;
	}
	if (await_result(sub, err, errlen) != 0)
		return -1;
	return bw_nonblock(sub->fd);
}

static void close_all(struct ld_subs *s)
{
	int *fds = calloc(s->n + 1, sizeof(*fds));

	for (size_t i = 0; fds && i < s->n; i++)
		fds[i] = s->subs[i].open ? s->subs[i].fd : -1;
	if (fds)
		bw_goodbye(fds, s->n, GOODBYE_MS);
	free(fds);
	for (size_t i = 0; i < s->n; i++) {
		if (s->subs[i].fd >= 0) {
			bw_reader_fini(&s->subs[i].r);
			close(s->subs[i].fd);
		}
	}
	free(s->subs);
	free(s->pfd);
	free(s);
}

static void on_frame(struct ld_subs *s, const V2x__Wire__Frame *f, int64_t now_us, bool rec)
{
	struct ld_subs_result *r = &s->res;

	if (!rec)
		return;
	if (f->msg_case == V2X__WIRE__FRAME__MSG_WARNING) {
		r->warnings++;
		if (f->warning->has_trigger_rx_time_us)
			bh_add(&r->lat, now_us - (int64_t)f->warning->trigger_rx_time_us);
		else
			r->missing_trigger++;
	} else if (f->msg_case == V2X__WIRE__FRAME__MSG_CANCELLATION) {
		r->cancellations++;
	} else if (f->msg_case != V2X__WIRE__FRAME__MSG_HEARTBEAT) {
		r->other++;
	}
}

static void drop(struct ld_subs *s, struct ld_sub *sub, const char *why)
{
	fprintf(stderr, "v2x-load: subscriber connection closed: %s\n", why);
	sub->open = false;
	s->closed++;
}

/* Reads what one readable connection has and handles its frames. */
static void read_sub(struct ld_subs *s, struct ld_sub *sub, bool rec)
{
	const V2x__Wire__Frame *f;
	int64_t now_us;
	int rc = bw_reader_fill(&sub->r);

	if (rc == V2X_ETIMEOUT)
		return;
	if (rc < 0) {
		drop(s, sub, v2x_strerror(rc));
		return;
	}
	now_us = v2x_clock_wall_us();
	while ((rc = bw_reader_next(&sub->r, &f)) == 1) {
		if (f->msg_case == V2X__WIRE__FRAME__MSG_BYE) {
			drop(s, sub, f->bye->text ? f->bye->text : "Bye");
			return;
		}
		on_frame(s, f, now_us, rec);
	}
	if (rc < 0)
		drop(s, sub, v2x_frame_parser_error(&sub->r.parser));
}

static void heartbeats(struct ld_subs *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->subs[i].open && bw_heartbeat(s->subs[i].fd) != 0 && errno != EAGAIN)
			drop(s, &s->subs[i], strerror(errno));
}

/* Starts recording afresh when ld_subs_record() asked for it. */
static bool check_record(struct ld_subs *s)
{
	unsigned gen = atomic_load(&s->record_gen);

	if (gen != s->seen_gen) {
		s->seen_gen = gen;
		memset(&s->res, 0, sizeof(s->res));
		bh_init(&s->res.lat);
		s->rec_start_ns = v2x_clock_mono_ns();
	}
	return gen != 0;
}

static void *run(void *arg)
{
	struct ld_subs *s = arg;
	uint64_t next_hb = v2x_clock_mono_ns();

	while (!atomic_load(&s->stop)) {
		bool rec = check_record(s);
		uint64_t now = v2x_clock_mono_ns();

		for (size_t i = 0; i < s->n; i++)
			s->pfd[i] = (struct pollfd){ .fd = s->subs[i].open ? s->subs[i].fd : -1,
				                     .events = POLLIN };
		if (now >= next_hb) {
			heartbeats(s);
			next_hb = now + (uint64_t)s->heartbeat_ms * 500000u;
		}
		if (poll(s->pfd, s->n, 50) <= 0)
			continue;
		for (size_t i = 0; i < s->n; i++)
			if (s->pfd[i].revents && s->subs[i].open)
				read_sub(s, &s->subs[i], rec);
	}
	s->rec_end_ns = v2x_clock_mono_ns();
	return NULL;
}

int ld_subs_start(const struct ld_subs_config *cfg, struct ld_subs **out, char *err, size_t errlen)
{
	struct ld_subs *s = calloc(1, sizeof(*s));

	if (!s || !(s->subs = calloc(cfg->n, sizeof(*s->subs))) ||
	    !(s->pfd = calloc(cfg->n, sizeof(*s->pfd)))) {
		snprintf(err, errlen, "out of memory");
		if (s)
			free(s->subs);
		free(s);
		return -1;
	}
	s->cfg = *cfg;
	s->n = cfg->n;
	s->heartbeat_ms = SUB_DEFAULT_HB;
	for (size_t i = 0; i < s->n; i++)
		s->subs[i].fd = -1;
	for (size_t i = 0; i < s->n; i++) {
		if (open_sub(s, &s->subs[i], err, errlen) != 0) {
			close_all(s);
			return -1;
		}
	}
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snprintf(err, errlen, "cannot start the subscribers' thread");
		close_all(s);
		return -1;
	}
	*out = s;
	return 0;
}

void ld_subs_record(struct ld_subs *s)
{
	atomic_fetch_add(&s->record_gen, 1);
}

void ld_subs_stop(struct ld_subs *s, struct ld_subs_result *res)
{
	uint64_t frames = 0, bytes = 0;

	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->n; i++) {
		struct v2x_frame_parser_stats st = v2x_frame_parser_stats(&s->subs[i].r.parser);

		frames += st.frames;
		bytes += st.bytes;
	}
	*res = s->res;
	res->closed = s->closed;
	res->seconds = s->seen_gen ? (double)(s->rec_end_ns - s->rec_start_ns) / 1e9 : 0;
	/* What the broker sent: nearly all warnings. */
	res->frame_bytes_mean = frames ? (double)bytes / (double)frames : 0;
	close_all(s);
}
