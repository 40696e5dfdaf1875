/*
 * geojson: a map as GeoJSON (RFC 7946), for people: open the file in QGIS
 * or geojson.io to see the lanes, the features and the RSUs.
 *
 * One FeatureCollection in WGS84 (longitude, latitude, ellipsoidal height):
 * each lane as a LineString; curves, grade sections, tunnels, bridges and
 * hazard zones' lane intervals as LineStrings along their lanes; stop
 * lines as LineStrings; sight obstructions and hazard areas as Polygons;
 * RSUs as Points with their range; the intersections as Points.  Every
 * feature has "layer" (lane, curve, grade, tunnel, bridge, stop_line,
 * obstruction, rsu, hazard, intersection) and its numbers as properties.
 */
#ifndef V2X_MAPS_GEOJSON_H
#define V2X_MAPS_GEOJSON_H

#include <jansson.h>

#include "maps/frame.h"
#include "maps/model.h"

/*
 * Returns a new FeatureCollection of m (borrowed), positions converted with
 * frame; the caller releases it with json_decref.  NULL with a reason in
 * err when a position cannot be converted or memory runs out.
 */
json_t *map_geojson(const struct map_model *m, struct map_frame *frame, char *err, size_t errlen);

#endif
