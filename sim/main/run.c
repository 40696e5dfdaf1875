/*
 * run: `v2x-sim run FILE`, a scenario against the real system: the map in
 * PostGIS, the broker, an agent per RSU; the planned datagrams sent in
 * real time by UDP to the agents, the warnings received as a subscriber,
 * then the verdict and the report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maps/db/conn.h"
#include "maps/db/load.h"
#include "runtime/err.h"
#include "sim/main/cli.h"
#include "sim/main/listen.h"
#include "sim/main/stack.h"
#include "sim/report/verdict.h"

/* Time between the plan's epoch being fixed and its first datagram. */
#define LEAD_IN_US 1500000
/* How long warnings are still awaited after the last datagram. */
#define DRAIN_S 2.5

struct run_cfg {
	char *out;
	char *db;
	char *bin_dir;
	char *log_level;
	bool quiet;
	bool show_warnings;
	int progress; /* enum progress_mode */
};

enum progress_mode { PROGRESS_AUTO, PROGRESS_LINE, PROGRESS_OFF };

#define F(f) offsetof(struct run_cfg, f)
static const char *const progress_choices[] = { "auto", "line", "off", NULL };
static const struct v2x_opt run_opts[] = {
	{ .name = "out",
	  .short_name = 'o',
	  .type = V2X_OPT_STRING,
	  .offset = F(out),
	  .def = "",
	  .metavar = "DIR",
	  .help = "where the report goes (\"\": v2x-sim-out/NAME)" },
	{ .name = "db",
	  .type = V2X_OPT_STRING,
	  .offset = F(db),
	  .def = "",
	  .metavar = "CONNINFO",
	  .help = "PostgreSQL+PostGIS to use (\"\": a private cluster, removed afterwards)" },
	{ .name = "bin-dir",
	  .type = V2X_OPT_STRING,
	  .offset = F(bin_dir),
	  .def = "",
	  .metavar = "DIR",
	  .help = "build folder holding v2x-broker and v2x-agent (\"\": this one)" },
	{ .name = "log-level",
	  .type = V2X_OPT_STRING,
	  .offset = F(log_level),
	  .def = "info",
	  .help = "log level of the broker and the agents (their logs go to OUT/logs)" },
	{ .name = "quiet",
	  .short_name = 'q',
	  .type = V2X_OPT_FLAG,
	  .offset = F(quiet),
	  .help = "print only the checks and the verdict" },
	{ .name = "show-warnings",
	  .type = V2X_OPT_FLAG,
	  .offset = F(show_warnings),
	  .def = "yes",
	  .help = "print each warning as it arrives" },
	{ .name = "progress",
	  .type = V2X_OPT_ENUM,
	  .offset = F(progress),
	  .def = "auto",
	  .choices = progress_choices,
	  .help = "live progress: auto (a redrawn line on a terminal), line (every 5 s), off" },
	V2X_OPT_END,
};
#undef F

static const struct v2x_opt_table run_table = {
	.opts = run_opts,
	.usage = "v2x-sim run [OPTIONS] SCENARIO.yaml",
	.about =
	        "Runs a scenario against the real system: the map in PostGIS (a private cluster\n"
	        "by default), v2x-broker, one v2x-agent per RSU, the vehicles' BSMs and the RSUs'\n"
	        "MAP, SPAT, RSI and RSM in UPER by UDP, in real time.  Then judges the warnings\n"
	        "that arrived against what the simulator's own truth expects, writes the report\n"
	        "(report.md, report.json, plots) and ends with \"N passed, N failed\".  Exit\n"
	        "status: 0 all checks passed, 1 a check failed, 2 a bad scenario or option,\n"
	        "3 the system could not be run.",
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_until(int64_t when_us)
{
	int64_t d = when_us - wall_us();
	if (d > 0) {
		struct timespec ts = { d / 1000000, (long)(d % 1000000) * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* What a run holds while it goes. */
struct run {
	struct run_cfg cfg;
	struct sim_prep p;
	char out[512];
	char logs[600];  /* out/logs: the broker's and agents' logs and spools */
	char broker[64]; /* the broker's subscriber address, kept past its stop */
	struct sim_stack *stack;
	struct sim_listen *listen;
	int64_t epoch_us;
	double *sent_t; /* per datagram sent, its run time */
	uint64_t sent, send_errors;
	size_t shown; /* frames printed so far */
	bool tty;
	double last_progress;
};

static void say(void *arg, const char *text)
{
	const struct run *r = arg;
	if (!r->cfg.quiet)
		printf("   %s\n", text);
	fflush(stdout);
}

static const char *actor_name(const struct sim_scenario *sc, int32_t a)
{
	return a >= 0 && (size_t)a < sc->n_actors ? sc->actors[a].name : "?";
}

static void show(struct run *r, const struct sim_received *x)
{
	const struct sim_scenario *sc = &r->p.sc;
	if (x->cancel || x->revision != 0)
		return;
	char about[80] = "";
	if (x->subject_actor >= 0)
		snprintf(about, sizeof(about), "(of %s) ", actor_name(sc, x->subject_actor));
	printf("\r  %6.1f s  %-21s %-4s %s%s\n", x->t_s, sim_warning_name(x->type),
	       actor_name(sc, x->target), about, x->text);
}

static void progress(struct run *r, double t, size_t n_rx)
{
	double dur = r->p.sc.duration_s;
	if (r->cfg.quiet || r->cfg.progress == PROGRESS_OFF)
		return;
	bool line = r->cfg.progress == PROGRESS_LINE || !r->tty;
	if (line && t - r->last_progress < 5.0)
		return;
	r->last_progress = t;
	int bar = (int)(20.0 * fmin(1.0, fmax(0.0, t / dur)));
	printf("%s  [%.*s%.*s] %5.1f/%.0f s  datagrams sent %llu  frames received %zu%s",
	       line ? "" : "\r", bar, "####################", 20 - bar, "....................",
	       fmax(0.0, t), dur, (unsigned long long)r->sent, n_rx, line ? "\n" : "");
	fflush(stdout);
}

/* Prints the frames that arrived since the last call. */
static void show_new(struct run *r)
{
	struct sim_received buf[64];
	size_t n;
	while ((n = sim_listen_copy(r->listen, r->shown, buf, 64)) > 0) {
		for (size_t i = 0; i < n && r->cfg.show_warnings && !r->cfg.quiet; i++)
			show(r, &buf[i]);
		r->shown += n;
	}
}

static void ticker(struct run *r, double t)
{
	show_new(r);
	progress(r, t, r->shown);
}

static int send_one(struct run *r, int fd, const struct sim_datagram *d)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons(sim_stack_agent_port(r->stack, d->rsu)),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ssize_t n = sendto(fd, d->bytes, d->len, 0, (struct sockaddr *)&a, sizeof(a));
	r->sent_t[r->sent] = (double)(wall_us() - r->epoch_us) / 1e6;
	r->sent++;
	if (n != (ssize_t)d->len)
		r->send_errors++;
	return 0;
}

/* Sends the plan when each datagram is due; stops early on ^C or when a
 * process of the stack stops.  0, or SIM_EXIT_SYSTEM with err. */
static int send_plan(struct run *r, char *err, size_t errlen)
{
	const struct sim_plan *pl = &r->p.plan;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		return SIM_EXIT_SYSTEM;
	}
	double next_tick = 0.0;
	int rc = 0;
	for (size_t i = 0; i < pl->n && !interrupted && rc == 0; i++) {
		const struct sim_datagram *d = &pl->d[i];
		while (!interrupted && (double)d->due_us / 1e6 > next_tick) {
			sleep_until(r->epoch_us + (int64_t)(next_tick * 1e6));
			ticker(r, next_tick);
			if (!sim_stack_alive(r->stack, err, errlen))
				rc = SIM_EXIT_SYSTEM;
			next_tick += 0.25;
		}
		sleep_until(r->epoch_us + d->due_us);
		send_one(r, fd, d);
	}
	/* Then the drain, in quarter seconds. */
	long q0 = lround(next_tick * 4.0), q1 = lround((r->p.sc.duration_s + DRAIN_S) * 4.0);
	for (long q = q0; !interrupted && rc == 0 && q <= q1; q++) {
		double t = (double)q / 4.0;
		sleep_until(r->epoch_us + (int64_t)(t * 1e6));
		ticker(r, fmin(t, r->p.sc.duration_s));
	}
	close(fd);
	show_new(r);
	if (r->tty && !r->cfg.quiet)
		printf("\n");
	return rc;
}

/* Latency of each warning: its arrival minus the send time of the last
 * datagram sent at or before its trigger's receipt by the agent. */
static void latencies(struct run *r, struct sim_received *rx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (rx[i].cancel || isnan(rx[i].trigger_t_s))
			continue;
		size_t lo = 0, hi = r->sent;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (r->sent_t[mid] <= rx[i].trigger_t_s)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0)
			rx[i].latency_ms = (rx[i].t_s - r->sent_t[lo - 1]) * 1e3;
	}
}

static int read_db_map(struct run *r, char *err, size_t errlen)
{
	struct map_db_conn *c = NULL;
	if (!*r->cfg.db) {
		snprintf(err, errlen,
		         "%s: map.version %lld needs --db CONNINFO, a database where that version "
		         "is loaded (or give map.generator instead)",
		         r->p.sc.path, (long long)r->p.sc.map_version);
		return V2X_EINVAL;
	}
	int rc = map_db_open(r->cfg.db, NULL, &c, err, errlen);
	if (rc == 0)
		rc = map_db_load(map_db_conn_pg(c), r->p.sc.map_version, &r->p.arena, &r->p.map,
		                 err, errlen);
	map_db_close(c);
	return rc;
}

static int start_stack(struct run *r, char *err, size_t errlen)
{
	const struct sim_plan *pl = &r->p.plan;
	const char **ids = calloc(pl->n_rsus + 1, sizeof(*ids));
	char bin[1024];
	if (!ids)
		return V2X_ENOMEM;
	for (size_t i = 0; i < pl->n_rsus; i++)
		ids[i] = pl->rsus[i].id;
	if (*r->cfg.bin_dir)
		snprintf(bin, sizeof(bin), "%s", r->cfg.bin_dir);
	else
		sim_cli_bin_dir(bin, sizeof(bin));
	struct sim_stack_config sc = { .bin_dir = bin,
		                       .db = r->cfg.db,
		                       .work_dir = r->logs,
		                       .log_level = r->cfg.log_level,
		                       .n_agents = pl->n_rsus,
		                       .agent_ids = ids };
	struct map_model scratch;
	int rc = sim_stack_start(&sc, &r->p.map, r->p.sc.map_version, &r->p.arena, &scratch, say, r,
	                         &r->stack, err, errlen);
	free(ids);
	return rc;
}

static void intro(const struct run *r)
{
	const struct sim_scenario *sc = &r->p.sc;
	if (r->cfg.quiet)
		return;
	printf("== scenario %s (%s)\n", sc->name, sc->path);
	size_t dlen = strlen(sc->description);
	while (dlen > 0 && (sc->description[dlen - 1] == '\n' || sc->description[dlen - 1] == ' '))
		dlen--;
	if (dlen > 0)
		printf("   %.*s\n", (int)dlen, sc->description);
	printf("   %zu vehicle(s), %zu RSU(s), %zu RSI event(s), %zu RSM participant(s), %.0f s in "
	       "real time, seed %llu\n",
	       sc->n_actors, r->p.plan.n_rsus, sc->n_rsi, sc->n_rsm, sc->duration_s,
	       (unsigned long long)sc->seed);
	size_t must = 0;
	for (size_t i = 0; i < r->p.n_exp; i++)
		must += r->p.exp[i].must;
	printf("   the simulator's truth expects %zu warning(s), and tolerates %zu more near "
	       "their thresholds\n",
	       must, r->p.n_exp - must);
	fflush(stdout);
}

/* Everything up to the first datagram.  0 or an exit status. */
static int prepare(struct run *r, const char *path, char *err, size_t errlen)
{
	int rc = sim_prep_scenario(&r->p, path, err, errlen);
	if (rc == 0 && r->p.sc.map_version > 0)
		rc = read_db_map(r, err, errlen);
	if (rc == 0)
		rc = sim_prep_truth(&r->p, err, errlen);
	/* A first plan names the RSUs, whose agents start next. */
	if (rc == 0)
		rc = sim_prep_plan(&r->p, wall_us(), err, errlen);
	if (rc)
		return SIM_EXIT_USAGE;
	if (*r->cfg.out)
		snprintf(r->out, sizeof(r->out), "%s", r->cfg.out);
	else
		snprintf(r->out, sizeof(r->out), "v2x-sim-out/%s", r->p.sc.name);
	snprintf(r->logs, sizeof(r->logs), "%s/logs", r->out);
	if (sim_cli_make_dirs(r->logs, err, errlen))
		return SIM_EXIT_USAGE;
	intro(r);
	return 0;
}

static int go(struct run *r, char *err, size_t errlen)
{
	if (start_stack(r, err, errlen))
		return SIM_EXIT_SYSTEM;
	snprintf(r->broker, sizeof(r->broker), "%s", sim_stack_sub_addr(r->stack));
	r->epoch_us = wall_us() + LEAD_IN_US;
	if (sim_prep_plan(&r->p, r->epoch_us, err, errlen))
		return SIM_EXIT_SYSTEM;
	r->sent_t = calloc(r->p.plan.n + 1, sizeof(double));
	if (!r->sent_t)
		return SIM_EXIT_SYSTEM;
	if (sim_listen_start(sim_stack_sub_addr(r->stack), sim_stack_sub_id(r->stack),
	                     sim_stack_sub_token(r->stack), &r->p.sc, r->p.frame, r->epoch_us,
	                     &r->listen, err, errlen))
		return SIM_EXIT_SYSTEM;
	if (!r->cfg.quiet)
		printf("== running: %zu datagrams to send over %.0f s (warnings as they arrive)\n",
		       r->p.plan.n, r->p.sc.duration_s);
	fflush(stdout);
	return send_plan(r, err, errlen);
}

static int judge(struct run *r, struct sim_received *rx, size_t n_rx, double wall_s)
{
	struct sim_verdict v;
	char err[512];
	if (sim_verdict_judge(&r->p.world, r->p.exp, r->p.n_exp, rx, n_rx, &r->p.arena, &v)) {
		fprintf(stderr, "v2x-sim: out of memory judging the run\n");
		return SIM_EXIT_SYSTEM;
	}
	struct sim_run_info info = { .time_mode = "real time",
		                     .epoch_us = r->epoch_us,
		                     .wall_s = wall_s,
		                     .broker = r->broker,
		                     .n_agents = r->p.plan.n_rsus,
		                     .sent = r->sent,
		                     .send_errors = r->send_errors,
		                     .plan = &r->p.plan };
	if (sim_report_write(r->out, &r->p.world, &r->p.map, r->p.exp, r->p.n_exp, rx, n_rx, &v,
	                     &info, err, sizeof(err)))
		fprintf(stderr, "v2x-sim: the report: %s\n", err);
	else if (!r->cfg.quiet)
		printf("== report: %s/report.md (with report.json and the plots tracks.svg, "
		       "speed.svg, latency.svg; the broker's and agents' logs in %s)\n",
		       r->out, r->logs);
	if (!r->cfg.quiet)
		printf("== verdict\n");
	sim_verdict_print(&v, stdout);
	fflush(stdout);
	return v.failed ? SIM_EXIT_FAIL : SIM_EXIT_PASS;
}

static int finish(struct run *r, int rc, char *err, size_t errlen)
{
	struct sim_received *rx = NULL;
	size_t n_rx = 0;
	char lerr[256] = "";
	int64_t t0 = r->epoch_us;
	if (r->listen)
		sim_listen_stop(r->listen, &rx, &n_rx, lerr, sizeof(lerr));
	if (rc == 0 && !interrupted)
		latencies(r, rx, n_rx);
	if (!r->cfg.quiet && r->stack)
		printf("== stopping the agents, the broker and the database\n");
	sim_stack_stop(r->stack);
	r->stack = NULL;
	if (interrupted) {
		fprintf(stderr, "v2x-sim: interrupted; everything it started is stopped\n");
		rc = 130;
	} else if (rc) {
		fprintf(stderr, "v2x-sim: %s\n", err);
	} else {
		if (*lerr)
			fprintf(stderr, "v2x-sim: warning: %s\n", lerr);
		rc = judge(r, rx, n_rx, (double)(wall_us() - t0) / 1e6);
	}
	(void)errlen;
	free(rx);
	return rc;
}

int sim_cmd_run(int argc, char **argv)
{
	struct run r = { 0 };
	struct v2x_opt_args args;
	char err[1024] = "";
	int rc = sim_cli_parse(&run_table, &r.cfg, argc, argv, &args, 1);
	if (rc >= 0) {
		v2x_opt_release(&run_table, &r.cfg);
		return rc;
	}
	r.tty = isatty(1);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = prepare(&r, args.argv[0], err, sizeof(err));
	if (rc) {
		fprintf(stderr, "v2x-sim: %s\n", err);
	} else {
		rc = go(&r, err, sizeof(err));
		rc = finish(&r, rc, err, sizeof(err));
	}
	sim_stack_stop(r.stack);
	free(r.sent_t);
	sim_prep_fini(&r.p);
	v2x_opt_release(&run_table, &r.cfg);
	return rc;
}
