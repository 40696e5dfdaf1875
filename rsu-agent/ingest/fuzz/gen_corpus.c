/*
 * gen_corpus: writes the seed corpus of fuzz_vendor, vendor datagrams
 * built from the project's own sample messages (codecs/samples.h): each
 * type alone and together, both layouts, the count layout's edge cases,
 * every way a length or count can lie, frames that do not decode, and
 * messages that validation rejects.  Nothing captured goes in.
 *
 *   agent-fuzz-corpus DIR        (DIR is rsu-agent/ingest/fuzz/corpus-vendor)
 *
 * Writes DIR/<name> for each seed; files of other names (inputs the fuzzer
 * found, merged in with -merge=1) are left alone.  The output is the same
 * on every run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codecs/codec.h"
#include "codecs/samples.h"
#include "rsu-agent/ingest/framing.h"
#include "runtime/arena.h"
#include "runtime/err.h"

#define DGRAM_MAX 4096
#define FRAME_MAX 2048
/* The receive time of fuzz_vendor is 12:10:31.300 of 2025-11-26. */
#define VENDOR_TIME_MS 1764159031300LL

struct gen {
	const char *dir;
	struct v2x_codec *codec;
	struct v2x_arena arena;
	int failed;
	size_t files, bytes;
};

/* A datagram being built. */
struct dgram {
	uint8_t b[DGRAM_MAX];
	size_t n;
};

static const char rsu_text[AGENT_FRAMING_RSU_ID_LEN] = { 'C', 'Q', '-', 'K', '1', '2', 0, 0 };
static const char rsu_bin[AGENT_FRAMING_RSU_ID_LEN] = { 0x11, 0x22, 0x33, 0x44,
	                                                0x55, 0x66, 0x77, (char)0x88 };

static void save(struct gen *g, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g->dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "agent-fuzz-corpus: cannot write %s: %s\n", path, strerror(errno));
		g->failed = 1;
	}
	if (f && fclose(f) != 0)
		g->failed = 1;
	g->files++;
	g->bytes += n;
}

static void header(struct dgram *d, const char id[AGENT_FRAMING_RSU_ID_LEN])
{
	memcpy(d->b, id, AGENT_FRAMING_RSU_ID_LEN);
	for (int i = 0; i < 8; i++)
		d->b[8 + i] = (uint8_t)((uint64_t)VENDOR_TIME_MS >> (8 * i));
	d->n = AGENT_FRAMING_HEADER_LEN;
}

static void put_byte(struct dgram *d, uint8_t v)
{
	if (d->n < DGRAM_MAX)
		d->b[d->n++] = v;
}

static void put_len(struct dgram *d, size_t len)
{
	put_byte(d, (uint8_t)len);
	put_byte(d, (uint8_t)(len >> 8));
}

static void put_entry(struct dgram *d, const uint8_t *frame, size_t len)
{
	put_len(d, len);
	if (d->n + len > DGRAM_MAX)
		return;
	memcpy(d->b + d->n, frame, len);
	d->n += len;
}

/* A message edited before it is encoded. */
typedef void (*edit_fn)(struct v2x_msg *m);

/* Encodes the sample of type, edited by edit (may be NULL), into frame;
 * returns its length, 0 on failure. */
static size_t sample(struct gen *g, enum v2x_msg_type type, edit_fn edit, uint8_t *frame)
{
	struct v2x_msg m;
	size_t len = 0;

	v2x_arena_reset(&g->arena);
	if (v2x_sample_build(type, &g->arena, &m) != 0)
		goto fail;
	if (edit)
		edit(&m);
	if (v2x_codec_encode(g->codec, &m, frame, FRAME_MAX, &len) != 0)
		goto fail;
	return len;
fail:
	fprintf(stderr, "agent-fuzz-corpus: cannot encode the %s sample: %s\n",
	        v2x_msg_type_name(type), v2x_codec_error(g->codec));
	g->failed = 1;
	return 0;
}

/* Datagram of one entry: the sample of type, edited, in the list layout. */
static void one(struct gen *g, const char *name, enum v2x_msg_type type, edit_fn edit)
{
	static struct dgram d;
	uint8_t f[FRAME_MAX];
	size_t len = sample(g, type, edit, f);

	header(&d, rsu_text);
	put_entry(&d, f, len);
	save(g, name, d.b, d.n);
}

static void bsm_cnt(struct v2x_msg *m, int cnt)
{
	m->u.bsm.msg_cnt = (uint8_t)cnt;
	m->u.bsm.sec_mark_s = 31.2 + 0.01 * cnt;
}

/* n BSMs with distinct msgCnt, in the count layout (or list). */
static void bsms(struct gen *g, const char *name, size_t n, bool count)
{
	static struct dgram d;
	uint8_t f[FRAME_MAX];
	struct v2x_msg m;
	size_t len = 0;

	header(&d, rsu_text);
	if (count)
		put_byte(&d, (uint8_t)n);
	for (size_t i = 0; i < n; i++) {
		v2x_arena_reset(&g->arena);
		if (v2x_sample_build(V2X_MSG_BSM, &g->arena, &m) == 0) {
			bsm_cnt(&m, (int)i);
			if (v2x_codec_encode(g->codec, &m, f, FRAME_MAX, &len) == 0)
				put_entry(&d, f, len);
		}
	}
	save(g, name, d.b, d.n);
}

static void edit_speed(struct v2x_msg *m)
{
	m->u.bsm.speed_mps = 120;
}

static void edit_accel(struct v2x_msg *m)
{
	m->u.bsm.accel.lat_mps2 = 18;
}

static void edit_beijing(struct v2x_msg *m)
{
	m->u.bsm.pos.lat_deg = 39.97;
	m->u.bsm.pos.lon_deg = 116.4;
}

static void edit_no_pos(struct v2x_msg *m)
{
	m->u.bsm.pos.lat_deg = NAN;
	m->u.bsm.pos.lon_deg = NAN;
}

static void edit_stale(struct v2x_msg *m)
{
	m->u.bsm.sec_mark_s = 20.0;
}

static void edit_wrap(struct v2x_msg *m)
{
	m->u.bsm.sec_mark_s = 59.9;
}

static void edit_spat_per_intersection(struct v2x_msg *m)
{
	struct v2x_spat *s = &m->u.spat;

	for (size_t i = 0; i < s->n_intersections; i++) {
		s->intersections[i].has_moy = s->has_moy;
		s->intersections[i].moy_s = s->moy_s;
		s->intersections[i].has_timestamp = s->has_timestamp;
		s->intersections[i].timestamp_s = s->timestamp_s;
	}
	s->has_moy = false;
	s->has_timestamp = false;
}

static void each_type(struct gen *g)
{
	static const struct {
		const char *name;
		enum v2x_msg_type type;
		edit_fn edit;
	} seeds[] = {
		{ "list-bsm", V2X_MSG_BSM, NULL },
		{ "list-map", V2X_MSG_MAP, NULL },
		{ "list-rsm", V2X_MSG_RSM, NULL },
		{ "list-spat", V2X_MSG_SPAT, NULL },
		{ "list-rsi", V2X_MSG_RSI, NULL },
		{ "spat-per-intersection", V2X_MSG_SPAT, edit_spat_per_intersection },
		{ "bsm-speed", V2X_MSG_BSM, edit_speed },
		{ "bsm-accel", V2X_MSG_BSM, edit_accel },
		{ "bsm-out-of-bounds", V2X_MSG_BSM, edit_beijing },
		{ "bsm-no-position", V2X_MSG_BSM, edit_no_pos },
		{ "bsm-stale", V2X_MSG_BSM, edit_stale },
		{ "bsm-minute-wrap", V2X_MSG_BSM, edit_wrap },
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		one(g, seeds[i].name, seeds[i].type, seeds[i].edit);
}

/* Every type in one list datagram, from an RSU with a binary id. */
static void all_types(struct gen *g)
{
	static struct dgram d;
	uint8_t f[FRAME_MAX];

	header(&d, rsu_bin);
	for (int t = V2X_MSG_BSM; t <= V2X_MSG_RSI; t++) {
		size_t len = sample(g, (enum v2x_msg_type)t, NULL, f);
		put_entry(&d, f, len);
	}
	save(g, "list-all-types", d.b, d.n);
}

/* The same BSM twice in a datagram: the second is a duplicate. */
static void duplicate(struct gen *g)
{
	static struct dgram d;
	uint8_t f[FRAME_MAX];
	size_t len = sample(g, V2X_MSG_BSM, NULL, f);

	header(&d, rsu_text);
	put_entry(&d, f, len);
	put_entry(&d, f, len);
	save(g, "bsm-duplicate", d.b, d.n);
}

/* A list of one good BSM, then the tail given. */
static void after_bsm(struct gen *g, const char *name, const uint8_t *tail, size_t n)
{
	static struct dgram d;
	uint8_t f[FRAME_MAX];
	size_t len = sample(g, V2X_MSG_BSM, NULL, f);

	header(&d, rsu_text);
	put_entry(&d, f, len);
	memcpy(d.b + d.n, tail, n);
	save(g, name, d.b, d.n + n);
}

static void lies(struct gen *g)
{
	static const uint8_t zero[] = { 0, 0, 0x40, 0x41 };
	static const uint8_t too_big[] = { 0xff, 0xff, 0x40, 0x41, 0x42 };
	static const uint8_t past_end[] = { 0x00, 0x01, 0x40, 0x41, 0x42 };
	static const uint8_t stray[] = { 0x07 };
	static struct dgram d;
	uint8_t f[FRAME_MAX];
	size_t len;

	after_bsm(g, "lie-zero-length", zero, sizeof(zero));
	after_bsm(g, "lie-length-too-big", too_big, sizeof(too_big));
	after_bsm(g, "lie-length-past-end", past_end, sizeof(past_end));
	after_bsm(g, "lie-stray-byte", stray, sizeof(stray));
	/* Count 4, two entries; count 1, two entries. */
	header(&d, rsu_text);
	put_byte(&d, 4);
	len = sample(g, V2X_MSG_BSM, NULL, f);
	put_entry(&d, f, len);
	put_entry(&d, f, len);
	save(g, "lie-count-more", d.b, d.n);
	d.b[AGENT_FRAMING_HEADER_LEN] = 1;
	save(g, "lie-count-fewer", d.b, d.n);
	/* A frame whose last bytes are cut, the length made to match. */
	header(&d, rsu_text);
	put_entry(&d, f, len - 5);
	save(g, "frame-cut", d.b, d.n);
	/* Bytes that are no MessageFrame, with right lengths. */
	memset(f, 0xff, 64);
	header(&d, rsu_text);
	put_entry(&d, f, 64);
	put_entry(&d, f, 1);
	save(g, "frame-junk", d.b, d.n);
}

/* The count layout's edges, and the short datagrams. */
static void edges(struct gen *g)
{
	/* body = 02 | 01 00 | 42 | fe 00 | 254 bytes: fits count and list. */
	static const uint8_t ambiguous_head[] = { 2, 1, 0, 0x42, 254, 0 };
	static struct dgram d;

	bsms(g, "count-bsm-1", 1, true);
	bsms(g, "count-bsm-3", 3, true);
	bsms(g, "count-bsm-8", 8, true);
	bsms(g, "list-bsm-3", 3, false);
	header(&d, rsu_text);
	put_byte(&d, 0);
	save(g, "count-zero", d.b, d.n);
	header(&d, rsu_text);
	save(g, "header-only", d.b, d.n);
	save(g, "header-cut", d.b, 10);
	save(g, "empty", d.b, 0);
	header(&d, rsu_text);
	memcpy(d.b + d.n, ambiguous_head, sizeof(ambiguous_head));
	memset(d.b + d.n + sizeof(ambiguous_head), 0x11, 254);
	save(g, "ambiguous", d.b, d.n + sizeof(ambiguous_head) + 254);
}

int main(int argc, char **argv)
{
	struct gen g = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n(DIR is rsu-agent/ingest/fuzz/corpus-vendor)\n",
		        argv[0]);
		return 2;
	}
	g.dir = argv[1];
	if (mkdir(g.dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "agent-fuzz-corpus: cannot create %s: %s\n", g.dir,
		        strerror(errno));
		return 1;
	}
	g.codec = v2x_codec_new(NULL);
	if (!g.codec)
		return 1;
	v2x_arena_init(&g.arena, 16384, 0);
	each_type(&g);
	all_types(&g);
	duplicate(&g);
	lies(&g);
	edges(&g);
	v2x_arena_fini(&g.arena);
	v2x_codec_free(g.codec);
	printf("%zu files, %zu bytes in %s\n", g.files, g.bytes, g.dir);
	return g.failed;
}
