/*
 * gentest: what the tests of maps/gen share: building a map (skipping the
 * test when PROJ lacks its geoid grid), heights above sea level, and
 * measurements on lanes that do not trust the generator's bookkeeping.
 * Header-only, like tests/check.h.
 */
#ifndef V2X_MAPS_GEN_TESTS_GENTEST_H
#define V2X_MAPS_GEN_TESTS_GENTEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps/frame.h"
#include "maps/gen/lane.h"
#include "maps/gen/mapgen.h"
#include "runtime/err.h"
#include "tests/check.h"

#define GENTEST_DEG (M_PI / 180)

/* Builds p's map into m (lists in a); exits with the skip status when
 * PROJ has no geoid grid, returns the generator's code otherwise. */
static inline int gentest_build(const struct mapgen_params *p, struct v2x_arena *a,
                                struct map_model *m)
{
	char err[512];
	int rc = mapgen_build(p, a, m, err, sizeof(err));

	if (rc == V2X_ENOTFOUND) {
		printf("skipped: %s\n", err);
		exit(CHECK_SKIP);
	}
	if (rc)
		fprintf(stderr, "mapgen_build (seed %llu): %s\n", (unsigned long long)p->seed, err);
	return rc;
}

static inline struct map_frame *gentest_frame(const struct map_model *m)
{
	struct map_frame *f = NULL;
	char err[256];

	if (map_frame_new(m->meta.proj, &f, err, sizeof(err)) != 0)
		fprintf(stderr, "map_frame_new: %s\n", err);
	return f;
}

/* The height above sea level of the ellipsoidal height z at (x, y). */
static inline double gentest_msl(struct map_frame *f, double x, double y, double z)
{
	double lat, lon, n;

	if (map_frame_to_wgs84(f, x, y, &lat, &lon) != 0 ||
	    map_frame_msl_to_ellipsoidal(f, lat, lon, 0, &n) != 0)
		return NAN;
	return z - n;
}

/* Mathematical angle (counter-clockwise from east) of a sample's heading. */
static inline double gentest_phi(const struct map_sample *s)
{
	return (90 - s->heading_deg) * GENTEST_DEG;
}

/* How far the lane turns between s0 and s1, degrees, positive left,
 * summed over its samples' headings. */
static inline double gentest_turn_deg(const struct map_lane *l, double s0, double s1)
{
	struct map_sample a, b;
	double prev, cw = 0;

	mapgen_lane_at(l, s0, &a);
	mapgen_lane_at(l, s1, &b);
	prev = a.heading_deg;
	for (size_t i = 0; i < l->n_samples; i++) {
		if (l->samples[i].s <= s0 || l->samples[i].s >= s1)
			continue;
		cw += remainder(l->samples[i].heading_deg - prev, 360);
		prev = l->samples[i].heading_deg;
	}
	return -(cw + remainder(b.heading_deg - prev, 360));
}

/* Horizontal distance from (x, y) to the lane's centre line. */
static inline double gentest_dist_to_lane(const struct map_lane *l, double x, double y)
{
	double best = INFINITY;

	for (size_t i = 0; i + 1 < l->n_points; i++) {
		const struct map_xyz *a = &l->points[i], *b = &l->points[i + 1];
		double dx = b->x - a->x, dy = b->y - a->y, len2 = dx * dx + dy * dy;
		double t = len2 > 0 ? ((x - a->x) * dx + (y - a->y) * dy) / len2 : 0;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
		best = fmin(best, hypot(x - a->x - t * dx, y - a->y - t * dy));
	}
	return best;
}

static inline double gentest_dist3(const struct map_xyz *a, double x, double y, double z)
{
	return sqrt((a->x - x) * (a->x - x) + (a->y - y) * (a->y - y) + (a->z - z) * (a->z - z));
}

#endif
