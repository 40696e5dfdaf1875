/*
 * fuzz_conn: libFuzzer target of the broker's untrusted input: the bytes a
 * peer sends on a connection, fed into a connection's input path (framing,
 * Hello, credential check, heartbeats, frames to the core) without a
 * socket; what the connection sends is encoded and discarded.
 *
 * Input: byte 0 says how the rest is cut: 0 one piece; k > 0 pieces of
 * k bytes (1: a byte at a time).  The rest is the stream.
 *
 * Beyond "no crash, no leak, no sanitizer report", after each input the
 * connection must be gone once the loop ran (no connection left open, no
 * shared buffer left referenced), and a connection the core saw must have
 * been closed towards the core exactly once; the target aborts otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "broker/net/net_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tokens of the seed corpus (gen_corpus.c). */
static const char creds[] = "agent tok-agent rsu-1,rsu-2\n"
                            "subscriber tok-sub oem-a box=29,105.5,30.5,107.5\n";

struct fuzz {
	uv_loop_t loop;
	struct v2x_log log;
	struct brk_auth *auth;
	struct brk_net *net;
	int seen, closed;
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_conn: %s\n", what);
	abort();
}

static enum brk_close_reason on_hello(void *arg, struct brk_conn *c, const struct brk_principal *p,
                                      const V2x__Wire__Hello *hello, uint64_t *last_seq, char *why,
                                      size_t whylen)
{
	struct fuzz *f = arg;

	(void)c;
	(void)p;
	(void)why;
	(void)whylen;
	f->seen++;
	*last_seq = hello->has_max_frame_size ? hello->max_frame_size : 0;
	return BRK_CLOSE_NONE;
}

/* Echoes every frame, so that the output path runs too. */
static void on_frame(void *arg, struct brk_conn *c, const V2x__Wire__Frame *frame)
{
	(void)arg;
	if (frame->msg_case == V2X__WIRE__FRAME__MSG_UNSUBSCRIBE)
		brk_conn_close(c, BRK_CLOSE_INVALID, "unsubscribe closes, for the fuzzer");
	else
		(void)brk_conn_send_frame(c, frame);
}

static void on_close(void *arg, struct brk_conn *c, enum brk_close_reason reason)
{
	struct fuzz *f = arg;

	(void)c;
	(void)reason;
	f->closed++;
}

/* The fuzzer calls the target with no context, and the net lives across
 * inputs as in the broker: hence one static instance, never freed. */
static struct fuzz *fuzz_get(void)
{
	static struct fuzz *f;
	struct brk_net_config cfg;
	struct brk_net_cb cb;
	char err[256];

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || uv_loop_init(&f->loop) != 0)
		fail("no memory");
	v2x_log_init(&f->log, "fuzz-conn", getenv("FUZZ_CONN_LOG") ? "debug" : "error");
	if (brk_auth_parse(creds, &f->auth, err, sizeof(err)) != 0)
		fail(err);
	brk_net_config_default(&cfg);
	cfg.auth = f->auth;
	cfg.log = &f->log;
	cfg.max_frame_size = 65536;
	cfg.max_conns = 2;
	cfg.queue_max_frames = 16;
	cb = (struct brk_net_cb){ f, on_hello, on_frame, on_close };
	if (brk_net_new(&f->loop, &cfg, &cb, &f->net, err, sizeof(err)) != 0)
		fail(err);
	return f;
}

static void feed(struct brk_conn *c, const uint8_t *data, size_t size, size_t piece)
{
	while (size && (c->state == BRK__HELLO_WAIT || c->state == BRK__OPEN)) {
		size_t n = piece && piece < size ? piece : size;

		brk_conn__input(c, data, n);
		/* A turn of the loop between pieces: the queue is flushed. */
		uv_run(c->net->loop, UV_RUN_NOWAIT);
		data += n;
		size -= n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz *f = fuzz_get();
	struct brk_conn *c;

	if (size < 1)
		return 0;
	f->seen = f->closed = 0;
	c = brk_conn__acquire(f->net, BRK_SERVE_AGENTS | BRK_SERVE_SUBSCRIBERS);
	if (!c)
		fail("no free connection: one leaked");
	brk_conn__start(c);
	feed(c, data + 1, size - 1, data[0]);
	brk_conn_close(c, BRK_CLOSE_NORMAL, "end of input");
	uv_run(&f->loop, UV_RUN_NOWAIT);
	if (brk_net_stats(f->net)->conns != 0)
		fail("the connection is still open after its close");
	if (brk_sbuf_pool_stats(brk_net_pool(f->net)).live != 0)
		fail("a shared buffer is still referenced");
	if (f->seen != f->closed)
		fail("on_close did not follow an accepted Hello exactly once");
	return 0;
}
