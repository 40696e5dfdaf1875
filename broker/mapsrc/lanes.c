/*
 * lanes: the one PostGIS statement that finds the lanes a zone covers, and
 * the checks and merging around it (see "Lane queries" in mapsrc.h).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mapsrc/mapsrc_int.h"

/*
 * The zone arrives as WKT (a Z coordinate when it has a height), either
 * already in the version's local frame ($7 true: the worker converted it
 * with its own frame of that version) or in WGS 84 (SRID 4326), converted
 * here with the version's own PROJ string, so that the statement answers
 * on any stored version.  (PostGIS builds the PROJ transformation of a
 * PROJ string anew on each call, some 10 ms: hence the worker's frame for
 * the version it follows.)  Each shape keeps its spine (the circle's
 * centre, the path's line) for the height rule and an area (disc or
 * buffer; quad_segs=32 puts the polygon within 0.03 % of the radius).
 * Pieces are the lanes' 2D centre lines cut by the area; a piece that only
 * touches (a point) is no piece.  v LEFT JOIN kept returns one row of NULLs
 * when the version exists but nothing is covered, and no row at all when
 * the version does not exist.
 */
static const char LANES_SQL[] =
        "WITH v AS ("
        "  SELECT id, projection FROM v2x_map.map_version"
        "  WHERE id = $1::bigint AND loaded_at IS NOT NULL"
        "), given AS ("
        "  SELECT 'c' AS k, $2::text AS wkt, $3::float8 AS w WHERE $2::text IS NOT NULL"
        "  UNION ALL"
        "  SELECT 'p', $4::text, $5::float8 WHERE $4::text IS NOT NULL"
        "), spine AS ("
        "  SELECT k, w, CASE WHEN $7::boolean THEN ST_GeomFromText(wkt, 0)"
        "         ELSE ST_SetSRID(ST_Transform(ST_GeomFromText(wkt, 4326), v.projection), 0)"
        "         END AS g"
        "  FROM v CROSS JOIN given"
        "), shape AS ("
        "  SELECT k, g, ST_Buffer(ST_Force2D(g), w, 'quad_segs=32') AS area FROM spine"
        "), piece AS MATERIALIZED ("
        "  SELECT l.id AS lane_id, l.length_m AS len, l.geom_local AS lg, s.k, s.g AS sg,"
        "         d.geom AS pg"
        "  FROM shape s"
        "  JOIN v2x_map.lanes l"
        "    ON l.version_id = $1::bigint AND ST_Intersects(l.geom_local, s.area)"
        "  CROSS JOIN LATERAL ST_Dump(ST_Intersection(ST_Force2D(l.geom_local), s.area)) d"
        "  WHERE ST_GeometryType(d.geom) = 'ST_LineString'"
        "), near AS ("
        "  SELECT piece.*, ST_ClosestPoint(pg, ST_Force2D(sg)) AS cp FROM piece"
        "), z AS ("
        "  SELECT lane_id, len, lg, pg,"
        "         ST_Z(ST_LineInterpolatePoint(lg, ST_LineLocatePoint(lg, cp))) AS lane_z,"
        "         CASE WHEN ST_NDims(sg) < 3 THEN NULL"
        "              WHEN k = 'c' THEN ST_Z(sg)"
        "              ELSE ST_Z(ST_LineInterpolatePoint(sg,"
        "                   ST_LineLocatePoint(ST_Force2D(sg), cp))) END AS zone_z"
        "  FROM near"
        "), kept AS ("
        "  SELECT lane_id,"
        "         ST_LineLocatePoint(lg, ST_StartPoint(pg)) * len AS sa,"
        "         ST_LineLocatePoint(lg, ST_EndPoint(pg)) * len AS sb, len"
        "  FROM z WHERE zone_z IS NULL OR abs(lane_z - zone_z) <= $6::float8"
        ")"
        " SELECT kept.lane_id, kept.sa, kept.sb, kept.len FROM v LEFT JOIN kept ON true";

#define N_PARAMS 7

/* Pieces closer than this along a lane are one stretch. */
#define MERGE_GAP_M 1e-6

/* WKT of a path: "LINESTRING Z (" and per point three numbers of %.17g. */
#define PATH_WKT_MAX (32 + BRK_ZONE_PATH_MAX * 3 * 26)

static bool lat_lon_ok(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && fabs(lat) <= 90 && fabs(lon) <= 180;
}

static int path_check(const struct brk_zone *z)
{
	if (z->n_path == 1 || z->n_path > BRK_ZONE_PATH_MAX)
		return V2X_EINVAL;
	if (z->n_path > 0 && !(z->half_width_m > 0 && isfinite(z->half_width_m)))
		return V2X_EINVAL;
	for (size_t i = 0; i < z->n_path; i++)
		if (!lat_lon_ok(z->path[i].lat_deg, z->path[i].lon_deg))
			return V2X_EINVAL;
	return 0;
}

int brk_mapsrc__zone_check(const struct brk_zone *zone)
{
	bool circle = zone->radius_m > 0;

	if (zone->version < 0 || (!circle && zone->n_path == 0))
		return V2X_EINVAL;
	if (circle && (!isfinite(zone->radius_m) || !lat_lon_ok(zone->lat_deg, zone->lon_deg)))
		return V2X_EINVAL;
	return path_check(zone);
}

/* Whether every point of the path has a height. */
static bool path_has_z(const struct brk_zone *z)
{
	for (size_t i = 0; i < z->n_path; i++)
		if (!isfinite(z->path[i].elev_m))
			return false;
	return true;
}

/*
 * The coordinates of (lat, lon) as the statement takes them: local x y
 * with frame, longitude latitude without.  0, or V2X_ERANGE when the frame
 * cannot convert the point.
 */
static int coords(struct map_frame *frame, double lat, double lon, double *a, double *b)
{
	if (!frame) {
		*a = lon;
		*b = lat;
		return 0;
	}
	return map_frame_from_wgs84(frame, lat, lon, a, b);
}

static int circle_wkt(struct map_frame *frame, const struct brk_zone *z, char *buf, size_t len)
{
	double a, b;
	int rc = coords(frame, z->lat_deg, z->lon_deg, &a, &b);

	if (rc == 0 && isfinite(z->elev_m))
		snprintf(buf, len, "POINT Z (%.17g %.17g %.17g)", a, b, z->elev_m);
	else if (rc == 0)
		snprintf(buf, len, "POINT (%.17g %.17g)", a, b);
	return rc;
}

static int path_wkt(struct map_frame *frame, const struct brk_zone *z, char *buf, size_t len)
{
	bool has_z = path_has_z(z);
	size_t used = (size_t)snprintf(buf, len, "LINESTRING %s(", has_z ? "Z " : "");

	for (size_t i = 0; i < z->n_path && used < len; i++) {
		const struct brk_zone_point *p = &z->path[i];
		const char *sep = i ? ", " : "";
		double a, b;
		int rc = coords(frame, p->lat_deg, p->lon_deg, &a, &b);
		if (rc)
			return rc;
		if (has_z)
			used += (size_t)snprintf(buf + used, len - used, "%s%.17g %.17g %.17g", sep,
			                         a, b, p->elev_m);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%.17g %.17g", sep, a,
			                         b);
	}
	if (used < len)
		snprintf(buf + used, len - used, ")");
	return 0;
}

static int by_lane_s(const void *a, const void *b)
{
	const struct brk_lane_span *x = a, *y = b;

	if (x->lane_id != y->lane_id)
		return x->lane_id < y->lane_id ? -1 : 1;
	return (x->s_from > y->s_from) - (x->s_from < y->s_from);
}

/* Sorts spans and merges those of a lane that overlap or touch; returns how many are left. */
static size_t merge(struct brk_lane_span *spans, size_t n)
{
	size_t k = 0;

	qsort(spans, n, sizeof(*spans), by_lane_s);
	for (size_t i = 0; i < n; i++) {
		struct brk_lane_span *last = k ? &spans[k - 1] : NULL;
		if (last && last->lane_id == spans[i].lane_id &&
		    spans[i].s_from <= last->s_to + MERGE_GAP_M) {
			if (spans[i].s_to > last->s_to)
				last->s_to = spans[i].s_to;
			continue;
		}
		spans[k++] = spans[i];
	}
	return k;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Reads the rows of res into spans.  0, V2X_ENOTFOUND or V2X_ETOO_BIG. */
static int read_rows(const PGresult *res, struct brk_lane_span *spans, size_t max, size_t *n)
{
	int rows = PQntuples(res);

	*n = 0;
	if (rows == 0)
		return V2X_ENOTFOUND;
	for (int i = 0; i < rows; i++) {
		double a, b, len;
		if (PQgetisnull(res, i, 0))
			continue;
		if (*n == max)
			return V2X_ETOO_BIG;
		a = strtod(PQgetvalue(res, i, 1), NULL);
		b = strtod(PQgetvalue(res, i, 2), NULL);
		len = strtod(PQgetvalue(res, i, 3), NULL);
		spans[*n].lane_id = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		spans[*n].s_from = clamp(a < b ? a : b, 0, len);
		spans[*n].s_to = clamp(a < b ? b : a, 0, len);
		(*n)++;
	}
	*n = merge(spans, *n);
	return 0;
}

/* The statement's parameters, and the text they point into. */
struct params {
	const char *v[N_PARAMS];
	char ver[24], circle[96], radius[32], path[PATH_WKT_MAX], width[32], tol[32];
};

/* Fills the parameters, the zone's coordinates converted with frame when not NULL. */
static int set_params(struct params *p, int64_t version, double z_tol, const struct brk_zone *zone,
                      struct map_frame *frame)
{
	int rc = 0;

	memset(p->v, 0, sizeof(p->v));
	snprintf(p->ver, sizeof(p->ver), "%lld", (long long)version);
	snprintf(p->tol, sizeof(p->tol), "%.17g", z_tol);
	p->v[0] = p->ver;
	p->v[5] = p->tol;
	p->v[6] = frame ? "true" : "false";
	if (zone->radius_m > 0) {
		rc = circle_wkt(frame, zone, p->circle, sizeof(p->circle));
		snprintf(p->radius, sizeof(p->radius), "%.17g", zone->radius_m);
		p->v[1] = p->circle;
		p->v[2] = p->radius;
	}
	if (rc == 0 && zone->n_path > 0) {
		rc = path_wkt(frame, zone, p->path, sizeof(p->path));
		snprintf(p->width, sizeof(p->width), "%.17g", zone->half_width_m);
		p->v[3] = p->path;
		p->v[4] = p->width;
	}
	return rc;
}

int brk_mapsrc__lanes(PGconn *pg, int64_t version, struct map_frame *frame, double z_tol,
                      const struct brk_zone *zone, struct brk_lane_span *spans, size_t max,
                      size_t *n, char *err, size_t errlen)
{
	struct params p;
	PGresult *res;
	int rc;

	*n = 0;
	/* A point the frame cannot convert: PostGIS converts it instead. */
	if (set_params(&p, version, z_tol, zone, frame) != 0)
		set_params(&p, version, z_tol, zone, NULL);
	res = PQexecParams(pg, LANES_SQL, N_PARAMS, NULL, p.v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "lane query on map version %s failed: %s", p.ver,
		         PQresultErrorMessage(res));
		brk_mapsrc__flatten(err);
		rc = V2X_EDB;
	} else {
		rc = read_rows(res, spans, max, n);
		if (rc == V2X_ENOTFOUND)
			snprintf(err, errlen, "lane query: map version %s is not in the database",
			         p.ver);
		else if (rc == V2X_ETOO_BIG)
			snprintf(err, errlen, "lane query on map version %s: more than %zu spans",
			         p.ver, max);
	}
	PQclear(res);
	return rc;
}
