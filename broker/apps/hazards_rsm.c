/*
 * hazards_rsm: RSM participants in the hazard table (hazards.h): which
 * ones are hazards, and their lane found in memory by the lane index's
 * matcher on every hearing (a stopped vehicle or a pedestrian barely
 * moves, but the lane must follow when one does).
 */
#include <math.h>
#include <string.h>

#include "broker/apps/hazards_int.h"
#include "runtime/err.h"

#define NONE BRK__HZ_NONE

/* Pedestrians and unknown objects (animals, debris: the message set has
 * no animal type) are hazards at any speed, vehicles when stopped or
 * crawling; an RSU entry or an unrecognised type never. */
static bool is_hazard(const struct v2x_participant *p, double slow_mps)
{
	switch (p->ptc_type) {
	case V2X_PTC_PEDESTRIAN:
	case V2X_PTC_UNKNOWN:
		return true;
	case V2X_PTC_MOTOR:
	case V2X_PTC_NON_MOTOR:
		return isnan(p->speed_mps) || p->speed_mps <= slow_mps;
	default:
		return false;
	}
}

/* The participant's lane and the interval around it; *span untouched and
 * false when it is off every lane (or there is no map or frame). */
static bool match_lane(const struct brk_hazards *h, struct brk_hazard *hz,
                       const struct v2x_participant *p, const struct map_index *idx,
                       struct map_frame *frame, struct brk_lane_span *span)
{
	bool vehicle = p->ptc_type == V2X_PTC_MOTOR || p->ptc_type == V2X_PTC_NON_MOTOR;
	struct map_index_query q;
	struct map_index_match m;
	double half = h->cfg.rsm_span_m;

	hz->x = hz->y = NAN;
	if (!frame || map_frame_from_wgs84(frame, hz->lat_deg, hz->lon_deg, &hz->x, &hz->y) < 0)
		return false;
	if (!idx)
		return false;
	/* A pedestrian's heading says nothing of the lane it stands in. */
	q = (struct map_index_query){ hz->x, hz->y, hz->elev_m, vehicle ? p->heading_deg : NAN };
	if (map_index_match(idx, &q, NULL, &m) < 0)
		return false;
	if (isfinite(p->size.length_m) && p->size.length_m > 0)
		half += p->size.length_m / 2;
	*span = (struct brk_lane_span){ m.lane_id, m.s - half, m.s + half };
	if (span->s_from < 0)
		span->s_from = 0;
	return true;
}

static void apply_participant(struct brk_hazards *h, uint32_t i, const struct v2x_rsm *rsm,
                              const struct v2x_participant *p, const struct map_index *idx,
                              struct map_frame *frame, int64_t now_us)
{
	struct brk_hazard *hz = &h->pool[i];
	struct brk_lane_span span;

	hz->ptc_type = p->ptc_type;
	hz->lat_deg = p->pos.lat_deg;
	hz->lon_deg = p->pos.lon_deg;
	hz->elev_m = brk__hz_elev(&rsm->ref_pos, &p->pos);
	hz->speed_mps = p->speed_mps;
	hz->heading_deg = p->heading_deg;
	hz->expiry_is_end = false;
	hz->expiry_us = now_us + h->cfg.rsm_hold_us;
	if (match_lane(h, hz, p, idx, frame, &span)) {
		brk__hz_set_spans(h, i, &span, 1);
		return;
	}
	brk__hz_set_spans(h, i, NULL, 0);
	hz->lanes_known = false;
	h->stats.rsm_off_map++;
}

/* Offers one participant; returns 1 when it is a hazard now. */
static int offer_participant(struct brk_hazards *h, const struct v2x_rsm *rsm,
                             const struct v2x_participant *p, const struct brk_hazard_src *src,
                             const struct map_index *idx, struct map_frame *frame, int64_t now_us)
{
	struct brk__hz_ident id = { .kind = BRK_HAZARD_RSM, .sub_id = p->ptc_id };
	uint32_t i;

	h->stats.participants++;
	memcpy(id.origin_id, rsm->id, V2X_ID_LEN);
	i = brk__hz_find_ident(h, &id);
	if (!is_hazard(p, h->cfg.slow_mps)) {
		h->stats.not_slow++;
		if (i != NONE)
			brk__hz_remove(h, i, BRK_HAZARD_MOVED_ON);
		return 0;
	}
	if (isnan(p->pos.lat_deg) || isnan(p->pos.lon_deg)) {
		h->stats.no_position++;
		return 0;
	}
	bool created = i == NONE;
	if (created) {
		i = brk__hz_create(h, &id, now_us);
		if (i == NONE)
			return 0;
		h->stats.created_rsm++;
	} else {
		h->stats.reheard++;
	}
	brk__hz_heard(&h->pool[i], src, now_us);
	apply_participant(h, i, rsm, p, idx, frame, now_us);
	if (created && h->sink.added)
		h->sink.added(h->sink.arg, &h->pool[i]);
	return 1;
}

int brk_hazards_offer_rsm(struct brk_hazards *h, const struct v2x_rsm *rsm,
                          const struct brk_hazard_src *src, const struct map_index *idx,
                          struct map_frame *frame, int64_t now_us)
{
	int n = 0;

	if (src->rsu.v == 0)
		return V2X_EINVAL;
	for (size_t i = 0; i < rsm->n_participants; i++)
		n += offer_participant(h, rsm, &rsm->participants[i], src, idx, frame, now_us);
	return n;
}
