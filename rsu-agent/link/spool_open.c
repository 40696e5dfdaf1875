/*
 * spool_open: reading a spool directory back when it is opened: the state
 * file, the segment files in order, every record checked, a torn tail cut
 * off and anything else damaged refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rsu-agent/link/spool_int.h"
#include "runtime/err.h"

/* A segment file read whole, reused from one segment to the next. */
struct seg_image {
	uint8_t *data;
	size_t len, cap;
};

/* What the state file says; both 0 when there is none. */
struct spool_state {
	uint64_t next_seq, acked;
};

static int read_state(struct agent_spool *s, struct spool_state *st, char *err, size_t errlen)
{
	char buf[256];
	unsigned version = 0;
	ssize_t n;
	int fd = openat(s->dirfd, SPOOL_STATE, O_RDONLY | O_CLOEXEC);

	memset(st, 0, sizeof(*st));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return agent_spool__fail(err, errlen, v2x_err_from_errno(errno), "%s/%s: %s",
		                         s->dir, SPOOL_STATE, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* A state file that cannot be read could hide the seqs already used: the
	 * operator decides, rather than the spool reusing them. */
	if (sscanf(buf, "v2x-spool-state %u next_seq %" SCNu64 " acked_seq %" SCNu64, &version,
	           &st->next_seq, &st->acked) != 3 ||
	    version != SPOOL_VERSION)
		return agent_spool__fail(err, errlen, V2X_EMALFORMED,
		                         "%s/%s: not a spool state file of version %u", s->dir,
		                         SPOOL_STATE, SPOOL_VERSION);
	return 0;
}

/* Whether name is a segment's, "<20 digits>.seg", and its first seq. */
static bool seg_file_name(const char *name, uint64_t *first)
{
	uint64_t v = 0;

	if (strlen(name) != 24 || strcmp(name + 20, ".seg") != 0)
		return false;
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*first = v;
	return v > 0;
}

static int add_seg(struct agent_spool *s, uint64_t first)
{
	if (s->n_segs == s->cap_segs) {
		size_t cap = s->cap_segs ? s->cap_segs * 2 : 16;
		struct agent_spool__seg *g = realloc(s->segs, cap * sizeof(*g));
		if (!g)
			return V2X_ENOMEM;
		s->segs = g;
		s->cap_segs = cap;
	}
	s->segs[s->n_segs++] = (struct agent_spool__seg){ first, first - 1, 0 };
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct agent_spool__seg *x = a, *y = b;

	return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

static int list_segments(struct agent_spool *s, char *err, size_t errlen)
{
	int fd = dup(s->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	const struct dirent *e;
	uint64_t first;
	int rc = 0;

	if (!d) {
		rc = agent_spool__fail(err, errlen, v2x_err_from_errno(errno), "%s: %s", s->dir,
		                       strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (seg_file_name(e->d_name, &first))
			rc = add_seg(s, first);
	closedir(d);
	/* A state file being written when the agent died is no state at all. */
	unlinkat(s->dirfd, SPOOL_STATE_TMP, 0);
	if (rc == 0 && s->n_segs)
		qsort(s->segs, s->n_segs, sizeof(*s->segs), cmp_seg);
	return rc;
}

static int read_seg(struct agent_spool *s, const char *name, struct seg_image *img, char *err,
                    size_t errlen)
{
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	ssize_t n = 0;

	img->len = 0;
	if (fd < 0 || fstat(fd, &sb) != 0)
		goto fail;
	if ((size_t)sb.st_size > img->cap) {
		uint8_t *p = realloc(img->data, (size_t)sb.st_size);
		if (!p) {
			close(fd);
			return V2X_ENOMEM;
		}
		img->data = p;
		img->cap = (size_t)sb.st_size;
	}
	while (img->len < (size_t)sb.st_size &&
	       (n = read(fd, img->data + img->len, (size_t)sb.st_size - img->len)) > 0)
		img->len += (size_t)n;
	if (n < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return agent_spool__fail(err, errlen, v2x_err_from_errno(errno), "%s/%s: %s", s->dir, name,
	                         strerror(errno));
}

/* Whether a whole record with a good magic, length and CRC starts at p. */
static bool rec_valid(const uint8_t *p, size_t avail, struct agent_spool__hdr *h)
{
	if (avail < AGENT_SPOOL_REC_HEADER)
		return false;
	agent_spool__get_hdr(p, h);
	return h->magic == SPOOL_REC_MAGIC && h->len > 0 && h->len <= SPOOL_REC_MAX_LEN &&
	       h->len <= avail - AGENT_SPOOL_REC_HEADER &&
	       h->crc == agent_spool__crc(p, p + AGENT_SPOOL_REC_HEADER, h->len);
}

/* Whether a valid record starts anywhere in img after pos. */
static bool valid_after(const struct seg_image *img, size_t pos)
{
	struct agent_spool__hdr h;

	for (size_t q = pos + 1; q + AGENT_SPOOL_REC_HEADER <= img->len; q++)
		if (img->data[q] == (SPOOL_REC_MAGIC & 0xff) &&
		    rec_valid(img->data + q, img->len - q, &h))
			return true;
	return false;
}

/*
 * Cuts the newest segment back to pos, where a record torn by a crash
 * begins.  What is cut was never acknowledged as stored by anyone but the
 * kernel, so it is counted and logged rather than refused.
 */
static int cut_torn_tail(struct agent_spool *s, struct agent_spool__seg *g, const char *name,
                         const struct seg_image *img, size_t pos, char *err, size_t errlen)
{
	int fd = openat(s->dirfd, name, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)pos) != 0 || fdatasync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return agent_spool__fail(err, errlen, v2x_err_from_errno(e),
		                         "%s/%s: cannot cut the torn tail: %s", s->dir, name,
		                         strerror(e));
	}
	close(fd);
	s->st.torn_records++;
	s->st.torn_bytes += img->len - pos;
	v2x_logf(s->cfg.log, V2X_LOG_WARN,
	         "spool %s/%s: torn record at byte %zu (a crash while writing): cut %zu bytes "
	         "after seq %" PRIu64,
	         s->dir, name, pos, img->len - pos, g->last_seq);
	return 0;
}

/* Checks the records of segment g, read whole in img. */
static int scan_records(struct agent_spool *s, struct agent_spool__seg *g, const char *name,
                        const struct seg_image *img, bool newest, char *err, size_t errlen)
{
	struct agent_spool__hdr h;
	size_t pos = SPOOL_SEG_HEADER;

	while (pos < img->len && rec_valid(img->data + pos, img->len - pos, &h) &&
	       h.seq == g->last_seq + 1) {
		pos += AGENT_SPOOL_REC_HEADER + h.len;
		g->last_seq = h.seq;
	}
	g->bytes = pos;
	s->disk_bytes += pos;
	if (pos == img->len)
		return 0;
	if (newest && !valid_after(img, pos) && !(rec_valid(img->data + pos, img->len - pos, &h)))
		return cut_torn_tail(s, g, name, img, pos, err, errlen);
	return agent_spool__fail(err, errlen, V2X_EMALFORMED,
	                         "spool %s/%s: record at byte %zu (after seq %" PRIu64
	                         ") is damaged or out of sequence and is not a torn tail (%s): "
	                         "the records after it would be lost; move the file aside to "
	                         "start",
	                         s->dir, name, pos, g->last_seq,
	                         newest ? "valid records follow it" : "a newer segment follows");
}

static int scan_seg(struct agent_spool *s, size_t i, struct seg_image *img, char *err,
                    size_t errlen)
{
	struct agent_spool__seg *g = &s->segs[i];
	bool newest = i + 1 == s->n_segs;
	char name[SPOOL_NAME_LEN];
	int rc;

	agent_spool__seg_name(name, g->first_seq);
	rc = read_seg(s, name, img, err, errlen);
	if (rc != 0)
		return rc;
	/* A file cut inside its header was being created when the agent died. */
	if (newest && img->len < SPOOL_SEG_HEADER) {
		s->st.torn_bytes += img->len;
		return 0;
	}
	if (img->len < SPOOL_SEG_HEADER || memcmp(img->data, SPOOL_SEG_MAGIC, 8) != 0 ||
	    img->data[8] != SPOOL_VERSION || img->data[9] || img->data[10] || img->data[11])
		return agent_spool__fail(err, errlen, V2X_EMALFORMED,
		                         "spool %s/%s: not a spool segment of version %u", s->dir,
		                         name, SPOOL_VERSION);
	if (i > 0 && g->first_seq <= s->segs[i - 1].last_seq)
		return agent_spool__fail(err, errlen, V2X_EMALFORMED,
		                         "spool %s/%s: overlaps the segment before it", s->dir,
		                         name);
	return scan_records(s, g, name, img, newest, err, errlen);
}

/* Drops segments holding no record (a crash right after one was made). */
static int drop_empty(struct agent_spool *s)
{
	for (size_t i = 0; i < s->n_segs;) {
		char name[SPOOL_NAME_LEN];
		if (s->segs[i].last_seq >= s->segs[i].first_seq) {
			i++;
			continue;
		}
		agent_spool__seg_name(name, s->segs[i].first_seq);
		if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT)
			return v2x_err_from_errno(errno);
		s->disk_bytes -= s->segs[i].bytes;
		memmove(&s->segs[i], &s->segs[i + 1], (s->n_segs - i - 1) * sizeof(*s->segs));
		s->n_segs--;
	}
	return 0;
}

/* Sets next_seq and acked from the segments and the state file. */
static void settle_seqs(struct agent_spool *s, const struct spool_state *st)
{
	uint64_t last = s->n_segs ? s->segs[s->n_segs - 1].last_seq : 0;

	s->next_seq = st->next_seq > last + 1 ? st->next_seq : last + 1;
	s->acked = st->acked < s->next_seq ? st->acked : s->next_seq - 1;
}

int agent_spool__load(struct agent_spool *s, char *err, size_t errlen)
{
	struct seg_image img = { NULL, 0, 0 };
	struct spool_state st;
	int rc = read_state(s, &st, err, errlen);

	if (rc == 0)
		rc = list_segments(s, err, errlen);
	for (size_t i = 0; rc == 0 && i < s->n_segs; i++)
		rc = scan_seg(s, i, &img, err, errlen);
	free(img.data);
	if (rc == 0 && (rc = drop_empty(s)) != 0)
		agent_spool__fail(err, errlen, rc, "spool %s: cannot delete an empty segment: %s",
		                  s->dir, strerror(errno));
	if (rc != 0)
		return rc;
	settle_seqs(s, &st);
	/* Appends go on in the newest segment only if its seqs continue there. */
	if (s->n_segs && s->segs[s->n_segs - 1].last_seq + 1 == s->next_seq &&
	    (rc = agent_spool__open_current(s)) != 0)
		agent_spool__fail(err, errlen, rc, "spool %s: cannot open the newest segment: %s",
		                  s->dir, strerror(errno));
	return rc;
}
