/*
 * v2x-map: the lane-level HD map of the pilot zone: generate the mountain
 * test field, load maps into PostGIS, look at them, match positions.
 */
#include <stdio.h>
#include <string.h>

#include "maps/tool/tool.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "gen", tool_gen, "generate the mountain test field: map.json and ground-truth.json" },
	{ "load", tool_load, "load a map into PostGIS (a private cluster by default)" },
	{ "export", tool_export, "write a map as GeoJSON, to open in QGIS or geojson.io" },
	{ "mapmsg", tool_mapmsg, "the junction as the UPER MAP message its RSU broadcasts" },
	{ "info", tool_info, "what a map, or a loaded map version, holds" },
	{ "match", tool_match, "which lane a position is on, how far along, the profile there" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: v2x-map COMMAND [OPTIONS] [ARGS...]\n\n"
	             "The lane-level HD map of the pilot zone.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'v2x-map COMMAND --help' tells more about one command.  Commands that\n"
	             "read a map take --map FILE (a map.json) or --db CONNINFO (a PostgreSQL\n"
	             "connection string, with --version N); without either they use the\n"
	             "test field generated with the default parameters.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "v2x-map: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
