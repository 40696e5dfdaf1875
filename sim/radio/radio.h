/*
 * radio: the run's datagrams, planned before it starts.  From the world's
 * truth, every actor's BSM at 10 Hz (encoded with the codec, with its path
 * history), the junction RSU's MAP (1 Hz) and SPAT (10 Hz) from the
 * scenario's signal plan, each RSI event once a second from its RSU while
 * it is active, each RSM participant at 10 Hz; each reaches the agents of
 * the RSUs whose radio range covers the sender (RSU-originated messages:
 * their own RSU's agent), unless the RSU is dark.  Then the scenario's
 * faults, all drawn from its master seed: loss (independent and in
 * Gilbert-Elliott bursts), delay and jitter, duplication, reordering,
 * corrupted bytes, GNSS noise and bias, no GNSS in tunnels, RSUs going
 * dark, clock skew.  Same scenario, map and epoch: the same datagrams,
 * byte for byte.
 *
 * What is sent:
 * - BSM: actor k every 100 ms at k * 7 ms (mod 100) into each period,
 *   while the world has it on the road; the truth interpolated to that
 *   instant; heading from true north; msgCnt from a seeded start, +1 mod
 *   128 per BSM; secMark from epoch + t + the actor's clock skew; a path
 *   history of the last 15 reported positions (a point a second, or
 *   sooner after a 10 degree turn); eventHardBraking while hard braking;
 *   brake pedal and all four wheel brakes while braking.  To each RSU
 *   whose antenna lies within its range (3D) of the true position.
 * - GNSS: noise (normal, noise_m per axis, a fresh draw per BSM) and bias
 *   on the reported position; with tunnel_outage, inside a tunnel the BSM
 *   is still sent, as an on-board unit without a fix sends it: latitude,
 *   longitude and heading unavailable (NaN), no elevation, no path history
 *   (it restarts after the tunnel), speed kept (the vehicle's own).  The
 *   agent counts those as no_position.
 * - MAP (1 Hz, map_mapmsg_build) and SPAT (10 Hz: each plan group's
 *   current state and the next two, countdowns from the SPAT's time, moy
 *   and timeStamp set) from the junction RSU: the map's RSU nearest the
 *   intersection's refPos, which must be in the run when signals are.
 * - RSI: one per event a second from from_t_s while t < to_t_s, its id
 *   "RSI" + seed's low 16 bits + event index + 1 (3 octets): an RTE
 *   (event type, position, radius, start time, reference path 30 m before
 *   to 10 m after along its lane) or, for a sign, an RTS (sign type, text
 *   "<limit> km/h").  No end time: MinuteOfTheYear would be up to a
 *   minute off, so the event ends with its last RSI.
 * - RSM: each RSU's active participants at 10 Hz, 50 ms into each
 *   period, up to 16 a message, id "RSM" + seed's low 16 bits + RSU
 *   index + 1, refPos the RSU's antenna.
 * - msgCnt of RSU-originated streams counts up per message from 0.
 *
 * Faults of a link compose (every matching link fault applies): lost if
 * any loses it, delays add up; a reordered message is held back by the
 * stream's period + 10..30 ms, so that it arrives after the stream's next
 * message; a duplicate follows 1..5 ms later with the same bytes; a
 * corrupted datagram has 1..3 bytes flipped.  Every fault draws the same
 * numbers per message whatever happens to it, from a generator per
 * (stream, RSU, fault) seeded from the scenario's seed.
 */
#ifndef V2X_SIM_RADIO_RADIO_H
#define V2X_SIM_RADIO_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codecs/msg.h"
#include "maps/model.h"
#include "runtime/arena.h"
#include "sim/world/world.h"

/* An RSU of the run and the agent behind it. */
struct sim_radio_rsu {
	char id[64];               /* the RSU id its agent reports */
	const struct map_rsu *rsu; /* in the map (borrowed) */
	double range_m;
	bool junction; /* broadcasts the MAP and the SPAT */
};

struct sim_datagram {
	int64_t due_us;  /* when to send it, since t = 0 of the run */
	uint16_t rsu;    /* index in sim_plan.rsus: the agent it goes to */
	uint8_t type;    /* enum v2x_msg_type */
	int16_t actor;   /* the sending actor, -1 for RSU-originated */
	uint8_t msg_cnt; /* as encoded (before corruption) */
	bool corrupted;
	bool duplicate;
	uint32_t len;
	const uint8_t *bytes; /* UPER MessageFrame, in the plan's arena */
};

/* What the faults did, per message type (index enum v2x_msg_type). */
struct sim_radio_stats {
	uint64_t generated[V2X_MSG_TYPE_COUNT]; /* encoded, one per (message, RSU in range) */
	uint64_t lost[V2X_MSG_TYPE_COUNT];      /* independent and burst loss, dark RSUs */
	uint64_t duplicated, reordered, corrupted, delayed;
	uint64_t gnss_outage_bsms; /* BSMs (messages, not datagrams) with position unavailable */
};

struct sim_plan {
	const struct sim_scenario *sc; /* the world's (borrowed): actor names */
	size_t n_rsus;
	struct sim_radio_rsu *rsus;
	size_t n;
	struct sim_datagram *d; /* sorted by due_us, then by planning order */
	struct sim_radio_stats stats;
};

/*
 * Plans the run of w on map m.  epoch_us is the wall time (µs since 1970)
 * of t = 0: BSM secMark, the messages' minute of the year and the SPAT's
 * countdowns are derived from it.  Everything is allocated from arena.
 * Returns 0, V2X_EINVAL (an RSU id the map lacks, a message the codec
 * refuses: err says which) or V2X_ENOMEM.
 */
int sim_plan_build(const struct sim_world *w, const struct map_model *m, int64_t epoch_us,
                   struct v2x_arena *arena, struct sim_plan *out, char *err, size_t errlen);

/* Writes the plan as text, a datagram a line: "due_us rsu_id type actor
 * flags hex"; what the determinism test compares. */
void sim_plan_write(const struct sim_plan *p, FILE *f);

#endif
