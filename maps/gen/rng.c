#include "maps/gen/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* splitmix64 never yields four zero words in a row, the one state
 * xoshiro cannot leave. */
void mapgen_rng_init(struct mapgen_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t mapgen_rng_next(struct mapgen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* The top 53 bits make a double in [0, 1) with every value equally likely. */
double mapgen_rng_uniform(struct mapgen_rng *r, double lo, double hi)
{
	double u = (double)(mapgen_rng_next(r) >> 11) * 0x1.0p-53;

	return lo + (hi - lo) * u;
}

int mapgen_rng_sign(struct mapgen_rng *r)
{
	return (mapgen_rng_next(r) >> 63) ? 1 : -1;
}
