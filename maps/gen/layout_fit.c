/*
 * The layout's second half: the main road sampled, the spiral's crossing
 * found and its grade set, the height budget solved, the junction's arms
 * added, the network centred on the origin and checked.
 */
#include <math.h>
#include <stdio.h>

#include "maps/gen/layout.h"
#include "runtime/err.h"

#define DEG (M_PI / 180)

/* Heights the generator keeps to, above sea level, inside the 200-400 m
 * of the pilot zone's roads with a margin for the lanes' cross slopes. */
#define Z_MIN 202.0
#define Z_MAX 398.0

/* Two parts of the network closer than this horizontally must be at
 * least CLEAR_DZ apart in height (the viaduct over the exit straight). */
#define CLEAR_XY 20.0
#define CLEAR_DZ 6.0

static double rnd(struct mapgen_ctx *c, double lo, double hi)
{
	return mapgen_rng_uniform(&c->rng, lo, hi);
}

static int sample(struct mapgen_ctx *c, struct mapgen_geom *g)
{
	if (mapgen_align_sample(&g->align, MAPGEN_STEP, &c->scratch, &g->ref) != 0)
		return mapgen_ctx_fail(c, V2X_ENOMEM, "out of memory");
	return 0;
}

static double cross(double ax, double ay, double bx, double by)
{
	return ax * by - ay * bx;
}

/* The exit straight passes under the approach straight where the two
 * lines meet; the spiral's grade puts 8.5-10.5 m between the levels. */
static int spiral_crossing(struct mapgen_ctx *c, struct mapgen_layout *L)
{
	double ax, ay, ap, ex, ey, ep, den, ta, te;

	mapgen_ref_at(&L->main.ref, L->spiral_u0, &ax, &ay, &ap);
	mapgen_ref_at(&L->main.ref, L->exit_u0, &ex, &ey, &ep);
	den = cross(cos(ap), sin(ap), cos(ep), sin(ep));
	ta = cross(ex - ax, ey - ay, cos(ep), sin(ep)) / den;
	te = cross(ex - ax, ey - ay, cos(ap), sin(ap)) / den;
	if (!(ta > 30 && ta < L->loop_u0 - L->spiral_u0 - 10 && te > 15 &&
	      te < L->exit_u1 - L->exit_u0 - 20))
		return mapgen_ctx_fail(c, V2X_EINVAL,
		                       "the spiral's exit does not pass under its "
		                       "approach");
	L->cross_upper_u = L->spiral_u0 + ta;
	L->cross_lower_u = L->exit_u0 + te;
	L->bridge_u0 = L->cross_upper_u - 40;
	L->bridge_u1 = L->cross_upper_u + 40;
	mapgen_vprof_set_kind(&L->main.vp, MAPGEN_GRADE_SPIRAL,
	                      -rnd(c, 8.5, 10.5) / (L->cross_lower_u - L->cross_upper_u));
	return 0;
}

/* Grades the hairpin legs may take: gentler and the staircase has no
 * reason to be there, steeper and trucks cannot climb it. */
#define LEG_STEEPEST (-0.065)
#define LEG_GENTLEST (-0.025)

/*
 * The tunnel's west portal is the top (aimed at 384-390 m), the junction
 * the bottom (208-216 m); what the designed grades leave of the drop
 * between them goes to the legs.  When the legs cannot take it within
 * their grades the top moves instead, and the bottom down to 205 m if the
 * top would pass 396 m; the height check after the layout refuses what
 * still does not fit.
 */
static void solve_heights(struct mapgen_ctx *c, struct mapgen_layout *L)
{
	struct mapgen_vprof *vp = &L->main.vp;
	double top = rnd(c, 384, 390), bottom = rnd(c, 208, 216);
	double fixed = mapgen_vprof_rise(vp, L->tunnel_u0, MAPGEN_GRADE_GIVEN) +
	               mapgen_vprof_rise(vp, L->tunnel_u0, MAPGEN_GRADE_SPIRAL);
	double legs = mapgen_vprof_length(vp, L->tunnel_u0, MAPGEN_GRADE_LEG);
	double g = fmin(LEG_GENTLEST, fmax(LEG_STEEPEST, (bottom - top - fixed) / legs));
	double before = mapgen_vprof_rise(vp, 0, MAPGEN_GRADE_GIVEN) -
	                mapgen_vprof_rise(vp, L->tunnel_u0, MAPGEN_GRADE_GIVEN);

	top = bottom - fixed - g * legs;
	if (top > 396) {
		bottom = fmax(205, bottom - (top - 396));
		top = bottom - fixed - g * legs;
	}
	mapgen_vprof_set_kind(vp, MAPGEN_GRADE_LEG, g);
	mapgen_vprof_finish(vp, top - before);
	L->jz_msl = bottom;
}

static void junction_point(struct mapgen_layout *L)
{
	const struct mapgen_ref *r = &L->main.ref;

	L->jphi = r->phi[r->n - 1];
	L->jx = r->x[r->n - 1] + MAPGEN_BOX_HALF * cos(L->jphi);
	L->jy = r->y[r->n - 1] + MAPGEN_BOX_HALF * sin(L->jphi);
}

/* "north", "south-west", ... of a mathematical angle. */
static const char *compass(double phi)
{
	static const char *const names[] = { "north", "north-east", "east", "south-east",
		                             "south", "south-west", "west", "north-west" };
	double hdg = fmod(90 - phi / DEG + 22.5 + 720, 360);

	return names[(int)(hdg / 45) % 8];
}

static void arm_section(struct mapgen_ctx *c, struct mapgen_layout *L, int k, double phi)
{
	struct mapgen_section *r = &L->arm_roads[k];

	r->road_id = (uint32_t)(7 + k);
	snprintf(r->name, sizeof(r->name), "%s road %s", k == 1 ? "Village" : "Valley",
	         compass(phi));
	r->u0 = 0;
	r->u1 = L->arms[k].align.length;
	r->limit_mps = c->p->speed_limit_kmh / 3.6;
}

/* Arm k (0 left, 1 straight on, 2 right of the approach): a valley road
 * of 230-340 m with one gentle curve, nearly flat. */
static int arm(struct mapgen_ctx *c, struct mapgen_layout *L, int k)
{
	struct mapgen_geom *g = &L->arms[k];
	double phi = L->jphi + (1 - k) * 90 * DEG;
	double radius = rnd(c, 150, 250), ang = rnd(c, 15, 25) * mapgen_rng_sign(&c->rng);

	mapgen_align_init(&g->align, L->jx + MAPGEN_BOX_HALF * cos(phi),
	                  L->jy + MAPGEN_BOX_HALF * sin(phi), phi);
	mapgen_xsect_init(&g->xs, &g->align, c->p->lane_width_m, c->p->e_max);
	mapgen_vprof_init(&g->vp);
	if (mapgen_align_straight(&g->align, rnd(c, 40, 60)) != 0 ||
	    mapgen_align_curve(&g->align, radius, ang * DEG, 30) < 0 ||
	    mapgen_align_straight(&g->align, rnd(c, 80, 120)) != 0 ||
	    mapgen_vprof_begin(&g->vp, 0, rnd(c, -0.01, 0.015), MAPGEN_GRADE_GIVEN) != 0)
		return mapgen_ctx_fail(c, V2X_EINVAL, "arm %d does not fit", k);
	mapgen_vprof_end(&g->vp, g->align.length);
	mapgen_vprof_finish(&g->vp, L->jz_msl);
	arm_section(c, L, k, phi);
	return sample(c, g);
}

static void grow(double *box, const struct mapgen_ref *r)
{
	for (size_t i = 0; i < r->n; i++) {
		box[0] = fmin(box[0], r->x[i]);
		box[1] = fmin(box[1], r->y[i]);
		box[2] = fmax(box[2], r->x[i]);
		box[3] = fmax(box[3], r->y[i]);
	}
}

/* Moves the network so that its bounding box is centred on the origin. */
static void centre(struct mapgen_layout *L)
{
	double box[4] = { INFINITY, INFINITY, -INFINITY, -INFINITY }, dx, dy;

	grow(box, &L->main.ref);
	for (int k = 0; k < MAPGEN_ARMS; k++)
		grow(box, &L->arms[k].ref);
	dx = -(box[0] + box[2]) / 2;
	dy = -(box[1] + box[3]) / 2;
	mapgen_ref_translate(&L->main.ref, dx, dy);
	L->main.align.x0 += dx;
	L->main.align.y0 += dy;
	for (int k = 0; k < MAPGEN_ARMS; k++) {
		mapgen_ref_translate(&L->arms[k].ref, dx, dy);
		L->arms[k].align.x0 += dx;
		L->arms[k].align.y0 += dy;
	}
	L->jx += dx;
	L->jy += dy;
}

/* A point of the network every 2 m, for the checks below. */
struct probe {
	double x, y, z, u;
	int geom; /* 0 main road, 1 + k arm k */
};

static size_t probes(const struct mapgen_layout *L, struct probe *out, size_t max)
{
	size_t n = 0;

	for (int g = 0; g <= MAPGEN_ARMS; g++) {
		const struct mapgen_geom *geom = g ? &L->arms[g - 1] : &L->main;
		for (size_t i = 0; i < geom->ref.n && n < max; i += 40)
			out[n++] = (struct probe){ geom->ref.x[i], geom->ref.y[i],
				                   mapgen_vprof_z(&geom->vp, geom->ref.u[i]),
				                   geom->ref.u[i], g };
	}
	return n;
}

static int check_heights(struct mapgen_ctx *c, const struct probe *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].z < Z_MIN || p[i].z > Z_MAX)
			return mapgen_ctx_fail(c, V2X_EINVAL,
			                       "the road would reach %.0f m above sea level "
			                       "(%.0f-%.0f m allowed): fewer hairpins, a shorter "
			                       "or gentler downgrade or a shorter tunnel would fit",
			                       p[i].z, Z_MIN, Z_MAX);
	return 0;
}

/* Pairs that are meant to be close: along one road, and the roads that
 * meet at the junction near their junction ends. */
static bool related(const struct mapgen_layout *L, const struct probe *a, const struct probe *b)
{
	double main_len = L->main.align.length;
	bool a_near = a->geom ? a->u < 60 : a->u > main_len - 60;
	bool b_near = b->geom ? b->u < 60 : b->u > main_len - 60;

	if (a->geom == b->geom)
		return fabs(a->u - b->u) < 100;
	return a_near && b_near;
}

static int check_clearance(struct mapgen_ctx *c, const struct probe *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			double dx = p[i].x - p[j].x, dy = p[i].y - p[j].y;
			if (dx * dx + dy * dy >= CLEAR_XY * CLEAR_XY ||
			    fabs(p[i].z - p[j].z) >= CLEAR_DZ || related(c->lay, &p[i], &p[j]))
				continue;
			return mapgen_ctx_fail(c, V2X_EINVAL,
			                       "the layout brings two parts of the road within "
			                       "%.1f m of each other near (%.0f, %.0f)",
			                       hypot(dx, dy), p[i].x, p[i].y);
		}
	}
	return 0;
}

static int check(struct mapgen_ctx *c, const struct mapgen_layout *L)
{
	size_t max = L->main.ref.n / 40 + 2;
	struct probe *p;
	size_t n;

	for (int k = 0; k < MAPGEN_ARMS; k++)
		max += L->arms[k].ref.n / 40 + 2;
	if (!(p = mapgen_ctx_scratch(c, max, sizeof(*p))))
		return c->rc;
	n = probes(L, p, max);
	if (check_heights(c, p, n) != 0)
		return c->rc;
	return check_clearance(c, p, n);
}

int mapgen__layout_fit(struct mapgen_ctx *c, struct mapgen_layout *L)
{
	if (sample(c, &L->main) != 0 || spiral_crossing(c, L) != 0)
		return c->rc;
	solve_heights(c, L);
	junction_point(L);
	for (int k = 0; k < MAPGEN_ARMS; k++)
		if (arm(c, L, k) != 0)
			return c->rc;
	centre(L);
	return check(c, L);
}
