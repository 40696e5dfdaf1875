/*
 * mapmsg: an intersection of the map as the MapData message (T/CSAE 53 MAP)
 * its RSU broadcasts.
 *
 * The message has one node, the intersection (its region and node id, its
 * reference position in WGS84).  Each road that enters it is a link,
 * named after the road, whose upstream node is the road's far end, numbered
 * MAP_MAPMSG_ROAD_NODE_BASE + road id in the same region.  The link's lanes
 * are the map's lanes that reach a stop line of the intersection, numbered
 * 1, 2, ... by lane id; each carries its width, speed limit, the maneuvers
 * its connections allow, one connection per map connection (to lane k of
 * the road it leaves on, lanes numbered the same way, with the signal
 * group as phase; a connection into a connector lane that crosses the
 * intersection box stands for the lane the connector leads to), and its
 * centre line over the approach: at most 31
 * points, placed by Douglas-Peucker simplification so that they are spent
 * where the lane curves.
 */
#ifndef V2X_MAPS_MAPMSG_H
#define V2X_MAPS_MAPMSG_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/msg.h"
#include "maps/frame.h"
#include "maps/model.h"
#include "runtime/arena.h"

#define MAP_MAPMSG_ROAD_NODE_BASE     1000
#define MAP_MAPMSG_DEFAULT_APPROACH_M 250.0

/*
 * Fills *out with the MapData of intersection intersection_id of m (both
 * borrowed), lanes described over their last approach_m metres, lists in
 * arena.  Returns 0; V2X_ENOTFOUND (no such intersection, or no lane
 * reaches it); V2X_ERANGE when a position cannot be converted;
 * V2X_ENOMEM.  err says which.
 */
int map_mapmsg_build(const struct map_model *m, uint32_t intersection_id, struct map_frame *frame,
                     double approach_m, struct v2x_arena *arena, struct v2x_msg *out, char *err,
                     size_t errlen);

#endif
