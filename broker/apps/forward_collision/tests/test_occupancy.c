/*
 * The forward collision application's occupancy index (occupancy.h)
 * against a brute-force model: random vehicles put on random lanes and
 * positions, moved, taken off the lanes, left to go stale and swept, with
 * a table small enough to evict; after every step each vehicle's lookup
 * and random "nearest on lane L in [a, b]" queries must answer as a scan
 * of the model does.  Then the edge cases: cell boundaries, negative s,
 * the vehicle asking excluded, freshness, clear.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/apps/forward_collision/occupancy.h"
#include "runtime/err.h"
#include "tests/check.h"

#define CAP    200
#define N_IDS  260 /* more ids than places: evictions */
#define LANES  4
#define STEPS  20000
#define CELL_M 25.0

struct model {
	bool live;
	bool on_lane;
	uint32_t lane;
	double s;
	int64_t t;
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double uniform(double lo, double hi)
{
	return lo + (hi - lo) * (double)(next() >> 11) / 9007199254740992.0;
}

static void id_of(uint8_t *id, size_t i)
{
	memset(id, 0, V2X_ID_LEN);
	/* Ids that share most octets, as real temporary ids may. */
	id[0] = (uint8_t)(i & 0xff);
	id[7] = (uint8_t)(i >> 8);
}

/* The model's answer to brk_fc_occ_nearest(), as an index or -1. */
static long model_nearest(const struct model *m, uint32_t lane, double a, double b, int64_t since,
                          long self)
{
	long best = -1;

	for (long i = 0; i < N_IDS; i++) {
		if (!m[i].live || !m[i].on_lane || m[i].lane != lane || i == self ||
		    m[i].t < since || m[i].s < a || m[i].s > b)
			continue;
		if (best < 0 || m[i].s < m[best].s)
			best = i;
	}
	return best;
}

/* The least recently put live vehicle of the model. */
static long model_oldest(const struct model *m, const int64_t *order)
{
	long best = -1;

	for (long i = 0; i < N_IDS; i++)
		if (m[i].live && (best < 0 || order[i] < order[best]))
			best = i;
	return best;
}

static long index_of(const struct brk_fc_occ_veh *v)
{
	return v ? (long)(v->id[0] | (v->id[7] << 8)) : -1;
}

static void check_queries(struct brk_fc_occ *o, const struct model *m, int64_t now)
{
	uint8_t id[V2X_ID_LEN];
	size_t live = 0, listed = 0;

	for (size_t i = 0; i < N_IDS; i++) {
		const struct brk_fc_occ_veh *v;
		id_of(id, i);
		v = brk_fc_occ_find(o, id);
		if (!CHECK((v != NULL) == m[i].live))
			printf("vehicle %zu: found %d, live %d\n", i, v != NULL, m[i].live);
		live += m[i].live;
		listed += m[i].live && m[i].on_lane;
		if (v && m[i].live)
			CHECK(v->t_us == m[i].t && v->st.s == m[i].s);
	}
	CHECK_UINT_EQ(brk_fc_occ_stats(o)->live, live);
	CHECK_UINT_EQ(brk_fc_occ_stats(o)->listed, listed);
	for (int q = 0; q < 8; q++) {
		uint32_t lane = 1 + (uint32_t)(next() % LANES);
		double a = uniform(-10, 600), b = a + uniform(0, 200);
		int64_t since = now - (int64_t)(next() % 3000000);
		long self = (long)(next() % N_IDS);
		const struct brk_fc_occ_veh *sv;
		long want, got;
		id_of(id, (size_t)self);
		sv = brk_fc_occ_find(o, id);
		want = model_nearest(m, lane, a, b, since, sv ? self : -1);
		got = index_of(brk_fc_occ_nearest(o, lane, a, b, since, sv));
		/* Two vehicles at the very same s: either is right. */
		if (want >= 0 && got >= 0 && m[got].s == m[want].s)
			got = want;
		if (!CHECK(got == want))
			printf("lane %u [%.2f, %.2f] since %lld: got %ld want %ld\n", lane, a, b,
			       (long long)since, got, want);
	}
}

static void random_ops(void)
{
	struct brk_fc_occ *o;
	struct model m[N_IDS] = { { 0 } };
	int64_t order[N_IDS] = { 0 }, now = 1000000000;
	uint8_t id[V2X_ID_LEN];
	uint64_t evictions = 0;

	if (!CHECK(brk_fc_occ_new(CAP, CELL_M, &o) == 0))
		return;
	for (int step = 0; step < STEPS; step++) {
		size_t i = (size_t)(next() % N_IDS), live = 0;
		struct brk_fc_occ_state st = { 0 };
		now += (int64_t)(next() % 20000);
		if (next() % 50 == 0) {
			int64_t before = now - 1500000;
			size_t n = brk_fc_occ_sweep(o, before, 5), want = 0;
			for (size_t k = 0; k < n; k++) {
				long old = model_oldest(m, order);
				CHECK(old >= 0 && m[old].t < before);
				if (old >= 0)
					m[old].live = false;
			}
			/* It stopped at 5 or at the first fresh vehicle. */
			for (size_t k = 0; k < N_IDS; k++)
				want += m[k].live && m[k].t < before;
			CHECK(n == 5 || want == 0);
			continue;
		}
		st.on_lane = next() % 10 != 0;
		st.lane_id = 1 + (uint32_t)(next() % LANES);
		/* Near the previous place mostly, anywhere sometimes. */
		st.s = m[i].live && next() % 4 ? fmax(0, m[i].s + uniform(-3, 30))
		                               : uniform(0, 700);
		for (size_t k = 0; k < N_IDS; k++)
			live += m[k].live;
		if (!m[i].live && live == CAP) {
			long old = model_oldest(m, order);
			m[old].live = false;
			evictions++;
		}
		id_of(id, i);
		brk_fc_occ_put(o, id, &st, now);
		m[i] = (struct model){ true, st.on_lane, st.lane_id, st.s, now };
		order[i] = step + 1;
		if (step % 97 == 0)
			check_queries(o, m, now);
	}
	check_queries(o, m, now);
	CHECK_UINT_EQ(brk_fc_occ_stats(o)->evicted, evictions);
	printf("random: %d steps, %" PRIu64 " inserted, %" PRIu64 " moved, %" PRIu64
	       " evicted, %" PRIu64 " swept, %zu live\n",
	       STEPS, brk_fc_occ_stats(o)->inserted, brk_fc_occ_stats(o)->moved, evictions,
	       brk_fc_occ_stats(o)->swept, brk_fc_occ_stats(o)->live);
	CHECK(evictions > 10 && brk_fc_occ_stats(o)->swept > 10);
	brk_fc_occ_free(o);
}

static void edges(void)
{
	struct brk_fc_occ *o;
	struct brk_fc_occ_state st = { .on_lane = true, .lane_id = 7 };
	const struct brk_fc_occ_veh *a, *b, *c;
	uint8_t ia[V2X_ID_LEN] = { 1 }, ib[V2X_ID_LEN] = { 2 }, ic[V2X_ID_LEN] = { 3 };

	CHECK_INT_EQ(brk_fc_occ_new(0, 25, &o), V2X_EINVAL);
	CHECK_INT_EQ(brk_fc_occ_new(10, 0, &o), V2X_EINVAL);
	CHECK_INT_EQ(brk_fc_occ_new(10, NAN, &o), V2X_EINVAL);
	if (!CHECK(brk_fc_occ_new(10, 25, &o) == 0))
		return;
	st.s = 25; /* the first point of cell 1 */
	a = brk_fc_occ_put(o, ia, &st, 100);
	st.s = 24.999;
	b = brk_fc_occ_put(o, ib, &st, 100);
	st.s = -3; /* before the lane's start: cell -1 */
	c = brk_fc_occ_put(o, ic, &st, 50);
	CHECK(brk_fc_occ_nearest(o, 7, 0, 100, 0, NULL) == b);
	CHECK(brk_fc_occ_nearest(o, 7, 0, 100, 0, b) == a);
	CHECK(brk_fc_occ_nearest(o, 7, 25, 25, 0, NULL) == a);
	CHECK(brk_fc_occ_nearest(o, 7, nextafter(25, INFINITY), 100, 0, NULL) == NULL);
	CHECK(brk_fc_occ_nearest(o, 7, -10, 100, 0, NULL) == c);
	CHECK(brk_fc_occ_nearest(o, 7, -10, 100, 51, NULL) == b); /* c is older */
	CHECK(brk_fc_occ_nearest(o, 8, -10, 100, 0, NULL) == NULL);
	CHECK(brk_fc_occ_nearest(o, 7, 100, 0, 0, NULL) == NULL);
	CHECK(brk_fc_occ_nearest(o, 7, 0, INFINITY, 0, NULL) == NULL);
	/* Off the lane: kept, but on no lane. */
	st.on_lane = false;
	b = brk_fc_occ_put(o, ib, &st, 200);
	CHECK(brk_fc_occ_find(o, ib) == b);
	CHECK(brk_fc_occ_nearest(o, 7, 0, 100, 0, NULL) == brk_fc_occ_find(o, ia));
	CHECK_UINT_EQ(brk_fc_occ_stats(o)->listed, 2);
	/* Another lane at the same s. */
	st.on_lane = true;
	st.lane_id = 9;
	st.s = 25;
	brk_fc_occ_put(o, ia, &st, 300);
	CHECK(brk_fc_occ_nearest(o, 7, 0, 100, 0, NULL) == NULL);
	CHECK(brk_fc_occ_nearest(o, 9, 0, 100, 0, NULL) == brk_fc_occ_find(o, ia));
	CHECK_UINT_EQ(brk_fc_occ_sweep(o, 250, 10), 2); /* c at 50, b at 200 */
	CHECK(brk_fc_occ_find(o, ic) == NULL && brk_fc_occ_find(o, ib) == NULL);
	CHECK_UINT_EQ(brk_fc_occ_stats(o)->live, 1);
	brk_fc_occ_clear(o);
	CHECK(brk_fc_occ_find(o, ia) == NULL);
	CHECK(brk_fc_occ_nearest(o, 9, 0, 100, 0, NULL) == NULL);
	CHECK_UINT_EQ(brk_fc_occ_stats(o)->live, 0);
	brk_fc_occ_free(o);
	brk_fc_occ_free(NULL);
}

int main(void)
{
	random_ops();
	edges();
	return check_exit();
}
