#include "rsu-agent/link/tests/linkfx.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/clock.h"
#include "tests/check.h"

static void on_state(void *data, enum agent_link_state state)
{
	struct lf *f = data;

	if (f->n_states < LF_MAX_STATES)
		f->states[f->n_states++] = (struct lf_state){ uv_now(&f->loop), state };
}

static void on_downlink(void *data, const V2x__Wire__Downlink *dl)
{
	struct lf *f = data;

	if (f->n_downlinks < sizeof(f->downlinks) / sizeof(f->downlinks[0]))
		f->downlinks[f->n_downlinks++] = dl->has_request_id ? dl->request_id : 0;
}

int lf_init(struct lf *f, const char *name, const char *wirepeer)
{
	memset(f, 0, sizeof(*f));
	f->wirepeer = wirepeer;
	f->peer.pid = 0;
	f->peer.out_fd = -1;
	if (tu_tmpdir(f->dir, sizeof(f->dir), name) != 0 || uv_loop_init(&f->loop) != 0)
		return -1;
	snprintf(f->spool_dir, sizeof(f->spool_dir), "%s/spool", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/peer.jsonl", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/peer.sock", f->dir);
	v2x_log_init(&f->log, name, "info");
	f->spool_cfg.dir = f->spool_dir;
	f->spool_cfg.max_bytes = 64u << 20;
	f->spool_cfg.segment_bytes = 1u << 20;
	f->spool_cfg.log = &f->log;
	f->cfg.host = "127.0.0.1";
	f->cfg.id = "rsu-test-1";
	f->cfg.heartbeat_ms = 100;
	f->cfg.timeout_ms = 1000;
	f->cfg.connect_timeout_ms = 1000;
	f->cfg.backoff_min_ms = 20;
	f->cfg.backoff_max_ms = 200;
	f->cfg.seed = 42;
	f->cfg.log = &f->log;
	tu_obs_init(&f->obs);
	return 0;
}

int lf_fini(struct lf *f)
{
	struct tu_peer_summary sum;
	int rc;

	lf_steady_stop(f);
	if (f->steady_init)
		uv_close((uv_handle_t *)&f->steady, NULL);
	if (f->link)
		lf_link_close(f);
	if (f->peer_up)
		lf_peer_stop(f, &sum);
	rc = tu_loop_finish(&f->loop);
	tu_obs_fini(&f->obs);
	tu_rmtree(f->dir);
	return rc;
}

int lf_peer_start(struct lf *f, bool unix_socket, const char *const *extra)
{
	const char *args[24];
	char unixarg[320];
	size_t n = 0;
	int port;

	if (unix_socket) {
		snprintf(unixarg, sizeof(unixarg), "--unix=%s", f->sock);
		args[n++] = unixarg;
	}
	for (size_t i = 0; extra && extra[i] && n < 23; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	port = tu_peer_start(&f->peer, f->wirepeer, f->port, f->out, args);
	if (port < 0)
		return -1;
	f->port = port;
	f->cfg.port = (uint16_t)port;
	f->peer_up = true;
	return 0;
}

int lf_peer_stop(struct lf *f, struct tu_peer_summary *sum)
{
	f->peer_up = false;
	return tu_peer_stop(&f->peer, sum);
}

int lf_link_open(struct lf *f)
{
	struct agent_link_callbacks cbs = { on_downlink, on_state, f };
	char err[512];

	if (agent_spool_new(&f->spool_cfg, &f->spool, err, sizeof(err)) != 0) {
		fprintf(stderr, "spool: %s\n", err);
		return -1;
	}
	if (agent_link_new(&f->loop, &f->cfg, f->spool, &cbs, &f->link) != 0 ||
	    agent_link_start(f->link) != 0)
		return -1;
	f->closed = false;
	return 0;
}

static void on_closed(struct agent_link *link, void *data)
{
	struct lf *f = data;

	(void)link;
	f->closed = true;
}

static bool is_closed(void *arg)
{
	return ((struct lf *)arg)->closed;
}

void lf_link_close(struct lf *f)
{
	CHECK_INT_EQ(agent_link_close(f->link, on_closed, f), 0);
	CHECK(tu_run_until(&f->loop, is_closed, f, 5000));
	agent_link_free(f->link);
	agent_spool_free(f->spool);
	f->link = NULL;
	f->spool = NULL;
}

enum v2x_msg_type lf_cycle(uint64_t n)
{
	static const enum v2x_msg_type cycle[] = { V2X_MSG_BSM,  V2X_MSG_BSM, V2X_MSG_RSM,
		                                   V2X_MSG_BSM,  V2X_MSG_MAP, V2X_MSG_BSM,
		                                   V2X_MSG_SPAT, V2X_MSG_RSI };

	return cycle[n % (sizeof(cycle) / sizeof(cycle[0]))];
}

int lf_send(struct lf *f, enum v2x_msg_type type, int64_t rx_time_us)
{
	uint64_t n = f->number + 1, seq = 0;
	int rc;

	if (n > LF_MAX_OBS)
		return -1;
	if ((rc = tu_obs_make(&f->obs, type, n, rx_time_us)) != 0)
		return rc;
	if ((rc = agent_link_send(f->link, &f->obs.obs, &seq)) != 0)
		return rc;
	f->number = n;
	f->types[n] = type;
	f->old[n] = rx_time_us != 0;
	CHECK_UINT_EQ(seq, n);
	return 0;
}

static void on_steady(uv_timer_t *t)
{
	struct lf *f = t->data;

	CHECK_INT_EQ(lf_send(f, lf_cycle(f->number + 1), 0), 0);
}

void lf_steady_start(struct lf *f, unsigned every_ms)
{
	if (!f->steady_init) {
		uv_timer_init(&f->loop, &f->steady);
		f->steady.data = f;
		f->steady_init = true;
	}
	uv_timer_start(&f->steady, on_steady, every_ms, every_ms);
}

void lf_steady_stop(struct lf *f)
{
	if (f->steady_init)
		uv_timer_stop(&f->steady);
}

bool lf_all_acked(void *arg)
{
	const struct lf *f = arg;

	return agent_link_stats(f->link).acked == f->number;
}

bool lf_live(void *arg)
{
	const struct lf *f = arg;

	return agent_link_stats(f->link).state == AGENT_LINK_LIVE;
}

static const char *type_name(enum v2x_msg_type t)
{
	static const char *const names[] = { "NONE", "BSM", "MAP", "RSM", "SPAT", "RSI" };

	return (unsigned)t < 6 ? names[t] : "?";
}

static bool line_ok(const struct lf *f, const struct tu_line *l, uint64_t want)
{
	enum v2x_msg_type t = f->types[want];
	bool numbered = t == V2X_MSG_BSM || t == V2X_MSG_RSM;

	if (l->seq == want && strcmp(l->type, type_name(t)) == 0 &&
	    (!numbered || l->number == want) && l->has_msg && strcmp(l->agent, f->cfg.id) == 0)
		return true;
	fprintf(stderr, "line %" PRIu64 ": seq %" PRIu64 " %s number %" PRIu64 " agent %s%s\n",
	        want, l->seq, l->type, l->number, l->agent, l->has_msg ? "" : " (no message)");
	return false;
}

struct tu_line *lf_check_output(struct lf *f, long *n)
{
	struct tu_line *lines = NULL;
	long bad = 0;

	*n = tu_read_lines(f->out, &lines);
	CHECK_INT_EQ(*n, (long)f->number);
	for (long i = 0; i < *n && bad < 5; i++)
		bad += !line_ok(f, &lines[i], (uint64_t)i + 1);
	CHECK_INT_EQ(bad, 0);
	return lines;
}
