/*
 * The JSON description of every struct of codecs/msg.h.  Keys are the C
 * field names; enumerations are named with the schema's identifiers.
 */
#include "codecs/msgjson_tables.h"

#include <math.h>

#include "codecs/msg.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Field macros: F always present, FO with a has_ flag.  S is a type name,
 * which cannot be parenthesised inside offsetof. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define F(S, kind, m)                                       \
	{                                                   \
#m, kind, 0, 0, offsetof(S, m), -1, 0, NULL \
	}
#define FO(S, kind, m, has)                                               \
	{                                                                 \
#m, kind, 0, 0, offsetof(S, m), offsetof(S, has), 0, NULL \
	}
#define FD(S, m)                                                       \
	{                                                              \
#m, JF_DBL, JF_DERIVED, 0, offsetof(S, m), -1, 0, NULL \
	}
#define FE(S, m, e)                                          \
	{                                                    \
#m, JF_ENUM, 0, 0, offsetof(S, m), -1, 0, &e \
	}
#define FEO(S, m, has, e)                                                  \
	{                                                                  \
#m, JF_ENUM, 0, 0, offsetof(S, m), offsetof(S, has), 0, &e \
	}
#define FB(S, kind, m, n)                                   \
	{                                                   \
#m, kind, 0, n, offsetof(S, m), -1, 0, NULL \
	}
#define FBO(S, kind, m, has, n)                                           \
	{                                                                 \
#m, kind, 0, n, offsetof(S, m), offsetof(S, has), 0, NULL \
	}
#define FB64O(S, m, has, nb)                                                                 \
	{                                                                                    \
#m, JF_BITS64, 0, 0, offsetof(S, m), offsetof(S, has), offsetof(S, nb), NULL \
	}
#define FS(S, m, t)                                            \
	{                                                      \
#m, JF_STRUCT, 0, 0, offsetof(S, m), -1, 0, &t \
	}
#define FSO(S, m, has, t)                                                    \
	{                                                                    \
#m, JF_STRUCT, 0, 0, offsetof(S, m), offsetof(S, has), 0, &t \
	}
#define FL(S, m, n, t)                                                    \
	{                                                                 \
#m, JF_LIST, 0, 0, offsetof(S, m), -1, offsetof(S, n), &t \
	}
#define FLK(S, key, m, n, t)                                               \
	{                                                                  \
		key, JF_LIST, 0, 0, offsetof(S, m), -1, offsetof(S, n), &t \
	}
#define TABLE(name, S, fields, check) \
	static const struct jtable name = { #S, sizeof(S), COUNT(fields), fields, check }
#define ENUM(name, ...)                                            \
	static const char *const name##_names[] = { __VA_ARGS__ }; \
	static const struct jenum name = { COUNT(name##_names), name##_names }
// NOLINTEND(bugprone-macro-parentheses)

/* ---- enumerations ------------------------------------------------------- */

ENUM(e_time_confidence, "unavailable", "time-100-000", "time-050-000", "time-020-000",
     "time-010-000", "time-002-000", "time-001-000", "time-000-500", "time-000-200", "time-000-100",
     "time-000-050", "time-000-020", "time-000-010", "time-000-005", "time-000-002", "time-000-001",
     "time-000-000-5", "time-000-000-2", "time-000-000-1", "time-000-000-05", "time-000-000-02",
     "time-000-000-01", "time-000-000-005", "time-000-000-002", "time-000-000-001",
     "time-000-000-000-5", "time-000-000-000-2", "time-000-000-000-1", "time-000-000-000-05",
     "time-000-000-000-02", "time-000-000-000-01", "time-000-000-000-005", "time-000-000-000-002",
     "time-000-000-000-001", "time-000-000-000-000-5", "time-000-000-000-000-2",
     "time-000-000-000-000-1", "time-000-000-000-000-05", "time-000-000-000-000-02",
     "time-000-000-000-000-01");
ENUM(e_pos_confidence, "unavailable", "a500m", "a200m", "a100m", "a50m", "a20m", "a10m", "a5m",
     "a2m", "a1m", "a50cm", "a20cm", "a10cm", "a5cm", "a2cm", "a1cm");
ENUM(e_elev_confidence, "unavailable", "elev-500-00", "elev-200-00", "elev-100-00", "elev-050-00",
     "elev-020-00", "elev-010-00", "elev-005-00", "elev-002-00", "elev-001-00", "elev-000-50",
     "elev-000-20", "elev-000-10", "elev-000-05", "elev-000-02", "elev-000-01");
ENUM(e_transmission, "neutral", "park", "forwardGears", "reverseGears", "reserved1", "reserved2",
     "reserved3", "unavailable");
ENUM(e_speed_cfd, "unavailable", "prec100ms", "prec10ms", "prec5ms", "prec1ms", "prec0-1ms",
     "prec0-05ms", "prec0-01ms");
ENUM(e_heading_cfd, "unavailable", "prec10deg", "prec05deg", "prec01deg", "prec0-1deg",
     "prec0-05deg", "prec0-01deg", "prec0-0125deg");
ENUM(e_steer_cfd, "unavailable", "prec2deg", "prec1deg", "prec0-02deg");
ENUM(e_pedal, "unavailable", "off", "on");
ENUM(e_traction, "unavailable", "off", "on", "engaged");
ENUM(e_aux_brakes, "unavailable", "off", "on", "reserved");
ENUM(e_speed_limit_type, "unknown", "maxSpeedInSchoolZone",
     "maxSpeedInSchoolZoneWhenChildrenArePresent", "maxSpeedInConstructionZone", "vehicleMinSpeed",
     "vehicleMaxSpeed", "vehicleNightMaxSpeed", "truckMinSpeed", "truckMaxSpeed",
     "truckNightMaxSpeed", "vehiclesWithTrailersMinSpeed", "vehiclesWithTrailersMaxSpeed",
     "vehiclesWithTrailersNightMaxSpeed");
ENUM(e_light, "unavailable", "dark", "flashing-red", "red", "flashing-green", "permissive-green",
     "protected-green", "yellow", "flashing-yellow");
ENUM(e_event_source, "unknown", "police", "government", "meteorological", "internet", "detection");
ENUM(e_ptc_type, "unknown", "motor", "non-motor", "pedestrian", "rsu");
ENUM(e_ptc_source, "unknown", "selfinfo", "v2x", "video", "microwaveRadar", "loop", "lidar",
     "integrated");
ENUM(e_response_type, "notInUseOrNotEquipped", "emergency", "nonEmergency", "pursuit", "stationary",
     "slowMoving", "stopAndGoMovement");
ENUM(e_siren, "unavailable", "notInUse", "inUse", "reserved");
ENUM(e_lightbar, "unavailable", "notInUse", "inUse", "yellowCautionLights", "schooldBusLights",
     "arrowSignsActive", "slowMovingVehicle", "freqStops");
ENUM(e_ll_enc, "auto", "b12", "b14", "b16", "b18", "b22", "b24", "latlon");
ENUM(e_v_enc, "none", "b07", "b08", "b09", "b10", "b11", "b12", "elevation", "auto");
ENUM(e_lane_kind, NULL, "vehicle", "crosswalk", "bikeLane", "sidewalk", "median", "striping",
     "trackedVehicle", "parking");
ENUM(e_timing_kind, NULL, "counting", "utcTiming");

/* ---- common ------------------------------------------------------------- */

static const struct jf f_pos3d[] = {
	F(struct v2x_pos3d, JF_DBL, lat_deg),
	F(struct v2x_pos3d, JF_DBL, lon_deg),
	FO(struct v2x_pos3d, JF_DBL, elev_m, has_elev),
};
TABLE(t_pos3d, struct v2x_pos3d, f_pos3d, NULL);

static const struct jf f_llv[] = {
	FE(struct v2x_llv, ll_enc, e_ll_enc),
	{ "dlat_deg", JF_DBL, JF_DERIVED, 0, offsetof(struct v2x_llv, dlat_deg), -1, 0, NULL },
	{ "dlon_deg", JF_DBL, JF_DERIVED, 0, offsetof(struct v2x_llv, dlon_deg), -1, 0, NULL },
	FD(struct v2x_llv, lat_deg),
	FD(struct v2x_llv, lon_deg),
	FE(struct v2x_llv, v_enc, e_v_enc),
	{ "v_m", JF_DBL, JF_COND, 0, offsetof(struct v2x_llv, v_m), offsetof(struct v2x_llv, v_enc),
	  0, NULL },
};

/*
 * The offset (dlat/dlon) is what is encoded, unless ll_enc is "auto", when
 * the encoder works it out from lat/lon: whichever the encoding reads must
 * be given.
 */
static const char *llv_check(const void *obj, uint64_t keys)
{
	const struct v2x_llv *m = obj;

	if (m->ll_enc == V2X_LL_AUTO)
		return (keys & (1u << 3)) ? ((keys & (1u << 4)) ? NULL : "lon_deg") : "lat_deg";
	return (keys & (1u << 1)) ? ((keys & (1u << 2)) ? NULL : "dlon_deg") : "dlat_deg";
}
TABLE(t_llv, struct v2x_llv, f_llv, llv_check);

static const struct jf f_pos_accuracy[] = {
	F(struct v2x_pos_accuracy, JF_DBL, semi_major_m),
	F(struct v2x_pos_accuracy, JF_DBL, semi_minor_m),
	F(struct v2x_pos_accuracy, JF_DBL, orientation_deg),
};
TABLE(t_pos_accuracy, struct v2x_pos_accuracy, f_pos_accuracy, NULL);

static const struct jf f_pos_confidence[] = {
	FE(struct v2x_pos_confidence, pos, e_pos_confidence),
	FEO(struct v2x_pos_confidence, elev, has_elev, e_elev_confidence),
};
TABLE(t_pos_confidence, struct v2x_pos_confidence, f_pos_confidence, NULL);

static const struct jf f_motion_confidence[] = {
	FEO(struct v2x_motion_confidence, speed, has_speed, e_speed_cfd),
	FEO(struct v2x_motion_confidence, heading, has_heading, e_heading_cfd),
	FEO(struct v2x_motion_confidence, steer, has_steer, e_steer_cfd),
};
TABLE(t_motion_confidence, struct v2x_motion_confidence, f_motion_confidence, NULL);

static const struct jf f_accel[] = {
	F(struct v2x_accel4, JF_DBL, lon_mps2),
	F(struct v2x_accel4, JF_DBL, lat_mps2),
	F(struct v2x_accel4, JF_DBL, vert_mps2),
	F(struct v2x_accel4, JF_DBL, yaw_dps),
};
TABLE(t_accel, struct v2x_accel4, f_accel, NULL);

static const struct jf f_brakes[] = {
	FEO(struct v2x_brakes, pedal, has_pedal, e_pedal),
	FBO(struct v2x_brakes, JF_BITS8, wheel_brakes, has_wheel_brakes, 5),
	FEO(struct v2x_brakes, traction, has_traction, e_traction),
	FEO(struct v2x_brakes, abs, has_abs, e_traction),
	FEO(struct v2x_brakes, scs, has_scs, e_traction),
	FEO(struct v2x_brakes, boost, has_boost, e_pedal),
	FEO(struct v2x_brakes, aux, has_aux, e_aux_brakes),
};
TABLE(t_brakes, struct v2x_brakes, f_brakes, NULL);

static const struct jf f_vsize[] = {
	F(struct v2x_vsize, JF_DBL, width_m),
	F(struct v2x_vsize, JF_DBL, length_m),
	FO(struct v2x_vsize, JF_DBL, height_m, has_height),
};
TABLE(t_vsize, struct v2x_vsize, f_vsize, NULL);

static const struct jf f_vclass[] = {
	F(struct v2x_vclass, JF_U8, classification),
	FO(struct v2x_vclass, JF_U8, fuel, has_fuel),
};
TABLE(t_vclass, struct v2x_vclass, f_vclass, NULL);

static const struct jf f_datetime[] = {
	FO(struct v2x_datetime, JF_U16, year, has_year),
	FO(struct v2x_datetime, JF_U8, month, has_month),
	FO(struct v2x_datetime, JF_U8, day, has_day),
	FO(struct v2x_datetime, JF_U8, hour, has_hour),
	FO(struct v2x_datetime, JF_U8, minute, has_minute),
	FO(struct v2x_datetime, JF_DBL, second_s, has_second),
	FO(struct v2x_datetime, JF_I16, offset_min, has_offset),
};
TABLE(t_datetime, struct v2x_datetime, f_datetime, NULL);

static const struct jf f_full_pos[] = {
	FSO(struct v2x_full_pos, utc_time, has_utc_time, t_datetime),
	FS(struct v2x_full_pos, pos, t_pos3d),
	FO(struct v2x_full_pos, JF_DBL, heading_deg, has_heading),
	FEO(struct v2x_full_pos, transmission, has_transmission, e_transmission),
	FO(struct v2x_full_pos, JF_DBL, speed_mps, has_speed),
	FSO(struct v2x_full_pos, pos_accuracy, has_pos_accuracy, t_pos_accuracy),
	FSO(struct v2x_full_pos, pos_confidence, has_pos_confidence, t_pos_confidence),
	FEO(struct v2x_full_pos, time_confidence, has_time_confidence, e_time_confidence),
	FSO(struct v2x_full_pos, motion_confidence, has_motion_confidence, t_motion_confidence),
};
TABLE(t_full_pos, struct v2x_full_pos, f_full_pos, NULL);

static const struct jf f_node_ref[] = {
	FO(struct v2x_node_ref, JF_U16, region, has_region),
	F(struct v2x_node_ref, JF_U16, id),
};
TABLE(t_node_ref, struct v2x_node_ref, f_node_ref, NULL);

static const struct jf f_speed_limit[] = {
	FE(struct v2x_speed_limit, type, e_speed_limit_type),
	F(struct v2x_speed_limit, JF_DBL, speed_mps),
};
TABLE(t_speed_limit, struct v2x_speed_limit, f_speed_limit, NULL);

/* ---- BSM ---------------------------------------------------------------- */

static const struct jf f_path_point[] = {
	FS(struct v2x_path_point, pos, t_llv),
	F(struct v2x_path_point, JF_DBL, time_offset_s),
	FO(struct v2x_path_point, JF_DBL, speed_mps, has_speed),
	FSO(struct v2x_path_point, pos_confidence, has_pos_confidence, t_pos_confidence),
	FO(struct v2x_path_point, JF_DBL, heading_deg, has_heading),
};
TABLE(t_path_point, struct v2x_path_point, f_path_point, NULL);

static const struct jf f_path_history[] = {
	FSO(struct v2x_path_history, initial_pos, has_initial_pos, t_full_pos),
	FBO(struct v2x_path_history, JF_BITS8, gnss_status, has_gnss_status, 8),
	FLK(struct v2x_path_history, "points", v, n, t_path_point),
};
TABLE(t_path_history, struct v2x_path_history, f_path_history, NULL);

static const struct jf f_path_prediction[] = {
	F(struct v2x_path_prediction, JF_DBL, radius_m),
	F(struct v2x_path_prediction, JF_DBL, confidence_pct),
};
TABLE(t_path_prediction, struct v2x_path_prediction, f_path_prediction, NULL);

static const struct jf f_safety_ext[] = {
	FB64O(struct v2x_safety_ext, events, has_events, events_nbits),
	FSO(struct v2x_safety_ext, path_history, has_path_history, t_path_history),
	FSO(struct v2x_safety_ext, path_prediction, has_path_prediction, t_path_prediction),
	FB64O(struct v2x_safety_ext, lights, has_lights, lights_nbits),
};
TABLE(t_safety_ext, struct v2x_safety_ext, f_safety_ext, NULL);

static const struct jf f_emergency_ext[] = {
	FEO(struct v2x_emergency_ext, response_type, has_response_type, e_response_type),
	FEO(struct v2x_emergency_ext, siren, has_siren, e_siren),
	FEO(struct v2x_emergency_ext, lightbar, has_lightbar, e_lightbar),
};
TABLE(t_emergency_ext, struct v2x_emergency_ext, f_emergency_ext, NULL);

static const struct jf f_bsm[] = {
	F(struct v2x_bsm, JF_U8, msg_cnt),
	F(struct v2x_bsm, JF_ID, id),
	F(struct v2x_bsm, JF_DBL, sec_mark_s),
	FEO(struct v2x_bsm, time_confidence, has_time_confidence, e_time_confidence),
	FS(struct v2x_bsm, pos, t_pos3d),
	FSO(struct v2x_bsm, pos_accuracy, has_pos_accuracy, t_pos_accuracy),
	FSO(struct v2x_bsm, pos_confidence, has_pos_confidence, t_pos_confidence),
	FE(struct v2x_bsm, transmission, e_transmission),
	F(struct v2x_bsm, JF_DBL, speed_mps),
	F(struct v2x_bsm, JF_DBL, heading_deg),
	FO(struct v2x_bsm, JF_DBL, steering_deg, has_steering),
	FSO(struct v2x_bsm, motion_confidence, has_motion_confidence, t_motion_confidence),
	FS(struct v2x_bsm, accel, t_accel),
	FS(struct v2x_bsm, brakes, t_brakes),
	FS(struct v2x_bsm, size, t_vsize),
	FS(struct v2x_bsm, vclass, t_vclass),
	FSO(struct v2x_bsm, safety_ext, has_safety_ext, t_safety_ext),
	FSO(struct v2x_bsm, emergency_ext, has_emergency_ext, t_emergency_ext),
};
TABLE(t_bsm, struct v2x_bsm, f_bsm, NULL);

/* ---- MAP ---------------------------------------------------------------- */

static const struct jf f_lane_attributes[] = {
	FBO(struct v2x_lane_attributes, JF_BITS16, share_with, has_share_with, 10),
	FE(struct v2x_lane_attributes, kind, e_lane_kind),
	{ "type_bits", JF_BITS64, 0, 0, offsetof(struct v2x_lane_attributes, type_bits), -1,
	  offsetof(struct v2x_lane_attributes, type_nbits), NULL },
};
TABLE(t_lane_attributes, struct v2x_lane_attributes, f_lane_attributes, NULL);

static const struct jf f_connection[] = {
	FS(struct v2x_connection, remote, t_node_ref),
	FO(struct v2x_connection, JF_U8, lane, has_lane),
	FBO(struct v2x_connection, JF_BITS16, lane_maneuvers, has_lane_maneuvers, 12),
	FO(struct v2x_connection, JF_U8, phase, has_phase),
};
TABLE(t_connection, struct v2x_connection, f_connection, NULL);

static const struct jf f_lane[] = {
	F(struct v2x_lane, JF_U8, lane_id),
	FO(struct v2x_lane, JF_DBL, width_m, has_width),
	FSO(struct v2x_lane, attributes, has_attributes, t_lane_attributes),
	FBO(struct v2x_lane, JF_BITS16, maneuvers, has_maneuvers, 12),
	FL(struct v2x_lane, connections, n_connections, t_connection),
	FLK(struct v2x_lane, "speed_limits", speed_limits.v, speed_limits.n, t_speed_limit),
	FLK(struct v2x_lane, "points", points.v, points.n, t_llv),
};
TABLE(t_lane, struct v2x_lane, f_lane, NULL);

static const struct jf f_movement[] = {
	FS(struct v2x_movement, remote, t_node_ref),
	FO(struct v2x_movement, JF_U8, phase, has_phase),
};
TABLE(t_movement, struct v2x_movement, f_movement, NULL);

static const struct jf f_link[] = {
	F(struct v2x_link, JF_NAME, name),
	FS(struct v2x_link, upstream, t_node_ref),
	FLK(struct v2x_link, "speed_limits", speed_limits.v, speed_limits.n, t_speed_limit),
	FO(struct v2x_link, JF_DBL, width_m, has_width),
	FLK(struct v2x_link, "points", points.v, points.n, t_llv),
	FL(struct v2x_link, movements, n_movements, t_movement),
	FL(struct v2x_link, lanes, n_lanes, t_lane),
};
TABLE(t_link, struct v2x_link, f_link, NULL);

static const struct jf f_node[] = {
	F(struct v2x_node, JF_NAME, name),
	FS(struct v2x_node, id, t_node_ref),
	FS(struct v2x_node, ref_pos, t_pos3d),
	FL(struct v2x_node, links, n_links, t_link),
};
TABLE(t_node, struct v2x_node, f_node, NULL);

static const struct jf f_map[] = {
	F(struct v2x_map, JF_U8, msg_cnt),
	FO(struct v2x_map, JF_DBL, timestamp_moy_s, has_timestamp),
	FL(struct v2x_map, nodes, n_nodes, t_node),
};
TABLE(t_map, struct v2x_map, f_map, NULL);

/* ---- SPAT --------------------------------------------------------------- */

static const struct jf f_timing[] = {
	FE(struct v2x_timing, kind, e_timing_kind),
	F(struct v2x_timing, JF_DBL, start_s),
	FO(struct v2x_timing, JF_DBL, min_end_s, has_min_end),
	FO(struct v2x_timing, JF_DBL, max_end_s, has_max_end),
	F(struct v2x_timing, JF_DBL, likely_end_s),
	FO(struct v2x_timing, JF_DBL, confidence_pct, has_confidence),
	FO(struct v2x_timing, JF_DBL, next_start_s, has_next_start),
	FO(struct v2x_timing, JF_DBL, next_s, has_next),
};
TABLE(t_timing, struct v2x_timing, f_timing, NULL);

static const struct jf f_phase_state[] = {
	FE(struct v2x_phase_state, light, e_light),
	FSO(struct v2x_phase_state, timing, has_timing, t_timing),
};
TABLE(t_phase_state, struct v2x_phase_state, f_phase_state, NULL);

static const struct jf f_phase[] = {
	F(struct v2x_phase, JF_U8, id),
	FL(struct v2x_phase, states, n_states, t_phase_state),
};
TABLE(t_phase, struct v2x_phase, f_phase, NULL);

static const struct jf f_intersection[] = {
	FS(struct v2x_intersection_state, id, t_node_ref),
	FB(struct v2x_intersection_state, JF_BITS16, status, 16),
	FO(struct v2x_intersection_state, JF_DBL, moy_s, has_moy),
	FO(struct v2x_intersection_state, JF_DBL, timestamp_s, has_timestamp),
	FEO(struct v2x_intersection_state, time_confidence, has_time_confidence, e_time_confidence),
	FL(struct v2x_intersection_state, phases, n_phases, t_phase),
};
TABLE(t_intersection, struct v2x_intersection_state, f_intersection, NULL);

static const struct jf f_spat[] = {
	F(struct v2x_spat, JF_U8, msg_cnt),
	FO(struct v2x_spat, JF_DBL, moy_s, has_moy),
	FO(struct v2x_spat, JF_DBL, timestamp_s, has_timestamp),
	F(struct v2x_spat, JF_NAME, name),
	FL(struct v2x_spat, intersections, n_intersections, t_intersection),
};
TABLE(t_spat, struct v2x_spat, f_spat, NULL);

/* ---- RSI ---------------------------------------------------------------- */

static const struct jf f_rsi_time[] = {
	FO(struct v2x_rsi_time, JF_DBL, start_moy_s, has_start),
	FO(struct v2x_rsi_time, JF_DBL, end_moy_s, has_end),
	FEO(struct v2x_rsi_time, end_confidence, has_end_confidence, e_time_confidence),
};
TABLE(t_rsi_time, struct v2x_rsi_time, f_rsi_time, NULL);

static const struct jf f_ref_path[] = {
	FLK(struct v2x_ref_path, "points", points.v, points.n, t_llv),
	F(struct v2x_ref_path, JF_DBL, radius_m),
};
TABLE(t_ref_path, struct v2x_ref_path, f_ref_path, NULL);

static const struct jf f_ref_link[] = {
	FS(struct v2x_ref_link, upstream, t_node_ref),
	FS(struct v2x_ref_link, downstream, t_node_ref),
	FBO(struct v2x_ref_link, JF_BITS16, lanes, has_lanes, 16),
};
TABLE(t_ref_link, struct v2x_ref_link, f_ref_link, NULL);

static const struct jf f_rte[] = {
	F(struct v2x_rte, JF_U8, id),
	F(struct v2x_rte, JF_U16, event_type),
	FE(struct v2x_rte, source, e_event_source),
	FSO(struct v2x_rte, pos, has_pos, t_llv),
	FO(struct v2x_rte, JF_DBL, radius_m, has_radius),
	F(struct v2x_rte, JF_TEXT, description),
	FSO(struct v2x_rte, time, has_time, t_rsi_time),
	FO(struct v2x_rte, JF_U8, priority, has_priority),
	FLK(struct v2x_rte, "paths", paths.v, paths.n, t_ref_path),
	FLK(struct v2x_rte, "links", links.v, links.n, t_ref_link),
	FO(struct v2x_rte, JF_DBL, confidence_pct, has_confidence),
};
TABLE(t_rte, struct v2x_rte, f_rte, NULL);

static const struct jf f_rts[] = {
	F(struct v2x_rts, JF_U8, id),
	F(struct v2x_rts, JF_U16, sign_type),
	FSO(struct v2x_rts, pos, has_pos, t_llv),
	F(struct v2x_rts, JF_TEXT, description),
	FSO(struct v2x_rts, time, has_time, t_rsi_time),
	FO(struct v2x_rts, JF_U8, priority, has_priority),
	FLK(struct v2x_rts, "paths", paths.v, paths.n, t_ref_path),
	FLK(struct v2x_rts, "links", links.v, links.n, t_ref_link),
};
TABLE(t_rts, struct v2x_rts, f_rts, NULL);

static const struct jf f_rsi[] = {
	F(struct v2x_rsi, JF_U8, msg_cnt),
	FO(struct v2x_rsi, JF_DBL, moy_s, has_moy),
	F(struct v2x_rsi, JF_ID, id),
	FS(struct v2x_rsi, ref_pos, t_pos3d),
	FL(struct v2x_rsi, rtes, n_rtes, t_rte),
	FL(struct v2x_rsi, rtss, n_rtss, t_rts),
};
TABLE(t_rsi, struct v2x_rsi, f_rsi, NULL);

/* ---- RSM ---------------------------------------------------------------- */

static const struct jf f_participant[] = {
	FE(struct v2x_participant, ptc_type, e_ptc_type),
	F(struct v2x_participant, JF_U16, ptc_id),
	FE(struct v2x_participant, source, e_ptc_source),
	FO(struct v2x_participant, JF_ID, id, has_id),
	F(struct v2x_participant, JF_DBL, sec_mark_s),
	FS(struct v2x_participant, pos, t_llv),
	FS(struct v2x_participant, pos_confidence, t_pos_confidence),
	FEO(struct v2x_participant, transmission, has_transmission, e_transmission),
	F(struct v2x_participant, JF_DBL, speed_mps),
	F(struct v2x_participant, JF_DBL, heading_deg),
	FO(struct v2x_participant, JF_DBL, steering_deg, has_steering),
	FSO(struct v2x_participant, motion_confidence, has_motion_confidence, t_motion_confidence),
	FSO(struct v2x_participant, accel, has_accel, t_accel),
	FS(struct v2x_participant, size, t_vsize),
	FSO(struct v2x_participant, vclass, has_vclass, t_vclass),
};
TABLE(t_participant, struct v2x_participant, f_participant, NULL);

static const struct jf f_rsm[] = {
	F(struct v2x_rsm, JF_U8, msg_cnt),
	F(struct v2x_rsm, JF_ID, id),
	FS(struct v2x_rsm, ref_pos, t_pos3d),
	FL(struct v2x_rsm, participants, n_participants, t_participant),
};
TABLE(t_rsm, struct v2x_rsm, f_rsm, NULL);

const struct jtable *const jt_bodies[V2X_MSG_TYPE_COUNT] = {
	[V2X_MSG_BSM] = &t_bsm,   [V2X_MSG_MAP] = &t_map, [V2X_MSG_RSM] = &t_rsm,
	[V2X_MSG_SPAT] = &t_spat, [V2X_MSG_RSI] = &t_rsi,
};
