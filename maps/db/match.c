#include "maps/db/match.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps/db/info.h"
#include "maps/db/pq.h"
#include "runtime/err.h"

#define STATEMENT "map_db_match"

#define MATCH_SQL                                                                         \
	"SELECT lane_id, s, lateral_m, distance_m, dz, lane_z, lane_heading_deg FROM "    \
	"v2x_map.match_lane($1::bigint, $2::float8, $3::float8, $4::float8, $5::float8, " \
	"$6::float8, $7::float8, $8::float8)"

#define N_PARAMS 8

struct map_db_matcher {
	PGconn *pg; /* borrowed */
	int64_t version;
	/* The parameters' text, rewritten for each point. */
	char text[N_PARAMS][32];
	const char *params[N_PARAMS];
};

/* Whether the connection already holds the statement. */
static int prepared(struct map_db__ctx *ctx, int *yes)
{
	PGresult *res;
	int rc = map_db__query(ctx,
	                       "SELECT 1 FROM pg_prepared_statements WHERE name = '" STATEMENT "'",
	                       0, NULL, PGRES_TUPLES_OK, &res, "looking for the match statement");

	if (rc == 0)
		*yes = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

static int prepare(struct map_db__ctx *ctx)
{
	int rc, yes = 0;
	PGresult *res;

	rc = prepared(ctx, &yes);
	if (rc || yes)
		return rc;
	res = PQprepare(ctx->pg, STATEMENT, MATCH_SQL, N_PARAMS, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = map_db__fail(ctx, res, "preparing the match statement");
	PQclear(res);
	return rc;
}

int map_db_matcher_new(PGconn *pg, int64_t version_id, struct map_db_matcher **out, char *err,
                       size_t errlen)
{
	struct map_db__ctx ctx = { pg, err, errlen };
	struct map_db_matcher *m;
	int rc = 0;

	*out = NULL;
	if (version_id == 0)
		rc = map_db_latest(pg, &version_id, err, errlen);
	if (rc == 0)
		rc = prepare(&ctx);
	if (rc)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m)
		return V2X_ENOMEM;
	m->pg = pg;
	m->version = version_id;
	for (int i = 0; i < N_PARAMS; i++)
		m->params[i] = m->text[i];
	map_db__id_text(version_id, m->text[0], sizeof(m->text[0]));
	*out = m;
	return 0;
}

int64_t map_db_matcher_version(const struct map_db_matcher *m)
{
	return m->version;
}

/* Parameter i: v exactly, or NULL (no gate) for NaN. */
static void set_param(struct map_db_matcher *m, int i, double v)
{
	if (isnan(v)) {
		m->params[i] = NULL;
		return;
	}
	snprintf(m->text[i], sizeof(m->text[i]), "%.17g", v);
	m->params[i] = m->text[i];
}

static void read_result(const PGresult *res, struct map_db_match_result *out)
{
	out->lane_id = (uint32_t)map_db__int(res, 0, 0);
	out->s = map_db__dbl(res, 0, 1);
	out->lateral_m = map_db__dbl(res, 0, 2);
	out->distance_m = map_db__dbl(res, 0, 3);
	out->dz_m = map_db__dbl(res, 0, 4);
	out->lane_z_m = map_db__dbl(res, 0, 5);
	out->lane_heading_deg = map_db__dbl(res, 0, 6);
}

int map_db_match(struct map_db_matcher *m, const struct map_db_match_query *q,
                 struct map_db_match_result *out, char *err, size_t errlen)
{
	struct map_db__ctx ctx = { m->pg, err, errlen };
	PGresult *res;
	int rc = 0;

	set_param(m, 1, q->x);
	set_param(m, 2, q->y);
	set_param(m, 3, q->z);
	set_param(m, 4, q->heading_deg);
	set_param(m, 5, MAP_MATCH_RADIUS_M);
	set_param(m, 6, MAP_MATCH_MAX_HEADING_DIFF_DEG);
	set_param(m, 7, MAP_MATCH_MAX_DZ_M);
	res = PQexecPrepared(m->pg, STATEMENT, N_PARAMS, m->params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = map_db__fail(&ctx, res, "matching a point");
	else if (PQntuples(res) == 0)
		rc = map_db__failf(&ctx, V2X_ENOTFOUND,
		                   "no lane of version %s within %.0f m of (%.2f, %.2f) passes the "
		                   "heading and height gates",
		                   m->text[0], MAP_MATCH_RADIUS_M, q->x, q->y);
	else
		read_result(res, out);
	PQclear(res);
	return rc;
}

void map_db_matcher_free(struct map_db_matcher *m)
{
	free(m);
}
