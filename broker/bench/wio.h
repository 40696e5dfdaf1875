/*
 * wio: the wire protocol over plain sockets, for the broker's benchmark
 * programs (the load generator, the subscriber stand-in).  Blocking
 * connect and handshake helpers, and a reader that turns the bytes of a
 * socket into frames with the project's parser (codecs/wire/frame.h).
 */
#ifndef V2X_BROKER_BENCH_WIO_H
#define V2X_BROKER_BENCH_WIO_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/wire/frame.h"

#define BW_READ_BUF  (64u << 10)
#define BW_ID_MAX    64   /* Hello.id, bytes */
#define BW_TOKEN_MAX 1024 /* Hello.credential, bytes */

/* Frames read from one socket.  Embedded; must not move after init. */
struct bw_reader {
	int fd; /* borrowed */
	struct v2x_frame_parser parser;
	const uint8_t *at; /* bytes read and not yet parsed */
	size_t len;
	uint8_t buf[BW_READ_BUF];
};

/*
 * Connects to "HOST:PORT" (numeric IPv4/IPv6) by TCP with TCP_NODELAY set,
 * waiting at most timeout_ms.  Returns the socket (blocking) or -1 with
 * the reason in err.
 */
int bw_connect(const char *hostport, int timeout_ms, char *err, size_t errlen);

/*
 * Listens by TCP on 127.0.0.1:port (0: any free port); *bound gets the
 * port.  Returns the socket or -1 with the reason in err.
 */
int bw_listen(int port, int *bound, char *err, size_t errlen);

/* Sets O_NONBLOCK on fd.  Returns 0 or -1. */
int bw_nonblock(int fd);

/* Sets TCP_NODELAY on fd.  Returns 0 or -1. */
int bw_nodelay(int fd);

/*
 * Encodes f (borrowed for the call) and writes it whole to the blocking
 * socket fd.  Returns 0 or -1 (errno set; EMSGSIZE above 64 KiB).
 */
int bw_send(int fd, const V2x__Wire__Frame *f);

/*
 * Sends the Hello of role (V2X__WIRE__ROLE__*) with id and credential
 * (borrowed; credential may be NULL; cut to BW_ID_MAX and BW_TOKEN_MAX
 * bytes, the protocol's limits), then waits at most timeout_ms for
 * the HelloAck.  Returns 0 with *last_seq and *heartbeat_ms (0 when the
 * broker gave none) set, or -1 with the reason (a Bye's text, a timeout)
 * in err.
 */
int bw_handshake(struct bw_reader *r, int role, const char *id, const char *credential,
                 int timeout_ms, uint64_t *last_seq, uint32_t *heartbeat_ms, char *err,
                 size_t errlen);

/*
 * Ends the connections fds[0..n) (entries < 0 are skipped) in order: a
 * Bye(NORMAL), no more writes, then reads and drops what the peer still
 * sends until it closes or timeout_ms passed, so that closing does not
 * reset a connection with unread data (the peer would log an error).
 * Does not close the sockets.
 */
void bw_goodbye(const int *fds, size_t n, int timeout_ms);

/* Sends a Heartbeat stamped now.  Returns 0 or -1. */
int bw_heartbeat(int fd);

/* Initialises r to read fd.  Returns 0 or an error of v2x_frame_parser_init. */
int bw_reader_init(struct bw_reader *r, int fd);

/* Releases what r holds (not the socket). */
void bw_reader_fini(struct bw_reader *r);

/*
 * Reads once from the socket when r holds no unparsed bytes.  Returns the
 * bytes read, 0 when r still had bytes (nothing read), V2X_EEOF when the
 * peer closed, V2X_ETIMEOUT when a non-blocking socket had nothing,
 * V2X_ESYS for a read error.
 */
int bw_reader_fill(struct bw_reader *r);

/*
 * Returns 1 with *f the next complete frame among the bytes read (valid
 * until the next call on r), 0 when more bytes are needed, or the
 * parser's error.
 */
int bw_reader_next(struct bw_reader *r, const V2x__Wire__Frame **f);

/*
 * Waits at most timeout_ms for the next frame.  Returns 1 with *f set,
 * V2X_ETIMEOUT, V2X_EEOF, or another error.
 */
int bw_reader_wait(struct bw_reader *r, int timeout_ms, const V2x__Wire__Frame **f);

#endif
