/*
 * metrics: counters, gauges and latency histograms of a daemon, and their
 * Prometheus text exposition (format 0.0.4).
 *
 * A daemon keeps its figures as plain fields of its own stats structs and
 * updates them the cheapest way there is: `st->sent++`, `v2x_hist_add()`.
 * A table of struct v2x_metric describes the fields of one stats struct
 * (name, help, type, where the field is); v2x_metrics_add() registers that
 * table with the struct it describes and the labels of this instance:
 *
 *   static const struct v2x_metric dl_metrics[] = {
 *           { .name = "agent_downlink_sent_total", .help = "datagrams sent",
 *             .type = V2X_METRIC_COUNTER, .offset = offsetof(struct dl_stats, sent) },
 *           { .name = "agent_downlink_build_seconds", .help = "convert + encode",
 *             .type = V2X_METRIC_HISTOGRAM, .field = V2X_METRIC_HIST,
 *             .offset = offsetof(struct dl_stats, build_us) },
 *           V2X_METRIC_END,
 *   };
 *   struct v2x_metric_label rsu = { "rsu", "cq-g65-k12-rsu3" };
 *   v2x_metrics_add(&metrics, dl_metrics, &dl->stats, &rsu, 1, err, sizeof(err));
 *
 * Rendering reads the fields when a scrape comes.  Nothing here is global
 * and nothing allocates per update; the registry (struct v2x_metrics) is
 * the daemon's, allocates when a table is added (at start-up), and the
 * rendering buffer is the caller's and is reused across scrapes.
 *
 * Single-threaded by design: the fields are read without synchronisation,
 * as a libuv daemon reads them on its loop thread.
 */
#ifndef V2X_RUNTIME_METRICS_H
#define V2X_RUNTIME_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- histograms ------------------------------------------------------- */

/*
 * Number of fixed upper bounds of a histogram: 1, 2, 3, 5 and 7 times each
 * power of ten from 1 µs to 7 s, and 10 s.  A value above 10 s goes to the
 * overflow bucket (Prometheus's le="+Inf").
 */
#define V2X_HIST_NBOUNDS 36

/*
 * A latency histogram in microseconds.  All zero is an empty histogram, so
 * one embedded in a zeroed stats struct needs no initialisation.
 */
struct v2x_hist {
	uint64_t count;
	uint64_t sum_us;
	uint64_t min_us; /* meaningful when count > 0 */
	uint64_t max_us;
	/* buckets[i] counts values in (bound[i-1], bound[i]]; the last one
	 * counts values above the top bound. */
	uint64_t buckets[V2X_HIST_NBOUNDS + 1];
};

/* Returns the V2X_HIST_NBOUNDS upper bounds, µs, ascending; static storage. */
const uint64_t *v2x_hist_bounds(void);

/* Adds one value, µs.  Constant time: no search over the buckets. */
void v2x_hist_add(struct v2x_hist *h, uint64_t us);

/* Empties h. */
void v2x_hist_reset(struct v2x_hist *h);

/*
 * Returns an estimate of quantile q (0..1; 0.5 the median, 0.99 p99), µs,
 * from the buckets: the bucket holding the value of that rank, with linear
 * interpolation inside it, kept within the smallest and largest value seen.
 * Exact when the values of that bucket are evenly spread; otherwise off by
 * at most the bucket's width.  NaN when h is empty or q is outside 0..1.
 */
double v2x_hist_quantile(const struct v2x_hist *h, double q);

/* ---- tables of metrics ------------------------------------------------ */

enum v2x_metric_type {
	V2X_METRIC_COUNTER,   /* only ever grows; name it ..._total */
	V2X_METRIC_GAUGE,     /* goes up and down */
	V2X_METRIC_HISTOGRAM, /* a struct v2x_hist, exposed in seconds: name it ..._seconds */
};

/* The C type of the field a metric reads. */
enum v2x_metric_field {
	V2X_METRIC_U64,  /* uint64_t (the default) */
	V2X_METRIC_I64,  /* int64_t */
	V2X_METRIC_F64,  /* double; NaN and infinities are written as Prometheus spells them */
	V2X_METRIC_SIZE, /* size_t */
	V2X_METRIC_HIST, /* struct v2x_hist; only for V2X_METRIC_HISTOGRAM */
};

/* A label: of every sample of a group ({ "rsu", "cq-g65-k12-rsu3" }), or
 * of the samples of one metric. */
struct v2x_metric_label {
	const char *key;   /* [a-zA-Z_][a-zA-Z0-9_]*, not "le" */
	const char *value; /* any UTF-8; escaped when written */
};

/*
 * One metric: a field of a stats struct, or an array of them (count > 1),
 * each element a sample told apart by the label `label`.
 */
struct v2x_metric {
	const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]*; NULL ends a table */
	const char *help; /* one line */
	enum v2x_metric_type type;
	enum v2x_metric_field field;
	size_t offset; /* offsetof() the field, or of the array's first element */
	size_t count;  /* 0 or 1: one field; n: an array of n fields */
	/* Arrays: the label that tells the elements apart ("cause"), and the
	 * value of element i (NULL: its index in decimal). */
	const char *label;
	const char *(*label_value)(size_t i);
	bool skip_zero; /* arrays: leave out elements that are zero */
	/* A label of this metric's samples alone, so that one name can cover
	 * several fields: { "reason", "expired" }, { "reason", "cancelled" }.
	 * key NULL: none. */
	struct v2x_metric_label fixed;
};

/*
 * A label_value for arrays indexed by v2x_err_index() (counters per cause of
 * failure): the error's name, "TRUNCATED".  Static storage.
 */
const char *v2x_metrics_err_label(size_t i);

/* The entry that ends a table of metrics. */
/* clang-format off */
#define V2X_METRIC_END { .name = NULL }
/* clang-format on */

/* Most labels v2x_metrics_add() takes for one group. */
#define V2X_METRICS_LABELS_MAX 4

/* A table applied to one stats struct; internal to the registry. */
struct v2x_metrics_group {
	const struct v2x_metric *table;
	const void *base;
	struct v2x_metric_label labels[V2X_METRICS_LABELS_MAX];
	size_t n_labels;
};

/* The registry of a daemon: every group it exposes, in the order added. */
struct v2x_metrics {
	struct v2x_metrics_group *groups;
	size_t n;
	size_t cap;
};

/* Initialises an empty registry; allocates nothing yet. */
void v2x_metrics_init(struct v2x_metrics *m);

/* Releases what m holds (not the tables or structs it points to). */
void v2x_metrics_fini(struct v2x_metrics *m);

/*
 * Registers table (ending with V2X_METRIC_END) read from the struct at base,
 * every sample carrying the n_labels labels.  table, base and the strings of
 * labels are borrowed and must stay valid while m is rendered; the labels
 * array itself is copied.
 *
 * Several groups may use the same metric names (the same table on two
 * instances, told apart by their labels): their samples are written
 * together under one HELP and TYPE.  Fails with V2X_EINVAL, the detail in
 * err (errlen bytes, NUL included; err may be NULL), for a name or label
 * that Prometheus would refuse, more than V2X_METRICS_LABELS_MAX labels, a
 * histogram whose field is not V2X_METRIC_HIST (or the reverse), or a name
 * registered before with another type; V2X_ENOMEM.
 */
int v2x_metrics_add(struct v2x_metrics *m, const struct v2x_metric *table, const void *base,
                    const struct v2x_metric_label *labels, size_t n_labels, char *err,
                    size_t errlen);

/* ---- exposition ------------------------------------------------------- */

/* The Content-Type of the exposition. */
#define V2X_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * A growable text buffer, the caller's.  All zero is an empty buffer;
 * data is NUL-terminated whenever it is not NULL.
 */
struct v2x_metrics_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Empties b, keeping its memory for the next rendering. */
void v2x_metrics_buf_reset(struct v2x_metrics_buf *b);

/* Frees what b holds; b is empty afterwards. */
void v2x_metrics_buf_fini(struct v2x_metrics_buf *b);

/*
 * Appends the exposition of every metric of m to out: per metric name,
 * `# HELP`, `# TYPE`, then its samples (histograms: cumulative _bucket with
 * le in seconds, _sum in seconds, _count).  out grows as needed.  Returns 0
 * or V2X_ENOMEM (out then holds a cut text; reset it before reuse).
 */
int v2x_metrics_render(const struct v2x_metrics *m, struct v2x_metrics_buf *out);

#endif
