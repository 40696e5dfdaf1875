/*
 * agent-spool-damage: what a crash or a bad disk leaves behind.  A torn
 * tail of the newest segment (cut inside a record, or its last record's
 * CRC wrong with nothing valid after it) is cut off and counted, and the
 * spool goes on without reusing a seq; a damaged record with good records
 * after it, or in an older segment, is refused with an error naming the
 * file and the byte; a record damaged while the spool is open is skipped
 * with the rest of its segment by the iterator, counted.
 */
#include <stdio.h>
#include <string.h>

#include "rsu-agent/link/spool.h"
#include "rsu-agent/link/tests/spool_common.h"
#include "rsu-agent/link/tests/testutil.h"
#include "runtime/err.h"
#include "tests/check.h"

#define SEG1 "00000000000000000001.seg"

static int open_spool(const char *dir, uint64_t segment_bytes, struct agent_spool **s, char *err,
                      size_t errlen)
{
	struct agent_spool_config cfg = { .dir = dir,
		                          .max_bytes = 1u << 20,
		                          .segment_bytes = segment_bytes };

	*err = '\0';
	return agent_spool_new(&cfg, s, err, errlen);
}

/* Offset of seq's record in a segment whose first record is first. */
static long long rec_off(uint64_t first, uint64_t seq)
{
	long long off = 16;

	for (uint64_t q = first; q < seq; q++)
		off += AGENT_SPOOL_REC_HEADER + sc_len(q);
	return off;
}

/* A spool of seqs 1..last in one segment, closed. */
static void make_spool(const char *dir, uint64_t last)
{
	struct agent_spool *s = NULL;
	char err[512];

	CHECK_INT_EQ(open_spool(dir, 1u << 16, &s, err, sizeof(err)), 0);
	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, last), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	agent_spool_free(s);
}

/* The last record cut short, as by a crash in the middle of a write. */
static void test_torn_cut(const char *dir)
{
	char seg[512], err[512];
	struct agent_spool *s = NULL;
	struct agent_spool_stats st;
	long long size;

	make_spool(dir, 50);
	snprintf(seg, sizeof(seg), "%s/%s", dir, SEG1);
	size = tu_file_size(seg);
	CHECK_INT_EQ(size, rec_off(1, 51));
	CHECK_INT_EQ(tu_truncate(seg, size - 10), 0);
	CHECK_INT_EQ(open_spool(dir, 1u << 16, &s, err, sizeof(err)), 0);
	if (!s)
		return;
	st = agent_spool_stats(s);
	CHECK_UINT_EQ(st.torn_records, 1);
	CHECK_UINT_EQ(st.torn_bytes, AGENT_SPOOL_REC_HEADER + sc_len(50) - 10);
	CHECK_UINT_EQ(st.last_seq, 49);
	/* The state file of the clean close says 50 was used: not again. */
	CHECK_UINT_EQ(st.next_seq, 51);
	CHECK_INT_EQ(tu_file_size(seg), rec_off(1, 50));
	CHECK_INT_EQ(sc_read_all(s, 1, 1, 49), 49);
	CHECK_INT_EQ(sc_append_to(s, 60), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(sc_read_all(s, 51, 51, 60), 10);
	agent_spool_free(s);
}

/* A last record whose bytes are wrong, and zeros after it (a file grown
 * by the kernel before the data reached it). */
static void test_torn_crc(const char *dir)
{
	static const uint8_t zeros[30];
	char seg[512], err[512];
	struct agent_spool *s = NULL;
	struct agent_spool_stats st;

	make_spool(dir, 30);
	snprintf(seg, sizeof(seg), "%s/%s", dir, SEG1);
	CHECK_INT_EQ(tu_flip_byte(seg, rec_off(1, 30) + AGENT_SPOOL_REC_HEADER + 7, 0x40), 0);
	CHECK_INT_EQ(tu_append(seg, zeros, sizeof(zeros)), 0);
	CHECK_INT_EQ(open_spool(dir, 1u << 16, &s, err, sizeof(err)), 0);
	if (!s)
		return;
	st = agent_spool_stats(s);
	CHECK_UINT_EQ(st.torn_records, 1);
	CHECK_UINT_EQ(st.torn_bytes, AGENT_SPOOL_REC_HEADER + sc_len(30) + sizeof(zeros));
	CHECK_INT_EQ(sc_read_all(s, 1, 1, 29), 29);
	agent_spool_free(s);
}

/* A damaged record with good ones after it: refused, file and byte named. */
static void test_damaged_middle(const char *dir)
{
	char seg[512], err[512], want[64];
	struct agent_spool *s = NULL;
	long long off = rec_off(1, 10);

	make_spool(dir, 50);
	snprintf(seg, sizeof(seg), "%s/%s", dir, SEG1);
	CHECK_INT_EQ(tu_flip_byte(seg, off + AGENT_SPOOL_REC_HEADER + 3, 0x01), 0);
	CHECK_INT_EQ(open_spool(dir, 1u << 16, &s, err, sizeof(err)), V2X_EMALFORMED);
	CHECK(s == NULL);
	snprintf(want, sizeof(want), "byte %lld", off);
	CHECK(strstr(err, SEG1) != NULL);
	CHECK(strstr(err, want) != NULL);
	CHECK(strstr(err, "after seq 9") != NULL);
	fprintf(stderr, "refused as it should be: %s\n", err);
	/* Nothing was changed: it is refused again, the file is whole. */
	CHECK_INT_EQ(tu_file_size(seg), rec_off(1, 51));
	CHECK_INT_EQ(open_spool(dir, 1u << 16, &s, err, sizeof(err)), V2X_EMALFORMED);
	agent_spool_free(s);
}

/* The last record of an older segment damaged: a newer segment follows,
 * so it is not a torn tail. */
static void test_damaged_older(const char *dir)
{
	char seg[512], err[512];
	struct agent_spool *s = NULL;
	long long size;

	CHECK_INT_EQ(open_spool(dir, 4096, &s, err, sizeof(err)), 0);
	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 100), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK(agent_spool_stats(s).segments >= 3);
	agent_spool_free(s);
	s = NULL;
	snprintf(seg, sizeof(seg), "%s/%s", dir, SEG1);
	size = tu_file_size(seg);
	CHECK_INT_EQ(tu_truncate(seg, size - 5), 0);
	CHECK_INT_EQ(open_spool(dir, 4096, &s, err, sizeof(err)), V2X_EMALFORMED);
	CHECK(strstr(err, SEG1) != NULL);
	CHECK(strstr(err, "a newer segment follows") != NULL);
	agent_spool_free(s);
}

/* Damaged on disk while open: the iterator skips the rest of the segment
 * and says so, then goes on with the next one. */
static void test_damaged_while_open(const char *dir)
{
	char seg[512], err[512];
	struct agent_spool *s = NULL;
	struct agent_spool_iter *it = NULL;
	struct agent_spool_rec rec;
	uint64_t want = 1, first2;
	int rc;

	CHECK_INT_EQ(open_spool(dir, 4096, &s, err, sizeof(err)), 0);
	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 100), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	snprintf(seg, sizeof(seg), "%s/%s", dir, SEG1);
	CHECK_INT_EQ(tu_flip_byte(seg, rec_off(1, 5) + AGENT_SPOOL_REC_HEADER + 1, 0x80), 0);
	if (agent_spool_iter_new(s, 1, &it) != 0)
		return;
	while ((rc = agent_spool_iter_next(it, &rec)) == 1 && sc_same(&rec, want))
		want++;
	CHECK_INT_EQ(rc, V2X_EMALFORMED);
	CHECK_UINT_EQ(want, 5);
	CHECK_UINT_EQ(agent_spool_stats(s).corrupt_skips, 1);
	/* The next record is the first of the second segment. */
	CHECK_INT_EQ(agent_spool_iter_next(it, &rec), 1);
	first2 = rec.seq;
	CHECK(first2 > 5 && sc_same(&rec, first2));
	agent_spool_iter_free(it);
	agent_spool_free(s);
}

static void run(void (*test)(const char *), const char *name)
{
	char dir[256];

	if (tu_tmpdir(dir, sizeof(dir), name) != 0) {
		fprintf(stderr, "%s: cannot make a temporary folder\n", name);
		CHECK_INT_EQ(tu_tmpdir(dir, sizeof(dir), name), 0);
		return;
	}
	test(dir);
	tu_rmtree(dir);
}

int main(void)
{
	run(test_torn_cut, "spool-torn-cut");
	run(test_torn_crc, "spool-torn-crc");
	run(test_damaged_middle, "spool-damaged");
	run(test_damaged_older, "spool-damaged-older");
	run(test_damaged_while_open, "spool-damaged-open");
	return check_exit();
}
