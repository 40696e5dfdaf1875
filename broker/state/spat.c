/*
 * spat: signal states per (intersection, signal group) (spat.h).
 */
#include "broker/state/spat.h"

#include <math.h>
#include <stdlib.h>

#include "broker/state/hashtab.h"
#include "broker/state/timebase.h"
#include "runtime/err.h"

#define NONE UINT32_MAX

struct brk_spat {
	struct brk_spat_cfg cfg;
	struct brk_spat_signal *pool;
	struct brk__hash hash;
	uint32_t free_head;
	size_t cursor; /* where the next sweep starts */
	struct brk_spat_stats stats;
};

static uint64_t pack_key(struct brk_spat_key k)
{
	return (uint64_t)k.region << 24 | (uint64_t)k.intersection << 8 | k.group;
}

static uint64_t pool_key(const void *owner, uint32_t i)
{
	const struct brk_spat *s = owner;

	return pack_key(s->pool[i].key);
}

int brk_spat_new(const struct brk_spat_cfg *cfg, struct brk_spat **out)
{
	struct brk_spat *s;

	if (!cfg->capacity || cfg->capacity >= NONE || cfg->max_age_us < 0)
		return V2X_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return V2X_ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.max_age_us)
		s->cfg.max_age_us = BRK_SPAT_DEFAULT_MAX_AGE_US;
	s->pool = calloc(cfg->capacity, sizeof(*s->pool));
	if (!s->pool || brk__hash_init(&s->hash, cfg->capacity, pool_key, s)) {
		brk_spat_free(s);
		return V2X_ENOMEM;
	}
	for (size_t i = 0; i < cfg->capacity; i++)
		s->pool[i].next_free_ = i + 1 < cfg->capacity ? (uint32_t)(i + 1) : NONE;
	*out = s;
	return 0;
}

void brk_spat_free(struct brk_spat *s)
{
	if (!s)
		return;
	brk__hash_fini(&s->hash);
	free(s->pool);
	free(s);
}

/* ---- time -------------------------------------------------------------- */

int64_t brk_spat_time_us(const struct v2x_spat *spat, const struct v2x_intersection_state *is,
                         int64_t rx_us, bool *from_rx)
{
	bool has_moy = is && is->has_moy ? true : spat->has_moy;
	double moy = is && is->has_moy ? is->moy_s : spat->moy_s;
	bool has_ts = is && is->has_timestamp ? true : spat->has_timestamp;
	double ts = is && is->has_timestamp ? is->timestamp_s : spat->timestamp_s;

	/* DSecond's "unavailable" is NaN: the minute alone is known then. */
	if (has_ts && isnan(ts))
		has_ts = false;
	if (has_moy && isnan(moy))
		has_moy = false;
	if (from_rx)
		*from_rx = !has_moy && !has_ts;
	if (has_moy)
		return brk__moy_base_us(moy, rx_us) + (int64_t)llround(moy * 1e6) +
		       (has_ts ? (int64_t)llround(ts * 1e6) : 0);
	if (has_ts)
		return brk__place_us(ts, BRK__MINUTE_US, rx_us);
	return rx_us;
}

/* One time of a timing: the offset placed by kind, when it is known. */
static bool place(uint8_t kind, bool present, double v, int64_t time_us, int64_t *out)
{
	if (!present || !isfinite(v))
		return false;
	if (kind == V2X_TIMING_COUNTING)
		*out = time_us + (int64_t)llround(v * 1e6);
	else
		*out = brk__place_us(v, BRK__HOUR_US, time_us);
	return true;
}

void brk_spat_timing(const struct v2x_timing *tm, int64_t time_us, struct brk_spat_timing *out)
{
	uint8_t k = tm->kind;

	*out = (struct brk_spat_timing){ 0 };
	if (k != V2X_TIMING_COUNTING && k != V2X_TIMING_UTC)
		return;
	out->has_start = place(k, true, tm->start_s, time_us, &out->start_us);
	out->has_min_end = place(k, tm->has_min_end, tm->min_end_s, time_us, &out->min_end_us);
	out->has_likely_end = place(k, true, tm->likely_end_s, time_us, &out->likely_end_us);
	out->has_max_end = place(k, tm->has_max_end, tm->max_end_s, time_us, &out->max_end_us);
}

/* ---- entries ----------------------------------------------------------- */

/* Returns the entry of key, a new one, or NULL when the pool is full. */
static struct brk_spat_signal *get_entry(struct brk_spat *s, struct brk_spat_key key)
{
	uint32_t i = brk__hash_find(&s->hash, pack_key(key));
	struct brk_spat_signal *e;

	if (i != BRK__HASH_EMPTY)
		return &s->pool[i];
	if (s->free_head == NONE) {
		s->stats.full++;
		return NULL;
	}
	i = s->free_head;
	e = &s->pool[i];
	s->free_head = e->next_free_;
	*e = (struct brk_spat_signal){ .key = key, .used_ = true, .time_us = INT64_MIN };
	brk__hash_insert(&s->hash, pack_key(key), i);
	s->stats.live++;
	return e;
}

static bool apply_phase(struct brk_spat *s, const struct v2x_intersection_state *is,
                        const struct v2x_phase *ph, int64_t time_us, struct brk_rsu_key rsu,
                        int64_t rx_us, int64_t now_us)
{
	struct brk_spat_key key = { is->id.has_region ? is->id.region : 0, is->id.id, ph->id };
	struct brk_spat_signal *e;

	if (!ph->n_states)
		return false;
	e = get_entry(s, key);
	if (!e)
		return false;
	if (time_us < e->time_us) {
		s->stats.stale++;
		return false;
	}
	e->light = ph->states[0].light;
	e->has_timing = ph->states[0].has_timing;
	if (e->has_timing)
		brk_spat_timing(&ph->states[0].timing, time_us, &e->timing);
	else
		e->timing = (struct brk_spat_timing){ 0 };
	e->status = is->status;
	e->time_us = time_us;
	e->rsu = rsu;
	e->rx_us = rx_us;
	e->now_us = now_us;
	s->stats.signals++;
	return true;
}

int brk_spat_update(struct brk_spat *s, const struct v2x_spat *spat, struct brk_rsu_key rsu,
                    int64_t rx_us, int64_t now_us)
{
	int applied = 0;

	s->stats.messages++;
	if (rsu.v == 0) {
		s->stats.invalid++;
		return V2X_EINVAL;
	}
	for (size_t i = 0; i < spat->n_intersections; i++) {
		const struct v2x_intersection_state *is = &spat->intersections[i];
		bool from_rx;
		int64_t time_us = brk_spat_time_us(spat, is, rx_us, &from_rx);

		if (from_rx)
			s->stats.no_time++;
		for (size_t j = 0; j < is->n_phases; j++)
			applied += apply_phase(s, is, &is->phases[j], time_us, rsu, rx_us, now_us);
	}
	return applied;
}

const struct brk_spat_signal *brk_spat_find(const struct brk_spat *s, struct brk_spat_key key)
{
	uint32_t i = brk__hash_find(&s->hash, pack_key(key));

	return i == BRK__HASH_EMPTY ? NULL : &s->pool[i];
}

size_t brk_spat_sweep(struct brk_spat *s, int64_t now_us, size_t max_n)
{
	size_t removed = 0;

	for (size_t n = 0; n < max_n && n < s->cfg.capacity; n++) {
		struct brk_spat_signal *e = &s->pool[s->cursor];
		uint32_t i = (uint32_t)s->cursor;

		s->cursor = (s->cursor + 1) % s->cfg.capacity;
		if (!e->used_ || now_us - e->now_us <= s->cfg.max_age_us)
			continue;
		brk__hash_remove(&s->hash, pack_key(e->key));
		e->used_ = false;
		e->next_free_ = s->free_head;
		s->free_head = i;
		s->stats.live--;
		s->stats.expired++;
		removed++;
	}
	return removed;
}

const struct brk_spat_stats *brk_spat_stats(const struct brk_spat *s)
{
	return &s->stats;
}

/* ---- metrics ----------------------------------------------------------- */

#define STAT(f) offsetof(struct brk_spat_stats, f)

static const struct v2x_metric spat_metrics[] = {
	{ .name = "v2x_broker_spat_messages_total",
	  .help = "SPAT messages offered to the signal table.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(messages) },
	{ .name = "v2x_broker_spat_signals_total",
	  .help = "Signal-group states, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(signals),
	  .fixed = { "outcome", "applied" } },
	{ .name = "v2x_broker_spat_signals_total",
	  .help = "Signal-group states, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(stale),
	  .fixed = { "outcome", "stale" } },
	{ .name = "v2x_broker_spat_signals_total",
	  .help = "Signal-group states, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(full),
	  .fixed = { "outcome", "full" } },
	{ .name = "v2x_broker_spat_no_time_total",
	  .help = "SPATs without a time of their own: the receipt time was used.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(no_time) },
	{ .name = "v2x_broker_spat_invalid_total",
	  .help = "SPATs refused: no RSU.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(invalid) },
	{ .name = "v2x_broker_spat_expired_total",
	  .help = "Signal-group states expired.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(expired) },
	{ .name = "v2x_broker_spat_live",
	  .help = "Signal-group states held now.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_SIZE,
	  .offset = STAT(live) },
	V2X_METRIC_END,
};

int brk_spat_metrics_add(const struct brk_spat *s, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen)
{
	return v2x_metrics_add(m, spat_metrics, &s->stats, labels, n_labels, err, errlen);
}
