/*
 * hazards: the broker's hazard table.  RSI traffic events (RTEs) and RSM
 * participants standing or moving slowly become hazards with a
 * broker-assigned id, a position, an expiry and the lanes they affect, as
 * intervals of s on lanes; the applications look them up by lane.
 *
 * Identity.  An RTE is identified by its RSI's id (8 octets) and its
 * rte_id: heard again, from any RSU, it updates the same hazard (same id;
 * the expiry moves on, the source is the copy last heard).  An RSM
 * participant is identified by its RSM's id and its ptc_id.  Ids count up
 * from 1 and are never reused within a run.
 *
 * Where.  lat/lon come from the message (an RTE's eventPos, or its RSI's
 * refPos when it has none; a participant's position), x/y from them in the
 * map's local frame through the struct map_frame the caller lends (NaN
 * without a frame).  The core converts nothing itself for hazards: it lends
 * the frame it converts BSM positions with.
 *
 * Lanes of an RTE are not found here: the zone an RTE covers (centre,
 * radius, reference paths) needs a spatial join that PostGIS answers.  For
 * each new RTE, each RTE that moved (its position or radius by more than
 * cfg.move_m, or its paths changed) and each RTE first heard again after
 * brk_hazards_map_changed(), sink.lanes_needed receives a request: the
 * hazard id, a generation number and the zone.  The core hands it to its
 * PostGIS worker and, on the loop thread, passes the answer to
 * brk_hazards_set_lanes() with that generation; an answer for an older
 * generation (the event moved again meanwhile) is ignored.  Until the
 * first answer the hazard has no lanes and the applications skip it; a
 * moved hazard keeps its old lanes until the new answer.
 *
 * Lanes of an RSM participant are found in memory, on every hearing: the
 * lane index's matcher (map_index_match, with the participant's heading
 * for a vehicle, without for a pedestrian or an unknown object, whose
 * heading says nothing of the lane) and the interval of cfg.rsm_span_m
 * either side of the match (plus half the participant's length).  Which
 * participants are hazards: pedestrians and unknown objects (the message
 * set has no animal type: an animal is reported as unknown) at any speed,
 * motor and non-motor vehicles at or below cfg.slow_mps (speed
 * unavailable counts as stopped); an RSU entry is never one.  A
 * participant that is a hazard and is heard again moving faster is removed
 * (BRK_HAZARD_MOVED_ON).
 *
 * Expiry.  An RTE with an end time expires at it (MinuteOfTheYear placed in
 * the year nearest to the receipt); an RTE without lasts until last heard
 * + cfg.rsi_hold_us; an RTE whose end time has passed when heard is
 * ignored (counted); one whose start lies ahead is held but inactive until
 * it.  A participant lasts until last heard + cfg.rsm_hold_us.
 * brk_hazards_sweep(), on the broker's tick, removes the expired ones and
 * reports each through sink.removed (so that the core persists 'cleared').
 *
 * Memory: cfg.capacity hazards preallocated, each with room for
 * BRK_HAZARD_SPANS_MAX lane intervals, and the per-lane index sized for
 * all of them; a new hazard when all are taken is refused (counted).
 * Nothing allocates after brk_hazards_new().  Not thread-safe: the
 * broker's loop thread owns the table.  Times are wall µs (the core's
 * now_us); they must not go backwards between calls.
 *
 * A struct brk_hazard pointer is valid until the next offer, set_lanes,
 * sweep or map_changed on the table; its fields are read-only to callers.
 */
#ifndef V2X_BROKER_APPS_HAZARDS_H
#define V2X_BROKER_APPS_HAZARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/state/lanespan.h"
#include "broker/state/tracks.h"
#include "codecs/msg.h"
#include "maps/frame.h"
#include "maps/index/index.h"
#include "runtime/metrics.h"

/* Lane intervals one hazard holds; an answer with more keeps the first. */
#define BRK_HAZARD_SPANS_MAX 16
/* Longest RSU id kept (as auth.h bounds ids). */
#define BRK_HAZARD_RSU_ID_MAX 64

/* Defaults of struct brk_hazards_cfg (a zero field takes its default). */
#define BRK_HAZARDS_DEFAULT_RSI_HOLD_US 5000000 /* RSI is repeated every 0.1-1 s */
#define BRK_HAZARDS_DEFAULT_RSM_HOLD_US 1500000 /* RSM comes at 10 Hz */
#define BRK_HAZARDS_DEFAULT_MOVE_M      10.0    /* re-resolve lanes beyond this */
#define BRK_HAZARDS_DEFAULT_RADIUS_M    30.0    /* an RTE with no radius and no path */
#define BRK_HAZARDS_DEFAULT_SLOW_MPS    2.0     /* a vehicle at or below: stopped */
#define BRK_HAZARDS_DEFAULT_RSM_SPAN_M  5.0     /* interval either side of the match */

struct brk_hazards_cfg {
	size_t capacity; /* hazards held at once; required */
	int64_t rsi_hold_us;
	int64_t rsm_hold_us;
	double move_m;
	double default_radius_m;
	double slow_mps;
	double rsm_span_m;
};

enum brk_hazard_kind {
	BRK_HAZARD_RSI = 1, /* an RSI traffic event */
	BRK_HAZARD_RSM = 2, /* an RSM participant */
};

/* Why a hazard was removed. */
enum brk_hazard_end {
	BRK_HAZARD_END_TIME = 1,  /* the RTE's end time passed */
	BRK_HAZARD_NOT_HEARD = 2, /* not heard for its hold time */
	BRK_HAZARD_MOVED_ON = 3,  /* the participant is no longer slow */
};

/* The observation a hazard was last heard in; borrowed for the call. */
struct brk_hazard_src {
	struct brk_rsu_key rsu;
	const char *rsu_id; /* the RSU's id string; cut to BRK_HAZARD_RSU_ID_MAX */
	uint64_t seq;       /* the agent's Observation.seq */
	int64_t rx_us;      /* the agent's receive time, wall µs */
};

struct brk_hazard {
	uint64_t id;
	uint8_t kind;                  /* enum brk_hazard_kind */
	uint16_t event_type;           /* RSI: GB/T 29100 code; 0 for RSM */
	uint8_t ptc_type;              /* RSM: enum v2x_ptc_type; 0 for RSI */
	uint8_t origin_id[V2X_ID_LEN]; /* the RSI's or RSM's id */
	uint16_t sub_id;               /* the rte_id or ptc_id */
	double lat_deg, lon_deg;
	double elev_m;     /* NaN: unknown */
	double x, y;       /* local frame; NaN without a frame */
	double radius_m;   /* RSI: the zone's radius; RSM: NaN */
	bool has_priority; /* RSI */
	uint8_t priority;
	double speed_mps, heading_deg; /* RSM; NaN for RSI */
	/* The copy last heard. */
	struct brk_rsu_key rsu;
	char rsu_id[BRK_HAZARD_RSU_ID_MAX + 1];
	uint64_t seq;
	int64_t rx_us;
	int64_t first_heard_us, last_heard_us; /* now_us */
	int64_t start_us;                      /* RTE start (wall µs); 0: none */
	int64_t expiry_us;                     /* wall µs */
	bool expiry_is_end;                    /* expiry_us is the RTE's end time, not a hold */
	uint32_t generation;
	bool lanes_known; /* an answer (RSI) or a match (RSM) arrived */
	size_t n_spans;
	struct brk_lane_span spans[BRK_HAZARD_SPANS_MAX];
	/* Internal to hazards.c. */
	uint64_t hash_, path_digest_;
	uint32_t prev_, next_;
	bool lanes_stale_; /* the map changed: request lanes at the next hearing */
};

/* A reference path of an RTE zone, in WGS84. */
struct brk_lanes_path {
	double radius_m; /* half width of the path; NaN: unknown */
	size_t n;
	double lat_deg[V2X_PATH_POINTS_MAX], lon_deg[V2X_PATH_POINTS_MAX];
};

/* What the PostGIS worker must find the lanes of; borrowed for the call. */
struct brk_lanes_request {
	uint64_t hazard_id;
	uint32_t generation;
	uint16_t event_type;
	double lat_deg, lon_deg; /* the zone's centre */
	double elev_m;           /* its height (ellipsoidal); NaN: unknown, every level */
	double radius_m;         /* around the centre */
	size_t n_paths;          /* 0: the circle alone */
	struct brk_lanes_path paths[V2X_REF_PATHS_MAX];
};

/* Where the table reports; any callback may be NULL.  Nothing passed is
 * kept beyond the call; the callbacks must not call into the table. */
struct brk_hazards_sink {
	void (*lanes_needed)(void *arg, const struct brk_lanes_request *req);
	void (*added)(void *arg, const struct brk_hazard *hz); /* a new hazard */
	void (*removed)(void *arg, const struct brk_hazard *hz, enum brk_hazard_end why);
	void *arg;
};

struct brk_hazards_stats {
	uint64_t rtes;         /* RTEs offered */
	uint64_t participants; /* RSM participants offered */
	uint64_t created_rsi, created_rsm;
	uint64_t reheard;        /* offers that updated a hazard held */
	uint64_t moved;          /* RTEs that moved: lanes requested again */
	uint64_t lanes_requests; /* sink.lanes_needed calls */
	uint64_t lanes_set;      /* answers applied */
	uint64_t lanes_stale;    /* answers of an older generation, ignored */
	uint64_t lanes_unknown;  /* answers for a hazard no longer held */
	uint64_t lanes_cut;      /* answers with more than BRK_HAZARD_SPANS_MAX spans */
	uint64_t rte_ended;      /* RTEs heard after their end time: ignored */
	uint64_t no_position;    /* RTEs or participants without a position */
	uint64_t not_slow;       /* participants too fast to be hazards */
	uint64_t rsm_off_map;    /* participant hazards off every lane */
	uint64_t refused;        /* new hazards refused: table full */
	uint64_t removed_end_time, removed_not_heard, removed_moved_on;
	size_t live;
};

struct brk_hazards;

/*
 * Creates a table (cfg and sink borrowed for the call; sink.arg must stay
 * valid while the table lives).  Returns 0 and *out (caller frees with
 * brk_hazards_free); V2X_EINVAL for a zero capacity or one of 2^27 or
 * more, or a negative setting; V2X_ENOMEM.
 */
int brk_hazards_new(const struct brk_hazards_cfg *cfg, const struct brk_hazards_sink *sink,
                    struct brk_hazards **out);

/* Frees h without reporting anything; accepts NULL. */
void brk_hazards_free(struct brk_hazards *h);

/*
 * Offers the RTEs of rsi (borrowed for the call), heard in src, at now_us;
 * frame (may be NULL) gives x/y.  New RTEs become hazards (sink.added),
 * held ones are updated; new, moved and map-stale ones are reported
 * through sink.lanes_needed.  Returns how many lanes requests were made,
 * or V2X_EINVAL for an RSU key of 0.  RTEs refused (table full, ended, no
 * position) are counted.  Allocates nothing.
 */
int brk_hazards_offer_rsi(struct brk_hazards *h, const struct v2x_rsi *rsi,
                          const struct brk_hazard_src *src, struct map_frame *frame,
                          int64_t now_us);

/*
 * Offers the participants of rsm (borrowed for the call), heard in src, at
 * now_us; idx (may be NULL: no lanes) matches them to lanes, frame (may be
 * NULL: no lanes either) converts their positions.  Returns how many
 * participants are hazards after the offer, or V2X_EINVAL for an RSU key
 * of 0.  Allocates nothing.
 */
int brk_hazards_offer_rsm(struct brk_hazards *h, const struct v2x_rsm *rsm,
                          const struct brk_hazard_src *src, const struct map_index *idx,
                          struct map_frame *frame, int64_t now_us);

/*
 * Sets the lanes of RSI hazard hazard_id, as the PostGIS worker found them
 * for the request of generation (spans borrowed for the call; n may be 0:
 * the zone covers no lane).  Spans with s_from > s_to are swapped; beyond
 * BRK_HAZARD_SPANS_MAX they are cut (counted).  Returns 0; V2X_ENOTFOUND
 * (counted) when the hazard is no longer held or generation is not its
 * latest.
 */
int brk_hazards_set_lanes(struct brk_hazards *h, uint64_t hazard_id, uint32_t generation,
                          const struct brk_lane_span *spans, size_t n);

/*
 * Removes the hazards whose expiry_us lies before now_us, at most max_n of
 * them, reporting each through sink.removed.  Returns how many it removed.
 */
size_t brk_hazards_sweep(struct brk_hazards *h, int64_t now_us, size_t max_n);

/*
 * The map was replaced: every hazard loses its lanes (lane ids belong to a
 * map version).  RSI hazards get a new generation and ask for their lanes
 * again when next heard; RSM participants are matched again when next
 * heard.  Answers to earlier requests are then stale.
 */
void brk_hazards_map_changed(struct brk_hazards *h);

/* Returns hazard id, or NULL. */
const struct brk_hazard *brk_hazards_find(const struct brk_hazards *h, uint64_t id);

/* Iterates over every hazard held (prev NULL: the first); NULL at the end.
 * The table must not change during an iteration. */
const struct brk_hazard *brk_hazards_next(const struct brk_hazards *h,
                                          const struct brk_hazard *prev);

/* Whether hz counts for the applications at now_us: lanes known, started,
 * not expired. */
bool brk_hazard_active(const struct brk_hazard *hz, int64_t now_us);

/* Position of a per-lane iteration; zero-initialise, or let
 * brk_hazards_lane_first() start it. */
struct brk_hazards_iter {
	uint32_t node_;
};

/*
 * The hazards with an interval on lane_id, expired or not (see
 * brk_hazard_active()): the first one and its interval in *span, or NULL.
 * A hazard with two intervals on the lane is returned twice.  The table
 * must not change during an iteration.
 */
const struct brk_hazard *brk_hazards_lane_first(const struct brk_hazards *h, uint32_t lane_id,
                                                struct brk_hazards_iter *it,
                                                struct brk_lane_span *span);

/* The next one, or NULL at the end. */
const struct brk_hazard *brk_hazards_lane_next(const struct brk_hazards *h,
                                               struct brk_hazards_iter *it,
                                               struct brk_lane_span *span);

/* MinuteOfTheYear moy_s (seconds since the year's start, as RSI times
 * carry it) placed in the UTC year, ref_us's or a neighbour, that puts it
 * nearest to ref_us (wall µs); returns wall µs. */
int64_t brk_moy_wall_us(double moy_s, int64_t ref_us);

/* Returns the counters of h; valid while h lives. */
const struct brk_hazards_stats *brk_hazards_stats(const struct brk_hazards *h);

/*
 * Registers the counters of h with m (v2x_broker_hazards_*), as
 * brk_tracks_metrics_add() does.  0, V2X_EINVAL or V2X_ENOMEM.
 */
int brk_hazards_metrics_add(const struct brk_hazards *h, struct v2x_metrics *m,
                            const struct v2x_metric_label *labels, size_t n_labels, char *err,
                            size_t errlen);

#endif
