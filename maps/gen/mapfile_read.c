/*
 * The map file's reader: a walk over mapfile_tables.c that fills a model
 * from the jansson document, keeping the JSON path of the value at hand so
 * that an error says where it is.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "maps/gen/mapfile.h"
#include "maps/gen/mapfile_tables.h"
#include "runtime/err.h"

#define FIELD_W(obj, f) ((char *)(obj) + (f)->off)

struct rd {
	struct v2x_arena *arena;
	const char *file;
	char *err;
	size_t errlen;
	int rc;
	char path[256];
	size_t path_len;
};

/* Records the first failure as "FILE: PATH: what". */
__attribute__((format(printf, 3, 4))) static int rd_fail(struct rd *r, int rc, const char *fmt, ...)
{
	int n;

	if (r->rc)
		return r->rc;
	r->rc = rc;
	n = snprintf(r->err, r->errlen, "%s: %s%s", r->file, r->path, r->path_len ? ": " : "");
	if (n >= 0 && (size_t)n < r->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Appends ".key" (or "key" at the top) or "[i]"; returns the length to
 * restore with path_pop. */
static size_t path_push(struct rd *r, const char *key, size_t index)
{
	size_t old = r->path_len, room = sizeof(r->path) - old;
	int n = key ? snprintf(r->path + old, room, "%s%s", old ? "." : "", key)
	            : snprintf(r->path + old, room, "[%zu]", index);

	if (n > 0)
		r->path_len = (size_t)n < room ? old + (size_t)n : sizeof(r->path) - 1;
	return old;
}

static void path_pop(struct rd *r, size_t old)
{
	r->path_len = old;
	r->path[old] = '\0';
}

static int read_struct(struct rd *r, const struct map_file__table *t, json_t *j, void *obj);

static int read_int(struct rd *r, const struct map_file__field *f, json_t *v, void *p)
{
	static const long long lo[] = {
		[MF_U8] = 0, [MF_I8] = INT8_MIN, [MF_U16] = 0, [MF_U32] = 0, [MF_I32] = INT32_MIN
	};
	static const long long hi[] = { [MF_U8] = UINT8_MAX,
		                        [MF_I8] = INT8_MAX,
		                        [MF_U16] = UINT16_MAX,
		                        [MF_U32] = UINT32_MAX,
		                        [MF_I32] = INT32_MAX };
	long long n = json_integer_value(v);

	if (!json_is_integer(v))
		return rd_fail(r, V2X_EPARSE, "expected an integer");
	if (n < lo[f->kind] || n > hi[f->kind])
		return rd_fail(r, V2X_EPARSE, "%lld is outside %lld..%lld", n, lo[f->kind],
		               hi[f->kind]);
	if (f->kind == MF_U8)
		*(uint8_t *)p = (uint8_t)n;
	else if (f->kind == MF_I8)
		*(int8_t *)p = (int8_t)n;
	else if (f->kind == MF_U16)
		*(uint16_t *)p = (uint16_t)n;
	else if (f->kind == MF_U32)
		*(uint32_t *)p = (uint32_t)n;
	else
		*(int32_t *)p = (int32_t)n;
	return 0;
}

static int read_real(struct rd *r, json_t *v, double *out)
{
	if (json_is_null(v))
		*out = NAN;
	else if (json_is_number(v))
		*out = json_number_value(v);
	else
		return rd_fail(r, V2X_EPARSE, "expected a number or null");
	return 0;
}

static int read_str(struct rd *r, const struct map_file__field *f, json_t *v, char *out)
{
	const char *s = json_string_value(v);
	size_t len = s ? json_string_length(v) : 0;

	if (!s)
		return rd_fail(r, V2X_EPARSE, "expected a string");
	if (len >= f->cap || strlen(s) != len)
		return rd_fail(r, V2X_EPARSE, "a string of at most %zu characters without NUL",
		               f->cap - 1);
	memcpy(out, s, len + 1);
	return 0;
}

static int read_enum(struct rd *r, const struct map_file__names *e, json_t *v, uint8_t *out)
{
	const char *s = json_string_value(v);

	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		*out = (uint8_t)json_integer_value(v);
		return 0;
	}
	for (size_t i = 0; s && i < e->n; i++) {
		if (e->names[i] && strcmp(e->names[i], s) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return rd_fail(r, V2X_EPARSE, "expected one of the names \"%s\"%s", e->names[1],
	               e->n > 2 ? ", ..." : "");
}

static int read_list(struct rd *r, const struct map_file__field *f, json_t *v, void *obj)
{
	const struct map_file__table *t = f->aux;
	size_t n = json_array_size(v);
	char *elems = NULL;

	if (!json_is_array(v))
		return rd_fail(r, V2X_EPARSE, "expected an array");
	if (n && !(elems = v2x_arena_calloc(r->arena, n, t->size)))
		return rd_fail(r, V2X_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t old = path_push(r, NULL, i);
		if (read_struct(r, t, json_array_get(v, i), elems + i * t->size) != 0)
			return r->rc;
		path_pop(r, old);
	}
	*(char **)(void *)FIELD_W(obj, f) = elems;
	*(size_t *)(void *)((char *)obj + f->count_off) = n;
	return 0;
}

static int read_field(struct rd *r, const struct map_file__field *f, json_t *v, void *obj)
{
	void *p = FIELD_W(obj, f);

	switch (f->kind) {
	case MF_BOOL:
		if (!json_is_boolean(v))
			return rd_fail(r, V2X_EPARSE, "expected true or false");
		*(bool *)p = json_is_true(v);
		return 0;
	case MF_DBL:
		return read_real(r, v, p);
	case MF_STR:
		return read_str(r, f, v, p);
	case MF_ENUM:
		return read_enum(r, f->aux, v, p);
	case MF_STRUCT:
		return read_struct(r, f->aux, v, p);
	case MF_LIST:
		return read_list(r, f, v, obj);
	default:
		return read_int(r, f, v, p);
	}
}

static int read_row(struct rd *r, const struct map_file__table *t, json_t *j, void *obj)
{
	if (!json_is_array(j) || json_array_size(j) != t->n)
		return rd_fail(r, V2X_EPARSE, "expected a %s: an array of %zu values", t->name,
		               t->n);
	for (size_t i = 0; i < t->n; i++) {
		size_t old = path_push(r, NULL, i);
		if (read_field(r, &t->f[i], json_array_get(j, i), obj) != 0)
			return r->rc;
		path_pop(r, old);
	}
	return 0;
}

static bool known_key(const struct map_file__table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->f[i].key, key) == 0)
			return true;
	return false;
}

/* Every field is required and no other key is allowed: a misspelt key in
 * a hand-edited file is an error, not a silent default. */
static int read_struct(struct rd *r, const struct map_file__table *t, json_t *j, void *obj)
{
	const char *key;
	json_t *v;

	if (t->row)
		return read_row(r, t, j, obj);
	if (!json_is_object(j))
		return rd_fail(r, V2X_EPARSE, "expected a %s object", t->name);
	for (size_t i = 0; i < t->n; i++) {
		size_t old;
		if (!(v = json_object_get(j, t->f[i].key)))
			return rd_fail(r, V2X_EPARSE, "the %s has no \"%s\"", t->name, t->f[i].key);
		old = path_push(r, t->f[i].key, 0);
		if (read_field(r, &t->f[i], v, obj) != 0)
			return r->rc;
		path_pop(r, old);
	}
	json_object_foreach(j, key, v)
	{
		if (!known_key(t, key))
			return rd_fail(r, V2X_EPARSE, "unknown key \"%s\" in a %s", key, t->name);
	}
	return 0;
}

static bool columns_match(json_t *cols)
{
	if (json_array_size(cols) != map_file__sample.n)
		return false;
	for (size_t i = 0; i < map_file__sample.n; i++) {
		const char *s = json_string_value(json_array_get(cols, i));
		if (!s || strcmp(s, map_file__sample.f[i].key) != 0)
			return false;
	}
	return true;
}

/* Checks the header keys and removes them, leaving only the model. */
static int read_header(struct rd *r, json_t *doc)
{
	const char *format = json_string_value(json_object_get(doc, "format"));
	json_t *version = json_object_get(doc, "version");

	if (!json_is_object(doc))
		return rd_fail(r, V2X_EPARSE, "not a JSON object");
	if (!format || strcmp(format, MAP_FILE_FORMAT) != 0)
		return rd_fail(r, V2X_EPARSE, "format: not \"%s\"", MAP_FILE_FORMAT);
	if (!json_is_integer(version) || json_integer_value(version) != MAP_FILE_VERSION)
		return rd_fail(r, V2X_EPARSE, "version: this reader knows version %d only",
		               MAP_FILE_VERSION);
	if (!columns_match(json_object_get(doc, "sample_columns")))
		return rd_fail(r, V2X_EPARSE, "sample_columns: not the columns of version %d",
		               MAP_FILE_VERSION);
	json_object_del(doc, "format");
	json_object_del(doc, "version");
	json_object_del(doc, "sample_columns");
	return 0;
}

int map_file_read(const char *path, struct v2x_arena *arena, struct map_model *m, char *err,
                  size_t errlen)
{
	struct rd r = { .arena = arena, .file = path, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *doc;

	memset(m, 0, sizeof(*m));
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		bool open = json_error_code(&jerr) == json_error_cannot_open_file;
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return open ? V2X_EIO : V2X_EPARSE;
	}
	if (read_header(&r, doc) == 0)
		read_struct(&r, &map_file__model, doc, m);
	json_decref(doc);
	if (r.rc)
		memset(m, 0, sizeof(*m));
	return r.rc;
}
