#include "tests/erlang/eterm.h"

#include <stdbool.h>

#include "BIT_STRING.h"
#include "OCTET_STRING.h"
#include "asn_SEQUENCE_OF.h"

#include "tests/erlang/tdesc.h"

static void print_atom(FILE *out, const char *name)
{
	fputc('\'', out);
	for (const char *c = name; *c; c++) {
		if (*c == '\'' || *c == '\\')
			fputc('\\', out);
		fputc(*c, out);
	}
	fputc('\'', out);
}

static void print_bytes(FILE *out, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, i ? ",%u" : "%u", buf[i]);
}

static int print_bit_string(FILE *out, const BIT_STRING_t *b)
{
	size_t full = (size_t)b->size;
	/* The last octet holds 8 - bits_unused bits, at its top. */
	bool partial = b->bits_unused > 0 && full > 0;

	fputs("<<", out);
	if (partial)
		full--;
	print_bytes(out, b->buf, full);
	if (partial)
		fprintf(out, "%s%u:%d", full ? "," : "", (unsigned)b->buf[full] >> b->bits_unused,
		        8 - b->bits_unused);
	fputs(">>", out);
	return 0;
}

static int print_octets(FILE *out, const OCTET_STRING_t *o)
{
	fputs("<<", out);
	print_bytes(out, o->buf, (size_t)o->size);
	fputs(">>", out);
	return 0;
}

static int print_string(FILE *out, const OCTET_STRING_t *o)
{
	fputc('[', out);
	print_bytes(out, o->buf, (size_t)o->size);
	fputc(']', out);
	return 0;
}

static int print_enumerated(FILE *out, const asn_TYPE_descriptor_t *td, long v)
{
	const char *name = tdesc_enum_name(td, v);

	if (name)
		print_atom(out, name);
	else
		fprintf(out, "{asn1_enum,%ld}", v);
	return 0;
}

static int print_sequence(FILE *out, const asn_TYPE_descriptor_t *td, const void *sptr)
{
	int rc = 0;

	fputc('{', out);
	print_atom(out, td->name);
	for (int i = 0; i < td->elements_count; i++) {
		const asn_TYPE_member_t *m = &td->elements[i];
		const void *v = tdesc_member_get(m, sptr);

		fputc(',', out);
		if (v)
			rc |= eterm_print(out, m->type, v);
		else
			fputs("asn1_NOVALUE", out);
	}
	fputc('}', out);
	return rc;
}

static int print_sequence_of(FILE *out, const asn_TYPE_descriptor_t *td, const void *sptr)
{
	const asn_anonymous_sequence_ *list = _A_CSEQUENCE_FROM_VOID(sptr);
	int rc = 0;

	fputc('[', out);
	for (int i = 0; i < list->count; i++) {
		if (i)
			fputc(',', out);
		rc |= eterm_print(out, td->elements[0].type, list->array[i]);
	}
	fputc(']', out);
	return rc;
}

static int print_choice(FILE *out, const asn_TYPE_descriptor_t *td, const void *sptr)
{
	int present = tdesc_choice_present(td, sptr);
	const asn_TYPE_member_t *m;
	const void *v;
	int rc;

	if (present < 1 || present > td->elements_count) {
		fputs("{asn1_NOALTERNATIVE}", out);
		return -1;
	}
	m = &td->elements[present - 1];
	v = tdesc_member_get(m, sptr);
	fputc('{', out);
	print_atom(out, m->name);
	fputc(',', out);
	rc = v ? eterm_print(out, m->type, v) : -1;
	fputc('}', out);
	return rc;
}

int eterm_print(FILE *out, asn_TYPE_descriptor_t *td, const void *sptr)
{
	switch (tdesc_kind(td)) {
	case TDESC_INTEGER:
		fprintf(out, "%ld", *(const long *)sptr);
		return 0;
	case TDESC_ENUMERATED:
		return print_enumerated(out, td, *(const long *)sptr);
	case TDESC_BIT_STRING:
		return print_bit_string(out, sptr);
	case TDESC_OCTET_STRING:
		return print_octets(out, sptr);
	case TDESC_IA5_STRING:
		return print_string(out, sptr);
	case TDESC_SEQUENCE:
		return print_sequence(out, td, sptr);
	case TDESC_SEQUENCE_OF:
		return print_sequence_of(out, td, sptr);
	case TDESC_CHOICE:
		return print_choice(out, td, sptr);
	case TDESC_UNSUPPORTED:
		break;
	}
	fputs("unsupported_type", out);
	return -1;
}

void eterm_print_hex(FILE *out, const uint8_t *buf, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", buf[i]);
	fputc('"', out);
}
