/*
 * client_names: the protocol's enum values as people write them
 * ("auth_failed", "hazard_ahead"), both ways.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "broker/client/client.h"

/*
 * Every enum of the protocol starts with PREFIX_UNSPECIFIED = 0: its
 * prefix is that name without "UNSPECIFIED".
 */
static size_t prefix_len(const ProtobufCEnumDescriptor *d)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, 0);
	size_t n = v ? strlen(v->name) : 0, u = strlen("UNSPECIFIED");

	if (n < u || strcmp(v->name + n - u, "UNSPECIFIED") != 0)
		return 0;
	return n - u;
}

const char *v2x_client_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
	size_t i = 0;

	if (len == 0)
		return buf;
	if (!v) {
		snprintf(buf, len, "%d", value);
		return buf;
	}
	for (const char *p = v->name + prefix_len(d); *p && i + 1 < len; p++)
		buf[i++] = (char)tolower((unsigned char)*p);
	buf[i] = '\0';
	return buf;
}

int v2x_client_enum_value(const ProtobufCEnumDescriptor *d, const char *name)
{
	size_t skip = prefix_len(d);

	for (unsigned i = 0; i < d->n_values; i++) {
		const char *full = d->values[i].name;

		if (strcasecmp(full, name) == 0 ||
		    (strlen(full) > skip && strcasecmp(full + skip, name) == 0))
			return d->values[i].value;
	}
	return -1;
}
