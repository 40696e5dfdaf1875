/*
 * hexline: MessageFrames as hex text, one per line, the form scripts and
 * people pass around (`v2x-codec decode` and `roundtrip` read it).
 */
#ifndef V2X_CODECS_HEXLINE_H
#define V2X_CODECS_HEXLINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses the hex digits of line into out[0..cap), the byte count in *len.
 * Spaces, tabs, ':' and a leading "0x" are allowed between byte pairs.
 * Returns 0; 1 for a blank or '#' comment line (*len = 0); or V2X_EPARSE
 * with what was wrong, and at which column (1-based), in err[0..errlen).
 */
int v2x_hexline_parse(const char *line, uint8_t *out, size_t cap, size_t *len, char *err,
                      size_t errlen);

/* Writes 2 * n lower-case hex digits and a NUL into out (2 * n + 1 bytes). */
void v2x_hexline_format(const uint8_t *buf, size_t n, char *out);

#endif
