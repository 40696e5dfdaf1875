/* v2x-codec roundtrip: decode, re-encode from the normalised message, and
 * compare the bytes. */
#include <stdlib.h>
#include <string.h>

#include "codecs/hexline.h"
#include "codecs/tool/tool.h"
#include "runtime/err.h"

static const char usage[] =
        "usage: v2x-codec roundtrip\n\n"
        "Reads MessageFrames in hex, one per line, from standard input ('#' lines and\n"
        "blank lines are skipped).  Decodes each into the normalised message, encodes\n"
        "that again and compares the bytes.  Prints one line per message, starting\n"
        "'ok', 'mismatch' or 'error: <reason>', then 'N ok, N mismatch, N error'.\n\n"
        "exit status: 0 when every message is ok, 1 otherwise, 2 bad usage\n";

struct tally {
	long ok, mismatch, error;
};

static size_t first_difference(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t i = 0;

	while (i < na && i < nb && a[i] == b[i])
		i++;
	return i;
}

static void roundtrip_one(struct v2x_codec *codec, const uint8_t *in, size_t len, uint8_t *out,
                          long line, struct tally *t)
{
	const struct v2x_msg *msg;
	size_t olen;
	int err = v2x_codec_decode(codec, in, len, &msg);

	if (!err)
		err = v2x_codec_encode(codec, msg, out, V2X_CODEC_DEFAULT_MAX_MSG, &olen);
	if (err) {
		printf("error: %s: %s (line %ld)\n", v2x_err_name(err), v2x_codec_error(codec),
		       line);
		t->error++;
	} else if (olen != len || memcmp(in, out, len) != 0) {
		printf("mismatch line %ld: %s, %zu bytes in, %zu bytes out, first difference at "
		       "byte %zu%s\n",
		       line, v2x_msg_type_name(msg->type), len, olen,
		       first_difference(in, len, out, olen),
		       msg->flags & V2X_MSG_F_SKIPPED_EXTENSION
		               ? " (an extension of a newer schema was skipped)"
		               : "");
		t->mismatch++;
	} else {
		printf("ok line %ld: %s, %zu bytes\n", line, v2x_msg_type_name(msg->type), len);
		t->ok++;
	}
}

int tool_roundtrip(int argc, char **argv)
{
	struct v2x_codec *codec;
	struct tally t = { 0, 0, 0 };
	size_t cap = V2X_CODEC_DEFAULT_MAX_MSG + 1, len, lcap = 0;
	uint8_t *in, *out;
	char *line = NULL, err[128];

	if (tool_wants_help(argc, argv, usage))
		return 0;
	if (argc > 1) {
		fprintf(stderr, "v2x-codec roundtrip: takes no arguments (reads standard input)\n");
		return 2;
	}
	in = malloc(cap);
	out = malloc(cap);
	codec = v2x_codec_new(NULL);
	for (long n = 1; codec && in && out && tool_getline(stdin, &line, &lcap); n++) {
		int rc = v2x_hexline_parse(line, in, cap, &len, err, sizeof(err));
		if (rc == 1)
			continue;
		if (rc < 0) {
			printf("error: %s: %s (line %ld)\n", v2x_err_name(rc), err, n);
			t.error++;
			continue;
		}
		roundtrip_one(codec, in, len, out, n, &t);
	}
	if (!codec || !in || !out)
		t.error++;
	printf("%ld ok, %ld mismatch, %ld error\n", t.ok, t.mismatch, t.error);
	free(line);
	free(in);
	free(out);
	v2x_codec_free(codec);
	return t.mismatch || t.error ? 1 : 0;
}
