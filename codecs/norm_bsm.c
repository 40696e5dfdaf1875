/* BasicSafetyMessage <-> struct v2x_bsm. */
#include "codecs/norm.h"

#include <math.h>

#include "runtime/err.h"

/* RadiusOfCurvature: 10 cm, 32767 = straight (kept as +INFINITY). */
#define RADIUS_STRAIGHT 32767
static const struct cvt_scale curve_radius = { -32767, 32767, 0.1, false, 0 };

static void path_point_from(struct cvt *cv, const PathHistoryPoint_t *a,
                            const struct v2x_pos3d *ref, struct v2x_path_point *m)
{
	cvt__push(cv, "pos");
	norm__llv_from(cv, &a->llvOffset, ref, &m->pos);
	cvt__pop(cv);
	m->time_offset_s = cvt__scaled_from(cv, &norm__time_offset, a->timeOffset, "time_offset_s");
	norm__opt_scaled_from(cv, &norm__speed, a->speed, &m->has_speed, &m->speed_mps,
	                      "speed_mps");
	m->has_pos_confidence = a->posAccuracy != NULL;
	if (a->posAccuracy)
		norm__pos_confidence_from(cv, a->posAccuracy, &m->pos_confidence);
	norm__opt_scaled_from(cv, &norm__coarse_heading, a->heading, &m->has_heading,
	                      &m->heading_deg, "heading_deg");
}

static void path_point_to(struct cvt *cv, const struct v2x_path_point *m,
                          const struct v2x_pos3d *ref, PathHistoryPoint_t *a)
{
	cvt__push(cv, "pos");
	norm__llv_to(cv, &m->pos, ref, &a->llvOffset);
	cvt__pop(cv);
	a->timeOffset = cvt__scaled_to(cv, &norm__time_offset, m->time_offset_s, "time_offset_s");
	a->speed = norm__opt_scaled_to(cv, &norm__speed, m->has_speed, m->speed_mps, "speed_mps");
	if (m->has_pos_confidence) {
		a->posAccuracy = CVT_NEW(cv, PositionConfidenceSet_t);
		if (a->posAccuracy)
			norm__pos_confidence_to(cv, &m->pos_confidence, a->posAccuracy);
	}
	a->heading = norm__opt_scaled_to(cv, &norm__coarse_heading, m->has_heading, m->heading_deg,
	                                 "heading_deg");
}

static void path_history_from(struct cvt *cv, const PathHistory_t *a, const struct v2x_pos3d *ref,
                              struct v2x_path_history *m)
{
	const PathHistoryPointList_t *l = &a->crumbData;

	m->has_initial_pos = a->initialPosition != NULL;
	if (a->initialPosition) {
		cvt__push(cv, "initial_pos");
		norm__full_pos_from(cv, a->initialPosition, &m->initial_pos);
		cvt__pop(cv);
	}
	m->has_gnss_status = a->currGNSSstatus != NULL;
	if (a->currGNSSstatus)
		m->gnss_status =
		        (uint8_t)cvt__bits_from(cv, a->currGNSSstatus, 8, 8, NULL, "gnss_status");
	m->n = 0;
	m->v = cvt__list_from(cv, l->list.count, 1, V2X_PATH_HISTORY_MAX, sizeof(*m->v), "points");
	if (!m->v)
		return;
	m->n = (size_t)l->list.count;
	for (size_t i = 0; i < m->n; i++) {
		cvt__push_index(cv, "points", i);
		path_point_from(cv, CVT_ELEM(l->list, i), ref, &m->v[i]);
		cvt__pop(cv);
	}
}

static PathHistory_t *path_history_to(struct cvt *cv, const struct v2x_path_history *m,
                                      const struct v2x_pos3d *ref)
{
	PathHistory_t *a = CVT_NEW(cv, PathHistory_t);
	PathHistoryPoint_t *e;

	if (!a)
		return NULL;
	if (m->has_initial_pos) {
		cvt__push(cv, "initial_pos");
		a->initialPosition = norm__full_pos_to(cv, &m->initial_pos);
		cvt__pop(cv);
	}
	if (m->has_gnss_status)
		a->currGNSSstatus = cvt__new_bits(cv, m->gnss_status, 8);
	e = cvt__list_to(cv, &a->crumbData.list, m->n, 1, V2X_PATH_HISTORY_MAX, sizeof(*e),
	                 "points");
	for (size_t i = 0; e && i < m->n; i++) {
		cvt__push_index(cv, "points", i);
		path_point_to(cv, &m->v[i], ref, &e[i]);
		cvt__pop(cv);
	}
	return a;
}

static void path_prediction_from(struct cvt *cv, const PathPrediction_t *a,
                                 struct v2x_path_prediction *m)
{
	m->radius_m = a->radiusOfCurve == RADIUS_STRAIGHT
	                      ? INFINITY
	                      : cvt__scaled_from(cv, &curve_radius, a->radiusOfCurve, "radius_m");
	m->confidence_pct =
	        cvt__scaled_from(cv, &norm__confidence, a->confidence, "confidence_pct");
}

static PathPrediction_t *path_prediction_to(struct cvt *cv, const struct v2x_path_prediction *m)
{
	PathPrediction_t *a = CVT_NEW(cv, PathPrediction_t);

	if (!a)
		return NULL;
	a->radiusOfCurve = isinf(m->radius_m) && m->radius_m > 0
	                           ? RADIUS_STRAIGHT
	                           : cvt__scaled_to(cv, &curve_radius, m->radius_m, "radius_m");
	/* +3276.7 m is the "straight" code: a real radius stops below it. */
	if (a->radiusOfCurve == RADIUS_STRAIGHT && !isinf(m->radius_m))
		cvt__fail(cv, V2X_ERANGE, "radius_m", "%g is the code of a straight path (use inf)",
		          m->radius_m);
	a->confidence = cvt__scaled_to(cv, &norm__confidence, m->confidence_pct, "confidence_pct");
	return a;
}

static void safety_ext_from(struct cvt *cv, const VehicleSafetyExtensions_t *a,
                            const struct v2x_pos3d *ref, struct v2x_safety_ext *m)
{
	m->has_events = a->events != NULL;
	if (a->events)
		m->events = cvt__bits_from(cv, a->events, 1, -1, &m->events_nbits, "events");
	m->has_path_history = a->pathHistory != NULL;
	if (a->pathHistory) {
		cvt__push(cv, "path_history");
		path_history_from(cv, a->pathHistory, ref, &m->path_history);
		cvt__pop(cv);
	}
	m->has_path_prediction = a->pathPrediction != NULL;
	if (a->pathPrediction) {
		cvt__push(cv, "path_prediction");
		path_prediction_from(cv, a->pathPrediction, &m->path_prediction);
		cvt__pop(cv);
	}
	m->has_lights = a->lights != NULL;
	if (a->lights)
		m->lights = cvt__bits_from(cv, a->lights, 1, -1, &m->lights_nbits, "lights");
}

/*
 * Extensible bit strings: the root size when nbits is 0 (a message built in
 * code), else the length the message carried; a length other than the
 * root size travels in the extension form (X.691 16.6).
 */
static unsigned ext_nbits(struct cvt *cv, uint8_t nbits, unsigned root, const char *field)
{
	if (nbits == 0)
		return root;
	if (nbits > 64)
		cvt__fail(cv, V2X_ERANGE, field, "%u bits, expected 1..64", nbits);
	return nbits;
}

static VehicleSafetyExtensions_t *safety_ext_to(struct cvt *cv, const struct v2x_safety_ext *m,
                                                const struct v2x_pos3d *ref)
{
	VehicleSafetyExtensions_t *a = CVT_NEW(cv, VehicleSafetyExtensions_t);

	if (!a)
		return NULL;
	if (m->has_events)
		a->events = cvt__new_bits(cv, m->events,
		                          ext_nbits(cv, m->events_nbits, 13, "events_nbits"));
	if (m->has_path_history) {
		cvt__push(cv, "path_history");
		a->pathHistory = path_history_to(cv, &m->path_history, ref);
		cvt__pop(cv);
	}
	if (m->has_path_prediction) {
		cvt__push(cv, "path_prediction");
		a->pathPrediction = path_prediction_to(cv, &m->path_prediction);
		cvt__pop(cv);
	}
	if (m->has_lights)
		a->lights = cvt__new_bits(cv, m->lights,
		                          ext_nbits(cv, m->lights_nbits, 9, "lights_nbits"));
	return a;
}

static void emergency_ext_from(struct cvt *cv, const VehicleEmergencyExtensions_t *a,
                               struct v2x_emergency_ext *m)
{
	norm__opt_enum_from(cv, &norm__response_type, a->responseType, &m->has_response_type,
	                    &m->response_type, "response_type");
	norm__opt_enum_from(cv, &norm__siren, a->sirenUse, &m->has_siren, &m->siren, "siren");
	norm__opt_enum_from(cv, &norm__lightbar, a->lightsUse, &m->has_lightbar, &m->lightbar,
	                    "lightbar");
}

static VehicleEmergencyExtensions_t *emergency_ext_to(struct cvt *cv,
                                                      const struct v2x_emergency_ext *m)
{
	VehicleEmergencyExtensions_t *a = CVT_NEW(cv, VehicleEmergencyExtensions_t);

	if (!a)
		return NULL;
	a->responseType = norm__opt_enum_to(cv, &norm__response_type, m->has_response_type,
	                                    m->response_type, "response_type");
	a->sirenUse = norm__opt_enum_to(cv, &norm__siren, m->has_siren, m->siren, "siren");
	a->lightsUse =
	        norm__opt_enum_to(cv, &norm__lightbar, m->has_lightbar, m->lightbar, "lightbar");
	return a;
}

/* The fields that every BSM has, and its OPTIONAL scalars. */
static void bsm_core_from(struct cvt *cv, const BasicSafetyMessage_t *a, struct v2x_bsm *m)
{
	m->msg_cnt = (uint8_t)cvt__int_from(cv, a->msgCnt, 0, 127, "msg_cnt");
	cvt__octets_from(cv, &a->id, m->id, V2X_ID_LEN, "id");
	m->sec_mark_s = cvt__scaled_from(cv, &norm__dsecond, a->secMark, "sec_mark_s");
	norm__opt_enum_from(cv, &norm__time_confidence, a->timeConfidence, &m->has_time_confidence,
	                    &m->time_confidence, "time_confidence");
	cvt__push(cv, "pos");
	norm__pos3d_from(cv, &a->pos, &m->pos);
	cvt__pop(cv);
	m->transmission = cvt__enum_from(cv, &norm__transmission, a->transmission, "transmission");
	m->speed_mps = cvt__scaled_from(cv, &norm__speed, a->speed, "speed_mps");
	m->heading_deg = cvt__scaled_from(cv, &norm__heading, a->heading, "heading_deg");
	norm__opt_scaled_from(cv, &norm__steering, a->angle, &m->has_steering, &m->steering_deg,
	                      "steering_deg");
}

void norm__bsm_from(struct cvt *cv, const BasicSafetyMessage_t *a, struct v2x_bsm *m)
{
	cvt__push(cv, "bsm");
	bsm_core_from(cv, a, m);
	m->has_pos_accuracy = a->posAccuracy != NULL;
	if (a->posAccuracy)
		norm__pos_accuracy_from(cv, a->posAccuracy, &m->pos_accuracy);
	m->has_pos_confidence = a->posConfidence != NULL;
	if (a->posConfidence)
		norm__pos_confidence_from(cv, a->posConfidence, &m->pos_confidence);
	m->has_motion_confidence = a->motionCfd != NULL;
	if (a->motionCfd)
		norm__motion_confidence_from(cv, a->motionCfd, &m->motion_confidence);
	norm__accel_from(cv, &a->accelSet, &m->accel);
	norm__brakes_from(cv, &a->brakes, &m->brakes);
	norm__vsize_from(cv, &a->size, &m->size);
	norm__vclass_from(cv, &a->vehicleClass, &m->vclass);
	m->has_safety_ext = a->safetyExt != NULL;
	if (a->safetyExt) {
		cvt__push(cv, "safety_ext");
		safety_ext_from(cv, a->safetyExt, &m->pos, &m->safety_ext);
		cvt__pop(cv);
	}
	m->has_emergency_ext = a->emergencyExt != NULL;
	if (a->emergencyExt)
		emergency_ext_from(cv, a->emergencyExt, &m->emergency_ext);
	cvt__pop(cv);
}

static void bsm_core_to(struct cvt *cv, const struct v2x_bsm *m, BasicSafetyMessage_t *a)
{
	a->msgCnt = cvt__int_to(cv, m->msg_cnt, 0, 127, "msg_cnt");
	cvt__octets_to(cv, m->id, V2X_ID_LEN, &a->id);
	a->secMark = cvt__scaled_to(cv, &norm__dsecond, m->sec_mark_s, "sec_mark_s");
	a->timeConfidence = norm__opt_enum_to(cv, &norm__time_confidence, m->has_time_confidence,
	                                      m->time_confidence, "time_confidence");
	cvt__push(cv, "pos");
	norm__pos3d_to(cv, &m->pos, &a->pos);
	cvt__pop(cv);
	a->transmission = cvt__enum_to(cv, &norm__transmission, m->transmission, "transmission");
	a->speed = cvt__scaled_to(cv, &norm__speed, m->speed_mps, "speed_mps");
	a->heading = cvt__scaled_to(cv, &norm__heading, m->heading_deg, "heading_deg");
	a->angle = norm__opt_scaled_to(cv, &norm__steering, m->has_steering, m->steering_deg,
	                               "steering_deg");
}

void norm__bsm_to(struct cvt *cv, const struct v2x_bsm *m, BasicSafetyMessage_t *a)
{
	cvt__push(cv, "bsm");
	bsm_core_to(cv, m, a);
	if (m->has_pos_accuracy)
		a->posAccuracy = norm__pos_accuracy_to(cv, &m->pos_accuracy);
	if (m->has_pos_confidence) {
		a->posConfidence = CVT_NEW(cv, PositionConfidenceSet_t);
		if (a->posConfidence)
			norm__pos_confidence_to(cv, &m->pos_confidence, a->posConfidence);
	}
	if (m->has_motion_confidence)
		a->motionCfd = norm__motion_confidence_to(cv, &m->motion_confidence);
	norm__accel_to(cv, &m->accel, &a->accelSet);
	norm__brakes_to(cv, &m->brakes, &a->brakes);
	norm__vsize_to(cv, &m->size, &a->size);
	norm__vclass_to(cv, &m->vclass, &a->vehicleClass);
	if (m->has_safety_ext) {
		cvt__push(cv, "safety_ext");
		a->safetyExt = safety_ext_to(cv, &m->safety_ext, &m->pos);
		cvt__pop(cv);
	}
	if (m->has_emergency_ext)
		a->emergencyExt = emergency_ext_to(cv, &m->emergency_ext);
	cvt__pop(cv);
}
