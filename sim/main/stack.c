/*
 * stack: the broker, the agents and the database of a run.  See stack.h.
 */
#include "sim/main/stack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maps/db/conn.h"
#include "maps/db/load.h"
#include "maps/db/migrate.h"
#include "maps/db/store.h"
#include "runtime/err.h"

extern char **environ;

#define SUB_ID         "v2x-sim"
#define SUB_TOKEN      "tok-v2x-sim"
#define AGENT_TOKEN    "tok-v2x-sim-agents"
#define HEALTH_WAIT_MS 30000

struct child {
	pid_t pid;
	char name[80];
	char log[512];
	uint16_t udp, http;
};

struct sim_stack {
	struct map_db_conn *db;
	struct child broker;
	uint16_t broker_agents, broker_subs;
	char sub_addr[32];
	size_t n_agents;
	struct child *agents;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A port on 127.0.0.1 that was free a moment ago. */
static uint16_t free_port(int type)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	uint16_t port = 0;
	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* The status code of GET http://127.0.0.1:port/healthz, or 0. */
static int health(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons(port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int code = 0;
	if (fd < 0)
		return 0;
	static const char req[] = "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1)) {
		char buf[64] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0 && sscanf(buf, "HTTP/%*s %d", &code) != 1)
			code = 0;
	}
	close(fd);
	return code;
}

void sim_argv_add(struct sim_argv *a, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(a->buf) - a->used;
	if (a->n >= SIM_ARGV_MAX)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return;
	a->v[a->n++] = a->buf + a->used;
	a->v[a->n] = NULL;
	a->used += (size_t)n + 1;
}

/* Starts argv with stdout and stderr appended to c->log. */
static int spawn(struct child *c, char *const argv[], char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, c->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	int rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		c->pid = 0;
		snprintf(err, errlen, "cannot start %s (%s): %s; build it first (meson compile)",
		         c->name, argv[0], strerror(rc));
		return V2X_ECHILD;
	}
	return 0;
}

/* Waits until c answers /healthz with 200. */
static int wait_healthy(struct child *c, char *err, size_t errlen)
{
	int64_t end = now_ms() + HEALTH_WAIT_MS;
	int status;
	while (now_ms() < end) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			snprintf(err, errlen, "%s exited at start (status %d); see %s", c->name,
			         WIFEXITED(status) ? WEXITSTATUS(status) : -1, c->log);
			return V2X_ECHILD;
		}
		if (health(c->http) == 200)
			return 0;
		sleep_ms(50);
	}
	snprintf(err, errlen, "%s did not become healthy within %d s; see %s", c->name,
	         HEALTH_WAIT_MS / 1000, c->log);
	return V2X_ETIMEOUT;
}

/* Stops the n children of c: SIGTERM to all, then SIGKILL to any still
 * running after 5 s. */
static void stop_children(struct child *c, size_t n)
{
	int status;
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].pid > 0 && kill(c[i].pid, SIGTERM) == 0)
			left++;
	for (int k = 0; k < 100 && left > 0; k++) {
		for (size_t i = 0; i < n; i++)
			if (c[i].pid > 0 && waitpid(c[i].pid, &status, WNOHANG) == c[i].pid) {
				c[i].pid = 0;
				left--;
			}
		if (left)
			sleep_ms(50);
	}
	for (size_t i = 0; i < n; i++)
		if (c[i].pid > 0) {
			kill(c[i].pid, SIGKILL);
			waitpid(c[i].pid, &status, 0);
			c[i].pid = 0;
		}
}

static int write_credentials(const struct sim_stack_config *cfg, char *path, size_t len, char *err,
                             size_t errlen)
{
	snprintf(path, len, "%s/credentials", cfg->work_dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return V2X_EIO;
	}
	fprintf(f, "# made by v2x-sim for this run\nagent %s ", AGENT_TOKEN);
	for (size_t i = 0; i < cfg->n_agents; i++)
		fprintf(f, "%s%s", i ? "," : "", cfg->agent_ids[i]);
	fprintf(f, "\nsubscriber %s %s\n", SUB_TOKEN, SUB_ID);
	return fclose(f) == 0 ? 0 : V2X_EIO;
}

static int start_broker(struct sim_stack *s, const struct sim_stack_config *cfg, char *err,
                        size_t errlen)
{
	char creds[512];
	struct sim_argv a = { .n = 0 };
	int rc = write_credentials(cfg, creds, sizeof(creds), err, errlen);
	if (rc)
		return rc;
	s->broker_agents = free_port(SOCK_STREAM);
	s->broker_subs = free_port(SOCK_STREAM);
	s->broker.http = free_port(SOCK_STREAM);
	snprintf(s->broker.name, sizeof(s->broker.name), "v2x-broker");
	snprintf(s->broker.log, sizeof(s->broker.log), "%s/broker.log", cfg->work_dir);
	snprintf(s->sub_addr, sizeof(s->sub_addr), "127.0.0.1:%u", s->broker_subs);
	sim_argv_add(&a, "%s/broker/main/v2x-broker", cfg->bin_dir);
	sim_argv_add(&a, "--config=/dev/null");
	sim_argv_add(&a, "--db=%s", map_db_conn_conninfo(s->db));
	sim_argv_add(&a, "--credentials=%s", creds);
	sim_argv_add(&a, "--listen-agents=127.0.0.1:%u", s->broker_agents);
	sim_argv_add(&a, "--listen-subscribers=127.0.0.1:%u", s->broker_subs);
	sim_argv_add(&a, "--metrics=127.0.0.1:%u", s->broker.http);
	sim_argv_add(&a, "--spool-dir=%s/broker.spool", cfg->work_dir);
	sim_argv_add(&a, "--heartbeat=500ms");
	sim_argv_add(&a, "--timeout=3s");
	sim_argv_add(&a, "--log-level=%s", cfg->log_level);
	rc = spawn(&s->broker, a.v, err, errlen);
	return rc ? rc : wait_healthy(&s->broker, err, errlen);
}

static int start_agent(struct sim_stack *s, const struct sim_stack_config *cfg, size_t i, char *err,
                       size_t errlen)
{
	struct child *c = &s->agents[i];
	struct sim_argv a = { .n = 0 };
	const char *id = cfg->agent_ids[i];
	c->udp = free_port(SOCK_DGRAM);
	c->http = free_port(SOCK_STREAM);
	snprintf(c->name, sizeof(c->name), "v2x-agent %s", id);
	snprintf(c->log, sizeof(c->log), "%s/agent-%s.log", cfg->work_dir, id);
	sim_argv_add(&a, "%s/rsu-agent/agent/v2x-agent", cfg->bin_dir);
	sim_argv_add(&a, "--config=/dev/null");
	sim_argv_add(&a, "--id=%s", id);
	sim_argv_add(&a, "--broker=127.0.0.1:%u", s->broker_agents);
	sim_argv_add(&a, "--credential=%s", AGENT_TOKEN);
	sim_argv_add(&a, "--listen=127.0.0.1:%u", c->udp);
	sim_argv_add(&a, "--metrics=127.0.0.1:%u", c->http);
	sim_argv_add(&a, "--spool-dir=%s/agent-%s.spool", cfg->work_dir, id);
	sim_argv_add(&a, "--fsync=none");
	sim_argv_add(&a, "--heartbeat=500ms");
	sim_argv_add(&a, "--timeout=3s");
	sim_argv_add(&a, "--backoff-min=50ms");
	sim_argv_add(&a, "--backoff-max=300ms");
	sim_argv_add(&a, "--log-level=%s", cfg->log_level);
	return spawn(c, a.v, err, errlen);
}

static int start_agents(struct sim_stack *s, const struct sim_stack_config *cfg, char *err,
                        size_t errlen)
{
	s->agents = calloc(cfg->n_agents + 1, sizeof(*s->agents));
	if (!s->agents)
		return V2X_ENOMEM;
	s->n_agents = cfg->n_agents;
	for (size_t i = 0; i < cfg->n_agents; i++) {
		int rc = start_agent(s, cfg, i, err, errlen);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < cfg->n_agents; i++) {
		int rc = wait_healthy(&s->agents[i], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int store_map(struct sim_stack *s, const struct map_model *m, int64_t version,
                     struct v2x_arena *arena, struct map_model *loaded, char *err, size_t errlen)
{
	PGconn *pg = map_db_conn_pg(s->db);
	int applied = 0;
	int64_t id = 0;
	int rc = map_db_migrate(pg, &applied, err, errlen);
	if (rc == 0 && version > 0)
		return map_db_load(pg, version, arena, loaded, err, errlen);
	return rc ? rc : map_db_store(pg, m, &id, err, errlen);
}

int sim_stack_start(const struct sim_stack_config *cfg, const struct map_model *m,
                    int64_t map_version, struct v2x_arena *arena, struct map_model *loaded,
                    void (*say)(void *arg, const char *text), void *arg, struct sim_stack **out,
                    char *err, size_t errlen)
{
	struct sim_stack *s = calloc(1, sizeof(*s));
	if (!s)
		return V2X_ENOMEM;
	say(arg, cfg->db && *cfg->db ? "connecting to the database"
	                             : "starting a private PostgreSQL+PostGIS cluster");
	int rc = map_db_open(cfg->db, NULL, &s->db, err, errlen);
	if (rc == 0) {
		say(arg,
		    map_version > 0 ? "reading the map version" : "loading the map into PostGIS");
		rc = store_map(s, m, map_version, arena, loaded, err, errlen);
	}
	if (rc == 0) {
		say(arg, "starting v2x-broker");
		rc = start_broker(s, cfg, err, errlen);
	}
	if (rc == 0) {
		char line[256];
		snprintf(line, sizeof(line), "starting %zu v2x-agent(s), one per RSU",
		         cfg->n_agents);
		say(arg, line);
		rc = start_agents(s, cfg, err, errlen);
	}
	if (rc) {
		sim_stack_stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *sim_stack_sub_addr(const struct sim_stack *s)
{
	return s->sub_addr;
}

const char *sim_stack_sub_id(const struct sim_stack *s)
{
	(void)s;
	return SUB_ID;
}

const char *sim_stack_sub_token(const struct sim_stack *s)
{
	(void)s;
	return SUB_TOKEN;
}

uint16_t sim_stack_metrics_port(const struct sim_stack *s)
{
	return s->broker.http;
}

uint16_t sim_stack_agent_port(const struct sim_stack *s, size_t i)
{
	return s->agents[i].udp;
}

static bool child_alive(struct child *c, char *err, size_t errlen)
{
	int status;
	if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid) {
		c->pid = 0;
		snprintf(err, errlen, "%s stopped during the run; see %s", c->name, c->log);
		return false;
	}
	return true;
}

bool sim_stack_alive(struct sim_stack *s, char *err, size_t errlen)
{
	if (!child_alive(&s->broker, err, errlen))
		return false;
	for (size_t i = 0; i < s->n_agents; i++)
		if (!child_alive(&s->agents[i], err, errlen))
			return false;
	return true;
}

void sim_stack_stop(struct sim_stack *s)
{
	if (!s)
		return;
	if (s->agents)
		stop_children(s->agents, s->n_agents);
	stop_children(&s->broker, 1);
	map_db_close(s->db);
	free(s->agents);
	free(s);
}
