/*
 * radio: the run's datagrams, planned before it starts.  See radio.h.
 *
 * This file chooses the RSUs, runs the streams (bsm.c, rsu_msgs.c) through
 * the faults (faults.c), sorts what they planned and writes it out; it
 * also holds the helpers the streams share (time, generators, geometry).
 */
#include "sim/radio/radio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maps/gen/mapgen.h"
#include "runtime/err.h"
#include "sim/radio/radio_int.h"

/* ---- time --------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t sim_radio__wall_ms(const struct sim_radio__ctx *c, int64_t t_us, int64_t skew_us)
{
	return floor_div(c->epoch_us + t_us + skew_us, 1000);
}

double sim_radio__dsecond(int64_t wall_ms)
{
	return (double)(wall_ms - floor_div(wall_ms, 60000) * 60000) / 1000.0;
}

double sim_radio__moy(int64_t wall_ms)
{
	time_t s = (time_t)floor_div(wall_ms, 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	return 60.0 * (double)((tm.tm_yday * 24 + tm.tm_hour) * 60 + tm.tm_min);
}

/* ---- generators --------------------------------------------------------- */

/* splitmix64's finaliser: mixes one word into a well spread one. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sim_radio__rng(const struct sim_radio__ctx *c, struct mapgen_rng *r, unsigned purpose,
                    uint64_t a, uint64_t b)
{
	uint64_t h = mix64(c->sc->seed);

	h = mix64(h ^ purpose);
	h = mix64(h ^ a);
	h = mix64(h ^ b);
	mapgen_rng_init(r, h);
}

double sim_radio__unit(struct mapgen_rng *r)
{
	return (double)(mapgen_rng_next(r) >> 11) / 9007199254740992.0;
}

double sim_radio__normal(struct mapgen_rng *r)
{
	double u, q;

	do {
		double v;

		u = 2.0 * sim_radio__unit(r) - 1.0;
		v = 2.0 * sim_radio__unit(r) - 1.0;
		q = u * u + v * v;
	} while (q >= 1.0 || q == 0.0);
	/* The second normal of the pair is dropped: one draw, one value,
	 * whatever the caller does with it. */
	return u * sqrt(-2.0 * log(q) / q);
}

/* ---- geometry ----------------------------------------------------------- */

void sim_radio__lane_at(const struct map_lane *lane, double s, struct map_xyz *p,
                        double *heading_deg)
{
	size_t lo = 0, hi = lane->n_samples - 1;
	const struct map_sample *a, *b;
	double f, dh;

	s = fmin(fmax(s, 0.0), lane->length_m);
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		if (lane->samples[mid].s <= s)
			lo = mid;
		else
			hi = mid - 1;
	}
	a = &lane->samples[lo];
	b = lo + 1 < lane->n_samples ? a + 1 : a;
	f = b->s > a->s ? (s - a->s) / (b->s - a->s) : 0.0;
	*p = (struct map_xyz){ a->x + f * (b->x - a->x), a->y + f * (b->y - a->y),
		               a->z + f * (b->z - a->z) };
	dh = fmod(b->heading_deg - a->heading_deg + 540.0, 360.0) - 180.0;
	*heading_deg = fmod(a->heading_deg + f * dh + 360.0, 360.0);
}

int sim_radio__wgs84(struct sim_radio__ctx *c, double x, double y, double *lat, double *lon,
                     double *heading_deg)
{
	double lat_n, lon_n;

	if (map_frame_to_wgs84(c->frame, x, y, lat, lon) != 0 ||
	    (heading_deg && map_frame_to_wgs84(c->frame, x, y + 100.0, &lat_n, &lon_n) != 0)) {
		snprintf(c->err, c->errlen, "(%.1f, %.1f) of the map frame has no WGS84 position",
		         x, y);
		return V2X_EINVAL;
	}
	if (heading_deg) {
		/* Grid north, seen from true north: the bearing of the point
		 * 100 m up the grid (a flat-earth bearing is exact enough over
		 * 100 m). */
		double de = (lon_n - *lon) * cos(*lat * M_PI / 180.0);
		double beta = atan2(de, lat_n - *lat) * 180.0 / M_PI;

		*heading_deg = fmod(*heading_deg + beta + 720.0, 360.0);
	}
	return 0;
}

double sim_radio__heading(double h, double res_deg)
{
	double steps = round(360.0 / res_deg);
	double k = fmod(round(h / res_deg), steps);

	return (k < 0 ? k + steps : k) * res_deg;
}

double sim_radio__rsu_dist(const struct sim_radio__ctx *c, size_t i, const struct map_xyz *p)
{
	const struct map_xyz *a = &c->plan->rsus[i].rsu->pos;

	return sqrt((p->x - a->x) * (p->x - a->x) + (p->y - a->y) * (p->y - a->y) +
	            (p->z - a->z) * (p->z - a->z));
}

int sim_radio__encode(struct sim_radio__ctx *c, const struct v2x_msg *msg, size_t *len)
{
	int rc = v2x_codec_encode(c->codec, msg, c->buf, sizeof(c->buf), len);

	if (rc == V2X_ENOMEM)
		return rc;
	if (rc != 0) {
		snprintf(c->err, c->errlen, "the codec refuses a %s: %s",
		         v2x_msg_type_name(msg->type), v2x_codec_error(c->codec));
		return V2X_EINVAL;
	}
	return 0;
}

bool sim_radio__dark(const struct sim_radio__ctx *c, size_t i, int64_t t_us)
{
	double t = (double)t_us / 1e6;

	for (size_t k = 0; k < c->sc->n_dark; k++) {
		const struct sim_rsu_dark *d = &c->sc->dark[k];

		if (strcmp(d->rsu, c->plan->rsus[i].id) == 0 && t >= d->from_t_s && t < d->to_t_s)
			return true;
	}
	return false;
}

/* ---- the RSUs of the run ------------------------------------------------ */

static const struct map_rsu *map_rsu(const struct map_model *m, const char *id)
{
	for (size_t i = 0; i < m->n_rsus; i++)
		if (strcmp(m->rsus[i].rsu_id, id) == 0)
			return &m->rsus[i];
	return NULL;
}

static void set_rsu(struct sim_radio_rsu *r, const struct map_rsu *mr, double range_m)
{
	snprintf(r->id, sizeof(r->id), "%s", mr->rsu_id);
	r->rsu = mr;
	r->range_m = isnan(range_m) ? mr->range_m : range_m;
	r->junction = false;
}

/* The intersection the signal plan belongs to: the generator's, or the
 * map's first. */
static const struct map_intersection *junction(const struct map_model *m)
{
	for (size_t i = 0; i < m->n_intersections; i++)
		if (m->intersections[i].id == MAPGEN_INTERSECTION_ID)
			return &m->intersections[i];
	return m->n_intersections ? &m->intersections[0] : NULL;
}

/* Marks the run's RSU that stands nearest the junction (among all the
 * map's RSUs: the map puts one at its corner). */
static int mark_junction(struct sim_radio__ctx *c)
{
	const struct map_intersection *x = junction(c->m);
	const struct map_rsu *best = NULL;
	double best_d = INFINITY;

	c->junction = x;
	if (!x || c->m->n_rsus == 0)
		goto missing;
	for (size_t i = 0; i < c->m->n_rsus; i++) {
		const struct map_xyz *p = &c->m->rsus[i].pos;
		double d = hypot(p->x - x->ref.x, p->y - x->ref.y);

		if (d < best_d) {
			best_d = d;
			best = &c->m->rsus[i];
		}
	}
	for (size_t i = 0; i < c->plan->n_rsus; i++)
		if (c->plan->rsus[i].rsu == best)
			c->plan->rsus[i].junction = true;
	for (size_t i = 0; i < c->plan->n_rsus; i++)
		if (c->plan->rsus[i].junction)
			return 0;
missing:
	if (!c->sc->signals.present)
		return 0;
	if (!x || !best)
		snprintf(c->err, c->errlen,
		         "signals: the map has no %s to send the MAP and the SPAT from",
		         x ? "RSU" : "intersection");
	else
		snprintf(c->err, c->errlen,
		         "signals: the junction's RSU %s is not among the scenario's rsus (add it)",
		         best->rsu_id);
	return V2X_EINVAL;
}

static int pick_rsus(struct sim_radio__ctx *c)
{
	const struct sim_scenario *sc = c->sc;
	size_t n = sc->n_rsus ? sc->n_rsus : c->m->n_rsus;
	struct sim_plan *p = c->plan;

	if (n == 0 || n > UINT16_MAX) {
		snprintf(c->err, c->errlen, "the run has %zu RSUs (1..%u)", n, UINT16_MAX);
		return V2X_EINVAL;
	}
	p->rsus = v2x_arena_calloc(c->arena, n, sizeof(*p->rsus));
	c->rx = calloc(n, sizeof(*c->rx));
	if (!p->rsus || !c->rx)
		return V2X_ENOMEM;
	p->n_rsus = n;
	for (size_t i = 0; i < n; i++) {
		const struct map_rsu *mr =
		        sc->n_rsus ? map_rsu(c->m, sc->rsus[i].id) : &c->m->rsus[i];

		if (!mr) {
			snprintf(c->err, c->errlen, "rsus[%zu]: RSU %s is not in the map", i,
			         sc->rsus[i].id);
			return V2X_EINVAL;
		}
		set_rsu(&p->rsus[i], mr, sc->n_rsus ? sc->rsus[i].range_m : NAN);
	}
	return mark_junction(c);
}

/*
 * The RSU that broadcasts for a roadside event or sensor at (lane, s):
 * the one named (it must be in the run), else the nearest whose range
 * covers the point.  *out is its index; 0 or V2X_EINVAL (err says which).
 */
static int owner_rsu(struct sim_radio__ctx *c, const char *what, const char *name, uint32_t lane_id,
                     double s, size_t *out)
{
	const struct map_lane *lane = map_model_lane(c->m, lane_id);
	struct map_xyz p;
	double h, best = INFINITY;

	if (!lane) {
		snprintf(c->err, c->errlen, "%s: lane %u is not in the map", what,
		         (unsigned)lane_id);
		return V2X_EINVAL;
	}
	sim_radio__lane_at(lane, s, &p, &h);
	for (size_t i = 0; i < c->plan->n_rsus; i++) {
		double d = sim_radio__rsu_dist(c, i, &p);

		if (name[0] ? strcmp(name, c->plan->rsus[i].id) == 0
		            : d <= c->plan->rsus[i].range_m && d < best) {
			best = d;
			*out = i;
		}
	}
	if (isfinite(best))
		return 0;
	if (name[0])
		snprintf(c->err, c->errlen, "%s: RSU %s is not among the run's RSUs", what, name);
	else
		snprintf(c->err, c->errlen, "%s: no RSU of the run covers lane %u at s %.1f", what,
		         (unsigned)lane_id, s);
	return V2X_EINVAL;
}

/* ---- the streams -------------------------------------------------------- */

static int plan_rsi(struct sim_radio__ctx *c)
{
	for (size_t e = 0; e < c->sc->n_rsi; e++) {
		const struct sim_rsi_event *ev = &c->sc->rsi[e];
		char what[32];
		size_t i = 0;
		int rc;

		snprintf(what, sizeof(what), "rsi[%zu]", e);
		rc = owner_rsu(c, what, ev->rsu, ev->lane, ev->s, &i);
		if (rc == 0)
			rc = sim_radio__rsi(c, e, i);
		if (rc)
			return rc;
	}
	return 0;
}

static int plan_rsm(struct sim_radio__ctx *c)
{
	size_t n = c->sc->n_rsm;
	size_t *owner = calloc(n + 1, sizeof(*owner));
	int rc = owner ? 0 : V2X_ENOMEM;

	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct sim_rsm_participant *p = &c->sc->rsm[k];
		char what[32];

		snprintf(what, sizeof(what), "rsm[%zu]", k);
		rc = owner_rsu(c, what, p->rsu, p->lane, p->s, &owner[k]);
	}
	for (size_t i = 0; rc == 0 && n > 0 && i < c->plan->n_rsus; i++)
		rc = sim_radio__rsm(c, i, owner);
	free(owner);
	return rc;
}

static int plan_streams(struct sim_radio__ctx *c)
{
	int rc = 0;

	for (size_t a = 0; rc == 0 && a < c->w->n_actors; a++)
		rc = sim_radio__bsms(c, a);
	for (size_t i = 0; rc == 0 && c->sc->signals.present && i < c->plan->n_rsus; i++)
		if (c->plan->rsus[i].junction)
			rc = sim_radio__map_spat(c, i);
	if (rc == 0)
		rc = plan_rsi(c);
	if (rc == 0)
		rc = plan_rsm(c);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct sim_radio__entry *x = a, *y = b;

	if (x->d.due_us != y->d.due_us)
		return x->d.due_us < y->d.due_us ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int finish(struct sim_radio__ctx *c)
{
	struct sim_plan *p = c->plan;

	qsort(c->e, c->n, sizeof(*c->e), cmp_entry);
	p->d = v2x_arena_calloc(c->arena, c->n + 1, sizeof(*p->d));
	if (!p->d)
		return V2X_ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		p->d[i] = c->e[i].d;
	p->n = c->n;
	return 0;
}

static int ctx_open(struct sim_radio__ctx *c)
{
	int rc;

	v2x_arena_init(&c->scratch, 0, 0);
	c->codec = v2x_codec_new(NULL);
	if (!c->codec)
		return V2X_ENOMEM;
	rc = map_frame_new(c->m->meta.proj, &c->frame, c->err, c->errlen);
	return rc == V2X_ENOMEM ? rc : rc ? V2X_EINVAL : 0;
}

static void ctx_close(struct sim_radio__ctx *c)
{
	map_frame_free(c->frame);
	v2x_codec_free(c->codec);
	v2x_arena_fini(&c->scratch);
	free(c->rx);
	free(c->e);
}

int sim_plan_build(const struct sim_world *w, const struct map_model *m, int64_t epoch_us,
                   struct v2x_arena *arena, struct sim_plan *out, char *err, size_t errlen)
{
	struct sim_radio__ctx *c = calloc(1, sizeof(*c));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!c)
		return V2X_ENOMEM;
	*c = (struct sim_radio__ctx){ .w = w,
		                      .sc = w->sc,
		                      .m = m,
		                      .epoch_us = epoch_us,
		                      .arena = arena,
		                      .plan = out,
		                      .err = err,
		                      .errlen = errlen };
	c->end_us = (int64_t)llround((double)(w->n_steps ? w->n_steps - 1 : 0) * w->step_s * 1e6);
	out->sc = w->sc;
	if (w->n_actors > INT16_MAX) {
		snprintf(err, errlen, "%zu actors: a plan holds %d at most", w->n_actors,
		         INT16_MAX);
		free(c);
		return V2X_EINVAL;
	}
	rc = ctx_open(c);
	if (rc == 0)
		rc = pick_rsus(c);
	if (rc == 0)
		rc = plan_streams(c);
	if (rc == 0)
		rc = finish(c);
	if (rc == V2X_ENOMEM)
		snprintf(err, errlen, "out of memory planning %zu datagrams", c->n);
	ctx_close(c);
	free(c);
	return rc;
}

/* ---- output ------------------------------------------------------------- */

void sim_plan_write(const struct sim_plan *p, FILE *f)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct sim_datagram *d = &p->d[i];
		const char *actor = d->actor >= 0 && p->sc && (size_t)d->actor < p->sc->n_actors
		                            ? p->sc->actors[d->actor].name
		                            : "-";
		char flags[3] = "-";

		if (d->corrupted || d->duplicate)
			snprintf(flags, sizeof(flags), "%s%s", d->corrupted ? "c" : "",
			         d->duplicate ? "d" : "");
		fprintf(f, "%lld %s %s %s %s ", (long long)d->due_us, p->rsus[d->rsu].id,
		        v2x_msg_type_name((enum v2x_msg_type)d->type), actor, flags);
		for (uint32_t k = 0; k < d->len; k++)
			fprintf(f, "%02x", d->bytes[k]);
		fputc('\n', f);
	}
}
