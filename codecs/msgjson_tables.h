/*
 * msgjson_tables: the description of every struct of codecs/msg.h that the
 * JSON mapping walks (internal to codecs/).  One table per struct lists its
 * fields: JSON key, kind, where the value and its has_ flag are.
 */
#ifndef V2X_CODECS_MSGJSON_TABLES_H
#define V2X_CODECS_MSGJSON_TABLES_H

#include <stddef.h>
#include <stdint.h>

enum jf_kind {
	JF_U8,
	JF_U16,
	JF_I16,
	JF_DBL,
	JF_ENUM,   /* uint8_t, names in aux (struct jenum) */
	JF_BITS8,  /* uint8_t bit string */
	JF_BITS16, /* uint16_t bit string */
	JF_BITS64, /* uint64_t bit string, length in the uint8_t at aux_off */
	JF_ID,     /* uint8_t[8] as hex */
	JF_NAME,   /* struct v2x_name, len 0 absent */
	JF_TEXT,   /* struct v2x_text */
	JF_STRUCT, /* nested struct, table in aux */
	JF_LIST,   /* element pointer at off, size_t count at aux_off */
};

enum jf_flag {
	/* Present when the uint8_t at has_off is non-zero, which the parser
	 * does not set (the value of another field decides). */
	JF_COND = 1u << 0,
	/* Printed, but derived: optional on input. */
	JF_DERIVED = 1u << 1,
};

struct jenum {
	size_t n;
	const char *const *names; /* by value; NULL for a value with no name */
};

struct jtable;

struct jf {
	const char *key;
	uint8_t kind;  /* enum jf_kind */
	uint8_t flags; /* enum jf_flag */
	uint8_t nbits; /* size of a fixed bit string */
	size_t off;
	ptrdiff_t has_off; /* -1: always present */
	size_t aux_off;
	const void *aux;
};

struct jtable {
	const char *name;
	size_t size;
	size_t n;
	const struct jf *f;
	/* Checks a parsed object as a whole (keys: bit i set when f[i] was
	 * given); returns the name of a field in error, or NULL. */
	const char *(*check)(const void *obj, uint64_t keys);
};

/* The body table of each message type, by enum v2x_msg_type (NULL for
 * V2X_MSG_NONE). */
extern const struct jtable *const jt_bodies[];

#endif
