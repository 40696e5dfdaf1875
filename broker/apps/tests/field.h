/*
 * field: the generated mountain test field (maps/gen, default parameters)
 * for the tests of broker/apps: its model, lane index, local frame and
 * ground truth, and positions on its lanes in WGS84.
 */
#ifndef V2X_BROKER_APPS_TESTS_FIELD_H
#define V2X_BROKER_APPS_TESTS_FIELD_H

#include <jansson.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "maps/frame.h"
#include "maps/gen/mapgen.h"
#include "maps/index/index.h"
#include "runtime/arena.h"

/* A wall-clock time for the tests: 2026-11-26T00:00:00Z, µs. */
#define FIELD_T0_US 1795651200000000LL

struct field {
	struct v2x_arena arena;
	struct map_model m;
	struct map_index *idx;
	struct map_frame *frame;
	json_t *truth;
};

/* A point on a lane: local frame, WGS84, height and heading. */
struct field_point {
	double x, y, z;
	double lat_deg, lon_deg;
	double heading_deg;
};

/* Builds the field.  0, or -1 with the reason printed. */
int field_open(struct field *f);

/* Frees what f holds. */
void field_close(struct field *f);

/* The point at s on lane (the lane's profile).  0, or -1. */
int field_at(struct field *f, uint32_t lane, double s, struct field_point *p);

/* Straight-line distance between two lane positions, horizontal, m. */
double field_gap(struct field *f, uint32_t lane_a, double s_a, uint32_t lane_b, double s_b);

/* p as an absolute PositionOffsetLLV (lat/lon and elevation). */
struct v2x_llv field_llv(const struct field_point *p);

/* MinuteOfTheYear of wall time t_us (whole minutes, as RSI carries it). */
double field_moy_s(int64_t t_us);

#endif
