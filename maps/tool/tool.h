/* The subcommands of v2x-map and what they share (see main.c). */
#ifndef V2X_MAPS_TOOL_H
#define V2X_MAPS_TOOL_H

#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"
#include "runtime/log.h"

/* Each returns the process exit status: 0 done, 1 failed, 2 bad usage. */
int tool_gen(int argc, char **argv);
int tool_load(int argc, char **argv);
int tool_export(int argc, char **argv);
int tool_mapmsg(int argc, char **argv);
int tool_info(int argc, char **argv);
int tool_match(int argc, char **argv);

/*
 * Where a command reads its map from: the map file map (v2x-map gen's
 * map.json), or version version (0: the newest) of the database db, or,
 * when neither is given, the test field generated with the default
 * parameters.
 */
struct tool_source {
	char *map;
	char *db;
	int64_t version;
};

/* The options of a struct tool_source held in field src of cfg_type. */
#define TOOL_SOURCE_OPTS(cfg_type, src)                                                            \
	{ .name = "map",                                                                           \
	  .type = V2X_OPT_STRING,                                                                  \
	  .offset = offsetof(cfg_type, src.map),                                                   \
	  .metavar = "FILE",                                                                       \
	  .help = "read the map file FILE (v2x-map gen's map.json)" },                             \
	        { .name = "db",                                                                    \
		  .type = V2X_OPT_STRING,                                                          \
		  .offset = offsetof(cfg_type, src.db),                                            \
		  .metavar = "CONNINFO",                                                           \
		  .help = "read the map from this PostgreSQL (libpq connection string)" },         \
	{                                                                                          \
		.name = "version", .type = V2X_OPT_INT, .offset = offsetof(cfg_type, src.version), \
		.def = "0", .min = 0, .max = INT64_MAX,                                            \
		.help = "with --db: the map version (0: the newest)"                               \
	}

/* A map a command works on: the model, its memory, and its frame. */
struct map_frame;
struct tool_map {
	struct v2x_arena arena;
	struct map_model m;
	struct map_frame *frame;
};

/* Reads the map of src into tm and makes its frame (quietly: warnings
 * only).  0, or an error code with the reason in err; tm is to be closed
 * either way. */
int tool_map_open(const struct tool_source *src, struct tool_map *tm, char *err, size_t errlen);

/* Releases what tool_map_open() made. */
void tool_map_close(struct tool_map *tm);

/* Fills *m from src, lists in arena.  0, or an error code with the reason
 * in err. */
int tool_source_load(const struct tool_source *src, const struct v2x_log *log,
                     struct v2x_arena *arena, struct map_model *m, char *err, size_t errlen);

/* Parses argv with the option table t into cfg (defaults first); prints
 * --help.  Returns -1 to go on, or the exit status to return now. */
struct v2x_opt_table;
struct v2x_opt_args;
int tool_parse(const struct v2x_opt_table *t, void *cfg, int argc, char **argv,
               struct v2x_opt_args *args);

/* Prints what a loaded map version holds. */
struct map_db_info;
void tool_print_info(const struct map_db_info *in);

/* Prints "v2x-map: <message>" on stderr and returns 1. */
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
