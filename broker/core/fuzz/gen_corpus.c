/*
 * gen_corpus: writes the seed corpus of fuzz_socket into a folder: agent
 * sessions with an observation of every message type (the codec's sample
 * messages), cut in pieces or not, duplicates, an unbound RSU; subscriber
 * sessions with every kind of Subscribe and Unsubscribe; and peers the
 * broker refuses.  Bytes 0 and 1 of each file: the piece size and the
 * Hello to put first (fuzz_socket.c).
 *
 *   broker-socket-fuzz-corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/core/fuzz/seed.h"
#include "codecs/samples.h"
#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "runtime/arena.h"

struct seed {
	uint8_t buf[32768];
	size_t len;
};

static void put_frame(struct seed *s, const V2x__Wire__Frame *f)
{
	size_t len;

	if (v2x_frame_encode(f, s->buf + s->len, sizeof(s->buf) - s->len, &len) != 0)
		abort();
	s->len += len;
}

static void put_obs(struct seed *s, enum v2x_msg_type type, const char *rsu, uint64_t seq)
{
	V2x__Wire__Observation o = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	struct v2x_arena arena;
	struct v2x_msg msg;
	char id[16];

	v2x_arena_init(&arena, 1u << 16, 0);
	if (v2x_sample_build(type, &arena, &msg) != 0 || v2x_wire_msg_to_obs(&msg, &arena, &o) != 0)
		abort();
	snprintf(id, sizeof(id), "%s", rsu);
	o.rsu_id = id;
	o.has_seq = 1;
	o.seq = seq;
	o.has_rx_time_us = 1;
	o.rx_time_us = 1764159031300000u + seq * 100000u;
	f.msg_case = V2X__WIRE__FRAME__MSG_OBSERVATION;
	f.observation = &o;
	put_frame(s, &f);
	v2x_arena_fini(&arena);
}

static void put_subscribe(struct seed *s, uint32_t id, int kind)
{
	V2x__Wire__Subscribe sub = V2X__WIRE__SUBSCRIBE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	V2x__Wire__Geofence geo = V2X__WIRE__GEOFENCE__INIT;
	V2x__Wire__Box box = V2X__WIRE__BOX__INIT;
	V2x__Wire__Polygon poly = V2X__WIRE__POLYGON__INIT;
	V2x__Wire__LatLon ll[4], *llp[4];
	uint8_t vid[8] = { 0x1a, 0x2b, 0x3c, 0x4d, 0, 0, 0, 7 };
	ProtobufCBinaryData vids[1] = { { 8, vid } };
	V2x__Wire__WarningType types[2] = { V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD,
		                            V2X__WIRE__WARNING_TYPE__WARNING_TYPE_CURVE_SPEED };

	sub.has_subscription_id = 1;
	sub.subscription_id = id;
	if (kind == 1) {
		box.has_south_deg = box.has_west_deg = box.has_north_deg = box.has_east_deg = 1;
		box.south_deg = 29.55;
		box.west_deg = 106.45;
		box.north_deg = 29.65;
		box.east_deg = 106.55;
		geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE_BOX;
		geo.box = &box;
		sub.geofence = &geo;
	} else if (kind == 2) {
		const double pts[4][2] = {
			{ 29.59, 106.48 }, { 29.59, 106.52 }, { 29.61, 106.52 }, { 29.61, 106.48 }
		};
		for (int i = 0; i < 4; i++) {
			ll[i] = (V2x__Wire__LatLon)V2X__WIRE__LAT_LON__INIT;
			ll[i].has_lat_deg = ll[i].has_lon_deg = 1;
			ll[i].lat_deg = pts[i][0];
			ll[i].lon_deg = pts[i][1];
			llp[i] = &ll[i];
		}
		poly.n_vertices = 4;
		poly.vertices = llp;
		geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE_POLYGON;
		geo.polygon = &poly;
		sub.geofence = &geo;
	} else if (kind == 3) {
		sub.n_vehicle_ids = 1;
		sub.vehicle_ids = vids;
		sub.n_warning_types = 2;
		sub.warning_types = types;
		sub.has_min_severity = 1;
		sub.min_severity = V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	}
	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	f.subscribe = &sub;
	put_frame(s, &f);
}

static void put_unsubscribe(struct seed *s, uint32_t id)
{
	V2x__Wire__Unsubscribe u = V2X__WIRE__UNSUBSCRIBE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	u.has_subscription_id = 1;
	u.subscription_id = id;
	f.msg_case = V2X__WIRE__FRAME__MSG_UNSUBSCRIBE;
	f.unsubscribe = &u;
	put_frame(s, &f);
}

static void save(const char *dir, const char *name, const struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f) != 0) {
		fprintf(stderr, "broker-socket-fuzz-corpus: cannot write %s\n", path);
		exit(1);
	}
}

static void start(struct seed *s, uint8_t piece, uint8_t hello)
{
	s->len = 0;
	s->buf[s->len++] = piece;
	s->buf[s->len++] = hello;
}

int main(int argc, char **argv)
{
	static const enum v2x_msg_type types[] = { V2X_MSG_BSM, V2X_MSG_MAP, V2X_MSG_RSM,
		                                   V2X_MSG_SPAT, V2X_MSG_RSI };
	struct seed s;
	uint64_t seq = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: broker-socket-fuzz-corpus DIR\n");
		return 2;
	}
	start(&s, 0, 1);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		put_obs(&s, types[i], "rsu-1", seq++);
	save(argv[1], "agent-every-type", &s);

	start(&s, 7, 1);
	put_obs(&s, V2X_MSG_RSI, "rsu-2", 1);
	put_obs(&s, V2X_MSG_BSM, "rsu-1", 2);
	put_obs(&s, V2X_MSG_BSM, "rsu-2", 2);
	put_obs(&s, V2X_MSG_BSM, "rsu-1", 3);
	save(argv[1], "agent-pieces-duplicate-seq", &s);

	start(&s, 0, 1);
	put_obs(&s, V2X_MSG_BSM, "rsu-9", 1);
	save(argv[1], "agent-unbound-rsu", &s);

	start(&s, 0, 2);
	put_subscribe(&s, 1, 0);
	put_subscribe(&s, 2, 1);
	put_subscribe(&s, 3, 2);
	put_subscribe(&s, 4, 3);
	put_subscribe(&s, 2, 3);
	put_unsubscribe(&s, 3);
	put_unsubscribe(&s, 99);
	save(argv[1], "subscriber-every-filter", &s);

	start(&s, 0, 2);
	put_obs(&s, V2X_MSG_BSM, "rsu-1", 1);
	save(argv[1], "subscriber-sends-observation", &s);

	start(&s, 0, 0);
	memcpy(s.buf + s.len, "\x05GET / HTTP/1.1\r\n\r\n", 19);
	s.len += 19;
	save(argv[1], "garbage", &s);

	start(&s, 3, 0);
	s.len += brk_fuzz_seed_hello(1, s.buf + s.len, sizeof(s.buf) - s.len);
	s.len += brk_fuzz_seed_hello(1, s.buf + s.len, sizeof(s.buf) - s.len);
	save(argv[1], "hello-twice", &s);
	return 0;
}
