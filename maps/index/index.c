/*
 * index: building a lane index from a map model, and the lookups that do
 * not match or walk.
 */
#include "maps/index/index_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/compiler.h"
#include "runtime/err.h"

/* Arrays larger than this get a chunk of their own size, so what the
 * arena holds beyond what the index uses stays a few of these. */
#define INDEX_CHUNK 4096

struct build {
	const struct map_model *m;
	struct map_index *idx;
	char *err;
	size_t errlen;
};

static int fail(struct build *b, const char *fmt, ...) V2X_PRINTF(2, 3);

/* Writes the reason into the caller's buffer; returns V2X_EINVAL. */
static int fail(struct build *b, const char *fmt, ...)
{
	if (b->err && b->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->err, b->errlen, fmt, ap);
		va_end(ap);
	}
	return V2X_EINVAL;
}

long map_index__find(const struct map_index *idx, uint32_t id)
{
	size_t lo = 0, hi = idx->n_lanes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (idx->by_id[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < idx->n_lanes && idx->by_id[lo].id == id)
		return (long)idx->by_id[lo].lane;
	return -1;
}

double map_index__angle_diff(double a_deg, double b_deg)
{
	double d = a_deg - b_deg;

	/* Headings in 0..360 give a difference in -360..360: the common case
	 * costs two compares, any other value a floor. */
	if (d > 180.0)
		d -= 360.0;
	else if (d < -180.0)
		d += 360.0;
	if (d > 180.0 || d < -180.0)
		d -= 360.0 * floor((d + 180.0) / 360.0);
	return d;
}

size_t map_index__sample_before(const struct map_sample *smp, size_t n, double at)
{
	size_t lo = 0, hi = n;
	double span;

	/* Samples lie about a metre apart: the proportional guess is right or
	 * a step off, where a bisection would touch a cache line per step. */
	if (n >= 2 && at >= smp[0].s && (span = smp[n - 1].s - smp[0].s) > 0) {
		double f = (at - smp[0].s) / span * (double)(n - 1);
		size_t i = f >= (double)(n - 1) ? n - 1 : (size_t)f;
		for (int k = 0; k < 4; k++) {
			if (smp[i].s > at)
				i--; /* i > 0: smp[0].s <= at */
			else if (i + 1 < n && smp[i + 1].s <= at)
				i++;
			else
				return i;
		}
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (smp[mid].s <= at)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static double lerp(double a, double b, double f)
{
	return a + f * (b - a);
}

/* a + f (b - a) for headings: the difference taken along the shorter arc,
 * the result in 0..360 (the same arithmetic as maps/sql/0003_match.sql). */
static double heading_lerp(double a, double b, double f)
{
	double dh = (b - a) - 360.0 * floor((b - a + 180.0) / 360.0);
	double h = a + f * dh;

	return h - 360.0 * floor(h / 360.0);
}

void map_index__profile(const struct map_index__msample *smp, size_t n, size_t from, double s,
                        struct map_index__prof *out)
{
	size_t i = from;
	double f = 0;

	while (i + 1 < n && smp[i + 1].s <= s)
		i++;
	if (i + 1 < n && smp[i + 1].s > smp[i].s)
		f = (s - smp[i].s) / (smp[i + 1].s - smp[i].s);
	if (i + 1 >= n) {
		*out = (struct map_index__prof){ smp[i].z, smp[i].heading_deg, smp[i].width_m };
		return;
	}
	out->z = lerp(smp[i].z, smp[i + 1].z, f);
	out->heading_deg = heading_lerp(smp[i].heading_deg, smp[i + 1].heading_deg, f);
	out->width_m = lerp(smp[i].width_m, smp[i + 1].width_m, f);
}

static bool xyz_finite(const struct map_xyz *p)
{
	return isfinite(p->x) && isfinite(p->y) && isfinite(p->z);
}

/* What the index relies on in one lane. */
static int check_lane(struct build *b, const struct map_lane *l)
{
	if (l->n_points < 2)
		return fail(b, "lane %u: %zu points, at least 2 needed", l->id, l->n_points);
	if (l->n_samples < 1)
		return fail(b, "lane %u: no profile samples", l->id);
	if (!(l->length_m > 0) || !isfinite(l->length_m))
		return fail(b, "lane %u: length %g m", l->id, l->length_m);
	for (size_t i = 0; i < l->n_points; i++)
		if (!xyz_finite(&l->points[i]))
			return fail(b, "lane %u: point %zu is not finite", l->id, i);
	for (size_t i = 1; i < l->n_samples; i++)
		if (!(l->samples[i].s >= l->samples[i - 1].s))
			return fail(b, "lane %u: sample %zu at s %g after s %g", l->id, i,
			            l->samples[i].s, l->samples[i - 1].s);
	return 0;
}

static int copy_lane(struct build *b, size_t i, uint32_t *pt_next, uint32_t *smp_next)
{
	const struct map_lane *l = &b->m->lanes[i];
	struct map_index__lane *d = &b->idx->lanes[i];
	int rc = check_lane(b, l);

	if (rc < 0)
		return rc;
	d->id = l->id;
	d->road_id = l->road_id;
	d->direction = l->direction;
	d->width_m = l->width_m;
	d->speed_limit_mps = l->speed_limit_mps;
	d->length_m = l->length_m;
	if (map_index__line_count(l) < 2)
		return fail(b, "lane %u: all points at one place", l->id);
	map_index__line_copy(b->idx, l, d, *pt_next);
	*pt_next += d->pts.n;
	d->samples = (struct map_index__span){ *smp_next, (uint32_t)l->n_samples };
	memcpy(&b->idx->samples[*smp_next], l->samples, l->n_samples * sizeof(*l->samples));
	for (size_t k = 0; k < l->n_samples; k++) {
		const struct map_sample *p = &l->samples[k];
		b->idx->msamples[*smp_next + k] =
		        (struct map_index__msample){ p->s, p->z, p->heading_deg, p->width_m };
	}
	*smp_next += (uint32_t)l->n_samples;
	b->idx->lane_length_m += l->length_m;
	return 0;
}

static int cmp_idmap(const void *pa, const void *pb)
{
	const struct map_index__idmap *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int map_ids(struct build *b)
{
	struct map_index *idx = b->idx;

	for (size_t i = 0; i < idx->n_lanes; i++)
		idx->by_id[i] = (struct map_index__idmap){ idx->lanes[i].id, (uint32_t)i };
	qsort(idx->by_id, idx->n_lanes, sizeof(*idx->by_id), cmp_idmap);
	for (size_t i = 1; i < idx->n_lanes; i++)
		if (idx->by_id[i].id == idx->by_id[i - 1].id)
			return fail(b, "lane id %u used twice", idx->by_id[i].id);
	return 0;
}

static struct map_index_link link_of(const struct map_connection *c, uint32_t other)
{
	return (struct map_index_link){ other, c->maneuver, c->signal_group, c->intersection_id };
}

/* Successors and predecessors, each lane's in the order of connections. */
static int copy_links(struct build *b)
{
	struct map_index *idx = b->idx;
	const struct map_model *m = b->m;
	uint32_t next = 0;

	for (size_t i = 0; i < m->n_connections; i++) {
		long f = map_index__find(idx, m->connections[i].from_lane);
		long t = map_index__find(idx, m->connections[i].to_lane);
		if (f < 0 || t < 0)
			return fail(b, "connection %zu: lane %u -> %u, unknown lane", i,
			            m->connections[i].from_lane, m->connections[i].to_lane);
		idx->lanes[f].succ.n++;
		idx->lanes[t].pred.n++;
	}
	for (size_t i = 0; i < idx->n_lanes; i++) {
		idx->lanes[i].succ.first = next;
		next += idx->lanes[i].succ.n;
		idx->lanes[i].pred.first = next;
		next += idx->lanes[i].pred.n;
		idx->lanes[i].succ.n = idx->lanes[i].pred.n = 0;
	}
	for (size_t i = 0; i < m->n_connections; i++) {
		const struct map_connection *c = &m->connections[i];
		struct map_index__lane *f = &idx->lanes[map_index__find(idx, c->from_lane)];
		struct map_index__lane *t = &idx->lanes[map_index__find(idx, c->to_lane)];
		idx->link_lane[f->succ.first + f->succ.n] = (uint32_t)(t - idx->lanes);
		idx->links[f->succ.first + f->succ.n++] = link_of(c, c->to_lane);
		idx->link_lane[t->pred.first + t->pred.n] = (uint32_t)(f - idx->lanes);
		idx->links[t->pred.first + t->pred.n++] = link_of(c, c->from_lane);
	}
	return 0;
}

static size_t count_events(const struct map_model *m)
{
	size_t n = 4 * m->n_curves + 2 * m->n_grade_sections + m->n_stop_lines;

	for (size_t i = 0; i < m->n_structures; i++)
		n += 2 * m->structures[i].n_intervals;
	for (size_t i = 0; i < m->n_hazard_zones; i++)
		n += 2 * m->hazard_zones[i].n_intervals;
	return n;
}

static void *alloc_array(struct map_index *idx, size_t n, size_t size)
{
	/* A zero-length array still gets a valid pointer. */
	return v2x_arena_calloc(&idx->arena, n ? n : 1, size);
}

static int alloc_arrays(struct build *b)
{
	const struct map_model *m = b->m;
	struct map_index *idx = b->idx;
	size_t n_pts = 0, n_samples = 0;

	for (size_t i = 0; i < m->n_lanes; i++) {
		n_pts += m->lanes[i].n_points;
		n_samples += m->lanes[i].n_samples;
	}
	if (n_pts >= UINT32_MAX || n_samples >= UINT32_MAX || m->n_lanes >= UINT32_MAX)
		return fail(b, "map too large: %zu points, %zu samples", n_pts, n_samples);
	idx->n_lanes = m->n_lanes;
	idx->n_samples = n_samples;
	idx->n_links = 2 * m->n_connections;
	idx->n_events = count_events(m);
	idx->lanes = alloc_array(idx, m->n_lanes, sizeof(*idx->lanes));
	idx->by_id = alloc_array(idx, m->n_lanes, sizeof(*idx->by_id));
	/* Room for every point; the ones dropped leave the end unused. */
	idx->pts = alloc_array(idx, n_pts, sizeof(*idx->pts));
	idx->ptx = alloc_array(idx, n_pts, sizeof(*idx->ptx));
	idx->samples = alloc_array(idx, n_samples, sizeof(*idx->samples));
	idx->msamples = alloc_array(idx, n_samples, sizeof(*idx->msamples));
	idx->links = alloc_array(idx, idx->n_links, sizeof(*idx->links));
	idx->link_lane = alloc_array(idx, idx->n_links, sizeof(*idx->link_lane));
	idx->events = alloc_array(idx, idx->n_events, sizeof(*idx->events));
	if (!idx->lanes || !idx->by_id || !idx->pts || !idx->ptx || !idx->samples ||
	    !idx->msamples || !idx->links || !idx->link_lane || !idx->events)
		return V2X_ENOMEM;
	return 0;
}

static int build(struct build *b)
{
	uint32_t pt_next = 0, smp_next = 0;
	int rc = alloc_arrays(b);

	for (size_t i = 0; rc == 0 && i < b->m->n_lanes; i++)
		rc = copy_lane(b, i, &pt_next, &smp_next);
	b->idx->n_pts = pt_next;
	b->idx->n_segs = pt_next - b->idx->n_lanes;
	if (rc == 0)
		rc = map_ids(b);
	if (rc == 0)
		rc = copy_links(b);
	if (rc == 0)
		rc = map_index__features(b->idx, b->m, b->err, b->errlen);
	if (rc == 0)
		rc = map_index__sight_copy(b->idx, b->m);
	if (rc == 0)
		rc = map_index__grid_build(b->idx);
	return rc;
}

int map_index_new(const struct map_model *m, struct map_index **out, char *err, size_t errlen)
{
	struct build b = { m, NULL, err, errlen };
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	b.idx = calloc(1, sizeof(*b.idx));
	if (!b.idx)
		return V2X_ENOMEM;
	atomic_init(&b.idx->refs, 1);
	v2x_arena_init(&b.idx->arena, INDEX_CHUNK, 0);
	rc = build(&b);
	if (rc < 0) {
		if (rc == V2X_ENOMEM)
			fail(&b, "out of memory building the lane index");
		map_index__unref(b.idx);
		return rc;
	}
	*out = b.idx;
	return 0;
}

void map_index__unref(struct map_index *idx)
{
	/* acq_rel: whoever frees must see every other holder's reads done. */
	if (atomic_fetch_sub_explicit(&idx->refs, 1, memory_order_acq_rel) != 1)
		return;
	v2x_arena_fini(&idx->arena);
	free(idx);
}

void map_index_free(struct map_index *idx)
{
	if (idx)
		map_index__unref(idx);
}

void map_index_stats(const struct map_index *idx, struct map_index_stats *st)
{
	const struct map_index__grid *g = &idx->grid;
	size_t cells = (size_t)g->nx * g->ny;

	memset(st, 0, sizeof(*st));
	st->n_lanes = idx->n_lanes;
	st->n_segments = idx->n_segs;
	st->n_samples = idx->n_samples;
	st->n_features = idx->n_events;
	st->lane_length_m = idx->lane_length_m;
	st->bytes = sizeof(*idx) + idx->arena.held;
	st->cell_m = g->cell;
	st->n_cells = cells;
	st->n_runs = g->n_runs;
	for (size_t c = 0; c < cells; c++) {
		size_t segs = 0, runs = g->start[c + 1] - g->start[c];
		for (uint32_t r = g->start[c]; r < g->start[c + 1]; r++)
			segs += g->runs[r].n;
		if (runs > st->max_runs_in_cell)
			st->max_runs_in_cell = runs;
		if (segs > st->max_segs_in_cell)
			st->max_segs_in_cell = segs;
	}
}

int map_index_lane(const struct map_index *idx, uint32_t lane_id, struct map_index_lane *out)
{
	long i = map_index__find(idx, lane_id);
	const struct map_index__lane *l;

	if (i < 0)
		return V2X_ENOTFOUND;
	l = &idx->lanes[i];
	*out = (struct map_index_lane){ l->id,      l->road_id,         l->direction,
		                        l->width_m, l->speed_limit_mps, l->length_m,
		                        l->succ.n,  l->pred.n };
	return 0;
}

int map_index_links(const struct map_index *idx, uint32_t lane_id, bool successors,
                    const struct map_index_link **links, size_t *n)
{
	long i = map_index__find(idx, lane_id);
	struct map_index__span sp;

	if (i < 0)
		return V2X_ENOTFOUND;
	sp = successors ? idx->lanes[i].succ : idx->lanes[i].pred;
	*links = &idx->links[sp.first];
	*n = sp.n;
	return 0;
}

/* a and b interpolated, each field by f; headings the shorter way round. */
static void sample_lerp(const struct map_sample *a, const struct map_sample *b, double f,
                        struct map_sample *out)
{
	out->x = lerp(a->x, b->x, f);
	out->y = lerp(a->y, b->y, f);
	out->z = lerp(a->z, b->z, f);
	out->heading_deg = heading_lerp(a->heading_deg, b->heading_deg, f);
	out->curvature = lerp(a->curvature, b->curvature, f);
	out->grade = lerp(a->grade, b->grade, f);
	out->superelevation = lerp(a->superelevation, b->superelevation, f);
	out->width_m = lerp(a->width_m, b->width_m, f);
	out->speed_limit_mps = lerp(a->speed_limit_mps, b->speed_limit_mps, f);
	out->advisory_mps = lerp(a->advisory_mps, b->advisory_mps, f);
}

int map_index_profile_at(const struct map_index *idx, uint32_t lane_id, double s,
                         struct map_sample *out)
{
	long li = map_index__find(idx, lane_id);
	const struct map_index__lane *l;
	const struct map_sample *smp;
	size_t i;

	if (li < 0)
		return V2X_ENOTFOUND;
	l = &idx->lanes[li];
	smp = &idx->samples[l->samples.first];
	s = s < 0 ? 0 : s > l->length_m ? l->length_m : s;
	i = map_index__sample_before(smp, l->samples.n, s);
	if (i + 1 >= l->samples.n || smp[i + 1].s <= smp[i].s || s <= smp[i].s) {
		*out = smp[i];
	} else {
		sample_lerp(&smp[i], &smp[i + 1], (s - smp[i].s) / (smp[i + 1].s - smp[i].s), out);
	}
	out->s = s;
	return 0;
}
