#include "codecs/msg.h"

#include <string.h>

static const char *const type_names[V2X_MSG_TYPE_COUNT] = {
	[V2X_MSG_NONE] = "none", [V2X_MSG_BSM] = "bsm",   [V2X_MSG_MAP] = "map",
	[V2X_MSG_RSM] = "rsm",   [V2X_MSG_SPAT] = "spat", [V2X_MSG_RSI] = "rsi",
};

const char *v2x_msg_type_name(enum v2x_msg_type type)
{
	if ((unsigned)type >= V2X_MSG_TYPE_COUNT)
		return "none";
	return type_names[type];
}

enum v2x_msg_type v2x_msg_type_from_name(const char *name)
{
	for (int t = V2X_MSG_BSM; t < V2X_MSG_TYPE_COUNT; t++)
		if (strcmp(name, type_names[t]) == 0)
			return (enum v2x_msg_type)t;
	return V2X_MSG_NONE;
}
