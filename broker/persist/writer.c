/*
 * The writer thread: takes batches from the ring, writes them to
 * PostgreSQL (or appends them to the spool), drains the spool when the
 * database is back, and reports to the loop thread.
 *
 * Order: rows leave the ring in the order they came, and while the spool
 * holds rows every new batch goes to the spool too, behind them.  So the
 * database sees an agent's rows in seq order, and "durable up to seq" is
 * simply the highest seq of each batch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/persist/persist_int.h"
#include "runtime/clock.h"

/* The figures reach the loop at least this often while anything happens. */
#define REPORT_NS UINT64_C(250000000)

static uint64_t now_ns(void)
{
	return v2x_clock_mono_ns();
}

static uint64_t ms_ns(uint32_t ms)
{
	return (uint64_t)ms * 1000000u;
}

void brk_persist__writer_fini(struct brk_persist__writer *w)
{
	if (w->pg)
		PQfinish(w->pg);
	w->pg = NULL;
	brk_persist__spool_close(w->spool);
	w->spool = NULL;
	brk_persist__batch_fini(&w->batch);
	free(w->recs);
	free(w->rec_t);
	free(w->acks);
	free(w->unsynced);
	w->recs = NULL;
	w->rec_t = NULL;
	w->acks = NULL;
	w->unsynced = NULL;
}

/* ---- reporting to the loop ------------------------------------------------ */

static void spool_figures(struct brk_persist__writer *w)
{
	struct brk_persist__spool_stats ss;

	brk_persist__spool_stats(w->spool, &ss);
	w->st.spool_records = ss.records;
	w->st.spool_bytes = ss.bytes;
	w->st.spool_segments = ss.segments;
	w->st.spool_dropped_segments = ss.dropped_segments;
	w->st.drops[BRK_PERSIST_DROP_SPOOL] = ss.dropped_records;
	w->st.fsyncs = ss.fsyncs;
	w->st.connected = w->pg != NULL;
}

/* Hands durable seqs (may be none) and the figures to the loop. */
static void report(struct brk_persist *p, const struct brk_persist__pair *acks, size_t n)
{
	struct brk_persist__mail *m = &p->mail;

	spool_figures(&p->w);
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < n; i++) {
		uint32_t idx = acks[i].idx;
		if (idx >= m->cap)
			continue;
		if (acks[i].seq > m->durable[idx])
			m->durable[idx] = acks[i].seq;
		if (!m->dirty[idx]) {
			m->dirty[idx] = true;
			m->dirty_list[m->n_dirty++] = idx;
		}
	}
	m->stats = p->w.st;
	pthread_mutex_unlock(&p->mu);
	p->w.last_report_ns = now_ns();
	uv_async_send(&p->async);
}

/* A list of agents' seqs read from agent_seq. */
struct known_list {
	struct brk_persist__known *v;
	size_t n;
	size_t cap;
};

static void known_seq(void *arg, const char *agent, uint64_t seq)
{
	struct known_list *l = arg;
	struct brk_persist__known *k;

	if (strlen(agent) > BRK_PERSIST_AGENT_MAX)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		k = realloc(l->v, cap * sizeof(*k));
		if (!k)
			return;
		l->v = k;
		l->cap = cap;
	}
	k = &l->v[l->n++];
	snprintf(k->id, sizeof(k->id), "%s", agent);
	k->seq = seq;
}

/* Hands the list to the loop (which frees it), after what it had not taken yet. */
static void post_known(struct brk_persist *p, struct known_list *l)
{
	struct brk_persist__mail *m = &p->mail;
	struct brk_persist__known *v;

	pthread_mutex_lock(&p->mu);
	if (!m->known) {
		m->known = l->v;
		m->n_known = l->n;
		m->cap_known = l->cap;
		l->v = NULL;
	} else if ((v = realloc(m->known, (m->n_known + l->n) * sizeof(*v)))) {
		memcpy(v + m->n_known, l->v, l->n * sizeof(*v));
		m->known = v;
		m->n_known += l->n;
		m->cap_known = m->n_known;
	}
	pthread_mutex_unlock(&p->mu);
	free(l->v);
}

/* ---- connection ------------------------------------------------------------ */

/* The agents' seqs the database has, for brk_persist_last_seq. */
static void read_known(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	struct known_list l = { NULL, 0, 0 };

	if (brk_persist__db_read_seqs(w->pg, known_seq, &l, w->err, sizeof(w->err)))
		v2x_logf(p->cfg.log, V2X_LOG_WARN, "persistence: %s", w->err);
	post_known(p, &l);
}

static void connected(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;

	w->st.connects++;
	if (w->had_conn)
		w->st.reconnects++;
	v2x_logf(p->cfg.log, V2X_LOG_INFO, "persistence: %s to the database",
	         w->had_conn ? "reconnected" : "connected");
	w->had_conn = true;
	w->failing = false;
	w->backoff_ms = p->cfg.reconnect_min_ms;
	read_known(p);
}

static void maybe_connect(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t now = now_ns();

	if (!p->conninfo[0] || w->pg || now < w->next_try_ns)
		return;
	if (brk_persist__db_connect(p->conninfo, p->cfg.log, &w->pg, w->err, sizeof(w->err))) {
		w->st.connect_failures++;
		/* Loud once per outage, then quiet: it retries every few seconds. */
		v2x_logf(p->cfg.log, w->failing ? V2X_LOG_DEBUG : V2X_LOG_WARN,
		         "persistence: no database (%s); rows go to the spool %s, retrying", w->err,
		         p->spool_dir);
		w->failing = true;
		w->next_try_ns = now + ms_ns(w->backoff_ms);
		w->backoff_ms = w->backoff_ms * 2 > p->cfg.reconnect_max_ms
		                        ? p->cfg.reconnect_max_ms
		                        : w->backoff_ms * 2;
		return;
	}
	connected(p);
	report(p, NULL, 0);
}

static void lost(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;

	v2x_logf(p->cfg.log, V2X_LOG_WARN,
	         "persistence: writing failed (%s); spooling to %s until the database is back",
	         w->err, p->spool_dir);
	w->st.commit_failures++;
	PQfinish(w->pg);
	w->pg = NULL;
	w->failing = true;
	w->backoff_ms = p->cfg.reconnect_min_ms;
	w->next_try_ns = now_ns() + ms_ns(w->backoff_ms);
}

/* ---- batches ------------------------------------------------------------------ */

static int grow_recs(struct brk_persist__writer *w)
{
	size_t cap = w->cap_recs ? w->cap_recs * 2 : 256;
	struct brk_persist__spool_rec *r = realloc(w->recs, cap * sizeof(*r));
	uint64_t *t;

	if (!r)
		return V2X_ENOMEM;
	w->recs = r;
	t = realloc(w->rec_t, cap * sizeof(*t));
	if (!t)
		return V2X_ENOMEM;
	w->rec_t = t;
	w->cap_recs = cap;
	return 0;
}

static int push_pair(struct brk_persist__pair **v, size_t *n, size_t *cap, uint32_t idx,
                     uint64_t seq)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].idx == idx) {
			if (seq > (*v)[i].seq)
				(*v)[i].seq = seq;
			return 0;
		}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct brk_persist__pair *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return V2X_ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = (struct brk_persist__pair){ idx, seq };
	return 0;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = 0;
	const char *e = s + n;

	while ((s = memchr(s, '\n', (size_t)(e - s)))) {
		lines++;
		s++;
	}
	return lines;
}

static int append_text(struct brk_persist__buf *b, const char *s, size_t n)
{
	if (brk_persist__buf_reserve(b, n))
		return V2X_ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* The agent_seq line of an observation or mark: "AGENT\tSEQ\n". */
static int seq_line(struct brk_persist__batch *b, const struct brk_persist__rec *rec)
{
	struct brk_persist__buf *buf = &b->copy[BRK_PERSIST_T_AGENT_SEQ];

	if (brk_persist__buf_reserve(buf, 3 * rec->agent_len + 32))
		return V2X_ENOMEM;
	buf->len += brk_persist__copy_text(buf->p + buf->len, buf->cap - buf->len, rec->agent,
	                                   rec->agent_len);
	buf->len += (size_t)snprintf(buf->p + buf->len, buf->cap - buf->len, "\t%" PRIu64 "\n",
	                             rec->seq);
	b->lines[BRK_PERSIST_T_AGENT_SEQ]++;
	return 0;
}

/* Adds the lines of one record to the batch. */
static int add_lines(struct brk_persist__batch *b, const uint8_t *payload, uint32_t len,
                     struct brk_persist__rec *rec)
{
	size_t off = 0, n;
	const char *text;
	uint8_t t;
	int rc = brk_persist__rec_parse(payload, len, rec);

	while (rc == 0 && (rc = brk_persist__rec_part(rec, &off, &t, &text, &n)) == 1) {
		rc = append_text(&b->copy[t], text, n);
		b->lines[t] += count_lines(text, n);
	}
	if (rc == 0 && rec->agent_len &&
	    (rec->kind == BRK_PERSIST__REC_OBS || rec->kind == BRK_PERSIST__REC_MARK))
		rc = seq_line(b, rec);
	return rc;
}

/*
 * Adds a record to the writer's batch: its lines, its place in recs, and
 * (for one from the ring) its agent's seq among the batch's acks.  A record
 * that does not parse is dropped, counted.
 */
static int batch_add(struct brk_persist *p, const uint8_t *payload, uint32_t len, uint64_t t_us,
                     bool ring)
{
	struct brk_persist__writer *w = &p->w;
	struct brk_persist__rec rec;
	int rc;

	if (w->n_recs == w->cap_recs && grow_recs(w))
		return V2X_ENOMEM;
	rc = add_lines(&w->batch, payload, len, &rec);
	if (rc == V2X_EMALFORMED) {
		w->st.drops[BRK_PERSIST_DROP_REJECTED]++;
		v2x_logf(p->cfg.log, V2X_LOG_ERROR, "persistence: a malformed record was dropped");
		return 0;
	}
	if (rc)
		return rc;
	w->recs[w->n_recs] = (struct brk_persist__spool_rec){ payload, len };
	w->rec_t[w->n_recs++] = t_us;
	if (ring && rec.agent_len && rec.agent_idx != BRK_PERSIST__NO_AGENT)
		return push_pair(&w->acks, &w->n_acks, &w->cap_acks, rec.agent_idx, rec.seq);
	return 0;
}

static void batch_clear(struct brk_persist__writer *w)
{
	brk_persist__batch_reset(&w->batch);
	w->n_recs = 0;
	w->n_acks = 0;
}

static void account(struct brk_persist__writer *w, const uint64_t written[BRK_PERSIST_T__COUNT])
{
	for (int t = 0; t < BRK_PERSIST_T__COUNT; t++) {
		w->st.rows_written[t] += written[t];
		if (t != BRK_PERSIST_T_AGENT_SEQ && w->batch.lines[t] > written[t])
			w->st.rows_present[t] += w->batch.lines[t] - written[t];
	}
	w->st.batches++;
}

/* Says which record the database refused alone. */
static void log_rejected(struct brk_persist *p, const struct brk_persist__spool_rec *r)
{
	struct brk_persist__rec rec = { 0 };

	brk_persist__rec_parse(r->payload, r->len, &rec);
	v2x_logf(p->cfg.log, V2X_LOG_ERROR,
	         "persistence: the database refused a row (kind %u, agent %.*s, seq %" PRIu64
	         "), dropped: %s",
	         (unsigned)rec.kind, (int)rec.agent_len, rec.agent ? rec.agent : "", rec.seq,
	         p->w.err);
}

/*
 * After the server refused a batch's data: each record in a transaction
 * of its own, so that one bad row costs only itself.  Returns 0, or V2X_EDB
 * when the connection went (some records may be in; writing them again
 * adds nothing).
 */
static int write_each(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t written[BRK_PERSIST_T__COUNT];
	struct brk_persist__rec rec;

	for (size_t i = 0; i < w->n_recs; i++) {
		int rc;
		brk_persist__batch_reset(&w->batch);
		if (add_lines(&w->batch, w->recs[i].payload, w->recs[i].len, &rec))
			continue;
		rc = brk_persist__db_write(w->pg, &w->batch, written, w->err, sizeof(w->err));
		if (rc == V2X_EMALFORMED) {
			w->st.drops[BRK_PERSIST_DROP_REJECTED]++;
			log_rejected(p, &w->recs[i]);
		} else if (rc) {
			lost(p);
			return V2X_EDB;
		} else {
			account(w, written);
		}
	}
	return 0;
}

/* Writes the batch.  Returns 0 when every record is handled, V2X_EDB when not. */
static int write_db(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t written[BRK_PERSIST_T__COUNT];
	int rc = brk_persist__db_write(w->pg, &w->batch, written, w->err, sizeof(w->err));

	if (rc == 0) {
		account(w, written);
		return 0;
	}
	if (rc == V2X_EMALFORMED) {
		w->st.commit_failures++;
		v2x_logf(p->cfg.log, V2X_LOG_WARN,
		         "persistence: the database refused a batch (%s); writing its rows one by "
		         "one",
		         w->err);
		return write_each(p);
	}
	lost(p);
	return V2X_EDB;
}

/* ---- the spool ----------------------------------------------------------------- */

/* The histogram of the batch's rows, from their row calls to now. */
static void ring_durable(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t now = now_ns() / 1000;

	for (size_t i = 0; i < w->n_recs; i++)
		v2x_hist_add(&w->st.durable, now > w->rec_t[i] ? now - w->rec_t[i] : 0);
}

/* Syncs the spool when due (or forced); what was waiting for it becomes durable. */
static void maybe_sync(struct brk_persist *p, bool force)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t now = now_ns();

	if (!brk_persist__spool_dirty(w->spool) && w->n_unsynced == 0)
		return;
	if (!force && now - w->last_sync_ns < ms_ns(p->cfg.fsync_interval_ms))
		return;
	if (brk_persist__spool_sync(w->spool)) {
		w->st.spool_errors++;
		return;
	}
	w->last_sync_ns = now;
	report(p, w->unsynced, w->n_unsynced);
	w->n_unsynced = 0;
}

/* Appends the batch to the spool.  Returns 0 or V2X_EIO. */
static int spool_batch(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;

	if (brk_persist__spool_append(w->spool, w->recs, w->n_recs)) {
		w->st.spool_errors++;
		return V2X_EIO;
	}
	w->st.spooled += w->n_recs;
	ring_durable(p);
	for (size_t i = 0; i < w->n_acks; i++)
		if (push_pair(&w->unsynced, &w->n_unsynced, &w->cap_unsynced, w->acks[i].idx,
		              w->acks[i].seq))
			return V2X_ENOMEM;
	maybe_sync(p, p->cfg.fsync == BRK_PERSIST_FSYNC_ALWAYS);
	return 0;
}

/* Loads the oldest segment for draining, unless it is loaded. */
static int load_view(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t oldest = brk_persist__spool_oldest(w->spool);
	int rc;

	if (w->view_loaded && w->view.id == oldest)
		return 1;
	w->view_loaded = false;
	rc = brk_persist__spool_load(w->spool, &w->view);
	if (rc < 0) {
		w->st.spool_errors++;
		brk_persist__spool_remove(w->spool, oldest, true);
		return 0;
	}
	w->view_loaded = rc == 1;
	w->view_committed = w->view.off;
	return rc;
}

/*
 * One batch from the oldest segment into the database; the segment goes
 * once all of its records are in.  A record that does not check ends the
 * segment, which is kept aside as NAME.damaged.
 */
static void drain_step(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	const uint8_t *payload;
	uint32_t len;
	size_t at;
	int r = 1;

	if (load_view(p) != 1)
		return;
	batch_clear(w);
	w->view.off = w->view_committed;
	while (w->n_recs < p->cfg.batch_max &&
	       (r = brk_persist__spool_next(&w->view, &payload, &len, &at)) == 1)
		if (batch_add(p, payload, len, 0, false))
			return;
	if (r < 0)
		v2x_logf(p->cfg.log, V2X_LOG_ERROR,
		         "spool %s/%s: damaged record at byte %zu; the rows after it are lost, the "
		         "file is kept as %s.damaged",
		         p->spool_dir, w->view.name, at, w->view.name);
	if (w->n_recs && write_db(p))
		return;
	brk_persist__spool_consumed(w->spool, w->n_recs);
	w->st.drained += w->n_recs;
	w->view_committed = w->view.off;
	if (r <= 0) {
		brk_persist__spool_remove(w->spool, w->view.id, r < 0);
		w->view_loaded = false;
	}
	report(p, NULL, 0);
}

/* ---- the ring ------------------------------------------------------------------ */

/* Whether a batch should leave the ring now. */
static bool ring_ready(struct brk_persist *p, bool stop)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t n = brk_persist__ring_count(&p->ring), now = now_ns();

	if (n == 0) {
		w->first_seen_ns = 0;
		return false;
	}
	if (w->first_seen_ns == 0)
		w->first_seen_ns = now;
	return stop || n >= p->cfg.batch_max || now - w->first_seen_ns >= ms_ns(p->cfg.flush_ms);
}

/*
 * Takes a batch from the ring and writes it: to the database when it is
 * there and the spool is empty, else to the spool.  Returns false when
 * neither took it (it stays in the ring, to be tried again).
 */
static bool flush_ring(struct brk_persist *p, bool stop)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t cursor = brk_persist__ring_tail(&p->ring);
	struct brk_persist__entry e;
	bool late = stop && now_ns() >= atomic_load(&p->close_deadline_ns);
	bool done = false;
	size_t taken = 0;

	batch_clear(w);
	while (taken < p->cfg.batch_max && brk_persist__ring_peek(&p->ring, &cursor, &e)) {
		taken++;
		if (batch_add(p, e.payload, e.len, e.t_us, true))
			return false;
	}
	/* The count is bumped just before the entry is published: none yet. */
	if (taken == 0)
		return true;
	if (w->pg && !brk_persist__spool_pending(w->spool) && !late && write_db(p) == 0) {
		done = true;
		ring_durable(p);
		report(p, w->acks, w->n_acks);
	}
	if (!done)
		done = spool_batch(p) == 0;
	if (!done && late) {
		w->st.drops[BRK_PERSIST_DROP_LOST] += taken;
		v2x_logf(p->cfg.log, V2X_LOG_ERROR,
		         "persistence: closing: %zu rows could go neither to the database nor to "
		         "the "
		         "spool, lost",
		         taken);
		done = true;
	}
	if (!done)
		return false;
	brk_persist__ring_release(&p->ring, cursor, taken);
	return true;
}

/* ---- the loop ------------------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Sleeps until the next thing to do, or a wake from the loop thread. */
static void sleep_until_due(struct brk_persist *p, uint64_t limit_ns)
{
	struct brk_persist__writer *w = &p->w;
	uint64_t now = now_ns(), due = now + min_u64(limit_ns, REPORT_NS);
	struct timespec ts;

	if (w->first_seen_ns)
		due = min_u64(due, w->first_seen_ns + ms_ns(p->cfg.flush_ms));
	if (p->conninfo[0] && !w->pg)
		due = min_u64(due, w->next_try_ns);
	if (brk_persist__spool_dirty(w->spool) || w->n_unsynced)
		due = min_u64(due, w->last_sync_ns + ms_ns(p->cfg.fsync_interval_ms));
	if (due <= now)
		return;
	ts.tv_sec = (time_t)(due / 1000000000u);
	ts.tv_nsec = (long)(due % 1000000000u);
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->sleeping, true);
	if (!atomic_load(&p->stop) && brk_persist__ring_count(&p->ring) < p->cfg.batch_max)
		pthread_cond_timedwait(&p->wake, &p->mu, &ts);
	atomic_store(&p->sleeping, false);
	pthread_mutex_unlock(&p->mu);
}

static void first_attempt(struct brk_persist *p)
{
	p->w.backoff_ms = p->cfg.reconnect_min_ms;
	maybe_connect(p);
	report(p, NULL, 0);
	pthread_mutex_lock(&p->mu);
	p->mail.opened = true;
	pthread_cond_signal(&p->opened);
	pthread_mutex_unlock(&p->mu);
}

/* One turn: connect, sync, drain, flush.  Returns false when it is time to end. */
static bool turn(struct brk_persist *p)
{
	struct brk_persist__writer *w = &p->w;
	bool stop = atomic_load(&p->stop), draining;

	/* Closing tries no new connection: the close is bounded. */
	if (!stop)
		maybe_connect(p);
	maybe_sync(p, false);
	/* Closing leaves the spool to the next start: the close is bounded. */
	draining = !stop && w->pg && brk_persist__spool_pending(w->spool);
	if (draining)
		drain_step(p);
	if (ring_ready(p, stop)) {
		if (!flush_ring(p, stop))
			sleep_until_due(p, ms_ns(p->cfg.reconnect_min_ms));
		return true;
	}
	if (stop)
		return false;
	if (!draining)
		sleep_until_due(p, REPORT_NS);
	if (now_ns() - w->last_report_ns >= REPORT_NS)
		report(p, NULL, 0);
	return true;
}

void *brk_persist__writer_main(void *arg)
{
	struct brk_persist *p = arg;

	first_attempt(p);
	while (turn(p))
		;
	maybe_sync(p, true);
	report(p, NULL, 0);
	return NULL;
}
