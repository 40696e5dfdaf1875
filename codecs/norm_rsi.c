/* RoadSideInformation <-> struct v2x_rsi. */
#include "codecs/norm.h"

#include <string.h>

#include "runtime/err.h"

static void text_from(struct cvt *cv, const Description_t *a, struct v2x_text *m)
{
	const OCTET_STRING_t *o;
	size_t lo;

	m->kind = V2X_TEXT_NONE;
	m->len = 0;
	if (!a)
		return;
	if (a->present == Description_PR_textString) {
		o = &a->choice.textString;
		lo = 1;
	} else if (a->present == Description_PR_textGB2312) {
		o = &a->choice.textGB2312;
		lo = 2;
	} else {
		cvt__fail(cv, V2X_EMALFORMED, "description", "no alternative present");
		return;
	}
	if (o->size < (int)lo || o->size > V2X_DESCRIPTION_MAX) {
		cvt__fail(cv, V2X_EMALFORMED, "description", "%d octets, expected %zu..%d", o->size,
		          lo, V2X_DESCRIPTION_MAX);
		return;
	}
	m->data = cvt__alloc(cv, (size_t)o->size, 1);
	if (!m->data)
		return;
	memcpy(m->data, o->buf, (size_t)o->size);
	m->len = (size_t)o->size;
	m->kind = (uint8_t)a->present;
}

static Description_t *text_to(struct cvt *cv, const struct v2x_text *m)
{
	Description_t *a;
	size_t lo = m->kind == V2X_TEXT_GB2312 ? 2 : 1;

	if (m->kind == V2X_TEXT_NONE)
		return NULL;
	if (m->kind > V2X_TEXT_GB2312 || m->len < lo || m->len > V2X_DESCRIPTION_MAX) {
		cvt__fail(cv, V2X_ERANGE, "description", "kind %u with %zu octets", m->kind,
		          m->len);
		return NULL;
	}
	for (size_t i = 0; m->kind == V2X_TEXT_IA5 && i < m->len; i++) {
		if (m->data[i] > 127) {
			cvt__fail(cv, V2X_ERANGE, "description", "not an IA5 (ASCII) string");
			return NULL;
		}
	}
	a = CVT_NEW(cv, Description_t);
	if (!a)
		return NULL;
	a->present = (Description_PR)m->kind;
	/* Both alternatives are an OCTET_STRING_t at the start of the union. */
	cvt__octets_to(cv, m->data, m->len, &a->choice.textString);
	return a;
}

static void time_from(struct cvt *cv, const RSITimeDetails_t *a, bool *has, struct v2x_rsi_time *m)
{
	*has = a != NULL;
	if (!a)
		return;
	norm__opt_scaled_from(cv, &norm__moy, a->startTime, &m->has_start, &m->start_moy_s,
	                      "start_moy_s");
	norm__opt_scaled_from(cv, &norm__moy, a->endTime, &m->has_end, &m->end_moy_s, "end_moy_s");
	norm__opt_enum_from(cv, &norm__time_confidence, a->endTimeConfidence,
	                    &m->has_end_confidence, &m->end_confidence, "end_confidence");
}

static RSITimeDetails_t *time_to(struct cvt *cv, bool has, const struct v2x_rsi_time *m)
{
	RSITimeDetails_t *a;

	if (!has)
		return NULL;
	a = CVT_NEW(cv, RSITimeDetails_t);
	if (!a)
		return NULL;
	a->startTime =
	        norm__opt_scaled_to(cv, &norm__moy, m->has_start, m->start_moy_s, "start_moy_s");
	a->endTime = norm__opt_scaled_to(cv, &norm__moy, m->has_end, m->end_moy_s, "end_moy_s");
	a->endTimeConfidence = norm__opt_enum_to(cv, &norm__time_confidence, m->has_end_confidence,
	                                         m->end_confidence, "end_confidence");
	return a;
}

static void priority_from(struct cvt *cv, const RSIPriority_t *a, bool *has, uint8_t *m)
{
	*has = a != NULL;
	if (a)
		cvt__octets_from(cv, a, m, 1, "priority");
}

static RSIPriority_t *priority_to(struct cvt *cv, bool has, uint8_t m)
{
	RSIPriority_t *a = has ? CVT_NEW(cv, RSIPriority_t) : NULL;

	if (a)
		cvt__octets_to(cv, &m, 1, a);
	return a;
}

static void path_from(struct cvt *cv, const ReferencePath_t *a, const struct v2x_pos3d *ref,
                      struct v2x_ref_path *m)
{
	const PathPointList_t *l = &a->activePath;

	m->radius_m = cvt__scaled_from(cv, &norm__radius, a->pathRadius, "radius_m");
	m->points.n = 0;
	m->points.v = cvt__list_from(cv, l->list.count, 1, V2X_PATH_POINTS_MAX,
	                             sizeof(*m->points.v), "points");
	if (!m->points.v)
		return;
	m->points.n = (size_t)l->list.count;
	for (size_t i = 0; i < m->points.n; i++) {
		cvt__push_index(cv, "points", i);
		norm__llv_from(cv, CVT_ELEM(l->list, i), ref, &m->points.v[i]);
		cvt__pop(cv);
	}
}

static void path_to(struct cvt *cv, const struct v2x_ref_path *m, const struct v2x_pos3d *ref,
                    ReferencePath_t *a)
{
	PositionOffsetLLV_t *e;

	a->pathRadius = cvt__scaled_to(cv, &norm__radius, m->radius_m, "radius_m");
	e = cvt__list_to(cv, &a->activePath.list, m->points.n, 1, V2X_PATH_POINTS_MAX, sizeof(*e),
	                 "points");
	for (size_t i = 0; e && i < m->points.n; i++) {
		cvt__push_index(cv, "points", i);
		norm__llv_to(cv, &m->points.v[i], ref, &e[i]);
		cvt__pop(cv);
	}
}

static void paths_from(struct cvt *cv, const ReferencePathList_t *a, const struct v2x_pos3d *ref,
                       struct v2x_ref_paths *m)
{
	m->n = 0;
	if (!a)
		return;
	m->v = cvt__list_from(cv, a->list.count, 1, V2X_REF_PATHS_MAX, sizeof(*m->v), "paths");
	if (!m->v)
		return;
	m->n = (size_t)a->list.count;
	for (size_t i = 0; i < m->n; i++) {
		cvt__push_index(cv, "paths", i);
		path_from(cv, CVT_ELEM(a->list, i), ref, &m->v[i]);
		cvt__pop(cv);
	}
}

static ReferencePathList_t *paths_to(struct cvt *cv, const struct v2x_ref_paths *m,
                                     const struct v2x_pos3d *ref)
{
	ReferencePathList_t *a;
	ReferencePath_t *e;

	if (m->n == 0)
		return NULL;
	a = CVT_NEW(cv, ReferencePathList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n, 1, V2X_REF_PATHS_MAX, sizeof(*e), "paths") : NULL;
	for (size_t i = 0; e && i < m->n; i++) {
		cvt__push_index(cv, "paths", i);
		path_to(cv, &m->v[i], ref, &e[i]);
		cvt__pop(cv);
	}
	return a;
}

static void links_from(struct cvt *cv, const ReferenceLinkList_t *a, struct v2x_ref_links *m)
{
	m->n = 0;
	if (!a)
		return;
	m->v = cvt__list_from(cv, a->list.count, 1, V2X_REF_LINKS_MAX, sizeof(*m->v), "links");
	if (!m->v)
		return;
	m->n = (size_t)a->list.count;
	for (size_t i = 0; i < m->n; i++) {
		const ReferenceLink_t *e = CVT_ELEM(a->list, i);
		struct v2x_ref_link *l = &m->v[i];
		cvt__push_index(cv, "links", i);
		norm__node_ref_from(cv, &e->upstreamNodeId, &l->upstream);
		norm__node_ref_from(cv, &e->downstreamNodeId, &l->downstream);
		l->has_lanes = e->referenceLanes != NULL;
		if (e->referenceLanes)
			l->lanes = (uint16_t)cvt__bits_from(cv, e->referenceLanes, 16, 16, NULL,
			                                    "lanes");
		cvt__pop(cv);
	}
}

static ReferenceLinkList_t *links_to(struct cvt *cv, const struct v2x_ref_links *m)
{
	ReferenceLinkList_t *a;
	ReferenceLink_t *e;

	if (m->n == 0)
		return NULL;
	a = CVT_NEW(cv, ReferenceLinkList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n, 1, V2X_REF_LINKS_MAX, sizeof(*e), "links") : NULL;
	for (size_t i = 0; e && i < m->n; i++) {
		norm__node_ref_to(cv, &m->v[i].upstream, &e[i].upstreamNodeId);
		norm__node_ref_to(cv, &m->v[i].downstream, &e[i].downstreamNodeId);
		if (m->v[i].has_lanes)
			e[i].referenceLanes = cvt__new_bits(cv, m->v[i].lanes, 16);
	}
	return a;
}

static void opt_llv_from(struct cvt *cv, const PositionOffsetLLV_t *a, const struct v2x_pos3d *ref,
                         bool *has, struct v2x_llv *m)
{
	*has = a != NULL;
	if (a) {
		cvt__push(cv, "pos");
		norm__llv_from(cv, a, ref, m);
		cvt__pop(cv);
	}
}

static PositionOffsetLLV_t *opt_llv_to(struct cvt *cv, bool has, const struct v2x_llv *m,
                                       const struct v2x_pos3d *ref)
{
	PositionOffsetLLV_t *a = has ? CVT_NEW(cv, PositionOffsetLLV_t) : NULL;

	if (a) {
		cvt__push(cv, "pos");
		norm__llv_to(cv, m, ref, a);
		cvt__pop(cv);
	}
	return a;
}

static void rte_from(struct cvt *cv, const RTEData_t *a, const struct v2x_pos3d *ref,
                     struct v2x_rte *m)
{
	m->id = (uint8_t)cvt__int_from(cv, a->rteId, 0, 255, "id");
	m->event_type = (uint16_t)cvt__int_from(cv, a->eventType, 0, 65535, "event_type");
	m->source = cvt__enum_from(cv, &norm__event_source, a->eventSource, "source");
	opt_llv_from(cv, a->eventPos, ref, &m->has_pos, &m->pos);
	norm__opt_scaled_from(cv, &norm__radius, a->eventRadius, &m->has_radius, &m->radius_m,
	                      "radius_m");
	text_from(cv, a->description, &m->description);
	time_from(cv, a->timeDetails, &m->has_time, &m->time);
	priority_from(cv, a->priority, &m->has_priority, &m->priority);
	paths_from(cv, a->referencePaths, ref, &m->paths);
	links_from(cv, a->referenceLinks, &m->links);
	norm__opt_scaled_from(cv, &norm__confidence, a->eventConfidence, &m->has_confidence,
	                      &m->confidence_pct, "confidence_pct");
}

static void rte_to(struct cvt *cv, const struct v2x_rte *m, const struct v2x_pos3d *ref,
                   RTEData_t *a)
{
	a->rteId = m->id;
	a->eventType = m->event_type;
	a->eventSource = cvt__enum_to(cv, &norm__event_source, m->source, "source");
	a->eventPos = opt_llv_to(cv, m->has_pos, &m->pos, ref);
	a->eventRadius =
	        norm__opt_scaled_to(cv, &norm__radius, m->has_radius, m->radius_m, "radius_m");
	a->description = text_to(cv, &m->description);
	a->timeDetails = time_to(cv, m->has_time, &m->time);
	a->priority = priority_to(cv, m->has_priority, m->priority);
	a->referencePaths = paths_to(cv, &m->paths, ref);
	a->referenceLinks = links_to(cv, &m->links);
	a->eventConfidence = norm__opt_scaled_to(cv, &norm__confidence, m->has_confidence,
	                                         m->confidence_pct, "confidence_pct");
}

static void rts_from(struct cvt *cv, const RTSData_t *a, const struct v2x_pos3d *ref,
                     struct v2x_rts *m)
{
	m->id = (uint8_t)cvt__int_from(cv, a->rtsId, 0, 255, "id");
	m->sign_type = (uint16_t)cvt__int_from(cv, a->signType, 0, 65535, "sign_type");
	opt_llv_from(cv, a->signPos, ref, &m->has_pos, &m->pos);
	text_from(cv, a->description, &m->description);
	time_from(cv, a->timeDetails, &m->has_time, &m->time);
	priority_from(cv, a->priority, &m->has_priority, &m->priority);
	paths_from(cv, a->referencePaths, ref, &m->paths);
	links_from(cv, a->referenceLinks, &m->links);
}

static void rts_to(struct cvt *cv, const struct v2x_rts *m, const struct v2x_pos3d *ref,
                   RTSData_t *a)
{
	a->rtsId = m->id;
	a->signType = m->sign_type;
	a->signPos = opt_llv_to(cv, m->has_pos, &m->pos, ref);
	a->description = text_to(cv, &m->description);
	a->timeDetails = time_to(cv, m->has_time, &m->time);
	a->priority = priority_to(cv, m->has_priority, m->priority);
	a->referencePaths = paths_to(cv, &m->paths, ref);
	a->referenceLinks = links_to(cv, &m->links);
}

static void rtes_from(struct cvt *cv, const RTEList_t *a, struct v2x_rsi *m)
{
	m->n_rtes = 0;
	if (!a)
		return;
	m->rtes = cvt__list_from(cv, a->list.count, 1, V2X_RTES_MAX, sizeof(*m->rtes), "rtes");
	if (!m->rtes)
		return;
	m->n_rtes = (size_t)a->list.count;
	for (size_t i = 0; i < m->n_rtes; i++) {
		cvt__push_index(cv, "rtes", i);
		rte_from(cv, CVT_ELEM(a->list, i), &m->ref_pos, &m->rtes[i]);
		cvt__pop(cv);
	}
}

static void rtss_from(struct cvt *cv, const RTSList_t *a, struct v2x_rsi *m)
{
	m->n_rtss = 0;
	if (!a)
		return;
	m->rtss = cvt__list_from(cv, a->list.count, 1, V2X_RTSS_MAX, sizeof(*m->rtss), "rtss");
	if (!m->rtss)
		return;
	m->n_rtss = (size_t)a->list.count;
	for (size_t i = 0; i < m->n_rtss; i++) {
		cvt__push_index(cv, "rtss", i);
		rts_from(cv, CVT_ELEM(a->list, i), &m->ref_pos, &m->rtss[i]);
		cvt__pop(cv);
	}
}

void norm__rsi_from(struct cvt *cv, const RoadSideInformation_t *a, struct v2x_rsi *m)
{
	cvt__push(cv, "rsi");
	m->msg_cnt = (uint8_t)cvt__int_from(cv, a->msgCnt, 0, 127, "msg_cnt");
	norm__opt_scaled_from(cv, &norm__moy, a->moy, &m->has_moy, &m->moy_s, "moy_s");
	cvt__octets_from(cv, &a->id, m->id, V2X_ID_LEN, "id");
	cvt__push(cv, "ref_pos");
	norm__pos3d_from(cv, &a->refPos, &m->ref_pos);
	cvt__pop(cv);
	rtes_from(cv, a->rtes, m);
	rtss_from(cv, a->rtss, m);
	cvt__pop(cv);
}

static RTEList_t *rtes_to(struct cvt *cv, const struct v2x_rsi *m)
{
	RTEList_t *a;
	RTEData_t *e;

	if (m->n_rtes == 0)
		return NULL;
	a = CVT_NEW(cv, RTEList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n_rtes, 1, V2X_RTES_MAX, sizeof(*e), "rtes") : NULL;
	for (size_t i = 0; e && i < m->n_rtes; i++) {
		cvt__push_index(cv, "rtes", i);
		rte_to(cv, &m->rtes[i], &m->ref_pos, &e[i]);
		cvt__pop(cv);
	}
	return a;
}

static RTSList_t *rtss_to(struct cvt *cv, const struct v2x_rsi *m)
{
	RTSList_t *a;
	RTSData_t *e;

	if (m->n_rtss == 0)
		return NULL;
	a = CVT_NEW(cv, RTSList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n_rtss, 1, V2X_RTSS_MAX, sizeof(*e), "rtss") : NULL;
	for (size_t i = 0; e && i < m->n_rtss; i++) {
		cvt__push_index(cv, "rtss", i);
		rts_to(cv, &m->rtss[i], &m->ref_pos, &e[i]);
		cvt__pop(cv);
	}
	return a;
}

void norm__rsi_to(struct cvt *cv, const struct v2x_rsi *m, RoadSideInformation_t *a)
{
	cvt__push(cv, "rsi");
	a->msgCnt = cvt__int_to(cv, m->msg_cnt, 0, 127, "msg_cnt");
	a->moy = norm__opt_scaled_to(cv, &norm__moy, m->has_moy, m->moy_s, "moy_s");
	cvt__octets_to(cv, m->id, V2X_ID_LEN, &a->id);
	cvt__push(cv, "ref_pos");
	norm__pos3d_to(cv, &m->ref_pos, &a->refPos);
	cvt__pop(cv);
	a->rtes = rtes_to(cv, m);
	a->rtss = rtss_to(cv, m);
	cvt__pop(cv);
}
