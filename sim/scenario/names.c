/*
 * names.c: warning type names, as the wire protocol's WarningType
 * without its prefix, and actors by name.
 */
#include <string.h>

#include "sim/scenario/scenario.h"

static const char *const warning_names[SIM_W_COUNT] = {
	[SIM_W_CURVE_SPEED] = "curve_speed",
	[SIM_W_BLIND_CURVE] = "blind_curve_oncoming",
	[SIM_W_HAZARD_AHEAD] = "hazard_ahead",
	[SIM_W_FORWARD_COLLISION] = "forward_collision",
	[SIM_W_STEEP_DOWNGRADE] = "steep_downgrade",
	[SIM_W_SPEED_LIMIT] = "speed_limit",
	[SIM_W_RED_LIGHT] = "red_light_violation",
};

const char *sim_warning_name(unsigned type)
{
	return type > 0 && type < SIM_W_COUNT ? warning_names[type] : "?";
}

unsigned sim_warning_type(const char *name)
{
	for (unsigned t = 1; name && t < SIM_W_COUNT; t++)
		if (strcmp(warning_names[t], name) == 0)
			return t;
	return 0;
}

int sim_scenario_actor(const struct sim_scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_actors; i++)
		if (strcmp(sc->actors[i].name, name) == 0)
			return (int)i;
	return -1;
}
