/*
 * feature: what the model says about the road beyond its lanes (internal
 * to maps/gen), placed on the lanes once they are built: curves with their
 * advisory speeds (and the samples' advisory), grade sections, the tunnel
 * and the viaduct, the rock faces inside the hairpins, the hazard zones.
 */
#ifndef V2X_MAPS_GEN_FEATURE_H
#define V2X_MAPS_GEN_FEATURE_H

#include "maps/gen/ctx.h"

/*
 * A curve record per designed curve on every lane (ids lane * 100 + k in
 * the lane's direction), its lane radius the reference radius shifted by
 * the lane's offset, its advisory speed sqrt(g R (e + f)) capped by the
 * lane's limit and written into the samples it covers.  Lanes' speed
 * limits must be set.  0 or the error recorded in c.
 */
int mapgen_feature_curves(struct mapgen_ctx *c);

/* A grade section per lane and stretch of constant grade (vertical
 * curves excluded) of at least 1 % over at least 50 m; the grade is the
 * lane's own, from its heights at both ends. */
int mapgen_feature_grades(struct mapgen_ctx *c);

/* The tunnel (structure 1) and the viaduct (2) on both lanes they carry. */
int mapgen_feature_structures(struct mapgen_ctx *c);

/* The rock face inside each hairpin: the ground beyond the inner lane's
 * edge and a 1.5 m shoulder, from 25 m before the hairpin to 25 m after,
 * from 3 m below the road to 20 m above it. */
int mapgen_feature_obstructions(struct mapgen_ctx *c);

/* Hazard zones 1 rockfall (road 1), 2 ice at the tunnel's east portal
 * (road 2), 3 works on the downhill lane of the long descent. */
int mapgen_feature_hazards(struct mapgen_ctx *c);

#endif
