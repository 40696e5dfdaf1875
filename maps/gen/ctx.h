/*
 * ctx: what the generator's modules share while one map is built
 * (internal to maps/gen): the parameters, the random stream, the frame,
 * the model being filled and its lists' capacities, the road geometries,
 * and for every lane built how its s relates to u on its road's reference
 * line.  One per mapgen_build call; nothing outlives it but the model.
 */
#ifndef V2X_MAPS_GEN_CTX_H
#define V2X_MAPS_GEN_CTX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/frame.h"
#include "maps/gen/align.h"
#include "maps/gen/mapgen.h"
#include "maps/gen/rng.h"
#include "maps/gen/vprof.h"
#include "maps/gen/xsect.h"
#include "maps/model.h"
#include "runtime/arena.h"

/* Capacities of the model's lists: the layout's counts with room to spare
 * (lanes: 12 main, 6 arm, 12 connector). */
#define MAPGEN_ROADS_MAX       32
#define MAPGEN_LANES_MAX       48
#define MAPGEN_CONNECTIONS_MAX 64
#define MAPGEN_STOP_LINES_MAX  8
#define MAPGEN_RSUS_MAX        64
#define MAPGEN_CURVES_MAX      192
#define MAPGEN_GRADES_MAX      192

/* Profile points every 5 cm along reference lines. */
#define MAPGEN_STEP 0.05

/* One road alignment and everything a lane on it needs. */
struct mapgen_geom {
	struct mapgen_align align;
	struct mapgen_ref ref;
	struct mapgen_vprof vp;
	struct mapgen_xsect xs;
};

/* A lane as built: its part [u0, u1] of geom's reference line and, at
 * every fine point in the lane's own order, u and s. */
struct mapgen_lane_info {
	uint32_t lane_id;
	const struct mapgen_geom *geom;
	int side;
	double u0, u1;
	size_t n;
	double *u, *s;
	double z0_msl, z1_msl; /* heights at the lane's start and end */
};

struct mapgen_layout;

struct mapgen_ctx {
	const struct mapgen_params *p;
	struct mapgen_rng rng;
	struct v2x_arena *out;    /* the model's lists */
	struct v2x_arena scratch; /* everything else */
	struct map_frame *frame;
	struct map_model *m;
	struct mapgen_layout *lay;
	size_t n_info;
	struct mapgen_lane_info info[MAPGEN_LANES_MAX];
	char *err;
	size_t errlen;
	int rc;
};

/* Records the first failure (code rc, message formatted into c->err) and
 * returns c->rc. */
int mapgen_ctx_fail(struct mapgen_ctx *c, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Allocates n zeroed elements of size from the scratch arena; NULL and
 * V2X_ENOMEM recorded when it cannot. */
void *mapgen_ctx_scratch(struct mapgen_ctx *c, size_t n, size_t size);

/* Converts a height above mean sea level at local (x, y) to ellipsoidal;
 * 0 or the frame's error, recorded. */
int mapgen_ctx_ellipsoidal(struct mapgen_ctx *c, double x, double y, double z_msl, double *z);

/* The lane info of lane_id, or NULL. */
const struct mapgen_lane_info *mapgen_ctx_info(const struct mapgen_ctx *c, uint32_t lane_id);

/* s on the lane of info at u on its reference line (clamped to the lane). */
double mapgen_ctx_s_at(const struct mapgen_lane_info *info, double u);

/* The model's lane lane_id (mutable: the generator is still filling it). */
struct map_lane *mapgen_ctx_lane(struct mapgen_ctx *c, uint32_t lane_id);

/* Appends a connection to the model; 0 or V2X_ERANGE recorded when full. */
int mapgen_ctx_connect(struct mapgen_ctx *c, uint32_t from, uint32_t to, uint8_t maneuver,
                       int32_t signal_group, uint32_t intersection_id);

/* The parameters as a JSON object, keys their field names (mapgen.c);
 * NULL when out of memory. */
json_t *mapgen__params_json(const struct mapgen_params *p);

#endif
