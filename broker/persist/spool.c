#include "broker/persist/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "runtime/err.h"

#define VERSION  1u
#define SEG_HDR  16
#define REC_HDR  8
#define NAME_LEN 20 /* 16 hex digits and ".seg" */
#define SUFFIX   ".seg"

/* The first 8 bytes of a segment. */
static const uint8_t magic[8] = { 'V', '2', 'X', 'S', 'P', 'O', 'O', 'L' };

struct seg {
	uint64_t id;
	uint64_t bytes;
	uint64_t records;
};

struct brk_persist__spool {
	char dir[4096];
	int dir_fd;
	size_t max_bytes;
	size_t seg_bytes;
	struct v2x_log *log;
	struct seg *segs; /* oldest first */
	size_t n;
	size_t cap;
	int fd;            /* the newest segment, open for appends; -1: none */
	uint64_t next_id;  /* of the next segment made */
	uint64_t consumed; /* records of the oldest segment already committed */
	bool dirty;        /* appended since the last sync */
	bool dir_dirty;    /* a file made or removed since the last sync */
	uint8_t *rbuf;     /* a whole segment, for open and drain */
	size_t rcap;
	uint8_t *wbuf; /* one append */
	size_t wcap;
	struct brk_persist__spool_stats st;
};

static void seg_name(char *out, size_t len, uint64_t id)
{
	snprintf(out, len, "%016" PRIx64 SUFFIX, id);
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;
	size_t n = *cap ? *cap : 65536;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (!p)
		return V2X_ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

static int push_seg(struct brk_persist__spool *s, struct seg seg)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct seg *p = realloc(s->segs, cap * sizeof(*p));
		if (!p)
			return V2X_ENOMEM;
		s->segs = p;
		s->cap = cap;
	}
	s->segs[s->n++] = seg;
	s->st.segments = s->n;
	s->st.bytes += seg.bytes;
	s->st.records += seg.records;
	return 0;
}

static void drop_first(struct brk_persist__spool *s)
{
	s->st.bytes -= s->segs[0].bytes;
	s->st.records -= s->segs[0].records - s->consumed;
	s->consumed = 0;
	memmove(s->segs, s->segs + 1, (s->n - 1) * sizeof(*s->segs));
	s->n--;
	s->st.segments = s->n;
}

/* ---- reading a segment ------------------------------------------------ */

/* Reads the file name (in dir) whole into s->rbuf; *len its size. */
static int read_whole(struct brk_persist__spool *s, const char *name, size_t *len)
{
	int fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	int rc = V2X_EIO;

	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	rc = grow(&s->rbuf, &s->rcap, (size_t)st.st_size + 1);
	if (rc)
		goto out;
	rc = V2X_EIO;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, s->rbuf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	*len = got;
	rc = 0;
out:
	if (rc == V2X_EIO)
		v2x_logf(s->log, V2X_LOG_ERROR, "spool %s/%s: cannot read: %s", s->dir, name,
		         strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

enum rec_check { REC_OK, REC_END, REC_TORN, REC_DAMAGED };

/* Checks the record at off of data[0..len). */
static enum rec_check check_rec(const uint8_t *data, size_t len, size_t off, uint32_t *plen)
{
	uint32_t n, crc;

	if (off == len)
		return REC_END;
	if (len - off < REC_HDR)
		return REC_TORN;
	memcpy(&n, data + off, 4);
	memcpy(&crc, data + off + 4, 4);
	if (n > BRK_PERSIST__SPOOL_REC_MAX)
		return REC_DAMAGED;
	if (len - off - REC_HDR < n)
		return REC_TORN;
	if ((uint32_t)crc32(0L, data + off + REC_HDR, n) != crc)
		/* The last record of the file: a torn write (the length reached
		 * the disk, not all of the bytes). */
		return off + REC_HDR + n == len ? REC_TORN : REC_DAMAGED;
	*plen = n;
	return REC_OK;
}

static bool header_ok(const uint8_t *data, size_t len)
{
	uint32_t v;

	if (len < SEG_HDR || memcmp(data, magic, 8) != 0)
		return false;
	memcpy(&v, data + 8, 4);
	return v == VERSION;
}

/* ---- open ------------------------------------------------------------- */

struct scan {
	brk_persist__spool_seen *seen;
	void *arg;
	char *err;
	size_t errlen;
};

static int cut_tail(struct brk_persist__spool *s, const char *name, size_t good, size_t len)
{
	int fd = openat(s->dir_fd, name, O_WRONLY | O_CLOEXEC);
	int rc = fd >= 0 && ftruncate(fd, (off_t)good) == 0 && fdatasync(fd) == 0 ? 0 : V2X_EIO;

	if (fd >= 0)
		close(fd);
	s->st.torn_tails++;
	v2x_logf(s->log, rc ? V2X_LOG_ERROR : V2X_LOG_WARN,
	         "spool %s/%s: cut a torn tail of %zu bytes at byte %zu%s", s->dir, name,
	         len - good, good, rc ? ": truncate failed" : "");
	return rc;
}

/* Checks one segment, reports its records, cuts a torn tail. */
static int scan_seg(struct brk_persist__spool *s, const char *name, uint64_t id, struct scan *sc)
{
	size_t len, off = SEG_HDR;
	struct seg seg = { id, 0, 0 };
	enum rec_check c;
	uint32_t n = 0;
	int rc = read_whole(s, name, &len);

	if (rc)
		return rc;
	if (len < SEG_HDR && memcmp(s->rbuf, magic, len < 8 ? len : 8) == 0) {
		/* Made, but its header never reached the disk: nothing in it. */
		v2x_logf(s->log, V2X_LOG_WARN, "spool %s/%s: removed an empty segment", s->dir,
		         name);
		return unlinkat(s->dir_fd, name, 0) == 0 ? 0 : V2X_EIO;
	}
	if (!header_ok(s->rbuf, len)) {
		snprintf(sc->err, sc->errlen,
		         "spool %s/%s: not a spool segment (bad header at byte 0); move it out of "
		         "the spool folder to start without it",
		         s->dir, name);
		return V2X_EIO;
	}
	while ((c = check_rec(s->rbuf, len, off, &n)) == REC_OK) {
		if (sc->seen)
			sc->seen(sc->arg, s->rbuf + off + REC_HDR, n);
		off += REC_HDR + n;
		seg.records++;
	}
	if (c == REC_DAMAGED) {
		snprintf(sc->err, sc->errlen,
		         "spool %s/%s: damaged record at byte %zu (checksum or length wrong, "
		         "%zu bytes follow); move the file out of the spool folder to start "
		         "without it",
		         s->dir, name, off, len - off);
		return V2X_EIO;
	}
	if (c == REC_TORN && (rc = cut_tail(s, name, off, len)))
		return rc;
	if (seg.records == 0)
		return unlinkat(s->dir_fd, name, 0) == 0 ? 0 : V2X_EIO;
	seg.bytes = off;
	return push_seg(s, seg);
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether name is a segment's, and its id. */
static bool seg_id(const char *name, uint64_t *id)
{
	char *end;

	if (strlen(name) != NAME_LEN || strcmp(name + 16, SUFFIX) != 0 || name[0] == '-' ||
	    name[0] == '+')
		return false;
	*id = strtoull(name, &end, 16);
	return end == name + 16;
}

/* The ids of the segments in the folder, sorted; *ids freed by the caller. */
static int list_ids(struct brk_persist__spool *s, uint64_t **ids, size_t *n)
{
	int fd = dup(s->dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	size_t cap = 0;
	uint64_t id;

	*ids = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return V2X_EIO;
	}
	while ((e = readdir(d))) {
		if (!seg_id(e->d_name, &id))
			continue;
		if (*n == cap) {
			uint64_t *p = realloc(*ids, (cap ? cap * 2 : 64) * sizeof(*p));
			if (!p) {
				closedir(d);
				return V2X_ENOMEM;
			}
			*ids = p;
			cap = cap ? cap * 2 : 64;
		}
		(*ids)[(*n)++] = id;
	}
	closedir(d);
	if (*n > 1)
		qsort(*ids, *n, sizeof(**ids), id_cmp);
	return 0;
}

static int scan_all(struct brk_persist__spool *s, struct scan *sc)
{
	char name[32];
	uint64_t *ids;
	size_t n;
	int rc = list_ids(s, &ids, &n);

	if (rc) {
		snprintf(sc->err, sc->errlen, "spool %s: cannot list the folder: %s", s->dir,
		         strerror(errno));
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		seg_name(name, sizeof(name), ids[i]);
		rc = scan_seg(s, name, ids[i], sc);
		s->next_id = ids[i] + 1;
	}
	free(ids);
	if (rc == V2X_ENOMEM)
		snprintf(sc->err, sc->errlen, "spool %s: out of memory", s->dir);
	else if (rc && !sc->err[0])
		snprintf(sc->err, sc->errlen,
		         "spool %s: cannot read or cut a segment (see the log)", s->dir);
	return rc;
}

static int open_dir(struct brk_persist__spool *s, char *err, size_t errlen)
{
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "spool folder %s: cannot create it: %s", s->dir,
		         strerror(errno));
		return V2X_EIO;
	}
	s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		snprintf(err, errlen, "spool folder %s: %s", s->dir, strerror(errno));
		return V2X_EIO;
	}
	return 0;
}

int brk_persist__spool_open(const char *dir, size_t max_bytes, size_t segment_bytes,
                            struct v2x_log *log, brk_persist__spool_seen *seen, void *arg,
                            struct brk_persist__spool **out, char *err, size_t errlen)
{
	struct brk_persist__spool *s = calloc(1, sizeof(*s));
	struct scan sc = { seen, arg, err, errlen };
	int rc;

	*out = NULL;
	if (!s)
		return V2X_ENOMEM;
	err[0] = '\0';
	s->fd = -1;
	s->dir_fd = -1;
	s->max_bytes = max_bytes;
	s->seg_bytes = segment_bytes;
	s->log = log;
	s->next_id = 1;
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir)) {
		snprintf(err, errlen, "spool folder name too long: %s", dir);
		rc = V2X_EINVAL;
	} else {
		rc = open_dir(s, err, errlen);
	}
	if (rc == 0)
		rc = scan_all(s, &sc);
	if (rc) {
		brk_persist__spool_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void brk_persist__spool_close(struct brk_persist__spool *s)
{
	if (!s)
		return;
	brk_persist__spool_sync(s);
	if (s->fd >= 0)
		close(s->fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->segs);
	free(s->rbuf);
	free(s->wbuf);
	free(s);
}

/* ---- appending -------------------------------------------------------- */

/* Closes the newest segment for appends, syncing what it got. */
static void rotate(struct brk_persist__spool *s)
{
	if (s->fd < 0)
		return;
	brk_persist__spool_sync(s);
	close(s->fd);
	s->fd = -1;
}

static int new_seg(struct brk_persist__spool *s)
{
	uint8_t hdr[SEG_HDR] = { 0 };
	uint32_t v = VERSION;
	char name[32];
	int fd;

	seg_name(name, sizeof(name), s->next_id);
	fd = openat(s->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	memcpy(hdr, magic, sizeof(magic));
	memcpy(hdr + 8, &v, 4);
	if (fd < 0 || write(fd, hdr, SEG_HDR) != SEG_HDR) {
		v2x_logf(s->log, V2X_LOG_ERROR, "spool %s/%s: cannot create: %s", s->dir, name,
		         strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlinkat(s->dir_fd, name, 0);
		}
		return V2X_EIO;
	}
	if (push_seg(s, (struct seg){ s->next_id, SEG_HDR, 0 }) < 0) {
		close(fd);
		unlinkat(s->dir_fd, name, 0);
		return V2X_ENOMEM;
	}
	s->next_id++;
	s->fd = fd;
	s->dirty = true;
	s->dir_dirty = true;
	return 0;
}

/* Drops the oldest segments until need more bytes fit under the bound. */
static void make_room(struct brk_persist__spool *s, size_t need)
{
	char name[32];

	while (s->n > 0 && s->st.bytes + need > s->max_bytes) {
		if (s->fd >= 0 && s->n == 1)
			rotate(s);
		seg_name(name, sizeof(name), s->segs[0].id);
		s->st.dropped_segments++;
		s->st.dropped_records += s->segs[0].records - s->consumed;
		v2x_logf(s->log, V2X_LOG_ERROR,
		         "spool %s: full (%zu bytes): dropped the oldest segment %s with %" PRIu64
		         " rows not yet in the database",
		         s->dir, s->max_bytes, name, s->segs[0].records - s->consumed);
		unlinkat(s->dir_fd, name, 0);
		s->dir_dirty = true;
		drop_first(s);
	}
}

static int fill_wbuf(struct brk_persist__spool *s, const struct brk_persist__spool_rec *recs,
                     size_t n, size_t *len)
{
	size_t need = 0, off = 0;

	for (size_t i = 0; i < n; i++)
		need += REC_HDR + recs[i].len;
	if (grow(&s->wbuf, &s->wcap, need))
		return V2X_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t crc = (uint32_t)crc32(0L, recs[i].payload, recs[i].len);
		memcpy(s->wbuf + off, &recs[i].len, 4);
		memcpy(s->wbuf + off + 4, &crc, 4);
		memcpy(s->wbuf + off + REC_HDR, recs[i].payload, recs[i].len);
		off += REC_HDR + recs[i].len;
	}
	*len = need;
	return 0;
}

/* Writes len bytes of wbuf; on failure cuts what got in, so that no torn record precedes the next.
 */
static int write_all(struct brk_persist__spool *s, struct seg *seg, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(s->fd, s->wbuf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			v2x_logf(s->log, V2X_LOG_ERROR, "spool %s: append of %zu bytes failed: %s",
			         s->dir, len, w < 0 ? strerror(errno) : "short write");
			if (done && ftruncate(s->fd, (off_t)seg->bytes) < 0)
				rotate(s);
			return V2X_EIO;
		}
		done += (size_t)w;
	}
	return 0;
}

int brk_persist__spool_append(struct brk_persist__spool *s,
                              const struct brk_persist__spool_rec *recs, size_t n)
{
	struct seg *seg;
	size_t len;
	int rc = fill_wbuf(s, recs, n, &len);

	if (rc)
		return rc;
	if (s->fd >= 0 && s->segs[s->n - 1].bytes + len > s->seg_bytes &&
	    s->segs[s->n - 1].records > 0)
		rotate(s);
	make_room(s, len + (s->fd < 0 ? SEG_HDR : 0));
	if (s->fd < 0 && (rc = new_seg(s)))
		return rc;
	seg = &s->segs[s->n - 1];
	rc = write_all(s, seg, len);
	if (rc)
		return rc;
	seg->bytes += len;
	seg->records += n;
	s->st.bytes += len;
	s->st.records += n;
	s->dirty = true;
	return 0;
}

int brk_persist__spool_sync(struct brk_persist__spool *s)
{
	int rc = 0;

	if (s->dirty && s->fd >= 0) {
		if (fdatasync(s->fd) < 0)
			rc = V2X_EIO;
		s->st.fsyncs++;
	}
	if (s->dir_dirty && fsync(s->dir_fd) < 0)
		rc = V2X_EIO;
	if (rc)
		v2x_logf(s->log, V2X_LOG_ERROR, "spool %s: fsync failed: %s", s->dir,
		         strerror(errno));
	else
		s->dirty = s->dir_dirty = false;
	return rc;
}

bool brk_persist__spool_dirty(const struct brk_persist__spool *s)
{
	return s->dirty || s->dir_dirty;
}

bool brk_persist__spool_pending(const struct brk_persist__spool *s)
{
	return s->st.records > 0;
}

void brk_persist__spool_stats(const struct brk_persist__spool *s,
                              struct brk_persist__spool_stats *out)
{
	*out = s->st;
}

/* ---- draining --------------------------------------------------------- */

uint64_t brk_persist__spool_oldest(const struct brk_persist__spool *s)
{
	return s->n ? s->segs[0].id : UINT64_MAX;
}

int brk_persist__spool_load(struct brk_persist__spool *s, struct brk_persist__spool_view *v)
{
	size_t len;
	int rc;

	if (s->n == 0)
		return 0;
	if (s->n == 1 && s->fd >= 0)
		rotate(s);
	v->id = s->segs[0].id;
	seg_name(v->name, sizeof(v->name), v->id);
	rc = read_whole(s, v->name, &len);
	if (rc)
		return rc;
	if (!header_ok(s->rbuf, len)) {
		v2x_logf(s->log, V2X_LOG_ERROR, "spool %s/%s: bad header at byte 0", s->dir,
		         v->name);
		return V2X_EIO;
	}
	v->data = s->rbuf;
	v->len = len;
	v->off = SEG_HDR;
	return 1;
}

int brk_persist__spool_next(struct brk_persist__spool_view *v, const uint8_t **payload,
                            uint32_t *len, size_t *at)
{
	enum rec_check c = check_rec(v->data, v->len, v->off, len);

	*at = v->off;
	/* A torn tail here: an append failed and could not be cut; the
	 * records before it are all there is. */
	if (c == REC_END || c == REC_TORN)
		return 0;
	if (c == REC_DAMAGED)
		return V2X_EIO;
	*payload = v->data + v->off + REC_HDR;
	v->off += REC_HDR + *len;
	return 1;
}

void brk_persist__spool_consumed(struct brk_persist__spool *s, uint64_t n)
{
	s->consumed += n;
	s->st.records -= n;
}

int brk_persist__spool_remove(struct brk_persist__spool *s, uint64_t id, bool damaged)
{
	char name[32], to[48];
	int rc;

	if (s->n == 0 || s->segs[0].id != id)
		return V2X_EINVAL;
	seg_name(name, sizeof(name), id);
	snprintf(to, sizeof(to), "%s.damaged", name);
	rc = damaged ? renameat(s->dir_fd, name, s->dir_fd, to) : unlinkat(s->dir_fd, name, 0);
	if (rc < 0)
		v2x_logf(s->log, V2X_LOG_ERROR, "spool %s/%s: cannot %s it: %s", s->dir, name,
		         damaged ? "rename" : "remove", strerror(errno));
	if (damaged)
		s->st.dropped_records += s->segs[0].records - s->consumed;
	s->dir_dirty = true;
	drop_first(s);
	return rc < 0 ? V2X_EIO : 0;
}
