/*
 * subs_int: what the files of broker/subs share (subs.c, filter.c,
 * push.c, sent.c, index.c).  Not for the core.
 */
#ifndef V2X_BROKER_SUBS_SUBS_INT_H
#define V2X_BROKER_SUBS_SUBS_INT_H

#include <stdbool.h>

#include "broker/subs/subs.h"

#define BRK_SUBS__NONE UINT32_MAX

/* ---- index.c: a 64-bit key -> slot number index --------------------- */

/* Returns the key of slot i of the owner's pool. */
typedef uint64_t (*brk_subs__key_fn)(const void *owner, uint32_t i);

/*
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so churn never degrades it), sized at init to a power of two
 * at least twice the pool, never grown.
 */
struct brk_subs__index {
	uint32_t *slots; /* pool slot numbers; BRK_SUBS__NONE when free */
	size_t mask;
	brk_subs__key_fn key;
	const void *owner;
};

int brk_subs__index_init(struct brk_subs__index *x, size_t n, brk_subs__key_fn key,
                         const void *owner);
void brk_subs__index_fini(struct brk_subs__index *x);
uint32_t brk_subs__index_find(const struct brk_subs__index *x, uint64_t key);
void brk_subs__index_insert(struct brk_subs__index *x, uint64_t key, uint32_t i);
void brk_subs__index_remove(struct brk_subs__index *x, uint64_t key);
uint64_t brk_subs__mix(uint64_t v);

/* ---- filter.c: one compiled subscription ----------------------------- */

enum brk_subs__geo {
	BRK_SUBS__GEO_NONE,
	BRK_SUBS__GEO_BOX,
	BRK_SUBS__GEO_POLYGON,
};

struct brk_subs__filter {
	uint32_t id;
	uint32_t types;        /* bit n: WarningType n; 0: every type */
	uint32_t min_severity; /* Severity; 0: every severity */
	uint64_t *vehicles;    /* ids as big-endian keys, sorted, unique; NULL: any */
	size_t n_vehicles;
	enum brk_subs__geo geo;
	/*
	 * The box, or the polygon's bounding box.  A polygon that crosses 180
	 * degrees is kept with its longitudes unwrapped into 0..360 (wrapped
	 * set), so that its bounding box and edges stay continuous; a point is
	 * unwrapped the same way before it is tested.
	 */
	struct brk_box box;
	bool wrapped;
	double lon_min, lon_max; /* polygon: its bounding longitudes, unwrapped */
	double *lat, *lon;       /* polygon vertices (lon unwrapped), n_vertices of them */
	size_t n_vertices;
};

/* What a push tests against the filters, extracted from the Warning once. */
struct brk_subs__target {
	bool has_vehicle;
	uint8_t vehicle[8];
	uint64_t vehicle_key;
	uint32_t type;
	uint32_t severity;
	double lat, lon; /* NaN: unknown */
};

/*
 * Compiles sub into f (which owns what it allocates: brk_subs__filter_fini)
 * and checks it against the scope of p.  Returns a SubscribeStatus value
 * with the reason in why; f holds nothing unless OK.
 */
int brk_subs__filter_compile(struct brk_subs__filter *f, const V2x__Wire__Subscribe *sub,
                             const struct brk_principal *p, uint32_t max_vehicles, char *why,
                             size_t whylen);
void brk_subs__filter_fini(struct brk_subs__filter *f);
bool brk_subs__filter_match(const struct brk_subs__filter *f, const struct brk_subs__target *t);
/* The principal's scope as a second guard at push time. */
bool brk_subs__scope_allows(const struct brk_principal *p, const struct brk_subs__target *t);
uint64_t brk_subs__vehicle_key(const uint8_t id[8]);

/* ---- subs.c: the table ---------------------------------------------- */

/* A connection's slot. */
struct brk_subs__conn {
	struct brk_conn *conn; /* NULL: free */
	const struct brk_principal *principal;
	uint32_t gen;                     /* +1 each time the slot is freed */
	uint32_t live_pos;                /* index in brk_subs.live */
	uint64_t stamp;                   /* push sequence number that last marked it */
	uint32_t n;                       /* subscriptions, sorted by id in filters */
	struct brk_subs__filter *filters; /* max_per_conn of them, the table's */
	uint32_t next_free;
};

/* A distinct list of matching ids in a push, and its encoded frame. */
struct brk_subs__enc {
	uint64_t hash;
	uint32_t off, n; /* the ids: brk_subs.ids[off .. off + n) */
	struct brk_sbuf *buf;
	int rc; /* the encoding's failure, 0 */
};

/* A connection a push reaches: its slot and its ids' encoding. */
struct brk_subs__hit {
	uint32_t slot, gen;
	uint32_t enc;
};

/* A warning whose recipients are kept (sent.c). */
struct brk_subs__rec {
	uint64_t warning_id;
	uint32_t head;       /* first recipient node, BRK_SUBS__NONE: none */
	uint32_t prev, next; /* least-recently-pushed list; free list through next */
	bool used;
};

/* One recipient of a warning: a connection slot at a generation. */
struct brk_subs__node {
	uint32_t slot, gen;
	uint32_t next;
};

struct brk_subs {
	struct brk_subs_config cfg;
	struct brk_subs_stats stats;
	struct brk_subs__conn *conns; /* max_conns slots */
	struct brk_subs__filter *filters;
	uint32_t conn_free;
	uint32_t *live; /* slots in use, stats.conns of them */
	struct brk_subs__index conn_index;
	/* Scratch of a push, sized at creation. */
	uint64_t push_seq;
	uint32_t *ids; /* max_conns * max_per_conn */
	struct brk_subs__hit *hits;
	struct brk_subs__enc *encs;
	uint32_t *enc_index; /* open addressing over encs by hash; enc_mask + 1 */
	size_t enc_mask;
	/* Recipients per warning (sent.c). */
	struct brk_subs__rec *recs;
	uint32_t rec_free, lru_head, lru_tail; /* head: most recent */
	struct brk_subs__index rec_index;
	struct brk_subs__node *nodes;
	uint32_t node_free;
};

/* ---- sent.c: recipients per warning ---------------------------------- */

int brk_subs__sent_init(struct brk_subs *s);
void brk_subs__sent_fini(struct brk_subs *s);
/* Finds or adds the record of warning_id, evicting the oldest if full. */
uint32_t brk_subs__sent_get(struct brk_subs *s, uint64_t warning_id);
uint32_t brk_subs__sent_find(const struct brk_subs *s, uint64_t warning_id);
/* Stamps the live recipients of record r with push_seq, freeing dead ones. */
void brk_subs__sent_stamp(struct brk_subs *s, uint32_t r);
/* Adds slot (at its generation) to record r unless stamped already. */
void brk_subs__sent_add(struct brk_subs *s, uint32_t r, uint32_t slot);
void brk_subs__sent_free(struct brk_subs *s, uint32_t r);
/* Says whether node n's connection is still the one that got the warning. */
bool brk_subs__sent_live(const struct brk_subs *s, const struct brk_subs__node *n);

#endif
