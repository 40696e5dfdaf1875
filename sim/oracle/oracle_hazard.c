/*
 * oracle_hazard: the hazard-ahead rule, in the oracle's terms.
 *
 * The application (broker/apps/hazard_ahead.h) warns a vehicle whose road
 * ahead meets the lane stretch of an active hazard within
 *
 *   H = min(max_horizon_m, max(min_horizon_m, v horizon_s))
 *
 * along the lanes (distance 0 inside the stretch), until it has passed the
 * stretch or the hazard ended.  Hazards: the scenario's RSI events (their
 * lanes as the broker's zone query finds them: oracle.c) and its RSM
 * participants that stand or move slowly (pedestrians and animals at any
 * speed, vehicles at 2 m/s or less: broker/apps/hazards.h), on their lane
 * 5 m either side plus half their length.
 *
 * A MUST needs the hazard's own lane on the actor's route (the opposite
 * lane that the zone also covers is only tolerated), the broker surely
 * holding the hazard, the actor surely within H and surely before the
 * hazard's point: the window ends when it reaches the point (or when the
 * event ends, if sooner).  A participant that moves is only tolerated.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* broker/apps/hazard_ahead.h, BRK_HAZARD_AHEAD_DEFAULT_*. */
#define HZ_MIN_HORIZON_M 150.0
#define HZ_HORIZON_S     12.0
#define HZ_MAX_HORIZON_M 600.0
/* broker/apps/hazards.h: BRK_HAZARDS_DEFAULT_SLOW_MPS, _RSM_SPAN_M. */
#define HZ_SLOW_MPS   2.0
#define HZ_RSM_SPAN_M 5.0
/* Participants' lengths as the radio reports them (sim/radio/rsu_msgs.c). */
#define HZ_LEN_VEHICLE    4.8
#define HZ_LEN_PEDESTRIAN 0.5
#define HZ_LEN_ANIMAL     1.2
/* A participant slower than this stands. */
#define HZ_STANDING_MPS 0.05

#define HZ_SPANS_MAX 64

/* A stretch of the actor's route the hazard covers. */
struct hz_span {
	double a, b; /* route_s */
	bool sure;
	bool own; /* on the hazard's own lane */
};

struct hz_geo {
	size_t actor;
	int rsi, rsm; /* which hazard (one is -1) */
	size_t n;
	struct hz_span span[HZ_SPANS_MAX];
	double rs_point; /* route_s of the hazard's point, NaN: off the route */
	double t_point;  /* when the actor reaches it */
	double t_zone;   /* when it reaches the first sure stretch of its own lane */
};

static double horizon(double v)
{
	return fmin(HZ_MAX_HORIZON_M, fmax(HZ_MIN_HORIZON_M, v * HZ_HORIZON_S));
}

/* The route stretches of the covers cov[0..n) on actor a's route. */
static void to_route(const struct oracle_ctx *c, struct hz_geo *g, const struct oracle_cover *cov,
                     size_t n, uint32_t own_lane)
{
	g->n = 0;
	for (size_t k = 0; k < n; k++) {
		int i = sim_oracle__route_index(c, g->actor, cov[k].lane);
		if (i < 0 || g->n == HZ_SPANS_MAX)
			continue;
		double base = sim_oracle__route_s0(c, g->actor, (size_t)i);
		g->span[g->n++] = (struct hz_span){ base + cov[k].a, base + cov[k].b, cov[k].sure,
			                            cov[k].lane == own_lane };
	}
}

static double length_of(uint8_t kind)
{
	return kind == SIM_PART_VEHICLE      ? HZ_LEN_VEHICLE
	       : kind == SIM_PART_PEDESTRIAN ? HZ_LEN_PEDESTRIAN
	                                     : HZ_LEN_ANIMAL;
}

/* A participant's stretches at t, on its lane. */
static void rsm_spans(const struct oracle_ctx *c, struct hz_geo *g, double t)
{
	const struct sim_rsm_participant *p = &c->sc->rsm[g->rsm];
	double s = p->s + p->speed_mps * (fmax(t, p->from_t_s) - p->from_t_s);
	double half = HZ_RSM_SPAN_M + length_of(p->kind) / 2.0;
	struct oracle_cover cov[2] = {
		{ p->lane, s - half + 1.0, s + half - 1.0, true },
		{ p->lane, s - half - 1.0, s + half + 1.0, false },
	};
	to_route(c, g, cov, 2, p->lane);
	g->rs_point = sim_world_route_s(c->w, g->actor, p->lane, s);
}

static bool known(const struct oracle_ctx *c, const struct hz_geo *g, double t, bool sure)
{
	return g->rsi >= 0 ? sim_oracle__rsi_known(c, (size_t)g->rsi, t, sure)
	                   : sim_oracle__rsm_known(c, (size_t)g->rsm, t, sure);
}

static void eval(const struct oracle_ctx *c, struct hz_geo *g, size_t e)
{
	const struct sim_truth *p = sim_oracle__at(c, g->actor, e);
	const struct oracle_noise *nz = &c->noise[g->actor];
	double t = sim_oracle__t(c, e), mp = nz->pos_m, mv = nz->speed_mps;
	bool loose = false, strict = false;
	c->loose[e] = c->strict[e] = false;
	if (!p->present)
		return;
	if (g->rsm >= 0)
		rsm_spans(c, g, t);
	double rs = p->route_s, v = p->speed_mps;
	bool k_maybe = known(c, g, t, false), k_sure = known(c, g, t, true);
	for (size_t k = 0; k < g->n; k++) {
		const struct hz_span *sp = &g->span[k];
		double d = fmax(0.0, sp->a - rs);
		if (!sp->sure && k_maybe && rs <= sp->b + mp && d <= horizon(v + mv) + mp)
			loose = true;
		if (sp->sure && sp->own && k_sure && rs <= sp->b - mp && rs < g->rs_point - mp &&
		    d <= horizon(fmax(0.0, v - mv)) - mp)
			strict = true;
	}
	c->loose[e] = loose;
	c->strict[e] = strict && sim_oracle__seen(c, g->actor, e);
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *d)
{
	const struct hz_geo *g = s->arg;
	double end = g->rsi >= 0 ? c->sc->rsi[g->rsi].to_t_s : c->sc->rsm[g->rsm].to_t_s;
	(void)ta;
	(void)t1;
	d->critical_t_s = g->t_zone;
	d->to_t_s = fmin(g->t_point, end + ORACLE_PIPELINE_S);
	if (isnan(g->t_point) || g->t_point < t0)
		d->to_t_s = NAN;
	sim_oracle__say(d->note, sizeof(d->note), "reaches the zone %.2f s, the hazard %.2f s",
	                g->t_zone, g->t_point);
}

/* The first sure stretch of the hazard's own lane at or before rs_point. */
static double zone_start(const struct hz_geo *g)
{
	double a = NAN;
	for (size_t k = 0; k < g->n; k++) {
		const struct hz_span *sp = &g->span[k];
		if (sp->sure && sp->own && sp->a <= g->rs_point && sp->b >= g->rs_point - 1.0)
			a = isnan(a) ? sp->a : fmin(a, sp->a);
	}
	return a;
}

static int situation(struct oracle_ctx *c, struct hz_geo *g, bool may_must, const char *what)
{
	struct oracle_sit s;
	g->t_point = sim_oracle__time_at(c, g->actor, g->rs_point);
	g->t_zone = sim_oracle__time_at(c, g->actor, zone_start(g));
	for (size_t e = 0; e < c->n_eval; e++)
		eval(c, g, e);
	sim_oracle__sit_init(&s, SIM_W_HAZARD_AHEAD, g->actor);
	s.subject_rsi = g->rsi;
	s.subject_rsm = g->rsm;
	s.may_must = may_must && !isnan(g->rs_point);
	s.deadline = deadline;
	s.arg = g;
	sim_oracle__say(s.what, sizeof(s.what), "%s towards %s", c->sc->actors[g->actor].name,
	                what);
	return sim_oracle__episodes(c, &s);
}

static int rsi_event(struct oracle_ctx *c, size_t a, size_t i, struct hz_geo *g)
{
	const struct sim_rsi_event *ev = &c->sc->rsi[i];
	struct oracle_cover cov[HZ_SPANS_MAX];
	char what[80];
	if (ev->sign)
		return 0;
	memset(g, 0, sizeof(*g));
	g->actor = a;
	g->rsi = (int)i;
	g->rsm = -1;
	size_t n = sim_oracle__rsi_cover(c, i, 0, cov, HZ_SPANS_MAX);
	to_route(c, g, cov, n < HZ_SPANS_MAX ? n : HZ_SPANS_MAX, ev->lane);
	if (g->n == 0)
		return 0;
	g->rs_point = sim_world_route_s(c->w, a, ev->lane, ev->s);
	sim_oracle__say(what, sizeof(what), "RSI event %u (type %u, lane %u s %.1f)",
	                (unsigned)ev->id, (unsigned)ev->event_type, (unsigned)ev->lane, ev->s);
	return situation(c, g, true, what);
}

static int rsm_part(struct oracle_ctx *c, size_t a, size_t i, struct hz_geo *g)
{
	const struct sim_rsm_participant *p = &c->sc->rsm[i];
	char what[80];
	if (p->kind == SIM_PART_VEHICLE && p->speed_mps > HZ_SLOW_MPS)
		return 0; /* a moving vehicle is no hazard */
	if (sim_oracle__route_index(c, a, p->lane) < 0)
		return 0;
	memset(g, 0, sizeof(*g));
	g->actor = a;
	g->rsi = -1;
	g->rsm = (int)i;
	rsm_spans(c, g, p->from_t_s);
	sim_oracle__say(what, sizeof(what), "RSM participant %u (kind %u, lane %u s %.1f)",
	                (unsigned)p->id, (unsigned)p->kind, (unsigned)p->lane, p->s);
	return situation(c, g, p->speed_mps <= HZ_STANDING_MPS, what);
}

int sim_oracle__hazard(struct oracle_ctx *c)
{
	struct hz_geo g;
	int rc = 0;
	for (size_t a = 0; rc == 0 && a < c->sc->n_actors; a++) {
		for (size_t i = 0; rc == 0 && i < c->sc->n_rsi; i++)
			rc = rsi_event(c, a, i, &g);
		for (size_t i = 0; rc == 0 && i < c->sc->n_rsm; i++)
			rc = rsm_part(c, a, i, &g);
	}
	return rc;
}
