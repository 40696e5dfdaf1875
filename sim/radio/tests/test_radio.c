/*
 * sim-radio: the planned datagrams on the generated test field, decoded
 * back with the codec and judged against the world's truth, the faults'
 * statistics against their probabilities, and every intact message
 * against the RSU agent's own validation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codec.h"
#include "maps/frame.h"
#include "maps/gen/mapgen.h"
#include "rsu-agent/ingest/validate.h"
#include "runtime/err.h"
#include "sim/radio/radio.h"
#include "sim/world/world.h"
#include "tests/check.h"

/* 2025-03-14 11:59:55.25 UTC: runs cross a minute. */
#define EPOCH_US 1741953595250000LL
#define BSM_US   100000

static struct map_model map;
static struct map_frame *frame;
static struct v2x_codec *codec;

/* A scenario built by hand, with room for every list. */
struct scen {
	struct sim_scenario sc;
	struct sim_actor actors[4];
	struct sim_action actions[1];
	uint32_t routes[4][4];
	struct sim_rsu rsus[4];
	struct sim_link_fault faults[2];
	struct sim_gnss_fault gnss[1];
	struct sim_rsu_dark dark[1];
	struct sim_clock_skew skews[1];
	struct sim_signal_group groups[2];
	struct sim_rsi_event rsi[2];
	struct sim_rsm_participant rsm[2];
};

/* A planned run: its world and plan, in an arena of its own. */
struct run {
	struct v2x_arena arena;
	struct sim_world w;
	struct sim_plan p;
};

static void scen_init(struct scen *s, uint64_t seed, double duration_s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->sc.name, sizeof(s->sc.name), "radio-test");
	s->sc.seed = seed;
	s->sc.duration_s = duration_s;
	s->sc.realtime = true;
	s->sc.actors = s->actors;
	s->sc.rsus = s->rsus;
	s->sc.link_faults = s->faults;
	s->sc.gnss_faults = s->gnss;
	s->sc.dark = s->dark;
	s->sc.skews = s->skews;
	s->sc.signals.groups = s->groups;
	s->sc.rsi = s->rsi;
	s->sc.rsm = s->rsm;
}

static void add_actor(struct scen *s, const char *name, uint32_t lane, double start_s,
                      double speed_mps)
{
	size_t k = s->sc.n_actors++;
	struct sim_actor *a = &s->actors[k];

	snprintf(a->name, sizeof(a->name), "%s", name);
	memcpy(a->id, "SIM", 3);
	a->id[3] = (uint8_t)(s->sc.seed >> 8);
	a->id[4] = (uint8_t)s->sc.seed;
	a->id[7] = (uint8_t)(k + 1);
	a->vclass = SIM_CLASS_CAR;
	a->length_m = 4.8;
	a->width_m = 1.8;
	s->routes[k][0] = lane;
	a->route = s->routes[k];
	a->n_route = 1;
	a->start_s = start_s;
	a->speed_mps = speed_mps;
	a->accel_max_mps2 = 2.0;
	a->decel_mps2 = 2.5;
	a->decel_hard_mps2 = 6.0;
}

/* The run's RSUs: the map's k-th, with a range that covers everything. */
static void add_rsu(struct scen *s, size_t k)
{
	struct sim_rsu *r = &s->rsus[s->sc.n_rsus++];

	snprintf(r->id, sizeof(r->id), "%s", map.rsus[k].rsu_id);
	r->range_m = 1e5;
}

static struct sim_link_fault *add_fault(struct scen *s)
{
	struct sim_link_fault *f = &s->faults[s->sc.n_link_faults++];

	snprintf(f->from, sizeof(f->from), "*");
	snprintf(f->to, sizeof(f->to), "*");
	f->types = 1u << V2X_MSG_BSM;
	f->to_t_s = INFINITY;
	return f;
}

static bool run_plan(const struct scen *s, struct run *r)
{
	char err[512] = "";
	int rc;

	v2x_arena_init(&r->arena, 0, 0);
	rc = sim_world_run(&s->sc, &map, &r->arena, &r->w, err, sizeof(err));
	if (rc == 0)
		rc = sim_plan_build(&r->w, &map, EPOCH_US, &r->arena, &r->p, err, sizeof(err));
	if (rc)
		fprintf(stderr, "planning failed: %s: %s\n", v2x_err_name(rc), err);
	CHECK_INT_EQ(rc, 0);
	return rc == 0;
}

static void run_free(struct run *r)
{
	v2x_arena_fini(&r->arena);
}

/* ---- truth, as the radio must read it ------------------------------------ */

/* Actor a's truth at t_us: position and heading linear between the
 * world's steps, the rest of the step after t; false when it is not on
 * the road at both steps around t. */
static bool truth_at(const struct sim_world *w, size_t a, int64_t t_us, struct sim_truth *out)
{
	size_t k0 = (size_t)(t_us / 10000), k1 = t_us % 10000 ? k0 + 1 : k0;
	double f = (double)(t_us % 10000) / 10000.0, dh;
	const struct sim_truth *p, *q;

	*out = (struct sim_truth){ .x = NAN, .y = NAN, .z = NAN, .heading_deg = NAN };
	if (k1 >= w->n_steps)
		return false;
	p = sim_world_at(w, a, k0);
	q = sim_world_at(w, a, k1);
	if (!p->present || !q->present)
		return false;
	*out = *q;
	out->x = p->x + f * (q->x - p->x);
	out->y = p->y + f * (q->y - p->y);
	out->z = p->z + f * (q->z - p->z);
	out->speed_mps = p->speed_mps + f * (q->speed_mps - p->speed_mps);
	dh = fmod(q->heading_deg - p->heading_deg + 540.0, 360.0) - 180.0;
	out->heading_deg = fmod(p->heading_deg + f * dh + 360.0, 360.0);
	return true;
}

static int64_t phase_us(size_t a)
{
	return (int64_t)(a * 7000 % 100000);
}

/* The run time a message was generated at, from its DSecond. */
static int64_t gen_us(double sec_mark_s, int64_t due_us)
{
	int64_t due_ms = (EPOCH_US + due_us) / 1000;
	int64_t sm = llround(sec_mark_s * 1000.0);
	int64_t back = ((due_ms % 60000) - sm + 60000) % 60000;

	return (due_ms - back) * 1000 - EPOCH_US;
}

static const struct v2x_msg *decode(const struct sim_datagram *d)
{
	const struct v2x_msg *m = NULL;
	int rc = v2x_codec_decode(codec, d->bytes, d->len, &m);

	if (rc != 0)
		fprintf(stderr, "decode: %s: %s\n", v2x_err_name(rc), v2x_codec_error(codec));
	return rc == 0 && m->type == d->type ? m : NULL;
}

/* One validator per RSU, as each agent has its own. */
struct validators {
	struct agent_validate *v[16];
};

static void validators_new(struct validators *vs)
{
	struct agent_validate_config cfg;

	agent_validate_config_default(&cfg);
	cfg.south_deg = map.meta.origin_lat_deg - 0.2;
	cfg.north_deg = map.meta.origin_lat_deg + 0.2;
	cfg.west_deg = map.meta.origin_lon_deg - 0.2;
	cfg.east_deg = map.meta.origin_lon_deg + 0.2;
	for (size_t i = 0; i < 16; i++)
		CHECK_INT_EQ(agent_validate_new(&cfg, &vs->v[i]), 0);
}

static void validators_free(struct validators *vs)
{
	for (size_t i = 0; i < 16; i++)
		agent_validate_free(vs->v[i]);
}

static int validate(struct validators *vs, const struct sim_datagram *d, const struct v2x_msg *m)
{
	return (int)agent_validate_check(vs->v[d->rsu % 16], m, d->rsu + 1u, EPOCH_US + d->due_us);
}

static double angle_diff(double a, double b)
{
	return fabs(fmod(a - b + 540.0, 360.0) - 180.0);
}

static bool binomial_ok(uint64_t k, uint64_t n, double p)
{
	double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));
	bool ok = fabs((double)k - mean) <= 4 * sd + 1;

	if (!ok)
		fprintf(stderr, "%llu of %llu, expected %.1f (sd %.1f)\n", (unsigned long long)k,
		        (unsigned long long)n, mean, sd);
	return ok;
}

static size_t count_type(const struct sim_plan *p, uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->d[i].type == type;
	return n;
}

/* ---- BSMs without faults ------------------------------------------------- */

/* Every BSM datagram is one the truth calls for; none is missing. */
static void check_bsm_coverage(const struct run *r)
{
	size_t expected = 0, got = count_type(&r->p, V2X_MSG_BSM);

	for (size_t a = 0; a < r->w.n_actors; a++) {
		for (int64_t t = phase_us(a); t <= 10000 * (int64_t)(r->w.n_steps - 1);
		     t += BSM_US) {
			struct sim_truth tr;

			if (!truth_at(&r->w, a, t, &tr))
				continue;
			for (size_t i = 0; i < r->p.n_rsus; i++) {
				const struct map_xyz *q = &r->p.rsus[i].rsu->pos;
				double d = sqrt((tr.x - q->x) * (tr.x - q->x) +
				                (tr.y - q->y) * (tr.y - q->y) +
				                (tr.z - q->z) * (tr.z - q->z));

				expected += d <= r->p.rsus[i].range_m;
			}
		}
	}
	CHECK(expected > 100);
	CHECK_UINT_EQ(got, expected);
	CHECK_UINT_EQ(r->p.stats.generated[V2X_MSG_BSM], expected);
	CHECK_UINT_EQ(r->p.stats.lost[V2X_MSG_BSM], 0);
}

static void check_path(const struct run *r, const struct sim_datagram *d, const struct v2x_bsm *b)
{
	const struct v2x_path_history *ph = &b->safety_ext.path_history;

	CHECK(ph->n >= 1 && ph->n <= 15);
	CHECK(ph->v[0].time_offset_s <= 1.0 + 1e-9);
	for (size_t k = 0; k < ph->n; k++) {
		int64_t t = d->due_us - llround(ph->v[k].time_offset_s * 1e6);
		struct sim_truth tr;
		double px = NAN, py = NAN;

		CHECK(k == 0 || ph->v[k].time_offset_s > ph->v[k - 1].time_offset_s);
		if (!CHECK(truth_at(&r->w, (size_t)d->actor, t, &tr)))
			continue;
		CHECK_INT_EQ(map_frame_from_wgs84(frame, ph->v[k].pos.lat_deg, ph->v[k].pos.lon_deg,
		                                  &px, &py),
		             0);
		CHECK(hypot(px - tr.x, py - tr.y) < 0.15);
		CHECK_DBL_NEAR(b->pos.elev_m + ph->v[k].pos.v_m, tr.z, 0.15);
		CHECK(angle_diff(ph->v[k].heading_deg, tr.heading_deg) < 0.8);
	}
}

/* One decoded BSM against the truth at its time. */
static void check_bsm(const struct run *r, const struct sim_datagram *d, const struct v2x_bsm *b)
{
	const struct sim_actor *a = &r->w.sc->actors[d->actor];
	struct sim_truth tr;
	double px = NAN, py = NAN;
	int64_t skew_ms = r->w.sc->n_skews && strcmp(r->w.sc->skews[0].actor, a->name) == 0
	                          ? llround(r->w.sc->skews[0].skew_ms)
	                          : 0;
	int64_t wall_ms = (EPOCH_US + d->due_us) / 1000 + skew_ms;

	CHECK_MEM_EQ(b->id, a->id, V2X_ID_LEN);
	CHECK_INT_EQ(b->msg_cnt, d->msg_cnt);
	CHECK_INT_EQ(d->due_us % BSM_US, phase_us((size_t)d->actor));
	if (!CHECK(truth_at(&r->w, (size_t)d->actor, d->due_us, &tr)))
		return;
	CHECK_INT_EQ(map_frame_from_wgs84(frame, b->pos.lat_deg, b->pos.lon_deg, &px, &py), 0);
	CHECK(hypot(px - tr.x, py - tr.y) < 0.1);
	CHECK_DBL_NEAR(b->pos.elev_m, tr.z, 0.06);
	CHECK_DBL_NEAR(b->speed_mps, tr.speed_mps, 0.011);
	/* True north and the grid's differ by hundredths of a degree here. */
	CHECK(angle_diff(b->heading_deg, tr.heading_deg) < 0.1);
	CHECK(b->brakes.has_pedal &&
	      b->brakes.pedal == (tr.braking ? V2X_PEDAL_ON : V2X_PEDAL_OFF));
	CHECK_DBL_NEAR(b->accel.lon_mps2, tr.accel_mps2, 0.006);
	CHECK(b->safety_ext.has_events &&
	      ((b->safety_ext.events >> 7 & 1) != 0) == tr.hard_braking);
	CHECK_INT_EQ(b->brakes.wheel_brakes, tr.braking ? 0x1e : 0);
	CHECK_DBL_NEAR(b->sec_mark_s, (double)(wall_ms % 60000) / 1000.0, 1e-9);
	CHECK_DBL_NEAR(b->size.length_m, a->length_m, 0.01);
	CHECK_INT_EQ(b->vclass.classification, a->vclass);
}

static void test_bsm_plain(void)
{
	struct scen s;
	struct run r;
	struct validators vs;
	int last_cnt[4][16];
	int64_t last_due[4][16];
	size_t with_path = 0, n = 0, valid = 0, hard = 0;

	scen_init(&s, 3, 12.0);
	/* V1 through hairpin 1 (lane 31, s 326-427), V2 on the descent. */
	add_actor(&s, "V1", 31, 300.0, 10.0);
	add_actor(&s, "V2", 41, 200.0, 15.0);
	/* V2 brakes hard at 6 s (to a stop in 2.5 s). */
	s.actions[0] = (struct sim_action){ .kind = SIM_ACT_BRAKE_HARD, .at_t_s = 6.0 };
	s.actors[1].actions = s.actions;
	s.actors[1].n_actions = 1;
	/* V2's clock runs 150 ms ahead: still within what agents accept. */
	s.sc.n_skews = 1;
	s.skews[0] = (struct sim_clock_skew){ .actor = "V2", .skew_ms = 150.0 };
	if (!run_plan(&s, &r))
		return;
	if (!CHECK(r.p.n_rsus == map.n_rsus && r.p.n_rsus <= 16)) {
		run_free(&r);
		return;
	}
	check_bsm_coverage(&r);
	validators_new(&vs);
	memset(last_cnt, -1, sizeof(last_cnt));
	memset(last_due, 0, sizeof(last_due));
	for (size_t i = 0; i < r.p.n; i++) {
		const struct sim_datagram *d = &r.p.d[i];
		const struct v2x_msg *m = decode(d);

		CHECK(d->type == V2X_MSG_BSM && !d->corrupted && !d->duplicate);
		if (!CHECK(m))
			continue;
		n++;
		check_bsm(&r, d, &m->u.bsm);
		hard += (m->u.bsm.safety_ext.events & 1u << 7) != 0;
		if (m->u.bsm.safety_ext.has_path_history) {
			check_path(&r, d, &m->u.bsm);
			with_path++;
		}
		/* On one RSU, consecutive BSMs of an actor count up by one. */
		if (last_cnt[d->actor][d->rsu] >= 0 &&
		    d->due_us - last_due[d->actor][d->rsu] == BSM_US)
			CHECK_INT_EQ(d->msg_cnt, (last_cnt[d->actor][d->rsu] + 1) % 128);
		last_cnt[d->actor][d->rsu] = d->msg_cnt;
		last_due[d->actor][d->rsu] = d->due_us;
		valid += validate(&vs, d, m) == AGENT_VALIDATE_OK;
	}
	/* Only each actor's very first BSM has no history yet. */
	CHECK(n > 200);
	CHECK(hard >= 20);
	CHECK(with_path + 2 * map.n_rsus >= n);
	CHECK_UINT_EQ(valid, n);
	validators_free(&vs);
	run_free(&r);
}

/* ---- loss ---------------------------------------------------------------- */

/* Runs of lost BSMs of actor a, over the BSMs the truth calls for (one
 * RSU that hears everything, so every present step is expected). */
static void loss_runs(const struct run *r, size_t a, size_t *n_runs, size_t *lost, size_t *longest)
{
	size_t run = 0, i = 0;

	for (int64_t t = phase_us(a); t <= 10000 * (int64_t)(r->w.n_steps - 1); t += BSM_US) {
		struct sim_truth tr;
		bool got = false;

		if (!truth_at(&r->w, a, t, &tr))
			continue;
		for (; i < r->p.n && r->p.d[i].due_us <= t; i++)
			got = got || (r->p.d[i].due_us == t && r->p.d[i].actor == (int16_t)a);
		if (!got) {
			(*lost)++;
			run++;
			continue;
		}
		*n_runs += run > 0;
		*longest = run > *longest ? run : *longest;
		run = 0;
	}
	*n_runs += run > 0;
	*longest = run > *longest ? run : *longest;
}

static void test_loss(void)
{
	struct scen s;
	struct run r;
	size_t runs = 0, lost = 0, longest = 0;
	uint64_t gen;

	scen_init(&s, 11, 60.0);
	add_actor(&s, "V1", 41, 0.0, 12.0);
	add_rsu(&s, 0);
	add_fault(&s)->loss = 0.3;
	if (!run_plan(&s, &r))
		return;
	gen = r.p.stats.generated[V2X_MSG_BSM];
	CHECK_UINT_EQ(gen, 601);
	CHECK(binomial_ok(r.p.stats.lost[V2X_MSG_BSM], gen, 0.3));
	CHECK_UINT_EQ(r.p.n, gen - r.p.stats.lost[V2X_MSG_BSM]);
	loss_runs(&r, 0, &runs, &lost, &longest);
	CHECK_UINT_EQ(lost, r.p.stats.lost[V2X_MSG_BSM]);
	/* Independent losses: runs of 1 / (1 - 0.3) = 1.43 on average. */
	CHECK(runs > 0 && (double)lost / (double)runs < 1.8);
	run_free(&r);
}

static void test_bursts(void)
{
	struct scen s;
	struct run r;
	size_t runs = 0, lost = 0, longest = 0;
	struct sim_link_fault *f;

	scen_init(&s, 12, 120.0);
	add_actor(&s, "V1", 41, 0.0, 8.0);
	add_actor(&s, "V2", 42, 0.0, 8.0);
	add_rsu(&s, 0);
	f = add_fault(&s);
	f->burst_enter = 0.03;
	f->burst_len = 6.0;
	if (!run_plan(&s, &r))
		return;
	loss_runs(&r, 0, &runs, &lost, &longest);
	loss_runs(&r, 1, &runs, &lost, &longest);
	CHECK_UINT_EQ(lost, r.p.stats.lost[V2X_MSG_BSM]);
	/* About 2400 * 0.03 * 0.85 = 60 bursts of 6 on average. */
	CHECK(runs >= 30 && runs <= 100);
	CHECK(runs > 0 && (double)lost / (double)runs > 4.5 && (double)lost / (double)runs < 8.0);
	CHECK(longest >= 10);
	run_free(&r);
}

/* ---- duplicates, corruption, reordering, delay ----------------------------- */

static void check_dups(const struct run *r)
{
	size_t dups = 0;

	for (size_t i = 0; i < r->p.n; i++) {
		const struct sim_datagram *d = &r->p.d[i];
		bool found = false;

		if (!d->duplicate)
			continue;
		dups++;
		for (size_t j = 0; j < i && !found; j++) {
			const struct sim_datagram *o = &r->p.d[j];

			found = !o->duplicate && o->actor == d->actor && o->msg_cnt == d->msg_cnt &&
			        o->len == d->len && memcmp(o->bytes, d->bytes, d->len) == 0 &&
			        d->due_us - o->due_us >= 1000 && d->due_us - o->due_us <= 5000;
		}
		CHECK(found);
	}
	CHECK_UINT_EQ(dups, r->p.stats.duplicated);
}

/* Latency from generation: 40..60 ms of delay, 110..130 ms more when
 * reordered, 1..5 ms more for a duplicate. */
static void check_delays(const struct run *r)
{
	size_t held = 0, inversions = 0;
	int64_t last_gen[2] = { -1, -1 };

	for (size_t i = 0; i < r->p.n; i++) {
		const struct sim_datagram *d = &r->p.d[i];
		const struct v2x_msg *m = decode(d);
		int64_t g, lat;

		if (!CHECK(m))
			continue;
		g = gen_us(m->u.bsm.sec_mark_s, d->due_us);
		lat = d->due_us - g;
		CHECK_INT_EQ(g % BSM_US, phase_us((size_t)d->actor));
		if (!d->duplicate && lat > 100000) {
			held++;
			CHECK(lat >= 150000 && lat <= 190000);
		} else if (!d->duplicate) {
			CHECK(lat >= 40000 && lat <= 60000);
		} else {
			CHECK(lat >= 41000 && lat <= 195000);
		}
		if (!d->duplicate) {
			inversions += g < last_gen[d->actor];
			last_gen[d->actor] = g;
		}
	}
	CHECK_UINT_EQ(held, r->p.stats.reordered);
	CHECK(inversions > 0 && inversions <= held && inversions * 10 >= held * 8);
	CHECK_UINT_EQ(r->p.stats.delayed, r->p.n - r->p.stats.duplicated);
}

/* Corruption changes 1..3 bytes of the datagrams it hits and nothing else
 * of the plan. */
static void check_corrupt(const struct run *clean, const struct run *bad)
{
	size_t flagged = 0;

	CHECK_UINT_EQ(bad->p.n, clean->p.n);
	for (size_t i = 0; i < clean->p.n && i < bad->p.n; i++) {
		const struct sim_datagram *a = &clean->p.d[i], *b = &bad->p.d[i];
		size_t diff = 0;

		CHECK(a->due_us == b->due_us && a->actor == b->actor && a->len == b->len);
		for (uint32_t k = 0; k < a->len && a->len == b->len; k++)
			diff += a->bytes[k] != b->bytes[k];
		CHECK(b->corrupted ? diff >= 1 && diff <= 3 : diff == 0);
		flagged += b->corrupted && !b->duplicate;
	}
	CHECK_UINT_EQ(flagged, bad->p.stats.corrupted);
}

static void test_dup_reorder_corrupt(void)
{
	struct scen s;
	struct run clean, bad;
	struct sim_link_fault *f;
	uint64_t n;

	scen_init(&s, 13, 60.0);
	add_actor(&s, "V1", 41, 0.0, 12.0);
	add_actor(&s, "V2", 42, 0.0, 12.0);
	add_rsu(&s, 0);
	f = add_fault(&s);
	f->duplicate = 0.1;
	f->reorder = 0.05;
	f->delay_ms = 50;
	f->jitter_ms = 10;
	if (!run_plan(&s, &clean))
		return;
	f->corrupt = 0.05;
	if (!run_plan(&s, &bad)) {
		run_free(&clean);
		return;
	}
	n = clean.p.stats.generated[V2X_MSG_BSM];
	CHECK_UINT_EQ(n, 601 + 600); /* V2 at 7 ms: its last BSM would be due at 60.007 s */
	CHECK(binomial_ok(clean.p.stats.duplicated, n, 0.1));
	CHECK(binomial_ok(clean.p.stats.reordered, n, 0.05));
	CHECK(binomial_ok(bad.p.stats.corrupted, n, 0.05));
	CHECK_UINT_EQ(clean.p.stats.corrupted, 0);
	check_dups(&clean);
	check_dups(&bad);
	check_delays(&clean);
	check_corrupt(&clean, &bad);
	run_free(&bad);
	run_free(&clean);
}

/* ---- GNSS ------------------------------------------------------------------ */

static void test_gnss_noise(void)
{
	struct scen s;
	struct run r;
	double sum[2] = { 0 }, sq[2] = { 0 };
	size_t n = 0;

	scen_init(&s, 21, 40.0);
	add_actor(&s, "V1", 41, 0.0, 12.0);
	add_rsu(&s, 0);
	s.sc.n_gnss_faults = 1;
	s.gnss[0] = (struct sim_gnss_fault){
		.actor = "*", .noise_m = 2.0, .bias_east_m = 1.0, .bias_north_m = -0.5
	};
	if (!run_plan(&s, &r))
		return;
	for (size_t i = 0; i < r.p.n; i++) {
		const struct sim_datagram *d = &r.p.d[i];
		const struct v2x_msg *m = decode(d);
		struct sim_truth tr;
		double px = NAN, py = NAN;

		if (!CHECK(m) || !CHECK(truth_at(&r.w, 0, d->due_us, &tr)))
			continue;
		map_frame_from_wgs84(frame, m->u.bsm.pos.lat_deg, m->u.bsm.pos.lon_deg, &px, &py);
		sum[0] += px - tr.x;
		sum[1] += py - tr.y;
		sq[0] += (px - tr.x) * (px - tr.x);
		sq[1] += (py - tr.y) * (py - tr.y);
		n++;
	}
	CHECK_UINT_EQ(n, 401);
	for (int k = 0; k < 2 && n > 1; k++) {
		double mean = sum[k] / (double)n;
		double sd = sqrt((sq[k] - (double)n * mean * mean) / (double)(n - 1));

		/* The mean's sd is 2 / sqrt(401) = 0.1. */
		CHECK_DBL_NEAR(mean, k == 0 ? 1.0 : -0.5, 0.4);
		CHECK_DBL_NEAR(sd, 2.0, 0.15 * 2.0);
	}
	run_free(&r);
}

static void tunnel_span(uint32_t lane, double *s0, double *s1)
{
	*s0 = *s1 = NAN;
	for (size_t i = 0; i < map.n_structures; i++)
		for (size_t j = 0;
		     map.structures[i].kind == MAP_TUNNEL && j < map.structures[i].n_intervals; j++)
			if (map.structures[i].intervals[j].lane_id == lane) {
				*s0 = map.structures[i].intervals[j].s0;
				*s1 = map.structures[i].intervals[j].s1;
			}
}

static void test_tunnel_outage(void)
{
	struct scen s;
	struct run r;
	struct validators vs;
	double s0, s1;
	size_t outage = 0, before = 0, after = 0;
	bool was_out = false;

	tunnel_span(21, &s0, &s1);
	if (!CHECK(!isnan(s0)))
		return;
	scen_init(&s, 22, ceil((s1 - s0 + 120.0) / 20.0));
	add_actor(&s, "V1", 21, fmax(0.0, s0 - 60.0), 20.0);
	add_rsu(&s, 0);
	s.sc.n_gnss_faults = 1;
	s.gnss[0] = (struct sim_gnss_fault){ .actor = "V1", .tunnel_outage = true };
	if (!run_plan(&s, &r))
		return;
	validators_new(&vs);
	for (size_t i = 0; i < r.p.n; i++) {
		const struct sim_datagram *d = &r.p.d[i];
		const struct v2x_msg *m = decode(d);
		struct sim_truth tr;
		bool out;

		if (!CHECK(m) || !CHECK(truth_at(&r.w, 0, d->due_us, &tr)))
			continue;
		out = isnan(m->u.bsm.pos.lat_deg);
		CHECK(out == tr.in_tunnel);
		CHECK(out == isnan(m->u.bsm.pos.lon_deg));
		CHECK_INT_EQ(validate(&vs, d, m),
		             out ? AGENT_VALIDATE_NO_POSITION : AGENT_VALIDATE_OK);
		outage += out;
		before += !out && outage == 0;
		after += !out && outage > 0;
		/* The breadcrumbs start again after the tunnel. */
		if (was_out && !out)
			CHECK(!m->u.bsm.safety_ext.has_path_history);
		was_out = out;
	}
	CHECK(outage > 100 && before > 10 && after > 10);
	CHECK_UINT_EQ(r.p.stats.gnss_outage_bsms, outage);
	validators_free(&vs);
	run_free(&r);
}

/* ---- dark RSUs ------------------------------------------------------------ */

static size_t junction_rsu(void)
{
	size_t best = 0;
	double best_d = INFINITY;

	for (size_t i = 0; i < map.n_rsus; i++) {
		double d = hypot(map.rsus[i].pos.x - map.intersections[0].ref.x,
		                 map.rsus[i].pos.y - map.intersections[0].ref.y);

		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

static void set_signals(struct scen *s)
{
	s->sc.signals.present = true;
	s->sc.signals.cycle_s = 60.0;
	s->sc.signals.n = 2;
	s->groups[0] = (struct sim_signal_group){ 1, 0.0, 25.0, 3.0 };
	s->groups[1] = (struct sim_signal_group){ 2, 30.0, 20.0, 3.0 };
}

static void test_dark(void)
{
	struct scen s;
	struct run r;
	size_t j = junction_rsu(), in_window[2] = { 0 }, outside[2] = { 0 };

	scen_init(&s, 31, 10.0);
	add_actor(&s, "V1", 61, 100.0, 10.0);
	add_rsu(&s, j);
	add_rsu(&s, (j + 1) % map.n_rsus);
	set_signals(&s);
	s.sc.n_dark = 1;
	s.dark[0] = (struct sim_rsu_dark){ .from_t_s = 3.0, .to_t_s = 6.0 };
	snprintf(s.dark[0].rsu, sizeof(s.dark[0].rsu), "%s", map.rsus[j].rsu_id);
	if (!run_plan(&s, &r))
		return;
	CHECK(r.p.rsus[0].junction && !r.p.rsus[1].junction);
	for (size_t i = 0; i < r.p.n; i++) {
		const struct sim_datagram *d = &r.p.d[i];
		bool in = d->due_us >= 3000000 && d->due_us < 6000000;

		CHECK(d->rsu == 0 || d->type == V2X_MSG_BSM);
		in_window[d->rsu] += in;
		outside[d->rsu] += !in;
	}
	CHECK_UINT_EQ(in_window[0], 0);
	CHECK(outside[0] > 100);
	CHECK_UINT_EQ(in_window[1], 30);
	CHECK_UINT_EQ(r.p.stats.lost[V2X_MSG_BSM], 30);
	CHECK_UINT_EQ(r.p.stats.lost[V2X_MSG_SPAT], 30);
	CHECK_UINT_EQ(r.p.stats.lost[V2X_MSG_MAP], 3);
	CHECK_UINT_EQ(r.p.stats.generated[V2X_MSG_SPAT], 101);
	CHECK_UINT_EQ(r.p.stats.generated[V2X_MSG_MAP], 11);
	run_free(&r);
}

/* ---- determinism ---------------------------------------------------------- */

static char *plan_text(uint64_t seed)
{
	struct scen s;
	struct run r;
	struct sim_link_fault *f;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	scen_init(&s, seed, 20.0);
	add_actor(&s, "V1", 31, 100.0, 10.0);
	add_actor(&s, "V2", 61, 100.0, 12.0);
	set_signals(&s);
	f = add_fault(&s);
	*f = (struct sim_link_fault){ .from = "*",
		                      .to = "*",
		                      .loss = 0.1,
		                      .burst_enter = 0.02,
		                      .burst_len = 4,
		                      .delay_ms = 10,
		                      .jitter_ms = 5,
		                      .duplicate = 0.05,
		                      .reorder = 0.05,
		                      .corrupt = 0.05,
		                      .to_t_s = INFINITY };
	s.sc.n_gnss_faults = 1;
	s.gnss[0] = (struct sim_gnss_fault){ .actor = "*", .noise_m = 1.5 };
	if (!run_plan(&s, &r))
		return NULL;
	out = open_memstream(&text, &len);
	if (out) {
		sim_plan_write(&r.p, out);
		fclose(out);
	}
	run_free(&r);
	return text;
}

static void test_determinism(void)
{
	char *a = plan_text(7), *b = plan_text(7), *c = plan_text(8);

	if (CHECK(a && b && c)) {
		CHECK(strlen(a) > 10000);
		CHECK(strcmp(a, b) == 0);
		CHECK(strcmp(a, c) != 0);
		/* The line format: due rsu type actor flags hex. */
		CHECK(strstr(a, " bsm V1 ") && strstr(a, " spat - ") && strstr(a, " map - -"));
		CHECK(strstr(a, " bsm V2 d ") || strstr(a, " bsm V1 d "));
		CHECK(strstr(a, " c ") || strstr(a, " cd "));
	}
	free(a);
	free(b);
	free(c);
}

/* ---- SPAT and MAP ------------------------------------------------------------ */

struct light_at {
	double t;
	uint8_t light[2];
	double end[2];
};

static void check_spat(const struct v2x_msg *m, const struct light_at *want)
{
	const struct v2x_intersection_state *is;

	if (!CHECK(m && m->u.spat.n_intersections == 1))
		return;
	is = &m->u.spat.intersections[0];
	CHECK_INT_EQ(is->id.region, map.intersections[0].region);
	CHECK_INT_EQ(is->id.id, map.intersections[0].node_id);
	CHECK_UINT_EQ(is->n_phases, 2);
	for (size_t g = 0; g < 2 && g < is->n_phases; g++) {
		const struct v2x_phase *ph = &is->phases[g];

		CHECK_INT_EQ(ph->id, g + 1);
		CHECK_INT_EQ(ph->states[0].light, want->light[g]);
		CHECK_INT_EQ(ph->states[0].timing.kind, V2X_TIMING_COUNTING);
		CHECK_DBL_NEAR(ph->states[0].timing.likely_end_s, want->end[g], 0.051);
		CHECK(ph->n_states == 3);
		CHECK_INT_EQ(ph->states[1].light,
		             want->light[g] == V2X_LIGHT_PROTECTED_GREEN ? V2X_LIGHT_YELLOW
		             : want->light[g] == V2X_LIGHT_YELLOW        ? V2X_LIGHT_RED
		                                                  : V2X_LIGHT_PROTECTED_GREEN);
		CHECK_DBL_NEAR(ph->states[1].timing.start_s, want->end[g], 0.051);
	}
}

static void test_spat_map(void)
{
	/* The plan of set_signals with the cycle starting at t = -5 s: at t
	 * the cycle is at t + 5. */
	static const struct light_at want[] = {
		{ 10.0, { V2X_LIGHT_PROTECTED_GREEN, V2X_LIGHT_RED }, { 10.0, 15.0 } },
		{ 21.0, { V2X_LIGHT_YELLOW, V2X_LIGHT_RED }, { 2.0, 4.0 } },
		{ 40.0, { V2X_LIGHT_RED, V2X_LIGHT_PROTECTED_GREEN }, { 15.0, 5.0 } },
		{ 46.5, { V2X_LIGHT_RED, V2X_LIGHT_YELLOW }, { 8.5, 1.5 } },
		{ 55.0, { V2X_LIGHT_PROTECTED_GREEN, V2X_LIGHT_RED }, { 25.0, 30.0 } },
	};
	struct scen s;
	struct run r;
	struct validators vs;
	size_t maps = 0, spats = 0, checked = 0, valid = 0;
	int64_t first_ms = -1;

	scen_init(&s, 41, 60.0);
	set_signals(&s);
	s.sc.signals.offset_s = 5.0;
	if (!run_plan(&s, &r))
		return;
	validators_new(&vs);
	for (size_t i = 0; i < r.p.n; i++) {
		const struct sim_datagram *d = &r.p.d[i];
		const struct v2x_msg *m = decode(d);

		CHECK(r.p.rsus[d->rsu].junction);
		if (!CHECK(m))
			continue;
		valid += validate(&vs, d, m) == AGENT_VALIDATE_OK;
		if (d->type == V2X_MSG_MAP) {
			CHECK_INT_EQ(m->u.map.msg_cnt, maps % 128);
			CHECK(m->u.map.n_nodes == 1 && m->u.map.nodes[0].n_links > 0);
			maps++;
			continue;
		}
		CHECK_INT_EQ(m->u.spat.msg_cnt, spats % 128);
		spats++;
		/* moy + timeStamp is the wall time of the SPAT. */
		if (first_ms < 0)
			first_ms = llround(m->u.spat.moy_s * 1000 + m->u.spat.timestamp_s * 1000) -
			           d->due_us / 1000;
		CHECK_INT_EQ(llround(m->u.spat.moy_s * 1000 + m->u.spat.timestamp_s * 1000) -
		                     d->due_us / 1000,
		             first_ms);
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
			if (d->due_us == llround(want[k].t * 1e6)) {
				check_spat(m, &want[k]);
				checked++;
			}
	}
	CHECK_UINT_EQ(maps, 61);
	CHECK_UINT_EQ(spats, 601);
	CHECK_UINT_EQ(checked, 5);
	CHECK_UINT_EQ(valid, r.p.n);
	/* The first SPAT's minute: 11:59 on 14 March 2025 (day 72 of the year). */
	CHECK_INT_EQ(first_ms, ((72LL * 24 + 11) * 60 + 59) * 60000 + 55250);
	validators_free(&vs);
	run_free(&r);
}

/* ---- RSI and RSM ------------------------------------------------------------ */

static double dist_to_lane(double lat, double lon, uint32_t lane_id, double s)
{
	const struct map_lane *l = map_model_lane(&map, lane_id);
	double x = NAN, y = NAN;
	size_t k = (size_t)floor(s);
	double f = s - (double)k;

	map_frame_from_wgs84(frame, lat, lon, &x, &y);
	return hypot(x - (l->samples[k].x + f * (l->samples[k + 1].x - l->samples[k].x)),
	             y - (l->samples[k].y + f * (l->samples[k + 1].y - l->samples[k].y)));
}

static void check_rsi(const struct sim_datagram *d, const struct v2x_rsi *r, size_t *rtes,
                      size_t *rtss)
{
	if (r->n_rtes == 1) {
		const struct v2x_rte *e = &r->rtes[0];

		CHECK(d->due_us >= 2000000 && d->due_us < 5000000);
		CHECK_INT_EQ(d->due_us % 1000000, 0);
		CHECK_INT_EQ(r->msg_cnt, *rtes);
		CHECK_INT_EQ(e->event_type, 401);
		CHECK_DBL_NEAR(e->radius_m, 40.0, 0.05);
		CHECK(dist_to_lane(e->pos.lat_deg, e->pos.lon_deg, 11, 273.0) < 0.1);
		CHECK(e->paths.n == 1 && e->paths.v[0].points.n >= 2);
		(*rtes)++;
	} else if (CHECK(r->n_rtss == 1)) {
		const struct v2x_rts *t = &r->rtss[0];

		CHECK_INT_EQ(t->sign_type, 85);
		CHECK(t->description.len >= 2 && memcmp(t->description.data, "20", 2) == 0);
		CHECK(dist_to_lane(t->pos.lat_deg, t->pos.lon_deg, 41, 100.0) < 0.1);
		(*rtss)++;
	}
}

static void check_rsm(const struct sim_datagram *d, const struct v2x_rsm *r, size_t *n)
{
	double t = (double)d->due_us / 1e6;

	CHECK(t >= 2.0 && t < 4.0);
	if (!CHECK(r->n_participants == 1))
		return;
	CHECK_INT_EQ(r->participants[0].ptc_type, V2X_PTC_PEDESTRIAN);
	CHECK_INT_EQ(r->participants[0].ptc_id, 5);
	CHECK(dist_to_lane(r->participants[0].pos.lat_deg, r->participants[0].pos.lon_deg, 61,
	                   300.0 + 1.5 * (t - 2.0)) < 0.1);
	(*n)++;
}

static void test_rsi_rsm(void)
{
	struct scen s;
	struct run r;
	struct validators vs;
	size_t rtes = 0, rtss = 0, rsms = 0, valid = 0;

	scen_init(&s, 51, 8.0);
	s.sc.n_rsi = 2;
	s.rsi[0] = (struct sim_rsi_event){ .id = 1,
		                           .event_type = 401,
		                           .limit_mps = NAN,
		                           .lane = 11,
		                           .s = 273.0,
		                           .radius_m = 40.0,
		                           .from_t_s = 2.0,
		                           .to_t_s = 5.0 };
	s.rsi[1] = (struct sim_rsi_event){ .id = 2,
		                           .event_type = 85,
		                           .sign = true,
		                           .limit_mps = 20.0 / 3.6,
		                           .lane = 41,
		                           .s = 100.0,
		                           .radius_m = 30.0,
		                           .to_t_s = INFINITY };
	s.sc.n_rsm = 1;
	s.rsm[0] = (struct sim_rsm_participant){ .id = 5,
		                                 .kind = SIM_PART_PEDESTRIAN,
		                                 .lane = 61,
		                                 .s = 300.0,
		                                 .speed_mps = 1.5,
		                                 .from_t_s = 2.0,
		                                 .to_t_s = 4.0 };
	if (!run_plan(&s, &r))
		return;
	validators_new(&vs);
	for (size_t i = 0; i < r.p.n; i++) {
		const struct sim_datagram *d = &r.p.d[i];
		const struct v2x_msg *m = decode(d);

		CHECK(d->actor == -1);
		if (!CHECK(m))
			continue;
		valid += validate(&vs, d, m) == AGENT_VALIDATE_OK;
		if (d->type == V2X_MSG_RSI)
			check_rsi(d, &m->u.rsi, &rtes, &rtss);
		else if (CHECK(d->type == V2X_MSG_RSM))
			check_rsm(d, &m->u.rsm, &rsms);
	}
	CHECK_UINT_EQ(rtes, 3);
	CHECK_UINT_EQ(rtss, 9);
	CHECK_UINT_EQ(rsms, 20);
	CHECK_UINT_EQ(valid, r.p.n);
	validators_free(&vs);
	run_free(&r);
}

/* Errors say what is wrong. */
static void test_errors(void)
{
	struct scen s;
	struct v2x_arena a;
	struct sim_world w;
	struct sim_plan p;
	char err[256] = "";

	scen_init(&s, 61, 2.0);
	s.sc.n_rsus = 1;
	snprintf(s.rsus[0].id, sizeof(s.rsus[0].id), "NO-SUCH-RSU");
	s.rsus[0].range_m = NAN;
	v2x_arena_init(&a, 0, 0);
	CHECK_INT_EQ(sim_world_run(&s.sc, &map, &a, &w, err, sizeof(err)), 0);
	CHECK_INT_EQ(sim_plan_build(&w, &map, EPOCH_US, &a, &p, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "NO-SUCH-RSU") != NULL);
	/* Signals without the junction's RSU. */
	scen_init(&s, 61, 2.0);
	add_rsu(&s, (junction_rsu() + 1) % map.n_rsus);
	set_signals(&s);
	CHECK_INT_EQ(sim_world_run(&s.sc, &map, &a, &w, err, sizeof(err)), 0);
	CHECK_INT_EQ(sim_plan_build(&w, &map, EPOCH_US, &a, &p, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, map.rsus[junction_rsu()].rsu_id) != NULL);
	v2x_arena_fini(&a);
}

int main(void)
{
	struct mapgen_params params = mapgen_params_default();
	struct v2x_arena arena;
	char err[512] = "";
	int rc;

	v2x_arena_init(&arena, 0, 0);
	rc = mapgen_build(&params, &arena, &map, err, sizeof(err));
	if (rc == V2X_ENOTFOUND) {
		fprintf(stderr, "skipped: %s\n", err);
		v2x_arena_fini(&arena);
		return CHECK_SKIP;
	}
	CHECK_INT_EQ(rc, 0);
	codec = v2x_codec_new(NULL);
	CHECK(codec != NULL);
	if (rc == 0 && CHECK(map_frame_new(map.meta.proj, &frame, err, sizeof(err)) == 0) &&
	    CHECK(map.n_intersections > 0 && map.n_rsus > 1)) {
		test_bsm_plain();
		test_loss();
		test_bursts();
		test_dup_reorder_corrupt();
		test_gnss_noise();
		test_tunnel_outage();
		test_dark();
		test_determinism();
		test_spat_map();
		test_rsi_rsm();
		test_errors();
	}
	map_frame_free(frame);
	v2x_codec_free(codec);
	v2x_arena_fini(&arena);
	return check_exit();
}
