/*
 * A new map version published while the broker runs, under
 * tests/with-postgis.  Version 1 is the test field with 3.5 m lanes,
 * version 2 the same field with 3.6 m lanes, stored from another thread
 * while a second thread and a timer on the loop keep acquiring the map and
 * matching on it.  The swap happens, on_map_changed tells 1 -> 2, every
 * reader finds each map's index to be of that map's version (3.5 m lanes
 * in version 1, 3.6 m in version 2: never a torn state), a reader holding
 * version 1 across the swap keeps using it, and a version that cannot be
 * loaded (a PROJ string PROJ refuses) is counted and leaves version 2 in
 * place.  A source pinned to version 1 loads it, hears notifications and
 * stays on it.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mapsrc/tests/fx.h"
#include "tests/check.h"

#define WAIT_MS 60000

/* What readers saw; readers on two threads, each with its own. */
struct seen {
	int64_t v1;
	long n_v1, n_v2, torn, unmatched;
};

/* Acquires the map, checks that its index belongs to its version, matches on it. */
static void read_once(struct brk_mapsrc *src, const struct map_xyz *at, struct seen *s)
{
	struct brk_map *map = brk_mapsrc_acquire(src);
	const struct map_index *idx = brk_map_index(map);
	struct map_index_query q = { at->x, at->y, at->z, NAN };
	struct map_index_lane lane;
	struct map_index_match hit;
	bool v1 = brk_map_version(map) == s->v1;

	if (map_index_lane(idx, 41, &lane) != 0 || fabs(lane.width_m - (v1 ? 3.5 : 3.6)) > 1e-9) {
		s->torn++;
	} else {
		s->n_v1 += v1;
		s->n_v2 += !v1;
	}
	if (map_index_match(idx, &q, NULL, &hit) != 0 || hit.lane_id != 41)
		s->unmatched++;
	brk_map_release(map);
}

struct reader {
	struct brk_mapsrc *src;
	struct map_xyz at;
	struct seen seen;
	pthread_mutex_t lock;
	bool stop;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	for (;;) {
		bool stop;
		pthread_mutex_lock(&r->lock);
		stop = r->stop;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return NULL;
		read_once(r->src, &r->at, &r->seen);
	}
}

/* Version 2, built and stored on a thread of its own with its own connection. */
struct publisher {
	const char *conninfo;
	int64_t version;
	int rc;
};

static void *publish_main(void *arg)
{
	struct publisher *p = arg;
	struct mapgen_params params = mapgen_params_default();
	PGconn *pg = PQconnectdb(p->conninfo);
	struct v2x_arena arena;
	struct map_model m;

	params.lane_width_m = 3.6;
	v2x_arena_init(&arena, 1 << 20, 0);
	p->rc = PQstatus(pg) == CONNECTION_OK ? fx_field(&params, &arena, &m) : V2X_EDB;
	if (p->rc == 0)
		p->rc = fx_store(pg, &m, &p->version);
	v2x_arena_fini(&arena);
	PQfinish(pg);
	return NULL;
}

struct timer_reader {
	struct brk_mapsrc *src;
	struct map_xyz at;
	struct seen seen;
};

static void on_read_tick(uv_timer_t *t)
{
	struct timer_reader *tr = t->data;

	read_once(tr->src, &tr->at, &tr->seen);
}

static bool changed(struct fx *f, void *arg)
{
	return f->n_changed >= *(int *)arg;
}

static bool never(struct fx *f, void *arg)
{
	(void)f;
	(void)arg;
	return false;
}

static bool load_failed(struct fx *f, void *arg)
{
	struct brk_mapsrc_stats st;

	(void)arg;
	brk_mapsrc_stats(f->src, &st);
	return st.load_failures > 0;
}

static void print_seen(const char *who, const struct seen *s)
{
	printf("%s: %ld reads of version 1, %ld of version 2, %ld torn, %ld unmatched\n", who,
	       s->n_v1, s->n_v2, s->torn, s->unmatched);
	CHECK_INT_EQ(s->torn, 0);
	CHECK_INT_EQ(s->unmatched, 0);
	CHECK(s->n_v1 > 0);
	CHECK(s->n_v2 > 0);
}

/* A version PROJ refuses: the load fails, is counted, version 2 stays. */
static void test_bad_version(struct fx *f, int64_t v2)
{
	struct brk_mapsrc_stats st;
	struct brk_map *map;

	CHECK(fx_exec(f->admin,
	              "INSERT INTO v2x_map.map_version (name, projection, height_datum, "
	              "source, origin_lat_deg, origin_lon_deg, loaded_at) VALUES "
	              "('broken', '+proj=no_such_projection', 'h', 'test', 0, 0, now())"));
	CHECK(fx_wait(f, load_failed, NULL, WAIT_MS));
	map = brk_mapsrc_acquire(f->src);
	CHECK_INT_EQ(brk_map_version(map), v2);
	brk_map_release(map);
	brk_mapsrc_stats(f->src, &st);
	CHECK_INT_EQ(st.version, v2);
	CHECK_UINT_EQ(st.reloads, 1);
	CHECK_INT_EQ(f->n_changed, 1);
	printf("broken version: %llu load failure(s), version %lld kept\n",
	       (unsigned long long)st.load_failures, (long long)st.version);
	CHECK(fx_exec(f->admin, "DELETE FROM v2x_map.map_version WHERE name = 'broken'"));
}

/*
 * A query on version 1 after the swap: the worker follows version 2, so
 * PostGIS converts the zone with version 1's PROJ string; the answer is
 * checked against version 1's geometry.
 */
static void test_old_version(struct fx *f, const struct map_model *m, struct brk_map *v1map)
{
	static struct fx_span want[FX_SPANS_MAX];
	struct map_xyz c = fx_lane_at(map_model_lane(m, 41), 150);
	const struct fx_answer *a;
	struct brk_zone zone;
	size_t n;

	fx_circle(brk_map_frame(v1map), c.x, c.y, c.z, 30, &zone);
	zone.version = brk_map_version(v1map);
	a = fx_query(f, 1, &zone, WAIT_MS);
	if (!a)
		return;
	CHECK_INT_EQ(a->status, 0);
	CHECK_INT_EQ(a->version, brk_map_version(v1map));
	n = fx_expect_circle(m, c.x, c.y, c.z, 30, BRK_MAPSRC_DEFAULT_Z_TOLERANCE_M, want,
	                     FX_SPANS_MAX);
	CHECK(n > 0);
	CHECK_INT_EQ(fx_compare(a, want, n), 0);
	printf("query on version %lld after the swap: %zu spans, as its geometry says\n",
	       (long long)a->version, a->n);
}

static bool heard(struct fx *f, void *arg)
{
	struct brk_mapsrc_stats st;

	(void)f;
	brk_mapsrc_stats(arg, &st);
	return st.notifications > 0;
}

/* A second source pinned to version 1 while version 2 is the newest. */
static void test_pinned(struct fx *f, int64_t v1)
{
	struct brk_mapsrc_config cfg = fx_config(f);
	struct brk_mapsrc *src = NULL;
	struct brk_mapsrc_stats st;
	struct brk_map *map;
	char err[1024];
	int before = f->n_changed;

	cfg.version = v1;
	if (!CHECK(brk_mapsrc_new(&f->loop, &cfg, &src, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK(fx_exec(f->admin, "NOTIFY v2x_map_version, '999'"));
	CHECK(fx_wait(f, heard, src, WAIT_MS));
	map = brk_mapsrc_acquire(src);
	CHECK_INT_EQ(brk_map_version(map), v1);
	brk_map_release(map);
	brk_mapsrc_stats(src, &st);
	CHECK_UINT_EQ(st.loads, 1);
	CHECK_UINT_EQ(st.reloads, 0);
	CHECK_INT_EQ(f->n_changed, before);
	brk_mapsrc_close(src);
	printf("pinned to version %lld: notification heard, no reload\n", (long long)v1);
}

static void run(struct fx *f, const struct map_model *m, int64_t v1)
{
	struct reader r = { .src = f->src, .at = fx_lane_at(map_model_lane(m, 41), 150) };
	struct timer_reader tr = { .src = f->src, .at = r.at };
	struct publisher pub = { .conninfo = f->conninfo };
	struct brk_map *held = brk_mapsrc_acquire(f->src);
	struct map_index_query q = { r.at.x, r.at.y, r.at.z, NAN };
	struct map_index_match hit = { 0 };
	struct brk_mapsrc_stats st;
	pthread_t reader_t, pub_t;
	uv_timer_t timer;
	int one = 1;

	r.seen.v1 = tr.seen.v1 = v1;
	pthread_mutex_init(&r.lock, NULL);
	uv_timer_init(&f->loop, &timer);
	timer.data = &tr;
	uv_timer_start(&timer, on_read_tick, 1, 1);
	pthread_create(&reader_t, NULL, reader_main, &r);
	pthread_create(&pub_t, NULL, publish_main, &pub);
	CHECK(fx_wait(f, changed, &one, WAIT_MS));
	pthread_join(pub_t, NULL);
	CHECK_INT_EQ(pub.rc, 0);
	CHECK_INT_EQ(f->changed_old, v1);
	CHECK_INT_EQ(f->changed_new, pub.version);
	printf("on_map_changed: %lld -> %lld (stored %lld)\n", (long long)f->changed_old,
	       (long long)f->changed_new, (long long)pub.version);
	/* Some more reads of the new map, then stop the readers. */
	fx_wait(f, never, NULL, 200);
	pthread_mutex_lock(&r.lock);
	r.stop = true;
	pthread_mutex_unlock(&r.lock);
	pthread_join(reader_t, NULL);
	uv_close((uv_handle_t *)&timer, NULL);
	print_seen("reader thread", &r.seen);
	print_seen("loop timer", &tr.seen);
	/* The map held across the swap is still version 1, and works. */
	read_once(f->src, &r.at, &tr.seen);
	CHECK_INT_EQ(brk_map_version(held), v1);
	CHECK_INT_EQ(map_index_match(brk_map_index(held), &q, NULL, &hit), 0);
	CHECK_UINT_EQ(hit.lane_id, 41);
	test_old_version(f, m, held);
	brk_map_release(held);
	brk_mapsrc_stats(f->src, &st);
	CHECK_UINT_EQ(st.loads, 2);
	CHECK_UINT_EQ(st.reloads, 1);
	CHECK_INT_EQ(st.version, pub.version);
	CHECK(st.notifications >= 1);
	CHECK_UINT_EQ(st.load_failures, 0);
	test_bad_version(f, pub.version);
	test_pinned(f, v1);
	pthread_mutex_destroy(&r.lock);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct brk_mapsrc_config cfg;
	struct v2x_arena arena;
	struct map_model m;
	int64_t v1 = 0;
	char err[1024];
	struct fx *f = calloc(1, sizeof(*f));
	int rc = f ? fx_init(f) : 1;

	if (rc)
		return rc;
	v2x_arena_init(&arena, 1 << 20, 0);
	if (!CHECK(fx_field(&p, &arena, &m) == 0) || !CHECK(fx_store(f->admin, &m, &v1) == 0))
		goto out;
	cfg = fx_config(f);
	if (!CHECK(brk_mapsrc_new(&f->loop, &cfg, &f->src, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	run(f, &m, v1);
out:
	fx_fini(f);
	v2x_arena_fini(&arena);
	free(f);
	return check_exit();
}
