/*
 * mapfile: a struct map_model as a JSON file, and back.
 *
 * The file is one JSON object:
 *
 *   {"format": "v2x-map", "version": 1,
 *    "sample_columns": ["s", "x", "y", "z", "heading_deg", ...],
 *    "meta": {...}, "roads": [...], "lanes": [...], "connections": [...],
 *    "intersections": [...], "stop_lines": [...], "structures": [...],
 *    "obstructions": [...], "rsus": [...], "hazard_zones": [...],
 *    "curves": [...], "grade_sections": [...]}
 *
 * Keys are the field names of maps/model.h, in its order.  Points are
 * [x, y, z] rows, polygon vertices [x, y] rows, and a lane's profile
 * samples rows in the order "sample_columns" lists (one line per sample).
 * Enumerations are names ("driving", "left", "tunnel", "rockfall"); NaN is
 * null.
 *
 * Each real is written at the resolution its field carries: 0.1 mm for
 * lengths and coordinates, 1e-6 degree for headings, 1e-8 1/m for
 * curvature, 1e-6 for grades and cross slopes, 0.1 mm/s for speeds,
 * 1e-9 degree for latitude and longitude.  The same model therefore gives
 * the same bytes, and a model already at those resolutions (see
 * map_file_quantize; the generator's models are) reads back equal field by
 * field.
 */
#ifndef V2X_MAPS_GEN_MAPFILE_H
#define V2X_MAPS_GEN_MAPFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "maps/model.h"
#include "runtime/arena.h"

#define MAP_FILE_FORMAT  "v2x-map"
#define MAP_FILE_VERSION 1

/*
 * Writes m (borrowed for the call) to path, through a temporary file
 * renamed into place so that a reader never sees half a map.  Returns 0,
 * V2X_EIO (err names the file and the system's reason) or V2X_ENOMEM.
 */
int map_file_write(const struct map_model *m, const char *path, char *err, size_t errlen);

/*
 * Reads the map file at path into *m, whose lists are allocated from arena
 * (they live as long as the arena's current contents).  Returns 0;
 * V2X_EIO when the file cannot be read; V2X_EPARSE when it is not JSON or
 * not a map file, with err naming the file, the JSON path of the offending
 * value ("lanes[3].samples[17][4]") and what is wrong; V2X_ENOMEM.
 */
int map_file_read(const char *path, struct v2x_arena *arena, struct map_model *m, char *err,
                  size_t errlen);

/* Rounds every real of m in place to the resolution the file carries. */
void map_file_quantize(struct map_model *m);

/*
 * Compares a and b field by field (reals exactly, NaN equal to NaN).
 * Returns true when they are the same; otherwise false with the path of
 * the first difference and both values in diff.
 */
bool map_file_same(const struct map_model *a, const struct map_model *b, char *diff,
                   size_t difflen);

/*
 * Writes any JSON document (borrowed) to path the way map files are laid
 * out: objects and arrays that hold only scalars on one line, anything
 * else one member per line, reals with 15 significant digits, keys in
 * insertion order.  Same document, same bytes.  Returns 0 or V2X_EIO.
 */
int map_file_dump(json_t *doc, const char *path, char *err, size_t errlen);

#endif
