/*
 * agent-spool-bound: the spool's bound and its fsync policies.  A full
 * spool drops its oldest whole segments, counting the records that were
 * not acknowledged, and keeps within max_bytes; a record above max_record
 * is refused and uses up its seq.  NONE never syncs, ALWAYS syncs every
 * flush before it returns, INTERVAL syncs once the interval has passed
 * (at a flush or at agent_spool_sync_due), and every policy reads back
 * what it wrote after reopening.
 */
#include <stdio.h>
#include <string.h>

#include "rsu-agent/link/spool.h"
#include "rsu-agent/link/tests/spool_common.h"
#include "rsu-agent/link/tests/testutil.h"
#include "runtime/err.h"
#include "tests/check.h"

static struct agent_spool *open_spool(const char *dir, enum agent_spool_fsync policy,
                                      uint64_t max_bytes)
{
	struct agent_spool_config cfg = { .dir = dir,
		                          .max_bytes = max_bytes,
		                          .segment_bytes = 8192,
		                          .fsync = policy,
		                          .fsync_interval_ms = 50,
		                          .max_record = 1024 };
	struct agent_spool *s = NULL;
	char err[512];
	int rc = agent_spool_new(&cfg, &s, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "agent_spool_new: %s\n", err);
	CHECK_INT_EQ(rc, 0);
	return s;
}

/* Appends up to seq to, flushing every 10 records, as turns would. */
static void append_turns(struct agent_spool *s, uint64_t to)
{
	while (agent_spool_next_seq(s) <= to) {
		uint64_t end = agent_spool_next_seq(s) + 9;
		CHECK_INT_EQ(sc_append_to(s, end < to ? end : to), 0);
		CHECK_INT_EQ(agent_spool_flush(s), 0);
	}
}

/* Full: the oldest segments go, counted; what is left reads in order. */
static void test_full(const char *dir)
{
	struct agent_spool *s = open_spool(dir, AGENT_SPOOL_FSYNC_NONE, 32768);
	struct agent_spool_stats st;

	if (!s)
		return;
	append_turns(s, 1000);
	st = agent_spool_stats(s);
	CHECK(st.bytes <= 32768);
	CHECK(st.first_seq > 1);
	CHECK_UINT_EQ(st.last_seq, 1000);
	/* Nothing was acknowledged: every seq before the first was dropped. */
	CHECK_UINT_EQ(st.dropped_records, st.first_seq - 1);
	CHECK(st.dropped_bytes > 0);
	CHECK_UINT_EQ(st.records, 1000 - st.first_seq + 1);
	CHECK_INT_EQ(tu_count_files(dir, ".seg"), (int)st.segments);
	CHECK_INT_EQ(sc_read_all(s, 1, st.first_seq, 1000), (long)(1000 - st.first_seq + 1));
	/* The oldest segment partly acknowledged, then more appended: every
	 * unacknowledged record is either still held or counted as dropped,
	 * and the acknowledged ones dropped with it are not counted. */
	CHECK_INT_EQ(agent_spool_ack(s, st.first_seq + 5), 0);
	st = agent_spool_stats(s);
	append_turns(s, 1300);
	CHECK(agent_spool_stats(s).first_seq > st.first_seq + 5);
	CHECK_UINT_EQ(agent_spool_stats(s).dropped_records - st.dropped_records,
	              st.records + 300 - agent_spool_stats(s).records);
	CHECK(agent_spool_stats(s).bytes <= 32768);
	agent_spool_free(s);
}

/* A record above max_record: refused, its seq used up, counted. */
static void test_too_big(const char *dir)
{
	struct agent_spool *s = open_spool(dir, AGENT_SPOOL_FSYNC_NONE, 1u << 20);
	uint8_t big[2000];
	struct agent_spool_rec rec;
	struct agent_spool_iter *it = NULL;
	uint64_t want = 1;
	int rc = -1;

	if (!s)
		return;
	append_turns(s, 10);
	memset(big, 7, sizeof(big));
	sc_rec(11, big, &rec);
	rec.frame = big;
	rec.len = sizeof(big);
	CHECK_INT_EQ(agent_spool_append(s, &rec), V2X_ETOO_BIG);
	CHECK_UINT_EQ(agent_spool_next_seq(s), 12);
	CHECK_UINT_EQ(agent_spool_stats(s).dropped_records, 1);
	append_turns(s, 20);
	/* Read back: 1..10, then 12..20. */
	CHECK_INT_EQ(agent_spool_iter_new(s, 1, &it), 0);
	while (it && (rc = agent_spool_iter_next(it, &rec)) == 1 && sc_same(&rec, want))
		want = want == 10 ? 12 : want + 1;
	CHECK_INT_EQ(rc, 0);
	CHECK_UINT_EQ(want, 21);
	agent_spool_iter_free(it);
	agent_spool_free(s);
}

static void reopen_reads(const char *dir, enum agent_spool_fsync policy, uint64_t last)
{
	struct agent_spool *s = open_spool(dir, policy, 1u << 20);

	if (!s)
		return;
	CHECK_UINT_EQ(agent_spool_next_seq(s), last + 1);
	CHECK_INT_EQ(sc_read_all(s, 1, 1, last), (long)last);
	agent_spool_free(s);
}

static void test_fsync_none(const char *dir)
{
	struct agent_spool *s = open_spool(dir, AGENT_SPOOL_FSYNC_NONE, 1u << 20);

	if (!s)
		return;
	append_turns(s, 200);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, 0);
	/* One write per turn, and one more where a turn rolls into a new segment. */
	CHECK(agent_spool_stats(s).writes >= 20);
	CHECK(agent_spool_stats(s).writes <= 20 + agent_spool_stats(s).segments);
	tu_sleep_ms(60);
	CHECK_INT_EQ(agent_spool_sync_due(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, 0);
	/* Asked for, a sync happens whatever the policy. */
	CHECK_INT_EQ(agent_spool_sync(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, 1);
	agent_spool_free(s);
	reopen_reads(dir, AGENT_SPOOL_FSYNC_NONE, 200);
}

static void test_fsync_always(const char *dir)
{
	struct agent_spool *s = open_spool(dir, AGENT_SPOOL_FSYNC_ALWAYS, 1u << 20);
	struct agent_spool_stats st;

	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 5), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, 1);
	/* A flush with nothing pending syncs nothing. */
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, 1);
	append_turns(s, 200);
	st = agent_spool_stats(s);
	/* One per flush (20), one more per sealed segment at most. */
	CHECK(st.syncs >= st.writes);
	CHECK(st.syncs <= st.writes + st.segments);
	agent_spool_free(s);
	reopen_reads(dir, AGENT_SPOOL_FSYNC_ALWAYS, 200);
}

static void test_fsync_interval(const char *dir)
{
	struct agent_spool *s = open_spool(dir, AGENT_SPOOL_FSYNC_INTERVAL, 1u << 20);
	uint64_t t0 = tu_now_ms(), syncs;

	if (!s)
		return;
	CHECK_INT_EQ(sc_append_to(s, 5), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_INT_EQ(sc_append_to(s, 10), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	syncs = agent_spool_stats(s).syncs;
	/* Within the interval nothing is synced (unless this was slow). */
	if (tu_now_ms() - t0 < 40)
		CHECK_UINT_EQ(syncs, 0);
	tu_sleep_ms(60);
	CHECK_INT_EQ(agent_spool_sync_due(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, syncs + 1);
	/* Synced: nothing is due any more. */
	tu_sleep_ms(60);
	CHECK_INT_EQ(agent_spool_sync_due(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, syncs + 1);
	/* A flush after the interval syncs by itself. */
	CHECK_INT_EQ(sc_append_to(s, 15), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	tu_sleep_ms(60);
	CHECK_INT_EQ(sc_append_to(s, 20), 0);
	CHECK_INT_EQ(agent_spool_flush(s), 0);
	CHECK_UINT_EQ(agent_spool_stats(s).syncs, syncs + 2);
	agent_spool_free(s);
	reopen_reads(dir, AGENT_SPOOL_FSYNC_INTERVAL, 20);
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
	run(test_full, "spool-full");
	run(test_too_big, "spool-too-big");
	run(test_fsync_none, "spool-fsync-none");
	run(test_fsync_always, "spool-fsync-always");
	run(test_fsync_interval, "spool-fsync-interval");
	return check_exit();
}
