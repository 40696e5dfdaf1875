/*
 * BasicSafetyMessage <-> Bsm.  Conventions in convert_int.h.
 */
#include "codecs/wire/convert_int.h"

static V2x__Wire__BrakeSystemStatus *brakes_out(struct v2x_wire__cv *cv, const struct v2x_brakes *m)
{
	V2x__Wire__BrakeSystemStatus *o =
	        v2x_wire__new(cv, &v2x__wire__brake_system_status__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, pedal, m->has_pedal, m->pedal);
	PUT_OPT(o, wheel_brakes, m->has_wheel_brakes, m->wheel_brakes);
	PUT_OPT(o, traction, m->has_traction, m->traction);
	PUT_OPT(o, abs, m->has_abs, m->abs);
	PUT_OPT(o, scs, m->has_scs, m->scs);
	PUT_OPT(o, boost, m->has_boost, m->boost);
	PUT_OPT(o, aux, m->has_aux, m->aux);
	return o;
}

static void brakes_in(struct v2x_wire__cv *cv, const V2x__Wire__BrakeSystemStatus *o,
                      struct v2x_brakes *m)
{
	static const V2x__Wire__BrakeSystemStatus none = V2X__WIRE__BRAKE_SYSTEM_STATUS__INIT;

	if (!o)
		o = &none;
	m->has_pedal = o->has_pedal;
	m->pedal = GET_U8(cv, o, pedal);
	m->has_wheel_brakes = o->has_wheel_brakes;
	m->wheel_brakes = GET_U8(cv, o, wheel_brakes);
	m->has_traction = o->has_traction;
	m->traction = GET_U8(cv, o, traction);
	m->has_abs = o->has_abs;
	m->abs = GET_U8(cv, o, abs);
	m->has_scs = o->has_scs;
	m->scs = GET_U8(cv, o, scs);
	m->has_boost = o->has_boost;
	m->boost = GET_U8(cv, o, boost);
	m->has_aux = o->has_aux;
	m->aux = GET_U8(cv, o, aux);
}

static V2x__Wire__DDateTime *datetime_out(struct v2x_wire__cv *cv, const struct v2x_datetime *m)
{
	V2x__Wire__DDateTime *o = v2x_wire__new(cv, &v2x__wire__ddate_time__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, year, m->has_year, m->year);
	PUT_OPT(o, month, m->has_month, m->month);
	PUT_OPT(o, day, m->has_day, m->day);
	PUT_OPT(o, hour, m->has_hour, m->hour);
	PUT_OPT(o, minute, m->has_minute, m->minute);
	PUT_OPT(o, second_s, m->has_second, m->second_s);
	PUT_OPT(o, offset_min, m->has_offset, m->offset_min);
	return o;
}

static void datetime_in(struct v2x_wire__cv *cv, const V2x__Wire__DDateTime *o,
                        struct v2x_datetime *m)
{
	static const V2x__Wire__DDateTime none = V2X__WIRE__DDATE_TIME__INIT;

	if (!o)
		o = &none;
	m->has_year = o->has_year;
	m->year = GET_U16(cv, o, year);
	m->has_month = o->has_month;
	m->month = GET_U8(cv, o, month);
	m->has_day = o->has_day;
	m->day = GET_U8(cv, o, day);
	m->has_hour = o->has_hour;
	m->hour = GET_U8(cv, o, hour);
	m->has_minute = o->has_minute;
	m->minute = GET_U8(cv, o, minute);
	m->has_second = o->has_second_s;
	m->second_s = o->second_s;
	m->has_offset = o->has_offset_min;
	if (o->offset_min < INT16_MIN || o->offset_min > INT16_MAX)
		v2x_wire__fail(cv, V2X_ERANGE, "DDateTime.offset_min: %ld is outside int16",
		               (long)o->offset_min);
	else
		m->offset_min = (int16_t)o->offset_min;
}

static V2x__Wire__FullPositionVector *full_pos_out(struct v2x_wire__cv *cv,
                                                   const struct v2x_full_pos *m)
{
	V2x__Wire__FullPositionVector *o =
	        v2x_wire__new(cv, &v2x__wire__full_position_vector__descriptor);

	if (!o)
		return NULL;
	o->utc_time = m->has_utc_time ? datetime_out(cv, &m->utc_time) : NULL;
	o->pos = v2x_wire__pos3d_out(cv, &m->pos);
	PUT_OPT(o, heading_deg, m->has_heading, m->heading_deg);
	PUT_OPT(o, transmission, m->has_transmission, m->transmission);
	PUT_OPT(o, speed_mps, m->has_speed, m->speed_mps);
	o->pos_accuracy = m->has_pos_accuracy ? v2x_wire__accuracy_out(cv, &m->pos_accuracy) : NULL;
	o->pos_confidence =
	        m->has_pos_confidence ? v2x_wire__pos_conf_out(cv, &m->pos_confidence) : NULL;
	PUT_OPT(o, time_confidence, m->has_time_confidence, m->time_confidence);
	o->motion_confidence = m->has_motion_confidence
	                               ? v2x_wire__motion_conf_out(cv, &m->motion_confidence)
	                               : NULL;
	return o;
}

static void full_pos_in(struct v2x_wire__cv *cv, const V2x__Wire__FullPositionVector *o,
                        struct v2x_full_pos *m)
{
	static const V2x__Wire__FullPositionVector none = V2X__WIRE__FULL_POSITION_VECTOR__INIT;

	if (!o)
		o = &none;
	m->has_utc_time = o->utc_time != NULL;
	datetime_in(cv, o->utc_time, &m->utc_time);
	v2x_wire__pos3d_in(cv, o->pos, &m->pos);
	m->has_heading = o->has_heading_deg;
	m->heading_deg = o->heading_deg;
	m->has_transmission = o->has_transmission;
	m->transmission = GET_U8(cv, o, transmission);
	m->has_speed = o->has_speed_mps;
	m->speed_mps = o->speed_mps;
	m->has_pos_accuracy = o->pos_accuracy != NULL;
	v2x_wire__accuracy_in(cv, o->pos_accuracy, &m->pos_accuracy);
	m->has_pos_confidence = o->pos_confidence != NULL;
	v2x_wire__pos_conf_in(cv, o->pos_confidence, &m->pos_confidence);
	m->has_time_confidence = o->has_time_confidence;
	m->time_confidence = GET_U8(cv, o, time_confidence);
	m->has_motion_confidence = o->motion_confidence != NULL;
	v2x_wire__motion_conf_in(cv, o->motion_confidence, &m->motion_confidence);
}

static V2x__Wire__PathHistoryPoint *point_out(struct v2x_wire__cv *cv,
                                              const struct v2x_path_point *m)
{
	V2x__Wire__PathHistoryPoint *o =
	        v2x_wire__new(cv, &v2x__wire__path_history_point__descriptor);

	if (!o)
		return NULL;
	o->pos = v2x_wire__llv_out(cv, &m->pos);
	PUT_D(o, time_offset_s, m->time_offset_s);
	PUT_OPT(o, speed_mps, m->has_speed, m->speed_mps);
	o->pos_confidence =
	        m->has_pos_confidence ? v2x_wire__pos_conf_out(cv, &m->pos_confidence) : NULL;
	PUT_OPT(o, heading_deg, m->has_heading, m->heading_deg);
	return o;
}

static void point_in(struct v2x_wire__cv *cv, const V2x__Wire__PathHistoryPoint *o,
                     struct v2x_path_point *m)
{
	static const V2x__Wire__PathHistoryPoint none = V2X__WIRE__PATH_HISTORY_POINT__INIT;

	if (!o)
		o = &none;
	v2x_wire__llv_in(cv, o->pos, &m->pos);
	m->time_offset_s = GET_D(o, time_offset_s);
	m->has_speed = o->has_speed_mps;
	m->speed_mps = o->speed_mps;
	m->has_pos_confidence = o->pos_confidence != NULL;
	v2x_wire__pos_conf_in(cv, o->pos_confidence, &m->pos_confidence);
	m->has_heading = o->has_heading_deg;
	m->heading_deg = o->heading_deg;
}

static V2x__Wire__PathHistory *history_out(struct v2x_wire__cv *cv,
                                           const struct v2x_path_history *m)
{
	V2x__Wire__PathHistory *o = v2x_wire__new(cv, &v2x__wire__path_history__descriptor);

	if (!o)
		return NULL;
	o->initial_pos = m->has_initial_pos ? full_pos_out(cv, &m->initial_pos) : NULL;
	PUT_OPT(o, gnss_status, m->has_gnss_status, m->gnss_status);
	OUT_LIST(cv, o, points, m->n, m->v, point_out);
	return o;
}

static void history_in(struct v2x_wire__cv *cv, const V2x__Wire__PathHistory *o,
                       struct v2x_path_history *m)
{
	static const V2x__Wire__PathHistory none = V2X__WIRE__PATH_HISTORY__INIT;

	if (!o)
		o = &none;
	m->has_initial_pos = o->initial_pos != NULL;
	full_pos_in(cv, o->initial_pos, &m->initial_pos);
	m->has_gnss_status = o->has_gnss_status;
	m->gnss_status = GET_U8(cv, o, gnss_status);
	IN_LIST(cv, o, points, V2X_PATH_HISTORY_MAX, m->n, m->v, point_in);
}

static V2x__Wire__PathPrediction *prediction_out(struct v2x_wire__cv *cv,
                                                 const struct v2x_path_prediction *m)
{
	V2x__Wire__PathPrediction *o = v2x_wire__new(cv, &v2x__wire__path_prediction__descriptor);

	if (!o)
		return NULL;
	PUT_D(o, radius_m, m->radius_m);
	PUT_D(o, confidence_pct, m->confidence_pct);
	return o;
}

static void prediction_in(const V2x__Wire__PathPrediction *o, struct v2x_path_prediction *m)
{
	static const V2x__Wire__PathPrediction none = V2X__WIRE__PATH_PREDICTION__INIT;

	if (!o)
		o = &none;
	m->radius_m = GET_D(o, radius_m);
	m->confidence_pct = GET_D(o, confidence_pct);
}

static V2x__Wire__VehicleSafetyExtensions *safety_out(struct v2x_wire__cv *cv,
                                                      const struct v2x_safety_ext *m)
{
	V2x__Wire__VehicleSafetyExtensions *o =
	        v2x_wire__new(cv, &v2x__wire__vehicle_safety_extensions__descriptor);

	if (!o)
		return NULL;
	o->events = m->has_events ? v2x_wire__bits_out(cv, m->events_nbits, m->events) : NULL;
	o->path_history = m->has_path_history ? history_out(cv, &m->path_history) : NULL;
	o->path_prediction =
	        m->has_path_prediction ? prediction_out(cv, &m->path_prediction) : NULL;
	o->lights = m->has_lights ? v2x_wire__bits_out(cv, m->lights_nbits, m->lights) : NULL;
	return o;
}

static void safety_in(struct v2x_wire__cv *cv, const V2x__Wire__VehicleSafetyExtensions *o,
                      struct v2x_safety_ext *m)
{
	static const V2x__Wire__VehicleSafetyExtensions none =
	        V2X__WIRE__VEHICLE_SAFETY_EXTENSIONS__INIT;

	if (!o)
		o = &none;
	m->has_events = o->events != NULL;
	v2x_wire__bits_in(cv, o->events, &m->events_nbits, &m->events);
	m->has_path_history = o->path_history != NULL;
	history_in(cv, o->path_history, &m->path_history);
	m->has_path_prediction = o->path_prediction != NULL;
	prediction_in(o->path_prediction, &m->path_prediction);
	m->has_lights = o->lights != NULL;
	v2x_wire__bits_in(cv, o->lights, &m->lights_nbits, &m->lights);
}

static V2x__Wire__VehicleEmergencyExtensions *emergency_out(struct v2x_wire__cv *cv,
                                                            const struct v2x_emergency_ext *m)
{
	V2x__Wire__VehicleEmergencyExtensions *o =
	        v2x_wire__new(cv, &v2x__wire__vehicle_emergency_extensions__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, response_type, m->has_response_type, m->response_type);
	PUT_OPT(o, siren, m->has_siren, m->siren);
	PUT_OPT(o, lightbar, m->has_lightbar, m->lightbar);
	return o;
}

static void emergency_in(struct v2x_wire__cv *cv, const V2x__Wire__VehicleEmergencyExtensions *o,
                         struct v2x_emergency_ext *m)
{
	static const V2x__Wire__VehicleEmergencyExtensions none =
	        V2X__WIRE__VEHICLE_EMERGENCY_EXTENSIONS__INIT;

	if (!o)
		o = &none;
	m->has_response_type = o->has_response_type;
	m->response_type = GET_U8(cv, o, response_type);
	m->has_siren = o->has_siren;
	m->siren = GET_U8(cv, o, siren);
	m->has_lightbar = o->has_lightbar;
	m->lightbar = GET_U8(cv, o, lightbar);
}

/* The fields that say what the vehicle is and how it moves. */
static void bsm_motion_out(struct v2x_wire__cv *cv, const struct v2x_bsm *m, V2x__Wire__Bsm *o)
{
	PUT_U(o, transmission, m->transmission);
	PUT_D(o, speed_mps, m->speed_mps);
	PUT_D(o, heading_deg, m->heading_deg);
	PUT_OPT(o, steering_deg, m->has_steering, m->steering_deg);
	o->motion_confidence = m->has_motion_confidence
	                               ? v2x_wire__motion_conf_out(cv, &m->motion_confidence)
	                               : NULL;
	o->accel = v2x_wire__accel_out(cv, &m->accel);
	o->brakes = brakes_out(cv, &m->brakes);
	o->size = v2x_wire__vsize_out(cv, &m->size);
	o->vclass = v2x_wire__vclass_out(cv, &m->vclass);
}

V2x__Wire__Bsm *v2x_wire__bsm_out(struct v2x_wire__cv *cv, const struct v2x_bsm *m)
{
	V2x__Wire__Bsm *o = v2x_wire__new(cv, &v2x__wire__bsm__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, msg_cnt, m->msg_cnt);
	v2x_wire__put_bytes(cv, &o->has_id, &o->id, m->id, V2X_ID_LEN);
	PUT_D(o, sec_mark_s, m->sec_mark_s);
	PUT_OPT(o, time_confidence, m->has_time_confidence, m->time_confidence);
	o->pos = v2x_wire__pos3d_out(cv, &m->pos);
	o->pos_accuracy = m->has_pos_accuracy ? v2x_wire__accuracy_out(cv, &m->pos_accuracy) : NULL;
	o->pos_confidence =
	        m->has_pos_confidence ? v2x_wire__pos_conf_out(cv, &m->pos_confidence) : NULL;
	bsm_motion_out(cv, m, o);
	o->safety_ext = m->has_safety_ext ? safety_out(cv, &m->safety_ext) : NULL;
	o->emergency_ext = m->has_emergency_ext ? emergency_out(cv, &m->emergency_ext) : NULL;
	return o;
}

static void bsm_motion_in(struct v2x_wire__cv *cv, const V2x__Wire__Bsm *o, struct v2x_bsm *m)
{
	m->transmission = GET_U8(cv, o, transmission);
	m->speed_mps = GET_D(o, speed_mps);
	m->heading_deg = GET_D(o, heading_deg);
	m->has_steering = o->has_steering_deg;
	m->steering_deg = o->steering_deg;
	m->has_motion_confidence = o->motion_confidence != NULL;
	v2x_wire__motion_conf_in(cv, o->motion_confidence, &m->motion_confidence);
	v2x_wire__accel_in(cv, o->accel, &m->accel);
	brakes_in(cv, o->brakes, &m->brakes);
	v2x_wire__vsize_in(cv, o->size, &m->size);
	v2x_wire__vclass_in(cv, o->vclass, &m->vclass);
}

void v2x_wire__bsm_in(struct v2x_wire__cv *cv, const V2x__Wire__Bsm *o, struct v2x_bsm *m)
{
	static const V2x__Wire__Bsm none = V2X__WIRE__BSM__INIT;

	if (!o)
		o = &none;
	m->msg_cnt = GET_U8(cv, o, msg_cnt);
	v2x_wire__get_id(cv, o->has_id, &o->id, m->id, "Bsm", "id");
	m->sec_mark_s = GET_D(o, sec_mark_s);
	m->has_time_confidence = o->has_time_confidence;
	m->time_confidence = GET_U8(cv, o, time_confidence);
	v2x_wire__pos3d_in(cv, o->pos, &m->pos);
	m->has_pos_accuracy = o->pos_accuracy != NULL;
	v2x_wire__accuracy_in(cv, o->pos_accuracy, &m->pos_accuracy);
	m->has_pos_confidence = o->pos_confidence != NULL;
	v2x_wire__pos_conf_in(cv, o->pos_confidence, &m->pos_confidence);
	bsm_motion_in(cv, o, m);
	m->has_safety_ext = o->safety_ext != NULL;
	safety_in(cv, o->safety_ext, &m->safety_ext);
	m->has_emergency_ext = o->emergency_ext != NULL;
	emergency_in(cv, o->emergency_ext, &m->emergency_ext);
}
