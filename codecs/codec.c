#include "codecs/codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "MessageFrame.h"
#include "per_decoder.h"
#include "per_encoder.h"
#include "xer_decoder.h"
#include "xer_encoder.h"

#include "codecs/codec_xer.h"
#include "codecs/norm.h"
#include "runtime/arena.h"

/* Root alternatives of MessageFrame; the first extension alternative is
 * number ROOT_ALTERNATIVES. */
#define ROOT_ALTERNATIVES 5

struct v2x_codec {
	struct v2x_codec_limits limits;
	struct v2x_arena dec_arena; /* the last decoded message */
	struct v2x_arena enc_arena; /* asn1c structs built for encoding */
	struct v2x_msg msg;
	struct v2x_codec_stats stats;
	char error[256];
};

struct v2x_codec *v2x_codec_new(const struct v2x_codec_limits *limits)
{
	struct v2x_codec *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (limits)
		c->limits = *limits;
	if (!c->limits.max_msg_size)
		c->limits.max_msg_size = V2X_CODEC_DEFAULT_MAX_MSG;
	if (!c->limits.max_stack_size)
		c->limits.max_stack_size = V2X_CODEC_DEFAULT_MAX_STACK;
	if (!c->limits.max_arena_size)
		c->limits.max_arena_size = V2X_CODEC_DEFAULT_MAX_ARENA;
	v2x_arena_init(&c->dec_arena, 16384, c->limits.max_arena_size);
	v2x_arena_init(&c->enc_arena, 16384, c->limits.max_arena_size);
	return c;
}

void v2x_codec_free(struct v2x_codec *c)
{
	if (!c)
		return;
	v2x_arena_fini(&c->dec_arena);
	v2x_arena_fini(&c->enc_arena);
	free(c);
}

const char *v2x_codec_error(const struct v2x_codec *c)
{
	return c->error;
}

const struct v2x_codec_stats *v2x_codec_stats(const struct v2x_codec *c)
{
	return &c->stats;
}

struct v2x_arena *v2x_codec_arena(struct v2x_codec *c)
{
	return &c->dec_arena;
}

__attribute__((format(printf, 3, 4))) static int codec_fail(struct v2x_codec *c, int err,
                                                            const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * Reads the MessageFrame's alternative number from the first bits without
 * decoding: an extension bit, then 3 bits for a root alternative, or a
 * "normally small number" for an extension alternative (X.691 22.8).
 * Returns the alternative (0..7 for the root, where 5..7 do not exist;
 * ROOT_ALTERNATIVES and up for an extension, the first bit of buf set), or
 * -1 when the input is empty.
 */
static int frame_alternative(const uint8_t *buf, size_t len)
{
	if (len < 1)
		return -1;
	if (!(buf[0] & 0x80))
		return (buf[0] >> 4) & 0x07;
	if (buf[0] & 0x40)
		return ROOT_ALTERNATIVES + 64; /* a number of 64 or more */
	return ROOT_ALTERNATIVES + (buf[0] & 0x3f);
}

static int unsupported(struct v2x_codec *c, int alt)
{
	size_t slot = (size_t)alt < V2X_CODEC_ALT_COUNTED ? (size_t)alt : V2X_CODEC_ALT_COUNTED - 1;

	c->stats.unsupported[slot]++;
	if (alt >= ROOT_ALTERNATIVES + 64)
		return codec_fail(c, V2X_EUNSUPPORTED_MSG,
		                  "a MessageFrame alternative of extension 65 or later is not a "
		                  "Day-1 message");
	return codec_fail(c, V2X_EUNSUPPORTED_MSG,
	                  "MessageFrame alternative %d (extension %d) is not a Day-1 message (BSM, "
	                  "MAP, RSM, SPAT, RSI)",
	                  alt, alt - ROOT_ALTERNATIVES + 1);
}

/* Normalises a decoded MessageFrame into c->msg. */
static int frame_from(struct v2x_codec *c, const MessageFrame_t *mf, struct cvt *cv)
{
	struct v2x_msg *m = &c->msg;

	memset(m, 0, sizeof(*m));
	m->type = (enum v2x_msg_type)mf->present;
	switch (mf->present) {
	case MessageFrame_PR_bsmFrame:
		norm__bsm_from(cv, &mf->choice.bsmFrame, &m->u.bsm);
		break;
	case MessageFrame_PR_mapFrame:
		norm__map_from(cv, &mf->choice.mapFrame, &m->u.map);
		break;
	case MessageFrame_PR_rsmFrame:
		norm__rsm_from(cv, &mf->choice.rsmFrame, &m->u.rsm);
		break;
	case MessageFrame_PR_spatFrame:
		norm__spat_from(cv, &mf->choice.spatFrame, &m->u.spat);
		break;
	case MessageFrame_PR_rsiFrame:
		norm__rsi_from(cv, &mf->choice.rsiFrame, &m->u.rsi);
		break;
	default:
		return V2X_EUNSUPPORTED_MSG;
	}
	m->flags = cv->flags;
	return cv->err ? codec_fail(c, cv->err, "%s", cv->msg) : V2X_OK;
}

/* Maps what asn1c's decoder returned into the project's error codes. */
static int decode_result(struct v2x_codec *c, asn_dec_rval_t rv, size_t len)
{
	if (rv.code == RC_WMORE)
		return codec_fail(c, V2X_ETRUNCATED,
		                  "the %zu bytes end in the middle of the MessageFrame", len);
	if (rv.code != RC_OK)
		return codec_fail(c, V2X_EMALFORMED,
		                  "not a valid UPER MessageFrame of the Day-1 "
		                  "schema (%zu bytes)",
		                  len);
	if (rv.consumed < len)
		return codec_fail(c, V2X_ETRAILING, "%zu bytes after the %zu-byte MessageFrame",
		                  len - rv.consumed, rv.consumed);
	return V2X_OK;
}

static int decode_frame(struct v2x_codec *c, const uint8_t *buf, size_t len)
{
	asn_codec_ctx_t ctx = { .max_stack_size = c->limits.max_stack_size };
	MessageFrame_t *mf = NULL;
	asn_dec_rval_t rv;
	struct cvt cv;
	int alt = frame_alternative(buf, len);
	int err;

	if (len == 0)
		return codec_fail(c, V2X_ETRUNCATED,
		                  "empty input: a MessageFrame has 1 byte or more");
	if (len > c->limits.max_msg_size)
		return codec_fail(c, V2X_ETOO_BIG, "%zu bytes, more than the %zu-byte limit", len,
		                  c->limits.max_msg_size);
	if (alt >= ROOT_ALTERNATIVES && (buf[0] & 0x80))
		return unsupported(c, alt);
	if (alt >= ROOT_ALTERNATIVES)
		return codec_fail(c, V2X_EMALFORMED,
		                  "MessageFrame root alternative %d does not exist (0..4 do)", alt);
	rv = uper_decode_complete(&ctx, &asn_DEF_MessageFrame, (void **)&mf, buf, len);
	err = decode_result(c, rv, len);
	if (err == V2X_OK && mf->present == MessageFrame_PR_NOTHING)
		err = codec_fail(c, V2X_EMALFORMED, "MessageFrame holds no alternative");
	if (err == V2X_OK) {
		cvt__init(&cv, &c->dec_arena);
		err = frame_from(c, mf, &cv);
		if (ctx.skipped_extensions)
			c->msg.flags |= V2X_MSG_F_SKIPPED_EXTENSION;
	}
	ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
	return err;
}

int v2x_codec_decode(struct v2x_codec *c, const uint8_t *buf, size_t len,
                     const struct v2x_msg **out)
{
	int err;

	c->error[0] = '\0';
	*out = NULL;
	v2x_arena_reset(&c->dec_arena);
	err = decode_frame(c, buf, len);
	if (err) {
		c->stats.decode_errors[v2x_err_index(err)]++;
		return err;
	}
	c->stats.decoded[c->msg.type]++;
	if (c->msg.flags & V2X_MSG_F_SKIPPED_EXTENSION)
		c->stats.skipped_extensions++;
	if (c->msg.flags & V2X_MSG_F_UNRECOGNISED_VALUE)
		c->stats.unrecognised_values++;
	*out = &c->msg;
	return V2X_OK;
}

/* Builds asn1c's MessageFrame for msg in the encoding arena. */
static int frame_to(struct v2x_codec *c, const struct v2x_msg *m, MessageFrame_t *mf)
{
	struct cvt cv;

	cvt__init(&cv, &c->enc_arena);
	memset(mf, 0, sizeof(*mf));
	mf->present = (MessageFrame_PR)m->type;
	switch (m->type) {
	case V2X_MSG_BSM:
		norm__bsm_to(&cv, &m->u.bsm, &mf->choice.bsmFrame);
		break;
	case V2X_MSG_MAP:
		norm__map_to(&cv, &m->u.map, &mf->choice.mapFrame);
		break;
	case V2X_MSG_RSM:
		norm__rsm_to(&cv, &m->u.rsm, &mf->choice.rsmFrame);
		break;
	case V2X_MSG_SPAT:
		norm__spat_to(&cv, &m->u.spat, &mf->choice.spatFrame);
		break;
	case V2X_MSG_RSI:
		norm__rsi_to(&cv, &m->u.rsi, &mf->choice.rsiFrame);
		break;
	default:
		return codec_fail(c, V2X_EINVAL, "message type %d is not one of the five",
		                  (int)m->type);
	}
	return cv.err ? codec_fail(c, cv.err, "%s", cv.msg) : V2X_OK;
}

static int encode_frame(struct v2x_codec *c, const struct v2x_msg *m, uint8_t *buf, size_t cap,
                        size_t *len)
{
	MessageFrame_t mf;
	asn_enc_rval_t er;
	int err = frame_to(c, m, &mf);

	if (err)
		return err;
	er = uper_encode_to_buffer(&asn_DEF_MessageFrame, &mf, buf, cap);
	if (er.encoded < 0) {
		/* The model was checked field by field, so what is left is a
		 * buffer too small for the message. */
		return codec_fail(c, V2X_ETOO_BIG,
		                  "the encoding does not fit the %zu-byte buffer (failed at %s)",
		                  cap, er.failed_type ? er.failed_type->name : "?");
	}
	*len = ((size_t)er.encoded + 7) / 8;
	if (*len == 0) {
		/* X.691 11.1: a complete encoding has at least one octet. */
		if (cap < 1)
			return codec_fail(c, V2X_ETOO_BIG, "no room for one byte");
		buf[0] = 0;
		*len = 1;
	}
	return V2X_OK;
}

int v2x_codec_encode(struct v2x_codec *c, const struct v2x_msg *m, uint8_t *buf, size_t cap,
                     size_t *len)
{
	int err;

	c->error[0] = '\0';
	*len = 0;
	v2x_arena_reset(&c->enc_arena);
	err = encode_frame(c, m, buf, cap, len);
	if (err) {
		c->stats.encode_errors[v2x_err_index(err)]++;
		return err;
	}
	c->stats.encoded[m->type]++;
	return V2X_OK;
}

int codec__decode_xer(struct v2x_codec *c, const char *xml, size_t len, const struct v2x_msg **out)
{
	asn_codec_ctx_t ctx = { .max_stack_size = c->limits.max_stack_size };
	MessageFrame_t *mf = NULL;
	asn_dec_rval_t rv;
	struct cvt cv;
	int err = V2X_OK;

	c->error[0] = '\0';
	*out = NULL;
	v2x_arena_reset(&c->dec_arena);
	rv = xer_decode(&ctx, &asn_DEF_MessageFrame, (void **)&mf, xml, len);
	if (rv.code != RC_OK || !mf || mf->present == MessageFrame_PR_NOTHING) {
		err = codec_fail(c, V2X_EPARSE,
		                 "not the XER of a Day-1 MessageFrame (stopped at "
		                 "byte %zu of %zu)",
		                 rv.consumed, len);
	} else {
		cvt__init(&cv, &c->dec_arena);
		err = frame_from(c, mf, &cv);
	}
	ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
	if (err) {
		c->stats.decode_errors[v2x_err_index(err)]++;
		return err;
	}
	*out = &c->msg;
	return V2X_OK;
}

struct xer_sink {
	char *buf;
	size_t cap, len;
};

static int xer_write(const void *data, size_t size, void *key)
{
	struct xer_sink *s = key;

	if (s->cap - s->len <= size)
		return -1;
	memcpy(s->buf + s->len, data, size);
	s->len += size;
	return 0;
}

int codec__encode_xer(struct v2x_codec *c, const struct v2x_msg *m, char *buf, size_t cap,
                      size_t *len)
{
	struct xer_sink sink = { buf, cap, 0 };
	MessageFrame_t mf;
	asn_enc_rval_t er;
	int err;

	c->error[0] = '\0';
	*len = 0;
	v2x_arena_reset(&c->enc_arena);
	err = frame_to(c, m, &mf);
	if (!err && cap == 0)
		err = codec_fail(c, V2X_ETOO_BIG, "no room for the XER text");
	if (!err) {
		er = xer_encode(&asn_DEF_MessageFrame, &mf, XER_F_BASIC, xer_write, &sink);
		if (er.encoded < 0)
			err = codec_fail(c, V2X_ETOO_BIG, "the XER text does not fit %zu bytes",
			                 cap);
	}
	if (err) {
		c->stats.encode_errors[v2x_err_index(err)]++;
		return err;
	}
	buf[sink.len] = '\0';
	*len = sink.len;
	return V2X_OK;
}
