/*
 * hashtab: linear probing over a power-of-two array with backward-shift
 * deletion (see hashtab.h).
 */
#include "broker/state/hashtab.h"

#include <stdlib.h>

#include "runtime/err.h"

/* splitmix64's finaliser: vehicle ids are random-looking already, but
 * intersection keys are small integers packed together and would
 * otherwise fill one run of the array. */
static size_t mix(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

int brk__hash_init(struct brk__hash *h, size_t n, brk__hash_key_fn key, const void *owner)
{
	size_t size = 8;

	while (size < 2 * n)
		size *= 2;
	h->slots = malloc(size * sizeof(*h->slots));
	if (!h->slots)
		return V2X_ENOMEM;
	for (size_t i = 0; i < size; i++)
		h->slots[i] = BRK__HASH_EMPTY;
	h->mask = size - 1;
	h->key = key;
	h->owner = owner;
	return 0;
}

void brk__hash_fini(struct brk__hash *h)
{
	free(h->slots);
	h->slots = NULL;
}

/* Returns the array position holding key, or the empty one where the
 * probe for it ends. */
static size_t probe(const struct brk__hash *h, uint64_t key)
{
	size_t pos = mix(key) & h->mask;

	while (h->slots[pos] != BRK__HASH_EMPTY && h->key(h->owner, h->slots[pos]) != key)
		pos = (pos + 1) & h->mask;
	return pos;
}

uint32_t brk__hash_find(const struct brk__hash *h, uint64_t key)
{
	return h->slots[probe(h, key)];
}

void brk__hash_insert(struct brk__hash *h, uint64_t key, uint32_t i)
{
	h->slots[probe(h, key)] = i;
}

void brk__hash_remove(struct brk__hash *h, uint64_t key)
{
	size_t hole = probe(h, key);
	size_t pos = hole;

	if (h->slots[hole] == BRK__HASH_EMPTY)
		return;
	/* Move back every later entry of the run whose home position does
	 * not lie cyclically in (hole, pos]: it would no longer be found
	 * past the hole otherwise. */
	for (;;) {
		pos = (pos + 1) & h->mask;
		if (h->slots[pos] == BRK__HASH_EMPTY)
			break;
		size_t home = mix(h->key(h->owner, h->slots[pos])) & h->mask;
		if (((pos - home) & h->mask) >= ((pos - hole) & h->mask)) {
			h->slots[hole] = h->slots[pos];
			hole = pos;
		}
	}
	h->slots[hole] = BRK__HASH_EMPTY;
}
