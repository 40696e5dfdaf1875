/*
 * The text form of a struct v2x_msg that the tests and the fuzz target
 * compare: every field on its own line, named by its path.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/tests/wire_samples.h"
#include "runtime/compiler.h"

struct dump {
	FILE *f;
	char path[512];
};

/* Appends a path component; returns the length to pop back to. */
V2X_PRINTF(2, 3) static size_t push(struct dump *d, const char *fmt, ...)
{
	size_t old = strlen(d->path);
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 reports an uninitialised va_list here when it analyses
	 * several files in one run (its valist checker keeps state across them). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(d->path + old, sizeof(d->path) - old, fmt, ap);
	va_end(ap);
	return old;
}

static void pop(struct dump *d, size_t old)
{
	d->path[old] = '\0';
}

/* Any NaN is "nan": its sign and payload mean nothing in the model. */
static void dd(struct dump *d, const char *name, double v)
{
	if (isnan(v))
		fprintf(d->f, "%s.%s = nan\n", d->path, name);
	else
		fprintf(d->f, "%s.%s = %.17g\n", d->path, name, v);
}

static void du(struct dump *d, const char *name, unsigned long long v)
{
	fprintf(d->f, "%s.%s = %llu\n", d->path, name, v);
}

/* Prints a has_ flag and returns it, so the value follows only if present. */
static bool dh(struct dump *d, const char *name, bool has)
{
	fprintf(d->f, "%s.has_%s = %d\n", d->path, name, has);
	return has;
}

static void dbytes(struct dump *d, const char *name, const uint8_t *v, size_t n)
{
	fprintf(d->f, "%s.%s = [%zu]", d->path, name, n);
	for (size_t i = 0; i < n; i++)
		fprintf(d->f, " %02x", v[i]);
	fputc('\n', d->f);
}

/* A name as its bytes, so that a NUL inside it is compared too. */
static void dname(struct dump *d, const char *name, const struct v2x_name *s)
{
	dbytes(d, name, (const uint8_t *)s->s, s->len);
}

static void pos3d(struct dump *d, const char *name, const struct v2x_pos3d *m)
{
	size_t o = push(d, ".%s", name);
	dd(d, "lat_deg", m->lat_deg);
	dd(d, "lon_deg", m->lon_deg);
	if (dh(d, "elev", m->has_elev))
		dd(d, "elev_m", m->elev_m);
	pop(d, o);
}

static void llv(struct dump *d, const char *name, const struct v2x_llv *m)
{
	size_t o = push(d, ".%s", name);
	du(d, "ll_enc", m->ll_enc);
	dd(d, "dlat_deg", m->dlat_deg);
	dd(d, "dlon_deg", m->dlon_deg);
	dd(d, "lat_deg", m->lat_deg);
	dd(d, "lon_deg", m->lon_deg);
	du(d, "v_enc", m->v_enc);
	dd(d, "v_m", m->v_m);
	pop(d, o);
}

static void points(struct dump *d, const char *name, const struct v2x_points *m)
{
	du(d, name, m->n);
	for (size_t i = 0; i < m->n; i++) {
		char el[64];
		snprintf(el, sizeof(el), "%s[%zu]", name, i);
		llv(d, el, &m->v[i]);
	}
}

static void accuracy(struct dump *d, const struct v2x_pos_accuracy *m)
{
	size_t o = push(d, ".pos_accuracy");
	dd(d, "semi_major_m", m->semi_major_m);
	dd(d, "semi_minor_m", m->semi_minor_m);
	dd(d, "orientation_deg", m->orientation_deg);
	pop(d, o);
}

static void pos_conf(struct dump *d, const struct v2x_pos_confidence *m)
{
	size_t o = push(d, ".pos_confidence");
	du(d, "pos", m->pos);
	if (dh(d, "elev", m->has_elev))
		du(d, "elev", m->elev);
	pop(d, o);
}

static void motion_conf(struct dump *d, const struct v2x_motion_confidence *m)
{
	size_t o = push(d, ".motion_confidence");
	if (dh(d, "speed", m->has_speed))
		du(d, "speed", m->speed);
	if (dh(d, "heading", m->has_heading))
		du(d, "heading", m->heading);
	if (dh(d, "steer", m->has_steer))
		du(d, "steer", m->steer);
	pop(d, o);
}

static void accel(struct dump *d, const struct v2x_accel4 *m)
{
	size_t o = push(d, ".accel");
	dd(d, "lon_mps2", m->lon_mps2);
	dd(d, "lat_mps2", m->lat_mps2);
	dd(d, "vert_mps2", m->vert_mps2);
	dd(d, "yaw_dps", m->yaw_dps);
	pop(d, o);
}

static void vsize(struct dump *d, const struct v2x_vsize *m)
{
	size_t o = push(d, ".size");
	dd(d, "width_m", m->width_m);
	dd(d, "length_m", m->length_m);
	if (dh(d, "height", m->has_height))
		dd(d, "height_m", m->height_m);
	pop(d, o);
}

static void vclass(struct dump *d, const struct v2x_vclass *m)
{
	size_t o = push(d, ".vclass");
	du(d, "classification", m->classification);
	if (dh(d, "fuel", m->has_fuel))
		du(d, "fuel", m->fuel);
	pop(d, o);
}

static void node_ref(struct dump *d, const char *name, const struct v2x_node_ref *m)
{
	size_t o = push(d, ".%s", name);
	if (dh(d, "region", m->has_region))
		du(d, "region", m->region);
	du(d, "id", m->id);
	pop(d, o);
}

/* ---- BSM ---------------------------------------------------------------- */

static void brakes(struct dump *d, const struct v2x_brakes *m)
{
	size_t o = push(d, ".brakes");
	if (dh(d, "pedal", m->has_pedal))
		du(d, "pedal", m->pedal);
	if (dh(d, "wheel_brakes", m->has_wheel_brakes))
		du(d, "wheel_brakes", m->wheel_brakes);
	if (dh(d, "traction", m->has_traction))
		du(d, "traction", m->traction);
	if (dh(d, "abs", m->has_abs))
		du(d, "abs", m->abs);
	if (dh(d, "scs", m->has_scs))
		du(d, "scs", m->scs);
	if (dh(d, "boost", m->has_boost))
		du(d, "boost", m->boost);
	if (dh(d, "aux", m->has_aux))
		du(d, "aux", m->aux);
	pop(d, o);
}

static void datetime(struct dump *d, const struct v2x_datetime *m)
{
	size_t o = push(d, ".utc_time");
	if (dh(d, "year", m->has_year))
		du(d, "year", m->year);
	if (dh(d, "month", m->has_month))
		du(d, "month", m->month);
	if (dh(d, "day", m->has_day))
		du(d, "day", m->day);
	if (dh(d, "hour", m->has_hour))
		du(d, "hour", m->hour);
	if (dh(d, "minute", m->has_minute))
		du(d, "minute", m->minute);
	if (dh(d, "second", m->has_second))
		dd(d, "second_s", m->second_s);
	if (dh(d, "offset", m->has_offset))
		fprintf(d->f, "%s.offset_min = %d\n", d->path, m->offset_min);
	pop(d, o);
}

static void full_pos(struct dump *d, const struct v2x_full_pos *m)
{
	size_t o = push(d, ".initial_pos");
	if (dh(d, "utc_time", m->has_utc_time))
		datetime(d, &m->utc_time);
	pos3d(d, "pos", &m->pos);
	if (dh(d, "heading", m->has_heading))
		dd(d, "heading_deg", m->heading_deg);
	if (dh(d, "transmission", m->has_transmission))
		du(d, "transmission", m->transmission);
	if (dh(d, "speed", m->has_speed))
		dd(d, "speed_mps", m->speed_mps);
	if (dh(d, "pos_accuracy", m->has_pos_accuracy))
		accuracy(d, &m->pos_accuracy);
	if (dh(d, "pos_confidence", m->has_pos_confidence))
		pos_conf(d, &m->pos_confidence);
	if (dh(d, "time_confidence", m->has_time_confidence))
		du(d, "time_confidence", m->time_confidence);
	if (dh(d, "motion_confidence", m->has_motion_confidence))
		motion_conf(d, &m->motion_confidence);
	pop(d, o);
}

static void path_point(struct dump *d, size_t i, const struct v2x_path_point *m)
{
	size_t o = push(d, ".points[%zu]", i);
	llv(d, "pos", &m->pos);
	dd(d, "time_offset_s", m->time_offset_s);
	if (dh(d, "speed", m->has_speed))
		dd(d, "speed_mps", m->speed_mps);
	if (dh(d, "pos_confidence", m->has_pos_confidence))
		pos_conf(d, &m->pos_confidence);
	if (dh(d, "heading", m->has_heading))
		dd(d, "heading_deg", m->heading_deg);
	pop(d, o);
}

static void safety(struct dump *d, const struct v2x_safety_ext *m)
{
	size_t o = push(d, ".safety_ext");
	if (dh(d, "events", m->has_events)) {
		du(d, "events_nbits", m->events_nbits);
		du(d, "events", m->events);
	}
	if (dh(d, "path_history", m->has_path_history)) {
		const struct v2x_path_history *h = &m->path_history;
		size_t o2 = push(d, ".path_history");
		if (dh(d, "initial_pos", h->has_initial_pos))
			full_pos(d, &h->initial_pos);
		if (dh(d, "gnss_status", h->has_gnss_status))
			du(d, "gnss_status", h->gnss_status);
		du(d, "n", h->n);
		for (size_t i = 0; i < h->n; i++)
			path_point(d, i, &h->v[i]);
		pop(d, o2);
	}
	if (dh(d, "path_prediction", m->has_path_prediction)) {
		dd(d, "path_prediction.radius_m", m->path_prediction.radius_m);
		dd(d, "path_prediction.confidence_pct", m->path_prediction.confidence_pct);
	}
	if (dh(d, "lights", m->has_lights)) {
		du(d, "lights_nbits", m->lights_nbits);
		du(d, "lights", m->lights);
	}
	pop(d, o);
}

static void emergency(struct dump *d, const struct v2x_emergency_ext *m)
{
	size_t o = push(d, ".emergency_ext");
	if (dh(d, "response_type", m->has_response_type))
		du(d, "response_type", m->response_type);
	if (dh(d, "siren", m->has_siren))
		du(d, "siren", m->siren);
	if (dh(d, "lightbar", m->has_lightbar))
		du(d, "lightbar", m->lightbar);
	pop(d, o);
}

static void bsm(struct dump *d, const struct v2x_bsm *m)
{
	du(d, "msg_cnt", m->msg_cnt);
	dbytes(d, "id", m->id, V2X_ID_LEN);
	dd(d, "sec_mark_s", m->sec_mark_s);
	if (dh(d, "time_confidence", m->has_time_confidence))
		du(d, "time_confidence", m->time_confidence);
	pos3d(d, "pos", &m->pos);
	if (dh(d, "pos_accuracy", m->has_pos_accuracy))
		accuracy(d, &m->pos_accuracy);
	if (dh(d, "pos_confidence", m->has_pos_confidence))
		pos_conf(d, &m->pos_confidence);
	du(d, "transmission", m->transmission);
	dd(d, "speed_mps", m->speed_mps);
	dd(d, "heading_deg", m->heading_deg);
	if (dh(d, "steering", m->has_steering))
		dd(d, "steering_deg", m->steering_deg);
	if (dh(d, "motion_confidence", m->has_motion_confidence))
		motion_conf(d, &m->motion_confidence);
	accel(d, &m->accel);
	brakes(d, &m->brakes);
	vsize(d, &m->size);
	vclass(d, &m->vclass);
	if (dh(d, "safety_ext", m->has_safety_ext))
		safety(d, &m->safety_ext);
	if (dh(d, "emergency_ext", m->has_emergency_ext))
		emergency(d, &m->emergency_ext);
}

/* ---- MAP ---------------------------------------------------------------- */

static void speed_limits(struct dump *d, const struct v2x_speed_limits *m)
{
	du(d, "speed_limits", m->n);
	for (size_t i = 0; i < m->n; i++) {
		size_t o = push(d, ".speed_limits[%zu]", i);
		du(d, "type", m->v[i].type);
		dd(d, "speed_mps", m->v[i].speed_mps);
		pop(d, o);
	}
}

static void connection(struct dump *d, size_t i, const struct v2x_connection *m)
{
	size_t o = push(d, ".connections[%zu]", i);
	node_ref(d, "remote", &m->remote);
	if (dh(d, "lane", m->has_lane))
		du(d, "lane", m->lane);
	if (dh(d, "lane_maneuvers", m->has_lane_maneuvers))
		du(d, "lane_maneuvers", m->lane_maneuvers);
	if (dh(d, "phase", m->has_phase))
		du(d, "phase", m->phase);
	pop(d, o);
}

static void lane(struct dump *d, size_t i, const struct v2x_lane *m)
{
	size_t o = push(d, ".lanes[%zu]", i);
	du(d, "lane_id", m->lane_id);
	if (dh(d, "width", m->has_width))
		dd(d, "width_m", m->width_m);
	if (dh(d, "attributes", m->has_attributes)) {
		if (dh(d, "attributes.share_with", m->attributes.has_share_with))
			du(d, "attributes.share_with", m->attributes.share_with);
		du(d, "attributes.kind", m->attributes.kind);
		du(d, "attributes.type_nbits", m->attributes.type_nbits);
		du(d, "attributes.type_bits", m->attributes.type_bits);
	}
	if (dh(d, "maneuvers", m->has_maneuvers))
		du(d, "maneuvers", m->maneuvers);
	du(d, "n_connections", m->n_connections);
	for (size_t k = 0; k < m->n_connections; k++)
		connection(d, k, &m->connections[k]);
	speed_limits(d, &m->speed_limits);
	points(d, "points", &m->points);
	pop(d, o);
}

static void link(struct dump *d, size_t i, const struct v2x_link *m)
{
	size_t o = push(d, ".links[%zu]", i);
	dname(d, "name", &m->name);
	node_ref(d, "upstream", &m->upstream);
	speed_limits(d, &m->speed_limits);
	if (dh(d, "width", m->has_width))
		dd(d, "width_m", m->width_m);
	points(d, "points", &m->points);
	du(d, "n_movements", m->n_movements);
	for (size_t k = 0; k < m->n_movements; k++) {
		size_t o2 = push(d, ".movements[%zu]", k);
		node_ref(d, "remote", &m->movements[k].remote);
		if (dh(d, "phase", m->movements[k].has_phase))
			du(d, "phase", m->movements[k].phase);
		pop(d, o2);
	}
	du(d, "n_lanes", m->n_lanes);
	for (size_t k = 0; k < m->n_lanes; k++)
		lane(d, k, &m->lanes[k]);
	pop(d, o);
}

static void map(struct dump *d, const struct v2x_map *m)
{
	du(d, "msg_cnt", m->msg_cnt);
	if (dh(d, "timestamp", m->has_timestamp))
		dd(d, "timestamp_moy_s", m->timestamp_moy_s);
	du(d, "n_nodes", m->n_nodes);
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct v2x_node *n = &m->nodes[i];
		size_t o = push(d, ".nodes[%zu]", i);
		dname(d, "name", &n->name);
		node_ref(d, "id", &n->id);
		pos3d(d, "ref_pos", &n->ref_pos);
		du(d, "n_links", n->n_links);
		for (size_t k = 0; k < n->n_links; k++)
			link(d, k, &n->links[k]);
		pop(d, o);
	}
}

/* ---- SPAT --------------------------------------------------------------- */

static void timing(struct dump *d, const struct v2x_timing *m)
{
	size_t o = push(d, ".timing");
	du(d, "kind", m->kind);
	dd(d, "start_s", m->start_s);
	if (dh(d, "min_end", m->has_min_end))
		dd(d, "min_end_s", m->min_end_s);
	if (dh(d, "max_end", m->has_max_end))
		dd(d, "max_end_s", m->max_end_s);
	dd(d, "likely_end_s", m->likely_end_s);
	if (dh(d, "confidence", m->has_confidence))
		dd(d, "confidence_pct", m->confidence_pct);
	if (dh(d, "next_start", m->has_next_start))
		dd(d, "next_start_s", m->next_start_s);
	if (dh(d, "next", m->has_next))
		dd(d, "next_s", m->next_s);
	pop(d, o);
}

static void phase(struct dump *d, size_t i, const struct v2x_phase *m)
{
	size_t o = push(d, ".phases[%zu]", i);
	du(d, "id", m->id);
	du(d, "n_states", m->n_states);
	for (size_t k = 0; k < m->n_states; k++) {
		size_t o2 = push(d, ".states[%zu]", k);
		du(d, "light", m->states[k].light);
		if (dh(d, "timing", m->states[k].has_timing))
			timing(d, &m->states[k].timing);
		pop(d, o2);
	}
	pop(d, o);
}

static void spat(struct dump *d, const struct v2x_spat *m)
{
	du(d, "msg_cnt", m->msg_cnt);
	if (dh(d, "moy", m->has_moy))
		dd(d, "moy_s", m->moy_s);
	if (dh(d, "timestamp", m->has_timestamp))
		dd(d, "timestamp_s", m->timestamp_s);
	dname(d, "name", &m->name);
	du(d, "n_intersections", m->n_intersections);
	for (size_t i = 0; i < m->n_intersections; i++) {
		const struct v2x_intersection_state *s = &m->intersections[i];
		size_t o = push(d, ".intersections[%zu]", i);
		node_ref(d, "id", &s->id);
		du(d, "status", s->status);
		if (dh(d, "moy", s->has_moy))
			dd(d, "moy_s", s->moy_s);
		if (dh(d, "timestamp", s->has_timestamp))
			dd(d, "timestamp_s", s->timestamp_s);
		if (dh(d, "time_confidence", s->has_time_confidence))
			du(d, "time_confidence", s->time_confidence);
		du(d, "n_phases", s->n_phases);
		for (size_t k = 0; k < s->n_phases; k++)
			phase(d, k, &s->phases[k]);
		pop(d, o);
	}
}

/* ---- RSI ---------------------------------------------------------------- */

static void rsi_common(struct dump *d, const struct v2x_text *text, bool has_time,
                       const struct v2x_rsi_time *t, const struct v2x_ref_paths *paths,
                       const struct v2x_ref_links *links)
{
	du(d, "description.kind", text->kind);
	dbytes(d, "description.data", text->data, text->len);
	if (dh(d, "time", has_time)) {
		if (dh(d, "time.start", t->has_start))
			dd(d, "time.start_moy_s", t->start_moy_s);
		if (dh(d, "time.end", t->has_end))
			dd(d, "time.end_moy_s", t->end_moy_s);
		if (dh(d, "time.end_confidence", t->has_end_confidence))
			du(d, "time.end_confidence", t->end_confidence);
	}
	du(d, "paths", paths->n);
	for (size_t i = 0; i < paths->n; i++) {
		size_t o = push(d, ".paths[%zu]", i);
		points(d, "points", &paths->v[i].points);
		dd(d, "radius_m", paths->v[i].radius_m);
		pop(d, o);
	}
	du(d, "links", links->n);
	for (size_t i = 0; i < links->n; i++) {
		size_t o = push(d, ".links[%zu]", i);
		node_ref(d, "upstream", &links->v[i].upstream);
		node_ref(d, "downstream", &links->v[i].downstream);
		if (dh(d, "lanes", links->v[i].has_lanes))
			du(d, "lanes", links->v[i].lanes);
		pop(d, o);
	}
}

static void rte(struct dump *d, size_t i, const struct v2x_rte *m)
{
	size_t o = push(d, ".rtes[%zu]", i);
	du(d, "id", m->id);
	du(d, "event_type", m->event_type);
	du(d, "source", m->source);
	if (dh(d, "pos", m->has_pos))
		llv(d, "pos", &m->pos);
	if (dh(d, "radius", m->has_radius))
		dd(d, "radius_m", m->radius_m);
	if (dh(d, "priority", m->has_priority))
		du(d, "priority", m->priority);
	if (dh(d, "confidence", m->has_confidence))
		dd(d, "confidence_pct", m->confidence_pct);
	rsi_common(d, &m->description, m->has_time, &m->time, &m->paths, &m->links);
	pop(d, o);
}

static void rts(struct dump *d, size_t i, const struct v2x_rts *m)
{
	size_t o = push(d, ".rtss[%zu]", i);
	du(d, "id", m->id);
	du(d, "sign_type", m->sign_type);
	if (dh(d, "pos", m->has_pos))
		llv(d, "pos", &m->pos);
	if (dh(d, "priority", m->has_priority))
		du(d, "priority", m->priority);
	rsi_common(d, &m->description, m->has_time, &m->time, &m->paths, &m->links);
	pop(d, o);
}

static void rsi(struct dump *d, const struct v2x_rsi *m)
{
	du(d, "msg_cnt", m->msg_cnt);
	if (dh(d, "moy", m->has_moy))
		dd(d, "moy_s", m->moy_s);
	dbytes(d, "id", m->id, V2X_ID_LEN);
	pos3d(d, "ref_pos", &m->ref_pos);
	du(d, "n_rtes", m->n_rtes);
	for (size_t i = 0; i < m->n_rtes; i++)
		rte(d, i, &m->rtes[i]);
	du(d, "n_rtss", m->n_rtss);
	for (size_t i = 0; i < m->n_rtss; i++)
		rts(d, i, &m->rtss[i]);
}

/* ---- RSM ---------------------------------------------------------------- */

static void participant(struct dump *d, size_t i, const struct v2x_participant *m)
{
	size_t o = push(d, ".participants[%zu]", i);
	du(d, "ptc_type", m->ptc_type);
	du(d, "ptc_id", m->ptc_id);
	du(d, "source", m->source);
	if (dh(d, "id", m->has_id))
		dbytes(d, "id", m->id, V2X_ID_LEN);
	dd(d, "sec_mark_s", m->sec_mark_s);
	llv(d, "pos", &m->pos);
	pos_conf(d, &m->pos_confidence);
	if (dh(d, "transmission", m->has_transmission))
		du(d, "transmission", m->transmission);
	dd(d, "speed_mps", m->speed_mps);
	dd(d, "heading_deg", m->heading_deg);
	if (dh(d, "steering", m->has_steering))
		dd(d, "steering_deg", m->steering_deg);
	if (dh(d, "motion_confidence", m->has_motion_confidence))
		motion_conf(d, &m->motion_confidence);
	if (dh(d, "accel", m->has_accel))
		accel(d, &m->accel);
	vsize(d, &m->size);
	if (dh(d, "vclass", m->has_vclass))
		vclass(d, &m->vclass);
	pop(d, o);
}

static void rsm(struct dump *d, const struct v2x_rsm *m)
{
	du(d, "msg_cnt", m->msg_cnt);
	dbytes(d, "id", m->id, V2X_ID_LEN);
	pos3d(d, "ref_pos", &m->ref_pos);
	du(d, "n_participants", m->n_participants);
	for (size_t i = 0; i < m->n_participants; i++)
		participant(d, i, &m->participants[i]);
}

void wire_dump_msg(FILE *f, const struct v2x_msg *msg)
{
	struct dump d = { .f = f, .path = "msg" };

	du(&d, "type", msg->type);
	du(&d, "flags", msg->flags);
	switch (msg->type) {
	case V2X_MSG_BSM:
		bsm(&d, &msg->u.bsm);
		break;
	case V2X_MSG_MAP:
		map(&d, &msg->u.map);
		break;
	case V2X_MSG_SPAT:
		spat(&d, &msg->u.spat);
		break;
	case V2X_MSG_RSI:
		rsi(&d, &msg->u.rsi);
		break;
	case V2X_MSG_RSM:
		rsm(&d, &msg->u.rsm);
		break;
	default:
		break;
	}
}

/* Returns the text form of msg, or NULL when out of memory; caller frees. */
static char *dump_text(const struct v2x_msg *msg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	wire_dump_msg(f, msg);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* One "key = value" line of the text form. */
struct line {
	const char *key;
	int keylen;
	const char *val;
	int vallen;
};

/* Splits text into lines; returns their number, or -1 when out of memory. */
static ptrdiff_t split(const char *text, struct line **out)
{
	size_t n = 0, cap = 0;
	struct line *v = NULL;

	for (const char *p = text; *p; n++) {
		size_t len = strcspn(p, "\n");
		const char *eq = memchr(p, '=', len);
		if (n == cap) {
			struct line *grown = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v));
			if (!grown) {
				free(v);
				return -1;
			}
			v = grown;
		}
		v[n].key = p;
		v[n].keylen = eq ? (int)(eq - p - 1) : (int)len;
		v[n].val = eq ? eq + 2 : p + len;
		v[n].vallen = eq ? (int)(len - (size_t)(eq - p) - 2) : 0;
		p += len + (p[len] == '\n');
	}
	*out = v;
	return (ptrdiff_t)n;
}

static bool same_key(const struct line *a, const struct line *b)
{
	return a->keylen == b->keylen && memcmp(a->key, b->key, (size_t)a->keylen) == 0;
}

static void report(FILE *f, int *n, const struct line *a, const struct line *b)
{
	const struct line *k = a ? a : b;

	if (f && *n < 40)
		fprintf(f, "%.*s: %.*s != %.*s\n", k->keylen, k->key, a ? a->vallen : 8,
		        a ? a->val : "(absent)", b ? b->vallen : 8, b ? b->val : "(absent)");
	(*n)++;
}

/*
 * Walks both line lists by key: a field on one side only (a subtree that
 * is present on one side, absent on the other) is reported as such, and
 * the walk goes on in step after it.
 */
static int diff_lines(const struct line *a, size_t na, const struct line *b, size_t nb, FILE *f)
{
	size_t i = 0, j = 0, k;
	int n = 0;

	while (i < na || j < nb) {
		if (i < na && j < nb && same_key(&a[i], &b[j])) {
			if (a[i].vallen != b[j].vallen ||
			    memcmp(a[i].val, b[j].val, (size_t)a[i].vallen) != 0)
				report(f, &n, &a[i], &b[j]);
			i++;
			j++;
			continue;
		}
		for (k = j; i < na && k < nb && !same_key(&a[i], &b[k]); k++)
			;
		if (i < na && k < nb) {
			while (j < k)
				report(f, &n, NULL, &b[j++]);
		} else if (i < na) {
			report(f, &n, &a[i++], NULL);
		} else {
			report(f, &n, NULL, &b[j++]);
		}
	}
	return n;
}

static int diff_text(const char *a, const char *b, FILE *report_to)
{
	struct line *la = NULL, *lb = NULL;
	ptrdiff_t na = split(a, &la), nb = na < 0 ? -1 : split(b, &lb);
	int n = na < 0 || nb < 0 ? -1 : diff_lines(la, (size_t)na, lb, (size_t)nb, report_to);

	free(la);
	free(lb);
	return n;
}

int wire_msg_diff(const struct v2x_msg *a, const struct v2x_msg *b, FILE *report)
{
	char *ta = dump_text(a);
	char *tb = dump_text(b);
	int n = -1;

	if (ta && tb)
		n = diff_text(ta, tb, report);
	free(ta);
	free(tb);
	return n;
}
