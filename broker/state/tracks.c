/*
 * tracks: the track table (tracks.h).  The pool, the rings and the hash
 * are allocated at creation; tracks are linked in the order of their last
 * update (a doubly linked list of pool numbers), which makes eviction of
 * the least recently updated track and the expiry sweep O(1) per track.
 */
#include "broker/state/tracks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/state/hashtab.h"
#include "broker/state/timebase.h"
#include "runtime/err.h"

#define NONE UINT32_MAX

/* secMark counts within the minute; 30 s either way is the widest window
 * in which "before" and "after" can be told apart across its wrap. */
#define HALF_MINUTE_S 30.0

struct brk_tracks {
	struct brk_tracks_cfg cfg;
	struct brk_track *pool;
	struct brk_track_state *ring; /* cfg.history states per pool track */
	struct brk__hash hash;
	uint32_t free_head; /* unused pool tracks, linked through next_ */
	uint32_t oldest, newest;
	struct brk_tracks_stats stats;
};

static uint64_t id_key(const uint8_t *id)
{
	uint64_t k = 0;

	for (size_t i = 0; i < V2X_ID_LEN; i++)
		k = k << 8 | id[i];
	return k;
}

static uint64_t pool_key(const void *owner, uint32_t i)
{
	const struct brk_tracks *t = owner;

	return t->pool[i].key_;
}

static void apply_defaults(struct brk_tracks_cfg *c)
{
	if (!c->history)
		c->history = BRK_TRACKS_DEFAULT_HISTORY;
	if (!c->max_age_us)
		c->max_age_us = BRK_TRACKS_DEFAULT_MAX_AGE_US;
	if (!c->hint_max_age_us)
		c->hint_max_age_us = BRK_TRACKS_DEFAULT_HINT_MAX_AGE_US;
}

int brk_tracks_new(const struct brk_tracks_cfg *cfg, struct brk_tracks **out)
{
	struct brk_tracks *t;

	if (!cfg->capacity || cfg->capacity >= NONE || cfg->history >= NONE ||
	    cfg->max_age_us < 0 || cfg->hint_max_age_us < 0)
		return V2X_EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return V2X_ENOMEM;
	t->cfg = *cfg;
	apply_defaults(&t->cfg);
	t->pool = calloc(cfg->capacity, sizeof(*t->pool));
	t->ring = calloc(cfg->capacity * t->cfg.history, sizeof(*t->ring));
	if (!t->pool || !t->ring || brk__hash_init(&t->hash, cfg->capacity, pool_key, t)) {
		brk_tracks_free(t);
		return V2X_ENOMEM;
	}
	for (size_t i = 0; i < cfg->capacity; i++)
		t->pool[i].next_ = i + 1 < cfg->capacity ? (uint32_t)(i + 1) : NONE;
	t->free_head = 0;
	t->oldest = t->newest = NONE;
	*out = t;
	return 0;
}

void brk_tracks_free(struct brk_tracks *t)
{
	if (!t)
		return;
	brk__hash_fini(&t->hash);
	free(t->ring);
	free(t->pool);
	free(t);
}

/* ---- update order ------------------------------------------------------ */

static void unlink_track(struct brk_tracks *t, uint32_t i)
{
	struct brk_track *tr = &t->pool[i];

	if (tr->prev_ != NONE)
		t->pool[tr->prev_].next_ = tr->next_;
	else
		t->oldest = tr->next_;
	if (tr->next_ != NONE)
		t->pool[tr->next_].prev_ = tr->prev_;
	else
		t->newest = tr->prev_;
}

static void append_track(struct brk_tracks *t, uint32_t i)
{
	struct brk_track *tr = &t->pool[i];

	tr->prev_ = t->newest;
	tr->next_ = NONE;
	if (t->newest != NONE)
		t->pool[t->newest].next_ = i;
	else
		t->oldest = i;
	t->newest = i;
}

static void remove_track(struct brk_tracks *t, uint32_t i)
{
	brk__hash_remove(&t->hash, t->pool[i].key_);
	unlink_track(t, i);
	t->pool[i].next_ = t->free_head;
	t->free_head = i;
	t->stats.live--;
}

/* Takes a pool track for a new vehicle, evicting the least recently
 * updated one when none is free. */
static uint32_t take_track(struct brk_tracks *t)
{
	uint32_t i;

	if (t->free_head == NONE) {
		remove_track(t, t->oldest);
		t->stats.evicted++;
	}
	i = t->free_head;
	t->free_head = t->pool[i].next_;
	return i;
}

/* ---- states ------------------------------------------------------------ */

/* secMark placed in the minute of rx_us nearest to rx_us. */
static int64_t msg_time_us(double sec_mark_s, int64_t rx_us)
{
	if (isnan(sec_mark_s))
		return rx_us;
	return brk__place_us(sec_mark_s, BRK__MINUTE_US, rx_us);
}

static void fill_state(struct brk_track_state *s, const struct v2x_bsm *b, struct brk_rsu_key rsu,
                       int64_t rx_us)
{
	s->msg_cnt = b->msg_cnt;
	s->sec_mark_s = b->sec_mark_s;
	s->rx_us = rx_us;
	s->msg_us = msg_time_us(b->sec_mark_s, rx_us);
	s->rsu = rsu;
	s->lat_deg = b->pos.lat_deg;
	s->lon_deg = b->pos.lon_deg;
	s->elev_m = b->pos.has_elev ? b->pos.elev_m : NAN;
	s->speed_mps = b->speed_mps;
	s->heading_deg = b->heading_deg;
	s->transmission = b->transmission;
	s->accel = b->accel;
	s->brakes = b->brakes;
	s->size = b->size;
	s->vclass = b->vclass;
}

static struct brk_track_state *ring_at(const struct brk_tracks *t, const struct brk_track *tr,
                                       size_t back)
{
	size_t base = (size_t)(tr - t->pool) * t->cfg.history;
	size_t pos = (tr->ring_head_ + t->cfg.history - back) % t->cfg.history;

	return &t->ring[base + pos];
}

/* Adds rsu to the sources, replacing the one heard longest ago when all
 * places are taken. */
static void merge_rsu(struct brk_track *tr, struct brk_rsu_key rsu, int64_t now_us)
{
	size_t pick = 0;

	for (size_t i = 0; i < BRK_TRACK_RSUS; i++) {
		if (tr->rsus[i].v == rsu.v || tr->rsus[i].v == 0) {
			pick = i;
			break;
		}
		if (tr->rsu_now_us[i] < tr->rsu_now_us[pick])
			pick = i;
	}
	tr->rsus[pick] = rsu;
	tr->rsu_now_us[pick] = now_us;
}

static void apply_state(struct brk_tracks *t, struct brk_track *tr, const struct v2x_bsm *b,
                        struct brk_rsu_key rsu, int64_t rx_us, int64_t now_us)
{
	fill_state(&tr->latest, b, rsu, rx_us);
	tr->ring_head_ = (tr->ring_head_ + 1) % (uint32_t)t->cfg.history;
	if (tr->ring_n_ < t->cfg.history)
		tr->ring_n_++;
	*ring_at(t, tr, 0) = tr->latest;
	tr->last_update_now_us = now_us;
	tr->n_applied++;
	merge_rsu(tr, rsu, now_us);
	t->stats.applied++;
}

static bool same_message(const struct brk_track_state *s, const struct v2x_bsm *b)
{
	if (s->msg_cnt != b->msg_cnt)
		return false;
	if (isnan(s->sec_mark_s) || isnan(b->sec_mark_s))
		return isnan(s->sec_mark_s) && isnan(b->sec_mark_s);
	return s->sec_mark_s == b->sec_mark_s;
}

static bool is_duplicate(const struct brk_tracks *t, const struct brk_track *tr,
                         const struct v2x_bsm *b)
{
	for (size_t i = 0; i < tr->ring_n_; i++)
		if (same_message(ring_at(t, tr, i), b))
			return true;
	return false;
}

/* True when b's secMark lies before the latest state's, within half a
 * minute, modulo the minute. */
static bool is_older(const struct brk_track *tr, const struct v2x_bsm *b)
{
	double d = b->sec_mark_s - tr->latest.sec_mark_s;

	if (isnan(d))
		return false;
	if (d > HALF_MINUTE_S)
		d -= 60.0;
	else if (d <= -HALF_MINUTE_S)
		d += 60.0;
	return d < 0;
}

static struct brk_track *create_track(struct brk_tracks *t, const struct v2x_bsm *b, uint64_t key,
                                      int64_t now_us)
{
	uint32_t i = take_track(t);
	struct brk_track *tr = &t->pool[i];

	memset(tr, 0, sizeof(*tr));
	memcpy(tr->id, b->id, V2X_ID_LEN);
	tr->key_ = key;
	tr->ring_head_ = (uint32_t)t->cfg.history - 1;
	tr->first_now_us = now_us;
	brk__hash_insert(&t->hash, key, i);
	append_track(t, i);
	t->stats.live++;
	t->stats.created++;
	return tr;
}

/* An existing track: a duplicate, an older message or a newer one.  Only
 * a message not newer than the latest can be a copy of an earlier state,
 * so the ring (a cache miss per state in a large table) is read only for
 * those. */
static int update_track(struct brk_tracks *t, struct brk_track *tr, const struct v2x_bsm *b,
                        struct brk_rsu_key rsu, int64_t rx_us, int64_t now_us)
{
	bool older = is_older(tr, b);

	if (same_message(&tr->latest, b) || (older && is_duplicate(t, tr, b))) {
		merge_rsu(tr, rsu, now_us);
		tr->n_duplicates++;
		t->stats.duplicates++;
		return BRK_TRACK_DUPLICATE;
	}
	if (older) {
		/* The RSU did hear the vehicle, late: it stays a source. */
		merge_rsu(tr, rsu, now_us);
		tr->n_stale++;
		t->stats.stale++;
		return BRK_TRACK_STALE;
	}
	apply_state(t, tr, b, rsu, rx_us, now_us);
	uint32_t i = (uint32_t)(tr - t->pool);
	unlink_track(t, i);
	append_track(t, i);
	return BRK_TRACK_UPDATED;
}

int brk_tracks_update(struct brk_tracks *t, const struct v2x_bsm *bsm, struct brk_rsu_key rsu,
                      int64_t rx_us, int64_t now_us, struct brk_track **track)
{
	uint64_t key = id_key(bsm->id);
	uint32_t i;
	struct brk_track *tr;
	int rc;

	t->stats.updates++;
	if (rsu.v == 0) {
		t->stats.invalid++;
		return V2X_EINVAL;
	}
	i = brk__hash_find(&t->hash, key);
	if (i == BRK__HASH_EMPTY) {
		tr = create_track(t, bsm, key, now_us);
		apply_state(t, tr, bsm, rsu, rx_us, now_us);
		rc = BRK_TRACK_CREATED;
	} else {
		tr = &t->pool[i];
		rc = update_track(t, tr, bsm, rsu, rx_us, now_us);
	}
	if (track)
		*track = tr;
	return rc;
}

/* ---- lookups, matching, expiry ----------------------------------------- */

struct brk_track *brk_tracks_find(const struct brk_tracks *t, const uint8_t *id)
{
	uint32_t i = brk__hash_find(&t->hash, id_key(id));

	return i == BRK__HASH_EMPTY ? NULL : &t->pool[i];
}

int brk_tracks_history(const struct brk_tracks *t, const struct brk_track *track, size_t i,
                       struct brk_track_state *out)
{
	if (i >= track->ring_n_)
		return V2X_ENOTFOUND;
	*out = *ring_at(t, track, i);
	return 0;
}

int brk_tracks_match(struct brk_tracks *t, struct brk_track *track, const struct map_index *idx,
                     double x, double y, int64_t now_us)
{
	/* The BSM's heading is from true north, the index's from grid north:
	 * within a pilot zone they differ by well under the heading gate. */
	struct map_index_query q = { x, y, track->latest.elev_m, track->latest.heading_deg };
	const struct map_index_match *hint = NULL;
	struct map_index_match m;
	int rc;

	if (track->has_match && now_us - track->match_now_us <= t->cfg.hint_max_age_us)
		hint = &track->match;
	rc = map_index_match(idx, &q, hint, &m);
	if (rc == V2X_ENOTFOUND) {
		track->has_match = false;
		t->stats.off_map++;
		return rc;
	}
	if (rc) {
		t->stats.match_errors++;
		return rc;
	}
	track->match = m;
	track->has_match = true;
	track->match_now_us = now_us;
	t->stats.matched++;
	if (hint)
		t->stats.match_hint++;
	return 0;
}

size_t brk_tracks_sweep(struct brk_tracks *t, int64_t now_us, size_t max_n)
{
	size_t n = 0;

	while (n < max_n && t->oldest != NONE &&
	       now_us - t->pool[t->oldest].last_update_now_us > t->cfg.max_age_us) {
		remove_track(t, t->oldest);
		t->stats.expired++;
		n++;
	}
	return n;
}

const struct brk_track *brk_tracks_next(const struct brk_tracks *t, const struct brk_track *prev)
{
	uint32_t i = prev ? prev->next_ : t->oldest;

	return i == NONE ? NULL : &t->pool[i];
}

const struct brk_tracks_stats *brk_tracks_stats(const struct brk_tracks *t)
{
	return &t->stats;
}

/* ---- metrics ----------------------------------------------------------- */

#define STAT(f) offsetof(struct brk_tracks_stats, f)

static const struct v2x_metric tracks_metrics[] = {
	{ .name = "v2x_broker_tracks_updates_total",
	  .help = "BSMs offered to the track table, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(applied),
	  .fixed = { "outcome", "applied" } },
	{ .name = "v2x_broker_tracks_updates_total",
	  .help = "BSMs offered to the track table, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(duplicates),
	  .fixed = { "outcome", "duplicate" } },
	{ .name = "v2x_broker_tracks_updates_total",
	  .help = "BSMs offered to the track table, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(stale),
	  .fixed = { "outcome", "stale" } },
	{ .name = "v2x_broker_tracks_updates_total",
	  .help = "BSMs offered to the track table, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(invalid),
	  .fixed = { "outcome", "invalid" } },
	{ .name = "v2x_broker_tracks_created_total",
	  .help = "Tracks created for vehicles not in the table.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(created) },
	{ .name = "v2x_broker_tracks_removed_total",
	  .help = "Tracks removed, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(expired),
	  .fixed = { "reason", "expired" } },
	{ .name = "v2x_broker_tracks_removed_total",
	  .help = "Tracks removed, by reason.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(evicted),
	  .fixed = { "reason", "evicted" } },
	{ .name = "v2x_broker_tracks_matches_total",
	  .help = "Lane matches, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(matched),
	  .fixed = { "outcome", "lane" } },
	{ .name = "v2x_broker_tracks_matches_total",
	  .help = "Lane matches, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(off_map),
	  .fixed = { "outcome", "off_map" } },
	{ .name = "v2x_broker_tracks_matches_total",
	  .help = "Lane matches, by outcome.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(match_errors),
	  .fixed = { "outcome", "error" } },
	{ .name = "v2x_broker_tracks_match_hint_total",
	  .help = "Lane matches made with the previous match as hint.",
	  .type = V2X_METRIC_COUNTER,
	  .offset = STAT(match_hint) },
	{ .name = "v2x_broker_tracks_live",
	  .help = "Tracks held now.",
	  .type = V2X_METRIC_GAUGE,
	  .field = V2X_METRIC_SIZE,
	  .offset = STAT(live) },
	V2X_METRIC_END,
};

int brk_tracks_metrics_add(const struct brk_tracks *t, struct v2x_metrics *m,
                           const struct v2x_metric_label *labels, size_t n_labels, char *err,
                           size_t errlen)
{
	return v2x_metrics_add(m, tracks_metrics, &t->stats, labels, n_labels, err, errlen);
}
