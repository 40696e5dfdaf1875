/*
 * agents: the load as radios deliver it.  Vehicles drive the test field
 * and send a BSM every 1/rate s, each vehicle at its own phase within the
 * period, UPER-encoded and sent by UDP to the agent it is assigned to
 * (vehicle i to agent i mod K); one agent also hears an RSI of rockfall
 * events every 1/events_per_s s, each RSI carrying the newest events (a
 * new one each time, the older ones repeated).
 *
 * Everything is encoded before the first send, with the secMark of the
 * time it is due, so that the sending loop does nothing but sendmmsg():
 * on two cores the generator must take as little as possible from the
 * agents and the broker it loads.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "broker/bench/load/load.h"
#include "codecs/codec.h"
#include "runtime/addr.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define BATCH       64
#define MAX_ITEMS   (20u * 1000u * 1000u) /* pre-encoded datagrams */
#define MAX_UPER    512                   /* bytes of one encoded BSM or RSI */
#define EVENT_SPOTS 4096
#define EVENT_SPACE 300.0 /* m between event spots on a lane */
#define TRIAL       2000  /* BSMs encoded to time the encoder */

struct item {
	uint64_t due_ns; /* after the start */
	size_t off;      /* in the pool */
	uint16_t len;
	uint16_t agent;
	bool rsi;
};

struct plan {
	struct item *items;
	size_t n, cap;
	uint8_t *pool;
	size_t used, pool_cap;
	struct sockaddr_storage *dest;
	size_t n_dest;
	int64_t wall0_us; /* when due_ns 0 is */
};

static int add_item(struct plan *p, struct v2x_codec *c, const struct v2x_msg *m, uint64_t due,
                    uint16_t agent)
{
	size_t len;
	int rc;

	if (p->n == p->cap || p->pool_cap - p->used < MAX_UPER)
		return V2X_ENOMEM;
	rc = v2x_codec_encode(c, m, p->pool + p->used, MAX_UPER, &len);
	if (rc != 0)
		return rc;
	p->items[p->n++] =
	        (struct item){ due, p->used, (uint16_t)len, agent, m->type == V2X_MSG_RSI };
	p->used += len;
	return 0;
}

static double sec_mark_at(const struct plan *p, uint64_t due_ns)
{
	int64_t ms = (p->wall0_us + (int64_t)(due_ns / 1000)) / 1000;

	return (double)(ms % 60000) / 1000.0;
}

/* Every BSM of the run, in the order they are due. */
static int plan_bsms(struct plan *p, const struct ld_field *f, const struct ld_agents_config *cfg,
                     struct v2x_codec *c, struct ld_vehicle *v)
{
	size_t steps = (size_t)ceil(cfg->duration_s * cfg->rate_hz);
	double period_ns = 1e9 / cfg->rate_hz;
	struct v2x_msg m = { .type = V2X_MSG_BSM };
	int rc = 0;

	for (size_t k = 0; rc == 0 && k < steps; k++) {
		for (size_t i = 0; rc == 0 && i < cfg->vehicles; i++) {
			uint64_t due = (uint64_t)(period_ns *
			                          ((double)k + (double)i / (double)cfg->vehicles));

			rc = ld_vehicle_bsm(f, &v[i], sec_mark_at(p, due), &m.u.bsm);
			if (rc == 0)
				rc = add_item(p, c, &m, due, (uint16_t)(i % cfg->n_agents));
			ld_vehicle_step(f, &v[i], 1.0 / cfg->rate_hz);
		}
	}
	return rc;
}

/* The RSIs, sent to agent 0; each carries the newest events_active events. */
static int plan_rsis(struct plan *p, const struct ld_field *f, const struct ld_agents_config *cfg,
                     struct v2x_codec *c)
{
	static struct ld_event_spot spots[EVENT_SPOTS];
	size_t n_spots = ld_event_spots(f, EVENT_SPACE, spots, EVENT_SPOTS);
	size_t events = (size_t)floor(cfg->duration_s * cfg->events_per_s);
	struct ld_event_spot active[V2X_RTES_MAX];
	uint8_t ids[V2X_RTES_MAX];
	struct v2x_arena arena;
	int rc = n_spots ? 0 : V2X_ENOTFOUND;

	v2x_arena_init(&arena, 0, 0);
	for (size_t e = 0; rc == 0 && e < events; e++) {
		uint64_t due = (uint64_t)(1e9 * (double)e / cfg->events_per_s);
		size_t n = e + 1 < cfg->events_active ? e + 1 : cfg->events_active;
		struct v2x_msg m = { .type = V2X_MSG_RSI };

		for (size_t j = 0; j < n; j++) {
			active[j] = spots[(e - j) % n_spots];
			ids[j] = (uint8_t)((e - j) % 255 + 1);
		}
		v2x_arena_reset(&arena);
		rc = ld_event_rsi(f, active, ids, n, (p->wall0_us + (int64_t)(due / 1000)) / 1000,
		                  (uint8_t)(e % 128), &arena, &m.u.rsi);
		if (rc == 0)
			rc = add_item(p, c, &m, due, 0);
	}
	v2x_arena_fini(&arena);
	return rc;
}

static int cmp_due(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return (x->due_ns > y->due_ns) - (x->due_ns < y->due_ns);
}

/* Nanoseconds one BSM takes to encode here, from a trial on copies of
 * the first vehicles (at most TRIAL of them). */
static double encode_cost_ns(const struct ld_field *f, struct v2x_codec *c,
                             const struct ld_vehicle *v, size_t n)
{
	struct v2x_msg m = { .type = V2X_MSG_BSM };
	uint8_t buf[MAX_UPER];
	size_t len, k = 0;
	uint64_t t0 = v2x_clock_mono_ns();

	for (; k < n && k < TRIAL; k++) {
		struct ld_vehicle copy = v[k];

		if (ld_vehicle_bsm(f, &copy, 12.3, &m.u.bsm) != 0 ||
		    v2x_codec_encode(c, &m, buf, sizeof(buf), &len) != 0)
			return NAN;
	}
	return k ? (double)(v2x_clock_mono_ns() - t0) / (double)k : NAN;
}

static int resolve(struct plan *p, const struct ld_agents_config *cfg, char *err, size_t errlen)
{
	p->dest = calloc(cfg->n_agents, sizeof(*p->dest));
	if (!p->dest)
		return -1;
	for (size_t a = 0; a < cfg->n_agents; a++) {
		char host[256];
		uint16_t port;

		if (v2x_addr_split(cfg->agents[a], host, sizeof(host), &port) != 0 ||
		    v2x_addr_ip(host, port, &p->dest[a]) != 0) {
			snprintf(err, errlen, "agent '%s': expected a numeric HOST:PORT",
			         cfg->agents[a]);
			return -1;
		}
	}
	p->n_dest = cfg->n_agents;
	return 0;
}

static int plan_all(struct plan *p, const struct ld_field *f, const struct ld_agents_config *cfg,
                    struct ld_agents_result *res, char *err, size_t errlen)
{
	double total = ceil(cfg->duration_s * cfg->rate_hz) * (double)cfg->vehicles +
	               floor(cfg->duration_s * cfg->events_per_s);
	struct ld_vehicle *v = calloc(cfg->vehicles, sizeof(*v));
	struct v2x_codec *c = v2x_codec_new(NULL);
	uint64_t t0 = v2x_clock_mono_ns();
	double cost;
	int rc = -1;

	if (total > MAX_ITEMS) {
		snprintf(err, errlen, "%.0f datagrams: more than %u (shorten --duration)", total,
		         MAX_ITEMS);
		goto out;
	}
	p->cap = (size_t)total;
	p->pool_cap = p->cap * 64 + MAX_UPER;
	p->items = malloc(p->cap * sizeof(*p->items));
	p->pool = malloc(p->pool_cap);
	if (!v || !c || !p->items || !p->pool) {
		snprintf(err, errlen, "out of memory for %zu datagrams", p->cap);
		goto out;
	}
	ld_vehicles_place(f, v, cfg->vehicles, 0xa0, cfg->seed);
	cost = encode_cost_ns(f, c, v, cfg->vehicles);
	/* The first BSM is due once they are all encoded, with a margin. */
	p->wall0_us = v2x_clock_wall_us() +
	              (int64_t)(isfinite(cost) ? 1.3 * cost * total / 1e3 : 0) + 300000;
	rc = plan_bsms(p, f, cfg, c, v);
	if (rc == 0)
		rc = plan_rsis(p, f, cfg, c);
	if (rc != 0)
		snprintf(err, errlen, "encoding the load: %s: %s", v2x_strerror(rc),
		         v2x_codec_error(c));
	qsort(p->items, p->n, sizeof(*p->items), cmp_due);
	res->encode_s = (double)(v2x_clock_mono_ns() - t0) / 1e9;
out:
	v2x_codec_free(c);
	free(v);
	return rc == 0 ? 0 : -1;
}

static void bsm_size(const struct plan *p, struct ld_agents_result *res)
{
	double bytes = 0, n = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (!p->items[i].rsi) {
			bytes += p->items[i].len;
			n++;
		}
	}
	res->bsm_bytes_mean = n > 0 ? bytes / n : 0;
}

/* Sends items [from, to): one sendmmsg per BATCH.  Returns those sent. */
static size_t send_batch(struct plan *p, int fd, size_t from, size_t to)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	size_t k = 0;
	int n;

	for (size_t i = from; i < to; i++, k++) {
		const struct item *it = &p->items[i];

		iov[k] = (struct iovec){ p->pool + it->off, it->len };
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_name = &p->dest[it->agent];
		mm[k].msg_hdr.msg_namelen = p->dest[it->agent].ss_family == AF_INET6
		                                    ? sizeof(struct sockaddr_in6)
		                                    : sizeof(struct sockaddr_in);
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(fd, mm, (unsigned)k, 0);
	return n < 0 ? 0 : (size_t)n;
}

static void sleep_until(uint64_t t_ns)
{
	uint64_t now = v2x_clock_mono_ns();

	if (t_ns > now) {
		struct timespec ts = { .tv_sec = (time_t)((t_ns - now) / 1000000000u),
			               .tv_nsec = (long)((t_ns - now) % 1000000000u) };

		nanosleep(&ts, NULL);
	}
}

static void account(const struct plan *p, size_t from, size_t to, uint64_t now,
                    struct ld_agents_result *res)
{
	for (size_t i = from; i < to; i++) {
		bh_add(&res->late, (int64_t)(now - p->items[i].due_ns) / 1000);
		if (p->items[i].rsi)
			res->rsi_sent++;
		else
			res->bsm_sent++;
	}
}

/* Sends every item when it is due. */
static void send_all(struct plan *p, int fd, const struct ld_agents_config *cfg,
                     struct ld_agents_result *res)
{
	int64_t wait_us = p->wall0_us - v2x_clock_wall_us();
	uint64_t t0, warm_ns = (uint64_t)(cfg->warmup_s * 1e9), now = 0;
	bool warm = false;
	size_t i = 0;

	/* The sender sleeps rather than spins: a spinning sender would take a
	 * core from the agents and the broker it is measuring. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	if (wait_us > 0)
		sleep_until(v2x_clock_mono_ns() + (uint64_t)wait_us * 1000u);
	t0 = v2x_clock_mono_ns() - (wait_us < 0 ? (uint64_t)-wait_us * 1000u : 0);
	while (i < p->n) {
		size_t j = i, sent;

		now = v2x_clock_mono_ns() - t0;
		while (j < p->n && j - i < BATCH && p->items[j].due_ns <= now)
			j++;
		if (j == i) {
			sleep_until(t0 + p->items[i].due_ns);
			continue;
		}
		sent = send_batch(p, fd, i, j);
		res->send_errors += j - i - sent;
		account(p, i, j, now, res);
		i = j;
		if (!warm && now >= warm_ns && cfg->on_warm) {
			cfg->on_warm(cfg->arg);
			warm = true;
		}
	}
	res->seconds = (double)now / 1e9;
}

int ld_agents_run(const struct ld_field *f, const struct ld_agents_config *cfg,
                  struct ld_agents_result *res, char *err, size_t errlen)
{
	struct plan p = { 0 };
	int fd = -1, sz = 8 << 20, rc = -1;

	memset(res, 0, sizeof(*res));
	bh_init(&res->late);
	if (resolve(&p, cfg, err, errlen) != 0 || plan_all(&p, f, cfg, res, err, errlen) != 0)
		goto out;
	fd = socket(p.dest[0].ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	bsm_size(&p, res);
	send_all(&p, fd, cfg, res);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(p.items);
	free(p.pool);
	free(p.dest);
	return rc;
}
