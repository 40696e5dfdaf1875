/*
 * agent-spool-basic: records appended during a turn and flushed with one
 * write read back in order, byte for byte, also after the spool is opened
 * again; acknowledgements delete whole segments; seqs are never used twice
 * across reopening, also when everything was acknowledged and the segments
 * are gone.
 */
#include <stdio.h>

#include "rsu-agent/link/spool.h"
#include "rsu-agent/link/tests/spool_common.h"
#include "rsu-agent/link/tests/testutil.h"
#include "runtime/err.h"
#include "tests/check.h"

static struct agent_spool *open_spool(const char *dir)
{
	struct agent_spool_config cfg = { .dir = dir,
		                          .max_bytes = 1u << 20,
		                          .segment_bytes = 8192 };
	struct agent_spool *s = NULL;
	char err[512];
	int rc = agent_spool_new(&cfg, &s, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "agent_spool_new: %s\n", err);
	CHECK_INT_EQ(rc, 0);
	return s;
}

/* One turn's appends go to the disk with one write, in order. */
static void test_append_flush_read(const char *dir)
{
	struct agent_spool *s = open_spool(dir);
	struct agent_spool_stats st;

	if (!s)
		return;
	CHECK_UINT_EQ(agent_spool_next_seq(s), 1);
	CHECK_INT_EQ(sc_append_to(s, 40), 0);
	/* Nothing is readable before the flush: the iterator reads the disk. */
	CHECK_INT_EQ(sc_read_all(s, 1, 1, 0), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	st = agent_spool_stats(s);
	CHECK_UINT_EQ(st.writes, 1);
	CHECK_UINT_EQ(st.appended, 40);
	CHECK_UINT_EQ(st.records, 40);
	CHECK_UINT_EQ(st.first_seq, 1);
	CHECK_UINT_EQ(st.last_seq, 40);
	CHECK_INT_EQ(sc_read_all(s, 1, 1, 40), 40);
	CHECK_INT_EQ(sc_read_all(s, 17, 17, 40), 24);
	/* Many turns roll over into several segments of about 8 kB. */
	for (uint64_t to = 80; to <= 400; to += 40) {
		CHECK_INT_EQ(sc_append_to(s, to), 0);
		CHECK_INT_EQ(agent_spool_flush(s), 0);
	}
	st = agent_spool_stats(s);
	CHECK(st.segments >= 5);
	CHECK_INT_EQ(tu_count_files(dir, ".seg"), (int)st.segments);
	CHECK_INT_EQ(sc_read_all(s, 1, 1, 400), 400);
	CHECK_INT_EQ(sc_read_all(s, 250, 250, 400), 151);
	agent_spool_free(s);
}

/* The iterator sees what is flushed after it was made. */
static void test_iterator_follows(const char *dir)
{
	struct agent_spool *s = open_spool(dir);
	struct agent_spool_iter *it = NULL;
	struct agent_spool_rec rec;
	uint64_t want = 1;

	if (!s || agent_spool_iter_new(s, 1, &it) != 0)
		return;
	for (int turn = 0; turn < 20; turn++) {
		int rc;
		CHECK_INT_EQ(sc_append_to(s, agent_spool_next_seq(s) + 29), 0);
		CHECK_INT_EQ(agent_spool_flush(s), 0);
		while ((rc = agent_spool_iter_next(it, &rec)) == 1 && sc_same(&rec, want))
			want++;
		CHECK_INT_EQ(rc, 0);
	}
	CHECK_UINT_EQ(want, 601);
	/* Acknowledged while iterating: the next record is the first after. */
	CHECK_INT_EQ(sc_append_to(s, 700), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(agent_spool_ack(s, 650), 0);
	CHECK_INT_EQ(agent_spool_iter_next(it, &rec), 1);
	CHECK(sc_same(&rec, 651));
	agent_spool_iter_free(it);
	agent_spool_free(s);
}

/* Reopened, the spool holds the same records and goes on after them. */
static void test_reopen(const char *dir)
{
	struct agent_spool *s = open_spool(dir);
	struct agent_spool_stats st;

	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 300), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(agent_spool_ack(s, 100), 0);
	agent_spool_free(s);
	if (!(s = open_spool(dir)))
		return;
	st = agent_spool_stats(s);
	CHECK_UINT_EQ(st.next_seq, 301);
	CHECK_UINT_EQ(st.acked_seq, 100);
	CHECK_UINT_EQ(st.records, 200);
	CHECK_INT_EQ(sc_read_all(s, 1, 101, 300), 200);
	CHECK_INT_EQ(sc_append_to(s, 320), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(sc_read_all(s, 1, 101, 320), 220);
	agent_spool_free(s);
}

/* Acknowledgements delete whole segments, oldest first, never the current. */
static void test_ack_deletes(const char *dir)
{
	struct agent_spool *s = open_spool(dir);
	struct agent_spool_stats st;
	uint64_t before;

	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 500), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	before = agent_spool_stats(s).segments;
	CHECK(before >= 5);
	CHECK_INT_EQ(agent_spool_ack(s, 1), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).segments, before);
	CHECK_INT_EQ(agent_spool_ack(s, 250), 0);
	st = agent_spool_stats(s);
	CHECK(st.segments < before && st.segments > 1);
	CHECK(st.first_seq <= 251);
	CHECK_UINT_EQ(st.records, 250);
	CHECK_INT_EQ(tu_count_files(dir, ".seg"), (int)st.segments);
	CHECK_INT_EQ(sc_read_all(s, 1, 251, 500), 250);
	/* An ack beyond the last seq is taken as the last. */
	CHECK_INT_EQ(agent_spool_ack(s, 9999), 0);
	st = agent_spool_stats(s);
	CHECK_UINT_EQ(st.acked_seq, 500);
	CHECK_UINT_EQ(st.records, 0);
	CHECK_UINT_EQ(st.segments, 1);
	CHECK_INT_EQ(sc_read_all(s, 1, 501, 500), 0);
	agent_spool_free(s);
}

/* Everything acknowledged: closing deletes every segment, and the state
 * file keeps the next seq. */
static void test_seq_survives_empty(const char *dir)
{
	struct agent_spool *s = open_spool(dir);
	struct agent_spool_rec rec;
	uint8_t buf[SC_MAX_FRAME];

	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 50), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(agent_spool_ack(s, 50), 0);
	agent_spool_free(s);
	CHECK_INT_EQ(tu_count_files(dir, ".seg"), 0);
	CHECK_INT_EQ(tu_count_files(dir, "state"), 1);
	if (!(s = open_spool(dir)))
		return;
	CHECK_UINT_EQ(agent_spool_next_seq(s), 51);
	sc_rec(50, buf, &rec);
	CHECK_INT_EQ(agent_spool_append(s, &rec), V2X_EINVAL);
	CHECK_INT_EQ(sc_append_to(s, 60), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(sc_read_all(s, 1, 51, 60), 10);
	agent_spool_free(s);
}

/* A seq reserved (the broker's last_seq) survives reopening too, also
 * when the agent dies without closing the spool. */
static void test_reserve(const char *dir)
{
	struct agent_spool *s = open_spool(dir);
	struct agent_spool *again;

	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 10), 0);
	CHECK_INT_EQ(agent_spool_reserve_seq(s, 5), 0);
	CHECK_UINT_EQ(agent_spool_next_seq(s), 11);
	CHECK_INT_EQ(agent_spool_reserve_seq(s, 1000), 0);
	CHECK_UINT_EQ(agent_spool_next_seq(s), 1000);
	/* Opened again while s is still open, as after a crash. */
	if ((again = open_spool(dir)) != NULL)
		CHECK_UINT_EQ(agent_spool_next_seq(again), 1000);
	agent_spool_free(again);
	CHECK_INT_EQ(sc_append_to(s, 1010), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(sc_read_all(s, 1000, 1000, 1010), 11);
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
	run(test_append_flush_read, "spool-read");
	run(test_iterator_follows, "spool-follow");
	run(test_reopen, "spool-reopen");
	run(test_ack_deletes, "spool-ack");
	run(test_seq_survives_empty, "spool-empty");
	run(test_reserve, "spool-reserve");
	return check_exit();
}
