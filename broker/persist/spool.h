/*
 * spool: rows kept on disk while PostgreSQL cannot take them.  Internal
 * to broker/persist; the writer thread owns the spool after open.
 *
 * A folder of segment files named by a rising number (16 hex digits,
 * ".seg").  A segment starts with a 16-byte header ("V2XSPOOL", version 1)
 * followed by records: payload length (u32), CRC-32 of the payload (u32,
 * zlib's), payload.  Only the newest segment is appended to; a segment
 * grows to about segment_bytes, then a new one starts.  The whole spool is
 * bounded by max_bytes: an append that would pass it first drops the
 * oldest segments (counted and logged).
 *
 * At open every segment is read and checked.  A record cut short at the end
 * of a file, or a last record whose checksum fails, is a torn tail (a write
 * the machine did not finish): it is cut, with a warning.  Anything else
 * that does not check (a bad header, a checksum failure before the end, a
 * length above the maximum) is damage: open fails naming the file and the
 * byte, so that an operator decides (move the file away to go on without
 * it).  Segments of an earlier run are drained like the others.
 */
#ifndef V2X_BROKER_PERSIST_SPOOL_H
#define V2X_BROKER_PERSIST_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/log.h"

/* Largest record payload; a longer length is damage. */
#define BRK_PERSIST__SPOOL_REC_MAX (64u << 20)

struct brk_persist__spool;

/* Called at open for every record found, oldest first. */
typedef void brk_persist__spool_seen(void *arg, const uint8_t *payload, uint32_t len);

/* What the spool holds. */
struct brk_persist__spool_stats {
	uint64_t records; /* not yet consumed */
	uint64_t bytes;   /* files, headers included */
	uint64_t segments;
	uint64_t dropped_segments;
	uint64_t dropped_records;
	uint64_t torn_tails; /* cut at open */
	uint64_t fsyncs;
};

/*
 * Opens (creating the folder, one level, if missing) the spool in dir
 * with the bounds, checks every segment and calls seen (may be NULL) for
 * each record.  Returns 0 with *out (spool_close), V2X_EIO (damage or an
 * unusable folder: err says which file and byte, and what to do),
 * V2X_ENOMEM.  dir and log are borrowed (log for the spool's life).
 */
int brk_persist__spool_open(const char *dir, size_t max_bytes, size_t segment_bytes,
                            struct v2x_log *log, brk_persist__spool_seen *seen, void *arg,
                            struct brk_persist__spool **out, char *err, size_t errlen);

/* Syncs and closes.  Accepts NULL. */
void brk_persist__spool_close(struct brk_persist__spool *s);

/* One record to append. */
struct brk_persist__spool_rec {
	const uint8_t *payload;
	uint32_t len;
};

/*
 * Appends the n records in one write to the newest segment (starting a new
 * one when it is full), after dropping the oldest segments that the bound
 * needs.  Not synced: see brk_persist__spool_sync.  Returns 0, or V2X_EIO
 * (nothing was appended; logged).
 */
int brk_persist__spool_append(struct brk_persist__spool *s,
                              const struct brk_persist__spool_rec *recs, size_t n);

/* fdatasync of what was appended since the last sync.  Returns 0 or V2X_EIO. */
int brk_persist__spool_sync(struct brk_persist__spool *s);

/* Whether something was appended and not synced. */
bool brk_persist__spool_dirty(const struct brk_persist__spool *s);

/* Whether records wait to be drained. */
bool brk_persist__spool_pending(const struct brk_persist__spool *s);

void brk_persist__spool_stats(const struct brk_persist__spool *s,
                              struct brk_persist__spool_stats *out);

/* The oldest segment, read whole for draining; data valid until the next load. */
struct brk_persist__spool_view {
	uint64_t id;
	const uint8_t *data;
	size_t len;
	size_t off; /* the next record; starts after the header */
	char name[32];
};

/*
 * Loads the oldest segment (closing it for appends first when it is the
 * newest).  Returns 1 with *v, 0 when the spool is empty, V2X_EIO.
 */
int brk_persist__spool_load(struct brk_persist__spool *s, struct brk_persist__spool_view *v);

/* Returns the id of the oldest segment, or UINT64_MAX when empty. */
uint64_t brk_persist__spool_oldest(const struct brk_persist__spool *s);

/*
 * The record at v->off: returns 1 with it and moves v->off, 0 at the end,
 * V2X_EIO when it does not check (*at: its byte offset).
 */
int brk_persist__spool_next(struct brk_persist__spool_view *v, const uint8_t **payload,
                            uint32_t *len, size_t *at);

/* The n records before v->off of the oldest segment have been committed. */
void brk_persist__spool_consumed(struct brk_persist__spool *s, uint64_t n);

/*
 * Removes the oldest segment (id): drained, or damaged (then it is renamed
 * NAME.damaged and kept for a post-mortem).  Returns 0 or V2X_EIO.
 */
int brk_persist__spool_remove(struct brk_persist__spool *s, uint64_t id, bool damaged);

#endif
