/*
 * index_impl: the layout of struct map_index, shared by the files of
 * maps/index and by nothing else.
 *
 * Everything an index holds sits in arrays in one arena, lanes referring
 * to their slices of the other arrays by offset and count.  What the match
 * reads for every segment (8 bytes a point) is kept apart from what it
 * reads only for each lane's closest point, so that a scan touches as few
 * cache lines as it can: a match is bound by memory more than by
 * arithmetic.
 */
#ifndef V2X_MAPS_INDEX_IMPL_H
#define V2X_MAPS_INDEX_IMPL_H

#include <stdatomic.h>

#include "maps/index/index.h"
#include "runtime/arena.h"

/* A slice of one of the index's arrays. */
struct map_index__span {
	uint32_t first, n;
};

struct map_index__lane {
	uint32_t id;
	uint32_t road_id;
	int8_t direction;
	double width_m;
	double speed_limit_mps;
	double length_m;
	double ox, oy; /* the origin of its points: its first point */
	struct map_index__span pts;
	struct map_index__span samples;
	struct map_index__span succ; /* into links */
	struct map_index__span pred; /* into links */
	struct map_index__span events;
	double max_span_m; /* the longest interval an event of it starts */
};

/*
 * A centre line point, as float offsets from the lane's first point: 8
 * bytes a point is what the match scans (segment k runs from point k to
 * point k + 1 of the same lane), and a float resolves a quarter of a
 * millimetre at 2 km from the origin.
 */
struct map_index__pt {
	float x, y;
};

/* The rest of a point, read for each lane's closest segment only: its s,
 * and the lane's last sample at or before it, from which the profile is
 * found in a step or two (a binary search over the samples would cost a
 * cache miss a step). */
struct map_index__ptx {
	double s;
	uint32_t sample; /* index within the lane's samples */
};

/* The part of a profile sample the match reads, 32 bytes instead of the
 * sample's 96, parallel to the samples. */
struct map_index__msample {
	double s, z, heading_deg, width_m;
};

/* A lane's profile at some s, as the match reads it. */
struct map_index__prof {
	double z;
	double heading_deg; /* 0..360 */
	double width_m;
};

/* Segments of lane starting at points first .. first + n - 1, all near
 * one grid cell. */
struct map_index__run {
	uint32_t lane;
	uint32_t first, n;
};

/*
 * The grid: cell (i, j) covers x0 + i * cell .. x0 + (i + 1) * cell and the
 * same in y; its runs are runs[start[j * nx + i] .. start[j * nx + i + 1]).
 * A segment is listed in every cell its bounding box, grown by the gate,
 * overlaps, so a match reads the one cell its point lies in.
 */
struct map_index__grid {
	double x0, y0;
	double cell, inv_cell;
	uint32_t nx, ny;
	uint32_t *start;
	struct map_index__run *runs;
	size_t n_runs;
};

/* A feature on a lane, at s; rec indexes the array its kind names. */
struct map_index__event {
	double s;
	double s_other;
	uint32_t rec;
	uint8_t kind; /* enum map_index_feature_kind */
};

/* A sight obstruction: its outline (points owned by the index) and the
 * outline's bounding box, tested first. */
struct map_index__obstruction {
	uint32_t id;
	double z_bottom, z_top;
	double x0, y0, x1, y1;
	size_t n;
	struct map_xy *v;
};

struct map_index__idmap {
	uint32_t id;
	uint32_t lane;
};

struct map_index {
	atomic_uint refs;
	struct v2x_arena arena;
	size_t n_lanes;
	struct map_index__lane *lanes;
	struct map_index__idmap *by_id; /* sorted by id */
	size_t n_pts;
	struct map_index__pt *pts;
	struct map_index__ptx *ptx;
	size_t n_segs; /* n_pts less one a lane */
	size_t n_samples;
	struct map_sample *samples;
	struct map_index__msample *msamples;
	size_t n_links;
	struct map_index_link *links;
	uint32_t *link_lane; /* links[i].lane_id's index in lanes */
	size_t n_events;
	struct map_index__event *events;
	struct map_curve *curves;
	struct map_grade_section *grades;
	struct map_stop_line *stops;
	struct map_index_area *areas;
	size_t n_obstructions;
	struct map_index__obstruction *obstructions;
	size_t n_intersections;
	struct map_intersection *intersections;
	struct map_index__grid grid;
	double lane_length_m;
};

/* Returns the index of the lane with id in idx->lanes, or -1. */
long map_index__find(const struct map_index *idx, uint32_t id);

/* Index of the last of n samples with s <= at (0 when at lies before
 * the first). */
size_t map_index__sample_before(const struct map_sample *smp, size_t n, double at);

/* Points l keeps: the first, then each that differs from the one kept
 * before it once rounded to float offsets.  Zero-length segments go. */
size_t map_index__line_count(const struct map_lane *l);

/* Copies l's kept points, with their s and sample, from idx->pts[first]
 * and sets d->ox, d->oy and d->pts. */
void map_index__line_copy(struct map_index *idx, const struct map_lane *l,
                          struct map_index__lane *d, uint32_t first);

/* Segment k (a point index) of lane l in the map's frame. */
void map_index__seg_abs(const struct map_index__lane *l, const struct map_index__pt *pts,
                        uint32_t k, double xy[4]);

/* Returns a - b wrapped to -180..180 degrees. */
double map_index__angle_diff(double a_deg, double b_deg);

/*
 * The profile of n samples (s ascending) at s, the way maps/db's match
 * query reads it: between the last sample with s_a <= s and the next one
 * (the last alone when there is none after it), linearly, the heading
 * along the shorter arc.  The search starts at sample from, which must
 * have s_from <= s (or be 0).
 */
void map_index__profile(const struct map_index__msample *smp, size_t n, size_t from, double s,
                        struct map_index__prof *out);

/*
 * Copies m's curves, grade sections, structures, stop lines and hazard
 * zones into idx and lists them on their lanes (idx->lanes and by_id
 * filled).  0, V2X_EINVAL with the feature at fault in err, V2X_ENOMEM.
 */
int map_index__features(struct map_index *idx, const struct map_model *m, char *err, size_t errlen);

/* Copies m's obstructions and intersections into idx.  0 or V2X_ENOMEM. */
int map_index__sight_copy(struct map_index *idx, const struct map_model *m);

/* Builds idx->grid over the lanes' segments.  0 or V2X_ENOMEM. */
int map_index__grid_build(struct map_index *idx);

/* Drops one reference; frees idx when it was the last. */
void map_index__unref(struct map_index *idx);

#endif
