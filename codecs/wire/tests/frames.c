/*
 * Sample frames: at least one of every Frame alternative, with most of
 * their fields set, observations of every message type both rich and
 * sparse, and one frame big enough for a three-byte length prefix.
 */
#include <string.h>

#include "codecs/wire/convert.h"
#include "codecs/wire/tests/wire_samples.h"
#include "runtime/err.h"

/* Size of the raw UPER bytes of the big observation: above 16383, so that
 * its length prefix takes three bytes. */
#define BIG_UPER 20000

static const uint8_t vehicle_a[V2X_ID_LEN] = { 0x43, 0x51, 0x2d, 0x30, 0x30, 0x30, 0x31, 0x7f };
static const uint8_t vehicle_b[V2X_ID_LEN] = { 0, 1, 2, 3, 4, 5, 6, 0xff };

static void *alloc_msg(struct v2x_arena *a, const ProtobufCMessageDescriptor *d)
{
	void *m = v2x_arena_alloc(a, d->sizeof_message);

	if (m)
		protobuf_c_message_init(d, m);
	return m;
}

static char *str(struct v2x_arena *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = v2x_arena_alloc(a, len);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}

static ProtobufCBinaryData bytes(struct v2x_arena *a, const uint8_t *v, size_t n)
{
	ProtobufCBinaryData b = { 0, v2x_arena_alloc(a, n ? n : 1) };

	if (b.data) {
		memcpy(b.data, v, n);
		b.len = n;
	}
	return b;
}

static int hello(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	static const uint8_t token[] = "s3cr3t-t0ken\x00\xff";
	V2x__Wire__Hello *h = alloc_msg(a, &v2x__wire__hello__descriptor);

	if (!h)
		return V2X_ENOMEM;
	h->has_role = 1;
	h->role = V2X__WIRE__ROLE__ROLE_AGENT;
	h->id = str(a, "cq-g65-k12-rsu3");
	h->has_credential = 1;
	h->credential = bytes(a, token, sizeof(token) - 1);
	h->has_protocol_version = 1;
	h->protocol_version = V2X__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	h->has_max_frame_size = 1;
	h->max_frame_size = 1u << 20;
	h->software = str(a, "v2x-rsu-agent 0.1.0");
	f->msg_case = V2X__WIRE__FRAME__MSG_HELLO;
	f->hello = h;
	return 0;
}

static int hello_ack(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__HelloAck *h = alloc_msg(a, &v2x__wire__hello_ack__descriptor);

	if (!h)
		return V2X_ENOMEM;
	h->has_protocol_version = h->has_heartbeat_interval_ms = 1;
	h->has_timeout_ms = h->has_max_frame_size = 1;
	h->protocol_version = 1;
	h->broker_id = str(a, "cq-broker-north");
	h->heartbeat_interval_ms = 1000;
	h->timeout_ms = 3500;
	h->max_frame_size = 1u << 20;
	h->has_last_seq = 1;
	h->last_seq = 4000000042ull;
	f->msg_case = V2X__WIRE__FRAME__MSG_HELLO_ACK;
	f->hello_ack = h;
	return 0;
}

static int bye(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__Bye *b = alloc_msg(a, &v2x__wire__bye__descriptor);

	if (!b)
		return V2X_ENOMEM;
	b->has_reason = 1;
	b->reason = V2X__WIRE__BYE_REASON__BYE_REASON_FRAME_TOO_BIG;
	b->text = str(a, "frame length 5000000 above the maximum 1048576");
	f->msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f->bye = b;
	return 0;
}

static int heartbeat(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__Heartbeat *h = alloc_msg(a, &v2x__wire__heartbeat__descriptor);

	if (!h)
		return V2X_ENOMEM;
	h->has_send_time_us = h->has_echo_send_time_us = 1;
	h->send_time_us = 1764150000123456ull;
	h->echo_send_time_us = 1764149999123000ull;
	f->msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f->heartbeat = h;
	return 0;
}

/* An observation of the sample message of type. */
static int observation(struct v2x_arena *a, V2x__Wire__Frame *f, enum v2x_msg_type type,
                       bool present, size_t uper_len)
{
	V2x__Wire__Observation *o = alloc_msg(a, &v2x__wire__observation__descriptor);
	struct v2x_msg msg;
	int rc;

	if (!o)
		return V2X_ENOMEM;
	rc = wire_sample_msg(type, present, a, &msg);
	if (rc == 0)
		rc = v2x_wire_msg_to_obs(&msg, a, o);
	if (rc)
		return rc;
	o->rsu_id = str(a, "cq-g65-k12-rsu3");
	o->has_seq = o->has_rx_time_us = o->has_replayed = 1;
	o->seq = 4000000000ull + type;
	o->rx_time_us = 1764150000000000ull + type;
	o->replayed = !present;
	o->has_record_only = !present;
	o->record_only = !present && type == V2X_MSG_BSM;
	if (uper_len) {
		o->has_uper = 1;
		o->uper.data = v2x_arena_alloc(a, uper_len);
		if (!o->uper.data)
			return V2X_ENOMEM;
		for (size_t i = 0; i < uper_len; i++)
			o->uper.data[i] = (uint8_t)(i * 31 + 7);
		o->uper.len = uper_len;
	}
	f->msg_case = V2X__WIRE__FRAME__MSG_OBSERVATION;
	f->observation = o;
	return 0;
}

static V2x__Wire__LatLon *latlon(struct v2x_arena *a, double lat, double lon)
{
	V2x__Wire__LatLon *p = alloc_msg(a, &v2x__wire__lat_lon__descriptor);

	if (p) {
		p->has_lat_deg = p->has_lon_deg = 1;
		p->lat_deg = lat;
		p->lon_deg = lon;
	}
	return p;
}

static V2x__Wire__Geofence *polygon(struct v2x_arena *a)
{
	V2x__Wire__Geofence *g = alloc_msg(a, &v2x__wire__geofence__descriptor);
	V2x__Wire__Polygon *p = alloc_msg(a, &v2x__wire__polygon__descriptor);

	if (!g || !p)
		return NULL;
	p->vertices = v2x_arena_calloc(a, 4, sizeof(void *));
	if (!p->vertices)
		return NULL;
	p->n_vertices = 4;
	p->vertices[0] = latlon(a, 29.61, 106.49);
	p->vertices[1] = latlon(a, 29.61, 106.53);
	p->vertices[2] = latlon(a, 29.58, 106.53);
	p->vertices[3] = latlon(a, 29.58, 106.49);
	for (size_t i = 0; i < 4; i++)
		if (!p->vertices[i])
			return NULL;
	g->shape_case = V2X__WIRE__GEOFENCE__SHAPE_POLYGON;
	g->polygon = p;
	return g;
}

static V2x__Wire__Geofence *box(struct v2x_arena *a)
{
	V2x__Wire__Geofence *g = alloc_msg(a, &v2x__wire__geofence__descriptor);
	V2x__Wire__Box *b = alloc_msg(a, &v2x__wire__box__descriptor);

	if (!g || !b)
		return NULL;
	b->has_south_deg = b->has_west_deg = b->has_north_deg = b->has_east_deg = 1;
	b->south_deg = 29.5;
	b->west_deg = 106.4;
	b->north_deg = 29.7;
	b->east_deg = 106.6;
	g->shape_case = V2X__WIRE__GEOFENCE__SHAPE_BOX;
	g->box = b;
	return g;
}

static int subscribe(struct v2x_arena *a, V2x__Wire__Frame *f, bool with_polygon)
{
	V2x__Wire__Subscribe *s = alloc_msg(a, &v2x__wire__subscribe__descriptor);

	if (!s)
		return V2X_ENOMEM;
	s->has_subscription_id = s->has_min_severity = 1;
	s->subscription_id = with_polygon ? 7 : 8;
	s->min_severity = V2X__WIRE__SEVERITY__SEVERITY_ADVISORY;
	s->geofence = with_polygon ? polygon(a) : box(a);
	s->vehicle_ids = v2x_arena_calloc(a, 2, sizeof(*s->vehicle_ids));
	s->warning_types = v2x_arena_calloc(a, 3, sizeof(*s->warning_types));
	if (!s->geofence || !s->vehicle_ids || !s->warning_types)
		return V2X_ENOMEM;
	s->n_vehicle_ids = 2;
	s->vehicle_ids[0] = bytes(a, vehicle_a, V2X_ID_LEN);
	s->vehicle_ids[1] = bytes(a, vehicle_b, V2X_ID_LEN);
	s->n_warning_types = with_polygon ? 3 : 0;
	s->warning_types[0] = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_CURVE_SPEED;
	s->warning_types[1] = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD;
	s->warning_types[2] = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_GLOSA;
	f->msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	f->subscribe = s;
	return 0;
}

static int unsubscribe(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__Unsubscribe *u = alloc_msg(a, &v2x__wire__unsubscribe__descriptor);

	if (!u)
		return V2X_ENOMEM;
	u->has_subscription_id = 1;
	u->subscription_id = 7;
	f->msg_case = V2X__WIRE__FRAME__MSG_UNSUBSCRIBE;
	f->unsubscribe = u;
	return 0;
}

static V2x__Wire__Subject *subject(struct v2x_arena *a, int kind)
{
	V2x__Wire__Subject *s = alloc_msg(a, &v2x__wire__subject__descriptor);
	V2x__Wire__HazardRef *h = alloc_msg(a, &v2x__wire__hazard_ref__descriptor);
	V2x__Wire__SignalRef *g = alloc_msg(a, &v2x__wire__signal_ref__descriptor);
	V2x__Wire__NodeReferenceId *n = alloc_msg(a, &v2x__wire__node_reference_id__descriptor);

	if (!s || !h || !g || !n)
		return NULL;
	if (kind == 0) {
		s->subject_case = V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID;
		s->vehicle_id = bytes(a, vehicle_b, V2X_ID_LEN);
		return s->vehicle_id.data ? s : NULL;
	}
	h->has_hazard_id = h->has_event_type = 1;
	h->hazard_id = 99;
	h->event_type = 1002;
	n->has_region = n->has_id = 1;
	n->region = 500;
	n->id = 12;
	g->intersection = n;
	g->has_phase_id = 1;
	g->phase_id = 3;
	s->subject_case =
	        kind == 1 ? V2X__WIRE__SUBJECT__SUBJECT_HAZARD : V2X__WIRE__SUBJECT__SUBJECT_SIGNAL;
	if (kind == 1)
		s->hazard = h;
	else
		s->signal = g;
	return s;
}

static V2x__Wire__SourceRef **sources(struct v2x_arena *a, size_t n)
{
	V2x__Wire__SourceRef **v = v2x_arena_calloc(a, n, sizeof(void *));

	for (size_t i = 0; v && i < n; i++) {
		v[i] = alloc_msg(a, &v2x__wire__source_ref__descriptor);
		if (!v[i])
			return NULL;
		v[i]->rsu_id = str(a, i ? "cq-g65-k13-rsu1" : "cq-g65-k12-rsu3");
		v[i]->has_seq = 1;
		v[i]->seq = 4000000001ull + i;
	}
	return v;
}

static int warning(struct v2x_arena *a, V2x__Wire__Frame *f, int kind)
{
	static const struct v2x_pos3d where = { 29.6012345, 106.5054321, true, 412.5 };
	V2x__Wire__Warning *w = alloc_msg(a, &v2x__wire__warning__descriptor);

	if (!w)
		return V2X_ENOMEM;
	w->has_warning_id = w->has_revision = w->has_type = w->has_severity = 1;
	w->warning_id = 1234567 + (uint64_t)kind;
	w->revision = (uint32_t)kind;
	w->type =
	        (V2x__Wire__WarningType)(kind + V2X__WIRE__WARNING_TYPE__WARNING_TYPE_CURVE_SPEED);
	w->severity = V2X__WIRE__SEVERITY__SEVERITY_CRITICAL;
	w->has_target_vehicle_id = 1;
	w->target_vehicle_id = bytes(a, vehicle_a, V2X_ID_LEN);
	w->subject = subject(a, kind);
	w->position = alloc_msg(a, &v2x__wire__position3_d__descriptor);
	if (!w->subject || !w->position)
		return V2X_ENOMEM;
	w->position->has_lat_deg = w->position->has_lon_deg = w->position->has_elev_m = 1;
	w->position->lat_deg = where.lat_deg;
	w->position->lon_deg = where.lon_deg;
	w->position->elev_m = where.elev_m;
	w->has_distance_m = w->has_time_to_event_s = 1;
	w->distance_m = 187.25;
	w->time_to_event_s = 9.5;
	w->has_advisory_speed_mps = kind != 2;
	w->advisory_speed_mps = 8.333;
	w->has_issue_time_us = w->has_expiry_time_us = w->has_trigger_rx_time_us = 1;
	w->issue_time_us = 1764150000200000ull;
	w->expiry_time_us = 1764150010200000ull;
	w->trigger_rx_time_us = 1764150000199123ull;
	w->n_sources = 2;
	w->sources = sources(a, 2);
	w->n_subscription_ids = 2;
	w->subscription_ids = v2x_arena_calloc(a, 2, sizeof(uint32_t));
	if (!w->sources || !w->subscription_ids)
		return V2X_ENOMEM;
	w->subscription_ids[0] = 7;
	w->subscription_ids[1] = 300000;
	w->text = str(a, "Curve ahead: slow to 30 km/h");
	f->msg_case = V2X__WIRE__FRAME__MSG_WARNING;
	f->warning = w;
	return 0;
}

static int cancellation(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__Cancellation *c = alloc_msg(a, &v2x__wire__cancellation__descriptor);

	if (!c)
		return V2X_ENOMEM;
	c->has_warning_id = c->has_reason = c->has_time_us = 1;
	c->warning_id = 1234567;
	c->reason = V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED;
	c->time_us = 1764150020000000ull;
	f->msg_case = V2X__WIRE__FRAME__MSG_CANCELLATION;
	f->cancellation = c;
	return 0;
}

static int ack(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__Ack *k = alloc_msg(a, &v2x__wire__ack__descriptor);

	if (!k)
		return V2X_ENOMEM;
	k->has_seq = 1;
	k->seq = 987654321;
	f->msg_case = V2X__WIRE__FRAME__MSG_ACK;
	f->ack = k;
	return 0;
}

/* A refused subscription, with its reason. */
static int subscribe_result(struct v2x_arena *a, V2x__Wire__Frame *f)
{
	V2x__Wire__SubscribeResult *r = alloc_msg(a, &v2x__wire__subscribe_result__descriptor);

	if (!r)
		return V2X_ENOMEM;
	r->has_subscription_id = r->has_status = 1;
	r->subscription_id = 7;
	r->status = V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_OUT_OF_SCOPE;
	r->reason = str(a, "vehicle 1a2b3c4d00000009 is outside this credential's scope");
	f->msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT;
	f->subscribe_result = r;
	return 0;
}

/* The events, signs or participants of a sample RSI or RSM, as a downlink. */
static int downlink_content(struct v2x_arena *a, V2x__Wire__Downlink *d, int kind)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	struct v2x_msg msg;
	int rc = wire_sample_msg(kind == 0 ? V2X_MSG_RSI : V2X_MSG_RSM, true, a, &msg);

	if (rc == 0)
		rc = v2x_wire_msg_to_obs(&msg, a, &obs);
	if (rc)
		return rc;
	if (kind == 0) {
		d->rsi = alloc_msg(a, &v2x__wire__rsi_broadcast__descriptor);
		if (!d->rsi)
			return V2X_ENOMEM;
		d->rsi->ref_pos = obs.rsi->ref_pos;
		d->rsi->n_rtes = obs.rsi->n_rtes;
		d->rsi->rtes = obs.rsi->rtes;
		d->rsi->n_rtss = obs.rsi->n_rtss;
		d->rsi->rtss = obs.rsi->rtss;
		d->action_case = V2X__WIRE__DOWNLINK__ACTION_RSI;
		return 0;
	}
	d->rsm = alloc_msg(a, &v2x__wire__rsm_broadcast__descriptor);
	if (!d->rsm)
		return V2X_ENOMEM;
	d->rsm->ref_pos = obs.rsm->ref_pos;
	d->rsm->n_participants = obs.rsm->n_participants;
	d->rsm->participants = obs.rsm->participants;
	d->action_case = V2X__WIRE__DOWNLINK__ACTION_RSM;
	return 0;
}

static int downlink(struct v2x_arena *a, V2x__Wire__Frame *f, int kind)
{
	V2x__Wire__Downlink *d = alloc_msg(a, &v2x__wire__downlink__descriptor);

	if (!d)
		return V2X_ENOMEM;
	d->has_request_id = d->has_start_time_us = d->has_end_time_us = 1;
	d->has_repeat_interval_ms = d->has_warning_id = 1;
	d->request_id = 77 + (uint64_t)kind;
	d->start_time_us = 1764150000000000ull;
	d->end_time_us = 1764153600000000ull;
	d->repeat_interval_ms = 100;
	d->warning_id = 1234567;
	d->n_rsu_ids = 2;
	d->rsu_ids = v2x_arena_calloc(a, 2, sizeof(char *));
	if (!d->rsu_ids)
		return V2X_ENOMEM;
	d->rsu_ids[0] = str(a, "cq-g65-k12-rsu3");
	d->rsu_ids[1] = str(a, "cq-g65-k13-rsu1");
	if (kind < 2) {
		int rc = downlink_content(a, d, kind);
		if (rc)
			return rc;
	} else {
		d->cancel = alloc_msg(a, &v2x__wire__downlink_cancel__descriptor);
		if (!d->cancel)
			return V2X_ENOMEM;
		d->cancel->has_request_id = 1;
		d->cancel->request_id = 77;
		d->action_case = V2X__WIRE__DOWNLINK__ACTION_CANCEL;
	}
	f->msg_case = V2X__WIRE__FRAME__MSG_DOWNLINK;
	f->downlink = d;
	return 0;
}

/* Observation frames: five rich, five sparse, one with big UPER bytes. */
enum { FIRST_OBS = 4, N_OBS = 11 };
#define N_FRAMES (FIRST_OBS + N_OBS + 12)

size_t wire_sample_frame_count(void)
{
	return N_FRAMES;
}

static int other_frame(size_t i, struct v2x_arena *a, V2x__Wire__Frame *f)
{
	switch (i) {
	case 0:
		return subscribe(a, f, true);
	case 1:
		return subscribe(a, f, false);
	case 2:
		return unsubscribe(a, f);
	case 3:
	case 4:
	case 5:
		return warning(a, f, (int)i - 3);
	case 6:
		return cancellation(a, f);
	case 7:
	case 8:
	case 9:
		return downlink(a, f, (int)i - 7);
	case 10:
		return subscribe_result(a, f);
	default:
		return ack(a, f);
	}
}

int wire_sample_frame(size_t i, struct v2x_arena *a, V2x__Wire__Frame *f)
{
	static int (*const session[FIRST_OBS])(struct v2x_arena *, V2x__Wire__Frame *) = {
		hello,
		hello_ack,
		bye,
		heartbeat,
	};

	v2x__wire__frame__init(f);
	if (i >= N_FRAMES)
		return V2X_EINVAL;
	if (i < FIRST_OBS)
		return session[i](a, f);
	if (i < FIRST_OBS + 10) {
		size_t k = i - FIRST_OBS;
		return observation(a, f, (enum v2x_msg_type)(1 + k % 5), k < 5, 0);
	}
	if (i == FIRST_OBS + 10)
		return observation(a, f, V2X_MSG_BSM, true, BIG_UPER);
	return other_frame(i - FIRST_OBS - N_OBS, a, f);
}
