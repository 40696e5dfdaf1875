#include "maps/gen/mapfile_tables.h"

#include "maps/model.h"

/* Resolutions the file keeps, as decimals: 0.1 mm for lengths, which keeps
 * the turning of 1 m profile steps measurable to 1e-4 rad; 1e-6 degree of
 * heading (17 um of lateral offset over a kilometre); 1e-8 1/m of
 * curvature; 1e-6 of grade and cross slope; 0.1 mm/s of speed; 1e-9
 * degree (0.1 mm) of latitude and longitude. */
#define D_LEN    4
#define D_DEG    6
#define D_CURV   8
#define D_SLOPE  6
#define D_SPEED  4
#define D_LATLON 9

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Each expands to the members of one struct map_file__field (the tables
 * put the braces around it). */
#define U8(T, f)      #f, MF_U8, 0, offsetof(T, f), 0, 0, NULL
#define I8(T, f)      #f, MF_I8, 0, offsetof(T, f), 0, 0, NULL
#define U16(T, f)     #f, MF_U16, 0, offsetof(T, f), 0, 0, NULL
#define U32(T, f)     #f, MF_U32, 0, offsetof(T, f), 0, 0, NULL
#define I32(T, f)     #f, MF_I32, 0, offsetof(T, f), 0, 0, NULL
#define BOOL(T, f)    #f, MF_BOOL, 0, offsetof(T, f), 0, 0, NULL
#define DBL(T, f, d)  #f, MF_DBL, d, offsetof(T, f), 0, 0, NULL
#define STR(T, f)     #f, MF_STR, 0, offsetof(T, f), 0, sizeof(((T *)0)->f), NULL
#define ENUM(T, f, e) #f, MF_ENUM, 0, offsetof(T, f), 0, 0, &(e)
#define SUB(T, f, t)  #f, MF_STRUCT, 0, offsetof(T, f), 0, 0, &(t)
#define LIST(T, f, t) #f, MF_LIST, 0, offsetof(T, f), offsetof(T, n_##f), 0, &(t)
/* A polygon's vertices: a member designator cannot be parenthesised.
 * NOLINTNEXTLINE(bugprone-macro-parentheses) */
#define POLY(T, f, t) #f, MF_LIST, 0, offsetof(T, f.v), offsetof(T, f.n), 0, &(t)

static const char *const lane_types[] = { NULL, "driving" };
static const char *const maneuvers[] = { NULL, "straight", "left", "right", "uturn" };
static const char *const structure_kinds[] = { NULL, "tunnel", "bridge" };
static const char *const hazard_kinds[] = { NULL, "rockfall", "ice", "works", "fog", "landslide" };

static const struct map_file__names lane_type_names = { N(lane_types), lane_types };
static const struct map_file__names maneuver_names = { N(maneuvers), maneuvers };
static const struct map_file__names structure_names = { N(structure_kinds), structure_kinds };
static const struct map_file__names hazard_names = { N(hazard_kinds), hazard_kinds };

static const struct map_file__field xyz_f[] = {
	{ DBL(struct map_xyz, x, D_LEN) },
	{ DBL(struct map_xyz, y, D_LEN) },
	{ DBL(struct map_xyz, z, D_LEN) },
};
static const struct map_file__table xyz_t = { "point", sizeof(struct map_xyz), true, N(xyz_f),
	                                      xyz_f };

static const struct map_file__field xy_f[] = {
	{ DBL(struct map_xy, x, D_LEN) },
	{ DBL(struct map_xy, y, D_LEN) },
};
static const struct map_file__table xy_t = { "vertex", sizeof(struct map_xy), true, N(xy_f), xy_f };

static const struct map_file__field sample_f[] = {
	{ DBL(struct map_sample, s, D_LEN) },
	{ DBL(struct map_sample, x, D_LEN) },
	{ DBL(struct map_sample, y, D_LEN) },
	{ DBL(struct map_sample, z, D_LEN) },
	{ DBL(struct map_sample, heading_deg, D_DEG) },
	{ DBL(struct map_sample, curvature, D_CURV) },
	{ DBL(struct map_sample, grade, D_SLOPE) },
	{ DBL(struct map_sample, superelevation, D_SLOPE) },
	{ DBL(struct map_sample, width_m, D_LEN) },
	{ DBL(struct map_sample, speed_limit_mps, D_SPEED) },
	{ DBL(struct map_sample, advisory_mps, D_SPEED) },
};
const struct map_file__table map_file__sample = { "sample", sizeof(struct map_sample), true,
	                                          N(sample_f), sample_f };

static const struct map_file__field meta_f[] = {
	{ STR(struct map_meta, name) },
	{ STR(struct map_meta, proj) },
	{ STR(struct map_meta, height_datum) },
	{ STR(struct map_meta, source) },
	{ DBL(struct map_meta, origin_lat_deg, D_LATLON) },
	{ DBL(struct map_meta, origin_lon_deg, D_LATLON) },
};
static const struct map_file__table meta_t = { "meta", sizeof(struct map_meta), false, N(meta_f),
	                                       meta_f };

static const struct map_file__field road_f[] = {
	{ U32(struct map_road, id) },
	{ STR(struct map_road, name) },
	{ DBL(struct map_road, length_m, D_LEN) },
};
static const struct map_file__table road_t = { "road", sizeof(struct map_road), false, N(road_f),
	                                       road_f };

static const struct map_file__field lane_f[] = {
	{ U32(struct map_lane, id) },
	{ U32(struct map_lane, road_id) },
	{ I8(struct map_lane, direction) },
	{ ENUM(struct map_lane, type, lane_type_names) },
	{ DBL(struct map_lane, width_m, D_LEN) },
	{ DBL(struct map_lane, speed_limit_mps, D_SPEED) },
	{ DBL(struct map_lane, length_m, D_LEN) },
	{ LIST(struct map_lane, points, xyz_t) },
	{ LIST(struct map_lane, samples, map_file__sample) },
};
static const struct map_file__table lane_t = { "lane", sizeof(struct map_lane), false, N(lane_f),
	                                       lane_f };

static const struct map_file__field connection_f[] = {
	{ U32(struct map_connection, from_lane) },
	{ U32(struct map_connection, to_lane) },
	{ ENUM(struct map_connection, maneuver, maneuver_names) },
	{ I32(struct map_connection, signal_group) },
	{ U32(struct map_connection, intersection_id) },
};
static const struct map_file__table connection_t = { "connection", sizeof(struct map_connection),
	                                             false, N(connection_f), connection_f };

static const struct map_file__field intersection_f[] = {
	{ U32(struct map_intersection, id) },         { STR(struct map_intersection, name) },
	{ U16(struct map_intersection, region) },     { U16(struct map_intersection, node_id) },
	{ SUB(struct map_intersection, ref, xyz_t) },
};
static const struct map_file__table intersection_t = { "intersection",
	                                               sizeof(struct map_intersection), false,
	                                               N(intersection_f), intersection_f };

static const struct map_file__field stop_line_f[] = {
	{ U32(struct map_stop_line, id) },           { U32(struct map_stop_line, lane_id) },
	{ DBL(struct map_stop_line, s, D_LEN) },     { U32(struct map_stop_line, intersection_id) },
	{ I32(struct map_stop_line, signal_group) }, { SUB(struct map_stop_line, a, xyz_t) },
	{ SUB(struct map_stop_line, b, xyz_t) },
};
static const struct map_file__table stop_line_t = { "stop line", sizeof(struct map_stop_line),
	                                            false, N(stop_line_f), stop_line_f };

static const struct map_file__field interval_f[] = {
	{ U32(struct map_interval, lane_id) },
	{ DBL(struct map_interval, s0, D_LEN) },
	{ DBL(struct map_interval, s1, D_LEN) },
};
static const struct map_file__table interval_t = { "interval", sizeof(struct map_interval), false,
	                                           N(interval_f), interval_f };

static const struct map_file__field structure_f[] = {
	{ U32(struct map_structure, id) },
	{ ENUM(struct map_structure, kind, structure_names) },
	{ STR(struct map_structure, name) },
	{ LIST(struct map_structure, intervals, interval_t) },
};
static const struct map_file__table structure_t = { "structure", sizeof(struct map_structure),
	                                            false, N(structure_f), structure_f };

static const struct map_file__field obstruction_f[] = {
	{ U32(struct map_obstruction, id) },
	{ STR(struct map_obstruction, name) },
	{ DBL(struct map_obstruction, z_bottom, D_LEN) },
	{ DBL(struct map_obstruction, z_top, D_LEN) },
	{ POLY(struct map_obstruction, outline, xy_t) },
};
static const struct map_file__table obstruction_t = { "obstruction", sizeof(struct map_obstruction),
	                                              false, N(obstruction_f), obstruction_f };

static const struct map_file__field rsu_f[] = {
	{ U32(struct map_rsu, id) },
	{ STR(struct map_rsu, rsu_id) },
	{ SUB(struct map_rsu, pos, xyz_t) },
	{ DBL(struct map_rsu, mast_height_m, D_LEN) },
	{ DBL(struct map_rsu, range_m, D_LEN) },
};
static const struct map_file__table rsu_t = { "rsu", sizeof(struct map_rsu), false, N(rsu_f),
	                                      rsu_f };

static const struct map_file__field hazard_f[] = {
	{ U32(struct map_hazard_zone, id) },
	{ ENUM(struct map_hazard_zone, kind, hazard_names) },
	{ STR(struct map_hazard_zone, name) },
	{ U16(struct map_hazard_zone, event_type) },
	{ POLY(struct map_hazard_zone, area, xy_t) },
	{ LIST(struct map_hazard_zone, intervals, interval_t) },
};
static const struct map_file__table hazard_t = { "hazard zone", sizeof(struct map_hazard_zone),
	                                         false, N(hazard_f), hazard_f };

static const struct map_file__field curve_f[] = {
	{ U32(struct map_curve, id) },
	{ U32(struct map_curve, lane_id) },
	{ DBL(struct map_curve, s0, D_LEN) },
	{ DBL(struct map_curve, s1, D_LEN) },
	{ DBL(struct map_curve, arc_s0, D_LEN) },
	{ DBL(struct map_curve, arc_s1, D_LEN) },
	{ DBL(struct map_curve, radius_m, D_LEN) },
	{ I8(struct map_curve, turn) },
	{ BOOL(struct map_curve, hairpin) },
	{ DBL(struct map_curve, advisory_mps, D_SPEED) },
};
static const struct map_file__table curve_t = { "curve", sizeof(struct map_curve), false,
	                                        N(curve_f), curve_f };

static const struct map_file__field grade_f[] = {
	{ U32(struct map_grade_section, id) },
	{ U32(struct map_grade_section, lane_id) },
	{ DBL(struct map_grade_section, s0, D_LEN) },
	{ DBL(struct map_grade_section, s1, D_LEN) },
	{ DBL(struct map_grade_section, grade, D_SLOPE) },
};
static const struct map_file__table grade_t = { "grade section", sizeof(struct map_grade_section),
	                                        false, N(grade_f), grade_f };

static const struct map_file__field model_f[] = {
	{ SUB(struct map_model, meta, meta_t) },
	{ LIST(struct map_model, roads, road_t) },
	{ LIST(struct map_model, lanes, lane_t) },
	{ LIST(struct map_model, connections, connection_t) },
	{ LIST(struct map_model, intersections, intersection_t) },
	{ LIST(struct map_model, stop_lines, stop_line_t) },
	{ LIST(struct map_model, structures, structure_t) },
	{ LIST(struct map_model, obstructions, obstruction_t) },
	{ LIST(struct map_model, rsus, rsu_t) },
	{ LIST(struct map_model, hazard_zones, hazard_t) },
	{ LIST(struct map_model, curves, curve_t) },
	{ LIST(struct map_model, grade_sections, grade_t) },
};
const struct map_file__table map_file__model = { "map", sizeof(struct map_model), false, N(model_f),
	                                         model_f };
