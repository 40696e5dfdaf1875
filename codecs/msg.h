/*
 * msg: the normalised Day-1 C-V2X message, as the rest of the system sees
 * it.  Nothing outside codecs/ includes an asn1c header; this model is the
 * boundary.
 *
 * Conventions of every struct below:
 * - Quantities are in SI units with the unit in the field name: degrees
 *   (_deg), metres (_m), metres per second (_mps), m/s2 (_mps2), degrees
 *   per second (_dps), seconds (_s), percent (_pct).
 * - A value the sender marked "unavailable" (Speed 8191, Heading 28800,
 *   Elevation -4096, ...) is NaN.  No magic number leaves the codec.
 * - An OPTIONAL field that was absent has its has_ flag false.  A present
 *   field may still be NaN: "present, unavailable" and "absent" encode
 *   differently and both survive a round trip.
 * - A list holds n elements at v (memory owned by whoever filled the
 *   message: the codec's arena after a decode).  n == 0 means the OPTIONAL
 *   list was absent, since every list of the schema has at least one
 *   element when present.
 * - Enumerated fields hold the schema's own numbers (enum v2x_... below or
 *   the index of the ASN.1 enumeration); an extensible enumeration whose
 *   value came from a newer schema holds V2X_ENUM_UNRECOGNISED.
 * - Bit strings hold named bit n of the schema in bit (1 << n); extensible
 *   ones also keep their length in nbits.
 * - Times: seconds within the minute for DSecond (sec_mark_s), seconds
 *   since the start of the UTC year for MinuteOfTheYear (moy_s, always a
 *   whole minute), seconds within the UTC hour or of countdown for
 *   TimeMark.
 *
 * The model keeps every field of the schema, and how positions were
 * encoded, so that encoding a decoded message gives the same bytes.
 */
#ifndef V2X_CODECS_MSG_H
#define V2X_CODECS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types, in the order of the MessageFrame alternatives (+1). */
enum v2x_msg_type {
	V2X_MSG_NONE = 0,
	V2X_MSG_BSM = 1,
	V2X_MSG_MAP = 2,
	V2X_MSG_RSM = 3,
	V2X_MSG_SPAT = 4,
	V2X_MSG_RSI = 5,
};
#define V2X_MSG_TYPE_COUNT 6

/* Value of an extensible enumeration that a newer schema added. */
#define V2X_ENUM_UNRECOGNISED 0xff

/* Largest list sizes of the schema. */
enum {
	V2X_ID_LEN = 8,
	V2X_NAME_MAX = 63,
	V2X_PATH_HISTORY_MAX = 23,
	V2X_SPEED_LIMITS_MAX = 9,
	V2X_NODES_MAX = 63,
	V2X_LINKS_MAX = 32,
	V2X_MOVEMENTS_MAX = 32,
	V2X_LANES_MAX = 32,
	V2X_CONNECTIONS_MAX = 16,
	V2X_POINTS_MIN = 2,
	V2X_POINTS_MAX = 31,
	V2X_INTERSECTIONS_MAX = 32,
	V2X_PHASES_MAX = 16,
	V2X_PHASE_STATES_MAX = 16,
	V2X_RTES_MAX = 8,
	V2X_RTSS_MAX = 16,
	V2X_REF_PATHS_MAX = 8,
	V2X_PATH_POINTS_MAX = 32,
	V2X_REF_LINKS_MAX = 16,
	V2X_PARTICIPANTS_MAX = 16,
	V2X_DESCRIPTION_MAX = 512,
};

/*
 * DescriptiveName: 1..63 IA5 (7-bit) characters; len 0 when absent.  s is
 * NUL-terminated after len for printing, but IA5 has NUL too, so len, not
 * strlen, is the length.
 */
struct v2x_name {
	uint8_t len;
	char s[V2X_NAME_MAX + 1];
};

/* ---- positions ---------------------------------------------------------- */

/* Position3D: absolute WGS84 position, ellipsoidal height. */
struct v2x_pos3d {
	double lat_deg; /* NaN: unavailable */
	double lon_deg; /* NaN: unavailable */
	bool has_elev;
	double elev_m; /* NaN: unknown */
};

/* How a PositionOffsetLL was put on the wire. */
enum v2x_ll_enc {
	V2X_LL_AUTO = 0, /* encoder picks the shortest (not produced by decode) */
	V2X_LL_B12 = 1,  /* position-LL1, 12-bit offsets */
	V2X_LL_B14 = 2,
	V2X_LL_B16 = 3,
	V2X_LL_B18 = 4,
	V2X_LL_B22 = 5,
	V2X_LL_B24 = 6,    /* position-LL6 */
	V2X_LL_LATLON = 7, /* position-LatLon, absolute */
};

/* How a VerticalOffset was put on the wire. */
enum v2x_v_enc {
	V2X_V_NONE = 0, /* offsetV absent */
	V2X_V_B07 = 1,  /* offset1, 0.1 m in 7 bits */
	V2X_V_B08 = 2,
	V2X_V_B09 = 3,
	V2X_V_B10 = 4,
	V2X_V_B11 = 5,
	V2X_V_B12 = 6,  /* offset6 */
	V2X_V_ELEV = 7, /* elevation: absolute */
	V2X_V_AUTO = 8, /* encoder picks the shortest offset (not produced by decode) */
};

/*
 * PositionOffsetLLV: a position given relative to a reference position
 * (documented on each use).  dlat/dlon are what is on the wire: the offset
 * from the reference, or the absolute position for V2X_LL_LATLON.
 * lat/lon are the absolute position the decoder derived from them (NaN
 * when the reference is unavailable); the encoder reads dlat/dlon, unless
 * ll_enc is V2X_LL_AUTO, when it derives the offset from lat/lon.
 */
struct v2x_llv {
	uint8_t ll_enc; /* enum v2x_ll_enc */
	double dlat_deg;
	double dlon_deg;
	double lat_deg;
	double lon_deg;
	uint8_t v_enc; /* enum v2x_v_enc */
	/* Offset from the reference elevation, or the absolute elevation for
	 * V2X_V_ELEV (NaN: unknown). */
	double v_m;
};

/* PositionalAccuracy: error ellipse, one standard deviation. */
struct v2x_pos_accuracy {
	double semi_major_m;    /* NaN: unavailable; 12.7 means 12.7 m or more */
	double semi_minor_m;    /* NaN: unavailable */
	double orientation_deg; /* of the semi-major axis from true north; NaN */
};

/* PositionConfidenceSet; the values index PositionConfidence and
 * ElevationConfidence (0 unavailable, 1 a500m ... 15 a1cm). */
struct v2x_pos_confidence {
	uint8_t pos;
	bool has_elev;
	uint8_t elev;
};

/* MotionConfidenceSet; values index the schema's enumerations. */
struct v2x_motion_confidence {
	bool has_speed;
	uint8_t speed;
	bool has_heading;
	uint8_t heading;
	bool has_steer;
	uint8_t steer;
};

/* AccelerationSet4Way, vehicle frame. */
struct v2x_accel4 {
	double lon_mps2;  /* forward positive; NaN: unavailable */
	double lat_mps2;  /* right positive; NaN: unavailable */
	double vert_mps2; /* from 0.02 g steps, g = 9.80665 m/s2; NaN */
	double yaw_dps;   /* clockwise positive seen from above */
};

/* ---- vehicles ----------------------------------------------------------- */

enum v2x_transmission {
	V2X_TRANS_NEUTRAL = 0,
	V2X_TRANS_PARK = 1,
	V2X_TRANS_FORWARD = 2,
	V2X_TRANS_REVERSE = 3,
	V2X_TRANS_UNAVAILABLE = 7,
};

enum v2x_brake_pedal {
	V2X_PEDAL_UNAVAILABLE = 0,
	V2X_PEDAL_OFF = 1,
	V2X_PEDAL_ON = 2,
};

/* BrakeSystemStatus; enumerated values index the schema's enumerations
 * (traction, abs, scs: 0 unavailable, 1 off, 2 on, 3 engaged). */
struct v2x_brakes {
	bool has_pedal;
	uint8_t pedal; /* enum v2x_brake_pedal */
	bool has_wheel_brakes;
	uint8_t wheel_brakes; /* BrakeAppliedStatus, 5 bits */
	bool has_traction;
	uint8_t traction;
	bool has_abs;
	uint8_t abs;
	bool has_scs;
	uint8_t scs;
	bool has_boost;
	uint8_t boost;
	bool has_aux;
	uint8_t aux;
};

/* VehicleSize. */
struct v2x_vsize {
	double width_m;
	double length_m;
	bool has_height;
	double height_m;
};

/* VehicleClassification: BasicVehicleClass (10 passenger car, 25..35
 * trucks, 50..58 buses, 60..69 emergency...) and FuelType. */
struct v2x_vclass {
	uint8_t classification;
	bool has_fuel;
	uint8_t fuel;
};

/* DDateTime. */
struct v2x_datetime {
	bool has_year;
	uint16_t year;
	bool has_month;
	uint8_t month;
	bool has_day;
	uint8_t day;
	bool has_hour;
	uint8_t hour;
	bool has_minute;
	uint8_t minute;
	bool has_second;
	double second_s; /* within the minute; NaN: unavailable */
	bool has_offset;
	int16_t offset_min; /* local time minus UTC */
};

/* FullPositionVector. */
struct v2x_full_pos {
	bool has_utc_time;
	struct v2x_datetime utc_time;
	struct v2x_pos3d pos;
	bool has_heading;
	double heading_deg;
	bool has_transmission;
	uint8_t transmission;
	bool has_speed;
	double speed_mps;
	bool has_pos_accuracy;
	struct v2x_pos_accuracy pos_accuracy;
	bool has_pos_confidence;
	struct v2x_pos_confidence pos_confidence;
	bool has_time_confidence;
	uint8_t time_confidence;
	bool has_motion_confidence;
	struct v2x_motion_confidence motion_confidence;
};

/* PathHistoryPoint; pos is an offset from the BSM's pos. */
struct v2x_path_point {
	struct v2x_llv pos;
	double time_offset_s; /* before the BSM's secMark; 655.35 means or more */
	bool has_speed;
	double speed_mps;
	bool has_pos_confidence;
	struct v2x_pos_confidence pos_confidence;
	bool has_heading;
	double heading_deg; /* 1.5 degree steps; NaN: unavailable */
};

/* PathHistory, most recent point first. */
struct v2x_path_history {
	bool has_initial_pos;
	struct v2x_full_pos initial_pos;
	bool has_gnss_status;
	uint8_t gnss_status; /* GNSSstatus, 8 bits */
	size_t n;
	struct v2x_path_point *v;
};

/* PathPrediction. */
struct v2x_path_prediction {
	double radius_m;       /* negative curving left; +INFINITY: straight */
	double confidence_pct; /* 0.5 % steps */
};

/* VehicleSafetyExtensions. */
struct v2x_safety_ext {
	bool has_events;
	uint8_t events_nbits; /* 13, or more from a newer schema */
	uint64_t events;      /* VehicleEventFlags */
	bool has_path_history;
	struct v2x_path_history path_history;
	bool has_path_prediction;
	struct v2x_path_prediction path_prediction;
	bool has_lights;
	uint8_t lights_nbits; /* 9, or more */
	uint64_t lights;      /* ExteriorLights */
};

/* VehicleEmergencyExtensions; ResponseType may be V2X_ENUM_UNRECOGNISED. */
struct v2x_emergency_ext {
	bool has_response_type;
	uint8_t response_type;
	bool has_siren;
	uint8_t siren;
	bool has_lightbar;
	uint8_t lightbar;
};

/* BasicSafetyMessage. */
struct v2x_bsm {
	uint8_t msg_cnt;
	uint8_t id[V2X_ID_LEN];
	double sec_mark_s; /* NaN: unavailable */
	bool has_time_confidence;
	uint8_t time_confidence;
	struct v2x_pos3d pos;
	bool has_pos_accuracy;
	struct v2x_pos_accuracy pos_accuracy;
	bool has_pos_confidence;
	struct v2x_pos_confidence pos_confidence;
	uint8_t transmission; /* enum v2x_transmission */
	double speed_mps;     /* NaN: unavailable */
	double heading_deg;   /* clockwise from true north; NaN: unavailable */
	bool has_steering;
	double steering_deg; /* steering wheel, right positive; NaN */
	bool has_motion_confidence;
	struct v2x_motion_confidence motion_confidence;
	struct v2x_accel4 accel;
	struct v2x_brakes brakes;
	struct v2x_vsize size;
	struct v2x_vclass vclass;
	bool has_safety_ext;
	struct v2x_safety_ext safety_ext;
	bool has_emergency_ext;
	struct v2x_emergency_ext emergency_ext;
};

/* ---- MAP ---------------------------------------------------------------- */

/* NodeReferenceID. */
struct v2x_node_ref {
	bool has_region;
	uint16_t region;
	uint16_t id;
};

enum v2x_speed_limit_type {
	V2X_SPEED_LIMIT_UNKNOWN = 0,
	V2X_SPEED_LIMIT_VEHICLE_MIN = 4,
	V2X_SPEED_LIMIT_VEHICLE_MAX = 5,
	V2X_SPEED_LIMIT_TRUCK_MAX = 8,
	/* the others index SpeedLimitType; V2X_ENUM_UNRECOGNISED possible */
};

struct v2x_speed_limit {
	uint8_t type; /* SpeedLimitType */
	double speed_mps;
};

struct v2x_speed_limits {
	size_t n;
	struct v2x_speed_limit *v;
};

/* PointList; offsets from the refPos of the node the link enters. */
struct v2x_points {
	size_t n;
	struct v2x_llv *v;
};

/* LaneTypeAttributes alternatives (+1). */
enum v2x_lane_kind {
	V2X_LANE_VEHICLE = 1,
	V2X_LANE_CROSSWALK = 2,
	V2X_LANE_BIKE = 3,
	V2X_LANE_SIDEWALK = 4,
	V2X_LANE_MEDIAN = 5,
	V2X_LANE_STRIPING = 6,
	V2X_LANE_TRACKED = 7,
	V2X_LANE_PARKING = 8,
	/* V2X_ENUM_UNRECOGNISED: an alternative of a newer schema */
};

/* LaneAttributes. */
struct v2x_lane_attributes {
	bool has_share_with;
	uint16_t share_with; /* LaneSharing, 10 bits */
	uint8_t kind;        /* enum v2x_lane_kind */
	uint8_t type_nbits;  /* 16, or 8+ for vehicle lanes */
	uint64_t type_bits;  /* the kind's attribute bits */
};

/* Connection: this lane continues into lane of the link towards remote. */
struct v2x_connection {
	struct v2x_node_ref remote;
	bool has_lane;
	uint8_t lane;
	bool has_lane_maneuvers;
	uint16_t lane_maneuvers; /* AllowedManeuvers of the connecting lane */
	bool has_phase;
	uint8_t phase; /* SPAT phase id (signal group) */
};

/* AllowedManeuvers bits. */
enum {
	V2X_MANEUVER_STRAIGHT = 1u << 0,
	V2X_MANEUVER_LEFT = 1u << 1,
	V2X_MANEUVER_RIGHT = 1u << 2,
	V2X_MANEUVER_UTURN = 1u << 3,
};

struct v2x_lane {
	uint8_t lane_id;
	bool has_width;
	double width_m;
	bool has_attributes;
	struct v2x_lane_attributes attributes;
	bool has_maneuvers;
	uint16_t maneuvers; /* AllowedManeuvers, 12 bits */
	size_t n_connections;
	struct v2x_connection *connections;
	struct v2x_speed_limits speed_limits;
	struct v2x_points points;
};

struct v2x_movement {
	struct v2x_node_ref remote;
	bool has_phase;
	uint8_t phase;
};

struct v2x_link {
	struct v2x_name name;
	struct v2x_node_ref upstream;
	struct v2x_speed_limits speed_limits;
	bool has_width;
	double width_m;
	struct v2x_points points;
	size_t n_movements;
	struct v2x_movement *movements;
	size_t n_lanes;
	struct v2x_lane *lanes;
};

struct v2x_node {
	struct v2x_name name;
	struct v2x_node_ref id;
	struct v2x_pos3d ref_pos;
	size_t n_links;
	struct v2x_link *links; /* links entering this node */
};

/* MapData. */
struct v2x_map {
	uint8_t msg_cnt;
	bool has_timestamp;
	double timestamp_moy_s; /* NaN: invalid */
	size_t n_nodes;
	struct v2x_node *nodes;
};

/* ---- SPAT --------------------------------------------------------------- */

enum v2x_light {
	V2X_LIGHT_UNAVAILABLE = 0,
	V2X_LIGHT_DARK = 1,
	V2X_LIGHT_FLASHING_RED = 2,
	V2X_LIGHT_RED = 3,
	V2X_LIGHT_FLASHING_GREEN = 4,
	V2X_LIGHT_PERMISSIVE_GREEN = 5,
	V2X_LIGHT_PROTECTED_GREEN = 6,
	V2X_LIGHT_YELLOW = 7,
	V2X_LIGHT_FLASHING_YELLOW = 8,
	/* V2X_ENUM_UNRECOGNISED: a state of a newer schema */
};

enum v2x_timing_kind {
	V2X_TIMING_COUNTING = 1, /* TimeCountingDown: seconds from now */
	V2X_TIMING_UTC = 2,      /* UTCTiming: seconds within the UTC hour */
	                         /* V2X_ENUM_UNRECOGNISED: an alternative of a newer schema */
};

/*
 * TimeChangeDetails.  Both alternatives have the same shape; next_s is
 * nextDuration for countdowns and nextEndUTCTime for UTC timing.  Times are
 * NaN where the sender put the invalid value 36001.
 */
struct v2x_timing {
	uint8_t kind; /* enum v2x_timing_kind */
	double start_s;
	bool has_min_end;
	double min_end_s;
	bool has_max_end;
	double max_end_s;
	double likely_end_s;
	bool has_confidence;
	double confidence_pct;
	bool has_next_start;
	double next_start_s;
	bool has_next;
	double next_s;
};

struct v2x_phase_state {
	uint8_t light; /* enum v2x_light */
	bool has_timing;
	struct v2x_timing timing;
};

struct v2x_phase {
	uint8_t id;
	size_t n_states;
	struct v2x_phase_state *states; /* the current state first */
};

struct v2x_intersection_state {
	struct v2x_node_ref id;
	uint16_t status; /* IntersectionStatusObject, 16 bits */
	bool has_moy;
	double moy_s;
	bool has_timestamp;
	double timestamp_s; /* within the minute */
	bool has_time_confidence;
	uint8_t time_confidence;
	size_t n_phases;
	struct v2x_phase *phases;
};

/* SPAT. */
struct v2x_spat {
	uint8_t msg_cnt;
	bool has_moy;
	double moy_s;
	bool has_timestamp;
	double timestamp_s;
	struct v2x_name name;
	size_t n_intersections;
	struct v2x_intersection_state *intersections;
};

/* ---- RSI ---------------------------------------------------------------- */

enum v2x_event_source {
	V2X_EVSRC_UNKNOWN = 0,
	V2X_EVSRC_POLICE = 1,
	V2X_EVSRC_GOVERNMENT = 2,
	V2X_EVSRC_METEOROLOGICAL = 3,
	V2X_EVSRC_INTERNET = 4,
	V2X_EVSRC_DETECTION = 5,
	/* V2X_ENUM_UNRECOGNISED */
};

enum v2x_text_kind {
	V2X_TEXT_NONE = 0,
	V2X_TEXT_IA5 = 1,    /* textString */
	V2X_TEXT_GB2312 = 2, /* textGB2312, GB2312 octets */
};

/* Description; data is not NUL-terminated. */
struct v2x_text {
	uint8_t kind; /* enum v2x_text_kind */
	size_t len;
	uint8_t *data;
};

/* RSITimeDetails, MinuteOfTheYear values as seconds of the year. */
struct v2x_rsi_time {
	bool has_start;
	double start_moy_s;
	bool has_end;
	double end_moy_s;
	bool has_end_confidence;
	uint8_t end_confidence;
};

/* ReferencePath; points are offsets from the RSI's refPos. */
struct v2x_ref_path {
	struct v2x_points points;
	double radius_m;
};

struct v2x_ref_paths {
	size_t n;
	struct v2x_ref_path *v;
};

/* ReferenceLink: a MapData link and, optionally, some of its lanes
 * (bit n set: lane n). */
struct v2x_ref_link {
	struct v2x_node_ref upstream;
	struct v2x_node_ref downstream;
	bool has_lanes;
	uint16_t lanes;
};

struct v2x_ref_links {
	size_t n;
	struct v2x_ref_link *v;
};

/* RTEData: a road traffic event. */
struct v2x_rte {
	uint8_t id;
	uint16_t event_type; /* GB/T 29100 code */
	uint8_t source;      /* enum v2x_event_source */
	bool has_pos;
	struct v2x_llv pos; /* offset from the RSI's refPos */
	bool has_radius;
	double radius_m;
	struct v2x_text description;
	bool has_time;
	struct v2x_rsi_time time;
	bool has_priority;
	uint8_t priority;
	struct v2x_ref_paths paths;
	struct v2x_ref_links links;
	bool has_confidence;
	double confidence_pct;
};

/* RTSData: a road traffic sign. */
struct v2x_rts {
	uint8_t id;
	uint16_t sign_type;
	bool has_pos;
	struct v2x_llv pos; /* offset from the RSI's refPos */
	struct v2x_text description;
	bool has_time;
	struct v2x_rsi_time time;
	bool has_priority;
	uint8_t priority;
	struct v2x_ref_paths paths;
	struct v2x_ref_links links;
};

/* RoadSideInformation. */
struct v2x_rsi {
	uint8_t msg_cnt;
	bool has_moy;
	double moy_s;
	uint8_t id[V2X_ID_LEN];
	struct v2x_pos3d ref_pos;
	size_t n_rtes;
	struct v2x_rte *rtes;
	size_t n_rtss;
	struct v2x_rts *rtss;
};

/* ---- RSM ---------------------------------------------------------------- */

enum v2x_ptc_type {
	V2X_PTC_UNKNOWN = 0,
	V2X_PTC_MOTOR = 1,
	V2X_PTC_NON_MOTOR = 2,
	V2X_PTC_PEDESTRIAN = 3,
	V2X_PTC_RSU = 4,
	/* V2X_ENUM_UNRECOGNISED */
};

enum v2x_ptc_source {
	V2X_SRC_UNKNOWN = 0,
	V2X_SRC_SELFINFO = 1,
	V2X_SRC_V2X = 2,
	V2X_SRC_VIDEO = 3,
	V2X_SRC_RADAR = 4,
	V2X_SRC_LOOP = 5,
	V2X_SRC_LIDAR = 6,
	V2X_SRC_INTEGRATED = 7,
	/* V2X_ENUM_UNRECOGNISED */
};

/* ParticipantData. */
struct v2x_participant {
	uint8_t ptc_type; /* enum v2x_ptc_type */
	uint16_t ptc_id;
	uint8_t source; /* enum v2x_ptc_source */
	bool has_id;
	uint8_t id[V2X_ID_LEN];
	double sec_mark_s;
	struct v2x_llv pos; /* offset from the RSM's refPos */
	struct v2x_pos_confidence pos_confidence;
	bool has_transmission;
	uint8_t transmission;
	double speed_mps;
	double heading_deg;
	bool has_steering;
	double steering_deg;
	bool has_motion_confidence;
	struct v2x_motion_confidence motion_confidence;
	bool has_accel;
	struct v2x_accel4 accel;
	struct v2x_vsize size;
	bool has_vclass;
	struct v2x_vclass vclass;
};

/* RoadsideSafetyMessage. */
struct v2x_rsm {
	uint8_t msg_cnt;
	uint8_t id[V2X_ID_LEN];
	struct v2x_pos3d ref_pos;
	size_t n_participants;
	struct v2x_participant *participants;
};

/* ---- the message -------------------------------------------------------- */

/* Flags a decoder sets on a message it decoded in part. */
enum v2x_msg_flag {
	/* An extension addition of a newer schema was skipped. */
	V2X_MSG_F_SKIPPED_EXTENSION = 1u << 0,
	/* A field holds V2X_ENUM_UNRECOGNISED. */
	V2X_MSG_F_UNRECOGNISED_VALUE = 1u << 1,
	/* An extensible bit string was longer than 64 bits and was cut. */
	V2X_MSG_F_BITS_CUT = 1u << 2,
};

/* MessageFrame. */
struct v2x_msg {
	enum v2x_msg_type type;
	uint32_t flags; /* enum v2x_msg_flag */
	union {
		struct v2x_bsm bsm;
		struct v2x_map map;
		struct v2x_rsm rsm;
		struct v2x_spat spat;
		struct v2x_rsi rsi;
	} u;
};

/* Returns "bsm", "map", "rsm", "spat", "rsi" or "none"; static storage. */
const char *v2x_msg_type_name(enum v2x_msg_type type);

/* Returns the type named name (as v2x_msg_type_name gives), or V2X_MSG_NONE. */
enum v2x_msg_type v2x_msg_type_from_name(const char *name);

#endif
