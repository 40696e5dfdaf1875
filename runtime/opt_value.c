#include "runtime/opt_value.h"

#include "runtime/err.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *suffix;
	uint64_t scale;
};

/* Powers of 1024: a "64k" frame limit is meant as 65536 bytes. */
static const struct unit size_units[] = {
	{ "", 1 },           { "k", 1ull << 10 },   { "K", 1ull << 10 }, { "KiB", 1ull << 10 },
	{ "M", 1ull << 20 }, { "MiB", 1ull << 20 }, { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
	{ "T", 1ull << 40 }, { "TiB", 1ull << 40 }, { NULL, 0 },
};

/* Largest first, so that bounds print in the largest unit that is exact. */
static const struct unit time_units[] = {
	{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 }, { NULL, 0 },
};

static const char size_why[] = "not a size (examples: 65536, 64k, 1M)";
static const char time_why[] = "not a duration (examples: 250ms, 5s, 2m)";

static int why_fail(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return V2X_EINVAL;
}

static const struct unit *unit_find(const struct unit *units, const char *suffix)
{
	for (; units->suffix; units++) {
		if (strcmp(units->suffix, suffix) == 0)
			return units;
	}
	return NULL;
}

/*
 * Parses the leading decimal digits of text (no sign, no blanks), leaving
 * *end after them.  Returns false for no digits or a value above UINT64_MAX.
 */
static bool parse_digits(const char *text, uint64_t *out, const char **end)
{
	char *e;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	*out = strtoull(text, &e, 10);
	*end = e;
	return errno == 0;
}

bool v2x__opt_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*out = strcasecmp(text, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

static int parse_flag(const struct v2x_opt *o, const char *text, void *field, char *why,
                      size_t whylen)
{
	bool b;

	(void)o;
	if (!v2x__opt_parse_bool(text, &b))
		return why_fail(why, whylen, "not a boolean (yes/no, true/false, on/off, 1/0)");
	*(bool *)field = b;
	return 0;
}

/* Checks v against the bounds of o, written in the reason as users write them. */
static int check_bounds(const struct v2x_opt *o, int64_t v, char *why, size_t whylen)
{
	const struct v2x__opt_kind *k = v2x__opt_kind(o->type);
	char range[64];

	if (o->min == o->max || (v >= o->min && v <= o->max))
		return 0;
	k->bounds(o, range, sizeof(range));
	snprintf(why, whylen, "out of range (%s)", range);
	return V2X_EINVAL;
}

static int parse_int(const struct v2x_opt *o, const char *text, void *field, char *why,
                     size_t whylen)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (end == text || *end || text[0] == ' ' || text[0] == '\t')
		return why_fail(why, whylen, "not an integer");
	if (errno == ERANGE)
		return why_fail(why, whylen, "out of range");
	if (check_bounds(o, v, why, whylen))
		return V2X_EINVAL;
	*(int64_t *)field = v;
	return 0;
}

static int parse_double(const struct v2x_opt *o, const char *text, void *field, char *why,
                        size_t whylen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end || text[0] == ' ' || text[0] == '\t' || !isfinite(v))
		return why_fail(why, whylen, "not a number");
	if (errno == ERANGE && fabs(v) > 1.0)
		return why_fail(why, whylen, "out of range");
	if (o->dmin != o->dmax && !(v >= o->dmin && v <= o->dmax)) {
		snprintf(why, whylen, "out of range (%g..%g)", o->dmin, o->dmax);
		return V2X_EINVAL;
	}
	*(double *)field = v;
	return 0;
}

static int parse_string(const struct v2x_opt *o, const char *text, void *field, char *why,
                        size_t whylen)
{
	char *copy = strdup(text);
	char **slot = field;

	(void)o;
	if (!copy) {
		why_fail(why, whylen, "out of memory");
		return V2X_ENOMEM;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* Parses digits and a unit of units into *out; false for anything else. */
static bool parse_scaled(const char *text, const struct unit *units, uint64_t limit, uint64_t *out)
{
	const struct unit *u;
	const char *end;
	uint64_t n;

	if (!parse_digits(text, &n, &end))
		return false;
	u = unit_find(units, end);
	if (!u || n > limit / u->scale)
		return false;
	*out = n * u->scale;
	return true;
}

static int parse_size(const struct v2x_opt *o, const char *text, void *field, char *why,
                      size_t whylen)
{
	uint64_t v;

	if (!parse_scaled(text, size_units, SIZE_MAX < INT64_MAX ? SIZE_MAX : INT64_MAX, &v))
		return why_fail(why, whylen, size_why);
	if (check_bounds(o, (int64_t)v, why, whylen))
		return V2X_EINVAL;
	*(size_t *)field = (size_t)v;
	return 0;
}

static int parse_duration(const struct v2x_opt *o, const char *text, void *field, char *why,
                          size_t whylen)
{
	const char *end;
	uint64_t v;

	if (parse_digits(text, &v, &end) && *end == '\0' && v != 0)
		return why_fail(why, whylen, "a duration needs a unit (examples: 250ms, 5s, 2m)");
	if (strcmp(text, "0") == 0)
		v = 0;
	else if (!parse_scaled(text, time_units, INT64_MAX, &v))
		return why_fail(why, whylen, time_why);
	if (check_bounds(o, (int64_t)v, why, whylen))
		return V2X_EINVAL;
	*(int64_t *)field = (int64_t)v;
	return 0;
}

/* Writes "one of: a, b, c" (the choices of o) into why. */
static void list_choices(const struct v2x_opt *o, const char *lead, char *why, size_t whylen)
{
	size_t used = (size_t)snprintf(why, whylen, "%s", lead);

	for (size_t i = 0; o->choices[i] && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s%s", i ? ", " : "",
		                         o->choices[i]);
}

static int parse_enum(const struct v2x_opt *o, const char *text, void *field, char *why,
                      size_t whylen)
{
	for (int i = 0; o->choices[i]; i++) {
		if (strcasecmp(text, o->choices[i]) == 0) {
			*(int *)field = i;
			return 0;
		}
	}
	list_choices(o, "not one of: ", why, whylen);
	return V2X_EINVAL;
}

static void no_bounds(const struct v2x_opt *o, char *buf, size_t len)
{
	(void)o;
	snprintf(buf, len, "%s", "");
}

static void int_bounds(const struct v2x_opt *o, char *buf, size_t len)
{
	if (o->min == o->max)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%" PRId64 "..%" PRId64, o->min, o->max);
}

/* Writes v in the largest unit of units that divides it exactly. */
static void scaled_write(int64_t v, const struct unit *units, char *buf, size_t len)
{
	const struct unit *best = NULL;

	for (const struct unit *u = units; u->suffix; u++) {
		if (v > 0 && (uint64_t)v % u->scale == 0 && (!best || u->scale > best->scale))
			best = u;
	}
	if (!best)
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%s", (uint64_t)v / best->scale, best->suffix);
}

static void scaled_bounds(const struct v2x_opt *o, const struct unit *units, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (o->min == o->max) {
		snprintf(buf, len, "%s", "");
		return;
	}
	scaled_write(o->min, units, lo, sizeof(lo));
	scaled_write(o->max, units, hi, sizeof(hi));
	snprintf(buf, len, "%s..%s", lo, hi);
}

static void size_bounds(const struct v2x_opt *o, char *buf, size_t len)
{
	scaled_bounds(o, size_units, buf, len);
}

static void time_bounds(const struct v2x_opt *o, char *buf, size_t len)
{
	scaled_bounds(o, time_units, buf, len);
}

static void double_bounds(const struct v2x_opt *o, char *buf, size_t len)
{
	if (o->dmin == o->dmax)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%g..%g", o->dmin, o->dmax);
}

/* Indexed by enum v2x_opt_type. */
static const struct v2x__opt_kind kinds[] = {
	[V2X_OPT_FLAG] = { NULL, sizeof(bool), false, parse_flag, no_bounds },
	[V2X_OPT_INT] = { "INT", sizeof(int64_t), false, parse_int, int_bounds },
	[V2X_OPT_DOUBLE] = { "NUM", sizeof(double), false, parse_double, double_bounds },
	[V2X_OPT_STRING] = { "TEXT", sizeof(char *), true, parse_string, no_bounds },
	[V2X_OPT_SIZE] = { "SIZE", sizeof(size_t), false, parse_size, size_bounds },
	[V2X_OPT_DURATION] = { "TIME", sizeof(int64_t), false, parse_duration, time_bounds },
	[V2X_OPT_ENUM] = { NULL, sizeof(int), false, parse_enum, no_bounds },
	[V2X_OPT_CONFIG] = { "FILE", sizeof(char *), true, parse_string, no_bounds },
};

const struct v2x__opt_kind *v2x__opt_kind(enum v2x_opt_type type)
{
	if ((unsigned)type >= sizeof(kinds) / sizeof(kinds[0]))
		return NULL;
	return &kinds[type];
}
