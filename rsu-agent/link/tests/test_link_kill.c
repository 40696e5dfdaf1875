/*
 * agent-link-kill: the process that owns the link is killed with SIGKILL
 * and started again on the same spool, against the real v2x-wirepeer.
 * Once killed by itself in the middle of draining a backlog (at a known
 * point), once killed from outside in the middle of a steady live stream.
 * Either way every observation that reached the spool arrives exactly
 * once and in order (by seq and by the number in the message), nothing is
 * lost, no seq is used twice, the peer sees no duplicate, and what the
 * restarted process sends once live is not marked replayed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/link/tests/testutil.h"
#include "tests/check.h"

struct kt {
	const char *wirepeer, *driver;
	char dir[256], spool[300], out[300];
	struct tu_child peer;
	int port;
};

/* Runs the driver with extra arguments; returns its child (stdout piped). */
static int driver_start(struct kt *k, struct tu_child *c, const char *const *extra)
{
	const char *argv[16];
	char spool[320], port[32];
	size_t n = 0;

	snprintf(spool, sizeof(spool), "--spool=%s", k->spool);
	snprintf(port, sizeof(port), "--port=%d", k->port);
	argv[n++] = k->driver;
	argv[n++] = spool;
	argv[n++] = port;
	for (size_t i = 0; extra[i] && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return tu_spawn(c, argv);
}

/* Waits for the driver's "done" line; returns next_seq, 0 on failure. */
static uint64_t driver_done(struct tu_child *c)
{
	char line[256] = "";
	uint64_t next = 0, acked = 0;

	if (tu_read_line(c, line, sizeof(line), 15000) != 0 ||
	    sscanf(line, "done next_seq %" SCNu64 " acked %" SCNu64, &next, &acked) != 2)
		fprintf(stderr, "the driver said '%s'\n", line);
	CHECK_UINT_EQ(acked + 1, next);
	CHECK_INT_EQ(tu_wait(c, 5000), 0);
	return next;
}

/* Waits until the peer's output stops growing: it has read what the
 * killed process had written to its socket. */
static long settle(const char *out)
{
	long n = tu_count_lines(out), prev = -1;

	while (n != prev) {
		prev = n;
		tu_sleep_ms(200);
		n = tu_count_lines(out);
	}
	return n;
}

/* Lines 1..last: seq and number equal, in order; up to replayed_to marked
 * replayed, from live_from on not. */
static void check_output(const struct kt *k, uint64_t last, uint64_t replayed_to,
                         uint64_t live_from)
{
	struct tu_line *lines = NULL;
	long n = tu_read_lines(k->out, &lines), bad = 0;

	CHECK_INT_EQ(n, (long)last);
	for (long i = 0; i < n && bad < 5; i++) {
		uint64_t want = (uint64_t)i + 1;
		const char *type = want % 2 ? "RSM" : "BSM";
		bool ok = lines[i].seq == want && lines[i].number == want &&
		          strcmp(lines[i].type, type) == 0 && lines[i].has_msg &&
		          (want > replayed_to || lines[i].replayed) &&
		          (want < live_from || !lines[i].replayed);
		if (!ok)
			fprintf(stderr, "line %ld: seq %" PRIu64 " number %" PRIu64 " %s%s\n", i,
			        lines[i].seq, lines[i].number, lines[i].type,
			        lines[i].replayed ? " replayed" : "");
		bad += !ok;
	}
	CHECK_INT_EQ(bad, 0);
	free(lines);
}

static void stop_peer(struct kt *k, uint64_t observations)
{
	struct tu_peer_summary sum;

	CHECK_INT_EQ(tu_peer_stop(&k->peer, &sum), 0);
	CHECK_UINT_EQ(sum.observations, observations);
	CHECK_UINT_EQ(sum.duplicates, 0);
}

/* 3000 spooled while the peer was down, killed after 1000 replays. */
static void test_kill_draining(struct kt *k)
{
	const char *first[] = { "--count=3000", "--kill-after-replayed=1000", "--drain-chunk=16k",
		                NULL };
	const char *second[] = { "--count=500", "--wait-live", NULL };
	struct tu_child c;
	long at_kill;

	CHECK_INT_EQ(driver_start(k, &c, first), 0);
	CHECK_INT_EQ(tu_wait(&c, 15000), 128 + SIGKILL);
	at_kill = settle(k->out);
	fprintf(stderr, "killed while draining: the peer had %ld of 3000\n", at_kill);
	CHECK(at_kill > 0 && at_kill <= 1000);
	CHECK_INT_EQ(driver_start(k, &c, second), 0);
	CHECK_UINT_EQ(driver_done(&c), 3501);
	stop_peer(k, 3500);
	check_output(k, 3500, 3000, 3001);
}

/* Killed from outside at some point of a steady live stream. */
static void test_kill_live(struct kt *k)
{
	const char *first[] = { "--count=1000000", "--every-ms=1", NULL };
	const char *second[] = { "--count=200", "--wait-live", NULL };
	struct tu_child c;
	uint64_t next;
	long at_kill;

	CHECK_INT_EQ(driver_start(k, &c, first), 0);
	tu_sleep_ms(700);
	tu_kill(&c, SIGKILL);
	CHECK_INT_EQ(tu_wait(&c, 5000), 128 + SIGKILL);
	at_kill = settle(k->out);
	fprintf(stderr, "killed while live: the peer had %ld\n", at_kill);
	CHECK(at_kill > 100);
	CHECK_INT_EQ(driver_start(k, &c, second), 0);
	next = driver_done(&c);
	CHECK(next >= (uint64_t)at_kill + 201);
	stop_peer(k, next - 1);
	check_output(k, next - 1, 0, next - 200);
}

static int setup(struct kt *k, const char *name)
{
	if (tu_tmpdir(k->dir, sizeof(k->dir), name) != 0)
		return -1;
	snprintf(k->spool, sizeof(k->spool), "%s/spool", k->dir);
	snprintf(k->out, sizeof(k->out), "%s/peer.jsonl", k->dir);
	k->port = tu_peer_start(&k->peer, k->wirepeer, 0, k->out, NULL);
	return k->port > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct kt k;

	if (argc != 3) {
		fprintf(stderr, "usage: %s WIREPEER DRIVER\n", argv[0]);
		return 2;
	}
	memset(&k, 0, sizeof(k));
	k.wirepeer = argv[1];
	k.driver = argv[2];
	CHECK_INT_EQ(setup(&k, "link-kill-drain"), 0);
	if (k.port > 0)
		test_kill_draining(&k);
	tu_rmtree(k.dir);
	k.port = 0;
	CHECK_INT_EQ(setup(&k, "link-kill-live"), 0);
	if (k.port > 0)
		test_kill_live(&k);
	tu_rmtree(k.dir);
	return check_exit();
}
