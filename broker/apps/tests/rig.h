/*
 * rig: the broker's application interface driven as the broker core
 * drives it, on the generated test field (field.h), for the tests of the
 * warning applications.  One rig holds a track table, a hazard table, a
 * signal table, a warning table whose emissions it records, and a runner
 * of the applications under test.
 *
 * Per BSM (rig_bsm): brk_tracks_update(), the position converted to the
 * map frame, brk_tracks_match(), then brk_apps_observation() with the
 * track.  Per tick (rig_tick): brk_apps_tick(), brk_hazards_sweep(),
 * brk_warn_tick(), brk_tracks_sweep(), brk_spat_sweep().  RSI events get
 * their lanes as the PostGIS worker would answer (the interval given).
 *
 * Vehicles are numbered by one byte: vehicle v's id is 8 octets of v.
 */
#ifndef V2X_BROKER_APPS_TESTS_RIG_H
#define V2X_BROKER_APPS_TESTS_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/apps/app.h"
#include "broker/apps/tests/field.h"

#define RIG_STEP_US 100000LL /* 10 Hz */
#define RIG_MAXEV   1024

/* A warning as the rig's sink received it. */
struct rig_emission {
	int type; /* WarningType */
	uint8_t target;
	uint8_t subject_vehicle; /* first octet of a vehicle subject, 0: none */
	uint64_t id, hazard_id;
	uint8_t phase_id; /* signal subject */
	uint32_t revision;
	bool issued;
	int severity;
	double distance_m, tte_s, advisory_mps; /* NaN: absent */
	double lat_deg;                         /* NaN: no position */
	size_t n_sources;
	char src0[16], src1[16];
	char text[128];
	int64_t time_us; /* issue_time_us */
};

struct rig_cancel {
	uint64_t id;
	int reason;
	bool expired;
	int64_t time_us;
};

struct rig {
	struct field *f;
	struct brk_tracks *tracks;
	struct brk_hazards *hazards;
	struct brk_spat *spat;
	struct brk_warn *warn;
	struct brk_apps *apps;
	struct brk_app_ctx ctx;
	uint64_t seq;
	uint8_t msg_cnt;
	size_t wrong_lane; /* BSMs the matcher put on another lane than driven */
	/* The last lanes request, as the PostGIS worker would receive it. */
	uint64_t req_id;
	uint32_t req_gen;
	size_t n_w, n_c;
	struct rig_emission w[RIG_MAXEV];
	struct rig_cancel c[RIG_MAXEV];
};

/* What a BSM says beyond position and speed; zero-initialise, NaN marks
 * the numbers to leave unavailable (rig_bsm_opts() gives that). */
struct rig_opts {
	double lateral_m;     /* offset from the lane centre, positive left */
	double accel_mps2;    /* longitudinal, NaN: unavailable */
	bool braking;         /* brake pedal on, all wheels braking */
	uint8_t vclass;       /* BasicVehicleClass; 0: 10 (passenger car) */
	double heading_delta; /* added to the lane heading, degrees */
	double elev_delta_m;  /* added to the lane's height */
};

/* Options for a plain BSM: on the centre line, no acceleration. */
struct rig_opts rig_bsm_opts(void);

/* Starts a rig on f running the n applications of apps (borrowed: they
 * and their configurations must outlive the rig).  0, or -1 with the
 * reason printed. */
int rig_open(struct rig *r, struct field *f, const struct brk_app_entry *apps, size_t n);

void rig_close(struct rig *r);

/*
 * An RSI event of event_type covering [s0, s1] of lane (its centre and
 * radius from the interval), from RSU "cq-rsu-a", sender the RSI id's
 * octets, heard at now_us; its lanes set as the PostGIS worker would
 * answer.  end_moy_s 0: no end time (field_moy_s() gives minutes).
 * Returns the hazard id (0 when the table refused it).
 */
uint64_t rig_event(struct rig *r, uint8_t sender, uint16_t event_type, uint32_t lane, double s0,
                   double s1, double end_moy_s, int64_t now_us);

/*
 * An RSI (borrowed for the call) heard at now_us from RSU "cq-rsu-a":
 * offered to the hazard table, the lanes of a new event set to *span
 * (NULL: left unanswered), then handed to the applications.  Returns the
 * hazard id of the lanes request it made (0: none).
 */
uint64_t rig_rsi(struct rig *r, const struct v2x_rsi *rsi, const struct brk_lane_span *span,
                 int64_t now_us);

/* One BSM of vehicle vid at s on lane, as the core handles it, from RSU
 * "cq-rsu-b"; o NULL: rig_bsm_opts().  Returns the track (NULL when the
 * BSM was not applied). */
const struct brk_track *rig_bsm(struct rig *r, uint8_t vid, uint32_t lane, double s,
                                double speed_mps, const struct rig_opts *o, int64_t now_us);

/* One SPAT (borrowed for the call) heard at now_us, then the applications. */
void rig_spat(struct rig *r, const struct v2x_spat *spat, int64_t now_us);

/* The broker's tick, in the order app.h gives. */
void rig_tick(struct rig *r, int64_t now_us);

/* Drives vehicle vid along lane from s0 to s1 at speed_mps, a BSM and a
 * tick every RIG_STEP_US from *now_us on (advanced past the last). */
void rig_drive(struct rig *r, uint8_t vid, uint32_t lane, double s0, double s1, double speed_mps,
               int64_t *now_us);

/* Whether the change from a to b is material by the lifecycle's defaults
 * (severity, distance, time to event, advisory speed). */
bool rig_material(const struct rig_emission *a, const struct rig_emission *b);

/* The emissions of type for target vid: how many, and the first's index
 * in r->w in *first (may be NULL; SIZE_MAX when none). */
size_t rig_count(const struct rig *r, int type, uint8_t vid, size_t *first);

/* The cancellation of warning id, or NULL. */
const struct rig_cancel *rig_cancel_of(const struct rig *r, uint64_t id);

/* Prints r's emissions and cancellations (for the test's log). */
void rig_print(const struct rig *r);

#endif
