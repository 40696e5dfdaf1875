/*
 * v2x-wirepeer: a broker stand-in for tests of the agent's link.
 *
 *   v2x-wirepeer --port=N --out FILE [OPTIONS]
 *
 * Listens on 127.0.0.1:N (0: any free port) or on a unix socket, and
 * prints where as its first stdout line ("listening tcp 127.0.0.1 PORT",
 * "listening unix PATH").  Each agent's observations go to FILE as JSON
 * lines, deduplicated by (agent id, seq) against what FILE already holds,
 * and are acknowledged cumulatively.  SIGTERM or SIGINT: says Bye to every
 * agent, prints "observations N duplicates N connections N" and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/err.h"
#include "runtime/opt.h"
#include "tests/wirepeer/wirepeer.h"

/* How long the agents get to take their Bye when the peer stops. */
#define STOP_GRACE_MS 1000

static const struct v2x_opt wp_opts[] = {
	{ .name = "port",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct wp_options, port),
	  .def = "0",
	  .min = 0,
	  .max = 65535,
	  .help = "TCP port on 127.0.0.1 (0: any free port)" },
	{ .name = "unix",
	  .type = V2X_OPT_STRING,
	  .metavar = "PATH",
	  .offset = offsetof(struct wp_options, unix_path),
	  .help = "listen on this unix socket instead of TCP" },
	{ .name = "out",
	  .type = V2X_OPT_STRING,
	  .metavar = "FILE",
	  .offset = offsetof(struct wp_options, out),
	  .help = "JSON lines of the observations stored (required; appended to)" },
	{ .name = "no-ack",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct wp_options, no_ack),
	  .help = "never acknowledge (the agent's spool keeps everything)" },
	{ .name = "ack-delay-ms",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct wp_options, ack_delay_ms),
	  .min = 0,
	  .max = 3600000,
	  .help = "acknowledge this long after a read batch instead of at once" },
	{ .name = "send",
	  .type = V2X_OPT_STRING,
	  .metavar = "FILE",
	  .offset = offsetof(struct wp_options, send),
	  .help = "after each HelloAck, send FILE's bytes (framed wire frames) verbatim" },
	{ .name = "close-after",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct wp_options, close_after),
	  .min = 0,
	  .max = INT64_MAX,
	  .help = "drop a connection once it brought N observations (0: never)" },
	{ .name = "heartbeat-ms",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct wp_options, heartbeat_ms),
	  .min = 0,
	  .max = 3600000,
	  .help = "heartbeat interval the HelloAck asks for (0: none, the agent's own)" },
	{ .name = "timeout-ms",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct wp_options, timeout_ms),
	  .min = 0,
	  .max = 3600000,
	  .help = "close an agent silent this long; also sent in the HelloAck (0: never)" },
	{ .name = "silent",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct wp_options, silent),
	  .help = "after the HelloAck say nothing: no Ack, no Heartbeat (tests timeouts)" },
	{ .name = "log-level",
	  .type = V2X_OPT_ENUM,
	  .offset = offsetof(struct wp_options, log_level),
	  .def = "info",
	  .choices = v2x_log_level_names,
	  .help = "how much to say on stderr" },
	V2X_OPT_END,
};

static const struct v2x_opt_table wp_table = {
	.opts = wp_opts,
	.usage = "v2x-wirepeer --port=N --out FILE [OPTIONS]",
	.about = "A broker stand-in for tests: accepts agents over the wire protocol, writes\n"
	         "each observation to FILE as a JSON line (deduplicated by agent id and seq,\n"
	         "also against what FILE already holds) and acknowledges them.  The first\n"
	         "stdout line says where it listens: 'listening tcp 127.0.0.1 PORT' (or\n"
	         "'listening unix PATH').  SIGTERM/SIGINT: exits 0 after printing\n"
	         "'observations N duplicates N connections N'.",
};

/* Returns -1 to go on, or the status to exit with. */
static int parse_cmdline(int argc, char **argv, struct wp_options *o)
{
	struct v2x_opt_args args;
	char err[512];
	int rc = v2x_opt_defaults(&wp_table, o, err, sizeof(err));

	if (rc == 0)
		rc = v2x_opt_parse_args(&wp_table, o, argc, argv, &args, err, sizeof(err));
	if (rc == 0 && args.help) {
		v2x_opt_help(&wp_table, stdout);
		return 0;
	}
	if (rc == 0 && (!o->out || !*o->out))
		snprintf(err, sizeof(err), "--out FILE is required");
	else if (rc == 0 && args.argc)
		snprintf(err, sizeof(err), "unexpected argument '%s'", args.argv[0]);
	else if (rc == 0)
		return -1;
	fprintf(stderr, "v2x-wirepeer: %s (see --help)\n", err);
	return 2;
}

static int read_send_file(struct wp_peer *p)
{
	FILE *f = fopen(p->opt.send, "rb");
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(p->send_bytes = malloc((size_t)size + 1)) ||
	    fread(p->send_bytes, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "v2x-wirepeer: --send=%s: %s\n", p->opt.send, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	p->send_len = (size_t)size;
	return 0;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct wp_peer *p = server->data;

	if (status < 0)
		v2x_logf(&p->log, V2X_LOG_WARN, "accept: %s", uv_strerror(status));
	else if (!p->stopping)
		wp_conn_accept(p);
}

/* Binds the listener and says where on stdout.  Returns 0 or -1. */
static int listen_on(struct wp_peer *p)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss), rc;
	struct stat sb;

	if (p->opt.unix_path) {
		/* A socket file left by an earlier run would make bind fail. */
		if (stat(p->opt.unix_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
			unlink(p->opt.unix_path);
		uv_pipe_init(p->loop, &p->listener.pipe, 0);
		rc = uv_pipe_bind(&p->listener.pipe, p->opt.unix_path);
	} else {
		uv_tcp_init(p->loop, &p->listener.tcp);
		rc = uv_ip4_addr("127.0.0.1", (int)p->opt.port, (struct sockaddr_in *)&ss);
		if (rc == 0)
			rc = uv_tcp_bind(&p->listener.tcp, (const struct sockaddr *)&ss, 0);
	}
	p->listener.handle.data = p;
	if (rc == 0)
		rc = uv_listen(&p->listener.stream, 128, on_connection);
	if (rc == 0 && !p->opt.unix_path)
		rc = uv_tcp_getsockname(&p->listener.tcp, (struct sockaddr *)&ss, &len);
	if (rc != 0) {
		fprintf(stderr, "v2x-wirepeer: cannot listen on %s: %s\n",
		        p->opt.unix_path ? p->opt.unix_path : "127.0.0.1", uv_strerror(rc));
		return -1;
	}
	if (p->opt.unix_path)
		printf("listening unix %s\n", p->opt.unix_path);
	else
		printf("listening tcp 127.0.0.1 %d\n",
		       ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	return 0;
}

static void on_failsafe(uv_timer_t *t)
{
	struct wp_peer *p = t->data;

	wp_conn_abort_all(p);
	uv_close((uv_handle_t *)t, NULL);
}

static void stop(struct wp_peer *p)
{
	if (p->stopping)
		return;
	p->stopping = true;
	uv_close(&p->listener.handle, NULL);
	uv_close((uv_handle_t *)&p->sigterm, NULL);
	uv_close((uv_handle_t *)&p->sigint, NULL);
	uv_close((uv_handle_t *)&p->tick, NULL);
	wp_conn_close_all(p);
	/* Agents that do not read their Bye do not hold the exit back. */
	uv_timer_start(&p->failsafe, on_failsafe, STOP_GRACE_MS, 0);
	uv_unref((uv_handle_t *)&p->failsafe);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct wp_peer *p = s->data;

	v2x_logf(&p->log, V2X_LOG_INFO, "signal %d: stopping", signum);
	stop(p);
}

static void on_tick(uv_timer_t *t)
{
	struct wp_peer *p = t->data;

	if (p->opt.timeout_ms > 0)
		wp_conn_check_timeouts(p, uv_now(p->loop));
}

static void start_handles(struct wp_peer *p)
{
	uv_signal_init(p->loop, &p->sigterm);
	uv_signal_init(p->loop, &p->sigint);
	uv_timer_init(p->loop, &p->tick);
	uv_timer_init(p->loop, &p->failsafe);
	p->sigterm.data = p->sigint.data = p->tick.data = p->failsafe.data = p;
	uv_signal_start(&p->sigterm, on_signal, SIGTERM);
	uv_signal_start(&p->sigint, on_signal, SIGINT);
	uv_timer_start(&p->tick, on_tick, 50, 50);
}

/* Runs the loop until every handle is closed, the unreferenced failsafe
 * timer included. */
static void run_loop(struct wp_peer *p)
{
	uv_run(p->loop, UV_RUN_DEFAULT);
	if (!uv_is_closing((uv_handle_t *)&p->failsafe))
		uv_close((uv_handle_t *)&p->failsafe, NULL);
	uv_run(p->loop, UV_RUN_DEFAULT);
}

static void summary(const struct wp_peer *p)
{
	printf("observations %" PRIu64 " duplicates %" PRIu64 " connections %" PRIu64 "\n",
	       p->store.observations, p->store.duplicates, p->connections);
	fflush(stdout);
	v2x_logf(&p->log, V2X_LOG_INFO,
	         "%" PRIu64 " observations, %" PRIu64 " duplicates, %" PRIu64 " gaps, %" PRIu64
	         " invalid, %" PRIu64 " connections",
	         p->store.observations, p->store.duplicates, p->store.gaps, p->store.invalid,
	         p->connections);
}

static int run(struct wp_peer *p)
{
	char err[512];
	int rc;

	if (v2x_log_init(&p->log, "wirepeer", v2x_log_level_names[p->opt.log_level]) != 0 ||
	    (p->opt.send && read_send_file(p) != 0))
		return 1;
	if (wp_store_open(&p->store, p->opt.out, &p->log, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-wirepeer: %s\n", err);
		return 1;
	}
	start_handles(p);
	rc = listen_on(p);
	if (rc != 0)
		stop(p);
	run_loop(p);
	if (rc != 0)
		return 1;
	wp_store_flush(&p->store);
	summary(p);
	return 0;
}

int main(int argc, char **argv)
{
	struct wp_peer p;
	uv_loop_t loop;
	int rc;

	memset(&p, 0, sizeof(p));
	p.store.fd = -1;
	if ((rc = parse_cmdline(argc, argv, &p.opt)) >= 0) {
		v2x_opt_release(&wp_table, &p.opt);
		return rc;
	}
	/* A write to an agent that went away must be an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&loop);
	p.loop = &loop;
	rc = run(&p);
	if (p.opt.unix_path && !rc)
		unlink(p.opt.unix_path);
	uv_loop_close(&loop);
	wp_store_close(&p.store);
	free(p.send_bytes);
	v2x_opt_release(&wp_table, &p.opt);
	return rc;
}
