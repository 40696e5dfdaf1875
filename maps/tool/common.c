#include <stdarg.h>
#include <stdio.h>

#include "maps/db/conn.h"
#include "maps/db/load.h"
#include "maps/frame.h"
#include "maps/gen/mapfile.h"
#include "maps/gen/mapgen.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

int tool_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("v2x-map: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int tool_parse(const struct v2x_opt_table *t, void *cfg, int argc, char **argv,
               struct v2x_opt_args *args)
{
	char err[512];

	if (v2x_opt_defaults(t, cfg, err, sizeof(err)) != 0 ||
	    v2x_opt_parse_args(t, cfg, argc, argv, args, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-map: %s\n", err);
		return 2;
	}
	if (args->help) {
		v2x_opt_help(t, stdout);
		return 0;
	}
	return -1;
}

static int load_db(const struct tool_source *src, const struct v2x_log *log,
                   struct v2x_arena *arena, struct map_model *m, char *err, size_t errlen)
{
	struct map_db_conn *c = NULL;
	int rc = map_db_open(src->db, log, &c, err, errlen);

	if (rc == 0)
		rc = map_db_load(map_db_conn_pg(c), src->version, arena, m, err, errlen);
	map_db_close(c);
	return rc;
}

int tool_source_load(const struct tool_source *src, const struct v2x_log *log,
                     struct v2x_arena *arena, struct map_model *m, char *err, size_t errlen)
{
	struct mapgen_params p = mapgen_params_default();

	if (src->map && src->db) {
		snprintf(err, errlen, "give --map or --db, not both");
		return V2X_EUSAGE;
	}
	if (src->map)
		return map_file_read(src->map, arena, m, err, errlen);
	if (src->db)
		return load_db(src, log, arena, m, err, errlen);
	return mapgen_build(&p, arena, m, err, errlen);
}

int tool_map_open(const struct tool_source *src, struct tool_map *tm, char *err, size_t errlen)
{
	struct v2x_log log;
	int rc;

	tm->frame = NULL;
	v2x_log_init(&log, "v2x-map", "warn");
	v2x_arena_init(&tm->arena, 1 << 20, 0);
	rc = tool_source_load(src, &log, &tm->arena, &tm->m, err, errlen);
	if (rc == 0)
		rc = map_frame_new(tm->m.meta.proj, &tm->frame, err, errlen);
	return rc;
}

void tool_map_close(struct tool_map *tm)
{
	map_frame_free(tm->frame);
	v2x_arena_fini(&tm->arena);
}
