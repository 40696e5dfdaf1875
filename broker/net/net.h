/*
 * net: the broker's connection layer (DESIGN.md sections 2, 5 and 9).
 *
 * One struct brk_net per broker: the libuv listeners (TCP and unix
 * sockets, each serving agents, subscribers or both), a preallocated pool
 * of connections (struct brk_conn), and the output side shared by all of
 * them.  A connection must open with a Hello whose credential the
 * credential table (auth.h) accepts for its role and id; the core is then
 * asked (on_hello) and the HelloAck is sent.  After that, every frame but
 * Heartbeats (answered here) and Bye goes to on_frame.  Garbage, a frame
 * other than Hello first, a length prefix above max_frame_size (refused
 * before any allocation), a wrong credential and a peer silent past
 * timeout_ms (also one that stops mid-frame) close the connection after a
 * Bye saying why, logged and counted per reason; no peer can take another
 * or the broker with it.
 *
 * Output: every frame is a shared buffer (sbuf.h) queued on the
 * connection; a connection's queue is written with one uv_write per loop
 * turn (a uv_check handle), so that TCP_NODELAY, set on every connection,
 * costs no extra packets.  The queue is bounded in frames and bytes; a
 * connection that does not read its queue loses its oldest frames
 * (BRK_SLOW_DROP_OLDEST) or is disconnected (BRK_SLOW_DISCONNECT), counted
 * either way, and nobody else waits for it.
 *
 * Single-threaded: every function runs on the loop's thread.  Receiving
 * and sending allocate nothing in steady state (connections, queues and
 * frame buffers are pooled); a new connection's frame parser allocates its
 * buffers once, on its first frames.
 */
#ifndef V2X_BROKER_NET_NET_H
#define V2X_BROKER_NET_NET_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "broker/net/auth.h"
#include "broker/net/sbuf.h"
#include "codecs/wire/frame.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

/* Why a connection closed; the counters of struct brk_net_stats. */
enum brk_close_reason {
	BRK_CLOSE_NONE = 0,   /* not closed; from on_hello: accept */
	BRK_CLOSE_NORMAL,     /* brk_conn_close, shutdown, or the peer's Bye */
	BRK_CLOSE_PEER,       /* the peer closed the socket */
	BRK_CLOSE_IO,         /* a read or write failed */
	BRK_CLOSE_PROTOCOL,   /* first frame not a Hello, frame out of place */
	BRK_CLOSE_TOO_BIG,    /* length prefix above max_frame_size */
	BRK_CLOSE_GARBAGE,    /* bytes that are not a Frame */
	BRK_CLOSE_VERSION,    /* no protocol version in common */
	BRK_CLOSE_AUTH,       /* credential, role or id refused */
	BRK_CLOSE_TIMEOUT,    /* silent past timeout_ms */
	BRK_CLOSE_SLOW,       /* queue overflowed under BRK_SLOW_DISCONNECT */
	BRK_CLOSE_DUPLICATE,  /* the core refused: another connection has the id */
	BRK_CLOSE_OVERLOADED, /* at max_conns */
	BRK_CLOSE_INVALID,    /* the core found a frame's content invalid */
	BRK_CLOSE__COUNT
};

/* Returns the reason's name for logs and metrics ("timeout"); static. */
const char *brk_close_reason_name(enum brk_close_reason reason);

/* What a full output queue does. */
enum brk_slow_policy {
	BRK_SLOW_DROP_OLDEST, /* drop the oldest queued frame, keep the connection */
	BRK_SLOW_DISCONNECT,  /* close the connection */
};

/* Roles a listener serves: a mask of these. */
#define BRK_SERVE_AGENTS      (1u << BRK_ROLE_AGENT)
#define BRK_SERVE_SUBSCRIBERS (1u << BRK_ROLE_SUBSCRIBER)

struct brk_net_config {
	const char *broker_id;            /* HelloAck.broker_id; borrowed, outlives the net */
	const struct brk_auth *auth;      /* borrowed, outlives the net */
	struct v2x_log *log;              /* borrowed, outlives the net */
	uint32_t heartbeat_interval_ms;   /* default 1000 */
	uint32_t timeout_ms;              /* silence that closes a peer; default 5000 */
	uint32_t max_frame_size;          /* body bytes accepted; default 1 MiB */
	uint32_t max_conns;               /* connections at once; default 1024 */
	uint32_t queue_max_frames;        /* per connection; default 1024 */
	size_t queue_max_bytes;           /* per connection; default 4 MiB */
	enum brk_slow_policy slow_policy; /* default BRK_SLOW_DROP_OLDEST */
	size_t sbuf_block;                /* pooled frame buffer size; default 2048 */
	/* The kernel's send buffer of each accepted socket, bytes (the
	 * kernel doubles it); 0: the system's autotuning, which lets a reader
	 * that stalls hold megabytes in the kernel before the queue bound
	 * above comes into play.  Default 0. */
	size_t sndbuf;
};

/* Fills cfg with the defaults (broker_id "broker", auth and log NULL). */
void brk_net_config_default(struct brk_net_config *cfg);

struct brk_net;
struct brk_conn;

/* The core's side.  Every callback may call brk_conn_send/close. */
struct brk_net_cb {
	void *arg;
	/*
	 * A Hello whose credential passed: p (valid until on_close) and hello
	 * are borrowed.  Returns BRK_CLOSE_NONE to accept, setting *last_seq
	 * for an agent's HelloAck (it starts at 0), or the reason to refuse
	 * (the Bye carries why, whylen bytes).  NULL: accept all.
	 */
	enum brk_close_reason (*on_hello)(void *arg, struct brk_conn *c,
	                                  const struct brk_principal *p,
	                                  const V2x__Wire__Hello *hello, uint64_t *last_seq,
	                                  char *why, size_t whylen);
	/* A frame after the Hello (not Heartbeat, not Bye), borrowed for the call. */
	void (*on_frame)(void *arg, struct brk_conn *c, const V2x__Wire__Frame *frame);
	/* The accepted connection c closes; c is invalid after the call. */
	void (*on_close)(void *arg, struct brk_conn *c, enum brk_close_reason reason);
};

/* Counters of the net; read with brk_net_stats(). */
struct brk_net_stats {
	uint64_t accepted; /* connections accepted (overloaded ones too) */
	uint64_t hellos;   /* Hellos accepted */
	uint64_t closes[BRK_CLOSE__COUNT];
	uint64_t frames_in;
	uint64_t bytes_in;
	uint64_t frames_out; /* frames written */
	uint64_t bytes_out;
	uint64_t writes; /* uv_write calls (one per connection per turn at most) */
	uint64_t drops;  /* frames dropped from full queues */
	uint64_t drop_bytes;
	uint64_t pauses; /* brk_conn_pause(c, true) calls that stopped reading */
	uint64_t conns;  /* gauge: connections open now */
};

/* Counters of one connection; read with brk_conn_stats(). */
struct brk_conn_stats {
	uint64_t frames_in;
	uint64_t bytes_in;
	uint64_t frames_out;
	uint64_t bytes_out;
	uint64_t writes;
	uint64_t drops;
	uint64_t drop_bytes;
	uint64_t queued_frames; /* now, in flight included */
	uint64_t queued_bytes;
};

/*
 * Creates the net on loop with cfg (borrowed for the call; the pointers in
 * it are kept) and cb (copied).  Preallocates max_conns connections and
 * their queues.  Returns 0 with *out set (ended with brk_net_close), or
 * V2X_EINVAL (no auth or log, a zero limit; err says which: errlen bytes),
 * V2X_ENOMEM.
 */
int brk_net_new(uv_loop_t *loop, const struct brk_net_config *cfg, const struct brk_net_cb *cb,
                struct brk_net **out, char *err, size_t errlen);

/*
 * Stops listening and closes every connection (Bye NORMAL, on_close);
 * the net frees itself once the loop has run the close callbacks (run the
 * loop until it returns).  net must not be used afterwards.
 */
void brk_net_close(struct brk_net *net);

/*
 * Listens on TCP host:port (port 0: any; the port bound is written to
 * *bound when bound is not NULL) for the roles in the mask roles
 * (BRK_SERVE_*).  Returns 0, or V2X_EINVAL (bad address, no roles, too
 * many listeners), V2X_EIO (bind or listen failed), err saying why.
 */
int brk_net_listen_tcp(struct brk_net *net, const char *host, int port, unsigned roles, int *bound,
                       char *err, size_t errlen);

/* Same as brk_net_listen_tcp() on a unix socket at path (an old one is removed). */
int brk_net_listen_unix(struct brk_net *net, const char *path, unsigned roles, char *err,
                        size_t errlen);

/* Returns the counters of net (owned by net, live). */
const struct brk_net_stats *brk_net_stats(const struct brk_net *net);

/* Returns the frame buffer pool of net, for the core's shared frames. */
struct brk_sbuf_pool *brk_net_pool(struct brk_net *net);

/*
 * Registers the counters of net with m, each sample labelled with the
 * n_labels labels (borrowed, see v2x_metrics_add).  Returns what
 * v2x_metrics_add returns.
 */
int brk_net_metrics_add(struct brk_net *net, struct v2x_metrics *m,
                        const struct v2x_metric_label *labels, size_t n_labels, char *err,
                        size_t errlen);

/*
 * Queues the shared frame b on c, taking a reference of its own (the
 * caller keeps its own).  Returns 0 when queued (under drop-oldest a full
 * queue first drops its oldest frames, counted), V2X_EEOF when c is
 * closing or this overflow closed it (disconnect policy).
 */
int brk_conn_send(struct brk_conn *c, struct brk_sbuf *b);

/*
 * Encodes frame (borrowed for the call) into a pooled buffer and queues
 * it: brk_conn_send() of a buffer of its own.  Also V2X_EINVAL (frame with
 * no alternative), V2X_ENOMEM.
 */
int brk_conn_send_frame(struct brk_conn *c, const V2x__Wire__Frame *frame);

/*
 * Closes c after a Bye with reason and text (NULL: none; borrowed for the
 * call).  on_close follows at once; c is invalid after it.  No effect on a
 * connection already closing.
 */
void brk_conn_close(struct brk_conn *c, enum brk_close_reason reason, const char *text);

/*
 * Back pressure: stops reading c (pause true) or starts again.  A frame
 * being handled when c is paused is the last one handed over; the rest of
 * what was read is kept and handed over, in order, on resume (which may
 * itself pause c again).  While paused the peer is not timed out (it is
 * the broker that does not read) and heartbeats are still sent; the
 * peer's writes block once the kernel's buffers are full.  Only an open
 * connection (after its Hello) is paused; no effect otherwise, or when it
 * is already in that state.
 */
void brk_conn_pause(struct brk_conn *c, bool pause);

/* Whether c is paused. */
bool brk_conn_paused(const struct brk_conn *c);

/* Returns who c is (valid from on_hello to on_close). */
const struct brk_principal *brk_conn_principal(const struct brk_conn *c);

/* Returns c's number, unique in the net's life, for logs. */
uint64_t brk_conn_id(const struct brk_conn *c);

/* The core's pointer for c (NULL until set). */
void brk_conn_set_data(struct brk_conn *c, void *data);
void *brk_conn_data(const struct brk_conn *c);

/* Returns the counters of c. */
struct brk_conn_stats brk_conn_stats(const struct brk_conn *c);

#endif
