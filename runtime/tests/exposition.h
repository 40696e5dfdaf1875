/*
 * exposition: a strict parser of the Prometheus text format (0.0.4) for the
 * tests, independent of runtime/metrics.c, so that what the renderer writes
 * is checked against the format rather than against itself.
 *
 * It checks what a Prometheus server would refuse or misread: line syntax,
 * label escapes, values, one HELP and one TYPE per family, before its
 * samples, the samples of a family together; and for histograms, buckets
 * in ascending le with non-decreasing counts, a +Inf bucket equal to
 * _count.  Header-only, like tests/check.h.
 */
#ifndef V2X_RUNTIME_TESTS_EXPOSITION_H
#define V2X_RUNTIME_TESTS_EXPOSITION_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/compiler.h"

#define EXPO_NAME_MAX   128
#define EXPO_LABELS_MAX 8
#define EXPO_FAMILY_MAX 128

struct expo_label {
	char key[EXPO_NAME_MAX];
	char value[EXPO_NAME_MAX];
};

struct expo_sample {
	char name[EXPO_NAME_MAX];
	int family; /* index into families */
	struct expo_label labels[EXPO_LABELS_MAX];
	int n_labels;
	double value;
};

struct expo_family {
	char name[EXPO_NAME_MAX];
	char type[16]; /* "untyped" when no TYPE line */
	char help[256];
	bool has_help;
	bool has_type;
	bool has_samples;
};

struct expo {
	struct expo_family families[EXPO_FAMILY_MAX];
	int n_families;
	struct expo_sample *samples;
	int n, cap;
	char err[256];
};

V2X_PRINTF(3, 4) static inline int expo_fail(struct expo *e, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(e->err, sizeof(e->err), "line %d: ", line);

	va_start(ap, fmt);
	vsnprintf(e->err + n, sizeof(e->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static inline bool expo_name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Reads a name at *p into out; returns false when there is none. */
static inline bool expo_name(const char **p, char *out, bool colon)
{
	size_t n = 0;

	while (expo_name_char((*p)[n], n == 0, colon) && n + 1 < EXPO_NAME_MAX) {
		out[n] = (*p)[n];
		n++;
	}
	out[n] = '\0';
	*p += n;
	return n > 0;
}

static inline struct expo_family *expo_family(struct expo *e, const char *name, bool create)
{
	for (int i = 0; i < e->n_families; i++) {
		if (strcmp(e->families[i].name, name) == 0)
			return &e->families[i];
	}
	if (!create || e->n_families == EXPO_FAMILY_MAX)
		return NULL;
	memset(&e->families[e->n_families], 0, sizeof(e->families[0]));
	snprintf(e->families[e->n_families].name, EXPO_NAME_MAX, "%s", name);
	snprintf(e->families[e->n_families].type, 16, "untyped");
	return &e->families[e->n_families++];
}

/* The family a sample name belongs to: itself, or a histogram's base name. */
static inline struct expo_family *expo_sample_family(struct expo *e, const char *name)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	char base[EXPO_NAME_MAX];

	for (int i = 0; i < 3; i++) {
		size_t n = strlen(name), k = strlen(suffixes[i]);
		struct expo_family *f;

		if (n <= k || strcmp(name + n - k, suffixes[i]) != 0)
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(n - k), name);
		f = expo_family(e, base, false);
		if (f && strcmp(f->type, "histogram") == 0)
			return f;
	}
	return expo_family(e, name, true);
}

/* Reads a quoted label value with its escapes (\\, \", \n). */
static inline bool expo_value_str(const char **p, char *out)
{
	size_t n = 0;

	if (**p != '"')
		return false;
	for ((*p)++; **p && **p != '"'; (*p)++) {
		char c = **p;

		if (c == '\n')
			return false;
		if (c == '\\') {
			c = *++*p;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != '"')
				return false;
		}
		if (n + 1 >= EXPO_NAME_MAX)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	if (**p != '"')
		return false;
	(*p)++;
	return true;
}

static inline bool expo_labels(const char **p, struct expo_sample *s)
{
	if (**p != '{')
		return true;
	(*p)++;
	while (**p != '}') {
		struct expo_label *l = &s->labels[s->n_labels];

		if (s->n_labels == EXPO_LABELS_MAX || !expo_name(p, l->key, false) || **p != '=')
			return false;
		(*p)++;
		if (!expo_value_str(p, l->value))
			return false;
		for (int i = 0; i < s->n_labels; i++) {
			if (strcmp(s->labels[i].key, l->key) == 0)
				return false;
		}
		s->n_labels++;
		if (**p == ',')
			(*p)++;
		else if (**p != '}')
			return false;
	}
	(*p)++;
	return true;
}

static inline bool expo_number(const char *s, const char *end, double *v)
{
	char buf[64], *stop;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "NaN") == 0 || strcmp(buf, "+Inf") == 0 || strcmp(buf, "-Inf") == 0) {
		*v = buf[0] == 'N' ? NAN : buf[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	*v = strtod(buf, &stop);
	return *stop == '\0' && isfinite(*v);
}

static inline int expo_sample_line(struct expo *e, int line, const char *p, const char *end,
                                   int *current)
{
	struct expo_sample *s;
	struct expo_family *f;
	const char *sp;

	if (e->n == e->cap)
		return expo_fail(e, line, "too many samples");
	s = &e->samples[e->n];
	memset(s, 0, sizeof(*s));
	if (!expo_name(&p, s->name, true) || !expo_labels(&p, s) || *p != ' ')
		return expo_fail(e, line, "bad sample syntax");
	p++;
	sp = memchr(p, ' ', (size_t)(end - p));
	/* A timestamp may follow the value. */
	if (!expo_number(p, sp ? sp : end, &s->value))
		return expo_fail(e, line, "bad value");
	f = expo_sample_family(e, s->name);
	if (!f)
		return expo_fail(e, line, "too many families");
	s->family = (int)(f - e->families);
	if (f->has_samples && *current != s->family)
		return expo_fail(e, line, "samples of %s are not together", f->name);
	f->has_samples = true;
	*current = s->family;
	e->n++;
	return 0;
}

static inline int expo_comment(struct expo *e, int line, const char *p, const char *end)
{
	char name[EXPO_NAME_MAX];
	bool help = strncmp(p, "# HELP ", 7) == 0, type = strncmp(p, "# TYPE ", 7) == 0;
	struct expo_family *f;
	size_t n;

	if (!help && !type)
		return 0; /* a plain comment */
	p += 7;
	if (!expo_name(&p, name, true) || (p < end && *p != ' '))
		return expo_fail(e, line, "bad HELP/TYPE line");
	f = expo_family(e, name, true);
	if (!f || f->has_samples || (help ? f->has_help : f->has_type))
		return expo_fail(e, line, "HELP/TYPE of %s repeated or after samples", name);
	p += p < end;
	n = (size_t)(end - p);
	if (help) {
		f->has_help = true;
		snprintf(f->help, sizeof(f->help), "%.*s", (int)n, p);
		return 0;
	}
	f->has_type = true;
	snprintf(f->type, sizeof(f->type), "%.*s", (int)n, p);
	if (strcmp(f->type, "counter") && strcmp(f->type, "gauge") &&
	    strcmp(f->type, "histogram") && strcmp(f->type, "summary") &&
	    strcmp(f->type, "untyped"))
		return expo_fail(e, line, "unknown type '%s'", f->type);
	return 0;
}

static inline const char *expo_label(const struct expo_sample *s, const char *key)
{
	for (int i = 0; i < s->n_labels; i++) {
		if (strcmp(s->labels[i].key, key) == 0)
			return s->labels[i].value;
	}
	return NULL;
}

/* Whether a and b have the same labels, le aside. */
static inline bool expo_same_series(const struct expo_sample *a, const struct expo_sample *b)
{
	int na = 0, nb = 0;

	for (int i = 0; i < a->n_labels; i++) {
		const char *v;

		if (strcmp(a->labels[i].key, "le") == 0)
			continue;
		na++;
		v = expo_label(b, a->labels[i].key);
		if (!v || strcmp(v, a->labels[i].value) != 0)
			return false;
	}
	for (int i = 0; i < b->n_labels; i++)
		nb += strcmp(b->labels[i].key, "le") != 0;
	return na == nb;
}

/* Checks the histogram series whose first bucket is samples[first]. */
static inline int expo_check_hist(struct expo *e, int first)
{
	const struct expo_sample *b0 = &e->samples[first];
	double last_le = -INFINITY, last_count = 0, inf = -1;
	char count_name[EXPO_NAME_MAX];

	for (int i = first; i < e->n; i++) {
		const struct expo_sample *s = &e->samples[i];
		const char *le = expo_label(s, "le");
		double v;

		if (strcmp(s->name, b0->name) != 0 || !expo_same_series(s, b0))
			continue;
		if (!le || !expo_number(le, le + strlen(le), &v) || !(v > last_le) ||
		    s->value < last_count)
			return expo_fail(e, 0, "%s: buckets out of order", s->name);
		last_le = v;
		last_count = s->value;
		if (isinf(v))
			inf = s->value;
	}
	snprintf(count_name, sizeof(count_name), "%.*s_count", (int)(strlen(b0->name) - 7),
	         b0->name);
	for (int i = 0; i < e->n; i++) {
		const struct expo_sample *s = &e->samples[i];

		if (strcmp(s->name, count_name) == 0 && expo_same_series(s, b0))
			return s->value == inf ? 0
			                       : expo_fail(e, 0, "%s: +Inf != _count", b0->name);
	}
	return expo_fail(e, 0, "%s: no _count", b0->name);
}

static inline int expo_check_hists(struct expo *e)
{
	for (int i = 0; i < e->n; i++) {
		const struct expo_sample *s = &e->samples[i];
		bool first = true;

		if (strcmp(e->families[s->family].type, "histogram") != 0 || !expo_label(s, "le"))
			continue;
		for (int j = 0; j < i && first; j++)
			first = !(strcmp(e->samples[j].name, s->name) == 0 &&
			          expo_same_series(&e->samples[j], s));
		if (first && expo_check_hist(e, i))
			return -1;
	}
	return 0;
}

/* Parses text into e (zeroed first); 0, or -1 with e->err.  Free with expo_free. */
static inline int expo_parse(const char *text, struct expo *e)
{
	int line = 0, current = -1;

	memset(e, 0, sizeof(*e));
	e->cap = 4096;
	e->samples = calloc((size_t)e->cap, sizeof(*e->samples));
	if (!e->samples)
		return expo_fail(e, 0, "out of memory");
	while (*text) {
		const char *end = strchr(text, '\n');
		int rc;

		line++;
		if (!end)
			return expo_fail(e, line, "no newline at the end");
		if (end == text)
			rc = 0;
		else if (*text == '#')
			rc = expo_comment(e, line, text, end);
		else
			rc = expo_sample_line(e, line, text, end, &current);
		if (rc)
			return rc;
		text = end + 1;
	}
	return expo_check_hists(e);
}

static inline void expo_free(struct expo *e)
{
	free(e->samples);
	e->samples = NULL;
}

/*
 * Returns the sample named name whose labels are exactly the key, value
 * pairs given (EXPO_END ends them), or NULL.
 */
/* Ends the labels of expo_find(): a NULL of the type va_arg() reads, since
 * a bare NULL may be an int 0 of another size. */
#define EXPO_END ((const char *)NULL)

static inline const struct expo_sample *expo_find(const struct expo *e, const char *name, ...)
{
	for (int i = 0; i < e->n; i++) {
		const struct expo_sample *s = &e->samples[i];
		int matched = 0, given = 0;
		const char *key;
		va_list ap;

		if (strcmp(s->name, name) != 0)
			continue;
		va_start(ap, name);
		while ((key = va_arg(ap, const char *)) != NULL) {
			const char *want = va_arg(ap, const char *), *v = expo_label(s, key);

			given++;
			matched += v && strcmp(v, want) == 0;
		}
		va_end(ap);
		if (matched == given && given == s->n_labels)
			return s;
	}
	return NULL;
}

#endif
