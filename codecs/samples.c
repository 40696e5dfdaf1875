#include "codecs/samples.h"

#include <math.h>
#include <string.h>

#include "runtime/err.h"

/* Where the samples happen: the valley junction of the test field. */
#define BASE_LAT  29.6012345
#define BASE_LON  106.5054321
#define BASE_ELEV 246.3

/* Degrees of latitude / longitude per metre near the base point. */
#define DEG_PER_M_LAT (1.0 / 110850.0)
#define DEG_PER_M_LON (1.0 / 96850.0)

static const uint8_t rsu_id[V2X_ID_LEN] = { 'C', 'Q', 'R', 'S', 'U', '0', '0', '7' };

/* A point east_m / north_m from (lat, lon), encoded as an offset. */
static struct v2x_llv point_at(double lat, double lon, double east_m, double north_m)
{
	struct v2x_llv p = { 0 };

	p.ll_enc = V2X_LL_AUTO;
	p.lat_deg = lat + north_m * DEG_PER_M_LAT;
	p.lon_deg = lon + east_m * DEG_PER_M_LON;
	p.v_enc = V2X_V_NONE;
	return p;
}

static void bsm_path(struct v2x_path_history *ph, struct v2x_path_point *pts, size_t n)
{
	ph->has_gnss_status = true;
	ph->gnss_status = 1u << 1 | 1u << 6; /* healthy, local corrections */
	ph->n = n;
	ph->v = pts;
	/* The last seconds of a hairpin, most recent point first: the car
	 * came round a 20 m radius bend. */
	for (size_t i = 0; i < n; i++) {
		double a = 0.35 * (double)(i + 1);
		pts[i].pos = point_at(BASE_LAT, BASE_LON, -20.0 * sin(a), 20.0 * (1 - cos(a)));
		pts[i].pos.v_enc = V2X_V_AUTO;
		pts[i].pos.v_m = -0.6 * (double)(i + 1);
		pts[i].time_offset_s = 0.5 * (double)(i + 1);
		pts[i].has_speed = true;
		pts[i].speed_mps = 11.0 - 0.2 * (double)i;
		pts[i].has_heading = i % 2 == 0;
		pts[i].heading_deg = fmod(450.0 - 19.5 * (double)(i + 1), 360.0);
	}
}

static int sample_bsm(struct v2x_arena *arena, struct v2x_bsm *b)
{
	struct v2x_path_point *pts = v2x_arena_calloc(arena, 10, sizeof(*pts));

	if (!pts)
		return V2X_ENOMEM;
	b->msg_cnt = 42;
	memcpy(b->id, "\x1a\x2b\x3c\x4d\x00\x00\x00\x07", V2X_ID_LEN);
	b->sec_mark_s = 31.25;
	b->has_time_confidence = true;
	b->time_confidence = 12;
	b->pos = (struct v2x_pos3d){ BASE_LAT, BASE_LON, true, BASE_ELEV + 62.0 };
	b->has_pos_accuracy = true;
	b->pos_accuracy = (struct v2x_pos_accuracy){ 0.45, 0.3, 87.5 };
	b->has_pos_confidence = true;
	b->pos_confidence = (struct v2x_pos_confidence){ 11, true, 10 };
	b->transmission = V2X_TRANS_FORWARD;
	b->speed_mps = 11.24;
	b->heading_deg = 87.5;
	b->has_steering = true;
	b->steering_deg = -12.0;
	b->accel = (struct v2x_accel4){ -0.85, 1.92, NAN, -11.5 };
	b->brakes = (struct v2x_brakes){
		.has_pedal = true, .pedal = V2X_PEDAL_ON, .has_abs = true, .abs = 1
	};
	b->size = (struct v2x_vsize){ 1.85, 4.75, true, 1.5 };
	b->vclass = (struct v2x_vclass){ 10, true, 1 };
	b->has_safety_ext = true;
	b->safety_ext.has_events = true;
	b->safety_ext.events_nbits = 13;
	b->safety_ext.has_path_history = true;
	bsm_path(&b->safety_ext.path_history, pts, 10);
	b->safety_ext.has_path_prediction = true;
	b->safety_ext.path_prediction = (struct v2x_path_prediction){ -25.0, 90.0 };
	b->safety_ext.has_lights = true;
	b->safety_ext.lights_nbits = 9;
	b->safety_ext.lights = 1u << 0;
	return 0;
}

/* One approach of the valley junction: two lanes, 60 m of centre line. */
static int map_link(struct v2x_arena *arena, struct v2x_link *l, size_t dir)
{
	static const double dx[4] = { 0, 1, 0, -1 }, dy[4] = { 1, 0, -1, 0 };
	struct v2x_lane *lanes = v2x_arena_calloc(arena, 2, sizeof(*lanes));
	struct v2x_llv *pts = v2x_arena_calloc(arena, 12, sizeof(*pts));
	struct v2x_connection *cons = v2x_arena_calloc(arena, 4, sizeof(*cons));

	if (!lanes || !pts || !cons)
		return V2X_ENOMEM;
	l->upstream = (struct v2x_node_ref){ true, 500, (uint16_t)(10 + dir) };
	l->has_width = true;
	l->width_m = 6.5;
	l->n_lanes = 2;
	l->lanes = lanes;
	for (int k = 0; k < 4; k++)
		pts[k] = point_at(BASE_LAT, BASE_LON, dx[dir] * (60.0 - 20.0 * k),
		                  dy[dir] * (60.0 - 20.0 * k));
	l->points = (struct v2x_points){ 4, pts };
	for (size_t i = 0; i < 2; i++) {
		struct v2x_lane *ln = &lanes[i];
		ln->lane_id = (uint8_t)(i + 1);
		ln->has_width = true;
		ln->width_m = 3.25;
		ln->has_attributes = true;
		ln->attributes =
		        (struct v2x_lane_attributes){ .kind = V2X_LANE_VEHICLE, .type_nbits = 8 };
		ln->has_maneuvers = true;
		ln->maneuvers = i == 0 ? V2X_MANEUVER_LEFT | V2X_MANEUVER_UTURN
		                       : V2X_MANEUVER_STRAIGHT | V2X_MANEUVER_RIGHT;
		ln->n_connections = 2;
		ln->connections = &cons[2 * i];
		for (size_t c = 0; c < 2; c++)
			cons[2 * i + c] = (struct v2x_connection){
				.remote = { true, 500, (uint16_t)(10 + (dir + 1 + c) % 4) },
				.has_lane = true,
				.lane = (uint8_t)(i + 1),
				.has_phase = true,
				.phase = (uint8_t)(2 * dir + i + 1)
			};
		for (size_t k = 0; k < 3; k++)
			pts[4 + 3 * i + k] =
			        point_at(BASE_LAT, BASE_LON,
			                 dx[dir] * (50.0 - 20.0 * k) + dy[dir] * (i ? 1.6 : -1.6),
			                 dy[dir] * (50.0 - 20.0 * k) - dx[dir] * (i ? 1.6 : -1.6));
		ln->points = (struct v2x_points){ 3, &pts[4 + 3 * i] };
	}
	return 0;
}

static int sample_map(struct v2x_arena *arena, struct v2x_map *m)
{
	struct v2x_node *node = v2x_arena_calloc(arena, 1, sizeof(*node));
	struct v2x_link *links = v2x_arena_calloc(arena, 4, sizeof(*links));
	struct v2x_speed_limit *limit = v2x_arena_calloc(arena, 1, sizeof(*limit));

	if (!node || !links || !limit)
		return V2X_ENOMEM;
	*limit = (struct v2x_speed_limit){ V2X_SPEED_LIMIT_VEHICLE_MAX, 40.0 / 3.6 };
	m->msg_cnt = 3;
	m->has_timestamp = true;
	m->timestamp_moy_s = 475970.0 * 60;
	m->n_nodes = 1;
	m->nodes = node;
	node->name.len = (uint8_t)strlen("Valley junction");
	memcpy(node->name.s, "Valley junction", node->name.len + 1);
	node->id = (struct v2x_node_ref){ true, 500, 1 };
	node->ref_pos = (struct v2x_pos3d){ BASE_LAT, BASE_LON, true, BASE_ELEV };
	node->n_links = 4;
	node->links = links;
	for (size_t dir = 0; dir < 4; dir++) {
		int err = map_link(arena, &links[dir], dir);
		if (err)
			return err;
		links[dir].speed_limits = (struct v2x_speed_limits){ 1, limit };
	}
	return 0;
}

static int sample_spat(struct v2x_arena *arena, struct v2x_spat *s)
{
	static const uint8_t cycle[3] = { V2X_LIGHT_PROTECTED_GREEN, V2X_LIGHT_YELLOW,
		                          V2X_LIGHT_RED };
	struct v2x_intersection_state *is = v2x_arena_calloc(arena, 1, sizeof(*is));
	struct v2x_phase *ph = v2x_arena_calloc(arena, 8, sizeof(*ph));
	struct v2x_phase_state *st = v2x_arena_calloc(arena, 24, sizeof(*st));

	if (!is || !ph || !st)
		return V2X_ENOMEM;
	s->msg_cnt = 77;
	s->has_moy = true;
	s->moy_s = 475970.0 * 60;
	s->has_timestamp = true;
	s->timestamp_s = 12.3;
	s->n_intersections = 1;
	s->intersections = is;
	is->id = (struct v2x_node_ref){ true, 500, 1 };
	is->status = 1u << 5; /* fixed time operation */
	is->n_phases = 8;
	is->phases = ph;
	for (size_t p = 0; p < 8; p++) {
		ph[p].id = (uint8_t)(p + 1);
		ph[p].n_states = 3;
		ph[p].states = &st[3 * p];
		for (size_t k = 0; k < 3; k++) {
			struct v2x_timing *t = &st[3 * p + k].timing;
			st[3 * p + k].light = cycle[(k + p / 2) % 3];
			st[3 * p + k].has_timing = true;
			t->kind = V2X_TIMING_COUNTING;
			t->start_s = k == 0 ? 0 : 10.0 * k + p;
			t->likely_end_s = 10.0 * (k + 1) + p;
			t->has_confidence = true;
			t->confidence_pct = 95;
			t->has_next_start = true;
			t->next_start_s = 60.0 + t->start_s;
			t->has_next = true;
			t->next_s = 25.0;
		}
	}
	return 0;
}

static int sample_rsi(struct v2x_arena *arena, struct v2x_rsi *r)
{
	static const char text[] = "Rockfall on the inner lane of hairpin 3, keep right";
	struct v2x_rte *rte = v2x_arena_calloc(arena, 1, sizeof(*rte));
	struct v2x_rts *rts = v2x_arena_calloc(arena, 1, sizeof(*rts));
	struct v2x_ref_path *path = v2x_arena_calloc(arena, 1, sizeof(*path));
	struct v2x_llv *pts = v2x_arena_calloc(arena, 6, sizeof(*pts));
	uint8_t *data = v2x_arena_alloc(arena, sizeof(text));

	if (!rte || !rts || !path || !pts || !data)
		return V2X_ENOMEM;
	memcpy(data, text, sizeof(text) - 1);
	r->msg_cnt = 9;
	r->has_moy = true;
	r->moy_s = 475971.0 * 60;
	memcpy(r->id, rsu_id, V2X_ID_LEN);
	r->ref_pos = (struct v2x_pos3d){ BASE_LAT, BASE_LON, true, BASE_ELEV + 120.0 };
	for (int k = 0; k < 6; k++)
		pts[k] = point_at(BASE_LAT, BASE_LON, 30.0 * k, 4.0 * k * k);
	*path = (struct v2x_ref_path){ { 6, pts }, 5.0 };
	*rte = (struct v2x_rte){ .id = 1,
		                 .event_type = 401,
		                 .source = V2X_EVSRC_DETECTION,
		                 .has_pos = true,
		                 .has_radius = true,
		                 .radius_m = 30.0,
		                 .description = { V2X_TEXT_IA5, sizeof(text) - 1, data },
		                 .has_time = true,
		                 .has_priority = true,
		                 .priority = 0xe0,
		                 .paths = { 1, path },
		                 .has_confidence = true,
		                 .confidence_pct = 85.0 };
	rte->pos = point_at(BASE_LAT, BASE_LON, 75.0, 25.0);
	rte->time = (struct v2x_rsi_time){ true, 475960.0 * 60, true, 476200.0 * 60, true, 9 };
	*rts = (struct v2x_rts){ .id = 2, .sign_type = 38, .has_pos = true, .paths = { 1, path } };
	rts->pos = point_at(BASE_LAT, BASE_LON, -40.0, -10.0);
	r->n_rtes = 1;
	r->rtes = rte;
	r->n_rtss = 1;
	r->rtss = rts;
	return 0;
}

static int sample_rsm(struct v2x_arena *arena, struct v2x_rsm *r)
{
	struct v2x_participant *p = v2x_arena_calloc(arena, 4, sizeof(*p));

	if (!p)
		return V2X_ENOMEM;
	r->msg_cnt = 5;
	memcpy(r->id, rsu_id, V2X_ID_LEN);
	r->ref_pos = (struct v2x_pos3d){ BASE_LAT, BASE_LON, true, BASE_ELEV + 62.0 };
	r->n_participants = 4;
	r->participants = p;
	for (int i = 0; i < 4; i++) {
		p[i].ptc_type = i == 0 ? V2X_PTC_PEDESTRIAN : V2X_PTC_MOTOR;
		p[i].ptc_id = (uint16_t)(100 + i);
		p[i].source = V2X_SRC_INTEGRATED;
		p[i].sec_mark_s = 31.2 + 0.01 * i;
		p[i].pos = point_at(BASE_LAT, BASE_LON, 12.0 * i - 6.0, 35.0 + 3.0 * i);
		p[i].pos_confidence = (struct v2x_pos_confidence){ 10, false, 0 };
		p[i].speed_mps = i == 1 ? 0.0 : 1.2 + 4.0 * i;
		p[i].heading_deg = 45.0 * i;
		p[i].size = i == 0 ? (struct v2x_vsize){ 0.5, 0.5, true, 1.7 }
		                   : (struct v2x_vsize){ 2.5, 9.0 + i, true, 3.5 };
		p[i].has_vclass = i != 0;
		p[i].vclass = (struct v2x_vclass){ (uint8_t)(i == 1 ? 28 : 10), false, 0 };
	}
	p[1].has_accel = true;
	p[1].accel = (struct v2x_accel4){ 0, 0, NAN, 0 };
	return 0;
}

int v2x_sample_build(enum v2x_msg_type type, struct v2x_arena *arena, struct v2x_msg *out)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type) {
	case V2X_MSG_BSM:
		return sample_bsm(arena, &out->u.bsm);
	case V2X_MSG_MAP:
		return sample_map(arena, &out->u.map);
	case V2X_MSG_SPAT:
		return sample_spat(arena, &out->u.spat);
	case V2X_MSG_RSI:
		return sample_rsi(arena, &out->u.rsi);
	case V2X_MSG_RSM:
		return sample_rsm(arena, &out->u.rsm);
	default:
		return V2X_EINVAL;
	}
}
