#include "broker/bench/hist.h"

#include <math.h>
#include <string.h>

void bh_init(struct bh_hist *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned bucket_of(uint64_t us)
{
	unsigned e;

	if (us < BH_LINEAR)
		return (unsigned)us;
	e = 63u - (unsigned)__builtin_clzll(us);
	if (e >= BH_TOP_EXP)
		return BH_BUCKETS - 1;
	/* The 6 bits below the leading one pick the sub-bucket. */
	return BH_LINEAR + (e - 10u) * BH_SUB + (unsigned)((us >> (e - 6u)) & (BH_SUB - 1u));
}

static uint64_t bucket_low(unsigned b)
{
	unsigned e, sub;

	if (b < BH_LINEAR)
		return b;
	e = 10u + (b - BH_LINEAR) / BH_SUB;
	sub = (b - BH_LINEAR) % BH_SUB;
	return (1ull << e) + ((uint64_t)sub << (e - 6u));
}

void bh_add(struct bh_hist *h, int64_t us)
{
	uint64_t v = us < 0 ? 0 : (uint64_t)us;

	h->negative += us < 0;
	h->n++;
	h->sum += (double)v;
	if (v > h->max)
		h->max = v;
	h->bucket[bucket_of(v)]++;
}

void bh_merge(struct bh_hist *into, const struct bh_hist *from)
{
	into->n += from->n;
	into->negative += from->negative;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
	for (unsigned i = 0; i < BH_BUCKETS; i++)
		into->bucket[i] += from->bucket[i];
}

double bh_quantile(const struct bh_hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return NAN;
	if (q >= 1.0)
		return (double)h->max;
	/* The sample of rank ceil(q n), counting from 1. */
	want = (uint64_t)ceil(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < BH_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want)
			return (double)bucket_low(i);
	}
	return (double)h->max;
}

double bh_mean(const struct bh_hist *h)
{
	return h->n ? h->sum / (double)h->n : NAN;
}
