/*
 * keytab: the open-addressing index of the warning and hazard tables
 * (internal to broker/apps).
 *
 * It maps a key of any shape to a slot number of the owner's preallocated
 * pool.  The owner hashes its key to 64 bits and keeps the key in its
 * slot; the index stores the 64-bit hash beside each slot number and asks
 * the owner to compare full keys only when two hashes are equal, so keys
 * longer than 64 bits (a warning's type, target and subject) need no
 * perfect packing.  Linear probing with backward-shift deletion, sized at
 * init to at least twice the pool, a power of two; never grows.
 */
#ifndef V2X_BROKER_APPS_KEYTAB_H
#define V2X_BROKER_APPS_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRK__KTAB_EMPTY UINT32_MAX

/* Whether pool slot i holds key (the owner's own key type). */
typedef bool (*brk__ktab_eq_fn)(const void *owner, uint32_t i, const void *key);

struct brk__ktab_cell {
	uint64_t hash;
	uint32_t slot; /* BRK__KTAB_EMPTY when free */
};

struct brk__ktab {
	struct brk__ktab_cell *cells;
	size_t mask;
	brk__ktab_eq_fn eq;
	const void *owner;
};

/* Returns a well-mixed 64-bit hash of n bytes at p (FNV-1a, then mixed). */
uint64_t brk__ktab_hash(const void *p, size_t n);

/* Returns a well-mixed hash of a 64-bit integer key. */
uint64_t brk__ktab_hash64(uint64_t k);

/* Allocates the index for a pool of n (>= 1) slots.  0 or V2X_ENOMEM. */
int brk__ktab_init(struct brk__ktab *t, size_t n, brk__ktab_eq_fn eq, const void *owner);

/* Frees what t holds; t may be zeroed or initialised. */
void brk__ktab_fini(struct brk__ktab *t);

/* Returns the pool slot holding key (of hash), or BRK__KTAB_EMPTY. */
uint32_t brk__ktab_find(const struct brk__ktab *t, uint64_t hash, const void *key);

/* Adds pool slot i under hash; its key must not be present already. */
void brk__ktab_insert(struct brk__ktab *t, uint64_t hash, uint32_t i);

/* Removes pool slot i, which was inserted under hash (must be present). */
void brk__ktab_remove(struct brk__ktab *t, uint64_t hash, uint32_t i);

#endif
