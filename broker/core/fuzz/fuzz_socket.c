/*
 * fuzz_socket: libFuzzer target of the broker's frame handling fed through
 * a live socket: the bytes of each input are written by a client into a
 * real unix-domain socket connected to the broker core's listener, and the
 * core (net, ingest into tracks, signal states and hazards, the
 * applications, subscriptions, the warning lifecycle and push) handles
 * them on its loop, with the generated test field as its map.  It runs
 * without a database (brk_core__new_local): persistence and lane queries
 * are the only parts left out.
 *
 * Input: byte 0 is the piece size the client writes at a time (0: all at
 * once); byte 1 says what the client sends first: 0 nothing, 1 a valid
 * agent Hello (RSU rsu-1), 2 a valid subscriber Hello; the rest is the
 * stream.  Between pieces the loop runs until it has nothing more to do.
 *
 * Beyond "no crash, no leak, no sanitizer report", after each input the
 * connection must be gone once the client closed and the loop ran, and no
 * shared buffer may stay referenced; the target aborts otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker/core/core_int.h"
#include "broker/core/fuzz/seed.h"
#include "maps/gen/mapgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz {
	uv_loop_t loop;
	struct v2x_log log;
	struct brk_auth *auth;
	struct brk_core_config cfg;
	struct v2x_arena arena;
	struct map_model model;
	struct map_index *idx;
	struct map_frame *frame;
	struct brk_core *core;
	char path[108];
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_socket: %s\n", what);
	abort();
}

/* The fuzzer calls the target with no context, and the broker lives
 * across inputs as it does in service: one static instance, never freed. */
static struct fuzz *fuzz_get(void)
{
	static struct fuzz *f;
	struct mapgen_params mp = mapgen_params_default();
	char err[256];

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || uv_loop_init(&f->loop) != 0)
		fail("no memory");
	v2x_log_init(&f->log, "fuzz-socket", getenv("FUZZ_SOCKET_LOG") ? "debug" : "error");
	if (brk_auth_parse(brk_fuzz_seed_credentials, &f->auth, err, sizeof(err)) != 0)
		fail(err);
	v2x_arena_init(&f->arena, 1u << 20, 0);
	if (mapgen_build(&mp, &f->arena, &f->model, err, sizeof(err)) != 0 ||
	    map_index_new(&f->model, &f->idx, err, sizeof(err)) != 0 ||
	    map_frame_new(f->model.meta.proj, &f->frame, err, sizeof(err)) != 0)
		fail(err);
	brk_core_config_default(&f->cfg);
	f->cfg.net.auth = f->auth;
	f->cfg.net.log = &f->log;
	f->cfg.net.max_frame_size = 65536;
	f->cfg.net.max_conns = 4;
	f->cfg.net.queue_max_frames = 64;
	f->cfg.max_tracks = 256;
	f->cfg.max_signals = 64;
	f->cfg.max_hazards = 64;
	f->cfg.max_warnings = 256;
	f->cfg.max_agents = 8;
	if (brk_core__new_local(&f->loop, &f->cfg, &f->log, f->idx, f->frame, &f->core, err,
	                        sizeof(err)) != 0)
		fail(err);
	snprintf(f->path, sizeof(f->path), "/tmp/v2x-fuzz-socket.%d", (int)getpid());
	if (brk_net_listen_unix(brk_core_net(f->core), f->path,
	                        BRK_SERVE_AGENTS | BRK_SERVE_SUBSCRIBERS, err, sizeof(err)) != 0)
		fail(err);
	return f;
}

/* Runs the loop until a turn finds nothing to do (a few turns at most). */
static void settle(struct fuzz *f)
{
	for (int i = 0; i < 8; i++)
		if (uv_run(&f->loop, UV_RUN_NOWAIT) == 0)
			break;
}

/* Reads and drops what the broker sent; returns false once it closed. */
static bool drain(int fd)
{
	uint8_t buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	}
}

/* Writes len bytes, running the broker's loop while the socket is full;
 * returns false once the broker closed the connection. */
static bool put(struct fuzz *f, int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return false;
		}
		settle(f);
		if (!drain(fd))
			return false;
	}
	return true;
}

static int connect_client(const struct fuzz *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fail("socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail("connect to the broker's unix socket");
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		fail("fcntl");
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = fuzz_get();
	uint8_t hello[256];
	size_t hello_len = 0, piece;
	bool open;
	int fd;

	if (size < 2)
		return 0;
	piece = data[0];
	if (data[1] == 1 || data[1] == 2)
		hello_len = brk_fuzz_seed_hello(data[1], hello, sizeof(hello));
	data += 2;
	size -= 2;
	fd = connect_client(f);
	settle(f); /* accept */
	open = put(f, fd, hello, hello_len);
	while (open && size) {
		size_t n = piece && piece < size ? piece : size;

		open = put(f, fd, data, n);
		data += n;
		size -= n;
	}
	close(fd);
	for (int i = 0; i < 100 && brk_net_stats(brk_core_net(f->core))->conns != 0; i++)
		uv_run(&f->loop, UV_RUN_NOWAIT);
	if (brk_net_stats(brk_core_net(f->core))->conns != 0)
		fail("the connection is still open after the client closed it");
	if (brk_sbuf_pool_stats(brk_net_pool(brk_core_net(f->core))).live != 0)
		fail("a shared buffer is still referenced");
	if (getenv("FUZZ_SOCKET_LOG")) {
		const struct brk_core_stats *st = &f->core->st;

		fprintf(stderr,
		        "fuzz_socket: so far %llu BSM, %llu MAP, %llu RSM, %llu SPAT, %llu RSI "
		        "accepted; %llu duplicates\n",
		        (unsigned long long)st->observations[V2X_MSG_BSM],
		        (unsigned long long)st->observations[V2X_MSG_MAP],
		        (unsigned long long)st->observations[V2X_MSG_RSM],
		        (unsigned long long)st->observations[V2X_MSG_SPAT],
		        (unsigned long long)st->observations[V2X_MSG_RSI],
		        (unsigned long long)st->drops[BRK_DROP_DUPLICATE]);
	}
	/* Each input starts the agents' sequences afresh, or every input
	 * after the first would be dropped as a resend. */
	for (size_t i = 0; i < f->core->n_agents; i++)
		f->core->agents[i].last_seq = f->core->agents[i].durable_seq =
		        f->core->agents[i].acked_seq = 0;
	return 0;
}
