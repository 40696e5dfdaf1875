/*
 * dltest: what the downlink tests share: a libuv loop with a "radio" (a
 * UDP socket on 127.0.0.1 that records every datagram it receives), the
 * module under test sending to it, and Downlink requests built from the
 * codec's sample RSI and RSM.
 *
 * Header-only, like tests/check.h, whose failure counter is per program
 * file: the checks made here count in the test that includes it.
 */
#ifndef V2X_RSU_AGENT_DOWNLINK_TESTS_DLTEST_H
#define V2X_RSU_AGENT_DOWNLINK_TESTS_DLTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "codecs/codec.h"
#include "codecs/msg.h"
#include "codecs/samples.h"
#include "codecs/wire/convert.h"
#include "codecs/wire/v2x.pb-c.h"
#include "rsu-agent/downlink/downlink.h"
#include "runtime/arena.h"
#include "runtime/clock.h"
#include "runtime/err.h"
#include "tests/check.h"

#define DLT_STATION      "0000000000c0ffee"
#define DLT_RSU          "cq-g65-k12-rsu3"
#define DLT_RX_MAX       512
#define DLT_DATAGRAM_MAX 2048

/* One datagram the radio received. */
struct dlt_rx {
	uint8_t data[DLT_DATAGRAM_MAX];
	size_t len;
	int64_t wall_us; /* when it was read */
};

struct dlt {
	uv_loop_t loop;
	uv_udp_t radio;
	uv_timer_t stop;
	int port;
	char radio_addr[32];
	struct dlt_rx *rx; /* DLT_RX_MAX of them */
	size_t n_rx;
	size_t rx_dropped;                 /* beyond DLT_RX_MAX */
	uint8_t scratch[DLT_DATAGRAM_MAX]; /* where those are read */
	struct agent_downlink *dl;
	bool dl_closed;
	struct v2x_codec *codec; /* the test's own, for decoding and references */
	struct v2x_arena arena;  /* requests and reference messages */
};

static inline void dlt_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dlt *t = h->data;

	(void)suggested;
	if (t->n_rx < DLT_RX_MAX)
		*buf = uv_buf_init((char *)t->rx[t->n_rx].data, DLT_DATAGRAM_MAX);
	else
		*buf = uv_buf_init((char *)t->scratch, sizeof(t->scratch));
}

static inline void dlt_on_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf,
                               const struct sockaddr *from, unsigned flags)
{
	struct dlt *t = h->data;

	(void)buf;
	(void)flags;
	if (n == 0 && !from)
		return;
	CHECK(n > 0);
	if (n <= 0)
		return;
	if (t->n_rx >= DLT_RX_MAX) {
		t->rx_dropped++;
		return;
	}
	t->rx[t->n_rx].len = (size_t)n;
	t->rx[t->n_rx].wall_us = v2x_clock_wall_us();
	t->n_rx++;
}

/* Starts the loop and the radio.  Returns 0 or a check failed. */
static inline int dlt_init(struct dlt *t)
{
	int failures = check_failures;
	struct sockaddr_in sa;
	struct sockaddr_storage bound;
	int len = sizeof(bound);

	memset(t, 0, sizeof(*t));
	t->rx = calloc(DLT_RX_MAX, sizeof(*t->rx));
	t->codec = v2x_codec_new(NULL);
	v2x_arena_init(&t->arena, 16384, 0);
	if (!CHECK(t->rx && t->codec) || !CHECK(uv_loop_init(&t->loop) == 0))
		return -1;
	t->radio.data = t;
	CHECK_INT_EQ(uv_udp_init(&t->loop, &t->radio), 0);
	CHECK_INT_EQ(uv_timer_init(&t->loop, &t->stop), 0);
	CHECK_INT_EQ(uv_ip4_addr("127.0.0.1", 0, &sa), 0);
	CHECK_INT_EQ(uv_udp_bind(&t->radio, (const struct sockaddr *)&sa, 0), 0);
	CHECK_INT_EQ(uv_udp_getsockname(&t->radio, (struct sockaddr *)&bound, &len), 0);
	t->port = ntohs(((const struct sockaddr_in *)&bound)->sin_port);
	snprintf(t->radio_addr, sizeof(t->radio_addr), "127.0.0.1:%d", t->port);
	CHECK_INT_EQ(uv_udp_recv_start(&t->radio, dlt_on_alloc, dlt_on_recv), 0);
	return check_failures > failures ? -1 : 0;
}

/* Creates t->dl from cfg (radio_addr and, when NULL, station_id and
 * rsu_ids filled in by the fixture).  Returns agent_downlink_new()'s code. */
static inline int dlt_open(struct dlt *t, struct agent_downlink_cfg *cfg)
{
	static const char *const ids[] = { DLT_RSU };
	char err[256] = "";
	int rc;

	if (!cfg->radio_addr)
		cfg->radio_addr = t->radio_addr;
	if (!cfg->station_id)
		cfg->station_id = DLT_STATION;
	if (!cfg->rsu_ids) {
		cfg->rsu_ids = ids;
		cfg->n_rsu_ids = 1;
	}
	rc = agent_downlink_new(&t->loop, cfg, NULL, &t->dl, err, sizeof(err));
	if (rc)
		fprintf(stderr, "agent_downlink_new: %s\n", err);
	return rc;
}

static inline void dlt_on_stop(uv_timer_t *timer)
{
	uv_stop(timer->loop);
}

/* Runs the loop for ms milliseconds of real time (timers, not sleeps). */
static inline void dlt_run_ms(struct dlt *t, uint64_t ms)
{
	uv_update_time(&t->loop);
	uv_timer_start(&t->stop, dlt_on_stop, ms, 0);
	uv_run(&t->loop, UV_RUN_DEFAULT);
}

static inline void dlt_on_closed(void *arg)
{
	struct dlt *t = arg;

	t->dl_closed = true;
}

/* Closes the module and the radio, runs the loop until every handle is
 * closed and checks that the loop closes with nothing left on it. */
static inline void dlt_fini(struct dlt *t)
{
	if (t->dl)
		agent_downlink_close(t->dl, dlt_on_closed, t);
	uv_close((uv_handle_t *)&t->radio, NULL);
	uv_close((uv_handle_t *)&t->stop, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	CHECK(!t->dl || t->dl_closed);
	CHECK_INT_EQ(uv_loop_close(&t->loop), 0);
	CHECK_UINT_EQ(t->rx_dropped, 0);
	v2x_arena_fini(&t->arena);
	v2x_codec_free(t->codec);
	free(t->rx);
}

/* The sample message of type, in t->arena. */
static inline int dlt_sample(struct dlt *t, enum v2x_msg_type type, struct v2x_msg *out)
{
	return v2x_sample_build(type, &t->arena, out);
}

static inline void *dlt_pb_new(struct dlt *t, const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = v2x_arena_alloc(&t->arena, desc->sizeof_message);

	if (m)
		protobuf_c_message_init(desc, m);
	return m;
}

static inline int dlt_fill_action(struct dlt *t, V2x__Wire__Downlink *d,
                                  const V2x__Wire__Observation *obs)
{
	if (obs->msg_case == V2X__WIRE__OBSERVATION__MSG_RSI) {
		d->rsi = dlt_pb_new(t, &v2x__wire__rsi_broadcast__descriptor);
		if (!d->rsi)
			return V2X_ENOMEM;
		d->rsi->ref_pos = obs->rsi->ref_pos;
		d->rsi->n_rtes = obs->rsi->n_rtes;
		d->rsi->rtes = obs->rsi->rtes;
		d->rsi->n_rtss = obs->rsi->n_rtss;
		d->rsi->rtss = obs->rsi->rtss;
		d->action_case = V2X__WIRE__DOWNLINK__ACTION_RSI;
		return 0;
	}
	d->rsm = dlt_pb_new(t, &v2x__wire__rsm_broadcast__descriptor);
	if (!d->rsm)
		return V2X_ENOMEM;
	d->rsm->ref_pos = obs->rsm->ref_pos;
	d->rsm->n_participants = obs->rsm->n_participants;
	d->rsm->participants = obs->rsm->participants;
	d->action_case = V2X__WIRE__DOWNLINK__ACTION_RSM;
	return 0;
}

/*
 * Sets d (initialised here) to a Downlink for request_id broadcasting msg
 * (an RSI or RSM; its msgCnt, moy and id are ignored, as the broker sends
 * none); the repeat period (0: none given) and the window (0: absent),
 * µs since the epoch.  Its parts live in t->arena.
 */
static inline int dlt_request(struct dlt *t, V2x__Wire__Downlink *d, uint64_t request_id,
                              const struct v2x_msg *msg, uint32_t repeat_ms, uint64_t start_us,
                              uint64_t end_us)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	int rc;

	v2x__wire__downlink__init(d);
	d->has_request_id = 1;
	d->request_id = request_id;
	d->has_repeat_interval_ms = repeat_ms != 0;
	d->repeat_interval_ms = repeat_ms;
	d->has_start_time_us = start_us != 0;
	d->start_time_us = start_us;
	d->has_end_time_us = end_us != 0;
	d->end_time_us = end_us;
	rc = v2x_wire_msg_to_obs(msg, &t->arena, &obs);
	if (rc == 0)
		rc = dlt_fill_action(t, d, &obs);
	CHECK_INT_EQ(rc, 0);
	return rc;
}

/* Sets d (initialised here) to a DownlinkCancel of request_id. */
static inline void dlt_cancel(V2x__Wire__Downlink *d, V2x__Wire__DownlinkCancel *c,
                              uint64_t request_id)
{
	v2x__wire__downlink__init(d);
	v2x__wire__downlink_cancel__init(c);
	c->has_request_id = 1;
	c->request_id = request_id;
	d->action_case = V2X__WIRE__DOWNLINK__ACTION_CANCEL;
	d->cancel = c;
}

/* Decodes datagram i with t->codec; NULL (a failed check) when it does not. */
static inline const struct v2x_msg *dlt_decode(struct dlt *t, size_t i)
{
	const struct v2x_msg *m = NULL;
	int rc = v2x_codec_decode(t->codec, t->rx[i].data, t->rx[i].len, &m);

	if (rc) {
		CHECK_INT_EQ(rc, 0);
		fprintf(stderr, "datagram %zu: %s\n", i, v2x_codec_error(t->codec));
		return NULL;
	}
	return m;
}

static inline uint8_t dlt_msg_cnt(const struct v2x_msg *m)
{
	return m->type == V2X_MSG_RSI ? m->u.rsi.msg_cnt : m->u.rsm.msg_cnt;
}

/*
 * Checks that datagram i is exactly what the codec makes of want (whose
 * msgCnt, moy and id are set here from what the datagram carries and the
 * station id): every field of the request reached the air.
 */
static inline void dlt_check_bytes(struct dlt *t, size_t i, struct v2x_msg *want)
{
	static const uint8_t station[V2X_ID_LEN] = { 0, 0, 0, 0, 0, 0xc0, 0xff, 0xee };
	const struct v2x_msg *got = dlt_decode(t, i);
	uint8_t buf[DLT_DATAGRAM_MAX];
	size_t len = 0;

	if (!got || !CHECK(got->type == want->type))
		return;
	if (want->type == V2X_MSG_RSI) {
		want->u.rsi.msg_cnt = got->u.rsi.msg_cnt;
		want->u.rsi.has_moy = got->u.rsi.has_moy;
		want->u.rsi.moy_s = got->u.rsi.moy_s;
		memcpy(want->u.rsi.id, station, V2X_ID_LEN);
	} else {
		want->u.rsm.msg_cnt = got->u.rsm.msg_cnt;
		memcpy(want->u.rsm.id, station, V2X_ID_LEN);
	}
	CHECK_INT_EQ(v2x_codec_encode(t->codec, want, buf, sizeof(buf), &len), 0);
	CHECK_UINT_EQ(t->rx[i].len, len);
	CHECK(len == t->rx[i].len && memcmp(buf, t->rx[i].data, len) == 0);
}

/* Checks that the msgCnt of datagrams from..n_rx-1 go up by one, 127 -> 0. */
static inline void dlt_check_counts(struct dlt *t, size_t from)
{
	int prev = -1;

	for (size_t i = from; i < t->n_rx; i++) {
		const struct v2x_msg *m = dlt_decode(t, i);
		int cnt;

		if (!m)
			return;
		cnt = dlt_msg_cnt(m);
		if (prev >= 0 && cnt != ((prev + 1) & 0x7f)) {
			CHECK_INT_EQ(cnt, (prev + 1) & 0x7f);
			fprintf(stderr, "msgCnt of datagram %zu\n", i);
		}
		prev = cnt;
	}
}

/* The minute of the year of wall_us, computed independently of patch.c. */
static inline uint32_t dlt_minute_of_year(int64_t wall_us)
{
	time_t now = (time_t)(wall_us / 1000000);
	struct tm tm;

	gmtime_r(&now, &tm);
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (uint32_t)((now - timegm(&tm)) / 60);
}
#endif
