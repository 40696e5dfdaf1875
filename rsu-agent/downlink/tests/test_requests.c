/*
 * What the downlink does with each kind of request and configuration:
 * addressing by rsu_ids, the limit on broadcasts at once, invalid and
 * unencodable requests (and a failed replacement), requests already over,
 * max_duration_ms, a radio that is not listening, bad configurations, and
 * the metrics it registers.  Every refusal must be counted and must put
 * nothing on the air.
 */
#include "rsu-agent/downlink/tests/dltest.h"
#include "runtime/metrics.h"
#include "runtime/tests/exposition.h"

static void test_addressing(void)
{
	static const char *const ids[] = { DLT_RSU, "k12-alias" };
	char other[] = "cq-g65-k13-rsu1", alias[] = "k12-alias";
	char *others[] = { other }, *mixed[] = { other, alias };
	struct agent_downlink_cfg cfg = { .rsu_ids = ids, .n_rsu_ids = 2 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	req.n_rsu_ids = 1;
	req.rsu_ids = others;
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->ignored, 1);
	CHECK_UINT_EQ(st->started, 0);
	CHECK_UINT_EQ(st->sent, 0);
	/* One of the ids is this agent's alias. */
	req.n_rsu_ids = 2;
	req.rsu_ids = mixed;
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->started, 1);
	/* No ids: for the agent the request came to. */
	dlt_request(&t, &req, 2, &m, 0, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->started, 2);
	CHECK_UINT_EQ(st->active, 2);
	CHECK_UINT_EQ(st->ignored, 1);
	CHECK_UINT_EQ(st->requests, 3);
	dlt_run_ms(&t, 50);
	CHECK_UINT_EQ(t.n_rx, st->sent);
	CHECK(t.n_rx >= 2);
	dlt_fini(&t);
}

static void test_full(void)
{
	struct agent_downlink_cfg cfg = { .max_requests = 2 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req, stop;
	V2x__Wire__DownlinkCancel c;
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSM, &m))
		return;
	st = agent_downlink_stats(t.dl);
	for (uint64_t id = 1; id <= 2; id++) {
		dlt_request(&t, &req, id, &m, 0, 0, 0);
		CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	}
	dlt_request(&t, &req, 3, &m, 0, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), V2X_ETOO_BIG);
	CHECK_UINT_EQ(st->refused, 1);
	CHECK_UINT_EQ(st->active, 2);
	CHECK_UINT_EQ(st->sent, 2);
	/* Replacing one that is on needs no new slot. */
	dlt_request(&t, &req, 2, &m, 0, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->replaced, 1);
	/* Once one ends, there is room again. */
	dlt_cancel(&stop, &c, 1);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &stop), 0);
	dlt_request(&t, &req, 3, &m, 0, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->started, 3);
	CHECK_UINT_EQ(st->refused, 1);
	CHECK_UINT_EQ(st->active, 2);
	dlt_fini(&t);
}

/* Each refused request: its code, its counter, nothing sent. */
static void expect_refused(struct dlt *t, const V2x__Wire__Downlink *req, int code,
                           const uint64_t *counter, uint64_t *expected)
{
	const struct agent_downlink_stats *st = agent_downlink_stats(t->dl);
	uint64_t sent = st->sent, active = st->active;

	CHECK_INT_EQ(agent_downlink_handle(t->dl, req), code);
	CHECK_UINT_EQ(*counter, ++*expected);
	CHECK_UINT_EQ(st->sent, sent);
	CHECK_UINT_EQ(st->active, active);
}

static void test_invalid(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	V2x__Wire__DownlinkCancel c;
	uint64_t invalid = 0, encode = 0;
	uint64_t now_us = (uint64_t)v2x_clock_wall_us();
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	v2x__wire__downlink__init(&req);
	req.has_request_id = 1;
	expect_refused(&t, &req, V2X_EINVAL, &st->invalid, &invalid); /* no action */
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	req.has_request_id = 0;
	expect_refused(&t, &req, V2X_EINVAL, &st->invalid, &invalid); /* no request_id */
	dlt_request(&t, &req, 1, &m, 0, now_us + 2000000, now_us + 1000000);
	expect_refused(&t, &req, V2X_EINVAL, &st->invalid, &invalid); /* ends before it starts */
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	req.rsi->ref_pos = NULL;
	expect_refused(&t, &req, V2X_EINVAL, &st->invalid, &invalid);
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	req.rsi->n_rtes = req.rsi->n_rtss = 0;
	expect_refused(&t, &req, V2X_EINVAL, &st->invalid, &invalid); /* nothing to say */
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	req.rsi->rtes[0]->event_type = 70000; /* not a uint16: the conversion refuses it */
	expect_refused(&t, &req, V2X_ERANGE, &st->invalid, &invalid);
	dlt_cancel(&req, &c, 1);
	c.has_request_id = 0;
	expect_refused(&t, &req, V2X_EINVAL, &st->invalid, &invalid); /* cancel of what? */
	/* Converts, but the codec refuses it: a radius above 6553.5 m. */
	m.u.rsi.rtes[0].radius_m = 7000.0;
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	expect_refused(&t, &req, V2X_ERANGE, &st->encode_errors, &encode);
	CHECK_UINT_EQ(st->started, 0);
	CHECK_UINT_EQ(st->requests, 8);
	dlt_run_ms(&t, 50);
	CHECK_UINT_EQ(t.n_rx, 0);
	dlt_fini(&t);
}

/* A replacement that fails ends the broadcast it was to replace. */
static void test_failed_replacement(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	struct dlt t;
	size_t n;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	dlt_request(&t, &req, 5, &m, 20, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 100);
	m.u.rsi.rtes[0].radius_m = 7000.0;
	dlt_request(&t, &req, 5, &m, 20, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), V2X_ERANGE);
	CHECK_UINT_EQ(st->encode_errors, 1);
	CHECK_UINT_EQ(st->active, 0);
	dlt_run_ms(&t, 20);
	n = t.n_rx;
	CHECK(n > 0);
	CHECK_UINT_EQ(n, st->sent);
	dlt_run_ms(&t, 100);
	CHECK_UINT_EQ(t.n_rx, n);
	dlt_fini(&t);
}

/* A message larger than max_datagram is refused, not cut. */
static void test_too_big(void)
{
	struct agent_downlink_cfg cfg = { .max_datagram = 40 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	uint64_t encode = 0;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	dlt_request(&t, &req, 1, &m, 0, 0, 0);
	expect_refused(&t, &req, V2X_ETOO_BIG, &st->encode_errors, &encode);
	dlt_fini(&t);
}

static void test_already_over(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	uint64_t now_us = (uint64_t)v2x_clock_wall_us();
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSM, &m))
		return;
	st = agent_downlink_stats(t.dl);
	dlt_request(&t, &req, 4, &m, 0, now_us - 60000000, now_us - 1000000);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->expired, 1);
	CHECK_UINT_EQ(st->started, 0);
	CHECK_UINT_EQ(st->active, 0);
	/* One that is on ends when the broker's newer version of it is over. */
	dlt_request(&t, &req, 6, &m, 0, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_request(&t, &req, 6, &m, 0, now_us - 60000000, now_us - 1000000);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->expired, 2);
	CHECK_UINT_EQ(st->active, 0);
	dlt_run_ms(&t, 150);
	CHECK_UINT_EQ(t.n_rx, 1);
	dlt_fini(&t);
}

static void test_max_duration(void)
{
	struct agent_downlink_cfg cfg = { .max_duration_ms = 300 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	dlt_request(&t, &req, 8, &m, 50, 0, 0); /* no end time */
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 600);
	CHECK_UINT_EQ(st->expired, 1);
	CHECK_UINT_EQ(st->active, 0);
	CHECK(t.n_rx >= 4 && t.n_rx <= 8);
	dlt_fini(&t);
}

/* Repeats and min_repeat_ms: a period asked for below it is raised. */
static void test_min_repeat(void)
{
	struct agent_downlink_cfg cfg = { .repeat_ms = 100, .min_repeat_ms = 50 };
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	dlt_request(&t, &req, 1, &m, 5, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 500);
	/* 10 at 50 ms; 100 at the 5 ms asked for. */
	if (!CHECK(t.n_rx >= 7 && t.n_rx <= 13))
		fprintf(stderr, "%zu datagrams\n", t.n_rx);
	dlt_fini(&t);
}

/* A radio that is not listening: errors counted, the broadcast goes on. */
static void test_radio_down(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	struct dlt t;

	if (dlt_init(&t))
		return;
	/* The fixture's radio stops listening: ICMP port unreachable. */
	uv_udp_recv_stop(&t.radio);
	uv_close((uv_handle_t *)&t.radio, NULL);
	uv_run(&t.loop, UV_RUN_NOWAIT);
	uv_udp_init(&t.loop, &t.radio);
	if (dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	dlt_request(&t, &req, 1, &m, 20, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 200);
	CHECK(st->send_errors > 0);
	CHECK(st->sent + st->send_errors >= 7);
	CHECK_UINT_EQ(st->active, 1);
	dlt_fini(&t);
}

static void expect_config_error(uv_loop_t *loop, const struct agent_downlink_cfg *cfg,
                                const char *what)
{
	char sentinel = 0;
	struct agent_downlink *dl = (void *)&sentinel; /* must be set to NULL */
	char err[256] = "";

	CHECK_INT_EQ(agent_downlink_new(loop, cfg, NULL, &dl, err, sizeof(err)), V2X_ECONFIG);
	CHECK(dl == NULL);
	if (!CHECK(strstr(err, what) != NULL))
		fprintf(stderr, "error '%s' does not name '%s'\n", err, what);
}

static void test_config(void)
{
	static const char *const ids[] = { DLT_RSU }, *const empty[] = { "" };
	struct agent_downlink_cfg ok = { .rsu_ids = ids,
		                         .n_rsu_ids = 1,
		                         .station_id = DLT_STATION,
		                         .radio_addr = "127.0.0.1:30301" };
	struct agent_downlink_cfg c;
	struct agent_downlink *dl = NULL;
	uv_loop_t loop;

	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	c = ok;
	c.station_id = "c0ffee";
	expect_config_error(&loop, &c, "c0ffee");
	c.station_id = "000000000000c0fg";
	expect_config_error(&loop, &c, "station id");
	c = ok;
	c.radio_addr = "localhost:30301";
	expect_config_error(&loop, &c, "localhost:30301");
	c.radio_addr = "127.0.0.1";
	expect_config_error(&loop, &c, "radio address");
	c.radio_addr = "127.0.0.1:70000";
	expect_config_error(&loop, &c, "radio address");
	c.radio_addr = "[::1:30301";
	expect_config_error(&loop, &c, "radio address");
	c = ok;
	c.n_rsu_ids = 0;
	expect_config_error(&loop, &c, "rsu_ids");
	c.rsu_ids = empty;
	c.n_rsu_ids = 1;
	expect_config_error(&loop, &c, "rsu_ids[0]");
	c = ok;
	c.max_datagram = 70000;
	expect_config_error(&loop, &c, "max_datagram");
	/* Nothing was left on the loop. */
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
	/* Closing with no callback, and NULL. */
	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	c = ok;
	c.radio_addr = "[::1]:30301";
	if (agent_downlink_new(&loop, &c, NULL, &dl, NULL, 0) != 0) {
		/* No IPv6 here: the same through IPv4. */
		CHECK_INT_EQ(agent_downlink_new(&loop, &ok, NULL, &dl, NULL, 0), 0);
	}
	agent_downlink_close(dl, NULL, NULL);
	agent_downlink_close(NULL, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
}

static double sample(const struct expo *e, const char *name, const char *reason)
{
	const struct expo_sample *s =
	        reason ? expo_find(e, name, "rsu", DLT_RSU, "reason", reason, EXPO_END)
	               : expo_find(e, name, "rsu", DLT_RSU, EXPO_END);

	if (!CHECK(s != NULL)) {
		fprintf(stderr, "no sample %s{reason=%s}\n", name, reason ? reason : "");
		return NAN;
	}
	return s->value;
}

static void test_metrics(void)
{
	struct agent_downlink_cfg cfg = { .max_requests = 1 };
	struct v2x_metric_label rsu = { "rsu", DLT_RSU };
	const struct agent_downlink_stats *st;
	struct v2x_metrics_buf buf = { 0 };
	struct v2x_metrics reg;
	V2x__Wire__Downlink req;
	struct v2x_msg m;
	struct expo e;
	struct dlt t;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &m))
		return;
	st = agent_downlink_stats(t.dl);
	v2x_metrics_init(&reg);
	CHECK_INT_EQ(agent_downlink_metrics_add(t.dl, &reg, &rsu, 1), 0);
	dlt_request(&t, &req, 1, &m, 50, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_request(&t, &req, 2, &m, 50, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), V2X_ETOO_BIG);
	dlt_run_ms(&t, 120);
	CHECK_INT_EQ(v2x_metrics_render(&reg, &buf), 0);
	if (CHECK(expo_parse(buf.data, &e) == 0)) {
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_requests_total", NULL), 2, 0);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_started_total", NULL), 1, 0);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_sent_total", NULL), (double)st->sent,
		               0);
		CHECK(st->sent >= 2);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_refused_total", "full"), 1, 0);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_refused_total", "invalid"), 0, 0);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_ended_total", "expired"), 0, 0);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_active", NULL), 1, 0);
		CHECK_DBL_NEAR(sample(&e, "v2x_agent_downlink_handle_seconds_count", NULL), 1, 0);
		expo_free(&e);
	} else {
		fprintf(stderr, "%s\n%s\n", e.err, buf.data);
	}
	v2x_metrics_buf_fini(&buf);
	v2x_metrics_fini(&reg);
	dlt_fini(&t);
}

int main(void)
{
	test_addressing();
	test_full();
	test_invalid();
	test_failed_replacement();
	test_too_big();
	test_already_over();
	test_max_duration();
	test_min_repeat();
	test_radio_down();
	test_config();
	test_metrics();
	return check_exit();
}
