#include "tests/erlang/randval.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "BIT_STRING.h"
#include "INTEGER.h"
#include "OCTET_STRING.h"
#include "asn_SEQUENCE_OF.h"

#include "tests/erlang/tdesc.h"

/* Sizes and values used where the schema gives no PER-visible bound (not
 * the case in the Day-1 modules, but the walk is generic). */
#define FREE_SIZE_SPAN  16
#define FREE_VALUE_SPAN 1000

/* A string has at most this many characters per unit of budget. */
#define CHARS_PER_BUDGET 16

void randval_init(struct randval *r, uint64_t seed)
{
	r->state = seed;
}

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t next(struct randval *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

long randval_range(struct randval *r, long lo, long hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo; /* one less than the count */

	if (span == UINT64_MAX)
		return (long)next(r);
	return (long)((uint64_t)lo + next(r) % (span + 1));
}

static bool coin(struct randval *r)
{
	return next(r) & 1;
}

/*
 * A size in lb..min(ub, cap): a quarter of the time the lower bound, a
 * quarter the largest allowed, else anything between, so that both ends of
 * every SIZE range are exercised.
 */
static long pick_size(struct randval *r, long lb, long ub, long cap)
{
	long hi = ub < cap ? ub : cap;

	if (hi < lb)
		hi = lb;
	switch (randval_range(r, 0, 3)) {
	case 0:
		return lb;
	case 1:
		return hi;
	default:
		return randval_range(r, lb, hi);
	}
}

static void size_bounds(const asn_per_constraints_t *pc, long *lb, long *ub)
{
	*lb = 0;
	*ub = FREE_SIZE_SPAN;
	if (pc && (pc->size.flags & APC_CONSTRAINED)) {
		*lb = pc->size.lower_bound;
		*ub = pc->size.upper_bound;
	} else if (pc && (pc->size.flags & APC_SEMI_CONSTRAINED)) {
		*lb = pc->size.lower_bound;
		*ub = *lb + FREE_SIZE_SPAN;
	}
}

static void value_bounds(const asn_per_constraints_t *pc, long *lb, long *ub)
{
	*lb = -FREE_VALUE_SPAN;
	*ub = FREE_VALUE_SPAN;
	if (pc && (pc->value.flags & APC_CONSTRAINED)) {
		*lb = pc->value.lower_bound;
		*ub = pc->value.upper_bound;
	} else if (pc && (pc->value.flags & APC_SEMI_CONSTRAINED)) {
		*lb = pc->value.lower_bound;
		*ub = *lb + FREE_VALUE_SPAN;
	}
}

/* The bounds an eighth of the time each: "unavailable" and "invalid"
 * markers (Speed 8191, TimeMark 36001, Elevation -4096) sit there. */
static int fill_integer(struct randval *r, const asn_per_constraints_t *pc, long *v)
{
	long lb, ub;

	value_bounds(pc, &lb, &ub);
	switch (randval_range(r, 0, 7)) {
	case 0:
		*v = lb;
		break;
	case 1:
		*v = ub;
		break;
	default:
		*v = randval_range(r, lb, ub);
		break;
	}
	return 0;
}

static int fill_enumerated(struct randval *r, const asn_TYPE_descriptor_t *td, long *v)
{
	const asn_INTEGER_specifics_t *specs = td->specifics;
	int root;

	if (!specs || specs->map_count < 1)
		return -1;
	/* extension is 1 + the number of root values, 0 when not extensible. */
	root = specs->extension ? specs->extension - 1 : specs->map_count;
	*v = specs->value2enum[randval_range(r, 0, root - 1)].nat_value;
	return 0;
}

/* Makes buf a fresh array of n random octets. */
static int random_bytes(struct randval *r, long n, uint8_t **buf, int *size)
{
	*buf = malloc(n > 0 ? (size_t)n : 1);
	if (!*buf)
		return -1;
	for (long i = 0; i < n; i++)
		(*buf)[i] = (uint8_t)next(r);
	*size = (int)n;
	return 0;
}

/*
 * X.691 16.2: a named BIT STRING goes on the wire at the smallest size that
 * holds its set bits (and satisfies the constraint), so a length beyond the
 * root ends in a set bit.
 */
static int fill_bit_string(struct randval *r, const asn_per_constraints_t *pc, BIT_STRING_t *b)
{
	long lb, ub, nbits;
	bool extended;

	size_bounds(pc, &lb, &ub);
	extended = pc && (pc->size.flags & APC_EXTENSIBLE) && ub < RANDVAL_EXT_BITS_MAX &&
	           randval_range(r, 0, 3) == 0;
	nbits = extended ? randval_range(r, ub + 1, RANDVAL_EXT_BITS_MAX)
	                 : pick_size(r, lb, ub, ub);
	if (random_bytes(r, (nbits + 7) / 8, &b->buf, &b->size))
		return -1;
	b->bits_unused = (int)((8 - nbits % 8) % 8);
	if (b->bits_unused)
		b->buf[b->size - 1] &= (uint8_t)(0xffu << b->bits_unused);
	if (extended)
		b->buf[(nbits - 1) / 8] |= (uint8_t)(0x80u >> ((nbits - 1) % 8));
	return 0;
}

static int fill_octets(struct randval *r, const asn_per_constraints_t *pc, OCTET_STRING_t *o,
                       long budget)
{
	long lb, ub;

	size_bounds(pc, &lb, &ub);
	return random_bytes(r, pick_size(r, lb, ub, budget * CHARS_PER_BUDGET), &o->buf, &o->size);
}

/* Characters anywhere in the PER-visible alphabet range (IA5: 0..127),
 * NUL included. */
static int fill_string(struct randval *r, const asn_per_constraints_t *pc, OCTET_STRING_t *o,
                       long budget)
{
	long lb, ub, clo = 0, chi = 127;

	size_bounds(pc, &lb, &ub);
	if (pc && (pc->value.flags & APC_CONSTRAINED)) {
		clo = pc->value.lower_bound;
		chi = pc->value.upper_bound;
	}
	if (random_bytes(r, pick_size(r, lb, ub, budget * CHARS_PER_BUDGET), &o->buf, &o->size))
		return -1;
	for (int i = 0; i < o->size; i++)
		o->buf[i] = (uint8_t)randval_range(r, clo, chi);
	return 0;
}

/* Fills member m of the structure at sptr, allocating it when asn1c keeps
 * it behind a pointer. */
static int fill_member(struct randval *r, const asn_TYPE_member_t *m, void *sptr, long budget)
{
	void *slot = tdesc_member_slot(m, sptr);
	void *v = slot;

	if (m->flags & ATF_POINTER) {
		size_t size = tdesc_struct_size(m->type);

		if (!size || !(v = calloc(1, size)))
			return -1;
		*(void **)slot = v;
	}
	return randval_fill(r, m->type, tdesc_member_constraints(m), v, budget);
}

static int fill_sequence(struct randval *r, const asn_TYPE_descriptor_t *td, void *sptr,
                         long budget)
{
	for (int i = 0; i < td->elements_count; i++) {
		const asn_TYPE_member_t *m = &td->elements[i];

		if (m->optional && coin(r))
			continue;
		if (fill_member(r, m, sptr, budget))
			return -1;
	}
	return 0;
}

static int fill_sequence_of(struct randval *r, const asn_TYPE_descriptor_t *td,
                            const asn_per_constraints_t *pc, void *sptr, long budget)
{
	const asn_TYPE_member_t *m = &td->elements[0];
	size_t size = tdesc_struct_size(m->type);
	long lb, ub, n, share;

	size_bounds(pc, &lb, &ub);
	n = pick_size(r, lb, ub, budget);
	share = n > 0 && budget / n > 0 ? budget / n : 1;
	for (long i = 0; i < n; i++) {
		void *elem = size ? calloc(1, size) : NULL;

		if (!elem || ASN_SEQUENCE_ADD(sptr, elem) != 0) {
			free(elem);
			return -1;
		}
		if (randval_fill(r, m->type, tdesc_member_constraints(m), elem, share))
			return -1;
	}
	return 0;
}

int randval_fill_choice(struct randval *r, asn_TYPE_descriptor_t *td, int alt, void *ptr,
                        long budget)
{
	if (alt < 1 || alt > td->elements_count)
		return -1;
	tdesc_choice_set_present(td, ptr, alt);
	return fill_member(r, &td->elements[alt - 1], ptr, budget);
}

static int fill_choice(struct randval *r, asn_TYPE_descriptor_t *td, void *ptr, long budget)
{
	int alt = (int)randval_range(r, 1, tdesc_choice_root_count(td));

	return randval_fill_choice(r, td, alt, ptr, budget);
}

int randval_fill(struct randval *r, asn_TYPE_descriptor_t *td, asn_per_constraints_t *pc, void *ptr,
                 long budget)
{
	enum tdesc_kind kind = tdesc_kind(td);

	if (!pc)
		pc = td->per_constraints;
	switch (kind) {
	case TDESC_INTEGER:
		return fill_integer(r, pc, ptr);
	case TDESC_ENUMERATED:
		return fill_enumerated(r, td, ptr);
	case TDESC_BIT_STRING:
		return fill_bit_string(r, pc, ptr);
	case TDESC_OCTET_STRING:
		return fill_octets(r, pc, ptr, budget);
	case TDESC_IA5_STRING:
		return fill_string(r, pc, ptr, budget);
	case TDESC_SEQUENCE:
		return fill_sequence(r, td, ptr, budget);
	case TDESC_SEQUENCE_OF:
		return fill_sequence_of(r, td, pc, ptr, budget);
	case TDESC_CHOICE:
		return fill_choice(r, td, ptr, budget);
	case TDESC_UNSUPPORTED:
		break;
	}
	return -1;
}
