/*
 * scenario_keys.c: the tables of the scenario format's top level, its map,
 * RSUs, signal plan and actors, with their defaults (init) and the checks
 * that span keys (finish).  docs/scenarios.md documents the same keys; a
 * key added here is added there.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/scenario/scenario_int.h"

/* The most of everything a scenario may list: bounds that no test-field
 * run comes near, there to stop a runaway file, not to limit a run. */
#define ACTORS_MAX   10000
#define ROUTE_MAX    64
#define ITEMS_MAX    1000
#define SPEED_KMH    200.0 /* fastest speed anything is given */
#define POSITION_MAX 100000.0

bool sim_scen__seen(const struct sim_scen_key *keys, size_t n_keys, uint64_t seen, const char *name)
{
	for (size_t i = 0; i < n_keys; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (seen >> i) & 1;
	return false;
}

int sim_scen__check_ident(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	const char *p = value;

	while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
		p++;
	if (!*value || *p)
		return sim_scen__fail(
		        c, n, "'%s' is not a name (allowed: letters, digits, - and _)", value);
	return 0;
}

/* ---- the top level ---- */

static void top_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_scenario *sc = obj;

	(void)c;
	sc->seed = 1;
	sc->realtime = true;
	sc->map_params = mapgen_params_default();
	sc->thresholds = (struct sim_thresholds){
		.recall_min = 1.0, .false_pos_max = 0, .latency_p99_ms_max = 250, .lead_s_min = 3
	};
}

/* Only real time: the broker and the agents judge how fresh a message is
 * and when a warning is due by the wall clock, so a run sped up would be
 * judged stale or late by the very system under test. */
static int parse_time(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj)
{
	const char *s = sim_scen__scalar(n);
	struct sim_scenario *sc = obj;

	if (s && strcmp(s, "real") == 0) {
		sc->realtime = true;
		return 0;
	}
	if (s && strcmp(s, "fast") == 0)
		return sim_scen__fail(c, n,
		                      "'fast' is refused: the broker and the agents judge "
		                      "message freshness and warning timing by the wall clock, "
		                      "so a run goes at real time (allowed: real)");
	return sim_scen__fail(c, n, "'%s' is not a time mode (allowed: real)", s ? s : "?");
}

static int gen_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	char why[256];

	(void)seen;
	if (mapgen_params_check(obj, why, sizeof(why)) != 0)
		return sim_scen__fail(c, n, "%s (maps/gen/mapgen.h gives every range)", why);
	return 0;
}

#define G(key, k) SIM_KEY(struct mapgen_params, #key, key, k)
/* Wide bounds here: mapgen_params_check judges the real ranges, with the
 * generator's own words. */
#define GNUM(key) G(key, SIM_K_NUM), .lo = -1e9, .hi = 1e9

static const struct sim_scen_key gen_keys[] = {
	{ G(seed, SIM_K_U64) },
	{ GNUM(origin_lat_deg) },
	{ GNUM(origin_lon_deg) },
	{ G(n_hairpins, SIM_K_UINT), .width = sizeof(unsigned), .lo = 3,
	  .hi = MAPGEN_HAIRPINS_MAX },
	{ GNUM(hairpin_r_min_m) },
	{ GNUM(hairpin_r_max_m) },
	{ GNUM(hairpin_grade) },
	{ GNUM(downgrade) },
	{ GNUM(downgrade_len_m) },
	{ GNUM(tunnel_len_m) },
	{ GNUM(narrow_len_m) },
	{ GNUM(lane_width_m) },
	{ GNUM(narrow_width_m) },
	{ GNUM(speed_limit_kmh) },
	{ GNUM(slow_limit_kmh) },
	{ GNUM(friction) },
	{ GNUM(e_max) },
	{ GNUM(rsu_range_m) },
};
static const struct sim_scen_section gen_sec = { gen_keys, SIM_N(gen_keys), NULL, gen_finish };

#define S(key, f, k) SIM_KEY(struct sim_scenario, key, f, k)

static const struct sim_scen_key map_keys[] = {
	{ S("generator", map_params, SIM_K_MAP), .group = 1, .sub = &gen_sec },
	{ S("version", map_version, SIM_K_INT), .group = 1, .width = 8, .lo = 1, .hi = 1e15 },
};
static const struct sim_scen_section map_sec = { map_keys, SIM_N(map_keys), NULL, NULL };

/* ---- rsus ---- */

static int check_rsu_id(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	const struct sim_scenario *sc = c->sc;

	if (!*value || strcmp(value, "*") == 0)
		return sim_scen__fail(c, n,
		                      "'%s' is not an RSU id (the map's rsu_id, such as "
		                      "CQ-MTF-RSU-01)",
		                      value);
	for (size_t i = 0; i < sc->n_rsus; i++)
		if (strcmp(sc->rsus[i].id, value) == 0)
			return sim_scen__fail(c, n, "RSU '%s' is listed twice (rsus[%zu] too)",
			                      value, i);
	return 0;
}

int sim_scen__check_rsu(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	const struct sim_scenario *sc = c->sc;
	char ids[512];
	size_t len = 0;

	if (!*value || strcmp(value, "*") == 0)
		return sim_scen__fail(c, n,
		                      "'%s' is not an RSU id (the map's rsu_id, such as "
		                      "CQ-MTF-RSU-01)",
		                      value);
	if (sc->n_rsus == 0)
		return 0; /* every RSU of the map: sim_scenario_check_map knows them */
	for (size_t i = 0; i < sc->n_rsus; i++) {
		if (strcmp(sc->rsus[i].id, value) == 0)
			return 0;
		int w = snprintf(ids + len, sizeof(ids) - len, "%s%s", i ? ", " : "",
		                 sc->rsus[i].id);
		len += w > 0 && (size_t)w < sizeof(ids) - len ? (size_t)w : 0;
	}
	return sim_scen__fail(c, n, "RSU '%s' is not one of the run's rsus (listed: %s)", value,
	                      ids);
}

static void rsu_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_rsu *r = obj;

	(void)c;
	r->range_m = NAN;
}

static const struct sim_scen_key rsu_keys[] = {
	{ SIM_KEY_STR(struct sim_rsu, "id", id), .flags = SIM_KEY_REQUIRED, .check = check_rsu_id },
	{ SIM_KEY(struct sim_rsu, "range_m", range_m, SIM_K_NUM), .lo = 10, .hi = 5000 },
};
static const struct sim_scen_section rsu_sec = { rsu_keys, SIM_N(rsu_keys), rsu_init, NULL };

/* ---- signals ---- */

static void group_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_signal_group *g = obj;

	(void)c;
	g->yellow_s = 3;
}

static int group_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_signals *sig = &c->sc->signals;
	const struct sim_signal_group *g = obj;

	(void)seen;
	for (size_t i = 0; i < sig->n; i++)
		if (sig->groups[i].group == g->group)
			return sim_scen__fail(c, n,
			                      "signal group %d is planned twice (groups[%zu] "
			                      "too)",
			                      (int)g->group, i);
	if (g->green_start_s >= sig->cycle_s)
		return sim_scen__fail(c, n,
		                      "green_start_s %g is not within the cycle (0..%g, "
		                      "before cycle_s)",
		                      g->green_start_s, sig->cycle_s);
	if (g->green_s + g->yellow_s > sig->cycle_s)
		return sim_scen__fail(c, n,
		                      "green_s %g + yellow_s %g is longer than the cycle "
		                      "(cycle_s %g)",
		                      g->green_s, g->yellow_s, sig->cycle_s);
	return 0;
}

#define SG(key, k) SIM_KEY(struct sim_signal_group, #key, key, k)

static const struct sim_scen_key group_keys[] = {
	{ SG(group, SIM_K_INT), .flags = SIM_KEY_REQUIRED, .width = 4, .lo = 1, .hi = 255 },
	{ SG(green_start_s, SIM_K_NUM), .lo = 0, .hi = 600 },
	{ SG(green_s, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .lo = 1, .hi = 600 },
	{ SG(yellow_s, SIM_K_NUM), .lo = 0, .hi = 10 },
};
static const struct sim_scen_section group_sec = { group_keys, SIM_N(group_keys), group_init,
	                                           group_finish };

static int signals_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	struct sim_signals *sig = obj;

	(void)seen;
	sig->present = true;
	if (sig->offset_s >= sig->cycle_s)
		return sim_scen__fail(c, n,
		                      "offset_s %g is not within the cycle (0..%g, before "
		                      "cycle_s)",
		                      sig->offset_s, sig->cycle_s);
	return 0;
}

#define SP(key, k) SIM_KEY(struct sim_signals, #key, key, k)

static const struct sim_scen_key signals_keys[] = {
	{ SP(cycle_s, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .lo = 10, .hi = 600 },
	{ SP(offset_s, SIM_K_NUM), .lo = 0, .hi = 600 },
	{ SIM_KEY(struct sim_signals, "groups", groups, SIM_K_LIST), .flags = SIM_KEY_REQUIRED,
	  .size = sizeof(struct sim_signal_group), .count_off = offsetof(struct sim_signals, n),
	  .lo = 1, .hi = 32, .sub = &group_sec },
};
static const struct sim_scen_section signals_sec = { signals_keys, SIM_N(signals_keys), NULL,
	                                             signals_finish };

/* ---- actors ---- */

/* The actor being read: its list's count is that of the actors before it. */
static struct sim_actor *cur_actor(const struct sim_scen_ctx *c)
{
	return &c->sc->actors[c->sc->n_actors];
}

static int check_actor_name(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	int rc, i;

	if ((rc = sim_scen__check_ident(c, n, value)) != 0)
		return rc;
	if (strcmp(value, "rsu") == 0)
		return sim_scen__fail(c, n,
		                      "'rsu' is reserved (faults.links.from uses it for "
		                      "messages of the RSUs): choose another name");
	if ((i = sim_scenario_actor(c->sc, value)) >= 0)
		return sim_scen__fail(c, n,
		                      "actor name '%s' is taken by actors[%d] (names are "
		                      "unique)",
		                      value, i);
	return 0;
}

static int parse_route(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj)
{
	struct sim_actor *a = obj;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = sim_scen__seq(c, n, 1, ROUTE_MAX, &items, &count)) != 0)
		return rc;
	if (!(a->route = v2x_arena_calloc(c->arena, count, sizeof(*a->route)))) {
		snprintf(c->err, c->errlen, "%s: out of memory reading %s", c->file, c->path);
		return V2X_ENOMEM;
	}
	for (a->n_route = 0; a->n_route < count; a->n_route++) {
		size_t old = sim_scen__push_index(c, a->n_route);
		int64_t lane;
		rc = sim_scen__int(c, sim_scen__node(c, items[a->n_route]), 1, UINT32_MAX, &lane);
		c->plen = old;
		c->path[old] = '\0';
		if (rc)
			return rc;
		a->route[a->n_route] = (uint32_t)lane;
	}
	return 0;
}

static int profile_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_actor *a = cur_actor(c);
	const struct sim_speed_point *p = obj;

	(void)seen;
	if (a->n_profile > 0 && !(p->t_s > a->profile[a->n_profile - 1].t_s))
		return sim_scen__fail(c, n,
		                      "t_s %g is not after the point before (%g): list the "
		                      "points in time order",
		                      p->t_s, a->profile[a->n_profile - 1].t_s);
	return 0;
}

#define SPT(key, f, k) SIM_KEY(struct sim_speed_point, key, f, k)

static const struct sim_scen_key profile_keys[] = {
	{ SPT("t_s", t_s, SIM_K_TIME), .flags = SIM_KEY_REQUIRED },
	{ SPT("speed_kmh", speed_mps, SIM_K_KMH), .flags = SIM_KEY_REQUIRED, .group = 1, .lo = 0,
	  .hi = SPEED_KMH },
	{ SPT("speed_mps", speed_mps, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .group = 1, .lo = 0,
	  .hi = SPEED_KMH / 3.6 },
};
static const struct sim_scen_section profile_sec = { profile_keys, SIM_N(profile_keys), NULL,
	                                             profile_finish };

#define AC(key, f, k) SIM_KEY(struct sim_action, key, f, k)

static const struct sim_scen_key at_keys[] = {
	{ AC("lane", at_lane, SIM_K_UINT), .flags = SIM_KEY_REQUIRED, .width = 4, .lo = 1,
	  .hi = UINT32_MAX },
	{ AC("s", at_s, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .lo = 0, .hi = POSITION_MAX },
};
static const struct sim_scen_section at_sec = { at_keys, SIM_N(at_keys), NULL, NULL };

static const struct sim_scen_choice action_choices[] = {
	{ "speed", SIM_ACT_SPEED },           { "stop", SIM_ACT_STOP },
	{ "brake_hard", SIM_ACT_BRAKE_HARD }, { "lateral", SIM_ACT_LATERAL },
	{ "resume", SIM_ACT_RESUME },         { NULL, 0 },
};

static void action_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_action *a = obj;

	(void)c;
	a->value = NAN;
	a->at_t_s = NAN;
	a->at_s = NAN;
}

static const struct sim_scen_key action_keys[] = {
	{ AC("at_t_s", at_t_s, SIM_K_TIME), .flags = SIM_KEY_REQUIRED, .group = 1 },
	{ .name = "at",
	  .kind = SIM_K_MAP,
	  .flags = SIM_KEY_REQUIRED,
	  .group = 1,
	  .sub = &at_sec }, /* onto the action itself: at_lane, at_s */
	{ AC("action", kind, SIM_K_ENUM), .flags = SIM_KEY_REQUIRED, .width = 1,
	  .choices = action_choices },
	{ AC("speed_kmh", value, SIM_K_KMH), .group = 2, .lo = 0, .hi = SPEED_KMH },
	{ AC("speed_mps", value, SIM_K_NUM), .group = 2, .lo = 0, .hi = SPEED_KMH / 3.6 },
	{ AC("lateral_m", value, SIM_K_NUM), .group = 2, .lo = -6, .hi = 6 },
};
/* What value an action takes: a speed for speed, an offset for lateral,
 * none for the others. */
static int action_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_action *a = obj;
	bool speed = sim_scen__seen(action_keys, SIM_N(action_keys), seen, "speed_kmh") ||
	             sim_scen__seen(action_keys, SIM_N(action_keys), seen, "speed_mps");
	bool lateral = sim_scen__seen(action_keys, SIM_N(action_keys), seen, "lateral_m");

	if (a->kind == SIM_ACT_SPEED && !speed)
		return sim_scen__fail(c, n,
		                      "action speed needs speed_kmh or speed_mps (the new "
		                      "target speed)");
	if (a->kind == SIM_ACT_LATERAL && !lateral)
		return sim_scen__fail(c, n,
		                      "action lateral needs lateral_m (the new offset, + "
		                      "left)");
	if ((speed && a->kind != SIM_ACT_SPEED) || (lateral && a->kind != SIM_ACT_LATERAL))
		return sim_scen__fail(c, n, "%s goes with action %s only (this one is %s)",
		                      speed ? "a speed" : "lateral_m", speed ? "speed" : "lateral",
		                      action_choices[a->kind - 1].name);
	return 0;
}

static const struct sim_scen_section action_sec = { action_keys, SIM_N(action_keys), action_init,
	                                            action_finish };

static void actor_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_actor *a = obj;

	(void)c;
	a->vclass = SIM_CLASS_CAR;
	a->length_m = NAN;
	a->width_m = NAN;
	a->accel_max_mps2 = 2.0;
	a->decel_mps2 = 2.5;
	a->decel_hard_mps2 = 6.0;
}

/* The BSM id: "SIM", the seed's low 16 bits, then k + 1, big-endian. */
static void actor_id(uint8_t id[8], uint64_t seed, size_t k)
{
	id[0] = 'S';
	id[1] = 'I';
	id[2] = 'M';
	id[3] = (uint8_t)(seed >> 8);
	id[4] = (uint8_t)seed;
	id[5] = (uint8_t)((k + 1) >> 16);
	id[6] = (uint8_t)((k + 1) >> 8);
	id[7] = (uint8_t)(k + 1);
}

static int actor_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	struct sim_actor *a = obj;
	double len = a->vclass == SIM_CLASS_CAR ? 4.8 : a->vclass == SIM_CLASS_TRUCK ? 10 : 12;

	(void)seen;
	if (isnan(a->length_m))
		a->length_m = len;
	if (isnan(a->width_m))
		a->width_m = a->vclass == SIM_CLASS_CAR ? 1.8 : 2.5;
	if (a->decel_hard_mps2 < a->decel_mps2)
		return sim_scen__fail(c, n,
		                      "decel_hard_mps2 %g is below decel_mps2 %g (hard "
		                      "braking is the stronger)",
		                      a->decel_hard_mps2, a->decel_mps2);
	actor_id(a->id, c->sc->seed, c->sc->n_actors);
	return 0;
}

static const struct sim_scen_choice class_choices[] = {
	{ "car", SIM_CLASS_CAR },
	{ "truck", SIM_CLASS_TRUCK },
	{ "bus", SIM_CLASS_BUS },
	{ NULL, 0 },
};

#define A(key, f, k) SIM_KEY(struct sim_actor, key, f, k)

static const struct sim_scen_key actor_keys[] = {
	{ SIM_KEY_STR(struct sim_actor, "name", name), .flags = SIM_KEY_REQUIRED,
	  .check = check_actor_name },
	{ A("class", vclass, SIM_K_ENUM), .width = 1, .choices = class_choices },
	{ A("length_m", length_m, SIM_K_NUM), .lo = 2, .hi = 25 },
	{ A("width_m", width_m, SIM_K_NUM), .lo = 1, .hi = 3.5 },
	{ A("route", route, SIM_K_FN), .flags = SIM_KEY_REQUIRED, .parse = parse_route },
	{ A("start_s", start_s, SIM_K_NUM), .lo = 0, .hi = POSITION_MAX },
	{ A("start_t_s", start_t_s, SIM_K_TIME) },
	{ A("speed_kmh", speed_mps, SIM_K_KMH), .group = 1, .lo = 0, .hi = SPEED_KMH },
	{ A("speed_mps", speed_mps, SIM_K_NUM), .group = 1, .lo = 0, .hi = SPEED_KMH / 3.6 },
	{ A("profile", profile, SIM_K_LIST), .size = sizeof(struct sim_speed_point),
	  .count_off = offsetof(struct sim_actor, n_profile), .lo = 0, .hi = ITEMS_MAX,
	  .sub = &profile_sec },
	{ A("accel_max_mps2", accel_max_mps2, SIM_K_NUM), .lo = 0.1, .hi = 10 },
	{ A("decel_mps2", decel_mps2, SIM_K_NUM), .lo = 0.1, .hi = 10 },
	{ A("decel_hard_mps2", decel_hard_mps2, SIM_K_NUM), .lo = 0.1, .hi = 12 },
	{ A("lateral_m", lateral_m, SIM_K_NUM), .lo = -6, .hi = 6 },
	{ A("actions", actions, SIM_K_LIST), .size = sizeof(struct sim_action),
	  .count_off = offsetof(struct sim_actor, n_actions), .lo = 0, .hi = ITEMS_MAX,
	  .sub = &action_sec },
};
static const struct sim_scen_section actor_sec = { actor_keys, SIM_N(actor_keys), actor_init,
	                                           actor_finish };

/* ---- the top level ---- */

#define LIST(key, f, nf, item, max, section)                                            \
	S(key, f, SIM_K_LIST), .size = sizeof(item),                                    \
	                       .count_off = offsetof(struct sim_scenario, nf), .lo = 0, \
	                       .hi = (max), .sub = (section)

/* Sections that others refer to come first: rsus before rsi, rsm and
 * faults; actors before faults and expect. */
static const struct sim_scen_key top_keys[] = {
	{ SIM_KEY_STR(struct sim_scenario, "name", name), .flags = SIM_KEY_REQUIRED,
	  .check = sim_scen__check_ident },
	{ SIM_KEY_STR(struct sim_scenario, "description", description) },
	{ S("seed", seed, SIM_K_U64) },
	{ S("duration_s", duration_s, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .lo = 1,
	  .hi = SIM_SCEN_DURATION_MAX },
	{ S("time", realtime, SIM_K_FN), .parse = parse_time },
	{ .name = "map", .kind = SIM_K_MAP, .sub = &map_sec },
	{ LIST("rsus", rsus, n_rsus, struct sim_rsu, 256, &rsu_sec) },
	{ S("signals", signals, SIM_K_MAP), .sub = &signals_sec },
	{ LIST("actors", actors, n_actors, struct sim_actor, ACTORS_MAX, &actor_sec) },
	{ LIST("rsi", rsi, n_rsi, struct sim_rsi_event, ITEMS_MAX, &sim_scen__rsi) },
	{ LIST("rsm", rsm, n_rsm, struct sim_rsm_participant, ITEMS_MAX, &sim_scen__rsm) },
	{ .name = "faults", .kind = SIM_K_MAP, .sub = &sim_scen__faults },
	{ .name = "expect", .kind = SIM_K_MAP, .sub = &sim_scen__expect },
};
const struct sim_scen_section sim_scen__top = { top_keys, SIM_N(top_keys), top_init, NULL };
