/*
 * Hazard ahead in lane (hazard_ahead.h) on the generated test field, with
 * BSMs at 10 Hz fed as the broker core feeds them: brk_tracks_update(),
 * the position converted to the map frame, brk_tracks_match(), then the
 * application through brk_apps, and the tick (applications, hazard sweep,
 * warning tick) at 10 Hz.  Hazards come from RSI rockfall events whose
 * lanes are set as the PostGIS worker would answer.
 *
 * - A vehicle approaching the rockfall on its lane at 15 m/s is issued one
 *   warning when the hazard comes within 180 m (15 m/s * 12 s), updated
 *   only as the distance shrinks materially, and cleared (RESOLVED) once
 *   it has passed.
 * - No warning for a vehicle in the oncoming lane beside the rockfall, on
 *   the viaduct right above a hazard on the road below, on the road below
 *   a hazard on the viaduct, or on the other leg of a hairpin (though
 *   straight-line distances are a few metres to a few tens of metres);
 *   the vehicle on the hairpin's entry leg is warned once it is within
 *   180 m along the road, at that distance.
 * - The event's end time passing cancels the warning (RESOLVED); an event
 *   no longer heard cancels it (SOURCE_LOST); a vehicle that goes silent
 *   loses its warning after the confirm timeout.
 */
#include <math.h>
#include <string.h>

#include "broker/apps/app.h"
#include "broker/apps/hazard_ahead.h"
#include "broker/apps/tests/rig.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0 FIELD_T0_US

static const struct brk_app_entry apps[] = { { &brk_hazard_ahead_app, NULL } };

static int ha_open(struct rig *r, struct field *f)
{
	return rig_open(r, f, apps, 1);
}

/* A rockfall RSI event covering [s0, s1] of lane (rig_event()). */
static uint64_t rig_hazard(struct rig *r, uint8_t sender, uint32_t lane, double s0, double s1,
                           double end_moy_s, int64_t now_us)
{
	uint64_t id = rig_event(r, sender, 401, lane, s0, s1, end_moy_s, now_us);

	CHECK(id != 0);
	return id;
}

/* ---- the positive case ------------------------------------------------- */

static void check_emissions(const struct rig *r, uint64_t hazard, double horizon_m)
{
	CHECK(r->n_w >= 3);
	CHECK(r->w[0].issued && r->w[0].revision == 0);
	CHECK_UINT_EQ(r->w[0].hazard_id, hazard);
	CHECK(r->w[0].distance_m <= horizon_m && r->w[0].distance_m > horizon_m - 1.6);
	CHECK_INT_EQ(r->w[0].severity, V2X__WIRE__SEVERITY__SEVERITY_ADVISORY);
	CHECK_UINT_EQ(r->w[0].n_sources, 2);
	CHECK_STR_EQ(r->w[0].src0, "cq-rsu-a");
	CHECK_STR_EQ(r->w[0].src1, "cq-rsu-b");
	for (size_t i = 1; i < r->n_w; i++) {
		const struct rig_emission *a = &r->w[i - 1], *b = &r->w[i];
		CHECK(!b->issued);
		CHECK_UINT_EQ(b->id, r->w[0].id);
		CHECK_UINT_EQ(b->revision, i);
		CHECK(b->distance_m <= a->distance_m);
		if (!rig_material(a, b))
			printf("update %zu: %.1f m %.2f s after %.1f m %.2f s is not material\n", i,
			       b->distance_m, b->tte_s, a->distance_m, a->tte_s);
		CHECK(rig_material(a, b));
	}
	/* The last metres to the hazard are no material change any more. */
	CHECK(r->w[r->n_w - 1].distance_m < 12);
	CHECK_INT_EQ(r->w[r->n_w - 1].severity, V2X__WIRE__SEVERITY__SEVERITY_CRITICAL);
}

/* The rockfall slope of the ground truth, on lane 11 at s 224..323. */
static void approach_and_pass(struct field *f)
{
	struct rig r;
	int64_t now = T0;
	uint64_t hz;

	if (!CHECK(ha_open(&r, f) == 0))
		return;
	hz = rig_hazard(&r, 0x31, 11, 224.014, 323.117, field_moy_s(T0) + 3600, now);
	rig_drive(&r, 0xA1, 11, 0, 360, 15, &now);
	printf("approach at 15 m/s: %zu warning messages (1 issue, %zu updates), %zu "
	       "cancellations for ~240 BSMs\n",
	       r.n_w, r.n_w ? r.n_w - 1 : 0, r.n_c);
	for (size_t i = 0; i < r.n_w; i++)
		printf("  rev %u: %.1f m, %.2f s, severity %d\n", r.w[i].revision,
		       r.w[i].distance_m, r.w[i].tte_s, r.w[i].severity);
	check_emissions(&r, hz, 180);
	CHECK(r.n_w <= 16);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
	CHECK(!r.c[0].expired);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
	CHECK_UINT_EQ(brk_hazard_ahead_stats(brk_apps_state(r.apps, 0))->passed, 1);
	rig_close(&r);
}

/* ---- the cases a straight-line radius would get wrong ------------------ */

static void oncoming(struct field *f)
{
	struct rig r;
	int64_t now = T0;

	if (!CHECK(ha_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x32, 11, 224.014, 323.117, field_moy_s(T0) + 3600, now);
	printf("oncoming lane 12 s 225 is %.1f m from lane 11 s 273 (the rockfall)\n",
	       field_gap(f, 12, 225, 11, 273));
	rig_drive(&r, 0xB1, 12, 0, 450, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
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

/* Along the road from (a, sa) to (b, sb) within max_m, or INFINITY. */
static double along(struct field *f, uint32_t a, double sa, uint32_t b, double sb, double max_m)
{
	double d;

	return map_index_along(f->idx, a, sa, b, sb, max_m, &d) == 0 && d > 0 ? d : INFINITY;
}

/* The viaduct over the valley road: a hazard below, a vehicle crossing
 * over it; a hazard on the viaduct, vehicles passing under it both ways. */
static void bridge(struct field *f)
{
	struct crossing c = crossing_of(f, 0), c2 = crossing_of(f, 3);
	struct field_point a, b;
	struct rig r;
	int64_t now = T0;

	CHECK_INT_EQ(field_at(f, c.up, c.up_s, &a), 0);
	CHECK_INT_EQ(field_at(f, c.low, c.low_s, &b), 0);
	printf("viaduct: lane %u s %.0f is %.2f m across and %.2f m above lane %u s %.0f, "
	       "%.0f m along the road\n",
	       c.up, c.up_s, hypot(a.x - b.x, a.y - b.y), a.z - b.z, c.low, c.low_s,
	       along(f, c.up, c.up_s, c.low, c.low_s, 2000));
	CHECK(hypot(a.x - b.x, a.y - b.y) < 2 && a.z - b.z > 8);
	/* Beyond the horizon along the road, or a warning would be right. */
	CHECK(along(f, c.up, c.up_s - 60, c.low, c.low_s - 10, 2000) > 200);
	if (!CHECK(ha_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x33, c.low, c.low_s - 10, c.low_s + 10, field_moy_s(T0) + 3600, now);
	rig_drive(&r, 0xC1, c.up, c.up_s - 60, c.up_s + 40, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);

	/* The road below: hazards on both viaduct lanes, vehicles under them
	 * in both directions. */
	if (!CHECK(ha_open(&r, f) == 0))
		return;
	now = T0;
	rig_hazard(&r, 0x34, c.up, c.up_s - 10, c.up_s + 10, field_moy_s(T0) + 3600, now);
	rig_hazard(&r, 0x35, c2.up, c2.up_s - 10, c2.up_s + 10, field_moy_s(T0) + 3600, now);
	CHECK(along(f, c2.low, c2.low_s - 40, c2.up, c2.up_s - 10, 2000) > 200);
	rig_drive(&r, 0xC2, c.low, 0, c.low_s + 40, 15, &now);
	rig_drive(&r, 0xC3, c2.low, c2.low_s - 40, c2.low_s + 20, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* The first hairpin of the staircase on lane 31 with 120 m of leg after it. */
static const struct map_curve *hairpin(struct field *f)
{
	for (size_t i = 0; i < f->m.n_curves; i++) {
		const struct map_curve *c = &f->m.curves[i];
		if (c->hairpin && c->lane_id == 31 && c->s0 > 120)
			return c;
	}
	return NULL;
}

static void hairpin_legs(struct field *f)
{
	const struct map_curve *hp = hairpin(f);
	struct rig r;
	int64_t now = T0;
	double gap, road;

	if (!CHECK(hp != NULL))
		return;
	gap = field_gap(f, 31, hp->s0 - 70, 31, hp->s1 + 70);
	road = along(f, 31, hp->s0 - 60, 31, hp->s1 + 60, 2000);
	printf("hairpin %u: entry leg s %.0f and exit leg s %.0f are %.1f m apart; the hazard "
	       "is %.0f m along the road from the end of the first drive\n",
	       hp->id, hp->s0 - 70, hp->s1 + 70, gap, road);
	CHECK(gap < 80 && road > 200);
	/* A hazard on the exit leg, a vehicle on the entry leg: not warned
	 * while the hazard is beyond 180 m along the road, however near in a
	 * straight line; warned once it is within, at that distance. */
	if (!CHECK(ha_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x36, 31, hp->s1 + 60, hp->s1 + 80, field_moy_s(T0) + 3600, now);
	rig_drive(&r, 0xD1, 31, hp->s0 - 100, hp->s0 - 60, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	rig_drive(&r, 0xD1, 31, hp->s0 - 60 + 1.5, hp->s1 + 40, 15, &now);
	if (CHECK(r.n_w >= 1)) {
		printf("hairpin: warned first at %.1f m along the road\n", r.w[0].distance_m);
		CHECK(r.w[0].distance_m <= 180 && r.w[0].distance_m > 178.4);
	}
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
	/* A hazard on the entry leg, a vehicle on the exit leg driving away. */
	if (!CHECK(ha_open(&r, f) == 0))
		return;
	now = T0;
	rig_hazard(&r, 0x37, 31, hp->s0 - 70, hp->s0 - 50, field_moy_s(T0) + 3600, now);
	rig_drive(&r, 0xD2, 31, hp->s1 + 40, hp->s1 + 100, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
}

/* ---- endings ----------------------------------------------------------- */

/* The event's end time passes while a slow vehicle is warned. */
static void event_ends(struct field *f)
{
	struct rig r;
	int64_t now = T0;

	if (!CHECK(ha_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x38, 11, 224.014, 323.117, field_moy_s(T0) + 60, now);
	rig_drive(&r, 0xE1, 11, 60, 190, 2, &now);
	CHECK(now > T0 + 60000000);
	CHECK(r.n_w >= 1);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
	CHECK(!r.c[0].expired);
	/* At the first BSM or tick at the end time. */
	CHECK_INT_EQ(r.c[0].time_us, T0 + 60000000);
	CHECK(brk_hazards_stats(r.hazards)->removed_end_time == 1);
	CHECK_UINT_EQ(brk_warn_stats(r.warn)->active_total, 0);
	rig_close(&r);
}

/* An event heard once, without end time, lasts its hold (5 s). */
static void event_not_heard(struct field *f)
{
	struct rig r;
	int64_t now = T0;

	if (!CHECK(ha_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x39, 11, 224.014, 323.117, 0, now);
	rig_drive(&r, 0xE2, 11, 76, 90, 2, &now);
	CHECK(now > T0 + BRK_HAZARDS_DEFAULT_RSI_HOLD_US);
	CHECK(r.n_w >= 1);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK_INT_EQ(r.c[0].time_us, T0 + BRK_HAZARDS_DEFAULT_RSI_HOLD_US);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST);
	CHECK(brk_hazards_stats(r.hazards)->removed_not_heard == 1);
	rig_close(&r);
}

/* A warned vehicle goes silent: the confirm timeout cancels its warning. */
static void vehicle_silent(struct field *f)
{
	struct rig r;
	int64_t now = T0;

	if (!CHECK(ha_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x3a, 11, 224.014, 323.117, field_moy_s(T0) + 3600, now);
	rig_drive(&r, 0xE3, 11, 100, 130, 15, &now);
	CHECK(r.n_w >= 1);
	for (int i = 0; i < 10; i++, now += RIG_STEP_US)
		rig_tick(&r, now);
	CHECK_UINT_EQ(r.n_c, 0);
	for (int i = 0; i < 2; i++, now += RIG_STEP_US)
		rig_tick(&r, now);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST);
	rig_close(&r);
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	approach_and_pass(&f);
	oncoming(&f);
	bridge(&f);
	hairpin_legs(&f);
	event_ends(&f);
	event_not_heard(&f);
	vehicle_silent(&f);
	field_close(&f);
	return check_exit();
}
