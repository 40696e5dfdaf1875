/*
 * mapsrc: the loop thread's side of the map source: creation and the
 * first load, the request slots, the async handle that delivers answers
 * and swaps maps, closing, counters.  The worker is in worker.c.
 */
#include "broker/mapsrc/mapsrc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "broker/mapsrc/mapsrc_int.h"
#include "maps/db/info.h"
#include "runtime/clock.h"

void brk_mapsrc__push(struct brk_mapsrc__fifo *q, struct brk_mapsrc__req *r)
{
	r->next = NULL;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
}

struct brk_mapsrc__req *brk_mapsrc__pop(struct brk_mapsrc__fifo *q)
{
	struct brk_mapsrc__req *r = q->head;

	if (r) {
		q->head = r->next;
		if (!q->head)
			q->tail = NULL;
		r->next = NULL;
	}
	return r;
}

void brk_mapsrc__wake(struct brk_mapsrc *m)
{
	uint64_t one = 1;

	/* Only fails when the counter is about to overflow: the worker is awake then. */
	if (write(m->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		v2x_logf(m->cfg.log, V2X_LOG_ERROR, "waking the map worker: %s", strerror(errno));
}

/* ---- configuration ---------------------------------------------------- */

static void set_defaults(struct brk_mapsrc_config *c)
{
	if (c->z_tolerance_m == 0)
		c->z_tolerance_m = BRK_MAPSRC_DEFAULT_Z_TOLERANCE_M;
	if (c->queue_max == 0)
		c->queue_max = BRK_MAPSRC_DEFAULT_QUEUE_MAX;
	if (c->spans_max == 0)
		c->spans_max = BRK_MAPSRC_DEFAULT_SPANS_MAX;
	if (c->query_timeout_ms == 0)
		c->query_timeout_ms = BRK_MAPSRC_DEFAULT_QUERY_TIMEOUT_MS;
	if (c->backoff_min_ms == 0)
		c->backoff_min_ms = BRK_MAPSRC_DEFAULT_BACKOFF_MIN_MS;
	if (c->backoff_max_ms == 0)
		c->backoff_max_ms = BRK_MAPSRC_DEFAULT_BACKOFF_MAX_MS;
	if (c->poll_ms == 0)
		c->poll_ms = BRK_MAPSRC_DEFAULT_POLL_MS;
}

static int check_config(const struct brk_mapsrc_config *c, char *err, size_t errlen)
{
	char *why = NULL;
	PQconninfoOption *opts;

	if (!c->conninfo || !*c->conninfo) {
		snprintf(err, errlen, "no map database: give a libpq connection string");
		return V2X_ECONFIG;
	}
	opts = PQconninfoParse(c->conninfo, &why);
	if (!opts) {
		snprintf(err, errlen, "bad map database connection string: %s",
		         why ? why : "out of memory");
		PQfreemem(why);
		return V2X_ECONFIG;
	}
	PQconninfoFree(opts);
	if (!c->on_lanes || c->version < 0 || c->z_tolerance_m < 0 ||
	    c->backoff_min_ms > c->backoff_max_ms) {
		snprintf(err, errlen,
		         "map source: on_lanes is required; version and z tolerance must not be "
		         "negative, backoff_min_ms not above backoff_max_ms");
		return V2X_EINVAL;
	}
	return 0;
}

/* ---- creation ---------------------------------------------------------- */

static int alloc_slots(struct brk_mapsrc *m)
{
	size_t n = m->cfg.queue_max;

	m->slots = calloc(n, sizeof(*m->slots));
	m->span_mem = calloc(n * m->cfg.spans_max, sizeof(*m->span_mem));
	if (!m->slots || !m->span_mem)
		return V2X_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		m->slots[i].spans = &m->span_mem[i * m->cfg.spans_max];
		m->slots[i].next = i + 1 < n ? &m->slots[i + 1] : NULL;
	}
	m->free = &m->slots[0];
	return 0;
}

/* The first map: the pinned version or the newest, loaded on pg. */
static int first_load(struct brk_mapsrc *m, PGconn *pg, char *err, size_t errlen)
{
	int64_t id = m->cfg.version;
	int rc = 0;

	if (id == 0)
		rc = map_db_latest(pg, &id, err, errlen);
	if (rc == V2X_ENOTFOUND) {
		snprintf(err, errlen, "no map version in the database: load one with v2x-map load");
		return rc;
	}
	if (rc)
		return rc;
	rc = brk_mapsrc__map_load(pg, id, &m->cur, err, errlen);
	if (rc == V2X_ENOTFOUND)
		snprintf(
		        err, errlen,
		        "map version %lld is not in the database (v2x-map info lists the versions)",
		        (long long)id);
	return rc;
}

static void free_source(struct brk_mapsrc *m)
{
	brk_map_release(m->cur);
	PQfreeCancel(m->cancel);
	if (m->wake_fd >= 0)
		close(m->wake_fd);
	pthread_mutex_destroy(&m->lock);
	free(m->slots);
	free(m->span_mem);
	free(m->conninfo);
	free(m);
}

static void on_async(uv_async_t *h);

/* The parts that need no database: memory, eventfd, async handle. */
static int make_source(uv_loop_t *loop, const struct brk_mapsrc_config *cfg,
                       struct brk_mapsrc **out, char *err, size_t errlen)
{
	struct brk_mapsrc *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (!m)
		return V2X_ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->cfg = *cfg;
	set_defaults(&m->cfg);
	m->loop = loop;
	m->conninfo = strdup(cfg->conninfo);
	m->cfg.conninfo = m->conninfo;
	m->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = m->conninfo ? alloc_slots(m) : V2X_ENOMEM;
	if (rc == 0 && m->wake_fd < 0) {
		snprintf(err, errlen, "map source: eventfd: %s", strerror(errno));
		rc = V2X_ESYS;
	}
	if (rc) {
		free_source(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Starts the async handle and the worker with pg (ownership taken). */
static int start(struct brk_mapsrc *m, PGconn *pg, char *err, size_t errlen)
{
	int rc = uv_async_init(m->loop, &m->async, on_async);

	if (rc) {
		snprintf(err, errlen, "map source: uv_async_init: %s", uv_strerror(rc));
		PQfinish(pg);
		return V2X_ESYS;
	}
	m->async.data = m;
	m->w.pg = pg;
	m->w.version = m->cur->version;
	m->w.next_check_ns = v2x_clock_mono_ns() + m->cfg.poll_ms * 1000000ull;
	m->w.check_due = m->cfg.version == 0; /* a version published while we loaded */
	m->w.backoff_ms = m->cfg.backoff_min_ms;
	v2x_ratelimit_init(&m->w.connect_log, 3, 10000000000ull);
	m->cancel = PQgetCancel(pg);
	atomic_init(&m->wstats.loads, 1);
	atomic_init(&m->wstats.connected, 1);
	m->stats.version = m->cur->version;
	rc = pthread_create(&m->thread, NULL, brk_mapsrc__worker_main, m);
	if (rc) {
		snprintf(err, errlen, "map source: cannot start its thread: %s", strerror(rc));
		m->w.pg = NULL;
		PQfinish(pg);
		return V2X_ESYS;
	}
	return 0;
}

static void free_on_close(uv_handle_t *h)
{
	free_source(h->data);
}

int brk_mapsrc_new(uv_loop_t *loop, const struct brk_mapsrc_config *cfg, struct brk_mapsrc **out,
                   char *err, size_t errlen)
{
	struct brk_mapsrc *m = NULL;
	PGconn *pg = NULL;
	int rc;

	*out = NULL;
	rc = check_config(cfg, err, errlen);
	if (rc == 0)
		rc = make_source(loop, cfg, &m, err, errlen);
	if (rc)
		return rc;
	/* LISTEN comes before the load: a version published during it is heard. */
	rc = brk_mapsrc__connect(m, &pg, err, errlen);
	if (rc == 0)
		rc = first_load(m, pg, err, errlen);
	if (rc) {
		PQfinish(pg);
		free_source(m);
		return rc;
	}
	rc = start(m, pg, err, errlen);
	if (rc) {
		/* The handle may be initialised: close it, the loop frees m. */
		if (uv_is_active((uv_handle_t *)&m->async))
			uv_close((uv_handle_t *)&m->async, free_on_close);
		else
			free_source(m);
		return rc;
	}
	v2x_logf(m->cfg.log, V2X_LOG_INFO, "map version %lld (%s) loaded: %s",
	         (long long)m->cur->version, m->cur->meta.name,
	         m->cfg.version ? "pinned" : "following new versions");
	*out = m;
	return 0;
}

/* ---- the map ---------------------------------------------------------- */

struct brk_map *brk_mapsrc_acquire(struct brk_mapsrc *m)
{
	struct brk_map *map;

	pthread_mutex_lock(&m->lock);
	map = m->cur;
	atomic_fetch_add_explicit(&map->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&m->lock);
	return map;
}

/* Makes map current and tells the caller (loop thread). */
static void swap_in(struct brk_mapsrc *m, struct brk_map *map)
{
	struct brk_map *old;

	pthread_mutex_lock(&m->lock);
	old = m->cur;
	m->cur = map;
	pthread_mutex_unlock(&m->lock);
	m->stats.reloads++;
	m->stats.version = map->version;
	v2x_logf(m->cfg.log, V2X_LOG_INFO, "map version %lld is current (was %lld)",
	         (long long)map->version, (long long)old->version);
	if (m->cfg.on_map_changed)
		m->cfg.on_map_changed(m->cfg.arg, old->version, map->version);
	brk_map_release(old);
}

/* ---- queries and answers ---------------------------------------------- */

int brk_mapsrc_query_lanes(struct brk_mapsrc *m, uint64_t tag, const struct brk_zone *zone)
{
	struct brk_mapsrc__req *r;
	int rc = m->closing ? V2X_EIO : brk_mapsrc__zone_check(zone);

	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	r = m->free;
	if (r) {
		m->free = r->next;
		r->tag = tag;
		r->zone = *zone;
		r->submit_ns = v2x_clock_mono_ns();
		r->n_spans = 0;
		brk_mapsrc__push(&m->pending, r);
	}
	pthread_mutex_unlock(&m->lock);
	if (!r) {
		m->stats.queries_full++;
		return BRK_MAPSRC_EFULL;
	}
	brk_mapsrc__wake(m);
	return 0;
}

static void copy_worker_stats(struct brk_mapsrc *m)
{
	struct brk_mapsrc__wstats *w = &m->wstats;

	m->stats.loads = atomic_load_explicit(&w->loads, memory_order_relaxed);
	m->stats.load_failures = atomic_load_explicit(&w->load_failures, memory_order_relaxed);
	m->stats.notifications = atomic_load_explicit(&w->notifications, memory_order_relaxed);
	m->stats.reconnects = atomic_load_explicit(&w->reconnects, memory_order_relaxed);
	m->stats.connect_errors = atomic_load_explicit(&w->connect_errors, memory_order_relaxed);
	m->stats.connected = atomic_load_explicit(&w->connected, memory_order_relaxed);
}

static void deliver(struct brk_mapsrc *m, struct brk_mapsrc__req *r)
{
	m->stats.queries++;
	m->stats.query_failures += r->status != 0;
	m->stats.query_timeouts += r->status == V2X_EIO;
	v2x_hist_add(&m->stats.query_us, r->latency_us);
	m->cfg.on_lanes(m->cfg.arg, r->tag, r->version, r->status, r->spans,
	                r->status ? 0 : r->n_spans);
	pthread_mutex_lock(&m->lock);
	r->next = m->free;
	m->free = r;
	pthread_mutex_unlock(&m->lock);
}

/*
 * Delivers what the worker has finished, one item at a time, new maps
 * first (so that an answer on a new version comes after its
 * on_map_changed); when swap is false (closing) new maps are dropped.  One
 * at a time because a callback may close the source, which delivers the
 * rest itself.
 */
static void drain(struct brk_mapsrc *m, bool swap)
{
	for (;;) {
		struct brk_mapsrc__req *r = NULL;
		struct brk_map *map;

		pthread_mutex_lock(&m->lock);
		map = m->ready_head;
		if (map) {
			m->ready_head = map->next;
			if (!m->ready_head)
				m->ready_tail = NULL;
			map->next = NULL;
		} else {
			r = brk_mapsrc__pop(&m->done);
		}
		pthread_mutex_unlock(&m->lock);
		if (map && swap && !m->closing)
			swap_in(m, map);
		else if (map)
			brk_map_release(map);
		else if (r)
			deliver(m, r);
		else
			return;
	}
}

static void on_async(uv_async_t *h)
{
	struct brk_mapsrc *m = h->data;

	copy_worker_stats(m);
	drain(m, true);
}

/* ---- closing ---------------------------------------------------------- */

static void stop_worker(struct brk_mapsrc *m)
{
	PGcancel *cancel;

	pthread_mutex_lock(&m->lock);
	m->stop = true;
	cancel = m->cancel;
	m->cancel = NULL;
	pthread_mutex_unlock(&m->lock);
	/* Interrupts a statement in progress (a load can take seconds); outside
	 * the lock, as the cancel request is a connection of its own. */
	if (cancel) {
		char why[256];
		PQcancel(cancel, why, sizeof(why));
		PQfreeCancel(cancel);
	}
	brk_mapsrc__wake(m);
	pthread_join(m->thread, NULL);
}

void brk_mapsrc_close(struct brk_mapsrc *m)
{
	struct brk_mapsrc__req *r;

	if (!m || m->closing)
		return;
	m->closing = true;
	stop_worker(m);
	copy_worker_stats(m);
	/* What the worker answered keeps its status; what it did not, V2X_EIO. */
	pthread_mutex_lock(&m->lock);
	while ((r = brk_mapsrc__pop(&m->pending)) != NULL) {
		r->status = V2X_EIO;
		r->version = r->zone.version ? r->zone.version : m->w.version;
		r->latency_us = (v2x_clock_mono_ns() - r->submit_ns) / 1000;
		brk_mapsrc__push(&m->done, r);
	}
	pthread_mutex_unlock(&m->lock);
	drain(m, false);
	uv_close((uv_handle_t *)&m->async, free_on_close);
}

/* ---- counters --------------------------------------------------------- */

void brk_mapsrc_stats(struct brk_mapsrc *m, struct brk_mapsrc_stats *out)
{
	copy_worker_stats(m);
	*out = m->stats;
}

#define STAT(f) offsetof(struct brk_mapsrc_stats, f)

static const struct v2x_metric mapsrc_metrics[] = {
	{ .name = "v2x_broker_map_loads_total",
	  .help = "Map versions loaded and indexed, the first included.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(loads) },
	{ .name = "v2x_broker_map_load_failures_total",
	  .help = "Map loads that failed; the current map stayed.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(load_failures) },
	{ .name = "v2x_broker_map_reloads_total",
	  .help = "New map versions swapped in after the first.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(reloads) },
	{ .name = "v2x_broker_map_version",
	  .help = "The current map version id.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_I64,
	  .offset = STAT(version) },
	{ .name = "v2x_broker_map_notifications_total",
	  .help = "NOTIFY v2x_map_version heard.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(notifications) },
	{ .name = "v2x_broker_map_db_reconnects_total",
	  .help = "Map database connections made again after a loss.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(reconnects) },
	{ .name = "v2x_broker_map_db_connect_errors_total",
	  .help = "Failed map database connection attempts.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(connect_errors) },
	{ .name = "v2x_broker_map_db_connected",
	  .help = "1 while the map source holds a database connection.",
	  .type = V2X_METRIC_GAUGE,
	  .offset = STAT(connected) },
	{ .name = "v2x_broker_map_lane_queries_total",
	  .help = "Lane queries answered, any status.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(queries) },
	{ .name = "v2x_broker_map_lane_query_failures_total",
	  .help = "Lane queries answered with an error.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(query_failures) },
	{ .name = "v2x_broker_map_lane_query_timeouts_total",
	  .help = "Lane queries failed for want of the database.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(query_timeouts) },
	{ .name = "v2x_broker_map_lane_queries_full_total",
	  .help = "Lane queries refused: queue full.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(queries_full) },
	{ .name = "v2x_broker_map_lane_query_seconds",
	  .help = "Lane queries, from the request to the answer.",
	  .type = V2X_METRIC_HISTOGRAM,
	  .field = V2X_METRIC_HIST,
	  .offset = STAT(query_us) },
	V2X_METRIC_END,
};

int brk_mapsrc_metrics_add(struct brk_mapsrc *m, struct v2x_metrics *metrics,
                           const struct v2x_metric_label *labels, size_t n_labels, char *err,
                           size_t errlen)
{
	return v2x_metrics_add(metrics, mapsrc_metrics, &m->stats, labels, n_labels, err, errlen);
}
