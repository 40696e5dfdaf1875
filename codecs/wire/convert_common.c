/*
 * The structs of codecs/msg.h that several messages share.  Conventions in
 * convert_int.h.
 */
#include "codecs/wire/convert_int.h"

V2x__Wire__Position3D *v2x_wire__pos3d_out(struct v2x_wire__cv *cv, const struct v2x_pos3d *m)
{
	V2x__Wire__Position3D *o = v2x_wire__new(cv, &v2x__wire__position3_d__descriptor);

	if (!o)
		return NULL;
	PUT_D(o, lat_deg, m->lat_deg);
	PUT_D(o, lon_deg, m->lon_deg);
	PUT_OPT(o, elev_m, m->has_elev, m->elev_m);
	return o;
}

void v2x_wire__pos3d_in(struct v2x_wire__cv *cv, const V2x__Wire__Position3D *o,
                        struct v2x_pos3d *m)
{
	static const V2x__Wire__Position3D none = V2X__WIRE__POSITION3_D__INIT;

	(void)cv;
	if (!o)
		o = &none;
	m->lat_deg = GET_D(o, lat_deg);
	m->lon_deg = GET_D(o, lon_deg);
	m->has_elev = o->has_elev_m;
	m->elev_m = o->elev_m;
}

V2x__Wire__PositionOffsetLLV *v2x_wire__llv_out(struct v2x_wire__cv *cv, const struct v2x_llv *m)
{
	V2x__Wire__PositionOffsetLLV *o =
	        v2x_wire__new(cv, &v2x__wire__position_offset_llv__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, ll_enc, m->ll_enc);
	PUT_D(o, dlat_deg, m->dlat_deg);
	PUT_D(o, dlon_deg, m->dlon_deg);
	PUT_D(o, lat_deg, m->lat_deg);
	PUT_D(o, lon_deg, m->lon_deg);
	PUT_U(o, v_enc, m->v_enc);
	PUT_D(o, v_m, m->v_m);
	return o;
}

void v2x_wire__llv_in(struct v2x_wire__cv *cv, const V2x__Wire__PositionOffsetLLV *o,
                      struct v2x_llv *m)
{
	static const V2x__Wire__PositionOffsetLLV none = V2X__WIRE__POSITION_OFFSET_LLV__INIT;

	if (!o)
		o = &none;
	m->ll_enc = GET_U8(cv, o, ll_enc);
	m->dlat_deg = GET_D(o, dlat_deg);
	m->dlon_deg = GET_D(o, dlon_deg);
	m->lat_deg = GET_D(o, lat_deg);
	m->lon_deg = GET_D(o, lon_deg);
	m->v_enc = GET_U8(cv, o, v_enc);
	m->v_m = GET_D(o, v_m);
}

V2x__Wire__PositionalAccuracy *v2x_wire__accuracy_out(struct v2x_wire__cv *cv,
                                                      const struct v2x_pos_accuracy *m)
{
	V2x__Wire__PositionalAccuracy *o =
	        v2x_wire__new(cv, &v2x__wire__positional_accuracy__descriptor);

	if (!o)
		return NULL;
	PUT_D(o, semi_major_m, m->semi_major_m);
	PUT_D(o, semi_minor_m, m->semi_minor_m);
	PUT_D(o, orientation_deg, m->orientation_deg);
	return o;
}

void v2x_wire__accuracy_in(struct v2x_wire__cv *cv, const V2x__Wire__PositionalAccuracy *o,
                           struct v2x_pos_accuracy *m)
{
	static const V2x__Wire__PositionalAccuracy none = V2X__WIRE__POSITIONAL_ACCURACY__INIT;

	(void)cv;
	if (!o)
		o = &none;
	m->semi_major_m = GET_D(o, semi_major_m);
	m->semi_minor_m = GET_D(o, semi_minor_m);
	m->orientation_deg = GET_D(o, orientation_deg);
}

V2x__Wire__PositionConfidenceSet *v2x_wire__pos_conf_out(struct v2x_wire__cv *cv,
                                                         const struct v2x_pos_confidence *m)
{
	V2x__Wire__PositionConfidenceSet *o =
	        v2x_wire__new(cv, &v2x__wire__position_confidence_set__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, pos, m->pos);
	PUT_OPT(o, elev, m->has_elev, m->elev);
	return o;
}

void v2x_wire__pos_conf_in(struct v2x_wire__cv *cv, const V2x__Wire__PositionConfidenceSet *o,
                           struct v2x_pos_confidence *m)
{
	static const V2x__Wire__PositionConfidenceSet none =
	        V2X__WIRE__POSITION_CONFIDENCE_SET__INIT;

	if (!o)
		o = &none;
	m->pos = GET_U8(cv, o, pos);
	m->has_elev = o->has_elev;
	m->elev = GET_U8(cv, o, elev);
}

V2x__Wire__MotionConfidenceSet *v2x_wire__motion_conf_out(struct v2x_wire__cv *cv,
                                                          const struct v2x_motion_confidence *m)
{
	V2x__Wire__MotionConfidenceSet *o =
	        v2x_wire__new(cv, &v2x__wire__motion_confidence_set__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, speed, m->has_speed, m->speed);
	PUT_OPT(o, heading, m->has_heading, m->heading);
	PUT_OPT(o, steer, m->has_steer, m->steer);
	return o;
}

void v2x_wire__motion_conf_in(struct v2x_wire__cv *cv, const V2x__Wire__MotionConfidenceSet *o,
                              struct v2x_motion_confidence *m)
{
	static const V2x__Wire__MotionConfidenceSet none = V2X__WIRE__MOTION_CONFIDENCE_SET__INIT;

	if (!o)
		o = &none;
	m->has_speed = o->has_speed;
	m->speed = GET_U8(cv, o, speed);
	m->has_heading = o->has_heading;
	m->heading = GET_U8(cv, o, heading);
	m->has_steer = o->has_steer;
	m->steer = GET_U8(cv, o, steer);
}

V2x__Wire__AccelerationSet4Way *v2x_wire__accel_out(struct v2x_wire__cv *cv,
                                                    const struct v2x_accel4 *m)
{
	V2x__Wire__AccelerationSet4Way *o =
	        v2x_wire__new(cv, &v2x__wire__acceleration_set4_way__descriptor);

	if (!o)
		return NULL;
	PUT_D(o, lon_mps2, m->lon_mps2);
	PUT_D(o, lat_mps2, m->lat_mps2);
	PUT_D(o, vert_mps2, m->vert_mps2);
	PUT_D(o, yaw_dps, m->yaw_dps);
	return o;
}

void v2x_wire__accel_in(struct v2x_wire__cv *cv, const V2x__Wire__AccelerationSet4Way *o,
                        struct v2x_accel4 *m)
{
	static const V2x__Wire__AccelerationSet4Way none = V2X__WIRE__ACCELERATION_SET4_WAY__INIT;

	(void)cv;
	if (!o)
		o = &none;
	m->lon_mps2 = GET_D(o, lon_mps2);
	m->lat_mps2 = GET_D(o, lat_mps2);
	m->vert_mps2 = GET_D(o, vert_mps2);
	m->yaw_dps = GET_D(o, yaw_dps);
}

V2x__Wire__VehicleSize *v2x_wire__vsize_out(struct v2x_wire__cv *cv, const struct v2x_vsize *m)
{
	V2x__Wire__VehicleSize *o = v2x_wire__new(cv, &v2x__wire__vehicle_size__descriptor);

	if (!o)
		return NULL;
	PUT_D(o, width_m, m->width_m);
	PUT_D(o, length_m, m->length_m);
	PUT_OPT(o, height_m, m->has_height, m->height_m);
	return o;
}

void v2x_wire__vsize_in(struct v2x_wire__cv *cv, const V2x__Wire__VehicleSize *o,
                        struct v2x_vsize *m)
{
	static const V2x__Wire__VehicleSize none = V2X__WIRE__VEHICLE_SIZE__INIT;

	(void)cv;
	if (!o)
		o = &none;
	m->width_m = GET_D(o, width_m);
	m->length_m = GET_D(o, length_m);
	m->has_height = o->has_height_m;
	m->height_m = o->height_m;
}

V2x__Wire__VehicleClassification *v2x_wire__vclass_out(struct v2x_wire__cv *cv,
                                                       const struct v2x_vclass *m)
{
	V2x__Wire__VehicleClassification *o =
	        v2x_wire__new(cv, &v2x__wire__vehicle_classification__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, classification, m->classification);
	PUT_OPT(o, fuel, m->has_fuel, m->fuel);
	return o;
}

void v2x_wire__vclass_in(struct v2x_wire__cv *cv, const V2x__Wire__VehicleClassification *o,
                         struct v2x_vclass *m)
{
	static const V2x__Wire__VehicleClassification none =
	        V2X__WIRE__VEHICLE_CLASSIFICATION__INIT;

	if (!o)
		o = &none;
	m->classification = GET_U8(cv, o, classification);
	m->has_fuel = o->has_fuel;
	m->fuel = GET_U8(cv, o, fuel);
}

V2x__Wire__NodeReferenceId *v2x_wire__node_ref_out(struct v2x_wire__cv *cv,
                                                   const struct v2x_node_ref *m)
{
	V2x__Wire__NodeReferenceId *o =
	        v2x_wire__new(cv, &v2x__wire__node_reference_id__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, region, m->has_region, m->region);
	PUT_U(o, id, m->id);
	return o;
}

void v2x_wire__node_ref_in(struct v2x_wire__cv *cv, const V2x__Wire__NodeReferenceId *o,
                           struct v2x_node_ref *m)
{
	static const V2x__Wire__NodeReferenceId none = V2X__WIRE__NODE_REFERENCE_ID__INIT;

	if (!o)
		o = &none;
	m->has_region = o->has_region;
	m->region = GET_U16(cv, o, region);
	m->id = GET_U16(cv, o, id);
}

V2x__Wire__BitString *v2x_wire__bits_out(struct v2x_wire__cv *cv, uint8_t nbits, uint64_t bits)
{
	V2x__Wire__BitString *o = v2x_wire__new(cv, &v2x__wire__bit_string__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, nbits, nbits);
	PUT_U(o, bits, bits);
	return o;
}

void v2x_wire__bits_in(struct v2x_wire__cv *cv, const V2x__Wire__BitString *o, uint8_t *nbits,
                       uint64_t *bits)
{
	static const V2x__Wire__BitString none = V2X__WIRE__BIT_STRING__INIT;

	if (!o)
		o = &none;
	/* The model holds at most 64 named bits (msg.h: a longer string from a
	 * newer schema is cut by the codec, which flags the message). */
	*nbits = (uint8_t)v2x_wire__uint(cv, o->nbits, 64, o->base.descriptor->short_name, "nbits");
	*bits = o->bits;
}
