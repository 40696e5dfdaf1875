/*
 * match_rule: which lane a point lies on.
 *
 * The rule both matchers follow, in the map's local frame: the in-memory
 * one the broker runs on every BSM (maps/index) and the PostGIS one it is
 * checked against (maps/db/match.h, maps/sql/0003_match.sql):
 *
 *  1. Candidates: the lanes whose centre line passes within
 *     MAP_MATCH_RADIUS_M (10 m) of (x, y), measured horizontally.
 *  2. On each candidate, the closest point C is the first point of the
 *     centre line (from its start) at the smallest horizontal distance d;
 *     the located s is the fraction of the line's horizontal (2D) length
 *     up to C, times the lane's length_m.
 *  3. The lane's z and heading at s come from its profile: linear
 *     interpolation between the last sample with s_a <= s and the next
 *     sample (the last sample alone when there is none after it); the
 *     heading is interpolated along the shorter arc and kept in [0, 360).
 *  4. Gates: when z is given (not NaN), |z - lane z| <= MAP_MATCH_MAX_DZ_M
 *     (5 m); when a heading is given, the smallest angle between it and
 *     the lane heading <= MAP_MATCH_MAX_HEADING_DIFF_DEG (60 degrees).
 *  5. Of the lanes that pass, the smallest d wins; on equal d, the
 *     smallest |dz| (when z is given); then the smallest lane id.
 *
 * The result: lane id, s, lateral offset (d, negative when the point lies
 * to the right of the lane heading at s, looking in the direction of
 * travel: the sign of (P - C) . (-cos h, sin h) for heading h clockwise
 * from north, + when 0), d itself, dz = z - lane z, and the lane's z and
 * heading at s.
 */
#ifndef V2X_MAPS_MATCH_RULE_H
#define V2X_MAPS_MATCH_RULE_H

#define MAP_MATCH_RADIUS_M             10.0
#define MAP_MATCH_MAX_HEADING_DIFF_DEG 60.0
#define MAP_MATCH_MAX_DZ_M             5.0

#endif
