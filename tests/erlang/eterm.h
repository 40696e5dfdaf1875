/*
 * eterm: an asn1c value written as the Erlang term that OTP's asn1
 * application (OTP 25, default options) gives for the same ASN.1 value, so
 * that Erlang can read it with erl_scan/erl_parse and compare it with what
 * it decoded.  The walk is generic, over the type descriptors (tdesc.h):
 *
 *   SEQUENCE      {'TypeName', Field1, ..., FieldN}: a record, the type's
 *                 name first; asn1_NOVALUE for an absent OPTIONAL field
 *   CHOICE        {'alternative-name', Value}
 *   SEQUENCE OF   [Value, ...]
 *   INTEGER       an integer
 *   ENUMERATED    the name as an atom; {asn1_enum, N} for a value the type
 *                 does not name (Erlang's form of an unknown extension)
 *   BIT STRING    a bitstring, <<B0, ..., Last:K>>.  Erlang gives a named
 *                 BIT STRING as a list of names instead; the test driver
 *                 turns both into the positions of the set bits.
 *   OCTET STRING  a binary
 *   IA5String     a string: the list of character codes
 *
 * Atoms are always quoted.  Nothing is written after the term: the caller
 * adds the "." that ends it.
 */
#ifndef V2X_TESTS_ERLANG_ETERM_H
#define V2X_TESTS_ERLANG_ETERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "asn_application.h"

/*
 * Writes the value at sptr (of type td; borrowed for the call) to out.
 * Returns 0, or -1 when the value holds a kind of type that eterm does not
 * know (the term written is then incomplete).
 */
int eterm_print(FILE *out, asn_TYPE_descriptor_t *td, const void *sptr);

/* Writes the bytes buf[0..n) to out as an Erlang string of hex digits,
 * "0a1b...". */
void eterm_print_hex(FILE *out, const uint8_t *buf, size_t n);

#endif
