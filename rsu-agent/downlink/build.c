/*
 * build: the message a Downlink asks for, from its RsiBroadcast or
 * RsmBroadcast, encoded once.
 *
 * The broadcast messages carry what an Rsi or Rsm of an Observation
 * carries, less the fields the agent sets itself (msg_cnt, id, moy_s).  So
 * the conversion wraps them, without copying, in an Rsi or Rsm with this
 * RSU's station id and hands that to the wire protocol's public
 * conversion: the same checks and the same mapping as for observations,
 * and no second copy of it here.
 */
#include <stdio.h>
#include <string.h>

#include "codecs/wire/convert.h"
#include "rsu-agent/downlink/downlink_int.h"
#include "runtime/err.h"

/*
 * Values the first encoding carries in msgCnt and moy: alternating bits,
 * so that finding them at the offsets patch.c expects proves the layout.
 * PROBE_MOY is a valid MinuteOfTheYear (at most 527039).
 */
#define PROBE_CNT 0x55u
#define PROBE_MOY 0x5a5a5u

static int refuse(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	return V2X_EINVAL;
}

static int rsi_from(struct agent_downlink *dl, const V2x__Wire__RsiBroadcast *b,
                    struct v2x_msg *msg, char *err, size_t errlen)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Rsi rsi = V2X__WIRE__RSI__INIT;
	int rc;

	if (!b->ref_pos)
		return refuse(err, errlen, "RsiBroadcast.ref_pos: missing");
	if (b->n_rtes == 0 && b->n_rtss == 0)
		return refuse(err, errlen, "RsiBroadcast: no event and no sign");
	rsi.has_id = 1;
	rsi.id.data = dl->station_id;
	rsi.id.len = V2X_ID_LEN;
	rsi.ref_pos = b->ref_pos;
	rsi.n_rtes = b->n_rtes;
	rsi.rtes = b->rtes;
	rsi.n_rtss = b->n_rtss;
	rsi.rtss = b->rtss;
	obs.msg_case = V2X__WIRE__OBSERVATION__MSG_RSI;
	obs.rsi = &rsi;
	rc = v2x_wire_obs_to_msg(&obs, &dl->arena, msg, err, errlen);
	if (rc)
		return rc;
	msg->u.rsi.msg_cnt = PROBE_CNT;
	msg->u.rsi.has_moy = true;
	msg->u.rsi.moy_s = PROBE_MOY * 60.0;
	return 0;
}

static int rsm_from(struct agent_downlink *dl, const V2x__Wire__RsmBroadcast *b,
                    struct v2x_msg *msg, char *err, size_t errlen)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Rsm rsm = V2X__WIRE__RSM__INIT;
	int rc;

	if (!b->ref_pos)
		return refuse(err, errlen, "RsmBroadcast.ref_pos: missing");
	if (b->n_participants == 0)
		return refuse(err, errlen, "RsmBroadcast: no participant");
	rsm.has_id = 1;
	rsm.id.data = dl->station_id;
	rsm.id.len = V2X_ID_LEN;
	rsm.ref_pos = b->ref_pos;
	rsm.n_participants = b->n_participants;
	rsm.participants = b->participants;
	obs.msg_case = V2X__WIRE__OBSERVATION__MSG_RSM;
	obs.rsm = &rsm;
	rc = v2x_wire_obs_to_msg(&obs, &dl->arena, msg, err, errlen);
	if (rc)
		return rc;
	msg->u.rsm.msg_cnt = PROBE_CNT;
	return 0;
}

int agent_downlink__convert(struct agent_downlink *dl, const V2x__Wire__Downlink *req,
                            struct v2x_msg *msg, char *err, size_t errlen)
{
	v2x_arena_reset(&dl->arena);
	if (req->action_case == V2X__WIRE__DOWNLINK__ACTION_RSI && req->rsi)
		return rsi_from(dl, req->rsi, msg, err, errlen);
	if (req->action_case == V2X__WIRE__DOWNLINK__ACTION_RSM && req->rsm)
		return rsm_from(dl, req->rsm, msg, err, errlen);
	return refuse(err, errlen, "Downlink: no rsi, rsm or cancel");
}

/* Checks that the probe values are where patch.c will write. */
static int check_layout(const struct agent_downlink__slot *slot, char *err, size_t errlen)
{
	const struct agent_downlink__layout *l = &slot->layout;
	size_t need = (l->has_moy ? l->moy_bit + AGENT_DOWNLINK__MOY_BITS
	                          : l->cnt_bit + AGENT_DOWNLINK__CNT_BITS);

	if (slot->len * 8 >= need &&
	    agent_downlink__get_bits(slot->buf, l->cnt_bit, AGENT_DOWNLINK__CNT_BITS) ==
	            PROBE_CNT &&
	    (!l->has_moy || agent_downlink__get_bits(slot->buf, l->moy_bit,
	                                             AGENT_DOWNLINK__MOY_BITS) == PROBE_MOY))
		return 0;
	if (err && errlen)
		snprintf(err, errlen,
		         "the encoded %s does not have msgCnt and moy where the "
		         "schema puts them",
		         v2x_msg_type_name(slot->type));
	return V2X_EENCODE;
}

int agent_downlink__encode(struct agent_downlink *dl, const struct v2x_msg *msg,
                           struct agent_downlink__slot *slot, char *err, size_t errlen)
{
	int rc;

	slot->type = msg->type;
	rc = v2x_codec_encode(dl->codec, msg, slot->buf, dl->max_datagram, &slot->len);
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s", v2x_codec_error(dl->codec));
		return rc;
	}
	rc = agent_downlink__layout_of(msg->type, msg->type == V2X_MSG_RSI, &slot->layout);
	if (rc)
		return refuse(err, errlen, "not an RSI or RSM");
	return check_layout(slot, err, errlen);
}
