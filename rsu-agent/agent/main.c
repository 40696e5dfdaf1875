/*
 * v2x-agent: the RSU agent's program.  Settings: config.h, docs/agent.md.
 *
 * Exit status: 0 after a clean stop (SIGTERM, SIGINT, --exit-when-done),
 * 1 when the agent stopped on an error, 2 for bad settings.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "rsu-agent/agent/agent.h"
#include "runtime/err.h"
#include "runtime/log.h"
#include "runtime/opt.h"

static void on_done(void *arg, int status)
{
	*(int *)arg = status;
}

static int run(const struct agent_cfg *cfg, char *const *captures, int n)
{
	struct v2x_log log;
	struct agent *a = NULL;
	uv_loop_t loop;
	char err[512];
	int status = 0, rc;

	if (v2x_log_init(&log, "v2x-agent", cfg->log_level) != 0)
		return 2;
	if (uv_loop_init(&loop) != 0) {
		fprintf(stderr, "v2x-agent: cannot make an event loop\n");
		return 1;
	}
	rc = agent_new(&loop, cfg, captures, n, &log, on_done, &status, &a, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "v2x-agent: %s\n", err[0] ? err : v2x_strerror(rc));
	if (a)
		uv_run(&loop, UV_RUN_DEFAULT);
	agent_free(a);
	if (uv_loop_close(&loop) != 0)
		fprintf(stderr, "v2x-agent: handles were left open at exit\n");
	if (rc == V2X_ECONFIG || rc == V2X_EUSAGE)
		return 2;
	return rc != 0 || status != 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct agent_cfg cfg;
	struct v2x_opt_args args;
	char err[512];
	int rc;

	/* A broker that goes away must not kill the agent with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	memset(&cfg, 0, sizeof(cfg));
	rc = agent_cfg_parse(&cfg, argc, argv, &args, err, sizeof(err));
	if (rc == 1) {
		rc = 0;
	} else if (rc != 0) {
		fprintf(stderr, "v2x-agent: %s\n", err);
		rc = 2;
	} else {
		rc = run(&cfg, args.argv, args.argc);
	}
	v2x_opt_release(agent_cfg_table(), &cfg);
	return rc;
}
