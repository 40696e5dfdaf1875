/*
 * oracle_int: what the oracle's rules share (oracle.h has the contract).
 *
 * Every rule works the same way.  For one situation (a target actor, and
 * a subject: a curve, a hazard, another vehicle, a stop line...) it
 * evaluates the application's condition on the world's truth at every
 * BSM time (every ORACLE_EVAL_STRIDE steps, 0.1 s) twice:
 *
 *   loose   the application COULD raise the warning here: every margin
 *           (GNSS noise, thresholds, timing) taken in its favour;
 *   strict  it SURELY raises it: every margin taken against it, and the
 *           broker hears the vehicle (a covering RSU, not dark, a GNSS
 *           fix).
 *
 * sim_oracle__episodes() then turns the two rows into expectations: each
 * run of loose is an episode, its window opening ORACLE_FROM_ALLOW_S
 * before the first loose point; the episode is a MUST when strict holds
 * without a break for ORACLE_STRICT_DUR_S (after the app's own hold time,
 * if it has one) early enough that the warning, ORACLE_PIPELINE_S later,
 * arrives before the rule's deadline; tolerated otherwise.  A tolerated
 * tail after a MUST's window covers late issues and re-issues while the
 * condition lasts, and ORACLE_TAIL_S after.
 */
#ifndef V2X_SIM_ORACLE_ORACLE_INT_H
#define V2X_SIM_ORACLE_ORACLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/gen/mapgen.h"
#include "maps/model.h"
#include "sim/oracle/oracle.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

/* The rules are evaluated at the BSM rate: every 10th step (0.1 s). */
#define ORACLE_EVAL_STRIDE 10

/* Window start: the first time the condition holds in truth, less this
 * (the broker may see it a BSM early through noise, and the first BSM
 * after it comes within 0.1 s). */
#define ORACLE_FROM_ALLOW_S 0.3
/* End to end: a BSM every 0.1 s, then agent, broker and subscriber; the
 * pipeline's budget is far below, 0.3 s leaves room for a slow machine. */
#define ORACLE_PIPELINE_S 0.3
/* A MUST needs the strict condition this long without a break: five BSMs,
 * so that one or two lost ones do not turn it into a miss. */
#define ORACLE_STRICT_DUR_S 0.5
/* A situation that ends lets warnings arrive this long after (the BSM
 * that still met it, the pipeline). */
#define ORACLE_TAIL_S (ORACLE_PIPELINE_S + 0.2)
/* Positions: the truth is exact, the broker's match of a BSM is not (lane
 * matching, quantisation); GNSS noise and bias add to this. */
#define ORACLE_POS_MARGIN_M 2.0
/* Speeds: the BSM's speed is quantised to 0.02 m/s; noise adds to this. */
#define ORACLE_SPEED_MARGIN_MPS 0.3
/* A vehicle is heard by an RSU surely when this much inside its range. */
#define ORACLE_RANGE_MARGIN_M 10.0
#define ORACLE_G              MAPGEN_G

/* What blurs one actor's picture at the broker. */
struct oracle_noise {
	double pos_m;     /* along-road position margin, m */
	double lat_m;     /* lateral position margin, m */
	double speed_mps; /* speed margin, m/s */
	double skew_s;    /* its clock skew, s (absolute) */
	bool tunnel_outage;
};

/* A stretch of a lane a hazard covers; sure or only maybe. */
struct oracle_cover {
	uint32_t lane;
	double a, b; /* s range */
	bool sure;
};

/* An RSI event or RSM participant: where it is (at its start), and when
 * the broker first surely has it and when its RSU last sent it. */
struct oracle_src {
	double x, y, z;
	double first_heard; /* INFINITY: never */
	double last_sent;   /* -INFINITY: never */
};

/* An RSU of the run and its range (the scenario's override or the map's). */
struct oracle_rsu {
	const struct map_rsu *rsu;
	double range_m;
};

struct oracle_ctx {
	const struct sim_world *w;
	const struct map_model *m;
	const struct sim_scenario *sc;
	size_t n_eval;              /* evaluation points, e * ORACLE_EVAL_STRIDE steps */
	double eval_dt;             /* s between them */
	struct oracle_noise *noise; /* per actor */
	uint8_t *seen;              /* per actor * n_eval: the broker hears it */
	bool *loose, *strict;       /* scratch rows, n_eval each */
	size_t n_rsus;              /* the run's RSUs */
	struct oracle_rsu *rsus;
	struct oracle_src *rsi, *rsm; /* per sc->rsi, sc->rsm */
	struct sim_expected *v;       /* the expectations so far (malloc) */
	size_t n, cap;
};

/* The numbers a rule's deadline gives an episode. */
struct oracle_deadline {
	double to_t_s;       /* latest useful arrival; NaN: the episode's end */
	double critical_t_s; /* NaN: none */
	double advisory_mps; /* NaN: none */
	char note[96];       /* appended to the expectation's why, may be "" */
};

struct oracle_sit;
typedef void (*oracle_deadline_fn)(const struct oracle_ctx *c, const struct oracle_sit *s,
                                   double t0, double ta, double t1, struct oracle_deadline *d);

/* One situation: who is warned about what, and how its windows end. */
struct oracle_sit {
	uint8_t type; /* enum sim_warning_type */
	uint16_t target;
	int32_t subject_actor, subject_rsi, subject_rsm;
	double start_delay_s; /* the app issues this long after the condition starts */
	bool may_must;        /* false: tolerated whatever the margins say */
	oracle_deadline_fn deadline;
	const void *arg; /* the rule's own data for its deadline */
	char what[120];  /* the situation, for the expectation's why */
};

/* Time of evaluation point e. */
double sim_oracle__t(const struct oracle_ctx *c, size_t e);

/* Actor a's truth at evaluation point e. */
const struct sim_truth *sim_oracle__at(const struct oracle_ctx *c, size_t a, size_t e);

/* True when the broker surely hears actor a's BSMs, with a position, at
 * evaluation point e. */
bool sim_oracle__seen(const struct oracle_ctx *c, size_t a, size_t e);

/* True when the RSU called id is dark at t. */
bool sim_oracle__dark(const struct oracle_ctx *c, const char *id, double t);

/* The run's RSU that broadcasts from (x, y, z): the one called id, or
 * the nearest whose range covers it; -1 when none. */
int sim_oracle__rsu_for(const struct oracle_ctx *c, const char *id, double x, double y, double z);

/* Whether the broker holds RSI event i at t: surely (sure) or maybe. */
bool sim_oracle__rsi_known(const struct oracle_ctx *c, size_t i, double t, bool sure);

/* The lane stretches RSI event i covers, on every lane (only_lane 0) or
 * on only_lane: up to max into out; returns how many there are. */
size_t sim_oracle__rsi_cover(const struct oracle_ctx *c, size_t i, uint32_t only_lane,
                             struct oracle_cover *out, size_t max);

/* Whether the broker holds RSM participant i at t: surely or maybe. */
bool sim_oracle__rsm_known(const struct oracle_ctx *c, size_t i, double t, bool sure);

/* Lane l's profile at s, interpolated between its samples (clamped). */
void sim_oracle__sample(const struct map_lane *l, double s, struct map_sample *out);

/* The time actor a reaches route_s rs; NaN when it starts past it (or
 * rs is NaN) or never reaches it within the run. */
double sim_oracle__time_at(const struct oracle_ctx *c, size_t a, double rs);

/* Index of lane in actor a's route, or -1. */
int sim_oracle__route_index(const struct oracle_ctx *c, size_t a, uint32_t lane);

/* route_s of the start of actor a's route lane i. */
double sim_oracle__route_s0(const struct oracle_ctx *c, size_t a, size_t i);

/* Number of lanes the map continues lane into. */
size_t sim_oracle__n_successors(const struct map_model *m, uint32_t lane);

/* True when actor a's route lane i (> 0) was entered at a fork (its
 * predecessor continues into more than one lane). */
bool sim_oracle__after_fork(const struct oracle_ctx *c, size_t a, size_t i);

/* True when the straight line between the eyes p and q (local frame, z
 * the eye height) passes through a sight obstruction of the map between
 * its bottom and top heights. */
bool sim_oracle__sight_blocked(const struct map_model *m, const struct map_xyz *p,
                               const struct map_xyz *q);

/*
 * The stretches of lanes within a disc of radius r_sure (sure) and
 * r_maybe (maybe) around (x, y) in 2D where the lane's height lies within
 * dz_sure (dz_maybe) of z, on every lane (only_lane 0) or on only_lane.
 * Writes up to max into out, returns how many there are.
 */
size_t sim_oracle__disc(const struct map_model *m, double x, double y, double z, double r_sure,
                        double dz_sure, double r_maybe, double dz_maybe, uint32_t only_lane,
                        struct oracle_cover *out, size_t max);

/* Formats into buf (n bytes), cut to fit: the texts for people. */
void sim_oracle__say(char *buf, size_t n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Adds one expectation; 0 or V2X_ENOMEM. */
int sim_oracle__add(struct oracle_ctx *c, const struct sim_expected *e);

/* Turns c->loose and c->strict (filled for situation s) into expectations;
 * 0 or V2X_ENOMEM. */
int sim_oracle__episodes(struct oracle_ctx *c, const struct oracle_sit *s);

/* Starts a situation of type for target (no subject, may be a MUST). */
void sim_oracle__sit_init(struct oracle_sit *s, unsigned type, size_t target);

/* The rules, one per application. */
int sim_oracle__curve(struct oracle_ctx *c);
int sim_oracle__blind(struct oracle_ctx *c);
int sim_oracle__hazard(struct oracle_ctx *c);
int sim_oracle__fcw(struct oracle_ctx *c);
int sim_oracle__downgrade(struct oracle_ctx *c);
int sim_oracle__speed(struct oracle_ctx *c);
int sim_oracle__red(struct oracle_ctx *c);

#endif
