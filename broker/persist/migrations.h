/*
 * migrations: the SQL migrations of broker/persist/sql, embedded at build
 * time by maps/db/sqlembed.c (the generated migrations_sql.c
 * defines the table).  Internal to broker/persist.
 */
#ifndef V2X_BROKER_PERSIST_MIGRATIONS_H
#define V2X_BROKER_PERSIST_MIGRATIONS_H

#include <stddef.h>

struct brk_persist__migration {
	long number;      /* from the file name, rising */
	const char *name; /* "0001_schema.sql" */
	const char *sql;  /* the file's text */
};

/* In the order they run, constant data. */
extern const struct brk_persist__migration brk_persist__migrations[];
extern const size_t brk_persist__n_migrations;

#endif
