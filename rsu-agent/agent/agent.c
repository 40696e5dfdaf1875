/*
 * agent: building, running and stopping one RSU agent.
 */
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/agent/agent_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

void agent__on_close(uv_handle_t *h)
{
	agent__closed(h->data);
}

/* What became of everything the agent heard, for the operator's log. */
static void log_summary(struct agent *a)
{
	const struct agent_pipeline_stats *ps = agent_pipeline_stats(a->pipe);
	char causes[256] = "";
	size_t at = 0;
	uint64_t rejected = 0;

	for (size_t i = 1; i < AGENT_VALIDATE_CAUSE_COUNT; i++) {
		if (!ps->rejected[i])
			continue;
		rejected += ps->rejected[i];
		at += (size_t)snprintf(causes + at, at < sizeof(causes) ? sizeof(causes) - at : 0,
		                       "%s%s %llu", at ? ", " : " (",
		                       agent_validate_cause_name((enum agent_validate_cause)i),
		                       (unsigned long long)ps->rejected[i]);
	}
	if (at && at < sizeof(causes) - 1)
		snprintf(causes + at, sizeof(causes) - at, ")");
	v2x_logf(a->log, V2X_LOG_INFO,
	         "stopped: %llu datagrams, %llu frames, %llu undecodable, %llu rejected%s, "
	         "%llu forwarded",
	         (unsigned long long)ps->datagrams, (unsigned long long)ps->frames,
	         (unsigned long long)ps->decode_failed, (unsigned long long)rejected, causes,
	         (unsigned long long)a->st.forwarded);
}

void agent__closed(struct agent *a)
{
	if (--a->closing > 0 || a->finished)
		return;
	a->finished = true;
	if (a->pipe)
		log_summary(a);
	else
		v2x_logf(a->log, V2X_LOG_INFO, "stopped");
	if (a->done)
		a->done(a->done_arg, a->status);
}

void agent__datagram(struct agent *a, const uint8_t *buf, size_t len, int64_t rx_wall_us,
                     uint64_t rx_mono_ns)
{
	a->cur_rx_mono_ns = rx_mono_ns;
	agent_pipeline_datagram(a->pipe, buf, len, rx_wall_us, rx_mono_ns);
}

/* The pipeline's emit: time it, then give it to the link (spool, then
 * socket).  The link fills in the seq and the replay marks. */
static int emit(void *arg, V2x__Wire__Observation *obs, const struct v2x_msg *msg)
{
	struct agent *a = arg;
	uint64_t now = v2x_clock_mono_ns();
	int rc;

	(void)msg;
	v2x_hist_add(&a->st.decode_us, (now - a->cur_rx_mono_ns) / 1000u);
	rc = agent_link_send_timed(a->link, obs, a->cur_rx_mono_ns, NULL);
	if (rc != 0) {
		a->st.forward_failed++;
		return rc;
	}
	a->st.forwarded++;
	return 0;
}

static void on_downlink(void *data, const V2x__Wire__Downlink *dl)
{
	struct agent *a = data;

	if (!a->downlink) {
		v2x_logf(a->log, V2X_LOG_WARN, "downlink request %llu ignored: no --radio is set",
		         (unsigned long long)dl->request_id);
		return;
	}
	agent_downlink_handle(a->downlink, dl);
}

static void on_state(void *data, enum agent_link_state state)
{
	struct agent *a = data;

	a->st.up = state == AGENT_LINK_DRAINING || state == AGENT_LINK_LIVE;
	v2x_logf(a->log, V2X_LOG_DEBUG, "link %s", agent_link_state_name(state));
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct agent *a = s->data;

	v2x_logf(a->log, V2X_LOG_INFO, "%s: stopping (the spool is flushed and synced)",
	         signum == SIGTERM ? "SIGTERM" : "SIGINT");
	agent_stop(a);
}

/* exit-when-done: once the captures and stdin are read, wait for the
 * broker to acknowledge everything, or for the drain timeout. */
static void on_done_timer(uv_timer_t *t)
{
	struct agent *a = t->data;
	struct agent_spool_stats ss;
	uint64_t now = (uint64_t)v2x_clock_mono_ns() / 1000000u;

	if (!agent__inputs_done(a))
		return;
	if (!a->done_since_ms)
		a->done_since_ms = now;
	ss = agent_spool_stats(a->spool);
	if (ss.records == 0 && ss.pending == 0) {
		v2x_logf(a->log, V2X_LOG_INFO, "input read and acknowledged to seq %llu",
		         (unsigned long long)ss.acked_seq);
		agent_stop(a);
	} else if (now - a->done_since_ms >= (uint64_t)a->cfg->drain_timeout_ms) {
		v2x_logf(a->log, V2X_LOG_WARN,
		         "input read; %llu observations not acknowledged after %lld ms stay in "
		         "the spool for the next start",
		         (unsigned long long)ss.records, (long long)a->cfg->drain_timeout_ms);
		agent_stop(a);
	}
}

/* Handles that exist from the start, so that every failure can take the
 * one stop path. */
static void init_handles(struct agent *a)
{
	uv_signal_init(a->loop, &a->sigterm);
	uv_signal_init(a->loop, &a->sigint);
	uv_timer_init(a->loop, &a->done_timer);
	a->sigterm.data = a->sigint.data = a->done_timer.data = a;
	a->closing += 3;
}

static int start_signals(struct agent *a)
{
	int rc = uv_signal_start(&a->sigterm, on_signal, SIGTERM);

	if (rc == 0)
		rc = uv_signal_start(&a->sigint, on_signal, SIGINT);
	if (rc == 0 && a->cfg->exit_when_done)
		rc = uv_timer_start(&a->done_timer, on_done_timer, 50, 50);
	return rc == 0 ? 0 : V2X_ESYS;
}

static void on_part_closed(void *arg)
{
	agent__closed(arg);
}

static void on_link_closed(struct agent_link *link, void *arg)
{
	(void)link;
	agent__closed(arg);
}

void agent_stop(struct agent *a)
{
	if (a->stopping)
		return;
	a->stopping = true;
	agent__inputs_stop(a);
	uv_close((uv_handle_t *)&a->sigterm, agent__on_close);
	uv_close((uv_handle_t *)&a->sigint, agent__on_close);
	uv_close((uv_handle_t *)&a->done_timer, agent__on_close);
	if (a->downlink) {
		a->closing++;
		agent_downlink_close(a->downlink, on_part_closed, a);
		a->downlink = NULL;
	}
	if (a->httpd) {
		a->closing++;
		v2x_httpd_close(a->httpd, on_part_closed, a);
		a->httpd = NULL;
	}
	if (a->link_started) {
		a->closing++;
		if (agent_link_close(a->link, on_link_closed, a) != 0)
			a->closing--;
	}
	/* The one count agent_new holds for the stop itself. */
	agent__closed(a);
}

static int make_pipeline(struct agent *a, char *err, size_t errlen)
{
	struct agent_pipeline_config pc;
	int rc = agent_cfg_pipeline(a->cfg, &pc, err, errlen);

	if (rc == 0)
		rc = agent_pipeline_new(&pc, a->log, emit, a, &a->pipe);
	if (rc != 0 && rc != V2X_ECONFIG)
		snprintf(err, errlen, "pipeline: %s", v2x_strerror(rc));
	else if (rc == V2X_ECONFIG && !err[0])
		snprintf(err, errlen, "pipeline: a framing or validation setting is wrong");
	return rc;
}

static int make_link(struct agent *a, char *err, size_t errlen)
{
	struct agent_spool_config sc;
	struct agent_link_config lc;
	struct agent_link_callbacks cbs = { .on_downlink = on_downlink,
		                            .on_state = on_state,
		                            .data = a };
	static const size_t cred_max = 1024;
	uint8_t *cred = malloc(cred_max);
	int rc;

	if (!cred)
		return V2X_ENOMEM;
	agent_cfg_spool(a->cfg, &sc);
	sc.log = a->log;
	rc = agent_spool_new(&sc, &a->spool, err, errlen);
	if (rc == 0) {
		char host[256];

		rc = agent_cfg_link(a->cfg, &lc, host, sizeof(host), cred, cred_max, err, errlen);
		lc.log = a->log;
		if (rc == 0)
			rc = agent_link_new(a->loop, &lc, a->spool, &cbs, &a->link);
		if (rc != 0 && !err[0])
			snprintf(err, errlen, "link: %s", v2x_strerror(rc));
	}
	free(cred);
	return rc;
}

static int make_downlink(struct agent *a, char *err, size_t errlen)
{
	const char *ids[1] = { a->cfg->id };
	struct agent_downlink_cfg dc = {
		.rsu_ids = ids,
		.n_rsu_ids = 1,
		.station_id = a->cfg->station_id,
		.radio_addr = a->cfg->radio,
		.repeat_ms = (uint32_t)a->cfg->downlink_repeat_ms,
		.max_requests = (uint32_t)a->cfg->downlink_max,
		.log = a->log,
	};

	if (!a->cfg->radio[0])
		return 0;
	return agent_downlink_new(a->loop, &dc, NULL, &a->downlink, err, errlen);
}

static int make_httpd(struct agent *a, char *err, size_t errlen)
{
	struct v2x_httpd_cfg hc = { .render = agent__metrics_render, .arg = a, .log = a->log };
	char host[256];
	uint16_t port;
	bool is_unix;
	int rc;

	if (!a->cfg->metrics[0])
		return 0;
	rc = agent_cfg_split_addr("--metrics", a->cfg->metrics, host, sizeof(host), &port, &is_unix,
	                          err, errlen);
	if (rc != 0)
		return rc;
	hc.host = host;
	hc.port = port;
	rc = v2x_httpd_new(a->loop, &hc, &a->httpd, err, errlen);
	if (rc == 0)
		v2x_logf(a->log, V2X_LOG_INFO, "metrics on http://%s:%d/metrics", host,
		         v2x_httpd_port(a->httpd));
	return rc;
}

/* The parts, before any input starts. */
static int build(struct agent *a, char *err, size_t errlen)
{
	int rc = make_pipeline(a, err, errlen);

	if (rc == 0)
		rc = make_link(a, err, errlen);
	if (rc == 0)
		rc = make_downlink(a, err, errlen);
	if (rc == 0)
		rc = make_httpd(a, err, errlen);
	if (rc == 0)
		rc = agent__metrics_register(a, err, errlen);
	return rc;
}

/* Signals, the link and the inputs. */
static int start(struct agent *a, char *err, size_t errlen)
{
	int rc = start_signals(a);

	if (rc == 0) {
		rc = agent_link_start(a->link);
		a->link_started = rc == 0;
	}
	if (rc == 0)
		rc = agent__udp_start(a, err, errlen);
	if (rc == 0)
		rc = agent__stdin_start(a, err, errlen);
	if (rc == 0)
		rc = agent__replay_start(a, err, errlen);
	return rc;
}

static void release(struct agent *a)
{
	agent_link_free(a->link);
	agent_spool_free(a->spool);
	agent_pipeline_free(a->pipe);
	v2x_metrics_fini(&a->metrics);
	free(a->rxbuf);
	free(a->in.line);
	free(a->in.frame);
	free(a->rp.copy);
	free(a);
}

int agent_new(uv_loop_t *loop, const struct agent_cfg *cfg, char *const *captures, int n,
              const struct v2x_log *log, agent_done_cb done, void *arg, struct agent **out,
              char *err, size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (!a)
		return V2X_ENOMEM;
	a->loop = loop;
	a->cfg = cfg;
	a->log = log;
	a->done = done;
	a->done_arg = arg;
	a->rp.files = captures;
	a->rp.n = n;
	snprintf(a->id, sizeof(a->id), "%s", cfg->id);
	v2x_metrics_init(&a->metrics);
	a->closing = 1; /* the stop's own count, released by agent_stop */
	init_handles(a);
	*out = a;
	rc = build(a, err, errlen);
	if (rc == 0)
		rc = start(a, err, errlen);
	if (rc != 0) {
		a->status = rc;
		agent_stop(a);
		return rc;
	}
	v2x_logf(log, V2X_LOG_INFO, "rsu %s: started, broker %s, spool %s", a->id, cfg->broker,
	         cfg->spool_dir);
	return 0;
}

void agent_free(struct agent *a)
{
	if (a)
		release(a);
}
