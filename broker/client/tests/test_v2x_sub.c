/*
 * test_v2x_sub: the v2x-sub program (its path is argv[1]) against the
 * test broker (srvfx) over TCP and a unix socket: the JSON lines of
 * warnings and cancellations with their fields and a sane latency_us, the
 * filters given as options, --count and --duration, the summary; a
 * refused subscription exits 3 with the status and reason, a wrong token
 * 4, a usage error 2, an unreachable broker 1, --help 0.
 */
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker/client/tests/srvfx.h"
#include "runtime/clock.h"
#include "tests/check.h"

#define WT(x)  V2X__WIRE__WARNING_TYPE__WARNING_TYPE_##x
#define SEV(x) V2X__WIRE__SEVERITY__SEVERITY_##x
#define V1     0x0102030405060708ull
#define V2     0x1111111111111111ull

extern char **environ;

static const char *exe;

/* Counts a failure that no comparison describes. */
static void fail(const char *what)
{
	fprintf(stderr, "check failed: %s\n", what);
	check_failures++;
}

/* A v2x-sub process and what it wrote. */
struct proc {
	pid_t pid;
	char out_path[64], err_path[64];
	char out[65536], err[8192];
	int status; /* exit status; -1: killed after the timeout */
};

/* Starts v2x-sub with args (NULL-terminated, without the program). */
static bool start(struct proc *p, const char *const *args)
{
	char *argv[32];
	posix_spawn_file_actions_t fa;
	int n = 0, out, err, rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->out_path, sizeof(p->out_path), "/tmp/v2x-sub-out-XXXXXX");
	snprintf(p->err_path, sizeof(p->err_path), "/tmp/v2x-sub-err-XXXXXX");
	out = mkstemp(p->out_path);
	err = mkstemp(p->err_path);
	if (!CHECK(out >= 0 && err >= 0))
		return false;
	argv[n++] = strdup(exe);
	while (*args && n < 31)
		argv[n++] = strdup(*args++);
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	rc = posix_spawn(&p->pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < n; i++)
		free(argv[i]);
	close(out);
	close(err);
	return CHECK(rc == 0);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(path);
}

/* Waits for the process to exit (killing it after timeout_ms) and reads its output. */
static void finish(struct proc *p, unsigned timeout_ms)
{
	uint64_t end = v2x_clock_mono_ns() / 1000000u + timeout_ms;
	int st = 0;

	p->status = -1;
	while (waitpid(p->pid, &st, WNOHANG) == 0) {
		if (v2x_clock_mono_ns() / 1000000u >= end) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &st, 0);
			st = -1;
			break;
		}
		usleep(5000);
	}
	if (st != -1 && WIFEXITED(st))
		p->status = WEXITSTATUS(st);
	slurp(p->out_path, p->out, sizeof(p->out));
	slurp(p->err_path, p->err, sizeof(p->err));
	if (getenv("FX_DEBUG"))
		fprintf(stderr, "exit %d\nstdout:\n%s\nstderr:\n%s\n", p->status, p->out, p->err);
}

static int run(struct proc *p, const char *const *args, unsigned timeout_ms)
{
	if (start(p, args))
		finish(p, timeout_ms);
	return p->status;
}

/* Returns line i (0-based) of text parsed as JSON (caller decrefs), or NULL. */
static json_t *json_line(const char *text, int i)
{
	json_error_t e;

	for (; i > 0 && text; i--)
		text = strchr(text, '\n') ? strchr(text, '\n') + 1 : NULL;
	if (!text || !*text)
		return NULL;
	return json_loadb(text, strcspn(text, "\n"), 0, &e);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "(absent)";
}

static void check_warning_line(json_t *o, struct sfx_warning *w)
{
	json_t *pos = json_object_get(o, "position"), *src, *ids;
	json_int_t lat = json_integer_value(json_object_get(o, "latency_us"));
	char id[17];

	snprintf(id, sizeof(id), "%016llx", (unsigned long long)w->w.warning_id);
	CHECK_STR_EQ(str(o, "event"), "warning");
	CHECK_STR_EQ(str(o, "warning_id"), id);
	CHECK_STR_EQ(str(o, "type"), "hazard_ahead");
	CHECK_STR_EQ(str(o, "severity"), "critical");
	CHECK_STR_EQ(str(o, "target_vehicle_id"), "0102030405060708");
	CHECK_STR_EQ(str(json_object_get(json_object_get(o, "subject"), "hazard"), "hazard_id"),
	             "0000000000abcdef");
	CHECK_DBL_NEAR(json_number_value(json_object_get(pos, "lat_deg")), 29.55, 1e-9);
	CHECK_DBL_NEAR(json_number_value(json_object_get(pos, "elev_m")), 312.5, 1e-9);
	CHECK_DBL_NEAR(json_number_value(json_object_get(o, "distance_m")), 180.5, 1e-9);
	CHECK_DBL_NEAR(json_number_value(json_object_get(o, "advisory_speed_mps")), 8.5, 1e-9);
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "revision")), 0);
	src = json_array_get(json_object_get(o, "sources"), 0);
	CHECK_STR_EQ(str(src, "rsu_id"), "rsu-1");
	CHECK_INT_EQ(json_integer_value(json_object_get(src, "seq")), 4242);
	ids = json_object_get(o, "subscription_ids");
	CHECK_UINT_EQ(json_array_size(ids), 1);
	CHECK_INT_EQ(json_integer_value(json_array_get(ids, 0)), 1);
	CHECK_STR_EQ(str(o, "text"), w->text);
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "trigger_rx_time_us")),
	             (json_int_t)w->w.trigger_rx_time_us);
	CHECK(json_is_integer(json_object_get(o, "expiry_time_us")));
	/* latency_us = rx_time_us - trigger_rx_time_us, same machine: small and positive. */
	CHECK(json_is_integer(json_object_get(o, "latency_us")));
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "rx_time_us")) -
	                     (json_int_t)w->w.trigger_rx_time_us,
	             lat);
	CHECK(lat >= 0 && lat < 2000000);
}

static void test_help_and_usage(void)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const both[] = {
		"--broker=127.0.0.1:1",  "--id=a", "--token=t", "--box=1,2,3,4",
		"--polygon=1,2;3,4;5,6", NULL
	};
	static const char *const bad_vehicle[] = { "--unix=/nonexistent", "--id=a", "--token=t",
		                                   "--vehicle=0102", NULL };
	struct proc p;

	CHECK_INT_EQ(run(&p, help, 5000), 0);
	CHECK(strstr(p.out, "Usage: v2x-sub") != NULL);
	CHECK(strstr(p.out, "--min-severity") != NULL);
	CHECK_INT_EQ(run(&p, both, 5000), 2);
	CHECK(strstr(p.err, "one geofence") != NULL);
	CHECK_INT_EQ(run(&p, bad_vehicle, 5000), 2);
	CHECK(strstr(p.err, "'0102' is not 16 hex digits") != NULL);
}

static void test_warnings_tcp(struct srv *s)
{
	char broker[64];
	const char *args[] = { broker,
		               "--id=oem-all",
		               "--token=tok-all",
		               "--vehicle",
		               "0102030405060708",
		               "--type=hazard_ahead",
		               "--type",
		               "curve_speed",
		               "--min-severity=warning",
		               "--count=2",
		               NULL };
	struct sfx_warning w1, w2, w3, w4, w5;
	int n0 = srv_subscribed(s);
	struct proc p;
	json_t *o;

	snprintf(broker, sizeof(broker), "--broker=127.0.0.1:%d", s->fx.port);
	if (!start(&p, args))
		return;
	if (CHECK(srv_wait_subscribed(s, n0 + 1, 5000))) {
		sfx_warning_init(&w1, 0x11, V1, WT(HAZARD_AHEAD), SEV(CRITICAL));
		sfx_warning_init(&w2, 0x12, V2, WT(HAZARD_AHEAD), SEV(CRITICAL));
		sfx_warning_init(&w3, 0x13, V1, WT(GLOSA), SEV(CRITICAL));
		sfx_warning_init(&w4, 0x14, V1, WT(CURVE_SPEED), SEV(ADVISORY));
		sfx_warning_init(&w5, 0x15, V1, WT(HAZARD_AHEAD), SEV(CRITICAL));
		CHECK_INT_EQ(srv_push(s, &w1.w, NAN, NAN), 1);
		CHECK_INT_EQ(srv_push(s, &w2.w, NAN, NAN), 0);
		CHECK_INT_EQ(srv_push(s, &w3.w, NAN, NAN), 0);
		CHECK_INT_EQ(srv_push(s, &w4.w, NAN, NAN), 0);
		CHECK_INT_EQ(srv_cancel(s, 0x11), 1);
		CHECK_INT_EQ(srv_push(s, &w5.w, NAN, NAN), 1);
	} else {
		finish(&p, 5000);
		return;
	}
	finish(&p, 5000);
	CHECK_INT_EQ(p.status, 0);
	if ((o = json_line(p.out, 0)) != NULL)
		check_warning_line(o, &w1);
	else
		fail("no first JSON line");
	json_decref(o);
	if ((o = json_line(p.out, 1)) != NULL) {
		CHECK_STR_EQ(str(o, "event"), "cancellation");
		CHECK_STR_EQ(str(o, "warning_id"), "0000000000000011");
		CHECK_STR_EQ(str(o, "reason"), "resolved");
		CHECK(json_is_integer(json_object_get(o, "latency_us")));
	} else {
		fail("no second JSON line");
	}
	json_decref(o);
	if ((o = json_line(p.out, 2)) != NULL)
		check_warning_line(o, &w5);
	else
		fail("no third JSON line");
	json_decref(o);
	CHECK(json_line(p.out, 3) == NULL);
	CHECK(strstr(p.err, "2 warnings, 1 cancellations; latency p50 ") != NULL);
	CHECK(strstr(p.err, " p99 ") != NULL);
}

static void test_polygon_unix_duration(struct srv *s)
{
	char unix_opt[96], token_file[] = "/tmp/v2x-sub-token-XXXXXX";
	const char *args[] = { unix_opt,
		               "--id=oem-box",
		               NULL,
		               "--duration=1",
		               "--polygon=29.1,106.0;29.1,107.0;30.4,106.5",
		               NULL };
	char token_opt[64];
	struct sfx_warning in, out;
	int n0 = srv_subscribed(s), fd = mkstemp(token_file);
	struct proc p;
	json_t *o;

	if (!CHECK(fd >= 0) || !CHECK(write(fd, "tok-box\n", 8) == 8))
		return;
	close(fd);
	snprintf(unix_opt, sizeof(unix_opt), "--unix=%s", s->fx.unix_path);
	snprintf(token_opt, sizeof(token_opt), "--token-file=%s", token_file);
	args[2] = token_opt;
	if (!start(&p, args))
		return;
	if (CHECK(srv_wait_subscribed(s, n0 + 1, 5000))) {
		sfx_warning_init(&in, 0x21, V1, WT(HAZARD_AHEAD), SEV(CRITICAL));
		sfx_warning_init(&out, 0x22, V1, WT(HAZARD_AHEAD), SEV(CRITICAL));
		CHECK_INT_EQ(srv_push(s, &out.w, 30.3, 106.1), 0);
		CHECK_INT_EQ(srv_push(s, &in.w, 29.5, 106.5), 1);
	}
	finish(&p, 5000);
	unlink(token_file);
	CHECK_INT_EQ(p.status, 0);
	o = json_line(p.out, 0);
	CHECK_STR_EQ(str(o, "warning_id"), "0000000000000021");
	json_decref(o);
	CHECK(json_line(p.out, 1) == NULL);
	CHECK(strstr(p.err, "1 warnings, 0 cancellations") != NULL);
}

static void test_refusals(struct srv *s)
{
	char broker[64];
	const char *scope[] = { broker, "--id=oem-box", "--token=tok-box", "--type=glosa", NULL };
	const char *token[] = { broker, "--id=oem-box", "--token=wrong", NULL };
	const char *invalid[] = { broker, "--id=oem-all", "--token=tok-all",
		                  "--polygon=29,106;29.5,106", NULL };
	struct proc p;

	snprintf(broker, sizeof(broker), "--broker=127.0.0.1:%d", s->fx.port);
	CHECK_INT_EQ(run(&p, scope, 5000), 3);
	CHECK(strstr(p.err, "subscription 1 refused: out_of_scope: ") != NULL);
	CHECK(strstr(p.err, "geofence") != NULL);
	CHECK_INT_EQ(run(&p, invalid, 5000), 3);
	CHECK(strstr(p.err, "refused: invalid: polygon of 2 vertices") != NULL);
	CHECK_INT_EQ(run(&p, token, 5000), 4);
	CHECK(strstr(p.err, "auth_failed") != NULL);
	CHECK_STR_EQ(p.out, "");
}

static void test_unreachable(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t sl = sizeof(in);
	const char *args[] = { NULL, "--id=a", "--token=t", NULL };
	char broker[64];
	struct proc p;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port just bound and released: nobody listens there. */
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&in, sizeof(in)) == 0 &&
	           getsockname(fd, (struct sockaddr *)&in, &sl) == 0))
		return;
	close(fd);
	snprintf(broker, sizeof(broker), "--broker=127.0.0.1:%d", ntohs(in.sin_port));
	args[0] = broker;
	CHECK_INT_EQ(run(&p, args, 5000), 1);
	CHECK(strstr(p.err, "Connection refused") != NULL);
}

int main(int argc, char **argv)
{
	struct srv s;

	if (argc < 2) {
		fprintf(stderr, "usage: test-client-v2x-sub PATH-OF-v2x-sub\n");
		return 2;
	}
	exe = argv[1];
	test_help_and_usage();
	test_unreachable();
	srv_start(&s);
	test_warnings_tcp(&s);
	test_polygon_unix_duration(&s);
	test_refusals(&s);
	srv_stop(&s);
	return check_exit();
}
