/* v2x-codec encode: JSON lines in, hex UPER lines out. */
#include <stdlib.h>
#include <string.h>

#include "codecs/hexline.h"
#include "codecs/msgjson.h"
#include "codecs/tool/tool.h"
#include "runtime/err.h"

static const char usage[] =
        "usage: v2x-codec encode\n\n"
        "Reads messages from standard input, one JSON object per line in the form\n"
        "'v2x-codec decode' prints (docs/codec.md describes every field), and prints\n"
        "each one's UPER MessageFrame as a line of hex.  Blank lines are skipped.  A\n"
        "message that cannot be encoded prints an empty line on standard output, to\n"
        "keep lines aligned, and says what was wrong on standard error.\n\n"
        "exit status: 0 all encoded, 1 some failed, 2 bad usage\n";

struct encoder {
	struct v2x_codec *codec;
	struct v2x_arena arena; /* lists of the message being encoded */
	uint8_t *buf;
	char *hex;
};

static int encode_line(struct encoder *e, const char *line, long n)
{
	json_error_t jerr;
	struct v2x_msg msg;
	char err[256];
	size_t len;
	/* IA5 descriptions may hold NUL, which decode prints as \u0000. */
	json_t *j = json_loads(line, JSON_ALLOW_NUL, &jerr);
	int rc;

	if (!j) {
		fprintf(stderr, "v2x-codec: line %ld, column %d: %s\n", n, jerr.column, jerr.text);
		return 1;
	}
	v2x_arena_reset(&e->arena);
	rc = v2x_msg_from_json(j, &msg, &e->arena, err, sizeof(err));
	json_decref(j);
	if (rc) {
		fprintf(stderr, "v2x-codec: line %ld: %s\n", n, err);
		return 1;
	}
	rc = v2x_codec_encode(e->codec, &msg, e->buf, V2X_CODEC_DEFAULT_MAX_MSG, &len);
	if (rc) {
		fprintf(stderr, "v2x-codec: line %ld: %s: %s\n", n, v2x_err_name(rc),
		        v2x_codec_error(e->codec));
		return 1;
	}
	v2x_hexline_format(e->buf, len, e->hex);
	puts(e->hex);
	return 0;
}

int tool_encode(int argc, char **argv)
{
	struct encoder e = { 0 };
	char *line = NULL;
	size_t lcap = 0;
	int failed = 0;

	if (tool_wants_help(argc, argv, usage))
		return 0;
	if (argc > 1) {
		fprintf(stderr, "v2x-codec encode: takes no arguments (reads standard input)\n");
		return 2;
	}
	e.codec = v2x_codec_new(NULL);
	e.buf = malloc(V2X_CODEC_DEFAULT_MAX_MSG);
	e.hex = malloc(2 * V2X_CODEC_DEFAULT_MAX_MSG + 1);
	v2x_arena_init(&e.arena, 16384, V2X_CODEC_DEFAULT_MAX_ARENA);
	for (long n = 1; e.codec && e.buf && e.hex && tool_getline(stdin, &line, &lcap); n++) {
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (encode_line(&e, line, n)) {
			failed = 1;
			puts("");
		}
	}
	if (!e.codec || !e.buf || !e.hex)
		failed = 1;
	free(line);
	free(e.buf);
	free(e.hex);
	v2x_arena_fini(&e.arena);
	v2x_codec_free(e.codec);
	return failed;
}
