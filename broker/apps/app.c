/*
 * app: the runner of the applications (app.h).
 */
#include "broker/apps/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

struct brk_app_slot {
	const struct brk_app *app;
	const void *cfg;
	void *state;
	struct brk_app_stats stats;
};

struct brk_apps {
	struct brk_ahead ahead;           /* shared by the applications, per observation */
	const struct map_index *map_seen; /* the map the last on_map calls were for */
	size_t n;
	struct brk_app_slot *slots;
};

static bool entry_valid(const struct brk_app_entry *e)
{
	const struct brk_app *a = e->app;

	return a && a->name && a->init && a->on_observation && a->on_tick && a->fini;
}

/* Finishes the first n applications of a, last first. */
static void finish(struct brk_apps *a, size_t n)
{
	while (n-- > 0)
		a->slots[n].app->fini(a->slots[n].state);
}

static int start(struct brk_apps *a, const struct brk_app_entry *entries, char *err, size_t errlen)
{
	char why[256] = "";

	for (size_t i = 0; i < a->n; i++) {
		struct brk_app_slot *s = &a->slots[i];
		int rc;
		s->app = entries[i].app;
		s->cfg = entries[i].cfg;
		rc = s->app->init(s->cfg, &s->state, why, sizeof(why));
		if (rc < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", s->app->name,
				         why[0] ? why : v2x_strerror(rc));
			finish(a, i);
			return rc;
		}
	}
	return 0;
}

int brk_apps_new(const struct brk_app_entry *entries, size_t n, struct brk_apps **out, char *err,
                 size_t errlen)
{
	struct brk_apps *a;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!entry_valid(&entries[i])) {
			if (err && errlen)
				snprintf(err, errlen,
				         "application %zu: missing a name or a function", i);
			return V2X_EINVAL;
		}
	a = calloc(1, sizeof(*a));
	if (!a)
		return V2X_ENOMEM;
	a->n = n;
	a->slots = calloc(n ? n : 1, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return V2X_ENOMEM;
	}
	rc = start(a, entries, err, errlen);
	if (rc < 0) {
		free(a->slots);
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void brk_apps_free(struct brk_apps *a)
{
	if (!a)
		return;
	finish(a, a->n);
	free(a->slots);
	free(a);
}

void brk_apps_observation(struct brk_apps *a, const struct brk_app_ctx *ctx,
                          const struct brk_app_event *ev)
{
	struct brk_app_ctx c = *ctx;

	if (ctx->map != a->map_seen)
		brk_apps_map_changed(a, ctx);
	brk_ahead_reset(&a->ahead);
	c.ahead = &a->ahead;
	for (size_t i = 0; i < a->n; i++) {
		struct brk_app_slot *s = &a->slots[i];
		c.cfg = s->cfg;
		s->stats.observations++;
		s->app->on_observation(s->state, &c, ev);
	}
}

void brk_apps_tick(struct brk_apps *a, const struct brk_app_ctx *ctx)
{
	struct brk_app_ctx c = *ctx;

	if (ctx->map != a->map_seen)
		brk_apps_map_changed(a, ctx);
	brk_ahead_reset(&a->ahead);
	c.ahead = &a->ahead;
	for (size_t i = 0; i < a->n; i++) {
		struct brk_app_slot *s = &a->slots[i];
		c.cfg = s->cfg;
		s->stats.ticks++;
		s->app->on_tick(s->state, &c);
	}
}

void brk_apps_map_changed(struct brk_apps *a, const struct brk_app_ctx *ctx)
{
	struct brk_app_ctx c = *ctx;

	a->map_seen = ctx->map;
	brk_ahead_reset(&a->ahead);
	c.ahead = &a->ahead;
	for (size_t i = 0; i < a->n; i++) {
		struct brk_app_slot *s = &a->slots[i];
		c.cfg = s->cfg;
		s->stats.map_changes++;
		if (s->app->on_map)
			s->app->on_map(s->state, &c);
	}
}

size_t brk_apps_count(const struct brk_apps *a)
{
	return a->n;
}

void *brk_apps_state(const struct brk_apps *a, size_t i)
{
	return i < a->n ? a->slots[i].state : NULL;
}

const struct brk_app_stats *brk_apps_stats(const struct brk_apps *a, size_t i)
{
	return i < a->n ? &a->slots[i].stats : NULL;
}

#define STAT(f) offsetof(struct brk_app_stats, f)
#define CALLS   "Calls into each warning application, by kind."

static const struct v2x_metric app_metrics[] = {
	{ .name = "v2x_broker_app_calls_total",
	  .help = CALLS,
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(observations),
	  .fixed = { "call", "observation" } },
	{ .name = "v2x_broker_app_calls_total",
	  .help = CALLS,
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(ticks),
	  .fixed = { "call", "tick" } },
	{ .name = "v2x_broker_app_calls_total",
	  .help = CALLS,
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(map_changes),
	  .fixed = { "call", "map" } },
	V2X_METRIC_END,
};

int brk_apps_metrics_add(const struct brk_apps *a, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen)
{
	struct v2x_metric_label l[V2X_METRICS_LABELS_MAX];
	int rc = 0;

	if (n_labels >= V2X_METRICS_LABELS_MAX)
		return V2X_EINVAL;
	for (size_t k = 0; k < n_labels; k++)
		l[k] = labels[k];
	for (size_t i = 0; rc == 0 && i < a->n; i++) {
		l[n_labels] = (struct v2x_metric_label){ "app", a->slots[i].app->name };
		rc = v2x_metrics_add(m, app_metrics, &a->slots[i].stats, l, n_labels + 1, err,
		                     errlen);
	}
	return rc;
}

/* ---- settings ---------------------------------------------------------- */

double brk_app_param_get(const struct brk_app_param *p, const void *cfg)
{
	double v;

	memcpy(&v, (const unsigned char *)cfg + p->offset, sizeof(v));
	return v;
}

void brk_app_param_set(const struct brk_app_param *p, void *cfg, double v)
{
	memcpy((unsigned char *)cfg + p->offset, &v, sizeof(v));
}

void brk_app_params_default(const struct brk_app_param *params, size_t n, void *cfg)
{
	for (size_t i = 0; i < n; i++)
		if (brk_app_param_get(&params[i], cfg) == 0)
			brk_app_param_set(&params[i], cfg, params[i].def);
}

size_t brk_app_params_bad(const struct brk_app_param *params, size_t n, const void *cfg)
{
	for (size_t i = 0; i < n; i++) {
		double v = brk_app_param_get(&params[i], cfg);
		if (!(v > 0) || !isfinite(v))
			return i;
	}
	return n;
}
