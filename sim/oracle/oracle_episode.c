/*
 * oracle_episode: from the rows of loose and strict evaluations of one
 * situation to its expectations (see oracle_int.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/oracle/oracle_int.h"

void sim_oracle__say(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

int sim_oracle__add(struct oracle_ctx *c, const struct sim_expected *e)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		struct sim_expected *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return V2X_ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *e;
	return 0;
}

void sim_oracle__sit_init(struct oracle_sit *s, unsigned type, size_t target)
{
	memset(s, 0, sizeof(*s));
	s->type = (uint8_t)type;
	s->target = (uint16_t)target;
	s->subject_actor = -1;
	s->subject_rsi = -1;
	s->subject_rsm = -1;
	s->may_must = true;
}

static void fill(struct sim_expected *e, const struct oracle_sit *s, bool must, double from,
                 double to, const struct oracle_deadline *d)
{
	memset(e, 0, sizeof(*e));
	e->type = s->type;
	e->must = must;
	e->target = s->target;
	e->subject_actor = s->subject_actor;
	e->subject_rsi = s->subject_rsi;
	e->subject_rsm = s->subject_rsm;
	e->from_t_s = from;
	e->to_t_s = to;
	e->critical_t_s = d->critical_t_s;
	e->advisory_mps = d->advisory_mps;
}

/* The start of the first run of strict within [e0, e1] that lasts need
 * points; NaN when there is none. */
static double strict_run(const struct oracle_ctx *c, size_t e0, size_t e1, size_t need)
{
	size_t run = 0;
	for (size_t e = e0; e <= e1; e++) {
		run = c->strict[e] ? run + 1 : 0;
		if (run >= need)
			return sim_oracle__t(c, e + 1 - need);
	}
	return NAN;
}

/* The expectations of the episode [e0, e1]. */
static int episode(struct oracle_ctx *c, const struct oracle_sit *s, size_t e0, size_t e1)
{
	double t0 = sim_oracle__t(c, e0), t1 = sim_oracle__t(c, e1);
	double hold = s->start_delay_s + ORACLE_STRICT_DUR_S;
	size_t need = (size_t)ceil(hold / c->eval_dt - 1e-9);
	double ta = strict_run(c, e0, e1, need ? need : 1);
	struct oracle_deadline d = { .to_t_s = NAN, .critical_t_s = NAN, .advisory_mps = NAN };
	s->deadline(c, s, t0, ta, t1, &d);
	double from = t0 + s->start_delay_s - ORACLE_FROM_ALLOW_S;
	double tail = t1 + ORACLE_TAIL_S;
	double to = isnan(d.to_t_s) ? tail : d.to_t_s;
	/* The first BSM of the strict run may be lost: the warning surely
	 * comes from the end of the run's first ORACLE_STRICT_DUR_S. */
	bool must = s->may_must && !isnan(ta) && to >= from &&
	            ta + hold + ORACLE_PIPELINE_S <= to + 1e-9;
	struct sim_expected e;
	if (must) {
		fill(&e, s, true, from, to, &d);
		sim_oracle__say(e.why, sizeof(e.why), "%s; rule from %.2f s, clear from %.2f s%s%s",
		                s->what, t0, ta, d.note[0] ? "; " : "", d.note);
		int rc = sim_oracle__add(c, &e);
		if (rc || tail <= to + 0.05)
			return rc;
		fill(&e, s, false, to, tail, &d);
		sim_oracle__say(e.why, sizeof(e.why),
		                "%s; after its window (%.2f-%.2f s): late or repeated", s->what,
		                from, to);
		return sim_oracle__add(c, &e);
	}
	fill(&e, s, false, from, fmax(to, tail), &d);
	sim_oracle__say(e.why, sizeof(e.why), "%s; rule near its threshold %.2f-%.2f s%s%s%s",
	                s->what, t0, t1, isnan(ta) ? "" : ", clear too late", d.note[0] ? "; " : "",
	                d.note);
	return sim_oracle__add(c, &e);
}

int sim_oracle__episodes(struct oracle_ctx *c, const struct oracle_sit *s)
{
	size_t e = 0;
	for (size_t k = 0; k < c->n_eval; k++)
		c->strict[k] = c->strict[k] && c->loose[k];
	while (e < c->n_eval) {
		if (!c->loose[e]) {
			e++;
			continue;
		}
		size_t e0 = e;
		while (e < c->n_eval && c->loose[e])
			e++;
		int rc = episode(c, s, e0, e - 1);
		if (rc)
			return rc;
	}
	return 0;
}
