/*
 * scenario_events.c: the tables of RSI events, RSM participants, faults
 * and expectations: the sections that refer to the actors and RSUs read
 * before them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codecs/msg.h"
#include "runtime/err.h"
#include "sim/scenario/scenario_int.h"

#define POSITION_MAX     100000.0
#define SIGN_SPEED_LIMIT 85 /* the RTS sign type of a speed limit */

/* "V1, V2, ..." for messages. */
static const char *actor_names(const struct sim_scenario *sc, char *buf, size_t len)
{
	size_t k = 0;

	snprintf(buf, len, "none");
	for (size_t i = 0; i < sc->n_actors && k < len; i++) {
		int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", sc->actors[i].name);
		k += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

int sim_scen__check_actor(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	char names[512];

	if (sim_scenario_actor(c->sc, value) >= 0)
		return 0;
	return sim_scen__fail(c, n, "'%s' is not an actor of the scenario (actors: %s)", value,
	                      actor_names(c->sc, names, sizeof(names)));
}

static int check_actor_or_any(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	return strcmp(value, "*") == 0 ? 0 : sim_scen__check_actor(c, n, value);
}

static int check_rsu_or_any(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	return strcmp(value, "*") == 0 ? 0 : sim_scen__check_rsu(c, n, value);
}

static int check_link_from(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value)
{
	char names[512];

	if (strcmp(value, "*") == 0 || strcmp(value, "rsu") == 0 ||
	    sim_scenario_actor(c->sc, value) >= 0)
		return 0;
	return sim_scen__fail(c, n,
	                      "'%s' is not a sender (allowed: \"*\", \"rsu\" or an actor: %s)",
	                      value, actor_names(c->sc, names, sizeof(names)));
}

/* ---- rsi ---- */

static const struct sim_scen_choice event_choices[] = {
	{ "rockfall", 401 }, { "works", 501 }, { "wet", 701 }, { "fog", 702 },
	{ "snow", 706 },     { "ice", 707 },   { NULL, 0 },
};

static int parse_sign(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj)
{
	struct sim_rsi_event *e = obj;
	const char *s = sim_scen__scalar(n);

	if (!s || strcmp(s, "speed_limit") != 0)
		return sim_scen__fail(c, n, "'%s' is not a sign (allowed: speed_limit)",
		                      s ? s : sim_scen__what(n));
	e->sign = true;
	e->event_type = SIGN_SPEED_LIMIT;
	return 0;
}

static void rsi_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_rsi_event *e = obj;

	(void)c;
	e->limit_mps = NAN;
	e->radius_m = 30;
	e->to_t_s = INFINITY;
}

static int rsi_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_scenario *sc = c->sc;
	const struct sim_rsi_event *e = obj;

	(void)seen;
	for (size_t i = 0; i < sc->n_rsi; i++)
		if (sc->rsi[i].id == e->id)
			return sim_scen__fail(c, n, "id %u is taken by rsi[%zu] (ids are unique)",
			                      (unsigned)e->id, i);
	if (e->sign && isnan(e->limit_mps))
		return sim_scen__fail(c, n, "a speed_limit sign needs limit_kmh or limit_mps");
	if (!e->sign && !isnan(e->limit_mps))
		return sim_scen__fail(c, n,
		                      "a limit goes with sign: speed_limit only (this is an "
		                      "event)");
	return sim_scen__window(c, n, e->from_t_s, e->to_t_s);
}

#define RI(key, f, k) SIM_KEY(struct sim_rsi_event, key, f, k)

static const struct sim_scen_key rsi_keys[] = {
	{ RI("id", id, SIM_K_UINT), .flags = SIM_KEY_REQUIRED, .width = 2, .lo = 0, .hi = 255 },
	{ RI("event", event_type, SIM_K_ENUM), .flags = SIM_KEY_REQUIRED, .group = 1, .width = 2,
	  .choices = event_choices },
	{ RI("event_type", event_type, SIM_K_UINT), .flags = SIM_KEY_REQUIRED, .group = 1,
	  .width = 2, .lo = 0, .hi = 65535 },
	{ RI("sign", sign, SIM_K_FN), .flags = SIM_KEY_REQUIRED, .group = 1, .parse = parse_sign },
	{ RI("limit_kmh", limit_mps, SIM_K_KMH), .group = 2, .lo = 5, .hi = 150 },
	{ RI("limit_mps", limit_mps, SIM_K_NUM), .group = 2, .lo = 5 / 3.6, .hi = 150 / 3.6 },
	{ RI("lane", lane, SIM_K_UINT), .flags = SIM_KEY_REQUIRED, .width = 4, .lo = 1,
	  .hi = UINT32_MAX },
	{ RI("s", s, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .lo = 0, .hi = POSITION_MAX },
	{ RI("radius_m", radius_m, SIM_K_NUM), .lo = 1, .hi = 5000 },
	{ RI("from_t_s", from_t_s, SIM_K_TIME) },
	{ RI("to_t_s", to_t_s, SIM_K_NUM), .lo = 0, .hi = SIM_SCEN_DURATION_MAX },
	{ SIM_KEY_STR(struct sim_rsi_event, "rsu", rsu), .check = sim_scen__check_rsu },
};
const struct sim_scen_section sim_scen__rsi = { rsi_keys, SIM_N(rsi_keys), rsi_init, rsi_finish };

/* ---- rsm ---- */

static const struct sim_scen_choice part_choices[] = {
	{ "vehicle", SIM_PART_VEHICLE },
	{ "pedestrian", SIM_PART_PEDESTRIAN },
	{ "animal", SIM_PART_ANIMAL },
	{ NULL, 0 },
};

static void rsm_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_rsm_participant *p = obj;

	(void)c;
	p->to_t_s = INFINITY;
}

static int rsm_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_scenario *sc = c->sc;
	const struct sim_rsm_participant *p = obj;

	(void)seen;
	for (size_t i = 0; i < sc->n_rsm; i++)
		if (sc->rsm[i].id == p->id)
			return sim_scen__fail(c, n, "id %u is taken by rsm[%zu] (ids are unique)",
			                      (unsigned)p->id, i);
	return sim_scen__window(c, n, p->from_t_s, p->to_t_s);
}

#define RM(key, f, k) SIM_KEY(struct sim_rsm_participant, key, f, k)

static const struct sim_scen_key rsm_keys[] = {
	{ RM("id", id, SIM_K_UINT), .flags = SIM_KEY_REQUIRED, .width = 2, .lo = 0, .hi = 65535 },
	{ RM("kind", kind, SIM_K_ENUM), .flags = SIM_KEY_REQUIRED, .width = 1,
	  .choices = part_choices },
	{ RM("lane", lane, SIM_K_UINT), .flags = SIM_KEY_REQUIRED, .width = 4, .lo = 1,
	  .hi = UINT32_MAX },
	{ RM("s", s, SIM_K_NUM), .flags = SIM_KEY_REQUIRED, .lo = 0, .hi = POSITION_MAX },
	{ RM("speed_mps", speed_mps, SIM_K_NUM), .group = 1, .lo = 0, .hi = 60 },
	{ RM("speed_kmh", speed_mps, SIM_K_KMH), .group = 1, .lo = 0, .hi = 216 },
	{ RM("from_t_s", from_t_s, SIM_K_TIME) },
	{ RM("to_t_s", to_t_s, SIM_K_NUM), .lo = 0, .hi = SIM_SCEN_DURATION_MAX },
	{ SIM_KEY_STR(struct sim_rsm_participant, "rsu", rsu), .check = sim_scen__check_rsu },
};
const struct sim_scen_section sim_scen__rsm = { rsm_keys, SIM_N(rsm_keys), rsm_init, rsm_finish };

/* ---- faults ---- */

static const struct sim_scen_choice type_choices[] = {
	{ "bsm", V2X_MSG_BSM }, { "map", V2X_MSG_MAP }, { "spat", V2X_MSG_SPAT },
	{ "rsi", V2X_MSG_RSI }, { "rsm", V2X_MSG_RSM }, { NULL, 0 },
};

static int type_bit(struct sim_scen_ctx *c, const yaml_node_t *n, uint32_t *types)
{
	const char *s = sim_scen__scalar(n);

	for (const struct sim_scen_choice *ch = type_choices; ch->name; ch++) {
		if (!s || strcmp(s, ch->name) != 0)
			continue;
		if (*types & (1u << ch->value))
			return sim_scen__fail(c, n, "'%s' is listed twice (list each type once)",
			                      s);
		*types |= 1u << ch->value;
		return 0;
	}
	return sim_scen__fail(c, n,
	                      "'%s' is not a message type (allowed: bsm, map, spat, rsi, rsm)",
	                      s ? s : sim_scen__what(n));
}

static int parse_types(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj)
{
	struct sim_link_fault *f = obj;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = sim_scen__seq(c, n, 1, 5, &items, &count)) != 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		size_t old = sim_scen__push_index(c, i);
		rc = type_bit(c, sim_scen__node(c, items[i]), &f->types);
		c->plen = old;
		c->path[old] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

static void link_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_link_fault *f = obj;

	(void)c;
	strcpy(f->from, "*");
	strcpy(f->to, "*");
	f->burst_len = 1;
	f->to_t_s = INFINITY;
}

/* Jitter is uniform within +- jitter_ms around delay_ms: more jitter than
 * delay would deliver a message before the link had it. */
static int link_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_link_fault *f = obj;

	(void)seen;
	if (f->jitter_ms > f->delay_ms)
		return sim_scen__fail(c, n,
		                      "jitter_ms %g is more than delay_ms %g (the added "
		                      "latency delay_ms +- jitter_ms may not go below 0)",
		                      f->jitter_ms, f->delay_ms);
	return sim_scen__window(c, n, f->from_t_s, f->to_t_s);
}

#define LF(key, k) SIM_KEY(struct sim_link_fault, #key, key, k)
#define LP(key)    LF(key, SIM_K_NUM), .lo = 0, .hi = 1

static const struct sim_scen_key link_keys[] = {
	{ SIM_KEY_STR(struct sim_link_fault, "from", from), .check = check_link_from },
	{ SIM_KEY_STR(struct sim_link_fault, "to", to), .check = check_rsu_or_any },
	{ LF(types, SIM_K_FN), .parse = parse_types },
	{ LP(loss) },
	{ LP(burst_enter) },
	{ LF(burst_len, SIM_K_NUM), .lo = 1, .hi = 1000 },
	{ LF(delay_ms, SIM_K_NUM), .lo = 0, .hi = 10000 },
	{ LF(jitter_ms, SIM_K_NUM), .lo = 0, .hi = 10000 },
	{ LP(duplicate) },
	{ LP(reorder) },
	{ LP(corrupt) },
	{ LF(from_t_s, SIM_K_TIME) },
	{ LF(to_t_s, SIM_K_NUM), .lo = 0, .hi = SIM_SCEN_DURATION_MAX },
};
static const struct sim_scen_section link_sec = { link_keys, SIM_N(link_keys), link_init,
	                                          link_finish };

static void gnss_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_gnss_fault *f = obj;

	(void)c;
	strcpy(f->actor, "*");
}

#define GF(key, k) SIM_KEY(struct sim_gnss_fault, #key, key, k)

static const struct sim_scen_key gnss_keys[] = {
	{ SIM_KEY_STR(struct sim_gnss_fault, "actor", actor), .check = check_actor_or_any },
	{ GF(noise_m, SIM_K_NUM), .lo = 0, .hi = 100 },
	{ GF(bias_east_m, SIM_K_NUM), .lo = -1000, .hi = 1000 },
	{ GF(bias_north_m, SIM_K_NUM), .lo = -1000, .hi = 1000 },
	{ GF(tunnel_outage, SIM_K_BOOL) },
};
static const struct sim_scen_section gnss_sec = { gnss_keys, SIM_N(gnss_keys), gnss_init, NULL };

static void dark_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_rsu_dark *d = obj;

	(void)c;
	d->to_t_s = INFINITY;
}

static int dark_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_rsu_dark *d = obj;

	(void)seen;
	return sim_scen__window(c, n, d->from_t_s, d->to_t_s);
}

#define DK(key, k) SIM_KEY(struct sim_rsu_dark, #key, key, k)

static const struct sim_scen_key dark_keys[] = {
	{ SIM_KEY_STR(struct sim_rsu_dark, "rsu", rsu), .flags = SIM_KEY_REQUIRED,
	  .check = sim_scen__check_rsu },
	{ DK(from_t_s, SIM_K_TIME) },
	{ DK(to_t_s, SIM_K_NUM), .lo = 0, .hi = SIM_SCEN_DURATION_MAX },
};
static const struct sim_scen_section dark_sec = { dark_keys, SIM_N(dark_keys), dark_init,
	                                          dark_finish };

static const struct sim_scen_key skew_keys[] = {
	{ SIM_KEY_STR(struct sim_clock_skew, "actor", actor), .flags = SIM_KEY_REQUIRED,
	  .check = sim_scen__check_actor },
	{ SIM_KEY(struct sim_clock_skew, "skew_ms", skew_ms, SIM_K_NUM), .flags = SIM_KEY_REQUIRED,
	  .lo = -60000, .hi = 60000 },
};
static const struct sim_scen_section skew_sec = { skew_keys, SIM_N(skew_keys), NULL, NULL };

#define FL(key, f, nf, item, section)                                                          \
	SIM_KEY(struct sim_scenario, key, f, SIM_K_LIST),                                      \
	        .size = sizeof(item), .count_off = offsetof(struct sim_scenario, nf), .lo = 0, \
	        .hi = 1000, .sub = (section)

static const struct sim_scen_key faults_keys[] = {
	{ FL("links", link_faults, n_link_faults, struct sim_link_fault, &link_sec) },
	{ FL("gnss", gnss_faults, n_gnss_faults, struct sim_gnss_fault, &gnss_sec) },
	{ FL("dark", dark, n_dark, struct sim_rsu_dark, &dark_sec) },
	{ FL("clock_skew", skews, n_skews, struct sim_clock_skew, &skew_sec) },
};
const struct sim_scen_section sim_scen__faults = { faults_keys, SIM_N(faults_keys), NULL, NULL };

/* ---- expect ---- */

static int parse_warning(struct sim_scen_ctx *c, const yaml_node_t *n, struct sim_expect *e,
                         uint8_t kind)
{
	const char *s = sim_scen__scalar(n);
	unsigned t = s ? sim_warning_type(s) : 0;
	char names[256];
	size_t len = 0;

	if (t) {
		e->type = (uint8_t)t;
		e->kind = kind;
		return 0;
	}
	for (unsigned i = 1; i < SIM_W_COUNT; i++) {
		int w = snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
		                 sim_warning_name(i));
		len += w > 0 && (size_t)w < sizeof(names) - len ? (size_t)w : 0;
	}
	return sim_scen__fail(c, n, "'%s' is not a warning name (allowed: %s)",
	                      s ? s : sim_scen__what(n), names);
}

static int parse_must(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj)
{
	return parse_warning(c, n, obj, SIM_EXPECT_MUST);
}

static int parse_must_not(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj)
{
	return parse_warning(c, n, obj, SIM_EXPECT_MUST_NOT);
}

static void expect_init(struct sim_scen_ctx *c, void *obj)
{
	struct sim_expect *e = obj;

	(void)c;
	e->to_t_s = INFINITY;
	e->min_lead_s = NAN;
}

static int expect_finish(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen)
{
	const struct sim_expect *e = obj;

	(void)seen;
	if (e->kind == SIM_EXPECT_MUST_NOT && !isnan(e->min_lead_s))
		return sim_scen__fail(c, n,
		                      "min_lead_s goes with must only (a must_not warning "
		                      "has no lead)");
	if (strcmp(e->subject, e->target) == 0)
		return sim_scen__fail(c, n,
		                      "subject '%s' is the target itself (the subject is "
		                      "the other actor)",
		                      e->subject);
	return sim_scen__window(c, n, e->from_t_s, e->to_t_s);
}

#define EX(key, f, k) SIM_KEY(struct sim_expect, key, f, k)

static const struct sim_scen_key expect_item_keys[] = {
	{ EX("must", type, SIM_K_FN), .flags = SIM_KEY_REQUIRED, .group = 1, .parse = parse_must },
	{ EX("must_not", type, SIM_K_FN), .flags = SIM_KEY_REQUIRED, .group = 1,
	  .parse = parse_must_not },
	{ SIM_KEY_STR(struct sim_expect, "target", target), .flags = SIM_KEY_REQUIRED,
	  .check = sim_scen__check_actor },
	{ SIM_KEY_STR(struct sim_expect, "subject", subject), .check = sim_scen__check_actor },
	{ EX("from_t_s", from_t_s, SIM_K_TIME) },
	{ EX("to_t_s", to_t_s, SIM_K_NUM), .lo = 0, .hi = SIM_SCEN_DURATION_MAX },
	{ EX("min_lead_s", min_lead_s, SIM_K_NUM), .lo = 0, .hi = 60 },
};
static const struct sim_scen_section expect_item_sec = { expect_item_keys, SIM_N(expect_item_keys),
	                                                 expect_init, expect_finish };

#define TH(key, k) SIM_KEY(struct sim_thresholds, #key, key, k)

static const struct sim_scen_key thresholds_keys[] = {
	{ TH(recall_min, SIM_K_NUM), .lo = 0, .hi = 1 },
	{ TH(false_pos_max, SIM_K_UINT), .width = sizeof(unsigned), .lo = 0, .hi = 1000000 },
	{ TH(latency_p99_ms_max, SIM_K_NUM), .lo = 1, .hi = 60000 },
	{ TH(lead_s_min, SIM_K_NUM), .lo = 0, .hi = 60 },
};
static const struct sim_scen_section thresholds_sec = { thresholds_keys, SIM_N(thresholds_keys),
	                                                NULL, NULL };

static const struct sim_scen_key expect_keys[] = {
	{ SIM_KEY(struct sim_scenario, "thresholds", thresholds, SIM_K_MAP),
	  .sub = &thresholds_sec },
	{ SIM_KEY(struct sim_scenario, "warnings", expect, SIM_K_LIST),
	  .size = sizeof(struct sim_expect), .count_off = offsetof(struct sim_scenario, n_expect),
	  .lo = 0, .hi = 1000, .sub = &expect_item_sec },
};
const struct sim_scen_section sim_scen__expect = { expect_keys, SIM_N(expect_keys), NULL, NULL };
