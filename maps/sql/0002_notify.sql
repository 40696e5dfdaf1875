-- 0002: NOTIFY v2x_map_version, payload the version id, when a map version
-- has been loaded completely.
--
-- A loader writes the map_version row with loaded_at NULL, then every
-- table, and sets loaded_at as the last statement of the same transaction.
-- The trigger fires on that update (or on an insert that is complete from
-- the start); PostgreSQL delivers the notification only when the
-- transaction commits, so a listener never hears of a version it cannot
-- read yet, nor of one that was rolled back.  Any loader that follows the
-- rule notifies, not only maps/db.

CREATE OR REPLACE FUNCTION v2x_map.notify_version_loaded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('v2x_map_version', NEW.id::text);
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER map_version_loaded
	AFTER UPDATE OF loaded_at ON v2x_map.map_version
	FOR EACH ROW
	WHEN (OLD.loaded_at IS NULL AND NEW.loaded_at IS NOT NULL)
	EXECUTE FUNCTION v2x_map.notify_version_loaded();

CREATE OR REPLACE TRIGGER map_version_inserted_loaded
	AFTER INSERT ON v2x_map.map_version
	FOR EACH ROW
	WHEN (NEW.loaded_at IS NOT NULL)
	EXECUTE FUNCTION v2x_map.notify_version_loaded();
