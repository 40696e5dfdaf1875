/*
 * config: the option table of v2x-agent and the settings of its parts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsu-agent/agent/config.h"
#include "rsu-agent/ingest/framing.h"
#include "runtime/addr.h"
#include "runtime/err.h"

static const char *const pace_names[] = { "recorded", "fast", NULL };

#define F(x) offsetof(struct agent_cfg, x)
#define DAY  (24LL * 3600 * 1000)

/* clang-format off */
static const struct v2x_opt agent_opts[] = {
	{ .name = "config", .short_name = 'c', .type = V2X_OPT_CONFIG, .offset = F(config),
	  .def = "/etc/v2x/agent.conf", .metavar = "FILE",
	  .help = "read settings from FILE first (key = value lines)" },
	{ .name = "id", .type = V2X_OPT_STRING, .offset = F(id), .metavar = "ID",
	  .help = "this RSU's id, as the broker knows it (required)" },
	{ .name = "credential", .type = V2X_OPT_STRING, .offset = F(credential),
	  .metavar = "TOKEN", .help = "token the broker checks in the Hello" },
	{ .name = "credential-file", .type = V2X_OPT_STRING, .offset = F(credential_file),
	  .metavar = "FILE", .help = "read the token from FILE (first line) instead" },
	{ .name = "broker", .short_name = 'b', .type = V2X_OPT_STRING, .offset = F(broker),
	  .def = "127.0.0.1:7600", .metavar = "ADDR",
	  .help = "the broker: HOST:PORT, [V6]:PORT or unix:/PATH" },
	{ .name = "listen", .short_name = 'l', .type = V2X_OPT_STRING, .offset = F(listen),
	  .def = "0.0.0.0:30300", .metavar = "ADDR",
	  .help = "UDP address the radio module sends to; \"\" for none" },
	{ .name = "stdin-hex", .type = V2X_OPT_FLAG, .offset = F(stdin_hex),
	  .help = "also read hex MessageFrames, one per line, from standard input" },
	{ .name = "framing", .type = V2X_OPT_ENUM, .offset = F(framing), .def = "raw",
	  .choices = agent_framing_mode_names,
	  .help = "datagram framing: raw (one MessageFrame) or vendor (rsuID, time, lengths)" },
	{ .name = "vendor-layout", .type = V2X_OPT_ENUM, .offset = F(vendor_layout),
	  .def = "auto", .choices = agent_framing_layout_names,
	  .help = "vendor body: auto, list (length+frame...) or count (count byte first)" },
	{ .name = "max-datagram", .type = V2X_OPT_SIZE, .offset = F(max_datagram), .def = "32k",
	  .min = 64, .max = 65535, .help = "larger datagrams are refused whole" },
	{ .name = "udp-rcvbuf", .type = V2X_OPT_SIZE, .offset = F(udp_rcvbuf), .def = "4M",
	  .min = 0, .max = 1LL << 30,
	  .help = "receive buffer of the UDP socket (0: the system's)" },
	{ .name = "bounds", .type = V2X_OPT_STRING, .offset = F(bounds), .def = "",
	  .metavar = "S,W,N,E",
	  .help = "deployment box in degrees; positions outside are rejected (\"\": none)" },
	{ .name = "max-speed", .type = V2X_OPT_DOUBLE, .offset = F(max_speed), .def = "70",
	  .dmin = 0, .dmax = 1000, .metavar = "M/S", .help = "implausible above this (0: off)" },
	{ .name = "max-accel", .type = V2X_OPT_DOUBLE, .offset = F(max_accel), .def = "15",
	  .dmin = 0, .dmax = 1000, .metavar = "M/S2", .help = "implausible above this (0: off)" },
	{ .name = "max-age", .type = V2X_OPT_DURATION, .offset = F(max_age_ms), .def = "1s",
	  .min = 0, .max = DAY, .help = "older messages are stale (0: off)" },
	{ .name = "max-future", .type = V2X_OPT_DURATION, .offset = F(max_future_ms),
	  .def = "500ms", .min = 0, .max = DAY,
	  .help = "messages dated further ahead are refused (0: off)" },
	{ .name = "max-age-moy", .type = V2X_OPT_DURATION, .offset = F(max_age_moy_ms),
	  .def = "2m", .min = 0, .max = DAY,
	  .help = "staleness of minute-resolution times (0: off)" },
	{ .name = "dup-window", .type = V2X_OPT_DURATION, .offset = F(dup_window_ms),
	  .def = "2s", .min = 0, .max = 60000,
	  .help = "a repeat of (id, msgCnt, secMark) within this is a duplicate (0: off)" },
	{ .name = "include-uper", .type = V2X_OPT_FLAG, .offset = F(include_uper),
	  .help = "send each message's UPER bytes with its observation" },
	{ .name = "spool-dir", .type = V2X_OPT_STRING, .offset = F(spool_dir),
	  .def = "/var/lib/v2x-agent/spool", .metavar = "DIR",
	  .help = "where observations wait for the broker's acknowledgement" },
	{ .name = "spool-max", .type = V2X_OPT_SIZE, .offset = F(spool_max), .def = "256M",
	  .min = 1 << 16, .max = 1LL << 40,
	  .help = "bound of the spool; when full the oldest go first, counted" },
	{ .name = "spool-segment", .type = V2X_OPT_SIZE, .offset = F(spool_segment), .def = "4M",
	  .min = 1 << 12, .max = 1LL << 32, .help = "size of one spool file" },
	{ .name = "fsync", .type = V2X_OPT_ENUM, .offset = F(fsync), .def = "interval",
	  .choices = agent_spool_fsync_names,
	  .help = "spool durability: none, interval or always (docs/agent.md)" },
	{ .name = "fsync-interval", .type = V2X_OPT_DURATION, .offset = F(fsync_interval_ms),
	  .def = "1s", .min = 1, .max = 3600000, .help = "most time between syncs (interval)" },
	{ .name = "heartbeat", .type = V2X_OPT_DURATION, .offset = F(heartbeat_ms), .def = "1s",
	  .min = 10, .max = 600000, .help = "heartbeat period until the broker says another" },
	{ .name = "timeout", .type = V2X_OPT_DURATION, .offset = F(timeout_ms), .def = "3s",
	  .min = 10, .max = 3600000, .help = "a silent broker is dropped after this" },
	{ .name = "connect-timeout", .type = V2X_OPT_DURATION, .offset = F(connect_timeout_ms),
	  .def = "5s", .min = 10, .max = 600000, .help = "bound of connect plus Hello" },
	{ .name = "backoff-min", .type = V2X_OPT_DURATION, .offset = F(backoff_min_ms),
	  .def = "100ms", .min = 1, .max = 600000, .help = "first reconnect delay" },
	{ .name = "backoff-max", .type = V2X_OPT_DURATION, .offset = F(backoff_max_ms),
	  .def = "10s", .min = 1, .max = 3600000, .help = "bound of the doubling delay" },
	{ .name = "live-age", .type = V2X_OPT_DURATION, .offset = F(live_age_ms), .def = "1s",
	  .min = 1, .max = DAY,
	  .help = "spooled BSM/RSM older than this are sent for the record only" },
	{ .name = "radio", .type = V2X_OPT_STRING, .offset = F(radio), .def = "",
	  .metavar = "ADDR", .help = "downlink: the radio module's UDP HOST:PORT (\"\": off)" },
	{ .name = "station-id", .type = V2X_OPT_STRING, .offset = F(station_id),
	  .def = "0000000000000000", .metavar = "HEX16",
	  .help = "downlink: the RSU's 8-octet id in RSI/RSM, 16 hex digits" },
	{ .name = "downlink-repeat", .type = V2X_OPT_DURATION, .offset = F(downlink_repeat_ms),
	  .def = "100ms", .min = 1, .max = 60000,
	  .help = "downlink: period of a request that gives none" },
	{ .name = "downlink-max", .type = V2X_OPT_INT, .offset = F(downlink_max), .def = "256",
	  .min = 1, .max = 65536, .help = "downlink: broadcasts on at once" },
	{ .name = "metrics", .short_name = 'm', .type = V2X_OPT_STRING, .offset = F(metrics),
	  .def = "127.0.0.1:9470", .metavar = "ADDR",
	  .help = "Prometheus endpoint HOST:PORT (/metrics, /healthz); \"\" for none" },
	{ .name = "pace", .type = V2X_OPT_ENUM, .offset = F(pace), .def = "recorded",
	  .choices = pace_names, .help = "capture replay: recorded (as captured) or fast" },
	{ .name = "pcap-port", .type = V2X_OPT_INT, .offset = F(pcap_port), .def = "0",
	  .min = 0, .max = 65535, .help = "capture replay: only UDP to this port (0: all)" },
	{ .name = "exit-when-done", .type = V2X_OPT_FLAG, .offset = F(exit_when_done),
	  .help = "exit once captures/stdin are read and the broker acknowledged all" },
	{ .name = "drain-timeout", .type = V2X_OPT_DURATION, .offset = F(drain_timeout_ms),
	  .def = "30s", .min = 0, .max = DAY,
	  .help = "exit-when-done: longest wait for acknowledgements (the spool keeps the rest)" },
	{ .name = "log-level", .type = V2X_OPT_STRING, .offset = F(log_level), .def = "info",
	  .metavar = "LEVEL", .help = "error, warn, info or debug" },
	V2X_OPT_END,
};
/* clang-format on */

static const struct v2x_opt_table agent_table = {
	.opts = agent_opts,
	.usage = "v2x-agent [OPTIONS] [CAPTURE.pcap|.pcapng...]",
	.about = "Receives the C-V2X messages an RSU's radio hears (UDP, captures, or hex on\n"
	         "standard input), decodes and validates them, and forwards them to the broker,\n"
	         "spooling them on disk while the broker is out of reach.  Broadcasts the\n"
	         "broker's RSI/RSM downlink requests on the radio.  Captures given as\n"
	         "arguments are replayed (see --pace).  Settings: docs/agent.md.",
};

const struct v2x_opt_table *agent_cfg_table(void)
{
	return &agent_table;
}

static int check(struct agent_cfg *cfg, char *err, size_t errlen)
{
	struct agent_pipeline_config pc;
	enum v2x_log_level level;
	char host[256];
	uint16_t port;
	bool is_unix;

	if (!cfg->id || !cfg->id[0]) {
		snprintf(err, errlen,
		         "no --id: say which RSU this agent serves (id = ... in the "
		         "config file)");
		return V2X_ECONFIG;
	}
	if (strlen(cfg->id) > AGENT_PIPELINE_RSU_ID_MAX) {
		snprintf(err, errlen, "--id is longer than %d bytes", AGENT_PIPELINE_RSU_ID_MAX);
		return V2X_ECONFIG;
	}
	if (v2x_log_level_parse(cfg->log_level, &level) != 0) {
		snprintf(err, errlen, "--log-level=%s: not one of error, warn, info, debug",
		         cfg->log_level);
		return V2X_ECONFIG;
	}
	if (cfg->backoff_min_ms > cfg->backoff_max_ms) {
		snprintf(err, errlen, "--backoff-min is above --backoff-max");
		return V2X_ECONFIG;
	}
	if (agent_cfg_split_addr("--broker", cfg->broker, host, sizeof(host), &port, &is_unix, err,
	                         errlen) != 0)
		return V2X_ECONFIG;
	if (cfg->listen[0] && (agent_cfg_split_addr("--listen", cfg->listen, host, sizeof(host),
	                                            &port, &is_unix, err, errlen) != 0 ||
	                       is_unix)) {
		if (is_unix)
			snprintf(err, errlen, "--listen=%s: a UDP HOST:PORT is needed",
			         cfg->listen);
		return V2X_ECONFIG;
	}
	if (cfg->metrics[0] && agent_cfg_split_addr("--metrics", cfg->metrics, host, sizeof(host),
	                                            &port, &is_unix, err, errlen) != 0)
		return V2X_ECONFIG;
	return agent_cfg_pipeline(cfg, &pc, err, errlen);
}

int agent_cfg_parse(struct agent_cfg *cfg, int argc, char **argv, struct v2x_opt_args *args,
                    char *err, size_t errlen)
{
	int rc = v2x_opt_defaults(&agent_table, cfg, err, errlen);

	if (rc == 0)
		rc = v2x_opt_parse_args(&agent_table, cfg, argc, argv, args, err, errlen);
	if (rc != 0)
		return rc;
	if (args->help) {
		v2x_opt_help(&agent_table, stdout);
		return 1;
	}
	return check(cfg, err, errlen);
}

int agent_cfg_split_addr(const char *what, const char *addr, char *host, size_t hostlen,
                         uint16_t *port, bool *is_unix, char *err, size_t errlen)
{
	*is_unix = strncmp(addr, "unix:", 5) == 0;
	*port = 0;
	if (*is_unix) {
		if (!addr[5] || strlen(addr + 5) >= hostlen) {
			snprintf(err, errlen, "%s=%s: give a socket path after unix:", what, addr);
			return V2X_ECONFIG;
		}
		snprintf(host, hostlen, "%s", addr + 5);
		return 0;
	}
	if (v2x_addr_split(addr, host, hostlen, port) != 0) {
		snprintf(err, errlen,
		         "%s=%s: expected HOST:PORT or [IPV6]:PORT with a port 0..65535 "
		         "(example 127.0.0.1:7600)",
		         what, addr);
		return V2X_ECONFIG;
	}
	return 0;
}

static int parse_bounds(const char *text, struct agent_validate_config *v, char *err, size_t errlen)
{
	double b[4];
	char tail;

	if (!text[0])
		return 0;
	if (sscanf(text, "%lf , %lf , %lf , %lf %c", &b[0], &b[1], &b[2], &b[3], &tail) != 4) {
		snprintf(err, errlen,
		         "--bounds=%s: expected SOUTH,WEST,NORTH,EAST in degrees "
		         "(example 29.40,106.30,29.70,106.70)",
		         text);
		return V2X_ECONFIG;
	}
	v->south_deg = b[0];
	v->west_deg = b[1];
	v->north_deg = b[2];
	v->east_deg = b[3];
	return 0;
}

int agent_cfg_pipeline(const struct agent_cfg *cfg, struct agent_pipeline_config *out, char *err,
                       size_t errlen)
{
	agent_pipeline_config_default(out);
	out->framing.mode = (enum agent_framing_mode)cfg->framing;
	out->framing.vendor_layout = (enum agent_framing_layout)cfg->vendor_layout;
	out->framing.max_datagram = cfg->max_datagram;
	if (out->framing.max_frame > cfg->max_datagram)
		out->framing.max_frame = cfg->max_datagram;
	out->validate.max_speed_mps = cfg->max_speed;
	out->validate.max_accel_mps2 = cfg->max_accel;
	out->validate.max_age_ms = cfg->max_age_ms;
	out->validate.max_future_ms = cfg->max_future_ms;
	out->validate.max_age_moy_ms = cfg->max_age_moy_ms;
	out->validate.dup_window_ms = cfg->dup_window_ms;
	out->rsu_id = cfg->id;
	out->include_uper = cfg->include_uper;
	return parse_bounds(cfg->bounds, &out->validate, err, errlen);
}

void agent_cfg_spool(const struct agent_cfg *cfg, struct agent_spool_config *out)
{
	memset(out, 0, sizeof(*out));
	out->dir = cfg->spool_dir;
	out->max_bytes = cfg->spool_max;
	out->segment_bytes = cfg->spool_segment;
	out->fsync = (enum agent_spool_fsync)cfg->fsync;
	out->fsync_interval_ms = (uint32_t)cfg->fsync_interval_ms;
}

static int read_credential(const char *path, uint8_t *cred, size_t credlen, size_t *len, char *err,
                           size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "--credential-file=%s: %s", path, strerror(errno));
		return V2X_ECONFIG;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	if (n == 0 || n > credlen) {
		snprintf(err, errlen,
		         "--credential-file=%s: the first line must hold the token "
		         "(1..%zu bytes)",
		         path, credlen);
		return V2X_ECONFIG;
	}
	memcpy(cred, line, n);
	*len = n;
	return 0;
}

static int credential(const struct agent_cfg *cfg, uint8_t *cred, size_t credlen, size_t *len,
                      char *err, size_t errlen)
{
	*len = 0;
	if (cfg->credential_file && cfg->credential_file[0])
		return read_credential(cfg->credential_file, cred, credlen, len, err, errlen);
	if (!cfg->credential)
		return 0;
	*len = strlen(cfg->credential);
	if (*len > credlen) {
		snprintf(err, errlen, "--credential is longer than %zu bytes", credlen);
		return V2X_ECONFIG;
	}
	memcpy(cred, cfg->credential, *len);
	return 0;
}

int agent_cfg_link(const struct agent_cfg *cfg, struct agent_link_config *out, char *host,
                   size_t hostlen, uint8_t *cred, size_t credlen, char *err, size_t errlen)
{
	uint16_t port;
	bool is_unix;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = agent_cfg_split_addr("--broker", cfg->broker, host, hostlen, &port, &is_unix, err,
	                          errlen);
	if (rc == 0)
		rc = credential(cfg, cred, credlen, &out->credential_len, err, errlen);
	if (rc != 0)
		return rc;
	if (is_unix)
		out->unix_path = host;
	else
		out->host = host;
	out->port = port;
	out->id = cfg->id;
	out->credential = cred;
	out->software = "v2x-agent";
	out->heartbeat_ms = (uint32_t)cfg->heartbeat_ms;
	out->timeout_ms = (uint32_t)cfg->timeout_ms;
	out->connect_timeout_ms = (uint32_t)cfg->connect_timeout_ms;
	out->backoff_min_ms = (uint32_t)cfg->backoff_min_ms;
	out->backoff_max_ms = (uint32_t)cfg->backoff_max_ms;
	out->live_age_ms = (uint32_t)cfg->live_age_ms;
	return 0;
}
