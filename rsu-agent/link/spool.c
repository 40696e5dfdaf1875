/*
 * spool: appending, flushing, syncing, forgetting and reading back the
 * agent's write-ahead log.  The format is described in spool.h; opening
 * an existing spool is in spool_open.c.
 */
#include "rsu-agent/link/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rsu-agent/link/spool_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

const char *const agent_spool_fsync_names[] = { "none", "interval", "always", NULL };

int agent_spool__fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

void agent_spool__put_hdr(uint8_t *p, const struct agent_spool__hdr *h)
{
	put_u32(p, h->magic);
	put_u32(p + 4, h->len);
	put_u32(p + 8, h->crc);
	put_u32(p + 12, h->flags);
	put_u64(p + 16, h->seq);
	put_u64(p + 24, (uint64_t)h->rx_time_us);
	put_u32(p + 32, h->replayed_off);
	put_u32(p + 36, h->record_only_off);
}

void agent_spool__get_hdr(const uint8_t *p, struct agent_spool__hdr *h)
{
	h->magic = get_u32(p);
	h->len = get_u32(p + 4);
	h->crc = get_u32(p + 8);
	h->flags = get_u32(p + 12);
	h->seq = get_u64(p + 16);
	h->rx_time_us = (int64_t)get_u64(p + 24);
	h->replayed_off = get_u32(p + 32);
	h->record_only_off = get_u32(p + 36);
}

uint32_t agent_spool__crc(const uint8_t *hdr, const uint8_t *frame, uint32_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, hdr + 12, AGENT_SPOOL_REC_HEADER - 12);
	return (uint32_t)crc32(crc, frame, len);
}

void agent_spool__seg_name(char *buf, uint64_t first_seq)
{
	snprintf(buf, SPOOL_NAME_LEN, "%020" PRIu64 ".seg", first_seq);
}

/* Makes the directory entries made or removed so far survive a power loss. */
static void sync_dir(struct agent_spool *s)
{
	if (s->cfg.fsync != AGENT_SPOOL_FSYNC_NONE)
		fsync(s->dirfd);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return v2x_err_from_errno(errno);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int agent_spool__write_state(struct agent_spool *s)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf),
	                 "v2x-spool-state %u\nnext_seq %" PRIu64 "\nacked_seq %" PRIu64 "\n",
	                 SPOOL_VERSION, s->next_seq, s->acked);
	int fd = openat(s->dirfd, SPOOL_STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc =
	        fd < 0 ? v2x_err_from_errno(errno) : write_all(fd, (const uint8_t *)buf, (size_t)n);

	/* The state is written rarely (a seq reserved, the spool closed, the
	 * newest segment deleted) and guards against reusing a seq, so it is
	 * synced whatever the policy. */
	if (rc == 0 && fdatasync(fd) != 0)
		rc = v2x_err_from_errno(errno);
	if (fd >= 0)
		close(fd);
	if (rc == 0 && renameat(s->dirfd, SPOOL_STATE_TMP, s->dirfd, SPOOL_STATE) != 0)
		rc = v2x_err_from_errno(errno);
	if (rc == 0)
		fsync(s->dirfd);
	else
		v2x_logf(s->cfg.log, V2X_LOG_ERROR, "spool %s: cannot write the state file: %s",
		         s->dir, strerror(errno));
	return rc;
}

int agent_spool__open_current(struct agent_spool *s)
{
	char name[SPOOL_NAME_LEN];

	agent_spool__seg_name(name, s->segs[s->n_segs - 1].first_seq);
	s->fd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	return s->fd < 0 ? v2x_err_from_errno(errno) : 0;
}

/* Unacknowledged records of segment g and their bytes on disk. */
static uint64_t unacked_records(const struct agent_spool *s, const struct agent_spool__seg *g)
{
	uint64_t from = s->acked >= g->first_seq ? s->acked + 1 : g->first_seq;

	return g->last_seq >= from ? g->last_seq - from + 1 : 0;
}

/*
 * Bytes of the unacknowledged records of g.  Only a segment that is
 * partly acknowledged needs its record headers read, and only when it is
 * dropped for room, which happens once per segment's worth of appends.
 */
static uint64_t unacked_bytes(const struct agent_spool *s, const struct agent_spool__seg *g)
{
	uint8_t h[AGENT_SPOOL_REC_HEADER];
	char name[SPOOL_NAME_LEN];
	uint64_t off = SPOOL_SEG_HEADER;
	int fd;

	if (s->acked < g->first_seq)
		return g->bytes - SPOOL_SEG_HEADER;
	agent_spool__seg_name(name, g->first_seq);
	fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && off < g->bytes &&
	       pread(fd, h, sizeof(h), (off_t)off) == (ssize_t)sizeof(h) &&
	       get_u64(h + 16) <= s->acked)
		off += AGENT_SPOOL_REC_HEADER + get_u32(h + 4);
	if (fd >= 0)
		close(fd);
	return off < g->bytes ? g->bytes - off : 0;
}

int agent_spool__delete_seg(struct agent_spool *s, size_t i)
{
	char name[SPOOL_NAME_LEN];
	int rc;

	/* The newest seq leaves the disk with this segment: the state file
	 * must hold it first, or a restart could hand it out again. */
	if (s->segs[i].last_seq + 1 >= s->next_seq && (rc = agent_spool__write_state(s)) != 0)
		return rc;
	if (i + 1 == s->n_segs && s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	agent_spool__seg_name(name, s->segs[i].first_seq);
	if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT) {
		v2x_logf(s->cfg.log, V2X_LOG_ERROR, "spool %s/%s: cannot delete: %s", s->dir, name,
		         strerror(errno));
		return v2x_err_from_errno(errno);
	}
	s->disk_bytes -= s->segs[i].bytes;
	memmove(&s->segs[i], &s->segs[i + 1], (s->n_segs - i - 1) * sizeof(*s->segs));
	s->n_segs--;
	sync_dir(s);
	return 0;
}

/* Drops the oldest segment for room, counting what was not acknowledged. */
static int drop_oldest(struct agent_spool *s)
{
	const struct agent_spool__seg *g = &s->segs[0];
	uint64_t records = unacked_records(s, g), bytes = records ? unacked_bytes(s, g) : 0;
	int rc = agent_spool__delete_seg(s, 0);

	if (rc != 0)
		return rc;
	s->st.dropped_records += records;
	s->st.dropped_bytes += bytes;
	if (records)
		v2x_logf(s->cfg.log, V2X_LOG_WARN,
		         "spool %s full: dropped %" PRIu64 " unacknowledged records (%" PRIu64
		         " bytes), %" PRIu64 " in all",
		         s->dir, records, bytes, s->st.dropped_records);
	return 0;
}

static uint64_t total_bytes(const struct agent_spool *s)
{
	return s->disk_bytes + s->pend_len;
}

static int sync_current(struct agent_spool *s)
{
	if (!s->unsynced || s->fd < 0)
		return 0;
	s->st.syncs++;
	if (fdatasync(s->fd) != 0) {
		v2x_logf(s->cfg.log, V2X_LOG_ERROR, "spool %s: fdatasync: %s", s->dir,
		         strerror(errno));
		return V2X_EIO;
	}
	s->unsynced = false;
	return 0;
}

int agent_spool_sync(struct agent_spool *s)
{
	return sync_current(s);
}

int agent_spool_sync_due(struct agent_spool *s)
{
	uint64_t age;

	if (s->cfg.fsync != AGENT_SPOOL_FSYNC_INTERVAL || !s->unsynced)
		return 0;
	age = v2x_clock_mono_ns() - s->unsynced_since_ns;
	return age >= (uint64_t)s->cfg.fsync_interval_ms * 1000000u ? sync_current(s) : 0;
}

/* Closes the current segment to appends (synced first, unless NONE). */
static void seal(struct agent_spool *s)
{
	if (s->cfg.fsync != AGENT_SPOOL_FSYNC_NONE)
		sync_current(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->unsynced = false;
}

/* The write failed: the segment is cut back to its last good record and
 * sealed, so that its seqs stay consecutive; the batch is counted lost. */
static int flush_failed(struct agent_spool *s, int rc)
{
	int e = errno;

	if (ftruncate(s->fd, (off_t)s->segs[s->n_segs - 1].bytes) != 0)
		v2x_logf(s->cfg.log, V2X_LOG_ERROR, "spool %s: cannot cut a failed write: %s",
		         s->dir, strerror(errno));
	v2x_logf(s->cfg.log, V2X_LOG_ERROR,
	         "spool %s: write failed (%s): %" PRIu64 " records not spooled", s->dir,
	         strerror(e), s->pend_count);
	s->st.write_errors++;
	s->st.dropped_records += s->pend_count;
	s->st.dropped_bytes += s->pend_len;
	s->pend_len = 0;
	s->pend_count = 0;
	seal(s);
	/* Those seqs may have gone out on the wire: never hand them out again. */
	agent_spool__write_state(s);
	return rc;
}

int agent_spool_flush(struct agent_spool *s)
{
	struct agent_spool__seg *g;
	int rc;

	if (s->pend_len == 0)
		return agent_spool_sync_due(s);
	g = &s->segs[s->n_segs - 1];
	s->st.writes++;
	rc = write_all(s->fd, s->pend, s->pend_len);
	if (rc != 0)
		return flush_failed(s, rc);
	g->bytes += s->pend_len;
	s->disk_bytes += s->pend_len;
	g->last_seq = s->pend_first + s->pend_count - 1;
	if (!s->unsynced)
		s->unsynced_since_ns = v2x_clock_mono_ns();
	s->unsynced = true;
	s->pend_len = 0;
	s->pend_count = 0;
	if (s->cfg.fsync == AGENT_SPOOL_FSYNC_ALWAYS)
		return sync_current(s);
	return agent_spool_sync_due(s);
}

/* Starts a new segment whose first record will be seq. */
static int new_segment(struct agent_spool *s, uint64_t seq)
{
	uint8_t h[SPOOL_SEG_HEADER] = { 0 };
	char name[SPOOL_NAME_LEN];
	int fd, rc;

	if (s->n_segs == s->cap_segs) {
		size_t cap = s->cap_segs ? s->cap_segs * 2 : 16;
		struct agent_spool__seg *g = realloc(s->segs, cap * sizeof(*g));
		if (!g)
			return V2X_ENOMEM;
		s->segs = g;
		s->cap_segs = cap;
	}
	memcpy(h, SPOOL_SEG_MAGIC, 8);
	put_u32(h + 8, SPOOL_VERSION);
	agent_spool__seg_name(name, seq);
	fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return v2x_err_from_errno(errno);
	if ((rc = write_all(fd, h, sizeof(h))) != 0) {
		close(fd);
		unlinkat(s->dirfd, name, 0);
		return rc;
	}
	s->fd = fd;
	s->segs[s->n_segs++] = (struct agent_spool__seg){ seq, seq - 1, SPOOL_SEG_HEADER };
	s->disk_bytes += SPOOL_SEG_HEADER;
	sync_dir(s);
	return 0;
}

/* Makes the current segment one that rec (size bytes) may go into. */
static int roll_if_needed(struct agent_spool *s, uint64_t seq, uint64_t size)
{
	int rc;

	if (s->fd >= 0) {
		uint64_t used = s->segs[s->n_segs - 1].bytes + s->pend_len;
		/* A record bigger than a segment gets a segment of its own. */
		if (used + size <= s->cfg.segment_bytes || used == SPOOL_SEG_HEADER)
			return 0;
		if ((rc = agent_spool_flush(s)) != 0)
			return rc;
	}
	seal(s);
	rc = new_segment(s, seq);
	if (rc != 0)
		v2x_logf(s->cfg.log, V2X_LOG_ERROR, "spool %s: cannot start a segment: %s", s->dir,
		         v2x_strerror(rc));
	return rc;
}

/* Drops the oldest segments (never the current one) until size more fits. */
static int make_room(struct agent_spool *s, uint64_t size)
{
	while (s->n_segs > 1 && total_bytes(s) + size > s->cfg.max_bytes) {
		int rc = drop_oldest(s);
		if (rc != 0)
			return rc;
	}
	return total_bytes(s) + size > s->cfg.max_bytes ? V2X_ETOO_BIG : 0;
}

static int reserve_pend(struct agent_spool *s, size_t size)
{
	size_t cap = s->pend_cap ? s->pend_cap : 65536;
	uint8_t *p;

	if (s->pend_len + size <= s->pend_cap)
		return 0;
	while (cap < s->pend_len + size)
		cap *= 2;
	p = realloc(s->pend, cap);
	if (!p)
		return V2X_ENOMEM;
	s->pend = p;
	s->pend_cap = cap;
	return 0;
}

/*
 * Counts rec as dropped: it uses up its seq without reaching the disk.
 * The seqs of a segment must stay consecutive, so the segment is sealed
 * (what is pending written first) and the next record starts another.
 */
static int refuse(struct agent_spool *s, uint64_t size, int rc)
{
	agent_spool_flush(s);
	seal(s);
	s->st.dropped_records++;
	s->st.dropped_bytes += size;
	s->next_seq++;
	return rc;
}

int agent_spool_append(struct agent_spool *s, const struct agent_spool_rec *rec)
{
	uint64_t size = AGENT_SPOOL_REC_HEADER + (uint64_t)rec->len;
	struct agent_spool__hdr h = { SPOOL_REC_MAGIC,
		                      rec->len,
		                      0,
		                      rec->flags,
		                      rec->seq,
		                      rec->rx_time_us,
		                      rec->replayed_off,
		                      rec->record_only_off };
	uint8_t *p;
	int rc;

	if (rec->seq != s->next_seq || rec->len == 0)
		return V2X_EINVAL;
	if (rec->len > s->cfg.max_record)
		return refuse(s, size, V2X_ETOO_BIG);
	if ((rc = roll_if_needed(s, rec->seq, size)) != 0 || (rc = make_room(s, size)) != 0 ||
	    (rc = reserve_pend(s, size)) != 0)
		return refuse(s, size, rc);
	p = s->pend + s->pend_len;
	memcpy(p + AGENT_SPOOL_REC_HEADER, rec->frame, rec->len);
	agent_spool__put_hdr(p, &h);
	put_u32(p + 8, agent_spool__crc(p, rec->frame, rec->len));
	if (s->pend_count == 0)
		s->pend_first = rec->seq;
	s->pend_len += size;
	s->pend_count++;
	s->next_seq++;
	s->st.appended++;
	s->st.appended_bytes += rec->len;
	return 0;
}

uint64_t agent_spool_next_seq(const struct agent_spool *s)
{
	return s->next_seq;
}

int agent_spool_reserve_seq(struct agent_spool *s, uint64_t next)
{
	int rc;

	if (next <= s->next_seq)
		return 0;
	if ((rc = agent_spool_flush(s)) != 0)
		return rc;
	/* Seqs stay consecutive inside a segment: the jump starts a new one. */
	seal(s);
	v2x_logf(s->cfg.log, V2X_LOG_WARN,
	         "spool %s: seqs up to %" PRIu64 " are already used (by the broker's count); "
	         "going on from %" PRIu64,
	         s->dir, next - 1, next);
	s->next_seq = next;
	return agent_spool__write_state(s);
}

/* Deletes the segments whose records are all acknowledged, except the
 * current one: deleting and re-creating it at every ack of an idle agent
 * would churn the directory for nothing. */
static int forget_acked(struct agent_spool *s)
{
	int rc = 0;

	while (rc == 0 && s->n_segs > 1 && s->segs[0].last_seq <= s->acked)
		rc = agent_spool__delete_seg(s, 0);
	if (rc == 0 && s->n_segs == 1 && s->fd < 0 && s->segs[0].last_seq <= s->acked)
		rc = agent_spool__delete_seg(s, 0);
	return rc;
}

int agent_spool_ack(struct agent_spool *s, uint64_t seq)
{
	uint64_t last = s->next_seq - 1;

	if (seq > last)
		seq = last;
	if (seq <= s->acked)
		return 0;
	s->acked = seq;
	return forget_acked(s);
}

struct agent_spool_stats agent_spool_stats(const struct agent_spool *s)
{
	struct agent_spool_stats st = s->st;

	st.next_seq = s->next_seq;
	st.acked_seq = s->acked;
	st.segments = s->n_segs;
	st.bytes = total_bytes(s);
	st.pending = s->pend_count;
	st.records = s->pend_count;
	for (size_t i = 0; i < s->n_segs; i++)
		st.records += unacked_records(s, &s->segs[i]);
	st.first_seq = s->n_segs ? s->segs[0].first_seq : s->pend_count ? s->pend_first : 0;
	st.last_seq = s->pend_count ? s->pend_first + s->pend_count - 1
	              : s->n_segs   ? s->segs[s->n_segs - 1].last_seq
	                            : 0;
	return st;
}

static int check_config(struct agent_spool_config *c, char *err, size_t errlen)
{
	if (!c->max_bytes)
		c->max_bytes = AGENT_SPOOL_DEFAULT_MAX_BYTES;
	if (!c->segment_bytes)
		c->segment_bytes = c->max_bytes / 4 < AGENT_SPOOL_DEFAULT_SEGMENT_BYTES
		                           ? c->max_bytes / 4
		                           : AGENT_SPOOL_DEFAULT_SEGMENT_BYTES;
	if (!c->fsync_interval_ms)
		c->fsync_interval_ms = AGENT_SPOOL_DEFAULT_INTERVAL_MS;
	if (!c->max_record)
		c->max_record = AGENT_SPOOL_DEFAULT_MAX_RECORD;
	if (!c->dir || !*c->dir)
		return agent_spool__fail(err, errlen, V2X_EINVAL, "spool: no directory given");
	/* Dropping for room never touches the current segment, so the bound
	 * must hold it and at least one more. */
	if (c->segment_bytes < 4096 || c->max_bytes < 2 * c->segment_bytes)
		return agent_spool__fail(err, errlen, V2X_EINVAL,
		                         "spool: max bytes %" PRIu64
		                         " must be at least twice the segment size %" PRIu64
		                         " (itself at least 4k)",
		                         c->max_bytes, c->segment_bytes);
	if ((unsigned)c->fsync > AGENT_SPOOL_FSYNC_ALWAYS || c->max_record > SPOOL_REC_MAX_LEN)
		return agent_spool__fail(err, errlen, V2X_EINVAL,
		                         "spool: bad fsync policy or maximum record size");
	return 0;
}

static int open_dir(struct agent_spool *s, char *err, size_t errlen)
{
	if (mkdir(s->dir, 0755) != 0 && errno != EEXIST)
		return agent_spool__fail(err, errlen, v2x_err_from_errno(errno),
		                         "spool %s: cannot create: %s", s->dir, strerror(errno));
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return agent_spool__fail(err, errlen, v2x_err_from_errno(errno), "spool %s: %s",
		                         s->dir, strerror(errno));
	return 0;
}

static void release(struct agent_spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->segs);
	free(s->pend);
	free(s->dir);
	free(s);
}

int agent_spool_new(const struct agent_spool_config *cfg, struct agent_spool **out, char *err,
                    size_t errlen)
{
	struct agent_spool *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return V2X_ENOMEM;
	s->fd = -1;
	s->dirfd = -1;
	s->cfg = *cfg;
	if ((rc = check_config(&s->cfg, err, errlen)) != 0)
		goto fail;
	if (!(s->dir = strdup(cfg->dir))) {
		rc = V2X_ENOMEM;
		goto fail;
	}
	s->cfg.dir = s->dir;
	if ((rc = open_dir(s, err, errlen)) != 0 || (rc = agent_spool__load(s, err, errlen)) != 0)
		goto fail;
	/* Segments the state file says are acknowledged go now. */
	forget_acked(s);
	*out = s;
	return 0;
fail:
	release(s);
	return rc;
}

/* Deletes what an acknowledged spool no longer needs when it is closed. */
static void trim_on_close(struct agent_spool *s)
{
	while (s->n_segs && s->segs[0].last_seq <= s->acked)
		if (agent_spool__delete_seg(s, 0) != 0)
			return;
}

void agent_spool_free(struct agent_spool *s)
{
	if (!s)
		return;
	agent_spool_flush(s);
	sync_current(s);
	if (agent_spool__write_state(s) == 0)
		trim_on_close(s);
	release(s);
}
