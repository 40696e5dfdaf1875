/*
 * test_client: the client library against a real broker net and
 * subscription table (srvfx, on its own thread) over TCP and a unix
 * socket: the session, subscriptions accepted and refused with their
 * reasons, warnings and cancellations with their fields and receive time,
 * frames that arrive while a Subscribe waits, heartbeats that keep an idle
 * session open, a refused credential, the Bye of a broker that shuts down;
 * and, against a fake broker, a missing HelloAck and a broker that goes
 * silent.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker/client/client.h"
#include "broker/client/tests/srvfx.h"
#include "runtime/clock.h"
#include "runtime/err.h"
#include "tests/check.h"

#define ST(x)  V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_##x
#define WT(x)  V2X__WIRE__WARNING_TYPE__WARNING_TYPE_##x
#define SEV(x) V2X__WIRE__SEVERITY__SEVERITY_##x
#define V1     0x0102030405060708ull
#define V2     0x1111111111111111ull

static struct v2x_client *open_client(struct srv *s, bool unix_sock, const char *id,
                                      const char *token, int *rc)
{
	struct v2x_client_config cfg;
	struct v2x_client *c = NULL;
	char addr[64], err[256];

	v2x_client_config_default(&cfg);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->fx.port);
	if (unix_sock)
		cfg.unix_path = s->fx.unix_path;
	else
		cfg.broker = addr;
	cfg.id = id;
	cfg.credential = (const uint8_t *)token;
	cfg.credential_len = strlen(token);
	cfg.software = "test-client";
	if (!CHECK(v2x_client_new(&cfg, &c, err, sizeof(err)) == 0))
		return NULL;
	*rc = v2x_client_connect(c);
	return c;
}

/* Subscribes and checks the answer came; returns its status. */
static int subscribe(struct v2x_client *c, struct sfx_sub *b, struct v2x_client_result *res)
{
	int rc = v2x_client_subscribe(c, &b->sub, 2000, res);

	if (rc != 0)
		fprintf(stderr, "subscribe: %s\n", v2x_client_error(c));
	CHECK_INT_EQ(rc, 0);
	return rc == 0 ? res->status : -1;
}

static void test_warnings(struct srv *s)
{
	struct v2x_client_result res;
	struct v2x_client_event ev;
	struct sfx_warning w1, w2;
	struct v2x_client *c;
	struct sfx_sub b;
	int rc = -1;

	c = open_client(s, false, "oem-all", "tok-all", &rc);
	if (!c || !CHECK(rc == 0)) {
		v2x_client_free(c);
		return;
	}
	CHECK_STR_EQ(v2x_client_broker_id(c), "test-broker");
	sfx_sub_init(&b, 4);
	sfx_sub_vehicle(&b, V1);
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OK));
	CHECK_UINT_EQ(res.subscription_id, 4);
	CHECK_STR_EQ(res.reason, "");
	sfx_warning_init(&w1, 11, V1, WT(HAZARD_AHEAD), SEV(CRITICAL));
	sfx_warning_init(&w2, 12, V2, WT(HAZARD_AHEAD), SEV(CRITICAL));
	CHECK_INT_EQ(srv_push(s, &w2.w, NAN, NAN), 0);
	CHECK_INT_EQ(srv_push(s, &w1.w, NAN, NAN), 1);
	CHECK_INT_EQ(srv_cancel(s, 11), 1);
	CHECK_INT_EQ(v2x_client_next(c, 2000, &ev), 1);
	if (CHECK(ev.type == V2X_CLIENT_EV_WARNING)) {
		CHECK_UINT_EQ(ev.warning->warning_id, 11);
		CHECK_INT_EQ(ev.warning->type, WT(HAZARD_AHEAD));
		CHECK_INT_EQ(ev.warning->severity, SEV(CRITICAL));
		CHECK_UINT_EQ(ev.warning->n_subscription_ids, 1);
		CHECK_UINT_EQ(ev.warning->subscription_ids[0], 4);
		CHECK_MEM_EQ(ev.warning->target_vehicle_id.data, w1.target, 8);
		CHECK_STR_EQ(ev.warning->text, w1.text);
		/* Received after it was triggered, and well within a second of it. */
		CHECK(ev.rx_time_us >= (int64_t)w1.w.trigger_rx_time_us);
		CHECK(ev.rx_time_us - (int64_t)w1.w.trigger_rx_time_us < 1000000);
	}
	CHECK_INT_EQ(v2x_client_next(c, 2000, &ev), 1);
	if (CHECK(ev.type == V2X_CLIENT_EV_CANCELLATION)) {
		CHECK_UINT_EQ(ev.cancellation->warning_id, 11);
		CHECK_INT_EQ(ev.cancellation->reason,
		             V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
	}
	CHECK_INT_EQ(v2x_client_next(c, 100, &ev), 0); /* w2 was not for this one */
	v2x_client_free(c);
}

static void test_refused_then_ok(struct srv *s)
{
	struct v2x_client_result res;
	struct v2x_client *c;
	struct sfx_sub b;
	int rc = -1;

	c = open_client(s, true, "oem-box", "tok-box", &rc);
	if (!c || !CHECK(rc == 0)) {
		v2x_client_free(c);
		return;
	}
	sfx_sub_init(&b, 1);
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OUT_OF_SCOPE));
	CHECK(strstr(res.reason, "geofence") != NULL);
	sfx_sub_box(&b, 29.5, 106, 30, 107);
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OK));
	CHECK_INT_EQ(v2x_client_unsubscribe(c, 9, 2000, &res), 0);
	CHECK_INT_EQ(res.status, ST(UNKNOWN_ID));
	CHECK(strstr(res.reason, "no subscription 9") != NULL);
	CHECK_INT_EQ(v2x_client_unsubscribe(c, 1, 2000, &res), 0);
	CHECK_INT_EQ(res.status, ST(OK));
	v2x_client_free(c);
}

/* Warnings that arrive while a Subscribe waits come out of next() after it, in order. */
static void test_kept_frames(struct srv *s)
{
	struct v2x_client_result res;
	struct v2x_client_event ev;
	struct sfx_warning w;
	struct v2x_client *c;
	struct sfx_sub b;
	int rc = -1;

	c = open_client(s, false, "oem-all", "tok-all", &rc);
	if (!c || !CHECK(rc == 0)) {
		v2x_client_free(c);
		return;
	}
	sfx_sub_init(&b, 1);
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OK));
	for (uint64_t id = 21; id <= 23; id++) {
		sfx_warning_init(&w, id, V1, WT(GLOSA), SEV(INFO));
		CHECK_INT_EQ(srv_push(s, &w.w, NAN, NAN), 1);
	}
	CHECK_INT_EQ(srv_cancel(s, 21), 1);
	sfx_sub_init(&b, 2);
	sfx_sub_type(&b, WT(CURVE_SPEED));
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OK));
	CHECK_UINT_EQ(res.subscription_id, 2);
	for (uint64_t id = 21; id <= 23; id++) {
		CHECK_INT_EQ(v2x_client_next(c, 1000, &ev), 1);
		CHECK(ev.type == V2X_CLIENT_EV_WARNING && ev.warning->warning_id == id);
		CHECK(ev.rx_time_us > 0);
	}
	CHECK_INT_EQ(v2x_client_next(c, 1000, &ev), 1);
	CHECK(ev.type == V2X_CLIENT_EV_CANCELLATION && ev.cancellation->warning_id == 21);
	CHECK_INT_EQ(v2x_client_next(c, 50, &ev), 0);
	v2x_client_free(c);
}

/*
 * Idle for longer than the broker's timeout (2 s): the client's own
 * heartbeats keep the session open, and a warning still arrives.
 */
static void test_idle_heartbeats(struct srv *s)
{
	struct v2x_client_result res;
	struct v2x_client_event ev;
	struct sfx_warning w;
	struct v2x_client *c;
	struct sfx_sub b;
	uint64_t end;
	int rc = -1;

	c = open_client(s, false, "oem-all", "tok-all", &rc);
	if (!c || !CHECK(rc == 0)) {
		v2x_client_free(c);
		return;
	}
	sfx_sub_init(&b, 1);
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OK));
	end = v2x_clock_mono_ns() / 1000000u + 2600;
	while (v2x_clock_mono_ns() / 1000000u < end)
		CHECK_INT_EQ(v2x_client_next(c, 300, &ev), 0);
	sfx_warning_init(&w, 31, V1, WT(GLOSA), SEV(INFO));
	CHECK_INT_EQ(srv_push(s, &w.w, NAN, NAN), 1);
	CHECK_INT_EQ(v2x_client_next(c, 1000, &ev), 1);
	CHECK(ev.type == V2X_CLIENT_EV_WARNING && ev.warning->warning_id == 31);
	CHECK_UINT_EQ(brk_net_stats(s->fx.net)->closes[BRK_CLOSE_TIMEOUT], 0);
	v2x_client_free(c);
}

static void test_wrong_token(struct srv *s)
{
	struct v2x_client *c;
	int rc = 0;

	c = open_client(s, false, "oem-all", "not-the-token", &rc);
	CHECK_INT_EQ(rc, V2X_EEOF);
	if (c) {
		CHECK_INT_EQ(v2x_client_bye_reason(c),
		             V2X__WIRE__BYE_REASON__BYE_REASON_AUTH_FAILED);
		CHECK(strstr(v2x_client_error(c), "auth_failed") != NULL);
		CHECK(strstr(v2x_client_error(c), "127.0.0.1") != NULL);
	}
	v2x_client_free(c);
}

/* The broker shuts down: a Bye event, then the connection is closed. */
static void test_bye_on_shutdown(struct srv *s)
{
	struct v2x_client_result res;
	struct v2x_client_event ev;
	struct v2x_client *c;
	struct sfx_sub b;
	int rc = -1;

	c = open_client(s, true, "oem-all", "tok-all", &rc);
	if (!c || !CHECK(rc == 0)) {
		v2x_client_free(c);
		srv_stop(s);
		return;
	}
	sfx_sub_init(&b, 1);
	CHECK_INT_EQ(subscribe(c, &b, &res), ST(OK));
	srv_stop(s);
	CHECK_INT_EQ(v2x_client_next(c, 2000, &ev), 1);
	if (CHECK(ev.type == V2X_CLIENT_EV_BYE))
		CHECK_INT_EQ(ev.bye->reason, V2X__WIRE__BYE_REASON__BYE_REASON_NORMAL);
	CHECK_INT_EQ(v2x_client_next(c, 100, &ev), V2X_EEOF);
	CHECK_INT_EQ(v2x_client_subscribe(c, &b.sub, 100, &res), V2X_EEOF);
	v2x_client_free(c);
}

/* ---- a fake broker: answers the Hello (or not), then stays silent ------------ */

struct fake {
	int lfd, port;
	bool ack; /* send a HelloAck with a 300 ms timeout */
	pthread_t thread;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	V2x__Wire__HelloAck a = V2X__WIRE__HELLO_ACK__INIT;
	V2x__Wire__Frame fr = V2X__WIRE__FRAME__INIT;
	uint8_t buf[512];
	size_t len;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	(void)!read(fd, buf, sizeof(buf)); /* the Hello */
	if (f->ack) {
		a.has_heartbeat_interval_ms = 1;
		a.heartbeat_interval_ms = 100;
		a.has_timeout_ms = 1;
		a.timeout_ms = 300;
		fr.msg_case = V2X__WIRE__FRAME__MSG_HELLO_ACK;
		fr.hello_ack = &a;
		if (v2x_frame_encode(&fr, buf, sizeof(buf), &len) == 0)
			(void)!write(fd, buf, len);
	}
	/* Silent: reads what the client sends until it closes. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, bool ack)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t sl = sizeof(in);

	f->ack = ack;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&in, sizeof(in)) != 0 ||
	    listen(f->lfd, 4) != 0 || getsockname(f->lfd, (struct sockaddr *)&in, &sl) != 0 ||
	    pthread_create(&f->thread, NULL, fake_main, f) != 0)
		abort();
	f->port = ntohs(in.sin_port);
}

static struct v2x_client *fake_client(const struct fake *f, uint32_t connect_timeout_ms)
{
	struct v2x_client_config cfg;
	struct v2x_client *c = NULL;
	char addr[64], err[256];

	v2x_client_config_default(&cfg);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", f->port);
	cfg.broker = addr;
	cfg.id = "oem-all";
	cfg.credential = (const uint8_t *)"tok-all";
	cfg.credential_len = 7;
	cfg.connect_timeout_ms = connect_timeout_ms;
	CHECK_INT_EQ(v2x_client_new(&cfg, &c, err, sizeof(err)), 0);
	return c;
}

static void test_silent_broker(void)
{
	struct v2x_client_event ev;
	struct fake f;
	struct v2x_client *c;
	uint64_t t0;

	/* No HelloAck: the connect gives up after its timeout. */
	fake_start(&f, false);
	c = fake_client(&f, 300);
	t0 = v2x_clock_mono_ns() / 1000000u;
	if (c) {
		CHECK_INT_EQ(v2x_client_connect(c), V2X_ETIMEOUT);
		CHECK(strstr(v2x_client_error(c), "no HelloAck") != NULL);
	}
	CHECK(v2x_clock_mono_ns() / 1000000u - t0 >= 290);
	v2x_client_free(c);
	pthread_join(f.thread, NULL);
	close(f.lfd);

	/* A HelloAck, then silence past its 300 ms timeout: an error, not a hang. */
	fake_start(&f, true);
	c = fake_client(&f, 2000);
	if (c && CHECK(v2x_client_connect(c) == 0)) {
		t0 = v2x_clock_mono_ns() / 1000000u;
		CHECK_INT_EQ(v2x_client_next(c, 5000, &ev), V2X_ETIMEOUT);
		CHECK(strstr(v2x_client_error(c), "silent") != NULL);
		CHECK(v2x_clock_mono_ns() / 1000000u - t0 < 1000);
	}
	v2x_client_free(c);
	pthread_join(f.thread, NULL);
	close(f.lfd);
}

static void test_config_and_names(void)
{
	struct v2x_client_config cfg;
	struct v2x_client *c = NULL;
	char err[256], buf[32];

	v2x_client_config_default(&cfg);
	cfg.id = "oem-all";
	CHECK_INT_EQ(v2x_client_new(&cfg, &c, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "HOST:PORT") != NULL);
	cfg.broker = "127.0.0.1";
	CHECK_INT_EQ(v2x_client_new(&cfg, &c, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "'127.0.0.1'") != NULL);
	cfg.broker = "[::1]:7601";
	CHECK_INT_EQ(v2x_client_new(&cfg, &c, err, sizeof(err)), 0);
	v2x_client_free(c);
	c = NULL;
	cfg.unix_path = "/tmp/x.sock";
	CHECK_INT_EQ(v2x_client_new(&cfg, &c, err, sizeof(err)), V2X_EINVAL);
	cfg.broker = NULL;
	cfg.id = NULL;
	CHECK_INT_EQ(v2x_client_new(&cfg, &c, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "id") != NULL);
	v2x_client_free(NULL);

	CHECK_STR_EQ(v2x_client_enum_name(&v2x__wire__bye_reason__descriptor, 6, buf, sizeof(buf)),
	             "auth_failed");
	CHECK_STR_EQ(
	        v2x_client_enum_name(&v2x__wire__warning_type__descriptor, 3, buf, sizeof(buf)),
	        "hazard_ahead");
	CHECK_STR_EQ(v2x_client_enum_name(&v2x__wire__severity__descriptor, 77, buf, sizeof(buf)),
	             "77");
	CHECK_INT_EQ(v2x_client_enum_value(&v2x__wire__warning_type__descriptor, "hazard_ahead"),
	             3);
	CHECK_INT_EQ(v2x_client_enum_value(&v2x__wire__warning_type__descriptor, "GLOSA"), 11);
	CHECK_INT_EQ(v2x_client_enum_value(&v2x__wire__warning_type__descriptor,
	                                   "WARNING_TYPE_CURVE_SPEED"),
	             1);
	CHECK_INT_EQ(v2x_client_enum_value(&v2x__wire__warning_type__descriptor, "nope"), -1);
}

int main(void)
{
	struct srv s;

	test_config_and_names();
	srv_start(&s);
	test_warnings(&s);
	test_refused_then_ok(&s);
	test_kept_frames(&s);
	test_idle_heartbeats(&s);
	test_wrong_token(&s);
	test_bye_on_shutdown(&s); /* stops s */
	test_silent_broker();
	return check_exit();
}
