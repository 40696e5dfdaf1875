#include "maps/gen/ctx.h"

#include <stdarg.h>
#include <stdio.h>

#include "runtime/err.h"

int mapgen_ctx_fail(struct mapgen_ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->rc)
		return c->rc;
	c->rc = rc;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

void *mapgen_ctx_scratch(struct mapgen_ctx *c, size_t n, size_t size)
{
	void *p = v2x_arena_calloc(&c->scratch, n ? n : 1, size);

	if (!p)
		mapgen_ctx_fail(c, V2X_ENOMEM, "out of memory");
	return p;
}

int mapgen_ctx_ellipsoidal(struct mapgen_ctx *c, double x, double y, double z_msl, double *z)
{
	double lat, lon;
	int rc = map_frame_to_wgs84(c->frame, x, y, &lat, &lon);

	if (rc == 0)
		rc = map_frame_msl_to_ellipsoidal(c->frame, lat, lon, z_msl, z);
	if (rc == V2X_ENOTFOUND)
		return mapgen_ctx_fail(c, rc,
		                       "PROJ has no EGM96 geoid grid for heights above "
		                       "sea level (install the Debian package proj-data)");
	if (rc)
		return mapgen_ctx_fail(c, rc, "(%.1f, %.1f) cannot be converted to WGS84", x, y);
	return 0;
}

const struct mapgen_lane_info *mapgen_ctx_info(const struct mapgen_ctx *c, uint32_t lane_id)
{
	for (size_t i = 0; i < c->n_info; i++)
		if (c->info[i].lane_id == lane_id)
			return &c->info[i];
	return NULL;
}

/* The fine points are in the lane's order, so u runs down on lanes of
 * direction -1; the search follows whichever way it runs. */
double mapgen_ctx_s_at(const struct mapgen_lane_info *f, double u)
{
	double sign = f->side > 0 ? 1 : -1;
	size_t lo = 0, hi = f->n - 1;

	if (sign * (u - f->u[0]) <= 0)
		return f->s[0];
	if (sign * (u - f->u[hi]) >= 0)
		return f->s[hi];
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (sign * (f->u[mid] - u) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	return f->s[lo] + (f->s[hi] - f->s[lo]) * (u - f->u[lo]) / (f->u[hi] - f->u[lo]);
}

struct map_lane *mapgen_ctx_lane(struct mapgen_ctx *c, uint32_t lane_id)
{
	for (size_t i = 0; i < c->m->n_lanes; i++)
		if (c->m->lanes[i].id == lane_id)
			return &c->m->lanes[i];
	return NULL;
}

int mapgen_ctx_connect(struct mapgen_ctx *c, uint32_t from, uint32_t to, uint8_t maneuver,
                       int32_t signal_group, uint32_t intersection_id)
{
	if (c->m->n_connections == MAPGEN_CONNECTIONS_MAX)
		return mapgen_ctx_fail(c, V2X_ERANGE, "too many connections");
	c->m->connections[c->m->n_connections++] =
	        (struct map_connection){ from, to, maneuver, signal_group, intersection_id };
	return 0;
}
