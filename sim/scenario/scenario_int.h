/*
 * scenario_int: what the files of sim/scenario share.  The YAML document
 * is walked by one generic walker (scenario.c) driven by tables of key
 * descriptors (scenario_keys.c), one table per section of the format.
 */
#ifndef V2X_SIM_SCENARIO_SCENARIO_INT_H
#define V2X_SIM_SCENARIO_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "sim/scenario/scenario.h"

/* The walk of one document: where errors go and the key path they name. */
struct sim_scen_ctx {
	yaml_document_t *doc;
	struct v2x_arena *arena;
	struct sim_scenario *sc; /* being filled; lists grow as their items finish */
	const char *file;        /* as the caller named it, for messages */
	char *err;
	size_t errlen;
	char path[256]; /* "actors[1].speed_kmh" */
	size_t plen;
};

/* The longest run, s.  An end time (to_t_s) may lie past the run's own
 * duration_s (it then lasts to the end); a start time may not. */
#define SIM_SCEN_DURATION_MAX 600.0

/* What a key's value is and how it is stored at .off of the object. */
enum sim_scen_kind {
	SIM_K_STR = 1, /* char[.size]; .check may refuse the text */
	SIM_K_NUM,     /* double, .lo.. .hi */
	SIM_K_KMH,     /* double given in km/h (.lo.. .hi km/h), stored in m/s */
	SIM_K_TIME,    /* double seconds, 0..duration_s of the run (a start time) */
	SIM_K_UINT,    /* unsigned integer of .width bytes, .lo.. .hi */
	SIM_K_INT,     /* signed integer of .width bytes, .lo.. .hi */
	SIM_K_U64,     /* uint64_t, any */
	SIM_K_BOOL,    /* bool: true/false/yes/no/on/off */
	SIM_K_ENUM,    /* one of .choices, its value stored in .width bytes */
	SIM_K_MAP,     /* a mapping of .sub, onto the object at .off */
	SIM_K_LIST,    /* a sequence of .sub mappings: pointer at .off, count at .count_off,
	                * .lo.. .hi items */
	SIM_K_FN,      /* .parse does it all */
};

struct sim_scen_choice {
	const char *name;
	int64_t value;
};

struct sim_scen_section;

#define SIM_KEY_REQUIRED 1u

struct sim_scen_key {
	const char *name;
	uint8_t kind;  /* enum sim_scen_kind */
	uint8_t flags; /* SIM_KEY_REQUIRED */
	uint8_t group; /* keys sharing a nonzero group exclude each other */
	uint8_t width; /* bytes of an integer or enum field */
	size_t off;
	size_t size;      /* bytes of a string field; bytes of a list item */
	size_t count_off; /* a list's count (size_t) */
	double lo, hi;
	const struct sim_scen_choice *choices; /* NULL-name terminated */
	const struct sim_scen_section *sub;
	int (*check)(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value);
	int (*parse)(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj);
};

/* A mapping of the format: its keys, what an item holds before them
 * (defaults) and what is checked once all of them are read (seen: bit i
 * for keys[i]). */
struct sim_scen_section {
	const struct sim_scen_key *keys;
	size_t n_keys; /* at most 64 */
	void (*init)(struct sim_scen_ctx *c, void *obj);
	int (*finish)(struct sim_scen_ctx *c, const yaml_node_t *n, void *obj, uint64_t seen);
};

/* The head of a table entry: key name, kind, and the field of st it sets. */
#define SIM_KEY(st, key, f, k) .name = (key), .kind = (k), .off = offsetof(st, f)
/* ... for a string field, with the field's size. */
#define SIM_KEY_STR(st, key, f) SIM_KEY(st, key, f, SIM_K_STR), .size = sizeof(((st *)0)->f)
#define SIM_N(a)                (sizeof(a) / sizeof((a)[0]))

/* The top level of a scenario file (scenario_keys.c). */
extern const struct sim_scen_section sim_scen__top;
/* Sections of scenario_events.c: rsi and rsm items, faults, expect. */
extern const struct sim_scen_section sim_scen__rsi, sim_scen__rsm, sim_scen__faults,
        sim_scen__expect;

/* Whether the key called name of the table keys was given (seen as finish
 * gets it). */
bool sim_scen__seen(const struct sim_scen_key *keys, size_t n_keys, uint64_t seen,
                    const char *name);

/* Checks of names and references: an identifier (letters, digits, - and _);
 * a run's RSU (any of the map's when rsus lists none); an actor. */
int sim_scen__check_ident(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value);
int sim_scen__check_rsu(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value);
int sim_scen__check_actor(struct sim_scen_ctx *c, const yaml_node_t *n, const char *value);

/* Writes "FILE:LINE:COL: PATH: message" (n's position) into c->err and
 * returns V2X_EINVAL. */
int sim_scen__fail(struct sim_scen_ctx *c, const yaml_node_t *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Reads the mapping n by sec into obj; returns 0 or an error code. */
int sim_scen__map(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_section *sec,
                  void *obj);

/* Reads the value n of key k into obj (scenario_value.c). */
int sim_scen__value(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                    void *obj);

/* Reads the list n of mappings of key k (a SIM_K_LIST) into obj. */
int sim_scen__list(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                   void *obj);

/* Appends "[i]" or ".name" to the key path; returns the length to restore. */
size_t sim_scen__push_index(struct sim_scen_ctx *c, size_t i);
size_t sim_scen__push_key(struct sim_scen_ctx *c, const char *name);

/* "a mapping", "a list" or "text": what the file has where something else
 * was expected. */
const char *sim_scen__what(const yaml_node_t *n);

/* The text of a scalar node, NULL for a mapping or a sequence. */
const char *sim_scen__scalar(const yaml_node_t *n);

/* A scalar as a whole number in lo..hi; 0 or V2X_EINVAL with the message. */
int sim_scen__int(struct sim_scen_ctx *c, const yaml_node_t *n, double lo, double hi, int64_t *out);

/* The items of the sequence n (V2X_EINVAL when n is no sequence, or has
 * fewer than lo or more than hi items). */
int sim_scen__seq(struct sim_scen_ctx *c, const yaml_node_t *n, size_t lo, size_t hi,
                  yaml_node_item_t **items, size_t *count);

/* The node of a sequence item. */
const yaml_node_t *sim_scen__node(const struct sim_scen_ctx *c, yaml_node_item_t item);

/* Checks from < to for a window's keys. */
int sim_scen__window(struct sim_scen_ctx *c, const yaml_node_t *n, double from, double to);

#endif
