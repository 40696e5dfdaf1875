/*
 * uperdiff-helper: the C side of the differential test of the project's
 * UPER codec against Erlang/OTP's asn1 application; uperdiff.escript
 * drives it.  Every line it writes is one Erlang term (eterm.h), so that
 * the driver reads it with erl_scan/erl_parse.
 *
 *   uperdiff-helper decode IN OUT
 *       IN holds MessageFrames in hex, one per line (Erlang encoded them).
 *       asn1c decodes each (uper_decode_complete, as the codec does inside)
 *       and the codec round-trips it (v2x_codec_decode, v2x_codec_encode).
 *       OUT gets, per line of IN:
 *         {ok, Term}.                 asn1c decoded Term; the codec gave
 *                                     back the same bytes
 *         {reencoded, "Hex", Term}.   the codec gave other bytes, Hex
 *         {codec_error, "Why", Term}. the codec failed
 *         {asn1c_error, "Why"}.       asn1c's decoder failed
 *
 *   uperdiff-helper generate SEED COUNT OUT
 *       Makes COUNT random MessageFrames (randval.h) of each of the five
 *       Day-1 types, encodes each with asn1c (uper_encode_to_buffer), and
 *       round-trips that through the codec.  OUT gets, per value:
 *         {ok, Alt, "Hex", Term}.     Hex is what v2x_codec_encode gave,
 *                                     identical to asn1c's encoding of Term
 *         {reencoded, Alt, "AsnHex", "CodecHex", Term}.
 *         {codec_error, Alt, "AsnHex", "Why", Term}.
 *         {asn1c_error, Alt, "Why", Term}.  asn1c refused the value (a
 *                                     fault of the generator)
 *       Alt is the MessageFrame alternative ('bsmFrame', ...).
 *
 * Exit status: 0 when every line was written (telling equal from different
 * is the driver's job), 1 on an I/O or memory failure, 2 on bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "MessageFrame.h"
#include "per_decoder.h"
#include "per_encoder.h"

#include "codecs/codec.h"
#include "codecs/hexline.h"
#include "runtime/err.h"
#include "tests/erlang/eterm.h"
#include "tests/erlang/randval.h"

/* Room for any encoding: larger than the codec's input limit, so that a
 * value too large for the codec is reported by the codec, not cut here. */
#define BUF_MAX (4 * V2X_CODEC_DEFAULT_MAX_MSG)

/* The five Day-1 alternatives of MessageFrame are its root. */
#define DAY1_ALTERNATIVES 5

struct helper {
	struct v2x_codec *codec;
	FILE *out;
	uint8_t in[BUF_MAX];  /* the bytes under test */
	uint8_t enc[BUF_MAX]; /* the codec's re-encoding */
	size_t enc_len;
};

/* Writes s as an Erlang string literal. */
static void print_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s < 0x20)
			fprintf(out, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_codec_error(struct helper *h, int err)
{
	char why[400];

	snprintf(why, sizeof(why), "%s: %s", v2x_err_name(err), v2x_codec_error(h->codec));
	print_str(h->out, why);
}

/* Decodes in[0..len) into the normalised model and encodes that into
 * h->enc.  Returns 0 or the codec's error. */
static int codec_roundtrip(struct helper *h, size_t len)
{
	const struct v2x_msg *msg;
	int err = v2x_codec_decode(h->codec, h->in, len, &msg);

	if (err)
		return err;
	return v2x_codec_encode(h->codec, msg, h->enc, sizeof(h->enc), &h->enc_len);
}

static bool same_bytes(const struct helper *h, size_t len)
{
	return h->enc_len == len && memcmp(h->enc, h->in, len) == 0;
}

/* ---- decode ------------------------------------------------------------- */

static void decode_one(struct helper *h, size_t len)
{
	MessageFrame_t *mf = NULL;
	asn_codec_ctx_t ctx = { 0 };
	asn_dec_rval_t rv =
	        uper_decode_complete(&ctx, &asn_DEF_MessageFrame, (void **)&mf, h->in, len);
	int err;

	if (rv.code != RC_OK) {
		fprintf(h->out,
		        "{asn1c_error,\"uper_decode_complete: code %d after %zu bytes\"}.\n",
		        (int)rv.code, rv.consumed);
		ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
		return;
	}
	err = codec_roundtrip(h, len);
	if (err) {
		fputs("{codec_error,", h->out);
		print_codec_error(h, err);
	} else if (!same_bytes(h, len)) {
		fputs("{reencoded,", h->out);
		eterm_print_hex(h->out, h->enc, h->enc_len);
	} else {
		fputs("{ok", h->out);
	}
	fputc(',', h->out);
	eterm_print(h->out, &asn_DEF_MessageFrame, mf);
	fputs("}.\n", h->out);
	ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
}

static int run_decode(struct helper *h, FILE *in)
{
	char *line = NULL, err[128];
	size_t cap = 0, len;
	int rc = 0;

	while (getline(&line, &cap, in) > 0) {
		int prc = v2x_hexline_parse(line, h->in, sizeof(h->in), &len, err, sizeof(err));

		if (prc == 1)
			continue;
		if (prc < 0) {
			fprintf(stderr, "uperdiff-helper: bad hex line: %s\n", err);
			rc = 1;
			break;
		}
		decode_one(h, len);
	}
	free(line);
	return rc;
}

/* ---- generate ----------------------------------------------------------- */

/* Writes the line of a value that asn1c encoded into h->in[0..len). */
static void report_generated(struct helper *h, const char *alt, size_t len)
{
	int err = codec_roundtrip(h, len);

	if (err) {
		fprintf(h->out, "{codec_error,'%s',", alt);
		eterm_print_hex(h->out, h->in, len);
		fputc(',', h->out);
		print_codec_error(h, err);
	} else if (!same_bytes(h, len)) {
		fprintf(h->out, "{reencoded,'%s',", alt);
		eterm_print_hex(h->out, h->in, len);
		fputc(',', h->out);
		eterm_print_hex(h->out, h->enc, h->enc_len);
	} else {
		fprintf(h->out, "{ok,'%s',", alt);
		eterm_print_hex(h->out, h->enc, h->enc_len);
	}
}

static int generate_one(struct helper *h, struct randval *r, int alt)
{
	const char *name = asn_DEF_MessageFrame.elements[alt - 1].name;
	MessageFrame_t *mf = calloc(1, sizeof(*mf));
	asn_enc_rval_t er;
	int rc = -1;

	if (!mf)
		return -1;
	if (randval_fill_choice(r, &asn_DEF_MessageFrame, alt, mf, RANDVAL_TOP_BUDGET))
		goto out;
	er = uper_encode_to_buffer(&asn_DEF_MessageFrame, mf, h->in, sizeof(h->in));
	if (er.encoded < 0)
		fprintf(h->out, "{asn1c_error,'%s',\"uper_encode_to_buffer failed at %s\"", name,
		        er.failed_type ? er.failed_type->name : "?");
	else
		/* X.691 11.1: a complete encoding has at least one octet; a
		 * MessageFrame always has more. */
		report_generated(h, name, ((size_t)er.encoded + 7) / 8);
	fputc(',', h->out);
	eterm_print(h->out, &asn_DEF_MessageFrame, mf);
	fputs("}.\n", h->out);
	rc = 0;
out:
	ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
	return rc;
}

static int run_generate(struct helper *h, uint64_t seed, long count)
{
	struct randval r;

	randval_init(&r, seed);
	for (int alt = 1; alt <= DAY1_ALTERNATIVES; alt++) {
		for (long i = 0; i < count; i++) {
			if (generate_one(h, &r, alt)) {
				fprintf(stderr, "uperdiff-helper: cannot make a random %s\n",
				        asn_DEF_MessageFrame.elements[alt - 1].name);
				return 1;
			}
		}
	}
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno == 0 && *s && !*end;
}

static FILE *open_file(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);

	if (!f)
		fprintf(stderr, "uperdiff-helper: %s: %s\n", path, strerror(errno));
	return f;
}

static int cmd_decode(struct helper *h, const char *path)
{
	FILE *in = open_file(path, "r");
	int rc;

	if (!in)
		return 1;
	rc = run_decode(h, in);
	fclose(in);
	return rc;
}

static int cmd_generate(struct helper *h, const char *seed_arg, const char *count_arg)
{
	uint64_t seed, count;

	if (!parse_u64(seed_arg, &seed) || !parse_u64(count_arg, &count) || count > LONG_MAX) {
		fprintf(stderr, "uperdiff-helper: bad SEED or COUNT\n");
		return 2;
	}
	return run_generate(h, seed, (long)count);
}

static bool valid_usage(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "decode") == 0)
		return true;
	return argc == 5 && strcmp(argv[1], "generate") == 0;
}

int main(int argc, char **argv)
{
	struct helper *h = NULL;
	int rc = 1;

	if (!valid_usage(argc, argv)) {
		fputs("usage: uperdiff-helper decode IN OUT\n"
		      "       uperdiff-helper generate SEED COUNT OUT\n",
		      stderr);
		return 2;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->codec = v2x_codec_new(NULL))) {
		fputs("uperdiff-helper: out of memory\n", stderr);
		goto out;
	}
	h->out = open_file(argv[argc - 1], "w");
	if (!h->out)
		goto out;
	if (strcmp(argv[1], "decode") == 0)
		rc = cmd_decode(h, argv[2]);
	else
		rc = cmd_generate(h, argv[2], argv[3]);
	if (fclose(h->out) != 0 && rc == 0) {
		fprintf(stderr, "uperdiff-helper: %s: %s\n", argv[argc - 1], strerror(errno));
		rc = 1;
	}
out:
	if (h)
		v2x_codec_free(h->codec);
	free(h);
	return rc;
}
