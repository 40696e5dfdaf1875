/*
 * The whole chain on the test field: gen -> load into PostGIS -> load back
 * -> lane index -> match, with each match checked against the same
 * question answered by PostGIS (maps/db/match.h) on 1,000 random points.
 * Runs under tests/with-postgis (V2X_PG_CONNINFO).
 */
#include <math.h>
#include <stdlib.h>

#include "maps/db/conn.h"
#include "maps/db/load.h"
#include "maps/db/match.h"
#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "maps/gen/mapfile.h"
#include "maps/gen/mapgen.h"
#include "maps/index/index.h"
#include "runtime/err.h"
#include "tests/check.h"

#define POINTS 1000

/* A small seeded generator, so a failing point can be found again. */
static uint64_t rng_state = 0x5eed;

static double uniform(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / (double)(1ULL << 53);
}

static double gauss(void)
{
	return sqrt(-2 * log(1 - uniform())) * cos(2 * M_PI * uniform());
}

/* A point near a random lane: on it, beside it (some beyond the 10 m
 * gate), with or without height and heading, some heading the other way. */
static void random_point(const struct map_model *m, struct map_index_query *q)
{
	const struct map_lane *l = &m->lanes[(size_t)(uniform() * (double)m->n_lanes)];
	const struct map_sample *smp = &l->samples[(size_t)(uniform() * (double)l->n_samples)];
	double off = (uniform() * 2 - 1) * 12, h = smp->heading_deg * M_PI / 180;

	q->x = smp->x - cos(h) * off;
	q->y = smp->y + sin(h) * off;
	q->z = uniform() < 0.3 ? NAN : smp->z + gauss() * 2.5;
	q->heading_deg = uniform() < 0.3   ? NAN
	                 : uniform() < 0.1 ? fmod(smp->heading_deg + 180, 360)
	                                   : fmod(smp->heading_deg + gauss() * 20 + 360, 360);
}

/*
 * Whether two matches are equally right.  A point on the concave side of a
 * bend can be equidistant, to floating-point precision, from two segments
 * of a centre line sampled every metre (their feet a centimetre apart),
 * and a point level with the joint of two lanes from both lanes; PostGIS
 * and the index may break such ties differently.  Anything else must be
 * the same lane, s and lateral offset to the index's precision (a quarter
 * of a millimetre).
 */
static bool equally_right(const struct map_index *idx, const struct map_db_match_result *d,
                          const struct map_index_match *i)
{
	const struct map_index_link *links;
	size_t n = 0;
	bool joined = false;

	if (fabs(fabs(d->lateral_m) - fabs(i->lateral_m)) > 0.001)
		return false;
	if (d->lane_id == i->lane_id)
		return fabs(d->lateral_m - i->lateral_m) <= 0.001 && fabs(d->s - i->s) <= 0.05;
	map_index_links(idx, i->lane_id, true, &links, &n);
	for (size_t k = 0; k < n; k++)
		joined |= links[k].lane_id == d->lane_id && d->s < 0.05;
	map_index_links(idx, d->lane_id, true, &links, &n);
	for (size_t k = 0; k < n; k++)
		joined |= links[k].lane_id == i->lane_id && i->s < 0.05;
	return joined;
}

/* The index and PostGIS give the same answer for q. */
static int same(struct map_db_matcher *db, const struct map_index *idx,
                const struct map_index_query *q)
{
	struct map_db_match_query dq = { q->x, q->y, q->z, q->heading_deg };
	struct map_db_match_result dr;
	struct map_index_match ir;
	char err[256];
	int drc = map_db_match(db, &dq, &dr, err, sizeof(err));
	int irc = map_index_match(idx, q, NULL, &ir);

	if (drc != irc) {
		fprintf(stderr, "(%.3f, %.3f, z %.2f, heading %.1f): PostGIS %s, index %s\n", q->x,
		        q->y, q->z, q->heading_deg, v2x_err_name(drc), v2x_err_name(irc));
		return 0;
	}
	if (drc != 0)
		return 1;
	if (!equally_right(idx, &dr, &ir)) {
		fprintf(stderr,
		        "(%.3f, %.3f): PostGIS lane %u s %.4f lateral %.4f, index lane %u "
		        "s %.4f lateral %.4f\n",
		        q->x, q->y, dr.lane_id, dr.s, dr.lateral_m, ir.lane_id, ir.s, ir.lateral_m);
		return 0;
	}
	return 2;
}

static void compare(struct map_db_matcher *db, const struct map_model *m,
                    const struct map_index *idx)
{
	size_t agree = 0, matched = 0;

	for (int i = 0; i < POINTS; i++) {
		struct map_index_query q;
		int r;
		random_point(m, &q);
		r = same(db, idx, &q);
		agree += r > 0;
		matched += r == 2;
	}
	printf("%d random points: %zu answered the same by the index and PostGIS (%zu on a lane, "
	       "%zu off map)\n",
	       POINTS, agree, matched, agree - matched);
	CHECK_UINT_EQ(agree, POINTS);
	CHECK(matched > POINTS / 2);
	CHECK(agree - matched > 50);
}

static int by_lanes(const void *a, const void *b)
{
	const struct map_connection *x = a, *y = b;

	if (x->from_lane != y->from_lane)
		return x->from_lane < y->from_lane ? -1 : 1;
	return x->to_lane < y->to_lane ? -1 : x->to_lane > y->to_lane;
}

/* Stores the generated field, loads it back, and checks both agree (the
 * database gives connections back ordered by their lanes, the key it
 * keeps them by). */
static int round_trip(PGconn *pg, struct map_model *m, struct v2x_arena *arena,
                      struct map_model *back, int64_t *version)
{
	char err[1024], diff[512];
	int applied = 0;

	if (!CHECK(map_db_migrate(pg, &applied, err, sizeof(err)) == 0) ||
	    !CHECK(map_db_store(pg, m, version, err, sizeof(err)) == 0) ||
	    !CHECK(map_db_load(pg, *version, arena, back, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	qsort(m->connections, m->n_connections, sizeof(*m->connections), by_lanes);
	if (!CHECK(map_file_same(m, back, diff, sizeof(diff))))
		fprintf(stderr, "loaded map differs: %s\n", diff);
	printf("test field stored as map version %lld and loaded back unchanged\n",
	       (long long)*version);
	return 0;
}

int main(void)
{
	const char *conninfo = getenv("V2X_PG_CONNINFO");
	struct mapgen_params p = mapgen_params_default();
	struct map_db_matcher *db = NULL;
	struct map_db_conn *conn = NULL;
	struct map_index *idx = NULL;
	struct v2x_arena arena;
	struct map_model m = { 0 }, back = { 0 };
	int64_t version = 0;
	char err[1024];

	if (!conninfo) {
		printf("no V2X_PG_CONNINFO (run under tests/with-postgis): skipped\n");
		return CHECK_SKIP;
	}
	v2x_arena_init(&arena, 1 << 20, 0);
	if (!CHECK(mapgen_build(&p, &arena, &m, err, sizeof(err)) == 0) ||
	    !CHECK(map_db_open(conninfo, NULL, &conn, err, sizeof(err)) == 0) ||
	    round_trip(map_db_conn_pg(conn), &m, &arena, &back, &version) != 0 ||
	    !CHECK(map_index_new(&back, &idx, err, sizeof(err)) == 0) ||
	    !CHECK(map_db_matcher_new(map_db_conn_pg(conn), version, &db, err, sizeof(err)) == 0))
		fprintf(stderr, "%s\n", err);
	else
		compare(db, &back, idx);
	map_db_matcher_free(db);
	map_index_free(idx);
	map_db_close(conn);
	v2x_arena_fini(&arena);
	return check_exit();
}
