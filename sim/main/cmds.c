/*
 * cmds: the commands that need no running system: check (a scenario
 * against its map), plan (the datagrams a run would send) and expect (what
 * the oracle expects).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/main/cli.h"

struct offline_cfg {
	char *out;
	int64_t epoch_us;
};

#define F(f) offsetof(struct offline_cfg, f)
static const struct v2x_opt offline_opts[] = {
	{ .name = "out",
	  .short_name = 'o',
	  .type = V2X_OPT_STRING,
	  .offset = F(out),
	  .def = "-",
	  .metavar = "FILE",
	  .help = "where to write (\"-\": stdout)" },
	{ .name = "epoch-us",
	  .type = V2X_OPT_INT,
	  .offset = F(epoch_us),
	  .def = "1798761600000000",
	  .min = 0,
	  .max = INT64_MAX,
	  .help = "wall time of t = 0, µs since 1970 (plan; default 2027-01-01T00:00:00Z)" },
	V2X_OPT_END,
};
#undef F

static const struct v2x_opt_table check_table = {
	.opts = offline_opts,
	.usage = "v2x-sim check [OPTIONS] SCENARIO.yaml...",
	.about = "Reads each scenario, checks it against its map and runs its truth and oracle\n"
	         "without starting anything.  Prints what it would run and expect.",
};

static const struct v2x_opt_table plan_table = {
	.opts = offline_opts,
	.usage = "v2x-sim plan [OPTIONS] SCENARIO.yaml",
	.about = "Writes every datagram a run of the scenario would send, one a line: due time\n"
	         "(µs after t = 0), RSU, type, actor, flags (c corrupted, d duplicate) and the\n"
	         "UPER bytes in hex.  The same scenario and --epoch-us give the same lines.",
};

static const struct v2x_opt_table expect_table = {
	.opts = offline_opts,
	.usage = "v2x-sim expect [OPTIONS] SCENARIO.yaml",
	.about = "Writes the warnings the simulator's truth expects (JSON lines): type, target,\n"
	         "subject, whether it must arrive or is tolerated, its window, and why.",
};

static FILE *open_out(const char *path)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		perror(path);
	return f;
}

static int close_out(FILE *f)
{
	if (f == stdout)
		return fflush(f) ? SIM_EXIT_SYSTEM : 0;
	return fclose(f) ? SIM_EXIT_SYSTEM : 0;
}

static int prepare(struct sim_prep *p, const char *path)
{
	char err[1024];
	int rc = sim_prep_scenario(p, path, err, sizeof(err));
	if (rc == 0 && p->sc.map_version > 0) {
		snprintf(err, sizeof(err),
		         "%s: map.version needs the database; only `v2x-sim run "
		         "--db` reads it",
		         path);
		rc = -1;
	}
	if (rc == 0)
		rc = sim_prep_truth(p, err, sizeof(err));
	if (rc)
		fprintf(stderr, "v2x-sim: %s\n", err);
	return rc ? SIM_EXIT_USAGE : 0;
}

static void summary(const struct sim_prep *p)
{
	size_t must = 0;
	for (size_t i = 0; i < p->n_exp; i++)
		must += p->exp[i].must;
	printf("%s: ok: %zu actor(s), %.0f s; the oracle expects %zu warning(s) (%zu tolerated)\n",
	       p->sc.path, p->sc.n_actors, p->sc.duration_s, must, p->n_exp - must);
}

int sim_cmd_check(int argc, char **argv)
{
	struct offline_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = sim_cli_parse(&check_table, &c, argc, argv, &args, -1);
	if (rc < 0 && args.argc == 0) {
		fprintf(stderr, "v2x-sim check: give at least one scenario file (see --help)\n");
		rc = SIM_EXIT_USAGE;
	}
	for (int i = 0; rc < 0 && i < args.argc; i++) {
		struct sim_prep p;
		if (prepare(&p, args.argv[i]) == 0)
			summary(&p);
		else
			rc = SIM_EXIT_USAGE;
		sim_prep_fini(&p);
	}
	v2x_opt_release(&check_table, &c);
	return rc < 0 ? 0 : rc;
}

/* plan and expect: one scenario, one output. */
static int offline(const struct v2x_opt_table *t, bool plan, int argc, char **argv)
{
	struct offline_cfg c = { 0 };
	struct v2x_opt_args args;
	struct sim_prep p;
	char err[1024];
	int rc = sim_cli_parse(t, &c, argc, argv, &args, 1);
	if (rc >= 0) {
		v2x_opt_release(t, &c);
		return rc;
	}
	rc = prepare(&p, args.argv[0]);
	if (rc == 0 && plan && sim_prep_plan(&p, c.epoch_us, err, sizeof(err))) {
		fprintf(stderr, "v2x-sim: %s\n", err);
		rc = SIM_EXIT_USAGE;
	}
	FILE *f = rc == 0 ? open_out(c.out) : NULL;
	if (rc == 0 && !f)
		rc = SIM_EXIT_SYSTEM;
	if (f && plan)
		sim_plan_write(&p.plan, f);
	else if (f)
		sim_oracle_write(&p.world, p.exp, p.n_exp, f);
	if (f)
		rc = close_out(f);
	sim_prep_fini(&p);
	v2x_opt_release(t, &c);
	return rc;
}

int sim_cmd_plan(int argc, char **argv)
{
	return offline(&plan_table, true, argc, argv);
}

int sim_cmd_expect(int argc, char **argv)
{
	return offline(&expect_table, false, argc, argv);
}
