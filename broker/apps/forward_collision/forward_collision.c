/*
 * forward_collision: forward collision warning along the lane
 * (forward_collision.h).
 */
#include "broker/apps/forward_collision/forward_collision.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/apps/forward_collision/occupancy.h"
#include "runtime/err.h"

#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_FORWARD_COLLISION

/* A leader's speed below this counts as stopped in the text. */
#define STOPPED_MPS 0.5

/* BrakeAppliedStatus: bit 0 "unavailable", bits 1..4 the wheels. */
#define WHEEL_BRAKES_APPLIED 0x1e

struct fc {
	struct brk_forward_collision_cfg cfg;
	struct brk_forward_collision_stats stats;
	struct brk_fc_occ *occ;
	int64_t stale_us;
};

/* A leader found: the vehicle and the distance along the road from the
 * follower's match to the leader's match as stored. */
struct lead {
	const struct brk_fc_occ_veh *v;
	double dist_m;
	bool entered; /* on a lane entered ahead */
};

/* What a follower-leader pair comes to. */
struct eval {
	double gap_m, ttc_s;
	double v_l, b; /* the leader's speed and deceleration now */
};

/* ---- configuration ----------------------------------------------------- */

#define P(field, unit_, def_, doc_)                                                          \
	{                                                                                    \
		.name = #field, .offset = offsetof(struct brk_forward_collision_cfg, field), \
		.unit = (unit_), .def = BRK_FORWARD_COLLISION_DEFAULT_##def_, .doc = (doc_)  \
	}

static const struct brk_app_param params[] = {
	P(max_gap_m, "m", MAX_GAP_M, "leader search range along the road"),
	P(gap_time_s, "s", GAP_TIME_S, "or the follower's speed times this, if larger"),
	P(max_gap_cap_m, "m", MAX_GAP_CAP_M, "the search range's upper bound"),
	P(ttc_warn_s, "s", TTC_WARN_S, "time to collision that warns (WARNING)"),
	P(ttc_critical_s, "s", TTC_CRITICAL_S, "time to collision that is CRITICAL"),
	P(hysteresis_s, "s", HYSTERESIS_S, "a held warning ends above ttc_warn_s plus this"),
	P(brake_assumed_mps2, "m/s2", BRAKE_ASSUMED_MPS2,
	  "a braking leader's deceleration when its BSM has no acceleration"),
	P(min_speed_mps, "m/s", MIN_SPEED_MPS, "followers slower than this are not warned"),
	P(stale_s, "s", STALE_S, "a vehicle not heard for longer no longer counts"),
	P(max_vehicles, "", MAX_VEHICLES, "vehicles the occupancy index holds"),
	P(cell_m, "m", CELL_M, "the occupancy index's cells along a lane"),
	P(default_length_m, "m", LENGTH_M, "a vehicle's length when its BSM gives none"),
	P(sweep_max, "", SWEEP_MAX, "stale vehicles removed from the index per tick"),
};

#undef P

/* Setting i of c (memcpy: the table knows offsets, not fields). */
#define N_PARAMS (sizeof(params) / sizeof(params[0]))

static bool cfg_valid(const struct brk_forward_collision_cfg *c)
{
	if (brk_app_params_bad(params, N_PARAMS, c) < N_PARAMS)
		return false;
	return c->ttc_warn_s >= c->ttc_critical_s && c->max_gap_cap_m >= c->max_gap_m &&
	       c->max_vehicles >= 1 && c->max_vehicles <= (double)BRK_FC_OCC_CAPACITY_MAX &&
	       c->sweep_max >= 1;
}

static int fc_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct brk_forward_collision_cfg c = { 0 };
	struct fc *st;
	int rc;

	if (cfg)
		c = *(const struct brk_forward_collision_cfg *)cfg;
	brk_app_params_default(params, N_PARAMS, &c);
	if (!cfg_valid(&c)) {
		snprintf(err, errlen,
		         "every setting must be a positive finite number, ttc_warn_s >= "
		         "ttc_critical_s, max_gap_cap_m >= max_gap_m, 1 <= max_vehicles <= %zu",
		         BRK_FC_OCC_CAPACITY_MAX);
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->cfg = c;
	st->stale_us = (int64_t)llround(c.stale_s * 1e6);
	rc = brk_fc_occ_new((size_t)c.max_vehicles, c.cell_m, &st->occ);
	if (rc < 0) {
		snprintf(err, errlen, "the occupancy index for %.0f vehicles: %s", c.max_vehicles,
		         v2x_err_name(rc));
		free(st);
		return rc;
	}
	*state = st;
	return 0;
}

static void fc_fini(void *state)
{
	struct fc *st = state;

	brk_fc_occ_free(st->occ);
	free(st);
}

const struct brk_forward_collision_stats *brk_forward_collision_stats(const void *state)
{
	return &((const struct fc *)state)->stats;
}

/* ---- the occupancy index ----------------------------------------------- */

static bool braking(const struct v2x_brakes *b)
{
	return (b->has_pedal && b->pedal == V2X_PEDAL_ON) ||
	       (b->has_wheel_brakes && (b->wheel_brakes & WHEEL_BRAKES_APPLIED) != 0);
}

/* Stores the BSM's vehicle; returns its entry. */
static struct brk_fc_occ_veh *store(struct fc *st, const struct brk_app_ctx *ctx,
                                    const struct brk_app_event *ev)
{
	const struct brk_track *tr = ev->track;
	const struct brk_track_state *l = &tr->latest;
	struct brk_fc_occ_state s = {
		.on_lane = tr->has_match,
		.lane_id = tr->has_match ? tr->match.lane_id : 0,
		.s = tr->has_match ? tr->match.s : NAN,
		.speed_mps = l->speed_mps,
		.accel_mps2 = l->accel.lon_mps2,
		.braking = braking(&l->brakes),
		.length_m = l->size.length_m > 0 && isfinite(l->size.length_m)
		                    ? l->size.length_m
		                    : st->cfg.default_length_m,
		.lat_deg = l->lat_deg,
		.lon_deg = l->lon_deg,
		.elev_m = l->elev_m,
		.seq = ev->seq,
	};
	size_t n = ev->rsu_id ? strnlen(ev->rsu_id, BRK_WARN_RSU_ID_MAX) : 0;

	memcpy(s.rsu_id, ev->rsu_id ? ev->rsu_id : "", n);
	s.rsu_id[n] = '\0';
	return brk_fc_occ_put(st->occ, tr->id, &s, ctx->now_us);
}

static bool fresh(const struct fc *st, const struct brk_app_ctx *ctx,
                  const struct brk_fc_occ_veh *v)
{
	return v && v->t_us >= ctx->now_us - st->stale_us;
}

/* ---- the leader -------------------------------------------------------- */

static double search_range(const struct brk_forward_collision_cfg *c, double v)
{
	return fmin(c->max_gap_cap_m, fmax(c->max_gap_m, v * c->gap_time_s));
}

/* Where the path stops being certain: the first fork's distance. */
static double first_fork(const struct brk_ahead *a)
{
	double d = INFINITY;

	for (size_t i = 0; i < a->n; i++)
		if (a->f[i].kind == MAP_INDEX_LANE_ENTER && a->f[i].at.branch > 0)
			d = fmin(d, a->f[i].at.dist_m);
	return d;
}

/* The nearest vehicle on the lanes the road ahead enters within range_m. */
static bool leader_entered(struct fc *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                           const struct brk_fc_occ_veh *self, double range_m, struct lead *out)
{
	const struct brk_ahead *a;
	int64_t since = ctx->now_us - st->stale_us;
	double fork;

	if (!ctx->ahead)
		return false;
	st->stats.ahead_reads++;
	a = brk_ahead_get(ctx->ahead, ctx->map, tr);
	fork = first_fork(a);
	out->v = NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct map_index_feature *f = &a->f[i];
		const struct brk_fc_occ_veh *v;
		/* Past the first fork only the lanes entered at it count. */
		if (f->kind != MAP_INDEX_LANE_ENTER || f->at.dist_m > range_m ||
		    f->at.dist_m > fork + 1e-6)
			continue;
		v = brk_fc_occ_nearest(st->occ, f->at.lane_id, f->at.s,
		                       f->at.s + range_m - f->at.dist_m, since, self);
		if (v && (!out->v || f->at.dist_m + v->st.s - f->at.s < out->dist_m))
			*out = (struct lead){ v, f->at.dist_m + v->st.s - f->at.s, true };
	}
	return out->v != NULL;
}

/* Whether the search range ends before the follower's lane does. */
static bool lane_goes_on(const struct brk_app_ctx *ctx, const struct brk_track *tr, double range_m)
{
	struct map_index_lane li;

	return map_index_lane(ctx->map, tr->match.lane_id, &li) == 0 &&
	       tr->match.s + range_m < li.length_m;
}

/* The follower's leader: on its own lane ahead, else on the lanes ahead. */
static bool find_leader(struct fc *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                        const struct brk_fc_occ_veh *self, struct lead *out)
{
	double s = tr->match.s, range_m = search_range(&st->cfg, tr->latest.speed_mps);
	const struct brk_fc_occ_veh *v =
	        brk_fc_occ_nearest(st->occ, tr->match.lane_id, nextafter(s, INFINITY), s + range_m,
	                           ctx->now_us - st->stale_us, self);

	if (v) {
		*out = (struct lead){ v, v->st.s - s, false };
		return true;
	}
	/* The road ahead only when the range reaches past the lane's end. */
	return !lane_goes_on(ctx, tr, range_m) && leader_entered(st, ctx, tr, self, range_m, out);
}

/* ---- the numbers ------------------------------------------------------- */

/* The time for the follower at v_f to close gap g on a leader at v_l
 * braking at b until it stops (forward_collision.h); INFINITY: never. */
static double time_to_collision(double g, double v_f, double v_l, double b)
{
	double dv = v_f - v_l;

	if (g <= 0)
		return 0;
	if (b > 0 && v_l > 0) {
		double t = 2 * g / (dv + sqrt(dv * dv + 2 * b * g));
		if (t <= v_l / b)
			return t;
		return v_f > 0 ? (g + v_l * v_l / (2 * b)) / v_f : INFINITY;
	}
	return dv > 0 ? g / dv : INFINITY;
}

static double deceleration(const struct brk_forward_collision_cfg *c,
                           const struct brk_fc_occ_state *l)
{
	if (isfinite(l->accel_mps2))
		return l->accel_mps2 < 0 ? -l->accel_mps2 : 0;
	return l->braking ? c->brake_assumed_mps2 : 0;
}

/* Gap and time to collision of the follower self behind ld, now. */
static struct eval evaluate(const struct fc *st, const struct brk_app_ctx *ctx,
                            const struct brk_fc_occ_veh *self, const struct lead *ld)
{
	const struct brk_fc_occ_state *l = &ld->v->st;
	double dt = fmax(0, (double)(ctx->now_us - ld->v->t_us) / 1e6);
	double v_l = fmax(0, l->speed_mps), b = deceleration(&st->cfg, l), moved;
	struct eval e;

	/* The leader's BSM is up to stale_s old: move it on to now. */
	if (b > 0 && dt >= v_l / b) {
		moved = v_l * v_l / (2 * b);
		v_l = 0;
	} else {
		moved = v_l * dt - b * dt * dt / 2;
		v_l -= b * dt;
	}
	e.gap_m = ld->dist_m + moved - (self->st.length_m + l->length_m) / 2;
	e.v_l = v_l;
	e.b = v_l > 0 ? b : 0;
	e.ttc_s = time_to_collision(e.gap_m, self->st.speed_mps, e.v_l, e.b);
	return e;
}

/* ---- warnings ---------------------------------------------------------- */

static void key_of(struct brk_warn_key *key, const uint8_t *target, const uint8_t *leader)
{
	memset(key, 0, sizeof(*key));
	key->type = TYPE;
	memcpy(key->target, target, V2X_ID_LEN);
	key->subject.kind = BRK_WARN_SUBJECT_VEHICLE;
	memcpy(key->subject.vehicle_id, leader, V2X_ID_LEN);
}

/* The severity of e, or 0: none. */
static V2x__Wire__Severity severity(const struct fc *st, const struct brk_app_ctx *ctx,
                                    const struct brk_warn_key *key, double v_f,
                                    const struct eval *e)
{
	const struct brk_forward_collision_cfg *c = &st->cfg;

	if (v_f < c->min_speed_mps || !(e->ttc_s <= c->ttc_warn_s + c->hysteresis_s))
		return 0;
	if (e->ttc_s <= c->ttc_critical_s)
		return V2X__WIRE__SEVERITY__SEVERITY_CRITICAL;
	if (e->ttc_s <= c->ttc_warn_s || brk_warn_find(ctx->warn, key))
		return V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	return 0;
}

/* Appends s (without its NUL) to *p. */
static void put_str(char **p, const char *s)
{
	while (*s)
		*(*p)++ = *s++;
}

/* Appends the decimal digits of n to *p. */
static void put_uint(char **p, unsigned long n)
{
	char d[24];
	size_t k = 0;

	do {
		d[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	while (k > 0)
		*(*p)++ = d[--k];
}

/*
 * Writes "WHAT: G m, T.T s" into text (BRK_WARN_TEXT_MAX + 1 bytes, what
 * is short): snprintf's %f costs a few hundred ns, more than the rest of a
 * raise.  gap_m >= 0 and 0 <= ttc_s <= ttc_warn_s + hysteresis_s.
 */
static void describe(char *text, const char *what, double gap_m, double ttc_s)
{
	unsigned long tenths = (unsigned long)lround(fmin(ttc_s, 1e6) * 10);
	char *p = text;

	put_str(&p, what);
	put_str(&p, ": ");
	put_uint(&p, (unsigned long)lround(fmin(gap_m, 1e9)));
	put_str(&p, " m, ");
	put_uint(&p, tenths / 10);
	*p++ = '.';
	*p++ = (char)('0' + tenths % 10);
	put_str(&p, " s");
	*p = '\0';
}

static const char *what(const struct eval *e)
{
	if (e->v_l < STOPPED_MPS)
		return "Stopped vehicle ahead";
	return e->b > 0 ? "Vehicle ahead braking" : "Closing on vehicle ahead";
}

/* Raises the warning e calls for, if any; true when one is held. */
static bool raise_one(struct fc *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                      const struct brk_fc_occ_veh *self, const struct lead *ld,
                      const struct eval *e)
{
	const struct brk_fc_occ_state *l = &ld->v->st;
	char text[BRK_WARN_TEXT_MAX + 1];
	struct brk_warn_spec s = {
		.lat_deg = l->lat_deg,
		.lon_deg = l->lon_deg,
		.elev_m = l->elev_m,
		.distance_m = fmax(0, e->gap_m),
		.time_to_event_s = e->ttc_s,
		.advisory_speed_mps = e->v_l,
		.n_sources = 2,
		.sources = { { ev->rsu_id, ev->seq }, { l->rsu_id, l->seq } },
		.trigger_rx_time_us = ev->rx_time_us,
		.text = text,
		.target_lat_deg = self->st.lat_deg,
		.target_lon_deg = self->st.lon_deg,
	};

	key_of(&s.key, self->id, ld->v->id);
	s.severity = severity(st, ctx, &s.key, self->st.speed_mps, e);
	if (s.severity == 0)
		return false;
	describe(text, what(e), s.distance_m, e->ttc_s);
	st->stats.raises++;
	if (brk_warn_raise(ctx->warn, &s, ctx->now_us) < 0) {
		st->stats.raise_refused++;
		return false;
	}
	return true;
}

/* Ends one warning: RESOLVED while its leader is heard, else SOURCE_LOST. */
static void end_warning(struct fc *st, const struct brk_app_ctx *ctx,
                        const struct brk_warn_entry *e)
{
	bool heard = fresh(st, ctx, brk_fc_occ_find(st->occ, e->key.subject.vehicle_id));

	brk_warn_clear(ctx->warn, &e->key,
	               heard ? V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED
	                     : V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST,
	               ctx->now_us);
	if (heard)
		st->stats.resolved++;
	else
		st->stats.lost++;
}

/* Clears the follower's warnings not raised since mark; returns whether
 * any of this application's is left. */
static bool clear_unseen(struct fc *st, const struct brk_app_ctx *ctx, const uint8_t *target,
                         uint64_t mark)
{
	const struct brk_warn_entry *e = brk_warn_next_for_target(ctx->warn, target, NULL);
	bool left = false;

	for (; e; e = brk_warn_next_for_target(ctx->warn, target, e)) {
		if (e->key.type != TYPE)
			continue;
		if (e->raise_seq <= mark)
			end_warning(st, ctx, e);
		else
			left = true;
	}
	return left;
}

static void fc_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct fc *st = state;
	struct brk_fc_occ_veh *self;
	struct lead ld;
	uint64_t mark;
	bool held = false;

	if (ev->type != V2X_MSG_BSM || !ev->track || !ctx->map)
		return;
	st->stats.bsms++;
	self = store(st, ctx, ev);
	if (!ev->track->has_match) {
		st->stats.unmatched++;
		return;
	}
	if (!isfinite(self->st.speed_mps)) {
		st->stats.no_speed++;
		return;
	}
	mark = brk_warn_raises(ctx->warn);
	/* Too slow to be warned (a queue, a stop): no search at all. */
	if (self->st.speed_mps >= st->cfg.min_speed_mps &&
	    find_leader(st, ctx, ev->track, self, &ld)) {
		struct eval e;
		/* Unknown speed: no numbers; the lifecycle's timeout decides. */
		if (!isfinite(ld.v->st.speed_mps)) {
			st->stats.no_speed++;
			return;
		}
		e = evaluate(st, ctx, self, &ld);
		st->stats.leaders++;
		st->stats.leaders_entered += ld.entered;
		memcpy(st->stats.last_leader, ld.v->id, V2X_ID_LEN);
		st->stats.last_gap_m = e.gap_m;
		st->stats.last_ttc_s = e.ttc_s;
		held = raise_one(st, ctx, ev, self, &ld, &e);
	}
	/* self->mark: a warning of this follower may be held (set when one
	 * is raised, and for a vehicle new to the index), so that most BSMs
	 * skip the lookup in the warning table. */
	if (held || self->mark)
		self->mark = clear_unseen(st, ctx, self->id, mark);
}

/* Forgets the vehicles gone silent and ends the warnings about them. */
static void fc_tick(void *state, const struct brk_app_ctx *ctx)
{
	struct fc *st = state;
	const struct brk_warn_entry *e;

	st->stats.swept +=
	        brk_fc_occ_sweep(st->occ, ctx->now_us - st->stale_us, (size_t)st->cfg.sweep_max);
	for (e = brk_warn_next_of_type(ctx->warn, TYPE, NULL); e;
	     e = brk_warn_next_of_type(ctx->warn, TYPE, e)) {
		if (e->key.type != TYPE || e->key.subject.kind != BRK_WARN_SUBJECT_VEHICLE)
			continue;
		if (!fresh(st, ctx, brk_fc_occ_find(st->occ, e->key.subject.vehicle_id)))
			end_warning(st, ctx, e);
	}
}

/* Lane ids may mean other lanes now: start the index afresh. */
static void fc_map(void *state, const struct brk_app_ctx *ctx)
{
	struct fc *st = state;

	(void)ctx;
	brk_fc_occ_clear(st->occ);
}

const struct brk_app brk_forward_collision_app = {
	.name = "forward_collision",
	.init = fc_init,
	.on_observation = fc_observation,
	.on_tick = fc_tick,
	.on_map = fc_map,
	.fini = fc_fini,
	.cfg_size = sizeof(struct brk_forward_collision_cfg),
	.params = params,
	.n_params = sizeof(params) / sizeof(params[0]),
};
