/*
 * opt_value: the value types of runtime/opt, one handler per type.
 * Internal to runtime/opt; nothing outside opt.c includes it.
 */
#ifndef V2X_RUNTIME_OPT_VALUE_H
#define V2X_RUNTIME_OPT_VALUE_H

#include "runtime/opt.h"

#include <stdbool.h>
#include <stddef.h>

struct v2x__opt_kind {
	const char *metavar; /* value name in --help; NULL for flags */
	size_t size;         /* bytes of the field */
	bool owns_string;    /* the field is a char * that the config owns */
	/*
	 * Parses text and stores it in field, which is left unchanged on
	 * failure.  Returns 0, V2X_ENOMEM, or V2X_EINVAL with the reason in
	 * why ("not a size (examples: 65536, 64k, 1M)").
	 */
	int (*parse)(const struct v2x_opt *o, const char *text, void *field, char *why,
	             size_t whylen);
	/* Writes the bounds of o ("1..65535", "64k..16M"), "" if unbounded. */
	void (*bounds)(const struct v2x_opt *o, char *buf, size_t len);
};

/* Returns the handler of type, NULL for a value outside the enum. */
const struct v2x__opt_kind *v2x__opt_kind(enum v2x_opt_type type);

/* Parses a boolean word (yes/no, true/false, on/off, 1/0, any case). */
bool v2x__opt_parse_bool(const char *text, bool *out);

#endif
