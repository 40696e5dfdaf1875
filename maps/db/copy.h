/*
 * copy: writes rows to PostgreSQL with COPY ... FROM STDIN (FORMAT binary)
 * through a fixed buffer that goes to the server whenever it fills (a row
 * may be split across PQputCopyData calls, so no row, however long its
 * geometry, needs a bigger buffer).
 *
 * Binary rather than text: a map has tens of thousands of profile samples
 * of a dozen doubles each, and printing and parsing them as exact decimal
 * text took most of the time of a store; binary doubles are exact by
 * construction.  The price is that each field must be written as the
 * binary form of its column's type (bigint and v2x_map.u32: 8 bytes;
 * integer and v2x_map.u16: 4; smallint: 2; double precision: 8; text:
 * its bytes; boolean: 1; geometry: EWKB, maps/db/ewkb.h); a mismatch makes
 * the server reject the COPY.
 *
 * The first failure is latched: later calls do nothing, and
 * map_db__copy_end() returns it.  Internal to maps/db.
 */
#ifndef V2X_MAPS_DB_COPY_H
#define V2X_MAPS_DB_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/db/pq.h"

#define MAP_DB__COPY_BUF 65536

struct map_db__copy {
	struct map_db__ctx *ctx; /* borrowed for the copy */
	const char *what;        /* for messages: "COPY lanes" */
	int rc;                  /* first failure, 0 while all is well */
	int n_fields;            /* of every row, the version id included */
	size_t len;
	unsigned char buf[MAP_DB__COPY_BUF];
};

/*
 * Runs sql, `COPY table (version_id, columns...) FROM STDIN (FORMAT
 * binary)` with n_fields columns in all, and sends the format's header.
 * Returns 0 or the failure.
 */
int map_db__copy_begin(struct map_db__copy *c, struct map_db__ctx *ctx, const char *sql,
                       int n_fields, const char *what);

/* Starts a row, its first field the version id. */
void map_db__copy_row(struct map_db__copy *c, int64_t version_id);

/* Fields, by column type. */
void map_db__copy_i64(struct map_db__copy *c, int64_t v); /* bigint, v2x_map.u32 */
void map_db__copy_i32(struct map_db__copy *c, int32_t v); /* integer, v2x_map.u16 */
void map_db__copy_i16(struct map_db__copy *c, int16_t v); /* smallint */
void map_db__copy_f64(struct map_db__copy *c, double v);  /* NaN is NULL */
void map_db__copy_bool(struct map_db__copy *c, bool v);
void map_db__copy_null(struct map_db__copy *c);
/* Text of at most max bytes (a NUL ends it sooner). */
void map_db__copy_text(struct map_db__copy *c, const char *s, size_t max);

/*
 * A field given in pieces: its length first, then exactly that many bytes
 * through map_db__copy_bytes().
 */
void map_db__copy_field(struct map_db__copy *c, size_t len);
void map_db__copy_bytes(struct map_db__copy *c, const void *p, size_t n);

/* Ends the COPY; returns 0 or the first failure. */
int map_db__copy_end(struct map_db__copy *c);

#endif
