#include "maps/db/load.h"

#include <string.h>

#include "maps/db/info.h"
#include "maps/db/names.h"
#include "maps/db/pq.h"
#include "runtime/err.h"

struct load {
	struct map_db__ctx ctx;
	struct v2x_arena *arena; /* borrowed */
	struct map_model *m;     /* the caller's */
	char id[24];             /* the version, as the statements' parameter */
};

/*
 * One statement and what reads its rows.  The statements take the version
 * as $1 and return rows in the order the model keeps them: parents by id,
 * their children (points, samples, intervals) by parent id and position,
 * so that one pass hands each parent its rows.
 */
struct load_step {
	const char *what;
	const char *sql;
	int (*read)(struct load *ld, const PGresult *res);
};

#define WHERE_V " WHERE version_id = $1::bigint "

/* An arena list of n items; NULL for none.  Sets *rc to V2X_ENOMEM when full. */
static void *list_alloc(struct load *ld, size_t n, size_t size, int *rc)
{
	void *p;

	if (n == 0)
		return NULL;
	p = v2x_arena_calloc(ld->arena, n, size);
	if (!p)
		*rc = map_db__failf(&ld->ctx, V2X_ENOMEM,
		                    "loading map version %s: the arena is full (%zu items of %zu "
		                    "bytes)",
		                    ld->id, n, size);
	return p;
}

#define ALLOC_LIST(ld, ptr, n, rc) ((ptr) = list_alloc((ld), (n), sizeof(*(ptr)), (rc)))

/*
 * Takes the next n rows of a child statement, which must belong to parent
 * (column 0).  Returns the first of them, or -1 with the error in *rc: the
 * rows do not match the parents, which only a concurrent change could do.
 */
static int take_rows(struct load *ld, const PGresult *res, int *row, uint32_t parent, size_t n,
                     int *rc)
{
	int first = *row;

	if ((size_t)PQntuples(res) - (size_t)first < n ||
	    (n > 0 && (map_db__int(res, first, 0) != parent ||
	               map_db__int(res, first + (int)n - 1, 0) != parent))) {
		*rc = map_db__failf(&ld->ctx, V2X_EDB,
		                    "loading map version %s: the rows of item %u do not add up "
		                    "(was the version changed while it was read?)",
		                    ld->id, parent);
		return -1;
	}
	*row += (int)n;
	return first;
}

/* An enumeration's value from its text. */
static uint8_t value_of(struct load *ld, const struct map_db__names *e, const char *s, int *rc)
{
	int v = map_db__value(e, s);

	if (v < 0) {
		*rc = map_db__failf(&ld->ctx, V2X_EDB, "loading map version %s: unknown %s '%s'",
		                    ld->id, e->what, s);
		return 0;
	}
	return (uint8_t)v;
}

static int read_meta(struct load *ld, const PGresult *res)
{
	struct map_meta *meta = &ld->m->meta;

	if (PQntuples(res) != 1)
		return map_db__failf(&ld->ctx, V2X_ENOTFOUND,
		                     "there is no complete map version %s in the database (v2x-map "
		                     "info lists them)",
		                     ld->id);
	map_db__text(res, 0, 0, meta->name, sizeof(meta->name));
	map_db__text(res, 0, 1, meta->proj, sizeof(meta->proj));
	map_db__text(res, 0, 2, meta->height_datum, sizeof(meta->height_datum));
	map_db__text(res, 0, 3, meta->source, sizeof(meta->source));
	meta->origin_lat_deg = map_db__dbl(res, 0, 4);
	meta->origin_lon_deg = map_db__dbl(res, 0, 5);
	return 0;
}

static int read_roads(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_roads = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->roads, m->n_roads, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_roads; i++) {
		struct map_road *r = &m->roads[i];
		r->id = (uint32_t)map_db__int(res, (int)i, 0);
		map_db__text(res, (int)i, 1, r->name, sizeof(r->name));
		r->length_m = map_db__dbl(res, (int)i, 2);
	}
	return rc;
}

/* Columns 7 and 8 give the counts of points and samples the next steps fill. */
static int read_lanes(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_lanes = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->lanes, m->n_lanes, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_lanes; i++) {
		struct map_lane *l = &m->lanes[i];
		int r = (int)i;
		l->id = (uint32_t)map_db__int(res, r, 0);
		l->road_id = (uint32_t)map_db__int(res, r, 1);
		l->direction = (int8_t)map_db__int(res, r, 2);
		l->type = value_of(ld, &map_db__lane_types, PQgetvalue(res, r, 3), &rc);
		l->width_m = map_db__dbl(res, r, 4);
		l->speed_limit_mps = map_db__dbl(res, r, 5);
		l->length_m = map_db__dbl(res, r, 6);
		l->n_points = (size_t)map_db__int(res, r, 7);
		l->n_samples = (size_t)map_db__int(res, r, 8);
		ALLOC_LIST(ld, l->points, l->n_points, &rc);
		ALLOC_LIST(ld, l->samples, l->n_samples, &rc);
	}
	return rc;
}

static void read_xyz(const PGresult *res, int row, int col, struct map_xyz *p)
{
	p->x = map_db__dbl(res, row, col);
	p->y = map_db__dbl(res, row, col + 1);
	p->z = map_db__dbl(res, row, col + 2);
}

static int read_lane_points(struct load *ld, const PGresult *res)
{
	int rc = 0, row = 0;

	for (size_t i = 0; rc == 0 && i < ld->m->n_lanes; i++) {
		struct map_lane *l = &ld->m->lanes[i];
		int first = take_rows(ld, res, &row, l->id, l->n_points, &rc);
		for (size_t k = 0; rc == 0 && k < l->n_points; k++)
			read_xyz(res, first + (int)k, 1, &l->points[k]);
	}
	return rc;
}

static void read_sample(const PGresult *res, int r, struct map_sample *p)
{
	double *const fields[] = { &p->s,           &p->x,
		                   &p->y,           &p->z,
		                   &p->heading_deg, &p->curvature,
		                   &p->grade,       &p->superelevation,
		                   &p->width_m,     &p->speed_limit_mps,
		                   &p->advisory_mps };

	for (size_t j = 0; j < sizeof(fields) / sizeof(fields[0]); j++)
		*fields[j] = map_db__dbl(res, r, (int)j + 1);
}

static int read_lane_samples(struct load *ld, const PGresult *res)
{
	int rc = 0, row = 0;

	for (size_t i = 0; rc == 0 && i < ld->m->n_lanes; i++) {
		struct map_lane *l = &ld->m->lanes[i];
		int first = take_rows(ld, res, &row, l->id, l->n_samples, &rc);
		for (size_t k = 0; rc == 0 && k < l->n_samples; k++)
			read_sample(res, first + (int)k, &l->samples[k]);
	}
	return rc;
}

/* A NULL signal group is -1, none. */
static int32_t signal_group(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? -1 : (int32_t)map_db__int(res, row, col);
}

static int read_connections(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_connections = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->connections, m->n_connections, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_connections; i++) {
		struct map_connection *c = &m->connections[i];
		int r = (int)i;
		c->from_lane = (uint32_t)map_db__int(res, r, 0);
		c->to_lane = (uint32_t)map_db__int(res, r, 1);
		c->maneuver = value_of(ld, &map_db__maneuvers, PQgetvalue(res, r, 2), &rc);
		c->signal_group = signal_group(res, r, 3);
		c->intersection_id = (uint32_t)map_db__int(res, r, 4);
	}
	return rc;
}

static int read_intersections(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_intersections = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->intersections, m->n_intersections, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_intersections; i++) {
		struct map_intersection *x = &m->intersections[i];
		int r = (int)i;
		x->id = (uint32_t)map_db__int(res, r, 0);
		map_db__text(res, r, 1, x->name, sizeof(x->name));
		x->region = (uint16_t)map_db__int(res, r, 2);
		x->node_id = (uint16_t)map_db__int(res, r, 3);
		read_xyz(res, r, 4, &x->ref);
	}
	return rc;
}

static int read_stop_lines(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_stop_lines = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->stop_lines, m->n_stop_lines, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_stop_lines; i++) {
		struct map_stop_line *l = &m->stop_lines[i];
		int r = (int)i;
		l->id = (uint32_t)map_db__int(res, r, 0);
		l->lane_id = (uint32_t)map_db__int(res, r, 1);
		l->s = map_db__dbl(res, r, 2);
		l->intersection_id = (uint32_t)map_db__int(res, r, 3);
		l->signal_group = signal_group(res, r, 4);
		read_xyz(res, r, 5, &l->a);
		read_xyz(res, r, 8, &l->b);
	}
	return rc;
}

static int read_structures(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_structures = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->structures, m->n_structures, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_structures; i++) {
		struct map_structure *s = &m->structures[i];
		int r = (int)i;
		s->id = (uint32_t)map_db__int(res, r, 0);
		s->kind = value_of(ld, &map_db__structure_kinds, PQgetvalue(res, r, 1), &rc);
		map_db__text(res, r, 2, s->name, sizeof(s->name));
		s->n_intervals = (size_t)map_db__int(res, r, 3);
		ALLOC_LIST(ld, s->intervals, s->n_intervals, &rc);
	}
	return rc;
}

/* The next n rows (owner, lane_id, s0, s1) into v. */
static int read_intervals(struct load *ld, const PGresult *res, int *row, uint32_t owner,
                          struct map_interval *v, size_t n)
{
	int rc = 0, first = take_rows(ld, res, row, owner, n, &rc);

	for (size_t k = 0; rc == 0 && k < n; k++) {
		int r = first + (int)k;
		v[k].lane_id = (uint32_t)map_db__int(res, r, 1);
		v[k].s0 = map_db__dbl(res, r, 2);
		v[k].s1 = map_db__dbl(res, r, 3);
	}
	return rc;
}

static int read_structure_intervals(struct load *ld, const PGresult *res)
{
	int rc = 0, row = 0;

	for (size_t i = 0; rc == 0 && i < ld->m->n_structures; i++) {
		struct map_structure *s = &ld->m->structures[i];
		rc = read_intervals(ld, res, &row, s->id, s->intervals, s->n_intervals);
	}
	return rc;
}

/* The next poly->n rows (owner, x, y) into poly, whose vertices are allocated here. */
static int read_ring(struct load *ld, const PGresult *res, int *row, uint32_t owner,
                     struct map_polygon *poly)
{
	int rc = 0, first = take_rows(ld, res, row, owner, poly->n, &rc);

	ALLOC_LIST(ld, poly->v, poly->n, &rc);
	for (size_t k = 0; rc == 0 && k < poly->n; k++) {
		poly->v[k].x = map_db__dbl(res, first + (int)k, 1);
		poly->v[k].y = map_db__dbl(res, first + (int)k, 2);
	}
	return rc;
}

static int read_obstructions(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_obstructions = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->obstructions, m->n_obstructions, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_obstructions; i++) {
		struct map_obstruction *o = &m->obstructions[i];
		int r = (int)i;
		o->id = (uint32_t)map_db__int(res, r, 0);
		map_db__text(res, r, 1, o->name, sizeof(o->name));
		o->z_bottom = map_db__dbl(res, r, 2);
		o->z_top = map_db__dbl(res, r, 3);
		o->outline.n = (size_t)map_db__int(res, r, 4);
	}
	return rc;
}

static int read_obstruction_rings(struct load *ld, const PGresult *res)
{
	int rc = 0, row = 0;

	for (size_t i = 0; rc == 0 && i < ld->m->n_obstructions; i++) {
		struct map_obstruction *o = &ld->m->obstructions[i];
		rc = read_ring(ld, res, &row, o->id, &o->outline);
	}
	return rc;
}

static int read_rsus(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_rsus = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->rsus, m->n_rsus, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_rsus; i++) {
		struct map_rsu *u = &m->rsus[i];
		int r = (int)i;
		u->id = (uint32_t)map_db__int(res, r, 0);
		map_db__text(res, r, 1, u->rsu_id, sizeof(u->rsu_id));
		read_xyz(res, r, 2, &u->pos);
		u->mast_height_m = map_db__dbl(res, r, 5);
		u->range_m = map_db__dbl(res, r, 6);
	}
	return rc;
}

static int read_hazard_zones(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_hazard_zones = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->hazard_zones, m->n_hazard_zones, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_hazard_zones; i++) {
		struct map_hazard_zone *h = &m->hazard_zones[i];
		int r = (int)i;
		h->id = (uint32_t)map_db__int(res, r, 0);
		h->kind = value_of(ld, &map_db__hazard_kinds, PQgetvalue(res, r, 1), &rc);
		map_db__text(res, r, 2, h->name, sizeof(h->name));
		h->event_type = (uint16_t)map_db__int(res, r, 3);
		h->area.n = (size_t)map_db__int(res, r, 4);
		h->n_intervals = (size_t)map_db__int(res, r, 5);
		ALLOC_LIST(ld, h->intervals, h->n_intervals, &rc);
	}
	return rc;
}

static int read_hazard_rings(struct load *ld, const PGresult *res)
{
	int rc = 0, row = 0;

	for (size_t i = 0; rc == 0 && i < ld->m->n_hazard_zones; i++) {
		struct map_hazard_zone *h = &ld->m->hazard_zones[i];
		rc = read_ring(ld, res, &row, h->id, &h->area);
	}
	return rc;
}

static int read_hazard_intervals(struct load *ld, const PGresult *res)
{
	int rc = 0, row = 0;

	for (size_t i = 0; rc == 0 && i < ld->m->n_hazard_zones; i++) {
		struct map_hazard_zone *h = &ld->m->hazard_zones[i];
		rc = read_intervals(ld, res, &row, h->id, h->intervals, h->n_intervals);
	}
	return rc;
}

static int read_curves(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_curves = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->curves, m->n_curves, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_curves; i++) {
		struct map_curve *c = &m->curves[i];
		int r = (int)i;
		c->id = (uint32_t)map_db__int(res, r, 0);
		c->lane_id = (uint32_t)map_db__int(res, r, 1);
		c->s0 = map_db__dbl(res, r, 2);
		c->s1 = map_db__dbl(res, r, 3);
		c->arc_s0 = map_db__dbl(res, r, 4);
		c->arc_s1 = map_db__dbl(res, r, 5);
		c->radius_m = map_db__dbl(res, r, 6);
		c->turn = (int8_t)map_db__int(res, r, 7);
		c->hairpin = strcmp(PQgetvalue(res, r, 8), "t") == 0;
		c->advisory_mps = map_db__dbl(res, r, 9);
	}
	return rc;
}

static int read_grade_sections(struct load *ld, const PGresult *res)
{
	struct map_model *m = ld->m;
	int rc = 0;

	m->n_grade_sections = (size_t)PQntuples(res);
	ALLOC_LIST(ld, m->grade_sections, m->n_grade_sections, &rc);
	for (size_t i = 0; rc == 0 && i < m->n_grade_sections; i++) {
		struct map_grade_section *g = &m->grade_sections[i];
		int r = (int)i;
		g->id = (uint32_t)map_db__int(res, r, 0);
		g->lane_id = (uint32_t)map_db__int(res, r, 1);
		g->s0 = map_db__dbl(res, r, 2);
		g->s1 = map_db__dbl(res, r, 3);
		g->grade = map_db__dbl(res, r, 4);
	}
	return rc;
}

#define XYZ(g) "ST_X(" g "), ST_Y(" g "), ST_Z(" g ")"
#define COUNT(table, key, parent)                                                      \
	"(SELECT count(*) FROM v2x_map." table " c WHERE c.version_id = t.version_id " \
	"AND c." key " = t." parent ")"
#define RING_N(g) "ST_NPoints(ST_ExteriorRing(" g ")) - 1"
/* The vertices of a ring, without the closing repeat of the first. */
#define RING(table, g)                                                                   \
	"SELECT t.id, ST_X(p.geom), ST_Y(p.geom) FROM v2x_map." table " t, "             \
	"ST_DumpPoints(ST_ExteriorRing(t." g ")) p WHERE t.version_id = $1::bigint AND " \
	"p.path[1] < ST_NPoints(ST_ExteriorRing(t." g ")) ORDER BY t.id, p.path[1]"

static const struct load_step steps[] = {
	{ "reading map_version",
	  "SELECT name, projection, height_datum, source, origin_lat_deg, origin_lon_deg FROM "
	  "v2x_map.map_version WHERE id = $1::bigint AND loaded_at IS NOT NULL",
	  read_meta },
	{ "reading roads", "SELECT id, name, length_m FROM v2x_map.roads" WHERE_V "ORDER BY id",
	  read_roads },
	{ "reading lanes",
	  "SELECT id, road_id, direction, type, width_m, speed_limit_mps, length_m, "
	  "ST_NPoints(geom_local), " COUNT("lane_samples", "lane_id", "id") " FROM v2x_map.lanes "
	                                                                    "t" WHERE_V
	                                                                    "ORDER BY id",
	  read_lanes },
	{ "reading lane centre lines",
	  "SELECT t.id, ST_X(p.geom), ST_Y(p.geom), ST_Z(p.geom) FROM v2x_map.lanes t, "
	  "ST_DumpPoints(t.geom_local) p WHERE t.version_id = $1::bigint ORDER BY t.id, "
	  "p.path[1]",
	  read_lane_points },
	{ "reading lane_samples",
	  "SELECT lane_id, s, x, y, z, heading_deg, curvature, grade, superelevation, width_m, "
	  "speed_limit_mps, advisory_mps FROM v2x_map.lane_samples" WHERE_V "ORDER BY lane_id, s",
	  read_lane_samples },
	{ "reading lane_connections",
	  "SELECT from_lane, to_lane, maneuver, signal_group, intersection_id FROM "
	  "v2x_map.lane_connections" WHERE_V "ORDER BY from_lane, to_lane",
	  read_connections },
	{ "reading intersections",
	  "SELECT id, name, region, node_id, " XYZ(
	          "ref_local") " FROM v2x_map.intersections" WHERE_V "ORDER BY id",
	  read_intersections },
	{ "reading stop_lines",
	  "SELECT id, lane_id, s, intersection_id, signal_group, " XYZ(
	          "ST_StartPoint(geom_local)") ", " XYZ("ST_EndPoint(geom_local)") " FROM "
	                                                                           "v2x_map.stop_"
	                                                                           "lines" WHERE_V
	                                                                           "ORDER BY id",
	  read_stop_lines },
	{ "reading structures",
	  "SELECT id, kind, name, " COUNT("structure_intervals", "structure_id",
	                                  "id") " FROM v2x_map.structures t" WHERE_V "ORDER BY id",
	  read_structures },
	{ "reading structure_intervals",
	  "SELECT structure_id, lane_id, s0, s1 FROM v2x_map.structure_intervals" WHERE_V
	  "ORDER BY structure_id, seq",
	  read_structure_intervals },
	{ "reading obstructions",
	  "SELECT id, name, z_bottom, z_top, " RING_N(
	          "outline_local") " FROM "
	                           "v2x_map.obstructions" WHERE_V "ORDER BY id",
	  read_obstructions },
	{ "reading obstruction outlines", RING("obstructions", "outline_local"),
	  read_obstruction_rings },
	{ "reading rsus",
	  "SELECT id, rsu_id, " XYZ(
	          "pos_local") ", mast_height_m, range_m FROM v2x_map.rsus" WHERE_V "ORDER BY id",
	  read_rsus },
	{ "reading hazard_zones",
	  "SELECT id, kind, name, event_type, " RING_N("area_local") ", " COUNT(
	          "hazard_zone_intervals", "zone_id", "id") " FROM v2x_map.hazard_zones t" WHERE_V
	                                                    "ORDER BY id",
	  read_hazard_zones },
	{ "reading hazard zone areas", RING("hazard_zones", "area_local"), read_hazard_rings },
	{ "reading hazard_zone_intervals",
	  "SELECT zone_id, lane_id, s0, s1 FROM v2x_map.hazard_zone_intervals" WHERE_V
	  "ORDER BY zone_id, seq",
	  read_hazard_intervals },
	{ "reading curves",
	  "SELECT id, lane_id, s0, s1, arc_s0, arc_s1, radius_m, turn, hairpin, advisory_mps "
	  "FROM v2x_map.curves" WHERE_V "ORDER BY id",
	  read_curves },
	{ "reading grade_sections",
	  "SELECT id, lane_id, s0, s1, grade FROM v2x_map.grade_sections" WHERE_V "ORDER BY id",
	  read_grade_sections },
};

static int run_step(struct load *ld, const struct load_step *s)
{
	const char *params[] = { ld->id };
	PGresult *res;
	int rc = map_db__query(&ld->ctx, s->sql, 1, params, PGRES_TUPLES_OK, &res, s->what);

	if (rc)
		return rc;
	rc = s->read(ld, res);
	PQclear(res);
	return rc;
}

static int read_all(struct load *ld, int64_t version_id)
{
	int rc = 0;

	if (version_id == 0)
		rc = map_db_latest(ld->ctx.pg, &version_id, ld->ctx.err, ld->ctx.errlen);
	map_db__id_text(version_id, ld->id, sizeof(ld->id));
	for (size_t i = 0; rc == 0 && i < sizeof(steps) / sizeof(steps[0]); i++)
		rc = run_step(ld, &steps[i]);
	return rc;
}

int map_db_load(PGconn *pg, int64_t version_id, struct v2x_arena *arena, struct map_model *out,
                char *err, size_t errlen)
{
	struct load ld = { { pg, err, errlen }, arena, out, "" };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = map_db__idle(&ld.ctx, "loading the map");
	/* One snapshot for all the statements, so the parts agree. */
	if (rc == 0)
		rc = map_db__exec(&ld.ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		                  "BEGIN");
	if (rc)
		return rc;
	rc = read_all(&ld, version_id);
	if (rc == 0)
		rc = map_db__exec(&ld.ctx, "COMMIT", "COMMIT");
	if (rc) {
		map_db__rollback(&ld.ctx);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}
