/*
 * oracle_curve: the curve speed rule, in the oracle's terms.
 *
 * The application (broker/apps/curve_speed/curve_speed.h, whose physics
 * this restates) warns a vehicle about a curve on its path when
 *
 *   v > v_a + tolerance   and   need(a) + v margin_s >= D
 *   need(a) = v t_r + (v^2 - v_a^2) / (2 (a + g G))
 *   v_a = min(sqrt(g R max(0, e + f)), v_fog)
 *
 * (inside the curve, up to the end of its arc, on the speed alone).  The
 * oracle evaluates that on the truth: the true speed, D along the route to
 * the curve's start, G from the lane heights, R and e from the map (e the
 * superelevation at the middle of the arc, into the curve), f from the
 * RSI surface events the scenario activates over the curve.
 *
 * A MUST needs the true speed at least 1.15 v_a (and v_a + tolerance by
 * a speed margin), the braking rule met with a margin of max(position
 * margin, 10 % of D), early enough that the warning arrives before the
 * vehicle is lead_s_min (the scenario's threshold) from the curve's
 * start: the window's end.  Curves beyond a fork of the route are only
 * tolerated (the application reads the curves of the road's first
 * branch), and so are the curves of the other branches at a fork.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* broker/apps/curve_speed/curve_speed.h, BRK_CURVE_SPEED_DEFAULT_*. */
#define CS_FRICTION_DRY   0.15
#define CS_FRICTION_WET   0.10
#define CS_FRICTION_SNOW  0.07
#define CS_FRICTION_ICE   0.05
#define CS_EVENT_WET      701
#define CS_EVENT_FOG      702
#define CS_EVENT_SNOW     706
#define CS_EVENT_ICE      707
#define CS_VISIBILITY_M   50.0
#define CS_APPROACH_M     100.0
#define CS_REACTION_S     1.5
#define CS_DECEL_MPS2     2.5
#define CS_MARGIN_S       2.0
#define CS_TOLERANCE_MPS  1.0
#define CS_HYSTERESIS_MPS 0.5
/* broker/apps/ahead.h BRK_AHEAD_DISTANCE_M: the road ahead the
 * applications read. */
#define CS_AHEAD_M 400.0
/* The oracle's own: a MUST needs the speed this far over the advisory
 * speed, and the braking rule met by this share of D (or the position
 * margin, if larger). */
#define CS_MUST_RATIO       1.15
#define CS_MUST_SLACK_SHARE 0.10
/* The default lead time when the scenario has none (sim_thresholds). */
#define CS_LEAD_S_DEFAULT 3.0
#define COVERS_MAX        64

/* One curve the actor may be warned about. */
struct curve_geo {
	size_t actor;
	const struct map_curve *cv;
	double rs0, rs_arc1; /* route_s of its start and of its arc's end */
	double fork_rs;      /* on another branch: route_s of the fork; else INFINITY */
	/* The route's curve before it: its arc's end and its advisory speed
	 * on ice (the lowest it can have); -INFINITY and 0: none. */
	double prev_rs_arc1, prev_va_min;
	double z0; /* height of its start */
	double e;  /* superelevation into the curve */
	double t_entry, t_arc1;
	uint8_t ev_sure[64], ev_maybe[64]; /* per RSI event (the first 64): covers it */
};

/* f of a surface event type, or NaN (fog: 0, other: NaN). */
static double friction_of(unsigned type)
{
	switch (type) {
	case CS_EVENT_WET:
		return CS_FRICTION_WET;
	case CS_EVENT_SNOW:
		return CS_FRICTION_SNOW;
	case CS_EVENT_ICE:
		return CS_FRICTION_ICE;
	case CS_EVENT_FOG:
		return 0.0;
	default:
		return NAN;
	}
}

/* Fog: the stopping sight distance within the visibility V. */
static double fog_speed(void)
{
	double a = CS_DECEL_MPS2, tr = CS_REACTION_S;
	return a * (-tr + sqrt(tr * tr + 2.0 * CS_VISIBILITY_M / a));
}

/* Which RSI events lie on [s0 - approach, s1] of the curve's lane. */
static void events_on(const struct oracle_ctx *c, struct curve_geo *g)
{
	const struct map_curve *cv = g->cv;
	struct oracle_cover cov[COVERS_MAX];
	for (size_t i = 0; i < c->sc->n_rsi && i < 64; i++) {
		const struct sim_rsi_event *ev = &c->sc->rsi[i];
		g->ev_sure[i] = g->ev_maybe[i] = 0;
		if (ev->sign || isnan(friction_of(ev->event_type)))
			continue;
		size_t n = sim_oracle__rsi_cover(c, i, cv->lane_id, cov, COVERS_MAX);
		for (size_t k = 0; k < n && k < COVERS_MAX; k++) {
			double m = cov[k].sure ? -1.0 : 1.0;
			if (cov[k].b >= cv->s0 - CS_APPROACH_M - m && cov[k].a <= cv->s1 + m) {
				g->ev_sure[i] |= cov[k].sure;
				g->ev_maybe[i] = 1;
			}
		}
	}
}

/* v_a at t: hi with the events surely in force only, lo with every event
 * that may be. */
static void advisory(const struct oracle_ctx *c, const struct curve_geo *g, double t, double *hi,
                     double *lo)
{
	double f_hi = CS_FRICTION_DRY, f_lo = CS_FRICTION_DRY;
	bool fog_hi = false, fog_lo = false;
	for (size_t i = 0; i < c->sc->n_rsi && i < 64; i++) {
		unsigned type = c->sc->rsi[i].event_type;
		double f = friction_of(type);
		if (g->ev_sure[i] && sim_oracle__rsi_known(c, i, t, true)) {
			fog_hi = fog_hi || type == CS_EVENT_FOG;
			f_hi = type == CS_EVENT_FOG ? f_hi : fmin(f_hi, f);
		}
		if (g->ev_maybe[i] && sim_oracle__rsi_known(c, i, t, false)) {
			fog_lo = fog_lo || type == CS_EVENT_FOG;
			f_lo = type == CS_EVENT_FOG ? f_lo : fmin(f_lo, f);
		}
	}
	double r = g->cv->radius_m;
	*hi = sqrt(ORACLE_G * r * fmax(0.0, g->e + f_hi));
	*lo = sqrt(ORACLE_G * r * fmax(0.0, g->e + f_lo));
	*hi = fog_hi ? fmin(*hi, fog_speed()) : *hi;
	*lo = fog_lo ? fmin(*lo, fog_speed()) : *lo;
}

/* need(a) + v margin_s: how far ahead the application starts warning. */
static double reach(double v, double va, double grade)
{
	double a = CS_DECEL_MPS2 + ORACLE_G * grade;
	if (a <= 0.05)
		return INFINITY;
	return v * CS_REACTION_S + (v * v - va * va) / (2.0 * a) + v * CS_MARGIN_S;
}

static void eval(const struct oracle_ctx *c, const struct curve_geo *g, size_t e)
{
	const struct sim_truth *p = sim_oracle__at(c, g->actor, e);
	const struct oracle_noise *nz = &c->noise[g->actor];
	double mp = nz->pos_m, mv = nz->speed_mps, hi, lo;
	c->loose[e] = c->strict[e] = false;
	if (!p->present || p->route_s > g->rs_arc1 + mp || p->route_s > g->fork_rs + mp)
		return;
	double d = g->rs0 - p->route_s, v = p->speed_mps;
	if (d > CS_AHEAD_M + mp)
		return;
	advisory(c, g, sim_oracle__t(c, e), &hi, &lo);
	double grade = d >= 1.0 ? (g->z0 - p->z) / d : 0.0;
	if (d < 1.0) {
		struct map_sample q;
		sim_oracle__sample(map_model_lane(c->m, p->lane), p->s, &q);
		grade = q.grade;
	}
	c->loose[e] = v > lo + CS_TOLERANCE_MPS - mv && (d <= mp || reach(v, lo, grade) >= d - mp);
	bool fast = v >= fmax(CS_MUST_RATIO * hi, hi + CS_TOLERANCE_MPS + mv);
	bool inside = d <= -mp && p->route_s <= g->rs_arc1 - mp;
	bool before = d > 0.0 && d <= CS_AHEAD_M - mp &&
	              reach(v, hi, grade) >= d + fmax(mp, CS_MUST_SLACK_SHARE * d);
	/* One warning per vehicle, about one curve: while the curve before
	 * may hold it (until the vehicle leaves its arc or slows to its
	 * advisory speed + hysteresis), this one may have to wait. */
	bool held =
	        p->route_s < g->prev_rs_arc1 + mp && v > g->prev_va_min + CS_HYSTERESIS_MPS - mv;
	c->strict[e] = sim_oracle__seen(c, g->actor, e) && fast && (inside || before) &&
	               isinf(g->fork_rs) && !held;
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *d)
{
	const struct curve_geo *g = s->arg;
	double lead = c->sc->thresholds.lead_s_min;
	double lo, t = isnan(ta) ? t0 : ta;
	(void)t1;
	lead = isfinite(lead) && lead > 0.0 ? lead : CS_LEAD_S_DEFAULT;
	advisory(c, g, t, &d->advisory_mps, &lo);
	d->critical_t_s = g->t_entry;
	d->to_t_s = isnan(g->t_entry) ? NAN : g->t_entry - lead;
	const struct sim_truth *p = sim_world_at(c->w, g->actor, sim_world_step(c->w, t));
	sim_oracle__say(d->note, sizeof(d->note),
	                "%.1f m/s at %.2f s, advisory %.2f m/s, entry %.2f s", p->speed_mps, t,
	                d->advisory_mps, g->t_entry);
}

static int situation(struct oracle_ctx *c, struct curve_geo *g, bool may_must)
{
	const struct map_curve *cv = g->cv;
	const struct map_lane *l = map_model_lane(c->m, cv->lane_id);
	struct map_sample mid, start;
	struct oracle_sit s;
	if (!l)
		return 0;
	sim_oracle__sample(l, (cv->arc_s0 + cv->arc_s1) / 2.0, &mid);
	sim_oracle__sample(l, cv->s0, &start);
	/* The cross slope is + when the left edge is higher: a left curve
	 * (turn +1) is banked into the turn when its left edge is lower. */
	g->e = -(double)cv->turn * mid.superelevation;
	g->z0 = start.z;
	g->t_entry = sim_oracle__time_at(c, g->actor, g->rs0);
	g->t_arc1 = sim_oracle__time_at(c, g->actor, g->rs_arc1);
	events_on(c, g);
	for (size_t e = 0; e < c->n_eval; e++)
		eval(c, g, e);
	sim_oracle__sit_init(&s, SIM_W_CURVE_SPEED, g->actor);
	s.may_must = may_must && isinf(g->fork_rs);
	s.deadline = deadline;
	s.arg = g;
	sim_oracle__say(s.what, sizeof(s.what), "%s towards curve %u (lane %u, R %.1f m)%s",
	                c->sc->actors[g->actor].name, (unsigned)cv->id, (unsigned)cv->lane_id,
	                cv->radius_m, isinf(g->fork_rs) ? "" : " on another branch");
	return sim_oracle__episodes(c, &s);
}

/* The lowest advisory speed curve cv can have (ice, fog). */
static double va_min(const struct map_model *m, const struct map_curve *cv)
{
	struct map_sample mid;
	sim_oracle__sample(map_model_lane(m, cv->lane_id), (cv->arc_s0 + cv->arc_s1) / 2.0, &mid);
	double e = -(double)cv->turn * mid.superelevation;
	return fmin(sqrt(ORACLE_G * cv->radius_m * fmax(0.0, e + CS_FRICTION_ICE)), fog_speed());
}

/* The curve before the next one on a route. */
struct prev_curve {
	double rs_arc1, va_min;
};

/* The curves of lane (entered at route_s base) for actor a, in order;
 * prev (NULL on another branch) follows them along the route. */
static int lane_curves(struct oracle_ctx *c, size_t a, uint32_t lane, double base, double fork_rs,
                       bool may_must, struct prev_curve *prev)
{
	for (size_t k = 0; k < c->m->n_curves; k++) {
		const struct map_curve *cv = &c->m->curves[k];
		if (cv->lane_id != lane)
			continue;
		struct curve_geo g = { .actor = a,
			               .cv = cv,
			               .rs0 = base + cv->s0,
			               .rs_arc1 = base + cv->arc_s1,
			               .fork_rs = fork_rs,
			               .prev_rs_arc1 = prev ? prev->rs_arc1 : -INFINITY,
			               .prev_va_min = prev ? prev->va_min : 0.0 };
		int rc = situation(c, &g, may_must);
		if (rc)
			return rc;
		if (prev)
			*prev = (struct prev_curve){ g.rs_arc1, va_min(c->m, cv) };
	}
	return 0;
}

/* The other branches at the end of route lane i, when it is a fork. */
static int branches(struct oracle_ctx *c, size_t a, size_t i)
{
	const struct sim_actor *ac = &c->sc->actors[a];
	const struct map_lane *l = map_model_lane(c->m, ac->route[i]);
	if (!l || sim_oracle__n_successors(c->m, l->id) < 2)
		return 0;
	double end = sim_oracle__route_s0(c, a, i) + l->length_m;
	for (size_t k = 0; k < c->m->n_connections; k++) {
		const struct map_connection *cn = &c->m->connections[k];
		if (cn->from_lane != l->id ||
		    (i + 1 < ac->n_route && cn->to_lane == ac->route[i + 1]))
			continue;
		int rc = lane_curves(c, a, cn->to_lane, end, end, false, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

int sim_oracle__curve(struct oracle_ctx *c)
{
	int rc = 0;
	for (size_t a = 0; rc == 0 && a < c->sc->n_actors; a++) {
		const struct sim_actor *ac = &c->sc->actors[a];
		struct prev_curve prev = { -INFINITY, 0.0 };
		for (size_t i = 0; rc == 0 && i < ac->n_route; i++) {
			rc = lane_curves(c, a, ac->route[i], sim_oracle__route_s0(c, a, i),
			                 INFINITY, !sim_oracle__after_fork(c, a, i), &prev);
			if (rc == 0)
				rc = branches(c, a, i);
		}
	}
	return rc;
}
