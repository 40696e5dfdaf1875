/*
 * filter: a Subscribe compiled into filters, checked against the
 * credential's scope, and tested against each pushed warning.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/subs/subs_int.h"
#include "runtime/compiler.h"

#define ST(x) V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_##x

/* Writes the reason and returns status. */
static int refuse(int status, char *why, size_t whylen, const char *fmt, ...) V2X_PRINTF(4, 5);

static int refuse(int status, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return status;
}

uint64_t brk_subs__vehicle_key(const uint8_t id[8])
{
	uint64_t k = 0;

	for (int i = 0; i < 8; i++)
		k = k << 8 | id[i];
	return k;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- compiling ----------------------------------------------------------- */

static int compile_types(struct brk_subs__filter *f, const V2x__Wire__Subscribe *sub, char *why,
                         size_t whylen)
{
	for (size_t i = 0; i < sub->n_warning_types; i++) {
		int t = (int)sub->warning_types[i];

		if (t <= 0 || t >= 32 ||
		    !protobuf_c_enum_descriptor_get_value(&v2x__wire__warning_type__descriptor, t))
			return refuse(ST(INVALID), why, whylen,
			              "warning_types[%zu] = %d is not a known WarningType", i, t);
		f->types |= 1u << t;
	}
	if (sub->has_min_severity && sub->min_severity != 0) {
		int v = (int)sub->min_severity;

		if (v < 0 ||
		    !protobuf_c_enum_descriptor_get_value(&v2x__wire__severity__descriptor, v))
			return refuse(ST(INVALID), why, whylen,
			              "min_severity = %d is not a known Severity", v);
		f->min_severity = (uint32_t)v;
	}
	return ST(OK);
}

static int compile_vehicles(struct brk_subs__filter *f, const V2x__Wire__Subscribe *sub,
                            uint32_t max_vehicles, char *why, size_t whylen)
{
	size_t n = 0;

	if (sub->n_vehicle_ids == 0)
		return ST(OK);
	if (sub->n_vehicle_ids > max_vehicles)
		return refuse(ST(INVALID), why, whylen,
		              "%zu vehicle_ids: at most %" PRIu32 " in one subscription",
		              sub->n_vehicle_ids, max_vehicles);
	for (size_t i = 0; i < sub->n_vehicle_ids; i++)
		if (sub->vehicle_ids[i].len != 8)
			return refuse(ST(INVALID), why, whylen,
			              "vehicle_ids[%zu] is %zu octets, not 8", i,
			              sub->vehicle_ids[i].len);
	f->vehicles = malloc(sub->n_vehicle_ids * sizeof(*f->vehicles));
	if (!f->vehicles)
		return refuse(ST(LIMIT), why, whylen, "out of memory for %zu vehicle_ids",
		              sub->n_vehicle_ids);
	for (size_t i = 0; i < sub->n_vehicle_ids; i++)
		f->vehicles[i] = brk_subs__vehicle_key(sub->vehicle_ids[i].data);
	qsort(f->vehicles, sub->n_vehicle_ids, sizeof(*f->vehicles), cmp_u64);
	for (size_t i = 0; i < sub->n_vehicle_ids; i++)
		if (n == 0 || f->vehicles[n - 1] != f->vehicles[i])
			f->vehicles[n++] = f->vehicles[i];
	f->n_vehicles = n;
	return ST(OK);
}

/* Checks one coordinate; what names it in the reason ("box south"). */
static int check_coord(double v, bool present, bool is_lat, const char *what, char *why,
                       size_t whylen)
{
	double lim = is_lat ? 90 : 180;

	if (!present)
		return refuse(ST(INVALID), why, whylen, "%s: missing", what);
	if (!isfinite(v) || v < -lim || v > lim)
		return refuse(ST(INVALID), why, whylen, "%s: %g is not a %s in -%g..%g", what, v,
		              is_lat ? "latitude" : "longitude", lim, lim);
	return ST(OK);
}

static int compile_box(struct brk_subs__filter *f, const V2x__Wire__Box *b, char *why,
                       size_t whylen)
{
	int st;

	if ((st = check_coord(b->south_deg, b->has_south_deg, true, "box south_deg", why,
	                      whylen)) != ST(OK) ||
	    (st = check_coord(b->north_deg, b->has_north_deg, true, "box north_deg", why,
	                      whylen)) != ST(OK) ||
	    (st = check_coord(b->west_deg, b->has_west_deg, false, "box west_deg", why, whylen)) !=
	            ST(OK) ||
	    (st = check_coord(b->east_deg, b->has_east_deg, false, "box east_deg", why, whylen)) !=
	            ST(OK))
		return st;
	if (b->south_deg > b->north_deg)
		return refuse(ST(INVALID), why, whylen, "box: south_deg %g is above north_deg %g",
		              b->south_deg, b->north_deg);
	f->geo = BRK_SUBS__GEO_BOX;
	f->box = (struct brk_box){ b->south_deg, b->west_deg, b->north_deg, b->east_deg };
	return ST(OK);
}

static int check_vertices(const V2x__Wire__Polygon *p, char *why, size_t whylen)
{
	char what[48];

	if (p->n_vertices < 3 || p->n_vertices > BRK_SUBS_POLYGON_MAX)
		return refuse(ST(INVALID), why, whylen,
		              "polygon of %zu vertices: 3 to %d are needed", p->n_vertices,
		              BRK_SUBS_POLYGON_MAX);
	for (size_t i = 0; i < p->n_vertices; i++) {
		const V2x__Wire__LatLon *v = p->vertices[i];
		int st;

		snprintf(what, sizeof(what), "polygon vertex %zu lat_deg", i);
		if ((st = check_coord(v->lat_deg, v->has_lat_deg, true, what, why, whylen)) !=
		    ST(OK))
			return st;
		snprintf(what, sizeof(what), "polygon vertex %zu lon_deg", i);
		if ((st = check_coord(v->lon_deg, v->has_lon_deg, false, what, why, whylen)) !=
		    ST(OK))
			return st;
	}
	return ST(OK);
}

/*
 * A polygon with an edge longer than 180 degrees of longitude is taken to
 * cross 180 degrees (the short way round), so its negative longitudes are
 * moved into 180..360.
 */
static bool crosses_180(const V2x__Wire__Polygon *p)
{
	for (size_t i = 0, j = p->n_vertices - 1; i < p->n_vertices; j = i++)
		if (fabs(p->vertices[i]->lon_deg - p->vertices[j]->lon_deg) > 180)
			return true;
	return false;
}

/* The bounding box as a struct brk_box in -180..180 (west > east: across 180). */
static void set_bbox(struct brk_subs__filter *f)
{
	double s = 90, w = 360, n = -90, e = -360;

	for (size_t i = 0; i < f->n_vertices; i++) {
		s = fmin(s, f->lat[i]);
		n = fmax(n, f->lat[i]);
		w = fmin(w, f->lon[i]);
		e = fmax(e, f->lon[i]);
	}
	f->box = (struct brk_box){ s, w > 180 ? w - 360 : w, n, e > 180 ? e - 360 : e };
	f->lon_min = w;
	f->lon_max = e;
}

static int compile_polygon(struct brk_subs__filter *f, const V2x__Wire__Polygon *p, char *why,
                           size_t whylen)
{
	int st = check_vertices(p, why, whylen);

	if (st != ST(OK))
		return st;
	f->lat = malloc(2 * p->n_vertices * sizeof(double));
	if (!f->lat)
		return refuse(ST(LIMIT), why, whylen, "out of memory for the polygon");
	f->lon = f->lat + p->n_vertices;
	f->n_vertices = p->n_vertices;
	f->wrapped = crosses_180(p);
	for (size_t i = 0; i < p->n_vertices; i++) {
		double lon = p->vertices[i]->lon_deg;

		f->lat[i] = p->vertices[i]->lat_deg;
		f->lon[i] = f->wrapped && lon < 0 ? lon + 360 : lon;
	}
	f->geo = BRK_SUBS__GEO_POLYGON;
	set_bbox(f);
	return ST(OK);
}

static int compile_geofence(struct brk_subs__filter *f, const V2x__Wire__Geofence *g, char *why,
                            size_t whylen)
{
	if (!g)
		return ST(OK);
	switch (g->shape_case) {
	case V2X__WIRE__GEOFENCE__SHAPE_BOX:
		return compile_box(f, g->box, why, whylen);
	case V2X__WIRE__GEOFENCE__SHAPE_POLYGON:
		return compile_polygon(f, g->polygon, why, whylen);
	default:
		return refuse(ST(INVALID), why, whylen, "geofence without a polygon or a box");
	}
}

/* ---- scope --------------------------------------------------------------- */

static void box_text(const struct brk_box *b, char *buf, size_t len)
{
	snprintf(buf, len, "%g,%g,%g,%g", b->south, b->west, b->north, b->east);
}

static int scope_vehicles(const struct brk_subs__filter *f, const struct brk_principal *p,
                          char *why, size_t whylen)
{
	size_t n = p->cred->n_vehicles;

	if (n == 0)
		return ST(OK);
	if (f->n_vehicles == 0)
		return refuse(ST(OUT_OF_SCOPE), why, whylen,
		              "the credential of %s is limited to %zu vehicle id(s): name "
		              "vehicle_ids, all of them within that scope",
		              p->id, n);
	for (size_t i = 0; i < f->n_vehicles; i++) {
		uint8_t id[8];

		for (int k = 0; k < 8; k++)
			id[k] = (uint8_t)(f->vehicles[i] >> (56 - 8 * k));
		if (!brk_principal_may_vehicle(p, id))
			return refuse(ST(OUT_OF_SCOPE), why, whylen,
			              "vehicle %016" PRIx64
			              " is outside the scope of %s's credential",
			              f->vehicles[i], p->id);
	}
	return ST(OK);
}

static int scope_boxes(const struct brk_subs__filter *f, const struct brk_principal *p, char *why,
                       size_t whylen)
{
	size_t n = p->cred->n_boxes;
	char first[96], mine[96];

	if (n == 0)
		return ST(OK);
	box_text(&p->cred->boxes[0], first, sizeof(first));
	if (f->geo == BRK_SUBS__GEO_NONE)
		return refuse(ST(OUT_OF_SCOPE), why, whylen,
		              "the credential of %s is limited to %zu area(s) (first: box %s): set "
		              "a geofence inside one of them",
		              p->id, n, first);
	if (brk_principal_may_box(p, &f->box))
		return ST(OK);
	box_text(&f->box, mine, sizeof(mine));
	return refuse(ST(OUT_OF_SCOPE), why, whylen,
	              "the geofence (%s %s) is not inside any of the %zu area(s) of %s's "
	              "credential (first: box %s)",
	              f->geo == BRK_SUBS__GEO_BOX ? "box" : "polygon with bounding box", mine, n,
	              p->id, first);
}

void brk_subs__filter_fini(struct brk_subs__filter *f)
{
	free(f->vehicles);
	free(f->lat); /* lon shares its block */
	memset(f, 0, sizeof(*f));
}

int brk_subs__filter_compile(struct brk_subs__filter *f, const V2x__Wire__Subscribe *sub,
                             const struct brk_principal *p, uint32_t max_vehicles, char *why,
                             size_t whylen)
{
	int st;

	memset(f, 0, sizeof(*f));
	why[0] = '\0';
	if (p->role != BRK_ROLE_SUBSCRIBER)
		return refuse(ST(OUT_OF_SCOPE), why, whylen,
		              "%s is not a subscriber: only subscriber credentials subscribe",
		              p->id);
	if (!sub->has_subscription_id)
		return refuse(ST(INVALID), why, whylen,
		              "Subscribe without subscription_id: choose one, unique on the "
		              "connection");
	f->id = sub->subscription_id;
	if ((st = compile_types(f, sub, why, whylen)) == ST(OK) &&
	    (st = compile_vehicles(f, sub, max_vehicles, why, whylen)) == ST(OK) &&
	    (st = compile_geofence(f, sub->geofence, why, whylen)) == ST(OK) &&
	    (st = scope_vehicles(f, p, why, whylen)) == ST(OK))
		st = scope_boxes(f, p, why, whylen);
	if (st != ST(OK))
		brk_subs__filter_fini(f);
	return st;
}

/* ---- matching ------------------------------------------------------------ */

static bool has_vehicle(const struct brk_subs__filter *f, uint64_t key)
{
	size_t lo = 0, hi = f->n_vehicles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->vehicles[mid] == key)
			return true;
		if (f->vehicles[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool lon_in(double west, double east, double lon)
{
	if (west <= east)
		return lon >= west && lon <= east;
	return lon >= west || lon <= east; /* across 180 degrees */
}

/* The even-odd rule over the vertices taken as plane coordinates. */
static bool in_polygon(const struct brk_subs__filter *f, double lat, double lon)
{
	const double *y = f->lat, *x = f->lon;
	bool in = false;

	if (f->wrapped && lon < 0)
		lon += 360;
	if (lat < f->box.south || lat > f->box.north || lon < f->lon_min || lon > f->lon_max)
		return false;
	for (size_t i = 0, j = f->n_vertices - 1; i < f->n_vertices; j = i++)
		if ((y[i] > lat) != (y[j] > lat) &&
		    lon < (x[j] - x[i]) * (lat - y[i]) / (y[j] - y[i]) + x[i])
			in = !in;
	return in;
}

static bool geo_match(const struct brk_subs__filter *f, double lat, double lon)
{
	if (isnan(lat) || isnan(lon))
		return false;
	if (f->geo == BRK_SUBS__GEO_BOX)
		return lat >= f->box.south && lat <= f->box.north &&
		       lon_in(f->box.west, f->box.east, lon);
	return in_polygon(f, lat, lon);
}

bool brk_subs__filter_match(const struct brk_subs__filter *f, const struct brk_subs__target *t)
{
	if (f->types && (t->type >= 32 || !(f->types & (1u << t->type))))
		return false;
	if (f->min_severity && t->severity < f->min_severity)
		return false;
	if (f->vehicles && (!t->has_vehicle || !has_vehicle(f, t->vehicle_key)))
		return false;
	return f->geo == BRK_SUBS__GEO_NONE || geo_match(f, t->lat, t->lon);
}

bool brk_subs__scope_allows(const struct brk_principal *p, const struct brk_subs__target *t)
{
	if (t->has_vehicle ? !brk_principal_may_vehicle(p, t->vehicle) : p->cred->n_vehicles != 0)
		return false;
	return brk_principal_may_point(p, t->lat, t->lon);
}
