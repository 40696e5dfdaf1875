/*
 * fieldcheck: map-driven checks of the lane index; see fieldcheck.h.
 */
#include "maps/index/tests/fieldcheck.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "maps/index/tests/refmatch.h"
#include "maps/index/tests/rng.h"
#include "runtime/err.h"

static double angle_diff(double a, double b)
{
	double d = fmod(a - b, 360.0);

	return d > 180 ? d - 360 : d < -180 ? d + 360 : d;
}

static double wrap360(double h)
{
	h = fmod(h, 360.0);
	return h < 0 ? h + 360 : h;
}

/* The query a vehicle exactly on (lane, s) sends; NaNs for no lane. */
static int on_lane(const struct map_index *idx, uint32_t lane, double s, struct map_index_query *q)
{
	struct map_sample smp;
	int rc = map_index_profile_at(idx, lane, s, &smp);

	*q = (struct map_index_query){ NAN, NAN, NAN, NAN };
	if (rc == 0)
		*q = (struct map_index_query){ smp.x, smp.y, smp.z, smp.heading_deg };
	return rc;
}

static bool same_bits(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static bool agree(int rc_a, const struct map_index_match *a, int rc_b,
                  const struct map_index_match *b)
{
	if (rc_a != rc_b)
		return false;
	return rc_a != 0 || (a->lane_id == b->lane_id && same_bits(a->s, b->s) &&
	                     same_bits(a->lateral_m, b->lateral_m) && same_bits(a->dz_m, b->dz_m) &&
	                     same_bits(a->heading_diff_deg, b->heading_diff_deg) &&
	                     same_bits(a->lane_heading_deg, b->lane_heading_deg));
}

struct box {
	double x0, y0, x1, y1;
};

static struct box model_box(const struct map_model *m)
{
	struct box b = { INFINITY, INFINITY, -INFINITY, -INFINITY };

	for (size_t i = 0; i < m->n_lanes; i++)
		for (size_t j = 0; j < m->lanes[i].n_points; j++) {
			b.x0 = fmin(b.x0, m->lanes[i].points[j].x);
			b.y0 = fmin(b.y0, m->lanes[i].points[j].y);
			b.x1 = fmax(b.x1, m->lanes[i].points[j].x);
			b.y1 = fmax(b.y1, m->lanes[i].points[j].y);
		}
	return b;
}

/*
 * A random query: 60 % near a random lane (lateral noise of 4 m, heading
 * within 90 degrees, z within 8 m), 40 % anywhere in the map's box grown
 * by 20 m; a quarter without z, a quarter without heading.  *truth gets the
 * lane position it was drawn near (lane 0 when none).
 */
static void random_query(struct rng *r, const struct map_model *m, const struct map_index *idx,
                         struct box b, struct map_index_query *q, struct map_index_match *truth)
{
	*truth = (struct map_index_match){ 0 };
	if (rng_uniform(r) < 0.6 && m->n_lanes > 0) {
		const struct map_lane *l = &m->lanes[rng_next(r) % m->n_lanes];
		double s = rng_range(r, 0, l->length_m), h;
		on_lane(idx, l->id, s, q);
		h = q->heading_deg * M_PI / 180;
		*truth = (struct map_index_match){ .lane_id = l->id,
			                           .s = s,
			                           .lane_heading_deg = q->heading_deg };
		q->x += 4 * rng_gauss(r) * -cos(h) + rng_gauss(r) * sin(h);
		q->y += 4 * rng_gauss(r) * sin(h) + rng_gauss(r) * cos(h);
		q->z += rng_range(r, -8, 8);
		q->heading_deg = wrap360(q->heading_deg + rng_range(r, -90, 90));
	} else {
		q->x = rng_range(r, b.x0 - 20, b.x1 + 20);
		q->y = rng_range(r, b.y0 - 20, b.y1 + 20);
		q->z = rng_range(r, 200, 400);
		q->heading_deg = rng_range(r, 0, 360);
	}
	if (rng_uniform(r) < 0.25)
		q->z = NAN;
	if (rng_uniform(r) < 0.25)
		q->heading_deg = NAN;
}

static void print_match(const char *who, int rc, const struct map_index_match *x)
{
	if (rc != 0)
		printf("  %s: %s\n", who, v2x_err_name(rc));
	else
		printf("  %s: lane %" PRIu32 " s %.17g lateral %.17g dz %.17g hd %.17g\n", who,
		       x->lane_id, x->s, x->lateral_m, x->dz_m, x->heading_diff_deg);
}

/* One query through both matchers, with the hint the reference gives for
 * the position the query was drawn near (half the time). */
static bool compare_one(struct rng *r, const struct map_model *m, const struct map_index *idx,
                        const struct refmatch *ref, struct box b, size_t i)
{
	struct map_index_query q, tq;
	struct map_index_match truth, hint, a, e;
	const struct map_index_match *h = NULL;
	int rc_a, rc_e;

	random_query(r, m, idx, b, &q, &truth);
	if (truth.lane_id && rng_uniform(r) < 0.5 &&
	    on_lane(idx, truth.lane_id, truth.s, &tq) == 0 &&
	    refmatch_match(ref, &tq, NULL, &hint) == 0)
		h = &hint;
	rc_a = map_index_match(idx, &q, h, &a);
	rc_e = refmatch_match(ref, &q, h, &e);
	if (agree(rc_a, &a, rc_e, &e) && (rc_a != 0 || (a.confidence >= 0 && a.confidence <= 1)))
		return true;
	printf("query %zu (%.17g, %.17g, z %.17g, heading %.17g) hint %" PRIu32 " differs:\n", i,
	       q.x, q.y, q.z, q.heading_deg, h ? h->lane_id : 0);
	print_match("index", rc_a, &a);
	print_match("brute force", rc_e, &e);
	return false;
}

size_t fieldcheck_reference(const struct map_model *m, const struct map_index *idx, uint64_t seed,
                            size_t n)
{
	struct rng r = { seed };
	struct refmatch *ref;
	struct box b = model_box(m);
	size_t bad = 0;

	if (refmatch_new(m, &ref) < 0) {
		printf("reference: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		bad += !compare_one(&r, m, idx, ref, b, i);
	printf("reference: %zu random queries, %zu differ from the brute force\n", n, bad);
	refmatch_free(ref);
	return bad;
}

/* Whether a match on lane got instead lane other lying on it, same way. */
static bool overlapping(const struct map_index_match *x, double heading)
{
	return fabs(x->lateral_m) <= 0.05 && fabs(angle_diff(x->lane_heading_deg, heading)) < 10;
}

size_t fieldcheck_self(const struct map_model *m, const struct map_index *idx, double stride_m)
{
	size_t bad = 0, n = 0;

	for (size_t i = 0; i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		for (size_t j = 0; 1 + (double)j * stride_m < l->length_m - 1; j++, n++) {
			double s = 1 + (double)j * stride_m;
			struct map_index_query q;
			struct map_index_match x;
			int rc = on_lane(idx, l->id, s, &q);
			if (rc == 0)
				rc = map_index_match(idx, &q, NULL, &x);
			if (rc == 0 && (x.lane_id == l->id ? fabs(x.s - s) < 0.05
			                                   : overlapping(&x, q.heading_deg)))
				continue;
			if (bad++ < 10)
				printf("self: lane %" PRIu32 " s %.2f matches %s lane %" PRIu32
				       " s %.2f\n",
				       l->id, s, v2x_err_name(rc), rc ? 0 : x.lane_id,
				       rc ? 0 : x.s);
		}
	}
	printf("self: %zu lane positions, %zu do not match their lane\n", n, bad);
	return bad;
}

/* (lane, s) moved by ds along the lane graph (first successor or
 * predecessor); false when the map ends first. */
static bool move_along(const struct map_index *idx, uint32_t *lane, double *s, double ds)
{
	struct map_index_lane info;
	const struct map_index_link *links;
	size_t n;

	*s += ds;
	while (map_index_lane(idx, *lane, &info) == 0) {
		bool fwd = *s > info.length_m;
		if (*s >= 0 && !fwd)
			return true;
		if (map_index_links(idx, *lane, fwd, &links, &n) < 0 || n == 0)
			return false;
		*lane = links[0].lane_id;
		if (fwd) {
			*s -= info.length_m;
		} else if (map_index_lane(idx, *lane, &info) == 0) {
			*s += info.length_m;
		}
	}
	return false;
}

/* The leg point (lane, s) matches itself, and the opposite heading the
 * other direction's lane; returns failures. */
static size_t check_leg(const struct map_index *idx, uint32_t lane, double s, const char *what)
{
	struct map_index_query q;
	struct map_index_match x, y;
	struct map_index_lane info;
	size_t bad = 0;
	int rc;

	map_index_lane(idx, lane, &info);
	on_lane(idx, lane, s, &q);
	rc = map_index_match(idx, &q, NULL, &x);
	if (rc != 0 || (x.lane_id != lane && !overlapping(&x, q.heading_deg)) ||
	    fabs(x.lateral_m) > 0.05) {
		printf("hairpin: %s point on lane %" PRIu32 " s %.1f matches %s lane %" PRIu32 "\n",
		       what, lane, s, v2x_err_name(rc), rc ? 0 : x.lane_id);
		bad++;
	}
	q.heading_deg = wrap360(q.heading_deg + 180);
	rc = map_index_match(idx, &q, NULL, &y);
	if (rc == 0 && (y.lane_id == lane || fabs(y.heading_diff_deg) > 30 ||
	                fabs(y.lateral_m) > 1.5 * info.width_m)) {
		printf("hairpin: %s point on lane %" PRIu32 " heading the other way matches lane "
		       "%" PRIu32 " (lateral %.2f)\n",
		       what, lane, y.lane_id, y.lateral_m);
		bad++;
	}
	return bad;
}

static size_t check_hairpin(const struct map_index *idx, const struct map_curve *c)
{
	/* Entry leg a, 30 m before the curve; exit leg b, 30 m after it. */
	uint32_t la = c->lane_id, lb;
	double sa = c->s0, sb = c->s1, along = 0, expect = 60 + (c->s1 - c->s0);
	struct map_index_query qa, qb;
	size_t bad = 0;

	lb = la;
	if (!move_along(idx, &la, &sa, -30) || !move_along(idx, &lb, &sb, 30)) {
		printf("hairpin: curve %" PRIu32 " has no 30 m of road on each side\n", c->id);
		return 0;
	}
	bad += check_leg(idx, la, sa, "entry");
	bad += check_leg(idx, lb, sb, "exit");
	on_lane(idx, la, sa, &qa);
	on_lane(idx, lb, sb, &qb);
	if (map_index_along(idx, la, sa, lb, sb, 2 * expect, &along) != 0 ||
	    fabs(along - expect) > 1e-6) {
		printf("hairpin: curve %" PRIu32 " along %.3f m, expected %.3f\n", c->id, along,
		       expect);
		bad++;
	}
	printf("hairpin: curve %" PRIu32 " on lane %" PRIu32 ": legs %.1f m apart in a straight "
	       "line, %.1f m along the road\n",
	       c->id, c->lane_id, hypot(qa.x - qb.x, qa.y - qb.y), along);
	return bad;
}

size_t fieldcheck_hairpins(const struct map_model *m, const struct map_index *idx)
{
	size_t bad = 0, n = 0;

	for (size_t i = 0; i < m->n_curves; i++)
		if (m->curves[i].hairpin) {
			bad += check_hairpin(idx, &m->curves[i]);
			n++;
		}
	printf("hairpins: %zu checked, %zu failures\n", n, bad);
	return bad;
}

/* The sample of lane l nearest to (x, y) horizontally. */
static const struct map_sample *nearest_sample(const struct map_lane *l, double x, double y,
                                               double *d)
{
	const struct map_sample *best = NULL;

	*d = INFINITY;
	for (size_t k = 0; k < l->n_samples; k++) {
		double dk = hypot(l->samples[k].x - x, l->samples[k].y - y);
		if (dk < *d) {
			*d = dk;
			best = &l->samples[k];
		}
	}
	return best;
}

/* Lanes passing within 3 m below the bridge point q must match with their
 * own z and heading.  Returns failures; counts crossings in *n. */
static size_t check_below(const struct map_model *m, const struct map_index *idx,
                          const struct map_index_query *q, uint32_t upper, size_t *n)
{
	size_t bad = 0;

	for (size_t i = 0; i < m->n_lanes; i++) {
		double d;
		const struct map_sample *smp = nearest_sample(&m->lanes[i], q->x, q->y, &d);
		struct map_index_query lq = { q->x, q->y, 0, 0 };
		struct map_index_match x;
		int rc;
		if (!smp || d > 3 || smp->z > q->z - MAP_MATCH_MAX_DZ_M)
			continue;
		lq.z = smp->z;
		lq.heading_deg = smp->heading_deg;
		rc = map_index_match(idx, &lq, NULL, &x);
		(*n)++;
		if (rc == 0 && x.lane_id != upper && fabs(x.dz_m) < 1)
			continue;
		printf("bridge: below lane %" PRIu32
		       " at (%.1f, %.1f) z %.1f matched %s lane %" PRIu32 "\n",
		       m->lanes[i].id, q->x, q->y, lq.z, v2x_err_name(rc), rc ? 0 : x.lane_id);
		bad++;
	}
	return bad;
}

static size_t check_bridge_interval(const struct map_model *m, const struct map_index *idx,
                                    const struct map_interval *iv, size_t *n_below)
{
	size_t bad = 0;

	for (size_t j = 0; iv->s0 + 5.0 * (double)j <= iv->s1; j++) {
		double s = iv->s0 + 5.0 * (double)j;
		struct map_index_query q;
		struct map_index_match x;
		int rc;
		on_lane(idx, iv->lane_id, s, &q);
		rc = map_index_match(idx, &q, NULL, &x);
		if (rc != 0 || (x.lane_id != iv->lane_id && !overlapping(&x, q.heading_deg))) {
			printf("bridge: lane %" PRIu32 " s %.1f matched %s lane %" PRIu32 "\n",
			       iv->lane_id, s, v2x_err_name(rc), rc ? 0 : x.lane_id);
			bad++;
		}
		bad += check_below(m, idx, &q, iv->lane_id, n_below);
	}
	return bad;
}

size_t fieldcheck_bridges(const struct map_model *m, const struct map_index *idx, size_t *n_below)
{
	size_t bad = 0, below = 0;

	for (size_t i = 0; i < m->n_structures; i++) {
		const struct map_structure *st = &m->structures[i];
		for (size_t j = 0; st->kind == MAP_BRIDGE && j < st->n_intervals; j++)
			bad += check_bridge_interval(m, idx, &st->intervals[j], &below);
	}
	printf("bridges: %zu points with a lane below, %zu failures\n", below, bad);
	if (n_below)
		*n_below = below;
	return bad;
}

struct curve_seen {
	uint32_t id;
	double start, end; /* distances, NaN until seen */
};

static int curve_visit(void *arg, const struct map_index_feature *f)
{
	struct curve_seen *cs = arg;

	if (f->kind == MAP_INDEX_CURVE_START && f->u.curve->id == cs->id && isnan(cs->start))
		cs->start = f->at.dist_m;
	if (f->kind == MAP_INDEX_CURVE_END && f->u.curve->id == cs->id && isnan(cs->end))
		cs->end = f->at.dist_m;
	return MAP_INDEX_WALK_GO;
}

static size_t check_curve_walk(const struct map_index *idx, const struct map_curve *c)
{
	double from = c->s0 > 50 ? c->s0 - 50 : 0;
	struct curve_seen cs = { c->id, NAN, NAN };
	struct map_index_walk w = { .distance_m = 100, .on_feature = curve_visit, .arg = &cs };
	int rc = map_index_walk(idx, c->lane_id, from, &w);
	bool end_in_reach = c->s1 - from <= 100;

	if (rc >= 1 && fabs(cs.start - (c->s0 - from)) < 1e-9 &&
	    (!end_in_reach || fabs(cs.end - (c->s1 - from)) < 1e-9))
		return 0;
	printf("curve walk: curve %" PRIu32 " on lane %" PRIu32 " from s %.2f: start at %.3f "
	       "(expected %.3f), end at %.3f (expected %.3f), rc %d\n",
	       c->id, c->lane_id, from, cs.start, c->s0 - from, cs.end, c->s1 - from, rc);
	return 1;
}

size_t fieldcheck_curve_walks(const struct map_model *m, const struct map_index *idx)
{
	size_t bad = 0;

	for (size_t i = 0; i < m->n_curves; i++)
		bad += check_curve_walk(idx, &m->curves[i]);
	printf("curve walks: %zu curves, %zu failures\n", m->n_curves, bad);
	return bad;
}

/* Whether lane b is a or joins it. */
static bool joined(const struct map_index *idx, uint32_t a, uint32_t b)
{
	const struct map_index_link *links;
	size_t n;

	if (a == b)
		return true;
	for (int dir = 0; dir < 2; dir++) {
		if (map_index_links(idx, a, dir == 0, &links, &n) < 0)
			return false;
		for (size_t i = 0; i < n; i++)
			if (links[i].lane_id == b)
				return true;
	}
	return false;
}

/* A noisy BSM of a vehicle at the true position t. */
static void noisy(struct rng *r, const struct fieldcheck_drive *opt,
                  const struct map_index_query *t, struct map_index_query *q)
{
	q->x = t->x + opt->sigma_m * rng_gauss(r);
	q->y = t->y + opt->sigma_m * rng_gauss(r);
	q->z = opt->z_sigma_m < 0 ? NAN : t->z + opt->z_sigma_m * rng_gauss(r);
	q->heading_deg = opt->head_sigma_deg < 0
	                         ? NAN
	                         : wrap360(t->heading_deg + opt->head_sigma_deg * rng_gauss(r));
}

/* Whether matching lane got is right for a vehicle truly at (lane, s):
 * that lane, or the next or previous one on the route within the hint's
 * reach of their joint. */
static bool right_lane(const uint32_t *route, size_t n, size_t i, double s, double len,
                       uint32_t got)
{
	if (got == route[i])
		return true;
	if (i + 1 < n && got == route[i + 1] && len - s <= MAP_INDEX_HINT_REACH_M)
		return true;
	return i > 0 && got == route[i - 1] && s <= MAP_INDEX_HINT_REACH_M;
}

struct drive {
	const struct map_index *idx;
	const struct fieldcheck_drive *opt;
	const uint32_t *route;
	size_t n;
	struct rng r;
	struct map_index_match prev;
	bool have_prev;
	struct fieldcheck_drive_result *res;
};

/* One BSM of the vehicle truly at (route[i], s) on a lane len long. */
static void drive_step(struct drive *d, size_t i, double s, double len)
{
	struct map_index_query t, q;
	struct map_index_match x;
	int rc;

	on_lane(d->idx, d->route[i], s, &t);
	noisy(&d->r, d->opt, &t, &q);
	rc = map_index_match(d->idx, &q, d->opt->hint && d->have_prev ? &d->prev : NULL, &x);
	d->res->steps++;
	if (rc != 0) {
		d->res->off_map++;
		d->have_prev = false;
		return;
	}
	if (!right_lane(d->route, d->n, i, s, len, x.lane_id)) {
		d->res->wrong++;
		if (d->opt->verbose)
			printf("drive: at lane %" PRIu32 " s %.1f matched lane %" PRIu32
			       " lateral %.2f\n",
			       d->route[i], s, x.lane_id, x.lateral_m);
	}
	if (d->have_prev && !joined(d->idx, d->prev.lane_id, x.lane_id))
		d->res->jumps++;
	d->prev = x;
	d->have_prev = true;
}

int fieldcheck_drive(const struct map_index *idx, const uint32_t *route, size_t n,
                     const struct fieldcheck_drive *opt, struct fieldcheck_drive_result *res)
{
	struct drive d = { idx, opt, route, n, { opt->seed }, { 0 }, false, res };
	struct map_index_lane info;
	double start = 1, step = opt->speed_mps * 0.1;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		double stop;
		size_t k = 0;
		if (map_index_lane(idx, route[i], &info) < 0)
			return V2X_ENOTFOUND;
		if (i > 0 && !joined(idx, route[i - 1], route[i]))
			return V2X_EINVAL;
		stop = i + 1 == n ? info.length_m - 1 : info.length_m;
		for (; start + (double)k * step <= stop; k++)
			drive_step(&d, i, start + (double)k * step, info.length_m);
		/* Where the next BSM falls on the next lane. */
		start = start + (double)k * step - info.length_m;
	}
	return 0;
}
