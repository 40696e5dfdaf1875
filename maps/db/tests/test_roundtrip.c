/*
 * map_db_store then map_db_load, under tests/with-postgis: the model read
 * back equals the one written, field by field and bit for bit; info and
 * versions describe it; an invalid model writes nothing.
 */
#include <math.h>
#include <string.h>

#include "maps/db/info.h"
#include "maps/db/load.h"
#include "maps/db/store.h"
#include "maps/db/tests/dbtest.h"
#include "maps/db/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

/* Fields compared exactly: the store writes 17 digits, the load reads them back. */
#define EQ_U(f) CHECK_UINT_EQ(a->f, b->f)
#define EQ_I(f) CHECK_INT_EQ(a->f, b->f)
#define EQ_D(f) CHECK_DBL_NEAR(a->f, b->f, 0)
#define EQ_S(f) CHECK_STR_EQ(a->f, b->f)

static void eq_xyz(const struct map_xyz *a, const struct map_xyz *b)
{
	EQ_D(x);
	EQ_D(y);
	EQ_D(z);
}

static void eq_polygon(const struct map_polygon *a, const struct map_polygon *b)
{
	EQ_U(n);
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		EQ_D(v[i].x);
		EQ_D(v[i].y);
	}
}

static void eq_intervals(const struct map_interval *a, const struct map_interval *b, size_t n)
{
	for (size_t i = 0; i < n; i++, a++, b++) {
		EQ_U(lane_id);
		EQ_D(s0);
		EQ_D(s1);
	}
}

static void eq_meta(const struct map_meta *a, const struct map_meta *b)
{
	EQ_S(name);
	EQ_S(proj);
	EQ_S(height_datum);
	EQ_S(source);
	EQ_D(origin_lat_deg);
	EQ_D(origin_lon_deg);
}

static void eq_sample(const struct map_sample *a, const struct map_sample *b)
{
	EQ_D(s);
	EQ_D(x);
	EQ_D(y);
	EQ_D(z);
	EQ_D(heading_deg);
	EQ_D(curvature);
	EQ_D(grade);
	EQ_D(superelevation);
	EQ_D(width_m);
	EQ_D(speed_limit_mps);
	EQ_D(advisory_mps);
}

static void eq_lane(const struct map_lane *a, const struct map_lane *b)
{
	EQ_U(id);
	EQ_U(road_id);
	EQ_I(direction);
	EQ_U(type);
	EQ_D(width_m);
	EQ_D(speed_limit_mps);
	EQ_D(length_m);
	EQ_U(n_points);
	for (size_t i = 0; i < a->n_points && i < b->n_points; i++)
		eq_xyz(&a->points[i], &b->points[i]);
	EQ_U(n_samples);
	for (size_t i = 0; i < a->n_samples && i < b->n_samples; i++)
		eq_sample(&a->samples[i], &b->samples[i]);
}

static void eq_road(const struct map_road *a, const struct map_road *b)
{
	EQ_U(id);
	EQ_S(name);
	EQ_D(length_m);
}

static void eq_connection(const struct map_connection *a, const struct map_connection *b)
{
	EQ_U(from_lane);
	EQ_U(to_lane);
	EQ_U(maneuver);
	EQ_I(signal_group);
	EQ_U(intersection_id);
}

static void eq_intersection(const struct map_intersection *a, const struct map_intersection *b)
{
	EQ_U(id);
	EQ_S(name);
	EQ_U(region);
	EQ_U(node_id);
	eq_xyz(&a->ref, &b->ref);
}

static void eq_stop_line(const struct map_stop_line *a, const struct map_stop_line *b)
{
	EQ_U(id);
	EQ_U(lane_id);
	EQ_D(s);
	EQ_U(intersection_id);
	EQ_I(signal_group);
	eq_xyz(&a->a, &b->a);
	eq_xyz(&a->b, &b->b);
}

static void eq_structure(const struct map_structure *a, const struct map_structure *b)
{
	EQ_U(id);
	EQ_U(kind);
	EQ_S(name);
	EQ_U(n_intervals);
	if (a->n_intervals == b->n_intervals)
		eq_intervals(a->intervals, b->intervals, a->n_intervals);
}

static void eq_obstruction(const struct map_obstruction *a, const struct map_obstruction *b)
{
	EQ_U(id);
	EQ_S(name);
	EQ_D(z_bottom);
	EQ_D(z_top);
	eq_polygon(&a->outline, &b->outline);
}

static void eq_rsu(const struct map_rsu *a, const struct map_rsu *b)
{
	EQ_U(id);
	EQ_S(rsu_id);
	eq_xyz(&a->pos, &b->pos);
	EQ_D(mast_height_m);
	EQ_D(range_m);
}

static void eq_hazard(const struct map_hazard_zone *a, const struct map_hazard_zone *b)
{
	EQ_U(id);
	EQ_U(kind);
	EQ_S(name);
	EQ_U(event_type);
	eq_polygon(&a->area, &b->area);
	EQ_U(n_intervals);
	if (a->n_intervals == b->n_intervals)
		eq_intervals(a->intervals, b->intervals, a->n_intervals);
}

static void eq_curve(const struct map_curve *a, const struct map_curve *b)
{
	EQ_U(id);
	EQ_U(lane_id);
	EQ_D(s0);
	EQ_D(s1);
	EQ_D(arc_s0);
	EQ_D(arc_s1);
	EQ_D(radius_m);
	EQ_I(turn);
	EQ_I(hairpin);
	EQ_D(advisory_mps);
}

static void eq_grade(const struct map_grade_section *a, const struct map_grade_section *b)
{
	EQ_U(id);
	EQ_U(lane_id);
	EQ_D(s0);
	EQ_D(s1);
	EQ_D(grade);
}

/* Compares list n_<f> / <f> of a and b with eq_<fn>. */
#define EQ_LIST(f, fn)                                                \
	do {                                                          \
		EQ_U(n_##f);                                          \
		for (size_t i = 0; i < a->n_##f && i < b->n_##f; i++) \
			fn(&a->f[i], &b->f[i]);                       \
	} while (0)

static void eq_model(const struct map_model *a, const struct map_model *b)
{
	eq_meta(&a->meta, &b->meta);
	EQ_LIST(roads, eq_road);
	EQ_LIST(lanes, eq_lane);
	EQ_LIST(connections, eq_connection);
	EQ_LIST(intersections, eq_intersection);
	EQ_LIST(stop_lines, eq_stop_line);
	EQ_LIST(structures, eq_structure);
	EQ_LIST(obstructions, eq_obstruction);
	EQ_LIST(rsus, eq_rsu);
	EQ_LIST(hazard_zones, eq_hazard);
	EQ_LIST(curves, eq_curve);
	EQ_LIST(grade_sections, eq_grade);
}

static void check_info(PGconn *pg, int64_t id, const struct map_model *m)
{
	struct map_db_info info;
	size_t samples = 0;
	double km = 0;
	char err[1024];

	for (size_t i = 0; i < m->n_lanes; i++) {
		samples += m->lanes[i].n_samples;
		km += m->lanes[i].length_m / 1000;
	}
	CHECK_INT_EQ(map_db_info(pg, id, &info, err, sizeof(err)), 0);
	printf("version %lld '%s' of %s: %zu lanes, %zu samples, %.3f lane km, lat %.6f..%.6f, "
	       "lon %.6f..%.6f, z %.1f..%.1f m\n",
	       (long long)info.id, info.name, info.created_at, info.n_lanes, info.n_samples,
	       info.lane_km, info.lat_min_deg, info.lat_max_deg, info.lon_min_deg, info.lon_max_deg,
	       info.z_min_m, info.z_max_m);
	CHECK_INT_EQ(info.id, id);
	CHECK_UINT_EQ(info.n_lanes, m->n_lanes);
	CHECK_UINT_EQ(info.n_samples, samples);
	CHECK_UINT_EQ(info.n_hazard_zones, m->n_hazard_zones);
	CHECK_UINT_EQ(info.n_grade_sections, m->n_grade_sections);
	CHECK_DBL_NEAR(info.lane_km, km, 1e-9);
	/* The lanes lie within about 130 m of the origin, 29.56 N 106.55 E. */
	CHECK(info.lat_min_deg > 29.559 && info.lat_max_deg < 29.561 && info.lat_min_deg < 29.56);
	CHECK(info.lon_min_deg >= 106.55 - 1e-9 && info.lon_max_deg < 106.552);
	CHECK_DBL_NEAR(info.z_min_m, 300, 1e-9);
	CHECK_DBL_NEAR(info.z_max_m, 317, 1e-9);
}

static void check_versions(PGconn *pg, int64_t first, int64_t second)
{
	struct map_db_info *v = NULL;
	struct v2x_arena a;
	char err[1024];
	size_t n = 0;

	v2x_arena_init(&a, 4096, 0);
	CHECK_INT_EQ(map_db_versions(pg, &a, &v, &n, err, sizeof(err)), 0);
	CHECK_UINT_EQ(n, 2);
	if (n == 2) {
		CHECK_INT_EQ(v[0].id, first);
		CHECK_INT_EQ(v[1].id, second);
	}
	v2x_arena_fini(&a);
}

static void test_invalid(PGconn *pg, struct map_model *m)
{
	double before = dbtest_double(pg, "SELECT count(*) FROM v2x_map.map_version");
	int64_t id = -1;
	char err[1024];

	/* Inside a transaction of the caller's, nothing is written either. */
	PQclear(PQexec(pg, "BEGIN"));
	CHECK_INT_EQ(map_db_store(pg, m, &id, err, sizeof(err)), V2X_EINVAL);
	printf("inside a transaction: %s\n", err);
	CHECK(strstr(err, "inside a transaction") != NULL);
	PQclear(PQexec(pg, "ROLLBACK"));
	m->lanes[2].n_samples = 0;
	CHECK_INT_EQ(map_db_store(pg, m, &id, err, sizeof(err)), V2X_EINVAL);
	printf("invalid model: %s\n", err);
	CHECK(strstr(err, "lane 3 has no profile") != NULL);
	CHECK_INT_EQ(id, 0);
	CHECK_DBL_NEAR(dbtest_double(pg, "SELECT count(*) FROM v2x_map.map_version"), before, 0);
}

int main(void)
{
	struct map_model m, back = { 0 };
	struct v2x_arena a, b;
	struct map_db_conn *c;
	int64_t id = 0, id2 = 0;
	char err[1024];
	int skip;

	c = dbtest_open(1, &skip);
	if (!c)
		return skip ? CHECK_SKIP : 1;
	v2x_arena_init(&a, 1 << 16, 0);
	v2x_arena_init(&b, 1 << 16, 0);
	CHECK_INT_EQ(synth_small(&a, &m), 0);
	if (!CHECK(map_db_store(map_db_conn_pg(c), &m, &id, err, sizeof(err)) == 0))
		fprintf(stderr, "%s\n", err);
	CHECK(id > 0);
	if (!CHECK(map_db_load(map_db_conn_pg(c), id, &b, &back, err, sizeof(err)) == 0))
		fprintf(stderr, "%s\n", err);
	eq_model(&m, &back);
	check_info(map_db_conn_pg(c), id, &m);
	/* A second version; 0 now loads it. */
	CHECK_INT_EQ(map_db_store(map_db_conn_pg(c), &m, &id2, err, sizeof(err)), 0);
	CHECK(id2 > id);
	v2x_arena_reset(&b);
	CHECK_INT_EQ(map_db_load(map_db_conn_pg(c), 0, &b, &back, err, sizeof(err)), 0);
	eq_model(&m, &back);
	check_versions(map_db_conn_pg(c), id, id2);
	CHECK_INT_EQ(map_db_load(map_db_conn_pg(c), id2 + 100, &b, &back, err, sizeof(err)),
	             V2X_ENOTFOUND);
	printf("missing version: %s\n", err);
	test_invalid(map_db_conn_pg(c), &m);
	v2x_arena_fini(&a);
	v2x_arena_fini(&b);
	map_db_close(c);
	return check_exit();
}
