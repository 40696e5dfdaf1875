/*
 * Test of runtime/pgembed's own contract: a cluster that starts, answers,
 * stops and leaves nothing behind; clear failures when PostgreSQL is
 * missing.  PostGIS itself is exercised by tests/pg under with-postgis.
 * Skips (77) when PostgreSQL 15 is not installed.
 */
#include "runtime/err.h"
#include "runtime/log.h"
#include "runtime/pgembed.h"

#include "tests/check.h"

#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Returns whether dir holds no entry but . and .. */
static bool is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return false;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n == 0;
}

static void test_missing_binaries(const struct v2x_log *log, const char *base)
{
	struct v2x_pg_config cfg = { .bindir = "/nonexistent/bin", .tmpdir = base };
	struct v2x_pg_cluster *c = NULL;

	CHECK_INT_EQ(v2x_pg_new(&cfg, log, &c), 0);
	if (!CHECK(c != NULL))
		return;
	CHECK(v2x_pg_conninfo(c) == NULL);
	CHECK(v2x_pg_dir(c) == NULL);
	CHECK_INT_EQ(v2x_pg_start(c), V2X_ENOTFOUND);
	CHECK(v2x_pg_conninfo(c) == NULL);
	CHECK(is_empty(base));
	v2x_pg_free(c);
}

static void test_lifecycle(const struct v2x_log *log, const char *base, int *skip)
{
	struct v2x_pg_config cfg = { .tmpdir = base, .no_postgis = true };
	struct v2x_pg_cluster *c = NULL;
	char dir[128] = "";
	int rc, pid;

	CHECK_INT_EQ(v2x_pg_new(&cfg, log, &c), 0);
	rc = v2x_pg_start(c);
	if (rc == V2X_ENOTFOUND) {
		*skip = 1;
		v2x_pg_free(c);
		return;
	}
	CHECK_INT_EQ(rc, 0);
	if (rc == 0) {
		snprintf(dir, sizeof(dir), "%s", v2x_pg_dir(c));
		CHECK(strncmp(dir, base, strlen(base)) == 0);
		CHECK(exists(dir));
		CHECK(strstr(v2x_pg_conninfo(c), "dbname=postgres user=postgres") != NULL);
		CHECK_INT_EQ(PQping(v2x_pg_conninfo(c)), PQPING_OK);
	}
	pid = v2x_pg_pid(c);
	CHECK(pid > 0);
	CHECK_INT_EQ(v2x_pg_start(c), V2X_EINVAL);
	CHECK_INT_EQ(v2x_pg_stop(c), 0);
	CHECK(v2x_pg_conninfo(c) == NULL);
	CHECK_INT_EQ(v2x_pg_pid(c), 0);
	CHECK(!exists(dir));
	CHECK(kill(pid, 0) < 0 && errno == ESRCH);
	CHECK_INT_EQ(v2x_pg_stop(c), 0);
	v2x_pg_free(c);
	CHECK(is_empty(base));
}

static void test_keep(const struct v2x_log *log, const char *base)
{
	struct v2x_pg_config cfg = { .tmpdir = base, .no_postgis = true, .keep = true };
	struct v2x_pg_cluster *c = NULL;
	char path[256], cmd[300];

	CHECK_INT_EQ(v2x_pg_new(&cfg, log, &c), 0);
	CHECK_INT_EQ(v2x_pg_start(c), 0);
	snprintf(path, sizeof(path), "%s/server.log", v2x_pg_dir(c) ? v2x_pg_dir(c) : "?");
	v2x_pg_free(c);
	CHECK(exists(path));
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'/v2xpg.*", base);
	CHECK_INT_EQ(system(cmd), 0);
}

int main(void)
{
	char base[] = "/tmp/v2x-pgembed-test.XXXXXX";
	struct v2x_log log;
	int skip = 0;

	v2x_log_init(&log, "test-pgembed", "debug");
	v2x_pg_free(NULL);
	/* Searchable by all: as root, the server runs as user postgres. */
	if (!mkdtemp(base) || chmod(base, 0711) < 0) {
		perror(base);
		return 1;
	}
	test_missing_binaries(&log, base);
	test_lifecycle(&log, base, &skip);
	if (!skip)
		test_keep(&log, base);
	rmdir(base);
	if (skip) {
		fprintf(stderr, "PostgreSQL 15 is not installed (Debian packages "
		                "postgresql-15 postgresql-15-postgis-3): skipped\n");
		return check_failures ? check_exit() : CHECK_SKIP;
	}
	return check_exit();
}
