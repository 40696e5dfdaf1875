/*
 * Integration test: PostGIS answers on the cluster with-postgis started.
 *
 *   with-postgis test-pg-postgis
 *
 * Skips (77) when V2X_PG_CONNINFO is not set.
 */
#include "tests/check.h"

#include <libpq-fe.h>
#include <stdlib.h>

/* Runs a query of one value; returns a copy of it (caller frees), NULL on error or NULL. */
static char *query_value(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	char *value = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	else if (!PQgetisnull(res, 0, 0))
		value = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

static double query_double(PGconn *conn, const char *sql)
{
	char *v = query_value(conn, sql);
	double d = v ? strtod(v, NULL) : NAN;

	free(v);
	return d;
}

/*
 * The length of 0.01 degrees of longitude along the parallel 29.6 N on the
 * WGS 84 ellipsoid: N(phi) cos(phi) dlambda.  Over 1 km the geodesic and
 * the parallel differ by far less than a millimetre.
 */
static double expected_distance(void)
{
	const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f);
	const double pi = 3.14159265358979323846, phi = 29.6 * pi / 180;
	double n = a / sqrt(1 - e2 * sin(phi) * sin(phi));

	return n * cos(phi) * (0.01 * pi / 180);
}

static void test_distance(PGconn *conn)
{
	double d = query_double(conn, "SELECT ST_Distance(ST_GeogFromText('POINT(106.5 29.6)'), "
	                              "ST_GeogFromText('POINT(106.51 29.6)'))");

	CHECK_DBL_NEAR(d, 968.7, 0.5);
	CHECK_DBL_NEAR(d, expected_distance(), 0.05);
}

static void test_versions(PGconn *conn)
{
	char *full = query_value(conn, "SELECT postgis_full_version()");
	char *lib = query_value(conn, "SELECT postgis_lib_version()");

	CHECK(full != NULL);
	CHECK(lib != NULL && strncmp(lib, "3.", 2) == 0);
	CHECK(PQserverVersion(conn) >= 150000 && PQserverVersion(conn) < 160000);
	if (full)
		fprintf(stderr, "%s\n", full);
	free(full);
	free(lib);
}

/* A round trip through UTM zone 48N proves PROJ and its data are there. */
static void test_transform(PGconn *conn)
{
	double x =
	        query_double(conn, "SELECT ST_X(ST_Transform(ST_Transform("
	                           "ST_SetSRID(ST_MakePoint(106.5, 29.6), 4326), 32648), 4326))");

	CHECK_DBL_NEAR(x, 106.5, 1e-9);
}

int main(void)
{
	const char *conninfo = getenv("V2X_PG_CONNINFO");
	PGconn *conn;

	if (!conninfo) {
		fprintf(stderr, "V2X_PG_CONNINFO is not set: run me under with-postgis\n");
		return CHECK_SKIP;
	}
	conn = PQconnectdb(conninfo);
	if (!CHECK(PQstatus(conn) == CONNECTION_OK)) {
		fprintf(stderr, "%s: %s", conninfo, PQerrorMessage(conn));
		PQfinish(conn);
		return check_exit();
	}
	test_distance(conn);
	test_versions(conn);
	test_transform(conn);
	PQfinish(conn);
	return check_exit();
}
