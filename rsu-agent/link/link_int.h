/*
 * link_int: what the files of the link share (not part of the API):
 * link.c (life cycle, connecting, reconnecting), link_tx.c (sending,
 * draining, the per-turn write) and link_rx.c (reading frames).
 */
#ifndef V2X_RSU_AGENT_LINK_LINK_INT_H
#define V2X_RSU_AGENT_LINK_LINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "codecs/wire/frame.h"
#include "rsu-agent/link/link.h"
#include "rsu-agent/link/spool.h"
#include "runtime/compiler.h"

/* Bytes read from the socket at a time. */
#define LINK_READ_BUF 65536

/* A write buffer: filled during a turn, then handed to uv_write. */
struct agent_link__buf {
	uint8_t *data;
	size_t len, cap;
	/* Receipt times (monotonic ns) of the live observations in data, for
	 * the forward latency measured when the buffer is written. */
	uint64_t *rx_ns;
	size_t n_rx, cap_rx;
};

struct agent_link {
	uv_loop_t *loop;
	struct agent_link_config cfg; /* its strings point at the copies below */
	char *unix_path, *host, *id, *software;
	uint8_t *credential;
	char where[300]; /* the broker's address, for logs */
	struct agent_spool *spool;
	struct agent_link_callbacks cbs;
	enum agent_link_state state;

	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} sock;
	bool sock_open; /* initialised and its close callback not run yet */
	uv_connect_t connect_req;
	uv_getaddrinfo_t gai_req;
	bool resolving;
	uv_write_t write_req;
	uv_timer_t tick;    /* heartbeats, timeouts, the spool's sync interval */
	uv_timer_t backoff; /* the delay before reconnecting */
	uv_idle_t idle;     /* keeps the loop turning while a flush is due */
	uv_check_t check;   /* the per-turn flush and write */
	bool handles_init;

	struct agent_link__buf bufs[2];
	int fill;     /* index of the buffer this turn fills */
	bool busy;    /* the other one is in a uv_write */
	uint8_t *enc; /* an observation being framed */
	size_t enc_cap;
	struct v2x_frame_parser parser;
	bool parser_init;
	uint8_t rbuf[LINK_READ_BUF];

	struct agent_spool_iter *iter; /* while DRAINING */
	uint64_t queued_seq;           /* newest seq handed to a buffer on this connection */
	uint64_t rng;                  /* splitmix64 state of the jitter */
	unsigned attempt;              /* failed connects since the last session */
	uint32_t next_delay_ms;
	uint64_t state_since, last_rx, last_tx, last_hb; /* uv_now() ms */
	uint64_t peer_send_us;                           /* the peer's last Heartbeat send time */
	uint32_t hb_ms, timeout_ms, peer_max_frame;
	struct agent_link_stats st;

	int closing; /* handles and requests whose close or cancel is pending */
	void (*close_cb)(struct agent_link *, void *);
	void *close_data;
};

/* link.c */
void agent_link__set_state(struct agent_link *l, enum agent_link_state state);
/* Ends the connection (or attempt) for reason, logs why and schedules the
 * reconnect.  Does nothing when the link is already down or closing. */
void agent_link__fail(struct agent_link *l, enum agent_link_reason reason, const char *fmt, ...)
        V2X_PRINTF(3, 4);
/* Whether the link has a connection that frames may be written to. */
bool agent_link__connected(const struct agent_link *l);
/* The period of the tick timer, ms. */
uint64_t agent_link__tick_ms(const struct agent_link *l);

/* link_tx.c */
/* Frames f (borrowed) into the buffer of this turn; V2X_ENOMEM. */
int agent_link__queue_frame(struct agent_link *l, const V2x__Wire__Frame *f);
/* Makes sure the per-turn callback runs soon, without waiting for I/O. */
void agent_link__kick(struct agent_link *l);
void agent_link__on_check(uv_check_t *h);
/* Writes a Bye now if nothing else is queued (best effort, for closing). */
void agent_link__bye_now(struct agent_link *l, V2x__Wire__ByeReason reason, const char *text);
/* Starts draining the spool from seq on. */
int agent_link__drain_from(struct agent_link *l, uint64_t seq);
/* Forgets what the connection had queued (it is in the spool). */
void agent_link__reset_tx(struct agent_link *l);

/* link_rx.c */
void agent_link__on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
void agent_link__on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
/* The heartbeat and silence checks of the tick. */
void agent_link__heartbeat(struct agent_link *l, uint64_t now);

#endif
