#include "tests/erlang/tdesc.h"

#include <string.h>

#include "BIT_STRING.h"
#include "IA5String.h"
#include "NativeEnumerated.h"
#include "NativeInteger.h"
#include "OCTET_STRING.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SEQUENCE_OF.h"

/* Freeing NULL does nothing but, through a derived type's wrapper, copies
 * the base type's functions into td: the cheapest call that does it. */
static void resolve(asn_TYPE_descriptor_t *td)
{
	td->free_struct(td, NULL, 0);
}

/* The three string kinds share one UPER encoder; the printer and the
 * constraint checker tell them apart. */
static enum tdesc_kind string_kind(const asn_TYPE_descriptor_t *td)
{
	if (td->print_struct == BIT_STRING_print)
		return TDESC_BIT_STRING;
	if (td->check_constraints == IA5String_constraint)
		return TDESC_IA5_STRING;
	if (td->print_struct == OCTET_STRING_print)
		return TDESC_OCTET_STRING;
	return TDESC_UNSUPPORTED;
}

enum tdesc_kind tdesc_kind(asn_TYPE_descriptor_t *td)
{
	resolve(td);
	if (td->uper_encoder == NativeInteger_encode_uper)
		return TDESC_INTEGER;
	if (td->uper_encoder == NativeEnumerated_encode_uper)
		return TDESC_ENUMERATED;
	if (td->uper_encoder == OCTET_STRING_encode_uper)
		return string_kind(td);
	if (td->uper_encoder == SEQUENCE_encode_uper)
		return TDESC_SEQUENCE;
	if (td->uper_encoder == SEQUENCE_OF_encode_uper)
		return TDESC_SEQUENCE_OF;
	if (td->uper_encoder == CHOICE_encode_uper)
		return TDESC_CHOICE;
	return TDESC_UNSUPPORTED;
}

asn_per_constraints_t *tdesc_member_constraints(const asn_TYPE_member_t *m)
{
	return m->per_constraints ? m->per_constraints : m->type->per_constraints;
}

const void *tdesc_member_get(const asn_TYPE_member_t *m, const void *sptr)
{
	const char *p = (const char *)sptr + m->memb_offset;

	if (m->flags & ATF_POINTER)
		return *(const void *const *)(const void *)p;
	return p;
}

void *tdesc_member_slot(const asn_TYPE_member_t *m, void *sptr)
{
	return (char *)sptr + m->memb_offset;
}

size_t tdesc_struct_size(asn_TYPE_descriptor_t *td)
{
	switch (tdesc_kind(td)) {
	case TDESC_INTEGER:
	case TDESC_ENUMERATED:
		return sizeof(long);
	case TDESC_BIT_STRING:
		return sizeof(BIT_STRING_t);
	case TDESC_OCTET_STRING:
	case TDESC_IA5_STRING:
		return sizeof(OCTET_STRING_t);
	case TDESC_SEQUENCE:
		return (size_t)((const asn_SEQUENCE_specifics_t *)td->specifics)->struct_size;
	case TDESC_SEQUENCE_OF:
		return (size_t)((const asn_SET_OF_specifics_t *)td->specifics)->struct_size;
	case TDESC_CHOICE:
		return (size_t)((const asn_CHOICE_specifics_t *)td->specifics)->struct_size;
	case TDESC_UNSUPPORTED:
		break;
	}
	return 0;
}

int tdesc_choice_root_count(const asn_TYPE_descriptor_t *td)
{
	const asn_CHOICE_specifics_t *specs = td->specifics;

	return specs->ext_start >= 0 ? specs->ext_start : td->elements_count;
}

/* The present field is a C enum whose size asn1c records, as
 * constr_CHOICE.c reads it. */
int tdesc_choice_present(const asn_TYPE_descriptor_t *td, const void *sptr)
{
	const asn_CHOICE_specifics_t *specs = td->specifics;
	const char *p = (const char *)sptr + specs->pres_offset;

	switch (specs->pres_size) {
	case sizeof(int): {
		int v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	case sizeof(short): {
		short v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	case sizeof(char):
		return *(const signed char *)p;
	default:
		return 0;
	}
}

void tdesc_choice_set_present(const asn_TYPE_descriptor_t *td, void *sptr, int present)
{
	const asn_CHOICE_specifics_t *specs = td->specifics;
	char *p = (char *)sptr + specs->pres_offset;

	switch (specs->pres_size) {
	case sizeof(int):
		memcpy(p, &present, sizeof(present));
		break;
	case sizeof(short): {
		short v = (short)present;
		memcpy(p, &v, sizeof(v));
		break;
	}
	case sizeof(char):
		*(signed char *)p = (signed char)present;
		break;
	default:
		break;
	}
}

const char *tdesc_enum_name(const asn_TYPE_descriptor_t *td, long v)
{
	const asn_INTEGER_specifics_t *specs = td->specifics;

	for (int i = 0; specs && i < specs->map_count; i++)
		if (specs->value2enum[i].nat_value == v)
			return specs->value2enum[i].enum_name;
	return NULL;
}
