/*
 * pgfx: what the broker/persist tests that run under tests/with-postgis
 * share: the database's connection string, one-value queries, a private
 * folder, running a loop until something holds.
 */
#ifndef V2X_BROKER_PERSIST_TESTS_PGFX_H
#define V2X_BROKER_PERSIST_TESTS_PGFX_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

/*
 * The connection string with-postgis gives (V2X_PG_CONNINFO), or NULL
 * after saying the test is skipped.
 */
const char *pgfx_conninfo(void);

/* A connection to conninfo, or NULL after printing why. */
PGconn *pgfx_connect(const char *conninfo);

/* Runs a query of one integer and returns it; -1 after printing an error, -2 for NULL. */
long long pgfx_int(PGconn *pg, const char *sql);

/* Runs a query of one text value into out ("(null)" for NULL, "(error)"). */
void pgfx_text(PGconn *pg, const char *sql, char *out, size_t len);

/* Runs a statement; returns 0 or -1 after printing the error. */
int pgfx_exec(PGconn *pg, const char *sql);

/* Makes a fresh folder under $TMPDIR named after name into out. */
int pgfx_tmpdir(const char *name, char *out, size_t len);

/* Removes the folder path and what is in it. */
void pgfx_rm_tree(const char *path);

/* Runs loop (NOWAIT turns, 1 ms apart) until cond(arg) or timeout_ms; returns cond's last value. */
bool pgfx_run_until(uv_loop_t *loop, bool (*cond)(void *arg), void *arg, int timeout_ms);

#endif
