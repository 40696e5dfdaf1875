#include "maps/gen/feature.h"

#include <math.h>
#include <stdio.h>

#include "maps/gen/lane.h"
#include "maps/gen/layout.h"
#include "runtime/err.h"

#define DEG (M_PI / 180)

/* A turn of more than this is a hairpin (maps/model.h). */
#define HAIRPIN_DEG 150.0

/* Grade sections: at least this grade over at least this length. */
#define GRADE_MIN     0.01
#define GRADE_MIN_LEN 50.0

/* ---- curves -------------------------------------------------------------- */

static void s_range(const struct mapgen_lane_info *f, double u0, double u1, double *s0, double *s1)
{
	double a = mapgen_ctx_s_at(f, u0), b = mapgen_ctx_s_at(f, u1);

	*s0 = fmin(a, b);
	*s1 = fmax(a, b);
}

static void set_advisory(struct map_lane *lane, double s0, double s1, double v)
{
	for (size_t i = 0; i < lane->n_samples; i++)
		if (lane->samples[i].s >= s0 && lane->samples[i].s <= s1)
			lane->samples[i].advisory_mps = v;
}

static int add_curve(struct mapgen_ctx *c, const struct mapgen_lane_info *f,
                     const struct mapgen_curve_rec *r, uint32_t k)
{
	const struct mapgen_xsect *xs = &f->geom->xs;
	struct map_lane *lane = mapgen_ctx_lane(c, f->lane_id);
	int inside = r->angle > 0 ? 1 : -1;
	struct map_curve *cv;
	struct mapgen_xs mid;
	double e, radius;

	if (c->m->n_curves == MAPGEN_CURVES_MAX)
		return mapgen_ctx_fail(c, V2X_ERANGE, "too many curves");
	cv = &c->m->curves[c->m->n_curves++];
	/* The lane's offset towards the inside shortens its radius. */
	mapgen_xsect_at(xs, (r->arc_u0 + r->arc_u1) / 2, f->side, &mid);
	radius = r->radius - inside * mid.d;
	e = xs->plain ? 0 : mapgen_xsect_e(xs, r->radius);
	*cv = (struct map_curve){ .id = f->lane_id * 100 + k,
		                  .lane_id = f->lane_id,
		                  .radius_m = radius,
		                  .turn = (int8_t)(inside * f->side),
		                  .hairpin = fabs(r->angle) > HAIRPIN_DEG * DEG,
		                  .advisory_mps =
		                          fmin(lane->speed_limit_mps,
		                               sqrt(MAPGEN_G * radius * (e + c->p->friction))) };
	s_range(f, r->u0, r->u1, &cv->s0, &cv->s1);
	s_range(f, r->arc_u0, r->arc_u1, &cv->arc_s0, &cv->arc_s1);
	set_advisory(lane, cv->s0, cv->s1, cv->advisory_mps);
	return 0;
}

/* The lane's curves in its own direction of travel. */
static int lane_curves(struct mapgen_ctx *c, const struct mapgen_lane_info *f)
{
	const struct mapgen_align *a = &f->geom->align;
	uint32_t k = 0;

	for (size_t j = 0; j < a->n_curves; j++) {
		const struct mapgen_curve_rec *r =
		        &a->curves[f->side > 0 ? j : a->n_curves - 1 - j];
		if (r->u0 < f->u0 - 1e-6 || r->u1 > f->u1 + 1e-6)
			continue;
		if (add_curve(c, f, r, ++k) != 0)
			return c->rc;
	}
	return 0;
}

int mapgen_feature_curves(struct mapgen_ctx *c)
{
	for (size_t i = 0; i < c->n_info; i++)
		if (lane_curves(c, &c->info[i]) != 0)
			return c->rc;
	return 0;
}

/* ---- grade sections ------------------------------------------------------ */

static int add_grade(struct mapgen_ctx *c, const struct mapgen_lane_info *f, double u0, double u1,
                     uint32_t k)
{
	const struct map_lane *lane = mapgen_ctx_lane(c, f->lane_id);
	struct map_grade_section *gs;
	struct map_sample a, b;
	double s0, s1;

	s_range(f, u0, u1, &s0, &s1);
	if (c->m->n_grade_sections == MAPGEN_GRADES_MAX)
		return mapgen_ctx_fail(c, V2X_ERANGE, "too many grade sections");
	mapgen_lane_at(lane, s0, &a);
	mapgen_lane_at(lane, s1, &b);
	gs = &c->m->grade_sections[c->m->n_grade_sections++];
	*gs = (struct map_grade_section){ f->lane_id * 100 + k, f->lane_id, s0, s1,
		                          (b.z - a.z) / (s1 - s0) };
	return 0;
}

/* Constant grade lies between two knots of equal grade (vprof.h). */
static int lane_grades(struct mapgen_ctx *c, const struct mapgen_lane_info *f)
{
	const struct mapgen_vprof *vp = &f->geom->vp;
	uint32_t k = 0;

	for (size_t j = 0; j + 1 < vp->n_knots; j++) {
		size_t i = f->side > 0 ? j : vp->n_knots - 2 - j;
		double u0 = fmax(vp->ku[i], f->u0), u1 = fmin(vp->ku[i + 1], f->u1);
		if (vp->kg[i] != vp->kg[i + 1] || fabs(vp->kg[i]) < GRADE_MIN ||
		    u1 - u0 < GRADE_MIN_LEN)
			continue;
		if (add_grade(c, f, u0, u1, ++k) != 0)
			return c->rc;
	}
	return 0;
}

int mapgen_feature_grades(struct mapgen_ctx *c)
{
	for (size_t i = 0; i < c->n_info; i++)
		if (lane_grades(c, &c->info[i]) != 0)
			return c->rc;
	return 0;
}

/* ---- intervals on the main road ----------------------------------------- */

static void add_interval(struct mapgen_ctx *c, uint32_t lane_id, double u0, double u1,
                         struct map_interval *iv)
{
	const struct mapgen_lane_info *f = mapgen_ctx_info(c, lane_id);

	iv->lane_id = lane_id;
	s_range(f, u0, u1, &iv->s0, &iv->s1);
}

/* The intervals of [u0, u1] of the main road on the lanes that carry it
 * (both, or only the downhill one), clipped road by road. */
static int main_intervals(struct mapgen_ctx *c, double u0, double u1, bool both,
                          struct map_interval **out, size_t *n)
{
	struct map_interval *v =
	        v2x_arena_calloc(c->out, (size_t)2 * MAPGEN_MAIN_ROADS, sizeof(*v));

	if (!v)
		return mapgen_ctx_fail(c, V2X_ENOMEM, "out of memory");
	*out = v;
	*n = 0;
	for (int r = 0; r < MAPGEN_MAIN_ROADS; r++) {
		const struct mapgen_section *sec = &c->lay->roads[r];
		double a = fmax(u0, sec->u0), b = fmin(u1, sec->u1);
		if (b <= a)
			continue;
		add_interval(c, sec->road_id * 10 + 1, a, b, &v[(*n)++]);
		if (both)
			add_interval(c, sec->road_id * 10 + 2, a, b, &v[(*n)++]);
	}
	return 0;
}

int mapgen_feature_structures(struct mapgen_ctx *c)
{
	const struct mapgen_layout *L = c->lay;
	struct map_structure *t = &c->m->structures[0], *b = &c->m->structures[1];

	*t = (struct map_structure){ .id = 1, .kind = MAP_TUNNEL };
	*b = (struct map_structure){ .id = 2, .kind = MAP_BRIDGE };
	snprintf(t->name, sizeof(t->name), "Yunwu tunnel");
	snprintf(b->name, sizeof(b->name), "Panlong viaduct");
	c->m->n_structures = 2;
	if (main_intervals(c, L->tunnel_u0, L->tunnel_u1, true, &t->intervals, &t->n_intervals))
		return c->rc;
	return main_intervals(c, L->bridge_u0, L->bridge_u1, true, &b->intervals, &b->n_intervals);
}

/* ---- polygons ------------------------------------------------------------ */

/* The point at lateral offset d (+ left) from the main road's reference
 * line at u. */
static struct map_xy offset_point(const struct mapgen_geom *g, double u, double d)
{
	double x, y, phi;

	mapgen_ref_at(&g->ref, u, &x, &y, &phi);
	return (struct map_xy){ x - d * sin(phi), y + d * cos(phi) };
}

/* The inner edge of the road at u, beyond a shoulder. */
static double inner_edge(const struct mapgen_geom *g, double u, int inside, double shoulder)
{
	struct mapgen_xs xs;

	mapgen_xsect_at(&g->xs, u, -inside, &xs);
	return xs.d + inside * (xs.width / 2 + shoulder);
}

static struct map_xy *vertices(struct mapgen_ctx *c, size_t n)
{
	struct map_xy *v = v2x_arena_calloc(c->out, n, sizeof(*v));

	if (!v)
		mapgen_ctx_fail(c, V2X_ENOMEM, "out of memory");
	return v;
}

/* Heights of the reference line over [u0, u1] above sea level. */
static void z_range(const struct mapgen_geom *g, double u0, double u1, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int i = 0; i <= (int)(u1 - u0); i++) {
		double z = mapgen_vprof_z(&g->vp, u0 + i);
		*lo = fmin(*lo, z);
		*hi = fmax(*hi, z);
	}
}

/* Counter-clockwise: forwards along the edge of a left hairpin (the rock
 * is on the left), backwards along that of a right one. */
static int rock_face(struct mapgen_ctx *c, size_t k)
{
	const struct mapgen_geom *g = &c->lay->main;
	const struct mapgen_curve_rec *r = &g->align.curves[c->lay->hairpin[k]];
	struct map_obstruction *o = &c->m->obstructions[k];
	int inside = r->angle > 0 ? 1 : -1;
	double u0 = r->u0 - 25, u1 = r->u1 + 25, zlo, zhi;
	size_t n = (size_t)ceil((u1 - u0) / 2) + 1;

	o->id = (uint32_t)(k + 1);
	snprintf(o->name, sizeof(o->name), "Rock face, hairpin %zu", k + 1);
	if (!(o->outline.v = vertices(c, n)))
		return c->rc;
	o->outline.n = n;
	for (size_t i = 0; i < n; i++) {
		double t = (double)(inside > 0 ? i : n - 1 - i) / (double)(n - 1);
		double u = u0 + t * (u1 - u0);
		o->outline.v[i] = offset_point(g, u, inner_edge(g, u, inside, 1.5));
	}
	z_range(g, u0, u1, &zlo, &zhi);
	if (mapgen_ctx_ellipsoidal(c, o->outline.v[0].x, o->outline.v[0].y, zlo - 3, &o->z_bottom))
		return c->rc;
	return mapgen_ctx_ellipsoidal(c, o->outline.v[0].x, o->outline.v[0].y, zhi + 20, &o->z_top);
}

int mapgen_feature_obstructions(struct mapgen_ctx *c)
{
	for (size_t k = 0; k < c->lay->n_hairpins; k++)
		if (rock_face(c, k) != 0)
			return c->rc;
	c->m->n_obstructions = c->lay->n_hairpins;
	return 0;
}

/* ---- hazard zones -------------------------------------------------------- */

/* The road over [u0, u1] from d_right to d_left (+ left of the reference
 * line), counter-clockwise: forwards on the right, back on the left. */
static int band(struct mapgen_ctx *c, double u0, double u1, double d_left, double d_right,
                struct map_polygon *out)
{
	const struct mapgen_geom *g = &c->lay->main;
	size_t half = (size_t)ceil((u1 - u0) / 5) + 1;

	if (!(out->v = vertices(c, 2 * half)))
		return c->rc;
	out->n = 2 * half;
	for (size_t i = 0; i < half; i++) {
		double u = u0 + (u1 - u0) * (double)i / (double)(half - 1);
		out->v[i] = offset_point(g, u, d_right);
		out->v[2 * half - 1 - i] = offset_point(g, u, d_left);
	}
	return 0;
}

static int hazard(struct mapgen_ctx *c, size_t i, uint8_t kind, uint16_t event, const char *name,
                  double u0, double u1, bool both)
{
	struct map_hazard_zone *h = &c->m->hazard_zones[i];
	double w = c->p->lane_width_m + 1;

	*h = (struct map_hazard_zone){ .id = (uint32_t)(i + 1), .kind = kind, .event_type = event };
	snprintf(h->name, sizeof(h->name), "%s", name);
	if (band(c, u0, u1, both ? w : 0, -w, &h->area) != 0)
		return c->rc;
	return main_intervals(c, u0, u1, both, &h->intervals, &h->n_intervals);
}

int mapgen_feature_hazards(struct mapgen_ctx *c)
{
	const struct mapgen_layout *L = c->lay;

	if (hazard(c, 0, MAP_HAZARD_ROCKFALL, MAPGEN_EVENT_ROCKFALL, "Laoying cliff rockfall slope",
	           L->rockfall_u0, L->rockfall_u1, true) != 0 ||
	    hazard(c, 1, MAP_HAZARD_ICE, MAPGEN_EVENT_ICE, "Yunwu tunnel east portal ice",
	           L->ice_u0, L->ice_u1, true) != 0 ||
	    hazard(c, 2, MAP_HAZARD_WORKS, MAPGEN_EVENT_WORKS, "Long descent works zone",
	           L->works_u0, L->works_u1, false) != 0)
		return c->rc;
	c->m->n_hazard_zones = 3;
	return 0;
}
