/*
 * v2x-load: the broker's load generator.  What the files share (not an
 * API): main.c (options, modes, the figures), field.c (vehicles driving
 * the lanes of the generated test field, rockfall events on them),
 * agents.c (BSMs and RSIs in UPER by UDP to v2x-agent processes),
 * obsframe.c (Observation frames assembled around pre-packed messages),
 * frames.c (fake agents feeding the broker's agent port directly) and
 * subs.c (subscriber connections measuring warning latency).
 */
#ifndef V2X_BROKER_BENCH_LOAD_LOAD_H
#define V2X_BROKER_BENCH_LOAD_LOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/bench/hist.h"
#include "codecs/msg.h"
#include "codecs/wire/frame.h"
#include "maps/frame.h"
#include "maps/model.h"
#include "runtime/arena.h"

/* ---- the field and its vehicles (field.c) ---------------------------- */

struct ld_field {
	struct v2x_arena arena; /* the model's lists */
	struct map_model model;
	struct map_frame *frame;
	size_t *succ_off; /* lane index i: successors succ[succ_off[i] .. succ_off[i+1]) */
	size_t *succ;     /* lane indices */
	size_t *entries;  /* lanes no connection leads into */
	size_t n_entries;
	double total_len_m; /* all lanes */
};

struct ld_vehicle {
	size_t lane; /* index in model.lanes */
	double s;
	double speed_mps;
	double factor; /* of the speed limit this driver keeps, 0.7..0.95 */
	uint8_t id[V2X_ID_LEN];
	uint8_t msg_cnt;
	uint64_t rng;
};

/* A rockfall event: a point on a lane and the stretch of lane it blocks. */
struct ld_event_spot {
	size_t lane;
	double s;
};

/* Builds the test field of the default parameters.  0 or an error (err). */
int ld_field_open(struct ld_field *f, char *err, size_t errlen);
void ld_field_close(struct ld_field *f);

/* Spreads n vehicles evenly over every lane.  Their ids are tag, then
 * the seed's low 3 octets, then their number (4 octets, big-endian). */
void ld_vehicles_place(const struct ld_field *f, struct ld_vehicle *v, size_t n, uint8_t tag,
                       uint64_t seed);

/* Moves v dt seconds along its lanes (at a lane's end into a successor,
 * at the map's edge back to an entry lane). */
void ld_vehicle_step(const struct ld_field *f, struct ld_vehicle *v, double dt);

/*
 * Fills *b (a BSM: position in WGS84, ellipsoidal height, speed, heading)
 * for v at sec_mark_s and counts its msg_cnt up.  0 or V2X_ERANGE.
 */
int ld_vehicle_bsm(const struct ld_field *f, struct ld_vehicle *v, double sec_mark_s,
                   struct v2x_bsm *b);

/*
 * Writes up to max spots where rockfall events go: on the main road's
 * lanes, every spacing_m, in an order that spreads consecutive events
 * over the field.  Returns how many.
 */
size_t ld_event_spots(const struct ld_field *f, double spacing_m, struct ld_event_spot *out,
                      size_t max);

/*
 * Fills *rsi with the active events spots[0..n) (the newest first; rte ids
 * from ids[]), at wall time wall_ms: each an RTE of type rockfall (401)
 * with a 10 m radius, a reference path along its lane from 30 m before to
 * 10 m after the point, and a start time but no end (it lasts while it is
 * repeated).  Lists from arena.  0 or an error.
 */
int ld_event_rsi(const struct ld_field *f, const struct ld_event_spot *spots, const uint8_t *ids,
                 size_t n, int64_t wall_ms, uint8_t msg_cnt, struct v2x_arena *arena,
                 struct v2x_rsi *rsi);

/* ---- Observation frames (obsframe.c) --------------------------------- */

/* One BSM pre-packed as the message part of an Observation. */
struct ld_obsmsg {
	uint8_t *bytes; /* the packed message part (field 11 bsm, ...) */
	size_t len;
	size_t sec_mark_at; /* offset of sec_mark_s's 8 bytes in bytes, or SIZE_MAX */
};

/*
 * Packs the message part of an Observation for msg into *out (bytes from
 * arena).  0 or an error.
 */
int ld_obsmsg_pack(const struct v2x_msg *msg, struct v2x_arena *arena, struct ld_obsmsg *out);

/* Bytes a frame of ld_obsframe_put() takes at most beyond the message and
 * the id: 5 tags and 5 varints (the lengths, seq, rx_time_us). */
#define LD_OBSFRAME_OVERHEAD (5 + 5 * V2X_FRAME_VARINT_MAX)

/*
 * Writes the framed Frame{Observation{rsu_id, seq, rx_time_us, message}}
 * into buf (room for m->len + strlen(rsu_id) + LD_OBSFRAME_OVERHEAD),
 * with the message's sec_mark_s set from rx_time_us.  Byte for byte what
 * v2x_frame_encode() writes for the same Observation.  Returns its length.
 */
size_t ld_obsframe_put(uint8_t *buf, const char *rsu_id, uint64_t seq, uint64_t rx_time_us,
                       const struct ld_obsmsg *m);

/* ---- subscribers (subs.c) -------------------------------------------- */

struct ld_subs_config {
	const char *addr; /* the broker's subscriber port, HOST:PORT */
	size_t n;
	const char *account;
	const char *token;
	uint32_t types; /* bit t: WarningType t; 0: no type filter */
};

struct ld_subs_result {
	struct bh_hist lat; /* trigger_rx_time_us -> receipt, µs */
	uint64_t warnings, cancellations, other;
	double frame_bytes_mean; /* framed, of every frame received */
	uint64_t closed;         /* connections the broker closed, warm-up included */
	uint64_t missing_trigger;
	double seconds; /* recorded */
};

struct ld_subs;

/* Connects, says Hello and subscribes every connection, then starts the
 * reader thread (not yet recording).  0 and *out, or -1 with err. */
int ld_subs_start(const struct ld_subs_config *cfg, struct ld_subs **out, char *err, size_t errlen);

/* From now on the reader records latencies (counted from zero). */
void ld_subs_record(struct ld_subs *s);

/* Stops recording and the thread, fills *res, closes and frees s. */
void ld_subs_stop(struct ld_subs *s, struct ld_subs_result *res);

/* ---- the modes ------------------------------------------------------- */

struct ld_agents_config {
	char **agents; /* UDP HOST:PORT of each agent */
	size_t n_agents;
	size_t vehicles;
	double rate_hz;
	double duration_s;
	double events_per_s;
	size_t events_active;
	uint64_t seed;
	/* Called once, warmup_s after the first datagram was due (the
	 * subscribers start recording); may be NULL. */
	double warmup_s;
	void (*on_warm)(void *arg);
	void *arg;
};

struct ld_agents_result {
	uint64_t bsm_sent, rsi_sent, send_errors;
	double seconds; /* first to last send */
	double encode_s;
	double bsm_bytes_mean;
	struct bh_hist late; /* send time minus due time, µs */
};

/*
 * Encodes the whole run, then sends each datagram when it is due (blocks
 * for cfg->duration_s).  0 with *res filled, or -1 with the reason in err
 * (a bad address, a run too long to hold in memory, an encoding failure).
 */
int ld_agents_run(const struct ld_field *f, const struct ld_agents_config *cfg,
                  struct ld_agents_result *res, char *err, size_t errlen);

struct ld_frames_config {
	const char *addr; /* the broker's agent port */
	size_t connections;
	const char *id_prefix; /* agent ids PREFIX-1 .. PREFIX-N */
	const char *token;
	size_t vehicles;
	size_t window; /* observations sent and not yet acknowledged, per connection */
	double duration_s;
	double warmup_s;
	uint64_t seed;
};

struct ld_frames_result {
	uint64_t sent, acked;    /* over the whole run */
	uint64_t acked_measured; /* acknowledged after warm-up */
	double seconds;          /* measured */
	double frame_bytes_mean;
	uint64_t closed;     /* times the broker closed a connection */
	uint64_t reconnects; /* and it was opened again */
};

/*
 * Connects the fake agents and feeds the broker for cfg->duration_s.  A
 * connection the broker closes (overloaded, say) is opened again after a
 * back-off, as an agent would, and resends from the broker's last stored
 * seq.  0 with *res filled, or -1 with the reason in err (the first
 * connect or Hello failed, out of memory).
 */
int ld_frames_run(const struct ld_field *f, const struct ld_frames_config *cfg,
                  struct ld_frames_result *res, char *err, size_t errlen);

#endif
