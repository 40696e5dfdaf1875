/*
 * rng: the generator's own pseudo-random numbers, so that one seed gives
 * the same map with every C library (rand() is not the same everywhere):
 * xoshiro256** seeded through splitmix64, as Blackman and Vigna publish
 * them.  Not for anything that needs unpredictable numbers.
 */
#ifndef V2X_MAPS_GEN_RNG_H
#define V2X_MAPS_GEN_RNG_H

#include <stdint.h>

struct mapgen_rng {
	uint64_t s[4];
};

/* Seeds r from seed; every seed, 0 included, gives a usable state. */
void mapgen_rng_init(struct mapgen_rng *r, uint64_t seed);

/* Returns the next 64 random bits. */
uint64_t mapgen_rng_next(struct mapgen_rng *r);

/* Returns a double uniform in [lo, hi). */
double mapgen_rng_uniform(struct mapgen_rng *r, double lo, double hi);

/* Returns -1 or +1 with equal odds. */
int mapgen_rng_sign(struct mapgen_rng *r);

#endif
