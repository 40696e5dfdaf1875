/*
 * index: the in-memory lane index and map matcher that the broker calls on
 * every BSM.
 *
 * An index is built once from a struct map_model and owns a copy of
 * everything it needs (the model may be freed right after): lanes, their
 * successors and predecessors, profiles, and the features a walk along the
 * lanes meets (curves, grade sections, tunnels, bridges, stop lines, hazard
 * zones).  A uniform grid over the lane segments, each cell listing the
 * segments within MAP_MATCH_RADIUS_M of any point of the cell, makes a match
 * one cell lookup and a scan of a few dozen segments.
 *
 * An index never changes after map_index_new() returns: any number of
 * threads may call the const functions on it at once.  Nothing here
 * allocates after the build.  To replace the map while readers run, hand
 * the index to a struct map_index_slot (slot.h).
 *
 * Geometry is the model's local frame (x east, y north, z ellipsoidal
 * height, metres); headings are degrees clockwise from grid north; s is a
 * lane's own distance from its start, 0..length_m.
 *
 * The matching rule
 * -----------------
 * The same as maps/db's PostGIS query (maps/db/match.h,
 * maps/sql/0003_match.sql), so that the two answer alike:
 *  1. Candidates: the lanes whose centre line (the polyline of its points;
 *     segments of zero horizontal length dropped) passes within
 *     MAP_MATCH_RADIUS_M of (x, y), measured horizontally.  The index keeps
 *     the points as float offsets from each lane's first point (to a
 *     quarter of a millimetre 2 km away) and computes in double.
 *  2. On each, the closest point C: the first segment in the line's order
 *     at the smallest squared horizontal distance d^2, C at parameter
 *     t = ((P - A) . (B - A)) / |B - A|^2 clamped to 0..1 (C = A at 0, B
 *     at 1); s = s(A) + t (s(B) - s(A)), where s of a point is its
 *     horizontal distance along the line scaled so that the last point
 *     has s = length_m (PostGIS: ST_LineLocatePoint * length_m).
 *  3. The lane's z, heading and width at s come from its profile: linear
 *     between the last sample with s_a <= s and the next one (the last
 *     alone when there is none after it), the heading along the shorter
 *     arc, in 0..360.
 *  4. Gates, on that point only: with a z, |z - lane z| <=
 *     MAP_MATCH_MAX_DZ_M; with a heading, |heading - lane heading|
 *     (wrapped to -180..180) <= MAP_MATCH_MAX_HEADING_DIFF_DEG.  A lane whose
 *     closest point fails a gate is no candidate, even where another part
 *     of it would pass.
 *  5. The smallest d wins, then the smallest |dz| (with a z), then the
 *     smallest lane id.  No lane left: V2X_ENOTFOUND.
 * lateral_m is d, negative when P lies right of the lane heading at s:
 * the sign of (P - C) . (-cos h, sin h), + when 0.
 *
 * The hint (the caller's previous match of the same vehicle) only chooses
 * among the lanes the rule lets through, never adds one, in this order:
 *  1. Lane keeping: the hint's lane, its successors when the hint lies
 *     within MAP_INDEX_HINT_REACH_M of the lane's end, and its predecessors
 *     when the hint lies within that distance of the lane's start.  Those
 *     of them whose closest point is within half the lane's width at s +
 *     MAP_INDEX_HINT_MARGIN_M are preferred; the best of them by the order
 *     above wins.
 *  2. Direction keeping, only when the query has no heading: lanes whose
 *     heading at s is within MAP_MATCH_MAX_HEADING_DIFF_DEG of the hint's lane
 *     heading are preferred (a vehicle does not turn round between two
 *     BSMs; this is what keeps a car on its side of a two-way road when its
 *     GNSS heading is unavailable, as at hairpin speeds).
 *  3. Otherwise the rule's match.
 * A hint whose lane is not in this index (a map reload removed it) is
 * ignored.  Pass a hint only when it is recent, a second or so: it assumes
 * the vehicle has not turned round or changed lanes in between.
 */
#ifndef V2X_MAPS_INDEX_INDEX_H
#define V2X_MAPS_INDEX_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/match_rule.h"
#include "maps/model.h"

/* Lane keeping: the corridor beyond the lane's half width, and how far the
 * vehicle may have travelled into a successor or back into a predecessor
 * since the hint (three BSMs at 30 m/s). */
#define MAP_INDEX_HINT_MARGIN_M 1.5
#define MAP_INDEX_HINT_REACH_M  10.0

struct map_index;

/* A position to match.  z and heading_deg are NaN when unknown. */
struct map_index_query {
	double x, y, z;
	double heading_deg;
};

/* The result of a match; also the hint for the vehicle's next match. */
struct map_index_match {
	uint32_t lane_id;
	double s;                /* along the lane, 0..length_m */
	double lateral_m;        /* horizontal distance, positive left of travel */
	double dz_m;             /* query z minus lane z at s; NaN without z */
	double heading_diff_deg; /* query minus lane heading, -180..180; NaN without */
	double lane_heading_deg; /* the lane's heading at s (profile), 0..360 */
	double confidence;       /* 0..1, see map_index_match() */
};

/* A connection seen from one lane: the lane at its other end. */
struct map_index_link {
	uint32_t lane_id;
	uint8_t maneuver;     /* enum map_maneuver */
	int32_t signal_group; /* -1 if unsignalised */
	uint32_t intersection_id;
};

/* A lane as the index holds it. */
struct map_index_lane {
	uint32_t id;
	uint32_t road_id;
	int8_t direction;
	double width_m;
	double speed_limit_mps;
	double length_m;
	size_t n_successors;
	size_t n_predecessors;
};

/* What an index holds, for logs and the benchmark. */
struct map_index_stats {
	size_t n_lanes;
	size_t n_segments;
	size_t n_samples;
	size_t n_features; /* events a walk can report, on all lanes */
	double lane_length_m;
	size_t bytes; /* all memory the index owns */
	double cell_m;
	size_t n_cells;
	size_t n_runs;           /* (lane, segment range) entries of all cells */
	size_t max_runs_in_cell; /* worst case of a match's scan */
	size_t max_segs_in_cell;
};

/*
 * Builds an index of m (borrowed for the call: the index copies what it
 * keeps).  Returns 0 and *out (caller frees with map_index_free, or hands
 * it to a slot); V2X_EINVAL with the lane or feature at fault in err (a
 * lane with fewer than two points or no samples, samples not ascending in
 * s, duplicate lane ids, a connection or feature naming an unknown lane,
 * a feature more than 0.5 m beyond its lane's ends (within that it is
 * moved onto the lane), a non-finite coordinate); V2X_ENOMEM.
 */
int map_index_new(const struct map_model *m, struct map_index **out, char *err, size_t errlen);

/*
 * Drops the caller's reference to idx; the index is freed when no slot and
 * no reader holds it any more.  Accepts NULL.
 */
void map_index_free(struct map_index *idx);

/* Fills *st. */
void map_index_stats(const struct map_index *idx, struct map_index_stats *st);

/* Fills *out with lane_id's attributes.  0 or V2X_ENOTFOUND. */
int map_index_lane(const struct map_index *idx, uint32_t lane_id, struct map_index_lane *out);

/*
 * Points *links at lane_id's successors (successors true) or predecessors,
 * *n of them, in the order of the model's connections.  The array belongs
 * to idx.  0 or V2X_ENOTFOUND.
 */
int map_index_links(const struct map_index *idx, uint32_t lane_id, bool successors,
                    const struct map_index_link **links, size_t *n);

/*
 * Fills *out with lane_id's profile at s (clamped to 0..length_m),
 * interpolated linearly between the two samples around s (heading along
 * the shorter arc, as the match reads it; advisory NaN unless both
 * samples have one).
 * 0 or V2X_ENOTFOUND.
 */
int map_index_profile_at(const struct map_index *idx, uint32_t lane_id, double s,
                         struct map_sample *out);

/*
 * Matches q to a lane by the rule and the hint described at the top of
 * this file.  hint is NULL or a previous result of this function for the
 * same vehicle (borrowed for the call; it may be out itself, so that a
 * track's match is updated in place).  Returns 0 and *out; V2X_ENOTFOUND
 * when the point is off map (no lane qualifies); V2X_EINVAL when x or
 * y is not finite.  Allocates nothing; safe from several threads at once.
 *
 * confidence is a heuristic in 0..1, not a probability: the product of
 * closeness (1 inside the lane, falling to 0.1 at the gate), heading
 * agreement (1 .. 0.5 at the gate; 0.8 when unknown), elevation agreement
 * (1 .. 0.5 at the gate; 0.9 when unknown) and how clearly the lane beats
 * the nearest qualifying lane not connected to it (0.5 at an equal
 * distance, 1 when that lane is a lane width farther away or absent).
 */
int map_index_match(const struct map_index *idx, const struct map_index_query *q,
                    const struct map_index_match *hint, struct map_index_match *out);

/* Where a walk is. */
struct map_index_at {
	uint32_t lane_id;
	double s;        /* on lane_id */
	double dist_m;   /* along the path from the walk's start */
	unsigned branch; /* path number, 0 first; see map_index_walk() */
};

enum map_index_feature_kind {
	MAP_INDEX_CURVE_START = 1, /* u.curve; s_other is its end */
	MAP_INDEX_CURVE_ARC_START, /* the arc of constant radius begins */
	MAP_INDEX_CURVE_ARC_END,
	MAP_INDEX_CURVE_END,
	MAP_INDEX_GRADE_START, /* u.grade */
	MAP_INDEX_GRADE_END,
	MAP_INDEX_TUNNEL_START, /* u.area */
	MAP_INDEX_TUNNEL_END,
	MAP_INDEX_BRIDGE_START, /* u.area */
	MAP_INDEX_BRIDGE_END,
	MAP_INDEX_STOP_LINE,    /* u.stop_line */
	MAP_INDEX_HAZARD_START, /* u.area */
	MAP_INDEX_HAZARD_END,
	MAP_INDEX_LANE_ENTER, /* u.link: the walk moves into a successor */
};

/* A tunnel, bridge or hazard zone, without its geometry. */
struct map_index_area {
	uint32_t id;
	uint8_t kind; /* enum map_structure_kind, or enum map_hazard_kind */
	bool hazard;  /* a hazard zone rather than a structure */
	uint16_t event_type;
	char name[MAP_NAME_MAX + 1];
};

/*
 * A feature a walk meets.  The records u points at belong to the index
 * (valid as long as the caller holds it).  For a *_START, s_other is where
 * the curve, section or interval ends on this lane; for an *_END, where it
 * began; s for a stop line.
 */
struct map_index_feature {
	enum map_index_feature_kind kind;
	struct map_index_at at; /* at.s may lie behind the start: see map_index_walk() */
	double s_other;
	unsigned from_branch; /* LANE_ENTER: the branch that reached the fork */
	union {
		const struct map_curve *curve;
		const struct map_grade_section *grade;
		const struct map_stop_line *stop_line;
		const struct map_index_area *area;
		const struct map_index_link *link;
	} u;
};

/* A visitor's answer: go on, or stop following this branch only.  Any
 * negative value stops the whole walk and is what map_index_walk returns. */
#define MAP_INDEX_WALK_GO    0
#define MAP_INDEX_WALK_PRUNE 1

/* The most branches one walk follows. */
#define MAP_INDEX_WALK_MAX_BRANCHES 64

/* What to walk and whom to tell.  Zero-initialise, then set what you need. */
struct map_index_walk {
	double distance_m; /* how far ahead of the start */
	/* Profile samples: none when on_sample is NULL; every sample when
	 * stride_m is 0; otherwise the first sample at or beyond the start and
	 * then the first one at least stride_m farther each time. */
	double stride_m;
	int (*on_sample)(void *arg, const struct map_index_at *at, const struct map_sample *smp);
	int (*on_feature)(void *arg, const struct map_index_feature *f);
	void *arg;
	/* NULL: every successor is followed.  Otherwise the lanes to follow,
	 * route[0] the start lane; the walk stops where the route ends or names
	 * a lane that is not a successor. */
	const uint32_t *route;
	size_t route_len;
};

/*
 * Walks the lane graph from (lane_id, s) for w->distance_m, reporting in
 * order of distance along each path the profile samples and the features
 * met (borrowed for the call: w and what it points at).  At a lane with
 * several successors the first one continues the current branch and every
 * other one starts a new branch, numbered in the order met, reported with
 * a LANE_ENTER whose from_branch is the branch that reached the fork; each
 * branch is walked to its end before the next (depth first), and what lies
 * before a fork is reported once.  Features whose interval contains the
 * start (a curve the vehicle is already in) are reported first with their
 * *_START at a negative dist_m, how far behind the start they began.  A
 * tunnel, bridge or hazard zone that goes on into the next lane is not
 * reported as ending and starting again at the joint.
 *
 * Returns the number of branches walked (>= 1); V2X_ENOTFOUND for an
 * unknown lane; V2X_EINVAL when route does not start with lane_id or the
 * distance is negative; V2X_ETOO_BIG after walking the first
 * MAP_INDEX_WALK_MAX_BRANCHES when there were more; or a visitor's
 * negative answer.  Allocates nothing.
 */
int map_index_walk(const struct map_index *idx, uint32_t lane_id, double s,
                   const struct map_index_walk *w);

/*
 * Distance along the road between two positions (usually two matches):
 * the shortest path forward along successors from a to b, and from b to a,
 * each up to max_m.  Returns 0 and *dist_m, positive when b lies ahead of
 * a, negative when behind (the shorter of the two when both exist, as on a
 * loop); V2X_ENOTFOUND when neither is within max_m ("not on a common
 * path": opposite directions, separate roads) or a lane is unknown.
 * Allocates nothing.
 */
int map_index_along(const struct map_index *idx, uint32_t a_lane, double a_s, uint32_t b_lane,
                    double b_s, double max_m, double *dist_m);

/*
 * Sight lines.  The index keeps the map's sight obstructions (the rock
 * faces inside hairpins: an outline, from z_bottom up to z_top).  The line
 * of sight from a to b (local frame; z the eye heights, NaN: at every
 * height) is blocked by an obstruction when, seen from above, it crosses
 * the outline or has an end inside it, and the line's height where it
 * enters the outline (linear between a.z and b.z) lies between z_bottom
 * and z_top.  Returns the id of the first obstruction (in the model's
 * order) that blocks it, or 0 when the line is clear.  Allocates nothing.
 */
uint32_t map_index_sight_blocked(const struct map_index *idx, const struct map_xyz *a,
                                 const struct map_xyz *b);

/* The number of obstructions the index holds. */
size_t map_index_obstructions(const struct map_index *idx);

/* Fills *out with intersection id's record (MAP node, reference point).
 * 0 or V2X_ENOTFOUND. */
int map_index_intersection(const struct map_index *idx, uint32_t id, struct map_intersection *out);

#endif
