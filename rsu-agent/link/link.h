/*
 * link: the agent's connection to the broker (DESIGN.md sections 2 and 5).
 *
 * A TCP (or unix socket) client on the agent's uv_loop_t.  It says Hello
 * first, reads the broker's HelloAck, then sends the agent's observations
 * and receives Acks and Downlinks, with heartbeats both ways.  Every
 * observation goes through the spool first (spool.h): agent_link_send()
 * appends it and, when the link is up and has nothing older left to send,
 * also queues it for this loop turn's write.  After a (re)connect the link
 * drains the spool from the oldest record the broker has not stored
 * (HelloAck.last_seq), marked replayed, before going live again.
 *
 * States:
 *
 *   IDLE --start--> CONNECTING --connected, Hello queued--> HELLO
 *   HELLO --HelloAck--> DRAINING --spool read to its end--> LIVE
 *   LIVE --write queue above queue_max--> DRAINING (the spool catches up)
 *   CONNECTING/HELLO/DRAINING/LIVE --failure--> DISCONNECTING
 *   DISCONNECTING --socket closed--> BACKOFF --timer--> CONNECTING
 *   any --agent_link_close--> CLOSING --every handle closed--> CLOSED
 *
 * Failures that end a connection (each counted by reason): connect or
 * name resolution failed, connect or HelloAck timeout, peer silent past
 * the timeout, end of stream, read or write error, a Bye, garbage or a
 * frame above the maximum, a frame out of place (anything but HelloAck or
 * Bye first; a Hello, Observation or subscriber frame at any time).
 * Reconnects wait a bounded exponential backoff with jitter.
 *
 * Writes are coalesced: every frame of a loop turn goes into one buffer
 * that a uv_check callback hands to one uv_write; a second buffer takes the
 * next turn's frames while that write is in flight (a buffer stays valid
 * until its write callback).  One write is in flight at a time, which is
 * also how the drain paces itself: a chunk of spooled records per turn, the
 * next only once the socket took the previous one.
 *
 * Not thread-safe: every call from the loop's thread.  The process must
 * ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)), as any libuv program writing
 * to sockets: a write to a connection the broker reset would otherwise
 * kill it rather than end the connection.
 */
#ifndef V2X_RSU_AGENT_LINK_LINK_H
#define V2X_RSU_AGENT_LINK_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "codecs/wire/v2x.pb-c.h"
#include "rsu-agent/link/spool.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

struct agent_link;

enum agent_link_state {
	AGENT_LINK_IDLE,
	AGENT_LINK_CONNECTING,
	AGENT_LINK_HELLO,
	AGENT_LINK_DRAINING,
	AGENT_LINK_LIVE,
	AGENT_LINK_DISCONNECTING,
	AGENT_LINK_BACKOFF,
	AGENT_LINK_CLOSING,
	AGENT_LINK_CLOSED,
};

/* Why a connection (or an attempt) ended. */
enum agent_link_reason {
	AGENT_LINK_R_CONNECT,  /* resolve or connect failed */
	AGENT_LINK_R_TIMEOUT,  /* connect or HelloAck too slow, or the peer silent */
	AGENT_LINK_R_EOF,      /* the peer closed the connection */
	AGENT_LINK_R_IO,       /* read or write error */
	AGENT_LINK_R_BYE,      /* the peer said Bye */
	AGENT_LINK_R_GARBAGE,  /* bytes that are not frames */
	AGENT_LINK_R_TOO_BIG,  /* a frame above max_frame */
	AGENT_LINK_R_PROTOCOL, /* a frame out of place */
	AGENT_LINK_R_SHUTDOWN, /* agent_link_close */
	AGENT_LINK_R_COUNT
};

/* Returns the name of a state ("live") or reason ("garbage"); static. */
const char *agent_link_state_name(enum agent_link_state state);
const char *agent_link_reason_name(enum agent_link_reason reason);

struct agent_link_config {
	/* Where the broker is: a unix socket path, or else host (a name or an
	 * address) and port.  Borrowed for agent_link_new (copied). */
	const char *unix_path;
	const char *host;
	uint16_t port;
	/* Hello: id (the RSU id, also Observation.rsu_id when the caller left it
	 * unset), credential (credential_len bytes), software.  Copied. */
	const char *id;
	const uint8_t *credential;
	size_t credential_len;
	const char *software;
	uint32_t max_frame;          /* largest frame accepted (Hello.max_frame_size);
	                                0: V2X_FRAME_DEFAULT_MAX */
	uint32_t heartbeat_ms;       /* until the HelloAck says otherwise; 0: 1000 */
	uint32_t timeout_ms;         /* idem; 0: 3 heartbeats */
	uint32_t connect_timeout_ms; /* connect and HelloAck; 0: 5000 */
	uint32_t backoff_min_ms;     /* first reconnect delay; 0: 100 */
	uint32_t backoff_max_ms;     /* bound of the doubling delay; 0: 10000 */
	uint64_t seed;               /* of the jitter's generator; 0: from the clock */
	/* A safety message (BSM, RSM) older than this when drained from the
	 * spool is sent record_only; 0: 1000 ms. */
	uint32_t live_age_ms;
	size_t drain_chunk;        /* spooled bytes read per turn; 0: 64 KiB */
	size_t queue_max;          /* live bytes waiting for the socket before
	                              the link falls back to draining; 0: 1 MiB */
	const struct v2x_log *log; /* NULL: no logs; must outlive the link */
};

/* What the agent hears from the link. */
struct agent_link_callbacks {
	/* A Downlink from the broker; dl is borrowed for the call.  May be NULL. */
	void (*on_downlink)(void *data, const V2x__Wire__Downlink *dl);
	/* The link changed state (for logs, metrics and tests).  May be NULL. */
	void (*on_state)(void *data, enum agent_link_state state);
	void *data;
};

struct agent_link_stats {
	enum agent_link_state state;
	bool connected;            /* HelloAck received, connection up */
	uint64_t connect_attempts; /* connects started */
	uint64_t connects;         /* sessions established (HelloAck received) */
	uint64_t disconnects;      /* sessions and attempts ended, by reason below */
	uint64_t disconnects_by[AGENT_LINK_R_COUNT];
	uint64_t sent;        /* observations handed to the socket live */
	uint64_t spooled;     /* observations appended to the spool */
	uint64_t replayed;    /* observations sent from the spool */
	uint64_t record_only; /* of those, marked record_only */
	uint64_t acked;       /* highest seq the broker acknowledged */
	uint64_t dropped;     /* spooled observations dropped (spool full, write errors) */
	uint64_t oversize;    /* spooled frames above the broker's maximum, skipped */
	uint64_t bytes_out, bytes_in;
	uint64_t writes; /* uv_write calls */
	uint64_t heartbeats_out, heartbeats_in;
	uint64_t downlinks;
	uint64_t drain_backlog; /* spooled observations not yet handed to the socket */
	uint64_t rtt_us;        /* last heartbeat round trip, 0: none yet */
	/* Live observations sent with agent_link_send_timed: from their
	 * receipt to the uv_write that carries them, µs. */
	struct v2x_hist forward_us;
};

/*
 * Makes a link on loop (borrowed: must outlive the link) with cfg (borrowed
 * for the call), spool (borrowed: must stay valid until the close callback;
 * the link appends to it, acknowledges in it and reads it back) and cbs
 * (copied).  Nothing starts yet.  The caller frees it with agent_link_free
 * after the close callback (or without closing when it was never started).
 * Fails with V2X_EINVAL (no host/port or path, no id, a bad backoff),
 * V2X_ENOMEM.
 */
int agent_link_new(uv_loop_t *loop, const struct agent_link_config *cfg, struct agent_spool *spool,
                   const struct agent_link_callbacks *cbs, struct agent_link **out);

/* Starts connecting.  Returns 0, or V2X_EINVAL when already started. */
int agent_link_start(struct agent_link *link);

/*
 * Gives obs (borrowed for the call) its seq, and writes into it: seq,
 * replayed = false and record_only = false (present, so that a replay can
 * patch them), rsu_id when NULL (the link's id).  Frames it, appends it to
 * the spool and, when the link is LIVE, queues it for this turn's write;
 * otherwise it waits in the spool.  Sets *seq (may be NULL).  Returns 0
 * whether the link is up or not; V2X_ETOO_BIG for an observation above
 * max_frame; V2X_EINVAL for an Observation without a message, or after
 * close; the spool's errors (the seq is used up all the same).
 */
int agent_link_send(struct agent_link *link, V2x__Wire__Observation *obs, uint64_t *seq);

/*
 * As agent_link_send, and when the observation goes out live, the time from
 * rx_mono_ns (v2x_clock_mono_ns() when its datagram was received) to the
 * write that carries it is added to stats.forward_us.
 */
int agent_link_send_timed(struct agent_link *link, V2x__Wire__Observation *obs, uint64_t rx_mono_ns,
                          uint64_t *seq);

/*
 * Closes the link: the spool is flushed and synced, a Bye(NORMAL) goes out
 * when the connection is idle enough to take it at once, every handle is
 * closed, then cb(link, data) runs (from the loop).  cb may be NULL.
 * Returns 0, or V2X_EINVAL when already closing.
 */
int agent_link_close(struct agent_link *link, void (*cb)(struct agent_link *, void *), void *data);

/* Frees a link that is closed or was never started.  Accepts NULL. */
void agent_link_free(struct agent_link *link);

/* Returns the link's counters (and the spool's drop counters). */
struct agent_link_stats agent_link_stats(const struct agent_link *link);

#endif
