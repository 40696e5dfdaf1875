/*
 * map_model_validate (maps/model.h): a table of checks, run in order; the
 * first problem found is reported, naming the lane or feature.
 *
 * The rules beyond model.h's summary:
 *  - lane ends join when they are within JOIN_M (0.5 m) in 3D, so that a
 *    lane starting under the end of another (a bridge over the road below)
 *    does not count as joined;
 *  - a lane whose end lies within JOIN_M of the start of a lane (itself
 *    included) is disconnected unless a connection joins the two; this
 *    also covers a start near another lane's end;
 *  - a centre line crosses itself when two of its segments that do not
 *    share a point meet in plan (2D, touching included) and the line's
 *    heights there differ by less than CLEARANCE_M (4 m): a road passing
 *    over itself on a bridge (a spiral, a loop under a viaduct) needs at
 *    least 4.5 m of headroom (JTG B01; 5 m on major roads) plus the deck,
 *    so a smaller gap is a fault of the geometry, not a structure.
 *
 * Every check over pairs is quadratic: maps have hundreds of lanes and
 * lanes thousands of points, which that handles in milliseconds, and the
 * function needs no memory of its own.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "maps/model.h"
#include "runtime/compiler.h"
#include "runtime/err.h"

#define JOIN_M      0.5
#define CLEARANCE_M 4.0
#define STEP_MAX_M  1.0
/* Slack for rounding in s: a profile ends within this of length_m. */
#define S_EPS_M 1e-3
/* The SPAT signal group range (SignalGroupID, 0..255). */
#define SIGNAL_GROUP_MAX 255

struct verr {
	char *buf;
	size_t len;
};

/* Writes the message into the caller's buffer and returns V2X_EINVAL. */
static int fail(struct verr *e, const char *fmt, ...) V2X_PRINTF(2, 3);

static int fail(struct verr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return V2X_EINVAL;
}

static double dist3(const struct map_xyz *a, const struct map_xyz *b)
{
	return sqrt((a->x - b->x) * (a->x - b->x) + (a->y - b->y) * (a->y - b->y) +
	            (a->z - b->z) * (a->z - b->z));
}

static bool xyz_finite(const struct map_xyz *p)
{
	return isfinite(p->x) && isfinite(p->y) && isfinite(p->z);
}

static const struct map_xyz *lane_start(const struct map_lane *l)
{
	return &l->points[0];
}

static const struct map_xyz *lane_end(const struct map_lane *l)
{
	return &l->points[l->n_points - 1];
}

/* ---- ids ---- */

/*
 * A list of the model with a uint32 id in each item, described by offsets
 * so that one function checks every list.
 */
struct id_list {
	const char *what; /* singular, for messages */
	size_t n_off;     /* of the count in struct map_model */
	size_t p_off;     /* of the pointer */
	size_t size;      /* of one item */
	size_t id_off;    /* of the id in an item */
};

#define ID_LIST(what, n, p, type)                                                   \
	{                                                                           \
		what, offsetof(struct map_model, n), offsetof(struct map_model, p), \
		        sizeof(struct type), offsetof(struct type, id)              \
	}

static const struct id_list id_lists[] = {
	ID_LIST("road", n_roads, roads, map_road),
	ID_LIST("lane", n_lanes, lanes, map_lane),
	ID_LIST("intersection", n_intersections, intersections, map_intersection),
	ID_LIST("stop line", n_stop_lines, stop_lines, map_stop_line),
	ID_LIST("structure", n_structures, structures, map_structure),
	ID_LIST("obstruction", n_obstructions, obstructions, map_obstruction),
	ID_LIST("RSU", n_rsus, rsus, map_rsu),
	ID_LIST("hazard zone", n_hazard_zones, hazard_zones, map_hazard_zone),
	ID_LIST("curve", n_curves, curves, map_curve),
	ID_LIST("grade section", n_grade_sections, grade_sections, map_grade_section),
};

static uint32_t list_id(const struct map_model *m, const struct id_list *l, size_t i)
{
	const char *items = *(const char *const *)((const char *)m + l->p_off);
	uint32_t id;

	memcpy(&id, items + i * l->size + l->id_off, sizeof(id));
	return id;
}

static int check_ids(const struct map_model *m, struct verr *e)
{
	for (size_t k = 0; k < sizeof(id_lists) / sizeof(id_lists[0]); k++) {
		const struct id_list *l = &id_lists[k];
		size_t n = *(const size_t *)((const char *)m + l->n_off);
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (list_id(m, l, i) == list_id(m, l, j))
					return fail(e, "two %ss have id %u (items %zu and %zu)",
					            l->what, list_id(m, l, i), i, j);
	}
	return 0;
}

/* MAP node ids and RSU ids are identities too. */
static int check_other_ids(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_intersections; i++) {
		const struct map_intersection *a = &m->intersections[i];
		if (a->id == 0)
			return fail(e, "intersection 0: id 0 means 'none' in references");
		for (size_t j = i + 1; j < m->n_intersections; j++)
			if (a->region == m->intersections[j].region &&
			    a->node_id == m->intersections[j].node_id)
				return fail(e,
				            "intersections %u and %u have the same MAP node "
				            "(region %u, id %u)",
				            a->id, m->intersections[j].id, a->region, a->node_id);
	}
	for (size_t i = 0; i < m->n_rsus; i++) {
		if (m->rsus[i].rsu_id[0] == '\0')
			return fail(e, "RSU %u has no rsu_id", m->rsus[i].id);
		for (size_t j = i + 1; j < m->n_rsus; j++)
			if (strncmp(m->rsus[i].rsu_id, m->rsus[j].rsu_id, MAP_NAME_MAX + 1) == 0)
				return fail(e, "RSUs %u and %u have the same rsu_id '%s'",
				            m->rsus[i].id, m->rsus[j].id, m->rsus[i].rsu_id);
	}
	return 0;
}

/* ---- lanes and their profiles ---- */

static const struct map_intersection *find_intersection(const struct map_model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n_intersections; i++)
		if (m->intersections[i].id == id)
			return &m->intersections[i];
	return NULL;
}

static bool road_exists(const struct map_model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n_roads; i++)
		if (m->roads[i].id == id)
			return true;
	return false;
}

static int check_lane(const struct map_model *m, const struct map_lane *l, struct verr *e)
{
	if (!road_exists(m, l->road_id))
		return fail(e, "lane %u: its road %u does not exist", l->id, l->road_id);
	if (l->n_points < 2 || !l->points)
		return fail(e, "lane %u has %zu centre line point(s); it needs at least 2", l->id,
		            l->n_points);
	for (size_t i = 0; i < l->n_points; i++) {
		const struct map_xyz *p = &l->points[i];
		if (!xyz_finite(p))
			return fail(e, "lane %u: centre line point %zu is not finite", l->id, i);
		/* A segment of no length in plan has no direction to match against. */
		if (i > 0 && p->x == p[-1].x && p->y == p[-1].y)
			return fail(e,
			            "lane %u: centre line points %zu and %zu are at the same "
			            "place in plan",
			            l->id, i - 1, i);
	}
	if (!(l->length_m > 0) || !isfinite(l->length_m))
		return fail(e, "lane %u: length %g m is not positive", l->id, l->length_m);
	if (!(l->width_m > 0) || !isfinite(l->width_m) || !(l->speed_limit_mps > 0))
		return fail(e, "lane %u: width %g m or speed limit %g m/s is not positive", l->id,
		            l->width_m, l->speed_limit_mps);
	if (l->direction != 1 && l->direction != -1)
		return fail(e, "lane %u: direction %d is neither +1 nor -1", l->id, l->direction);
	if (l->type != MAP_LANE_DRIVING)
		return fail(e, "lane %u: unknown lane type %u", l->id, l->type);
	return 0;
}

static int check_lanes(const struct map_model *m, struct verr *e)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < m->n_lanes; i++)
		rc = check_lane(m, &m->lanes[i], e);
	return rc;
}

/* Every value of a sample finite, but the advisory speed, which may be NaN (none). */
static bool sample_finite(const struct map_sample *p)
{
	const double v[] = { p->s,           p->x,
		             p->y,           p->z,
		             p->heading_deg, p->curvature,
		             p->grade,       p->superelevation,
		             p->width_m,     p->speed_limit_mps };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!isfinite(v[i]))
			return false;
	return isnan(p->advisory_mps) || isfinite(p->advisory_mps);
}

static int check_profile(const struct map_lane *l, struct verr *e)
{
	const struct map_sample *p = l->samples;

	if (l->n_samples == 0 || !p)
		return fail(e, "lane %u has no profile", l->id);
	if (p[0].s != 0)
		return fail(e, "lane %u: its profile starts at s = %.3f m, not 0", l->id, p[0].s);
	for (size_t i = 0; i < l->n_samples; i++) {
		if (!sample_finite(&p[i]))
			return fail(e,
			            "lane %u: profile sample %zu (s = %.3f m) has a value that "
			            "is not finite",
			            l->id, i, p[i].s);
		if (i > 0 && !(p[i].s > p[i - 1].s))
			return fail(e,
			            "lane %u: profile s does not rise at sample %zu (%.3f m "
			            "after %.3f m)",
			            l->id, i, p[i].s, p[i - 1].s);
		if (i > 0 && p[i].s - p[i - 1].s > STEP_MAX_M + 1e-9)
			return fail(e,
			            "lane %u: profile has a %.3f m gap after s = %.3f m (samples "
			            "must be at most %.0f m apart)",
			            l->id, p[i].s - p[i - 1].s, p[i - 1].s, STEP_MAX_M);
	}
	if (fabs(p[l->n_samples - 1].s - l->length_m) > S_EPS_M)
		return fail(e,
		            "lane %u: its profile ends at s = %.3f m but the lane is %.3f m long",
		            l->id, p[l->n_samples - 1].s, l->length_m);
	return 0;
}

static int check_profiles(const struct map_model *m, struct verr *e)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < m->n_lanes; i++)
		rc = check_profile(&m->lanes[i], e);
	return rc;
}

/* ---- self-crossing ---- */

/* Twice the signed area of abc in plan: > 0 when c lies left of ab. */
static double orient(const struct map_xyz *a, const struct map_xyz *b, const struct map_xyz *c)
{
	return (b->x - a->x) * (c->y - a->y) - (b->y - a->y) * (c->x - a->x);
}

/* Where p lies along ab, as a fraction of ab's plan length (p on the line ab). */
static double param(const struct map_xyz *a, const struct map_xyz *b, const struct map_xyz *p)
{
	double dx = b->x - a->x, dy = b->y - a->y, len2 = dx * dx + dy * dy;

	return len2 > 0 ? ((p->x - a->x) * dx + (p->y - a->y) * dy) / len2 : 0;
}

/* Whether p, on the line through ab, lies within ab's bounding box. */
static bool within(const struct map_xyz *a, const struct map_xyz *b, const struct map_xyz *p)
{
	return p->x >= fmin(a->x, b->x) && p->x <= fmax(a->x, b->x) && p->y >= fmin(a->y, b->y) &&
	       p->y <= fmax(a->y, b->y);
}

static bool meet_at(double *t, double tv, double *u, double uv)
{
	*t = tv;
	*u = uv;
	return true;
}

/*
 * Whether segments ab and cd meet in plan; if so, *t and *u are where
 * along each.  Orientation tests, with the touching and collinear cases
 * taken at an end that lies on the other segment.
 */
static bool segments_meet(const struct map_xyz *a, const struct map_xyz *b, const struct map_xyz *c,
                          const struct map_xyz *d, double *t, double *u)
{
	double d1 = orient(c, d, a), d2 = orient(c, d, b), d3 = orient(a, b, c),
	       d4 = orient(a, b, d);

	if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) &&
	    ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
		*t = d1 / (d1 - d2);
		*u = d3 / (d3 - d4);
		return true;
	}
	if (d1 == 0 && within(c, d, a))
		return meet_at(t, 0, u, param(c, d, a));
	if (d2 == 0 && within(c, d, b))
		return meet_at(t, 1, u, param(c, d, b));
	if (d3 == 0 && within(a, b, c))
		return meet_at(t, param(a, b, c), u, 0);
	if (d4 == 0 && within(a, b, d))
		return meet_at(t, param(a, b, d), u, 1);
	return false;
}

static bool boxes_apart(const struct map_xyz *a, const struct map_xyz *b, const struct map_xyz *c,
                        const struct map_xyz *d)
{
	return fmax(a->x, b->x) < fmin(c->x, d->x) || fmax(c->x, d->x) < fmin(a->x, b->x) ||
	       fmax(a->y, b->y) < fmin(c->y, d->y) || fmax(c->y, d->y) < fmin(a->y, b->y);
}

/* Segments i and j (i < j) of l cross with less than the clearance between them. */
static int check_pair(const struct map_lane *l, size_t i, size_t j, struct verr *e)
{
	const struct map_xyz *a = &l->points[i], *b = a + 1, *c = &l->points[j], *d = c + 1;
	double t, u, za, zc;

	if (boxes_apart(a, b, c, d) || !segments_meet(a, b, c, d, &t, &u))
		return 0;
	za = a->z + t * (b->z - a->z);
	zc = c->z + u * (d->z - c->z);
	if (fabs(za - zc) >= CLEARANCE_M)
		return 0;
	return fail(e,
	            "lane %u: its centre line crosses itself near (%.1f, %.1f): segments %zu "
	            "and %zu meet %.2f m apart in height (a pass over itself needs %.0f m)",
	            l->id, a->x + t * (b->x - a->x), a->y + t * (b->y - a->y), i, j, fabs(za - zc),
	            CLEARANCE_M);
}

static int check_self_crossing(const struct map_lane *l, struct verr *e)
{
	size_t nseg = l->n_points - 1;
	/* A closed lane's first and last segments meet at its start. */
	bool closed = dist3(lane_start(l), lane_end(l)) <= JOIN_M;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < nseg; i++)
		for (size_t j = i + 2; rc == 0 && j < nseg; j++)
			if (!(closed && i == 0 && j == nseg - 1))
				rc = check_pair(l, i, j, e);
	return rc;
}

static int check_crossings(const struct map_model *m, struct verr *e)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < m->n_lanes; i++)
		rc = check_self_crossing(&m->lanes[i], e);
	return rc;
}

/* ---- connections ---- */

static bool signal_group_ok(int32_t g)
{
	return g == -1 || (g >= 0 && g <= SIGNAL_GROUP_MAX);
}

static int check_connection(const struct map_model *m, const struct map_connection *c,
                            struct verr *e)
{
	const struct map_lane *from = map_model_lane(m, c->from_lane);
	const struct map_lane *to = map_model_lane(m, c->to_lane);

	if (!from || !to)
		return fail(e, "connection %u -> %u: lane %u does not exist", c->from_lane,
		            c->to_lane, from ? c->to_lane : c->from_lane);
	if (c->intersection_id && !find_intersection(m, c->intersection_id))
		return fail(e, "connection %u -> %u: intersection %u does not exist", c->from_lane,
		            c->to_lane, c->intersection_id);
	if (c->maneuver < MAP_MANEUVER_STRAIGHT || c->maneuver > MAP_MANEUVER_UTURN)
		return fail(e, "connection %u -> %u: unknown maneuver %u", c->from_lane, c->to_lane,
		            c->maneuver);
	if (!signal_group_ok(c->signal_group))
		return fail(e, "connection %u -> %u: signal group %d is outside -1..%d",
		            c->from_lane, c->to_lane, c->signal_group, SIGNAL_GROUP_MAX);
	if (dist3(lane_end(from), lane_start(to)) > JOIN_M)
		return fail(e,
		            "connection %u -> %u: lane %u ends %.2f m from the start of lane %u "
		            "(at most %.1f m)",
		            c->from_lane, c->to_lane, from->id,
		            dist3(lane_end(from), lane_start(to)), to->id, JOIN_M);
	return 0;
}

static bool connected(const struct map_model *m, uint32_t from, uint32_t to, size_t skip)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if (i != skip && m->connections[i].from_lane == from &&
		    m->connections[i].to_lane == to)
			return true;
	return false;
}

static int check_connections(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_connections; i++) {
		const struct map_connection *c = &m->connections[i];
		int rc = check_connection(m, c, e);
		if (rc)
			return rc;
		if (connected(m, c->from_lane, c->to_lane, i))
			return fail(e, "connection %u -> %u is listed twice", c->from_lane,
			            c->to_lane);
	}
	return 0;
}

static int check_disconnected(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_lanes; i++) {
		const struct map_lane *a = &m->lanes[i];
		for (size_t j = 0; j < m->n_lanes; j++) {
			const struct map_lane *b = &m->lanes[j];
			double d = dist3(lane_end(a), lane_start(b));
			if (d <= JOIN_M && !connected(m, a->id, b->id, SIZE_MAX))
				return fail(e,
				            "lane %u is disconnected: it ends %.2f m from the "
				            "start of lane %u but no connection joins them",
				            a->id, d, b->id);
		}
	}
	return 0;
}

/* ---- features on lanes ---- */

/* [s0, s1] lies on lane id; what names the feature for the message. */
static int check_span(const struct map_model *m, const char *what, uint32_t id, uint32_t lane_id,
                      double s0, double s1, struct verr *e)
{
	const struct map_lane *l = map_model_lane(m, lane_id);

	if (!l)
		return fail(e, "%s %u: lane %u does not exist", what, id, lane_id);
	if (!(s0 >= -S_EPS_M && s0 <= s1 && s1 <= l->length_m + S_EPS_M))
		return fail(e, "%s %u: s %.3f..%.3f m is not within lane %u (0..%.3f m)", what, id,
		            s0, s1, lane_id, l->length_m);
	return 0;
}

static int check_intervals(const struct map_model *m, const char *what, uint32_t id,
                           const struct map_interval *v, size_t n, struct verr *e)
{
	int rc = 0;

	if (n > 0 && !v)
		return fail(e, "%s %u: %zu intervals but no list", what, id, n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = check_span(m, what, id, v[i].lane_id, v[i].s0, v[i].s1, e);
	return rc;
}

static int check_stop_lines(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_stop_lines; i++) {
		const struct map_stop_line *l = &m->stop_lines[i];
		int rc = check_span(m, "stop line", l->id, l->lane_id, l->s, l->s, e);
		if (rc)
			return rc;
		if (l->intersection_id && !find_intersection(m, l->intersection_id))
			return fail(e, "stop line %u: intersection %u does not exist", l->id,
			            l->intersection_id);
		if (!signal_group_ok(l->signal_group))
			return fail(e, "stop line %u: signal group %d is outside -1..%d", l->id,
			            l->signal_group, SIGNAL_GROUP_MAX);
	}
	return 0;
}

static int check_structures(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_structures; i++) {
		const struct map_structure *s = &m->structures[i];
		int rc;
		if (s->kind != MAP_TUNNEL && s->kind != MAP_BRIDGE)
			return fail(e, "structure %u: unknown kind %u", s->id, s->kind);
		if (s->n_intervals == 0)
			return fail(e, "structure %u carries no lane", s->id);
		rc = check_intervals(m, "structure", s->id, s->intervals, s->n_intervals, e);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_polygon(const char *what, uint32_t id, const struct map_polygon *p, struct verr *e)
{
	if (p->n < 3 || !p->v)
		return fail(e, "%s %u: its polygon has %zu vertices; it needs at least 3", what, id,
		            p->n);
	for (size_t i = 0; i < p->n; i++)
		if (!isfinite(p->v[i].x) || !isfinite(p->v[i].y))
			return fail(e, "%s %u: polygon vertex %zu is not finite", what, id, i);
	return 0;
}

static int check_obstructions(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_obstructions; i++) {
		const struct map_obstruction *o = &m->obstructions[i];
		int rc = check_polygon("obstruction", o->id, &o->outline, e);
		if (rc)
			return rc;
		if (!(o->z_bottom < o->z_top) || !isfinite(o->z_bottom) || !isfinite(o->z_top))
			return fail(e, "obstruction %u: z %g..%g m is not a range", o->id,
			            o->z_bottom, o->z_top);
	}
	return 0;
}

static int check_rsus(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_rsus; i++) {
		const struct map_rsu *r = &m->rsus[i];
		if (!xyz_finite(&r->pos) || !isfinite(r->mast_height_m))
			return fail(e, "RSU %u: its position is not finite", r->id);
		if (!(r->range_m > 0) || !isfinite(r->range_m))
			return fail(e, "RSU %u: range %g m is not positive", r->id, r->range_m);
	}
	return 0;
}

static int check_hazard_zones(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_hazard_zones; i++) {
		const struct map_hazard_zone *h = &m->hazard_zones[i];
		int rc;
		if (h->kind < MAP_HAZARD_ROCKFALL || h->kind > MAP_HAZARD_LANDSLIDE)
			return fail(e, "hazard zone %u: unknown kind %u", h->id, h->kind);
		rc = check_polygon("hazard zone", h->id, &h->area, e);
		if (rc == 0)
			rc = check_intervals(m, "hazard zone", h->id, h->intervals, h->n_intervals,
			                     e);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_curves(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_curves; i++) {
		const struct map_curve *c = &m->curves[i];
		int rc = check_span(m, "curve", c->id, c->lane_id, c->s0, c->s1, e);
		if (rc)
			return rc;
		if (!(c->s0 <= c->arc_s0 && c->arc_s0 <= c->arc_s1 && c->arc_s1 <= c->s1))
			return fail(e, "curve %u: its arc %.3f..%.3f m is not within %.3f..%.3f m",
			            c->id, c->arc_s0, c->arc_s1, c->s0, c->s1);
		if (!(c->radius_m > 0) || !isfinite(c->radius_m) || (c->turn != 1 && c->turn != -1))
			return fail(e, "curve %u: radius %g m or turn %d is wrong", c->id,
			            c->radius_m, c->turn);
	}
	return 0;
}

static int check_grade_sections(const struct map_model *m, struct verr *e)
{
	for (size_t i = 0; i < m->n_grade_sections; i++) {
		const struct map_grade_section *g = &m->grade_sections[i];
		int rc = check_span(m, "grade section", g->id, g->lane_id, g->s0, g->s1, e);
		if (rc)
			return rc;
		if (!isfinite(g->grade))
			return fail(e, "grade section %u: grade is not finite", g->id);
	}
	return 0;
}

/*
 * In this order: later checks rely on earlier ones (ids unique, lanes with
 * points before anything looks at their ends).
 */
static int (*const checks[])(const struct map_model *, struct verr *) = {
	check_ids,        check_other_ids,      check_lanes,        check_profiles,
	check_crossings,  check_connections,    check_disconnected, check_stop_lines,
	check_structures, check_obstructions,   check_rsus,         check_hazard_zones,
	check_curves,     check_grade_sections,
};

int map_model_validate(const struct map_model *m, char *err, size_t errlen)
{
	struct verr e = { err, errlen };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(checks) / sizeof(checks[0]); i++)
		rc = checks[i](m, &e);
	return rc;
}
