/*
 * fx: what the map source's tests share: the database under
 * tests/with-postgis with the generated test field stored in it, a libuv
 * loop running a source and collecting its callbacks, and the lanes a
 * circle covers computed in C from the model's geometry, to check the
 * PostGIS answers against.
 */
#ifndef V2X_BROKER_MAPSRC_TESTS_FX_H
#define V2X_BROKER_MAPSRC_TESTS_FX_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "broker/mapsrc/mapsrc.h"
#include "maps/gen/mapgen.h"

#define FX_TAGS      64
#define FX_SPANS_MAX 256

struct fx_answer {
	bool got;
	int status;
	int64_t version;
	size_t n;
	struct brk_lane_span spans[FX_SPANS_MAX];
	uint64_t at_ns; /* when it came */
};

struct fx {
	uv_loop_t loop;
	struct brk_mapsrc *src;
	struct fx_answer ans[FX_TAGS]; /* by tag */
	int n_changed;
	int64_t changed_old, changed_new;
	PGconn *admin; /* the test's own connection */
	struct v2x_log log;
	char conninfo[1024];
};

/*
 * Opens the database with-postgis started (migrated) as f->admin and
 * initialises f->loop.  Returns 0, CHECK_SKIP without V2X_PG_CONNINFO, or
 * 1 after printing why.
 */
int fx_init(struct fx *f);

/* Closes f->src (if any), runs the loop until it is empty and closes it
 * (a failed check when a handle is left), closes f->admin. */
void fx_fini(struct fx *f);

/* Builds the test field of p into *m (allocated in arena).  0 or the error, printed. */
int fx_field(const struct mapgen_params *p, struct v2x_arena *arena, struct map_model *m);

/* Stores m on pg; 0 and *version, or the error, printed. */
int fx_store(PGconn *pg, const struct map_model *m, int64_t *version);

/* A configuration whose callbacks record into f. */
struct brk_mapsrc_config fx_config(struct fx *f);

/* Runs the loop until done(f, arg) or timeout_ms; returns done's last answer. */
bool fx_wait(struct fx *f, bool (*done)(struct fx *f, void *arg), void *arg, int timeout_ms);

/* Submits zone with tag (< FX_TAGS) and waits for its answer (up to timeout_ms); NULL on none. */
const struct fx_answer *fx_query(struct fx *f, uint64_t tag, const struct brk_zone *zone,
                                 int timeout_ms);

/* Runs sql on pg expecting success; prints the error and returns false otherwise. */
bool fx_exec(PGconn *pg, const char *sql);

/* The point of lane l at s (linear between its points, s scaled as the lane's). */
struct map_xyz fx_lane_at(const struct map_lane *l, double s);

/* A circle zone around local (x, y), height z (NaN: none), radius r, via frame. */
void fx_circle(struct map_frame *frame, double x, double y, double z, double r,
               struct brk_zone *zone);

/* The lanes a circle covers, computed from the model by the header's rule. */
struct fx_span {
	uint32_t lane_id;
	double s_from, s_to;
	double tol_from, tol_to; /* how far PostGIS's polygonal circle may move each end */
};

/* Writes up to max expected spans of the circle (cx, cy, cz NaN: no height) into out. */
size_t fx_expect_circle(const struct map_model *m, double cx, double cy, double cz, double r,
                        double z_tol, struct fx_span *out, size_t max);

/*
 * Checks an answer against expected spans: every expected span longer than
 * 0.5 m is answered (same lane, ends within their tolerances) and every
 * answered span longer than 0.5 m was expected.  Returns the failures,
 * printed.
 */
int fx_compare(const struct fx_answer *a, const struct fx_span *want, size_t n_want);

/* Whether the answer holds a span of lane. */
bool fx_has_lane(const struct fx_answer *a, uint32_t lane);

#endif
