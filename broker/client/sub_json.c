/*
 * sub_json: a Warning or Cancellation as one JSON line: every field the
 * frame has, ids as hex strings, enums by name, doubles that are NaN as
 * null, and the subscriber's own receive time and latency.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "broker/client/sub.h"

static json_t *hex(const uint8_t *data, size_t len)
{
	char buf[2 * 64 + 1];
	size_t i;

	for (i = 0; i < len && i < 64; i++)
		snprintf(buf + 2 * i, 3, "%02x", data[i]);
	buf[2 * i] = '\0';
	return json_string(buf);
}

static json_t *hex64(uint64_t v)
{
	char buf[17];

	snprintf(buf, sizeof(buf), "%016" PRIx64, v);
	return json_string(buf);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *name(const ProtobufCEnumDescriptor *d, int v)
{
	char buf[64];

	return json_string(v2x_client_enum_name(d, v, buf, sizeof(buf)));
}

static json_t *position(const V2x__Wire__Position3D *p)
{
	json_t *o = json_object();

	if (p->has_lat_deg)
		json_object_set_new(o, "lat_deg", num(p->lat_deg));
	if (p->has_lon_deg)
		json_object_set_new(o, "lon_deg", num(p->lon_deg));
	if (p->has_elev_m)
		json_object_set_new(o, "elev_m", num(p->elev_m));
	return o;
}

static json_t *hazard(const V2x__Wire__HazardRef *h)
{
	json_t *o = json_object();

	if (h->has_hazard_id)
		json_object_set_new(o, "hazard_id", hex64(h->hazard_id));
	if (h->has_event_type)
		json_object_set_new(o, "event_type", json_integer(h->event_type));
	if (h->has_ptc_type)
		json_object_set_new(o, "ptc_type", json_integer(h->ptc_type));
	return o;
}

static json_t *signal_ref(const V2x__Wire__SignalRef *s)
{
	json_t *o = json_object(), *node = json_object();

	if (s->intersection) {
		if (s->intersection->has_region)
			json_object_set_new(node, "region", json_integer(s->intersection->region));
		if (s->intersection->has_id)
			json_object_set_new(node, "id", json_integer(s->intersection->id));
		json_object_set_new(o, "intersection", node);
	} else {
		json_decref(node);
	}
	if (s->has_phase_id)
		json_object_set_new(o, "phase_id", json_integer(s->phase_id));
	return o;
}

static json_t *subject(const V2x__Wire__Subject *s)
{
	json_t *o = json_object();

	switch (s->subject_case) {
	case V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID:
		json_object_set_new(o, "vehicle_id", hex(s->vehicle_id.data, s->vehicle_id.len));
		break;
	case V2X__WIRE__SUBJECT__SUBJECT_HAZARD:
		json_object_set_new(o, "hazard", hazard(s->hazard));
		break;
	case V2X__WIRE__SUBJECT__SUBJECT_SIGNAL:
		json_object_set_new(o, "signal", signal_ref(s->signal));
		break;
	default:
		break;
	}
	return o;
}

static json_t *sources(const V2x__Wire__Warning *w)
{
	json_t *a = json_array();

	for (size_t i = 0; i < w->n_sources; i++) {
		json_t *o = json_object();

		if (w->sources[i]->rsu_id)
			json_object_set_new(o, "rsu_id", json_string(w->sources[i]->rsu_id));
		if (w->sources[i]->has_seq)
			json_object_set_new(o, "seq", u64(w->sources[i]->seq));
		json_array_append_new(a, o);
	}
	return a;
}

/* The identity and classification of a warning. */
static void warning_head(json_t *o, const V2x__Wire__Warning *w)
{
	if (w->has_warning_id)
		json_object_set_new(o, "warning_id", hex64(w->warning_id));
	if (w->has_revision)
		json_object_set_new(o, "revision", json_integer(w->revision));
	if (w->has_type)
		json_object_set_new(o, "type", name(&v2x__wire__warning_type__descriptor, w->type));
	if (w->has_severity)
		json_object_set_new(o, "severity",
		                    name(&v2x__wire__severity__descriptor, w->severity));
	if (w->has_target_vehicle_id)
		json_object_set_new(o, "target_vehicle_id",
		                    hex(w->target_vehicle_id.data, w->target_vehicle_id.len));
	if (w->subject)
		json_object_set_new(o, "subject", subject(w->subject));
}

/* Where, when and why. */
static void warning_body(json_t *o, const V2x__Wire__Warning *w)
{
	json_t *ids = json_array();

	if (w->position)
		json_object_set_new(o, "position", position(w->position));
	if (w->has_distance_m)
		json_object_set_new(o, "distance_m", num(w->distance_m));
	if (w->has_time_to_event_s)
		json_object_set_new(o, "time_to_event_s", num(w->time_to_event_s));
	if (w->has_advisory_speed_mps)
		json_object_set_new(o, "advisory_speed_mps", num(w->advisory_speed_mps));
	if (w->has_issue_time_us)
		json_object_set_new(o, "issue_time_us", u64(w->issue_time_us));
	if (w->has_expiry_time_us)
		json_object_set_new(o, "expiry_time_us", u64(w->expiry_time_us));
	json_object_set_new(o, "sources", sources(w));
	if (w->has_trigger_rx_time_us)
		json_object_set_new(o, "trigger_rx_time_us", u64(w->trigger_rx_time_us));
	for (size_t i = 0; i < w->n_subscription_ids; i++)
		json_array_append_new(ids, json_integer(w->subscription_ids[i]));
	json_object_set_new(o, "subscription_ids", ids);
	if (w->text)
		json_object_set_new(o, "text", json_string(w->text));
}

static void cancellation(json_t *o, const V2x__Wire__Cancellation *c)
{
	if (c->has_warning_id)
		json_object_set_new(o, "warning_id", hex64(c->warning_id));
	if (c->has_reason)
		json_object_set_new(o, "reason",
		                    name(&v2x__wire__cancel_reason__descriptor, c->reason));
	if (c->has_time_us)
		json_object_set_new(o, "time_us", u64(c->time_us));
}

bool sub_json_latency(const struct v2x_client_event *ev, int64_t *us)
{
	if (ev->type == V2X_CLIENT_EV_WARNING && ev->warning->has_trigger_rx_time_us) {
		*us = ev->rx_time_us - (int64_t)ev->warning->trigger_rx_time_us;
		return true;
	}
	if (ev->type == V2X_CLIENT_EV_CANCELLATION && ev->cancellation->has_time_us) {
		*us = ev->rx_time_us - (int64_t)ev->cancellation->time_us;
		return true;
	}
	return false;
}

void sub_json_print(FILE *out, const struct v2x_client_event *ev)
{
	json_t *o = json_object();
	int64_t lat;

	if (ev->type == V2X_CLIENT_EV_WARNING) {
		json_object_set_new(o, "event", json_string("warning"));
		warning_head(o, ev->warning);
		warning_body(o, ev->warning);
	} else {
		json_object_set_new(o, "event", json_string("cancellation"));
		cancellation(o, ev->cancellation);
	}
	json_object_set_new(o, "rx_time_us", json_integer(ev->rx_time_us));
	json_object_set_new(o, "latency_us",
	                    sub_json_latency(ev, &lat) ? json_integer(lat) : json_null());
	json_dumpf(o, out, JSON_COMPACT | JSON_REAL_PRECISION(12));
	fputc('\n', out);
	fflush(out);
	json_decref(o);
}
