/*
 * ahead: the road ahead of a vehicle, walked once per BSM and shared by
 * the applications that read features ahead (curves, grade sections,
 * stop lines, lane changes along the path).
 *
 * brk_apps owns one struct brk_ahead and puts it in the context of every
 * call (brk_app_ctx.ahead).  The first application that asks
 * brk_ahead_get() for a track's road ahead during an observation walks
 * the lane graph from the track's match for BRK_AHEAD_DISTANCE_M; the
 * others get the same result without walking again.  The runner forgets
 * it before each observation.
 *
 * What a walk keeps: the features of the kinds in BRK_AHEAD_KINDS, those
 * the applications read (hazards come from the hazard table; a curve's
 * start carries its whole record), in the order met,
 * with their branch numbers (at a fork the walk follows each successor: a
 * feature on branch k > 0 lies on a path the vehicle may not take).  The
 * feature records (curve, grade section, stop line, link, area) belong to
 * the index, valid while the context's map is.  At most BRK_AHEAD_MAX
 * features are kept, the rest counted in dropped.
 *
 * Nothing allocates; not thread-safe (the broker's loop thread).
 */
#ifndef V2X_BROKER_APPS_AHEAD_H
#define V2X_BROKER_APPS_AHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/state/tracks.h"
#include "maps/index/index.h"

/* How far ahead the walk looks: 18 s at 80 km/h, beyond the horizon of
 * every application that reads it (the farthest: a steep downgrade's
 * approach, max(150 m, 12 s) at the field's limits; a feature's own
 * extent, such as a grade section's end, comes with its start). */
#define BRK_AHEAD_DISTANCE_M 400.0
#define BRK_AHEAD_MAX        128

/* The kinds of feature a walk keeps (bit 1 << enum map_index_feature_kind):
 * copying the others for every BSM cost more than reading them. */
#define BRK_AHEAD_KINDS                                                  \
	((1u << MAP_INDEX_CURVE_START) | (1u << MAP_INDEX_GRADE_START) | \
	 (1u << MAP_INDEX_STOP_LINE) | (1u << MAP_INDEX_LANE_ENTER))

struct brk_ahead {
	/* The last walk: from (lane_id, s), the track's match. */
	uint32_t lane_id;
	double s;
	int rc;         /* map_index_walk()'s answer: branches walked, or < 0 */
	size_t n;       /* features kept */
	size_t dropped; /* features beyond BRK_AHEAD_MAX */
	struct map_index_feature f[BRK_AHEAD_MAX];
	/* Internal to ahead.c: what the walk was for. */
	const struct brk_track *track_;
	const struct map_index *map_;
	uint64_t epoch_;
	uint64_t walked_epoch_;
	uint64_t walks_;
	/* Internal to ahead.c: the profile at the track's match. */
	struct map_sample here_;
	int here_rc_;
	uint64_t here_epoch_;
	const struct brk_track *here_track_;
	const struct map_index *here_map_;
	uint32_t here_lane_;
	double here_s_;
};

/* Forgets the last walk (brk_apps calls it before each observation). */
void brk_ahead_reset(struct brk_ahead *a);

/*
 * The road ahead of track (which must have a match) on map: walked now,
 * or the walk already made for the same track in this observation.
 * Returns a (never NULL); a->rc < 0 when the walk failed (the lane is not
 * in map: the features are then none).
 */
const struct brk_ahead *brk_ahead_get(struct brk_ahead *a, const struct map_index *map,
                                      const struct brk_track *track);

/*
 * The lane's profile at track's match on map (map_index_profile_at()),
 * looked up once per observation and shared like the walk: several
 * applications read the grade, the width or the limit where the vehicle
 * is.  Returns 0 with *out filled, or map_index_profile_at()'s error.
 */
int brk_ahead_here(struct brk_ahead *a, const struct map_index *map, const struct brk_track *track,
                   struct map_sample *out);

/* Walks made so far (for the benchmark and tests). */
uint64_t brk_ahead_walks(const struct brk_ahead *a);

#endif
