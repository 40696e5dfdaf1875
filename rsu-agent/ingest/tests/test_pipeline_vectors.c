/*
 * pipeline, the standard's vectors: every real and newer-schema MessageFrame
 * of /work/shared/vectors through the pipeline (raw mode, the whole Earth
 * as bounds, freshness off) ends as an emitted Observation or as a counted
 * decode error of a documented cause.  An emitted Observation, packed as
 * the agent sends it, unpacked and converted back (v2x_wire_obs_to_msg),
 * is the message the codec decodes directly: the same JSON (every field)
 * and the same encoding.  Then all of them in one vendor datagram.
 *
 *   test-agent-pipeline-vectors VECTORS_DIR
 *
 * Skips (77) when VECTORS_DIR has no vectors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/msgjson.h"
#include "codecs/wire/convert.h"
#include "rsu-agent/ingest/pipeline.h"
#include "rsu-agent/ingest/tests/test_ingest_util.h"
#include "rsu-agent/ingest/tests/test_pipeline_util.h"
#include "runtime/arena.h"
#include "tests/check.h"

#define ENC_CAP ((size_t)2 * V2X_CODEC_DEFAULT_MAX_MSG)
#define RX_US   1764159031300000LL /* any time: freshness is off */

struct vec {
	const char *dir;  /* csae53-real or csae53-newer-schema */
	const char *name; /* without .uper */
};

static const struct vec vectors[] = {
	{ "csae53-real", "bsm_0" },
	{ "csae53-real", "bsm_1" },
	{ "csae53-real", "map_0" },
	{ "csae53-real", "rsi_0" },
	{ "csae53-real", "rsm_0" },
	{ "csae53-real", "spat_0" },
	{ "csae53-newer-schema", "ext_bitstring_bsm_events14" },
	{ "csae53-newer-schema", "ext_choice_msgFrameExt" },
	{ "csae53-newer-schema", "ext_enum_rsm_source" },
	{ "csae53-newer-schema", "ext_seq_bsm_newfield" },
	{ "csae53-newer-schema", "root_bitstring_bsm_events13" },
};
#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

static struct tp_sink sink;
static struct v2x_codec *direct; /* the codec on its own, for comparison */
static struct v2x_arena arena;
static uint8_t enc_a[ENC_CAP], enc_b[ENC_CAP];

static struct agent_pipeline *make(enum agent_framing_mode mode, int64_t dup_window_ms)
{
	struct agent_pipeline_config cfg;
	struct agent_pipeline *p = NULL;

	agent_pipeline_config_default(&cfg);
	cfg.rsu_id = "vectors";
	cfg.include_uper = true;
	cfg.framing.mode = mode;
	cfg.framing.vendor_layout = AGENT_FRAMING_LAYOUT_LIST;
	cfg.validate.max_age_ms = 0;
	cfg.validate.max_future_ms = 0;
	cfg.validate.max_age_moy_ms = 0;
	cfg.validate.dup_window_ms = dup_window_ms;
	memset(&sink, 0, sizeof(sink));
	CHECK_INT_EQ(agent_pipeline_new(&cfg, NULL, tp_emit, &sink, &p), 0);
	sink.p = p;
	return p;
}

static bool documented(int err)
{
	return err == V2X_ETOO_BIG || err == V2X_ETRUNCATED || err == V2X_EMALFORMED ||
	       err == V2X_ETRAILING || err == V2X_EUNSUPPORTED_MSG;
}

/* Encodes a and b and checks that both give the same bytes (or fail alike,
 * which only a value of a newer schema may make them do). */
static void check_same_encoding(const char *name, const struct v2x_msg *a, const struct v2x_msg *b)
{
	size_t la = 0, lb = 0;
	int ra = v2x_codec_encode(direct, a, enc_a, ENC_CAP, &la);
	int rb = v2x_codec_encode(direct, b, enc_b, ENC_CAP, &lb);

	CHECK_INT_EQ(ra, rb);
	if (ra == 0 && rb == 0) {
		CHECK_UINT_EQ(la, lb);
		if (la == lb)
			CHECK_MEM_EQ(enc_a, enc_b, la);
		if (la != lb || memcmp(enc_a, enc_b, la) != 0)
			fprintf(stderr, "%s: the observation's message encodes differently\n",
			        name);
	}
	if (ra)
		CHECK(a->flags & (V2X_MSG_F_UNRECOGNISED_VALUE | V2X_MSG_F_BITS_CUT));
}

/*
 * Unpacks the observation the sink packed, converts it back and compares
 * it with want, whose JSON is jwant.
 */
static void check_observation(const char *name, const struct v2x_msg *want, json_t *jwant)
{
	V2x__Wire__Observation *obs =
	        v2x__wire__observation__unpack(NULL, sink.packed_len, sink.packed);
	struct v2x_msg back;
	char err[256] = "";
	json_t *jback;

	if (!CHECK(obs != NULL))
		return;
	v2x_arena_reset(&arena);
	CHECK_INT_EQ(v2x_wire_obs_to_msg(obs, &arena, &back, err, sizeof(err)), 0);
	CHECK_STR_EQ(err, "");
	CHECK_STR_EQ(obs->rsu_id, "vectors");
	jback = v2x_msg_to_json(&back);
	if (CHECK(jback != NULL) && !json_equal(jwant, jback)) {
		/* Sorted, so that the two lines differ only where the values do. */
		char *a = json_dumps(jwant, JSON_COMPACT | JSON_SORT_KEYS);
		char *b = json_dumps(jback, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr,
		        "%s: the observation does not convert back to the decoded message\n", name);
		CHECK_STR_EQ(a, b);
		free(a);
		free(b);
	}
	check_same_encoding(name, want, &back);
	json_decref(jback);
	v2x__wire__observation__free_unpacked(obs, NULL);
}

/* One vector through its own raw pipeline; returns 1 when it was emitted. */
static int run_one(const char *root, const struct vec *v)
{
	char dir[4096];
	size_t len = 0;
	uint8_t *buf;
	struct agent_pipeline *p = make(AGENT_FRAMING_RAW, 2000);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	const struct v2x_msg *m = NULL;
	int rc, emitted = 0;

	snprintf(dir, sizeof(dir), "%s/%s", root, v->dir);
	buf = ti_read_uper(dir, v->name, &len);
	if (!CHECK(buf != NULL)) {
		agent_pipeline_free(p);
		return 0;
	}
	rc = v2x_codec_decode(direct, buf, len, &m);
	emitted = agent_pipeline_datagram(p, buf, len, RX_US, 0);
	tp_check_accounting(p);
	if (rc == 0) {
		json_t *j = v2x_msg_to_json(m);
		printf("%s: emitted as %s, flags %#x\n", v->name, v2x_msg_type_name(m->type),
		       (unsigned)m->flags);
		CHECK_INT_EQ(emitted, 1);
		CHECK_UINT_EQ(st->emitted[m->type], 1);
		CHECK_UINT_EQ(sink.uper_len, len);
		CHECK_MEM_EQ(sink.uper, buf, len);
		CHECK_UINT_EQ(sink.flags, m->flags);
		if (emitted == 1 && CHECK(j != NULL))
			check_observation(v->name, m, j);
		json_decref(j);
	} else {
		const struct v2x_codec_stats *cs = agent_pipeline_codec_stats(p);
		printf("%s: decode error %s, counted: %s\n", v->name, v2x_err_name(rc),
		       v2x_codec_error(direct));
		CHECK(documented(rc));
		CHECK_INT_EQ(emitted, 0);
		CHECK_UINT_EQ(st->decode_failed, 1);
		CHECK_UINT_EQ(cs->decode_errors[v2x_err_index(rc)], 1);
	}
	free(buf);
	agent_pipeline_free(p);
	return rc == 0;
}

/*
 * Every vector in one vendor datagram (list layout): the frames that decode
 * are emitted in order, the others counted.  The duplicate table is off:
 * two of the newer-schema BSMs are the same message in two encodings.
 */
static void run_vendor(const char *root, size_t want_emitted)
{
	static uint8_t d[AGENT_FRAMING_DEFAULT_MAX_DATAGRAM];
	static const char id[8] = { 'K', '1', '2', '-', 'R', 'S', 'U', '1' };
	struct agent_pipeline *p = make(AGENT_FRAMING_VENDOR, 0);
	const struct agent_pipeline_stats *st = agent_pipeline_stats(p);
	size_t n = ti_header(d, id, RX_US / 1000);

	for (size_t i = 0; i < N_VECTORS; i++) {
		char dir[4096];
		size_t len = 0;
		uint8_t *buf;

		snprintf(dir, sizeof(dir), "%s/%s", root, vectors[i].dir);
		buf = ti_read_uper(dir, vectors[i].name, &len);
		if (buf && n + 2 + len <= sizeof(d))
			n += ti_entry(d + n, buf, len);
		free(buf);
	}
	CHECK_INT_EQ(agent_pipeline_datagram(p, d, n, RX_US, 0), (int)want_emitted);
	CHECK_UINT_EQ(st->frames, N_VECTORS);
	CHECK_UINT_EQ(st->decode_failed, N_VECTORS - want_emitted);
	CHECK_UINT_EQ(tp_sum(st->framing_errors, V2X_ERR_COUNT), 0);
	CHECK_STR_EQ(sink.rsu_id, "K12-RSU1");
	CHECK_UINT_EQ(sink.cur.frame_index, N_VECTORS - 1);
	tp_check_accounting(p);
	agent_pipeline_free(p);
}

int main(int argc, char **argv)
{
	char dir[4096];
	size_t len = 0, emitted = 0;
	uint8_t *probe;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/csae53-real", argv[1]);
	probe = ti_read_uper(dir, "bsm_0", &len);
	if (!probe) {
		printf("no vectors at %s: skipped\n", argv[1]);
		return CHECK_SKIP;
	}
	free(probe);
	direct = v2x_codec_new(NULL);
	v2x_arena_init(&arena, 65536, 0);
	for (size_t i = 0; i < N_VECTORS; i++)
		emitted += (size_t)run_one(argv[1], &vectors[i]);
	/* The six real ones decode; so do four of five newer ones (the Day-2
	 * MessageFrame alternative cannot). */
	CHECK_UINT_EQ(emitted, N_VECTORS - 1);
	run_vendor(argv[1], emitted);
	v2x_arena_fini(&arena);
	v2x_codec_free(direct);
	return check_exit();
}
