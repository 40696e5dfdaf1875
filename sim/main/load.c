/*
 * load: `v2x-sim load`, N vehicles at 10 Hz over the test field for the
 * benchmarks.  The same stack as a scenario run (the test field in a
 * private PostGIS, v2x-broker, one v2x-agent per RSU), driven by the
 * broker's load generator (v2x-load agents: vehicles driving the lanes,
 * BSMs in UPER by UDP to the agents, a subscriber measuring latency); then
 * what the broker accepted, from its own counters.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maps/gen/mapgen.h"
#include "sim/main/cli.h"
#include "sim/main/stack.h"

extern char **environ;

struct load_cfg {
	int64_t vehicles;
	double rate;
	int64_t duration_ms;
	char *db;
	char *bin_dir;
	char *out;
};

#define F(f) offsetof(struct load_cfg, f)
static const struct v2x_opt load_opts[] = {
	{ .name = "vehicles",
	  .short_name = 'n',
	  .type = V2X_OPT_INT,
	  .offset = F(vehicles),
	  .def = "1000",
	  .min = 1,
	  .max = 100000,
	  .help = "vehicles driving the test field" },
	{ .name = "rate",
	  .type = V2X_OPT_DOUBLE,
	  .offset = F(rate),
	  .def = "10",
	  .dmin = 0.1,
	  .dmax = 100,
	  .help = "BSMs per second of each vehicle, Hz" },
	{ .name = "duration",
	  .type = V2X_OPT_DURATION,
	  .offset = F(duration_ms),
	  .def = "10s",
	  .min = 1000,
	  .max = 3600000,
	  .help = "the run, 2 s of warm-up included" },
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
	  .help = "build folder holding the binaries (\"\": this one)" },
	{ .name = "out",
	  .short_name = 'o',
	  .type = V2X_OPT_STRING,
	  .offset = F(out),
	  .def = "v2x-sim-out/load",
	  .metavar = "DIR",
	  .help = "where the logs go" },
	V2X_OPT_END,
};
#undef F

static const struct v2x_opt_table load_table = {
	.opts = load_opts,
	.usage = "v2x-sim load [OPTIONS]",
	.about = "Drives N vehicles at 10 Hz over the test field through the real agents and\n"
	         "broker, and prints, one figure a line as `name: value unit`, the offered\n"
	         "rate, what the broker accepted, and the warnings' latency percentiles\n"
	         "(agent receive -> subscriber receive).",
};

static void say(void *arg, const char *text)
{
	(void)arg;
	fprintf(stderr, "v2x-sim load: %s\n", text);
}

/* The value of the first line of GET /metrics starting with prefix. */
static double metric(uint16_t port, const char *prefix)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons(port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	double v = -1.0;
	if (fd < 0 || !buf || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		goto out;
	for (ssize_t r; n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0;)
		n += (size_t)r;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			v = strtod(line + strlen(prefix), NULL);
			break;
		}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return v;
}

/* Runs v2x-load agents against the stack; its figures go to stdout. */
static int drive(const struct load_cfg *c, const char *bin, struct sim_stack *st, size_t n)
{
	struct sim_argv a = { .n = 0 };
	char agents[4096] = "";
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(agents);
		snprintf(agents + len, sizeof(agents) - len, "%s127.0.0.1:%u", i ? "," : "",
		         sim_stack_agent_port(st, i));
	}
	sim_argv_add(&a, "%s/broker/bench/v2x-load", bin);
	sim_argv_add(&a, "agents");
	sim_argv_add(&a, "--agents=%s", agents);
	sim_argv_add(&a, "--vehicles=%" PRId64, c->vehicles);
	sim_argv_add(&a, "--rate=%g", c->rate);
	sim_argv_add(&a, "--duration=%" PRId64 "ms", c->duration_ms);
	sim_argv_add(&a, "--subscribers=1");
	sim_argv_add(&a, "--sub-broker=%s", sim_stack_sub_addr(st));
	sim_argv_add(&a, "--sub-account=%s", sim_stack_sub_id(st));
	sim_argv_add(&a, "--sub-token=%s", sim_stack_sub_token(st));
	pid_t pid;
	int status = 0;
	fflush(stdout);
	if (posix_spawn(&pid, a.v[0], NULL, NULL, a.v, environ) != 0) {
		fprintf(stderr, "v2x-sim load: cannot start %s: build it first\n", a.v[0]);
		return SIM_EXIT_SYSTEM;
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : SIM_EXIT_SYSTEM;
}

/* The stack on map m, driven; its figures. */
static int with_map(const struct load_cfg *c, const struct map_model *m, struct v2x_arena *arena)
{
	static const char bsm_metric[] = "v2x_broker_observations_total{type=\"bsm\"}";
	char err[1024] = "", bin[1024];
	struct map_model scratch;
	struct sim_stack *st = NULL;
	size_t n = m->n_rsus;
	const char **ids = v2x_arena_calloc(arena, n + 1, sizeof(*ids));
	if (!ids)
		return SIM_EXIT_SYSTEM;
	for (size_t i = 0; i < n; i++)
		ids[i] = m->rsus[i].rsu_id;
	if (*c->bin_dir)
		snprintf(bin, sizeof(bin), "%s", c->bin_dir);
	else
		sim_cli_bin_dir(bin, sizeof(bin));
	if (sim_cli_make_dirs(c->out, err, sizeof(err))) {
		fprintf(stderr, "v2x-sim load: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	struct sim_stack_config sc = { .bin_dir = bin,
		                       .db = c->db,
		                       .work_dir = c->out,
		                       .log_level = "warn",
		                       .n_agents = n,
		                       .agent_ids = ids };
	if (sim_stack_start(&sc, m, 0, arena, &scratch, say, NULL, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-sim load: %s\n", err);
		return SIM_EXIT_SYSTEM;
	}
	double before = metric(sim_stack_metrics_port(st), bsm_metric);
	int rc = drive(c, bin, st, n);
	if (rc == 0) {
		sleep(1);
		double accepted =
		        metric(sim_stack_metrics_port(st), bsm_metric) - fmax(before, 0.0);
		printf("broker_accepted_bsm: %.0f count\n", accepted);
		printf("broker_accepted_bsm_per_s: %.0f msg/s\n",
		       accepted / ((double)c->duration_ms / 1000.0));
		/* Against what was offered: every vehicle at its rate. */
		double offered = (double)c->vehicles * c->rate * ((double)c->duration_ms / 1000.0);
		printf("broker_accepted_vs_offered_ratio: %.3f\n", accepted / offered);
	}
	sim_stack_stop(st);
	return rc;
}

static int run(const struct load_cfg *c)
{
	struct v2x_arena arena;
	struct map_model m;
	struct mapgen_params p = mapgen_params_default();
	char err[1024];
	int rc;
	v2x_arena_init(&arena, 1 << 22, 0);
	if (mapgen_build(&p, &arena, &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-sim load: the test field: %s\n", err);
		rc = SIM_EXIT_SYSTEM;
	} else {
		rc = with_map(c, &m, &arena);
	}
	v2x_arena_fini(&arena);
	return rc;
}

int sim_cmd_load(int argc, char **argv)
{
	struct load_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = sim_cli_parse(&load_table, &c, argc, argv, &args, 0);
	if (rc < 0)
		rc = run(&c);
	v2x_opt_release(&load_table, &c);
	return rc;
}
