/*
 * patch: msgCnt and moy rewritten in an encoded MessageFrame, so that a
 * repeat costs a few bit writes instead of an encoding (which allocates
 * asn1c's structs every time).
 *
 * Both fields sit at fixed offsets in UPER, before anything of variable
 * size (codecs/asn1/MsgFrame.asn, RSI.asn, RSM.asn):
 *
 *   MessageFrame  CHOICE, extensible, 5 root alternatives: 1 + 3 bits
 *   RSI           extension bit, 3 OPTIONAL bits (moy, rtes, rtss),
 *                 msgCnt (0..127) 7 bits, moy (0..527040) 20 bits
 *   RSM           extension bit, no OPTIONAL, msgCnt 7 bits
 *
 * build.c checks these offsets against each message it encodes (with
 * probe values), so a change of the schema shows as a refused request,
 * not as wrong bytes on the air.
 */
#include <time.h>

#include "rsu-agent/downlink/downlink_int.h"
#include "runtime/err.h"

#define FRAME_HEAD_BITS 4 /* the MessageFrame CHOICE */
#define MSG_CNT_BITS    AGENT_DOWNLINK__CNT_BITS
#define MOY_BITS        AGENT_DOWNLINK__MOY_BITS

void agent_downlink__put_bits(uint8_t *buf, size_t bit, unsigned nbits, uint32_t v)
{
	for (unsigned i = 0; i < nbits; i++, bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));

		if ((v >> (nbits - 1 - i)) & 1u)
			buf[bit / 8] |= mask;
		else
			buf[bit / 8] &= (uint8_t)~mask;
	}
}

uint32_t agent_downlink__get_bits(const uint8_t *buf, size_t bit, unsigned nbits)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < nbits; i++, bit++)
		v = (v << 1) | ((buf[bit / 8] >> (7 - bit % 8)) & 1u);
	return v;
}

int agent_downlink__layout_of(enum v2x_msg_type type, bool has_moy,
                              struct agent_downlink__layout *out)
{
	switch (type) {
	case V2X_MSG_RSI:
		out->cnt_bit = FRAME_HEAD_BITS + 1 + 3;
		out->has_moy = has_moy;
		out->moy_bit = out->cnt_bit + MSG_CNT_BITS;
		return 0;
	case V2X_MSG_RSM:
		out->cnt_bit = FRAME_HEAD_BITS + 1;
		out->has_moy = false;
		out->moy_bit = 0;
		return 0;
	default:
		return V2X_EINVAL;
	}
}

uint32_t agent_downlink__minute_of_year(int64_t wall_us)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	return (uint32_t)((tm.tm_yday * 24 + tm.tm_hour) * 60 + tm.tm_min);
}

void agent_downlink__patch(uint8_t *buf, const struct agent_downlink__layout *layout,
                           uint8_t msg_cnt, uint32_t moy_min)
{
	agent_downlink__put_bits(buf, layout->cnt_bit, MSG_CNT_BITS, msg_cnt & 0x7fu);
	if (layout->has_moy)
		agent_downlink__put_bits(buf, layout->moy_bit, MOY_BITS, moy_min);
}
