/*
 * grid: the uniform grid over lane segments that a match reads.
 *
 * Why a grid and not an R-tree: the match gate is a fixed 10 m, so each
 * segment can be listed ahead of time in every cell it could be matched
 * from, and a match becomes one array lookup and one contiguous scan, with
 * no tree descent and no duplicate removal.  The price is memory: a segment
 * appears in the (1 + 20 m / cell)^2 or so cells around it, kept down by
 * listing each lane's consecutive segments in a cell as one run.
 */
#include "maps/index/index_impl.h"

#include <math.h>
#include <stdlib.h>

#include "runtime/err.h"

/* Cell side.  Smaller cells shorten the scan only a little, since the
 * 10 m gate on each side dominates what a cell lists, and cost memory. */
#define GRID_CELL_M 8.0

/* Cells allowed per segment before the cell grows (sparse maps spread over
 * a large area), plus a floor so that small maps keep GRID_CELL_M. */
#define GRID_CELLS_PER_SEG 4
#define GRID_CELLS_MIN     (1u << 18)

/* Segments are listed a little beyond the gate so that a distance that
 * rounds to exactly the gate still finds its cell. */
#define GRID_REACH (MAP_MATCH_RADIUS_M + 1e-6)

struct box {
	double x0, y0, x1, y1;
};

/* The bounding box of segment k (a point index) of lane l. */
static struct box seg_box(const struct map_index *idx, uint32_t l, uint32_t k)
{
	double xy[4];

	map_index__seg_abs(&idx->lanes[l], idx->pts, k, xy);
	return (struct box){ fmin(xy[0], xy[2]), fmin(xy[1], xy[3]), fmax(xy[0], xy[2]),
		             fmax(xy[1], xy[3]) };
}

/* The segments of lane l start at points first(l) .. last(l) - 1. */
static uint32_t seg_first(const struct map_index *idx, uint32_t l)
{
	return idx->lanes[l].pts.first;
}

static uint32_t seg_end(const struct map_index *idx, uint32_t l)
{
	return idx->lanes[l].pts.first + idx->lanes[l].pts.n - 1;
}

static struct box segs_box(const struct map_index *idx)
{
	struct box b = { INFINITY, INFINITY, -INFINITY, -INFINITY };

	if (idx->n_segs == 0)
		return (struct box){ 0, 0, 0, 0 };
	for (uint32_t l = 0; l < idx->n_lanes; l++)
		for (uint32_t k = seg_first(idx, l); k < seg_end(idx, l); k++) {
			struct box s = seg_box(idx, l, k);
			b = (struct box){ fmin(b.x0, s.x0), fmin(b.y0, s.y0), fmax(b.x1, s.x1),
				          fmax(b.y1, s.y1) };
		}
	return b;
}

/* Chooses the origin, cell size and dimensions; 0 or V2X_ENOMEM when even
 * large cells would not fit in 32-bit offsets. */
static int grid_shape(struct map_index__grid *g, const struct map_index *idx)
{
	struct box b = segs_box(idx);
	double margin = GRID_REACH + 1.0;
	double w = b.x1 - b.x0 + 2 * margin, h = b.y1 - b.y0 + 2 * margin;
	double cap = fmax((double)GRID_CELLS_PER_SEG * (double)idx->n_segs, GRID_CELLS_MIN);

	g->x0 = b.x0 - margin;
	g->y0 = b.y0 - margin;
	g->cell = GRID_CELL_M;
	while (ceil(w / g->cell) * ceil(h / g->cell) > cap)
		g->cell *= 1.25;
	g->inv_cell = 1.0 / g->cell;
	g->nx = (uint32_t)ceil(w / g->cell);
	g->ny = (uint32_t)ceil(h / g->cell);
	return (double)g->nx * g->ny < (double)UINT32_MAX ? 0 : V2X_ENOMEM;
}

/* Cells [i0, i1] x [j0, j1] a segment is listed in. */
static void seg_cells(const struct map_index__grid *g, struct box s, uint32_t *i0, uint32_t *j0,
                      uint32_t *i1, uint32_t *j1)
{
	*i0 = (uint32_t)floor((s.x0 - GRID_REACH - g->x0) * g->inv_cell);
	*j0 = (uint32_t)floor((s.y0 - GRID_REACH - g->y0) * g->inv_cell);
	*i1 = (uint32_t)floor((s.x1 + GRID_REACH - g->x0) * g->inv_cell);
	*j1 = (uint32_t)floor((s.y1 + GRID_REACH - g->y0) * g->inv_cell);
}

/* Counts (cnt != NULL) or lists (at: next free place of each cell) the
 * segment k of lane l in every cell it belongs to; returns how many. */
static size_t spread_seg(const struct map_index *idx, uint32_t l, uint32_t k, uint32_t *cnt,
                         uint32_t *at, uint32_t *list)
{
	const struct map_index__grid *g = &idx->grid;
	uint32_t i0, j0, i1, j1;
	size_t n = 0;

	seg_cells(g, seg_box(idx, l, k), &i0, &j0, &i1, &j1);
	for (uint32_t j = j0; j <= j1; j++)
		for (uint32_t i = i0; i <= i1; i++, n++) {
			size_t c = (size_t)j * g->nx + i;
			if (cnt)
				cnt[c]++;
			else
				list[at[c]++] = k;
		}
	return n;
}

/* Every segment into its cells, in segment order. */
static size_t spread(const struct map_index *idx, uint32_t *cnt, uint32_t *at, uint32_t *list)
{
	size_t total = 0;

	for (uint32_t l = 0; l < idx->n_lanes; l++)
		for (uint32_t k = seg_first(idx, l); k < seg_end(idx, l); k++)
			total += spread_seg(idx, l, k, cnt, at, list);
	return total;
}

/* seg_lane[k]: the lane of the segment starting at point k. */
static void fill_seg_lane(const struct map_index *idx, uint32_t *seg_lane)
{
	for (uint32_t l = 0; l < idx->n_lanes; l++)
		for (uint32_t k = seg_first(idx, l); k < seg_end(idx, l); k++)
			seg_lane[k] = l;
}

/* Turns a cell's sorted segment list into runs; returns how many.  With
 * runs NULL, only counts. */
static size_t make_runs(const uint32_t *segs, size_t n, const uint32_t *seg_lane,
                        struct map_index__run *runs)
{
	size_t nr = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && segs[i] == segs[i - 1] + 1 &&
		    seg_lane[segs[i]] == seg_lane[segs[i - 1]]) {
			if (runs)
				runs[nr - 1].n++;
			continue;
		}
		if (runs)
			runs[nr] = (struct map_index__run){ seg_lane[segs[i]], segs[i], 1 };
		nr++;
	}
	return nr;
}

/* Builds start[] and runs[] from the per-cell lists (first[c] .. first[c + 1]). */
static int grid_runs(struct map_index *idx, const uint32_t *first, const uint32_t *list,
                     const uint32_t *seg_lane)
{
	struct map_index__grid *g = &idx->grid;
	size_t cells = (size_t)g->nx * g->ny, nr = 0;

	for (size_t c = 0; c < cells; c++)
		nr += make_runs(&list[first[c]], first[c + 1] - first[c], seg_lane, NULL);
	if (nr >= UINT32_MAX)
		return V2X_ENOMEM;
	g->start = v2x_arena_calloc(&idx->arena, cells + 1, sizeof(*g->start));
	g->runs = v2x_arena_calloc(&idx->arena, nr + 1, sizeof(*g->runs));
	if (!g->start || !g->runs)
		return V2X_ENOMEM;
	g->n_runs = nr;
	nr = 0;
	for (size_t c = 0; c < cells; c++) {
		g->start[c] = (uint32_t)nr;
		nr += make_runs(&list[first[c]], first[c + 1] - first[c], seg_lane, &g->runs[nr]);
	}
	g->start[cells] = (uint32_t)nr;
	return 0;
}

/* Lists every segment in its cells: counting sort by cell, then runs. */
static int grid_fill(struct map_index *idx, uint32_t *first, uint32_t *at, uint32_t *seg_lane)
{
	size_t cells = (size_t)idx->grid.nx * idx->grid.ny, total;
	uint32_t *list;
	int rc;

	total = spread(idx, at, NULL, NULL);
	if (total >= UINT32_MAX)
		return V2X_ENOMEM;
	first[0] = 0;
	for (size_t c = 0; c < cells; c++)
		first[c + 1] = first[c] + at[c];
	for (size_t c = 0; c < cells; c++)
		at[c] = first[c];
	list = malloc((total + 1) * sizeof(*list));
	if (!list)
		return V2X_ENOMEM;
	spread(idx, NULL, at, list);
	fill_seg_lane(idx, seg_lane);
	rc = grid_runs(idx, first, list, seg_lane);
	free(list);
	return rc;
}

int map_index__grid_build(struct map_index *idx)
{
	uint32_t *first = NULL, *at = NULL, *seg_lane = NULL;
	size_t cells;
	int rc = grid_shape(&idx->grid, idx);

	if (rc < 0)
		return rc;
	cells = (size_t)idx->grid.nx * idx->grid.ny;
	rc = V2X_ENOMEM;
	first = malloc((cells + 1) * sizeof(*first));
	if (!first)
		goto out;
	at = calloc(cells, sizeof(*at));
	if (!at)
		goto free_first;
	seg_lane = malloc((idx->n_pts + 1) * sizeof(*seg_lane));
	if (!seg_lane)
		goto free_at;
	rc = grid_fill(idx, first, at, seg_lane);
	free(seg_lane);
free_at:
	free(at);
free_first:
	free(first);
out:
	return rc;
}
