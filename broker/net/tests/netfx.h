/*
 * netfx: the fixture of the connection layer's tests: a loop, a credential
 * table, a net listening on 127.0.0.1 and a unix socket, and blocking
 * clients (plain sockets) whose frames are read while the loop is pumped.
 */
#ifndef V2X_BROKER_NET_TESTS_NETFX_H
#define V2X_BROKER_NET_TESTS_NETFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/net/net.h"

/* The credential table of the tests. */
#define FX_AUTH                         \
	"# tests\n"                     \
	"agent tok-agent rsu-1,rsu-2\n" \
	"subscriber tok-sub oem-a box=29,105.5,30.5,107.5\n"

struct fx {
	uv_loop_t loop;
	struct v2x_log log;
	struct brk_auth *auth;
	struct brk_net *net;
	struct brk_net_config cfg;
	int port;
	char unix_path[64];
	/* What the core callbacks saw. */
	uint64_t last_seq; /* given to agents' HelloAcks */
	int hellos, frames, closes;
	enum brk_close_reason last_close;
	void (*on_frame)(struct fx *fx, struct brk_conn *c, const V2x__Wire__Frame *f);
};

struct fx_client {
	int fd;
	struct v2x_frame_parser parser;
	bool eof;
	size_t pos, len; /* unparsed bytes of buf */
	uint8_t buf[65536];
};

/* Sets cfg to the tests' defaults (short heartbeat and timeout). */
void fx_config(struct fx *fx);
/* Starts the net with fx->cfg; aborts on failure. */
void fx_start(struct fx *fx);
/* Closes the net, runs the loop to its end and checks nothing is left. */
void fx_stop(struct fx *fx);
/* Runs the loop for ms milliseconds. */
void fx_pump(struct fx *fx, unsigned ms);

/* Connects over TCP (unix_sock false) or the unix socket; rcvbuf 0: default. */
void fx_connect(struct fx *fx, struct fx_client *cl, bool unix_sock, int rcvbuf);
void fx_disconnect(struct fx_client *cl);
/* Writes bytes / a frame from the client (blocking). */
void fx_write(struct fx_client *cl, const void *data, size_t len);
void fx_send(struct fx_client *cl, const V2x__Wire__Frame *f);
void fx_send_hello(struct fx_client *cl, int role, const char *id, const char *token);
/*
 * Pumps the loop until the client has a frame (returns 1, *f valid until
 * the next call), the server closed (0), or timeout_ms passed (-1).
 */
int fx_recv(struct fx *fx, struct fx_client *cl, const V2x__Wire__Frame **f, unsigned timeout_ms);
/* Receives a frame and checks it is a Bye with reason; returns whether. */
bool fx_expect_bye(struct fx *fx, struct fx_client *cl, int reason);

uint64_t fx_now_ms(void);

#endif
