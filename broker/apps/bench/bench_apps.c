/*
 * bench-apps: what the warning applications cost per BSM, with 1,000 and
 * 10,000 vehicles driving the generated test field.
 *
 * Vehicles are spread evenly over every lane, all those of a lane at one
 * speed: 95 % of the lowest of the lane's posted limit and its curves'
 * advisory speeds, as careful drivers keep.  10,000 vehicles leave about
 * a metre of lane each, more than the field holds in a jam: vehicles of
 * different speeds would make every one a forward-collision warning and
 * the figure that of raising warnings, not of judging them.  The two
 * events do raise warnings: hazard ahead before the rockfall, curve speed
 * where the ice lowers the hairpins' advisory speeds.
 *
 * Every vehicle sends a BSM every 0.1 s (one round); each BSM goes through
 * what the broker core does with it: the track update, the position
 * converted to the map frame and matched to a lane (the baseline, timed
 * apart), then the applications (timed); the applications' tick runs once
 * a round and counts towards them.  A rockfall and an ice event are
 * active, a SPAT for the junction comes every round, so that every
 * application has work.  Prints, one figure a line:
 *
 *   apps_ns_per_bsm_1k, apps_ns_per_bsm_10k       all applications
 *   state_ns_per_bsm_1k, state_ns_per_bsm_10k     the baseline
 *   apps_vs_state_ratio_1k, apps_vs_state_ratio_10k
 *   app_NAME_ns_per_bsm_10k                       each application alone
 *   warnings_issued_10k                           what the run raised
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/apps/appset.h"
#include "broker/apps/tests/field.h"
#include "maps/gen/mapgen.h"
#include "runtime/err.h"

#define ROUND_US 100000LL

struct veh {
	uint32_t lane;
	double s, len, v;
	struct brk_track *tr;
	struct v2x_msg msg;
};

struct run {
	struct field *f;
	size_t n;
	struct veh *veh;
	uint32_t *lanes;
	size_t n_lanes;
	struct brk_tracks *tracks;
	struct brk_hazards *hazards;
	struct brk_spat *spat;
	struct brk_warn *warn;
	struct brk_appset *set;
	struct brk_apps *apps;
	struct brk_app_ctx ctx;
	uint64_t req_id;
	uint32_t req_gen;
	uint64_t issued;
	double state_ns, apps_ns;
	size_t bsms;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void on_warning(void *arg, const V2x__Wire__Warning *w, bool issued, double lat, double lon)
{
	struct run *r = arg;

	(void)w;
	(void)lat;
	(void)lon;
	r->issued += issued;
}

static void on_cancel(void *arg, const V2x__Wire__Cancellation *c, bool expired)
{
	(void)arg;
	(void)c;
	(void)expired;
}

static void on_lanes(void *arg, const struct brk_lanes_request *req)
{
	struct run *r = arg;

	r->req_id = req->hazard_id;
	r->req_gen = req->generation;
}

/* The lowest of lane's posted limits and advisory speeds. */
static double careful_mps(const struct map_lane *l)
{
	double v = l->speed_limit_mps;

	for (size_t k = 0; k < l->n_samples; k++) {
		const struct map_sample *smp = &l->samples[k];
		v = fmin(v, smp->speed_limit_mps);
		if (!isnan(smp->advisory_mps))
			v = fmin(v, smp->advisory_mps);
	}
	return v;
}

/* Vehicles spread evenly over every lane of the field. */
static int place(struct run *r)
{
	const struct map_model *m = &r->f->m;
	double total = 0, step;

	for (size_t i = 0; i < m->n_lanes; i++)
		total += m->lanes[i].length_m;
	step = total / (double)r->n;
	for (size_t i = 0; i < r->n; i++) {
		double base = 0, at = step * ((double)i + 0.5);
		size_t li;
		for (li = 0; li < m->n_lanes && base + m->lanes[li].length_m < at; li++)
			base += m->lanes[li].length_m;
		if (li == m->n_lanes)
			li = m->n_lanes - 1;
		r->veh[i] = (struct veh){ .lane = m->lanes[li].id,
			                  .s = at - base,
			                  .len = m->lanes[li].length_m,
			                  .v = 0.95 * careful_mps(&m->lanes[li]) };
	}
	return 0;
}

/* An RSI event of event_type on lane's [s0, s1], its lanes answered. */
static void event(struct run *r, uint8_t sender, uint16_t type, uint32_t lane, double s0, double s1,
                  int64_t now_us)
{
	struct field_point c;
	struct v2x_rte rte = { .id = 1, .event_type = type, .has_pos = true, .has_radius = true };
	struct v2x_rsi rsi;
	struct brk_hazard_src src = { { 1 }, "bench-rsu", sender, now_us };
	struct brk_lane_span span = { lane, s0, s1 };

	if (field_at(r->f, lane, (s0 + s1) / 2, &c) != 0)
		return;
	rte.pos = field_llv(&c);
	rte.radius_m = (s1 - s0) / 2;
	rsi = (struct v2x_rsi){ .n_rtes = 1, .rtes = &rte };
	memset(rsi.id, sender, V2X_ID_LEN);
	rsi.ref_pos = (struct v2x_pos3d){ c.lat_deg, c.lon_deg, true, c.z };
	r->req_id = 0;
	if (brk_hazards_offer_rsi(r->hazards, &rsi, &src, r->f->frame, now_us) > 0)
		brk_hazards_set_lanes(r->hazards, r->req_id, r->req_gen, &span, 1);
}

/* A SPAT of the junction: every signal group green for 20 s. */
static void spat(struct run *r, int64_t now_us)
{
	struct v2x_phase_state st = {
		.light = V2X_LIGHT_PERMISSIVE_GREEN,
		.has_timing = true,
		.timing = { .kind = V2X_TIMING_COUNTING,
		            .likely_end_s = 20,
		            .min_end_s = 20,
		            .has_min_end = true },
	};
	struct v2x_phase ph[8];
	struct v2x_intersection_state is = {
		.id = { .has_region = true, .region = MAPGEN_REGION, .id = MAPGEN_NODE_ID },
		.n_phases = 8,
		.phases = ph,
	};
	struct v2x_spat sp = { .n_intersections = 1, .intersections = &is };

	for (uint8_t k = 0; k < 8; k++)
		is.phases[k] =
		        (struct v2x_phase){ .id = (uint8_t)(k + 1), .n_states = 1, .states = &st };
	brk_spat_update(r->spat, &sp, (struct brk_rsu_key){ 3 }, now_us, now_us);
	r->ctx.now_us = now_us;
	brk_apps_observation(r->apps, &r->ctx,
	                     &(struct brk_app_event){
	                             .type = V2X_MSG_SPAT,
	                             .msg = &(struct v2x_msg){ .type = V2X_MSG_SPAT, .u.spat = sp },
	                             .rsu = { 3 },
	                             .rsu_id = "bench-rsu" });
}

static int open_run(struct run *r, struct field *f, size_t n, const char *apps)
{
	struct brk_tracks_cfg tc = { .capacity = n + 16 };
	struct brk_hazards_cfg hc = { .capacity = 64 };
	struct brk_spat_cfg sc = { .capacity = 256 };
	struct brk_warn_cfg wc = { .capacity = 8 * n + 64 };
	struct brk_hazards_sink hs = { .lanes_needed = on_lanes, .arg = r };
	struct brk_warn_sink ws = { on_warning, on_cancel, r };
	const struct brk_app_entry *entries;
	size_t ne;
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	r->f = f;
	r->n = n;
	r->veh = calloc(n, sizeof(*r->veh));
	if (!r->veh || brk_tracks_new(&tc, &r->tracks) < 0 ||
	    brk_hazards_new(&hc, &hs, &r->hazards) < 0 || brk_spat_new(&sc, &r->spat) < 0 ||
	    brk_warn_new(&wc, &ws, &r->warn) < 0 ||
	    brk_appset_new(apps, &r->set, err, sizeof(err)) < 0)
		goto fail;
	entries = brk_appset_entries(r->set, &ne);
	if (brk_apps_new(entries, ne, &r->apps, err, sizeof(err)) < 0)
		goto fail;
	r->ctx = (struct brk_app_ctx){ .map = f->idx,
		                       .frame = f->frame,
		                       .tracks = r->tracks,
		                       .hazards = r->hazards,
		                       .spat = r->spat,
		                       .warn = r->warn };
	brk_apps_map_changed(r->apps, &r->ctx);
	place(r);
	event(r, 0x31, MAPGEN_EVENT_ROCKFALL, 11, 224, 323, FIELD_T0_US);
	event(r, 0x32, MAPGEN_EVENT_ICE, 31, 300, 450, FIELD_T0_US);
	return 0;
fail:
	fprintf(stderr, "bench-apps: cannot set up %zu vehicles: %s\n", n,
	        err[0] ? err : "out of memory");
	return -1;
}

static void close_run(struct run *r)
{

	brk_apps_free(r->apps);
	brk_appset_free(r->set);
	brk_warn_free(r->warn);
	brk_spat_free(r->spat);
	brk_hazards_free(r->hazards);
	brk_tracks_free(r->tracks);
	free(r->veh);
}

/* Fills vehicle i's BSM at its place. */
static void bsm_of(struct run *r, size_t i, uint8_t cnt, int64_t now_us)
{
	struct veh *v = &r->veh[i];
	struct v2x_bsm *b = &v->msg.u.bsm;
	struct field_point p;

	field_at(r->f, v->lane, v->s, &p);
	v->msg.type = V2X_MSG_BSM;
	memset(b, 0, sizeof(*b));
	memcpy(b->id, &i, sizeof(i));
	b->msg_cnt = cnt;
	b->sec_mark_s = (double)(now_us / 1000 % 60000) / 1000;
	b->pos = (struct v2x_pos3d){ p.lat_deg, p.lon_deg, true, p.z };
	b->speed_mps = v->v;
	b->heading_deg = p.heading_deg;
	b->transmission = V2X_TRANS_FORWARD;
	b->accel = (struct v2x_accel4){ 0, NAN, NAN, NAN };
	b->size = (struct v2x_vsize){ .width_m = 1.8, .length_m = 4.5 };
	b->vclass.classification = i % 10 == 0 ? 25 : 10;
}

/* One round: every vehicle's BSM through the state, then the apps. */
static void round_of(struct run *r, unsigned k, bool timed)
{
	int64_t now_us = FIELD_T0_US + (int64_t)k * ROUND_US;
	double t0, t1, t2, t3;

	for (size_t i = 0; i < r->n; i++) {
		struct veh *v = &r->veh[i];
		v->s += v->v * ROUND_US / 1e6;
		if (v->s > v->len)
			v->s -= v->len;
		bsm_of(r, i, (uint8_t)(k & 127), now_us);
	}
	t0 = now_ns();
	for (size_t i = 0; i < r->n; i++) {
		struct veh *v = &r->veh[i];
		double x, y;
		v->tr = NULL;
		if (brk_tracks_update(r->tracks, &v->msg.u.bsm, (struct brk_rsu_key){ 2 }, now_us,
		                      now_us, &v->tr) > BRK_TRACK_UPDATED)
			v->tr = NULL;
		if (v->tr && map_frame_from_wgs84(r->f->frame, v->msg.u.bsm.pos.lat_deg,
		                                  v->msg.u.bsm.pos.lon_deg, &x, &y) == 0)
			brk_tracks_match(r->tracks, v->tr, r->f->idx, x, y, now_us);
	}
	t1 = now_ns();
	spat(r, now_us);
	r->ctx.now_us = now_us;
	for (size_t i = 0; i < r->n; i++) {
		struct veh *v = &r->veh[i];
		if (!v->tr)
			continue;
		brk_apps_observation(r->apps, &r->ctx,
		                     &(struct brk_app_event){ .type = V2X_MSG_BSM,
		                                              .msg = &v->msg,
		                                              .track = v->tr,
		                                              .rsu = { 2 },
		                                              .rsu_id = "bench-rsu",
		                                              .seq = k * r->n + i,
		                                              .rx_time_us = now_us });
	}
	t2 = now_ns();
	brk_apps_tick(r->apps, &r->ctx);
	brk_warn_tick(r->warn, now_us);
	t3 = now_ns();
	if (!timed)
		return;
	r->state_ns += t1 - t0;
	r->apps_ns += (t2 - t1) + (t3 - t2);
	r->bsms += r->n;
}

/* Runs n vehicles with apps for enough rounds; 0 or -1. */
static int measure(struct field *f, size_t n, const char *apps, struct run *out)
{
	unsigned rounds = n >= 10000 ? 30 : 100, warm = 10;

	if (open_run(out, f, n, apps) != 0)
		return -1;
	for (unsigned k = 0; k < warm + rounds; k++)
		round_of(out, k, k >= warm);
	close_run(out);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "hazard_ahead",      "curve_speed",     "blind_curve",
		                             "forward_collision", "steep_downgrade", "speed_limit",
		                             "red_light" };
	struct field f;
	struct run r;
	const size_t sizes[] = { 1000, 10000 };
	const char *tag[] = { "1k", "10k" };

	if (argc > 1) {
		printf("usage: bench-apps\n"
		       "Prints what the warning applications cost per BSM with 1,000 and 10,000\n"
		       "vehicles on the generated test field, against the track update and map\n"
		       "match of the same BSMs (the baseline).\n");
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	if (field_open(&f) != 0)
		return 1;
	for (size_t k = 0; k < 2; k++) {
		if (measure(&f, sizes[k], "all", &r) != 0)
			return 1;
		printf("apps_ns_per_bsm_%s: %.0f ns\n", tag[k], r.apps_ns / (double)r.bsms);
		printf("state_ns_per_bsm_%s: %.0f ns\n", tag[k], r.state_ns / (double)r.bsms);
		printf("apps_vs_state_ratio_%s: %.3f\n", tag[k], r.apps_ns / r.state_ns);
		printf("warnings_issued_%s: %llu\n", tag[k], (unsigned long long)r.issued);
		fflush(stdout);
	}
	for (size_t a = 0; a < sizeof(names) / sizeof(names[0]); a++) {
		if (measure(&f, 10000, names[a], &r) != 0)
			return 1;
		printf("app_%s_ns_per_bsm_10k: %.0f ns\n", names[a], r.apps_ns / (double)r.bsms);
		fflush(stdout);
	}
	field_close(&f);
	return 0;
}
