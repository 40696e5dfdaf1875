/*
 * broker/persist through a PostgreSQL restart and a terminated backend
 * (run under tests/with-postgis).
 *
 * A loop thread feeds a steady stream (observations every 2 ms, warnings
 * and hazards now and then) while the main thread
 *   1. stops the server with-postgis started (SIGINT: fast shutdown, as
 *      pg_ctl stop -m fast does) and waits until it is gone,
 *   2. starts it again on the same data folder, as a child of this test
 *      (dropping to the postgres user when run as root, as runtime/pgembed
 *      does; it dies with the test if the test dies),
 *   3. terminates the writer's backend with pg_terminate_backend from a
 *      connection of its own.
 * Afterwards, with everything drained, every row sent is in the database
 * exactly once (count by unique key equals rows sent), on_durable reached
 * the last seq, the writer reconnected, and no turn of the loop worked
 * more than 50 ms (its length less the time its poll slept, from libuv's
 * idle-time metric).  At the end the test stops the server it started, so that
 * with-postgis finds nothing left to stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker/persist/db.h"
#include "broker/persist/persist.h"
#include "broker/persist/tests/pgfx.h"
#include "codecs/samples.h"
#include "runtime/clock.h"
#include "tests/check.h"

#define TICK_MS        2
#define ROWS_PER_TICK  5
#define BLOCK_LIMIT_US 50000

/* ---- the loop thread ------------------------------------------------------------- */

struct feed {
	const char *conninfo;
	char spool[512];
	uv_loop_t loop;
	uv_timer_t tick;
	uv_async_t stop;   /* from the main thread: stop sending */
	uv_prepare_t turn; /* measures each loop turn's work */
	struct brk_persist *p;
	struct v2x_arena arena;
	struct v2x_msg bsm;
	V2x__Wire__Warning w;
	uint64_t seq;      /* observations sent */
	uint64_t warnings; /* warning events sent */
	uint64_t hazards;  /* hazard events sent */
	uint64_t refused;
	uint64_t durable; /* on_durable's last */
	uint64_t last_tick_us;
	uint64_t max_gap_us;  /* between two ticks */
	uint64_t max_busy_us; /* inside one of our callbacks */
	uint64_t max_turn_us; /* one loop turn's work: its length less its idle time */
	uint64_t turn_ns, idle_ns;
	atomic_bool ready;
	atomic_bool stopping;
	struct brk_persist_stats st;
	int rc;
};

static uint64_t mono_us(void)
{
	return v2x_clock_mono_ns() / 1000;
}

static void busy(struct feed *f, uint64_t t0)
{
	uint64_t d = mono_us() - t0;

	if (d > f->max_busy_us)
		f->max_busy_us = d;
}

static void on_durable(void *arg, const char *agent, uint64_t seq)
{
	struct feed *f = arg;
	uint64_t t0 = mono_us();

	CHECK_STR_EQ(agent, "restart-agent");
	CHECK(seq > f->durable);
	f->durable = seq;
	busy(f, t0);
}

static void send_obs(struct feed *f)
{
	struct brk_persist_obs o = { .agent_id = "restart-agent",
		                     .rsu_id = "rsu-r",
		                     .seq = f->seq + 1,
		                     .rx_time_us = v2x_clock_wall_us(),
		                     .broker_time_us = v2x_clock_wall_us(),
		                     .msg = &f->bsm };
	int rc = brk_persist_observation(f->p, &o);

	/* The ring (16 MiB) is far larger than an outage's worth of rows. */
	if (rc == 0)
		f->seq++;
	else
		f->refused++;
}

static void send_events(struct feed *f)
{
	struct brk_persist_hazard h = { .hazard_id = f->hazards / 3 + 1,
		                        .event = (enum brk_persist_hevent)(f->hazards % 3),
		                        .kind = BRK_PERSIST_H_RSM,
		                        .time_us = (int64_t)f->hazards + 1,
		                        .ptc_type = 3,
		                        .lat_deg = 29.6,
		                        .lon_deg = 106.5,
		                        .radius_m = NAN };

	f->w.warning_id = f->warnings + 1;
	f->w.issue_time_us = (uint64_t)v2x_clock_wall_us();
	if (brk_persist_warning(f->p, &f->w, BRK_PERSIST_W_ISSUED) == 0)
		f->warnings++;
	if (brk_persist_hazard(f->p, &h) == 0)
		f->hazards++;
}

static void on_tick(uv_timer_t *t)
{
	struct feed *f = t->data;
	uint64_t t0 = mono_us();

	if (f->last_tick_us && t0 - f->last_tick_us > f->max_gap_us)
		f->max_gap_us = t0 - f->last_tick_us;
	f->last_tick_us = t0;
	for (int i = 0; i < ROWS_PER_TICK; i++)
		send_obs(f);
	if (f->seq % 100 < ROWS_PER_TICK)
		send_events(f);
	busy(f, t0);
}

static bool drained(void *arg)
{
	struct feed *f = arg;

	brk_persist_stats(f->p, &f->st);
	return f->durable == f->seq && f->st.queue_rows == 0 && f->st.spool_records == 0;
}

/*
 * Before each poll: the turn that ended took (now - last) of which the
 * poll slept (idle - last idle); the rest is callbacks, ours included.
 */
static void on_prepare(uv_prepare_t *h)
{
	struct feed *f = h->data;
	uint64_t now = uv_hrtime(), idle = uv_metrics_idle_time(&f->loop);

	if (f->turn_ns) {
		uint64_t work = (now - f->turn_ns) - (idle - f->idle_ns);
		if (work / 1000 > f->max_turn_us)
			f->max_turn_us = work / 1000;
	}
	f->turn_ns = now;
	f->idle_ns = idle;
}

static void on_stop(uv_async_t *a)
{
	struct feed *f = a->data;

	uv_timer_stop(&f->tick);
	atomic_store(&f->stopping, true);
}

static void *loop_main(void *arg)
{
	struct feed *f = arg;
	struct brk_persist_config cfg;
	char err[512];

	brk_persist_config_default(&cfg);
	cfg.conninfo = f->conninfo;
	cfg.spool_dir = f->spool;
	cfg.batch_max = 200;
	cfg.flush_ms = 20;
	cfg.reconnect_min_ms = 50;
	cfg.reconnect_max_ms = 400;
	cfg.on_durable = on_durable;
	cfg.arg = f;
	f->rc = brk_persist_new(&f->loop, &cfg, &f->p, err, sizeof(err));
	if (f->rc) {
		fprintf(stderr, "brk_persist_new: %s\n", err);
		atomic_store(&f->ready, true);
		return NULL;
	}
	f->tick.data = f;
	f->stop.data = f;
	f->turn.data = f;
	uv_timer_init(&f->loop, &f->tick);
	uv_async_init(&f->loop, &f->stop, on_stop);
	uv_prepare_init(&f->loop, &f->turn);
	uv_prepare_start(&f->turn, on_prepare);
	uv_timer_start(&f->tick, on_tick, TICK_MS, TICK_MS);
	atomic_store(&f->ready, true);
	while (!atomic_load(&f->stopping))
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_prepare_stop(&f->turn);
	/* Everything sent durable, and the spool drained into the database. */
	CHECK(pgfx_run_until(&f->loop, drained, f, 60000));
	uv_close((uv_handle_t *)&f->tick, NULL);
	uv_close((uv_handle_t *)&f->stop, NULL);
	uv_close((uv_handle_t *)&f->turn, NULL);
	brk_persist_close(f->p);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	return NULL;
}

/* ---- the server ------------------------------------------------------------------ */

struct server {
	char dir[512]; /* the cluster folder: socket, data/ */
	char data[600];
	pid_t ours; /* the server this test started, 0: none */
};

static int server_dir(struct server *s, const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	int rc = -1;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "host") == 0 && o->val && o->val[0] == '/') {
			snprintf(s->dir, sizeof(s->dir), "%s", o->val);
			snprintf(s->data, sizeof(s->data), "%s/data", o->val);
			rc = 0;
		}
	PQconninfoFree(opts);
	if (rc)
		fprintf(stderr, "no unix socket folder in %s\n", conninfo);
	return rc;
}

static pid_t postmaster_pid(const struct server *s)
{
	char path[700];
	long pid = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/postmaster.pid", s->data);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = 0;
	fclose(fp);
	return (pid_t)pid;
}

/* Fast shutdown of whichever server runs, then waits for its pid file to go. */
static int stop_server(struct server *s)
{
	pid_t pid = postmaster_pid(s);
	uint64_t until = v2x_clock_mono_ns() + 30000000000ull;

	if (pid <= 0 || kill(pid, SIGINT) < 0) {
		fprintf(stderr, "cannot stop the server (pid %d): %s\n", (int)pid, strerror(errno));
		return -1;
	}
	while (postmaster_pid(s) != 0 && v2x_clock_mono_ns() < until)
		usleep(20000);
	if (s->ours == pid) {
		waitpid(pid, NULL, 0);
		s->ours = 0;
	}
	return postmaster_pid(s) == 0 ? 0 : -1;
}

/* The child: the server as the cluster's owner, dying with this test. */
static _Noreturn void exec_server(const struct server *s, const struct passwd *pw, int log_fd,
                                  char *prog)
{
	/* Mutable copies, as execv wants them. */
	char o_d[] = "-D", o_k[] = "-k", o_p[] = "-p", port[] = "5432";
	char listen[] = "--listen_addresses=", fsync[] = "--fsync=off";
	char fpw[] = "--full_page_writes=off", sync[] = "--synchronous_commit=off";
	char data[sizeof(s->data)], dir[sizeof(s->dir)];
	char *argv[] = { prog, o_d, data, o_k, dir, o_p, port, listen, fsync, fpw, sync, NULL };
	sigset_t none;

	memcpy(data, s->data, sizeof(data));
	memcpy(dir, s->dir, sizeof(dir));

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	if (pw && (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0))
		_exit(126);
	prctl(PR_SET_PDEATHSIG, SIGQUIT);
	if (chdir(s->dir) < 0)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static int start_server(struct server *s, const char *conninfo)
{
	const char *bindir = getenv("PG_BINDIR");
	char prog[600], log[700];
	struct passwd *pw = geteuid() == 0 ? getpwnam("postgres") : NULL;
	uint64_t until = v2x_clock_mono_ns() + 60000000000ull;
	int fd;

	snprintf(prog, sizeof(prog), "%s/postgres",
	         bindir && bindir[0] ? bindir : "/usr/lib/postgresql/15/bin");
	snprintf(log, sizeof(log), "%s/restart.log", s->dir);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || (geteuid() == 0 && !pw))
		return -1;
	s->ours = fork();
	if (s->ours == 0)
		exec_server(s, pw, fd, prog);
	close(fd);
	if (s->ours < 0)
		return -1;
	while (PQping(conninfo) != PQPING_OK && v2x_clock_mono_ns() < until)
		usleep(20000);
	return PQping(conninfo) == PQPING_OK ? 0 : -1;
}

/* pg_terminate_backend of the writer's connection; returns how many ended. */
static long long terminate_writer(const char *conninfo)
{
	PGconn *pg = pgfx_connect(conninfo);
	long long n;

	if (!pg)
		return -1;
	n = pgfx_int(pg, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM "
	                 "pg_stat_activity WHERE application_name = '" BRK_PERSIST_APP_NAME "'");
	PQfinish(pg);
	return n;
}

/* ---- the test -------------------------------------------------------------------- */

static void check_db(const char *conninfo, const struct feed *f)
{
	PGconn *pg = pgfx_connect(conninfo);

	CHECK(pg != NULL);
	if (!pg)
		return;
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.observations WHERE agent_id = "
	                          "'restart-agent'"),
	             (long long)f->seq);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(DISTINCT seq) FROM v2x_broker.observations"),
	             (long long)f->seq);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT min(seq) FROM v2x_broker.observations"), 1);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT max(seq) FROM v2x_broker.observations"),
	             (long long)f->seq);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.warnings"),
	             (long long)f->warnings);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.hazards"),
	             (long long)f->hazards);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT last_seq FROM v2x_broker.agent_seq WHERE agent_id = "
	                          "'restart-agent'"),
	             (long long)f->seq);
	PQfinish(pg);
}

static void sleep_ms(int ms)
{
	usleep((useconds_t)ms * 1000);
}

/* The restart and the termination, while the loop thread feeds. */
static void faults(struct server *s, const char *conninfo)
{
	long long ended;

	sleep_ms(1500);
	fprintf(stderr, "stopping the server\n");
	CHECK_INT_EQ(stop_server(s), 0);
	sleep_ms(1500);
	fprintf(stderr, "starting the server again\n");
	CHECK_INT_EQ(start_server(s, conninfo), 0);
	sleep_ms(2500);
	ended = terminate_writer(conninfo);
	fprintf(stderr, "terminated %lld writer backend(s)\n", ended);
	CHECK_INT_EQ(ended, 1);
	sleep_ms(1500);
}

int main(void)
{
	const char *conninfo = pgfx_conninfo();
	struct server s = { .ours = 0 };
	struct feed *f;
	pthread_t th;

	if (!conninfo)
		return CHECK_SKIP;
	f = calloc(1, sizeof(*f));
	if (!f || server_dir(&s, conninfo) ||
	    pgfx_tmpdir("brk-persist-restart", f->spool, sizeof(f->spool))) {
		free(f);
		return 1;
	}
	f->conninfo = conninfo;
	v2x_arena_init(&f->arena, 1 << 16, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_BSM, &f->arena, &f->bsm), 0);
	v2x__wire__warning__init(&f->w);
	f->w.has_warning_id = f->w.has_issue_time_us = true;
	CHECK_INT_EQ(uv_loop_init(&f->loop), 0);
	CHECK_INT_EQ(uv_loop_configure(&f->loop, UV_METRICS_IDLE_TIME), 0);
	CHECK_INT_EQ(pthread_create(&th, NULL, loop_main, f), 0);
	while (!atomic_load(&f->ready))
		sleep_ms(10);
	if (f->rc == 0) {
		faults(&s, conninfo);
		uv_async_send(&f->stop);
	}
	pthread_join(th, NULL);
	CHECK_INT_EQ(f->rc, 0);

	fprintf(stderr,
	        "sent %" PRIu64 " observations, %" PRIu64 " warnings, %" PRIu64
	        " hazard events; durable %" PRIu64 "; spooled %" PRIu64 ", drained %" PRIu64
	        "; reconnects %" PRIu64 ", commit failures %" PRIu64 ", connect failures %" PRIu64
	        "; loop: longest callback %" PRIu64 " us, longest turn %" PRIu64
	        " us, longest gap between ticks %" PRIu64 " us\n",
	        f->seq, f->warnings, f->hazards, f->durable, f->st.spooled, f->st.drained,
	        f->st.reconnects, f->st.commit_failures, f->st.connect_failures, f->max_busy_us,
	        f->max_turn_us, f->max_gap_us);
	CHECK_UINT_EQ(f->refused, 0);
	CHECK(f->seq > 1000);
	CHECK_UINT_EQ(f->durable, f->seq);
	/* Both faults were seen: rows spooled, the writer came back twice. */
	CHECK(f->st.spooled > 0);
	CHECK_UINT_EQ(f->st.drained, f->st.spooled);
	CHECK(f->st.reconnects >= 2);
	CHECK(f->max_busy_us < BLOCK_LIMIT_US);
	CHECK(f->max_turn_us < BLOCK_LIMIT_US);
	check_db(conninfo, f);

	/* Leave with-postgis nothing to stop: the server running is ours. */
	if (s.ours > 0)
		CHECK_INT_EQ(stop_server(&s), 0);
	CHECK_INT_EQ(uv_loop_close(&f->loop), 0);
	v2x_arena_fini(&f->arena);
	pgfx_rm_tree(f->spool);
	free(f);
	return check_exit();
}
