/*
 * broker/persist without a database: the ring, the formatting of rows
 * into records, the spool (torn tail, damage, bounds, draining), and the
 * module in spool-only mode (durable reports, last_seq across a reopen, a
 * full queue holding an agent, metrics).
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/persist/persist.h"
#include "broker/persist/ring.h"
#include "broker/persist/row.h"
#include "broker/persist/spool.h"
#include "codecs/samples.h"
#include "runtime/clock.h"
#include "tests/check.h"

/* ---- helpers ------------------------------------------------------------------ */

static char tmp_root[256];

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder under the test's temporary root. */
static const char *fresh_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp_root, name);
	rm_tree(path);
	return path;
}

/* The text of part i of a record, NUL-terminated in out. */
static int part_text(const uint8_t *buf, size_t len, int i, uint8_t *table, char *out,
                     size_t outlen)
{
	struct brk_persist__rec rec;
	size_t off = 0, n;
	const char *text;
	int rc = brk_persist__rec_parse(buf, len, &rec);

	for (int k = 0; rc == 0; k++) {
		rc = brk_persist__rec_part(&rec, &off, table, &text, &n);
		if (rc != 1)
			return -1;
		if (k == i) {
			snprintf(out, outlen, "%.*s", (int)n, text);
			return 0;
		}
		rc = 0;
	}
	return -1;
}

/* Field f (0-based, tab-separated) of line, into out. */
static void field(const char *line, int f, char *out, size_t outlen)
{
	const char *s = line;

	for (int i = 0; i < f && s; i++) {
		s = strchr(s, '\t');
		if (s)
			s++;
	}
	if (!s) {
		snprintf(out, outlen, "(none)");
		return;
	}
	snprintf(out, outlen, "%.*s", (int)strcspn(s, "\t\n"), s);
}

/* ---- the ring ----------------------------------------------------------------- */

static void test_ring(void)
{
	struct brk_persist__ring r;
	struct brk_persist__entry e;
	uint8_t payload[600];
	uint64_t cur, t;
	int pushed = 0;

	CHECK_INT_EQ(brk_persist__ring_init(&r, 1024), 0);
	CHECK(!brk_persist__ring_oldest(&r, &t));
	CHECK_INT_EQ(brk_persist__ring_push(&r, payload, 2000, 1), -1);
	for (int i = 0; i < 100; i++) {
		memset(payload, i, sizeof(payload));
		if (brk_persist__ring_push(&r, payload, 100, (uint64_t)i + 10) != 0)
			break;
		pushed++;
	}
	/* 1024 bytes hold 8 entries of 100 + 16 bytes, rounded to 128. */
	CHECK_INT_EQ(pushed, 8);
	CHECK_UINT_EQ(brk_persist__ring_count(&r), 8);
	CHECK(brk_persist__ring_oldest(&r, &t));
	CHECK_UINT_EQ(t, 10);
	/* Take 5, release them, push across the end, read everything in order. */
	cur = brk_persist__ring_tail(&r);
	for (int i = 0; i < 5; i++) {
		CHECK(brk_persist__ring_peek(&r, &cur, &e));
		CHECK_UINT_EQ(e.len, 100);
		CHECK_INT_EQ(e.payload[0], i);
	}
	brk_persist__ring_release(&r, cur, 5);
	CHECK_UINT_EQ(brk_persist__ring_count(&r), 3);
	for (int i = 8; i < 13; i++) {
		memset(payload, i, sizeof(payload));
		CHECK_INT_EQ(brk_persist__ring_push(&r, payload, 100, (uint64_t)i), 0);
	}
	CHECK_INT_EQ(brk_persist__ring_push(&r, payload, 100, 0), 1);
	cur = brk_persist__ring_tail(&r);
	for (int i = 5; i < 13; i++) {
		CHECK(brk_persist__ring_peek(&r, &cur, &e));
		CHECK_INT_EQ(e.payload[0], i);
		CHECK_INT_EQ(e.payload[99], i);
	}
	CHECK(!brk_persist__ring_peek(&r, &cur, &e));
	brk_persist__ring_release(&r, cur, 8);
	CHECK_UINT_EQ(brk_persist__ring_count(&r), 0);
	CHECK_UINT_EQ(brk_persist__ring_bytes(&r), 0);
	/* A 600-byte entry with the end 128 bytes away: skipped to the start. */
	CHECK_INT_EQ(brk_persist__ring_push(&r, payload, 600, 1), 0);
	cur = brk_persist__ring_tail(&r);
	CHECK(brk_persist__ring_peek(&r, &cur, &e));
	CHECK_UINT_EQ(e.len, 600);
	brk_persist__ring_fini(&r);
}

/* ---- rows --------------------------------------------------------------------- */

static void test_obs_rows(void)
{
	struct brk_persist__fmt f;
	struct v2x_arena arena;
	struct v2x_msg msg;
	struct brk_persist__rec rec;
	char line[8192], v[256];
	uint8_t t = 0xff;
	static const uint8_t uper[] = { 0x01, 0xab, 0x5c };
	struct brk_persist_obs o = { .agent_id = "agent-1",
		                     .rsu_id = "rsu\t7\\x\n",
		                     .seq = 42,
		                     .rx_time_us = 1700000000000001,
		                     .broker_time_us = 1700000000000099,
		                     .replayed = true,
		                     .msg = &msg,
		                     .uper = uper,
		                     .uper_len = sizeof(uper) };

	CHECK_INT_EQ(brk_persist__fmt_init(&f, 1 << 16), 0);
	v2x_arena_init(&arena, 1 << 16, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_BSM, &arena, &msg), 0);
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, true, true), 0);
	CHECK_INT_EQ(brk_persist__rec_parse(f.buf, f.len, &rec), 0);
	CHECK_INT_EQ(rec.kind, BRK_PERSIST__REC_OBS);
	CHECK_UINT_EQ(rec.seq, 42);
	CHECK_UINT_EQ(rec.agent_idx, 7);
	CHECK_UINT_EQ(rec.nparts, 1);
	CHECK(rec.agent_len == 7 && memcmp(rec.agent, "agent-1", 7) == 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 0, &t, line, sizeof(line)), 0);
	CHECK_INT_EQ(t, BRK_PERSIST_T_OBSERVATIONS);
	/* One line, with the 18 columns of BRK_PERSIST__COLS_OBS. */
	CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	field(line, 0, v, sizeof(v));
	CHECK_STR_EQ(v, "agent-1");
	field(line, 1, v, sizeof(v));
	CHECK_STR_EQ(v, "rsu\\t7\\\\x\\n");
	field(line, 2, v, sizeof(v));
	CHECK_STR_EQ(v, "42");
	field(line, 5, v, sizeof(v));
	CHECK_STR_EQ(v, "bsm");
	field(line, 6, v, sizeof(v));
	CHECK_STR_EQ(v, "t");
	field(line, 9, v, sizeof(v));
	CHECK_STR_EQ(v, "1a2b3c4d00000007");
	field(line, 11, v, sizeof(v));
	CHECK_STR_EQ(v, "31.25");
	field(line, 12, v, sizeof(v));
	CHECK_STR_EQ(v, "\\N");
	field(line, 16, v, sizeof(v));
	CHECK(strncmp(v, "{\"type\":\"bsm\"", 13) == 0);
	field(line, 17, v, sizeof(v));
	CHECK_STR_EQ(v, "\\\\x01ab5c");
	field(line, 18, v, sizeof(v));
	CHECK_STR_EQ(v, "(none)");

	/* MAP: one map_messages line per node; SPAT: one spat_history line. */
	o.rsu_id = "rsu-7";
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_MAP, &arena, &msg), 0);
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, false, false), 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 1, &t, line, sizeof(line)), 0);
	CHECK_INT_EQ(t, BRK_PERSIST_T_MAP);
	CHECK_STR_EQ(line, "agent-1\trsu-7\t42\t0\t1700000000000001\t3\t500\t1\tValley junction\t"
	                   "106.5054321\t29.6012345\t4\n");
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_SPAT, &arena, &msg), 0);
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, false, false), 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 1, &t, line, sizeof(line)), 0);
	CHECK_INT_EQ(t, BRK_PERSIST_T_SPAT);
	field(line, 11, v, sizeof(v));
	CHECK(strncmp(v, "[{\"id\":1,\"states\":[{\"light\":\"", 29) == 0);

	/* Invalid UTF-8 becomes U+FFFD: COPY must not refuse the batch. */
	o.rsu_id = "r\xff\xc3(";
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, false, false), 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 0, &t, line, sizeof(line)), 0);
	field(line, 1, v, sizeof(v));
	CHECK_STR_EQ(v, "r\xef\xbf\xbd\xef\xbf\xbd(");

	/* Refusals. */
	o.seq = (uint64_t)INT64_MAX + 1;
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, false, false), V2X_ERANGE);
	o.seq = 1;
	o.agent_id = "";
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, false, false), V2X_EINVAL);
	CHECK_INT_EQ(brk_persist__fmt_mark(&f, "agent-1", 3, 99), 0);
	CHECK_INT_EQ(brk_persist__rec_parse(f.buf, f.len, &rec), 0);
	CHECK_INT_EQ(rec.kind, BRK_PERSIST__REC_MARK);
	CHECK_UINT_EQ(rec.nparts, 0);
	brk_persist__fmt_fini(&f);

	/* A row above the formatter's size. */
	CHECK_INT_EQ(brk_persist__fmt_init(&f, 64), 0);
	o.agent_id = "agent-1";
	CHECK_INT_EQ(brk_persist__fmt_obs(&f, &o, 7, false, false), V2X_ETOO_BIG);
	brk_persist__fmt_fini(&f);
	v2x_arena_fini(&arena);
}

static void source_ref(V2x__Wire__SourceRef *s, char *rsu, uint64_t seq)
{
	s->rsu_id = rsu;
	s->has_seq = true;
	s->seq = seq;
}

static void test_warning_rows(void)
{
	struct brk_persist__fmt f;
	char line[4096], v[256];
	uint8_t t = 0xff, target[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	V2x__Wire__SourceRef s1 = V2X__WIRE__SOURCE_REF__INIT, s2 = V2X__WIRE__SOURCE_REF__INIT;
	V2x__Wire__SourceRef *sources[] = { &s1, &s2 };
	V2x__Wire__HazardRef hz = V2X__WIRE__HAZARD_REF__INIT;
	V2x__Wire__Subject subj;
	char rsu1[] = "rsu-1", rsu2[] = "r\"q";
	V2x__Wire__Position3D pos = V2X__WIRE__POSITION3_D__INIT;
	V2x__Wire__Warning w = V2X__WIRE__WARNING__INIT;
	uint32_t lanes[] = { 11, 12 };
	struct brk_persist_hazard h = { .hazard_id = 5,
		                        .event = BRK_PERSIST_H_CREATED,
		                        .kind = BRK_PERSIST_H_RSI,
		                        .time_us = 77,
		                        .event_type = 401,
		                        .lat_deg = 29.6,
		                        .lon_deg = 106.5,
		                        .radius_m = 30,
		                        .lanes = lanes,
		                        .n_lanes = 2,
		                        .agent_id = "agent-1",
		                        .seq = 9 };

	v2x__wire__subject__init(&subj);
	source_ref(&s1, rsu1, 17);
	source_ref(&s2, rsu2, 18);
	hz.has_hazard_id = true;
	hz.hazard_id = 5;
	subj.subject_case = V2X__WIRE__SUBJECT__SUBJECT_HAZARD;
	subj.hazard = &hz;
	pos.has_lat_deg = pos.has_lon_deg = true;
	pos.lat_deg = 29.5;
	pos.lon_deg = 106.25;
	w.has_warning_id = w.has_revision = w.has_type = w.has_severity = true;
	w.warning_id = 1001;
	w.revision = 2;
	w.type = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD;
	w.severity = V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	w.has_target_vehicle_id = true;
	w.target_vehicle_id.data = target;
	w.target_vehicle_id.len = 8;
	w.subject = &subj;
	w.position = &pos;
	w.has_issue_time_us = true;
	w.issue_time_us = 123;
	w.n_sources = 2;
	w.sources = sources;

	CHECK_INT_EQ(brk_persist__fmt_init(&f, 1 << 14), 0);
	CHECK_INT_EQ(brk_persist__fmt_warning(&f, 99, &w, BRK_PERSIST_W_UPDATED), 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 0, &t, line, sizeof(line)), 0);
	CHECK_INT_EQ(t, BRK_PERSIST_T_WARNINGS);
	CHECK_STR_EQ(line,
	             "99\t1001\t2\tupdated\t123\t3\t3\t0102030405060708\thazard:5\t106.25\t"
	             "29.5\t\\N\t\\N\t\\N\t\\N\t123\t\\N\t{\"rsu-1:17\",\"r\\\\\"q:18\"}\t\\N\t"
	             "\\N\t\\N\n");
	CHECK_INT_EQ(brk_persist__fmt_cancel(&f, 99, 1001, 2, 1, 456, true), 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 0, &t, line, sizeof(line)), 0);
	field(line, 3, v, sizeof(v));
	CHECK_STR_EQ(v, "expired");
	field(line, 19, v, sizeof(v));
	CHECK_STR_EQ(v, "1");
	field(line, 20, v, sizeof(v));
	CHECK_STR_EQ(v, "\\N");
	field(line, 21, v, sizeof(v));
	CHECK_STR_EQ(v, "(none)");
	CHECK_INT_EQ(brk_persist__fmt_hazard(&f, 99, &h), 0);
	CHECK_INT_EQ(part_text(f.buf, f.len, 0, &t, line, sizeof(line)), 0);
	CHECK_INT_EQ(t, BRK_PERSIST_T_HAZARDS);
	CHECK_STR_EQ(line, "99\t5\tcreated\t77\trsi\t401\t0\t106.5\t29.6\t30\t{11,12}\t"
	                   "\\N\t\\N\tagent-1\tagent-1\t9\n");
	h.event = (enum brk_persist_hevent)7;
	CHECK_INT_EQ(brk_persist__fmt_hazard(&f, 99, &h), V2X_EINVAL);
	brk_persist__fmt_fini(&f);
}

/* ---- the spool ------------------------------------------------------------------ */

struct seen {
	int n;
	uint32_t last_len;
	uint8_t last_first;
};

static void on_seen(void *arg, const uint8_t *payload, uint32_t len)
{
	struct seen *s = arg;

	s->n++;
	s->last_len = len;
	s->last_first = payload[0];
}

static int append_n(struct brk_persist__spool *s, int first, int n, uint32_t len)
{
	uint8_t buf[512];
	struct brk_persist__spool_rec r = { buf, len };

	for (int i = first; i < first + n; i++) {
		memset(buf, i, sizeof(buf));
		if (brk_persist__spool_append(s, &r, 1))
			return -1;
	}
	return 0;
}

static const char *seg_path(const char *dir, uint64_t id)
{
	static char path[600];

	snprintf(path, sizeof(path), "%s/%016llx.seg", dir, (unsigned long long)id);
	return path;
}

static void test_spool_torn_and_damaged(void)
{
	const char *dir = fresh_dir("spool-a");
	struct brk_persist__spool *s;
	struct brk_persist__spool_stats st;
	struct seen seen = { 0 };
	char err[512] = "";
	int fd;

	CHECK_INT_EQ(brk_persist__spool_open(dir, 1 << 20, 1 << 16, NULL, NULL, NULL, &s, err,
	                                     sizeof(err)),
	             0);
	CHECK_INT_EQ(append_n(s, 0, 10, 100), 0);
	brk_persist__spool_close(s);

	/* A torn tail: a record header and part of its payload. */
	fd = open(seg_path(dir, 1), O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_INT_EQ(write(fd, "\x64\0\0\0\x01\x02\x03\x04partial", 15), 15);
	close(fd);
	CHECK_INT_EQ(brk_persist__spool_open(dir, 1 << 20, 1 << 16, NULL, on_seen, &seen, &s, err,
	                                     sizeof(err)),
	             0);
	CHECK_INT_EQ(seen.n, 10);
	CHECK_INT_EQ(seen.last_first, 9);
	brk_persist__spool_stats(s, &st);
	CHECK_UINT_EQ(st.records, 10);
	CHECK_UINT_EQ(st.torn_tails, 1);
	CHECK_UINT_EQ(st.bytes, 16 + 10 * 108);
	brk_persist__spool_close(s);

	/* A checksum failure on the last record is a torn tail too. */
	fd = open(seg_path(dir, 1), O_RDWR);
	CHECK(fd >= 0);
	CHECK_INT_EQ(pwrite(fd, "X", 1, 16 + 9 * 108 + 50), 1);
	close(fd);
	seen.n = 0;
	CHECK_INT_EQ(brk_persist__spool_open(dir, 1 << 20, 1 << 16, NULL, on_seen, &seen, &s, err,
	                                     sizeof(err)),
	             0);
	CHECK_INT_EQ(seen.n, 9);
	brk_persist__spool_close(s);

	/* Damage before the end: refused, naming the file and the byte. */
	fd = open(seg_path(dir, 1), O_RDWR);
	CHECK(fd >= 0);
	CHECK_INT_EQ(pwrite(fd, "X", 1, 16 + 2 * 108 + 20), 1);
	close(fd);
	CHECK_INT_EQ(brk_persist__spool_open(dir, 1 << 20, 1 << 16, NULL, NULL, NULL, &s, err,
	                                     sizeof(err)),
	             V2X_EIO);
	CHECK(s == NULL);
	CHECK(strstr(err, "0000000000000001.seg") != NULL);
	CHECK(strstr(err, "at byte 232") != NULL);
	fprintf(stderr, "expected refusal: %s\n", err);
}

static void test_spool_bounds_and_drain(void)
{
	const char *dir = fresh_dir("spool-b");
	struct brk_persist__spool *s;
	struct brk_persist__spool_stats st;
	struct brk_persist__spool_view v;
	const uint8_t *payload;
	uint32_t len;
	size_t at;
	char err[512];
	int n = 0, expect;

	/* Segments of about 4 KiB, 16 KiB in all: 500-byte records. */
	CHECK_INT_EQ(
	        brk_persist__spool_open(dir, 16384, 4096, NULL, NULL, NULL, &s, err, sizeof(err)),
	        0);
	CHECK_INT_EQ(append_n(s, 0, 100, 500), 0);
	brk_persist__spool_stats(s, &st);
	CHECK(st.bytes <= 16384);
	CHECK(st.dropped_segments > 0);
	CHECK_UINT_EQ(st.records + st.dropped_records, 100);
	CHECK(st.segments >= 3);
	/* Drain: the oldest first, in order, each segment removed when done. */
	expect = 100 - (int)st.records;
	while (brk_persist__spool_load(s, &v) == 1) {
		uint64_t k = 0;
		while (brk_persist__spool_next(&v, &payload, &len, &at) == 1) {
			CHECK_INT_EQ(payload[0], expect);
			CHECK_UINT_EQ(len, 500);
			expect++;
			k++;
			n++;
		}
		brk_persist__spool_consumed(s, k);
		CHECK_INT_EQ(brk_persist__spool_remove(s, v.id, false), 0);
	}
	CHECK_INT_EQ(expect, 100);
	CHECK_UINT_EQ((uint64_t)n, st.records);
	brk_persist__spool_stats(s, &st);
	CHECK_UINT_EQ(st.records, 0);
	CHECK_UINT_EQ(st.segments, 0);
	CHECK(!brk_persist__spool_pending(s));
	brk_persist__spool_close(s);
	CHECK(access(seg_path(dir, 1), F_OK) != 0);
}

/* ---- the module, spool only ------------------------------------------------------- */

struct durable {
	uint64_t seq;
	int calls;
	uint64_t max_while_held; /* highest report while a refused seq was pending */
};

static void on_durable(void *arg, const char *agent, uint64_t seq)
{
	struct durable *d = arg;

	CHECK_STR_EQ(agent, "agent-u");
	CHECK(seq > d->seq);
	d->seq = seq;
	d->calls++;
}

static void wait_durable(uv_loop_t *loop, struct durable *d, uint64_t seq)
{
	uint64_t until = v2x_clock_mono_ns() + 10000000000ull;

	while (d->seq < seq && v2x_clock_mono_ns() < until) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

static void base_config(struct brk_persist_config *cfg, const char *dir, struct durable *d)
{
	brk_persist_config_default(cfg);
	cfg->spool_dir = dir;
	cfg->queue_bytes = 1 << 20;
	cfg->row_max = 16384;
	cfg->flush_ms = 5;
	cfg->on_durable = on_durable;
	cfg->arg = d;
	cfg->run_id = 1;
}

static void test_module_spool_only(void)
{
	const char *dir = fresh_dir("module");
	struct brk_persist_config cfg;
	struct brk_persist *p;
	struct brk_persist_stats st;
	struct durable d = { 0 };
	struct v2x_arena arena;
	struct v2x_msg msg;
	struct v2x_metrics m;
	struct v2x_metrics_buf out = { 0 };
	struct v2x_metric_label label = { "broker", "test" };
	struct brk_persist_obs o = { .agent_id = "agent-u", .msg = &msg };
	uv_loop_t loop;
	uint64_t seq;
	char err[512];

	v2x_arena_init(&arena, 1 << 16, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_BSM, &arena, &msg), 0);
	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	base_config(&cfg, dir, &d);
	CHECK_INT_EQ(brk_persist_new(&loop, &cfg, &p, err, sizeof(err)), 0);
	CHECK_INT_EQ(brk_persist_last_seq(p, "agent-u", &seq), V2X_ENOTFOUND);
	for (uint64_t i = 1; i <= 300; i++) {
		o.seq = i;
		CHECK_INT_EQ(i % 3 ? brk_persist_observation(p, &o)
		                   : brk_persist_mark(p, "agent-u", i),
		             0);
	}
	wait_durable(&loop, &d, 300);
	CHECK_UINT_EQ(d.seq, 300);
	CHECK_INT_EQ(brk_persist_last_seq(p, "agent-u", &seq), 0);
	CHECK_UINT_EQ(seq, 300);
	brk_persist_stats(p, &st);
	CHECK_UINT_EQ(st.rows_in, 300);
	CHECK_UINT_EQ(st.spooled, 300);
	CHECK_UINT_EQ(st.spool_records, 300);
	CHECK_UINT_EQ(st.queue_rows, 0);
	CHECK(st.fsyncs > 0);
	CHECK_UINT_EQ(st.connected, 0);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(brk_persist_metrics_add(p, &m, &label, 1, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &out), 0);
	CHECK(out.data &&
	      strstr(out.data, "v2x_broker_persist_spooled_total{broker=\"test\"} 300"));
	CHECK(out.data &&
	      strstr(out.data, "v2x_broker_persist_drops_total{broker=\"test\",cause=\"lost\"} 0"));
	v2x_metrics_buf_fini(&out);
	v2x_metrics_fini(&m);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);

	/* Reopen: the spool tells the agent's last seq. */
	memset(&d, 0, sizeof(d));
	CHECK_INT_EQ(brk_persist_new(&loop, &cfg, &p, err, sizeof(err)), 0);
	CHECK_INT_EQ(brk_persist_last_seq(p, "agent-u", &seq), 0);
	CHECK_UINT_EQ(seq, 300);
	brk_persist_stats(p, &st);
	CHECK_UINT_EQ(st.spool_records, 300);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
	v2x_arena_fini(&arena);
}

/*
 * A full ring: the row is refused, the agent held (its later rows refused
 * too, no report reaching the refused seq) until it resends from there.
 */
static void test_queue_full(void)
{
	const char *dir = fresh_dir("full");
	struct brk_persist_config cfg;
	struct brk_persist *p;
	struct brk_persist_stats st;
	struct durable d = { 0 };
	struct v2x_arena arena;
	struct v2x_msg msg;
	struct brk_persist_obs o = { .agent_id = "agent-u", .msg = &msg };
	uv_loop_t loop;
	uint64_t refused = 0, seq;
	char err[512];

	v2x_arena_init(&arena, 1 << 16, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_BSM, &arena, &msg), 0);
	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	base_config(&cfg, dir, &d);
	cfg.row_max = 1024;
	cfg.queue_bytes = 4096;
	cfg.flush_ms = 1000;
	cfg.batch_max = 1000;
	CHECK_INT_EQ(brk_persist_new(&loop, &cfg, &p, err, sizeof(err)), 0);
	/* The writer waits flush_ms for a batch: the ring fills first. */
	for (o.seq = 1; o.seq < 100 && !refused; o.seq++) {
		int rc = brk_persist_observation(p, &o);
		if (rc) {
			CHECK_INT_EQ(rc, V2X_EFULL);
			refused = o.seq;
		}
	}
	CHECK(refused > 1);
	/* Everything queued becomes durable; nothing from the refused seq on. */
	wait_durable(&loop, &d, refused - 1);
	CHECK_UINT_EQ(d.seq, refused - 1);
	o.seq = refused + 1;
	CHECK_INT_EQ(brk_persist_observation(p, &o), V2X_EFULL);
	CHECK_INT_EQ(brk_persist_mark(p, "agent-u", refused + 2), V2X_EFULL);
	brk_persist_stats(p, &st);
	CHECK_UINT_EQ(st.drops[BRK_PERSIST_DROP_QUEUE_FULL], 1);
	CHECK_UINT_EQ(st.drops[BRK_PERSIST_DROP_HELD], 2);
	/* The resend from the refused seq is taken, and reported. */
	for (o.seq = refused; o.seq < refused + 3; o.seq++)
		CHECK_INT_EQ(brk_persist_observation(p, &o), 0);
	wait_durable(&loop, &d, refused + 2);
	CHECK_UINT_EQ(d.seq, refused + 2);
	CHECK_INT_EQ(brk_persist_last_seq(p, "agent-u", &seq), 0);
	CHECK_UINT_EQ(seq, refused + 2);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
	v2x_arena_fini(&arena);
}

/* fsync every interval: rows are reported once the sync after them ran. */
static void test_fsync_interval(void)
{
	const char *dir = fresh_dir("interval");
	struct brk_persist_config cfg;
	struct brk_persist *p;
	struct brk_persist_stats st;
	struct durable d = { 0 };
	struct v2x_arena arena;
	struct v2x_msg msg;
	struct brk_persist_obs o = { .agent_id = "agent-u", .msg = &msg };
	uv_loop_t loop;
	char err[512];

	v2x_arena_init(&arena, 1 << 16, 0);
	CHECK_INT_EQ(v2x_sample_build(V2X_MSG_RSI, &arena, &msg), 0);
	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	base_config(&cfg, dir, &d);
	cfg.fsync = BRK_PERSIST_FSYNC_INTERVAL;
	cfg.fsync_interval_ms = 100;
	CHECK_INT_EQ(brk_persist_new(&loop, &cfg, &p, err, sizeof(err)), 0);
	for (o.seq = 1; o.seq <= 100; o.seq++)
		CHECK_INT_EQ(brk_persist_observation(p, &o), 0);
	wait_durable(&loop, &d, 100);
	CHECK_UINT_EQ(d.seq, 100);
	brk_persist_stats(p, &st);
	CHECK(st.fsyncs >= 1);
	CHECK_UINT_EQ(st.spooled, 100);
	CHECK_UINT_EQ(st.durable.count, 100);
	brk_persist_close(p);
	CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
	v2x_arena_fini(&arena);
}

static void test_bad_config(void)
{
	struct brk_persist_config cfg;
	struct brk_persist *p = NULL;
	uv_loop_t loop;
	char err[512];

	CHECK_INT_EQ(uv_loop_init(&loop), 0);
	brk_persist_config_default(&cfg);
	CHECK_INT_EQ(brk_persist_new(&loop, &cfg, &p, err, sizeof(err)), V2X_EINVAL);
	CHECK(strstr(err, "spool_dir") != NULL);
	CHECK(p == NULL);
	cfg.spool_dir = "/proc/no/such/folder";
	CHECK_INT_EQ(brk_persist_new(&loop, &cfg, &p, err, sizeof(err)), V2X_EIO);
	CHECK(strstr(err, "/proc/no/such/folder") != NULL);
	CHECK_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
	CHECK_INT_EQ(uv_loop_close(&loop), 0);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp_root, sizeof(tmp_root), "%s/brk-persist-unit-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 1;
	}
	test_ring();
	test_obs_rows();
	test_warning_rows();
	test_spool_torn_and_damaged();
	test_spool_bounds_and_drain();
	test_module_spool_only();
	test_queue_full();
	test_fsync_interval();
	test_bad_config();
	rm_tree(tmp_root);
	return check_exit();
}
