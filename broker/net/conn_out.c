/*
 * conn_out: a connection's output queue.  Frames (shared buffers) wait in
 * a bounded ring; once per loop turn the net's check handle moves the
 * whole ring into one uv_write (brk_conn__flush).  While that write is in
 * flight new frames queue behind it; a peer that does not read leaves the
 * write in flight and the ring fills, which is what the slow-consumer
 * policy bounds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "broker/net/net_int.h"
#include "runtime/err.h"

static struct brk_sbuf *q_at(const struct brk_conn *c, size_t i)
{
	return c->q[(c->q_head + i) % c->net->cfg.queue_max_frames];
}

static struct brk_sbuf *q_pop(struct brk_conn *c)
{
	struct brk_sbuf *b = c->q[c->q_head];

	c->q[c->q_head] = NULL;
	c->q_head = (c->q_head + 1) % c->net->cfg.queue_max_frames;
	c->q_len--;
	c->q_bytes -= b->len;
	return b;
}

static void drop_oldest(struct brk_conn *c)
{
	struct brk_sbuf *b = q_pop(c);

	c->stats.drops++;
	c->stats.drop_bytes += b->len;
	c->net->stats.drops++;
	c->net->stats.drop_bytes += b->len;
	brk_sbuf_unref(b);
}

static bool q_full(const struct brk_conn *c, size_t len)
{
	const struct brk_net_config *cfg = &c->net->cfg;

	/* A frame alone may exceed queue_max_bytes: it is sent anyway. */
	return c->q_len >= cfg->queue_max_frames ||
	       (c->q_len > 0 && c->q_bytes + len > cfg->queue_max_bytes);
}

int brk_conn__enqueue(struct brk_conn *c, struct brk_sbuf *b, bool force)
{
	while (q_full(c, b->len)) {
		if (!force && c->net->cfg.slow_policy == BRK_SLOW_DISCONNECT) {
			c->stats.drops++;
			c->net->stats.drops++;
			brk_conn__fail(c, BRK_CLOSE_SLOW, false,
			               "output queue full (%zu frames, %zu bytes): disconnecting",
			               c->q_len, c->q_bytes);
			return V2X_EEOF;
		}
		drop_oldest(c);
	}
	c->q[(c->q_head + c->q_len) % c->net->cfg.queue_max_frames] = brk_sbuf_ref(b);
	c->q_len++;
	c->q_bytes += b->len;
	c->last_tx_ms = uv_now(c->net->loop);
	brk_net__mark_dirty(c->net, c);
	return 0;
}

int brk_conn_send(struct brk_conn *c, struct brk_sbuf *b)
{
	if (c->state != BRK__OPEN)
		return V2X_EEOF;
	return brk_conn__enqueue(c, b, false);
}

static int send_frame(struct brk_conn *c, const V2x__Wire__Frame *frame, bool force)
{
	struct brk_sbuf *b;
	int rc = brk_sbuf_encode(c->net->pool, frame, &b);

	if (rc)
		return rc;
	rc = brk_conn__enqueue(c, b, force);
	brk_sbuf_unref(b);
	return rc;
}

int brk_conn_send_frame(struct brk_conn *c, const V2x__Wire__Frame *frame)
{
	if (c->state != BRK__OPEN)
		return V2X_EEOF;
	return send_frame(c, frame, false);
}

int brk_conn__send_bye(struct brk_conn *c, enum brk_close_reason reason, const char *text)
{
	V2x__Wire__Bye bye = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char why[256]; /* protobuf-c's fields are not const */

	snprintf(why, sizeof(why), "%s", text);
	bye.has_reason = 1;
	bye.reason = brk_net__bye_reason(reason);
	bye.text = why;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &bye;
	return send_frame(c, &f, true);
}

/* Releases the frames of the write that completed (or was cancelled). */
static void inflight_done(struct brk_conn *c)
{
	for (size_t i = 0; i < c->n_inflight; i++) {
		brk_sbuf_unref(c->inflight[i]);
		c->inflight[i] = NULL;
	}
	c->n_inflight = 0;
	c->inflight_bytes = 0;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	brk_conn__hard_close(req->data);
}

/* After the last frame of a closing connection: shut down, then close. */
static void after_bye(struct brk_conn *c)
{
	c->sreq.data = c;
	if (uv_shutdown(&c->sreq, &c->sock.stream, on_shutdown) != 0)
		brk_conn__hard_close(c);
}

static void count_written(struct brk_conn *c, size_t frames, size_t bytes)
{
	c->stats.frames_out += frames;
	c->stats.bytes_out += bytes;
	c->net->stats.frames_out += frames;
	c->net->stats.bytes_out += bytes;
}

static void on_write(uv_write_t *req, int status)
{
	struct brk_conn *c = req->data;

	if (status == 0)
		count_written(c, c->n_inflight, c->inflight_bytes);
	inflight_done(c);
	if (c->hard)
		return;
	if (status < 0) {
		brk_conn__fail(c, BRK_CLOSE_IO, false, "write failed: %s", uv_strerror(status));
		return;
	}
	if (c->q_len)
		brk_net__mark_dirty(c->net, c);
	else if (c->state == BRK__CLOSING && c->bye_sent)
		after_bye(c);
}

/* The fuzz target's connections have no socket: their output is dropped. */
static void discard(struct brk_conn *c)
{
	size_t frames = c->q_len, bytes = c->q_bytes;

	while (c->q_len)
		brk_sbuf_unref(q_pop(c));
	count_written(c, frames, bytes);
}

void brk_conn__flush(struct brk_conn *c)
{
	size_t n = c->q_len;
	int rc;

	if (c->hard || c->n_inflight || !n)
		return;
	if (!c->has_sock) {
		discard(c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct brk_sbuf *b = q_at(c, 0);

		c->wbufs[i] = uv_buf_init((char *)b->data, (unsigned)b->len);
		c->inflight_bytes += b->len;
		c->inflight[i] = q_pop(c);
	}
	c->n_inflight = n;
	c->wreq.data = c;
	rc = uv_write(&c->wreq, &c->sock.stream, c->wbufs, (unsigned)n, on_write);
	if (rc) {
		inflight_done(c);
		brk_conn__fail(c, BRK_CLOSE_IO, false, "write failed: %s", uv_strerror(rc));
		return;
	}
	c->stats.writes++;
	c->net->stats.writes++;
}

void brk_conn__drain(struct brk_conn *c)
{
	while (c->q_len)
		brk_sbuf_unref(q_pop(c));
	c->q_head = 0;
	inflight_done(c);
}
