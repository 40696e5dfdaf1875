#include "maps/db/migrate.h"

#include <stdio.h>
#include <string.h>

#include "maps/db/migrations.h"
#include "maps/db/pq.h"
#include "runtime/err.h"

/*
 * The key of the advisory lock that serialises migrators: "v2x_map" in
 * ASCII, unlikely to meet another application's key.
 */
#define LOCK_SQL "SELECT pg_advisory_xact_lock(33269539830325616)"

/*
 * What the bookkeeping itself needs, run in every migration's
 * transaction before its record is read.  Under the lock, so that two
 * migrators do not race to create the schema.
 */
#define BOOTSTRAP_SQL                                            \
	"CREATE SCHEMA IF NOT EXISTS v2x_map;"                   \
	"CREATE TABLE IF NOT EXISTS v2x_map.schema_migrations (" \
	" version integer PRIMARY KEY,"                          \
	" name text NOT NULL,"                                   \
	" checksum text NOT NULL,"                               \
	" applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"

#define RECORD_SQL                                                              \
	"SELECT checksum = md5($2), name FROM v2x_map.schema_migrations WHERE " \
	"version = $1::integer"

#define INSERT_SQL                                                                \
	"INSERT INTO v2x_map.schema_migrations (version, name, checksum) VALUES " \
	"($1::integer, $2, md5($3))"

#define POSTGIS_SQL                                                              \
	"SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis'), " \
	"EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')"

long map_db_schema_latest(void)
{
	return map_db__n_migrations ? map_db__migrations[map_db__n_migrations - 1].number : 0;
}

/*
 * PostGIS must be there, or installable by 0001's CREATE EXTENSION; the
 * server's own error for a missing one varies between minor releases.
 */
static int check_postgis(struct map_db__ctx *ctx)
{
	PGresult *res;
	int rc = map_db__query(ctx, POSTGIS_SQL, 0, NULL, PGRES_TUPLES_OK, &res,
	                       "looking for PostGIS");

	if (rc)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0 && strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		rc = map_db__failf(ctx, V2X_ENOTFOUND,
		                   "PostGIS is not installed on the server %s (Debian package "
		                   "postgresql-15-postgis-3; then CREATE EXTENSION postgis as a "
		                   "superuser, or run the migrations as one)",
		                   PQhost(ctx->pg));
	PQclear(res);
	return rc;
}

/*
 * Reads the record of m: 1 when it was applied (with the same text), 0
 * when not, or a failure.
 */
static int recorded(struct map_db__ctx *ctx, const struct map_db__migration *m, const char *number)
{
	const char *params[] = { number, m->sql };
	PGresult *res;
	int rc = map_db__query(ctx, RECORD_SQL, 2, params, PGRES_TUPLES_OK, &res,
	                       "reading v2x_map.schema_migrations");

	if (rc)
		return rc;
	if (PQntuples(res) == 0)
		rc = 0;
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc = 1;
	else
		rc = map_db__failf(
		        ctx, V2X_EDB,
		        "migration %ld (%s) was applied with a different text than this "
		        "program's %s: migrations are append-only, so put the change in a "
		        "new numbered file",
		        m->number, PQgetvalue(res, 0, 1), m->name);
	PQclear(res);
	return rc;
}

static int apply(struct map_db__ctx *ctx, const struct map_db__migration *m, const char *number)
{
	const char *params[] = { number, m->name, m->sql };
	char what[128];
	PGresult *res;
	int rc;

	snprintf(what, sizeof(what), "migration %s", m->name);
	rc = map_db__exec(ctx, m->sql, what);
	if (rc)
		return rc;
	rc = map_db__query(ctx, INSERT_SQL, 3, params, PGRES_COMMAND_OK, &res,
	                   "recording the migration");
	PQclear(res);
	return rc;
}

/* Runs m in a transaction of its own unless it is recorded; *ran says whether it ran. */
static int migrate_one(struct map_db__ctx *ctx, const struct map_db__migration *m, int *ran)
{
	char number[24];
	int rc;

	*ran = 0;
	snprintf(number, sizeof(number), "%ld", m->number);
	/* NOTICEs of IF NOT EXISTS are noise to whoever reads the output. */
	rc = map_db__exec(ctx, "BEGIN; SET LOCAL client_min_messages = warning", "BEGIN");
	if (rc == 0)
		rc = map_db__exec(ctx, LOCK_SQL, "locking the map schema");
	if (rc == 0)
		rc = map_db__exec(ctx, BOOTSTRAP_SQL, "creating v2x_map.schema_migrations");
	if (rc == 0)
		rc = recorded(ctx, m, number);
	if (rc == 0) {
		rc = apply(ctx, m, number);
		*ran = rc == 0;
	}
	if (rc < 0) {
		map_db__rollback(ctx);
		return rc;
	}
	return map_db__exec(ctx, "COMMIT", "COMMIT");
}

int map_db_migrate(PGconn *pg, int *applied, char *err, size_t errlen)
{
	struct map_db__ctx ctx = { pg, err, errlen };
	int rc = map_db__idle(&ctx, "migrating the map schema"), n = 0;

	if (rc == 0)
		rc = check_postgis(&ctx);

	for (size_t i = 0; rc == 0 && i < map_db__n_migrations; i++) {
		int ran;
		rc = migrate_one(&ctx, &map_db__migrations[i], &ran);
		n += ran;
	}
	if (applied)
		*applied = n;
	return rc;
}
