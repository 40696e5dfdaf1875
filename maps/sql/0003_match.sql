-- 0003: v2x_map.match_lane, the lane a point in the local frame lies on.
--
-- The rule, which the in-memory matcher (maps/index) follows too, and which
-- maps/db/match.h documents for C callers:
--
--  1. Candidates are the version's lanes whose centre line passes within
--     p_radius_m (10 m) of (p_x, p_y), measured horizontally.
--  2. On each, the closest point C is the first point of the centre line
--     at the smallest horizontal distance d, and the located s is the
--     fraction of the line's horizontal length at C times the lane's
--     length_m (ST_LineLocatePoint).
--  3. The lane's z and heading at s come from the profile: linear
--     interpolation between the last sample at or before s and the next
--     one (the heading along the shorter arc).
--  4. Gates: with an elevation, |p_z - lane z| <= p_max_dz_m (5 m); with a
--     heading, the smallest angle between p_heading_deg and the lane
--     heading <= p_max_heading_diff_deg (60 degrees).  NULL skips a gate.
--  5. The smallest d wins; ties go to the smallest |dz|, then the smallest
--     lane id.
--
-- lateral_m is d, negative when the point lies to the right of the lane
-- heading at s (seen in the direction of travel).  dz is p_z - lane z
-- (NULL without p_z).  At most one row.
--
-- A single SQL statement, so that PostgreSQL inlines it into the caller's
-- query and the GiST index on lanes.geom_local answers step 1.  The
-- candidates are MATERIALIZED: inlined, the located s would be computed
-- again in every expression that uses it, which took half the time.

CREATE OR REPLACE FUNCTION v2x_map.match_lane(
	p_version bigint,
	p_x double precision,
	p_y double precision,
	p_z double precision DEFAULT NULL,
	p_heading_deg double precision DEFAULT NULL,
	p_radius_m double precision DEFAULT 10,
	p_max_heading_diff_deg double precision DEFAULT 60,
	p_max_dz_m double precision DEFAULT 5)
RETURNS TABLE (
	lane_id bigint,
	s double precision,
	lateral_m double precision,
	distance_m double precision,
	dz double precision,
	lane_z double precision,
	lane_heading_deg double precision)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	WITH cand AS MATERIALIZED (
		SELECT l.id AS lid, q.pt,
		       ST_Distance(l.geom_local, q.pt) AS dist,
		       ST_LineLocatePoint(l.geom_local, q.pt) * l.length_m AS ls,
		       ST_ClosestPoint(l.geom_local, q.pt) AS cp
		FROM (SELECT ST_MakePoint(p_x, p_y) AS pt) q
		JOIN v2x_map.lanes l
		  ON l.version_id = p_version AND ST_DWithin(l.geom_local, q.pt, p_radius_m)
	), prof AS (
		SELECT c.lid, c.dist, c.ls,
		       ST_X(c.pt) - ST_X(c.cp) AS ex, ST_Y(c.pt) - ST_Y(c.cp) AS ey,
		       a.s AS sa, a.z AS za, a.heading_deg AS ha,
		       coalesce(b.s, a.s) AS sb, coalesce(b.z, a.z) AS zb,
		       coalesce(b.heading_deg, a.heading_deg) AS hb
		FROM cand c
		CROSS JOIN LATERAL (
			SELECT p.s, p.z, p.heading_deg FROM v2x_map.lane_samples p
			WHERE p.version_id = p_version AND p.lane_id = c.lid AND p.s <= c.ls
			ORDER BY p.s DESC LIMIT 1) a
		LEFT JOIN LATERAL (
			SELECT p.s, p.z, p.heading_deg FROM v2x_map.lane_samples p
			WHERE p.version_id = p_version AND p.lane_id = c.lid AND p.s > c.ls
			ORDER BY p.s LIMIT 1) b ON true
	), weights AS (
		SELECT prof.*,
		       CASE WHEN sb > sa THEN (ls - sa) / (sb - sa) ELSE 0 END AS t,
		       (hb - ha) - 360 * floor((hb - ha + 180) / 360) AS dh
		FROM prof
	), at_s AS (
		SELECT lid, dist, ls, ex, ey, za + t * (zb - za) AS lz,
		       (ha + t * dh) - 360 * floor((ha + t * dh) / 360) AS lh
		FROM weights
	)
	SELECT lid AS m_lane, ls AS m_s,
	       CASE WHEN ey * sin(radians(lh)) - ex * cos(radians(lh)) < 0 THEN -dist ELSE dist END
	           AS m_lateral,
	       dist AS m_dist, p_z - lz AS m_dz, lz AS m_z, lh AS m_heading
	FROM at_s
	WHERE (p_z IS NULL OR abs(p_z - lz) <= p_max_dz_m)
	  AND (p_heading_deg IS NULL OR
	       abs((p_heading_deg - lh) - 360 * floor((p_heading_deg - lh + 180) / 360))
	           <= p_max_heading_diff_deg)
	ORDER BY dist, abs(coalesce(p_z - lz, 0)), lid
	LIMIT 1
$$;
