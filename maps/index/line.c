/*
 * line: a lane's centre line as the index keeps it, float offsets from
 * its first point with each point's s along the lane.
 */
#include "maps/index/index_impl.h"

#include <math.h>

static struct map_index__pt offset(const struct map_lane *l, size_t i)
{
	return (struct map_index__pt){ (float)(l->points[i].x - l->points[0].x),
		                       (float)(l->points[i].y - l->points[0].y) };
}

/* The next point after i that l keeps (one that differs from point i once
 * rounded), or n_points. */
static size_t next_kept(const struct map_lane *l, size_t i)
{
	struct map_index__pt a = offset(l, i);
	size_t j = i + 1;

	while (j < l->n_points && offset(l, j).x == a.x && offset(l, j).y == a.y)
		j++;
	return j;
}

static double horizontal(const struct map_xyz *a, const struct map_xyz *b)
{
	double dx = b->x - a->x, dy = b->y - a->y;

	return sqrt(dx * dx + dy * dy);
}

size_t map_index__line_count(const struct map_lane *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n_points; i = next_kept(l, i))
		n++;
	return n;
}

/*
 * s is the horizontal distance along the kept points (in the map's own
 * double coordinates) scaled so that the last point lands on length_m,
 * which is what PostGIS's ST_LineLocatePoint times the length gives.
 */
void map_index__line_copy(struct map_index *idx, const struct map_lane *l,
                          struct map_index__lane *d, uint32_t first)
{
	double total = 0, along = 0, scale;
	uint32_t k = first;

	for (size_t i = 0, prev = 0; i < l->n_points; prev = i, i = next_kept(l, i))
		total += horizontal(&l->points[prev], &l->points[i]);
	scale = total > 0 ? l->length_m / total : 0;
	for (size_t i = 0, prev = 0; i < l->n_points; prev = i, i = next_kept(l, i), k++) {
		along += horizontal(&l->points[prev], &l->points[i]);
		idx->pts[k] = offset(l, i);
		idx->ptx[k].s = along * scale;
	}
	/* The scaled sum may miss length_m by a rounding error. */
	idx->ptx[k - 1].s = l->length_m;
	for (uint32_t j = first; j < k; j++)
		idx->ptx[j].sample =
		        (uint32_t)map_index__sample_before(l->samples, l->n_samples, idx->ptx[j].s);
	d->ox = l->points[0].x;
	d->oy = l->points[0].y;
	d->pts = (struct map_index__span){ first, k - first };
}

void map_index__seg_abs(const struct map_index__lane *l, const struct map_index__pt *pts,
                        uint32_t k, double xy[4])
{
	xy[0] = l->ox + pts[k].x;
	xy[1] = l->oy + pts[k].y;
	xy[2] = l->ox + pts[k + 1].x;
	xy[3] = l->oy + pts[k + 1].y;
}
