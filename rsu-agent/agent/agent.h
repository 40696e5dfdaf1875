/*
 * agent: one RSU agent on a libuv loop, wired from its parts.
 *
 *   UDP / capture / hex stdin -> pipeline (framing, decode, validate)
 *       -> link (spool, TCP to the broker) ;  broker Downlink -> downlink (UDP to radio)
 *
 * plus the Prometheus endpoint and signal handling.  agent_new() builds
 * every part from the settings and starts them; agent_stop() (also on
 * SIGTERM or SIGINT) stops the inputs, flushes and syncs the spool, says
 * Bye to the broker, closes every handle and then calls the done callback,
 * after which agent_free() releases the rest.
 *
 * Not thread-safe: everything on the loop's thread.
 */
#ifndef V2X_RSU_AGENT_AGENT_AGENT_H
#define V2X_RSU_AGENT_AGENT_AGENT_H

#include <stdint.h>
#include <uv.h>

#include "rsu-agent/agent/config.h"
#include "runtime/log.h"

struct agent;

/* Called once, from the loop, when the agent has stopped; status is 0 for
 * a clean stop, else the error that stopped it. */
typedef void (*agent_done_cb)(void *arg, int status);

/*
 * Makes and starts an agent on loop (borrowed; must outlive it) from cfg
 * (borrowed: must outlive the agent) and the capture files captures[0..n)
 * (borrowed likewise), logging to log (borrowed likewise).  Returns 0 with
 * *out, or the error of the part that could not start (a spool the agent
 * cannot open, an address it cannot bind...) with the detail in err
 * (errlen bytes).  Even on failure *out is set (unless memory ran out, when
 * it is NULL): the agent is then stopping, and done runs with the error.
 * Either way the caller runs the loop until done has run, then frees the
 * agent with agent_free().
 */
int agent_new(uv_loop_t *loop, const struct agent_cfg *cfg, char *const *captures, int n,
              const struct v2x_log *log, agent_done_cb done, void *arg, struct agent **out,
              char *err, size_t errlen);

/* Starts stopping (see above); a second call does nothing. */
void agent_stop(struct agent *a);

/* Frees an agent whose done callback has run.  Accepts NULL. */
void agent_free(struct agent *a);

#endif
