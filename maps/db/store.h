/*
 * store: writes a map model into PostGIS as a new map version.
 */
#ifndef V2X_MAPS_DB_STORE_H
#define V2X_MAPS_DB_STORE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"

/*
 * Validates m (map_model_validate), then writes it as a new version in one
 * transaction: the map_version row, every table by COPY, the WGS 84
 * geometry computed from the local frame with PROJ (maps/frame.h), and
 * last map_version.loaded_at, whose trigger sends NOTIFY v2x_map_version
 * with the version id (delivered when the transaction commits; see
 * maps/sql/0002_notify.sql).
 *
 * pg and m are borrowed for the call; pg must not be in a transaction and
 * its schema must be migrated (map_db_migrate).  Returns 0 and *version_id;
 * V2X_EINVAL when m is not valid, with the validator's message;
 * V2X_ERANGE when PROJ cannot convert a point; V2X_EDB (or V2X_ENOTFOUND
 * for a missing PostGIS) when a statement fails, with libpq's message and
 * what to do; V2X_EINVAL also when pg is inside a transaction.  On
 * failure nothing is written.
 */
int map_db_store(PGconn *pg, const struct map_model *m, int64_t *version_id, char *err,
                 size_t errlen);

#endif
