/*
 * warn_int: the warning table's insides, shared by warn.c (the lifecycle)
 * and warn_emit.c (the wire messages and the metrics).  Internal to
 * broker/apps.
 */
#ifndef V2X_BROKER_APPS_WARN_INT_H
#define V2X_BROKER_APPS_WARN_INT_H

#include "broker/apps/keytab.h"
#include "broker/apps/warn.h"

/* The head of one target vehicle's list of warnings. */
struct brk__warn_target {
	uint8_t id[V2X_ID_LEN];
	uint64_t hash;
	uint32_t first;     /* pool slot of its first warning */
	uint32_t free_next; /* free list */
};

/* The messages an emission hands to the sink, and what they point at. */
struct brk__warn_out {
	V2x__Wire__Warning warning;
	V2x__Wire__Subject subject;
	V2x__Wire__HazardRef hazard;
	V2x__Wire__SignalRef signal;
	V2x__Wire__NodeReferenceId node;
	V2x__Wire__Position3D position;
	V2x__Wire__SourceRef sources[BRK_WARN_SOURCES_MAX];
	V2x__Wire__SourceRef *source_ptrs[BRK_WARN_SOURCES_MAX];
	char rsu_ids[BRK_WARN_SOURCES_MAX][BRK_WARN_RSU_ID_MAX + 1];
	char text[BRK_WARN_TEXT_MAX + 1];
	uint8_t target[V2X_ID_LEN];
	uint8_t vehicle[V2X_ID_LEN];
	V2x__Wire__Cancellation cancellation;
};

#define BRK__WARN_TFILTER_BITS 16

struct brk_warn {
	struct brk_warn_cfg cfg;
	struct brk_warn_sink sink;
	struct brk_warn_entry *pool;
	struct brk__warn_target *targets; /* as many as entries */
	struct brk__ktab by_target;       /* target id -> targets slot */
	/* Targets holding warnings, counted by the top bits of their id's
	 * hash: a lookup for a vehicle without any (most of them) is answered
	 * from this small array, without probing the large tables. */
	uint32_t *tfilter;
	/* The target looked up last (the applications ask about the same
	 * vehicle one after another): its id and slot in targets, or
	 * BRK__KTAB_EMPTY when it holds none; dropped when a target's head is
	 * made or removed. */
	bool cache_ok;
	uint8_t cache_id[V2X_ID_LEN];
	uint32_t cache_t;
	uint32_t free_head, target_free;
	/* The active warnings, a list per type: an application's tick reads
	 * its own type's warnings only. */
	uint32_t active_head[BRK_WARN_TYPES];
	uint64_t next_id; /* the next warning_id */
	uint64_t seq;     /* raises that found or made an entry */
	struct brk_warn_stats stats;
	struct brk__warn_out out;
};

/* Sets up the messages' constant parts. */
void brk__warn_emit_init(struct brk_warn *w);

/* Emits entry e (its revision already set) with the numbers of s. */
void brk__warn_emit_warning(struct brk_warn *w, const struct brk_warn_entry *e,
                            const struct brk_warn_spec *s, bool issued, int64_t now_us);

/* Emits the end of warning id: a cancellation with reason, or its expiry
 * (no reason). */
void brk__warn_emit_cancel(struct brk_warn *w, uint64_t id, V2x__Wire__CancelReason reason,
                           bool expired, int64_t now_us);

#endif
