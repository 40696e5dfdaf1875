/*
 * hazards_lanes: the hazard table's per-lane index (lane id -> the
 * intervals of hazards on it, a singly linked list per lane: a lane holds
 * a handful of hazards at most) and the table's metrics.
 */
#include <stdlib.h>

#include "broker/apps/hazards_int.h"
#include "runtime/err.h"

#define NONE BRK__HZ_NONE

static bool lane_eq(const void *owner, uint32_t i, const void *key)
{
	const struct brk__hz_lanes *l = owner;

	return l->lanes[i].lane_id == *(const uint32_t *)key;
}

int brk__hz_lanes_init(struct brk__hz_lanes *l, size_t n)
{
	l->nodes = calloc(n, sizeof(*l->nodes));
	l->lanes = calloc(n, sizeof(*l->lanes));
	if (!l->nodes || !l->lanes || brk__ktab_init(&l->by_id, n, lane_eq, l) < 0)
		return V2X_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		l->nodes[i].next = i + 1 < n ? (uint32_t)(i + 1) : NONE;
		l->lanes[i].free_next = i + 1 < n ? (uint32_t)(i + 1) : NONE;
	}
	l->node_free = l->lane_free = 0;
	return 0;
}

void brk__hz_lanes_fini(struct brk__hz_lanes *l)
{
	brk__ktab_fini(&l->by_id);
	free(l->lanes);
	free(l->nodes);
}

static uint32_t lane_find(const struct brk__hz_lanes *l, uint32_t lane_id)
{
	uint32_t i = brk__ktab_find(&l->by_id, brk__ktab_hash64(lane_id), &lane_id);

	return i == BRK__KTAB_EMPTY ? NONE : i;
}

/* Both free lists hold as many entries as the table has room for
 * intervals, and every node and lane head in use belongs to one interval
 * held: neither runs out. */
static void lane_add(struct brk__hz_lanes *l, uint32_t lane_id, uint32_t hazard, uint32_t span)
{
	uint32_t k = lane_find(l, lane_id), n = l->node_free;

	if (k == NONE) {
		k = l->lane_free;
		l->lane_free = l->lanes[k].free_next;
		l->lanes[k] = (struct brk__hz_lane){ lane_id, NONE, NONE };
		brk__ktab_insert(&l->by_id, brk__ktab_hash64(lane_id), k);
	}
	l->node_free = l->nodes[n].next;
	l->nodes[n] = (struct brk__hz_node){ hazard, span, l->lanes[k].first };
	l->lanes[k].first = n;
}

static void lane_remove(struct brk__hz_lanes *l, uint32_t lane_id, uint32_t hazard, uint32_t span)
{
	uint32_t k = lane_find(l, lane_id);
	uint32_t *link;

	if (k == NONE)
		return;
	for (link = &l->lanes[k].first; *link != NONE; link = &l->nodes[*link].next) {
		uint32_t n = *link;
		if (l->nodes[n].hazard != hazard || l->nodes[n].span != span)
			continue;
		*link = l->nodes[n].next;
		l->nodes[n].next = l->node_free;
		l->node_free = n;
		break;
	}
	if (l->lanes[k].first == NONE) {
		brk__ktab_remove(&l->by_id, brk__ktab_hash64(lane_id), k);
		l->lanes[k].free_next = l->lane_free;
		l->lane_free = k;
	}
}

void brk__hz_lanes_add(struct brk_hazards *h, uint32_t i)
{
	const struct brk_hazard *hz = &h->pool[i];

	for (size_t k = 0; k < hz->n_spans; k++)
		lane_add(&h->lanes, hz->spans[k].lane_id, i, (uint32_t)k);
}

void brk__hz_lanes_drop(struct brk_hazards *h, uint32_t i)
{
	const struct brk_hazard *hz = &h->pool[i];

	for (size_t k = 0; k < hz->n_spans; k++)
		lane_remove(&h->lanes, hz->spans[k].lane_id, i, (uint32_t)k);
}

void brk__hz_set_spans(struct brk_hazards *h, uint32_t i, const struct brk_lane_span *spans,
                       size_t n)
{
	struct brk_hazard *hz = &h->pool[i];

	brk__hz_lanes_drop(h, i);
	hz->n_spans = n < BRK_HAZARD_SPANS_MAX ? n : BRK_HAZARD_SPANS_MAX;
	for (size_t k = 0; k < hz->n_spans; k++) {
		struct brk_lane_span s = spans[k];
		if (s.s_from > s.s_to)
			hz->spans[k] = (struct brk_lane_span){ s.lane_id, s.s_to, s.s_from };
		else
			hz->spans[k] = s;
	}
	hz->lanes_known = true;
	brk__hz_lanes_add(h, i);
}

/* ---- per-lane lookups -------------------------------------------------- */

static const struct brk_hazard *at_node(const struct brk_hazards *h, uint32_t n,
                                        struct brk_lane_span *span)
{
	const struct brk__hz_node *node;
	const struct brk_hazard *hz;

	if (n == NONE)
		return NULL;
	node = &h->lanes.nodes[n];
	hz = &h->pool[node->hazard];
	if (span)
		*span = hz->spans[node->span];
	return hz;
}

const struct brk_hazard *brk_hazards_lane_first(const struct brk_hazards *h, uint32_t lane_id,
                                                struct brk_hazards_iter *it,
                                                struct brk_lane_span *span)
{
	uint32_t k = lane_find(&h->lanes, lane_id);

	it->node_ = k == NONE ? NONE : h->lanes.lanes[k].first;
	return at_node(h, it->node_, span);
}

const struct brk_hazard *brk_hazards_lane_next(const struct brk_hazards *h,
                                               struct brk_hazards_iter *it,
                                               struct brk_lane_span *span)
{
	if (it->node_ == NONE)
		return NULL;
	it->node_ = h->lanes.nodes[it->node_].next;
	return at_node(h, it->node_, span);
}

/* ---- metrics ----------------------------------------------------------- */

#define STAT(f) offsetof(struct brk_hazards_stats, f)

/* clang-format off */
#define COUNTER(nm, hp, f, k, v)                                              \
	{ .name = (nm), .help = (hp), .type = V2X_METRIC_COUNTER,             \
	  .offset = STAT(f), .fixed = { (k), (v) } }
/* clang-format on */

#define OFFERED "Hazard sources offered, by kind."
#define CREATED "Hazards created, by kind."
#define LANES   "Lane answers and requests of RSI hazards, by outcome."
#define DROPPED "Offers that made no hazard, by cause."
#define REMOVED "Hazards removed, by reason."

static const struct v2x_metric hazards_metrics[] = {
	COUNTER("v2x_broker_hazards_offered_total", OFFERED, rtes, "kind", "rte"),
	COUNTER("v2x_broker_hazards_offered_total", OFFERED, participants, "kind", "participant"),
	COUNTER("v2x_broker_hazards_created_total", CREATED, created_rsi, "kind", "rsi"),
	COUNTER("v2x_broker_hazards_created_total", CREATED, created_rsm, "kind", "rsm"),
	{ .name = "v2x_broker_hazards_reheard_total",
	  .help = "Offers that updated a hazard held.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(reheard) },
	{ .name = "v2x_broker_hazards_moved_total",
	  .help = "RSI hazards that moved, their lanes requested again.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(moved) },
	COUNTER("v2x_broker_hazards_lanes_total", LANES, lanes_requests, "outcome", "requested"),
	COUNTER("v2x_broker_hazards_lanes_total", LANES, lanes_set, "outcome", "set"),
	COUNTER("v2x_broker_hazards_lanes_total", LANES, lanes_stale, "outcome", "stale"),
	COUNTER("v2x_broker_hazards_lanes_total", LANES, lanes_unknown, "outcome", "unknown"),
	COUNTER("v2x_broker_hazards_lanes_total", LANES, lanes_cut, "outcome", "cut"),
	COUNTER("v2x_broker_hazards_dropped_total", DROPPED, rte_ended, "cause", "ended"),
	COUNTER("v2x_broker_hazards_dropped_total", DROPPED, no_position, "cause", "no_position"),
	COUNTER("v2x_broker_hazards_dropped_total", DROPPED, not_slow, "cause", "not_slow"),
	COUNTER("v2x_broker_hazards_dropped_total", DROPPED, refused, "cause", "table_full"),
	{ .name = "v2x_broker_hazards_off_map_total",
	  .help = "RSM participant hazards matched to no lane.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(rsm_off_map) },
	COUNTER("v2x_broker_hazards_removed_total", REMOVED, removed_end_time, "reason",
	        "end_time"),
	COUNTER("v2x_broker_hazards_removed_total", REMOVED, removed_not_heard, "reason",
	        "not_heard"),
	COUNTER("v2x_broker_hazards_removed_total", REMOVED, removed_moved_on, "reason",
	        "moved_on"),
	{ .name = "v2x_broker_hazards_live",
	  .help = "Hazards held now.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_SIZE,
	  .offset = STAT(live) },
	V2X_METRIC_END,
};

int brk_hazards_metrics_add(const struct brk_hazards *h, struct v2x_metrics *m,
                            const struct v2x_metric_label *labels, size_t n_labels, char *err,
                            size_t errlen)
{
	return v2x_metrics_add(m, hazards_metrics, &h->stats, labels, n_labels, err, errlen);
}
