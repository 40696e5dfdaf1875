/*
 * obsframe: Observation frames assembled around a message packed once.
 *
 * A fake agent sends the same few thousand BSMs again and again with a
 * new seq and receive time each time.  Packing the whole Observation with
 * protobuf-c per frame would make the generator, not the broker, the
 * bottleneck; instead the message part is packed once and the envelope
 * (fields 1-3, which protobuf-c writes before the message's fields 6 and
 * 11-15, in field-number order) is written around it with varints.  The
 * result is byte for byte what v2x_frame_encode() writes (the test
 * broker-bench-obsframe checks it).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "broker/bench/load/load.h"
#include "codecs/wire/convert.h"
#include "codecs/wire/frame.h"
#include "runtime/err.h"

/* Wire tags: field number << 3 | wire type (0 varint, 1 64-bit, 2 bytes). */
#define TAG_FRAME_OBSERVATION (5u << 3 | 2u)
#define TAG_OBS_RSU_ID        (1u << 3 | 2u)
#define TAG_OBS_SEQ           (2u << 3 | 0u)
#define TAG_OBS_RX_TIME       (3u << 3 | 0u)
#define TAG_BSM_SEC_MARK      (3u << 3 | 1u)

/* A sec_mark_s no real BSM of this run carries, to find its bytes. */
#define SENTINEL_SEC_MARK 59.987654321

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_double_le(uint8_t *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(u >> (8 * i));
}

/* The offset of the 9-byte field sec_mark_s = SENTINEL in b, or SIZE_MAX. */
static size_t find_sec_mark(const uint8_t *b, size_t len)
{
	uint8_t pat[9];

	pat[0] = TAG_BSM_SEC_MARK;
	put_double_le(pat + 1, SENTINEL_SEC_MARK);
	for (size_t i = 0; i + sizeof(pat) <= len; i++)
		if (memcmp(b + i, pat, sizeof(pat)) == 0)
			return i + 1;
	return SIZE_MAX;
}

int ld_obsmsg_pack(const struct v2x_msg *msg, struct v2x_arena *arena, struct ld_obsmsg *out)
{
	V2x__Wire__Observation obs = V2X__WIRE__OBSERVATION__INIT;
	struct v2x_msg copy = *msg;
	double sec_mark = NAN;
	int rc;

	if (copy.type == V2X_MSG_BSM) {
		sec_mark = copy.u.bsm.sec_mark_s;
		copy.u.bsm.sec_mark_s = SENTINEL_SEC_MARK;
	}
	rc = v2x_wire_msg_to_obs(&copy, arena, &obs);
	if (rc != 0)
		return rc;
	out->len = v2x__wire__observation__get_packed_size(&obs);
	out->bytes = v2x_arena_alloc(arena, out->len);
	if (!out->bytes)
		return V2X_ENOMEM;
	v2x__wire__observation__pack(&obs, out->bytes);
	out->sec_mark_at = SIZE_MAX;
	if (copy.type == V2X_MSG_BSM) {
		out->sec_mark_at = find_sec_mark(out->bytes, out->len);
		if (out->sec_mark_at == SIZE_MAX)
			return V2X_EINVAL;
		put_double_le(out->bytes + out->sec_mark_at, sec_mark);
	}
	return 0;
}

size_t ld_obsframe_put(uint8_t *buf, const char *rsu_id, uint64_t seq, uint64_t rx_time_us,
                       const struct ld_obsmsg *m)
{
	size_t id_len = strlen(rsu_id);
	size_t obs_len = 1 + varint_len(id_len) + id_len + 1 + varint_len(seq) + 1 +
	                 varint_len(rx_time_us) + m->len;
	size_t body_len = 1 + varint_len(obs_len) + obs_len;
	uint8_t *p = buf;

	p += v2x_frame_put_varint(p, body_len);
	*p++ = TAG_FRAME_OBSERVATION;
	p += v2x_frame_put_varint(p, obs_len);
	*p++ = TAG_OBS_RSU_ID;
	p += v2x_frame_put_varint(p, id_len);
	/* The id's bytes without its NUL: a protobuf string has its length. */
	// NOLINTNEXTLINE(bugprone-not-null-terminated-result)
	memcpy(p, rsu_id, id_len);
	p += id_len;
	*p++ = TAG_OBS_SEQ;
	p += v2x_frame_put_varint(p, seq);
	*p++ = TAG_OBS_RX_TIME;
	p += v2x_frame_put_varint(p, rx_time_us);
	memcpy(p, m->bytes, m->len);
	if (m->sec_mark_at != SIZE_MAX) {
		/* DSecond: milliseconds within the UTC minute. */
		put_double_le(p + m->sec_mark_at, (double)(rx_time_us / 1000 % 60000) / 1000.0);
	}
	return (size_t)(p + m->len - buf);
}
