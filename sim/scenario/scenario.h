/*
 * scenario: a test-field scenario as people write it (YAML, comments
 * allowed; docs/scenarios.md documents every field), read into plain
 * structs that the simulator, the oracle and the report share.
 *
 * Units are SI in the structs (metres, seconds, m/s); the YAML file may
 * give speeds in km/h where the key says so (speed_kmh).  Times are
 * seconds from the start of the run (t = 0 when the first message is
 * due).  Names of actors are what the report shows; the BSM id of actor
 * k (0-based, in file order) is "SIM" then the scenario seed's low 16 bits
 * then k + 1 (3 octets, big-endian), so ids are stable across runs.
 */
#ifndef V2X_SIM_SCENARIO_SCENARIO_H
#define V2X_SIM_SCENARIO_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/gen/mapgen.h"
#include "runtime/arena.h"

#define SIM_NAME_MAX 63

/* Warning types, the wire protocol's WarningType numbers. */
enum sim_warning_type {
	SIM_W_CURVE_SPEED = 1,
	SIM_W_BLIND_CURVE = 2,
	SIM_W_HAZARD_AHEAD = 3,
	SIM_W_FORWARD_COLLISION = 4,
	SIM_W_STEEP_DOWNGRADE = 5,
	SIM_W_SPEED_LIMIT = 6,
	SIM_W_RED_LIGHT = 7,
};
#define SIM_W_COUNT 8 /* index 0 unused */

/* A point of an actor's speed profile: from t_s on (since the actor
 * appeared), the driver aims at speed_mps (within its limits). */
struct sim_speed_point {
	double t_s;
	double speed_mps;
};

enum sim_action_kind {
	SIM_ACT_SPEED = 1,      /* value: new target speed, m/s */
	SIM_ACT_STOP = 2,       /* brake at the comfortable rate to a stop and stay */
	SIM_ACT_BRAKE_HARD = 3, /* brake at decel_hard_mps2 to a stop and stay */
	SIM_ACT_LATERAL = 4,    /* value: offset from the lane centre, m, + left (over
	                         * the centre line of a two-way road when > half the
	                         * lane width) */
	SIM_ACT_RESUME = 5,     /* back to the speed profile after a stop */
};

/* A scripted action, at a time (at_lane 0) or where the actor first
 * reaches (at_lane, at_s) (at_t_s NaN). */
struct sim_action {
	uint8_t kind; /* enum sim_action_kind */
	double value;
	double at_t_s; /* since the start of the run */
	uint32_t at_lane;
	double at_s;
};

enum sim_vclass {
	SIM_CLASS_CAR = 10,   /* BasicVehicleClass passengerVehicleTypeUnknown */
	SIM_CLASS_TRUCK = 25, /* lightTruckVehicle... heavy: 25..35 */
	SIM_CLASS_BUS = 50,
};

struct sim_actor {
	char name[SIM_NAME_MAX + 1];
	uint8_t id[8];            /* the BSM id */
	uint8_t vclass;           /* enum sim_vclass (BasicVehicleClass) */
	double length_m, width_m; /* 4.8 x 1.8 car, 10 x 2.5 truck, 12 x 2.5 bus */
	size_t n_route;
	uint32_t *route;  /* lanes in order, each a successor of the one before */
	double start_s;   /* on route[0] */
	double start_t_s; /* when it appears (0) */
	double speed_mps; /* at start */
	size_t n_profile; /* may be 0: keeps speed_mps */
	struct sim_speed_point *profile;
	double accel_max_mps2;  /* 2.0 */
	double decel_mps2;      /* 2.5: comfortable braking */
	double decel_hard_mps2; /* 6.0 */
	double lateral_m;       /* at start, + left of the lane centre (0) */
	size_t n_actions;
	struct sim_action *actions;
};

/* An RSU of the run: one of the map's, by its id, with an optional radio
 * range override (range_m NaN: the map's). */
struct sim_rsu {
	char id[SIM_NAME_MAX + 1];
	double range_m;
};

/* One signal group of the junction's fixed-time plan: green from
 * green_start_s to green_start_s + green_s within the cycle, then yellow
 * for yellow_s, red for the rest. */
struct sim_signal_group {
	int32_t group;
	double green_start_s, green_s, yellow_s;
};

struct sim_signals {
	bool present; /* false: no SPAT is sent */
	double cycle_s;
	double offset_s; /* the cycle's start at t = -offset_s */
	size_t n;
	struct sim_signal_group *groups;
};

/* An RSI traffic event (or, with sign, a speed-limit sign), placed at
 * (lane, s) of the map, broadcast by rsu every second while active. */
struct sim_rsi_event {
	uint16_t id;         /* the RTE/RTS id */
	uint16_t event_type; /* GB/T 29100 code; the sign type for signs */
	bool sign;           /* a road traffic sign (RTS) instead of an event */
	double limit_mps;    /* a speed-limit sign's value; NaN otherwise */
	uint32_t lane;
	double s;
	double radius_m;            /* 30 */
	double from_t_s, to_t_s;    /* active; to_t_s INFINITY: to the end */
	char rsu[SIM_NAME_MAX + 1]; /* "" : the nearest RSU in range */
};

enum sim_participant_kind {
	SIM_PART_VEHICLE = 1,    /* ParticipantType motor */
	SIM_PART_PEDESTRIAN = 3, /* pedestrian */
	SIM_PART_ANIMAL = 4,     /* reported as unknown (0) */
};

/* An RSM participant that a roadside sensor reports at 10 Hz. */
struct sim_rsm_participant {
	uint16_t id;
	uint8_t kind; /* enum sim_participant_kind */
	uint32_t lane;
	double s;
	double speed_mps; /* along the lane (0: standing) */
	double from_t_s, to_t_s;
	char rsu[SIM_NAME_MAX + 1]; /* "" : the nearest RSU in range */
};

/* Message type bits of a fault: bit v2x_msg_type. 0: all types. */
struct sim_link_fault {
	char from[SIM_NAME_MAX + 1]; /* an actor's name, "rsu" (RSU-originated) or "*" */
	char to[SIM_NAME_MAX + 1];   /* an RSU id or "*" */
	uint32_t types;
	double loss;                /* independent loss probability */
	double burst_enter;         /* Gilbert-Elliott: chance per message to enter a burst */
	double burst_len;           /* mean burst length, messages (all lost) */
	double delay_ms, jitter_ms; /* added latency, and uniform +- jitter */
	double duplicate;           /* chance a message is sent twice */
	double reorder;             /* chance a message is held back behind the next */
	double corrupt;             /* chance some of its bytes are flipped */
	double from_t_s, to_t_s;    /* when it applies (0, INFINITY) */
};

struct sim_gnss_fault {
	char actor[SIM_NAME_MAX + 1]; /* or "*" */
	double noise_m;               /* standard deviation per axis, horizontal */
	double bias_east_m, bias_north_m;
	bool tunnel_outage; /* no position inside tunnels (BSM with position unavailable) */
};

struct sim_rsu_dark {
	char rsu[SIM_NAME_MAX + 1];
	double from_t_s, to_t_s;
};

struct sim_clock_skew {
	char actor[SIM_NAME_MAX + 1];
	double skew_ms; /* its BSM times run ahead (+) or behind */
};

enum sim_expect_kind {
	SIM_EXPECT_MUST = 1,     /* this warning must arrive */
	SIM_EXPECT_MUST_NOT = 2, /* no such warning may arrive */
};

/* An expectation written in the scenario, on top of the oracle's own. */
struct sim_expect {
	uint8_t kind; /* enum sim_expect_kind */
	uint8_t type; /* enum sim_warning_type */
	char target[SIM_NAME_MAX + 1];
	char subject[SIM_NAME_MAX + 1]; /* an actor's name, or "" : any */
	double from_t_s, to_t_s;        /* the window (0, INFINITY) */
	double min_lead_s;              /* NaN: none */
};

/* Outcome thresholds of the run. */
struct sim_thresholds {
	double recall_min;         /* share of expected warnings that arrived in time, 1.0 */
	unsigned false_pos_max;    /* 0 */
	double latency_p99_ms_max; /* BSM sent -> warning received, 250 */
	double lead_s_min;         /* curve speed, 3.0 */
};

struct sim_scenario {
	char name[SIM_NAME_MAX + 1];
	char description[1024];
	char path[512]; /* the file it was read from */
	uint64_t seed;
	double duration_s;
	bool realtime; /* true: time: real (the only mode the pipeline allows) */
	/* The map: generated from map_params, or (map_version > 0) a version
	 * already loaded in the database. */
	struct mapgen_params map_params;
	int64_t map_version;
	size_t n_actors;
	struct sim_actor *actors;
	size_t n_rsus; /* 0: every RSU of the map */
	struct sim_rsu *rsus;
	struct sim_signals signals;
	size_t n_rsi;
	struct sim_rsi_event *rsi;
	size_t n_rsm;
	struct sim_rsm_participant *rsm;
	size_t n_link_faults;
	struct sim_link_fault *link_faults;
	size_t n_gnss_faults;
	struct sim_gnss_fault *gnss_faults;
	size_t n_dark;
	struct sim_rsu_dark *dark;
	size_t n_skews;
	struct sim_clock_skew *skews;
	size_t n_expect;
	struct sim_expect *expect;
	struct sim_thresholds thresholds;
};

/*
 * Reads the YAML scenario at path into *out, every list allocated from
 * arena.  Checks everything that needs no map (types, ranges, names
 * unique, references between sections); errors say the file, line and
 * column, the key, what was wrong and what is allowed:
 *   "hairpin.yaml:12:9: actors[1].speed_kmh: -5 is out of range (0..200 km/h)".
 * References to RSUs must name one of rsus when the file lists any (only
 * the map knows them otherwise).  *out is zeroed on failure.
 * Returns 0, V2X_EIO (file unreadable), V2X_EINVAL (with err) or
 * V2X_ENOMEM.
 */
int sim_scenario_load(const char *path, struct v2x_arena *arena, struct sim_scenario *out,
                      char *err, size_t errlen);

/*
 * Checks *sc against the map m: route lanes exist and follow each other
 * through m's connections, start and action positions and RSI/RSM places
 * lie on their lanes (0..length), an action's lane is on its actor's
 * route, RSU ids exist among m's rsu_id, signal groups exist among m's
 * connections and stop lines, and names of actors in faults and expect
 * name actors (again: sc may have been built by code).
 * Returns 0 or V2X_EINVAL with the first problem in err.
 */
int sim_scenario_check_map(const struct sim_scenario *sc, const struct map_model *m, char *err,
                           size_t errlen);

/* Returns the index of the actor called name, or -1. */
int sim_scenario_actor(const struct sim_scenario *sc, const char *name);

/* Returns the name of a warning type ("curve_speed", as the wire's enum
 * without its prefix), "?" if unknown; and the type of a name, or 0. */
const char *sim_warning_name(unsigned type);
unsigned sim_warning_type(const char *name);

#endif
