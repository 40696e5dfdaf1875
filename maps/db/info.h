/*
 * info: what the database holds, version by version, for `v2x-map info`
 * and for a broker deciding which version to load.
 */
#ifndef V2X_MAPS_DB_INFO_H
#define V2X_MAPS_DB_INFO_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"

/* One map version: its metadata, how much of everything it holds, where it lies. */
struct map_db_info {
	int64_t id;
	char name[MAP_NAME_MAX + 1];
	char proj[256]; /* PROJ string of the local frame */
	char height_datum[128];
	char source[128];
	char created_at[32]; /* UTC, "2026-11-26T11:38:40Z" */
	size_t n_roads;
	size_t n_lanes;
	size_t n_samples; /* profile samples of all lanes */
	size_t n_connections;
	size_t n_intersections;
	size_t n_stop_lines;
	size_t n_structures;
	size_t n_obstructions;
	size_t n_rsus;
	size_t n_hazard_zones;
	size_t n_curves;
	size_t n_grade_sections;
	double lane_km; /* sum of the lanes' length_m, in km */
	/* The lanes' bounding box in WGS 84 and their height range; NaN without lanes. */
	double lat_min_deg, lat_max_deg;
	double lon_min_deg, lon_max_deg;
	double z_min_m, z_max_m;
};

/*
 * Writes into *id the newest completely loaded version.  Returns 0,
 * V2X_ENOTFOUND when the database holds no map yet, or V2X_EDB.
 */
int map_db_latest(PGconn *pg, int64_t *id, char *err, size_t errlen);

/*
 * Describes version version_id (0: the newest).  Returns 0,
 * V2X_ENOTFOUND when there is no such version, or V2X_EDB.
 */
int map_db_info(PGconn *pg, int64_t version_id, struct map_db_info *out, char *err, size_t errlen);

/*
 * Describes every completely loaded version, oldest first: *out is an
 * array of *n allocated in arena (NULL when there is none).  Returns 0,
 * V2X_ENOMEM or V2X_EDB.
 */
int map_db_versions(PGconn *pg, struct v2x_arena *arena, struct map_db_info **out, size_t *n,
                    char *err, size_t errlen);

#endif
