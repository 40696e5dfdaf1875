/*
 * lanespan: a stretch of a lane, the unit in which the broker speaks of
 * where a hazard is (broker/apps/hazards.h) and which lanes a zone covers
 * (broker/mapsrc/mapsrc.h).
 */
#ifndef V2X_BROKER_STATE_LANESPAN_H
#define V2X_BROKER_STATE_LANESPAN_H

#include <stdint.h>

/* An interval of a lane, s_from <= s_to, metres along the lane's own s. */
struct brk_lane_span {
	uint32_t lane_id;
	double s_from, s_to;
};

#endif
