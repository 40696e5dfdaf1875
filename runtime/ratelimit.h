/*
 * ratelimit: a token bucket that keeps a repeated log line from flooding
 * the log.
 *
 *   uint64_t skipped;
 *   if (v2x_ratelimit_allow(&rl, v2x_clock_mono_ns(), &skipped))
 *           v2x_logf(log, V2X_LOG_WARN, "decode failed: %s (%" PRIu64
 *                    " more suppressed)", v2x_strerror(rc), skipped);
 *
 * The bucket holds up to burst tokens and gains one every interval_ns; each
 * allowed line takes one.  The caller passes the time in, so the limiter
 * reads no clock and a test can drive it with made-up times.  Not
 * thread-safe: one limiter per thread or per object.
 */
#ifndef V2X_RUNTIME_RATELIMIT_H
#define V2X_RUNTIME_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct v2x_ratelimit {
	uint64_t interval_ns; /* one token is added per interval */
	uint64_t last_ns;     /* when tokens were last added */
	uint64_t suppressed;  /* refused since the last allowed call */
	uint32_t burst;       /* most tokens the bucket holds */
	uint32_t tokens;
	bool started; /* last_ns is set */
};

/*
 * Initialises a full bucket: burst lines may pass at once (0 counts as 1),
 * then one per interval_ns (0: every line passes).
 */
void v2x_ratelimit_init(struct v2x_ratelimit *rl, uint32_t burst, uint64_t interval_ns);

/*
 * Returns whether the line may be written now (now_ns from a monotonic
 * clock).  When it may, *suppressed (if not NULL) receives how many lines
 * were refused since the last one allowed, and that count restarts at 0.
 */
bool v2x_ratelimit_allow(struct v2x_ratelimit *rl, uint64_t now_ns, uint64_t *suppressed);

#endif
