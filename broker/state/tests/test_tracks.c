/*
 * The track table: creation and update, duplicates from two RSUs merged
 * (also a late copy of an earlier state), out-of-order messages across the
 * minute wrap, the history ring's order, expiry (bounded per sweep) and
 * eviction of the least recently updated track, the RSU set, iteration,
 * the hash under churn, and the metrics.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/state/tracks.h"
#include "runtime/err.h"
#include "tests/check.h"

#define MINUTE_US 60000000LL
/* 2026-11-26T12:00:00Z, a whole minute. */
#define T0_US 1795694400000000LL

static const struct brk_rsu_key rsu1 = { 1 }, rsu2 = { 2 };

static struct v2x_bsm bsm(uint32_t vehicle, uint8_t cnt, double sec_mark_s)
{
	struct v2x_bsm b = { .msg_cnt = cnt, .sec_mark_s = sec_mark_s };

	for (size_t i = 0; i < V2X_ID_LEN; i++)
		b.id[i] = (uint8_t)(vehicle >> (8 * (i % 4)));
	b.id[0] ^= 0xa5;
	b.pos.lat_deg = 29.6 + cnt * 1e-5;
	b.pos.lon_deg = 106.5;
	b.pos.has_elev = true;
	b.pos.elev_m = 300;
	b.speed_mps = 10;
	b.heading_deg = 90;
	return b;
}

static struct brk_tracks *table(size_t capacity, size_t history, int64_t max_age_us)
{
	struct brk_tracks_cfg cfg = { .capacity = capacity,
		                      .history = history,
		                      .max_age_us = max_age_us };
	struct brk_tracks *t = NULL;

	CHECK_INT_EQ(brk_tracks_new(&cfg, &t), 0);
	return t;
}

static void create_and_update(void)
{
	struct brk_tracks *t = table(16, 0, 0);
	struct v2x_bsm b = bsm(7, 1, 10.0);
	struct brk_track *tr = NULL;

	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 10000000, 100, &tr), BRK_TRACK_CREATED);
	CHECK(tr && memcmp(tr->id, b.id, V2X_ID_LEN) == 0);
	CHECK(brk_tracks_find(t, b.id) == tr);
	CHECK_INT_EQ(tr->latest.msg_cnt, 1);
	CHECK_INT_EQ(tr->latest.msg_us, T0_US + 10000000);
	CHECK_DBL_NEAR(tr->latest.elev_m, 300, 0);
	b = bsm(7, 2, 10.1);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 10100000, 200, &tr), BRK_TRACK_UPDATED);
	CHECK_INT_EQ(tr->latest.msg_cnt, 2);
	CHECK_DBL_NEAR(tr->latest.sec_mark_s, 10.1, 0);
	CHECK_INT_EQ(tr->last_update_now_us, 200);
	CHECK_INT_EQ(tr->first_now_us, 100);
	/* Unavailable elevation and a second vehicle. */
	b = bsm(8, 1, 10.0);
	b.pos.has_elev = false;
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US, 300, &tr), BRK_TRACK_CREATED);
	CHECK(isnan(tr->latest.elev_m));
	CHECK_UINT_EQ(brk_tracks_stats(t)->created, 2);
	CHECK_UINT_EQ(brk_tracks_stats(t)->applied, 3);
	CHECK_UINT_EQ(brk_tracks_stats(t)->live, 2);
	b = bsm(9, 1, 1);
	CHECK(brk_tracks_find(t, b.id) == NULL);
	CHECK_INT_EQ(brk_tracks_update(t, &b, (struct brk_rsu_key){ 0 }, T0_US, 300, NULL),
	             V2X_EINVAL);
	CHECK_UINT_EQ(brk_tracks_stats(t)->invalid, 1);
	CHECK(brk_tracks_find(t, b.id) == NULL);
	brk_tracks_free(t);
}

static bool has_rsu(const struct brk_track *tr, uint16_t v)
{
	for (size_t i = 0; i < BRK_TRACK_RSUS; i++)
		if (tr->rsus[i].v == v)
			return true;
	return false;
}

/* The same BSM heard by two RSUs counts once; so does a copy of an
 * earlier message arriving after a newer one. */
static void duplicates_merge(void)
{
	struct brk_tracks *t = table(16, 0, 0);
	struct v2x_bsm b = bsm(7, 5, 20.0);
	struct brk_track *tr = NULL;

	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US, 1, &tr), BRK_TRACK_CREATED);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu2, T0_US + 3000, 2, &tr), BRK_TRACK_DUPLICATE);
	CHECK(has_rsu(tr, 1) && has_rsu(tr, 2));
	CHECK_INT_EQ(tr->latest.rsu.v, 1);
	CHECK_INT_EQ(tr->latest.rx_us, T0_US);
	/* The same RSU again (a replay) is a duplicate too. */
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 5000, 3, &tr), BRK_TRACK_DUPLICATE);
	/* RSU 1 hears message 6 first, then RSU 2's copy of 5 arrives. */
	b = bsm(7, 6, 20.1);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 100000, 4, &tr), BRK_TRACK_UPDATED);
	b = bsm(7, 5, 20.0);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu2, T0_US + 101000, 5, &tr), BRK_TRACK_DUPLICATE);
	CHECK_INT_EQ(tr->latest.msg_cnt, 6);
	/* Same msgCnt, another secMark: a new message (msgCnt wraps at 128). */
	b = bsm(7, 6, 33.0);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu2, T0_US + 13000000, 6, &tr), BRK_TRACK_UPDATED);
	CHECK_UINT_EQ(tr->n_duplicates, 3);
	CHECK_UINT_EQ(tr->n_applied, 3);
	CHECK_UINT_EQ(brk_tracks_stats(t)->duplicates, 3);
	CHECK_UINT_EQ(brk_tracks_stats(t)->applied, 3);
	CHECK_UINT_EQ(brk_tracks_stats(t)->stale, 0);
	brk_tracks_free(t);
}

/* secMark 59.9 then 0.1 is newer; 59.95 after 0.1 is older; the message
 * time of 59.9 received at 0.15 lies in the minute before. */
static void minute_wrap(void)
{
	struct brk_tracks *t = table(16, 0, 0);
	struct v2x_bsm b = bsm(3, 10, 59.9);
	struct brk_track *tr = NULL;
	struct brk_track_state s;

	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 50000, 1, &tr), BRK_TRACK_CREATED);
	CHECK_INT_EQ(tr->latest.msg_us, T0_US - 100000);
	b = bsm(3, 11, 0.1);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 150000, 2, &tr), BRK_TRACK_UPDATED);
	CHECK_INT_EQ(tr->latest.msg_us, T0_US + 100000);
	b = bsm(3, 12, 59.95);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu2, T0_US + 160000, 3, &tr), BRK_TRACK_STALE);
	CHECK_INT_EQ(tr->latest.msg_cnt, 11);
	CHECK(has_rsu(tr, 2));
	/* 40.0 lies 20.1 s before 0.1, modulo the minute. */
	b = bsm(3, 13, 40.0);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 170000, 4, &tr), BRK_TRACK_STALE);
	b = bsm(3, 14, 0.2);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 250000, 5, &tr), BRK_TRACK_UPDATED);
	CHECK_INT_EQ(brk_tracks_history(t, tr, 1, &s), 0);
	CHECK_INT_EQ(s.msg_cnt, 11);
	CHECK_UINT_EQ(brk_tracks_stats(t)->stale, 2);
	CHECK_UINT_EQ(tr->n_stale, 2);
	/* An unavailable secMark cannot be ordered: applied, time of receipt. */
	b = bsm(3, 15, NAN);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US + 350000, 6, &tr), BRK_TRACK_UPDATED);
	CHECK_INT_EQ(tr->latest.msg_us, T0_US + 350000);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu2, T0_US + 351000, 7, &tr), BRK_TRACK_DUPLICATE);
	brk_tracks_free(t);
}

static void history_order(void)
{
	struct brk_tracks *t = table(4, 4, 0);
	struct brk_track *tr = NULL;
	struct brk_track_state s;

	for (uint8_t c = 1; c <= 6; c++) {
		struct v2x_bsm b = bsm(1, c, c * 0.1);
		CHECK(brk_tracks_update(t, &b, rsu1, T0_US + (int64_t)c * 100000, c, &tr) > 0);
		CHECK_INT_EQ(brk_tracks_history(t, tr, 0, &s), 0);
		CHECK_INT_EQ(s.msg_cnt, c);
		CHECK_INT_EQ(brk_tracks_history(t, tr, c < 4 ? c : 4, &s), V2X_ENOTFOUND);
	}
	for (size_t i = 0; i < 4; i++) {
		CHECK_INT_EQ(brk_tracks_history(t, tr, i, &s), 0);
		CHECK_INT_EQ(s.msg_cnt, 6 - i);
		CHECK_INT_EQ(s.rx_us, T0_US + (int64_t)(6 - i) * 100000);
	}
	brk_tracks_free(t);
}

static void expiry(void)
{
	struct brk_tracks *t = table(16, 0, 1000000);
	const struct brk_track *it;
	size_t n = 0;

	for (uint32_t v = 0; v < 6; v++) {
		struct v2x_bsm b = bsm(v, 1, 1.0);
		CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US, (int64_t)v * 100000, NULL),
		             BRK_TRACK_CREATED);
	}
	/* Vehicle 0 updated last: the oldest is now vehicle 1. */
	struct v2x_bsm b0 = bsm(0, 2, 1.1);
	CHECK_INT_EQ(brk_tracks_update(t, &b0, rsu1, T0_US, 600000, NULL), BRK_TRACK_UPDATED);
	CHECK_UINT_EQ(brk_tracks_sweep(t, 1000000, 10), 0);
	/* At 1.35 s vehicles 1, 2, 3 are over 1 s old; two per call. */
	CHECK_UINT_EQ(brk_tracks_sweep(t, 1350000, 2), 2);
	CHECK_UINT_EQ(brk_tracks_sweep(t, 1350000, 2), 1);
	CHECK_UINT_EQ(brk_tracks_sweep(t, 1350000, 2), 0);
	CHECK_UINT_EQ(brk_tracks_stats(t)->expired, 3);
	CHECK_UINT_EQ(brk_tracks_stats(t)->live, 3);
	for (uint32_t v = 1; v <= 3; v++) {
		struct v2x_bsm b = bsm(v, 1, 1.0);
		CHECK(brk_tracks_find(t, b.id) == NULL);
	}
	/* Iteration: vehicles 4, 5, 0, least recently updated first. */
	const uint32_t order[] = { 4, 5, 0 };
	for (it = brk_tracks_next(t, NULL); it; it = brk_tracks_next(t, it), n++) {
		struct v2x_bsm b = bsm(order[n < 3 ? n : 0], 1, 1.0);
		CHECK(n < 3 && memcmp(it->id, b.id, V2X_ID_LEN) == 0);
	}
	CHECK_UINT_EQ(n, 3);
	CHECK_UINT_EQ(brk_tracks_sweep(t, 10000000, 100), 3);
	CHECK(brk_tracks_next(t, NULL) == NULL);
	CHECK_UINT_EQ(brk_tracks_stats(t)->live, 0);
	brk_tracks_free(t);
}

static void eviction(void)
{
	struct brk_tracks *t = table(3, 0, 0);
	struct v2x_bsm b;

	for (uint32_t v = 1; v <= 3; v++) {
		b = bsm(v, 1, 1.0);
		CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US, v, NULL), BRK_TRACK_CREATED);
	}
	b = bsm(1, 2, 1.1);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US, 4, NULL), BRK_TRACK_UPDATED);
	b = bsm(4, 1, 1.0);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu1, T0_US, 5, NULL), BRK_TRACK_CREATED);
	CHECK_UINT_EQ(brk_tracks_stats(t)->evicted, 1);
	CHECK_UINT_EQ(brk_tracks_stats(t)->live, 3);
	b = bsm(2, 1, 1.0);
	CHECK(brk_tracks_find(t, b.id) == NULL);
	for (uint32_t v = 1; v <= 4; v++) {
		b = bsm(v, 1, 1.0);
		CHECK((brk_tracks_find(t, b.id) != NULL) == (v != 2));
	}
	brk_tracks_free(t);
}

/* Five RSUs in turn: the one heard longest ago gives way. */
static void rsu_set(void)
{
	struct brk_tracks *t = table(4, 0, 0);
	struct brk_track *tr = NULL;

	for (uint16_t r = 1; r <= 5; r++) {
		struct v2x_bsm b = bsm(1, (uint8_t)r, r * 0.1);
		CHECK(brk_tracks_update(t, &b, (struct brk_rsu_key){ r }, T0_US, r, &tr) > 0);
	}
	CHECK(!has_rsu(tr, 1));
	for (uint16_t r = 2; r <= 5; r++)
		CHECK(has_rsu(tr, r));
	/* RSU 2 heard again, then 6: RSU 3 goes. */
	struct v2x_bsm b = bsm(1, 5, 0.5);
	CHECK_INT_EQ(brk_tracks_update(t, &b, rsu2, T0_US, 6, &tr), BRK_TRACK_DUPLICATE);
	b = bsm(1, 6, 0.6);
	CHECK(brk_tracks_update(t, &b, (struct brk_rsu_key){ 6 }, T0_US, 7, &tr) > 0);
	CHECK(has_rsu(tr, 2) && !has_rsu(tr, 3) && has_rsu(tr, 6));
	brk_tracks_free(t);
}

/* The least recently updated of the held vehicles, in the model. */
static uint32_t model_oldest(const bool *held, const int64_t *last, uint32_t n)
{
	uint32_t best = UINT32_MAX;

	for (uint32_t v = 0; v < n; v++)
		if (held[v] && (best == UINT32_MAX || last[v] < last[best]))
			best = v;
	return best;
}

/* Random updates, evictions and expiries against a plain model of what
 * the table must hold: after every step, exactly the vehicles the model
 * holds are found. */
static void churn(void)
{
	enum { CAP = 64, VEHICLES = 200, STEPS = 20000, MAX_AGE = 100 };
	struct brk_tracks *t = table(CAP, 2, MAX_AGE);
	bool held[VEHICLES] = { false };
	int64_t last[VEHICLES];
	uint32_t sent[VEHICLES] = { 0 };
	uint64_t rng = 88172645463325252ULL;
	size_t n_held = 0, bad = 0;

	for (int64_t now = 0; now < STEPS; now++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		/* All vehicles (evictions), then 20 of them (the rest expire). */
		uint32_t v = (uint32_t)(rng % (now < STEPS / 2 ? VEHICLES : 20));
		/* Each vehicle's messages 0.1 s apart: always newer. */
		struct v2x_bsm b = bsm(v, (uint8_t)(sent[v] & 127), (double)(sent[v] % 600) / 10);
		sent[v]++;
		CHECK(brk_tracks_update(t, &b, rsu1, T0_US, now, NULL) > 0);
		if (!held[v] && n_held == CAP) {
			held[model_oldest(held, last, VEHICLES)] = false;
			n_held--;
		}
		n_held += !held[v];
		held[v] = true;
		last[v] = now;
		if (now % 10 == 0) {
			brk_tracks_sweep(t, now, SIZE_MAX);
			for (uint32_t w = 0; w < VEHICLES; w++)
				if (held[w] && now - last[w] > MAX_AGE) {
					held[w] = false;
					n_held--;
				}
		}
		for (uint32_t w = 0; w < VEHICLES; w++) {
			struct v2x_bsm q = bsm(w, 0, 0);
			bad += (brk_tracks_find(t, q.id) != NULL) != held[w];
		}
	}
	CHECK_UINT_EQ(bad, 0);
	CHECK_UINT_EQ(brk_tracks_stats(t)->live, n_held);
	for (const struct brk_track *it = brk_tracks_next(t, NULL); it; it = brk_tracks_next(t, it))
		CHECK(brk_tracks_find(t, it->id) == it);
	CHECK(brk_tracks_stats(t)->evicted > 0);
	CHECK(brk_tracks_stats(t)->expired > 0);
	CHECK_UINT_EQ(brk_tracks_stats(t)->created,
	              n_held + brk_tracks_stats(t)->evicted + brk_tracks_stats(t)->expired);
	brk_tracks_free(t);
}

static void metrics(void)
{
	struct brk_tracks *t = table(4, 0, 0);
	struct v2x_metrics m;
	struct v2x_metrics_buf out = { 0 };
	struct v2x_bsm b = bsm(1, 1, 1.0);
	char err[128];

	brk_tracks_update(t, &b, rsu1, T0_US, 1, NULL);
	brk_tracks_update(t, &b, rsu2, T0_US, 2, NULL);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(brk_tracks_metrics_add(t, &m, NULL, 0, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &out), 0);
	CHECK(out.data &&
	      strstr(out.data, "v2x_broker_tracks_updates_total{outcome=\"duplicate\"} 1"));
	CHECK(out.data && strstr(out.data, "v2x_broker_tracks_live 1"));
	v2x_metrics_buf_fini(&out);
	v2x_metrics_fini(&m);
	brk_tracks_free(t);
}

static void config(void)
{
	struct brk_tracks_cfg cfg = { 0 };
	struct brk_tracks *t = NULL;

	CHECK_INT_EQ(brk_tracks_new(&cfg, &t), V2X_EINVAL);
	cfg.capacity = 1;
	cfg.max_age_us = -1;
	CHECK_INT_EQ(brk_tracks_new(&cfg, &t), V2X_EINVAL);
	brk_tracks_free(NULL);
}

int main(void)
{
	create_and_update();
	duplicates_merge();
	minute_wrap();
	history_order();
	expiry();
	eviction();
	rsu_set();
	churn();
	metrics();
	config();
	return check_exit();
}
