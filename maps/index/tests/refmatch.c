/*
 * refmatch: written from the rule's text in index.h (and maps/db's query),
 * not from match.c, sharing no code with it; the arithmetic is spelled
 * the same way so that the two agree to the last bit.
 */
#include "maps/index/tests/refmatch.h"

#include <math.h>
#include <stdlib.h>

#include "runtime/err.h"

/* A segment of a lane's centre line and where it lies along the lane. */
struct rseg {
	double ax, ay, bx, by;
	double s0, s1;
};

struct rlane {
	const struct map_lane *lane;
	size_t n;
	struct rseg *segs;
};

struct refmatch {
	const struct map_model *m;
	struct rlane *lanes;
	struct rseg *segs;
};

/* A lane that passed the gates, at its closest point. */
struct pos {
	const struct map_lane *lane;
	double d, adz, dz, hd, s, heading, width, lateral;
};

static double hdist(const struct map_xyz *a, const struct map_xyz *b)
{
	return sqrt((b->x - a->x) * (b->x - a->x) + (b->y - a->y) * (b->y - a->y));
}

/* The point of l at i as the index keeps it: float offsets from the
 * lane's first point. */
static void offset(const struct map_lane *l, size_t i, float *x, float *y)
{
	*x = (float)(l->points[i].x - l->points[0].x);
	*y = (float)(l->points[i].y - l->points[0].y);
}

/* The segments of l (into out when not NULL) between the points it keeps
 * (each differing from the one kept before once rounded); returns how
 * many. */
static size_t lane_segs(const struct map_lane *l, struct rseg *out)
{
	double total = 0, along = 0;
	size_t n = 0;
	float lx, ly, x, y;

	for (int pass = out ? 0 : 1; pass < 2; pass++) {
		size_t last = 0;
		n = 0;
		offset(l, 0, &lx, &ly);
		for (size_t i = 1; i < l->n_points; i++) {
			double step;
			offset(l, i, &x, &y);
			if (x == lx && y == ly)
				continue;
			step = hdist(&l->points[last], &l->points[i]);
			if (pass == 0)
				total += step;
			else if (out)
				out[n] = (struct rseg){ lx,
					                ly,
					                x,
					                y,
					                along * (l->length_m / total),
					                (along + step) * (l->length_m / total) };
			along += pass == 1 ? step : 0;
			last = i;
			lx = x;
			ly = y;
			n++;
		}
	}
	if (out && n)
		out[n - 1].s1 = l->length_m;
	return n;
}

int refmatch_new(const struct map_model *m, struct refmatch **out)
{
	struct refmatch *r = calloc(1, sizeof(*r));
	size_t n = 0;

	*out = NULL;
	if (!r)
		return V2X_ENOMEM;
	for (size_t i = 0; i < m->n_lanes; i++)
		n += lane_segs(&m->lanes[i], NULL);
	r->m = m;
	r->segs = calloc(n + 1, sizeof(*r->segs));
	r->lanes = calloc(m->n_lanes + 1, sizeof(*r->lanes));
	if (!r->segs || !r->lanes) {
		refmatch_free(r);
		return V2X_ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < m->n_lanes; i++) {
		r->lanes[i] = (struct rlane){ &m->lanes[i], 0, &r->segs[n] };
		r->lanes[i].n = lane_segs(&m->lanes[i], r->lanes[i].segs);
		n += r->lanes[i].n;
	}
	*out = r;
	return 0;
}

void refmatch_free(struct refmatch *r)
{
	if (!r)
		return;
	free(r->segs);
	free(r->lanes);
	free(r);
}

static double diff_deg(double a, double b)
{
	double d = a - b;

	while (d > 180.0)
		d -= 360.0;
	while (d < -180.0)
		d += 360.0;
	return d;
}

/* Profile z, heading and width of l at s, into p. */
static void profile(const struct map_lane *l, double s, struct pos *p)
{
	const struct map_sample *a, *b;
	size_t i = 0;
	double f = 0, dh, h;

	while (i + 1 < l->n_samples && l->samples[i + 1].s <= s)
		i++;
	a = &l->samples[i];
	b = i + 1 < l->n_samples ? &l->samples[i + 1] : a;
	if (b->s > a->s)
		f = (s - a->s) / (b->s - a->s);
	if (b == a) {
		p->dz = a->z;
		p->heading = a->heading_deg;
		p->width = a->width_m;
		return;
	}
	dh = (b->heading_deg - a->heading_deg) -
	     360.0 * floor((b->heading_deg - a->heading_deg + 180.0) / 360.0);
	h = a->heading_deg + f * dh;
	p->dz = a->z + f * (b->z - a->z); /* the lane's z, for now */
	p->heading = h - 360.0 * floor(h / 360.0);
	p->width = a->width_m + f * (b->width_m - a->width_m);
}

/* The closest point of lane rl to q and whether it passes the gates.
 * Coordinates are offsets from the lane's first point. */
static bool lane_pos(const struct rlane *rl, const struct map_index_query *q, struct pos *p)
{
	double best = INFINITY, bt = 0, cx = 0, cy = 0, h;
	double px = q->x - rl->lane->points[0].x, py = q->y - rl->lane->points[0].y;
	const struct rseg *bg = NULL;

	for (size_t k = 0; k < rl->n; k++) {
		const struct rseg *g = &rl->segs[k];
		double dx = g->bx - g->ax, dy = g->by - g->ay, qx, qy, d2;
		double t = ((px - g->ax) * dx + (py - g->ay) * dy) / (dx * dx + dy * dy);
		if (t <= 0) {
			t = 0;
			qx = g->ax;
			qy = g->ay;
		} else if (t >= 1) {
			t = 1;
			qx = g->bx;
			qy = g->by;
		} else {
			qx = g->ax + t * dx;
			qy = g->ay + t * dy;
		}
		d2 = (px - qx) * (px - qx) + (py - qy) * (py - qy);
		if (d2 < best) {
			best = d2;
			bg = g;
			bt = t;
			cx = qx;
			cy = qy;
		}
	}
	if (!bg)
		return false;
	p->lane = rl->lane;
	p->d = sqrt(best);
	p->s = bt >= 1 ? bg->s1 : bg->s0 + bt * (bg->s1 - bg->s0);
	profile(rl->lane, p->s, p);
	p->dz = isnan(q->z) ? NAN : q->z - p->dz;
	p->adz = isnan(q->z) ? 0 : fabs(p->dz);
	p->hd = isnan(q->heading_deg) ? NAN : diff_deg(q->heading_deg, p->heading);
	h = p->heading * (M_PI / 180.0);
	p->lateral = (py - cy) * sin(h) - (px - cx) * cos(h) < 0 ? -p->d : p->d;
	return p->d <= MAP_MATCH_RADIUS_M &&
	       (isnan(q->heading_deg) || fabs(p->hd) <= MAP_MATCH_MAX_HEADING_DIFF_DEG) &&
	       (isnan(q->z) || fabs(p->dz) <= MAP_MATCH_MAX_DZ_M);
}

/* The rule's order. */
static bool before(const struct pos *a, const struct pos *b)
{
	if (!b->lane)
		return true;
	if (a->d != b->d)
		return a->d < b->d;
	if (a->adz != b->adz)
		return a->adz < b->adz;
	return a->lane->id < b->lane->id;
}

/* Whether lane id is the hint's lane or a successor / predecessor the
 * hint is near enough to. */
static bool family(const struct map_model *m, const struct map_index_match *hint, uint32_t id)
{
	const struct map_lane *h = map_model_lane(m, hint->lane_id);

	if (id == hint->lane_id)
		return true;
	for (size_t i = 0; i < m->n_connections; i++) {
		const struct map_connection *c = &m->connections[i];
		if (c->from_lane == hint->lane_id && c->to_lane == id &&
		    h->length_m - hint->s <= MAP_INDEX_HINT_REACH_M)
			return true;
		if (c->to_lane == hint->lane_id && c->from_lane == id &&
		    hint->s <= MAP_INDEX_HINT_REACH_M)
			return true;
	}
	return false;
}

static void output(const struct pos *p, struct map_index_match *out)
{
	*out = (struct map_index_match){ p->lane->id, p->s,       p->lateral, p->dz,
		                         p->hd,       p->heading, NAN };
}

int refmatch_match(const struct refmatch *r, const struct map_index_query *q,
                   const struct map_index_match *hint, struct map_index_match *out)
{
	struct pos all = { 0 }, fam = { 0 }, dir = { 0 }, p;
	bool use_hint = hint && map_model_lane(r->m, hint->lane_id);

	for (size_t i = 0; i < r->m->n_lanes; i++) {
		if (!lane_pos(&r->lanes[i], q, &p))
			continue;
		if (before(&p, &all))
			all = p;
		if (use_hint && p.d <= 0.5 * p.width + MAP_INDEX_HINT_MARGIN_M &&
		    family(r->m, hint, p.lane->id) && before(&p, &fam))
			fam = p;
		if (use_hint && isnan(q->heading_deg) && !isnan(hint->lane_heading_deg) &&
		    fabs(diff_deg(p.heading, hint->lane_heading_deg)) <=
		            MAP_MATCH_MAX_HEADING_DIFF_DEG &&
		    before(&p, &dir))
			dir = p;
	}
	if (!all.lane)
		return V2X_ENOTFOUND;
	output(fam.lane ? &fam : dir.lane ? &dir : &all, out);
	return 0;
}
