/*
 * oracle_fcw: the forward collision rule, in the oracle's terms.
 *
 * The application (broker/apps/forward_collision/forward_collision.h)
 * takes as leader the nearest vehicle ahead along the lane graph within
 *
 *   G = min(max_gap_cap_m, max(max_gap_m, v_f gap_time_s))
 *
 * on the follower's lane, then on the lanes its road enters: all of them
 * up to the first fork, the connectors at that fork on every branch, and
 * nothing beyond.  With the gap g = D - (l_f + l_l) / 2 along the road and
 * the leader's deceleration b (its measured acceleration when negative),
 * the time to collision T (the follower holding its speed, the leader
 * braking at b until it stops) at or below ttc_warn_s warns the follower
 * about the leader; a warning held stays until T > ttc_warn_s +
 * hysteresis_s.  Followers below min_speed_mps are not warned.
 *
 * The oracle finds the leader on the truth the same way, along the
 * follower's route (a vehicle on another branch's connector at the fork
 * may lead too: tolerated only), and evaluates T with the gap and speeds
 * moved by their margins: loose in the warning's favour, strict against
 * it.  Vehicles on lanes the follower's road does not enter (the oncoming
 * lane, the other leg of a hairpin, the road under a bridge) are never
 * leaders.  The window ends when the gap closes in truth, if it does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/oracle/oracle_int.h"

/* broker/apps/forward_collision/forward_collision.h,
 * BRK_FORWARD_COLLISION_DEFAULT_*. */
#define FC_MAX_GAP_M     150.0
#define FC_GAP_TIME_S    6.0
#define FC_MAX_GAP_CAP_M 300.0
#define FC_TTC_WARN_S    4.0
#define FC_HYSTERESIS_S  0.5
#define FC_MIN_SPEED_MPS 3.0
/* The oracle's own: the broker moves the leader's last BSM forward to
 * now; 0.2 s of T covers that and its age. */
#define FC_TTC_MARGIN_S 0.2

/* Per evaluation point: the nearest vehicle ahead and the next one. */
struct lead {
	int32_t who, next; /* -1: none */
	double d, d_next;  /* along the road, m */
	bool branch;       /* who is on another branch's connector */
};

struct fcw_geo {
	size_t f, l;
	const struct lead *lead;
};

static double gap_range(double v)
{
	return fmin(FC_MAX_GAP_CAP_M, fmax(FC_MAX_GAP_M, v * FC_GAP_TIME_S));
}

/* T as the application computes it; INFINITY: not closing. */
static double ttc(double g, double vf, double vl, double b)
{
	if (g <= 0.0)
		return 0.0;
	if (b <= 0.0 || vl <= 0.0)
		return vf > vl ? g / (vf - vl) : INFINITY;
	double dv = vf - vl;
	double t = 2.0 * g / (dv + sqrt(dv * dv + 2.0 * b * g));
	if (t <= vl / b)
		return t;
	return vf > 0.0 ? (g + vl * vl / (2.0 * b)) / vf : INFINITY;
}

/* Distance along follower f's road to x (at step e), NaN when x is not
 * on it; *branch when x is on another branch's connector at the fork. */
static double along(const struct oracle_ctx *c, size_t f, const struct sim_truth *pf,
                    const struct sim_truth *px, bool *branch)
{
	const struct sim_actor *af = &c->sc->actors[f];
	size_t fork = af->n_route;
	*branch = false;
	for (size_t i = pf->route_i; i < af->n_route; i++)
		if (sim_oracle__n_successors(c->m, af->route[i]) > 1) {
			fork = i;
			break;
		}
	int j = sim_oracle__route_index(c, f, px->lane);
	if (j >= (int)pf->route_i && (size_t)j <= fork + 1)
		return sim_oracle__route_s0(c, f, (size_t)j) + px->s - pf->route_s;
	if (fork == af->n_route)
		return NAN;
	for (size_t k = 0; k < c->m->n_connections; k++) {
		const struct map_connection *cn = &c->m->connections[k];
		if (cn->from_lane == af->route[fork] && cn->to_lane == px->lane) {
			const struct map_lane *l = map_model_lane(c->m, af->route[fork]);
			*branch = true;
			return sim_oracle__route_s0(c, f, fork) + l->length_m + px->s - pf->route_s;
		}
	}
	return NAN;
}

static void find_lead(const struct oracle_ctx *c, size_t f, size_t e, struct lead *o)
{
	const struct sim_truth *pf = sim_oracle__at(c, f, e);
	*o = (struct lead){ -1, -1, INFINITY, INFINITY, false };
	if (!pf->present)
		return;
	double range = gap_range(pf->speed_mps + c->noise[f].speed_mps) + c->noise[f].pos_m;
	for (size_t x = 0; x < c->sc->n_actors; x++) {
		const struct sim_truth *px = sim_oracle__at(c, x, e);
		bool branch;
		if (x == f || !px->present)
			continue;
		double d = along(c, f, pf, px, &branch);
		if (!(d > 0.0) || d > range)
			continue;
		if (d < o->d) {
			o->next = o->who;
			o->d_next = o->d;
			o->who = (int32_t)x;
			o->d = d;
			o->branch = branch;
		} else if (d < o->d_next) {
			o->next = (int32_t)x;
			o->d_next = d;
		}
	}
}

/* T with the margins for (loose) or against (strict) the warning. */
static double ttc_of(const struct oracle_ctx *c, const struct fcw_geo *g, double d, size_t e,
                     bool strict)
{
	const struct sim_truth *pf = sim_oracle__at(c, g->f, e), *pl = sim_oracle__at(c, g->l, e);
	double mp = c->noise[g->f].pos_m + c->noise[g->l].pos_m;
	double mv = c->noise[g->f].speed_mps;
	double len = (c->sc->actors[g->f].length_m + c->sc->actors[g->l].length_m) / 2.0;
	double b = fmax(0.0, -pl->accel_mps2);
	if (strict)
		return ttc(d - len + mp, fmax(0.0, pf->speed_mps - mv), pl->speed_mps + mv, b) +
		       FC_TTC_MARGIN_S;
	return ttc(d - len - mp, pf->speed_mps + mv, fmax(0.0, pl->speed_mps - mv), b) -
	       FC_TTC_MARGIN_S;
}

static void rows(const struct oracle_ctx *c, const struct fcw_geo *g)
{
	bool latched = false;
	for (size_t e = 0; e < c->n_eval; e++) {
		const struct lead *ld = &g->lead[e];
		const struct sim_truth *pf = sim_oracle__at(c, g->f, e);
		double mp = c->noise[g->f].pos_m + c->noise[g->l].pos_m,
		       mv = c->noise[g->f].speed_mps;
		bool first = ld->who == (int32_t)g->l;
		bool near = first || (ld->next == (int32_t)g->l && ld->d_next - ld->d <= mp);
		double d = first ? ld->d : ld->d_next;
		c->loose[e] = c->strict[e] = false;
		if (!near || pf->speed_mps < FC_MIN_SPEED_MPS - mv) {
			latched = false;
			continue;
		}
		double t = ttc_of(c, g, d, e, false);
		latched = t <= FC_TTC_WARN_S || (latched && t <= FC_TTC_WARN_S + FC_HYSTERESIS_S);
		c->loose[e] = latched;
		c->strict[e] = first && !ld->branch && ld->d_next - ld->d > mp &&
		               pf->speed_mps >= FC_MIN_SPEED_MPS + mv &&
		               d <= gap_range(pf->speed_mps - mv) - mp &&
		               ttc_of(c, g, d, e, true) <= FC_TTC_WARN_S &&
		               sim_oracle__seen(c, g->f, e) && sim_oracle__seen(c, g->l, e);
	}
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *d)
{
	const struct fcw_geo *g = s->arg;
	double len = (c->sc->actors[g->f].length_m + c->sc->actors[g->l].length_m) / 2.0;
	(void)ta;
	(void)t1;
	for (size_t e = (size_t)floor(t0 / c->eval_dt + 0.5); e < c->n_eval; e++) {
		const struct lead *ld = &g->lead[e];
		if (ld->who != (int32_t)g->l)
			break;
		if (ld->d - len <= 0.0) {
			d->critical_t_s = sim_oracle__t(c, e);
			break;
		}
	}
	d->to_t_s = d->critical_t_s;
	const struct sim_truth *pf = sim_world_at(c->w, g->f, sim_world_step(c->w, t0));
	const struct sim_truth *pl = sim_world_at(c->w, g->l, sim_world_step(c->w, t0));
	sim_oracle__say(d->note, sizeof(d->note), "at %.2f s %.1f m/s behind %.1f m/s (%.1f m/s2)",
	                t0, pf->speed_mps, pl->speed_mps, pl->accel_mps2);
}

/* The situations of follower f: one per vehicle that may lead it. */
static int follower(struct oracle_ctx *c, size_t f, struct lead *lead, bool *seen_l)
{
	memset(seen_l, 0, c->sc->n_actors * sizeof(*seen_l));
	for (size_t e = 0; e < c->n_eval; e++) {
		find_lead(c, f, e, &lead[e]);
		if (lead[e].who >= 0)
			seen_l[lead[e].who] = true;
		if (lead[e].next >= 0 && lead[e].d_next - lead[e].d <= c->noise[f].pos_m * 2.0)
			seen_l[lead[e].next] = true;
	}
	for (size_t l = 0; l < c->sc->n_actors; l++) {
		if (!seen_l[l])
			continue;
		struct fcw_geo g = { f, l, lead };
		struct oracle_sit s;
		rows(c, &g);
		sim_oracle__sit_init(&s, SIM_W_FORWARD_COLLISION, f);
		s.subject_actor = (int32_t)l;
		s.deadline = deadline;
		s.arg = &g;
		sim_oracle__say(s.what, sizeof(s.what), "%s closing on %s ahead",
		                c->sc->actors[f].name, c->sc->actors[l].name);
		int rc = sim_oracle__episodes(c, &s);
		if (rc)
			return rc;
	}
	return 0;
}

int sim_oracle__fcw(struct oracle_ctx *c)
{
	struct lead *lead = calloc(c->n_eval + 1, sizeof(*lead));
	bool *seen_l = calloc(c->sc->n_actors + 1, sizeof(*seen_l));
	int rc = lead && seen_l ? 0 : V2X_ENOMEM;
	for (size_t f = 0; rc == 0 && f < c->sc->n_actors; f++)
		rc = follower(c, f, lead, seen_l);
	free(lead);
	free(seen_l);
	return rc;
}
