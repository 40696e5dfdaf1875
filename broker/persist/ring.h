/*
 * ring: the queue between the loop thread and the writer, a preallocated
 * ring of bytes holding variable-length entries.  Internal to
 * broker/persist.
 *
 * One producer (the loop thread) and one consumer (the writer).  The
 * producer copies an entry in and publishes it by moving head; the
 * consumer reads entries from tail onwards without taking them, and moves
 * tail past them only once they are durable, so that an entry's bytes stay
 * valid (and unchanged) until then.  An entry never wraps: when it does
 * not fit before the end, the rest of the buffer becomes a skip marker.
 * No lock: head and tail are atomics, each written by one side only.
 */
#ifndef V2X_BROKER_PERSIST_RING_H
#define V2X_BROKER_PERSIST_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct brk_persist__ring {
	uint8_t *buf;
	size_t cap;              /* bytes, a multiple of 16 */
	_Atomic uint64_t head;   /* bytes ever produced (producer) */
	_Atomic uint64_t tail;   /* bytes ever released (consumer) */
	_Atomic uint64_t pushed; /* entries ever produced (producer) */
	_Atomic uint64_t popped; /* entries ever released (consumer) */
};

/* One entry as the consumer sees it; payload valid until released. */
struct brk_persist__entry {
	const uint8_t *payload;
	uint32_t len;
	uint64_t t_us; /* the producer's monotonic clock at push, µs */
};

/* Allocates cap bytes (rounded up to 16).  Returns 0 or V2X_ENOMEM. */
int brk_persist__ring_init(struct brk_persist__ring *r, size_t cap);

/* Frees the buffer.  Accepts a zeroed ring. */
void brk_persist__ring_fini(struct brk_persist__ring *r);

/* Bytes an entry of len payload bytes takes (header and padding included). */
size_t brk_persist__ring_need(size_t len);

/*
 * Producer: copies the payload in.  Returns 0, or 1 when it does not fit
 * now (the ring is too full), or -1 when it never could (too big for cap).
 */
int brk_persist__ring_push(struct brk_persist__ring *r, const void *payload, size_t len,
                           uint64_t t_us);

/*
 * Consumer: reads the entry at *cursor (start at brk_persist__ring_tail)
 * and moves *cursor past it.  Returns false when there is none.
 */
bool brk_persist__ring_peek(struct brk_persist__ring *r, uint64_t *cursor,
                            struct brk_persist__entry *e);

/* Consumer: the position to start peeking from. */
uint64_t brk_persist__ring_tail(const struct brk_persist__ring *r);

/* Consumer: releases everything before cursor, n entries. */
void brk_persist__ring_release(struct brk_persist__ring *r, uint64_t cursor, uint64_t n);

/* Either side: entries and bytes queued and not released. */
uint64_t brk_persist__ring_count(const struct brk_persist__ring *r);
uint64_t brk_persist__ring_bytes(const struct brk_persist__ring *r);

/*
 * Producer side only: the push time of the oldest entry not released, or
 * false when the ring is empty.  Safe because only the producer writes the
 * bytes it reads.
 */
bool brk_persist__ring_oldest(const struct brk_persist__ring *r, uint64_t *t_us);

#endif
