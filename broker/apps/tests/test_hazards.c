/*
 * The hazard table (hazards.h) on the generated test field: an RSI event
 * becomes a hazard that asks for its lanes and has none until they are
 * set; heard again from another RSU it stays the same hazard, with its
 * expiry extended; moved, it asks again with a new generation and an
 * answer of the old one is ignored; a path-shaped zone carries its path;
 * expiry by end time and by silence is reported; the map changing drops
 * every lane.  RSM participants: a stopped pedestrian is matched to its
 * lane in memory (by elevation, to the road below the viaduct rather than
 * the viaduct, and the reverse), a moving car is no hazard and a stopped
 * one that drives off is removed.  A full table refuses; the counters
 * reach the metrics.
 */
#include <math.h>
#include <string.h>

#include "broker/apps/hazards.h"
#include "broker/apps/tests/field.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0   FIELD_T0_US
#define STEP 100000LL

struct rec {
	size_t n_req, n_added, n_removed;
	struct brk_lanes_request last_req;
	uint64_t removed_id;
	enum brk_hazard_end removed_why;
};

static void on_lanes(void *arg, const struct brk_lanes_request *req)
{
	struct rec *r = arg;

	r->n_req++;
	r->last_req = *req;
}

static void on_added(void *arg, const struct brk_hazard *hz)
{
	(void)hz;
	((struct rec *)arg)->n_added++;
}

static void on_removed(void *arg, const struct brk_hazard *hz, enum brk_hazard_end why)
{
	struct rec *r = arg;

	r->n_removed++;
	r->removed_id = hz->id;
	r->removed_why = why;
}

static struct brk_hazards *make(struct rec *r, size_t capacity)
{
	struct brk_hazards_cfg cfg = { .capacity = capacity };
	struct brk_hazards_sink sink = { on_lanes, on_added, on_removed, r };
	struct brk_hazards *h = NULL;

	memset(r, 0, sizeof(*r));
	CHECK_INT_EQ(brk_hazards_new(&cfg, &sink, &h), 0);
	return h;
}

/* An RSI of id `sender` with the one event *rte. */
static struct v2x_rsi rsi_of(uint8_t sender, struct v2x_rte *rte, const struct field_point *ref)
{
	struct v2x_rsi rsi = { .n_rtes = 1, .rtes = rte };

	memset(rsi.id, sender, V2X_ID_LEN);
	rsi.ref_pos = (struct v2x_pos3d){ ref->lat_deg, ref->lon_deg, true, ref->z };
	return rsi;
}

static struct v2x_rte rockfall_at(const struct field_point *p, double radius_m)
{
	return (struct v2x_rte){ .id = 3,
		                 .event_type = 401,
		                 .has_pos = true,
		                 .pos = field_llv(p),
		                 .has_radius = true,
		                 .radius_m = radius_m };
}

static const struct brk_hazard_src src_a = { { 1 }, "cq-rsu-a", 100, T0 - 500 };
static const struct brk_hazard_src src_b = { { 2 }, "cq-rsu-b", 200, T0 - 400 };

static size_t on_lane(const struct brk_hazards *h, uint32_t lane, struct brk_lane_span *span)
{
	struct brk_hazards_iter it;
	size_t n = 0;

	for (const struct brk_hazard *hz = brk_hazards_lane_first(h, lane, &it, span); hz;
	     hz = brk_hazards_lane_next(h, &it, span))
		n++;
	return n;
}

/* The rockfall slope of the ground truth, on lane 11 at s 224..323: the
 * hazard's lifecycle through offers, answers and the sweep. */
static void rsi_event(struct field *f)
{
	struct rec r = { 0 };
	struct brk_hazards *h = make(&r, 8);
	struct field_point c, moved;
	struct v2x_rte rte;
	struct v2x_rsi rsi;
	const struct brk_hazard *hz;
	struct brk_lane_span span, answer = { 11, 323, 224 }, answer2 = { 11, 250, 340 };
	uint64_t id;

	CHECK_INT_EQ(field_at(f, 11, 273, &c), 0);
	rte = rockfall_at(&c, 60);
	rsi = rsi_of(0x51, &rte, &c);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0), 1);
	CHECK_UINT_EQ(r.n_added, 1);
	CHECK_UINT_EQ(r.n_req, 1);
	id = r.last_req.hazard_id;
	CHECK_UINT_EQ(r.last_req.generation, 1);
	CHECK_UINT_EQ(r.last_req.event_type, 401);
	CHECK_DBL_NEAR(r.last_req.lat_deg, c.lat_deg, 1e-12);
	CHECK_DBL_NEAR(r.last_req.radius_m, 60, 0);
	CHECK_UINT_EQ(r.last_req.n_paths, 0);
	hz = brk_hazards_find(h, id);
	if (!CHECK(hz != NULL))
		return;
	CHECK_INT_EQ(hz->kind, BRK_HAZARD_RSI);
	CHECK_DBL_NEAR(hz->x, c.x, 1e-3);
	CHECK_DBL_NEAR(hz->y, c.y, 1e-3);
	CHECK_DBL_NEAR(hz->elev_m, c.z, 1e-9);
	CHECK_STR_EQ(hz->rsu_id, "cq-rsu-a");
	CHECK_INT_EQ(hz->expiry_us, T0 + BRK_HAZARDS_DEFAULT_RSI_HOLD_US);
	/* No lanes until the answer: the applications skip it. */
	CHECK(!brk_hazard_active(hz, T0));
	CHECK_UINT_EQ(on_lane(h, 11, &span), 0);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, id, 1, &answer, 1), 0);
	hz = brk_hazards_find(h, id);
	CHECK(brk_hazard_active(hz, T0));
	CHECK_UINT_EQ(on_lane(h, 11, &span), 1);
	CHECK(span.s_from == 224 && span.s_to == 323);
	/* Heard again, 2 s later, through another RSU: same hazard, no new
	 * request, the expiry extended, the source the later copy. */
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_b, f->frame, T0 + 2000000), 0);
	hz = brk_hazards_find(h, id);
	CHECK_UINT_EQ(brk_hazards_stats(h)->live, 1);
	CHECK_UINT_EQ(r.n_req, 1);
	CHECK_INT_EQ(hz->expiry_us, T0 + 2000000 + BRK_HAZARDS_DEFAULT_RSI_HOLD_US);
	CHECK_STR_EQ(hz->rsu_id, "cq-rsu-b");
	CHECK_UINT_EQ(hz->seq, 200);
	/* Moved 30 m along the lane: a new request, generation 2; the old
	 * lanes stay until the answer; an answer for generation 1 is stale. */
	CHECK_INT_EQ(field_at(f, 11, 303, &moved), 0);
	rte.pos = field_llv(&moved);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + 3000000), 1);
	CHECK_UINT_EQ(r.last_req.hazard_id, id);
	CHECK_UINT_EQ(r.last_req.generation, 2);
	CHECK_UINT_EQ(on_lane(h, 11, &span), 1);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, id, 1, &answer2, 1), V2X_ENOTFOUND);
	CHECK_UINT_EQ(brk_hazards_stats(h)->lanes_stale, 1);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, id, 2, &answer2, 1), 0);
	CHECK_UINT_EQ(on_lane(h, 11, &span), 1);
	CHECK(span.s_from == 250 && span.s_to == 340);
	/* A radius 20 m larger is a move too; 5 m is not. */
	rsi.rtes[0].radius_m = 65;
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + 3100000), 0);
	rsi.rtes[0].radius_m = 85;
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + 3200000), 1);
	CHECK_UINT_EQ(r.last_req.generation, 3);
	/* Not heard for the hold time: swept, reported, gone from its lane. */
	CHECK_UINT_EQ(brk_hazards_sweep(h, T0 + 3200000 + BRK_HAZARDS_DEFAULT_RSI_HOLD_US, 10), 0);
	CHECK_UINT_EQ(brk_hazards_sweep(h, T0 + 3200001 + BRK_HAZARDS_DEFAULT_RSI_HOLD_US, 10), 1);
	CHECK_UINT_EQ(r.n_removed, 1);
	CHECK_UINT_EQ(r.removed_id, id);
	CHECK_INT_EQ(r.removed_why, BRK_HAZARD_NOT_HEARD);
	CHECK(brk_hazards_find(h, id) == NULL);
	CHECK_UINT_EQ(on_lane(h, 11, &span), 0);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, id, 3, &answer, 1), V2X_ENOTFOUND);
	CHECK_UINT_EQ(brk_hazards_stats(h)->lanes_unknown, 1);
	/* Heard once more: a new hazard with a new id. */
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + 9000000), 1);
	CHECK(r.last_req.hazard_id != id);
	brk_hazards_free(h);
}

/* An event with a time window and a reference path. */
static void rsi_time_and_path(struct field *f)
{
	struct rec r = { 0 };
	struct brk_hazards *h = make(&r, 8);
	struct field_point a, b;
	struct v2x_llv pts[2];
	struct v2x_ref_path path;
	struct v2x_rte rte;
	struct v2x_rsi rsi;
	struct brk_lane_span span = { 21, 430, 611 };
	const struct brk_hazard *hz;
	uint64_t id;

	CHECK_INT_EQ(field_at(f, 21, 430, &a), 0);
	CHECK_INT_EQ(field_at(f, 21, 611, &b), 0);
	pts[0] = field_llv(&a);
	pts[1] = field_llv(&b);
	path = (struct v2x_ref_path){ { 2, pts }, 4 };
	/* Ice at the tunnel portal from T0 - 10 min to T0 + 20 min. */
	rte = (struct v2x_rte){ .id = 1, .event_type = 707, .paths = { 1, &path } };
	rte.has_time = true;
	rte.time = (struct v2x_rsi_time){ .has_start = true,
		                          .start_moy_s = field_moy_s(T0) - 600,
		                          .has_end = true,
		                          .end_moy_s = field_moy_s(T0) + 1200 };
	rsi = rsi_of(0x52, &rte, &a);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0), 1);
	id = r.last_req.hazard_id;
	CHECK(isnan(r.last_req.radius_m));
	CHECK_UINT_EQ(r.last_req.n_paths, 1);
	CHECK_UINT_EQ(r.last_req.paths[0].n, 2);
	CHECK_DBL_NEAR(r.last_req.paths[0].radius_m, 4, 0);
	CHECK_DBL_NEAR(r.last_req.paths[0].lat_deg[1], b.lat_deg, 1e-12);
	/* No eventPos: the RSI's refPos is the event's position. */
	CHECK_DBL_NEAR(r.last_req.lat_deg, a.lat_deg, 1e-12);
	hz = brk_hazards_find(h, id);
	CHECK_INT_EQ(hz->start_us, T0 - 600000000LL);
	CHECK_INT_EQ(hz->expiry_us, T0 + 1200000000LL);
	CHECK(hz->expiry_is_end);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, id, 1, &span, 1), 0);
	/* The path changed: lanes asked again. */
	rsi.rtes[0].paths.v[0].points.v[1] = field_llv(&a);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + STEP), 1);
	CHECK_UINT_EQ(r.last_req.generation, 2);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, id, 2, &span, 1), 0);
	/* Not heard for 20 min: the end time, not a hold, ends it. */
	CHECK_UINT_EQ(brk_hazards_sweep(h, T0 + 1199000000LL, 10), 0);
	CHECK(brk_hazard_active(brk_hazards_find(h, id), T0 + 1199000000LL));
	CHECK(!brk_hazard_active(brk_hazards_find(h, id), T0 + 1200000000LL));
	CHECK_UINT_EQ(brk_hazards_sweep(h, T0 + 1200000001LL, 10), 1);
	CHECK_INT_EQ(r.removed_why, BRK_HAZARD_END_TIME);
	/* Heard after its end time: ignored. */
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + 1300000000LL), 0);
	CHECK_UINT_EQ(brk_hazards_stats(h)->rte_ended, 1);
	CHECK_UINT_EQ(brk_hazards_stats(h)->live, 0);
	brk_hazards_free(h);
}

static struct v2x_participant participant(uint8_t type, uint16_t ptc_id,
                                          const struct field_point *p, double speed_mps)
{
	struct v2x_participant x = { .ptc_type = type,
		                     .ptc_id = ptc_id,
		                     .pos = field_llv(p),
		                     .speed_mps = speed_mps,
		                     .heading_deg = p->heading_deg,
		                     .size = { NAN, NAN, false, NAN } };

	/* A pedestrian's or an object's heading says nothing of the lane. */
	if (type == V2X_PTC_MOTOR)
		x.size = (struct v2x_vsize){ 1.8, 4.5, false, NAN };
	else
		x.heading_deg = NAN;
	return x;
}

static uint32_t lane_of(const struct brk_hazards *h, uint64_t id)
{
	const struct brk_hazard *hz = brk_hazards_find(h, id);

	return hz && hz->n_spans ? hz->spans[0].lane_id : 0;
}

/* RSM participants matched in memory; the pedestrians at the viaduct's
 * crossing of the road below are told apart by elevation. */
static void rsm_participants(struct field *f)
{
	struct rec r = { 0 };
	struct brk_hazards *h = make(&r, 8);
	json_t *cr = json_array_get(
	        json_object_get(json_array_get(json_object_get(f->truth, "bridges"), 0),
	                        "crossings"),
	        0);
	uint32_t up = (uint32_t)json_integer_value(json_object_get(cr, "upper_lane"));
	uint32_t low = (uint32_t)json_integer_value(json_object_get(cr, "lower_lane"));
	double up_s = json_number_value(json_object_get(cr, "upper_s"));
	double low_s = json_number_value(json_object_get(cr, "lower_s"));
	struct field_point ped, below, above, car;
	struct v2x_participant ps[4];
	struct v2x_rsm rsm;
	const struct brk_hazard *hz;
	struct brk_lane_span span;

	printf("viaduct crossing: lane %u s %.1f over lane %u s %.1f\n", up, up_s, low, low_s);
	CHECK_INT_EQ(field_at(f, 31, 500, &ped), 0);
	CHECK_INT_EQ(field_at(f, low, low_s, &below), 0);
	CHECK_INT_EQ(field_at(f, up, up_s, &above), 0);
	CHECK_INT_EQ(field_at(f, 12, 100, &car), 0);
	ps[0] = participant(V2X_PTC_PEDESTRIAN, 1, &ped, 0);
	ps[1] = participant(V2X_PTC_PEDESTRIAN, 2, &below, 1);
	ps[2] = participant(V2X_PTC_UNKNOWN, 3, &above, NAN);
	ps[3] = participant(V2X_PTC_MOTOR, 4, &car, 12); /* moving: no hazard */
	rsm = (struct v2x_rsm){ .n_participants = 4, .participants = ps };
	memset(rsm.id, 0x77, V2X_ID_LEN);
	rsm.ref_pos = (struct v2x_pos3d){ 29.6, 106.5, true, 300 };
	CHECK_INT_EQ(brk_hazards_offer_rsm(h, &rsm, &src_a, f->idx, f->frame, T0), 3);
	CHECK_UINT_EQ(r.n_added, 3);
	CHECK_UINT_EQ(r.n_req, 0);
	CHECK_UINT_EQ(lane_of(h, 1), 31);
	CHECK_UINT_EQ(lane_of(h, 2), low);
	CHECK_UINT_EQ(lane_of(h, 3), up);
	CHECK_UINT_EQ(on_lane(h, 31, &span), 1);
	CHECK_DBL_NEAR(span.s_from, 500 - BRK_HAZARDS_DEFAULT_RSM_SPAN_M, 0.05);
	CHECK_DBL_NEAR(span.s_to, 500 + BRK_HAZARDS_DEFAULT_RSM_SPAN_M, 0.05);
	hz = brk_hazards_find(h, 1);
	CHECK(brk_hazard_active(hz, T0));
	CHECK_INT_EQ(hz->kind, BRK_HAZARD_RSM);
	CHECK_INT_EQ(hz->ptc_type, V2X_PTC_PEDESTRIAN);
	CHECK_UINT_EQ(brk_hazards_stats(h)->not_slow, 1);
	/* The car stops: a hazard on its lane, the span grown by half its
	 * length; then it drives off: removed. */
	rsm.participants[3].speed_mps = 0.5;
	CHECK_INT_EQ(brk_hazards_offer_rsm(h, &rsm, &src_a, f->idx, f->frame, T0 + STEP), 4);
	CHECK_UINT_EQ(lane_of(h, 4), 12);
	CHECK_DBL_NEAR(brk_hazards_find(h, 4)->spans[0].s_to, 100 + 5 + 2.25, 0.05);
	rsm.participants[3].speed_mps = 9;
	CHECK_INT_EQ(brk_hazards_offer_rsm(h, &rsm, &src_a, f->idx, f->frame, T0 + 2 * STEP), 3);
	CHECK_INT_EQ(r.removed_why, BRK_HAZARD_MOVED_ON);
	CHECK(brk_hazards_find(h, 4) == NULL);
	CHECK_UINT_EQ(on_lane(h, 12, &span), 0);
	/* Participants last rsm_hold_us after their last hearing. */
	CHECK_UINT_EQ(brk_hazards_sweep(h, T0 + 2 * STEP + BRK_HAZARDS_DEFAULT_RSM_HOLD_US + 1, 10),
	              3);
	CHECK_INT_EQ(r.removed_why, BRK_HAZARD_NOT_HEARD);
	CHECK_UINT_EQ(brk_hazards_stats(h)->live, 0);
	brk_hazards_free(h);
}

/* A map change drops every lane; the RSI event asks again when next heard,
 * the participant is matched again. */
static void map_change_capacity_metrics(struct field *f)
{
	struct rec r = { 0 };
	struct brk_hazards *h = make(&r, 2);
	struct field_point c, ped;
	struct v2x_rte rte;
	struct v2x_rsi rsi;
	struct v2x_participant p;
	struct v2x_rsm rsm;
	struct brk_lane_span span = { 11, 224, 323 };
	struct v2x_metrics m;
	struct v2x_metrics_buf out = { 0 };
	char err[256];

	CHECK_INT_EQ(field_at(f, 11, 273, &c), 0);
	CHECK_INT_EQ(field_at(f, 31, 500, &ped), 0);
	rte = rockfall_at(&c, 60);
	rsi = rsi_of(0x53, &rte, &c);
	p = participant(V2X_PTC_PEDESTRIAN, 9, &ped, 0);
	rsm = (struct v2x_rsm){ .n_participants = 1, .participants = &p };
	memset(rsm.id, 0x78, V2X_ID_LEN);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0), 1);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, 1, 1, &span, 1), 0);
	CHECK_INT_EQ(brk_hazards_offer_rsm(h, &rsm, &src_a, f->idx, f->frame, T0), 1);
	brk_hazards_map_changed(h);
	CHECK(!brk_hazard_active(brk_hazards_find(h, 1), T0));
	CHECK(!brk_hazard_active(brk_hazards_find(h, 2), T0));
	CHECK_UINT_EQ(on_lane(h, 11, &span), 0);
	CHECK_INT_EQ(brk_hazards_set_lanes(h, 1, 1, &span, 1), V2X_ENOTFOUND);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + STEP), 1);
	CHECK_UINT_EQ(r.last_req.generation, 2);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &src_a, f->frame, T0 + 2 * STEP), 0);
	CHECK_INT_EQ(brk_hazards_offer_rsm(h, &rsm, &src_a, f->idx, f->frame, T0 + STEP), 1);
	CHECK(brk_hazard_active(brk_hazards_find(h, 2), T0 + STEP));
	/* Full: a third hazard is refused. */
	rsm.participants[0].ptc_id = 10;
	CHECK_INT_EQ(brk_hazards_offer_rsm(h, &rsm, &src_a, f->idx, f->frame, T0 + 2 * STEP), 0);
	CHECK_UINT_EQ(brk_hazards_stats(h)->refused, 1);
	CHECK_INT_EQ(brk_hazards_offer_rsi(h, &rsi, &(struct brk_hazard_src){ .rsu = { 0 } },
	                                   f->frame, T0),
	             V2X_EINVAL);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(brk_hazards_metrics_add(h, &m, NULL, 0, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &out), 0);
	CHECK(strstr(out.data, "v2x_broker_hazards_live 2\n") != NULL);
	CHECK(strstr(out.data, "v2x_broker_hazards_dropped_total{cause=\"table_full\"} 1\n") !=
	      NULL);
	CHECK(strstr(out.data, "v2x_broker_hazards_lanes_total{outcome=\"requested\"} 2\n") !=
	      NULL);
	v2x_metrics_buf_fini(&out);
	v2x_metrics_fini(&m);
	brk_hazards_free(h);
}

int main(void)
{
	struct field f;

	if (field_open(&f) < 0)
		return 1;
	rsi_event(&f);
	rsi_time_and_path(&f);
	rsm_participants(&f);
	map_change_capacity_metrics(&f);
	field_close(&f);
	return check_exit();
}
