/*
 * appset: the warning applications the broker runs and their settings.
 *
 * Every application the broker knows is listed here, in the order they
 * run: hazard_ahead, curve_speed, blind_curve, forward_collision,
 * steep_downgrade, speed_limit, red_light.  An operator chooses which run
 * (a comma-separated list of names, or "all") and changes any setting of
 * any application by name: "NAME.KEY=VALUE,..." (the keys and their units,
 * defaults and meaning: brk_appset_help(), `v2x-broker --apps-help`).
 * A setting left alone takes the application's default.
 */
#ifndef V2X_BROKER_CORE_APPSET_H
#define V2X_BROKER_CORE_APPSET_H

#include <stddef.h>
#include <stdio.h>

#include "broker/apps/app.h"

struct brk_appset;

/*
 * Builds the set: the applications named in apps (NULL, "" or "all":
 * every one), each with a configuration of defaults (all zero).  Returns
 * 0 and *out (caller frees with brk_appset_free); V2X_ECONFIG with the
 * names there are in err; V2X_ENOMEM.
 */
int brk_appset_new(const char *apps, struct brk_appset **out, char *err, size_t errlen);

/*
 * Applies settings, "NAME.KEY=VALUE" separated by commas (NULL or "":
 * none), in order.  Returns 0; V2X_ECONFIG with what was wrong and what
 * is allowed in err (an unknown key, a value that is no finite number, a
 * setting for an application not run); the settings before it stay.
 */
int brk_appset_apply(struct brk_appset *s, const char *settings, char *err, size_t errlen);

/* The configuration of app when it runs (for the caller to preset
 * fields), or NULL. */
void *brk_appset_cfg(struct brk_appset *s, const struct brk_app *app);

/* Frees s; accepts NULL. */
void brk_appset_free(struct brk_appset *s);

/* The entries to hand to brk_apps_new(), *n of them; they and their
 * configurations belong to s. */
const struct brk_app_entry *brk_appset_entries(const struct brk_appset *s, size_t *n);

/* Writes every application's settings (name, unit, default, meaning). */
void brk_appset_help(FILE *out);

#endif
