#include "runtime/ratelimit.h"

void v2x_ratelimit_init(struct v2x_ratelimit *rl, uint32_t burst, uint64_t interval_ns)
{
	rl->interval_ns = interval_ns;
	rl->last_ns = 0;
	rl->suppressed = 0;
	rl->burst = burst ? burst : 1;
	rl->tokens = rl->burst;
	rl->started = false;
}

/*
 * Adds the tokens earned since last_ns.  last_ns advances by whole
 * intervals only, so the part of an interval already elapsed is not lost;
 * a full bucket earns nothing, so it restarts its clock at now.
 */
static void refill(struct v2x_ratelimit *rl, uint64_t now_ns)
{
	uint64_t earned;

	if (!rl->started || now_ns < rl->last_ns) {
		rl->started = true;
		rl->last_ns = now_ns;
		return;
	}
	earned = (now_ns - rl->last_ns) / rl->interval_ns;
	if (earned >= rl->burst - rl->tokens) {
		rl->tokens = rl->burst;
		rl->last_ns = now_ns;
	} else {
		rl->tokens += (uint32_t)earned;
		rl->last_ns += earned * rl->interval_ns;
	}
}

bool v2x_ratelimit_allow(struct v2x_ratelimit *rl, uint64_t now_ns, uint64_t *suppressed)
{
	if (rl->interval_ns)
		refill(rl, now_ns);
	if (rl->interval_ns && rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	if (rl->interval_ns)
		rl->tokens--;
	if (suppressed)
		*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
