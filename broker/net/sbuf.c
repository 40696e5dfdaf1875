/*
 * sbuf: refcounted frame buffers from a pool with a free list.
 */
#include "broker/net/sbuf.h"

#include <stdlib.h>

#include "runtime/err.h"

struct brk_sbuf_pool {
	size_t block_size;
	struct brk_sbuf *free_list;
	struct brk_sbuf_stats stats;
	/* Freed with buffers still out: the last of them frees the pool. */
	int closing;
};

static struct brk_sbuf *block_alloc(struct brk_sbuf_pool *pool, size_t cap)
{
	struct brk_sbuf *b = malloc(sizeof(*b) + cap);

	if (!b)
		return NULL;
	b->pool = pool;
	b->next_free = NULL;
	b->refs = 0;
	b->len = 0;
	b->cap = cap;
	pool->stats.allocs++;
	return b;
}

static void pool_release(struct brk_sbuf_pool *pool)
{
	while (pool->free_list) {
		struct brk_sbuf *b = pool->free_list;

		pool->free_list = b->next_free;
		free(b);
	}
	free(pool);
}

int brk_sbuf_pool_new(size_t block_size, size_t prealloc, struct brk_sbuf_pool **out)
{
	struct brk_sbuf_pool *pool;

	*out = NULL;
	if (block_size == 0)
		return V2X_EINVAL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return V2X_ENOMEM;
	pool->block_size = block_size;
	for (size_t i = 0; i < prealloc; i++) {
		struct brk_sbuf *b = block_alloc(pool, block_size);

		if (!b) {
			pool_release(pool);
			return V2X_ENOMEM;
		}
		b->next_free = pool->free_list;
		pool->free_list = b;
		pool->stats.free_count++;
	}
	*out = pool;
	return 0;
}

void brk_sbuf_pool_free(struct brk_sbuf_pool *pool)
{
	if (!pool)
		return;
	if (pool->stats.live > 0) {
		pool->closing = 1;
		return;
	}
	pool_release(pool);
}

struct brk_sbuf_stats brk_sbuf_pool_stats(const struct brk_sbuf_pool *pool)
{
	return pool->stats;
}

static struct brk_sbuf *take(struct brk_sbuf_pool *pool, size_t need)
{
	struct brk_sbuf *b;

	if (need > pool->block_size) {
		pool->stats.large++;
		return block_alloc(pool, need);
	}
	if (pool->free_list) {
		b = pool->free_list;
		pool->free_list = b->next_free;
		b->next_free = NULL;
		pool->stats.free_count--;
		pool->stats.reuses++;
		return b;
	}
	return block_alloc(pool, pool->block_size);
}

int brk_sbuf_encode(struct brk_sbuf_pool *pool, const V2x__Wire__Frame *frame,
                    struct brk_sbuf **out)
{
	size_t need, len;
	struct brk_sbuf *b;
	int rc;

	*out = NULL;
	if (frame->msg_case == V2X__WIRE__FRAME__MSG__NOT_SET)
		return V2X_EINVAL;
	need = v2x_frame_size(frame);
	b = take(pool, need);
	if (!b)
		return V2X_ENOMEM;
	pool->stats.live++;
	b->refs = 1;
	rc = v2x_frame_encode(frame, b->data, b->cap, &len);
	if (rc) {
		brk_sbuf_unref(b);
		return rc;
	}
	b->len = len;
	*out = b;
	return 0;
}

struct brk_sbuf *brk_sbuf_ref(struct brk_sbuf *b)
{
	b->refs++;
	return b;
}

void brk_sbuf_unref(struct brk_sbuf *b)
{
	struct brk_sbuf_pool *pool;

	if (!b || --b->refs > 0)
		return;
	pool = b->pool;
	pool->stats.live--;
	/* Large buffers are not kept: one odd frame must not pin its memory. */
	if (pool->closing || b->cap != pool->block_size) {
		free(b);
		if (pool->closing && pool->stats.live == 0)
			pool_release(pool);
		return;
	}
	b->len = 0;
	b->next_free = pool->free_list;
	pool->free_list = b;
	pool->stats.free_count++;
}
