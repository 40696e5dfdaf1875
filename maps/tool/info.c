/* v2x-map info: what a map, or a loaded map version, holds. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "maps/db/conn.h"
#include "maps/db/info.h"
#include "maps/frame.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

struct info_cfg {
	struct tool_source src;
	bool all;
};

static const struct v2x_opt info_opts[] = {
	TOOL_SOURCE_OPTS(struct info_cfg, src),
	{ .name = "all",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct info_cfg, all),
	  .help = "with --db: every map version, not only one" },
	V2X_OPT_END,
};

static const struct v2x_opt_table info_table = {
	info_opts, "v2x-map info [--map FILE | --db CONNINFO [--version N | --all]]",
	"Prints what a map holds: its frame and height datum, roads, lanes and their length, "
	"profile samples, connections, intersections, features, RSUs, and its extent in WGS84.",
	false
};

/* What a model holds, in the form map_db_info() gives for a version. */
static int model_info(const struct map_model *m, struct map_frame *f, struct map_db_info *in,
                      char *err, size_t len)
{
	int rc = 0;

	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", m->meta.name);
	snprintf(in->proj, sizeof(in->proj), "%s", m->meta.proj);
	snprintf(in->height_datum, sizeof(in->height_datum), "%s", m->meta.height_datum);
	snprintf(in->source, sizeof(in->source), "%s", m->meta.source);
	snprintf(in->created_at, sizeof(in->created_at), "not loaded");
	in->n_roads = m->n_roads, in->n_lanes = m->n_lanes, in->n_connections = m->n_connections;
	in->n_intersections = m->n_intersections, in->n_stop_lines = m->n_stop_lines;
	in->n_structures = m->n_structures, in->n_obstructions = m->n_obstructions;
	in->n_rsus = m->n_rsus, in->n_hazard_zones = m->n_hazard_zones;
	in->n_curves = m->n_curves, in->n_grade_sections = m->n_grade_sections;
	in->lat_min_deg = in->lon_min_deg = in->z_min_m = INFINITY;
	in->lat_max_deg = in->lon_max_deg = in->z_max_m = -INFINITY;
	for (size_t i = 0; rc == 0 && i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		in->lane_km += l->length_m / 1000;
		in->n_samples += l->n_samples;
		for (size_t k = 0; rc == 0 && k < l->n_points; k++) {
			double lat, lon;
			rc = map_frame_to_wgs84(f, l->points[k].x, l->points[k].y, &lat, &lon);
			in->lat_min_deg = fmin(in->lat_min_deg, lat);
			in->lat_max_deg = fmax(in->lat_max_deg, lat);
			in->lon_min_deg = fmin(in->lon_min_deg, lon);
			in->lon_max_deg = fmax(in->lon_max_deg, lon);
			in->z_min_m = fmin(in->z_min_m, l->points[k].z);
			in->z_max_m = fmax(in->z_max_m, l->points[k].z);
		}
	}
	if (rc == V2X_ERANGE)
		snprintf(err, len, "a lane point cannot be converted to WGS84");
	return rc;
}

static int db_info(const struct info_cfg *c, const struct v2x_log *log, char *err, size_t len)
{
	struct map_db_conn *conn = NULL;
	struct map_db_info one = { 0 }, *all = NULL;
	struct v2x_arena arena;
	size_t n = 0;
	int rc = map_db_open(c->src.db, log, &conn, err, len);

	v2x_arena_init(&arena, 4096, 0);
	if (rc == 0 && c->all)
		rc = map_db_versions(map_db_conn_pg(conn), &arena, &all, &n, err, len);
	else if (rc == 0 && c->src.version == 0)
		rc = map_db_latest(map_db_conn_pg(conn), &one.id, err, len);
	else
		one.id = c->src.version;
	if (rc == 0 && !c->all)
		rc = map_db_info(map_db_conn_pg(conn), one.id, &one, err, len);
	for (size_t i = 0; rc == 0 && i < (c->all ? n : 1); i++)
		tool_print_info(c->all ? &all[i] : &one);
	if (rc == 0 && c->all && n == 0)
		printf("no map version is loaded\n");
	v2x_arena_fini(&arena);
	map_db_close(conn);
	return rc;
}

static int info(const struct info_cfg *c)
{
	struct map_db_info in;
	struct tool_map tm;
	struct v2x_log log;
	char err[1024];
	int rc;

	v2x_log_init(&log, "v2x-map", "warn");
	if (c->src.db)
		return db_info(c, &log, err, sizeof(err)) ? tool_fail("%s", err) : 0;
	rc = tool_map_open(&c->src, &tm, err, sizeof(err));
	if (rc == 0)
		rc = model_info(&tm.m, tm.frame, &in, err, sizeof(err));
	if (rc == 0)
		tool_print_info(&in);
	tool_map_close(&tm);
	return rc ? tool_fail("%s", err) : 0;
}

int tool_info(int argc, char **argv)
{
	struct info_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = tool_parse(&info_table, &c, argc, argv, &args);

	if (rc < 0 && args.argc > 0)
		rc = tool_fail("info takes no arguments: '%s' (see --help)", args.argv[0]) + 1;
	if (rc < 0 && c.all && !c.src.db)
		rc = tool_fail("--all needs --db") + 1;
	if (rc < 0)
		rc = info(&c);
	v2x_opt_release(&info_table, &c);
	return rc;
}
