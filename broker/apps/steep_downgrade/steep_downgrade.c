/*
 * steep_downgrade: the steep-downgrade warning (steep_downgrade.h).
 */
#include "broker/apps/steep_downgrade/steep_downgrade.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_STEEP_DOWNGRADE

#define G_MPS2        9.80665 /* standard gravity */
#define MIN_SPEED_MPS 0.5     /* below it, no time to the event */
#define HOLD_S        5.0     /* expiry beyond the descent's end */
#define MAX_TTL_S     600.0

struct sd {
	struct brk_steep_downgrade_cfg cfg;
	struct brk_steep_downgrade_stats stats;
};

/* A descent along the path ahead (branch 0), distances from the vehicle. */
struct descent {
	double d0, d1;   /* its start and end along the path; d0 < 0: behind */
	double graded_m; /* sum of the merged sections' lengths */
	double drop_m;   /* sum of |G_i| L_i */
	uint32_t lane0;  /* where it starts: lane and s */
	double s0;
};

/* ---- configuration ----------------------------------------------------- */

#define P(field, unit_, def_, doc_)                                                        \
	{                                                                                  \
		.name = #field, .offset = offsetof(struct brk_steep_downgrade_cfg, field), \
		.unit = (unit_), .def = (def_), .doc = (doc_)                              \
	}

static const struct brk_app_param params[] = {
	P(min_grade, "", BRK_STEEP_DOWNGRADE_DEFAULT_MIN_GRADE,
	  "downgrade a grade section needs to count (fraction, 0.05 = 5 %)"),
	P(min_length_m, "m", BRK_STEEP_DOWNGRADE_DEFAULT_MIN_LENGTH_M,
	  "length a descent needs to be warned of"),
	P(merge_gap_m, "m", BRK_STEEP_DOWNGRADE_DEFAULT_MERGE_GAP_M,
	  "largest gap between sections merged into one descent"),
	P(sight_m, "m", BRK_STEEP_DOWNGRADE_DEFAULT_SIGHT_M,
	  "sight distance the vehicle must stop within"),
	P(reaction_s, "s", BRK_STEEP_DOWNGRADE_DEFAULT_REACTION_S, "reaction time"),
	P(brake_mps2, "m/s2", BRK_STEEP_DOWNGRADE_DEFAULT_BRAKE_MPS2,
	  "sustainable braking of a car on the level"),
	P(brake_heavy_mps2, "m/s2", BRK_STEEP_DOWNGRADE_DEFAULT_BRAKE_HEAVY_MPS2,
	  "sustainable braking of a truck or bus on the level"),
	P(min_decel_mps2, "m/s2", BRK_STEEP_DOWNGRADE_DEFAULT_MIN_DECEL_MPS2,
	  "floor of the deceleration left on the grade"),
	P(heavy_cap_mps, "m/s", BRK_STEEP_DOWNGRADE_DEFAULT_HEAVY_CAP_MPS,
	  "safe speed cap of heavy vehicles on a long descent"),
	P(heavy_cap_drop_m, "m", BRK_STEEP_DOWNGRADE_DEFAULT_HEAVY_CAP_DROP_M,
	  "height drop of a descent from which the heavy cap applies"),
	P(approach_min_m, "m", BRK_STEEP_DOWNGRADE_DEFAULT_APPROACH_MIN_M,
	  "warn within at least this distance of the descent"),
	P(approach_s, "s", BRK_STEEP_DOWNGRADE_DEFAULT_APPROACH_S,
	  "warn within this many seconds of the descent"),
	P(tolerance_mps, "m/s", BRK_STEEP_DOWNGRADE_DEFAULT_TOLERANCE_MPS,
	  "speed over the safe speed before warning (also the hysteresis)"),
	P(critical_ratio, "", BRK_STEEP_DOWNGRADE_DEFAULT_CRITICAL_RATIO,
	  "speed / safe speed from which the warning is critical"),
};

#undef P

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

static bool cfg_valid(const struct brk_steep_downgrade_cfg *c)
{
	if (brk_app_params_bad(params, N_PARAMS, c) < N_PARAMS)
		return false;
	return c->min_grade < 1 && c->critical_ratio >= 1;
}

static int sd_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct brk_steep_downgrade_cfg c = { 0 };
	struct sd *st;

	if (cfg)
		c = *(const struct brk_steep_downgrade_cfg *)cfg;
	brk_app_params_default(params, N_PARAMS, &c);
	if (!cfg_valid(&c)) {
		snprintf(err, errlen,
		         "every setting must be positive and finite, min_grade below 1 and "
		         "critical_ratio at least 1");
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->cfg = c;
	*state = st;
	return 0;
}

static void sd_fini(void *state)
{
	free(state);
}

const struct brk_steep_downgrade_stats *brk_steep_downgrade_stats(const void *state)
{
	return &((const struct sd *)state)->stats;
}

/* ---- the descent ahead ------------------------------------------------- */

/* Whether descent d (from a qualifying section on) counts: long enough
 * and not wholly behind the vehicle. */
static bool complete(const struct brk_steep_downgrade_cfg *c, const struct descent *d)
{
	return d->d1 > 0 && d->d1 - d->d0 >= c->min_length_m;
}

/* The first descent that counts on branch 0 of the walk a, in order of
 * distance (the sections the vehicle is on come first).  True and *d when
 * there is one. */
static bool find_descent(const struct brk_steep_downgrade_cfg *c, const struct brk_ahead *a,
                         struct descent *d)
{
	bool have = false;

	*d = (struct descent){ 0 };
	for (size_t i = 0; i < a->n; i++) {
		const struct map_index_feature *f = &a->f[i];
		double len, d0;
		if (f->kind != MAP_INDEX_GRADE_START || f->at.branch != 0 ||
		    f->u.grade->grade > -c->min_grade)
			continue;
		len = fmax(0, f->s_other - f->at.s);
		d0 = f->at.dist_m;
		if (have && d0 <= d->d1 + c->merge_gap_m) {
			d->d1 = fmax(d->d1, d0 + len);
			d->graded_m += len;
			d->drop_m += -f->u.grade->grade * len;
			continue;
		}
		if (have && complete(c, d))
			return true;
		*d = (struct descent){
			d0, d0 + len, len, -f->u.grade->grade * len, f->at.lane_id, f->at.s
		};
		have = true;
	}
	return have && complete(c, d);
}

/* ---- the safe speed ---------------------------------------------------- */

/* BasicVehicleClass: trucks (25..35) and buses and coaches (50..58). */
static bool is_heavy(uint8_t vclass)
{
	return (vclass >= 25 && vclass <= 35) || (vclass >= 50 && vclass <= 58);
}

/* The speed from which the vehicle stops within sight_m braking at
 * brake_mps2 on a downgrade of |grade|. */
static double stop_speed(const struct brk_steep_downgrade_cfg *c, double brake_mps2,
                         double grade_abs)
{
	double a = fmax(c->min_decel_mps2, brake_mps2 - G_MPS2 * grade_abs);
	double t = c->reaction_s;

	return a * (-t + sqrt(t * t + 2 * c->sight_m / a));
}

static double safe_speed(const struct brk_steep_downgrade_cfg *c, const struct descent *d,
                         bool heavy, double limit_mps)
{
	double g = d->graded_m > 0 ? d->drop_m / d->graded_m : 0;
	double v = stop_speed(c, heavy ? c->brake_heavy_mps2 : c->brake_mps2, g);

	if (isfinite(limit_mps) && limit_mps > 0)
		v = fmin(v, limit_mps);
	if (heavy && d->drop_m >= c->heavy_cap_drop_m)
		v = fmin(v, c->heavy_cap_mps);
	return v;
}

/* ---- warnings ---------------------------------------------------------- */

static void key_of(struct brk_warn_key *k, const struct brk_track *tr)
{
	memset(k, 0, sizeof(*k));
	k->type = TYPE;
	memcpy(k->target, tr->id, V2X_ID_LEN);
}

/* Where the descent starts, in WGS84 (NaN lat when unknown). */
static void start_position(const struct brk_app_ctx *ctx, const struct descent *d,
                           struct brk_warn_spec *s)
{
	struct map_sample smp;

	s->lat_deg = s->lon_deg = s->elev_m = NAN;
	if (!ctx->frame || map_index_profile_at(ctx->map, d->lane0, d->s0, &smp) < 0)
		return;
	if (map_frame_to_wgs84(ctx->frame, smp.x, smp.y, &s->lat_deg, &s->lon_deg) < 0) {
		s->lat_deg = s->lon_deg = NAN;
		return;
	}
	s->elev_m = smp.z;
}

static void raise_one(struct sd *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                      const struct descent *d, bool heavy, double v_safe)
{
	const struct brk_track *tr = ev->track;
	double v = tr->latest.speed_mps, dist = fmax(0, d->d0);
	double grade = d->graded_m > 0 ? d->drop_m / d->graded_m : 0;
	char text[BRK_WARN_TEXT_MAX + 1];
	struct brk_warn_spec s = {
		.distance_m = dist,
		.time_to_event_s = v >= MIN_SPEED_MPS ? dist / v : NAN,
		.advisory_speed_mps = v_safe,
		.ttl_us = (int64_t)(fmin(MAX_TTL_S, d->d1 / fmax(v, MIN_SPEED_MPS) + HOLD_S) * 1e6),
		.n_sources = 1,
		.sources = { { ev->rsu_id, ev->seq } },
		.trigger_rx_time_us = ev->rx_time_us,
		.text = text,
		.target_lat_deg = tr->latest.lat_deg,
		.target_lon_deg = tr->latest.lon_deg,
	};

	key_of(&s.key, tr);
	s.severity = d->d0 <= 0 || v > st->cfg.critical_ratio * v_safe
	                     ? V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
	                     : V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	snprintf(text, sizeof(text), "Steep descent %.1f %% over %.0f m: keep below %.0f km/h%s",
	         grade * 100, d->d1 - d->d0, v_safe * 3.6, heavy ? " (heavy vehicle)" : "");
	start_position(ctx, d, &s);
	st->stats.raises++;
	if (brk_warn_raise(ctx->warn, &s, ctx->now_us) < 0)
		st->stats.raise_refused++;
}

/* How far ahead a descent's start is warned of at speed v. */
static double approach_m(const struct brk_steep_downgrade_cfg *c, double v)
{
	return fmax(c->approach_min_m, v * c->approach_s);
}

/* The posted limit where descent d starts (NaN: unknown). */
static double limit_at_start(const struct brk_app_ctx *ctx, const struct descent *d)
{
	struct map_sample smp;

	return map_index_profile_at(ctx->map, d->lane0, d->s0, &smp) == 0 ? smp.speed_limit_mps
	                                                                  : NAN;
}

static void clear_held(struct sd *st, const struct brk_app_ctx *ctx, const struct brk_warn_key *k)
{
	if (brk_warn_clear(ctx->warn, k, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED,
	                   ctx->now_us) == 0)
		st->stats.cleared++;
}

static void sd_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct sd *st = state;
	const struct brk_track *tr = ev->track;
	struct brk_warn_key key;
	struct descent d;
	bool held, heavy;
	double v, v_safe;

	if (ev->type != V2X_MSG_BSM || !tr || !ctx->map || !ctx->ahead)
		return;
	st->stats.bsms++;
	v = tr->latest.speed_mps;
	if (!tr->has_match || !isfinite(v)) {
		st->stats.unmatched++;
		return;
	}
	key_of(&key, tr);
	held = brk_warn_find(ctx->warn, &key) != NULL;
	if (!find_descent(&st->cfg, brk_ahead_get(ctx->ahead, ctx->map, tr), &d) ||
	    d.d0 > approach_m(&st->cfg, v)) {
		if (held)
			clear_held(st, ctx, &key);
		return;
	}
	st->stats.descents++;
	heavy = is_heavy(tr->latest.vclass.classification);
	v_safe = safe_speed(&st->cfg, &d, heavy, limit_at_start(ctx, &d));
	if (v > v_safe + st->cfg.tolerance_mps || (held && v > v_safe))
		raise_one(st, ctx, ev, &d, heavy, v_safe);
	else if (held)
		clear_held(st, ctx, &key);
}

/* Nothing to end on a tick: the subject is the road, which does not go
 * away; a silent vehicle's warning ends by the lifecycle's confirm
 * timeout. */
static void sd_tick(void *state, const struct brk_app_ctx *ctx)
{
	(void)state;
	(void)ctx;
}

const struct brk_app brk_steep_downgrade_app = {
	.name = "steep_downgrade",
	.init = sd_init,
	.on_observation = sd_observation,
	.on_tick = sd_tick,
	.fini = sd_fini,
	.cfg_size = sizeof(struct brk_steep_downgrade_cfg),
	.params = params,
	.n_params = N_PARAMS,
};
