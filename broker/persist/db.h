/*
 * db: the writer's side of PostgreSQL, over a blocking libpq connection.
 * Internal to broker/persist; only the writer thread calls it.
 *
 * A connection is made with the caller's connection string (and defaults
 * for what it does not say: a connect timeout, TCP keepalives, the
 * application name "v2x-broker-persist"), the schema v2x_broker is brought
 * up to date with the migrations of broker/persist/sql, and the temporary
 * staging tables a batch is copied into are created.
 */
#ifndef V2X_BROKER_PERSIST_DB_H
#define V2X_BROKER_PERSIST_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/persist/migrations.h"
#include "broker/persist/persist.h"

/* The application_name of the writer's connection. */
#define BRK_PERSIST_APP_NAME "v2x-broker-persist"

/* A growable text buffer of the writer's. */
struct brk_persist__buf {
	char *p;
	size_t len;
	size_t cap;
};

/* Makes room for n more bytes.  Returns 0 or V2X_ENOMEM. */
int brk_persist__buf_reserve(struct brk_persist__buf *b, size_t n);

/* One batch: the COPY text of each staging table, and its line count. */
struct brk_persist__batch {
	struct brk_persist__buf copy[BRK_PERSIST_T__COUNT];
	uint64_t lines[BRK_PERSIST_T__COUNT];
};

/* Empties b, keeping its memory. */
void brk_persist__batch_reset(struct brk_persist__batch *b);
void brk_persist__batch_fini(struct brk_persist__batch *b);

/*
 * Connects, migrates and makes the staging tables.  log (may be NULL)
 * gets the server's notices at debug level.  Returns 0 with *out (PQfinish
 * it), or V2X_EDB with what failed in err.
 */
int brk_persist__db_connect(const char *conninfo, struct v2x_log *log, PGconn **out, char *err,
                            size_t errlen);

/*
 * Applies the migrations pg lacks, each in its own transaction with its
 * record in v2x_broker.schema_migrations; serialised by an advisory lock.
 * *applied (may be NULL) gets how many ran.  Returns 0 or V2X_EDB.
 */
int brk_persist__db_migrate(PGconn *pg, int *applied, char *err, size_t errlen);

/* Calls cb for each row of v2x_broker.agent_seq.  Returns 0 or V2X_EDB. */
int brk_persist__db_read_seqs(PGconn *pg, void (*cb)(void *arg, const char *agent, uint64_t seq),
                              void *arg, char *err, size_t errlen);

/*
 * Writes b in one transaction: COPY into the staging tables, INSERT ...
 * ON CONFLICT DO NOTHING into the tables, agent_seq with GREATEST, COMMIT.
 * written[t] gets the rows each INSERT added.  Returns 0 when committed;
 * V2X_EMALFORMED when the server refused the data itself (SQLSTATE class
 * 22 or 23: writing the same rows again would fail again); V2X_EDB for
 * anything else (connection lost, server shutting down...).  err says what.
 */
int brk_persist__db_write(PGconn *pg, const struct brk_persist__batch *b,
                          uint64_t written[BRK_PERSIST_T__COUNT], char *err, size_t errlen);

#endif
