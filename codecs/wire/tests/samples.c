/*
 * Sample messages and frames.  The message filler gives every field the
 * next value of a counter, so that a field copied into its neighbour's
 * place shows up in a comparison; doubles cycle through the values that
 * are easy to lose on the way (NaN, -0.0, infinity, 0).
 */
#include <math.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "codecs/wire/tests/wire_samples.h"
#include "runtime/err.h"

struct fill {
	struct v2x_arena *arena;
	bool present; /* OPTIONAL fields and lists there or not */
	unsigned n;   /* counter behind every value */
	int rc;
};

static double fd(struct fill *f)
{
	unsigned k = f->n++;

	switch (k % 13) {
	case 3:
		return NAN;
	case 6:
		return -0.0;
	case 9:
		return INFINITY;
	case 11:
		return 0.0;
	default:
		return (k % 2 ? -1.0 : 1.0) * (k * 1.25 + 0.0625);
	}
}

static uint8_t fu8(struct fill *f)
{
	return (uint8_t)(f->n++ * 37 + 1);
}

static uint16_t fu16(struct fill *f)
{
	return (uint16_t)(f->n++ * 4099 + 7);
}

static uint64_t fu64(struct fill *f)
{
	return (uint64_t)(f->n++) * 0x9e3779b97f4a7c15ull;
}

/* Returns an array of n zeroed elements (n is 0 when !present). */
static void *flist(struct fill *f, size_t *n, size_t want, size_t size)
{
	void *v;

	*n = 0;
	if (!f->present)
		return NULL;
	v = v2x_arena_calloc(f->arena, want, size);
	if (!v) {
		f->rc = V2X_ENOMEM;
		return NULL;
	}
	*n = want;
	return v;
}

static void fid(struct fill *f, uint8_t id[V2X_ID_LEN])
{
	for (int i = 0; i < V2X_ID_LEN; i++)
		id[i] = fu8(f);
}

/* A name, with a NUL inside now and then: IA5 allows it. */
static void fname(struct fill *f, struct v2x_name *name, const char *base)
{
	int n;

	if (!f->present)
		return;
	n = snprintf(name->s, V2X_NAME_MAX + 1, "%s-%u", base, f->n++);
	name->len = n > 0 ? (uint8_t)n : 0;
	if (name->len > 2 && f->n % 3 == 0)
		name->s[1] = '\0';
}

static void fpos3d(struct fill *f, struct v2x_pos3d *m)
{
	m->lat_deg = fd(f);
	m->lon_deg = fd(f);
	m->has_elev = f->present;
	m->elev_m = m->has_elev ? fd(f) : 0;
}

static void fllv(struct fill *f, struct v2x_llv *m)
{
	m->ll_enc = (uint8_t)(f->n++ % 8);
	m->dlat_deg = fd(f);
	m->dlon_deg = fd(f);
	m->lat_deg = fd(f);
	m->lon_deg = fd(f);
	m->v_enc = (uint8_t)(f->n++ % 9);
	m->v_m = fd(f);
}

static void fpoints(struct fill *f, struct v2x_points *m, size_t want)
{
	m->v = flist(f, &m->n, want, sizeof(*m->v));
	for (size_t i = 0; i < m->n; i++)
		fllv(f, &m->v[i]);
}

static void faccuracy(struct fill *f, struct v2x_pos_accuracy *m)
{
	m->semi_major_m = fd(f);
	m->semi_minor_m = fd(f);
	m->orientation_deg = fd(f);
}

static void fpos_conf(struct fill *f, struct v2x_pos_confidence *m)
{
	m->pos = fu8(f);
	m->has_elev = f->present;
	m->elev = m->has_elev ? fu8(f) : 0;
}

static void fmotion_conf(struct fill *f, struct v2x_motion_confidence *m)
{
	m->has_speed = m->has_heading = m->has_steer = f->present;
	if (f->present) {
		m->speed = fu8(f);
		m->heading = fu8(f);
		m->steer = fu8(f);
	}
}

static void faccel(struct fill *f, struct v2x_accel4 *m)
{
	m->lon_mps2 = fd(f);
	m->lat_mps2 = fd(f);
	m->vert_mps2 = fd(f);
	m->yaw_dps = fd(f);
}

static void fvsize(struct fill *f, struct v2x_vsize *m)
{
	m->width_m = fd(f);
	m->length_m = fd(f);
	m->has_height = f->present;
	m->height_m = m->has_height ? fd(f) : 0;
}

static void fvclass(struct fill *f, struct v2x_vclass *m)
{
	m->classification = fu8(f);
	m->has_fuel = f->present;
	m->fuel = m->has_fuel ? fu8(f) : 0;
}

static void fnode_ref(struct fill *f, struct v2x_node_ref *m)
{
	m->has_region = f->present;
	m->region = m->has_region ? fu16(f) : 0;
	m->id = fu16(f);
}

/* ---- BSM ---------------------------------------------------------------- */

static void fbrakes(struct fill *f, struct v2x_brakes *m)
{
	bool p = f->present;

	m->has_pedal = m->has_wheel_brakes = m->has_traction = m->has_abs = p;
	m->has_scs = m->has_boost = m->has_aux = p;
	if (!p)
		return;
	m->pedal = fu8(f);
	m->wheel_brakes = fu8(f);
	m->traction = fu8(f);
	m->abs = fu8(f);
	m->scs = fu8(f);
	m->boost = fu8(f);
	m->aux = fu8(f);
}

static void fdatetime(struct fill *f, struct v2x_datetime *m)
{
	m->has_year = m->has_month = m->has_day = m->has_hour = true;
	m->has_minute = m->has_second = m->has_offset = true;
	m->year = fu16(f);
	m->month = fu8(f);
	m->day = fu8(f);
	m->hour = fu8(f);
	m->minute = fu8(f);
	m->second_s = fd(f);
	m->offset_min = (int16_t)(-7 * (int)fu8(f));
}

static void ffull_pos(struct fill *f, struct v2x_full_pos *m)
{
	m->has_utc_time = m->has_heading = m->has_transmission = m->has_speed = true;
	m->has_pos_accuracy = m->has_pos_confidence = true;
	m->has_time_confidence = m->has_motion_confidence = true;
	fdatetime(f, &m->utc_time);
	fpos3d(f, &m->pos);
	m->heading_deg = fd(f);
	m->transmission = fu8(f);
	m->speed_mps = fd(f);
	faccuracy(f, &m->pos_accuracy);
	fpos_conf(f, &m->pos_confidence);
	m->time_confidence = fu8(f);
	fmotion_conf(f, &m->motion_confidence);
}

static void fpath_point(struct fill *f, struct v2x_path_point *m)
{
	fllv(f, &m->pos);
	m->time_offset_s = fd(f);
	m->has_speed = m->has_pos_confidence = m->has_heading = true;
	m->speed_mps = fd(f);
	fpos_conf(f, &m->pos_confidence);
	m->heading_deg = fd(f);
}

static void fsafety(struct fill *f, struct v2x_safety_ext *m)
{
	struct v2x_path_history *h = &m->path_history;

	m->has_events = m->has_path_history = m->has_path_prediction = m->has_lights = true;
	m->events_nbits = 13;
	m->events = fu64(f) & 0x1fff;
	h->has_initial_pos = h->has_gnss_status = true;
	ffull_pos(f, &h->initial_pos);
	h->gnss_status = fu8(f);
	h->v = flist(f, &h->n, 3, sizeof(*h->v));
	for (size_t i = 0; i < h->n; i++)
		fpath_point(f, &h->v[i]);
	m->path_prediction.radius_m = INFINITY;
	m->path_prediction.confidence_pct = fd(f);
	m->lights_nbits = 64;
	m->lights = fu64(f);
}

static void fbsm(struct fill *f, struct v2x_bsm *m)
{
	bool p = f->present;

	m->msg_cnt = fu8(f);
	fid(f, m->id);
	m->sec_mark_s = fd(f);
	m->has_time_confidence = m->has_pos_accuracy = m->has_pos_confidence = p;
	m->has_steering = m->has_motion_confidence = m->has_safety_ext = p;
	m->has_emergency_ext = p;
	m->time_confidence = p ? fu8(f) : 0;
	fpos3d(f, &m->pos);
	if (p) {
		faccuracy(f, &m->pos_accuracy);
		fpos_conf(f, &m->pos_confidence);
	}
	m->transmission = fu8(f);
	m->speed_mps = fd(f);
	m->heading_deg = fd(f);
	m->steering_deg = p ? fd(f) : 0;
	fmotion_conf(f, &m->motion_confidence);
	faccel(f, &m->accel);
	fbrakes(f, &m->brakes);
	fvsize(f, &m->size);
	fvclass(f, &m->vclass);
	if (p)
		fsafety(f, &m->safety_ext);
	m->emergency_ext = (struct v2x_emergency_ext){ p, V2X_ENUM_UNRECOGNISED, p, 2, p, 1 };
}

/* ---- MAP ---------------------------------------------------------------- */

static void flimits(struct fill *f, struct v2x_speed_limits *m)
{
	m->v = flist(f, &m->n, 2, sizeof(*m->v));
	for (size_t i = 0; i < m->n; i++) {
		m->v[i].type = fu8(f);
		m->v[i].speed_mps = fd(f);
	}
}

static void fconnection(struct fill *f, struct v2x_connection *m)
{
	fnode_ref(f, &m->remote);
	m->has_lane = m->has_lane_maneuvers = m->has_phase = true;
	m->lane = fu8(f);
	m->lane_maneuvers = fu16(f) & 0xfff;
	m->phase = fu8(f);
}

static void flane(struct fill *f, struct v2x_lane *m)
{
	bool p = f->present;

	m->lane_id = fu8(f);
	m->has_width = m->has_attributes = m->has_maneuvers = p;
	m->width_m = p ? fd(f) : 0;
	if (p)
		m->attributes = (struct v2x_lane_attributes){ true, fu16(f) & 0x3ff, V2X_LANE_BIKE,
			                                      16, fu64(f) & 0xffff };
	m->maneuvers = p ? (uint16_t)(fu16(f) & 0xfff) : 0;
	m->connections = flist(f, &m->n_connections, 2, sizeof(*m->connections));
	for (size_t i = 0; i < m->n_connections; i++)
		fconnection(f, &m->connections[i]);
	flimits(f, &m->speed_limits);
	fpoints(f, &m->points, 3);
}

static void flink(struct fill *f, struct v2x_link *m)
{
	fname(f, &m->name, "link");
	fnode_ref(f, &m->upstream);
	flimits(f, &m->speed_limits);
	m->has_width = f->present;
	m->width_m = m->has_width ? fd(f) : 0;
	fpoints(f, &m->points, 2);
	m->movements = flist(f, &m->n_movements, 2, sizeof(*m->movements));
	for (size_t i = 0; i < m->n_movements; i++) {
		fnode_ref(f, &m->movements[i].remote);
		m->movements[i].has_phase = true;
		m->movements[i].phase = fu8(f);
	}
	m->lanes = flist(f, &m->n_lanes, 2, sizeof(*m->lanes));
	for (size_t i = 0; i < m->n_lanes; i++)
		flane(f, &m->lanes[i]);
}

static void fmap(struct fill *f, struct v2x_map *m)
{
	m->msg_cnt = fu8(f);
	m->has_timestamp = f->present;
	m->timestamp_moy_s = m->has_timestamp ? NAN : 0;
	/* A MAP always has nodes: even the sparse sample has one, with one
	 * link, so that the absent options inside them are tried too. */
	m->n_nodes = f->present ? 2 : 1;
	m->nodes = v2x_arena_calloc(f->arena, m->n_nodes, sizeof(*m->nodes));
	if (!m->nodes) {
		f->rc = V2X_ENOMEM;
		m->n_nodes = 0;
	}
	for (size_t i = 0; i < m->n_nodes; i++) {
		struct v2x_node *n = &m->nodes[i];
		fname(f, &n->name, "node");
		fnode_ref(f, &n->id);
		fpos3d(f, &n->ref_pos);
		n->n_links = f->present ? 2 : 1;
		n->links = v2x_arena_calloc(f->arena, n->n_links, sizeof(*n->links));
		for (size_t k = 0; n->links && k < n->n_links; k++)
			flink(f, &n->links[k]);
	}
}

/* ---- SPAT --------------------------------------------------------------- */

static void ftiming(struct fill *f, struct v2x_timing *m)
{
	m->kind = (uint8_t)(1 + f->n++ % 2);
	m->start_s = fd(f);
	m->has_min_end = m->has_max_end = m->has_confidence = true;
	m->has_next_start = m->has_next = true;
	m->min_end_s = fd(f);
	m->max_end_s = fd(f);
	m->likely_end_s = fd(f);
	m->confidence_pct = fd(f);
	m->next_start_s = fd(f);
	m->next_s = fd(f);
}

static void fphase(struct fill *f, struct v2x_phase *m)
{
	m->id = fu8(f);
	m->states = flist(f, &m->n_states, 3, sizeof(*m->states));
	for (size_t i = 0; i < m->n_states; i++) {
		m->states[i].light = (uint8_t)(i == 2 ? V2X_ENUM_UNRECOGNISED : fu8(f) % 9);
		m->states[i].has_timing = true;
		ftiming(f, &m->states[i].timing);
	}
}

static void fspat(struct fill *f, struct v2x_spat *m)
{
	bool p = f->present;

	m->msg_cnt = fu8(f);
	m->has_moy = m->has_timestamp = p;
	m->moy_s = p ? fd(f) : 0;
	m->timestamp_s = p ? fd(f) : 0;
	fname(f, &m->name, "junction");
	m->intersections = flist(f, &m->n_intersections, 2, sizeof(*m->intersections));
	for (size_t i = 0; i < m->n_intersections; i++) {
		struct v2x_intersection_state *s = &m->intersections[i];
		fnode_ref(f, &s->id);
		s->status = fu16(f);
		s->has_moy = s->has_timestamp = s->has_time_confidence = true;
		s->moy_s = fd(f);
		s->timestamp_s = fd(f);
		s->time_confidence = fu8(f);
		s->phases = flist(f, &s->n_phases, 2, sizeof(*s->phases));
		for (size_t k = 0; k < s->n_phases; k++)
			fphase(f, &s->phases[k]);
	}
}

/* ---- RSI ---------------------------------------------------------------- */

static void ftext(struct fill *f, struct v2x_text *m, uint8_t kind)
{
	static const char gb2312_rockfall[] = "\xc2\xe4\xca\xaf"; /* 落石 */
	static const char ia5[] = "Rockfall ahead, K12+300";
	const char *text = kind == V2X_TEXT_GB2312 ? gb2312_rockfall : ia5;

	if (!f->present)
		return;
	m->kind = kind;
	m->len = strlen(text);
	m->data = v2x_arena_alloc(f->arena, m->len);
	if (m->data)
		memcpy(m->data, text, m->len);
	else
		m->len = 0;
}

static void frsi_time(struct fill *f, bool *has, struct v2x_rsi_time *m)
{
	*has = f->present;
	if (!*has)
		return;
	m->has_start = m->has_end = m->has_end_confidence = true;
	m->start_moy_s = fd(f);
	m->end_moy_s = fd(f);
	m->end_confidence = fu8(f);
}

static void fpaths(struct fill *f, struct v2x_ref_paths *paths, struct v2x_ref_links *links)
{
	paths->v = flist(f, &paths->n, 2, sizeof(*paths->v));
	for (size_t i = 0; i < paths->n; i++) {
		fpoints(f, &paths->v[i].points, 3);
		paths->v[i].radius_m = fd(f);
	}
	links->v = flist(f, &links->n, 2, sizeof(*links->v));
	for (size_t i = 0; i < links->n; i++) {
		fnode_ref(f, &links->v[i].upstream);
		fnode_ref(f, &links->v[i].downstream);
		links->v[i].has_lanes = true;
		links->v[i].lanes = fu16(f);
	}
}

static void frte(struct fill *f, struct v2x_rte *m, uint8_t kind)
{
	bool p = f->present;

	m->id = fu8(f);
	m->event_type = fu16(f);
	m->source = fu8(f);
	m->has_pos = m->has_radius = m->has_priority = m->has_confidence = p;
	if (p)
		fllv(f, &m->pos);
	m->radius_m = p ? fd(f) : 0;
	ftext(f, &m->description, kind);
	frsi_time(f, &m->has_time, &m->time);
	m->priority = p ? fu8(f) : 0;
	fpaths(f, &m->paths, &m->links);
	m->confidence_pct = p ? fd(f) : 0;
}

static void frts(struct fill *f, struct v2x_rts *m, uint8_t kind)
{
	bool p = f->present;

	m->id = fu8(f);
	m->sign_type = fu16(f);
	m->has_pos = m->has_priority = p;
	if (p)
		fllv(f, &m->pos);
	ftext(f, &m->description, kind);
	frsi_time(f, &m->has_time, &m->time);
	m->priority = p ? fu8(f) : 0;
	fpaths(f, &m->paths, &m->links);
}

static void frsi(struct fill *f, struct v2x_rsi *m)
{
	m->msg_cnt = fu8(f);
	m->has_moy = f->present;
	m->moy_s = m->has_moy ? fd(f) : 0;
	fid(f, m->id);
	fpos3d(f, &m->ref_pos);
	m->rtes = flist(f, &m->n_rtes, 2, sizeof(*m->rtes));
	for (size_t i = 0; i < m->n_rtes; i++)
		frte(f, &m->rtes[i], i ? V2X_TEXT_GB2312 : V2X_TEXT_IA5);
	m->rtss = flist(f, &m->n_rtss, 3, sizeof(*m->rtss));
	for (size_t i = 0; i < m->n_rtss; i++)
		frts(f, &m->rtss[i], i % 2 ? V2X_TEXT_GB2312 : V2X_TEXT_IA5);
}

/* ---- RSM ---------------------------------------------------------------- */

static void fparticipant(struct fill *f, struct v2x_participant *m)
{
	bool p = f->present;

	m->ptc_type = fu8(f);
	m->ptc_id = fu16(f);
	m->source = fu8(f);
	m->has_id = m->has_transmission = m->has_steering = p;
	m->has_motion_confidence = m->has_accel = m->has_vclass = p;
	if (p)
		fid(f, m->id);
	m->sec_mark_s = fd(f);
	fllv(f, &m->pos);
	fpos_conf(f, &m->pos_confidence);
	m->transmission = p ? fu8(f) : 0;
	m->speed_mps = fd(f);
	m->heading_deg = fd(f);
	m->steering_deg = p ? fd(f) : 0;
	fmotion_conf(f, &m->motion_confidence);
	if (p)
		faccel(f, &m->accel);
	fvsize(f, &m->size);
	if (p)
		fvclass(f, &m->vclass);
}

static void frsm(struct fill *f, struct v2x_rsm *m)
{
	m->msg_cnt = fu8(f);
	fid(f, m->id);
	fpos3d(f, &m->ref_pos);
	/* Participants are the point of an RSM: the sparse sample has one. */
	m->n_participants = f->present ? 3 : 1;
	m->participants = v2x_arena_calloc(f->arena, m->n_participants, sizeof(*m->participants));
	if (!m->participants) {
		f->rc = V2X_ENOMEM;
		m->n_participants = 0;
	}
	for (size_t i = 0; i < m->n_participants; i++)
		fparticipant(f, &m->participants[i]);
}

int wire_sample_msg(enum v2x_msg_type type, bool present, struct v2x_arena *arena,
                    struct v2x_msg *msg)
{
	struct fill f = { .arena = arena, .present = present, .n = (unsigned)type * 1000 };

	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->flags = present ? V2X_MSG_F_UNRECOGNISED_VALUE : 0;
	switch (type) {
	case V2X_MSG_BSM:
		fbsm(&f, &msg->u.bsm);
		break;
	case V2X_MSG_MAP:
		fmap(&f, &msg->u.map);
		break;
	case V2X_MSG_SPAT:
		fspat(&f, &msg->u.spat);
		break;
	case V2X_MSG_RSI:
		frsi(&f, &msg->u.rsi);
		break;
	case V2X_MSG_RSM:
		frsm(&f, &msg->u.rsm);
		break;
	default:
		return V2X_EINVAL;
	}
	return f.rc;
}
