/*
 * field: the generated test field for the tests of broker/apps.
 */
#include "broker/apps/tests/field.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "maps/gen/truth.h"

int field_open(struct field *f)
{
	struct mapgen_params p = mapgen_params_default();
	char err[512];

	*f = (struct field){ 0 };
	v2x_arena_init(&f->arena, 1 << 20, 0);
	if (mapgen_build(&p, &f->arena, &f->m, err, sizeof(err)) < 0 ||
	    map_index_new(&f->m, &f->idx, err, sizeof(err)) < 0 ||
	    map_frame_new(f->m.meta.proj, &f->frame, err, sizeof(err)) < 0) {
		fprintf(stderr, "test field: %s\n", err);
		return -1;
	}
	f->truth = mapgen_truth_json(&f->m, NULL, err, sizeof(err));
	if (!f->truth) {
		fprintf(stderr, "test field truth: %s\n", err);
		return -1;
	}
	return 0;
}

void field_close(struct field *f)
{
	json_decref(f->truth);
	map_frame_free(f->frame);
	map_index_free(f->idx);
	v2x_arena_fini(&f->arena);
}

int field_at(struct field *f, uint32_t lane, double s, struct field_point *p)
{
	struct map_sample smp;

	if (map_index_profile_at(f->idx, lane, s, &smp) < 0)
		return -1;
	p->x = smp.x;
	p->y = smp.y;
	p->z = smp.z;
	p->heading_deg = smp.heading_deg;
	return map_frame_to_wgs84(f->frame, smp.x, smp.y, &p->lat_deg, &p->lon_deg) < 0 ? -1 : 0;
}

double field_gap(struct field *f, uint32_t lane_a, double s_a, uint32_t lane_b, double s_b)
{
	struct field_point a, b;

	if (field_at(f, lane_a, s_a, &a) < 0 || field_at(f, lane_b, s_b, &b) < 0)
		return NAN;
	return hypot(a.x - b.x, a.y - b.y);
}

double field_moy_s(int64_t t_us)
{
	time_t t = (time_t)(t_us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	tm = (struct tm){ .tm_year = tm.tm_year, .tm_mday = 1 };
	int64_t secs = (int64_t)(t - timegm(&tm));

	return (double)(secs - secs % 60);
}

struct v2x_llv field_llv(const struct field_point *p)
{
	return (struct v2x_llv){ .ll_enc = V2X_LL_LATLON,
		                 .dlat_deg = p->lat_deg,
		                 .dlon_deg = p->lon_deg,
		                 .lat_deg = p->lat_deg,
		                 .lon_deg = p->lon_deg,
		                 .v_enc = V2X_V_ELEV,
		                 .v_m = p->z };
}
