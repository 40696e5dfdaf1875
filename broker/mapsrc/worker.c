/*
 * worker: the map source's thread.  It holds the connection, listens for
 * new map versions, loads them, answers lane queries, and reconnects when
 * the connection is lost (see mapsrc.h).  Everything here runs on the
 * worker thread; it meets the loop thread only under m->lock.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/mapsrc/mapsrc_int.h"
#include "maps/db/info.h"
#include "runtime/clock.h"

#define NS_PER_MS 1000000ull

/*
 * A statement may run this long before the server cancels it: long enough
 * for a map load, short enough that a hung server does not hold the
 * worker (and with it every query) for ever.
 */
#define STATEMENT_TIMEOUT_MS "60000"

static void relaxed_inc(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Tells the loop thread that something (an answer, a map, a counter) is new. */
static void notify_loop(struct brk_mapsrc *m)
{
	uv_async_send(&m->async);
}

static void set_cancel(struct brk_mapsrc *m, PGconn *pg)
{
	PGcancel *c = pg ? PQgetCancel(pg) : NULL;

	pthread_mutex_lock(&m->lock);
	PQfreeCancel(m->cancel);
	m->cancel = c;
	pthread_mutex_unlock(&m->lock);
}

void brk_mapsrc__flatten(char *s)
{
	char *out = s;
	bool space = false;

	for (const char *in = s; *in; in++) {
		bool white = *in == '\n' || *in == '\t' || *in == '\r' || *in == ' ';
		if (white && space)
			continue;
		space = white;
		*out++ = white ? ' ' : *in;
	}
	while (out > s && out[-1] == ' ')
		out--;
	*out = '\0';
}

/* The server's notices (and the FATAL of a terminated backend) are for debugging:
 * what matters is logged where the failure is handled. */
static void on_notice(void *arg, const char *message)
{
	const struct brk_mapsrc *m = arg;

	v2x_logf(m->cfg.log, V2X_LOG_DEBUG, "map database: %s", message);
}

int brk_mapsrc__connect(struct brk_mapsrc *m, PGconn **out, char *err, size_t errlen)
{
	/* Ours first, then the caller's string, so that what it names wins. */
	static const char *const keys[] = { "connect_timeout",
		                            "keepalives_idle",
		                            "keepalives_interval",
		                            "keepalives_count",
		                            "application_name",
		                            "dbname",
		                            NULL };
	const char *const values[] = {
		"5", "10", "5", "3", BRK_MAPSRC_APP_NAME, m->conninfo, NULL
	};
	PGconn *pg = PQconnectdbParams(keys, values, 1);
	PGresult *res;

	*out = NULL;
	if (PQstatus(pg) != CONNECTION_OK) {
		char why[512];
		snprintf(why, sizeof(why), "%s", pg ? PQerrorMessage(pg) : "out of memory");
		brk_mapsrc__flatten(why);
		snprintf(err, errlen,
		         "cannot connect to the map database (host %s, port %s, database %s): %s; "
		         "is PostgreSQL running there and the connection string right?",
		         pg ? PQhost(pg) : "?", pg ? PQport(pg) : "?", pg ? PQdb(pg) : "?", why);
		PQfinish(pg);
		return V2X_EDB;
	}
	PQsetNoticeProcessor(pg, on_notice, m);
	res = PQexec(pg, "SET statement_timeout = " STATEMENT_TIMEOUT_MS
	                 "; LISTEN " BRK_MAPSRC_CHANNEL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen,
		         "LISTEN " BRK_MAPSRC_CHANNEL " on the map database failed: %s",
		         PQresultErrorMessage(res));
		brk_mapsrc__flatten(err);
		PQclear(res);
		PQfinish(pg);
		return V2X_EDB;
	}
	PQclear(res);
	*out = pg;
	return 0;
}

bool brk_mapsrc__stopping(struct brk_mapsrc *m)
{
	bool stop;

	pthread_mutex_lock(&m->lock);
	stop = m->stop;
	pthread_mutex_unlock(&m->lock);
	return stop;
}

/* Drops a broken connection; the next turn reconnects. */
static void lost(struct brk_mapsrc *m, const char *during)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", PQerrorMessage(m->w.pg));
	brk_mapsrc__flatten(why);
	if (!brk_mapsrc__stopping(m))
		v2x_logf(m->cfg.log, V2X_LOG_WARN,
		         "map database connection lost %s: %s; reconnecting, the broker keeps map "
		         "version %lld",
		         during, why, (long long)m->w.version);
	set_cancel(m, NULL);
	PQfinish(m->w.pg);
	m->w.pg = NULL;
	m->w.ever_lost = true;
	m->w.backoff_ms = m->cfg.backoff_min_ms;
	m->w.retry_at_ns = v2x_clock_mono_ns();
	atomic_store(&m->wstats.connected, 0);
	notify_loop(m);
}

static bool conn_bad(const struct brk_mapsrc *m)
{
	return PQstatus(m->w.pg) != CONNECTION_OK;
}

/* Hands a finished answer to the loop thread. */
static void answer(struct brk_mapsrc *m, struct brk_mapsrc__req *r, int status)
{
	r->status = status;
	r->latency_us = (v2x_clock_mono_ns() - r->submit_ns) / 1000;
	pthread_mutex_lock(&m->lock);
	brk_mapsrc__push(&m->done, r);
	pthread_mutex_unlock(&m->lock);
	notify_loop(m);
}

static void post_map(struct brk_mapsrc *m, struct brk_map *map)
{
	pthread_mutex_lock(&m->lock);
	if (m->ready_tail)
		m->ready_tail->next = map;
	else
		m->ready_head = map;
	m->ready_tail = map;
	pthread_mutex_unlock(&m->lock);
	notify_loop(m);
}

/*
 * Makes the worker's own frame for the map it now follows (the map's frame
 * is the loop thread's, and a PROJ context serves one thread).  Without
 * one, lane queries have PostGIS convert the zone.
 */
static void own_frame(struct brk_mapsrc *m, const char *proj)
{
	char err[256];

	map_frame_free(m->w.frame);
	m->w.frame = NULL;
	if (map_frame_new(proj, &m->w.frame, err, sizeof(err)) != 0)
		v2x_logf(m->cfg.log, V2X_LOG_WARN, "map worker: no frame of its own: %s", err);
}

static void load_version(struct brk_mapsrc *m, int64_t id)
{
	struct brk_map *map;
	char err[1024];
	int rc = brk_mapsrc__map_load(m->w.pg, id, &map, err, sizeof(err));

	if (rc == 0) {
		v2x_logf(m->cfg.log, V2X_LOG_INFO, "map version %lld loaded (was %lld)",
		         (long long)id, (long long)m->w.version);
		m->w.version = id;
		own_frame(m, map->meta.proj);
		relaxed_inc(&m->wstats.loads);
		post_map(m, map);
		return;
	}
	if (conn_bad(m)) {
		lost(m, "in a map load");
		m->w.check_due = true;
		return;
	}
	if (brk_mapsrc__stopping(m))
		return;
	relaxed_inc(&m->wstats.load_failures);
	notify_loop(m);
	v2x_logf(m->cfg.log, V2X_LOG_ERROR,
	         "%s; keeping map version %lld, trying again at the next notification or in "
	         "%u ms",
	         err, (long long)m->w.version, m->cfg.poll_ms);
}

/* Loads the newest version when it is not the current one (a source that follows it). */
static void check_version(struct brk_mapsrc *m)
{
	int64_t latest = 0;
	char err[1024];
	int rc;

	m->w.check_due = false;
	m->w.next_check_ns = v2x_clock_mono_ns() + m->cfg.poll_ms * NS_PER_MS;
	if (m->cfg.version != 0)
		return;
	rc = map_db_latest(m->w.pg, &latest, err, sizeof(err));
	if (rc == 0 && latest != m->w.version)
		load_version(m, latest);
	else if (rc && conn_bad(m))
		lost(m, "in a version check");
	else if (rc)
		v2x_logf(m->cfg.log, V2X_LOG_WARN, "map version check: %s", err);
}

/* Reads what arrived on the connection; a notification makes a check due. */
static void drain_notifications(struct brk_mapsrc *m)
{
	PGnotify *n;

	if (!PQconsumeInput(m->w.pg) || conn_bad(m)) {
		lost(m, "while waiting for notifications");
		return;
	}
	while ((n = PQnotifies(m->w.pg)) != NULL) {
		v2x_logf(m->cfg.log, V2X_LOG_DEBUG, "heard %s '%s'", n->relname, n->extra);
		relaxed_inc(&m->wstats.notifications);
		m->w.check_due = true;
		PQfreemem(n);
	}
}

static struct brk_mapsrc__req *take_pending(struct brk_mapsrc *m)
{
	struct brk_mapsrc__req *r;

	pthread_mutex_lock(&m->lock);
	r = brk_mapsrc__pop(&m->pending);
	pthread_mutex_unlock(&m->lock);
	return r;
}

/* Puts r back at the head of the queue, to run after the reconnect. */
static void requeue(struct brk_mapsrc *m, struct brk_mapsrc__req *r)
{
	pthread_mutex_lock(&m->lock);
	r->next = m->pending.head;
	m->pending.head = r;
	if (!m->pending.tail)
		m->pending.tail = r;
	pthread_mutex_unlock(&m->lock);
}

static void run_query(struct brk_mapsrc *m, struct brk_mapsrc__req *r)
{
	int64_t version = r->zone.version ? r->zone.version : m->w.version;
	char err[1024];
	struct map_frame *frame = version == m->w.version ? m->w.frame : NULL;
	int rc = brk_mapsrc__lanes(m->w.pg, version, frame, m->cfg.z_tolerance_m, &r->zone,
	                           r->spans, m->cfg.spans_max, &r->n_spans, err, sizeof(err));

	if (rc == V2X_EDB && conn_bad(m)) {
		requeue(m, r);
		lost(m, "in a lane query");
		return;
	}
	if (rc == V2X_EDB && brk_mapsrc__stopping(m))
		rc = V2X_EIO; /* cancelled by brk_mapsrc_close() */
	else if (rc)
		v2x_logf(m->cfg.log, rc == V2X_EDB ? V2X_LOG_ERROR : V2X_LOG_WARN, "%s", err);
	r->version = version;
	answer(m, r, rc);
}

/* Empties the eventfd after a wake-up. */
static void drain_wake(struct brk_mapsrc *m)
{
	uint64_t v;

	/* An eventfd reads its whole count at once: one read empties it. */
	if (read(m->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		v2x_logf(m->cfg.log, V2X_LOG_ERROR, "map worker: reading its eventfd: %s",
		         strerror(errno));
}

/* Waits up to timeout_ns for a wake-up or, when connected, input on the connection. */
static void wait_events(struct brk_mapsrc *m, uint64_t timeout_ns)
{
	struct pollfd fds[2] = { { .fd = m->wake_fd, .events = POLLIN },
		                 { .fd = m->w.pg ? PQsocket(m->w.pg) : -1, .events = POLLIN } };
	uint64_t ms = (timeout_ns + NS_PER_MS - 1) / NS_PER_MS;

	if (poll(fds, fds[1].fd >= 0 ? 2 : 1, ms > 60000 ? 60000 : (int)ms) > 0 &&
	    (fds[0].revents & POLLIN))
		drain_wake(m);
}

static bool has_pending(struct brk_mapsrc *m)
{
	bool yes;

	pthread_mutex_lock(&m->lock);
	yes = m->pending.head != NULL;
	pthread_mutex_unlock(&m->lock);
	return yes;
}

/* One turn with a connection: notifications, version check, one query, or a wait. */
static void connected_turn(struct brk_mapsrc *m)
{
	struct brk_mapsrc__req *r;
	uint64_t now;

	drain_notifications(m);
	if (!m->w.pg)
		return;
	if (m->w.check_due || v2x_clock_mono_ns() >= m->w.next_check_ns)
		check_version(m);
	if (!m->w.pg || brk_mapsrc__stopping(m))
		return;
	r = take_pending(m);
	if (r) {
		run_query(m, r);
		return;
	}
	now = v2x_clock_mono_ns();
	if (!has_pending(m) && now < m->w.next_check_ns)
		wait_events(m, m->w.next_check_ns - now);
}

/*
 * Fails the queries that have waited query_timeout_ms; returns the time
 * until the next one would, or UINT64_MAX.
 */
static uint64_t expire_pending(struct brk_mapsrc *m, uint64_t now)
{
	uint64_t limit = m->cfg.query_timeout_ms * NS_PER_MS, next = UINT64_MAX;
	struct brk_mapsrc__req *r;

	for (;;) {
		pthread_mutex_lock(&m->lock);
		r = m->pending.head;
		if (r && now - r->submit_ns < limit) {
			next = limit - (now - r->submit_ns);
			r = NULL;
		} else if (r) {
			brk_mapsrc__pop(&m->pending);
		}
		pthread_mutex_unlock(&m->lock);
		if (!r)
			return next;
		v2x_logf(m->cfg.log, V2X_LOG_WARN,
		         "lane query %llu failed: no map database for %u ms",
		         (unsigned long long)r->tag, m->cfg.query_timeout_ms);
		r->version = r->zone.version ? r->zone.version : m->w.version;
		answer(m, r, V2X_EIO);
	}
}

static void connect_failed(struct brk_mapsrc *m, const char *err, uint64_t now)
{
	uint64_t skipped = 0;

	relaxed_inc(&m->wstats.connect_errors);
	notify_loop(m);
	if (!v2x_ratelimit_allow(&m->w.connect_log, now, &skipped))
		skipped = UINT64_MAX; /* this one is not logged either */
	if (skipped == 0)
		v2x_logf(m->cfg.log, V2X_LOG_WARN, "%s; trying again in %u ms", err,
		         m->w.backoff_ms);
	else if (skipped != UINT64_MAX)
		v2x_logf(m->cfg.log, V2X_LOG_WARN,
		         "%s; trying again in %u ms (%llu failed attempts not logged)", err,
		         m->w.backoff_ms, (unsigned long long)skipped);
	m->w.retry_at_ns = now + m->w.backoff_ms * NS_PER_MS;
	m->w.backoff_ms = m->w.backoff_ms >= m->cfg.backoff_max_ms / 2 ? m->cfg.backoff_max_ms
	                                                               : m->w.backoff_ms * 2;
}

/* One turn without a connection: expire queries, and try to connect when due. */
static void disconnected_turn(struct brk_mapsrc *m)
{
	uint64_t now = v2x_clock_mono_ns(), next = expire_pending(m, now);
	char err[1024];

	if (now < m->w.retry_at_ns) {
		wait_events(m, m->w.retry_at_ns - now < next ? m->w.retry_at_ns - now : next);
		return;
	}
	if (brk_mapsrc__connect(m, &m->w.pg, err, sizeof(err)) != 0) {
		connect_failed(m, err, now);
		return;
	}
	set_cancel(m, m->w.pg);
	v2x_logf(m->cfg.log, V2X_LOG_INFO, "map database connection back; checking the version");
	if (m->w.ever_lost)
		relaxed_inc(&m->wstats.reconnects);
	atomic_store(&m->wstats.connected, 1);
	m->w.backoff_ms = m->cfg.backoff_min_ms;
	m->w.check_due = true; /* a version may have been published meanwhile */
	notify_loop(m);
}

void *brk_mapsrc__worker_main(void *arg)
{
	struct brk_mapsrc *m = arg;
	char proj[sizeof(m->cur->meta.proj)];

	/* The first map cannot change before this thread posts another. */
	pthread_mutex_lock(&m->lock);
	memcpy(proj, m->cur->meta.proj, sizeof(proj));
	pthread_mutex_unlock(&m->lock);
	own_frame(m, proj);
	while (!brk_mapsrc__stopping(m)) {
		if (m->w.pg)
			connected_turn(m);
		else
			disconnected_turn(m);
	}
	set_cancel(m, NULL);
	PQfinish(m->w.pg);
	m->w.pg = NULL;
	map_frame_free(m->w.frame);
	m->w.frame = NULL;
	atomic_store(&m->wstats.connected, 0);
	return NULL;
}
