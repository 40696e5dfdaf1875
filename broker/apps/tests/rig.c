/*
 * rig: the application interface driven as the broker core drives it
 * (rig.h).
 */
#include "broker/apps/tests/rig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"
#include "tests/check.h"

static void on_warning(void *arg, const V2x__Wire__Warning *w, bool issued, double target_lat,
                       double target_lon)
{
	struct rig *r = arg;
	struct rig_emission *e = &r->w[r->n_w];
	const V2x__Wire__Subject *sub = w->subject;

	(void)target_lat;
	(void)target_lon;
	if (r->n_w == RIG_MAXEV)
		return;
	r->n_w++;
	*e = (struct rig_emission){ .type = (int)w->type,
		                    .target = w->target_vehicle_id.data[0],
		                    .id = w->warning_id,
		                    .revision = w->revision,
		                    .issued = issued,
		                    .severity = (int)w->severity,
		                    .distance_m = w->has_distance_m ? w->distance_m : NAN,
		                    .tte_s = w->has_time_to_event_s ? w->time_to_event_s : NAN,
		                    .advisory_mps =
		                            w->has_advisory_speed_mps ? w->advisory_speed_mps : NAN,
		                    .lat_deg = w->position ? w->position->lat_deg : NAN,
		                    .n_sources = w->n_sources,
		                    .time_us = (int64_t)w->issue_time_us };
	if (sub && sub->subject_case == V2X__WIRE__SUBJECT__SUBJECT_HAZARD)
		e->hazard_id = sub->hazard->hazard_id;
	if (sub && sub->subject_case == V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID &&
	    sub->vehicle_id.len > 0)
		e->subject_vehicle = sub->vehicle_id.data[0];
	if (sub && sub->subject_case == V2X__WIRE__SUBJECT__SUBJECT_SIGNAL)
		e->phase_id = (uint8_t)sub->signal->phase_id;
	if (w->n_sources >= 1)
		snprintf(e->src0, sizeof(e->src0), "%s", w->sources[0]->rsu_id);
	if (w->n_sources >= 2)
		snprintf(e->src1, sizeof(e->src1), "%s", w->sources[1]->rsu_id);
	if (w->text)
		snprintf(e->text, sizeof(e->text), "%s", w->text);
}

static void on_cancel(void *arg, const V2x__Wire__Cancellation *c, bool expired)
{
	struct rig *r = arg;

	if (r->n_c < RIG_MAXEV)
		r->c[r->n_c++] = (struct rig_cancel){ c->warning_id, (int)c->reason, expired,
			                              (int64_t)c->time_us };
}

static void on_lanes(void *arg, const struct brk_lanes_request *req)
{
	struct rig *r = arg;

	r->req_id = req->hazard_id;
	r->req_gen = req->generation;
}

struct rig_opts rig_bsm_opts(void)
{
	return (struct rig_opts){ .accel_mps2 = NAN };
}

int rig_open(struct rig *r, struct field *f, const struct brk_app_entry *apps, size_t n)
{
	struct brk_tracks_cfg tc = { .capacity = 64 };
	struct brk_hazards_cfg hc = { .capacity = 16 };
	struct brk_spat_cfg sc = { .capacity = 64 };
	struct brk_warn_cfg wc = { .capacity = 256 };
	struct brk_hazards_sink hs = { .lanes_needed = on_lanes, .arg = r };
	struct brk_warn_sink ws = { on_warning, on_cancel, r };
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	r->f = f;
	if (brk_tracks_new(&tc, &r->tracks) < 0 || brk_hazards_new(&hc, &hs, &r->hazards) < 0 ||
	    brk_spat_new(&sc, &r->spat) < 0 || brk_warn_new(&wc, &ws, &r->warn) < 0 ||
	    brk_apps_new(apps, n, &r->apps, err, sizeof(err)) < 0) {
		fprintf(stderr, "rig: %s\n", err[0] ? err : "out of memory");
		return -1;
	}
	r->ctx = (struct brk_app_ctx){ .map = f->idx,
		                       .frame = f->frame,
		                       .tracks = r->tracks,
		                       .hazards = r->hazards,
		                       .spat = r->spat,
		                       .warn = r->warn };
	return 0;
}

void rig_close(struct rig *r)
{
	brk_apps_free(r->apps);
	brk_warn_free(r->warn);
	brk_spat_free(r->spat);
	brk_hazards_free(r->hazards);
	brk_tracks_free(r->tracks);
}

uint64_t rig_rsi(struct rig *r, const struct v2x_rsi *rsi, const struct brk_lane_span *span,
                 int64_t now_us)
{
	struct brk_hazard_src src = { { 1 }, "cq-rsu-a", ++r->seq, now_us - 500 };

	r->req_id = 0;
	if (brk_hazards_offer_rsi(r->hazards, rsi, &src, r->f->frame, now_us) < 0)
		return 0;
	if (r->req_id && span &&
	    brk_hazards_set_lanes(r->hazards, r->req_id, r->req_gen, span, 1) < 0)
		return 0;
	r->ctx.now_us = now_us;
	brk_apps_observation(r->apps, &r->ctx,
	                     &(struct brk_app_event){
	                             .type = V2X_MSG_RSI,
	                             .msg = &(struct v2x_msg){ .type = V2X_MSG_RSI, .u.rsi = *rsi },
	                             .rsu = src.rsu,
	                             .rsu_id = src.rsu_id,
	                             .seq = src.seq,
	                             .rx_time_us = src.rx_us });
	return r->req_id;
}

uint64_t rig_event(struct rig *r, uint8_t sender, uint16_t event_type, uint32_t lane, double s0,
                   double s1, double end_moy_s, int64_t now_us)
{
	struct field_point c;
	struct v2x_rte rte = {
		.id = 1, .event_type = event_type, .has_pos = true, .has_radius = true
	};
	struct v2x_rsi rsi;
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
	return rig_rsi(r, &rsi, &span, now_us);
}

/* The point at s on lane moved lateral_m to the left of travel. */
static void offset(struct field *f, struct field_point *p, double lateral_m)
{
	double h = p->heading_deg * M_PI / 180;

	if (lateral_m == 0)
		return;
	p->x += -cos(h) * lateral_m;
	p->y += sin(h) * lateral_m;
	CHECK_INT_EQ(map_frame_to_wgs84(f->frame, p->x, p->y, &p->lat_deg, &p->lon_deg), 0);
}

const struct brk_track *rig_bsm(struct rig *r, uint8_t vid, uint32_t lane, double s,
                                double speed_mps, const struct rig_opts *o, int64_t now_us)
{
	struct rig_opts dflt = rig_bsm_opts();
	struct brk_rsu_key rsu = { 2 };
	struct v2x_msg msg = { .type = V2X_MSG_BSM };
	struct v2x_bsm *b = &msg.u.bsm;
	struct brk_track *tr = NULL;
	struct field_point p;
	struct map_index_lane li;
	double x, y;
	int rc;

	if (!o)
		o = &dflt;
	CHECK_INT_EQ(field_at(r->f, lane, s, &p), 0);
	offset(r->f, &p, o->lateral_m);
	memset(b->id, vid, V2X_ID_LEN);
	b->msg_cnt = r->msg_cnt++ & 127;
	b->sec_mark_s = (double)(now_us / 1000 % 60000) / 1000;
	b->pos = (struct v2x_pos3d){ p.lat_deg, p.lon_deg, true, p.z + o->elev_delta_m };
	b->speed_mps = speed_mps;
	b->heading_deg = fmod(p.heading_deg + o->heading_delta + 360, 360);
	b->transmission = V2X_TRANS_FORWARD;
	b->accel = (struct v2x_accel4){ o->accel_mps2, NAN, NAN, NAN };
	if (o->braking) {
		b->brakes.has_pedal = b->brakes.has_wheel_brakes = true;
		b->brakes.pedal = V2X_PEDAL_ON;
		b->brakes.wheel_brakes = 0x1f;
	}
	b->size = (struct v2x_vsize){ .width_m = 1.8, .length_m = 4.5 };
	b->vclass.classification = o->vclass ? o->vclass : 10;
	rc = brk_tracks_update(r->tracks, b, rsu, now_us - 300, now_us, &tr);
	if (rc != BRK_TRACK_CREATED && rc != BRK_TRACK_UPDATED)
		return NULL;
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
	return tr;
}

void rig_spat(struct rig *r, const struct v2x_spat *spat, int64_t now_us)
{
	struct brk_rsu_key rsu = { 3 };

	CHECK(brk_spat_update(r->spat, spat, rsu, now_us - 200, now_us) >= 0);
	r->ctx.now_us = now_us;
	brk_apps_observation(
	        r->apps, &r->ctx,
	        &(struct brk_app_event){
	                .type = V2X_MSG_SPAT,
	                .msg = &(struct v2x_msg){ .type = V2X_MSG_SPAT, .u.spat = *spat },
	                .rsu = rsu,
	                .rsu_id = "cq-rsu-c",
	                .seq = ++r->seq,
	                .rx_time_us = now_us - 200 });
}

void rig_tick(struct rig *r, int64_t now_us)
{
	r->ctx.now_us = now_us;
	brk_apps_tick(r->apps, &r->ctx);
	brk_hazards_sweep(r->hazards, now_us, 64);
	brk_warn_tick(r->warn, now_us);
	brk_tracks_sweep(r->tracks, now_us, 64);
	brk_spat_sweep(r->spat, now_us, 64);
}

void rig_drive(struct rig *r, uint8_t vid, uint32_t lane, double s0, double s1, double speed_mps,
               int64_t *now_us)
{
	double ds = speed_mps * RIG_STEP_US / 1e6;
	size_t n = (size_t)floor((s1 - s0) / ds + 1e-9);

	for (size_t k = 0; k <= n; k++) {
		rig_bsm(r, vid, lane, s0 + (double)k * ds, speed_mps, NULL, *now_us);
		rig_tick(r, *now_us);
		*now_us += RIG_STEP_US;
	}
}

bool rig_material(const struct rig_emission *a, const struct rig_emission *b)
{
	return a->severity != b->severity ||
	       fabs(b->distance_m - a->distance_m) > fmax(10, 0.2 * fabs(a->distance_m)) ||
	       fabs(b->tte_s - a->tte_s) > fmax(1, 0.2 * fabs(a->tte_s)) ||
	       fabs(b->advisory_mps - a->advisory_mps) > 1 ||
	       isnan(a->distance_m) != isnan(b->distance_m) || isnan(a->tte_s) != isnan(b->tte_s) ||
	       isnan(a->advisory_mps) != isnan(b->advisory_mps);
}

size_t rig_count(const struct rig *r, int type, uint8_t vid, size_t *first)
{
	size_t n = 0;

	if (first)
		*first = SIZE_MAX;
	for (size_t i = 0; i < r->n_w; i++) {
		if (r->w[i].type != type || r->w[i].target != vid)
			continue;
		if (n++ == 0 && first)
			*first = i;
	}
	return n;
}

const struct rig_cancel *rig_cancel_of(const struct rig *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_c; i++)
		if (r->c[i].id == id)
			return &r->c[i];
	return NULL;
}

void rig_print(const struct rig *r)
{
	for (size_t i = 0; i < r->n_w; i++) {
		const struct rig_emission *e = &r->w[i];
		printf("  %s %" PRIu64 " rev %u to %02x (subject %02x, hazard %" PRIu64
		       "): severity %d, %.1f m, %.2f s, advisory %.2f m/s, t %.1f s: %s\n",
		       brk_warn_type_name((size_t)e->type), e->id, e->revision, e->target,
		       e->subject_vehicle, e->hazard_id, e->severity, e->distance_m, e->tte_s,
		       e->advisory_mps, (double)(e->time_us - FIELD_T0_US) / 1e6, e->text);
	}
	for (size_t i = 0; i < r->n_c; i++)
		printf("  cancel %" PRIu64 ": %s%s at t %.1f s\n", r->c[i].id,
		       brk_warn_reason_name((size_t)r->c[i].reason),
		       r->c[i].expired ? " (expired)" : "",
		       (double)(r->c[i].time_us - FIELD_T0_US) / 1e6);
}
