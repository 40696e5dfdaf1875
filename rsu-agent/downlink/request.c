/*
 * request: one Downlink from the broker: addressing, the broadcast window,
 * start, replacement, cancellation, and the counters of each outcome.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rsu-agent/downlink/downlink_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

/* When a broadcast is on, in loop time (uv_now). */
struct window {
	uint64_t start_ms;
	uint64_t end_ms; /* AGENT_DOWNLINK__NEVER: until cancelled */
	bool over;       /* the end time has already passed */
};

/* Whether req is for this agent (v2x.proto: empty rsu_ids, its own RSU). */
static bool addressed(const struct agent_downlink *dl, const V2x__Wire__Downlink *req)
{
	if (req->n_rsu_ids == 0)
		return true;
	for (size_t i = 0; i < req->n_rsu_ids; i++)
		for (size_t k = 0; k < dl->n_rsu_ids; k++)
			if (req->rsu_ids[i] && strcmp(req->rsu_ids[i], dl->rsu_ids[k]) == 0)
				return true;
	return false;
}

/* A warning about a refused request, rate-limited. */
static void warn(struct agent_downlink *dl, const V2x__Wire__Downlink *req, int rc,
                 const char *detail)
{
	uint64_t suppressed = 0;

	if (!v2x_log_enabled(dl->log, V2X_LOG_WARN) ||
	    !v2x_ratelimit_allow(&dl->warn_limit, v2x_clock_mono_ns(), &suppressed))
		return;
	v2x_logf(dl->log, V2X_LOG_WARN,
	         "downlink request %" PRIu64 " refused: %s: %s (%" PRIu64 " more suppressed)",
	         req->request_id, v2x_strerror(rc), detail, suppressed);
}

static int refuse(struct agent_downlink *dl, const V2x__Wire__Downlink *req, uint64_t *counter,
                  int rc, const char *detail)
{
	(*counter)++;
	warn(dl, req, rc, detail);
	return rc;
}

/*
 * The loop time of t_us, a wall-clock time, given that it is now_us and
 * now_ms.  The loop's clock counts whole milliseconds, so the real time is
 * anywhere in [now_ms, now_ms + 1): a start is rounded up to the first
 * loop time surely not before it, an end down to the last surely not
 * after it.
 */
static uint64_t start_ms_of(uint64_t t_us, uint64_t now_us, uint64_t now_ms)
{
	return t_us > now_us ? now_ms + 1 + (t_us - now_us + 999) / 1000 : now_ms;
}

static uint64_t end_ms_of(uint64_t t_us, uint64_t now_us, uint64_t now_ms)
{
	return t_us > now_us ? now_ms + (t_us - now_us) / 1000 : now_ms;
}

/*
 * The window of req in loop time.  Wall-clock times are turned into loop
 * time once, here: the loop's clock is monotonic, so a wall clock set
 * while the broadcast is on neither shortens nor stretches it.  The loop's
 * clock is brought up to date first: it stands at the start of the loop's
 * iteration, which may be well before a request read late in it.
 */
static int window_of(struct agent_downlink *dl, const V2x__Wire__Downlink *req, struct window *w)
{
	uint64_t now_us, now_ms, start_us;

	uv_update_time(dl->loop);
	now_ms = uv_now(dl->loop);
	now_us = (uint64_t)v2x_clock_wall_us();
	start_us = req->has_start_time_us ? req->start_time_us : now_us;

	if (req->has_end_time_us && req->end_time_us <= start_us)
		return V2X_EINVAL;
	w->start_ms = start_ms_of(start_us, now_us, now_ms);
	w->over = req->has_end_time_us && req->end_time_us <= now_us;
	w->end_ms = req->has_end_time_us ? end_ms_of(req->end_time_us, now_us, now_ms)
	                                 : AGENT_DOWNLINK__NEVER;
	/* A window shorter than the rounding: nothing will be sent. */
	if (w->end_ms < w->start_ms)
		w->end_ms = w->start_ms;
	if (dl->max_duration_ms &&
	    (w->end_ms == AGENT_DOWNLINK__NEVER || w->end_ms - w->start_ms > dl->max_duration_ms))
		w->end_ms = w->start_ms + dl->max_duration_ms;
	return 0;
}

static uint32_t period_of(const struct agent_downlink *dl, const V2x__Wire__Downlink *req)
{
	uint32_t p = req->has_repeat_interval_ms && req->repeat_interval_ms
	                     ? req->repeat_interval_ms
	                     : dl->repeat_ms;

	return p < dl->min_repeat_ms ? dl->min_repeat_ms : p;
}

static int cancel(struct agent_downlink *dl, const V2x__Wire__Downlink *req)
{
	const V2x__Wire__DownlinkCancel *c = req->cancel;
	struct agent_downlink__slot *slot;
	uint64_t id;

	/* The broadcast to stop is the cancel's request_id; a Downlink that
	 * carries its id only in its own request_id means the same. */
	if (c && c->has_request_id)
		id = c->request_id;
	else if (req->has_request_id)
		id = req->request_id;
	else
		return refuse(dl, req, &dl->stats.invalid, V2X_EINVAL,
		              "DownlinkCancel without a request_id");
	slot = agent_downlink__find(dl, id);
	if (!slot) {
		dl->stats.cancel_unknown++;
		return 0;
	}
	agent_downlink__end(slot);
	dl->stats.cancelled++;
	v2x_logf(dl->log, V2X_LOG_DEBUG, "downlink %" PRIu64 ": cancelled", id);
	return 0;
}

/*
 * The slot a request for old's request_id (old may be NULL) is to use:
 * old itself unless its last datagram is still queued (its bytes must not
 * change), else a free one.  NULL when none is free.
 */
static struct agent_downlink__slot *slot_for(struct agent_downlink *dl,
                                             struct agent_downlink__slot *old)
{
	if (old && !old->sending)
		return old;
	return agent_downlink__free_slot(dl);
}

/* Ends old, the broadcast a failed replacement was to replace. */
static void end_replaced(struct agent_downlink__slot *old)
{
	if (old)
		agent_downlink__end(old);
}

/* Converts and encodes req into slot.  Returns 0 or the error, counted. */
static int build(struct agent_downlink *dl, const V2x__Wire__Downlink *req,
                 struct agent_downlink__slot *slot)
{
	struct v2x_msg msg;
	char detail[256];
	int rc;

	rc = agent_downlink__convert(dl, req, &msg, detail, sizeof(detail));
	if (rc)
		return refuse(dl, req, &dl->stats.invalid, rc, detail);
	rc = agent_downlink__encode(dl, &msg, slot, detail, sizeof(detail));
	if (rc)
		return refuse(dl, req, &dl->stats.encode_errors, rc, detail);
	return 0;
}

static void start(struct agent_downlink__slot *slot, const V2x__Wire__Downlink *req,
                  const struct window *w, bool replacing)
{
	struct agent_downlink *dl = slot->dl;

	if (slot->state != AGENT_DOWNLINK__ACTIVE)
		dl->stats.active++;
	slot->state = AGENT_DOWNLINK__ACTIVE;
	slot->request_id = req->request_id;
	slot->period_ms = period_of(dl, req);
	slot->next_ms = w->start_ms;
	slot->end_ms = w->end_ms;
	if (replacing)
		dl->stats.replaced++;
	else
		dl->stats.started++;
	v2x_logf(dl->log, V2X_LOG_DEBUG,
	         "downlink %" PRIu64 ": %s %s every %" PRIu32 " ms, %zu bytes, warning %" PRIu64,
	         req->request_id, replacing ? "replaced," : "broadcasting",
	         v2x_msg_type_name(slot->type), slot->period_ms, slot->len, req->warning_id);
	agent_downlink__run(slot, uv_now(dl->loop));
}

/* An RSI or RSM request: a new broadcast, or the replacement of one. */
static int broadcast(struct agent_downlink *dl, const V2x__Wire__Downlink *req, uint64_t t0_ns)
{
	struct agent_downlink__slot *old, *slot;
	struct window w;
	int rc;

	if (!req->has_request_id)
		return refuse(dl, req, &dl->stats.invalid, V2X_EINVAL,
		              "a broadcast without a request_id could never be cancelled");
	if (window_of(dl, req, &w) != 0)
		return refuse(dl, req, &dl->stats.invalid, V2X_EINVAL,
		              "end_time_us is not after start_time_us");
	old = agent_downlink__find(dl, req->request_id);
	if (w.over) {
		/* Nothing to send; an older version of it ends too. */
		end_replaced(old);
		dl->stats.expired++;
		return 0;
	}
	slot = slot_for(dl, old);
	if (!slot) {
		end_replaced(old);
		return refuse(dl, req, &dl->stats.refused, V2X_ETOO_BIG,
		              "every broadcast slot is taken (max_requests)");
	}
	rc = build(dl, req, slot);
	if (rc) {
		end_replaced(old);
		return rc;
	}
	if (old && old != slot)
		agent_downlink__end(old);
	start(slot, req, &w, old != NULL);
	v2x_hist_add(&dl->stats.handle_us, (v2x_clock_mono_ns() - t0_ns) / 1000);
	return 0;
}

int agent_downlink_handle(struct agent_downlink *dl, const V2x__Wire__Downlink *req)
{
	uint64_t t0_ns = v2x_clock_mono_ns();

	dl->stats.requests++;
	if (!addressed(dl, req)) {
		dl->stats.ignored++;
		return 0;
	}
	switch (req->action_case) {
	case V2X__WIRE__DOWNLINK__ACTION_CANCEL:
		return cancel(dl, req);
	case V2X__WIRE__DOWNLINK__ACTION_RSI:
	case V2X__WIRE__DOWNLINK__ACTION_RSM:
		break;
	default:
		return refuse(dl, req, &dl->stats.invalid, V2X_EINVAL,
		              "a Downlink without rsi, rsm or cancel");
	}
	return broadcast(dl, req, t0_ns);
}
