/*
 * pgembed: a private, throw-away PostgreSQL 15 + PostGIS 3 cluster for
 * tests and tools.
 *
 * v2x_pg_start() makes a folder under $TMPDIR (or /tmp), runs initdb into
 * it, starts `postgres` as a child process that listens only on a unix
 * socket in that folder, waits until it accepts connections and creates
 * the postgis extension in database "postgres".  v2x_pg_stop() shuts the
 * server down (fast shutdown, SIGKILL after a timeout) and removes the
 * folder.
 *
 * initdb and postgres refuse to run as root.  When the process runs as
 * root (CI, containers), the folder is given to the system user "postgres"
 * (from the Debian package postgresql-15) and both programs run as that
 * user.
 *
 * initdb and the server run in process groups of their own, so a signal
 * to the caller's group (^C, meson's SIGTERM on a timeout) leaves them to
 * the caller, which stops them in order.  The folder is removed even when
 * the process that started the cluster dies without stopping it (SIGKILL,
 * a crash, a test timeout): initdb and the server are signalled when their
 * parent dies, and a small guard process, started with the cluster in a
 * session of its own, removes the folder once the starting process is
 * gone.  The guard notices through a socket, so a child forked without
 * exec keeps the folder alive as long as it lives.
 *
 * The calling process must let this module reap its own children: SIGCHLD
 * must not be set to SIG_IGN.  The server is told to die with the thread
 * that started it, so start and stop clusters from a thread that lives as
 * long as they do (usually the main thread).  No state outside the struct.
 */
#ifndef V2X_RUNTIME_PGEMBED_H
#define V2X_RUNTIME_PGEMBED_H

#include <stdbool.h>

struct v2x_log;
struct v2x_pg_cluster;

/* Settings of a cluster; a zeroed struct (or NULL) means every default. */
struct v2x_pg_config {
	/* Folder of initdb and postgres; NULL: $PG_BINDIR, else
	 * /usr/lib/postgresql/15/bin.  Borrowed for v2x_pg_new(). */
	const char *bindir;
	/* Parent of the cluster folder; NULL: $TMPDIR, else /tmp.  Too long a
	 * path for a unix socket falls back to /tmp.  Borrowed for v2x_pg_new(). */
	const char *tmpdir;
	int start_timeout_ms; /* limit on initdb and on the server start; 0: 60000 */
	int stop_timeout_ms;  /* wait for fast shutdown before SIGKILL; 0: 10000 */
	bool no_postgis;      /* skip CREATE EXTENSION postgis */
	bool keep;            /* leave the folder (server stopped) for a post-mortem */
};

/*
 * Makes a cluster object; nothing is started yet.  cfg is copied (NULL:
 * defaults); log is borrowed until v2x_pg_free() and may be NULL.  Returns
 * 0 and *out (caller frees with v2x_pg_free), V2X_ENOMEM or V2X_EINVAL.
 */
int v2x_pg_new(const struct v2x_pg_config *cfg, const struct v2x_log *log,
               struct v2x_pg_cluster **out);

/*
 * Creates and starts the cluster; a cluster starts once.  Returns 0;
 * V2X_ENOTFOUND when PostgreSQL 15, PostGIS or (as root) the postgres user
 * is missing; V2X_ECHILD when initdb or the server fails; V2X_ETIMEOUT;
 * V2X_EDB; V2X_ESYS; V2X_EINVAL on a second call.  Each failure is
 * explained on the log, with the end of the program's own log.  A failed
 * start leaves nothing running and (unless keep) no folder.
 */
int v2x_pg_start(struct v2x_pg_cluster *c);

/*
 * Returns the libpq connection string, "host=DIR port=5432
 * dbname=postgres user=postgres", while the cluster runs; NULL otherwise.
 * Valid until v2x_pg_stop() or v2x_pg_free().
 */
const char *v2x_pg_conninfo(const struct v2x_pg_cluster *c);

/*
 * Returns the cluster folder (socket, data/, initdb.log, server.log), NULL
 * before start.  After a stop it names a folder that is gone (unless keep).
 */
const char *v2x_pg_dir(const struct v2x_pg_cluster *c);

/* Returns the server's process id while it runs, 0 otherwise. */
int v2x_pg_pid(const struct v2x_pg_cluster *c);

/*
 * Stops the server and removes the folder (unless keep).  Returns 0,
 * V2X_ETIMEOUT when the server had to be killed, or V2X_EIO when the folder
 * could not be removed; either way nothing is left running.  Calling it
 * again, or before a start, does nothing.
 */
int v2x_pg_stop(struct v2x_pg_cluster *c);

/* Stops and removes the cluster if needed, then frees it.  Accepts NULL. */
void v2x_pg_free(struct v2x_pg_cluster *c);

#endif
