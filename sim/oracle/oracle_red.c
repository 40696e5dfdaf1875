/*
 * oracle_red: the red-light violation rule, in the oracle's terms.
 *
 * The application (broker/apps/red_light/red_light.h) looks at the first
 * stop line on the vehicle's path, d ahead, and the signal groups of every
 * movement from its lane.  It warns when the vehicle cannot stop
 * comfortably,
 *
 *   d_stop = v t_r + v^2 / (2 a)   (braking: v^2 / (2 max(a, -a_x)))
 *   a = max(decel + g G, decel / 4),  G the grade to the line (+-0.15)
 *   d_stop > d
 *
 * and every movement is violated: its rear does not clear the line before
 * red at constant speed, (d + L) / v > T_red, and (for a light already
 * red) the front arrives before the red ends, d / v < T_red_end.  T_red
 * comes from the SPAT: green -> its end + the configured yellow (3 s),
 * yellow -> its end, red -> 0.
 *
 * The oracle takes the signal states from the scenario's fixed-time plan
 * (what the SPAT carries), the distance and speed from the truth, and
 * evaluates the same with the margins: the position and speed margins,
 * 0.2 s of countdown resolution and the plan's own yellow against the
 * configured one.  Its window ends when the vehicle reaches the line; the
 * expectation says what the lights show then.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/oracle_int.h"

/* broker/apps/red_light/red_light.h, BRK_RED_LIGHT_DEFAULT_* and
 * BRK_RED_LIGHT_GRADE_MAX. */
#define RL_REACTION_S    1.0
#define RL_DECEL_MPS2    3.0
#define RL_YELLOW_S      3.0
#define RL_BRAKING_MPS2  1.0
#define RL_MIN_SPEED_MPS 0.5
#define RL_GRADE_MAX     0.15
/* The oracle's own: SPAT countdowns come in tenths of a second, and the
 * warning rides on the BSM after the state changed. */
#define RL_TIME_MARGIN_S 0.2
/* The world's braking flag (world.c: deceleration beyond 0.5 m/s2). */
#define RL_WORLD_BRAKING_MPS2 0.5

#define GROUPS_MAX 8

enum light { GREEN, YELLOW, RED };

struct red_geo {
	size_t actor;
	const struct map_stop_line *sl;
	double rs_line, z_line;
	size_t n_groups;
	const struct sim_signal_group *groups[GROUPS_MAX];
	int junction_rsu; /* the RSU that sends the SPAT, -1 */
	double t_line;
};

/* The plan's state of group g at t, and how long it lasts (*left). */
static enum light state(const struct sim_signals *sg, const struct sim_signal_group *g, double t,
                        double *left)
{
	double cyc = sg->cycle_s;
	double rel = fmod(t + sg->offset_s - g->green_start_s, cyc);
	rel = rel < 0.0 ? rel + cyc : rel;
	if (rel < g->green_s) {
		*left = g->green_s - rel;
		return GREEN;
	}
	if (rel < g->green_s + g->yellow_s) {
		*left = g->green_s + g->yellow_s - rel;
		return YELLOW;
	}
	*left = cyc - rel;
	return RED;
}

/* One movement violated at t: loose (could be) or strict (surely). */
static bool violated(const struct oracle_ctx *c, const struct red_geo *g,
                     const struct sim_signal_group *grp, double t, double d, double v, bool strict)
{
	const struct oracle_noise *nz = &c->noise[g->actor];
	double len = c->sc->actors[g->actor].length_m, left;
	double mp = strict ? nz->pos_m : -nz->pos_m, mv = strict ? nz->speed_mps : -nz->speed_mps;
	double mt = strict ? RL_TIME_MARGIN_S : -RL_TIME_MARGIN_S;
	enum light st = state(&c->sc->signals, grp, t, &left);
	double t_red = 0.0;
	if (st == GREEN)
		t_red = left + (strict ? fmax(RL_YELLOW_S, grp->yellow_s)
		                       : fmin(RL_YELLOW_S, grp->yellow_s));
	else if (st == YELLOW)
		t_red = left;
	double fast = fmax(v + mv, 0.1), slow = fmax(v - mv, 0.1);
	if ((d + len - mp) / fast <= t_red + mt)
		return false;                            /* it clears the line before red */
	return st != RED || (d + mp) / slow < left - mt; /* it arrives before red ends */
}

/* The comfortable stop needs more than d (loose: could; strict: surely). */
static bool cannot_stop(const struct oracle_ctx *c, const struct red_geo *g,
                        const struct sim_truth *p, double d, bool strict)
{
	const struct oracle_noise *nz = &c->noise[g->actor];
	double mp = strict ? nz->pos_m : -nz->pos_m;
	double v = fmax(0.0, p->speed_mps + (strict ? -nz->speed_mps : nz->speed_mps));
	double grade = (g->z_line - p->z) / fmax(d, 1.0);
	grade = fmax(-RL_GRADE_MAX, fmin(RL_GRADE_MAX, grade));
	double a = fmax(RL_DECEL_MPS2 + ORACLE_G * grade, RL_DECEL_MPS2 / 4.0);
	double plain = v * RL_REACTION_S + v * v / (2.0 * a);
	double braking = v * v / (2.0 * fmax(a, -p->accel_mps2));
	bool flag = p->accel_mps2 <= -RL_BRAKING_MPS2,
	     maybe = p->accel_mps2 < -RL_WORLD_BRAKING_MPS2;
	double need;
	if (flag)
		need = braking;
	else if (maybe) /* the BSM's brake flag may or may not say so */
		need = strict ? fmin(plain, braking) : fmax(plain, braking);
	else
		need = plain;
	return need > d + mp;
}

static void eval(const struct oracle_ctx *c, const struct red_geo *g, size_t e)
{
	const struct sim_truth *p = sim_oracle__at(c, g->actor, e);
	const struct oracle_noise *nz = &c->noise[g->actor];
	double t = sim_oracle__t(c, e);
	c->loose[e] = c->strict[e] = false;
	if (!p->present)
		return;
	double d = g->rs_line - p->route_s, v = p->speed_mps;
	bool loose = d > -nz->pos_m && v >= RL_MIN_SPEED_MPS - nz->speed_mps &&
	             cannot_stop(c, g, p, d, false);
	bool strict = d > nz->pos_m && v >= RL_MIN_SPEED_MPS + nz->speed_mps &&
	              cannot_stop(c, g, p, d, true) && sim_oracle__seen(c, g->actor, e) &&
	              g->junction_rsu >= 0 &&
	              !sim_oracle__dark(c, c->rsus[g->junction_rsu].rsu->rsu_id, t);
	for (size_t k = 0; k < g->n_groups && (loose || strict); k++) {
		loose = loose && violated(c, g, g->groups[k], t, d, v, false);
		strict = strict && violated(c, g, g->groups[k], t, d, v, true);
	}
	c->loose[e] = loose;
	c->strict[e] = strict;
}

static void deadline(const struct oracle_ctx *c, const struct oracle_sit *s, double t0, double ta,
                     double t1, struct oracle_deadline *d)
{
	const struct red_geo *g = s->arg;
	static const char *const names[] = { "green", "yellow", "red" };
	char *o = d->note;
	size_t room = sizeof(d->note);
	(void)t0;
	(void)ta;
	(void)t1;
	d->critical_t_s = d->to_t_s = g->t_line;
	int w = snprintf(o, room, "at the line %.2f s:", g->t_line);
	for (size_t k = 0; k < g->n_groups && w > 0 && (size_t)w < room && !isnan(g->t_line); k++) {
		double left;
		enum light st = state(&c->sc->signals, g->groups[k], g->t_line, &left);
		o += w;
		room -= (size_t)w;
		w = snprintf(o, room, " group %d %s", (int)g->groups[k]->group, names[st]);
	}
}

/* The plan's group number n, or NULL. */
static const struct sim_signal_group *group(const struct sim_signals *sg, int32_t n)
{
	for (size_t i = 0; i < sg->n; i++)
		if (sg->groups[i].group == n)
			return &sg->groups[i];
	return NULL;
}

/* Adds signal group n to g; false when the line cannot be judged. */
static bool add_group(const struct oracle_ctx *c, struct red_geo *g, int32_t n)
{
	const struct sim_signal_group *grp = n >= 0 ? group(&c->sc->signals, n) : NULL;
	if (!grp)
		return false; /* unsignalised, or no state in the SPAT: no warning */
	for (size_t k = 0; k < g->n_groups; k++)
		if (g->groups[k] == grp)
			return true;
	if (g->n_groups < GROUPS_MAX)
		g->groups[g->n_groups++] = grp;
	return true;
}

/* The movements from the stop line's lane into its intersection. */
static bool movements(const struct oracle_ctx *c, struct red_geo *g)
{
	const struct map_stop_line *sl = g->sl;
	bool any = false;
	for (size_t k = 0; k < c->m->n_connections; k++) {
		const struct map_connection *cn = &c->m->connections[k];
		if (cn->from_lane != sl->lane_id || cn->intersection_id != sl->intersection_id)
			continue;
		any = true;
		if (!add_group(c, g, cn->signal_group))
			return false;
	}
	return any || add_group(c, g, sl->signal_group);
}

static int situation(struct oracle_ctx *c, size_t a, size_t i, const struct map_stop_line *sl)
{
	struct red_geo g = { .actor = a, .sl = sl, .junction_rsu = -1, .t_line = NAN };
	struct oracle_sit s;
	if (!movements(c, &g) || g.n_groups == 0)
		return 0;
	g.rs_line = sim_oracle__route_s0(c, a, i) + sl->s;
	g.z_line = (sl->a.z + sl->b.z) / 2.0;
	for (size_t k = 0; k < c->m->n_intersections; k++) {
		const struct map_intersection *in = &c->m->intersections[k];
		if (in->id == sl->intersection_id)
			g.junction_rsu =
			        sim_oracle__rsu_for(c, NULL, in->ref.x, in->ref.y, in->ref.z);
	}
	for (size_t e = 0; e < c->n_eval; e++) {
		const struct sim_truth *p = sim_oracle__at(c, a, e);
		if (p->present) {
			if (p->route_s < g.rs_line)
				g.t_line = sim_world_time_at(c->w, a, g.rs_line);
			break;
		}
	}
	for (size_t e = 0; e < c->n_eval; e++)
		eval(c, &g, e);
	sim_oracle__sit_init(&s, SIM_W_RED_LIGHT, a);
	s.may_must = !sim_oracle__after_fork(c, a, i);
	s.deadline = deadline;
	s.arg = &g;
	sim_oracle__say(s.what, sizeof(s.what), "%s towards stop line %u (lane %u)",
	                c->sc->actors[a].name, (unsigned)sl->id, (unsigned)sl->lane_id);
	return sim_oracle__episodes(c, &s);
}

int sim_oracle__red(struct oracle_ctx *c)
{
	int rc = 0;
	if (!c->sc->signals.present || !(c->sc->signals.cycle_s > 0.0))
		return 0;
	for (size_t a = 0; rc == 0 && a < c->sc->n_actors; a++) {
		const struct sim_actor *ac = &c->sc->actors[a];
		for (size_t i = 0; rc == 0 && i < ac->n_route; i++)
			for (size_t k = 0; rc == 0 && k < c->m->n_stop_lines; k++)
				if (c->m->stop_lines[k].lane_id == ac->route[i])
					rc = situation(c, a, i, &c->m->stop_lines[k]);
	}
	return rc;
}
