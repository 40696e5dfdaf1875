/*
 * oracle: the warnings a run should produce, judged from the simulator's
 * own truth (true lane and s, true speed and acceleration, the map's
 * ground-truth features: curves, grade sections, stop lines, sight
 * obstructions, the signal plan, the RSI events and RSM participants of
 * the scenario), never from what the broker matched.
 *
 * For each situation the oracle finds, one expectation: its type, target
 * and subject, and the window in which the warning's first issue must
 * arrive.  Near an application's threshold, where a small difference in
 * what the broker saw (GNSS noise, a lost BSM) may tip the decision
 * either way, the expectation is "tolerated" (must false): a warning there
 * is neither required nor a false positive.  The rules and their margins
 * are written in oracle_<rule>.c (curve, blind, hazard, fcw, downgrade,
 * speed, red), each beside its application's physics with the
 * application's default thresholds restated; oracle_int.h says how an
 * episode becomes a MUST window and its tolerated tail.  The broker's own
 * code is never used.
 */
#ifndef V2X_SIM_ORACLE_ORACLE_H
#define V2X_SIM_ORACLE_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "maps/model.h"
#include "runtime/arena.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

struct sim_expected {
	uint8_t type;            /* enum sim_warning_type */
	bool must;               /* false: tolerated */
	uint16_t target;         /* actor index */
	int32_t subject_actor;   /* the other vehicle (blind curve, forward collision), or -1 */
	int32_t subject_rsi;     /* index in sc->rsi (hazard ahead, speed-limit sign), or -1 */
	int32_t subject_rsm;     /* index in sc->rsm (hazard ahead), or -1 */
	double from_t_s, to_t_s; /* its first issue must arrive within */
	double critical_t_s;     /* when the target reaches the critical point (curve
	                          * entry, hazard, stop line, meeting point); NaN: none */
	double advisory_mps;     /* the advisory speed the oracle computes; NaN: none */
	char why[200];           /* for people: what the oracle saw */
};

/*
 * Computes what the run of w (on map m, scenario w->sc) should warn, into
 * *out (n entries, allocated from arena), ordered by from_t_s.  Returns 0
 * or V2X_ENOMEM.
 */
int sim_oracle_run(const struct sim_world *w, const struct map_model *m, struct v2x_arena *arena,
                   struct sim_expected **out, size_t *n);

/* Writes the expectations as JSON lines (one object per line, stable key
 * order and number format) to f; what the determinism test compares. */
void sim_oracle_write(const struct sim_world *w, const struct sim_expected *e, size_t n, FILE *f);

#endif
