/*
 * link_tx: what the link sends.  Frames of a loop turn go into one buffer;
 * the uv_check callback flushes the spool (the write-ahead log goes to the
 * kernel before the frames go to the socket), reads the next chunk of the
 * spool while draining, and hands the buffer to one uv_write.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/link/link_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

static int reserve(struct agent_link__buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 16384;
	uint8_t *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return V2X_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

static void on_idle(uv_idle_t *h)
{
	(void)h;
}

void agent_link__kick(struct agent_link *l)
{
	if (l->handles_init && l->state != AGENT_LINK_CLOSING && l->state != AGENT_LINK_CLOSED &&
	    !uv_is_active((uv_handle_t *)&l->idle))
		uv_idle_start(&l->idle, on_idle);
}

int agent_link__queue_frame(struct agent_link *l, const V2x__Wire__Frame *f)
{
	struct agent_link__buf *b = &l->bufs[l->fill];
	size_t len = v2x_frame_size(f);
	int rc = reserve(b, len);

	if (rc == 0)
		rc = v2x_frame_encode(f, b->data + b->len, b->cap - b->len, &len);
	if (rc == 0)
		b->len += len;
	return rc;
}

void agent_link__reset_tx(struct agent_link *l)
{
	l->bufs[l->fill].len = 0;
	l->bufs[l->fill].n_rx = 0;
	agent_spool_iter_free(l->iter);
	l->iter = NULL;
	l->queued_seq = 0;
}

void agent_link__bye_now(struct agent_link *l, V2x__Wire__ByeReason reason, const char *text)
{
	V2x__Wire__Bye bye = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	struct agent_link__buf *b = &l->bufs[l->fill];
	char why[256];
	uv_buf_t ub;

	/* Only when no write is in flight, so that the Bye cannot land in the
	 * middle of another frame; what does not fit the socket now is lost,
	 * as the connection closes anyway. */
	if (!l->sock_open || l->busy)
		return;
	bye.has_reason = 1;
	bye.reason = reason;
	/* protobuf-c's field is not const: a copy rather than a cast. */
	snprintf(why, sizeof(why), "%s", text);
	bye.text = why;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &bye;
	if (agent_link__queue_frame(l, &f) != 0)
		return;
	ub = uv_buf_init((char *)b->data, (unsigned)b->len);
	uv_try_write(&l->sock.stream, &ub, 1);
	b->len = 0;
}

static void on_write(uv_write_t *req, int status)
{
	struct agent_link *l = req->data;

	l->busy = false;
	l->bufs[1 - l->fill].len = 0;
	if (status == UV_ECANCELED)
		return;
	if (status < 0)
		agent_link__fail(l, AGENT_LINK_R_IO, "write failed: %s", uv_strerror(status));
	else
		agent_link__kick(l);
}

/* Hands this turn's buffer to the socket; the other one takes the next. */
static void start_write(struct agent_link *l)
{
	struct agent_link__buf *b = &l->bufs[l->fill];
	uv_buf_t ub = uv_buf_init((char *)b->data, (unsigned)b->len);
	int rc;

	l->write_req.data = l;
	rc = uv_write(&l->write_req, &l->sock.stream, &ub, 1, on_write);
	if (rc != 0) {
		agent_link__fail(l, AGENT_LINK_R_IO, "write failed: %s", uv_strerror(rc));
		return;
	}
	if (b->n_rx) {
		uint64_t now = v2x_clock_mono_ns();

		for (size_t i = 0; i < b->n_rx; i++)
			v2x_hist_add(&l->st.forward_us, (now - b->rx_ns[i]) / 1000u);
		b->n_rx = 0;
	}
	l->busy = true;
	l->fill = 1 - l->fill;
	l->st.writes++;
	l->st.bytes_out += b->len;
	l->last_tx = uv_now(l->loop);
}

static void go_live(struct agent_link *l)
{
	agent_spool_iter_free(l->iter);
	l->iter = NULL;
	agent_link__set_state(l, AGENT_LINK_LIVE);
	v2x_logf(l->cfg.log, V2X_LOG_INFO, "broker %s: spool drained up to seq %" PRIu64 ", live",
	         l->where, l->queued_seq);
}

int agent_link__drain_from(struct agent_link *l, uint64_t seq)
{
	agent_spool_iter_free(l->iter);
	l->iter = NULL;
	agent_link__set_state(l, AGENT_LINK_DRAINING);
	agent_link__kick(l);
	return agent_spool_iter_new(l->spool, seq, &l->iter);
}

/* Bytes of a frame's body: its length without the length prefix. */
static uint64_t body_len(const uint8_t *p, uint32_t len)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < len && i < V2X_FRAME_VARINT_MAX; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			break;
	}
	return v;
}

/*
 * Queues a spooled record, patched in the copy: replayed set, and
 * record_only set on a safety message older than the live age.  The flags
 * were encoded present and false when the observation was spooled, so each
 * is one byte to flip and the frame keeps its length.
 */
static int queue_replay(struct agent_link *l, const struct agent_spool_rec *rec, int64_t now_us)
{
	struct agent_link__buf *b = &l->bufs[l->fill];
	bool old = (rec->flags & AGENT_SPOOL_SAFETY) &&
	           now_us - rec->rx_time_us > (int64_t)l->cfg.live_age_ms * 1000;
	uint8_t *p;

	if (body_len(rec->frame, rec->len) > l->peer_max_frame) {
		l->st.oversize++;
		v2x_logf(l->cfg.log, V2X_LOG_WARN,
		         "broker %s: spooled seq %" PRIu64 " (%" PRIu32
		         " bytes) is above the broker's maximum frame %" PRIu32 ": skipped",
		         l->where, rec->seq, rec->len, l->peer_max_frame);
		return 0;
	}
	if (reserve(b, rec->len) != 0)
		return V2X_ENOMEM;
	p = b->data + b->len;
	memcpy(p, rec->frame, rec->len);
	if (rec->replayed_off && rec->replayed_off < rec->len)
		p[rec->replayed_off] = 1;
	if (old && rec->record_only_off && rec->record_only_off < rec->len) {
		p[rec->record_only_off] = 1;
		l->st.record_only++;
	}
	b->len += rec->len;
	l->st.replayed++;
	l->queued_seq = rec->seq;
	return 0;
}

/*
 * Reads up to drain_chunk bytes of the spool into this turn's buffer.  The
 * spool was flushed just before, so reaching its end means every record
 * appended so far is queued: the link goes live.
 */
static void drain(struct agent_link *l)
{
	int64_t now_us = v2x_clock_wall_us();
	struct agent_spool_rec rec;

	while (l->bufs[l->fill].len < l->cfg.drain_chunk) {
		int rc = agent_spool_iter_next(l->iter, &rec);
		if (rc == 0) {
			go_live(l);
			return;
		}
		if (rc == V2X_EMALFORMED)
			continue; /* logged and counted by the spool */
		if (rc > 0)
			rc = queue_replay(l, &rec, now_us);
		if (rc < 0) {
			agent_link__fail(l, AGENT_LINK_R_IO, "cannot drain the spool: %s",
			                 v2x_strerror(rc));
			return;
		}
	}
}

void agent_link__on_check(uv_check_t *h)
{
	struct agent_link *l = h->data;

	agent_spool_flush(l->spool);
	if (l->state == AGENT_LINK_DRAINING && !l->busy && l->iter)
		drain(l);
	if (agent_link__connected(l) && !l->busy && l->bufs[l->fill].len)
		start_write(l);
	/* The write callback kicks again when the drain may go on. */
	if (l->busy || l->state != AGENT_LINK_DRAINING)
		uv_idle_stop(&l->idle);
}

void agent_link__heartbeat(struct agent_link *l, uint64_t now)
{
	V2x__Wire__Heartbeat hb;
	V2x__Wire__Frame f;

	if (now - l->last_rx > l->timeout_ms) {
		agent_link__bye_now(l, V2X__WIRE__BYE_REASON__BYE_REASON_TIMEOUT,
		                    "the agent heard nothing within the timeout");
		agent_link__fail(l, AGENT_LINK_R_TIMEOUT, "silent for %" PRIu64 " ms",
		                 now - l->last_rx);
		return;
	}
	/* A Heartbeat goes out every interval whatever else is sent, as the
	 * protocol asks: a peer that only echoes them (and does not ack, or
	 * not yet) must still be heard within the timeout during a long drain.
	 * The tick comes every tick_ms: sending once less than that remains
	 * keeps every gap within the interval. */
	if (now - l->last_hb + agent_link__tick_ms(l) < l->hb_ms)
		return;
	v2x_frame_heartbeat(&f, &hb, (uint64_t)v2x_clock_wall_us(), l->peer_send_us);
	if (agent_link__queue_frame(l, &f) == 0) {
		l->st.heartbeats_out++;
		/* Counted as sent now, so that a socket that takes nothing does not
		 * get a heartbeat queued at every tick. */
		l->last_hb = now;
		agent_link__kick(l);
	}
}

/* Reads a varint at *pos (below end); false when it runs past end. */
static bool get_varint(const uint8_t *p, size_t end, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < V2X_FRAME_VARINT_MAX && *pos < end; i++) {
		uint8_t b = p[(*pos)++];
		*v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Skips a field of wire type wt at *pos; false when it runs past end. */
static bool skip_field(const uint8_t *p, size_t end, size_t *pos, unsigned wt)
{
	uint64_t v;
	size_t n = wt == 1 ? 8 : wt == 5 ? 4 : 0;

	if (wt == 0)
		return get_varint(p, end, pos, &v);
	if (wt == 2 && !get_varint(p, end, pos, &v))
		return false;
	if (wt == 2)
		n = v <= end - *pos ? (size_t)v : end - *pos + 1;
	if ((wt != 1 && wt != 2 && wt != 5) || n > end - *pos)
		return false;
	*pos += n;
	return true;
}

/*
 * Finds where the values of Observation.replayed (field 4) and
 * record_only (field 7) sit in a framed Frame{observation}: the length
 * prefix, the Frame's field 5 tag and length, then the Observation's
 * fields in order.  Offsets stay 0 when not found.
 */
static void find_flags(const uint8_t *p, size_t len, uint32_t *replayed, uint32_t *record_only)
{
	size_t pos = 0, end;
	uint64_t prefix, tag, v;

	*replayed = *record_only = 0;
	if (!get_varint(p, len, &pos, &prefix) || !get_varint(p, len, &pos, &tag) || tag != 0x2a ||
	    !get_varint(p, len, &pos, &v) || v > len - pos)
		return;
	end = pos + (size_t)v;
	while (pos < end && get_varint(p, end, &pos, &v)) {
		uint64_t field = v >> 3;
		if ((v & 7) == 0 && (field == 4 || field == 7) && pos < end && p[pos] <= 1)
			*(field == 4 ? replayed : record_only) = (uint32_t)pos;
		if (!skip_field(p, end, &pos, (unsigned)(v & 7)))
			return;
	}
}

/* Frames obs into l->enc, growing it when the size asks for it. */
static int encode_obs(struct agent_link *l, V2x__Wire__Observation *obs, size_t *len)
{
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	int rc;

	f.msg_case = V2X__WIRE__FRAME__MSG_OBSERVATION;
	f.observation = obs;
	rc = v2x_frame_encode(&f, l->enc, l->enc_cap, len);
	if (rc == V2X_ETOO_BIG) {
		uint8_t *p = realloc(l->enc, *len);
		if (!p)
			return V2X_ENOMEM;
		l->enc = p;
		l->enc_cap = *len;
		rc = v2x_frame_encode(&f, l->enc, l->enc_cap, len);
	}
	if (rc == 0 && body_len(l->enc, (uint32_t)*len) > l->cfg.max_frame)
		rc = V2X_ETOO_BIG;
	return rc;
}

/* Queues a live observation, or falls back to the spool when the socket
 * has not taken what was queued before. */
static int note_rx(struct agent_link__buf *b, uint64_t rx_ns)
{
	if (!rx_ns)
		return 0;
	if (b->n_rx == b->cap_rx) {
		size_t cap = b->cap_rx ? 2 * b->cap_rx : 256;
		uint64_t *p = realloc(b->rx_ns, cap * sizeof(*p));

		if (!p)
			return V2X_ENOMEM;
		b->rx_ns = p;
		b->cap_rx = cap;
	}
	b->rx_ns[b->n_rx++] = rx_ns;
	return 0;
}

static void queue_live(struct agent_link *l, const uint8_t *frame, size_t len, uint64_t seq,
                       uint64_t rx_ns)
{
	struct agent_link__buf *b = &l->bufs[l->fill];

	if (b->len + len > l->cfg.queue_max || reserve(b, len) != 0) {
		v2x_logf(l->cfg.log, V2X_LOG_INFO,
		         "broker %s: %zu bytes wait for the socket: sending from the spool",
		         l->where, b->len);
		if (agent_link__drain_from(l, seq) != 0)
			agent_link__fail(l, AGENT_LINK_R_IO, "out of memory");
		return;
	}
	memcpy(b->data + b->len, frame, len);
	b->len += len;
	l->queued_seq = seq;
	l->st.sent++;
	/* Without memory for the time the observation still goes, unmeasured. */
	(void)note_rx(b, rx_ns);
}

/* Sets the envelope fields the link owns. */
static bool stamp(struct agent_link *l, V2x__Wire__Observation *obs, uint64_t seq)
{
	bool own_id = obs->rsu_id == NULL;

	obs->has_seq = 1;
	obs->seq = seq;
	/* Present and false: a replay flips one byte each (queue_replay). */
	obs->has_replayed = 1;
	obs->replayed = 0;
	obs->has_record_only = 1;
	obs->record_only = 0;
	if (own_id)
		obs->rsu_id = l->id;
	if (!obs->has_rx_time_us) {
		obs->has_rx_time_us = 1;
		obs->rx_time_us = (uint64_t)v2x_clock_wall_us();
	}
	return own_id;
}

int agent_link_send(struct agent_link *l, V2x__Wire__Observation *obs, uint64_t *seq_out)
{
	return agent_link_send_timed(l, obs, 0, seq_out);
}

int agent_link_send_timed(struct agent_link *l, V2x__Wire__Observation *obs, uint64_t rx_ns,
                          uint64_t *seq_out)
{
	uint64_t seq = agent_spool_next_seq(l->spool);
	struct agent_spool_rec rec = { .seq = seq };
	bool own_id;
	size_t len = 0;
	int rc;

	if (l->state == AGENT_LINK_CLOSING || l->state == AGENT_LINK_CLOSED ||
	    obs->msg_case == V2X__WIRE__OBSERVATION__MSG__NOT_SET)
		return V2X_EINVAL;
	own_id = stamp(l, obs, seq);
	rc = encode_obs(l, obs, &len);
	if (own_id)
		obs->rsu_id = NULL;
	if (rc != 0)
		return rc;
	rec.rx_time_us = (int64_t)obs->rx_time_us;
	rec.flags = obs->msg_case == V2X__WIRE__OBSERVATION__MSG_BSM ||
	                            obs->msg_case == V2X__WIRE__OBSERVATION__MSG_RSM
	                    ? AGENT_SPOOL_SAFETY
	                    : 0;
	find_flags(l->enc, len, &rec.replayed_off, &rec.record_only_off);
	rec.frame = l->enc;
	rec.len = (uint32_t)len;
	if ((rc = agent_spool_append(l->spool, &rec)) != 0)
		return rc;
	l->st.spooled++;
	if (seq_out)
		*seq_out = seq;
	if (l->state == AGENT_LINK_LIVE)
		queue_live(l, l->enc, len, seq, rx_ns);
	agent_link__kick(l);
	return 0;
}
