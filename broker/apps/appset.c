/*
 * appset: the applications the broker runs and their settings (appset.h).
 */
#include "broker/apps/appset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/apps/blind_curve/blind_curve.h"
#include "broker/apps/curve_speed/curve_speed.h"
#include "broker/apps/forward_collision/forward_collision.h"
#include "broker/apps/hazard_ahead.h"
#include "broker/apps/red_light/red_light.h"
#include "broker/apps/speed_limit/speed_limit.h"
#include "broker/apps/steep_downgrade/steep_downgrade.h"
#include "runtime/err.h"

static const struct brk_app *const known[] = {
	&brk_hazard_ahead_app,      &brk_curve_speed_app,     &brk_blind_curve_app,
	&brk_forward_collision_app, &brk_steep_downgrade_app, &brk_speed_limit_app,
	&brk_red_light_app,
};

#define N_KNOWN (sizeof(known) / sizeof(known[0]))

struct brk_appset {
	size_t n;
	struct brk_app_entry entries[N_KNOWN];
	void *cfg[N_KNOWN];
};

void brk_appset_free(struct brk_appset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->cfg[i]);
	free(s);
}

const struct brk_app_entry *brk_appset_entries(const struct brk_appset *s, size_t *n)
{
	*n = s->n;
	return s->entries;
}

/* The application named by the len bytes at name, or NULL. */
static const struct brk_app *find_app(const char *name, size_t len)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (strlen(known[i]->name) == len && memcmp(known[i]->name, name, len) == 0)
			return known[i];
	return NULL;
}

static void list_apps(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_KNOWN && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", known[i]->name);
		if (k < 0)
			return;
		used += (size_t)k;
	}
}

static int add_app(struct brk_appset *s, const struct brk_app *app)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->entries[i].app == app)
			return 0;
	s->cfg[s->n] = calloc(1, app->cfg_size ? app->cfg_size : 1);
	if (!s->cfg[s->n])
		return V2X_ENOMEM;
	s->entries[s->n] = (struct brk_app_entry){ app, app->cfg_size ? s->cfg[s->n] : NULL };
	s->n++;
	return 0;
}

static int choose(struct brk_appset *s, const char *apps, char *err, size_t errlen)
{
	char names[256];
	int rc = 0;

	if (!apps || !*apps || strcmp(apps, "all") == 0) {
		for (size_t i = 0; rc == 0 && i < N_KNOWN; i++)
			rc = add_app(s, known[i]);
		return rc;
	}
	for (const char *p = apps; rc == 0 && *p;) {
		size_t len = strcspn(p, ",");
		const struct brk_app *app = find_app(p, len);
		if (!app) {
			list_apps(names, sizeof(names));
			snprintf(err, errlen, "--apps: no application '%.*s'; there are: %s",
			         (int)len, p, names);
			return V2X_ECONFIG;
		}
		rc = add_app(s, app);
		p += len + (p[len] == ',');
	}
	return rc;
}

/* Applies one "NAME.KEY=VALUE" of len bytes at text. */
static int apply(struct brk_appset *s, const char *text, size_t len, char *err, size_t errlen)
{
	const char *dot = memchr(text, '.', len), *eq = memchr(text, '=', len);
	const struct brk_app *app;
	char value[64], *end;
	size_t i;
	double v;

	if (!dot || !eq || eq < dot) {
		snprintf(err, errlen, "--app-settings: '%.*s': give NAME.KEY=VALUE", (int)len,
		         text);
		return V2X_ECONFIG;
	}
	app = find_app(text, (size_t)(dot - text));
	for (i = 0; app && i < s->n && s->entries[i].app != app; i++)
		;
	if (!app || i == s->n) {
		snprintf(err, errlen, "--app-settings: '%.*s': no application '%.*s' runs",
		         (int)len, text, (int)(dot - text), text);
		return V2X_ECONFIG;
	}
	for (size_t k = 0; k < app->n_params; k++) {
		const struct brk_app_param *p = &app->params[k];
		if (strlen(p->name) != (size_t)(eq - dot - 1) ||
		    memcmp(p->name, dot + 1, (size_t)(eq - dot - 1)) != 0)
			continue;
		snprintf(value, sizeof(value), "%.*s", (int)(text + len - eq - 1), eq + 1);
		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || !isfinite(v)) {
			snprintf(err, errlen, "--app-settings: %s.%s=%s: not a number (%s%s%s)",
			         app->name, p->name, value, p->unit, *p->unit ? ", " : "", p->doc);
			return V2X_ECONFIG;
		}
		memcpy((char *)s->cfg[i] + p->offset, &v, sizeof(v));
		return 0;
	}
	snprintf(err, errlen,
	         "--app-settings: %s has no setting '%.*s' (v2x-broker --apps-help lists them)",
	         app->name, (int)(eq - dot - 1), dot + 1);
	return V2X_ECONFIG;
}

int brk_appset_new(const char *apps, struct brk_appset **out, char *err, size_t errlen)
{
	struct brk_appset *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return V2X_ENOMEM;
	rc = choose(s, apps, err, errlen);
	if (rc != 0) {
		brk_appset_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int brk_appset_apply(struct brk_appset *s, const char *settings, char *err, size_t errlen)
{
	int rc = 0;

	for (const char *p = settings ? settings : ""; rc == 0 && *p;) {
		size_t len = strcspn(p, ",");
		if (len > 0)
			rc = apply(s, p, len, err, errlen);
		p += len + (p[len] == ',');
	}
	return rc;
}

void *brk_appset_cfg(struct brk_appset *s, const struct brk_app *app)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->entries[i].app == app)
			return s->cfg[i];
	return NULL;
}

void brk_appset_help(FILE *out)
{
	fprintf(out, "Applications (--apps) and their settings (--app-settings NAME.KEY=VALUE):\n");
	for (size_t i = 0; i < N_KNOWN; i++) {
		const struct brk_app *a = known[i];
		fprintf(out, "\n%s\n", a->name);
		for (size_t k = 0; k < a->n_params; k++) {
			const struct brk_app_param *p = &a->params[k];
			fprintf(out, "  %s.%s = %g %s\n      %s\n", a->name, p->name, p->def,
			        p->unit, p->doc);
		}
	}
}
