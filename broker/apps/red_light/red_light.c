/*
 * red_light: red-light violation warning (red_light.h).
 */
#include "broker/apps/red_light/red_light.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_RED_LIGHT_VIOLATION

/* The last SPAT heard for an intersection, named as a warning's source. */
struct spat_src {
	bool used;
	uint16_t region, node;
	uint64_t seq;
	char rsu_id[BRK_WARN_RSU_ID_MAX + 1];
};

struct rl {
	struct brk_red_light_cfg cfg;
	struct brk_red_light_stats stats;
	size_t src_next; /* the slot a new intersection takes when all are used */
	struct spat_src src[BRK_RED_LIGHT_SOURCES_MAX];
};

/* The stop line ahead and the movements it controls. */
struct approach {
	const struct map_stop_line *sl;
	double d; /* m along the lanes to the line */
	struct map_intersection ix;
	bool unsignalised; /* a movement without a signal */
	size_t n_groups;
	uint8_t groups[BRK_RED_LIGHT_GROUPS_MAX];
	uint8_t phase; /* the warning's subject */
};

/* What one BSM's look at its stop line found. */
enum outcome {
	OUT_NONE,      /* no stop line to judge, or it can stop: nothing */
	OUT_LOST,      /* a movement's signal state is missing or stale */
	OUT_SAFE,      /* some movement is not violated */
	OUT_VIOLATION, /* every movement violated */
};

/* ---- configuration ----------------------------------------------------- */

static const struct brk_app_param params[] = {
	{ "reaction_s", offsetof(struct brk_red_light_cfg, reaction_s), "s",
	  BRK_RED_LIGHT_DEFAULT_REACTION_S, "perception-reaction time before braking" },
	{ "decel_mps2", offsetof(struct brk_red_light_cfg, decel_mps2), "m/s2",
	  BRK_RED_LIGHT_DEFAULT_DECEL_MPS2, "comfortable deceleration on the level" },
	{ "yellow_s", offsetof(struct brk_red_light_cfg, yellow_s), "s",
	  BRK_RED_LIGHT_DEFAULT_YELLOW_S, "yellow duration after a green ends" },
	{ "length_m", offsetof(struct brk_red_light_cfg, length_m), "m",
	  BRK_RED_LIGHT_DEFAULT_LENGTH_M, "vehicle length when the BSM gives none" },
	{ "fresh_s", offsetof(struct brk_red_light_cfg, fresh_s), "s",
	  BRK_RED_LIGHT_DEFAULT_FRESH_S, "signal states older than this are not trusted" },
	{ "braking_mps2", offsetof(struct brk_red_light_cfg, braking_mps2), "m/s2",
	  BRK_RED_LIGHT_DEFAULT_BRAKING_MPS2, "deceleration from which a vehicle is braking" },
	{ "min_speed_mps", offsetof(struct brk_red_light_cfg, min_speed_mps), "m/s",
	  BRK_RED_LIGHT_DEFAULT_MIN_SPEED_MPS, "below this speed a vehicle is stopped" },
};

static int rl_init(const void *cfg, void **state, char *err, size_t errlen)
{
	struct rl *st;
	struct brk_red_light_cfg c = { 0 };

	if (cfg)
		c = *(const struct brk_red_light_cfg *)cfg;
	brk_app_params_default(params, sizeof(params) / sizeof(params[0]), &c);
	if (!(c.reaction_s > 0 && c.decel_mps2 > 0 && c.yellow_s > 0 && c.length_m > 0 &&
	      c.fresh_s > 0 && c.braking_mps2 > 0 && c.min_speed_mps > 0)) {
		snprintf(err, errlen,
		         "reaction_s, decel_mps2, yellow_s, length_m, fresh_s, braking_mps2 and "
		         "min_speed_mps must be positive");
		return V2X_ECONFIG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return V2X_ENOMEM;
	st->cfg = c;
	*state = st;
	return 0;
}

static void rl_fini(void *state)
{
	free(state);
}

const struct brk_red_light_stats *brk_red_light_stats(const void *state)
{
	return &((const struct rl *)state)->stats;
}

/* ---- SPAT sources ------------------------------------------------------ */

static struct spat_src *src_find(struct rl *st, uint16_t region, uint16_t node)
{
	for (size_t i = 0; i < BRK_RED_LIGHT_SOURCES_MAX; i++)
		if (st->src[i].used && st->src[i].region == region && st->src[i].node == node)
			return &st->src[i];
	return NULL;
}

/* Remembers ev as the last SPAT heard for each intersection it names. */
static void remember_spat(struct rl *st, const struct brk_app_event *ev)
{
	const struct v2x_spat *sp = &ev->msg->u.spat;

	st->stats.spats++;
	for (size_t i = 0; i < sp->n_intersections; i++) {
		const struct v2x_node_ref *id = &sp->intersections[i].id;
		uint16_t region = id->has_region ? id->region : 0;
		struct spat_src *s = src_find(st, region, id->id);

		if (!s) {
			s = &st->src[st->src_next];
			st->src_next = (st->src_next + 1) % BRK_RED_LIGHT_SOURCES_MAX;
		}
		*s = (struct spat_src){
			.used = true, .region = region, .node = id->id, .seq = ev->seq
		};
		snprintf(s->rsu_id, sizeof(s->rsu_id), "%s", ev->rsu_id ? ev->rsu_id : "");
	}
}

/* ---- the stop line ahead ----------------------------------------------- */

/*
 * The first stop line on branch 0 and its distance; false when there is
 * none or a fork comes before it (features of branches > 0 begin at their
 * fork, so the nearest of them is where the first fork lies).
 */
static bool find_stop_line(struct rl *st, const struct brk_ahead *a, struct approach *ap)
{
	double fork_m = INFINITY;

	ap->sl = NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct map_index_feature *f = &a->f[i];
		if (f->at.branch != 0)
			fork_m = fmin(fork_m, f->at.dist_m);
		else if (f->kind == MAP_INDEX_STOP_LINE && !ap->sl) {
			ap->sl = f->u.stop_line;
			ap->d = f->at.dist_m;
		}
	}
	if (!ap->sl)
		return false;
	st->stats.stop_lines++;
	if (ap->d > fork_m) {
		st->stats.behind_fork++;
		return false;
	}
	return true;
}

static void add_group(struct rl *st, struct approach *ap, int32_t group)
{
	if (group < 0 || group > UINT8_MAX) {
		ap->unsignalised = true;
		return;
	}
	for (size_t i = 0; i < ap->n_groups; i++)
		if (ap->groups[i] == group)
			return;
	if (ap->n_groups == BRK_RED_LIGHT_GROUPS_MAX) {
		st->stats.groups_dropped++;
		return;
	}
	ap->groups[ap->n_groups++] = (uint8_t)group;
}

/* The signal groups of the movements from the stop line's lane (see the
 * header); false when the line belongs to no intersection of the map. */
static bool movements(struct rl *st, const struct map_index *map, struct approach *ap)
{
	const struct map_stop_line *sl = ap->sl;
	const struct map_index_link *links = NULL;
	size_t n = 0, used = 0;

	ap->n_groups = 0;
	ap->unsignalised = false;
	if (sl->intersection_id == 0 ||
	    map_index_intersection(map, sl->intersection_id, &ap->ix) < 0)
		return false;
	if (map_index_links(map, sl->lane_id, true, &links, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++)
		if (links[i].intersection_id == sl->intersection_id) {
			add_group(st, ap, links[i].signal_group);
			used++;
		}
	if (!used)
		add_group(st, ap, sl->signal_group);
	/* The smallest: the same subject for every BSM of the approach. */
	ap->phase = UINT8_MAX;
	for (size_t i = 0; i < ap->n_groups; i++)
		if (ap->groups[i] < ap->phase)
			ap->phase = ap->groups[i];
	return true;
}

/* ---- physics ----------------------------------------------------------- */

static bool is_braking(const struct brk_red_light_cfg *c, const struct brk_track_state *s)
{
	return (s->brakes.has_pedal && s->brakes.pedal == V2X_PEDAL_ON) ||
	       s->accel.lon_mps2 <= -c->braking_mps2;
}

/* The grade-corrected comfortable deceleration over the d metres from the
 * vehicle's match to the stop line's height z_line. */
static double decel(const struct brk_red_light_cfg *c, const struct map_index *map,
                    const struct brk_track *tr, double d, double z_line)
{
	struct map_sample smp;
	double grade = 0;

	if (map_index_profile_at(map, tr->match.lane_id, tr->match.s, &smp) == 0 &&
	    isfinite(smp.z) && isfinite(z_line))
		grade = (z_line - smp.z) / fmax(d, 1.0);
	grade = fmax(-BRK_RED_LIGHT_GRADE_MAX, fmin(BRK_RED_LIGHT_GRADE_MAX, grade));
	return fmax(c->decel_mps2 + BRK_RED_LIGHT_G * grade, c->decel_mps2 / 4);
}

/* The distance the vehicle needs to stop comfortably (see the header). */
static double stop_distance(const struct brk_red_light_cfg *c, const struct brk_track_state *s,
                            double a)
{
	double v = s->speed_mps;

	if (is_braking(c, s))
		return v * v / (2 * fmax(a, isfinite(s->accel.lon_mps2) ? -s->accel.lon_mps2 : 0));
	return v * c->reaction_s + v * v / (2 * a);
}

/*
 * Whether the vehicle can no longer stop comfortably before ap's line.
 * The grade is looked up only when the steepest downgrade allowed would
 * matter: most vehicles are far from any line.
 */
static bool cannot_stop(const struct brk_red_light_cfg *c, const struct map_index *map,
                        const struct brk_track *tr, const struct approach *ap)
{
	double a_min =
	        fmax(c->decel_mps2 - BRK_RED_LIGHT_G * BRK_RED_LIGHT_GRADE_MAX, c->decel_mps2 / 4);

	if (stop_distance(c, &tr->latest, a_min) <= ap->d)
		return false;
	return stop_distance(c, &tr->latest,
	                     decel(c, map, tr, ap->d, (ap->sl->a.z + ap->sl->b.z) / 2)) > ap->d;
}

/* The end of the current state, s from now; false when the SPAT gave none. */
static bool state_end_s(const struct brk_spat_signal *sig, int64_t now_us, double *out)
{
	const struct brk_spat_timing *t = &sig->timing;

	if (!sig->has_timing || !(t->has_likely_end || t->has_min_end))
		return false;
	*out = fmax(0, (double)((t->has_likely_end ? t->likely_end_us : t->min_end_us) - now_us) /
	                       1e6);
	return true;
}

/*
 * When red begins and ends, s from now (red_end INFINITY: not known to
 * end); false when the state gives no judgement (see the header).
 */
static bool red_window(const struct brk_red_light_cfg *c, const struct brk_spat_signal *sig,
                       int64_t now_us, double *red_start, double *red_end)
{
	double end = 0;
	bool has_end = state_end_s(sig, now_us, &end);

	*red_end = INFINITY;
	switch (sig->light) {
	case V2X_LIGHT_PERMISSIVE_GREEN:
	case V2X_LIGHT_PROTECTED_GREEN:
	case V2X_LIGHT_FLASHING_GREEN:
		*red_start = end + c->yellow_s;
		return has_end;
	case V2X_LIGHT_YELLOW:
		*red_start = end;
		return has_end;
	case V2X_LIGHT_RED:
		*red_start = 0;
		if (has_end)
			*red_end = end;
		return true;
	default:
		return false;
	}
}

/* ---- signals ----------------------------------------------------------- */

/* The state of a group of the approach's node (a SPAT that names no
 * region is filed under region 0), or NULL. */
static const struct brk_spat_signal *signal_of(const struct brk_app_ctx *ctx, uint16_t region,
                                               uint16_t node, uint8_t group)
{
	const struct brk_spat_signal *sig =
	        brk_spat_find(ctx->spat, (struct brk_spat_key){ region, node, group });

	if (!sig && region != 0)
		sig = brk_spat_find(ctx->spat, (struct brk_spat_key){ 0, node, group });
	return sig;
}

static bool fresh(const struct brk_red_light_cfg *c, const struct brk_spat_signal *sig,
                  int64_t now_us)
{
	return sig && (double)(now_us - sig->now_us) <= c->fresh_s * 1e6;
}

/*
 * Judges every movement of ap for a vehicle at speed v and length len:
 * OUT_VIOLATION (*red_now: every light red already), OUT_SAFE or
 * OUT_LOST.
 */
static enum outcome judge(const struct rl *st, const struct brk_app_ctx *ctx,
                          const struct approach *ap, double v, double len, bool *red_now)
{
	double t_front = ap->d / v, t_rear = (ap->d + len) / v;
	bool safe = false;

	*red_now = true;
	if (ap->unsignalised || ap->n_groups == 0)
		return OUT_SAFE;
	for (size_t i = 0; i < ap->n_groups; i++) {
		const struct brk_spat_signal *sig =
		        signal_of(ctx, ap->ix.region, ap->ix.node_id, ap->groups[i]);
		double red_start, red_end;
		if (!fresh(&st->cfg, sig, ctx->now_us))
			return OUT_LOST;
		if (!red_window(&st->cfg, sig, ctx->now_us, &red_start, &red_end) ||
		    t_rear <= red_start || t_front >= red_end)
			safe = true;
		*red_now = *red_now && sig->light == V2X_LIGHT_RED;
	}
	return safe ? OUT_SAFE : OUT_VIOLATION;
}

/* ---- warnings ---------------------------------------------------------- */

static struct brk_warn_key key_of(const struct brk_track *tr, const struct approach *ap)
{
	struct brk_warn_key k = { .type = TYPE };

	memcpy(k.target, tr->id, V2X_ID_LEN);
	k.subject.kind = BRK_WARN_SUBJECT_SIGNAL;
	k.subject.has_region = true;
	k.subject.region = ap->ix.region;
	k.subject.intersection = ap->ix.node_id;
	k.subject.phase_id = ap->phase;
	return k;
}

static void raise_one(struct rl *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                      const struct brk_app_event *ev, const struct approach *ap, bool red_now)
{
	const struct map_stop_line *sl = ap->sl;
	double v = tr->latest.speed_mps;
	const struct spat_src *src = src_find(st, ap->ix.region, ap->ix.node_id);
	struct brk_warn_spec s = {
		.key = key_of(tr, ap),
		.severity = red_now ? V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
		                    : V2X__WIRE__SEVERITY__SEVERITY_WARNING,
		.lat_deg = NAN,
		.lon_deg = NAN,
		.elev_m = (sl->a.z + sl->b.z) / 2,
		.distance_m = ap->d,
		.time_to_event_s = ap->d / v,
		.advisory_speed_mps = NAN,
		.trigger_rx_time_us = ev->rx_time_us,
		.text = red_now ? "Red light ahead: you cannot stop comfortably before the stop "
		                  "line"
		                : "Light turns red before you clear the stop line and you cannot "
		                  "stop comfortably",
		.target_lat_deg = tr->latest.lat_deg,
		.target_lon_deg = tr->latest.lon_deg,
	};

	if (!src)
		src = src_find(st, 0, ap->ix.node_id);
	if (src)
		s.sources[s.n_sources++] = (struct brk_warn_source){ src->rsu_id, src->seq };
	s.sources[s.n_sources++] = (struct brk_warn_source){ ev->rsu_id, ev->seq };
	if (ctx->frame && map_frame_to_wgs84(ctx->frame, (sl->a.x + sl->b.x) / 2,
	                                     (sl->a.y + sl->b.y) / 2, &s.lat_deg, &s.lon_deg) < 0)
		s.lat_deg = s.lon_deg = NAN;
	st->stats.violations++;
	if (brk_warn_raise(ctx->warn, &s, ctx->now_us) < 0)
		st->stats.raise_refused++;
}

static void clear_one(struct rl *st, const struct brk_app_ctx *ctx, const struct brk_warn_key *k,
                      bool lost)
{
	brk_warn_clear(ctx->warn, k,
	               lost ? V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST
	                    : V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED,
	               ctx->now_us);
	if (lost)
		st->stats.lost++;
	else
		st->stats.resolved++;
}

/* Clears the track's red-light warnings not raised since mark. */
static void clear_unseen(struct rl *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                         uint64_t mark, bool lost)
{
	const struct brk_warn_entry *e = brk_warn_next_for_target(ctx->warn, tr->id, NULL);

	for (; e; e = brk_warn_next_for_target(ctx->warn, tr->id, e))
		if (e->key.type == TYPE && e->raise_seq <= mark)
			clear_one(st, ctx, &e->key, lost);
}

/* Looks at the stop line ahead of tr; raises when it is violated. */
static enum outcome look(struct rl *st, const struct brk_app_ctx *ctx, const struct brk_track *tr,
                         const struct brk_app_event *ev)
{
	const struct brk_track_state *s = &tr->latest;
	struct approach ap;
	double len = s->size.length_m > 0 ? s->size.length_m : st->cfg.length_m;
	bool red_now;
	enum outcome out;

	if (!(s->speed_mps >= st->cfg.min_speed_mps) ||
	    !find_stop_line(st, brk_ahead_get(ctx->ahead, ctx->map, tr), &ap))
		return OUT_NONE;
	if (!cannot_stop(&st->cfg, ctx->map, tr, &ap) || !movements(st, ctx->map, &ap))
		return OUT_NONE;
	st->stats.in_zone++;
	if (ap.unsignalised)
		st->stats.unsignalised++;
	out = judge(st, ctx, &ap, s->speed_mps, len, &red_now);
	if (out == OUT_LOST)
		st->stats.no_signal++;
	if (out == OUT_VIOLATION)
		raise_one(st, ctx, tr, ev, &ap, red_now);
	return out;
}

static void rl_observation(void *state, const struct brk_app_ctx *ctx,
                           const struct brk_app_event *ev)
{
	struct rl *st = state;
	const struct brk_track *tr = ev->track;
	uint64_t mark;

	if (ev->type == V2X_MSG_SPAT && ev->msg) {
		remember_spat(st, ev);
		return;
	}
	if (ev->type != V2X_MSG_BSM || !tr || !ctx->map || !ctx->spat || !ctx->ahead)
		return;
	st->stats.bsms++;
	if (!tr->has_match) {
		st->stats.unmatched++;
		return;
	}
	mark = brk_warn_raises(ctx->warn);
	clear_unseen(st, ctx, tr, mark, look(st, ctx, tr, ev) == OUT_LOST);
}

/* Ends the warnings whose signal state is missing or stale. */
static void rl_tick(void *state, const struct brk_app_ctx *ctx)
{
	struct rl *st = state;
	const struct brk_warn_entry *e;

	if (!ctx->spat)
		return;
	for (e = brk_warn_next_of_type(ctx->warn, TYPE, NULL); e;
	     e = brk_warn_next_of_type(ctx->warn, TYPE, e)) {
		const struct brk_warn_subject *sub = &e->key.subject;
		if (e->key.type != TYPE || sub->kind != BRK_WARN_SUBJECT_SIGNAL)
			continue;
		if (!fresh(&st->cfg, signal_of(ctx, sub->region, sub->intersection, sub->phase_id),
		           ctx->now_us))
			clear_one(st, ctx, &e->key, true);
	}
}

const struct brk_app brk_red_light_app = {
	.name = "red_light",
	.init = rl_init,
	.on_observation = rl_observation,
	.on_tick = rl_tick,
	.fini = rl_fini,
	.cfg_size = sizeof(struct brk_red_light_cfg),
	.params = params,
	.n_params = sizeof(params) / sizeof(params[0]),
};
