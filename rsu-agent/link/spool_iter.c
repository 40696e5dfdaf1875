/*
 * spool_iter: reading the spool back, oldest unacknowledged record first,
 * for the link to drain after a (re)connect.  Records are read with
 * pread() from the segment files (the kernel's page cache usually still
 * holds them), into one buffer reused from record to record.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsu-agent/link/spool_int.h"
#include "runtime/err.h"

struct agent_spool_iter {
	struct agent_spool *s;
	uint64_t next;      /* smallest seq still to return */
	uint64_t seg_first; /* first_seq of the segment being read, 0: none yet */
	uint64_t off;       /* offset of the next record in it */
	int fd;             /* that segment, read-only */
	uint8_t *buf;       /* the frame returned last */
	size_t cap;
};

int agent_spool_iter_new(struct agent_spool *s, uint64_t from_seq, struct agent_spool_iter **out)
{
	struct agent_spool_iter *it = calloc(1, sizeof(*it));

	*out = it;
	if (!it)
		return V2X_ENOMEM;
	it->s = s;
	it->next = from_seq;
	it->fd = -1;
	return 0;
}

void agent_spool_iter_free(struct agent_spool_iter *it)
{
	if (!it)
		return;
	if (it->fd >= 0)
		close(it->fd);
	free(it->buf);
	free(it);
}

/* The segment the iterator reads, NULL when it was deleted meanwhile. */
static const struct agent_spool__seg *current_seg(const struct agent_spool_iter *it)
{
	const struct agent_spool *s = it->s;

	for (size_t i = 0; it->seg_first && i < s->n_segs; i++)
		if (s->segs[i].first_seq == it->seg_first)
			return &s->segs[i];
	return NULL;
}

static int open_seg(struct agent_spool_iter *it, const struct agent_spool__seg *g)
{
	char name[SPOOL_NAME_LEN];

	if (it->fd >= 0)
		close(it->fd);
	agent_spool__seg_name(name, g->first_seq);
	it->seg_first = g->first_seq;
	it->off = SPOOL_SEG_HEADER;
	it->fd = openat(it->s->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (it->fd < 0) {
		it->seg_first = 0;
		return V2X_EIO;
	}
	return 0;
}

/*
 * Moves to the first segment holding a flushed record of at least floor.
 * Returns 1 when there is one, 0 when there is nothing to read yet.
 */
static int seek_seg(struct agent_spool_iter *it, uint64_t floor)
{
	const struct agent_spool *s = it->s;

	for (size_t i = 0; i < s->n_segs; i++)
		if (s->segs[i].last_seq >= floor && s->segs[i].last_seq >= s->segs[i].first_seq)
			return open_seg(it, &s->segs[i]) == 0 ? 1 : V2X_EIO;
	return 0;
}

/* Moves past the end of segment g.  Returns 1 when there is a next one. */
static int next_seg(struct agent_spool_iter *it, const struct agent_spool__seg *g)
{
	size_t i = (size_t)(g - it->s->segs);

	if (i + 1 >= it->s->n_segs)
		return 0;
	return open_seg(it, &it->s->segs[i + 1]) == 0 ? 1 : V2X_EIO;
}

static int grow(struct agent_spool_iter *it, size_t len)
{
	uint8_t *p;

	if (len <= it->cap)
		return 0;
	p = realloc(it->buf, len);
	if (!p)
		return V2X_ENOMEM;
	it->buf = p;
	it->cap = len;
	return 0;
}

/* The rest of the segment cannot be trusted: skip it, counted. */
static int damaged(struct agent_spool_iter *it, const struct agent_spool__seg *g)
{
	it->s->st.corrupt_skips++;
	v2x_logf(it->s->cfg.log, V2X_LOG_ERROR,
	         "spool %s: segment %" PRIu64 " damaged at byte %" PRIu64
	         " since it was opened: skipping the rest of it",
	         it->s->dir, g->first_seq, it->off);
	it->off = g->bytes;
	return V2X_EMALFORMED;
}

/*
 * Reads the record at it->off in g.  Returns 1 with a record, 2 when the
 * record is below floor (skipped on its header alone), or an error.
 */
static int read_rec(struct agent_spool_iter *it, const struct agent_spool__seg *g, uint64_t floor,
                    struct agent_spool_rec *rec)
{
	uint8_t hb[AGENT_SPOOL_REC_HEADER];
	struct agent_spool__hdr h;

	if (pread(it->fd, hb, sizeof(hb), (off_t)it->off) != (ssize_t)sizeof(hb))
		return damaged(it, g);
	agent_spool__get_hdr(hb, &h);
	if (h.magic != SPOOL_REC_MAGIC || h.len == 0 ||
	    it->off + AGENT_SPOOL_REC_HEADER + h.len > g->bytes)
		return damaged(it, g);
	if (h.seq < floor) {
		it->off += AGENT_SPOOL_REC_HEADER + h.len;
		return 2;
	}
	if (grow(it, h.len) != 0)
		return V2X_ENOMEM;
	if (pread(it->fd, it->buf, h.len, (off_t)(it->off + AGENT_SPOOL_REC_HEADER)) !=
	            (ssize_t)h.len ||
	    agent_spool__crc(hb, it->buf, h.len) != h.crc)
		return damaged(it, g);
	it->off += AGENT_SPOOL_REC_HEADER + h.len;
	it->next = h.seq + 1;
	*rec = (struct agent_spool_rec){ h.seq,          h.rx_time_us,      h.flags,
		                         h.replayed_off, h.record_only_off, it->buf,
		                         h.len };
	return 1;
}

int agent_spool_iter_next(struct agent_spool_iter *it, struct agent_spool_rec *rec)
{
	for (;;) {
		uint64_t floor = it->next > it->s->acked ? it->next : it->s->acked + 1;
		const struct agent_spool__seg *g = current_seg(it);
		int rc;

		if (g && it->off < g->bytes) {
			rc = read_rec(it, g, floor, rec);
			if (rc != 2)
				return rc;
			continue;
		}
		rc = g ? next_seg(it, g) : seek_seg(it, floor);
		if (rc <= 0)
			return rc;
	}
}
