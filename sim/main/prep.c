/*
 * prep: a scenario, its map, its truth, its expectations and its plan.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/err.h"
#include "sim/main/cli.h"

int sim_prep_scenario(struct sim_prep *p, const char *path, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	v2x_arena_init(&p->arena, 1 << 22, 0);
	int rc = sim_scenario_load(path, &p->arena, &p->sc, err, errlen);
	if (rc || p->sc.map_version > 0)
		return rc;
	char why[512];
	rc = mapgen_build(&p->sc.map_params, &p->arena, &p->map, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: map.generator: %s", path, why);
	return rc;
}

int sim_prep_truth(struct sim_prep *p, char *err, size_t errlen)
{
	char why[512];
	int rc = sim_scenario_check_map(&p->sc, &p->map, why, sizeof(why));
	if (rc == 0 && !p->frame)
		rc = map_frame_new(p->map.meta.proj, &p->frame, why, sizeof(why));
	if (rc == 0)
		rc = sim_world_run(&p->sc, &p->map, &p->arena, &p->world, why, sizeof(why));
	if (rc == 0)
		rc = sim_oracle_run(&p->world, &p->map, &p->arena, &p->exp, &p->n_exp);
	if (rc)
		snprintf(err, errlen, "%s: %s", p->sc.path,
		         rc == V2X_ENOMEM ? "out of memory" : why);
	return rc;
}

int sim_prep_plan(struct sim_prep *p, int64_t epoch_us, char *err, size_t errlen)
{
	char why[512];
	int rc =
	        sim_plan_build(&p->world, &p->map, epoch_us, &p->arena, &p->plan, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: %s", p->sc.path, why);
	return rc;
}

void sim_prep_fini(struct sim_prep *p)
{
	map_frame_free(p->frame);
	v2x_arena_fini(&p->arena);
}

int sim_cli_parse(const struct v2x_opt_table *t, void *cfg, int argc, char **argv,
                  struct v2x_opt_args *args, int want_files)
{
	char err[512];
	int rc = v2x_opt_defaults(t, cfg, err, sizeof(err));
	if (rc == 0)
		rc = v2x_opt_parse_args(t, cfg, argc, argv, args, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "v2x-sim: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	if (args->help) {
		v2x_opt_help(t, stdout);
		return SIM_EXIT_PASS;
	}
	if (want_files >= 0 && args->argc != want_files) {
		fprintf(stderr, "v2x-sim: %s takes %d scenario file%s, got %d (see --help)\n",
		        argv[0], want_files, want_files == 1 ? "" : "s", args->argc);
		return SIM_EXIT_USAGE;
	}
	return -1;
}

int sim_cli_make_dirs(const char *path, char *err, size_t errlen)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		int rc = mkdir(p, 0755);
		*q = '/';
		if (rc && errno != EEXIST)
			goto fail;
	}
	if (mkdir(p, 0755) == 0 || errno == EEXIST)
		return 0;
fail:
	snprintf(err, errlen, "cannot make the folder %s: %s", path, strerror(errno));
	return V2X_EIO;
}

void sim_cli_bin_dir(char *buf, size_t len)
{
	char exe[1024];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(buf, len, ".");
		return;
	}
	exe[n] = '\0';
	/* BUILD/sim/main/v2x-sim -> BUILD */
	char *d = dirname(dirname(dirname(exe)));
	snprintf(buf, len, "%s", d);
}
