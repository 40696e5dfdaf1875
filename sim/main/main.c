/*
 * v2x-sim: the scenario simulator of the test field.  See docs/scenarios.md.
 */
#include <stdio.h>
#include <string.h>

#include "sim/main/cli.h"
#include "sim/report/verdict.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", sim_cmd_run, "run a scenario against the real system and judge it" },
	{ "check", sim_cmd_check, "check scenarios against their maps, start nothing" },
	{ "plan", sim_cmd_plan, "the datagrams a run would send (for determinism checks)" },
	{ "expect", sim_cmd_expect, "the warnings the simulator's truth expects" },
	{ "load", sim_cmd_load, "N vehicles at 10 Hz through the real system, for benchmarks" },
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: v2x-sim COMMAND [OPTIONS] [ARGS...]\n\n"
	        "The test field's scenario simulator: vehicles on the map's lanes, RSUs with\n"
	        "radio range, faults, and warnings judged against the simulator's own truth.\n\n"
	        "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'v2x-sim COMMAND --help' tells more about one command; docs/scenarios.md\n"
	             "documents the scenario files.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SIM_EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			int rc = commands[i].run(argc - 1, argv + 1);
			sim_report_release_fonts();
			return rc;
		}
	fprintf(stderr, "v2x-sim: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return SIM_EXIT_USAGE;
}
