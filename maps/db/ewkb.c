#include "maps/db/ewkb.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "runtime/err.h"

#define WKB_POINT      1u
#define WKB_LINESTRING 2u
#define WKB_POLYGON    3u
#define EWKB_Z         0x80000000u
#define EWKB_SRID      0x20000000u

/* The sizes of the parts, for the field's length. */
#define HEAD_SIZE  ((size_t)5) /* byte order, type */
#define COUNT_SIZE ((size_t)4)
#define XY_SIZE    ((size_t)16)
#define XYZ_SIZE   ((size_t)24)

/*
 * WKB may be in either byte order, said by its first byte (1: little
 * endian), so it is written in the host's.
 */
static unsigned char host_order(void)
{
	const uint16_t probe = 1;
	unsigned char first;

	memcpy(&first, &probe, 1);
	return first;
}

static void put_u32(struct map_db__copy *c, uint32_t v)
{
	map_db__copy_bytes(c, &v, sizeof(v));
}

static size_t srid_size(const struct map_frame *frame)
{
	return frame ? 4 : 0;
}

/* Byte order, type with its flags, and the SRID in WGS 84 (none, 0, locally). */
static void put_head(struct map_db__copy *c, const struct map_frame *frame, uint32_t type,
                     uint32_t srid)
{
	unsigned char order = host_order();

	map_db__copy_bytes(c, &order, 1);
	put_u32(c, type | (frame ? EWKB_SRID : 0));
	if (frame)
		put_u32(c, srid);
}

/* x y [z] of one point, as lon lat [z] in WGS 84. */
static void put_point(struct map_db__copy *c, struct map_frame *frame, double x, double y,
                      const double *z)
{
	double lat, lon;

	if (frame && map_frame_to_wgs84(frame, x, y, &lat, &lon) != 0) {
		if (!c->rc)
			c->rc = map_db__failf(
			        c->ctx, V2X_ERANGE,
			        "%s: PROJ cannot convert local (%.3f, %.3f) to WGS 84", c->what, x,
			        y);
		return;
	}
	if (frame) {
		x = lon;
		y = lat;
	}
	map_db__copy_bytes(c, &x, sizeof(x));
	map_db__copy_bytes(c, &y, sizeof(y));
	if (z)
		map_db__copy_bytes(c, z, sizeof(*z));
}

void map_db__ewkb_line(struct map_db__copy *c, struct map_frame *frame, const struct map_xyz *p,
                       size_t n)
{
	map_db__copy_field(c, HEAD_SIZE + srid_size(frame) + COUNT_SIZE + n * XYZ_SIZE);
	put_head(c, frame, WKB_LINESTRING | EWKB_Z, 4979);
	put_u32(c, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		put_point(c, frame, p[i].x, p[i].y, &p[i].z);
}

void map_db__ewkb_point(struct map_db__copy *c, struct map_frame *frame, const struct map_xyz *p)
{
	map_db__copy_field(c, HEAD_SIZE + srid_size(frame) + XYZ_SIZE);
	put_head(c, frame, WKB_POINT | EWKB_Z, 4979);
	put_point(c, frame, p->x, p->y, &p->z);
}

void map_db__ewkb_polygon(struct map_db__copy *c, struct map_frame *frame,
                          const struct map_polygon *poly)
{
	size_t n = poly->n ? poly->n + 1 : 0;

	map_db__copy_field(c, HEAD_SIZE + srid_size(frame) + 2 * COUNT_SIZE + n * XY_SIZE);
	put_head(c, frame, WKB_POLYGON, 4326);
	put_u32(c, 1);
	put_u32(c, (uint32_t)n);
	for (size_t i = 0; i < poly->n; i++)
		put_point(c, frame, poly->v[i].x, poly->v[i].y, NULL);
	if (poly->n > 0)
		put_point(c, frame, poly->v[0].x, poly->v[0].y, NULL);
}
