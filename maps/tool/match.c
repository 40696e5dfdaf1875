/* v2x-map match: which lane a position is on, and what the road does there. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps/frame.h"
#include "maps/index/index.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

/* --elev and --heading are strings so that "not given" differs from 0
 * (a heading of 0 is north); they are checked like the coordinates. */
struct match_cfg {
	struct tool_source src;
	char *elev_text, *heading_text;
	double ahead;
	double elev, heading; /* NaN when not given */
};

static const struct v2x_opt match_opts[] = {
	TOOL_SOURCE_OPTS(struct match_cfg, src),
	{ .name = "elev",
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct match_cfg, elev_text),
	  .metavar = "M",
	  .help = "ellipsoidal height, m, as a BSM gives it: picks between stacked roads" },
	{ .name = "heading",
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct match_cfg, heading_text),
	  .metavar = "DEG",
	  .help = "direction of travel, degrees clockwise from north: picks the direction" },
	{ .name = "ahead",
	  .type = V2X_OPT_DOUBLE,
	  .offset = offsetof(struct match_cfg, ahead),
	  .def = "300",
	  .dmin = 0,
	  .dmax = 5000,
	  .metavar = "M",
	  .help = "list what the road holds this far ahead along the lane graph" },
	V2X_OPT_END,
};

static const struct v2x_opt_table match_table = {
	match_opts, "v2x-map match [OPTIONS] LAT LON",
	"Matches a WGS84 position (degrees) to the map as the broker does for a BSM: the lane, "
	"how far along it (s), the lateral offset from its centre line (positive to the left), "
	"the profile there (height, heading, curvature, grade, superelevation, width, limits), "
	"and the curves, grade sections, tunnels, bridges, stop lines and hazard zones ahead.",
	false
};

static const char *const kind_names[] = {
	[MAP_INDEX_CURVE_START] = "curve starts",    [MAP_INDEX_CURVE_ARC_START] = "arc starts",
	[MAP_INDEX_CURVE_ARC_END] = "arc ends",      [MAP_INDEX_CURVE_END] = "curve ends",
	[MAP_INDEX_GRADE_START] = "grade starts",    [MAP_INDEX_GRADE_END] = "grade ends",
	[MAP_INDEX_TUNNEL_START] = "tunnel",         [MAP_INDEX_TUNNEL_END] = "tunnel ends",
	[MAP_INDEX_BRIDGE_START] = "bridge",         [MAP_INDEX_BRIDGE_END] = "bridge ends",
	[MAP_INDEX_STOP_LINE] = "stop line",         [MAP_INDEX_HAZARD_START] = "hazard zone",
	[MAP_INDEX_HAZARD_END] = "hazard zone ends", [MAP_INDEX_LANE_ENTER] = "enters lane",
};

static int print_feature(void *arg, const struct map_index_feature *f)
{
	const struct map_curve *c = f->u.curve;

	(void)arg;
	printf("  %8.1f m  branch %u  %-16s lane %u", f->at.dist_m, f->at.branch,
	       kind_names[f->kind], f->at.lane_id);
	if (f->kind == MAP_INDEX_CURVE_START)
		printf(": radius %.1f m to the %s%s, advisory %.0f km/h", c->radius_m,
		       c->turn > 0 ? "left" : "right", c->hairpin ? " (hairpin)" : "",
		       c->advisory_mps * 3.6);
	else if (f->kind == MAP_INDEX_GRADE_START)
		printf(": %.1f %% over %.0f m", f->u.grade->grade * 100,
		       f->u.grade->s1 - f->u.grade->s0);
	else if (f->kind == MAP_INDEX_TUNNEL_START || f->kind == MAP_INDEX_BRIDGE_START ||
	         f->kind == MAP_INDEX_HAZARD_START)
		printf(": %s", f->u.area->name);
	else if (f->kind == MAP_INDEX_STOP_LINE)
		printf(": signal group %d", f->u.stop_line->signal_group);
	putchar('\n');
	return MAP_INDEX_WALK_GO;
}

static void print_match(const struct map_model *m, const struct map_index *idx,
                        const struct map_index_match *r)
{
	struct map_index_lane lane;
	struct map_sample p;
	const char *road = "";

	map_index_lane(idx, r->lane_id, &lane);
	map_index_profile_at(idx, r->lane_id, r->s, &p);
	for (size_t i = 0; i < m->n_roads; i++)
		if (m->roads[i].id == lane.road_id)
			road = m->roads[i].name;
	printf("lane %u (road %u \"%s\", direction %+d): s %.2f of %.2f m, %.2f m %s of the "
	       "centre line, dz %.2f m, confidence %.2f\n",
	       r->lane_id, lane.road_id, road, lane.direction, r->s, lane.length_m,
	       fabs(r->lateral_m), r->lateral_m >= 0 ? "left" : "right", r->dz_m, r->confidence);
	printf("profile: height %.2f m, heading %.2f deg, curvature %.5f 1/m (radius %.1f m), "
	       "grade "
	       "%.2f %%, superelevation %.2f %%, width %.2f m, limit %.0f km/h, advisory ",
	       p.z, p.heading_deg, p.curvature, p.curvature ? 1 / fabs(p.curvature) : INFINITY,
	       p.grade * 100, p.superelevation * 100, p.width_m, p.speed_limit_mps * 3.6);
	if (isnan(p.advisory_mps))
		printf("none\n");
	else
		printf("%.0f km/h\n", p.advisory_mps * 3.6);
}

static int match(const struct match_cfg *c, double lat, double lon)
{
	struct map_index_query q = { 0, 0, c->elev, c->heading };
	struct map_index_walk walk = { .distance_m = c->ahead, .on_feature = print_feature };
	struct map_index *idx = NULL;
	struct map_index_match r;
	struct tool_map tm;
	char err[1024];
	int rc = tool_map_open(&c->src, &tm, err, sizeof(err));

	if (rc == 0 && map_frame_from_wgs84(tm.frame, lat, lon, &q.x, &q.y) != 0)
		rc = V2X_ERANGE, snprintf(err, sizeof(err), "%f, %f is not a position", lat, lon);
	if (rc == 0)
		rc = map_index_new(&tm.m, &idx, err, sizeof(err));
	if (rc == 0 && (rc = map_index_match(idx, &q, NULL, &r)) == V2X_ENOTFOUND)
		snprintf(err, sizeof(err), "off map: no lane within %.0f m of (%.7f, %.7f)%s",
		         MAP_MATCH_RADIUS_M, lat, lon,
		         isnan(c->heading) && isnan(c->elev) ? ""
		                                             : " with that heading and height");
	if (rc == 0) {
		printf("local frame: x %.2f m, y %.2f m\n", q.x, q.y);
		print_match(&tm.m, idx, &r);
		if (c->ahead > 0) {
			printf("ahead (%.0f m along the lane graph):\n", c->ahead);
			map_index_walk(idx, r.lane_id, r.s, &walk);
		}
	}
	map_index_free(idx);
	tool_map_close(&tm);
	return rc ? tool_fail("%s", err) : 0;
}

/* A number argument within lo..hi; NULL gives NaN. */
static int coordinate(const char *s, double lo, double hi, double *out)
{
	char *end;

	*out = NAN;
	if (!s)
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out >= lo && *out <= hi ? 0 : -1;
}

/* Checks the arguments and the number options; returns -1 to go on. */
static int check_args(struct match_cfg *c, const struct v2x_opt_args *args, double *lat,
                      double *lon)
{
	if (args->argc != 2)
		return tool_fail("match needs LAT LON (see --help)") + 1;
	if (coordinate(args->argv[0], -90, 90, lat) != 0 || !args->argv[0][0])
		return tool_fail("LAT '%s': not a latitude in degrees", args->argv[0]) + 1;
	if (coordinate(args->argv[1], -180, 180, lon) != 0 || !args->argv[1][0])
		return tool_fail("LON '%s': not a longitude in degrees", args->argv[1]) + 1;
	if (coordinate(c->elev_text, -500, 9000, &c->elev) != 0)
		return tool_fail("--elev=%s: not a height in metres", c->elev_text) + 1;
	if (coordinate(c->heading_text, 0, 360, &c->heading) != 0)
		return tool_fail("--heading=%s: not a heading in degrees 0..360", c->heading_text) +
		       1;
	return -1;
}

int tool_match(int argc, char **argv)
{
	struct match_cfg c = { 0 };
	struct v2x_opt_args args;
	double lat = 0, lon = 0;
	int rc = tool_parse(&match_table, &c, argc, argv, &args);

	if (rc < 0)
		rc = check_args(&c, &args, &lat, &lon);
	if (rc < 0)
		rc = match(&c, lat, lon);
	v2x_opt_release(&match_table, &c);
	return rc;
}
