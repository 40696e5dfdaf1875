#include "maps/db/names.h"

#include <stddef.h>
#include <string.h>

#include "maps/model.h"

static const char *const lane_types[] = { [MAP_LANE_DRIVING] = "driving" };

static const char *const maneuvers[] = {
	[MAP_MANEUVER_STRAIGHT] = "straight",
	[MAP_MANEUVER_LEFT] = "left",
	[MAP_MANEUVER_RIGHT] = "right",
	[MAP_MANEUVER_UTURN] = "uturn",
};

static const char *const structure_kinds[] = { [MAP_TUNNEL] = "tunnel", [MAP_BRIDGE] = "bridge" };

static const char *const hazard_kinds[] = {
	[MAP_HAZARD_ROCKFALL] = "rockfall",   [MAP_HAZARD_ICE] = "ice",
	[MAP_HAZARD_WORKS] = "works",         [MAP_HAZARD_FOG] = "fog",
	[MAP_HAZARD_LANDSLIDE] = "landslide",
};

#define NAMES(what, a)                                     \
	{                                                  \
		what, a, (int)(sizeof(a) / sizeof((a)[0])) \
	}

const struct map_db__names map_db__lane_types = NAMES("lane type", lane_types);
const struct map_db__names map_db__maneuvers = NAMES("maneuver", maneuvers);
const struct map_db__names map_db__structure_kinds = NAMES("structure kind", structure_kinds);
const struct map_db__names map_db__hazard_kinds = NAMES("hazard kind", hazard_kinds);

const char *map_db__name(const struct map_db__names *e, int v)
{
	return v >= 0 && v < e->n ? e->names[v] : NULL;
}

int map_db__value(const struct map_db__names *e, const char *s)
{
	for (int v = 0; v < e->n; v++)
		if (e->names[v] && strcmp(e->names[v], s) == 0)
			return v;
	return -1;
}
