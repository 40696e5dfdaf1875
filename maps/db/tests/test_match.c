/*
 * map_db_match, under tests/with-postgis: the cases the rule in
 * maps/db/match.h is about (side of the lane, heading against an opposite
 * lane, height against a bridge above, nothing near), then 1,000 random
 * points against a plain C reading of the same rule over the model, and
 * the GiST index on lanes.geom_local in the plan of the query.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "maps/db/match.h"
#include "maps/db/store.h"
#include "maps/db/tests/dbtest.h"
#include "maps/db/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

#define PI 3.14159265358979323846

/* ---- the rule of maps/db/match.h, in C ---- */

/* a - b folded into [-180, 180). */
static double angle_diff(double a, double b)
{
	double d = a - b;

	return d - 360 * floor((d + 180) / 360);
}

/* The closest point of l to (x, y): first segment at the smallest distance. */
struct closest {
	double d, s2d, cx, cy;
};

static struct closest closest_point(const struct map_lane *l, double x, double y)
{
	struct closest best = { INFINITY, 0, 0, 0 };
	double before = 0;

	for (size_t k = 0; k + 1 < l->n_points; k++) {
		const struct map_xyz *a = &l->points[k], *b = a + 1;
		double dx = b->x - a->x, dy = b->y - a->y, len = hypot(dx, dy);
		double r = ((x - a->x) * dx + (y - a->y) * dy) / (len * len);
		double t = r < 0 ? 0 : r > 1 ? 1 : r;
		double cx = a->x + t * dx, cy = a->y + t * dy, d = hypot(x - cx, y - cy);
		if (d < best.d)
			best = (struct closest){ d, before + hypot(cx - a->x, cy - a->y), cx, cy };
		before += len;
	}
	best.s2d /= before;
	return best;
}

/* The profile's z and heading at s. */
static void profile_at(const struct map_lane *l, double s, double *z, double *h)
{
	size_t i = 0;
	double t = 0;

	while (i + 1 < l->n_samples && l->samples[i + 1].s <= s)
		i++;
	const struct map_sample *a = &l->samples[i];
	const struct map_sample *b = i + 1 < l->n_samples ? a + 1 : a;
	if (b->s > a->s)
		t = (s - a->s) / (b->s - a->s);
	*z = a->z + t * (b->z - a->z);
	*h = a->heading_deg + t * angle_diff(b->heading_deg, a->heading_deg);
	*h -= 360 * floor(*h / 360);
}

/* Lane l as a candidate; returns whether it passes the gates. */
static int candidate(const struct map_lane *l, const struct map_db_match_query *q,
                     struct map_db_match_result *r)
{
	struct closest c = closest_point(l, q->x, q->y);
	double z, h;

	if (c.d > MAP_MATCH_RADIUS_M)
		return 0;
	r->lane_id = l->id;
	r->s = c.s2d * l->length_m;
	profile_at(l, r->s, &z, &h);
	r->distance_m = c.d;
	r->dz_m = q->z - z;
	r->lane_z_m = z;
	r->lane_heading_deg = h;
	r->lateral_m = (q->y - c.cy) * sin(h * PI / 180) - (q->x - c.cx) * cos(h * PI / 180) < 0
	                       ? -c.d
	                       : c.d;
	if (!isnan(q->z) && fabs(r->dz_m) > MAP_MATCH_MAX_DZ_M)
		return 0;
	return isnan(q->heading_deg) ||
	       fabs(angle_diff(q->heading_deg, h)) <= MAP_MATCH_MAX_HEADING_DIFF_DEG;
}

static int better(const struct map_db_match_result *a, const struct map_db_match_result *b)
{
	double za = isnan(a->dz_m) ? 0 : fabs(a->dz_m), zb = isnan(b->dz_m) ? 0 : fabs(b->dz_m);

	if (a->distance_m != b->distance_m)
		return a->distance_m < b->distance_m;
	return za != zb ? za < zb : a->lane_id < b->lane_id;
}

static int reference(const struct map_model *m, const struct map_db_match_query *q,
                     struct map_db_match_result *out)
{
	struct map_db_match_result r;
	int found = 0;

	for (size_t i = 0; i < m->n_lanes; i++)
		if (candidate(&m->lanes[i], q, &r) && (!found || better(&r, out))) {
			*out = r;
			found = 1;
		}
	return found ? 0 : V2X_ENOTFOUND;
}

/* ---- the tests ---- */

struct point_case {
	const char *what;
	struct map_db_match_query q;
	int rc;
	uint32_t lane;
	double lateral;
};

static const struct point_case cases[] = {
	{ "right of lane 1", { 50.3, -1, 303, 80 }, 0, 1, -1 },
	{ "left of lane 1, lane 2 heading the other way", { 50.3, 1, 303, 80 }, 0, 1, 1 },
	{ "left of lane 2 (westbound)", { 50.3, 2.5, 303, 270 }, 0, 2, 1 },
	{ "on the bridge above lane 1", { 50, -1, 317, 0 }, 0, 5, 0 },
	{ "under the bridge, no heading", { 50, -1, 303, NAN }, 0, 1, -1 },
	{ "no height, no heading: the bridge is nearest", { 50, -1, NAN, NAN }, 0, 5, 0 },
	{ "heading across every lane", { 50.3, -1, 303, 170 }, V2X_ENOTFOUND, 0, 0 },
	{ "far from everything", { 500, 500, 300, NAN }, V2X_ENOTFOUND, 0, 0 },
};

static void test_cases(struct map_db_matcher *mt)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct point_case *c = &cases[i];
		struct map_db_match_result r = { 0 };
		char err[512] = "";
		int rc = map_db_match(mt, &c->q, &r, err, sizeof(err));
		printf("%-46s -> lane %u s %.3f lateral %+.3f dz %.3f %s\n", c->what, r.lane_id,
		       r.s, r.lateral_m, r.dz_m, err);
		CHECK_INT_EQ(rc, c->rc);
		if (rc || c->rc)
			continue;
		CHECK_UINT_EQ(r.lane_id, c->lane);
		CHECK_DBL_NEAR(r.lateral_m, c->lateral, 1e-9);
	}
}

/* A point over the map and around it, with a height and a heading three times in four. */
static struct map_db_match_query random_query(uint64_t *seed)
{
	struct map_db_match_query q = { synth_uniform(seed, -15, 145), synth_uniform(seed, -60, 60),
		                        NAN, NAN };

	if (synth_uniform(seed, 0, 4) >= 1)
		q.z = synth_uniform(seed, 296, 320);
	if (synth_uniform(seed, 0, 4) >= 1)
		q.heading_deg = synth_uniform(seed, 0, 360);
	return q;
}

/* PostGIS and the C reading of the rule agree; returns 1 when they do. */
static int same(int rc, const struct map_db_match_result *a, int ref_rc,
                const struct map_db_match_result *b)
{
	if (rc != ref_rc)
		return 0;
	if (rc)
		return 1;
	return a->lane_id == b->lane_id && fabs(a->s - b->s) < 1e-6 &&
	       fabs(a->lateral_m - b->lateral_m) < 1e-6 &&
	       (isnan(a->dz_m) ? isnan(b->dz_m) : fabs(a->dz_m - b->dz_m) < 1e-6) &&
	       fabs(angle_diff(a->lane_heading_deg, b->lane_heading_deg)) < 1e-6;
}

static void test_random(struct map_db_matcher *mt, const struct map_model *m)
{
	int matched = 0, differ = 0;
	uint64_t seed = 7;

	for (int i = 0; i < 1000; i++) {
		struct map_db_match_query q = random_query(&seed);
		struct map_db_match_result a = { 0 }, b = { 0 };
		char err[512];
		int rc = map_db_match(mt, &q, &a, err, sizeof(err));
		int ref_rc = reference(m, &q, &b);
		matched += rc == 0;
		if (same(rc, &a, ref_rc, &b))
			continue;
		differ++;
		fprintf(stderr,
		        "(%.3f, %.3f, z %.3f, h %.1f): PostGIS %d lane %u s %.6f lat %.6f, C %d "
		        "lane %u "
		        "s %.6f lat %.6f\n",
		        q.x, q.y, q.z, q.heading_deg, rc, a.lane_id, a.s, a.lateral_m, ref_rc,
		        b.lane_id, b.s, b.lateral_m);
	}
	printf("1000 random points: %d matched, %d differ from the C reading of the rule\n",
	       matched, differ);
	CHECK_INT_EQ(differ, 0);
	CHECK(matched > 100);
}

/* The nearest-lane query can use the GiST index (forced: the test map is tiny). */
static void test_plan(PGconn *pg, int64_t id)
{
	char sql[512];
	PGresult *res;
	int found = 0;

	PQclear(PQexec(pg, "SET enable_seqscan = off"));
	snprintf(sql, sizeof(sql),
	         "EXPLAIN SELECT * FROM v2x_map.match_lane(%" PRId64 ", 50, -1, 303, 90)", id);
	res = PQexec(pg, sql);
	for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
		if (strstr(PQgetvalue(res, i, 0), "Index Scan using lanes_geom_local")) {
			printf("plan: %s\n", PQgetvalue(res, i, 0));
			found = 1;
		}
	CHECK(found);
	PQclear(res);
	PQclear(PQexec(pg, "RESET enable_seqscan"));
}

int main(void)
{
	struct map_db_matcher *mt = NULL, *mt2 = NULL;
	struct map_db_conn *c;
	struct map_model m;
	struct v2x_arena a;
	char err[1024];
	int64_t id = 0;
	int skip;

	c = dbtest_open(1, &skip);
	if (!c)
		return skip ? CHECK_SKIP : 1;
	v2x_arena_init(&a, 1 << 16, 0);
	CHECK_INT_EQ(synth_small(&a, &m), 0);
	if (!CHECK(map_db_store(map_db_conn_pg(c), &m, &id, err, sizeof(err)) == 0) ||
	    !CHECK(map_db_matcher_new(map_db_conn_pg(c), 0, &mt, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	CHECK_INT_EQ(map_db_matcher_version(mt), id);
	/* A second matcher on the same connection shares the statement. */
	CHECK_INT_EQ(map_db_matcher_new(map_db_conn_pg(c), id, &mt2, err, sizeof(err)), 0);
	test_cases(mt);
	test_random(mt, &m);
	test_plan(map_db_conn_pg(c), id);
out:
	map_db_matcher_free(mt);
	map_db_matcher_free(mt2);
	v2x_arena_fini(&a);
	map_db_close(c);
	return check_exit();
}
