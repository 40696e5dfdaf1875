/*
 * keytab: linear probing with stored hashes and backward-shift deletion
 * (see keytab.h).
 */
#include "broker/apps/keytab.h"

#include <stdlib.h>

#include "runtime/err.h"

/* splitmix64's finaliser. */
uint64_t brk__ktab_hash64(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return k;
}

uint64_t brk__ktab_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return brk__ktab_hash64(h);
}

int brk__ktab_init(struct brk__ktab *t, size_t n, brk__ktab_eq_fn eq, const void *owner)
{
	size_t size = 8;

	while (size < 2 * n)
		size *= 2;
	t->cells = malloc(size * sizeof(*t->cells));
	if (!t->cells)
		return V2X_ENOMEM;
	for (size_t i = 0; i < size; i++)
		t->cells[i] = (struct brk__ktab_cell){ 0, BRK__KTAB_EMPTY };
	t->mask = size - 1;
	t->eq = eq;
	t->owner = owner;
	return 0;
}

void brk__ktab_fini(struct brk__ktab *t)
{
	free(t->cells);
	t->cells = NULL;
}

uint32_t brk__ktab_find(const struct brk__ktab *t, uint64_t hash, const void *key)
{
	size_t pos = (size_t)hash & t->mask;

	for (;; pos = (pos + 1) & t->mask) {
		const struct brk__ktab_cell *c = &t->cells[pos];
		if (c->slot == BRK__KTAB_EMPTY)
			return BRK__KTAB_EMPTY;
		if (c->hash == hash && t->eq(t->owner, c->slot, key))
			return c->slot;
	}
}

void brk__ktab_insert(struct brk__ktab *t, uint64_t hash, uint32_t i)
{
	size_t pos = (size_t)hash & t->mask;

	while (t->cells[pos].slot != BRK__KTAB_EMPTY)
		pos = (pos + 1) & t->mask;
	t->cells[pos] = (struct brk__ktab_cell){ hash, i };
}

void brk__ktab_remove(struct brk__ktab *t, uint64_t hash, uint32_t i)
{
	size_t hole = (size_t)hash & t->mask;
	size_t pos;

	while (t->cells[hole].slot != i) {
		if (t->cells[hole].slot == BRK__KTAB_EMPTY)
			return;
		hole = (hole + 1) & t->mask;
	}
	/* Move back every later cell of the run whose home position does not
	 * lie cyclically in (hole, pos]: a probe would stop at the hole before
	 * reaching it otherwise. */
	for (pos = hole;;) {
		pos = (pos + 1) & t->mask;
		if (t->cells[pos].slot == BRK__KTAB_EMPTY)
			break;
		size_t home = (size_t)t->cells[pos].hash & t->mask;
		if (((pos - home) & t->mask) >= ((pos - hole) & t->mask)) {
			t->cells[hole] = t->cells[pos];
			hole = pos;
		}
	}
	t->cells[hole] = (struct brk__ktab_cell){ 0, BRK__KTAB_EMPTY };
}
