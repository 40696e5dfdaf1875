/*
 * sbuf: a refcounted buffer holding one framed message (length prefix and
 * body), serialised once and queued on many connections without copying:
 * a warning for fifty subscribers is encoded once and written fifty times.
 *
 * Buffers come from a pool (struct brk_sbuf_pool) that keeps released
 * buffers of the pool's block size on a free list, so that steady-state
 * sending allocates nothing; a frame larger than a block gets a buffer of
 * its own, freed when its last reference goes.  Single-threaded, like the
 * loop that uses it.
 */
#ifndef V2X_BROKER_NET_SBUF_H
#define V2X_BROKER_NET_SBUF_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/wire/frame.h"

struct brk_sbuf_pool;

/* A shared frame buffer.  The fields are read-only outside sbuf.c. */
struct brk_sbuf {
	struct brk_sbuf_pool *pool;
	struct brk_sbuf *next_free; /* on the pool's free list */
	uint32_t refs;
	size_t len; /* bytes of data in use: the framed frame */
	size_t cap; /* bytes data can hold */
	uint8_t data[];
};

/* Counters of a pool. */
struct brk_sbuf_stats {
	uint64_t allocs;     /* buffers allocated (blocks and large ones) */
	uint64_t reuses;     /* buffers taken from the free list */
	uint64_t large;      /* frames larger than a block */
	uint64_t live;       /* buffers with references now */
	uint64_t free_count; /* blocks on the free list now */
};

/*
 * Creates a pool of blocks of block_size data bytes, preallocating
 * prealloc of them.  Returns 0 with *out set (caller frees with
 * brk_sbuf_pool_free) or V2X_ENOMEM / V2X_EINVAL (block_size 0).
 */
int brk_sbuf_pool_new(size_t block_size, size_t prealloc, struct brk_sbuf_pool **out);

/*
 * Frees pool and the blocks on its free list.  Buffers still referenced
 * stay valid and are freed by their last unref.  Accepts NULL.
 */
void brk_sbuf_pool_free(struct brk_sbuf_pool *pool);

/* Returns the counters of pool. */
struct brk_sbuf_stats brk_sbuf_pool_stats(const struct brk_sbuf_pool *pool);

/*
 * Encodes frame (borrowed for the call) framed into a buffer of pool with
 * one reference, the caller's (release with brk_sbuf_unref).  Fails with
 * V2X_EINVAL for a frame with no alternative set, V2X_ENOMEM.
 */
int brk_sbuf_encode(struct brk_sbuf_pool *pool, const V2x__Wire__Frame *frame,
                    struct brk_sbuf **out);

/* Adds a reference to b and returns b. */
struct brk_sbuf *brk_sbuf_ref(struct brk_sbuf *b);

/* Drops a reference; the last one returns b to its pool (or frees it). */
void brk_sbuf_unref(struct brk_sbuf *b);

#endif
