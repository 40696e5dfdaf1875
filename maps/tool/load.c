/* v2x-map load: a map into PostGIS. */
#include <stddef.h>
#include <stdio.h>

#include "maps/db/conn.h"
#include "maps/db/info.h"
#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "maps/gen/mapfile.h"
#include "maps/gen/mapgen.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

struct load_cfg {
	char *db;
	char *log_level;
};

static const struct v2x_opt load_opts[] = {
	{ .name = "db",
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct load_cfg, db),
	  .metavar = "CONNINFO",
	  .help = "the PostgreSQL to load into (libpq connection string); default: a private "
	          "cluster the tool starts, loads and removes again, to check a map" },
	{ .name = "log-level",
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct load_cfg, log_level),
	  .def = "info",
	  .help = "error, warn, info or debug" },
	V2X_OPT_END,
};

static const struct v2x_opt_table load_table = {
	load_opts, "v2x-map load [OPTIONS] [MAPFILE]",
	"Validates the map in MAPFILE (v2x-map gen's map.json; default: the test field of the "
	"default parameters), applies the schema's migrations to the database if needed, and "
	"stores the map as a new map version in one transaction, which announces it with a "
	"NOTIFY on v2x_map_version.  Prints the version's id and what it holds.",
	false
};

void tool_print_info(const struct map_db_info *in)
{
	if (in->id)
		printf("map version %lld \"%s\" (%s, loaded %s)\n", (long long)in->id, in->name,
		       in->source, in->created_at);
	else
		printf("map \"%s\" (%s)\n", in->name, in->source);
	printf("  frame: %s\n  heights: %s\n", in->proj, in->height_datum);
	printf("  %zu roads, %zu lanes, %.2f km of lane, %zu profile samples\n", in->n_roads,
	       in->n_lanes, in->lane_km, in->n_samples);
	printf("  %zu connections, %zu intersections, %zu stop lines, %zu curves, %zu grade "
	       "sections\n",
	       in->n_connections, in->n_intersections, in->n_stop_lines, in->n_curves,
	       in->n_grade_sections);
	printf("  %zu tunnels and bridges, %zu sight obstructions, %zu RSUs, %zu hazard zones\n",
	       in->n_structures, in->n_obstructions, in->n_rsus, in->n_hazard_zones);
	printf("  extent: %.6f..%.6f N, %.6f..%.6f E, heights %.1f..%.1f m\n", in->lat_min_deg,
	       in->lat_max_deg, in->lon_min_deg, in->lon_max_deg, in->z_min_m, in->z_max_m);
}

static int store(struct map_db_conn *c, const struct map_model *m, char *err, size_t errlen)
{
	PGconn *pg = map_db_conn_pg(c);
	struct map_db_info info;
	int64_t id = 0;
	int applied = 0;
	int rc = map_db_migrate(pg, &applied, err, errlen);

	if (rc == 0 && applied)
		printf("applied %d schema migration(s)\n", applied);
	if (rc == 0)
		rc = map_db_store(pg, m, &id, err, errlen);
	if (rc == 0)
		rc = map_db_info(pg, id, &info, err, errlen);
	if (rc == 0)
		tool_print_info(&info);
	return rc;
}

static int load(const struct load_cfg *cfg, char *file)
{
	struct tool_source src = { file, NULL, 0 };
	struct map_db_conn *c = NULL;
	struct v2x_arena arena;
	struct v2x_log log;
	struct map_model m;
	char err[1024];
	int rc = v2x_log_init(&log, "v2x-map", cfg->log_level);

	if (rc)
		return tool_fail("--log-level=%s: not a level (error, warn, info, debug)",
		                 cfg->log_level);
	v2x_arena_init(&arena, 1 << 20, 0);
	rc = tool_source_load(&src, &log, &arena, &m, err, sizeof(err));
	if (rc == 0)
		rc = map_db_open(cfg->db, &log, &c, err, sizeof(err));
	if (rc == 0)
		rc = store(c, &m, err, sizeof(err));
	if (rc == 0 && map_db_conn_private(c))
		printf("(loaded into a private cluster, which is now removed: give --db to keep "
		       "the map)\n");
	map_db_close(c);
	v2x_arena_fini(&arena);
	return rc ? tool_fail("%s", err) : 0;
}

int tool_load(int argc, char **argv)
{
	struct load_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = tool_parse(&load_table, &c, argc, argv, &args);

	if (rc < 0 && args.argc > 1)
		rc = tool_fail("load takes one map file at most (see --help)") + 1;
	if (rc < 0)
		rc = load(&c, args.argc ? args.argv[0] : NULL);
	v2x_opt_release(&load_table, &c);
	return rc;
}
