/*
 * RoadsideSafetyMessage <-> Rsm.  Conventions in convert_int.h.
 */
#include "codecs/wire/convert_int.h"

/* The fields that say how the participant moves and what it is. */
static void motion_out(struct v2x_wire__cv *cv, const struct v2x_participant *m,
                       V2x__Wire__Participant *o)
{
	PUT_OPT(o, transmission, m->has_transmission, m->transmission);
	PUT_D(o, speed_mps, m->speed_mps);
	PUT_D(o, heading_deg, m->heading_deg);
	PUT_OPT(o, steering_deg, m->has_steering, m->steering_deg);
	o->motion_confidence = m->has_motion_confidence
	                               ? v2x_wire__motion_conf_out(cv, &m->motion_confidence)
	                               : NULL;
	o->accel = m->has_accel ? v2x_wire__accel_out(cv, &m->accel) : NULL;
	o->size = v2x_wire__vsize_out(cv, &m->size);
	o->vclass = m->has_vclass ? v2x_wire__vclass_out(cv, &m->vclass) : NULL;
}

static V2x__Wire__Participant *participant_out(struct v2x_wire__cv *cv,
                                               const struct v2x_participant *m)
{
	V2x__Wire__Participant *o = v2x_wire__new(cv, &v2x__wire__participant__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, ptc_type, m->ptc_type);
	PUT_U(o, ptc_id, m->ptc_id);
	PUT_U(o, source, m->source);
	if (m->has_id)
		v2x_wire__put_bytes(cv, &o->has_id, &o->id, m->id, V2X_ID_LEN);
	PUT_D(o, sec_mark_s, m->sec_mark_s);
	o->pos = v2x_wire__llv_out(cv, &m->pos);
	o->pos_confidence = v2x_wire__pos_conf_out(cv, &m->pos_confidence);
	motion_out(cv, m, o);
	return o;
}

static void motion_in(struct v2x_wire__cv *cv, const V2x__Wire__Participant *o,
                      struct v2x_participant *m)
{
	m->has_transmission = o->has_transmission;
	m->transmission = GET_U8(cv, o, transmission);
	m->speed_mps = GET_D(o, speed_mps);
	m->heading_deg = GET_D(o, heading_deg);
	m->has_steering = o->has_steering_deg;
	m->steering_deg = o->steering_deg;
	m->has_motion_confidence = o->motion_confidence != NULL;
	v2x_wire__motion_conf_in(cv, o->motion_confidence, &m->motion_confidence);
	m->has_accel = o->accel != NULL;
	v2x_wire__accel_in(cv, o->accel, &m->accel);
	v2x_wire__vsize_in(cv, o->size, &m->size);
	m->has_vclass = o->vclass != NULL;
	v2x_wire__vclass_in(cv, o->vclass, &m->vclass);
}

static void participant_in(struct v2x_wire__cv *cv, const V2x__Wire__Participant *o,
                           struct v2x_participant *m)
{
	static const V2x__Wire__Participant none = V2X__WIRE__PARTICIPANT__INIT;

	if (!o)
		o = &none;
	m->ptc_type = GET_U8(cv, o, ptc_type);
	m->ptc_id = GET_U16(cv, o, ptc_id);
	m->source = GET_U8(cv, o, source);
	m->has_id = o->has_id;
	if (o->has_id)
		v2x_wire__get_id(cv, o->has_id, &o->id, m->id, "Participant", "id");
	m->sec_mark_s = GET_D(o, sec_mark_s);
	v2x_wire__llv_in(cv, o->pos, &m->pos);
	v2x_wire__pos_conf_in(cv, o->pos_confidence, &m->pos_confidence);
	motion_in(cv, o, m);
}

V2x__Wire__Rsm *v2x_wire__rsm_out(struct v2x_wire__cv *cv, const struct v2x_rsm *m)
{
	V2x__Wire__Rsm *o = v2x_wire__new(cv, &v2x__wire__rsm__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, msg_cnt, m->msg_cnt);
	v2x_wire__put_bytes(cv, &o->has_id, &o->id, m->id, V2X_ID_LEN);
	o->ref_pos = v2x_wire__pos3d_out(cv, &m->ref_pos);
	OUT_LIST(cv, o, participants, m->n_participants, m->participants, participant_out);
	return o;
}

void v2x_wire__rsm_in(struct v2x_wire__cv *cv, const V2x__Wire__Rsm *o, struct v2x_rsm *m)
{
	static const V2x__Wire__Rsm none = V2X__WIRE__RSM__INIT;

	if (!o)
		o = &none;
	m->msg_cnt = GET_U8(cv, o, msg_cnt);
	v2x_wire__get_id(cv, o->has_id, &o->id, m->id, "Rsm", "id");
	v2x_wire__pos3d_in(cv, o->ref_pos, &m->ref_pos);
	IN_LIST(cv, o, participants, V2X_PARTICIPANTS_MAX, m->n_participants, m->participants,
	        participant_in);
}
