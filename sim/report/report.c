/*
 * report: the files of a run's report (verdict.h), and the small helpers
 * the writers share.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/report/report_int.h"

const char *sim_report__actor(const struct sim_world *w, int32_t a)
{
	if (a < 0 || !w->sc || (size_t)a >= w->sc->n_actors)
		return "?";
	return w->sc->actors[a].name;
}

const char *sim_report__match_name(unsigned match)
{
	switch (match) {
	case SIM_MATCH_TP:
		return "tp";
	case SIM_MATCH_TOLERATED:
		return "tolerated";
	case SIM_MATCH_FP:
		return "fp";
	case SIM_MATCH_MISS:
		return "miss";
	default:
		return "none";
	}
}

const char *sim_report__msg_name(unsigned t)
{
	static const char *const names[] = { "none", "bsm", "map", "rsm", "spat", "rsi" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

bool sim_report__first_issue(const struct sim_received *r)
{
	return !r->cancel && r->revision == 0;
}

const struct sim_truth *sim_report__truth(const struct sim_world *w, int32_t a, double t_s)
{
	if (a < 0 || (size_t)a >= w->n_actors || !w->truth || !(t_s >= 0) || !(w->step_s > 0))
		return NULL;
	double k = floor(t_s / w->step_s + 1e-9);

	if (k >= (double)w->n_steps)
		return NULL;
	const struct sim_truth *tr = &w->truth[(size_t)a * w->n_steps + (size_t)k];

	return tr->present ? tr : NULL;
}

void sim_report__lane_xy(const struct map_lane *l, double s, double *x, double *y)
{
	size_t lo = 0, hi = l->n_samples;

	if (!hi) {
		*x = *y = NAN;
		return;
	}
	/* The last sample at or before s, then a straight line to the next. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->samples[mid].s <= s)
			lo = mid;
		else
			hi = mid;
	}
	const struct map_sample *a = &l->samples[lo];
	const struct map_sample *b = lo + 1 < l->n_samples ? &l->samples[lo + 1] : a;
	double f = b->s > a->s ? (s - a->s) / (b->s - a->s) : 0.0;

	f = fmin(1.0, fmax(0.0, f));
	*x = a->x + f * (b->x - a->x);
	*y = a->y + f * (b->y - a->y);
}

void sim_report__appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strnlen(buf, cap);
	va_list ap;
	int n;

	if (cap < 4 || len + 1 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n < cap - len)
		return;
	/* Cut before a UTF-8 continuation byte, never in a character. */
	size_t end = cap - 4;

	while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80)
		end--;
	memcpy(buf + end, "...", 4);
}

/* A writer of one file of the report. */
struct part {
	const char *name;
	int (*write)(const char *path, const struct sim_report__in *in, char *err, size_t errlen);
};

int sim_report_write(const char *dir, const struct sim_world *w, const struct map_model *m,
                     const struct sim_expected *exp, size_t n_exp, const struct sim_received *rx,
                     size_t n_rx, const struct sim_verdict *v, const struct sim_run_info *info,
                     char *err, size_t errlen)
{
	static const struct part parts[] = {
		{ "report.json", sim_report__json },    { "report.md", sim_report__md },
		{ "tracks.svg", sim_report__tracks },   { "speed.svg", sim_report__speed },
		{ "latency.svg", sim_report__latency },
	};
	const struct sim_report__in in = { .w = w,
		                           .m = m,
		                           .exp = exp,
		                           .n_exp = n_exp,
		                           .rx = rx,
		                           .n_rx = n_rx,
		                           .v = v,
		                           .info = info };
	char path[4096];

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", dir, parts[i].name);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			snprintf(err, errlen, "%s/%s: path too long", dir, parts[i].name);
			return V2X_EIO;
		}
		int rc = parts[i].write(path, &in, err, errlen);

		if (rc)
			return rc;
	}
	return 0;
}
