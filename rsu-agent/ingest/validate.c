#include "rsu-agent/ingest/validate.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE_MS     60000
#define DAY_MS        86400000LL
#define DSECOND_LEAP  60000 /* first DSecond of a leap second */
#define DUP_SLOTS_MIN 64
#define DUP_SLOTS_MAX (1u << 24)
/* A window longer than a day is a configuration mistake, and its µs would
 * overflow in the expiry test long before int64's ms do. */
#define DUP_WINDOW_MAX DAY_MS

/* What identifies one message for the duplicate table (validate.h). */
struct dup_key {
	uint64_t sender;
	uint64_t rsu;
	int64_t time; /* minute of the year * 65536 + DSecond; -1 / 65535 when absent */
	uint8_t type;
	uint8_t msg_cnt;
};

struct dup_entry {
	struct dup_key key;
	int64_t rx_us; /* when the message was received */
	bool used;     /* ever filled: an unused slot ends a probe */
};

struct agent_validate {
	struct agent_validate_config cfg;
	struct agent_validate_stats stats;
	size_t mask; /* dup_slots - 1 */
	struct dup_entry *slots;
};

/* One handler per message type: its position, motion and time checks, and
 * its key for the duplicate table. */
struct type_ops {
	enum agent_validate_cause (*check)(const struct agent_validate *v, const struct v2x_msg *m,
	                                   int64_t rx_us);
	void (*key)(const struct v2x_msg *m, uint64_t rsu_key, struct dup_key *k);
};

static const char *const cause_names[AGENT_VALIDATE_CAUSE_COUNT] = {
	"ok",    "out_of_bounds", "no_position", "implausible_speed", "implausible_accel",
	"stale", "future",        "duplicate",
};

const char *agent_validate_cause_name(enum agent_validate_cause cause)
{
	if ((unsigned)cause >= AGENT_VALIDATE_CAUSE_COUNT)
		return "?";
	return cause_names[cause];
}

void agent_validate_config_default(struct agent_validate_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->south_deg = -90;
	cfg->west_deg = -180;
	cfg->north_deg = 90;
	cfg->east_deg = 180;
	cfg->max_speed_mps = AGENT_VALIDATE_DEFAULT_MAX_SPEED;
	cfg->max_accel_mps2 = AGENT_VALIDATE_DEFAULT_MAX_ACCEL;
	cfg->max_age_ms = AGENT_VALIDATE_DEFAULT_MAX_AGE;
	cfg->max_future_ms = AGENT_VALIDATE_DEFAULT_MAX_FUTURE;
	cfg->max_age_moy_ms = AGENT_VALIDATE_DEFAULT_MAX_AGE_MOY;
	cfg->dup_window_ms = AGENT_VALIDATE_DEFAULT_DUP_WINDOW;
	cfg->dup_slots = AGENT_VALIDATE_DEFAULT_DUP_SLOTS;
}

static bool box_ok(const struct agent_validate_config *c)
{
	/* Written so that a NaN fails every comparison and so the check. */
	return c->south_deg >= -90 && c->north_deg <= 90 && c->south_deg <= c->north_deg &&
	       c->west_deg >= -180 && c->east_deg <= 180 && c->west_deg <= c->east_deg;
}

static int config_check(const struct agent_validate_config *c)
{
	if (!box_ok(c) || !(c->max_speed_mps >= 0) || !(c->max_accel_mps2 >= 0))
		return V2X_ECONFIG;
	if (c->max_age_ms < 0 || c->max_future_ms < 0 || c->max_age_moy_ms < 0 ||
	    c->dup_window_ms < 0 || c->dup_window_ms > DUP_WINDOW_MAX ||
	    c->dup_slots > DUP_SLOTS_MAX)
		return V2X_ECONFIG;
	return 0;
}

static size_t round_slots(size_t n)
{
	size_t slots = DUP_SLOTS_MIN;

	while (slots < n)
		slots <<= 1;
	return slots;
}

int agent_validate_new(const struct agent_validate_config *cfg, struct agent_validate **out)
{
	struct agent_validate *v;
	size_t slots;
	int rc = config_check(cfg);

	*out = NULL;
	if (rc)
		return rc;
	v = calloc(1, sizeof(*v));
	if (!v)
		return V2X_ENOMEM;
	v->cfg = *cfg;
	slots = round_slots(cfg->dup_slots);
	v->slots = calloc(slots, sizeof(*v->slots));
	if (!v->slots) {
		free(v);
		return V2X_ENOMEM;
	}
	v->mask = slots - 1;
	v->stats.dup_slots = slots;
	*out = v;
	return 0;
}

void agent_validate_free(struct agent_validate *v)
{
	if (!v)
		return;
	free(v->slots);
	free(v);
}

const struct agent_validate_stats *agent_validate_stats(const struct agent_validate *v)
{
	return &v->stats;
}

/* ---- position and motion ------------------------------------------------ */

static enum agent_validate_cause check_point(const struct agent_validate *v, double lat, double lon)
{
	const struct agent_validate_config *c = &v->cfg;

	if (isnan(lat) || isnan(lon))
		return AGENT_VALIDATE_NO_POSITION;
	if (lat < c->south_deg || lat > c->north_deg || lon < c->west_deg || lon > c->east_deg)
		return AGENT_VALIDATE_OUT_OF_BOUNDS;
	return AGENT_VALIDATE_OK;
}

/* accel may be NULL (an RSM participant without one).  NaN passes: every
 * comparison with it is false. */
static enum agent_validate_cause check_motion(const struct agent_validate *v, double speed_mps,
                                              const struct v2x_accel4 *accel)
{
	double max_a = v->cfg.max_accel_mps2;

	if (v->cfg.max_speed_mps > 0 && speed_mps > v->cfg.max_speed_mps)
		return AGENT_VALIDATE_IMPLAUSIBLE_SPEED;
	if (accel && max_a > 0 && (fabs(accel->lon_mps2) > max_a || fabs(accel->lat_mps2) > max_a))
		return AGENT_VALIDATE_IMPLAUSIBLE_ACCEL;
	return AGENT_VALIDATE_OK;
}

/* ---- time --------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Days from 1970-01-01 to y-01-01 of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil, for January 1st). */
static int64_t days_to_year(int64_t y)
{
	int64_t yy = y - 1; /* January counts in the previous March-based year */
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;
	int64_t doy = 306; /* March 1st to January 1st */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The UTC year that holds ms since the epoch. */
static int64_t year_of(int64_t ms)
{
	int64_t days = floor_div(ms, DAY_MS);
	/* An estimate from the mean year, corrected by at most one either way. */
	int64_t y = 1970 + floor_div(days * 400, 146097);

	while (days_to_year(y) > days)
		y--;
	while (days_to_year(y + 1) <= days)
		y++;
	return y;
}

/* A DSecond as ms within the minute; a leap second reads as the minute's
 * last ms, so that it is never a minute off. */
static int64_t dsecond_ms(double s)
{
	int64_t ms = llround(s * 1000);

	return ms >= DSECOND_LEAP ? DSECOND_LEAP - 1 : ms;
}

static enum agent_validate_cause judge_age(const struct agent_validate *v, int64_t age_ms,
                                           int64_t max_age_ms)
{
	if (max_age_ms > 0 && age_ms > max_age_ms)
		return AGENT_VALIDATE_STALE;
	if (v->cfg.max_future_ms > 0 && -age_ms > v->cfg.max_future_ms)
		return AGENT_VALIDATE_FUTURE;
	return AGENT_VALIDATE_OK;
}

/* A DSecond alone: its age on the circle of a minute, in -30 s..30 s. */
static enum agent_validate_cause check_dsecond(const struct agent_validate *v, double s,
                                               int64_t rx_us)
{
	int64_t rx_in_minute = floor_mod(floor_div(rx_us, 1000), MINUTE_MS);
	int64_t age;

	if (isnan(s))
		return AGENT_VALIDATE_OK;
	age = floor_mod(rx_in_minute - dsecond_ms(s) + MINUTE_MS / 2, MINUTE_MS) - MINUTE_MS / 2;
	return judge_age(v, age, v->cfg.max_age_ms);
}

/* ms since the epoch of moy_s (+ offset_ms) in whichever of the receive
 * time's year and its neighbours puts it nearest the receive time. */
static int64_t moy_time_ms(double moy_s, int64_t offset_ms, int64_t rx_ms)
{
	int64_t year = year_of(rx_ms);
	int64_t in_year = llround(moy_s * 1000) + offset_ms;
	int64_t best = 0;

	for (int64_t y = year - 1; y <= year + 1; y++) {
		int64_t t = days_to_year(y) * DAY_MS + in_year;
		if (y == year - 1 || llabs(rx_ms - t) < llabs(rx_ms - best))
			best = t;
	}
	return best;
}

/* MinuteOfTheYear and DSecond together, either, or neither (validate.h). */
static enum agent_validate_cause check_moy(const struct agent_validate *v, double moy_s,
                                           double ds_s, int64_t rx_us)
{
	int64_t rx_ms = floor_div(rx_us, 1000);

	if (isnan(moy_s))
		return check_dsecond(v, ds_s, rx_us);
	if (isnan(ds_s))
		return judge_age(v, rx_ms - moy_time_ms(moy_s, 0, rx_ms), v->cfg.max_age_moy_ms);
	return judge_age(v, rx_ms - moy_time_ms(moy_s, dsecond_ms(ds_s), rx_ms), v->cfg.max_age_ms);
}

/* ---- per type ----------------------------------------------------------- */

static enum agent_validate_cause check_bsm(const struct agent_validate *v, const struct v2x_msg *m,
                                           int64_t rx_us)
{
	const struct v2x_bsm *b = &m->u.bsm;
	enum agent_validate_cause c = check_point(v, b->pos.lat_deg, b->pos.lon_deg);

	if (c == AGENT_VALIDATE_OK)
		c = check_motion(v, b->speed_mps, &b->accel);
	if (c == AGENT_VALIDATE_OK)
		c = check_dsecond(v, b->sec_mark_s, rx_us);
	return c;
}

static enum agent_validate_cause check_participant(const struct agent_validate *v,
                                                   const struct v2x_participant *p, int64_t rx_us)
{
	enum agent_validate_cause c = check_point(v, p->pos.lat_deg, p->pos.lon_deg);

	if (c == AGENT_VALIDATE_OK)
		c = check_motion(v, p->speed_mps, p->has_accel ? &p->accel : NULL);
	if (c == AGENT_VALIDATE_OK)
		c = check_dsecond(v, p->sec_mark_s, rx_us);
	return c;
}

static enum agent_validate_cause check_rsm(const struct agent_validate *v, const struct v2x_msg *m,
                                           int64_t rx_us)
{
	const struct v2x_rsm *r = &m->u.rsm;
	enum agent_validate_cause c = check_point(v, r->ref_pos.lat_deg, r->ref_pos.lon_deg);

	for (size_t i = 0; c == AGENT_VALIDATE_OK && i < r->n_participants; i++)
		c = check_participant(v, &r->participants[i], rx_us);
	return c;
}

static enum agent_validate_cause check_rsi(const struct agent_validate *v, const struct v2x_msg *m,
                                           int64_t rx_us)
{
	const struct v2x_rsi *r = &m->u.rsi;
	enum agent_validate_cause c = check_point(v, r->ref_pos.lat_deg, r->ref_pos.lon_deg);

	if (c == AGENT_VALIDATE_OK && r->has_moy)
		c = check_moy(v, r->moy_s, NAN, rx_us);
	return c;
}

static enum agent_validate_cause check_map(const struct agent_validate *v, const struct v2x_msg *m,
                                           int64_t rx_us)
{
	const struct v2x_map *map = &m->u.map;
	enum agent_validate_cause c = AGENT_VALIDATE_OK;

	for (size_t i = 0; c == AGENT_VALIDATE_OK && i < map->n_nodes; i++)
		c = check_point(v, map->nodes[i].ref_pos.lat_deg, map->nodes[i].ref_pos.lon_deg);
	if (c == AGENT_VALIDATE_OK && map->has_timestamp)
		c = check_moy(v, map->timestamp_moy_s, NAN, rx_us);
	return c;
}

/* SPAT's time is at the message, or else at each intersection. */
static enum agent_validate_cause check_spat(const struct agent_validate *v, const struct v2x_msg *m,
                                            int64_t rx_us)
{
	const struct v2x_spat *s = &m->u.spat;
	enum agent_validate_cause c = AGENT_VALIDATE_OK;

	if (s->has_moy || s->has_timestamp)
		return check_moy(v, s->has_moy ? s->moy_s : NAN,
		                 s->has_timestamp ? s->timestamp_s : NAN, rx_us);
	for (size_t i = 0; c == AGENT_VALIDATE_OK && i < s->n_intersections; i++) {
		const struct v2x_intersection_state *x = &s->intersections[i];
		c = check_moy(v, x->has_moy ? x->moy_s : NAN,
		              x->has_timestamp ? x->timestamp_s : NAN, rx_us);
	}
	return c;
}

/* ---- duplicate keys ----------------------------------------------------- */

static int64_t time_key(double moy_s, double ds_s)
{
	int64_t minute = isnan(moy_s) ? -1 : llround(moy_s / 60);
	int64_t ms = isnan(ds_s) ? 0xffff : llround(ds_s * 1000);

	return minute * 65536 + ms;
}

static uint64_t id_key(const uint8_t id[V2X_ID_LEN])
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

static uint64_t node_key(const struct v2x_node_ref *ref)
{
	return (uint64_t)ref->has_region << 32 | (uint64_t)ref->region << 16 | ref->id;
}

static void key_bsm(const struct v2x_msg *m, uint64_t rsu_key, struct dup_key *k)
{
	(void)rsu_key;
	k->sender = id_key(m->u.bsm.id);
	k->msg_cnt = m->u.bsm.msg_cnt;
	k->time = time_key(NAN, m->u.bsm.sec_mark_s);
}

static void key_rsm(const struct v2x_msg *m, uint64_t rsu_key, struct dup_key *k)
{
	const struct v2x_rsm *r = &m->u.rsm;

	(void)rsu_key;
	k->sender = id_key(r->id);
	k->msg_cnt = r->msg_cnt;
	k->time = time_key(NAN, r->n_participants ? r->participants[0].sec_mark_s : NAN);
}

static void key_rsi(const struct v2x_msg *m, uint64_t rsu_key, struct dup_key *k)
{
	(void)rsu_key;
	k->sender = id_key(m->u.rsi.id);
	k->msg_cnt = m->u.rsi.msg_cnt;
	k->time = time_key(m->u.rsi.has_moy ? m->u.rsi.moy_s : NAN, NAN);
}

static void key_map(const struct v2x_msg *m, uint64_t rsu_key, struct dup_key *k)
{
	const struct v2x_map *map = &m->u.map;

	k->sender = map->n_nodes ? node_key(&map->nodes[0].id) : 0;
	k->rsu = rsu_key;
	k->msg_cnt = map->msg_cnt;
	k->time = time_key(map->has_timestamp ? map->timestamp_moy_s : NAN, NAN);
}

static void key_spat(const struct v2x_msg *m, uint64_t rsu_key, struct dup_key *k)
{
	const struct v2x_spat *s = &m->u.spat;
	const struct v2x_intersection_state *x = s->n_intersections ? &s->intersections[0] : NULL;
	bool own = s->has_moy || s->has_timestamp || !x;

	k->sender = x ? node_key(&x->id) : 0;
	k->rsu = rsu_key;
	k->msg_cnt = s->msg_cnt;
	if (own)
		k->time = time_key(s->has_moy ? s->moy_s : NAN,
		                   s->has_timestamp ? s->timestamp_s : NAN);
	else
		k->time = time_key(x->has_moy ? x->moy_s : NAN,
		                   x->has_timestamp ? x->timestamp_s : NAN);
}

static const struct type_ops type_ops[V2X_MSG_TYPE_COUNT] = {
	[V2X_MSG_BSM] = { check_bsm, key_bsm }, [V2X_MSG_MAP] = { check_map, key_map },
	[V2X_MSG_RSM] = { check_rsm, key_rsm }, [V2X_MSG_SPAT] = { check_spat, key_spat },
	[V2X_MSG_RSI] = { check_rsi, key_rsi },
};

/* ---- the duplicate table ------------------------------------------------ */

/* splitmix64's finaliser over the key's fields. */
static uint64_t key_hash(const struct dup_key *k)
{
	uint64_t h = k->sender * 0x9e3779b97f4a7c15u;

	h ^= k->rsu * 0xc2b2ae3d27d4eb4fu;
	h ^= (uint64_t)k->time * 0x165667b19e3779f9u;
	h ^= ((uint64_t)k->type << 8 | k->msg_cnt) * 0x27d4eb2f165667c5u;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

static bool key_eq(const struct dup_key *a, const struct dup_key *b)
{
	return a->sender == b->sender && a->rsu == b->rsu && a->time == b->time &&
	       a->type == b->type && a->msg_cnt == b->msg_cnt;
}

/* An entry outside the window either way (a replay may go back in time). */
static bool expired(const struct agent_validate *v, const struct dup_entry *e, int64_t rx_us)
{
	int64_t window_us = v->cfg.dup_window_ms * 1000;

	return rx_us - e->rx_us > window_us || e->rx_us - rx_us > window_us;
}

/*
 * Looks k up within the probe of its home slot.  Returns the duplicate
 * verdict, or OK with *slot set to where k goes: the first unused or
 * expired slot, else the oldest entry of the probe.  An unused slot ends
 * the probe, since slots are never emptied again: nothing inserted later
 * can lie beyond it.
 */
static enum agent_validate_cause dup_find(struct agent_validate *v, const struct dup_key *k,
                                          int64_t rx_us, struct dup_entry **slot)
{
	size_t home = (size_t)key_hash(k) & v->mask;
	struct dup_entry *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < AGENT_VALIDATE_PROBE; i++) {
		struct dup_entry *e = &v->slots[(home + i) & v->mask];

		if (!e->used) {
			free_slot = free_slot ? free_slot : e;
			break;
		}
		if (expired(v, e, rx_us)) {
			free_slot = free_slot ? free_slot : e;
			continue;
		}
		if (key_eq(&e->key, k))
			return AGENT_VALIDATE_DUPLICATE;
		if (!oldest || e->rx_us < oldest->rx_us)
			oldest = e;
	}
	*slot = free_slot ? free_slot : oldest;
	return AGENT_VALIDATE_OK;
}

static enum agent_validate_cause dup_check(struct agent_validate *v, const struct dup_key *k,
                                           int64_t rx_us)
{
	struct dup_entry *slot = NULL;
	enum agent_validate_cause c = dup_find(v, k, rx_us, &slot);

	if (c != AGENT_VALIDATE_OK)
		return c;
	if (slot->used && expired(v, slot, rx_us))
		v->stats.dup_reused++;
	else if (slot->used)
		v->stats.dup_evicted++;
	slot->key = *k;
	slot->rx_us = rx_us;
	slot->used = true;
	v->stats.dup_entered++;
	return AGENT_VALIDATE_OK;
}

enum agent_validate_cause agent_validate_check(struct agent_validate *v, const struct v2x_msg *msg,
                                               uint64_t rsu_key, int64_t rx_wall_us)
{
	const struct type_ops *ops;
	enum agent_validate_cause c;
	struct dup_key k;

	if ((unsigned)msg->type >= V2X_MSG_TYPE_COUNT || !type_ops[msg->type].check)
		return AGENT_VALIDATE_OK;
	ops = &type_ops[msg->type];
	c = ops->check(v, msg, rx_wall_us);
	if (c != AGENT_VALIDATE_OK || v->cfg.dup_window_ms == 0)
		return c;
	memset(&k, 0, sizeof(k));
	k.type = (uint8_t)msg->type;
	ops->key(msg, rsu_key, &k);
	return dup_check(v, &k, rx_wall_us);
}
