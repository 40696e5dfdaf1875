/*
 * map: the immutable, reference-counted map a reader holds: a version's
 * lane index, local frame, metadata, RSU sites and intersections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mapsrc/mapsrc_int.h"
#include "maps/db/load.h"

/* A map version is a few MB; chunks of 1 MB keep the arena's waste small. */
#define LOAD_ARENA_CHUNK (1u << 20)

static void map_free(struct brk_map *map)
{
	map_index_free(map->idx);
	map_frame_free(map->frame);
	free(map->rsus);
	free(map->intersections);
	free(map);
}

void brk_map_release(struct brk_map *map)
{
	/* The release pairs with the acquire of the thread that frees: every
	 * use of the map by other holders happens before the free. */
	if (map && atomic_fetch_sub_explicit(&map->refs, 1, memory_order_acq_rel) == 1)
		map_free(map);
}

int64_t brk_map_version(const struct brk_map *map)
{
	return map->version;
}

const struct map_index *brk_map_index(const struct brk_map *map)
{
	return map->idx;
}

struct map_frame *brk_map_frame(const struct brk_map *map)
{
	return map->frame;
}

const struct map_meta *brk_map_meta(const struct brk_map *map)
{
	return &map->meta;
}

const struct map_rsu *brk_map_rsus(const struct brk_map *map, size_t *n)
{
	*n = map->n_rsus;
	return map->rsus;
}

const struct map_intersection *brk_map_intersections(const struct brk_map *map, size_t *n)
{
	*n = map->n_intersections;
	return map->intersections;
}

/* Copies n records of size bytes into *dst (NULL when n is 0).  0 or V2X_ENOMEM. */
static int copy_list(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = calloc(n, size);
	if (!*dst)
		return V2X_ENOMEM;
	memcpy(*dst, src, n * size);
	return 0;
}

static int copy_lists(struct brk_map *map, const struct map_model *model)
{
	void *rsus, *xs;
	int rc = copy_list(&rsus, model->rsus, model->n_rsus, sizeof(*model->rsus));

	map->rsus = rsus;
	map->n_rsus = model->n_rsus;
	if (rc == 0)
		rc = copy_list(&xs, model->intersections, model->n_intersections,
		               sizeof(*model->intersections));
	if (rc == 0) {
		map->intersections = xs;
		map->n_intersections = model->n_intersections;
	}
	return rc;
}

int brk_mapsrc__map_new(const struct map_model *model, int64_t version, struct brk_map **out,
                        char *err, size_t errlen)
{
	struct brk_map *map = calloc(1, sizeof(*map));
	char why[512] = "";
	int rc;

	*out = NULL;
	if (!map)
		return V2X_ENOMEM;
	atomic_init(&map->refs, 1);
	map->version = version;
	map->meta = model->meta;
	rc = map_index_new(model, &map->idx, why, sizeof(why));
	if (rc == 0)
		rc = map_frame_new(model->meta.proj, &map->frame, why, sizeof(why));
	if (rc == 0)
		rc = copy_lists(map, model);
	if (rc) {
		snprintf(err, errlen, "map version %lld cannot be used: %s", (long long)version,
		         why[0] ? why : v2x_strerror(rc));
		map_free(map);
		return rc;
	}
	*out = map;
	return 0;
}

int brk_mapsrc__map_load(PGconn *pg, int64_t version, struct brk_map **out, char *err,
                         size_t errlen)
{
	struct v2x_arena arena;
	struct map_model model = { 0 };
	char why[1024];
	int rc;

	*out = NULL;
	v2x_arena_init(&arena, LOAD_ARENA_CHUNK, 0);
	rc = map_db_load(pg, version, &arena, &model, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "loading map version %lld: %s", (long long)version, why);
	else
		rc = brk_mapsrc__map_new(&model, version, out, err, errlen);
	v2x_arena_fini(&arena);
	return rc;
}
