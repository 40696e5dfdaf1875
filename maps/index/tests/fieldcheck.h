/*
 * fieldcheck: checks of a lane index that find what they check in the map
 * itself (its hairpin curves, bridges, curves, lanes), so that they run on
 * any map: the synthetic one of synth.h today, the generated mountain test
 * field (maps/gen) when it exists.
 *
 * Each prints what it finds and what fails, one line each, and returns the
 * number of failures (0: passed).  The model and index are borrowed for
 * the call; the index must have been built from the model.
 */
#ifndef V2X_MAPS_INDEX_TESTS_FIELDCHECK_H
#define V2X_MAPS_INDEX_TESTS_FIELDCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/index/index.h"

/*
 * n seeded random queries (on-road with noise, near roads, anywhere in the
 * map's box; with and without z, heading and hint) through
 * map_index_match() and through the brute-force refmatch: they must agree
 * exactly (same result code, lane, and the same bits of s, lateral, dz and
 * heading difference).
 */
size_t fieldcheck_reference(const struct map_model *m, const struct map_index *idx, uint64_t seed,
                            size_t n);

/*
 * Every stride_m along every lane, away from its ends: the lane's own
 * position, heading and z match the lane (or a lane lying on it in the
 * same direction, as connectors do where they leave a junction).
 */
size_t fieldcheck_self(const struct map_model *m, const struct map_index *idx, double stride_m);

/*
 * For each hairpin curve: points 30 m before and after it match their leg
 * and lane given heading and z, the opposite heading gives the lane of
 * the other direction (or off map on a one-way road), and the distance
 * along the road between them is 60 m plus the curve's length, far more
 * than the straight line.
 */
size_t fieldcheck_hairpins(const struct map_model *m, const struct map_index *idx);

/*
 * For each bridge interval, every 5 m: the point matches the bridge's lane
 * given the bridge's z, and a lane passing within 3 m below (by more than
 * the dz gate) given that lane's z.  *n_below (may be NULL) receives how
 * many such crossings were found.
 */
size_t fieldcheck_bridges(const struct map_model *m, const struct map_index *idx, size_t *n_below);

/*
 * For each curve: a walk of 100 m from 50 m before it on its lane reports
 * its start and end at the distances the lane's s values give.
 */
size_t fieldcheck_curve_walks(const struct map_model *m, const struct map_index *idx);

/* A vehicle driven along route (lane ids, each a successor of the one
 * before) sending a BSM every 0.1 s. */
struct fieldcheck_drive {
	uint64_t seed;
	double speed_mps;
	double sigma_m;        /* GNSS noise, each horizontal axis */
	double z_sigma_m;      /* < 0: no z in the BSMs */
	double head_sigma_deg; /* < 0: no heading */
	bool hint;             /* pass the previous match */
	bool verbose;          /* print each wrong step */
};

struct fieldcheck_drive_result {
	size_t steps;
	size_t wrong;   /* matched neither the true lane nor the one it joins within reach */
	size_t off_map; /* no match */
	size_t jumps;   /* consecutive matches on lanes not connected to each other */
};

/* Drives the route from s = 1 m to 1 m before its end.  0, or
 * V2X_ENOTFOUND / V2X_EINVAL for a route not in the index. */
int fieldcheck_drive(const struct map_index *idx, const uint32_t *route, size_t n,
                     const struct fieldcheck_drive *opt, struct fieldcheck_drive_result *res);

#endif
