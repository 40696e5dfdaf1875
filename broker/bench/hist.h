/*
 * hist: a latency histogram of the broker's benchmarks, in microseconds.
 *
 * Exact to the microsecond below 1024 µs, then 64 buckets per power of two
 * (a bucket is at most 1.6 % wide) up to 2^40 µs.  Fixed size, no
 * allocation: adding a sample is a few instructions, so a reader thread
 * can record every message it gets.  Not thread-safe: one histogram per
 * thread, merged afterwards.
 */
#ifndef V2X_BROKER_BENCH_HIST_H
#define V2X_BROKER_BENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define BH_LINEAR  1024u /* exact buckets: 0..1023 µs */
#define BH_SUB     64u   /* buckets per power of two above */
#define BH_TOP_EXP 40u   /* samples at or above 2^40 µs land in the last bucket */
#define BH_BUCKETS (BH_LINEAR + (BH_TOP_EXP - 10u) * BH_SUB)

struct bh_hist {
	uint64_t n;        /* samples */
	uint64_t negative; /* samples below 0 (clocks apart), counted as 0 */
	uint64_t max;      /* µs */
	double sum;        /* µs, for the mean */
	uint64_t bucket[BH_BUCKETS];
};

/* Empties h. */
void bh_init(struct bh_hist *h);

/* Adds a sample of us microseconds (negative: counted, recorded as 0). */
void bh_add(struct bh_hist *h, int64_t us);

/* Adds every sample of from to into. */
void bh_merge(struct bh_hist *into, const struct bh_hist *from);

/*
 * Returns the q quantile (0..1) of h in µs: the lower bound of the bucket
 * that holds it (exact below 1024 µs), the largest sample for q = 1, NaN
 * when h is empty.
 */
double bh_quantile(const struct bh_hist *h, double q);

/* Returns the mean in µs, NaN when h is empty. */
double bh_mean(const struct bh_hist *h);

#endif
