/*
 * synth: small synthetic maps for the maps/db tests, built in an arena.
 *
 * synth_small() is complete (every list non-empty) and valid: a road with
 * a lane each way into a signalised junction and a left-hand curve through
 * a tunnel, and a bridge lane about 15 m above them, near 29.56 N 106.55 E.
 * synth_big() is many parallel straight lanes with about n_samples
 * profile samples in all, for timing.
 */
#ifndef V2X_MAPS_DB_TESTS_SYNTH_H
#define V2X_MAPS_DB_TESTS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"

/* Fills *m; every list lives in a.  Returns 0 or V2X_ENOMEM. */
int synth_small(struct v2x_arena *a, struct map_model *m);

/* Fills *m with lanes of 500 m and about n_samples samples in all. */
int synth_big(struct v2x_arena *a, size_t n_samples, struct map_model *m);

/*
 * Gives lane l the centre line pts (n points, copied into a), its length
 * (horizontal) and a profile every metre computed from it, with curvature
 * 1/radius (0: straight; sign: + left) and advisory speed advisory (NaN:
 * none).  Returns 0 or V2X_ENOMEM.
 */
int synth_lane(struct v2x_arena *a, struct map_lane *l, const struct map_xyz *pts, size_t n,
               double curvature, double advisory);

/*
 * A uniform double in [lo, hi) from the splitmix64 sequence in *state:
 * the same points on every platform, for tests that print what failed.
 */
double synth_uniform(uint64_t *state, double lo, double hi);

#endif
