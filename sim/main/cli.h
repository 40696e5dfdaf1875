/*
 * v2x-sim: what the files of the program share (not an API).  main.c
 * dispatches the commands; prep.c reads a scenario and its map and runs
 * the world, the oracle and the radio plan; run.c runs a scenario against
 * the real system (stack.c starts it, listen.c subscribes); cmds.c holds
 * the commands that need no running system (check, plan, expect); load.c
 * drives the broker's load generator through the same stack.
 */
#ifndef V2X_SIM_MAIN_CLI_H
#define V2X_SIM_MAIN_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "maps/frame.h"
#include "maps/model.h"
#include "runtime/arena.h"
#include "runtime/opt.h"
#include "sim/oracle/oracle.h"
#include "sim/radio/radio.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

/* Exit statuses. */
enum {
	SIM_EXIT_PASS = 0,
	SIM_EXIT_FAIL = 1,   /* a check of the verdict failed */
	SIM_EXIT_USAGE = 2,  /* bad options or a bad scenario */
	SIM_EXIT_SYSTEM = 3, /* the system under test could not be run */
};

struct sim_prep {
	struct v2x_arena arena;
	struct sim_scenario sc;
	struct map_model map;
	struct map_frame *frame;
	struct sim_world world;
	struct sim_expected *exp;
	size_t n_exp;
	struct sim_plan plan;
};

/* Reads the scenario at path and generates its map (unless it names a
 * loaded map version, which sim_prep_map_loaded then takes).  0 or an
 * error in err. */
int sim_prep_scenario(struct sim_prep *p, const char *path, char *err, size_t errlen);

/* Checks the scenario against the map, runs the world and the oracle. */
int sim_prep_truth(struct sim_prep *p, char *err, size_t errlen);

/* Plans the datagrams for t = 0 at epoch_us. */
int sim_prep_plan(struct sim_prep *p, int64_t epoch_us, char *err, size_t errlen);

void sim_prep_fini(struct sim_prep *p);

/* Parses argv with t into cfg: -1 to go on, else the exit status (help
 * printed, or the error). */
int sim_cli_parse(const struct v2x_opt_table *t, void *cfg, int argc, char **argv,
                  struct v2x_opt_args *args, int want_files);

/* Makes the folder path and its parents.  0, or V2X_EIO with err. */
int sim_cli_make_dirs(const char *path, char *err, size_t errlen);

/* Where v2x-broker and v2x-agent are: the build folder v2x-sim runs from. */
void sim_cli_bin_dir(char *buf, size_t len);

int sim_cmd_run(int argc, char **argv);
int sim_cmd_check(int argc, char **argv);
int sim_cmd_plan(int argc, char **argv);
int sim_cmd_expect(int argc, char **argv);
int sim_cmd_load(int argc, char **argv);

#endif
