/*
 * radio internals shared by the files of sim/radio: the planning context,
 * the message streams and how a stream's messages reach the agents
 * (radio.c, faults.c), the messages themselves (bsm.c, rsu_msgs.c).
 */
#ifndef V2X_SIM_RADIO_RADIO_INT_H
#define V2X_SIM_RADIO_RADIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codecs/codec.h"
#include "maps/frame.h"
#include "maps/gen/rng.h"
#include "sim/radio/radio.h"

/* Message periods, µs. */
#define SIM_RADIO__BSM_PERIOD_US  100000
#define SIM_RADIO__SPAT_PERIOD_US 100000
#define SIM_RADIO__RSM_PERIOD_US  100000
#define SIM_RADIO__MAP_PERIOD_US  1000000
#define SIM_RADIO__RSI_PERIOD_US  1000000

/* Purposes of the random generators, mixed into their seeds. */
enum sim_radio__purpose {
	SIM_RADIO__P_LINK = 1,    /* a link fault's draws */
	SIM_RADIO__P_CORRUPT = 2, /* which bytes a corruption flips */
	SIM_RADIO__P_GNSS = 3,    /* GNSS noise of an actor */
	SIM_RADIO__P_MSGCNT = 4,  /* first msgCnt of an actor */
};

/* What one planned datagram is before sorting: its place in plan order
 * rides along so that equal due times keep that order. */
struct sim_radio__entry {
	struct sim_datagram d;
	size_t seq;
};

/* The state of one link fault on one (stream, RSU) link. */
struct sim_radio__link {
	struct mapgen_rng draws;   /* a fixed number of draws per message */
	struct mapgen_rng corrupt; /* the bytes a corruption flips */
	bool burst;                /* Gilbert-Elliott: in a burst */
};

/*
 * A stream: the messages of one sender and type, in time order.  Each
 * (stream, RSU, link fault) has its own generators, so a stream's faults
 * do not depend on what other streams drew.
 */
struct sim_radio__stream {
	uint8_t type;                  /* enum v2x_msg_type */
	int16_t actor;                 /* the sending actor, -1: RSU-originated */
	const char *from;              /* the actor's name, or "rsu" */
	uint64_t key;                  /* identifies the stream in the generators' seeds */
	int64_t period_us;             /* between its messages: how far a reorder holds one */
	struct sim_radio__link *links; /* [rsu * n_link_faults + fault] */
};

struct sim_radio__ctx {
	const struct sim_world *w;
	const struct sim_scenario *sc;
	const struct map_model *m;
	int64_t epoch_us;
	int64_t end_us;           /* the run's last step */
	struct v2x_arena *arena;  /* the plan's: datagram bytes */
	struct v2x_arena scratch; /* a message's lists, reset per message */
	struct v2x_codec *codec;
	struct map_frame *frame;
	struct sim_plan *plan;
	const struct map_intersection *junction; /* whose MAP and SPAT, or NULL */
	struct sim_radio__entry *e;              /* planned datagrams, malloc'd */
	size_t n, cap;
	bool *rx; /* per RSU: the receivers of the message being sent (malloc'd) */
	char *err;
	size_t errlen;
	uint8_t buf[V2X_CODEC_DEFAULT_MAX_MSG];
};

/* ---- radio.c: time, generators, geometry -------------------------------- */

/* Wall time in ms of run time t_us shifted by skew_us. */
int64_t sim_radio__wall_ms(const struct sim_radio__ctx *c, int64_t t_us, int64_t skew_us);

/* DSecond of a wall time: seconds within its UTC minute, ms resolution. */
double sim_radio__dsecond(int64_t wall_ms);

/* MinuteOfTheYear of a wall time, as seconds since the UTC year's start. */
double sim_radio__moy(int64_t wall_ms);

/* Seeds r for purpose from the scenario's seed and two identifiers. */
void sim_radio__rng(const struct sim_radio__ctx *c, struct mapgen_rng *r, unsigned purpose,
                    uint64_t a, uint64_t b);

/* A draw uniform in [0, 1). */
double sim_radio__unit(struct mapgen_rng *r);

/* A standard normal draw (Marsaglia's polar method). */
double sim_radio__normal(struct mapgen_rng *r);

/* The centre line of lane at s (clamped to the lane): point and heading. */
void sim_radio__lane_at(const struct map_lane *lane, double s, struct map_xyz *p,
                        double *heading_deg);

/* Local (x, y) to WGS84; grid heading to true heading when heading_deg is
 * not NULL (the frame's grid north turns away from true north with the
 * distance from its central meridian).  0 or V2X_EINVAL (err set). */
int sim_radio__wgs84(struct sim_radio__ctx *c, double x, double y, double *lat, double *lon,
                     double *heading_deg);

/* A heading in [0, 360) that rounds, at resolution res_deg, below 360. */
double sim_radio__heading(double h, double res_deg);

/* Distance from p to RSU i's antenna. */
double sim_radio__rsu_dist(const struct sim_radio__ctx *c, size_t i, const struct map_xyz *p);

/* Encodes msg into c->buf; 0 or V2X_EINVAL with the codec's reason in err. */
int sim_radio__encode(struct sim_radio__ctx *c, const struct v2x_msg *msg, size_t *len);

/* Whether RSU i is dark at run time t_us. */
bool sim_radio__dark(const struct sim_radio__ctx *c, size_t i, int64_t t_us);

/* ---- faults.c: from a stream to the agents ----------------------------- */

/* Sets up s's link states; 0 or V2X_ENOMEM. */
int sim_radio__stream_init(struct sim_radio__ctx *c, struct sim_radio__stream *s, uint8_t type,
                           int16_t actor, const char *from, uint64_t key, int64_t period_us);

/* Releases s's link states. */
void sim_radio__stream_fini(struct sim_radio__stream *s);

/*
 * Sends the message encoded in c->buf[0..len), generated at run time
 * t_us, to every RSU i with c->rx[i]: counts it, drops it for dark RSUs,
 * applies the link faults and plans the datagrams.  0 or V2X_ENOMEM.
 */
int sim_radio__send(struct sim_radio__ctx *c, struct sim_radio__stream *s, int64_t t_us, size_t len,
                    uint8_t msg_cnt);

/* ---- bsm.c, rsu_msgs.c: the streams ------------------------------------- */

/* Plans every BSM of actor a.  0, V2X_EINVAL (err set) or V2X_ENOMEM. */
int sim_radio__bsms(struct sim_radio__ctx *c, size_t a);

/* Plans the MAP and the SPAT of the junction RSU j. */
int sim_radio__map_spat(struct sim_radio__ctx *c, size_t j);

/* Plans the RSI of event e from RSU i. */
int sim_radio__rsi(struct sim_radio__ctx *c, size_t e, size_t i);

/* Plans the RSMs of RSU i (its participants: owner[p] == i). */
int sim_radio__rsm(struct sim_radio__ctx *c, size_t i, const size_t *owner);

#endif
