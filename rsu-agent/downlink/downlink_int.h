/*
 * downlink_int: what the files of the downlink module share.  Internal
 * (double-underscore names); downlink.h is the API.
 *
 *   downlink.c  creating, closing, counters
 *   request.c   a Downlink: addressing, window, start, replace, cancel
 *   build.c     RsiBroadcast / RsmBroadcast -> struct v2x_msg -> UPER
 *   repeat.c    the slots: timers, transmissions, the UDP socket
 *   patch.c     msgCnt and moy rewritten in the encoded bytes
 */
#ifndef V2X_RSU_AGENT_DOWNLINK_DOWNLINK_INT_H
#define V2X_RSU_AGENT_DOWNLINK_DOWNLINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "codecs/codec.h"
#include "codecs/msg.h"
#include "rsu-agent/downlink/downlink.h"
#include "runtime/arena.h"
#include "runtime/ratelimit.h"

/* An end time that never comes. */
#define AGENT_DOWNLINK__NEVER UINT64_MAX

/* Widths of the fields rewritten between repeats (MsgCount, MinuteOfTheYear). */
#define AGENT_DOWNLINK__CNT_BITS 7
#define AGENT_DOWNLINK__MOY_BITS 20

enum agent_downlink__slot_state {
	AGENT_DOWNLINK__FREE,
	AGENT_DOWNLINK__ACTIVE,
	/* Ended while its datagram was queued: the bytes stay untouched and
	 * the slot unused until the send's callback. */
	AGENT_DOWNLINK__RETIRING,
};

/* Where the fields that change between repeats are in the encoded bytes. */
struct agent_downlink__layout {
	size_t cnt_bit; /* msgCnt, 7 bits */
	bool has_moy;
	size_t moy_bit; /* moy (MinuteOfTheYear), 20 bits */
};

/* One broadcast. */
struct agent_downlink__slot {
	struct agent_downlink *dl;
	uv_timer_t timer;   /* initialised with the module, for the slot's life */
	uv_udp_send_t send; /* the asynchronous send, when try_send could not */
	enum agent_downlink__slot_state state;
	bool sending; /* send is in flight: buf must not change */
	uint64_t request_id;
	enum v2x_msg_type type;
	struct agent_downlink__layout layout;
	uint32_t period_ms;
	uint64_t next_ms; /* loop time (uv_now) of the next transmission */
	uint64_t end_ms;  /* loop time it ends at, or AGENT_DOWNLINK__NEVER */
	uint8_t *buf;     /* max_datagram bytes, part of the module's block */
	size_t len;       /* of the encoded MessageFrame in buf */
};

struct agent_downlink {
	uv_loop_t *loop;
	uv_udp_t udp; /* connected to the radio module */
	char **rsu_ids;
	size_t n_rsu_ids;
	uint8_t station_id[V2X_ID_LEN];
	uint32_t repeat_ms, min_repeat_ms, max_requests;
	size_t max_datagram;
	uint64_t max_duration_ms;
	const struct v2x_log *log;
	struct v2x_codec *codec;
	bool own_codec;
	struct v2x_arena arena; /* the message of the request being built */
	struct agent_downlink__slot *slots;
	uint8_t msg_cnt[V2X_MSG_TYPE_COUNT]; /* next msgCnt per message type */
	struct v2x_ratelimit warn_limit;     /* for the lines about refused requests */
	unsigned handles;                    /* initialised and not yet closed */
	bool closing;
	agent_downlink_close_cb close_cb;
	void *close_arg;
	struct agent_downlink_stats stats;
};

/* ---- build.c ---------------------------------------------------------- */

/*
 * Fills msg from req's RSI or RSM action, with this RSU's station id; its
 * lists live in dl->arena until the next call.  Returns 0, V2X_EINVAL (no
 * such action, no reference position, nothing to broadcast) or the
 * conversion's error, with the detail in err.
 */
int agent_downlink__convert(struct agent_downlink *dl, const V2x__Wire__Downlink *req,
                            struct v2x_msg *msg, char *err, size_t errlen);

/*
 * Encodes msg into slot->buf and finds where its msgCnt and moy are; sets
 * slot->type, len and layout.  Returns 0 or the codec's error (V2X_EENCODE
 * when the fields are not where patch.c expects them), the detail in err.
 */
int agent_downlink__encode(struct agent_downlink *dl, const struct v2x_msg *msg,
                           struct agent_downlink__slot *slot, char *err, size_t errlen);

/* ---- patch.c ---------------------------------------------------------- */

/* Writes the low nbits (at most 32) of v at bit offset bit of buf, MSB first. */
void agent_downlink__put_bits(uint8_t *buf, size_t bit, unsigned nbits, uint32_t v);

/* Reads nbits (at most 32) at bit offset bit of buf, MSB first. */
uint32_t agent_downlink__get_bits(const uint8_t *buf, size_t bit, unsigned nbits);

/*
 * The layout of an encoded message of type (V2X_MSG_RSI or V2X_MSG_RSM;
 * has_moy: an RSI with moy present).  Returns 0, V2X_EINVAL for another type.
 */
int agent_downlink__layout_of(enum v2x_msg_type type, bool has_moy,
                              struct agent_downlink__layout *out);

/* The MinuteOfTheYear of wall_us (µs since the epoch, UTC), 0..527039. */
uint32_t agent_downlink__minute_of_year(int64_t wall_us);

/* Rewrites msgCnt and (when the layout has it) moy in buf. */
void agent_downlink__patch(uint8_t *buf, const struct agent_downlink__layout *layout,
                           uint8_t msg_cnt, uint32_t moy_min);

/* ---- repeat.c --------------------------------------------------------- */

/* Returns the slot broadcasting request_id, or NULL. */
struct agent_downlink__slot *agent_downlink__find(struct agent_downlink *dl, uint64_t request_id);

/* Returns a free slot, or NULL when every one is taken. */
struct agent_downlink__slot *agent_downlink__free_slot(struct agent_downlink *dl);

/* Schedules slot from loop time now: sends at once when due, then arms its timer. */
void agent_downlink__run(struct agent_downlink__slot *slot, uint64_t now);

/* Ends the broadcast of slot (its counters are the caller's to update). */
void agent_downlink__end(struct agent_downlink__slot *slot);

#endif
