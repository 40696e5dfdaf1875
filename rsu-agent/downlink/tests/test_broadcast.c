/*
 * A Downlink request yields UDP datagrams that decode with the codec to
 * the requested RSI or RSM, at the requested rate, stopping at expiry; a
 * later start is waited for; a cancel stops a broadcast; a Downlink with
 * the same request_id replaces it.  Real UDP on 127.0.0.1, one libuv loop,
 * real time: rates are checked within 0.7x..1.3x of what was asked.
 */
#include "rsu-agent/downlink/tests/dltest.h"

#define RATE_LOW  0.7
#define RATE_HIGH 1.3

/* Checks that n, the datagrams of a span of span_ms at period_ms, is
 * within the tolerance of the rate asked for. */
static void check_rate(size_t n, uint64_t span_ms, uint32_t period_ms)
{
	double want = (double)span_ms / period_ms;

	if (!CHECK(n >= RATE_LOW * want && n <= RATE_HIGH * want))
		fprintf(stderr, "%zu datagrams in %" PRIu64 " ms at %" PRIu32 " ms: %g expected\n",
		        n, span_ms, period_ms, want);
}

/* moy is the minute of sending: the minute of receipt, or the one before
 * when a minute began in between. */
static void check_moy(const struct dlt *t, size_t i, const struct v2x_rsi *r)
{
	uint32_t at = dlt_minute_of_year(t->rx[i].wall_us);
	uint32_t before = dlt_minute_of_year(t->rx[i].wall_us - 1000000);

	CHECK(r->has_moy);
	if (!CHECK(r->moy_s == at * 60.0 || r->moy_s == before * 60.0))
		fprintf(stderr, "datagram %zu: moy %g s, received in minute %u\n", i, r->moy_s,
		        (unsigned)at);
}

/* The event, sign and reference of the sample RSI, field by field. */
static void check_rsi_content(const struct v2x_rsi *got, const struct v2x_rsi *want)
{
	const struct v2x_rte *g, *w;

	CHECK_DBL_NEAR(got->ref_pos.lat_deg, want->ref_pos.lat_deg, 1e-7);
	CHECK_DBL_NEAR(got->ref_pos.lon_deg, want->ref_pos.lon_deg, 1e-7);
	CHECK_DBL_NEAR(got->ref_pos.elev_m, want->ref_pos.elev_m, 0.1);
	if (!CHECK(got->n_rtes == 1 && got->n_rtss == 1))
		return;
	g = &got->rtes[0];
	w = &want->rtes[0];
	CHECK_UINT_EQ(g->event_type, w->event_type);
	CHECK_UINT_EQ(g->source, w->source);
	CHECK(g->has_pos);
	CHECK_DBL_NEAR(g->pos.lat_deg, w->pos.lat_deg, 1e-7);
	CHECK_DBL_NEAR(g->pos.lon_deg, w->pos.lon_deg, 1e-7);
	CHECK(g->has_radius);
	CHECK_DBL_NEAR(g->radius_m, w->radius_m, 0.05);
	CHECK(g->has_priority);
	CHECK_UINT_EQ(g->priority, w->priority);
	CHECK(g->has_time && g->time.has_start && g->time.has_end);
	CHECK_DBL_NEAR(g->time.start_moy_s, w->time.start_moy_s, 0);
	CHECK_DBL_NEAR(g->time.end_moy_s, w->time.end_moy_s, 0);
	if (CHECK(g->paths.n == 1 && g->paths.v[0].points.n == w->paths.v[0].points.n)) {
		CHECK_DBL_NEAR(g->paths.v[0].radius_m, w->paths.v[0].radius_m, 0.05);
		for (size_t k = 0; k < g->paths.v[0].points.n; k++) {
			CHECK_DBL_NEAR(g->paths.v[0].points.v[k].lat_deg,
			               w->paths.v[0].points.v[k].lat_deg, 1e-7);
			CHECK_DBL_NEAR(g->paths.v[0].points.v[k].lon_deg,
			               w->paths.v[0].points.v[k].lon_deg, 1e-7);
		}
	}
	CHECK_UINT_EQ(got->rtss[0].sign_type, want->rtss[0].sign_type);
}

static void test_rsi_rate_and_expiry(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg want;
	struct dlt t;
	int64_t end_us;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &want))
		return;
	st = agent_downlink_stats(t.dl);
	end_us = v2x_clock_wall_us() + 1000000;
	dlt_request(&t, &req, 1, &want, 50, 0, (uint64_t)end_us);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	/* The first datagram goes out before handle() returns. */
	CHECK_UINT_EQ(st->sent, 1);
	CHECK_UINT_EQ(st->active, 1);
	dlt_run_ms(&t, 1400);
	check_rate(t.n_rx, 1000, 50);
	CHECK_UINT_EQ(st->sent, t.n_rx);
	CHECK_UINT_EQ(st->started, 1);
	CHECK_UINT_EQ(st->expired, 1);
	CHECK_UINT_EQ(st->active, 0);
	CHECK_UINT_EQ(st->handle_us.count, 1);
	for (size_t i = 0; i < t.n_rx; i++) {
		const struct v2x_msg *got = dlt_decode(&t, i);

		if (!got || !CHECK(got->type == V2X_MSG_RSI))
			break;
		check_rsi_content(&got->u.rsi, &want.u.rsi);
		check_moy(&t, i, &got->u.rsi);
		dlt_check_bytes(&t, i, &want);
	}
	dlt_check_counts(&t, 0);
	/* Nothing after the end time and one period. */
	if (t.n_rx && !CHECK(t.rx[t.n_rx - 1].wall_us <= end_us + 50000))
		fprintf(stderr, "last datagram %" PRId64 " us after the end\n",
		        t.rx[t.n_rx - 1].wall_us - end_us);
	dlt_fini(&t);
}

static void check_participants(const struct v2x_rsm *got, const struct v2x_rsm *want)
{
	if (!CHECK(got->n_participants == want->n_participants))
		return;
	for (size_t k = 0; k < got->n_participants; k++) {
		const struct v2x_participant *g = &got->participants[k],
		                             *w = &want->participants[k];

		CHECK_UINT_EQ(g->ptc_type, w->ptc_type);
		CHECK_UINT_EQ(g->ptc_id, w->ptc_id);
		CHECK_UINT_EQ(g->source, w->source);
		/* Sent as measured, never made to look fresher. */
		CHECK_DBL_NEAR(g->sec_mark_s, w->sec_mark_s, 0.0005);
		CHECK_DBL_NEAR(g->pos.lat_deg, w->pos.lat_deg, 1e-7);
		CHECK_DBL_NEAR(g->pos.lon_deg, w->pos.lon_deg, 1e-7);
		CHECK_DBL_NEAR(g->speed_mps, w->speed_mps, 0.01);
		CHECK_DBL_NEAR(g->heading_deg, w->heading_deg, 0.0125);
		CHECK_DBL_NEAR(g->size.length_m, w->size.length_m, 0.01);
	}
}

static void test_rsm(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg want;
	struct dlt t;
	int64_t end_us;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSM, &want))
		return;
	st = agent_downlink_stats(t.dl);
	end_us = v2x_clock_wall_us() + 800000;
	dlt_request(&t, &req, 2, &want, 100, 0, (uint64_t)end_us);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 1100);
	check_rate(t.n_rx, 800, 100);
	CHECK_UINT_EQ(st->sent, t.n_rx);
	CHECK_UINT_EQ(st->expired, 1);
	CHECK_UINT_EQ(st->active, 0);
	for (size_t i = 0; i < t.n_rx; i++) {
		const struct v2x_msg *got = dlt_decode(&t, i);

		if (!got || !CHECK(got->type == V2X_MSG_RSM))
			break;
		check_participants(&got->u.rsm, &want.u.rsm);
		dlt_check_bytes(&t, i, &want);
	}
	dlt_check_counts(&t, 0);
	if (t.n_rx)
		CHECK(t.rx[t.n_rx - 1].wall_us <= end_us + 100000);
	dlt_fini(&t);
}

/* A start time ahead: nothing until then, then the rate asked for. */
static void test_later_start(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req;
	struct v2x_msg want;
	struct dlt t;
	int64_t start_us, end_us;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &want))
		return;
	st = agent_downlink_stats(t.dl);
	start_us = v2x_clock_wall_us() + 300000;
	end_us = start_us + 500000;
	dlt_request(&t, &req, 3, &want, 50, (uint64_t)start_us, (uint64_t)end_us);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	CHECK_UINT_EQ(st->sent, 0);
	CHECK_UINT_EQ(st->active, 1);
	dlt_run_ms(&t, 900);
	check_rate(t.n_rx, 500, 50);
	/* The loop's clock has millisecond resolution. */
	if (t.n_rx)
		CHECK(t.rx[0].wall_us >= start_us - 1000);
	CHECK_UINT_EQ(st->active, 0);
	dlt_fini(&t);
}

static void test_cancel(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req, stop;
	V2x__Wire__DownlinkCancel c;
	struct v2x_msg want;
	struct dlt t;
	uint64_t sent;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &want))
		return;
	st = agent_downlink_stats(t.dl);
	/* No end time: until cancelled. */
	dlt_request(&t, &req, 7, &want, 50, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 400);
	check_rate(t.n_rx, 400, 50);
	dlt_cancel(&stop, &c, 7);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &stop), 0);
	sent = st->sent;
	CHECK_UINT_EQ(st->cancelled, 1);
	CHECK_UINT_EQ(st->active, 0);
	dlt_run_ms(&t, 300);
	CHECK_UINT_EQ(st->sent, sent);
	CHECK_UINT_EQ(t.n_rx, sent);
	/* Cancelling again finds nothing, and says so. */
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &stop), 0);
	CHECK_UINT_EQ(st->cancel_unknown, 1);
	CHECK_UINT_EQ(st->cancelled, 1);
	dlt_check_counts(&t, 0);
	dlt_fini(&t);
}

static uint16_t event_of(struct dlt *t, size_t i)
{
	const struct v2x_msg *m = dlt_decode(t, i);

	return m && m->type == V2X_MSG_RSI && m->u.rsi.n_rtes ? m->u.rsi.rtes[0].event_type : 0;
}

static void test_replace(void)
{
	struct agent_downlink_cfg cfg = { 0 };
	const struct agent_downlink_stats *st;
	V2x__Wire__Downlink req, again;
	struct v2x_msg first, second;
	struct dlt t;
	size_t n_first = 0;

	if (dlt_init(&t) || dlt_open(&t, &cfg) || dlt_sample(&t, V2X_MSG_RSI, &first) ||
	    dlt_sample(&t, V2X_MSG_RSI, &second))
		return;
	st = agent_downlink_stats(t.dl);
	second.u.rsi.rtes[0].event_type = 707; /* ice instead of rockfall */
	second.u.rsi.rtes[0].radius_m = 120.0;
	dlt_request(&t, &req, 9, &first, 50, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &req), 0);
	dlt_run_ms(&t, 300);
	dlt_request(&t, &again, 9, &second, 100, 0, 0);
	CHECK_INT_EQ(agent_downlink_handle(t.dl, &again), 0);
	CHECK_UINT_EQ(st->started, 1);
	CHECK_UINT_EQ(st->replaced, 1);
	CHECK_UINT_EQ(st->active, 1);
	dlt_run_ms(&t, 500);
	/* The old content up to the replacement, then only the new one, at
	 * the new period. */
	while (n_first < t.n_rx && event_of(&t, n_first) == 401)
		n_first++;
	check_rate(n_first, 300, 50);
	check_rate(t.n_rx - n_first, 500, 100);
	for (size_t i = n_first; i < t.n_rx; i++) {
		CHECK_UINT_EQ(event_of(&t, i), 707);
		dlt_check_bytes(&t, i, &second);
	}
	/* One msgCnt sequence for the RSU's RSI across the replacement. */
	dlt_check_counts(&t, 0);
	dlt_fini(&t);
}

int main(void)
{
	test_rsi_rate_and_expiry();
	test_rsm();
	test_later_start();
	test_cancel();
	test_replace();
	return check_exit();
}
