/*
 * mapgen: the lanes make one network.  Connections join a lane's end to
 * the next one's start (within 0.5 m, heading on); every lane can be
 * reached from a lane where traffic enters the map and leads to one where
 * it leaves; lanes without predecessor or successor are at the map's
 * edge; ids are unique and follow the documented numbering.
 */
#include <stdlib.h>

#include "maps/gen/tests/gentest.h"
#include "tests/check.h"

static const struct map_xyz *first(const struct map_lane *l)
{
	return &l->points[0];
}

static const struct map_xyz *last(const struct map_lane *l)
{
	return &l->points[l->n_points - 1];
}

static size_t lane_index(const struct map_model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n_lanes; i++)
		if (m->lanes[i].id == id)
			return i;
	return m->n_lanes;
}

static void check_connections(const struct map_model *m)
{
	for (size_t i = 0; i < m->n_connections; i++) {
		const struct map_connection *c = &m->connections[i];
		const struct map_lane *from = map_model_lane(m, c->from_lane);
		const struct map_lane *to = map_model_lane(m, c->to_lane);
		if (!CHECK(from != NULL && to != NULL))
			continue;
		if (!CHECK(gentest_dist3(last(from), first(to)->x, first(to)->y, first(to)->z) <=
		           0.5))
			fprintf(stderr, "  %u -> %u\n", c->from_lane, c->to_lane);
		CHECK(fabs(remainder(from->samples[from->n_samples - 1].heading_deg -
		                             to->samples[0].heading_deg,
		                     360)) < 1.0);
	}
}

/* Marks every lane reachable from start following connections forwards
 * (forward) or backwards. */
static void reach(const struct map_model *m, size_t start, bool forward, bool *seen)
{
	size_t *stack = malloc(m->n_lanes * sizeof(*stack)), n = 0;

	if (!stack)
		return;
	seen[start] = true;
	stack[n++] = start;
	while (n) {
		uint32_t id = m->lanes[stack[--n]].id;
		for (size_t i = 0; i < m->n_connections; i++) {
			const struct map_connection *c = &m->connections[i];
			size_t next = lane_index(m, forward ? c->to_lane : c->from_lane);
			if ((forward ? c->from_lane : c->to_lane) != id || next == m->n_lanes ||
			    seen[next])
				continue;
			seen[next] = true;
			stack[n++] = next;
		}
	}
	free(stack);
}

static bool has(const struct map_model *m, uint32_t lane, bool as_from)
{
	for (size_t i = 0; i < m->n_connections; i++)
		if ((as_from ? m->connections[i].from_lane : m->connections[i].to_lane) == lane)
			return true;
	return false;
}

/* A lane without predecessor starts where no lane ends (the map's edge),
 * and the other way round. */
static void check_edges(const struct map_model *m)
{
	for (size_t i = 0; i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		for (size_t k = 0; k < m->n_lanes; k++) {
			const struct map_lane *o = &m->lanes[k];
			if (!has(m, l->id, false))
				CHECK(gentest_dist3(last(o), first(l)->x, first(l)->y,
				                    first(l)->z) > 0.5);
			if (!has(m, l->id, true))
				CHECK(gentest_dist3(first(o), last(l)->x, last(l)->y, last(l)->z) >
				      0.5);
		}
	}
}

/* Forwards from the entries and backwards from the exits, every lane. */
static void check_reach(const struct map_model *m)
{
	bool *from_entry = calloc(m->n_lanes, 1), *to_exit = calloc(m->n_lanes, 1);
	size_t entries = 0, exits = 0;

	if (!from_entry || !to_exit)
		goto out;
	for (size_t i = 0; i < m->n_lanes; i++) {
		if (!has(m, m->lanes[i].id, false) && ++entries)
			reach(m, i, true, from_entry);
		if (!has(m, m->lanes[i].id, true) && ++exits)
			reach(m, i, false, to_exit);
	}
	CHECK(entries >= 4 && exits >= 4);
	for (size_t i = 0; i < m->n_lanes; i++)
		if (!CHECK(from_entry[i] && to_exit[i]))
			fprintf(stderr, "  lane %u cut off\n", m->lanes[i].id);
out:
	free(from_entry);
	free(to_exit);
}

/* Two-way roads have a lane each way side by side; connectors one lane. */
static void check_numbering(const struct map_model *m)
{
	for (size_t i = 0; i < m->n_lanes; i++) {
		const struct map_lane *l = &m->lanes[i];
		CHECK_UINT_EQ(l->id / 10, l->road_id);
		CHECK_INT_EQ(l->id % 10 == 1 ? 1 : -1, l->direction);
		for (size_t k = 0; k < i; k++)
			CHECK(m->lanes[k].id != l->id);
		if (l->direction < 0) {
			const struct map_lane *fwd = map_model_lane(m, l->road_id * 10 + 1);
			if (CHECK(fwd != NULL))
				CHECK(gentest_dist3(first(fwd), last(l)->x, last(l)->y,
				                    last(l)->z) < 6);
		}
	}
	for (size_t i = 0; i < m->n_curves; i++) {
		CHECK_UINT_EQ(m->curves[i].id / 100, m->curves[i].lane_id);
		for (size_t k = 0; k < i; k++)
			CHECK(m->curves[k].id != m->curves[i].id);
	}
}

int main(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena a;
	struct map_model m;

	v2x_arena_init(&a, 1 << 20, 0);
	if (CHECK(gentest_build(&p, &a, &m) == 0)) {
		check_connections(&m);
		check_edges(&m);
		check_reach(&m);
		check_numbering(&m);
	}
	v2x_arena_fini(&a);
	return check_exit();
}
