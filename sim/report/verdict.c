/*
 * verdict: what arrived matched against what was expected, per-application
 * figures and latency percentiles (verdict.h).  The checks are made from
 * them in checks.c.
 */
#include "sim/report/verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/report/report_int.h"

/* Subjects within this distance of the nearest candidate's count as the
 * same place: two expectations on one hazard, in different windows. */
#define SAME_PLACE_M 1.0

/* The matching under way, warnings taken in arrival order. */
struct judge {
	const struct sim_world *w;
	const struct sim_expected *exp;
	size_t n_exp;
	struct sim_verdict *v;
};

/* The ParticipantType an RSM participant is reported with (an animal as
 * unknown, scenario.h). */
static int32_t ptc_of(uint8_t kind)
{
	return kind == SIM_PART_ANIMAL ? 0 : (int32_t)kind;
}

bool sim_report__subject_ok(const struct sim_world *w, const struct sim_expected *e,
                            const struct sim_received *r)
{
	const struct sim_scenario *sc = w->sc;

	switch (e->type) {
	case SIM_W_BLIND_CURVE:
	case SIM_W_FORWARD_COLLISION:
		return e->subject_actor < 0 || r->subject_actor == e->subject_actor;
	case SIM_W_HAZARD_AHEAD:
		if (e->subject_rsi >= 0 && (size_t)e->subject_rsi < sc->n_rsi)
			return r->subject_event == sc->rsi[e->subject_rsi].event_type;
		if (e->subject_rsm >= 0 && (size_t)e->subject_rsm < sc->n_rsm)
			return r->subject_ptc == ptc_of(sc->rsm[e->subject_rsm].kind);
		return true;
	default:
		return true;
	}
}

/* Where e's hazard is at t_s (an RSM participant moves along its lane);
 * false when it has none or the map is unknown. */
static bool subject_xy(const struct sim_world *w, const struct sim_expected *e, double t_s,
                       double *x, double *y)
{
	const struct sim_scenario *sc = w->sc;
	uint32_t lane;
	double s;

	if (!w->map || e->type != SIM_W_HAZARD_AHEAD)
		return false;
	if (e->subject_rsi >= 0 && (size_t)e->subject_rsi < sc->n_rsi) {
		lane = sc->rsi[e->subject_rsi].lane;
		s = sc->rsi[e->subject_rsi].s;
	} else if (e->subject_rsm >= 0 && (size_t)e->subject_rsm < sc->n_rsm) {
		const struct sim_rsm_participant *p = &sc->rsm[e->subject_rsm];

		lane = p->lane;
		s = p->s + p->speed_mps * fmax(0.0, t_s - p->from_t_s);
	} else {
		return false;
	}
	const struct map_lane *l = map_model_lane(w->map, lane);

	if (!l)
		return false;
	sim_report__lane_xy(l, s, x, y);
	return true;
}

/* Distance from the warning's position to e's subject; 0 when either is
 * unknown, so that type alone decides. */
static double subject_dist(const struct judge *j, const struct sim_expected *e,
                           const struct sim_received *r)
{
	double x, y;

	if (!isfinite(r->x) || !isfinite(r->y) || !subject_xy(j->w, e, r->t_s, &x, &y))
		return 0.0;
	return hypot(r->x - x, r->y - y);
}

static bool candidate(const struct judge *j, size_t k, const struct sim_received *r)
{
	const struct sim_expected *e = &j->exp[k];

	return e->type == r->type && r->target >= 0 && e->target == (uint32_t)r->target &&
	       r->t_s >= e->from_t_s && r->t_s <= e->to_t_s && sim_report__subject_ok(j->w, e, r);
}

/* Returns the expectation r matches, -1 for none: among the candidates at
 * the nearest subject, the first must one not matched yet, else the first
 * of them. */
static int32_t match_one(const struct judge *j, const struct sim_received *r)
{
	double dmin = INFINITY;
	int32_t first = -1;

	for (size_t k = 0; k < j->n_exp; k++)
		if (candidate(j, k, r))
			dmin = fmin(dmin, subject_dist(j, &j->exp[k], r));
	if (isinf(dmin))
		return -1;
	for (size_t k = 0; k < j->n_exp; k++) {
		if (!candidate(j, k, r) || subject_dist(j, &j->exp[k], r) > dmin + SAME_PLACE_M)
			continue;
		if (j->exp[k].must && j->v->exp_match[k] == SIM_MATCH_MISS)
			return (int32_t)k;
		if (first < 0)
			first = (int32_t)k;
	}
	return first;
}

/* Records what first issue i matched (expectation k, or -1). */
static void record(struct judge *j, size_t i, int32_t k, double t_s)
{
	struct sim_verdict *v = j->v;

	v->rx_exp[i] = k;
	if (k < 0) {
		v->rx_match[i] = SIM_MATCH_FP;
		return;
	}
	if (j->exp[k].must && v->exp_match[k] == SIM_MATCH_MISS) {
		v->exp_match[k] = SIM_MATCH_TP;
		v->exp_arrival[k] = t_s;
		v->rx_match[i] = SIM_MATCH_TP;
		return;
	}
	v->rx_match[i] = SIM_MATCH_TOLERATED;
	if (!j->exp[k].must && v->exp_match[k] == SIM_MATCH_NONE) {
		v->exp_match[k] = SIM_MATCH_TOLERATED;
		v->exp_arrival[k] = t_s;
	}
}

static void match_all(struct judge *j, const struct sim_received *rx, size_t n_rx)
{
	struct sim_verdict *v = j->v;

	for (size_t i = 0; i < n_rx; i++) {
		v->rx_exp[i] = -1;
		v->rx_match[i] = SIM_MATCH_NONE;
		if (rx[i].cancel) {
			v->n_cancels++;
		} else if (rx[i].revision != 0) {
			v->n_revisions++;
		} else {
			v->n_first++;
			record(j, i, match_one(j, &rx[i]), rx[i].t_s);
		}
	}
}

static void exp_stats(struct judge *j)
{
	struct sim_verdict *v = j->v;
	double lead_sum[SIM_W_COUNT] = { 0 };
	unsigned lead_n[SIM_W_COUNT] = { 0 };

	for (size_t k = 0; k < j->n_exp; k++) {
		const struct sim_expected *e = &j->exp[k];

		if (e->type == 0 || e->type >= SIM_W_COUNT || !e->must)
			continue;
		struct sim_app_stats *a = &v->apps[e->type];

		a->expected++;
		if (v->exp_match[k] != SIM_MATCH_TP) {
			a->miss++;
			continue;
		}
		a->tp++;
		double lead = e->critical_t_s - v->exp_arrival[k];

		if (!isfinite(lead))
			continue;
		a->lead_min_s = lead_n[e->type] ? fmin(a->lead_min_s, lead) : lead;
		lead_sum[e->type] += lead;
		lead_n[e->type]++;
	}
	for (unsigned t = 0; t < SIM_W_COUNT; t++)
		if (lead_n[t])
			v->apps[t].lead_mean_s = lead_sum[t] / lead_n[t];
}

static void rx_stats(struct sim_verdict *v, const struct sim_received *rx, size_t n_rx)
{
	for (size_t i = 0; i < n_rx; i++) {
		bool known = rx[i].type > 0 && rx[i].type < SIM_W_COUNT;

		if (v->rx_match[i] == SIM_MATCH_FP) {
			if (known)
				v->apps[rx[i].type].fp++;
			else
				v->other_fp++;
		} else if (v->rx_match[i] == SIM_MATCH_TOLERATED && known) {
			v->apps[rx[i].type].tolerated++;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % of the sorted list
 * l (n > 0) at or below it; integer arithmetic, so p99 of 100 values is
 * the 99th exactly. */
static double rank(const double *l, size_t n, unsigned pct)
{
	size_t r = (pct * n + 99) / 100;

	return l[r ? r - 1 : 0];
}

static int latency(struct v2x_arena *arena, const struct sim_received *rx, size_t n_rx,
                   struct sim_verdict *v)
{
	double *l = v2x_arena_calloc(arena, n_rx + 1, sizeof(*l));
	size_t n = 0;

	if (!l)
		return V2X_ENOMEM;
	for (size_t i = 0; i < n_rx; i++)
		if (sim_report__first_issue(&rx[i]) && !isnan(rx[i].latency_ms))
			l[n++] = rx[i].latency_ms;
	v->latency_n = n;
	v->latency_p50_ms = v->latency_p90_ms = v->latency_p99_ms = v->latency_max_ms = NAN;
	if (!n)
		return 0;
	qsort(l, n, sizeof(*l), cmp_double);
	v->latency_p50_ms = rank(l, n, 50);
	v->latency_p90_ms = rank(l, n, 90);
	v->latency_p99_ms = rank(l, n, 99);
	v->latency_max_ms = l[n - 1];
	return 0;
}

static int alloc_lists(struct v2x_arena *arena, size_t n_exp, size_t n_rx, struct sim_verdict *v)
{
	v->exp_match = v2x_arena_calloc(arena, n_exp + 1, sizeof(*v->exp_match));
	v->exp_arrival = v2x_arena_calloc(arena, n_exp + 1, sizeof(*v->exp_arrival));
	v->rx_match = v2x_arena_calloc(arena, n_rx + 1, sizeof(*v->rx_match));
	v->rx_exp = v2x_arena_calloc(arena, n_rx + 1, sizeof(*v->rx_exp));
	if (!v->exp_match || !v->exp_arrival || !v->rx_match || !v->rx_exp)
		return V2X_ENOMEM;
	return 0;
}

int sim_verdict_judge(const struct sim_world *w, const struct sim_expected *exp, size_t n_exp,
                      const struct sim_received *rx, size_t n_rx, struct v2x_arena *arena,
                      struct sim_verdict *out)
{
	struct judge j = { .w = w, .exp = exp, .n_exp = n_exp, .v = out };
	int rc;

	memset(out, 0, sizeof(*out));
	for (unsigned t = 0; t < SIM_W_COUNT; t++)
		out->apps[t].lead_min_s = out->apps[t].lead_mean_s = NAN;
	rc = alloc_lists(arena, n_exp, n_rx, out);
	if (rc)
		return rc;
	for (size_t k = 0; k < n_exp; k++) {
		out->exp_match[k] = exp[k].must ? SIM_MATCH_MISS : SIM_MATCH_NONE;
		out->exp_arrival[k] = NAN;
	}
	match_all(&j, rx, n_rx);
	exp_stats(&j);
	rx_stats(out, rx, n_rx);
	rc = latency(arena, rx, n_rx, out);
	if (rc)
		return rc;
	return sim_report__checks(w, exp, n_exp, rx, n_rx, arena, out);
}

void sim_verdict_print(const struct sim_verdict *v, FILE *f)
{
	for (size_t i = 0; i < v->n_checks; i++)
		fprintf(f, "%s %s: %s\n", v->checks[i].pass ? "PASS" : "FAIL", v->checks[i].name,
		        v->checks[i].detail);
	fprintf(f, "%u passed, %u failed\n", v->passed, v->failed);
}
