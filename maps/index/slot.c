/*
 * slot: an atomic pointer to the current index, with a reader count split
 * by epoch so that a swap knows when no reader can still be taking a
 * reference to the index it replaced.
 *
 * A reader announces itself in active[epoch & 1], loads the pointer and
 * takes its reference, then leaves.  A swap exchanges the pointer, moves
 * the epoch on, and waits until the previous epoch's count drains: a
 * reader counted there may have loaded the old pointer, and once it has
 * left it holds its own reference, so the slot's can be dropped.  New
 * readers count in the other epoch, so a swap never waits for readers that
 * arrive after it (no starvation).  A reader that read the epoch just
 * before a swap moved it sees the change when it checks again and counts
 * itself in the new epoch instead.
 *
 * Every operation on cur, epoch and active is sequentially consistent: the
 * argument above needs the reader's count to be ordered before its load
 * of the pointer, and the swap's exchange before its reading of the count.
 */
#include "maps/index/slot.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "maps/index/index_impl.h"
#include "runtime/err.h"

struct map_index_slot {
	_Atomic(struct map_index *) cur;
	atomic_uint epoch;
	/* Keeps the counts, written by every acquire, off the cache line of
	 * cur and epoch, which readers only read. */
	char pad[64];
	atomic_uint active[2];
	pthread_mutex_t swap_lock;
};

int map_index_slot_new(struct map_index *first, struct map_index_slot **out)
{
	struct map_index_slot *slot = calloc(1, sizeof(*slot));

	*out = NULL;
	if (!slot) {
		map_index_free(first);
		return V2X_ENOMEM;
	}
	atomic_init(&slot->cur, first);
	atomic_init(&slot->epoch, 0);
	atomic_init(&slot->active[0], 0);
	atomic_init(&slot->active[1], 0);
	pthread_mutex_init(&slot->swap_lock, NULL);
	*out = slot;
	return 0;
}

void map_index_slot_free(struct map_index_slot *slot)
{
	struct map_index *idx;

	if (!slot)
		return;
	idx = atomic_load(&slot->cur);
	if (idx)
		map_index__unref(idx);
	pthread_mutex_destroy(&slot->swap_lock);
	free(slot);
}

/* Counts the reader in the current epoch; returns that epoch's parity. */
static unsigned enter(struct map_index_slot *slot)
{
	for (;;) {
		unsigned e = atomic_load(&slot->epoch);
		atomic_fetch_add(&slot->active[e & 1], 1);
		if (atomic_load(&slot->epoch) == e)
			return e & 1;
		atomic_fetch_sub(&slot->active[e & 1], 1);
	}
}

struct map_index *map_index_slot_acquire(struct map_index_slot *slot)
{
	unsigned p = enter(slot);
	struct map_index *idx = atomic_load(&slot->cur);

	/* Relaxed: the slot's own reference keeps idx alive until we leave. */
	if (idx)
		atomic_fetch_add_explicit(&idx->refs, 1, memory_order_relaxed);
	atomic_fetch_sub(&slot->active[p], 1);
	return idx;
}

void map_index_release(struct map_index *idx)
{
	if (idx)
		map_index__unref(idx);
}

void map_index_slot_swap(struct map_index_slot *slot, struct map_index *next)
{
	struct map_index *old;
	unsigned e;

	pthread_mutex_lock(&slot->swap_lock);
	old = atomic_exchange(&slot->cur, next);
	e = atomic_fetch_add(&slot->epoch, 1);
	/* Readers stay in an acquire for a few instructions: yielding is
	 * enough, and lets a preempted reader run on a busy machine. */
	while (atomic_load(&slot->active[e & 1]) != 0)
		sched_yield();
	pthread_mutex_unlock(&slot->swap_lock);
	if (old)
		map_index__unref(old);
}
