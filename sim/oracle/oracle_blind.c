/*
 * oracle_blind: the blind-curve oncoming-vehicle rule, in the oracle's
 * terms.
 *
 * The application (broker/apps/blind_curve/blind_curve.h) pairs each curve
 * with the curve of the opposite lane of the same road whose apex (the
 * middle of its arc) lies within pair_m: a bend.  A vehicle registers at
 * the bend's curve of its lane while its apex is ahead within
 *
 *   H = min(max_horizon_m, max(min_horizon_m, v horizon_s))
 *
 * (or while it is in the curve before the apex), with T = D / v to the
 * apex.  Two vehicles registered at the two curves of a bend with
 * |T1 - T2| <= window_s whose eyes (1.2 m above the lane) cannot see each
 * other past a rock face are both warned, each about the other; once
 * warned the sight is no longer asked and the window widens by
 * hold_margin_s, until one of them passes its apex.  A vehicle over the
 * centre line (lateral > W/2 - w/2 and > 0) in a bend or 20 m before it
 * is warned about every oncoming vehicle registered at the bend, whatever
 * the sight and timing.
 *
 * The oracle evaluates that on the truth: D along the route to the apex,
 * the true speeds, the true eye points against the map's obstructions
 * (its own 2D-segment-polygon test with the heights, oracle_geom.c).
 * Strict: the timing within window_s less the ETA margins, the sight
 * blocked also with both eyes moved sideways by their lateral margins;
 * loose: the reverse.  The window ends when the two meet (the one past
 * its apex by as much as the other is before its own).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* broker/apps/blind_curve/blind_curve.h, BRK_BLIND_CURVE_DEFAULT_*. */
#define BC_HORIZON_S     10.0
#define BC_MIN_HORIZON_M 50.0
#define BC_MAX_HORIZON_M 300.0
#define BC_WINDOW_S      4.0
#define BC_HOLD_MARGIN_S 0.5
#define BC_EYE_HEIGHT_M  1.2
#define BC_APPROACH_M    20.0
#define BC_PAIR_M        30.0
#define BC_MIN_SPEED_MPS 0.5
/* The oracle's own: a partner this close to pair_m is not sure, and the
 * other's ETA is its last BSM's (up to fresh_s old at the broker, 0.1 s at
 * 10 Hz, and the pipeline's spread). */
#define BC_PAIR_DOUBT_M 5.0
#define BC_ETA_AGE_S    0.2

struct bend {
	const struct map_curve *c, *opp; /* the target's curve, the oncoming one */
	double apex_c, apex_opp;         /* s of their apexes */
	bool doubtful;                   /* the pairing itself is near pair_m */
};

struct blind_geo {
	size_t a, b; /* target, oncoming */
	struct bend bend;
	double rs_apex[2], rs0[2], rs1[2]; /* per vehicle (0 a, 1 b): apex, curve start, end */
	bool latched;
};

static double horizon(double v)
{
	return fmin(BC_MAX_HORIZON_M, fmax(BC_MIN_HORIZON_M, v * BC_HORIZON_S));
}

static void apex_point(const struct map_model *m, const struct map_curve *c, struct map_sample *p)
{
	sim_oracle__sample(map_model_lane(m, c->lane_id), (c->arc_s0 + c->arc_s1) / 2.0, p);
}

/* The curve of the opposite lane of c's road whose apex is nearest to
 * c's; false when none lies within pair_m (and a margin). */
static bool pair_of(const struct map_model *m, const struct map_curve *c, struct bend *out)
{
	const struct map_lane *l = map_model_lane(m, c->lane_id);
	struct map_sample pa, pb;
	double best = INFINITY;
	if (!l)
		return false;
	apex_point(m, c, &pa);
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < m->n_curves; k++) {
		const struct map_curve *o = &m->curves[k];
		const struct map_lane *ol = map_model_lane(m, o->lane_id);
		if (!ol || ol->road_id != l->road_id || ol->direction != -l->direction)
			continue;
		apex_point(m, o, &pb);
		double d = hypot(pa.x - pb.x, pa.y - pb.y);
		if (d < best && d <= BC_PAIR_M + BC_PAIR_DOUBT_M) {
			best = d;
			out->opp = o;
		}
	}
	out->c = c;
	out->apex_c = (c->arc_s0 + c->arc_s1) / 2.0;
	out->apex_opp = out->opp ? (out->opp->arc_s0 + out->opp->arc_s1) / 2.0 : NAN;
	out->doubtful = fabs(best - BC_PAIR_M) <= BC_PAIR_DOUBT_M;
	return out->opp != NULL;
}

/* Registered at its curve: loose (margins for) or strict (against). */
static bool registered(const struct oracle_ctx *c, const struct blind_geo *g, int i,
                       const struct sim_truth *p, size_t e, bool strict)
{
	size_t who = i == 0 ? g->a : g->b;
	const struct oracle_noise *nz = &c->noise[who];
	double m = strict ? nz->pos_m : -nz->pos_m, mv = strict ? nz->speed_mps : -nz->speed_mps;
	double d = g->rs_apex[i] - p->route_s, v = p->speed_mps;
	if (!(d > m) || v < BC_MIN_SPEED_MPS + mv)
		return false;
	if (strict && !sim_oracle__seen(c, who, e))
		return false;
	return d <= horizon(fmax(0.0, v - mv)) - m || p->route_s >= g->rs0[i] + m;
}

/* An eye of p moved off sideways (+ left) by off metres. */
static struct map_xyz eye(const struct sim_truth *p, double off)
{
	double h = p->heading_deg * M_PI / 180.0;
	return (struct map_xyz){ p->x - off * cos(h), p->y + off * sin(h), p->z + BC_EYE_HEIGHT_M };
}

/* The sight line blocked: for every (all) or any of the eye pairs moved
 * by the lateral margins. */
static bool blocked(const struct oracle_ctx *c, const struct blind_geo *g,
                    const struct sim_truth *pa, const struct sim_truth *pb, bool all)
{
	static const double sides[5][2] = { { 0, 0 }, { 1, 1 }, { 1, -1 }, { -1, 1 }, { -1, -1 } };
	double la = c->noise[g->a].lat_m, lb = c->noise[g->b].lat_m;
	for (size_t k = 0; k < 5; k++) {
		struct map_xyz ea = eye(pa, sides[k][0] * la), eb = eye(pb, sides[k][1] * lb);
		bool bl = sim_oracle__sight_blocked(c->m, &ea, &eb);
		if (all && !bl)
			return false;
		if (!all && bl)
			return true;
	}
	return all;
}

/* Over the centre line, in the bend or approach_m before it. */
static bool over_line(const struct oracle_ctx *c, const struct blind_geo *g,
                      const struct sim_truth *p, bool strict)
{
	const struct oracle_noise *nz = &c->noise[g->a];
	double m = strict ? nz->pos_m : -nz->pos_m, ml = strict ? nz->lat_m : -nz->lat_m;
	struct map_sample q;
	if (p->route_s < g->rs0[0] - BC_APPROACH_M + m || p->route_s > g->rs1[0] - m)
		return false;
	sim_oracle__sample(map_model_lane(c->m, p->lane), p->s, &q);
	double w = c->sc->actors[g->a].width_m;
	return p->lateral_m > q.width_m / 2.0 - w / 2.0 + ml && p->lateral_m > ml;
}

static void eval(const struct oracle_ctx *c, struct blind_geo *g, size_t e)
{
	const struct sim_truth *pa = sim_oracle__at(c, g->a, e), *pb = sim_oracle__at(c, g->b, e);
	c->loose[e] = c->strict[e] = false;
	if (!pa->present || !pb->present || !registered(c, g, 1, pb, e, false)) {
		g->latched = false;
		return;
	}
	bool rs = registered(c, g, 1, pb, e, true);
	bool centre = over_line(c, g, pa, false);
	bool cen_s = rs && over_line(c, g, pa, true) && sim_oracle__seen(c, g->a, e);
	if (!registered(c, g, 0, pa, e, false)) {
		g->latched = false;
		c->loose[e] = centre;
		c->strict[e] = cen_s;
		return;
	}
	const struct oracle_noise *na = &c->noise[g->a], *nb = &c->noise[g->b];
	double va = pa->speed_mps, vb = pb->speed_mps;
	double ta = (g->rs_apex[0] - pa->route_s) / va, tb = (g->rs_apex[1] - pb->route_s) / vb;
	double dt = fabs(ta - tb);
	double tm = na->pos_m / va + nb->pos_m / vb + na->skew_s + nb->skew_s + BC_ETA_AGE_S;
	bool timing = dt <= BC_WINDOW_S + BC_HOLD_MARGIN_S + tm;
	bool ordinary = timing && (g->latched || blocked(c, g, pa, pb, false));
	g->latched = ordinary;
	c->loose[e] = ordinary || centre;
	bool ord_s = rs && registered(c, g, 0, pa, e, true) && dt <= BC_WINDOW_S - tm &&
	             blocked(c, g, pa, pb, true);
	c->strict[e] = ord_s || cen_s;
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *d)
{
	const struct blind_geo *g = s->arg;
	(void)ta;
	(void)t1;
	for (size_t e = (size_t)floor(t0 / c->eval_dt + 0.5); e < c->n_eval; e++) {
		const struct sim_truth *pa = sim_oracle__at(c, g->a, e);
		const struct sim_truth *pb = sim_oracle__at(c, g->b, e);
		if (!pa->present || !pb->present)
			break;
		if (g->rs_apex[0] - pa->route_s + g->rs_apex[1] - pb->route_s <= 0.0) {
			d->critical_t_s = sim_oracle__t(c, e);
			break;
		}
	}
	d->to_t_s = d->critical_t_s;
	sim_oracle__say(d->note, sizeof(d->note), "they meet at %.2f s", d->critical_t_s);
}

static int situation(struct oracle_ctx *c, struct blind_geo *g)
{
	const struct map_curve *cv = g->bend.c, *op = g->bend.opp;
	struct oracle_sit s;
	g->rs_apex[0] = sim_world_route_s(c->w, g->a, cv->lane_id, g->bend.apex_c);
	g->rs0[0] = sim_world_route_s(c->w, g->a, cv->lane_id, cv->s0);
	g->rs1[0] = sim_world_route_s(c->w, g->a, cv->lane_id, cv->s1);
	g->rs_apex[1] = sim_world_route_s(c->w, g->b, op->lane_id, g->bend.apex_opp);
	g->rs0[1] = sim_world_route_s(c->w, g->b, op->lane_id, op->s0);
	g->rs1[1] = sim_world_route_s(c->w, g->b, op->lane_id, op->s1);
	g->latched = false;
	for (size_t e = 0; e < c->n_eval; e++)
		eval(c, g, e);
	sim_oracle__sit_init(&s, SIM_W_BLIND_CURVE, g->a);
	s.subject_actor = (int32_t)g->b;
	s.may_must = !g->bend.doubtful;
	s.deadline = deadline;
	s.arg = g;
	sim_oracle__say(s.what, sizeof(s.what), "%s at curve %u, %s oncoming at curve %u",
	                c->sc->actors[g->a].name, (unsigned)cv->id, c->sc->actors[g->b].name,
	                (unsigned)op->id);
	return sim_oracle__episodes(c, &s);
}

int sim_oracle__blind(struct oracle_ctx *c)
{
	const struct sim_scenario *sc = c->sc;
	struct blind_geo g;
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < c->m->n_curves; k++) {
		memset(&g, 0, sizeof(g));
		if (!pair_of(c->m, &c->m->curves[k], &g.bend))
			continue;
		for (size_t a = 0; rc == 0 && a < sc->n_actors; a++) {
			if (sim_oracle__route_index(c, a, g.bend.c->lane_id) < 0)
				continue;
			for (size_t b = 0; rc == 0 && b < sc->n_actors; b++) {
				if (b == a ||
				    sim_oracle__route_index(c, b, g.bend.opp->lane_id) < 0)
					continue;
				g.a = a;
				g.b = b;
				rc = situation(c, &g);
			}
		}
	}
	return rc;
}
