/* v2x-codec decode: UPER in, one JSON object per message out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/hexline.h"
#include "codecs/msgjson.h"
#include "codecs/tool/tool.h"
#include "runtime/err.h"

static const char usage[] =
        "usage: v2x-codec decode [FILE...]\n\n"
        "Decodes each FILE as one binary UPER MessageFrame, or, without FILE, each line\n"
        "of standard input as one MessageFrame in hex ('#' lines and blank lines are\n"
        "skipped).  Prints one JSON object per message on standard output, with the\n"
        "normalised fields in SI units (see docs/codec.md), and \"file\" or \"line\" to\n"
        "say where it came from.  A message that cannot be decoded gives an object with\n"
        "\"error\" on standard output and a message on standard error.\n\n"
        "exit status: 0 all decoded, 1 some failed, 2 bad usage\n";

/* Decodes one message and prints it, or its error. */
static int decode_one(struct v2x_codec *codec, const uint8_t *buf, size_t len, const char *file,
                      long line)
{
	const struct v2x_msg *msg;
	int err = v2x_codec_decode(codec, buf, len, &msg);
	json_t *j;

	if (err == 0)
		return tool_print_json(stdout, msg, file ? "file" : "line", file, line) ? 1 : 0;
	if (file)
		fprintf(stderr, "v2x-codec: %s: %s: %s\n", file, v2x_err_name(err),
		        v2x_codec_error(codec));
	else
		fprintf(stderr, "v2x-codec: line %ld: %s: %s\n", line, v2x_err_name(err),
		        v2x_codec_error(codec));
	j = json_pack("{s:s, s:s}", "error", v2x_err_name(err), "message", v2x_codec_error(codec));
	if (file)
		json_object_set_new(j, "file", json_string(file));
	else
		json_object_set_new(j, "line", json_integer(line));
	json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
	return 1;
}

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "v2x-codec: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*len = fread(buf, 1, cap, f);
	if (ferror(f)) {
		fprintf(stderr, "v2x-codec: %s: read error\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int decode_files(struct v2x_codec *codec, int argc, char **argv)
{
	/* One byte more than the codec takes, so it reports an oversized
	 * file as such rather than decoding its first part. */
	size_t cap = V2X_CODEC_DEFAULT_MAX_MSG + 1, len;
	uint8_t *buf = malloc(cap);
	int failed = 0;

	if (!buf)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (read_file(argv[i], buf, cap, &len) != 0)
			failed = 1;
		else
			failed |= decode_one(codec, buf, len, argv[i], 0);
	}
	free(buf);
	return failed;
}

static int decode_lines(struct v2x_codec *codec)
{
	size_t cap = V2X_CODEC_DEFAULT_MAX_MSG + 1, len, lcap = 0;
	uint8_t *buf = malloc(cap);
	char *line = NULL, err[128];
	int failed = 0;

	for (long n = 1; buf && tool_getline(stdin, &line, &lcap); n++) {
		int rc = v2x_hexline_parse(line, buf, cap, &len, err, sizeof(err));
		if (rc == 1)
			continue;
		if (rc < 0) {
			fprintf(stderr, "v2x-codec: line %ld: %s\n", n, err);
			failed = 1;
			continue;
		}
		failed |= decode_one(codec, buf, len, NULL, n);
	}
	free(line);
	free(buf);
	return buf ? failed : 1;
}

int tool_decode(int argc, char **argv)
{
	struct v2x_codec *codec;
	int rc;

	if (tool_wants_help(argc, argv, usage))
		return 0;
	codec = v2x_codec_new(NULL);
	if (!codec) {
		fprintf(stderr, "v2x-codec: out of memory\n");
		return 1;
	}
	rc = argc > 1 ? decode_files(codec, argc, argv) : decode_lines(codec);
	v2x_codec_free(codec);
	return rc;
}
