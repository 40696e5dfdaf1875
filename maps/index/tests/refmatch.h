/*
 * refmatch: the matching rule and hint of maps/index/index.h done the
 * slow, obvious way, every segment of every lane per query, straight from
 * a map model.  The tests compare map_index_match() with it; the
 * benchmark measures it as the brute-force baseline.
 */
#ifndef V2X_MAPS_INDEX_TESTS_REFMATCH_H
#define V2X_MAPS_INDEX_TESTS_REFMATCH_H

#include "maps/index/index.h"

struct refmatch;

/* Prepares the segments of m, which must outlive the result (borrowed
 * until refmatch_free).  0 or V2X_ENOMEM. */
int refmatch_new(const struct map_model *m, struct refmatch **out);

void refmatch_free(struct refmatch *r);

/* As map_index_match(), but confidence is left NaN. */
int refmatch_match(const struct refmatch *r, const struct map_index_query *q,
                   const struct map_index_match *hint, struct map_index_match *out);

#endif
