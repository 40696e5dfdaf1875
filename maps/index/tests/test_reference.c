/*
 * reference: map_index_match() against a brute-force scan of every
 * segment with the same rule and hint (refmatch.c), on 10,000 seeded
 * random queries: on-road with noise, near roads, anywhere; with and
 * without z, heading and hint.  They must agree exactly.
 */
#include "maps/index/index.h"
#include "maps/index/tests/fieldcheck.h"
#include "maps/index/tests/synth.h"
#include "tests/check.h"

static void run(unsigned tiles, uint64_t seed, size_t n)
{
	struct synth_map sm;
	struct map_index *idx = NULL;
	char err[200] = "";

	if (!CHECK(synth_build(&sm, tiles) == 0))
		return;
	if (CHECK(map_index_new(&sm.model, &idx, err, sizeof(err)) == 0))
		CHECK_UINT_EQ(fieldcheck_reference(&sm.model, idx, seed, n), 0);
	else
		fprintf(stderr, "%s\n", err);
	map_index_free(idx);
	synth_fini(&sm);
}

int main(void)
{
	run(1, 7, 10000);
	/* Four tiles: cells far from the first tile, ids past 1000. */
	run(4, 8, 2000);
	return check_exit();
}
