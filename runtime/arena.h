/*
 * arena: a bump allocator for the many small pieces of one message.
 *
 * Memory comes from chunks that the arena keeps across v2x_arena_reset(),
 * so a decoder that resets its arena before each message stops calling
 * malloc once the arena has grown to the largest message seen (the hot path
 * allocates nothing in steady state).  Not thread-safe: one arena per
 * thread or per object.
 */
#ifndef V2X_RUNTIME_ARENA_H
#define V2X_RUNTIME_ARENA_H

#include <stddef.h>

struct v2x_arena_chunk;

struct v2x_arena {
	struct v2x_arena_chunk *head; /* chunk being filled */
	struct v2x_arena_chunk *full; /* chunks filled since the last reset */
	size_t chunk_size;            /* usable bytes of a new chunk */
	size_t limit;                 /* 0, or the most bytes the arena may hold */
	size_t held;                  /* bytes of all chunks */
};

/*
 * Initialises an empty arena whose chunks hold chunk_size bytes (larger
 * requests get a chunk of their own) and that never holds more than limit
 * bytes in all (0: no limit).  Allocates nothing yet.
 */
void v2x_arena_init(struct v2x_arena *a, size_t chunk_size, size_t limit);

/* Releases every chunk.  The arena may be initialised again. */
void v2x_arena_fini(struct v2x_arena *a);

/*
 * Returns size bytes of zeroed memory aligned for any type, valid until the
 * next reset or fini; NULL when malloc fails or the limit would be passed.
 */
void *v2x_arena_alloc(struct v2x_arena *a, size_t size);

/* Like v2x_arena_alloc(a, n * size), NULL also when n * size overflows. */
void *v2x_arena_calloc(struct v2x_arena *a, size_t n, size_t size);

/* Forgets every allocation but keeps the chunks for reuse. */
void v2x_arena_reset(struct v2x_arena *a);

#endif
