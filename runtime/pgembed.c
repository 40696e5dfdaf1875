#include "runtime/pgembed.h"

#include "runtime/clock.h"
#include "runtime/err.h"
#include "runtime/log.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BINDIR "/usr/lib/postgresql/15/bin"
#define PG_USER        "postgres"
#define PG_PORT        "5432"
#define PG_PACKAGES    "postgresql-15 postgresql-15-postgis-3"

/*
 * The server's socket is DIR/.s.PGSQL.5432 and sun_path holds 108 bytes
 * with its NUL, so DIR may be at most 92 bytes long.
 */
#define DIR_MAX      92
#define DIR_TEMPLATE "/v2xpg.XXXXXX"

#define MAX_GROUPS 64

/* The user the programs run as; drop is false when we are not root. */
struct run_as {
	bool drop;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
};

struct v2x_pg_cluster {
	const struct v2x_log *log;
	int start_timeout_ms;
	int stop_timeout_ms;
	bool no_postgis;
	bool keep;
	bool started;  /* v2x_pg_start() was called */
	bool dir_made; /* dir exists and is ours to remove */
	bool ready;    /* conninfo may be handed out */
	struct run_as user;
	pid_t pid;       /* the server, 0 when not running */
	pid_t guard_pid; /* 0 when there is no guard */
	int guard_fd;    /* write end of the guard's pipe, -1 when none */
	char bindir[PATH_MAX];
	char tmpbase[PATH_MAX];
	char dir[DIR_MAX + 1];
	char data[DIR_MAX + 16];
	char conninfo[2 * DIR_MAX + 64];
};

/* What a child that failed before exec tells its parent through a pipe. */
struct child_err {
	int step; /* enum child_step */
	int err;  /* errno */
};

enum child_step { STEP_SETGROUPS, STEP_SETGID, STEP_SETUID, STEP_PDEATHSIG, STEP_CHDIR, STEP_EXEC };

static const char *const step_names[] = { "setgroups", "setgid",
	                                  "setuid",    "prctl(PR_SET_PDEATHSIG)",
	                                  "chdir",     "exec" };

/*
 * One message to the guard: 'P' with the process group of the program now
 * running (initdb, then the server; 0 for none), or 'D' when the caller has
 * cleaned up itself.
 */
struct guard_msg {
	int tag; /* 'P' or 'D' */
	int pid;
};

/*
 * How a program is started: its arguments, where its output goes, and the
 * signal it gets when its parent dies.  Each program runs in a process
 * group of its own, so that a signal to the caller's group (a terminal's
 * ^C, meson's SIGTERM on a timeout) does not cut it down half-way; the
 * caller decides when it stops.
 */
struct spawn {
	const char *name;        /* for the log: "initdb", "postgres" */
	const char *const *args; /* program path first, NULL-terminated */
	const char *log_name;    /* file in dir that gets stdout and stderr */
	int death_sig;           /* sent to it when its parent dies */
};

/* A mutable copy of an argument list, made before fork, as execv() wants it. */
struct argv_copy {
	char *argv[24];
	char text[2 * PATH_MAX + 1024];
};

static int argv_copy(struct argv_copy *a, const char *const *list)
{
	size_t used = 0, i;

	for (i = 0; list[i]; i++) {
		size_t len = strlen(list[i]) + 1;
		if (i + 1 >= sizeof(a->argv) / sizeof(a->argv[0]) || len > sizeof(a->text) - used)
			return V2X_EINVAL;
		a->argv[i] = memcpy(a->text + used, list[i], len);
		used += len;
	}
	a->argv[i] = NULL;
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t deadline_after(int ms)
{
	return v2x_clock_mono_ns() + (uint64_t)ms * 1000000u;
}

static int ms_since(uint64_t start_ns)
{
	return (int)((v2x_clock_mono_ns() - start_ns) / 1000000u);
}

/* ---- creating the object ---- */

static int copy_path(char *dst, size_t len, const char *src)
{
	int n = snprintf(dst, len, "%s", src);

	return n < 0 || (size_t)n >= len ? V2X_EINVAL : 0;
}

/* Returns the first of a, b, c that is set and not empty. */
static const char *first_set(const char *a, const char *b, const char *c)
{
	if (a && *a)
		return a;
	return b && *b ? b : c;
}

int v2x_pg_new(const struct v2x_pg_config *cfg, const struct v2x_log *log,
               struct v2x_pg_cluster **out)
{
	static const struct v2x_pg_config none;
	struct v2x_pg_cluster *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return V2X_ENOMEM;
	cfg = cfg ? cfg : &none;
	c->log = log;
	c->start_timeout_ms = cfg->start_timeout_ms > 0 ? cfg->start_timeout_ms : 60000;
	c->stop_timeout_ms = cfg->stop_timeout_ms > 0 ? cfg->stop_timeout_ms : 10000;
	c->no_postgis = cfg->no_postgis;
	c->keep = cfg->keep;
	c->guard_fd = -1;
	rc = copy_path(c->bindir, sizeof(c->bindir),
	               first_set(cfg->bindir, getenv("PG_BINDIR"), DEFAULT_BINDIR));
	if (rc == 0)
		rc = copy_path(c->tmpbase, sizeof(c->tmpbase),
		               first_set(cfg->tmpdir, getenv("TMPDIR"), "/tmp"));
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ---- preconditions ---- */

static int check_program(const struct v2x_pg_cluster *c, const char *name)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", c->bindir, name);
	if (access(path, X_OK) == 0)
		return 0;
	v2x_logf(c->log, V2X_LOG_ERROR,
	         "PostgreSQL 15 not found: %s: %s (install the Debian packages %s, or set "
	         "PG_BINDIR)",
	         path, strerror(errno), PG_PACKAGES);
	return V2X_ENOTFOUND;
}

/*
 * As root, finds the user the programs run as.  The group list is read
 * here, before any fork, because initgroups() is not safe in a child of a
 * process that may have threads.
 */
static int resolve_user(struct v2x_pg_cluster *c)
{
	struct passwd *pw;

	c->user.drop = geteuid() == 0;
	if (!c->user.drop)
		return 0;
	errno = 0;
	pw = getpwnam(PG_USER);
	if (!pw) {
		v2x_logf(c->log, V2X_LOG_ERROR,
		         "running as root, and PostgreSQL refuses to: its programs run as the "
		         "system user '%s', which does not exist (install the Debian package "
		         "postgresql-15)",
		         PG_USER);
		return V2X_ENOTFOUND;
	}
	c->user.uid = pw->pw_uid;
	c->user.gid = pw->pw_gid;
	c->user.ngroups = MAX_GROUPS;
	if (getgrouplist(PG_USER, pw->pw_gid, c->user.groups, &c->user.ngroups) < 0) {
		c->user.groups[0] = pw->pw_gid;
		c->user.ngroups = 1;
	}
	return 0;
}

/* ---- the folder ---- */

/* Whether the cluster's user may search the folder st describes (ACLs aside). */
static bool user_may_search(const struct run_as *u, const struct stat *st)
{
	if (st->st_uid == u->uid)
		return st->st_mode & S_IXUSR;
	for (int i = 0; i < u->ngroups; i++) {
		if (u->groups[i] == st->st_gid)
			return st->st_mode & S_IXGRP;
	}
	return st->st_mode & S_IXOTH;
}

/*
 * Warns when a parent of the folder keeps the cluster's user out, the
 * usual reason for initdb to fail as root (a private $TMPDIR).  Only a
 * warning: an ACL may still let the user in.
 */
static void check_reachable(const struct v2x_pg_cluster *c)
{
	char path[sizeof(c->dir)];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", c->dir);
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (stat(path, &st) == 0 && !user_may_search(&c->user, &st)) {
			v2x_logf(c->log, V2X_LOG_WARN,
			         "user %s cannot enter %s, so initdb will likely fail (chmod o+x "
			         "it, or set TMPDIR to a folder it can reach)",
			         PG_USER, path);
			return;
		}
	}
}

static int make_dir(struct v2x_pg_cluster *c)
{
	const char *base = c->tmpbase;

	if (strlen(base) + strlen(DIR_TEMPLATE) > DIR_MAX) {
		v2x_logf(c->log, V2X_LOG_INFO,
		         "%s is too long a path for a unix socket; using /tmp instead", base);
		base = "/tmp";
	}
	snprintf(c->dir, sizeof(c->dir), "%s%s", base, DIR_TEMPLATE);
	if (!mkdtemp(c->dir)) {
		v2x_logf(c->log, V2X_LOG_ERROR, "cannot make a folder in %s: %s", base,
		         strerror(errno));
		c->dir[0] = '\0';
		return V2X_ESYS;
	}
	c->dir_made = true;
	snprintf(c->data, sizeof(c->data), "%s/data", c->dir);
	if (c->user.drop && chown(c->dir, c->user.uid, c->user.gid) < 0) {
		v2x_logf(c->log, V2X_LOG_ERROR, "cannot give %s to user %s: %s", c->dir, PG_USER,
		         strerror(errno));
		return V2X_ESYS;
	}
	if (c->user.drop)
		check_reachable(c);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : errno;
}

static int remove_dir(struct v2x_pg_cluster *c)
{
	int err;

	if (!c->dir_made)
		return 0;
	c->dir_made = false;
	if (c->keep) {
		v2x_logf(c->log, V2X_LOG_INFO, "kept the cluster folder %s", c->dir);
		return 0;
	}
	err = nftw(c->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (err == 0)
		return 0;
	v2x_logf(c->log, V2X_LOG_ERROR, "cannot remove %s: %s", c->dir,
	         strerror(err > 0 ? err : errno));
	return V2X_EIO;
}

/* ---- the guard ---- */

/* Closes every descriptor from first on (async-signal-safe). */
static void close_fds_from(int first)
{
	if (close_range((unsigned)first, ~0u, 0) == 0)
		return;
	/* Kernels before 5.9 lack close_range(). */
	for (int fd = first; fd < 4096; fd++)
		close(fd);
}

/*
 * The guard's own code, in a child forked from a process that may have
 * threads: only async-signal-safe calls until the exec of rm.  It leaves
 * the caller's session so that a kill of the caller's process group (the
 * way meson ends a test that timed out) does not reach it, and lets go of
 * every inherited descriptor so that nobody waits for it on a pipe.
 */
static _Noreturn void guard_main(const int fds[2], char *const rm_argv[], bool keep)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct guard_msg m;
	pid_t group = 0;
	/* Out of the way of 0..3 before those are rearranged. */
	int fd = fcntl(fds[0], F_DUPFD, 10), null_fd = open("/dev/null", O_RDWR);

	/* Without its end of the socket the guard would take the caller for dead. */
	if (fd < 0)
		_exit(1);
	close(fds[1]);
	setsid();
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGTERM, &ign, NULL);
	sigaction(SIGHUP, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	for (int i = 0; i < 3 && null_fd >= 0; i++)
		dup2(null_fd, i);
	dup2(fd, 3);
	close_fds_from(4);
	for (;;) {
		ssize_t n = read(3, &m, sizeof(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			break; /* the caller is gone */
		if (m.tag == 'D')
			_exit(0);
		group = m.pid;
	}
	if (group > 0) {
		/* Immediate shutdown (or initdb's cleanup), then whatever is left. */
		kill(group, SIGQUIT);
		for (int i = 0; i < 100 && kill(group, 0) == 0; i++)
			sleep_ms(20);
		kill(-group, SIGKILL);
	}
	if (!keep)
		execv("/bin/rm", rm_argv);
	_exit(0);
}

/*
 * A socket rather than a pipe, for MSG_NOSIGNAL: a guard that was killed
 * must not take the caller down with SIGPIPE.
 */
static void guard_send(struct v2x_pg_cluster *c, int tag, pid_t pid)
{
	struct guard_msg m = { tag, (int)pid };

	if (c->guard_fd >= 0 &&
	    send(c->guard_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		v2x_logf(c->log, V2X_LOG_WARN, "cluster guard: %s", strerror(errno));
}

static int guard_start(struct v2x_pg_cluster *c)
{
	const char *rm_args[] = { "rm", "-rf", "--", c->dir, NULL };
	struct argv_copy rm;
	int fds[2];

	if (argv_copy(&rm, rm_args) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		goto fail;
	c->guard_pid = fork();
	if (c->guard_pid == 0)
		guard_main(fds, rm.argv, c->keep);
	close(fds[0]);
	if (c->guard_pid < 0) {
		c->guard_pid = 0;
		close(fds[1]);
		goto fail;
	}
	c->guard_fd = fds[1];
	return 0;
fail:
	v2x_logf(c->log, V2X_LOG_ERROR, "cannot start the cluster guard: %s", strerror(errno));
	return V2X_ESYS;
}

static void guard_finish(struct v2x_pg_cluster *c)
{
	if (c->guard_fd >= 0) {
		guard_send(c, 'D', 0);
		close(c->guard_fd);
		c->guard_fd = -1;
	}
	if (c->guard_pid > 0) {
		while (waitpid(c->guard_pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->guard_pid = 0;
	}
}

/* ---- starting programs ---- */

static _Noreturn void child_report(int fd, enum child_step step)
{
	struct child_err e = { step, errno };

	if (write(fd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Drops from root to the cluster's user: groups first, the uid last. */
static void child_drop(const struct run_as *u, int err_fd)
{
	if (setgroups((size_t)u->ngroups, u->groups) < 0)
		child_report(err_fd, STEP_SETGROUPS);
	if (setgid(u->gid) < 0)
		child_report(err_fd, STEP_SETGID);
	if (setuid(u->uid) < 0)
		child_report(err_fd, STEP_SETUID);
}

/*
 * The child between fork and exec: async-signal-safe calls only.  Signal
 * dispositions and the mask are reset because a caller such as
 * with-postgis blocks SIGTERM and SIGINT, and a server that inherited that
 * mask could not be shut down.
 */
static _Noreturn void child_exec(const struct v2x_pg_cluster *c, char *const argv[], int death_sig,
                                 int out_fd, int err_fd, pid_t parent)
{
	static const int reset[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int null_fd = open("/dev/null", O_RDONLY);
	sigset_t none;

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null_fd >= 0)
		dup2(null_fd, 0);
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	if (c->user.drop)
		child_drop(&c->user, err_fd);
	/* After the drop: a change of credentials clears the death signal. */
	if (prctl(PR_SET_PDEATHSIG, death_sig) < 0 || getppid() != parent)
		child_report(err_fd, STEP_PDEATHSIG);
	if (chdir(c->dir) < 0)
		child_report(err_fd, STEP_CHDIR);
	execv(argv[0], argv);
	child_report(err_fd, STEP_EXEC);
}

/* Reads the child's report: 0 when it reached exec, else what failed. */
static int spawn_check(struct v2x_pg_cluster *c, const struct spawn *s, int fd, pid_t pid)
{
	struct child_err e;
	ssize_t n;

	while ((n = read(fd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(e))
		return 0;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (e.step < 0 || e.step > STEP_EXEC)
		e.step = STEP_EXEC;
	v2x_logf(c->log, V2X_LOG_ERROR, "cannot start %s: %s: %s", s->name, step_names[e.step],
	         strerror(e.err));
	return V2X_ECHILD;
}

static int spawn(struct v2x_pg_cluster *c, const struct spawn *s, pid_t *pid)
{
	char path[sizeof(c->dir) + 32];
	pid_t parent = getpid();
	int out_fd, fds[2] = { -1, -1 }, rc = V2X_ESYS;
	struct argv_copy a;

	*pid = 0;
	if (argv_copy(&a, s->args) < 0) {
		v2x_logf(c->log, V2X_LOG_ERROR, "cannot start %s: arguments too long", s->name);
		return V2X_EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, s->log_name);
	out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (out_fd < 0 || pipe2(fds, O_CLOEXEC) < 0)
		goto out;
	*pid = fork();
	if (*pid == 0)
		child_exec(c, a.argv, s->death_sig, out_fd, fds[1], parent);
	if (*pid < 0) {
		*pid = 0;
		goto out;
	}
	/* Also here, so that the group exists before anyone signals it. */
	setpgid(*pid, *pid);
	/* Known to the guard before it can write a byte. */
	guard_send(c, 'P', *pid);
	close(fds[1]);
	fds[1] = -1;
	rc = spawn_check(c, s, fds[0], *pid);
	if (rc) {
		*pid = 0;
		guard_send(c, 'P', 0);
	}
out:
	if (rc == V2X_ESYS)
		v2x_logf(c->log, V2X_LOG_ERROR, "cannot start %s: %s", s->name, strerror(errno));
	if (out_fd >= 0)
		close(out_fd);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

/*
 * Waits up to timeout_ms for pid to end.  Returns 0 with its status,
 * V2X_ETIMEOUT, or V2X_ESYS (not our child).  Polls, because a library
 * cannot take SIGCHLD from its caller.
 */
static int wait_pid(pid_t pid, int timeout_ms, int *status)
{
	uint64_t deadline = deadline_after(timeout_ms);

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return V2X_ESYS;
		if (v2x_clock_mono_ns() >= deadline)
			return V2X_ETIMEOUT;
		sleep_ms(10);
	}
}

/* Describes a wait status: "exit status 1", "killed by signal 9". */
static const char *status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status %#x", (unsigned)status);
	return buf;
}

/* Copies the last lines of one of the cluster's log files to the log. */
static void log_tail(const struct v2x_pg_cluster *c, const char *name)
{
	char path[sizeof(c->dir) + 32], buf[3072], *line, *save = NULL;
	FILE *f;
	long size;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > (long)sizeof(buf) - 1)
		fseek(f, size - (long)sizeof(buf) + 1, SEEK_SET);
	else
		rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	v2x_logf(c->log, V2X_LOG_ERROR, "end of %s:", path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		v2x_logf(c->log, V2X_LOG_ERROR, "  %s", line);
}

/* ---- initdb and the server ---- */

static int run_initdb(struct v2x_pg_cluster *c)
{
	char prog[PATH_MAX + 16];
	/* No sync: the cluster lives minutes, on a disk nobody pulls out. */
	const char *args[] = { prog,    "-D",         c->data,     "-A",
		               "trust", "-U",         PG_USER,     "-E",
		               "UTF8",  "--locale=C", "--no-sync", "--no-instructions",
		               NULL };
	/* SIGTERM: initdb then removes what it made and exits. */
	struct spawn s = { "initdb", args, "initdb.log", SIGTERM };
	char how[64];
	pid_t pid;
	int status, rc;

	snprintf(prog, sizeof(prog), "%s/initdb", c->bindir);
	rc = spawn(c, &s, &pid);
	if (rc)
		return rc;
	rc = wait_pid(pid, c->start_timeout_ms, &status);
	if (rc == V2X_ETIMEOUT) {
		kill(-pid, SIGKILL);
		wait_pid(pid, 5000, &status);
		v2x_logf(c->log, V2X_LOG_ERROR, "initdb took longer than %d ms",
		         c->start_timeout_ms);
	} else if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		v2x_logf(c->log, V2X_LOG_ERROR, "initdb failed: %s",
		         status_text(status, how, sizeof(how)));
		rc = V2X_ECHILD;
	}
	guard_send(c, 'P', 0);
	if (rc)
		log_tail(c, "initdb.log");
	return rc;
}

static int start_server(struct v2x_pg_cluster *c)
{
	char prog[PATH_MAX + 16];
	/* Only the unix socket in dir; no durability, as nothing is ever recovered. */
	const char *args[] = { prog,
		               "-D",
		               c->data,
		               "-k",
		               c->dir,
		               "-p",
		               PG_PORT,
		               "--listen_addresses=",
		               "--fsync=off",
		               "--full_page_writes=off",
		               "--synchronous_commit=off",
		               NULL };
	/* SIGQUIT: immediate shutdown, which also ends every backend. */
	struct spawn s = { "postgres", args, "server.log", SIGQUIT };

	snprintf(prog, sizeof(prog), "%s/postgres", c->bindir);
	return spawn(c, &s, &c->pid);
}

/* Writes "host=DIR ...", quoting DIR if libpq would otherwise split it. */
static void make_conninfo(struct v2x_pg_cluster *c)
{
	char host[2 * DIR_MAX + 3];
	size_t n = 0;
	bool quote = strpbrk(c->dir, " '\\\t") != NULL;

	if (quote)
		host[n++] = '\'';
	for (const char *p = c->dir; *p; p++) {
		if (quote && (*p == '\'' || *p == '\\'))
			host[n++] = '\\';
		host[n++] = *p;
	}
	if (quote)
		host[n++] = '\'';
	host[n] = '\0';
	snprintf(c->conninfo, sizeof(c->conninfo),
	         "host=%s port=" PG_PORT " dbname=postgres user=" PG_USER, host);
}

/* The server exited while starting: says how, and reaps it. */
static int server_died(struct v2x_pg_cluster *c, int status)
{
	char how[64];

	c->pid = 0;
	guard_send(c, 'P', 0);
	v2x_logf(c->log, V2X_LOG_ERROR, "postgres exited while starting: %s",
	         status_text(status, how, sizeof(how)));
	log_tail(c, "server.log");
	return V2X_ECHILD;
}

static int wait_ready(struct v2x_pg_cluster *c)
{
	uint64_t deadline = deadline_after(c->start_timeout_ms);
	int status;

	for (;;) {
		PGPing ping = PQping(c->conninfo);
		if (ping == PQPING_OK)
			return 0;
		if (ping == PQPING_NO_ATTEMPT) {
			v2x_logf(c->log, V2X_LOG_ERROR, "bad connection string: %s", c->conninfo);
			return V2X_EINVAL;
		}
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			return server_died(c, status);
		if (v2x_clock_mono_ns() >= deadline)
			break;
		sleep_ms(20);
	}
	v2x_logf(c->log, V2X_LOG_ERROR, "postgres did not accept connections within %d ms",
	         c->start_timeout_ms);
	log_tail(c, "server.log");
	return V2X_ETIMEOUT;
}

/*
 * Returns whether the server can find postgis.control.  Asked before
 * CREATE EXTENSION because the error for a missing extension changed
 * between minor releases (58P01, then 0A000 in 15.x).
 */
static int postgis_available(const struct v2x_pg_cluster *c, PGconn *conn)
{
	PGresult *res =
	        PQexec(conn, "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'");
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		v2x_logf(c->log, V2X_LOG_ERROR, "cannot list extensions: %s",
		         PQresultErrorMessage(res));
		rc = V2X_EDB;
	} else if (PQntuples(res) == 0) {
		v2x_logf(c->log, V2X_LOG_ERROR,
		         "PostGIS 3 for PostgreSQL 15 is missing (install the Debian package "
		         "postgresql-15-postgis-3)");
		rc = V2X_ENOTFOUND;
	}
	PQclear(res);
	return rc;
}

static int create_postgis(struct v2x_pg_cluster *c)
{
	PGconn *conn = PQconnectdb(c->conninfo);
	PGresult *res = NULL;
	int rc;

	if (PQstatus(conn) != CONNECTION_OK) {
		v2x_logf(c->log, V2X_LOG_ERROR, "cannot connect to %s: %s", c->conninfo,
		         PQerrorMessage(conn));
		rc = V2X_EDB;
		goto out;
	}
	rc = postgis_available(c, conn);
	if (rc)
		goto out;
	res = PQexec(conn, "CREATE EXTENSION IF NOT EXISTS postgis");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		v2x_logf(c->log, V2X_LOG_ERROR, "CREATE EXTENSION postgis: %s",
		         PQresultErrorMessage(res));
		rc = V2X_EDB;
	}
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* ---- the public functions ---- */

static int start_steps(struct v2x_pg_cluster *c)
{
	uint64_t t0 = v2x_clock_mono_ns();
	int rc;

	if ((rc = check_program(c, "initdb")) || (rc = check_program(c, "postgres")) ||
	    (rc = resolve_user(c)) || (rc = make_dir(c)) || (rc = guard_start(c)))
		return rc;
	v2x_logf(c->log, V2X_LOG_INFO, "starting a private PostgreSQL in %s%s", c->dir,
	         c->user.drop ? " (as user " PG_USER ")" : "");
	if ((rc = run_initdb(c)))
		return rc;
	v2x_logf(c->log, V2X_LOG_DEBUG, "initdb done after %d ms", ms_since(t0));
	make_conninfo(c);
	if ((rc = start_server(c)) || (rc = wait_ready(c)))
		return rc;
	v2x_logf(c->log, V2X_LOG_DEBUG, "postgres (pid %d) ready after %d ms", (int)c->pid,
	         ms_since(t0));
	if (!c->no_postgis && (rc = create_postgis(c)))
		return rc;
	v2x_logf(c->log, V2X_LOG_INFO, "PostgreSQL%s ready after %d ms: %s",
	         c->no_postgis ? "" : "+PostGIS", ms_since(t0), c->conninfo);
	return 0;
}

int v2x_pg_start(struct v2x_pg_cluster *c)
{
	int rc;

	if (c->started)
		return V2X_EINVAL;
	c->started = true;
	rc = start_steps(c);
	if (rc) {
		v2x_pg_stop(c);
		return rc;
	}
	c->ready = true;
	return 0;
}

const char *v2x_pg_conninfo(const struct v2x_pg_cluster *c)
{
	return c->ready ? c->conninfo : NULL;
}

const char *v2x_pg_dir(const struct v2x_pg_cluster *c)
{
	return c->dir[0] ? c->dir : NULL;
}

int v2x_pg_pid(const struct v2x_pg_cluster *c)
{
	return (int)c->pid;
}

/* Fast shutdown; after stop_timeout_ms, SIGKILL to the server's process group. */
static int stop_server(struct v2x_pg_cluster *c)
{
	char how[64];
	int status = 0, rc;

	if (c->pid <= 0)
		return 0;
	kill(c->pid, SIGINT);
	rc = wait_pid(c->pid, c->stop_timeout_ms, &status);
	if (rc == V2X_ETIMEOUT) {
		v2x_logf(c->log, V2X_LOG_WARN, "postgres did not stop within %d ms; killing it",
		         c->stop_timeout_ms);
		kill(-c->pid, SIGKILL);
		wait_pid(c->pid, 5000, &status);
	} else if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		v2x_logf(c->log, V2X_LOG_WARN, "postgres ended with %s",
		         status_text(status, how, sizeof(how)));
	}
	c->pid = 0;
	guard_send(c, 'P', 0);
	return rc == V2X_ETIMEOUT ? rc : 0;
}

int v2x_pg_stop(struct v2x_pg_cluster *c)
{
	int rc = stop_server(c), rc2;

	c->ready = false;
	rc2 = remove_dir(c);
	guard_finish(c);
	return rc ? rc : rc2;
}

void v2x_pg_free(struct v2x_pg_cluster *c)
{
	if (!c)
		return;
	v2x_pg_stop(c);
	free(c);
}
