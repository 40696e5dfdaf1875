/*
 * ewkb: geometry fields of a binary COPY (maps/db/copy.h), as PostGIS's
 * extended WKB, in the map's local frame (SRID 0) or in WGS 84 (SRID 4979
 * for points and lines with heights, 4326 for flat outlines), converted
 * with PROJ through maps/frame.h.  Internal to maps/db.
 *
 * Each function writes one field.  frame is NULL for the local frame, the
 * map's frame for WGS 84 (borrowed for the call).  A point PROJ cannot
 * convert fails the copy with V2X_ERANGE.
 */
#ifndef V2X_MAPS_DB_EWKB_H
#define V2X_MAPS_DB_EWKB_H

#include <stddef.h>

#include "maps/db/copy.h"
#include "maps/frame.h"
#include "maps/model.h"

/* LINESTRING Z of n >= 2 points. */
void map_db__ewkb_line(struct map_db__copy *c, struct map_frame *frame, const struct map_xyz *p,
                       size_t n);

/* POINT Z. */
void map_db__ewkb_point(struct map_db__copy *c, struct map_frame *frame, const struct map_xyz *p);

/* POLYGON of one ring, closed here (the model does not repeat the first point). */
void map_db__ewkb_polygon(struct map_db__copy *c, struct map_frame *frame,
                          const struct map_polygon *poly);

#endif
