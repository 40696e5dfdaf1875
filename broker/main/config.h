/*
 * config: the settings of v2x-broker (docs/broker.md lists them all).
 */
#ifndef V2X_BROKER_MAIN_CONFIG_H
#define V2X_BROKER_MAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/core/core.h"
#include "runtime/opt.h"

struct broker_cfg {
	char *config;
	char *id;
	char *db;
	int64_t map_version;
	char *credentials;
	char *listen_agents;
	char *listen_subscribers;
	char *unix_path;
	char *metrics;
	char *log_level;
	/* net */
	int64_t heartbeat_ms;
	int64_t timeout_ms;
	size_t max_frame;
	int64_t max_conns;
	int64_t queue_frames;
	size_t queue_bytes;
	size_t sndbuf;
	int slow_policy;
	/* persistence */
	char *spool_dir;
	char *persist_observations;
	size_t persist_queue;
	int64_t persist_batch;
	int64_t persist_flush_ms;
	int fsync;
	bool persist_json;
	bool persist_uper;
	/* state and applications */
	int64_t max_tracks;
	int64_t max_warnings;
	int64_t track_max_age_ms;
	int64_t tick_ms;
	double hazard_horizon_s;
	double hazard_horizon_min_m;
	char *apps;
	char *app_settings;
	bool apps_help;
	int64_t warn_confirm_ms;
	int64_t rsi_hold_ms;
};

/* The option table (for v2x_opt_release). */
const struct v2x_opt_table *broker_cfg_table(void);

/*
 * Fills cfg from the defaults, the config file and argv.  Returns 0, 1
 * when --help was printed, or V2X_ECONFIG / V2X_EUSAGE with err set.
 */
int broker_cfg_parse(struct broker_cfg *cfg, int argc, char **argv, char *err, size_t errlen);

/* Sets core from cfg (the strings are borrowed from cfg). */
int broker_cfg_core(const struct broker_cfg *cfg, struct brk_core_config *core, char *err,
                    size_t errlen);

/*
 * Splits "HOST:PORT", "[V6]:PORT" for what (an option's name, for the
 * message).  Returns 0 or V2X_ECONFIG with err set.
 */
int broker_cfg_addr(const char *what, const char *addr, char *host, size_t hostlen, int *port,
                    char *err, size_t errlen);

#endif
