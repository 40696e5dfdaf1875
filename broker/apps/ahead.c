/*
 * ahead: the road ahead of a vehicle, shared per observation (ahead.h).
 */
#include "broker/apps/ahead.h"

#include "runtime/err.h"

static int keep(void *arg, const struct map_index_feature *f)
{
	struct brk_ahead *a = arg;

	if (!(BRK_AHEAD_KINDS & (1u << f->kind)))
		return MAP_INDEX_WALK_GO;
	if (a->n == BRK_AHEAD_MAX) {
		a->dropped++;
		return MAP_INDEX_WALK_GO;
	}
	a->f[a->n++] = *f;
	return MAP_INDEX_WALK_GO;
}

void brk_ahead_reset(struct brk_ahead *a)
{
	a->epoch_++;
}

const struct brk_ahead *brk_ahead_get(struct brk_ahead *a, const struct map_index *map,
                                      const struct brk_track *track)
{
	struct map_index_walk w = { .distance_m = BRK_AHEAD_DISTANCE_M,
		                    .on_feature = keep,
		                    .arg = a };

	if (a->walked_epoch_ == a->epoch_ && a->track_ == track && a->map_ == map &&
	    a->lane_id == track->match.lane_id && a->s == track->match.s)
		return a;
	a->track_ = track;
	a->map_ = map;
	a->walked_epoch_ = a->epoch_;
	a->lane_id = track->match.lane_id;
	a->s = track->match.s;
	a->n = a->dropped = 0;
	a->walks_++;
	a->rc = map_index_walk(map, a->lane_id, a->s, &w);
	/* More branches than a walk follows: what it met is still true. */
	if (a->rc < 0 && a->rc != V2X_ETOO_BIG)
		a->n = 0;
	return a;
}

int brk_ahead_here(struct brk_ahead *a, const struct map_index *map, const struct brk_track *track,
                   struct map_sample *out)
{
	if (a->here_epoch_ != a->epoch_ || a->here_track_ != track || a->here_map_ != map ||
	    a->here_lane_ != track->match.lane_id || a->here_s_ != track->match.s) {
		a->here_epoch_ = a->epoch_;
		a->here_track_ = track;
		a->here_map_ = map;
		a->here_lane_ = track->match.lane_id;
		a->here_s_ = track->match.s;
		a->here_rc_ =
		        map_index_profile_at(map, track->match.lane_id, track->match.s, &a->here_);
	}
	*out = a->here_;
	return a->here_rc_;
}

uint64_t brk_ahead_walks(const struct brk_ahead *a)
{
	return a->walks_;
}
