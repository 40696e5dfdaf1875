#include <string.h>

#include "codecs/msgjson.h"
#include "codecs/tool/tool.h"
#include "runtime/err.h"

int tool_wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		}
	}
	return 0;
}

char *tool_getline(FILE *in, char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, in);

	if (n < 0)
		return NULL;
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
		(*buf)[--n] = '\0';
	return *buf;
}

int tool_print_json(FILE *out, const struct v2x_msg *msg, const char *src_key, const char *src,
                    long line)
{
	json_t *j = v2x_msg_to_json(msg);

	if (!j)
		return V2X_ENOMEM;
	if (src)
		json_object_set_new(j, src_key, json_string(src));
	else
		json_object_set_new(j, src_key, json_integer(line));
	/* 15 significant digits: more than every unit of the schema needs, and
	 * short enough that 39.9764645 prints as such. */
	json_dumpf(j, out, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(j);
	return 0;
}
