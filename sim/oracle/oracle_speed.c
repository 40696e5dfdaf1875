/*
 * oracle_speed: the speed-limit rule, in the oracle's terms.
 *
 * The application (broker/apps/speed_limit/speed_limit.h) takes as the
 * limit the lane profile's posted limit at the vehicle, lowered by every
 * speed-limit sign (RSI RTS of sign type 85) in force over it: from the
 * sign's s forward sign_length_m along its lane and the lanes after, held
 * sign_hold_s after last heard.  It issues once the speed has been above
 * limit + over_abs_mps for over_s without a break, holds the warning
 * while above the limit and cancels it after under_s at or below.
 *
 * The oracle computes the limit on the truth twice: the lowest the broker
 * could take (every sign that may be in force, the lane's limits within
 * the position margin) and the highest (only signs surely in force).  An
 * episode starts when the speed could be over the issue threshold and
 * ends once it has surely been at or below the limit for under_s; a MUST
 * needs the speed surely over the threshold for over_s and
 * ORACLE_STRICT_DUR_S more, and its window closes promptly after that.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* broker/apps/speed_limit/speed_limit.h, BRK_SPEED_LIMIT_DEFAULT_*. */
#define SL_SIGN_TYPE     85
#define SL_SIGN_LENGTH_M 1000.0
#define SL_OVER_ABS_MPS  (5.0 / 3.6)
#define SL_OVER_S        1.0
#define SL_UNDER_S       1.0
/* The oracle's own: the window of a MUST closes this long after the
 * warning is due (a BSM, the pipeline, a lost BSM or two). */
#define SL_PROMPT_S 0.5

struct speed_geo {
	size_t actor;
};

/* The lane's posted limit at s of route lane i, and around it. */
static void lane_limits(const struct oracle_ctx *c, size_t a, const struct sim_truth *p, double mp,
                        double *lo, double *hi)
{
	const struct sim_actor *ac = &c->sc->actors[a];
	const struct map_lane *l = map_model_lane(c->m, p->lane);
	struct map_sample q;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int k = -1; k <= 1; k++) {
		sim_oracle__sample(l, p->s + k * mp, &q);
		*lo = fmin(*lo, q.speed_limit_mps);
		*hi = fmax(*hi, q.speed_limit_mps);
	}
	/* Near a lane's end the broker may match the lane before or after. */
	if (p->s < mp && p->route_i > 0) {
		const struct map_lane *pl = map_model_lane(c->m, ac->route[p->route_i - 1]);
		sim_oracle__sample(pl, pl->length_m, &q);
		*lo = fmin(*lo, q.speed_limit_mps);
		*hi = fmax(*hi, q.speed_limit_mps);
	}
	if (p->s > l->length_m - mp && (size_t)p->route_i + 1 < ac->n_route) {
		sim_oracle__sample(map_model_lane(c->m, ac->route[p->route_i + 1]), 0.0, &q);
		*lo = fmin(*lo, q.speed_limit_mps);
		*hi = fmax(*hi, q.speed_limit_mps);
	}
}

/* The limit the broker applies to actor a at e: at least *lo, at most
 * *hi. */
static void limits(const struct oracle_ctx *c, size_t a, size_t e, double *lo, double *hi)
{
	const struct sim_truth *p = sim_oracle__at(c, a, e);
	double mp = c->noise[a].pos_m, t = sim_oracle__t(c, e);
	lane_limits(c, a, p, mp, lo, hi);
	for (size_t i = 0; i < c->sc->n_rsi; i++) {
		const struct sim_rsi_event *ev = &c->sc->rsi[i];
		if (!ev->sign || !(ev->limit_mps > 0.0) ||
		    (ev->event_type != 0 && ev->event_type != SL_SIGN_TYPE))
			continue;
		double rel = p->route_s - sim_world_route_s(c->w, a, ev->lane, ev->s);
		if (rel >= -mp && rel <= SL_SIGN_LENGTH_M + mp &&
		    sim_oracle__rsi_known(c, i, t, false))
			*lo = fmin(*lo, ev->limit_mps);
		if (rel >= mp && rel <= SL_SIGN_LENGTH_M - mp &&
		    sim_oracle__rsi_known(c, i, t, true))
			*hi = fmin(*hi, ev->limit_mps);
	}
}

static void rows(const struct oracle_ctx *c, size_t a)
{
	const struct oracle_noise *nz = &c->noise[a];
	double under_since = NAN;
	bool in = false;
	for (size_t e = 0; e < c->n_eval; e++) {
		const struct sim_truth *p = sim_oracle__at(c, a, e);
		double t = sim_oracle__t(c, e), lo, hi;
		c->loose[e] = c->strict[e] = false;
		if (!p->present) {
			in = false;
			continue;
		}
		limits(c, a, e, &lo, &hi);
		double v = p->speed_mps, mv = nz->speed_mps;
		if (v > lo + SL_OVER_ABS_MPS - mv) {
			in = true;
			under_since = NAN;
		} else if (in && v <= lo - mv) {
			under_since = isnan(under_since) ? t : under_since;
			/* Surely at or below for under_s: the warning was cancelled. */
			in = t - under_since < SL_UNDER_S + ORACLE_PIPELINE_S;
		} else {
			under_since = NAN;
		}
		c->loose[e] = in;
		c->strict[e] = v > hi + SL_OVER_ABS_MPS + mv && sim_oracle__seen(c, a, e);
	}
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *d)
{
	const struct speed_geo *g = s->arg;
	double t = isnan(ta) ? t0 : ta, lo, hi;
	size_t e = (size_t)floor(t / c->eval_dt + 0.5);
	(void)t1;
	limits(c, g->actor, e < c->n_eval ? e : c->n_eval - 1, &lo, &hi);
	d->advisory_mps = hi;
	if (!isnan(ta))
		d->to_t_s = ta + SL_OVER_S + ORACLE_STRICT_DUR_S + ORACLE_PIPELINE_S + SL_PROMPT_S;
	const struct sim_truth *p = sim_world_at(c->w, g->actor, sim_world_step(c->w, t));
	sim_oracle__say(d->note, sizeof(d->note), "%.1f m/s at %.2f s, limit %.2f m/s",
	                p->speed_mps, t, hi);
}

int sim_oracle__speed(struct oracle_ctx *c)
{
	int rc = 0;
	for (size_t a = 0; rc == 0 && a < c->sc->n_actors; a++) {
		struct speed_geo g = { a };
		struct oracle_sit s;
		rows(c, a);
		sim_oracle__sit_init(&s, SIM_W_SPEED_LIMIT, a);
		s.start_delay_s = SL_OVER_S;
		s.deadline = deadline;
		s.arg = &g;
		sim_oracle__say(s.what, sizeof(s.what), "%s over the limit", c->sc->actors[a].name);
		rc = sim_oracle__episodes(c, &s);
	}
	return rc;
}
