/*
 * client: the session of a subscriber: creation, Hello and HelloAck,
 * Subscribe and Unsubscribe with their answers, and the events.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "broker/client/client_int.h"
#include "runtime/err.h"

#define ID_MAX    64
#define TOKEN_MAX 1024

void v2x_client_config_default(struct v2x_client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->connect_timeout_ms = 5000;
	cfg->max_frame_size = V2X_FRAME_DEFAULT_MAX;
}

/* ---- creation ------------------------------------------------------------ */

/* Splits "host:port" or "[v6]:port" into c->host and c->port. */
static int split_addr(struct v2x_client *c, const char *addr, char *err, size_t errlen)
{
	const char *colon = strrchr(addr, ':'), *start = addr, *end = colon;
	char *stop;
	long port;

	if (colon && addr[0] == '[') {
		start = addr + 1;
		end = colon > addr && colon[-1] == ']' ? colon - 1 : NULL;
	}
	if (!colon || !end || end <= start || (size_t)(end - start) >= sizeof(c->host))
		goto bad;
	errno = 0;
	port = strtol(colon + 1, &stop, 10);
	if (errno || stop == colon + 1 || *stop || port < 1 || port > 65535)
		goto bad;
	memcpy(c->host, start, (size_t)(end - start));
	c->host[end - start] = '\0';
	snprintf(c->port, sizeof(c->port), "%ld", port);
	snprintf(c->where, sizeof(c->where), "broker %s", addr);
	return 0;
bad:
	snprintf(err, errlen, "broker address '%s': not HOST:PORT or [IPV6]:PORT (port 1..65535)",
	         addr);
	return V2X_EINVAL;
}

static int check_config(const struct v2x_client_config *cfg, char *err, size_t errlen)
{
	if (!cfg->broker == !cfg->unix_path) {
		snprintf(err, errlen,
		         "client: give the broker's HOST:PORT or a unix socket path, "
		         "one of them");
		return V2X_EINVAL;
	}
	if (cfg->unix_path &&
	    strlen(cfg->unix_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "client: unix socket path longer than %zu bytes",
		         sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return V2X_EINVAL;
	}
	if (!cfg->id || !cfg->id[0] || strlen(cfg->id) > ID_MAX) {
		snprintf(err, errlen, "client: the id (account) is missing or longer than %d bytes",
		         ID_MAX);
		return V2X_EINVAL;
	}
	if ((!cfg->credential && cfg->credential_len) || cfg->credential_len > TOKEN_MAX) {
		snprintf(err, errlen, "client: the credential is longer than %d bytes", TOKEN_MAX);
		return V2X_EINVAL;
	}
	return 0;
}

/* Copies the strings of cfg into c; returns 0 or V2X_ENOMEM. */
static int copy_config(struct v2x_client *c, const struct v2x_client_config *cfg)
{
	c->cfg = *cfg;
	c->id = strdup(cfg->id);
	c->unix_path = cfg->unix_path ? strdup(cfg->unix_path) : NULL;
	c->software = cfg->software ? strdup(cfg->software) : NULL;
	c->credential = malloc(cfg->credential_len ? cfg->credential_len : 1);
	if (!c->id || (cfg->unix_path && !c->unix_path) || (cfg->software && !c->software) ||
	    !c->credential)
		return V2X_ENOMEM;
	if (cfg->credential_len)
		memcpy(c->credential, cfg->credential, cfg->credential_len);
	c->cfg.id = c->id;
	c->cfg.unix_path = c->unix_path;
	c->cfg.software = c->software;
	c->cfg.credential = c->credential;
	c->cfg.broker = NULL; /* kept as host and port */
	if (!c->cfg.connect_timeout_ms)
		c->cfg.connect_timeout_ms = 5000;
	if (!c->cfg.max_frame_size)
		c->cfg.max_frame_size = V2X_FRAME_DEFAULT_MAX;
	return 0;
}

int v2x_client_new(const struct v2x_client_config *cfg, struct v2x_client **out, char *err,
                   size_t errlen)
{
	struct v2x_frame_limits lim = { 0, 0 };
	struct v2x_client *c;
	int rc;

	*out = NULL;
	if ((rc = check_config(cfg, err, errlen)) != 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c)
		return V2X_ENOMEM;
	c->fd = -1;
	lim.max_frame_size = cfg->max_frame_size ? cfg->max_frame_size : V2X_FRAME_DEFAULT_MAX;
	rc = v2x_frame_parser_init(&c->parser, &lim);
	if (rc == 0)
		rc = copy_config(c, cfg);
	if (rc == 0 && cfg->broker)
		rc = split_addr(c, cfg->broker, err, errlen);
	else if (rc == 0)
		snprintf(c->where, sizeof(c->where), "broker unix:%s", cfg->unix_path);
	if (rc != 0) {
		if (rc == V2X_ENOMEM)
			snprintf(err, errlen, "client: out of memory");
		v2x_client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ---- session ------------------------------------------------------------- */

static int send_hello(struct v2x_client *c)
{
	V2x__Wire__Hello h;
	V2x__Wire__Frame f;

	v2x_frame_hello(&f, &h, V2X__WIRE__ROLE__ROLE_SUBSCRIBER, c->id, c->credential,
	                c->cfg.credential_len);
	h.has_max_frame_size = 1;
	h.max_frame_size = c->cfg.max_frame_size;
	h.software = c->software;
	return v2x_client__send(c, &f);
}

static void take_ack(struct v2x_client *c, const V2x__Wire__HelloAck *a)
{
	c->hb_ms = a->has_heartbeat_interval_ms && a->heartbeat_interval_ms
	                   ? a->heartbeat_interval_ms
	                   : 1000;
	c->timeout_ms = a->has_timeout_ms && a->timeout_ms ? a->timeout_ms : 5000;
	snprintf(c->broker_id, sizeof(c->broker_id), "%s", a->broker_id ? a->broker_id : "");
	c->last_rx_ms = v2x_client__now_ms();
	c->open = true;
}

static int wait_ack(struct v2x_client *c, uint64_t deadline)
{
	const V2x__Wire__Frame *f = NULL;
	int rc = v2x_client__read_frame(c, deadline, &f);

	if (rc == 0)
		return v2x_client__fail(c, V2X_ETIMEOUT,
		                        "%s: no HelloAck within %" PRIu32 " ms (is it a broker's "
		                        "subscriber port?)",
		                        c->where, c->cfg.connect_timeout_ms);
	if (rc < 0)
		return rc;
	if (f->msg_case == V2X__WIRE__FRAME__MSG_BYE) {
		v2x_client__take_bye(c, f->bye);
		v2x_client__close_socket(c);
		return V2X_EEOF;
	}
	if (f->msg_case != V2X__WIRE__FRAME__MSG_HELLO_ACK)
		return v2x_client__fail(c, V2X_EFRAME_GARBAGE,
		                        "%s: the first frame is not a HelloAck (frame %d)",
		                        c->where, (int)f->msg_case);
	take_ack(c, f->hello_ack);
	return 0;
}

int v2x_client_connect(struct v2x_client *c)
{
	uint64_t deadline = v2x_client__now_ms() + c->cfg.connect_timeout_ms;
	int rc;

	if (c->fd >= 0) {
		snprintf(c->err, sizeof(c->err), "%s: already connected", c->where);
		return V2X_EINVAL;
	}
	c->err[0] = '\0';
	c->bye_reason = 0;
	if ((rc = v2x_client__open_socket(c, deadline)) != 0 || (rc = send_hello(c)) != 0)
		return rc;
	return wait_ack(c, deadline);
}

/* ---- subscriptions ------------------------------------------------------- */

static void fill_result(struct v2x_client_result *res, const V2x__Wire__SubscribeResult *r)
{
	res->subscription_id = r->subscription_id;
	res->status = r->has_status ? (int)r->status : 0;
	snprintf(res->reason, sizeof(res->reason), "%s", r->reason ? r->reason : "");
}

/* Handles a Heartbeat; says whether f was one. */
static bool take_heartbeat(struct v2x_client *c, const V2x__Wire__Frame *f)
{
	if (f->msg_case != V2X__WIRE__FRAME__MSG_HEARTBEAT)
		return false;
	if (f->heartbeat->has_send_time_us)
		c->peer_hb_us = f->heartbeat->send_time_us;
	return true;
}

/* Says whether next() would return f as an event (a Bye ends the wait instead). */
static bool is_event(const V2x__Wire__Frame *f)
{
	return f->msg_case == V2X__WIRE__FRAME__MSG_WARNING ||
	       f->msg_case == V2X__WIRE__FRAME__MSG_CANCELLATION ||
	       f->msg_case == V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT;
}

/* Waits for the SubscribeResult of id, keeping the other frames for next(). */
static int await_result(struct v2x_client *c, uint32_t id, int timeout_ms,
                        struct v2x_client_result *res)
{
	uint64_t deadline = v2x_client__now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	const V2x__Wire__Frame *f;
	int rc;

	while ((rc = v2x_client__read_frame(c, deadline, &f)) == 1) {
		if (take_heartbeat(c, f))
			continue;
		if (f->msg_case == V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT &&
		    f->subscribe_result->subscription_id == id) {
			fill_result(res, f->subscribe_result);
			return 0;
		}
		if (f->msg_case == V2X__WIRE__FRAME__MSG_BYE) {
			v2x_client__take_bye(c, f->bye);
			v2x_client__close_socket(c);
			return V2X_EEOF;
		}
		if (is_event(f) && (rc = v2x_client__keep(c, f)) != 0)
			return rc;
	}
	if (rc == 0)
		return v2x_client__fail(c, V2X_ETIMEOUT,
		                        "%s: no answer to subscription %" PRIu32 " within %d ms",
		                        c->where, id, timeout_ms);
	return rc;
}

static int not_open(struct v2x_client *c)
{
	if (!c->err[0])
		snprintf(c->err, sizeof(c->err), "%s: not connected", c->where);
	return V2X_EEOF;
}

int v2x_client_subscribe(struct v2x_client *c, const V2x__Wire__Subscribe *sub, int timeout_ms,
                         struct v2x_client_result *res)
{
	V2x__Wire__Subscribe copy = *sub; /* protobuf-c's frame points to non-const */
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!c->open)
		return not_open(c);
	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	f.subscribe = &copy;
	if ((rc = v2x_client__send(c, &f)) != 0)
		return rc;
	return await_result(c, sub->subscription_id, timeout_ms, res);
}

int v2x_client_unsubscribe(struct v2x_client *c, uint32_t subscription_id, int timeout_ms,
                           struct v2x_client_result *res)
{
	V2x__Wire__Unsubscribe u = V2X__WIRE__UNSUBSCRIBE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!c->open)
		return not_open(c);
	u.has_subscription_id = 1;
	u.subscription_id = subscription_id;
	f.msg_case = V2X__WIRE__FRAME__MSG_UNSUBSCRIBE;
	f.unsubscribe = &u;
	if ((rc = v2x_client__send(c, &f)) != 0)
		return rc;
	return await_result(c, subscription_id, timeout_ms, res);
}

/* ---- events -------------------------------------------------------------- */

/* Fills ev from f; says whether f is an event (others are ignored). */
static bool to_event(struct v2x_client *c, const V2x__Wire__Frame *f, struct v2x_client_event *ev)
{
	switch (f->msg_case) {
	case V2X__WIRE__FRAME__MSG_WARNING:
		ev->type = V2X_CLIENT_EV_WARNING;
		ev->warning = f->warning;
		return true;
	case V2X__WIRE__FRAME__MSG_CANCELLATION:
		ev->type = V2X_CLIENT_EV_CANCELLATION;
		ev->cancellation = f->cancellation;
		return true;
	case V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT:
		ev->type = V2X_CLIENT_EV_SUBSCRIBE_RESULT;
		ev->result = f->subscribe_result;
		return true;
	case V2X__WIRE__FRAME__MSG_BYE:
		ev->type = V2X_CLIENT_EV_BYE;
		ev->bye = f->bye;
		v2x_client__take_bye(c, f->bye);
		v2x_client__close_socket(c); /* the parser keeps the frame for the caller */
		return true;
	default:
		return false; /* a frame meant for agents: nothing to do with it */
	}
}

int v2x_client_next(struct v2x_client *c, int timeout_ms, struct v2x_client_event *ev)
{
	uint64_t deadline = timeout_ms < 0 ? V2X_CLIENT__NO_DEADLINE
	                                   : v2x_client__now_ms() + (uint64_t)timeout_ms;
	const V2x__Wire__Frame *f;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (c->owned) {
		v2x__wire__frame__free_unpacked(c->owned, NULL);
		c->owned = NULL;
	}
	if ((rc = v2x_client__unkeep(c, &ev->rx_time_us)) != 0)
		return rc < 0 ? rc : (to_event(c, c->owned, ev) ? 1 : 0);
	if (c->fd < 0)
		return not_open(c);
	while ((rc = v2x_client__read_frame(c, deadline, &f)) == 1) {
		ev->rx_time_us = c->rx_us;
		if (!take_heartbeat(c, f) && to_event(c, f, ev))
			return 1;
	}
	return rc;
}

/* ---- accessors, end ------------------------------------------------------ */

const char *v2x_client_error(const struct v2x_client *c)
{
	return c->err;
}

int v2x_client_bye_reason(const struct v2x_client *c)
{
	return c->bye_reason;
}

const char *v2x_client_broker_id(const struct v2x_client *c)
{
	return c->broker_id;
}

static void say_bye(struct v2x_client *c)
{
	V2x__Wire__Bye b = V2X__WIRE__BYE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char text[] = "client closing";

	b.has_reason = 1;
	b.reason = V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL;
	b.text = text;
	f.msg_case = V2X__WIRE__FRAME__MSG_BYE;
	f.bye = &b;
	(void)v2x_client__send(c, &f); /* best effort: the socket closes anyway */
}

void v2x_client_free(struct v2x_client *c)
{
	if (!c)
		return;
	if (c->open)
		say_bye(c);
	v2x_client__close_socket(c);
	if (c->owned)
		v2x__wire__frame__free_unpacked(c->owned, NULL);
	v2x_frame_parser_fini(&c->parser);
	free(c->id);
	free(c->unix_path);
	free(c->software);
	free(c->credential);
	free(c->wbuf);
	free(c->pend);
	free(c);
}
