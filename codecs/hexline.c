#include "codecs/hexline.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == ':' || c == '\r' || c == '\n';
}

int v2x_hexline_parse(const char *line, uint8_t *out, size_t cap, size_t *len, char *err,
                      size_t errlen)
{
	const char *p = line;
	int high = -1;

	*len = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r')
		return 1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p; p++) {
		int v = hex_value((unsigned char)*p);
		if (v < 0 && is_separator(*p) && high < 0)
			continue;
		if (v < 0) {
			snprintf(err, errlen, "column %zu: '%c' is not a hex digit",
			         (size_t)(p - line) + 1, isprint((unsigned char)*p) ? *p : '?');
			return V2X_EPARSE;
		}
		if (high < 0) {
			high = v;
			continue;
		}
		if (*len == cap) {
			snprintf(err, errlen, "more than %zu bytes", cap);
			return V2X_ETOO_BIG;
		}
		out[(*len)++] = (uint8_t)(high << 4 | v);
		high = -1;
	}
	if (high >= 0) {
		snprintf(err, errlen, "odd number of hex digits (the last byte has one digit)");
		return V2X_EPARSE;
	}
	return 0;
}

void v2x_hexline_format(const uint8_t *buf, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 15];
	}
	out[2 * n] = '\0';
}
