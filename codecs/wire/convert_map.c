/*
 * MapData <-> MapData.  Conventions in convert_int.h.
 */
#include "codecs/wire/convert_int.h"

static V2x__Wire__RegulatorySpeedLimit *limit_out(struct v2x_wire__cv *cv,
                                                  const struct v2x_speed_limit *m)
{
	V2x__Wire__RegulatorySpeedLimit *o =
	        v2x_wire__new(cv, &v2x__wire__regulatory_speed_limit__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, type, m->type);
	PUT_D(o, speed_mps, m->speed_mps);
	return o;
}

static void limit_in(struct v2x_wire__cv *cv, const V2x__Wire__RegulatorySpeedLimit *o,
                     struct v2x_speed_limit *m)
{
	static const V2x__Wire__RegulatorySpeedLimit none = V2X__WIRE__REGULATORY_SPEED_LIMIT__INIT;

	if (!o)
		o = &none;
	m->type = GET_U8(cv, o, type);
	m->speed_mps = GET_D(o, speed_mps);
}

static V2x__Wire__LaneAttributes *attributes_out(struct v2x_wire__cv *cv,
                                                 const struct v2x_lane_attributes *m)
{
	V2x__Wire__LaneAttributes *o = v2x_wire__new(cv, &v2x__wire__lane_attributes__descriptor);

	if (!o)
		return NULL;
	PUT_OPT(o, share_with, m->has_share_with, m->share_with);
	PUT_U(o, kind, m->kind);
	PUT_U(o, type_nbits, m->type_nbits);
	PUT_U(o, type_bits, m->type_bits);
	return o;
}

static void attributes_in(struct v2x_wire__cv *cv, const V2x__Wire__LaneAttributes *o,
                          struct v2x_lane_attributes *m)
{
	static const V2x__Wire__LaneAttributes none = V2X__WIRE__LANE_ATTRIBUTES__INIT;

	if (!o)
		o = &none;
	m->has_share_with = o->has_share_with;
	m->share_with = GET_U16(cv, o, share_with);
	m->kind = GET_U8(cv, o, kind);
	m->type_nbits =
	        (uint8_t)v2x_wire__uint(cv, o->type_nbits, 64, "LaneAttributes", "type_nbits");
	m->type_bits = o->type_bits;
}

static V2x__Wire__Connection *connection_out(struct v2x_wire__cv *cv,
                                             const struct v2x_connection *m)
{
	V2x__Wire__Connection *o = v2x_wire__new(cv, &v2x__wire__connection__descriptor);

	if (!o)
		return NULL;
	o->remote = v2x_wire__node_ref_out(cv, &m->remote);
	PUT_OPT(o, lane, m->has_lane, m->lane);
	PUT_OPT(o, lane_maneuvers, m->has_lane_maneuvers, m->lane_maneuvers);
	PUT_OPT(o, phase, m->has_phase, m->phase);
	return o;
}

static void connection_in(struct v2x_wire__cv *cv, const V2x__Wire__Connection *o,
                          struct v2x_connection *m)
{
	static const V2x__Wire__Connection none = V2X__WIRE__CONNECTION__INIT;

	if (!o)
		o = &none;
	v2x_wire__node_ref_in(cv, o->remote, &m->remote);
	m->has_lane = o->has_lane;
	m->lane = GET_U8(cv, o, lane);
	m->has_lane_maneuvers = o->has_lane_maneuvers;
	m->lane_maneuvers = GET_U16(cv, o, lane_maneuvers);
	m->has_phase = o->has_phase;
	m->phase = GET_U8(cv, o, phase);
}

static V2x__Wire__Lane *lane_out(struct v2x_wire__cv *cv, const struct v2x_lane *m)
{
	V2x__Wire__Lane *o = v2x_wire__new(cv, &v2x__wire__lane__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, lane_id, m->lane_id);
	PUT_OPT(o, width_m, m->has_width, m->width_m);
	o->attributes = m->has_attributes ? attributes_out(cv, &m->attributes) : NULL;
	PUT_OPT(o, maneuvers, m->has_maneuvers, m->maneuvers);
	OUT_LIST(cv, o, connections, m->n_connections, m->connections, connection_out);
	OUT_LIST(cv, o, speed_limits, m->speed_limits.n, m->speed_limits.v, limit_out);
	OUT_LIST(cv, o, points, m->points.n, m->points.v, v2x_wire__llv_out);
	return o;
}

static void lane_in(struct v2x_wire__cv *cv, const V2x__Wire__Lane *o, struct v2x_lane *m)
{
	static const V2x__Wire__Lane none = V2X__WIRE__LANE__INIT;

	if (!o)
		o = &none;
	m->lane_id = GET_U8(cv, o, lane_id);
	m->has_width = o->has_width_m;
	m->width_m = o->width_m;
	m->has_attributes = o->attributes != NULL;
	attributes_in(cv, o->attributes, &m->attributes);
	m->has_maneuvers = o->has_maneuvers;
	m->maneuvers = GET_U16(cv, o, maneuvers);
	IN_LIST(cv, o, connections, V2X_CONNECTIONS_MAX, m->n_connections, m->connections,
	        connection_in);
	IN_LIST(cv, o, speed_limits, V2X_SPEED_LIMITS_MAX, m->speed_limits.n, m->speed_limits.v,
	        limit_in);
	IN_LIST(cv, o, points, V2X_POINTS_MAX, m->points.n, m->points.v, v2x_wire__llv_in);
}

static V2x__Wire__Movement *movement_out(struct v2x_wire__cv *cv, const struct v2x_movement *m)
{
	V2x__Wire__Movement *o = v2x_wire__new(cv, &v2x__wire__movement__descriptor);

	if (!o)
		return NULL;
	o->remote = v2x_wire__node_ref_out(cv, &m->remote);
	PUT_OPT(o, phase, m->has_phase, m->phase);
	return o;
}

static void movement_in(struct v2x_wire__cv *cv, const V2x__Wire__Movement *o,
                        struct v2x_movement *m)
{
	static const V2x__Wire__Movement none = V2X__WIRE__MOVEMENT__INIT;

	if (!o)
		o = &none;
	v2x_wire__node_ref_in(cv, o->remote, &m->remote);
	m->has_phase = o->has_phase;
	m->phase = GET_U8(cv, o, phase);
}

static V2x__Wire__Link *link_out(struct v2x_wire__cv *cv, const struct v2x_link *m)
{
	V2x__Wire__Link *o = v2x_wire__new(cv, &v2x__wire__link__descriptor);

	if (!o)
		return NULL;
	v2x_wire__put_name(cv, &o->has_name, &o->name, &m->name);
	o->upstream = v2x_wire__node_ref_out(cv, &m->upstream);
	OUT_LIST(cv, o, speed_limits, m->speed_limits.n, m->speed_limits.v, limit_out);
	PUT_OPT(o, width_m, m->has_width, m->width_m);
	OUT_LIST(cv, o, points, m->points.n, m->points.v, v2x_wire__llv_out);
	OUT_LIST(cv, o, movements, m->n_movements, m->movements, movement_out);
	OUT_LIST(cv, o, lanes, m->n_lanes, m->lanes, lane_out);
	return o;
}

static void link_in(struct v2x_wire__cv *cv, const V2x__Wire__Link *o, struct v2x_link *m)
{
	static const V2x__Wire__Link none = V2X__WIRE__LINK__INIT;

	if (!o)
		o = &none;
	v2x_wire__get_name(cv, o->has_name, &o->name, &m->name, "Link", "name");
	v2x_wire__node_ref_in(cv, o->upstream, &m->upstream);
	IN_LIST(cv, o, speed_limits, V2X_SPEED_LIMITS_MAX, m->speed_limits.n, m->speed_limits.v,
	        limit_in);
	m->has_width = o->has_width_m;
	m->width_m = o->width_m;
	IN_LIST(cv, o, points, V2X_POINTS_MAX, m->points.n, m->points.v, v2x_wire__llv_in);
	IN_LIST(cv, o, movements, V2X_MOVEMENTS_MAX, m->n_movements, m->movements, movement_in);
	IN_LIST(cv, o, lanes, V2X_LANES_MAX, m->n_lanes, m->lanes, lane_in);
}

static V2x__Wire__Node *node_out(struct v2x_wire__cv *cv, const struct v2x_node *m)
{
	V2x__Wire__Node *o = v2x_wire__new(cv, &v2x__wire__node__descriptor);

	if (!o)
		return NULL;
	v2x_wire__put_name(cv, &o->has_name, &o->name, &m->name);
	o->id = v2x_wire__node_ref_out(cv, &m->id);
	o->ref_pos = v2x_wire__pos3d_out(cv, &m->ref_pos);
	OUT_LIST(cv, o, links, m->n_links, m->links, link_out);
	return o;
}

static void node_in(struct v2x_wire__cv *cv, const V2x__Wire__Node *o, struct v2x_node *m)
{
	static const V2x__Wire__Node none = V2X__WIRE__NODE__INIT;

	if (!o)
		o = &none;
	v2x_wire__get_name(cv, o->has_name, &o->name, &m->name, "Node", "name");
	v2x_wire__node_ref_in(cv, o->id, &m->id);
	v2x_wire__pos3d_in(cv, o->ref_pos, &m->ref_pos);
	IN_LIST(cv, o, links, V2X_LINKS_MAX, m->n_links, m->links, link_in);
}

V2x__Wire__MapData *v2x_wire__map_out(struct v2x_wire__cv *cv, const struct v2x_map *m)
{
	V2x__Wire__MapData *o = v2x_wire__new(cv, &v2x__wire__map_data__descriptor);

	if (!o)
		return NULL;
	PUT_U(o, msg_cnt, m->msg_cnt);
	PUT_OPT(o, timestamp_moy_s, m->has_timestamp, m->timestamp_moy_s);
	OUT_LIST(cv, o, nodes, m->n_nodes, m->nodes, node_out);
	return o;
}

void v2x_wire__map_in(struct v2x_wire__cv *cv, const V2x__Wire__MapData *o, struct v2x_map *m)
{
	static const V2x__Wire__MapData none = V2X__WIRE__MAP_DATA__INIT;

	if (!o)
		o = &none;
	m->msg_cnt = GET_U8(cv, o, msg_cnt);
	m->has_timestamp = o->has_timestamp_moy_s;
	m->timestamp_moy_s = o->timestamp_moy_s;
	IN_LIST(cv, o, nodes, V2X_NODES_MAX, m->n_nodes, m->nodes, node_in);
}
