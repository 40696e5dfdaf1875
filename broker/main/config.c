/*
 * config: the option table of v2x-broker.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/apps/appset.h"
#include "broker/main/config.h"
#include "runtime/addr.h"
#include "runtime/err.h"
#include "runtime/log.h"

static const char *const slow_names[] = { "drop-oldest", "disconnect", NULL };
static const char *const fsync_names[] = { "always", "interval", NULL };

#define F(x) offsetof(struct broker_cfg, x)
#define DAY  (24LL * 3600 * 1000)

/* clang-format off */
static const struct v2x_opt broker_opts[] = {
	{ .name = "config", .short_name = 'c', .type = V2X_OPT_CONFIG, .offset = F(config),
	  .def = "/etc/v2x/broker.conf", .metavar = "FILE",
	  .help = "read settings from FILE first (key = value lines)" },
	{ .name = "id", .type = V2X_OPT_STRING, .offset = F(id), .def = "broker",
	  .metavar = "ID", .help = "this broker's name, sent in every HelloAck" },
	{ .name = "db", .type = V2X_OPT_STRING, .offset = F(db), .def = "",
	  .metavar = "CONNINFO",
	  .help = "PostgreSQL+PostGIS holding the map (libpq string); \"\": a private cluster "
	          "with the test field, removed at exit" },
	{ .name = "map-version", .type = V2X_OPT_INT, .offset = F(map_version), .def = "0",
	  .min = 0, .max = INT64_MAX, .help = "map version to serve (0: the latest, and follow NOTIFY)" },
	{ .name = "credentials", .type = V2X_OPT_STRING, .offset = F(credentials),
	  .def = "/etc/v2x/credentials", .metavar = "FILE",
	  .help = "tokens: 'agent TOKEN RSU,...' and 'subscriber TOKEN ACCOUNT [scope]' lines" },
	{ .name = "listen-agents", .type = V2X_OPT_STRING, .offset = F(listen_agents),
	  .def = "0.0.0.0:7600", .metavar = "ADDR",
	  .help = "TCP address for agents (HOST:PORT, [V6]:PORT; \"\": none)" },
	{ .name = "listen-subscribers", .type = V2X_OPT_STRING, .offset = F(listen_subscribers),
	  .def = "0.0.0.0:7700", .metavar = "ADDR",
	  .help = "TCP address for subscribers (\"\": none)" },
	{ .name = "unix", .type = V2X_OPT_STRING, .offset = F(unix_path), .def = "",
	  .metavar = "PATH", .help = "also a unix socket for agents and subscribers (\"\": none)" },
	{ .name = "metrics", .type = V2X_OPT_STRING, .offset = F(metrics), .def = "127.0.0.1:9600",
	  .metavar = "ADDR", .help = "Prometheus /metrics and /healthz (\"\": none)" },
	{ .name = "log-level", .type = V2X_OPT_STRING, .offset = F(log_level), .def = "info",
	  .metavar = "LEVEL", .help = "error, warn, info or debug" },
	{ .name = "heartbeat", .type = V2X_OPT_DURATION, .offset = F(heartbeat_ms), .def = "1s",
	  .min = 10, .max = DAY, .help = "heartbeat interval asked of every peer" },
	{ .name = "timeout", .type = V2X_OPT_DURATION, .offset = F(timeout_ms), .def = "5s",
	  .min = 10, .max = DAY, .help = "a peer silent this long is closed" },
	{ .name = "max-frame", .type = V2X_OPT_SIZE, .offset = F(max_frame), .def = "1M",
	  .min = 256, .max = 64LL << 20, .help = "larger frames close the connection, unread" },
	{ .name = "max-conns", .type = V2X_OPT_INT, .offset = F(max_conns), .def = "1024",
	  .min = 1, .max = 1000000, .help = "connections at once" },
	{ .name = "queue-frames", .type = V2X_OPT_INT, .offset = F(queue_frames), .def = "4096",
	  .min = 1, .max = 1 << 24, .help = "output queue of a connection, frames" },
	{ .name = "queue-bytes", .type = V2X_OPT_SIZE, .offset = F(queue_bytes), .def = "4M",
	  .min = 4096, .max = 1LL << 32, .help = "output queue of a connection, bytes" },
	{ .name = "socket-sndbuf", .type = V2X_OPT_SIZE, .offset = F(sndbuf), .def = "256k",
	  .min = 0, .max = 64LL << 20,
	  .help = "kernel send buffer of each connection (0: the system's autotuning)" },
	{ .name = "slow-policy", .type = V2X_OPT_ENUM, .offset = F(slow_policy),
	  .def = "drop-oldest", .choices = slow_names,
	  .help = "a full queue: drop-oldest (keep the subscriber) or disconnect" },
	{ .name = "spool-dir", .type = V2X_OPT_STRING, .offset = F(spool_dir),
	  .def = "/var/spool/v2x-broker", .metavar = "DIR",
	  .help = "rows wait here while PostgreSQL is unreachable" },
	{ .name = "persist-observations", .type = V2X_OPT_STRING,
	  .offset = F(persist_observations), .def = "all", .metavar = "all|none|N",
	  .help = "BSM rows written: all, none, or one in N per agent" },
	{ .name = "persist-queue", .type = V2X_OPT_SIZE, .offset = F(persist_queue), .def = "64M",
	  .min = 1 << 20, .max = 1LL << 36, .help = "rows waiting for the database writer, bytes" },
	{ .name = "persist-batch", .type = V2X_OPT_INT, .offset = F(persist_batch), .def = "2000",
	  .min = 1, .max = 1000000, .help = "rows per transaction at most" },
	{ .name = "persist-flush", .type = V2X_OPT_DURATION, .offset = F(persist_flush_ms),
	  .def = "50ms", .min = 1, .max = 60000, .help = "a partial batch is written after this" },
	{ .name = "fsync", .type = V2X_OPT_ENUM, .offset = F(fsync), .def = "interval",
	  .choices = fsync_names, .help = "spool durability: always (each append) or interval (200 ms)" },
	{ .name = "persist-json", .type = V2X_OPT_FLAG, .offset = F(persist_json),
	  .help = "store each observation's message as JSON too" },
	{ .name = "persist-uper", .type = V2X_OPT_FLAG, .offset = F(persist_uper),
	  .help = "store the raw UPER bytes an agent sent" },
	{ .name = "max-tracks", .type = V2X_OPT_INT, .offset = F(max_tracks), .def = "100000",
	  .min = 1, .max = 10000000, .help = "vehicles tracked at once" },
	{ .name = "max-warnings", .type = V2X_OPT_INT, .offset = F(max_warnings), .def = "100000",
	  .min = 1, .max = 10000000, .help = "warnings active at once" },
	{ .name = "track-max-age", .type = V2X_OPT_DURATION, .offset = F(track_max_age_ms),
	  .def = "5s", .min = 100, .max = DAY, .help = "a vehicle not heard this long is dropped" },
	{ .name = "tick", .type = V2X_OPT_DURATION, .offset = F(tick_ms), .def = "100ms",
	  .min = 10, .max = 10000, .help = "period of expiry checks and the applications' tick" },
	{ .name = "hazard-horizon", .type = V2X_OPT_DOUBLE, .offset = F(hazard_horizon_s),
	  .def = "12", .dmin = 1, .dmax = 600, .metavar = "S",
	  .help = "hazard ahead: look this many seconds ahead at the vehicle's speed" },
	{ .name = "hazard-horizon-min", .type = V2X_OPT_DOUBLE, .offset = F(hazard_horizon_min_m),
	  .def = "150", .dmin = 0, .dmax = 100000, .metavar = "M",
	  .help = "hazard ahead: and at least this far" },
	{ .name = "apps", .type = V2X_OPT_STRING, .offset = F(apps), .def = "all",
	  .metavar = "LIST",
	  .help = "the warning applications to run, comma-separated, or all (--apps-help)" },
	{ .name = "app-settings", .type = V2X_OPT_STRING, .offset = F(app_settings), .def = "",
	  .metavar = "NAME.KEY=V,...",
	  .help = "change an application's setting, e.g. curve_speed.decel_mps2=3" },
	{ .name = "apps-help", .type = V2X_OPT_FLAG, .offset = F(apps_help),
	  .help = "list every application's settings with unit, default and meaning, and exit" },
	{ .name = "warn-confirm", .type = V2X_OPT_DURATION, .offset = F(warn_confirm_ms),
	  .def = "1s", .min = 100, .max = DAY,
	  .help = "a warning no application confirms this long is cancelled" },
	{ .name = "rsi-hold", .type = V2X_OPT_DURATION, .offset = F(rsi_hold_ms), .def = "5s",
	  .min = 100, .max = DAY,
	  .help = "an RSI event without an end time lasts this long after it was last heard" },
	V2X_OPT_END,
};
/* clang-format on */

static const struct v2x_opt_table broker_table = {
	.opts = broker_opts,
	.usage = "v2x-broker [OPTIONS]",
	.about =
	        "Takes the observations of the RSU agents, keeps the state of the road (vehicles,\n"
	        "signals, hazards) on the lane-level map held in PostGIS, runs the warning\n"
	        "applications and pushes their warnings to the subscribers whose filters match.\n"
	        "Everything is also written to PostGIS, through a disk spool while the database\n"
	        "is away.  Stops cleanly on SIGTERM.  See docs/broker.md.",
};

const struct v2x_opt_table *broker_cfg_table(void)
{
	return &broker_table;
}

int broker_cfg_addr(const char *what, const char *addr, char *host, size_t hostlen, int *port,
                    char *err, size_t errlen)
{
	uint16_t p;

	if (v2x_addr_split(addr, host, hostlen, &p) != 0) {
		snprintf(err, errlen, "%s=%s: give HOST:PORT or [IPV6]:PORT", what, addr);
		return V2X_ECONFIG;
	}
	*port = p;
	return 0;
}

/* The applications and their settings, checked before anything starts. */
static int check_apps(const struct broker_cfg *cfg, char *err, size_t errlen)
{
	struct brk_appset *set = NULL;
	int rc = brk_appset_new(cfg->apps, &set, err, errlen);

	if (rc == 0)
		rc = brk_appset_apply(set, cfg->app_settings, err, errlen);
	if (rc == 0) {
		/* Starting them checks the values (each init says what is wrong). */
		struct brk_apps *apps = NULL;
		size_t n;
		const struct brk_app_entry *entries = brk_appset_entries(set, &n);
		char why[256];

		rc = brk_apps_new(entries, n, &apps, why, sizeof(why));
		if (rc != 0)
			snprintf(err, errlen, "--app-settings: %s", why);
		brk_apps_free(apps);
	}
	brk_appset_free(set);
	return rc;
}

static int check(const struct broker_cfg *cfg, char *err, size_t errlen)
{
	enum v2x_log_level level;
	char host[256];
	int port;

	if (v2x_log_level_parse(cfg->log_level, &level) != 0) {
		snprintf(err, errlen, "--log-level=%s: not one of error, warn, info, debug",
		         cfg->log_level);
		return V2X_ECONFIG;
	}
	if (!cfg->listen_agents[0] && !cfg->listen_subscribers[0] && !cfg->unix_path[0]) {
		snprintf(err, errlen,
		         "nothing to listen on: set --listen-agents, "
		         "--listen-subscribers or --unix");
		return V2X_ECONFIG;
	}
	if (cfg->listen_agents[0] && broker_cfg_addr("--listen-agents", cfg->listen_agents, host,
	                                             sizeof(host), &port, err, errlen) != 0)
		return V2X_ECONFIG;
	if (cfg->listen_subscribers[0] &&
	    broker_cfg_addr("--listen-subscribers", cfg->listen_subscribers, host, sizeof(host),
	                    &port, err, errlen) != 0)
		return V2X_ECONFIG;
	if (cfg->metrics[0] &&
	    broker_cfg_addr("--metrics", cfg->metrics, host, sizeof(host), &port, err, errlen) != 0)
		return V2X_ECONFIG;
	if (check_apps(cfg, err, errlen) != 0)
		return V2X_ECONFIG;
	if (cfg->timeout_ms <= cfg->heartbeat_ms) {
		snprintf(err, errlen, "--timeout (%lld ms) must be above --heartbeat (%lld ms)",
		         (long long)cfg->timeout_ms, (long long)cfg->heartbeat_ms);
		return V2X_ECONFIG;
	}
	return 0;
}

int broker_cfg_parse(struct broker_cfg *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct v2x_opt_args args;
	int rc = v2x_opt_defaults(&broker_table, cfg, err, errlen);

	if (rc == 0)
		rc = v2x_opt_parse_args(&broker_table, cfg, argc, argv, &args, err, errlen);
	if (rc != 0)
		return rc;
	if (args.help) {
		v2x_opt_help(&broker_table, stdout);
		return 1;
	}
	if (cfg->apps_help) {
		brk_appset_help(stdout);
		return 1;
	}
	if (args.argc > 0) {
		snprintf(err, errlen, "unexpected argument '%s' (v2x-broker takes options only)",
		         args.argv[0]);
		return V2X_EUSAGE;
	}
	return check(cfg, err, errlen);
}

static int parse_sample(const char *text, struct brk_core_config *core, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	if (strcmp(text, "all") == 0) {
		core->sample = BRK_SAMPLE_ALL;
		return 0;
	}
	if (strcmp(text, "none") == 0) {
		core->sample = BRK_SAMPLE_NONE;
		return 0;
	}
	n = strtoul(text, &end, 10);
	if (end == text || *end || n == 0 || n > 1000000) {
		snprintf(
		        err, errlen,
		        "--persist-observations=%s: give all, none, or N (1..1000000) to write one "
		        "BSM in N",
		        text);
		return V2X_ECONFIG;
	}
	core->sample = n == 1 ? BRK_SAMPLE_ALL : BRK_SAMPLE_ONE_IN_N;
	core->sample_n = (uint32_t)n;
	return 0;
}

int broker_cfg_core(const struct broker_cfg *cfg, struct brk_core_config *core, char *err,
                    size_t errlen)
{
	brk_core_config_default(core);
	core->broker_id = cfg->id;
	core->net.broker_id = cfg->id;
	core->net.heartbeat_interval_ms = (uint32_t)cfg->heartbeat_ms;
	core->net.timeout_ms = (uint32_t)cfg->timeout_ms;
	core->net.max_frame_size = (uint32_t)cfg->max_frame;
	core->net.max_conns = (uint32_t)cfg->max_conns;
	core->net.queue_max_frames = (uint32_t)cfg->queue_frames;
	core->net.queue_max_bytes = cfg->queue_bytes;
	core->net.sndbuf = cfg->sndbuf;
	core->net.slow_policy = (enum brk_slow_policy)cfg->slow_policy;
	core->db = cfg->db;
	core->map_version = cfg->map_version;
	core->spool_dir = cfg->spool_dir;
	core->persist_queue_bytes = cfg->persist_queue;
	core->persist_batch = (uint32_t)cfg->persist_batch;
	core->persist_flush_ms = (uint32_t)cfg->persist_flush_ms;
	core->persist_fsync = cfg->fsync;
	core->persist_json = cfg->persist_json;
	core->persist_uper = cfg->persist_uper;
	core->max_tracks = (size_t)cfg->max_tracks;
	core->max_warnings = (size_t)cfg->max_warnings;
	core->track_max_age_us = cfg->track_max_age_ms * 1000;
	core->tick_ms = (uint32_t)cfg->tick_ms;
	core->hazard_horizon_s = cfg->hazard_horizon_s;
	core->hazard_horizon_min_m = cfg->hazard_horizon_min_m;
	core->apps = cfg->apps;
	core->app_settings = cfg->app_settings;
	core->warn_confirm_us = cfg->warn_confirm_ms * 1000;
	core->rsi_hold_us = cfg->rsi_hold_ms * 1000;
	return parse_sample(cfg->persist_observations, core, err, errlen);
}
