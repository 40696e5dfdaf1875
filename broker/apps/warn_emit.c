/*
 * warn_emit: the wire messages of the warning table (warn.h), built in
 * buffers the table owns, and the table's names and metrics.  protobuf-c
 * messages point at non-const memory, so every string and id the caller
 * lent is copied into those buffers first.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "broker/apps/warn_int.h"

void brk__warn_emit_init(struct brk_warn *w)
{
	struct brk__warn_out *o = &w->out;

	v2x__wire__warning__init(&o->warning);
	v2x__wire__subject__init(&o->subject);
	v2x__wire__hazard_ref__init(&o->hazard);
	v2x__wire__signal_ref__init(&o->signal);
	v2x__wire__node_reference_id__init(&o->node);
	v2x__wire__position3_d__init(&o->position);
	v2x__wire__cancellation__init(&o->cancellation);
	for (size_t i = 0; i < BRK_WARN_SOURCES_MAX; i++) {
		v2x__wire__source_ref__init(&o->sources[i]);
		o->source_ptrs[i] = &o->sources[i];
	}
}

/* Copies at most max bytes of s (NULL: "") into buf, NUL-terminated. */
static char *copy_cut(char *buf, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max) : 0;

	if (n)
		memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static void build_subject(struct brk__warn_out *o, const struct brk_warn_subject *s)
{
	o->subject.subject_case = V2X__WIRE__SUBJECT__SUBJECT__NOT_SET;
	if (s->kind == BRK_WARN_SUBJECT_VEHICLE) {
		memcpy(o->vehicle, s->vehicle_id, V2X_ID_LEN);
		o->subject.subject_case = V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID;
		o->subject.vehicle_id = (ProtobufCBinaryData){ V2X_ID_LEN, o->vehicle };
	} else if (s->kind == BRK_WARN_SUBJECT_HAZARD) {
		o->hazard.has_hazard_id = true;
		o->hazard.hazard_id = s->hazard_id;
		o->hazard.has_event_type = s->has_event_type;
		o->hazard.event_type = s->event_type;
		o->hazard.has_ptc_type = s->has_ptc_type;
		o->hazard.ptc_type = s->ptc_type;
		o->subject.subject_case = V2X__WIRE__SUBJECT__SUBJECT_HAZARD;
		o->subject.hazard = &o->hazard;
	} else if (s->kind == BRK_WARN_SUBJECT_SIGNAL) {
		o->node.has_region = s->has_region;
		o->node.region = s->region;
		o->node.has_id = true;
		o->node.id = s->intersection;
		o->signal.intersection = &o->node;
		o->signal.has_phase_id = true;
		o->signal.phase_id = s->phase_id;
		o->subject.subject_case = V2X__WIRE__SUBJECT__SUBJECT_SIGNAL;
		o->subject.signal = &o->signal;
	}
}

static void build_position(struct brk__warn_out *o, const struct brk_warn_spec *s)
{
	V2x__Wire__Warning *m = &o->warning;

	m->position = NULL;
	if (isnan(s->lat_deg) || isnan(s->lon_deg))
		return;
	o->position.has_lat_deg = o->position.has_lon_deg = true;
	o->position.lat_deg = s->lat_deg;
	o->position.lon_deg = s->lon_deg;
	o->position.has_elev_m = !isnan(s->elev_m);
	o->position.elev_m = s->elev_m;
	m->position = &o->position;
}

static void build_numbers(V2x__Wire__Warning *m, const struct brk_warn_spec *s)
{
	m->has_distance_m = !isnan(s->distance_m);
	m->distance_m = s->distance_m;
	m->has_time_to_event_s = !isnan(s->time_to_event_s);
	m->time_to_event_s = s->time_to_event_s;
	m->has_advisory_speed_mps = !isnan(s->advisory_speed_mps);
	m->advisory_speed_mps = s->advisory_speed_mps;
}

static void build_sources(struct brk__warn_out *o, const struct brk_warn_spec *s)
{
	for (size_t i = 0; i < s->n_sources; i++) {
		o->sources[i].rsu_id =
		        copy_cut(o->rsu_ids[i], s->sources[i].rsu_id, BRK_WARN_RSU_ID_MAX);
		o->sources[i].has_seq = true;
		o->sources[i].seq = s->sources[i].seq;
	}
	o->warning.n_sources = s->n_sources;
	o->warning.sources = s->n_sources ? o->source_ptrs : NULL;
}

void brk__warn_emit_warning(struct brk_warn *w, const struct brk_warn_entry *e,
                            const struct brk_warn_spec *s, bool issued, int64_t now_us)
{
	struct brk__warn_out *o = &w->out;
	V2x__Wire__Warning *m = &o->warning;

	m->has_warning_id = m->has_revision = m->has_type = m->has_severity = true;
	m->warning_id = e->warning_id;
	m->revision = e->revision;
	m->type = e->key.type;
	m->severity = s->severity;
	memcpy(o->target, e->key.target, V2X_ID_LEN);
	m->has_target_vehicle_id = true;
	m->target_vehicle_id = (ProtobufCBinaryData){ V2X_ID_LEN, o->target };
	build_subject(o, &e->key.subject);
	m->subject = o->subject.subject_case ? &o->subject : NULL;
	build_position(o, s);
	build_numbers(m, s);
	m->has_issue_time_us = m->has_expiry_time_us = true;
	m->issue_time_us = (uint64_t)now_us;
	m->expiry_time_us = (uint64_t)e->emitted_expiry_us;
	build_sources(o, s);
	m->has_trigger_rx_time_us = s->trigger_rx_time_us > 0;
	m->trigger_rx_time_us = (uint64_t)s->trigger_rx_time_us;
	m->text = s->text ? copy_cut(o->text, s->text, BRK_WARN_TEXT_MAX) : NULL;
	w->sink.on_warning(w->sink.arg, m, issued, s->target_lat_deg, s->target_lon_deg);
}

void brk__warn_emit_cancel(struct brk_warn *w, uint64_t id, V2x__Wire__CancelReason reason,
                           bool expired, int64_t now_us)
{
	V2x__Wire__Cancellation *c = &w->out.cancellation;

	c->has_warning_id = c->has_time_us = true;
	c->warning_id = id;
	c->time_us = (uint64_t)now_us;
	c->has_reason = !expired;
	c->reason = reason;
	w->sink.on_cancel(w->sink.arg, c, expired);
}

/* ---- names and metrics ------------------------------------------------- */

static const char *const type_names[BRK_WARN_TYPES] = {
	"unspecified",       "curve_speed",          "blind_curve_oncoming",
	"hazard_ahead",      "forward_collision",    "steep_downgrade",
	"speed_limit",       "red_light_violation",  "intersection_collision",
	"emergency_vehicle", "vulnerable_road_user", "glosa",
};

static const char *const reason_names[BRK_WARN_REASONS] = {
	"unspecified", "resolved", "superseded", "source_lost", "map_changed", "operator",
};

const char *brk_warn_type_name(size_t type)
{
	return type < BRK_WARN_TYPES ? type_names[type] : "unknown";
}

const char *brk_warn_reason_name(size_t reason)
{
	return reason < BRK_WARN_REASONS ? reason_names[reason] : "unknown";
}

/* The gauge of active warnings leaves out type 0 (never raised). */
static const char *type_from1(size_t i)
{
	return brk_warn_type_name(i + 1);
}

#define STAT(f) offsetof(struct brk_warn_stats, f)

/* clang-format off */
#define BY_TYPE(f, what)                                                       \
	{ .name = "v2x_broker_warnings_total",                                 \
	  .help = "Warning lifecycle events, by type and event.",             \
	  .type = V2X_METRIC_COUNTER, .offset = STAT(f),                       \
	  .count = BRK_WARN_TYPES, .label = "type",                            \
	  .label_value = brk_warn_type_name, .skip_zero = true,               \
	  .fixed = { "event", what } }
/* clang-format on */

static const struct v2x_metric warn_metrics[] = {
	BY_TYPE(issued, "issued"),
	BY_TYPE(updated, "updated"),
	BY_TYPE(suppressed, "suppressed_repeat"),
	BY_TYPE(cancelled, "cancelled"),
	BY_TYPE(expired, "expired"),
	{ .name = "v2x_broker_warnings_cancelled_total",
	  .help = "Warnings cancelled, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(by_reason),
	  .count = BRK_WARN_REASONS,
	  .label = "reason",
	  .label_value = brk_warn_reason_name },
	{ .name = "v2x_broker_warnings_refused_total",
	  .help = "Raises refused, by cause.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(refused),
	  .fixed = { "cause", "table_full" } },
	{ .name = "v2x_broker_warnings_refused_total",
	  .help = "Raises refused, by cause.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(invalid),
	  .fixed = { "cause", "invalid" } },
	{ .name = "v2x_broker_warnings_clear_unknown_total",
	  .help = "Clears of a warning not held.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(clear_unknown) },
	{ .name = "v2x_broker_warnings_active",
	  .help = "Warnings active now, by type.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_SIZE,
	  .offset = STAT(active) + sizeof(size_t),
	  .count = BRK_WARN_TYPES - 1,
	  .label = "type",
	  .label_value = type_from1 },
	V2X_METRIC_END,
};

int brk_warn_metrics_add(const struct brk_warn *w, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen)
{
	return v2x_metrics_add(m, warn_metrics, &w->stats, labels, n_labels, err, errlen);
}
