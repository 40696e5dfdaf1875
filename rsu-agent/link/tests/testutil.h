/*
 * testutil: what the link's tests share: temporary folders and files,
 * observations to send, running a loop until something holds, child
 * processes (wirepeer, the link driver) and wirepeer's output.
 */
#ifndef V2X_RSU_AGENT_LINK_TESTS_TESTUTIL_H
#define V2X_RSU_AGENT_LINK_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/arena.h"

/* Makes a new empty folder under $TMPDIR (or /tmp) named after tag into
 * buf.  Returns 0 or -1. */
int tu_tmpdir(char *buf, size_t len, const char *tag);

/* Removes dir and everything below it. */
void tu_rmtree(const char *dir);

/* Returns how many names in dir end in suffix, -1 when dir cannot be read. */
int tu_count_files(const char *dir, const char *suffix);

/* Returns the size of path, -1 when it does not exist. */
long long tu_file_size(const char *path);

/* XORs the byte at off of path with mask.  Returns 0 or -1. */
int tu_flip_byte(const char *path, long long off, uint8_t mask);

/* Cuts path to size bytes.  Returns 0 or -1. */
int tu_truncate(const char *path, long long size);

/* Appends n bytes to path.  Returns 0 or -1. */
int tu_append(const char *path, const void *bytes, size_t n);

/* Monotonic milliseconds. */
uint64_t tu_now_ms(void);
void tu_sleep_ms(unsigned ms);

/* An observation of a sample message, numbered: a BSM or RSM carries
 * number in its 8-octet id (big-endian), so that wirepeer's output shows
 * which one arrived. */
struct tu_obs {
	struct v2x_arena arena;
	V2x__Wire__Observation obs;
};

void tu_obs_init(struct tu_obs *o);
void tu_obs_fini(struct tu_obs *o);
/* Makes o->obs a fresh observation of type (rx_time_us 0: now).  Returns
 * 0 or an error. */
int tu_obs_make(struct tu_obs *o, enum v2x_msg_type type, uint64_t number, int64_t rx_time_us);

/* Runs loop until pred(arg) holds or timeout_ms pass; returns pred's value. */
bool tu_run_until(uv_loop_t *loop, bool (*pred)(void *), void *arg, unsigned timeout_ms);

/* Runs loop for about ms milliseconds. */
void tu_run_for(uv_loop_t *loop, unsigned ms);

/* Runs the loop until it has nothing left, then closes it.  Returns 0, or
 * -1 when handles were still open (each is named on stderr). */
int tu_loop_finish(uv_loop_t *loop);

/* A child process whose stdout the test reads. */
struct tu_child {
	pid_t pid;
	int out_fd;
	char buf[4096]; /* read ahead of the line returned */
	size_t have;
};

/* Starts argv[0] (argv NULL-terminated, at most 63 entries) with stdout
 * piped; the child is killed if the test dies.  0 or -1. */
int tu_spawn(struct tu_child *c, const char *const argv[]);

/* Reads a line of c's stdout (without its newline) into buf within
 * timeout_ms.  Returns 0, or -1 at the end or on timeout. */
int tu_read_line(struct tu_child *c, char *buf, size_t len, unsigned timeout_ms);

/* Sends sig to c. */
void tu_kill(struct tu_child *c, int sig);

/* Waits up to timeout_ms for c to end (then kills it) and returns its exit
 * status, 128 + the signal that ended it, or -1. */
int tu_wait(struct tu_child *c, unsigned timeout_ms);

/*
 * Starts wirepeer (path) listening on 127.0.0.1:port (0: any) writing to
 * out, with the extra arguments (NULL-terminated, may be NULL), and
 * returns the port it listens on, or -1.
 */
int tu_peer_start(struct tu_child *c, const char *wirepeer, int port, const char *out,
                  const char *const *extra);

/* What wirepeer says when it stops. */
struct tu_peer_summary {
	uint64_t observations, duplicates, connections;
};

/* Stops wirepeer with SIGTERM and reads its summary line into *sum.
 * Returns its exit status (0 expected), or -1 without a summary. */
int tu_peer_stop(struct tu_child *c, struct tu_peer_summary *sum);

/* One line of wirepeer's output. */
struct tu_line {
	char agent[72];
	char type[8];
	uint64_t seq;
	uint64_t number; /* from a BSM's or RSM's id, else 0 */
	int64_t rx_time_us;
	bool replayed, record_only;
	bool has_msg; /* the message converted without error */
};

/* Reads every line of wirepeer's output at path into *lines (the caller
 * frees it).  Returns the number of lines, or -1. */
long tu_read_lines(const char *path, struct tu_line **lines);

/* Counts the lines of path (a missing file has 0). */
long tu_count_lines(const char *path);

#endif
