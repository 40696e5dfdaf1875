#include "maps/gen/lane.h"

#include <math.h>

#include "runtime/err.h"

/* The lane at every fine point, in the lane's order. */
struct fine {
	size_t n;
	double *u, *x, *y, *z, *w, *sl, *s, *phi, *k, *g;
};

static int fine_alloc(struct mapgen_ctx *c, struct fine *f, size_t n)
{
	double **arrays[] = { &f->u,  &f->x, &f->y,   &f->z, &f->w,
		              &f->sl, &f->s, &f->phi, &f->k, &f->g };

	f->n = n;
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		if (!(*arrays[i] = mapgen_ctx_scratch(c, n, sizeof(double))))
			return V2X_ENOMEM;
	return 0;
}

/* The fine point at u, which must be one (road ends are element ends). */
static size_t point_at(const struct mapgen_ref *r, double u)
{
	size_t i = mapgen_ref_index(r, u);

	return i + 1 < r->n && fabs(r->u[i + 1] - u) < fabs(r->u[i] - u) ? i + 1 : i;
}

static void fine_points(const struct mapgen_geom *g, struct fine *f, size_t i0, int side)
{
	const struct mapgen_ref *r = &g->ref;

	for (size_t j = 0; j < f->n; j++) {
		size_t i = side > 0 ? i0 + j : i0 + f->n - 1 - j;
		struct mapgen_xs xs;
		mapgen_xsect_at(&g->xs, r->u[i], side, &xs);
		f->u[j] = r->u[i];
		f->x[j] = r->x[i] - xs.d * sin(r->phi[i]);
		f->y[j] = r->y[i] + xs.d * cos(r->phi[i]);
		f->w[j] = xs.width;
		f->sl[j] = xs.slope;
		f->z[j] = mapgen_vprof_z(&g->vp, r->u[i]) - xs.width / 2 * xs.slope;
	}
}

/* Heading by central differences, curvature as 1 / the radius of the
 * circle through each point and its two neighbours, grade by central
 * differences; the end points copy their neighbour. */
static void fine_derivatives(struct fine *f)
{
	size_t n = f->n;

	f->s[0] = 0;
	for (size_t i = 1; i < n; i++)
		f->s[i] = f->s[i - 1] + hypot(f->x[i] - f->x[i - 1], f->y[i] - f->y[i - 1]);
	for (size_t i = 0; i < n; i++) {
		size_t a = i ? i - 1 : 0, b = i + 1 < n ? i + 1 : n - 1;
		double ax = f->x[i] - f->x[a], ay = f->y[i] - f->y[a];
		double bx = f->x[b] - f->x[i], by = f->y[b] - f->y[i];
		double chord = hypot(f->x[b] - f->x[a], f->y[b] - f->y[a]);
		double den = hypot(ax, ay) * hypot(bx, by) * chord;
		f->phi[i] = atan2(f->y[b] - f->y[a], f->x[b] - f->x[a]);
		f->k[i] = den > 0 ? 2 * (ax * by - ay * bx) / den : 0;
		f->g[i] = (f->z[b] - f->z[a]) / (f->s[b] - f->s[a]);
	}
	f->k[0] = f->k[1];
	f->k[n - 1] = f->k[n - 2];
}

/* Samples at every whole metre and at the end; a remainder under 5 cm is
 * shared with the step before it rather than left as a sliver. */
static size_t sample_count(double len)
{
	double whole = floor(len), rem = len - whole;

	return rem < 1e-9 ? (size_t)whole + 1 : (size_t)whole + 2;
}

static double sample_s(size_t k, size_t n, double len)
{
	double whole = floor(len), rem = len - whole;

	if (k + 1 == n)
		return len;
	if (k + 2 == n && rem >= 1e-9 && rem < 0.05)
		return whole - 1 + (1 + rem) / 2;
	return (double)k;
}

static double lerp(const double *v, size_t j, double t)
{
	return v[j] + t * (v[j + 1] - v[j]);
}

/* Clockwise from grid north, in degrees [0, 360). */
static double heading_deg(double phi)
{
	double h = fmod(90 - phi * 180 / M_PI, 360);

	return h < 0 ? h + 360 : h;
}

static int resample_one(struct mapgen_ctx *c, const struct fine *f, size_t j, double s,
                        struct map_sample *out)
{
	double t = (s - f->s[j]) / (f->s[j + 1] - f->s[j]);
	double dphi = remainder(f->phi[j + 1] - f->phi[j], 2 * M_PI);

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	*out = (struct map_sample){
		.s = s,
		.x = lerp(f->x, j, t),
		.y = lerp(f->y, j, t),
		.heading_deg = heading_deg(f->phi[j] + t * dphi),
		.curvature = lerp(f->k, j, t),
		.grade = lerp(f->g, j, t),
		.superelevation = lerp(f->sl, j, t),
		.width_m = lerp(f->w, j, t),
		.advisory_mps = NAN,
	};
	return mapgen_ctx_ellipsoidal(c, out->x, out->y, lerp(f->z, j, t), &out->z);
}

static int resample(struct mapgen_ctx *c, const struct fine *f, struct map_lane *lane)
{
	double len = f->s[f->n - 1];
	size_t n = sample_count(len), j = 0;

	lane->samples = v2x_arena_calloc(c->out, n, sizeof(*lane->samples));
	lane->points = v2x_arena_calloc(c->out, n, sizeof(*lane->points));
	if (!lane->samples || !lane->points)
		return mapgen_ctx_fail(c, V2X_ENOMEM, "out of memory");
	lane->n_samples = lane->n_points = n;
	lane->length_m = len;
	for (size_t k = 0; k < n; k++) {
		double s = sample_s(k, n, len);
		while (j + 2 < f->n && f->s[j + 1] < s)
			j++;
		if (resample_one(c, f, j, s, &lane->samples[k]) != 0)
			return c->rc;
		lane->points[k] = (struct map_xyz){ lane->samples[k].x, lane->samples[k].y,
			                            lane->samples[k].z };
	}
	return 0;
}

static void keep_info(struct mapgen_ctx *c, const struct mapgen_geom *g, const struct fine *f,
                      uint32_t lane_id, int side)
{
	struct mapgen_lane_info *info = &c->info[c->n_info++];

	*info = (struct mapgen_lane_info){ .lane_id = lane_id,
		                           .geom = g,
		                           .side = side,
		                           .u0 = side > 0 ? f->u[0] : f->u[f->n - 1],
		                           .u1 = side > 0 ? f->u[f->n - 1] : f->u[0],
		                           .n = f->n,
		                           .u = f->u,
		                           .s = f->s,
		                           .z0_msl = f->z[0],
		                           .z1_msl = f->z[f->n - 1] };
}

int mapgen_lane_build(struct mapgen_ctx *c, const struct mapgen_geom *g, uint32_t lane_id,
                      uint32_t road_id, int side, double u0, double u1)
{
	size_t i0 = point_at(&g->ref, u0), i1 = point_at(&g->ref, u1);
	struct map_lane *lane;
	struct fine f;

	if (c->m->n_lanes == MAPGEN_LANES_MAX || i1 < i0 + 2)
		return mapgen_ctx_fail(c, V2X_ERANGE, "lane %u: no room, or shorter than 10 cm",
		                       lane_id);
	if (fine_alloc(c, &f, i1 - i0 + 1) != 0)
		return c->rc;
	fine_points(g, &f, i0, side);
	fine_derivatives(&f);
	lane = &c->m->lanes[c->m->n_lanes];
	*lane = (struct map_lane){ .id = lane_id,
		                   .road_id = road_id,
		                   .direction = (int8_t)side,
		                   .type = MAP_LANE_DRIVING,
		                   .width_m = mapgen_xsect_nominal(&g->xs, (u0 + u1) / 2) };
	if (resample(c, &f, lane) != 0)
		return c->rc;
	c->m->n_lanes++;
	keep_info(c, g, &f, lane_id, side);
	return 0;
}

void mapgen_lane_at(const struct map_lane *lane, double s, struct map_sample *out)
{
	const struct map_sample *v = lane->samples;
	size_t lo = 0, hi = lane->n_samples - 1;
	double t, dh;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].s <= s)
			lo = mid;
		else
			hi = mid;
	}
	t = (s - v[lo].s) / (v[hi].s - v[lo].s);
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	dh = remainder(v[hi].heading_deg - v[lo].heading_deg, 360);
	*out = (struct map_sample){
		.s = v[lo].s + t * (v[hi].s - v[lo].s),
		.x = v[lo].x + t * (v[hi].x - v[lo].x),
		.y = v[lo].y + t * (v[hi].y - v[lo].y),
		.z = v[lo].z + t * (v[hi].z - v[lo].z),
		.heading_deg = fmod(v[lo].heading_deg + t * dh + 360, 360),
		.curvature = v[lo].curvature + t * (v[hi].curvature - v[lo].curvature),
		.grade = v[lo].grade + t * (v[hi].grade - v[lo].grade),
		.superelevation =
		        v[lo].superelevation + t * (v[hi].superelevation - v[lo].superelevation),
		.width_m = v[lo].width_m + t * (v[hi].width_m - v[lo].width_m),
		.speed_limit_mps = v[lo].speed_limit_mps,
		.advisory_mps = v[lo].advisory_mps,
	};
}
