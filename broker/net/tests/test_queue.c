/*
 * test_queue: the output side over real sockets: frames queued in one
 * loop turn go out in one write; a subscriber that never reads has its
 * queue bounded (drop-oldest keeps it, counting drops; disconnect closes
 * it) while a reading subscriber receives every frame without waiting for
 * it; shared buffers are released exactly once (the pool ends empty).
 */
#include <stdlib.h>
#include <string.h>

#include "broker/net/tests/netfx.h"
#include "runtime/err.h"
#include "tests/check.h"

#define ROLE_SUB V2X__WIRE__ROLE__ROLE_SUBSCRIBER
#define TEXT_LEN 8000

/* The subscribers' connections, as the core sees them. */
struct subs {
	struct brk_conn *conn[2];
	int n;
};

static struct subs subs;

/* A Subscribe frame registers its connection with the test's "core". */
static void on_frame(struct fx *fx, struct brk_conn *c, const V2x__Wire__Frame *f)
{
	(void)fx;
	if (f->msg_case == V2X__WIRE__FRAME__MSG_SUBSCRIBE && subs.n < 2)
		subs.conn[subs.n++] = c;
}

static bool open_sub(struct fx *fx, struct fx_client *cl, int rcvbuf)
{
	V2x__Wire__Subscribe s = V2X__WIRE__SUBSCRIBE__INIT;
	V2x__Wire__Frame out = V2X__WIRE__FRAME__INIT;
	const V2x__Wire__Frame *f = NULL;
	int n = subs.n;

	fx_connect(fx, cl, false, rcvbuf);
	fx_send_hello(cl, ROLE_SUB, "oem-a", "tok-sub");
	if (!CHECK(fx_recv(fx, cl, &f, 2000) == 1 &&
	           f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK))
		return false;
	out.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	out.subscribe = &s;
	fx_send(cl, &out);
	fx_pump(fx, 20);
	return CHECK(subs.n == n + 1);
}

/* A warning of about TEXT_LEN bytes, numbered id, encoded once. */
static struct brk_sbuf *warning(struct fx *fx, uint64_t id)
{
	static char text[TEXT_LEN + 1];
	V2x__Wire__Warning w = V2X__WIRE__WARNING__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	struct brk_sbuf *b = NULL;

	memset(text, 'w', TEXT_LEN);
	w.has_warning_id = 1;
	w.warning_id = id;
	w.text = text;
	f.msg_case = V2X__WIRE__FRAME__MSG_WARNING;
	f.warning = &w;
	CHECK_INT_EQ(brk_sbuf_encode(brk_net_pool(fx->net), &f, &b), 0);
	return b;
}

/* Receives warnings until none comes for quiet_ms; returns how many, in order from first. */
static int drain(struct fx *fx, struct fx_client *cl, uint64_t *next_id, unsigned quiet_ms)
{
	const V2x__Wire__Frame *f;
	int n = 0;

	while (fx_recv(fx, cl, &f, quiet_ms) == 1) {
		if (f->msg_case != V2X__WIRE__FRAME__MSG_WARNING)
			continue;
		CHECK_UINT_EQ(f->warning->warning_id, *next_id);
		*next_id = f->warning->warning_id + 1;
		n++;
	}
	return n;
}

static void test_coalescing(struct fx *fx)
{
	struct fx_client cl;
	struct brk_sbuf *b;
	uint64_t writes;

	subs.n = 0;
	if (!open_sub(fx, &cl, 0))
		return;
	fx_pump(fx, 20);
	writes = brk_conn_stats(subs.conn[0]).writes;
	b = warning(fx, 0);
	/* 100 frames, the same shared buffer, in one turn. */
	for (int i = 0; i < 100; i++)
		CHECK_INT_EQ(brk_conn_send(subs.conn[0], b), 0);
	CHECK_UINT_EQ(b->refs, 101);
	brk_sbuf_unref(b);
	uv_run(&fx->loop, UV_RUN_NOWAIT);
	CHECK_UINT_EQ(brk_conn_stats(subs.conn[0]).writes, writes + 1);
	/* Every copy is the same frame: count them, ids all 0. */
	{
		const V2x__Wire__Frame *f;
		uint64_t next = 0;
		int n = 0;

		while (n < 100 && fx_recv(fx, &cl, &f, 1000) == 1)
			if (f->msg_case == V2X__WIRE__FRAME__MSG_WARNING &&
			    f->warning->warning_id == next)
				n++;
		CHECK_INT_EQ(n, 100);
	}
	fx_pump(fx, 20);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(brk_net_pool(fx->net)).live, 0);
	fx_disconnect(&cl);
	fx_pump(fx, 50);
}

/*
 * One subscriber never reads (a small receive buffer), the other reads;
 * both are sent the same rounds of warnings, and the reader must get each
 * round at once.  Returns the slow one's connection close count.
 */
static void slow_consumer(struct fx *fx, enum brk_slow_policy policy)
{
	struct fx_client slow, fast;
	uint64_t id = 1, next = 1;
	int got = 0, sent = 0;
	uint64_t worst = 0;

	subs.n = 0;
	if (!open_sub(fx, &slow, 4096) || !open_sub(fx, &fast, 0))
		return;
	for (int round = 0; round < 200; round++) {
		uint64_t t0 = fx_now_ms(), dt;
		int n;

		for (int i = 0; i < 10; i++) {
			struct brk_sbuf *b = warning(fx, id++);

			if (subs.conn[0])
				(void)brk_conn_send(subs.conn[0], b);
			CHECK_INT_EQ(brk_conn_send(subs.conn[1], b), 0);
			brk_sbuf_unref(b);
			sent++;
		}
		n = drain(fx, &fast, &next, 5);
		dt = fx_now_ms() - t0;
		worst = dt > worst ? dt : worst;
		got += n;
		if (fx->closes && subs.conn[0]) {
			/* The disconnect policy closed the slow one. */
			CHECK_INT_EQ(fx->last_close, BRK_CLOSE_SLOW);
			subs.conn[0] = NULL;
		}
	}
	got += drain(fx, &fast, &next, 50);
	CHECK_INT_EQ(got, sent);
	/* The reader never waited on the slow one: each round well under 100 ms. */
	CHECK(worst < 100);
	CHECK(brk_net_stats(fx->net)->drops > 0);
	if (policy == BRK_SLOW_DROP_OLDEST) {
		struct brk_conn_stats st = brk_conn_stats(subs.conn[0]);

		CHECK(subs.conn[0] != NULL);
		CHECK(st.drops > 0);
		CHECK(st.queued_frames <= 2 * (uint64_t)fx->cfg.queue_max_frames);
		CHECK_UINT_EQ(brk_net_stats(fx->net)->closes[BRK_CLOSE_SLOW], 0);
		CHECK_UINT_EQ(brk_net_stats(fx->net)->conns, 2);
	} else {
		CHECK(subs.conn[0] == NULL);
		CHECK_UINT_EQ(brk_net_stats(fx->net)->closes[BRK_CLOSE_SLOW], 1);
		CHECK_UINT_EQ(brk_net_stats(fx->net)->conns, 1);
		/* Its frames, in flight or queued, were released. */
		CHECK_UINT_EQ(brk_sbuf_pool_stats(brk_net_pool(fx->net)).live, 0);
	}
	fx_disconnect(&slow);
	fx_disconnect(&fast);
	fx_pump(fx, 50);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(brk_net_pool(fx->net)).live, 0);
}

static void run_slow(enum brk_slow_policy policy)
{
	struct fx fx;

	fx_config(&fx);
	fx.on_frame = on_frame;
	fx.cfg.queue_max_frames = 32;
	fx.cfg.queue_max_bytes = (size_t)32 * (TEXT_LEN + 64);
	fx.cfg.slow_policy = policy;
	fx.cfg.timeout_ms = 60000; /* the slow one sends nothing */
	fx.cfg.heartbeat_interval_ms = 60000;
	fx_start(&fx);
	slow_consumer(&fx, policy);
	fx_stop(&fx);
}

int main(void)
{
	struct fx fx;

	fx_config(&fx);
	fx.on_frame = on_frame;
	fx_start(&fx);
	test_coalescing(&fx);
	fx_stop(&fx);

	run_slow(BRK_SLOW_DROP_OLDEST);
	run_slow(BRK_SLOW_DISCONNECT);
	return check_exit();
}
