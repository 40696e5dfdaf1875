/*
 * The load generator's parts: the histogram's quantiles; Observation
 * frames assembled around a pre-packed BSM are byte for byte what
 * v2x_frame_encode() writes, and read back with the receive time's
 * secMark; the rockfall RSI encodes and decodes with the codec; vehicles
 * drive on along the test field's lanes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/bench/hist.h"
#include "broker/bench/load/load.h"
#include "codecs/codec.h"
#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "runtime/err.h"
#include "tests/check.h"

static void test_hist(void)
{
	struct bh_hist h, g;

	bh_init(&h);
	CHECK(isnan(bh_quantile(&h, 0.5)));
	for (int v = 1; v <= 1000; v++)
		bh_add(&h, v);
	CHECK_DBL_NEAR(bh_quantile(&h, 0.5), 500, 0);
	CHECK_DBL_NEAR(bh_quantile(&h, 0.99), 990, 0);
	CHECK_DBL_NEAR(bh_quantile(&h, 0.999), 999, 0);
	CHECK_DBL_NEAR(bh_quantile(&h, 1.0), 1000, 0);
	CHECK_DBL_NEAR(bh_mean(&h), 500.5, 1e-9);
	bh_init(&g);
	bh_add(&g, 5000);
	bh_add(&g, 123456789);
	bh_add(&g, -3);
	bh_merge(&h, &g);
	CHECK_UINT_EQ(h.n, 1003);
	CHECK_UINT_EQ(h.negative, 1);
	CHECK_DBL_NEAR(bh_quantile(&h, 1.0), 123456789, 0);
	/* Above 1024 µs a quantile is its bucket's lower bound, < 1.6 % below. */
	bh_init(&g);
	bh_add(&g, 5000);
	CHECK(bh_quantile(&g, 0.5) <= 5000 && bh_quantile(&g, 0.5) >= 5000 / 1.016);
}

/* The Observation v2x_frame_encode() makes of the same fields. */
static size_t reference(const struct v2x_msg *m, const char *rsu, uint64_t seq, uint64_t rx,
                        uint8_t *buf, size_t cap)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	struct v2x_msg copy = *m;
	struct v2x_arena a;
	char id[64];
	size_t len = 0;

	copy.u.bsm.sec_mark_s = (double)(rx / 1000 % 60000) / 1000.0;
	v2x_arena_init(&a, 0, 0);
	CHECK_INT_EQ(v2x_wire_msg_to_obs(&copy, &a, &obs), 0);
	snprintf(id, sizeof(id), "%s", rsu);
	obs.rsu_id = id;
	obs.has_seq = obs.has_rx_time_us = 1;
	obs.seq = seq;
	obs.rx_time_us = rx;
	f.msg_case = V2X__WIRE__FRAME__MSG_OBSERVATION;
	f.observation = &obs;
	CHECK_INT_EQ(v2x_frame_encode(&f, buf, cap, &len), 0);
	v2x_arena_fini(&a);
	return len;
}

/* Parses the frame back and checks its envelope and secMark. */
static void read_back(const uint8_t *buf, size_t len, const char *rsu, uint64_t seq, uint64_t rx)
{
	struct v2x_frame_parser p;
	const V2x__Wire__Frame *f = NULL;
	struct v2x_arena a;
	struct v2x_msg m;

	v2x_frame_parser_init(&p, NULL);
	v2x_arena_init(&a, 0, 0);
	if (CHECK(v2x_frame_parser_next(&p, &buf, &len, &f) == 1) &&
	    CHECK(f->msg_case == V2X__WIRE__FRAME__MSG_OBSERVATION)) {
		CHECK_STR_EQ(f->observation->rsu_id, rsu);
		CHECK_UINT_EQ(f->observation->seq, seq);
		CHECK_UINT_EQ(f->observation->rx_time_us, rx);
		CHECK_INT_EQ(v2x_wire_obs_to_msg(f->observation, &a, &m, NULL, 0), 0);
		CHECK_DBL_NEAR(m.u.bsm.sec_mark_s, (double)(rx / 1000 % 60000) / 1000.0, 1e-9);
	}
	CHECK_UINT_EQ(len, 0);
	v2x_arena_fini(&a);
	v2x_frame_parser_fini(&p);
}

static void test_obsframe(const struct ld_field *f)
{
	static const uint64_t seqs[] = { 1, 127, 128, 300000, 1ull << 40 };
	struct ld_vehicle v[3];
	struct v2x_msg m = { .type = V2X_MSG_BSM };
	struct v2x_arena a;
	struct ld_obsmsg om;
	uint8_t mine[1024], ref[1024];

	v2x_arena_init(&a, 0, 0);
	ld_vehicles_place(f, v, 3, 0xf0, 7);
	CHECK_INT_EQ(ld_vehicle_bsm(f, &v[1], 0, &m.u.bsm), 0);
	CHECK_INT_EQ(ld_obsmsg_pack(&m, &a, &om), 0);
	CHECK(om.sec_mark_at != SIZE_MAX);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint64_t rx = 1767225599123456ull + i * 37000123ull;
		size_t n = ld_obsframe_put(mine, "bench-frames-12", seqs[i], rx, &om);
		size_t r = reference(&m, "bench-frames-12", seqs[i], rx, ref, sizeof(ref));

		CHECK_UINT_EQ(n, r);
		CHECK(n <= om.len + strlen("bench-frames-12") + LD_OBSFRAME_OVERHEAD);
		CHECK_MEM_EQ(mine, ref, n < r ? n : r);
		read_back(mine, n, "bench-frames-12", seqs[i], rx);
	}
	v2x_arena_fini(&a);
}

static void test_rsi(const struct ld_field *f)
{
	struct ld_event_spot spots[64];
	uint8_t ids[4] = { 9, 8, 7, 6 }, buf[1024];
	size_t n = ld_event_spots(f, 300, spots, 64), len = 0;
	struct v2x_codec *c = v2x_codec_new(NULL);
	struct v2x_msg m = { .type = V2X_MSG_RSI };
	const struct v2x_msg *d = NULL;
	struct v2x_arena a;

	v2x_arena_init(&a, 0, 0);
	CHECK(n >= 8);
	/* Consecutive spots are far apart: the events spread over the field. */
	CHECK(n < 2 || spots[0].lane != spots[1].lane || fabs(spots[0].s - spots[1].s) > 299);
	CHECK_INT_EQ(ld_event_rsi(f, spots, ids, 4, 1767225599123, 5, &a, &m.u.rsi), 0);
	if (CHECK(v2x_codec_encode(c, &m, buf, sizeof(buf), &len) == 0) &&
	    CHECK(v2x_codec_decode(c, buf, len, &d) == 0) && CHECK(d->type == V2X_MSG_RSI)) {
		CHECK_UINT_EQ(d->u.rsi.n_rtes, 4);
		CHECK_UINT_EQ(d->u.rsi.rtes[0].event_type, 401);
		CHECK_UINT_EQ(d->u.rsi.rtes[3].id, 6);
		CHECK_UINT_EQ(d->u.rsi.rtes[0].paths.n, 1);
		CHECK_UINT_EQ(d->u.rsi.rtes[0].paths.v[0].points.n, 5);
		CHECK_DBL_NEAR(d->u.rsi.rtes[0].radius_m, 10, 0.1);
	}
	v2x_codec_free(c);
	v2x_arena_fini(&a);
}

static void test_drive(const struct ld_field *f)
{
	struct ld_vehicle v[50];
	struct v2x_bsm b;
	size_t lane_changes = 0;

	ld_vehicles_place(f, v, 50, 0xa0, 1);
	CHECK(v[0].lane != v[49].lane);
	for (int step = 0; step < 600; step++) {
		for (size_t i = 0; i < 50; i++) {
			size_t before = v[i].lane;

			ld_vehicle_step(f, &v[i], 0.1);
			CHECK(v[i].s >= 0 && v[i].s <= f->model.lanes[v[i].lane].length_m);
			lane_changes += v[i].lane != before;
		}
	}
	/* A minute at 20-40 km/h is 300-600 m: most of the 50 vehicles reach
	 * the next lane (lanes are 100 m to 1.5 km long). */
	CHECK(lane_changes >= 25);
	CHECK_INT_EQ(ld_vehicle_bsm(f, &v[3], 31.5, &b), 0);
	CHECK(fabs(b.pos.lat_deg - 29.6) < 0.05 && fabs(b.pos.lon_deg - 106.5) < 0.05);
	CHECK(b.pos.elev_m > 150 && b.pos.elev_m < 450);
	CHECK(b.speed_mps > 3 && b.speed_mps < 20);
	CHECK_UINT_EQ(b.id[0], 0xa0);
}

int main(void)
{
	struct ld_field f;
	char err[512];
	int rc;

	test_hist();
	rc = ld_field_open(&f, err, sizeof(err));
	if (rc == V2X_ENOTFOUND) {
		printf("skipped: %s\n", err);
		ld_field_close(&f);
		return CHECK_SKIP;
	}
	if (!CHECK(rc == 0)) {
		fprintf(stderr, "the test field: %s\n", err);
		ld_field_close(&f);
		return check_exit();
	}
	test_obsframe(&f);
	test_rsi(&f);
	test_drive(&f);
	ld_field_close(&f);
	return check_exit();
}
