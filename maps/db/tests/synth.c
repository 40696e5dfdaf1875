#include "maps/db/tests/synth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "maps/frame.h"
#include "runtime/err.h"

#define PI 3.14159265358979323846

#define ALLOC(a, p, n) ((p) = v2x_arena_calloc((a), (n), sizeof(*(p))))

static double seg_len(const struct map_xyz *a, const struct map_xyz *b)
{
	return hypot(b->x - a->x, b->y - a->y);
}

/* The profile sample at s on segment k (from a to b, starting at s0). */
static void sample_at(const struct map_lane *l, size_t k, double s0, double s, double curvature,
                      double advisory, struct map_sample *p)
{
	const struct map_xyz *a = &l->points[k], *b = &l->points[k + 1];
	double len = seg_len(a, b), t = len > 0 ? (s - s0) / len : 0, h;

	h = atan2(b->x - a->x, b->y - a->y) * 180 / PI;
	p->s = s;
	p->x = a->x + t * (b->x - a->x);
	p->y = a->y + t * (b->y - a->y);
	p->z = a->z + t * (b->z - a->z);
	p->heading_deg = h < 0 ? h + 360 : h;
	p->curvature = curvature;
	p->grade = (b->z - a->z) / len;
	p->superelevation = curvature > 0 ? 0.04 : curvature < 0 ? -0.04 : 0.02;
	p->width_m = l->width_m + (curvature != 0 ? 0.5 : 0);
	p->speed_limit_mps = l->speed_limit_mps;
	p->advisory_mps = advisory;
}

int synth_lane(struct v2x_arena *a, struct map_lane *l, const struct map_xyz *pts, size_t n,
               double curvature, double advisory)
{
	double len = 0, s0 = 0;
	size_t k = 0;

	if (!ALLOC(a, l->points, n))
		return V2X_ENOMEM;
	memcpy(l->points, pts, n * sizeof(*pts));
	l->n_points = n;
	for (size_t i = 0; i + 1 < n; i++)
		len += seg_len(&pts[i], &pts[i + 1]);
	l->length_m = len;
	/* A sample on every whole metre, and one at the end. */
	l->n_samples = (size_t)floor(len) + 1 + (floor(len) < len);
	if (!ALLOC(a, l->samples, l->n_samples))
		return V2X_ENOMEM;
	for (size_t i = 0; i < l->n_samples; i++) {
		double s = i + 1 == l->n_samples ? len : (double)i;
		while (k + 2 < n && s > s0 + seg_len(&pts[k], &pts[k + 1])) {
			s0 += seg_len(&pts[k], &pts[k + 1]);
			k++;
		}
		sample_at(l, k, s0, s, curvature, advisory, &l->samples[i]);
	}
	return 0;
}

/* n points of an arc around (cx, cy) from angle a0 to a1 (degrees, counter-clockwise from east). */
static void arc(struct map_xyz *p, size_t n, double cx, double cy, double r, double a0, double a1,
                double z0, double z1)
{
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / (double)(n - 1), ang = (a0 + t * (a1 - a0)) * PI / 180;
		p[i] = (struct map_xyz){ cx + r * cos(ang), cy + r * sin(ang), z0 + t * (z1 - z0) };
	}
}

/* n points of a straight line from a to b. */
static void line(struct map_xyz *p, size_t n, struct map_xyz a, struct map_xyz b)
{
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / (double)(n - 1);
		p[i] = (struct map_xyz){ a.x + t * (b.x - a.x), a.y + t * (b.y - a.y),
			                 a.z + t * (b.z - a.z) };
	}
}

static void meta(struct map_model *m, const char *name)
{
	snprintf(m->meta.name, sizeof(m->meta.name), "%s", name);
	map_frame_tmerc(29.56, 106.55, m->meta.proj, sizeof(m->meta.proj));
	snprintf(m->meta.height_datum, sizeof(m->meta.height_datum), "EPSG:4979 ellipsoidal");
	snprintf(m->meta.source, sizeof(m->meta.source), "maps/db/tests/synth.c");
	m->meta.origin_lat_deg = 29.56;
	m->meta.origin_lon_deg = 106.55;
}

static void lane_head(struct map_lane *l, uint32_t id, uint32_t road, int8_t dir)
{
	l->id = id;
	l->road_id = road;
	l->direction = dir;
	l->type = MAP_LANE_DRIVING;
	l->width_m = 3.5;
	l->speed_limit_mps = 16.7;
}

/*
 * Lanes 1 (east, 5 % up) and 2 (west) on road 1, 3 (left curve north from
 * 1's end) and 4 (right curve back into 2), and 5 on road 2, a bridge
 * heading north about 15 m above lanes 1 and 2.
 */
static int small_lanes(struct v2x_arena *a, struct map_model *m)
{
	struct map_xyz p[10];
	int rc;

	m->n_lanes = 5;
	if (!ALLOC(a, m->lanes, 5))
		return V2X_ENOMEM;
	for (uint32_t i = 0; i < 5; i++)
		lane_head(&m->lanes[i], i + 1, i == 4 ? 2 : 1, (int8_t)(i % 2 ? -1 : 1));
	line(p, 6, (struct map_xyz){ 0, 0, 300 }, (struct map_xyz){ 100, 0, 305 });
	rc = synth_lane(a, &m->lanes[0], p, 6, 0, NAN);
	line(p, 6, (struct map_xyz){ 100, 3.5, 305 }, (struct map_xyz){ 0, 3.5, 300 });
	rc = rc ? rc : synth_lane(a, &m->lanes[1], p, 6, 0, NAN);
	arc(p, 10, 100, 30, 30, -90, 0, 305, 306);
	rc = rc ? rc : synth_lane(a, &m->lanes[2], p, 10, 1 / 30.0, 11.1);
	arc(p, 10, 100, 30, 26.5, 0, -90, 306, 305);
	p[9] = (struct map_xyz){ 100, 3.5, 305 }; /* exactly lane 2's start */
	rc = rc ? rc : synth_lane(a, &m->lanes[3], p, 10, -1 / 26.5, 10.0);
	line(p, 5, (struct map_xyz){ 50, -50, 317 }, (struct map_xyz){ 50, 50, 317 });
	m->lanes[4].direction = 1;
	return rc ? rc : synth_lane(a, &m->lanes[4], p, 5, 0, NAN);
}

static int small_roads(struct v2x_arena *a, struct map_model *m)
{
	m->n_roads = 2;
	if (!ALLOC(a, m->roads, 2))
		return V2X_ENOMEM;
	m->roads[0] = (struct map_road){ .id = 1,
		                         .name = "Test road\tK12 (east-west)",
		                         .length_m = 147.1 };
	m->roads[1] = (struct map_road){ .id = 2, .name = "Gorge bridge road", .length_m = 100 };
	return 0;
}

static int small_junction(struct v2x_arena *a, struct map_model *m)
{
	const struct map_lane *l1 = &m->lanes[0];

	m->n_connections = 2;
	m->n_intersections = 1;
	m->n_stop_lines = 1;
	if (!ALLOC(a, m->connections, 2) || !ALLOC(a, m->intersections, 1) ||
	    !ALLOC(a, m->stop_lines, 1))
		return V2X_ENOMEM;
	m->connections[0] = (struct map_connection){ 1, 3, MAP_MANEUVER_LEFT, 2, 1 };
	m->connections[1] = (struct map_connection){ 4, 2, MAP_MANEUVER_STRAIGHT, -1, 0 };
	m->intersections[0] = (struct map_intersection){ .id = 1,
		                                         .name = "Valley junction",
		                                         .region = 1,
		                                         .node_id = 7,
		                                         .ref = { 100, 1.75, 305 } };
	m->stop_lines[0] = (struct map_stop_line){ .id = 1,
		                                   .lane_id = 1,
		                                   .s = l1->length_m - 2,
		                                   .intersection_id = 1,
		                                   .signal_group = 2,
		                                   .a = { 98, -1.75, 304.9 },
		                                   .b = { 98, 1.75, 304.9 } };
	return 0;
}

static int small_structures(struct v2x_arena *a, struct map_model *m)
{
	struct map_structure *s;

	m->n_structures = 2;
	if (!ALLOC(a, s, 2) || !ALLOC(a, s[0].intervals, 1) || !ALLOC(a, s[1].intervals, 2))
		return V2X_ENOMEM;
	m->structures = s;
	s[0] = (struct map_structure){ 1, MAP_BRIDGE, "Gorge bridge", 1, s[0].intervals };
	s[0].intervals[0] = (struct map_interval){ 5, 30, 70 };
	s[1] = (struct map_structure){ 2, MAP_TUNNEL, "Short tunnel", 2, s[1].intervals };
	s[1].intervals[0] = (struct map_interval){ 4, 10, 25 };
	s[1].intervals[1] = (struct map_interval){ 3, 5, 20 };
	return 0;
}

static int polygon(struct v2x_arena *a, struct map_polygon *p, double x0, double y0, double x1,
                   double y1)
{
	p->n = 4;
	if (!ALLOC(a, p->v, 4))
		return V2X_ENOMEM;
	p->v[0] = (struct map_xy){ x0, y0 };
	p->v[1] = (struct map_xy){ x1, y0 };
	p->v[2] = (struct map_xy){ x1, y1 };
	p->v[3] = (struct map_xy){ x0, y1 };
	return 0;
}

static int small_roadside(struct v2x_arena *a, struct map_model *m)
{
	m->n_obstructions = 1;
	m->n_rsus = 2;
	if (!ALLOC(a, m->obstructions, 1) || !ALLOC(a, m->rsus, 2))
		return V2X_ENOMEM;
	m->obstructions[0] = (struct map_obstruction){
		.id = 1, .name = "Rock face, inside of the bend", .z_bottom = 300, .z_top = 340
	};
	m->rsus[0] = (struct map_rsu){ 1, "RSU-CQ-001", { 90, -10, 312 }, 7, 400 };
	m->rsus[1] = (struct map_rsu){ 2, "RSU-CQ-002", { 60, 40, 320.5 }, 6.5, 350 };
	return polygon(a, &m->obstructions[0].outline, 105, 10, 115, 20);
}

static int small_hazards(struct v2x_arena *a, struct map_model *m)
{
	struct map_hazard_zone *h;

	m->n_hazard_zones = 1;
	if (!ALLOC(a, h, 1) || !ALLOC(a, h->intervals, 2))
		return V2X_ENOMEM;
	m->hazard_zones = h;
	h->id = 1;
	h->kind = MAP_HAZARD_ROCKFALL;
	snprintf(h->name, sizeof(h->name), "Rockfall slope K12+300");
	h->event_type = 8;
	h->n_intervals = 2;
	h->intervals[0] = (struct map_interval){ 1, 40, 80 };
	h->intervals[1] = (struct map_interval){ 2, 20, 60 };
	return polygon(a, &h->area, 40, -5, 80, 8);
}

static int small_design(struct v2x_arena *a, struct map_model *m)
{
	const struct map_lane *l = m->lanes;

	m->n_curves = 2;
	m->n_grade_sections = 2;
	if (!ALLOC(a, m->curves, 2) || !ALLOC(a, m->grade_sections, 2))
		return V2X_ENOMEM;
	m->curves[0] = (struct map_curve){ 1,  3, 0,     l[2].length_m, 2, l[2].length_m - 2,
		                           30, 1, false, 11.1 };
	m->curves[1] =
	        (struct map_curve){ 2, 4, 0, l[3].length_m, 0, l[3].length_m, 26.5, -1, true, NAN };
	m->grade_sections[0] = (struct map_grade_section){ 1, 1, 0, l[0].length_m, 0.05 };
	m->grade_sections[1] = (struct map_grade_section){ 2, 2, 0, l[1].length_m, -0.05 };
	return 0;
}

int synth_small(struct v2x_arena *a, struct map_model *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	meta(m, "synthetic small");
	if ((rc = small_roads(a, m)) || (rc = small_lanes(a, m)) || (rc = small_junction(a, m)) ||
	    (rc = small_structures(a, m)) || (rc = small_roadside(a, m)) ||
	    (rc = small_hazards(a, m)) || (rc = small_design(a, m)))
		return rc;
	return 0;
}

int synth_big(struct v2x_arena *a, size_t n_samples, struct map_model *m)
{
	size_t n = n_samples / 501 + 1;
	struct map_xyz p[51];
	int rc = 0;

	memset(m, 0, sizeof(*m));
	meta(m, "synthetic big");
	m->n_roads = n;
	m->n_lanes = n;
	if (!ALLOC(a, m->roads, n) || !ALLOC(a, m->lanes, n))
		return V2X_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		/* Every 10 m, climbing and falling a little, 20 m apart. */
		for (size_t k = 0; k < 51; k++)
			p[k] = (struct map_xyz){ (double)k * 10, (double)i * 20,
				                 300 + 3 * sin((double)k / 5) };
		m->roads[i] = (struct map_road){ .id = (uint32_t)i + 1, .length_m = 500 };
		snprintf(m->roads[i].name, sizeof(m->roads[i].name), "road %zu", i + 1);
		lane_head(&m->lanes[i], (uint32_t)i + 1, (uint32_t)i + 1, 1);
		rc = synth_lane(a, &m->lanes[i], p, 51, 0, NAN);
	}
	return rc;
}

double synth_uniform(uint64_t *state, double lo, double hi)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	/* The top 53 bits, as a fraction in [0, 1). */
	return lo + (hi - lo) * ((double)(z >> 11) / 9007199254740992.0);
}
