/*
 * Red-light violation warning (red_light.h) on the generated test field,
 * driven through the rig as the broker core drives it: a SPAT of the
 * valley junction every 100 ms (its countdown taken from a signal plan),
 * then each vehicle's BSM, then the tick.
 *
 * The junction's numbers come from the model: the stop lines of the
 * valley approach (lane 61) and of the left arm (lane 72), the signal
 * groups of their movements (the connections leaving those lanes), the
 * straight connectors, the intersection's MAP node.
 *
 * - The dilemma: a vehicle at 15 m/s on the valley approach, its light
 *   green with 0.5 s left when it comes within its stopping distance of
 *   the line, is warned at exactly that BSM (WARNING), updated to
 *   CRITICAL when the light turns red, and cleared RESOLVED once it has
 *   passed the line; distance, time to the event, position and the
 *   condition are checked with the physics computed here.
 * - The rear clearing the line 0.15 s after the red: warned; 0.25 s
 *   before it, in the yellow: not warned.
 * - Not warned: a vehicle far from the line that stops comfortably; one
 *   whose green lasts until it has cleared the line; one whose red ends
 *   before it reaches the line; one that starts to
 *   brake comfortably right at the edge of the zone before a red (while
 *   the same approach without braking is warned); one on the left arm
 *   whose groups are green while the valley approach's are red (the
 *   valley vehicle is warned, for its own group); one in the lane leaving
 *   the junction beside the stop line; one whose straight movement is
 *   green while its left arrow is red; one without any SPAT.
 * - The SPAT stops while a vehicle is warned: cancelled SOURCE_LOST once
 *   the signal state is older than 2 s, and not raised again; with the
 *   vehicle silent too, the tick does it (fresh_s 0.5 s, before the
 *   lifecycle's confirm timeout).
 */
#include <math.h>
#include <string.h>

#include "broker/apps/red_light/red_light.h"
#include "broker/apps/tests/rig.h"
#include "tests/check.h"

#define T0      FIELD_T0_US
#define DT_S    ((double)RIG_STEP_US / 1e6)
#define SEC     1000000LL
#define GROUPS  8
#define SEGS    3
#define STEPS   400
#define V_MPS   15.0
#define CAR_LEN 4.5 /* the rig's BSMs */

#define SEV_WARNING  V2X__WIRE__SEVERITY__SEVERITY_WARNING
#define SEV_CRITICAL V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
#define RESOLVED     V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED
#define SOURCE_LOST  V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST
#define TYPE         V2X__WIRE__WARNING_TYPE__WARNING_TYPE_RED_LIGHT_VIOLATION

static const struct brk_app_entry apps[] = { { &brk_red_light_app, NULL } };

/* ---- the junction, from the model -------------------------------------- */

struct appr {
	uint32_t lane;
	double len;
	const struct map_stop_line *sl;
	uint32_t straight; /* the connector straight on */
	size_t n_groups;
	uint8_t groups[4]; /* of the movements from the lane */
};

struct junction {
	uint16_t region, node;
	struct appr valley, left_arm;
};

static bool find_appr(struct field *f, uint32_t lane, struct appr *a)
{
	*a = (struct appr){ .lane = lane, .len = map_model_lane(&f->m, lane)->length_m };
	for (size_t i = 0; i < f->m.n_stop_lines; i++)
		if (f->m.stop_lines[i].lane_id == lane)
			a->sl = &f->m.stop_lines[i];
	for (size_t i = 0; i < f->m.n_connections; i++) {
		const struct map_connection *c = &f->m.connections[i];
		bool seen = false;
		if (c->from_lane != lane || !a->sl || c->intersection_id != a->sl->intersection_id)
			continue;
		if (c->maneuver == MAP_MANEUVER_STRAIGHT)
			a->straight = c->to_lane;
		for (size_t k = 0; k < a->n_groups; k++)
			seen = seen || a->groups[k] == c->signal_group;
		if (!seen && c->signal_group >= 0 && a->n_groups < 4)
			a->groups[a->n_groups++] = (uint8_t)c->signal_group;
	}
	printf("approach lane %u (%.1f m): stop line %u at s %.2f, group %d, intersection %u; "
	       "movement groups",
	       lane, a->len, a->sl ? a->sl->id : 0, a->sl ? a->sl->s : NAN,
	       a->sl ? a->sl->signal_group : -1, a->sl ? a->sl->intersection_id : 0);
	for (size_t k = 0; k < a->n_groups; k++)
		printf(" %u", a->groups[k]);
	printf("; straight into lane %u\n", a->straight);
	return CHECK(a->sl != NULL) && CHECK(a->straight != 0) && CHECK(a->n_groups == 2);
}

static bool find_junction(struct field *f, struct junction *j)
{
	if (!find_appr(f, 61, &j->valley) || !find_appr(f, 72, &j->left_arm))
		return false;
	for (size_t i = 0; i < f->m.n_intersections; i++)
		if (f->m.intersections[i].id == j->valley.sl->intersection_id) {
			j->region = f->m.intersections[i].region;
			j->node = f->m.intersections[i].node_id;
		}
	CHECK_INT_EQ(j->region, MAPGEN_REGION);
	CHECK_INT_EQ(j->node, MAPGEN_NODE_ID);
	CHECK_INT_EQ(j->valley.sl->intersection_id, MAPGEN_INTERSECTION_ID);
	/* The groups differ per approach, or the other-approach case proves
	 * nothing. */
	for (size_t a = 0; a < j->valley.n_groups; a++)
		for (size_t b = 0; b < j->left_arm.n_groups; b++)
			CHECK(j->valley.groups[a] != j->left_arm.groups[b]);
	return j->region == MAPGEN_REGION;
}

/* ---- the physics, computed here ---------------------------------------- */

/* The warning's subject: the smallest group of the movements. */
static uint8_t subject_group(const struct appr *a)
{
	uint8_t g = UINT8_MAX;

	for (size_t k = 0; k < a->n_groups; k++)
		g = a->groups[k] < g ? a->groups[k] : g;
	return g;
}

static double z_line(const struct appr *a)
{
	return (a->sl->a.z + a->sl->b.z) / 2;
}

/* Distance a vehicle at s on a's lane at v needs to stop comfortably:
 * 1 s reaction, 3 m/s2 corrected by the mean grade to the line. */
static double dstop(struct field *f, const struct appr *a, double s, double v)
{
	struct field_point p;
	double d = a->sl->s - s, grade;

	CHECK_INT_EQ(field_at(f, a->lane, s, &p), 0);
	grade = (z_line(a) - p.z) / d;
	CHECK(fabs(grade) < 0.15);
	return v * 1.0 + v * v / (2 * (3.0 + 9.80665 * grade));
}

/* ---- the signal plan and its SPAT -------------------------------------- */

struct seg {
	uint8_t light;
	int64_t until_us;
};

/* Per signal group 1..8, its states in order, each until a time. */
struct plan {
	struct seg g[GROUPS + 1][SEGS];
};

/* Every group red for good. */
static void plan_red(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t g = 1; g <= GROUPS; g++)
		p->g[g][0] = (struct seg){ V2X_LIGHT_RED, T0 + 600 * SEC };
}

/* group green until green_end, yellow for 3 s, then red. */
static void plan_change(struct plan *p, uint8_t group, int64_t green_end)
{
	p->g[group][0] = (struct seg){ V2X_LIGHT_PROTECTED_GREEN, green_end };
	p->g[group][1] = (struct seg){ V2X_LIGHT_YELLOW, green_end + 3 * SEC };
	p->g[group][2] = (struct seg){ V2X_LIGHT_RED, T0 + 600 * SEC };
}

/* group red until red_end, then green. */
static void plan_red_until(struct plan *p, uint8_t group, int64_t red_end)
{
	p->g[group][0] = (struct seg){ V2X_LIGHT_RED, red_end };
	p->g[group][1] = (struct seg){ V2X_LIGHT_PROTECTED_GREEN, T0 + 600 * SEC };
}

static void plan_green(struct plan *p, uint8_t group)
{
	p->g[group][0] = (struct seg){ V2X_LIGHT_PROTECTED_GREEN, T0 + 600 * SEC };
}

/* One SPAT of the junction at now: each group's current state with its
 * countdown (likely and min end), the time as MinuteOfTheYear + DSecond. */
static void send_spat(struct rig *r, const struct junction *j, const struct plan *p, int64_t now)
{
	struct v2x_phase_state ps[GROUPS];
	struct v2x_phase ph[GROUPS];
	size_t n = 0;

	for (uint8_t g = 1; g <= GROUPS; g++) {
		const struct seg *s = p->g[g];
		size_t k = 0;
		double left;
		while (k < SEGS && s[k].until_us && s[k].until_us <= now)
			k++;
		if (k == SEGS || !s[k].until_us)
			continue;
		left = (double)(s[k].until_us - now) / 1e6;
		ps[n] = (struct v2x_phase_state){
			.light = s[k].light,
			.has_timing = true,
			.timing = { .kind = V2X_TIMING_COUNTING,
			            .has_min_end = true,
			            .min_end_s = left,
			            .likely_end_s = left },
		};
		ph[n] = (struct v2x_phase){ .id = g, .n_states = 1, .states = &ps[n] };
		n++;
	}
	struct v2x_intersection_state is = {
		.id = { true, j->region, j->node },
		.has_moy = true,
		.moy_s = field_moy_s(now),
		.has_timestamp = true,
		.timestamp_s = (double)(now % (60 * SEC)) / 1e6,
		.n_phases = n,
		.phases = ph,
	};
	rig_spat(r,
	         &(struct v2x_spat){ .msg_cnt = (uint8_t)(now / RIG_STEP_US % 128),
	                             .n_intersections = 1,
	                             .intersections = &is },
	         now);
}

/* ---- vehicles ---------------------------------------------------------- */

struct veh {
	const struct appr *a;
	double s, v;
	/* Braking: from brake_at_m before the line (0: never), or at the
	 * first BSM inside the zone dstop() gives (edge), at brake_mps2. */
	double brake_at_m;
	double brake_mps2;
	/* What was driven: s and time of each BSM. */
	size_t n;
	double s_at[STEPS];
	int64_t t_at[STEPS];
	uint8_t vid;
	bool brake_at_edge;
	bool braking;
};

/* The BSM of v at now: on its approach lane, then on the straight
 * connector beyond the lane's end. */
static void send_bsm(struct rig *r, struct field *f, struct veh *v, int64_t now)
{
	struct rig_opts o = rig_bsm_opts();
	double d = v->a->sl->s - v->s;

	if (v->brake_mps2 > 0 && !v->braking && v->v > 0 &&
	    ((v->brake_at_m > 0 && d <= v->brake_at_m) ||
	     (v->brake_at_edge && d > 0 && d < dstop(f, v->a, v->s, v->v))))
		v->braking = true;
	if (v->braking && v->v > 0) {
		o.braking = true;
		o.accel_mps2 = -v->brake_mps2;
	}
	if (v->s <= v->a->len)
		rig_bsm(r, v->vid, v->a->lane, v->s, v->v, &o, now);
	else
		rig_bsm(r, v->vid, v->a->straight, v->s - v->a->len, v->v, &o, now);
	if (v->n < STEPS) {
		v->s_at[v->n] = v->s;
		v->t_at[v->n++] = now;
	}
	if (v->braking) {
		double dv = fmin(v->v, v->brake_mps2 * DT_S);
		v->s += (v->v - dv / 2) * DT_S;
		v->v -= dv;
	} else {
		v->s += v->v * DT_S;
	}
}

/* Steps of 100 ms from *now: the SPAT (until spat_until; p NULL: none),
 * each vehicle's BSM, the tick. */
static void run(struct rig *r, struct field *f, const struct junction *j, const struct plan *p,
                int64_t spat_until, struct veh *vs, size_t nv, size_t steps, int64_t *now)
{
	for (size_t k = 0; k < steps; k++, *now += RIG_STEP_US) {
		if (p && *now < spat_until)
			send_spat(r, j, p, *now);
		for (size_t i = 0; i < nv; i++)
			send_bsm(r, f, &vs[i], *now);
		rig_tick(r, *now);
	}
}

static struct veh veh(uint8_t vid, const struct appr *a, double d0, double v)
{
	return (struct veh){ .vid = vid, .a = a, .s = a->sl->s - d0, .v = v };
}

/* The index of the BSM v sent at t, or SIZE_MAX. */
static size_t step_at(const struct veh *v, int64_t t)
{
	for (size_t k = 0; k < v->n; k++)
		if (v->t_at[k] == t)
			return k;
	return SIZE_MAX;
}

/* The first BSM of a vehicle driving at V_MPS from d0 inside its zone. */
static size_t zone_step(struct field *f, const struct appr *a, double d0)
{
	for (size_t k = 0; k < STEPS; k++) {
		double s = a->sl->s - d0 + V_MPS * DT_S * (double)k;
		if (a->sl->s - s < dstop(f, a, s, V_MPS))
			return k;
	}
	return SIZE_MAX;
}

static const struct brk_red_light_stats *stats(const struct rig *r)
{
	return brk_red_light_stats(brk_apps_state(r->apps, 0));
}

/* ---- the dilemma ------------------------------------------------------- */

/* The first emission: the numbers against the physics computed here. */
static void check_issue(struct field *f, const struct junction *j, const struct rig *r,
                        const struct veh *v, size_t k_zone, int64_t green_end)
{
	const struct rig_emission *e = &r->w[0];
	const struct map_stop_line *sl = v->a->sl;
	size_t k = step_at(v, e->time_us);
	double d, t_red, lat, lon;

	if (!CHECK(k != SIZE_MAX && k > 0))
		return;
	d = sl->s - v->s_at[k];
	t_red = (double)(green_end - e->time_us) / 1e6 + 3.0;
	printf("issued at BSM %zu: d %.2f m < d_stop %.2f m (previous BSM: d %.2f m >= "
	       "%.2f m); red in %.2f s, rear clears the line in %.2f s\n",
	       k, d, dstop(f, v->a, v->s_at[k], V_MPS), d + V_MPS * DT_S,
	       dstop(f, v->a, v->s_at[k - 1], V_MPS), t_red, (d + CAR_LEN) / V_MPS);
	CHECK_UINT_EQ(k, k_zone);
	CHECK(d < dstop(f, v->a, v->s_at[k], V_MPS));
	CHECK(sl->s - v->s_at[k - 1] >= dstop(f, v->a, v->s_at[k - 1], V_MPS));
	CHECK((d + CAR_LEN) / V_MPS > t_red);
	CHECK(e->issued && e->revision == 0);
	CHECK_INT_EQ(e->severity, SEV_WARNING);
	CHECK_DBL_NEAR(e->distance_m, d, 0.05);
	CHECK_DBL_NEAR(e->tte_s, d / V_MPS, 0.01);
	CHECK(isnan(e->advisory_mps));
	CHECK_INT_EQ(e->phase_id, subject_group(v->a));
	CHECK_UINT_EQ(e->n_sources, 2);
	CHECK_STR_EQ(e->src0, "cq-rsu-c");
	CHECK_STR_EQ(e->src1, "cq-rsu-b");
	CHECK_INT_EQ(map_frame_to_wgs84(f->frame, (sl->a.x + sl->b.x) / 2, (sl->a.y + sl->b.y) / 2,
	                                &lat, &lon),
	             0);
	CHECK_DBL_NEAR(e->lat_deg, lat, 1e-9);
	(void)j;
}

/* The updates: material only, CRITICAL from the red on. */
static void check_updates(const struct rig *r, int64_t red_at)
{
	bool critical = false;

	for (size_t i = 1; i < r->n_w; i++) {
		const struct rig_emission *a = &r->w[i - 1], *b = &r->w[i];
		CHECK(!b->issued);
		CHECK_UINT_EQ(b->id, r->w[0].id);
		CHECK_UINT_EQ(b->revision, i);
		CHECK(rig_material(a, b));
		CHECK_INT_EQ(b->severity, b->time_us >= red_at ? SEV_CRITICAL : SEV_WARNING);
		if (b->severity == SEV_CRITICAL && !critical) {
			critical = true;
			CHECK_INT_EQ(b->time_us, red_at);
		}
	}
	CHECK(critical);
}

static void dilemma(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0, green_end, red_at, passed_at = 0;
	double d0 = 150.7;
	size_t k_zone = zone_step(f, &j->valley, d0);
	struct veh v = veh(0xA1, &j->valley, d0, V_MPS);

	if (!CHECK(k_zone != SIZE_MAX) || !CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	/* The green ends 0.5 s after the vehicle enters its zone. */
	green_end = T0 + (int64_t)k_zone * RIG_STEP_US + SEC / 2;
	red_at = green_end + 3 * SEC;
	plan_red(&p);
	for (size_t k = 0; k < j->valley.n_groups; k++)
		plan_change(&p, j->valley.groups[k], green_end);
	run(&r, f, j, &p, INT64_MAX, &v, 1, (size_t)((d0 + 25) / (V_MPS * DT_S)), &now);
	printf("dilemma: %zu emissions, %zu cancellations\n", r.n_w, r.n_c);
	rig_print(&r);
	CHECK_INT_EQ(brk_spat_find(r.spat, (struct brk_spat_key){ j->region, j->node, 1 })->time_us,
	             now - RIG_STEP_US);
	if (!CHECK(r.n_w >= 2))
		goto out;
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xA1, NULL), r.n_w);
	check_issue(f, j, &r, &v, k_zone, green_end);
	check_updates(&r, red_at);
	CHECK(r.n_w <= 8);
	CHECK(brk_warn_stats(r.warn)->suppressed[TYPE] > 20);
	for (size_t k = 0; k < v.n && !passed_at; k++)
		if (v.s_at[k] > j->valley.sl->s)
			passed_at = v.t_at[k];
	CHECK_UINT_EQ(r.n_c, 1);
	if (r.n_c == 1) {
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		CHECK(!r.c[0].expired);
		CHECK_INT_EQ(r.c[0].time_us, passed_at);
	}
	CHECK_UINT_EQ(stats(&r)->resolved, 1);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
out:
	rig_close(&r);
}

/* ---- negatives --------------------------------------------------------- */

/* Far from the line when the light changes; brakes at 2.5 m/s2 70 m out. */
static void far_stops(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0;
	struct veh v = veh(0xB1, &j->valley, 200, V_MPS);

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	plan_red(&p);
	for (size_t k = 0; k < j->valley.n_groups; k++)
		plan_change(&p, j->valley.groups[k], T0 + 2 * SEC);
	v.brake_at_m = 70;
	v.brake_mps2 = 2.5;
	run(&r, f, j, &p, INT64_MAX, &v, 1, 200, &now);
	printf("far, stops at 2.5 m/s2: stopped %.1f m before the line, %zu emissions\n",
	       j->valley.sl->s - v.s, r.n_w);
	CHECK(v.v == 0 && j->valley.sl->s - v.s > 20);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* Green until the vehicle is well past the line. */
static void green_clears(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0;
	struct veh v = veh(0xB2, &j->valley, 150.7, V_MPS);

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	plan_red(&p);
	for (size_t k = 0; k < j->valley.n_groups; k++)
		plan_change(&p, j->valley.groups[k], T0 + 12 * SEC);
	run(&r, f, j, &p, INT64_MAX, &v, 1, 115, &now);
	printf("green for 12 s: %" PRIu64 " BSMs judged in the zone, %zu emissions\n",
	       stats(&r)->in_zone, r.n_w);
	CHECK(v.s > j->valley.sl->s + 10);
	CHECK(stats(&r)->in_zone > 20);
	CHECK_UINT_EQ(r.n_w, 0);
	rig_close(&r);
}

/*
 * The rear clearing the line just after or before the red: the green ends
 * green_after after the vehicle enters its zone, the red 3 s later.  At
 * constant speed (d + L) / v - T_red stays what it was at the zone's edge.
 */
static void clear_margin(struct field *f, const struct junction *j, int64_t green_after,
                         bool warned)
{
	struct rig r;
	struct plan p;
	int64_t now = T0, green_end;
	double d0 = 150.7, d_zone, margin;
	size_t k_zone = zone_step(f, &j->valley, d0);
	struct veh v = veh(0xB3, &j->valley, d0, V_MPS);

	if (!CHECK(k_zone != SIZE_MAX) || !CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	green_end = T0 + (int64_t)k_zone * RIG_STEP_US + green_after;
	d_zone = d0 - V_MPS * DT_S * (double)k_zone;
	margin = (d_zone + CAR_LEN) / V_MPS - ((double)green_after / 1e6 + 3.0);
	plan_red(&p);
	for (size_t k = 0; k < j->valley.n_groups; k++)
		plan_change(&p, j->valley.groups[k], green_end);
	run(&r, f, j, &p, INT64_MAX, &v, 1, (size_t)((d0 + 25) / (V_MPS * DT_S)), &now);
	printf("green ends %.1f s into the zone: the rear passes the line %.2f s %s the red; "
	       "%zu emissions\n",
	       (double)green_after / 1e6, fabs(margin), margin > 0 ? "after" : "before", r.n_w);
	/* Within a car's length either way: the length decides. */
	CHECK(fabs(margin) < CAR_LEN / V_MPS);
	CHECK(warned == (margin > 0));
	if (warned && CHECK(r.n_w >= 1)) {
		CHECK_INT_EQ(r.w[0].time_us, T0 + (int64_t)k_zone * RIG_STEP_US);
		CHECK_INT_EQ(r.w[0].severity, SEV_WARNING);
	}
	if (!warned)
		CHECK_UINT_EQ(r.n_w, 0);
	rig_close(&r);
}

/* Red, turning green 3 s after the vehicle enters its zone, before its
 * front reaches the line (3.65 s): no violation. */
static void red_ends_first(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0, red_end;
	double d0 = 150.7;
	size_t k_zone = zone_step(f, &j->valley, d0);
	struct veh v = veh(0xB4, &j->valley, d0, V_MPS);

	if (!CHECK(k_zone != SIZE_MAX) || !CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	red_end = T0 + (int64_t)k_zone * RIG_STEP_US + 3 * SEC;
	plan_red(&p);
	for (size_t k = 0; k < j->valley.n_groups; k++)
		plan_red_until(&p, j->valley.groups[k], red_end);
	run(&r, f, j, &p, INT64_MAX, &v, 1, (size_t)((d0 + 25) / (V_MPS * DT_S)), &now);
	printf("red ends 3 s into the zone, the front reaches the line at %.2f s: %" PRIu64
	       " BSMs in the zone, %zu emissions\n",
	       (d0 - V_MPS * DT_S * (double)k_zone) / V_MPS, stats(&r)->in_zone, r.n_w);
	CHECK((d0 - V_MPS * DT_S * (double)k_zone) / V_MPS > 3.0);
	CHECK(stats(&r)->in_zone > 20);
	CHECK_UINT_EQ(r.n_w, 0);
	rig_close(&r);
}

/* Before a red: one driver brakes at 3 m/s2 at the first BSM inside the
 * zone (1 s of reaction would not fit: already braking needs none),
 * another goes on and is warned there, CRITICAL. */
static void red_edge_brake(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0;
	struct veh vs[2] = { veh(0xC1, &j->valley, 150.7, V_MPS),
		             veh(0xC2, &j->valley, 150.7, V_MPS) };
	size_t k_zone = zone_step(f, &j->valley, 150.7), first;

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	plan_red(&p);
	vs[0].brake_at_edge = true;
	vs[0].brake_mps2 = 3.0;
	run(&r, f, j, &p, INT64_MAX, vs, 2, 130, &now);
	printf("red, braking at the zone's edge: stopped %.1f m before the line; the other: "
	       "%zu emissions\n",
	       j->valley.sl->s - vs[0].s, rig_count(&r, TYPE, 0xC2, NULL));
	rig_print(&r);
	CHECK(vs[0].v == 0 && j->valley.sl->s - vs[0].s > 5);
	CHECK(vs[0].a->sl->s - vs[0].s_at[k_zone] < dstop(f, vs[0].a, vs[0].s_at[k_zone], V_MPS));
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xC1, NULL), 0);
	if (CHECK(rig_count(&r, TYPE, 0xC2, &first) >= 1)) {
		CHECK_INT_EQ(r.w[first].time_us, vs[1].t_at[k_zone]);
		CHECK_INT_EQ(r.w[first].severity, SEV_CRITICAL);
	}
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* The valley approach red, the left arm green: each vehicle judged by the
 * groups of its own movements; the lane leaving the junction has no stop
 * line ahead. */
static void other_approach(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0;
	struct veh vs[3] = { veh(0xD1, &j->valley, 100, V_MPS),
		             veh(0xD2, &j->left_arm, 100, V_MPS),
		             { .vid = 0xD3, .s = 5, .v = V_MPS } };
	struct appr leaving = { .lane = 62, .len = map_model_lane(&f->m, 62)->length_m };
	struct map_stop_line far_line = { .s = 1e6 };
	size_t first;

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	leaving.sl = &far_line;
	vs[2].a = &leaving;
	plan_red(&p);
	for (size_t k = 0; k < j->left_arm.n_groups; k++)
		plan_green(&p, j->left_arm.groups[k]);
	run(&r, f, j, &p, INT64_MAX, vs, 3, 80, &now);
	printf("valley red, left arm green: %zu / %zu / %zu emissions for the valley / left arm / "
	       "leaving vehicles\n",
	       rig_count(&r, TYPE, 0xD1, NULL), rig_count(&r, TYPE, 0xD2, NULL),
	       rig_count(&r, TYPE, 0xD3, NULL));
	printf("  lane 62 s 5 is %.1f m from the valley stop line\n",
	       field_gap(f, 62, 5, 61, j->valley.sl->s));
	CHECK(vs[1].s > j->left_arm.sl->s + 5);
	CHECK(rig_count(&r, TYPE, 0xD1, &first) >= 1);
	if (first != SIZE_MAX) {
		CHECK_INT_EQ(r.w[first].phase_id, subject_group(&j->valley));
		CHECK_INT_EQ(r.w[first].severity, SEV_CRITICAL);
	}
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xD2, NULL), 0);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xD3, NULL), 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* Straight on green, the left arrow red: the vehicle may go straight. */
static void left_arrow_red(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0;
	struct veh v = veh(0xE1, &j->valley, 100, V_MPS);
	uint8_t straight = (uint8_t)j->valley.sl->signal_group;

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	plan_red(&p);
	plan_green(&p, straight);
	run(&r, f, j, &p, INT64_MAX, &v, 1, 80, &now);
	printf("group %u green, the other movement's red: %" PRIu64 " BSMs in the zone, %zu "
	       "emissions\n",
	       straight, stats(&r)->in_zone, r.n_w);
	CHECK(stats(&r)->in_zone > 20);
	CHECK_UINT_EQ(r.n_w, 0);
	rig_close(&r);
}

/* No SPAT at all: nothing to judge by. */
static void no_spat(struct field *f, const struct junction *j)
{
	struct rig r;
	int64_t now = T0;
	struct veh v = veh(0xE2, &j->valley, 100, V_MPS);

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	run(&r, f, j, NULL, 0, &v, 1, 80, &now);
	printf("no SPAT: %" PRIu64 " BSMs without a signal state, %zu emissions\n",
	       stats(&r)->no_signal, r.n_w);
	CHECK(stats(&r)->no_signal > 20);
	CHECK_UINT_EQ(r.n_w, 0);
	rig_close(&r);
}

/* Red; the SPAT stops right after the warning's issue. */
static void spat_stops(struct field *f, const struct junction *j)
{
	struct rig r;
	struct plan p;
	int64_t now = T0, last_spat;
	double d0 = 100.3;
	size_t k_zone = zone_step(f, &j->valley, d0);
	struct veh v = veh(0xF1, &j->valley, d0, V_MPS);

	if (!CHECK(rig_open(&r, f, apps, 1) == 0))
		return;
	plan_red(&p);
	last_spat = T0 + (int64_t)k_zone * RIG_STEP_US;
	run(&r, f, j, &p, last_spat + 1, &v, 1, 80, &now);
	printf("SPAT stops at t %.1f s:\n", (double)(last_spat - T0) / 1e6);
	rig_print(&r);
	if (!CHECK(r.n_w >= 1))
		goto out;
	CHECK(r.w[0].issued);
	CHECK_INT_EQ(r.w[0].time_us, last_spat);
	/* Updates while the state is fresh, none after the cancellation. */
	for (size_t i = 1; i < r.n_w; i++) {
		CHECK(!r.w[i].issued && r.w[i].id == r.w[0].id);
		CHECK(r.w[i].time_us <= last_spat + 2 * SEC);
	}
	CHECK_UINT_EQ(r.n_c, 1);
	if (r.n_c == 1) {
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, SOURCE_LOST);
		CHECK_INT_EQ(r.c[0].time_us, last_spat + 2 * SEC + RIG_STEP_US);
	}
	CHECK(v.s > j->valley.sl->s);
	CHECK_UINT_EQ(stats(&r)->lost, 1);
out:
	rig_close(&r);
}

/* With fresh_s = 0.5 s (below the lifecycle's 1 s confirm timeout): the
 * SPAT and the vehicle both go silent; the tick ends the warning
 * SOURCE_LOST once the signal state is older than 0.5 s. */
static void tick_lost(struct field *f, const struct junction *j)
{
	static const struct brk_red_light_cfg cfg = { .fresh_s = 0.5 };
	const struct brk_app_entry fast[] = { { &brk_red_light_app, &cfg } };
	struct rig r;
	struct plan p;
	int64_t now = T0, last;
	double d0 = 100.3;
	size_t k_zone = zone_step(f, &j->valley, d0);
	struct veh v = veh(0xF2, &j->valley, d0, V_MPS);

	if (!CHECK(rig_open(&r, f, fast, 1) == 0))
		return;
	plan_red(&p);
	run(&r, f, j, &p, INT64_MAX, &v, 1, k_zone + 1, &now);
	last = now - RIG_STEP_US;
	for (int i = 0; i < 12; i++, now += RIG_STEP_US)
		rig_tick(&r, now);
	printf("SPAT and vehicle silent from t %.1f s (fresh_s 0.5 s):\n",
	       (double)(last - T0) / 1e6);
	rig_print(&r);
	CHECK_UINT_EQ(r.n_w, 1);
	CHECK_UINT_EQ(r.n_c, 1);
	if (r.n_c == 1) {
		CHECK_INT_EQ(r.c[0].reason, SOURCE_LOST);
		CHECK_INT_EQ(r.c[0].time_us, last + SEC / 2 + RIG_STEP_US);
	}
	CHECK_UINT_EQ(stats(&r)->lost, 1);
	rig_close(&r);
}

/* The configuration table names every field, defaults as documented. */
static void config(void)
{
	const struct brk_app *a = &brk_red_light_app;
	struct brk_red_light_cfg bad = { .decel_mps2 = -1 };
	void *st = NULL;
	char err[256] = "";

	CHECK_STR_EQ(a->name, "red_light");
	CHECK_UINT_EQ(a->cfg_size, sizeof(struct brk_red_light_cfg));
	CHECK_UINT_EQ(a->n_params, sizeof(struct brk_red_light_cfg) / sizeof(double));
	for (size_t i = 0; i < a->n_params; i++)
		CHECK(a->params[i].def > 0 && a->params[i].offset % sizeof(double) == 0);
	CHECK(a->init(&bad, &st, err, sizeof(err)) < 0);
	printf("bad configuration: %s\n", err);
	CHECK(strstr(err, "decel_mps2") != NULL);
}

int main(void)
{
	struct field f;
	struct junction j;

	if (field_open(&f) < 0)
		return 1;
	config();
	if (find_junction(&f, &j)) {
		dilemma(&f, &j);
		far_stops(&f, &j);
		green_clears(&f, &j);
		clear_margin(&f, &j, SEC * 8 / 10, true);
		clear_margin(&f, &j, SEC * 12 / 10, false);
		red_ends_first(&f, &j);
		red_edge_brake(&f, &j);
		other_approach(&f, &j);
		left_arrow_red(&f, &j);
		no_spat(&f, &j);
		spat_stops(&f, &j);
		tick_lost(&f, &j);
	}
	field_close(&f);
	return check_exit();
}
