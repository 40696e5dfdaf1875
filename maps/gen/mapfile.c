/*
 * The map file's writer and its layout: a walk over mapfile_tables.c that
 * builds a jansson document, then a printer that keeps rows on one line.
 * The reader is in mapfile_read.c, quantize and compare in mapfile_walk.c.
 */
#include "maps/gen/mapfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "maps/gen/mapfile_tables.h"
#include "runtime/err.h"

#define FIELD(obj, f) ((const char *)(obj) + (f)->off)

/* 15 significant digits print every value the tables keep exactly (none
 * has more), and read back as the same double. */
#define DUMP_FLAGS (JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

static json_t *struct_to_json(const struct map_file__table *t, const void *obj);

/* NaN (and any other non-finite value) is null. */
static json_t *real_to_json(double v, unsigned decimals)
{
	double scale = pow(10, decimals);

	if (!isfinite(v))
		return json_null();
	/* Adding 0.0 turns -0 into 0, so that both print alike. */
	return json_real(round(v * scale) / scale + 0.0);
}

static json_t *enum_to_json(const struct map_file__names *e, uint8_t v)
{
	if (v < e->n && e->names[v])
		return json_string(e->names[v]);
	return json_integer(v);
}

static json_t *list_to_json(const struct map_file__field *f, const void *obj)
{
	const struct map_file__table *t = f->aux;
	size_t n = *(const size_t *)(const void *)((const char *)obj + f->count_off);
	const char *v = *(const char *const *)(const void *)FIELD(obj, f);
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, struct_to_json(t, v + i * t->size)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *field_to_json(const struct map_file__field *f, const void *obj)
{
	const void *p = FIELD(obj, f);

	switch (f->kind) {
	case MF_U8:
		return json_integer(*(const uint8_t *)p);
	case MF_I8:
		return json_integer(*(const int8_t *)p);
	case MF_U16:
		return json_integer(*(const uint16_t *)p);
	case MF_U32:
		return json_integer(*(const uint32_t *)p);
	case MF_I32:
		return json_integer(*(const int32_t *)p);
	case MF_BOOL:
		return json_boolean(*(const bool *)p);
	case MF_DBL:
		return real_to_json(*(const double *)p, f->decimals);
	case MF_STR:
		return json_stringn(p, strnlen(p, f->cap));
	case MF_ENUM:
		return enum_to_json(f->aux, *(const uint8_t *)p);
	case MF_STRUCT:
		return struct_to_json(f->aux, p);
	case MF_LIST:
		return list_to_json(f, obj);
	default:
		return NULL;
	}
}

static json_t *struct_to_json(const struct map_file__table *t, const void *obj)
{
	json_t *j = t->row ? json_array() : json_object();

	for (size_t i = 0; j && i < t->n; i++) {
		json_t *v = field_to_json(&t->f[i], obj);
		int rc = t->row ? json_array_append_new(j, v)
		                : json_object_set_new(j, t->f[i].key, v);
		if (rc != 0) {
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

static json_t *sample_columns(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < map_file__sample.n; i++) {
		if (json_array_append_new(a, json_string(map_file__sample.f[i].key)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The header keys first, then the model's lists in the tables' order. */
static json_t *doc_new(const struct map_model *m)
{
	json_t *doc = json_object();
	json_t *body = struct_to_json(&map_file__model, m);

	if (!doc || !body ||
	    json_object_set_new(doc, "format", json_string(MAP_FILE_FORMAT)) != 0 ||
	    json_object_set_new(doc, "version", json_integer(MAP_FILE_VERSION)) != 0 ||
	    json_object_set_new(doc, "sample_columns", sample_columns()) != 0 ||
	    json_object_update(doc, body) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	json_decref(body);
	return doc;
}

int map_file_write(const struct map_model *m, const char *path, char *err, size_t errlen)
{
	json_t *doc = doc_new(m);
	int rc;

	if (!doc) {
		snprintf(err, errlen, "%s: out of memory, or a name that is not UTF-8", path);
		return V2X_ENOMEM;
	}
	rc = map_file_dump(doc, path, err, errlen);
	json_decref(doc);
	return rc;
}

/* ---- layout -------------------------------------------------------------- */

static bool is_scalar(json_t *v)
{
	return !json_is_array(v) && !json_is_object(v);
}

static bool is_flat(json_t *v)
{
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			if (!is_scalar(json_array_get(v, i)))
				return false;
	} else {
		for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it))
			if (!is_scalar(json_object_iter_value(it)))
				return false;
	}
	return true;
}

static int put_value(FILE *f, json_t *v, int depth);

static int put_key(FILE *f, const char *key)
{
	json_t *k = json_string(key);
	int rc = k ? json_dumpf(k, f, DUMP_FLAGS) : -1;

	json_decref(k);
	return rc == 0 && fputs(": ", f) >= 0 ? 0 : -1;
}

static int put_member(FILE *f, const char *key, json_t *v, int depth, bool last)
{
	if (fprintf(f, "%*s", 2 * depth, "") < 0 || (key && put_key(f, key) != 0) ||
	    put_value(f, v, depth) != 0)
		return -1;
	return fputs(last ? "\n" : ",\n", f) >= 0 ? 0 : -1;
}

/* Objects and arrays that hold anything but scalars: a member a line. */
static int put_value(FILE *f, json_t *v, int depth)
{
	bool obj = json_is_object(v);
	size_t n = obj ? json_object_size(v) : json_array_size(v);
	void *it = obj ? json_object_iter(v) : NULL;

	if (is_flat(v))
		return json_dumpf(v, f, DUMP_FLAGS);
	if (fputs(obj ? "{\n" : "[\n", f) < 0)
		return -1;
	for (size_t i = 0; i < n; i++, it = obj ? json_object_iter_next(v, it) : NULL) {
		const char *key = obj ? json_object_iter_key(it) : NULL;
		json_t *e = obj ? json_object_iter_value(it) : json_array_get(v, i);
		if (put_member(f, key, e, depth + 1, i + 1 == n) != 0)
			return -1;
	}
	return fprintf(f, "%*s%c", 2 * depth, "", obj ? '}' : ']') < 0 ? -1 : 0;
}

static int dump_to(json_t *doc, const char *tmp)
{
	FILE *f = fopen(tmp, "w");
	int rc;

	if (!f)
		return -1;
	rc = put_value(f, doc, 0) == 0 && fputc('\n', f) != EOF ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int map_file_dump(json_t *doc, const char *path, char *err, size_t errlen)
{
	char tmp[4096];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return V2X_EIO;
	}
	errno = 0;
	if (dump_to(doc, tmp) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path,
		         errno ? strerror(errno) : "cannot write the document");
		remove(tmp);
		return V2X_EIO;
	}
	return 0;
}
