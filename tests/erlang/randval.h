/*
 * randval: random values of asn1c types, made by walking their type
 * descriptors (tdesc.h) and PER constraints, so that every value is valid:
 *
 * - INTEGER: within its range, the bounds (where "unavailable" markers
 *   live) more often than the rest;
 * - ENUMERATED: any value of the root;
 * - strings and SEQUENCE OF: sizes across their SIZE range, both bounds
 *   included; an extensible BIT STRING sometimes longer than its root
 *   (up to RANDVAL_EXT_BITS_MAX bits);
 * - OPTIONAL fields present or absent at random, every root alternative of
 *   a CHOICE.
 *
 * A budget keeps nested lists from multiplying: a list has at most `budget`
 * elements (never fewer than its lower bound) and shares the budget among
 * them; a string has at most 16 * budget characters.  A MessageFrame made
 * with RANDVAL_TOP_BUDGET stays within a few kilobytes, below the codec's
 * 16 KiB limit, while its outer lists still reach their upper bounds.
 *
 * Seeded and repeatable: one seed always gives the same values.
 */
#ifndef V2X_TESTS_ERLANG_RANDVAL_H
#define V2X_TESTS_ERLANG_RANDVAL_H

#include <stdint.h>

#include "asn_application.h"

#define RANDVAL_TOP_BUDGET 64

/*
 * The normalised model keeps 64 bits of an extensible BIT STRING and marks
 * a longer one cut (V2X_MSG_F_BITS_CUT, msg.h), so longer values cannot
 * round-trip by design and are not generated.
 */
#define RANDVAL_EXT_BITS_MAX 64

struct randval {
	uint64_t state;
};

void randval_init(struct randval *r, uint64_t seed);

/* Returns a number uniform in lo..hi (lo <= hi). */
long randval_range(struct randval *r, long lo, long hi);

/*
 * Fills the zeroed value at ptr, of type td under the PER constraints pc
 * (NULL: td's own), with a random value.  Memory comes from malloc, as
 * asn1c's free_struct expects; the caller frees the value with it even
 * when this fails.  Returns 0, or -1 when out of memory or td holds a kind
 * of type that randval does not know.
 */
int randval_fill(struct randval *r, asn_TYPE_descriptor_t *td, asn_per_constraints_t *pc, void *ptr,
                 long budget);

/* As randval_fill, for the CHOICE td with alternative alt (1-based). */
int randval_fill_choice(struct randval *r, asn_TYPE_descriptor_t *td, int alt, void *ptr,
                        long budget);

#endif
