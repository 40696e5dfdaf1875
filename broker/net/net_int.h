/*
 * net_int: what the files of broker/net share (listener.c, conn.c,
 * conn_out.c, net.c) and the fuzz target uses.  Not for the core.
 */
#ifndef V2X_BROKER_NET_NET_INT_H
#define V2X_BROKER_NET_NET_INT_H

#include <stdbool.h>

#include "broker/net/net.h"
#include "runtime/compiler.h"

#define BRK_NET_LISTENERS_MAX 8
/* Bytes read from a socket at once; the buffer is the net's, shared by all
 * connections, since libuv hands it to one read callback at a time. */
#define BRK_NET_READ_BUF 65536
/* How long a closing connection may take to write its Bye, ms. */
#define BRK_NET_LINGER_MS 1000

enum brk__state {
	BRK__FREE,       /* in the pool */
	BRK__HELLO_WAIT, /* accepted, no Hello yet */
	BRK__OPEN,       /* Hello accepted */
	BRK__CLOSING,    /* Bye queued or socket closing */
};

struct brk_listener {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	struct brk_net *net;
	unsigned roles;
	bool is_pipe;
};

struct brk_conn {
	struct brk_net *net;
	enum brk__state state;
	uint64_t id;
	unsigned roles; /* the listener's */
	bool has_sock;  /* false for the fuzz target's detached connections */
	bool seen;      /* on_hello accepted it: on_close is due */
	bool hard;      /* handles closing */
	bool bye_sent;  /* a Bye is queued: shut down once written */
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} sock;
	uv_timer_t timer;
	uv_write_t wreq;
	uv_shutdown_t sreq;
	int handles;
	struct v2x_frame_parser parser;
	struct brk_principal principal;
	void *data;
	uint64_t last_rx_ms;
	/* Found silent at the last tick: closed if still silent at the next
	 * one, after the loop has read what waited (see on_tick). */
	bool silent_seen;
	/* brk_conn_pause(): not reading; held keeps the bytes of the last
	 * read not yet parsed (allocated on the first pause, kept). */
	bool paused;
	uint8_t *held;
	size_t held_len, held_cap;
	uint64_t last_tx_ms;
	uint64_t closing_ms;
	uint64_t peer_hb_us; /* send_time_us of the peer's last Heartbeat */
	/* Queue: a ring of q_cap frames, q_len of them from q_head. */
	struct brk_sbuf **q;
	size_t q_head, q_len, q_bytes;
	/* The frames of the write in flight, and its buffers. */
	struct brk_sbuf **inflight;
	uv_buf_t *wbufs;
	size_t n_inflight, inflight_bytes;
	bool dirty;
	struct brk_conn *next; /* free list or dirty list */
	struct brk_conn_stats stats;
};

struct brk_net {
	uv_loop_t *loop;
	struct brk_net_config cfg;
	struct brk_net_cb cb;
	struct brk_sbuf_pool *pool;
	struct brk_listener listeners[BRK_NET_LISTENERS_MAX];
	size_t n_listeners;
	struct brk_conn *conns; /* max_conns of them */
	struct brk_conn *free_list;
	struct brk_conn *dirty;
	uv_check_t check; /* flushes the dirty connections once per turn */
	uv_idle_t idle;   /* keeps the poll from blocking while some are dirty */
	int handles;
	bool closing;
	bool finishing;
	uint64_t next_id;
	struct brk_net_stats stats;
	uint8_t rbuf[BRK_NET_READ_BUF];
};

/* conn.c */
struct brk_conn *brk_conn__acquire(struct brk_net *net, unsigned roles);
int brk_conn__input(struct brk_conn *c, const uint8_t *buf, size_t len);
void brk_conn__start(struct brk_conn *c);
void brk_conn__fail(struct brk_conn *c, enum brk_close_reason reason, bool bye, const char *fmt,
                    ...) V2X_PRINTF(4, 5);
void brk_conn__hard_close(struct brk_conn *c);

/* conn_out.c */
int brk_conn__enqueue(struct brk_conn *c, struct brk_sbuf *b, bool force);
void brk_conn__flush(struct brk_conn *c);
void brk_conn__drain(struct brk_conn *c);
int brk_conn__send_bye(struct brk_conn *c, enum brk_close_reason reason, const char *text);

/* net.c */
void brk_net__mark_dirty(struct brk_net *net, struct brk_conn *c);
void brk_net__unlink_dirty(struct brk_net *net, struct brk_conn *c);
void brk_net__release(struct brk_net *net, struct brk_conn *c);
void brk_net__maybe_finish(struct brk_net *net);
void brk_net__handle_closed(struct brk_net *net);
V2x__Wire__ByeReason brk_net__bye_reason(enum brk_close_reason reason);

/* listener.c */
void brk_net__close_listeners(struct brk_net *net);

#endif
