/*
 * convert: what the conversions between asn1c's structs and struct v2x_msg
 * share (internal to codecs/).
 *
 * A struct cvt carries the arena that receives what a conversion builds,
 * the path of the field being converted, and the first failure.
 * Conversion functions do not return errors: they record the first one in
 * the struct cvt and carry on with a harmless value, and the caller checks
 * cvt.err once at the end.  That keeps each converter a flat list of field
 * assignments.
 *
 * Direction "from" reads asn1c's decoded struct into the model and checks
 * every constraint the encoding cannot enforce itself (UPER puts 0..28800
 * in 15 bits, so 30000 arrives as well).  Direction "to" builds an asn1c
 * struct in the arena, to be encoded and never freed by asn1c.
 */
#ifndef V2X_CODECS_CONVERT_H
#define V2X_CODECS_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "BIT_STRING.h"
#include "OCTET_STRING.h"
#include "asn_SEQUENCE_OF.h"

#include "codecs/msg.h"
#include "runtime/arena.h"

#define CVT_PATH_MAX 12

struct cvt {
	struct v2x_arena *arena;
	int err;        /* first failure, 0 if none */
	uint32_t flags; /* enum v2x_msg_flag seen so far */
	int depth;
	const char *path[CVT_PATH_MAX];
	long index[CVT_PATH_MAX]; /* -1 for a field, else the list index */
	char msg[256];
};

/* A scaled integer field: value = raw * scale, raw in lo..hi, and raw ==
 * unavail (when has_unavail) means "unavailable" (NaN). */
struct cvt_scale {
	long lo, hi;
	double scale;
	bool has_unavail;
	long unavail;
};

/* An enumeration with values 0..count-1 (the schema's are contiguous). */
struct cvt_enum {
	long count;
	bool extensible;
};

void cvt__init(struct cvt *cv, struct v2x_arena *arena);

/* Path of the field being converted, for error messages. */
void cvt__push(struct cvt *cv, const char *name);
void cvt__push_index(struct cvt *cv, const char *name, size_t i);
void cvt__pop(struct cvt *cv);

/* Records a failure of field (NULL: of the current path itself) as
 * "path.field: message" (the first failure wins). */
void cvt__fail(struct cvt *cv, int err, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Zeroed memory from the arena; records V2X_ENOMEM and returns NULL. */
void *cvt__alloc(struct cvt *cv, size_t n, size_t size);
#define CVT_NEW(cv, type) ((type *)cvt__alloc((cv), 1, sizeof(type)))

/* ---- scalars ------------------------------------------------------------ */

double cvt__scaled_from(struct cvt *cv, const struct cvt_scale *s, long raw, const char *field);
long cvt__scaled_to(struct cvt *cv, const struct cvt_scale *s, double v, const char *field);

/* A plain integer field checked against lo..hi. */
long cvt__int_from(struct cvt *cv, long raw, long lo, long hi, const char *field);
long cvt__int_to(struct cvt *cv, long v, long lo, long hi, const char *field);

/* Extensible enumerations map values of a newer schema (decoded by the
 * patched runtime as negative numbers) to V2X_ENUM_UNRECOGNISED. */
uint8_t cvt__enum_from(struct cvt *cv, const struct cvt_enum *e, long raw, const char *field);
long cvt__enum_to(struct cvt *cv, const struct cvt_enum *e, uint8_t v, const char *field);

/* OPTIONAL members are pointers in asn1c's structs. */
long *cvt__new_long(struct cvt *cv, long v);

/* ---- strings ------------------------------------------------------------ */

/* Bit strings: named bit n of the schema is bit (1 << n) of the value.
 * lo..hi is the SIZE constraint; hi < 0 means extensible (no upper bound). */
uint64_t cvt__bits_from(struct cvt *cv, const BIT_STRING_t *b, long lo, long hi, uint8_t *nbits,
                        const char *field);
void cvt__bits_to(struct cvt *cv, uint64_t v, unsigned nbits, BIT_STRING_t *b);
BIT_STRING_t *cvt__new_bits(struct cvt *cv, uint64_t v, unsigned nbits);

/* Fixed-size octet strings (ids). */
void cvt__octets_from(struct cvt *cv, const OCTET_STRING_t *o, uint8_t *out, size_t n,
                      const char *field);
void cvt__octets_to(struct cvt *cv, const uint8_t *in, size_t n, OCTET_STRING_t *o);

/* DescriptiveName (IA5String SIZE(1..63)), absent as len 0. */
void cvt__name_from(struct cvt *cv, const OCTET_STRING_t *o, struct v2x_name *out,
                    const char *field);
OCTET_STRING_t *cvt__name_to(struct cvt *cv, const struct v2x_name *name, const char *field);

/* ---- lists -------------------------------------------------------------- */

/*
 * Checks the element count of a decoded SEQUENCE OF (UPER's length field
 * can hold more than the SIZE constraint allows) and returns an arena array
 * of count elements of elem_size, or NULL (and a recorded failure).
 */
void *cvt__list_from(struct cvt *cv, int count, size_t lo, size_t hi, size_t elem_size,
                     const char *field);

/*
 * Fills the asn1c list (an A_SEQUENCE_OF) with n zeroed elements of
 * elem_size from the arena and returns the first, the elements being
 * contiguous; NULL on failure.  n is checked against lo..hi.
 */
void *cvt__list_to(struct cvt *cv, void *asn_list, size_t n, size_t lo, size_t hi, size_t elem_size,
                   const char *field);

/* The i-th element of a decoded asn1c list. */
#define CVT_ELEM(list, i) ((list).array[(i)])

#endif
