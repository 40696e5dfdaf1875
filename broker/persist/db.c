#include "broker/persist/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/persist/row.h"
#include "runtime/err.h"

/* ---- buffers ------------------------------------------------------------- */

int brk_persist__buf_reserve(struct brk_persist__buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 65536;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return V2X_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void brk_persist__batch_reset(struct brk_persist__batch *b)
{
	for (int t = 0; t < BRK_PERSIST_T__COUNT; t++) {
		b->copy[t].len = 0;
		b->lines[t] = 0;
	}
}

void brk_persist__batch_fini(struct brk_persist__batch *b)
{
	for (int t = 0; t < BRK_PERSIST_T__COUNT; t++)
		free(b->copy[t].p);
	memset(b, 0, sizeof(*b));
}

/* ---- statements ---------------------------------------------------------- */

/*
 * The staging tables, one per table, their columns in the order of the
 * BRK_PERSIST__COLS_* lists (row.h).  Temporary: private to the
 * connection, emptied by every COMMIT or ROLLBACK.
 */
#define STAGE_SQL                                                                                 \
	"SET client_min_messages = warning;"                                                      \
	"CREATE TEMP TABLE IF NOT EXISTS stage_observations (agent_id text, rsu_id text, "        \
	"seq bigint, rx_time_us bigint, broker_time_us bigint, msg_type text, replayed boolean, " \
	"record_only boolean, flags bigint, source_id text, msg_cnt smallint, "                   \
	"sec_mark_s float8, moy_s float8, lon float8, lat float8, elev_m float8, msg jsonb, "     \
	"uper bytea) ON COMMIT DELETE ROWS;"                                                      \
	"CREATE TEMP TABLE IF NOT EXISTS stage_map_messages (agent_id text, rsu_id text, "        \
	"seq bigint, node_idx smallint, rx_time_us bigint, msg_cnt smallint, region integer, "    \
	"node_id integer, name text, lon float8, lat float8, n_links smallint) "                  \
	"ON COMMIT DELETE ROWS;"                                                                  \
	"CREATE TEMP TABLE IF NOT EXISTS stage_spat_history (agent_id text, rsu_id text, "        \
	"seq bigint, idx smallint, rx_time_us bigint, msg_cnt smallint, region integer, "         \
	"node_id integer, status integer, moy_s float8, timestamp_s float8, phases jsonb) "       \
	"ON COMMIT DELETE ROWS;"                                                                  \
	"CREATE TEMP TABLE IF NOT EXISTS stage_warnings (run_id bigint, warning_id bigint, "      \
	"revision bigint, event text, event_time_us bigint, type smallint, severity smallint, "   \
	"target_vehicle text, subject text, lon float8, lat float8, elev_m float8, "              \
	"distance_m float8, time_to_event_s float8, advisory_speed_mps float8, "                  \
	"issue_time_us bigint, expiry_time_us bigint, sources text[], trigger_rx_time_us "        \
	"bigint, cancel_reason smallint, text text) ON COMMIT DELETE ROWS;"                       \
	"CREATE TEMP TABLE IF NOT EXISTS stage_hazards (run_id bigint, hazard_id bigint, "        \
	"event text, event_time_us bigint, kind text, event_type bigint, ptc_type integer, "      \
	"lon float8, lat float8, radius_m float8, lanes bigint[], start_time_us bigint, "         \
	"end_time_us bigint, agent_id text, rsu_id text, seq bigint) ON COMMIT DELETE ROWS;"      \
	"CREATE TEMP TABLE IF NOT EXISTS stage_agent_seq (agent_id text, seq bigint) "            \
	"ON COMMIT DELETE ROWS;"                                                                  \
	"RESET client_min_messages"

static const char *const stage_names[BRK_PERSIST_T__COUNT] = {
	"stage_observations", "stage_map_messages", "stage_spat_history",
	"stage_warnings",     "stage_hazards",      "stage_agent_seq",
};

static const char *const stage_cols[BRK_PERSIST_T__COUNT] = {
	BRK_PERSIST__COLS_OBS,  BRK_PERSIST__COLS_MAP, BRK_PERSIST__COLS_SPAT,
	BRK_PERSIST__COLS_WARN, BRK_PERSIST__COLS_HAZ, "agent_id, seq",
};

/* From staging to the tables; a row already there is left as it is. */
static const char *const insert_sql[BRK_PERSIST_T__COUNT] = {
	"INSERT INTO v2x_broker.observations (agent_id, rsu_id, seq, rx_time_us, broker_time_us, "
	"msg_type, replayed, record_only, flags, source_id, msg_cnt, sec_mark_s, moy_s, position, "
	"elev_m, msg, uper) SELECT agent_id, rsu_id, seq, rx_time_us, broker_time_us, msg_type, "
	"replayed, record_only, flags, source_id, msg_cnt, sec_mark_s, moy_s, "
	"v2x_broker.point(lon, lat), elev_m, msg, uper FROM pg_temp.stage_observations "
	"ON CONFLICT DO NOTHING",

	"INSERT INTO v2x_broker.map_messages (agent_id, rsu_id, seq, node_idx, rx_time_us, "
	"msg_cnt, region, node_id, name, position, n_links, map_version_id, intersection_id, "
	"matched_by) SELECT s.agent_id, s.rsu_id, s.seq, s.node_idx, s.rx_time_us, s.msg_cnt, "
	"s.region, s.node_id, s.name, v2x_broker.point(s.lon, s.lat), s.n_links, "
	"j.map_version_id, j.intersection_id, j.matched_by FROM pg_temp.stage_map_messages s "
	"LEFT JOIN LATERAL v2x_broker.map_junction(s.region, s.node_id, "
	"v2x_broker.point(s.lon, s.lat)) j ON true ON CONFLICT DO NOTHING",

	"INSERT INTO v2x_broker.spat_history (agent_id, rsu_id, seq, idx, rx_time_us, msg_cnt, "
	"region, node_id, status, moy_s, timestamp_s, phases) SELECT agent_id, rsu_id, seq, idx, "
	"rx_time_us, msg_cnt, region, node_id, status, moy_s, timestamp_s, phases "
	"FROM pg_temp.stage_spat_history ON CONFLICT DO NOTHING",

	"INSERT INTO v2x_broker.warnings (run_id, warning_id, revision, event, event_time_us, "
	"type, severity, target_vehicle, subject, position, elev_m, distance_m, time_to_event_s, "
	"advisory_speed_mps, issue_time_us, expiry_time_us, sources, trigger_rx_time_us, "
	"cancel_reason, text) SELECT run_id, warning_id, revision, event, event_time_us, type, "
	"severity, target_vehicle, subject, v2x_broker.point(lon, lat), elev_m, distance_m, "
	"time_to_event_s, advisory_speed_mps, issue_time_us, expiry_time_us, sources, "
	"trigger_rx_time_us, cancel_reason, text FROM pg_temp.stage_warnings "
	"ON CONFLICT DO NOTHING",

	"INSERT INTO v2x_broker.hazards (run_id, hazard_id, event, event_time_us, kind, "
	"event_type, ptc_type, position, radius_m, lanes, start_time_us, end_time_us, agent_id, "
	"rsu_id, seq) SELECT run_id, hazard_id, event, event_time_us, kind, event_type, ptc_type, "
	"v2x_broker.point(lon, lat), radius_m, lanes, start_time_us, end_time_us, agent_id, "
	"rsu_id, seq FROM pg_temp.stage_hazards ON CONFLICT DO NOTHING",

	"INSERT INTO v2x_broker.agent_seq AS a (agent_id, last_seq) SELECT agent_id, max(seq) "
	"FROM pg_temp.stage_agent_seq GROUP BY agent_id ON CONFLICT (agent_id) DO UPDATE SET "
	"last_seq = GREATEST(a.last_seq, EXCLUDED.last_seq), updated_at = now() "
	"WHERE EXCLUDED.last_seq > a.last_seq",
};

/* ---- results ------------------------------------------------------------- */

/*
 * Says what failed into err and classifies it: the data (SQLSTATE class 22
 * data exception, 23 integrity violation) or everything else.
 */
static int fail(PGconn *pg, PGresult *res, const char *what, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : "";
	bool data = state && PQstatus(pg) == CONNECTION_OK &&
	            (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0);

	if (!msg[0])
		msg = PQerrorMessage(pg);
	snprintf(err, errlen, "%s: %s%s%s", what, state ? state : "", state ? " " : "", msg);
	return data ? V2X_EMALFORMED : V2X_EDB;
}

/* Runs sql (no parameters), expecting status. */
static int exec(PGconn *pg, const char *sql, ExecStatusType status, const char *what, char *err,
                size_t errlen)
{
	PGresult *res = PQexec(pg, sql);
	int rc = PQresultStatus(res) == status ? 0 : fail(pg, res, what, err, errlen);

	PQclear(res);
	return rc;
}

static void rollback(PGconn *pg)
{
	if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
		PQclear(PQexec(pg, "ROLLBACK"));
}

/* ---- migrations ---------------------------------------------------------- */

/* "v2x_brok" in ASCII: the advisory lock of the schema's migrators. */
#define LOCK_SQL "SELECT pg_advisory_xact_lock(8517002196379922283)"

#define BOOTSTRAP_SQL                                               \
	"SET LOCAL client_min_messages = warning;"                  \
	"CREATE SCHEMA IF NOT EXISTS v2x_broker;"                   \
	"CREATE TABLE IF NOT EXISTS v2x_broker.schema_migrations (" \
	" version integer PRIMARY KEY,"                             \
	" name text NOT NULL,"                                      \
	" checksum text NOT NULL,"                                  \
	" applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"

#define RECORD_SQL                                                                 \
	"SELECT checksum = md5($2), name FROM v2x_broker.schema_migrations WHERE " \
	"version = $1::integer"

#define INSERT_MIGRATION_SQL                                                         \
	"INSERT INTO v2x_broker.schema_migrations (version, name, checksum) VALUES " \
	"($1::integer, $2, md5($3))"

/* 1: recorded with the same text, 0: not recorded, or a failure. */
static int recorded(PGconn *pg, const struct brk_persist__migration *m, const char *number,
                    char *err, size_t errlen)
{
	const char *params[] = { number, m->sql };
	PGresult *res = PQexecParams(pg, RECORD_SQL, 2, NULL, params, NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = fail(pg, res, "reading v2x_broker.schema_migrations", err, errlen);
	else if (PQntuples(res) == 0)
		rc = 0;
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc = 1;
	else {
		snprintf(err, errlen,
		         "migration %ld (%s) was applied with another text than this program's %s: "
		         "migrations are append-only, put a change in a new numbered file",
		         m->number, PQgetvalue(res, 0, 1), m->name);
		rc = V2X_EDB;
	}
	PQclear(res);
	return rc < 0 ? V2X_EDB : rc;
}

static int apply(PGconn *pg, const struct brk_persist__migration *m, const char *number, char *err,
                 size_t errlen)
{
	const char *params[] = { number, m->name, m->sql };
	PGresult *res;
	int rc = exec(pg, m->sql, PGRES_COMMAND_OK, m->name, err, errlen);

	if (rc)
		return V2X_EDB;
	res = PQexecParams(pg, INSERT_MIGRATION_SQL, 3, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK
	             ? 0
	             : fail(pg, res, "recording the migration", err, errlen);
	PQclear(res);
	return rc ? V2X_EDB : 0;
}

static int migrate_one(PGconn *pg, const struct brk_persist__migration *m, int *ran, char *err,
                       size_t errlen)
{
	char number[24];
	int rc;

	*ran = 0;
	snprintf(number, sizeof(number), "%ld", m->number);
	rc = exec(pg, "BEGIN", PGRES_COMMAND_OK, "BEGIN", err, errlen);
	if (rc == 0)
		rc = exec(pg, LOCK_SQL, PGRES_TUPLES_OK, "locking the schema", err, errlen);
	if (rc == 0)
		rc = exec(pg, BOOTSTRAP_SQL, PGRES_COMMAND_OK, "creating v2x_broker", err, errlen);
	if (rc == 0)
		rc = recorded(pg, m, number, err, errlen);
	if (rc == 0) {
		rc = apply(pg, m, number, err, errlen);
		*ran = rc == 0;
	}
	if (rc < 0) {
		rollback(pg);
		return V2X_EDB;
	}
	return exec(pg, "COMMIT", PGRES_COMMAND_OK, "COMMIT", err, errlen) ? V2X_EDB : 0;
}

int brk_persist__db_migrate(PGconn *pg, int *applied, char *err, size_t errlen)
{
	int rc = 0, n = 0;

	for (size_t i = 0; rc == 0 && i < brk_persist__n_migrations; i++) {
		int ran;
		rc = migrate_one(pg, &brk_persist__migrations[i], &ran, err, errlen);
		n += ran;
	}
	if (applied)
		*applied = n;
	return rc;
}

/* ---- connecting ---------------------------------------------------------- */

static void on_notice(void *arg, const char *message)
{
	v2x_logf(arg, V2X_LOG_DEBUG, "server: %s", message);
}

int brk_persist__db_connect(const char *conninfo, struct v2x_log *log, PGconn **out, char *err,
                            size_t errlen)
{
	/* Defaults first: the caller's string, expanded from dbname, wins. */
	const char *keys[] = {
		"connect_timeout",     "application_name", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "dbname",     NULL
	};
	const char *values[] = { "10", BRK_PERSIST_APP_NAME, "1", "10", "5", "3", conninfo, NULL };
	PGconn *pg = PQconnectdbParams(keys, values, 1);
	int rc;

	*out = NULL;
	if (!pg) {
		snprintf(err, errlen, "connecting: out of memory");
		return V2X_EDB;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "connecting: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return V2X_EDB;
	}
	PQsetNoticeProcessor(pg, on_notice, log);
	rc = brk_persist__db_migrate(pg, NULL, err, errlen);
	if (rc == 0)
		rc = exec(pg, STAGE_SQL, PGRES_COMMAND_OK, "creating the staging tables", err,
		          errlen);
	if (rc) {
		PQfinish(pg);
		return V2X_EDB;
	}
	*out = pg;
	return 0;
}

int brk_persist__db_read_seqs(PGconn *pg, void (*cb)(void *arg, const char *agent, uint64_t seq),
                              void *arg, char *err, size_t errlen)
{
	PGresult *res = PQexec(pg, "SELECT agent_id, last_seq FROM v2x_broker.agent_seq");
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = fail(pg, res, "reading v2x_broker.agent_seq", err, errlen) ? V2X_EDB : 0;
	for (int i = 0; rc == 0 && i < PQntuples(res); i++)
		cb(arg, PQgetvalue(res, i, 0), strtoull(PQgetvalue(res, i, 1), NULL, 10));
	PQclear(res);
	return rc;
}

/* ---- writing a batch ----------------------------------------------------- */

static int copy_in(PGconn *pg, enum brk_persist_table t, const struct brk_persist__buf *b,
                   char *err, size_t errlen)
{
	char sql[512], what[64];
	PGresult *res;
	int rc;

	snprintf(sql, sizeof(sql), "COPY pg_temp.%s (%s) FROM STDIN", stage_names[t],
	         stage_cols[t]);
	snprintf(what, sizeof(what), "COPY into %s", stage_names[t]);
	rc = exec(pg, sql, PGRES_COPY_IN, what, err, errlen);
	if (rc)
		return rc;
	/* In pieces: PQputCopyData takes an int length. */
	for (size_t off = 0; off < b->len;) {
		size_t n = b->len - off < (1u << 20) ? b->len - off : (1u << 20);
		if (PQputCopyData(pg, b->p + off, (int)n) != 1)
			break;
		off += n;
	}
	PQputCopyEnd(pg, NULL);
	while ((res = PQgetResult(pg))) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = fail(pg, res, what, err, errlen);
		PQclear(res);
	}
	return rc;
}

static int insert(PGconn *pg, enum brk_persist_table t, uint64_t *written, char *err, size_t errlen)
{
	PGresult *res = PQexec(pg, insert_sql[t]);
	char what[64];
	int rc = 0;

	snprintf(what, sizeof(what), "INSERT into %s", brk_persist_table_name(t));
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = fail(pg, res, what, err, errlen);
	else
		*written = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

int brk_persist__db_write(PGconn *pg, const struct brk_persist__batch *b,
                          uint64_t written[BRK_PERSIST_T__COUNT], char *err, size_t errlen)
{
	int rc = exec(pg, "BEGIN", PGRES_COMMAND_OK, "BEGIN", err, errlen);

	for (int t = 0; t < BRK_PERSIST_T__COUNT; t++)
		written[t] = 0;
	for (int t = 0; rc == 0 && t < BRK_PERSIST_T__COUNT; t++)
		if (b->lines[t])
			rc = copy_in(pg, (enum brk_persist_table)t, &b->copy[t], err, errlen);
	for (int t = 0; rc == 0 && t < BRK_PERSIST_T__COUNT; t++)
		if (b->lines[t])
			rc = insert(pg, (enum brk_persist_table)t, &written[t], err, errlen);
	if (rc == 0)
		rc = exec(pg, "COMMIT", PGRES_COMMAND_OK, "COMMIT", err, errlen);
	if (rc)
		rollback(pg);
	return rc;
}
