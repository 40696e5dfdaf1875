#include "maps/db/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps/db/copy.h"
#include "maps/db/ewkb.h"
#include "maps/db/names.h"
#include "maps/db/pq.h"
#include "maps/frame.h"
#include "runtime/err.h"

struct store {
	struct map_db__ctx ctx;
	const struct map_model *m; /* borrowed */
	struct map_frame *frame;   /* the map's local frame, for WGS 84 */
	int64_t version;
	struct map_db__copy copy; /* the table being written */
};

/*
 * One table: its COPY statement, the count in the model of the items that
 * feed it (an offset into struct map_model), and a function writing the
 * rows of item i (one row, or one per interval of a structure or zone).
 */
struct store_table {
	const char *what;
	const char *sql;
	size_t n_offset;
	void (*rows)(struct store *st, size_t i);
};

#define COPY(table, columns) \
	"COPY v2x_map." table " (version_id, " columns ") FROM STDIN (FORMAT binary)"

#define INSERT_VERSION_SQL                                                                 \
	"INSERT INTO v2x_map.map_version (name, projection, height_datum, source, "        \
	"origin_lat_deg, origin_lon_deg) VALUES ($1, $2, $3, $4, $5::float8, $6::float8) " \
	"RETURNING id"

#define LOADED_SQL "UPDATE v2x_map.map_version SET loaded_at = clock_timestamp() WHERE id = $1"

/* A signal group of -1 (none) and an intersection id of 0 (none) are NULL. */
static void put_signal_group(struct map_db__copy *c, int32_t group)
{
	if (group < 0)
		map_db__copy_null(c);
	else
		map_db__copy_i32(c, group);
}

static void put_ref(struct map_db__copy *c, uint32_t id)
{
	if (id == 0)
		map_db__copy_null(c);
	else
		map_db__copy_i64(c, id);
}

static void put_name(struct map_db__copy *c, const struct map_db__names *e, int v)
{
	const char *name = map_db__name(e, v);

	/* The validator rejects unknown values; an empty text fails the CHECK. */
	map_db__copy_text(c, name ? name : "", 64);
}

static void road_rows(struct store *st, size_t i)
{
	const struct map_road *r = &st->m->roads[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, r->id);
	map_db__copy_text(c, r->name, sizeof(r->name));
	map_db__copy_f64(c, r->length_m);
}

static void lane_rows(struct store *st, size_t i)
{
	const struct map_lane *l = &st->m->lanes[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, l->id);
	map_db__copy_i64(c, l->road_id);
	map_db__copy_i16(c, l->direction);
	put_name(c, &map_db__lane_types, l->type);
	map_db__copy_f64(c, l->width_m);
	map_db__copy_f64(c, l->speed_limit_mps);
	map_db__copy_f64(c, l->length_m);
	map_db__ewkb_line(c, NULL, l->points, l->n_points);
	map_db__ewkb_line(c, st->frame, l->points, l->n_points);
}

static void sample_rows(struct store *st, size_t i)
{
	const struct map_lane *l = &st->m->lanes[i];
	struct map_db__copy *c = &st->copy;

	for (size_t k = 0; k < l->n_samples; k++) {
		const struct map_sample *p = &l->samples[k];
		const double v[] = { p->s,           p->x,
			             p->y,           p->z,
			             p->heading_deg, p->curvature,
			             p->grade,       p->superelevation,
			             p->width_m,     p->speed_limit_mps,
			             p->advisory_mps };
		map_db__copy_row(c, st->version);
		map_db__copy_i64(c, l->id);
		for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
			map_db__copy_f64(c, v[j]);
	}
}

static void intersection_rows(struct store *st, size_t i)
{
	const struct map_intersection *x = &st->m->intersections[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, x->id);
	map_db__copy_text(c, x->name, sizeof(x->name));
	map_db__copy_i32(c, x->region);
	map_db__copy_i32(c, x->node_id);
	map_db__ewkb_point(c, NULL, &x->ref);
	map_db__ewkb_point(c, st->frame, &x->ref);
}

static void connection_rows(struct store *st, size_t i)
{
	const struct map_connection *k = &st->m->connections[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, k->from_lane);
	map_db__copy_i64(c, k->to_lane);
	put_name(c, &map_db__maneuvers, k->maneuver);
	put_signal_group(c, k->signal_group);
	put_ref(c, k->intersection_id);
}

static void stop_line_rows(struct store *st, size_t i)
{
	const struct map_stop_line *l = &st->m->stop_lines[i];
	const struct map_xyz ends[2] = { l->a, l->b };
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, l->id);
	map_db__copy_i64(c, l->lane_id);
	map_db__copy_f64(c, l->s);
	put_ref(c, l->intersection_id);
	put_signal_group(c, l->signal_group);
	map_db__ewkb_line(c, NULL, ends, 2);
	map_db__ewkb_line(c, st->frame, ends, 2);
}

static void structure_rows(struct store *st, size_t i)
{
	const struct map_structure *s = &st->m->structures[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, s->id);
	put_name(c, &map_db__structure_kinds, s->kind);
	map_db__copy_text(c, s->name, sizeof(s->name));
}

/* The intervals of one structure or zone, numbered from 0 in their order. */
static void interval_rows(struct store *st, uint32_t owner, const struct map_interval *v, size_t n)
{
	struct map_db__copy *c = &st->copy;

	for (size_t k = 0; k < n; k++) {
		map_db__copy_row(c, st->version);
		map_db__copy_i64(c, owner);
		map_db__copy_i32(c, (int32_t)k);
		map_db__copy_i64(c, v[k].lane_id);
		map_db__copy_f64(c, v[k].s0);
		map_db__copy_f64(c, v[k].s1);
	}
}

static void structure_interval_rows(struct store *st, size_t i)
{
	const struct map_structure *s = &st->m->structures[i];

	interval_rows(st, s->id, s->intervals, s->n_intervals);
}

static void obstruction_rows(struct store *st, size_t i)
{
	const struct map_obstruction *o = &st->m->obstructions[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, o->id);
	map_db__copy_text(c, o->name, sizeof(o->name));
	map_db__copy_f64(c, o->z_bottom);
	map_db__copy_f64(c, o->z_top);
	map_db__ewkb_polygon(c, NULL, &o->outline);
	map_db__ewkb_polygon(c, st->frame, &o->outline);
}

static void rsu_rows(struct store *st, size_t i)
{
	const struct map_rsu *r = &st->m->rsus[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, r->id);
	map_db__copy_text(c, r->rsu_id, sizeof(r->rsu_id));
	map_db__ewkb_point(c, NULL, &r->pos);
	map_db__ewkb_point(c, st->frame, &r->pos);
	map_db__copy_f64(c, r->mast_height_m);
	map_db__copy_f64(c, r->range_m);
}

static void hazard_rows(struct store *st, size_t i)
{
	const struct map_hazard_zone *h = &st->m->hazard_zones[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, h->id);
	put_name(c, &map_db__hazard_kinds, h->kind);
	map_db__copy_text(c, h->name, sizeof(h->name));
	map_db__copy_i32(c, h->event_type);
	map_db__ewkb_polygon(c, NULL, &h->area);
	map_db__ewkb_polygon(c, st->frame, &h->area);
}

static void hazard_interval_rows(struct store *st, size_t i)
{
	const struct map_hazard_zone *h = &st->m->hazard_zones[i];

	interval_rows(st, h->id, h->intervals, h->n_intervals);
}

static void curve_rows(struct store *st, size_t i)
{
	const struct map_curve *k = &st->m->curves[i];
	const double v[] = { k->s0, k->s1, k->arc_s0, k->arc_s1, k->radius_m };
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, k->id);
	map_db__copy_i64(c, k->lane_id);
	for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
		map_db__copy_f64(c, v[j]);
	map_db__copy_i16(c, k->turn);
	map_db__copy_bool(c, k->hairpin);
	map_db__copy_f64(c, k->advisory_mps);
}

static void grade_rows(struct store *st, size_t i)
{
	const struct map_grade_section *g = &st->m->grade_sections[i];
	struct map_db__copy *c = &st->copy;

	map_db__copy_row(c, st->version);
	map_db__copy_i64(c, g->id);
	map_db__copy_i64(c, g->lane_id);
	map_db__copy_f64(c, g->s0);
	map_db__copy_f64(c, g->s1);
	map_db__copy_f64(c, g->grade);
}

#define N(field) offsetof(struct map_model, field)

/* In the order the foreign keys need. */
static const struct store_table tables[] = {
	{ "COPY roads", COPY("roads", "id, name, length_m"), N(n_roads), road_rows },
	{ "COPY lanes",
	  COPY("lanes", "id, road_id, direction, type, width_m, speed_limit_mps, length_m, "
	                "geom_local, geom_wgs84"),
	  N(n_lanes), lane_rows },
	{ "COPY lane_samples",
	  COPY("lane_samples", "lane_id, s, x, y, z, heading_deg, curvature, grade, "
	                       "superelevation, width_m, speed_limit_mps, advisory_mps"),
	  N(n_lanes), sample_rows },
	{ "COPY intersections",
	  COPY("intersections", "id, name, region, node_id, ref_local, ref_wgs84"),
	  N(n_intersections), intersection_rows },
	{ "COPY lane_connections",
	  COPY("lane_connections", "from_lane, to_lane, maneuver, signal_group, intersection_id"),
	  N(n_connections), connection_rows },
	{ "COPY stop_lines",
	  COPY("stop_lines", "id, lane_id, s, intersection_id, signal_group, geom_local, "
	                     "geom_wgs84"),
	  N(n_stop_lines), stop_line_rows },
	{ "COPY structures", COPY("structures", "id, kind, name"), N(n_structures),
	  structure_rows },
	{ "COPY structure_intervals",
	  COPY("structure_intervals", "structure_id, seq, lane_id, s0, s1"), N(n_structures),
	  structure_interval_rows },
	{ "COPY obstructions",
	  COPY("obstructions", "id, name, z_bottom, z_top, outline_local, outline_wgs84"),
	  N(n_obstructions), obstruction_rows },
	{ "COPY rsus", COPY("rsus", "id, rsu_id, pos_local, pos_wgs84, mast_height_m, range_m"),
	  N(n_rsus), rsu_rows },
	{ "COPY hazard_zones",
	  COPY("hazard_zones", "id, kind, name, event_type, area_local, area_wgs84"),
	  N(n_hazard_zones), hazard_rows },
	{ "COPY hazard_zone_intervals",
	  COPY("hazard_zone_intervals", "zone_id, seq, lane_id, s0, s1"), N(n_hazard_zones),
	  hazard_interval_rows },
	{ "COPY curves",
	  COPY("curves", "id, lane_id, s0, s1, arc_s0, arc_s1, radius_m, turn, hairpin, "
	                 "advisory_mps"),
	  N(n_curves), curve_rows },
	{ "COPY grade_sections", COPY("grade_sections", "id, lane_id, s0, s1, grade"),
	  N(n_grade_sections), grade_rows },
};

/* The columns of a COPY statement: one more than the commas of its list. */
static int count_columns(const char *sql)
{
	int n = 1;

	for (; *sql; sql++)
		n += *sql == ',';
	return n;
}

static int write_table(struct store *st, const struct store_table *t)
{
	size_t n = *(const size_t *)((const char *)st->m + t->n_offset);
	int rc;

	if (n == 0)
		return 0;
	rc = map_db__copy_begin(&st->copy, &st->ctx, t->sql, count_columns(t->sql), t->what);
	for (size_t i = 0; rc == 0 && i < n && st->copy.rc == 0; i++)
		t->rows(st, i);
	return map_db__copy_end(&st->copy);
}

static int insert_version(struct store *st)
{
	const struct map_meta *meta = &st->m->meta;
	char lat[32], lon[32];
	const char *params[] = {
		meta->name, meta->proj, meta->height_datum, meta->source, lat, lon
	};
	PGresult *res;
	int rc;

	snprintf(lat, sizeof(lat), "%.17g", meta->origin_lat_deg);
	snprintf(lon, sizeof(lon), "%.17g", meta->origin_lon_deg);
	rc = map_db__query(&st->ctx, INSERT_VERSION_SQL, 6, params, PGRES_TUPLES_OK, &res,
	                   "INSERT INTO v2x_map.map_version");
	if (rc)
		return rc;
	st->version = map_db__int(res, 0, 0);
	PQclear(res);
	return 0;
}

static int mark_loaded(struct store *st)
{
	char id[24];
	const char *params[] = { map_db__id_text(st->version, id, sizeof(id)) };
	PGresult *res;
	int rc = map_db__query(&st->ctx, LOADED_SQL, 1, params, PGRES_COMMAND_OK, &res,
	                       "marking the version loaded");

	PQclear(res);
	return rc;
}

/* Everything between BEGIN and COMMIT. */
static int write_all(struct store *st)
{
	int rc = insert_version(st);

	for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++)
		rc = write_table(st, &tables[i]);
	return rc ? rc : mark_loaded(st);
}

int map_db_store(PGconn *pg, const struct map_model *m, int64_t *version_id, char *err,
                 size_t errlen)
{
	/* The copy buffer makes this too big for the stack. */
	struct store *st = calloc(1, sizeof(*st));
	int rc;

	*version_id = 0;
	if (!st)
		return V2X_ENOMEM;
	st->ctx = (struct map_db__ctx){ pg, err, errlen };
	st->m = m;
	rc = map_model_validate(m, err, errlen);
	if (rc)
		goto out_free;
	rc = map_frame_new(m->meta.proj, &st->frame, err, errlen);
	if (rc)
		goto out_free;
	rc = map_db__idle(&st->ctx, "storing the map");
	if (rc == 0)
		rc = map_db__exec(&st->ctx, "BEGIN", "BEGIN");
	if (rc)
		goto out_frame;
	rc = write_all(st);
	if (rc == 0)
		rc = map_db__exec(&st->ctx, "COMMIT", "COMMIT");
	if (rc)
		map_db__rollback(&st->ctx);
	else
		*version_id = st->version;
out_frame:
	map_frame_free(st->frame);
out_free:
	free(st);
	return rc;
}
