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
#include "broker/apps/tests/field.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0    FIELD_T0_US
#define STEP  100000LL /* 10 Hz */
#define MAXEV 512

struct emission {
	uint8_t target;
	uint64_t id, hazard_id;
	uint32_t revision;
	bool issued;
	int severity;
	double distance_m, tte_s;
	size_t n_sources;
	char src0[16], src1[16];
	double lat_deg;
};

struct cancel {
	uint64_t id;
	int reason;
	bool expired;
	int64_t time_us;
};

struct rig {
	struct field *f;
	struct brk_tracks *tracks;
	struct brk_hazards *hazards;
	struct brk_warn *warn;
	struct brk_apps *apps;
	struct brk_app_ctx ctx;
	uint64_t seq;
	uint8_t msg_cnt;
	size_t wrong_lane; /* BSMs the matcher put on another lane than driven */
	/* The last lanes request, as the PostGIS worker would receive it. */
	uint64_t req_id;
	uint32_t req_gen;
	size_t n_w, n_c;
	struct emission w[MAXEV];
	struct cancel c[MAXEV];
};

static void on_warning(void *arg, const V2x__Wire__Warning *w, bool issued, double target_lat,
                       double target_lon)
{
	struct rig *r = arg;
	struct emission *e = &r->w[r->n_w];

	(void)target_lat;
	(void)target_lon;
	if (r->n_w == MAXEV)
		return;
	r->n_w++;
	*e = (struct emission){ .target = w->target_vehicle_id.data[0],
		                .id = w->warning_id,
		                .revision = w->revision,
		                .issued = issued,
		                .severity = (int)w->severity,
		                .distance_m = w->has_distance_m ? w->distance_m : NAN,
		                .tte_s = w->has_time_to_event_s ? w->time_to_event_s : NAN,
		                .n_sources = w->n_sources,
		                .lat_deg = w->position ? w->position->lat_deg : NAN };
	if (w->subject && w->subject->subject_case == V2X__WIRE__SUBJECT__SUBJECT_HAZARD)
		e->hazard_id = w->subject->hazard->hazard_id;
	if (w->n_sources == 2) {
		snprintf(e->src0, sizeof(e->src0), "%s", w->sources[0]->rsu_id);
		snprintf(e->src1, sizeof(e->src1), "%s", w->sources[1]->rsu_id);
	}
}

static void on_cancel(void *arg, const V2x__Wire__Cancellation *c, bool expired)
{
	struct rig *r = arg;

	if (r->n_c < MAXEV)
		r->c[r->n_c++] = (struct cancel){ c->warning_id, (int)c->reason, expired,
			                          (int64_t)c->time_us };
}

static void on_lanes(void *arg, const struct brk_lanes_request *req)
{
	struct rig *r = arg;

	r->req_id = req->hazard_id;
	r->req_gen = req->generation;
}

static int rig_open(struct rig *r, struct field *f)
{
	struct brk_tracks_cfg tc = { .capacity = 16 };
	struct brk_hazards_cfg hc = { .capacity = 16 };
	struct brk_warn_cfg wc = { .capacity = 64 };
	struct brk_hazards_sink hs = { .lanes_needed = on_lanes, .arg = r };
	struct brk_warn_sink ws = { on_warning, on_cancel, r };
	struct brk_app_entry apps[] = { { &brk_hazard_ahead_app, NULL } };
	char err[256];

	memset(r, 0, sizeof(*r));
	r->f = f;
	if (brk_tracks_new(&tc, &r->tracks) < 0 || brk_hazards_new(&hc, &hs, &r->hazards) < 0 ||
	    brk_warn_new(&wc, &ws, &r->warn) < 0 ||
	    brk_apps_new(apps, 1, &r->apps, err, sizeof(err)) < 0)
		return -1;
	r->ctx = (struct brk_app_ctx){
		.map = f->idx, .tracks = r->tracks, .hazards = r->hazards, .warn = r->warn
	};
	return 0;
}

static void rig_close(struct rig *r)
{
	brk_apps_free(r->apps);
	brk_warn_free(r->warn);
	brk_hazards_free(r->hazards);
	brk_tracks_free(r->tracks);
}

/*
 * A rockfall RSI event covering [s0, s1] of lane (its centre and radius
 * from the interval), heard at now_us; its lanes set as the PostGIS worker
 * would answer.  end_moy_s 0: no end time.  Returns the hazard id.
 */
static uint64_t rig_hazard(struct rig *r, uint8_t sender, uint32_t lane, double s0, double s1,
                           double end_moy_s, int64_t now_us)
{
	struct field_point c;
	struct v2x_rte rte = { .id = 1, .event_type = 401, .has_pos = true, .has_radius = true };
	struct v2x_rsi rsi;
	struct brk_hazard_src src = { { 1 }, "cq-rsu-a", 1000 + sender, now_us - 500 };
	struct brk_lane_span span = { lane, s0, s1 };

	CHECK_INT_EQ(field_at(r->f, lane, (s0 + s1) / 2, &c), 0);
	rte.pos = field_llv(&c);
	rte.radius_m = (s1 - s0) / 2;
	if (end_moy_s > 0)
		rte.has_time = rte.time.has_end = true;
	rte.time.end_moy_s = end_moy_s;
	rsi = (struct v2x_rsi){ .n_rtes = 1, .rtes = &rte };
	memset(rsi.id, sender, V2X_ID_LEN);
	rsi.ref_pos = (struct v2x_pos3d){ c.lat_deg, c.lon_deg, true, c.z };
	r->req_id = 0;
	CHECK_INT_EQ(brk_hazards_offer_rsi(r->hazards, &rsi, &src, r->f->frame, now_us), 1);
	CHECK_INT_EQ(brk_hazards_set_lanes(r->hazards, r->req_id, r->req_gen, &span, 1), 0);
	return r->req_id;
}

/* One BSM of vehicle vid (id: 8 times that byte) at s on lane, as the
 * core handles it. */
static void rig_bsm(struct rig *r, uint8_t vid, uint32_t lane, double s, double speed_mps,
                    int64_t now_us)
{
	struct brk_rsu_key rsu = { 2 };
	struct v2x_msg msg = { .type = V2X_MSG_BSM };
	struct v2x_bsm *b = &msg.u.bsm;
	struct brk_track *tr = NULL;
	struct field_point p;
	struct map_index_lane li;
	double x, y;
	int rc;

	CHECK_INT_EQ(field_at(r->f, lane, s, &p), 0);
	memset(b->id, vid, V2X_ID_LEN);
	b->msg_cnt = r->msg_cnt++ & 127;
	b->sec_mark_s = (double)(now_us / 1000 % 60000) / 1000;
	b->pos = (struct v2x_pos3d){ p.lat_deg, p.lon_deg, true, p.z };
	b->speed_mps = speed_mps;
	b->heading_deg = p.heading_deg;
	b->transmission = V2X_TRANS_FORWARD;
	rc = brk_tracks_update(r->tracks, b, rsu, now_us - 300, now_us, &tr);
	if (rc != BRK_TRACK_CREATED && rc != BRK_TRACK_UPDATED)
		return;
	CHECK_INT_EQ(map_frame_from_wgs84(r->f->frame, p.lat_deg, p.lon_deg, &x, &y), 0);
	brk_tracks_match(r->tracks, tr, r->f->idx, x, y, now_us);
	/* Away from the lane's ends, where two lanes meet, the match must be
	 * the lane driven, or a test could pass for the wrong reason. */
	map_index_lane(r->f->idx, lane, &li);
	if (s > 2 && s < li.length_m - 2 && (!tr->has_match || tr->match.lane_id != lane))
		r->wrong_lane++;
	r->ctx.now_us = now_us;
	brk_apps_observation(r->apps, &r->ctx,
	                     &(struct brk_app_event){ .type = V2X_MSG_BSM,
	                                              .msg = &msg,
	                                              .track = tr,
	                                              .rsu = rsu,
	                                              .rsu_id = "cq-rsu-b",
	                                              .seq = ++r->seq,
	                                              .rx_time_us = now_us - 300 });
}

/* The broker's tick, in the order app.h gives. */
static void rig_tick(struct rig *r, int64_t now_us)
{
	r->ctx.now_us = now_us;
	brk_apps_tick(r->apps, &r->ctx);
	brk_hazards_sweep(r->hazards, now_us, 64);
	brk_warn_tick(r->warn, now_us);
	brk_tracks_sweep(r->tracks, now_us, 64);
}

/* Drives vehicle vid along lane from s0 to s1 at speed_mps, a BSM and a
 * tick every 0.1 s from *now_us on. */
static void drive(struct rig *r, uint8_t vid, uint32_t lane, double s0, double s1, double speed_mps,
                  int64_t *now_us)
{
	double ds = speed_mps * STEP / 1e6;
	size_t n = (size_t)floor((s1 - s0) / ds + 1e-9);

	for (size_t k = 0; k <= n; k++) {
		rig_bsm(r, vid, lane, s0 + (double)k * ds, speed_mps, *now_us);
		rig_tick(r, *now_us);
		*now_us += STEP;
	}
}

/* Whether the change from a to b is material by the lifecycle's defaults. */
static bool material(const struct emission *a, const struct emission *b)
{
	return a->severity != b->severity ||
	       fabs(b->distance_m - a->distance_m) > fmax(10, 0.2 * a->distance_m) ||
	       fabs(b->tte_s - a->tte_s) > fmax(1, 0.2 * a->tte_s);
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
		const struct emission *a = &r->w[i - 1], *b = &r->w[i];
		CHECK(!b->issued);
		CHECK_UINT_EQ(b->id, r->w[0].id);
		CHECK_UINT_EQ(b->revision, i);
		CHECK(b->distance_m <= a->distance_m);
		if (!material(a, b))
			printf("update %zu: %.1f m %.2f s after %.1f m %.2f s is not material\n", i,
			       b->distance_m, b->tte_s, a->distance_m, a->tte_s);
		CHECK(material(a, b));
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

	if (!CHECK(rig_open(&r, f) == 0))
		return;
	hz = rig_hazard(&r, 0x31, 11, 224.014, 323.117, field_moy_s(T0) + 3600, now);
	drive(&r, 0xA1, 11, 0, 360, 15, &now);
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

	if (!CHECK(rig_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x32, 11, 224.014, 323.117, field_moy_s(T0) + 3600, now);
	printf("oncoming lane 12 s 225 is %.1f m from lane 11 s 273 (the rockfall)\n",
	       field_gap(f, 12, 225, 11, 273));
	drive(&r, 0xB1, 12, 0, 450, 15, &now);
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
	if (!CHECK(rig_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x33, c.low, c.low_s - 10, c.low_s + 10, field_moy_s(T0) + 3600, now);
	drive(&r, 0xC1, c.up, c.up_s - 60, c.up_s + 40, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);

	/* The road below: hazards on both viaduct lanes, vehicles under them
	 * in both directions. */
	if (!CHECK(rig_open(&r, f) == 0))
		return;
	now = T0;
	rig_hazard(&r, 0x34, c.up, c.up_s - 10, c.up_s + 10, field_moy_s(T0) + 3600, now);
	rig_hazard(&r, 0x35, c2.up, c2.up_s - 10, c2.up_s + 10, field_moy_s(T0) + 3600, now);
	CHECK(along(f, c2.low, c2.low_s - 40, c2.up, c2.up_s - 10, 2000) > 200);
	drive(&r, 0xC2, c.low, 0, c.low_s + 40, 15, &now);
	drive(&r, 0xC3, c2.low, c2.low_s - 40, c2.low_s + 20, 15, &now);
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
	if (!CHECK(rig_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x36, 31, hp->s1 + 60, hp->s1 + 80, field_moy_s(T0) + 3600, now);
	drive(&r, 0xD1, 31, hp->s0 - 100, hp->s0 - 60, 15, &now);
	CHECK_UINT_EQ(r.n_w, 0);
	drive(&r, 0xD1, 31, hp->s0 - 60 + 1.5, hp->s1 + 40, 15, &now);
	if (CHECK(r.n_w >= 1)) {
		printf("hairpin: warned first at %.1f m along the road\n", r.w[0].distance_m);
		CHECK(r.w[0].distance_m <= 180 && r.w[0].distance_m > 178.4);
	}
	CHECK_UINT_EQ(r.wrong_lane, 0);
	rig_close(&r);
	/* A hazard on the entry leg, a vehicle on the exit leg driving away. */
	if (!CHECK(rig_open(&r, f) == 0))
		return;
	now = T0;
	rig_hazard(&r, 0x37, 31, hp->s0 - 70, hp->s0 - 50, field_moy_s(T0) + 3600, now);
	drive(&r, 0xD2, 31, hp->s1 + 40, hp->s1 + 100, 15, &now);
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

	if (!CHECK(rig_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x38, 11, 224.014, 323.117, field_moy_s(T0) + 60, now);
	drive(&r, 0xE1, 11, 60, 190, 2, &now);
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

	if (!CHECK(rig_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x39, 11, 224.014, 323.117, 0, now);
	drive(&r, 0xE2, 11, 76, 90, 2, &now);
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

	if (!CHECK(rig_open(&r, f) == 0))
		return;
	rig_hazard(&r, 0x3a, 11, 224.014, 323.117, field_moy_s(T0) + 3600, now);
	drive(&r, 0xE3, 11, 100, 130, 15, &now);
	CHECK(r.n_w >= 1);
	for (int i = 0; i < 10; i++, now += STEP)
		rig_tick(&r, now);
	CHECK_UINT_EQ(r.n_c, 0);
	for (int i = 0; i < 2; i++, now += STEP)
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
