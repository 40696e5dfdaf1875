/*
 * scenario_value.c: one value of a key, by its kind (enum sim_scen_kind),
 * checked against its range and stored into the object.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/err.h"
#include "sim/scenario/scenario_int.h"

const char *sim_scen__what(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "text";
}

static void *field(void *obj, const struct sim_scen_key *k)
{
	return (char *)obj + k->off;
}

/* A scalar's text; NULL, with an error saying what was there instead of a
 * value of the kind described by want ("a number in 0..200"). */
static const char *text(struct sim_scen_ctx *c, const yaml_node_t *n, const char *want)
{
	const char *s = sim_scen__scalar(n);

	if (!s)
		sim_scen__fail(c, n, "%s where a value is expected (%s)", sim_scen__what(n), want);
	else if (!*s)
		sim_scen__fail(c, n, "no value (%s)", want);
	return s && *s ? s : NULL;
}

static int number(struct sim_scen_ctx *c, const yaml_node_t *n, double lo, double hi,
                  const char *note, double *out)
{
	char want[128];
	const char *s = NULL;
	char *end;
	double v = 0;

	snprintf(want, sizeof(want), "a number in %g..%g%s", lo, hi, note);
	if (!(s = text(c, n, want)))
		return V2X_EINVAL;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v))
		return sim_scen__fail(c, n, "'%s' is not a number (allowed: %g..%g%s)", s, lo, hi,
		                      note);
	if (v < lo || v > hi)
		return sim_scen__fail(c, n, "%s is out of range (%g..%g%s)", s, lo, hi, note);
	*out = v;
	return 0;
}

int sim_scen__int(struct sim_scen_ctx *c, const yaml_node_t *n, double lo, double hi, int64_t *out)
{
	char want[128];
	const char *s = NULL;
	char *end;
	long long v;

	snprintf(want, sizeof(want), "a whole number in %.0f..%.0f", lo, hi);
	if (!(s = text(c, n, want)))
		return V2X_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end)
		return sim_scen__fail(c, n, "'%s' is not a whole number (allowed: %.0f..%.0f)", s,
		                      lo, hi);
	if (errno == ERANGE || (double)v < lo || (double)v > hi)
		return sim_scen__fail(c, n, "%s is out of range (%.0f..%.0f)", s, lo, hi);
	*out = v;
	return 0;
}

static void store_uint(void *p, unsigned width, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	if (width == 1)
		memcpy(p, &u8, 1);
	else if (width == 2)
		memcpy(p, &u16, 2);
	else if (width == 4)
		memcpy(p, &u32, 4);
	else
		memcpy(p, &v, 8);
}

static void store_int(void *p, unsigned width, int64_t v)
{
	int8_t i8 = (int8_t)v;
	int16_t i16 = (int16_t)v;
	int32_t i32 = (int32_t)v;

	if (width == 1)
		memcpy(p, &i8, 1);
	else if (width == 2)
		memcpy(p, &i16, 2);
	else if (width == 4)
		memcpy(p, &i32, 4);
	else
		memcpy(p, &v, 8);
}

static int v_str(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                 void *obj)
{
	const char *s = sim_scen__scalar(n);
	size_t len;
	int rc;

	if (!s)
		return sim_scen__fail(c, n, "%s where text is expected", sim_scen__what(n));
	len = n->data.scalar.length;
	if (len >= k->size || strlen(s) != len)
		return sim_scen__fail(c, n, "text of %zu bytes (at most %zu, no NUL)", len,
		                      k->size - 1);
	if (k->check && (rc = k->check(c, n, s)) != 0)
		return rc;
	memcpy(field(obj, k), s, len + 1);
	return 0;
}

static int v_num(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                 void *obj)
{
	double v = 0;
	int rc = number(c, n, k->lo, k->hi, "", &v);

	if (rc == 0)
		memcpy(field(obj, k), &v, sizeof(v));
	return rc;
}

static int v_kmh(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                 void *obj)
{
	double v = 0;
	int rc = number(c, n, k->lo, k->hi, " km/h", &v);

	v /= 3.6;
	if (rc == 0)
		memcpy(field(obj, k), &v, sizeof(v));
	return rc;
}

/* Times lie within the run, so a time past duration_s is refused rather
 * than silently never reached. */
static int v_time(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                  void *obj)
{
	double v = 0;
	int rc = number(c, n, 0, c->sc->duration_s, " s, the run's duration_s", &v);

	if (rc == 0)
		memcpy(field(obj, k), &v, sizeof(v));
	return rc;
}

static int v_uint(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                  void *obj)
{
	int64_t v = 0;
	int rc = sim_scen__int(c, n, k->lo, k->hi, &v);

	if (rc == 0)
		store_uint(field(obj, k), k->width, (uint64_t)v);
	return rc;
}

static int v_int(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                 void *obj)
{
	int64_t v = 0;
	int rc = sim_scen__int(c, n, k->lo, k->hi, &v);

	if (rc == 0)
		store_int(field(obj, k), k->width, v);
	return rc;
}

static int v_u64(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                 void *obj)
{
	const char *s = NULL;
	char *end;
	unsigned long long v;

	if (!(s = text(c, n, "a whole number in 0..18446744073709551615")))
		return V2X_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || s[0] == '-' || errno == ERANGE)
		return sim_scen__fail(c, n, "'%s' is not a whole number in 0..18446744073709551615",
		                      s);
	store_uint(field(obj, k), 8, (uint64_t)v);
	return 0;
}

static int v_bool(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                  void *obj)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no",
		                                                                  "off" };
	const char *s = NULL;
	bool v = false, known = false;

	if (!(s = text(c, n, "true or false")))
		return V2X_EINVAL;
	for (size_t i = 0; i < 3; i++) {
		known |= strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0;
		v |= strcasecmp(s, yes[i]) == 0;
	}
	if (!known)
		return sim_scen__fail(c, n, "'%s' is not true or false (allowed: true, false)", s);
	memcpy(field(obj, k), &v, sizeof(v));
	return 0;
}

static int v_enum(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                  void *obj)
{
	char names[256];
	size_t len = 0;
	const char *s = sim_scen__scalar(n);

	for (const struct sim_scen_choice *ch = k->choices; ch->name; ch++) {
		if (s && strcmp(s, ch->name) == 0) {
			store_uint(field(obj, k), k->width, (uint64_t)ch->value);
			return 0;
		}
		int w = snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
		                 ch->name);
		len += w > 0 && (size_t)w < sizeof(names) - len ? (size_t)w : 0;
	}
	if (!s)
		return sim_scen__fail(c, n, "%s where a name is expected (allowed: %s)",
		                      sim_scen__what(n), names);
	return sim_scen__fail(c, n, "'%s' is not allowed here (allowed: %s)", s, names);
}

static int v_map(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                 void *obj)
{
	return sim_scen__map(c, n, k->sub, field(obj, k));
}

static int v_fn(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                void *obj)
{
	return k->parse(c, n, obj);
}

typedef int (*value_fn)(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                        void *obj);

static const value_fn by_kind[] = {
	[SIM_K_STR] = v_str,   [SIM_K_NUM] = v_num,           [SIM_K_KMH] = v_kmh,
	[SIM_K_TIME] = v_time, [SIM_K_UINT] = v_uint,         [SIM_K_INT] = v_int,
	[SIM_K_U64] = v_u64,   [SIM_K_BOOL] = v_bool,         [SIM_K_ENUM] = v_enum,
	[SIM_K_MAP] = v_map,   [SIM_K_LIST] = sim_scen__list, [SIM_K_FN] = v_fn,
};

int sim_scen__value(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                    void *obj)
{
	return by_kind[k->kind](c, n, k, obj);
}
