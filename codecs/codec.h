/*
 * codec: UPER MessageFrame <-> normalised struct v2x_msg.
 *
 * A struct v2x_codec holds what decoding and encoding need between calls:
 * the arena that decoded messages live in, the limits on untrusted input,
 * and counters per outcome.  Decode resets the arena, so a decoded message
 * is valid until the next call on the same codec.  After warm-up the codec
 * itself allocates nothing per message (asn1c's decoder still does).
 *
 * One codec per thread; codecs share nothing.
 */
#ifndef V2X_CODECS_CODEC_H
#define V2X_CODECS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "runtime/err.h"

struct v2x_codec;

/* Limits on untrusted input; zero fields take the defaults. */
struct v2x_codec_limits {
	size_t max_msg_size;   /* bytes of one MessageFrame; default 16384 */
	size_t max_stack_size; /* asn1c decoder stack limit; default 65536 */
	size_t max_arena_size; /* memory of one decoded message; default 4 MiB */
};

#define V2X_CODEC_DEFAULT_MAX_MSG   16384
#define V2X_CODEC_DEFAULT_MAX_STACK 65536
#define V2X_CODEC_DEFAULT_MAX_ARENA (4u << 20)

/* Most MessageFrame alternatives counted one by one; others share the last. */
#define V2X_CODEC_ALT_COUNTED 32

struct v2x_codec_stats {
	uint64_t decoded[V2X_MSG_TYPE_COUNT]; /* by enum v2x_msg_type */
	uint64_t encoded[V2X_MSG_TYPE_COUNT];
	uint64_t decode_errors[V2X_ERR_COUNT]; /* by v2x_err_index() */
	uint64_t encode_errors[V2X_ERR_COUNT];
	/* Unsupported MessageFrame alternatives, by alternative number (0 is
	 * bsmFrame; 5 is the first extension alternative). */
	uint64_t unsupported[V2X_CODEC_ALT_COUNTED];
	uint64_t skipped_extensions;  /* messages with an addition skipped */
	uint64_t unrecognised_values; /* messages with an unknown enum value */
};

/*
 * Returns a new codec with the given limits (NULL: defaults), or NULL when
 * out of memory.  Caller frees with v2x_codec_free.
 */
struct v2x_codec *v2x_codec_new(const struct v2x_codec_limits *limits);

/* Frees codec and every message it decoded; accepts NULL. */
void v2x_codec_free(struct v2x_codec *codec);

/*
 * Decodes the MessageFrame in buf[0..len).  On success *out points to the
 * message, owned by codec and valid until the next call on it.  Fails with
 * V2X_ETOO_BIG, V2X_ETRUNCATED, V2X_EMALFORMED, V2X_ETRAILING,
 * V2X_EUNSUPPORTED_MSG (a MessageFrame alternative of a newer schema) or
 * V2X_ENOMEM; v2x_codec_error() then says more.  Each outcome is counted.
 * A message that decoded in part (an unknown extension skipped, an unknown
 * enumerated value) succeeds with the matching msg->flags.
 */
int v2x_codec_decode(struct v2x_codec *codec, const uint8_t *buf, size_t len,
                     const struct v2x_msg **out);

/*
 * Encodes msg (borrowed for the call) as a UPER MessageFrame into
 * buf[0..cap), the length in *len.  Fails with V2X_ERANGE when a field is
 * outside what its encoding can hold (v2x_codec_error() names it),
 * V2X_ETOO_BIG when cap is too small, V2X_EINVAL for a message that is not
 * one of the five types, V2X_ENOMEM.
 */
int v2x_codec_encode(struct v2x_codec *codec, const struct v2x_msg *msg, uint8_t *buf, size_t cap,
                     size_t *len);

/*
 * Returns the detail of the last failure of codec ("MessageFrame alternative
 * 7 (an extension) is not a Day-1 message", "rsi.rtes[0].radius_m: 7000 is
 * outside 0..6553.5"), or "" after a success.  Valid until the next call.
 */
const char *v2x_codec_error(const struct v2x_codec *codec);

/* Returns the counters of codec; valid while codec lives. */
const struct v2x_codec_stats *v2x_codec_stats(const struct v2x_codec *codec);

/*
 * Returns the arena of codec, for callers that build messages (from JSON,
 * in a simulator) whose lists must live as long as a decoded message.
 * Reset by the next decode.
 */
struct v2x_arena *v2x_codec_arena(struct v2x_codec *codec);

#endif
