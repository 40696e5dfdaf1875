/* RoadsideSafetyMessage <-> struct v2x_rsm. */
#include "codecs/norm.h"

#include "runtime/err.h"

static void participant_motion_from(struct cvt *cv, const ParticipantData_t *a,
                                    struct v2x_participant *m)
{
	norm__opt_enum_from(cv, &norm__transmission, a->transmission, &m->has_transmission,
	                    &m->transmission, "transmission");
	m->speed_mps = cvt__scaled_from(cv, &norm__speed, a->speed, "speed_mps");
	m->heading_deg = cvt__scaled_from(cv, &norm__heading, a->heading, "heading_deg");
	norm__opt_scaled_from(cv, &norm__steering, a->angle, &m->has_steering, &m->steering_deg,
	                      "steering_deg");
	m->has_motion_confidence = a->motionCfd != NULL;
	if (a->motionCfd)
		norm__motion_confidence_from(cv, a->motionCfd, &m->motion_confidence);
	m->has_accel = a->accelSet != NULL;
	if (a->accelSet)
		norm__accel_from(cv, a->accelSet, &m->accel);
}

static void participant_from(struct cvt *cv, const ParticipantData_t *a,
                             const struct v2x_pos3d *ref, struct v2x_participant *m)
{
	m->ptc_type = cvt__enum_from(cv, &norm__ptc_type, a->ptcType, "ptc_type");
	m->ptc_id = (uint16_t)cvt__int_from(cv, a->ptcId, 0, 65535, "ptc_id");
	m->source = cvt__enum_from(cv, &norm__ptc_source, a->source, "source");
	m->has_id = a->id != NULL;
	if (a->id)
		cvt__octets_from(cv, a->id, m->id, V2X_ID_LEN, "id");
	m->sec_mark_s = cvt__scaled_from(cv, &norm__dsecond, a->secMark, "sec_mark_s");
	cvt__push(cv, "pos");
	norm__llv_from(cv, &a->pos, ref, &m->pos);
	cvt__pop(cv);
	norm__pos_confidence_from(cv, &a->posConfidence, &m->pos_confidence);
	participant_motion_from(cv, a, m);
	norm__vsize_from(cv, &a->size, &m->size);
	m->has_vclass = a->vehicleClass != NULL;
	if (a->vehicleClass)
		norm__vclass_from(cv, a->vehicleClass, &m->vclass);
}

static void participant_motion_to(struct cvt *cv, const struct v2x_participant *m,
                                  ParticipantData_t *a)
{
	a->transmission = norm__opt_enum_to(cv, &norm__transmission, m->has_transmission,
	                                    m->transmission, "transmission");
	a->speed = cvt__scaled_to(cv, &norm__speed, m->speed_mps, "speed_mps");
	a->heading = cvt__scaled_to(cv, &norm__heading, m->heading_deg, "heading_deg");
	a->angle = norm__opt_scaled_to(cv, &norm__steering, m->has_steering, m->steering_deg,
	                               "steering_deg");
	if (m->has_motion_confidence)
		a->motionCfd = norm__motion_confidence_to(cv, &m->motion_confidence);
	if (m->has_accel) {
		a->accelSet = CVT_NEW(cv, AccelerationSet4Way_t);
		if (a->accelSet)
			norm__accel_to(cv, &m->accel, a->accelSet);
	}
}

static void participant_to(struct cvt *cv, const struct v2x_participant *m,
                           const struct v2x_pos3d *ref, ParticipantData_t *a)
{
	a->ptcType = cvt__enum_to(cv, &norm__ptc_type, m->ptc_type, "ptc_type");
	a->ptcId = m->ptc_id;
	a->source = cvt__enum_to(cv, &norm__ptc_source, m->source, "source");
	if (m->has_id) {
		a->id = CVT_NEW(cv, OCTET_STRING_t);
		if (a->id)
			cvt__octets_to(cv, m->id, V2X_ID_LEN, a->id);
	}
	a->secMark = cvt__scaled_to(cv, &norm__dsecond, m->sec_mark_s, "sec_mark_s");
	cvt__push(cv, "pos");
	norm__llv_to(cv, &m->pos, ref, &a->pos);
	cvt__pop(cv);
	norm__pos_confidence_to(cv, &m->pos_confidence, &a->posConfidence);
	participant_motion_to(cv, m, a);
	norm__vsize_to(cv, &m->size, &a->size);
	if (m->has_vclass) {
		a->vehicleClass = CVT_NEW(cv, VehicleClassification_t);
		if (a->vehicleClass)
			norm__vclass_to(cv, &m->vclass, a->vehicleClass);
	}
}

void norm__rsm_from(struct cvt *cv, const RoadsideSafetyMessage_t *a, struct v2x_rsm *m)
{
	const ParticipantList_t *l = &a->participants;

	cvt__push(cv, "rsm");
	m->msg_cnt = (uint8_t)cvt__int_from(cv, a->msgCnt, 0, 127, "msg_cnt");
	cvt__octets_from(cv, &a->id, m->id, V2X_ID_LEN, "id");
	cvt__push(cv, "ref_pos");
	norm__pos3d_from(cv, &a->refPos, &m->ref_pos);
	cvt__pop(cv);
	m->n_participants = 0;
	m->participants = cvt__list_from(cv, l->list.count, 1, V2X_PARTICIPANTS_MAX,
	                                 sizeof(*m->participants), "participants");
	if (m->participants) {
		m->n_participants = (size_t)l->list.count;
		for (size_t i = 0; i < m->n_participants; i++) {
			cvt__push_index(cv, "participants", i);
			participant_from(cv, CVT_ELEM(l->list, i), &m->ref_pos,
			                 &m->participants[i]);
			cvt__pop(cv);
		}
	}
	cvt__pop(cv);
}

void norm__rsm_to(struct cvt *cv, const struct v2x_rsm *m, RoadsideSafetyMessage_t *a)
{
	ParticipantData_t *e;

	cvt__push(cv, "rsm");
	a->msgCnt = cvt__int_to(cv, m->msg_cnt, 0, 127, "msg_cnt");
	cvt__octets_to(cv, m->id, V2X_ID_LEN, &a->id);
	cvt__push(cv, "ref_pos");
	norm__pos3d_to(cv, &m->ref_pos, &a->refPos);
	cvt__pop(cv);
	e = cvt__list_to(cv, &a->participants.list, m->n_participants, 1, V2X_PARTICIPANTS_MAX,
	                 sizeof(*e), "participants");
	for (size_t i = 0; e && i < m->n_participants; i++) {
		cvt__push_index(cv, "participants", i);
		participant_to(cv, &m->participants[i], &m->ref_pos, &e[i]);
		cvt__pop(cv);
	}
	cvt__pop(cv);
}
