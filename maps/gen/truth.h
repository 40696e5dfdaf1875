/*
 * truth: the ground truth of a map, for tests and for people: every
 * feature with its numbers, as measured on the model (so it holds for a
 * map read back from its file as well as for one just built), with WGS84
 * coordinates and heights above sea level of its key points so that a
 * person can find it.
 *
 * One JSON object: "format" "v2x-map-truth", "version" 1, "map" (name,
 * frame, datum), "params" (when given), "summary" (counts, lengths, height
 * range above sea level), "roads", "curves" (radius, turn measured from the
 * headings, superelevation, advisory speed in m/s and km/h, apex),
 * "hairpins", "grade_sections", "sustained_downgrades" (at least 6 % over
 * at least 800 m), "narrow_sections", "tunnels" and "bridges" (intervals
 * with both ends; a tunnel's nearest curve on each lane; a bridge's
 * crossings: for each lane on it and each lane of another road passing
 * within 15 m below, the closest horizontal gap and the vertical gap
 * there), "junction" (intersection, stop lines, movements from lane
 * through connector to lane with maneuver and signal group), "rsus" (and
 * the largest distance from any lane sample to its nearest RSU),
 * "hazard_zones", "obstructions".  A "where" is {x, y, z, lat_deg,
 * lon_deg, h_msl}.  Written with map_file_dump: same map, same bytes.
 */
#ifndef V2X_MAPS_GEN_TRUTH_H
#define V2X_MAPS_GEN_TRUTH_H

#include <jansson.h>
#include <stddef.h>

#include "maps/gen/mapgen.h"
#include "maps/model.h"

/*
 * Returns a new truth document for m (and p, NULL to leave "params" out;
 * both borrowed); the caller releases it with json_decref.  NULL with the
 * reason in err when the map's frame cannot be made, a point cannot be
 * converted (PROJ without its geoid grid) or memory runs out.
 */
json_t *mapgen_truth_json(const struct map_model *m, const struct mapgen_params *p, char *err,
                          size_t errlen);

/* Writes that document to path.  0, V2X_EIO, V2X_EINVAL (the map's frame
 * or a point), V2X_ENOTFOUND (no geoid grid) or V2X_ENOMEM. */
int mapgen_truth_write(const struct map_model *m, const struct mapgen_params *p, const char *path,
                       char *err, size_t errlen);

#endif
