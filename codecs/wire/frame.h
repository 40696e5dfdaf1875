/*
 * frame: the length-delimited framing of the wire protocol (v2x.proto).
 *
 * On a connection each Frame is preceded by its length as a base-128 varint,
 * the form protobuf's writeDelimitedTo / parseDelimitedFrom use.  The
 * encoder writes framed frames into a caller's buffer, so that a writer can
 * coalesce every frame of a loop turn into one write.  The parser is fed the
 * bytes of a stream in pieces of any size and yields complete frames one at
 * a time.
 *
 * The parser is a pull API (v2x_frame_parser_next) rather than a callback:
 * the caller decides when to stop (a subscriber's queue is full, the first
 * frame was not a Hello and the connection is closing) without a callback
 * having to reach back into the parser that is calling it, and the one
 * frame it returns stays valid exactly until the next call.
 */
#ifndef V2X_CODECS_WIRE_FRAME_H
#define V2X_CODECS_WIRE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "codecs/wire/v2x.pb-c.h"
#include "runtime/arena.h"
#include "runtime/err.h"

/* Default largest frame body accepted, bytes (the length prefix excluded). */
#define V2X_FRAME_DEFAULT_MAX (1u << 20)
/* Default most memory one unpacked frame may take; see struct v2x_frame_limits. */
#define V2X_FRAME_DEFAULT_MAX_ARENA (16u << 20)
/* Largest max_frame_size accepted: protobuf's own 2 GiB message limit. */
#define V2X_FRAME_MAX_LIMIT 0x7fffffffu
/* Longest length prefix: a varint of a 64-bit value. */
#define V2X_FRAME_VARINT_MAX 10

/* Limits on untrusted input; zero fields take the defaults. */
struct v2x_frame_limits {
	size_t max_frame_size; /* body bytes; default V2X_FRAME_DEFAULT_MAX */
	/*
	 * Memory of one unpacked frame, bytes.  A frame can unpack to far more
	 * memory than it has bytes (an empty repeated element is 2 bytes on the
	 * wire and a whole struct in memory), so this bounds what a hostile
	 * frame below max_frame_size can make the parser allocate.  Default
	 * V2X_FRAME_DEFAULT_MAX_ARENA.
	 */
	size_t max_arena_size;
};

/* Counters of a parser. */
struct v2x_frame_parser_stats {
	uint64_t frames;      /* frames yielded */
	uint64_t bytes;       /* stream bytes consumed */
	uint64_t copied;      /* frames whose body arrived in pieces and was copied */
	uint64_t allocs;      /* allocations protobuf-c asked of the parser's arena */
	size_t body_capacity; /* bytes of the body buffer, 0 before the first copy */
	size_t arena_held;    /* bytes the arena holds for unpacked frames */
};

/*
 * A stream parser, embedded in whatever owns the connection.  The fields
 * are private: use the functions below.
 */
struct v2x_frame_parser {
	struct v2x_frame_limits limits;
	int err;             /* 0, or the error that stopped the parser */
	bool in_body;        /* the length prefix is complete */
	unsigned prefix_len; /* bytes of the length prefix read so far */
	uint64_t body_len;   /* the length prefix's value (so far) */
	size_t have;         /* body bytes copied into body */
	uint8_t *body;       /* reused buffer for bodies that arrive in pieces */
	size_t body_cap;
	struct v2x_arena arena;   /* everything the current frame points to */
	ProtobufCAllocator alloc; /* protobuf-c's allocations, from arena */
	int alloc_err;            /* why the arena refused an allocation, or 0 */
	struct v2x_frame_parser_stats stats;
	char detail[128]; /* what the error was, for the log and the Bye */
};

/*
 * Initialises p with limits (NULL: defaults; borrowed for the call).
 * Allocates nothing yet.  p must not move in memory until its fini: the
 * allocator it hands protobuf-c points back to it.  Fails with V2X_EINVAL when max_frame_size is
 * above V2X_FRAME_MAX_LIMIT; p is then left safe to fini.
 */
int v2x_frame_parser_init(struct v2x_frame_parser *p, const struct v2x_frame_limits *limits);

/* Releases the buffers of p and the last frame it returned. */
void v2x_frame_parser_fini(struct v2x_frame_parser *p);

/*
 * Consumes bytes from *buf (*len of them) until a frame is complete or the
 * input runs out, advancing *buf and decreasing *len by what it consumed.
 *
 * Returns 1 with *frame set when a frame is complete: the frame is owned by
 * p and valid until the next call on p or its fini, and the bytes after it
 * are still in *buf.  Returns 0 when every byte was consumed without
 * completing a frame (the parser keeps the part it has).  Call it again
 * until it returns 0 to drain a buffer of several frames.
 *
 * Fails with V2X_EFRAME_TOO_BIG when a length prefix is above
 * max_frame_size (checked before the body is buffered or allocated; a
 * prefix whose value is already too big fails without waiting for its last
 * byte) or when the frame unpacks to more than max_arena_size;
 * V2X_EFRAME_GARBAGE for a length prefix longer than 10 bytes or beyond 64
 * bits, a zero length, a body protobuf-c cannot unpack as a Frame, a body
 * with a field numbered 0 or above 2^29 - 1 (which protobuf-c 1.4.1 lets
 * through), or a Frame with no alternative set (empty, or one of a newer
 * protocol);
 * V2X_ENOMEM.  After a failure the parser refuses all input with the same
 * error: the connection is to be closed, with v2x_frame_parser_error() as
 * the Bye's text.
 */
int v2x_frame_parser_next(struct v2x_frame_parser *p, const uint8_t **buf, size_t *len,
                          const V2x__Wire__Frame **frame);

/*
 * Says whether the stream may end here: 0 between frames,
 * V2X_ETRUNCATED when p holds part of a frame (a length prefix or a body
 * cut short by the peer closing), or the error that stopped p.
 */
int v2x_frame_parser_finish(struct v2x_frame_parser *p);

/* Returns the detail of the error that stopped p, "" when none; owned by p. */
const char *v2x_frame_parser_error(const struct v2x_frame_parser *p);

/* Returns the counters of p (body_capacity and arena_held as of now). */
struct v2x_frame_parser_stats v2x_frame_parser_stats(const struct v2x_frame_parser *p);

/*
 * Makes *f a Hello frame whose message is *h (both the caller's, f pointing
 * at h), the current protocol version: role, id and the cred_len bytes of
 * cred (NULL: no credential) are borrowed and must outlive f's use.  The
 * caller may set the optional fields (max_frame_size, software) afterwards.
 */
void v2x_frame_hello(V2x__Wire__Frame *f, V2x__Wire__Hello *h, V2x__Wire__Role role, char *id,
                     uint8_t *cred, size_t cred_len);

/*
 * Makes *f a Heartbeat frame whose message is *hb (both the caller's, f
 * pointing at hb): sent at send_time_us, echoing echo_us, the send time of
 * the peer's last Heartbeat (0: none yet, left off).
 */
void v2x_frame_heartbeat(V2x__Wire__Frame *f, V2x__Wire__Heartbeat *hb, uint64_t send_time_us,
                         uint64_t echo_us);

/* Returns the bytes frame takes framed: the length prefix plus the body. */
size_t v2x_frame_size(const V2x__Wire__Frame *frame);

/*
 * Writes frame (borrowed for the call) framed into buf[0..cap) and sets *len
 * to the bytes it takes.  Fails with V2X_ETOO_BIG, writing nothing, when cap
 * is smaller than that (*len still says how much is needed), and with
 * V2X_EINVAL for a frame with no alternative set, which a peer would reject.
 */
int v2x_frame_encode(const V2x__Wire__Frame *frame, uint8_t *buf, size_t cap, size_t *len);

/*
 * Writes v as a base-128 varint at buf (room for V2X_FRAME_VARINT_MAX
 * bytes) and returns the number of bytes written.
 */
size_t v2x_frame_put_varint(uint8_t *buf, uint64_t v);

#endif
