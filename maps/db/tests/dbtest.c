#include "maps/db/tests/dbtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps/db/migrate.h"

struct map_db_conn *dbtest_open(int migrate, int *skip)
{
	const char *conninfo = getenv("V2X_PG_CONNINFO");
	struct map_db_conn *c = NULL;
	char err[1024];

	*skip = !conninfo || !*conninfo;
	if (*skip) {
		printf("V2X_PG_CONNINFO is not set: run under tests/with-postgis\n");
		return NULL;
	}
	if (map_db_open(conninfo, NULL, &c, err, sizeof(err)) != 0 ||
	    (migrate && map_db_migrate(map_db_conn_pg(c), NULL, err, sizeof(err)) != 0)) {
		fprintf(stderr, "%s\n", err);
		map_db_close(c);
		return NULL;
	}
	return c;
}

double dbtest_double(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	double v = NAN;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		v = strtod(PQgetvalue(res, 0, 0), NULL);
	else
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	PQclear(res);
	return v;
}
