/*
 * world: the kinematic truth of a run.  See world.h.
 */
#include "sim/world/world.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"

/* Lateral offsets change at this rate (a lane change takes about 3 s). */
#define LATERAL_RATE_MPS 1.2

/* What one actor is doing while the world steps. */
struct mover {
	const struct sim_actor *a;
	const struct map_lane *lane; /* the current route lane */
	size_t sample;               /* the profile sample at or before s */
	bool present, gone;
	uint16_t route_i;
	double s, v, lateral, lateral_goal;
	double override_mps; /* a speed action's target, NaN: none */
	double override_t;   /* when that action came */
	int stop;            /* 0 driving, 1 stopping, 2 hard stopping */
	bool *fired;         /* per action */
};

static const struct map_lane *route_lane(const struct map_model *m, const struct sim_actor *a,
                                         size_t i)
{
	return map_model_lane(m, a->route[i]);
}

static bool connected(const struct map_model *m, uint32_t from, uint32_t to)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if (m->connections[i].from_lane == from && m->connections[i].to_lane == to)
			return true;
	return false;
}

/* Checks actor a's route against the map, fills its lanes' route_s. */
static int route_setup(const struct map_model *m, const struct sim_actor *a, double *s0,
                       double *len, char *err, size_t errlen)
{
	double acc = 0.0;
	for (size_t i = 0; i < a->n_route; i++) {
		const struct map_lane *l = route_lane(m, a, i);
		if (!l) {
			snprintf(err, errlen, "actor %s: route lane %u is not in the map", a->name,
			         (unsigned)a->route[i]);
			return V2X_EINVAL;
		}
		if (i > 0 && !connected(m, a->route[i - 1], a->route[i])) {
			snprintf(err, errlen,
			         "actor %s: route lane %u does not continue into lane %u (no "
			         "connection)",
			         a->name, (unsigned)a->route[i - 1], (unsigned)a->route[i]);
			return V2X_EINVAL;
		}
		s0[i] = acc;
		acc += l->length_m;
	}
	*len = acc;
	if (a->n_route == 0 || !(a->start_s >= 0.0) || a->start_s > route_lane(m, a, 0)->length_m) {
		snprintf(err, errlen, "actor %s: start_s %.1f is not on lane %u", a->name,
		         a->start_s, a->n_route ? (unsigned)a->route[0] : 0u);
		return V2X_EINVAL;
	}
	return 0;
}

/* Moves *k to the sample of l at or before s. */
static void seek_sample(const struct map_lane *l, double s, size_t *k)
{
	size_t i = *k < l->n_samples ? *k : 0;
	if (l->samples[i].s > s)
		i = 0;
	while (i + 1 < l->n_samples && l->samples[i + 1].s <= s)
		i++;
	*k = i;
}

static bool in_tunnel(const struct map_model *m, uint32_t lane, double s)
{
	for (size_t i = 0; i < m->n_structures; i++) {
		const struct map_structure *st = &m->structures[i];
		if (st->kind != MAP_TUNNEL)
			continue;
		for (size_t j = 0; j < st->n_intervals; j++) {
			const struct map_interval *iv = &st->intervals[j];
			if (iv->lane_id == lane && s >= iv->s0 && s <= iv->s1)
				return true;
		}
	}
	return false;
}

/* The speed the driver aims at, at run time t. */
static double goal_speed(const struct mover *mv, double t)
{
	const struct sim_actor *a = mv->a;
	double goal = a->speed_mps, since = -1.0;
	double rel = t - a->start_t_s;
	for (size_t i = 0; i < a->n_profile; i++)
		if (a->profile[i].t_s <= rel && a->profile[i].t_s >= since) {
			goal = a->profile[i].speed_mps;
			since = a->profile[i].t_s;
		}
	if (!isnan(mv->override_mps) && mv->override_t - a->start_t_s >= since)
		goal = mv->override_mps;
	return mv->stop ? 0.0 : goal;
}

static void apply_action(struct mover *mv, const struct sim_action *ac, double t)
{
	switch (ac->kind) {
	case SIM_ACT_SPEED:
		mv->override_mps = ac->value;
		mv->override_t = t;
		mv->stop = 0;
		break;
	case SIM_ACT_STOP:
		mv->stop = mv->stop ? mv->stop : 1;
		break;
	case SIM_ACT_BRAKE_HARD:
		mv->stop = 2;
		break;
	case SIM_ACT_LATERAL:
		mv->lateral_goal = ac->value;
		break;
	case SIM_ACT_RESUME:
		mv->stop = 0;
		break;
	default:
		break;
	}
}

/* Fires the actions due at t (by time) or at route_s (by place). */
static void run_actions(struct mover *mv, const struct sim_world *w, size_t ai, double t)
{
	const struct sim_actor *a = mv->a;
	double rs = w->route_lane_s0[w->route_off[ai] + mv->route_i] + mv->s;
	for (size_t i = 0; i < a->n_actions; i++) {
		const struct sim_action *ac = &a->actions[i];
		if (mv->fired[i])
			continue;
		bool due;
		if (ac->at_lane == 0) {
			due = t + 1e-9 >= ac->at_t_s;
		} else {
			double at = sim_world_route_s(w, ai, ac->at_lane, ac->at_s);
			due = !isnan(at) && rs >= at;
		}
		if (due) {
			mv->fired[i] = true;
			apply_action(mv, ac, t);
		}
	}
}

/* One step of the longitudinal model; returns the acceleration used. */
static double drive(struct mover *mv, double t, double dt)
{
	const struct sim_actor *a = mv->a;
	double goal = goal_speed(mv, t);
	double acc = 0.0;
	if (mv->v < goal)
		acc = fmin(a->accel_max_mps2, (goal - mv->v) / dt);
	else if (mv->v > goal)
		acc = -fmin(mv->stop == 2 ? a->decel_hard_mps2 : a->decel_mps2,
		            (mv->v - goal) / dt);
	double v1 = fmax(0.0, mv->v + acc * dt);
	mv->s += 0.5 * (mv->v + v1) * dt;
	mv->v = v1;
	double dl = mv->lateral_goal - mv->lateral, step = LATERAL_RATE_MPS * dt;
	mv->lateral += fabs(dl) <= step ? dl : copysign(step, dl);
	return acc;
}

/* Carries s over lane ends along the route; the actor leaves at its end. */
static void advance_lanes(struct mover *mv, const struct map_model *m)
{
	while (!mv->gone && mv->s > mv->lane->length_m) {
		if ((size_t)mv->route_i + 1 >= mv->a->n_route) {
			mv->gone = true;
			mv->present = false;
			return;
		}
		mv->s -= mv->lane->length_m;
		mv->route_i++;
		mv->lane = route_lane(m, mv->a, mv->route_i);
		mv->sample = 0;
	}
}

/* The point of lane l at s, shifted lateral metres to the left. */
static void place(const struct map_lane *l, size_t *k, double s, double lateral,
                  struct sim_truth *o)
{
	seek_sample(l, s, k);
	const struct map_sample *p = &l->samples[*k];
	const struct map_sample *q = *k + 1 < l->n_samples ? p + 1 : p;
	double f = q->s > p->s ? (s - p->s) / (q->s - p->s) : 0.0;
	f = fmin(1.0, fmax(0.0, f));
	double dh = fmod(q->heading_deg - p->heading_deg + 540.0, 360.0) - 180.0;
	double h = fmod(p->heading_deg + f * dh + 360.0, 360.0);
	double hr = h * M_PI / 180.0;
	o->x = p->x + f * (q->x - p->x) - lateral * cos(hr);
	o->y = p->y + f * (q->y - p->y) + lateral * sin(hr);
	o->z = p->z + f * (q->z - p->z);
	o->heading_deg = h;
}

static void record(const struct mover *mv, const struct sim_world *w, size_t ai, double acc,
                   struct sim_truth *o)
{
	memset(o, 0, sizeof(*o));
	if (!mv->present)
		return;
	o->present = true;
	o->route_i = mv->route_i;
	o->lane = mv->lane->id;
	o->s = mv->s;
	o->route_s = w->route_lane_s0[w->route_off[ai] + mv->route_i] + mv->s;
	o->speed_mps = mv->v;
	o->accel_mps2 = acc;
	o->braking = acc < -0.5;
	o->hard_braking = mv->stop == 2 && mv->v > 0.0;
	o->lateral_m = mv->lateral;
	size_t k = mv->sample;
	place(mv->lane, &k, mv->s, mv->lateral, o);
	o->in_tunnel = in_tunnel(w->map, o->lane, mv->s);
}

static void mover_start(struct mover *mv, const struct map_model *m)
{
	const struct sim_actor *a = mv->a;
	mv->present = true;
	mv->lane = route_lane(m, a, 0);
	mv->s = a->start_s;
	mv->v = a->speed_mps;
	mv->lateral = mv->lateral_goal = a->lateral_m;
}

/* Steps actor ai through the whole run. */
static void run_actor(struct sim_world *w, size_t ai, struct mover *mv)
{
	const struct map_model *m = w->map;
	for (size_t k = 0; k < w->n_steps; k++) {
		double t = (double)k * w->step_s, acc = 0.0;
		/* Step k covers (t - dt, t]: what is decided at its start (the
		 * actions due, the goal speed) holds through it. */
		if (!mv->present && !mv->gone && t + 1e-9 >= mv->a->start_t_s) {
			mover_start(mv, m);
			run_actions(mv, w, ai, t);
		} else if (mv->present) {
			acc = drive(mv, t - w->step_s, w->step_s);
			advance_lanes(mv, m);
			if (mv->present)
				run_actions(mv, w, ai, t);
		}
		if (mv->present)
			seek_sample(mv->lane, mv->s, &mv->sample);
		record(mv, w, ai, acc, &w->truth[ai * w->n_steps + k]);
	}
}

static int alloc_lists(const struct sim_scenario *sc, struct v2x_arena *arena, struct sim_world *w)
{
	size_t n_route = 0;
	for (size_t i = 0; i < sc->n_actors; i++)
		n_route += sc->actors[i].n_route;
	w->truth = v2x_arena_alloc(arena, sizeof(*w->truth) * (w->n_actors * w->n_steps + 1));
	w->route_len_m = v2x_arena_alloc(arena, sizeof(double) * (w->n_actors + 1));
	w->route_lane_s0 = v2x_arena_alloc(arena, sizeof(double) * (n_route + 1));
	w->route_off = v2x_arena_alloc(arena, sizeof(size_t) * (w->n_actors + 1));
	if (!w->truth || !w->route_len_m || !w->route_lane_s0 || !w->route_off)
		return V2X_ENOMEM;
	size_t off = 0;
	for (size_t i = 0; i < sc->n_actors; i++) {
		w->route_off[i] = off;
		off += sc->actors[i].n_route;
	}
	return 0;
}

int sim_world_run(const struct sim_scenario *sc, const struct map_model *m, struct v2x_arena *arena,
                  struct sim_world *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->map = m;
	w->sc = sc;
	w->step_s = SIM_WORLD_STEP_S;
	w->n_steps = (size_t)llround(sc->duration_s / w->step_s) + 1;
	w->n_actors = sc->n_actors;
	int rc = alloc_lists(sc, arena, w);
	if (rc)
		return rc;
	for (size_t i = 0; i < sc->n_actors; i++) {
		rc = route_setup(m, &sc->actors[i], &w->route_lane_s0[w->route_off[i]],
		                 &w->route_len_m[i], err, errlen);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < sc->n_actors; i++) {
		struct mover mv = { .a = &sc->actors[i], .override_mps = NAN };
		mv.fired = v2x_arena_alloc(arena, sizeof(bool) * (mv.a->n_actions + 1));
		if (!mv.fired)
			return V2X_ENOMEM;
		memset(mv.fired, 0, sizeof(bool) * (mv.a->n_actions + 1));
		run_actor(w, i, &mv);
	}
	return 0;
}

const struct sim_truth *sim_world_at(const struct sim_world *w, size_t a, size_t k)
{
	return &w->truth[a * w->n_steps + k];
}

size_t sim_world_step(const struct sim_world *w, double t_s)
{
	if (!(t_s > 0.0))
		return 0;
	size_t k = (size_t)floor(t_s / w->step_s + 1e-9);
	return k < w->n_steps ? k : w->n_steps - 1;
}

double sim_world_route_s(const struct sim_world *w, size_t a, uint32_t lane, double s)
{
	const struct sim_actor *ac = &w->sc->actors[a];
	for (size_t i = 0; i < ac->n_route; i++)
		if (ac->route[i] == lane)
			return w->route_lane_s0[w->route_off[a] + i] + s;
	return NAN;
}

double sim_world_time_at(const struct sim_world *w, size_t a, double route_s)
{
	double prev_t = NAN, prev_s = NAN;
	for (size_t k = 0; k < w->n_steps; k++) {
		const struct sim_truth *p = sim_world_at(w, a, k);
		double t = (double)k * w->step_s;
		if (!p->present)
			continue;
		if (p->route_s >= route_s) {
			if (isnan(prev_s) || p->route_s <= prev_s)
				return t;
			return prev_t + (t - prev_t) * (route_s - prev_s) / (p->route_s - prev_s);
		}
		prev_t = t;
		prev_s = p->route_s;
	}
	return NAN;
}
