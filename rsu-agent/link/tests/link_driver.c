/*
 * agent-link-driver: a process that owns a spool and a link, for the tests
 * that kill it.  It sends --count observations (all at once, or one every
 * --every-ms; after the link first goes live with --wait-live), each
 * numbered with its seq (a BSM for an even seq, an RSM for an odd one, the
 * number in the message's id), and waits until the broker acknowledged
 * everything in the spool.  Then it prints
 *
 *   done next_seq N acked N sent N replayed N
 *
 * closes the link and exits 0.  --kill-after-replayed=K makes it SIGKILL
 * itself once K spooled observations were queued for the socket: killed
 * in the middle of draining, at a point a test can count on.
 */
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/link/link.h"
#include "rsu-agent/link/tests/testutil.h"
#include "runtime/opt.h"

struct drv_options {
	char *spool;
	char *unix_path;
	int64_t port;
	int64_t count;
	int64_t every_ms;
	bool wait_live;
	int64_t kill_after_replayed;
	int64_t drain_chunk;
};

static const struct v2x_opt drv_opts[] = {
	{ .name = "spool",
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct drv_options, spool),
	  .help = "the spool's folder (required)" },
	{ .name = "unix",
	  .type = V2X_OPT_STRING,
	  .offset = offsetof(struct drv_options, unix_path),
	  .help = "the broker's unix socket" },
	{ .name = "port",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct drv_options, port),
	  .min = 0,
	  .max = 65535,
	  .help = "the broker's port on 127.0.0.1" },
	{ .name = "count",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct drv_options, count),
	  .min = 0,
	  .max = 10000000,
	  .help = "observations to send" },
	{ .name = "every-ms",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct drv_options, every_ms),
	  .min = 0,
	  .max = 60000,
	  .help = "send one every N ms (0: all at once)" },
	{ .name = "wait-live",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct drv_options, wait_live),
	  .help = "start sending once the link is live" },
	{ .name = "kill-after-replayed",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct drv_options, kill_after_replayed),
	  .min = 0,
	  .max = 10000000,
	  .help = "SIGKILL itself after N replays (0: never)" },
	{ .name = "drain-chunk",
	  .type = V2X_OPT_SIZE,
	  .offset = offsetof(struct drv_options, drain_chunk),
	  .min = 0,
	  .max = 1 << 30,
	  .help = "the link's drain chunk" },
	V2X_OPT_END,
};

static const struct v2x_opt_table drv_table = {
	.opts = drv_opts,
	.usage = "agent-link-driver --spool DIR (--port N | --unix PATH) [OPTIONS]",
};

struct driver {
	uv_loop_t loop;
	struct drv_options opt;
	struct v2x_log log;
	struct agent_spool *spool;
	struct agent_link *link;
	struct tu_obs obs;
	uv_timer_t send_timer;
	uv_prepare_t watch;
	int64_t to_send;
	bool done;
	int status;
};

static void send_one(struct driver *d)
{
	uint64_t n = agent_spool_next_seq(d->spool);
	enum v2x_msg_type type = n % 2 ? V2X_MSG_RSM : V2X_MSG_BSM;
	int rc = tu_obs_make(&d->obs, type, n, 0);

	if (rc == 0)
		rc = agent_link_send(d->link, &d->obs.obs, NULL);
	if (rc != 0) {
		fprintf(stderr, "agent-link-driver: send: %d\n", rc);
		d->status = 1;
	}
	d->to_send--;
}

static void on_send_timer(uv_timer_t *t)
{
	struct driver *d = t->data;

	if (d->to_send > 0)
		send_one(d);
	if (d->to_send <= 0)
		uv_timer_stop(t);
}

static void start_sending(struct driver *d)
{
	if (d->opt.every_ms > 0) {
		uv_timer_start(&d->send_timer, on_send_timer, (uint64_t)d->opt.every_ms,
		               (uint64_t)d->opt.every_ms);
		return;
	}
	while (d->to_send > 0)
		send_one(d);
}

static void on_closed(struct agent_link *link, void *data)
{
	struct driver *d = data;

	(void)link;
	uv_close((uv_handle_t *)&d->send_timer, NULL);
	uv_close((uv_handle_t *)&d->watch, NULL);
}

/* Every turn: the kill point, the start of sending, the end. */
static void on_watch(uv_prepare_t *h)
{
	struct driver *d = h->data;
	struct agent_link_stats st = agent_link_stats(d->link);
	uint64_t last;

	if (d->opt.kill_after_replayed && st.replayed >= (uint64_t)d->opt.kill_after_replayed)
		raise(SIGKILL);
	if (d->opt.wait_live && st.state == AGENT_LINK_LIVE && d->to_send == d->opt.count &&
	    d->to_send > 0)
		start_sending(d);
	st = agent_link_stats(d->link);
	last = agent_spool_next_seq(d->spool) - 1;
	if (d->done || d->to_send > 0 || st.acked < last)
		return;
	d->done = true;
	printf("done next_seq %" PRIu64 " acked %" PRIu64 " sent %" PRIu64 " replayed %" PRIu64
	       "\n",
	       last + 1, st.acked, st.sent, st.replayed);
	fflush(stdout);
	agent_link_close(d->link, on_closed, d);
}

static int open_link(struct driver *d)
{
	struct agent_spool_config sc = { .dir = d->opt.spool, .log = &d->log };
	struct agent_link_config lc = { .unix_path = d->opt.unix_path,
		                        .host = "127.0.0.1",
		                        .port = (uint16_t)d->opt.port,
		                        .id = "rsu-driver",
		                        .heartbeat_ms = 100,
		                        .backoff_min_ms = 20,
		                        .backoff_max_ms = 200,
		                        .drain_chunk = (size_t)d->opt.drain_chunk,
		                        .log = &d->log };
	char err[512];

	if (agent_spool_new(&sc, &d->spool, err, sizeof(err)) != 0) {
		fprintf(stderr, "agent-link-driver: %s\n", err);
		return -1;
	}
	if (agent_link_new(&d->loop, &lc, d->spool, NULL, &d->link) != 0 ||
	    agent_link_start(d->link) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct driver d;
	struct v2x_opt_args args;
	char err[512];

	memset(&d, 0, sizeof(d));
	if (v2x_opt_defaults(&drv_table, &d.opt, err, sizeof(err)) != 0 ||
	    v2x_opt_parse_args(&drv_table, &d.opt, argc, argv, &args, err, sizeof(err)) != 0 ||
	    !d.opt.spool) {
		fprintf(stderr, "agent-link-driver: %s\n",
		        d.opt.spool ? err : "--spool is required");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	v2x_log_init(&d.log, "link-driver", "info");
	uv_loop_init(&d.loop);
	tu_obs_init(&d.obs);
	uv_timer_init(&d.loop, &d.send_timer);
	uv_prepare_init(&d.loop, &d.watch);
	d.send_timer.data = d.watch.data = &d;
	d.to_send = d.opt.count;
	if (open_link(&d) != 0)
		return 1;
	uv_prepare_start(&d.watch, on_watch);
	if (!d.opt.wait_live)
		start_sending(&d);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	agent_link_free(d.link);
	agent_spool_free(d.spool);
	tu_obs_fini(&d.obs);
	uv_loop_close(&d.loop);
	v2x_opt_release(&drv_table, &d.opt);
	return d.status;
}
