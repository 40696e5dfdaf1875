/*
 * map_db_open and the messages of failures: a bad connection string, a
 * server that is not there (the password stays out of the message), then
 * the private cluster map_db_open starts by default, a database that does
 * not exist on it, a store before the migrations, an empty database, and
 * the cluster's folder gone after map_db_close.
 *
 * Needs no with-postgis; skips (77) the cluster part when PostgreSQL 15
 * with PostGIS 3 is not installed.
 */
#include <string.h>
#include <sys/stat.h>

#include "maps/db/conn.h"
#include "maps/db/info.h"
#include "maps/db/load.h"
#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "maps/db/tests/synth.h"
#include "runtime/err.h"
#include "runtime/log.h"
#include "tests/check.h"

/* Checks that err holds every one of want (NULL-terminated) and not secret. */
static void check_message(const char *err, const char *const *want, const char *secret)
{
	printf("  -> %s\n", err);
	for (; *want; want++)
		if (!CHECK(strstr(err, *want) != NULL))
			fprintf(stderr, "  '%s' lacks '%s'\n", err, *want);
	if (secret)
		CHECK(strstr(err, secret) == NULL);
}

static void expect_open_fails(const char *conninfo, int code, const char *const *want)
{
	struct map_db_conn *c = NULL;
	char err[1024] = "";

	printf("open '%s'\n", conninfo);
	CHECK_INT_EQ(map_db_open(conninfo, NULL, &c, err, sizeof(err)), code);
	CHECK(c == NULL);
	check_message(err, want, "hunter2");
}

static void test_bad_conninfo(void)
{
	static const char *const syntax[] = { "bad connection string", "nonsense_key", NULL };
	static const char *const absent[] = { "cannot connect to PostgreSQL", "/nonexistent-v2x",
		                              "is PostgreSQL running", NULL };

	expect_open_fails("nonsense_key=1", V2X_ECONFIG, syntax);
	expect_open_fails("host=/nonexistent-v2x port=5999 dbname=x user=u password=hunter2 "
	                  "connect_timeout=3",
	                  V2X_EDB, absent);
	expect_open_fails("postgresql://u:hunter2@/x?host=/nonexistent-v2x&port=5999", V2X_EDB,
	                  absent);
}

/* Errors against a live but empty database. */
static void test_empty_database(struct map_db_conn *c)
{
	static const char *const unmigrated[] = { "v2x_map", "run the migrations", NULL };
	static const char *const no_map[] = { "holds no map yet", NULL };
	struct map_db_info info;
	struct map_model m, out = { 0 };
	struct v2x_arena a;
	int64_t id = -1;
	char err[1024];

	v2x_arena_init(&a, 1 << 16, 0);
	CHECK_INT_EQ(synth_small(&a, &m), 0);
	printf("store before the migrations\n");
	CHECK_INT_EQ(map_db_store(map_db_conn_pg(c), &m, &id, err, sizeof(err)), V2X_EDB);
	CHECK_INT_EQ(id, 0);
	check_message(err, unmigrated, NULL);
	CHECK_INT_EQ(map_db_migrate(map_db_conn_pg(c), NULL, err, sizeof(err)), 0);
	printf("info and load with no map\n");
	CHECK_INT_EQ(map_db_info(map_db_conn_pg(c), 0, &info, err, sizeof(err)), V2X_ENOTFOUND);
	check_message(err, no_map, NULL);
	CHECK_INT_EQ(map_db_load(map_db_conn_pg(c), 0, &a, &out, err, sizeof(err)), V2X_ENOTFOUND);
	check_message(err, no_map, NULL);
	v2x_arena_fini(&a);
}

static void test_missing_database(const char *conninfo)
{
	static const char *const want[] = { "nope_v2x", "does not exist", NULL };
	char bad[600];

	snprintf(bad, sizeof(bad), "%s dbname=nope_v2x", conninfo);
	expect_open_fails(bad, V2X_EDB, want);
}

/* Returns 77 when the private cluster cannot start for want of PostgreSQL. */
static int test_private(void)
{
	struct v2x_log log = { V2X_LOG_WARN, "test-map-db-conn", stderr };
	struct map_db_conn *c = NULL;
	char err[1024], dir[256] = "";
	struct stat st;
	int rc = map_db_open(NULL, &log, &c, err, sizeof(err));

	if (rc == V2X_ENOTFOUND) {
		printf("skipping the private cluster: %s\n", err);
		return CHECK_SKIP;
	}
	if (!CHECK(rc == 0)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	CHECK(map_db_conn_private(c));
	printf("private cluster: %s\n", map_db_conn_conninfo(c));
	sscanf(map_db_conn_conninfo(c), "host=%255s", dir);
	test_missing_database(map_db_conn_conninfo(c));
	test_empty_database(c);
	map_db_close(c);
	CHECK(dir[0] == '/');
	CHECK(stat(dir, &st) != 0);
	return 0;
}

int main(void)
{
	int rc;

	test_bad_conninfo();
	map_db_close(NULL);
	rc = test_private();
	if (rc == CHECK_SKIP && check_failures == 0)
		return CHECK_SKIP;
	return check_exit();
}
