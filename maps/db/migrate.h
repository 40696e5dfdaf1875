/*
 * migrate: brings a database's map schema (v2x_map) up to date with the
 * SQL migrations of maps/sql, which the library carries from its build.
 *
 * Each migration runs in a transaction of its own, together with the row
 * in v2x_map.schema_migrations (number, file name, md5 of its text, time)
 * that records it; one already recorded is skipped, so running the
 * migrations again changes nothing.  An advisory lock serialises
 * concurrent migrators.  A recorded migration whose text has changed since
 * is an error: migrations are append-only, a change is a new numbered file.
 */
#ifndef V2X_MAPS_DB_MIGRATE_H
#define V2X_MAPS_DB_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/*
 * Applies the migrations pg lacks, in order.  pg is borrowed for the call
 * and must not be in a transaction.  *applied (may be NULL) gets how many
 * ran now, 0 when the schema was up to date.  Returns 0; V2X_ENOTFOUND
 * when the server has no PostGIS to create; V2X_EDB when a statement
 * fails (the migration that failed is rolled back, the ones before it
 * stay), with libpq's message and what to do in err; V2X_EINVAL when pg
 * is inside a transaction.
 */
int map_db_migrate(PGconn *pg, int *applied, char *err, size_t errlen);

/* Returns the number of the newest migration the library carries. */
long map_db_schema_latest(void);

#endif
