#include "maps/model.h"

const struct map_lane *map_model_lane(const struct map_model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n_lanes; i++)
		if (m->lanes[i].id == id)
			return &m->lanes[i];
	return NULL;
}
