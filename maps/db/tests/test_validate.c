/*
 * map_model_validate (maps/validate.c): the synthetic map passes, and each
 * class of fault is caught with a message naming the lane or feature.
 */
#include <math.h>

#include "maps/db/tests/synth.h"
#include "maps/model.h"
#include "runtime/err.h"
#include "tests/check.h"

/* A fault planted in a fresh copy of the synthetic map. */
struct fault {
	const char *name;
	void (*plant)(struct v2x_arena *a, struct map_model *m);
	const char *expect[3]; /* what the message must contain; NULL: valid */
};

static void no_fault(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	(void)m;
}

/* Lane 1 still ends at lane 3's start, but nothing joins them. */
static void disconnected(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->connections++;
	m->n_connections--;
}

/* Lane 5 (on its own) loops over itself at one height. */
static void self_crossing(struct v2x_arena *a, struct map_model *m)
{
	static const struct map_xyz loop[] = {
		{ 50, -50, 317 }, { 70, -50, 317 }, { 70, -30, 317 },
		{ 60, -30, 317 }, { 60, -60, 317 },
	};
	struct map_lane *l = &m->lanes[4];

	synth_lane(a, l, loop, 5, 0, NAN);
}

/* The same loop climbing, so that it passes over itself nearly 8 m up: a bridge. */
static void pass_over(struct v2x_arena *a, struct map_model *m)
{
	static const struct map_xyz loop[] = {
		{ 50, -50, 300 }, { 70, -50, 302 }, { 70, -30, 304 },
		{ 60, -30, 306 }, { 60, -60, 310 },
	};

	synth_lane(a, &m->lanes[4], loop, 5, 0, NAN);
}

static void no_profile(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->lanes[2].n_samples = 0;
	m->lanes[2].samples = NULL;
}

/* A connection to a lane that is not in the map. */
static void dangling_lane(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->connections[0].to_lane = 99;
}

static void dangling_road(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->lanes[1].road_id = 77;
}

static void dangling_intersection(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->stop_lines[0].intersection_id = 9;
}

static void dangling_interval(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->hazard_zones[0].intervals[1].lane_id = 42;
}

/* Two samples out of lane 2's profile leave a 3 m gap. */
static void profile_gap(struct v2x_arena *a, struct map_model *m)
{
	struct map_lane *l = &m->lanes[1];

	(void)a;
	for (size_t i = 50; i + 2 < l->n_samples; i++)
		l->samples[i] = l->samples[i + 2];
	l->n_samples -= 2;
}

static void profile_short(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->lanes[0].n_samples -= 1;
}

static void duplicate_id(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->roads[1].id = 1;
}

/* Lane 1 ends nowhere near lane 5's start. */
static void far_connection(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->connections[0].to_lane = 5;
}

static void one_point(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->lanes[4].n_points = 1;
}

static void curve_off_lane(struct v2x_arena *a, struct map_model *m)
{
	(void)a;
	m->curves[1].s1 += 5;
}

static void same_node(struct v2x_arena *a, struct map_model *m)
{
	struct map_intersection *x = v2x_arena_calloc(a, 2, sizeof(*x));

	x[0] = m->intersections[0];
	x[1] = x[0];
	x[1].id = 2;
	m->intersections = x;
	m->n_intersections = 2;
}

static const struct fault faults[] = {
	{ "valid", no_fault, { NULL } },
	{ "pass over itself", pass_over, { NULL } },
	{ "disconnected lane", disconnected, { "lane 1 is disconnected", "lane 3" } },
	{ "self-intersection", self_crossing, { "lane 5", "crosses itself", "(60.0, -50.0)" } },
	{ "lane without profile", no_profile, { "lane 3 has no profile" } },
	{ "dangling lane", dangling_lane, { "connection 1 -> 99", "lane 99 does not exist" } },
	{ "dangling road", dangling_road, { "lane 2", "road 77 does not exist" } },
	{ "dangling intersection",
	  dangling_intersection,
	  { "stop line 1", "intersection 9 does not exist" } },
	{ "dangling interval", dangling_interval, { "hazard zone 1", "lane 42 does not exist" } },
	{ "profile gap", profile_gap, { "lane 2", "3.000 m gap" } },
	{ "profile short", profile_short, { "lane 1", "profile ends" } },
	{ "duplicate id", duplicate_id, { "two roads have id 1" } },
	{ "far connection", far_connection, { "connection 1 -> 5", "from the start of lane 5" } },
	{ "one point", one_point, { "lane 5 has 1 centre line point" } },
	{ "curve off its lane", curve_off_lane, { "curve 2", "not within lane 4" } },
	{ "same MAP node", same_node, { "intersections 1 and 2", "same MAP node" } },
};

static void run(struct v2x_arena *a, const struct fault *f)
{
	struct map_model m;
	char err[512] = "";
	int rc;

	v2x_arena_reset(a);
	CHECK_INT_EQ(synth_small(a, &m), 0);
	f->plant(a, &m);
	rc = map_model_validate(&m, err, sizeof(err));
	printf("%-22s -> %s%s\n", f->name, rc ? "" : "valid", err);
	if (!f->expect[0]) {
		CHECK_INT_EQ(rc, 0);
		return;
	}
	CHECK_INT_EQ(rc, V2X_EINVAL);
	for (int i = 0; i < 3 && f->expect[i]; i++)
		if (!CHECK(strstr(err, f->expect[i]) != NULL))
			fprintf(stderr, "  %s: '%s' lacks '%s'\n", f->name, err, f->expect[i]);
}

int main(void)
{
	struct v2x_arena a;

	v2x_arena_init(&a, 1 << 16, 0);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		run(&a, &faults[i]);
	v2x_arena_fini(&a);
	return check_exit();
}
