/*
 * bench_agent: the throughput and the added latency of the real v2x-agent.
 *
 *   bench-agent V2X_AGENT [MESSAGES]
 *
 * Starts the agent (its spool in a temporary folder, fsync none) against
 * an in-process sink that acknowledges everything, and sends it BSMs by
 * UDP on the loopback interface:
 *
 * 1. throughput: as fast as the agent takes them (a window of datagrams in
 *    flight, so that none is lost to a full socket buffer).  The figure is
 *    per second of the agent's own CPU time (it is one thread: one core),
 *    measured from /proc; the wall-clock rate is printed too.
 * 2. latency at 10,000 BSM/s for 3 s, one datagram every 100 µs: the
 *    agent's own histogram of the time from a datagram's receipt to the
 *    write that carries its observation (v2x_agent_forward_seconds, from
 *    /metrics), and the end-to-end time
 *    from the UDP send to the sink's read, with the loopback's own UDP
 *    latency measured in the same run as the baseline.
 *
 * The baseline of the throughput is the codec alone decoding the same
 * BSMs in this process.  One figure per line, `name: value unit`.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codecs/codec.h"
#include "codecs/samples.h"
#include "rsu-agent/bench/sink.h"
#include "runtime/arena.h"
#include "runtime/clock.h"

#define DISTINCT  50000 /* distinct BSMs, cycled */
#define WINDOW    1000  /* datagrams in flight at most, throughput phase */
#define RATE      10000 /* BSM/s, latency phase */
#define RATE_SECS 3
#define BATCH     32

_Static_assert(RATE *RATE_SECS < DISTINCT, "the latency phase needs an id per BSM");

struct frames {
	uint8_t (*bytes)[256];
	size_t *len;
	size_t n;
};

static int encode_bsms(struct frames *fr, uint64_t first)
{
	struct v2x_codec *c = v2x_codec_new(NULL);
	struct v2x_arena arena;
	struct v2x_msg m;
	int rc = 0;

	v2x_arena_init(&arena, 0, 0);
	fr->bytes = malloc(DISTINCT * sizeof(*fr->bytes));
	fr->len = malloc(DISTINCT * sizeof(*fr->len));
	fr->n = DISTINCT;
	if (!c || !fr->bytes || !fr->len || v2x_sample_build(V2X_MSG_BSM, &arena, &m) != 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < DISTINCT; i++) {
		uint64_t n = first + i;

		for (int b = 0; b < 8; b++)
			m.u.bsm.id[7 - b] = (uint8_t)(n >> (8 * b));
		m.u.bsm.msg_cnt = (uint8_t)(n % 128);
		rc = v2x_codec_encode(c, &m, fr->bytes[i], sizeof(fr->bytes[i]), &fr->len[i]);
	}
	v2x_arena_fini(&arena);
	v2x_codec_free(c);
	return rc;
}

/* Nanoseconds per decode of the frames by the codec alone. */
static double decode_ns(const struct frames *fr, size_t rounds)
{
	struct v2x_codec *c = v2x_codec_new(NULL);
	const struct v2x_msg *m;
	uint64_t t0 = v2x_clock_mono_ns();
	size_t ok = 0;

	for (size_t i = 0; i < rounds; i++)
		ok += v2x_codec_decode(c, fr->bytes[i % fr->n], fr->len[i % fr->n], &m) == 0;
	t0 = v2x_clock_mono_ns() - t0;
	v2x_codec_free(c);
	return ok == rounds ? (double)t0 / (double)rounds : NAN;
}

static int free_port(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, type, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static pid_t spawn_agent(const char *bin, int sink, int udp, int http, const char *spool)
{
	char a_broker[64], a_listen[64], a_metrics[64], a_spool[512];
	pid_t pid;

	snprintf(a_broker, sizeof(a_broker), "--broker=127.0.0.1:%d", sink);
	snprintf(a_listen, sizeof(a_listen), "--listen=127.0.0.1:%d", udp);
	snprintf(a_metrics, sizeof(a_metrics), "--metrics=127.0.0.1:%d", http);
	snprintf(a_spool, sizeof(a_spool), "--spool-dir=%s", spool);
	pid = fork();
	if (pid == 0) {
		/* Freshness off: the BSMs are encoded once, up front.  The
		 * duplicate table stays on with a window shorter than a cycle. */
		execl(bin, bin, "--config=/dev/null", "--id=bench", a_broker, a_listen, a_metrics,
		      a_spool, "--fsync=none", "--max-age=0", "--max-future=0",
		      "--dup-window=100ms", "--udp-rcvbuf=8M", "--log-level=warn", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* CPU seconds (user + system) the process has used, from /proc. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return NAN;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return NAN;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* GET path from 127.0.0.1:port into buf; returns the bytes read or -1. */
static ssize_t http_get(int port, const char *path, char *buf, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[128];
	size_t have = 0;
	ssize_t n;

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	while (have + 1 < cap && (n = read(fd, buf + have, cap - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	close(fd);
	return (ssize_t)have;
}

/* Cumulative bucket counts of one histogram: le[i] (s) and count[i]. */
struct hist {
	double le[64];
	double count[64];
	int n;
};

static int scrape_hist(int port, const char *name, struct hist *h)
{
	static char buf[1 << 20];
	char key[128];
	const char *p = buf;

	h->n = 0;
	if (http_get(port, "/metrics", buf, sizeof(buf)) < 0)
		return -1;
	snprintf(key, sizeof(key), "%s_bucket{", name);
	while ((p = strstr(p, key)) && h->n < 64) {
		const char *le = strstr(p, "le=\"");
		const char *close = le ? strchr(le, '}') : NULL;

		if (!le || !close)
			break;
		h->le[h->n] = strncmp(le + 4, "+Inf", 4) == 0 ? INFINITY : strtod(le + 4, NULL);
		h->count[h->n] = strtod(close + 1, NULL);
		h->n++;
		p = close;
	}
	return h->n > 0 ? 0 : -1;
}

/* The q quantile, µs, of the samples added between a and b. */
static double hist_quantile(const struct hist *a, const struct hist *b, double q)
{
	double total = b->count[b->n - 1] - a->count[a->n - 1], want = q * total, lo = 0;

	for (int i = 0; i < b->n; i++) {
		double c = b->count[i] - a->count[i];
		double prev = i ? b->count[i - 1] - a->count[i - 1] : 0;

		if (c >= want && c > prev) {
			double hi = isinf(b->le[i]) ? lo : b->le[i];

			return 1e6 * (lo + (hi - lo) * (want - prev) / (c - prev));
		}
		lo = isinf(b->le[i]) ? lo : b->le[i];
	}
	return NAN;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static double pct(uint64_t *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	return (double)v[(size_t)(q * (double)(n - 1))] / 1000.0;
}

struct sender {
	int fd;
	struct frames *fr;
	uint64_t first; /* BSM number of fr->bytes[0] */
};

static int send_range(struct sender *s, uint64_t from, uint64_t to, uint64_t *sent_ns)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	size_t k = 0;

	for (uint64_t n = from; n < to; n++, k++) {
		size_t i = (size_t)((n - s->first) % s->fr->n);

		iov[k].iov_base = s->fr->bytes[i];
		iov[k].iov_len = s->fr->len[i];
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
		if (sent_ns)
			sent_ns[s->first + i] = v2x_clock_mono_ns();
	}
	return sendmmsg(s->fd, mm, (unsigned)k, 0) == (int)k ? 0 : -1;
}

struct run {
	const char *agent_bin;
	struct bench_sink sink;
	struct sender tx;
	pid_t pid;
	int http;
	uint64_t total;
};

/* Sends total BSMs keeping at most WINDOW not yet at the sink. */
static int throughput(struct run *r, double *per_cpu_s, double *per_wall_s)
{
	uint64_t base = atomic_load(&r->sink.observations), sent = 0, t0;
	double c0 = cpu_seconds(r->pid);

	t0 = v2x_clock_mono_ns();
	while (atomic_load(&r->sink.observations) - base < r->total) {
		uint64_t got = atomic_load(&r->sink.observations) - base;

		if (sent < r->total && sent - got + BATCH <= WINDOW) {
			uint64_t k = r->total - sent < BATCH ? r->total - sent : BATCH;

			if (send_range(&r->tx, r->tx.first + sent, r->tx.first + sent + k, NULL) !=
			    0)
				return -1;
			sent += k;
		} else if (v2x_clock_mono_ns() - t0 > 120ull * 1000000000ull) {
			fprintf(stderr, "bench-agent: %llu of %llu arrived in 120 s\n",
			        (unsigned long long)got, (unsigned long long)r->total);
			return -1;
		}
	}
	t0 = v2x_clock_mono_ns() - t0;
	*per_cpu_s = (double)r->total / (cpu_seconds(r->pid) - c0);
	*per_wall_s = (double)r->total / ((double)t0 / 1e9);
	return 0;
}

/* UDP one-way latency on the loopback, µs quantiles: the baseline. */
static int udp_baseline(double *p50, double *p99)
{
	enum { N = 5000 };
	uint64_t lat[N];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t buf[64] = { 0 };

	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(rx, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	for (int i = 0; i < N; i++) {
		uint64_t t = v2x_clock_mono_ns();

		sendto(tx, buf, 60, 0, (struct sockaddr *)&a, sizeof(a));
		if (recv(rx, buf, sizeof(buf), 0) < 0)
			return -1;
		lat[i] = v2x_clock_mono_ns() - t;
	}
	close(rx);
	close(tx);
	qsort(lat, N, sizeof(lat[0]), cmp_u64);
	*p50 = pct(lat, N, 0.5);
	*p99 = pct(lat, N, 0.99);
	return 0;
}

/* RATE BSM/s for RATE_SECS; quantiles of the agent's histogram and of the
 * end-to-end times. */
static int latency(struct run *r, double q[4])
{
	uint64_t n = (uint64_t)RATE * RATE_SECS, from = r->tx.first + r->total;
	uint64_t *sent = calloc(r->tx.first + DISTINCT, sizeof(*sent));
	uint64_t *lat = calloc(n, sizeof(*lat));
	struct hist h0, h1;
	uint64_t t0;
	size_t m = 0;

	if (!sent || !lat || scrape_hist(r->http, "v2x_agent_forward_seconds", &h0) != 0)
		goto fail;
	/* One datagram every 100 µs, as a radio forwards what it hears.  The
	 * sender sleeps rather than spins: on two cores a spinning sender
	 * takes the agent's core from it, and that would be measured as the
	 * agent's latency. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	t0 = v2x_clock_mono_ns();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t due = t0 + i * (1000000000ull / RATE), now = v2x_clock_mono_ns();

		if (now < due) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(due - now) };

			nanosleep(&ts, NULL);
		}
		if (send_range(&r->tx, from + i, from + i + 1, sent) != 0)
			goto fail;
	}
	usleep(500000);
	if (scrape_hist(r->http, "v2x_agent_forward_seconds", &h1) != 0)
		goto fail;
	/* Fewer BSMs than DISTINCT: each id of this phase was sent once in it. */
	for (uint64_t i = 0; i < r->tx.first + DISTINCT; i++)
		if (sent[i] && r->sink.arrive_ns[i] > sent[i])
			lat[m++] = r->sink.arrive_ns[i] - sent[i];
	qsort(lat, m, sizeof(lat[0]), cmp_u64);
	q[0] = hist_quantile(&h0, &h1, 0.5);
	q[1] = hist_quantile(&h0, &h1, 0.99);
	q[2] = pct(lat, m, 0.5);
	q[3] = pct(lat, m, 0.99);
	printf("agent_latency_delivered: %zu of %llu count\n", m, (unsigned long long)n);
	free(sent);
	free(lat);
	return 0;
fail:
	free(sent);
	free(lat);
	return -1;
}

static int connect_udp(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int wait_up(struct run *r)
{
	char buf[256];

	for (int i = 0; i < 200; i++) {
		if (http_get(r->http, "/healthz", buf, sizeof(buf)) > 0 && strstr(buf, " 200 "))
			return 0;
		usleep(20000);
	}
	return -1;
}

static int measure(struct run *r, const char *spool)
{
	double dec, cpu_rate, wall_rate, up50, up99, q[4];
	int udp = free_port(SOCK_DGRAM);

	r->http = free_port(SOCK_STREAM);
	dec = decode_ns(r->tx.fr, 200000);
	if (udp_baseline(&up50, &up99) != 0)
		return -1;
	r->pid = spawn_agent(r->agent_bin, r->sink.port, udp, r->http, spool);
	if (r->pid < 0 || wait_up(r) != 0 || (r->tx.fd = connect_udp(udp)) < 0)
		return -1;
	usleep(200000); /* the link connects */
	if (throughput(r, &cpu_rate, &wall_rate) != 0 || latency(r, q) != 0)
		return -1;
	printf("codec_decode_bsm_per_s: %.0f msg/s\n", 1e9 / dec);
	printf("agent_bsm_per_s: %.0f msg/s\n", cpu_rate);
	printf("agent_bsm_per_wall_s: %.0f msg/s\n", wall_rate);
	printf("agent_vs_decode_ratio: %.3f ratio\n", cpu_rate / (1e9 / dec));
	printf("agent_added_p50_us: %.1f us\n", q[0]);
	printf("agent_added_p99_us: %.1f us\n", q[1]);
	printf("agent_e2e_p50_us: %.1f us\n", q[2]);
	printf("agent_e2e_p99_us: %.1f us\n", q[3]);
	printf("udp_loopback_p50_us: %.1f us\n", up50);
	printf("udp_loopback_p99_us: %.1f us\n", up99);
	printf("agent_e2e_vs_udp_p99_ratio: %.2f ratio\n", q[3] / up99);
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { .agent_bin = argc > 1 ? argv[1] : "v2x-agent" };
	struct frames fr;
	char spool[] = "/tmp/v2x-bench-agent-XXXXXX";
	char cmd[600];
	int rc = 1, status;

	r.total = argc > 2 ? strtoull(argv[2], NULL, 10) : 300000;
	r.tx.fr = &fr;
	r.tx.first = 1;
	if (encode_bsms(&fr, 1) != 0 || !mkdtemp(spool) ||
	    bench_sink_start(&r.sink, r.tx.first + DISTINCT) != 0) {
		fprintf(stderr, "bench-agent: setup failed: %s\n", strerror(errno));
		free(fr.bytes);
		free(fr.len);
		return 1;
	}
	if (measure(&r, spool) == 0)
		rc = 0;
	else
		fprintf(stderr, "bench-agent: the measurement failed (is %s the agent?)\n",
		        r.agent_bin);
	if (r.pid > 0) {
		kill(r.pid, SIGTERM);
		waitpid(r.pid, &status, 0);
	}
	bench_sink_stop(&r.sink);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-agent: could not remove %s\n", spool);
	free(fr.bytes);
	free(fr.len);
	return rc;
}
