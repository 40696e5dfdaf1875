/*
 * bsm: each actor's BSMs, as its on-board unit would send them: every
 * 100 ms while it is on the road, from the truth at that instant, through
 * its GNSS (noise, bias, no fix in tunnels) and its clock (skew).
 */
#include <math.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/radio/radio_int.h"

/* Actor k's BSMs are due at k * 7 ms (mod 100) within each period, so that
 * they do not all coincide. */
#define PHASE_STEP_US 7000

/* The path history: a point every second, or sooner when the heading has
 * turned by PH_TURN_DEG since the last one (a hairpin gets its shape);
 * the newest PH_POINTS points, offsets from the current position. */
#define PH_POINTS     15
#define PH_PERIOD_US  1000000
#define PH_TURN_DEG   10.0
#define PH_OFFSET_MAX 655.35 /* s: TimeOffset's largest value */

#define EVENT_HARD_BRAKING (1u << 7) /* VehicleEventFlags eventHardBraking */
#define WHEELS_ALL         0x1eu     /* BrakeAppliedStatus: the four wheels */
#define ACCEL_MAX          20.0      /* m/s2 that Acceleration holds */
#define YAW_MAX            327.67    /* deg/s that YawRate holds */

struct crumb {
	int64_t t_us;
	double lat, lon, z, speed, heading;
};

/* One actor's on-board unit. */
struct obu {
	size_t idx;
	const struct sim_actor *a;
	const struct sim_gnss_fault *gnss; /* NULL: a perfect fix */
	int64_t skew_us;
	struct mapgen_rng noise;
	uint8_t msg_cnt;
	size_t n_ph;
	struct crumb ph[PH_POINTS]; /* newest first */
	struct v2x_path_point pts[PH_POINTS];
};

/* The truth at one instant, between two steps of the world. */
struct instant {
	struct sim_truth t;
	double yaw_dps; /* heading change, clockwise positive */
};

static double turn(double from_deg, double to_deg)
{
	return fmod(to_deg - from_deg + 540.0, 360.0) - 180.0;
}

/* The GNSS fault of actor a: its own, else one for "*". */
static const struct sim_gnss_fault *gnss_of(const struct sim_scenario *sc, const char *name)
{
	const struct sim_gnss_fault *any = NULL;

	for (size_t i = 0; i < sc->n_gnss_faults; i++) {
		if (strcmp(sc->gnss_faults[i].actor, name) == 0)
			return &sc->gnss_faults[i];
		if (!any && strcmp(sc->gnss_faults[i].actor, "*") == 0)
			any = &sc->gnss_faults[i];
	}
	return any;
}

static int64_t skew_of(const struct sim_scenario *sc, const char *name)
{
	const struct sim_clock_skew *any = NULL;

	for (size_t i = 0; i < sc->n_skews; i++) {
		if (strcmp(sc->skews[i].actor, name) == 0)
			return llround(sc->skews[i].skew_ms * 1000.0);
		if (!any && strcmp(sc->skews[i].actor, "*") == 0)
			any = &sc->skews[i];
	}
	return any ? llround(any->skew_ms * 1000.0) : 0;
}

/*
 * The truth of actor a at t_us: positions interpolated between the steps
 * around it, the rest (speed, acceleration, brakes, tunnel) of the step
 * whose interval (t_k-1, t_k] holds t.  False when the actor is not on
 * the road at both steps.
 */
static bool instant_at(const struct sim_world *w, size_t a, int64_t t_us, struct instant *out)
{
	int64_t step_us = llround(w->step_s * 1e6);
	size_t k0 = (size_t)(t_us / step_us);
	double f = (double)(t_us % step_us) / (double)step_us;
	size_t k1 = f > 0 ? k0 + 1 : k0;
	const struct sim_truth *p0, *p1;

	if (k1 >= w->n_steps)
		return false;
	p0 = sim_world_at(w, a, k0);
	p1 = sim_world_at(w, a, k1);
	if (!p0->present || !p1->present)
		return false;
	out->t = *p1;
	out->t.x = p0->x + f * (p1->x - p0->x);
	out->t.y = p0->y + f * (p1->y - p0->y);
	out->t.z = p0->z + f * (p1->z - p0->z);
	out->t.speed_mps = p0->speed_mps + f * (p1->speed_mps - p0->speed_mps);
	out->t.heading_deg =
	        fmod(p0->heading_deg + f * turn(p0->heading_deg, p1->heading_deg) + 360.0, 360.0);
	/* The yaw rate over the step that holds t: (t_k1-1, t_k1]. */
	if (k1 > 0) {
		const struct sim_truth *q = sim_world_at(w, a, k1 - 1);

		out->yaw_dps = q->present ? turn(q->heading_deg, p1->heading_deg) / w->step_s : 0.0;
	} else {
		out->yaw_dps = 0.0;
	}
	return true;
}

static void bsm_motion(const struct instant *in, const struct sim_actor *a, struct v2x_bsm *b)
{
	const struct sim_truth *t = &in->t;

	b->transmission = V2X_TRANS_FORWARD;
	b->speed_mps = t->speed_mps;
	/* Lateral and vertical acceleration are left unavailable: the world
	 * models neither. */
	b->accel = (struct v2x_accel4){ fmax(-ACCEL_MAX, fmin(ACCEL_MAX, t->accel_mps2)), NAN, NAN,
		                        fmax(-YAW_MAX, fmin(YAW_MAX, in->yaw_dps)) };
	b->brakes.has_pedal = true;
	b->brakes.pedal = t->braking ? V2X_PEDAL_ON : V2X_PEDAL_OFF;
	b->brakes.has_wheel_brakes = true;
	b->brakes.wheel_brakes = t->braking ? WHEELS_ALL : 0;
	b->size = (struct v2x_vsize){ a->width_m, a->length_m, false, NAN };
	b->vclass = (struct v2x_vclass){ a->vclass, false, 0 };
	b->has_safety_ext = true;
	b->safety_ext.has_events = true;
	b->safety_ext.events_nbits = 13;
	b->safety_ext.events = t->hard_braking ? EVENT_HARD_BRAKING : 0;
}

static void bsm_path(struct obu *o, int64_t t_us, struct v2x_bsm *b)
{
	struct v2x_path_history *ph = &b->safety_ext.path_history;

	if (o->n_ph == 0)
		return;
	b->safety_ext.has_path_history = true;
	ph->n = o->n_ph;
	ph->v = o->pts;
	for (size_t i = 0; i < o->n_ph; i++) {
		const struct crumb *k = &o->ph[i];
		struct v2x_path_point *p = &o->pts[i];

		*p = (struct v2x_path_point){ 0 };
		p->pos.ll_enc = V2X_LL_AUTO;
		p->pos.lat_deg = k->lat;
		p->pos.lon_deg = k->lon;
		p->pos.v_enc = V2X_V_AUTO;
		p->pos.v_m = k->z - b->pos.elev_m;
		p->time_offset_s = fmin((double)(t_us - k->t_us) / 1e6, PH_OFFSET_MAX);
		p->has_speed = true;
		p->speed_mps = k->speed;
		p->has_heading = true;
		p->heading_deg = sim_radio__heading(k->heading, 1.5);
	}
}

/* Keeps the BSM's position as a point of the path history when due. */
static void crumb_drop(struct obu *o, int64_t t_us, const struct v2x_bsm *b)
{
	const struct crumb *last = o->n_ph ? &o->ph[0] : NULL;

	if (last && t_us - last->t_us < PH_PERIOD_US &&
	    fabs(turn(last->heading, b->heading_deg)) < PH_TURN_DEG)
		return;
	memmove(&o->ph[1], &o->ph[0], sizeof(o->ph[0]) * (PH_POINTS - 1));
	o->ph[0] = (struct crumb){ t_us,          b->pos.lat_deg, b->pos.lon_deg,
		                   b->pos.elev_m, b->speed_mps,   b->heading_deg };
	if (o->n_ph < PH_POINTS)
		o->n_ph++;
}

/* The position as the GNSS gives it; false when it gives none. */
static int bsm_position(struct sim_radio__ctx *c, struct obu *o, const struct instant *in,
                        struct v2x_bsm *b, bool *outage)
{
	/* Both draws every time, so an outage does not shift the noise. */
	double ne = sim_radio__normal(&o->noise), nn = sim_radio__normal(&o->noise);
	const struct sim_gnss_fault *g = o->gnss;
	double x = in->t.x, y = in->t.y, h = in->t.heading_deg;
	int rc;

	*outage = g && g->tunnel_outage && in->t.in_tunnel;
	if (*outage) {
		/* No fix in a tunnel: position and course (GNSS) unavailable,
		 * speed (the vehicle's own) still known, the breadcrumbs gone. */
		b->pos = (struct v2x_pos3d){ NAN, NAN, false, NAN };
		b->heading_deg = NAN;
		o->n_ph = 0;
		return 0;
	}
	if (g) {
		x += g->bias_east_m + g->noise_m * ne;
		y += g->bias_north_m + g->noise_m * nn;
	}
	rc = sim_radio__wgs84(c, x, y, &b->pos.lat_deg, &b->pos.lon_deg, &h);
	b->pos.has_elev = true;
	b->pos.elev_m = in->t.z;
	b->heading_deg = sim_radio__heading(h, 0.0125);
	return rc;
}

static int one_bsm(struct sim_radio__ctx *c, struct obu *o, struct sim_radio__stream *s,
                   int64_t t_us, const struct instant *in)
{
	struct v2x_msg msg = { .type = V2X_MSG_BSM };
	struct v2x_bsm *b = &msg.u.bsm;
	struct map_xyz p = { in->t.x, in->t.y, in->t.z };
	bool outage;
	size_t len;
	int rc;

	b->msg_cnt = o->msg_cnt;
	memcpy(b->id, o->a->id, V2X_ID_LEN);
	b->sec_mark_s = sim_radio__dsecond(sim_radio__wall_ms(c, t_us, o->skew_us));
	rc = bsm_position(c, o, in, b, &outage);
	if (rc)
		return rc;
	bsm_motion(in, o->a, b);
	if (!outage)
		bsm_path(o, t_us, b);
	rc = sim_radio__encode(c, &msg, &len);
	if (rc)
		return rc;
	if (outage)
		c->plan->stats.gnss_outage_bsms++;
	else
		crumb_drop(o, t_us, b);
	o->msg_cnt = (uint8_t)((o->msg_cnt + 1) % 128);
	for (size_t i = 0; i < c->plan->n_rsus; i++)
		c->rx[i] = sim_radio__rsu_dist(c, i, &p) <= c->plan->rsus[i].range_m;
	return sim_radio__send(c, s, t_us, len, b->msg_cnt);
}

int sim_radio__bsms(struct sim_radio__ctx *c, size_t a)
{
	struct obu *o = v2x_arena_calloc(&c->scratch, 1, sizeof(*o));
	struct sim_radio__stream s;
	struct mapgen_rng first;
	int64_t t_us = (int64_t)(a * PHASE_STEP_US % SIM_RADIO__BSM_PERIOD_US);
	int rc;

	if (!o)
		return V2X_ENOMEM;
	o->idx = a;
	o->a = &c->sc->actors[a];
	o->gnss = gnss_of(c->sc, o->a->name);
	o->skew_us = skew_of(c->sc, o->a->name);
	sim_radio__rng(c, &o->noise, SIM_RADIO__P_GNSS, a, 0);
	/* Units start counting anywhere. */
	sim_radio__rng(c, &first, SIM_RADIO__P_MSGCNT, a, 0);
	o->msg_cnt = (uint8_t)(mapgen_rng_next(&first) % 128);
	rc = sim_radio__stream_init(c, &s, V2X_MSG_BSM, (int16_t)a, o->a->name, (uint64_t)a + 1,
	                            SIM_RADIO__BSM_PERIOD_US);
	for (; rc == 0 && t_us <= c->end_us; t_us += SIM_RADIO__BSM_PERIOD_US) {
		struct instant in;

		if (instant_at(c->w, a, t_us, &in))
			rc = one_bsm(c, o, &s, t_us, &in);
	}
	sim_radio__stream_fini(&s);
	v2x_arena_reset(&c->scratch);
	return rc;
}
