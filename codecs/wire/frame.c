#include "codecs/wire/frame.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/compiler.h"

/*
 * Chunk size of the parser's arena.  A rich BSM observation unpacks to about
 * 4 KiB, so most frames take one chunk and the arena of a connection settles
 * at a chunk or two; a bigger request (a raw UPER MAP) gets a chunk of its
 * own that is kept for the next big frame.
 */
#define FRAME_ARENA_CHUNK 16384

/* Records the error that stops p; every later call returns it. */
V2X_PRINTF(3, 4) static int fail(struct v2x_frame_parser *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 reports an uninitialised va_list here when it analyses
	 * several files in one run (its valist checker keeps state across them). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	p->err = err;
	return err;
}

/*
 * Whether the arena refused size bytes because of its limit rather than
 * because malloc failed.  A new chunk is at least FRAME_ARENA_CHUNK bytes.
 */
static bool over_limit(const struct v2x_arena *a, size_t size)
{
	size_t want = size > FRAME_ARENA_CHUNK ? size : FRAME_ARENA_CHUNK;

	return a->limit && (want > a->limit || a->held > a->limit - want);
}

/*
 * protobuf-c's allocations come from the arena, which is reset before each
 * frame: after warm-up, unpacking a frame calls malloc no more.  A refusal
 * at the arena's limit is the frame's fault (too much memory for its size),
 * any other is the system's.
 */
static void *arena_alloc_cb(void *data, size_t size)
{
	struct v2x_frame_parser *p = data;
	void *mem = v2x_arena_alloc(&p->arena, size);

	p->stats.allocs++;
	if (!mem)
		p->alloc_err = over_limit(&p->arena, size) ? V2X_EFRAME_TOO_BIG : V2X_ENOMEM;
	return mem;
}

/* Frees nothing: the whole frame goes at once when the arena is reset. */
static void arena_free_cb(void *data, void *ptr)
{
	(void)data;
	(void)ptr;
}

int v2x_frame_parser_init(struct v2x_frame_parser *p, const struct v2x_frame_limits *limits)
{
	memset(p, 0, sizeof(*p));
	if (limits)
		p->limits = *limits;
	if (!p->limits.max_frame_size)
		p->limits.max_frame_size = V2X_FRAME_DEFAULT_MAX;
	if (!p->limits.max_arena_size)
		p->limits.max_arena_size = V2X_FRAME_DEFAULT_MAX_ARENA;
	v2x_arena_init(&p->arena, FRAME_ARENA_CHUNK, p->limits.max_arena_size);
	p->alloc.alloc = arena_alloc_cb;
	p->alloc.free = arena_free_cb;
	p->alloc.allocator_data = p;
	if (p->limits.max_frame_size > V2X_FRAME_MAX_LIMIT)
		return fail(p, V2X_EINVAL, "maximum frame size %zu above %u",
		            p->limits.max_frame_size, V2X_FRAME_MAX_LIMIT);
	return 0;
}

void v2x_frame_parser_fini(struct v2x_frame_parser *p)
{
	v2x_arena_fini(&p->arena);
	free(p->body);
	p->body = NULL;
	p->body_cap = 0;
}

static void consume(struct v2x_frame_parser *p, const uint8_t **buf, size_t *len, size_t n)
{
	*buf += n;
	*len -= n;
	p->stats.bytes += n;
}

/*
 * Reads bytes of the length prefix.  Returns 0 when the input ran out or
 * the prefix is complete (p->in_body then set), or an error.  The value is
 * checked against the maximum after every byte: later bytes only add
 * higher bits, so a prefix that is already too big fails at once.
 */
static int take_prefix(struct v2x_frame_parser *p, const uint8_t **buf, size_t *len)
{
	while (*len) {
		uint8_t b = **buf;

		consume(p, buf, len, 1);
		/* The tenth byte holds bit 63 only: more is a longer or wider varint. */
		if (p->prefix_len == V2X_FRAME_VARINT_MAX - 1 && b > 1)
			return fail(p, V2X_EFRAME_GARBAGE,
			            "length prefix longer than 10 bytes or above 64 bits");
		p->body_len |= (uint64_t)(b & 0x7f) << (7 * p->prefix_len);
		p->prefix_len++;
		if (p->body_len > p->limits.max_frame_size)
			return fail(p, V2X_EFRAME_TOO_BIG,
			            "frame length %s%llu above the maximum %zu",
			            (b & 0x80) ? "at least " : "", (unsigned long long)p->body_len,
			            p->limits.max_frame_size);
		if (!(b & 0x80)) {
			if (p->body_len == 0)
				return fail(p, V2X_EFRAME_GARBAGE, "zero-length frame");
			p->in_body = true;
			return 0;
		}
	}
	return 0;
}

/* Makes the body buffer hold need bytes; it is empty when this is called. */
static int reserve(struct v2x_frame_parser *p, size_t need)
{
	size_t cap = p->body_cap * 2;

	if (p->body_cap >= need)
		return 0;
	/* Doubling keeps a stream of slowly growing frames from reallocating
	 * each time; the maximum frame size bounds it. */
	if (cap < need)
		cap = need;
	if (cap > p->limits.max_frame_size)
		cap = p->limits.max_frame_size;
	free(p->body);
	p->body_cap = 0;
	p->body = malloc(cap);
	if (!p->body)
		return fail(p, V2X_ENOMEM, "no memory for a frame of %zu bytes", need);
	p->body_cap = cap;
	return 0;
}

/* Largest field number protobuf allows, 2^29 - 1. */
#define FIELD_NUMBER_MAX 536870911u

static bool fields_valid(const ProtobufCMessage *m);

/* Whether the submessages of m in field f hold only valid field numbers. */
static bool submessages_valid(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	const ProtobufCMessage *sub;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		const ProtobufCMessage *const *v =
		        *(const ProtobufCMessage *const *const *)(base + f->offset);
		for (size_t i = 0; i < n; i++)
			if (!fields_valid(v[i]))
				return false;
		return true;
	}
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
		return true;
	sub = *(const ProtobufCMessage *const *)(base + f->offset);
	return !sub || fields_valid(sub);
}

/*
 * Whether m and every message inside it hold only valid field numbers.
 * protobuf-c 1.4.1 keeps, as an unknown field, a field numbered 0 whose tag
 * was sent in more than one byte, and numbers above 2^29 - 1: every other
 * protobuf implementation rejects both, and protobuf-c itself cannot read
 * the first back once it has packed it again.  The walk follows the schema,
 * which has no recursive message, so its depth is bounded.
 */
static bool fields_valid(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0 || m->unknown_fields[i].tag > FIELD_NUMBER_MAX)
			return false;
	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE &&
		    !submessages_valid(m, &d->fields[i]))
			return false;
	return true;
}

static int unpack(struct v2x_frame_parser *p, const uint8_t *data, size_t n,
                  const V2x__Wire__Frame **frame)
{
	V2x__Wire__Frame *f;

	p->in_body = false;
	p->prefix_len = 0;
	p->body_len = 0;
	p->have = 0;
	p->alloc_err = 0;
	f = v2x__wire__frame__unpack(&p->alloc, n, data);
	if (!f && p->alloc_err == V2X_EFRAME_TOO_BIG)
		return fail(p, p->alloc_err, "frame of %zu bytes unpacks to more than %zu bytes", n,
		            p->limits.max_arena_size);
	if (!f && p->alloc_err)
		return fail(p, p->alloc_err, "no memory to unpack a frame of %zu bytes", n);
	if (!f)
		return fail(p, V2X_EFRAME_GARBAGE, "frame of %zu bytes is not a Frame", n);
	if (f->msg_case == V2X__WIRE__FRAME__MSG__NOT_SET)
		return fail(p, V2X_EFRAME_GARBAGE,
		            "frame of %zu bytes holds no message this protocol version knows", n);
	if (!fields_valid(&f->base))
		return fail(p, V2X_EFRAME_GARBAGE, "frame of %zu bytes has an invalid field number",
		            n);
	p->stats.frames++;
	*frame = f;
	return 1;
}

/*
 * Reads body bytes.  A body that is whole in the input is unpacked where it
 * is, without a copy; one that arrives in pieces is gathered in the reused
 * body buffer.  Returns 1 with a frame, 0 when the input ran out, or an error.
 */
static int take_body(struct v2x_frame_parser *p, const uint8_t **buf, size_t *len,
                     const V2x__Wire__Frame **frame)
{
	size_t need = (size_t)p->body_len;
	size_t n;

	if (p->have == 0 && *len >= need) {
		const uint8_t *body = *buf;
		consume(p, buf, len, need);
		return unpack(p, body, need, frame);
	}
	if (p->have == 0 && reserve(p, need) != 0)
		return p->err;
	n = need - p->have < *len ? need - p->have : *len;
	memcpy(p->body + p->have, *buf, n);
	p->have += n;
	consume(p, buf, len, n);
	if (p->have < need)
		return 0;
	p->stats.copied++;
	return unpack(p, p->body, need, frame);
}

int v2x_frame_parser_next(struct v2x_frame_parser *p, const uint8_t **buf, size_t *len,
                          const V2x__Wire__Frame **frame)
{
	*frame = NULL;
	if (p->err)
		return p->err;
	/* The previous frame's memory goes now, not when it was returned, so
	 * that it stays valid until this call. */
	v2x_arena_reset(&p->arena);
	while (*len) {
		int rc = p->in_body ? take_body(p, buf, len, frame) : take_prefix(p, buf, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int v2x_frame_parser_finish(struct v2x_frame_parser *p)
{
	if (p->err)
		return p->err;
	if (p->in_body)
		return fail(p, V2X_ETRUNCATED, "stream ended %llu bytes into a frame of %llu",
		            (unsigned long long)p->have, (unsigned long long)p->body_len);
	if (p->prefix_len)
		return fail(p, V2X_ETRUNCATED, "stream ended inside a length prefix");
	return 0;
}

const char *v2x_frame_parser_error(const struct v2x_frame_parser *p)
{
	return p->err ? p->detail : "";
}

struct v2x_frame_parser_stats v2x_frame_parser_stats(const struct v2x_frame_parser *p)
{
	struct v2x_frame_parser_stats s = p->stats;

	s.body_capacity = p->body_cap;
	s.arena_held = p->arena.held;
	return s;
}

size_t v2x_frame_put_varint(uint8_t *buf, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		buf[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	buf[n++] = (uint8_t)v;
	return n;
}

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t v2x_frame_size(const V2x__Wire__Frame *frame)
{
	size_t body = protobuf_c_message_get_packed_size(&frame->base);

	return varint_size(body) + body;
}

int v2x_frame_encode(const V2x__Wire__Frame *frame, uint8_t *buf, size_t cap, size_t *len)
{
	size_t body, prefix;

	*len = 0;
	/* Every alternative is a message pointer in the same union, and
	 * protobuf-c silently skips a NULL one: the peer would get an empty
	 * frame and close. */
	if (frame->msg_case == V2X__WIRE__FRAME__MSG__NOT_SET || !frame->hello)
		return V2X_EINVAL;
	body = protobuf_c_message_get_packed_size(&frame->base);
	prefix = varint_size(body);
	*len = prefix + body;
	if (*len > cap)
		return V2X_ETOO_BIG;
	v2x_frame_put_varint(buf, body);
	protobuf_c_message_pack(&frame->base, buf + prefix);
	return 0;
}

void v2x_frame_heartbeat(V2x__Wire__Frame *f, V2x__Wire__Heartbeat *hb, uint64_t send_time_us,
                         uint64_t echo_us)
{
	v2x__wire__heartbeat__init(hb);
	v2x__wire__frame__init(f);
	hb->has_send_time_us = 1;
	hb->send_time_us = send_time_us;
	hb->has_echo_send_time_us = echo_us != 0;
	hb->echo_send_time_us = echo_us;
	f->msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f->heartbeat = hb;
}

void v2x_frame_hello(V2x__Wire__Frame *f, V2x__Wire__Hello *h, V2x__Wire__Role role, char *id,
                     uint8_t *cred, size_t cred_len)
{
	v2x__wire__hello__init(h);
	v2x__wire__frame__init(f);
	h->has_role = 1;
	h->role = role;
	h->id = id;
	h->has_credential = cred != NULL;
	h->credential = (ProtobufCBinaryData){ cred ? cred_len : 0, cred };
	h->has_protocol_version = 1;
	h->protocol_version = V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	f->msg_case = V2X__WIRE__FRAME__MSG_HELLO;
	f->hello = h;
}
