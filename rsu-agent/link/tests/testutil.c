#include "rsu-agent/link/tests/testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codecs/samples.h"
#include "codecs/wire/convert.h"
#include "runtime/clock.h"

int tu_tmpdir(char *buf, size_t len, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, len, "%s/v2x-%s-XXXXXX", base && *base ? base : "/tmp", tag);
	return mkdtemp(buf) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	size_t sl = strlen(suffix);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] != '.' && l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

long long tu_file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

int tu_flip_byte(const char *path, long long off, uint8_t mask)
{
	int fd = open(path, O_RDWR);
	uint8_t b;
	int rc = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &b, 1, off) == 1) {
		b ^= mask;
		rc = pwrite(fd, &b, 1, off) == 1 ? 0 : -1;
	}
	close(fd);
	return rc;
}

int tu_truncate(const char *path, long long size)
{
	return truncate(path, size);
}

int tu_append(const char *path, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	int rc;

	if (fd < 0)
		return -1;
	rc = write(fd, bytes, n) == (ssize_t)n ? 0 : -1;
	close(fd);
	return rc;
}

uint64_t tu_now_ms(void)
{
	return v2x_clock_mono_ns() / 1000000u;
}

void tu_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void tu_obs_init(struct tu_obs *o)
{
	v2x_arena_init(&o->arena, 16384, 0);
	v2x__wire__observation__init(&o->obs);
}

void tu_obs_fini(struct tu_obs *o)
{
	v2x_arena_fini(&o->arena);
}

static void put_number(uint8_t *id, uint64_t number)
{
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(number >> (56 - 8 * i));
}

int tu_obs_make(struct tu_obs *o, enum v2x_msg_type type, uint64_t number, int64_t rx_time_us)
{
	struct v2x_msg m;
	int rc;

	v2x_arena_reset(&o->arena);
	v2x__wire__observation__init(&o->obs);
	if ((rc = v2x_sample_build(type, &o->arena, &m)) != 0)
		return rc;
	if (type == V2X_MSG_BSM)
		put_number(m.u.bsm.id, number);
	if (type == V2X_MSG_RSM)
		put_number(m.u.rsm.id, number);
	if ((rc = v2x_wire_msg_to_obs(&m, &o->arena, &o->obs)) != 0)
		return rc;
	o->obs.has_rx_time_us = 1;
	o->obs.rx_time_us = (uint64_t)(rx_time_us ? rx_time_us : v2x_clock_wall_us());
	return 0;
}

static void on_wake(uv_timer_t *t)
{
	(void)t;
}

bool tu_run_until(uv_loop_t *loop, bool (*pred)(void *), void *arg, unsigned timeout_ms)
{
	uint64_t end = tu_now_ms() + timeout_ms;
	uv_timer_t wake;
	bool ok;

	/* The timer makes every turn end within 5 ms, so pred is checked often
	 * even when nothing else happens. */
	uv_timer_init(loop, &wake);
	uv_timer_start(&wake, on_wake, 5, 5);
	while (!(ok = pred(arg)) && tu_now_ms() < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&wake, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return ok;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

void tu_run_for(uv_loop_t *loop, unsigned ms)
{
	tu_run_until(loop, never, NULL, ms);
}

static void name_handle(uv_handle_t *h, void *arg)
{
	int *n = arg;

	(*n)++;
	fprintf(stderr, "handle left open: %s\n", uv_handle_type_name(uv_handle_get_type(h)));
}

int tu_loop_finish(uv_loop_t *loop)
{
	int open = 0;

	uv_run(loop, UV_RUN_DEFAULT);
	uv_walk(loop, name_handle, &open);
	return uv_loop_close(loop) == 0 && open == 0 ? 0 : -1;
}

/* In the child: exec argv with stdout on out_fd, or exit 127. */
static void exec_child(const char *const argv[], int fds[2])
{
	char *copy[64];
	size_t n = 0;

	/* A test killed by meson's timeout takes its children with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (; n < 63 && argv[n]; n++)
		copy[n] = strdup(argv[n]);
	copy[n] = NULL;
	if (!copy[0])
		_exit(127);
	dup2(fds[1], 1);
	close(fds[0]);
	close(fds[1]);
	execv(copy[0], copy);
	_exit(127);
}

int tu_spawn(struct tu_child *c, const char *const argv[])
{
	int fds[2];

	memset(c, 0, sizeof(*c));
	c->out_fd = -1;
	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	c->pid = fork();
	if (c->pid == 0)
		exec_child(argv, fds);
	close(fds[1]);
	c->out_fd = fds[0];
	if (c->pid < 0) {
		close(fds[0]);
		c->out_fd = -1;
		return -1;
	}
	return 0;
}

/* Moves the first line of c->buf to out; false when there is none yet. */
static bool take_line(struct tu_child *c, char *out, size_t len)
{
	char *nl = memchr(c->buf, '\n', c->have);
	size_t n;

	if (!nl)
		return false;
	n = (size_t)(nl - c->buf);
	snprintf(out, len, "%.*s", (int)n, c->buf);
	memmove(c->buf, nl + 1, c->have - n - 1);
	c->have -= n + 1;
	return true;
}

int tu_read_line(struct tu_child *c, char *buf, size_t len, unsigned timeout_ms)
{
	uint64_t end = tu_now_ms() + timeout_ms;

	while (!take_line(c, buf, len)) {
		struct pollfd p = { c->out_fd, POLLIN, 0 };
		uint64_t now = tu_now_ms();
		ssize_t n;
		if (now >= end || c->have == sizeof(c->buf) || poll(&p, 1, (int)(end - now)) <= 0)
			return -1;
		n = read(c->out_fd, c->buf + c->have, sizeof(c->buf) - c->have);
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
	return 0;
}

void tu_kill(struct tu_child *c, int sig)
{
	if (c->pid > 0)
		kill(c->pid, sig);
}

int tu_wait(struct tu_child *c, unsigned timeout_ms)
{
	uint64_t end = tu_now_ms() + timeout_ms;
	int status;
	pid_t r;

	if (c->pid <= 0)
		return -1;
	while ((r = waitpid(c->pid, &status, WNOHANG)) == 0 && tu_now_ms() < end)
		tu_sleep_ms(5);
	if (r == 0) {
		kill(c->pid, SIGKILL);
		r = waitpid(c->pid, &status, 0);
	}
	c->pid = 0;
	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = -1;
	if (r < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int tu_peer_start(struct tu_child *c, const char *wirepeer, int port, const char *out,
                  const char *const *extra)
{
	const char *argv[32];
	char portarg[32], line[256] = "";
	int n = 0, got = -1;

	snprintf(portarg, sizeof(portarg), "--port=%d", port);
	argv[n++] = wirepeer;
	argv[n++] = portarg;
	argv[n++] = "--out";
	argv[n++] = out;
	for (size_t i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if (tu_spawn(c, argv) != 0)
		return -1;
	/* wirepeer's first line: "listening tcp 127.0.0.1 PORT" (or "listening
	 * unix PATH": port 0). */
	if (tu_read_line(c, line, sizeof(line), 10000) == 0 &&
	    strncmp(line, "listening unix ", 15) == 0)
		return 0;
	if (sscanf(line, "listening tcp %*s %d", &got) != 1) {
		fprintf(stderr, "wirepeer did not say where it listens ('%s')\n", line);
		tu_kill(c, SIGKILL);
		tu_wait(c, 1000);
		return -1;
	}
	return got;
}

int tu_peer_stop(struct tu_child *c, struct tu_peer_summary *sum)
{
	char line[256] = "";
	int got, status;

	memset(sum, 0, sizeof(*sum));
	tu_kill(c, SIGTERM);
	got = tu_read_line(c, line, sizeof(line), 10000) == 0 &&
	      sscanf(line, "observations %" SCNu64 " duplicates %" SCNu64 " connections %" SCNu64,
	             &sum->observations, &sum->duplicates, &sum->connections) == 3;
	status = tu_wait(c, 10000);
	if (!got) {
		fprintf(stderr, "wirepeer gave no summary ('%s'), exit %d\n", line, status);
		return -1;
	}
	return status;
}

static uint64_t hex_number(const char *hex)
{
	return hex ? strtoull(hex, NULL, 16) : 0;
}

static int parse_line(const char *text, struct tu_line *l)
{
	json_t *j = json_loads(text, 0, NULL);
	json_t *msg;
	const char *agent, *type;
	char lower[8] = "";

	if (!j)
		return -1;
	memset(l, 0, sizeof(*l));
	agent = json_string_value(json_object_get(j, "agent"));
	type = json_string_value(json_object_get(j, "type"));
	snprintf(l->agent, sizeof(l->agent), "%s", agent ? agent : "");
	snprintf(l->type, sizeof(l->type), "%s", type ? type : "");
	l->seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));
	l->rx_time_us = (int64_t)json_integer_value(json_object_get(j, "rx_time_us"));
	l->replayed = json_is_true(json_object_get(j, "replayed"));
	l->record_only = json_is_true(json_object_get(j, "record_only"));
	/* "msg" is msgjson's object: {"type":"bsm","flags":[],"bsm":{...}}. */
	for (size_t i = 0; i + 1 < sizeof(lower) && type && type[i]; i++)
		lower[i] = (char)tolower((unsigned char)type[i]);
	msg = json_object_get(j, "msg");
	l->has_msg = json_is_object(msg) && !json_object_get(j, "error");
	l->number =
	        hex_number(json_string_value(json_object_get(json_object_get(msg, lower), "id")));
	json_decref(j);
	return 0;
}

long tu_read_lines(const char *path, struct tu_line **lines)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, n = 0, room = 0;
	struct tu_line *v = NULL;

	*lines = NULL;
	if (!f)
		return -1;
	while (getline(&text, &cap, f) > 0) {
		if (n == room) {
			struct tu_line *g =
			        realloc(v, (room = room ? room * 2 : 1024) * sizeof(*v));
			if (!g)
				break;
			v = g;
		}
		if (parse_line(text, &v[n]) == 0)
			n++;
	}
	free(text);
	fclose(f);
	*lines = v;
	return (long)n;
}

long tu_count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;

	if (!f)
		return 0;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}
