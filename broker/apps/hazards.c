/*
 * hazards: the hazard table (hazards.h): its pool and indexes, RSI traffic
 * events, lane answers, expiry and lookups.  RSM participants are in
 * hazards_rsm.c, the per-lane index and the metrics in hazards_lanes.c.
 */
#include "broker/apps/hazards.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/apps/hazards_int.h"
#include "runtime/err.h"

#define NONE BRK__HZ_NONE

/* Metres per degree of latitude on the mean Earth radius: "moved by more
 * than 10 m" needs no geodesy. */
#define M_PER_DEG 111195.08

/* ---- identity ---------------------------------------------------------- */

static uint64_t ident_hash(const struct brk__hz_ident *id)
{
	uint8_t b[1 + V2X_ID_LEN + 2];

	b[0] = id->kind;
	memcpy(b + 1, id->origin_id, V2X_ID_LEN);
	b[1 + V2X_ID_LEN] = (uint8_t)(id->sub_id >> 8);
	b[2 + V2X_ID_LEN] = (uint8_t)id->sub_id;
	return brk__ktab_hash(b, sizeof(b));
}

static bool ident_eq(const void *owner, uint32_t i, const void *key)
{
	const struct brk_hazard *hz = &((const struct brk_hazards *)owner)->pool[i];
	const struct brk__hz_ident *id = key;

	return hz->kind == id->kind && hz->sub_id == id->sub_id &&
	       memcmp(hz->origin_id, id->origin_id, V2X_ID_LEN) == 0;
}

static bool id_eq(const void *owner, uint32_t i, const void *key)
{
	return ((const struct brk_hazards *)owner)->pool[i].id == *(const uint64_t *)key;
}

uint32_t brk__hz_find_ident(const struct brk_hazards *h, const struct brk__hz_ident *id)
{
	uint32_t i = brk__ktab_find(&h->by_ident, ident_hash(id), id);

	return i == BRK__KTAB_EMPTY ? NONE : i;
}

/* ---- creation ---------------------------------------------------------- */

static void apply_defaults(struct brk_hazards_cfg *c)
{
	if (!c->rsi_hold_us)
		c->rsi_hold_us = BRK_HAZARDS_DEFAULT_RSI_HOLD_US;
	if (!c->rsm_hold_us)
		c->rsm_hold_us = BRK_HAZARDS_DEFAULT_RSM_HOLD_US;
	if (c->move_m == 0)
		c->move_m = BRK_HAZARDS_DEFAULT_MOVE_M;
	if (c->default_radius_m == 0)
		c->default_radius_m = BRK_HAZARDS_DEFAULT_RADIUS_M;
	if (c->slow_mps == 0)
		c->slow_mps = BRK_HAZARDS_DEFAULT_SLOW_MPS;
	if (c->rsm_span_m == 0)
		c->rsm_span_m = BRK_HAZARDS_DEFAULT_RSM_SPAN_M;
}

static bool cfg_valid(const struct brk_hazards_cfg *c)
{
	return c->capacity && c->capacity < (1u << 27) && c->rsi_hold_us >= 0 &&
	       c->rsm_hold_us >= 0 && c->move_m >= 0 && c->default_radius_m >= 0 &&
	       c->slow_mps >= 0 && c->rsm_span_m >= 0;
}

int brk_hazards_new(const struct brk_hazards_cfg *cfg, const struct brk_hazards_sink *sink,
                    struct brk_hazards **out)
{
	struct brk_hazards *h;

	if (!cfg_valid(cfg))
		return V2X_EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return V2X_ENOMEM;
	h->cfg = *cfg;
	apply_defaults(&h->cfg);
	h->sink = *sink;
	h->pool = calloc(cfg->capacity, sizeof(*h->pool));
	if (!h->pool || brk__ktab_init(&h->by_ident, cfg->capacity, ident_eq, h) < 0 ||
	    brk__ktab_init(&h->by_id, cfg->capacity, id_eq, h) < 0 ||
	    brk__hz_lanes_init(&h->lanes, cfg->capacity * BRK_HAZARD_SPANS_MAX) < 0) {
		brk_hazards_free(h);
		return V2X_ENOMEM;
	}
	for (size_t i = 0; i < cfg->capacity; i++)
		h->pool[i].next_ = i + 1 < cfg->capacity ? (uint32_t)(i + 1) : NONE;
	h->free_head = 0;
	h->used_head = NONE;
	h->next_id = 1;
	*out = h;
	return 0;
}

void brk_hazards_free(struct brk_hazards *h)
{
	if (!h)
		return;
	brk__hz_lanes_fini(&h->lanes);
	brk__ktab_fini(&h->by_id);
	brk__ktab_fini(&h->by_ident);
	free(h->pool);
	free(h);
}

/* ---- pool -------------------------------------------------------------- */

static void used_link(struct brk_hazards *h, uint32_t i)
{
	h->pool[i].prev_ = NONE;
	h->pool[i].next_ = h->used_head;
	if (h->used_head != NONE)
		h->pool[h->used_head].prev_ = i;
	h->used_head = i;
}

static void used_unlink(struct brk_hazards *h, uint32_t i)
{
	struct brk_hazard *hz = &h->pool[i];

	if (hz->prev_ != NONE)
		h->pool[hz->prev_].next_ = hz->next_;
	else
		h->used_head = hz->next_;
	if (hz->next_ != NONE)
		h->pool[hz->next_].prev_ = hz->prev_;
}

uint32_t brk__hz_create(struct brk_hazards *h, const struct brk__hz_ident *id, int64_t now_us)
{
	uint32_t i = h->free_head;
	struct brk_hazard *hz;

	if (i == NONE) {
		h->stats.refused++;
		return NONE;
	}
	hz = &h->pool[i];
	h->free_head = hz->next_;
	memset(hz, 0, sizeof(*hz));
	hz->id = h->next_id++;
	hz->kind = id->kind;
	memcpy(hz->origin_id, id->origin_id, V2X_ID_LEN);
	hz->sub_id = id->sub_id;
	hz->lat_deg = hz->lon_deg = hz->elev_m = hz->x = hz->y = NAN;
	hz->radius_m = hz->speed_mps = hz->heading_deg = NAN;
	hz->first_heard_us = now_us;
	hz->hash_ = ident_hash(id);
	brk__ktab_insert(&h->by_ident, hz->hash_, i);
	brk__ktab_insert(&h->by_id, brk__ktab_hash64(hz->id), i);
	used_link(h, i);
	h->stats.live++;
	return i;
}

void brk__hz_remove(struct brk_hazards *h, uint32_t i, enum brk_hazard_end why)
{
	struct brk_hazard *hz = &h->pool[i];

	if (h->sink.removed)
		h->sink.removed(h->sink.arg, hz, why);
	brk__hz_lanes_drop(h, i);
	brk__ktab_remove(&h->by_ident, hz->hash_, i);
	brk__ktab_remove(&h->by_id, brk__ktab_hash64(hz->id), i);
	used_unlink(h, i);
	hz->next_ = h->free_head;
	h->free_head = i;
	h->stats.live--;
	if (why == BRK_HAZARD_END_TIME)
		h->stats.removed_end_time++;
	else if (why == BRK_HAZARD_NOT_HEARD)
		h->stats.removed_not_heard++;
	else
		h->stats.removed_moved_on++;
}

void brk__hz_heard(struct brk_hazard *hz, const struct brk_hazard_src *src, int64_t now_us)
{
	size_t n = src->rsu_id ? strnlen(src->rsu_id, BRK_HAZARD_RSU_ID_MAX) : 0;

	hz->rsu = src->rsu;
	if (n)
		memcpy(hz->rsu_id, src->rsu_id, n);
	hz->rsu_id[n] = '\0';
	hz->seq = src->seq;
	hz->rx_us = src->rx_us;
	hz->last_heard_us = now_us;
}

double brk__hz_elev(const struct v2x_pos3d *ref, const struct v2x_llv *llv)
{
	double base = ref->has_elev ? ref->elev_m : NAN;

	if (!llv)
		return base;
	if (llv->v_enc == V2X_V_ELEV)
		return llv->v_m;
	return llv->v_enc == V2X_V_NONE ? base : base + llv->v_m;
}

/* ---- RSI events -------------------------------------------------------- */

/* Start of the UTC year of t, shifted by dy years, in seconds. */
static int64_t year_start_s(time_t t, int dy)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	tm = (struct tm){ .tm_year = tm.tm_year + dy, .tm_mday = 1 };
	return (int64_t)timegm(&tm);
}

int64_t brk_moy_wall_us(double moy_s, int64_t ref_us)
{
	time_t ref_s = (time_t)(ref_us / 1000000);
	int64_t best = 0;

	for (int dy = -1; dy <= 1; dy++) {
		int64_t t = (year_start_s(ref_s, dy) + (int64_t)moy_s) * 1000000;
		if (dy == -1 || llabs(t - ref_us) < llabs(best - ref_us))
			best = t;
	}
	return best;
}

/* An RTE as the table reads it. */
struct rte_view {
	double lat_deg, lon_deg, elev_m, radius_m;
	int64_t start_us, end_us; /* 0: none */
	uint64_t digest;          /* of its paths */
};

static uint64_t mix_num(uint64_t h, double v)
{
	return brk__ktab_hash64(h ^ (uint64_t)llround(isnan(v) ? -1e12 : v * 1e7));
}

/* A digest of the reference paths, to tell whether they changed. */
static uint64_t paths_digest(const struct v2x_ref_paths *p)
{
	uint64_t h = brk__ktab_hash64(p->n);

	for (size_t i = 0; i < p->n; i++) {
		h = mix_num(h, p->v[i].radius_m);
		for (size_t k = 0; k < p->v[i].points.n; k++) {
			h = mix_num(h, p->v[i].points.v[k].lat_deg);
			h = mix_num(h, p->v[i].points.v[k].lon_deg);
		}
	}
	return h;
}

static void read_rte(const struct v2x_rsi *rsi, const struct v2x_rte *rte, int64_t rx_us,
                     const struct brk_hazards_cfg *cfg, struct rte_view *v)
{
	const struct v2x_llv *pos = rte->has_pos ? &rte->pos : NULL;

	v->lat_deg = pos ? pos->lat_deg : rsi->ref_pos.lat_deg;
	v->lon_deg = pos ? pos->lon_deg : rsi->ref_pos.lon_deg;
	v->elev_m = brk__hz_elev(&rsi->ref_pos, pos);
	v->radius_m = rte->has_radius ? rte->radius_m : NAN;
	if (isnan(v->radius_m) && rte->paths.n == 0)
		v->radius_m = cfg->default_radius_m;
	v->start_us = rte->has_time && rte->time.has_start
	                      ? brk_moy_wall_us(rte->time.start_moy_s, rx_us)
	                      : 0;
	v->end_us = rte->has_time && rte->time.has_end ? brk_moy_wall_us(rte->time.end_moy_s, rx_us)
	                                               : 0;
	v->digest = paths_digest(&rte->paths);
}

static bool rte_moved(const struct brk_hazard *hz, const struct rte_view *v, double tol_m)
{
	double dy = (v->lat_deg - hz->lat_deg) * M_PER_DEG;
	double dx = (v->lon_deg - hz->lon_deg) * M_PER_DEG * cos(hz->lat_deg * M_PI / 180);
	bool radius_known = !isnan(v->radius_m), was_known = !isnan(hz->radius_m);

	return hypot(dx, dy) > tol_m || radius_known != was_known ||
	       (radius_known && fabs(v->radius_m - hz->radius_m) > tol_m) ||
	       v->digest != hz->path_digest_;
}

static void apply_rte(struct brk_hazards *h, struct brk_hazard *hz, const struct v2x_rte *rte,
                      const struct rte_view *v, struct map_frame *frame, int64_t now_us)
{
	hz->event_type = rte->event_type;
	hz->lat_deg = v->lat_deg;
	hz->lon_deg = v->lon_deg;
	hz->elev_m = v->elev_m;
	hz->radius_m = v->radius_m;
	hz->path_digest_ = v->digest;
	hz->has_priority = rte->has_priority;
	hz->priority = rte->priority;
	hz->x = hz->y = NAN;
	if (frame && map_frame_from_wgs84(frame, v->lat_deg, v->lon_deg, &hz->x, &hz->y) < 0)
		hz->x = hz->y = NAN;
	hz->start_us = v->start_us;
	hz->expiry_is_end = v->end_us != 0;
	hz->expiry_us = v->end_us ? v->end_us : now_us + h->cfg.rsi_hold_us;
}

static void request_lanes(struct brk_hazards *h, struct brk_hazard *hz, const struct v2x_rte *rte)
{
	struct brk_lanes_request *r = &h->req;

	hz->lanes_stale_ = false;
	h->stats.lanes_requests++;
	if (!h->sink.lanes_needed)
		return;
	r->hazard_id = hz->id;
	r->generation = hz->generation;
	r->event_type = hz->event_type;
	r->lat_deg = hz->lat_deg;
	r->lon_deg = hz->lon_deg;
	r->elev_m = hz->elev_m;
	r->radius_m = hz->radius_m;
	r->n_paths = 0;
	for (size_t i = 0; i < rte->paths.n && i < V2X_REF_PATHS_MAX; i++) {
		const struct v2x_ref_path *p = &rte->paths.v[i];
		struct brk_lanes_path *q = &r->paths[i];
		q->radius_m = p->radius_m;
		q->n = p->points.n < V2X_PATH_POINTS_MAX ? p->points.n : V2X_PATH_POINTS_MAX;
		for (size_t k = 0; k < q->n; k++) {
			q->lat_deg[k] = p->points.v[k].lat_deg;
			q->lon_deg[k] = p->points.v[k].lon_deg;
		}
		r->n_paths++;
	}
	h->sink.lanes_needed(h->sink.arg, r);
}

/* Offers one RTE; returns 1 when it asked for lanes, 0 otherwise. */
static int offer_rte(struct brk_hazards *h, const struct v2x_rsi *rsi, const struct v2x_rte *rte,
                     const struct brk_hazard_src *src, struct map_frame *frame, int64_t now_us)
{
	struct brk__hz_ident id = { .kind = BRK_HAZARD_RSI, .sub_id = rte->id };
	struct rte_view v;
	struct brk_hazard *hz;
	uint32_t i;

	h->stats.rtes++;
	read_rte(rsi, rte, src->rx_us, &h->cfg, &v);
	if (isnan(v.lat_deg) || isnan(v.lon_deg)) {
		h->stats.no_position++;
		return 0;
	}
	if (v.end_us && v.end_us <= now_us) {
		h->stats.rte_ended++;
		return 0;
	}
	memcpy(id.origin_id, rsi->id, V2X_ID_LEN);
	i = brk__hz_find_ident(h, &id);
	if (i == NONE) {
		i = brk__hz_create(h, &id, now_us);
		if (i == NONE)
			return 0;
		hz = &h->pool[i];
		hz->generation = 1;
		brk__hz_heard(hz, src, now_us);
		apply_rte(h, hz, rte, &v, frame, now_us);
		h->stats.created_rsi++;
		if (h->sink.added)
			h->sink.added(h->sink.arg, hz);
		request_lanes(h, hz, rte);
		return 1;
	}
	hz = &h->pool[i];
	h->stats.reheard++;
	bool moved = rte_moved(hz, &v, h->cfg.move_m);
	brk__hz_heard(hz, src, now_us);
	apply_rte(h, hz, rte, &v, frame, now_us);
	if (moved) {
		hz->generation++;
		h->stats.moved++;
	}
	if (!moved && !hz->lanes_stale_)
		return 0;
	request_lanes(h, hz, rte);
	return 1;
}

int brk_hazards_offer_rsi(struct brk_hazards *h, const struct v2x_rsi *rsi,
                          const struct brk_hazard_src *src, struct map_frame *frame, int64_t now_us)
{
	int n = 0;

	if (src->rsu.v == 0)
		return V2X_EINVAL;
	for (size_t i = 0; i < rsi->n_rtes; i++)
		n += offer_rte(h, rsi, &rsi->rtes[i], src, frame, now_us);
	return n;
}

int brk_hazards_set_lanes(struct brk_hazards *h, uint64_t hazard_id, uint32_t generation,
                          const struct brk_lane_span *spans, size_t n)
{
	uint32_t i = brk__ktab_find(&h->by_id, brk__ktab_hash64(hazard_id), &hazard_id);

	if (i == BRK__KTAB_EMPTY) {
		h->stats.lanes_unknown++;
		return V2X_ENOTFOUND;
	}
	if (h->pool[i].generation != generation) {
		h->stats.lanes_stale++;
		return V2X_ENOTFOUND;
	}
	if (n > BRK_HAZARD_SPANS_MAX)
		h->stats.lanes_cut++;
	brk__hz_set_spans(h, i, spans, n);
	h->stats.lanes_set++;
	return 0;
}

/* ---- expiry, map changes, lookups -------------------------------------- */

size_t brk_hazards_sweep(struct brk_hazards *h, int64_t now_us, size_t max_n)
{
	uint32_t i = h->used_head;
	size_t n = 0;

	while (i != NONE && n < max_n) {
		const struct brk_hazard *hz = &h->pool[i];
		uint32_t next = hz->next_;
		if (now_us > hz->expiry_us) {
			brk__hz_remove(h, i,
			               hz->expiry_is_end ? BRK_HAZARD_END_TIME
			                                 : BRK_HAZARD_NOT_HEARD);
			n++;
		}
		i = next;
	}
	return n;
}

void brk_hazards_map_changed(struct brk_hazards *h)
{
	for (uint32_t i = h->used_head; i != NONE; i = h->pool[i].next_) {
		struct brk_hazard *hz = &h->pool[i];
		brk__hz_set_spans(h, i, NULL, 0);
		hz->lanes_known = false;
		if (hz->kind == BRK_HAZARD_RSI) {
			hz->generation++;
			hz->lanes_stale_ = true;
		}
	}
}

const struct brk_hazard *brk_hazards_find(const struct brk_hazards *h, uint64_t id)
{
	uint32_t i = brk__ktab_find(&h->by_id, brk__ktab_hash64(id), &id);

	return i == BRK__KTAB_EMPTY ? NULL : &h->pool[i];
}

const struct brk_hazard *brk_hazards_next(const struct brk_hazards *h,
                                          const struct brk_hazard *prev)
{
	uint32_t i = prev ? prev->next_ : h->used_head;

	return i == NONE ? NULL : &h->pool[i];
}

bool brk_hazard_active(const struct brk_hazard *hz, int64_t now_us)
{
	return hz->lanes_known && hz->n_spans > 0 && hz->start_us <= now_us &&
	       now_us < hz->expiry_us;
}

const struct brk_hazards_stats *brk_hazards_stats(const struct brk_hazards *h)
{
	return &h->stats;
}
