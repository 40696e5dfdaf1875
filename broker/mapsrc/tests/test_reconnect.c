/*
 * The map database going away under a running source, under
 * tests/with-postgis.  The source connects as a role of its own so that
 * the test can both cut its connection (pg_terminate_backend from a second
 * connection) and keep it out for a while (ALTER ROLE ... NOLOGIN).
 *  1. Backend terminated, a query sent at once: it is answered after the
 *     reconnect; the reconnect is counted.
 *  2. A version published after the reconnect is heard (NOTIFY, LISTEN
 *     issued again) and swapped in.
 *  3. Backend terminated and logins refused: a query fails with V2X_EIO
 *     after query_timeout_ms, connection attempts are counted, the map
 *     stays; logins allowed again: the source reconnects by itself and a
 *     query queued while it was out is answered.
 *  4. Closing while a query waits for the database answers it with V2X_EIO.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mapsrc/tests/fx.h"
#include "runtime/clock.h"
#include "tests/check.h"

#define WAIT_MS    60000
#define TIMEOUT_MS 1500
#define ROLE       "v2x_mapsrc_test"

static bool setup_role(struct fx *f)
{
	return fx_exec(f->admin, "CREATE ROLE " ROLE " LOGIN") &&
	       fx_exec(f->admin, "GRANT USAGE ON SCHEMA v2x_map TO " ROLE) &&
	       fx_exec(f->admin, "GRANT SELECT ON ALL TABLES IN SCHEMA v2x_map TO " ROLE);
}

/* Terminates the source's backend; returns how many were. */
static int terminate(struct fx *f)
{
	PGresult *res = PQexec(f->admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	                                 "WHERE usename = '" ROLE "'");
	int n = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : -1;

	if (n < 0)
		fprintf(stderr, "pg_terminate_backend: %s\n", PQresultErrorMessage(res));
	PQclear(res);
	return n;
}

static bool reconnected(struct fx *f, void *arg)
{
	struct brk_mapsrc_stats st;

	brk_mapsrc_stats(f->src, &st);
	return st.reconnects >= *(uint64_t *)arg && st.connected;
}

static bool changed(struct fx *f, void *arg)
{
	(void)arg;
	return f->n_changed > 0;
}

static bool answered(struct fx *f, void *arg)
{
	return f->ans[*(uint64_t *)arg].got;
}

/* A circle on lane 41 at s 150; answered spans include lane 41. */
static struct brk_zone zone_on_41(struct fx *f, const struct map_model *m)
{
	struct brk_map *map = brk_mapsrc_acquire(f->src);
	struct map_xyz c = fx_lane_at(map_model_lane(m, 41), 150);
	struct brk_zone z;

	fx_circle(brk_map_frame(map), c.x, c.y, c.z, 10, &z);
	brk_map_release(map);
	return z;
}

static void test_terminate(struct fx *f, const struct map_model *m, int64_t v1)
{
	struct brk_zone z = zone_on_41(f, m);
	const struct fx_answer *a;
	uint64_t one = 1;

	CHECK_INT_EQ(terminate(f), 1);
	a = fx_query(f, 1, &z, WAIT_MS);
	if (a) {
		CHECK_INT_EQ(a->status, 0);
		CHECK_INT_EQ(a->version, v1);
		CHECK(fx_has_lane(a, 41));
	}
	CHECK(fx_wait(f, reconnected, &one, WAIT_MS));
	printf("backend terminated: query answered (%zu spans) after the reconnect\n",
	       a ? a->n : 0);
}

/* A version stored after the reconnect is heard through the new LISTEN. */
static void test_notify_after(struct fx *f, int64_t v1)
{
	struct mapgen_params p = mapgen_params_default();
	struct brk_mapsrc_stats before, after;
	struct v2x_arena arena;
	struct map_model m;
	int64_t v2 = 0;

	brk_mapsrc_stats(f->src, &before);
	p.lane_width_m = 3.6;
	v2x_arena_init(&arena, 1 << 20, 0);
	if (CHECK(fx_field(&p, &arena, &m) == 0) && CHECK(fx_store(f->admin, &m, &v2) == 0)) {
		CHECK(fx_wait(f, changed, NULL, WAIT_MS));
		CHECK_INT_EQ(f->changed_old, v1);
		CHECK_INT_EQ(f->changed_new, v2);
		brk_mapsrc_stats(f->src, &after);
		CHECK(after.notifications > before.notifications);
		printf("after the reconnect: NOTIFY heard, version %lld -> %lld\n",
		       (long long)f->changed_old, (long long)f->changed_new);
	}
	v2x_arena_fini(&arena);
}

static bool connect_failing(struct fx *f, void *arg)
{
	struct brk_mapsrc_stats st;

	(void)arg;
	brk_mapsrc_stats(f->src, &st);
	return st.connect_errors >= 2 && !st.connected;
}

static void test_down(struct fx *f, const struct map_model *m, int64_t version)
{
	struct brk_zone z = zone_on_41(f, m);
	struct brk_mapsrc_stats st;
	const struct fx_answer *a;
	uint64_t t0, two = 2, tag = 3;
	struct brk_map *map;

	CHECK(fx_exec(f->admin, "ALTER ROLE " ROLE " NOLOGIN"));
	CHECK_INT_EQ(terminate(f), 1);
	CHECK(fx_wait(f, connect_failing, NULL, WAIT_MS));
	t0 = v2x_clock_mono_ns();
	a = fx_query(f, 2, &z, WAIT_MS);
	if (a) {
		double waited_ms = (double)(a->at_ns - t0) / 1e6;
		CHECK_INT_EQ(a->status, V2X_EIO);
		CHECK_UINT_EQ(a->n, 0);
		CHECK(waited_ms >= TIMEOUT_MS - 5);
		CHECK(waited_ms < TIMEOUT_MS + 2000);
		printf("database refusing us: query failed with %s after %.0f ms\n",
		       v2x_err_name(a->status), waited_ms);
	}
	map = brk_mapsrc_acquire(f->src);
	CHECK_INT_EQ(brk_map_version(map), version);
	brk_map_release(map);
	/* Queued while out, answered once logins are allowed again. */
	f->ans[tag].got = false;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, tag, &z), 0);
	CHECK(fx_exec(f->admin, "ALTER ROLE " ROLE " LOGIN"));
	CHECK(fx_wait(f, answered, &tag, WAIT_MS));
	CHECK_INT_EQ(f->ans[tag].status, 0);
	CHECK(fx_has_lane(&f->ans[tag], 41));
	CHECK(fx_wait(f, reconnected, &two, WAIT_MS));
	brk_mapsrc_stats(f->src, &st);
	CHECK_UINT_EQ(st.reconnects, 2);
	CHECK_UINT_EQ(st.query_timeouts, 1);
	CHECK_INT_EQ(st.version, version);
	printf("logins allowed again: reconnected after %llu failed attempts, queued query "
	       "answered\n",
	       (unsigned long long)st.connect_errors);
}

/* Close while a query waits for the database: answered V2X_EIO inside the close. */
static void test_close_pending(struct fx *f, const struct map_model *m)
{
	struct brk_zone z = zone_on_41(f, m);

	CHECK(fx_exec(f->admin, "ALTER ROLE " ROLE " NOLOGIN"));
	CHECK_INT_EQ(terminate(f), 1);
	CHECK(fx_wait(f, connect_failing, NULL, WAIT_MS));
	f->ans[4].got = false;
	CHECK_INT_EQ(brk_mapsrc_query_lanes(f->src, 4, &z), 0);
	brk_mapsrc_close(f->src);
	f->src = NULL;
	CHECK(f->ans[4].got);
	CHECK_INT_EQ(f->ans[4].status, V2X_EIO);
	CHECK(fx_exec(f->admin, "ALTER ROLE " ROLE " LOGIN"));
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct brk_mapsrc_config cfg;
	struct v2x_arena arena;
	struct map_model m;
	int64_t v1 = 0;
	char err[1024];
	struct fx *f = calloc(1, sizeof(*f));
	int rc = f ? fx_init(f) : 1;

	if (rc)
		return rc;
	v2x_arena_init(&arena, 1 << 20, 0);
	if (!CHECK(fx_field(&p, &arena, &m) == 0) || !CHECK(fx_store(f->admin, &m, &v1) == 0) ||
	    !CHECK(setup_role(f)))
		goto out;
	cfg = fx_config(f);
	snprintf(f->conninfo + strlen(f->conninfo), sizeof(f->conninfo) - strlen(f->conninfo),
	         " user=" ROLE);
	cfg.backoff_min_ms = 20;
	cfg.backoff_max_ms = 200;
	cfg.query_timeout_ms = TIMEOUT_MS;
	cfg.poll_ms = 600000; /* a version change can only come through NOTIFY */
	if (!CHECK(brk_mapsrc_new(&f->loop, &cfg, &f->src, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	test_terminate(f, &m, v1);
	test_notify_after(f, v1);
	test_down(f, &m, f->changed_new);
	test_close_pending(f, &m);
out:
	fx_fini(f);
	v2x_arena_fini(&arena);
	free(f);
	return check_exit();
}
