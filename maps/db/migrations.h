/*
 * migrations: the SQL migrations of maps/sql, embedded at build time by
 * maps/db/sqlembed.c (the generated migrations_sql.c defines the table).
 * Internal to maps/db.
 */
#ifndef V2X_MAPS_DB_MIGRATIONS_H
#define V2X_MAPS_DB_MIGRATIONS_H

#include <stddef.h>

struct map_db__migration {
	long number;      /* from the file name, rising */
	const char *name; /* "0001_schema.sql" */
	const char *sql;  /* the file's text */
};

/* In the order they run, constant data. */
extern const struct map_db__migration map_db__migrations[];
extern const size_t map_db__n_migrations;

#endif
