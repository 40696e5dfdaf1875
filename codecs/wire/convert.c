#include "codecs/wire/convert.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codecs/wire/convert_int.h"

/* The Observation's message field numbers are 10 + enum v2x_msg_type. */
#define OBS_CASE_BASE 10

V2X_PRINTF(3, 4) void v2x_wire__fail(struct v2x_wire__cv *cv, int rc, const char *fmt, ...)
{
	va_list ap;

	if (cv->rc)
		return;
	cv->rc = rc;
	if (!cv->err || !cv->errlen)
		return;
	va_start(ap, fmt);
	/* clang-tidy 14 reports an uninitialised va_list here when it analyses
	 * several files in one run (its valist checker keeps state across them). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(cv->err, cv->errlen, fmt, ap);
	va_end(ap);
}

void *v2x_wire__new(struct v2x_wire__cv *cv, const ProtobufCMessageDescriptor *d)
{
	void *m = v2x_arena_alloc(cv->arena, d->sizeof_message);

	if (!m) {
		v2x_wire__fail(cv, V2X_ENOMEM, "no memory for a %s", d->short_name);
		return NULL;
	}
	protobuf_c_message_init(d, m);
	return m;
}

void *v2x_wire__ptrs(struct v2x_wire__cv *cv, size_t n)
{
	void *v;

	if (n == 0)
		return NULL;
	v = v2x_arena_calloc(cv->arena, n, sizeof(void *));
	if (!v)
		v2x_wire__fail(cv, V2X_ENOMEM, "no memory for a list of %zu", n);
	return v;
}

void v2x_wire__put_bytes(struct v2x_wire__cv *cv, protobuf_c_boolean *has, ProtobufCBinaryData *dst,
                         const uint8_t *src, size_t len)
{
	/* One byte more than asked so that an empty field still gets a
	 * pointer, which protobuf-c packs as present. */
	dst->data = v2x_arena_alloc(cv->arena, len + 1);
	if (!dst->data) {
		v2x_wire__fail(cv, V2X_ENOMEM, "no memory for %zu bytes", len);
		return;
	}
	if (len)
		memcpy(dst->data, src, len);
	dst->len = len;
	*has = 1;
}

void v2x_wire__put_name(struct v2x_wire__cv *cv, protobuf_c_boolean *has, ProtobufCBinaryData *dst,
                        const struct v2x_name *name)
{
	if (name->len)
		v2x_wire__put_bytes(cv, has, dst, (const uint8_t *)name->s, name->len);
}

uint32_t v2x_wire__uint(struct v2x_wire__cv *cv, uint32_t v, uint32_t max, const char *msg,
                        const char *field)
{
	if (v <= max)
		return v;
	v2x_wire__fail(cv, V2X_ERANGE, "%s.%s: %" PRIu32 " is above %" PRIu32, msg, field, v, max);
	return 0;
}

void *v2x_wire__list(struct v2x_wire__cv *cv, size_t n, size_t size, size_t max, const char *msg,
                     const char *field)
{
	void *v;

	if (n == 0)
		return NULL;
	if (n > max) {
		v2x_wire__fail(cv, V2X_ERANGE, "%s.%s: %zu elements, at most %zu", msg, field, n,
		               max);
		return NULL;
	}
	v = v2x_arena_calloc(cv->arena, n, size);
	if (!v)
		v2x_wire__fail(cv, V2X_ENOMEM, "%s.%s: no memory for %zu elements", msg, field, n);
	return v;
}

void v2x_wire__get_id(struct v2x_wire__cv *cv, protobuf_c_boolean present,
                      const ProtobufCBinaryData *b, uint8_t id[V2X_ID_LEN], const char *msg,
                      const char *field)
{
	if (!present) {
		v2x_wire__fail(cv, V2X_EMALFORMED, "%s.%s: missing", msg, field);
		return;
	}
	if (b->len != V2X_ID_LEN) {
		v2x_wire__fail(cv, V2X_EMALFORMED, "%s.%s: %zu octets, %d expected", msg, field,
		               b->len, V2X_ID_LEN);
		return;
	}
	memcpy(id, b->data, V2X_ID_LEN);
}

void v2x_wire__get_name(struct v2x_wire__cv *cv, protobuf_c_boolean present,
                        const ProtobufCBinaryData *b, struct v2x_name *name, const char *msg,
                        const char *field)
{
	size_t len = present ? b->len : 0;

	name->len = 0;
	name->s[0] = '\0';
	if (len > V2X_NAME_MAX) {
		v2x_wire__fail(cv, V2X_ERANGE, "%s.%s: %zu bytes, at most %d", msg, field, len,
		               V2X_NAME_MAX);
		return;
	}
	if (len)
		memcpy(name->s, b->data, len);
	name->s[len] = '\0';
	name->len = (uint8_t)len;
}

/* ---- entry points ------------------------------------------------------- */

typedef void (*obs_out_fn)(struct v2x_wire__cv *cv, const struct v2x_msg *msg,
                           V2x__Wire__Observation *obs);

static void bsm_out(struct v2x_wire__cv *cv, const struct v2x_msg *msg, V2x__Wire__Observation *obs)
{
	obs->bsm = v2x_wire__bsm_out(cv, &msg->u.bsm);
}

static void map_out(struct v2x_wire__cv *cv, const struct v2x_msg *msg, V2x__Wire__Observation *obs)
{
	obs->map = v2x_wire__map_out(cv, &msg->u.map);
}

static void rsm_out(struct v2x_wire__cv *cv, const struct v2x_msg *msg, V2x__Wire__Observation *obs)
{
	obs->rsm = v2x_wire__rsm_out(cv, &msg->u.rsm);
}

static void spat_out(struct v2x_wire__cv *cv, const struct v2x_msg *msg,
                     V2x__Wire__Observation *obs)
{
	obs->spat = v2x_wire__spat_out(cv, &msg->u.spat);
}

static void rsi_out(struct v2x_wire__cv *cv, const struct v2x_msg *msg, V2x__Wire__Observation *obs)
{
	obs->rsi = v2x_wire__rsi_out(cv, &msg->u.rsi);
}

static const obs_out_fn obs_out[V2X_MSG_TYPE_COUNT] = {
	[V2X_MSG_BSM] = bsm_out,   [V2X_MSG_MAP] = map_out, [V2X_MSG_RSM] = rsm_out,
	[V2X_MSG_SPAT] = spat_out, [V2X_MSG_RSI] = rsi_out,
};

int v2x_wire_msg_to_obs(const struct v2x_msg *msg, struct v2x_arena *arena,
                        V2x__Wire__Observation *obs)
{
	struct v2x_wire__cv cv = { .arena = arena };
	unsigned type = (unsigned)msg->type;

	if (type >= V2X_MSG_TYPE_COUNT || !obs_out[type])
		return V2X_EINVAL;
	obs_out[type](&cv, msg, obs);
	if (cv.rc)
		return cv.rc;
	obs->msg_case = (V2x__Wire__Observation__MsgCase)(OBS_CASE_BASE + type);
	obs->flags = msg->flags;
	obs->has_flags = msg->flags != 0;
	return 0;
}

typedef void (*obs_in_fn)(struct v2x_wire__cv *cv, const V2x__Wire__Observation *obs,
                          struct v2x_msg *msg);

static void bsm_in(struct v2x_wire__cv *cv, const V2x__Wire__Observation *obs, struct v2x_msg *msg)
{
	v2x_wire__bsm_in(cv, obs->bsm, &msg->u.bsm);
}

static void map_in(struct v2x_wire__cv *cv, const V2x__Wire__Observation *obs, struct v2x_msg *msg)
{
	v2x_wire__map_in(cv, obs->map, &msg->u.map);
}

static void rsm_in(struct v2x_wire__cv *cv, const V2x__Wire__Observation *obs, struct v2x_msg *msg)
{
	v2x_wire__rsm_in(cv, obs->rsm, &msg->u.rsm);
}

static void spat_in(struct v2x_wire__cv *cv, const V2x__Wire__Observation *obs, struct v2x_msg *msg)
{
	v2x_wire__spat_in(cv, obs->spat, &msg->u.spat);
}

static void rsi_in(struct v2x_wire__cv *cv, const V2x__Wire__Observation *obs, struct v2x_msg *msg)
{
	v2x_wire__rsi_in(cv, obs->rsi, &msg->u.rsi);
}

static const obs_in_fn obs_in[V2X_MSG_TYPE_COUNT] = {
	[V2X_MSG_BSM] = bsm_in,   [V2X_MSG_MAP] = map_in, [V2X_MSG_RSM] = rsm_in,
	[V2X_MSG_SPAT] = spat_in, [V2X_MSG_RSI] = rsi_in,
};

int v2x_wire_obs_to_msg(const V2x__Wire__Observation *obs, struct v2x_arena *arena,
                        struct v2x_msg *msg, char *err, size_t errlen)
{
	struct v2x_wire__cv cv = { .arena = arena, .err = err, .errlen = errlen };
	unsigned type = (unsigned)obs->msg_case - OBS_CASE_BASE;

	memset(msg, 0, sizeof(*msg));
	if (err && errlen)
		err[0] = '\0';
	if ((unsigned)obs->msg_case <= OBS_CASE_BASE || type >= V2X_MSG_TYPE_COUNT) {
		v2x_wire__fail(&cv, V2X_EUNSUPPORTED_MSG, "observation holds no message it knows");
		return cv.rc;
	}
	msg->type = (enum v2x_msg_type)type;
	msg->flags = obs->flags;
	obs_in[type](&cv, obs, msg);
	return cv.rc;
}
