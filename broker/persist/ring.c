#include "broker/persist/ring.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

/*
 * Entry header, 16 bytes: total bytes of the entry (header and padding
 * included), payload length (SKIP: the rest of the buffer is unused), and
 * the push time.  Entries start at multiples of 16, so the header is read
 * in place and the room left before the end always holds a skip marker.
 */
struct entry_hdr {
	uint32_t total;
	uint32_t len;
	uint64_t t_us;
};

#define SKIP UINT32_MAX

static size_t align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

int brk_persist__ring_init(struct brk_persist__ring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = align16(cap < 64 ? 64 : cap);
	/* calloc, so that the whole ring is touched once here rather than on the
	 * hot path, and sanitizers see defined bytes. */
	r->buf = calloc(1, r->cap);
	return r->buf ? 0 : V2X_ENOMEM;
}

void brk_persist__ring_fini(struct brk_persist__ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

size_t brk_persist__ring_need(size_t len)
{
	return align16(sizeof(struct entry_hdr) + len);
}

int brk_persist__ring_push(struct brk_persist__ring *r, const void *payload, size_t len,
                           uint64_t t_us)
{
	size_t need = brk_persist__ring_need(len);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t pos = (size_t)(head % r->cap), room = r->cap - pos;
	size_t take = need > room ? room + need : need;
	struct entry_hdr *h;

	if (need > r->cap || len >= SKIP)
		return -1;
	if (head - tail + take > r->cap)
		return 1;
	if (need > room) {
		h = (struct entry_hdr *)(void *)(r->buf + pos);
		*h = (struct entry_hdr){ (uint32_t)room, SKIP, 0 };
		pos = 0;
	}
	h = (struct entry_hdr *)(void *)(r->buf + pos);
	*h = (struct entry_hdr){ (uint32_t)need, (uint32_t)len, t_us };
	memcpy(h + 1, payload, len);
	atomic_fetch_add_explicit(&r->pushed, 1, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + take, memory_order_release);
	return 0;
}

bool brk_persist__ring_peek(struct brk_persist__ring *r, uint64_t *cursor,
                            struct brk_persist__entry *e)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	while (*cursor < head) {
		const struct entry_hdr *h =
		        (const struct entry_hdr *)(const void *)(r->buf + *cursor % r->cap);
		*cursor += h->total;
		if (h->len == SKIP)
			continue;
		e->payload = (const uint8_t *)(h + 1);
		e->len = h->len;
		e->t_us = h->t_us;
		return true;
	}
	return false;
}

uint64_t brk_persist__ring_tail(const struct brk_persist__ring *r)
{
	return atomic_load_explicit(&r->tail, memory_order_relaxed);
}

void brk_persist__ring_release(struct brk_persist__ring *r, uint64_t cursor, uint64_t n)
{
	atomic_fetch_add_explicit(&r->popped, n, memory_order_relaxed);
	atomic_store_explicit(&r->tail, cursor, memory_order_release);
}

uint64_t brk_persist__ring_count(const struct brk_persist__ring *r)
{
	uint64_t popped = atomic_load_explicit(&r->popped, memory_order_relaxed);

	return atomic_load_explicit(&r->pushed, memory_order_relaxed) - popped;
}

uint64_t brk_persist__ring_bytes(const struct brk_persist__ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return atomic_load_explicit(&r->head, memory_order_acquire) - tail;
}

bool brk_persist__ring_oldest(const struct brk_persist__ring *r, uint64_t *t_us)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t cur = atomic_load_explicit(&r->tail, memory_order_acquire);

	while (cur < head) {
		const struct entry_hdr *h =
		        (const struct entry_hdr *)(const void *)(r->buf + cur % r->cap);
		cur += h->total;
		if (h->len != SKIP) {
			*t_us = h->t_us;
			return true;
		}
	}
	return false;
}
