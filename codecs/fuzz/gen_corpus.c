/*
 * gen_corpus: writes the seed corpora of fuzz_uper and fuzz_json, and a
 * libFuzzer dictionary for fuzz_json, from the project's own sample
 * messages (codecs/samples.h) and variations of them.  Nothing captured
 * goes in.
 *
 *   codec-fuzz-corpus DIR        (DIR is codecs/fuzz)
 *
 * Writes DIR/corpus-uper/<name>, DIR/corpus-json/<name>.json and
 * DIR/json.dict.  Files of other names (inputs the fuzzer found, merged in
 * with -merge=1) are left alone.  The output is the same on every run.
 *
 * The UPER seeds: each sample and variation, truncations, single bit
 * flips, the first bits of every MessageFrame alternative (root, absent
 * and extension ones), and each sample with unknown extension additions
 * appended to its top-level SEQUENCE, the way a newer schema's sender
 * makes them.  The JSON seeds: what `v2x-codec decode` prints for each,
 * the samples as built (with "auto" position encodings), truncated text
 * and a few near misses.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "MessageFrame.h"
#include "per_decoder.h"
#include "per_encoder.h"

#include "codecs/codec.h"
#include "codecs/msgjson.h"
#include "codecs/samples.h"
#include "runtime/arena.h"
#include "runtime/err.h"

#define BUF_MAX 8192

struct gen {
	const char *dir;
	struct v2x_codec *codec;
	struct v2x_arena arena; /* the message being varied */
	json_t *tokens;         /* dictionary entries, as the keys of an object */
	int failed;
	size_t files, bytes;
};

/* A UPER bit string being built, most significant bit first. */
struct bits {
	uint8_t buf[BUF_MAX];
	size_t n;
};

static void put_bits(struct bits *b, unsigned long v, unsigned n)
{
	while (n--) {
		if ((v >> n) & 1)
			b->buf[b->n / 8] |= (uint8_t)(0x80u >> (b->n % 8));
		b->n++;
	}
}

/* ---- output ------------------------------------------------------------- */

static void write_file(struct gen *g, const char *sub, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", g->dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "codec-fuzz-corpus: cannot write %s: %s\n", path, strerror(errno));
		g->failed = 1;
		return;
	}
	g->files++;
	g->bytes += len;
}

static void write_uper(struct gen *g, const char *name, const uint8_t *p, size_t len)
{
	write_file(g, "corpus-uper", name, p, len);
}

static void write_json_text(struct gen *g, const char *name, const char *text)
{
	char file[256];

	snprintf(file, sizeof(file), "%s.json", name);
	write_file(g, "corpus-json", file, text, strlen(text));
}

/* ---- the dictionary ----------------------------------------------------- */

static void add_token(struct gen *g, const char *s)
{
	char tok[128];

	if (strlen(s) > 48)
		return;
	snprintf(tok, sizeof(tok), "\"%s\"", s);
	json_object_set_new(g->tokens, tok, json_true());
}

/* Collects every key of j, and every short string value that is a name:
 * bit strings and hex ids are left to the fuzzer's mutations. */
static void collect_tokens(struct gen *g, json_t *j)
{
	if (json_is_string(j) &&
	    strspn(json_string_value(j), "0123456789abcdef") != json_string_length(j))
		add_token(g, json_string_value(j));
	for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
		add_token(g, json_object_iter_key(it));
		collect_tokens(g, json_object_iter_value(it));
	}
	for (size_t i = 0; i < json_array_size(j); i++)
		collect_tokens(g, json_array_get(j, i));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes one entry per line, "..." with the quotes of the token escaped,
 * in sorted order so the file is the same on every run. */
static void write_dict(struct gen *g)
{
	size_t n = json_object_size(g->tokens), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/json.dict", g->dir);
	f = fopen(path, "w");
	if (!keys || !f) {
		fprintf(stderr, "codec-fuzz-corpus: cannot write %s\n", path);
		g->failed = 1;
		goto out;
	}
	for (void *it = json_object_iter(g->tokens); it; it = json_object_iter_next(g->tokens, it))
		keys[i++] = json_object_iter_key(it);
	qsort(keys, n, sizeof(*keys), str_cmp);
	fputs("# Keys and names of the codec's JSON, written by codec-fuzz-corpus.\n", f);
	for (i = 0; i < n; i++) {
		fputc('"', f);
		for (const char *c = keys[i]; *c; c++)
			fprintf(f, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
		fputs("\"\n", f);
	}
out:
	if (f)
		fclose(f);
	free(keys);
}

/* ---- messages ----------------------------------------------------------- */

/* Writes the JSON of msg as corpus-json/<name>.json; collects its tokens. */
static void emit_json(struct gen *g, const char *name, const struct v2x_msg *msg)
{
	json_t *j = v2x_msg_to_json(msg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (!text) {
		fprintf(stderr, "codec-fuzz-corpus: %s: no JSON\n", name);
		g->failed = 1;
	} else {
		write_json_text(g, name, text);
		collect_tokens(g, j);
	}
	free(text);
	json_decref(j);
}

/* Encodes msg into out; reports a failure, which a variation must not have. */
static size_t encode(struct gen *g, const char *name, const struct v2x_msg *msg, uint8_t *out)
{
	size_t len = 0;
	int err = v2x_codec_encode(g->codec, msg, out, BUF_MAX, &len);

	if (err) {
		fprintf(stderr, "codec-fuzz-corpus: %s: %s: %s\n", name, v2x_err_name(err),
		        v2x_codec_error(g->codec));
		g->failed = 1;
		return 0;
	}
	return len;
}

/* Writes msg as UPER, and what decoding that prints as JSON. */
static size_t emit_message(struct gen *g, const char *name, const struct v2x_msg *msg, uint8_t *out)
{
	const struct v2x_msg *back;
	size_t len = encode(g, name, msg, out);

	if (!len)
		return 0;
	write_uper(g, name, out, len);
	if (v2x_codec_decode(g->codec, out, len, &back) == V2X_OK) {
		emit_json(g, name, back);
	} else {
		fprintf(stderr, "codec-fuzz-corpus: %s does not decode\n", name);
		g->failed = 1;
	}
	return len;
}

/* ---- broken and extended encodings of a sample -------------------------- */

static void emit_truncations(struct gen *g, const char *name, const uint8_t *p, size_t len)
{
	size_t cut[] = { 1, 2, 3, 4, len / 4, len / 2, 3 * len / 4, len - 1 };
	char file[128];

	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		if (cut[i] == 0 || cut[i] >= len || (i > 0 && cut[i] == cut[i - 1]))
			continue;
		snprintf(file, sizeof(file), "%s-trunc-%04zu", name, cut[i]);
		write_uper(g, file, p, cut[i]);
	}
}

/* One flipped bit at 16 places spread over the message. */
static void emit_flips(struct gen *g, const char *name, const uint8_t *p, size_t len)
{
	uint8_t buf[BUF_MAX];
	char file[128];

	for (size_t k = 0; k < 16; k++) {
		size_t bit = (k * 8 * len) / 16 + k % 8;
		memcpy(buf, p, len);
		buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		snprintf(file, sizeof(file), "%s-flip-%05zu", name, bit);
		write_uper(g, file, buf, len);
	}
}

/* The number of bits of an encoding: asn1c's encoder counts them, the
 * codec's API rounds them up to bytes.  -1 when p does not decode. */
static long encoded_bits(const uint8_t *p, size_t len)
{
	MessageFrame_t *mf = NULL;
	asn_enc_rval_t er = { .encoded = -1 };
	asn_dec_rval_t rv = uper_decode_complete(NULL, &asn_DEF_MessageFrame, (void **)&mf, p, len);

	if (rv.code == RC_OK) {
		uint8_t tmp[BUF_MAX];
		er = uper_encode_to_buffer(&asn_DEF_MessageFrame, mf, tmp, sizeof(tmp));
	}
	ASN_STRUCT_FREE(asn_DEF_MessageFrame, mf);
	return (long)er.encoded;
}

/*
 * Extension additions of a newer schema, appended to the top-level
 * SEQUENCE: its extension bit (bit 4, after the MessageFrame's extension
 * bit and 3-bit alternative index) set, then after the root encoding the
 * additions' count as a normally small length, their presence bitmap, and
 * each present one as an open type (X.691 19.7, 19.8).
 */
struct ext_case {
	const char *suffix;
	unsigned count;   /* additions the bitmap describes, 1..64 */
	uint64_t present; /* bit i: addition i is there */
	size_t len;       /* bytes of each present addition */
};

static const struct ext_case ext_cases[] = {
	{ "ext-1", 1, 1, 1 },
	{ "ext-3", 3, 5, 3 },
	{ "ext-none-present", 2, 0, 0 },
	{ "ext-64", 64, (uint64_t)1 << 63, 2 },
	{ "ext-long", 1, 1, 130 }, /* a two-byte length determinant */
};

static void put_open_type(struct bits *b, size_t len)
{
	if (len < 128)
		put_bits(b, len, 8);
	else
		put_bits(b, 0x8000u | len, 16);
	for (size_t i = 0; i < len; i++)
		put_bits(b, (0x5a + i) & 0xff, 8);
}

static void emit_extension(struct gen *g, const char *name, const uint8_t *p, size_t root_bits,
                           const struct ext_case *c)
{
	struct bits b = { { 0 }, 0 };
	char file[128];

	memcpy(b.buf, p, (root_bits + 7) / 8);
	if (root_bits % 8)
		b.buf[root_bits / 8] &= (uint8_t)(0xff00u >> (root_bits % 8));
	b.buf[0] |= 0x08; /* bit 4 */
	b.n = root_bits;
	/* A normally small length: a 0 bit (64 or fewer), count - 1 in 6. */
	put_bits(&b, c->count - 1, 7);
	for (unsigned i = 0; i < c->count; i++)
		put_bits(&b, (c->present >> i) & 1, 1);
	for (unsigned i = 0; i < c->count; i++)
		if ((c->present >> i) & 1)
			put_open_type(&b, c->len);
	snprintf(file, sizeof(file), "%s-%s", name, c->suffix);
	write_uper(g, file, b.buf, (b.n + 7) / 8);
}

static void emit_extensions(struct gen *g, const char *name, const uint8_t *p, size_t len)
{
	long bits = encoded_bits(p, len);

	if (bits < 5) {
		fprintf(stderr, "codec-fuzz-corpus: %s: cannot count its bits\n", name);
		g->failed = 1;
		return;
	}
	for (size_t i = 0; i < sizeof(ext_cases) / sizeof(ext_cases[0]); i++)
		emit_extension(g, name, p, (size_t)bits, &ext_cases[i]);
}

/* ---- the start of every MessageFrame alternative ------------------------ */

/*
 * Root alternatives 0..4 followed by zero bits, the absent root indices
 * 5..7, and extension alternatives: the extension bit, the alternative's
 * number as a normally small number (a 0 bit and 6 bits, or a 1 bit for
 * 64 and more: 0xc0) and an open type.
 */
static void emit_frame_heads(struct gen *g)
{
	static const uint8_t ext_heads[] = { 0x80, 0x81, 0x85, 0xbf, 0xc0 };
	uint8_t buf[8] = { 0 };
	char file[64];

	for (unsigned alt = 0; alt < 8; alt++) {
		buf[0] = (uint8_t)(alt << 4);
		snprintf(file, sizeof(file), "frame-root-%u", alt);
		write_uper(g, file, buf, 6);
	}
	for (size_t i = 0; i < sizeof(ext_heads); i++) {
		/* The alternative number ends with the first byte; an open
		 * type of two bytes follows. */
		uint8_t ext[] = { ext_heads[i], 0x02, 0x12, 0x34 };
		snprintf(file, sizeof(file), "frame-ext-%02x", ext_heads[i]);
		write_uper(g, file, ext, sizeof(ext));
	}
}

/* ---- variations of the samples ------------------------------------------ */

static void bsm_minimal(struct v2x_msg *m)
{
	struct v2x_bsm *b = &m->u.bsm;

	b->has_time_confidence = b->has_pos_accuracy = b->has_pos_confidence = false;
	b->has_steering = b->has_motion_confidence = b->has_safety_ext = false;
	b->has_emergency_ext = b->pos.has_elev = b->size.has_height = b->vclass.has_fuel = false;
	memset(&b->brakes, 0, sizeof(b->brakes));
}

/* Everything "unavailable" that has the value; positions of the path then
 * cannot be offsets and become absolute. */
static void bsm_unavailable(struct v2x_msg *m)
{
	struct v2x_bsm *b = &m->u.bsm;

	b->sec_mark_s = b->speed_mps = b->heading_deg = b->steering_deg = NAN;
	b->pos.lat_deg = b->pos.lon_deg = b->pos.elev_m = NAN;
	b->pos_accuracy = (struct v2x_pos_accuracy){ NAN, NAN, NAN };
	b->accel.lon_mps2 = b->accel.lat_mps2 = b->accel.vert_mps2 = NAN;
	b->safety_ext.path_prediction.radius_m = INFINITY;
}

static void bsm_full_pos(struct v2x_full_pos *p)
{
	p->has_utc_time = true;
	p->utc_time = (struct v2x_datetime){ .has_year = true,
		                             .year = 2026,
		                             .has_month = true,
		                             .month = 11,
		                             .has_day = true,
		                             .day = 26,
		                             .has_hour = true,
		                             .hour = 9,
		                             .has_minute = true,
		                             .minute = 42,
		                             .has_second = true,
		                             .second_s = 31.5,
		                             .has_offset = true,
		                             .offset_min = 480 };
	p->pos = (struct v2x_pos3d){ 29.60001, 106.50002, true, 300.0 };
	p->has_heading = p->has_transmission = p->has_speed = true;
	p->heading_deg = 359.9875;
	p->transmission = V2X_TRANS_REVERSE;
	p->speed_mps = 163.8;
	p->has_pos_accuracy = p->has_pos_confidence = true;
	p->pos_accuracy = (struct v2x_pos_accuracy){ 12.7, 0, 0 };
	p->pos_confidence = (struct v2x_pos_confidence){ 15, true, 15 };
	p->has_time_confidence = p->has_motion_confidence = true;
	p->time_confidence = 39;
	p->motion_confidence = (struct v2x_motion_confidence){ true, 7, true, 7, true, 3 };
}

/* Every optional part, and each explicit position encoding on the path. */
static void bsm_everything(struct v2x_msg *m)
{
	struct v2x_bsm *b = &m->u.bsm;
	struct v2x_path_history *ph = &b->safety_ext.path_history;

	b->has_motion_confidence = true;
	b->motion_confidence = (struct v2x_motion_confidence){ true, 1, true, 2, true, 3 };
	b->brakes = (struct v2x_brakes){ .has_pedal = true,
		                         .pedal = V2X_PEDAL_ON,
		                         .has_wheel_brakes = true,
		                         .wheel_brakes = 0x15,
		                         .has_traction = true,
		                         .traction = 3,
		                         .has_abs = true,
		                         .abs = 2,
		                         .has_scs = true,
		                         .scs = 1,
		                         .has_boost = true,
		                         .boost = 2,
		                         .has_aux = true,
		                         .aux = 3 };
	b->has_emergency_ext = true;
	b->emergency_ext = (struct v2x_emergency_ext){ true, 6, true, 2, true, 7 };
	ph->has_initial_pos = true;
	bsm_full_pos(&ph->initial_pos);
	for (size_t i = 0; i < ph->n; i++) {
		struct v2x_llv *p = &ph->v[i].pos;
		p->ll_enc = (uint8_t)(V2X_LL_B12 + i % 7);
		p->dlat_deg = p->ll_enc == V2X_LL_LATLON ? 29.5 : -1e-7 * (double)(i + 1);
		p->dlon_deg = p->ll_enc == V2X_LL_LATLON ? 106.4 : 2e-7 * (double)i;
		p->v_enc = (uint8_t)(V2X_V_NONE + i % 8);
		p->v_m = p->v_enc == V2X_V_ELEV ? 250.0 : -0.1 * (double)i;
		ph->v[i].has_pos_confidence = true;
		ph->v[i].pos_confidence = (struct v2x_pos_confidence){ 1, true, 2 };
	}
	b->safety_ext.events_nbits = 16;
	b->safety_ext.events = 0xa5a5;
}

static void map_minimal(struct v2x_msg *m)
{
	struct v2x_node *n = &m->u.map.nodes[0];

	m->u.map.has_timestamp = false;
	n->name.len = 0;
	n->id.has_region = false;
	n->ref_pos.has_elev = false;
	n->n_links = 0;
}

static void set_name(struct v2x_name *name, const char *s)
{
	name->len = (uint8_t)strlen(s);
	memcpy(name->s, s, name->len + 1);
}

/* Every lane kind, lane sharing, movements, explicit point encodings. */
static void map_lanes(struct v2x_msg *m)
{
	static struct v2x_movement mv[2] = { { { true, 500, 11 }, true, 3 },
		                             { { false, 0, 12 }, false, 0 } };
	struct v2x_node *n = &m->u.map.nodes[0];

	for (size_t l = 0; l < n->n_links; l++) {
		struct v2x_link *k = &n->links[l];
		set_name(&k->name, "Hairpin 3 uphill");
		k->n_movements = 1 + l % 2;
		k->movements = mv;
		for (size_t i = 0; i < k->n_lanes; i++) {
			struct v2x_lane_attributes *a = &k->lanes[i].attributes;
			a->has_share_with = true;
			a->share_with = (uint16_t)(0x155u << i);
			a->kind = (uint8_t)(2 * l + i + 1);
			a->type_nbits = a->kind == V2X_LANE_VEHICLE ? 8 : 16;
			a->type_bits = 0x8001;
			if (a->kind == V2X_LANE_VEHICLE)
				a->type_bits = 0x81;
			k->lanes[i].points.v[0].ll_enc = V2X_LL_B24;
			k->lanes[i].points.v[0].dlat_deg = 0.8388607;
			k->lanes[i].points.v[0].dlon_deg = -0.8388608;
		}
	}
}

static void spat_utc(struct v2x_msg *m)
{
	struct v2x_spat *s = &m->u.spat;
	struct v2x_intersection_state *is = &s->intersections[0];

	set_name(&s->name, "Valley junction");
	is->has_moy = is->has_timestamp = is->has_time_confidence = true;
	is->moy_s = 60.0 * 527039;
	is->timestamp_s = 59.999;
	is->time_confidence = 5;
	for (size_t p = 0; p < is->n_phases; p++) {
		for (size_t k = 0; k < is->phases[p].n_states; k++) {
			struct v2x_timing *t = &is->phases[p].states[k].timing;
			t->kind = V2X_TIMING_UTC;
			t->has_min_end = t->has_max_end = true;
			t->min_end_s = NAN;
			t->max_end_s = 3600.0;
			t->likely_end_s = NAN;
		}
		is->phases[p].states[0].light = (uint8_t)p;
	}
}

static void spat_minimal(struct v2x_msg *m)
{
	struct v2x_intersection_state *is = &m->u.spat.intersections[0];

	m->u.spat.has_moy = m->u.spat.has_timestamp = false;
	is->id.has_region = false;
	is->n_phases = 1;
	is->phases[0].n_states = 1;
	is->phases[0].states[0].has_timing = false;
	is->phases[0].states[0].light = V2X_LIGHT_UNAVAILABLE;
}

static void rsi_other(struct v2x_msg *m)
{
	static uint8_t gb[] = { 0xc2, 0xe4, 0xca, 0xaf }; /* "rockfall" in GB2312 */
	static uint8_t bang[] = { '!' };
	static struct v2x_ref_link link = { { true, 500, 10 }, { false, 0, 1 }, true, 0x8001 };
	struct v2x_rsi *r = &m->u.rsi;

	r->has_moy = false;
	r->ref_pos.has_elev = false;
	r->rtes[0].description = (struct v2x_text){ V2X_TEXT_GB2312, sizeof(gb), gb };
	r->rtes[0].source = V2X_EVSRC_POLICE;
	r->rtes[0].has_pos = r->rtes[0].has_radius = r->rtes[0].has_priority = false;
	r->rtes[0].time = (struct v2x_rsi_time){ false, 0, true, NAN, false, 0 };
	r->rtes[0].links = (struct v2x_ref_links){ 1, &link };
	r->rtss[0].description = (struct v2x_text){ V2X_TEXT_IA5, sizeof(bang), bang };
	r->rtss[0].has_time = r->rtss[0].has_priority = true;
	r->rtss[0].priority = 0x20;
	r->rtss[0].time = (struct v2x_rsi_time){ true, 0, false, 0, true, 0 };
	r->rtss[0].links = r->rtes[0].links;
	r->rtss[0].paths.n = 0;
}

static void rsm_everything(struct v2x_msg *m)
{
	struct v2x_rsm *r = &m->u.rsm;

	for (size_t i = 0; i < r->n_participants; i++) {
		struct v2x_participant *p = &r->participants[i];
		p->ptc_type = (uint8_t)i;
		p->source = (uint8_t)(2 * i + 1);
		p->has_id = p->has_transmission = p->has_steering = true;
		memcpy(p->id, "PTC-0000", V2X_ID_LEN);
		p->id[7] = (uint8_t)('0' + i);
		p->transmission = V2X_TRANS_UNAVAILABLE;
		p->steering_deg = NAN;
		p->has_motion_confidence = p->has_accel = p->has_vclass = true;
		p->motion_confidence = (struct v2x_motion_confidence){ true, 4, false, 0, true, 1 };
		p->accel = (struct v2x_accel4){ 20.0, -20.0, 2.5, 327.67 };
		p->vclass = (struct v2x_vclass){ 255, true, 15 };
		p->pos_confidence.has_elev = true;
		p->pos.v_enc = V2X_V_AUTO;
		p->pos.v_m = 10.0 * (double)i - 20.0;
	}
	r->ref_pos.lat_deg = -89.9;
	r->ref_pos.lon_deg = 179.9;
}

struct variation {
	enum v2x_msg_type type;
	const char *name;
	void (*apply)(struct v2x_msg *m);
};

static const struct variation variations[] = {
	{ V2X_MSG_BSM, "bsm-minimal", bsm_minimal },
	{ V2X_MSG_BSM, "bsm-unavailable", bsm_unavailable },
	{ V2X_MSG_BSM, "bsm-everything", bsm_everything },
	{ V2X_MSG_MAP, "map-minimal", map_minimal },
	{ V2X_MSG_MAP, "map-lanes", map_lanes },
	{ V2X_MSG_SPAT, "spat-utc", spat_utc },
	{ V2X_MSG_SPAT, "spat-minimal", spat_minimal },
	{ V2X_MSG_RSI, "rsi-other", rsi_other },
	{ V2X_MSG_RSM, "rsm-everything", rsm_everything },
};

/* ---- JSON that is not quite right --------------------------------------- */

static const char *const bad_json[][2] = {
	{ "bad-type", "{\"type\":\"cam\",\"flags\":[],\"cam\":{}}" },
	{ "bad-empty-body", "{\"type\":\"bsm\",\"flags\":[],\"bsm\":{}}" },
	{ "bad-not-object", "[\"bsm\",1,2.5,null,true]" },
	{ "bad-rsm-key", "{\"type\":\"rsm\",\"rsm\":{\"msg_cnt\":1,\"nonsense\":2}}" },
	{ "bad-spat-range", "{\"type\":\"spat\",\"spat\":{\"msg_cnt\":300,"
	                    "\"intersections\":[]}}" },
	{ "bad-llv", "{\"type\":\"rsi\",\"rsi\":{\"msg_cnt\":1,\"id\":\"0011223344556677\","
	             "\"ref_pos\":{\"lat_deg\":1e300,\"lon_deg\":\"inf\"},\"rtss\":[{\"id\":1,"
	             "\"sign_type\":2,\"has_pos\":true,\"pos\":{\"ll_enc\":\"auto\","
	             "\"lat_deg\":-1e300,\"lon_deg\":null,\"v_enc\":\"auto\",\"v_m\":1e300}}]}}" },
};

/* ---- driver ------------------------------------------------------------- */

/* The JSON of msg cut in the middle, as a line cut short would be. */
static void emit_cut_json(struct gen *g, const char *name, const struct v2x_msg *msg)
{
	json_t *j = v2x_msg_to_json(msg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (text) {
		char file[64];
		text[strlen(text) / 2] = '\0';
		snprintf(file, sizeof(file), "%s-cut", name);
		write_json_text(g, file, text);
	}
	free(text);
	json_decref(j);
}

static void emit_sample(struct gen *g, enum v2x_msg_type type)
{
	const char *name = v2x_msg_type_name(type);
	uint8_t out[BUF_MAX];
	char file[64];
	struct v2x_msg m;
	size_t len;

	v2x_arena_reset(&g->arena);
	if (v2x_sample_build(type, &g->arena, &m) != V2X_OK) {
		g->failed = 1;
		return;
	}
	snprintf(file, sizeof(file), "%s-auto", name);
	emit_json(g, file, &m);
	len = emit_message(g, name, &m, out);
	if (!len)
		return;
	emit_truncations(g, name, out, len);
	emit_flips(g, name, out, len);
	emit_extensions(g, name, out, len);
	emit_cut_json(g, name, &m);
}

static void emit_variation(struct gen *g, const struct variation *v)
{
	uint8_t out[BUF_MAX];
	struct v2x_msg m;

	v2x_arena_reset(&g->arena);
	if (v2x_sample_build(v->type, &g->arena, &m) != V2X_OK) {
		g->failed = 1;
		return;
	}
	v->apply(&m);
	emit_message(g, v->name, &m, out);
}

static int make_dirs(const char *dir)
{
	static const char *const subs[] = { "corpus-uper", "corpus-json" };
	char path[4096];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "codec-fuzz-corpus: cannot create %s: %s\n", path,
			        strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct gen g = { .dir = argc == 2 ? argv[1] : NULL };

	if (!g.dir || strcmp(g.dir, "--help") == 0) {
		fprintf(stderr, "usage: codec-fuzz-corpus DIR   (DIR: codecs/fuzz)\n");
		return 2;
	}
	if (make_dirs(g.dir) != 0)
		return 1;
	g.codec = v2x_codec_new(NULL);
	g.tokens = json_object();
	if (!g.codec || !g.tokens)
		return 1;
	v2x_arena_init(&g.arena, 16384, 0);
	for (int t = V2X_MSG_BSM; t <= V2X_MSG_RSI; t++)
		emit_sample(&g, (enum v2x_msg_type)t);
	for (size_t i = 0; i < sizeof(variations) / sizeof(variations[0]); i++)
		emit_variation(&g, &variations[i]);
	emit_frame_heads(&g);
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++)
		write_json_text(&g, bad_json[i][0], bad_json[i][1]);
	add_token(&g, "unrecognised");
	add_token(&g, "inf");
	add_token(&g, "-inf");
	write_dict(&g);
	printf("%zu files, %zu bytes\n", g.files, g.bytes);
	json_decref(g.tokens);
	v2x_arena_fini(&g.arena);
	v2x_codec_free(g.codec);
	return g.failed;
}
