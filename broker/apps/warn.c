/*
 * warn: the warning table (warn.h).  Entries live in a preallocated pool,
 * found by their full key through one index and by their target vehicle
 * through a second one (a list of the target's entries), and linked in an
 * active list that the tick and the iterations walk.  Emission builds the
 * wire messages in buffers of the table (warn_emit.c).
 */
#include "broker/apps/warn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/apps/keytab.h"
#include "broker/apps/warn_int.h"
#include "runtime/err.h"

#define NONE UINT32_MAX

/* Metres per degree of latitude on the mean Earth radius (6371008.8 m):
 * position changes of a few metres need no geodesy. */
#define M_PER_DEG 111195.08

/* ---- keys -------------------------------------------------------------- */

/* Whether a and b are the same warning: type, target, subject kind, then
 * the kind's own fields (a hazard's or a signal's other fields describe
 * it, they do not name it). */
static bool key_same(const struct brk_warn_key *a, const struct brk_warn_key *b)
{
	const struct brk_warn_subject *x = &a->subject, *y = &b->subject;

	if (a->type != b->type || x->kind != y->kind ||
	    memcmp(a->target, b->target, V2X_ID_LEN) != 0)
		return false;
	switch (x->kind) {
	case BRK_WARN_SUBJECT_VEHICLE:
		return memcmp(x->vehicle_id, y->vehicle_id, V2X_ID_LEN) == 0;
	case BRK_WARN_SUBJECT_HAZARD:
		return x->hazard_id == y->hazard_id;
	case BRK_WARN_SUBJECT_SIGNAL:
		return x->has_region == y->has_region && x->region == y->region &&
		       x->intersection == y->intersection && x->phase_id == y->phase_id;
	default:
		return true;
	}
}

static bool target_eq(const void *owner, uint32_t i, const void *key)
{
	const struct brk_warn *w = owner;

	return memcmp(w->targets[i].id, key, V2X_ID_LEN) == 0;
}

void brk_warn_key_hazard(struct brk_warn_key *key, V2x__Wire__WarningType type,
                         const uint8_t *target, uint64_t hazard_id, bool has_event_type,
                         uint16_t event_type, bool has_ptc_type, uint8_t ptc_type)
{
	memset(key, 0, sizeof(*key));
	key->type = type;
	memcpy(key->target, target, V2X_ID_LEN);
	key->subject.kind = BRK_WARN_SUBJECT_HAZARD;
	key->subject.hazard_id = hazard_id;
	key->subject.has_event_type = has_event_type;
	key->subject.event_type = event_type;
	key->subject.has_ptc_type = has_ptc_type;
	key->subject.ptc_type = ptc_type;
}

/* ---- creation ---------------------------------------------------------- */

static void apply_defaults(struct brk_warn_cfg *c)
{
	if (!c->confirm_timeout_us)
		c->confirm_timeout_us = BRK_WARN_DEFAULT_CONFIRM_TIMEOUT_US;
	if (!c->default_ttl_us)
		c->default_ttl_us = BRK_WARN_DEFAULT_TTL_US;
	if (c->distance_abs_m == 0)
		c->distance_abs_m = BRK_WARN_DEFAULT_DISTANCE_ABS_M;
	if (c->distance_rel == 0)
		c->distance_rel = BRK_WARN_DEFAULT_DISTANCE_REL;
	if (c->tte_abs_s == 0)
		c->tte_abs_s = BRK_WARN_DEFAULT_TTE_ABS_S;
	if (c->tte_rel == 0)
		c->tte_rel = BRK_WARN_DEFAULT_TTE_REL;
	if (c->speed_abs_mps == 0)
		c->speed_abs_mps = BRK_WARN_DEFAULT_SPEED_ABS_MPS;
	if (c->position_m == 0)
		c->position_m = BRK_WARN_DEFAULT_POSITION_M;
	if (!c->expiry_margin_us)
		c->expiry_margin_us = BRK_WARN_DEFAULT_EXPIRY_MARGIN_US;
	if (!c->first_warning_id)
		c->first_warning_id = 1;
}

/* Rejects what apply_defaults() cannot make sense of; NaN fails too. */
static bool cfg_valid(const struct brk_warn_cfg *c)
{
	return c->capacity && c->capacity < (1u << 31) && c->confirm_timeout_us >= 0 &&
	       c->default_ttl_us >= 0 && c->expiry_margin_us >= 0 && c->distance_abs_m >= 0 &&
	       c->distance_rel >= 0 && c->tte_abs_s >= 0 && c->tte_rel >= 0 &&
	       c->speed_abs_mps >= 0 && c->position_m >= 0;
}

static void init_free_lists(struct brk_warn *w)
{
	for (size_t i = 0; i < w->cfg.capacity; i++) {
		uint32_t next = i + 1 < w->cfg.capacity ? (uint32_t)(i + 1) : NONE;
		w->pool[i].free_next_ = next;
		w->targets[i].free_next = next;
	}
	w->free_head = 0;
	w->target_free = 0;
	for (size_t t = 0; t < BRK_WARN_TYPES; t++)
		w->active_head[t] = NONE;
}

int brk_warn_new(const struct brk_warn_cfg *cfg, const struct brk_warn_sink *sink,
                 struct brk_warn **out)
{
	struct brk_warn *w;

	if (!cfg_valid(cfg) || !sink->on_warning || !sink->on_cancel)
		return V2X_EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return V2X_ENOMEM;
	w->cfg = *cfg;
	apply_defaults(&w->cfg);
	w->sink = *sink;
	w->pool = calloc(cfg->capacity, sizeof(*w->pool));
	w->targets = calloc(cfg->capacity, sizeof(*w->targets));
	w->tfilter = calloc((size_t)1 << BRK__WARN_TFILTER_BITS, sizeof(*w->tfilter));
	if (!w->pool || !w->targets || !w->tfilter ||
	    brk__ktab_init(&w->by_target, cfg->capacity, target_eq, w) < 0) {
		brk_warn_free(w);
		return V2X_ENOMEM;
	}
	init_free_lists(w);
	w->next_id = w->cfg.first_warning_id;
	brk__warn_emit_init(w);
	*out = w;
	return 0;
}

void brk_warn_free(struct brk_warn *w)
{
	if (!w)
		return;
	brk__ktab_fini(&w->by_target);
	free(w->tfilter);
	free(w->targets);
	free(w->pool);
	free(w);
}

/* ---- lists ------------------------------------------------------------- */

/* The filter's counter of a target id's hash. */
static uint32_t *tfilter_at(const struct brk_warn *w, uint64_t target_hash)
{
	return &w->tfilter[target_hash >> (64 - BRK__WARN_TFILTER_BITS)];
}

/* Links entry i at the head of its target's list, creating the target's
 * head when it has none. */
static void target_link(struct brk_warn *w, uint32_t i)
{
	struct brk_warn_entry *e = &w->pool[i];
	uint64_t h = brk__ktab_hash(e->key.target, V2X_ID_LEN);
	uint32_t t = brk__ktab_find(&w->by_target, h, e->key.target);

	if (t == BRK__KTAB_EMPTY) {
		/* Never exhausted: a target head has at least one entry. */
		t = w->target_free;
		w->target_free = w->targets[t].free_next;
		memcpy(w->targets[t].id, e->key.target, V2X_ID_LEN);
		w->targets[t].hash = h;
		w->targets[t].first = NONE;
		brk__ktab_insert(&w->by_target, h, t);
		(*tfilter_at(w, h))++;
		w->cache_ok = false;
	}
	e->thead_ = t;
	e->tprev_ = NONE;
	e->tnext_ = w->targets[t].first;
	if (e->tnext_ != NONE)
		w->pool[e->tnext_].tprev_ = i;
	w->targets[t].first = i;
}

static void target_unlink(struct brk_warn *w, uint32_t i)
{
	struct brk_warn_entry *e = &w->pool[i];
	struct brk__warn_target *t = &w->targets[e->thead_];

	if (e->tprev_ != NONE)
		w->pool[e->tprev_].tnext_ = e->tnext_;
	else
		t->first = e->tnext_;
	if (e->tnext_ != NONE)
		w->pool[e->tnext_].tprev_ = e->tprev_;
	if (t->first == NONE) {
		brk__ktab_remove(&w->by_target, t->hash, e->thead_);
		(*tfilter_at(w, t->hash))--;
		w->cache_ok = false;
		t->free_next = w->target_free;
		w->target_free = e->thead_;
	}
}

static void active_link(struct brk_warn *w, uint32_t i)
{
	struct brk_warn_entry *e = &w->pool[i];

	e->prev_ = NONE;
	e->next_ = w->active_head[e->key.type];
	if (e->next_ != NONE)
		w->pool[e->next_].prev_ = i;
	w->active_head[e->key.type] = i;
}

static void active_unlink(struct brk_warn *w, uint32_t i)
{
	struct brk_warn_entry *e = &w->pool[i];

	if (e->prev_ != NONE)
		w->pool[e->prev_].next_ = e->next_;
	else
		w->active_head[e->key.type] = e->next_;
	if (e->next_ != NONE)
		w->pool[e->next_].prev_ = e->prev_;
}

/* Removes entry i from every list and index.  Its next_ and tnext_ are
 * left as they were, so that an iteration that cleared it goes on. */
static void remove_entry(struct brk_warn *w, uint32_t i)
{
	struct brk_warn_entry *e = &w->pool[i];

	active_unlink(w, i);
	target_unlink(w, i);
	e->free_next_ = w->free_head;
	w->free_head = i;
	w->stats.active[e->key.type]--;
	w->stats.active_total--;
}

/* The slot in targets of target's warnings, or BRK__KTAB_EMPTY. */
static uint32_t target_slot(struct brk_warn *w, const uint8_t *target)
{
	uint64_t h;

	if (w->cache_ok && memcmp(w->cache_id, target, V2X_ID_LEN) == 0)
		return w->cache_t;
	h = brk__ktab_hash(target, V2X_ID_LEN);
	w->cache_t =
	        *tfilter_at(w, h) == 0 ? BRK__KTAB_EMPTY : brk__ktab_find(&w->by_target, h, target);
	memcpy(w->cache_id, target, V2X_ID_LEN);
	w->cache_ok = true;
	return w->cache_t;
}

/* The pool slot of key's entry, or NONE.  A vehicle holds a few
 * warnings, and the applications ask about one vehicle after another:
 * its list, found through the one-entry cache, beats probing a table of
 * every key (which would miss the cache at 10,000 vehicles). */
static uint32_t find_slot(struct brk_warn *w, const struct brk_warn_key *key)
{
	uint32_t t = target_slot(w, key->target);

	for (uint32_t i = t == BRK__KTAB_EMPTY ? NONE : w->targets[t].first; i != NONE;
	     i = w->pool[i].tnext_)
		if (key_same(&w->pool[i].key, key))
			return i;
	return NONE;
}

/* ---- raise ------------------------------------------------------------- */

static bool spec_valid(const struct brk_warn_spec *s)
{
	return s->key.type > V2X__WIRE__WARNING_TYPE__WARNING_TYPE_UNSPECIFIED &&
	       (int)s->key.type < BRK_WARN_TYPES &&
	       s->severity > V2X__WIRE__SEVERITY__SEVERITY_UNSPECIFIED &&
	       s->severity <= V2X__WIRE__SEVERITY__SEVERITY_CRITICAL &&
	       s->n_sources <= BRK_WARN_SOURCES_MAX &&
	       s->key.subject.kind <= BRK_WARN_SUBJECT_SIGNAL;
}

static int64_t spec_expiry(const struct brk_warn *w, const struct brk_warn_spec *s, int64_t now_us)
{
	if (s->expiry_us)
		return s->expiry_us;
	return now_us + (s->ttl_us ? s->ttl_us : w->cfg.default_ttl_us);
}

/* Whether a number moved by more than max(abs, rel * |sent|), or became
 * known or unknown. */
static bool num_changed(double sent, double cur, double abs_tol, double rel_tol)
{
	if (isnan(sent) || isnan(cur))
		return isnan(sent) != isnan(cur);
	return fabs(cur - sent) > fmax(abs_tol, rel_tol * fabs(sent));
}

static bool moved(const struct brk_warn_entry *e, const struct brk_warn_spec *s, double tol_m)
{
	double dy, dx;

	if (isnan(e->lat_deg) || isnan(s->lat_deg))
		return isnan(e->lat_deg) != isnan(s->lat_deg);
	dy = (s->lat_deg - e->lat_deg) * M_PER_DEG;
	dx = (s->lon_deg - e->lon_deg) * M_PER_DEG * cos(e->lat_deg * M_PI / 180);
	return hypot(dx, dy) > tol_m;
}

static bool material(const struct brk_warn *w, const struct brk_warn_entry *e,
                     const struct brk_warn_spec *s, int64_t expiry_us, int64_t now_us)
{
	const struct brk_warn_cfg *c = &w->cfg;

	return s->severity != e->severity ||
	       num_changed(e->distance_m, s->distance_m, c->distance_abs_m, c->distance_rel) ||
	       num_changed(e->time_to_event_s, s->time_to_event_s, c->tte_abs_s, c->tte_rel) ||
	       num_changed(e->advisory_speed_mps, s->advisory_speed_mps, c->speed_abs_mps, 0) ||
	       moved(e, s, c->position_m) ||
	       (expiry_us > e->emitted_expiry_us &&
	        e->emitted_expiry_us - now_us <= c->expiry_margin_us);
}

/* Records what is about to be emitted, for the next comparison. */
static void record_sent(struct brk_warn_entry *e, const struct brk_warn_spec *s, int64_t expiry_us,
                        int64_t now_us)
{
	e->severity = s->severity;
	e->distance_m = s->distance_m;
	e->time_to_event_s = s->time_to_event_s;
	e->advisory_speed_mps = s->advisory_speed_mps;
	e->lat_deg = s->lat_deg;
	e->lon_deg = s->lon_deg;
	e->emitted_expiry_us = expiry_us;
	e->emitted_us = now_us;
}

static int issue(struct brk_warn *w, const struct brk_warn_spec *s, int64_t expiry_us,
                 int64_t now_us)
{
	uint32_t i = w->free_head;
	struct brk_warn_entry *e;

	if (i == NONE) {
		w->stats.refused++;
		return V2X_ETOO_BIG;
	}
	e = &w->pool[i];
	w->free_head = e->free_next_;
	memset(e, 0, sizeof(*e));
	e->key = s->key;
	e->warning_id = w->next_id++;
	e->issued_us = e->raised_us = now_us;
	e->expiry_us = expiry_us;
	e->raise_seq = ++w->seq;
	record_sent(e, s, expiry_us, now_us);
	active_link(w, i);
	target_link(w, i);
	w->stats.active[s->key.type]++;
	w->stats.active_total++;
	w->stats.issued[s->key.type]++;
	brk__warn_emit_warning(w, e, s, true, now_us);
	return BRK_WARN_ISSUED;
}

int brk_warn_raise(struct brk_warn *w, const struct brk_warn_spec *spec, int64_t now_us)
{
	int64_t expiry_us = spec_expiry(w, spec, now_us);
	uint32_t i;
	struct brk_warn_entry *e;

	w->stats.raises++;
	if (!spec_valid(spec) || expiry_us <= now_us) {
		w->stats.invalid++;
		return V2X_EINVAL;
	}
	i = find_slot(w, &spec->key);
	if (i == NONE)
		return issue(w, spec, expiry_us, now_us);
	e = &w->pool[i];
	e->raised_us = now_us;
	e->expiry_us = expiry_us;
	e->raise_seq = ++w->seq;
	if (!material(w, e, spec, expiry_us, now_us)) {
		w->stats.suppressed[spec->key.type]++;
		return BRK_WARN_REFRESHED;
	}
	e->revision++;
	record_sent(e, spec, expiry_us, now_us);
	w->stats.updated[spec->key.type]++;
	brk__warn_emit_warning(w, e, spec, false, now_us);
	return BRK_WARN_UPDATED;
}

/* ---- ends -------------------------------------------------------------- */

/* Emits the end of entry i and removes it.  expired: no reason. */
static void end_entry(struct brk_warn *w, uint32_t i, V2x__Wire__CancelReason reason, bool expired,
                      int64_t now_us)
{
	struct brk_warn_entry *e = &w->pool[i];
	uint64_t id = e->warning_id;

	if (expired) {
		w->stats.expired[e->key.type]++;
	} else {
		w->stats.cancelled[e->key.type]++;
		w->stats.by_reason[reason]++;
	}
	remove_entry(w, i);
	brk__warn_emit_cancel(w, id, reason, expired, now_us);
}

static bool reason_valid(V2x__Wire__CancelReason r)
{
	return r > V2X__WIRE__CANCEL_REASON__CANCEL_REASON_UNSPECIFIED && (int)r < BRK_WARN_REASONS;
}

int brk_warn_clear(struct brk_warn *w, const struct brk_warn_key *key,
                   V2x__Wire__CancelReason reason, int64_t now_us)
{
	uint32_t i;

	if (!reason_valid(reason))
		return V2X_EINVAL;
	i = find_slot(w, key);
	if (i == NONE) {
		w->stats.clear_unknown++;
		return V2X_ENOTFOUND;
	}
	end_entry(w, i, reason, false, now_us);
	return 0;
}

size_t brk_warn_clear_all(struct brk_warn *w, V2x__Wire__CancelReason reason, int64_t now_us)
{
	size_t n = 0;

	if (!reason_valid(reason))
		return 0;
	for (size_t t = 0; t < BRK_WARN_TYPES; t++)
		while (w->active_head[t] != NONE) {
			end_entry(w, w->active_head[t], reason, false, now_us);
			n++;
		}
	return n;
}

/* Ends the warnings of one type's list that expired or were not raised
 * again in time. */
static size_t tick_type(struct brk_warn *w, size_t type, int64_t now_us)
{
	uint32_t i = w->active_head[type];
	size_t n = 0;

	while (i != NONE) {
		const struct brk_warn_entry *e = &w->pool[i];
		uint32_t next = e->next_;
		if (now_us > e->expiry_us) {
			end_entry(w, i, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_UNSPECIFIED, true,
			          now_us);
			n++;
		} else if (now_us - e->raised_us > w->cfg.confirm_timeout_us) {
			end_entry(w, i, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST, false,
			          now_us);
			n++;
		}
		i = next;
	}
	return n;
}

size_t brk_warn_tick(struct brk_warn *w, int64_t now_us)
{
	size_t n = 0;

	for (size_t t = 0; t < BRK_WARN_TYPES; t++)
		n += tick_type(w, t, now_us);
	return n;
}

/* ---- lookups ----------------------------------------------------------- */

const struct brk_warn_entry *brk_warn_find(struct brk_warn *w, const struct brk_warn_key *key)
{
	uint32_t i = find_slot(w, key);

	return i == NONE ? NULL : &w->pool[i];
}

const struct brk_warn_entry *brk_warn_next(const struct brk_warn *w,
                                           const struct brk_warn_entry *prev)
{
	uint32_t i = prev ? prev->next_ : NONE;
	size_t t = prev ? (size_t)prev->key.type + 1 : 0;

	/* Past the end of one type's list: the next type's. */
	for (; i == NONE && t < BRK_WARN_TYPES; t++)
		i = w->active_head[t];
	return i == NONE ? NULL : &w->pool[i];
}

const struct brk_warn_entry *brk_warn_next_of_type(const struct brk_warn *w,
                                                   V2x__Wire__WarningType type,
                                                   const struct brk_warn_entry *prev)
{
	uint32_t i;

	if (prev)
		i = prev->next_;
	else
		i = (int)type > 0 && (int)type < BRK_WARN_TYPES ? w->active_head[type] : NONE;
	return i == NONE ? NULL : &w->pool[i];
}

const struct brk_warn_entry *brk_warn_next_for_target(struct brk_warn *w, const uint8_t *target,
                                                      const struct brk_warn_entry *prev)
{
	uint32_t i;

	if (prev) {
		i = prev->tnext_;
	} else {
		uint32_t t = target_slot(w, target);
		i = t == BRK__KTAB_EMPTY ? NONE : w->targets[t].first;
	}
	return i == NONE ? NULL : &w->pool[i];
}

uint64_t brk_warn_raises(const struct brk_warn *w)
{
	return w->seq;
}

const struct brk_warn_stats *brk_warn_stats(const struct brk_warn *w)
{
	return &w->stats;
}
