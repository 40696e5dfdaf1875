/*
 * Forward collision warning along the lane (forward_collision.h) on the
 * generated test field, through the rig: every 0.1 s a BSM of each
 * vehicle (the leader's first), then the broker's tick.
 *
 * - A follower at 20 m/s behind a leader 60 m ahead that brakes to a stop
 *   at 4 m/s2 (BSM acceleration -4 and brake flags): one warning about
 *   the leader, WARNING then CRITICAL, every emission's gap and time to
 *   collision within 10 % of a step-by-step simulation written here, only
 *   material updates, RESOLVED once the follower has braked below 3 m/s.
 *   A leader that brakes and then drives on: RESOLVED as it pulls away.
 * - Across a lane joint: a stopped leader just past the end of the
 *   follower's lane is found at the gap along the road.  At the junction,
 *   a vehicle stopped on any connector is found before the fork, one past
 *   the junction only once the follower is on the connector leading to it.
 * - What a straight-line implementation would warn about and this one
 *   must not: a stopped vehicle on the other leg of the first hairpin
 *   (about 52 m away in a straight line, 140 m and more along the road),
 *   a stopped and an oncoming vehicle in the oncoming lane, stopped
 *   vehicles on the road below the viaduct for a follower on it and on the
 *   viaduct for a follower below; and a leader moving away faster.
 * - A leader that goes silent stops counting after stale_s: its
 *   follower's warning ends SOURCE_LOST (the leader was not passed or
 *   outrun: nothing is known of it any more, so the situation is not known
 *   to be over).
 */
#include <math.h>
#include <string.h>

#include "broker/apps/app.h"
#include "broker/apps/forward_collision/forward_collision.h"
#include "broker/apps/tests/rig.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0   FIELD_T0_US
#define TYPE V2X__WIRE__WARNING_TYPE__WARNING_TYPE_FORWARD_COLLISION
#define DT   ((double)RIG_STEP_US / 1e6)
#define LEN  4.5 /* the rig's vehicles */

#define CRITICAL V2X__WIRE__SEVERITY__SEVERITY_CRITICAL
#define WARNING  V2X__WIRE__SEVERITY__SEVERITY_WARNING
#define RESOLVED V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED
#define LOST     V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST

static const struct brk_app_entry apps[] = { { &brk_forward_collision_app, NULL } };

/* A vehicle the test drives. */
struct veh {
	uint8_t vid;
	uint32_t lane;
	double s, v;
	double accel; /* NaN: unavailable */
	bool braking;
	bool silent; /* sends nothing */
};

static const struct brk_forward_collision_stats *stats(const struct rig *r)
{
	return brk_forward_collision_stats(brk_apps_state(r->apps, 0));
}

/* One step: each vehicle's BSM in order, then the tick; now advances. */
static void step(struct rig *r, const struct veh *v, size_t n, int64_t *now)
{
	for (size_t i = 0; i < n; i++) {
		struct rig_opts o = rig_bsm_opts();
		if (v[i].silent)
			continue;
		o.accel_mps2 = v[i].accel;
		o.braking = v[i].braking;
		rig_bsm(r, v[i].vid, v[i].lane, v[i].s, v[i].v, &o, *now);
	}
	rig_tick(r, *now);
	*now += RIG_STEP_US;
}

/* Moves v on by one step at acceleration a (stopping at 0). */
static void move(struct veh *v, double a)
{
	double t = DT;

	if (a < 0 && v->v + a * t < 0)
		t = v->v / -a;
	v->s += v->v * t + a * t * t / 2;
	v->v = fmax(0, v->v + a * t);
}

/*
 * The time for a follower holding v_f to close gap g on a leader at v_l
 * braking at b until it stops: a simulation in 1 ms steps, independent of
 * the application's closed form.  INFINITY: not within 60 s.
 */
static double sim_ttc(double g, double v_f, double v_l, double b)
{
	const double h = 0.001;
	double xf = 0, xl = 0;

	for (int k = 0; k <= 60000; k++) {
		double t = h;
		if (xf >= g + xl)
			return k * h;
		xf += v_f * h;
		if (b > 0 && v_l - b * t < 0)
			t = v_l / b;
		xl += v_l * t - b * t * t / 2;
		v_l = fmax(0, v_l - b * t);
	}
	return INFINITY;
}

/* Along the road from (a, sa) to (b, sb) within max_m, or INFINITY. */
static double along(struct field *f, uint32_t a, double sa, uint32_t b, double sb, double max_m)
{
	double d;

	return map_index_along(f->idx, a, sa, b, sb, max_m, &d) == 0 && d > 0 ? d : INFINITY;
}

static bool near_rel(double got, double want, double rel, double abs_tol)
{
	return fabs(got - want) <= fmax(abs_tol, rel * fabs(want));
}

/* ---- the positive case ------------------------------------------------- */

/* What the test knows at one step: expected gap and time to collision. */
struct truth {
	int64_t t_us;
	double gap, ttc, v_f, v_l;
	double lat_l; /* the leader's latitude */
};

#define MAX_STEPS 200

/* The field, for truth_of(). */
static struct field *fld_;

static const struct truth *truth_at(const struct truth *tr, size_t n, int64_t t_us)
{
	for (size_t i = 0; i < n; i++)
		if (tr[i].t_us == t_us)
			return &tr[i];
	return NULL;
}

/* Every emission to the follower against the simulation at its time. */
static void check_numbers(const struct rig *r, const struct truth *tr, size_t n, uint8_t fol,
                          uint8_t lead)
{
	for (size_t i = 0; i < r->n_w; i++) {
		const struct rig_emission *e = &r->w[i];
		const struct truth *t = truth_at(tr, n, e->time_us);
		if (!CHECK(t != NULL) || e->target != fol)
			continue;
		printf("  rev %u t %.1f s: severity %d, gap %.2f m (sim %.2f), ttc %.2f s (sim "
		       "%.2f), advisory %.2f m/s (leader %.2f), %s\n",
		       e->revision, (double)(e->time_us - T0) / 1e6, e->severity, e->distance_m,
		       t->gap, e->tte_s, t->ttc, e->advisory_mps, t->v_l, e->text);
		CHECK_UINT_EQ(e->subject_vehicle, lead);
		CHECK(near_rel(e->distance_m, t->gap, 0.10, 0.3));
		CHECK(near_rel(e->tte_s, t->ttc, 0.10, 0.05));
		CHECK(near_rel(e->advisory_mps, t->v_l, 0.0, 0.01));
		CHECK(e->severity == (e->tte_s <= 2.0 ? CRITICAL : WARNING));
		CHECK(near_rel(e->lat_deg, t->lat_l, 0.0, 1e-9));
		{
			/* The text: what, then the gap and the time as emitted. */
			char want[128];
			const char *colon = strchr(e->text, ':');
			snprintf(want, sizeof(want), "%.*s: %.0f m, %.1f s",
			         colon ? (int)(colon - e->text) : 0, e->text, e->distance_m,
			         e->tte_s);
			CHECK_STR_EQ(e->text, want);
		}
		CHECK_UINT_EQ(e->n_sources, 2);
		CHECK_STR_EQ(e->src0, "cq-rsu-b");
		CHECK_STR_EQ(e->src1, "cq-rsu-b");
		if (i > 0)
			CHECK(!e->issued && e->revision == i && rig_material(&r->w[i - 1], e));
	}
}

/* The truth of one step (the leader braking at b while it moves). */
static struct truth truth_of(int64_t now, const struct veh *f, const struct veh *l, double b)
{
	double g = l->s - f->s - LEN;
	struct field_point p = { 0 };

	field_at(fld_, l->lane, l->s, &p);
	return (struct truth){ now,  g,    sim_ttc(g, f->v, l->v, l->v > 0 ? b : 0),
		               f->v, l->v, p.lat_deg };
}

static void braking_leader(struct field *fld)
{
	struct rig r;
	struct truth tr[MAX_STEPS];
	size_t n = 0, first_crit = SIZE_MAX;
	int64_t now = T0;
	/* The long descent, a straight part of it. */
	struct veh v[2] = { { 0xA2, 41, 160, 20, 0, false, false },
		            { 0xA1, 41, 100, 20, NAN, false, false } };
	double f_brake = 0;

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	/* One second side by side at 20 m/s: nothing. */
	for (int k = 0; k < 10; k++) {
		step(&r, v, 2, &now);
		move(&v[0], 0);
		move(&v[1], 0);
	}
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK(stats(&r)->leaders >= 10 && stats(&r)->last_leader[0] == 0xA2);
	/* The leader brakes to a stop at 4 m/s2 and holds; the follower
	 * holds 20 m/s until the warning is CRITICAL, then brakes at 6 m/s2. */
	while (n < MAX_STEPS && !(v[1].v == 0 && r.n_c > 0)) {
		v[0].accel = v[0].v > 0 ? -4 : 0;
		v[0].braking = true;
		v[1].accel = f_brake > 0 ? -f_brake : NAN;
		v[1].braking = f_brake > 0;
		tr[n++] = truth_of(now, &v[1], &v[0], 4);
		step(&r, v, 2, &now);
		if (r.n_w > 0 && r.w[r.n_w - 1].severity == CRITICAL && f_brake == 0) {
			f_brake = 6;
			first_crit = r.n_w - 1;
		}
		move(&v[0], v[0].v > 0 ? -4 : 0);
		move(&v[1], -f_brake);
	}
	printf("braking leader: %zu emissions, %zu cancellations; the follower stopped %.1f m "
	       "behind\n",
	       r.n_w, r.n_c, v[0].s - v[1].s - LEN);
	check_numbers(&r, tr, n, 0xA1, 0xA2);
	rig_print(&r);
	CHECK_UINT_EQ(rig_count(&r, TYPE, 0xA1, NULL), r.n_w);
	CHECK(r.n_w >= 3 && r.w[0].issued && r.w[0].severity == WARNING);
	CHECK(first_crit != SIZE_MAX && first_crit > 0);
	if (r.n_w > 0)
		CHECK(strncmp(r.w[0].text, "Vehicle ahead braking: ", 23) == 0);
	if (CHECK(r.n_c == 1) && r.n_w > 0) {
		const struct truth *t = truth_at(tr, n, r.c[0].time_us);
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		/* Ended once the follower crept below min_speed_mps. */
		if (CHECK(t != NULL))
			CHECK(t->v_f < 3 && t->v_f + 0.6 >= 3);
	}
	CHECK(v[0].s - v[1].s - LEN > 2);
	CHECK_UINT_EQ(stats(&r)->resolved, 1);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* The leader, 40 m ahead, brakes to 12 m/s, then drives off at 3 m/s2 up to
 * 25 m/s. */
static void leader_drives_on(struct field *fld)
{
	struct rig r;
	struct truth tr[MAX_STEPS];
	size_t n = 0;
	int64_t now = T0;
	struct veh v[2] = { { 0xA4, 41, 140, 20, 0, false, false },
		            { 0xA3, 41, 100, 20, NAN, false, false } };
	bool brakes = true;

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	for (int k = 0; k < 80; k++) {
		double a;
		brakes = brakes && v[0].v > 12 + 1e-9;
		a = brakes ? -4 : v[0].v < 25 ? 3 : 0;
		v[0].accel = a;
		v[0].braking = brakes;
		tr[n++] = truth_of(now, &v[1], &v[0], brakes ? 4 : 0);
		step(&r, v, 2, &now);
		move(&v[0], a);
		move(&v[1], 0);
	}
	printf("leader drives on: %zu emissions, %zu cancellations\n", r.n_w, r.n_c);
	check_numbers(&r, tr, n, 0xA3, 0xA4);
	CHECK(r.n_w >= 1 && r.w[0].issued);
	if (CHECK(r.n_c == 1) && r.n_w > 0) {
		const struct truth *t = truth_at(tr, n, r.c[0].time_us);
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, RESOLVED);
		/* Above the threshold plus hysteresis, not before. */
		if (CHECK(t != NULL)) {
			printf("  resolved at t %.1f s: ttc %.2f s, leader %.1f m/s\n",
			       (double)(r.c[0].time_us - T0) / 1e6, t->ttc, t->v_l);
			const struct truth *before = truth_at(tr, n, r.c[0].time_us - RIG_STEP_US);
			CHECK(t->ttc > 4.5);
			CHECK(before != NULL && before->ttc <= 4.6);
		}
	}
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* ---- along the lane graph ---------------------------------------------- */

/* A stopped leader on lane 21 just past the end of lane 11. */
static void lane_joint(struct field *fld)
{
	struct rig r;
	struct map_index_lane li;
	int64_t now = T0;
	struct veh v[2] = { { 0xB2, 21, 10, 0, 0, false, false },
		            { 0xB1, 11, 440, 15, NAN, false, false } };
	size_t first;

	CHECK_INT_EQ(map_index_lane(fld->idx, 11, &li), 0);
	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	for (int k = 0; k < 15; k++) {
		step(&r, v, 2, &now);
		move(&v[1], 0);
		if (r.n_w > 0)
			break;
	}
	if (CHECK(rig_count(&r, TYPE, 0xB1, &first) == 1)) {
		const struct rig_emission *e = &r.w[first];
		/* The follower's position at the emission: one step back. */
		double s_f = v[1].s - 15 * DT;
		double gap = li.length_m - s_f + 10 - LEN;
		printf("lane joint: follower on lane 11 s %.1f (lane length %.1f), leader on lane "
		       "21 s 10: warned at %.2f m (along the road %.2f m), %.2f s\n",
		       s_f, li.length_m, e->distance_m, gap, e->tte_s);
		CHECK_UINT_EQ(e->subject_vehicle, 0xB2);
		CHECK(near_rel(e->distance_m, gap, 0.0, 0.2));
		CHECK(near_rel(e->tte_s, gap / 15, 0.0, 0.02));
		CHECK(e->tte_s <= 4.0 && e->tte_s > 4.0 - 1.5 / 15 - 0.01);
		CHECK(strncmp(e->text, "Stopped vehicle ahead: ", 23) == 0);
		CHECK(isnan(e->advisory_mps) == false && e->advisory_mps == 0);
	}
	CHECK(stats(&r)->leaders_entered >= 1 && stats(&r)->ahead_reads >= 1);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* The first hairpin of the staircase on lane 31. */
static const struct map_curve *hairpin(struct field *f)
{
	for (size_t i = 0; i < f->m.n_curves; i++) {
		const struct map_curve *c = &f->m.curves[i];
		if (c->hairpin && c->lane_id == 31 && c->s0 > 120)
			return c;
	}
	return NULL;
}

/*
 * A vehicle stopped on the exit leg, 30 m past the hairpin; the follower
 * drives the entry leg towards the hairpin at 15 m/s.  The legs come
 * within about 52 m of each other: a straight-line implementation sees a
 * time to collision near 3 s and warns.  Along the road the stopped
 * vehicle is 140 m or more ahead: found once within 150 m, at a TTC above
 * 9 s, so no warning.  Then a follower on the exit leg driving away from
 * a vehicle stopped on the entry leg: not ahead at all.
 */
static void hairpin_legs(struct field *fld)
{
	const struct map_curve *hp = hairpin(fld);
	struct rig r;
	int64_t now = T0;
	struct veh v[2];
	double min_line = INFINITY, road_end;

	if (!CHECK(hp != NULL) || !CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	v[0] = (struct veh){ 0xC2, 31, hp->s1 + 30, 0, 0, false, false };
	v[1] = (struct veh){ 0xC1, 31, hp->s0 - 100, 15, NAN, false, false };
	while (v[1].s <= hp->s0 - 10) {
		min_line = fmin(min_line, field_gap(fld, 31, v[1].s, 31, v[0].s));
		step(&r, v, 2, &now);
		move(&v[1], 0);
	}
	road_end = along(fld, 31, v[1].s - 15 * DT, 31, v[0].s, 2000);
	printf("hairpin %u: follower on the entry leg s %.0f..%.0f, stopped vehicle on the exit "
	       "leg s %.0f: %.1f m apart at the closest in a straight line (ttc %.2f s), %.1f m "
	       "along the road at the end; last gap %.1f m, ttc %.2f s; %zu emissions\n",
	       hp->id, hp->s0 - 100, v[1].s - 15 * DT, v[0].s, min_line, (min_line - LEN) / 15,
	       road_end, stats(&r)->last_gap_m, stats(&r)->last_ttc_s, r.n_w);
	CHECK((min_line - LEN) / 15 < 4.0);
	CHECK(road_end > 130);
	CHECK_UINT_EQ(r.n_w, 0);
	/* Found along the road, with the gap along the road. */
	CHECK(stats(&r)->leaders > 0 && stats(&r)->last_leader[0] == 0xC2);
	CHECK(near_rel(stats(&r)->last_gap_m, road_end - LEN, 0.0, 0.3));
	CHECK(stats(&r)->last_ttc_s > 8);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	v[0] = (struct veh){ 0xC4, 31, hp->s0 - 30, 0, 0, false, false };
	v[1] = (struct veh){ 0xC3, 31, hp->s1 + 10, 15, NAN, false, false };
	min_line = INFINITY;
	while (v[1].s <= hp->s1 + 60) {
		min_line = fmin(min_line, field_gap(fld, 31, v[1].s, 31, v[0].s));
		step(&r, v, 2, &now);
		move(&v[1], 0);
	}
	printf("hairpin: follower on the exit leg driving away, stopped vehicle on the entry leg "
	       "%.1f m away at the closest: %zu emissions, %" PRIu64 " leaders\n",
	       min_line, r.n_w, stats(&r)->leaders);
	CHECK(min_line < 60);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(stats(&r)->leaders, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* A stopped vehicle in the oncoming lane beside the follower's path, and
 * another coming the other way at 15 m/s (pulling away from the stopped
 * one, which would otherwise be its leader). */
static void oncoming(struct field *fld)
{
	struct rig r;
	int64_t now = T0;
	struct veh v[3] = { { 0xD2, 12, 219, 0, 0, false, false },
		            { 0xD3, 12, 230, 15, NAN, false, false },
		            { 0xD1, 11, 200, 15, NAN, false, false } };
	double min_stopped = INFINITY, min_moving = INFINITY;

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	while (v[2].s <= 300) {
		min_stopped = fmin(min_stopped, field_gap(fld, 11, v[2].s, 12, v[0].s));
		min_moving = fmin(min_moving, field_gap(fld, 11, v[2].s, 12, v[1].s));
		step(&r, v, 3, &now);
		move(&v[1], 0);
		move(&v[2], 0);
	}
	printf("oncoming: stopped vehicle %.1f m and oncoming one %.1f m from the follower at the "
	       "closest: %zu emissions, %" PRIu64 " leaders\n",
	       min_stopped, min_moving, r.n_w, stats(&r)->leaders);
	CHECK(min_stopped < 5 && min_moving < 5);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(stats(&r)->leaders, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

struct crossing {
	uint32_t up, low;
	double up_s, low_s;
};

static struct crossing crossing_of(struct field *f, size_t k)
{
	json_t *cr = json_array_get(
	        json_object_get(json_array_get(json_object_get(f->truth, "bridges"), 0),
	                        "crossings"),
	        k);

	return (struct crossing){ (uint32_t)json_integer_value(json_object_get(cr, "upper_lane")),
		                  (uint32_t)json_integer_value(json_object_get(cr, "lower_lane")),
		                  json_number_value(json_object_get(cr, "upper_s")),
		                  json_number_value(json_object_get(cr, "lower_s")) };
}

/* Drives the follower (the last of v) from s0 to s1 at 15 m/s among the
 * others standing still; returns the closest straight-line distance to
 * the first. */
static double drive_by(struct rig *r, struct veh *v, size_t n, double s1, int64_t *now)
{
	struct veh *f = &v[n - 1];
	double min_line = INFINITY;

	while (f->s <= s1) {
		min_line = fmin(min_line, field_gap(r->f, f->lane, f->s, v[0].lane, v[0].s));
		step(r, v, n, now);
		move(f, 0);
	}
	return min_line;
}

/* The viaduct: a follower on it over vehicles stopped on the road below,
 * a follower below under vehicles stopped on it. */
static void viaduct(struct field *fld)
{
	struct crossing c = crossing_of(fld, 0), c1 = crossing_of(fld, 1), c2 = crossing_of(fld, 2);
	struct rig r;
	int64_t now = T0;
	struct veh v[3];
	double line;

	printf("viaduct: lane %u s %.0f over lane %u s %.0f; lane %u s %.0f over lane %u s %.0f\n",
	       c.up, c.up_s, c.low, c.low_s, c2.up, c2.up_s, c2.low, c2.low_s);
	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	v[0] = (struct veh){ 0xE2, c.low, c.low_s, 0, 0, false, false };
	v[1] = (struct veh){ 0xE3, c1.low, c1.low_s, 0, 0, false, false };
	v[2] = (struct veh){ 0xE1, c.up, c.up_s - 60, 15, NAN, false, false };
	line = drive_by(&r, v, 3, c.up_s + 10, &now);
	printf("  follower on lane %u over them: %.1f m from the one below at the closest, %zu "
	       "emissions, %" PRIu64 " leaders\n",
	       c.up, line, r.n_w, stats(&r)->leaders);
	CHECK(line < 2);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(stats(&r)->leaders, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	now = T0;
	v[0] = (struct veh){ 0xE5, c.up, c.up_s, 0, 0, false, false };
	v[1] = (struct veh){ 0xE6, c2.up, c2.up_s, 0, 0, false, false };
	v[2] = (struct veh){ 0xE4, c.low, 3, 15, NAN, false, false };
	line = drive_by(&r, v, 3, c2.low_s + 20, &now);
	printf("  follower on lane %u under them: %.1f m from the one above at the closest, %zu "
	       "emissions, %" PRIu64 " leaders\n",
	       c.low, line, r.n_w, stats(&r)->leaders);
	CHECK(line < 2);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(stats(&r)->leaders, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* A leader 30 m ahead pulling away at 20 m/s from a follower at 15 m/s. */
static void moving_away(struct field *fld)
{
	struct rig r;
	int64_t now = T0;
	struct veh v[2] = { { 0xF2, 41, 130, 20, NAN, false, false },
		            { 0xF1, 41, 100, 15, NAN, false, false } };

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	for (int k = 0; k < 30; k++) {
		step(&r, v, 2, &now);
		move(&v[0], 0);
		move(&v[1], 0);
	}
	printf("moving away: %zu emissions, %" PRIu64 " leaders, last gap %.1f m, ttc %g\n", r.n_w,
	       stats(&r)->leaders, stats(&r)->last_gap_m, stats(&r)->last_ttc_s);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK(stats(&r)->leaders >= 30 && stats(&r)->last_leader[0] == 0xF2);
	CHECK(isinf(stats(&r)->last_ttc_s));
	CHECK(near_rel(stats(&r)->last_gap_m, 30 + 29 * 5 * DT - LEN, 0.0, 0.2));
	rig_close(&r);
}

/* The successors of lane 61 at the junction, in the walk's order, and
 * the lane each leads to. */
static size_t junction(struct field *f, uint32_t *conn, uint32_t *exit_lane)
{
	const struct map_index_link *l, *l2;
	size_t n = 0, n2;

	if (map_index_links(f->idx, 61, true, &l, &n) != 0 || n < 2)
		return 0;
	for (size_t i = 0; i < n && i < 3; i++) {
		conn[i] = l[i].lane_id;
		exit_lane[i] = map_index_links(f->idx, conn[i], true, &l2, &n2) == 0 && n2 == 1
		                       ? l2[0].lane_id
		                       : 0;
	}
	return n;
}

/*
 * At the junction the path forks: a vehicle stopped on any connector
 * across it is a leader (the follower may take that one), a vehicle that
 * has left the junction by one exit is not (the follower may take
 * another) until the follower is on the connector that leads there.
 */
static void fork_ahead(struct field *fld)
{
	uint32_t conn[3] = { 0 }, ex[3] = { 0 };
	size_t n = junction(fld, conn, ex), first;
	struct map_index_lane l61, lc;
	struct rig r;
	int64_t now = T0;
	struct veh v[3];

	if (!CHECK(n == 3) || !CHECK(ex[0] && ex[1] && ex[2]))
		return;
	CHECK_INT_EQ(map_index_lane(fld->idx, 61, &l61), 0);
	CHECK_INT_EQ(map_index_lane(fld->idx, conn[1], &lc), 0);
	printf("junction: lane 61 (%.1f m) forks into %u, %u, %u, leading to %u, %u, %u\n",
	       l61.length_m, conn[0], conn[1], conn[2], ex[0], ex[1], ex[2]);
	/* A vehicle stopped 12 m into the second connector (branch 1). */
	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	v[0] = (struct veh){ 0x62, conn[1], 12, 0, 0, false, false };
	v[1] = (struct veh){ 0x61, 61, 460, 10, NAN, false, false };
	while (v[1].s <= 500 && r.n_w == 0) {
		step(&r, v, 2, &now);
		move(&v[1], 0);
	}
	if (CHECK(rig_count(&r, TYPE, 0x61, &first) == 1)) {
		double s_f = v[1].s - 10 * DT, gap = l61.length_m - s_f + 12 - LEN;
		printf("  stopped on connector %u s 12, follower on 61 s %.1f: warned at %.2f m "
		       "(along the road %.2f m), %.2f s\n",
		       conn[1], s_f, r.w[first].distance_m, gap, r.w[first].tte_s);
		CHECK_UINT_EQ(r.w[first].subject_vehicle, 0x62);
		CHECK(near_rel(r.w[first].distance_m, gap, 0.0, 0.2));
	}
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);

	/* Vehicles stopped 10 m past the junction on the exits of the first
	 * and second connectors: not leaders while the follower is on 61,
	 * the second one is once it takes the second connector. */
	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	now = T0;
	v[0] = (struct veh){ 0x64, ex[0], 10, 0, 0, false, false };
	v[1] = (struct veh){ 0x65, ex[1], 10, 0, 0, false, false };
	v[2] = (struct veh){ 0x63, 61, 460, 10, NAN, false, false };
	while (v[2].s <= l61.length_m - 3) {
		step(&r, v, 3, &now);
		move(&v[2], 0);
	}
	printf("  exits %u and %u: follower on 61 up to s %.1f (%.1f m along the road from the "
	       "second): %zu emissions, %" PRIu64 " leaders\n",
	       ex[0], ex[1], v[2].s - 10 * DT, l61.length_m - (v[2].s - 10 * DT) + lc.length_m + 10,
	       r.n_w, stats(&r)->leaders);
	CHECK(l61.length_m - (v[2].s - 10 * DT) + lc.length_m + 10 - LEN < 4 * 10);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(stats(&r)->leaders, 0);
	v[2].lane = conn[1];
	v[2].s = 3;
	while (v[2].s <= 10) {
		step(&r, v, 3, &now);
		move(&v[2], 0);
	}
	if (CHECK(rig_count(&r, TYPE, 0x63, &first) >= 1)) {
		printf("  on connector %u: warned about %02x at %.2f m, %.2f s\n", conn[1],
		       r.w[first].subject_vehicle, r.w[first].distance_m, r.w[first].tte_s);
		CHECK_UINT_EQ(r.w[first].subject_vehicle, 0x65);
		CHECK(near_rel(r.w[first].distance_m, lc.length_m - 3 + 10 - LEN, 0.0, 0.2));
	}
	for (size_t i = 0; i < r.n_w; i++)
		CHECK_UINT_EQ(r.w[i].subject_vehicle, 0x65);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* ---- staleness --------------------------------------------------------- */

/* A stopped leader goes silent while its follower is warned and still
 * approaching: the warning ends SOURCE_LOST just after stale_s. */
static void silent_leader(struct field *fld)
{
	struct rig r;
	int64_t now = T0, last_heard = 0;
	struct veh v[2] = { { 0xF4, 41, 300, 0, 0, false, false },
		            { 0xF3, 41, 230, 10, NAN, false, false } };

	if (!CHECK(rig_open(&r, fld, apps, 1) == 0))
		return;
	while (v[1].s < 270) {
		if (!v[0].silent && r.n_w > 0 && v[1].s >= 255) {
			v[0].silent = true;
			last_heard = now - RIG_STEP_US;
		}
		step(&r, v, 2, &now);
		move(&v[1], 0);
	}
	rig_print(&r);
	CHECK(last_heard != 0);
	CHECK(r.n_w >= 1 && r.w[0].issued && r.w[0].subject_vehicle == 0xF4);
	if (CHECK(r.n_c == 1) && r.n_w > 0) {
		double after = (double)(r.c[0].time_us - last_heard) / 1e6;
		printf("silent leader: last heard at t %.1f s, warning ended %s %.1f s later\n",
		       (double)(last_heard - T0) / 1e6, brk_warn_reason_name((size_t)r.c[0].reason),
		       after);
		CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
		CHECK_INT_EQ(r.c[0].reason, LOST);
		CHECK(after > 1.0 && after < 1.15);
	}
	CHECK_UINT_EQ(stats(&r)->lost, 1);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	fld_ = &f;
	braking_leader(&f);
	leader_drives_on(&f);
	lane_joint(&f);
	hairpin_legs(&f);
	oncoming(&f);
	viaduct(&f);
	fork_ahead(&f);
	moving_away(&f);
	silent_leader(&f);
	field_close(&f);
	return check_exit();
}
