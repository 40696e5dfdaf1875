/*
 * RoadSideInformation <-> Rsi.  Conventions in convert_int.h.
 */
#include <string.h>

#include "codecs/wire/convert_int.h"

/* An absent description (kind none, no text) is not sent at all. */
static V2x__Wire__Description *text_out(struct v2x_wire__cv *cv, const struct v2x_text *m)
{
	V2x__Wire__Description *o;

	if (m->kind == V2X_TEXT_NONE && m->len == 0)
		return NULL;
	o = v2x_wire__new(cv, &v2x__wire__description__descriptor);
	if (!o)
		return NULL;
	PUT_U(o, kind, m->kind);
	v2x_wire__put_bytes(cv, &o->has_data, &o->data, m->data, m->len);
	return o;
}

/* The text is copied into the arena: the message must not point into o. */
static void text_in(struct v2x_wire__cv *cv, const V2x__Wire__Description *o, struct v2x_text *m)
{
	m->kind = V2X_TEXT_NONE;
	m->len = 0;
	m->data = NULL;
	if (!o)
		return;
	m->kind = GET_U8(cv, o, kind);
	if (!o->has_data || o->data.len == 0)
		return;
	if (o->data.len > V2X_DESCRIPTION_MAX) {
		v2x_wire__fail(cv, V2X_ERANGE, "Description.data: %zu octets, at most %d",
		               o->data.len, V2X_DESCRIPTION_MAX);
		return;
	}
	m->data = v2x_arena_alloc(cv->arena, o->data.len);
	if (!m->data) {
		v2x_wire__fail(cv, V2X_ENOMEM, "Description.data: no memory");
		return;
	}
	memcpy(m->data, o->data.data, o->data.len);
	m->len = o->data.len;
}

static V2x__Wire__RsiTimeDetails *time_out(struct v2x_wire__cv *cv, const struct v2x_rsi_time *m)
{
	V2x__Wire__RsiTimeDetails *o = v2x_wire__new(cv, &v2x__wire__rsi_time_details__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, start_moy_s, m->has_start, m->start_moy_s);
	PUT_OPT(o, end_moy_s, m->has_end, m->end_moy_s);
	PUT_OPT(o, end_confidence, m->has_end_confidence, m->end_confidence);
	return o;
}

static void time_in(struct v2x_wire__cv *cv, const V2x__Wire__RsiTimeDetails *o,
                    struct v2x_rsi_time *m)
{
	static const V2x__Wire__RsiTimeDetails none = V2X__WIRE__RSI_TIME_DETAILS__INIT;

	if (!o)
		o = &none;
	m->has_start = o->has_start_moy_s;
	m->start_moy_s = o->start_moy_s;
	m->has_end = o->has_end_moy_s;
	m->end_moy_s = o->end_moy_s;
	m->has_end_confidence = o->has_end_confidence;
	m->end_confidence = GET_U8(cv, o, end_confidence);
}

static V2x__Wire__ReferencePath *path_out(struct v2x_wire__cv *cv, const struct v2x_ref_path *m)
{
	V2x__Wire__ReferencePath *o = v2x_wire__new(cv, &v2x__wire__reference_path__descriptor);

	if (!o)
		return NULL;
	OUT_LIST(cv, o, points, m->points.n, m->points.v, v2x_wire__llv_out);
	PUT_D(o, radius_m, m->radius_m);
	return o;
}

static void path_in(struct v2x_wire__cv *cv, const V2x__Wire__ReferencePath *o,
                    struct v2x_ref_path *m)
{
	static const V2x__Wire__ReferencePath none = V2X__WIRE__REFERENCE_PATH__INIT;

	if (!o)
		o = &none;
	IN_LIST(cv, o, points, V2X_PATH_POINTS_MAX, m->points.n, m->points.v, v2x_wire__llv_in);
	m->radius_m = GET_D(o, radius_m);
}

static V2x__Wire__ReferenceLink *link_out(struct v2x_wire__cv *cv, const struct v2x_ref_link *m)
{
	V2x__Wire__ReferenceLink *o = v2x_wire__new(cv, &v2x__wire__reference_link__descriptor);

	if (!o)
		return NULL;
	o->upstream = v2x_wire__node_ref_out(cv, &m->upstream);
	o->downstream = v2x_wire__node_ref_out(cv, &m->downstream);
	PUT_OPT(o, lanes, m->has_lanes, m->lanes);
	return o;
}

static void link_in(struct v2x_wire__cv *cv, const V2x__Wire__ReferenceLink *o,
                    struct v2x_ref_link *m)
{
	static const V2x__Wire__ReferenceLink none = V2X__WIRE__REFERENCE_LINK__INIT;

	if (!o)
		o = &none;
	v2x_wire__node_ref_in(cv, o->upstream, &m->upstream);
	v2x_wire__node_ref_in(cv, o->downstream, &m->downstream);
	m->has_lanes = o->has_lanes;
	m->lanes = GET_U16(cv, o, lanes);
}

static V2x__Wire__RteData *rte_out(struct v2x_wire__cv *cv, const struct v2x_rte *m)
{
	V2x__Wire__RteData *o = v2x_wire__new(cv, &v2x__wire__rte_data__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, id, m->id);
	PUT_U(o, event_type, m->event_type);
	PUT_U(o, source, m->source);
	o->pos = m->has_pos ? v2x_wire__llv_out(cv, &m->pos) : NULL;
	PUT_OPT(o, radius_m, m->has_radius, m->radius_m);
	o->description = text_out(cv, &m->description);
	o->time = m->has_time ? time_out(cv, &m->time) : NULL;
	PUT_OPT(o, priority, m->has_priority, m->priority);
	OUT_LIST(cv, o, paths, m->paths.n, m->paths.v, path_out);
	OUT_LIST(cv, o, links, m->links.n, m->links.v, link_out);
	PUT_OPT(o, confidence_pct, m->has_confidence, m->confidence_pct);
	return o;
}

static void rte_in(struct v2x_wire__cv *cv, const V2x__Wire__RteData *o, struct v2x_rte *m)
{
	static const V2x__Wire__RteData none = V2X__WIRE__RTE_DATA__INIT;

	if (!o)
		o = &none;
	m->id = GET_U8(cv, o, id);
	m->event_type = GET_U16(cv, o, event_type);
	m->source = GET_U8(cv, o, source);
	m->has_pos = o->pos != NULL;
	v2x_wire__llv_in(cv, o->pos, &m->pos);
	m->has_radius = o->has_radius_m;
	m->radius_m = o->radius_m;
	text_in(cv, o->description, &m->description);
	m->has_time = o->time != NULL;
	time_in(cv, o->time, &m->time);
	m->has_priority = o->has_priority;
	m->priority = GET_U8(cv, o, priority);
	IN_LIST(cv, o, paths, V2X_REF_PATHS_MAX, m->paths.n, m->paths.v, path_in);
	IN_LIST(cv, o, links, V2X_REF_LINKS_MAX, m->links.n, m->links.v, link_in);
	m->has_confidence = o->has_confidence_pct;
	m->confidence_pct = o->confidence_pct;
}

static V2x__Wire__RtsData *rts_out(struct v2x_wire__cv *cv, const struct v2x_rts *m)
{
	V2x__Wire__RtsData *o = v2x_wire__new(cv, &v2x__wire__rts_data__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, id, m->id);
	PUT_U(o, sign_type, m->sign_type);
	o->pos = m->has_pos ? v2x_wire__llv_out(cv, &m->pos) : NULL;
	o->description = text_out(cv, &m->description);
	o->time = m->has_time ? time_out(cv, &m->time) : NULL;
	PUT_OPT(o, priority, m->has_priority, m->priority);
	OUT_LIST(cv, o, paths, m->paths.n, m->paths.v, path_out);
	OUT_LIST(cv, o, links, m->links.n, m->links.v, link_out);
	return o;
}

static void rts_in(struct v2x_wire__cv *cv, const V2x__Wire__RtsData *o, struct v2x_rts *m)
{
	static const V2x__Wire__RtsData none = V2X__WIRE__RTS_DATA__INIT;

	if (!o)
		o = &none;
	m->id = GET_U8(cv, o, id);
	m->sign_type = GET_U16(cv, o, sign_type);
	m->has_pos = o->pos != NULL;
	v2x_wire__llv_in(cv, o->pos, &m->pos);
	text_in(cv, o->description, &m->description);
	m->has_time = o->time != NULL;
	time_in(cv, o->time, &m->time);
	m->has_priority = o->has_priority;
	m->priority = GET_U8(cv, o, priority);
	IN_LIST(cv, o, paths, V2X_REF_PATHS_MAX, m->paths.n, m->paths.v, path_in);
	IN_LIST(cv, o, links, V2X_REF_LINKS_MAX, m->links.n, m->links.v, link_in);
}

V2x__Wire__Rsi *v2x_wire__rsi_out(struct v2x_wire__cv *cv, const struct v2x_rsi *m)
{
	V2x__Wire__Rsi *o = v2x_wire__new(cv, &v2x__wire__rsi__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, msg_cnt, m->msg_cnt);
	PUT_OPT(o, moy_s, m->has_moy, m->moy_s);
	v2x_wire__put_bytes(cv, &o->has_id, &o->id, m->id, V2X_ID_LEN);
	o->ref_pos = v2x_wire__pos3d_out(cv, &m->ref_pos);
	OUT_LIST(cv, o, rtes, m->n_rtes, m->rtes, rte_out);
	OUT_LIST(cv, o, rtss, m->n_rtss, m->rtss, rts_out);
	return o;
}

void v2x_wire__rsi_in(struct v2x_wire__cv *cv, const V2x__Wire__Rsi *o, struct v2x_rsi *m)
{
	static const V2x__Wire__Rsi none = V2X__WIRE__RSI__INIT;

	if (!o)
		o = &none;
	m->msg_cnt = GET_U8(cv, o, msg_cnt);
	m->has_moy = o->has_moy_s;
	m->moy_s = o->moy_s;
	v2x_wire__get_id(cv, o->has_id, &o->id, m->id, "Rsi", "id");
	v2x_wire__pos3d_in(cv, o->ref_pos, &m->ref_pos);
	IN_LIST(cv, o, rtes, V2X_RTES_MAX, m->n_rtes, m->rtes, rte_in);
	IN_LIST(cv, o, rtss, V2X_RTSS_MAX, m->n_rtss, m->rtss, rts_in);
}
