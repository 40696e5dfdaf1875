#include "maps/gen/align.h"

#include <math.h>

#include "runtime/err.h"

void mapgen_align_init(struct mapgen_align *a, double x0, double y0, double phi0)
{
	*a = (struct mapgen_align){ .x0 = x0, .y0 = y0, .phi0 = phi0 };
}

static int push(struct mapgen_align *a, double len, double k0, double k1)
{
	if (!(len > 0) || a->n_elems == MAPGEN_ALIGN_ELEMS)
		return V2X_ERANGE;
	a->elems[a->n_elems++] = (struct mapgen_elem){ len, k0, k1 };
	a->length += len;
	return 0;
}

int mapgen_align_straight(struct mapgen_align *a, double len)
{
	return push(a, len, 0, 0);
}

/* Each clothoid turns by trans / (2 R); the arc turns by what is left. */
int mapgen_align_curve(struct mapgen_align *a, double radius, double angle, double trans)
{
	double k = (angle > 0 ? 1 : -1) / radius;
	double arc = radius * (fabs(angle) - trans / radius);
	struct mapgen_curve_rec *c = &a->curves[a->n_curves];

	if (!(radius > 0) || !(arc > 0) || a->n_curves == MAPGEN_ALIGN_CURVES ||
	    a->n_elems + 3 > MAPGEN_ALIGN_ELEMS)
		return V2X_ERANGE;
	c->u0 = a->length;
	if (trans > 0)
		push(a, trans, 0, k);
	c->arc_u0 = a->length;
	push(a, arc, k, k);
	c->arc_u1 = a->length;
	if (trans > 0)
		push(a, trans, k, 0);
	c->u1 = a->length;
	c->radius = radius;
	c->angle = angle;
	return (int)a->n_curves++;
}

/* Heading t metres into element e that starts with heading phi. */
static double elem_phi(const struct mapgen_elem *e, double phi, double t)
{
	return phi + e->k0 * t + (e->k1 - e->k0) * t * t / (2 * e->len);
}

/* Integrates one step of h metres from t with Simpson's rule: the heading
 * is a quadratic in t, and a 5 cm step keeps the error far below 1e-9 m. */
static void step(const struct mapgen_elem *e, double phi, double t, double h, double *x, double *y)
{
	double p0 = elem_phi(e, phi, t), pm = elem_phi(e, phi, t + h / 2);
	double p1 = elem_phi(e, phi, t + h);

	*x += h / 6 * (cos(p0) + 4 * cos(pm) + cos(p1));
	*y += h / 6 * (sin(p0) + 4 * sin(pm) + sin(p1));
}

static size_t count_points(const struct mapgen_align *a, double step_len)
{
	size_t n = 1;

	for (size_t i = 0; i < a->n_elems; i++)
		n += (size_t)ceil(a->elems[i].len / step_len);
	return n;
}

static void put(struct mapgen_ref *r, size_t i, double u, double x, double y, double phi, double k)
{
	r->u[i] = u;
	r->x[i] = x;
	r->y[i] = y;
	r->phi[i] = phi;
	r->k[i] = k;
}

int mapgen_align_sample(const struct mapgen_align *a, double step_len, struct v2x_arena *arena,
                        struct mapgen_ref *out)
{
	size_t n = count_points(a, step_len), i = 0;
	double x = a->x0, y = a->y0, phi = a->phi0, u = 0;

	out->n = n;
	out->u = v2x_arena_calloc(arena, n, sizeof(double));
	out->x = v2x_arena_calloc(arena, n, sizeof(double));
	out->y = v2x_arena_calloc(arena, n, sizeof(double));
	out->phi = v2x_arena_calloc(arena, n, sizeof(double));
	out->k = v2x_arena_calloc(arena, n, sizeof(double));
	if (!out->u || !out->x || !out->y || !out->phi || !out->k)
		return V2X_ENOMEM;
	put(out, i++, 0, x, y, phi, a->n_elems ? a->elems[0].k0 : 0);
	for (size_t e = 0; e < a->n_elems; e++) {
		const struct mapgen_elem *el = &a->elems[e];
		size_t steps = (size_t)ceil(el->len / step_len);
		double h = el->len / (double)steps;
		for (size_t j = 0; j < steps; j++) {
			step(el, phi, (double)j * h, h, &x, &y);
			double t = (double)(j + 1) * h;
			put(out, i++, u + t, x, y, elem_phi(el, phi, t),
			    el->k0 + (el->k1 - el->k0) * t / el->len);
		}
		u += el->len;
		phi = elem_phi(el, phi, el->len);
	}
	return 0;
}

size_t mapgen_ref_index(const struct mapgen_ref *r, double u)
{
	size_t lo = 0, hi = r->n - 1;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->u[mid] <= u)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void mapgen_ref_at(const struct mapgen_ref *r, double u, double *x, double *y, double *phi)
{
	size_t i = mapgen_ref_index(r, u);
	double t = (u - r->u[i]) / (r->u[i + 1] - r->u[i]);

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	*x = r->x[i] + t * (r->x[i + 1] - r->x[i]);
	*y = r->y[i] + t * (r->y[i + 1] - r->y[i]);
	*phi = r->phi[i] + t * (r->phi[i + 1] - r->phi[i]);
}

void mapgen_ref_translate(struct mapgen_ref *r, double dx, double dy)
{
	for (size_t i = 0; i < r->n; i++) {
		r->x[i] += dx;
		r->y[i] += dy;
	}
}
