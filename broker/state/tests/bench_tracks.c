/*
 * Benchmark of the track table on the generated test field: 5,000
 * vehicles spread over every lane, each sending a BSM in turn (10 Hz each
 * means 50,000 updates a second), with and without the lane match through
 * the index.  Prints, one per line:
 *   tracks_update_ns: N ns          update + match with the hint
 *   tracks_update_nomatch_ns: N ns  update alone
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "broker/state/tracks.h"
#include "maps/gen/mapgen.h"
#include "maps/index/index.h"
#include "runtime/clock.h"

#define VEHICLES 5000
#define STEPS    20 /* positions per vehicle, 0.8 m apart, cycled */
#define ROUNDS   40

struct pos {
	double x, y, z, heading;
};

/* Vehicle v drives lane v % n_lanes from a place of its own. */
static int positions(const struct map_model *m, const struct map_index *idx, struct pos *out)
{
	for (size_t v = 0; v < VEHICLES; v++) {
		const struct map_lane *l = &m->lanes[v % m->n_lanes];
		double s0 = fmod((double)v * 7.3, l->length_m);
		for (size_t k = 0; k < STEPS; k++) {
			struct map_sample smp;
			double s = fmod(s0 + (double)k * 0.8, l->length_m);
			if (map_index_profile_at(idx, l->id, s, &smp))
				return -1;
			out[v * STEPS + k] = (struct pos){ smp.x, smp.y, smp.z, smp.heading_deg };
		}
	}
	return 0;
}

/* Runs ROUNDS rounds from round *round on, so that every BSM is newer
 * than its vehicle's last one (a stale one would be cheaper). */
static double run(struct brk_tracks *t, const struct map_index *idx, const struct pos *p,
                  bool match, size_t *round)
{
	struct v2x_bsm b = { 0 };
	uint64_t t0 = v2x_clock_mono_ns();
	size_t n = 0;

	for (size_t r = *round; r < *round + ROUNDS; r++) {
		for (size_t v = 0; v < VEHICLES; v++, n++) {
			const struct pos *q = &p[v * STEPS + r % STEPS];
			struct brk_track *tr;
			int64_t now = (int64_t)(r * VEHICLES + v) * 20; /* 50,000 a second */
			b.id[0] = (uint8_t)v;
			b.id[1] = (uint8_t)(v >> 8);
			b.msg_cnt = (uint8_t)(r & 127);
			b.sec_mark_s = fmod((double)r * 0.1, 60);
			b.pos.has_elev = true;
			b.pos.elev_m = q->z;
			b.heading_deg = q->heading;
			brk_tracks_update(t, &b, (struct brk_rsu_key){ 1 }, now, now, &tr);
			if (match)
				brk_tracks_match(t, tr, idx, q->x, q->y, now);
		}
	}
	*round += ROUNDS;
	return (double)(v2x_clock_mono_ns() - t0) / (double)n;
}

int main(void)
{
	struct mapgen_params prm = mapgen_params_default();
	struct brk_tracks_cfg cfg = { .capacity = VEHICLES };
	struct map_index *idx = NULL;
	struct brk_tracks *t = NULL;
	struct pos *p = malloc(sizeof(*p) * VEHICLES * STEPS);
	struct v2x_arena arena;
	struct map_model m;
	char err[512];
	size_t round = 0;
	int status = 1;

	v2x_arena_init(&arena, 1 << 20, 0);
	if (!p || mapgen_build(&prm, &arena, &m, err, sizeof(err)) ||
	    map_index_new(&m, &idx, err, sizeof(err)) || positions(&m, idx, p) ||
	    brk_tracks_new(&cfg, &t)) {
		fprintf(stderr, "bench-broker-tracks: set-up failed: %s\n", err);
		goto out;
	}
	run(t, idx, p, true, &round); /* warm-up: every track created */
	printf("tracks_update_ns: %.0f ns\n", run(t, idx, p, true, &round));
	printf("tracks_update_nomatch_ns: %.0f ns\n", run(t, idx, p, false, &round));
	printf("tracks_stale: %llu\n", (unsigned long long)brk_tracks_stats(t)->stale);
	printf("tracks_matched: %llu\n", (unsigned long long)brk_tracks_stats(t)->matched);
	printf("tracks_match_hint: %llu\n", (unsigned long long)brk_tracks_stats(t)->match_hint);
	printf("tracks_off_map: %llu\n", (unsigned long long)brk_tracks_stats(t)->off_map);
	status = 0;
out:
	brk_tracks_free(t);
	map_index_free(idx);
	v2x_arena_fini(&arena);
	free(p);
	return status;
}
