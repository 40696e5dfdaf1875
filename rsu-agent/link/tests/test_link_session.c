/*
 * agent-link-session: the link's session against the real v2x-wirepeer,
 * one scenario per function, each with its own peer and spool:
 * - coalescing: a burst of sends in one loop turn leaves in one write,
 *   within that same turn (no timer waited for);
 * - a peer that acknowledges nothing: the spool keeps every record, and
 *   the HelloAck of a peer that does acknowledge releases them all;
 * - a peer that drops the connection every 40 observations: every one
 *   arrives exactly once, in order, over many reconnects;
 * - a silent peer (no Ack, no Heartbeat): the link gives up on it after
 *   its timeout and reconnects;
 * - Downlinks the peer sends arrive at the callback, in order;
 * - the same over a unix socket;
 * - wirepeer itself closes a client that sends garbage or does not start
 *   with a Hello, with a Bye saying why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "codecs/wire/frame.h"
#include "rsu-agent/link/tests/linkfx.h"
#include "runtime/err.h"
#include "tests/check.h"

static const char *wirepeer;

static bool setup(struct lf *f, const char *name, bool unix_socket, const char *const *extra)
{
	if (lf_init(f, name, wirepeer) != 0 || lf_peer_start(f, unix_socket, extra) != 0) {
		fprintf(stderr, "%s: set-up failed\n", name);
		CHECK_INT_EQ(f->peer_up, 1);
		return false;
	}
	if (unix_socket)
		f->cfg.unix_path = f->sock;
	return true;
}

static void finish(struct lf *f)
{
	CHECK_INT_EQ(lf_fini(f), 0);
}

/* The whole output checked, the peer's summary as expected. */
static void check_all(struct lf *f, uint64_t duplicates)
{
	struct tu_peer_summary sum;
	struct tu_line *lines;
	long n;

	CHECK_INT_EQ(lf_peer_stop(f, &sum), 0);
	CHECK_UINT_EQ(sum.duplicates, duplicates);
	lines = lf_check_output(f, &n);
	free(lines);
}

static void test_coalescing(void)
{
	struct lf f;
	struct agent_link_stats before, after;
	struct agent_spool_stats sp;

	if (!setup(&f, "link-coalesce", false, NULL)) {
		finish(&f);
		return;
	}
	/* No heartbeat within the burst's turn. */
	f.cfg.heartbeat_ms = 5000;
	f.cfg.timeout_ms = 15000;
	CHECK_INT_EQ(lf_link_open(&f), 0);
	CHECK(tu_run_until(&f.loop, lf_live, &f, 5000));
	before = agent_link_stats(f.link);
	sp = agent_spool_stats(f.spool);
	for (int i = 0; i < 100; i++)
		CHECK_INT_EQ(lf_send(&f, lf_cycle(f.number + 1), 0), 0);
	/* Nothing is written until the turn ends ... */
	CHECK_UINT_EQ(agent_link_stats(f.link).writes, before.writes);
	uv_run(&f.loop, UV_RUN_NOWAIT);
	/* ... and then once, in that turn, after one write to the spool. */
	after = agent_link_stats(f.link);
	CHECK_UINT_EQ(after.writes, before.writes + 1);
	CHECK_UINT_EQ(after.sent, before.sent + 100);
	CHECK_UINT_EQ(agent_spool_stats(f.spool).writes, sp.writes + 1);
	CHECK(tu_run_until(&f.loop, lf_all_acked, &f, 5000));
	CHECK_UINT_EQ(agent_link_stats(f.link).writes, before.writes + 1);
	lf_link_close(&f);
	check_all(&f, 0);
	finish(&f);
}

static bool has_lines(void *arg)
{
	const struct lf *f = arg;

	return tu_count_lines(f->out) == (long)f->number;
}

static void test_no_ack(void)
{
	const char *const no_ack[] = { "--no-ack", NULL };
	struct tu_peer_summary sum;
	struct lf f;

	if (!setup(&f, "link-no-ack", false, no_ack)) {
		finish(&f);
		return;
	}
	CHECK_INT_EQ(lf_link_open(&f), 0);
	CHECK(tu_run_until(&f.loop, lf_live, &f, 5000));
	for (int i = 0; i < 200; i++)
		CHECK_INT_EQ(lf_send(&f, lf_cycle(f.number + 1), 0), 0);
	CHECK(tu_run_until(&f.loop, has_lines, &f, 5000));
	CHECK_UINT_EQ(agent_link_stats(f.link).acked, 0);
	CHECK_UINT_EQ(agent_spool_stats(f.spool).records, 200);
	/* A peer that acknowledges: its HelloAck says it has all 200. */
	CHECK_INT_EQ(lf_peer_stop(&f, &sum), 0);
	CHECK_INT_EQ(lf_peer_start(&f, false, NULL), 0);
	CHECK(tu_run_until(&f.loop, lf_all_acked, &f, 5000));
	CHECK_UINT_EQ(agent_spool_stats(f.spool).records, 0);
	CHECK_UINT_EQ(agent_link_stats(f.link).connects, 2);
	lf_link_close(&f);
	check_all(&f, 0);
	finish(&f);
}

static void test_close_after(void)
{
	const char *const close_after[] = { "--close-after=40", NULL };
	struct agent_link_stats st;
	struct tu_peer_summary sum;
	struct lf f;

	if (!setup(&f, "link-close-after", false, close_after)) {
		finish(&f);
		return;
	}
	CHECK_INT_EQ(lf_link_open(&f), 0);
	lf_steady_start(&f, 1);
	tu_run_for(&f.loop, 500);
	lf_steady_stop(&f);
	CHECK(tu_run_until(&f.loop, has_lines, &f, 10000));
	st = agent_link_stats(f.link);
	fprintf(stderr, "close-after: %" PRIu64 " sent over %" PRIu64 " connections\n", f.number,
	        st.connects);
	CHECK(st.connects >= f.number / 40);
	lf_link_close(&f);
	CHECK_INT_EQ(lf_peer_stop(&f, &sum), 0);
	CHECK_UINT_EQ(sum.observations, f.number);
	CHECK(sum.connections >= f.number / 40);
	/* Resumed from the HelloAck's last seq: nothing arrives twice. */
	CHECK_UINT_EQ(sum.duplicates, 0);
	free(lf_check_output(&f, &(long){ 0 }));
	finish(&f);
}

static bool timed_out(void *arg)
{
	const struct lf *f = arg;
	struct agent_link_stats st = agent_link_stats(f->link);

	return st.disconnects_by[AGENT_LINK_R_TIMEOUT] >= 1 && st.connects >= 2;
}

static void test_silent_peer(void)
{
	const char *const silent[] = { "--silent", NULL };
	struct agent_link_stats st;
	struct lf f;
	uint64_t t0;

	if (!setup(&f, "link-silent", false, silent)) {
		finish(&f);
		return;
	}
	f.cfg.heartbeat_ms = 50;
	f.cfg.timeout_ms = 300;
	CHECK_INT_EQ(lf_link_open(&f), 0);
	CHECK(tu_run_until(&f.loop, lf_live, &f, 5000));
	t0 = tu_now_ms();
	CHECK_INT_EQ(lf_send(&f, V2X_MSG_BSM, 0), 0);
	/* Stored by the peer but not acknowledged: still in the spool. */
	tu_run_for(&f.loop, 150);
	CHECK_UINT_EQ(agent_spool_stats(f.spool).records, 1);
	CHECK_UINT_EQ(agent_link_stats(f.link).acked, 0);
	CHECK(tu_run_until(&f.loop, timed_out, &f, 3000));
	st = agent_link_stats(f.link);
	CHECK(tu_now_ms() - t0 >= 300);
	CHECK(st.heartbeats_out >= 4);
	CHECK_UINT_EQ(st.heartbeats_in, 0);
	/* The next HelloAck said the peer has it. */
	CHECK_UINT_EQ(st.acked, 1);
	CHECK_UINT_EQ(agent_spool_stats(f.spool).records, 0);
	lf_link_close(&f);
	finish(&f);
}

/* Writes three Downlinks (request ids 7, 8, 9), framed, to path. */
static int write_downlinks(const char *path)
{
	uint8_t buf[256];
	size_t len, off = 0;
	FILE *fp;

	for (uint64_t id = 7; id <= 9; id++) {
		V2x__Wire__DownlinkCancel cancel = V2X__WIRE__DOWNLINK_CANCEL__INIT;
		V2x__Wire__Downlink dl = V2X__WIRE__DOWNLINK__INIT;
		V2x__Wire__Frame fr = V2X__WIRE__FRAME__INIT;
		cancel.has_request_id = 1;
		cancel.request_id = id - 6;
		dl.has_request_id = 1;
		dl.request_id = id;
		dl.action_case = V2X__WIRE__DOWNLINK__ACTION_CANCEL;
		dl.cancel = &cancel;
		fr.msg_case = V2X__WIRE__FRAME__MSG_DOWNLINK;
		fr.downlink = &dl;
		if (v2x_frame_encode(&fr, buf + off, sizeof(buf) - off, &len) != 0)
			return -1;
		off += len;
	}
	if (!(fp = fopen(path, "wb")))
		return -1;
	len = fwrite(buf, 1, off, fp);
	return fclose(fp) == 0 && len == off ? 0 : -1;
}

static bool three_downlinks(void *arg)
{
	return ((const struct lf *)arg)->n_downlinks >= 3;
}

static void test_downlink(void)
{
	char path[320], sendarg[340];
	const char *const extra[] = { sendarg, NULL };
	struct lf f;

	if (lf_init(&f, "link-downlink", wirepeer) != 0) {
		finish(&f);
		return;
	}
	snprintf(path, sizeof(path), "%s/downlinks.bin", f.dir);
	snprintf(sendarg, sizeof(sendarg), "--send=%s", path);
	CHECK_INT_EQ(write_downlinks(path), 0);
	CHECK_INT_EQ(lf_peer_start(&f, false, extra), 0);
	CHECK_INT_EQ(lf_link_open(&f), 0);
	CHECK(tu_run_until(&f.loop, three_downlinks, &f, 5000));
	CHECK_UINT_EQ(f.n_downlinks, 3);
	CHECK_UINT_EQ(f.downlinks[0], 7);
	CHECK_UINT_EQ(f.downlinks[1], 8);
	CHECK_UINT_EQ(f.downlinks[2], 9);
	CHECK_UINT_EQ(agent_link_stats(f.link).downlinks, 3);
	/* The session goes on after them. */
	CHECK_INT_EQ(lf_send(&f, V2X_MSG_RSM, 0), 0);
	CHECK(tu_run_until(&f.loop, lf_all_acked, &f, 5000));
	lf_link_close(&f);
	check_all(&f, 0);
	finish(&f);
}

static void test_unix(void)
{
	struct lf f;

	if (!setup(&f, "link-unix", true, NULL)) {
		finish(&f);
		return;
	}
	CHECK_INT_EQ(lf_link_open(&f), 0);
	CHECK(tu_run_until(&f.loop, lf_live, &f, 5000));
	for (int i = 0; i < 50; i++)
		CHECK_INT_EQ(lf_send(&f, lf_cycle(f.number + 1), 0), 0);
	CHECK(tu_run_until(&f.loop, lf_all_acked, &f, 5000));
	CHECK_UINT_EQ(agent_link_stats(f.link).connects, 1);
	CHECK_UINT_EQ(agent_link_stats(f.link).sent, 50);
	lf_link_close(&f);
	check_all(&f, 0);
	finish(&f);
}

/* Sends bytes on a fresh connection to the peer and returns the reason of
 * the Bye it answers with (-1: none), after checking it then closes. */
static int bye_for(int port, const uint8_t *bytes, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct v2x_frame_parser p;
	const V2x__Wire__Frame *fr;
	uint8_t buf[4096];
	size_t have = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), reason = -1;
	ssize_t n;

	sa.sin_addr.s_addr = htonl(0x7f000001);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, bytes, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (have < sizeof(buf) && (n = read(fd, buf + have, sizeof(buf) - have)) > 0)
		have += (size_t)n;
	close(fd);
	v2x_frame_parser_init(&p, NULL);
	{
		const uint8_t *q = buf;
		if (v2x_frame_parser_next(&p, &q, &have, &fr) == 1 &&
		    fr->msg_case == V2X__WIRE__FRAME__MSG_BYE && fr->bye->text)
			reason = (int)fr->bye->reason;
	}
	v2x_frame_parser_fini(&p);
	return reason;
}

static void test_peer_refuses(void)
{
	static const uint8_t garbage[] = { 0x05, 0xff, 0xff, 0xff, 0xff, 0xff };
	V2x__Wire__Heartbeat hb = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame fr = V2X__WIRE__FRAME__INIT;
	uint8_t frame[64];
	size_t len = 0;
	struct lf f;

	if (!setup(&f, "link-peer-refuses", false, NULL)) {
		finish(&f);
		return;
	}
	CHECK_INT_EQ(bye_for(f.port, garbage, sizeof(garbage)),
	             V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_GARBAGE);
	fr.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	fr.heartbeat = &hb;
	CHECK_INT_EQ(v2x_frame_encode(&fr, frame, sizeof(frame), &len), 0);
	CHECK_INT_EQ(bye_for(f.port, frame, len), V2X__WIRE__BYE_REASON__BYE_REASON_PROTOCOL_ERROR);
	finish(&f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s WIREPEER\n", argv[0]);
		return 2;
	}
	wirepeer = argv[1];
	test_coalescing();
	test_no_ack();
	test_close_after();
	test_silent_peer();
	test_downlink();
	test_unix();
	test_peer_refuses();
	return check_exit();
}
