/*
 * mapgen: every feature the test field must have is there, with its
 * numbers in range, measured on the lanes' geometry and profile rather
 * than taken from the generator's own records where that can be done.
 */
#include <stdlib.h>
#include <string.h>

#include "maps/frame.h"
#include "maps/gen/tests/gentest.h"
#include "tests/check.h"

struct field {
	const struct mapgen_params *p;
	const struct map_model *m;
	struct map_frame *frame;
};

/* ---- hairpins ------------------------------------------------------------ */

static double max_abs_curvature(const struct map_lane *l, double s0, double s1)
{
	double k = 0;

	for (size_t i = 0; i < l->n_samples; i++)
		if (l->samples[i].s >= s0 && l->samples[i].s <= s1)
			k = fmax(k, fabs(l->samples[i].curvature));
	return k;
}

/* The centre of the arc at its middle, from the lane's own position,
 * heading and curvature. */
static void arc_centre(const struct map_lane *l, const struct map_curve *c, double *x, double *y)
{
	struct map_sample a;
	double phi;

	mapgen_lane_at(l, (c->arc_s0 + c->arc_s1) / 2, &a);
	phi = gentest_phi(&a);
	*x = a.x - sin(phi) / a.curvature;
	*y = a.y + cos(phi) / a.curvature;
}

static bool in_polygon(const struct map_polygon *p, double x, double y)
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

/* The rock face hides the hairpin: its outline holds the arc's centre and
 * its heights cover the road through the curve. */
static void check_rock_face(const struct field *f, const struct map_lane *l,
                            const struct map_curve *c)
{
	double cx, cy, zlo = INFINITY, zhi = -INFINITY;
	const struct map_obstruction *hit = NULL;

	arc_centre(l, c, &cx, &cy);
	for (size_t i = 0; i < f->m->n_obstructions; i++)
		if (in_polygon(&f->m->obstructions[i].outline, cx, cy))
			hit = &f->m->obstructions[i];
	if (!CHECK(hit != NULL)) {
		fprintf(stderr, "  no obstruction inside curve %u\n", c->id);
		return;
	}
	for (size_t i = 0; i < l->n_samples; i++) {
		if (l->samples[i].s < c->s0 || l->samples[i].s > c->s1)
			continue;
		zlo = fmin(zlo, l->samples[i].z);
		zhi = fmax(zhi, l->samples[i].z);
	}
	CHECK(hit->z_bottom < zlo && hit->z_top > zhi);
}

/* Measured: radius from the profile's curvature over the arc, turn from
 * the headings, clothoids with curvature growing from zero, widening,
 * superelevation banked into the curve. */
static void check_hairpin(const struct field *f, const struct map_lane *l,
                          const struct map_curve *c)
{
	double r = 1 / max_abs_curvature(l, c->arc_s0, c->arc_s1);
	double turn = gentest_turn_deg(l, c->s0, c->s1);
	struct map_sample in0, mid_in, apex;

	mapgen_lane_at(l, c->s0, &in0);
	mapgen_lane_at(l, (c->s0 + c->arc_s0) / 2, &mid_in);
	mapgen_lane_at(l, (c->arc_s0 + c->arc_s1) / 2, &apex);
	if (!CHECK(r >= 12 && r <= 30))
		fprintf(stderr, "  hairpin %u: radius %.2f m\n", c->id, r);
	CHECK_DBL_NEAR(r, c->radius_m, 0.01 * c->radius_m);
	CHECK(fabs(turn) > 170 && fabs(turn) < 190);
	CHECK_INT_EQ(turn > 0 ? 1 : -1, c->turn);
	CHECK(c->arc_s0 - c->s0 >= 15 && c->s1 - c->arc_s1 >= 15);
	CHECK(fabs(in0.curvature) < 0.1 / r);
	CHECK(fabs(mid_in.curvature) > 0.2 / r && fabs(mid_in.curvature) < 0.8 / r);
	CHECK(apex.width_m >= l->width_m + 0.5);
	CHECK(fabs(apex.superelevation) >= 0.04);
	CHECK(apex.superelevation * apex.curvature < 0);
	check_rock_face(f, l, c);
}

static void check_hairpins(const struct field *f)
{
	unsigned n_down = 0;

	for (size_t i = 0; i < f->m->n_curves; i++) {
		const struct map_curve *c = &f->m->curves[i];
		const struct map_lane *l = map_model_lane(f->m, c->lane_id);
		if (!c->hairpin || c->radius_m > 40)
			continue; /* the spiral's loop is a turn of 290 degrees too */
		check_hairpin(f, l, c);
		n_down += l->direction > 0;
	}
	CHECK(n_down >= 3);
	CHECK_UINT_EQ(n_down, f->p->n_hairpins);
}

/* ---- the sustained downgrade -------------------------------------------- */

/* The longest run of samples whose grade is 6-10 % downhill, with its mean
 * grade from the heights at its ends. */
static double longest_downgrade(const struct map_lane *l, double *mean)
{
	double best = 0;
	size_t start = 0;

	for (size_t i = 0; i <= l->n_samples; i++) {
		bool in = i < l->n_samples && l->samples[i].grade <= -0.06 &&
		          l->samples[i].grade >= -0.10;
		if (in)
			continue;
		if (i > start && l->samples[i - 1].s - l->samples[start].s > best) {
			best = l->samples[i - 1].s - l->samples[start].s;
			*mean = (l->samples[i - 1].z - l->samples[start].z) / best;
		}
		start = i + 1;
	}
	return best;
}

static void check_downgrade(const struct field *f)
{
	double best = 0, mean = 0;

	for (size_t i = 0; i < f->m->n_lanes; i++) {
		double g = 0, len = longest_downgrade(&f->m->lanes[i], &g);
		if (len > best) {
			best = len;
			mean = g;
		}
	}
	printf("  sustained downgrade: %.0f m at %.2f %%\n", best, mean * 100);
	CHECK(best >= 800);
	CHECK(mean <= -0.06 && mean >= -0.10);
}

/* ---- tunnel and bridge --------------------------------------------------- */

/* A sample curving tighter than 300 m within 150 m of s on the lane. */
static bool curve_near(const struct map_lane *l, double s)
{
	for (size_t i = 0; i < l->n_samples; i++)
		if (fabs(l->samples[i].s - s) <= 150 && fabs(l->samples[i].curvature) > 1 / 300.0)
			return true;
	return false;
}

static void check_tunnel(const struct field *f)
{
	int lanes = 0, dirs = 0, near = 0;

	for (size_t i = 0; i < f->m->n_structures; i++) {
		const struct map_structure *s = &f->m->structures[i];
		for (size_t k = 0; s->kind == MAP_TUNNEL && k < s->n_intervals; k++) {
			const struct map_interval *iv = &s->intervals[k];
			const struct map_lane *l = map_model_lane(f->m, iv->lane_id);
			CHECK(iv->s1 - iv->s0 >= 300);
			lanes++;
			dirs |= l->direction > 0 ? 1 : 2;
			near += curve_near(l, iv->s0) || curve_near(l, iv->s1);
		}
	}
	CHECK(lanes >= 2);
	CHECK_INT_EQ(dirs, 3);
	CHECK_INT_EQ(near, lanes);
}

struct pt {
	double x, y, z, s;
	uint32_t lane;
};

static int by_x(const void *a, const void *b)
{
	double d = ((const struct pt *)a)->x - ((const struct pt *)b)->x;

	return d < 0 ? -1 : d > 0;
}

static bool on_bridge(const struct map_model *m, uint32_t lane, double s)
{
	for (size_t i = 0; i < m->n_structures; i++)
		for (size_t k = 0; k < m->structures[i].n_intervals; k++) {
			const struct map_interval *iv = &m->structures[i].intervals[k];
			if (m->structures[i].kind == MAP_BRIDGE && iv->lane_id == lane &&
			    s >= iv->s0 && s <= iv->s1)
				return true;
		}
	return false;
}

static struct pt *all_points(const struct map_model *m, size_t *n)
{
	struct pt *v;

	*n = 0;
	for (size_t i = 0; i < m->n_lanes; i++)
		*n += m->lanes[i].n_samples;
	if (*n == 0 || !(v = malloc(*n * sizeof(*v))))
		return NULL;
	*n = 0;
	for (size_t i = 0; i < m->n_lanes; i++)
		for (size_t k = 0; k < m->lanes[i].n_samples; k++) {
			const struct map_sample *s = &m->lanes[i].samples[k];
			v[(*n)++] = (struct pt){ s->x, s->y, s->z, s->s, m->lanes[i].id };
		}
	qsort(v, *n, sizeof(*v), by_x);
	return v;
}

/* Every pair of lane samples within 15 m horizontally and 6 m or more
 * apart vertically: there must be some, and the upper one on a bridge. */
static void check_bridge(const struct field *f)
{
	size_t n, pairs = 0, bridged = 0;
	struct pt *v = all_points(f->m, &n);
	double best = INFINITY;

	if (!CHECK(v != NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n && v[j].x - v[i].x <= 15; j++) {
			const struct pt *up = v[i].z > v[j].z ? &v[i] : &v[j];
			const struct pt *low = up == &v[i] ? &v[j] : &v[i];
			double d = hypot(v[i].x - v[j].x, v[i].y - v[j].y);
			if (d > 15 || up->z - low->z < 6 || up->lane == low->lane)
				continue;
			pairs++;
			bridged += on_bridge(f->m, up->lane, up->s);
			best = fmin(best, d);
		}
	}
	printf("  over itself: %zu sample pairs, closest %.2f m apart horizontally\n", pairs, best);
	CHECK(pairs > 0);
	CHECK(best < 1.0);
	CHECK_UINT_EQ(bridged, pairs);
	free(v);
}

/* ---- narrow section ------------------------------------------------------ */

/* A two-way road whose lanes are 3.0-3.5 m wide over 300 m or more and
 * lie side by side, centre lines half the two widths apart: no median. */
static void check_narrow(const struct field *f)
{
	bool found = false;

	for (size_t i = 0; i < f->m->n_lanes && !found; i++) {
		const struct map_lane *a = &f->m->lanes[i], *b = NULL;
		double run = 0;
		if (a->direction < 0 || a->width_m > 3.25)
			continue;
		for (size_t k = 0; k < f->m->n_lanes; k++)
			if (f->m->lanes[k].road_id == a->road_id && f->m->lanes[k].direction < 0)
				b = &f->m->lanes[k];
		if (!CHECK(b != NULL))
			continue;
		for (size_t k = 1; k < a->n_samples; k++) {
			const struct map_sample *s = &a->samples[k];
			double gap = gentest_dist_to_lane(b, s->x, s->y);
			bool ok = s->width_m >= 3.0 && s->width_m <= 3.5 &&
			          fabs(gap - (s->width_m + b->width_m) / 2) < 0.3;
			run = ok ? run + s->s - a->samples[k - 1].s : 0;
			found |= run >= 300;
		}
	}
	CHECK(found);
}

/* ---- junction ------------------------------------------------------------ */

static const struct map_connection *successor(const struct map_model *m, uint32_t lane)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if (m->connections[i].from_lane == lane)
			return &m->connections[i];
	return NULL;
}

static size_t add_once(uint32_t *set, size_t n, size_t max, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return n;
	if (n < max)
		set[n++] = v;
	return n;
}

/* The stop line lies across its lane at s: its ends a lane width apart,
 * its middle on the centre line. */
static void check_stop_line(const struct map_model *m, const struct map_stop_line *sl)
{
	const struct map_lane *l = map_model_lane(m, sl->lane_id);
	struct map_sample at;

	if (!CHECK(l != NULL))
		return;
	mapgen_lane_at(l, sl->s, &at);
	CHECK_DBL_NEAR(hypot(sl->a.x - sl->b.x, sl->a.y - sl->b.y), at.width_m, 0.01);
	CHECK_DBL_NEAR((sl->a.x + sl->b.x) / 2, at.x, 0.01);
	CHECK_DBL_NEAR((sl->a.y + sl->b.y) / 2, at.y, 0.01);
	CHECK(l->length_m - sl->s < 5);
	CHECK(sl->signal_group >= 0);
}

/* From the stop-line lanes: straight, left and right movements, each
 * signalised, through a connector to lanes of at least two other roads;
 * and one approach comes downhill. */
static void check_junction(const struct field *f)
{
	const struct map_model *m = f->m;
	unsigned maneuvers = 0, stop_lines = 0, downhill = 0;
	uint32_t roads[8] = { 0 };
	size_t n_roads = 0;

	CHECK_UINT_EQ(m->n_intersections, 1);
	for (size_t i = 0; i < m->n_stop_lines; i++) {
		const struct map_stop_line *sl = &m->stop_lines[i];
		const struct map_lane *l = map_model_lane(m, sl->lane_id);
		struct map_sample back, at;
		check_stop_line(m, sl);
		stop_lines += sl->intersection_id == m->intersections[0].id;
		mapgen_lane_at(l, sl->s - 200, &back);
		mapgen_lane_at(l, sl->s, &at);
		downhill += (at.z - back.z) / (at.s - back.s) < -0.02 && at.s - back.s > 150;
	}
	CHECK(stop_lines >= 3);
	CHECK(downhill >= 1);
	for (size_t i = 0; i < m->n_connections; i++) {
		const struct map_connection *c = &m->connections[i], *next;
		const struct map_lane *to;
		if (c->signal_group < 0)
			continue;
		CHECK_UINT_EQ(c->intersection_id, m->intersections[0].id);
		maneuvers |= 1u << c->maneuver;
		if (!CHECK((next = successor(m, c->to_lane)) != NULL))
			continue;
		to = map_model_lane(m, next->to_lane);
		if (to->road_id != map_model_lane(m, c->from_lane)->road_id)
			n_roads = add_once(roads, n_roads, 8, to->road_id);
	}
	CHECK_UINT_EQ(maneuvers & 0xe, 0xe);
	CHECK(n_roads >= 2);
}

/* ---- RSUs, hazards ------------------------------------------------------- */

static void check_rsus(const struct field *f)
{
	size_t out = 0, n = 0;

	CHECK(f->m->n_rsus > 0);
	for (size_t i = 0; i < f->m->n_lanes; i++) {
		const struct map_lane *l = &f->m->lanes[i];
		for (size_t k = 0; k < l->n_samples; k++, n++) {
			bool reached = false;
			for (size_t r = 0; r < f->m->n_rsus && !reached; r++)
				reached = gentest_dist3(&f->m->rsus[r].pos, l->samples[k].x,
				                        l->samples[k].y, l->samples[k].z) <= 300;
			out += !reached;
		}
	}
	printf("  %zu RSUs; %zu of %zu samples beyond 300 m\n", f->m->n_rsus, out, n);
	CHECK_UINT_EQ(out, 0);
}

static double signed_area(const struct map_polygon *p)
{
	double a = 0;

	for (size_t i = 0, j = p->n - 1; i < p->n; j = i++)
		a += p->v[j].x * p->v[i].y - p->v[i].x * p->v[j].y;
	return a / 2;
}

static void check_hazard(const struct map_model *m, const struct map_hazard_zone *h)
{
	CHECK(h->name[0] != '\0');
	CHECK(h->area.n >= 3 && signed_area(&h->area) > 0);
	CHECK(h->n_intervals >= 1);
	for (size_t k = 0; k < h->n_intervals; k++) {
		const struct map_interval *iv = &h->intervals[k];
		const struct map_lane *l = map_model_lane(m, iv->lane_id);
		struct map_sample mid;
		if (!CHECK(l != NULL))
			continue;
		CHECK(iv->s0 >= 0 && iv->s0 < iv->s1 && iv->s1 <= l->length_m);
		mapgen_lane_at(l, (iv->s0 + iv->s1) / 2, &mid);
		CHECK(in_polygon(&h->area, mid.x, mid.y));
	}
}

static void check_hazards(const struct field *f)
{
	static const uint16_t events[] = { [MAP_HAZARD_ROCKFALL] = MAPGEN_EVENT_ROCKFALL,
		                           [MAP_HAZARD_ICE] = MAPGEN_EVENT_ICE,
		                           [MAP_HAZARD_WORKS] = MAPGEN_EVENT_WORKS };
	unsigned kinds = 0;

	for (size_t i = 0; i < f->m->n_hazard_zones; i++) {
		const struct map_hazard_zone *h = &f->m->hazard_zones[i];
		check_hazard(f->m, h);
		if (h->kind <= MAP_HAZARD_WORKS)
			CHECK_INT_EQ(h->event_type, events[h->kind]);
		kinds |= 1u << h->kind;
	}
	CHECK_UINT_EQ(kinds,
	              1u << MAP_HAZARD_ROCKFALL | 1u << MAP_HAZARD_ICE | 1u << MAP_HAZARD_WORKS);
}

/* ---- curves, grades, heights --------------------------------------------- */

/* v = sqrt(g R (e + f)), e the superelevation at the arc's middle (banked
 * into the curve), capped by the limit; carried by the curve's samples. */
static void check_curve(const struct field *f, const struct map_curve *c)
{
	const struct map_lane *l = map_model_lane(f->m, c->lane_id);
	struct map_sample apex;
	double v;

	mapgen_lane_at(l, (c->arc_s0 + c->arc_s1) / 2, &apex);
	v = sqrt(MAPGEN_G * c->radius_m * (fabs(apex.superelevation) + f->p->friction));
	CHECK_DBL_NEAR(c->advisory_mps, fmin(v, l->speed_limit_mps), 1e-3);
	CHECK_DBL_NEAR(1 / fabs(apex.curvature), c->radius_m, 0.01 * c->radius_m);
	for (size_t i = 0; i < l->n_samples; i++)
		if (l->samples[i].s >= c->s0 && l->samples[i].s <= c->s1)
			CHECK_DBL_NEAR(l->samples[i].advisory_mps, c->advisory_mps, 1e-9);
}

static bool in_a_curve(const struct map_model *m, uint32_t lane, double s)
{
	for (size_t i = 0; i < m->n_curves; i++)
		if (m->curves[i].lane_id == lane && s >= m->curves[i].s0 - 1 &&
		    s <= m->curves[i].s1 + 1)
			return true;
	return false;
}

/* Every curve has its record: no sample curves tighter than 500 m outside
 * one, and none outside one has an advisory speed. */
static void check_curves(const struct field *f)
{
	size_t stray = 0;

	for (size_t i = 0; i < f->m->n_curves; i++)
		check_curve(f, &f->m->curves[i]);
	for (size_t i = 0; i < f->m->n_lanes; i++) {
		const struct map_lane *l = &f->m->lanes[i];
		for (size_t k = 0; k < l->n_samples; k++)
			if (!in_a_curve(f->m, l->id, l->samples[k].s))
				stray += fabs(l->samples[k].curvature) > 0.002 ||
				         !isnan(l->samples[k].advisory_mps);
	}
	CHECK_UINT_EQ(stray, 0);
}

/* The lane's own grade varies along a section where it curves: through a
 * hairpin the inner lane is shorter than the outer one for the same
 * climb, so steeper, and cross slopes change in the transitions. */
static void check_grades(const struct field *f)
{
	for (size_t i = 0; i < f->m->n_grade_sections; i++) {
		const struct map_grade_section *g = &f->m->grade_sections[i];
		const struct map_lane *l = map_model_lane(f->m, g->lane_id);
		struct map_sample a, b;
		mapgen_lane_at(l, g->s0, &a);
		mapgen_lane_at(l, g->s1, &b);
		CHECK(g->s1 - g->s0 >= 50);
		CHECK_DBL_NEAR((b.z - a.z) / (b.s - a.s), g->grade, 1e-4);
		for (size_t k = 0; k < l->n_samples; k++)
			if (l->samples[k].s >= g->s0 && l->samples[k].s <= g->s1)
				CHECK_DBL_NEAR(l->samples[k].grade, g->grade,
				               0.006 + 0.3 * fabs(g->grade));
	}
}

/* 200-400 m above sea level everywhere, the frame where it should be. */
static void check_heights(const struct field *f)
{
	double lo = INFINITY, hi = -INFINITY, lat, lon, x0 = INFINITY, x1 = -INFINITY;
	char proj[256];

	for (size_t i = 0; i < f->m->n_lanes; i++)
		for (size_t k = 0; k < f->m->lanes[i].n_samples; k += 5) {
			const struct map_sample *s = &f->m->lanes[i].samples[k];
			double h = gentest_msl(f->frame, s->x, s->y, s->z);
			lo = fmin(lo, h);
			hi = fmax(hi, h);
			x0 = fmin(x0, s->x);
			x1 = fmax(x1, s->x);
		}
	printf("  heights %.1f-%.1f m above sea level\n", lo, hi);
	CHECK(lo >= 200 && hi <= 400);
	map_frame_tmerc(29.6, 106.5, proj, sizeof(proj));
	CHECK_STR_EQ(f->m->meta.proj, proj);
	CHECK(strstr(f->m->meta.height_datum, "EPSG:4979") != NULL);
	CHECK(fabs(x0 + x1) < 100);
	CHECK_INT_EQ(map_frame_to_wgs84(f->frame, (x0 + x1) / 2, 0, &lat, &lon), 0);
	CHECK(fabs(lat - 29.6) < 0.02 && fabs(lon - 106.5) < 0.02);
}

static void check_seed(uint64_t seed)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena a;
	struct map_model m;
	struct field f = { &p, &m, NULL };

	p.seed = seed;
	printf("seed %llu\n", (unsigned long long)seed);
	v2x_arena_init(&a, 1 << 20, 0);
	if (CHECK(gentest_build(&p, &a, &m) == 0) && CHECK((f.frame = gentest_frame(&m)) != NULL)) {
		check_hairpins(&f);
		check_downgrade(&f);
		check_tunnel(&f);
		check_bridge(&f);
		check_narrow(&f);
		check_junction(&f);
		check_rsus(&f);
		check_hazards(&f);
		check_curves(&f);
		check_grades(&f);
		check_heights(&f);
	}
	map_frame_free(f.frame);
	v2x_arena_fini(&a);
}

int main(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++)
		check_seed(seed);
	return check_exit();
}
