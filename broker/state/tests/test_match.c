/*
 * Lane matching through the track table on the generated test field
 * (mapgen, default parameters): a vehicle driven down the hairpin
 * staircase at 10 Hz, a little off the centre line, is matched by
 * brk_tracks_match() exactly as map_index_match() matches with the
 * previous match as hint, onto the lane it drives, the same lane as a
 * fresh match away from the joints between lanes; with its heading
 * unavailable it still keeps its lane.  An old match is not used as a
 * hint; off the map the track loses its match.
 */
#include <math.h>
#include <string.h>

#include "broker/state/tracks.h"
#include "maps/gen/mapgen.h"
#include "maps/index/index.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0_US 1795694400000000LL
#define STEP  100000 /* 10 Hz */

/* Down the hairpin staircase (road 3): lanes 21, 31, 41 in turn. */
static const uint32_t route[] = { 21, 31, 41 };

struct drive_result {
	size_t steps, wrong_lane, not_as_index, differs_fresh, hinted;
};

static bool same_match(const struct map_index_match *a, const struct map_index_match *b)
{
	return a->lane_id == b->lane_id && a->s == b->s && a->lateral_m == b->lateral_m &&
	       a->confidence == b->confidence;
}

static void one_step(struct brk_tracks *t, const struct map_index *idx, uint32_t lane,
                     const struct map_sample *smp, const struct map_index_lane *li, size_t k,
                     bool with_heading, struct drive_result *r)
{
	/* Up to 0.8 m off the centre line, left and right. */
	double off = 0.8 * sin((double)k * 0.37);
	double h = smp->heading_deg * M_PI / 180;
	double x = smp->x - off * cos(h), y = smp->y + off * sin(h);
	struct v2x_bsm b = { .msg_cnt = (uint8_t)(k & 127), .sec_mark_s = (double)(k % 600) / 10 };
	struct map_index_match expect, fresh, prev;
	struct map_index_query q = { x, y, smp->z, with_heading ? smp->heading_deg : NAN };
	struct brk_track *tr = NULL;
	int64_t now = (int64_t)k * STEP;
	bool had = false;

	memset(b.id, 0x42, V2X_ID_LEN);
	b.pos = (struct v2x_pos3d){
		.lat_deg = 29.6, .lon_deg = 106.5, .has_elev = true, .elev_m = smp->z
	};
	b.heading_deg = q.heading_deg;
	b.speed_mps = 8;
	CHECK(brk_tracks_update(t, &b, (struct brk_rsu_key){ 1 }, T0_US + now, now, &tr) > 0);
	if (tr->has_match) {
		prev = tr->match;
		had = true;
	}
	CHECK_INT_EQ(brk_tracks_match(t, tr, idx, x, y, now), 0);
	CHECK_INT_EQ(map_index_match(idx, &q, had ? &prev : NULL, &expect), 0);
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &fresh), 0);
	r->steps++;
	r->hinted += had;
	r->not_as_index += !same_match(&tr->match, &expect);
	/* At a joint between two lanes the point lies on both, equally near;
	 * anywhere else the match is the lane driven, and the hint changes
	 * nothing on this road when the heading is known. */
	if (smp->s < 2 || smp->s > li->length_m - 2)
		return;
	if (tr->match.lane_id != lane)
		printf("step %zu: lane %u s %.2f matched %u s %.2f\n", k, lane, smp->s,
		       tr->match.lane_id, tr->match.s);
	r->wrong_lane += tr->match.lane_id != lane;
	r->differs_fresh += fresh.lane_id != tr->match.lane_id;
}

static void drive(const struct map_index *idx, bool with_heading)
{
	struct brk_tracks_cfg cfg = { .capacity = 8 };
	struct brk_tracks *t = NULL;
	struct drive_result r = { 0 };
	size_t k = 0;

	CHECK_INT_EQ(brk_tracks_new(&cfg, &t), 0);
	for (size_t i = 0; i < sizeof(route) / sizeof(route[0]); i++) {
		struct map_index_lane li;
		CHECK_INT_EQ(map_index_lane(idx, route[i], &li), 0);
		size_t n = (size_t)ceil(li.length_m / 0.8);
		for (size_t j = 0; j < n; j++, k++) {
			struct map_sample smp;
			CHECK_INT_EQ(map_index_profile_at(idx, route[i], (double)j * 0.8, &smp), 0);
			one_step(t, idx, route[i], &smp, &li, k, with_heading, &r);
		}
	}
	printf("%s heading: %zu steps, %zu hinted, %zu on a wrong lane, %zu not as the index, "
	       "%zu differ from a fresh match\n",
	       with_heading ? "with" : "without", r.steps, r.hinted, r.wrong_lane, r.not_as_index,
	       r.differs_fresh);
	CHECK(r.steps > 500);
	CHECK_UINT_EQ(r.hinted, r.steps - 1);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK_UINT_EQ(r.not_as_index, 0);
	if (with_heading)
		CHECK_UINT_EQ(r.differs_fresh, 0);
	CHECK_UINT_EQ(brk_tracks_stats(t)->matched, r.steps);
	CHECK_UINT_EQ(brk_tracks_stats(t)->match_hint, r.steps - 1);
	brk_tracks_free(t);
}

/* A match older than hint_max_age_us is no hint; off the map there is no
 * match; a non-finite position leaves the match as it was. */
static void hint_age_and_off_map(const struct map_index *idx)
{
	struct brk_tracks_cfg cfg = { .capacity = 2, .hint_max_age_us = 500000 };
	struct brk_tracks *t = NULL;
	struct brk_track *tr = NULL;
	struct map_sample smp;
	struct v2x_bsm b = { .msg_cnt = 1, .sec_mark_s = 1 };
	uint32_t lane;

	CHECK_INT_EQ(brk_tracks_new(&cfg, &t), 0);
	CHECK_INT_EQ(map_index_profile_at(idx, 31, 50, &smp), 0);
	b.pos = (struct v2x_pos3d){
		.lat_deg = 29.6, .lon_deg = 106.5, .has_elev = true, .elev_m = smp.z
	};
	b.heading_deg = smp.heading_deg;
	CHECK(brk_tracks_update(t, &b, (struct brk_rsu_key){ 1 }, T0_US, 0, &tr) > 0);
	CHECK_INT_EQ(brk_tracks_match(t, tr, idx, smp.x, smp.y, 0), 0);
	CHECK_INT_EQ(brk_tracks_match(t, tr, idx, smp.x, smp.y, 500000), 0);
	CHECK_UINT_EQ(brk_tracks_stats(t)->match_hint, 1);
	CHECK_INT_EQ(brk_tracks_match(t, tr, idx, smp.x, smp.y, 1000001), 0);
	CHECK_UINT_EQ(brk_tracks_stats(t)->match_hint, 1);
	lane = tr->match.lane_id;
	CHECK_UINT_EQ(lane, 31);
	CHECK_INT_EQ(brk_tracks_match(t, tr, idx, NAN, smp.y, 1100000), V2X_EINVAL);
	CHECK(tr->has_match && tr->match.lane_id == lane);
	CHECK_UINT_EQ(brk_tracks_stats(t)->match_errors, 1);
	CHECK_INT_EQ(brk_tracks_match(t, tr, idx, smp.x + 1e5, smp.y, 1200000), V2X_ENOTFOUND);
	CHECK(!tr->has_match);
	CHECK_UINT_EQ(brk_tracks_stats(t)->off_map, 1);
	brk_tracks_free(t);
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct map_index *idx = NULL;
	struct v2x_arena arena;
	struct map_model m;
	char err[512];

	v2x_arena_init(&arena, 1 << 20, 0);
	if (!CHECK(mapgen_build(&p, &arena, &m, err, sizeof(err)) == 0) ||
	    !CHECK(map_index_new(&m, &idx, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		v2x_arena_fini(&arena);
		return check_exit();
	}
	v2x_arena_fini(&arena);
	drive(idx, true);
	drive(idx, false);
	hint_age_and_off_map(idx);
	map_index_free(idx);
	return check_exit();
}
