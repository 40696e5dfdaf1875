/*
 * v2x-codec demo: what the codec does, on the test field's messages:
 * encode a sample of each Day-1 type, decode it back, show the normalised
 * values, and check that re-encoding gives the same bytes; then the same
 * with the real RSU captures when they are at hand.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/msgjson.h"
#include "codecs/samples.h"
#include "codecs/tool/tool.h"
#include "runtime/err.h"

static const char usage[] =
        "usage: v2x-codec demo [--vectors DIR] [--json]\n\n"
        "Encodes a sample of each Day-1 message type set on the mountain test field\n"
        "(a car on a hairpin, the valley junction's MAP and SPAT, a rockfall RSI, an\n"
        "RSM with a pedestrian and a stopped truck), decodes each back, prints what it\n"
        "holds, and checks that decoding and re-encoding reproduces the bytes.  With\n"
        "--vectors, does the same for every *.uper file in DIR (real RSU captures).\n"
        "--json also prints each decoded message as JSON.\n\n"
        "exit status: 0 when every message round-trips, 1 otherwise\n";

struct demo {
	struct v2x_codec *codec;
	struct v2x_arena arena;
	uint8_t buf[V2X_CODEC_DEFAULT_MAX_MSG];
	uint8_t again[V2X_CODEC_DEFAULT_MAX_MSG];
	int json;
	int failures;
};

static void describe(const struct v2x_msg *m)
{
	const struct v2x_bsm *b = &m->u.bsm;

	switch (m->type) {
	case V2X_MSG_BSM:
		printf("vehicle at %.7f N %.7f E, %.1f m, %.2f m/s heading %.2f deg, %zu path "
		       "points",
		       b->pos.lat_deg, b->pos.lon_deg, b->pos.elev_m, b->speed_mps, b->heading_deg,
		       b->has_safety_ext ? b->safety_ext.path_history.n : 0);
		break;
	case V2X_MSG_MAP:
		printf("%zu node(s), the first with %zu link(s)", m->u.map.n_nodes,
		       m->u.map.n_nodes ? m->u.map.nodes[0].n_links : 0);
		break;
	case V2X_MSG_SPAT:
		printf("%zu intersection(s), the first with %zu phase(s)",
		       m->u.spat.n_intersections,
		       m->u.spat.n_intersections ? m->u.spat.intersections[0].n_phases : 0);
		break;
	case V2X_MSG_RSI:
		printf("%zu event(s)%s%u, %zu sign(s)", m->u.rsi.n_rtes,
		       m->u.rsi.n_rtes ? ", the first of type " : "",
		       m->u.rsi.n_rtes ? m->u.rsi.rtes[0].event_type : 0u, m->u.rsi.n_rtss);
		break;
	case V2X_MSG_RSM:
		printf("%zu participant(s)", m->u.rsm.n_participants);
		break;
	default:
		break;
	}
}

/* Decodes buf[0..len), shows it, and checks that it re-encodes the same. */
static void show(struct demo *d, const char *label, const uint8_t *buf, size_t len)
{
	const struct v2x_msg *m;
	size_t again_len;
	int err = v2x_codec_decode(d->codec, buf, len, &m);

	if (!err)
		err = v2x_codec_encode(d->codec, m, d->again, sizeof(d->again), &again_len);
	if (err) {
		printf("  %-22s %4zu bytes  FAILED: %s: %s\n", label, len, v2x_err_name(err),
		       v2x_codec_error(d->codec));
		d->failures++;
		return;
	}
	printf("  %-22s %4zu bytes  %-4s ", label, len, v2x_msg_type_name(m->type));
	describe(m);
	if (again_len == len && memcmp(buf, d->again, len) == 0) {
		printf("; re-encoded identically\n");
	} else {
		printf("; RE-ENCODING DIFFERS\n");
		d->failures++;
	}
	if (d->json)
		tool_print_json(stdout, m, "source", label, 0);
}

static void samples(struct demo *d)
{
	static const enum v2x_msg_type types[] = { V2X_MSG_BSM, V2X_MSG_MAP, V2X_MSG_SPAT,
		                                   V2X_MSG_RSI, V2X_MSG_RSM };
	printf("Sample messages of the mountain test field (29.60 N, 106.51 E):\n");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct v2x_msg msg;
		size_t len;
		char label[32];
		int err;

		v2x_arena_reset(&d->arena);
		err = v2x_sample_build(types[i], &d->arena, &msg);
		if (!err)
			err = v2x_codec_encode(d->codec, &msg, d->buf, sizeof(d->buf), &len);
		snprintf(label, sizeof(label), "sample %s", v2x_msg_type_name(types[i]));
		if (err) {
			printf("  %-22s FAILED to encode: %s\n", label, v2x_codec_error(d->codec));
			d->failures++;
			continue;
		}
		show(d, label, d->buf, len);
	}
}

static int uper_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".uper") == 0;
}

static void vectors(struct demo *d, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, uper_file, alphasort);

	if (n < 0) {
		printf("No captures at %s (skipped).\n", dir);
		return;
	}
	printf("Real RSU captures in %s:\n", dir);
	for (int i = 0; i < n; i++) {
		char path[4096];
		FILE *f;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		f = fopen(path, "rb");
		if (f) {
			len = fread(d->buf, 1, sizeof(d->buf), f);
			fclose(f);
		}
		show(d, names[i]->d_name, d->buf, len);
		free(names[i]);
	}
	free(names);
}

int tool_demo(int argc, char **argv)
{
	struct demo *d;
	const char *dir = NULL;
	int rc;

	if (tool_wants_help(argc, argv, usage))
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			d->json = 1;
		} else {
			fprintf(stderr, "v2x-codec demo: unexpected '%s' (see --help)\n", argv[i]);
			free(d);
			return 2;
		}
	}
	d->codec = v2x_codec_new(NULL);
	v2x_arena_init(&d->arena, 16384, 0);
	if (d->codec) {
		samples(d);
		if (dir)
			vectors(d, dir);
	}
	printf("%s\n", d->failures ? "Some messages FAILED." : "Every message round-tripped.");
	rc = d->failures || !d->codec ? 1 : 0;
	v2x_arena_fini(&d->arena);
	v2x_codec_free(d->codec);
	free(d);
	return rc;
}
