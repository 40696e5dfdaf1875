/*
 * rsu_msgs: what the RSUs broadcast themselves: the junction's MAP (1 Hz)
 * and SPAT (10 Hz) from the scenario's fixed-time plan, each RSI event
 * once a second while it is active, and the RSM of each RSU's roadside
 * sensor at 10 Hz.  Each goes to its own RSU's agent.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "maps/mapmsg.h"
#include "runtime/err.h"
#include "sim/radio/radio_int.h"

/* The RSM of a sensor is due 50 ms into each period, between the SPATs. */
#define RSM_PHASE_US 50000

/* An RTE's reference path: from PATH_BEFORE_M before the event to
 * PATH_AFTER_M after it along its lane, a point every PATH_STEP_M at
 * most: the stretch a vehicle drives into it on. */
#define PATH_BEFORE_M 30.0
#define PATH_AFTER_M  10.0
#define PATH_STEP_M   10.0

/* The speed-limit sign's SignType when the scenario gives none (the
 * speed_limit application's default). */
#define SIGN_SPEED_LIMIT 85

#define STATUS_FIXED_TIME (1u << 5) /* IntersectionStatusObject fixedTimeOperation */

/* Stream keys: one per kind of RSU-originated stream and index. */
#define KEY(kind, i) ((uint64_t)(kind) << 40 | (uint64_t)(i))

/* The 8-octet id of an RSU-originated message: tag, the scenario seed's
 * low 16 bits, n (3 octets), as the BSM ids are made. */
static void make_id(uint8_t id[V2X_ID_LEN], const char *tag, uint64_t seed, size_t n)
{
	memcpy(id, tag, 3);
	id[3] = (uint8_t)(seed >> 8);
	id[4] = (uint8_t)seed;
	id[5] = (uint8_t)(n >> 16);
	id[6] = (uint8_t)(n >> 8);
	id[7] = (uint8_t)n;
}

/* Only RSU i hears what RSU i sends. */
static void rx_only(struct sim_radio__ctx *c, size_t i)
{
	for (size_t k = 0; k < c->plan->n_rsus; k++)
		c->rx[k] = k == i;
}

static int64_t t_us_of(double t_s)
{
	return llround(t_s * 1e6);
}

/* ---- MAP and SPAT ------------------------------------------------------- */

static int plan_map(struct sim_radio__ctx *c, size_t j, struct v2x_msg *map)
{
	struct sim_radio__stream s;
	uint8_t cnt = 0;
	int rc = sim_radio__stream_init(c, &s, V2X_MSG_MAP, -1, "rsu", KEY(2, j),
	                                SIM_RADIO__MAP_PERIOD_US);

	for (int64_t t = 0; rc == 0 && t <= c->end_us; t += SIM_RADIO__MAP_PERIOD_US) {
		size_t len;

		map->u.map.msg_cnt = cnt;
		map->u.map.has_timestamp = true;
		map->u.map.timestamp_moy_s = sim_radio__moy(sim_radio__wall_ms(c, t, 0));
		rc = sim_radio__encode(c, map, &len);
		rx_only(c, j);
		if (rc == 0)
			rc = sim_radio__send(c, &s, t, len, cnt);
		cnt = (uint8_t)((cnt + 1) % 128);
	}
	sim_radio__stream_fini(&s);
	return rc;
}

/*
 * The states of group g at run time t, the current one first, then the
 * ones that follow it within the cycle (zero-length ones left out), into
 * st; returns how many.  Countdowns from t: a fixed-time plan knows its
 * ends exactly, so min, likely and max end are the same.
 */
static size_t group_states(const struct sim_signals *sg, const struct sim_signal_group *g, double t,
                           struct v2x_phase_state *st)
{
	const double dur[3] = { g->green_s, g->yellow_s,
		                fmax(0.0, sg->cycle_s - g->green_s - g->yellow_s) };
	static const uint8_t light[3] = { V2X_LIGHT_PROTECTED_GREEN, V2X_LIGHT_YELLOW,
		                          V2X_LIGHT_RED };
	double r = fmod(t + sg->offset_s - g->green_start_s, sg->cycle_s), acc = 0.0, start;
	size_t i = 0, n = 0;

	r = r < 0 ? r + sg->cycle_s : r;
	while (i < 2 && !(dur[i] > 0 && r < acc + dur[i]))
		acc += dur[i++];
	start = acc - r; /* of the current state: <= 0 */
	for (size_t k = 0; k < 3; k++) {
		size_t q = (i + k) % 3;
		struct v2x_timing *tm = &st[n].timing;

		if (!(dur[q] > 0) && k > 0)
			continue;
		st[n].light = light[q];
		st[n].has_timing = true;
		*tm = (struct v2x_timing){ .kind = V2X_TIMING_COUNTING };
		tm->start_s = fmax(start, 0.0);
		tm->likely_end_s = fmax(start + dur[q], 0.0);
		tm->has_min_end = tm->has_max_end = true;
		tm->min_end_s = tm->max_end_s = tm->likely_end_s;
		start += dur[q];
		n++;
	}
	return n;
}

static int spat_msg(struct sim_radio__ctx *c, int64_t t_us, uint8_t cnt, struct v2x_msg *msg)
{
	const struct sim_signals *sg = &c->sc->signals;
	const struct map_intersection *x = c->junction;
	struct v2x_spat *sp = &msg->u.spat;
	struct v2x_intersection_state *is = v2x_arena_calloc(&c->scratch, 1, sizeof(*is));
	struct v2x_phase *ph = v2x_arena_calloc(&c->scratch, sg->n + 1, sizeof(*ph));
	struct v2x_phase_state *st = v2x_arena_calloc(&c->scratch, 3 * sg->n + 1, sizeof(*st));
	int64_t wall = sim_radio__wall_ms(c, t_us, 0);

	if (!is || !ph || !st)
		return V2X_ENOMEM;
	*msg = (struct v2x_msg){ .type = V2X_MSG_SPAT };
	sp->msg_cnt = cnt;
	sp->has_moy = sp->has_timestamp = true;
	sp->moy_s = sim_radio__moy(wall);
	sp->timestamp_s = sim_radio__dsecond(wall);
	sp->n_intersections = 1;
	sp->intersections = is;
	is->id = (struct v2x_node_ref){ true, x->region, x->node_id };
	is->status = STATUS_FIXED_TIME;
	is->has_moy = is->has_timestamp = true;
	is->moy_s = sp->moy_s;
	is->timestamp_s = sp->timestamp_s;
	is->n_phases = sg->n;
	is->phases = ph;
	for (size_t g = 0; g < sg->n; g++) {
		ph[g].id = (uint8_t)sg->groups[g].group;
		ph[g].states = &st[3 * g];
		ph[g].n_states = group_states(sg, &sg->groups[g], (double)t_us / 1e6, ph[g].states);
	}
	return 0;
}

static int plan_spat(struct sim_radio__ctx *c, size_t j)
{
	const struct sim_signals *sg = &c->sc->signals;
	struct sim_radio__stream s;
	uint8_t cnt = 0;
	int rc;

	for (size_t g = 0; g < sg->n; g++) {
		if (sg->groups[g].group < 1 || sg->groups[g].group > 255 || !(sg->cycle_s > 0)) {
			snprintf(c->err, c->errlen,
			         "signals.groups[%zu]: group %d, cycle %g s: a SPAT needs groups "
			         "1..255 and a cycle > 0",
			         g, (int)sg->groups[g].group, sg->cycle_s);
			return V2X_EINVAL;
		}
	}
	if (sg->n == 0 || sg->n > V2X_PHASES_MAX) {
		snprintf(c->err, c->errlen, "signals: %zu groups (a SPAT holds 1..%d)", sg->n,
		         V2X_PHASES_MAX);
		return V2X_EINVAL;
	}
	rc = sim_radio__stream_init(c, &s, V2X_MSG_SPAT, -1, "rsu", KEY(3, j),
	                            SIM_RADIO__SPAT_PERIOD_US);
	for (int64_t t = 0; rc == 0 && t <= c->end_us; t += SIM_RADIO__SPAT_PERIOD_US) {
		struct v2x_msg msg;
		size_t len;

		v2x_arena_reset(&c->scratch);
		rc = spat_msg(c, t, cnt, &msg);
		if (rc == 0)
			rc = sim_radio__encode(c, &msg, &len);
		rx_only(c, j);
		if (rc == 0)
			rc = sim_radio__send(c, &s, t, len, cnt);
		cnt = (uint8_t)((cnt + 1) % 128);
	}
	sim_radio__stream_fini(&s);
	return rc;
}

int sim_radio__map_spat(struct sim_radio__ctx *c, size_t j)
{
	struct v2x_arena keep;
	struct v2x_msg map;
	char why[256];
	int rc;

	v2x_arena_init(&keep, 0, 0);
	rc = map_mapmsg_build(c->m, c->junction->id, c->frame, MAP_MAPMSG_DEFAULT_APPROACH_M, &keep,
	                      &map, why, sizeof(why));
	if (rc && rc != V2X_ENOMEM) {
		snprintf(c->err, c->errlen, "the junction's MAP: %s", why);
		rc = V2X_EINVAL;
	}
	if (rc == 0)
		rc = plan_map(c, j, &map);
	if (rc == 0)
		rc = plan_spat(c, j);
	v2x_arena_fini(&keep);
	return rc;
}

/* ---- RSI ---------------------------------------------------------------- */

/* (lane, s) as an offset position, V2X_LL_AUTO; its height in *z. */
static int llv_at(struct sim_radio__ctx *c, const struct map_lane *lane, double s,
                  struct v2x_llv *out, double *z)
{
	struct map_xyz p;
	double h;

	sim_radio__lane_at(lane, s, &p, &h);
	*out = (struct v2x_llv){ .ll_enc = V2X_LL_AUTO, .v_enc = V2X_V_NONE };
	if (z)
		*z = p.z;
	return sim_radio__wgs84(c, p.x, p.y, &out->lat_deg, &out->lon_deg, NULL);
}

/* The reference path of an event at s on lane: where vehicles come to
 * it from, as wide as the lane. */
static int ref_path(struct sim_radio__ctx *c, const struct map_lane *lane, double s,
                    struct v2x_ref_paths *out)
{
	double s0 = fmax(0.0, s - PATH_BEFORE_M), s1 = fmin(lane->length_m, s + PATH_AFTER_M);
	size_t n = (size_t)ceil((s1 - s0) / PATH_STEP_M - 1e-9) + 1;
	struct v2x_ref_path *path = v2x_arena_calloc(&c->scratch, 1, sizeof(*path));
	struct v2x_llv *pts;
	int rc = 0;

	n = n < V2X_POINTS_MIN ? V2X_POINTS_MIN : n;
	pts = v2x_arena_calloc(&c->scratch, n, sizeof(*pts));
	if (!path || !pts)
		return V2X_ENOMEM;
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = llv_at(c, lane, s0 + (s1 - s0) * (double)k / (double)(n - 1), &pts[k], NULL);
	*path = (struct v2x_ref_path){ { n, pts }, lane->width_m / 2.0 };
	*out = (struct v2x_ref_paths){ 1, path };
	return rc;
}

static int rte_of(struct sim_radio__ctx *c, const struct sim_rsi_event *ev,
                  const struct map_lane *lane, const struct v2x_rsi *r, struct v2x_rte *rte)
{
	rte->id = (uint8_t)ev->id;
	rte->event_type = ev->event_type;
	rte->source = V2X_EVSRC_DETECTION;
	rte->has_pos = true;
	rte->pos = (struct v2x_llv){ .ll_enc = V2X_LL_AUTO,
		                     .lat_deg = r->ref_pos.lat_deg,
		                     .lon_deg = r->ref_pos.lon_deg };
	rte->has_radius = true;
	rte->radius_m = ev->radius_m;
	/* The start only: an end as MinuteOfTheYear would be off by up to a
	 * minute, so the event ends when its RSI stops (the broker holds it
	 * a few seconds after the last one). */
	rte->has_time = true;
	rte->time.has_start = true;
	rte->time.start_moy_s = sim_radio__moy(sim_radio__wall_ms(c, t_us_of(ev->from_t_s), 0));
	return ref_path(c, lane, ev->s, &rte->paths);
}

static int rts_of(struct sim_radio__ctx *c, size_t e, const struct v2x_rsi *r, struct v2x_rts *rts)
{
	const struct sim_rsi_event *ev = &c->sc->rsi[e];
	uint8_t *text = v2x_arena_alloc(&c->scratch, 32);
	int n;

	if (!text)
		return V2X_ENOMEM;
	if (!(ev->limit_mps > 0 && ev->limit_mps < 100)) {
		snprintf(c->err, c->errlen, "rsi[%zu]: a speed-limit sign needs its limit", e);
		return V2X_EINVAL;
	}
	/* The limit in km/h as the first digits of the text: what the
	 * broker's speed_limit application reads. */
	n = snprintf((char *)text, 32, "%ld km/h", lround(ev->limit_mps * 3.6));
	rts->id = (uint8_t)ev->id;
	rts->sign_type = ev->event_type ? ev->event_type : SIGN_SPEED_LIMIT;
	rts->has_pos = true;
	rts->pos = (struct v2x_llv){ .ll_enc = V2X_LL_AUTO,
		                     .lat_deg = r->ref_pos.lat_deg,
		                     .lon_deg = r->ref_pos.lon_deg };
	rts->description = (struct v2x_text){ V2X_TEXT_IA5, (size_t)n, text };
	rts->has_time = true;
	rts->time.has_start = true;
	rts->time.start_moy_s = sim_radio__moy(sim_radio__wall_ms(c, t_us_of(ev->from_t_s), 0));
	return 0;
}

static int rsi_msg(struct sim_radio__ctx *c, size_t e, int64_t t_us, uint8_t cnt,
                   struct v2x_msg *msg)
{
	const struct sim_rsi_event *ev = &c->sc->rsi[e];
	const struct map_lane *lane = map_model_lane(c->m, ev->lane);
	struct v2x_rsi *r = &msg->u.rsi;
	struct v2x_llv at;
	double z;
	int rc;

	*msg = (struct v2x_msg){ .type = V2X_MSG_RSI };
	r->msg_cnt = cnt;
	r->has_moy = true;
	r->moy_s = sim_radio__moy(sim_radio__wall_ms(c, t_us, 0));
	make_id(r->id, "RSI", c->sc->seed, e + 1);
	rc = llv_at(c, lane, ev->s, &at, &z);
	if (rc)
		return rc;
	r->ref_pos = (struct v2x_pos3d){ at.lat_deg, at.lon_deg, true, z };
	if (ev->sign) {
		r->rtss = v2x_arena_calloc(&c->scratch, 1, sizeof(*r->rtss));
		r->n_rtss = 1;
		return r->rtss ? rts_of(c, e, r, r->rtss) : V2X_ENOMEM;
	}
	r->rtes = v2x_arena_calloc(&c->scratch, 1, sizeof(*r->rtes));
	r->n_rtes = 1;
	return r->rtes ? rte_of(c, ev, lane, r, r->rtes) : V2X_ENOMEM;
}

int sim_radio__rsi(struct sim_radio__ctx *c, size_t e, size_t i)
{
	const struct sim_rsi_event *ev = &c->sc->rsi[e];
	struct sim_radio__stream s;
	uint8_t cnt = 0;
	int rc = sim_radio__stream_init(c, &s, V2X_MSG_RSI, -1, "rsu", KEY(4, e),
	                                SIM_RADIO__RSI_PERIOD_US);

	for (int64_t t = t_us_of(fmax(ev->from_t_s, 0.0));
	     rc == 0 && t <= c->end_us && (double)t / 1e6 < ev->to_t_s;
	     t += SIM_RADIO__RSI_PERIOD_US) {
		struct v2x_msg msg;
		size_t len;

		v2x_arena_reset(&c->scratch);
		rc = rsi_msg(c, e, t, cnt, &msg);
		if (rc == 0)
			rc = sim_radio__encode(c, &msg, &len);
		rx_only(c, i);
		if (rc == 0)
			rc = sim_radio__send(c, &s, t, len, cnt);
		cnt = (uint8_t)((cnt + 1) % 128);
	}
	sim_radio__stream_fini(&s);
	return rc;
}

/* ---- RSM ---------------------------------------------------------------- */

static struct v2x_vsize part_size(uint8_t kind)
{
	switch (kind) {
	case SIM_PART_VEHICLE:
		return (struct v2x_vsize){ 1.8, 4.8, true, 1.5 };
	case SIM_PART_PEDESTRIAN:
		return (struct v2x_vsize){ 0.5, 0.5, true, 1.7 };
	default:
		return (struct v2x_vsize){ 0.5, 1.2, true, 1.0 }; /* an animal */
	}
}

static uint8_t ptc_type(uint8_t kind)
{
	switch (kind) {
	case SIM_PART_VEHICLE:
		return V2X_PTC_MOTOR;
	case SIM_PART_PEDESTRIAN:
		return V2X_PTC_PEDESTRIAN;
	default:
		return V2X_PTC_UNKNOWN; /* the message set has no animal */
	}
}

static int participant(struct sim_radio__ctx *c, const struct sim_rsm_participant *sp, int64_t t_us,
                       struct v2x_participant *p)
{
	const struct map_lane *lane = map_model_lane(c->m, sp->lane);
	double t = (double)t_us / 1e6, h;
	struct map_xyz at;
	int rc;

	sim_radio__lane_at(lane, sp->s + sp->speed_mps * (t - sp->from_t_s), &at, &h);
	*p = (struct v2x_participant){ 0 };
	p->ptc_type = ptc_type(sp->kind);
	p->ptc_id = sp->id;
	p->source = V2X_SRC_INTEGRATED;
	p->sec_mark_s = sim_radio__dsecond(sim_radio__wall_ms(c, t_us, 0));
	p->pos = (struct v2x_llv){ .ll_enc = V2X_LL_AUTO, .v_enc = V2X_V_AUTO };
	rc = sim_radio__wgs84(c, at.x, at.y, &p->pos.lat_deg, &p->pos.lon_deg, &h);
	p->pos.v_m = at.z; /* made relative to the refPos by the caller */
	p->pos_confidence = (struct v2x_pos_confidence){ 10, false, 0 }; /* a50cm */
	p->speed_mps = sp->speed_mps;
	p->heading_deg = sim_radio__heading(h, 0.0125);
	p->size = part_size(sp->kind);
	p->has_vclass = sp->kind == SIM_PART_VEHICLE;
	p->vclass = (struct v2x_vclass){ 10, false, 0 };
	return rc;
}

static bool active(const struct sim_rsm_participant *p, int64_t t_us)
{
	double t = (double)t_us / 1e6;

	return t >= p->from_t_s && t < p->to_t_s;
}

/* One RSM of RSU i at t_us with the active participants of list[0..n). */
static int rsm_msg(struct sim_radio__ctx *c, size_t i, int64_t t_us, const size_t *list, size_t n,
                   uint8_t cnt, struct v2x_msg *msg)
{
	const struct map_xyz *a = &c->plan->rsus[i].rsu->pos;
	struct v2x_rsm *r = &msg->u.rsm;
	int rc;

	*msg = (struct v2x_msg){ .type = V2X_MSG_RSM };
	r->msg_cnt = cnt;
	make_id(r->id, "RSM", c->sc->seed, i + 1);
	r->ref_pos = (struct v2x_pos3d){ NAN, NAN, true, a->z };
	rc = sim_radio__wgs84(c, a->x, a->y, &r->ref_pos.lat_deg, &r->ref_pos.lon_deg, NULL);
	r->participants = v2x_arena_calloc(&c->scratch, n, sizeof(*r->participants));
	if (!r->participants)
		return V2X_ENOMEM;
	r->n_participants = n;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		rc = participant(c, &c->sc->rsm[list[k]], t_us, &r->participants[k]);
		r->participants[k].pos.v_m -= a->z;
	}
	return rc;
}

/* The participants of RSU i active at t_us, at most V2X_PARTICIPANTS_MAX
 * from *from on; returns how many, *from moved past them. */
static size_t gather(const struct sim_radio__ctx *c, size_t i, const size_t *owner, int64_t t_us,
                     size_t *from, size_t *list)
{
	size_t n = 0;

	for (; *from < c->sc->n_rsm && n < V2X_PARTICIPANTS_MAX; (*from)++)
		if (owner[*from] == i && active(&c->sc->rsm[*from], t_us))
			list[n++] = *from;
	return n;
}

int sim_radio__rsm(struct sim_radio__ctx *c, size_t i, const size_t *owner)
{
	struct sim_radio__stream s;
	size_t list[V2X_PARTICIPANTS_MAX];
	uint8_t cnt = 0;
	int rc = sim_radio__stream_init(c, &s, V2X_MSG_RSM, -1, "rsu", KEY(5, i),
	                                SIM_RADIO__RSM_PERIOD_US);

	for (int64_t t = RSM_PHASE_US; rc == 0 && t <= c->end_us; t += SIM_RADIO__RSM_PERIOD_US) {
		size_t from = 0, n;

		/* More participants than one RSM holds go in several. */
		while (rc == 0 && (n = gather(c, i, owner, t, &from, list)) > 0) {
			struct v2x_msg msg;
			size_t len;

			v2x_arena_reset(&c->scratch);
			rc = rsm_msg(c, i, t, list, n, cnt, &msg);
			if (rc == 0)
				rc = sim_radio__encode(c, &msg, &len);
			rx_only(c, i);
			if (rc == 0)
				rc = sim_radio__send(c, &s, t, len, cnt);
			cnt = (uint8_t)((cnt + 1) % 128);
		}
	}
	sim_radio__stream_fini(&s);
	return rc;
}
