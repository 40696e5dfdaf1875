/*
 * report_int: what the files of sim/report share: names, the truth at a
 * time, bounded string building, and the writers of the report's files.
 */
#ifndef V2X_SIM_REPORT_REPORT_INT_H
#define V2X_SIM_REPORT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/report/verdict.h"

/* Everything a report is written from, borrowed. */
struct sim_report__in {
	const struct sim_world *w;
	const struct map_model *m; /* may be NULL */
	const struct sim_expected *exp;
	size_t n_exp;
	const struct sim_received *rx;
	size_t n_rx;
	const struct sim_verdict *v;
	const struct sim_run_info *info; /* may be NULL */
};

/* Returns the name of actor a, "?" when a is not an actor. */
const char *sim_report__actor(const struct sim_world *w, int32_t a);

/* Returns "tp", "miss", "fp", "tolerated" or "none". */
const char *sim_report__match_name(unsigned match);

/* Returns the name of message type t ("bsm"), "?" when unknown. */
const char *sim_report__msg_name(unsigned t);

/* True for the first issue of a warning (revision 0, not a cancellation). */
bool sim_report__first_issue(const struct sim_received *r);

/* Returns actor a's truth at time t_s, NULL when a is not an actor, t_s is
 * outside the trace or the actor is not present then. */
const struct sim_truth *sim_report__truth(const struct sim_world *w, int32_t a, double t_s);

/* Position (x, y) at s along lane l (clamped to the lane), from its
 * profile samples. */
void sim_report__lane_xy(const struct map_lane *l, double s, double *x, double *y);

/* Appends printf output to the string in buf (cap bytes in all); when it
 * does not fit, the string ends with "..." at a UTF-8 boundary. */
void sim_report__appendf(char *buf, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* True when r's subject is e's (the other vehicle; the hazard by event or
 * participant type), or e's type has no subject to compare. */
bool sim_report__subject_ok(const struct sim_world *w, const struct sim_expected *e,
                            const struct sim_received *r);

/* Makes v's checks (the matching and figures done), from arena.  0 or
 * V2X_ENOMEM. */
int sim_report__checks(const struct sim_world *w, const struct sim_expected *exp, size_t n_exp,
                       const struct sim_received *rx, size_t n_rx, struct v2x_arena *arena,
                       struct sim_verdict *v);

/* The writers: 0, or V2X_EIO / V2X_ENOMEM with the file and why in err. */
int sim_report__json(const char *path, const struct sim_report__in *in, char *err, size_t errlen);
int sim_report__md(const char *path, const struct sim_report__in *in, char *err, size_t errlen);
int sim_report__tracks(const char *path, const struct sim_report__in *in, char *err, size_t errlen);
int sim_report__speed(const char *path, const struct sim_report__in *in, char *err, size_t errlen);
int sim_report__latency(const char *path, const struct sim_report__in *in, char *err,
                        size_t errlen);

#endif
