#include "maps/gen/truth_measure.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "maps/gen/lane.h"
#include "runtime/err.h"

#define CROSS_XY 15.0 /* m: a lane passing this close horizontally... */
#define CROSS_DZ 4.0  /* m: ...and this far below is under the bridge */

int mapgen_truth_fail(struct mapgen_truth *t, int rc, const char *fmt, ...)
{
	va_list ap;

	if (t->rc)
		return t->rc;
	t->rc = rc;
	va_start(ap, fmt);
	vsnprintf(t->err, t->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

void mapgen_truth_add(struct mapgen_truth *t, json_t *a, json_t *v)
{
	if (json_array_append_new(a, v) != 0)
		mapgen_truth_fail(t, V2X_ENOMEM, "out of memory");
}

json_t *mapgen_truth_num(double v, int decimals)
{
	double scale = pow(10, decimals);

	return isnan(v) ? json_null() : json_real(round(v * scale) / scale + 0.0);
}

/* The geoid's height above the ellipsoid at (lat, lon). */
static int undulation(struct mapgen_truth *t, double x, double y, double *lat, double *lon,
                      double *n)
{
	if (map_frame_to_wgs84(t->frame, x, y, lat, lon) == 0 &&
	    map_frame_msl_to_ellipsoidal(t->frame, *lat, *lon, 0, n) == 0)
		return 0;
	mapgen_truth_fail(t, V2X_ENOTFOUND,
	                  "(%.1f, %.1f) cannot be converted to WGS84 and sea level (is the "
	                  "Debian package proj-data installed?)",
	                  x, y);
	return V2X_ENOTFOUND;
}

json_t *mapgen_truth_where(struct mapgen_truth *t, double x, double y, double z)
{
	double lat, lon, n;

	if (undulation(t, x, y, &lat, &lon, &n) != 0)
		return NULL;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "x", mapgen_truth_num(x, 3), "y",
	                 mapgen_truth_num(y, 3), "z", mapgen_truth_num(z, 3), "lat_deg",
	                 mapgen_truth_num(lat, 7), "lon_deg", mapgen_truth_num(lon, 7), "h_msl",
	                 mapgen_truth_num(z - n, 2));
}

json_t *mapgen_truth_where_s(struct mapgen_truth *t, const struct map_lane *l, double s)
{
	struct map_sample p;

	mapgen_lane_at(l, s, &p);
	return mapgen_truth_where(t, p.x, p.y, p.z);
}

double mapgen_truth_turn(const struct map_lane *l, double s0, double s1)
{
	struct map_sample a, b;
	double prev, cw = 0;

	mapgen_lane_at(l, s0, &a);
	mapgen_lane_at(l, s1, &b);
	prev = a.heading_deg;
	for (size_t i = 0; i < l->n_samples; i++) {
		if (l->samples[i].s <= s0 || l->samples[i].s >= s1)
			continue;
		cw += remainder(l->samples[i].heading_deg - prev, 360);
		prev = l->samples[i].heading_deg;
	}
	cw += remainder(b.heading_deg - prev, 360);
	return -cw;
}

static void apex(const struct map_model *m, const struct map_curve *c, struct map_sample *out)
{
	mapgen_lane_at(map_model_lane(m, c->lane_id), (c->arc_s0 + c->arc_s1) / 2, out);
}

const struct map_curve *mapgen_truth_opposite(const struct mapgen_truth *t,
                                              const struct map_curve *c)
{
	const struct map_lane *l = map_model_lane(t->m, c->lane_id);
	const struct map_curve *best = NULL;
	double best_d = INFINITY;
	struct map_sample a, b;

	apex(t->m, c, &a);
	for (size_t i = 0; i < t->m->n_curves; i++) {
		const struct map_curve *o = &t->m->curves[i];
		const struct map_lane *ol = map_model_lane(t->m, o->lane_id);
		if (!o->hairpin || ol->road_id != l->road_id || ol->direction == l->direction)
			continue;
		apex(t->m, o, &b);
		if (hypot(a.x - b.x, a.y - b.y) < best_d) {
			best_d = hypot(a.x - b.x, a.y - b.y);
			best = o;
		}
	}
	return best;
}

/* Even-odd rule: a ray to +x crosses the outline an odd number of times. */
static bool inside(const struct map_polygon *p, double x, double y)
{
	bool in = false;

	for (size_t i = 0, j = p->n - 1; i < p->n; j = i++) {
		const struct map_xy *a = &p->v[i], *b = &p->v[j];
		if ((a->y > y) != (b->y > y) &&
		    x < a->x + (y - a->y) * (b->x - a->x) / (b->y - a->y))
			in = !in;
	}
	return in;
}

json_t *mapgen_truth_hidden_by(const struct mapgen_truth *t, const struct map_curve *c)
{
	struct map_sample a;
	double phi, cx, cy;

	apex(t->m, c, &a);
	phi = (90 - a.heading_deg) * M_PI / 180;
	cx = a.x - c->turn * c->radius_m * sin(phi);
	cy = a.y + c->turn * c->radius_m * cos(phi);
	for (size_t i = 0; i < t->m->n_obstructions; i++)
		if (t->m->obstructions[i].outline.n > 2 &&
		    inside(&t->m->obstructions[i].outline, cx, cy))
			return json_integer(t->m->obstructions[i].id);
	return json_null();
}

/* ---- intervals ----------------------------------------------------------- */

static json_t *nearest_curve(const struct map_model *m, const struct map_interval *iv)
{
	const struct map_curve *best = NULL;
	double best_gap = INFINITY;

	for (size_t i = 0; i < m->n_curves; i++) {
		const struct map_curve *c = &m->curves[i];
		double gap = fmax(0, fmax(c->s0 - iv->s1, iv->s0 - c->s1));
		if (c->lane_id == iv->lane_id && gap < best_gap) {
			best_gap = gap;
			best = c;
		}
	}
	if (!best)
		return json_null();
	return json_pack("{s:I, s:o}", "curve", (json_int_t)best->id, "gap_m",
	                 mapgen_truth_num(best_gap, 3));
}

json_t *mapgen_truth_intervals(struct mapgen_truth *t, const struct map_interval *iv, size_t n,
                               bool with_curve)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		const struct map_lane *l = map_model_lane(t->m, iv[i].lane_id);
		json_t *o = json_pack(
		        "{s:I, s:o, s:o, s:o, s:o, s:o}", "lane", (json_int_t)iv[i].lane_id, "s0",
		        mapgen_truth_num(iv[i].s0, 3), "s1", mapgen_truth_num(iv[i].s1, 3),
		        "length_m", mapgen_truth_num(iv[i].s1 - iv[i].s0, 3), "from",
		        mapgen_truth_where_s(t, l, iv[i].s0), "to",
		        mapgen_truth_where_s(t, l, iv[i].s1));
		if (o && with_curve &&
		    json_object_set_new(o, "nearest_curve", nearest_curve(t->m, &iv[i])) != 0)
			mapgen_truth_fail(t, V2X_ENOMEM, "out of memory");
		mapgen_truth_add(t, a, o);
	}
	return a;
}

/* ---- bridges ------------------------------------------------------------- */

struct pair {
	const struct map_sample *up, *low;
	double d;
};

/* The closest pair of samples, horizontally, of upper over [s0, s1] and
 * lower; d INFINITY when none is under the bridge. */
static struct pair closest(const struct map_lane *upper, double s0, double s1,
                           const struct map_lane *lower)
{
	struct pair best = { NULL, NULL, INFINITY };

	for (size_t i = 0; i < upper->n_samples; i++) {
		const struct map_sample *u = &upper->samples[i];
		if (u->s < s0 || u->s > s1)
			continue;
		for (size_t k = 0; k < lower->n_samples; k++) {
			const struct map_sample *w = &lower->samples[k];
			double d = hypot(u->x - w->x, u->y - w->y);
			if (d < best.d && d <= CROSS_XY && u->z - w->z >= CROSS_DZ)
				best = (struct pair){ u, w, d };
		}
	}
	return best;
}

static json_t *crossing(struct mapgen_truth *t, const struct map_lane *up,
                        const struct map_lane *low, const struct pair *p)
{
	return json_pack("{s:I, s:o, s:I, s:o, s:o, s:o, s:o}", "upper_lane", (json_int_t)up->id,
	                 "upper_s", mapgen_truth_num(p->up->s, 3), "lower_lane",
	                 (json_int_t)low->id, "lower_s", mapgen_truth_num(p->low->s, 3),
	                 "horizontal_gap_m", mapgen_truth_num(p->d, 3), "vertical_gap_m",
	                 mapgen_truth_num(p->up->z - p->low->z, 3), "at",
	                 mapgen_truth_where(t, p->low->x, p->low->y, p->low->z));
}

json_t *mapgen_truth_crossings(struct mapgen_truth *t, const struct map_structure *bridge)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < bridge->n_intervals; i++) {
		const struct map_interval *iv = &bridge->intervals[i];
		const struct map_lane *up = map_model_lane(t->m, iv->lane_id);
		for (size_t k = 0; k < t->m->n_lanes; k++) {
			const struct map_lane *low = &t->m->lanes[k];
			struct pair p;
			if (low->road_id == up->road_id)
				continue;
			p = closest(up, iv->s0, iv->s1, low);
			if (p.up)
				mapgen_truth_add(t, a, crossing(t, up, low, &p));
		}
	}
	return a;
}

/* ---- summary and coverage ------------------------------------------------ */

/* Sea-level heights of a lane's lowest and highest samples. */
static void lane_heights(struct mapgen_truth *t, const struct map_lane *l, double *lo, double *hi)
{
	const struct map_sample *a = &l->samples[0], *b = &l->samples[0];
	double lat, lon, n;

	for (size_t i = 1; i < l->n_samples; i++) {
		a = l->samples[i].z < a->z ? &l->samples[i] : a;
		b = l->samples[i].z > b->z ? &l->samples[i] : b;
	}
	if (undulation(t, a->x, a->y, &lat, &lon, &n) == 0)
		*lo = fmin(*lo, a->z - n);
	if (undulation(t, b->x, b->y, &lat, &lon, &n) == 0)
		*hi = fmax(*hi, b->z - n);
}

json_t *mapgen_truth_summary(struct mapgen_truth *t)
{
	const struct map_model *m = t->m;
	double lo = INFINITY, hi = -INFINITY, roads = 0, lanes = 0;

	for (size_t i = 0; i < m->n_roads; i++)
		roads += m->roads[i].length_m;
	for (size_t i = 0; i < m->n_lanes; i++) {
		lanes += m->lanes[i].length_m;
		lane_heights(t, &m->lanes[i], &lo, &hi);
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "roads",
	                 (json_int_t)m->n_roads, "lanes", (json_int_t)m->n_lanes, "connections",
	                 (json_int_t)m->n_connections, "curves", (json_int_t)m->n_curves, "rsus",
	                 (json_int_t)m->n_rsus, "hazard_zones", (json_int_t)m->n_hazard_zones,
	                 "road_length_m", mapgen_truth_num(roads, 3), "lane_length_m",
	                 mapgen_truth_num(lanes, 3), "height_msl_min", mapgen_truth_num(lo, 2),
	                 "height_msl_max", mapgen_truth_num(hi, 2));
}

/* Straight-line distance from the sample to the nearest RSU's antenna,
 * and whether that RSU reaches it. */
static double nearest_rsu(const struct map_model *m, const struct map_sample *s, bool *in_range)
{
	double best = INFINITY;

	*in_range = false;
	for (size_t i = 0; i < m->n_rsus; i++) {
		const struct map_rsu *r = &m->rsus[i];
		double d = sqrt(pow(r->pos.x - s->x, 2) + pow(r->pos.y - s->y, 2) +
		                pow(r->pos.z - s->z, 2));
		best = fmin(best, d);
		*in_range |= d <= r->range_m;
	}
	return best;
}

json_t *mapgen_truth_coverage(struct mapgen_truth *t)
{
	const struct map_model *m = t->m;
	double worst = 0;
	json_int_t n = 0, out = 0;

	for (size_t i = 0; i < m->n_lanes; i++) {
		for (size_t k = 0; k < m->lanes[i].n_samples; k++) {
			bool in_range;
			worst = fmax(worst, nearest_rsu(m, &m->lanes[i].samples[k], &in_range));
			n++;
			out += !in_range;
		}
	}
	return json_pack("{s:o, s:I, s:I}", "max_distance_m", mapgen_truth_num(worst, 3), "samples",
	                 n, "out_of_range", out);
}
