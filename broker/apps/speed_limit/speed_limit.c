/*
 * speed_limit: the speed-limit warning (speed_limit.h).
 */
#include "broker/apps/speed_limit/speed_limit.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_SPEED_LIMIT

#define TTL_US        30000000LL /* see the header */
#define MIN_LIMIT_KMH 5
#define MAX_LIMIT_KMH 150
#define MOVED_M       1.0       /* a sign heard again this far away is placed again */
#define ROSE_MPS      0.1       /* a limit higher by this much has risen */
#define PEND_STALE_US 2000000LL /* a timer not touched this long is dropped */
#define M_PER_DEG     111194.9  /* metres per degree on a 6371 km sphere */
#define MAX_PENDING   (1 << 24)

/* A temporary limit from a speed-limit sign. */
struct sign {
	bool used;
	uint8_t rsi_id[V2X_ID_LEN];
	uint8_t rts_id;
	double limit_mps;
	double lat_deg, lon_deg, z; /* z NaN: unknown */
	int64_t start_us, end_us;   /* 0: none */
	int64_t heard_us;
	size_t n_spans;
	struct brk_lane_span spans[BRK_SPEED_LIMIT_SPANS_MAX];
	char rsu_id[BRK_WARN_RSU_ID_MAX + 1]; /* the copy last heard */
	uint64_t seq;
};

/* A vehicle's running timer. */
enum { PEND_NONE = 0, PEND_OVER = 1, PEND_UNDER = 2 };

struct pend {
	uint64_t key; /* the vehicle id's 8 octets */
	int64_t since_us, seen_us;
	uint8_t kind;
};

struct sl {
	struct brk_speed_limit_cfg cfg;
	struct brk_speed_limit_stats stats;
	int64_t over_us, under_us, hold_us;
	size_t n_signs;
	struct sign signs[BRK_SPEED_LIMIT_SIGNS_MAX];
	size_t pend_mask, n_pend, max_pend;
	struct pend *pend;
};

/* ---- configuration ----------------------------------------------------- */

#define P(field, unit_, def_, doc_)                                                    \
	{                                                                              \
		.name = #field, .offset = offsetof(struct brk_speed_limit_cfg, field), \
		.unit = (unit_), .def = (def_), .doc = (doc_)                          \
	}

static const struct brk_app_param params[] = {
	P(sign_type, "", BRK_SPEED_LIMIT_DEFAULT_SIGN_TYPE,
	  "RTS signType of a speed-limit sign (the deployment's sign code)"),
	P(sign_length_m, "m", BRK_SPEED_LIMIT_DEFAULT_SIGN_LENGTH_M,
	  "how far beyond a sign its limit applies"),
	P(sign_hold_s, "s", BRK_SPEED_LIMIT_DEFAULT_SIGN_HOLD_S,
	  "a sign without end time lasts this long after last heard"),
	P(over_abs_mps, "m/s", BRK_SPEED_LIMIT_DEFAULT_OVER_ABS_MPS,
	  "speed over the limit before a warning is issued"),
	P(over_s, "s", BRK_SPEED_LIMIT_DEFAULT_OVER_S, "time over that threshold before issuing"),
	P(under_s, "s", BRK_SPEED_LIMIT_DEFAULT_UNDER_S,
	  "time at or under the limit before cancelling"),
	P(advisory_rel, "", BRK_SPEED_LIMIT_DEFAULT_ADVISORY_REL,
	  "fraction over the limit from which the warning is an advisory, not info"),
	P(max_pending, "", BRK_SPEED_LIMIT_DEFAULT_MAX_PENDING,
	  "vehicles with a running over or under timer at once"),
};

#undef P

#define N_PARAMS (sizeof(params) / sizeof(params[0]))

static bool cfg_valid(const struct brk_speed_limit_cfg *c)
{
	if (brk_app_params_bad(params, N_PARAMS, c) < N_PARAMS)
		return false;
	return c->sign_type <= 65535 && c->sign_type == floor(c->sign_type) &&
	       c->max_pending <= MAX_PENDING;
}

static int sl_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct brk_speed_limit_cfg c = { 0 };
	struct sl *st;
	size_t cap = 16;

	if (cfg)
		c = *(const struct brk_speed_limit_cfg *)cfg;
	brk_app_params_default(params, N_PARAMS, &c);
	if (!cfg_valid(&c)) {
		snprintf(err, errlen,
		         "every setting must be positive and finite, sign_type a whole number "
		         "up to 65535 and max_pending at most %d",
		         MAX_PENDING);
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->max_pend = (size_t)c.max_pending;
	while (cap < 2 * st->max_pend)
		cap *= 2;
	st->pend = calloc(cap, sizeof(*st->pend));
	if (!st->pend) {
		free(st);
		return V2X_ENOMEM;
	}
	st->pend_mask = cap - 1;
	st->cfg = c;
	st->over_us = llround(c.over_s * 1e6);
	st->under_us = llround(c.under_s * 1e6);
	st->hold_us = llround(c.sign_hold_s * 1e6);
	*state = st;
	return 0;
}

static void sl_fini(void *state)
{
	struct sl *st = state;

	if (!st)
		return;
	free(st->pend);
	free(st);
}

const struct brk_speed_limit_stats *brk_speed_limit_stats(const void *state)
{
	return &((const struct sl *)state)->stats;
}

/* ---- the per-vehicle timers (linear probing, backward-shift delete) ---- */

static uint64_t mix64(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	return k ^ (k >> 31);
}

static uint64_t id_key(const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

/* The slot of key, or of the empty place where it would go. */
static size_t pend_slot(const struct sl *st, uint64_t key)
{
	size_t i = (size_t)mix64(key) & st->pend_mask;

	while (st->pend[i].kind != PEND_NONE && st->pend[i].key != key)
		i = (i + 1) & st->pend_mask;
	return i;
}

static void pend_remove_at(struct sl *st, size_t hole)
{
	size_t i = hole;

	st->pend[hole].kind = PEND_NONE;
	st->n_pend--;
	for (;;) {
		size_t home;
		i = (i + 1) & st->pend_mask;
		if (st->pend[i].kind == PEND_NONE)
			return;
		home = (size_t)mix64(st->pend[i].key) & st->pend_mask;
		/* Entry i may fill the hole unless its home lies cyclically in
		 * (hole, i]. */
		if (((i - home) & st->pend_mask) < ((i - hole) & st->pend_mask))
			continue;
		st->pend[hole] = st->pend[i];
		st->pend[i].kind = PEND_NONE;
		hole = i;
	}
}

static void pend_del(struct sl *st, uint64_t key)
{
	size_t i;

	if (st->n_pend == 0)
		return;
	i = pend_slot(st, key);
	if (st->pend[i].kind != PEND_NONE)
		pend_remove_at(st, i);
}

/* The timer of kind for key, started now when absent or of another kind;
 * NULL when the table is full. */
static struct pend *pend_get(struct sl *st, uint64_t key, uint8_t kind, int64_t now_us)
{
	size_t i = pend_slot(st, key);
	struct pend *p = &st->pend[i];

	if (p->kind == PEND_NONE) {
		if (st->n_pend == st->max_pend) {
			st->stats.pending_full++;
			return NULL;
		}
		st->n_pend++;
		p->key = key;
		p->kind = PEND_NONE;
	}
	if (p->kind != kind) {
		p->kind = kind;
		p->since_us = now_us;
	}
	p->seen_us = now_us;
	return p;
}

/* Drops the timers of vehicles not heard for PEND_STALE_US. */
static void pend_sweep(struct sl *st, int64_t now_us)
{
	size_t i = 0;

	if (st->n_pend == 0)
		return;
	while (i <= st->pend_mask) {
		if (st->pend[i].kind != PEND_NONE && now_us - st->pend[i].seen_us > PEND_STALE_US)
			pend_remove_at(st, i); /* what moved into i is looked at next */
		else
			i++;
	}
}

/* ---- signs ------------------------------------------------------------- */

/* The limit a sign's description gives, m/s; NaN when none. */
static double parse_limit(const struct v2x_text *t)
{
	double kmh = 0;
	size_t i = 0, n = 0;

	if (t->kind == V2X_TEXT_NONE || !t->data)
		return NAN;
	while (i < t->len && !(t->data[i] >= '0' && t->data[i] <= '9'))
		i++;
	for (; i < t->len && t->data[i] >= '0' && t->data[i] <= '9' && n < 4; i++, n++)
		kmh = kmh * 10 + (t->data[i] - '0');
	if (n == 0 || kmh < MIN_LIMIT_KMH || kmh > MAX_LIMIT_KMH)
		return NAN;
	return kmh / 3.6;
}

static bool sign_active(const struct sl *st, const struct sign *sg, int64_t now_us)
{
	if (sg->start_us && now_us < sg->start_us)
		return false;
	return sg->end_us ? now_us < sg->end_us : now_us - sg->heard_us < st->hold_us;
}

static bool sign_over(const struct sl *st, const struct sign *sg, int64_t now_us)
{
	return sg->end_us ? now_us >= sg->end_us : now_us - sg->heard_us >= st->hold_us;
}

static struct sign *sign_find(struct sl *st, const uint8_t *rsi_id, uint8_t rts_id)
{
	for (size_t i = 0; i < BRK_SPEED_LIMIT_SIGNS_MAX; i++) {
		struct sign *sg = &st->signs[i];
		if (sg->used && sg->rts_id == rts_id && memcmp(sg->rsi_id, rsi_id, V2X_ID_LEN) == 0)
			return sg;
	}
	return NULL;
}

static struct sign *sign_new(struct sl *st)
{
	for (size_t i = 0; i < BRK_SPEED_LIMIT_SIGNS_MAX; i++)
		if (!st->signs[i].used) {
			st->n_signs++;
			st->stats.signs_live = st->n_signs;
			memset(&st->signs[i], 0, sizeof(st->signs[i]));
			st->signs[i].used = true;
			return &st->signs[i];
		}
	st->stats.signs_refused++;
	return NULL;
}

static void sign_free(struct sl *st, struct sign *sg)
{
	sg->used = false;
	st->n_signs--;
	st->stats.signs_live = st->n_signs;
}

/* A walk placing a sign: the lanes it enters within its reach. */
struct placing {
	const struct map_index *map;
	struct sign *sg;
	double reach_m;
};

static void add_span(struct placing *pl, uint32_t lane, double s, double dist0)
{
	struct map_index_lane li;
	struct sign *sg = pl->sg;

	if (sg->n_spans == BRK_SPEED_LIMIT_SPANS_MAX || map_index_lane(pl->map, lane, &li) < 0)
		return;
	sg->spans[sg->n_spans++] =
	        (struct brk_lane_span){ lane, s, fmin(li.length_m, s + pl->reach_m - dist0) };
}

static int on_enter(void *arg, const struct map_index_feature *f)
{
	struct placing *pl = arg;

	if (f->kind == MAP_INDEX_LANE_ENTER && f->at.dist_m < pl->reach_m)
		add_span(pl, f->at.lane_id, 0, f->at.dist_m);
	return MAP_INDEX_WALK_GO;
}

/* The sign's elevation: absolute, or offset from the RSI's refPos. */
static double sign_elev(const struct v2x_rsi *rsi, const struct v2x_rts *rts)
{
	double base = rsi->ref_pos.has_elev ? rsi->ref_pos.elev_m : NAN;

	if (!rts->has_pos || rts->pos.v_enc == V2X_V_NONE)
		return base;
	return rts->pos.v_enc == V2X_V_ELEV ? rts->pos.v_m : base + rts->pos.v_m;
}

/* Matches the sign at its position to its lane and covers its reach.
 * False when it cannot be placed. */
static bool place(const struct sl *st, const struct brk_app_ctx *ctx, struct sign *sg)
{
	struct map_index_query q = { .z = sg->z, .heading_deg = NAN };
	struct placing pl = { ctx->map, sg, st->cfg.sign_length_m };
	struct map_index_walk w = { .distance_m = st->cfg.sign_length_m,
		                    .on_feature = on_enter,
		                    .arg = &pl };
	struct map_index_match m;

	sg->n_spans = 0;
	if (!ctx->map || !ctx->frame || !isfinite(sg->lat_deg) || !isfinite(sg->lon_deg) ||
	    map_frame_from_wgs84(ctx->frame, sg->lat_deg, sg->lon_deg, &q.x, &q.y) < 0 ||
	    map_index_match(ctx->map, &q, NULL, &m) < 0)
		return false;
	add_span(&pl, m.lane_id, m.s, 0);
	/* More forks than a walk follows: the lanes it reached stand. */
	return map_index_walk(ctx->map, m.lane_id, m.s, &w) >= 0 || sg->n_spans > 0;
}

static bool moved(const struct sign *sg, double lat, double lon)
{
	double dy = (lat - sg->lat_deg) * M_PER_DEG;
	double dx = (lon - sg->lon_deg) * M_PER_DEG * cos(lat * M_PI / 180);

	return !(hypot(dx, dy) <= MOVED_M);
}

static void heard(struct sign *sg, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                  const struct v2x_rts *rts)
{
	size_t n = ev->rsu_id ? strnlen(ev->rsu_id, BRK_WARN_RSU_ID_MAX) : 0;

	if (n)
		memcpy(sg->rsu_id, ev->rsu_id, n);
	sg->rsu_id[n] = '\0';
	sg->seq = ev->seq;
	sg->heard_us = ctx->now_us;
	sg->start_us = rts->has_time && rts->time.has_start
	                       ? brk_moy_wall_us(rts->time.start_moy_s, ev->rx_time_us)
	                       : 0;
	sg->end_us = rts->has_time && rts->time.has_end
	                     ? brk_moy_wall_us(rts->time.end_moy_s, ev->rx_time_us)
	                     : 0;
}

static void on_sign(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                    const struct v2x_rts *rts)
{
	const struct v2x_rsi *rsi = &ev->msg->u.rsi;
	double limit = parse_limit(&rts->description);
	double lat = rts->has_pos ? rts->pos.lat_deg : rsi->ref_pos.lat_deg;
	double lon = rts->has_pos ? rts->pos.lon_deg : rsi->ref_pos.lon_deg;
	struct sign *sg = sign_find(st, rsi->id, rts->id);
	bool fresh = !sg;

	st->stats.signs_heard++;
	if (isnan(limit) || (rts->has_time && rts->time.has_end &&
	                     brk_moy_wall_us(rts->time.end_moy_s, ev->rx_time_us) <= ctx->now_us)) {
		st->stats.signs_bad += isnan(limit);
		return;
	}
	if (!sg && !(sg = sign_new(st)))
		return;
	heard(sg, ctx, ev, rts);
	if (!fresh && !moved(sg, lat, lon) && sg->limit_mps == limit)
		return;
	memcpy(sg->rsi_id, rsi->id, V2X_ID_LEN);
	sg->rts_id = rts->id;
	sg->limit_mps = limit;
	sg->lat_deg = lat;
	sg->lon_deg = lon;
	sg->z = sign_elev(rsi, rts);
	if (!place(st, ctx, sg)) {
		st->stats.signs_bad++;
		sign_free(st, sg);
		return;
	}
	st->stats.signs_placed++;
}

static void on_rsi(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev)
{
	const struct v2x_rsi *rsi;

	if (!ev->msg)
		return;
	rsi = &ev->msg->u.rsi;
	for (size_t i = 0; i < rsi->n_rtss; i++)
		if (rsi->rtss[i].sign_type == (uint16_t)st->cfg.sign_type)
			on_sign(st, ctx, ev, &rsi->rtss[i]);
}

/* The lowest active temporary limit covering (lane, s), or NULL. */
static const struct sign *temporary(const struct sl *st, uint32_t lane, double s, int64_t now_us)
{
	const struct sign *best = NULL;

	for (size_t i = 0, seen = 0; seen < st->n_signs && i < BRK_SPEED_LIMIT_SIGNS_MAX; i++) {
		const struct sign *sg = &st->signs[i];
		if (!sg->used)
			continue;
		seen++;
		if (!sign_active(st, sg, now_us) || (best && sg->limit_mps >= best->limit_mps))
			continue;
		for (size_t k = 0; k < sg->n_spans; k++)
			if (sg->spans[k].lane_id == lane && s >= sg->spans[k].s_from &&
			    s <= sg->spans[k].s_to) {
				best = sg;
				break;
			}
	}
	return best;
}

/* ---- warnings ---------------------------------------------------------- */

static void key_of(struct brk_warn_key *k, const struct brk_track *tr)
{
	memset(k, 0, sizeof(*k));
	k->type = TYPE;
	memcpy(k->target, tr->id, V2X_ID_LEN);
}

/* What applies at the vehicle now. */
struct limit {
	double mps;
	const struct sign *sign; /* the temporary limit, NULL: the map's */
};

static V2x__Wire__Severity severity_of(const struct sl *st, double v, double limit)
{
	return v > limit * (1 + st->cfg.advisory_rel) ? V2X__WIRE__SEVERITY__SEVERITY_ADVISORY
	                                              : V2X__WIRE__SEVERITY__SEVERITY_INFO;
}

/* Raises the warning; e is the one held (NULL: none), whose position
 * (where the vehicle was at its issue) it keeps. */
static void raise_one(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                      const struct limit *lim, V2x__Wire__Severity sev,
                      const struct brk_warn_entry *e)
{
	const struct brk_track *tr = ev->track;
	char text[BRK_WARN_TEXT_MAX + 1];
	struct brk_warn_spec s = {
		.severity = sev,
		.lat_deg = tr->latest.lat_deg,
		.lon_deg = tr->latest.lon_deg,
		.elev_m = tr->latest.elev_m,
		.distance_m = 0,
		.time_to_event_s = 0,
		.advisory_speed_mps = lim->mps,
		.ttl_us = TTL_US,
		.n_sources = 1,
		.sources = { { ev->rsu_id, ev->seq } },
		.trigger_rx_time_us = ev->rx_time_us,
		.text = text,
		.target_lat_deg = tr->latest.lat_deg,
		.target_lon_deg = tr->latest.lon_deg,
	};

	key_of(&s.key, tr);
	if (e) {
		s.lat_deg = e->lat_deg;
		s.lon_deg = e->lon_deg;
	}
	if (lim->sign)
		s.sources[s.n_sources++] =
		        (struct brk_warn_source){ lim->sign->rsu_id, lim->sign->seq };
	snprintf(text, sizeof(text), "Speed limit %.0f km/h%s: %.0f km/h", lim->mps * 3.6,
	         lim->sign ? " (temporary sign)" : "", tr->latest.speed_mps * 3.6);
	if (brk_warn_raise(ctx->warn, &s, ctx->now_us) < 0)
		st->stats.raise_refused++;
}

static void clear_one(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_warn_key *k)
{
	pend_del(st, id_key(k->target));
	if (brk_warn_clear(ctx->warn, k, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED,
	                   ctx->now_us) == 0)
		st->stats.cleared++;
}

/* No warning yet: issue once over the threshold for over_s. */
static void not_warned(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                       const struct limit *lim)
{
	double v = ev->track->latest.speed_mps;
	uint64_t key = id_key(ev->track->id);
	const struct pend *p;

	if (v <= lim->mps + st->cfg.over_abs_mps) {
		pend_del(st, key);
		return;
	}
	p = pend_get(st, key, PEND_OVER, ctx->now_us);
	if (!p || ctx->now_us - p->since_us < st->over_us)
		return;
	pend_del(st, key);
	st->stats.issued++;
	raise_one(st, ctx, ev, lim, severity_of(st, v, lim->mps), NULL);
}

/* Warned (e, last emitted): hold while over the limit, cancel after
 * under_s at or under it, or at once when the limit rose. */
static void warned(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev,
                   const struct limit *lim, const struct brk_warn_entry *e)
{
	double v = ev->track->latest.speed_mps;
	uint64_t key = id_key(ev->track->id);
	V2x__Wire__Severity sev = e->severity;
	struct brk_warn_key k = e->key;
	const struct pend *p;

	if (v > lim->mps) {
		pend_del(st, key);
		if (v > lim->mps + st->cfg.over_abs_mps)
			sev = severity_of(st, v, lim->mps);
		raise_one(st, ctx, ev, lim, sev, e);
		return;
	}
	if (lim->mps > e->advisory_speed_mps + ROSE_MPS) {
		clear_one(st, ctx, &k);
		return;
	}
	p = pend_get(st, key, PEND_UNDER, ctx->now_us);
	if (!p || ctx->now_us - p->since_us >= st->under_us) {
		clear_one(st, ctx, &k);
		return;
	}
	raise_one(st, ctx, ev, lim, sev, e);
}

static void on_bsm(struct sl *st, const struct brk_app_ctx *ctx, const struct brk_app_event *ev)
{
	const struct brk_track *tr = ev->track;
	struct map_sample smp;
	struct brk_warn_key key;
	const struct brk_warn_entry *e;
	struct limit lim = { NAN, NULL };

	st->stats.bsms++;
	if (!tr->has_match || !isfinite(tr->latest.speed_mps) ||
	    brk_ahead_here(ctx->ahead, ctx->map, tr, &smp) < 0) {
		st->stats.unmatched++;
		return;
	}
	lim.mps = smp.speed_limit_mps > 0 ? smp.speed_limit_mps : INFINITY;
	if (st->n_signs > 0)
		lim.sign = temporary(st, tr->match.lane_id, tr->match.s, ctx->now_us);
	if (lim.sign && lim.sign->limit_mps < lim.mps) {
		lim.mps = lim.sign->limit_mps;
		st->stats.temporary++;
	} else {
		lim.sign = NULL;
	}
	if (!isfinite(lim.mps))
		return;
	key_of(&key, tr);
	e = brk_warn_find(ctx->warn, &key);
	if (e)
		warned(st, ctx, ev, &lim, e);
	else
		not_warned(st, ctx, ev, &lim);
}

static void sl_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct sl *st = state;

	if (ev->type == V2X_MSG_RSI)
		on_rsi(st, ctx, ev);
	else if (ev->type == V2X_MSG_BSM && ev->track && ctx->map)
		on_bsm(st, ctx, ev);
}

/* Removes the signs that ended and the timers of silent vehicles; the
 * warnings under an ended sign end at their vehicle's next BSM (the limit
 * rose). */
static void sl_tick(void *state, const struct brk_app_ctx *ctx)
{
	struct sl *st = state;

	for (size_t i = 0; st->n_signs > 0 && i < BRK_SPEED_LIMIT_SIGNS_MAX; i++)
		if (st->signs[i].used && sign_over(st, &st->signs[i], ctx->now_us)) {
			sign_free(st, &st->signs[i]);
			st->stats.signs_ended++;
		}
	pend_sweep(st, ctx->now_us);
}

/* A new map: every sign is placed again on it (or dropped). */
static void sl_map(void *state, const struct brk_app_ctx *ctx)
{
	struct sl *st = state;

	for (size_t i = 0; i < BRK_SPEED_LIMIT_SIGNS_MAX; i++) {
		if (!st->signs[i].used)
			continue;
		if (place(st, ctx, &st->signs[i])) {
			st->stats.signs_placed++;
			continue;
		}
		st->stats.signs_bad++;
		sign_free(st, &st->signs[i]);
	}
}

const struct brk_app brk_speed_limit_app = {
	.name = "speed_limit",
	.init = sl_init,
	.on_observation = sl_observation,
	.on_tick = sl_tick,
	.on_map = sl_map,
	.fini = sl_fini,
	.cfg_size = sizeof(struct brk_speed_limit_cfg),
	.params = params,
	.n_params = N_PARAMS,
};
