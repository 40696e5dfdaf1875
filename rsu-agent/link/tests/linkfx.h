/*
 * linkfx: the fixture the link's tests share: a loop, a spool and a link
 * in a temporary folder, the v2x-wirepeer child it talks to, observations
 * numbered 1, 2, ... (the number is also in a BSM's or RSM's id) with
 * what was sent under each number, and the link's state changes with
 * their times.
 */
#ifndef V2X_RSU_AGENT_LINK_TESTS_LINKFX_H
#define V2X_RSU_AGENT_LINK_TESTS_LINKFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "rsu-agent/link/link.h"
#include "rsu-agent/link/spool.h"
#include "rsu-agent/link/tests/testutil.h"

#define LF_MAX_OBS    8192
#define LF_MAX_STATES 512

struct lf_state {
	uint64_t t; /* uv_now() */
	enum agent_link_state state;
};

struct lf {
	uv_loop_t loop;
	char dir[256], spool_dir[300], out[300], sock[300];
	const char *wirepeer;
	struct tu_child peer;
	int port; /* 0 until the peer first listened */
	bool peer_up;
	struct v2x_log log;
	struct agent_spool_config spool_cfg; /* tests may change it before lf_link_open */
	struct agent_link_config cfg;        /* idem */
	struct agent_spool *spool;
	struct agent_link *link;
	bool closed;
	struct tu_obs obs;
	uint64_t number; /* the last number sent */
	enum v2x_msg_type types[LF_MAX_OBS + 1];
	bool old[LF_MAX_OBS + 1]; /* sent with an old rx time */
	struct lf_state states[LF_MAX_STATES];
	size_t n_states;
	uint64_t downlinks[16];
	size_t n_downlinks;
	uv_timer_t steady;
	bool steady_init;
};

/* Sets up f (a tmp folder named after name, a loop, defaults for the
 * spool and the link: fast heartbeats and backoff).  Returns 0 or -1. */
int lf_init(struct lf *f, const char *name, const char *wirepeer);
/* Closes what is left, checks that the loop has no handle left, removes
 * the folder.  Returns 0, or -1 when handles were left. */
int lf_fini(struct lf *f);

/* Starts wirepeer on f->port (any port the first time) with extra options
 * (NULL-terminated, may be NULL).  With unix, on the socket f->sock.
 * Returns 0 or -1. */
int lf_peer_start(struct lf *f, bool unix_socket, const char *const *extra);
/* Stops it (SIGTERM) and reads its summary.  Returns its exit status. */
int lf_peer_stop(struct lf *f, struct tu_peer_summary *sum);

/* Opens the spool and starts the link.  Returns 0 or -1. */
int lf_link_open(struct lf *f);
/* Closes the link (running the loop until it is closed) and the spool. */
void lf_link_close(struct lf *f);

/* The type of number n in a steady stream: mostly BSMs, some of each. */
enum v2x_msg_type lf_cycle(uint64_t n);
/* Sends observation number f->number + 1 of type (rx_time_us 0: now).
 * Returns agent_link_send's result. */
int lf_send(struct lf *f, enum v2x_msg_type type, int64_t rx_time_us);
/* Sends one observation of lf_cycle() every every_ms until stopped. */
void lf_steady_start(struct lf *f, unsigned every_ms);
void lf_steady_stop(struct lf *f);

/* Predicates for tu_run_until (arg: the fixture). */
bool lf_all_acked(void *arg);
bool lf_live(void *arg);

/*
 * Checks wirepeer's output: exactly numbers 1..f->number, each once and in
 * order, seq == number, of the type sent, a BSM's or RSM's id carrying its
 * number, from agent id; the message converted.  Returns the lines (the
 * caller frees them) and sets *n, or NULL.
 */
struct tu_line *lf_check_output(struct lf *f, long *n);

#endif
