/*
 * The six real RSU captures of ../shared/vectors/csae53-real: each decodes,
 * its values match the .xer beside it field by field, and re-encoding gives
 * identical bytes.
 *
 *   test-vectors-real DIR     (DIR = .../vectors/csae53-real; skips if absent)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "codecs/codec_xer.h"
#include "codecs/msgjson.h"
#include "codecs/tests/vectors.h"
#include "codecs/tests/xerleaves.h"
#include "tests/check.h"
#include "tests/jsondiff.h"

static const char *const names[] = { "bsm_0", "bsm_1", "map_0", "rsi_0", "rsm_0", "spat_0" };

/* The .xer and the XER of our decoded message hold the same leaves. */
static void check_xer_leaves(const char *name, const char *want, const char *got)
{
	static struct xer_leaves a, b;

	CHECK(xer_leaves_parse(want, &a) == 0);
	CHECK(xer_leaves_parse(got, &b) == 0);
	CHECK_UINT_EQ(a.n, b.n);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		if (strcmp(a.lines[i], b.lines[i]) != 0) {
			fprintf(stderr, "%s: leaf %zu: .xer has '%s', decoded '%s'\n", name, i,
			        a.lines[i], b.lines[i]);
			check_failures++;
			break;
		}
	}
	printf("%s: %zu XER leaves compared\n", name, a.n);
}

/* Decoding the .xer and decoding the .uper give the same normalised
 * message, compared field by field through their JSON. */
static void check_normalised(struct v2x_codec *codec, const char *name, const char *xer,
                             size_t xer_len, json_t *from_uper)
{
	const struct v2x_msg *m;
	char diff[512];
	json_t *from_xer;

	if (!CHECK(codec__decode_xer(codec, xer, xer_len, &m) == 0)) {
		fprintf(stderr, "%s: %s\n", name, v2x_codec_error(codec));
		return;
	}
	from_xer = v2x_msg_to_json(m);
	if (jsondiff(from_xer, from_uper, diff, sizeof(diff))) {
		fprintf(stderr, "%s: normalised values differ: %s\n", name, diff);
		check_failures++;
	}
	json_decref(from_xer);
}

/* Units of the standard on the BSM's own fields, from the .xer's raw
 * numbers, so that a wrong scale cannot hide behind the same scale used on
 * both sides of the comparisons above. */
static void check_bsm_units(const char *name, const char *xer, const struct v2x_bsm *b)
{
	static struct xer_leaves l;
	double lat = NAN, lon = NAN, elev = NAN, heading = NAN, sec = NAN;

	xer_leaves_parse(xer, &l);
	for (size_t i = 0; i < l.n; i++) {
		const char *s = l.lines[i];
		sscanf(s, "/MessageFrame/bsmFrame/pos/lat = %lf", &lat);
		sscanf(s, "/MessageFrame/bsmFrame/pos/long = %lf", &lon);
		sscanf(s, "/MessageFrame/bsmFrame/pos/elevation = %lf", &elev);
		sscanf(s, "/MessageFrame/bsmFrame/heading = %lf", &heading);
		sscanf(s, "/MessageFrame/bsmFrame/secMark = %lf", &sec);
	}
	printf("%s: lat %.0f -> %.7f deg, heading %.0f -> %.4f deg\n", name, lat, b->pos.lat_deg,
	       heading, b->heading_deg);
	CHECK_DBL_NEAR(b->pos.lat_deg, lat * 1e-7, 1e-12);
	CHECK_DBL_NEAR(b->pos.lon_deg, lon * 1e-7, 1e-12);
	CHECK_DBL_NEAR(b->pos.elev_m, elev * 0.1, 1e-9);
	CHECK_DBL_NEAR(b->heading_deg, heading * 0.0125, 1e-9);
	CHECK_DBL_NEAR(b->sec_mark_s, sec * 0.001, 1e-9);
}

/* decode -> normalise -> encode -> decode gives the same normalised values. */
static void check_reencoded(struct v2x_codec *codec, const char *name, const uint8_t *buf,
                            size_t len, json_t *from_uper)
{
	const struct v2x_msg *m;
	char diff[512];
	json_t *again;

	if (!CHECK(v2x_codec_decode(codec, buf, len, &m) == 0))
		return;
	again = v2x_msg_to_json(m);
	if (jsondiff(from_uper, again, diff, sizeof(diff))) {
		fprintf(stderr, "%s: normalised values after re-encoding differ: %s\n", name, diff);
		check_failures++;
	}
	json_decref(again);
}

static void check_vector(struct v2x_codec *codec, const char *dir, const char *name)
{
	char file[64], *uper, *xer, *text = malloc(1 << 20);
	size_t uper_len = 0, xer_len = 0, len = 0, text_len = 0;
	uint8_t again[4096];
	const struct v2x_msg *m;
	json_t *from_uper = NULL;

	snprintf(file, sizeof(file), "%s.uper", name);
	uper = vectors_read(dir, file, &uper_len);
	snprintf(file, sizeof(file), "%s.xer", name);
	xer = vectors_read(dir, file, &xer_len);
	if (!CHECK(uper && xer && text))
		goto out;
	if (!CHECK(v2x_codec_decode(codec, (uint8_t *)uper, uper_len, &m) == 0)) {
		fprintf(stderr, "%s: %s\n", name, v2x_codec_error(codec));
		goto out;
	}
	CHECK(strncmp(v2x_msg_type_name(m->type), name, strlen(v2x_msg_type_name(m->type))) == 0);
	CHECK_UINT_EQ(m->flags, 0);
	if (m->type == V2X_MSG_BSM)
		check_bsm_units(name, xer, &m->u.bsm);
	from_uper = v2x_msg_to_json(m);
	CHECK(v2x_codec_encode(codec, m, again, sizeof(again), &len) == 0);
	CHECK_UINT_EQ(len, uper_len);
	CHECK_MEM_EQ(again, uper, len < uper_len ? len : uper_len);
	CHECK(codec__encode_xer(codec, m, text, 1 << 20, &text_len) == 0);
	check_xer_leaves(name, xer, text);
	check_normalised(codec, name, xer, xer_len, from_uper);
	check_reencoded(codec, name, again, len, from_uper);
out:
	json_decref(from_uper);
	free(uper);
	free(xer);
	free(text);
}

int main(int argc, char **argv)
{
	struct v2x_codec *codec;
	FILE *probe;
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/bsm_0.uper", argv[1]);
	probe = fopen(path, "rb");
	if (!probe) {
		printf("no vectors at %s: skipped\n", argv[1]);
		return CHECK_SKIP;
	}
	fclose(probe);
	codec = v2x_codec_new(NULL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_vector(codec, argv[1], names[i]);
	CHECK_UINT_EQ(v2x_codec_stats(codec)->decoded[V2X_MSG_BSM], 4);
	v2x_codec_free(codec);
	return check_exit();
}
