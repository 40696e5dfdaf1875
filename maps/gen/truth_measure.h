/*
 * truth_measure: the measurements and small pieces the ground truth
 * document is made of (internal to maps/gen/truth*.c).
 */
#ifndef V2X_MAPS_GEN_TRUTH_MEASURE_H
#define V2X_MAPS_GEN_TRUTH_MEASURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "maps/frame.h"
#include "maps/model.h"

struct mapgen_truth {
	const struct map_model *m;
	struct map_frame *frame;
	char *err;
	size_t errlen;
	int rc;
};

/* Records the first failure; returns t->rc. */
int mapgen_truth_fail(struct mapgen_truth *t, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Appends v to array a, recording a failure when v is NULL (a part that
 * could not be made) or memory runs out. */
void mapgen_truth_add(struct mapgen_truth *t, json_t *a, json_t *v);

/* v rounded to decimals, null for NaN. */
json_t *mapgen_truth_num(double v, int decimals);

/* {x, y, z, lat_deg, lon_deg, h_msl} of a local point; NULL (recorded)
 * when PROJ cannot convert it. */
json_t *mapgen_truth_where(struct mapgen_truth *t, double x, double y, double z);

/* The same for the point at s on lane l. */
json_t *mapgen_truth_where_s(struct mapgen_truth *t, const struct map_lane *l, double s);

/* How far lane l turns between s0 and s1, in degrees, positive left,
 * summed over its samples (so a hairpin measures about 180). */
double mapgen_truth_turn(const struct map_lane *l, double s0, double s1);

/* The hairpin curve of the other direction of c's road nearest to c, or
 * NULL. */
const struct map_curve *mapgen_truth_opposite(const struct mapgen_truth *t,
                                              const struct map_curve *c);

/* The id of the obstruction whose outline holds the centre of c's arc
 * (the rock face inside a hairpin), or null. */
json_t *mapgen_truth_hidden_by(const struct mapgen_truth *t, const struct map_curve *c);

/* Lane intervals with their ends, and with nearest_curve each lane's curve
 * nearest to the interval and the gap between them. */
json_t *mapgen_truth_intervals(struct mapgen_truth *t, const struct map_interval *iv, size_t n,
                               bool nearest_curve);

/* For a bridge: every lane of another road that passes within 15 m
 * horizontally and at least 4 m below one of its lanes, with the smallest
 * horizontal gap between their samples and the vertical gap there. */
json_t *mapgen_truth_crossings(struct mapgen_truth *t, const struct map_structure *bridge);

/* Counts, total road length, the range of heights above sea level. */
json_t *mapgen_truth_summary(struct mapgen_truth *t);

/* The largest distance from a lane sample to its nearest RSU, and how many
 * samples lie beyond their nearest RSU's range. */
json_t *mapgen_truth_coverage(struct mapgen_truth *t);

#endif
