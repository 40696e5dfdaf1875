/*
 * client_int: what the files of the client library share (client.c,
 * client_io.c, client_names.c).  Not for applications.
 */
#ifndef V2X_BROKER_CLIENT_CLIENT_INT_H
#define V2X_BROKER_CLIENT_CLIENT_INT_H

#include <stdbool.h>

#include "broker/client/client.h"
#include "codecs/wire/frame.h"
#include "runtime/compiler.h"

#define V2X_CLIENT__NO_DEADLINE UINT64_MAX

struct v2x_client {
	struct v2x_client_config cfg; /* its strings point to the copies below */
	char *id, *unix_path, *software;
	uint8_t *credential;
	char host[256];
	char port[8];
	char where[300]; /* "127.0.0.1:7601" or "unix:/run/v2x.sock", for errors */
	int fd;          /* -1: not connected */
	bool open;       /* HelloAck received, no Bye since */
	struct v2x_frame_parser parser;
	uint8_t rbuf[65536];
	size_t rpos, rlen; /* unparsed bytes of rbuf */
	int64_t rx_us;     /* wall time of the last read */
	uint8_t *wbuf;     /* encoding buffer, grown to the largest frame sent */
	size_t wcap;
	uint32_t hb_ms, timeout_ms; /* from the HelloAck */
	uint64_t last_rx_ms, last_tx_ms;
	uint64_t peer_hb_us; /* send_time_us of the broker's last Heartbeat */
	/* Frames kept while a Subscribe waited: [rx_us][len][body] records. */
	uint8_t *pend;
	size_t pend_pos, pend_len, pend_cap;
	V2x__Wire__Frame *owned; /* the kept frame next() returned last */
	int bye_reason;
	char broker_id[128];
	char err[512];
};

/* client_io.c */
uint64_t v2x_client__now_ms(void);
/* Sets c->err, closes the socket and returns rc. */
int v2x_client__fail(struct v2x_client *c, int rc, const char *fmt, ...) V2X_PRINTF(3, 4);
int v2x_client__open_socket(struct v2x_client *c, uint64_t deadline);
void v2x_client__close_socket(struct v2x_client *c);
int v2x_client__send(struct v2x_client *c, const V2x__Wire__Frame *f);
/*
 * Returns 1 with the next frame (valid until the next call), 0 when the
 * deadline (monotonic ms) passed, or an error; sends Heartbeats on time
 * and fails on the broker's silence once the session is open.
 */
int v2x_client__read_frame(struct v2x_client *c, uint64_t deadline, const V2x__Wire__Frame **f);
/* Records a Bye: its reason, and the error text saying what it said. */
void v2x_client__take_bye(struct v2x_client *c, const V2x__Wire__Bye *b);
int v2x_client__keep(struct v2x_client *c, const V2x__Wire__Frame *f);
/* Returns 1 with the oldest kept frame in c->owned and *rx_us, 0 when none. */
int v2x_client__unkeep(struct v2x_client *c, int64_t *rx_us);

#endif
