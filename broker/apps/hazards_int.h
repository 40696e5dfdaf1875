/*
 * hazards_int: the hazard table's insides, shared by hazards.c (the
 * table, RSI events, expiry), hazards_rsm.c (RSM participants) and
 * hazards_lanes.c (the per-lane index and the metrics).  Internal to
 * broker/apps.
 */
#ifndef V2X_BROKER_APPS_HAZARDS_INT_H
#define V2X_BROKER_APPS_HAZARDS_INT_H

#include "broker/apps/hazards.h"
#include "broker/apps/keytab.h"

#define BRK__HZ_NONE UINT32_MAX

/* One interval of one hazard in its lane's list. */
struct brk__hz_node {
	uint32_t hazard; /* pool slot */
	uint32_t span;   /* index into the hazard's spans */
	uint32_t next;   /* next node of the lane, or of the free list */
};

/* The head of one lane's list. */
struct brk__hz_lane {
	uint32_t lane_id;
	uint32_t first;     /* node */
	uint32_t free_next; /* free list */
};

/* lane id -> the intervals on it.  Nodes and heads are preallocated, as
 * many as the table has room for intervals, so neither runs out. */
struct brk__hz_lanes {
	struct brk__hz_node *nodes;
	struct brk__hz_lane *lanes;
	struct brk__ktab by_id;
	uint32_t node_free, lane_free;
};

/* What identifies a hazard across hearings. */
struct brk__hz_ident {
	uint8_t kind;
	uint8_t origin_id[V2X_ID_LEN];
	uint16_t sub_id;
};

struct brk_hazards {
	struct brk_hazards_cfg cfg;
	struct brk_hazards_sink sink;
	struct brk_hazard *pool;
	struct brk__ktab by_ident; /* struct brk__hz_ident -> slot */
	struct brk__ktab by_id;    /* hazard id -> slot */
	struct brk__hz_lanes lanes;
	uint32_t used_head, free_head;
	uint64_t next_id;
	struct brk_hazards_stats stats;
	struct brk_lanes_request req; /* built for sink.lanes_needed */
};

/* Allocates the index for n intervals.  0 or V2X_ENOMEM. */
int brk__hz_lanes_init(struct brk__hz_lanes *l, size_t n);

/* Frees what l holds; l may be zeroed. */
void brk__hz_lanes_fini(struct brk__hz_lanes *l);

/* Indexes the spans of hazard slot i / removes them from the index. */
void brk__hz_lanes_add(struct brk_hazards *h, uint32_t i);
void brk__hz_lanes_drop(struct brk_hazards *h, uint32_t i);

/* Replaces the spans of hazard slot i with spans[0..n) (cut to
 * BRK_HAZARD_SPANS_MAX, each ordered), keeping the index in step. */
void brk__hz_set_spans(struct brk_hazards *h, uint32_t i, const struct brk_lane_span *spans,
                       size_t n);

/* Returns the slot of the hazard identified by id, or BRK__HZ_NONE. */
uint32_t brk__hz_find_ident(const struct brk_hazards *h, const struct brk__hz_ident *id);

/* Takes a slot for a new hazard of id at now_us: the hazard gets its id,
 * identity and first-heard time, everything else zero or NaN.  Returns
 * BRK__HZ_NONE (counted) when the table is full. */
uint32_t brk__hz_create(struct brk_hazards *h, const struct brk__hz_ident *id, int64_t now_us);

/* Removes hazard slot i, reporting it through sink.removed with why. */
void brk__hz_remove(struct brk_hazards *h, uint32_t i, enum brk_hazard_end why);

/* Records src as the copy last heard of hz, at now_us. */
void brk__hz_heard(struct brk_hazard *hz, const struct brk_hazard_src *src, int64_t now_us);

/* Absolute elevation of llv relative to ref (NaN when unknown). */
double brk__hz_elev(const struct v2x_pos3d *ref, const struct v2x_llv *llv);

#endif
