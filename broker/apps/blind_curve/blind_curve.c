/*
 * blind_curve: the blind-curve oncoming-vehicle application (blind_curve.h).
 */
#include "broker/apps/blind_curve/blind_curve.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

#define TYPE     V2X__WIRE__WARNING_TYPE__WARNING_TYPE_BLIND_CURVE_ONCOMING
#define CRITICAL V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
#define WARNING  V2X__WIRE__SEVERITY__SEVERITY_WARNING
#define RESOLVED V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED
#define LOST     V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST
#define SLOTS    BRK_BLIND_CURVE_SLOTS

#define NONE    SIZE_MAX   /* no side */
#define NO_LANE UINT32_MAX /* an empty place of the lane set */
/* Warnings one BSM raises, remembered so that each is raised once. */
#define RAISED_MAX 16

/* A vehicle registered at a curve: its numbers at its last BSM. */
struct reg {
	uint8_t id[V2X_ID_LEN];
	bool used;
	bool over_centre; /* over the centre line, in the curve's zone */
	bool has_eye;     /* eye computed (only for a sight test) */
	int64_t t_us;     /* now_us of that BSM */
	double dist_m;    /* to the apex along its path */
	double eta_s;     /* NaN: not approaching (too slow) */
	/* Where: the match, and the eye point made of it when needed. */
	uint32_t lane_id;
	double s, lateral_m, heading_deg;
	struct map_xyz eye;
	double lat_deg, lon_deg;
	uint64_t seq;
	char rsu_id[BRK_WARN_RSU_ID_MAX + 1];
};

/* A curve of one lane, its apex, its opposite curve and registrations. */
struct side {
	const struct map_curve *curve; /* the index's record */
	uint32_t road_id;
	int8_t direction;
	double apex_s;
	struct map_xyz apex;
	double apex_lat, apex_lon; /* NaN: no frame */
	/* The lane's narrowest and widest in the centre-line zone on it. */
	double w_min, w_max;
	size_t opp; /* the opposite curve's side, or NONE */
	struct reg reg[SLOTS];
};

/* A curve id and its side, for the lookup by id. */
struct idref {
	uint32_t id;
	size_t side;
};

struct bc {
	struct brk_blind_curve_cfg cfg;
	struct brk_blind_curve_stats stats;
	/* The bend table, for map (NULL: none; broken: no memory for it). */
	const struct map_index *map;
	bool broken;
	size_t n_sides, cap_sides;
	struct side *sides;
	struct idref *by_id; /* n_sides, ascending id */
	uint32_t *lanes;     /* the lanes explored: open addressing */
	size_t lanes_mask, n_lanes, cap_lanes;
	uint32_t *queue; /* the exploration's, cap_lanes */
};

/* ---- configuration ----------------------------------------------------- */

#define OFF(field) offsetof(struct brk_blind_curve_cfg, field)

static const struct brk_app_param params[] = {
	{ "horizon_s", OFF(horizon_s), "s", BRK_BLIND_CURVE_DEFAULT_HORIZON_S,
	  "a vehicle registers at a bend this long before its apex" },
	{ "min_horizon_m", OFF(min_horizon_m), "m", BRK_BLIND_CURVE_DEFAULT_MIN_HORIZON_M,
	  "and at least this far before it (slow vehicles)" },
	{ "max_horizon_m", OFF(max_horizon_m), "m", BRK_BLIND_CURVE_DEFAULT_MAX_HORIZON_M,
	  "and at most this far before it (fast vehicles)" },
	{ "window_s", OFF(window_s), "s", BRK_BLIND_CURVE_DEFAULT_WINDOW_S,
	  "two oncoming vehicles arriving at the apex this close in time are warned" },
	{ "hold_margin_s", OFF(hold_margin_s), "s", BRK_BLIND_CURVE_DEFAULT_HOLD_MARGIN_S,
	  "the window widens by this once a pair is warned" },
	{ "critical_s", OFF(critical_s), "s", BRK_BLIND_CURVE_DEFAULT_CRITICAL_S,
	  "CRITICAL at or below this time to the apex, WARNING above" },
	{ "fresh_s", OFF(fresh_s), "s", BRK_BLIND_CURVE_DEFAULT_FRESH_S,
	  "a vehicle not heard for longer is gone (SOURCE_LOST)" },
	{ "eye_height_m", OFF(eye_height_m), "m", BRK_BLIND_CURVE_DEFAULT_EYE_HEIGHT_M,
	  "driver's eye and seen vehicle above the lane, for the sight line" },
	{ "vehicle_width_m", OFF(vehicle_width_m), "m", BRK_BLIND_CURVE_DEFAULT_VEHICLE_WIDTH_M,
	  "vehicle width when the BSM gives none" },
	{ "approach_m", OFF(approach_m), "m", BRK_BLIND_CURVE_DEFAULT_APPROACH_M,
	  "the centre-line rule starts this far before a curve" },
	{ "pair_m", OFF(pair_m), "m", BRK_BLIND_CURVE_DEFAULT_PAIR_M,
	  "the two directions' apexes of one bend lie at most this far apart" },
	{ "min_speed_mps", OFF(min_speed_mps), "m/s", BRK_BLIND_CURVE_DEFAULT_MIN_SPEED_MPS,
	  "a slower vehicle has no time to the apex (not approaching)" },
};

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

static int bc_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct bc *st;
	struct brk_blind_curve_cfg c = { 0 };
	size_t bad;

	if (cfg)
		c = *(const struct brk_blind_curve_cfg *)cfg;
	brk_app_params_default(params, N_PARAMS, &c);
	bad = brk_app_params_bad(params, N_PARAMS, &c);
	if (bad < N_PARAMS) {
		snprintf(err, errlen, "%s must be a positive number of %s", params[bad].name,
		         params[bad].unit);
		return V2X_ECONFIG;
	}
	if (c.max_horizon_m < c.min_horizon_m) {
		snprintf(err, errlen, "max_horizon_m (%g) must not be below min_horizon_m (%g)",
		         c.max_horizon_m, c.min_horizon_m);
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->cfg = c;
	*state = st;
	return 0;
}

static void table_free(struct bc *st)
{
	free(st->sides);
	free(st->by_id);
	free(st->lanes);
	free(st->queue);
	st->sides = NULL;
	st->by_id = NULL;
	st->lanes = NULL;
	st->queue = NULL;
	st->n_sides = st->cap_sides = st->n_lanes = st->cap_lanes = st->lanes_mask = 0;
	st->map = NULL;
	st->broken = false;
}

static void bc_fini(void *state)
{
	struct bc *st = state;

	if (!st)
		return;
	table_free(st);
	free(st);
}

const struct brk_blind_curve_stats *brk_blind_curve_stats(const void *state)
{
	return &((const struct bc *)state)->stats;
}

/* ---- the bend table ---------------------------------------------------- */

/* Makes an empty table for map, sized by its index: the feature count
 * bounds the curves, the lane count the lanes.  0 or V2X_ENOMEM. */
static int table_build(struct bc *st, const struct map_index *map)
{
	struct map_index_stats ms;
	size_t cap = 16;

	table_free(st);
	st->map = map;
	map_index_stats(map, &ms);
	while (cap < 2 * ms.n_lanes + 2)
		cap *= 2;
	st->cap_sides = ms.n_features ? ms.n_features : 1;
	st->cap_lanes = ms.n_lanes + 1;
	st->lanes_mask = cap - 1;
	st->sides = calloc(st->cap_sides, sizeof(*st->sides));
	st->by_id = calloc(st->cap_sides, sizeof(*st->by_id));
	st->lanes = malloc(cap * sizeof(*st->lanes));
	st->queue = calloc(st->cap_lanes, sizeof(*st->queue));
	st->stats.builds++;
	if (!st->sides || !st->by_id || !st->lanes || !st->queue) {
		table_free(st);
		st->map = map;
		st->broken = true;
		st->stats.build_errors++;
		return V2X_ENOMEM;
	}
	memset(st->lanes, 0xff, cap * sizeof(*st->lanes)); /* NO_LANE everywhere */
	return 0;
}

static size_t lane_slot(const struct bc *st, uint32_t id)
{
	size_t i = (size_t)(id * 2654435761u) & st->lanes_mask;

	while (st->lanes[i] != NO_LANE && st->lanes[i] != id)
		i = (i + 1) & st->lanes_mask;
	return i;
}

static bool lane_known(const struct bc *st, uint32_t id)
{
	return id == NO_LANE || st->lanes[lane_slot(st, id)] == id;
}

/* Adds lane id to the set; false when it was there (or no room). */
static bool lane_add(struct bc *st, uint32_t id)
{
	size_t i;

	if (lane_known(st, id) || st->n_lanes + 1 >= st->cap_lanes)
		return false;
	i = lane_slot(st, id);
	st->lanes[i] = id;
	st->n_lanes++;
	st->stats.lanes++;
	return true;
}

/* The lane widths of sd's centre-line zone on its own lane, a profile
 * sample a metre (the profile's own step, model.h). */
static void zone_widths(const struct bc *st, struct side *sd)
{
	const struct map_curve *c = sd->curve;
	struct map_sample smp;
	double s0 = fmax(0, c->s0 - st->cfg.approach_m);
	size_t n = (size_t)ceil(c->s1 - s0);

	sd->w_min = INFINITY;
	sd->w_max = -INFINITY;
	for (size_t k = 0; k <= n; k++) {
		if (map_index_profile_at(st->map, c->lane_id, fmin(s0 + (double)k, c->s1), &smp) <
		    0)
			continue;
		sd->w_min = fmin(sd->w_min, smp.width_m);
		sd->w_max = fmax(sd->w_max, smp.width_m);
	}
}

/* Adds curve c of the lane info describes. */
static void add_side(struct bc *st, const struct brk_app_ctx *ctx, const struct map_curve *c,
                     const struct map_index_lane *info)
{
	struct side *sd;
	struct map_sample smp;
	double apex_s = c->arc_s1 > c->arc_s0 ? (c->arc_s0 + c->arc_s1) / 2 : (c->s0 + c->s1) / 2;

	if (st->n_sides == st->cap_sides) {
		st->stats.curve_overflow++;
		return;
	}
	if (map_index_profile_at(st->map, c->lane_id, apex_s, &smp) < 0)
		return;
	sd = &st->sides[st->n_sides++];
	memset(sd, 0, sizeof(*sd));
	sd->curve = c;
	sd->road_id = info->road_id;
	sd->direction = info->direction;
	sd->apex_s = apex_s;
	sd->apex = (struct map_xyz){ smp.x, smp.y, smp.z };
	sd->apex_lat = sd->apex_lon = NAN;
	if (ctx->frame &&
	    map_frame_to_wgs84(ctx->frame, smp.x, smp.y, &sd->apex_lat, &sd->apex_lon) != 0)
		sd->apex_lat = sd->apex_lon = NAN;
	sd->opp = NONE;
	zone_widths(st, sd);
	st->stats.curves++;
}

struct lane_walk {
	struct bc *st;
	const struct brk_app_ctx *ctx;
	const struct map_index_lane *info;
};

static int on_lane_feature(void *arg, const struct map_index_feature *f)
{
	struct lane_walk *lw = arg;

	if (f->kind == MAP_INDEX_CURVE_START && f->u.curve->lane_id == lw->info->id)
		add_side(lw->st, lw->ctx, f->u.curve, lw->info);
	return MAP_INDEX_WALK_GO;
}

/* Adds the curves of lane, walking it alone from its start. */
static void read_lane(struct bc *st, const struct brk_app_ctx *ctx, uint32_t lane)
{
	struct map_index_lane info;
	struct lane_walk lw = { st, ctx, &info };
	struct map_index_walk w = {
		.on_feature = on_lane_feature, .arg = &lw, .route = &lane, .route_len = 1
	};

	if (map_index_lane(st->map, lane, &info) < 0)
		return;
	w.distance_m = info.length_m;
	map_index_walk(st->map, lane, 0, &w);
}

/* Pairs each side from `from` on, not yet paired, with the nearest
 * unpaired curve of the same road in the opposite direction. */
static void pair_sides(struct bc *st, size_t from)
{
	for (size_t i = from; i < st->n_sides; i++) {
		struct side *a = &st->sides[i];
		size_t best = NONE;
		double best_d = st->cfg.pair_m;
		if (a->opp != NONE || a->direction == 0)
			continue;
		for (size_t j = 0; j < st->n_sides; j++) {
			const struct side *b = &st->sides[j];
			double d;
			if (b->opp != NONE || b->road_id != a->road_id ||
			    b->direction != -a->direction)
				continue;
			d = hypot(a->apex.x - b->apex.x, a->apex.y - b->apex.y);
			if (d <= best_d) {
				best_d = d;
				best = j;
			}
		}
		if (best == NONE)
			continue;
		a->opp = best;
		st->sides[best].opp = i;
		st->stats.bends += 2;
	}
}

static int idref_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct idref *)a)->id, y = ((const struct idref *)b)->id;

	return (x > y) - (x < y);
}

static void index_sides(struct bc *st)
{
	for (size_t i = 0; i < st->n_sides; i++)
		st->by_id[i] = (struct idref){ st->sides[i].curve->id, i };
	qsort(st->by_id, st->n_sides, sizeof(*st->by_id), idref_cmp);
}

/* Queues the successors (or predecessors) of lane not explored yet. */
static void queue_links(struct bc *st, uint32_t lane, bool successors, size_t *tail)
{
	const struct map_index_link *l;
	size_t n;

	if (map_index_links(st->map, lane, successors, &l, &n) < 0)
		return;
	for (size_t k = 0; k < n && *tail < st->cap_lanes; k++)
		if (lane_add(st, l[k].lane_id))
			st->queue[(*tail)++] = l[k].lane_id;
}

/* Explores the lane graph from lane (successors and predecessors) and adds
 * the curves of every lane reached.  Allocates nothing. */
static void explore(struct bc *st, const struct brk_app_ctx *ctx, uint32_t lane)
{
	struct map_index_lane info;
	size_t head = 0, tail = 0, from = st->n_sides;

	if (map_index_lane(st->map, lane, &info) < 0 || !lane_add(st, lane))
		return;
	st->stats.explorations++;
	st->queue[tail++] = lane;
	while (head < tail) {
		uint32_t l = st->queue[head++];
		read_lane(st, ctx, l);
		queue_links(st, l, true, &tail);
		queue_links(st, l, false, &tail);
	}
	pair_sides(st, from);
	index_sides(st);
}

static struct side *find_side(struct bc *st, uint32_t curve_id)
{
	size_t lo = 0, hi = st->n_sides;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->by_id[mid].id < curve_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->n_sides && st->by_id[lo].id == curve_id ? &st->sides[st->by_id[lo].side]
	                                                        : NULL;
}

/* The table for ctx->map, with the track's lane explored; false when
 * there is none (no memory). */
static bool ensure_table(struct bc *st, const struct brk_app_ctx *ctx, uint32_t lane)
{
	if (st->map != ctx->map && table_build(st, ctx->map) < 0)
		return false;
	if (st->broken)
		return false;
	if (!lane_known(st, lane))
		explore(st, ctx, lane);
	return true;
}

static void bc_map(void *state, const struct brk_app_ctx *ctx)
{
	struct bc *st = state;

	table_free(st);
	if (!ctx->map || table_build(st, ctx->map) < 0 || !ctx->tracks)
		return;
	for (const struct brk_track *t = brk_tracks_next(ctx->tracks, NULL); t;
	     t = brk_tracks_next(ctx->tracks, t))
		if (t->has_match && !lane_known(st, t->match.lane_id))
			explore(st, ctx, t->match.lane_id);
}

/* ---- registrations ----------------------------------------------------- */

static bool reg_fresh(const struct bc *st, const struct reg *r, int64_t now_us)
{
	return r->used && (double)(now_us - r->t_us) <= st->cfg.fresh_s * 1e6;
}

/* Registers me at sd: its own place, a free or stale one, or the one
 * farthest from the apex (counted). */
static void reg_put(struct bc *st, struct side *sd, const struct reg *me, int64_t now_us)
{
	struct reg *free_r = NULL, *far = NULL;

	st->stats.registrations++;
	for (size_t k = 0; k < SLOTS; k++) {
		struct reg *r = &sd->reg[k];
		if (r->used && memcmp(r->id, me->id, V2X_ID_LEN) == 0) {
			*r = *me;
			return;
		}
		if (!reg_fresh(st, r, now_us)) {
			if (!free_r)
				free_r = r;
		} else if (!far || r->dist_m > far->dist_m) {
			far = r;
		}
	}
	if (!free_r) {
		st->stats.slot_overflow++;
		free_r = far;
	}
	*free_r = *me;
}

static void reg_drop(struct side *sd, const uint8_t *id)
{
	for (size_t k = 0; k < SLOTS; k++)
		if (sd->reg[k].used && memcmp(sd->reg[k].id, id, V2X_ID_LEN) == 0)
			sd->reg[k].used = false;
}

/* ---- one BSM ----------------------------------------------------------- */

/* The BSM being handled, its vehicle and what it raised. */
struct pass {
	struct bc *st;
	const struct brk_app_ctx *ctx;
	const struct brk_app_event *ev;
	const struct brk_track *tr;
	double horizon_m;
	double width_m; /* the vehicle's */
	size_t n_raised;
	uint8_t raised[RAISED_MAX][2][V2X_ID_LEN]; /* target, subject */
};

/* The eye point of r, made once from its match: the lane's centre-line
 * point at its s moved lateral_m to the left of the lane's heading, at the
 * lane's height plus the eye height. */
static const struct map_xyz *eye_of(const struct bc *st, struct reg *r)
{
	struct map_sample smp;
	double h = r->heading_deg * M_PI / 180;

	if (r->has_eye)
		return &r->eye;
	r->has_eye = true;
	r->eye = (struct map_xyz){ NAN, NAN, NAN };
	if (map_index_profile_at(st->map, r->lane_id, r->s, &smp) == 0)
		r->eye = (struct map_xyz){ smp.x - cos(h) * r->lateral_m,
			                   smp.y + sin(h) * r->lateral_m,
			                   smp.z + st->cfg.eye_height_m };
	return &r->eye;
}

/* Whether the vehicle is over the centre line (blind_curve.h), in sd's
 * zone.  The lane's widths there answer most cases without a profile
 * lookup. */
static bool over_centre(const struct pass *p, const struct side *sd)
{
	const struct map_index_match *m = &p->tr->match;
	double lat = m->lateral_m, half_w = p->width_m / 2;
	struct map_sample smp;

	if (!(lat > 0))
		return false;
	if (m->lane_id == sd->curve->lane_id) {
		if (lat <= sd->w_min / 2 - half_w)
			return false;
		if (lat > sd->w_max / 2 - half_w)
			return true;
	}
	return map_index_profile_at(p->st->map, m->lane_id, m->s, &smp) == 0 &&
	       lat > smp.width_m / 2 - half_w;
}

static void key_of(struct brk_warn_key *k, const uint8_t *target, const uint8_t *subject)
{
	memset(k, 0, sizeof(*k));
	k->type = TYPE;
	memcpy(k->target, target, V2X_ID_LEN);
	k->subject.kind = BRK_WARN_SUBJECT_VEHICLE;
	memcpy(k->subject.vehicle_id, subject, V2X_ID_LEN);
}

/* Whether this pass raised target's warning about subject already, and
 * remembers it when not. */
static bool raised_before(struct pass *p, const uint8_t *target, const uint8_t *subject)
{
	for (size_t i = 0; i < p->n_raised; i++)
		if (memcmp(p->raised[i][0], target, V2X_ID_LEN) == 0 &&
		    memcmp(p->raised[i][1], subject, V2X_ID_LEN) == 0)
			return true;
	if (p->n_raised < RAISED_MAX) {
		memcpy(p->raised[p->n_raised][0], target, V2X_ID_LEN);
		memcpy(p->raised[p->n_raised][1], subject, V2X_ID_LEN);
		p->n_raised++;
	}
	return false;
}

static V2x__Wire__Severity severity(const struct brk_blind_curve_cfg *c, const struct reg *who)
{
	if (who->over_centre || (isfinite(who->eta_s) && who->eta_s <= c->critical_s))
		return CRITICAL;
	return WARNING;
}

/* Raises who's warning about subject with who's numbers at sd's apex. */
static void raise_one(struct pass *p, const struct side *sd, const struct reg *who,
                      const uint8_t *subject)
{
	const struct brk_app_event *ev = p->ev;
	bool mine = memcmp(who->id, p->tr->id, V2X_ID_LEN) == 0;
	struct brk_warn_spec s = {
		.severity = severity(&p->st->cfg, who),
		.lat_deg = sd->apex_lat,
		.lon_deg = sd->apex_lon,
		.elev_m = sd->apex.z,
		.distance_m = who->dist_m,
		.time_to_event_s = who->eta_s,
		.advisory_speed_mps = NAN,
		.n_sources = mine ? 1 : 2,
		.sources = { { who->rsu_id, who->seq }, { ev->rsu_id, ev->seq } },
		.trigger_rx_time_us = ev->rx_time_us,
		.text = who->over_centre ? "Over the centre line in a bend: oncoming vehicle"
		                         : "Oncoming vehicle hidden by the bend ahead",
		.target_lat_deg = who->lat_deg,
		.target_lon_deg = who->lon_deg,
	};

	if (raised_before(p, who->id, subject))
		return;
	key_of(&s.key, who->id, subject);
	if (who->over_centre)
		p->st->stats.centre_line++;
	if (brk_warn_raise(p->ctx->warn, &s, p->ctx->now_us) < 0)
		p->st->stats.raise_refused++;
}

/* Whether a warning of the pair a, b is held (either way round). */
static bool pair_warned(struct brk_warn *w, const uint8_t *a, const uint8_t *b)
{
	struct brk_warn_key k;

	key_of(&k, a, b);
	if (brk_warn_find(w, &k))
		return true;
	key_of(&k, b, a);
	return brk_warn_find(w, &k) != NULL;
}

/* The ordinary rule for me and the registration o of the opposite curve. */
static bool pair_holds(struct pass *p, struct reg *me, struct reg *o)
{
	struct bc *st = p->st;
	double eta_o = o->eta_s - (double)(p->ctx->now_us - o->t_us) / 1e6;
	double gap = fabs(me->eta_s - eta_o);
	bool held;

	if (!isfinite(me->eta_s) || !isfinite(o->eta_s) ||
	    gap > st->cfg.window_s + st->cfg.hold_margin_s)
		return false;
	held = pair_warned(p->ctx->warn, me->id, o->id);
	if (gap > st->cfg.window_s && !held)
		return false;
	st->stats.pairs_in_window++;
	if (held)
		return true;
	st->stats.sight_tests++;
	if (map_index_sight_blocked(p->ctx->map, eye_of(st, me), eye_of(st, o)) == 0)
		return false;
	st->stats.sight_blocked++;
	return true;
}

/* Looks at the registrations of sd's opposite curve for me (registered at
 * sd when `registered`). */
static void evaluate(struct pass *p, struct side *sd, struct reg *me, bool registered)
{
	struct side *op = &p->st->sides[sd->opp];

	for (size_t k = 0; k < SLOTS; k++) {
		struct reg *o = &op->reg[k];
		if (!reg_fresh(p->st, o, p->ctx->now_us) || memcmp(o->id, me->id, V2X_ID_LEN) == 0)
			continue;
		if (registered && pair_holds(p, me, o)) {
			raise_one(p, sd, me, o->id);
			raise_one(p, op, o, me->id);
		} else if (me->over_centre && isfinite(o->eta_s)) {
			raise_one(p, sd, me, o->id);
		}
	}
}

/* My numbers at a curve whose apex is d_apex ahead (<= 0: passed).  Every
 * field is set (no memset: this runs per BSM). */
static void me_at(const struct pass *p, struct reg *me, double d_apex, bool over)
{
	const struct brk_track *tr = p->tr;
	double v = tr->latest.speed_mps;
	size_t n = p->ev->rsu_id ? strnlen(p->ev->rsu_id, BRK_WARN_RSU_ID_MAX) : 0;

	memcpy(me->id, tr->id, V2X_ID_LEN);
	me->used = true;
	me->over_centre = over;
	me->has_eye = false;
	me->t_us = p->ctx->now_us;
	me->dist_m = fmax(0, d_apex);
	if (d_apex <= 0)
		me->eta_s = 0;
	else
		me->eta_s = v >= p->st->cfg.min_speed_mps ? d_apex / v : NAN;
	me->lane_id = tr->match.lane_id;
	me->s = tr->match.s;
	me->lateral_m = tr->match.lateral_m;
	me->heading_deg = tr->match.lane_heading_deg;
	me->lat_deg = tr->latest.lat_deg;
	me->lon_deg = tr->latest.lon_deg;
	me->seq = p->ev->seq;
	memcpy(me->rsu_id, n ? p->ev->rsu_id : "", n);
	me->rsu_id[n] = '\0';
}

/* A curve the road ahead meets (its start d0 ahead, negative inside). */
static void on_curve(struct pass *p, const struct map_index_feature *f)
{
	const struct map_curve *c = f->u.curve;
	struct side *sd = find_side(p->st, c->id);
	double d0 = f->at.dist_m, d_apex, d_end;
	bool registered, over;
	struct reg me;

	if (!sd || sd->opp == NONE)
		return;
	d_apex = d0 + sd->apex_s - c->s0;
	d_end = d0 + c->s1 - c->s0;
	if (d_apex <= 0)
		reg_drop(sd, p->tr->id);
	registered = d_apex > 0 && (d_apex <= p->horizon_m || d0 <= 0);
	over = d0 <= p->st->cfg.approach_m && d_end > 0 && over_centre(p, sd);
	if (!registered && !over)
		return;
	me_at(p, &me, d_apex, over);
	/* Evaluated first, so that the eye a sight test made is kept. */
	evaluate(p, sd, &me, registered);
	if (registered)
		reg_put(p->st, sd, &me, p->ctx->now_us);
}

static double horizon(const struct brk_blind_curve_cfg *c, double speed_mps)
{
	double h = c->min_horizon_m;

	if (isfinite(speed_mps))
		h = fmax(h, speed_mps * c->horizon_s);
	return fmin(h, c->max_horizon_m);
}

/* Whether vehicle id has not been heard for fresh_s (or is gone). */
static bool vehicle_lost(const struct bc *st, const struct brk_app_ctx *ctx, const uint8_t *id)
{
	const struct brk_track *t = brk_tracks_find(ctx->tracks, id);

	return !t || (double)(ctx->now_us - t->last_update_now_us) > st->cfg.fresh_s * 1e6;
}

static void clear_one(struct bc *st, const struct brk_app_ctx *ctx, const struct brk_warn_entry *e,
                      V2x__Wire__CancelReason why)
{
	if (why == LOST)
		st->stats.lost++;
	else
		st->stats.resolved++;
	brk_warn_clear(ctx->warn, &e->key, why, ctx->now_us);
}

/* Clears the track's warnings this pass did not raise. */
static void clear_unseen(struct bc *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                         uint64_t mark)
{
	const struct brk_warn_entry *e = brk_warn_next_for_target(ctx->warn, tr->id, NULL);

	for (; e; e = brk_warn_next_for_target(ctx->warn, tr->id, e)) {
		if (e->key.type != TYPE || e->raise_seq > mark)
			continue;
		clear_one(st, ctx, e,
		          vehicle_lost(st, ctx, e->key.subject.vehicle_id) ? LOST : RESOLVED);
	}
}

static void bc_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct bc *st = state;
	const struct brk_track *tr = ev->track;
	struct pass p; /* not zeroed whole: raised[] is read up to n_raised */
	const struct brk_ahead *a;
	uint64_t mark;

	if (ev->type != V2X_MSG_BSM || !tr || !ctx->map || !ctx->warn || !ctx->tracks ||
	    !ctx->ahead)
		return;
	st->stats.bsms++;
	if (!tr->has_match) {
		st->stats.unmatched++;
		return;
	}
	if (!ensure_table(st, ctx, tr->match.lane_id))
		return;
	mark = brk_warn_raises(ctx->warn);
	p.st = st;
	p.ctx = ctx;
	p.ev = ev;
	p.tr = tr;
	p.n_raised = 0;
	p.horizon_m = horizon(&st->cfg, tr->latest.speed_mps);
	p.width_m = tr->latest.size.width_m > 0 ? tr->latest.size.width_m : st->cfg.vehicle_width_m;
	a = brk_ahead_get(ctx->ahead, ctx->map, tr);
	for (size_t i = 0; i < a->n; i++)
		if (a->f[i].kind == MAP_INDEX_CURVE_START && a->f[i].at.branch == 0)
			on_curve(&p, &a->f[i]);
	/* None of this application's warnings held: nothing to clear. */
	if (brk_warn_stats(ctx->warn)->active[TYPE] > 0)
		clear_unseen(st, ctx, tr, mark);
}

/* Ends the warnings whose target or subject is no longer heard. */
static void bc_tick(void *state, const struct brk_app_ctx *ctx)
{
	struct bc *st = state;
	const struct brk_warn_entry *e;

	if (!ctx->warn || !ctx->tracks)
		return;
	for (e = brk_warn_next_of_type(ctx->warn, TYPE, NULL); e;
	     e = brk_warn_next_of_type(ctx->warn, TYPE, e)) {
		if (e->key.type != TYPE || e->key.subject.kind != BRK_WARN_SUBJECT_VEHICLE)
			continue;
		if (vehicle_lost(st, ctx, e->key.target) ||
		    vehicle_lost(st, ctx, e->key.subject.vehicle_id))
			clear_one(st, ctx, e, LOST);
	}
}

const struct brk_app brk_blind_curve_app = {
	.name = "blind_curve",
	.init = bc_init,
	.on_observation = bc_observation,
	.on_tick = bc_tick,
	.on_map = bc_map,
	.fini = bc_fini,
	.cfg_size = sizeof(struct brk_blind_curve_cfg),
	.params = params,
	.n_params = N_PARAMS,
};
