/*
 * The ground truth document, section by section; the bridge crossings and
 * the tunnels' nearest curves are in truth_measure.c.
 */
#include "maps/gen/truth.h"

#include <math.h>
#include <stdio.h>

#include "maps/frame.h"
#include "maps/gen/ctx.h"
#include "maps/gen/lane.h"
#include "maps/gen/mapfile.h"
#include "maps/gen/truth_measure.h"
#include "runtime/err.h"

static const char *const maneuvers[] = { "", "straight", "left", "right", "uturn" };
static const char *const hazards[] = { "", "rockfall", "ice", "works", "fog", "landslide" };

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "";
}

/* ---- roads and curves ---------------------------------------------------- */

static json_t *lane_ids(const struct map_model *m, uint32_t road_id)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < m->n_lanes; i++)
		if (m->lanes[i].road_id == road_id)
			json_array_append_new(a, json_integer(m->lanes[i].id));
	return a;
}

static const struct map_lane *first_lane(const struct map_model *m, uint32_t road_id)
{
	for (size_t i = 0; i < m->n_lanes; i++)
		if (m->lanes[i].road_id == road_id && m->lanes[i].direction > 0)
			return &m->lanes[i];
	return NULL;
}

static json_t *roads(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_roads; i++) {
		const struct map_road *r = &t->m->roads[i];
		const struct map_lane *l = first_lane(t->m, r->id);
		mapgen_truth_add(t, a,
		                 json_pack("{s:I, s:s, s:o, s:o, s:o*, s:o*}", "id",
		                           (json_int_t)r->id, "name", r->name, "length_m",
		                           mapgen_truth_num(r->length_m, 3), "lanes",
		                           lane_ids(t->m, r->id), "start",
		                           l ? mapgen_truth_where_s(t, l, 0) : NULL, "end",
		                           l ? mapgen_truth_where_s(t, l, l->length_m) : NULL));
	}
	return a;
}

static json_t *curve(struct mapgen_truth *t, const struct map_curve *c)
{
	const struct map_lane *l = map_model_lane(t->m, c->lane_id);
	double mid = (c->arc_s0 + c->arc_s1) / 2;
	struct map_sample apex;

	mapgen_lane_at(l, mid, &apex);
	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:b, s:o, s:o, s:o, s:o}",
	                 "id", (json_int_t)c->id, "lane", (json_int_t)c->lane_id, "s0",
	                 mapgen_truth_num(c->s0, 3), "s1", mapgen_truth_num(c->s1, 3), "arc_s0",
	                 mapgen_truth_num(c->arc_s0, 3), "arc_s1", mapgen_truth_num(c->arc_s1, 3),
	                 "radius_m", mapgen_truth_num(c->radius_m, 3), "turn", (int)c->turn,
	                 "turn_deg", mapgen_truth_num(mapgen_truth_turn(l, c->s0, c->s1), 2),
	                 "hairpin", c->hairpin, "superelevation",
	                 mapgen_truth_num(apex.superelevation, 4), "advisory_mps",
	                 mapgen_truth_num(c->advisory_mps, 3), "advisory_kmh",
	                 mapgen_truth_num(c->advisory_mps * 3.6, 1), "apex",
	                 mapgen_truth_where_s(t, l, mid));
}

static json_t *curves(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_curves; i++)
		mapgen_truth_add(t, a, curve(t, &t->m->curves[i]));
	return a;
}

/* The hairpins (turns of more than 150 degrees, the spiral's loop
 * included) as a driver meets them going down: the hairpin curves of
 * lanes of direction +1, each with the opposite lane's curve there and
 * the rock face that hides it, if any. */
static json_t *hairpins(struct mapgen_truth *t)
{
	json_t *a = json_array();
	json_int_t k = 0;

	for (size_t i = 0; a && i < t->m->n_curves; i++) {
		const struct map_curve *c = &t->m->curves[i];
		const struct map_lane *l = map_model_lane(t->m, c->lane_id);
		const struct map_curve *o;
		if (!c->hairpin || l->direction < 0)
			continue;
		o = mapgen_truth_opposite(t, c);
		k++;
		mapgen_truth_add(
		        t, a,
		        json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:o*, s:o}", "index", k,
		                  "curve", (json_int_t)c->id, "lane", (json_int_t)c->lane_id,
		                  "radius_m", mapgen_truth_num(c->radius_m, 3), "turn_deg",
		                  mapgen_truth_num(mapgen_truth_turn(l, c->s0, c->s1), 2),
		                  "advisory_kmh", mapgen_truth_num(c->advisory_mps * 3.6, 1),
		                  "opposite_curve", (json_int_t)(o ? o->id : 0),
		                  "opposite_radius_m", o ? mapgen_truth_num(o->radius_m, 3) : NULL,
		                  "obstruction", mapgen_truth_hidden_by(t, c)));
	}
	return a;
}

/* ---- grades and widths --------------------------------------------------- */

static json_t *grade(struct mapgen_truth *t, const struct map_grade_section *g)
{
	const struct map_lane *l = map_model_lane(t->m, g->lane_id);

	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)g->id,
	                 "lane", (json_int_t)g->lane_id, "s0", mapgen_truth_num(g->s0, 3), "s1",
	                 mapgen_truth_num(g->s1, 3), "length_m", mapgen_truth_num(g->s1 - g->s0, 3),
	                 "grade", mapgen_truth_num(g->grade, 5), "from",
	                 mapgen_truth_where_s(t, l, g->s0), "to",
	                 mapgen_truth_where_s(t, l, g->s1));
}

/* min_grade 0 and min_len 0: every section. */
static json_t *grades(struct mapgen_truth *t, double min_grade, double min_len)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_grade_sections; i++) {
		const struct map_grade_section *g = &t->m->grade_sections[i];
		if (-g->grade >= min_grade && g->s1 - g->s0 >= min_len)
			mapgen_truth_add(t, a, grade(t, g));
	}
	return a;
}

/* Lanes narrower than 3.25 m (the open road's lanes are 3.25-3.75 m). */
static json_t *narrow(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_lanes; i++) {
		const struct map_lane *l = &t->m->lanes[i];
		double lo = INFINITY, hi = -INFINITY;
		if (l->width_m >= 3.25)
			continue;
		for (size_t k = 0; k < l->n_samples; k++) {
			lo = fmin(lo, l->samples[k].width_m);
			hi = fmax(hi, l->samples[k].width_m);
		}
		mapgen_truth_add(t, a,
		                 json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "lane",
		                           (json_int_t)l->id, "road", (json_int_t)l->road_id,
		                           "length_m", mapgen_truth_num(l->length_m, 3), "width_m",
		                           mapgen_truth_num(l->width_m, 3), "width_min_m",
		                           mapgen_truth_num(lo, 3), "width_max_m",
		                           mapgen_truth_num(hi, 3), "from",
		                           mapgen_truth_where_s(t, l, 0), "to",
		                           mapgen_truth_where_s(t, l, l->length_m)));
	}
	return a;
}

/* ---- structures ---------------------------------------------------------- */

static json_t *structures(struct mapgen_truth *t, uint8_t kind)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_structures; i++) {
		const struct map_structure *s = &t->m->structures[i];
		json_t *o;
		if (s->kind != kind)
			continue;
		o = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)s->id, "name", s->name,
		              "intervals",
		              mapgen_truth_intervals(t, s->intervals, s->n_intervals,
		                                     kind == MAP_TUNNEL));
		if (o && kind == MAP_BRIDGE)
			json_object_set_new(o, "crossings", mapgen_truth_crossings(t, s));
		mapgen_truth_add(t, a, o);
	}
	return a;
}

/* ---- junction ------------------------------------------------------------ */

static uint32_t successor(const struct map_model *m, uint32_t lane)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if (m->connections[i].from_lane == lane)
			return m->connections[i].to_lane;
	return 0;
}

static json_t *movements(struct mapgen_truth *t, uint32_t ix)
{
	const struct map_model *m = t->m;
	json_t *a = json_array();

	for (size_t i = 0; a && i < m->n_connections; i++) {
		const struct map_connection *c = &m->connections[i];
		if (c->intersection_id != ix || c->signal_group < 0)
			continue;
		mapgen_truth_add(t, a,
		                 json_pack("{s:I, s:I, s:I, s:s, s:i}", "from_lane",
		                           (json_int_t)c->from_lane, "via_lane",
		                           (json_int_t)c->to_lane, "to_lane",
		                           (json_int_t)successor(m, c->to_lane), "maneuver",
		                           name_of(maneuvers, 5, c->maneuver), "signal_group",
		                           (int)c->signal_group));
	}
	return a;
}

static json_t *stop_lines(struct mapgen_truth *t, uint32_t ix)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_stop_lines; i++) {
		const struct map_stop_line *s = &t->m->stop_lines[i];
		if (s->intersection_id != ix)
			continue;
		mapgen_truth_add(t, a,
		                 json_pack("{s:I, s:I, s:o, s:i, s:o}", "id", (json_int_t)s->id,
		                           "lane", (json_int_t)s->lane_id, "s",
		                           mapgen_truth_num(s->s, 3), "signal_group",
		                           (int)s->signal_group, "at",
		                           mapgen_truth_where(t, (s->a.x + s->b.x) / 2,
		                                              (s->a.y + s->b.y) / 2, s->a.z)));
	}
	return a;
}

static json_t *junctions(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_intersections; i++) {
		const struct map_intersection *x = &t->m->intersections[i];
		mapgen_truth_add(t, a,
		                 json_pack("{s:I, s:s, s:i, s:i, s:o, s:o, s:o}", "intersection",
		                           (json_int_t)x->id, "name", x->name, "region",
		                           (int)x->region, "node_id", (int)x->node_id, "ref",
		                           mapgen_truth_where(t, x->ref.x, x->ref.y, x->ref.z),
		                           "stop_lines", stop_lines(t, x->id), "movements",
		                           movements(t, x->id)));
	}
	return a;
}

/* ---- RSUs, hazards, obstructions ----------------------------------------- */

static json_t *rsus(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_rsus; i++) {
		const struct map_rsu *r = &t->m->rsus[i];
		mapgen_truth_add(t, a,
		                 json_pack("{s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)r->id,
		                           "rsu_id", r->rsu_id, "pos",
		                           mapgen_truth_where(t, r->pos.x, r->pos.y, r->pos.z),
		                           "mast_height_m", mapgen_truth_num(r->mast_height_m, 2),
		                           "range_m", mapgen_truth_num(r->range_m, 1)));
	}
	return a;
}

static json_t *hazard_zones(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_hazard_zones; i++) {
		const struct map_hazard_zone *h = &t->m->hazard_zones[i];
		mapgen_truth_add(
		        t, a,
		        json_pack("{s:I, s:s, s:s, s:i, s:o}", "id", (json_int_t)h->id, "kind",
		                  name_of(hazards, 6, h->kind), "name", h->name, "event_type",
		                  (int)h->event_type, "intervals",
		                  mapgen_truth_intervals(t, h->intervals, h->n_intervals, false)));
	}
	return a;
}

static json_t *obstructions(struct mapgen_truth *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->m->n_obstructions; i++) {
		const struct map_obstruction *o = &t->m->obstructions[i];
		double cx = 0, cy = 0;
		for (size_t k = 0; k < o->outline.n; k++) {
			cx += o->outline.v[k].x / (double)o->outline.n;
			cy += o->outline.v[k].y / (double)o->outline.n;
		}
		mapgen_truth_add(
		        t, a,
		        json_pack("{s:I, s:s, s:o, s:o, s:I, s:o}", "id", (json_int_t)o->id, "name",
		                  o->name, "z_bottom", mapgen_truth_num(o->z_bottom, 3), "z_top",
		                  mapgen_truth_num(o->z_top, 3), "vertices",
		                  (json_int_t)o->outline.n, "centroid",
		                  mapgen_truth_where(t, cx, cy, (o->z_bottom + o->z_top) / 2)));
	}
	return a;
}

/* ---- the document -------------------------------------------------------- */

static json_t *map_section(const struct map_meta *meta)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", meta->name, "source",
	                 meta->source, "proj", meta->proj, "height_datum", meta->height_datum,
	                 "origin_lat_deg", mapgen_truth_num(meta->origin_lat_deg, 9),
	                 "origin_lon_deg", mapgen_truth_num(meta->origin_lon_deg, 9));
}

/* Sections in the order the header lists them. */
static int fill(struct mapgen_truth *t, const struct mapgen_params *p, json_t *doc)
{
	struct {
		const char *key;
		json_t *v;
	} s[] = {
		{ "format", json_string("v2x-map-truth") },
		{ "version", json_integer(1) },
		{ "map", map_section(&t->m->meta) },
		{ "params", p ? mapgen__params_json(p) : json_null() },
		{ "summary", mapgen_truth_summary(t) },
		{ "roads", roads(t) },
		{ "curves", curves(t) },
		{ "hairpins", hairpins(t) },
		{ "grade_sections", grades(t, -INFINITY, 0) },
		{ "sustained_downgrades", grades(t, 0.06, 800) },
		{ "narrow_sections", narrow(t) },
		{ "tunnels", structures(t, MAP_TUNNEL) },
		{ "bridges", structures(t, MAP_BRIDGE) },
		{ "junctions", junctions(t) },
		{ "rsus", rsus(t) },
		{ "rsu_coverage", mapgen_truth_coverage(t) },
		{ "hazard_zones", hazard_zones(t) },
		{ "obstructions", obstructions(t) },
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (json_object_set_new(doc, s[i].key, s[i].v) != 0)
			rc = V2X_ENOMEM;
	return rc;
}

static int build_doc(const struct map_model *m, const struct mapgen_params *p, json_t **out,
                     char *err, size_t errlen)
{
	struct mapgen_truth t = { .m = m, .err = err, .errlen = errlen };
	json_t *doc = json_object();
	int rc;

	*out = NULL;
	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return V2X_ENOMEM;
	}
	if ((rc = map_frame_new(m->meta.proj, &t.frame, err, errlen)) != 0) {
		json_decref(doc);
		return rc;
	}
	if (fill(&t, p, doc) != 0)
		mapgen_truth_fail(&t, V2X_ENOMEM, "out of memory");
	map_frame_free(t.frame);
	if (t.rc) {
		json_decref(doc);
		return t.rc;
	}
	*out = doc;
	return 0;
}

json_t *mapgen_truth_json(const struct map_model *m, const struct mapgen_params *p, char *err,
                          size_t errlen)
{
	json_t *doc;

	build_doc(m, p, &doc, err, errlen);
	return doc;
}

int mapgen_truth_write(const struct map_model *m, const struct mapgen_params *p, const char *path,
                       char *err, size_t errlen)
{
	json_t *doc;
	int rc = build_doc(m, p, &doc, err, errlen);

	if (rc == 0)
		rc = map_file_dump(doc, path, err, errlen);
	json_decref(doc);
	return rc;
}
