/*
 * rng: a seeded generator for the tests and the benchmark (splitmix64),
 * so that every run sees the same noise.  State lives in the caller.
 */
#ifndef V2X_MAPS_INDEX_TESTS_RNG_H
#define V2X_MAPS_INDEX_TESTS_RNG_H

#include <math.h>
#include <stdint.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [a, b). */
static inline double rng_range(struct rng *r, double a, double b)
{
	return a + (b - a) * rng_uniform(r);
}

/* Standard normal (Box-Muller; one of the pair is dropped). */
static inline double rng_gauss(struct rng *r)
{
	double u = 1.0 - rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

#endif
