/*
 * map_db_migrate, under tests/with-postgis: the first run applies every
 * migration, a second changes nothing (no object of the schema is
 * touched, schema_migrations shows each migration once), and a recorded
 * migration whose text changed is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "maps/db/migrate.h"
#include "maps/db/tests/dbtest.h"
#include "runtime/err.h"
#include "tests/check.h"

/*
 * Every object of the schema with the transaction that last wrote its
 * catalog row (xmin): a migration run again would rewrite some of them.
 */
#define FINGERPRINT_SQL                                                                     \
	"SELECT (SELECT string_agg(c.relname || ':' || c.xmin, ',' ORDER BY c.relname) "    \
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "  \
	"'v2x_map') || '|' || (SELECT string_agg(p.proname || ':' || p.xmin, ',' ORDER BY " \
	"p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE "    \
	"n.nspname = 'v2x_map') || '|' || (SELECT string_agg(t.tgname || ':' || t.xmin, "   \
	"',' ORDER BY t.tgname) FROM pg_trigger t WHERE NOT t.tgisinternal) || '|' || "     \
	"(SELECT string_agg(version || ':' || applied_at || ':' || xmin, ',' ORDER BY "     \
	"version) FROM v2x_map.schema_migrations)"

/* Returns a copy of a one-value query (caller frees), or NULL. */
static char *query_text(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	char *v = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strdup(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	PQclear(res);
	return v;
}

static void test_twice(PGconn *pg)
{
	char err[1024] = "", *before, *after;
	int applied = -1;

	CHECK_INT_EQ(map_db_migrate(pg, &applied, err, sizeof(err)), 0);
	printf("first run: %d applied %s\n", applied, err);
	CHECK_INT_EQ(applied, map_db_schema_latest());
	before = query_text(pg, FINGERPRINT_SQL);
	CHECK_INT_EQ(map_db_migrate(pg, &applied, err, sizeof(err)), 0);
	printf("second run: %d applied %s\n", applied, err);
	CHECK_INT_EQ(applied, 0);
	after = query_text(pg, FINGERPRINT_SQL);
	CHECK(before && after);
	if (before && after)
		CHECK_STR_EQ(after, before);
	CHECK_INT_EQ(dbtest_double(pg, "SELECT count(*) FROM v2x_map.schema_migrations"),
	             map_db_schema_latest());
	CHECK_INT_EQ(dbtest_double(pg, "SELECT count(DISTINCT version) FROM "
	                               "v2x_map.schema_migrations"),
	             map_db_schema_latest());
	CHECK_INT_EQ(dbtest_double(pg, "SELECT count(*) FROM pg_tables WHERE schemaname = "
	                               "'v2x_map'"),
	             16);
	free(before);
	free(after);
}

static void test_changed(PGconn *pg)
{
	char err[1024] = "";

	PQclear(PQexec(pg,
	               "UPDATE v2x_map.schema_migrations SET checksum = 'x' WHERE version = 2"));
	CHECK_INT_EQ(map_db_migrate(pg, NULL, err, sizeof(err)), V2X_EDB);
	printf("changed migration: %s\n", err);
	CHECK(strstr(err, "0002_notify.sql") != NULL);
	CHECK(strstr(err, "append-only") != NULL);
	CHECK(PQtransactionStatus(pg) == PQTRANS_IDLE);
}

int main(void)
{
	struct map_db_conn *c;
	int skip;

	c = dbtest_open(0, &skip);
	if (!c)
		return skip ? CHECK_SKIP : 1;
	test_twice(map_db_conn_pg(c));
	test_changed(map_db_conn_pg(c));
	map_db_close(c);
	return check_exit();
}
