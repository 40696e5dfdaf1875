/*
 * with-postgis: runs a command against a private PostgreSQL+PostGIS
 * cluster that lives exactly as long as the command.
 *
 *   with-postgis [--keep] [--log-level=LEVEL] [--] COMMAND [ARGS...]
 *
 * The command finds the cluster through V2X_PG_CONNINFO, a libpq
 * connection string.  The cluster is stopped and its folder removed
 * however the command ends, and also when with-postgis itself gets
 * SIGTERM, SIGINT or SIGHUP (meson sends SIGTERM when a test times out):
 * the signal is passed on to the command, and the cluster goes once the
 * command has ended.  Even a SIGKILL leaves nothing behind (see
 * runtime/pgembed.h).
 *
 * The signals are blocked for the whole run and taken with sigtimedwait(),
 * so that no handler and no global is needed and a signal that arrives
 * while the cluster starts is acted on as soon as it has started.
 */
#include "runtime/clock.h"
#include "runtime/err.h"
#include "runtime/log.h"
#include "runtime/opt.h"
#include "runtime/pgembed.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Exit statuses of with-postgis's own failures, beside the command's. */
#define EXIT_USAGE    2
#define EXIT_SKIP     77 /* PostgreSQL or PostGIS missing: meson counts a skip */
#define EXIT_FAILED   125
#define EXIT_NOEXEC   126
#define EXIT_NOTFOUND 127

/* How long a command may take to end after a signal before it is killed. */
#define GRACE_MS 5000

struct wp_config {
	bool keep;
	int log_level; /* enum v2x_log_level */
};

static const struct v2x_opt wp_opts[] = {
	{ .name = "keep",
	  .type = V2X_OPT_FLAG,
	  .offset = offsetof(struct wp_config, keep),
	  .help = "keep the cluster folder (server stopped) for a post-mortem" },
	{ .name = "log-level",
	  .type = V2X_OPT_ENUM,
	  .offset = offsetof(struct wp_config, log_level),
	  .def = "info",
	  .choices = v2x_log_level_names,
	  .help = "how much to say on stderr" },
	V2X_OPT_END,
};

static const struct v2x_opt_table wp_table = {
	.opts = wp_opts,
	.usage = "with-postgis [--keep] [--log-level=LEVEL] [--] COMMAND [ARGS...]",
	.about = "Starts a private PostgreSQL 15 + PostGIS 3 cluster, runs COMMAND with\n"
	         "V2X_PG_CONNINFO set to its libpq connection string, then stops the cluster\n"
	         "and removes its folder, whatever happened to COMMAND.\n"
	         "\n"
	         "Exit status: COMMAND's (128+N if signal N killed it); 77 when PostgreSQL or\n"
	         "PostGIS is not installed (Debian packages postgresql-15\n"
	         "postgresql-15-postgis-3); 2 for a bad command line; 125 when the cluster\n"
	         "fails; 126/127 when COMMAND cannot be run.",
	.stop_at_positional = true,
};

/* Returns -1 to go on, or the status to exit with. */
static int parse_cmdline(int argc, char **argv, struct wp_config *cfg, struct v2x_opt_args *args)
{
	char err[512];
	int rc = v2x_opt_defaults(&wp_table, cfg, err, sizeof(err));

	if (rc == 0)
		rc = v2x_opt_parse_args(&wp_table, cfg, argc, argv, args, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "with-postgis: %s\n", err);
		return EXIT_USAGE;
	}
	if (args->help) {
		v2x_opt_help(&wp_table, stdout);
		return 0;
	}
	if (args->argc == 0) {
		fprintf(stderr, "with-postgis: no command given (see --help)\n");
		return EXIT_USAGE;
	}
	return -1;
}

/* Returns the first of sigs (other than SIGCHLD) already pending, or 0. */
static int pending_signal(const sigset_t *sigs)
{
	struct timespec now = { 0, 0 };
	int sig;

	while ((sig = sigtimedwait(sigs, NULL, &now)) > 0) {
		if (sig != SIGCHLD)
			return sig;
	}
	return 0;
}

static pid_t run_command(const struct v2x_log *log, char **argv, const sigset_t *mask)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		execvp(argv[0], argv);
		int err = errno;
		fprintf(stderr, "with-postgis: cannot run %s: %s\n", argv[0], strerror(err));
		_exit(err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	if (pid < 0)
		v2x_logf(log, V2X_LOG_ERROR, "cannot fork: %s", strerror(errno));
	return pid;
}

static int exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILED;
}

static uint64_t now_ms(void)
{
	return v2x_clock_mono_ns() / 1000000u;
}

/*
 * Waits for the command, passing on the signals in sigs; a command still
 * running GRACE_MS after the first signal is killed.  Returns the exit
 * status that stands for how it ended.
 */
static int supervise(const struct v2x_log *log, pid_t child, const sigset_t *sigs)
{
	const struct timespec tick = { 0, 200 * 1000000L };
	uint64_t kill_at = 0;
	int status;
	pid_t r;

	while ((r = waitpid(child, &status, WNOHANG)) != child) {
		int sig;
		if (r < 0 && errno != EINTR) {
			v2x_logf(log, V2X_LOG_ERROR, "cannot wait for the command: %s",
			         strerror(errno));
			return EXIT_FAILED;
		}
		sig = sigtimedwait(sigs, NULL, &tick);
		if (sig > 0 && sig != SIGCHLD) {
			v2x_logf(log, V2X_LOG_INFO, "got %s: passing it to the command",
			         strsignal(sig));
			kill(child, sig);
			kill_at = kill_at ? kill_at : now_ms() + GRACE_MS;
		}
		if (kill_at && now_ms() >= kill_at) {
			v2x_logf(log, V2X_LOG_WARN, "the command is still running: killing it");
			kill(child, SIGKILL);
			kill_at = UINT64_MAX;
		}
	}
	return exit_status(status);
}

static int start_cluster(const struct v2x_log *log, bool keep, struct v2x_pg_cluster **out)
{
	struct v2x_pg_config cfg = { .keep = keep };
	int rc = v2x_pg_new(&cfg, log, out);

	if (rc == 0)
		rc = v2x_pg_start(*out);
	if (rc == V2X_ENOTFOUND) {
		v2x_logf(log, V2X_LOG_WARN,
		         "skipping: PostgreSQL 15 with PostGIS 3 is needed (apt-get install "
		         "postgresql-15 postgresql-15-postgis-3)");
		return EXIT_SKIP;
	}
	if (rc) {
		v2x_logf(log, V2X_LOG_ERROR, "the cluster did not start: %s", v2x_strerror(rc));
		return EXIT_FAILED;
	}
	return 0;
}

/* Starts the cluster, runs the command, returns the exit status. */
static int run(const struct v2x_log *log, const struct wp_config *cfg, char **cmd,
               const sigset_t *sigs, const sigset_t *mask)
{
	struct v2x_pg_cluster *pg = NULL;
	int status = start_cluster(log, cfg->keep, &pg), sig;
	pid_t child;

	if (status)
		goto out;
	sig = pending_signal(sigs);
	if (sig) {
		v2x_logf(log, V2X_LOG_INFO, "got %s while starting: not running the command",
		         strsignal(sig));
		status = 128 + sig;
		goto out;
	}
	if (setenv("V2X_PG_CONNINFO", v2x_pg_conninfo(pg), 1) < 0) {
		status = EXIT_FAILED;
		goto out;
	}
	child = run_command(log, cmd, mask);
	status = child < 0 ? EXIT_FAILED : supervise(log, child, sigs);
	v2x_logf(log, V2X_LOG_DEBUG, "the command ended with status %d", status);
out:
	v2x_pg_free(pg);
	return status;
}

int main(int argc, char **argv)
{
	struct v2x_opt_args args;
	struct wp_config cfg;
	sigset_t sigs, mask;
	struct v2x_log log;
	int status;

	/* Blocked before anything starts, so that none is lost or kills us early. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, &mask);
	/* A closed stderr must not stop us half-way through the cleanup. */
	signal(SIGPIPE, SIG_IGN);
	status = parse_cmdline(argc, argv, &cfg, &args);
	if (status >= 0)
		return status;
	v2x_log_init(&log, "with-postgis", NULL);
	log.level = (enum v2x_log_level)cfg.log_level;
	status = run(&log, &cfg, args.argv, &sigs, &mask);
	v2x_opt_release(&wp_table, &cfg);
	return status;
}
