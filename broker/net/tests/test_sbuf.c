/*
 * test_sbuf: shared frame buffers: encoding, references, reuse from the
 * free list (no allocation in steady state), large frames, and a pool
 * freed while buffers are still out (ASan checks the memory).
 */
#include <string.h>

#include "broker/net/sbuf.h"
#include "runtime/err.h"
#include "tests/check.h"

static V2x__Wire__Frame heartbeat(V2x__Wire__Heartbeat *hb)
{
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	v2x__wire__heartbeat__init(hb);
	hb->has_send_time_us = 1;
	hb->send_time_us = 77;
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f.heartbeat = hb;
	return f;
}

static void test_refs_and_reuse(void)
{
	struct brk_sbuf_pool *pool;
	V2x__Wire__Heartbeat hb;
	V2x__Wire__Frame f = heartbeat(&hb);
	struct brk_sbuf *b, *b2;
	uint8_t want[64];
	size_t len;

	if (!CHECK(brk_sbuf_pool_new(256, 2, &pool) == 0))
		return;
	CHECK_UINT_EQ(brk_sbuf_pool_stats(pool).allocs, 2);
	CHECK_INT_EQ(brk_sbuf_encode(pool, &f, &b), 0);
	CHECK_INT_EQ(v2x_frame_encode(&f, want, sizeof(want), &len), 0);
	CHECK_UINT_EQ(b->len, len);
	CHECK(memcmp(b->data, want, len) == 0);
	CHECK_UINT_EQ(b->refs, 1);
	CHECK(brk_sbuf_ref(b) == b);
	brk_sbuf_unref(b);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(pool).live, 1);
	brk_sbuf_unref(b);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(pool).live, 0);
	/* Steady state: a thousand frames, no new allocation. */
	for (int i = 0; i < 1000; i++) {
		CHECK_INT_EQ(brk_sbuf_encode(pool, &f, &b), 0);
		CHECK_INT_EQ(brk_sbuf_encode(pool, &f, &b2), 0);
		brk_sbuf_unref(b);
		brk_sbuf_unref(b2);
	}
	CHECK_UINT_EQ(brk_sbuf_pool_stats(pool).allocs, 2);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(pool).free_count, 2);
	f.msg_case = V2X__WIRE__FRAME__MSG__NOT_SET;
	CHECK_INT_EQ(brk_sbuf_encode(pool, &f, &b), V2X_EINVAL);
	CHECK(b == NULL);
	brk_sbuf_unref(NULL);
	brk_sbuf_pool_free(pool);
}

static void test_large_and_late_free(void)
{
	static char text[1000];
	V2x__Wire__Bye bye = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	struct brk_sbuf_pool *pool;
	struct brk_sbuf *big, *small;
	V2x__Wire__Heartbeat hb;
	V2x__Wire__Frame h = heartbeat(&hb);

	if (!CHECK(brk_sbuf_pool_new(64, 0, &pool) == 0))
		return;
	memset(text, 'x', sizeof(text) - 1);
	bye.text = text;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &bye;
	CHECK_INT_EQ(brk_sbuf_encode(pool, &f, &big), 0);
	if (!CHECK(big && big->len > 1000))
		return;
	CHECK_UINT_EQ(brk_sbuf_pool_stats(pool).large, 1);
	CHECK_INT_EQ(brk_sbuf_encode(pool, &h, &small), 0);
	/* The pool goes first; the buffers stay valid until their last unref. */
	brk_sbuf_pool_free(pool);
	CHECK_INT_EQ(big->data[big->len - 1], 'x');
	brk_sbuf_unref(big);
	brk_sbuf_unref(small);
	CHECK_INT_EQ(brk_sbuf_pool_new(0, 0, &pool), V2X_EINVAL);
}

int main(void)
{
	test_refs_and_reuse();
	test_large_and_late_free();
	return check_exit();
}
