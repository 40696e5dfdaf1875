/* index: building from a model, what it copies, and what it refuses. */
#include <math.h>
#include <stdlib.h>

#include "maps/index/index.h"
#include "maps/index/tests/synth.h"
#include "runtime/err.h"
#include "tests/check.h"

/* The synthetic map is what synth.h says: the hairpin's legs 15 m apart,
 * the hairpin arc of radius 20 m on the centre line. */
static void check_synth(const struct map_model *m)
{
	const struct map_lane *a = map_model_lane(m, SYNTH_HP_UP_A);
	const struct map_lane *b = map_model_lane(m, SYNTH_HP_DOWN_B);
	int hairpins = 0;

	if (!CHECK(a && b))
		return;
	/* Leg A's up lane lies 1.75 m right of the centre line, leg B's down
	 * lane 1.75 m left of it: both on the same side, 15 m apart. */
	CHECK_DBL_NEAR(a->points[0].x - b->points[b->n_points - 1].x, SYNTH_HP_GAP, 0.1);
	for (size_t i = 0; i < m->n_curves; i++)
		if (m->curves[i].hairpin && m->curves[i].lane_id == SYNTH_HP_UP_BEND) {
			CHECK_DBL_NEAR(m->curves[i].radius_m, 20, 1e-9);
			hairpins++;
		}
	CHECK_INT_EQ(hairpins, 1);
}

static void check_lanes(const struct map_index *idx)
{
	struct map_index_lane info;
	const struct map_index_link *links;
	size_t n = 0;

	CHECK_INT_EQ(map_index_lane(idx, SYNTH_JCT_IN, &info), 0);
	CHECK_UINT_EQ(info.n_successors, 3);
	CHECK_DBL_NEAR(info.width_m, SYNTH_LANE_WIDTH, 0);
	CHECK_INT_EQ(map_index_links(idx, SYNTH_JCT_IN, true, &links, &n), 0);
	CHECK_UINT_EQ(n, 3);
	if (n == 3) {
		CHECK_UINT_EQ(links[0].lane_id, SYNTH_JCT_LEFT);
		CHECK_INT_EQ(links[0].maneuver, MAP_MANEUVER_LEFT);
		CHECK_INT_EQ(links[0].signal_group, 1);
		CHECK_UINT_EQ(links[2].lane_id, SYNTH_JCT_RIGHT);
	}
	CHECK_INT_EQ(map_index_links(idx, SYNTH_JCT_STRAIGHT, false, &links, &n), 0);
	CHECK_UINT_EQ(n, 1);
	CHECK_UINT_EQ(links[0].lane_id, SYNTH_JCT_IN);
	CHECK_INT_EQ(map_index_links(idx, SYNTH_HP_DOWN_B, false, &links, &n), 0);
	CHECK_UINT_EQ(n, 0);
	CHECK_INT_EQ(map_index_lane(idx, 99999, &info), V2X_ENOTFOUND);
}

/* Profile between two samples: halfway in position and heading. */
static void check_profile(const struct map_model *m, const struct map_index *idx)
{
	const struct map_lane *l = map_model_lane(m, SYNTH_HP_UP_BEND);
	const struct map_sample *a = &l->samples[100], *b = &l->samples[101];
	struct map_sample p;

	CHECK_INT_EQ(map_index_profile_at(idx, l->id, 0.5 * (a->s + b->s), &p), 0);
	CHECK_DBL_NEAR(p.x, 0.5 * (a->x + b->x), 1e-9);
	CHECK_DBL_NEAR(p.z, 0.5 * (a->z + b->z), 1e-9);
	CHECK_DBL_NEAR(p.heading_deg, a->heading_deg + 0.5 * (b->heading_deg - a->heading_deg),
	               1e-6);
	CHECK_INT_EQ(map_index_profile_at(idx, l->id, 1e9, &p), 0);
	CHECK_DBL_NEAR(p.s, l->length_m, 0);
	CHECK_DBL_NEAR(p.x, l->samples[l->n_samples - 1].x, 0);
}

static void check_stats(const struct map_model *m, const struct map_index *idx)
{
	struct map_index_stats st;
	double len = 0;

	for (size_t i = 0; i < m->n_lanes; i++)
		len += m->lanes[i].length_m;
	map_index_stats(idx, &st);
	CHECK_UINT_EQ(st.n_lanes, m->n_lanes);
	CHECK_DBL_NEAR(st.lane_length_m, len, 1e-6);
	CHECK(st.bytes > st.n_segments * 32);
	CHECK(st.max_runs_in_cell > 0);
	printf("index: %zu lanes, %.0f m, %zu segments, %zu bytes (%.0f per lane km), "
	       "cell %.1f m, %zu runs, at most %zu runs / %zu segments in a cell\n",
	       st.n_lanes, st.lane_length_m, st.n_segments, st.bytes,
	       (double)st.bytes / (st.lane_length_m / 1000), st.cell_m, st.n_runs,
	       st.max_runs_in_cell, st.max_segs_in_cell);
}

/* What a build refuses, each with the culprit named in err. */
static void check_refusals(struct map_model *m)
{
	struct map_index *idx = NULL;
	char err[200];
	struct map_lane *l = &m->lanes[0];
	size_t np = l->n_points;
	uint32_t to = m->connections[0].to_lane, id1 = m->lanes[1].id;

	l->n_points = 1;
	CHECK_INT_EQ(map_index_new(m, &idx, err, sizeof(err)), V2X_EINVAL);
	printf("one point: %s\n", err);
	CHECK(idx == NULL);
	l->n_points = np;
	m->connections[0].to_lane = 77777;
	CHECK_INT_EQ(map_index_new(m, &idx, err, sizeof(err)), V2X_EINVAL);
	printf("unknown lane: %s\n", err);
	m->connections[0].to_lane = to;
	m->lanes[1].id = m->lanes[0].id;
	CHECK_INT_EQ(map_index_new(m, &idx, err, sizeof(err)), V2X_EINVAL);
	printf("duplicate: %s\n", err);
	m->lanes[1].id = id1;
	m->curves[0].s0 = NAN;
	CHECK_INT_EQ(map_index_new(m, &idx, err, sizeof(err)), V2X_EINVAL);
	printf("bad curve: %s\n", err);
}

/* An empty map builds and matches nothing. */
static void check_empty(void)
{
	struct map_model m = { 0 };
	struct map_index *idx = NULL;
	struct map_index_query q = { 0, 0, NAN, NAN };
	struct map_index_match x;
	char err[100];

	CHECK_INT_EQ(map_index_new(&m, &idx, err, sizeof(err)), 0);
	CHECK_INT_EQ(map_index_match(idx, &q, NULL, &x), V2X_ENOTFOUND);
	map_index_free(idx);
	map_index_free(NULL);
}

int main(void)
{
	struct synth_map sm;
	struct map_index *idx = NULL;
	char err[200] = "";

	if (!CHECK(synth_build(&sm, 1) == 0))
		return check_exit();
	/* The synthetic map is a map every consumer accepts. */
	if (!CHECK(map_model_validate(&sm.model, err, sizeof(err)) == 0))
		fprintf(stderr, "synthetic map: %s\n", err);
	check_synth(&sm.model);
	if (!CHECK(map_index_new(&sm.model, &idx, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_exit();
	}
	check_refusals(&sm.model);
	/* The index owns its copy: the model goes first. */
	check_profile(&sm.model, idx);
	check_stats(&sm.model, idx);
	synth_fini(&sm);
	check_lanes(idx);
	map_index_free(idx);
	check_empty();
	return check_exit();
}
