/*
 * Benchmark of maps/db under tests/with-postgis: the time to store and to
 * load a map of about 20,000 profile samples, and the PostGIS match
 * round trip over the connection (a unix socket under with-postgis).
 * Prints one figure per line, "name: value unit".
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "maps/db/load.h"
#include "maps/db/match.h"
#include "maps/db/store.h"
#include "maps/db/tests/dbtest.h"
#include "maps/db/tests/synth.h"
#include "runtime/clock.h"
#include "tests/check.h"

#define SAMPLES 20000
#define ROUNDS  3
#define MATCHES 1000

static double ms_since(uint64_t t0)
{
	return (double)(v2x_clock_mono_ns() - t0) / 1e6;
}

static size_t count_samples(const struct map_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_lanes; i++)
		n += m->lanes[i].n_samples;
	return n;
}

/* The best of ROUNDS stores; *id is the last version. */
static int bench_store(PGconn *pg, const struct map_model *m, int64_t *id)
{
	double best = 1e30;
	char err[1024];

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = v2x_clock_mono_ns();
		if (map_db_store(pg, m, id, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		best = ms_since(t0) < best ? ms_since(t0) : best;
	}
	printf("store_samples: %zu samples\n", count_samples(m));
	printf("store_lanes: %zu lanes\n", m->n_lanes);
	printf("store_ms: %.1f ms\n", best);
	return 0;
}

static int bench_load(PGconn *pg, int64_t id)
{
	struct map_model m = { 0 };
	struct v2x_arena a;
	char err[1024];
	uint64_t t0;
	int rc;

	v2x_arena_init(&a, 1 << 20, 0);
	t0 = v2x_clock_mono_ns();
	rc = map_db_load(pg, id, &a, &m, err, sizeof(err));
	if (rc == 0)
		printf("load_ms: %.1f ms\n", ms_since(t0));
	else
		fprintf(stderr, "%s\n", err);
	v2x_arena_fini(&a);
	return rc ? 1 : 0;
}

static int bench_match(PGconn *pg, int64_t id, const struct map_model *m)
{
	struct map_db_matcher *mt;
	uint64_t seed = 11;
	int found = 0;
	char err[1024];
	uint64_t t0;

	if (map_db_matcher_new(pg, id, &mt, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = v2x_clock_mono_ns();
	for (int i = 0; i < MATCHES; i++) {
		struct map_db_match_query q = { synth_uniform(&seed, 0, 500),
			                        synth_uniform(&seed, 0, 20.0 * (double)m->n_lanes),
			                        301, 90 };
		struct map_db_match_result r;
		found += map_db_match(mt, &q, &r, err, sizeof(err)) == 0;
	}
	printf("match_pg_us: %.1f us\n", ms_since(t0) * 1000 / MATCHES);
	printf("match_pg_found: %d of %d\n", found, MATCHES);
	map_db_matcher_free(mt);
	return 0;
}

/* Whether the planner picks the GiST index on its own for the match, on this map. */
static void show_plan(PGconn *pg, int64_t id)
{
	char sql[256];
	PGresult *res;
	int index = 0;

	snprintf(sql, sizeof(sql),
	         "EXPLAIN SELECT * FROM v2x_map.match_lane(%" PRId64 ", 250, 100, 301, 90)", id);
	res = PQexec(pg, sql);
	for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
		index |= strstr(PQgetvalue(res, i, 0), "lanes_geom_local") != NULL;
	printf("match_uses_gist: %d\n", index);
	PQclear(res);
}

int main(void)
{
	struct map_db_conn *c;
	struct map_model m;
	struct v2x_arena a;
	int64_t id = 0;
	int skip, rc;

	c = dbtest_open(1, &skip);
	if (!c)
		return skip ? CHECK_SKIP : 1;
	v2x_arena_init(&a, 1 << 20, 0);
	rc = synth_big(&a, SAMPLES, &m);
	if (rc == 0)
		rc = bench_store(map_db_conn_pg(c), &m, &id);
	if (rc == 0)
		rc = bench_load(map_db_conn_pg(c), id);
	PQclear(PQexec(map_db_conn_pg(c), "ANALYZE"));
	if (rc == 0)
		rc = bench_match(map_db_conn_pg(c), id, &m);
	if (rc == 0)
		show_plan(map_db_conn_pg(c), id);
	v2x_arena_fini(&a);
	map_db_close(c);
	return rc;
}
