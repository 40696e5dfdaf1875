/*
 * curve_speed: curve speed warning (curve_speed.h).
 */
#include "broker/apps/curve_speed/curve_speed.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_CURVE_SPEED

#define G_MPS2 9.80665
/* Below this effective deceleration the grade eats the braking. */
#define A_EFF_MIN 0.05
/* The steepest mean downgrade the cheap reach test allows for: no public
 * road keeps 15 % over the distances a warning looks ahead. */
#define GRADE_FLOOR (-0.15)
/* Without positions: a curve within this beyond the distance last emitted
 * may be the one the warning is about (GNSS jitter along the lane). */
#define SAME_SLACK_M 5.0
/* Curves remembered (direct-mapped by curve id): their profile facts,
 * read at every BSM for every curve ahead, and their start's position. */
#define POS_CACHE 256
/* The longest time to the curve's end an expiry allows for. */
#define TRAVEL_MAX_S 60.0
/* Event sources a warning names besides the BSM. */
#define EVENT_SOURCES (BRK_WARN_SOURCES_MAX - 1)

enum surface { DRY = 0, WET, SNOW, ICE };

static const char *const surface_name[] = { "dry", "wet", "snow", "ice" };

struct curve_pos {
	const struct map_index *map;
	uint32_t curve_id;
	bool ok;                 /* the profile had both points */
	double super_mid;        /* superelevation at the middle of the arc */
	double x0, y0;           /* the curve's start, local frame */
	double elev_m;           /* its height */
	bool has_ll;             /* lat_deg and lon_deg made */
	double lat_deg, lon_deg; /* NaN without a frame */
};

/* One curve ahead, as it stands for one vehicle. */
struct cand {
	const struct map_curve *c;
	double dist_m;  /* to its start along the road, 0 inside */
	double end_m;   /* to the end of its arc */
	double adv_mps; /* v_a */
	double need_m, need_hard_m;
	double slack_m; /* dist_m - need_m - v margin_s */
	enum surface surface;
	bool fog;
	size_t n_src;
	struct brk_warn_source src[EVENT_SOURCES];
};

struct cs {
	struct brk_curve_speed_cfg cfg;
	struct brk_curve_speed_stats stats;
	double v_fog; /* the fog bound, from the configuration */
	struct curve_pos pos[POS_CACHE];
	char text[BRK_WARN_TEXT_MAX + 1];
};

/* What one BSM's evaluation works with. */
struct pass {
	struct cs *st;
	const struct brk_app_ctx *ctx;
	const struct brk_track *tr;
	double v;
	struct map_sample at; /* the vehicle's lane profile at its match */
	const struct brk_warn_entry *held;
};

/* ---- configuration ----------------------------------------------------- */

#define OFF(f) offsetof(struct brk_curve_speed_cfg, f)

static const struct brk_app_param params[] = {
	{ "friction_dry", OFF(friction_dry), "", BRK_CURVE_SPEED_DEFAULT_FRICTION_DRY,
	  "side friction f, dry road" },
	{ "friction_wet", OFF(friction_wet), "", BRK_CURVE_SPEED_DEFAULT_FRICTION_WET,
	  "side friction f, wet road" },
	{ "friction_snow", OFF(friction_snow), "", BRK_CURVE_SPEED_DEFAULT_FRICTION_SNOW,
	  "side friction f, snow" },
	{ "friction_ice", OFF(friction_ice), "", BRK_CURVE_SPEED_DEFAULT_FRICTION_ICE,
	  "side friction f, ice" },
	{ "event_wet", OFF(event_wet), "", BRK_CURVE_SPEED_DEFAULT_EVENT_WET,
	  "RSI event type of a wet road" },
	{ "event_fog", OFF(event_fog), "", BRK_CURVE_SPEED_DEFAULT_EVENT_FOG,
	  "RSI event type of fog" },
	{ "event_snow", OFF(event_snow), "", BRK_CURVE_SPEED_DEFAULT_EVENT_SNOW,
	  "RSI event type of snow" },
	{ "event_ice", OFF(event_ice), "", BRK_CURVE_SPEED_DEFAULT_EVENT_ICE,
	  "RSI event type of ice" },
	{ "visibility_m", OFF(visibility_m), "m", BRK_CURVE_SPEED_DEFAULT_VISIBILITY_M,
	  "visibility in fog" },
	{ "approach_m", OFF(approach_m), "m", BRK_CURVE_SPEED_DEFAULT_APPROACH_M,
	  "events this far before a curve count for it" },
	{ "reaction_s", OFF(reaction_s), "s", BRK_CURVE_SPEED_DEFAULT_REACTION_S,
	  "reaction time t_r" },
	{ "decel_mps2", OFF(decel_mps2), "m/s2", BRK_CURVE_SPEED_DEFAULT_DECEL_MPS2,
	  "comfortable deceleration" },
	{ "hard_decel_mps2", OFF(hard_decel_mps2), "m/s2", BRK_CURVE_SPEED_DEFAULT_HARD_DECEL,
	  "hard deceleration: CRITICAL when even it is too late" },
	{ "margin_s", OFF(margin_s), "s", BRK_CURVE_SPEED_DEFAULT_MARGIN_S,
	  "lead before comfortable braking must begin: the issue" },
	{ "warning_s", OFF(warning_s), "s", BRK_CURVE_SPEED_DEFAULT_WARNING_S,
	  "lead below which the severity is WARNING" },
	{ "tolerance_mps", OFF(tolerance_mps), "m/s", BRK_CURVE_SPEED_DEFAULT_TOLERANCE_MPS,
	  "warn only above the advisory speed plus this" },
	{ "hysteresis_mps", OFF(hysteresis_mps), "m/s", BRK_CURVE_SPEED_DEFAULT_HYSTERESIS_MPS,
	  "resolved at or below the advisory speed plus this" },
	{ "min_speed_mps", OFF(min_speed_mps), "m/s", BRK_CURVE_SPEED_DEFAULT_MIN_SPEED_MPS,
	  "time to the curve unknown below" },
	{ "hold_s", OFF(hold_s), "s", BRK_CURVE_SPEED_DEFAULT_HOLD_S,
	  "expiry: the time to the curve's end at the current speed plus this" },
};

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

static bool cfg_ok(const struct brk_curve_speed_cfg *c)
{
	return c->friction_dry > 0 && c->friction_wet > 0 && c->friction_snow > 0 &&
	       c->friction_ice > 0 && c->visibility_m > 0 && c->approach_m >= 0 &&
	       c->reaction_s > 0 && c->decel_mps2 > 0 && c->hard_decel_mps2 >= c->decel_mps2 &&
	       c->margin_s >= c->warning_s && c->warning_s > 0 &&
	       c->tolerance_mps >= c->hysteresis_mps && c->hysteresis_mps > 0 &&
	       c->min_speed_mps > 0 && c->hold_s > 0;
}

static int cs_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct cs *st;
	struct brk_curve_speed_cfg c = { 0 };
	double a, t;

	if (cfg)
		c = *(const struct brk_curve_speed_cfg *)cfg;
	brk_app_params_default(params, N_PARAMS, &c);
	if (!cfg_ok(&c)) {
		snprintf(err, errlen,
		         "frictions, visibility, times and decelerations must be positive, "
		         "hard_decel_mps2 >= decel_mps2, margin_s >= warning_s and "
		         "tolerance_mps >= hysteresis_mps");
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->cfg = c;
	a = c.decel_mps2;
	t = c.reaction_s;
	st->v_fog = a * (-t + sqrt(t * t + 2 * c.visibility_m / a));
	*state = st;
	return 0;
}

static void cs_fini(void *state)
{
	free(state);
}

const struct brk_curve_speed_stats *brk_curve_speed_stats(const void *state)
{
	return &((const struct cs *)state)->stats;
}

/* ---- the curve's conditions -------------------------------------------- */

static double friction(const struct brk_curve_speed_cfg *c, enum surface s)
{
	switch (s) {
	case WET:
		return c->friction_wet;
	case SNOW:
		return c->friction_snow;
	case ICE:
		return c->friction_ice;
	default:
		return c->friction_dry;
	}
}

/* Names hz among k's sources once (a hazard with two intervals on the
 * lane is met twice). */
static void add_source(struct cand *k, const struct brk_hazard *hz)
{
	for (size_t i = 0; i < k->n_src; i++)
		if (k->src[i].rsu_id == hz->rsu_id && k->src[i].seq == hz->seq)
			return;
	if (k->n_src < EVENT_SOURCES)
		k->src[k->n_src++] = (struct brk_warn_source){ hz->rsu_id, hz->seq };
}

/* Applies one event to the curve: the worst surface and fog. */
static void apply_event(const struct brk_curve_speed_cfg *c, struct cand *k,
                        const struct brk_hazard *hz)
{
	double t = hz->event_type;
	enum surface s = DRY;

	if (t == c->event_fog) {
		k->fog = true;
		add_source(k, hz);
		return;
	}
	if (t == c->event_ice)
		s = ICE;
	else if (t == c->event_snow)
		s = SNOW;
	else if (t == c->event_wet)
		s = WET;
	if (s == DRY)
		return;
	if (friction(c, s) < friction(c, k->surface))
		k->surface = s;
	add_source(k, hz);
}

/* The active RSI events on the curve's lane over [s0 - approach_m, s1]. */
static void conditions(const struct pass *p, struct cand *k)
{
	const struct brk_app_ctx *ctx = p->ctx;
	const struct map_curve *c = k->c;
	double from = c->s0 - p->st->cfg.approach_m;
	struct brk_hazards_iter it;
	struct brk_lane_span sp;
	const struct brk_hazard *hz;

	if (!ctx->hazards || brk_hazards_stats(ctx->hazards)->live == 0)
		return;
	for (hz = brk_hazards_lane_first(ctx->hazards, c->lane_id, &it, &sp); hz;
	     hz = brk_hazards_lane_next(ctx->hazards, &it, &sp)) {
		if (hz->kind != BRK_HAZARD_RSI || sp.s_to < from || sp.s_from > c->s1 ||
		    !brk_hazard_active(hz, ctx->now_us))
			continue;
		apply_event(&p->st->cfg, k, hz);
	}
}

/* The distance to reach v_a from v with deceleration a on grade: need(a). */
static double need(const struct brk_curve_speed_cfg *c, double v, double v_a, double a,
                   double grade)
{
	double a_eff = a + G_MPS2 * grade;

	if (a_eff <= A_EFF_MIN)
		return INFINITY;
	return v * c->reaction_s + (v * v - v_a * v_a) / (2 * a_eff);
}

/* Whether the curve lies beyond where even stopping, on the steepest
 * downgrade allowed for, would need a warning: the cheap test that spares
 * the far curves their profile and event look-ups. */
static bool beyond_reach(const struct brk_curve_speed_cfg *c, double v, double dist_m)
{
	return dist_m > need(c, v, 0, c->decel_mps2, GRADE_FLOOR) + v * c->margin_s;
}

/* What the profile says about curve cv, looked up once per curve: its
 * superelevation at the middle of the arc and its start. */
static struct curve_pos *curve_at(struct pass *p, const struct map_curve *cv)
{
	struct curve_pos *cp = &p->st->pos[(cv->id * 2654435761U) % POS_CACHE];
	struct map_sample mid, start;

	if (cp->map == p->ctx->map && cp->curve_id == cv->id)
		return cp;
	*cp = (struct curve_pos){ .map = p->ctx->map, .curve_id = cv->id, .elev_m = NAN };
	if (map_index_profile_at(p->ctx->map, cv->lane_id, (cv->arc_s0 + cv->arc_s1) / 2, &mid) <
	            0 ||
	    map_index_profile_at(p->ctx->map, cv->lane_id, cv->s0, &start) < 0)
		return cp;
	cp->ok = true;
	cp->super_mid = mid.superelevation;
	cp->x0 = start.x;
	cp->y0 = start.y;
	cp->elev_m = start.z;
	return cp;
}

/* The position of the curve's start in WGS84 (made once: a conversion
 * costs about a microsecond). */
static const struct curve_pos *curve_pos(struct pass *p, const struct map_curve *cv)
{
	struct curve_pos *cp = curve_at(p, cv);

	if (cp->has_ll)
		return cp;
	cp->has_ll = true;
	cp->lat_deg = cp->lon_deg = NAN;
	if (cp->ok && p->ctx->frame &&
	    map_frame_to_wgs84(p->ctx->frame, cp->x0, cp->y0, &cp->lat_deg, &cp->lon_deg) < 0)
		cp->lat_deg = cp->lon_deg = NAN;
	return cp;
}

/*
 * Evaluates the curve of the CURVE_START feature f for the pass: false
 * when its arc lies behind the vehicle, or it is out of reach (unless a
 * warning is held: it may be about this curve), or its record is unusable.
 */
static bool evaluate(struct pass *p, const struct map_index_feature *f, struct cand *k)
{
	const struct brk_curve_speed_cfg *c = &p->st->cfg;
	const struct map_curve *cv = f->u.curve;
	const struct curve_pos *cp;
	double e, grade, v = p->v;

	if (!(cv->radius_m > 0) || f->at.dist_m + (cv->arc_s1 - cv->s0) <= 0)
		return false;
	*k = (struct cand){ .c = cv,
		            .dist_m = fmax(0, f->at.dist_m),
		            .end_m = f->at.dist_m + (cv->arc_s1 - cv->s0) };
	if (!p->held && beyond_reach(c, v, k->dist_m))
		return false;
	cp = curve_at(p, cv);
	if (!cp->ok)
		return false;
	p->st->stats.curves++;
	conditions(p, k);
	e = -cv->turn * cp->super_mid;
	k->adv_mps = sqrt(G_MPS2 * cv->radius_m * fmax(0, e + friction(c, k->surface)));
	if (k->fog)
		k->adv_mps = fmin(k->adv_mps, p->st->v_fog);
	grade = k->dist_m >= 1 ? (cp->elev_m - p->at.z) / k->dist_m : p->at.grade;
	k->need_m = need(c, v, k->adv_mps, c->decel_mps2, grade);
	k->need_hard_m = need(c, v, k->adv_mps, c->hard_decel_mps2, grade);
	k->slack_m = k->dist_m - k->need_m - v * c->margin_s;
	return true;
}

/* ---- curve identity ---------------------------------------------------- */

/* Whether the held warning is about k's curve (see the header). */
static bool same_curve(struct pass *p, const struct cand *k, bool nearest)
{
	const struct brk_warn_entry *h = p->held;
	const struct curve_pos *cp;

	if (isnan(h->lat_deg))
		return nearest && k->dist_m <= h->distance_m + SAME_SLACK_M;
	cp = curve_pos(p, k->c);
	return fabs(cp->lat_deg - h->lat_deg) < 1e-7 && fabs(cp->lon_deg - h->lon_deg) < 1e-7;
}

/* ---- warnings ---------------------------------------------------------- */

static void key_of(struct brk_warn_key *key, const struct brk_track *tr)
{
	*key = (struct brk_warn_key){ .type = TYPE };
	memcpy(key->target, tr->id, V2X_ID_LEN);
}

static V2x__Wire__Severity severity(const struct pass *p, const struct cand *k)
{
	if (k->dist_m <= 0 || k->need_hard_m >= k->dist_m)
		return V2X__WIRE__SEVERITY__SEVERITY_CRITICAL;
	if (k->need_m + p->v * p->st->cfg.warning_s >= k->dist_m)
		return V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	return V2X__WIRE__SEVERITY__SEVERITY_ADVISORY;
}

static const char *make_text(struct cs *st, const struct cand *k)
{
	const char *what = k->c->hairpin ? "Hairpin bend" : "Sharp curve";
	char where[32] = "", why[32] = "";

	if (k->dist_m > 0)
		snprintf(where, sizeof(where), " in %.0f m", k->dist_m);
	if (k->surface != DRY || k->fog)
		snprintf(why, sizeof(why), " (%s%s%s)",
		         k->surface != DRY ? surface_name[k->surface] : "",
		         k->surface != DRY && k->fog ? ", " : "", k->fog ? "fog" : "");
	snprintf(st->text, sizeof(st->text), "%s%s: slow to %.0f km/h%s", what, where,
	         k->adv_mps * 3.6, why);
	return st->text;
}

/* The warning's expiry: when the vehicle will have passed the curve's arc
 * at its current speed (at most TRAVEL_MAX_S ahead), plus hold_s; a
 * warning confirmed at every BSM then needs no re-emission to stay valid
 * for its subscribers while the vehicle drives on. */
static int64_t expiry(const struct pass *p, const struct cand *k)
{
	const struct brk_curve_speed_cfg *c = &p->st->cfg;
	double t = p->v >= c->min_speed_mps ? fmin(TRAVEL_MAX_S, k->end_m / p->v) : 0;

	return p->ctx->now_us + (int64_t)((t + c->hold_s) * 1e6);
}

static void raise_one(struct pass *p, const struct brk_app_event *ev, const struct cand *k)
{
	struct cs *st = p->st;
	const struct curve_pos *cp = curve_pos(p, k->c);
	struct brk_warn_spec s = {
		.severity = severity(p, k),
		.lat_deg = cp->lat_deg,
		.lon_deg = cp->lon_deg,
		.elev_m = cp->elev_m,
		.distance_m = k->dist_m,
		.time_to_event_s = p->v >= st->cfg.min_speed_mps ? k->dist_m / p->v : NAN,
		.advisory_speed_mps = k->adv_mps,
		.expiry_us = expiry(p, k),
		.n_sources = 1 + k->n_src,
		.sources = { { ev->rsu_id, ev->seq } },
		.trigger_rx_time_us = ev->rx_time_us,
		.text = make_text(st, k),
		.target_lat_deg = p->tr->latest.lat_deg,
		.target_lon_deg = p->tr->latest.lon_deg,
	};

	key_of(&s.key, p->tr);
	memcpy(&s.sources[1], k->src, k->n_src * sizeof(k->src[0]));
	if (k->surface != DRY)
		st->stats.slippery++;
	if (k->fog && st->v_fog < k->adv_mps + 1e-9)
		st->stats.fog++;
	if (brk_warn_raise(p->ctx->warn, &s, p->ctx->now_us) < 0)
		st->stats.raise_refused++;
}

/* What choose() found about the held warning's curve. */
struct held_state {
	bool found; /* still ahead (or in it) */
	bool kept;  /* and the vehicle still above its v_a + hysteresis_mps */
	bool best;  /* and it is the curve to warn about */
};

/* The curve to warn about (false: none): the due or kept curve of least
 * slack; *h says what became of the held warning's curve. */
static bool choose(struct pass *p, struct cand *best, struct held_state *h)
{
	const struct brk_curve_speed_cfg *c = &p->st->cfg;
	const struct brk_ahead *a = brk_ahead_get(p->ctx->ahead, p->ctx->map, p->tr);
	bool any = false, nearest = true;
	struct cand k;

	*h = (struct held_state){ 0 };
	if (a->rc < 0 && a->rc != V2X_ETOO_BIG)
		p->st->stats.walk_errors++;
	for (size_t i = 0; i < a->n; i++) {
		const struct map_index_feature *f = &a->f[i];
		bool due, same = false;
		if (f->kind != MAP_INDEX_CURVE_START || f->at.branch != 0 || !evaluate(p, f, &k))
			continue;
		if (p->held && !h->found && same_curve(p, &k, nearest)) {
			same = h->found = true;
			h->kept = p->v > k.adv_mps + c->hysteresis_mps;
		}
		nearest = false;
		due = p->v > k.adv_mps + c->tolerance_mps && k.slack_m <= 0;
		if ((due || (same && h->kept)) && (!any || k.slack_m < best->slack_m)) {
			*best = k;
			h->best = same;
			any = true;
		}
	}
	return any;
}

/* Ends the held warning whose curve is no longer the one to warn about. */
static void end_held(struct pass *p, const struct held_state *h)
{
	struct cs *st = p->st;
	struct brk_warn_key key = p->held->key;
	V2x__Wire__CancelReason why = V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED;

	if (h->kept) {
		st->stats.superseded++;
		why = V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SUPERSEDED;
	} else if (h->found) {
		st->stats.slowed++;
	} else {
		st->stats.passed++;
	}
	brk_warn_clear(p->ctx->warn, &key, why, p->ctx->now_us);
	p->held = NULL;
}

static void cs_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct cs *st = state;
	struct pass p = { .st = st, .ctx = ctx, .tr = ev->track };
	struct brk_warn_key key;
	struct held_state h;
	struct cand best;
	bool any;

	if (ev->type != V2X_MSG_BSM || !p.tr || !ctx->map || !ctx->ahead)
		return;
	st->stats.bsms++;
	if (!p.tr->has_match) {
		st->stats.unmatched++;
		return;
	}
	p.v = p.tr->latest.speed_mps;
	if (!isfinite(p.v) || brk_ahead_here(ctx->ahead, ctx->map, p.tr, &p.at) < 0) {
		st->stats.no_speed++;
		return;
	}
	key_of(&key, p.tr);
	p.held = brk_warn_find(ctx->warn, &key);
	any = choose(&p, &best, &h);
	if (p.held && !(any && h.best))
		end_held(&p, &h);
	if (any)
		raise_one(&p, ev, &best);
}

/* Nothing to end here: a vehicle that went silent stops confirming its
 * warning, and the lifecycle's confirm timeout ends it (SOURCE_LOST). */
static void cs_tick(void *state, const struct brk_app_ctx *ctx)
{
	(void)state;
	(void)ctx;
}

/* Positions cached belong to the old map. */
static void cs_map(void *state, const struct brk_app_ctx *ctx)
{
	struct cs *st = state;

	(void)ctx;
	memset(st->pos, 0, sizeof(st->pos));
}

const struct brk_app brk_curve_speed_app = {
	.name = "curve_speed",
	.init = cs_init,
	.on_observation = cs_observation,
	.on_tick = cs_tick,
	.on_map = cs_map,
	.fini = cs_fini,
	.cfg_size = sizeof(struct brk_curve_speed_cfg),
	.params = params,
	.n_params = N_PARAMS,
};
