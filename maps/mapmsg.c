#include "maps/mapmsg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"

struct mm {
	const struct map_model *m;
	const struct map_intersection *x;
	struct map_frame *frame;
	double approach_m;
	struct v2x_arena *arena;
	struct v2x_pos3d ref; /* the node's refPos, WGS84 */
	char *err;
	size_t errlen;
	int rc;
};

static int mm_fail(struct mm *c, int rc, const char *what)
{
	if (!c->rc) {
		c->rc = rc;
		snprintf(c->err, c->errlen, "%s", what);
	}
	return c->rc;
}

static void *mm_alloc(struct mm *c, size_t n, size_t size)
{
	void *p = v2x_arena_calloc(c->arena, n ? n : 1, size);

	if (!p)
		mm_fail(c, V2X_ENOMEM, "out of memory");
	return p;
}

/* The stop line of lane at this intersection, or NULL. */
static const struct map_stop_line *stop_line(const struct mm *c, uint32_t lane_id)
{
	for (size_t i = 0; i < c->m->n_stop_lines; i++) {
		const struct map_stop_line *sl = &c->m->stop_lines[i];
		if (sl->lane_id == lane_id && sl->intersection_id == c->x->id)
			return sl;
	}
	return NULL;
}

/* Lane number within its road's link: 1 + how many lanes of the same road
 * with a smaller id share the property (entering or leaving). */
static uint8_t lane_number(const struct mm *c, const struct map_lane *lane, bool entering)
{
	unsigned n = 1;

	for (size_t i = 0; i < c->m->n_lanes; i++) {
		const struct map_lane *o = &c->m->lanes[i];
		if (o->road_id == lane->road_id && o->id < lane->id &&
		    (stop_line(c, o->id) != NULL) == entering)
			n++;
	}
	return (uint8_t)n;
}

static struct v2x_node_ref road_node(const struct mm *c, uint32_t road_id)
{
	return (struct v2x_node_ref){ true, c->x->region,
		                      (uint16_t)(MAP_MAPMSG_ROAD_NODE_BASE + road_id) };
}

/* ---- points: Douglas-Peucker down to 31 ------------------------------- */

/* Distance of p from the segment a-b, in the plane. */
static double seg_dist(const struct map_sample *p, const struct map_sample *a,
                       const struct map_sample *b)
{
	double dx = b->x - a->x, dy = b->y - a->y;
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? ((p->x - a->x) * dx + (p->y - a->y) * dy) / len2 : 0;

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypot(p->x - (a->x + t * dx), p->y - (a->y + t * dy));
}

/* Marks in keep[] the samples Douglas-Peucker keeps between lo and hi. */
static void dp_mark(const struct map_sample *s, size_t lo, size_t hi, double tol, bool *keep)
{
	double worst = -1;
	size_t at = lo;

	for (size_t i = lo + 1; i < hi; i++) {
		double d = seg_dist(&s[i], &s[lo], &s[hi]);
		if (d > worst) {
			worst = d;
			at = i;
		}
	}
	if (worst <= tol)
		return;
	keep[at] = true;
	dp_mark(s, lo, at, tol, keep);
	dp_mark(s, at, hi, tol, keep);
}

static size_t dp_count(const struct map_sample *s, size_t n, double tol, bool *keep)
{
	size_t kept = 0;

	memset(keep, 0, n * sizeof(*keep));
	keep[0] = keep[n - 1] = true;
	dp_mark(s, 0, n - 1, tol, keep);
	for (size_t i = 0; i < n; i++)
		kept += keep[i];
	return kept;
}

/* The smallest tolerance (to a centimetre) that keeps at most max points. */
static double dp_tolerance(const struct map_sample *s, size_t n, size_t max, bool *keep)
{
	double lo = 0, hi = 1;

	while (dp_count(s, n, hi, keep) > max)
		hi *= 2;
	while (hi - lo > 0.01) {
		double mid = (lo + hi) / 2;
		if (dp_count(s, n, mid, keep) > max)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

static int lane_points(struct mm *c, const struct map_lane *lane, double s_end,
                       struct v2x_points *out)
{
	size_t first = 0, n, k = 0;
	const struct map_sample *s = lane->samples;
	bool *keep;

	while (first < lane->n_samples && s[first].s < s_end - c->approach_m)
		first++;
	n = lane->n_samples;
	while (n > first && s[n - 1].s > s_end + 0.5)
		n--;
	n -= first;
	if (n < V2X_POINTS_MIN)
		return mm_fail(c, V2X_ERANGE, "a lane's approach has fewer than 2 samples");
	keep = mm_alloc(c, n, sizeof(*keep));
	out->v = mm_alloc(c, V2X_POINTS_MAX, sizeof(*out->v));
	if (c->rc)
		return c->rc;
	dp_count(s + first, n, dp_tolerance(s + first, n, V2X_POINTS_MAX, keep), keep);
	for (size_t i = 0; i < n && !c->rc; i++) {
		struct v2x_llv *p = &out->v[k];
		if (!keep[i])
			continue;
		if (map_frame_to_wgs84(c->frame, s[first + i].x, s[first + i].y, &p->lat_deg,
		                       &p->lon_deg) != 0)
			return mm_fail(c, V2X_ERANGE, "a lane point cannot be converted to WGS84");
		p->ll_enc = V2X_LL_AUTO;
		p->v_enc = V2X_V_AUTO;
		p->v_m = s[first + i].z - c->ref.elev_m;
		k++;
	}
	out->n = k;
	return c->rc;
}

/* ---- lanes, links, node ------------------------------------------------ */

static uint16_t maneuver_bit(uint8_t maneuver)
{
	switch (maneuver) {
	case MAP_MANEUVER_STRAIGHT:
		return V2X_MANEUVER_STRAIGHT;
	case MAP_MANEUVER_LEFT:
		return V2X_MANEUVER_LEFT;
	case MAP_MANEUVER_RIGHT:
		return V2X_MANEUVER_RIGHT;
	case MAP_MANEUVER_UTURN:
		return V2X_MANEUVER_UTURN;
	default:
		return 0;
	}
}

/*
 * The lane a connection leads to beyond the intersection: a connection into
 * a connector lane crossing the box (one successor, within the
 * intersection) stands for the lane that connector leads to.
 */
static const struct map_lane *exit_lane(const struct mm *c, uint32_t to_lane)
{
	const struct map_connection *next = NULL;
	size_t n = 0;

	for (size_t i = 0; i < c->m->n_connections; i++) {
		const struct map_connection *mc = &c->m->connections[i];
		if (mc->from_lane == to_lane) {
			next = mc;
			n++;
		}
	}
	if (n == 1 && next->intersection_id == c->x->id)
		to_lane = next->to_lane;
	return map_model_lane(c->m, to_lane);
}

static void connection(struct mm *c, const struct map_connection *mc, struct v2x_connection *vc,
                       uint16_t *maneuvers)
{
	const struct map_lane *to = exit_lane(c, mc->to_lane);

	if (!to) {
		mm_fail(c, V2X_ENOTFOUND, "a connection leads to a lane that does not exist");
		return;
	}
	vc->remote = road_node(c, to->road_id);
	vc->has_lane = true;
	vc->lane = lane_number(c, to, false);
	vc->has_lane_maneuvers = true;
	vc->lane_maneuvers = maneuver_bit(mc->maneuver);
	vc->has_phase = mc->signal_group >= 0;
	vc->phase = (uint8_t)(mc->signal_group >= 0 ? mc->signal_group : 0);
	*maneuvers |= vc->lane_maneuvers;
}

static void lane_connections(struct mm *c, const struct map_lane *lane, struct v2x_lane *vl)
{
	size_t n = 0;

	for (size_t i = 0; i < c->m->n_connections; i++)
		n += c->m->connections[i].from_lane == lane->id;
	if (n > V2X_CONNECTIONS_MAX)
		n = V2X_CONNECTIONS_MAX;
	vl->connections = mm_alloc(c, n, sizeof(*vl->connections));
	for (size_t i = 0; i < c->m->n_connections && !c->rc && vl->n_connections < n; i++) {
		const struct map_connection *mc = &c->m->connections[i];
		if (mc->from_lane == lane->id)
			connection(c, mc, &vl->connections[vl->n_connections++], &vl->maneuvers);
	}
	vl->has_maneuvers = vl->n_connections > 0;
}

static void lane(struct mm *c, const struct map_lane *lane, const struct map_stop_line *sl,
                 struct v2x_lane *vl)
{
	struct v2x_speed_limit *limit = mm_alloc(c, 1, sizeof(*limit));

	vl->lane_id = lane_number(c, lane, true);
	vl->has_width = true;
	vl->width_m = lane->width_m;
	vl->has_attributes = true;
	vl->attributes.kind = V2X_LANE_VEHICLE;
	vl->attributes.type_nbits = 8;
	lane_connections(c, lane, vl);
	if (limit) {
		*limit = (struct v2x_speed_limit){ V2X_SPEED_LIMIT_VEHICLE_MAX,
			                           lane->speed_limit_mps };
		vl->speed_limits = (struct v2x_speed_limits){ 1, limit };
	}
	if (!c->rc)
		lane_points(c, lane, sl->s, &vl->points);
}

/* The movements of a link: one per remote node and phase its lanes use. */
static void movements(struct mm *c, struct v2x_link *link)
{
	link->movements = mm_alloc(c, V2X_MOVEMENTS_MAX, sizeof(*link->movements));
	for (size_t l = 0; l < link->n_lanes && !c->rc; l++) {
		for (size_t k = 0; k < link->lanes[l].n_connections; k++) {
			const struct v2x_connection *vc = &link->lanes[l].connections[k];
			bool seen = false;
			for (size_t i = 0; i < link->n_movements; i++)
				seen |= link->movements[i].remote.id == vc->remote.id &&
				        link->movements[i].phase == vc->phase;
			if (!seen && link->n_movements < V2X_MOVEMENTS_MAX)
				link->movements[link->n_movements++] =
				        (struct v2x_movement){ vc->remote, vc->has_phase,
					                       vc->phase };
		}
	}
}

static void link(struct mm *c, uint32_t road_id, struct v2x_link *vl)
{
	const struct map_road *road = NULL;

	for (size_t i = 0; i < c->m->n_roads; i++)
		if (c->m->roads[i].id == road_id)
			road = &c->m->roads[i];
	if (road) {
		vl->name.len = (uint8_t)strnlen(road->name, V2X_NAME_MAX);
		memcpy(vl->name.s, road->name, vl->name.len);
	}
	vl->upstream = road_node(c, road_id);
	vl->lanes = mm_alloc(c, V2X_LANES_MAX, sizeof(*vl->lanes));
	for (size_t i = 0; i < c->m->n_lanes && !c->rc; i++) {
		const struct map_lane *ml = &c->m->lanes[i];
		const struct map_stop_line *sl = stop_line(c, ml->id);
		if (ml->road_id != road_id || !sl || vl->n_lanes == V2X_LANES_MAX)
			continue;
		lane(c, ml, sl, &vl->lanes[vl->n_lanes++]);
		vl->width_m += ml->width_m;
	}
	vl->has_width = vl->n_lanes > 0;
	movements(c, vl);
}

/* The roads whose lanes stop at the intersection, each once. */
static size_t entering_roads(const struct mm *c, uint32_t *roads, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->m->n_lanes; i++) {
		const struct map_lane *l = &c->m->lanes[i];
		bool seen = false;
		if (!stop_line(c, l->id))
			continue;
		for (size_t k = 0; k < n; k++)
			seen |= roads[k] == l->road_id;
		if (!seen && n < max)
			roads[n++] = l->road_id;
	}
	return n;
}

static int node(struct mm *c, struct v2x_node *vn)
{
	uint32_t roads[V2X_LINKS_MAX];
	size_t n = entering_roads(c, roads, V2X_LINKS_MAX);

	if (n == 0)
		return mm_fail(c, V2X_ENOTFOUND, "no lane has a stop line at the intersection");
	vn->name.len = (uint8_t)strnlen(c->x->name, V2X_NAME_MAX);
	memcpy(vn->name.s, c->x->name, vn->name.len);
	vn->id = (struct v2x_node_ref){ true, c->x->region, c->x->node_id };
	vn->ref_pos = c->ref;
	vn->links = mm_alloc(c, n, sizeof(*vn->links));
	for (size_t i = 0; i < n && !c->rc; i++)
		link(c, roads[i], &vn->links[vn->n_links++]);
	return c->rc;
}

int map_mapmsg_build(const struct map_model *m, uint32_t intersection_id, struct map_frame *frame,
                     double approach_m, struct v2x_arena *arena, struct v2x_msg *out, char *err,
                     size_t errlen)
{
	struct mm c = { .m = m,
		        .frame = frame,
		        .approach_m = approach_m,
		        .arena = arena,
		        .err = err,
		        .errlen = errlen };
	struct v2x_map *map = &out->u.map;

	memset(out, 0, sizeof(*out));
	out->type = V2X_MSG_MAP;
	for (size_t i = 0; i < m->n_intersections; i++)
		if (m->intersections[i].id == intersection_id)
			c.x = &m->intersections[i];
	if (!c.x) {
		snprintf(err, errlen, "the map has no intersection %u", intersection_id);
		return V2X_ENOTFOUND;
	}
	if (map_frame_to_wgs84(frame, c.x->ref.x, c.x->ref.y, &c.ref.lat_deg, &c.ref.lon_deg))
		return mm_fail(&c, V2X_ERANGE, "the intersection cannot be converted to WGS84");
	c.ref.has_elev = true;
	c.ref.elev_m = round(c.x->ref.z * 10) / 10;
	map->nodes = mm_alloc(&c, 1, sizeof(*map->nodes));
	if (!c.rc && node(&c, map->nodes) == 0)
		map->n_nodes = 1;
	return c.rc;
}
