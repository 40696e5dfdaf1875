#include "runtime/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct v2x_arena_chunk {
	struct v2x_arena_chunk *next;
	size_t size; /* usable bytes in data */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN (alignof(max_align_t))

void v2x_arena_init(struct v2x_arena *a, size_t chunk_size, size_t limit)
{
	memset(a, 0, sizeof(*a));
	a->chunk_size = chunk_size ? chunk_size : 4096;
	a->limit = limit;
}

static void chunks_free(struct v2x_arena_chunk *c)
{
	while (c) {
		struct v2x_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
}

void v2x_arena_fini(struct v2x_arena *a)
{
	chunks_free(a->head);
	chunks_free(a->full);
	a->head = NULL;
	a->full = NULL;
	a->held = 0;
}

/*
 * Moves the filled chunks back behind the current one.  The chunk list is
 * kept as "head, then spare chunks"; allocation walks forward from head, so
 * after a reset the same chunks are reused in the same order.
 */
void v2x_arena_reset(struct v2x_arena *a)
{
	struct v2x_arena_chunk *c = a->full;

	while (c) {
		struct v2x_arena_chunk *next = c->next;
		c->next = a->head;
		a->head = c;
		c = next;
	}
	a->full = NULL;
	for (c = a->head; c; c = c->next)
		c->used = 0;
}

static struct v2x_arena_chunk *chunk_new(struct v2x_arena *a, size_t size)
{
	struct v2x_arena_chunk *c;

	if (a->limit && (size > a->limit || a->held > a->limit - size))
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	a->held += size;
	return c;
}

/* Finds a spare chunk that holds size bytes, or makes one. */
static struct v2x_arena_chunk *chunk_take(struct v2x_arena *a, size_t size)
{
	struct v2x_arena_chunk **pp = &a->head;

	while (*pp) {
		struct v2x_arena_chunk *c = *pp;
		if (c->size - c->used >= size) {
			*pp = c->next;
			return c;
		}
		pp = &c->next;
	}
	return chunk_new(a, size > a->chunk_size ? size : a->chunk_size);
}

void *v2x_arena_alloc(struct v2x_arena *a, size_t size)
{
	struct v2x_arena_chunk *c = a->head;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (!c || c->size - c->used < size) {
		c = chunk_take(a, size);
		if (!c)
			return NULL;
		/* The current chunk, if any, joins the filled ones. */
		if (a->head && a->head != c) {
			struct v2x_arena_chunk *old = a->head;
			a->head = old->next;
			old->next = a->full;
			a->full = old;
		}
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

void *v2x_arena_calloc(struct v2x_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return v2x_arena_alloc(a, n * size);
}
