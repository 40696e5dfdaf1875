/*
 * scenario_check.c: a scenario against the map it runs on.  Each error
 * names the item (with the actor's name), what the map has instead, and
 * what to change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/scenario/scenario.h"

struct check {
	const struct sim_scenario *sc;
	const struct map_model *m;
	char *err;
	size_t errlen;
};

static int fail(const struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct check *k, const char *fmt, ...)
{
	int w = snprintf(k->err, k->errlen, "%s%s", k->sc->path, k->sc->path[0] ? ": " : "");

	if (w >= 0 && (size_t)w < k->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(k->err + w, k->errlen - (size_t)w, fmt, ap);
		va_end(ap);
	}
	return V2X_EINVAL;
}

/* Appends ", v" to a list being written into buf. */
static void append(char *buf, size_t len, unsigned long v)
{
	size_t k = strlen(buf);

	snprintf(buf + k, len - k, "%s%lu", k ? ", " : "", v);
}

static bool connected(const struct map_model *m, uint32_t from, uint32_t to)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if (m->connections[i].from_lane == from && m->connections[i].to_lane == to)
			return true;
	return false;
}

static const char *successors(const struct map_model *m, uint32_t lane, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < m->n_connections; i++)
		if (m->connections[i].from_lane == lane)
			append(buf, len, m->connections[i].to_lane);
	if (!buf[0])
		snprintf(buf, len, "nothing: the map ends there");
	return buf;
}

/* (lane, s) on the map: the lane exists and s lies on it. */
static int place(const struct check *k, const char *what, uint32_t lane, double s)
{
	const struct map_lane *l = map_model_lane(k->m, lane);

	if (!l)
		return fail(k,
		            "%s: lane %lu is not on the map (lane ids are road * 10 + 1 or + 2, "
		            "such as 31)",
		            what, (unsigned long)lane);
	if (!(s >= 0 && s <= l->length_m))
		return fail(k,
		            "%s: s %g m is beyond lane %lu, which is %.1f m long (give s in "
		            "0..%.1f)",
		            what, s, (unsigned long)lane, l->length_m, l->length_m);
	return 0;
}

static int route(const struct check *k, size_t i)
{
	const struct sim_actor *a = &k->sc->actors[i];
	char what[160], next[128];

	for (size_t j = 0; j < a->n_route; j++) {
		int rc;
		snprintf(what, sizeof(what), "actors[%zu] (%s).route[%zu]", i, a->name, j);
		if ((rc = place(k, what, a->route[j], 0)) != 0)
			return rc;
		if (j > 0 && !connected(k->m, a->route[j - 1], a->route[j]))
			return fail(k,
			            "%s: lane %lu does not follow lane %lu (lane %lu leads to %s): "
			            "list the lanes in driving order",
			            what, (unsigned long)a->route[j],
			            (unsigned long)a->route[j - 1], (unsigned long)a->route[j - 1],
			            successors(k->m, a->route[j - 1], next, sizeof(next)));
	}
	snprintf(what, sizeof(what), "actors[%zu] (%s).start_s", i, a->name);
	return place(k, what, a->route[0], a->start_s);
}

static bool on_route(const struct sim_actor *a, uint32_t lane)
{
	for (size_t j = 0; j < a->n_route; j++)
		if (a->route[j] == lane)
			return true;
	return false;
}

static int actions(const struct check *k, size_t i)
{
	const struct sim_actor *a = &k->sc->actors[i];
	char what[160];
	int rc;

	for (size_t j = 0; j < a->n_actions; j++) {
		const struct sim_action *act = &a->actions[j];
		if (!act->at_lane)
			continue;
		snprintf(what, sizeof(what), "actors[%zu] (%s).actions[%zu].at", i, a->name, j);
		if ((rc = place(k, what, act->at_lane, act->at_s)) != 0)
			return rc;
		if (!on_route(a, act->at_lane))
			return fail(k,
			            "%s: lane %lu is not on %s's route, so the action would never "
			            "happen (put it on a lane of the route)",
			            what, (unsigned long)act->at_lane, a->name);
	}
	return 0;
}

static int actors(const struct check *k)
{
	for (size_t i = 0; i < k->sc->n_actors; i++) {
		int rc;
		if (k->sc->actors[i].n_route == 0)
			return fail(k, "actors[%zu] (%s): no route (give route: [lane, ...])", i,
			            k->sc->actors[i].name);
		if ((rc = route(k, i)) != 0 || (rc = actions(k, i)) != 0)
			return rc;
	}
	return 0;
}

/* An RSU id of the scenario must be one of the map's ("" and, where what
 * allows it, "*" need no check). */
static int rsu(const struct check *k, const char *what, const char *id, bool any)
{
	char ids[512] = "";

	if (!id[0] || (any && strcmp(id, "*") == 0))
		return 0;
	for (size_t i = 0; i < k->m->n_rsus; i++) {
		if (strcmp(k->m->rsus[i].rsu_id, id) == 0)
			return 0;
		size_t len = strlen(ids);
		snprintf(ids + len, sizeof(ids) - len, "%s%s", len ? ", " : "",
		         k->m->rsus[i].rsu_id);
	}
	return fail(k, "%s: RSU '%s' is not on the map (its RSUs: %s): use one of those", what, id,
	            ids[0] ? ids : "none");
}

static int rsus(const struct check *k)
{
	const struct sim_scenario *sc = k->sc;
	char what[96];
	int rc = 0;

	for (size_t i = 0; i < sc->n_rsus && !rc; i++) {
		snprintf(what, sizeof(what), "rsus[%zu].id", i);
		rc = rsu(k, what, sc->rsus[i].id, false);
	}
	for (size_t i = 0; i < sc->n_rsi && !rc; i++) {
		snprintf(what, sizeof(what), "rsi[%zu].rsu", i);
		rc = rsu(k, what, sc->rsi[i].rsu, false);
	}
	for (size_t i = 0; i < sc->n_rsm && !rc; i++) {
		snprintf(what, sizeof(what), "rsm[%zu].rsu", i);
		rc = rsu(k, what, sc->rsm[i].rsu, false);
	}
	for (size_t i = 0; i < sc->n_dark && !rc; i++) {
		snprintf(what, sizeof(what), "faults.dark[%zu].rsu", i);
		rc = rsu(k, what, sc->dark[i].rsu, false);
	}
	for (size_t i = 0; i < sc->n_link_faults && !rc; i++) {
		snprintf(what, sizeof(what), "faults.links[%zu].to", i);
		rc = rsu(k, what, sc->link_faults[i].to, true);
	}
	return rc;
}

static int places(const struct check *k)
{
	const struct sim_scenario *sc = k->sc;
	char what[64];
	int rc = 0;

	for (size_t i = 0; i < sc->n_rsi && !rc; i++) {
		snprintf(what, sizeof(what), "rsi[%zu] (id %u)", i, (unsigned)sc->rsi[i].id);
		rc = place(k, what, sc->rsi[i].lane, sc->rsi[i].s);
	}
	for (size_t i = 0; i < sc->n_rsm && !rc; i++) {
		snprintf(what, sizeof(what), "rsm[%zu] (id %u)", i, (unsigned)sc->rsm[i].id);
		rc = place(k, what, sc->rsm[i].lane, sc->rsm[i].s);
	}
	return rc;
}

static bool group_on_map(const struct map_model *m, int32_t g)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if (m->connections[i].signal_group == g)
			return true;
	for (size_t i = 0; i < m->n_stop_lines; i++)
		if (m->stop_lines[i].signal_group == g)
			return true;
	return false;
}

static const char *map_groups(const struct map_model *m, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int32_t g = 0; g < 256; g++)
		if (group_on_map(m, g))
			append(buf, len, (unsigned long)g);
	return buf[0] ? buf : "none";
}

static int signals(const struct check *k)
{
	const struct sim_signals *sig = &k->sc->signals;
	char groups[256];

	for (size_t i = 0; sig->present && i < sig->n; i++)
		if (!group_on_map(k->m, sig->groups[i].group))
			return fail(k,
			            "signals.groups[%zu]: signal group %d is not on the map (its "
			            "groups: %s): plan only those",
			            i, (int)sig->groups[i].group,
			            map_groups(k->m, groups, sizeof(groups)));
	return 0;
}

/* Names an actor (or, where any allows it, "*"; where rsu does, "rsu"). */
static int actor(const struct check *k, const char *what, const char *name, bool any, bool rsu_ok)
{
	if ((any && strcmp(name, "*") == 0) || (rsu_ok && strcmp(name, "rsu") == 0) ||
	    sim_scenario_actor(k->sc, name) >= 0)
		return 0;
	return fail(k, "%s: '%s' is not an actor of the scenario: name one of actors", what, name);
}

static int references(const struct check *k)
{
	const struct sim_scenario *sc = k->sc;
	char what[64];
	int rc = 0;

	for (size_t i = 0; i < sc->n_expect && !rc; i++) {
		snprintf(what, sizeof(what), "expect.warnings[%zu].target", i);
		rc = actor(k, what, sc->expect[i].target, false, false);
		snprintf(what, sizeof(what), "expect.warnings[%zu].subject", i);
		if (!rc && sc->expect[i].subject[0])
			rc = actor(k, what, sc->expect[i].subject, false, false);
	}
	for (size_t i = 0; i < sc->n_gnss_faults && !rc; i++) {
		snprintf(what, sizeof(what), "faults.gnss[%zu].actor", i);
		rc = actor(k, what, sc->gnss_faults[i].actor, true, false);
	}
	for (size_t i = 0; i < sc->n_skews && !rc; i++) {
		snprintf(what, sizeof(what), "faults.clock_skew[%zu].actor", i);
		rc = actor(k, what, sc->skews[i].actor, false, false);
	}
	for (size_t i = 0; i < sc->n_link_faults && !rc; i++) {
		snprintf(what, sizeof(what), "faults.links[%zu].from", i);
		rc = actor(k, what, sc->link_faults[i].from, true, true);
	}
	return rc;
}

int sim_scenario_check_map(const struct sim_scenario *sc, const struct map_model *m, char *err,
                           size_t errlen)
{
	const struct check k = { sc, m, err, errlen };
	int rc;

	if ((rc = actors(&k)) != 0 || (rc = places(&k)) != 0 || (rc = rsus(&k)) != 0 ||
	    (rc = signals(&k)) != 0 || (rc = references(&k)) != 0)
		return rc;
	return 0;
}
