/*
 * wire-convert: struct v2x_msg -> Observation -> bytes -> Observation ->
 * struct v2x_msg gives back every field, for a rich and a sparse message of
 * each type; and what the broker reads from a peer is checked.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "codecs/wire/tests/wire_samples.h"
#include "tests/check.h"

static const enum v2x_msg_type types[] = { V2X_MSG_BSM, V2X_MSG_MAP, V2X_MSG_RSM, V2X_MSG_SPAT,
	                                   V2X_MSG_RSI };

static const char *type_name(enum v2x_msg_type type)
{
	static const char *const names[V2X_MSG_TYPE_COUNT] = { "none", "bsm",  "map",
		                                               "rsm",  "spat", "rsi" };

	return (unsigned)type < V2X_MSG_TYPE_COUNT ? names[type] : "?";
}

/* Packs msg as an Observation frame into out; returns its length or 0. */
static size_t frame_of(const struct v2x_msg *msg, uint8_t *out, size_t cap)
{
	struct v2x_arena a;
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char rsu[] = "cq-g65-k12-rsu3";
	size_t len = 0;

	v2x_arena_init(&a, 0, 0);
	obs.rsu_id = rsu;
	f.msg_case = V2X__WIRE__FRAME__MSG_OBSERVATION;
	f.observation = &obs;
	CHECK_INT_EQ(v2x_wire_msg_to_obs(msg, &a, &obs), 0);
	CHECK_INT_EQ(v2x_frame_encode(&f, out, cap, &len), 0);
	v2x_arena_fini(&a);
	return len;
}

/*
 * The round trip through bytes and the parser.  The message read back lives
 * in its own arena: after the parser has moved on to another frame (and
 * reused the memory of this one) it must still be whole.
 */
static void round_trip(enum v2x_msg_type type, bool present, uint8_t *buf, size_t cap)
{
	struct v2x_arena sa, ra;
	struct v2x_msg sent, got;
	struct v2x_frame_parser p;
	const V2x__Wire__Frame *f = NULL;
	size_t len, left;
	const uint8_t *in = buf;

	v2x_arena_init(&sa, 0, 0);
	v2x_arena_init(&ra, 0, 0);
	CHECK_INT_EQ(wire_sample_msg(type, present, &sa, &sent), 0);
	len = frame_of(&sent, buf, cap);
	/* The same frame twice: the second overwrites the parser's arena. */
	memcpy(buf + len, buf, len);
	left = 2 * len;
	v2x_frame_parser_init(&p, NULL);
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &in, &left, &f), 1);
	CHECK(f && f->msg_case == V2X__WIRE__FRAME__MSG_OBSERVATION);
	if (f) {
		char err[256];
		int rc = v2x_wire_obs_to_msg(f->observation, &ra, &got, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s: %s\n", type_name(type), err);
		CHECK_INT_EQ(rc, 0);
	}
	CHECK_INT_EQ(v2x_frame_parser_next(&p, &in, &left, &f), 1);
	v2x_frame_parser_fini(&p);
	if (wire_msg_diff(&sent, &got, stderr) != 0) {
		fprintf(stderr, "  in the %s %s message\n", present ? "rich" : "sparse",
		        type_name(type));
		(void)CHECK(!"round trip changed the message");
	}
	printf("%s %s: %zu bytes framed\n", present ? "rich" : "sparse", type_name(type), len);
	v2x_arena_fini(&sa);
	v2x_arena_fini(&ra);
}

/* The comparison itself finds a change and names the field. */
static void test_diff_names_field(void)
{
	struct v2x_arena a;
	struct v2x_msg m1, m2;
	char *report = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&report, &len);

	v2x_arena_init(&a, 0, 0);
	CHECK_INT_EQ(wire_sample_msg(V2X_MSG_BSM, true, &a, &m1), 0);
	m2 = m1;
	m2.u.bsm.accel.yaw_dps = 1.5;
	m2.u.bsm.brakes.has_abs = false;
	CHECK_INT_EQ(wire_msg_diff(&m1, &m1, NULL), 0);
	CHECK(f && wire_msg_diff(&m1, &m2, f) == 3);
	if (f)
		fclose(f);
	CHECK(report && strstr(report, "msg.accel.yaw_dps: ") && strstr(report, " != 1.5"));
	CHECK(report && strstr(report, "msg.brakes.has_abs: 1 != 0\n"));
	CHECK(report && strstr(report, "msg.brakes.abs: ") && strstr(report, " != (absent)\n"));
	CHECK(report && strstr(report, "msg.brakes.has_scs") == NULL);
	free(report);
	v2x_arena_fini(&a);
}

/* Doubles left out on the wire read as unavailable (NaN), not as 0. */
static void test_absent_reads_unavailable(void)
{
	uint8_t id[V2X_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Bsm bsm = V2X__WIRE__BSM__INIT;
	struct v2x_arena a;
	struct v2x_msg m;

	v2x_arena_init(&a, 0, 0);
	bsm.has_id = 1;
	bsm.id.len = V2X_ID_LEN;
	bsm.id.data = id;
	obs.msg_case = V2X__WIRE__OBSERVATION__MSG_BSM;
	obs.bsm = &bsm;
	CHECK_INT_EQ(v2x_wire_obs_to_msg(&obs, &a, &m, NULL, 0), 0);
	CHECK_INT_EQ(m.type, V2X_MSG_BSM);
	CHECK(isnan(m.u.bsm.pos.lat_deg) && isnan(m.u.bsm.pos.lon_deg));
	CHECK(isnan(m.u.bsm.speed_mps) && isnan(m.u.bsm.heading_deg));
	CHECK(isnan(m.u.bsm.accel.yaw_dps) && isnan(m.u.bsm.size.length_m));
	CHECK(isnan(m.u.bsm.sec_mark_s));
	CHECK(!m.u.bsm.pos.has_elev && !m.u.bsm.has_safety_ext && !m.u.bsm.brakes.has_abs);
	CHECK_MEM_EQ(m.u.bsm.id, id, V2X_ID_LEN);
	v2x_arena_fini(&a);
}

/* Converts a BSM observation after break_it spoiled it; checks the error. */
static void expect_error(void (*break_it)(V2x__Wire__Observation *obs, struct v2x_arena *a),
                         int want, const char *detail)
{
	struct v2x_arena a;
	struct v2x_msg m;
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	char err[256] = "";

	v2x_arena_init(&a, 0, 0);
	CHECK_INT_EQ(wire_sample_msg(V2X_MSG_BSM, true, &a, &m), 0);
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &a, &obs), 0);
	break_it(&obs, &a);
	CHECK_INT_EQ(v2x_wire_obs_to_msg(&obs, &a, &m, err, sizeof(err)), want);
	if (!strstr(err, detail))
		CHECK_STR_EQ(err, detail);
	v2x_arena_fini(&a);
}

static void no_message(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	(void)a;
	obs->msg_case = V2X__WIRE__OBSERVATION__MSG__NOT_SET;
}

static void short_id(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	(void)a;
	obs->bsm->id.len = 5;
}

static void no_id(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	(void)a;
	obs->bsm->has_id = 0;
}

static void big_msg_cnt(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	(void)a;
	obs->bsm->has_msg_cnt = 1;
	obs->bsm->msg_cnt = 300;
}

static void long_history(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	V2x__Wire__PathHistory *h = obs->bsm->safety_ext->path_history;
	V2x__Wire__PathHistoryPoint **v =
	        v2x_arena_calloc(a, V2X_PATH_HISTORY_MAX + 1, sizeof(void *));

	for (size_t i = 0; v && i <= V2X_PATH_HISTORY_MAX; i++)
		v[i] = h->points[0];
	h->points = v;
	h->n_points = v ? V2X_PATH_HISTORY_MAX + 1 : 0;
}

static void wide_bits(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	(void)a;
	obs->bsm->safety_ext->lights->nbits = 65;
}

static void big_offset(V2x__Wire__Observation *obs, struct v2x_arena *a)
{
	(void)a;
	obs->bsm->safety_ext->path_history->initial_pos->utc_time->offset_min = 40000;
}

static void test_errors(void)
{
	expect_error(no_message, V2X_EUNSUPPORTED_MSG, "no message");
	expect_error(short_id, V2X_EMALFORMED, "Bsm.id: 5 octets, 8 expected");
	expect_error(no_id, V2X_EMALFORMED, "Bsm.id: missing");
	expect_error(big_msg_cnt, V2X_ERANGE, "Bsm.msg_cnt: 300 is above 255");
	expect_error(long_history, V2X_ERANGE, "PathHistory.points: 24 elements, at most 23");
	expect_error(wide_bits, V2X_ERANGE, "BitString.nbits: 65 is above 64");
	expect_error(big_offset, V2X_ERANGE, "DDateTime.offset_min: 40000");
}

/* Names and texts longer than the model holds. */
static void test_long_strings(void)
{
	struct v2x_arena a;
	struct v2x_msg m;
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	char name[65], err[128];
	uint8_t text[V2X_DESCRIPTION_MAX + 1];

	v2x_arena_init(&a, 0, 0);
	memset(name, 'n', 64);
	name[64] = '\0';
	CHECK_INT_EQ(wire_sample_msg(V2X_MSG_SPAT, true, &a, &m), 0);
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &a, &obs), 0);
	obs.spat->has_name = 1;
	obs.spat->name.data = (uint8_t *)name;
	obs.spat->name.len = 64;
	CHECK_INT_EQ(v2x_wire_obs_to_msg(&obs, &a, &m, err, sizeof(err)), V2X_ERANGE);
	CHECK_STR_EQ(err, "Spat.name: 64 bytes, at most 63");
	CHECK_INT_EQ(wire_sample_msg(V2X_MSG_RSI, true, &a, &m), 0);
	v2x__wire__observation__init(&obs);
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &a, &obs), 0);
	memset(text, 't', sizeof(text));
	obs.rsi->rtes[0]->description->data.data = text;
	obs.rsi->rtes[0]->description->data.len = sizeof(text);
	CHECK_INT_EQ(v2x_wire_obs_to_msg(&obs, &a, &m, err, sizeof(err)), V2X_ERANGE);
	CHECK_STR_EQ(err, "Description.data: 513 octets, at most 512");
	v2x_arena_fini(&a);
}

/* Out of memory both ways, from an arena with a tiny limit; a type the
 * converter does not know. */
static void test_refusals(void)
{
	struct v2x_arena big, tiny;
	struct v2x_msg m, out;
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;

	v2x_arena_init(&big, 0, 0);
	v2x_arena_init(&tiny, 64, 256);
	CHECK_INT_EQ(wire_sample_msg(V2X_MSG_MAP, true, &big, &m), 0);
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &tiny, &obs), V2X_ENOMEM);
	v2x__wire__observation__init(&obs);
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &big, &obs), 0);
	v2x_arena_reset(&tiny);
	CHECK_INT_EQ(v2x_wire_obs_to_msg(&obs, &tiny, &out, NULL, 0), V2X_ENOMEM);
	m.type = V2X_MSG_NONE;
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &big, &obs), V2X_EINVAL);
	m.type = (enum v2x_msg_type)77;
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&m, &big, &obs), V2X_EINVAL);
	v2x_arena_fini(&big);
	v2x_arena_fini(&tiny);
}

int main(void)
{
	size_t cap = 1u << 20;
	uint8_t *buf = malloc(2 * cap);

	if (!buf)
		return 1;
	test_diff_names_field();
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		round_trip(types[i], true, buf, cap);
		round_trip(types[i], false, buf, cap);
	}
	test_absent_reads_unavailable();
	test_errors();
	test_long_strings();
	test_refusals();
	free(buf);
	return check_exit();
}
