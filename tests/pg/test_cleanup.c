/*
 * Integration test: with-postgis leaves no server and no folder behind
 * when the command fails, when with-postgis gets SIGTERM while the command
 * runs, and when with-postgis is killed outright (SIGKILL: the cluster's
 * guard cleans up).
 *
 *   test-pg-cleanup WITH_POSTGIS
 *
 * The command run under with-postgis is this program in helper mode,
 *
 *   test-pg-cleanup --record FILE STATUS [SECONDS]
 *
 * which writes its pid and V2X_PG_CONNINFO to FILE, sleeps SECONDS, and
 * exits with STATUS.  Skips (77) when with-postgis does.
 */
#include "tests/check.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct record {
	pid_t pid;     /* the command's */
	char dir[256]; /* the cluster's folder, from host= */
};

static int helper(const char *file, int status, int seconds)
{
	const char *conninfo = getenv("V2X_PG_CONNINFO");
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f || !conninfo)
		return 100;
	fprintf(f, "%d\n%s\n", (int)getpid(), conninfo);
	/* Renamed into place so that the test never reads half a file. */
	if (fclose(f) != 0 || rename(tmp, file) != 0)
		return 101;
	if (seconds > 0)
		sleep((unsigned)seconds);
	return status;
}

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

static bool read_record(const char *file, struct record *r)
{
	char line[512], *host, *end;
	FILE *f = fopen(file, "r");
	int pid = 0;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%d\n", &pid) == 1 && fgets(line, sizeof(line), f);
	fclose(f);
	host = ok ? strstr(line, "host=") : NULL;
	if (!host)
		return false;
	host += 5;
	end = host + strcspn(host, " \n");
	snprintf(r->dir, sizeof(r->dir), "%.*s", (int)(end - host), host);
	r->pid = pid;
	return r->dir[0] == '/';
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Whether process pid belongs to the cluster in dir: named in its arguments, or working there. */
static bool of_cluster(const char *pid, const char *dir)
{
	char path[64], buf[4096];
	size_t n = 0;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/cwd", pid);
	len = readlink(path, buf, sizeof(buf) - 1);
	if (len > 0 && strncmp(buf, dir, strlen(dir)) == 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = buf[i] ? buf[i] : ' ';
	buf[n] = '\0';
	return strstr(buf, dir) != NULL;
}

/* Counts the processes of the cluster in dir (server, backends). */
static int cluster_processes(const char *dir)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && of_cluster(e->d_name, dir))
			n++;
	}
	closedir(d);
	return n;
}

static pid_t start(const char *with_postgis, const char *self, const char *file, const char *status,
                   const char *seconds)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(with_postgis, with_postgis, "--", self, "--record", file, status, seconds,
		      (char *)NULL);
		perror(with_postgis);
		_exit(126);
	}
	return pid;
}

/* Waits up to seconds for pid; returns its wait status, or -1 (then kills it). */
static int wait_for(pid_t pid, int seconds)
{
	int status;

	for (int i = 0; i < seconds * 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(20);
	}
	fprintf(stderr, "pid %d did not end within %d s\n", (int)pid, seconds);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Waits until the command has written its record, while with-postgis runs. */
static bool wait_record(pid_t wp, const char *file, struct record *r)
{
	for (int i = 0; i < 120 * 50; i++) {
		if (read_record(file, r))
			return true;
		if (waitpid(wp, NULL, WNOHANG) == wp)
			return false;
		sleep_ms(20);
	}
	return false;
}

/* Checks that nothing of the cluster is left, allowing wait_s for it to go. */
static void check_gone(const struct record *r, int wait_s)
{
	for (int i = 0; i < wait_s * 50; i++) {
		if (!exists(r->dir) && cluster_processes(r->dir) == 0)
			break;
		sleep_ms(20);
	}
	if (!CHECK(!exists(r->dir)))
		fprintf(stderr, "  folder %s is still there\n", r->dir);
	CHECK_INT_EQ(cluster_processes(r->dir), 0);
}

/* Returns 1 when with-postgis skipped (PostgreSQL missing). */
static int test_command_fails(const char *wp_path, const char *self, const char *tmp)
{
	char file[PATH_MAX];
	struct record r;
	int status;

	snprintf(file, sizeof(file), "%s/fails", tmp);
	status = wait_for(start(wp_path, self, file, "3", "0"), 120);
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == CHECK_SKIP)
		return 1;
	CHECK(status >= 0 && WIFEXITED(status));
	CHECK_INT_EQ(WEXITSTATUS(status), 3);
	if (!CHECK(read_record(file, &r)))
		return 0;
	check_gone(&r, 0);
	return 0;
}

static void test_signal(const char *wp_path, const char *self, const char *tmp, int sig)
{
	char file[PATH_MAX];
	struct record r;
	pid_t wp;
	int status;

	snprintf(file, sizeof(file), "%s/signal-%d", tmp, sig);
	wp = start(wp_path, self, file, "0", "120");
	if (!CHECK(wait_record(wp, file, &r))) {
		wait_for(wp, 1);
		return;
	}
	/* The checks below would pass vacuously if these did not. */
	CHECK(exists(r.dir));
	CHECK(cluster_processes(r.dir) > 0);
	kill(wp, sig);
	status = wait_for(wp, 60);
	if (sig == SIGTERM) {
		/* The command got the SIGTERM passed on, and died of it. */
		CHECK(status >= 0 && WIFEXITED(status));
		CHECK_INT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
	} else {
		kill(r.pid, SIGKILL); /* the orphaned command */
	}
	check_gone(&r, sig == SIGTERM ? 0 : 30);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], tmp[] = "/tmp/v2x-cleanup-test.XXXXXX", cmd[PATH_MAX + 16];
	ssize_t n;

	if (argc >= 4 && strcmp(argv[1], "--record") == 0)
		return helper(argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 0);
	if (argc != 2) {
		fprintf(stderr, "usage: %s WITH_POSTGIS\n", argv[0]);
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || !mkdtemp(tmp))
		return 1;
	self[n] = '\0';
	if (test_command_fails(argv[1], self, tmp)) {
		fprintf(stderr, "with-postgis skipped: PostgreSQL is not installed\n");
		return CHECK_SKIP;
	}
	test_signal(argv[1], self, tmp, SIGTERM);
	test_signal(argv[1], self, tmp, SIGKILL);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
	return check_exit();
}
