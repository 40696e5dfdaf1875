/*
 * The main road, section by section from the ridge.  The arms, the height
 * budget, centring and the clearance check are in layout_fit.c.
 */
#include "maps/gen/layout.h"

#include <math.h>
#include <stdio.h>

#include "runtime/err.h"

#define DEG (M_PI / 180)

/* Lays out one geometry: appends elements and grade stretches at its end. */
struct lb {
	struct mapgen_ctx *c;
	struct mapgen_layout *L;
	struct mapgen_align *a;
	struct mapgen_vprof *vp;
	int tau; /* +1: the staircase climbs to the left of the first heading */
};

static double rnd(struct lb *b, double lo, double hi)
{
	return mapgen_rng_uniform(&b->c->rng, lo, hi);
}

static void straight(struct lb *b, double len)
{
	if (mapgen_align_straight(b->a, len) != 0)
		mapgen_ctx_fail(b->c, V2X_EINVAL, "a straight of %.1f m does not fit the layout",
		                len);
}

/* Returns the curve's record index; 0 after a failure, which is recorded
 * and ends the build. */
static int curve(struct lb *b, double radius, double angle_deg, double trans)
{
	int i = mapgen_align_curve(b->a, radius, angle_deg * DEG, trans);

	if (i < 0)
		mapgen_ctx_fail(b->c, V2X_EINVAL,
		                "a curve of R %.1f m turning %.0f degrees does "
		                "not fit the layout",
		                radius, angle_deg);
	return i < 0 ? 0 : i;
}

static const struct mapgen_curve_rec *rec(struct lb *b, int i)
{
	return &b->a->curves[i];
}

static void grade(struct lb *b, double g, enum mapgen_grade_kind kind)
{
	if (mapgen_vprof_begin(b->vp, b->a->length, g, (uint8_t)kind) != 0)
		mapgen_ctx_fail(b->c, V2X_EINVAL, "too many grade changes for the profile");
}

/* Road k (1-based) of the main road starts here; the one before ends. */
static void road(struct lb *b, int k, const char *name, double limit_kmh)
{
	struct mapgen_section *r = &b->L->roads[k - 1];

	if (k > 1)
		b->L->roads[k - 2].u1 = b->a->length;
	r->road_id = (uint32_t)k;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->u0 = b->a->length;
	r->limit_mps = limit_kmh / 3.6;
}

/* Length of a curve: each clothoid turns half as much as an arc of its
 * length would, so the two together add one clothoid to R * angle. */
static double curve_len(double radius, double angle_deg, double trans)
{
	return radius * fabs(angle_deg) * DEG + trans;
}

/* Road 1: the narrow ridge road, two cliff curves, climbing to the
 * tunnel.  The rockfall slope is above the second curve. */
static void ridge_road(struct lb *b)
{
	const struct mapgen_params *p = b->c->p;
	double r1 = rnd(b, 70, 90), r2 = rnd(b, 70, 90), turn = rnd(b, 30, 45);
	double rest = p->narrow_len_m - curve_len(r1, turn, 25) - curve_len(r2, turn, 25);
	double f1 = rnd(b, 0.28, 0.38), f2 = rnd(b, 0.25, 0.35);
	int c2;

	turn *= mapgen_rng_sign(&b->c->rng);
	road(b, 1, "Ridge road", p->slow_limit_kmh);
	grade(b, 0.025, MAPGEN_GRADE_GIVEN);
	straight(b, rest * f1);
	curve(b, r1, turn, 25);
	straight(b, rest * f2);
	b->L->rockfall_u0 = b->a->length - rest * f2 / 2;
	c2 = curve(b, r2, -turn, 25);
	b->L->rockfall_u1 = rec(b, c2)->arc_u1;
	straight(b, rest * (1 - f1 - f2));
}

/* Road 2: full width again, the tunnel, a curve 50-90 m after its east
 * portal.  Ice forms where the shaded exit meets the curve. */
static void tunnel_road(struct lb *b)
{
	const struct mapgen_params *p = b->c->p;
	struct mapgen_layout *L = b->L;

	road(b, 2, "Yunwu tunnel road", p->speed_limit_kmh);
	if (mapgen_xsect_zone(&L->main.xs, b->a->length, p->lane_width_m) != 0)
		mapgen_ctx_fail(b->c, V2X_EINVAL, "too many width zones");
	straight(b, 40);
	L->tunnel_u0 = b->a->length;
	grade(b, -0.015, MAPGEN_GRADE_GIVEN);
	straight(b, p->tunnel_len_m);
	L->tunnel_u1 = b->a->length;
	grade(b, 0, MAPGEN_GRADE_LEG);
	straight(b, rnd(b, 50, 90));
	L->tunnel_curve = curve(b, rnd(b, 70, 100), b->tau * 90.0, 30);
	straight(b, rnd(b, 45, 60));
	L->ice_u0 = L->tunnel_u1 - 30;
	L->ice_u1 = L->tunnel_u1 + 150;
}

/* Road 3: back to the first heading, then the hairpins, turning towards
 * tau first, joined by legs; the staircase climbs away from the tunnel. */
static void staircase(struct lb *b)
{
	const struct mapgen_params *p = b->c->p;
	int turn = b->tau;

	road(b, 3, "Hairpin staircase", p->slow_limit_kmh);
	curve(b, rnd(b, 60, 80), -b->tau * 90.0, 25);
	for (unsigned k = 0; k < p->n_hairpins; k++) {
		double r = rnd(b, p->hairpin_r_min_m, p->hairpin_r_max_m);
		double trans = rnd(b, 18, 25);
		straight(b, rnd(b, 150, 200));
		grade(b, -p->hairpin_grade, MAPGEN_GRADE_GIVEN);
		b->L->hairpin[b->L->n_hairpins++] = curve(b, r, turn * 180.0, trans);
		grade(b, 0, MAPGEN_GRADE_LEG);
		turn = -turn;
	}
	straight(b, rnd(b, 150, 200));
}

/*
 * Road 4: the sustained downgrade, with an S of two 250-350 m curves
 * that takes the road away from the staircase (towards side), and a works
 * zone in its second half.  The stretch is 60 m longer than the downgrade
 * asked for, so that the vertical curves at its ends (30 m at most each
 * side: a change of 7.5 %) leave the whole length at the full grade.
 */
static void long_descent(struct lb *b, int side)
{
	const struct mapgen_params *p = b->c->p;
	struct mapgen_layout *L = b->L;
	double r1 = rnd(b, 250, 350), r2 = rnd(b, 250, 350), ang = rnd(b, 25, 35);
	double a1 = rnd(b, 80, 120), share = rnd(b, 0.45, 0.6);
	double rest =
	        p->downgrade_len_m + 60 - a1 - curve_len(r1, ang, 40) - curve_len(r2, ang, 40);

	road(b, 4, "Long descent", p->speed_limit_kmh);
	straight(b, 60);
	L->downgrade_u0 = b->a->length;
	grade(b, -p->downgrade, MAPGEN_GRADE_GIVEN);
	straight(b, a1);
	curve(b, r1, side * ang, 40);
	straight(b, rest * share);
	curve(b, r2, -side * ang, 40);
	straight(b, rest * (1 - share));
	L->downgrade_u1 = b->a->length;
	grade(b, 0, MAPGEN_GRADE_LEG);
	straight(b, 60);
	L->works_u0 = L->downgrade_u0 + 0.55 * p->downgrade_len_m + 30;
	L->works_u1 = L->works_u0 + 120;
}

/*
 * Roads 5 and 6: a straight on which the viaduct stands, a loop of
 * 280-295 degrees turning away from side, and (road 6) the exit straight
 * that passes under the viaduct at 65-80 degrees; then a curve to the
 * junction's heading and the downhill approach, flat for its last 30 m.
 * Splitting the loop between two roads keeps every lane's centre line
 * from crossing itself.
 */
static void spiral_and_approach(struct lb *b, int side)
{
	const struct mapgen_params *p = b->c->p;
	struct mapgen_layout *L = b->L;
	double r = rnd(b, 60, 75), loop = rnd(b, 280, 295);

	road(b, 5, "Panlong spiral", p->slow_limit_kmh);
	grade(b, 0, MAPGEN_GRADE_SPIRAL);
	L->spiral_u0 = b->a->length;
	straight(b, 1.2 * r + 60);
	L->loop_u0 = b->a->length;
	curve(b, r, -side * loop, 30);
	road(b, 6, "Valley approach", p->speed_limit_kmh);
	L->exit_u0 = b->a->length;
	straight(b, r + 80);
	L->exit_u1 = b->a->length;
	grade(b, -0.03, MAPGEN_GRADE_GIVEN);
	curve(b, rnd(b, 150, 200), side * (loop - 270), 20);
	grade(b, -0.05, MAPGEN_GRADE_GIVEN);
	straight(b, rnd(b, 220, 300));
	grade(b, 0, MAPGEN_GRADE_GIVEN);
	straight(b, 30);
	L->roads[5].u1 = b->a->length;
	mapgen_vprof_end(b->vp, b->a->length);
}

static void main_road(struct lb *b)
{
	/* After the staircase the road heads the first way for an even number
	 * of hairpins, the other way for an odd one. */
	int sigma = b->c->p->n_hairpins % 2 ? -1 : 1;

	ridge_road(b);
	tunnel_road(b);
	staircase(b);
	long_descent(b, sigma * b->tau);
	spiral_and_approach(b, sigma * b->tau);
}

int mapgen_layout_build(struct mapgen_ctx *c)
{
	struct mapgen_layout *L = mapgen_ctx_scratch(c, 1, sizeof(*L));
	struct lb b = { .c = c, .L = L };

	if (!L)
		return c->rc;
	c->lay = L;
	b.tau = mapgen_rng_sign(&c->rng);
	b.a = &L->main.align;
	b.vp = &L->main.vp;
	mapgen_align_init(b.a, 0, 0, rnd(&b, -30, 30) * DEG);
	mapgen_vprof_init(b.vp);
	mapgen_xsect_init(&L->main.xs, b.a, c->p->narrow_width_m, c->p->e_max);
	main_road(&b);
	if (c->rc)
		return c->rc;
	return mapgen__layout_fit(c, L);
}
