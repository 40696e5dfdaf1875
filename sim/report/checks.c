/*
 * checks: the run's checks, made from the matching (verdict.c), each with
 * a detail that says what was measured against what was wanted and, when
 * it failed, which expectation or warning made it fail.
 */
#include <math.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/report/report_int.h"

/* At most this many expectations or warnings are named in one detail; the
 * rest are counted, so the detail stays readable on one line. */
#define NAMED_MAX 3

/* What every check is made from. */
struct ctx {
	const struct sim_world *w;
	const struct sim_thresholds *th;
	const struct sim_expected *exp;
	size_t n_exp;
	const struct sim_received *rx;
	size_t n_rx;
	struct sim_verdict *v;
};

static struct sim_check *check_new(struct sim_verdict *v)
{
	struct sim_check *c = &v->checks[v->n_checks++];

	memset(c, 0, sizeof(*c));
	return c;
}

static void check_done(struct sim_verdict *v, struct sim_check *c, bool pass)
{
	c->pass = pass;
	if (pass)
		v->passed++;
	else
		v->failed++;
}

#define DETAIL(c, ...) sim_report__appendf((c)->detail, sizeof((c)->detail), __VA_ARGS__)

/* A window: "in [a, b] s", or "from a s on" when it runs to the end. */
static void say_window(struct sim_check *c, double from, double to)
{
	if (isinf(to))
		DETAIL(c, "from %.2f s on", from);
	else
		DETAIL(c, "in [%.2f, %.2f] s", from, to);
}

/* Says which oracle expectation k is: type, target, subject, window,
 * critical time and the oracle's why. */
static void say_exp(const struct ctx *x, struct sim_check *c, size_t k)
{
	const struct sim_expected *e = &x->exp[k];

	DETAIL(c, "oracle[%zu] %s to %s", k, sim_warning_name(e->type),
	       sim_report__actor(x->w, e->target));
	if (e->subject_actor >= 0)
		DETAIL(c, " <- %s", sim_report__actor(x->w, e->subject_actor));
	if (e->subject_rsi >= 0)
		DETAIL(c, " <- rsi[%d]", (int)e->subject_rsi);
	if (e->subject_rsm >= 0)
		DETAIL(c, " <- rsm[%d]", (int)e->subject_rsm);
	DETAIL(c, " ");
	say_window(c, e->from_t_s, e->to_t_s);
	if (isfinite(e->critical_t_s))
		DETAIL(c, ", critical %.2f s", e->critical_t_s);
	if (e->why[0])
		DETAIL(c, " (%.*s)", (int)strnlen(e->why, sizeof(e->why)), e->why);
}

/* Says which warning r is: type, target, subject, arrival and text. */
static void say_rx(const struct ctx *x, struct sim_check *c, const struct sim_received *r)
{
	DETAIL(c, "%s to %s", sim_warning_name(r->type), sim_report__actor(x->w, r->target));
	if (r->subject_actor >= 0)
		DETAIL(c, " <- %s", sim_report__actor(x->w, r->subject_actor));
	else if (r->subject_event)
		DETAIL(c, " <- event %u", (unsigned)r->subject_event);
	else if (r->subject_ptc >= 0)
		DETAIL(c, " <- participant type %d", (int)r->subject_ptc);
	else if (r->subject_phase >= 0)
		DETAIL(c, " <- phase %d", (int)r->subject_phase);
	DETAIL(c, " at %.2f s", r->t_s);
	if (r->text[0])
		DETAIL(c, " \"%.*s\"", (int)strnlen(r->text, sizeof(r->text)), r->text);
}

/* Says why a false positive matched nothing: late or early for an
 * expectation of its type and target, another subject, or nothing
 * expected at all. */
static void say_fp_why(const struct ctx *x, struct sim_check *c, const struct sim_received *r)
{
	for (size_t k = 0; k < x->n_exp; k++) {
		const struct sim_expected *e = &x->exp[k];

		if (e->type != r->type || r->target < 0 || e->target != (uint32_t)r->target)
			continue;
		if (!sim_report__subject_ok(x->w, e, r))
			DETAIL(c, " [another subject than oracle[%zu]'s]", k);
		else if (r->t_s > e->to_t_s)
			DETAIL(c, " [late: oracle[%zu]'s window ended at %.2f s]", k, e->to_t_s);
		else if (r->t_s < e->from_t_s)
			DETAIL(c, " [early: oracle[%zu]'s window opens at %.2f s]", k, e->from_t_s);
		else
			continue;
		return;
	}
	DETAIL(c, " [nothing of the kind expected]");
}

static bool any_expected(const struct ctx *x, unsigned t)
{
	for (size_t k = 0; k < x->n_exp; k++)
		if (x->exp[k].type == t)
			return true;
	return false;
}

static void recall_check(const struct ctx *x, unsigned t)
{
	const struct sim_app_stats *a = &x->v->apps[t];
	struct sim_check *c = check_new(x->v);
	double recall = (double)a->tp / a->expected;
	bool pass = recall >= x->th->recall_min - 1e-9;
	unsigned named = 0;

	sim_report__appendf(c->name, sizeof(c->name), "%s: recall", sim_warning_name(t));
	DETAIL(c, "%u/%u arrived in their windows = %.2f, wanted >= %.2f", a->tp, a->expected,
	       recall, x->th->recall_min);
	for (size_t k = 0; k < x->n_exp && a->miss; k++) {
		if (x->exp[k].type != t || x->v->exp_match[k] != SIM_MATCH_MISS)
			continue;
		if (named++ == NAMED_MAX) {
			DETAIL(c, "; and %u more", a->miss - NAMED_MAX);
			break;
		}
		DETAIL(c, "; missed: ");
		say_exp(x, c, k);
	}
	check_done(x->v, c, pass);
}

static void fp_list(const struct ctx *x, struct sim_check *c, unsigned t, unsigned n)
{
	unsigned named = 0;

	for (size_t i = 0; i < x->n_rx && n; i++) {
		const struct sim_received *r = &x->rx[i];
		bool known = r->type > 0 && r->type < SIM_W_COUNT;

		if (x->v->rx_match[i] != SIM_MATCH_FP || (t ? r->type != t : known))
			continue;
		if (named++ == NAMED_MAX) {
			DETAIL(c, "; and %u more", n - NAMED_MAX);
			break;
		}
		DETAIL(c, "; ");
		say_rx(x, c, r);
		say_fp_why(x, c, r);
	}
}

/* t 0: the warnings of types outside the seven. */
static void fp_check(const struct ctx *x, unsigned t)
{
	unsigned n = t ? x->v->apps[t].fp : x->v->other_fp;
	struct sim_check *c = check_new(x->v);

	sim_report__appendf(c->name, sizeof(c->name), "%s: false positives",
	                    t ? sim_warning_name(t) : "other types");
	DETAIL(c, "%u, wanted <= %u", n, x->th->false_pos_max);
	fp_list(x, c, t, n);
	check_done(x->v, c, n <= x->th->false_pos_max);
}

static void lead_check(const struct ctx *x, unsigned t)
{
	const struct sim_app_stats *a = &x->v->apps[t];
	struct sim_check *c = check_new(x->v);
	bool pass = isnan(a->lead_min_s) || a->lead_min_s >= x->th->lead_s_min;
	unsigned named = 0;

	sim_report__appendf(c->name, sizeof(c->name), "%s: lead time", sim_warning_name(t));
	if (isnan(a->lead_min_s)) {
		DETAIL(c,
		       "no true positive with a critical time: nothing measured (wanted >= "
		       "%.2f s)",
		       x->th->lead_s_min);
		check_done(x->v, c, pass);
		return;
	}
	DETAIL(c, "min %.2f s, mean %.2f s, wanted >= %.2f s", a->lead_min_s, a->lead_mean_s,
	       x->th->lead_s_min);
	for (size_t k = 0; k < x->n_exp && !pass; k++) {
		const struct sim_expected *e = &x->exp[k];
		double lead = e->critical_t_s - x->v->exp_arrival[k];

		if (e->type != t || x->v->exp_match[k] != SIM_MATCH_TP ||
		    !(lead < x->th->lead_s_min) || named++ == NAMED_MAX)
			continue;
		DETAIL(c, "; short: arrived %.2f s, lead %.2f s for ", x->v->exp_arrival[k], lead);
		say_exp(x, c, k);
	}
	check_done(x->v, c, pass);
}

static void latency_check(const struct ctx *x)
{
	const struct sim_verdict *v = x->v;
	struct sim_check *c = check_new(x->v);
	double max = x->th->latency_p99_ms_max;
	bool pass = v->latency_p99_ms <= max;
	unsigned named = 0;

	sim_report__appendf(c->name, sizeof(c->name), "latency p99");
	DETAIL(c, "%.1f ms over %zu warnings (p50 %.1f, p90 %.1f, max %.1f), wanted <= %.1f ms",
	       v->latency_p99_ms, v->latency_n, v->latency_p50_ms, v->latency_p90_ms,
	       v->latency_max_ms, max);
	for (size_t i = 0; i < x->n_rx && !pass; i++) {
		const struct sim_received *r = &x->rx[i];

		if (!sim_report__first_issue(r) || !(r->latency_ms > max) || named++ == NAMED_MAX)
			continue;
		DETAIL(c, "; slow: %.1f ms, ", r->latency_ms);
		say_rx(x, c, r);
	}
	check_done(x->v, c, pass);
}

static int32_t actor_index(const struct sim_scenario *sc, const char *name)
{
	for (size_t a = 0; a < sc->n_actors; a++)
		if (strcmp(sc->actors[a].name, name) == 0)
			return (int32_t)a;
	return -1;
}

/* One scenario expect: item, its actors resolved. */
struct item {
	const struct sim_expect *e;
	int32_t target, subject; /* subject -1: any */
};

static bool item_hit(const struct item *it, const struct sim_received *r, bool in_window)
{
	if (!sim_report__first_issue(r) || r->type != it->e->type || r->target != it->target ||
	    (it->subject >= 0 && r->subject_actor != it->subject))
		return false;
	return !in_window || (r->t_s >= it->e->from_t_s && r->t_s <= it->e->to_t_s);
}

static void must_not(const struct ctx *x, struct sim_check *c, const struct item *it)
{
	unsigned n = 0;
	size_t first = 0;

	for (size_t i = 0; i < x->n_rx; i++)
		if (item_hit(it, &x->rx[i], true) && !n++)
			first = i;
	if (!n) {
		DETAIL(c, "none arrived ");
		say_window(c, it->e->from_t_s, it->e->to_t_s);
		DETAIL(c, ", wanted none");
		check_done(x->v, c, true);
		return;
	}
	DETAIL(c, "%u arrived ", n);
	say_window(c, it->e->from_t_s, it->e->to_t_s);
	DETAIL(c, ", wanted none; first: ");
	say_rx(x, c, &x->rx[first]);
	check_done(x->v, c, false);
}

/* Why a must item found nothing: what the oracle expected of that kind,
 * and a warning that came outside the window. */
static void must_missing(const struct ctx *x, struct sim_check *c, const struct item *it)
{
	DETAIL(c, "none arrived ");
	say_window(c, it->e->from_t_s, it->e->to_t_s);
	for (size_t i = 0; i < x->n_rx; i++) {
		if (item_hit(it, &x->rx[i], false)) {
			DETAIL(c, "; outside the window: ");
			say_rx(x, c, &x->rx[i]);
			break;
		}
	}
	for (size_t k = 0; k < x->n_exp; k++) {
		const struct sim_expected *e = &x->exp[k];

		if (e->type == it->e->type && it->target >= 0 &&
		    e->target == (uint32_t)it->target) {
			DETAIL(c, "; the oracle expected ");
			say_exp(x, c, k);
			return;
		}
	}
	DETAIL(c, "; the oracle expected no such warning");
}

/* Lead of first issue i against its oracle expectation; NaN (and *k -1
 * or the expectation) when there is no critical time to measure from. */
static double item_lead(const struct ctx *x, size_t i, int32_t *k)
{
	*k = x->v->rx_exp[i];
	if (*k < 0)
		return NAN;
	return x->exp[*k].critical_t_s - x->rx[i].t_s;
}

static void must(const struct ctx *x, struct sim_check *c, const struct item *it)
{
	double want = it->e->min_lead_s, best = -INFINITY;
	size_t best_i = 0;
	int32_t best_k = -1, k;

	for (size_t i = 0; i < x->n_rx; i++) {
		if (!item_hit(it, &x->rx[i], true))
			continue;
		double lead = item_lead(x, i, &k);

		if (isnan(want) || !isfinite(lead) || lead >= want) {
			DETAIL(c, "arrived: ");
			say_rx(x, c, &x->rx[i]);
			if (!isnan(want) && isfinite(lead))
				DETAIL(c, "; lead %.2f s >= %.2f s wanted", lead, want);
			else if (!isnan(want))
				DETAIL(c, "; no oracle critical time for it: lead not checked");
			check_done(x->v, c, true);
			return;
		}
		if (lead > best) {
			best = lead;
			best_i = i;
			best_k = k;
		}
	}
	if (best_k < 0) {
		must_missing(x, c, it);
	} else {
		DETAIL(c, "arrived too late: ");
		say_rx(x, c, &x->rx[best_i]);
		DETAIL(c, "; lead %.2f s < %.2f s wanted, for ", best, want);
		say_exp(x, c, (size_t)best_k);
	}
	check_done(x->v, c, false);
}

static void expect_check(const struct ctx *x, size_t i)
{
	const struct sim_expect *e = &x->w->sc->expect[i];
	struct item it = { .e = e, .target = actor_index(x->w->sc, e->target), .subject = -1 };
	struct sim_check *c = check_new(x->v);

	sim_report__appendf(c->name, sizeof(c->name), "expect[%zu]: %s %s %s", i,
	                    e->kind == SIM_EXPECT_MUST_NOT ? "must_not" : "must",
	                    sim_warning_name(e->type), e->target);
	if (e->subject[0]) {
		sim_report__appendf(c->name, sizeof(c->name), " <- %s", e->subject);
		it.subject = actor_index(x->w->sc, e->subject);
	}
	if (it.target < 0 || (e->subject[0] && it.subject < 0)) {
		DETAIL(c, "\"%s\" is no actor of the scenario",
		       it.target < 0 ? e->target : e->subject);
		check_done(x->v, c, false);
	} else if (e->kind == SIM_EXPECT_MUST_NOT) {
		must_not(x, c, &it);
	} else {
		must(x, c, &it);
	}
}

static void app_checks(const struct ctx *x, unsigned t)
{
	const struct sim_app_stats *a = &x->v->apps[t];

	if (a->expected)
		recall_check(x, t);
	if (a->expected || a->fp || any_expected(x, t))
		fp_check(x, t);
	if (t == SIM_W_CURVE_SPEED && a->expected)
		lead_check(x, t);
}

int sim_report__checks(const struct sim_world *w, const struct sim_expected *exp, size_t n_exp,
                       const struct sim_received *rx, size_t n_rx, struct v2x_arena *arena,
                       struct sim_verdict *v)
{
	const struct ctx x = { .w = w,
		               .th = &w->sc->thresholds,
		               .exp = exp,
		               .n_exp = n_exp,
		               .rx = rx,
		               .n_rx = n_rx,
		               .v = v };
	size_t cap = (size_t)SIM_W_COUNT * 3 + 2 + w->sc->n_expect;

	v->checks = v2x_arena_calloc(arena, cap, sizeof(*v->checks));
	if (!v->checks)
		return V2X_ENOMEM;
	for (unsigned t = 1; t < SIM_W_COUNT; t++)
		app_checks(&x, t);
	if (v->other_fp)
		fp_check(&x, 0);
	if (v->latency_n)
		latency_check(&x);
	for (size_t i = 0; i < w->sc->n_expect; i++)
		expect_check(&x, i);
	return 0;
}
