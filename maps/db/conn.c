#include "maps/db/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/db/pq.h"
#include "runtime/err.h"
#include "runtime/log.h"
#include "runtime/pgembed.h"

struct map_db_conn {
	PGconn *pg;
	struct v2x_pg_cluster *cluster; /* NULL for a server of the caller's */
	const struct v2x_log *log;
	char shown[512]; /* conninfo without its password */
};

/* libpq's notices ("relation already exists, skipping") are for debugging. */
static void on_notice(void *arg, const char *message)
{
	const struct map_db_conn *c = arg;

	v2x_logf(c->log, V2X_LOG_DEBUG, "postgres: %s", message);
}

/*
 * Writes the parsed options of conninfo that were given, except the
 * password, as "key=value ...".  Returns 0, or V2X_ECONFIG with libpq's
 * reason in err.
 */
static int show_conninfo(const char *conninfo, char *buf, size_t len, char *err, size_t errlen)
{
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
	size_t used = 0;

	if (!opts) {
		snprintf(err, errlen, "bad connection string '%s': %s", conninfo,
		         why ? why : "out of memory");
		map_db__flatten(err);
		PQfreemem(why);
		return V2X_ECONFIG;
	}
	buf[0] = '\0';
	for (const PQconninfoOption *o = opts; o->keyword && used < len; o++) {
		if (!o->val || strcmp(o->keyword, "password") == 0)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "",
		                         o->keyword, o->val);
	}
	PQconninfoFree(opts);
	return 0;
}

static int connect_to(struct map_db_conn *c, const char *conninfo, char *err, size_t errlen)
{
	char why[512];

	c->pg = PQconnectdb(conninfo);
	if (PQstatus(c->pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(c->pg, on_notice, c);
		return 0;
	}
	snprintf(why, sizeof(why), "%s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
	map_db__flatten(why);
	snprintf(err, errlen,
	         "cannot connect to PostgreSQL at '%s': %s; is PostgreSQL running there, and are "
	         "the connection string, user and database right? (give none to use a private "
	         "cluster)",
	         c->shown, why);
	return V2X_EDB;
}

static int start_private(struct map_db_conn *c, char *err, size_t errlen)
{
	int rc = v2x_pg_new(NULL, c->log, &c->cluster);

	if (rc == 0)
		rc = v2x_pg_start(c->cluster);
	if (rc == V2X_ENOTFOUND) {
		snprintf(err, errlen,
		         "no database given, and a private one cannot start: PostgreSQL 15 with "
		         "PostGIS 3 is not installed (apt-get install postgresql-15 "
		         "postgresql-15-postgis-3), or give a connection string");
		return rc;
	}
	if (rc) {
		snprintf(err, errlen,
		         "no database given, and the private PostgreSQL did not start: %s (see the "
		         "log above, or give a connection string)",
		         v2x_strerror(rc));
		return rc;
	}
	snprintf(c->shown, sizeof(c->shown), "%s", v2x_pg_conninfo(c->cluster));
	return connect_to(c, v2x_pg_conninfo(c->cluster), err, errlen);
}

int map_db_open(const char *conninfo, const struct v2x_log *log, struct map_db_conn **out,
                char *err, size_t errlen)
{
	struct map_db_conn *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return V2X_ENOMEM;
	c->log = log;
	if (!conninfo || !*conninfo) {
		rc = start_private(c, err, errlen);
	} else {
		rc = show_conninfo(conninfo, c->shown, sizeof(c->shown), err, errlen);
		if (rc == 0)
			rc = connect_to(c, conninfo, err, errlen);
	}
	if (rc) {
		map_db_close(c);
		return rc;
	}
	v2x_logf(log, V2X_LOG_DEBUG, "connected to %s", c->shown);
	*out = c;
	return 0;
}

PGconn *map_db_conn_pg(const struct map_db_conn *c)
{
	return c->pg;
}

const char *map_db_conn_conninfo(const struct map_db_conn *c)
{
	return c->shown;
}

bool map_db_conn_private(const struct map_db_conn *c)
{
	return c->cluster != NULL;
}

void map_db_close(struct map_db_conn *c)
{
	if (!c)
		return;
	/* The connection goes first: the cluster's fast shutdown would cut it. */
	PQfinish(c->pg);
	v2x_pg_free(c->cluster);
	free(c);
}
