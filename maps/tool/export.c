/* v2x-map export --geojson: a map for people to look at. */
#include <stddef.h>
#include <stdio.h>

#include "maps/frame.h"
#include "maps/geojson.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

struct export_cfg {
	struct tool_source src;
	bool geojson;
	char *out;
};

static const struct v2x_opt export_opts[] = {
	TOOL_SOURCE_OPTS(struct export_cfg, src),
	{ .name = "geojson",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct export_cfg, geojson),
	  .help = "write GeoJSON (the one format for now, and required)" },
	{ .name = "out",
	  .short_name = 'o',
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct export_cfg, out),
	  .metavar = "FILE",
	  .help = "write to FILE rather than standard output" },
	V2X_OPT_END,
};

static const struct v2x_opt_table export_table = {
	export_opts, "v2x-map export --geojson [--map FILE | --db CONNINFO] [--out FILE]",
	"Writes the map as one GeoJSON FeatureCollection in WGS84 (longitude, latitude, "
	"ellipsoidal height): lanes, curves, grade sections, tunnels and bridges, stop lines, "
	"sight obstructions, hazard zones, RSUs and intersections, each with a \"layer\" "
	"property and its numbers.  Open it in QGIS or geojson.io.",
	false
};

static int write_json(json_t *doc, const char *path, char *err, size_t len)
{
	int flags = JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12);

	if (!path)
		return json_dumpf(doc, stdout, flags) == 0 && fputc('\n', stdout) != EOF ? 0
		                                                                         : V2X_EIO;
	if (json_dump_file(doc, path, flags) == 0)
		return 0;
	snprintf(err, len, "cannot write %s", path);
	return V2X_EIO;
}

static int export(const struct export_cfg *c)
{
	struct tool_map tm;
	json_t *doc = NULL;
	char err[1024];
	int rc = tool_map_open(&c->src, &tm, err, sizeof(err));

	if (rc == 0 && !(doc = map_geojson(&tm.m, tm.frame, err, sizeof(err))))
		rc = V2X_ERANGE;
	if (rc == 0)
		rc = write_json(doc, c->out, err, sizeof(err));
	if (rc == 0 && c->out)
		fprintf(stderr, "wrote %s: %zu features\n", c->out,
		        json_array_size(json_object_get(doc, "features")));
	json_decref(doc);
	tool_map_close(&tm);
	return rc ? tool_fail("%s", err) : 0;
}

int tool_export(int argc, char **argv)
{
	struct export_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = tool_parse(&export_table, &c, argc, argv, &args);

	if (rc < 0 && !c.geojson)
		rc = tool_fail("say which format: --geojson (see --help)") + 1;
	if (rc < 0 && args.argc > 0)
		rc = tool_fail("export takes no arguments: '%s' (see --help)", args.argv[0]) + 1;
	if (rc < 0)
		rc = export(&c);
	v2x_opt_release(&export_table, &c);
	return rc;
}
