/*
 * synth: the synthetic maps the lane index is tested and measured on.
 *
 * One tile holds three small roads far enough apart not to interfere:
 *
 *  - road 1, a two-way mountain road climbing at 8 % with a hairpin: a
 *    straight leg north (leg A), a right bend, a left hairpin of centre
 *    radius 20 m with 15 m clothoid transitions, a right bend, and a
 *    straight leg south (leg B) whose centre line runs 15 m from leg A's.
 *    Sections: A (lanes 111 up, 112 down), the bend (121, 122), B (131,
 *    132).  A rockfall zone spans the joint of A and the bend, a tunnel
 *    lies on leg B.
 *  - road 2, a two-way loop that turns 270 degrees left and passes over
 *    itself on a bridge 8 m above its lower leg.  Sections: low (211 up,
 *    212 down) and high (221, 222); the bridge spans their joint.
 *  - a junction on the flat valley floor: approach lane 311 with a stop
 *    line, and three successors (411 left, 511 straight, 611 right) each
 *    continuing into an exit lane (421, 521, 621).
 *
 * Lanes are built from a reference line every 0.9 m; "up" lanes run along
 * it on its right, "down" lanes against it on its left (right-hand
 * traffic), 3.5 m apart.  Tiles repeat the map with ids offset by
 * 1000 * tile and positions by 1500 m east / 600 m north per tile.
 */
#ifndef V2X_MAPS_INDEX_TESTS_SYNTH_H
#define V2X_MAPS_INDEX_TESTS_SYNTH_H

#include "maps/model.h"
#include "runtime/arena.h"

enum {
	SYNTH_HP_UP_A = 111,
	SYNTH_HP_DOWN_A = 112,
	SYNTH_HP_UP_BEND = 121,
	SYNTH_HP_DOWN_BEND = 122,
	SYNTH_HP_UP_B = 131,
	SYNTH_HP_DOWN_B = 132,
	SYNTH_LOOP_UP_LOW = 211,
	SYNTH_LOOP_DOWN_LOW = 212,
	SYNTH_LOOP_UP_HIGH = 221,
	SYNTH_LOOP_DOWN_HIGH = 222,
	SYNTH_JCT_IN = 311,
	SYNTH_JCT_LEFT = 411,
	SYNTH_JCT_LEFT_EXIT = 421,
	SYNTH_JCT_STRAIGHT = 511,
	SYNTH_JCT_STRAIGHT_EXIT = 521,
	SYNTH_JCT_RIGHT = 611,
	SYNTH_JCT_RIGHT_EXIT = 621,
};

/* Ids of the features of tile 0. */
enum {
	SYNTH_BRIDGE_ID = 1,
	SYNTH_TUNNEL_ID = 2,
	SYNTH_ROCKFALL_ID = 1,
	SYNTH_STOP_LINE_ID = 1,
};

#define SYNTH_LANE_WIDTH 3.5
#define SYNTH_HP_GAP     15.0 /* between the legs' centre lines */
#define SYNTH_LOOP_RISE  8.0  /* the bridge above the lower leg */

struct synth_map {
	struct v2x_arena arena; /* holds everything the model points to */
	struct map_model model;
};

/*
 * Builds tiles copies of the map into sm (tiles >= 1).  0 or V2X_ENOMEM.
 * Free with synth_fini.
 */
int synth_build(struct synth_map *sm, unsigned tiles);

void synth_fini(struct synth_map *sm);

#endif
