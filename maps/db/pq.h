/*
 * pq: what the maps/db modules share over libpq: running statements,
 * mapping their failures into the project's error codes with libpq's
 * message and a hint in the caller's buffer, reading values of a result.
 * Internal to maps/db (prefix map_db__).
 */
#ifndef V2X_MAPS_DB_PQ_H
#define V2X_MAPS_DB_PQ_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/compiler.h"

/* A connection and where errors go, for the length of one API call. */
struct map_db__ctx {
	PGconn *pg; /* borrowed */
	char *err;  /* borrowed: the caller's buffer */
	size_t errlen;
};

/*
 * Writes "what: libpq's message (SQLSTATE); hint" into ctx->err for a
 * failed res (NULL: the connection's own error) and returns the code:
 * V2X_ENOTFOUND when PostGIS is missing, V2X_EDB otherwise.  The hint says
 * what to do: check the server, run the migrations, install PostGIS.
 */
int map_db__fail(struct map_db__ctx *ctx, const PGresult *res, const char *what);

/* Turns runs of newlines, tabs and spaces in s (libpq's messages have them) into one space. */
void map_db__flatten(char *s);

/* Writes a formatted message into ctx->err and returns code. */
int map_db__failf(struct map_db__ctx *ctx, int code, const char *fmt, ...) V2X_PRINTF(3, 4);

/* Runs sql (no parameters; several statements allowed) expecting no rows. */
int map_db__exec(struct map_db__ctx *ctx, const char *sql, const char *what);

/*
 * Runs sql with text parameters; *res is the result on success (caller
 * clears with PQclear), NULL on failure.  want is PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK.
 */
int map_db__query(struct map_db__ctx *ctx, const char *sql, int nparams, const char *const *params,
                  ExecStatusType want, PGresult **res, const char *what);

/*
 * Returns 0 when the connection is up and outside any transaction (the
 * functions that run their own transaction need that), V2X_EINVAL when the
 * caller has one open, V2X_EDB when the connection is lost.
 */
int map_db__idle(struct map_db__ctx *ctx, const char *what);

/* Rolls back the open transaction, if any, keeping the error already written. */
void map_db__rollback(struct map_db__ctx *ctx);

/* Writes id as text into buf (at least 24 bytes), for a statement parameter. */
const char *map_db__id_text(int64_t id, char *buf, size_t len);

/* Values of a result: a NULL double is NaN, a NULL integer 0. */
double map_db__dbl(const PGresult *res, int row, int col);
int64_t map_db__int(const PGresult *res, int row, int col);
/* Copies a text value into buf, cut to len - 1 bytes. */
void map_db__text(const PGresult *res, int row, int col, char *buf, size_t len);

#endif
