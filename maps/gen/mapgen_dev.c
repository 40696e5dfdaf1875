/*
 * mapgen-dev OUTDIR [SEED]: builds the test field and writes OUTDIR/map.json and
 * OUTDIR/truth.json,
 * for trying the generator by hand (the real tool is `v2x-map gen`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "maps/gen/mapfile.h"
#include "maps/gen/mapgen.h"
#include "maps/gen/truth.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena arena;
	struct map_model m;
	char err[512], path[4096];
	double t0 = now(), t1;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mapgen-dev OUTDIR [SEED]\n");
		return 2;
	}
	if (argc == 3)
		p.seed = strtoull(argv[2], NULL, 0);
	v2x_arena_init(&arena, 1 << 20, 0);
	rc = mapgen_build(&p, &arena, &m, err, sizeof(err));
	t1 = now();
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/map.json", argv[1]);
		rc = map_file_write(&m, path, err, sizeof(err));
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/truth.json", argv[1]);
		rc = mapgen_truth_write(&m, &p, path, err, sizeof(err));
	}
	if (rc == 0)
		printf("built in %.0f ms, %zu lanes, %zu curves, %zu RSUs: %s/{map,truth}.json\n",
		       (t1 - t0) * 1e3, m.n_lanes, m.n_curves, m.n_rsus, argv[1]);
	else
		fprintf(stderr, "mapgen-dev: %s\n", err);
	v2x_arena_fini(&arena);
	return rc ? 1 : 0;
}
