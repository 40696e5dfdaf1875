/*
 * fuzz_uper: the libFuzzer target of the codec's untrusted entry point,
 * v2x_codec_decode, driven the way a receiver drives it: decode a datagram,
 * print it as JSON, encode it again.
 *
 * Beyond "no crash, no sanitizer report" it checks what the rest of the
 * system relies on, and aborts when a check fails:
 * - every call is counted once, and a failure has a documented code and a
 *   message;
 * - whatever decoded encodes again (only a value of a newer schema, or a bit
 *   string cut to 64 bits, may make that fail, with V2X_ERANGE);
 * - the encoding decodes to the same normalised message (compared as JSON,
 *   which prints every field), and encoding that gives the same bytes;
 * - the JSON text of the message, read back as `v2x-codec encode` reads it,
 *   encodes to the same bytes.
 * The input bytes themselves need not come back: padding bits and skipped
 * extensions are not kept.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/msgjson.h"
#include "runtime/arena.h"
#include "runtime/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for an encoding larger than any input the codec accepts, so that a
 * re-encoding that grows shows up as a failed check, not as ETOO_BIG. */
#define OUT_CAP ((size_t)2 * V2X_CODEC_DEFAULT_MAX_MSG)

/* Flags under which encoding a decoded message may fail. */
#define MAY_NOT_ENCODE (V2X_MSG_F_UNRECOGNISED_VALUE | V2X_MSG_F_BITS_CUT)

struct fuzz {
	struct v2x_codec *codec;
	struct v2x_arena arena; /* lists of the message read back from JSON */
	uint64_t calls;         /* decode calls, to check the counters */
	const uint8_t *in;      /* the input, for the report of a failure */
	size_t in_len;
	uint8_t out[OUT_CAP];
	uint8_t again[OUT_CAP];
};

static void print_hex(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s (%zu bytes): ", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

__attribute__((noreturn, format(printf, 2, 3))) static void fail(const struct fuzz *f,
                                                                 const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_uper: check failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ncodec error: \"%s\"\n", v2x_codec_error(f->codec));
	print_hex("input", f->in, f->in_len);
	abort();
}

/* The fuzzer calls the target with no context, and the codec must live
 * across inputs (as in the agent) so that its arena's reuse is fuzzed too:
 * hence one static instance, never freed. */
static struct fuzz *fuzz_get(void)
{
	static struct fuzz *f;

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->codec = v2x_codec_new(NULL)))
		abort();
	v2x_arena_init(&f->arena, 16384, V2X_CODEC_DEFAULT_MAX_ARENA);
	return f;
}

static uint64_t sum(const uint64_t *v, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

static bool documented_decode_error(int err)
{
	return err == V2X_ETOO_BIG || err == V2X_ETRUNCATED || err == V2X_EMALFORMED ||
	       err == V2X_ETRAILING || err == V2X_EUNSUPPORTED_MSG || err == V2X_ENOMEM;
}

/* Every decode is counted once, as a type or as an error. */
static void check_outcome(struct fuzz *f, int err)
{
	const struct v2x_codec_stats *s = v2x_codec_stats(f->codec);
	uint64_t counted =
	        sum(s->decoded, V2X_MSG_TYPE_COUNT) + sum(s->decode_errors, V2X_ERR_COUNT);

	if (counted != ++f->calls)
		fail(f, "%llu decode calls but %llu counted", (unsigned long long)f->calls,
		     (unsigned long long)counted);
	if (err && !documented_decode_error(err))
		fail(f, "decode failed with %s, not a documented error", v2x_err_name(err));
	if (err && v2x_codec_error(f->codec)[0] == '\0')
		fail(f, "decode failed with %s but without a message", v2x_err_name(err));
	if (!err && v2x_codec_error(f->codec)[0] != '\0')
		fail(f, "decode succeeded but left an error message");
}

static void check_same_bytes(const struct fuzz *f, const char *what, const uint8_t *p, size_t len,
                             size_t want)
{
	if (len != want || memcmp(p, f->out, len) != 0) {
		print_hex("first encoding", f->out, want);
		print_hex(what, p, len);
		fail(f, "%s differs from the first encoding", what);
	}
}

static void check_same_json(const struct fuzz *f, const json_t *a, const json_t *b,
                            const char *type)
{
	json_t *body_a = json_object_get(a, type), *body_b = json_object_get(b, type);
	char *ta, *tb;

	if (json_equal(body_a, body_b))
		return;
	ta = json_dumps(body_a, JSON_COMPACT | JSON_SORT_KEYS);
	tb = json_dumps(body_b, JSON_COMPACT | JSON_SORT_KEYS);
	fprintf(stderr, "decoded:    %s\nre-decoded: %s\n", ta ? ta : "?", tb ? tb : "?");
	free(ta);
	free(tb);
	fail(f, "the re-encoded %s decodes to a different message", type);
}

/*
 * Decodes the first encoding (f->out[0..len)) again: the same message must
 * come back, and encode to the same bytes.  j1 is the JSON of the first
 * decode; the skipped extensions and cut bits it had are gone now.
 */
static void check_redecode(struct fuzz *f, const json_t *j1, enum v2x_msg_type type, uint32_t flags,
                           size_t len)
{
	const char *name = v2x_msg_type_name(type);
	const struct v2x_msg *m;
	size_t len2;
	json_t *j2;
	int err = v2x_codec_decode(f->codec, f->out, len, &m);

	check_outcome(f, err);
	if (err)
		fail(f, "the re-encoded %s does not decode: %s", name, v2x_err_name(err));
	if (m->type != type || m->flags != (flags & V2X_MSG_F_UNRECOGNISED_VALUE))
		fail(f, "re-decoded as %s with flags %#x, not %s with %#x",
		     v2x_msg_type_name(m->type), (unsigned)m->flags, name,
		     (unsigned)(flags & V2X_MSG_F_UNRECOGNISED_VALUE));
	j2 = v2x_msg_to_json(m);
	if (!j2)
		fail(f, "v2x_msg_to_json failed on the re-decoded %s", name);
	check_same_json(f, j1, j2, name);
	json_decref(j2);
	err = v2x_codec_encode(f->codec, m, f->again, OUT_CAP, &len2);
	if (err)
		fail(f, "the re-decoded %s does not encode: %s", name, v2x_err_name(err));
	check_same_bytes(f, "second encoding", f->again, len2, len);
}

/*
 * Reads the JSON text back as `v2x-codec encode` does and encodes it.  NUL
 * is an IA5 character, so a description may hold one: JSON_ALLOW_NUL lets
 * it through (the tool's json_loads must allow it as well).
 */
static void check_json_text(struct fuzz *f, const json_t *j1, size_t len)
{
	char *text = json_dumps(j1, JSON_COMPACT);
	json_t *j = text ? json_loads(text, JSON_ALLOW_NUL, NULL) : NULL;
	struct v2x_msg m;
	char err[256];
	size_t len2;
	int rc;

	if (!j)
		fail(f, "the JSON text does not parse: %s", text ? text : "(dump failed)");
	v2x_arena_reset(&f->arena);
	rc = v2x_msg_from_json(j, &m, &f->arena, err, sizeof(err));
	if (rc)
		fail(f, "the JSON of a decoded message is refused: %s\n%s", err, text);
	json_decref(j);
	free(text);
	rc = v2x_codec_encode(f->codec, &m, f->again, OUT_CAP, &len2);
	if (rc)
		fail(f, "the message read from JSON does not encode: %s", v2x_err_name(rc));
	check_same_bytes(f, "encoding of the JSON", f->again, len2, len);
}

static void check_decoded(struct fuzz *f, const struct v2x_msg *m)
{
	enum v2x_msg_type type = m->type;
	uint32_t flags = m->flags;
	json_t *j1 = v2x_msg_to_json(m);
	size_t len;
	int err;

	if (!j1)
		fail(f, "v2x_msg_to_json failed on a decoded %s", v2x_msg_type_name(type));
	err = v2x_codec_encode(f->codec, m, f->out, OUT_CAP, &len);
	if (err == V2X_ERANGE && (flags & MAY_NOT_ENCODE) && v2x_codec_error(f->codec)[0]) {
		json_decref(j1);
		return;
	}
	if (err)
		fail(f, "a decoded %s (flags %#x) does not encode: %s", v2x_msg_type_name(type),
		     (unsigned)flags, v2x_err_name(err));
	check_redecode(f, j1, type, flags, len);
	check_json_text(f, j1, len);
	json_decref(j1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = fuzz_get();
	const struct v2x_msg *m;
	int err;

	f->in = data;
	f->in_len = size;
	err = v2x_codec_decode(f->codec, data, size, &m);
	check_outcome(f, err);
	if (!err)
		check_decoded(f, m);
	return 0;
}
