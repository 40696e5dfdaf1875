/*
 * The map source on the generated test field, under tests/with-postgis:
 * the first load (and its failures), the map readers get, and lane
 * queries checked against the lanes computed in C from the model: the
 * hazard zones, the viaduct and the road below it with and without
 * heights, a path along a lane, bad zones, an unknown version and the
 * queue bound.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mapsrc/tests/fx.h"
#include "tests/check.h"

#define WAIT_MS 30000

/* An empty database: the broker refuses to start, and says what to do. */
static void test_no_map(struct fx *f)
{
	struct brk_mapsrc_config cfg = fx_config(f);
	struct brk_mapsrc *m = NULL;
	char err[1024] = "";

	CHECK_INT_EQ(brk_mapsrc_new(&f->loop, &cfg, &m, err, sizeof(err)), V2X_ENOTFOUND);
	CHECK(m == NULL);
	CHECK_STR_EQ(err, "no map version in the database: load one with v2x-map load");
	printf("empty database: %s\n", err);
}

static void test_bad_config(struct fx *f, int64_t version)
{
	struct brk_mapsrc_config cfg = fx_config(f);
	struct brk_mapsrc *m = NULL;
	char err[1024] = "";

	cfg.version = version + 1000;
	CHECK_INT_EQ(brk_mapsrc_new(&f->loop, &cfg, &m, err, sizeof(err)), V2X_ENOTFOUND);
	CHECK(strstr(err, "is not in the database") != NULL);
	printf("pinned to a missing version: %s\n", err);
	cfg = fx_config(f);
	cfg.conninfo = "host=/nonexistent-dir port=1";
	CHECK_INT_EQ(brk_mapsrc_new(&f->loop, &cfg, &m, err, sizeof(err)), V2X_EDB);
	printf("unreachable: %s\n", err);
	cfg.conninfo = "no_such_option=1";
	CHECK_INT_EQ(brk_mapsrc_new(&f->loop, &cfg, &m, err, sizeof(err)), V2X_ECONFIG);
	cfg.conninfo = "";
	CHECK_INT_EQ(brk_mapsrc_new(&f->loop, &cfg, &m, err, sizeof(err)), V2X_ECONFIG);
	cfg = fx_config(f);
	cfg.on_lanes = NULL;
	CHECK_INT_EQ(brk_mapsrc_new(&f->loop, &cfg, &m, err, sizeof(err)), V2X_EINVAL);
}

/* The map readers get: the stored version, its lanes, RSUs and frame. */
static void test_map(struct fx *f, const struct map_model *m, int64_t version)
{
	struct brk_map *map = brk_mapsrc_acquire(f->src);
	struct map_index_stats st;
	struct brk_mapsrc_stats ss;
	size_t n_rsus, n_x;
	double lat = NAN, lon = NAN, x = NAN, y = NAN;

	CHECK_INT_EQ(brk_map_version(map), version);
	map_index_stats(brk_map_index(map), &st);
	CHECK_UINT_EQ(st.n_lanes, m->n_lanes);
	CHECK(brk_map_rsus(map, &n_rsus) != NULL);
	CHECK_UINT_EQ(n_rsus, m->n_rsus);
	CHECK_STR_EQ(brk_map_rsus(map, &n_rsus)[0].rsu_id, m->rsus[0].rsu_id);
	brk_map_intersections(map, &n_x);
	CHECK_UINT_EQ(n_x, m->n_intersections);
	CHECK_STR_EQ(brk_map_meta(map)->proj, m->meta.proj);
	CHECK_INT_EQ(map_frame_to_wgs84(brk_map_frame(map), 100, 200, &lat, &lon), 0);
	CHECK_INT_EQ(map_frame_from_wgs84(brk_map_frame(map), lat, lon, &x, &y), 0);
	CHECK_DBL_NEAR(x, 100, 1e-6);
	CHECK_DBL_NEAR(y, 200, 1e-6);
	brk_map_release(map);
	brk_mapsrc_stats(f->src, &ss);
	CHECK_INT_EQ(ss.version, version);
	CHECK_UINT_EQ(ss.loads, 1);
	CHECK_UINT_EQ(ss.connected, 1);
	printf("map version %lld: %zu lanes, %zu RSUs, %zu intersections\n", (long long)version,
	       st.n_lanes, n_rsus, n_x);
}

/* A circle, answered by PostGIS and computed in C; returns the answer. */
static const struct fx_answer *circle_check(struct fx *f, const struct map_model *m, uint64_t tag,
                                            struct map_xyz c, double z, double r)
{
	static struct fx_span want[FX_SPANS_MAX];
	struct brk_map *map = brk_mapsrc_acquire(f->src);
	const struct fx_answer *a;
	struct brk_zone zone;
	size_t n;

	fx_circle(brk_map_frame(map), c.x, c.y, z, r, &zone);
	brk_map_release(map);
	a = fx_query(f, tag, &zone, WAIT_MS);
	if (!a)
		return NULL;
	CHECK_INT_EQ(a->status, 0);
	n = fx_expect_circle(m, c.x, c.y, z, r, BRK_MAPSRC_DEFAULT_Z_TOLERANCE_M, want,
	                     FX_SPANS_MAX);
	CHECK_INT_EQ(fx_compare(a, want, n), 0);
	return a;
}

/* Each hazard zone: a circle at its middle covers its lane at the middle. */
static void test_hazard_zones(struct fx *f, const struct map_model *m, int64_t version)
{
	CHECK(m->n_hazard_zones >= 3);
	for (size_t i = 0; i < m->n_hazard_zones; i++) {
		const struct map_hazard_zone *hz = &m->hazard_zones[i];
		const struct map_interval *iv = &hz->intervals[0];
		double mid = (iv->s0 + iv->s1) / 2;
		struct map_xyz c = fx_lane_at(map_model_lane(m, iv->lane_id), mid);
		const struct fx_answer *a = circle_check(f, m, 1, c, c.z, 25);
		bool covered = false;
		if (!a)
			continue;
		CHECK_INT_EQ(a->version, version);
		for (size_t k = 0; k < a->n; k++)
			covered |= a->spans[k].lane_id == iv->lane_id &&
			           a->spans[k].s_from < mid - 20 && a->spans[k].s_to > mid + 20;
		CHECK(covered);
		printf("hazard zone %u (%s): %zu spans, lane %u covered around s %.1f\n", hz->id,
		       hz->name, a->n, iv->lane_id, mid);
	}
}

/* A point of the viaduct and the point of another road below it. */
struct crossing {
	uint32_t top_lane, low_lane;
	struct map_xyz top, low;
};

static bool find_below(const struct map_model *m, const struct map_lane *top,
                       const struct map_sample *t, struct crossing *out)
{
	for (size_t j = 0; j < m->n_lanes; j++) {
		const struct map_lane *l = &m->lanes[j];
		for (size_t k = 0; l->road_id != top->road_id && k < l->n_samples; k++) {
			const struct map_sample *b = &l->samples[k];
			if (hypot(b->x - t->x, b->y - t->y) < 1.0 && t->z - b->z > 7) {
				*out = (struct crossing){
					top->id, l->id, { t->x, t->y, t->z }, { b->x, b->y, b->z }
				};
				return true;
			}
		}
	}
	return false;
}

static bool find_crossing(const struct map_model *m, struct crossing *out)
{
	for (size_t i = 0; i < m->n_structures; i++) {
		const struct map_structure *st = &m->structures[i];
		for (size_t j = 0; st->kind == MAP_BRIDGE && j < st->n_intervals; j++) {
			const struct map_lane *l = map_model_lane(m, st->intervals[j].lane_id);
			for (size_t k = 0; k < l->n_samples; k++)
				if (find_below(m, l, &l->samples[k], out))
					return true;
		}
	}
	return false;
}

/* Whether the answer holds a lane of road. */
static bool has_road(const struct map_model *m, const struct fx_answer *a, uint32_t road)
{
	for (size_t i = 0; i < a->n; i++)
		if (map_model_lane(m, a->spans[i].lane_id)->road_id == road)
			return true;
	return false;
}

/* A rockfall on the road below does not close the viaduct above, and the reverse. */
static void test_stacked(struct fx *f, const struct map_model *m)
{
	struct crossing c;
	const struct fx_answer *a;
	uint32_t top_road, low_road;

	if (!CHECK(find_crossing(m, &c)))
		return;
	top_road = map_model_lane(m, c.top_lane)->road_id;
	low_road = map_model_lane(m, c.low_lane)->road_id;
	printf("viaduct lane %u at z %.1f over lane %u at z %.1f\n", c.top_lane, c.top.z,
	       c.low_lane, c.low.z);
	a = circle_check(f, m, 2, c.low, c.low.z, 20);
	if (a) {
		CHECK(fx_has_lane(a, c.low_lane));
		CHECK(!has_road(m, a, top_road));
		printf("zone on the road below: %zu spans, none on the viaduct\n", a->n);
	}
	a = circle_check(f, m, 3, c.top, c.top.z, 20);
	if (a) {
		CHECK(fx_has_lane(a, c.top_lane));
		CHECK(!has_road(m, a, low_road));
		printf("zone on the viaduct: %zu spans, none on the road below\n", a->n);
	}
	/* Without a height, every level. */
	a = circle_check(f, m, 4, c.low, NAN, 20);
	if (a) {
		CHECK(fx_has_lane(a, c.low_lane));
		CHECK(fx_has_lane(a, c.top_lane));
		printf("zone without a height: %zu spans, both levels\n", a->n);
	}
}

/* The path along lane l from s0 to s1, a point every 5 m. */
static void lane_path(struct map_frame *frame, const struct map_lane *l, double s0, double s1,
                      double dz, struct brk_zone *zone)
{
	memset(zone, 0, sizeof(*zone));
	zone->elev_m = NAN;
	zone->half_width_m = 1.0;
	for (int k = 0; s0 + 5 * k <= s1 + 1e-9 && zone->n_path < BRK_ZONE_PATH_MAX; k++) {
		struct brk_zone_point *p = &zone->path[zone->n_path++];
		struct map_xyz q = fx_lane_at(l, s0 + 5 * k);
		map_frame_to_wgs84(frame, q.x, q.y, &p->lat_deg, &p->lon_deg);
		p->elev_m = q.z + dz;
	}
}

static const struct brk_lane_span *span_of(const struct fx_answer *a, uint32_t lane)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->spans[i].lane_id == lane)
			return &a->spans[i];
	return NULL;
}

/* A path along a lane covers that lane from 1 m (the half width) before to 1 m after it. */
static void test_path(struct fx *f, const struct map_model *m)
{
	const struct map_lane *l = map_model_lane(m, 11);
	struct brk_map *map = brk_mapsrc_acquire(f->src);
	const struct brk_lane_span *sp;
	const struct fx_answer *a;
	struct brk_zone zone;

	if (!CHECK(l != NULL) || !CHECK(l->length_m > 250))
		goto out;
	lane_path(brk_map_frame(map), l, 100, 200, 0, &zone);
	CHECK_UINT_EQ(zone.n_path, 21);
	a = fx_query(f, 5, &zone, WAIT_MS);
	if (a)
		CHECK_INT_EQ(a->status, 0);
	if (a && CHECK((sp = span_of(a, 11)) != NULL)) {
		CHECK_DBL_NEAR(sp->s_from, 99, 0.1);
		CHECK_DBL_NEAR(sp->s_to, 201, 0.1);
		CHECK(span_of(a, 12) == NULL);
		printf("path on lane 11 s 100..200: %zu spans, lane 11 %.3f..%.3f\n", a->n,
		       sp->s_from, sp->s_to);
	}
	/* The same path 20 m up: nothing there. */
	lane_path(brk_map_frame(map), l, 100, 200, 20, &zone);
	a = fx_query(f, 6, &zone, WAIT_MS);
	if (a) {
		CHECK_INT_EQ(a->status, 0);
		CHECK(span_of(a, 11) == NULL);
	}
	/* A circle and a path at once: their union, merged per lane. */
	lane_path(brk_map_frame(map), l, 100, 200, NAN, &zone);
	{
		struct map_xyz c = fx_lane_at(l, 200);
		struct brk_zone circle;
		fx_circle(brk_map_frame(map), c.x, c.y, NAN, 10, &circle);
		zone.lat_deg = circle.lat_deg;
		zone.lon_deg = circle.lon_deg;
		zone.radius_m = 10;
	}
	a = fx_query(f, 7, &zone, WAIT_MS);
	if (a && CHECK((sp = span_of(a, 11)) != NULL)) {
		CHECK_DBL_NEAR(sp->s_from, 99, 0.1);
		CHECK_DBL_NEAR(sp->s_to, 210, 0.1);
		printf("path and circle: lane 11 %.3f..%.3f\n", sp->s_from, sp->s_to);
	}
out:
	brk_map_release(map);
}

static void test_bad_zones(struct fx *f, int64_t version)
{
	struct brk_zone z = { .lat_deg = 29.6, .lon_deg = 106.5, .elev_m = NAN, .radius_m = 10 };
	struct brk_zone bad = z;
	const struct fx_answer *a;

	bad.radius_m = 0;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 8, &bad), V2X_EINVAL);
	bad = z;
	bad.lat_deg = NAN;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 8, &bad), V2X_EINVAL);
	bad = z;
	bad.n_path = 1;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 8, &bad), V2X_EINVAL);
	bad.n_path = 2;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 8, &bad), V2X_EINVAL); /* no half width */
	bad.n_path = BRK_ZONE_PATH_MAX + 1;
	bad.half_width_m = 1;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 8, &bad), V2X_EINVAL);
	bad = z;
	bad.version = -1;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 8, &bad), V2X_EINVAL);
	/* A version that does not exist: answered, not found. */
	bad = z;
	bad.version = version + 1000;
	a = fx_query(f, 8, &bad, WAIT_MS);
	if (a) {
		CHECK_INT_EQ(a->status, V2X_ENOTFOUND);
		CHECK_INT_EQ(a->version, version + 1000);
		CHECK_UINT_EQ(a->n, 0);
	}
	/* The frame's origin is off the road: covered, nothing. */
	a = fx_query(f, 9, &z, WAIT_MS);
	if (a) {
		CHECK_INT_EQ(a->status, 0);
		CHECK_INT_EQ(a->version, version);
	}
}

static bool all_answered(struct fx *f, void *arg)
{
	size_t n = *(size_t *)arg;

	for (size_t i = 0; i < n; i++)
		if (!f->ans[10 + i].got)
			return false;
	return true;
}

/* queue_max queries in flight, the next refused; all answered. */
static void test_queue_full(struct fx *f, size_t queue_max)
{
	struct brk_zone z = { .lat_deg = 29.6, .lon_deg = 106.5, .elev_m = NAN, .radius_m = 10 };
	struct brk_mapsrc_stats st;

	for (size_t i = 0; i < queue_max; i++) {
		f->ans[10 + i].got = false;
		CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 10 + i, &z), 0);
	}
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 10 + queue_max, &z), BRK_MAPSRC_EFULL);
	CHECK(fx_wait(f, all_answered, &queue_max, WAIT_MS));
	for (size_t i = 0; i < queue_max; i++)
		CHECK_INT_EQ(f->ans[10 + i].status, 0);
	CHECK(!f->ans[10 + queue_max].got);
	brk_mapsrc_stats(f->src, &st);
	CHECK_UINT_EQ(st.queries_full, 1);
	CHECK_UINT_EQ(st.query_failures, 1); /* the unknown version */
	CHECK(st.queries >= queue_max + 8);
	CHECK_UINT_EQ(st.query_us.count, st.queries);
	/* Freed slots take new queries. */
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 10 + queue_max, &z), 0);
	printf("%zu queries answered, p50 %.0f us, p99 %.0f us\n", (size_t)st.queries,
	       v2x_hist_quantile(&st.query_us, 0.5), v2x_hist_quantile(&st.query_us, 0.99));
}

static void test_metrics(struct fx *f, int64_t version)
{
	struct v2x_metric_label label = { "region", "test" };
	struct v2x_metrics reg;
	struct v2x_metrics_buf out = { 0 };
	char err[256], want[64];

	v2x_metrics_init(&reg);
	CHECK_INT_EQ(brk_mapsrc_metrics_add(f->src, &reg, &label, 1, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&reg, &out), 0);
	snprintf(want, sizeof(want), "v2x_broker_map_version{region=\"test\"} %lld\n",
	         (long long)version);
	CHECK(out.data && strstr(out.data, want) != NULL);
	CHECK(out.data && strstr(out.data, "v2x_broker_map_lane_query_seconds_count") != NULL);
	v2x_metrics_buf_fini(&out);
	v2x_metrics_fini(&reg);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct brk_mapsrc_config cfg;
	struct v2x_arena arena;
	struct map_model m;
	int64_t version = 0;
	char err[1024];
	struct fx *f = calloc(1, sizeof(*f));
	int rc = f ? fx_init(f) : 1;

	if (rc)
		return rc;
	v2x_arena_init(&arena, 1 << 20, 0);
	test_no_map(f);
	if (!CHECK(fx_field(&p, &arena, &m) == 0) || !CHECK(fx_store(f->admin, &m, &version) == 0))
		goto out;
	test_bad_config(f, version);
	cfg = fx_config(f);
	cfg.queue_max = 6;
	if (!CHECK(brk_mapsrc_new(&f->loop, &cfg, &f->src, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	test_map(f, &m, version);
	test_hazard_zones(f, &m, version);
	test_stacked(f, &m);
	test_path(f, &m);
	test_bad_zones(f, version);
	test_queue_full(f, cfg.queue_max);
	test_metrics(f, version);
	CHECK_INT_EQ(f->n_changed, 0);
out:
	fx_fini(f);
	v2x_arena_fini(&arena);
	free(f);
	return check_exit();
}
