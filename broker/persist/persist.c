#include "broker/persist/persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/persist/persist_int.h"
#include "runtime/clock.h"

/* ---- names and defaults --------------------------------------------------- */

const char *brk_persist_table_name(enum brk_persist_table t)
{
	static const char *const names[BRK_PERSIST_T__COUNT] = {
		"observations", "map_messages", "spat_history", "warnings", "hazards", "agent_seq",
	};

	return (unsigned)t < BRK_PERSIST_T__COUNT ? names[t] : "unknown";
}

const char *brk_persist_drop_name(enum brk_persist_drop d)
{
	static const char *const names[BRK_PERSIST_DROP__COUNT] = {
		"queue_full", "held", "too_big", "invalid", "closed", "rejected", "spool", "lost",
	};

	return (unsigned)d < BRK_PERSIST_DROP__COUNT ? names[d] : "unknown";
}

void brk_persist_config_default(struct brk_persist_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_bytes = 16u << 20;
	cfg->row_max = 256u << 10;
	cfg->batch_max = 500;
	cfg->flush_ms = 50;
	cfg->spool_bytes = (size_t)1 << 30;
	cfg->segment_bytes = 4u << 20;
	cfg->fsync = BRK_PERSIST_FSYNC_ALWAYS;
	cfg->fsync_interval_ms = 200;
	cfg->open_timeout_ms = 5000;
	cfg->close_timeout_ms = 10000;
	cfg->reconnect_min_ms = 100;
	cfg->reconnect_max_ms = 5000;
}

static uint64_t mono_us(void)
{
	return v2x_clock_mono_ns() / 1000;
}

/* ---- the agent table (loop thread) ---------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot of agent id: its entry (*idx), or the empty slot it would take. */
static size_t find_slot(const struct brk_persist *p, const char *id, uint32_t *idx)
{
	size_t mask = p->n_slots - 1, i = hash_str(id) & mask;

	*idx = UINT32_MAX;
	while (p->slots[i]) {
		if (strcmp(p->agents[p->slots[i] - 1].id, id) == 0) {
			*idx = p->slots[i] - 1;
			break;
		}
		i = (i + 1) & mask;
	}
	return i;
}

static int rehash(struct brk_persist *p, size_t n_slots)
{
	uint32_t *old = p->slots, idx;
	size_t old_n = p->n_slots;

	p->slots = calloc(n_slots, sizeof(*p->slots));
	if (!p->slots) {
		p->slots = old;
		return V2X_ENOMEM;
	}
	p->n_slots = n_slots;
	for (size_t i = 0; i < old_n; i++)
		if (old[i])
			p->slots[find_slot(p, p->agents[old[i] - 1].id, &idx)] = old[i];
	free(old);
	return 0;
}

/* Grows the mail's arrays to cap, under the mutex: the writer reads them. */
static int grow_mail(struct brk_persist *p, size_t cap)
{
	struct brk_persist__mail *m = &p->mail;
	uint64_t *durable;
	bool *dirty;
	uint32_t *list;
	int rc = V2X_ENOMEM;

	pthread_mutex_lock(&p->mu);
	durable = realloc(m->durable, cap * sizeof(*durable));
	if (durable)
		m->durable = durable;
	dirty = realloc(m->dirty, cap * sizeof(*dirty));
	if (dirty)
		m->dirty = dirty;
	list = realloc(m->dirty_list, cap * sizeof(*list));
	if (list)
		m->dirty_list = list;
	if (durable && dirty && list) {
		memset(m->durable + m->cap, 0, (cap - m->cap) * sizeof(*durable));
		memset(m->dirty + m->cap, 0, (cap - m->cap) * sizeof(*dirty));
		m->cap = cap;
		rc = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int grow_agents(struct brk_persist *p)
{
	size_t cap = p->cap_agents ? p->cap_agents * 2 : 64;
	struct brk_persist__agent *a = realloc(p->agents, cap * sizeof(*a));
	struct brk_persist__pair *inbox;

	if (!a)
		return V2X_ENOMEM;
	p->agents = a;
	inbox = realloc(p->inbox, cap * sizeof(*inbox));
	if (!inbox)
		return V2X_ENOMEM;
	p->inbox = inbox;
	if (grow_mail(p, cap))
		return V2X_ENOMEM;
	p->cap_agents = cap;
	return rehash(p, cap * 2);
}

/*
 * The index of agent id, added when new (allocating only then).  Returns
 * the index, or -1 (out of memory).
 */
static int64_t agent_index(struct brk_persist *p, const char *id)
{
	uint32_t idx = UINT32_MAX;
	size_t slot;

	if (p->n_slots)
		find_slot(p, id, &idx);
	if (idx != UINT32_MAX)
		return idx;
	if (p->n_agents == p->cap_agents && grow_agents(p))
		return -1;
	slot = find_slot(p, id, &idx);
	idx = (uint32_t)p->n_agents++;
	memset(&p->agents[idx], 0, sizeof(p->agents[idx]));
	snprintf(p->agents[idx].id, sizeof(p->agents[idx].id), "%s", id);
	p->slots[slot] = idx + 1;
	return idx;
}

/* What is known durable of agent id (from the database or the spool). */
static void agent_merge(struct brk_persist *p, const char *id, uint64_t seq)
{
	int64_t idx = agent_index(p, id);

	if (idx < 0)
		return;
	if (!p->agents[idx].known || seq > p->agents[idx].last_seq)
		p->agents[idx].last_seq = seq;
	p->agents[idx].known = true;
}

/* At open: each spooled observation or mark raises its agent's last seq. */
static void spool_seen(void *arg, const uint8_t *payload, uint32_t len)
{
	struct brk_persist__rec rec;
	char id[BRK_PERSIST_AGENT_MAX + 1];

	if (brk_persist__rec_parse(payload, len, &rec) || rec.agent_len == 0 ||
	    rec.agent_len > BRK_PERSIST_AGENT_MAX ||
	    (rec.kind != BRK_PERSIST__REC_OBS && rec.kind != BRK_PERSIST__REC_MARK))
		return;
	memcpy(id, rec.agent, rec.agent_len);
	id[rec.agent_len] = '\0';
	agent_merge(arg, id, rec.seq);
}

/* ---- what the writer tells (loop thread) ----------------------------------- */

static void refresh_view(struct brk_persist *p, const struct brk_persist_stats *w)
{
	struct brk_persist_stats *v = &p->view;
	uint64_t t;

	*v = *w;
	v->rows_in = p->rows_in;
	for (int i = 0; i < BRK_PERSIST_DROP__COUNT; i++)
		v->drops[i] = w->drops[i] + p->drops[i];
	v->queue_rows = brk_persist__ring_count(&p->ring);
	v->queue_bytes = brk_persist__ring_bytes(&p->ring);
	v->queue_capacity = p->ring.cap;
	v->durable_lag_us = brk_persist__ring_oldest(&p->ring, &t) ? mono_us() - t : 0;
}

/* Sends the reports of one wakeup: at most one per agent. */
static void deliver(struct brk_persist *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct brk_persist__agent *a = &p->agents[p->inbox[i].idx];
		uint64_t seq = p->inbox[i].seq;
		if (a->hold && seq >= a->hold)
			seq = a->hold - 1;
		if (seq <= a->reported)
			continue;
		a->reported = seq;
		if (!a->known || seq > a->last_seq)
			a->last_seq = seq;
		a->known = true;
		if (p->cfg.on_durable)
			p->cfg.on_durable(p->cfg.arg, a->id, seq);
	}
}

/*
 * Takes the writer's news out of the mail, then acts on them unlocked.
 * Called again from inside on_durable (brk_persist_stats), it refreshes
 * the figures only: the news stay in the mail for the next wakeup, so that
 * the reports being sent are not overwritten.
 */
static void collect(struct brk_persist *p)
{
	struct brk_persist__mail *m = &p->mail;
	struct brk_persist__known *known;
	struct brk_persist_stats ws;
	size_t n = 0, n_known;

	if (p->delivering) {
		pthread_mutex_lock(&p->mu);
		ws = m->stats;
		pthread_mutex_unlock(&p->mu);
		refresh_view(p, &ws);
		return;
	}
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < m->n_dirty; i++) {
		uint32_t idx = m->dirty_list[i];
		p->inbox[n++] = (struct brk_persist__pair){ idx, m->durable[idx] };
		m->dirty[idx] = false;
	}
	m->n_dirty = 0;
	ws = m->stats;
	known = m->known;
	n_known = m->n_known;
	m->known = NULL;
	m->n_known = m->cap_known = 0;
	pthread_mutex_unlock(&p->mu);

	for (size_t i = 0; i < n_known; i++)
		agent_merge(p, known[i].id, known[i].seq);
	free(known);
	refresh_view(p, &ws);
	p->delivering = true;
	deliver(p, n);
	p->delivering = false;
}

static void on_async(uv_async_t *h)
{
	collect(h->data);
}

/* ---- rows (loop thread) ----------------------------------------------------- */

static int drop(struct brk_persist *p, enum brk_persist_drop cause, int rc)
{
	p->drops[cause]++;
	return rc;
}

static enum brk_persist_drop drop_cause(int rc)
{
	switch (rc) {
	case V2X_ETOO_BIG:
		return BRK_PERSIST_DROP_TOO_BIG;
	default:
		return BRK_PERSIST_DROP_INVALID;
	}
}

/* Wakes the writer when a batch is full; a lost wake costs at most flush_ms. */
static void nudge(struct brk_persist *p)
{
	if (atomic_load_explicit(&p->sleeping, memory_order_relaxed) &&
	    brk_persist__ring_count(&p->ring) >= p->cfg.batch_max)
		pthread_cond_signal(&p->wake);
}

/* Queues the formatted record; the rules of a held agent (persist.h). */
static int enqueue(struct brk_persist *p, struct brk_persist__agent *a, uint64_t seq)
{
	int rc;

	if (a && a->hold && seq > a->hold)
		return drop(p, BRK_PERSIST_DROP_HELD, V2X_EFULL);
	rc = brk_persist__ring_push(&p->ring, p->fmt.buf, p->fmt.len, mono_us());
	if (rc < 0)
		return drop(p, BRK_PERSIST_DROP_TOO_BIG, V2X_ETOO_BIG);
	if (rc > 0) {
		if (a && (!a->hold || seq < a->hold))
			a->hold = seq;
		return drop(p, BRK_PERSIST_DROP_QUEUE_FULL, V2X_EFULL);
	}
	if (a && a->hold && seq <= a->hold)
		a->hold = 0;
	p->rows_in++;
	nudge(p);
	return 0;
}

/* The agent of a row, or a failure to return. */
static int agent_of(struct brk_persist *p, const char *id, struct brk_persist__agent **a,
                    uint32_t *idx)
{
	int64_t i;

	if (p->closing)
		return drop(p, BRK_PERSIST_DROP_CLOSED, V2X_EEOF);
	if (!id || !id[0] || strlen(id) > BRK_PERSIST_AGENT_MAX)
		return drop(p, BRK_PERSIST_DROP_INVALID, V2X_EINVAL);
	i = agent_index(p, id);
	if (i < 0)
		return drop(p, BRK_PERSIST_DROP_INVALID, V2X_ENOMEM);
	*idx = (uint32_t)i;
	*a = &p->agents[i];
	return 0;
}

int brk_persist_observation(struct brk_persist *p, const struct brk_persist_obs *row)
{
	struct brk_persist__agent *a;
	uint32_t idx;
	int rc = agent_of(p, row->agent_id, &a, &idx);

	if (rc)
		return rc;
	rc = brk_persist__fmt_obs(&p->fmt, row, idx, p->cfg.store_json, p->cfg.store_uper);
	if (rc)
		return drop(p, drop_cause(rc), rc);
	return enqueue(p, a, row->seq);
}

int brk_persist_mark(struct brk_persist *p, const char *agent_id, uint64_t seq)
{
	struct brk_persist__agent *a;
	uint32_t idx;
	int rc = agent_of(p, agent_id, &a, &idx);

	if (rc)
		return rc;
	rc = brk_persist__fmt_mark(&p->fmt, agent_id, idx, seq);
	if (rc)
		return drop(p, drop_cause(rc), rc);
	return enqueue(p, a, seq);
}

/* A row with no agent: warnings and hazards. */
static int enqueue_plain(struct brk_persist *p, int fmt_rc)
{
	if (fmt_rc)
		return drop(p, drop_cause(fmt_rc), fmt_rc);
	return enqueue(p, NULL, 0);
}

int brk_persist_warning(struct brk_persist *p, const V2x__Wire__Warning *w,
                        enum brk_persist_wevent ev)
{
	if (p->closing)
		return drop(p, BRK_PERSIST_DROP_CLOSED, V2X_EEOF);
	return enqueue_plain(p, brk_persist__fmt_warning(&p->fmt, p->run_id, w, ev));
}

int brk_persist_cancel(struct brk_persist *p, uint64_t warning_id, uint32_t revision,
                       uint32_t reason, int64_t time_us, bool expired)
{
	if (p->closing)
		return drop(p, BRK_PERSIST_DROP_CLOSED, V2X_EEOF);
	return enqueue_plain(p, brk_persist__fmt_cancel(&p->fmt, p->run_id, warning_id, revision,
	                                                reason, time_us, expired));
}

int brk_persist_hazard(struct brk_persist *p, const struct brk_persist_hazard *h)
{
	if (p->closing)
		return drop(p, BRK_PERSIST_DROP_CLOSED, V2X_EEOF);
	return enqueue_plain(p, brk_persist__fmt_hazard(&p->fmt, p->run_id, h));
}

int brk_persist_last_seq(const struct brk_persist *p, const char *agent_id, uint64_t *seq)
{
	uint32_t idx = UINT32_MAX;

	*seq = 0;
	if (agent_id && p->n_slots)
		find_slot(p, agent_id, &idx);
	if (idx == UINT32_MAX || !p->agents[idx].known)
		return V2X_ENOTFOUND;
	*seq = p->agents[idx].last_seq;
	return 0;
}

uint64_t brk_persist_run_id(const struct brk_persist *p)
{
	return p->run_id;
}

void brk_persist_stats(struct brk_persist *p, struct brk_persist_stats *out)
{
	collect(p);
	*out = p->view;
}

/* ---- metrics ------------------------------------------------------------------ */

#define ST(f) offsetof(struct brk_persist_stats, f)

static const char *table_label(size_t i)
{
	return brk_persist_table_name((enum brk_persist_table)i);
}

static const char *drop_label(size_t i)
{
	return brk_persist_drop_name((enum brk_persist_drop)i);
}

static const struct v2x_metric persist_metrics[] = {
	{ .name = "v2x_broker_persist_rows_total",
	  .help = "rows accepted for the database",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(rows_in) },
	{ .name = "v2x_broker_persist_queue_rows",
	  .help = "rows queued, not yet durable",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(queue_rows) },
	{ .name = "v2x_broker_persist_queue_bytes",
	  .help = "bytes of the queue in use",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(queue_bytes) },
	{ .name = "v2x_broker_persist_queue_capacity_bytes",
	  .help = "size of the queue",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(queue_capacity) },
	{ .name = "v2x_broker_persist_spool_rows",
	  .help = "rows in the spool, not yet in the database",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(spool_records) },
	{ .name = "v2x_broker_persist_spool_bytes",
	  .help = "bytes of the spool's files",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(spool_bytes) },
	{ .name = "v2x_broker_persist_spool_segments",
	  .help = "files of the spool",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(spool_segments) },
	{ .name = "v2x_broker_persist_spooled_total",
	  .help = "rows appended to the spool",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(spooled) },
	{ .name = "v2x_broker_persist_drained_total",
	  .help = "spooled rows committed",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(drained) },
	{ .name = "v2x_broker_persist_spool_dropped_segments_total",
	  .help = "spool files dropped: spool full, or damaged",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(spool_dropped_segments) },
	{ .name = "v2x_broker_persist_spool_errors_total",
	  .help = "spool writes, syncs or reads that failed",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(spool_errors) },
	{ .name = "v2x_broker_persist_fsyncs_total",
	  .help = "fsyncs of the spool",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(fsyncs) },
	{ .name = "v2x_broker_persist_written_total",
	  .help = "rows inserted, by table",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(rows_written),
	  .count = BRK_PERSIST_T__COUNT,
	  .label = "table",
	  .label_value = table_label },
	{ .name = "v2x_broker_persist_present_total",
	  .help = "rows written again that the table had already, by table",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(rows_present),
	  .count = BRK_PERSIST_T__COUNT,
	  .label = "table",
	  .label_value = table_label },
	{ .name = "v2x_broker_persist_batches_total",
	  .help = "transactions committed",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(batches) },
	{ .name = "v2x_broker_persist_commit_failures_total",
	  .help = "transactions that failed",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(commit_failures) },
	{ .name = "v2x_broker_persist_connects_total",
	  .help = "connections made",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(connects) },
	{ .name = "v2x_broker_persist_connect_failures_total",
	  .help = "connection attempts that failed",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(connect_failures) },
	{ .name = "v2x_broker_persist_reconnects_total",
	  .help = "connections made after one was lost",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(reconnects) },
	{ .name = "v2x_broker_persist_connected",
	  .help = "1 while the writer has a connection",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(connected) },
	{ .name = "v2x_broker_persist_drops_total",
	  .help = "rows not written, by cause",
	  .type = V2X_METRIC_COUNTER,
	  .offset = ST(drops),
	  .count = BRK_PERSIST_DROP__COUNT,
	  .label = "cause",
	  .label_value = drop_label },
	{ .name = "v2x_broker_persist_durable_lag_us",
	  .help = "age of the oldest row not yet durable, us",
	  .type = V2X_METRIC_GAUGE,
	  .offset = ST(durable_lag_us) },
	{ .name = "v2x_broker_persist_durable_seconds",
	  .help = "from the row call to its commit or spool append",
	  .type = V2X_METRIC_HISTOGRAM,
	  .field = V2X_METRIC_HIST,
	  .offset = ST(durable) },
	V2X_METRIC_END,
};

int brk_persist_metrics_add(struct brk_persist *p, struct v2x_metrics *m,
                            const struct v2x_metric_label *labels, size_t n_labels, char *err,
                            size_t errlen)
{
	return v2x_metrics_add(m, persist_metrics, &p->view, labels, n_labels, err, errlen);
}

/* ---- open and close --------------------------------------------------------- */

static int check_config(const struct brk_persist_config *c, char *err, size_t errlen)
{
	const char *what = NULL;

	if (!c->spool_dir || !c->spool_dir[0])
		what = "spool_dir is required";
	else if (c->batch_max == 0 || c->flush_ms == 0)
		what = "batch_max and flush_ms must be above 0";
	else if (c->row_max < 1024 || c->queue_bytes < 4 * c->row_max)
		what = "row_max must be at least 1024 and queue_bytes at least 4 * row_max";
	else if (c->spool_bytes < 2 * c->segment_bytes || c->segment_bytes < 4096)
		what = "segment_bytes must be at least 4096 and spool_bytes at least twice that";
	else if (c->fsync != BRK_PERSIST_FSYNC_ALWAYS && c->fsync != BRK_PERSIST_FSYNC_INTERVAL)
		what = "fsync must be always or interval";
	else if (c->reconnect_min_ms == 0 || c->reconnect_max_ms < c->reconnect_min_ms)
		what = "reconnect_min_ms must be above 0 and at most reconnect_max_ms";
	else if (c->run_id > INT64_MAX)
		what = "run_id must be at most 2^63-1";
	if (what)
		snprintf(err, errlen, "persistence: %s", what);
	return what ? V2X_EINVAL : 0;
}

static int init_sync(struct brk_persist *p)
{
	pthread_condattr_t ca;
	int rc = pthread_condattr_init(&ca);

	if (rc == 0)
		rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&p->wake, &ca);
	if (rc == 0 && (rc = pthread_cond_init(&p->opened, &ca)) != 0)
		pthread_cond_destroy(&p->wake);
	if (rc == 0 && (rc = pthread_mutex_init(&p->mu, NULL)) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_cond_destroy(&p->opened);
	}
	pthread_condattr_destroy(&ca);
	return rc ? V2X_ESYS : 0;
}

static void free_all(struct brk_persist *p)
{
	brk_persist__writer_fini(&p->w);
	brk_persist__ring_fini(&p->ring);
	brk_persist__fmt_fini(&p->fmt);
	free(p->agents);
	free(p->slots);
	free(p->inbox);
	free(p->mail.durable);
	free(p->mail.dirty);
	free(p->mail.dirty_list);
	free(p->mail.known);
	free(p->conninfo);
	free(p->spool_dir);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->opened);
	free(p);
}

static void on_closed(uv_handle_t *h)
{
	free_all(h->data);
}

/* The parts of open that touch neither the loop nor threads. */
static int open_parts(struct brk_persist *p, const struct brk_persist_config *cfg, char *err,
                      size_t errlen)
{
	int rc;

	p->cfg = *cfg;
	p->conninfo = strdup(cfg->conninfo ? cfg->conninfo : "");
	p->spool_dir = strdup(cfg->spool_dir);
	if (!p->conninfo || !p->spool_dir)
		return V2X_ENOMEM;
	p->cfg.conninfo = p->conninfo;
	p->cfg.spool_dir = p->spool_dir;
	p->run_id = cfg->run_id ? cfg->run_id : (uint64_t)v2x_clock_wall_us();
	if ((rc = brk_persist__ring_init(&p->ring, cfg->queue_bytes)) ||
	    (rc = brk_persist__fmt_init(&p->fmt, cfg->row_max)) || (rc = grow_agents(p)))
		return rc;
	return brk_persist__spool_open(p->spool_dir, cfg->spool_bytes, cfg->segment_bytes, cfg->log,
	                               spool_seen, p, &p->w.spool, err, errlen);
}

/* Waits (bounded) for the writer's first connection attempt. */
static void wait_opened(struct brk_persist *p)
{
	struct timespec ts;
	uint64_t ns = v2x_clock_mono_ns() + (uint64_t)p->cfg.open_timeout_ms * 1000000u;
	bool opened;

	ts.tv_sec = (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	pthread_mutex_lock(&p->mu);
	while (!p->mail.opened && pthread_cond_timedwait(&p->opened, &p->mu, &ts) != ETIMEDOUT)
		;
	opened = p->mail.opened;
	pthread_mutex_unlock(&p->mu);
	if (!opened)
		v2x_logf(p->cfg.log, V2X_LOG_WARN,
		         "persistence: no database within %u ms; going on with the spool (agents' "
		         "last seqs come from the spool until it answers)",
		         p->cfg.open_timeout_ms);
	collect(p);
}

int brk_persist_new(uv_loop_t *loop, const struct brk_persist_config *cfg, struct brk_persist **out,
                    char *err, size_t errlen)
{
	struct brk_persist *p;
	int rc;

	*out = NULL;
	if ((rc = check_config(cfg, err, errlen)))
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p || init_sync(p)) {
		free(p);
		snprintf(err, errlen, "persistence: out of memory or threads");
		return V2X_ENOMEM;
	}
	p->loop = loop;
	if (err && errlen)
		err[0] = '\0';
	rc = open_parts(p, cfg, err, errlen);
	if (rc && err && errlen && !err[0])
		snprintf(err, errlen, "persistence: %s", v2x_strerror(rc));
	if (rc == 0 && (rc = uv_async_init(loop, &p->async, on_async)) != 0) {
		snprintf(err, errlen, "persistence: uv_async_init: %s", uv_strerror(rc));
		rc = V2X_ESYS;
	}
	if (rc) {
		free_all(p);
		return rc;
	}
	p->async.data = p;
	if (pthread_create(&p->thread, NULL, brk_persist__writer_main, p) != 0) {
		snprintf(err, errlen, "persistence: cannot start the writer thread: %s",
		         strerror(errno));
		uv_close((uv_handle_t *)&p->async, on_closed);
		return V2X_ESYS;
	}
	p->thread_started = true;
	wait_opened(p);
	*out = p;
	return 0;
}

void brk_persist_close(struct brk_persist *p)
{
	if (!p)
		return;
	p->closing = true;
	atomic_store(&p->close_deadline_ns,
	             v2x_clock_mono_ns() + (uint64_t)p->cfg.close_timeout_ms * 1000000u);
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, true);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->mu);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	collect(p);
	uv_close((uv_handle_t *)&p->async, on_closed);
}
