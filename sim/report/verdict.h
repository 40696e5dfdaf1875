/*
 * verdict: what arrived at the simulator's subscriber, judged against the
 * oracle's expectations and the scenario's own, and the report of a run
 * (JSON, Markdown and SVG plots) whose last line is "N passed, N failed"
 * over the run's checks.
 *
 * Matching.  A warning's first issue (revision 0; later revisions and
 * cancellations are counted, not matched) is matched to the expectation of
 * the same type and target (and subject: the other actor for blind curve
 * and forward collision; the RSI event or RSM participant for hazard
 * ahead, by event type or participant type and the nearest position) whose
 * window it falls in: a must one is a true positive (first match only), a
 * tolerated one is tolerated.  A must expectation with no match is a miss;
 * a warning matching nothing is a false positive.  Lead time is
 * critical_t_s minus the arrival.  Latency is the arrival minus the send
 * time of the last datagram sent at or before the warning's trigger (the
 * agent's receive time): BSM sent -> warning received.
 */
#ifndef V2X_SIM_REPORT_VERDICT_H
#define V2X_SIM_REPORT_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "maps/model.h"
#include "runtime/arena.h"
#include "sim/oracle/oracle.h"
#include "sim/radio/radio.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

/* One frame from the broker, as the subscriber received it. */
struct sim_received {
	double t_s;  /* arrival, run time (wall - epoch) */
	bool cancel; /* a Cancellation (only warning_id, reason, t_s are set) */
	uint8_t cancel_reason;
	uint64_t warning_id;
	uint32_t revision;
	uint8_t type;           /* enum sim_warning_type (wire WarningType) */
	uint8_t severity;       /* wire Severity */
	int32_t target;         /* actor index; -1: an id no actor has */
	int32_t subject_actor;  /* actor index of a vehicle subject, or -1 */
	uint32_t subject_event; /* HazardRef.event_type, 0 if none */
	int32_t subject_ptc;    /* HazardRef.ptc_type, -1 if none */
	int32_t subject_phase;  /* SignalRef.phase_id, -1 if none */
	double x, y;            /* Warning.position in the map's local frame; NaN */
	double distance_m, time_to_event_s, advisory_mps; /* NaN when absent */
	double trigger_t_s;                               /* trigger_rx_time_us as run time; NaN */
	double latency_ms; /* BSM sent -> received (see above); NaN */
	char text[160];
};

/* What happened to each expectation and each warning. */
enum sim_match {
	SIM_MATCH_NONE = 0,
	SIM_MATCH_TP = 1,        /* received: matched a must expectation */
	SIM_MATCH_TOLERATED = 2, /* received: matched a tolerated one, or a later match */
	SIM_MATCH_FP = 3,        /* received: matched nothing */
	SIM_MATCH_MISS = 4,      /* expected (must): nothing matched it */
};

struct sim_app_stats {
	unsigned expected, tp, miss, fp, tolerated;
	double lead_min_s, lead_mean_s; /* over true positives with a critical time; NaN */
};

struct sim_check {
	char name[96]; /* e.g. "curve_speed recall", "expect[2] must V1 blind_curve" */
	bool pass;
	char detail[480]; /* measured against wanted, and why when failed */
};

struct sim_verdict {
	struct sim_app_stats apps[SIM_W_COUNT];
	uint8_t *exp_match;  /* per expectation: SIM_MATCH_TP or SIM_MATCH_MISS for a must one;
	                      * SIM_MATCH_TOLERATED for a tolerated one a warning matched,
	                      * NONE for one nothing matched */
	double *exp_arrival; /* per expectation: arrival of its match, NaN */
	uint8_t *rx_match;   /* per received frame: enum sim_match (NONE for revisions, cancels) */
	int32_t *rx_exp;     /* per received frame: the expectation matched, -1 */
	double latency_p50_ms, latency_p90_ms, latency_p99_ms, latency_max_ms; /* NaN: none */
	size_t latency_n;
	unsigned n_first;     /* first issues received (revision 0) */
	unsigned n_revisions; /* later revisions received */
	unsigned n_cancels;   /* cancellations received */
	unsigned other_fp;    /* false positives of types outside 1..SIM_W_COUNT - 1 */
	size_t n_checks;
	struct sim_check *checks;
	unsigned passed, failed;
};

/*
 * Judges the run: matches rx (n_rx frames, in arrival order) against the
 * oracle's expectations (exp, n_exp) and the scenario's expect: section,
 * computes per-application figures and latency percentiles, and makes the
 * checks: per application with expectations, recall >= recall_min and
 * false positives <= false_pos_max; curve speed lead >= lead_s_min;
 * latency p99 <= latency_p99_ms_max (when any latency was measured); each
 * expect: item.  Every check's detail says what was measured and, when it
 * failed, which warning or expectation made it fail.  Lists from arena.
 *
 * Also: a false-positive check for every application that received a
 * warning although nothing was expected of it, and one for warnings of
 * types outside the seven ("other types: false positives").  Percentiles
 * are nearest-rank (the smallest latency with at least p % of the list at
 * or below it), over the first issues whose latency_ms is not NaN.  A
 * scenario expect: item with min_lead_s takes the lead from the oracle's
 * expectation the warning matched; without one (no match, or no critical
 * time) the lead is not checked and the detail says so.  Check names:
 * "curve_speed: recall", "curve_speed: false positives", "curve_speed:
 * lead time", "latency p99", "expect[i]: must TYPE TARGET[ <- SUBJECT]",
 * "expect[i]: must_not TYPE TARGET[ <- SUBJECT]" (i from 0, in file order).
 *
 * w (with w->sc; w->map may be NULL: hazard subjects are then told apart
 * by type alone) and the lists are borrowed for the call.
 * Returns 0 or V2X_ENOMEM.
 */
int sim_verdict_judge(const struct sim_world *w, const struct sim_expected *exp, size_t n_exp,
                      const struct sim_received *rx, size_t n_rx, struct v2x_arena *arena,
                      struct sim_verdict *out);

#define SIM_REPORT_APPROACH_M 200.0

/* How the run went, for the report's header. */
struct sim_run_info {
	const char *time_mode; /* "real time" */
	int64_t epoch_us;      /* wall time of t = 0 */
	double wall_s;         /* how long the run took */
	const char *broker;    /* the broker's address, or a description */
	size_t n_agents;
	uint64_t sent; /* datagrams sent */
	uint64_t send_errors;
	const struct sim_plan *plan; /* its stats */
};

/*
 * Writes dir/report.json, dir/report.md and the plots dir/tracks.svg
 * (tracks on the map with warnings marked), dir/speed.svg (speed against
 * the advisory speed through the bends, per actor) and dir/latency.svg
 * (latency over time).  dir must exist.  The speed plot's advisory
 * speed is that of the map curve the actor is on, or of the next one
 * within SIM_REPORT_APPROACH_M ahead on its route.  Everything is
 * borrowed for the call; info may be NULL (no run section), m NULL (no
 * lanes drawn).  Returns 0; V2X_EIO with the file and errno's text in err
 * (or cairo's, for a plot); V2X_ENOMEM.
 */
int sim_report_write(const char *dir, const struct sim_world *w, const struct map_model *m,
                     const struct sim_expected *exp, size_t n_exp, const struct sim_received *rx,
                     size_t n_rx, const struct sim_verdict *v, const struct sim_run_info *info,
                     char *err, size_t errlen);

/*
 * Releases what cairo and fontconfig keep for the whole process once a
 * plot has drawn text (their font caches).  Call it at most once, at the
 * end of a process that wrote reports, when no cairo object is left: so
 * that LeakSanitizer reports nothing of theirs.
 */
void sim_report_release_fonts(void);

/* Prints the checks, one a line ("PASS name: detail" or "FAIL name:
 * detail"), then the last line "N passed, N failed", to f. */
void sim_verdict_print(const struct sim_verdict *v, FILE *f);

#endif
