/*
 * xerleaves: the leaves of an XER document as "path = value" lines, for
 * comparing two XER texts field by field whatever their layout.  An element
 * holding text is a leaf with that text; an empty element such as <off/>
 * (an ENUMERATED or BOOLEAN value) is the value of its parent.
 * Header-only, for tests.
 */
#ifndef V2X_CODECS_TESTS_XERLEAVES_H
#define V2X_CODECS_TESTS_XERLEAVES_H

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct xer_leaves {
	char lines[3000][1600];
	size_t n;
};

/* Copies the text s[0..len) without surrounding blanks, inner runs of
 * blanks kept as one space (XER prints bit strings over several lines). */
static void xer_trim(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	int space = 0;

	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		if (isspace((unsigned char)s[i])) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < cap)
			out[o++] = ' ';
		space = 0;
		out[o++] = s[i];
	}
	out[o] = '\0';
}

static void xer_add(struct xer_leaves *l, const char *path, const char *value)
{
	if (l->n < sizeof(l->lines) / sizeof(l->lines[0]))
		snprintf(l->lines[l->n++], sizeof(l->lines[0]), "%s = %s", path, value);
}

/*
 * Fills l from the XER text; returns -1 on a document it cannot follow.
 * An opening tag starts a possible leaf; any tag that follows before its
 * closing tag (a child) ends that possibility.
 */
static int xer_leaves_parse(const char *xml, struct xer_leaves *l)
{
	char path[1024] = "", text[512];
	const char *p = xml, *text_start = NULL;

	l->n = 0;
	while ((p = strchr(p, '<'))) {
		const char *end = strchr(p, '>');
		size_t nlen;
		if (!end)
			return -1;
		nlen = (size_t)(end - p) - 1;
		if (p[1] == '/') {
			char *slash = strrchr(path, '/');
			if (text_start) {
				xer_trim(text_start, (size_t)(p - text_start), text, sizeof(text));
				xer_add(l, path, text);
			}
			if (!slash)
				return -1;
			*slash = '\0';
			text_start = NULL;
		} else if (end[-1] == '/') {
			snprintf(text, sizeof(text), "%.*s", (int)(nlen - 1), p + 1);
			xer_add(l, path, text);
			text_start = NULL;
		} else {
			size_t plen = strlen(path);
			snprintf(path + plen, sizeof(path) - plen, "/%.*s", (int)nlen, p + 1);
			text_start = end + 1;
		}
		p = end + 1;
	}
	return 0;
}

#endif
