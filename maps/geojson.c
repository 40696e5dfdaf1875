#include "maps/geojson.h"

#include <math.h>
#include <stdio.h>

#include "runtime/err.h"

/* Points closer than this along a line are left out: a viewer needs no
 * more, and the file stays small. */
#define THIN_M 2.0

struct gj {
	struct map_frame *frame;
	json_t *features;
	char *err;
	size_t errlen;
	int failed;
};

static json_t *position(struct gj *g, double x, double y, double z)
{
	double lat, lon;

	if (map_frame_to_wgs84(g->frame, x, y, &lat, &lon) != 0) {
		if (!g->failed)
			snprintf(g->err, g->errlen, "cannot convert (%.1f, %.1f) to WGS84", x, y);
		g->failed = 1;
		return json_array();
	}
	/* 1e-8 degree is about a millimetre: enough, and a stable text. */
	return json_pack("[f, f, f]", round(lon * 1e8) / 1e8, round(lat * 1e8) / 1e8,
	                 round(z * 1000) / 1000);
}

static void add_feature(struct gj *g, const char *layer, json_t *geometry, json_t *props)
{
	json_object_set_new(props, "layer", json_string(layer));
	json_array_append_new(g->features, json_pack("{s:s, s:o, s:o}", "type", "Feature",
	                                             "geometry", geometry, "properties", props));
}

static json_t *geometry(const char *type, json_t *coordinates)
{
	return json_pack("{s:s, s:o}", "type", type, "coordinates", coordinates);
}

/* The samples of lane from s0 to s1 as coordinates, thinned. */
static json_t *lane_stretch(struct gj *g, const struct map_lane *lane, double s0, double s1)
{
	json_t *coords = json_array();
	double last = -INFINITY;

	for (size_t i = 0; i < lane->n_samples; i++) {
		const struct map_sample *p = &lane->samples[i];
		bool end = i + 1 == lane->n_samples || lane->samples[i + 1].s > s1;
		if (p->s < s0 || p->s > s1 || (p->s - last < THIN_M && !end))
			continue;
		json_array_append_new(coords, position(g, p->x, p->y, p->z));
		last = p->s;
	}
	return coords;
}

static void add_interval(struct gj *g, const struct map_model *m, const char *layer,
                         const struct map_interval *iv, json_t *props)
{
	const struct map_lane *lane = map_model_lane(m, iv->lane_id);

	if (!lane) {
		json_decref(props);
		return;
	}
	json_object_set_new(props, "lane", json_integer(iv->lane_id));
	json_object_set_new(props, "s0", json_real(iv->s0));
	json_object_set_new(props, "s1", json_real(iv->s1));
	add_feature(g, layer, geometry("LineString", lane_stretch(g, lane, iv->s0, iv->s1)), props);
}

static json_t *polygon(struct gj *g, const struct map_polygon *p, double z)
{
	json_t *ring = json_array();

	for (size_t i = 0; i <= p->n && p->n; i++)
		json_array_append_new(ring, position(g, p->v[i % p->n].x, p->v[i % p->n].y, z));
	return json_pack("[o]", ring);
}

static void lanes(struct gj *g, const struct map_model *m)
{
	for (size_t i = 0; i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		json_t *props =
		        json_pack("{s:i, s:i, s:i, s:f, s:f, s:f}", "id", (json_int_t)l->id, "road",
		                  (json_int_t)l->road_id, "direction", (json_int_t)l->direction,
		                  "width_m", l->width_m, "speed_limit_kmh",
		                  l->speed_limit_mps * 3.6, "length_m", l->length_m);
		add_feature(g, "lane", geometry("LineString", lane_stretch(g, l, 0, l->length_m)),
		            props);
	}
}

static void curves_and_grades(struct gj *g, const struct map_model *m)
{
	for (size_t i = 0; i < m->n_curves; i++) {
		const struct map_curve *c = &m->curves[i];
		struct map_interval iv = { c->lane_id, c->s0, c->s1 };
		add_interval(g, m, "curve", &iv,
		             json_pack("{s:i, s:f, s:s, s:b, s:f}", "id", (json_int_t)c->id,
		                       "radius_m", c->radius_m, "turn",
		                       c->turn > 0 ? "left" : "right", "hairpin", c->hairpin,
		                       "advisory_kmh", c->advisory_mps * 3.6));
	}
	for (size_t i = 0; i < m->n_grade_sections; i++) {
		const struct map_grade_section *s = &m->grade_sections[i];
		struct map_interval iv = { s->lane_id, s->s0, s->s1 };
		add_interval(g, m, "grade", &iv,
		             json_pack("{s:i, s:f}", "id", (json_int_t)s->id, "grade_pct",
		                       s->grade * 100));
	}
}

static void structures(struct gj *g, const struct map_model *m)
{
	for (size_t i = 0; i < m->n_structures; i++) {
		const struct map_structure *st = &m->structures[i];
		for (size_t k = 0; k < st->n_intervals; k++)
			add_interval(g, m, st->kind == MAP_TUNNEL ? "tunnel" : "bridge",
			             &st->intervals[k],
			             json_pack("{s:i, s:s}", "id", (json_int_t)st->id, "name",
			                       st->name));
	}
}

static void stop_lines(struct gj *g, const struct map_model *m)
{
	for (size_t i = 0; i < m->n_stop_lines; i++) {
		const struct map_stop_line *sl = &m->stop_lines[i];
		json_t *coords = json_pack("[o, o]", position(g, sl->a.x, sl->a.y, sl->a.z),
		                           position(g, sl->b.x, sl->b.y, sl->b.z));
		add_feature(g, "stop_line", geometry("LineString", coords),
		            json_pack("{s:i, s:i, s:f, s:i, s:i}", "id", (json_int_t)sl->id, "lane",
		                      (json_int_t)sl->lane_id, "s", sl->s, "intersection",
		                      (json_int_t)sl->intersection_id, "signal_group",
		                      (json_int_t)sl->signal_group));
	}
}

static void areas(struct gj *g, const struct map_model *m)
{
	for (size_t i = 0; i < m->n_obstructions; i++) {
		const struct map_obstruction *o = &m->obstructions[i];
		add_feature(g, "obstruction",
		            geometry("Polygon", polygon(g, &o->outline, o->z_top)),
		            json_pack("{s:i, s:s, s:f, s:f}", "id", (json_int_t)o->id, "name",
		                      o->name, "z_bottom", o->z_bottom, "z_top", o->z_top));
	}
	for (size_t i = 0; i < m->n_hazard_zones; i++) {
		const struct map_hazard_zone *h = &m->hazard_zones[i];
		double z = h->n_intervals ? NAN : 0;
		const struct map_lane *lane =
		        h->n_intervals ? map_model_lane(m, h->intervals[0].lane_id) : NULL;
		if (lane && lane->n_samples)
			z = lane->samples[0].z;
		add_feature(g, "hazard",
		            geometry("Polygon", polygon(g, &h->area, isnan(z) ? 0 : z)),
		            json_pack("{s:i, s:s, s:i, s:i}", "id", (json_int_t)h->id, "name",
		                      h->name, "kind", (json_int_t)h->kind, "event_type",
		                      (json_int_t)h->event_type));
	}
}

static void points(struct gj *g, const struct map_model *m)
{
	for (size_t i = 0; i < m->n_rsus; i++) {
		const struct map_rsu *r = &m->rsus[i];
		add_feature(g, "rsu", geometry("Point", position(g, r->pos.x, r->pos.y, r->pos.z)),
		            json_pack("{s:i, s:s, s:f, s:f}", "id", (json_int_t)r->id, "rsu_id",
		                      r->rsu_id, "mast_height_m", r->mast_height_m, "range_m",
		                      r->range_m));
	}
	for (size_t i = 0; i < m->n_intersections; i++) {
		const struct map_intersection *x = &m->intersections[i];
		add_feature(g, "intersection",
		            geometry("Point", position(g, x->ref.x, x->ref.y, x->ref.z)),
		            json_pack("{s:i, s:s, s:i, s:i}", "id", (json_int_t)x->id, "name",
		                      x->name, "region", (json_int_t)x->region, "node_id",
		                      (json_int_t)x->node_id));
	}
}

json_t *map_geojson(const struct map_model *m, struct map_frame *frame, char *err, size_t errlen)
{
	struct gj g = { frame, json_array(), err, errlen, 0 };
	json_t *fc;

	lanes(&g, m);
	curves_and_grades(&g, m);
	structures(&g, m);
	stop_lines(&g, m);
	areas(&g, m);
	points(&g, m);
	if (g.failed) {
		json_decref(g.features);
		return NULL;
	}
	fc = json_pack("{s:s, s:s, s:o}", "type", "FeatureCollection", "name", m->meta.name,
	               "features", g.features);
	if (!fc)
		snprintf(err, errlen, "out of memory");
	return fc;
}
