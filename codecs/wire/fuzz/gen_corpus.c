/*
 * wire-fuzz-corpus: writes the seed corpus of fuzz_frame.c.
 *
 *   wire-fuzz-corpus DIR
 *
 * Each file is a fuzz input: one byte saying how the stream is cut (see
 * fuzz_frame.c), then the stream.  Valid streams hold every sample frame;
 * invalid ones each break one rule the parser or the converter enforces.
 * The output is committed in codecs/wire/fuzz/corpus-frame; rerun this
 * after changing v2x.proto or the samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "runtime/err.h"

/* "hello", "observation-bsm", ...: the alternative, and the message of an
 * observation. */
static void kind_name(const V2x__Wire__Frame *f, char *name, size_t len)
{
	const ProtobufCFieldDescriptor *fd =
	        protobuf_c_message_descriptor_get_field(&v2x__wire__frame__descriptor, f->msg_case);
	const ProtobufCFieldDescriptor *od = NULL;

	if (f->msg_case == V2X__WIRE__FRAME__MSG_OBSERVATION)
		od = protobuf_c_message_descriptor_get_field(&v2x__wire__observation__descriptor,
		                                             f->observation->msg_case);
	snprintf(name, len, "%s%s%s", fd ? fd->name : "none", od ? "-" : "", od ? od->name : "");
}

static int put(const char *dir, const char *name, uint8_t cut, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	rc = fputc(cut, f) == EOF || fwrite(buf, 1, len, f) != len;
	if (fclose(f) != 0 || rc) {
		perror(path);
		return -1;
	}
	return 0;
}

/* Encodes f after buf[*len]; returns 0 or -1. */
static int add(const V2x__Wire__Frame *f, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n;

	if (v2x_frame_encode(f, buf + *len, cap - *len, &n) != 0)
		return -1;
	*len += n;
	return 0;
}

/* One file per sample frame, cut in pieces of varied sizes, and streams of
 * all of them whole and a byte at a time. */
static int valid(const char *dir, uint8_t *buf, size_t cap)
{
	struct v2x_arena a;
	size_t all = 0;
	int rc = 0;

	v2x_arena_init(&a, 0, 0);
	for (size_t i = 0; i < wire_sample_frame_count() && rc == 0; i++) {
		V2x__Wire__Frame f;
		size_t len = 0;
		char kind[64], name[96];
		rc = wire_sample_frame(i, &a, &f);
		if (rc == 0)
			rc = add(&f, buf + cap / 2, cap / 2, &len);
		if (rc == 0)
			rc = add(&f, buf, cap / 2, &all);
		kind_name(&f, kind, sizeof(kind));
		snprintf(name, sizeof(name), "frame-%02zu-%s", i, kind);
		if (rc == 0)
			rc = put(dir, name, (uint8_t)(i % 4 ? 3 * i : 0), buf + cap / 2, len);
		v2x_arena_reset(&a);
	}
	v2x_arena_fini(&a);
	if (rc == 0)
		rc = put(dir, "stream-all", 0, buf, all);
	if (rc == 0)
		rc = put(dir, "stream-all-bytewise", 1, buf, all);
	if (rc == 0)
		rc = put(dir, "stream-all-pieces", 200, buf, all);
	return rc;
}

/* Streams the framing refuses. */
static int invalid_framing(const char *dir)
{
	static const struct {
		const char *name;
		size_t len;
		uint8_t bytes[16];
	} cases[] = {
		{ "bad-too-big", 4, { 0xff, 0xff, 0xff, 0x7f } },
		{ "bad-prefix-11-bytes",
		  11,
		  { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0 } },
		{ "bad-prefix-above-64-bits",
		  10,
		  { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 2 } },
		{ "bad-zero-length", 1, { 0x00 } },
		{ "bad-wire-type", 4, { 0x03, 0xff, 0xff, 0xff } },
		{ "bad-field-type", 3, { 0x02, 0x08, 0x01 } },
		{ "bad-unknown-alternative", 4, { 0x03, 0xf8, 0x07, 0x00 } },
		{ "bad-truncated-prefix", 2, { 0x80, 0x80 } },
		{ "bad-truncated-body", 4, { 0x05, 0x22, 0x03, 0x08 } },
		{ "bad-after-good", 7, { 0x02, 0x22, 0x00, 0x00, 0x02, 0x22, 0x00 } },
		{ "bad-field-number-0", 8, { 0x07, 0x22, 0x00, 0x80, 0x80, 0x80, 0x00, 0x00 } },
		{ "bad-field-number-2-29",
		  9,
		  { 0x08, 0x22, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (put(dir, cases[i].name, (uint8_t)i, cases[i].bytes, cases[i].len) != 0)
			return -1;
	return 0;
}

/* Observations that frame well but do not convert to a message. */
static void spoil(size_t how, V2x__Wire__Observation *obs)
{
	switch (how) {
	case 0:
		obs->bsm->id.len = 5;
		break;
	case 1:
		obs->bsm->has_msg_cnt = 1;
		obs->bsm->msg_cnt = 300;
		break;
	case 2:
		obs->bsm->safety_ext->lights->nbits = 65;
		break;
	default:
		obs->msg_case = V2X__WIRE__OBSERVATION__MSG__NOT_SET;
		break;
	}
}

static int invalid_observations(const char *dir, uint8_t *buf, size_t cap)
{
	static const char *const names[] = { "obs-bad-id", "obs-msg-cnt-300", "obs-bits-65",
		                             "obs-no-message" };
	struct v2x_arena a;
	int rc = 0;

	v2x_arena_init(&a, 0, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && rc == 0; i++) {
		V2x__Wire__Frame f;
		size_t len = 0;
		/* Sample frame 4 is the rich BSM observation. */
		rc = wire_sample_frame(4, &a, &f);
		if (rc == 0 && f.msg_case != V2X__WIRE__FRAME__MSG_OBSERVATION)
			rc = -1;
		if (rc == 0) {
			spoil(i, f.observation);
			rc = add(&f, buf, cap, &len);
		}
		if (rc == 0)
			rc = put(dir, names[i], 0, buf, len);
		v2x_arena_reset(&a);
	}
	v2x_arena_fini(&a);
	return rc;
}

int main(int argc, char **argv)
{
	size_t cap = 1u << 21;
	uint8_t *buf;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	buf = malloc(cap);
	if (!buf)
		return 1;
	rc = valid(argv[1], buf, cap);
	if (rc == 0)
		rc = invalid_framing(argv[1]);
	if (rc == 0)
		rc = invalid_observations(argv[1], buf, cap);
	free(buf);
	return rc == 0 ? 0 : 1;
}
