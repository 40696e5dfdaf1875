/* Unit test of runtime/metrics: histogram buckets and quantiles, the
 * registry's checks, and the exposition read back by an independent parser. */
#include "runtime/metrics.h"

#include <stddef.h>
#include <stdlib.h>

#include "runtime/err.h"
#include "runtime/tests/exposition.h"
#include "tests/check.h"

/* ---- histograms ------------------------------------------------------- */

/* The bucket a value lands in, found by adding it to an empty histogram. */
static size_t bucket_of(uint64_t us)
{
	struct v2x_hist h = { 0 };

	v2x_hist_add(&h, us);
	for (size_t i = 0; i <= V2X_HIST_NBOUNDS; i++) {
		if (h.buckets[i])
			return i;
	}
	return SIZE_MAX;
}

/* The bucket of us by a plain search: the first bound at or above it. */
static size_t bucket_searched(uint64_t us)
{
	const uint64_t *b = v2x_hist_bounds();
	size_t i = 0;

	while (i < V2X_HIST_NBOUNDS && us > b[i])
		i++;
	return i;
}

static void check_bucket(uint64_t us)
{
	size_t got = bucket_of(us), want = bucket_searched(us);

	if (got != want)
		CHECK_UINT_EQ(got, want);
}

static void test_buckets(void)
{
	const uint64_t *b = v2x_hist_bounds();

	/* Ascending, 1 µs to 10 s. */
	CHECK_UINT_EQ(b[0], 1);
	CHECK_UINT_EQ(b[V2X_HIST_NBOUNDS - 1], 10000000);
	for (size_t i = 1; i < V2X_HIST_NBOUNDS; i++)
		CHECK(b[i] > b[i - 1]);
	/* The constant-time index agrees with a search everywhere it could
	 * differ: every value up to 100000, around each bound and each power
	 * of two, and the extremes. */
	for (uint64_t v = 0; v <= 100000; v++)
		check_bucket(v);
	for (size_t i = 0; i < V2X_HIST_NBOUNDS; i++) {
		check_bucket(b[i] - 1);
		check_bucket(b[i]);
		check_bucket(b[i] + 1);
	}
	for (int e = 0; e < 64; e++) {
		check_bucket((UINT64_C(1) << e) - 1);
		check_bucket(UINT64_C(1) << e);
		check_bucket((UINT64_C(1) << e) + 1);
	}
	check_bucket(UINT64_MAX);
	/* A bound belongs to its own bucket (le means <=). */
	CHECK_UINT_EQ(bucket_of(1000), 15);
	CHECK_UINT_EQ(bucket_of(1001), 16);
	CHECK_UINT_EQ(bucket_of(10000001), V2X_HIST_NBOUNDS);
}

static void test_quantile_uniform(void)
{
	struct v2x_hist h = { 0 };

	CHECK(isnan(v2x_hist_quantile(&h, 0.5)));
	for (uint64_t v = 1; v <= 1000; v++)
		v2x_hist_add(&h, v);
	CHECK_UINT_EQ(h.count, 1000);
	CHECK_UINT_EQ(h.sum_us, 500500);
	CHECK_UINT_EQ(h.min_us, 1);
	CHECK_UINT_EQ(h.max_us, 1000);
	/* Evenly spread values: the estimates are exact. */
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.5), 500, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.99), 990, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.9), 900, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 1.0), 1000, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.0), 1, 1e-9);
	CHECK(isnan(v2x_hist_quantile(&h, 1.5)));
	CHECK(isnan(v2x_hist_quantile(&h, -0.1)));
	CHECK(isnan(v2x_hist_quantile(&h, NAN)));
	v2x_hist_reset(&h);
	CHECK_UINT_EQ(h.count, 0);
	CHECK(isnan(v2x_hist_quantile(&h, 0.5)));
}

static void test_quantile_shapes(void)
{
	struct v2x_hist h = { 0 };

	/* One value: every quantile is that value. */
	for (int i = 0; i < 100; i++)
		v2x_hist_add(&h, 42);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.5), 42, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.99), 42, 1e-9);
	/* A tail: 99 fast, one slow. */
	v2x_hist_reset(&h);
	for (int i = 0; i < 99; i++)
		v2x_hist_add(&h, 10);
	v2x_hist_add(&h, 5000);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.5), 10, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.99), 10, 1e-9);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 1.0), 5000, 1e-9);
	/* Above the top bound: the largest value seen closes the last bucket. */
	v2x_hist_reset(&h);
	v2x_hist_add(&h, 20000000);
	v2x_hist_add(&h, 30000000);
	CHECK_UINT_EQ(h.buckets[V2X_HIST_NBOUNDS], 2);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 1.0), 30000000, 1e-9);
	CHECK(v2x_hist_quantile(&h, 0.5) >= 20000000);
	/* Zero lands in the first bucket. */
	v2x_hist_reset(&h);
	v2x_hist_add(&h, 0);
	CHECK_UINT_EQ(h.buckets[0], 1);
	CHECK_DBL_NEAR(v2x_hist_quantile(&h, 0.5), 0, 1e-9);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Against the exact quantiles of log-uniform values from 1 µs to 1 s: the
 * estimate lies in the bucket of the true value, so within the bucket's
 * ratio (at most 2) of it. */
static void test_quantile_random(void)
{
	enum { N = 20000 };
	static uint64_t v[N];
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	struct v2x_hist h = { 0 };
	uint64_t x = 88172645463325252u;

	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = (uint64_t)exp((double)(x % 1000000) / 1000000.0 * log(1e6));
		v2x_hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		double exact = (double)v[(size_t)ceil(qs[k] * N) - 1];
		double est = v2x_hist_quantile(&h, qs[k]);

		CHECK(est >= exact / 2 && est <= exact * 2);
	}
}

/* ---- registry and exposition ------------------------------------------ */

struct stats {
	uint64_t sent;
	int64_t offset;
	double temp;
	double ratio;
	size_t queued;
	uint64_t errors[V2X_ERR_COUNT];
	uint64_t ends[2];
	struct v2x_hist latency_us;
};

#define S(f) offsetof(struct stats, f)

static const char *end_name(size_t i)
{
	return i == 0 ? "expired" : "cancelled";
}

static const struct v2x_metric table[] = {
	{ .name = "t_sent_total",
	  .help = "Datagrams sent.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = S(sent) },
	{ .name = "t_offset",
	  .help = "Clock offset, \\ and\nnewline.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_I64,
	  .offset = S(offset) },
	{ .name = "t_temp",
	  .help = "Temperature \"C\".",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_F64,
	  .offset = S(temp) },
	{ .name = "t_ratio",
	  .help = "A ratio.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_F64,
	  .offset = S(ratio) },
	{ .name = "t_queued",
	  .help = "Queued.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_SIZE,
	  .offset = S(queued) },
	{ .name = "t_errors_total",
	  .help = "Errors by cause.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = S(errors),
	  .count = V2X_ERR_COUNT,
	  .label = "cause",
	  .label_value = v2x_metrics_err_label,
	  .skip_zero = true },
	{ .name = "t_ends_total",
	  .help = "Ends by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = S(ends),
	  .count = 2,
	  .label = "reason",
	  .label_value = end_name },
	{ .name = "t_latency_seconds",
	  .help = "Latency.",
	  .type = V2X_METRIC_HISTOGRAM,
	  .field = V2X_METRIC_HIST,
	  .offset = S(latency_us) },
	V2X_METRIC_END,
};

/* A second table reusing a name of the first, with a fixed label. */
static const struct v2x_metric table2[] = {
	{ .name = "t_sent_total",
	  .help = "Datagrams sent.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = S(sent),
	  .fixed = { "path", "spare" } },
	V2X_METRIC_END,
};

static void fill(struct stats *a, struct stats *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->sent = 18446744073709551615u;
	a->offset = -42;
	a->temp = NAN;
	a->ratio = 0.25;
	a->queued = 7;
	a->errors[v2x_err_index(V2X_ETRUNCATED)] = 3;
	a->ends[1] = 9;
	b->sent = 1;
	b->temp = INFINITY;
	b->ratio = -INFINITY;
	for (uint64_t v = 1; v <= 1000; v++)
		v2x_hist_add(&a->latency_us, v);
	v2x_hist_add(&a->latency_us, 20000000);
}

static double value_of(const struct expo *e, const struct expo_sample *s)
{
	(void)e;
	return s ? s->value : -12345;
}

static void check_parsed(const struct expo *e)
{
	const struct expo_sample *s;

	CHECK_INT_EQ(e->n_families, 8);
	CHECK_STR_EQ(e->families[0].type, "counter");
	CHECK_STR_EQ(e->families[1].help, "Clock offset, \\\\ and\\nnewline.");
	CHECK_STR_EQ(e->families[7].type, "histogram");
	/* Both groups' samples of t_sent_total came together, the second
	 * table's with its fixed label. */
	s = expo_find(e, "t_sent_total", "rsu", "a", EXPO_END);
	CHECK_DBL_NEAR(value_of(e, s), 18446744073709551615.0, 1);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_sent_total", "rsu", "b\"q\\x\ny", EXPO_END)), 1,
	               0);
	CHECK_DBL_NEAR(
	        value_of(e, expo_find(e, "t_sent_total", "rsu", "a", "path", "spare", EXPO_END)),
	        18446744073709551615.0, 1);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_offset", "rsu", "a", EXPO_END)), -42, 0);
	CHECK(isnan(value_of(e, expo_find(e, "t_temp", "rsu", "a", EXPO_END))));
	CHECK(isinf(value_of(e, expo_find(e, "t_temp", "rsu", "b\"q\\x\ny", EXPO_END))));
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_ratio", "rsu", "a", EXPO_END)), 0.25, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_queued", "rsu", "a", EXPO_END)), 7, 0);
	/* skip_zero: only the cause that happened. */
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_errors_total", "rsu", "a", "cause", "TRUNCATED",
	                                     EXPO_END)),
	               3, 0);
	CHECK(!expo_find(e, "t_errors_total", "rsu", "a", "cause", "NOMEM", EXPO_END));
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_ends_total", "rsu", "a", "reason", "expired",
	                                     EXPO_END)),
	               0, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_ends_total", "rsu", "a", "reason", "cancelled",
	                                     EXPO_END)),
	               9, 0);
}

static void check_hist_parsed(const struct expo *e)
{
	/* 1..1000 µs and one of 20 s: le in seconds, cumulative. */
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_bucket", "rsu", "a", "le",
	                                     "0.000001", EXPO_END)),
	               1, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_bucket", "rsu", "a", "le",
	                                     "0.00007", EXPO_END)),
	               70, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_bucket", "rsu", "a", "le",
	                                     "0.001", EXPO_END)),
	               1000, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_bucket", "rsu", "a", "le", "10",
	                                     EXPO_END)),
	               1000, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_bucket", "rsu", "a", "le",
	                                     "+Inf", EXPO_END)),
	               1001, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_count", "rsu", "a", EXPO_END)),
	               1001, 0);
	CHECK_DBL_NEAR(value_of(e, expo_find(e, "t_latency_seconds_sum", "rsu", "a", EXPO_END)),
	               20.5005, 1e-12);
	CHECK_DBL_NEAR(
	        value_of(e, expo_find(e, "t_latency_seconds_count", "rsu", "b\"q\\x\ny", EXPO_END)),
	        0, 0);
}

static void test_exposition(void)
{
	struct v2x_metric_label la = { "rsu", "a" }, lb = { "rsu", "b\"q\\x\ny" };
	struct v2x_metrics_buf buf = { 0 };
	struct v2x_metrics m;
	struct stats a, b;
	struct expo e;
	char err[128];
	size_t cap;

	fill(&a, &b);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(v2x_metrics_add(&m, table, &a, &la, 1, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_add(&m, table, &b, &lb, 1, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_add(&m, table2, &a, &la, 1, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &buf), 0);
	if (CHECK(expo_parse(buf.data, &e) == 0))
		check_parsed(&e);
	else
		fprintf(stderr, "%s\n%s", e.err, buf.data);
	check_hist_parsed(&e);
	expo_free(&e);
	CHECK(strstr(buf.data, "# TYPE t_latency_seconds histogram\n") != NULL);
	CHECK(strstr(buf.data, "t_temp{rsu=\"b\\\"q\\\\x\\ny\"} +Inf\n") != NULL);
	CHECK(strstr(buf.data, "t_ratio{rsu=\"b\\\"q\\\\x\\ny\"} -Inf\n") != NULL);
	/* A second scrape reuses the buffer. */
	cap = buf.cap;
	v2x_metrics_buf_reset(&buf);
	CHECK_INT_EQ(v2x_metrics_render(&m, &buf), 0);
	CHECK_UINT_EQ(buf.cap, cap);
	v2x_metrics_buf_fini(&buf);
	v2x_metrics_fini(&m);
}

/* The exact text of a small registry. */
static void test_golden(void)
{
	static const struct v2x_metric t[] = {
		{ .name = "g_total", .help = "G.", .type = V2X_METRIC_COUNTER, .offset = S(sent) },
		{ .name = "g_h_seconds",
		  .help = "H.",
		  .type = V2X_METRIC_HISTOGRAM,
		  .field = V2X_METRIC_HIST,
		  .offset = S(latency_us) },
		V2X_METRIC_END,
	};
	struct v2x_metrics_buf buf = { 0 };
	struct v2x_metrics m;
	struct stats s = { .sent = 5 };
	char *bucket;

	v2x_hist_add(&s.latency_us, 2500000);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(v2x_metrics_add(&m, t, &s, NULL, 0, NULL, 0), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &buf), 0);
	CHECK(strncmp(buf.data,
	              "# HELP g_total G.\n# TYPE g_total counter\ng_total 5\n"
	              "# HELP g_h_seconds H.\n# TYPE g_h_seconds histogram\n"
	              "g_h_seconds_bucket{le=\"0.000001\"} 0\n",
	              strlen("# HELP g_total G.\n# TYPE g_total counter\ng_total 5\n"
	                     "# HELP g_h_seconds H.\n# TYPE g_h_seconds histogram\n"
	                     "g_h_seconds_bucket{le=\"0.000001\"} 0\n")) == 0);
	bucket = strstr(buf.data, "g_h_seconds_bucket{le=\"3\"} 1\n");
	CHECK(bucket != NULL);
	CHECK(strstr(buf.data, "g_h_seconds_bucket{le=\"2\"} 0\n") != NULL);
	CHECK(strstr(buf.data, "g_h_seconds_bucket{le=\"+Inf\"} 1\ng_h_seconds_sum 2.5\n"
	                       "g_h_seconds_count 1\n") != NULL);
	/* An empty registry renders an empty text. */
	v2x_metrics_fini(&m);
	v2x_metrics_init(&m);
	v2x_metrics_buf_reset(&buf);
	CHECK_INT_EQ(v2x_metrics_render(&m, &buf), 0);
	CHECK_STR_EQ(buf.data, "");
	v2x_metrics_buf_fini(&buf);
	v2x_metrics_fini(&m);
}

/* Registers a table of the one metric mt.  The registry keeps pointing to
 * its tables, so each comes from a pool that outlives the test. */
static int add_one(struct v2x_metrics *m, const struct v2x_metric *mt,
                   const struct v2x_metric_label *labels, size_t n, char *err)
{
	static struct v2x_metric pool[32][2];
	static struct stats s;
	static size_t used;
	struct v2x_metric *t = pool[used++ % 32];

	t[0] = *mt;
	memset(&t[1], 0, sizeof(t[1]));
	return v2x_metrics_add(m, t, &s, labels, n, err, 128);
}

static void test_refused(void)
{
	struct v2x_metric ok = { .name = "ok_total", .help = "", .type = V2X_METRIC_COUNTER };
	struct v2x_metric_label five[5] = {
		{ "a", "1" }, { "b", "2" }, { "c", "3" }, { "d", "4" }, { "e", "5" }
	};
	struct v2x_metric_label le = { "le", "1" }, reserved = { "__x", "1" };
	struct v2x_metrics m;
	struct v2x_metric bad;
	char err[128];

	v2x_metrics_init(&m);
	bad = ok;
	bad.name = "1abc";
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	CHECK(strstr(err, "1abc") != NULL);
	bad.name = "a-b";
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	bad = ok;
	bad.help = NULL;
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	bad = ok;
	bad.type = V2X_METRIC_HISTOGRAM;
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	bad = ok;
	bad.field = V2X_METRIC_HIST;
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	bad = ok;
	bad.count = 3;
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	bad.label = "le";
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	CHECK_INT_EQ(add_one(&m, &ok, five, 5, err), V2X_EINVAL);
	CHECK_INT_EQ(add_one(&m, &ok, &le, 1, err), V2X_EINVAL);
	CHECK_INT_EQ(add_one(&m, &ok, &reserved, 1, err), V2X_EINVAL);
	CHECK_UINT_EQ(m.n, 0);
	/* A name may come back with the same type, not with another. */
	CHECK_INT_EQ(add_one(&m, &ok, five, 4, err), 0);
	CHECK_INT_EQ(add_one(&m, &ok, NULL, 0, err), 0);
	bad = ok;
	bad.type = V2X_METRIC_GAUGE;
	CHECK_INT_EQ(add_one(&m, &bad, NULL, 0, err), V2X_EINVAL);
	CHECK(strstr(err, "another type") != NULL);
	CHECK_STR_EQ(v2x_metrics_err_label(0), "NOMEM");
	v2x_metrics_fini(&m);
}

int main(void)
{
	test_buckets();
	test_quantile_uniform();
	test_quantile_shapes();
	test_quantile_random();
	test_exposition();
	test_golden();
	test_refused();
	return check_exit();
}
