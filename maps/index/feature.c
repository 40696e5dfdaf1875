/*
 * feature: the features of a map as events on its lanes, sorted by s, so
 * that a walk reads a lane's features in the order it meets them.
 */
#include "maps/index/index_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

/* An event before it is sorted into its lane's slice. */
struct pending {
	uint32_t lane;
	struct map_index__event ev;
};

struct fbuild {
	struct map_index *idx;
	const struct map_model *m;
	struct pending *p;
	size_t n;
	char *err;
	size_t errlen;
};

/* How far a feature may lie outside its lane (rounding in whatever made
 * the map) before it is refused rather than moved onto the lane. */
#define S_SLACK_M 0.5

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Lists a feature at s on lane_id; rec is its record in its kind's array. */
static int add(struct fbuild *f, uint32_t lane_id, uint8_t kind, double s, double s_other,
               size_t rec, const char *what)
{
	long lane = map_index__find(f->idx, lane_id);
	double len = lane < 0 ? 0 : f->idx->lanes[lane].length_m;
	const char *why = NULL;

	if (lane < 0)
		why = "unknown lane";
	else if (!isfinite(s) || !isfinite(s_other))
		why = "s is not finite";
	else if (s < -S_SLACK_M || s > len + S_SLACK_M)
		why = "s outside the lane";
	if (why) {
		if (f->err && f->errlen)
			snprintf(f->err, f->errlen, "%s %zu on lane %u: %s", what, rec, lane_id,
			         why);
		return V2X_EINVAL;
	}
	f->p[f->n++] = (struct pending){
		(uint32_t)lane, { clamp(s, 0, len), clamp(s_other, 0, len), (uint32_t)rec, kind }
	};
	return 0;
}

static int add_curves(struct fbuild *f)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < f->m->n_curves; i++) {
		const struct map_curve *c = &f->m->curves[i];
		f->idx->curves[i] = *c;
		rc = add(f, c->lane_id, MAP_INDEX_CURVE_START, c->s0, c->s1, i, "curve");
		if (rc == 0)
			rc = add(f, c->lane_id, MAP_INDEX_CURVE_ARC_START, c->arc_s0, c->arc_s1, i,
			         "curve");
		if (rc == 0)
			rc = add(f, c->lane_id, MAP_INDEX_CURVE_ARC_END, c->arc_s1, c->arc_s0, i,
			         "curve");
		if (rc == 0)
			rc = add(f, c->lane_id, MAP_INDEX_CURVE_END, c->s1, c->s0, i, "curve");
	}
	return rc;
}

static int add_grades(struct fbuild *f)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < f->m->n_grade_sections; i++) {
		const struct map_grade_section *g = &f->m->grade_sections[i];
		f->idx->grades[i] = *g;
		rc = add(f, g->lane_id, MAP_INDEX_GRADE_START, g->s0, g->s1, i, "grade section");
		if (rc == 0)
			rc = add(f, g->lane_id, MAP_INDEX_GRADE_END, g->s1, g->s0, i,
			         "grade section");
	}
	return rc;
}

static int add_stops(struct fbuild *f)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < f->m->n_stop_lines; i++) {
		const struct map_stop_line *sl = &f->m->stop_lines[i];
		f->idx->stops[i] = *sl;
		rc = add(f, sl->lane_id, MAP_INDEX_STOP_LINE, sl->s, sl->s, i, "stop line");
	}
	return rc;
}

static int add_intervals(struct fbuild *f, const struct map_interval *iv, size_t n, size_t rec,
                         uint8_t start_kind, const char *what)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = add(f, iv[i].lane_id, start_kind, iv[i].s0, iv[i].s1, rec, what);
		if (rc == 0)
			rc = add(f, iv[i].lane_id, (uint8_t)(start_kind + 1), iv[i].s1, iv[i].s0,
			         rec, what);
	}
	return rc;
}

static void area_name(struct map_index_area *a, const char *name)
{
	snprintf(a->name, sizeof(a->name), "%s", name);
}

/* Structures first, then hazard zones, in one array of areas. */
static int add_areas(struct fbuild *f)
{
	const struct map_model *m = f->m;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < m->n_structures; i++) {
		const struct map_structure *st = &m->structures[i];
		struct map_index_area *a = &f->idx->areas[i];
		*a = (struct map_index_area){ .id = st->id, .kind = st->kind };
		area_name(a, st->name);
		rc = add_intervals(f, st->intervals, st->n_intervals, i,
		                   st->kind == MAP_TUNNEL ? MAP_INDEX_TUNNEL_START
		                                          : MAP_INDEX_BRIDGE_START,
		                   "structure");
	}
	for (size_t i = 0; rc == 0 && i < m->n_hazard_zones; i++) {
		const struct map_hazard_zone *hz = &m->hazard_zones[i];
		struct map_index_area *a = &f->idx->areas[m->n_structures + i];
		*a = (struct map_index_area){
			.id = hz->id, .kind = hz->kind, .hazard = true, .event_type = hz->event_type
		};
		area_name(a, hz->name);
		rc = add_intervals(f, hz->intervals, hz->n_intervals, m->n_structures + i,
		                   MAP_INDEX_HAZARD_START, "hazard zone");
	}
	return rc;
}

/*
 * Order of events at one s: what ends before what is at a point before
 * what starts, so that back-to-back intervals read END then START, and a
 * curve's arc nests inside the curve.
 */
static int rank(uint8_t kind)
{
	switch (kind) {
	case MAP_INDEX_CURVE_ARC_END:
		return 0;
	case MAP_INDEX_CURVE_END:
	case MAP_INDEX_GRADE_END:
	case MAP_INDEX_TUNNEL_END:
	case MAP_INDEX_BRIDGE_END:
	case MAP_INDEX_HAZARD_END:
		return 1;
	case MAP_INDEX_STOP_LINE:
		return 2;
	case MAP_INDEX_CURVE_ARC_START:
		return 4;
	default:
		return 3;
	}
}

static int cmp_pending(const void *pa, const void *pb)
{
	const struct pending *a = pa, *b = pb;

	if (a->lane != b->lane)
		return a->lane < b->lane ? -1 : 1;
	if (a->ev.s != b->ev.s)
		return a->ev.s < b->ev.s ? -1 : 1;
	if (rank(a->ev.kind) != rank(b->ev.kind))
		return rank(a->ev.kind) - rank(b->ev.kind);
	return a->ev.rec < b->ev.rec ? -1 : a->ev.rec > b->ev.rec;
}

/* Sorts the events into idx->events, each lane's a slice ordered by s. */
static void place(struct fbuild *f)
{
	struct map_index *idx = f->idx;

	qsort(f->p, f->n, sizeof(*f->p), cmp_pending);
	for (size_t i = 0; i < f->n; i++) {
		struct map_index__lane *l = &idx->lanes[f->p[i].lane];
		if (l->events.n == 0)
			l->events.first = (uint32_t)i;
		l->events.n++;
		idx->events[i] = f->p[i].ev;
		/* Ends come with s_other before s: only a start spans ahead. */
		if (f->p[i].ev.s_other > f->p[i].ev.s)
			l->max_span_m = fmax(l->max_span_m, f->p[i].ev.s_other - f->p[i].ev.s);
	}
}

static int alloc_records(struct map_index *idx, const struct map_model *m)
{
	struct v2x_arena *a = &idx->arena;

	idx->curves = v2x_arena_calloc(a, m->n_curves + 1, sizeof(*idx->curves));
	idx->grades = v2x_arena_calloc(a, m->n_grade_sections + 1, sizeof(*idx->grades));
	idx->stops = v2x_arena_calloc(a, m->n_stop_lines + 1, sizeof(*idx->stops));
	idx->areas =
	        v2x_arena_calloc(a, m->n_structures + m->n_hazard_zones + 1, sizeof(*idx->areas));
	if (!idx->curves || !idx->grades || !idx->stops || !idx->areas)
		return V2X_ENOMEM;
	return 0;
}

int map_index__features(struct map_index *idx, const struct map_model *m, char *err, size_t errlen)
{
	struct fbuild f = { idx, m, NULL, 0, err, errlen };
	int rc = alloc_records(idx, m);

	if (rc < 0)
		return rc;
	f.p = malloc((idx->n_events + 1) * sizeof(*f.p));
	if (!f.p)
		return V2X_ENOMEM;
	rc = add_curves(&f);
	if (rc == 0)
		rc = add_grades(&f);
	if (rc == 0)
		rc = add_stops(&f);
	if (rc == 0)
		rc = add_areas(&f);
	if (rc == 0)
		place(&f);
	free(f.p);
	return rc;
}
