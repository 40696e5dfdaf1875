/*
 * agent internals shared by the files of rsu-agent/agent/ (agent__ prefix).
 */
#ifndef V2X_RSU_AGENT_AGENT_AGENT_INT_H
#define V2X_RSU_AGENT_AGENT_AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "rsu-agent/agent/agent.h"
#include "rsu-agent/downlink/downlink.h"
#include "rsu-agent/ingest/pcapio.h"
#include "rsu-agent/ingest/pipeline.h"
#include "rsu-agent/link/link.h"
#include "rsu-agent/link/spool.h"
#include "runtime/httpd.h"
#include "runtime/metrics.h"

/* The agent's own counters (the parts keep theirs). */
struct agent_stats {
	uint64_t udp_datagrams;
	uint64_t udp_errors;    /* receive errors */
	uint64_t udp_truncated; /* datagrams larger than the buffer */
	/* Datagrams the kernel dropped because the socket's receive buffer
	 * was full (read from /proc/net/udp at each scrape). */
	uint64_t udp_kernel_drops;
	uint64_t pcap_datagrams;
	uint64_t pcap_files_failed; /* files that could not be opened or read to their end */
	uint64_t stdin_lines;
	uint64_t stdin_bad_lines;  /* not hex, or longer than a datagram */
	uint64_t forwarded;        /* observations handed to the link */
	uint64_t forward_failed;   /* the link refused them (counted by the pipeline too) */
	struct v2x_hist decode_us; /* receipt to observation ready: framing, decode, validate */
	/* Snapshots of the link's and the spool's counters, taken at each scrape. */
	struct agent_link_stats link;
	struct agent_spool_stats spool;
	uint64_t up; /* 1 while the broker link is established */
};

/* Where the stdin reader is. */
struct agent_stdin {
	bool on;
	bool is_stream; /* a pipe or terminal read with uv_read, else a file with uv_fs_read */
	uv_pipe_t pipe;
	bool pipe_open; /* pipe was initialised: closed at the stop */
	uv_fs_t req;
	bool req_busy;
	char chunk[65536];
	char *line; /* accumulated bytes of the current line */
	size_t len, cap;
	bool overlong; /* the current line passed cap: dropped at its newline */
	uint8_t *frame;
	size_t frame_cap;
};

/* Where the capture replay is. */
struct agent_replay {
	char *const *files;
	int n, next; /* files, and the index of the next to open */
	struct agent_pcap_reader *rd;
	struct agent_pcap_udp d; /* the datagram waiting for its time (recorded pace) */
	bool have;
	int64_t first_ts_us;    /* capture time of the first datagram of the run */
	uint64_t start_mono_ns; /* when it was replayed */
	bool started;
	uv_timer_t timer;
	uv_idle_t idle;
	bool handles;  /* timer and idle were initialised */
	uint8_t *copy; /* the payload, copied while it waits for the timer */
	size_t copy_cap;
};

struct agent {
	uv_loop_t *loop;
	const struct agent_cfg *cfg;
	const struct v2x_log *log;
	agent_done_cb done;
	void *done_arg;
	char id[AGENT_PIPELINE_RSU_ID_MAX + 1];

	struct agent_pipeline *pipe;
	struct agent_spool *spool;
	struct agent_link *link;
	struct agent_downlink *downlink;
	struct v2x_httpd *httpd;
	struct v2x_metrics metrics;

	uv_udp_t udp;
	bool udp_on;
	uint8_t *rxbuf;
	size_t rxcap;

	struct agent_stdin in;
	struct agent_replay rp;

	uv_signal_t sigterm, sigint;
	uv_timer_t done_timer; /* exit-when-done: watches the acknowledgements */
	uint64_t done_since_ms;

	uint64_t cur_rx_mono_ns; /* receipt of the datagram in the pipeline */
	struct agent_stats st;

	int status; /* why it stopped */
	bool stopping;
	bool link_started;
	int closing;   /* handles and parts whose close callback is still due */
	bool finished; /* done was called */
};

/* Runs one datagram through the pipeline, timed from rx_mono_ns. */
void agent__datagram(struct agent *a, const uint8_t *buf, size_t len, int64_t rx_wall_us,
                     uint64_t rx_mono_ns);

/* Inputs (input.c): start each, stop all; agent__inputs_done tells when
 * captures and stdin have been read to their end. */
int agent__udp_start(struct agent *a, char *err, size_t errlen);
int agent__stdin_start(struct agent *a, char *err, size_t errlen);
int agent__replay_start(struct agent *a, char *err, size_t errlen);
void agent__inputs_stop(struct agent *a);
bool agent__inputs_done(const struct agent *a);
/* Refreshes st.udp_kernel_drops (at a scrape: it reads /proc). */
void agent__udp_drops(struct agent *a);

/* A handle of the agent was closed (close callbacks count down to done). */
void agent__closed(struct agent *a);
void agent__on_close(uv_handle_t *h);

/* Registers every part's metrics (agent_metrics.c) and refreshes the
 * snapshots before a scrape. */
int agent__metrics_register(struct agent *a, char *err, size_t errlen);
int agent__metrics_render(void *arg, struct v2x_metrics_buf *out);

#endif
