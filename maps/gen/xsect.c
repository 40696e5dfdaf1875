#include "maps/gen/xsect.h"

#include <math.h>

#include "runtime/err.h"

void mapgen_xsect_init(struct mapgen_xsect *xs, const struct mapgen_align *align, double width,
                       double e_max)
{
	*xs = (struct mapgen_xsect){ .align = align, .e_max = e_max, .n_zones = 1 };
	xs->zone_u0[0] = 0;
	xs->zone_w[0] = width;
}

int mapgen_xsect_zone(struct mapgen_xsect *xs, double u, double width)
{
	if (xs->n_zones == MAPGEN_XSECT_ZONES)
		return V2X_ERANGE;
	xs->zone_u0[xs->n_zones] = u;
	xs->zone_w[xs->n_zones++] = width;
	return 0;
}

/* 6t^5 - 15t^4 + 10t^3: 0 to 1 with zero slope and zero second derivative
 * at both ends. */
static double smoother(double t)
{
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return t * t * t * (t * (6 * t - 15) + 10);
}

double mapgen_xsect_ramp(const struct mapgen_curve_rec *c, double u, double runout)
{
	double in0 = c->u0 - runout, out1 = c->u1 + runout;

	if (u <= in0 || u >= out1)
		return 0;
	if (u < c->arc_u0)
		return smoother((u - in0) / (c->arc_u0 - in0));
	if (u > c->arc_u1)
		return smoother((out1 - u) / (out1 - c->arc_u1));
	return 1;
}

double mapgen_xsect_e(const struct mapgen_xsect *xs, double radius)
{
	double e = xs->e_max * MAPGEN_XSECT_E_REF_R / radius;

	return fmin(xs->e_max, fmax(MAPGEN_XSECT_CROWN, e));
}

double mapgen_xsect_widening(double radius)
{
	if (radius >= MAPGEN_XSECT_WIDEN_R)
		return 0;
	return MAPGEN_XSECT_WIDEN_L * MAPGEN_XSECT_WIDEN_L / (2 * radius);
}

double mapgen_xsect_nominal(const struct mapgen_xsect *xs, double u)
{
	size_t i = 0;

	while (i + 1 < xs->n_zones && xs->zone_u0[i + 1] <= u)
		i++;
	if (i == 0)
		return xs->zone_w[0];
	return xs->zone_w[i - 1] + (xs->zone_w[i] - xs->zone_w[i - 1]) *
	                                   smoother((u - xs->zone_u0[i]) / MAPGEN_XSECT_TAPER);
}

/* The curve whose superelevation ramp covers u, if any: curves are laid
 * out at least two runouts apart, so there is at most one. */
static const struct mapgen_curve_rec *curve_at(const struct mapgen_xsect *xs, double u)
{
	for (size_t i = 0; i < xs->align->n_curves; i++) {
		const struct mapgen_curve_rec *c = &xs->align->curves[i];
		if (mapgen_xsect_ramp(c, u, MAPGEN_XSECT_RUNOUT) > 0)
			return c;
	}
	return NULL;
}

void mapgen_xsect_at(const struct mapgen_xsect *xs, double u, int side, struct mapgen_xs *out)
{
	double w = mapgen_xsect_nominal(xs, u), marking = 0, slope = MAPGEN_XSECT_CROWN;
	const struct mapgen_curve_rec *c = xs->plain ? NULL : curve_at(xs, u);

	if (xs->plain) {
		*out = (struct mapgen_xs){ 0, w, 0 };
		return;
	}
	if (c) {
		int inside = c->angle > 0 ? 1 : -1; /* the side the curve turns to */
		double widen = mapgen_xsect_widening(c->radius) * mapgen_xsect_ramp(c, u, 0);
		double e = mapgen_xsect_e(xs, c->radius);
		/* The lane of direction +1 is on the right: inner on right turns. */
		double target = side == -inside ? e : -e;
		marking = inside * widen;
		w += widen;
		slope += mapgen_xsect_ramp(c, u, MAPGEN_XSECT_RUNOUT) * (target - slope);
	}
	out->width = w;
	out->slope = slope;
	out->d = side > 0 ? marking - w / 2 : marking + w / 2;
}
