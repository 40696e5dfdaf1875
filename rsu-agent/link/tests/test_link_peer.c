/*
 * agent-link-peer: the link against the real v2x-wirepeer over TCP.  A
 * steady stream of observations goes on while the peer runs, is stopped
 * for a while and is started again on the same output file.  Every
 * observation arrives exactly once, in order (by seq and by the number in
 * its message), with no duplicate at the peer; those sent while it was
 * down arrive marked replayed, the ones before it went down do not, and
 * the old safety messages (BSM, RSM) among them arrive record_only, old
 * MAPs not.  While the peer is down the link reconnects with a doubling,
 * jittered and bounded delay; heartbeats go both ways all along.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/link/tests/linkfx.h"
#include "runtime/clock.h"
#include "tests/check.h"

/* Numbers 1..n1 sent with the peer up, n1+1..n2 with it down. */
struct phases {
	uint64_t n1, n2;
	uint64_t restart_ms; /* uv_now() when the peer was started again */
};

/* The delays of the backoffs entered while the peer was down: the k-th
 * after the session ended waits in [base/2, base], base = 20 ms doubled k
 * times, at most 200 ms. */
static void check_backoff(const struct lf *f, const struct phases *ph, uint64_t down_ms)
{
	unsigned k = 0;
	uint64_t longest = 0;

	for (size_t i = 0; i + 1 < f->n_states; i++) {
		const struct lf_state *s = &f->states[i], *next = &f->states[i + 1];
		uint64_t base = 20u << (k < 4 ? k : 4), delay;
		if (s->state != AGENT_LINK_BACKOFF || s->t < down_ms || next->t >= ph->restart_ms)
			continue;
		if (base > 200)
			base = 200;
		delay = next->t - s->t;
		CHECK_INT_EQ(next->state, AGENT_LINK_CONNECTING);
		if (delay + 1 < base / 2 || delay > base + 30)
			fprintf(stderr,
			        "backoff %u: %" PRIu64 " ms, expected %" PRIu64 "..%" PRIu64 "\n",
			        k, delay, base / 2, base);
		CHECK(delay + 1 >= base / 2 && delay <= base + 30);
		longest = delay > longest ? delay : longest;
		k++;
	}
	fprintf(stderr, "%u backoffs while the peer was down, the longest %" PRIu64 " ms\n", k,
	        longest);
	CHECK(k >= 4);
	CHECK(longest >= 100);
}

static void check_flags(const struct lf *f, const struct tu_line *lines, long n,
                        const struct phases *ph, const struct agent_link_stats *st)
{
	uint64_t last_replayed = 0, record_only = 0;

	for (long i = 0; i < n; i++) {
		uint64_t num = (uint64_t)i + 1;
		bool safety = f->types[num] == V2X_MSG_BSM || f->types[num] == V2X_MSG_RSM;
		if (num <= ph->n1)
			CHECK(!lines[i].replayed);
		else if (num <= ph->n2)
			CHECK(lines[i].replayed);
		if (lines[i].replayed)
			last_replayed = num;
		/* Once live again, nothing more is replayed. */
		if (num > ph->n2 && !lines[i].replayed)
			CHECK(last_replayed < num);
		CHECK_INT_EQ(lines[i].record_only, f->old[num] && safety);
		record_only += lines[i].record_only;
	}
	/* The replayed ones are one block, from the first sent while down. */
	for (uint64_t num = ph->n1 + 1; num <= last_replayed; num++)
		CHECK(lines[num - 1].replayed);
	CHECK(last_replayed >= ph->n2);
	CHECK_UINT_EQ(st->record_only, record_only);
	fprintf(stderr, "replayed %" PRIu64 "..%" PRIu64 ", %" PRIu64 " record_only\n", ph->n1 + 1,
	        last_replayed, record_only);
}

/* While down: the steady stream, and a few old BSMs, RSMs and MAPs. */
static void send_while_down(struct lf *f)
{
	int64_t old = v2x_clock_wall_us() - 30 * 1000000LL;

	tu_run_for(&f->loop, 250);
	CHECK_INT_EQ(lf_send(f, V2X_MSG_BSM, old), 0);
	CHECK_INT_EQ(lf_send(f, V2X_MSG_MAP, old), 0);
	CHECK_INT_EQ(lf_send(f, V2X_MSG_RSM, old), 0);
	CHECK_INT_EQ(lf_send(f, V2X_MSG_BSM, old), 0);
	tu_run_for(&f->loop, 350);
}

static void run_test(struct lf *f)
{
	struct tu_peer_summary sum;
	struct agent_link_stats st;
	struct phases ph = { 0 };
	struct tu_line *lines;
	uint64_t down_ms;
	long n;

	/* Sent once live: none goes through a replay. */
	CHECK(tu_run_until(&f->loop, lf_live, f, 5000));
	lf_steady_start(f, 2);
	tu_run_for(&f->loop, 300);
	lf_steady_stop(f);
	CHECK(tu_run_until(&f->loop, lf_all_acked, f, 5000));
	ph.n1 = f->number;
	CHECK_UINT_EQ(agent_link_stats(f->link).replayed, 0);

	CHECK_INT_EQ(lf_peer_stop(f, &sum), 0);
	CHECK_UINT_EQ(sum.observations, ph.n1);
	CHECK_UINT_EQ(sum.duplicates, 0);
	down_ms = uv_now(&f->loop);
	lf_steady_start(f, 2);
	send_while_down(f);
	ph.n2 = f->number;
	st = agent_link_stats(f->link);
	CHECK(!st.connected);
	CHECK(st.disconnects_by[AGENT_LINK_R_CONNECT] >= 3);
	CHECK(st.drain_backlog >= ph.n2 - ph.n1);

	CHECK_INT_EQ(lf_peer_start(f, false, NULL), 0);
	ph.restart_ms = uv_now(&f->loop);
	tu_run_for(&f->loop, 300);
	lf_steady_stop(f);
	CHECK(tu_run_until(&f->loop, lf_all_acked, f, 10000));
	CHECK_INT_EQ(lf_peer_stop(f, &sum), 0);
	CHECK_UINT_EQ(sum.observations, f->number - ph.n1);
	CHECK_UINT_EQ(sum.duplicates, 0);
	CHECK_UINT_EQ(sum.connections, 1);

	st = agent_link_stats(f->link);
	fprintf(stderr,
	        "%" PRIu64 " sent: %" PRIu64 " live, %" PRIu64 " replayed; %" PRIu64
	        " connects of %" PRIu64 " attempts; %" PRIu64 " writes; heartbeats %" PRIu64
	        " out, %" PRIu64 " in, rtt %" PRIu64 " us\n",
	        f->number, st.sent, st.replayed, st.connects, st.connect_attempts, st.writes,
	        st.heartbeats_out, st.heartbeats_in, st.rtt_us);
	CHECK_UINT_EQ(st.connects, 2);
	CHECK(st.disconnects_by[AGENT_LINK_R_BYE] + st.disconnects_by[AGENT_LINK_R_EOF] >= 1);
	/* What was in flight when the peer stopped was sent live and then
	 * replayed: the peer stored it once. */
	CHECK(st.sent + st.replayed >= f->number);
	CHECK(st.replayed >= ph.n2 - ph.n1);
	/* Over half a second connected at 100 ms: heartbeats both ways. */
	CHECK(st.heartbeats_out >= 4);
	CHECK(st.heartbeats_in >= 4);
	CHECK(st.rtt_us > 0 && st.rtt_us < 1000000);
	CHECK_UINT_EQ(st.dropped, 0);
	CHECK(st.writes < f->number);
	check_backoff(f, &ph, down_ms);
	lf_link_close(f);

	lines = lf_check_output(f, &n);
	if (lines && n == (long)f->number)
		check_flags(f, lines, n, &ph, &st);
	free(lines);
}

int main(int argc, char **argv)
{
	struct lf f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s WIREPEER\n", argv[0]);
		return 2;
	}
	if (lf_init(&f, "link-peer", argv[1]) != 0 || lf_peer_start(&f, false, NULL) != 0 ||
	    lf_link_open(&f) != 0) {
		fprintf(stderr, "set-up failed\n");
		CHECK_INT_EQ(f.link != NULL, 1);
		lf_fini(&f);
		return check_exit();
	}
	run_test(&f);
	CHECK_INT_EQ(lf_fini(&f), 0);
	return check_exit();
}
