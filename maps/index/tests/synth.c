/*
 * synth: building the synthetic maps from road descriptions: pieces of
 * constant or linearly changing curvature (straights, arcs, clothoids)
 * integrated into a reference line, split into sections, each section a
 * lane per direction.
 */
#include "maps/index/tests/synth.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "maps/frame.h"
#include "runtime/err.h"

/* m between reference points: lanes get points every metre or a little
 * less (up to 0.98 m on the outside of the hairpin), as maps/gen makes them. */
#define REF_STEP    0.9
#define SUBSTEPS    20 /* integration steps between two of them */
#define SPEED_LIMIT (40.0 / 3.6)
#define A_LAT       2.0 /* m/s^2 a curve's advisory speed allows */
#define TILE_DX     1500.0
#define TILE_DY     600.0

/* Most of each record one tile has. */
#define TILE_ROADS   8
#define TILE_LANES   24
#define TILE_CONNS   24
#define TILE_CURVES  16
#define TILE_GRADES  16
#define TILE_STRUCTS 2
#define TILE_HAZARDS 1

struct piece {
	double len, k0, k1; /* curvature 1/m, positive left, k0 -> k1 linearly */
};

/* A stretch of a road that becomes a structure or hazard interval. */
struct span {
	double s0, s1; /* reference s */
};

struct road_spec {
	uint32_t id;
	const char *name;
	double x0, y0, h0_deg, z0, grade;
	double rise; /* > 0: grade set so the road is this much higher where it crosses itself */
	bool two_way;
	const struct piece *pieces;
	size_t n_pieces;
	const double *splits; /* section boundaries, reference s */
	size_t n_splits;
};

/* The reference line, every REF_STEP or a little less. */
struct ref {
	size_t n;
	double ds;
	double *x, *y, *z, *h, *k; /* h: heading in radians, clockwise from north */
};

struct sb {
	struct synth_map *sm;
	unsigned tile;
	double dx, dy;
};

/* The lanes of one road: lane[section][0 up, 1 down]. */
#define MAX_SECTIONS 4
struct road_lanes {
	size_t n_sections;
	size_t first[MAX_SECTIONS + 1]; /* reference index of each section's start */
	struct map_lane *lane[MAX_SECTIONS][2];
};

static double curvature_at(const struct road_spec *r, double s)
{
	double at = 0;

	for (size_t i = 0; i < r->n_pieces; i++) {
		const struct piece *p = &r->pieces[i];
		if (s <= at + p->len || i + 1 == r->n_pieces)
			return p->k0 + (p->k1 - p->k0) * fmin(1.0, fmax(0.0, (s - at) / p->len));
		at += p->len;
	}
	return 0;
}

static double road_length(const struct road_spec *r)
{
	double len = 0;

	for (size_t i = 0; i < r->n_pieces; i++)
		len += r->pieces[i].len;
	return len;
}

static int ref_alloc(struct sb *b, struct ref *ref, size_t n)
{
	struct v2x_arena *a = &b->sm->arena;

	ref->n = n;
	ref->x = v2x_arena_calloc(a, n, sizeof(double));
	ref->y = v2x_arena_calloc(a, n, sizeof(double));
	ref->z = v2x_arena_calloc(a, n, sizeof(double));
	ref->h = v2x_arena_calloc(a, n, sizeof(double));
	ref->k = v2x_arena_calloc(a, n, sizeof(double));
	return ref->x && ref->y && ref->z && ref->h && ref->k ? 0 : V2X_ENOMEM;
}

/* Integrates the heading (a left turn lowers it) and the position, with
 * the midpoint rule on SUBSTEPS steps between reference points. */
static void ref_integrate(const struct road_spec *r, struct ref *ref, double x, double y)
{
	double h = r->h0_deg * M_PI / 180.0, step = ref->ds / SUBSTEPS;

	for (size_t i = 0; i < ref->n; i++) {
		double s = (double)i * ref->ds;
		ref->x[i] = x;
		ref->y[i] = y;
		ref->h[i] = h;
		ref->k[i] = curvature_at(r, s);
		for (int j = 0; j < SUBSTEPS && i + 1 < ref->n; j++) {
			double k = curvature_at(r, s + (j + 0.5) * step), hm = h - 0.5 * k * step;
			x += sin(hm) * step;
			y += cos(hm) * step;
			h -= k * step;
		}
	}
}

/* Where segments p0-p1 and q0-q1 cross: the fraction along p, or -1. */
static double crossing(double p0x, double p0y, double p1x, double p1y, double q0x, double q0y,
                       double q1x, double q1y)
{
	double rx = p1x - p0x, ry = p1y - p0y, sx = q1x - q0x, sy = q1y - q0y;
	double den = rx * sy - ry * sx, t, u;

	if (den == 0)
		return -1;
	t = ((q0x - p0x) * sy - (q0y - p0y) * sx) / den;
	u = ((q0x - p0x) * ry - (q0y - p0y) * rx) / den;
	return t >= 0 && t < 1 && u >= 0 && u < 1 ? t : -1;
}

/* The reference s of the two passes where the line crosses itself. */
static bool self_crossing(const struct ref *ref, double *s_lo, double *s_hi)
{
	for (size_t i = 0; i + 1 < ref->n; i++)
		for (size_t j = i + 4; j + 1 < ref->n; j++) {
			double t = crossing(ref->x[i], ref->y[i], ref->x[i + 1], ref->y[i + 1],
			                    ref->x[j], ref->y[j], ref->x[j + 1], ref->y[j + 1]);
			double u = crossing(ref->x[j], ref->y[j], ref->x[j + 1], ref->y[j + 1],
			                    ref->x[i], ref->y[i], ref->x[i + 1], ref->y[i + 1]);
			if (t >= 0 && u >= 0) {
				*s_lo = ((double)i + t) * ref->ds;
				*s_hi = ((double)j + u) * ref->ds;
				return true;
			}
		}
	return false;
}

static int ref_build(struct sb *b, const struct road_spec *r, struct ref *ref)
{
	double len = road_length(r), grade = r->grade, s_lo, s_hi;
	size_t n = (size_t)ceil(len / REF_STEP) + 1;
	int rc = ref_alloc(b, ref, n);

	if (rc < 0)
		return rc;
	ref->ds = len / (double)(n - 1);
	ref_integrate(r, ref, r->x0 + b->dx, r->y0 + b->dy);
	if (r->rise > 0 && self_crossing(ref, &s_lo, &s_hi))
		grade = r->rise / (s_hi - s_lo);
	for (size_t i = 0; i < n; i++)
		ref->z[i] = r->z0 + grade * (double)i * ref->ds;
	return 0;
}

static uint32_t lane_id(const struct sb *b, const struct road_spec *r, size_t section, int dir)
{
	return b->tile * 1000 + r->id * 100 + (uint32_t)(section + 1) * 10 + (dir > 0 ? 1 : 2);
}

static double wrap_deg(double h)
{
	h = fmod(h, 360.0);
	return h < 0 ? h + 360.0 : h;
}

/*
 * One sample of a lane at reference point i.  Up lanes lie right of the
 * reference, down lanes left of it, so both are offset to the right of
 * their own travel by off; a lane offset o to the left of a line of
 * curvature k has curvature k / (1 - k o).
 */
static void lane_sample(const struct ref *ref, size_t i, int dir, double off, double grade,
                        struct map_sample *smp)
{
	double h = ref->h[i], k = dir * ref->k[i], side = dir > 0 ? -off : off;

	smp->x = ref->x[i] - cos(h) * side;
	smp->y = ref->y[i] + sin(h) * side;
	smp->z = ref->z[i];
	smp->heading_deg = wrap_deg(h * 180.0 / M_PI + (dir > 0 ? 0 : 180));
	smp->curvature = k / (1 + k * off);
	smp->grade = dir * grade;
	smp->superelevation = fabs(k) > 1.0 / 500 ? (k > 0 ? -0.06 : 0.06) : 0;
	smp->width_m = SYNTH_LANE_WIDTH;
	smp->speed_limit_mps = SPEED_LIMIT;
	smp->advisory_mps = NAN;
}

static struct map_lane *lane_build(struct sb *b, const struct road_spec *r, const struct ref *ref,
                                   size_t ia, size_t ib, size_t section, int dir)
{
	struct map_model *m = &b->sm->model;
	struct map_lane *l = &m->lanes[m->n_lanes];
	size_t n = ib - ia + 1;
	double off = r->two_way ? SYNTH_LANE_WIDTH / 2 : 0, grade = 0, s = 0;

	if (n > 1)
		grade = (ref->z[ib] - ref->z[ia]) / ((double)(ib - ia) * ref->ds);
	l->points = v2x_arena_calloc(&b->sm->arena, n, sizeof(*l->points));
	l->samples = v2x_arena_calloc(&b->sm->arena, n, sizeof(*l->samples));
	if (!l->points || !l->samples)
		return NULL;
	for (size_t j = 0; j < n; j++) {
		struct map_sample *smp = &l->samples[j];
		lane_sample(ref, dir > 0 ? ia + j : ib - j, dir, off, grade, smp);
		if (j > 0) {
			const struct map_sample *p = &l->samples[j - 1];
			s += sqrt((smp->x - p->x) * (smp->x - p->x) +
			          (smp->y - p->y) * (smp->y - p->y) +
			          (smp->z - p->z) * (smp->z - p->z));
		}
		smp->s = s;
		l->points[j] = (struct map_xyz){ smp->x, smp->y, smp->z };
	}
	*l = (struct map_lane){ lane_id(b, r, section, dir),
		                b->tile * 10 + r->id,
		                (int8_t)dir,
		                MAP_LANE_DRIVING,
		                SYNTH_LANE_WIDTH,
		                SPEED_LIMIT,
		                s,
		                n,
		                l->points,
		                n,
		                l->samples };
	m->n_lanes++;
	return l;
}

/* The lane's s at reference s (inside its section). */
static double lane_s(const struct road_lanes *rl, const struct ref *ref, size_t section, int dir,
                     double ref_s)
{
	const struct map_lane *l = rl->lane[section][dir > 0 ? 0 : 1];
	double f = ref_s / ref->ds - (double)rl->first[section];
	double j = dir > 0 ? f : (double)(rl->first[section + 1] - rl->first[section]) - f;
	size_t i = (size_t)fmax(0, fmin(floor(j), (double)l->n_samples - 2));
	double s = l->samples[i].s + (j - (double)i) * (l->samples[i + 1].s - l->samples[i].s);

	/* A section boundary rounded to a reference point may cut a curve
	 * by a fraction of a step. */
	return fmax(0, fmin(s, l->length_m));
}

static void connect(struct map_model *m, uint32_t from, uint32_t to, uint8_t maneuver,
                    int32_t signal_group, uint32_t intersection)
{
	m->connections[m->n_connections++] =
	        (struct map_connection){ from, to, maneuver, signal_group, intersection };
}

static int road_build(struct sb *b, const struct road_spec *r, struct ref *ref,
                      struct road_lanes *rl)
{
	struct map_model *m = &b->sm->model;
	int rc = ref_build(b, r, ref);

	if (rc < 0)
		return rc;
	rl->n_sections = r->n_splits + 1;
	rl->first[0] = 0;
	for (size_t i = 0; i < r->n_splits; i++)
		rl->first[i + 1] = (size_t)lround(r->splits[i] / ref->ds);
	rl->first[rl->n_sections] = ref->n - 1;
	for (size_t sec = 0; sec < rl->n_sections; sec++)
		for (int d = 0; d < (r->two_way ? 2 : 1); d++) {
			rl->lane[sec][d] = lane_build(b, r, ref, rl->first[sec], rl->first[sec + 1],
			                              sec, d ? -1 : 1);
			if (!rl->lane[sec][d])
				return V2X_ENOMEM;
		}
	for (size_t sec = 0; sec + 1 < rl->n_sections; sec++) {
		connect(m, rl->lane[sec][0]->id, rl->lane[sec + 1][0]->id, MAP_MANEUVER_STRAIGHT,
		        -1, 0);
		if (r->two_way)
			connect(m, rl->lane[sec + 1][1]->id, rl->lane[sec][1]->id,
			        MAP_MANEUVER_STRAIGHT, -1, 0);
	}
	m->roads[m->n_roads] =
	        (struct map_road){ .id = b->tile * 10 + r->id, .length_m = road_length(r) };
	snprintf(m->roads[m->n_roads].name, sizeof(m->roads[m->n_roads].name), "%s", r->name);
	m->n_roads++;
	return 0;
}

static size_t section_of(const struct road_lanes *rl, const struct ref *ref, double ref_s)
{
	size_t sec = 0;

	while (sec + 1 < rl->n_sections && ref_s > (double)rl->first[sec + 1] * ref->ds)
		sec++;
	return sec;
}

/* A curve of pieces first..last on one lane; down lanes meet it reversed. */
static void curve_add(struct sb *b, const struct road_lanes *rl, const struct ref *ref,
                      const double rs[4], double k_arc, double turn_rad, int dir)
{
	struct map_model *m = &b->sm->model;
	size_t sec = section_of(rl, ref, 0.5 * (rs[0] + rs[3]));
	struct map_lane *l = rl->lane[sec][dir > 0 ? 0 : 1];
	struct map_curve *c = &m->curves[m->n_curves];
	double s[4];

	for (int i = 0; i < 4; i++)
		s[i] = lane_s(rl, ref, sec, dir, rs[dir > 0 ? i : 3 - i]);
	*c = (struct map_curve){ b->tile * 100 + (uint32_t)m->n_curves + 1,
		                 l->id,
		                 s[0],
		                 s[3],
		                 s[1],
		                 s[2],
		                 1.0 / fabs(k_arc),
		                 (int8_t)((k_arc > 0) == (dir > 0) ? 1 : -1),
		                 fabs(turn_rad) > 150.0 * M_PI / 180.0,
		                 sqrt(A_LAT / fabs(k_arc)) };
	for (size_t j = 0; j < l->n_samples; j++)
		if (l->samples[j].s >= c->s0 && l->samples[j].s <= c->s1)
			l->samples[j].advisory_mps = c->advisory_mps;
	m->n_curves++;
}

/* Each run of curved pieces is a curve; its arc is where the curvature is
 * constant. */
static void curves_add(struct sb *b, const struct road_spec *r, const struct road_lanes *rl,
                       const struct ref *ref)
{
	double at = 0;

	for (size_t i = 0; i < r->n_pieces;) {
		double rs[4] = { at, at, at, at }, k_arc = 0, turn = 0;
		size_t j = i;
		for (; j < r->n_pieces && (r->pieces[j].k0 != 0 || r->pieces[j].k1 != 0); j++) {
			const struct piece *p = &r->pieces[j];
			if (p->k0 == p->k1 && k_arc == 0) {
				k_arc = p->k0;
				rs[1] = at;
				rs[2] = at + p->len;
			}
			turn += 0.5 * (p->k0 + p->k1) * p->len;
			at += p->len;
			rs[3] = at;
		}
		for (int d = 0; j > i && d < (r->two_way ? 2 : 1); d++)
			curve_add(b, rl, ref, rs, k_arc, turn, d ? -1 : 1);
		if (j == i)
			at += r->pieces[i].len;
		i = j > i ? j : i + 1;
	}
}

/* A grade section over the whole of every lane that climbs or falls. */
static void grades_add(struct sb *b, size_t first_lane)
{
	struct map_model *m = &b->sm->model;

	for (size_t i = first_lane; i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		if (l->samples[0].grade == 0)
			continue;
		m->grade_sections[m->n_grade_sections] =
		        (struct map_grade_section){ b->tile * 100 + (uint32_t)m->n_grade_sections +
			                                    1,
			                            l->id, 0, l->length_m, l->samples[0].grade };
		m->n_grade_sections++;
	}
}

/* The intervals of every lane of the road a stretch of it covers. */
static struct map_interval *intervals(struct sb *b, const struct road_lanes *rl,
                                      const struct ref *ref, struct span sp, bool two_way,
                                      size_t *n)
{
	struct map_interval *iv =
	        v2x_arena_calloc(&b->sm->arena, (size_t)2 * MAX_SECTIONS, sizeof(*iv));

	*n = 0;
	for (size_t sec = 0; iv && sec < rl->n_sections; sec++) {
		double a = fmax(sp.s0, (double)rl->first[sec] * ref->ds);
		double z = fmin(sp.s1, (double)rl->first[sec + 1] * ref->ds);
		if (a >= z)
			continue;
		for (int d = 0; d < (two_way ? 2 : 1); d++) {
			int dir = d ? -1 : 1;
			double sa = lane_s(rl, ref, sec, dir, a), sz = lane_s(rl, ref, sec, dir, z);
			iv[(*n)++] = (struct map_interval){ rl->lane[sec][d]->id, fmin(sa, sz),
				                            fmax(sa, sz) };
		}
	}
	return iv;
}

static int structure_add(struct sb *b, const struct road_lanes *rl, const struct ref *ref,
                         struct span sp, uint32_t id, uint8_t kind, const char *name)
{
	struct map_model *m = &b->sm->model;
	struct map_structure *st = &m->structures[m->n_structures];

	st->id = b->tile * 100 + id;
	st->kind = kind;
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->intervals = intervals(b, rl, ref, sp, true, &st->n_intervals);
	if (!st->intervals)
		return V2X_ENOMEM;
	m->n_structures++;
	return 0;
}

/* A quadrilateral around the road from reference s0 to s1, 6 m each side,
 * counter-clockwise. */
static int zone_polygon(struct sb *b, const struct ref *ref, struct span sp,
                        struct map_polygon *poly)
{
	size_t i0 = (size_t)lround(sp.s0 / ref->ds), i1 = (size_t)lround(sp.s1 / ref->ds);
	const size_t at[4] = { i0, i1, i1, i0 };
	const double side[4] = { -6, -6, 6, 6 };
	double area = 0;

	poly->v = v2x_arena_calloc(&b->sm->arena, 4, sizeof(*poly->v));
	if (!poly->v)
		return V2X_ENOMEM;
	poly->n = 4;
	for (int k = 0; k < 4; k++)
		poly->v[k] = (struct map_xy){ ref->x[at[k]] - cos(ref->h[at[k]]) * side[k],
			                      ref->y[at[k]] + sin(ref->h[at[k]]) * side[k] };
	for (int k = 0; k < 4; k++)
		area += poly->v[k].x * poly->v[(k + 1) % 4].y -
		        poly->v[(k + 1) % 4].x * poly->v[k].y;
	if (area < 0)
		for (int k = 0; k < 2; k++) {
			struct map_xy t = poly->v[k];
			poly->v[k] = poly->v[3 - k];
			poly->v[3 - k] = t;
		}
	return 0;
}

static const double hp_alpha = 0.4344; /* rad of each right bend: legs 15 m apart */

static int hairpin_road(struct sb *b)
{
	const double kb = -1.0 / 40, k = 1.0 / 20, arc_b = (hp_alpha - 10.0 / 40) * 40;
	const double arc_h = (M_PI + 2 * hp_alpha - 15.0 / 20) * 20;
	const struct piece pieces[] = {
		{ 140, 0, 0 },     { 10, 0, kb },   { arc_b, kb, kb }, { 10, kb, 0 }, { 5, 0, 0 },
		{ 15, 0, k },      { arc_h, k, k }, { 15, k, 0 },      { 5, 0, 0 },   { 10, 0, kb },
		{ arc_b, kb, kb }, { 10, kb, 0 },   { 150, 0, 0 },
	};
	const double splits[] = { 120, 310 };
	const struct road_spec r = { 1,
		                     "hairpin",
		                     0,
		                     0,
		                     0,
		                     300,
		                     0.08,
		                     0,
		                     true,
		                     pieces,
		                     sizeof(pieces) / sizeof(pieces[0]),
		                     splits,
		                     2 };
	struct map_model *m = &b->sm->model;
	struct road_lanes rl = { 0 };
	struct ref ref;
	struct map_hazard_zone *hz = &m->hazard_zones[m->n_hazard_zones];
	size_t first_lane = m->n_lanes;
	int rc = road_build(b, &r, &ref, &rl);

	if (rc < 0)
		return rc;
	curves_add(b, &r, &rl, &ref);
	grades_add(b, first_lane);
	rc = structure_add(b, &rl, &ref, (struct span){ 360, 420 }, SYNTH_TUNNEL_ID, MAP_TUNNEL,
	                   "Leg B tunnel");
	if (rc < 0)
		return rc;
	*hz = (struct map_hazard_zone){ .id = b->tile * 100 + SYNTH_ROCKFALL_ID,
		                        .kind = MAP_HAZARD_ROCKFALL,
		                        .event_type = 201 };
	snprintf(hz->name, sizeof(hz->name), "hairpin rock face");
	hz->intervals = intervals(b, &rl, &ref, (struct span){ 100, 150 }, true, &hz->n_intervals);
	m->n_hazard_zones++;
	if (!hz->intervals)
		return V2X_ENOMEM;
	return zone_polygon(b, &ref, (struct span){ 100, 150 }, &hz->area);
}

static int loop_road(struct sb *b)
{
	const struct piece pieces[] = { { 150, 0, 0 },
		                        { 1.5 * M_PI * 30, 1.0 / 30, 1.0 / 30 },
		                        { 130, 0, 0 } };
	const double splits[] = { 300 };
	const struct road_spec r = { 2,    "loop", 300, 0,      90, 260, 0, SYNTH_LOOP_RISE,
		                     true, pieces, 3,   splits, 1 };
	struct road_lanes rl = { 0 };
	struct ref ref;
	size_t first_lane = b->sm->model.n_lanes;
	int rc = road_build(b, &r, &ref, &rl);

	if (rc < 0)
		return rc;
	curves_add(b, &r, &rl, &ref);
	grades_add(b, first_lane);
	return structure_add(b, &rl, &ref, (struct span){ 296, 346 }, SYNTH_BRIDGE_ID, MAP_BRIDGE,
	                     "loop bridge");
}

/* A one-way road of the junction from (-400, 0) heading east. */
static int junction_leg(struct sb *b, uint32_t id, const struct piece *pieces, double split)
{
	const struct road_spec r = { id, "junction", -400,   0, 90,     250, 0,
		                     0,  false,      pieces, 2, &split, 1 };
	struct road_lanes rl = { 0 };
	struct ref ref;
	int rc = road_build(b, &r, &ref, &rl);

	if (rc == 0)
		curves_add(b, &r, &rl, &ref);
	return rc;
}

static void junction_records(struct sb *b)
{
	struct map_model *m = &b->sm->model;
	const struct map_lane *in = &m->lanes[m->n_lanes - 7];
	const struct map_sample *end = &in->samples[in->n_samples - 1];
	uint32_t t = b->tile * 1000, ix = b->tile * 100 + 1;

	m->intersections[m->n_intersections] = (struct map_intersection){
		.id = ix, .region = 1, .node_id = (uint16_t)ix, .ref = { end->x, end->y, end->z }
	};
	snprintf(m->intersections[m->n_intersections++].name, MAP_NAME_MAX, "valley junction");
	connect(m, t + SYNTH_JCT_IN, t + SYNTH_JCT_LEFT, MAP_MANEUVER_LEFT, 1, ix);
	connect(m, t + SYNTH_JCT_IN, t + SYNTH_JCT_STRAIGHT, MAP_MANEUVER_STRAIGHT, 2, ix);
	connect(m, t + SYNTH_JCT_IN, t + SYNTH_JCT_RIGHT, MAP_MANEUVER_RIGHT, -1, ix);
	m->stop_lines[m->n_stop_lines++] =
	        (struct map_stop_line){ b->tile * 100 + SYNTH_STOP_LINE_ID,
		                        in->id,
		                        in->length_m - 1,
		                        ix,
		                        2,
		                        { end->x - 1, end->y - 1.75, end->z },
		                        { end->x - 1, end->y + 1.75, end->z } };
}

static int junction(struct sb *b)
{
	const struct piece in[] = { { 100, 0, 0 } };
	const struct piece left[] = { { 15 * M_PI / 2, 1.0 / 15, 1.0 / 15 }, { 80, 0, 0 } };
	const struct piece straight[] = { { 30, 0, 0 }, { 80, 0, 0 } };
	const struct piece right[] = { { 10 * M_PI / 2, -0.1, -0.1 }, { 80, 0, 0 } };
	const struct road_spec approach = {
		3, "valley approach", -500, 0, 90, 250, 0, 0, false, in, 1, NULL, 0
	};
	struct road_lanes rl = { 0 };
	struct ref ref;
	int rc = road_build(b, &approach, &ref, &rl);

	if (rc == 0)
		rc = junction_leg(b, 4, left, left[0].len);
	if (rc == 0)
		rc = junction_leg(b, 5, straight, straight[0].len);
	if (rc == 0)
		rc = junction_leg(b, 6, right, right[0].len);
	if (rc == 0)
		junction_records(b);
	return rc;
}

static int tile_build(struct synth_map *sm, unsigned tile, unsigned tiles)
{
	unsigned per_row = (unsigned)ceil(sqrt((double)tiles));
	unsigned row = tile / per_row, col = tile % per_row;
	struct sb b = { sm, tile, (double)col * TILE_DX, (double)row * TILE_DY };
	int rc = hairpin_road(&b);

	if (rc == 0)
		rc = loop_road(&b);
	if (rc == 0)
		rc = junction(&b);
	return rc;
}

#define MODEL_ARRAY(field, n) \
	(m->field = v2x_arena_calloc(&sm->arena, (size_t)(n)*tiles, sizeof(*m->field)))

static int model_alloc(struct synth_map *sm, unsigned tiles)
{
	struct map_model *m = &sm->model;

	if (!MODEL_ARRAY(roads, TILE_ROADS) || !MODEL_ARRAY(lanes, TILE_LANES) ||
	    !MODEL_ARRAY(connections, TILE_CONNS) || !MODEL_ARRAY(intersections, 1) ||
	    !MODEL_ARRAY(stop_lines, 1) || !MODEL_ARRAY(structures, TILE_STRUCTS) ||
	    !MODEL_ARRAY(hazard_zones, TILE_HAZARDS) || !MODEL_ARRAY(curves, TILE_CURVES) ||
	    !MODEL_ARRAY(grade_sections, TILE_GRADES))
		return V2X_ENOMEM;
	return 0;
}

int synth_build(struct synth_map *sm, unsigned tiles)
{
	struct map_meta *meta = &sm->model.meta;
	int rc;

	memset(sm, 0, sizeof(*sm));
	v2x_arena_init(&sm->arena, 1u << 20, 0);
	snprintf(meta->name, sizeof(meta->name), "synthetic mountain roads x%u", tiles);
	map_frame_tmerc(29.55, 106.55, meta->proj, sizeof(meta->proj));
	snprintf(meta->height_datum, sizeof(meta->height_datum), "EPSG:4979 ellipsoidal");
	snprintf(meta->source, sizeof(meta->source), "maps/index/tests/synth.c");
	meta->origin_lat_deg = 29.55;
	meta->origin_lon_deg = 106.55;
	rc = model_alloc(sm, tiles);
	for (unsigned t = 0; rc == 0 && t < tiles; t++)
		rc = tile_build(sm, t, tiles);
	if (rc < 0)
		synth_fini(sm);
	return rc;
}

void synth_fini(struct synth_map *sm)
{
	v2x_arena_fini(&sm->arena);
	memset(sm, 0, sizeof(*sm));
}
