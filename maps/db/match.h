/*
 * match: which lane a point lies on, answered by PostGIS, as a prepared
 * statement over v2x_map.match_lane (maps/sql/0003_match.sql).
 *
 * The broker matches in memory (maps/index); this is the reference the
 * in-memory matcher is compared with, and the answer for tools.  Both
 * follow the rule of maps/match_rule.h.
 */
#ifndef V2X_MAPS_DB_MATCH_H
#define V2X_MAPS_DB_MATCH_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/match_rule.h"

struct map_db_match_query {
	double x, y;        /* local frame, m */
	double z;           /* ellipsoidal height, m; NaN when unknown */
	double heading_deg; /* direction of travel, clockwise from grid north; NaN when unknown */
};

struct map_db_match_result {
	uint32_t lane_id;
	double s;                /* m along the lane */
	double lateral_m;        /* + left of the direction of travel */
	double distance_m;       /* horizontal, |lateral_m| */
	double dz_m;             /* query z - lane z; NaN without z */
	double lane_z_m;         /* the lane's height at s */
	double lane_heading_deg; /* the lane's heading at s */
};

struct map_db_matcher;

/*
 * Prepares the statement on pg for matching against version version_id
 * (0: the newest).  pg is borrowed until map_db_matcher_free() and carries
 * the prepared statement "map_db_match" (reused when it is already there,
 * so several matchers may share a connection).  Returns 0 and *out
 * (caller frees with map_db_matcher_free), V2X_ENOTFOUND when there is no
 * such version, V2X_ENOMEM or V2X_EDB.
 */
int map_db_matcher_new(PGconn *pg, int64_t version_id, struct map_db_matcher **out, char *err,
                       size_t errlen);

/* The version the matcher matches against. */
int64_t map_db_matcher_version(const struct map_db_matcher *m);

/*
 * Matches one point by the rule above: one round trip to the server.
 * Returns 0 and *out; V2X_ENOTFOUND when no lane passes the gates (err
 * says so); V2X_EDB when the statement fails.
 */
int map_db_match(struct map_db_matcher *m, const struct map_db_match_query *q,
                 struct map_db_match_result *out, char *err, size_t errlen);

/* Frees m (the prepared statement stays with the connection).  Accepts NULL. */
void map_db_matcher_free(struct map_db_matcher *m);

#endif
