/*
 * load: reads a map version from PostGIS back into a map model, the way
 * the broker loads its map at start and on NOTIFY v2x_map_version.
 */
#ifndef V2X_MAPS_DB_LOAD_H
#define V2X_MAPS_DB_LOAD_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/model.h"
#include "runtime/arena.h"

/*
 * Reads version version_id (0: the newest completely loaded one, see
 * map_db_latest) into *out, in one read-only snapshot.  Every list and
 * polygon is allocated in arena (so the model lives until the arena is
 * reset or finished); an empty list is 0 and NULL.  Lists come back in id
 * order; connections by from_lane, then to_lane; samples by s; the
 * intervals of a structure or hazard zone in the order they were stored.
 *
 * pg is borrowed for the call and must not be in a transaction.  Returns
 * 0; V2X_ENOTFOUND when there is no such version (or none at all);
 * V2X_ENOMEM when the arena is full; V2X_EDB when a statement fails, with
 * libpq's message and what to do in err; V2X_EINVAL when pg is inside a
 * transaction.  On failure *out is zeroed (what the arena already gave
 * stays until its reset).
 */
int map_db_load(PGconn *pg, int64_t version_id, struct v2x_arena *arena, struct map_model *out,
                char *err, size_t errlen);

#endif
