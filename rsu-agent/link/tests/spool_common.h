/*
 * spool_common: records for the spool's tests.  A record's frame is filler
 * bytes derived from its seq, of a length that varies with the seq, so that
 * a record read back can be checked byte for byte.
 */
#ifndef V2X_RSU_AGENT_LINK_TESTS_SPOOL_COMMON_H
#define V2X_RSU_AGENT_LINK_TESTS_SPOOL_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rsu-agent/link/spool.h"

#define SC_MAX_FRAME 1024

/* Length of the frame of seq: 60..187 bytes. */
static inline uint32_t sc_len(uint64_t seq)
{
	return 60 + (uint32_t)(seq * 37 % 128);
}

/* Fills buf with the frame of seq and describes it in *rec. */
static inline void sc_rec(uint64_t seq, uint8_t *buf, struct agent_spool_rec *rec)
{
	uint32_t len = sc_len(seq);

	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 131 + i);
	memset(rec, 0, sizeof(*rec));
	rec->seq = seq;
	rec->rx_time_us = (int64_t)(1700000000000000 + seq);
	rec->flags = seq % 2 ? AGENT_SPOOL_SAFETY : 0;
	rec->replayed_off = 3;
	rec->record_only_off = 5;
	rec->frame = buf;
	rec->len = len;
}

/* Whether rec is the record of seq, byte for byte. */
static inline bool sc_same(const struct agent_spool_rec *rec, uint64_t seq)
{
	uint8_t want[SC_MAX_FRAME];
	struct agent_spool_rec w;

	sc_rec(seq, want, &w);
	return rec->seq == seq && rec->len == w.len && rec->rx_time_us == w.rx_time_us &&
	       rec->flags == w.flags && rec->replayed_off == 3 && rec->record_only_off == 5 &&
	       memcmp(rec->frame, want, w.len) == 0;
}

/* Appends seqs next..to (the spool's next seq first). */
static inline int sc_append_to(struct agent_spool *s, uint64_t to)
{
	uint8_t buf[SC_MAX_FRAME];
	struct agent_spool_rec rec;
	int rc = 0;

	for (uint64_t seq = agent_spool_next_seq(s); rc == 0 && seq <= to; seq++) {
		sc_rec(seq, buf, &rec);
		rc = agent_spool_append(s, &rec);
	}
	return rc;
}

/* Reads every record from from_seq on and checks they are first..last in
 * order.  Returns the number read, or -1 on a mismatch or error. */
static inline long sc_read_all(struct agent_spool *s, uint64_t from_seq, uint64_t first,
                               uint64_t last)
{
	struct agent_spool_iter *it;
	struct agent_spool_rec rec;
	uint64_t want = first;
	long n = 0;
	int rc;

	if (agent_spool_iter_new(s, from_seq, &it) != 0)
		return -1;
	while ((rc = agent_spool_iter_next(it, &rec)) == 1) {
		if (!sc_same(&rec, want)) {
			n = -1;
			break;
		}
		want++;
		n++;
	}
	agent_spool_iter_free(it);
	return rc < 0 || (n >= 0 && want != last + 1) ? -1 : n;
}

#endif
