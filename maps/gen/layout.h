/*
 * layout: the plan of the test field (internal to maps/gen): the main
 * road's alignment, vertical profile and cross-section from the ridge to
 * the valley junction, the junction's three arms, and where along the main
 * road each feature lies (in u, distance along its reference line).  All
 * the generator's random choices of shape are made here, in a fixed order.
 *
 * The main road is laid out heading roughly east, then the whole network
 * is mirrored at random and centred on the frame's origin.  Heights: the
 * ridge road climbs to the tunnel's west portal, the highest point (about
 * 384-390 m above sea level); the junction lies at 205-216 m.  Every grade
 * is fixed by design except the hairpin legs' (and the stretch from the
 * tunnel to the staircase), which take up whatever drop is left (2.5-6.5
 * %), and the spiral's, chosen to put its two levels 8.5-10.5 m apart
 * where they cross.
 */
#ifndef V2X_MAPS_GEN_LAYOUT_H
#define V2X_MAPS_GEN_LAYOUT_H

#include <stdint.h>

#include "maps/gen/ctx.h"
#include "maps/model.h"

#define MAPGEN_MAIN_ROADS 6
#define MAPGEN_ARMS       3
#define MAPGEN_BOX_HALF   12.0 /* m from the junction's centre to each arm's start */

/* Grade groups of the vertical profile (mapgen_vprof kinds). */
enum mapgen_grade_kind {
	MAPGEN_GRADE_GIVEN = 0,
	MAPGEN_GRADE_LEG = 1,
	MAPGEN_GRADE_SPIRAL = 2,
};

/* A road: its part [u0, u1] of a reference line. */
struct mapgen_section {
	uint32_t road_id;
	char name[MAP_NAME_MAX + 1];
	double u0, u1;
	double limit_mps;
};

struct mapgen_layout {
	struct mapgen_geom main;
	struct mapgen_geom arms[MAPGEN_ARMS]; /* left, straight, right of the approach */
	struct mapgen_section roads[MAPGEN_MAIN_ROADS];
	struct mapgen_section arm_roads[MAPGEN_ARMS];
	size_t n_hairpins;
	int hairpin[MAPGEN_HAIRPINS_MAX]; /* their curves in main.align */
	double tunnel_u0, tunnel_u1;
	int tunnel_curve; /* the curve after the east portal */
	double downgrade_u0, downgrade_u1;
	double spiral_u0, loop_u0; /* the straight under the viaduct */
	double exit_u0, exit_u1;   /* the exit straight */
	double cross_upper_u, cross_lower_u, bridge_u0, bridge_u1;
	double rockfall_u0, rockfall_u1, ice_u0, ice_u1, works_u0, works_u1;
	double jx, jy, jphi, jz_msl; /* junction centre, approach heading, height */
};

/*
 * Lays out the test field for c->p with c->rng into c->lay (allocated from
 * the scratch arena): alignments, profiles and cross-sections, reference
 * lines sampled, the network centred, and checked that no two parts of it
 * come within 20 m of each other without 6 m of height between them.
 * Returns 0 or the error recorded in c.
 */
int mapgen_layout_build(struct mapgen_ctx *c);

/* Internal to layout*.c: samples the main road, solves its grades, adds
 * the arms, centres and checks the network (layout_fit.c). */
int mapgen__layout_fit(struct mapgen_ctx *c, struct mapgen_layout *L);

#endif
