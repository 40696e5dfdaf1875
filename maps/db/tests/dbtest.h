/*
 * dbtest: what the maps/db tests that run under tests/with-postgis share.
 */
#ifndef V2X_MAPS_DB_TESTS_DBTEST_H
#define V2X_MAPS_DB_TESTS_DBTEST_H

#include <libpq-fe.h>

#include "maps/db/conn.h"

/*
 * Opens the database with-postgis started (V2X_PG_CONNINFO) and, when
 * migrate, runs the migrations.  Returns the connection (caller frees with
 * map_db_close), or NULL after printing why: *skip then says whether the
 * test should exit 77 (no V2X_PG_CONNINFO) rather than fail.
 */
struct map_db_conn *dbtest_open(int migrate, int *skip);

/* Runs a query of one value and returns it as a double; NaN after printing an error. */
double dbtest_double(PGconn *pg, const char *sql);

#endif
