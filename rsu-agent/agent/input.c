/*
 * input: where the agent's datagrams come from: the radio's UDP socket,
 * hex lines on standard input, and capture files.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs/hexline.h"
#include "rsu-agent/agent/agent_int.h"
#include "runtime/addr.h"
#include "runtime/clock.h"
#include "runtime/err.h"

/* Datagrams of a capture replayed per loop turn at the fast pace, so that
 * the link writes and reads acknowledgements in between. */
#define REPLAY_BATCH 256

/* ---- UDP ---------------------------------------------------------------- */

static void udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct agent *a = h->data;

	(void)hint;
	/* One buffer, reused: a datagram is processed in full before the
	 * next read.  It is one byte longer than the largest datagram, so
	 * that an oversize one shows as such. */
	*buf = uv_buf_init((char *)a->rxbuf, (unsigned)a->rxcap);
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                     unsigned flags)
{
	struct agent *a = h->data;

	if (nread < 0) {
		a->st.udp_errors++;
		v2x_logf(a->log, V2X_LOG_WARN, "udp receive: %s", uv_strerror((int)nread));
		return;
	}
	if (nread == 0 && !addr)
		return; /* nothing more to read this turn */
	a->st.udp_datagrams++;
	if (flags & UV_UDP_PARTIAL)
		a->st.udp_truncated++;
	agent__datagram(a, (const uint8_t *)buf->base, (size_t)nread, v2x_clock_wall_us(),
	                v2x_clock_mono_ns());
}

static int udp_bind(struct agent *a, const char *host, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int rc;

	if (v2x_addr_ip(host, port, &ss) != 0) {
		snprintf(err, errlen, "--listen=%s: not an IP address", a->cfg->listen);
		return V2X_ECONFIG;
	}
	rc = uv_udp_bind(&a->udp, (const struct sockaddr *)&ss, UV_UDP_REUSEADDR);
	if (rc != 0) {
		snprintf(err, errlen, "--listen=%s: cannot bind: %s", a->cfg->listen,
		         uv_strerror(rc));
		return V2X_ESYS;
	}
	return 0;
}

int agent__udp_start(struct agent *a, char *err, size_t errlen)
{
	char host[256];
	uint16_t port;
	bool is_unix;
	int rc, size;

	if (!a->cfg->listen[0])
		return 0;
	rc = agent_cfg_split_addr("--listen", a->cfg->listen, host, sizeof(host), &port, &is_unix,
	                          err, errlen);
	if (rc != 0)
		return rc;
	a->rxcap = a->cfg->max_datagram + 1;
	a->rxbuf = malloc(a->rxcap);
	if (!a->rxbuf)
		return V2X_ENOMEM;
	uv_udp_init(a->loop, &a->udp);
	a->udp.data = a;
	a->udp_on = true;
	a->closing++;
	rc = udp_bind(a, host, port, err, errlen);
	if (rc != 0)
		return rc;
	size = (int)a->cfg->udp_rcvbuf;
	if (size > 0 && uv_recv_buffer_size((uv_handle_t *)&a->udp, &size) != 0)
		v2x_logf(a->log, V2X_LOG_WARN, "udp: the receive buffer stays the system's");
	rc = uv_udp_recv_start(&a->udp, udp_alloc, udp_recv);
	if (rc != 0) {
		snprintf(err, errlen, "udp: %s", uv_strerror(rc));
		return V2X_ESYS;
	}
	v2x_logf(a->log, V2X_LOG_INFO, "udp: listening on %s", a->cfg->listen);
	return 0;
}

/* Reads the kernel's count of datagrams dropped on the socket with inode
 * ino (its receive buffer was full) from the table at path; -1 when absent. */
static long long proc_drops(const char *path, unsigned long ino)
{
	FILE *f = fopen(path, "r");
	char line[512];
	long long drops = -1;

	if (!f)
		return -1;
	while (drops < 0 && fgets(line, sizeof(line), f)) {
		unsigned long inode;
		long long d;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref ptr drops */
		if (sscanf(line, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %lld", &inode,
		           &d) == 2 &&
		    inode == ino)
			drops = d;
	}
	fclose(f);
	return drops;
}

void agent__udp_drops(struct agent *a)
{
	uv_os_fd_t fd;
	struct stat st;
	long long d;

	if (!a->udp_on || uv_fileno((uv_handle_t *)&a->udp, &fd) != 0 || fstat(fd, &st) != 0)
		return;
	d = proc_drops("/proc/net/udp", (unsigned long)st.st_ino);
	if (d < 0)
		d = proc_drops("/proc/net/udp6", (unsigned long)st.st_ino);
	if (d >= 0)
		a->st.udp_kernel_drops = (uint64_t)d;
}

/* ---- hex lines on stdin --------------------------------------------------- */

static void stdin_line(struct agent *a, const char *line, size_t len)
{
	char err[160];
	size_t n;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (!len || *line == '#')
		return;
	a->st.stdin_lines++;
	a->in.line[(size_t)(line - a->in.line) + len] = '\0';
	if (v2x_hexline_parse(line, a->in.frame, a->in.frame_cap, &n, err, sizeof(err)) != 0) {
		a->st.stdin_bad_lines++;
		v2x_logf(a->log, V2X_LOG_WARN, "stdin line %llu: %s",
		         (unsigned long long)a->st.stdin_lines, err);
		return;
	}
	agent__datagram(a, a->in.frame, n, v2x_clock_wall_us(), v2x_clock_mono_ns());
}

/* Splits bytes into lines.  A line longer than any datagram's hex is
 * dropped whole (counted) at its newline. */
static void stdin_bytes(struct agent *a, const char *p, size_t n)
{
	struct agent_stdin *in = &a->in;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (in->overlong) {
				a->st.stdin_lines++;
				a->st.stdin_bad_lines++;
				v2x_logf(a->log, V2X_LOG_WARN,
				         "stdin line %llu: longer than --max-datagram, dropped",
				         (unsigned long long)a->st.stdin_lines);
			} else {
				stdin_line(a, in->line, in->len);
			}
			in->len = 0;
			in->overlong = false;
		} else if (in->len + 1 < in->cap) {
			in->line[in->len++] = p[i];
		} else {
			in->overlong = true;
		}
	}
}

static void stdin_eof(struct agent *a)
{
	if (a->in.len && !a->in.overlong)
		stdin_line(a, a->in.line, a->in.len);
	a->in.len = 0;
	a->in.on = false;
	v2x_logf(a->log, V2X_LOG_INFO, "stdin: %llu lines, %llu refused",
	         (unsigned long long)a->st.stdin_lines, (unsigned long long)a->st.stdin_bad_lines);
}

static void stdin_stream_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct agent *a = h->data;

	(void)hint;
	*buf = uv_buf_init(a->in.chunk, sizeof(a->in.chunk));
}

static void stdin_stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct agent *a = s->data;

	if (nread > 0) {
		stdin_bytes(a, buf->base, (size_t)nread);
	} else if (nread < 0) {
		if (nread != UV_EOF)
			v2x_logf(a->log, V2X_LOG_WARN, "stdin: %s", uv_strerror((int)nread));
		uv_read_stop(s);
		stdin_eof(a);
	}
}

static void stdin_file_read(uv_fs_t *req);

static void stdin_file_next(struct agent *a)
{
	uv_buf_t b = uv_buf_init(a->in.chunk, sizeof(a->in.chunk));

	a->in.req_busy =
	        uv_fs_read(a->loop, &a->in.req, STDIN_FILENO, &b, 1, -1, stdin_file_read) == 0;
	if (!a->in.req_busy)
		stdin_eof(a);
}

static void stdin_file_read(uv_fs_t *req)
{
	struct agent *a = req->data;
	ssize_t n = req->result;

	uv_fs_req_cleanup(req);
	a->in.req_busy = false;
	if (a->stopping) {
		agent__closed(a);
		return;
	}
	if (n > 0) {
		stdin_bytes(a, a->in.chunk, (size_t)n);
		stdin_file_next(a);
		return;
	}
	if (n < 0)
		v2x_logf(a->log, V2X_LOG_WARN, "stdin: %s", uv_strerror((int)n));
	stdin_eof(a);
}

int agent__stdin_start(struct agent *a, char *err, size_t errlen)
{
	struct agent_stdin *in = &a->in;
	uv_handle_type type;

	if (!a->cfg->stdin_hex)
		return 0;
	in->frame_cap = a->cfg->max_datagram;
	in->cap = 2 * in->frame_cap + 256;
	in->frame = malloc(in->frame_cap);
	in->line = malloc(in->cap);
	if (!in->frame || !in->line)
		return V2X_ENOMEM;
	in->on = true;
	in->req.data = a;
	type = uv_guess_handle(STDIN_FILENO);
	in->is_stream = type == UV_NAMED_PIPE || type == UV_TTY;
	if (!in->is_stream) {
		stdin_file_next(a);
		return 0;
	}
	uv_pipe_init(a->loop, &in->pipe, 0);
	in->pipe.data = a;
	in->pipe_open = true;
	a->closing++;
	if (uv_pipe_open(&in->pipe, STDIN_FILENO) != 0 ||
	    uv_read_start((uv_stream_t *)&in->pipe, stdin_stream_alloc, stdin_stream_read) != 0) {
		snprintf(err, errlen, "stdin: cannot read it as a stream");
		return V2X_ESYS;
	}
	return 0;
}

/* ---- capture replay --------------------------------------------------------- */

static void replay_idle(uv_idle_t *h);
static void replay_timer(uv_timer_t *t);

/* Opens the next file; false when there is none left. */
static bool replay_open_next(struct agent *a)
{
	struct agent_replay *rp = &a->rp;
	char err[256];

	while (rp->next < rp->n) {
		const char *path = rp->files[rp->next++];
		int rc = agent_pcap_reader_new(path, (uint16_t)a->cfg->pcap_port, &rp->rd, err,
		                               sizeof(err));

		if (rc == 0) {
			v2x_logf(a->log, V2X_LOG_INFO, "replaying %s", path);
			return true;
		}
		a->st.pcap_files_failed++;
		v2x_logf(a->log, V2X_LOG_ERROR, "%s: %s (skipped)", path, err);
	}
	return false;
}

static void replay_close_file(struct agent *a)
{
	struct agent_replay *rp = &a->rp;
	const struct agent_pcap_stats *ps = agent_pcap_reader_stats(rp->rd);

	v2x_logf(a->log, V2X_LOG_INFO,
	         "capture read: %llu records, %llu UDP datagrams replayed, %llu skipped "
	         "(link %llu, not UDP %llu, fragments %llu, truncated %llu, other port %llu)",
	         (unsigned long long)ps->records, (unsigned long long)ps->udp,
	         (unsigned long long)(ps->records - ps->udp), (unsigned long long)ps->skipped_link,
	         (unsigned long long)ps->skipped_not_udp, (unsigned long long)ps->skipped_fragment,
	         (unsigned long long)ps->skipped_truncated, (unsigned long long)ps->skipped_port);
	agent_pcap_reader_free(rp->rd);
	rp->rd = NULL;
}

/* Reads the next datagram of the run into rp->d; false at the end of the
 * last file. */
static bool replay_read(struct agent *a)
{
	struct agent_replay *rp = &a->rp;

	for (;;) {
		int rc;

		if (!rp->rd && !replay_open_next(a))
			return false;
		rc = agent_pcap_reader_next(rp->rd, &rp->d);
		if (rc == 1) {
			a->st.pcap_datagrams++;
			return true;
		}
		if (rc < 0) {
			a->st.pcap_files_failed++;
			v2x_logf(a->log, V2X_LOG_ERROR, "capture damaged: %s (the rest is skipped)",
			         agent_pcap_reader_error(rp->rd));
		}
		replay_close_file(a);
	}
}

static void replay_finish(struct agent *a)
{
	struct agent_replay *rp = &a->rp;

	rp->n = rp->next; /* done: agent__inputs_done */
	if (uv_is_active((uv_handle_t *)&rp->idle))
		uv_idle_stop(&rp->idle);
	v2x_logf(a->log, V2X_LOG_INFO, "replay finished: %llu datagrams",
	         (unsigned long long)a->st.pcap_datagrams);
}

static void replay_send(struct agent *a, const uint8_t *payload, size_t len)
{
	agent__datagram(a, payload, len, a->rp.d.ts_us, v2x_clock_mono_ns());
}

static void replay_idle(uv_idle_t *h)
{
	struct agent *a = h->data;

	for (int i = 0; i < REPLAY_BATCH; i++) {
		if (!replay_read(a)) {
			replay_finish(a);
			return;
		}
		replay_send(a, a->rp.d.payload, a->rp.d.len);
	}
}

/* Recorded pace: the datagram in rp->d (its payload copied) waits for its
 * time relative to the first of the run. */
static void replay_schedule(struct agent *a)
{
	struct agent_replay *rp = &a->rp;
	uint64_t due_ms, now_ms;

	if (!replay_read(a)) {
		replay_finish(a);
		return;
	}
	if (!rp->started) {
		rp->started = true;
		rp->first_ts_us = rp->d.ts_us;
		rp->start_mono_ns = v2x_clock_mono_ns();
	}
	if (rp->d.len > rp->copy_cap) {
		uint8_t *p = realloc(rp->copy, rp->d.len);

		if (!p) {
			a->status = V2X_ENOMEM;
			agent_stop(a);
			return;
		}
		rp->copy = p;
		rp->copy_cap = rp->d.len;
	}
	memcpy(rp->copy, rp->d.payload, rp->d.len);
	due_ms = rp->d.ts_us > rp->first_ts_us ? (uint64_t)(rp->d.ts_us - rp->first_ts_us) / 1000u
	                                       : 0;
	now_ms = (v2x_clock_mono_ns() - rp->start_mono_ns) / 1000000u;
	uv_timer_start(&rp->timer, replay_timer, due_ms > now_ms ? due_ms - now_ms : 0, 0);
}

static void replay_timer(uv_timer_t *t)
{
	struct agent *a = t->data;

	replay_send(a, a->rp.copy, a->rp.d.len);
	replay_schedule(a);
}

int agent__replay_start(struct agent *a, char *err, size_t errlen)
{
	struct agent_replay *rp = &a->rp;

	(void)err;
	(void)errlen;
	if (rp->n == 0)
		return 0;
	uv_timer_init(a->loop, &rp->timer);
	uv_idle_init(a->loop, &rp->idle);
	rp->timer.data = rp->idle.data = a;
	rp->handles = true;
	a->closing += 2;
	if (a->cfg->pace == AGENT_PACE_FAST)
		return uv_idle_start(&rp->idle, replay_idle) == 0 ? 0 : V2X_ESYS;
	replay_schedule(a);
	return 0;
}

/* ---- all ---------------------------------------------------------------------- */

void agent__inputs_stop(struct agent *a)
{
	if (a->udp_on) {
		a->udp_on = false;
		uv_close((uv_handle_t *)&a->udp, agent__on_close);
	}
	if (a->in.req_busy) {
		/* A read of a file returns soon; its callback counts down. */
		a->closing++;
		uv_cancel((uv_req_t *)&a->in.req);
	}
	if (a->in.pipe_open)
		uv_close((uv_handle_t *)&a->in.pipe, agent__on_close);
	a->in.on = false;
	agent_pcap_reader_free(a->rp.rd);
	a->rp.rd = NULL;
	if (a->rp.handles) {
		a->rp.handles = false;
		uv_close((uv_handle_t *)&a->rp.timer, agent__on_close);
		uv_close((uv_handle_t *)&a->rp.idle, agent__on_close);
	}
}

bool agent__inputs_done(const struct agent *a)
{
	return !a->in.on && a->rp.next >= a->rp.n && !a->rp.rd &&
	       !(a->rp.handles && uv_is_active((const uv_handle_t *)&a->rp.timer));
}
