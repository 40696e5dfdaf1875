/*
 * subsfx: the fixture of the subscription tests.
 */
#include "broker/subs/tests/subsfx.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/clock.h"
#include "runtime/err.h"
#include "tests/check.h"

#define OK V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_OK

uint64_t sfx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the core ------------------------------------------------------------- */

static enum brk_close_reason cb_hello(void *arg, struct brk_conn *c, const struct brk_principal *p,
                                      const V2x__Wire__Hello *hello, uint64_t *last_seq, char *why,
                                      size_t whylen)
{
	struct sfx *fx = arg;

	(void)p;
	(void)hello;
	(void)last_seq;
	(void)why;
	(void)whylen;
	if (fx->hellos < SFX_MAX_CONNS)
		fx->conns[fx->hellos] = c;
	fx->hellos++;
	return BRK_CLOSE_NONE;
}

static void cb_frame(void *arg, struct brk_conn *c, const V2x__Wire__Frame *f)
{
	struct sfx *fx = arg;
	uint64_t ok = brk_subs_stats(fx->subs)->subscribes[OK];

	fx->frames++;
	if (brk_subs_handle_frame(fx->subs, c, f) && fx->on_subscribed &&
	    brk_subs_stats(fx->subs)->subscribes[OK] != ok)
		fx->on_subscribed(fx, c, f->subscribe->subscription_id);
}

static void cb_close(void *arg, struct brk_conn *c, enum brk_close_reason reason)
{
	struct sfx *fx = arg;

	(void)reason;
	fx->closes++;
	brk_subs_drop_conn(fx->subs, c);
	for (int i = 0; i < SFX_MAX_CONNS; i++)
		if (fx->conns[i] == c)
			fx->conns[i] = NULL;
}

void sfx_config(struct sfx *fx)
{
	char err[256];

	memset(fx, 0, sizeof(*fx));
	if (uv_loop_init(&fx->loop) != 0)
		abort();
	v2x_log_init(&fx->log, "test-subs", getenv("FX_DEBUG") ? "debug" : "error");
	if (brk_auth_parse(SFX_AUTH, &fx->auth, err, sizeof(err)) != 0) {
		fprintf(stderr, "auth: %s\n", err);
		abort();
	}
	brk_net_config_default(&fx->cfg);
	fx->cfg.broker_id = "test-broker";
	fx->cfg.auth = fx->auth;
	fx->cfg.log = &fx->log;
	fx->cfg.heartbeat_interval_ms = 200;
	fx->cfg.timeout_ms = 2000;
	fx->cfg.max_frame_size = 65536;
	fx->cfg.max_conns = SFX_MAX_CONNS;
	brk_subs_config_default(&fx->scfg);
	fx->scfg.max_conns = SFX_MAX_CONNS;
}

void sfx_start(struct sfx *fx)
{
	struct brk_net_cb cb = { fx, cb_hello, cb_frame, cb_close };
	unsigned subs_only = BRK_SERVE_SUBSCRIBERS;
	char err[256];

	snprintf(fx->unix_path, sizeof(fx->unix_path), "/tmp/brksubs-test-%d.sock", (int)getpid());
	if (brk_subs_new(&fx->scfg, &fx->subs, err, sizeof(err)) != 0 ||
	    brk_net_new(&fx->loop, &fx->cfg, &cb, &fx->net, err, sizeof(err)) != 0 ||
	    brk_net_listen_tcp(fx->net, "127.0.0.1", 0, subs_only, &fx->port, err, sizeof(err)) !=
	            0 ||
	    brk_net_listen_unix(fx->net, fx->unix_path, subs_only, err, sizeof(err)) != 0) {
		fprintf(stderr, "start: %s\n", err);
		abort();
	}
}

void sfx_finish(struct sfx *fx)
{
	CHECK_INT_EQ(uv_loop_close(&fx->loop), 0);
	/* Every connection closed: every slot was dropped. */
	CHECK_UINT_EQ(brk_subs_stats(fx->subs)->conns, 0);
	CHECK_UINT_EQ(brk_subs_stats(fx->subs)->subscriptions, 0);
	brk_subs_free(fx->subs);
	brk_auth_free(fx->auth);
	unlink(fx->unix_path);
}

void sfx_stop(struct sfx *fx)
{
	brk_net_close(fx->net);
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	sfx_finish(fx);
}

void sfx_pump(struct sfx *fx, unsigned ms)
{
	uint64_t end = sfx_now_ms() + ms;

	do {
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(300);
	} while (sfx_now_ms() < end);
}

/* ---- clients -------------------------------------------------------------- */

static void client_init(struct sfx_client *cl, int fd)
{
	memset(cl, 0, sizeof(*cl));
	cl->fd = fd;
	v2x_frame_parser_init(&cl->parser, NULL);
}

/* Connects without blocking: the listener accepts only when pumped. */
static void client_connect(struct sfx *fx, struct sfx_client *cl, bool unix_sock)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(unix_sock ? AF_UNIX : AF_INET, SOCK_STREAM, 0);
	int rc;

	if (fd < 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (unix_sock) {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", fx->unix_path);
		rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
	} else {
		in.sin_port = htons((uint16_t)fx->port);
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
	}
	if (rc != 0 && errno != EINPROGRESS)
		abort();
	sfx_pump(fx, 2);
	client_init(cl, fd);
}

void sfx_disconnect(struct sfx_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	v2x_frame_parser_fini(&cl->parser);
}

static void client_write(struct sfx_client *cl, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(cl->fd, p, len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			usleep(100);
			continue;
		}
		if (n <= 0)
			return; /* the server closed: the test checks what it said */
		p += n;
		len -= (size_t)n;
	}
}

void sfx_send(struct sfx_client *cl, const V2x__Wire__Frame *f)
{
	uint8_t buf[16384];
	size_t len;

	if (v2x_frame_encode(f, buf, sizeof(buf), &len) != 0)
		abort();
	client_write(cl, buf, len);
}

static void send_hello(struct sfx_client *cl, const char *id, const char *token)
{
	V2x__Wire__Hello h;
	V2x__Wire__Frame f;
	char idbuf[128]; /* protobuf-c's fields are not const: copies */
	uint8_t tok[128];
	ProtobufCBinaryData cred = { strlen(token) < sizeof(tok) ? strlen(token) : sizeof(tok),
		                     tok };

	snprintf(idbuf, sizeof(idbuf), "%s", id);
	memcpy(cred.data, token, cred.len);
	v2x_frame_hello(&f, &h, V2X__WIRE__ROLE__ROLE_SUBSCRIBER, idbuf, cred.data, cred.len);
	sfx_send(cl, &f);
}

/* Parses the client's buffered bytes, reading more when they run out. */
static int try_frame(struct sfx_client *cl, const V2x__Wire__Frame **f)
{
	for (;;) {
		const uint8_t *p = cl->buf + cl->pos;
		size_t len = cl->len - cl->pos;
		ssize_t n;

		if (len) {
			int rc = v2x_frame_parser_next(&cl->parser, &p, &len, f);

			cl->pos = (size_t)(p - cl->buf);
			if (rc != 0)
				return rc > 0 ? 1 : 0;
			continue;
		}
		n = read(cl->fd, cl->buf, sizeof(cl->buf));
		if (n == 0) {
			cl->eof = true;
			return 0;
		}
		if (n < 0)
			return errno == EAGAIN ? -1 : 0;
		cl->pos = 0;
		cl->len = (size_t)n;
	}
}

int sfx_recv(struct sfx *fx, struct sfx_client *cl, const V2x__Wire__Frame **f, unsigned timeout_ms)
{
	uint64_t end = sfx_now_ms() + timeout_ms;

	do {
		int rc = try_frame(cl, f);

		if (rc == 1 && (*f)->msg_case == V2X__WIRE__FRAME__MSG_HEARTBEAT)
			continue;
		if (rc >= 0)
			return rc;
		uv_run(&fx->loop, UV_RUN_NOWAIT);
		usleep(100);
	} while (sfx_now_ms() < end);
	return -1;
}

bool sfx_open(struct sfx *fx, struct sfx_client *cl, bool unix_sock, const char *id,
              const char *token)
{
	const V2x__Wire__Frame *f = NULL;

	client_connect(fx, cl, unix_sock);
	send_hello(cl, id, token);
	return CHECK(sfx_recv(fx, cl, &f, 2000) == 1 &&
	             f->msg_case == V2X__WIRE__FRAME__MSG_HELLO_ACK);
}

static int wait_result(struct sfx *fx, struct sfx_client *cl, uint32_t id, char *reason, size_t len)
{
	const V2x__Wire__Frame *f = NULL;

	reason[0] = '\0';
	while (sfx_recv(fx, cl, &f, 2000) == 1) {
		const V2x__Wire__SubscribeResult *r = f->subscribe_result;

		if (f->msg_case != V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT)
			continue;
		CHECK_UINT_EQ(r->subscription_id, id);
		snprintf(reason, len, "%s", r->reason ? r->reason : "");
		return (int)r->status;
	}
	fprintf(stderr, "no SubscribeResult for subscription %u\n", (unsigned)id);
	check_failures++;
	return -1;
}

int sfx_subscribe(struct sfx *fx, struct sfx_client *cl, V2x__Wire__Subscribe *sub, char *reason,
                  size_t len)
{
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	f.subscribe = sub;
	sfx_send(cl, &f);
	return wait_result(fx, cl, sub->has_subscription_id ? sub->subscription_id : 0, reason,
	                   len);
}

int sfx_unsubscribe(struct sfx *fx, struct sfx_client *cl, uint32_t id, char *reason, size_t len)
{
	V2x__Wire__Unsubscribe u = V2X__WIRE__UNSUBSCRIBE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	u.has_subscription_id = 1;
	u.subscription_id = id;
	f.msg_case = V2X__WIRE__FRAME__MSG_UNSUBSCRIBE;
	f.unsubscribe = &u;
	sfx_send(cl, &f);
	return wait_result(fx, cl, id, reason, len);
}

/* ---- builders ------------------------------------------------------------- */

static void put_id(uint8_t out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

void sfx_sub_init(struct sfx_sub *b, uint32_t id)
{
	memset(b, 0, sizeof(*b));
	v2x__wire__subscribe__init(&b->sub);
	b->sub.has_subscription_id = 1;
	b->sub.subscription_id = id;
	b->sub.vehicle_ids = b->ids;
	b->sub.warning_types = b->types;
}

void sfx_sub_vehicle(struct sfx_sub *b, uint64_t v)
{
	size_t i = b->sub.n_vehicle_ids++;

	put_id(b->idbuf[i], v);
	b->ids[i].data = b->idbuf[i];
	b->ids[i].len = 8;
}

void sfx_sub_box(struct sfx_sub *b, double s, double w, double n, double e)
{
	v2x__wire__geofence__init(&b->geo);
	v2x__wire__box__init(&b->box);
	b->box.has_south_deg = b->box.has_west_deg = 1;
	b->box.has_north_deg = b->box.has_east_deg = 1;
	b->box.south_deg = s;
	b->box.west_deg = w;
	b->box.north_deg = n;
	b->box.east_deg = e;
	b->geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE_BOX;
	b->geo.box = &b->box;
	b->sub.geofence = &b->geo;
}

void sfx_sub_polygon(struct sfx_sub *b, const double (*pts)[2], size_t n)
{
	v2x__wire__geofence__init(&b->geo);
	v2x__wire__polygon__init(&b->poly);
	for (size_t i = 0; i < n; i++) {
		v2x__wire__lat_lon__init(&b->ll[i]);
		b->ll[i].has_lat_deg = b->ll[i].has_lon_deg = 1;
		b->ll[i].lat_deg = pts[i][0];
		b->ll[i].lon_deg = pts[i][1];
		b->llp[i] = &b->ll[i];
	}
	b->poly.n_vertices = n;
	b->poly.vertices = b->llp;
	b->geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE_POLYGON;
	b->geo.polygon = &b->poly;
	b->sub.geofence = &b->geo;
}

void sfx_sub_type(struct sfx_sub *b, int type)
{
	b->types[b->sub.n_warning_types++] = (V2x__Wire__WarningType)type;
}

void sfx_sub_min_severity(struct sfx_sub *b, int severity)
{
	b->sub.has_min_severity = 1;
	b->sub.min_severity = (V2x__Wire__Severity)severity;
}

void sfx_warning_init(struct sfx_warning *sw, uint64_t warning_id, uint64_t vehicle, int type,
                      int severity)
{
	V2x__Wire__Warning *w = &sw->w;
	uint64_t now = (uint64_t)v2x_clock_wall_us();

	memset(sw, 0, sizeof(*sw));
	v2x__wire__warning__init(w);
	v2x__wire__position3_d__init(&sw->pos);
	v2x__wire__subject__init(&sw->subject);
	v2x__wire__hazard_ref__init(&sw->hazard);
	v2x__wire__source_ref__init(&sw->src);
	w->has_warning_id = 1;
	w->warning_id = warning_id;
	w->has_revision = 1;
	w->has_type = 1;
	w->type = (V2x__Wire__WarningType)type;
	w->has_severity = 1;
	w->severity = (V2x__Wire__Severity)severity;
	put_id(sw->target, vehicle);
	w->has_target_vehicle_id = 1;
	w->target_vehicle_id.data = sw->target;
	w->target_vehicle_id.len = 8;
	sw->hazard.has_hazard_id = 1;
	sw->hazard.hazard_id = 0xabcdef;
	sw->hazard.has_event_type = 1;
	sw->hazard.event_type = 401;
	sw->subject.subject_case = V2X__WIRE__SUBJECT__SUBJECT_HAZARD;
	sw->subject.hazard = &sw->hazard;
	w->subject = &sw->subject;
	sw->pos.has_lat_deg = sw->pos.has_lon_deg = sw->pos.has_elev_m = 1;
	sw->pos.lat_deg = 29.55;
	sw->pos.lon_deg = 106.55;
	sw->pos.elev_m = 312.5;
	w->position = &sw->pos;
	w->has_distance_m = 1;
	w->distance_m = 180.5;
	w->has_time_to_event_s = 1;
	w->time_to_event_s = 9.25;
	w->has_advisory_speed_mps = 1;
	w->advisory_speed_mps = 8.5;
	w->has_issue_time_us = 1;
	w->issue_time_us = now;
	w->has_expiry_time_us = 1;
	w->expiry_time_us = now + 30000000;
	snprintf(sw->rsu, sizeof(sw->rsu), "rsu-1");
	sw->src.rsu_id = sw->rsu;
	sw->src.has_seq = 1;
	sw->src.seq = 4242;
	sw->srcp = &sw->src;
	w->n_sources = 1;
	w->sources = &sw->srcp;
	w->has_trigger_rx_time_us = 1;
	w->trigger_rx_time_us = now;
	snprintf(sw->text, sizeof(sw->text), "rockfall ahead \"lane 2\"");
	w->text = sw->text;
}
