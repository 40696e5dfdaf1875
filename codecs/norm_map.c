/* MapData <-> struct v2x_map. */
#include "codecs/norm.h"

#include "runtime/err.h"

#define LANE_KINDS 8

static void lane_attributes_from(struct cvt *cv, const LaneAttributes_t *a,
                                 struct v2x_lane_attributes *m)
{
	const LaneTypeAttributes_t *t = &a->laneType;

	m->has_share_with = a->shareWith != NULL;
	if (a->shareWith)
		m->share_with =
		        (uint16_t)cvt__bits_from(cv, a->shareWith, 10, 10, NULL, "share_with");
	if (t->present == LaneTypeAttributes_PR_NOTHING) {
		/* An alternative of a newer schema, skipped by the decoder. */
		m->kind = V2X_ENUM_UNRECOGNISED;
		cv->flags |= V2X_MSG_F_UNRECOGNISED_VALUE;
		return;
	}
	m->kind = (uint8_t)t->present;
	/* Every alternative is a BIT STRING at the start of the union. */
	if (m->kind == V2X_LANE_VEHICLE)
		m->type_bits =
		        cvt__bits_from(cv, &t->choice.vehicle, 1, -1, &m->type_nbits, "type_bits");
	else
		m->type_bits = cvt__bits_from(cv, &t->choice.crosswalk, 16, 16, &m->type_nbits,
		                              "type_bits");
}

static void lane_attributes_to(struct cvt *cv, const struct v2x_lane_attributes *m,
                               LaneAttributes_t *a)
{
	unsigned nbits = m->kind == V2X_LANE_VEHICLE ? 8 : 16;

	if (m->has_share_with)
		a->shareWith = cvt__new_bits(cv, m->share_with, 10);
	if (m->kind < 1 || m->kind > LANE_KINDS) {
		cvt__fail(cv, V2X_ERANGE, "kind", "%u is not a Day-1 lane type", m->kind);
		return;
	}
	/* Vehicle lanes' SIZE(8,...) is extensible: keep the length carried. */
	if (m->kind == V2X_LANE_VEHICLE && m->type_nbits)
		nbits = m->type_nbits > 64 ? 64 : m->type_nbits;
	a->laneType.present = (LaneTypeAttributes_PR)m->kind;
	cvt__bits_to(cv, m->type_bits, nbits, &a->laneType.choice.crosswalk);
}

static void connection_from(struct cvt *cv, const Connection_t *a, struct v2x_connection *m)
{
	cvt__push(cv, "remote");
	norm__node_ref_from(cv, &a->remoteIntersection, &m->remote);
	cvt__pop(cv);
	m->has_lane = a->connectingLane != NULL;
	m->has_lane_maneuvers = false;
	if (a->connectingLane) {
		m->lane = (uint8_t)cvt__int_from(cv, a->connectingLane->lane, 0, 255, "lane");
		m->has_lane_maneuvers = a->connectingLane->maneuver != NULL;
		if (m->has_lane_maneuvers)
			m->lane_maneuvers = (uint16_t)cvt__bits_from(
			        cv, a->connectingLane->maneuver, 12, 12, NULL, "lane_maneuvers");
	}
	m->has_phase = a->phaseId != NULL;
	if (a->phaseId)
		m->phase = (uint8_t)cvt__int_from(cv, *a->phaseId, 0, 255, "phase");
}

static void connection_to(struct cvt *cv, const struct v2x_connection *m, Connection_t *a)
{
	norm__node_ref_to(cv, &m->remote, &a->remoteIntersection);
	if (m->has_lane) {
		a->connectingLane = CVT_NEW(cv, ConnectingLane_t);
		if (!a->connectingLane)
			return;
		a->connectingLane->lane = m->lane;
		if (m->has_lane_maneuvers)
			a->connectingLane->maneuver = cvt__new_bits(cv, m->lane_maneuvers, 12);
	} else if (m->has_lane_maneuvers) {
		cvt__fail(cv, V2X_ERANGE, "lane_maneuvers", "given without a lane");
	}
	if (m->has_phase)
		a->phaseId = cvt__new_long(cv, m->phase);
}

static void connections_from(struct cvt *cv, const ConnectsToList_t *a, struct v2x_lane *m)
{
	m->n_connections = 0;
	if (!a)
		return;
	m->connections = cvt__list_from(cv, a->list.count, 1, V2X_CONNECTIONS_MAX,
	                                sizeof(*m->connections), "connections");
	if (!m->connections)
		return;
	m->n_connections = (size_t)a->list.count;
	for (size_t i = 0; i < m->n_connections; i++) {
		cvt__push_index(cv, "connections", i);
		connection_from(cv, CVT_ELEM(a->list, i), &m->connections[i]);
		cvt__pop(cv);
	}
}

static ConnectsToList_t *connections_to(struct cvt *cv, const struct v2x_lane *m)
{
	ConnectsToList_t *a;
	Connection_t *e;

	if (m->n_connections == 0)
		return NULL;
	a = CVT_NEW(cv, ConnectsToList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n_connections, 1, V2X_CONNECTIONS_MAX, sizeof(*e),
	                     "connections")
	      : NULL;
	for (size_t i = 0; e && i < m->n_connections; i++) {
		cvt__push_index(cv, "connections", i);
		connection_to(cv, &m->connections[i], &e[i]);
		cvt__pop(cv);
	}
	return a;
}

static void lane_from(struct cvt *cv, const Lane_t *a, const struct v2x_pos3d *ref,
                      struct v2x_lane *m)
{
	m->lane_id = (uint8_t)cvt__int_from(cv, a->laneID, 0, 255, "lane_id");
	norm__opt_scaled_from(cv, &norm__lane_width, a->laneWidth, &m->has_width, &m->width_m,
	                      "width_m");
	m->has_attributes = a->laneAttributes != NULL;
	if (a->laneAttributes) {
		cvt__push(cv, "attributes");
		lane_attributes_from(cv, a->laneAttributes, &m->attributes);
		cvt__pop(cv);
	}
	m->has_maneuvers = a->maneuvers != NULL;
	if (a->maneuvers)
		m->maneuvers =
		        (uint16_t)cvt__bits_from(cv, a->maneuvers, 12, 12, NULL, "maneuvers");
	connections_from(cv, a->connectsTo, m);
	norm__speed_limits_from(cv, a->speedLimits, &m->speed_limits);
	norm__points_from(cv, a->points, ref, &m->points);
}

static void lane_to(struct cvt *cv, const struct v2x_lane *m, const struct v2x_pos3d *ref,
                    Lane_t *a)
{
	a->laneID = m->lane_id;
	a->laneWidth =
	        norm__opt_scaled_to(cv, &norm__lane_width, m->has_width, m->width_m, "width_m");
	if (m->has_attributes) {
		cvt__push(cv, "attributes");
		a->laneAttributes = CVT_NEW(cv, LaneAttributes_t);
		if (a->laneAttributes)
			lane_attributes_to(cv, &m->attributes, a->laneAttributes);
		cvt__pop(cv);
	}
	if (m->has_maneuvers)
		a->maneuvers = cvt__new_bits(cv, m->maneuvers, 12);
	a->connectsTo = connections_to(cv, m);
	a->speedLimits = norm__speed_limits_to(cv, &m->speed_limits);
	a->points = norm__points_to(cv, &m->points, ref);
}

static void movements_from(struct cvt *cv, const MovementList_t *a, struct v2x_link *m)
{
	m->n_movements = 0;
	if (!a)
		return;
	m->movements = cvt__list_from(cv, a->list.count, 1, V2X_MOVEMENTS_MAX,
	                              sizeof(*m->movements), "movements");
	if (!m->movements)
		return;
	m->n_movements = (size_t)a->list.count;
	for (size_t i = 0; i < m->n_movements; i++) {
		const Movement_t *e = CVT_ELEM(a->list, i);
		struct v2x_movement *mv = &m->movements[i];
		cvt__push_index(cv, "movements", i);
		norm__node_ref_from(cv, &e->remoteIntersection, &mv->remote);
		mv->has_phase = e->phaseId != NULL;
		if (e->phaseId)
			mv->phase = (uint8_t)cvt__int_from(cv, *e->phaseId, 0, 255, "phase");
		cvt__pop(cv);
	}
}

static MovementList_t *movements_to(struct cvt *cv, const struct v2x_link *m)
{
	MovementList_t *a;
	Movement_t *e;

	if (m->n_movements == 0)
		return NULL;
	a = CVT_NEW(cv, MovementList_t);
	e = a ? cvt__list_to(cv, &a->list, m->n_movements, 1, V2X_MOVEMENTS_MAX, sizeof(*e),
	                     "movements")
	      : NULL;
	for (size_t i = 0; e && i < m->n_movements; i++) {
		norm__node_ref_to(cv, &m->movements[i].remote, &e[i].remoteIntersection);
		if (m->movements[i].has_phase)
			e[i].phaseId = cvt__new_long(cv, m->movements[i].phase);
	}
	return a;
}

static void lanes_from(struct cvt *cv, const LaneList_t *a, const struct v2x_pos3d *ref,
                       struct v2x_link *m)
{
	m->n_lanes = 0;
	m->lanes = cvt__list_from(cv, a->list.count, 1, V2X_LANES_MAX, sizeof(*m->lanes), "lanes");
	if (!m->lanes)
		return;
	m->n_lanes = (size_t)a->list.count;
	for (size_t i = 0; i < m->n_lanes; i++) {
		cvt__push_index(cv, "lanes", i);
		lane_from(cv, CVT_ELEM(a->list, i), ref, &m->lanes[i]);
		cvt__pop(cv);
	}
}

static void link_from(struct cvt *cv, const Link_t *a, const struct v2x_pos3d *ref,
                      struct v2x_link *m)
{
	cvt__name_from(cv, a->name, &m->name, "name");
	cvt__push(cv, "upstream");
	norm__node_ref_from(cv, &a->upstreamNodeId, &m->upstream);
	cvt__pop(cv);
	norm__speed_limits_from(cv, a->speedLimits, &m->speed_limits);
	norm__opt_scaled_from(cv, &norm__lane_width, a->linkWidth, &m->has_width, &m->width_m,
	                      "width_m");
	norm__points_from(cv, a->points, ref, &m->points);
	movements_from(cv, a->movements, m);
	lanes_from(cv, &a->lanes, ref, m);
}

static void link_to(struct cvt *cv, const struct v2x_link *m, const struct v2x_pos3d *ref,
                    Link_t *a)
{
	Lane_t *e;

	a->name = cvt__name_to(cv, &m->name, "name");
	norm__node_ref_to(cv, &m->upstream, &a->upstreamNodeId);
	a->speedLimits = norm__speed_limits_to(cv, &m->speed_limits);
	a->linkWidth =
	        norm__opt_scaled_to(cv, &norm__lane_width, m->has_width, m->width_m, "width_m");
	a->points = norm__points_to(cv, &m->points, ref);
	a->movements = movements_to(cv, m);
	e = cvt__list_to(cv, &a->lanes.list, m->n_lanes, 1, V2X_LANES_MAX, sizeof(*e), "lanes");
	for (size_t i = 0; e && i < m->n_lanes; i++) {
		cvt__push_index(cv, "lanes", i);
		lane_to(cv, &m->lanes[i], ref, &e[i]);
		cvt__pop(cv);
	}
}

static void node_from(struct cvt *cv, const Node_t *a, struct v2x_node *m)
{
	const LinkList_t *l = a->inLinks;

	cvt__name_from(cv, a->name, &m->name, "name");
	norm__node_ref_from(cv, &a->id, &m->id);
	cvt__push(cv, "ref_pos");
	norm__pos3d_from(cv, &a->refPos, &m->ref_pos);
	cvt__pop(cv);
	m->n_links = 0;
	if (!l)
		return;
	m->links = cvt__list_from(cv, l->list.count, 1, V2X_LINKS_MAX, sizeof(*m->links), "links");
	if (!m->links)
		return;
	m->n_links = (size_t)l->list.count;
	for (size_t i = 0; i < m->n_links; i++) {
		cvt__push_index(cv, "links", i);
		link_from(cv, CVT_ELEM(l->list, i), &m->ref_pos, &m->links[i]);
		cvt__pop(cv);
	}
}

static void node_to(struct cvt *cv, const struct v2x_node *m, Node_t *a)
{
	Link_t *e;

	a->name = cvt__name_to(cv, &m->name, "name");
	norm__node_ref_to(cv, &m->id, &a->id);
	norm__pos3d_to(cv, &m->ref_pos, &a->refPos);
	if (m->n_links == 0)
		return;
	a->inLinks = CVT_NEW(cv, LinkList_t);
	e = a->inLinks ? cvt__list_to(cv, &a->inLinks->list, m->n_links, 1, V2X_LINKS_MAX,
	                              sizeof(*e), "links")
	               : NULL;
	for (size_t i = 0; e && i < m->n_links; i++) {
		cvt__push_index(cv, "links", i);
		link_to(cv, &m->links[i], &m->ref_pos, &e[i]);
		cvt__pop(cv);
	}
}

void norm__map_from(struct cvt *cv, const MapData_t *a, struct v2x_map *m)
{
	const NodeList_t *l = &a->nodes;

	cvt__push(cv, "map");
	m->msg_cnt = (uint8_t)cvt__int_from(cv, a->msgCnt, 0, 127, "msg_cnt");
	norm__opt_scaled_from(cv, &norm__moy, a->timeStamp, &m->has_timestamp, &m->timestamp_moy_s,
	                      "timestamp_moy_s");
	m->n_nodes = 0;
	m->nodes = cvt__list_from(cv, l->list.count, 1, V2X_NODES_MAX, sizeof(*m->nodes), "nodes");
	if (m->nodes) {
		m->n_nodes = (size_t)l->list.count;
		for (size_t i = 0; i < m->n_nodes; i++) {
			cvt__push_index(cv, "nodes", i);
			node_from(cv, CVT_ELEM(l->list, i), &m->nodes[i]);
			cvt__pop(cv);
		}
	}
	cvt__pop(cv);
}

void norm__map_to(struct cvt *cv, const struct v2x_map *m, MapData_t *a)
{
	Node_t *e;

	cvt__push(cv, "map");
	a->msgCnt = cvt__int_to(cv, m->msg_cnt, 0, 127, "msg_cnt");
	a->timeStamp = norm__opt_scaled_to(cv, &norm__moy, m->has_timestamp, m->timestamp_moy_s,
	                                   "timestamp_moy_s");
	e = cvt__list_to(cv, &a->nodes.list, m->n_nodes, 1, V2X_NODES_MAX, sizeof(*e), "nodes");
	for (size_t i = 0; e && i < m->n_nodes; i++) {
		cvt__push_index(cv, "nodes", i);
		node_to(cv, &m->nodes[i], &e[i]);
		cvt__pop(cv);
	}
	cvt__pop(cv);
}
