/*
 * world: the simulator's ground truth.  Every actor of a scenario moves
 * along its route on the map's lanes with a kinematic model (longitudinal
 * only: acceleration and braking limits, a speed profile, scripted
 * actions), stepped every SIM_WORLD_STEP_S.  Position, height and heading
 * come from the lane's profile at the true s, shifted by the lateral
 * offset.  The run is a pure function of the scenario and the map: the
 * same inputs give the same trace, bit for bit.
 *
 * The trace keeps one point per actor per step; the oracle judges what
 * should be warned from it, the radio turns it into BSMs.
 */
#ifndef V2X_SIM_WORLD_WORLD_H
#define V2X_SIM_WORLD_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"
#include "sim/scenario/scenario.h"

#define SIM_WORLD_STEP_S 0.01 /* 10 ms */

/* Where one actor truly is at one step. */
struct sim_truth {
	bool present;     /* appeared and not yet off the end of its route */
	uint16_t route_i; /* index in the actor's route */
	uint32_t lane;    /* route[route_i] */
	double s;         /* along lane, m */
	double route_s;   /* along the whole route from route[0]'s s = 0, m */
	double speed_mps;
	double accel_mps2;  /* longitudinal, + forward */
	bool braking;       /* decelerating by the brakes (not coasting) */
	bool hard_braking;  /* a brake_hard action is on */
	double x, y, z;     /* local frame of the map (z: ellipsoidal height) */
	double heading_deg; /* of travel, clockwise from grid north */
	double lateral_m;   /* + left of the lane centre */
	bool in_tunnel;
};

/* The trace: n_steps points of each actor, point k at t = k * step_s. */
struct sim_world {
	const struct map_model *map;   /* borrowed */
	const struct sim_scenario *sc; /* borrowed */
	double step_s;
	size_t n_steps; /* duration_s / step_s + 1 */
	size_t n_actors;
	struct sim_truth *truth; /* [actor * n_steps + step] */
	double *route_len_m;     /* per actor: total length of its route */
	double *route_lane_s0;   /* per actor, per route lane (n_route each,
	                          * concatenated in actor order): route_s of
	                          * the lane's s = 0 */
	size_t *route_off;       /* per actor: index of its first entry above */
};

/*
 * Runs the scenario sc on map m (both borrowed; they must outlive *w),
 * every list of *w from arena.  Returns 0, V2X_EINVAL (a route that does
 * not follow the map's connections, a position off its lane: err says
 * which actor) or V2X_ENOMEM.
 */
int sim_world_run(const struct sim_scenario *sc, const struct map_model *m, struct v2x_arena *arena,
                  struct sim_world *w, char *err, size_t errlen);

/* Returns actor a's truth at step k (k < n_steps). */
const struct sim_truth *sim_world_at(const struct sim_world *w, size_t a, size_t k);

/* Returns the step of time t_s (rounded down, clamped to the trace). */
size_t sim_world_step(const struct sim_world *w, double t_s);

/* Returns route_s of (lane, s) on actor a's route, or NaN when lane is
 * not on it. */
double sim_world_route_s(const struct sim_world *w, size_t a, uint32_t lane, double s);

/* Returns the first time actor a's route_s reaches route_s, or NaN when
 * it never does within the run. */
double sim_world_time_at(const struct sim_world *w, size_t a, double route_s);

#endif
