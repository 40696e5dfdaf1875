/*
 * junction: the signalised valley junction (internal to maps/gen), built
 * once the main road's and the arms' lanes exist.
 *
 * Four approaches: 1 the main road (its lane 61 ends at the box), 2-4 the
 * arms on its left, straight on and on its right (lanes 72, 82, 92).  From
 * each inbound lane a connector lane crosses the box to the outbound lane
 * of each other approach (62, 71, 81, 91): a straight, or a circular arc
 * between the two lane lines with short straights where one side is
 * longer.  Connections: inbound lane -> connector with the movement's
 * maneuver and signal group (approach k: 2k - 1 straight and right, 2k
 * left), connector -> outbound lane straight and unsignalised, both in the
 * intersection.  A stop line 1 m before the end of each inbound lane
 * carries approach k's straight group.
 */
#ifndef V2X_MAPS_GEN_JUNCTION_H
#define V2X_MAPS_GEN_JUNCTION_H

#include "maps/gen/ctx.h"

/* Adds the intersection, its connector roads and lanes, connections and
 * stop lines to c->m.  0 or the error recorded in c. */
int mapgen_junction_build(struct mapgen_ctx *c);

#endif
