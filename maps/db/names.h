/*
 * names: the text the database stores for the model's enumerations
 * (lane type, maneuver, structure and hazard kinds), as the CHECK
 * constraints of maps/sql/0001_schema.sql list them.  Internal to maps/db.
 */
#ifndef V2X_MAPS_DB_NAMES_H
#define V2X_MAPS_DB_NAMES_H

/* One enumeration: names[v] is the text of value v; NULL where v is unused. */
struct map_db__names {
	const char *what; /* "maneuver", for messages */
	const char *const *names;
	int n;
};

extern const struct map_db__names map_db__lane_types;
extern const struct map_db__names map_db__maneuvers;
extern const struct map_db__names map_db__structure_kinds;
extern const struct map_db__names map_db__hazard_kinds;

/* The text of v, or NULL when v has none. */
const char *map_db__name(const struct map_db__names *e, int v);

/* The value whose text is s, or -1. */
int map_db__value(const struct map_db__names *e, const char *s);

#endif
