/* The subcommands of v2x-codec (see main.c for the command table). */
#ifndef V2X_CODECS_TOOL_H
#define V2X_CODECS_TOOL_H

#include <stdio.h>

#include "codecs/codec.h"

/* Each returns the process exit status: 0 success, 1 some input failed,
 * 2 bad usage. */
int tool_decode(int argc, char **argv);
int tool_encode(int argc, char **argv);
int tool_roundtrip(int argc, char **argv);
int tool_demo(int argc, char **argv);

/* Whether argv[1..] asks for help; prints usage to stdout if so. */
int tool_wants_help(int argc, char **argv, const char *usage);

/* Reads one line of any length; returns NULL at the end of input.  The
 * buffer is reused across calls (*buf, *cap) and freed by the caller. */
char *tool_getline(FILE *in, char **buf, size_t *cap);

/* Prints the JSON of msg on one line of out; 0 or an error code. */
int tool_print_json(FILE *out, const struct v2x_msg *msg, const char *src_key, const char *src,
                    long line);

#endif
