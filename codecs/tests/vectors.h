/*
 * vectors: reading the standard's test vectors for the codec's tests.  The
 * folder is given on the command line; a test skips (exit 77) when it is
 * absent, since a checkout outside the workplace has no ../shared.
 */
#ifndef V2X_CODECS_TESTS_VECTORS_H
#define V2X_CODECS_TESTS_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads the whole file dir/name into a new NUL-terminated buffer (caller
 * frees); NULL if it cannot be read. */
static inline char *vectors_read(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	if (!buf)
		fprintf(stderr, "cannot read %s\n", path);
	return buf;
}

#endif
