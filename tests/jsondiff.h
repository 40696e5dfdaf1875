/*
 * jsondiff: the first difference between two JSON values, with its path,
 * for tests that compare normalised messages field by field.
 * Header-only, like check.h.
 */
#ifndef V2X_TESTS_JSONDIFF_H
#define V2X_TESTS_JSONDIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool jsondiff_at(json_t *a, json_t *b, char *path, size_t cap, char *out, size_t outcap);

static bool jsondiff_object(json_t *a, json_t *b, char *path, size_t cap, char *out, size_t outcap)
{
	size_t len = strlen(path);
	const char *key;
	json_t *va;

	json_object_foreach(a, key, va)
	{
		snprintf(path + len, cap - len, ".%s", key);
		if (jsondiff_at(va, json_object_get(b, key), path, cap, out, outcap))
			return true;
	}
	json_object_foreach(b, key, va)
	{
		if (!json_object_get(a, key)) {
			snprintf(path + len, cap - len, ".%s", key);
			snprintf(out, outcap, "%s: only in the second", path);
			return true;
		}
	}
	path[len] = '\0';
	return false;
}

static bool jsondiff_array(json_t *a, json_t *b, char *path, size_t cap, char *out, size_t outcap)
{
	size_t len = strlen(path);

	if (json_array_size(a) != json_array_size(b)) {
		snprintf(out, outcap, "%s: %zu elements != %zu", path, json_array_size(a),
		         json_array_size(b));
		return true;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		snprintf(path + len, cap - len, "[%zu]", i);
		if (jsondiff_at(json_array_get(a, i), json_array_get(b, i), path, cap, out, outcap))
			return true;
	}
	path[len] = '\0';
	return false;
}

static bool jsondiff_at(json_t *a, json_t *b, char *path, size_t cap, char *out, size_t outcap)
{
	char *sa, *sb;

	if (a && b && json_typeof(a) == json_typeof(b)) {
		if (json_is_object(a))
			return jsondiff_object(a, b, path, cap, out, outcap);
		if (json_is_array(a))
			return jsondiff_array(a, b, path, cap, out, outcap);
		if (json_equal(a, b))
			return false;
	}
	sa = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) : NULL;
	sb = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) : NULL;
	snprintf(out, outcap, "%s: %s != %s", path[0] ? path : "(top)", sa ? sa : "(absent)",
	         sb ? sb : "(absent)");
	free(sa);
	free(sb);
	return true;
}

/*
 * Returns true and writes "path: a != b" into out when a and b differ;
 * false when they are equal.
 */
static inline bool jsondiff(json_t *a, json_t *b, char *out, size_t outcap)
{
	char path[512] = "";

	out[0] = '\0';
	return jsondiff_at(a, b, path, sizeof(path), out, outcap);
}

#endif
