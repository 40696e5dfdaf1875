/*
 * walk: following the lane graph ahead of a position, and distances along
 * the road between two positions.
 *
 * Both keep their pending work in fixed arrays on the stack: a walk is
 * bounded by MAP_INDEX_WALK_MAX_BRANCHES, a distance search by ALONG_STACK
 * lanes pending and ALONG_SEEN lanes remembered.
 */
#include "maps/index/index_impl.h"

#include <math.h>

#include "runtime/err.h"

/* Events this close to a lane's end or start are at the joint with the
 * next or previous lane. */
#define JOINT_EPS 1e-6

/* Lanes one branch may pass through, against a graph of very short
 * lanes. */
#define WALK_MAX_LANES 100000

#define NO_LANE UINT32_MAX

#define ALONG_STACK 256
#define ALONG_SEEN  256
#define ALONG_STEPS 100000

/* A branch being walked, or waiting on the stack. */
struct cursor {
	uint32_t lane;      /* index in idx->lanes */
	uint32_t from;      /* lane it was entered from, NO_LANE at the start */
	double s0;          /* where on the lane it begins */
	double dist0;       /* path distance at s0 */
	double next_sample; /* path distance of the next sample to report */
	size_t route_pos;
	unsigned branch, from_branch;
	const struct map_index_link *link; /* the connection it was entered by */
};

struct wctx {
	const struct map_index *idx;
	const struct map_index_walk *w;
	unsigned next_branch;
	bool overflow;
	int stop; /* a visitor's negative answer */
	size_t n;
	struct cursor stack[MAP_INDEX_WALK_MAX_BRANCHES];
};

static bool is_start(uint8_t kind)
{
	return kind == MAP_INDEX_CURVE_START || kind == MAP_INDEX_CURVE_ARC_START ||
	       kind == MAP_INDEX_GRADE_START || kind == MAP_INDEX_TUNNEL_START ||
	       kind == MAP_INDEX_BRIDGE_START || kind == MAP_INDEX_HAZARD_START;
}

/* Tunnels, bridges and hazard zones: one record with intervals on several
 * lanes, so they can go on from one lane into the next. */
static bool is_area_start(uint8_t kind)
{
	return kind == MAP_INDEX_TUNNEL_START || kind == MAP_INDEX_BRIDGE_START ||
	       kind == MAP_INDEX_HAZARD_START;
}

static bool is_area_end(uint8_t kind)
{
	return kind == MAP_INDEX_TUNNEL_END || kind == MAP_INDEX_BRIDGE_END ||
	       kind == MAP_INDEX_HAZARD_END;
}

static const struct map_index__event *lane_events(const struct map_index *idx, uint32_t lane)
{
	return &idx->events[idx->lanes[lane].events.first];
}

/* The first of a lane's n events (sorted by s) with s >= at. */
static uint32_t first_event_from(const struct map_index__event *ev, uint32_t n, double at)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ev[mid].s < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether lane has an event of kind for record rec within JOINT_EPS of
 * its start (at_end false) or end. */
static bool has_joint_event(const struct map_index *idx, uint32_t lane, uint8_t kind, uint32_t rec,
                            bool at_end)
{
	const struct map_index__lane *l = &idx->lanes[lane];
	const struct map_index__event *ev = lane_events(idx, lane);

	for (uint32_t i = 0; i < l->events.n; i++) {
		bool near = at_end ? ev[i].s >= l->length_m - JOINT_EPS : ev[i].s <= JOINT_EPS;
		if (near && ev[i].kind == kind && ev[i].rec == rec)
			return true;
	}
	return false;
}

/* Turns a visitor's answer into the walk's: go on (0), stop this branch
 * (1), or stop everything (negative, kept in c->stop). */
static int answer(struct wctx *c, int v)
{
	if (v < 0) {
		c->stop = v;
		return v;
	}
	return v == MAP_INDEX_WALK_PRUNE ? MAP_INDEX_WALK_PRUNE : 0;
}

static void feature_record(const struct map_index *idx, uint8_t kind, uint32_t rec,
                           struct map_index_feature *f)
{
	if (kind <= MAP_INDEX_CURVE_END)
		f->u.curve = &idx->curves[rec];
	else if (kind <= MAP_INDEX_GRADE_END)
		f->u.grade = &idx->grades[rec];
	else if (kind == MAP_INDEX_STOP_LINE)
		f->u.stop_line = &idx->stops[rec];
	else
		f->u.area = &idx->areas[rec];
}

static int emit_event(struct wctx *c, uint32_t lane, unsigned branch,
                      const struct map_index__event *ev, double dist)
{
	struct map_index_feature f = {
		.kind = (enum map_index_feature_kind)ev->kind,
		.at = { c->idx->lanes[lane].id, ev->s, dist, branch },
		.s_other = ev->s_other,
		.from_branch = branch,
	};

	if (!c->w->on_feature)
		return 0;
	feature_record(c->idx, ev->kind, ev->rec, &f);
	return answer(c, c->w->on_feature(c->w->arg, &f));
}

static int emit_sample(struct wctx *c, struct cursor *b, const struct map_sample *smp, double dist)
{
	struct map_index_at at = { c->idx->lanes[b->lane].id, smp->s, dist, b->branch };

	if (!c->w->on_sample || dist < b->next_sample - JOINT_EPS)
		return 0;
	b->next_sample = dist + c->w->stride_m;
	return answer(c, c->w->on_sample(c->w->arg, &at, smp));
}

/* Features whose interval holds the start: reported first, at a negative
 * distance, so that a vehicle already in a curve or tunnel learns of it. */
static int report_inside(struct wctx *c, const struct cursor *b)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];
	const struct map_index__event *ev = lane_events(c->idx, b->lane);
	uint32_t end = first_event_from(ev, l->events.n, b->s0);
	int rc = 0;

	/* Only an interval starting within the lane's longest one before s0
	 * can hold it. */
	for (uint32_t i = first_event_from(ev, end, b->s0 - l->max_span_m); rc == 0 && i < end; i++)
		if (is_start(ev[i].kind) && ev[i].s < b->s0 && ev[i].s_other >= b->s0)
			rc = emit_event(c, b->lane, b->branch, &ev[i], ev[i].s - b->s0);
	return rc;
}

/* Whether an event at the start of the lane only continues an interval
 * of the lane the walk came from. */
static bool continued_from(const struct wctx *c, const struct cursor *b,
                           const struct map_index__event *ev)
{
	return b->from != NO_LANE && ev->s <= JOINT_EPS && is_area_start(ev->kind) &&
	       has_joint_event(c->idx, b->from, (uint8_t)(ev->kind + 1), ev->rec, true);
}

/*
 * Reports the samples and the events of the lane from s0 up to, not
 * including, its joint with the next lane (leave() reports those), in
 * order of s (an event before a sample at the same s), as far as the
 * walk's distance reaches.  The first sample of a lane entered from
 * another is the last one of that lane, already reported.
 */
static int walk_lane(struct wctx *c, struct cursor *b)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];
	const struct map_index__event *ev = lane_events(c->idx, b->lane);
	const struct map_sample *smp = &c->idx->samples[l->samples.first];
	double stop_s = fmin(l->length_m - JOINT_EPS, b->s0 + (c->w->distance_m - b->dist0));
	uint32_t e = 0, k = 0;
	int rc = 0;

	/* Without a sample visitor, the events alone (a sample a metre),
	 * from the first one at or after the start. */
	if (!c->w->on_sample) {
		k = l->samples.n;
		e = first_event_from(ev, l->events.n, b->s0);
	}

	while (rc == 0) {
		bool take_ev = e < l->events.n && (k >= l->samples.n || ev[e].s <= smp[k].s);
		double s = take_ev ? ev[e].s : k < l->samples.n ? smp[k].s : INFINITY;
		if (s > stop_s)
			break;
		if (take_ev && s >= b->s0 && !continued_from(c, b, &ev[e]))
			rc = emit_event(c, b->lane, b->branch, &ev[e], b->dist0 + s - b->s0);
		else if (!take_ev && s >= b->s0 && !(b->from != NO_LANE && s <= JOINT_EPS))
			rc = emit_sample(c, b, &smp[k], b->dist0 + s - b->s0);
		e += take_ev;
		k += !take_ev;
	}
	return rc;
}

/* Whether the event ends a tunnel, bridge or hazard zone that goes on
 * into lane next. */
static bool goes_on(const struct wctx *c, const struct map_index__event *ev, uint32_t next)
{
	return is_area_end(ev->kind) &&
	       has_joint_event(c->idx, next, (uint8_t)(ev->kind - 1), ev->rec, false);
}

/*
 * The samples and events at the lane's end.  When the walk goes on into
 * another lane (goes_further), the ends of tunnels, bridges and hazard
 * zones wait: whether they end depends on the lane taken, so arrive()
 * reports them on each branch.
 */
static int leave(struct wctx *c, struct cursor *b, bool goes_further)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];
	const struct map_index__event *ev = lane_events(c->idx, b->lane);
	const struct map_sample *smp = &c->idx->samples[l->samples.first];
	double dist = b->dist0 + l->length_m - b->s0;
	int rc = 0;

	for (uint32_t k = 0; rc == 0 && c->w->on_sample && k < l->samples.n; k++)
		if (smp[k].s > l->length_m - JOINT_EPS && smp[k].s >= b->s0)
			rc = emit_sample(c, b, &smp[k], b->dist0 + smp[k].s - b->s0);
	for (uint32_t i = first_event_from(ev, l->events.n, l->length_m - JOINT_EPS);
	     rc == 0 && i < l->events.n; i++) {
		if (ev[i].s <= l->length_m - JOINT_EPS || ev[i].s < b->s0)
			continue;
		if (!(goes_further && is_area_end(ev[i].kind)))
			rc = emit_event(c, b->lane, b->branch, &ev[i], dist);
	}
	return rc;
}

/* A branch's first step into a lane: the ends left waiting by leave()
 * that do not go on into this lane, then the LANE_ENTER. */
static int arrive(struct wctx *c, const struct cursor *b)
{
	const struct map_index__lane *from = &c->idx->lanes[b->from];
	const struct map_index__event *ev = lane_events(c->idx, b->from);
	struct map_index_feature f = {
		.kind = MAP_INDEX_LANE_ENTER,
		.at = { c->idx->lanes[b->lane].id, 0, b->dist0, b->branch },
		.from_branch = b->from_branch,
		.u.link = b->link,
	};
	int rc = 0;

	for (uint32_t i = first_event_from(ev, from->events.n, from->length_m - JOINT_EPS);
	     rc == 0 && i < from->events.n; i++)
		if (ev[i].s > from->length_m - JOINT_EPS && is_area_end(ev[i].kind) &&
		    !goes_on(c, &ev[i], b->lane))
			rc = emit_event(c, b->from, b->branch, &ev[i], b->dist0);
	if (rc == 0 && c->w->on_feature)
		rc = answer(c, c->w->on_feature(c->w->arg, &f));
	return rc;
}

/* The successor link the route names next, or -1. */
static long route_next(const struct wctx *c, const struct cursor *b)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];

	if (b->route_pos + 1 >= c->w->route_len)
		return -1;
	for (uint32_t i = 0; i < l->succ.n; i++)
		if (c->idx->links[l->succ.first + i].lane_id == c->w->route[b->route_pos + 1])
			return (long)l->succ.first + (long)i;
	return -1;
}

static struct cursor enter(const struct wctx *c, const struct cursor *b, uint32_t link,
                           unsigned branch)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];

	return (struct cursor){ .lane = c->idx->link_lane[link],
		                .from = b->lane,
		                .s0 = 0,
		                .dist0 = b->dist0 + l->length_m - b->s0,
		                .next_sample = b->next_sample,
		                .route_pos = b->route_pos + 1,
		                .branch = branch,
		                .from_branch = b->branch,
		                .link = &c->idx->links[link] };
}

/* Queues successors 1.. as new branches, numbered in order. */
static void queue_forks(struct wctx *c, const struct cursor *b)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];
	unsigned first = c->next_branch;
	uint32_t n = l->succ.n;

	if (n > 1 && first + (n - 1) > MAP_INDEX_WALK_MAX_BRANCHES) {
		c->overflow = true;
		n = MAP_INDEX_WALK_MAX_BRANCHES - first + 1;
	}
	c->next_branch += n > 1 ? n - 1 : 0;
	for (uint32_t i = n; i-- > 1;)
		c->stack[c->n++] = enter(c, b, l->succ.first + i, first + i - 1);
}

/* Moves the branch past the lane's end: 0 and *b on the next lane, 1 when
 * the branch ends there, or a visitor's answer. */
static int advance(struct wctx *c, struct cursor *b)
{
	const struct map_index__lane *l = &c->idx->lanes[b->lane];
	long link = -1;
	int rc;

	if (c->w->route)
		link = route_next(c, b);
	else if (l->succ.n > 0)
		link = (long)l->succ.first;
	rc = leave(c, b, link >= 0);
	if (rc != 0 || link < 0)
		return rc ? rc : 1;
	if (!c->w->route)
		queue_forks(c, b);
	*b = enter(c, b, (uint32_t)link, b->branch);
	return 0;
}

/* Walks one branch to its end, queueing the forks it passes. */
static int walk_branch(struct wctx *c, struct cursor b)
{
	int rc = 0;

	for (size_t lanes = 0; rc == 0 && lanes < WALK_MAX_LANES; lanes++) {
		const struct map_index__lane *l = &c->idx->lanes[b.lane];
		if (b.from != NO_LANE)
			rc = arrive(c, &b);
		if (rc == 0)
			rc = walk_lane(c, &b);
		if (rc != 0 || b.dist0 + l->length_m - b.s0 > c->w->distance_m)
			break;
		rc = advance(c, &b);
	}
	return rc < 0 ? rc : 0;
}

static int walk_start(struct wctx *c, long lane, double s)
{
	const struct map_index__lane *l = &c->idx->lanes[lane];
	struct cursor b = { .lane = (uint32_t)lane, .from = NO_LANE };
	unsigned walked = 0;
	int rc;

	b.s0 = s < 0 ? 0 : s > l->length_m ? l->length_m : s;
	rc = report_inside(c, &b);
	if (rc == MAP_INDEX_WALK_PRUNE)
		return 1;
	if (rc == 0)
		c->stack[c->n++] = b;
	while (rc >= 0 && c->n > 0) {
		rc = walk_branch(c, c->stack[--c->n]);
		walked++;
	}
	if (rc < 0)
		return c->stop ? c->stop : rc;
	return c->overflow ? V2X_ETOO_BIG : (int)walked;
}

int map_index_walk(const struct map_index *idx, uint32_t lane_id, double s,
                   const struct map_index_walk *w)
{
	long lane = map_index__find(idx, lane_id);
	struct wctx c = { .idx = idx, .w = w, .next_branch = 1 };

	if (lane < 0)
		return V2X_ENOTFOUND;
	if (!(w->distance_m >= 0) || !(w->stride_m >= 0) || isnan(s))
		return V2X_EINVAL;
	if (w->route && (w->route_len == 0 || w->route[0] != lane_id))
		return V2X_EINVAL;
	return walk_start(&c, lane, s);
}

/* A lane reached by the distance search, and at what distance. */
struct reach {
	uint32_t lane;
	double dist; /* path distance at the lane's start */
};

struct along {
	const struct map_index *idx;
	double max, best;
	size_t n, n_seen, steps;
	struct reach stack[ALONG_STACK];
	struct reach seen[ALONG_SEEN];
};

/* Whether lane was already reached at a distance no longer than dist;
 * remembers dist otherwise (while there is room). */
static bool seen_shorter(struct along *a, uint32_t lane, double dist)
{
	for (size_t i = 0; i < a->n_seen; i++)
		if (a->seen[i].lane == lane) {
			if (a->seen[i].dist <= dist)
				return true;
			a->seen[i].dist = dist;
			return false;
		}
	if (a->n_seen < ALONG_SEEN)
		a->seen[a->n_seen++] = (struct reach){ lane, dist };
	return false;
}

static void push_successors(struct along *a, uint32_t lane, double dist_end)
{
	const struct map_index__lane *l = &a->idx->lanes[lane];

	for (uint32_t i = 0; i < l->succ.n && a->n < ALONG_STACK; i++)
		a->stack[a->n++] = (struct reach){ a->idx->link_lane[l->succ.first + i], dist_end };
}

/* The shortest distance forward from (from, from_s) to (to, to_s) within
 * max, or INFINITY. */
static double forward(const struct map_index *idx, uint32_t from, double from_s, uint32_t to,
                      double to_s, double max)
{
	struct along a = { .idx = idx, .max = max, .best = INFINITY };

	if (from == to && to_s >= from_s)
		return to_s - from_s <= max ? to_s - from_s : INFINITY;
	push_successors(&a, from, idx->lanes[from].length_m - from_s);
	while (a.n > 0 && a.steps++ < ALONG_STEPS) {
		struct reach r = a.stack[--a.n];
		double end = r.dist + idx->lanes[r.lane].length_m;
		if (r.dist > a.max || r.dist >= a.best || seen_shorter(&a, r.lane, r.dist))
			continue;
		if (r.lane == to) {
			if (r.dist + to_s <= a.max && r.dist + to_s < a.best)
				a.best = r.dist + to_s;
			continue;
		}
		if (end <= a.max && end < a.best)
			push_successors(&a, r.lane, end);
	}
	return a.best;
}

static double clamp_s(const struct map_index *idx, long lane, double s)
{
	double len = idx->lanes[lane].length_m;

	return s < 0 ? 0 : s > len ? len : s;
}

int map_index_along(const struct map_index *idx, uint32_t a_lane, double a_s, uint32_t b_lane,
                    double b_s, double max_m, double *dist_m)
{
	long a = map_index__find(idx, a_lane), b = map_index__find(idx, b_lane);
	double ahead, behind;

	if (a < 0 || b < 0 || isnan(a_s) || isnan(b_s) || !(max_m >= 0))
		return V2X_ENOTFOUND;
	a_s = clamp_s(idx, a, a_s);
	b_s = clamp_s(idx, b, b_s);
	ahead = forward(idx, (uint32_t)a, a_s, (uint32_t)b, b_s, max_m);
	behind = forward(idx, (uint32_t)b, b_s, (uint32_t)a, a_s, max_m);
	if (isinf(ahead) && isinf(behind))
		return V2X_ENOTFOUND;
	*dist_m = ahead <= behind ? ahead : -behind;
	return 0;
}
