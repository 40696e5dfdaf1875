/*
 * v2x-broker: the broker's program.  Settings: config.h, docs/broker.md.
 *
 * Exit status: 0 after a clean stop (SIGTERM, SIGINT), 1 when the broker
 * could not start or stopped on an error, 2 for bad settings.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "broker/main/config.h"
#include "broker/net/auth.h"
#include "maps/db/conn.h"
#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "maps/gen/mapgen.h"
#include "runtime/err.h"
#include "runtime/httpd.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

struct broker {
	uv_loop_t loop;
	struct v2x_log log;
	struct brk_core_config core_cfg;
	struct brk_auth *auth;
	struct map_db_conn *embedded; /* the private cluster without --db */
	struct brk_core *core;
	struct v2x_httpd *httpd;
	struct v2x_metrics metrics;
	uv_signal_t sigterm, sigint;
	bool stopping;
};

static int render(void *arg, struct v2x_metrics_buf *out)
{
	struct broker *b = arg;

	return v2x_metrics_render(&b->metrics, out);
}

static void on_core_done(void *arg)
{
	struct broker *b = arg;

	if (!uv_is_closing((uv_handle_t *)&b->sigterm))
		uv_close((uv_handle_t *)&b->sigterm, NULL);
	if (!uv_is_closing((uv_handle_t *)&b->sigint))
		uv_close((uv_handle_t *)&b->sigint, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct broker *b = s->data;

	if (b->stopping)
		return;
	b->stopping = true;
	v2x_logf(&b->log, V2X_LOG_INFO,
	         "%s: stopping (rows are flushed to PostgreSQL or the spool)",
	         signum == SIGTERM ? "SIGTERM" : "SIGINT");
	if (b->httpd)
		v2x_httpd_close(b->httpd, NULL, NULL);
	b->httpd = NULL;
	brk_core_stop(b->core);
}

static int listen_all(struct broker *b, const struct broker_cfg *cfg, char *err, size_t errlen)
{
	struct brk_net *net = brk_core_net(b->core);
	char host[256];
	int port, bound, rc;

	if (cfg->listen_agents[0]) {
		broker_cfg_addr("--listen-agents", cfg->listen_agents, host, sizeof(host), &port,
		                err, errlen);
		rc = brk_net_listen_tcp(net, host, port, BRK_SERVE_AGENTS, &bound, err, errlen);
		if (rc != 0)
			return rc;
		v2x_logf(&b->log, V2X_LOG_INFO, "listening for agents on tcp %s %d", host, bound);
	}
	if (cfg->listen_subscribers[0]) {
		broker_cfg_addr("--listen-subscribers", cfg->listen_subscribers, host, sizeof(host),
		                &port, err, errlen);
		rc = brk_net_listen_tcp(net, host, port, BRK_SERVE_SUBSCRIBERS, &bound, err,
		                        errlen);
		if (rc != 0)
			return rc;
		v2x_logf(&b->log, V2X_LOG_INFO, "listening for subscribers on tcp %s %d", host,
		         bound);
	}
	if (cfg->unix_path[0]) {
		rc = brk_net_listen_unix(net, cfg->unix_path,
		                         BRK_SERVE_AGENTS | BRK_SERVE_SUBSCRIBERS, err, errlen);
		if (rc != 0)
			return rc;
		v2x_logf(&b->log, V2X_LOG_INFO, "listening on unix %s", cfg->unix_path);
	}
	return 0;
}

static int start_metrics(struct broker *b, const struct broker_cfg *cfg, char *err, size_t errlen)
{
	struct v2x_httpd_cfg hc = { .render = render, .arg = b, .log = &b->log };
	char host[256];
	int rc;

	rc = brk_core_metrics_add(b->core, &b->metrics, err, errlen);
	if (rc != 0 || !cfg->metrics[0])
		return rc;
	broker_cfg_addr("--metrics", cfg->metrics, host, sizeof(host), &hc.port, err, errlen);
	hc.host = host;
	rc = v2x_httpd_new(&b->loop, &hc, &b->httpd, err, errlen);
	if (rc != 0)
		return rc;
	rc = v2x_httpd_metrics_add(b->httpd, &b->metrics, NULL, 0);
	if (rc == 0)
		v2x_logf(&b->log, V2X_LOG_INFO, "metrics on http://%s:%d/metrics", host,
		         v2x_httpd_port(b->httpd));
	return rc;
}

/*
 * Without --db: a private PostgreSQL+PostGIS cluster (removed at exit)
 * holding the test field of the default generator parameters, for trying
 * the broker out and for demos.
 */
static int embedded_db(struct broker *b, char *err, size_t errlen)
{
	struct mapgen_params mp = mapgen_params_default();
	struct v2x_arena arena;
	struct map_model model;
	int64_t version = 0;
	int applied = 0, rc;

	v2x_logf(&b->log, V2X_LOG_INFO,
	         "no --db: starting a private PostgreSQL+PostGIS cluster with the test field "
	         "(removed at exit)");
	v2x_arena_init(&arena, 1u << 20, 0);
	rc = map_db_open(NULL, &b->log, &b->embedded, err, errlen);
	if (rc == 0)
		rc = map_db_migrate(map_db_conn_pg(b->embedded), &applied, err, errlen);
	if (rc == 0)
		rc = mapgen_build(&mp, &arena, &model, err, errlen);
	if (rc == 0)
		rc = map_db_store(map_db_conn_pg(b->embedded), &model, &version, err, errlen);
	v2x_arena_fini(&arena);
	if (rc == 0) {
		b->core_cfg.db = map_db_conn_conninfo(b->embedded);
		v2x_logf(&b->log, V2X_LOG_INFO, "the test field is map version %lld in %s",
		         (long long)version, b->core_cfg.db);
	}
	return rc;
}

static int run(struct broker *b, const struct broker_cfg *cfg)
{
	char err[512] = "";
	int rc;

	if (v2x_log_init(&b->log, "v2x-broker", cfg->log_level) != 0)
		return 2;
	rc = broker_cfg_core(cfg, &b->core_cfg, err, sizeof(err));
	if (rc == 0)
		rc = brk_auth_load(cfg->credentials, &b->auth, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "v2x-broker: %s\n", err);
		return 2;
	}
	b->core_cfg.net.auth = b->auth;
	b->core_cfg.net.log = &b->log;
	if (!cfg->db[0] && embedded_db(b, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-broker: the private cluster: %s\n", err);
		map_db_close(b->embedded);
		brk_auth_free(b->auth);
		return 1;
	}
	if (uv_loop_init(&b->loop) != 0) {
		fprintf(stderr, "v2x-broker: cannot make an event loop\n");
		brk_auth_free(b->auth);
		return 1;
	}
	v2x_metrics_init(&b->metrics);
	uv_signal_init(&b->loop, &b->sigterm);
	uv_signal_init(&b->loop, &b->sigint);
	b->sigterm.data = b->sigint.data = b;
	rc = brk_core_new(&b->loop, &b->core_cfg, &b->log, on_core_done, b, &b->core, err,
	                  sizeof(err));
	if (rc == 0)
		rc = listen_all(b, cfg, err, sizeof(err));
	if (rc == 0)
		rc = start_metrics(b, cfg, err, sizeof(err));
	if (rc == 0) {
		uv_signal_start(&b->sigterm, on_signal, SIGTERM);
		uv_signal_start(&b->sigint, on_signal, SIGINT);
		v2x_logf(&b->log, V2X_LOG_INFO, "ready");
	} else {
		v2x_logf(&b->log, V2X_LOG_ERROR, "cannot start: %s",
		         err[0] ? err : v2x_strerror(rc));
		if (b->httpd)
			v2x_httpd_close(b->httpd, NULL, NULL);
		on_core_done(b);
		if (b->core)
			brk_core_stop(b->core);
	}
	uv_run(&b->loop, UV_RUN_DEFAULT);
	brk_core_free(b->core);
	v2x_metrics_fini(&b->metrics);
	brk_auth_free(b->auth);
	map_db_close(b->embedded);
	if (uv_loop_close(&b->loop) != 0)
		fprintf(stderr, "v2x-broker: handles were left open at exit\n");
	if (rc == 0)
		v2x_logf(&b->log, V2X_LOG_INFO, "stopped");
	return rc == 0 ? 0 : rc == V2X_ECONFIG || rc == V2X_EUSAGE ? 2 : 1;
}

int main(int argc, char **argv)
{
	struct broker_cfg cfg;
	struct broker b;
	char err[512];
	int rc;

	/* A subscriber that goes away must not kill the broker with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	memset(&cfg, 0, sizeof(cfg));
	memset(&b, 0, sizeof(b));
	rc = broker_cfg_parse(&cfg, argc, argv, err, sizeof(err));
	if (rc == 1) {
		rc = 0;
	} else if (rc != 0) {
		fprintf(stderr, "v2x-broker: %s\n", err);
		rc = 2;
	} else {
		rc = run(&b, &cfg);
	}
	v2x_opt_release(broker_cfg_table(), &cfg);
	return rc;
}
