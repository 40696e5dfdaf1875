/*
 * config: the settings of `v2x-agent`, from defaults, then a config file
 * (`key = value` lines, runtime/opt.h), then the command line; and what
 * the agent's parts are made from them.
 *
 * Every setting is described once, in the table of config.c, which also
 * gives the --help text; docs/agent.md lists them with examples.
 */
#ifndef V2X_RSU_AGENT_AGENT_CONFIG_H
#define V2X_RSU_AGENT_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rsu-agent/ingest/pipeline.h"
#include "rsu-agent/link/link.h"
#include "rsu-agent/link/spool.h"
#include "runtime/opt.h"

/* How a capture is replayed. */
enum agent_pace {
	AGENT_PACE_RECORDED = 0, /* the gaps between datagrams as captured */
	AGENT_PACE_FAST = 1,     /* as fast as the link takes them */
};

/* The settings as the option table fills them: fields own their strings
 * (v2x_opt_release frees them). */
struct agent_cfg {
	char *config;
	char *id;
	char *credential;
	char *credential_file;
	char *broker; /* "host:port" or "unix:/path" */
	char *listen; /* UDP address of the radio's datagrams, "" for none */
	bool stdin_hex;
	int framing;       /* enum agent_framing_mode */
	int vendor_layout; /* enum agent_framing_layout (auto, list, count) */
	size_t max_datagram;
	size_t udp_rcvbuf;
	char *bounds; /* "south,west,north,east" degrees, "" for the whole Earth */
	double max_speed;
	double max_accel;
	int64_t max_age_ms;
	int64_t max_future_ms;
	int64_t max_age_moy_ms;
	int64_t dup_window_ms;
	bool include_uper;
	char *spool_dir;
	size_t spool_max;
	size_t spool_segment;
	int fsync; /* enum agent_spool_fsync */
	int64_t fsync_interval_ms;
	int64_t heartbeat_ms;
	int64_t timeout_ms;
	int64_t connect_timeout_ms;
	int64_t backoff_min_ms;
	int64_t backoff_max_ms;
	int64_t live_age_ms;
	char *radio;      /* downlink: the radio module's UDP address, "" for none */
	char *station_id; /* 16 hex digits of the RSU's station id */
	int64_t downlink_repeat_ms;
	int64_t downlink_max;
	char *metrics; /* "host:port" of the Prometheus endpoint, "" for none */
	int pace;      /* enum agent_pace */
	int64_t pcap_port;
	bool exit_when_done;
	int64_t drain_timeout_ms;
	char *log_level;
};

/* The option table of v2x-agent (static). */
const struct v2x_opt_table *agent_cfg_table(void);

/*
 * Fills cfg from the defaults, the config file and argv, and checks what
 * the table cannot (an id, a broker address, bounds that parse).  Returns
 * 0 with cfg ready, 1 when --help was printed (to stdout; exit 0), or
 * V2X_EUSAGE / V2X_ECONFIG / V2X_ENOMEM with the detail in err (errlen
 * bytes).  args gets the positional arguments (capture files).  cfg must
 * be zeroed first; free it with v2x_opt_release(agent_cfg_table(), cfg)
 * whatever this returns.
 */
int agent_cfg_parse(struct agent_cfg *cfg, int argc, char **argv, struct v2x_opt_args *args,
                    char *err, size_t errlen);

/*
 * Splits "host:port", "[v6]:port" or "unix:/path" (borrowed) into host
 * (hostlen bytes) and *port, or the path into host with *port 0 and
 * *is_unix true.  Returns 0 or V2X_ECONFIG with the detail in err.
 */
int agent_cfg_split_addr(const char *what, const char *addr, char *host, size_t hostlen,
                         uint16_t *port, bool *is_unix, char *err, size_t errlen);

/*
 * Fills the pipeline's settings from cfg (rsu_id points into cfg).
 * Returns 0 or V2X_ECONFIG (bounds that do not parse) with err.
 */
int agent_cfg_pipeline(const struct agent_cfg *cfg, struct agent_pipeline_config *out, char *err,
                       size_t errlen);

/* Fills the spool's settings from cfg (dir points into cfg). */
void agent_cfg_spool(const struct agent_cfg *cfg, struct agent_spool_config *out);

/*
 * Fills the link's settings from cfg; host and the credential are read
 * into the caller's buffers (host hostlen bytes; cred credlen bytes, the
 * length in out->credential_len).  Returns 0 or V2X_ECONFIG with err.
 */
int agent_cfg_link(const struct agent_cfg *cfg, struct agent_link_config *out, char *host,
                   size_t hostlen, uint8_t *cred, size_t credlen, char *err, size_t errlen);

#endif
