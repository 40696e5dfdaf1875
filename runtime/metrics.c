#include "runtime/metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/compiler.h"
#include "runtime/err.h"

/* ---- histograms ------------------------------------------------------- */

/*
 * Five bounds per decade keep the width of a bucket within a factor of two
 * of its lower edge, so a quantile read from the buckets is good to a few
 * tens of per cent at worst, while the exposition stays at 37 lines.
 */
static const uint64_t hist_bounds[V2X_HIST_NBOUNDS] = {
	1,      2,      3,      5,       7,       10,      20,      30,      50,
	70,     100,    200,    300,     500,     700,     1000,    2000,    3000,
	5000,   7000,   10000,  20000,   30000,   50000,   70000,   100000,  200000,
	300000, 500000, 700000, 1000000, 2000000, 3000000, 5000000, 7000000, 10000000,
};

/*
 * octave_first[e]: the first bound >= 2^e.  A value v with 2^e <= v < 2^(e+1)
 * is above every bound before that one, and no octave holds more than two
 * bounds, so at most two comparisons follow the lookup: constant time,
 * whatever the bucket.  test_metrics checks the table against a search.
 */
static const uint8_t octave_first[64] = {
	0,  1,  3,  5,  6,  8,  9,  11, 12, 14, 16, 17, 18, 20, 21, 23, 24, 26, 27, 29, 31, 32,
	33, 35, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36,
	36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36,
};

const uint64_t *v2x_hist_bounds(void)
{
	return hist_bounds;
}

static size_t hist_index(uint64_t us)
{
	size_t i;

	if (us <= 1)
		return 0;
	i = octave_first[63 - __builtin_clzll(us)];
	while (i < V2X_HIST_NBOUNDS && us > hist_bounds[i])
		i++;
	return i;
}

void v2x_hist_add(struct v2x_hist *h, uint64_t us)
{
	if (h->count == 0 || us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	h->count++;
	h->sum_us += us;
	h->buckets[hist_index(us)]++;
}

void v2x_hist_reset(struct v2x_hist *h)
{
	memset(h, 0, sizeof(*h));
}

double v2x_hist_quantile(const struct v2x_hist *h, double q)
{
	uint64_t rank, below = 0;
	double lo, hi, v;
	size_t i;

	if (h->count == 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	/* The nearest rank: the smallest value with at least q of all at or
	 * below it. */
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (i = 0; below + h->buckets[i] < rank; i++)
		below += h->buckets[i];
	lo = i == 0 ? 0.0 : (double)hist_bounds[i - 1];
	hi = i == V2X_HIST_NBOUNDS ? (double)h->max_us : (double)hist_bounds[i];
	v = lo + (hi - lo) * (double)(rank - below) / (double)h->buckets[i];
	if (v < (double)h->min_us)
		v = (double)h->min_us;
	if (v > (double)h->max_us)
		v = (double)h->max_us;
	return v;
}

/* ---- registry --------------------------------------------------------- */

const char *v2x_metrics_err_label(size_t i)
{
	return v2x_err_name(-(int)i - 1);
}

void v2x_metrics_init(struct v2x_metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void v2x_metrics_fini(struct v2x_metrics *m)
{
	free(m->groups);
	memset(m, 0, sizeof(*m));
}

V2X_PRINTF(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;

		va_start(ap, fmt);
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return V2X_EINVAL;
}

/* Metric names allow ':' (recording rules); label names do not. */
static bool valid_name(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		          (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			return false;
	}
	return true;
}

/* "le" is the histogram's own label, and "__" names are Prometheus's. */
static bool valid_label(const char *key)
{
	return valid_name(key, false) && strcmp(key, "le") != 0 && strncmp(key, "__", 2) != 0;
}

static int check_metric(const struct v2x_metric *mt, char *err, size_t errlen)
{
	bool hist = mt->type == V2X_METRIC_HISTOGRAM;

	if (!valid_name(mt->name, true))
		return fail(err, errlen, "metric '%s': not a valid name", mt->name);
	if (!mt->help)
		return fail(err, errlen, "metric '%s': no help text", mt->name);
	if ((unsigned)mt->type > V2X_METRIC_HISTOGRAM || (unsigned)mt->field > V2X_METRIC_HIST)
		return fail(err, errlen, "metric '%s': unknown type or field", mt->name);
	if (hist != (mt->field == V2X_METRIC_HIST))
		return fail(err, errlen,
		            "metric '%s': a histogram reads a struct v2x_hist, "
		            "and only a histogram does",
		            mt->name);
	if (mt->count > 1 && !valid_label(mt->label))
		return fail(err, errlen, "metric '%s': an array needs a valid label", mt->name);
	if (mt->fixed.key && (!valid_label(mt->fixed.key) || !mt->fixed.value))
		return fail(err, errlen, "metric '%s': bad label '%s'", mt->name, mt->fixed.key);
	return 0;
}

/* Returns the type of name among the groups of m, or -1 when it is new. */
static int known_type(const struct v2x_metrics *m, const char *name)
{
	for (size_t g = 0; g < m->n; g++) {
		for (const struct v2x_metric *mt = m->groups[g].table; mt->name; mt++) {
			if (strcmp(mt->name, name) == 0)
				return (int)mt->type;
		}
	}
	return -1;
}

static int check_table(const struct v2x_metrics *m, const struct v2x_metric *table, char *err,
                       size_t errlen)
{
	for (const struct v2x_metric *mt = table; mt->name; mt++) {
		int rc = check_metric(mt, err, errlen);
		int type = known_type(m, mt->name);

		if (rc)
			return rc;
		for (const struct v2x_metric *o = table; o < mt && type < 0; o++) {
			if (strcmp(o->name, mt->name) == 0)
				type = (int)o->type;
		}
		if (type >= 0 && type != (int)mt->type)
			return fail(err, errlen, "metric '%s': registered before with another type",
			            mt->name);
	}
	return 0;
}

static int check_labels(const struct v2x_metric_label *labels, size_t n, char *err, size_t errlen)
{
	if (n > V2X_METRICS_LABELS_MAX)
		return fail(err, errlen, "%zu labels, at most %d", n, V2X_METRICS_LABELS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!valid_label(labels[i].key) || !labels[i].value)
			return fail(err, errlen, "label '%s': not a valid label",
			            labels[i].key ? labels[i].key : "(null)");
	}
	return 0;
}

int v2x_metrics_add(struct v2x_metrics *m, const struct v2x_metric *table, const void *base,
                    const struct v2x_metric_label *labels, size_t n_labels, char *err,
                    size_t errlen)
{
	struct v2x_metrics_group *g;
	int rc;

	if ((rc = check_labels(labels, n_labels, err, errlen)) ||
	    (rc = check_table(m, table, err, errlen)))
		return rc;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;

		g = realloc(m->groups, cap * sizeof(*g));
		if (!g)
			return V2X_ENOMEM;
		m->groups = g;
		m->cap = cap;
	}
	g = &m->groups[m->n++];
	memset(g, 0, sizeof(*g));
	g->table = table;
	g->base = base;
	if (n_labels)
		memcpy(g->labels, labels, n_labels * sizeof(*labels));
	g->n_labels = n_labels;
	return 0;
}

/* ---- buffer ----------------------------------------------------------- */

void v2x_metrics_buf_reset(struct v2x_metrics_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void v2x_metrics_buf_fini(struct v2x_metrics_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * Rendering appends through a struct out whose first failure sticks, so
 * that the rendering code reads as a straight list of what it writes and
 * checks for failure once, at the end.
 */
struct out {
	struct v2x_metrics_buf *b;
	int rc;
};

/* Makes room for need more bytes and the NUL. */
static bool reserve(struct out *o, size_t need)
{
	struct v2x_metrics_buf *b = o->b;
	size_t cap = b->cap ? b->cap : 4096;
	char *data;

	if (o->rc)
		return false;
	if (b->len + need + 1 <= b->cap)
		return true;
	while (cap < b->len + need + 1)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data) {
		o->rc = V2X_ENOMEM;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

static void put(struct out *o, const char *s, size_t len)
{
	if (!reserve(o, len))
		return;
	memcpy(o->b->data + o->b->len, s, len);
	o->b->len += len;
	o->b->data[o->b->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

V2X_PRINTF(2, 3) static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only numbers are formatted here: they always fit. */
	if (n > 0 && (size_t)n < sizeof(tmp))
		put(o, tmp, (size_t)n);
}

/* Writes s escaped: backslash and newline always, the double quote in
 * label values (HELP text keeps its quotes, as the format says). */
static void put_escaped(struct out *o, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(o, "\\\\");
		else if (*s == '\n')
			puts_(o, "\\n");
		else if (*s == '"' && quote)
			puts_(o, "\\\"");
		else
			put(o, s, 1);
	}
}

/* Bytes fmt_seconds() needs: 20 digits, a point, 6 digits and a NUL. */
#define SECONDS_LEN 28

/* Formats us as seconds, exactly: 70 -> "0.00007", 10000000 -> "10". */
static void fmt_seconds(char buf[SECONDS_LEN], uint64_t us)
{
	int n = snprintf(buf, SECONDS_LEN, "%" PRIu64 ".%06u", us / 1000000,
	                 (unsigned)(us % 1000000));

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

static void put_seconds(struct out *o, uint64_t us)
{
	char buf[SECONDS_LEN];

	fmt_seconds(buf, us);
	puts_(o, buf);
}

static void put_double(struct out *o, double v)
{
	if (isnan(v))
		puts_(o, "NaN");
	else if (isinf(v))
		puts_(o, v > 0 ? "+Inf" : "-Inf");
	else
		putf(o, "%.17g", v);
}

/* ---- exposition ------------------------------------------------------- */

/* What one sample is: a metric of a group, and which element of an array. */
struct sample {
	const struct v2x_metrics_group *g;
	const struct v2x_metric *mt;
	size_t i;
};

static size_t field_size(enum v2x_metric_field f)
{
	switch (f) {
	case V2X_METRIC_SIZE:
		return sizeof(size_t);
	case V2X_METRIC_HIST:
		return sizeof(struct v2x_hist);
	default:
		return sizeof(uint64_t);
	}
}

static const void *field_at(const struct sample *s)
{
	return (const char *)s->g->base + s->mt->offset + s->i * field_size(s->mt->field);
}

static bool sample_is_zero(const struct sample *s)
{
	const void *p = field_at(s);
	uint64_t u;
	size_t z;
	double d;

	switch (s->mt->field) {
	case V2X_METRIC_F64:
		memcpy(&d, p, sizeof(d));
		return d == 0.0;
	case V2X_METRIC_HIST:
		return ((const struct v2x_hist *)p)->count == 0;
	case V2X_METRIC_SIZE:
		memcpy(&z, p, sizeof(z));
		return z == 0;
	default:
		memcpy(&u, p, sizeof(u));
		return u == 0;
	}
}

static void put_label(struct out *o, bool *first, const char *key, const char *value)
{
	put(o, *first ? "{" : ",", 1);
	*first = false;
	puts_(o, key);
	put(o, "=\"", 2);
	put_escaped(o, value, true);
	put(o, "\"", 1);
}

/* Writes name+suffix and the labels of s, ending with le when not NULL. */
static void put_series(struct out *o, const struct sample *s, const char *suffix, const char *le)
{
	bool first = true;

	puts_(o, s->mt->name);
	puts_(o, suffix);
	for (size_t k = 0; k < s->g->n_labels; k++)
		put_label(o, &first, s->g->labels[k].key, s->g->labels[k].value);
	if (s->mt->fixed.key)
		put_label(o, &first, s->mt->fixed.key, s->mt->fixed.value);
	if (s->mt->count > 1) {
		char idx[24];

		snprintf(idx, sizeof(idx), "%zu", s->i);
		put_label(o, &first, s->mt->label,
		          s->mt->label_value ? s->mt->label_value(s->i) : idx);
	}
	if (le)
		put_label(o, &first, "le", le);
	if (!first)
		put(o, "}", 1);
	put(o, " ", 1);
}

static void put_value(struct out *o, const struct sample *s)
{
	const void *p = field_at(s);
	uint64_t u;
	int64_t i;
	size_t z;
	double d;

	switch (s->mt->field) {
	case V2X_METRIC_I64:
		memcpy(&i, p, sizeof(i));
		putf(o, "%" PRId64, i);
		break;
	case V2X_METRIC_F64:
		memcpy(&d, p, sizeof(d));
		put_double(o, d);
		break;
	case V2X_METRIC_SIZE:
		memcpy(&z, p, sizeof(z));
		putf(o, "%zu", z);
		break;
	default:
		memcpy(&u, p, sizeof(u));
		putf(o, "%" PRIu64, u);
		break;
	}
	put(o, "\n", 1);
}

static void put_hist(struct out *o, const struct sample *s)
{
	const struct v2x_hist *h = field_at(s);
	char le[SECONDS_LEN];
	uint64_t cum = 0;

	for (size_t k = 0; k <= V2X_HIST_NBOUNDS; k++) {
		cum += h->buckets[k];
		if (k < V2X_HIST_NBOUNDS)
			fmt_seconds(le, hist_bounds[k]);
		else
			snprintf(le, sizeof(le), "+Inf");
		put_series(o, s, "_bucket", le);
		putf(o, "%" PRIu64 "\n", cum);
	}
	put_series(o, s, "_sum", NULL);
	put_seconds(o, h->sum_us);
	put(o, "\n", 1);
	put_series(o, s, "_count", NULL);
	putf(o, "%" PRIu64 "\n", h->count);
}

/* Writes every sample of metric mt of group g. */
static void put_samples(struct out *o, const struct v2x_metrics_group *g,
                        const struct v2x_metric *mt)
{
	size_t n = mt->count > 1 ? mt->count : 1;

	for (size_t i = 0; i < n; i++) {
		struct sample s = { g, mt, i };

		if (mt->count > 1 && mt->skip_zero && sample_is_zero(&s))
			continue;
		if (mt->type == V2X_METRIC_HISTOGRAM) {
			put_hist(o, &s);
			continue;
		}
		put_series(o, &s, "", NULL);
		put_value(o, &s);
	}
}

/* Whether a metric named name comes before (g, mt) in m. */
static bool seen_before(const struct v2x_metrics *m, size_t g, const struct v2x_metric *mt)
{
	for (size_t k = 0; k <= g; k++) {
		for (const struct v2x_metric *o = m->groups[k].table; o->name; o++) {
			if (k == g && o == mt)
				return false;
			if (strcmp(o->name, mt->name) == 0)
				return true;
		}
	}
	return false;
}

static const char *const type_names[] = { "counter", "gauge", "histogram" };

/* Writes the family of mt: its HELP and TYPE, then the samples of every
 * metric of that name from (g, mt) on. */
static void put_family(struct out *o, const struct v2x_metrics *m, size_t g,
                       const struct v2x_metric *mt)
{
	puts_(o, "# HELP ");
	puts_(o, mt->name);
	put(o, " ", 1);
	put_escaped(o, mt->help, false);
	puts_(o, "\n# TYPE ");
	puts_(o, mt->name);
	put(o, " ", 1);
	puts_(o, type_names[mt->type]);
	put(o, "\n", 1);
	for (size_t k = g; k < m->n; k++) {
		const struct v2x_metric *o2 = k == g ? mt : m->groups[k].table;

		for (; o2->name; o2++) {
			if (strcmp(o2->name, mt->name) == 0)
				put_samples(o, &m->groups[k], o2);
		}
	}
}

int v2x_metrics_render(const struct v2x_metrics *m, struct v2x_metrics_buf *out)
{
	struct out o = { .b = out };

	/* An empty registry still leaves a valid, empty, NUL-terminated text. */
	reserve(&o, 0);
	for (size_t g = 0; g < m->n; g++) {
		for (const struct v2x_metric *mt = m->groups[g].table; mt->name; mt++) {
			if (!seen_before(m, g, mt))
				put_family(&o, m, g, mt);
		}
	}
	return o.rc;
}
