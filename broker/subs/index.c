/*
 * index: the 64-bit key -> slot index of the subscription table (the
 * connection slots by connection, the warning records by warning id).
 */
#include <stdlib.h>
#include <string.h>

#include "broker/subs/subs_int.h"
#include "runtime/err.h"

/* splitmix64's finaliser: pointers and sequential ids spread over the bits. */
uint64_t brk_subs__mix(uint64_t v)
{
	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ull;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebull;
	return v ^ (v >> 31);
}

int brk_subs__index_init(struct brk_subs__index *x, size_t n, brk_subs__key_fn key,
                         const void *owner)
{
	size_t cap = 4;

	while (cap < 2 * n)
		cap *= 2;
	x->slots = malloc(cap * sizeof(*x->slots));
	if (!x->slots)
		return V2X_ENOMEM;
	memset(x->slots, 0xff, cap * sizeof(*x->slots)); /* BRK_SUBS__NONE */
	x->mask = cap - 1;
	x->key = key;
	x->owner = owner;
	return 0;
}

void brk_subs__index_fini(struct brk_subs__index *x)
{
	free(x->slots);
	x->slots = NULL;
}

uint32_t brk_subs__index_find(const struct brk_subs__index *x, uint64_t key)
{
	for (size_t i = brk_subs__mix(key) & x->mask;; i = (i + 1) & x->mask) {
		uint32_t s = x->slots[i];

		if (s == BRK_SUBS__NONE || x->key(x->owner, s) == key)
			return s;
	}
}

void brk_subs__index_insert(struct brk_subs__index *x, uint64_t key, uint32_t slot)
{
	size_t i = brk_subs__mix(key) & x->mask;

	while (x->slots[i] != BRK_SUBS__NONE)
		i = (i + 1) & x->mask;
	x->slots[i] = slot;
}

/* Says whether home position h lies cyclically in (hole, i]: then the entry at i stays. */
static bool stays(size_t hole, size_t i, size_t h)
{
	return hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
}

void brk_subs__index_remove(struct brk_subs__index *x, uint64_t key)
{
	size_t hole = brk_subs__mix(key) & x->mask;

	while (x->slots[hole] != BRK_SUBS__NONE && x->key(x->owner, x->slots[hole]) != key)
		hole = (hole + 1) & x->mask;
	if (x->slots[hole] == BRK_SUBS__NONE)
		return;
	/* Backward shift: pull later entries of the cluster into the hole. */
	for (size_t i = (hole + 1) & x->mask; x->slots[i] != BRK_SUBS__NONE;
	     i = (i + 1) & x->mask) {
		size_t h = brk_subs__mix(x->key(x->owner, x->slots[i])) & x->mask;

		if (stays(hole, i, h))
			continue;
		x->slots[hole] = x->slots[i];
		hole = i;
	}
	x->slots[hole] = BRK_SUBS__NONE;
}
