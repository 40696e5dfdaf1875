/*
 * The JSON mapping: two walks over the tables of msgjson_tables.c, one
 * that prints a struct and one that fills it.
 */
#include "codecs/msgjson.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "codecs/msgjson_tables.h"
#include "runtime/err.h"

#define FIELD(obj, f)   ((const char *)(obj) + (f)->off)
#define FIELD_W(obj, f) ((char *)(obj) + (f)->off)

static const char unrecognised[] = "unrecognised";

static const char *const flag_names[] = { "skipped_extension", "unrecognised_value", "bits_cut" };

/* ---- printing ----------------------------------------------------------- */

static json_t *obj_to_json(const struct jtable *t, const void *obj);

static bool present(const struct jf *f, const void *obj)
{
	if (f->has_off >= 0)
		return *((const uint8_t *)obj + f->has_off) != 0;
	switch (f->kind) {
	case JF_NAME:
		return ((const struct v2x_name *)(const void *)FIELD(obj, f))->len > 0;
	case JF_TEXT:
		return ((const struct v2x_text *)(const void *)FIELD(obj, f))->kind !=
		       V2X_TEXT_NONE;
	case JF_LIST:
		return *(const size_t *)(const void *)((const char *)obj + f->aux_off) > 0;
	default:
		return true;
	}
}

static json_t *dbl_to_json(double v)
{
	if (isnan(v))
		return json_null();
	if (isinf(v))
		return json_string(v > 0 ? "inf" : "-inf");
	return json_real(v);
}

static json_t *enum_to_json(const struct jenum *e, uint8_t v)
{
	if (v == V2X_ENUM_UNRECOGNISED)
		return json_string(unrecognised);
	if (v < e->n && e->names[v])
		return json_string(e->names[v]);
	return json_integer(v);
}

/* Bit i of the schema is character i. */
static json_t *bits_to_json(uint64_t v, unsigned nbits)
{
	char s[65];

	if (nbits > 64)
		nbits = 64;
	for (unsigned i = 0; i < nbits; i++)
		s[i] = (v >> i) & 1 ? '1' : '0';
	s[nbits] = '\0';
	return json_string(s);
}

static json_t *hex_to_json(const uint8_t *p, size_t n)
{
	char s[2 * V2X_DESCRIPTION_MAX + 1];
	static const char digits[] = "0123456789abcdef";

	if (n > V2X_DESCRIPTION_MAX)
		n = V2X_DESCRIPTION_MAX;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return json_string(s);
}

static json_t *text_to_json(const struct v2x_text *t)
{
	if (t->kind == V2X_TEXT_IA5)
		return json_pack("{s:s, s:s%}", "kind", "textString", "text", (const char *)t->data,
		                 t->len);
	return json_pack("{s:s, s:o}", "kind", "textGB2312", "hex", hex_to_json(t->data, t->len));
}

static json_t *list_to_json(const struct jf *f, const void *obj)
{
	const struct jtable *t = f->aux;
	size_t n = *(const size_t *)(const void *)((const char *)obj + f->aux_off);
	const char *v = *(const char *const *)(const void *)FIELD(obj, f);
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, obj_to_json(t, v + i * t->size)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *field_to_json(const struct jf *f, const void *obj)
{
	const void *p = FIELD(obj, f);

	switch (f->kind) {
	case JF_U8:
		return json_integer(*(const uint8_t *)p);
	case JF_U16:
		return json_integer(*(const uint16_t *)p);
	case JF_I16:
		return json_integer(*(const int16_t *)p);
	case JF_DBL:
		return dbl_to_json(*(const double *)p);
	case JF_ENUM:
		return enum_to_json(f->aux, *(const uint8_t *)p);
	case JF_BITS8:
		return bits_to_json(*(const uint8_t *)p, f->nbits);
	case JF_BITS16:
		return bits_to_json(*(const uint16_t *)p, f->nbits);
	case JF_BITS64:
		return bits_to_json(*(const uint64_t *)p, *((const uint8_t *)obj + f->aux_off));
	case JF_ID:
		return hex_to_json(p, V2X_ID_LEN);
	case JF_NAME:
		return json_stringn(((const struct v2x_name *)p)->s,
		                    ((const struct v2x_name *)p)->len);
	case JF_TEXT:
		return text_to_json(p);
	case JF_STRUCT:
		return obj_to_json(f->aux, p);
	case JF_LIST:
		return list_to_json(f, obj);
	default:
		return NULL;
	}
}

static json_t *obj_to_json(const struct jtable *t, const void *obj)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < t->n; i++) {
		const struct jf *f = &t->f[i];
		if (!present(f, obj))
			continue;
		if (json_object_set_new(o, f->key, field_to_json(f, obj)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *v2x_msg_to_json(const struct v2x_msg *m)
{
	const struct jtable *t;
	json_t *o, *flags;

	if ((unsigned)m->type >= V2X_MSG_TYPE_COUNT || !(t = jt_bodies[m->type]))
		return NULL;
	flags = json_array();
	for (size_t i = 0; flags && i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (m->flags & (1u << i))
			json_array_append_new(flags, json_string(flag_names[i]));
	o = json_pack("{s:s, s:o, s:o}", "type", v2x_msg_type_name(m->type), "flags", flags,
	              v2x_msg_type_name(m->type), obj_to_json(t, &m->u));
	return o;
}

/* ---- parsing ------------------------------------------------------------ */

struct jctx {
	struct v2x_arena *arena;
	char *err;
	size_t errlen;
	int rc;
	char path[256];
	size_t path_len;
};

/* Records that the arena is exhausted (the first failure wins). */
static int jnomem(struct jctx *jc)
{
	if (!jc->rc) {
		jc->rc = V2X_ENOMEM;
		snprintf(jc->err, jc->errlen, "%s%sout of memory", jc->path,
		         jc->path_len ? ": " : "");
	}
	return jc->rc;
}

__attribute__((format(printf, 2, 3))) static int jfail(struct jctx *jc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (jc->rc)
		return jc->rc;
	va_start(ap, fmt);
	jc->rc = V2X_EPARSE;
	n = snprintf(jc->err, jc->errlen, "%s%s", jc->path, jc->path_len ? ": " : "");
	if (n >= 0 && (size_t)n < jc->errlen)
		vsnprintf(jc->err + n, jc->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return jc->rc;
}

/* Appends ".key" or "[i]" to the path; returns the length to restore. */
static size_t path_push(struct jctx *jc, const char *key, long index)
{
	size_t old = jc->path_len;
	int n = index >= 0 ? snprintf(jc->path + old, sizeof(jc->path) - old, "[%ld]", index)
	                   : snprintf(jc->path + old, sizeof(jc->path) - old, "%s%s",
	                              old ? "." : "", key);

	if (n > 0)
		jc->path_len =
		        old + (size_t)n < sizeof(jc->path) ? old + (size_t)n : sizeof(jc->path) - 1;
	return old;
}

static void path_pop(struct jctx *jc, size_t old)
{
	jc->path_len = old;
	jc->path[old] = '\0';
}

static int obj_from_json(struct jctx *jc, const struct jtable *t, json_t *j, void *obj);

static int int_from_json(struct jctx *jc, json_t *v, long lo, long hi, long *out)
{
	if (!json_is_integer(v))
		return jfail(jc, "expected an integer");
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return jfail(jc, "%lld is outside %ld..%ld", (long long)json_integer_value(v), lo,
		             hi);
	*out = (long)json_integer_value(v);
	return 0;
}

static int dbl_from_json(struct jctx *jc, json_t *v, double *out)
{
	const char *s = json_string_value(v);

	if (json_is_null(v))
		*out = NAN;
	else if (json_is_number(v))
		*out = json_number_value(v);
	else if (s && (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0))
		*out = s[0] == '-' ? -INFINITY : INFINITY;
	else
		return jfail(jc, "expected a number, null (unavailable) or \"inf\"");
	return 0;
}

static int enum_from_json(struct jctx *jc, const struct jenum *e, json_t *v, uint8_t *out)
{
	const char *s = json_string_value(v);
	long n;

	if (json_is_integer(v)) {
		if (int_from_json(jc, v, 0, (long)e->n - 1, &n))
			return jc->rc;
		*out = (uint8_t)n;
		return 0;
	}
	if (!s)
		return jfail(jc, "expected a name or a number");
	for (size_t i = 0; i < e->n; i++) {
		if (e->names[i] && strcmp(e->names[i], s) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	if (strcmp(s, unrecognised) == 0) {
		*out = V2X_ENUM_UNRECOGNISED;
		return 0;
	}
	return jfail(jc, "'%s' is not one of the names of this field (the first is '%s')", s,
	             e->names[0] ? e->names[0] : e->names[1]);
}

/* nbits 0: any length from 1 to 64, stored in *len. */
static int bits_from_json(struct jctx *jc, json_t *v, unsigned nbits, uint64_t *out, uint8_t *len)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (!s || strspn(s, "01") != n)
		return jfail(jc, "expected a string of 0 and 1");
	if (nbits ? n != nbits : (n < 1 || n > 64))
		return nbits ? jfail(jc, "%zu bits, expected %u", n, nbits)
		             : jfail(jc, "%zu bits, expected 1..64", n);
	*out = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '1')
			*out |= (uint64_t)1 << i;
	if (len)
		*len = (uint8_t)n;
	return 0;
}

static int hex_from_json(struct jctx *jc, json_t *v, uint8_t *out, size_t lo, size_t hi,
                         size_t *len)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (!s || n % 2 || strspn(s, "0123456789abcdefABCDEF") != n)
		return jfail(jc, "expected a string of hex digit pairs");
	if (n / 2 < lo || n / 2 > hi)
		return jfail(jc, "%zu bytes, expected %zu..%zu", n / 2, lo, hi);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned b;
		sscanf(s + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

static int text_from_json(struct jctx *jc, json_t *v, struct v2x_text *t)
{
	const char *kind = json_string_value(json_object_get(v, "kind"));
	json_t *text = json_object_get(v, "text");

	t->data = v2x_arena_alloc(jc->arena, V2X_DESCRIPTION_MAX);
	if (!t->data)
		return jnomem(jc);
	if (kind && strcmp(kind, "textString") == 0 && json_is_string(text)) {
		t->len = json_string_length(text);
		if (t->len < 1 || t->len > V2X_DESCRIPTION_MAX)
			return jfail(jc, "text of %zu characters, expected 1..%d", t->len,
			             V2X_DESCRIPTION_MAX);
		memcpy(t->data, json_string_value(text), t->len);
		t->kind = V2X_TEXT_IA5;
		return 0;
	}
	if (kind && strcmp(kind, "textGB2312") == 0) {
		t->kind = V2X_TEXT_GB2312;
		return hex_from_json(jc, json_object_get(v, "hex"), t->data, 2, V2X_DESCRIPTION_MAX,
		                     &t->len);
	}
	return jfail(jc, "expected {\"kind\": \"textString\", \"text\": ...} or "
	                 "{\"kind\": \"textGB2312\", \"hex\": ...}");
}

static int name_from_json(struct jctx *jc, json_t *v, struct v2x_name *out)
{
	const char *s = json_string_value(v);
	size_t len = s ? json_string_length(v) : 0;

	if (!s)
		return jfail(jc, "expected a string");
	if (len > V2X_NAME_MAX)
		return jfail(jc, "longer than %d characters", V2X_NAME_MAX);
	memcpy(out->s, s, len);
	out->s[len] = '\0';
	out->len = (uint8_t)len;
	return 0;
}

static int list_from_json(struct jctx *jc, const struct jf *f, json_t *v, void *obj)
{
	const struct jtable *t = f->aux;
	size_t n = json_array_size(v);
	char *elems;

	if (!json_is_array(v))
		return jfail(jc, "expected an array");
	elems = n ? v2x_arena_calloc(jc->arena, n, t->size) : NULL;
	if (n && !elems)
		return jnomem(jc);
	for (size_t i = 0; i < n; i++) {
		size_t old = path_push(jc, "", (long)i);
		if (obj_from_json(jc, t, json_array_get(v, i), elems + i * t->size))
			return jc->rc;
		path_pop(jc, old);
	}
	*(char **)(void *)FIELD_W(obj, f) = elems;
	*(size_t *)(void *)((char *)obj + f->aux_off) = n;
	return 0;
}

static int small_int_from_json(struct jctx *jc, const struct jf *f, json_t *v, void *p)
{
	long n;

	if (f->kind == JF_U8 && !int_from_json(jc, v, 0, UINT8_MAX, &n))
		*(uint8_t *)p = (uint8_t)n;
	else if (f->kind == JF_U16 && !int_from_json(jc, v, 0, UINT16_MAX, &n))
		*(uint16_t *)p = (uint16_t)n;
	else if (f->kind == JF_I16 && !int_from_json(jc, v, INT16_MIN, INT16_MAX, &n))
		*(int16_t *)p = (int16_t)n;
	return jc->rc;
}

static int bits_field_from_json(struct jctx *jc, const struct jf *f, json_t *v, void *obj)
{
	void *p = FIELD_W(obj, f);
	uint64_t bits;

	if (f->kind == JF_BITS64)
		return bits_from_json(jc, v, 0, p, (uint8_t *)obj + f->aux_off);
	if (bits_from_json(jc, v, f->nbits, &bits, NULL))
		return jc->rc;
	if (f->kind == JF_BITS8)
		*(uint8_t *)p = (uint8_t)bits;
	else
		*(uint16_t *)p = (uint16_t)bits;
	return 0;
}

static int field_from_json(struct jctx *jc, const struct jf *f, json_t *v, void *obj)
{
	void *p = FIELD_W(obj, f);
	size_t len;

	switch (f->kind) {
	case JF_U8:
	case JF_U16:
	case JF_I16:
		return small_int_from_json(jc, f, v, p);
	case JF_DBL:
		return dbl_from_json(jc, v, p);
	case JF_ENUM:
		return enum_from_json(jc, f->aux, v, p);
	case JF_BITS8:
	case JF_BITS16:
	case JF_BITS64:
		return bits_field_from_json(jc, f, v, obj);
	case JF_ID:
		return hex_from_json(jc, v, p, V2X_ID_LEN, V2X_ID_LEN, &len);
	case JF_NAME:
		return name_from_json(jc, v, p);
	case JF_TEXT:
		return text_from_json(jc, v, p);
	case JF_STRUCT:
		return obj_from_json(jc, f->aux, v, p);
	case JF_LIST:
		return list_from_json(jc, f, v, obj);
	default:
		return jfail(jc, "unsupported field kind");
	}
}

/* Whether input must give field f (keys: the fields given so far). */
static bool required(const struct jf *f, const void *obj)
{
	if (f->flags & JF_DERIVED)
		return false;
	if (f->flags & JF_COND)
		return *((const uint8_t *)obj + f->has_off) != 0;
	if (f->has_off >= 0)
		return false;
	return f->kind != JF_NAME && f->kind != JF_TEXT && f->kind != JF_LIST;
}

static int find_field(const struct jtable *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->f[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* Parses every key of j into obj; sets bit i of *keys for field i. */
static int keys_from_json(struct jctx *jc, const struct jtable *t, json_t *j, void *obj,
                          uint64_t *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v)
	{
		int i = find_field(t, key);
		size_t old;
		if (i < 0)
			return jfail(jc, "unknown field '%s'", key);
		*keys |= (uint64_t)1 << i;
		old = path_push(jc, key, -1);
		if (field_from_json(jc, &t->f[i], v, obj))
			return jc->rc;
		path_pop(jc, old);
		if (t->f[i].has_off >= 0 && !(t->f[i].flags & JF_COND))
			*((uint8_t *)obj + t->f[i].has_off) = 1;
	}
	return 0;
}

static int obj_from_json(struct jctx *jc, const struct jtable *t, json_t *j, void *obj)
{
	uint64_t keys = 0;
	const char *bad;

	if (!json_is_object(j))
		return jfail(jc, "expected an object");
	memset(obj, 0, t->size);
	/* Derived and unavailable-able doubles default to NaN, not 0. */
	for (size_t i = 0; i < t->n; i++)
		if (t->f[i].kind == JF_DBL)
			*(double *)(void *)FIELD_W(obj, &t->f[i]) = NAN;
	if (keys_from_json(jc, t, j, obj, &keys))
		return jc->rc;
	for (size_t i = 0; i < t->n; i++)
		if (!(keys & ((uint64_t)1 << i)) && required(&t->f[i], obj))
			return jfail(jc, "missing field '%s'", t->f[i].key);
	if (t->check && (bad = t->check(obj, keys)))
		return jfail(jc, "missing field '%s'", bad);
	return 0;
}

int v2x_msg_from_json(json_t *j, struct v2x_msg *m, struct v2x_arena *arena, char *err,
                      size_t errlen)
{
	struct jctx jc = { .arena = arena, .err = err, .errlen = errlen };
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *body;

	memset(m, 0, sizeof(*m));
	if (!json_is_object(j))
		return jfail(&jc, "expected a JSON object");
	if (!type || v2x_msg_type_from_name(type) == V2X_MSG_NONE)
		return jfail(&jc, "\"type\" must be one of \"bsm\", \"map\", \"rsm\", \"spat\", "
		                  "\"rsi\"");
	m->type = v2x_msg_type_from_name(type);
	body = json_object_get(j, type);
	if (!body)
		return jfail(&jc, "no \"%s\" object beside \"type\"", type);
	path_push(&jc, type, -1);
	return obj_from_json(&jc, jt_bodies[m->type], body, &m->u);
}
