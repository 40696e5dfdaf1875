/*
 * Two walks over mapfile_tables.c that need no JSON: rounding a model to
 * the file's resolutions, and comparing two models field by field.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "maps/gen/mapfile.h"
#include "maps/gen/mapfile_tables.h"

#define FIELD(obj, f) ((const char *)(obj) + (f)->off)

static size_t list_count(const struct map_file__field *f, const void *obj)
{
	return *(const size_t *)(const void *)((const char *)obj + f->count_off);
}

static const char *list_elems(const struct map_file__field *f, const void *obj)
{
	return *(const char *const *)(const void *)FIELD(obj, f);
}

/* ---- quantize ------------------------------------------------------------ */

static void quantize_struct(const struct map_file__table *t, void *obj);

static void quantize_field(const struct map_file__field *f, void *obj)
{
	double *v = (double *)(void *)((char *)obj + f->off);
	double scale = pow(10, f->decimals);
	const struct map_file__table *t = f->aux;
	char *elems;

	switch (f->kind) {
	case MF_DBL:
		/* The writer's rounding (mapfile.c), so that writing changes nothing. */
		if (isfinite(*v))
			*v = round(*v * scale) / scale + 0.0;
		break;
	case MF_STRUCT:
		quantize_struct(t, (char *)obj + f->off);
		break;
	case MF_LIST:
		elems = *(char **)(void *)((char *)obj + f->off);
		for (size_t i = 0; i < list_count(f, obj); i++)
			quantize_struct(t, elems + i * t->size);
		break;
	default:
		break;
	}
}

static void quantize_struct(const struct map_file__table *t, void *obj)
{
	for (size_t i = 0; i < t->n; i++)
		quantize_field(&t->f[i], obj);
}

void map_file_quantize(struct map_model *m)
{
	quantize_struct(&map_file__model, m);
}

/* ---- compare ------------------------------------------------------------- */

struct cmp {
	char *diff;
	size_t difflen;
	char path[256];
	size_t path_len;
};

static size_t cmp_push(struct cmp *c, const char *key, size_t index)
{
	size_t old = c->path_len, room = sizeof(c->path) - old;
	int n = key ? snprintf(c->path + old, room, "%s%s", old ? "." : "", key)
	            : snprintf(c->path + old, room, "[%zu]", index);

	if (n > 0)
		c->path_len = (size_t)n < room ? old + (size_t)n : sizeof(c->path) - 1;
	return old;
}

static void cmp_pop(struct cmp *c, size_t old)
{
	c->path_len = old;
	c->path[old] = '\0';
}

static bool same_struct(struct cmp *c, const struct map_file__table *t, const void *a,
                        const void *b);

static bool same_list(struct cmp *c, const struct map_file__field *f, const void *a, const void *b)
{
	const struct map_file__table *t = f->aux;
	size_t n = list_count(f, a);

	if (n != list_count(f, b)) {
		snprintf(c->diff, c->difflen, "%s: %zu != %zu elements", c->path, n,
		         list_count(f, b));
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		size_t old = cmp_push(c, NULL, i);
		if (!same_struct(c, t, list_elems(f, a) + i * t->size,
		                 list_elems(f, b) + i * t->size))
			return false;
		cmp_pop(c, old);
	}
	return true;
}

static bool same_real(struct cmp *c, double a, double b)
{
	if (a == b || (isnan(a) && isnan(b)))
		return true;
	snprintf(c->diff, c->difflen, "%s: %.17g != %.17g", c->path, a, b);
	return false;
}

static bool same_scalar(struct cmp *c, const struct map_file__field *f, const void *a,
                        const void *b)
{
	static const size_t size[] = { [MF_U8] = 1,  [MF_I8] = 1,  [MF_U16] = 2,
		                       [MF_U32] = 4, [MF_I32] = 4, [MF_BOOL] = sizeof(bool),
		                       [MF_ENUM] = 1 };
	const char *pa = FIELD(a, f), *pb = FIELD(b, f);

	if (f->kind == MF_DBL)
		return same_real(c, *(const double *)(const void *)pa,
		                 *(const double *)(const void *)pb);
	if (f->kind == MF_STR ? strncmp(pa, pb, f->cap) == 0 : memcmp(pa, pb, size[f->kind]) == 0)
		return true;
	snprintf(c->diff, c->difflen, "%s: the values differ", c->path);
	return false;
}

static bool same_field(struct cmp *c, const struct map_file__field *f, const void *a, const void *b)
{
	if (f->kind == MF_STRUCT)
		return same_struct(c, f->aux, FIELD(a, f), FIELD(b, f));
	if (f->kind == MF_LIST)
		return same_list(c, f, a, b);
	return same_scalar(c, f, a, b);
}

static bool same_struct(struct cmp *c, const struct map_file__table *t, const void *a,
                        const void *b)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t old = cmp_push(c, t->f[i].key, 0);
		if (!same_field(c, &t->f[i], a, b))
			return false;
		cmp_pop(c, old);
	}
	return true;
}

bool map_file_same(const struct map_model *a, const struct map_model *b, char *diff, size_t difflen)
{
	struct cmp c = { .diff = diff, .difflen = difflen };

	if (difflen)
		diff[0] = '\0';
	return same_struct(&c, &map_file__model, a, b);
}
