/*
 * slot: the holder of the current lane index, swapped atomically when a
 * new map version is loaded while readers go on using the old one.
 *
 *   reader (the broker's loop, per message or per loop turn):
 *           struct map_index *idx = map_index_slot_acquire(slot);
 *           if (idx) { map_index_match(idx, ...); map_index_release(idx); }
 *   loader (any other thread):
 *           map_index_new(model, &next, err, sizeof(err));
 *           map_index_slot_swap(slot, next);
 *
 * An index is reference counted: the slot holds one reference to the
 * current index and each reader one to the index it acquired, so the old
 * index is freed by whichever of the swap and the last reader lets go of
 * it last, in that thread.
 *
 * Cost: readers never wait.  An acquire is three atomic read-modify-writes
 * on two cache lines (the slot's reader count and the index's reference
 * count) and a release one, some 20-40 ns uncontended; a reader retries
 * only when a swap happens during its acquire.  A swap waits (yielding the
 * CPU) for the readers that are inside an acquire at that moment, never for
 * readers that hold the old index.  Swaps are serialised by a mutex that
 * readers never take.
 */
#ifndef V2X_MAPS_INDEX_SLOT_H
#define V2X_MAPS_INDEX_SLOT_H

#include "maps/index/index.h"

struct map_index_slot;

/*
 * Makes a slot holding first (ownership is taken, even on failure; NULL
 * for an empty slot).  Returns 0 and *out (caller frees with
 * map_index_slot_free) or V2X_ENOMEM.
 */
int map_index_slot_new(struct map_index *first, struct map_index_slot **out);

/*
 * Frees the slot and drops its reference to the current index, which
 * readers still holding it keep alive until they release it.  No thread
 * may acquire or swap during or after this call.  Accepts NULL.
 */
void map_index_slot_free(struct map_index_slot *slot);

/*
 * Returns the current index with a reference for the caller, who must pass
 * it to map_index_release() and may use it until then, even across a swap;
 * NULL when the slot is empty.  Thread-safe; never blocks.
 */
struct map_index *map_index_slot_acquire(struct map_index_slot *slot);

/* Drops a reference from map_index_slot_acquire(); frees the index if it
 * was the last one and the index is no longer current.  Accepts NULL. */
void map_index_release(struct map_index *idx);

/*
 * Makes next the current index (ownership is taken; NULL empties the slot)
 * and drops the slot's reference to the previous one.  Thread-safe.
 */
void map_index_slot_swap(struct map_index_slot *slot, struct map_index *next);

#endif
