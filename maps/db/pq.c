#include "maps/db/pq.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

/* SQLSTATEs that have a better hint than libpq's message alone. */
#define STATE_UNDEFINED_TABLE    "42P01"
#define STATE_UNDEFINED_SCHEMA   "3F000"
#define STATE_UNDEFINED_FUNCTION "42883"
#define STATE_UNDEFINED_OBJECT   "42704"
#define STATE_CLASS_CONNECTION   "08"

#define HINT_MIGRATE                                                                        \
	"the map schema v2x_map is missing or older than this program: run the migrations " \
	"(map_db_migrate, `v2x-map migrate`)"
#define HINT_POSTGIS                                                                            \
	"PostGIS is not installed in this database: CREATE EXTENSION postgis (as a superuser; " \
	"Debian package postgresql-15-postgis-3)"
#define HINT_SERVER "is PostgreSQL still running? check its log"

int map_db__failf(struct map_db__ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	return code;
}

void map_db__flatten(char *s)
{
	char *out = s;

	for (const char *in = s; *in; in++) {
		int space = *in == '\n' || *in == '\r' || *in == '\t' || *in == ' ';
		if (space && (out == s || out[-1] == ' '))
			continue;
		*out++ = space ? ' ' : *in;
	}
	while (out > s && out[-1] == ' ')
		out--;
	*out = '\0';
}

/* The hint for a failure with sqlstate (maybe NULL) and message. */
static const char *hint_for(const char *state, const char *msg, int *code)
{
	*code = V2X_EDB;
	if (!state)
		return HINT_SERVER;
	if (strncmp(state, STATE_CLASS_CONNECTION, 2) == 0)
		return HINT_SERVER;
	if (strcmp(state, STATE_UNDEFINED_OBJECT) == 0 && strstr(msg, "geometry")) {
		*code = V2X_ENOTFOUND;
		return HINT_POSTGIS;
	}
	if (strcmp(state, STATE_UNDEFINED_TABLE) == 0 || strcmp(state, STATE_UNDEFINED_SCHEMA) == 0)
		return HINT_MIGRATE;
	if (strcmp(state, STATE_UNDEFINED_FUNCTION) == 0)
		return strstr(msg, "st_") ? HINT_POSTGIS : HINT_MIGRATE;
	return NULL;
}

int map_db__fail(struct map_db__ctx *ctx, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint;
	char text[512];
	int code;

	/* Without a primary message from the server, libpq's own says why. */
	snprintf(text, sizeof(text), "%s%s%s", primary ? primary : PQerrorMessage(ctx->pg),
	         detail ? ": " : "", detail ? detail : "");
	map_db__flatten(text);
	if (!*text)
		snprintf(text, sizeof(text), "unexpected result %s",
		         PQresStatus(PQresultStatus(res)));
	hint = hint_for(state, text, &code);
	/* No SQLSTATE on a live connection: a result of the wrong kind, not a fault. */
	if (!state && PQstatus(ctx->pg) == CONNECTION_OK)
		hint = NULL;
	snprintf(ctx->err, ctx->errlen, "%s: %s%s%s%s%s%s", what, text, state ? " (SQLSTATE " : "",
	         state ? state : "", state ? ")" : "", hint ? "; " : "", hint ? hint : "");
	return code;
}

int map_db__query(struct map_db__ctx *ctx, const char *sql, int nparams, const char *const *params,
                  ExecStatusType want, PGresult **res, const char *what)
{
	PGresult *r = PQexecParams(ctx->pg, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc;

	*res = NULL;
	if (PQresultStatus(r) == want) {
		*res = r;
		return 0;
	}
	rc = map_db__fail(ctx, r, what);
	PQclear(r);
	return rc;
}

int map_db__exec(struct map_db__ctx *ctx, const char *sql, const char *what)
{
	PGresult *r = PQexec(ctx->pg, sql);
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = map_db__fail(ctx, r, what);
	PQclear(r);
	return rc;
}

int map_db__idle(struct map_db__ctx *ctx, const char *what)
{
	switch (PQtransactionStatus(ctx->pg)) {
	case PQTRANS_IDLE:
		return 0;
	case PQTRANS_UNKNOWN:
		return map_db__fail(ctx, NULL, what);
	default:
		/* Its COMMIT would be ours, or ours would commit the caller's work. */
		return map_db__failf(ctx, V2X_EINVAL,
		                     "%s: the connection is inside a transaction of the caller's; "
		                     "run it on an idle connection",
		                     what);
	}
}

void map_db__rollback(struct map_db__ctx *ctx)
{
	/* Only an open transaction, failed or not, needs it; IDLE has none. */
	if (PQtransactionStatus(ctx->pg) == PQTRANS_INTRANS ||
	    PQtransactionStatus(ctx->pg) == PQTRANS_INERROR)
		PQclear(PQexec(ctx->pg, "ROLLBACK"));
}

const char *map_db__id_text(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64, id);
	return buf;
}

double map_db__dbl(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NAN;
	return strtod(PQgetvalue(res, row, col), NULL);
}

int64_t map_db__int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

void map_db__text(const PGresult *res, int row, int col, char *buf, size_t len)
{
	snprintf(buf, len, "%s", PQgetvalue(res, row, col));
}
