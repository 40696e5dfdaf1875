-- 0001: the broker's history in PostGIS (DESIGN.md section 8,
-- docs/persistence.md), in the schema v2x_broker.
--
-- Every table has a unique key made of the row's own identity, and the
-- broker writes with INSERT ... ON CONFLICT DO NOTHING: writing the same
-- rows twice (a batch whose COMMIT reply was lost, a spool drained after
-- its rows had been committed) adds nothing.
--
-- Times are µs since the epoch (bigint, _us) as the wire protocol carries
-- them; ids of vehicles and RSUs (8 octets) are lower-case hex; positions
-- are WGS 84 points (SRID 4326, longitude first).  uint64 values of the
-- wire (seq, warning and hazard ids) are stored as bigint: the broker
-- refuses values above 2^63-1.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS v2x_broker;

-- One row per observation stored (all of them, or a sample: the broker's
-- config).  agent_id is the agent connection's id, rsu_id the RSU the
-- message came from; (agent_id, seq) is the message's identity.
CREATE TABLE IF NOT EXISTS v2x_broker.observations (
	agent_id text NOT NULL,
	rsu_id text NOT NULL,
	seq bigint NOT NULL CHECK (seq >= 0),
	rx_time_us bigint NOT NULL,     -- the agent's receive time
	broker_time_us bigint NOT NULL, -- the broker's
	msg_type text NOT NULL CHECK (msg_type IN ('bsm', 'map', 'rsm', 'spat', 'rsi')),
	replayed boolean NOT NULL,
	record_only boolean NOT NULL,
	flags bigint NOT NULL,          -- enum v2x_msg_flag bits
	source_id text,                 -- BSM vehicle id, RSI/RSM RSU id (hex)
	msg_cnt smallint,
	sec_mark_s double precision,    -- BSM
	moy_s double precision,         -- MAP timestamp, SPAT and RSI moy
	position geometry(Point, 4326), -- BSM pos, RSI/RSM refPos, MAP first node
	elev_m double precision,
	msg jsonb,                      -- codecs/msgjson.h form (store_json)
	uper bytea,                     -- the MessageFrame (store_uper)
	stored_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (agent_id, seq)
);
-- Time-ordered inserts: a BRIN index costs little at 50,000 rows/s.
CREATE INDEX IF NOT EXISTS observations_rx_time ON v2x_broker.observations
	USING brin (rx_time_us);
CREATE INDEX IF NOT EXISTS observations_source ON v2x_broker.observations (source_id);

-- MAP messages heard from RSUs, one row per node (junction) of the
-- message, related to the loaded map's junction (v2x_map.intersections):
-- same region and node id in the latest map version, else the nearest
-- within 100 m (matched_by says which), else NULL.
CREATE TABLE IF NOT EXISTS v2x_broker.map_messages (
	agent_id text NOT NULL,
	rsu_id text NOT NULL,
	seq bigint NOT NULL,
	node_idx smallint NOT NULL,     -- the node's place in the message
	rx_time_us bigint NOT NULL,
	msg_cnt smallint,
	region integer,                 -- NULL: the message had none
	node_id integer NOT NULL,
	name text,
	position geometry(Point, 4326), -- the node's refPos
	n_links smallint,
	map_version_id bigint,          -- v2x_map.map_version.id looked at
	intersection_id bigint,         -- v2x_map.intersections.id, NULL: none
	matched_by text CHECK (matched_by IN ('id', 'nearest')),
	stored_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (agent_id, seq, node_idx)
);
CREATE INDEX IF NOT EXISTS map_messages_node ON v2x_broker.map_messages (region, node_id);

-- Signal states heard, one row per intersection of a SPAT.  phases:
-- [{"id": 1, "states": [{"light": "protected-green", "start_s": 0,
-- "likely_end_s": 12.5, ...}]}], times as in codecs/msg.h.
CREATE TABLE IF NOT EXISTS v2x_broker.spat_history (
	agent_id text NOT NULL,
	rsu_id text NOT NULL,
	seq bigint NOT NULL,
	idx smallint NOT NULL,          -- the intersection's place in the message
	rx_time_us bigint NOT NULL,
	msg_cnt smallint,
	region integer,
	node_id integer NOT NULL,
	status integer NOT NULL,
	moy_s double precision,
	timestamp_s double precision,
	phases jsonb NOT NULL,
	stored_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (agent_id, seq, idx)
);
CREATE INDEX IF NOT EXISTS spat_history_node ON v2x_broker.spat_history
	(region, node_id, rx_time_us);

-- A warning's lifecycle: one row per event.  run_id tells broker runs
-- apart (warning ids restart with each run).  Cancellations and expiries
-- carry the key, the time and the reason only.
CREATE TABLE IF NOT EXISTS v2x_broker.warnings (
	run_id bigint NOT NULL,
	warning_id bigint NOT NULL,
	revision bigint NOT NULL,
	event text NOT NULL CHECK (event IN ('issued', 'updated', 'cancelled', 'expired')),
	event_time_us bigint NOT NULL,  -- issue_time_us, or when it ended
	type smallint,                  -- WarningType of v2x.proto
	severity smallint,              -- Severity
	target_vehicle text,            -- hex
	subject text,                   -- vehicle:HEX, hazard:ID, signal:REGION/NODE/PHASE
	position geometry(Point, 4326),
	elev_m double precision,
	distance_m double precision,    -- along the target's path
	time_to_event_s double precision,
	advisory_speed_mps double precision,
	issue_time_us bigint,
	expiry_time_us bigint,
	sources text[],                 -- "RSU:SEQ" of the observations it came from
	trigger_rx_time_us bigint,
	cancel_reason smallint,         -- CancelReason
	text text,
	stored_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (run_id, warning_id, revision, event)
);
CREATE INDEX IF NOT EXISTS warnings_target ON v2x_broker.warnings (target_vehicle);
CREATE INDEX IF NOT EXISTS warnings_position ON v2x_broker.warnings USING gist (position);

-- A hazard's lifecycle (RSI events, RSM participants): one row per event.
CREATE TABLE IF NOT EXISTS v2x_broker.hazards (
	run_id bigint NOT NULL,
	hazard_id bigint NOT NULL,
	event text NOT NULL CHECK (event IN ('created', 'updated', 'cleared')),
	event_time_us bigint NOT NULL,  -- broker clock
	kind text NOT NULL CHECK (kind IN ('rsi', 'rsm')),
	event_type bigint,              -- GB/T 29100 (RSI)
	ptc_type integer,               -- participant type (RSM)
	position geometry(Point, 4326),
	radius_m double precision,
	lanes bigint[] NOT NULL,        -- v2x_map lane ids affected
	start_time_us bigint,
	end_time_us bigint,
	agent_id text,                  -- the source observation
	rsu_id text,
	seq bigint,
	stored_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (run_id, hazard_id, event, event_time_us)
);
CREATE INDEX IF NOT EXISTS hazards_position ON v2x_broker.hazards USING gist (position);

-- The highest observation seq stored per agent (written in the same
-- transaction as the rows, with GREATEST), for HelloAck.last_seq after a
-- restart.
CREATE TABLE IF NOT EXISTS v2x_broker.agent_seq (
	agent_id text PRIMARY KEY,
	last_seq bigint NOT NULL CHECK (last_seq >= 0),
	updated_at timestamptz NOT NULL DEFAULT now()
);
