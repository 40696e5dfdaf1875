/*
 * fuzz_json: the libFuzzer target of the codec's other untrusted input,
 * the JSON that `v2x-codec encode` reads: JSON text in, v2x_msg_from_json,
 * v2x_codec_encode, as the tool does them.
 *
 * Beyond "no crash, no sanitizer report" it aborts when:
 * - parsing or encoding fails with an undocumented code or no message;
 * - a message that parsed cannot be printed as JSON again;
 * - an encoding fails as "too big" although it fits a larger buffer or not,
 *   whichever the codec claimed;
 * - what encoded does not decode, or does not encode to the same bytes
 *   again (the values read from JSON may be rounded by the first encoding,
 *   but only once).
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

/* The tool's buffer, and a larger one to tell "too big" from other
 * failures of the encoder. */
#define OUT_CAP   V2X_CODEC_DEFAULT_MAX_MSG
#define LARGE_CAP ((size_t)64 * V2X_CODEC_DEFAULT_MAX_MSG)

struct fuzz {
	struct v2x_codec *codec;
	struct v2x_arena arena; /* lists of the message read from JSON */
	const uint8_t *in;      /* the input, for the report of a failure */
	size_t in_len;
	uint8_t out[OUT_CAP];
	uint8_t again[LARGE_CAP];
};

__attribute__((noreturn, format(printf, 2, 3))) static void fail(const struct fuzz *f,
                                                                 const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_json: check failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ncodec error: \"%s\"\ninput (%zu bytes): %.*s\n",
	        v2x_codec_error(f->codec), f->in_len, (int)f->in_len, (const char *)f->in);
	abort();
}

/* The fuzzer calls the target with no context, and the codec lives across
 * inputs as in the tool: hence one static instance, never freed. */
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

/*
 * A message that does not fit OUT_CAP must fit the larger buffer, unless
 * it is larger still: either way the encoder must say the same thing twice
 * for the same message.
 */
static void check_too_big(struct fuzz *f, const struct v2x_msg *m)
{
	size_t len;
	int err = v2x_codec_encode(f->codec, m, f->again, LARGE_CAP, &len);

	if (err == V2X_OK && len > OUT_CAP)
		return;
	if (err == V2X_ETOO_BIG)
		fail(f,
		     "encoding fails as too big for %zu bytes as well: a refused value "
		     "reported as a small buffer?",
		     LARGE_CAP);
	fail(f, "too big for %d bytes, then %s (%zu bytes) with %zu", OUT_CAP, v2x_err_name(err),
	     len, LARGE_CAP);
}

/* What encoded decodes, and its decoding encodes to the same bytes. */
static void check_encoding(struct fuzz *f, size_t len)
{
	const struct v2x_msg *m;
	size_t len2;
	int err = v2x_codec_decode(f->codec, f->out, len, &m);

	if (err)
		fail(f, "the encoding (%zu bytes) does not decode: %s", len, v2x_err_name(err));
	err = v2x_codec_encode(f->codec, m, f->again, LARGE_CAP, &len2);
	if (err)
		fail(f, "the decoded encoding does not encode: %s", v2x_err_name(err));
	if (len2 != len || memcmp(f->again, f->out, len) != 0)
		fail(f, "encode(decode(encode(json))) differs from encode(json)");
}

static void check_message(struct fuzz *f, const struct v2x_msg *m)
{
	json_t *j = v2x_msg_to_json(m);
	size_t len;
	int err;

	if (!j)
		fail(f, "a message read from JSON cannot be printed as JSON");
	json_decref(j);
	err = v2x_codec_encode(f->codec, m, f->out, OUT_CAP, &len);
	if (err && v2x_codec_error(f->codec)[0] == '\0')
		fail(f, "encode failed with %s but without a message", v2x_err_name(err));
	if (err == V2X_ETOO_BIG)
		check_too_big(f, m);
	else if (err == V2X_OK)
		check_encoding(f, len);
	else if (err != V2X_ERANGE && err != V2X_ENOMEM)
		fail(f, "encode failed with %s, not a documented error", v2x_err_name(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = fuzz_get();
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct v2x_msg m;
	char err[256] = "";
	int rc;

	f->in = data;
	f->in_len = size;
	if (!j)
		return 0;
	v2x_arena_reset(&f->arena);
	rc = v2x_msg_from_json(j, &m, &f->arena, err, sizeof(err));
	json_decref(j);
	if (rc && ((rc != V2X_EPARSE && rc != V2X_ENOMEM) || err[0] == '\0'))
		fail(f, "v2x_msg_from_json failed with %s, message \"%s\"", v2x_err_name(rc), err);
	if (!rc)
		check_message(f, &m);
	return 0;
}
