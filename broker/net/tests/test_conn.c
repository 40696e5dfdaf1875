/*
 * test_conn: the session of a connection over real sockets: the Hello and
 * its HelloAck, every way a Hello is refused, garbage and out-of-place
 * frames, an oversize length prefix, a peer that stops mid-frame or goes
 * silent, heartbeats; and that the broker keeps serving the others.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/net/net_int.h"
#include "broker/net/tests/netfx.h"
#include "runtime/err.h"
#include "tests/check.h"

#define ROLE_AGENT V2X__WIRE__ROLE__ROLE_AGENT
#define ROLE_SUB   V2X__WIRE__ROLE__ROLE_SUBSCRIBER
#define BYE(x)     V2X__WIRE__BYE_REASON__BYE_REASON_##x

static void test_hello_agent_tcp(struct fx *fx)
{
	struct fx_client cl;
	const V2x__Wire__Frame *f = NULL;

	fx->last_seq = 42;
	fx_connect(fx, &cl, false, 0);
	fx_send_hello(&cl, ROLE_AGENT, "rsu-2", "tok-agent");
	CHECK_INT_EQ(fx_recv(fx, &cl, &f, 2000), 1);
	CHECK_INT_EQ(f ? f->msg_case : 0, V2X__WIRE__FRAME__MSG_HELLO_ACK);
	if (f && f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK) {
		const V2x__Wire__HelloAck *a = f->hello_ack;

		CHECK_UINT_EQ(a->protocol_version, 1);
		CHECK_STR_EQ(a->broker_id, "test-broker");
		CHECK_UINT_EQ(a->heartbeat_interval_ms, 100);
		CHECK_UINT_EQ(a->timeout_ms, 400);
		CHECK_UINT_EQ(a->max_frame_size, 65536);
		CHECK(a->has_last_seq);
		CHECK_UINT_EQ(a->last_seq, 42);
	}
	CHECK_INT_EQ(fx->hellos, 1);
	CHECK_UINT_EQ(brk_net_stats(fx->net)->hellos, 1);
	fx_disconnect(&cl);
	fx_pump(fx, 50);
	CHECK_INT_EQ(fx->closes, 1);
	CHECK_INT_EQ(fx->last_close, BRK_CLOSE_PEER);
}

static void test_hello_subscriber_unix(struct fx *fx)
{
	struct fx_client cl;
	const V2x__Wire__Frame *f = NULL;

	fx_connect(fx, &cl, true, 0);
	fx_send_hello(&cl, ROLE_SUB, "oem-a", "tok-sub");
	CHECK_INT_EQ(fx_recv(fx, &cl, &f, 2000), 1);
	CHECK(f && f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK);
	if (f && f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK)
		CHECK(!f->hello_ack->has_last_seq);
	fx_disconnect(&cl);
	fx_pump(fx, 50);
}

/* A refused Hello: Bye(AUTH_FAILED), then the server closes. */
static void refused(struct fx *fx, int role, const char *id, const char *token)
{
	uint64_t before = brk_net_stats(fx->net)->closes[BRK_CLOSE_AUTH];
	const V2x__Wire__Frame *f;
	struct fx_client cl;
	int hellos = fx->hellos;

	fx_connect(fx, &cl, false, 0);
	fx_send_hello(&cl, role, id, token);
	fx_expect_bye(fx, &cl, BYE(AUTH_FAILED));
	CHECK_INT_EQ(fx_recv(fx, &cl, &f, 2000), 0);
	CHECK_UINT_EQ(brk_net_stats(fx->net)->closes[BRK_CLOSE_AUTH], before + 1);
	CHECK_INT_EQ(fx->hellos, hellos);
	fx_disconnect(&cl);
}

static void test_refusals(struct fx *fx)
{
	int closes = fx->closes;

	refused(fx, ROLE_AGENT, "rsu-1", "wrong-token");
	refused(fx, ROLE_SUB, "rsu-1", "tok-agent");   /* an agent's token as subscriber */
	refused(fx, ROLE_AGENT, "rsu-9", "tok-agent"); /* an RSU it is not bound to */
	refused(fx, ROLE_SUB, "oem-b", "tok-sub");     /* another account */
	/* The core never saw them: no on_close. */
	CHECK_INT_EQ(fx->closes, closes);
}

/* Bytes that end with Bye(reason), closed and counted under why. */
static void bad_bytes(struct fx *fx, const void *data, size_t len, int reason,
                      enum brk_close_reason why)
{
	uint64_t before = brk_net_stats(fx->net)->closes[why];
	const V2x__Wire__Frame *f;
	struct fx_client cl;

	fx_connect(fx, &cl, false, 0);
	fx_write(&cl, data, len);
	fx_expect_bye(fx, &cl, reason);
	CHECK_INT_EQ(fx_recv(fx, &cl, &f, 2000), 0);
	CHECK_UINT_EQ(brk_net_stats(fx->net)->closes[why], before + 1);
	fx_disconnect(&cl);
}

static void test_bad_peers(struct fx *fx)
{
	static const uint8_t garbage[] = { 5, 0xff, 0xff, 0xff, 0xff, 0xff };
	/* 100 MB as a varint: refused on its own, before any body arrives. */
	static const uint8_t huge[] = { 0x80, 0xc2, 0xd7, 0x2f };
	V2x__Wire__Heartbeat hb = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	uint8_t buf[64];
	size_t len;

	bad_bytes(fx, garbage, sizeof(garbage), BYE(FRAME_GARBAGE), BRK_CLOSE_GARBAGE);
	bad_bytes(fx, huge, sizeof(huge), BYE(FRAME_TOO_BIG), BRK_CLOSE_TOO_BIG);
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f.heartbeat = &hb;
	CHECK_INT_EQ(v2x_frame_encode(&f, buf, sizeof(buf), &len), 0);
	bad_bytes(fx, buf, len, BYE(PROTOCOL_ERROR), BRK_CLOSE_PROTOCOL);
}

/* The oversize prefix is refused with nothing buffered or allocated. */
static void test_oversize_no_alloc(struct fx *fx)
{
	static const uint8_t huge[] = { 0x80, 0xc2, 0xd7, 0x2f };
	struct brk_conn *c = brk_conn__acquire(fx->net, BRK_SERVE_AGENTS);
	struct v2x_frame_parser_stats ps;

	if (!CHECK(c))
		return;
	brk_conn__start(c);
	CHECK_INT_EQ(brk_conn__input(c, huge, sizeof(huge)), V2X_EFRAME_TOO_BIG);
	ps = v2x_frame_parser_stats(&c->parser);
	CHECK_UINT_EQ(ps.body_capacity, 0);
	CHECK_UINT_EQ(ps.arena_held, 0);
	CHECK_INT_EQ(c->state, BRK__CLOSING);
	fx_pump(fx, 20);
}

/* Hello, then HelloAck received; returns whether. */
static bool open_agent(struct fx *fx, struct fx_client *cl)
{
	const V2x__Wire__Frame *f = NULL;

	fx_connect(fx, cl, false, 0);
	fx_send_hello(cl, ROLE_AGENT, "rsu-1", "tok-agent");
	return CHECK(fx_recv(fx, cl, &f, 2000) == 1 &&
	             f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK);
}

static void test_mid_frame(struct fx *fx)
{
	static const uint8_t part[] = { 10, 0x22, 0x01, 0x00 };
	struct fx_client cl;
	uint64_t t0;
	const V2x__Wire__Frame *f = NULL;
	int rc;

	if (!open_agent(fx, &cl))
		return;
	fx_write(&cl, part, sizeof(part));
	t0 = fx_now_ms();
	/* Heartbeats come meanwhile; the Bye ends them. */
	while ((rc = fx_recv(fx, &cl, &f, 2000)) == 1 &&
	       f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT)
		;
	CHECK_INT_EQ(rc, 1);
	if (rc == 1 && CHECK(f->msg_case == V2X__WIRE__FRAME__MSG_BYE)) {
		CHECK_INT_EQ(f->bye->reason, BYE(TIMEOUT));
		CHECK(f->bye->text && strstr(f->bye->text, "middle of a frame"));
	}
	CHECK(fx_now_ms() - t0 >= 350);
	CHECK_INT_EQ(fx->last_close, BRK_CLOSE_TIMEOUT);
	fx_disconnect(&cl);
}

static void test_heartbeats(struct fx *fx)
{
	V2x__Wire__Heartbeat hb = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame out = V2X__WIRE__FRAME__INIT;
	const V2x__Wire__Frame *f = NULL;
	struct fx_client cl;
	int beats = 0, rc;
	uint64_t t0;

	if (!open_agent(fx, &cl))
		return;
	hb.has_send_time_us = 1;
	hb.send_time_us = 123456;
	out.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	out.heartbeat = &hb;
	fx_send(&cl, &out);
	CHECK_INT_EQ(fx_recv(fx, &cl, &f, 2000), 1);
	if (CHECK(f && f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT)) {
		CHECK(f->heartbeat->has_echo_send_time_us);
		CHECK_UINT_EQ(f->heartbeat->echo_send_time_us, 123456);
	}
	/* Now silent: the broker's own heartbeats, then the timeout. */
	t0 = fx_now_ms();
	while ((rc = fx_recv(fx, &cl, &f, 2000)) == 1 &&
	       f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT)
		beats++;
	CHECK(beats >= 2);
	CHECK(rc == 1 && f->msg_case == V2X__WIRE__FRAME__MSG_BYE &&
	      f->bye->reason == BYE(TIMEOUT));
	CHECK(fx_now_ms() - t0 >= 350);
	fx_disconnect(&cl);
}

/*
 * The loop busy for longer than the timeout (a burst of work) while the
 * peer's heartbeat waits unread in the socket: the peer is not silent and
 * must not be closed when the loop comes back.
 */
static void test_busy_loop(struct fx *fx)
{
	V2x__Wire__Heartbeat hb = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame out = V2X__WIRE__FRAME__INIT;
	const V2x__Wire__Frame *f = NULL;
	struct fx_client cl;
	int closes;

	if (!open_agent(fx, &cl))
		return;
	fx_pump(fx, 20);
	closes = fx->closes;
	usleep(1000u * (fx->cfg.timeout_ms / 2 + 100));
	hb.has_send_time_us = 1;
	hb.send_time_us = 777;
	out.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	out.heartbeat = &hb;
	fx_send(&cl, &out);
	usleep(1000u * (fx->cfg.timeout_ms / 2 + 100));
	CHECK_INT_EQ(fx_recv(fx, &cl, &f, 1000), 1);
	CHECK(f && f->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT);
	CHECK_INT_EQ(fx->closes, closes);
	CHECK_UINT_EQ(brk_net_stats(fx->net)->conns, 1);
	fx_disconnect(&cl);
	fx_pump(fx, 50);
}

/* What test_pause's core saw. */
static struct brk_conn *paused_conn;
static uint32_t seen_ids[8];
static int n_seen;

/* Pauses the connection on the first frame it hands over. */
static void pause_first(struct fx *fx, struct brk_conn *c, const V2x__Wire__Frame *f)
{
	(void)fx;
	if (f->msg_case == V2X__WIRE__FRAME__MSG_UNSUBSCRIBE && n_seen < 8)
		seen_ids[n_seen++] = f->unsubscribe->subscription_id;
	if (n_seen == 1) {
		paused_conn = c;
		brk_conn_pause(c, true);
	}
}

/*
 * Back pressure: paused on the first of three frames written at once, the
 * connection hands over nothing more, is not timed out while paused, and
 * on resume hands over the other two in order.
 */
static void test_pause(struct fx *fx)
{
	V2x__Wire__Unsubscribe u = V2X__WIRE__UNSUBSCRIBE__INIT;
	V2x__Wire__Frame out = V2X__WIRE__FRAME__INIT;
	uint8_t buf[256];
	size_t len = 0, n;
	struct fx_client cl;
	int closes;

	if (!open_agent(fx, &cl))
		return;
	n_seen = 0;
	paused_conn = NULL;
	fx->on_frame = pause_first;
	closes = fx->closes;
	u.has_subscription_id = 1;
	out.msg_case = V2X__WIRE__FRAME__MSG_UNSUBSCRIBE;
	out.unsubscribe = &u;
	for (uint32_t id = 1; id <= 3; id++) {
		u.subscription_id = id;
		CHECK_INT_EQ(v2x_frame_encode(&out, buf + len, sizeof(buf) - len, &n), 0);
		len += n;
	}
	fx_write(&cl, buf, len);
	fx_pump(fx, fx->cfg.timeout_ms + 300);
	CHECK_INT_EQ(n_seen, 1);
	CHECK(paused_conn && brk_conn_paused(paused_conn));
	CHECK_INT_EQ(fx->closes, closes);
	CHECK(brk_net_stats(fx->net)->pauses >= 1);
	if (paused_conn)
		brk_conn_pause(paused_conn, false);
	fx_pump(fx, 50);
	CHECK_INT_EQ(n_seen, 3);
	CHECK_UINT_EQ(seen_ids[0], 1);
	CHECK_UINT_EQ(seen_ids[1], 2);
	CHECK_UINT_EQ(seen_ids[2], 3);
	CHECK(paused_conn && !brk_conn_paused(paused_conn));
	fx->on_frame = NULL;
	fx_disconnect(&cl);
	fx_pump(fx, 50);
}

/* After every bad peer, a good one is served as before. */
static void test_still_serving(struct fx *fx)
{
	struct fx_client cl;

	if (!open_agent(fx, &cl))
		return;
	CHECK_UINT_EQ(brk_net_stats(fx->net)->conns, 1);
	fx_disconnect(&cl);
	fx_pump(fx, 50);
	CHECK_UINT_EQ(brk_net_stats(fx->net)->conns, 0);
}

static void test_overloaded(struct fx *fx)
{
	struct fx_client cl[3];

	fx->cfg.max_conns = 2;
	fx_start(fx);
	for (int i = 0; i < 3; i++)
		fx_connect(fx, &cl[i], false, 0);
	fx_expect_bye(fx, &cl[2], BYE(OVERLOADED));
	CHECK_UINT_EQ(brk_net_stats(fx->net)->closes[BRK_CLOSE_OVERLOADED], 1);
	CHECK_UINT_EQ(brk_net_stats(fx->net)->conns, 2);
	for (int i = 0; i < 3; i++)
		fx_disconnect(&cl[i]);
	fx_stop(fx);
}

int main(void)
{
	struct fx fx;

	fx_config(&fx);
	fx_start(&fx);
	test_hello_agent_tcp(&fx);
	test_hello_subscriber_unix(&fx);
	test_refusals(&fx);
	test_bad_peers(&fx);
	test_oversize_no_alloc(&fx);
	test_mid_frame(&fx);
	test_heartbeats(&fx);
	test_busy_loop(&fx);
	test_pause(&fx);
	test_still_serving(&fx);
	fx_stop(&fx);

	fx_config(&fx);
	test_overloaded(&fx);
	return check_exit();
}
