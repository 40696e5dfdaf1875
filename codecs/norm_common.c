/*
 * Converters of the types that several messages share: positions and
 * offsets, motion, vehicle description, node references, speed limits and
 * point lists.
 */
#include "codecs/norm.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "runtime/err.h"

/* Standard gravity, for VerticalAcceleration's 0.02 g steps. */
#define G_MPS2 9.80665

const struct cvt_scale norm__lat = { -900000000, 900000001, 1e-7, true, 900000001 };
const struct cvt_scale norm__lon = { -1799999999, 1800000001, 1e-7, true, 1800000001 };
const struct cvt_scale norm__elev = { -4096, 61439, 0.1, true, -4096 };
const struct cvt_scale norm__speed = { 0, 8191, 0.02, true, 8191 };
const struct cvt_scale norm__heading = { 0, 28800, 0.0125, true, 28800 };
const struct cvt_scale norm__coarse_heading = { 0, 240, 1.5, true, 240 };
const struct cvt_scale norm__steering = { -126, 127, 1.5, true, 127 };
const struct cvt_scale norm__accel = { -2000, 2001, 0.01, true, 2001 };
const struct cvt_scale norm__vert_accel = { -127, 127, 0.02 * G_MPS2, true, -127 };
const struct cvt_scale norm__yaw_rate = { -32767, 32767, 0.01, false, 0 };
const struct cvt_scale norm__dsecond = { 0, 65535, 0.001, true, 65535 };
const struct cvt_scale norm__moy = { 0, 527040, 60.0, true, 527040 };
const struct cvt_scale norm__time_mark = { 0, 36001, 0.1, true, 36001 };
const struct cvt_scale norm__time_offset = { 1, 65535, 0.01, false, 0 };
const struct cvt_scale norm__confidence = { 0, 200, 0.5, false, 0 };
const struct cvt_scale norm__semi_axis = { 0, 255, 0.05, true, 255 };
const struct cvt_scale norm__orientation = { 0, 65535, 360.0 / 65535.0, true, 65535 };
const struct cvt_scale norm__radius = { 0, 65535, 0.1, false, 0 };
const struct cvt_scale norm__lane_width = { 0, 32767, 0.01, false, 0 };
const struct cvt_scale norm__veh_width = { 0, 1023, 0.01, false, 0 };
const struct cvt_scale norm__veh_length = { 0, 4095, 0.01, false, 0 };
const struct cvt_scale norm__veh_height = { 0, 127, 0.05, false, 0 };

const struct cvt_enum norm__time_confidence = { 40, false };
const struct cvt_enum norm__pos_confidence = { 16, false };
const struct cvt_enum norm__elev_confidence = { 16, false };
const struct cvt_enum norm__transmission = { 8, false };
const struct cvt_enum norm__speed_cfd = { 8, false };
const struct cvt_enum norm__heading_cfd = { 8, false };
const struct cvt_enum norm__steer_cfd = { 4, false };
const struct cvt_enum norm__pedal = { 3, false };
const struct cvt_enum norm__traction = { 4, false };
const struct cvt_enum norm__aux_brakes = { 4, false };
const struct cvt_enum norm__boost = { 3, false };
const struct cvt_enum norm__speed_limit_type = { 13, true };
const struct cvt_enum norm__light = { 9, true };
const struct cvt_enum norm__event_source = { 6, true };
const struct cvt_enum norm__ptc_type = { 5, true };
const struct cvt_enum norm__ptc_source = { 8, true };
const struct cvt_enum norm__response_type = { 7, true };
const struct cvt_enum norm__siren = { 4, false };
const struct cvt_enum norm__lightbar = { 8, false };

void norm__opt_scaled_from(struct cvt *cv, const struct cvt_scale *s, const long *raw, bool *has,
                           double *v, const char *field)
{
	*has = raw != NULL;
	if (raw)
		*v = cvt__scaled_from(cv, s, *raw, field);
}

long *norm__opt_scaled_to(struct cvt *cv, const struct cvt_scale *s, bool has, double v,
                          const char *field)
{
	return has ? cvt__new_long(cv, cvt__scaled_to(cv, s, v, field)) : NULL;
}

void norm__opt_enum_from(struct cvt *cv, const struct cvt_enum *e, const long *raw, bool *has,
                         uint8_t *v, const char *field)
{
	*has = raw != NULL;
	if (raw)
		*v = cvt__enum_from(cv, e, *raw, field);
}

long *norm__opt_enum_to(struct cvt *cv, const struct cvt_enum *e, bool has, uint8_t v,
                        const char *field)
{
	return has ? cvt__new_long(cv, cvt__enum_to(cv, e, v, field)) : NULL;
}

void norm__pos3d_from(struct cvt *cv, const Position3D_t *a, struct v2x_pos3d *m)
{
	m->lat_deg = cvt__scaled_from(cv, &norm__lat, a->lat, "lat_deg");
	m->lon_deg = cvt__scaled_from(cv, &norm__lon, a->Long, "lon_deg");
	norm__opt_scaled_from(cv, &norm__elev, a->elevation, &m->has_elev, &m->elev_m, "elev_m");
}

void norm__pos3d_to(struct cvt *cv, const struct v2x_pos3d *m, Position3D_t *a)
{
	a->lat = cvt__scaled_to(cv, &norm__lat, m->lat_deg, "lat_deg");
	a->Long = cvt__scaled_to(cv, &norm__lon, m->lon_deg, "lon_deg");
	a->elevation = norm__opt_scaled_to(cv, &norm__elev, m->has_elev, m->elev_m, "elev_m");
}

/* ---- PositionOffsetLLV -------------------------------------------------- */

/* Largest offset (1e-7 degree) of position-LL1..LL6; the smallest is
 * -bound - 1. */
static const long ll_bound[] = { 0, 2047, 8191, 32767, 131071, 2097151, 8388607 };

/* Largest VertOffset-B07..B12 (0.1 m). */
static const long v_bound[] = { 0, 63, 127, 255, 511, 1023, 2047 };

#define LL_SCALE 1e-7
#define V_SCALE  0.1

/* Reads the two longs of whichever alternative is present. */
static bool ll_get(const PositionOffsetLL_t *ll, long *lon, long *lat)
{
#define LL_GET(alt)                        \
	case PositionOffsetLL_PR_##alt:    \
		*lon = ll->choice.alt.lon; \
		*lat = ll->choice.alt.lat; \
		return true;
	switch (ll->present) {
		LL_GET(position_LL1)
		LL_GET(position_LL2)
		LL_GET(position_LL3)
		LL_GET(position_LL4)
		LL_GET(position_LL5)
		LL_GET(position_LL6)
		LL_GET(position_LatLon)
	default:
		return false;
	}
#undef LL_GET
}

/* Makes alternative present hold lon, lat. */
static void ll_set(PositionOffsetLL_t *ll, PositionOffsetLL_PR present, long lon, long lat)
{
#define LL_SET(alt)                       \
	case PositionOffsetLL_PR_##alt:   \
		ll->choice.alt.lon = lon; \
		ll->choice.alt.lat = lat; \
		break;
	ll->present = present;
	switch (present) {
		LL_SET(position_LL1)
		LL_SET(position_LL2)
		LL_SET(position_LL3)
		LL_SET(position_LL4)
		LL_SET(position_LL5)
		LL_SET(position_LL6)
		LL_SET(position_LatLon)
	default:
		break;
	}
#undef LL_SET
}

/*
 * The absolute coordinate of an offset: computed on the integers of the
 * wire so that it is exactly the double a Position3D with the same raw
 * value would give.
 */
static double ll_absolute(double ref_deg, long off_raw)
{
	if (isnan(ref_deg))
		return NAN;
	return (double)(lround(ref_deg / LL_SCALE) + off_raw) * LL_SCALE;
}

static void ll_from(struct cvt *cv, const PositionOffsetLL_t *ll, const struct v2x_pos3d *ref,
                    struct v2x_llv *m)
{
	long lon, lat;
	long b;

	if (!ll_get(ll, &lon, &lat)) {
		cvt__fail(cv, V2X_EMALFORMED, "offsetLL", "no alternative present");
		return;
	}
	m->ll_enc = (uint8_t)ll->present;
	if (m->ll_enc == V2X_LL_LATLON) {
		m->dlat_deg = m->lat_deg = cvt__scaled_from(cv, &norm__lat, lat, "dlat_deg");
		m->dlon_deg = m->lon_deg = cvt__scaled_from(cv, &norm__lon, lon, "dlon_deg");
		return;
	}
	b = ll_bound[m->ll_enc];
	m->dlat_deg = (double)cvt__int_from(cv, lat, -b - 1, b, "dlat_deg") * LL_SCALE;
	m->dlon_deg = (double)cvt__int_from(cv, lon, -b - 1, b, "dlon_deg") * LL_SCALE;
	m->lat_deg = ll_absolute(ref->lat_deg, lat);
	m->lon_deg = ll_absolute(ref->lon_deg, lon);
}

static void v_from(struct cvt *cv, const VerticalOffset_t *v, struct v2x_llv *m)
{
	m->v_enc = (uint8_t)v->present;
	switch (v->present) {
	case VerticalOffset_PR_offset1:
	case VerticalOffset_PR_offset2:
	case VerticalOffset_PR_offset3:
	case VerticalOffset_PR_offset4:
	case VerticalOffset_PR_offset5:
	case VerticalOffset_PR_offset6: {
		/* All six alternatives are a long at the start of the union. */
		long raw = v->choice.offset1;
		long b = v_bound[m->v_enc];
		m->v_m = (double)cvt__int_from(cv, raw, -b - 1, b, "v_m") * V_SCALE;
		break;
	}
	case VerticalOffset_PR_elevation:
		m->v_m = cvt__scaled_from(cv, &norm__elev, v->choice.elevation, "v_m");
		break;
	default:
		cvt__fail(cv, V2X_EMALFORMED, "offsetV", "no alternative present");
	}
}

void norm__llv_from(struct cvt *cv, const PositionOffsetLLV_t *a, const struct v2x_pos3d *ref,
                    struct v2x_llv *m)
{
	ll_from(cv, &a->offsetLL, ref, m);
	m->v_enc = V2X_V_NONE;
	m->v_m = 0;
	if (a->offsetV)
		v_from(cv, a->offsetV, m);
}

/* The shortest offset alternative that holds both offsets, or LatLon. */
static uint8_t ll_pick(long dlat, long dlon)
{
	for (unsigned enc = V2X_LL_B12; enc <= V2X_LL_B24; enc++) {
		long b = ll_bound[enc];
		if (dlat >= -b - 1 && dlat <= b && dlon >= -b - 1 && dlon <= b)
			return (uint8_t)enc;
	}
	return V2X_LL_LATLON;
}

/* Works out the encoding and the raw values when ll_enc is V2X_LL_AUTO. */
static uint8_t ll_auto(const struct v2x_llv *m, const struct v2x_pos3d *ref, long *lat, long *lon)
{
	/* Only coordinates that are positions are worth an offset; anything
	 * else (NaN, 1e300) goes to LatLon, whose range check reports it,
	 * and lround is never given a value it cannot hold. */
	if (!(fabs(ref->lat_deg) <= 90 && fabs(ref->lon_deg) <= 180 && fabs(m->lat_deg) <= 90 &&
	      fabs(m->lon_deg) <= 180))
		return V2X_LL_LATLON;
	*lat = lround(m->lat_deg / LL_SCALE) - lround(ref->lat_deg / LL_SCALE);
	*lon = lround(m->lon_deg / LL_SCALE) - lround(ref->lon_deg / LL_SCALE);
	return ll_pick(*lat, *lon);
}

static void ll_to(struct cvt *cv, const struct v2x_llv *m, const struct v2x_pos3d *ref,
                  PositionOffsetLL_t *ll)
{
	uint8_t enc = m->ll_enc;
	long lat = 0, lon = 0;

	if (enc == V2X_LL_AUTO) {
		enc = ll_auto(m, ref, &lat, &lon);
		if (enc == V2X_LL_LATLON) {
			lat = cvt__scaled_to(cv, &norm__lat, m->lat_deg, "lat_deg");
			lon = cvt__scaled_to(cv, &norm__lon, m->lon_deg, "lon_deg");
		}
	} else if (enc == V2X_LL_LATLON) {
		lat = cvt__scaled_to(cv, &norm__lat, m->dlat_deg, "dlat_deg");
		lon = cvt__scaled_to(cv, &norm__lon, m->dlon_deg, "dlon_deg");
	} else if (enc <= V2X_LL_B24) {
		struct cvt_scale s = { -ll_bound[enc] - 1, ll_bound[enc], LL_SCALE, false, 0 };
		lat = cvt__scaled_to(cv, &s, m->dlat_deg, "dlat_deg");
		lon = cvt__scaled_to(cv, &s, m->dlon_deg, "dlon_deg");
	} else {
		cvt__fail(cv, V2X_ERANGE, "ll_enc", "%u is not an encoding", enc);
		return;
	}
	ll_set(ll, (PositionOffsetLL_PR)enc, lon, lat);
}

static VerticalOffset_t *v_to(struct cvt *cv, const struct v2x_llv *m)
{
	VerticalOffset_t *v;
	uint8_t enc = m->v_enc;

	if (enc == V2X_V_NONE)
		return NULL;
	if (enc == V2X_V_AUTO) {
		/* Beyond +-6553.6 m (or NaN) no offset holds it: B12's range
		 * check reports it, and lround never sees a huge value. */
		long raw = fabs(m->v_m) < 6553.6 ? lround(m->v_m / V_SCALE) : LONG_MAX;
		for (enc = V2X_V_B07; enc < V2X_V_B12 && labs(raw) > v_bound[enc]; enc++)
			;
	}
	if (enc > V2X_V_ELEV) {
		cvt__fail(cv, V2X_ERANGE, "v_enc", "%u is not an encoding", m->v_enc);
		return NULL;
	}
	v = CVT_NEW(cv, VerticalOffset_t);
	if (!v)
		return NULL;
	v->present = (VerticalOffset_PR)enc;
	if (enc == V2X_V_ELEV) {
		v->choice.elevation = cvt__scaled_to(cv, &norm__elev, m->v_m, "v_m");
	} else {
		struct cvt_scale s = { -v_bound[enc] - 1, v_bound[enc], V_SCALE, false, 0 };
		v->choice.offset1 = cvt__scaled_to(cv, &s, m->v_m, "v_m");
	}
	return v;
}

void norm__llv_to(struct cvt *cv, const struct v2x_llv *m, const struct v2x_pos3d *ref,
                  PositionOffsetLLV_t *a)
{
	ll_to(cv, m, ref, &a->offsetLL);
	a->offsetV = v_to(cv, m);
}

/* ---- accuracy and confidence -------------------------------------------- */

void norm__pos_accuracy_from(struct cvt *cv, const PositionalAccuracy_t *a,
                             struct v2x_pos_accuracy *m)
{
	m->semi_major_m = cvt__scaled_from(cv, &norm__semi_axis, a->semiMajor, "semi_major_m");
	m->semi_minor_m = cvt__scaled_from(cv, &norm__semi_axis, a->semiMinor, "semi_minor_m");
	m->orientation_deg =
	        cvt__scaled_from(cv, &norm__orientation, a->orientation, "orientation_deg");
}

PositionalAccuracy_t *norm__pos_accuracy_to(struct cvt *cv, const struct v2x_pos_accuracy *m)
{
	PositionalAccuracy_t *a = CVT_NEW(cv, PositionalAccuracy_t);

	if (!a)
		return NULL;
	a->semiMajor = cvt__scaled_to(cv, &norm__semi_axis, m->semi_major_m, "semi_major_m");
	a->semiMinor = cvt__scaled_to(cv, &norm__semi_axis, m->semi_minor_m, "semi_minor_m");
	a->orientation =
	        cvt__scaled_to(cv, &norm__orientation, m->orientation_deg, "orientation_deg");
	return a;
}

void norm__pos_confidence_from(struct cvt *cv, const PositionConfidenceSet_t *a,
                               struct v2x_pos_confidence *m)
{
	m->pos = cvt__enum_from(cv, &norm__pos_confidence, a->pos, "pos");
	norm__opt_enum_from(cv, &norm__elev_confidence, a->elevation, &m->has_elev, &m->elev,
	                    "elev");
}

void norm__pos_confidence_to(struct cvt *cv, const struct v2x_pos_confidence *m,
                             PositionConfidenceSet_t *a)
{
	a->pos = cvt__enum_to(cv, &norm__pos_confidence, m->pos, "pos");
	a->elevation = norm__opt_enum_to(cv, &norm__elev_confidence, m->has_elev, m->elev, "elev");
}

void norm__motion_confidence_from(struct cvt *cv, const MotionConfidenceSet_t *a,
                                  struct v2x_motion_confidence *m)
{
	norm__opt_enum_from(cv, &norm__speed_cfd, a->speedCfd, &m->has_speed, &m->speed, "speed");
	norm__opt_enum_from(cv, &norm__heading_cfd, a->headingCfd, &m->has_heading, &m->heading,
	                    "heading");
	norm__opt_enum_from(cv, &norm__steer_cfd, a->steerCfd, &m->has_steer, &m->steer, "steer");
}

MotionConfidenceSet_t *norm__motion_confidence_to(struct cvt *cv,
                                                  const struct v2x_motion_confidence *m)
{
	MotionConfidenceSet_t *a = CVT_NEW(cv, MotionConfidenceSet_t);

	if (!a)
		return NULL;
	a->speedCfd = norm__opt_enum_to(cv, &norm__speed_cfd, m->has_speed, m->speed, "speed");
	a->headingCfd =
	        norm__opt_enum_to(cv, &norm__heading_cfd, m->has_heading, m->heading, "heading");
	a->steerCfd = norm__opt_enum_to(cv, &norm__steer_cfd, m->has_steer, m->steer, "steer");
	return a;
}

/* ---- motion and vehicle ------------------------------------------------- */

void norm__accel_from(struct cvt *cv, const AccelerationSet4Way_t *a, struct v2x_accel4 *m)
{
	m->lon_mps2 = cvt__scaled_from(cv, &norm__accel, a->Long, "lon_mps2");
	m->lat_mps2 = cvt__scaled_from(cv, &norm__accel, a->lat, "lat_mps2");
	m->vert_mps2 = cvt__scaled_from(cv, &norm__vert_accel, a->vert, "vert_mps2");
	m->yaw_dps = cvt__scaled_from(cv, &norm__yaw_rate, a->yaw, "yaw_dps");
}

void norm__accel_to(struct cvt *cv, const struct v2x_accel4 *m, AccelerationSet4Way_t *a)
{
	a->Long = cvt__scaled_to(cv, &norm__accel, m->lon_mps2, "lon_mps2");
	a->lat = cvt__scaled_to(cv, &norm__accel, m->lat_mps2, "lat_mps2");
	a->vert = cvt__scaled_to(cv, &norm__vert_accel, m->vert_mps2, "vert_mps2");
	a->yaw = cvt__scaled_to(cv, &norm__yaw_rate, m->yaw_dps, "yaw_dps");
}

void norm__brakes_from(struct cvt *cv, const BrakeSystemStatus_t *a, struct v2x_brakes *m)
{
	norm__opt_enum_from(cv, &norm__pedal, a->brakePadel, &m->has_pedal, &m->pedal, "pedal");
	m->has_wheel_brakes = a->wheelBrakes != NULL;
	if (a->wheelBrakes)
		m->wheel_brakes =
		        (uint8_t)cvt__bits_from(cv, a->wheelBrakes, 5, 5, NULL, "wheel_brakes");
	norm__opt_enum_from(cv, &norm__traction, a->traction, &m->has_traction, &m->traction,
	                    "traction");
	norm__opt_enum_from(cv, &norm__traction, a->abs, &m->has_abs, &m->abs, "abs");
	norm__opt_enum_from(cv, &norm__traction, a->scs, &m->has_scs, &m->scs, "scs");
	norm__opt_enum_from(cv, &norm__boost, a->brakeBoost, &m->has_boost, &m->boost, "boost");
	norm__opt_enum_from(cv, &norm__aux_brakes, a->auxBrakes, &m->has_aux, &m->aux, "aux");
}

void norm__brakes_to(struct cvt *cv, const struct v2x_brakes *m, BrakeSystemStatus_t *a)
{
	a->brakePadel = norm__opt_enum_to(cv, &norm__pedal, m->has_pedal, m->pedal, "pedal");
	if (m->has_wheel_brakes)
		a->wheelBrakes = cvt__new_bits(cv, m->wheel_brakes, 5);
	a->traction =
	        norm__opt_enum_to(cv, &norm__traction, m->has_traction, m->traction, "traction");
	a->abs = norm__opt_enum_to(cv, &norm__traction, m->has_abs, m->abs, "abs");
	a->scs = norm__opt_enum_to(cv, &norm__traction, m->has_scs, m->scs, "scs");
	a->brakeBoost = norm__opt_enum_to(cv, &norm__boost, m->has_boost, m->boost, "boost");
	a->auxBrakes = norm__opt_enum_to(cv, &norm__aux_brakes, m->has_aux, m->aux, "aux");
}

void norm__vsize_from(struct cvt *cv, const VehicleSize_t *a, struct v2x_vsize *m)
{
	m->width_m = cvt__scaled_from(cv, &norm__veh_width, a->width, "width_m");
	m->length_m = cvt__scaled_from(cv, &norm__veh_length, a->length, "length_m");
	norm__opt_scaled_from(cv, &norm__veh_height, a->height, &m->has_height, &m->height_m,
	                      "height_m");
}

void norm__vsize_to(struct cvt *cv, const struct v2x_vsize *m, VehicleSize_t *a)
{
	a->width = cvt__scaled_to(cv, &norm__veh_width, m->width_m, "width_m");
	a->length = cvt__scaled_to(cv, &norm__veh_length, m->length_m, "length_m");
	a->height =
	        norm__opt_scaled_to(cv, &norm__veh_height, m->has_height, m->height_m, "height_m");
}

void norm__vclass_from(struct cvt *cv, const VehicleClassification_t *a, struct v2x_vclass *m)
{
	m->classification = (uint8_t)cvt__int_from(cv, a->classification, 0, 255, "classification");
	m->has_fuel = a->fuelType != NULL;
	if (a->fuelType)
		m->fuel = (uint8_t)cvt__int_from(cv, *a->fuelType, 0, 15, "fuel");
}

void norm__vclass_to(struct cvt *cv, const struct v2x_vclass *m, VehicleClassification_t *a)
{
	a->classification = m->classification;
	if (m->has_fuel)
		a->fuelType = cvt__new_long(cv, cvt__int_to(cv, m->fuel, 0, 15, "fuel"));
}

/* ---- FullPositionVector ------------------------------------------------- */

/* The integer fields of DDateTime, in the order of the schema. */
struct dt_field {
	const char *name;
	long lo, hi;
	size_t has_off, v_off, asn_off;
	bool is_u16;
};

#define DT_FIELD(name, lo, hi, m, a, u16)                                               \
	{                                                                               \
		name, lo, hi, offsetof(struct v2x_datetime, has_##m),                   \
		        offsetof(struct v2x_datetime, m), offsetof(DDateTime_t, a), u16 \
	}

static const struct dt_field dt_fields[] = {
	DT_FIELD("year", 0, 4095, year, year, true),
	DT_FIELD("month", 0, 12, month, month, false),
	DT_FIELD("day", 0, 31, day, day, false),
	DT_FIELD("hour", 0, 24, hour, hour, false),
	DT_FIELD("minute", 0, 60, minute, minute, false),
};

static void datetime_from(struct cvt *cv, const DDateTime_t *a, struct v2x_datetime *m)
{
	for (size_t i = 0; i < sizeof(dt_fields) / sizeof(dt_fields[0]); i++) {
		const struct dt_field *f = &dt_fields[i];
		const long *raw = *(long *const *)((const char *)a + f->asn_off);
		bool *has = (bool *)((char *)m + f->has_off);
		long v;

		*has = raw != NULL;
		if (!raw)
			continue;
		v = cvt__int_from(cv, *raw, f->lo, f->hi, f->name);
		if (f->is_u16)
			*(uint16_t *)((char *)m + f->v_off) = (uint16_t)v;
		else
			*(uint8_t *)((char *)m + f->v_off) = (uint8_t)v;
	}
	norm__opt_scaled_from(cv, &norm__dsecond, a->second, &m->has_second, &m->second_s,
	                      "second_s");
	m->has_offset = a->offset != NULL;
	if (a->offset)
		m->offset_min = (int16_t)cvt__int_from(cv, *a->offset, -720, 721, "offset_min");
}

static DDateTime_t *datetime_to(struct cvt *cv, const struct v2x_datetime *m)
{
	DDateTime_t *a = CVT_NEW(cv, DDateTime_t);

	if (!a)
		return NULL;
	for (size_t i = 0; i < sizeof(dt_fields) / sizeof(dt_fields[0]); i++) {
		const struct dt_field *f = &dt_fields[i];
		long **raw = (long **)((char *)a + f->asn_off);
		const char *mv = (const char *)m + f->v_off;
		long v;

		if (!*(const bool *)((const char *)m + f->has_off))
			continue;
		v = f->is_u16 ? *(const uint16_t *)(const void *)mv : *(const uint8_t *)mv;
		*raw = cvt__new_long(cv, cvt__int_to(cv, v, f->lo, f->hi, f->name));
	}
	a->second = norm__opt_scaled_to(cv, &norm__dsecond, m->has_second, m->second_s, "second_s");
	if (m->has_offset)
		a->offset =
		        cvt__new_long(cv, cvt__int_to(cv, m->offset_min, -720, 721, "offset_min"));
	return a;
}

void norm__full_pos_from(struct cvt *cv, const FullPositionVector_t *a, struct v2x_full_pos *m)
{
	m->has_utc_time = a->utcTime != NULL;
	if (a->utcTime) {
		cvt__push(cv, "utc_time");
		datetime_from(cv, a->utcTime, &m->utc_time);
		cvt__pop(cv);
	}
	cvt__push(cv, "pos");
	norm__pos3d_from(cv, &a->pos, &m->pos);
	cvt__pop(cv);
	norm__opt_scaled_from(cv, &norm__heading, a->heading, &m->has_heading, &m->heading_deg,
	                      "heading_deg");
	norm__opt_enum_from(cv, &norm__transmission, a->transmission, &m->has_transmission,
	                    &m->transmission, "transmission");
	norm__opt_scaled_from(cv, &norm__speed, a->speed, &m->has_speed, &m->speed_mps,
	                      "speed_mps");
	m->has_pos_accuracy = a->posAccuracy != NULL;
	if (a->posAccuracy)
		norm__pos_accuracy_from(cv, a->posAccuracy, &m->pos_accuracy);
	m->has_pos_confidence = a->posConficence != NULL;
	if (a->posConficence)
		norm__pos_confidence_from(cv, a->posConficence, &m->pos_confidence);
	norm__opt_enum_from(cv, &norm__time_confidence, a->timeConfidence, &m->has_time_confidence,
	                    &m->time_confidence, "time_confidence");
	m->has_motion_confidence = a->motionCfd != NULL;
	if (a->motionCfd)
		norm__motion_confidence_from(cv, a->motionCfd, &m->motion_confidence);
}

FullPositionVector_t *norm__full_pos_to(struct cvt *cv, const struct v2x_full_pos *m)
{
	FullPositionVector_t *a = CVT_NEW(cv, FullPositionVector_t);

	if (!a)
		return NULL;
	if (m->has_utc_time)
		a->utcTime = datetime_to(cv, &m->utc_time);
	norm__pos3d_to(cv, &m->pos, &a->pos);
	a->heading =
	        norm__opt_scaled_to(cv, &norm__heading, m->has_heading, m->heading_deg, "heading");
	a->transmission = norm__opt_enum_to(cv, &norm__transmission, m->has_transmission,
	                                    m->transmission, "transmission");
	a->speed = norm__opt_scaled_to(cv, &norm__speed, m->has_speed, m->speed_mps, "speed_mps");
	if (m->has_pos_accuracy)
		a->posAccuracy = norm__pos_accuracy_to(cv, &m->pos_accuracy);
	if (m->has_pos_confidence) {
		a->posConficence = CVT_NEW(cv, PositionConfidenceSet_t);
		if (a->posConficence)
			norm__pos_confidence_to(cv, &m->pos_confidence, a->posConficence);
	}
	a->timeConfidence = norm__opt_enum_to(cv, &norm__time_confidence, m->has_time_confidence,
	                                      m->time_confidence, "time_confidence");
	if (m->has_motion_confidence)
		a->motionCfd = norm__motion_confidence_to(cv, &m->motion_confidence);
	return a;
}

/* ---- map references ----------------------------------------------------- */

void norm__node_ref_from(struct cvt *cv, const NodeReferenceID_t *a, struct v2x_node_ref *m)
{
	m->has_region = a->region != NULL;
	if (a->region)
		m->region = (uint16_t)cvt__int_from(cv, *a->region, 0, 65535, "region");
	m->id = (uint16_t)cvt__int_from(cv, a->id, 0, 65535, "id");
}

void norm__node_ref_to(struct cvt *cv, const struct v2x_node_ref *m, NodeReferenceID_t *a)
{
	if (m->has_region)
		a->region = cvt__new_long(cv, m->region);
	a->id = m->id;
}

void norm__speed_limits_from(struct cvt *cv, const SpeedLimitList_t *a, struct v2x_speed_limits *m)
{
	m->n = 0;
	if (!a)
		return;
	m->v = cvt__list_from(cv, a->list.count, 1, V2X_SPEED_LIMITS_MAX, sizeof(*m->v),
	                      "speed_limits");
	if (!m->v)
		return;
	m->n = (size_t)a->list.count;
	for (size_t i = 0; i < m->n; i++) {
		const RegulatorySpeedLimit_t *e = CVT_ELEM(a->list, i);
		cvt__push_index(cv, "speed_limits", i);
		m->v[i].type = cvt__enum_from(cv, &norm__speed_limit_type, e->type, "type");
		m->v[i].speed_mps = cvt__scaled_from(cv, &norm__speed, e->speed, "speed_mps");
		cvt__pop(cv);
	}
}

SpeedLimitList_t *norm__speed_limits_to(struct cvt *cv, const struct v2x_speed_limits *m)
{
	SpeedLimitList_t *a;
	RegulatorySpeedLimit_t *e;

	if (m->n == 0)
		return NULL;
	a = CVT_NEW(cv, SpeedLimitList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n, 1, V2X_SPEED_LIMITS_MAX, sizeof(*e),
	                     "speed_limits")
	      : NULL;
	for (size_t i = 0; e && i < m->n; i++) {
		cvt__push_index(cv, "speed_limits", i);
		e[i].type = cvt__enum_to(cv, &norm__speed_limit_type, m->v[i].type, "type");
		e[i].speed = cvt__scaled_to(cv, &norm__speed, m->v[i].speed_mps, "speed_mps");
		cvt__pop(cv);
	}
	return a;
}

void norm__points_from(struct cvt *cv, const PointList_t *a, const struct v2x_pos3d *ref,
                       struct v2x_points *m)
{
	m->n = 0;
	if (!a)
		return;
	m->v = cvt__list_from(cv, a->list.count, V2X_POINTS_MIN, V2X_POINTS_MAX, sizeof(*m->v),
	                      "points");
	if (!m->v)
		return;
	m->n = (size_t)a->list.count;
	for (size_t i = 0; i < m->n; i++) {
		cvt__push_index(cv, "points", i);
		norm__llv_from(cv, &CVT_ELEM(a->list, i)->posOffset, ref, &m->v[i]);
		cvt__pop(cv);
	}
}

PointList_t *norm__points_to(struct cvt *cv, const struct v2x_points *m,
                             const struct v2x_pos3d *ref)
{
	PointList_t *a;
	RoadPoint_t *e;

	if (m->n == 0)
		return NULL;
	a = CVT_NEW(cv, PointList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n, V2X_POINTS_MIN, V2X_POINTS_MAX, sizeof(*e),
	                     "points")
	      : NULL;
	for (size_t i = 0; e && i < m->n; i++) {
		cvt__push_index(cv, "points", i);
		norm__llv_to(cv, &m->v[i], ref, &e[i].posOffset);
		cvt__pop(cv);
	}
	return a;
}
