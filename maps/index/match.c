/*
 * match: a position to a lane, by the rule and the hint that index.h
 * describes.
 *
 * The grid cell of the point lists, lane after lane, the runs of segments
 * that may lie within the gate.  The scan keeps the closest point of the
 * lane it is on; when the lane's runs end, that point is gated with the
 * profile's z and heading and offered to the three bests kept at once (the
 * rule's, the lane-keeping tier's and the direction-keeping tier's).  The
 * lanes that qualified are remembered for the confidence.  Everything
 * lives on the stack.
 */
#include "maps/index/index_impl.h"

#include <math.h>

#include "runtime/err.h"

/* Lanes remembered for the confidence; more lanes within 10 m of one
 * point than this are not met on roads, and the extra ones only leave the
 * confidence a little high. */
#define LANES_MAX 32

/* The hint's lane with its successors and predecessors. */
#define FAMILY_MAX 32

#define NO_LANE UINT32_MAX

/* A lane that qualified, at its closest point. */
struct cand {
	double d;   /* horizontal distance */
	double adz; /* |dz|, 0 when the query has no z */
	double dz;
	double hd;      /* query heading minus lane heading */
	double heading; /* the lane's, at s */
	double half_w;  /* half the lane's width at s */
	double ex, ey;  /* the query point minus the closest point */
	double s;
	uint32_t lane_id;
	uint32_t lane; /* index in idx->lanes */
};

/* The closest point of the lane being scanned: the first segment, in the
 * lane's order, at the smallest squared distance.  Coordinates here are
 * offsets from the lane's origin. */
struct near {
	uint32_t lane;
	uint32_t seg;  /* the point it starts at */
	double px, py; /* the query point */
	double d2, t;
	double qx, qy; /* the point on the segment */
};

struct lane_d {
	uint32_t lane;
	double d;
};

struct mctx {
	const struct map_index *idx;
	double px, py, pz, ph;
	bool has_z, has_h;
	bool dir_tier;       /* the query has no heading and the hint one */
	double hint_heading; /* lane heading of the hint */
	size_t n_family;
	uint32_t family[FAMILY_MAX];
	struct cand all, fam, dir;
	size_t n_lanes;
	struct lane_d lanes[LANES_MAX];
};

/* The rule's order: nearer, then vertically nearer, then smaller lane id. */
static bool better(const struct cand *a, const struct cand *b)
{
	if (a->d != b->d)
		return a->d < b->d;
	if (a->adz != b->adz)
		return a->adz < b->adz;
	return a->lane_id < b->lane_id;
}

static void family_add(struct mctx *c, struct map_index__span sp)
{
	for (uint32_t i = 0; i < sp.n && c->n_family < FAMILY_MAX; i++)
		c->family[c->n_family++] = c->idx->link_lane[sp.first + i];
}

/* Sets up the tiers the hint asks for; an unknown hint lane is no hint. */
static void use_hint(struct mctx *c, const struct map_index_match *hint)
{
	long h = hint ? map_index__find(c->idx, hint->lane_id) : -1;
	const struct map_index__lane *l;

	if (h < 0)
		return;
	l = &c->idx->lanes[h];
	c->family[c->n_family++] = (uint32_t)h;
	if (l->length_m - hint->s <= MAP_INDEX_HINT_REACH_M)
		family_add(c, l->succ);
	if (hint->s <= MAP_INDEX_HINT_REACH_M)
		family_add(c, l->pred);
	c->dir_tier = !c->has_h && isfinite(hint->lane_heading_deg);
	c->hint_heading = hint->lane_heading_deg;
}

static bool in_family(const struct mctx *c, uint32_t lane)
{
	for (size_t i = 0; i < c->n_family; i++)
		if (c->family[i] == lane)
			return true;
	return false;
}

/* Keeps segment k's point (qx, qy) at parameter t if it is the lane's
 * closest so far (the first one wins a tie). */
static void offer(struct near *n, uint32_t k, double t, double qx, double qy)
{
	double ex = n->px - qx, ey = n->py - qy, d2 = ex * ex + ey * ey;

	if (d2 < n->d2) {
		n->seg = k;
		n->d2 = d2;
		n->t = t;
		n->qx = qx;
		n->qy = qy;
	}
}

/*
 * The hot loop: the squared horizontal distance from the point to each
 * segment of a run, in the arithmetic index.h spells out.  Only a segment
 * the point projects inside needs the division for t: along a lane, the
 * segments behind the point's foot clamp to their end and those beyond it
 * to their start.
 */
static void scan_run(const struct mctx *c, const struct map_index__run *r, struct near *n)
{
	const struct map_index__pt *pts = c->idx->pts;
	double px = n->px, py = n->py, bx = pts[r->first].x, by = pts[r->first].y;

	for (uint32_t k = r->first; k < r->first + r->n; k++) {
		/* Each point is read once: a segment's end is the next one's start. */
		double ax = bx, ay = by, dx, dy, num, len2, t;
		bx = pts[k + 1].x;
		by = pts[k + 1].y;
		dx = bx - ax;
		dy = by - ay;
		num = (px - ax) * dx + (py - ay) * dy;
		len2 = dx * dx + dy * dy;
		if (num <= 0) {
			offer(n, k, 0, ax, ay);
			continue;
		}
		t = num >= len2 ? 1 : num / len2;
		if (t >= 1)
			offer(n, k, 1, bx, by);
		else
			offer(n, k, t, ax + t * dx, ay + t * dy);
	}
}

/*
 * The candidate a lane's closest point makes: its s and the profile
 * there; false when it fails a gate.
 */
static bool gate(const struct mctx *c, const struct near *n, struct cand *cd)
{
	const struct map_index__ptx *a = &c->idx->ptx[n->seg], *b = a + 1;
	const struct map_index__lane *l = &c->idx->lanes[n->lane];
	struct map_index__prof p;

	cd->d = sqrt(n->d2);
	if (!(cd->d <= MAP_MATCH_RADIUS_M))
		return false;
	cd->s = n->t >= 1 ? b->s : a->s + n->t * (b->s - a->s);
	map_index__profile(&c->idx->msamples[l->samples.first], l->samples.n, a->sample, cd->s, &p);
	cd->hd = c->has_h ? map_index__angle_diff(c->ph, p.heading_deg) : NAN;
	if (c->has_h && fabs(cd->hd) > MAP_MATCH_MAX_HEADING_DIFF_DEG)
		return false;
	cd->dz = c->has_z ? c->pz - p.z : NAN;
	if (c->has_z && fabs(cd->dz) > MAP_MATCH_MAX_DZ_M)
		return false;
	cd->adz = c->has_z ? fabs(cd->dz) : 0;
	cd->heading = p.heading_deg;
	cd->half_w = 0.5 * p.width_m;
	cd->ex = n->px - n->qx;
	cd->ey = n->py - n->qy;
	cd->lane = n->lane;
	cd->lane_id = l->id;
	return true;
}

/* Offers a lane's closest point to each tier and remembers the lane. */
static void lane_done(struct mctx *c, const struct near *n)
{
	struct cand cd;

	if (!gate(c, n, &cd))
		return;
	if (better(&cd, &c->all))
		c->all = cd;
	if (cd.d <= cd.half_w + MAP_INDEX_HINT_MARGIN_M && in_family(c, n->lane) &&
	    better(&cd, &c->fam))
		c->fam = cd;
	if (c->dir_tier &&
	    fabs(map_index__angle_diff(cd.heading, c->hint_heading)) <=
	            MAP_MATCH_MAX_HEADING_DIFF_DEG &&
	    better(&cd, &c->dir))
		c->dir = cd;
	if (c->n_lanes < LANES_MAX)
		c->lanes[c->n_lanes++] = (struct lane_d){ n->lane, cd.d };
}

/* Starts the scan of a lane: the query point in the lane's offsets. */
static struct near near_start(const struct mctx *c, uint32_t lane)
{
	const struct map_index__lane *l = &c->idx->lanes[lane];

	return (struct near){
		.lane = lane, .px = c->px - l->ox, .py = c->py - l->oy, .d2 = INFINITY
	};
}

/* A cell's runs come lane by lane (in segment order), so a lane is done
 * when the next run belongs to another. */
static void scan_cell(struct mctx *c, uint32_t r0, uint32_t r1)
{
	const struct map_index__run *runs = c->idx->grid.runs;
	struct near n = { .lane = NO_LANE, .d2 = INFINITY };

	for (uint32_t r = r0; r < r1; r++) {
		if (runs[r].lane != n.lane) {
			if (n.lane != NO_LANE && n.d2 < INFINITY)
				lane_done(c, &n);
			n = near_start(c, runs[r].lane);
		}
		scan_run(c, &runs[r], &n);
	}
	if (n.lane != NO_LANE && n.d2 < INFINITY)
		lane_done(c, &n);
}

static bool connected(const struct map_index *idx, uint32_t a, uint32_t b)
{
	const struct map_index__lane *l = &idx->lanes[a];

	for (uint32_t i = 0; i < l->succ.n; i++)
		if (idx->link_lane[l->succ.first + i] == b)
			return true;
	for (uint32_t i = 0; i < l->pred.n; i++)
		if (idx->link_lane[l->pred.first + i] == b)
			return true;
	return false;
}

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* The heuristic index.h describes. */
static double confidence(const struct mctx *c, const struct cand *ch)
{
	double rival = INFINITY, half_w = ch->half_w;
	double f_lat = 1.0 - 0.9 * clamp01((ch->d - half_w) / (MAP_MATCH_RADIUS_M - half_w));
	double f_head = c->has_h ? 1.0 - 0.5 * fabs(ch->hd) / MAP_MATCH_MAX_HEADING_DIFF_DEG : 0.8;
	double f_z = c->has_z ? 1.0 - 0.5 * ch->adz / MAP_MATCH_MAX_DZ_M : 0.9;
	double f_amb = 1.0;

	for (size_t i = 0; i < c->n_lanes; i++)
		if (c->lanes[i].lane != ch->lane && c->lanes[i].d < rival &&
		    !connected(c->idx, ch->lane, c->lanes[i].lane))
			rival = c->lanes[i].d;
	if (isfinite(rival) && half_w > 0)
		f_amb = clamp01(0.5 + 0.5 * (rival - ch->d) / (2 * half_w));
	return f_lat * f_head * f_z * f_amb;
}

static void result(const struct mctx *c, const struct cand *ch, struct map_index_match *out)
{
	double h = ch->heading * (M_PI / 180.0);

	out->lane_id = ch->lane_id;
	out->s = ch->s;
	out->lateral_m = ch->ey * sin(h) - ch->ex * cos(h) < 0 ? -ch->d : ch->d;
	out->dz_m = ch->dz;
	out->heading_diff_deg = ch->hd;
	out->lane_heading_deg = ch->heading;
	out->confidence = confidence(c, ch);
}

/* The grid cell of the point, or -1 off the grid (farther than the gate
 * from every segment). */
static long cell_of(const struct map_index__grid *g, double x, double y)
{
	double fx = (x - g->x0) * g->inv_cell, fy = (y - g->y0) * g->inv_cell;

	if (!(fx >= 0 && fx < g->nx && fy >= 0 && fy < g->ny))
		return -1;
	return (long)((size_t)fy * g->nx + (size_t)fx);
}

static void ctx_init(struct mctx *c, const struct map_index *idx, const struct map_index_query *q)
{
	const struct cand none = { .d = INFINITY };

	c->idx = idx;
	c->px = q->x;
	c->py = q->y;
	c->pz = q->z;
	c->has_z = isfinite(q->z);
	c->has_h = isfinite(q->heading_deg);
	c->ph = c->has_h ? q->heading_deg : NAN;
	c->dir_tier = false;
	c->hint_heading = NAN;
	c->n_family = 0;
	c->n_lanes = 0;
	c->all = c->fam = c->dir = none;
}

int map_index_match(const struct map_index *idx, const struct map_index_query *q,
                    const struct map_index_match *hint, struct map_index_match *out)
{
	const struct map_index__grid *g = &idx->grid;
	struct mctx c;
	long cell;

	if (!isfinite(q->x) || !isfinite(q->y))
		return V2X_EINVAL;
	cell = cell_of(g, q->x, q->y);
	if (cell < 0)
		return V2X_ENOTFOUND;
	ctx_init(&c, idx, q);
	use_hint(&c, hint);
	scan_cell(&c, g->start[cell], g->start[cell + 1]);
	if (isinf(c.all.d))
		return V2X_ENOTFOUND;
	if (!isinf(c.fam.d))
		result(&c, &c.fam, out);
	else if (!isinf(c.dir.d))
		result(&c, &c.dir, out);
	else
		result(&c, &c.all, out);
	return 0;
}
