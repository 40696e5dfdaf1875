/*
 * mapfile_tables: the description of every struct of maps/model.h that the
 * map file holds (internal to maps/gen).  One table per struct lists its
 * fields in the order they are written: JSON key, kind, where the value is,
 * and for reals the number of decimals the file keeps.  The writer, the
 * reader, map_file_quantize and map_file_same are walks over these tables,
 * so a field added to the model is added here once.
 */
#ifndef V2X_MAPS_GEN_MAPFILE_TABLES_H
#define V2X_MAPS_GEN_MAPFILE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum map_file__kind {
	MF_U8,
	MF_I8,
	MF_U16,
	MF_U32,
	MF_I32,
	MF_BOOL,
	MF_DBL,    /* double, null for NaN */
	MF_STR,    /* char[cap], NUL-terminated */
	MF_ENUM,   /* uint8_t, names in aux (struct map_file__names) */
	MF_STRUCT, /* nested struct, table in aux */
	MF_LIST,   /* element pointer at off, size_t count at count_off, table in aux */
};

struct map_file__names {
	size_t n;
	const char *const *names; /* by value; NULL for a value with no name */
};

struct map_file__field {
	const char *key;
	uint8_t kind;     /* enum map_file__kind */
	uint8_t decimals; /* MF_DBL: the file keeps 10^-decimals */
	size_t off;
	size_t count_off; /* MF_LIST */
	size_t cap;       /* MF_STR: size of the array, NUL included */
	const void *aux;
};

struct map_file__table {
	const char *name;
	size_t size;
	bool row; /* written as an array of the fields in order, not an object */
	size_t n;
	const struct map_file__field *f;
};

/* The whole model (struct map_model), without the file's header keys. */
extern const struct map_file__table map_file__model;

/* The profile sample row, whose keys are the file's "sample_columns". */
extern const struct map_file__table map_file__sample;

#endif
