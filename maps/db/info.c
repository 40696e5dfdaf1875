#include "maps/db/info.h"

#include <string.h>

#include "maps/db/pq.h"
#include "runtime/err.h"

#define COUNT(table) "(SELECT count(*) FROM v2x_map." table " t WHERE t.version_id = v.id)"

/*
 * One row per version; the counts in the order of struct map_db_info.
 * The extent is of the WGS 84 lane geometry; ST_ZMin/ZMax of a 2D box
 * would be 0, so the heights come from the 3D extent.
 */
#define INFO_SQL                                                                                                                                                                                                                                                                                                                                                                                                                                                     \
	"SELECT v.id, v.name, v.projection, v.height_datum, v.source, "                                                                                                                                                                                                                                                                                                                                                                                              \
	"to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " COUNT("roa"                                                                                                                                                                                                                                                                                                                                                                   \
	                                                                                     "ds") ", " COUNT("lanes") ", " COUNT("lane_samples") ", " COUNT("lane_connections") ", " COUNT("intersections") ", " COUNT("stop_lines") ", " COUNT("structures") ", " COUNT("ob"                                                                                                                                                                                       \
	                                                                                                                                                                                                                                                                  "st"                                                                                                                                                                                       \
	                                                                                                                                                                                                                                                                  "ru"                                                                                                                                                                                       \
	                                                                                                                                                                                                                                                                  "ct"                                                                                                                                                                                       \
	                                                                                                                                                                                                                                                                  "io"                                                                                                                                                                                       \
	                                                                                                                                                                                                                                                                  "n"                                                                                                                                                                                        \
	                                                                                                                                                                                                                                                                  "s") ", " COUNT("rsus") ", " COUNT("hazard_zones") ", " COUNT("curves") ", " COUNT("grade_sections") ", "                                                                                  \
	                                                                                                                                                                                                                                                                                                                                                                       "(SELECT coalesce(sum(t.length_m), 0) / 1000 FROM v2x_map.lanes t WHERE "             \
	                                                                                                                                                                                                                                                                                                                                                                       "t.version_id = v.id), ST_YMin(e), ST_YMax(e), ST_XMin(e), ST_XMax(e), ST_ZMin(e), "  \
	                                                                                                                                                                                                                                                                                                                                                                       "ST_ZMax(e) FROM v2x_map.map_version v, LATERAL (SELECT ST_3DExtent(t.geom_wgs84) e " \
	                                                                                                                                                                                                                                                                                                                                                                       "FROM v2x_map.lanes t WHERE t.version_id = v.id) x WHERE v.loaded_at IS NOT NULL "

/* Columns of INFO_SQL from the first count on. */
#define COL_COUNTS 6
#define N_COUNTS   12

#define LATEST_SQL                                                                    \
	"SELECT id FROM v2x_map.map_version WHERE loaded_at IS NOT NULL ORDER BY id " \
	"DESC LIMIT 1"

int map_db_latest(PGconn *pg, int64_t *id, char *err, size_t errlen)
{
	struct map_db__ctx ctx = { pg, err, errlen };
	PGresult *res;
	int rc = map_db__query(&ctx, LATEST_SQL, 0, NULL, PGRES_TUPLES_OK, &res,
	                       "looking for the newest map version");

	*id = 0;
	if (rc)
		return rc;
	if (PQntuples(res) == 1)
		*id = map_db__int(res, 0, 0);
	else
		rc = map_db__failf(&ctx, V2X_ENOTFOUND,
		                   "the database holds no map yet (load one with `v2x-map load`)");
	PQclear(res);
	return rc;
}

static void read_info(const PGresult *res, int r, struct map_db_info *o)
{
	size_t *const counts[N_COUNTS] = {
		&o->n_roads,         &o->n_lanes,        &o->n_samples,    &o->n_connections,
		&o->n_intersections, &o->n_stop_lines,   &o->n_structures, &o->n_obstructions,
		&o->n_rsus,          &o->n_hazard_zones, &o->n_curves,     &o->n_grade_sections,
	};
	double *const box[] = { &o->lane_km,     &o->lat_min_deg, &o->lat_max_deg, &o->lon_min_deg,
		                &o->lon_max_deg, &o->z_min_m,     &o->z_max_m };

	memset(o, 0, sizeof(*o));
	o->id = map_db__int(res, r, 0);
	map_db__text(res, r, 1, o->name, sizeof(o->name));
	map_db__text(res, r, 2, o->proj, sizeof(o->proj));
	map_db__text(res, r, 3, o->height_datum, sizeof(o->height_datum));
	map_db__text(res, r, 4, o->source, sizeof(o->source));
	map_db__text(res, r, 5, o->created_at, sizeof(o->created_at));
	for (int i = 0; i < N_COUNTS; i++)
		*counts[i] = (size_t)map_db__int(res, r, COL_COUNTS + i);
	for (size_t i = 0; i < sizeof(box) / sizeof(box[0]); i++)
		*box[i] = map_db__dbl(res, r, COL_COUNTS + N_COUNTS + (int)i);
}

int map_db_info(PGconn *pg, int64_t version_id, struct map_db_info *out, char *err, size_t errlen)
{
	struct map_db__ctx ctx = { pg, err, errlen };
	char id[24];
	const char *params[] = { id };
	PGresult *res;
	int rc = 0;

	if (version_id == 0)
		rc = map_db_latest(pg, &version_id, err, errlen);
	if (rc)
		return rc;
	map_db__id_text(version_id, id, sizeof(id));
	rc = map_db__query(&ctx, INFO_SQL "AND v.id = $1::bigint", 1, params, PGRES_TUPLES_OK, &res,
	                   "describing the map version");
	if (rc)
		return rc;
	if (PQntuples(res) == 1)
		read_info(res, 0, out);
	else
		rc = map_db__failf(&ctx, V2X_ENOTFOUND,
		                   "there is no complete map version %s in the database", id);
	PQclear(res);
	return rc;
}

int map_db_versions(PGconn *pg, struct v2x_arena *arena, struct map_db_info **out, size_t *n,
                    char *err, size_t errlen)
{
	struct map_db__ctx ctx = { pg, err, errlen };
	PGresult *res;
	int rc = map_db__query(&ctx, INFO_SQL "ORDER BY v.id", 0, NULL, PGRES_TUPLES_OK, &res,
	                       "listing the map versions");

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	if (PQntuples(res) == 0)
		goto out;
	*out = v2x_arena_calloc(arena, (size_t)PQntuples(res), sizeof(**out));
	if (!*out) {
		rc = map_db__failf(&ctx, V2X_ENOMEM, "listing the map versions: arena full");
		goto out;
	}
	for (int r = 0; r < PQntuples(res); r++)
		read_info(res, r, &(*out)[r]);
	*n = (size_t)PQntuples(res);
out:
	PQclear(res);
	return rc;
}
