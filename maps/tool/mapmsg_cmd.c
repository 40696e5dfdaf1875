/* v2x-map mapmsg: the junction as the MAP message its RSU broadcasts. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "codecs/codec.h"
#include "codecs/hexline.h"
#include "codecs/msgjson.h"
#include "maps/frame.h"
#include "maps/mapmsg.h"
#include "maps/tool/tool.h"
#include "runtime/err.h"
#include "runtime/opt.h"

struct mapmsg_cfg {
	struct tool_source src;
	int64_t intersection;
	double approach_m;
	bool json;
};

static const struct v2x_opt mapmsg_opts[] = {
	TOOL_SOURCE_OPTS(struct mapmsg_cfg, src),
	{ .name = "intersection",
	  .type = V2X_OPT_INT,
	  .offset = offsetof(struct mapmsg_cfg, intersection),
	  .def = "0",
	  .min = 0,
	  .max = UINT32_MAX,
	  .help = "the intersection's id in the map (0: every one)" },
	{ .name = "approach",
	  .type = V2X_OPT_DOUBLE,
	  .offset = offsetof(struct mapmsg_cfg, approach_m),
	  .def = "250",
	  .dmin = 20,
	  .dmax = 2000,
	  .help = "how much of each lane before its stop line to describe, m" },
	{ .name = "json",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct mapmsg_cfg, json),
	  .help = "also print each message decoded, as v2x-codec decode does" },
	V2X_OPT_END,
};

static const struct v2x_opt_table mapmsg_table = {
	mapmsg_opts, "v2x-map mapmsg [--map FILE | --db CONNINFO] [OPTIONS]",
	"Prints, for each intersection of the map, the MapData message (T/CSAE 53 MAP, UPER) "
	"its RSU broadcasts, as one line of hex: the node, the links that enter it with their "
	"lanes, maneuvers, connections and signal groups, each lane's centre line over its "
	"approach in at most 31 points, spent where the lane curves.  The codec encodes it and "
	"decodes it again to check it before it is printed.",
	false
};

/* Encodes msg, checks that it decodes, and prints it. */
static int print_msg(struct v2x_codec *codec, const struct v2x_msg *msg, bool json)
{
	static uint8_t buf[V2X_CODEC_DEFAULT_MAX_MSG];
	static char hex[2 * V2X_CODEC_DEFAULT_MAX_MSG + 1];
	const struct v2x_msg *back;
	size_t len;
	int rc = v2x_codec_encode(codec, msg, buf, sizeof(buf), &len);

	if (rc == 0)
		rc = v2x_codec_decode(codec, buf, len, &back);
	if (rc)
		return tool_fail("the MAP message does not encode: %s", v2x_codec_error(codec));
	v2x_hexline_format(buf, len, hex);
	puts(hex);
	if (json) {
		json_t *j = v2x_msg_to_json(back);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	}
	fprintf(stderr, "MAP of node %u: %zu bytes, %zu links\n", back->u.map.nodes[0].id.id, len,
	        back->u.map.nodes[0].n_links);
	return 0;
}

static int each_intersection(const struct mapmsg_cfg *c, const struct map_model *m,
                             struct map_frame *frame, char *err, size_t len)
{
	struct v2x_codec *codec = v2x_codec_new(NULL);
	struct v2x_arena arena;
	int rc = codec ? 0 : V2X_ENOMEM, printed = 0;

	v2x_arena_init(&arena, 65536, 0);
	for (size_t i = 0; rc == 0 && i < m->n_intersections; i++) {
		struct v2x_msg msg;
		if (c->intersection && m->intersections[i].id != c->intersection)
			continue;
		v2x_arena_reset(&arena);
		rc = map_mapmsg_build(m, m->intersections[i].id, frame, c->approach_m, &arena, &msg,
		                      err, len);
		if (rc == 0 && print_msg(codec, &msg, c->json) != 0)
			rc = V2X_EINVAL, snprintf(err, len, "no message printed");
		printed += rc == 0;
	}
	if (rc == 0 && !printed)
		rc = V2X_ENOTFOUND, snprintf(err, len, "no such intersection in the map");
	v2x_arena_fini(&arena);
	v2x_codec_free(codec);
	return rc;
}

static int mapmsg(const struct mapmsg_cfg *c)
{
	struct tool_map tm;
	char err[1024];
	int rc = tool_map_open(&c->src, &tm, err, sizeof(err));

	if (rc == 0)
		rc = each_intersection(c, &tm.m, tm.frame, err, sizeof(err));
	tool_map_close(&tm);
	return rc ? tool_fail("%s", err) : 0;
}

int tool_mapmsg(int argc, char **argv)
{
	struct mapmsg_cfg c = { 0 };
	struct v2x_opt_args args;
	int rc = tool_parse(&mapmsg_table, &c, argc, argv, &args);

	if (rc < 0 && args.argc > 0)
		rc = tool_fail("mapmsg takes no arguments: '%s' (see --help)", args.argv[0]) + 1;
	if (rc < 0)
		rc = mapmsg(&c);
	v2x_opt_release(&mapmsg_table, &c);
	return rc;
}
