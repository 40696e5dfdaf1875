/*
 * tdesc: reading asn1c 0.9.28 type descriptors generically, for the
 * differential test against Erlang (eterm prints values, randval makes
 * them).
 *
 * asn1c keeps no "kind" field in asn_TYPE_descriptor_t: a descriptor is
 * recognised by the functions it points to.  A type defined from another
 * (Latitude ::= INTEGER (...)) starts with wrappers of its own that copy
 * the base type's functions into the descriptor on first use, so
 * tdesc_kind() triggers that copy before it compares anything.
 */
#ifndef V2X_TESTS_ERLANG_TDESC_H
#define V2X_TESTS_ERLANG_TDESC_H

#include <stddef.h>

#include "asn_application.h"

enum tdesc_kind {
	TDESC_UNSUPPORTED = 0, /* REAL, BOOLEAN, SET, ...: not in the schema */
	TDESC_INTEGER,         /* NativeInteger: a long */
	TDESC_ENUMERATED,      /* NativeEnumerated: a long */
	TDESC_BIT_STRING,      /* BIT_STRING_t */
	TDESC_OCTET_STRING,    /* OCTET_STRING_t */
	TDESC_IA5_STRING,      /* IA5String_t, an OCTET_STRING_t */
	TDESC_SEQUENCE,
	TDESC_SEQUENCE_OF, /* A_SEQUENCE_OF(element) */
	TDESC_CHOICE,
};

/* Returns the kind of td (whose inherited functions it puts in place). */
enum tdesc_kind tdesc_kind(asn_TYPE_descriptor_t *td);

/* Returns the PER constraints that apply to member m: its own when it has
 * any (an inline constrained type), else those of its type; may be NULL. */
asn_per_constraints_t *tdesc_member_constraints(const asn_TYPE_member_t *m);

/* Returns the value of member m inside the structure at sptr, NULL when it
 * is an absent OPTIONAL (a NULL pointer). */
const void *tdesc_member_get(const asn_TYPE_member_t *m, const void *sptr);

/* Returns where member m lives inside the structure at sptr: the value
 * itself, or for a pointer member (ATF_POINTER) the pointer to set. */
void *tdesc_member_slot(const asn_TYPE_member_t *m, void *sptr);

/* Returns the size of the C structure that holds a value of td, or 0 for
 * a kind tdesc does not support. */
size_t tdesc_struct_size(asn_TYPE_descriptor_t *td);

/* Returns the number of root alternatives of the CHOICE td (those before
 * the extension marker). */
int tdesc_choice_root_count(const asn_TYPE_descriptor_t *td);

/* Returns the alternative present in the CHOICE at sptr: 1 for the first,
 * 0 for none. */
int tdesc_choice_present(const asn_TYPE_descriptor_t *td, const void *sptr);

/* Makes alternative present (1-based) the one present in the CHOICE at
 * sptr. */
void tdesc_choice_set_present(const asn_TYPE_descriptor_t *td, void *sptr, int present);

/* Returns the name of value v of the ENUMERATED td, NULL when the type has
 * no such value. */
const char *tdesc_enum_name(const asn_TYPE_descriptor_t *td, long v);

#endif
