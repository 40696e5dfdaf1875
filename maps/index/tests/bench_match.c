/*
 * bench_match: how fast the lane index matches BSMs, and how much memory
 * it takes, printed one figure per line as "name: value unit".
 *
 *   bench-maps-index-match              the generated test field (maps/gen, default
 *                                       parameters)
 *   bench-maps-index-match --tiles N    N tiles of the synthetic map of synth.h
 *
 * The traffic is BSM-like: VEHICLES vehicles driving along the lanes at
 * 8-20 m/s, each sending a BSM every 0.1 s with 1.5 m of GNSS noise per
 * axis, 3 degrees of heading noise and 1 m of height noise, interleaved as
 * a broker receives them, each matched with that vehicle's previous match
 * as the hint.  Every matcher in the methods table runs the same messages;
 * a figure is the median over batches of the mean time per match in a
 * batch (a clock read per match would cost as much as the match), timed
 * on the thread's CPU clock so that other processes sharing the machine
 * do not count.
 *
 * The matchers of methods[]: the index; a brute-force scan of every
 * segment (bruteforce_match_ns); and, when V2X_PG_CONNINFO names a
 * PostgreSQL+PostGIS (the benchmark runs under tests/with-postgis), the
 * same question answered by PostGIS with the prepared statement of
 * maps/db/match.h over its unix socket (postgis_match_ns, match_speedup).
 * PostGIS does its work in the server, so it is timed on the wall clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maps/db/conn.h"
#include "maps/db/match.h"
#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "maps/gen/mapgen.h"
#include "maps/index/slot.h"
#include "maps/index/tests/refmatch.h"
#include "maps/index/tests/rng.h"
#include "maps/index/tests/synth.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define VEHICLES 1000
#define STEPS    200 /* BSMs per vehicle */

struct msg {
	uint32_t vehicle;
	struct map_index_query q;
};

struct traffic {
	size_t n;
	struct msg *msgs;
};

/* What a method works on: the map, its index, and its own state. */
struct mctx {
	const struct map_model *m;
	const struct map_index *idx;
	void *priv;
};

/* One way to match a BSM. */
struct method {
	const char *prefix;  /* of its "match_ns" figure */
	const char *speedup; /* the line comparing the index with it; NULL for the index */
	size_t batches, batch;
	bool wall; /* timed on the wall clock, not the thread's CPU time */
	int (*setup)(struct mctx *c);
	int (*match)(const struct mctx *c, const struct map_index_query *q,
	             const struct map_index_match *hint, struct map_index_match *out);
	void (*teardown)(struct mctx *c);
};

static int index_setup(struct mctx *c)
{
	c->priv = NULL;
	return 0;
}

static int index_match(const struct mctx *c, const struct map_index_query *q,
                       const struct map_index_match *hint, struct map_index_match *out)
{
	return map_index_match(c->idx, q, hint, out);
}

static void index_teardown(struct mctx *c)
{
	c->priv = NULL;
}

static int brute_setup(struct mctx *c)
{
	struct refmatch *r = NULL;
	int rc = refmatch_new(c->m, &r);

	c->priv = r;
	return rc;
}

static int brute_match(const struct mctx *c, const struct map_index_query *q,
                       const struct map_index_match *hint, struct map_index_match *out)
{
	return refmatch_match(c->priv, q, hint, out);
}

static void brute_teardown(struct mctx *c)
{
	refmatch_free(c->priv);
	c->priv = NULL;
}

/* PostGIS: the map stored as a new version, matched with one round trip
 * to the server per BSM. */
struct pg_method {
	struct map_db_conn *conn;
	struct map_db_matcher *matcher;
};

static void pg_teardown(struct mctx *c)
{
	struct pg_method *pg = c->priv;

	if (pg) {
		map_db_matcher_free(pg->matcher);
		map_db_close(pg->conn);
		free(pg);
	}
	c->priv = NULL;
}

static int pg_setup(struct mctx *c)
{
	struct pg_method *pg = calloc(1, sizeof(*pg));
	char err[1024];
	int64_t version = 0;
	int applied, rc = pg ? 0 : V2X_ENOMEM;

	c->priv = pg;
	if (rc == 0)
		rc = map_db_open(getenv("V2X_PG_CONNINFO"), NULL, &pg->conn, err, sizeof(err));
	if (rc == 0)
		rc = map_db_migrate(map_db_conn_pg(pg->conn), &applied, err, sizeof(err));
	if (rc == 0)
		rc = map_db_store(map_db_conn_pg(pg->conn), c->m, &version, err, sizeof(err));
	if (rc == 0)
		rc = map_db_matcher_new(map_db_conn_pg(pg->conn), version, &pg->matcher, err,
		                        sizeof(err));
	if (rc != 0)
		fprintf(stderr, "bench: PostGIS: %s\n", pg ? err : "out of memory");
	return rc;
}

static int pg_match(const struct mctx *c, const struct map_index_query *q,
                    const struct map_index_match *hint, struct map_index_match *out)
{
	struct pg_method *pg = c->priv;
	struct map_db_match_query dq = { q->x, q->y, q->z, q->heading_deg };
	struct map_db_match_result r;
	char err[256];
	int rc = map_db_match(pg->matcher, &dq, &r, err, sizeof(err));

	(void)hint;
	if (rc == 0)
		*out = (struct map_index_match){
			.lane_id = r.lane_id, .s = r.s, .lateral_m = r.lateral_m, .dz_m = r.dz_m
		};
	return rc;
}

/* The index first: the others are compared with it. */
static const struct method methods[] = {
	{ "", NULL, 400, 1000, false, index_setup, index_match, index_teardown },
	{ "bruteforce_", "match_speedup_vs_bruteforce", 40, 50, false, brute_setup, brute_match,
	  brute_teardown },
	{ "postgis_", "match_speedup", 20, 50, true, pg_setup, pg_match, pg_teardown },
};

struct vehicle {
	uint32_t lane;
	double s, speed;
};

static void place(struct rng *r, const struct map_model *m, struct vehicle *v)
{
	const struct map_lane *l = &m->lanes[rng_next(r) % m->n_lanes];

	v->lane = l->id;
	v->s = rng_range(r, 0, l->length_m);
	v->speed = rng_range(r, 8, 20);
}

/* Moves v 0.1 s on, into the first successor at the lane's end, or to a
 * new random place at the map's edge. */
static void drive(struct rng *r, const struct map_index *idx, const struct map_model *m,
                  struct vehicle *v)
{
	struct map_index_lane info;
	const struct map_index_link *links;
	size_t n;

	v->s += 0.1 * v->speed;
	map_index_lane(idx, v->lane, &info);
	if (v->s <= info.length_m)
		return;
	map_index_links(idx, v->lane, true, &links, &n);
	if (n == 0) {
		place(r, m, v);
		return;
	}
	v->s -= info.length_m;
	v->lane = links[rng_next(r) % n].lane_id;
}

static void bsm(struct rng *r, const struct map_index *idx, const struct vehicle *v,
                struct map_index_query *q)
{
	struct map_sample p;
	double h;

	map_index_profile_at(idx, v->lane, v->s, &p);
	h = p.heading_deg + 3 * rng_gauss(r);
	*q = (struct map_index_query){ p.x + 1.5 * rng_gauss(r), p.y + 1.5 * rng_gauss(r),
		                       p.z + rng_gauss(r),
		                       h < 0      ? h + 360
		                       : h >= 360 ? h - 360
		                                  : h };
}

static int traffic_make(const struct map_model *m, const struct map_index *idx, struct traffic *t)
{
	struct rng r = { 2026 };
	struct vehicle *v = calloc(VEHICLES, sizeof(*v));

	t->n = (size_t)VEHICLES * STEPS;
	t->msgs = calloc(t->n, sizeof(*t->msgs));
	if (!v || !t->msgs) {
		free(v);
		free(t->msgs);
		t->msgs = NULL;
		return V2X_ENOMEM;
	}
	for (size_t i = 0; i < VEHICLES; i++)
		place(&r, m, &v[i]);
	for (size_t k = 0; k < t->n; k++) {
		struct vehicle *vk = &v[k % VEHICLES];
		drive(&r, idx, m, vk);
		t->msgs[k].vehicle = (uint32_t)(k % VEHICLES);
		bsm(&r, idx, vk, &t->msgs[k].q);
	}
	free(v);
	return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

/* Nanoseconds of CPU time this thread has used. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from dropping matches whose results go unused. */
static volatile uint32_t sink;

/* Runs one batch from message first; returns ns per match. */
static double batch_run(const struct method *mt, const struct mctx *c, const struct traffic *t,
                        size_t first, struct map_index_match *hints, unsigned char *have)
{
	uint64_t t0 = mt->wall ? v2x_clock_mono_ns() : cpu_ns();

	for (size_t i = 0; i < mt->batch; i++) {
		const struct msg *msg = &t->msgs[(first + i) % t->n];
		struct map_index_match out;
		uint32_t v = msg->vehicle;
		int rc = mt->match(c, &msg->q, have[v] ? &hints[v] : NULL, &out);
		have[v] = rc == 0;
		if (rc == 0)
			hints[v] = out;
		sink += rc == 0 ? out.lane_id : 0;
	}
	return (double)((mt->wall ? v2x_clock_mono_ns() : cpu_ns()) - t0) / (double)mt->batch;
}

/* The median ns per match of method mt over its batches. */
static double measure(const struct method *mt, const struct mctx *c, const struct traffic *t)
{
	struct map_index_match *hints = calloc(VEHICLES, sizeof(*hints));
	unsigned char *have = calloc(VEHICLES, 1);
	double *ns = calloc(mt->batches, sizeof(*ns)), median = -1;

	if (hints && have && ns) {
		batch_run(mt, c, t, 0, hints, have); /* warm the caches */
		for (size_t b = 0; b < mt->batches; b++)
			ns[b] = batch_run(mt, c, t, (b + 1) * mt->batch, hints, have);
		qsort(ns, mt->batches, sizeof(*ns), cmp_double);
		median = ns[mt->batches / 2];
	}
	free(hints);
	free(have);
	free(ns);
	return median;
}

/* What a reader pays to take and drop the current index per message.
 * The slot takes idx over and frees it. */
static double slot_cost(struct map_index *idx)
{
	struct map_index_slot *slot = NULL;
	const int n = 1000000;
	uint64_t t0;
	double ns;

	if (map_index_slot_new(idx, &slot) < 0)
		return -1;
	t0 = cpu_ns();
	for (int i = 0; i < n; i++)
		map_index_release(map_index_slot_acquire(slot));
	ns = (double)(cpu_ns() - t0) / n;
	map_index_slot_free(slot);
	return ns;
}

static void print_index(const struct map_index *idx, double build_ms)
{
	struct map_index_stats st;
	double km;

	map_index_stats(idx, &st);
	km = st.lane_length_m / 1000;
	printf("lanes: %zu lanes\n", st.n_lanes);
	printf("lane_km: %.1f km\n", km);
	printf("index_build_ms: %.1f ms\n", build_ms);
	printf("index_bytes: %zu bytes\n", st.bytes);
	printf("index_bytes_per_lane_km: %.0f bytes\n", (double)st.bytes / km);
}

/* Measures every method; the first is the index the others compare to. */
static int run_methods(const struct map_model *m, const struct map_index *idx,
                       const struct traffic *t)
{
	double index_ns = 0;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		const struct method *mt = &methods[i];
		struct mctx c = { m, idx, NULL };
		double ns;
		if (mt->wall && !getenv("V2X_PG_CONNINFO")) {
			fprintf(stderr,
			        "bench: no V2X_PG_CONNINFO: %smatch_ns not measured (run "
			        "under tests/with-postgis)\n",
			        mt->prefix);
			continue;
		}
		if (mt->setup(&c) < 0) {
			fprintf(stderr, "bench: %smatch setup failed\n", mt->prefix);
			return 1;
		}
		ns = measure(mt, &c, t);
		mt->teardown(&c);
		printf("%smatch_ns: %.0f ns\n", mt->prefix, ns);
		if (!mt->speedup) {
			index_ns = ns;
			printf("match_per_s: %.0f matches/s\n", 1e9 / ns);
		} else {
			printf("%s: %.1f x\n", mt->speedup, ns / index_ns);
		}
	}
	return 0;
}

/* The map to measure on: the generated test field, or synthetic tiles. */
struct bench_map {
	struct synth_map sm;
	bool synth;
	struct v2x_arena arena;
	struct map_model field;
	const struct map_model *m;
};

static int bench_map_make(struct bench_map *b, int argc, char **argv)
{
	struct mapgen_params p = mapgen_params_default();
	char err[512];

	if (argc == 3 && strcmp(argv[1], "--tiles") == 0) {
		unsigned tiles = (unsigned)strtoul(argv[2], NULL, 10);
		b->synth = true;
		b->m = &b->sm.model;
		return tiles > 0 && synth_build(&b->sm, tiles) == 0 ? 0 : V2X_EINVAL;
	}
	if (argc != 1)
		return V2X_EUSAGE;
	v2x_arena_init(&b->arena, 1 << 20, 0);
	b->m = &b->field;
	if (mapgen_build(&p, &b->arena, &b->field, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "bench: %s\n", err);
	return V2X_EINVAL;
}

static void bench_map_fini(struct bench_map *b)
{
	if (b->synth)
		synth_fini(&b->sm);
	else
		v2x_arena_fini(&b->arena);
}

int main(int argc, char **argv)
{
	struct bench_map b = { .synth = false };
	struct map_index *idx = NULL;
	struct traffic t = { 0 };
	char err[200];
	uint64_t t0;
	int status;

	if (bench_map_make(&b, argc, argv) != 0) {
		fprintf(stderr, "usage: %s [--tiles N]\n", argv[0]);
		return 2;
	}
	t0 = v2x_clock_mono_ns();
	if (map_index_new(b.m, &idx, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		bench_map_fini(&b);
		return 1;
	}
	print_index(idx, (double)(v2x_clock_mono_ns() - t0) / 1e6);
	status = traffic_make(b.m, idx, &t) < 0 || run_methods(b.m, idx, &t);
	printf("slot_acquire_release_ns: %.0f ns\n", slot_cost(idx));
	free(t.msgs);
	bench_map_fini(&b);
	return status;
}
