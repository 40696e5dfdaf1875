#include "broker/persist/tests/pgfx.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/clock.h"

const char *pgfx_conninfo(void)
{
	const char *c = getenv("V2X_PG_CONNINFO");

	if (!c || !c[0]) {
		fprintf(stderr,
		        "V2X_PG_CONNINFO is not set: run under tests/with-postgis; skipped\n");
		return NULL;
	}
	return c;
}

PGconn *pgfx_connect(const char *conninfo)
{
	PGconn *pg = PQconnectdb(conninfo);

	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to %s: %s", conninfo, PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

long long pgfx_int(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	long long v = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	else
		v = PQgetisnull(res, 0, 0) ? -2 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

void pgfx_text(PGconn *pg, const char *sql, char *out, size_t len)
{
	PGresult *res = PQexec(pg, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
		snprintf(out, len, "(error)");
	} else {
		snprintf(out, len, "%s", PQgetisnull(res, 0, 0) ? "(null)" : PQgetvalue(res, 0, 0));
	}
	PQclear(res);
}

int pgfx_exec(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;

	if (rc)
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

int pgfx_tmpdir(const char *name, char *out, size_t len)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, len, "%s/%s-XXXXXX", base && base[0] ? base : "/tmp", name);
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void pgfx_rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool pgfx_run_until(uv_loop_t *loop, bool (*cond)(void *arg), void *arg, int timeout_ms)
{
	uint64_t until = v2x_clock_mono_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!cond(arg) && v2x_clock_mono_ns() < until) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	return cond(arg);
}
