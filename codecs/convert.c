#include "codecs/convert.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"

void cvt__init(struct cvt *cv, struct v2x_arena *arena)
{
	memset(cv, 0, sizeof(*cv));
	cv->arena = arena;
}

void cvt__push(struct cvt *cv, const char *name)
{
	cvt__push_index(cv, name, (size_t)-1);
}

void cvt__push_index(struct cvt *cv, const char *name, size_t i)
{
	/* Deeper paths than the schema has cannot occur; keep counting so
	 * that pops stay balanced. */
	if (cv->depth < CVT_PATH_MAX) {
		cv->path[cv->depth] = name;
		cv->index[cv->depth] = i == (size_t)-1 ? -1 : (long)i;
	}
	cv->depth++;
}

void cvt__pop(struct cvt *cv)
{
	if (cv->depth > 0)
		cv->depth--;
}

/* Writes "a.b[2].c" for the current path into buf. */
static size_t path_format(const struct cvt *cv, char *buf, size_t len)
{
	size_t used = 0;
	int depth = cv->depth < CVT_PATH_MAX ? cv->depth : CVT_PATH_MAX;

	buf[0] = '\0';
	for (int i = 0; i < depth && used < len; i++) {
		int n = cv->index[i] < 0 ? snprintf(buf + used, len - used, "%s%s", i ? "." : "",
		                                    cv->path[i])
		                         : snprintf(buf + used, len - used, "%s%s[%ld]",
		                                    i ? "." : "", cv->path[i], cv->index[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return used < len ? used : len - 1;
}

void cvt__fail(struct cvt *cv, int err, const char *field, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (cv->err)
		return;
	va_start(ap, fmt);
	cv->err = err;
	used = path_format(cv, cv->msg, sizeof(cv->msg));
	if (field) {
		int n = snprintf(cv->msg + used, sizeof(cv->msg) - used, "%s%s", used ? "." : "",
		                 field);
		if (n > 0)
			used = used + (size_t)n < sizeof(cv->msg) ? used + (size_t)n
			                                          : sizeof(cv->msg) - 1;
	}
	if (used && used + 2 < sizeof(cv->msg)) {
		memcpy(cv->msg + used, ": ", 3);
		used += 2;
	}
	vsnprintf(cv->msg + used, sizeof(cv->msg) - used, fmt, ap);
	va_end(ap);
}

void *cvt__alloc(struct cvt *cv, size_t n, size_t size)
{
	void *p = v2x_arena_calloc(cv->arena, n, size);

	if (!p)
		cvt__fail(cv, V2X_ENOMEM, NULL, "message needs more memory than the codec may use");
	return p;
}

double cvt__scaled_from(struct cvt *cv, const struct cvt_scale *s, long raw, const char *field)
{
	if (raw < s->lo || raw > s->hi) {
		cvt__fail(cv, V2X_EMALFORMED, field, "%ld is outside %ld..%ld", raw, s->lo, s->hi);
		return NAN;
	}
	if (s->has_unavail && raw == s->unavail)
		return NAN;
	return (double)raw * s->scale;
}

long cvt__scaled_to(struct cvt *cv, const struct cvt_scale *s, double v, const char *field)
{
	double r;

	if (isnan(v)) {
		if (s->has_unavail)
			return s->unavail;
		cvt__fail(cv, V2X_ERANGE, field, "has no 'unavailable' value");
		return s->lo;
	}
	r = round(v / s->scale);
	if (!(r >= (double)s->lo && r <= (double)s->hi) ||
	    (s->has_unavail && (long)r == s->unavail)) {
		cvt__fail(cv, V2X_ERANGE, field, "%g is outside %g..%g", v,
		          (double)s->lo * s->scale, (double)s->hi * s->scale);
		return s->lo;
	}
	return (long)r;
}

long cvt__int_from(struct cvt *cv, long raw, long lo, long hi, const char *field)
{
	if (raw < lo || raw > hi) {
		cvt__fail(cv, V2X_EMALFORMED, field, "%ld is outside %ld..%ld", raw, lo, hi);
		return lo;
	}
	return raw;
}

long cvt__int_to(struct cvt *cv, long v, long lo, long hi, const char *field)
{
	if (v < lo || v > hi) {
		cvt__fail(cv, V2X_ERANGE, field, "%ld is outside %ld..%ld", v, lo, hi);
		return lo;
	}
	return v;
}

uint8_t cvt__enum_from(struct cvt *cv, const struct cvt_enum *e, long raw, const char *field)
{
	if (raw < 0 && e->extensible) {
		cv->flags |= V2X_MSG_F_UNRECOGNISED_VALUE;
		return V2X_ENUM_UNRECOGNISED;
	}
	return (uint8_t)cvt__int_from(cv, raw, 0, e->count - 1, field);
}

long cvt__enum_to(struct cvt *cv, const struct cvt_enum *e, uint8_t v, const char *field)
{
	if (v == V2X_ENUM_UNRECOGNISED) {
		cvt__fail(cv, V2X_ERANGE, field, "a value of a newer schema cannot be encoded");
		return 0;
	}
	return cvt__int_to(cv, v, 0, e->count - 1, field);
}

long *cvt__new_long(struct cvt *cv, long v)
{
	long *p = CVT_NEW(cv, long);

	if (p)
		*p = v;
	return p;
}

uint64_t cvt__bits_from(struct cvt *cv, const BIT_STRING_t *b, long lo, long hi, uint8_t *nbits,
                        const char *field)
{
	long n = (long)b->size * 8 - b->bits_unused;
	uint64_t v = 0;

	if (b->size < 0 || b->bits_unused < 0 || b->bits_unused > 7 || n < lo ||
	    (hi >= 0 && n > hi)) {
		if (hi >= 0)
			cvt__fail(cv, V2X_EMALFORMED, field, "%ld bits, expected %ld..%ld", n, lo,
			          hi);
		else
			cvt__fail(cv, V2X_EMALFORMED, field, "%ld bits, expected %ld or more", n,
			          lo);
		return 0;
	}
	if (n > 64) {
		cv->flags |= V2X_MSG_F_BITS_CUT;
		n = 64;
	}
	for (long i = 0; i < n; i++)
		if (b->buf[i / 8] & (0x80u >> (i % 8)))
			v |= (uint64_t)1 << i;
	if (nbits)
		*nbits = (uint8_t)n;
	return v;
}

void cvt__bits_to(struct cvt *cv, uint64_t v, unsigned nbits, BIT_STRING_t *b)
{
	size_t size = (nbits + 7) / 8;

	b->buf = cvt__alloc(cv, size ? size : 1, 1);
	if (!b->buf)
		return;
	for (unsigned i = 0; i < nbits && i < 64; i++)
		if (v & ((uint64_t)1 << i))
			b->buf[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	b->size = (int)size;
	b->bits_unused = (int)(size * 8 - nbits);
}

BIT_STRING_t *cvt__new_bits(struct cvt *cv, uint64_t v, unsigned nbits)
{
	BIT_STRING_t *b = CVT_NEW(cv, BIT_STRING_t);

	if (b)
		cvt__bits_to(cv, v, nbits, b);
	return b;
}

void cvt__octets_from(struct cvt *cv, const OCTET_STRING_t *o, uint8_t *out, size_t n,
                      const char *field)
{
	if (o->size < 0 || (size_t)o->size != n) {
		cvt__fail(cv, V2X_EMALFORMED, field, "%d octets, expected %zu", o->size, n);
		memset(out, 0, n);
		return;
	}
	memcpy(out, o->buf, n);
}

void cvt__octets_to(struct cvt *cv, const uint8_t *in, size_t n, OCTET_STRING_t *o)
{
	o->buf = cvt__alloc(cv, n, 1);
	if (!o->buf)
		return;
	memcpy(o->buf, in, n);
	o->size = (int)n;
}

void cvt__name_from(struct cvt *cv, const OCTET_STRING_t *o, struct v2x_name *out,
                    const char *field)
{
	out->len = 0;
	out->s[0] = '\0';
	if (!o)
		return;
	if (o->size < 1 || o->size > V2X_NAME_MAX) {
		cvt__fail(cv, V2X_EMALFORMED, field, "%d characters, expected 1..%d", o->size,
		          V2X_NAME_MAX);
		return;
	}
	memcpy(out->s, o->buf, (size_t)o->size);
	out->s[o->size] = '\0';
	out->len = (uint8_t)o->size;
}

OCTET_STRING_t *cvt__name_to(struct cvt *cv, const struct v2x_name *name, const char *field)
{
	OCTET_STRING_t *o;

	if (name->len == 0)
		return NULL;
	if (name->len > V2X_NAME_MAX) {
		cvt__fail(cv, V2X_ERANGE, field, "%u characters, expected 1..%d", name->len,
		          V2X_NAME_MAX);
		return NULL;
	}
	for (size_t i = 0; i < name->len; i++) {
		if ((unsigned char)name->s[i] > 127) {
			cvt__fail(cv, V2X_ERANGE, field, "not an IA5 (ASCII) string");
			return NULL;
		}
	}
	o = CVT_NEW(cv, OCTET_STRING_t);
	if (o)
		cvt__octets_to(cv, (const uint8_t *)name->s, name->len, o);
	return o;
}

void *cvt__list_from(struct cvt *cv, int count, size_t lo, size_t hi, size_t elem_size,
                     const char *field)
{
	if (count < 0 || (size_t)count < lo || (size_t)count > hi) {
		cvt__fail(cv, V2X_EMALFORMED, field, "%d elements, expected %zu..%zu", count, lo,
		          hi);
		return NULL;
	}
	return cvt__alloc(cv, (size_t)count, elem_size);
}

/*
 * asn1c's A_SEQUENCE_OF(type) is { type **array; int count; int size;
 * free }, the same layout for every element type; asn_anonymous_sequence_
 * is its generic form.
 */
void *cvt__list_to(struct cvt *cv, void *asn_list, size_t n, size_t lo, size_t hi, size_t elem_size,
                   const char *field)
{
	asn_anonymous_sequence_ *list = asn_list;
	unsigned char *elems;
	void **array;

	if (n < lo || n > hi) {
		cvt__fail(cv, V2X_ERANGE, field, "%zu elements, expected %zu..%zu", n, lo, hi);
		return NULL;
	}
	array = cvt__alloc(cv, n, sizeof(void *));
	elems = cvt__alloc(cv, n, elem_size);
	if (!array || !elems)
		return NULL;
	for (size_t i = 0; i < n; i++)
		array[i] = elems + i * elem_size;
	list->array = array;
	list->count = (int)n;
	list->size = (int)n;
	return elems;
}
