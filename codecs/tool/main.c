/*
 * v2x-codec: decode and encode Day-1 C-V2X MessageFrames (T/CSAE 53, UPER)
 * for people and scripts.
 */
#include <stdio.h>
#include <string.h>

#include "codecs/tool/tool.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "decode", tool_decode,
	  "UPER files, or hex lines on stdin -> one JSON object per message" },
	{ "encode", tool_encode, "JSON messages (as decode prints them) on stdin -> hex lines" },
	{ "roundtrip", tool_roundtrip, "hex lines on stdin: decode, re-encode, compare the bytes" },
	{ "demo", tool_demo, "encode and decode a sample of each message type of the test field" },
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: v2x-codec COMMAND [ARGS...]\n\n"
	        "Decodes and encodes Day-1 C-V2X messages (T/CSAE 53 / YD/T 3709 MessageFrame:\n"
	        "BSM, MAP, SPAT, RSI, RSM) in UPER, the form they have on the air.\n\n"
	        "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'v2x-codec COMMAND --help' tells more about one command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "v2x-codec: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
