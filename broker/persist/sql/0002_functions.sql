-- 0002: the functions the broker's inserts use.

-- A WGS 84 point, NULL when a coordinate is missing.
CREATE OR REPLACE FUNCTION v2x_broker.point(lon double precision, lat double precision)
RETURNS geometry(Point, 4326)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN lon IS NULL OR lat IS NULL THEN NULL
	            ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END
$$;

-- The junction of the loaded map a MAP node is: in the latest loaded
-- version of v2x_map (maps/sql), the intersection with the same node id
-- (and region, when the message had one), else the nearest within 100 m
-- of pos.  All NULL when the map schema or a version is missing; version
-- set and intersection NULL when nothing matched.  plpgsql plans its
-- queries when they first run, so this function exists (and answers NULL)
-- on a database without the map schema.
CREATE OR REPLACE FUNCTION v2x_broker.map_junction(p_region integer, p_node integer,
	p_pos geometry, OUT map_version_id bigint, OUT intersection_id bigint, OUT matched_by text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF to_regclass('v2x_map.intersections') IS NULL
	   OR to_regclass('v2x_map.map_version') IS NULL THEN
		RETURN;
	END IF;
	SELECT v.id INTO map_version_id FROM v2x_map.map_version v
	 WHERE v.loaded_at IS NOT NULL ORDER BY v.id DESC LIMIT 1;
	IF map_version_id IS NULL THEN
		RETURN;
	END IF;
	SELECT i.id INTO intersection_id FROM v2x_map.intersections i
	 WHERE i.version_id = map_version_id AND i.node_id = p_node
	   AND (p_region IS NULL OR i.region = p_region)
	 ORDER BY i.region, i.id LIMIT 1;
	IF intersection_id IS NOT NULL THEN
		matched_by := 'id';
		RETURN;
	END IF;
	IF p_pos IS NULL THEN
		RETURN;
	END IF;
	SELECT i.id INTO intersection_id FROM v2x_map.intersections i
	 WHERE i.version_id = map_version_id
	   AND ST_DWithin(ST_SetSRID(ST_Force2D(i.ref_wgs84), 4326)::geography,
	                  p_pos::geography, 100)
	 ORDER BY ST_Distance(ST_SetSRID(ST_Force2D(i.ref_wgs84), 4326)::geography,
	                      p_pos::geography), i.id
	 LIMIT 1;
	IF intersection_id IS NOT NULL THEN
		matched_by := 'nearest';
	END IF;
END
$$;
