/*
 * hazard_ahead: hazard ahead in lane (hazard_ahead.h).
 */
#include "broker/apps/hazard_ahead.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/err.h"

#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD

struct met {
	const struct brk_hazard *hz;
	double dist_m;
};

struct ha {
	struct brk_hazard_ahead_cfg cfg;
	struct brk_hazard_ahead_stats stats;
	/* One walk's scratch. */
	const struct brk_app_ctx *ctx;
	double horizon_m;
	size_t n_met;
	struct met met[BRK_HAZARD_AHEAD_MET_MAX];
};

/* ---- configuration ----------------------------------------------------- */

/* The settings (their table is below, beside the application's). */
#define HA_N_PARAMS 6
static const struct brk_app_param params[HA_N_PARAMS];

static int ha_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct ha *st;
	struct brk_hazard_ahead_cfg c = { 0 };

	if (cfg)
		c = *(const struct brk_hazard_ahead_cfg *)cfg;
	brk_app_params_default(params, HA_N_PARAMS, &c);
	if (!(c.min_horizon_m > 0 && c.horizon_s > 0 && c.max_horizon_m >= c.min_horizon_m &&
	      c.critical_s > 0 && c.warning_s >= c.critical_s && c.min_speed_mps > 0)) {
		snprintf(err, errlen,
		         "horizon and thresholds must be positive, max_horizon_m >= "
		         "min_horizon_m and warning_s >= critical_s");
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->cfg = c;
	*state = st;
	return 0;
}

static void ha_fini(void *state)
{
	free(state);
}

const struct brk_hazard_ahead_stats *brk_hazard_ahead_stats(const void *state)
{
	return &((const struct ha *)state)->stats;
}

/* ---- the walk ---------------------------------------------------------- */

static void add_met(struct ha *st, const struct brk_hazard *hz, double dist_m)
{
	for (size_t i = 0; i < st->n_met; i++)
		if (st->met[i].hz == hz) {
			st->met[i].dist_m = fmin(st->met[i].dist_m, dist_m);
			return;
		}
	if (st->n_met == BRK_HAZARD_AHEAD_MET_MAX) {
		st->stats.met_overflow++;
		return;
	}
	st->met[st->n_met++] = (struct met){ hz, dist_m };
}

/* The hazards on [s_from, s_to] of lane, which the walk reached at
 * distance dist0 (at s_from). */
static void scan_lane(struct ha *st, uint32_t lane, double s_from, double s_to, double dist0)
{
	const struct brk_app_ctx *ctx = st->ctx;
	struct brk_hazards_iter it;
	struct brk_lane_span sp;
	const struct brk_hazard *hz;

	for (hz = brk_hazards_lane_first(ctx->hazards, lane, &it, &sp); hz;
	     hz = brk_hazards_lane_next(ctx->hazards, &it, &sp)) {
		if (sp.s_to < s_from || sp.s_from > s_to || !brk_hazard_active(hz, ctx->now_us))
			continue;
		add_met(st, hz, dist0 + fmax(0, sp.s_from - s_from));
	}
}

/* Scans the part of lane the horizon covers from (s, dist0). */
static void cover_lane(struct ha *st, uint32_t lane, double s, double dist0)
{
	struct map_index_lane info;

	if (dist0 > st->horizon_m || map_index_lane(st->ctx->map, lane, &info) < 0)
		return;
	scan_lane(st, lane, s, fmin(info.length_m, s + st->horizon_m - dist0), dist0);
}

static int on_feature(void *arg, const struct map_index_feature *f)
{
	if (f->kind == MAP_INDEX_LANE_ENTER)
		cover_lane(arg, f->at.lane_id, 0, f->at.dist_m);
	return MAP_INDEX_WALK_GO;
}

static double horizon(const struct brk_hazard_ahead_cfg *c, double speed_mps)
{
	double h = c->min_horizon_m;

	if (isfinite(speed_mps))
		h = fmax(h, speed_mps * c->horizon_s);
	return fmin(h, c->max_horizon_m);
}

/* Walks ahead of the track's match; false when the walk was refused. */
static bool walk(struct ha *st, const struct brk_app_ctx *ctx, const struct brk_track *tr)
{
	struct map_index_walk w = { .on_feature = on_feature, .arg = st };
	int rc;

	st->ctx = ctx;
	st->n_met = 0;
	st->horizon_m = horizon(&st->cfg, tr->latest.speed_mps);
	w.distance_m = st->horizon_m;
	st->stats.walks++;
	cover_lane(st, tr->match.lane_id, tr->match.s, 0);
	if (ctx->ahead && st->horizon_m <= BRK_AHEAD_DISTANCE_M) {
		/* The road ahead the applications share reaches far enough. */
		const struct brk_ahead *a = brk_ahead_get(ctx->ahead, ctx->map, tr);
		for (size_t i = 0; i < a->n; i++)
			on_feature(st, &a->f[i]);
		rc = a->rc;
	} else {
		rc = map_index_walk(ctx->map, tr->match.lane_id, tr->match.s, &w);
	}
	/* V2X_ETOO_BIG: more forks than a walk follows; what it walked stands. */
	if (rc < 0 && rc != V2X_ETOO_BIG) {
		st->stats.walk_errors++;
		return false;
	}
	st->stats.met += st->n_met;
	return true;
}

/* ---- warnings ---------------------------------------------------------- */

static const char *hazard_text(const struct brk_hazard *hz)
{
	if (hz->kind == BRK_HAZARD_RSM) {
		switch (hz->ptc_type) {
		case V2X_PTC_PEDESTRIAN:
			return "Pedestrian in the lane ahead";
		case V2X_PTC_MOTOR:
			return "Stopped vehicle in the lane ahead";
		case V2X_PTC_NON_MOTOR:
			return "Stopped cycle in the lane ahead";
		default:
			return "Obstacle or animal in the lane ahead";
		}
	}
	/* GB/T 29100 codes as the project's RSI messages use them. */
	switch (hz->event_type) {
	case 401:
		return "Rockfall ahead in the lane";
	case 707:
		return "Ice ahead in the lane";
	case 501:
		return "Road works ahead in the lane";
	default:
		return "Hazard ahead in the lane";
	}
}

static V2x__Wire__Severity severity(const struct brk_hazard_ahead_cfg *c, double dist_m,
                                    double tte_s)
{
	if (dist_m <= 0 || tte_s <= c->critical_s)
		return V2X__WIRE__SEVERITY__SEVERITY_CRITICAL;
	if (tte_s <= c->warning_s)
		return V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	return V2X__WIRE__SEVERITY__SEVERITY_ADVISORY;
}

static void raise_one(struct ha *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                      const struct brk_app_event *ev, const struct met *m)
{
	const struct brk_hazard *hz = m->hz;
	double v = tr->latest.speed_mps;
	struct brk_warn_spec s = {
		.lat_deg = hz->lat_deg,
		.lon_deg = hz->lon_deg,
		.elev_m = hz->elev_m,
		.distance_m = m->dist_m,
		.time_to_event_s = v >= st->cfg.min_speed_mps ? m->dist_m / v : NAN,
		.advisory_speed_mps = NAN,
		.expiry_us = hz->expiry_us,
		.n_sources = 2,
		.sources = { { hz->rsu_id, hz->seq }, { ev->rsu_id, ev->seq } },
		.trigger_rx_time_us = ev->rx_time_us,
		.text = hazard_text(hz),
		.target_lat_deg = tr->latest.lat_deg,
		.target_lon_deg = tr->latest.lon_deg,
	};

	brk_warn_key_hazard(&s.key, TYPE, tr->id, hz->id, hz->kind == BRK_HAZARD_RSI,
	                    hz->event_type, hz->kind == BRK_HAZARD_RSM, hz->ptc_type);
	s.severity = severity(&st->cfg, s.distance_m, s.time_to_event_s);
	if (brk_warn_raise(ctx->warn, &s, ctx->now_us) < 0)
		st->stats.raise_refused++;
}

/* Why a warning about hazard id ends when the walk does not meet it. */
static V2x__Wire__CancelReason end_reason(const struct brk_app_ctx *ctx, uint64_t id)
{
	const struct brk_hazard *hz = brk_hazards_find(ctx->hazards, id);

	if (!hz)
		return V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST;
	if (ctx->now_us >= hz->expiry_us && !hz->expiry_is_end)
		return V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST;
	return V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED;
}

/* Clears the track's hazard-ahead warnings not raised since mark. */
static void clear_unseen(struct ha *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                         uint64_t mark)
{
	const struct brk_warn_entry *e = brk_warn_next_for_target(ctx->warn, tr->id, NULL);

	for (; e; e = brk_warn_next_for_target(ctx->warn, tr->id, e)) {
		if (e->key.type != TYPE || e->raise_seq > mark)
			continue;
		brk_warn_clear(ctx->warn, &e->key, end_reason(ctx, e->key.subject.hazard_id),
		               ctx->now_us);
		st->stats.passed++;
	}
}

static void ha_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct ha *st = state;
	const struct brk_track *tr = ev->track;
	uint64_t mark;

	if (ev->type != V2X_MSG_BSM || !tr || !ctx->map || !ctx->hazards)
		return;
	st->stats.bsms++;
	if (!tr->has_match) {
		st->stats.unmatched++;
		return;
	}
	mark = brk_warn_raises(ctx->warn);
	/* No hazard at all (the common case): nothing a walk could meet. */
	if (brk_hazards_stats(ctx->hazards)->live == 0) {
		clear_unseen(st, ctx, tr, mark);
		return;
	}
	if (!walk(st, ctx, tr))
		return;
	for (size_t i = 0; i < st->n_met; i++)
		raise_one(st, ctx, tr, ev, &st->met[i]);
	clear_unseen(st, ctx, tr, mark);
}

/* Ends the warnings whose hazard is gone or no longer active. */
static void ha_tick(void *state, const struct brk_app_ctx *ctx)
{
	struct ha *st = state;
	const struct brk_warn_entry *e;

	if (!ctx->hazards)
		return;
	for (e = brk_warn_next_of_type(ctx->warn, TYPE, NULL); e;
	     e = brk_warn_next_of_type(ctx->warn, TYPE, e)) {
		const struct brk_hazard *hz;
		if (e->key.type != TYPE || e->key.subject.kind != BRK_WARN_SUBJECT_HAZARD)
			continue;
		hz = brk_hazards_find(ctx->hazards, e->key.subject.hazard_id);
		if (hz && brk_hazard_active(hz, ctx->now_us))
			continue;
		brk_warn_clear(ctx->warn, &e->key, end_reason(ctx, e->key.subject.hazard_id),
		               ctx->now_us);
		st->stats.ended++;
	}
}

#define P(field, unit, def, doc)                                                     \
	{                                                                            \
#field, offsetof(struct brk_hazard_ahead_cfg, field), unit, def, doc \
	}

static const struct brk_app_param params[HA_N_PARAMS] = {
	P(min_horizon_m, "m", BRK_HAZARD_AHEAD_DEFAULT_MIN_HORIZON_M,
	  "look at least this far ahead along the lanes"),
	P(horizon_s, "s", BRK_HAZARD_AHEAD_DEFAULT_HORIZON_S,
	  "and this many seconds ahead at the vehicle's speed"),
	P(max_horizon_m, "m", BRK_HAZARD_AHEAD_DEFAULT_MAX_HORIZON_M, "but never farther"),
	P(critical_s, "s", BRK_HAZARD_AHEAD_DEFAULT_CRITICAL_S,
	  "time to the hazard at or below which the warning is critical"),
	P(warning_s, "s", BRK_HAZARD_AHEAD_DEFAULT_WARNING_S,
	  "at or below which it is a warning (above: advisory)"),
	P(min_speed_mps, "m/s", BRK_HAZARD_AHEAD_DEFAULT_MIN_SPEED_MPS,
	  "below this speed the time to the hazard is unknown"),
};

const struct brk_app brk_hazard_ahead_app = {
	.name = "hazard_ahead",
	.init = ha_init,
	.on_observation = ha_observation,
	.on_tick = ha_tick,
	.fini = ha_fini,
	.cfg_size = sizeof(struct brk_hazard_ahead_cfg),
	.params = params,
	.n_params = HA_N_PARAMS,
};
