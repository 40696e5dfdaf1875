/*
 * validate: whether a decoded message is fit to forward, judged against the
 * time the agent received it and the deployment's configuration.
 *
 * The checks, in the order they run (the first that fails is the cause):
 *
 * position  BSM pos, RSM ref_pos and every participant's absolute
 *           position, RSI ref_pos, every MAP node's ref_pos inside the
 *           deployment's latitude/longitude box (out_of_bounds); a position
 *           the sender marked unavailable (NaN) is no_position.
 * motion    BSM and RSM participants: speed at most max_speed_mps
 *           (implausible_speed); |longitudinal| and |lateral| acceleration
 *           at most max_accel_mps2 (implausible_accel).  NaN (unavailable)
 *           passes.
 * time      the message's own time against the receive time (wall clock),
 *           no older than its max age (stale) and no more than
 *           max_future_ms ahead (future):
 *           - a DSecond (BSM secMark, RSM participants' secMark, SPAT
 *             timeStamp without moy) is ms within the UTC minute, compared
 *             with the receive time's ms within its minute on a circle of 60
 *             s: a secMark of 59.9 s received at 00.1 s of the next minute is
 *             0.2 s old, not 59.8 s ahead.  So an age is only known modulo a
 *             minute, and anything more than 30 s off reads as the nearest
 *             turn of the circle.  A leap second (60000..60999) counts as
 *             59.999 s.  Limit: max_age_ms.
 *           - MinuteOfTheYear with a DSecond (SPAT moy + timeStamp, at the
 *             message or else at each intersection) is a full time: the
 *             year is the one of the receive time, the year before or the
 *             year after, whichever puts it nearest the receive time (a moy
 *             of 31 December 23:59 received just after New Year is 1 min
 *             old, not a year ahead).  Limit: max_age_ms.
 *           - MinuteOfTheYear alone (MAP timeStamp, RSI moy, SPAT moy
 *             without timeStamp) says only which minute: the age is taken
 *             from the start of that minute, against max_age_moy_ms, which
 *             must therefore allow a minute more than a message needs.
 *           - A time the sender marked unavailable (NaN), or absent, is not
 *             checked: the message passes.
 * duplicate the same (type, sender, msgCnt, own time) seen within
 *           dup_window_ms of receive time before (duplicate).  The sender is
 *           the BSM's id, the RSM's id, the RSI's id; MAP and SPAT have no
 *           sender id, so their sender is the first node / intersection id
 *           (region and id) together with the RSU the datagram came from
 *           (rsu_key), since intersection ids are only unique within a
 *           region.  The own time is secMark for BSM, the first
 *           participant's secMark for RSM, moy for RSI, moy and timeStamp
 *           for MAP and SPAT.  Only messages that passed every other check
 *           enter the table; a duplicate does not refresh the entry, so a
 *           MAP repeated unchanged every second passes once per window.
 *
 * The duplicate table is a fixed array of dup_slots entries allocated when
 * the validator is made (open addressing, linear probing over at most
 * AGENT_VALIDATE_PROBE slots, entries expiring by receive time); a check
 * never allocates.  When a probe finds neither the key, a free slot nor an
 * expired entry, the oldest entry of the probe is evicted (counted in
 * stats): a duplicate of it could then pass, never a fresh message be lost.
 *
 * One validator per thread; nothing global.
 */
#ifndef V2X_RSU_AGENT_INGEST_VALIDATE_H
#define V2X_RSU_AGENT_INGEST_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "runtime/err.h"

/* Why a message was rejected; 0 means it passed. */
enum agent_validate_cause {
	AGENT_VALIDATE_OK = 0,
	AGENT_VALIDATE_OUT_OF_BOUNDS = 1,
	AGENT_VALIDATE_NO_POSITION = 2,
	AGENT_VALIDATE_IMPLAUSIBLE_SPEED = 3,
	AGENT_VALIDATE_IMPLAUSIBLE_ACCEL = 4,
	AGENT_VALIDATE_STALE = 5,
	AGENT_VALIDATE_FUTURE = 6,
	AGENT_VALIDATE_DUPLICATE = 7,
};
#define AGENT_VALIDATE_CAUSE_COUNT 8

/* Returns "ok", "out_of_bounds", "no_position", "implausible_speed",
 * "implausible_accel", "stale", "future", "duplicate"; "?" otherwise.
 * Static storage; the names suit metric labels. */
const char *agent_validate_cause_name(enum agent_validate_cause cause);

/* Slots one duplicate lookup may probe. */
#define AGENT_VALIDATE_PROBE 16

/* Defaults (agent_validate_config_default). */
#define AGENT_VALIDATE_DEFAULT_MAX_SPEED   70.0   /* m/s: 252 km/h */
#define AGENT_VALIDATE_DEFAULT_MAX_ACCEL   15.0   /* m/s2: 1.5 g */
#define AGENT_VALIDATE_DEFAULT_MAX_AGE     1000   /* ms */
#define AGENT_VALIDATE_DEFAULT_MAX_FUTURE  500    /* ms */
#define AGENT_VALIDATE_DEFAULT_MAX_AGE_MOY 120000 /* ms */
#define AGENT_VALIDATE_DEFAULT_DUP_WINDOW  2000   /* ms */
#define AGENT_VALIDATE_DEFAULT_DUP_SLOTS   16384

/*
 * Start from agent_validate_config_default(); a limit set to 0 turns its
 * check off.
 */
struct agent_validate_config {
	/* The deployment's box, degrees; default the whole Earth.  south <=
	 * north and west <= east (a box across 180 degrees is not supported). */
	double south_deg, west_deg, north_deg, east_deg;
	double max_speed_mps;
	double max_accel_mps2;
	int64_t max_age_ms;     /* DSecond-resolution times */
	int64_t max_future_ms;  /* every time */
	int64_t max_age_moy_ms; /* minute-resolution times, from the minute's start */
	int64_t dup_window_ms;
	size_t dup_slots; /* rounded up to a power of two, at least 64 */
};

/* Counters of the duplicate table. */
struct agent_validate_stats {
	size_t dup_slots;     /* slots of the table (after rounding) */
	uint64_t dup_entered; /* messages put in the table */
	uint64_t dup_reused;  /* ... into the slot of an expired entry */
	uint64_t dup_evicted; /* ... pushing out a live entry (table too small) */
};

struct agent_validate;

/* Fills cfg with the defaults above. */
void agent_validate_config_default(struct agent_validate_config *cfg);

/*
 * Makes a validator with cfg (borrowed for the call) in *out.  Fails with
 * V2X_ECONFIG for a box that is not one (NaN, south > north, west > east,
 * outside +-90/+-180), a negative limit, a dup_window_ms above a day or
 * dup_slots above 2^24; V2X_ENOMEM.  Caller frees with agent_validate_free.
 */
int agent_validate_new(const struct agent_validate_config *cfg, struct agent_validate **out);

/* Frees v; accepts NULL. */
void agent_validate_free(struct agent_validate *v);

/*
 * Judges msg (borrowed for the call) received at rx_wall_us (µs since the
 * epoch) from the RSU whose identity is rsu_key (any stable 64-bit value:
 * the pipeline uses the vendor rsuID's 8 bytes or a hash of the configured
 * id).  Returns AGENT_VALIDATE_OK, after which the message is in the
 * duplicate table, or the cause of the rejection, for the caller to count.
 */
enum agent_validate_cause agent_validate_check(struct agent_validate *v, const struct v2x_msg *msg,
                                               uint64_t rsu_key, int64_t rx_wall_us);

/* Returns the counters of v; valid while v lives. */
const struct agent_validate_stats *agent_validate_stats(const struct agent_validate *v);

#endif
