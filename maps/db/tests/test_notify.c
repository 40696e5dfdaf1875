/*
 * NOTIFY v2x_map_version, under tests/with-postgis: a connection that
 * LISTENs hears the id of a version map_db_store wrote; a load that is
 * not committed yet, or rolled back, is never announced.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "maps/db/store.h"
#include "maps/db/tests/dbtest.h"
#include "maps/db/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

/*
 * Waits up to timeout_ms for a notification on pg; returns it (caller
 * frees with PQfreemem) or NULL.
 */
static PGnotify *wait_notify(PGconn *pg, int timeout_ms)
{
	struct pollfd p = { .fd = PQsocket(pg), .events = POLLIN };
	PGnotify *n;

	PQconsumeInput(pg);
	n = PQnotifies(pg);
	while (!n && poll(&p, 1, timeout_ms) > 0) {
		if (!PQconsumeInput(pg))
			return NULL;
		n = PQnotifies(pg);
	}
	return n;
}

static int exec_ok(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

/* A version marked loaded by hand, then rolled back: no one hears of it. */
static void test_rollback(PGconn *listener, PGconn *writer)
{
	PGnotify *n;

	CHECK(exec_ok(writer, "BEGIN"));
	CHECK(exec_ok(writer, "INSERT INTO v2x_map.map_version (name, projection, height_datum, "
	                      "source, origin_lat_deg, origin_lon_deg, loaded_at) VALUES ('x', "
	                      "'+proj=tmerc', 'h', 's', 0, 0, now())"));
	n = wait_notify(listener, 300);
	CHECK(n == NULL);
	PQfreemem(n);
	CHECK(exec_ok(writer, "ROLLBACK"));
	n = wait_notify(listener, 300);
	CHECK(n == NULL);
	PQfreemem(n);
}

static void test_store(PGconn *listener, PGconn *writer)
{
	struct map_model m;
	struct v2x_arena a;
	char err[1024], want[24];
	int64_t id = 0;
	PGnotify *n;

	v2x_arena_init(&a, 1 << 16, 0);
	CHECK_INT_EQ(synth_small(&a, &m), 0);
	if (!CHECK(map_db_store(writer, &m, &id, err, sizeof(err)) == 0))
		fprintf(stderr, "%s\n", err);
	snprintf(want, sizeof(want), "%" PRId64, id);
	n = wait_notify(listener, 10000);
	if (CHECK(n != NULL)) {
		printf("heard %s '%s' from pid %d (stored version %s)\n", n->relname, n->extra,
		       n->be_pid, want);
		CHECK_STR_EQ(n->relname, "v2x_map_version");
		CHECK_STR_EQ(n->extra, want);
		CHECK_INT_EQ(n->be_pid, PQbackendPID(writer));
	}
	PQfreemem(n);
	/* One version, one notification. */
	n = wait_notify(listener, 300);
	CHECK(n == NULL);
	PQfreemem(n);
	v2x_arena_fini(&a);
}

int main(void)
{
	struct map_db_conn *listener, *writer;
	int skip;

	listener = dbtest_open(1, &skip);
	if (!listener)
		return skip ? CHECK_SKIP : 1;
	writer = dbtest_open(0, &skip);
	if (!CHECK(writer != NULL))
		goto out;
	CHECK(exec_ok(map_db_conn_pg(listener), "LISTEN v2x_map_version"));
	test_rollback(map_db_conn_pg(listener), map_db_conn_pg(writer));
	test_store(map_db_conn_pg(listener), map_db_conn_pg(writer));
	map_db_close(writer);
out:
	map_db_close(listener);
	return check_exit();
}
