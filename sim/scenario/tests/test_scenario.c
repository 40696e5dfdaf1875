/*
 * test_scenario: the YAML scenario reader and its check against the
 * generated test field.  Every scenario is written to a file of its own
 * and read back with sim_scenario_load, as v2x-sim does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps/gen/mapgen.h"
#include "runtime/err.h"
#include "sim/scenario/scenario.h"
#include "tests/check.h"

static char dir[64];
static char path[128];

/* Writes text to the scenario file, returns its path. */
static const char *write_yaml(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static int load(const char *text, struct v2x_arena *a, struct sim_scenario *sc, char *err,
                size_t errlen)
{
	err[0] = '\0';
	return sim_scenario_load(write_yaml(text), a, sc, err, errlen);
}

/* The file must be refused with "FILE:LINE:COL: want" at the start of the
 * message (want holds the key path, the problem and what is allowed). */
static void refused(int line, const char *text, int yline, int ycol, const char *want)
{
	struct v2x_arena a;
	struct sim_scenario sc;
	char err[1024], head[1024];
	int rc;

	v2x_arena_init(&a, 1 << 16, 0);
	rc = load(text, &a, &sc, err, sizeof(err));
	snprintf(head, sizeof(head), "%s:%d:%d: %s", path, yline, ycol, want);
	if (rc != V2X_EINVAL || strncmp(err, head, strlen(head)) != 0) {
		check_fail_(__FILE__, line);
		fprintf(stderr, "rc %d (%s)\n  got:  %s\n  want: %s...\n", rc, v2x_err_name(rc),
		        err, head);
	}
	v2x_arena_fini(&a);
}

static const char full_yaml[] =
        "# every key of the format\n"
        "name: full-example_1\n"
        "description: >\n"
        "  Every key of the format.\n"
        "seed: 258\n"
        "duration_s: 30\n"
        "time: real\n"
        "map:\n"
        "  generator:\n"
        "    seed: 3\n"
        "    origin_lat_deg: 29.5\n"
        "    origin_lon_deg: 106.4\n"
        "    n_hairpins: 5\n"
        "    hairpin_r_min_m: 17\n"
        "    hairpin_r_max_m: 23\n"
        "    hairpin_grade: 0.03\n"
        "    downgrade: 0.08\n"
        "    downgrade_len_m: 1000\n"
        "    tunnel_len_m: 500\n"
        "    narrow_len_m: 450\n"
        "    lane_width_m: 3.6\n"
        "    narrow_width_m: 3.1\n"
        "    speed_limit_kmh: 50\n"
        "    slow_limit_kmh: 25\n"
        "    friction: 0.16\n"
        "    e_max: 0.07\n"
        "    rsu_range_m: 350\n"
        "rsus:\n"
        "  - id: CQ-MTF-RSU-01\n"
        "  - id: CQ-MTF-RSU-04\n"
        "    range_m: 250\n"
        "signals:\n"
        "  cycle_s: 60\n"
        "  offset_s: 5\n"
        "  groups:\n"
        "    - {group: 1, green_start_s: 0, green_s: 25, yellow_s: 3}\n"
        "    - {group: 2, green_start_s: 30, green_s: 20}\n"
        "actors:\n"
        "  - name: V1\n"
        "    class: car\n"
        "    length_m: 4.5\n"
        "    width_m: 1.7\n"
        "    route: [31, 41]\n"
        "    start_s: 150\n"
        "    start_t_s: 1\n"
        "    speed_kmh: 72\n"
        "    profile:\n"
        "      - {t_s: 5, speed_kmh: 36}\n"
        "      - {t_s: 9, speed_mps: 12}\n"
        "    accel_max_mps2: 1.5\n"
        "    decel_mps2: 3\n"
        "    decel_hard_mps2: 7\n"
        "    lateral_m: 0.5\n"
        "    actions:\n"
        "      - {at_t_s: 8, action: brake_hard}\n"
        "      - {at: {lane: 31, s: 300}, action: stop}\n"
        "      - {at_t_s: 12, action: resume}\n"
        "      - {at_t_s: 3, action: lateral, lateral_m: 1.9}\n"
        "      - {at_t_s: 4, action: speed, speed_kmh: 54}\n"
        "  - name: T-2\n"
        "    class: truck\n"
        "    route: [61]\n"
        "    speed_mps: 10\n"
        "  - name: bus_3\n"
        "    class: bus\n"
        "    route: [62]\n"
        "rsi:\n"
        "  - id: 1\n"
        "    event: rockfall\n"
        "    lane: 11\n"
        "    s: 273\n"
        "    radius_m: 40\n"
        "    from_t_s: 2\n"
        "    to_t_s: 20\n"
        "    rsu: CQ-MTF-RSU-04\n"
        "  - id: 2\n"
        "    sign: speed_limit\n"
        "    limit_kmh: 36\n"
        "    lane: 41\n"
        "    s: 100\n"
        "  - {id: 3, event_type: 402, lane: 21, s: 10}\n"
        "rsm:\n"
        "  - id: 1\n"
        "    kind: pedestrian\n"
        "    lane: 61\n"
        "    s: 300\n"
        "    speed_mps: 1.2\n"
        "    from_t_s: 2\n"
        "    to_t_s: 15\n"
        "    rsu: CQ-MTF-RSU-01\n"
        "  - {id: 2, kind: animal, lane: 61, s: 320, speed_kmh: 18}\n"
        "faults:\n"
        "  links:\n"
        "    - {from: \"*\", to: \"*\", types: [bsm, spat], loss: 0.1, burst_enter: 0.02,\n"
        "       burst_len: 5, delay_ms: 20, jitter_ms: 10, duplicate: 0.01, reorder: 0.03,\n"
        "       corrupt: 0.001, from_t_s: 1, to_t_s: 25}\n"
        "    - {from: rsu, to: CQ-MTF-RSU-04}\n"
        "    - {from: V1}\n"
        "  gnss:\n"
        "    - {actor: \"*\", noise_m: 1.5, bias_east_m: 0.5, bias_north_m: -0.25,\n"
        "       tunnel_outage: true}\n"
        "    - {actor: T-2}\n"
        "  dark:\n"
        "    - {rsu: CQ-MTF-RSU-01, from_t_s: 8, to_t_s: 20}\n"
        "  clock_skew:\n"
        "    - {actor: T-2, skew_ms: -150}\n"
        "expect:\n"
        "  thresholds: {recall_min: 0.9, false_pos_max: 2, latency_p99_ms_max: 200,\n"
        "               lead_s_min: 4}\n"
        "  warnings:\n"
        "    - {must: curve_speed, target: V1, min_lead_s: 3}\n"
        "    - {must: blind_curve_oncoming, target: V1, subject: T-2, from_t_s: 0,\n"
        "       to_t_s: 15}\n"
        "    - {must_not: forward_collision, target: bus_3}\n";

static void check_full_top(const struct sim_scenario *sc)
{
	const struct mapgen_params *p = &sc->map_params;

	CHECK_STR_EQ(sc->name, "full-example_1");
	CHECK_STR_EQ(sc->description, "Every key of the format.\n");
	CHECK_STR_EQ(sc->path, path);
	CHECK_UINT_EQ(sc->seed, 258);
	CHECK_DBL_NEAR(sc->duration_s, 30, 0);
	CHECK(sc->realtime);
	CHECK_INT_EQ(sc->map_version, 0);
	CHECK_UINT_EQ(p->seed, 3);
	CHECK_DBL_NEAR(p->origin_lat_deg, 29.5, 0);
	CHECK_DBL_NEAR(p->origin_lon_deg, 106.4, 0);
	CHECK_UINT_EQ(p->n_hairpins, 5);
	CHECK_DBL_NEAR(p->hairpin_r_min_m, 17, 0);
	CHECK_DBL_NEAR(p->hairpin_r_max_m, 23, 0);
	CHECK_DBL_NEAR(p->hairpin_grade, 0.03, 0);
	CHECK_DBL_NEAR(p->downgrade, 0.08, 0);
	CHECK_DBL_NEAR(p->downgrade_len_m, 1000, 0);
	CHECK_DBL_NEAR(p->tunnel_len_m, 500, 0);
	CHECK_DBL_NEAR(p->narrow_len_m, 450, 0);
	CHECK_DBL_NEAR(p->lane_width_m, 3.6, 0);
	CHECK_DBL_NEAR(p->narrow_width_m, 3.1, 0);
	CHECK_DBL_NEAR(p->speed_limit_kmh, 50, 0);
	CHECK_DBL_NEAR(p->slow_limit_kmh, 25, 0);
	CHECK_DBL_NEAR(p->friction, 0.16, 0);
	CHECK_DBL_NEAR(p->e_max, 0.07, 0);
	CHECK_DBL_NEAR(p->rsu_range_m, 350, 0);
	CHECK_UINT_EQ(sc->n_rsus, 2);
	CHECK_STR_EQ(sc->rsus[0].id, "CQ-MTF-RSU-01");
	CHECK(isnan(sc->rsus[0].range_m));
	CHECK_STR_EQ(sc->rsus[1].id, "CQ-MTF-RSU-04");
	CHECK_DBL_NEAR(sc->rsus[1].range_m, 250, 0);
	CHECK(sc->signals.present);
	CHECK_DBL_NEAR(sc->signals.cycle_s, 60, 0);
	CHECK_DBL_NEAR(sc->signals.offset_s, 5, 0);
	CHECK_UINT_EQ(sc->signals.n, 2);
	CHECK_INT_EQ(sc->signals.groups[0].group, 1);
	CHECK_DBL_NEAR(sc->signals.groups[0].green_s, 25, 0);
	CHECK_DBL_NEAR(sc->signals.groups[1].green_start_s, 30, 0);
	CHECK_DBL_NEAR(sc->signals.groups[1].green_s, 20, 0);
	CHECK_DBL_NEAR(sc->signals.groups[1].yellow_s, 3, 0); /* the default */
}

static void check_full_v1(const struct sim_actor *a)
{
	static const uint8_t id[8] = { 'S', 'I', 'M', 0x01, 0x02, 0, 0, 1 };

	for (size_t i = 0; i < 8; i++)
		CHECK_UINT_EQ(a->id[i], id[i]);
	CHECK_STR_EQ(a->name, "V1");
	CHECK_UINT_EQ(a->vclass, SIM_CLASS_CAR);
	CHECK_DBL_NEAR(a->length_m, 4.5, 0);
	CHECK_DBL_NEAR(a->width_m, 1.7, 0);
	CHECK_UINT_EQ(a->n_route, 2);
	CHECK_UINT_EQ(a->route[0], 31);
	CHECK_UINT_EQ(a->route[1], 41);
	CHECK_DBL_NEAR(a->start_s, 150, 0);
	CHECK_DBL_NEAR(a->start_t_s, 1, 0);
	CHECK_DBL_NEAR(a->speed_mps, 20, 1e-12); /* 72 km/h */
	CHECK_UINT_EQ(a->n_profile, 2);
	CHECK_DBL_NEAR(a->profile[0].t_s, 5, 0);
	CHECK_DBL_NEAR(a->profile[0].speed_mps, 10, 1e-12);
	CHECK_DBL_NEAR(a->profile[1].t_s, 9, 0);
	CHECK_DBL_NEAR(a->profile[1].speed_mps, 12, 0);
	CHECK_DBL_NEAR(a->accel_max_mps2, 1.5, 0);
	CHECK_DBL_NEAR(a->decel_mps2, 3, 0);
	CHECK_DBL_NEAR(a->decel_hard_mps2, 7, 0);
	CHECK_DBL_NEAR(a->lateral_m, 0.5, 0);
	CHECK_UINT_EQ(a->n_actions, 5);
	CHECK_UINT_EQ(a->actions[0].kind, SIM_ACT_BRAKE_HARD);
	CHECK_DBL_NEAR(a->actions[0].at_t_s, 8, 0);
	CHECK_UINT_EQ(a->actions[0].at_lane, 0);
	CHECK_UINT_EQ(a->actions[1].kind, SIM_ACT_STOP);
	CHECK(isnan(a->actions[1].at_t_s));
	CHECK_UINT_EQ(a->actions[1].at_lane, 31);
	CHECK_DBL_NEAR(a->actions[1].at_s, 300, 0);
	CHECK_UINT_EQ(a->actions[2].kind, SIM_ACT_RESUME);
	CHECK_UINT_EQ(a->actions[3].kind, SIM_ACT_LATERAL);
	CHECK_DBL_NEAR(a->actions[3].value, 1.9, 0);
	CHECK_UINT_EQ(a->actions[4].kind, SIM_ACT_SPEED);
	CHECK_DBL_NEAR(a->actions[4].at_t_s, 4, 0);
	CHECK_DBL_NEAR(a->actions[4].value, 15, 1e-12); /* 54 km/h */
}

static void check_full_others(const struct sim_scenario *sc)
{
	static const uint8_t id3[8] = { 'S', 'I', 'M', 0x01, 0x02, 0, 0, 3 };

	CHECK_UINT_EQ(sc->n_actors, 3);
	CHECK_STR_EQ(sc->actors[1].name, "T-2");
	CHECK_UINT_EQ(sc->actors[1].vclass, SIM_CLASS_TRUCK);
	CHECK_DBL_NEAR(sc->actors[1].length_m, 10, 0);
	CHECK_DBL_NEAR(sc->actors[1].width_m, 2.5, 0);
	CHECK_DBL_NEAR(sc->actors[1].speed_mps, 10, 0);
	CHECK_UINT_EQ(sc->actors[2].vclass, SIM_CLASS_BUS);
	CHECK_DBL_NEAR(sc->actors[2].length_m, 12, 0);
	CHECK_DBL_NEAR(sc->actors[2].width_m, 2.5, 0);
	for (size_t i = 0; i < 8; i++)
		CHECK_UINT_EQ(sc->actors[2].id[i], id3[i]);
	CHECK_UINT_EQ(sc->n_rsi, 3);
	CHECK_UINT_EQ(sc->rsi[0].event_type, 401);
	CHECK(!sc->rsi[0].sign);
	CHECK(isnan(sc->rsi[0].limit_mps));
	CHECK_UINT_EQ(sc->rsi[0].lane, 11);
	CHECK_DBL_NEAR(sc->rsi[0].s, 273, 0);
	CHECK_DBL_NEAR(sc->rsi[0].radius_m, 40, 0);
	CHECK_DBL_NEAR(sc->rsi[0].from_t_s, 2, 0);
	CHECK_DBL_NEAR(sc->rsi[0].to_t_s, 20, 0);
	CHECK_STR_EQ(sc->rsi[0].rsu, "CQ-MTF-RSU-04");
	CHECK(sc->rsi[1].sign);
	CHECK_UINT_EQ(sc->rsi[1].event_type, 85);
	CHECK_DBL_NEAR(sc->rsi[1].limit_mps, 10, 1e-12);
	CHECK_UINT_EQ(sc->rsi[2].id, 3);
	CHECK_UINT_EQ(sc->rsi[2].event_type, 402);
	CHECK_UINT_EQ(sc->n_rsm, 2);
	CHECK_UINT_EQ(sc->rsm[0].kind, SIM_PART_PEDESTRIAN);
	CHECK_UINT_EQ(sc->rsm[0].lane, 61);
	CHECK_DBL_NEAR(sc->rsm[0].s, 300, 0);
	CHECK_DBL_NEAR(sc->rsm[0].speed_mps, 1.2, 0);
	CHECK_DBL_NEAR(sc->rsm[0].from_t_s, 2, 0);
	CHECK_DBL_NEAR(sc->rsm[0].to_t_s, 15, 0);
	CHECK_STR_EQ(sc->rsm[0].rsu, "CQ-MTF-RSU-01");
	CHECK_UINT_EQ(sc->rsm[1].kind, SIM_PART_ANIMAL);
	CHECK_DBL_NEAR(sc->rsm[1].speed_mps, 5, 1e-12);
	CHECK(isinf(sc->rsm[1].to_t_s));
}

static void check_full_faults(const struct sim_scenario *sc)
{
	const struct sim_link_fault *l = sc->link_faults;

	CHECK_UINT_EQ(sc->n_link_faults, 3);
	CHECK_STR_EQ(l[0].from, "*");
	CHECK_STR_EQ(l[0].to, "*");
	CHECK_UINT_EQ(l[0].types, (1u << 1) | (1u << 4)); /* bsm, spat: V2X_MSG_ numbers */
	CHECK_DBL_NEAR(l[0].loss, 0.1, 0);
	CHECK_DBL_NEAR(l[0].burst_enter, 0.02, 0);
	CHECK_DBL_NEAR(l[0].burst_len, 5, 0);
	CHECK_DBL_NEAR(l[0].delay_ms, 20, 0);
	CHECK_DBL_NEAR(l[0].jitter_ms, 10, 0);
	CHECK_DBL_NEAR(l[0].duplicate, 0.01, 0);
	CHECK_DBL_NEAR(l[0].reorder, 0.03, 0);
	CHECK_DBL_NEAR(l[0].corrupt, 0.001, 0);
	CHECK_DBL_NEAR(l[0].from_t_s, 1, 0);
	CHECK_DBL_NEAR(l[0].to_t_s, 25, 0);
	CHECK_STR_EQ(l[1].from, "rsu");
	CHECK_STR_EQ(l[1].to, "CQ-MTF-RSU-04");
	CHECK_UINT_EQ(l[1].types, 0);
	CHECK_STR_EQ(l[2].from, "V1");
	CHECK_STR_EQ(l[2].to, "*");
	CHECK(isinf(l[2].to_t_s));
	CHECK_DBL_NEAR(l[2].burst_len, 1, 0);
	CHECK_UINT_EQ(sc->n_gnss_faults, 2);
	CHECK_STR_EQ(sc->gnss_faults[0].actor, "*");
	CHECK_DBL_NEAR(sc->gnss_faults[0].noise_m, 1.5, 0);
	CHECK_DBL_NEAR(sc->gnss_faults[0].bias_east_m, 0.5, 0);
	CHECK_DBL_NEAR(sc->gnss_faults[0].bias_north_m, -0.25, 0);
	CHECK(sc->gnss_faults[0].tunnel_outage);
	CHECK(!sc->gnss_faults[1].tunnel_outage);
	CHECK_UINT_EQ(sc->n_dark, 1);
	CHECK_STR_EQ(sc->dark[0].rsu, "CQ-MTF-RSU-01");
	CHECK_DBL_NEAR(sc->dark[0].from_t_s, 8, 0);
	CHECK_DBL_NEAR(sc->dark[0].to_t_s, 20, 0);
	CHECK_UINT_EQ(sc->n_skews, 1);
	CHECK_STR_EQ(sc->skews[0].actor, "T-2");
	CHECK_DBL_NEAR(sc->skews[0].skew_ms, -150, 0);
}

static void check_full_expect(const struct sim_scenario *sc)
{
	const struct sim_expect *e = sc->expect;

	CHECK_DBL_NEAR(sc->thresholds.recall_min, 0.9, 0);
	CHECK_UINT_EQ(sc->thresholds.false_pos_max, 2);
	CHECK_DBL_NEAR(sc->thresholds.latency_p99_ms_max, 200, 0);
	CHECK_DBL_NEAR(sc->thresholds.lead_s_min, 4, 0);
	CHECK_UINT_EQ(sc->n_expect, 3);
	CHECK_UINT_EQ(e[0].kind, SIM_EXPECT_MUST);
	CHECK_UINT_EQ(e[0].type, SIM_W_CURVE_SPEED);
	CHECK_STR_EQ(e[0].target, "V1");
	CHECK_STR_EQ(e[0].subject, "");
	CHECK_DBL_NEAR(e[0].from_t_s, 0, 0);
	CHECK(isinf(e[0].to_t_s));
	CHECK_DBL_NEAR(e[0].min_lead_s, 3, 0);
	CHECK_UINT_EQ(e[1].type, SIM_W_BLIND_CURVE);
	CHECK_STR_EQ(e[1].subject, "T-2");
	CHECK_DBL_NEAR(e[1].to_t_s, 15, 0);
	CHECK(isnan(e[1].min_lead_s));
	CHECK_UINT_EQ(e[2].kind, SIM_EXPECT_MUST_NOT);
	CHECK_UINT_EQ(e[2].type, SIM_W_FORWARD_COLLISION);
	CHECK_STR_EQ(e[2].target, "bus_3");
	CHECK_INT_EQ(sim_scenario_actor(sc, "bus_3"), 2);
	CHECK_INT_EQ(sim_scenario_actor(sc, "V9"), -1);
}

static void test_full(void)
{
	struct v2x_arena a;
	struct sim_scenario sc;
	char err[512];
	int rc;

	v2x_arena_init(&a, 1 << 16, 0);
	rc = load(full_yaml, &a, &sc, err, sizeof(err));
	CHECK_INT_EQ(rc, 0);
	if (rc) {
		fprintf(stderr, "%s\n", err);
	} else {
		check_full_top(&sc);
		check_full_v1(&sc.actors[0]);
		check_full_others(&sc);
		check_full_faults(&sc);
		check_full_expect(&sc);
	}
	v2x_arena_fini(&a);
}

static void check_defaults(const struct sim_scenario *sc)
{
	const struct mapgen_params def = mapgen_params_default();
	const struct sim_actor *v = &sc->actors[0];

	CHECK_UINT_EQ(sc->seed, 1);
	CHECK(sc->realtime);
	CHECK_STR_EQ(sc->description, "");
	CHECK_UINT_EQ(sc->map_params.seed, def.seed);
	CHECK_UINT_EQ(sc->map_params.n_hairpins, def.n_hairpins);
	CHECK_DBL_NEAR(sc->map_params.origin_lat_deg, def.origin_lat_deg, 0);
	CHECK_DBL_NEAR(sc->map_params.downgrade, def.downgrade, 0);
	CHECK_DBL_NEAR(sc->map_params.rsu_range_m, def.rsu_range_m, 0);
	CHECK_INT_EQ(sc->map_version, 0);
	CHECK_UINT_EQ(sc->n_rsus, 0);
	CHECK(!sc->signals.present);
	CHECK_UINT_EQ(sc->n_rsm + sc->n_link_faults + sc->n_gnss_faults + sc->n_dark, 0);
	CHECK_UINT_EQ(sc->n_skews + sc->n_expect, 0);
	CHECK_DBL_NEAR(sc->thresholds.recall_min, 1.0, 0);
	CHECK_UINT_EQ(sc->thresholds.false_pos_max, 0);
	CHECK_DBL_NEAR(sc->thresholds.latency_p99_ms_max, 250, 0);
	CHECK_DBL_NEAR(sc->thresholds.lead_s_min, 3, 0);
	CHECK_UINT_EQ(v->vclass, SIM_CLASS_CAR);
	CHECK_DBL_NEAR(v->length_m, 4.8, 0);
	CHECK_DBL_NEAR(v->width_m, 1.8, 0);
	CHECK_DBL_NEAR(v->start_s + v->start_t_s + v->speed_mps + v->lateral_m, 0, 0);
	CHECK_UINT_EQ(v->n_profile + v->n_actions, 0);
	CHECK_DBL_NEAR(v->accel_max_mps2, 2.0, 0);
	CHECK_DBL_NEAR(v->decel_mps2, 2.5, 0);
	CHECK_DBL_NEAR(v->decel_hard_mps2, 6.0, 0);
	CHECK_UINT_EQ(sc->n_rsi, 1);
	CHECK_DBL_NEAR(sc->rsi[0].radius_m, 30, 0);
	CHECK_DBL_NEAR(sc->rsi[0].from_t_s, 0, 0);
	CHECK(isinf(sc->rsi[0].to_t_s) && sc->rsi[0].to_t_s > 0);
	CHECK_STR_EQ(sc->rsi[0].rsu, "");
	CHECK_UINT_EQ(sc->rsi[0].event_type, 707);
}

static void test_defaults(void)
{
	static const char yaml[] = "name: minimal\n"
	                           "duration_s: 10\n"
	                           "actors: [{name: V1, route: [31]}]\n"
	                           "rsi: [{id: 7, event: ice, lane: 21, s: 700}]\n"
	                           "rsm: []\n";
	static const char versioned[] = "name: on-version\n"
	                                "duration_s: 10\n"
	                                "time: real\n"
	                                "map: {version: 3}\n";
	struct v2x_arena a;
	struct sim_scenario sc;
	char err[512];
	int rc;

	v2x_arena_init(&a, 1 << 16, 0);
	rc = load(yaml, &a, &sc, err, sizeof(err));
	CHECK_INT_EQ(rc, 0);
	if (rc == 0)
		check_defaults(&sc);
	else
		fprintf(stderr, "%s\n", err);
	rc = load(versioned, &a, &sc, err, sizeof(err));
	CHECK_INT_EQ(rc, 0);
	CHECK_INT_EQ(sc.map_version, 3);
	CHECK_UINT_EQ(sc.n_actors, 0);
	v2x_arena_fini(&a);
}

#define HEAD "name: t\nduration_s: 20\n"

/* The eight kinds of mistakes the brief of this reader names, then the
 * others it must catch. */
static void test_refused_main(void)
{
	refused(__LINE__, HEAD "actors:\n  - name: V1\n    route: [31]\n    sped_kmh: 50\n", 6, 5,
	        "actors[0].sped_kmh: unknown key 'sped_kmh' in actors[0] (did you mean "
	        "'speed_kmh'?); known keys: name, class, length_m, width_m, route, start_s");
	refused(__LINE__, "name: t\nduration_s: abc\n", 2, 13,
	        "duration_s: 'abc' is not a number (allowed: 1..600)");
	refused(__LINE__, HEAD "actors:\n  - name: V1\n    route: 31\n", 5, 12,
	        "actors[0].route: text where a list is expected");
	refused(__LINE__,
	        HEAD "actors:\n  - {name: V1, route: [31], speed_kmh: 60}\n"
	             "  - {name: V2, route: [31], speed_kmh: -5}\n",
	        5, 40, "actors[1].speed_kmh: -5 is out of range (0..200 km/h)");
	refused(__LINE__,
	        HEAD "actors:\n  - {name: V1, route: [31]}\n  - {name: V1, route: [32]}\n", 5, 12,
	        "actors[1].name: actor name 'V1' is taken by actors[0] (names are unique)");
	refused(__LINE__,
	        HEAD "actors:\n  - {name: V1, route: [31], speed_kmh: 60, speed_mps: 3}\n", 4, 44,
	        "actors[0].speed_mps: speed_kmh and speed_mps both given (give one of them)");
	refused(__LINE__, HEAD "time: fast\n", 3, 7,
	        "time: 'fast' is refused: the broker and the agents judge message freshness and "
	        "warning timing by the wall clock, so a run goes at real time (allowed: real)");
	refused(__LINE__,
	        HEAD "actors: [{name: V1, route: [31]}]\n"
	             "expect:\n  warnings:\n    - {must: curve_speed, target: V9}\n",
	        6, 35,
	        "expect.warnings[0].target: 'V9' is not an actor of the scenario (actors: V1)");
	refused(__LINE__,
	        HEAD "actors: [{name: V1, route: [31]}]\n"
	             "expect:\n  warnings:\n    - {must: curve_sped, target: V1}\n",
	        6, 14,
	        "expect.warnings[0].must: 'curve_sped' is not a warning name (allowed: "
	        "curve_speed, "
	        "blind_curve_oncoming, hazard_ahead, forward_collision, steep_downgrade, "
	        "speed_limit, red_light_violation)");
}

static void test_refused_more(void)
{
	refused(__LINE__, "name: t\n", 1, 1, "missing key 'duration_s' (it is required)");
	refused(__LINE__, HEAD "seed: 1\nseed: 2\n", 4, 1,
	        "seed: key 'seed' given twice (give each key once)");
	refused(__LINE__, "name: bad name\nduration_s: 20\n", 1, 7,
	        "name: 'bad name' is not a name (allowed: letters, digits, - and _)");
	refused(__LINE__, "name: t\nduration_s: 601\n", 2, 13,
	        "duration_s: 601 is out of range (1..600)");
	refused(__LINE__, HEAD "actors: [{name: V1, route: [31], class: bike}]\n", 3, 41,
	        "actors[0].class: 'bike' is not allowed here (allowed: car, truck, bus)");
	refused(__LINE__, HEAD "actors: [{name: V1, route: [31, 4.5]}]\n", 3, 33,
	        "actors[0].route[1]: '4.5' is not a whole number (allowed: 1..4294967295)");
	refused(__LINE__, HEAD "actors: [{name: V1, route: [31], start_t_s: 25}]\n", 3, 45,
	        "actors[0].start_t_s: 25 is out of range (0..20 s, the run's duration_s)");
	refused(__LINE__, HEAD "map:\n  generator: {n_hairpins: 12}\n", 4, 27,
	        "map.generator.n_hairpins: 12 is out of range (3..10)");
	refused(__LINE__, HEAD "map:\n  generator: {hairpin_r_min_m: 27, hairpin_r_max_m: 20}\n", 4,
	        14, "map.generator: hairpin_r_min_m, narrow_width_m and slow_limit_kmh may not");
	refused(__LINE__, HEAD "map: {version: 2, generator: {seed: 2}}\n", 3, 19,
	        "map.generator: version and generator both given (give one of them)");
	refused(__LINE__, HEAD "actors:\n  - {name: V1, route: [31], actions: [{action: stop}]}\n",
	        4, 39, "actors[0].actions[0]: missing key 'at_t_s' (it is required)");
	refused(__LINE__,
	        HEAD
	        "actors:\n  - {name: V1, route: [31], actions: [{at_t_s: 1, action: speed}]}\n",
	        4, 39, "actors[0].actions[0]: action speed needs speed_kmh or speed_mps");
	refused(__LINE__,
	        HEAD "actors:\n  - {name: V1, route: [31], actions: [{at_t_s: 1, action: stop, "
	             "lateral_m: 1}]}\n",
	        4, 39,
	        "actors[0].actions[0]: lateral_m goes with action lateral only (this one is stop)");
	refused(__LINE__,
	        HEAD "actors:\n  - name: V1\n    route: [31]\n    profile:\n"
	             "      - {t_s: 5, speed_kmh: 30}\n      - {t_s: 4, speed_kmh: 20}\n",
	        8, 9, "actors[0].profile[1]: t_s 4 is not after the point before (5)");
}

static void test_refused_sections(void)
{
	refused(__LINE__, HEAD "rsus: [{id: CQ-MTF-RSU-04}]\ndark: []\n", 4, 1,
	        "dark: unknown key 'dark' in the top level; known keys: name, description, seed, "
	        "duration_s, time, map, rsus, signals, actors, rsi, rsm, faults, expect");
	refused(__LINE__,
	        HEAD "rsus: [{id: CQ-MTF-RSU-04}]\nfaults:\n  dark: [{rsu: CQ-MTF-RSU-03}]\n", 5,
	        16,
	        "faults.dark[0].rsu: RSU 'CQ-MTF-RSU-03' is not one of the run's rsus (listed: "
	        "CQ-MTF-RSU-04)");
	refused(__LINE__, HEAD "faults:\n  links: [{delay_ms: 5, jitter_ms: 10}]\n", 4, 11,
	        "faults.links[0]: jitter_ms 10 is more than delay_ms 5");
	refused(__LINE__, HEAD "faults:\n  links: [{types: [bsm, cam]}]\n", 4, 25,
	        "faults.links[0].types[1]: 'cam' is not a message type (allowed: bsm, map, spat, "
	        "rsi, rsm)");
	refused(__LINE__, HEAD "faults:\n  links: [{from: V7}]\n", 4, 18,
	        "faults.links[0].from: 'V7' is not a sender (allowed: \"*\", \"rsu\" or an actor: "
	        "none)");
	refused(__LINE__,
	        HEAD "rsi: [{id: 1, event: rockfall, sign: speed_limit, lane: 11, s: 1}]\n", 3, 32,
	        "rsi[0].sign: event and sign both given (give one of them)");
	refused(__LINE__, HEAD "rsi: [{id: 1, sign: speed_limit, lane: 11, s: 1}]\n", 3, 7,
	        "rsi[0]: a speed_limit sign needs limit_kmh or limit_mps");
	refused(__LINE__, HEAD "rsm: [{id: 1, kind: cow, lane: 61, s: 1}]\n", 3, 21,
	        "rsm[0].kind: 'cow' is not allowed here (allowed: vehicle, pedestrian, animal)");
	refused(__LINE__,
	        HEAD "rsm: [{id: 1, kind: animal, lane: 61, s: 1, from_t_s: 9, to_t_s: 9}]\n", 3, 7,
	        "rsm[0]: from_t_s 9 is not before to_t_s 9 (a window ends after it starts)");
	refused(__LINE__, HEAD "signals: {cycle_s: 30, groups: [{group: 1, green_s: 28}]}\n", 3, 33,
	        "signals.groups[0]: green_s 28 + yellow_s 3 is longer than the cycle (cycle_s 30)");
	refused(__LINE__,
	        HEAD "actors: [{name: V1, route: [31]}]\nexpect:\n  warnings:\n"
	             "    - {must_not: curve_speed, target: V1, min_lead_s: 2}\n",
	        6, 7, "expect.warnings[0]: min_lead_s goes with must only");
	refused(__LINE__, HEAD "expect: {thresholds: {recall_min: 1.5}}\n", 3, 35,
	        "expect.thresholds.recall_min: 1.5 is out of range (0..1)");
	refused(__LINE__, HEAD "actors: [{name: V1, route: [31]\n", 4, 1, "not valid YAML: ");
	refused(__LINE__, HEAD "---\nname: u\n", 4, 1, "a second YAML document");
	refused(__LINE__, "", 1, 1, "the file is empty");
	refused(__LINE__, "- a\n- b\n", 1, 1, "a list where a mapping is expected (keys: name, ");
}

static void test_io(void)
{
	struct v2x_arena a;
	struct sim_scenario sc;
	char err[512], missing[128];

	snprintf(missing, sizeof(missing), "%s/none.yaml", dir);
	v2x_arena_init(&a, 4096, 0);
	CHECK_INT_EQ(sim_scenario_load(missing, &a, &sc, err, sizeof(err)), V2X_EIO);
	CHECK(strstr(err, "none.yaml: cannot open: No such file") != NULL);
	v2x_arena_fini(&a);
}

static void test_names(void)
{
	CHECK_STR_EQ(sim_warning_name(SIM_W_CURVE_SPEED), "curve_speed");
	CHECK_STR_EQ(sim_warning_name(SIM_W_RED_LIGHT), "red_light_violation");
	CHECK_STR_EQ(sim_warning_name(0), "?");
	CHECK_STR_EQ(sim_warning_name(SIM_W_COUNT), "?");
	for (unsigned t = 1; t < SIM_W_COUNT; t++)
		CHECK_UINT_EQ(sim_warning_type(sim_warning_name(t)), t);
	CHECK_UINT_EQ(sim_warning_type("curve"), 0);
	CHECK_UINT_EQ(sim_warning_type(NULL), 0);
}

/* A scenario on the default test field, with one thing changed. */
static void on_map(int line, const struct map_model *m, const char *body, const char *want)
{
	struct v2x_arena a;
	struct sim_scenario sc;
	char text[2048], err[1024] = "", head[512];
	int rc;

	v2x_arena_init(&a, 1 << 16, 0);
	snprintf(text, sizeof(text), "name: on-map\nduration_s: 60\n%s", body);
	rc = load(text, &a, &sc, err, sizeof(err));
	if (rc == 0)
		rc = sim_scenario_check_map(&sc, m, err, sizeof(err));
	snprintf(head, sizeof(head), "%s: %s", path, want ? want : "");
	if (want ? rc != V2X_EINVAL || strncmp(err, head, strlen(head)) != 0 : rc != 0) {
		check_fail_(__FILE__, line);
		fprintf(stderr, "rc %d\n  got:  %s\n  want: %s\n", rc, err,
		        want ? head : "success");
	}
	v2x_arena_fini(&a);
}

static const char good_on_map[] =
        "signals: {cycle_s: 60, groups: [{group: 1, green_s: 25}, {group: 2, "
        "green_start_s: 30, green_s: 20}]}\n"
        "actors:\n"
        "  - {name: V1, route: [11, 21, 31, 41, 51, 61, 1681, 81], start_s: 499,\n"
        "     actions: [{at: {lane: 61, s: 511.9}, action: stop}]}\n"
        "  - {name: V2, route: [32], start_s: 1349}\n"
        "rsi: [{id: 1, event: rockfall, lane: 11, s: 273, rsu: CQ-MTF-RSU-02}]\n"
        "rsm: [{id: 1, kind: pedestrian, lane: 61, s: 300}]\n"
        "faults:\n"
        "  links: [{from: V1, to: CQ-MTF-RSU-08}, {from: rsu}]\n"
        "  dark: [{rsu: CQ-MTF-RSU-03}]\n";

static void test_check_map(void)
{
	struct mapgen_params p = mapgen_params_default();
	struct v2x_arena a;
	struct map_model m;
	char err[512];
	int rc;

	v2x_arena_init(&a, 1 << 20, 0);
	rc = mapgen_build(&p, &a, &m, err, sizeof(err));
	CHECK_INT_EQ(rc, 0);
	if (rc) {
		fprintf(stderr, "mapgen_build: %s\n", err);
		v2x_arena_fini(&a);
		return;
	}
	on_map(__LINE__, &m, good_on_map, NULL);
	on_map(__LINE__, &m, "actors: [{name: V1, route: [21, 41]}]\n",
	       "actors[0] (V1).route[1]: lane 41 does not follow lane 21 (lane 21 leads to 31): "
	       "list the lanes in driving order");
	on_map(__LINE__, &m, "actors: [{name: V1, route: [31, 99]}]\n",
	       "actors[0] (V1).route[1]: lane 99 is not on the map");
	on_map(__LINE__, &m, "rsi: [{id: 1, event: fog, lane: 31, s: 10, rsu: CQ-MTF-RSU-99}]\n",
	       "rsi[0].rsu: RSU 'CQ-MTF-RSU-99' is not on the map (its RSUs: CQ-MTF-RSU-01, ");
	on_map(__LINE__, &m, "rsus: [{id: CQ-MTF-RSU-99}]\n",
	       "rsus[0].id: RSU 'CQ-MTF-RSU-99' is not on the map");
	on_map(__LINE__, &m, "actors: [{name: V1, route: [31], start_s: 1400}]\n",
	       "actors[0] (V1).start_s: s 1400 m is beyond lane 31, which is 13");
	on_map(__LINE__, &m, "rsm: [{id: 4, kind: vehicle, lane: 61, s: 600}]\n",
	       "rsm[0] (id 4): s 600 m is beyond lane 61, which is 51");
	on_map(__LINE__, &m,
	       "actors: [{name: V1, route: [31], actions: [{at: {lane: 41, s: 5}, action: "
	       "stop}]}]\n",
	       "actors[0] (V1).actions[0].at: lane 41 is not on V1's route");
	on_map(__LINE__, &m, "signals: {cycle_s: 60, groups: [{group: 9, green_s: 25}]}\n",
	       "signals.groups[0]: signal group 9 is not on the map (its groups: 1, 2, 3, 4, 5, 6, "
	       "7, 8): plan only those");
	v2x_arena_fini(&a);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-sim-scenario-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_full();
	test_defaults();
	test_refused_main();
	test_refused_more();
	test_refused_sections();
	test_io();
	test_names();
	test_check_map();
	unlink(path);
	rmdir(dir);
	return check_exit();
}
