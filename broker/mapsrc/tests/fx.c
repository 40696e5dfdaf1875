#include "broker/mapsrc/tests/fx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "runtime/clock.h"
#include "tests/check.h"

/* The radial error of PostGIS's circle: a 128-gon (quad_segs=32) inside the circle. */
#define POLY_ERR (1 - 0.99969881869620425) /* 1 - cos(pi / 128) */

int fx_init(struct fx *f)
{
	const char *conninfo = getenv("V2X_PG_CONNINFO");
	char err[1024];

	memset(f, 0, sizeof(*f));
	if (!conninfo || !*conninfo) {
		printf("V2X_PG_CONNINFO is not set: run under tests/with-postgis\n");
		return CHECK_SKIP;
	}
	snprintf(f->conninfo, sizeof(f->conninfo), "%s", conninfo);
	f->admin = PQconnectdb(conninfo);
	if (PQstatus(f->admin) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect: %s\n", PQerrorMessage(f->admin));
		return 1;
	}
	if (map_db_migrate(f->admin, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	v2x_log_init(&f->log, "mapsrc", getenv("V2X_TEST_LOG") ? getenv("V2X_TEST_LOG") : "info");
	uv_loop_init(&f->loop);
	return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	fprintf(stderr, "handle of type %s left open\n", uv_handle_type_name(h->type));
}

void fx_fini(struct fx *f)
{
	brk_mapsrc_close(f->src);
	f->src = NULL;
	uv_run(&f->loop, UV_RUN_DEFAULT);
	if (!CHECK(uv_loop_close(&f->loop) == 0))
		uv_walk(&f->loop, walk_close, NULL);
	PQfinish(f->admin);
}

int fx_field(const struct mapgen_params *p, struct v2x_arena *arena, struct map_model *m)
{
	char err[1024];
	int rc = mapgen_build(p, arena, m, err, sizeof(err));

	if (rc)
		fprintf(stderr, "mapgen_build: %s\n", err);
	return rc;
}

int fx_store(PGconn *pg, const struct map_model *m, int64_t *version)
{
	char err[1024];
	int rc = map_db_store(pg, m, version, err, sizeof(err));

	if (rc)
		fprintf(stderr, "map_db_store: %s\n", err);
	return rc;
}

static void on_changed(void *arg, int64_t old_version, int64_t new_version)
{
	struct fx *f = arg;

	f->n_changed++;
	f->changed_old = old_version;
	f->changed_new = new_version;
}

static void on_lanes(void *arg, uint64_t tag, int64_t version, int status,
                     const struct brk_lane_span *spans, size_t n)
{
	struct fx *f = arg;
	struct fx_answer *a;

	if (!CHECK(tag < FX_TAGS) || !CHECK(n <= FX_SPANS_MAX))
		return;
	a = &f->ans[tag];
	CHECK(!a->got); /* exactly once */
	a->got = true;
	a->status = status;
	a->version = version;
	a->n = n;
	a->at_ns = v2x_clock_mono_ns();
	if (n)
		memcpy(a->spans, spans, n * sizeof(*spans));
}

struct brk_mapsrc_config fx_config(struct fx *f)
{
	return (struct brk_mapsrc_config){ .conninfo = f->conninfo,
		                           .log = &f->log,
		                           .on_map_changed = on_changed,
		                           .on_lanes = on_lanes,
		                           .arg = f };
}

struct wait {
	struct fx *f;
	bool (*done)(struct fx *f, void *arg);
	void *arg;
	bool ok;
	uint64_t deadline_ns;
};

static void on_tick(uv_timer_t *t)
{
	struct wait *w = t->data;

	w->ok = w->done(w->f, w->arg);
	if (w->ok || v2x_clock_mono_ns() >= w->deadline_ns)
		uv_stop(t->loop);
}

bool fx_wait(struct fx *f, bool (*done)(struct fx *f, void *arg), void *arg, int timeout_ms)
{
	struct wait w = { f, done, arg, false,
		          v2x_clock_mono_ns() + (uint64_t)timeout_ms * 1000000u };
	uv_timer_t t;

	uv_timer_init(&f->loop, &t);
	t.data = &w;
	uv_timer_start(&t, on_tick, 0, 2);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	return w.ok;
}

static bool answered(struct fx *f, void *arg)
{
	return f->ans[*(uint64_t *)arg].got;
}

const struct fx_answer *fx_query(struct fx *f, uint64_t tag, const struct brk_zone *zone,
                                 int timeout_ms)
{
	int rc;

	f->ans[tag].got = false;
	rc = brk_mapsrc_query_lanes(f->src, tag, zone);
	if (!CHECK(rc == 0)) {
		fprintf(stderr, "brk_mapsrc_query_lanes: %s\n", v2x_strerror(rc));
		return NULL;
	}
	if (!CHECK(fx_wait(f, answered, &tag, timeout_ms)))
		return NULL;
	return &f->ans[tag];
}

bool fx_exec(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

/* Horizontal length of lane l's line up to point i, for each i. */
static double seg_len(const struct map_xyz *a, const struct map_xyz *b)
{
	return hypot(b->x - a->x, b->y - a->y);
}

static double line_len(const struct map_lane *l)
{
	double len = 0;

	for (size_t i = 1; i < l->n_points; i++)
		len += seg_len(&l->points[i - 1], &l->points[i]);
	return len;
}

struct map_xyz fx_lane_at(const struct map_lane *l, double s)
{
	double k = line_len(l) / l->length_m, want = s * k, at = 0;

	for (size_t i = 1; i < l->n_points; i++) {
		const struct map_xyz *a = &l->points[i - 1], *b = &l->points[i];
		double d = seg_len(a, b);
		if (d > 0 && at + d >= want) {
			double t = (want - at) / d;
			return (struct map_xyz){ a->x + t * (b->x - a->x), a->y + t * (b->y - a->y),
				                 a->z + t * (b->z - a->z) };
		}
		at += d;
	}
	return l->points[l->n_points - 1];
}

void fx_circle(struct map_frame *frame, double x, double y, double z, double r,
               struct brk_zone *zone)
{
	memset(zone, 0, sizeof(*zone));
	map_frame_to_wgs84(frame, x, y, &zone->lat_deg, &zone->lon_deg);
	zone->elev_m = z;
	zone->radius_m = r;
}

/* A piece of a lane inside the circle, being built. */
struct piece {
	bool open;
	double s0, tol0;
	double best_d2, best_z; /* the piece's point nearest the centre */
};

struct circle {
	double cx, cy, cz, r, z_tol;
	struct fx_span *out;
	size_t n, max;
};

/* Ends a piece at s and keeps it when the height rule lets it through. */
static void close_piece(struct circle *c, const struct map_lane *l, struct piece *p, double s,
                        double tol)
{
	p->open = false;
	if (!isnan(c->cz) && fabs(p->best_z - c->cz) > c->z_tol)
		return;
	if (c->n < c->max)
		c->out[c->n++] = (struct fx_span){ l->id, p->s0, s, p->tol0, tol };
}

/* How far the polygonal circle moves a crossing at point (x, y) along direction (ux, uy). */
static double crossing_tol(const struct circle *c, double x, double y, double ux, double uy)
{
	double cosang = fabs((x - c->cx) * ux + (y - c->cy) * uy) / c->r;

	return 0.005 + c->r * POLY_ERR / (cosang > 0.02 ? cosang : 0.02);
}

/* The nearest point of segment a..b (parameters t0..t1) to the centre, into p. */
static void nearest_on(const struct circle *c, const struct map_xyz *a, const struct map_xyz *b,
                       double t0, double t1, struct piece *p)
{
	double dx = b->x - a->x, dy = b->y - a->y, l2 = dx * dx + dy * dy;
	double t = l2 > 0 ? ((c->cx - a->x) * dx + (c->cy - a->y) * dy) / l2 : 0;
	double px, py, d2;

	t = t < t0 ? t0 : t > t1 ? t1 : t;
	px = a->x + t * dx;
	py = a->y + t * dy;
	d2 = (px - c->cx) * (px - c->cx) + (py - c->cy) * (py - c->cy);
	if (d2 < p->best_d2) {
		p->best_d2 = d2;
		p->best_z = a->z + t * (b->z - a->z);
	}
}

/* One segment of lane l from s_a (scaled) with k = length_m / line length. */
static void segment(struct circle *c, const struct map_lane *l, size_t i, double s_a, double k,
                    struct piece *p)
{
	const struct map_xyz *a = &l->points[i - 1], *b = &l->points[i];
	double dx = b->x - a->x, dy = b->y - a->y, len = hypot(dx, dy);
	double fx = a->x - c->cx, fy = a->y - c->cy;
	double qa = dx * dx + dy * dy, qb = 2 * (fx * dx + fy * dy);
	double qc = fx * fx + fy * fy - c->r * c->r, disc = qb * qb - 4 * qa * qc;
	double t0 = 0, t1 = 1;

	if (len == 0)
		return;
	if (disc > 0) {
		t0 = (-qb - sqrt(disc)) / (2 * qa);
		t1 = (-qb + sqrt(disc)) / (2 * qa);
	}
	if (disc <= 0 || t1 < 0 || t0 > 1) {
		if (p->open)
			close_piece(c, l, p, s_a, 0.005);
		return;
	}
	if (!p->open && t0 >= 0) {
		*p = (struct piece){ true, s_a + t0 * len * k,
			             crossing_tol(c, a->x + t0 * dx, a->y + t0 * dy, dx / len,
			                          dy / len),
			             INFINITY, NAN };
	} else if (!p->open) {
		*p = (struct piece){ true, s_a, 0.005, INFINITY, NAN };
	}
	nearest_on(c, a, b, t0 < 0 ? 0 : t0, t1 > 1 ? 1 : t1, p);
	if (t1 < 1)
		close_piece(c, l, p, s_a + t1 * len * k,
		            crossing_tol(c, a->x + t1 * dx, a->y + t1 * dy, dx / len, dy / len));
}

size_t fx_expect_circle(const struct map_model *m, double cx, double cy, double cz, double r,
                        double z_tol, struct fx_span *out, size_t max)
{
	struct circle c = { cx, cy, cz, r, z_tol, out, 0, max };

	for (size_t j = 0; j < m->n_lanes; j++) {
		const struct map_lane *l = &m->lanes[j];
		double k = l->length_m / line_len(l), s = 0;
		struct piece p = { .open = false };
		for (size_t i = 1; i < l->n_points; i++) {
			segment(&c, l, i, s, k, &p);
			s += seg_len(&l->points[i - 1], &l->points[i]) * k;
		}
		if (p.open)
			close_piece(&c, l, &p, l->length_m, 0.005);
	}
	return c.n;
}

static bool overlap(double a0, double a1, double b0, double b1)
{
	return a0 <= b1 && b0 <= a1;
}

static int find_answer(const struct fx_answer *a, const struct fx_span *w)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct brk_lane_span *s = &a->spans[i];
		if (s->lane_id == w->lane_id && overlap(s->s_from, s->s_to, w->s_from, w->s_to))
			return (int)i;
	}
	return -1;
}

static int check_want(const struct fx_answer *a, const struct fx_span *w)
{
	int i = find_answer(a, w);

	if (w->s_to - w->s_from <= 0.5)
		return 0;
	if (i < 0) {
		printf("lane %u %.3f..%.3f expected, not answered\n", w->lane_id, w->s_from,
		       w->s_to);
		return 1;
	}
	if (fabs(a->spans[i].s_from - w->s_from) > w->tol_from ||
	    fabs(a->spans[i].s_to - w->s_to) > w->tol_to) {
		printf("lane %u: answered %.4f..%.4f, expected %.4f..%.4f (tolerance %.4f, %.4f)\n",
		       w->lane_id, a->spans[i].s_from, a->spans[i].s_to, w->s_from, w->s_to,
		       w->tol_from, w->tol_to);
		return 1;
	}
	return 0;
}

int fx_compare(const struct fx_answer *a, const struct fx_span *want, size_t n_want)
{
	int bad = 0;

	for (size_t i = 0; i < n_want; i++)
		bad += check_want(a, &want[i]);
	for (size_t i = 0; i < a->n; i++) {
		const struct brk_lane_span *s = &a->spans[i];
		bool found = false;
		for (size_t j = 0; j < n_want && !found; j++)
			found = want[j].lane_id == s->lane_id &&
			        overlap(s->s_from, s->s_to, want[j].s_from, want[j].s_to);
		if (!found && s->s_to - s->s_from > 0.5) {
			printf("lane %u %.3f..%.3f answered, not expected\n", s->lane_id, s->s_from,
			       s->s_to);
			bad++;
		}
	}
	return bad;
}

bool fx_has_lane(const struct fx_answer *a, uint32_t lane)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->spans[i].lane_id == lane)
			return true;
	return false;
}
