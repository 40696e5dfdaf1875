/*
 * hashtab: the open-addressing index shared by the track and SPAT tables
 * (internal to broker/state).
 *
 * It maps a 64-bit key to a slot number of the owner's preallocated pool;
 * the owner keeps the key in its slot and hands a callback that reads it
 * back, so the index itself stores only 32-bit slot numbers.  Linear
 * probing with backward-shift deletion: no tombstones, so a table that
 * churns (vehicles come and go all day) never degrades.  The array is
 * sized at init to at least twice the pool, a power of two, and never
 * grows.
 */
#ifndef V2X_BROKER_STATE_HASHTAB_H
#define V2X_BROKER_STATE_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

#define BRK__HASH_EMPTY UINT32_MAX

/* Returns the key of pool slot i. */
typedef uint64_t (*brk__hash_key_fn)(const void *owner, uint32_t i);

struct brk__hash {
	uint32_t *slots; /* pool slot numbers; BRK__HASH_EMPTY when free */
	size_t mask;
	brk__hash_key_fn key;
	const void *owner;
};

/* Allocates the index for a pool of n (>= 1) slots.  0 or V2X_ENOMEM. */
int brk__hash_init(struct brk__hash *h, size_t n, brk__hash_key_fn key, const void *owner);

/* Frees what h holds. */
void brk__hash_fini(struct brk__hash *h);

/* Returns the pool slot of key, or BRK__HASH_EMPTY. */
uint32_t brk__hash_find(const struct brk__hash *h, uint64_t key);

/* Adds pool slot i under key (which must not be present already). */
void brk__hash_insert(struct brk__hash *h, uint64_t key, uint32_t i);

/* Removes key (which must be present). */
void brk__hash_remove(struct brk__hash *h, uint64_t key);

#endif
