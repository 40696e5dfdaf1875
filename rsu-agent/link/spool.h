/*
 * spool: the agent's write-ahead log of outgoing Observation frames.
 *
 * Every observation the agent accepts is appended here before it is sent,
 * so that nothing is lost when the link drops, when the TCP connection
 * loses what sat in its buffers, or when the agent is killed.  The broker's
 * cumulative Ack(seq) lets the spool forget records up to seq; on a
 * (re)connect the link reads the rest back, in order, with an iterator.
 *
 * On disk a spool is a directory of segment files named after the first
 * seq they hold (00000000000000000001.seg), plus a small `state` file.
 * A segment starts with a 16-byte header ("V2XSPOOL", version 1) and then
 * holds records, each a 40-byte header and the framed bytes
 * (little-endian):
 *
 *   0  u32 magic "V2XR"        4  u32 length of the frame
 *   8  u32 CRC-32 of bytes 12..40 of the header and of the frame
 *   12 u32 flags (1: safety message, BSM or RSM)
 *   16 u64 seq                 24 i64 agent receive time, µs since the epoch
 *   32 u32 offset of the `replayed` value byte in the frame, 0: none
 *   36 u32 offset of the `record_only` value byte in the frame, 0: none
 *
 * Seqs are consecutive inside a segment (a segment is sealed whenever the
 * sequence jumps), which is what lets the spool count dropped records
 * without reading them.  The `state` file (text: next_seq and acked_seq,
 * written to a temporary file, synced and renamed) keeps the next seq when
 * no segment holds it, so that a seq is never used twice.
 *
 * Appends are batched: records appended during a loop turn wait in memory
 * and agent_spool_flush() writes them with one write() per turn.  Durability
 * per fsync policy:
 * - NONE: write() only.  What was flushed survives the agent being killed
 *   (SIGKILL, a crash): the kernel holds it.  A power loss or kernel crash
 *   loses what the kernel had not written back yet (typically up to 30 s);
 *   a record torn that way is cut off by its CRC when the spool is opened.
 * - INTERVAL: as NONE, and fdatasync() at most every fsync_interval_ms when
 *   something is unsynced (at a flush, or agent_spool_sync_due()): a power
 *   loss loses at most about that long.
 * - ALWAYS: fdatasync() after every flush, before it returns, so before the
 *   records go on the wire: a power loss loses nothing that was sent.  It
 *   blocks the loop for a sync per turn (a millisecond on an SSD, tens on
 *   an SD card) and groups every record of the turn into that one sync.
 * New and deleted segment files also sync the directory under INTERVAL and
 * ALWAYS.  Whatever the policy, the broker's HelloAck(last_seq) lets the
 * agent skip seqs a power loss made it forget (agent_spool_reserve_seq).
 *
 * The spool is bounded in bytes (every segment file plus what waits in
 * memory): an append that would pass the bound deletes the oldest whole
 * segments first, counting the records and bytes dropped that were not
 * acknowledged.  The segment being appended to is never dropped or deleted
 * while the spool is open.
 *
 * Not thread-safe: one spool per loop.  The hot path (append, flush, ack,
 * reading back) allocates nothing once its buffers have grown to the
 * largest batch and record seen.
 */
#ifndef V2X_RSU_AGENT_LINK_SPOOL_H
#define V2X_RSU_AGENT_LINK_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/log.h"

struct agent_spool;
struct agent_spool_iter;

enum agent_spool_fsync {
	AGENT_SPOOL_FSYNC_NONE,
	AGENT_SPOOL_FSYNC_INTERVAL,
	AGENT_SPOOL_FSYNC_ALWAYS,
};

/* Names of enum agent_spool_fsync in order, NULL-terminated ("none",
 * "interval", "always"): usable as the choices of a V2X_OPT_ENUM option. */
extern const char *const agent_spool_fsync_names[];

/* Bytes of a record's header on disk. */
#define AGENT_SPOOL_REC_HEADER 40
/* Record flag: a safety message (BSM, RSM), see agent_link's live age. */
#define AGENT_SPOOL_SAFETY 1u

/* Defaults of the zero fields of struct agent_spool_config. */
#define AGENT_SPOOL_DEFAULT_MAX_BYTES     (256u << 20)
#define AGENT_SPOOL_DEFAULT_SEGMENT_BYTES (4u << 20)
#define AGENT_SPOOL_DEFAULT_INTERVAL_MS   1000u
#define AGENT_SPOOL_DEFAULT_MAX_RECORD    (1u << 20)

struct agent_spool_config {
	const char *dir;        /* borrowed for the call; created if missing (not its parents) */
	uint64_t max_bytes;     /* bound of the whole spool; at least 2 segments */
	uint64_t segment_bytes; /* a segment is sealed once it reaches this size */
	enum agent_spool_fsync fsync;
	uint32_t fsync_interval_ms; /* INTERVAL only */
	uint32_t max_record;        /* largest frame appended, bytes */
	const struct v2x_log *log;  /* NULL: no logs; must outlive the spool */
};

/* One record, as appended and as read back. */
struct agent_spool_rec {
	uint64_t seq;
	int64_t rx_time_us;
	uint32_t flags;        /* AGENT_SPOOL_SAFETY */
	uint32_t replayed_off; /* offsets in frame, 0: none (see the link) */
	uint32_t record_only_off;
	const uint8_t *frame; /* the framed Observation (length prefix included) */
	uint32_t len;
};

struct agent_spool_stats {
	uint64_t next_seq;  /* seq the next append must carry */
	uint64_t acked_seq; /* highest seq acknowledged */
	uint64_t first_seq; /* oldest seq on disk or pending, 0 when empty */
	uint64_t last_seq;  /* newest seq on disk or pending, 0 when empty */
	uint64_t records;   /* records held that are not acknowledged */
	uint64_t bytes;     /* bytes of every segment file and of pending records */
	uint64_t segments;  /* segment files */
	uint64_t appended, appended_bytes;
	uint64_t writes;                         /* write() calls of flushes */
	uint64_t syncs;                          /* fdatasync() calls */
	uint64_t dropped_records, dropped_bytes; /* unacknowledged, dropped when full */
	uint64_t torn_records, torn_bytes;       /* torn tails cut off when opened */
	uint64_t corrupt_skips; /* damaged records the iterator skipped (with the rest
	                           of their segment) */
	uint64_t write_errors;  /* failed flushes (their records dropped and counted) */
	uint64_t pending;       /* records appended and not yet flushed */
};

/*
 * Opens (creating it if needed) the spool in cfg->dir and sets *out; the
 * caller frees it with agent_spool_free.  Checks every record: a torn tail
 * of the newest segment (a record whose CRC fails with no valid record
 * after it, or a file cut inside a record) is cut off, logged and counted;
 * any other damage is refused with V2X_EMALFORMED, because records after
 * it would be lost silently: err then says which file and byte, for the
 * operator to move aside.  Fails with V2X_EINVAL on a bad config,
 * V2X_EIO/V2X_ESYS (errno in err) when the directory cannot be used,
 * V2X_ENOMEM.  err (errlen bytes, may be NULL) gets the detail.
 */
int agent_spool_new(const struct agent_spool_config *cfg, struct agent_spool **out, char *err,
                    size_t errlen);

/*
 * Flushes and syncs what is pending, writes the state file, deletes the
 * segments that are fully acknowledged (all of them when everything was)
 * and frees s.  Accepts NULL.  Errors are logged; call agent_spool_flush
 * and agent_spool_sync first to see them.  Every iterator of s must have
 * been freed.
 */
void agent_spool_free(struct agent_spool *s);

/* Returns the seq the next append must carry (1 for a new spool). */
uint64_t agent_spool_next_seq(const struct agent_spool *s);

/*
 * Makes next_seq at least next (it never goes down), for seqs the broker
 * has stored that the spool no longer knows (HelloAck.last_seq after a
 * power loss).  Flushes, seals the current segment and writes the state
 * file.  Returns 0 or the error of the flush or the state file.
 */
int agent_spool_reserve_seq(struct agent_spool *s, uint64_t next);

/*
 * Appends rec (its frame is copied; rec is borrowed for the call) to the
 * pending batch.  rec->seq must equal agent_spool_next_seq(), which then
 * moves on.  Drops the oldest segments when the bound would be passed.
 * Fails with V2X_EINVAL for another seq or an empty frame, V2X_ETOO_BIG
 * for a frame above max_record or a record that cannot fit in max_bytes
 * (counted as dropped; the seq is used up all the same), V2X_ENOMEM.
 */
int agent_spool_append(struct agent_spool *s, const struct agent_spool_rec *rec);

/*
 * Writes the pending batch to the current segment with one write() (two
 * when the batch rolls over into a new segment) and syncs as the policy
 * says.  Returns 0, or V2X_EIO/V2X_ESYS when the write failed: the
 * records of the batch are then dropped from the spool (counted in
 * write_errors and dropped_records), the segment is cut back to its last
 * good byte and sealed.
 */
int agent_spool_flush(struct agent_spool *s);

/* Syncs the current segment now if anything written is unsynced, whatever
 * the policy.  Returns 0 or V2X_EIO. */
int agent_spool_sync(struct agent_spool *s);

/* Under INTERVAL, syncs when the interval since the last sync has passed
 * and something is unsynced; otherwise does nothing.  Returns 0 or V2X_EIO. */
int agent_spool_sync_due(struct agent_spool *s);

/*
 * Forgets every record up to seq (cumulative; a seq at or below the acked
 * one is ignored, one above the last appended is taken as the last):
 * segments whose records are all acknowledged are deleted, except the
 * current one.  Returns 0 or V2X_ESYS when a file could not be deleted
 * (it is retried at the next ack).
 */
int agent_spool_ack(struct agent_spool *s, uint64_t seq);

/* Returns the counters of s. */
struct agent_spool_stats agent_spool_stats(const struct agent_spool *s);

/*
 * Starts an iterator over the flushed records with a seq of at least
 * from_seq that are not acknowledged, oldest first; the caller frees it
 * with agent_spool_iter_free before freeing s.  Records flushed after the
 * iterator was made are read too.  Returns 0 or V2X_ENOMEM.
 */
int agent_spool_iter_new(struct agent_spool *s, uint64_t from_seq, struct agent_spool_iter **out);

/*
 * Reads the next record into *rec: its frame is owned by it and valid until
 * the next call or its free.  Returns 1 with a record, 0 at the end of what
 * is flushed (call again after more flushes), V2X_EMALFORMED for a record
 * damaged on disk since the spool was opened (the iterator has then skipped
 * the rest of that segment, counted in corrupt_skips: the next call goes
 * on), V2X_EIO.  Records dropped or acknowledged meanwhile are skipped.
 */
int agent_spool_iter_next(struct agent_spool_iter *it, struct agent_spool_rec *rec);

/* Releases it.  Accepts NULL. */
void agent_spool_iter_free(struct agent_spool_iter *it);

#endif
