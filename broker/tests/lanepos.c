/*
 * lanepos: positions on the generated test field, for the broker's
 * end-to-end tests: reads "LANE S" lines on stdin and writes, for each,
 * "LAT LON Z HEADING" (degrees, ellipsoidal metres, degrees clockwise from
 * north) of the lane's centre line at S, or "error ..." for a lane it does
 * not know.  The map is the test field of the default generator
 * parameters, the one `v2x-map load` stores by default.
 */
#include <stdio.h>
#include <stdlib.h>

#include "maps/frame.h"
#include "maps/gen/mapgen.h"
#include "maps/index/index.h"
#include "runtime/arena.h"
#include "runtime/err.h"

int main(int argc, char **argv)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena arena;
	struct map_model model;
	struct map_index *idx = NULL;
	struct map_frame *frame = NULL;
	char err[256], line[256];
	int rc;

	(void)argv;
	if (argc > 1) {
		printf("usage: lanepos < 'LANE S' lines\n"
		       "Writes 'LAT LON Z HEADING' of each lane position of the default test "
		       "field.\n");
		return 0;
	}
	v2x_arena_init(&arena, 1u << 20, 0);
	rc = mapgen_build(&p, &arena, &model, err, sizeof(err));
	if (rc == 0)
		rc = map_index_new(&model, &idx, err, sizeof(err));
	if (rc == 0)
		rc = map_frame_new(model.meta.proj, &frame, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "lanepos: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		struct map_sample smp;
		unsigned lane;
		double s, lat, lon;

		if (sscanf(line, "%u %lf", &lane, &s) != 2 ||
		    map_index_profile_at(idx, lane, s, &smp) != 0 ||
		    map_frame_to_wgs84(frame, smp.x, smp.y, &lat, &lon) != 0) {
			printf("error %s", line);
		} else {
			printf("%.8f %.8f %.3f %.3f\n", lat, lon, smp.z, smp.heading_deg);
		}
		fflush(stdout);
	}
	map_frame_free(frame);
	map_index_free(idx);
	v2x_arena_fini(&arena);
	return 0;
}
