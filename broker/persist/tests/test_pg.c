/*
 * broker/persist against a real PostgreSQL+PostGIS (run under
 * tests/with-postgis): rows of every kind land exactly once; the same rows
 * written again in the same run, or spooled without a database and drained
 * after they had been committed, add nothing; MAP messages are related to
 * the loaded map's junctions; agent_seq and brk_persist_last_seq hold
 * across a close and a reopen; the migrations run twice change nothing.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/persist/db.h"
#include "broker/persist/persist.h"
#include "broker/persist/tests/pgfx.h"
#include "codecs/samples.h"
#include "maps/db/migrate.h"
#include "tests/check.h"

#define RUN_ID 111

/* The sample messages and what the rows are built from. */
struct fx {
	struct v2x_arena arena;
	struct v2x_msg msg[8]; /* by a1's seq: 1 BSM, 2 MAP, 3 RSM, 4 SPAT, 5 RSI, 6-7 MAP */
	uint8_t target[8];
	char rsu1[16];
	V2x__Wire__SourceRef src;
	V2x__Wire__SourceRef *srcs[1];
	V2x__Wire__Subject subj;
	V2x__Wire__Position3D pos;
	V2x__Wire__Warning w;
	uint32_t lanes[3];
	struct brk_persist_hazard h;
};

struct durable {
	uint64_t a1, a2;
};

static void on_durable(void *arg, const char *agent, uint64_t seq)
{
	struct durable *d = arg;

	if (strcmp(agent, "a1") == 0)
		d->a1 = seq;
	else if (strcmp(agent, "a2") == 0)
		d->a2 = seq;
	else
		CHECK_STR_EQ(agent, "a1 or a2");
}

static void build_fx(struct fx *f)
{
	static const enum v2x_msg_type types[] = { V2X_MSG_BSM,  V2X_MSG_MAP, V2X_MSG_RSM,
		                                   V2X_MSG_SPAT, V2X_MSG_RSI, V2X_MSG_MAP,
		                                   V2X_MSG_MAP };

	memset(f, 0, sizeof(*f));
	v2x_arena_init(&f->arena, 1 << 16, 0);
	for (int i = 0; i < 7; i++)
		CHECK_INT_EQ(v2x_sample_build(types[i], &f->arena, &f->msg[i + 1]), 0);
	/* seq 6: a node the map does not know, 40 m from junction 8; seq 7: far away. */
	f->msg[6].u.map.nodes[0].id = (struct v2x_node_ref){ true, 600, 55 };
	f->msg[6].u.map.nodes[0].ref_pos.lat_deg = 29.61;
	f->msg[6].u.map.nodes[0].ref_pos.lon_deg = 106.51 + 40.0 / 96850.0;
	f->msg[7].u.map.nodes[0].id = (struct v2x_node_ref){ true, 700, 3 };
	f->msg[7].u.map.nodes[0].ref_pos.lat_deg = 29.7;
	f->msg[7].u.map.nodes[0].ref_pos.lon_deg = 106.6;

	memcpy(f->target, "\x1a\x2b\x3c\x4d\x00\x00\x00\x07", 8);
	snprintf(f->rsu1, sizeof(f->rsu1), "rsu-1");
	v2x__wire__source_ref__init(&f->src);
	f->src.rsu_id = f->rsu1;
	f->src.has_seq = true;
	f->src.seq = 5;
	f->srcs[0] = &f->src;
	v2x__wire__subject__init(&f->subj);
	f->subj.subject_case = V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID;
	f->subj.vehicle_id.data = f->target;
	f->subj.vehicle_id.len = 8;
	v2x__wire__position3_d__init(&f->pos);
	f->pos.has_lat_deg = f->pos.has_lon_deg = true;
	f->pos.lat_deg = 29.6;
	f->pos.lon_deg = 106.5;
	v2x__wire__warning__init(&f->w);
	f->w.has_warning_id = f->w.has_revision = f->w.has_type = f->w.has_severity = true;
	f->w.type = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD;
	f->w.severity = V2X__WIRE__SEVERITY__SEVERITY_CRITICAL;
	f->w.has_target_vehicle_id = true;
	f->w.target_vehicle_id.data = f->target;
	f->w.target_vehicle_id.len = 8;
	f->w.subject = &f->subj;
	f->w.position = &f->pos;
	f->w.has_distance_m = true;
	f->w.distance_m = 180.5;
	f->w.has_issue_time_us = f->w.has_expiry_time_us = true;
	f->w.n_sources = 1;
	f->w.sources = f->srcs;
	f->lanes[0] = 3;
	f->lanes[1] = 4;
	f->lanes[2] = 17;
	f->h = (struct brk_persist_hazard){ .hazard_id = 9,
		                            .kind = BRK_PERSIST_H_RSI,
		                            .event_type = 401,
		                            .lat_deg = 29.6012,
		                            .lon_deg = 106.5054,
		                            .radius_m = 25,
		                            .lanes = f->lanes,
		                            .n_lanes = 3,
		                            .start_time_us = 1700000000000000,
		                            .agent_id = "a1",
		                            .rsu_id = "rsu-1",
		                            .seq = 5 };
}

static void send_obs(struct brk_persist *p, const char *agent, uint64_t seq,
                     const struct v2x_msg *m)
{
	static const uint8_t uper[] = { 0x00, 0x5c, 0xff, 0x10 };
	struct brk_persist_obs o = { .agent_id = agent,
		                     .rsu_id = "rsu-1",
		                     .uper = uper,
		                     .uper_len = sizeof(uper),
		                     .seq = seq,
		                     .rx_time_us = 1700000000000000 + (int64_t)seq,
		                     .broker_time_us = 1700000000000100 + (int64_t)seq,
		                     .msg = m };

	CHECK_INT_EQ(brk_persist_observation(p, &o), 0);
}

static void send_warning(struct brk_persist *p, struct fx *f, uint64_t id, uint32_t rev,
                         enum brk_persist_wevent ev)
{
	f->w.warning_id = id;
	f->w.revision = rev;
	f->w.issue_time_us = 1700000000001000 + rev;
	f->w.expiry_time_us = 1700000000901000;
	CHECK_INT_EQ(brk_persist_warning(p, &f->w, ev), 0);
}

static void send_hazard(struct brk_persist *p, struct fx *f, enum brk_persist_hevent ev, int64_t t)
{
	f->h.event = ev;
	f->h.time_us = t;
	CHECK_INT_EQ(brk_persist_hazard(p, &f->h), 0);
}

/* Every kind of row: 10 observations, a mark, 5 warning events, 3 hazard events. */
static void send_all(struct brk_persist *p, struct fx *f)
{
	for (uint64_t s = 1; s <= 7; s++)
		send_obs(p, "a1", s, &f->msg[s]);
	CHECK_INT_EQ(brk_persist_mark(p, "a1", 8), 0);
	for (uint64_t s = 1; s <= 3; s++)
		send_obs(p, "a2", s, &f->msg[1]);
	send_warning(p, f, 1, 0, BRK_PERSIST_W_ISSUED);
	send_warning(p, f, 1, 1, BRK_PERSIST_W_UPDATED);
	CHECK_INT_EQ(brk_persist_cancel(p, 1, 1, 1, 1700000000002000, false), 0);
	send_warning(p, f, 2, 0, BRK_PERSIST_W_ISSUED);
	CHECK_INT_EQ(brk_persist_cancel(p, 2, 0, 0, 1700000000903000, true), 0);
	send_hazard(p, f, BRK_PERSIST_H_CREATED, 1700000000000500);
	send_hazard(p, f, BRK_PERSIST_H_UPDATED, 1700000000000600);
	send_hazard(p, f, BRK_PERSIST_H_CLEARED, 1700000000000700);
}

static void config(struct brk_persist_config *cfg, const char *conninfo, const char *spool,
                   struct durable *d)
{
	brk_persist_config_default(cfg);
	cfg->conninfo = conninfo;
	cfg->spool_dir = spool;
	cfg->flush_ms = 10;
	cfg->run_id = RUN_ID;
	cfg->on_durable = on_durable;
	cfg->arg = d;
	cfg->reconnect_min_ms = 50;
	cfg->reconnect_max_ms = 500;
	cfg->store_json = true;
	cfg->store_uper = true;
}

static bool all_durable(void *arg)
{
	const struct durable *d = arg;

	return d->a1 >= 8 && d->a2 >= 3;
}

static bool a1_at_9(void *arg)
{
	return ((const struct durable *)arg)->a1 >= 9;
}

struct drained {
	struct brk_persist *p;
	uint64_t want;
};

static bool spool_drained(void *arg)
{
	struct drained *dr = arg;
	struct brk_persist_stats st;

	brk_persist_stats(dr->p, &st);
	return st.spool_records == 0 && st.drained >= dr->want;
}

/* The counts every session must leave, whatever was written twice. */
static void check_counts(PGconn *pg, long long observations, int n_spat)
{
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.observations"), observations);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM (SELECT DISTINCT agent_id, seq FROM "
	                          "v2x_broker.observations) d"),
	             observations);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.map_messages"), 3);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.spat_history"), n_spat);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.warnings"), 5);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.hazards"), 3);
	CHECK_INT_EQ(
	        pgfx_int(pg, "SELECT last_seq FROM v2x_broker.agent_seq WHERE agent_id = 'a2'"), 3);
}

/* The loaded map the MAP rows are related to: junctions 7 (500/1) and 8 (600/99). */
static int load_map(PGconn *pg)
{
	char err[512];
	long long v;
	char sql[1024];

	if (map_db_migrate(pg, NULL, err, sizeof(err))) {
		fprintf(stderr, "map schema: %s\n", err);
		return -1;
	}
	v = pgfx_int(pg,
	             "INSERT INTO v2x_map.map_version (name, projection, height_datum, source, "
	             "origin_lat_deg, origin_lon_deg, loaded_at) VALUES ('t', "
	             "'+proj=tmerc +lat_0=29.6 +lon_0=106.5', 'ellipsoid', 'test', 29.6, 106.5, "
	             "now()) RETURNING id");
	snprintf(sql, sizeof(sql),
	         "INSERT INTO v2x_map.intersections (version_id, id, name, region, node_id, "
	         "ref_local, ref_wgs84) VALUES "
	         "(%lld, 7, 'valley', 500, 1, 'POINT Z (0 0 0)'::geometry, "
	         "ST_SetSRID(ST_MakePoint(106.5054321, 29.6012345, 246.3), 4979)), "
	         "(%lld, 8, 'upper', 600, 99, 'POINT Z (0 0 0)'::geometry, "
	         "ST_SetSRID(ST_MakePoint(106.51, 29.61, 300), 4979))",
	         v, v);
	return v > 0 ? pgfx_exec(pg, sql) : -1;
}

static void check_rows(PGconn *pg)
{
	char s[256];

	/* MAP rows and the junctions they were related to. */
	pgfx_text(pg,
	          "SELECT intersection_id || ' ' || matched_by FROM v2x_broker.map_messages "
	          "WHERE agent_id = 'a1' AND seq = 2",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "7 id");
	pgfx_text(pg,
	          "SELECT intersection_id || ' ' || matched_by FROM v2x_broker.map_messages "
	          "WHERE agent_id = 'a1' AND seq = 6",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "8 nearest");
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.map_messages WHERE seq = 7 AND "
	                          "intersection_id IS NULL AND map_version_id IS NOT NULL"),
	             1);
	/* Positions, ids, the message identity. */
	pgfx_text(pg,
	          "SELECT round(ST_Y(position)::numeric, 7) || ' ' || "
	          "round(ST_X(position)::numeric, 7) || ' ' || source_id || ' ' || msg_type || "
	          "' ' || rsu_id || ' ' || rx_time_us FROM v2x_broker.observations WHERE "
	          "agent_id = 'a1' AND seq = 1",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "29.6012345 106.5054321 1a2b3c4d00000007 bsm rsu-1 1700000000000001");
	/* The message as JSON of every type, and the UPER bytes. */
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.observations WHERE "
	                          "msg->>'type' = msg_type AND uper = '\\x005cff10'::bytea"),
	             10);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.observations WHERE msg_type = "
	                          "'spat' AND position IS NULL"),
	             1);
	pgfx_text(pg,
	          "SELECT phases->0->'states'->0->>'light' IS NOT NULL FROM "
	          "v2x_broker.spat_history LIMIT 1",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "t");
	/* Warnings: sources, subject, the lifecycle in order. */
	pgfx_text(pg,
	          "SELECT sources[1] || ' ' || subject || ' ' || target_vehicle FROM "
	          "v2x_broker.warnings WHERE warning_id = 1 AND event = 'issued'",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "rsu-1:5 vehicle:1a2b3c4d00000007 1a2b3c4d00000007");
	pgfx_text(pg,
	          "SELECT string_agg(event || ':' || revision, ',' ORDER BY warning_id, "
	          "event_time_us) "
	          "FROM v2x_broker.warnings WHERE run_id = 111",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "issued:0,updated:1,cancelled:1,issued:0,expired:0");
	pgfx_text(pg,
	          "SELECT lanes::text || ' ' || kind || ' ' || seq FROM v2x_broker.hazards "
	          "WHERE event = 'cleared'",
	          s, sizeof(s));
	CHECK_STR_EQ(s, "{3,4,17} rsi 5");
}

/* Session 1: everything twice in one run; each row once in the tables. */
static void session_twice(uv_loop_t *loop, const char *conninfo, const char *spool, struct fx *f,
                          PGconn *pg, int n_spat)
{
	struct brk_persist_config cfg;
	struct brk_persist_stats st;
	struct durable d = { 0 };
	struct brk_persist *p;
	char err[512];

	config(&cfg, conninfo, spool, &d);
	CHECK_INT_EQ(brk_persist_new(loop, &cfg, &p, err, sizeof(err)), 0);
	send_all(p, f);
	send_all(p, f);
	CHECK(pgfx_run_until(loop, all_durable, &d, 20000));
	brk_persist_stats(p, &st);
	CHECK_UINT_EQ(st.connects, 1);
	CHECK_UINT_EQ(st.spooled, 0);
	CHECK_UINT_EQ(st.rows_written[BRK_PERSIST_T_OBSERVATIONS] +
	                      st.rows_present[BRK_PERSIST_T_OBSERVATIONS],
	              20);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(loop, UV_RUN_DEFAULT), 0);
	CHECK_UINT_EQ(d.a1, 8);
	CHECK_UINT_EQ(d.a2, 3);
	check_counts(pg, 10, n_spat);
	CHECK_INT_EQ(
	        pgfx_int(pg, "SELECT last_seq FROM v2x_broker.agent_seq WHERE agent_id = 'a1'"), 8);
	check_rows(pg);
}

/* Session 2: no database; the same rows go to the spool only. */
static void session_spool_only(uv_loop_t *loop, const char *spool, struct fx *f)
{
	struct brk_persist_config cfg;
	struct brk_persist_stats st;
	struct durable d = { 0 };
	struct brk_persist *p;
	char err[512];

	config(&cfg, NULL, spool, &d);
	CHECK_INT_EQ(brk_persist_new(loop, &cfg, &p, err, sizeof(err)), 0);
	send_all(p, f);
	CHECK(pgfx_run_until(loop, all_durable, &d, 20000));
	brk_persist_stats(p, &st);
	CHECK_UINT_EQ(st.spooled, 19);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(loop, UV_RUN_DEFAULT), 0);
}

/* Session 3: the database again; the spool drains and adds nothing; a new row does. */
static void session_drain(uv_loop_t *loop, const char *conninfo, const char *spool, struct fx *f,
                          PGconn *pg, int n_spat)
{
	struct brk_persist_config cfg;
	struct brk_persist_stats st;
	struct durable d = { 0 };
	struct brk_persist *p;
	struct drained dr;
	uint64_t seq;
	char err[512];

	config(&cfg, conninfo, spool, &d);
	CHECK_INT_EQ(brk_persist_new(loop, &cfg, &p, err, sizeof(err)), 0);
	CHECK_INT_EQ(brk_persist_last_seq(p, "a1", &seq), 0);
	CHECK_UINT_EQ(seq, 8);
	dr = (struct drained){ p, 19 };
	CHECK(pgfx_run_until(loop, spool_drained, &dr, 20000));
	check_counts(pg, 10, n_spat);
	send_obs(p, "a1", 9, &f->msg[1]);
	CHECK(pgfx_run_until(loop, a1_at_9, &d, 20000));
	brk_persist_stats(p, &st);
	CHECK_UINT_EQ(st.drained, 19);
	CHECK_UINT_EQ(st.rows_written[BRK_PERSIST_T_OBSERVATIONS], 1);
	CHECK_UINT_EQ(st.rows_present[BRK_PERSIST_T_OBSERVATIONS], 10);
	CHECK_UINT_EQ(st.spool_segments, 0);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(loop, UV_RUN_DEFAULT), 0);
	CHECK_UINT_EQ(d.a1, 9);
	check_counts(pg, 11, n_spat);
}

/* Session 4: last_seq comes back from agent_seq. */
static void session_reopen(uv_loop_t *loop, const char *conninfo, const char *spool)
{
	struct brk_persist_config cfg;
	struct durable d = { 0 };
	struct brk_persist *p;
	uint64_t seq;
	char err[512];

	config(&cfg, conninfo, spool, &d);
	CHECK_INT_EQ(brk_persist_new(loop, &cfg, &p, err, sizeof(err)), 0);
	CHECK_INT_EQ(brk_persist_last_seq(p, "a1", &seq), 0);
	CHECK_UINT_EQ(seq, 9);
	CHECK_INT_EQ(brk_persist_last_seq(p, "a2", &seq), 0);
	CHECK_UINT_EQ(seq, 3);
	CHECK_INT_EQ(brk_persist_last_seq(p, "nobody", &seq), V2X_ENOTFOUND);
	CHECK_UINT_EQ(seq, 0);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(loop, UV_RUN_DEFAULT), 0);
}

int main(void)
{
	const char *conninfo = pgfx_conninfo();
	char spool[512], err[512];
	PGconn *pg;
	uv_loop_t loop;
	struct fx *f;
	int applied = -1, n_spat;

	if (!conninfo)
		return CHECK_SKIP;
	pg = pgfx_connect(conninfo);
	f = calloc(1, sizeof(*f));
	if (!pg || !f || load_map(pg) || pgfx_tmpdir("brk-persist-pg", spool, sizeof(spool))) {
		PQfinish(pg);
		free(f);
		return 1;
	}
	build_fx(f);
	n_spat = (int)f->msg[4].u.spat.n_intersections;
	CHECK(n_spat > 0);
	CHECK_INT_EQ(uv_loop_init(&loop), 0);

	session_twice(&loop, conninfo, spool, f, pg, n_spat);
	session_spool_only(&loop, spool, f);
	session_drain(&loop, conninfo, spool, f, pg, n_spat);
	session_reopen(&loop, conninfo, spool);

	/* The migrations again: nothing to do. */
	CHECK_INT_EQ(brk_persist__db_migrate(pg, &applied, err, sizeof(err)), 0);
	CHECK_INT_EQ(applied, 0);
	CHECK_INT_EQ(pgfx_int(pg, "SELECT count(*) FROM v2x_broker.schema_migrations"), 2);

	CHECK_INT_EQ(uv_loop_close(&loop), 0);
	PQfinish(pg);
	v2x_arena_fini(&f->arena);
	free(f);
	pgfx_rm_tree(spool);
	return check_exit();
}
