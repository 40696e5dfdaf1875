/*
 * repeat: the slots of the broadcasts on the air, their timers and their
 * transmissions on the UDP socket to the radio.
 *
 * Each slot keeps its schedule in loop time (next_ms, end_ms) rather than
 * re-arming its timer one period after the last firing, so that the time
 * a callback runs late does not add up over a long broadcast.
 */
#include <inttypes.h>

#include "rsu-agent/downlink/downlink_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

struct agent_downlink__slot *agent_downlink__find(struct agent_downlink *dl, uint64_t request_id)
{
	for (uint32_t i = 0; i < dl->max_requests; i++)
		if (dl->slots[i].state == AGENT_DOWNLINK__ACTIVE &&
		    dl->slots[i].request_id == request_id)
			return &dl->slots[i];
	return NULL;
}

struct agent_downlink__slot *agent_downlink__free_slot(struct agent_downlink *dl)
{
	for (uint32_t i = 0; i < dl->max_requests; i++)
		if (dl->slots[i].state == AGENT_DOWNLINK__FREE)
			return &dl->slots[i];
	return NULL;
}

void agent_downlink__end(struct agent_downlink__slot *slot)
{
	if (slot->state != AGENT_DOWNLINK__ACTIVE)
		return;
	uv_timer_stop(&slot->timer);
	slot->dl->stats.active--;
	slot->state = slot->sending ? AGENT_DOWNLINK__RETIRING : AGENT_DOWNLINK__FREE;
}

static void send_failed(struct agent_downlink__slot *slot, int uv_rc)
{
	struct agent_downlink *dl = slot->dl;
	uint64_t suppressed = 0;

	dl->stats.send_errors++;
	if (v2x_log_enabled(dl->log, V2X_LOG_WARN) &&
	    v2x_ratelimit_allow(&dl->warn_limit, v2x_clock_mono_ns(), &suppressed))
		v2x_logf(dl->log, V2X_LOG_WARN,
		         "downlink %" PRIu64 ": sending to the radio: %s (%" PRIu64
		         " more suppressed)",
		         slot->request_id, uv_strerror(uv_rc), suppressed);
}

static void on_sent(uv_udp_send_t *req, int status)
{
	struct agent_downlink__slot *slot = req->data;

	slot->sending = false;
	if (slot->state == AGENT_DOWNLINK__RETIRING)
		slot->state = AGENT_DOWNLINK__FREE;
	if (status == 0)
		slot->dl->stats.sent++;
	else if (status != UV_ECANCELED)
		send_failed(slot, status);
}

/*
 * Sends the slot's bytes: uv_udp_try_send() first, an asynchronous send
 * when the socket's buffer is full.  Returns 0 when the datagram was sent
 * or queued.
 */
static int send_now(struct agent_downlink__slot *slot)
{
	struct agent_downlink *dl = slot->dl;
	uv_buf_t buf = uv_buf_init((char *)slot->buf, (unsigned)slot->len);
	int rc = uv_udp_try_send(&dl->udp, &buf, 1, NULL);

	if (rc >= 0) {
		dl->stats.sent++;
		return 0;
	}
	if (rc == UV_EAGAIN) {
		slot->send.data = slot;
		rc = uv_udp_send(&slot->send, &dl->udp, &buf, 1, NULL, on_sent);
		if (rc == 0) {
			slot->sending = true;
			return 0;
		}
	}
	send_failed(slot, rc);
	return rc;
}

/* One datagram, with this transmission's msgCnt and minute of the year. */
static void transmit(struct agent_downlink__slot *slot)
{
	struct agent_downlink *dl = slot->dl;
	uint8_t *cnt = &dl->msg_cnt[slot->type];

	if (slot->sending) {
		dl->stats.skipped++;
		return;
	}
	agent_downlink__patch(slot->buf, &slot->layout, *cnt,
	                      agent_downlink__minute_of_year(v2x_clock_wall_us()));
	/* A datagram the socket refused was not on the air: its msgCnt is
	 * used again, so that receivers see no gap that is not a loss. */
	if (send_now(slot) == 0)
		*cnt = (uint8_t)((*cnt + 1) & 0x7f);
}

static void on_timer(uv_timer_t *timer)
{
	struct agent_downlink__slot *slot = timer->data;
	uint64_t now = uv_now(slot->dl->loop);

	if (now >= slot->end_ms) {
		agent_downlink__end(slot);
		slot->dl->stats.expired++;
		v2x_logf(slot->dl->log, V2X_LOG_DEBUG, "downlink %" PRIu64 ": expired",
		         slot->request_id);
		return;
	}
	agent_downlink__run(slot, now);
}

void agent_downlink__run(struct agent_downlink__slot *slot, uint64_t now)
{
	uint64_t due;

	if (now >= slot->end_ms) {
		/* A window shorter than the loop's clock resolution. */
		due = now;
	} else {
		if (now >= slot->next_ms) {
			/* Transmissions a period or more overdue are not made up
			 * for: a burst would say nothing the next one does not. */
			uint64_t missed = (now - slot->next_ms) / slot->period_ms;

			slot->dl->stats.skipped += missed;
			slot->next_ms += missed * slot->period_ms;
			transmit(slot);
			slot->next_ms += slot->period_ms;
		}
		due = slot->next_ms < slot->end_ms ? slot->next_ms : slot->end_ms;
	}
	uv_timer_start(&slot->timer, on_timer, due - now, 0);
}
