/*
 * model: a lane-level HD map in memory, in one shape for everything that
 * handles a whole map: the test-field generator builds it, the map file
 * holds it, the PostGIS loader writes and reads it, the lane index is built
 * from it.
 *
 * Geometry is in the map's local metric frame (map_model.proj, a transverse
 * Mercator centred on the deployment): x east and y north in metres, z the
 * ellipsoidal height in metres (WGS 84, EPSG:4979).  WGS84 coordinates are
 * derived from it with PROJ at the edges (maps/frame.h).
 *
 * A lane is one direction of travel: its centre line runs the way vehicles
 * drive it, and s is the distance along that line from its start.  Two-way
 * roads have a lane each way; lanes continue into their successors through
 * connections.  Every list is n + pointer; who owns the memory is said by
 * the function that filled the model (usually an arena).
 */
#ifndef V2X_MAPS_MODEL_H
#define V2X_MAPS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/arena.h"

#define MAP_NAME_MAX 63

struct map_xyz {
	double x, y, z;
};

struct map_xy {
	double x, y;
};

/* A closed ring (first point not repeated), counter-clockwise. */
struct map_polygon {
	size_t n;
	struct map_xy *v;
};

/* A sample of a lane's profile, every metre or finer. */
struct map_sample {
	double s;               /* m along the lane from its start */
	double x, y, z;         /* centre line point, local frame */
	double heading_deg;     /* direction of travel, clockwise from grid north */
	double curvature;       /* 1/m, positive turning left, 0 on a straight */
	double grade;           /* dz/ds, positive uphill in the direction of travel */
	double superelevation;  /* cross slope, positive when the left edge is higher */
	double width_m;         /* lane width here (wider on the inside of hairpins) */
	double speed_limit_mps; /* posted limit here */
	double advisory_mps;    /* advisory speed (curves), NaN where none */
};

enum map_lane_type {
	MAP_LANE_DRIVING = 1,
};

struct map_lane {
	uint32_t id;
	uint32_t road_id;
	int8_t direction; /* +1 along the road's reference line, -1 against it */
	uint8_t type;     /* enum map_lane_type */
	double width_m;   /* nominal width */
	double speed_limit_mps;
	double length_m;
	size_t n_points; /* centre line, in the direction of travel, >= 2 */
	struct map_xyz *points;
	size_t n_samples; /* profile, s ascending from 0 to length_m */
	struct map_sample *samples;
};

struct map_road {
	uint32_t id;
	char name[MAP_NAME_MAX + 1];
	double length_m;
};

enum map_maneuver {
	MAP_MANEUVER_STRAIGHT = 1,
	MAP_MANEUVER_LEFT = 2,
	MAP_MANEUVER_RIGHT = 3,
	MAP_MANEUVER_UTURN = 4,
};

/* from_lane's end continues into to_lane's start. */
struct map_connection {
	uint32_t from_lane;
	uint32_t to_lane;
	uint8_t maneuver;         /* enum map_maneuver */
	int32_t signal_group;     /* SPAT phase id controlling it, -1 if unsignalised */
	uint32_t intersection_id; /* 0 outside intersections */
};

/* A signalised (or not) intersection and its MAP node. */
struct map_intersection {
	uint32_t id;
	char name[MAP_NAME_MAX + 1];
	uint16_t region; /* MAP NodeReferenceID */
	uint16_t node_id;
	struct map_xyz ref; /* MAP refPos */
};

struct map_stop_line {
	uint32_t id;
	uint32_t lane_id;
	double s; /* where on the lane */
	uint32_t intersection_id;
	int32_t signal_group; /* -1 if none */
	struct map_xyz a, b;  /* ends across the lane */
};

/* A stretch of one lane: the unit tunnels, bridges and zones cover. */
struct map_interval {
	uint32_t lane_id;
	double s0, s1;
};

enum map_structure_kind {
	MAP_TUNNEL = 1,
	MAP_BRIDGE = 2,
};

struct map_structure {
	uint32_t id;
	uint8_t kind; /* enum map_structure_kind */
	char name[MAP_NAME_MAX + 1];
	size_t n_intervals; /* one per lane it carries */
	struct map_interval *intervals;
};

/* Something that blocks the line of sight, such as the rock face on the
 * inside of a hairpin, from z_bottom up to z_top. */
struct map_obstruction {
	uint32_t id;
	char name[MAP_NAME_MAX + 1];
	double z_bottom, z_top;
	struct map_polygon outline;
};

struct map_rsu {
	uint32_t id;
	char rsu_id[MAP_NAME_MAX + 1]; /* the RSU's own id, as agents report it */
	struct map_xyz pos;            /* antenna */
	double mast_height_m;          /* above the ground */
	double range_m;
};

enum map_hazard_kind {
	MAP_HAZARD_ROCKFALL = 1,
	MAP_HAZARD_ICE = 2,
	MAP_HAZARD_WORKS = 3,
	MAP_HAZARD_FOG = 4,
	MAP_HAZARD_LANDSLIDE = 5,
};

/* A named spot where hazards happen, for RSI events to be placed on. */
struct map_hazard_zone {
	uint32_t id;
	uint8_t kind; /* enum map_hazard_kind */
	char name[MAP_NAME_MAX + 1];
	uint16_t event_type; /* GB/T 29100 code an RSI for it carries */
	struct map_polygon area;
	size_t n_intervals; /* lanes it covers */
	struct map_interval *intervals;
};

/* A curve of one lane, as the road was designed: the whole curve from
 * s0 to s1 (clothoid transitions included), the arc of constant radius
 * from arc_s0 to arc_s1. */
struct map_curve {
	uint32_t id;
	uint32_t lane_id;
	double s0, s1;
	double arc_s0, arc_s1;
	double radius_m;     /* of the centre line in the arc */
	int8_t turn;         /* +1 left, -1 right */
	bool hairpin;        /* a turn of more than 150 degrees */
	double advisory_mps; /* advisory speed of the curve */
};

/* A stretch of one lane with a sustained grade. */
struct map_grade_section {
	uint32_t id;
	uint32_t lane_id;
	double s0, s1;
	double grade; /* mean dz/ds in the direction of travel */
};

/* Map version metadata. */
struct map_meta {
	char name[MAP_NAME_MAX + 1];
	char proj[256];         /* PROJ string of the local metric frame */
	char height_datum[128]; /* what z means, e.g. "EPSG:4979 ellipsoidal" */
	char source[128];       /* what made it, e.g. "v2x-map gen --seed 7" */
	double origin_lat_deg;  /* the frame's origin, for people */
	double origin_lon_deg;
};

struct map_model {
	struct map_meta meta;
	size_t n_roads;
	struct map_road *roads;
	size_t n_lanes;
	struct map_lane *lanes;
	size_t n_connections;
	struct map_connection *connections;
	size_t n_intersections;
	struct map_intersection *intersections;
	size_t n_stop_lines;
	struct map_stop_line *stop_lines;
	size_t n_structures;
	struct map_structure *structures;
	size_t n_obstructions;
	struct map_obstruction *obstructions;
	size_t n_rsus;
	struct map_rsu *rsus;
	size_t n_hazard_zones;
	struct map_hazard_zone *hazard_zones;
	size_t n_curves;
	struct map_curve *curves;
	size_t n_grade_sections;
	struct map_grade_section *grade_sections;
};

/* Returns the lane with id, or NULL. */
const struct map_lane *map_model_lane(const struct map_model *m, uint32_t id);

/*
 * Checks what every consumer of a map relies on and writes the first
 * problem into err (which lane or feature, what is wrong): ids unique and
 * referenced ids existing, every lane with >= 2 points, a profile from s = 0
 * to its length in steps of at most 1 m, connections joining lane ends
 * within 0.5 m, no lane without a successor or predecessor except at the
 * map's edge (a lane whose end lies within 0.5 m of no other lane's start),
 * no lane centre line crossing itself.  Returns 0 or V2X_EINVAL.
 */
int map_model_validate(const struct map_model *m, char *err, size_t errlen);

#endif
