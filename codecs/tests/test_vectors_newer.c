/*
 * The newer-schema vectors of ../shared/vectors/csae53-newer-schema: what a
 * vehicle or RSU on a later firmware sends, and what a Day-1 receiver must
 * make of it (the README beside the vectors).
 *
 *   test-vectors-newer DIR     (skips when DIR is absent)
 */
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/msgjson.h"
#include "codecs/tests/vectors.h"
#include "tests/check.h"
#include "tests/jsondiff.h"

struct vec {
	char *data;
	size_t len;
};

static struct vec load(const char *dir, const char *name)
{
	struct vec v = { NULL, 0 };

	v.data = vectors_read(dir, name, &v.len);
	CHECK(v.data != NULL);
	return v;
}

/* Decodes v, re-encodes it and decodes that again: the normalised values
 * must survive (the flags aside, which say what the original carried). */
static json_t *decode_reencode(struct v2x_codec *codec, struct vec v, const char *name)
{
	const struct v2x_msg *m;
	uint8_t buf[4096];
	size_t len;
	char diff[512];
	json_t *first, *second;

	if (!CHECK(v.data && v2x_codec_decode(codec, (uint8_t *)v.data, v.len, &m) == 0)) {
		fprintf(stderr, "%s: %s\n", name, v2x_codec_error(codec));
		return NULL;
	}
	first = v2x_msg_to_json(m);
	CHECK(v2x_codec_encode(codec, m, buf, sizeof(buf), &len) == 0);
	CHECK(v2x_codec_decode(codec, buf, len, &m) == 0);
	second = v2x_msg_to_json(m);
	json_object_del(first, "flags");
	json_object_del(second, "flags");
	if (jsondiff(first, second, diff, sizeof(diff))) {
		fprintf(stderr, "%s: after re-encoding: %s\n", name, diff);
		check_failures++;
	}
	json_decref(second);
	return first;
}

/* A BSM with one extension addition after the "..." of
 * BasicSafetyMessage: decoded, the addition skipped. */
static void ext_seq(struct v2x_codec *codec, const char *dir)
{
	struct vec v = load(dir, "ext_seq_bsm_newfield.uper");
	const struct v2x_msg *m;
	uint64_t skipped = v2x_codec_stats(codec)->skipped_extensions;
	json_t *j;

	if (!v.data)
		return;
	CHECK_INT_EQ(v2x_codec_decode(codec, (uint8_t *)v.data, v.len, &m), 0);
	if (m) {
		CHECK_INT_EQ(m->type, V2X_MSG_BSM);
		CHECK(m->flags & V2X_MSG_F_SKIPPED_EXTENSION);
		printf("ext_seq_bsm_newfield: BSM of %.7f N, %.7f E decoded, addition skipped\n",
		       m->u.bsm.pos.lat_deg, m->u.bsm.pos.lon_deg);
	}
	CHECK_UINT_EQ(v2x_codec_stats(codec)->skipped_extensions, skipped + 1);
	j = decode_reencode(codec, v, "ext_seq_bsm_newfield");
	json_decref(j);
	free(v.data);
}

/* VehicleEventFlags with 14 bits (an extension of SIZE(13,...)) and the
 * same BSM with 13: both decode, to the same BSM but for the flags. */
static void ext_bitstring(struct v2x_codec *codec, const char *dir)
{
	struct vec v14 = load(dir, "ext_bitstring_bsm_events14.uper");
	struct vec v13 = load(dir, "root_bitstring_bsm_events13.uper");
	json_t *j14 = decode_reencode(codec, v14, "events14");
	json_t *j13 = decode_reencode(codec, v13, "events13");
	json_t *b14 = json_object_get(json_object_get(j14, "bsm"), "safety_ext");
	json_t *b13 = json_object_get(json_object_get(j13, "bsm"), "safety_ext");
	const char *e14 = json_string_value(json_object_get(b14, "events"));
	const char *e13 = json_string_value(json_object_get(b13, "events"));
	char diff[512];

	CHECK(e14 && strlen(e14) == 14);
	CHECK(e13 && strlen(e13) == 13);
	if (e14 && e13)
		printf("events14: \"%s\", events13: \"%s\"\n", e14, e13);
	json_object_del(b14, "events");
	json_object_del(b13, "events");
	if (j14 && j13 && jsondiff(j14, j13, diff, sizeof(diff))) {
		fprintf(stderr, "events14 and events13 differ beyond the flags: %s\n", diff);
		check_failures++;
	}
	json_decref(j14);
	json_decref(j13);
	free(v14.data);
	free(v13.data);
}

/* An RSM participant whose SourceType is a value added after "...": the
 * RSM decodes and that one value is reported as unrecognised. */
static void ext_enum(struct v2x_codec *codec, const char *dir)
{
	struct vec v = load(dir, "ext_enum_rsm_source.uper");
	const struct v2x_msg *m;

	if (!v.data)
		return;
	CHECK_INT_EQ(v2x_codec_decode(codec, (uint8_t *)v.data, v.len, &m), 0);
	if (m && CHECK(m->type == V2X_MSG_RSM && m->u.rsm.n_participants == 1)) {
		uint8_t buf[4096];
		size_t len;

		CHECK_UINT_EQ(m->u.rsm.participants[0].source, V2X_ENUM_UNRECOGNISED);
		CHECK(m->flags & V2X_MSG_F_UNRECOGNISED_VALUE);
		printf("ext_enum_rsm_source: RSM decoded, participant %u of type %u, source "
		       "unrecognised\n",
		       m->u.rsm.participants[0].ptc_id, m->u.rsm.participants[0].ptc_type);
		/* A value the Day-1 schema cannot carry cannot be sent on. */
		CHECK_INT_EQ(v2x_codec_encode(codec, m, buf, sizeof(buf), &len), V2X_ERANGE);
		CHECK(strstr(v2x_codec_error(codec), "source") != NULL);
	}
	CHECK_UINT_EQ(v2x_codec_stats(codec)->unrecognised_values, 1);
	free(v.data);
}

/* A MessageFrame alternative added after "..." (a Day-2 message): a clean
 * "unsupported message type" error, counted per alternative. */
static void ext_choice(struct v2x_codec *codec, const char *dir)
{
	struct vec v = load(dir, "ext_choice_msgFrameExt.uper");
	const struct v2x_codec_stats *st = v2x_codec_stats(codec);
	uint64_t before = st->unsupported[5];
	uint64_t errors = st->decode_errors[v2x_err_index(V2X_EUNSUPPORTED_MSG)];
	const struct v2x_msg *m = NULL;

	if (!v.data)
		return;
	CHECK_INT_EQ(v2x_codec_decode(codec, (uint8_t *)v.data, v.len, &m), V2X_EUNSUPPORTED_MSG);
	CHECK(m == NULL);
	printf("ext_choice_msgFrameExt: %s\n", v2x_codec_error(codec));
	CHECK(strstr(v2x_codec_error(codec), "not a Day-1 message") != NULL);
	CHECK_UINT_EQ(st->unsupported[5], before + 1);
	CHECK_UINT_EQ(st->decode_errors[v2x_err_index(V2X_EUNSUPPORTED_MSG)], errors + 1);
	free(v.data);
}

int main(int argc, char **argv)
{
	struct v2x_codec *codec;
	char path[4096];
	FILE *probe;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ext_seq_bsm_newfield.uper", argv[1]);
	probe = fopen(path, "rb");
	if (!probe) {
		printf("no vectors at %s: skipped\n", argv[1]);
		return CHECK_SKIP;
	}
	fclose(probe);
	codec = v2x_codec_new(NULL);
	ext_seq(codec, argv[1]);
	ext_bitstring(codec, argv[1]);
	ext_enum(codec, argv[1]);
	ext_choice(codec, argv[1]);
	v2x_codec_free(codec);
	return check_exit();
}
