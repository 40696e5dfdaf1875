/*
 * test_pipeline_util: what the pipeline tests share: an emit callback that
 * keeps the last observation (packed with protobuf-c, as the agent sends
 * it) and checks of the pipeline's counters that must hold whatever the
 * input.  Header-only, like tests/check.h.
 */
#ifndef V2X_RSU_AGENT_INGEST_TESTS_PIPELINE_UTIL_H
#define V2X_RSU_AGENT_INGEST_TESTS_PIPELINE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codecs/wire/v2x.pb-c.h"
#include "rsu-agent/ingest/pipeline.h"
#include "tests/check.h"

/* Room for the packed observation of any message the codec accepts. */
#define TP_PACKED_CAP (1u << 18)

/* What the emit callback saw; set p after agent_pipeline_new. */
struct tp_sink {
	struct agent_pipeline *p;
	int fail_rc; /* what emit returns */
	size_t calls;
	/* The last observation and its message. */
	enum v2x_msg_type type;
	uint8_t bsm_msg_cnt;
	char rsu_id[AGENT_PIPELINE_RSU_ID_MAX + 1];
	uint64_t rx_time_us;
	bool replayed;
	bool has_uper;
	size_t uper_len;
	uint8_t uper[TP_PACKED_CAP];
	uint32_t flags;
	/* agent_pipeline_current() during the call, its id copied. */
	struct agent_pipeline_datagram cur;
	char cur_id[AGENT_PIPELINE_RSU_ID_MAX + 1];
	size_t packed_len; /* 0 when the observation did not fit */
	uint8_t packed[TP_PACKED_CAP];
};

static inline void tp_copy_envelope(struct tp_sink *s, const V2x__Wire__Observation *obs)
{
	snprintf(s->rsu_id, sizeof(s->rsu_id), "%s", obs->rsu_id ? obs->rsu_id : "(null)");
	s->rx_time_us = obs->has_rx_time_us ? obs->rx_time_us : 0;
	s->replayed = obs->has_replayed && obs->replayed;
	s->flags = obs->flags;
	s->has_uper = obs->has_uper != 0;
	s->uper_len = 0;
	if (obs->has_uper && obs->uper.len <= sizeof(s->uper)) {
		memcpy(s->uper, obs->uper.data, obs->uper.len);
		s->uper_len = obs->uper.len;
	}
}

static inline int tp_emit(void *arg, V2x__Wire__Observation *obs, const struct v2x_msg *msg)
{
	struct tp_sink *s = arg;
	size_t need = v2x__wire__observation__get_packed_size(obs);

	s->calls++;
	s->type = msg->type;
	s->bsm_msg_cnt = msg->type == V2X_MSG_BSM ? msg->u.bsm.msg_cnt : 0;
	tp_copy_envelope(s, obs);
	s->cur = *agent_pipeline_current(s->p);
	snprintf(s->cur_id, sizeof(s->cur_id), "%s", s->cur.rsu_id ? s->cur.rsu_id : "(null)");
	s->packed_len =
	        need <= sizeof(s->packed) ? v2x__wire__observation__pack(obs, s->packed) : 0;
	CHECK(s->packed_len == need);
	return s->fail_rc;
}

static inline uint64_t tp_sum(const uint64_t *v, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

/*
 * Checks that every datagram, frame and message is accounted for exactly
 * once by the pipeline's counters, whatever the input was.
 */
static inline void tp_check_accounting(const struct agent_pipeline *p)
{
	const struct agent_pipeline_stats *s = agent_pipeline_stats(p);
	const struct v2x_codec_stats *c = agent_pipeline_codec_stats(p);
	uint64_t decoded = tp_sum(s->decoded, V2X_MSG_TYPE_COUNT);
	uint64_t rejected = tp_sum(s->rejected, AGENT_VALIDATE_CAUSE_COUNT);

	CHECK(tp_sum(s->framing_errors, V2X_ERR_COUNT) <= s->datagrams);
	CHECK_UINT_EQ(s->frames, s->decode_failed + decoded);
	CHECK_UINT_EQ(s->decode_failed, tp_sum(c->decode_errors, V2X_ERR_COUNT));
	CHECK_UINT_EQ(decoded, tp_sum(c->decoded, V2X_MSG_TYPE_COUNT));
	CHECK_UINT_EQ(decoded, rejected + s->convert_failed + s->emitted_total + s->emit_failed);
	CHECK_UINT_EQ(s->rejected[AGENT_VALIDATE_OK], 0);
	CHECK_UINT_EQ(rejected, tp_sum(s->rejected_by_type, V2X_MSG_TYPE_COUNT));
	CHECK_UINT_EQ(s->emitted_total, tp_sum(s->emitted, V2X_MSG_TYPE_COUNT));
	CHECK_UINT_EQ(s->latency.count, s->emitted_total + s->emit_failed);
	CHECK_UINT_EQ(s->latency.count, tp_sum(s->latency.buckets, AGENT_PIPELINE_LATENCY_BUCKETS));
}

/* The deployment's box around the test field (codecs/samples.h). */
static inline void tp_chongqing_box(struct agent_validate_config *v)
{
	v->south_deg = 29.0;
	v->north_deg = 30.5;
	v->west_deg = 105.5;
	v->east_deg = 107.5;
}

#endif
