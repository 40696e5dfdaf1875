/*
 * occupancy: the vehicles along the lanes (occupancy.h).
 */
#include "broker/apps/forward_collision/occupancy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

#define NONE UINT32_MAX

/* A slot of the id hash: the key beside the vehicle's index, so that a
 * probe reads the slots alone, not the vehicles it passes. */
struct occ_slot {
	uint64_t key;
	uint32_t k; /* vehicle index, NONE: empty */
};

struct brk_fc_occ {
	size_t capacity;
	double cell_m;
	struct brk_fc_occ_veh *veh;
	struct occ_slot *slots; /* id hash */
	size_t slot_mask;
	uint32_t *heads; /* (lane, cell) hash: first vehicle of the list or NONE */
	size_t head_mask;
	uint32_t oldest, newest; /* put order */
	uint32_t free_head;
	uint32_t n_used; /* slots ever taken from the never-used tail */
	struct brk_fc_occ_stats stats;
};

/* splitmix64's finaliser: the ids are random octets, the (lane, cell)
 * keys are small consecutive integers that must spread over the table. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t id_key(const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 64;

	while (p < n)
		p <<= 1;
	return p;
}

static size_t cell_bucket(const struct brk_fc_occ *o, uint32_t lane, int64_t cell)
{
	return (size_t)mix(((uint64_t)lane << 32) ^ (uint64_t)(uint32_t)cell) & o->head_mask;
}

/* ---- the table --------------------------------------------------------- */

void brk_fc_occ_clear(struct brk_fc_occ *o)
{
	memset(o->slots, 0xff, (o->slot_mask + 1) * sizeof(*o->slots));
	memset(o->heads, 0xff, (o->head_mask + 1) * sizeof(*o->heads));
	o->oldest = o->newest = o->free_head = NONE;
	o->n_used = 0;
	o->stats.live = o->stats.listed = 0;
}

int brk_fc_occ_new(size_t capacity, double cell_m, struct brk_fc_occ **out)
{
	struct brk_fc_occ *o;

	if (capacity == 0 || capacity > BRK_FC_OCC_CAPACITY_MAX || !(cell_m > 0) ||
	    !isfinite(cell_m))
		return V2X_EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return V2X_ENOMEM;
	o->capacity = capacity;
	o->cell_m = cell_m;
	/* Load factor at most 1/2 for the probing; about one vehicle per
	 * list for the cells. */
	o->slot_mask = pow2_at_least(2 * capacity) - 1;
	o->head_mask = pow2_at_least(capacity) - 1;
	o->veh = calloc(capacity, sizeof(*o->veh));
	o->slots = malloc((o->slot_mask + 1) * sizeof(*o->slots));
	o->heads = malloc((o->head_mask + 1) * sizeof(*o->heads));
	if (!o->veh || !o->slots || !o->heads) {
		brk_fc_occ_free(o);
		return V2X_ENOMEM;
	}
	brk_fc_occ_clear(o);
	*out = o;
	return 0;
}

void brk_fc_occ_free(struct brk_fc_occ *o)
{
	if (!o)
		return;
	free(o->veh);
	free(o->slots);
	free(o->heads);
	free(o);
}

const struct brk_fc_occ_stats *brk_fc_occ_stats(const struct brk_fc_occ *o)
{
	return &o->stats;
}

/* ---- the id hash ------------------------------------------------------- */

/* The slot holding key, or the empty slot where it would go. */
static size_t slot_of(const struct brk_fc_occ *o, uint64_t key)
{
	size_t i = (size_t)mix(key) & o->slot_mask;

	while (o->slots[i].k != NONE && o->slots[i].key != key)
		i = (i + 1) & o->slot_mask;
	return i;
}

/* Empties slot i, moving back the entries after it that probed past it. */
static void slot_delete(struct brk_fc_occ *o, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t home;
		j = (j + 1) & o->slot_mask;
		if (o->slots[j].k == NONE)
			break;
		home = (size_t)mix(o->slots[j].key) & o->slot_mask;
		/* Entry j may fill the hole at i when its home does not lie
		 * cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			o->slots[i] = o->slots[j];
			i = j;
		}
	}
	o->slots[i].k = NONE;
}

const struct brk_fc_occ_veh *brk_fc_occ_find(const struct brk_fc_occ *o, const uint8_t *id)
{
	size_t i = slot_of(o, id_key(id));

	return o->slots[i].k == NONE ? NULL : &o->veh[o->slots[i].k];
}

/* ---- the lists --------------------------------------------------------- */

static void unlist(struct brk_fc_occ *o, uint32_t k)
{
	struct brk_fc_occ_veh *v = &o->veh[k];

	if (v->bucket_ == NONE)
		return;
	if (v->bprev_ != NONE)
		o->veh[v->bprev_].bnext_ = v->bnext_;
	else
		o->heads[v->bucket_] = v->bnext_;
	if (v->bnext_ != NONE)
		o->veh[v->bnext_].bprev_ = v->bprev_;
	v->bucket_ = NONE;
	o->stats.listed--;
}

static void list(struct brk_fc_occ *o, uint32_t k, size_t bucket)
{
	struct brk_fc_occ_veh *v = &o->veh[k];

	v->bucket_ = (uint32_t)bucket;
	v->bprev_ = NONE;
	v->bnext_ = o->heads[bucket];
	if (v->bnext_ != NONE)
		o->veh[v->bnext_].bprev_ = k;
	o->heads[bucket] = k;
	o->stats.listed++;
}

static void age_unlink(struct brk_fc_occ *o, uint32_t k)
{
	struct brk_fc_occ_veh *v = &o->veh[k];

	if (v->aprev_ != NONE)
		o->veh[v->aprev_].anext_ = v->anext_;
	else
		o->oldest = v->anext_;
	if (v->anext_ != NONE)
		o->veh[v->anext_].aprev_ = v->aprev_;
	else
		o->newest = v->aprev_;
}

static void age_append(struct brk_fc_occ *o, uint32_t k)
{
	struct brk_fc_occ_veh *v = &o->veh[k];

	v->aprev_ = o->newest;
	v->anext_ = NONE;
	if (o->newest != NONE)
		o->veh[o->newest].anext_ = k;
	else
		o->oldest = k;
	o->newest = k;
}

/* Removes vehicle k from everything and frees its slot. */
static void drop(struct brk_fc_occ *o, uint32_t k)
{
	unlist(o, k);
	age_unlink(o, k);
	slot_delete(o, slot_of(o, o->veh[k].key_));
	o->veh[k].anext_ = o->free_head;
	o->free_head = k;
	o->stats.live--;
}

/* A slot for a new vehicle: a free one, or the least recently put one's. */
static uint32_t take(struct brk_fc_occ *o)
{
	uint32_t k;

	if (o->free_head == NONE && o->n_used == o->capacity) {
		o->stats.evicted++;
		drop(o, o->oldest);
	}
	if (o->free_head != NONE) {
		k = o->free_head;
		o->free_head = o->veh[k].anext_;
	} else {
		k = o->n_used++;
	}
	return k;
}

/* ---- put, nearest, sweep ----------------------------------------------- */

/* Lists vehicle k where its state puts it. */
static void place(struct brk_fc_occ *o, uint32_t k)
{
	struct brk_fc_occ_veh *v = &o->veh[k];
	int64_t cell;

	if (!v->st.on_lane || !isfinite(v->st.s)) {
		unlist(o, k);
		return;
	}
	cell = (int64_t)floor(v->st.s / o->cell_m);
	if (v->bucket_ != NONE && cell == v->cell_)
		return;
	unlist(o, k);
	v->cell_ = cell;
	list(o, k, cell_bucket(o, v->st.lane_id, cell));
	o->stats.moved++;
}

struct brk_fc_occ_veh *brk_fc_occ_put(struct brk_fc_occ *o, const uint8_t *id,
                                      const struct brk_fc_occ_state *st, int64_t now_us)
{
	uint64_t key = id_key(id);
	size_t i = slot_of(o, key);
	struct brk_fc_occ_veh *v;
	uint32_t k;

	o->stats.puts++;
	if (o->slots[i].k != NONE) {
		k = o->slots[i].k;
		age_unlink(o, k);
		/* A new lane: the cell number alone would not move it. */
		if (o->veh[k].st.lane_id != st->lane_id)
			unlist(o, k);
	} else {
		k = take(o);
		/* An eviction may have moved entries of the probe sequence. */
		i = slot_of(o, key);
		o->slots[i] = (struct occ_slot){ key, k };
		v = &o->veh[k];
		memcpy(v->id, id, V2X_ID_LEN);
		v->key_ = key;
		v->bucket_ = NONE;
		v->mark = 1;
		o->stats.inserted++;
		o->stats.live++;
	}
	v = &o->veh[k];
	v->st = *st;
	v->t_us = now_us;
	age_append(o, k);
	place(o, k);
	return v;
}

/* The vehicle nearest s_from in one cell's list, or NONE. */
static uint32_t nearest_in_cell(const struct brk_fc_occ *o, uint32_t lane, int64_t cell,
                                double s_from, double s_to, int64_t fresh_since_us,
                                const struct brk_fc_occ_veh *self)
{
	uint32_t best = NONE;

	for (uint32_t k = o->heads[cell_bucket(o, lane, cell)]; k != NONE; k = o->veh[k].bnext_) {
		const struct brk_fc_occ_veh *v = &o->veh[k];
		if (v->st.lane_id != lane || v->cell_ != cell || v == self ||
		    v->t_us < fresh_since_us || v->st.s < s_from || v->st.s > s_to)
			continue;
		if (best == NONE || v->st.s < o->veh[best].st.s)
			best = k;
	}
	return best;
}

const struct brk_fc_occ_veh *brk_fc_occ_nearest(const struct brk_fc_occ *o, uint32_t lane,
                                                double s_from, double s_to, int64_t fresh_since_us,
                                                const struct brk_fc_occ_veh *self)
{
	int64_t c0, c1;

	if (!(s_from <= s_to) || !isfinite(s_from) || !isfinite(s_to))
		return NULL;
	c0 = (int64_t)floor(s_from / o->cell_m);
	c1 = (int64_t)floor(s_to / o->cell_m);
	for (int64_t c = c0; c <= c1; c++) {
		uint32_t k = nearest_in_cell(o, lane, c, s_from, s_to, fresh_since_us, self);
		if (k != NONE)
			return &o->veh[k];
	}
	return NULL;
}

size_t brk_fc_occ_sweep(struct brk_fc_occ *o, int64_t stale_before_us, size_t max_n)
{
	size_t n = 0;

	while (n < max_n && o->oldest != NONE && o->veh[o->oldest].t_us < stale_before_us) {
		drop(o, o->oldest);
		n++;
	}
	o->stats.swept += n;
	return n;
}
