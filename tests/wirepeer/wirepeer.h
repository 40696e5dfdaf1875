/*
 * wirepeer: a stand-in for the broker that speaks the wire protocol to
 * agents (codecs/wire/v2x.proto), for tests.  What the files share (not an
 * API): main.c (options, listening, signals, the summary), conn.c (one
 * agent connection: frames in, HelloAck, Acks and heartbeats out) and
 * store.c (the output file of JSON lines and the last seq stored per
 * agent).
 */
#ifndef V2X_TESTS_WIREPEER_WIREPEER_H
#define V2X_TESTS_WIREPEER_WIREPEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "codecs/wire/frame.h"
#include "runtime/arena.h"
#include "runtime/compiler.h"
#include "runtime/log.h"

/* The command line (runtime/opt.h fills it). */
struct wp_options {
	int64_t port;
	char *out;
	char *unix_path;
	bool no_ack;
	int64_t ack_delay_ms;
	char *send;
	int64_t close_after;
	int64_t heartbeat_ms;
	int64_t timeout_ms;
	bool silent;
	int log_level; /* enum v2x_log_level */
};

/* What the peer has stored of one agent (by its Hello id). */
struct wp_agent {
	char *id;
	uint64_t last_seq; /* highest seq written to the output file, 0: none */
};

/*
 * The output file: one JSON line per observation stored.  Lines of a read
 * batch are gathered in batch and written with one write(), before the
 * batch is acknowledged, so that a peer killed mid-batch leaves whole
 * lines only (a torn last line is cut off when the file is opened again).
 */
struct wp_store {
	int fd;
	const char *path; /* borrowed from the options */
	struct wp_agent *agents;
	size_t n_agents, cap_agents;
	char *batch;
	size_t len, cap;
	struct v2x_arena arena; /* one observation's message, reset per line */
	uint64_t observations, duplicates, gaps, invalid;
	const struct v2x_log *log;
};

/* Opens (creating) path and reads the last seq of every agent in it.
 * Returns 0 or an error with the detail in err. */
int wp_store_open(struct wp_store *s, const char *path, const struct v2x_log *log, char *err,
                  size_t errlen);
void wp_store_close(struct wp_store *s);
/* Returns the agent named id, added when new; NULL when out of memory. */
struct wp_agent *wp_store_agent(struct wp_store *s, const char *id);
/* Adds obs (borrowed) to the batch unless its seq is at or below the
 * agent's last.  Returns 1 when added, 0 for a duplicate, V2X_ENOMEM. */
int wp_store_add(struct wp_store *s, struct wp_agent *a, const V2x__Wire__Observation *obs);
/* Writes the batch.  Returns 0 or V2X_EIO (logged). */
int wp_store_flush(struct wp_store *s);

struct wp_conn;

struct wp_peer {
	uv_loop_t *loop;
	struct wp_options opt;
	struct v2x_log log;
	struct wp_store store;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} listener;
	uv_signal_t sigterm, sigint;
	uv_timer_t tick;     /* silence timeouts */
	uv_timer_t failsafe; /* ends a shutdown that waits too long */
	uint8_t *send_bytes; /* --send's file */
	size_t send_len;
	struct wp_conn *conns; /* open connections */
	uint64_t connections;  /* accepted */
	bool stopping;
};

/* A connection is accepted from the listener: starts reading it. */
void wp_conn_accept(struct wp_peer *p);
/* Closes every connection after a Bye(NORMAL). */
void wp_conn_close_all(struct wp_peer *p);
/* Closes the connections silent past --timeout-ms. */
void wp_conn_check_timeouts(struct wp_peer *p, uint64_t now_ms);
/* Closes every connection at once, without waiting for writes. */
void wp_conn_abort_all(struct wp_peer *p);

#endif
