/*
 * bench-mosquitto: the baseline of the broker's benchmark.  The same
 * message size and rate relayed by Debian's Mosquitto, publish ->
 * subscribe, measured in the same run as the broker itself.
 *
 *   bench-mosquitto [--rate=R] [--size=B] [--subscribers=N] [--duration=D]
 *
 * Starts `mosquitto` on a free loopback port with a config of its own
 * (set_tcp_nodelay true, anonymous, no persistence), connects N
 * subscribers and one publisher with libmosquitto (TCP_NODELAY on every
 * client, QoS 0, one topic), publishes R messages of B bytes per second,
 * each carrying its send time and number, and measures the time from
 * mosquitto_publish() to each subscriber's on_message (one clock: the
 * monotonic clock of this process).  The subscribers share one thread
 * polling their sockets, as the broker's own subscribers are read.
 *
 * Figures on stdout, `name: value unit`.  Exit 77 when mosquitto is not
 * installed.
 */
#include <errno.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broker/bench/hist.h"
#include "runtime/clock.h"
#include "runtime/opt.h"

#define TOPIC     "v2x/bench"
#define EXIT_SKIP 77
#define MAX_SUBS  1000
#define STAMP     16 /* bytes of the payload: send time (ns) and number */

struct bm_options {
	double rate;
	size_t size;
	int64_t subscribers;
	int64_t duration_ms, warmup_ms;
	char *mosquitto;
};

/* clang-format off */
static const struct v2x_opt bm_opts[] = {
	{ .name = "rate", .type = V2X_OPT_DOUBLE, .offset = offsetof(struct bm_options, rate),
	  .def = "1000", .dmin = 1, .dmax = 1000000, .help = "messages published per second" },
	{ .name = "size", .type = V2X_OPT_SIZE, .offset = offsetof(struct bm_options, size),
	  .def = "100", .min = STAMP, .max = 1 << 20, .help = "bytes of each message's payload" },
	{ .name = "subscribers", .type = V2X_OPT_INT,
	  .offset = offsetof(struct bm_options, subscribers), .def = "1", .min = 1,
	  .max = MAX_SUBS, .help = "subscriber clients, each receiving every message" },
	{ .name = "duration", .type = V2X_OPT_DURATION,
	  .offset = offsetof(struct bm_options, duration_ms), .def = "5s", .min = 100,
	  .max = 3600000, .help = "publishing time, warm-up included" },
	{ .name = "warmup", .type = V2X_OPT_DURATION,
	  .offset = offsetof(struct bm_options, warmup_ms), .def = "1s", .min = 0,
	  .max = 3600000, .help = "first part, not measured (at most half the duration)" },
	{ .name = "mosquitto", .type = V2X_OPT_STRING,
	  .offset = offsetof(struct bm_options, mosquitto), .def = "/usr/sbin/mosquitto",
	  .metavar = "PATH", .help = "the broker program" },
	V2X_OPT_END,
};
/* clang-format on */

static const struct v2x_opt_table bm_table = {
	.opts = bm_opts,
	.usage = "bench-mosquitto [OPTIONS]",
	.about = "Mosquitto's publish -> subscribe latency at a given message size and rate,\n"
	         "the baseline of the broker's benchmark (Debian's mosquitto, set_tcp_nodelay\n"
	         "true, QoS 0, TCP_NODELAY on every client).  Exits 77 when mosquitto is not\n"
	         "installed.",
};

/* The subscribers' side, owned by their thread while it runs. */
struct bm_subs {
	struct mosquitto *m[MAX_SUBS];
	size_t n;
	atomic_bool stop;
	atomic_uint_fast64_t first_seq; /* messages from this number on are measured */
	atomic_size_t subscribed;
	struct bh_hist lat;
	uint64_t delivered, errors;
};

struct bm_pub {
	atomic_bool connected;
};

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct bm_subs *s = arg;
	uint64_t now = v2x_clock_mono_ns(), sent, seq;

	(void)m;
	if (msg->payloadlen < STAMP)
		return;
	memcpy(&sent, msg->payload, 8);
	memcpy(&seq, (const uint8_t *)msg->payload + 8, 8);
	if (seq < atomic_load(&s->first_seq))
		return;
	bh_add(&s->lat, (int64_t)(now - sent) / 1000);
	s->delivered++;
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *qos)
{
	struct bm_subs *s = arg;

	(void)m;
	(void)mid;
	(void)n;
	(void)qos;
	atomic_fetch_add(&s->subscribed, 1);
}

static void on_sub_connect(struct mosquitto *m, void *arg, int rc)
{
	struct bm_subs *s = arg;

	if (rc != 0 || mosquitto_subscribe(m, NULL, TOPIC, 0) != MOSQ_ERR_SUCCESS)
		s->errors++;
}

static void on_pub_connect(struct mosquitto *m, void *arg, int rc)
{
	struct bm_pub *p = arg;

	(void)m;
	atomic_store(&p->connected, rc == 0);
}

/* Reads every whole packet a client has (loop_read takes one at a time). */
static void read_client(struct bm_subs *s, struct mosquitto *m)
{
	for (int k = 0; k < 1024; k++) {
		int rc;

		errno = 0;
		rc = mosquitto_loop_read(m, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			s->errors++;
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
	}
}

/*
 * The subscribers' thread: epoll, so that a wake-up costs what is ready,
 * not a scan of every socket (at 100 subscribers x 1,000 msg/s a scan per
 * message would be the bottleneck, not Mosquitto).  Writes are rare (the
 * SUBSCRIBE, PINGREQ): each turn sends what a client has queued.
 */
static void *subs_run(void *arg)
{
	struct bm_subs *s = arg;
	struct epoll_event ev[64];
	uint64_t next_misc = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	for (size_t i = 0; ep >= 0 && i < s->n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = s->m[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, mosquitto_socket(s->m[i]), &e) != 0)
			s->errors++;
	}
	while (ep >= 0 && !atomic_load(&s->stop)) {
		uint64_t now = v2x_clock_mono_ns();
		int n;

		for (size_t i = 0; i < s->n; i++)
			if (mosquitto_want_write(s->m[i]))
				mosquitto_loop_write(s->m[i], 1);
		n = epoll_wait(ep, ev, 64, 20);
		for (int k = 0; k < n; k++)
			read_client(s, ev[k].data.ptr);
		if (now >= next_misc) {
			for (size_t i = 0; i < s->n; i++)
				mosquitto_loop_misc(s->m[i]);
			next_misc = now + 100000000u;
		}
	}
	if (ep >= 0)
		close(ep);
	return NULL;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int write_config(const char *path, int port)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f,
	        "# bench-mosquitto: a private relay for one run\n"
	        "listener %d 127.0.0.1\n"
	        "allow_anonymous true\n"
	        "set_tcp_nodelay true\n"
	        "persistence false\n"
	        "log_dest stderr\n"
	        "log_type error\n"
	        "log_type warning\n",
	        port);
	return fclose(f) == 0 ? 0 : -1;
}

static int wait_listening(int port, pid_t pid)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		                 .sin_port = htons((uint16_t)port) };

	for (int i = 0; i < 250; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok, status;

		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		usleep(20000);
	}
	return -1;
}

static pid_t start_broker(const char *bin, const char *conf)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* The relay dies with this process, even on a SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(bin, bin, "-c", conf, (char *)NULL);
		fprintf(stderr, "bench-mosquitto: cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	return pid;
}

static struct mosquitto *client(const char *id, void *arg, int port)
{
	struct mosquitto *m = mosquitto_new(id, true, arg);

	if (!m)
		return NULL;
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(m);
		return NULL;
	}
	return m;
}

static int connect_subs(struct bm_subs *s, size_t n, int port)
{
	char id[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "bench-sub-%zu", i);
		s->m[i] = client(id, s, port);
		if (!s->m[i])
			return -1;
		mosquitto_message_callback_set(s->m[i], on_message);
		mosquitto_subscribe_callback_set(s->m[i], on_subscribe);
		mosquitto_connect_callback_set(s->m[i], on_sub_connect);
		s->n++;
	}
	return 0;
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

struct bm_run {
	const struct bm_options *o;
	struct bm_subs *subs;
	struct mosquitto *pub;
	uint64_t published, measured, errors;
	double seconds;
};

/* Publishes at the rate; the messages after the warm-up are measured. */
static void publish_all(struct bm_run *r)
{
	uint64_t total = (uint64_t)((double)r->o->duration_ms / 1e3 * r->o->rate);
	uint64_t warm = (uint64_t)((double)r->o->warmup_ms / 1e3 * r->o->rate);
	uint8_t *payload = calloc(1, r->o->size);
	uint64_t t0, t_warm = 0, next_loop = 0;

	if (!payload)
		return;
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	t0 = v2x_clock_mono_ns();
	for (uint64_t i = 0; i < total; i++) {
		uint64_t now;

		sleep_until(t0 + (uint64_t)((double)i * 1e9 / r->o->rate));
		now = v2x_clock_mono_ns();
		if (i == warm) {
			atomic_store(&r->subs->first_seq, i);
			t_warm = now;
		}
		memcpy(payload, &now, 8);
		memcpy(payload + 8, &i, 8);
		if (mosquitto_publish(r->pub, NULL, TOPIC, (int)r->o->size, payload, 0, false) !=
		    MOSQ_ERR_SUCCESS)
			r->errors++;
		r->published++;
		r->measured += i >= warm;
		if (now >= next_loop) {
			mosquitto_loop(r->pub, 0, 1);
			next_loop = now + 100000000u;
		}
	}
	r->seconds = (double)(v2x_clock_mono_ns() - t_warm) / 1e9;
	free(payload);
}

static void report(const struct bm_run *r)
{
	const struct bh_hist *h = &r->subs->lat;
	double expected = (double)r->measured * (double)r->subs->n;

	printf("mosquitto_subscribers: %zu count\n", r->subs->n);
	printf("mosquitto_msg_bytes: %zu bytes\n", r->o->size);
	printf("mosquitto_offered_per_s: %.0f msg/s\n",
	       r->seconds > 0 ? (double)r->measured / r->seconds : 0.0);
	printf("mosquitto_delivered_per_s: %.0f msg/s\n",
	       r->seconds > 0 ? (double)r->subs->delivered / r->seconds : 0.0);
	printf("mosquitto_delivered_ratio: %.4f ratio\n",
	       expected > 0 ? (double)r->subs->delivered / expected : 0.0);
	printf("mosquitto_p50_us: %.0f us\n", bh_quantile(h, 0.5));
	printf("mosquitto_p99_us: %.0f us\n", bh_quantile(h, 0.99));
	printf("mosquitto_p999_us: %.0f us\n", bh_quantile(h, 0.999));
	printf("mosquitto_max_us: %.0f us\n", bh_quantile(h, 1.0));
	printf("mosquitto_mean_us: %.1f us\n", bh_mean(h));
	printf("mosquitto_errors: %llu count\n",
	       (unsigned long long)r->errors + (unsigned long long)r->subs->errors);
}

static int wait_ready(struct bm_run *r, struct bm_pub *pp)
{
	for (int i = 0; i < 1000; i++) {
		mosquitto_loop(r->pub, 10, 1);
		if (atomic_load(&pp->connected) && atomic_load(&r->subs->subscribed) == r->subs->n)
			return 0;
	}
	fprintf(stderr, "bench-mosquitto: %zu of %zu subscribed, publisher %s after 10 s\n",
	        atomic_load(&r->subs->subscribed), r->subs->n,
	        atomic_load(&pp->connected) ? "connected" : "not connected");
	return -1;
}

/* Clients, measurement, report; mosquitto runs on port. */
static int measure(const struct bm_options *o, int port)
{
	struct bm_subs *s = calloc(1, sizeof(*s));
	struct bm_pub pp = { 0 };
	struct bm_run r = { .o = o, .subs = s };
	pthread_t th;
	bool started = false;
	int rc = 1;

	if (!s)
		return 1;
	atomic_store(&s->first_seq, UINT64_MAX);
	if (connect_subs(s, (size_t)o->subscribers, port) != 0 ||
	    !(r.pub = client("bench-pub", &pp, port))) {
		fprintf(stderr, "bench-mosquitto: cannot connect to mosquitto on port %d\n", port);
		goto out;
	}
	mosquitto_connect_callback_set(r.pub, on_pub_connect);
	started = pthread_create(&th, NULL, subs_run, s) == 0;
	if (started && wait_ready(&r, &pp) == 0) {
		publish_all(&r);
		usleep(300000); /* the last messages arrive */
		rc = 0;
	}
out:
	if (started) {
		atomic_store(&s->stop, true);
		pthread_join(th, NULL);
	}
	if (rc == 0)
		report(&r);
	for (size_t i = 0; i < s->n; i++)
		mosquitto_destroy(s->m[i]);
	if (r.pub)
		mosquitto_destroy(r.pub);
	free(s);
	return rc;
}

static int run(const struct bm_options *o)
{
	char dir[] = "/tmp/v2x-bench-mosq-XXXXXX", conf[64];
	int port = free_port(), rc = 1, status;
	pid_t pid = -1;

	if (access(o->mosquitto, X_OK) != 0) {
		printf("bench-mosquitto: %s is not installed (apt-get install mosquitto): "
		       "skipped\n",
		       o->mosquitto);
		return EXIT_SKIP;
	}
	if (port < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "bench-mosquitto: setup: %s\n", strerror(errno));
		return 1;
	}
	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", dir);
	if (write_config(conf, port) == 0 && (pid = start_broker(o->mosquitto, conf)) > 0 &&
	    wait_listening(port, pid) == 0)
		rc = measure(o, port);
	else
		fprintf(stderr, "bench-mosquitto: mosquitto did not start on port %d\n", port);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	unlink(conf);
	rmdir(dir);
	return rc;
}

int main(int argc, char **argv)
{
	struct bm_options o;
	struct v2x_opt_args args;
	char err[512];
	int rc;

	memset(&o, 0, sizeof(o));
	rc = v2x_opt_defaults(&bm_table, &o, err, sizeof(err));
	if (rc == 0)
		rc = v2x_opt_parse_args(&bm_table, &o, argc, argv, &args, err, sizeof(err));
	if (rc == 0 && args.help) {
		v2x_opt_help(&bm_table, stdout);
	} else if (rc != 0 || args.argc || o.warmup_ms * 2 > o.duration_ms) {
		fprintf(stderr, "bench-mosquitto: %s (see --help)\n",
		        rc          ? err
		        : args.argc ? "unexpected argument"
		                    : "--warmup must be at most half of --duration");
		rc = 2;
	} else {
		setvbuf(stdout, NULL, _IOLBF, 0);
		signal(SIGPIPE, SIG_IGN);
		mosquitto_lib_init();
		rc = run(&o);
		mosquitto_lib_cleanup();
	}
	v2x_opt_release(&bm_table, &o);
	return rc;
}
