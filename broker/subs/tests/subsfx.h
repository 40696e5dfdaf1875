/*
 * subsfx: the fixture of the subscription tests: a loop, a credential
 * table, a net listening on 127.0.0.1 and a unix socket, a subscription
 * table wired to it as the broker core wires it (Subscribe/Unsubscribe
 * answered, connections dropped on close), and blocking clients (plain
 * sockets) whose frames are read while the loop is pumped.
 */
#ifndef V2X_BROKER_SUBS_TESTS_SUBSFX_H
#define V2X_BROKER_SUBS_TESTS_SUBSFX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/net/net.h"
#include "broker/subs/subs.h"

/* The credential table of the tests. */
#define SFX_AUTH                                                                          \
	"agent tok-agent rsu-1\n"                                                         \
	"subscriber tok-all oem-all\n"                                                    \
	"subscriber tok-box oem-box box=29,105.5,30.5,107.5\n"                            \
	"subscriber tok-veh oem-veh vehicle=0102030405060708,1111111111111111\n"          \
	"subscriber tok-both oem-both vehicle=0102030405060708 box=29,105.5,30.5,107.5\n" \
	"subscriber tok-wrap oem-wrap box=-20,170,20,-170\n"

#define SFX_MAX_CONNS 160

struct sfx {
	uv_loop_t loop;
	struct v2x_log log;
	struct brk_auth *auth;
	struct brk_net *net;
	struct brk_net_config cfg;
	struct brk_subs *subs;
	struct brk_subs_config scfg;
	int port;
	char unix_path[64];
	int hellos, frames, closes;
	/* The accepted connections, in the order of their Hellos. */
	struct brk_conn *conns[SFX_MAX_CONNS];
	/* Called for each Subscribe answered OK (may be NULL). */
	void (*on_subscribed)(struct sfx *fx, struct brk_conn *c, uint32_t id);
	void *data;
};

struct sfx_client {
	int fd;
	struct v2x_frame_parser parser;
	bool eof;
	size_t pos, len; /* unparsed bytes of buf */
	uint8_t buf[65536];
};

/* Sets the configs to the tests' defaults (short heartbeat and timeout). */
void sfx_config(struct sfx *fx);
/* Creates the subscription table and the net with the configs; aborts on failure. */
void sfx_start(struct sfx *fx);
/* Closes the net, runs the loop to its end, then sfx_finish(). */
void sfx_stop(struct sfx *fx);
/* After the loop ended: closes it (checking nothing is left) and frees all. */
void sfx_finish(struct sfx *fx);
/* Runs the loop for ms milliseconds. */
void sfx_pump(struct sfx *fx, unsigned ms);

/* Connects (TCP, or the unix socket), says Hello and waits for the HelloAck. */
bool sfx_open(struct sfx *fx, struct sfx_client *cl, bool unix_sock, const char *id,
              const char *token);
void sfx_disconnect(struct sfx_client *cl);
void sfx_send(struct sfx_client *cl, const V2x__Wire__Frame *f);
/*
 * Pumps the loop until the client has a frame other than a Heartbeat
 * (returns 1, *f valid until the next call), the server closed (0), or
 * timeout_ms passed (-1).
 */
int sfx_recv(struct sfx *fx, struct sfx_client *cl, const V2x__Wire__Frame **f,
             unsigned timeout_ms);
/*
 * Sends sub and waits for its SubscribeResult; returns the status (-1:
 * none came), the reason in reason (len bytes).
 */
int sfx_subscribe(struct sfx *fx, struct sfx_client *cl, V2x__Wire__Subscribe *sub, char *reason,
                  size_t len);
/* Same for an Unsubscribe of id. */
int sfx_unsubscribe(struct sfx *fx, struct sfx_client *cl, uint32_t id, char *reason, size_t len);

uint64_t sfx_now_ms(void);

/* A Subscribe under construction, with room for what it points to. */
struct sfx_sub {
	V2x__Wire__Subscribe sub;
	ProtobufCBinaryData ids[16];
	uint8_t idbuf[16][8];
	V2x__Wire__WarningType types[16];
	V2x__Wire__Geofence geo;
	V2x__Wire__Box box;
	V2x__Wire__Polygon poly;
	V2x__Wire__LatLon ll[300];
	V2x__Wire__LatLon *llp[300];
};

void sfx_sub_init(struct sfx_sub *b, uint32_t id);
/* Adds a vehicle id (its 8 octets big-endian). */
void sfx_sub_vehicle(struct sfx_sub *b, uint64_t v);
void sfx_sub_box(struct sfx_sub *b, double s, double w, double n, double e);
/* Sets a polygon of n vertices {lat, lon}. */
void sfx_sub_polygon(struct sfx_sub *b, const double (*pts)[2], size_t n);
void sfx_sub_type(struct sfx_sub *b, int type);
void sfx_sub_min_severity(struct sfx_sub *b, int severity);

/* A Warning with every field set, and room for what it points to. */
struct sfx_warning {
	V2x__Wire__Warning w;
	uint8_t target[8];
	V2x__Wire__Position3D pos;
	V2x__Wire__Subject subject;
	V2x__Wire__HazardRef hazard;
	V2x__Wire__SourceRef src;
	V2x__Wire__SourceRef *srcp;
	char rsu[16];
	char text[64];
};

/*
 * Fills sw: warning_id, target vehicle (big-endian octets), type and
 * severity as given; a hazard subject, position, distances, times (now),
 * one source, trigger_rx_time_us now, a text.
 */
void sfx_warning_init(struct sfx_warning *sw, uint64_t warning_id, uint64_t vehicle, int type,
                      int severity);

#endif
