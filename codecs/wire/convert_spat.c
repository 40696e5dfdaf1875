/*
 * SPAT <-> Spat.  Conventions in convert_int.h.
 */
#include "codecs/wire/convert_int.h"

static V2x__Wire__TimeChangeDetails *timing_out(struct v2x_wire__cv *cv, const struct v2x_timing *m)
{
	V2x__Wire__TimeChangeDetails *o =
	        v2x_wire__new(cv, &v2x__wire__time_change_details__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, kind, m->kind);
	PUT_D(o, start_s, m->start_s);
	PUT_OPT(o, min_end_s, m->has_min_end, m->min_end_s);
	PUT_OPT(o, max_end_s, m->has_max_end, m->max_end_s);
	PUT_D(o, likely_end_s, m->likely_end_s);
	PUT_OPT(o, confidence_pct, m->has_confidence, m->confidence_pct);
	PUT_OPT(o, next_start_s, m->has_next_start, m->next_start_s);
	PUT_OPT(o, next_s, m->has_next, m->next_s);
	return o;
}

static void timing_in(struct v2x_wire__cv *cv, const V2x__Wire__TimeChangeDetails *o,
                      struct v2x_timing *m)
{
	static const V2x__Wire__TimeChangeDetails none = V2X__WIRE__TIME_CHANGE_DETAILS__INIT;

	if (!o)
		o = &none;
	m->kind = GET_U8(cv, o, kind);
	m->start_s = GET_D(o, start_s);
	m->has_min_end = o->has_min_end_s;
	m->min_end_s = o->min_end_s;
	m->has_max_end = o->has_max_end_s;
	m->max_end_s = o->max_end_s;
	m->likely_end_s = GET_D(o, likely_end_s);
	m->has_confidence = o->has_confidence_pct;
	m->confidence_pct = o->confidence_pct;
	m->has_next_start = o->has_next_start_s;
	m->next_start_s = o->next_start_s;
	m->has_next = o->has_next_s;
	m->next_s = o->next_s;
}

static V2x__Wire__PhaseState *state_out(struct v2x_wire__cv *cv, const struct v2x_phase_state *m)
{
	V2x__Wire__PhaseState *o = v2x_wire__new(cv, &v2x__wire__phase_state__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, light, m->light);
	o->timing = m->has_timing ? timing_out(cv, &m->timing) : NULL;
	return o;
}

static void state_in(struct v2x_wire__cv *cv, const V2x__Wire__PhaseState *o,
                     struct v2x_phase_state *m)
{
	static const V2x__Wire__PhaseState none = V2X__WIRE__PHASE_STATE__INIT;

	if (!o)
		o = &none;
	m->light = GET_U8(cv, o, light);
	m->has_timing = o->timing != NULL;
	timing_in(cv, o->timing, &m->timing);
}

static V2x__Wire__Phase *phase_out(struct v2x_wire__cv *cv, const struct v2x_phase *m)
{
	V2x__Wire__Phase *o = v2x_wire__new(cv, &v2x__wire__phase__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, id, m->id);
	OUT_LIST(cv, o, states, m->n_states, m->states, state_out);
	return o;
}

static void phase_in(struct v2x_wire__cv *cv, const V2x__Wire__Phase *o, struct v2x_phase *m)
{
	static const V2x__Wire__Phase none = V2X__WIRE__PHASE__INIT;

	if (!o)
		o = &none;
	m->id = GET_U8(cv, o, id);
	IN_LIST(cv, o, states, V2X_PHASE_STATES_MAX, m->n_states, m->states, state_in);
}

static V2x__Wire__IntersectionState *intersection_out(struct v2x_wire__cv *cv,
                                                      const struct v2x_intersection_state *m)
{
	V2x__Wire__IntersectionState *o =
	        v2x_wire__new(cv, &v2x__wire__intersection_state__descriptor);

	if (!o)
		return NULL;
	o->id = v2x_wire__node_ref_out(cv, &m->id);
	PUT_U(o, status, m->status);
	PUT_OPT(o, moy_s, m->has_moy, m->moy_s);
	PUT_OPT(o, timestamp_s, m->has_timestamp, m->timestamp_s);
	PUT_OPT(o, time_confidence, m->has_time_confidence, m->time_confidence);
	OUT_LIST(cv, o, phases, m->n_phases, m->phases, phase_out);
	return o;
}

static void intersection_in(struct v2x_wire__cv *cv, const V2x__Wire__IntersectionState *o,
                            struct v2x_intersection_state *m)
{
	static const V2x__Wire__IntersectionState none = V2X__WIRE__INTERSECTION_STATE__INIT;

	if (!o)
		o = &none;
	v2x_wire__node_ref_in(cv, o->id, &m->id);
	m->status = GET_U16(cv, o, status);
	m->has_moy = o->has_moy_s;
	m->moy_s = o->moy_s;
	m->has_timestamp = o->has_timestamp_s;
	m->timestamp_s = o->timestamp_s;
	m->has_time_confidence = o->has_time_confidence;
	m->time_confidence = GET_U8(cv, o, time_confidence);
	IN_LIST(cv, o, phases, V2X_PHASES_MAX, m->n_phases, m->phases, phase_in);
}

V2x__Wire__Spat *v2x_wire__spat_out(struct v2x_wire__cv *cv, const struct v2x_spat *m)
{
	V2x__Wire__Spat *o = v2x_wire__new(cv, &v2x__wire__spat__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, msg_cnt, m->msg_cnt);
	PUT_OPT(o, moy_s, m->has_moy, m->moy_s);
	PUT_OPT(o, timestamp_s, m->has_timestamp, m->timestamp_s);
	v2x_wire__put_name(cv, &o->has_name, &o->name, &m->name);
	OUT_LIST(cv, o, intersections, m->n_intersections, m->intersections, intersection_out);
	return o;
}

void v2x_wire__spat_in(struct v2x_wire__cv *cv, const V2x__Wire__Spat *o, struct v2x_spat *m)
{
	static const V2x__Wire__Spat none = V2X__WIRE__SPAT__INIT;

	if (!o)
		o = &none;
	m->msg_cnt = GET_U8(cv, o, msg_cnt);
	m->has_moy = o->has_moy_s;
	m->moy_s = o->moy_s;
	m->has_timestamp = o->has_timestamp_s;
	m->timestamp_s = o->timestamp_s;
	v2x_wire__get_name(cv, o->has_name, &o->name, &m->name, "Spat", "name");
	IN_LIST(cv, o, intersections, V2X_INTERSECTIONS_MAX, m->n_intersections, m->intersections,
	        intersection_in);
}
