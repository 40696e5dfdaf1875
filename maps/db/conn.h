/*
 * conn: a connection to the PostgreSQL+PostGIS that holds the map, either
 * a server named by a libpq connection string or, by default, a private
 * throw-away cluster (runtime/pgembed.h) started for the caller and
 * stopped by map_db_close().  This is what `v2x-map` opens; the other
 * maps/db functions take the PGconn inside.
 */
#ifndef V2X_MAPS_DB_CONN_H
#define V2X_MAPS_DB_CONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct v2x_log;
struct map_db_conn;

/*
 * Connects to conninfo (a libpq connection string or URI), or, when it is
 * NULL or empty, starts a private PostgreSQL 15 + PostGIS 3 cluster (which
 * takes a few seconds) and connects to it.  log is borrowed until
 * map_db_close() and may be NULL; libpq's notices go to it at debug level.
 *
 * Returns 0 and *out (caller frees with map_db_close), or writes what
 * failed and what to do into err and returns V2X_ECONFIG (conninfo cannot
 * be parsed), V2X_EDB (the server cannot be reached or refuses us),
 * V2X_ENOTFOUND (no conninfo, and PostgreSQL or PostGIS is not installed),
 * or another code of the private cluster's start.  A password in conninfo
 * never appears in err.
 */
int map_db_open(const char *conninfo, const struct v2x_log *log, struct map_db_conn **out,
                char *err, size_t errlen);

/* The libpq connection; borrowed, valid until map_db_close(). */
PGconn *map_db_conn_pg(const struct map_db_conn *c);

/* The connection string, password removed, for messages; valid until map_db_close(). */
const char *map_db_conn_conninfo(const struct map_db_conn *c);

/* Whether the connection is to a private cluster that map_db_close() stops. */
bool map_db_conn_private(const struct map_db_conn *c);

/* Closes the connection, stops and removes a private cluster, frees c.  Accepts NULL. */
void map_db_close(struct map_db_conn *c);

#endif
