/*
 * test_verdict: the verdict on a small hand-made run on the generated test
 * field (three actors on the hairpin staircase, a few hundred steps) with
 * hand-made expectations and received frames: what is matched and how it
 * is counted, the latency percentiles, the checks and their details, the
 * printed verdict, and the files of the report (kept for a look when
 * SIM_REPORT_TEST_KEEP is set).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps/gen/mapgen.h"
#include "sim/report/verdict.h"
#include "tests/check.h"

#define STEP_S   0.1
#define N_STEPS  201 /* 20 s */
#define N_ACTORS 3

struct fixture {
	struct v2x_arena arena;
	struct map_model map;
	struct sim_scenario sc;
	struct sim_actor actors[N_ACTORS];
	uint32_t routes[N_ACTORS];
	struct sim_rsi_event rsi[2];
	struct sim_expect expect[5];
	struct sim_world w;
	struct sim_truth truth[N_ACTORS * N_STEPS];
	double route_len[N_ACTORS], lane_s0[N_ACTORS];
	size_t route_off[N_ACTORS];
};

static const struct map_sample *sample_at(const struct map_lane *l, double s)
{
	size_t i = (size_t)fmax(0.0, fmin(round(s), (double)(l->n_samples - 1)));

	return &l->samples[i];
}

/* Actor a drives lane from start_s at a constant speed from t = 0, until
 * the lane ends. */
static void drive(struct fixture *fx, size_t a, const char *name, uint32_t lane, double start_s,
                  double speed)
{
	const struct map_lane *l = map_model_lane(&fx->map, lane);

	snprintf(fx->actors[a].name, sizeof(fx->actors[a].name), "%s", name);
	fx->routes[a] = lane;
	fx->actors[a].route = &fx->routes[a];
	fx->actors[a].n_route = 1;
	fx->actors[a].start_s = start_s;
	fx->actors[a].speed_mps = speed;
	fx->route_len[a] = l ? l->length_m : 0;
	fx->route_off[a] = a;
	for (size_t k = 0; k < N_STEPS && l; k++) {
		struct sim_truth *t = &fx->truth[a * N_STEPS + k];
		double s = start_s + speed * (double)k * STEP_S;
		const struct map_sample *q = sample_at(l, s);

		t->present = s <= l->length_m;
		t->lane = lane;
		t->s = t->route_s = s;
		t->speed_mps = speed;
		t->x = q->x;
		t->y = q->y;
		t->z = q->z;
		t->heading_deg = q->heading_deg;
	}
}

static void expect(struct fixture *fx, size_t i, uint8_t kind, uint8_t type, const char *target,
                   const char *subject, double from, double to, double min_lead)
{
	struct sim_expect *x = &fx->expect[i];

	x->kind = kind;
	x->type = type;
	snprintf(x->target, sizeof(x->target), "%s", target);
	snprintf(x->subject, sizeof(x->subject), "%s", subject);
	x->from_t_s = from;
	x->to_t_s = to;
	x->min_lead_s = min_lead;
}

static bool fixture_init(struct fixture *fx)
{
	struct mapgen_params p = mapgen_params_default();
	char err[256];

	memset(fx, 0, sizeof(*fx));
	v2x_arena_init(&fx->arena, 1 << 20, 0);
	if (!CHECK(mapgen_build(&p, &fx->arena, &fx->map, err, sizeof(err)) == 0)) {
		fprintf(stderr, "mapgen_build: %s\n", err);
		return false;
	}
	struct sim_scenario *sc = &fx->sc;

	snprintf(sc->name, sizeof(sc->name), "hairpin-report");
	snprintf(sc->description, sizeof(sc->description),
	         "Three cars on the staircase.\n"
	         "A hand-made run | with a pipe.");
	snprintf(sc->path, sizeof(sc->path), "sim/scenarios/hairpin-report.yaml");
	sc->seed = 7;
	sc->duration_s = 20;
	sc->realtime = true;
	sc->n_actors = N_ACTORS;
	sc->actors = fx->actors;
	drive(fx, 0, "V1", 31, 150, 15);
	drive(fx, 1, "V2", 32, 100, 10);
	drive(fx, 2, "V3", 31, 100, 14);
	for (size_t i = 0; i < 2; i++) {
		fx->rsi[i] = (struct sim_rsi_event){ .id = (uint16_t)(i + 1),
			                             .event_type = 401,
			                             .limit_mps = NAN,
			                             .lane = 31,
			                             .s = i ? 600 : 350,
			                             .radius_m = 30,
			                             .to_t_s = INFINITY };
	}
	sc->n_rsi = 2;
	sc->rsi = fx->rsi;
	sc->thresholds = (struct sim_thresholds){
		.recall_min = 1.0, .false_pos_max = 0, .latency_p99_ms_max = 250, .lead_s_min = 3
	};
	expect(fx, 0, SIM_EXPECT_MUST, SIM_W_CURVE_SPEED, "V1", "", 0, INFINITY, 3);
	expect(fx, 1, SIM_EXPECT_MUST, SIM_W_BLIND_CURVE, "V2", "V1", 0, 15, NAN);
	expect(fx, 2, SIM_EXPECT_MUST_NOT, SIM_W_FORWARD_COLLISION, "V3", "", 0, INFINITY, NAN);
	/* Deliberately broken: the warning's lead is 6 s. */
	expect(fx, 3, SIM_EXPECT_MUST, SIM_W_CURVE_SPEED, "V1", "", 0, INFINITY, 8);
	expect(fx, 4, SIM_EXPECT_MUST, SIM_W_SPEED_LIMIT, "V2", "", 0, 20, NAN);
	sc->n_expect = 5;
	sc->expect = fx->expect;
	fx->w = (struct sim_world){ .map = &fx->map,
		                    .sc = sc,
		                    .step_s = STEP_S,
		                    .n_steps = N_STEPS,
		                    .n_actors = N_ACTORS,
		                    .truth = fx->truth,
		                    .route_len_m = fx->route_len,
		                    .route_lane_s0 = fx->lane_s0,
		                    .route_off = fx->route_off };
	return true;
}

static struct sim_expected oracle(uint8_t type, bool must, uint16_t target, int32_t subject,
                                  double from, double to, double critical, const char *why)
{
	struct sim_expected e = { .type = type,
		                  .must = must,
		                  .target = target,
		                  .subject_actor = subject,
		                  .subject_rsi = -1,
		                  .subject_rsm = -1,
		                  .from_t_s = from,
		                  .to_t_s = to,
		                  .critical_t_s = critical,
		                  .advisory_mps = NAN };

	snprintf(e.why, sizeof(e.why), "%s", why);
	return e;
}

static struct sim_received warn(double t, uint8_t type, int32_t target, int32_t subject,
                                uint32_t rev, double latency_ms, const char *text)
{
	struct sim_received r = { .t_s = t,
		                  .warning_id = (uint64_t)(t * 10),
		                  .revision = rev,
		                  .type = type,
		                  .severity = 3,
		                  .target = target,
		                  .subject_actor = subject,
		                  .subject_ptc = -1,
		                  .subject_phase = -1,
		                  .x = NAN,
		                  .y = NAN,
		                  .distance_m = NAN,
		                  .time_to_event_s = NAN,
		                  .advisory_mps = NAN,
		                  .trigger_t_s = NAN,
		                  .latency_ms = latency_ms };

	snprintf(r.text, sizeof(r.text), "%s", text);
	return r;
}

enum { N_EXP = 6, N_RX = 11 };

/* The oracle's expectations of the main run. */
static void main_oracle(struct sim_expected *e)
{
	e[0] = oracle(SIM_W_CURVE_SPEED, true, 0, -1, 2, 8, 10, "hairpin 3102 entry at 10.0 s");
	e[1] = oracle(SIM_W_BLIND_CURVE, true, 1, 0, 3, 12, 12.5, "V1 behind the rock face");
	e[2] = oracle(SIM_W_FORWARD_COLLISION, false, 2, 0, 5, 15, NAN, "gap near threshold");
	e[3] = oracle(SIM_W_HAZARD_AHEAD, true, 0, -1, 1, 18, 13.3, "rockfall at lane 31 s 350");
	e[3].subject_rsi = 0;
	e[4] = oracle(SIM_W_STEEP_DOWNGRADE, true, 2, -1, 0, 10, NAN, "grade section ahead");
	e[5] = oracle(SIM_W_SPEED_LIMIT, true, 1, -1, 0, 20, NAN, "sign at lane 32 s 50");
}

/* What the subscriber received in the main run, in arrival order. */
static void main_rx(const struct fixture *fx, struct sim_received *r)
{
	const struct map_sample *q = sample_at(map_model_lane(&fx->map, 31), 350);

	r[0] = warn(4, SIM_W_CURVE_SPEED, 0, -1, 0, 10, "curve ahead: slow to 30 km/h");
	r[1] = warn(4.5, SIM_W_CURVE_SPEED, 0, -1, 1, 900, "curve ahead (revised)");
	r[2] = warn(5, SIM_W_CURVE_SPEED, 0, -1, 0, 20, "curve ahead again");
	r[3] = warn(6, SIM_W_BLIND_CURVE, 1, 2, 0, 30, "oncoming V3 behind the bend");
	r[4] = warn(7, SIM_W_BLIND_CURVE, 1, 0, 0, 40, "oncoming V1 behind the bend");
	r[5] = warn(8, SIM_W_FORWARD_COLLISION, 2, 0, 0, 50, "forward collision with V1");
	r[6] = (struct sim_received){
		.t_s = 9, .cancel = true, .cancel_reason = 1, .warning_id = 40, .latency_ms = NAN
	};
	r[7] = warn(11, SIM_W_STEEP_DOWNGRADE, 2, -1, 0, 60, "steep downgrade ahead");
	r[8] = warn(12, SIM_W_HAZARD_AHEAD, 0, -1, 0, NAN, "rockfall ahead");
	r[8].subject_event = 401;
	r[8].x = q->x;
	r[8].y = q->y;
	r[9] = warn(13, SIM_W_FORWARD_COLLISION, -1, -1, 0, 70, "forward collision, unknown id");
	r[10] = warn(13.5, SIM_W_HAZARD_AHEAD, 0, -1, 0, 80, "ice ahead");
	r[10].subject_event = 707;
}

static void check_matching(const struct sim_verdict *v)
{
	static const uint8_t rx_match[N_RX] = {
		SIM_MATCH_TP, SIM_MATCH_NONE,      SIM_MATCH_TOLERATED, SIM_MATCH_FP,
		SIM_MATCH_TP, SIM_MATCH_TOLERATED, SIM_MATCH_NONE,      SIM_MATCH_FP,
		SIM_MATCH_TP, SIM_MATCH_FP,        SIM_MATCH_FP,
	};
	static const int32_t rx_exp[N_RX] = { 0, -1, 0, -1, 1, 2, -1, -1, 3, -1, -1 };
	static const uint8_t exp_match[N_EXP] = {
		SIM_MATCH_TP, SIM_MATCH_TP,   SIM_MATCH_TOLERATED,
		SIM_MATCH_TP, SIM_MATCH_MISS, SIM_MATCH_MISS,
	};

	for (size_t i = 0; i < N_RX; i++) {
		CHECK_INT_EQ(v->rx_match[i], rx_match[i]);
		CHECK_INT_EQ(v->rx_exp[i], rx_exp[i]);
	}
	for (size_t k = 0; k < N_EXP; k++)
		CHECK_INT_EQ(v->exp_match[k], exp_match[k]);
	CHECK_DBL_NEAR(v->exp_arrival[0], 4.0, 1e-12);
	CHECK_DBL_NEAR(v->exp_arrival[2], 8.0, 1e-12);
	CHECK(isnan(v->exp_arrival[4]));
	CHECK_UINT_EQ(v->n_first, 9);
	CHECK_UINT_EQ(v->n_revisions, 1);
	CHECK_UINT_EQ(v->n_cancels, 1);
}

static void check_app(const struct sim_app_stats *a, unsigned expected, unsigned tp, unsigned miss,
                      unsigned fp, unsigned tolerated)
{
	CHECK_UINT_EQ(a->expected, expected);
	CHECK_UINT_EQ(a->tp, tp);
	CHECK_UINT_EQ(a->miss, miss);
	CHECK_UINT_EQ(a->fp, fp);
	CHECK_UINT_EQ(a->tolerated, tolerated);
}

static void check_stats(const struct sim_verdict *v)
{
	check_app(&v->apps[SIM_W_CURVE_SPEED], 1, 1, 0, 0, 1);
	check_app(&v->apps[SIM_W_BLIND_CURVE], 1, 1, 0, 1, 0);
	check_app(&v->apps[SIM_W_HAZARD_AHEAD], 1, 1, 0, 1, 0);
	check_app(&v->apps[SIM_W_FORWARD_COLLISION], 0, 0, 0, 1, 1);
	check_app(&v->apps[SIM_W_STEEP_DOWNGRADE], 1, 0, 1, 1, 0);
	check_app(&v->apps[SIM_W_SPEED_LIMIT], 1, 0, 1, 0, 0);
	check_app(&v->apps[SIM_W_RED_LIGHT], 0, 0, 0, 0, 0);
	CHECK_DBL_NEAR(v->apps[SIM_W_CURVE_SPEED].lead_min_s, 6.0, 1e-9);
	CHECK_DBL_NEAR(v->apps[SIM_W_CURVE_SPEED].lead_mean_s, 6.0, 1e-9);
	CHECK_DBL_NEAR(v->apps[SIM_W_HAZARD_AHEAD].lead_min_s, 1.3, 1e-9);
	CHECK(isnan(v->apps[SIM_W_STEEP_DOWNGRADE].lead_min_s));
	/* First issues' latencies 10..80 (the revision's 900 and a NaN left
	 * out): nearest rank over 8 values. */
	CHECK_UINT_EQ(v->latency_n, 8);
	CHECK_DBL_NEAR(v->latency_p50_ms, 40, 1e-12);
	CHECK_DBL_NEAR(v->latency_p90_ms, 80, 1e-12);
	CHECK_DBL_NEAR(v->latency_p99_ms, 80, 1e-12);
	CHECK_DBL_NEAR(v->latency_max_ms, 80, 1e-12);
}

static const struct sim_check *find(const struct sim_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->n_checks; i++)
		if (strcmp(v->checks[i].name, name) == 0)
			return &v->checks[i];
	return NULL;
}

/* The check is there, passed or failed as wanted, and its detail holds
 * every one of the strings. */
static void check_is(const struct sim_verdict *v, const char *name, bool pass, const char *has1,
                     const char *has2)
{
	const struct sim_check *c = find(v, name);

	if (!CHECK(c != NULL)) {
		fprintf(stderr, "no check named \"%s\"\n", name);
		return;
	}
	if (!CHECK(c->pass == pass))
		fprintf(stderr, "%s: %s\n", name, c->detail);
	if (has1 && !CHECK(strstr(c->detail, has1)))
		fprintf(stderr, "%s: \"%s\" lacks \"%s\"\n", name, c->detail, has1);
	if (has2 && !CHECK(strstr(c->detail, has2)))
		fprintf(stderr, "%s: \"%s\" lacks \"%s\"\n", name, c->detail, has2);
}

static void check_checks(const struct sim_verdict *v)
{
	check_is(v, "curve_speed: recall", true, "1/1", NULL);
	check_is(v, "curve_speed: false positives", true, "0, wanted <= 0", NULL);
	check_is(v, "curve_speed: lead time", true, "min 6.00 s", NULL);
	check_is(v, "blind_curve_oncoming: recall", true, NULL, NULL);
	check_is(v, "blind_curve_oncoming: false positives", false, "<- V3 at 6.00 s",
	         "another subject");
	check_is(v, "hazard_ahead: recall", true, NULL, NULL);
	check_is(v, "hazard_ahead: false positives", false, "<- event 707 at 13.50 s",
	         "\"ice ahead\"");
	check_is(v, "forward_collision: false positives", false, "to ? at 13.00 s", NULL);
	/* A late warning: a miss and a false positive. */
	check_is(v, "steep_downgrade: recall", false, "0/1", "missed: oracle[4] steep_downgrade");
	check_is(v, "steep_downgrade: false positives", false, "at 11.00 s",
	         "late: oracle[4]'s window ended at 10.00 s");
	check_is(v, "speed_limit: recall", false, "(sign at lane 32 s 50)", NULL);
	check_is(v, "speed_limit: false positives", true, NULL, NULL);
	check_is(v, "latency p99", true, "80.0 ms over 8 warnings", "wanted <= 250.0 ms");
	check_is(v, "expect[0]: must curve_speed V1", true, "lead 6.00 s >= 3.00 s", NULL);
	check_is(v, "expect[1]: must blind_curve_oncoming V2 <- V1", true, "at 7.00 s", NULL);
	check_is(v, "expect[2]: must_not forward_collision V3", false,
	         "forward_collision to V3 <- V1 at 8.00 s", "\"forward collision with V1\"");
	check_is(v, "expect[3]: must curve_speed V1", false, "lead 6.00 s < 8.00 s wanted",
	         "hairpin 3102 entry");
	check_is(v, "expect[4]: must speed_limit V2", false, "none arrived in [0.00, 20.00] s",
	         "the oracle expected oracle[5]");
	CHECK(find(v, "red_light_violation: recall") == NULL);
	CHECK_UINT_EQ(v->n_checks, 18);
	CHECK_UINT_EQ(v->passed, 9);
	CHECK_UINT_EQ(v->failed, 9);
}

/* The printed verdict: a line per check, the last "N passed, N failed". */
static void check_print(const struct sim_verdict *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!CHECK(f != NULL))
		return;
	sim_verdict_print(v, f);
	fclose(f);
	CHECK(strstr(buf, "\nFAIL expect[3]: must curve_speed V1: arrived too late: ") != NULL);
	CHECK(strncmp(buf, "PASS curve_speed: recall: ", 26) == 0);
	const char *last = len >= 2 ? buf + len - 2 : buf;

	while (last > buf && last[-1] != '\n')
		last--;
	CHECK_STR_EQ(last, "9 passed, 9 failed\n");
	unsigned lines = 0;

	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK_UINT_EQ(lines, v->n_checks + 1);
	free(buf);
}

static bool file_starts(const char *path, const char *head, long min_size)
{
	char got[16] = "";
	FILE *f = fopen(path, "r");
	long size;

	if (!f)
		return false;
	size_t n = fread(got, 1, strlen(head), f);

	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	if (size < min_size)
		fprintf(stderr, "%s: %ld bytes\n", path, size);
	return n == strlen(head) && memcmp(got, head, n) == 0 && size >= min_size;
}

static void check_json(const char *path, const struct sim_verdict *v)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	if (!CHECK(root != NULL)) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return;
	}
	json_t *sum = json_object_get(root, "summary");

	CHECK_INT_EQ(json_integer_value(json_object_get(sum, "passed")), v->passed);
	CHECK_INT_EQ(json_integer_value(json_object_get(sum, "failed")), v->failed);
	CHECK_STR_EQ(json_string_value(json_object_get(sum, "verdict")), "FAIL");
	CHECK_UINT_EQ(json_array_size(json_object_get(root, "checks")), v->n_checks);
	CHECK_UINT_EQ(json_array_size(json_object_get(root, "expectations")), N_EXP);
	CHECK_UINT_EQ(json_array_size(json_object_get(root, "received")), N_RX);
	json_t *cs = json_object_get(json_object_get(root, "apps"), "curve_speed");

	CHECK_INT_EQ(json_integer_value(json_object_get(cs, "tp")), 1);
	CHECK_INT_EQ(json_integer_value(json_object_get(cs, "tolerated")), 1);
	json_t *e4 = json_array_get(json_object_get(root, "expectations"), 4);

	CHECK_STR_EQ(json_string_value(json_object_get(e4, "match")), "miss");
	CHECK(json_is_null(json_object_get(e4, "arrival_t_s")));
	json_t *r7 = json_array_get(json_object_get(root, "received"), 7);

	CHECK_STR_EQ(json_string_value(json_object_get(r7, "match")), "fp");
	CHECK_STR_EQ(json_string_value(json_object_get(r7, "target")), "V3");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(root, "scenario"), "name")),
	             "hairpin-report");
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(root, "run"), "time_mode")),
	             "real time");
	json_t *radio = json_object_get(root, "radio");

	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(radio, "lost"), "bsm")),
	             12);
	json_decref(root);
}

static void check_md(const char *path)
{
	char line[512], last[512] = "";
	bool fail_row = false;
	FILE *f = fopen(path, "r");

	if (!f) {
		CHECK(f != NULL);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		snprintf(last, sizeof(last), "%s", line);
		fail_row |= strstr(line, "| **FAIL** | expect[3]: must curve_speed V1 |") != NULL;
	}
	fclose(f);
	CHECK(fail_row);
	CHECK_STR_EQ(last, "9 passed, 9 failed\n");
}

static const char *const files[] = { "report.json", "report.md", "tracks.svg", "speed.svg",
	                             "latency.svg" };

static void check_report(const struct fixture *fx, const struct sim_expected *exp,
                         const struct sim_received *rx, const struct sim_verdict *v)
{
	char dir[] = "/tmp/test-sim-report-XXXXXX", path[256], err[256] = "";
	struct sim_radio_rsu rsu = { .id = "CQ-MTF-RSU-04", .range_m = 300 };
	struct sim_plan plan = { .n_rsus = 1, .rsus = &rsu, .n = 4000 };

	plan.stats.generated[V2X_MSG_BSM] = 600;
	plan.stats.lost[V2X_MSG_BSM] = 12;
	const struct sim_run_info info = { .time_mode = "real time",
		                           .epoch_us = 1700000000000000,
		                           .wall_s = 21.5,
		                           .broker = "127.0.0.1:7700",
		                           .n_agents = 2,
		                           .sent = 3988,
		                           .plan = &plan };

	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	int rc = sim_report_write(dir, &fx->w, &fx->map, exp, N_EXP, rx, N_RX, v, &info, err,
	                          sizeof(err));

	if (!CHECK(rc == 0))
		fprintf(stderr, "sim_report_write: %s\n", err);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	check_json(path, v);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	check_md(path);
	for (size_t i = 2; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (!CHECK(file_starts(path, "<?xml", 2000)))
			fprintf(stderr, "%s is not an SVG file\n", path);
	}
	if (getenv("SIM_REPORT_TEST_KEEP")) {
		fprintf(stderr, "report kept in %s\n", dir);
	} else {
		for (size_t i = 0; i < 5; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			CHECK(unlink(path) == 0);
		}
		CHECK(rmdir(dir) == 0);
	}
	/* A directory that does not exist: V2X_EIO naming the file. */
	rc = sim_report_write("/nonexistent-dir", &fx->w, &fx->map, exp, N_EXP, rx, N_RX, v, NULL,
	                      err, sizeof(err));
	CHECK(rc < 0);
	CHECK(strstr(err, "/nonexistent-dir/report.json: No such file") != NULL);
}

static void test_main_run(struct fixture *fx)
{
	struct sim_expected exp[N_EXP];
	struct sim_received rx[N_RX];
	struct sim_verdict v;

	main_oracle(exp);
	main_rx(fx, rx);
	if (!CHECK(sim_verdict_judge(&fx->w, exp, N_EXP, rx, N_RX, &fx->arena, &v) == 0))
		return;
	check_matching(&v);
	check_stats(&v);
	check_checks(&v);
	check_print(&v);
	check_report(fx, exp, rx, &v);
}

/* Nearest rank over 1..100 given in a scrambled order, with NaNs, a
 * revision and a cancellation that must be left out. */
static void test_percentiles(struct fixture *fx)
{
	struct sim_received rx[110];
	struct sim_verdict v;
	size_t n = 0;

	for (unsigned i = 0; i < 100; i++)
		rx[n++] = warn(0.1 * i, SIM_W_CURVE_SPEED, 0, -1, 0, (double)((i * 37) % 100 + 1),
		               "");
	for (unsigned i = 0; i < 5; i++)
		rx[n++] = warn(15, SIM_W_CURVE_SPEED, 0, -1, 0, NAN, "");
	rx[n++] = warn(16, SIM_W_CURVE_SPEED, 0, -1, 2, 5000, "");
	rx[n] = warn(17, SIM_W_CURVE_SPEED, 0, -1, 0, 6000, "");
	rx[n++].cancel = true;
	fx->sc.n_expect = 0;
	if (CHECK(sim_verdict_judge(&fx->w, NULL, 0, rx, n, &fx->arena, &v) == 0)) {
		CHECK_UINT_EQ(v.latency_n, 100);
		CHECK_DBL_NEAR(v.latency_p50_ms, 50, 1e-12);
		CHECK_DBL_NEAR(v.latency_p90_ms, 90, 1e-12);
		CHECK_DBL_NEAR(v.latency_p99_ms, 99, 1e-12);
		CHECK_DBL_NEAR(v.latency_max_ms, 100, 1e-12);
		CHECK_UINT_EQ(v.apps[SIM_W_CURVE_SPEED].fp, 105);
	}
	/* Over the limit: the check fails and names the slowest warning. */
	fx->sc.thresholds.latency_p99_ms_max = 98.5;
	if (CHECK(sim_verdict_judge(&fx->w, NULL, 0, rx, n, &fx->arena, &v) == 0)) {
		check_is(&v, "latency p99", false, "99.0 ms over 100 warnings", "slow: 99.0 ms");
		CHECK_UINT_EQ(v.n_checks, 2);
	}
	/* Nothing measured: no latency check at all. */
	if (CHECK(sim_verdict_judge(&fx->w, NULL, 0, rx + 100, 5, &fx->arena, &v) == 0)) {
		CHECK_UINT_EQ(v.latency_n, 0);
		CHECK(isnan(v.latency_p99_ms));
		CHECK(find(&v, "latency p99") == NULL);
	}
	fx->sc.thresholds.latency_p99_ms_max = 250;
	fx->sc.n_expect = 5;
}

/* Two rockfalls of the same type: the warning goes to the one nearest
 * its position; a must one matched once, a second warning is tolerated. */
static void test_hazard_nearest(struct fixture *fx)
{
	struct sim_expected exp[2];
	struct sim_received rx[3];
	struct sim_verdict v;
	const struct map_sample *far = sample_at(map_model_lane(&fx->map, 31), 600);

	for (int i = 0; i < 2; i++) {
		exp[i] = oracle(SIM_W_HAZARD_AHEAD, true, 0, -1, 0, 20, NAN, "rockfall");
		exp[i].subject_rsi = i;
	}
	for (int i = 0; i < 3; i++) {
		rx[i] = warn(5 + i, SIM_W_HAZARD_AHEAD, 0, -1, 0, 10, "rockfall ahead");
		rx[i].subject_event = 401;
		rx[i].x = far->x + 3.0;
		rx[i].y = far->y;
	}
	rx[2].x = rx[2].y = NAN; /* no position: type alone, the first unmatched one */
	fx->sc.n_expect = 0;
	if (CHECK(sim_verdict_judge(&fx->w, exp, 2, rx, 3, &fx->arena, &v) == 0)) {
		CHECK_INT_EQ(v.rx_exp[0], 1);
		CHECK_INT_EQ(v.rx_match[0], SIM_MATCH_TP);
		CHECK_INT_EQ(v.rx_exp[1], 1);
		CHECK_INT_EQ(v.rx_match[1], SIM_MATCH_TOLERATED);
		CHECK_INT_EQ(v.rx_exp[2], 0);
		CHECK_INT_EQ(v.rx_match[2], SIM_MATCH_TP);
		CHECK_UINT_EQ(v.passed, 3);
		CHECK_UINT_EQ(v.failed, 0);
	}
	fx->sc.n_expect = 5;
}

/* A hazard from an RSM participant is told by its participant type; an
 * expect: item naming no actor fails and says so. */
static void test_rsm_subject(struct fixture *fx)
{
	struct sim_rsm_participant ped = { .id = 1,
		                           .kind = SIM_PART_PEDESTRIAN,
		                           .lane = 31,
		                           .s = 400,
		                           .from_t_s = 0,
		                           .to_t_s = 20 };
	struct sim_expect ghost = { .kind = SIM_EXPECT_MUST,
		                    .type = SIM_W_HAZARD_AHEAD,
		                    .target = "V9",
		                    .to_t_s = INFINITY,
		                    .min_lead_s = NAN };
	struct sim_expected exp = oracle(SIM_W_HAZARD_AHEAD, true, 0, -1, 0, 20, NAN, "pedestrian");
	struct sim_received rx[2];
	struct sim_verdict v;

	exp.subject_rsm = 0;
	for (int i = 0; i < 2; i++)
		rx[i] = warn(3 + i, SIM_W_HAZARD_AHEAD, 0, -1, 0, 10, "person ahead");
	rx[0].subject_ptc = 1; /* a motor vehicle: not the pedestrian */
	rx[1].subject_ptc = 3;
	fx->sc.n_rsm = 1;
	fx->sc.rsm = &ped;
	fx->sc.n_expect = 1;
	fx->sc.expect = &ghost;
	if (CHECK(sim_verdict_judge(&fx->w, &exp, 1, rx, 2, &fx->arena, &v) == 0)) {
		CHECK_INT_EQ(v.rx_match[0], SIM_MATCH_FP);
		CHECK_INT_EQ(v.rx_match[1], SIM_MATCH_TP);
		check_is(&v, "expect[0]: must hazard_ahead V9", false,
		         "\"V9\" is no actor of the scenario", NULL);
		check_is(&v, "hazard_ahead: false positives", false, "<- participant type 1", NULL);
	}
	fx->sc.n_rsm = 0;
	fx->sc.rsm = NULL;
	fx->sc.n_expect = 5;
	fx->sc.expect = fx->expect;
}

/* Everything as expected: only PASS lines, "N passed, 0 failed". */
static void test_all_pass(struct fixture *fx)
{
	struct sim_expected exp = oracle(SIM_W_CURVE_SPEED, true, 0, -1, 2, 8, 10, "hairpin");
	struct sim_received rx = warn(4, SIM_W_CURVE_SPEED, 0, -1, 0, 10, "curve ahead");
	struct sim_verdict v;
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	fx->sc.n_expect = 1;
	if (CHECK(f != NULL) &&
	    CHECK(sim_verdict_judge(&fx->w, &exp, 1, &rx, 1, &fx->arena, &v) == 0)) {
		sim_verdict_print(&v, f);
		fclose(f);
		CHECK(strstr(buf, "FAIL") == NULL);
		CHECK(strstr(buf, "\n5 passed, 0 failed\n") != NULL);
	} else if (f) {
		fclose(f);
	}
	fx->sc.n_expect = 5;
}

int main(void)
{
	static struct fixture fx;

	if (!fixture_init(&fx))
		return check_exit();
	test_main_run(&fx);
	test_percentiles(&fx);
	test_hazard_nearest(&fx);
	test_rsm_subject(&fx);
	test_all_pass(&fx);
	v2x_arena_fini(&fx.arena);
	sim_report_release_fonts();
	return check_exit();
}
