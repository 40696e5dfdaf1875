/*
 * lane: one lane of a road as the model holds it, from the road's
 * geometry: its centre line offset from the reference line by the
 * cross-section, heights from the vertical profile, and the profile
 * samples (heading, curvature, grade, cross slope, width) measured on that
 * centre line.
 *
 * The centre line is first computed at every fine point of the reference
 * line (5 cm), where heading and curvature are taken numerically from the
 * points themselves (curvature as the circle through three neighbours), so
 * that the profile describes the line a vehicle follows, widening shifts
 * included; then it is resampled at every metre of s.
 */
#ifndef V2X_MAPS_GEN_LANE_H
#define V2X_MAPS_GEN_LANE_H

#include <stdint.h>

#include "maps/gen/ctx.h"

/*
 * Appends lane lane_id of road road_id to c->m->lanes and its info to
 * c->info: direction side (+1 along the reference line, -1 against it)
 * over [u0, u1] of g's reference line (both ends on fine points of it).
 * Speed limits and advisory speeds are left for the caller (limit 0,
 * advisory NaN).  Returns 0 or the error recorded in c.
 */
int mapgen_lane_build(struct mapgen_ctx *c, const struct mapgen_geom *g, uint32_t lane_id,
                      uint32_t road_id, int side, double u0, double u1);

/* The profile of lane at s, interpolated between the samples around it
 * (heading included, the short way round); s is clamped to the lane. */
void mapgen_lane_at(const struct map_lane *lane, double s, struct map_sample *out);

#endif
