/*
 * field: vehicles driving the lanes of the generated test field, and
 * rockfall events placed on them.  The vehicles follow the lanes' centre
 * lines at a fixed fraction of the local limit (or of a curve's advisory
 * speed); they are load, not a traffic model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/bench/load/load.h"
#include "maps/gen/mapgen.h"
#include "runtime/err.h"

/* The rockfall event type of GB/T 29100 as the test field uses it. */
#define EVENT_ROCKFALL MAPGEN_EVENT_ROCKFALL
/* An event's reference path runs from this far before its point ... */
#define EVENT_PATH_BEFORE_M 30.0
/* ... to this far after it, a point every EVENT_PATH_STEP_M. */
#define EVENT_PATH_AFTER_M 10.0
#define EVENT_PATH_STEP_M  10.0
#define EVENT_RADIUS_M     10.0

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: cheap, and the same vehicles on every run. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/* Successor lists and entry lanes from the model's connections. */
static int link_lanes(struct ld_field *f)
{
	const struct map_model *m = &f->model;
	bool *entered = calloc(m->n_lanes, sizeof(*entered));
	size_t *fill;

	f->succ_off = calloc(m->n_lanes + 1, sizeof(*f->succ_off));
	f->succ = calloc(m->n_connections + 1, sizeof(*f->succ));
	f->entries = calloc(m->n_lanes, sizeof(*f->entries));
	fill = calloc(m->n_lanes + 1, sizeof(*fill));
	if (!entered || !f->succ_off || !f->succ || !f->entries || !fill) {
		free(entered);
		free(fill);
		return V2X_ENOMEM;
	}
	for (size_t c = 0; c < m->n_connections; c++)
		for (size_t i = 0; i < m->n_lanes; i++)
			if (m->lanes[i].id == m->connections[c].from_lane)
				f->succ_off[i + 1]++;
	for (size_t i = 0; i < m->n_lanes; i++)
		f->succ_off[i + 1] += f->succ_off[i];
	for (size_t c = 0; c < m->n_connections; c++) {
		size_t from = SIZE_MAX, to = SIZE_MAX;

		for (size_t i = 0; i < m->n_lanes; i++) {
			from = m->lanes[i].id == m->connections[c].from_lane ? i : from;
			to = m->lanes[i].id == m->connections[c].to_lane ? i : to;
		}
		if (from == SIZE_MAX || to == SIZE_MAX)
			continue;
		f->succ[f->succ_off[from] + fill[from]++] = to;
		entered[to] = true;
	}
	for (size_t i = 0; i < m->n_lanes; i++)
		if (!entered[i])
			f->entries[f->n_entries++] = i;
	free(entered);
	free(fill);
	return 0;
}

int ld_field_open(struct ld_field *f, char *err, size_t errlen)
{
	struct mapgen_params p = mapgen_params_default();
	int rc;

	memset(f, 0, sizeof(*f));
	v2x_arena_init(&f->arena, 0, 0);
	rc = mapgen_build(&p, &f->arena, &f->model, err, errlen);
	if (rc == 0)
		rc = map_frame_new(f->model.meta.proj, &f->frame, err, errlen);
	if (rc == 0 && (rc = link_lanes(f)) != 0)
		snprintf(err, errlen, "%s", v2x_strerror(rc));
	if (rc == 0 && f->n_entries == 0) {
		snprintf(err, errlen, "the test field has no entry lane");
		rc = V2X_EINVAL;
	}
	for (size_t i = 0; rc == 0 && i < f->model.n_lanes; i++)
		f->total_len_m += f->model.lanes[i].length_m;
	return rc;
}

void ld_field_close(struct ld_field *f)
{
	map_frame_free(f->frame);
	free(f->succ_off);
	free(f->succ);
	free(f->entries);
	v2x_arena_fini(&f->arena);
}

/* The sample of lane at or before s. */
static const struct map_sample *sample_at(const struct map_lane *l, double s)
{
	size_t lo = 0, hi = l->n_samples - 1;

	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		if (l->samples[mid].s <= s)
			lo = mid;
		else
			hi = mid - 1;
	}
	return &l->samples[lo];
}

/* The centre line point at s, between the samples around it. */
static struct map_xyz point_at(const struct map_lane *l, double s)
{
	const struct map_sample *a = sample_at(l, s);
	const struct map_sample *b = a + 1 < l->samples + l->n_samples ? a + 1 : a;
	double t = b->s > a->s ? (s - a->s) / (b->s - a->s) : 0.0;

	return (struct map_xyz){ a->x + t * (b->x - a->x), a->y + t * (b->y - a->y),
		                 a->z + t * (b->z - a->z) };
}

static void set_speed(struct ld_vehicle *v, const struct map_lane *l)
{
	const struct map_sample *a = sample_at(l, v->s);
	double limit = a->speed_limit_mps;

	if (isfinite(a->advisory_mps) && a->advisory_mps < limit)
		limit = a->advisory_mps;
	v->speed_mps = v->factor * limit;
}

void ld_vehicles_place(const struct ld_field *f, struct ld_vehicle *v, size_t n, uint8_t tag,
                       uint64_t seed)
{
	const struct map_model *m = &f->model;
	size_t lane = 0;
	double start = 0; /* distance of lane's start over all lanes */

	for (size_t i = 0; i < n; i++) {
		double at = ((double)i + 0.5) * f->total_len_m / (double)n;

		while (lane + 1 < m->n_lanes && at >= start + m->lanes[lane].length_m)
			start += m->lanes[lane++].length_m;
		memset(&v[i], 0, sizeof(v[i]));
		v[i].lane = lane;
		v[i].s = fmin(at - start, m->lanes[lane].length_m);
		v[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ull + i;
		v[i].factor = 0.7 + 0.25 * rng_unit(&v[i].rng);
		v[i].msg_cnt = (uint8_t)(rng_next(&v[i].rng) % 128);
		v[i].id[0] = tag;
		v[i].id[1] = (uint8_t)(seed >> 16);
		v[i].id[2] = (uint8_t)(seed >> 8);
		v[i].id[3] = (uint8_t)seed;
		for (int b = 0; b < 4; b++)
			v[i].id[4 + b] = (uint8_t)(i >> (24 - 8 * b));
		set_speed(&v[i], &m->lanes[lane]);
	}
}

void ld_vehicle_step(const struct ld_field *f, struct ld_vehicle *v, double dt)
{
	const struct map_model *m = &f->model;

	v->s += v->speed_mps * dt;
	while (v->s > m->lanes[v->lane].length_m) {
		size_t n = f->succ_off[v->lane + 1] - f->succ_off[v->lane];

		v->s -= m->lanes[v->lane].length_m;
		if (n > 0) {
			v->lane = f->succ[f->succ_off[v->lane] + rng_next(&v->rng) % n];
		} else {
			/* The map's edge: another vehicle enters somewhere. */
			v->lane = f->entries[rng_next(&v->rng) % f->n_entries];
			v->s = 0;
		}
	}
	set_speed(v, &m->lanes[v->lane]);
}

int ld_vehicle_bsm(const struct ld_field *f, struct ld_vehicle *v, double sec_mark_s,
                   struct v2x_bsm *b)
{
	const struct map_lane *l = &f->model.lanes[v->lane];
	struct map_xyz p = point_at(l, v->s);

	memset(b, 0, sizeof(*b));
	if (map_frame_to_wgs84(f->frame, p.x, p.y, &b->pos.lat_deg, &b->pos.lon_deg) != 0)
		return V2X_ERANGE;
	b->msg_cnt = v->msg_cnt;
	v->msg_cnt = (uint8_t)((v->msg_cnt + 1) % 128);
	memcpy(b->id, v->id, V2X_ID_LEN);
	b->sec_mark_s = sec_mark_s;
	b->pos.has_elev = true;
	b->pos.elev_m = p.z;
	b->transmission = V2X_TRANS_FORWARD;
	b->speed_mps = v->speed_mps;
	b->heading_deg = sample_at(l, v->s)->heading_deg;
	b->accel = (struct v2x_accel4){ 0, 0, NAN, 0 };
	b->size = (struct v2x_vsize){ 1.8, 4.6, false, NAN };
	b->vclass.classification = 10; /* passenger car */
	return 0;
}

/* Writes the spots of the main road's lanes into out (when not NULL), in
 * lane order.  Returns how many there are. */
static size_t main_road_spots(const struct map_model *m, double spacing_m,
                              struct ld_event_spot *out)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_lanes; i++) {
		if (m->lanes[i].road_id < 1 || m->lanes[i].road_id > 6)
			continue;
		for (size_t k = 0;; k++) {
			double s = EVENT_PATH_BEFORE_M + spacing_m * ((double)k + 0.5);

			if (s >= m->lanes[i].length_m - EVENT_PATH_BEFORE_M)
				break;
			if (out)
				out[n] = (struct ld_event_spot){ i, s };
			n++;
		}
	}
	return n;
}

static size_t gcd(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

size_t ld_event_spots(const struct ld_field *f, double spacing_m, struct ld_event_spot *out,
                      size_t max)
{
	size_t n = main_road_spots(&f->model, spacing_m, NULL), stride;
	struct ld_event_spot *all = calloc(n + 1, sizeof(*all));

	if (!all)
		return 0;
	main_road_spots(&f->model, spacing_m, all);
	/* A stride coprime with n visits every spot, far apart in turn. */
	stride = n / 3 + 1;
	while (n > 1 && gcd(stride, n) != 1)
		stride++;
	for (size_t k = 0; k < n && k < max; k++)
		out[k] = all[(k * stride) % n];
	free(all);
	return n < max ? n : max;
}

static int llv_at(const struct ld_field *f, const struct map_lane *l, double s, struct v2x_llv *out,
                  double *elev)
{
	struct map_xyz p = point_at(l, fmin(fmax(s, 0), l->length_m));

	memset(out, 0, sizeof(*out));
	out->ll_enc = V2X_LL_AUTO;
	out->v_enc = V2X_V_NONE;
	out->v_m = NAN;
	if (elev)
		*elev = p.z;
	return map_frame_to_wgs84(f->frame, p.x, p.y, &out->lat_deg, &out->lon_deg);
}

static int event_rte(const struct ld_field *f, const struct ld_event_spot *e, uint8_t id,
                     double moy_s, struct v2x_arena *arena, struct v2x_rte *rte)
{
	const struct map_lane *l = &f->model.lanes[e->lane];
	size_t np = (size_t)((EVENT_PATH_BEFORE_M + EVENT_PATH_AFTER_M) / EVENT_PATH_STEP_M) + 1;
	struct v2x_ref_path *path = v2x_arena_calloc(arena, 1, sizeof(*path));
	struct v2x_llv *pts = v2x_arena_calloc(arena, np, sizeof(*pts));
	int rc = 0;

	if (!path || !pts)
		return V2X_ENOMEM;
	memset(rte, 0, sizeof(*rte));
	rte->id = id;
	rte->event_type = EVENT_ROCKFALL;
	rte->source = V2X_EVSRC_DETECTION;
	rte->has_pos = true;
	rte->has_radius = true;
	rte->radius_m = EVENT_RADIUS_M;
	rte->has_time = true;
	/* No end time: the event lasts while its RSI is repeated (the
	 * broker's rsi-hold after the last one). */
	rte->time = (struct v2x_rsi_time){ true, moy_s, false, 0, false, 0 };
	rte->has_priority = true;
	rte->priority = 0xe0;
	for (size_t k = 0; rc == 0 && k < np; k++)
		rc = llv_at(f, l, e->s - EVENT_PATH_BEFORE_M + EVENT_PATH_STEP_M * (double)k,
		            &pts[k], NULL);
	*path = (struct v2x_ref_path){ { np, pts }, l->width_m / 2 };
	rte->paths = (struct v2x_ref_paths){ 1, path };
	return rc == 0 ? llv_at(f, l, e->s, &rte->pos, NULL) : rc;
}

int ld_event_rsi(const struct ld_field *f, const struct ld_event_spot *spots, const uint8_t *ids,
                 size_t n, int64_t wall_ms, uint8_t msg_cnt, struct v2x_arena *arena,
                 struct v2x_rsi *rsi)
{
	/* MinuteOfTheYear: the year's start is found from the wall clock. */
	time_t now = (time_t)(wall_ms / 1000);
	struct tm tm;
	double moy_s;
	struct v2x_llv ref;
	double elev;
	int rc;

	gmtime_r(&now, &tm);
	moy_s = 60.0 * (double)((tm.tm_yday * 24 + tm.tm_hour) * 60 + tm.tm_min);
	memset(rsi, 0, sizeof(*rsi));
	if (n == 0 || n > V2X_RTES_MAX)
		return V2X_EINVAL;
	rsi->rtes = v2x_arena_calloc(arena, n, sizeof(*rsi->rtes));
	if (!rsi->rtes)
		return V2X_ENOMEM;
	rsi->msg_cnt = msg_cnt;
	rsi->has_moy = true;
	rsi->moy_s = moy_s;
	memcpy(rsi->id, "LOADRSU1", V2X_ID_LEN);
	rc = llv_at(f, &f->model.lanes[spots[0].lane], spots[0].s, &ref, &elev);
	rsi->ref_pos = (struct v2x_pos3d){ ref.lat_deg, ref.lon_deg, true, elev };
	rsi->n_rtes = n;
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = event_rte(f, &spots[k], ids[k], moy_s, arena, &rsi->rtes[k]);
	return rc;
}
