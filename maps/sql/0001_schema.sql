-- 0001: the HD map's tables (DESIGN.md section 6), in the schema v2x_map.
--
-- Every row belongs to one map version (map_version.id).  A version is
-- written once, in one transaction, and never changed afterwards: a new
-- map is a new version, and an old one goes with DELETE FROM map_version
-- (every other table cascades).
--
-- Geometry is kept in two frames:
--
--   *_local  the version's own local metric frame, SRID 0: x east and
--            y north in metres, z the WGS 84 ellipsoidal height in metres.
--            The frame is map_version.projection (a PROJ string).  It is
--            SRID 0 rather than a custom spatial_ref_sys entry because each
--            version may have a frame of its own: a custom SRID would have
--            to be kept in step with the versions, and would still not make
--            the local geometry of two versions comparable.  So every query
--            on local geometry names its version.
--   *_wgs84  the same points in WGS 84, computed by the loader with PROJ
--            from the local frame: SRID 4979 (longitude, latitude in
--            degrees, ellipsoidal height in metres) for points and lines
--            with heights, SRID 4326 for flat outlines.  Cast to geography
--            for distances in metres.
--
-- s is the distance along a lane from its start, in metres.  Units are in
-- the column names (_m, _mps, _deg).  Kinds are readable text, checked.
-- Ids are the model's uint32 ids, hence bigint with a range check.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS v2x_map;

DO $$
BEGIN
	CREATE DOMAIN v2x_map.u32 AS bigint CHECK (VALUE BETWEEN 0 AND 4294967295);
EXCEPTION WHEN duplicate_object THEN
	NULL;
END $$;

DO $$
BEGIN
	CREATE DOMAIN v2x_map.u16 AS integer CHECK (VALUE BETWEEN 0 AND 65535);
EXCEPTION WHEN duplicate_object THEN
	NULL;
END $$;

-- One loaded map.  loaded_at is set by the loader as the last statement of
-- its transaction; 0002 turns that into a NOTIFY.
CREATE TABLE IF NOT EXISTS v2x_map.map_version (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL CHECK (octet_length(name) <= 63),
	projection text NOT NULL CHECK (octet_length(projection) BETWEEN 1 AND 255),
	height_datum text NOT NULL CHECK (octet_length(height_datum) <= 127),
	source text NOT NULL CHECK (octet_length(source) <= 127),
	origin_lat_deg double precision NOT NULL,
	origin_lon_deg double precision NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	loaded_at timestamptz
);

CREATE TABLE IF NOT EXISTS v2x_map.roads (
	version_id bigint NOT NULL REFERENCES v2x_map.map_version (id) ON DELETE CASCADE,
	id v2x_map.u32 NOT NULL,
	name text NOT NULL CHECK (octet_length(name) <= 63),
	length_m double precision NOT NULL,
	PRIMARY KEY (version_id, id)
);

-- A lane is one direction of travel; its centre line runs the way vehicles
-- drive it.
CREATE TABLE IF NOT EXISTS v2x_map.lanes (
	version_id bigint NOT NULL,
	id v2x_map.u32 NOT NULL,
	road_id v2x_map.u32 NOT NULL,
	direction smallint NOT NULL CHECK (direction IN (-1, 1)),
	type text NOT NULL CHECK (type IN ('driving')),
	width_m double precision NOT NULL,
	speed_limit_mps double precision NOT NULL,
	length_m double precision NOT NULL,
	geom_local geometry(LineStringZ, 0) NOT NULL,
	geom_wgs84 geometry(LineStringZ, 4979) NOT NULL,
	PRIMARY KEY (version_id, id),
	FOREIGN KEY (version_id, road_id) REFERENCES v2x_map.roads (version_id, id)
		ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS lanes_road ON v2x_map.lanes (version_id, road_id);
-- Nearest-lane and matching queries (local), zone and geofence joins (WGS 84).
CREATE INDEX IF NOT EXISTS lanes_geom_local ON v2x_map.lanes USING gist (geom_local);
CREATE INDEX IF NOT EXISTS lanes_geom_wgs84 ON v2x_map.lanes USING gist (geom_wgs84);

-- The profile of a lane, every metre or finer; the primary key is also the
-- index that finds the samples around a located s.  advisory_mps is NULL
-- where there is no advisory speed.
CREATE TABLE IF NOT EXISTS v2x_map.lane_samples (
	version_id bigint NOT NULL,
	lane_id v2x_map.u32 NOT NULL,
	s double precision NOT NULL,
	x double precision NOT NULL,
	y double precision NOT NULL,
	z double precision NOT NULL,
	heading_deg double precision NOT NULL, -- clockwise from grid north
	curvature double precision NOT NULL,   -- 1/m, positive turning left
	grade double precision NOT NULL,       -- dz/ds, positive uphill
	superelevation double precision NOT NULL, -- positive: left edge higher
	width_m double precision NOT NULL,
	speed_limit_mps double precision NOT NULL,
	advisory_mps double precision,
	PRIMARY KEY (version_id, lane_id, s),
	FOREIGN KEY (version_id, lane_id) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE
);

-- A signalised (or not) intersection and its MAP node (region, node_id).
CREATE TABLE IF NOT EXISTS v2x_map.intersections (
	version_id bigint NOT NULL REFERENCES v2x_map.map_version (id) ON DELETE CASCADE,
	id v2x_map.u32 NOT NULL CHECK (id <> 0),
	name text NOT NULL CHECK (octet_length(name) <= 63),
	region v2x_map.u16 NOT NULL,
	node_id v2x_map.u16 NOT NULL,
	ref_local geometry(PointZ, 0) NOT NULL,
	ref_wgs84 geometry(PointZ, 4979) NOT NULL,
	PRIMARY KEY (version_id, id),
	UNIQUE (version_id, region, node_id)
);

-- from_lane's end continues into to_lane's start.  signal_group is the
-- SPAT phase controlling the movement, NULL when unsignalised.
CREATE TABLE IF NOT EXISTS v2x_map.lane_connections (
	version_id bigint NOT NULL,
	from_lane v2x_map.u32 NOT NULL,
	to_lane v2x_map.u32 NOT NULL,
	maneuver text NOT NULL CHECK (maneuver IN ('straight', 'left', 'right', 'uturn')),
	signal_group integer CHECK (signal_group BETWEEN 0 AND 255),
	intersection_id v2x_map.u32,
	PRIMARY KEY (version_id, from_lane, to_lane),
	FOREIGN KEY (version_id, from_lane) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (version_id, to_lane) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (version_id, intersection_id) REFERENCES v2x_map.intersections (version_id, id)
		ON DELETE CASCADE
);
-- Predecessors of a lane.
CREATE INDEX IF NOT EXISTS lane_connections_to ON v2x_map.lane_connections (version_id, to_lane);

-- A stop line across a lane at s, from end a to end b.
CREATE TABLE IF NOT EXISTS v2x_map.stop_lines (
	version_id bigint NOT NULL,
	id v2x_map.u32 NOT NULL,
	lane_id v2x_map.u32 NOT NULL,
	s double precision NOT NULL,
	intersection_id v2x_map.u32,
	signal_group integer CHECK (signal_group BETWEEN 0 AND 255),
	geom_local geometry(LineStringZ, 0) NOT NULL,
	geom_wgs84 geometry(LineStringZ, 4979) NOT NULL,
	PRIMARY KEY (version_id, id),
	FOREIGN KEY (version_id, lane_id) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (version_id, intersection_id) REFERENCES v2x_map.intersections (version_id, id)
		ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS stop_lines_lane ON v2x_map.stop_lines (version_id, lane_id, s);

-- Tunnels and bridges, as the stretches of the lanes they carry.
CREATE TABLE IF NOT EXISTS v2x_map.structures (
	version_id bigint NOT NULL REFERENCES v2x_map.map_version (id) ON DELETE CASCADE,
	id v2x_map.u32 NOT NULL,
	kind text NOT NULL CHECK (kind IN ('tunnel', 'bridge')),
	name text NOT NULL CHECK (octet_length(name) <= 63),
	PRIMARY KEY (version_id, id)
);

CREATE TABLE IF NOT EXISTS v2x_map.structure_intervals (
	version_id bigint NOT NULL,
	structure_id v2x_map.u32 NOT NULL,
	seq integer NOT NULL, -- order within the structure, from 0
	lane_id v2x_map.u32 NOT NULL,
	s0 double precision NOT NULL,
	s1 double precision NOT NULL,
	PRIMARY KEY (version_id, structure_id, seq),
	FOREIGN KEY (version_id, structure_id) REFERENCES v2x_map.structures (version_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (version_id, lane_id) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE
);
-- "Is this s of this lane in a tunnel or on a bridge?"
CREATE INDEX IF NOT EXISTS structure_intervals_lane
	ON v2x_map.structure_intervals (version_id, lane_id, s0);

-- What blocks the line of sight (the rock face inside a hairpin), from
-- z_bottom up to z_top.
CREATE TABLE IF NOT EXISTS v2x_map.obstructions (
	version_id bigint NOT NULL REFERENCES v2x_map.map_version (id) ON DELETE CASCADE,
	id v2x_map.u32 NOT NULL,
	name text NOT NULL CHECK (octet_length(name) <= 63),
	z_bottom double precision NOT NULL,
	z_top double precision NOT NULL,
	outline_local geometry(Polygon, 0) NOT NULL,
	outline_wgs84 geometry(Polygon, 4326) NOT NULL,
	PRIMARY KEY (version_id, id)
);
-- Line-of-sight tests: which obstructions does a sight line cross?
CREATE INDEX IF NOT EXISTS obstructions_outline_local
	ON v2x_map.obstructions USING gist (outline_local);

-- Roadside units: the antenna position, its mast height above the ground
-- and its radio range.
CREATE TABLE IF NOT EXISTS v2x_map.rsus (
	version_id bigint NOT NULL REFERENCES v2x_map.map_version (id) ON DELETE CASCADE,
	id v2x_map.u32 NOT NULL,
	rsu_id text NOT NULL CHECK (octet_length(rsu_id) BETWEEN 1 AND 63),
	pos_local geometry(PointZ, 0) NOT NULL,
	pos_wgs84 geometry(PointZ, 4979) NOT NULL,
	mast_height_m double precision NOT NULL,
	range_m double precision NOT NULL,
	PRIMARY KEY (version_id, id),
	UNIQUE (version_id, rsu_id)
);
-- Coverage: which RSUs reach a point or a lane?
CREATE INDEX IF NOT EXISTS rsus_pos_local ON v2x_map.rsus USING gist (pos_local);
CREATE INDEX IF NOT EXISTS rsus_pos_wgs84 ON v2x_map.rsus USING gist (pos_wgs84);

-- Named spots where hazards happen, for RSI events to be placed on.
CREATE TABLE IF NOT EXISTS v2x_map.hazard_zones (
	version_id bigint NOT NULL REFERENCES v2x_map.map_version (id) ON DELETE CASCADE,
	id v2x_map.u32 NOT NULL,
	kind text NOT NULL CHECK (kind IN ('rockfall', 'ice', 'works', 'fog', 'landslide')),
	name text NOT NULL CHECK (octet_length(name) <= 63),
	event_type v2x_map.u16 NOT NULL, -- GB/T 29100 code of the RSI
	area_local geometry(Polygon, 0) NOT NULL,
	area_wgs84 geometry(Polygon, 4326) NOT NULL,
	PRIMARY KEY (version_id, id)
);
-- Which zone does an RSI event's position or path fall in?
CREATE INDEX IF NOT EXISTS hazard_zones_area_local
	ON v2x_map.hazard_zones USING gist (area_local);
CREATE INDEX IF NOT EXISTS hazard_zones_area_wgs84
	ON v2x_map.hazard_zones USING gist (area_wgs84);

CREATE TABLE IF NOT EXISTS v2x_map.hazard_zone_intervals (
	version_id bigint NOT NULL,
	zone_id v2x_map.u32 NOT NULL,
	seq integer NOT NULL, -- order within the zone, from 0
	lane_id v2x_map.u32 NOT NULL,
	s0 double precision NOT NULL,
	s1 double precision NOT NULL,
	PRIMARY KEY (version_id, zone_id, seq),
	FOREIGN KEY (version_id, zone_id) REFERENCES v2x_map.hazard_zones (version_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (version_id, lane_id) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS hazard_zone_intervals_lane
	ON v2x_map.hazard_zone_intervals (version_id, lane_id, s0);

-- A designed curve of one lane: s0..s1 with its transitions, the arc of
-- constant radius arc_s0..arc_s1.  turn is +1 left, -1 right.
CREATE TABLE IF NOT EXISTS v2x_map.curves (
	version_id bigint NOT NULL,
	id v2x_map.u32 NOT NULL,
	lane_id v2x_map.u32 NOT NULL,
	s0 double precision NOT NULL,
	s1 double precision NOT NULL,
	arc_s0 double precision NOT NULL,
	arc_s1 double precision NOT NULL,
	radius_m double precision NOT NULL,
	turn smallint NOT NULL CHECK (turn IN (-1, 1)),
	hairpin boolean NOT NULL,
	advisory_mps double precision,
	PRIMARY KEY (version_id, id),
	FOREIGN KEY (version_id, lane_id) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS curves_lane ON v2x_map.curves (version_id, lane_id, s0);

-- A stretch of one lane with a sustained grade (dz/ds in the direction of
-- travel).
CREATE TABLE IF NOT EXISTS v2x_map.grade_sections (
	version_id bigint NOT NULL,
	id v2x_map.u32 NOT NULL,
	lane_id v2x_map.u32 NOT NULL,
	s0 double precision NOT NULL,
	s1 double precision NOT NULL,
	grade double precision NOT NULL,
	PRIMARY KEY (version_id, id),
	FOREIGN KEY (version_id, lane_id) REFERENCES v2x_map.lanes (version_id, id)
		ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS grade_sections_lane
	ON v2x_map.grade_sections (version_id, lane_id, s0);
