/*
 * client: a small blocking client of the broker for subscribers, over the
 * wire protocol (codecs/wire/v2x.proto, DESIGN.md section 5): what an OEM
 * embeds to receive warnings.  Plain sockets and poll(2); no event loop,
 * no threads, no global state.
 *
 *   struct v2x_client_config cfg;
 *   v2x_client_config_default(&cfg);
 *   cfg.broker = "10.0.0.5:7601";
 *   cfg.id = "oem-a";
 *   cfg.credential = (const uint8_t *)token;
 *   cfg.credential_len = strlen(token);
 *   if (v2x_client_new(&cfg, &c, err, sizeof(err)) || v2x_client_connect(c))
 *           ... v2x_client_error(c) says why; v2x_client_bye_reason(c) ...
 *   v2x_client_subscribe(c, &sub, 5000, &res);  // res.status: SubscribeStatus
 *   while ((rc = v2x_client_next(c, 1000, &ev)) >= 0)
 *           if (rc == 1 && ev.type == V2X_CLIENT_EV_WARNING) ... ev.warning ...
 *   v2x_client_free(c);
 *
 * Session: v2x_client_connect() connects (TCP with TCP_NODELAY, or a unix
 * socket), sends a Hello as a subscriber and waits for the HelloAck, or
 * the Bye of a refusal (its reason: v2x_client_bye_reason(), its text in
 * v2x_client_error()).  Afterwards the client sends a Heartbeat whenever
 * it has sent nothing for the HelloAck's heartbeat_interval_ms (echoing
 * the broker's last one) and treats a broker silent for the HelloAck's
 * timeout_ms as a failure (V2X_ETIMEOUT).  Heartbeats are handled inside
 * the calls that wait (subscribe, unsubscribe, next): an application that
 * does not call one of them for longer than timeout_ms is closed by the
 * broker.
 *
 * Frames that arrive while v2x_client_subscribe() waits for its answer
 * (warnings of earlier subscriptions) are kept and returned by the
 * following v2x_client_next() calls, in order.
 *
 * Errors: every function returns 0 (or 1 where it says so) or a negative
 * V2X_E* code (runtime/err.h), and v2x_client_error() then says what
 * failed and where ("connect to 127.0.0.1:7601: Connection refused").
 * After an error other than a timeout of next(), the connection is closed:
 * create a new client to reconnect.
 *
 * Not thread-safe: one thread uses a client at a time.
 */
#ifndef V2X_BROKER_CLIENT_CLIENT_H
#define V2X_BROKER_CLIENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/wire/v2x.pb-c.h"

struct v2x_client_config {
	const char *broker;        /* "HOST:PORT" or "[V6]:PORT"; NULL with unix_path */
	const char *unix_path;     /* a unix socket path instead of broker */
	const char *id;            /* the account (Hello.id), at most 64 bytes */
	const uint8_t *credential; /* the token the operator issued */
	size_t credential_len;
	const char *software;        /* Hello.software, for the broker's logs; NULL: none */
	uint32_t connect_timeout_ms; /* connect, Hello and HelloAck; default 5000 */
	uint32_t max_frame_size;     /* largest frame accepted; default 1 MiB */
};

/* Fills cfg with the defaults (every pointer NULL). */
void v2x_client_config_default(struct v2x_client_config *cfg);

enum v2x_client_event_type {
	V2X_CLIENT_EV_WARNING = 1,
	V2X_CLIENT_EV_CANCELLATION,
	V2X_CLIENT_EV_SUBSCRIBE_RESULT, /* one v2x_client_subscribe() did not wait for */
	V2X_CLIENT_EV_BYE,              /* the broker closed the session; the last event */
};

/* What v2x_client_next() returns; the pointers are owned by the client. */
struct v2x_client_event {
	enum v2x_client_event_type type;
	int64_t rx_time_us;                          /* wall µs when the frame's bytes were read */
	const V2x__Wire__Warning *warning;           /* type WARNING */
	const V2x__Wire__Cancellation *cancellation; /* type CANCELLATION */
	const V2x__Wire__SubscribeResult *result;    /* type SUBSCRIBE_RESULT */
	const V2x__Wire__Bye *bye;                   /* type BYE */
};

/* The answer to a Subscribe or Unsubscribe. */
struct v2x_client_result {
	uint32_t subscription_id;
	int status;       /* a SubscribeStatus value: 1 OK, else refused */
	char reason[512]; /* the broker's reason; "" when OK */
};

struct v2x_client;

/*
 * Creates a client for cfg (copied, strings included).  Connects nothing
 * yet.  Returns 0 with *out set (caller frees with v2x_client_free), or
 * V2X_EINVAL (no address or both, a bad HOST:PORT, no id, an id or a
 * credential too long, a unix path too long; err says which, errlen
 * bytes), V2X_ENOMEM.
 */
int v2x_client_new(const struct v2x_client_config *cfg, struct v2x_client **out, char *err,
                   size_t errlen);

/*
 * Connects and opens the session (Hello, then HelloAck), within
 * connect_timeout_ms.  Returns 0, or V2X_EIO (no connection: refused,
 * unreachable, name not found), V2X_ETIMEOUT, V2X_EEOF (the broker closed
 * the connection, after a Bye when v2x_client_bye_reason() is not 0:
 * BYE_REASON_AUTH_FAILED for a wrong id or token), V2X_EFRAME_TOO_BIG,
 * V2X_EFRAME_GARBAGE, V2X_ENOMEM.
 */
int v2x_client_connect(struct v2x_client *c);

/*
 * Sends sub (borrowed for the call) and waits up to timeout_ms for the
 * SubscribeResult with its subscription_id.  Returns 0 with *res filled
 * (res->status says whether the broker accepted it), or an error as for
 * v2x_client_next (V2X_ETIMEOUT when no answer came in time).
 */
int v2x_client_subscribe(struct v2x_client *c, const V2x__Wire__Subscribe *sub, int timeout_ms,
                         struct v2x_client_result *res);

/* Same as v2x_client_subscribe() for an Unsubscribe of subscription_id. */
int v2x_client_unsubscribe(struct v2x_client *c, uint32_t subscription_id, int timeout_ms,
                           struct v2x_client_result *res);

/*
 * Waits up to timeout_ms (negative: no limit) for the next Warning,
 * Cancellation, unexpected SubscribeResult or Bye.  Returns 1 with *ev set
 * (what it points to is valid until the next call on c), 0 when timeout_ms
 * passed without one, or V2X_EEOF (the connection is closed: after a Bye
 * event, or the broker closed the socket), V2X_ETIMEOUT (the broker was
 * silent past its timeout), V2X_EIO, V2X_EFRAME_TOO_BIG,
 * V2X_EFRAME_GARBAGE, V2X_ENOMEM.
 */
int v2x_client_next(struct v2x_client *c, int timeout_ms, struct v2x_client_event *ev);

/* Returns what the last failure was, "" when none; owned by c. */
const char *v2x_client_error(const struct v2x_client *c);

/* Returns the reason (a ByeReason value) of the broker's Bye, 0 when none came. */
int v2x_client_bye_reason(const struct v2x_client *c);

/* Returns the HelloAck's broker_id ("" before it); owned by c. */
const char *v2x_client_broker_id(const struct v2x_client *c);

/*
 * Closes the session, with a Bye(NORMAL) when it is open, and frees c.
 * Accepts NULL.
 */
void v2x_client_free(struct v2x_client *c);

/*
 * Writes the name of value in the protocol's enum d (&v2x__wire__..._descriptor)
 * into buf (len bytes): lower case, without the enum's prefix
 * ("auth_failed", "hazard_ahead", "critical"); an unknown value as its
 * number.  Returns buf.
 */
const char *v2x_client_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf,
                                 size_t len);

/* Returns the value of such a name (any case; the full name also works), or -1. */
int v2x_client_enum_value(const ProtobufCEnumDescriptor *d, const char *name);

#endif
