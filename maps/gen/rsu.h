/*
 * rsu: where the roadside units stand (internal to maps/gen).  Every
 * point of every lane is within an RSU's radio range (straight-line
 * distance from the antenna, 6 m up a mast beside the road).
 *
 * RSU 1 stands at the junction's corner, where it also broadcasts MAP and
 * SPAT.  Then, walking the main road from the ridge and each arm from the
 * junction, the first point that no RSU reaches with 25 m to spare gets an
 * RSU one range (less the spare) further on, 4 m beyond the right-hand
 * edge; so RSUs stand about two ranges apart along the road, fewer where
 * the road folds back on itself.  Any lane point still out of reach (none
 * in practice) gets an RSU of its own.
 */
#ifndef V2X_MAPS_GEN_RSU_H
#define V2X_MAPS_GEN_RSU_H

#include "maps/gen/ctx.h"

#define MAPGEN_RSU_MAST 6.0

/* Places the RSUs into c->m->rsus.  0 or the error recorded in c. */
int mapgen_rsu_place(struct mapgen_ctx *c);

#endif
