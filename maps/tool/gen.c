/* v2x-map gen: the mountain test field, as files. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "maps/gen/mapfile.h"
#include "maps/gen/mapgen.h"
#include "maps/gen/truth.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

struct gen_cfg {
	char *out;
	int64_t seed, hairpins;
	double lat, lon, r_min, r_max, hairpin_grade, downgrade, downgrade_len, tunnel_len;
	double narrow_len, lane_width, narrow_width, limit, slow_limit, friction, e_max, rsu_range;
};

/* field names a member inside offsetof, which cannot take parentheses. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define D(opt, field, dflt, lo, hi, text)                                                         \
	{                                                                                         \
		.name = (opt), .type = V2X_OPT_DOUBLE, .offset = offsetof(struct gen_cfg, field), \
		.def = (dflt), .dmin = (lo), .dmax = (hi), .help = (text)                         \
	}
// NOLINTEND(bugprone-macro-parentheses)

/* The defaults are mapgen_params_default()'s (maps/gen/mapgen.h); the
 * test maps-cli checks that the two agree. */
static const struct v2x_opt gen_opts[] = {
	{ .name = "out",
	  .short_name = 'o',
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct gen_cfg, out),
	  .def = "testfield",
	  .metavar = "DIR",
	  .help = "folder to write map.json and ground-truth.json into (made if missing)" },
	{ .name = "seed",
	  .short_name = 's',
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct gen_cfg, seed),
	  .def = "1",
	  .min = 0,
	  .max = INT64_MAX,
	  .help = "master seed: the same seed gives the same files, byte for byte" },
	{ .name = "hairpins",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct gen_cfg, hairpins),
	  .def = "4",
	  .min = 3,
	  .max = MAPGEN_HAIRPINS_MAX,
	  .help = "number of hairpin bends" },
	D("origin-lat", lat, "29.6", -80, 80, "latitude of the local frame's origin, degrees"),
	D("origin-lon", lon, "106.5", -180, 180, "longitude of the origin, degrees"),
	D("hairpin-radius-min", r_min, "16", 16, 28, "smallest hairpin radius, m"),
	D("hairpin-radius-max", r_max, "24", 16, 28, "largest hairpin radius, m"),
	D("hairpin-grade", hairpin_grade, "0.035", 0, 0.05, "grade through the hairpins"),
	D("downgrade", downgrade, "0.075", 0.06, 0.10, "grade of the sustained downgrade"),
	D("downgrade-length", downgrade_len, "900", 800, 1200, "its length at full grade, m"),
	D("tunnel-length", tunnel_len, "420", 300, 1000, "tunnel length, m"),
	D("narrow-length", narrow_len, "500", 400, 1000, "length of the narrow ridge road, m"),
	D("lane-width", lane_width, "3.5", 3.25, 3.75, "lane width, m"),
	D("narrow-width", narrow_width, "3.0", 3.0, 3.5, "lane width of the narrow section, m"),
	D("speed-limit", limit, "40", 30, 60, "posted limit of the open sections, km/h"),
	D("slow-limit", slow_limit, "30", 10, 60,
	  "limit of the narrow section, hairpins, spiral and junction turns, km/h"),
	D("friction", friction, "0.15", 0.08, 0.25, "side friction of the advisory speeds"),
	D("e-max", e_max, "0.06", 0.04, 0.10, "largest superelevation"),
	D("rsu-range", rsu_range, "300", 150, 1000, "radio range of every RSU, m"),
	V2X_OPT_END,
};

static const struct v2x_opt_table gen_table = {
	gen_opts, "v2x-map gen [OPTIONS]",
	"Generates the mountain test field (hairpins with rock faces on their inner side, a "
	"long steep downgrade, a tunnel, a spiral that passes over itself, a narrow two-way "
	"section, a signalised junction at the valley floor, RSUs, hazard spots) near "
	"29.6 N 106.5 E, and writes DIR/map.json (the map) and DIR/ground-truth.json (every "
	"feature with its numbers).",
	false
};

static struct mapgen_params params_of(const struct gen_cfg *c)
{
	struct mapgen_params p = mapgen_params_default();

	p.seed = (uint64_t)c->seed;
	p.origin_lat_deg = c->lat;
	p.origin_lon_deg = c->lon;
	p.n_hairpins = (unsigned)c->hairpins;
	p.hairpin_r_min_m = c->r_min;
	p.hairpin_r_max_m = c->r_max;
	p.hairpin_grade = c->hairpin_grade;
	p.downgrade = c->downgrade;
	p.downgrade_len_m = c->downgrade_len;
	p.tunnel_len_m = c->tunnel_len;
	p.narrow_len_m = c->narrow_len;
	p.lane_width_m = c->lane_width;
	p.narrow_width_m = c->narrow_width;
	p.speed_limit_kmh = c->limit;
	p.slow_limit_kmh = c->slow_limit;
	p.friction = c->friction;
	p.e_max = c->e_max;
	p.rsu_range_m = c->rsu_range;
	return p;
}

static void summary(const struct map_model *m, const char *dir)
{
	double km = 0;

	for (size_t i = 0; i < m->n_lanes; i++)
		km += m->lanes[i].length_m / 1000;
	printf("%s: %zu roads, %zu lanes (%.2f km of lane), %zu curves, %zu grade sections, "
	       "%zu structures, %zu obstructions, %zu RSUs, %zu hazard zones\n",
	       m->meta.name, m->n_roads, m->n_lanes, km, m->n_curves, m->n_grade_sections,
	       m->n_structures, m->n_obstructions, m->n_rsus, m->n_hazard_zones);
	printf("wrote %s/map.json and %s/ground-truth.json\n", dir, dir);
}

static int generate(const struct gen_cfg *c)
{
	struct mapgen_params p = params_of(c);
	struct v2x_arena arena;
	struct map_model m;
	char err[512], path[4096];
	int rc;

	if (mkdir(c->out, 0777) != 0 && errno != EEXIST)
		return tool_fail("cannot make folder %s: %s", c->out, strerror(errno));
	v2x_arena_init(&arena, 1 << 20, 0);
	rc = mapgen_build(&p, &arena, &m, err, sizeof(err));
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/map.json", c->out);
		rc = map_file_write(&m, path, err, sizeof(err));
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/ground-truth.json", c->out);
		rc = mapgen_truth_write(&m, &p, path, err, sizeof(err));
	}
	if (rc == 0)
		summary(&m, c->out);
	v2x_arena_fini(&arena);
	return rc ? tool_fail("%s", err) : 0;
}

int tool_gen(int argc, char **argv)
{
	struct gen_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = tool_parse(&gen_table, &c, argc, argv, &args);

	if (rc < 0 && args.argc > 0)
		rc = tool_fail("gen takes no arguments: '%s' (see --help)", args.argv[0]) + 1;
	if (rc < 0)
		rc = generate(&c);
	v2x_opt_release(&gen_table, &c);
	return rc;
}
