/*
 * The warning lifecycle (warn.h): a warning is issued once; 50 raises at
 * 10 Hz with small changes emit nothing more; a material change (distance,
 * severity, advisory speed) emits an update with the next revision and
 * the same id; a clear emits a cancellation with its reason; a warning no
 * longer raised is cancelled SOURCE_LOST after the confirm timeout; one
 * past its expiry is reported expired; an expiry about to lapse is sent
 * again; a full table refuses new keys; the emitted messages pack and
 * unpack through protobuf-c; the counters reach the metrics.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/apps/warn.h"
#include "runtime/err.h"
#include "tests/check.h"

#define T0   1795694400000000LL /* wall µs */
#define STEP 100000LL           /* 10 Hz */
#define MAXE 64

struct emitted {
	uint64_t id;
	uint32_t revision;
	bool issued;
	int severity;
	double distance_m;
	uint64_t expiry_us;
};

struct cancelled {
	uint64_t id;
	bool has_reason;
	int reason;
	bool expired;
};

struct rec {
	size_t n_w, n_c;
	struct emitted w[MAXE];
	struct cancelled c[MAXE];
	double target_lat;
	size_t packed_ok;
};

/* Packs and unpacks the warning: what the sink gets is a valid message. */
static bool round_trip(const V2x__Wire__Warning *w)
{
	uint8_t buf[1024];
	size_t n = v2x__wire__warning__get_packed_size(w);
	V2x__Wire__Warning *u;
	bool ok;

	if (n > sizeof(buf))
		return false;
	v2x__wire__warning__pack(w, buf);
	u = v2x__wire__warning__unpack(NULL, n, buf);
	if (!u)
		return false;
	ok = u->warning_id == w->warning_id && u->revision == w->revision &&
	     u->n_sources == w->n_sources && u->target_vehicle_id.len == V2X_ID_LEN;
	v2x__wire__warning__free_unpacked(u, NULL);
	return ok;
}

static void on_warning(void *arg, const V2x__Wire__Warning *w, bool issued, double target_lat,
                       double target_lon)
{
	struct rec *r = arg;

	(void)target_lon;
	r->target_lat = target_lat;
	r->packed_ok += round_trip(w);
	if (r->n_w < MAXE)
		r->w[r->n_w++] =
		        (struct emitted){ w->warning_id,    w->revision,   issued,
			                  (int)w->severity, w->distance_m, w->expiry_time_us };
}

static void on_cancel(void *arg, const V2x__Wire__Cancellation *c, bool expired)
{
	struct rec *r = arg;

	if (r->n_c < MAXE)
		r->c[r->n_c++] =
		        (struct cancelled){ c->warning_id, c->has_reason, (int)c->reason, expired };
}

static struct brk_warn *make(struct rec *r, size_t capacity)
{
	struct brk_warn_cfg cfg = { .capacity = capacity };
	struct brk_warn_sink sink = { on_warning, on_cancel, r };
	struct brk_warn *w = NULL;

	memset(r, 0, sizeof(*r));
	CHECK_INT_EQ(brk_warn_new(&cfg, &sink, &w), 0);
	return w;
}

/* A hazard-ahead warning for vehicle `target` (its id: 8 times that
 * byte) about hazard 7, 150 m ahead at 15 m/s. */
static struct brk_warn_spec spec_for(uint8_t target, uint64_t hazard)
{
	struct brk_warn_spec s = {
		.severity = V2X__WIRE__SEVERITY__SEVERITY_ADVISORY,
		.lat_deg = 29.59,
		.lon_deg = 106.49,
		.elev_m = 340,
		.distance_m = 150,
		.time_to_event_s = 10,
		.advisory_speed_mps = NAN,
		.expiry_us = T0 + 600000000LL,
		.n_sources = 2,
		.sources = { { "cq-rsu-1", 11 }, { "cq-rsu-2", 12 } },
		.trigger_rx_time_us = T0 - 300,
		.text = "Rockfall ahead in the lane",
		.target_lat_deg = 29.58,
		.target_lon_deg = 106.48,
	};
	uint8_t id[V2X_ID_LEN];

	memset(id, target, sizeof(id));
	brk_warn_key_hazard(&s.key, V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD, id, hazard,
	                    true, 401, false, 0);
	return s;
}

static void issue_once_then_updates(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 8);
	struct brk_warn_spec s = spec_for(1, 7);
	int64_t now = T0;

	CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_ISSUED);
	CHECK_UINT_EQ(r.n_w, 1);
	CHECK(r.w[0].issued);
	CHECK_UINT_EQ(r.w[0].revision, 0);
	CHECK_UINT_EQ(r.w[0].id, 1);
	CHECK_DBL_NEAR(r.target_lat, 29.58, 0);
	/* 50 raises at 10 Hz, the vehicle 0.1 m nearer each time: within
	 * 10 m / 20 % of what was sent, so nothing is emitted. */
	for (int i = 1; i <= 50; i++) {
		now += STEP;
		s.distance_m = 150 - 0.1 * i;
		s.time_to_event_s = s.distance_m / 15;
		CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_REFRESHED);
	}
	CHECK_UINT_EQ(r.n_w, 1);
	CHECK_UINT_EQ(brk_warn_stats(w)->suppressed[3], 50);
	/* 35 m nearer than sent: more than 20 % of 150 m. */
	s.distance_m = 115;
	s.time_to_event_s = 115.0 / 15;
	now += STEP;
	CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_UPDATED);
	CHECK_UINT_EQ(r.n_w, 2);
	CHECK(!r.w[1].issued);
	CHECK_UINT_EQ(r.w[1].revision, 1);
	CHECK_UINT_EQ(r.w[1].id, r.w[0].id);
	CHECK_DBL_NEAR(r.w[1].distance_m, 115, 0);
	/* Severity alone is material. */
	s.severity = V2X__WIRE__SEVERITY__SEVERITY_WARNING;
	now += STEP;
	CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_UPDATED);
	CHECK_UINT_EQ(r.w[2].revision, 2);
	/* An advisory speed appearing is; a change of 0.5 m/s is not; 1.5 is. */
	s.advisory_speed_mps = 10;
	now += STEP;
	CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_UPDATED);
	s.advisory_speed_mps = 10.5;
	now += STEP;
	CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_REFRESHED);
	s.advisory_speed_mps = 11.5;
	now += STEP;
	CHECK_INT_EQ(brk_warn_raise(w, &s, now), BRK_WARN_UPDATED);
	CHECK_UINT_EQ(r.n_w, 5);
	CHECK_UINT_EQ(r.w[4].revision, 4);
	CHECK_UINT_EQ(r.packed_ok, r.n_w);
	CHECK_UINT_EQ(brk_warn_stats(w)->issued[3], 1);
	CHECK_UINT_EQ(brk_warn_stats(w)->updated[3], 4);
	CHECK_UINT_EQ(brk_warn_stats(w)->active_total, 1);
	brk_warn_free(w);
}

static void clear_and_reasons(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 8);
	struct brk_warn_spec s = spec_for(2, 9);

	CHECK_INT_EQ(brk_warn_raise(w, &s, T0), BRK_WARN_ISSUED);
	CHECK(brk_warn_find(w, &s.key) != NULL);
	CHECK_INT_EQ(brk_warn_clear(w, &s.key, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_UNSPECIFIED,
	                            T0 + 1),
	             V2X_EINVAL);
	CHECK_INT_EQ(brk_warn_clear(w, &s.key, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED,
	                            T0 + STEP),
	             0);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK_UINT_EQ(r.c[0].id, r.w[0].id);
	CHECK(r.c[0].has_reason && !r.c[0].expired);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED);
	CHECK(brk_warn_find(w, &s.key) == NULL);
	CHECK_INT_EQ(brk_warn_clear(w, &s.key, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED,
	                            T0 + 2 * STEP),
	             V2X_ENOTFOUND);
	CHECK_UINT_EQ(brk_warn_stats(w)->clear_unknown, 1);
	/* Raised again after the clear: a new warning, a new id. */
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0 + 3 * STEP), BRK_WARN_ISSUED);
	CHECK_UINT_EQ(r.n_w, 2);
	CHECK(r.w[1].id != r.w[0].id && r.w[1].revision == 0);
	CHECK_UINT_EQ(brk_warn_stats(w)->by_reason[1], 1);
	brk_warn_free(w);
}

static void confirm_timeout(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 8);
	struct brk_warn_spec s = spec_for(3, 1);

	CHECK_INT_EQ(brk_warn_raise(w, &s, T0), BRK_WARN_ISSUED);
	CHECK_UINT_EQ(brk_warn_tick(w, T0 + 500000), 0);
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0 + 900000), BRK_WARN_REFRESHED);
	/* 1 s after the last raise, not after the issue. */
	CHECK_UINT_EQ(brk_warn_tick(w, T0 + 1800000), 0);
	CHECK_UINT_EQ(r.n_c, 0);
	CHECK_UINT_EQ(brk_warn_tick(w, T0 + 1900001), 1);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK(r.c[0].has_reason && !r.c[0].expired);
	CHECK_INT_EQ(r.c[0].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SOURCE_LOST);
	CHECK_UINT_EQ(brk_warn_stats(w)->active_total, 0);
	brk_warn_free(w);
}

static void expiry(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 8);
	struct brk_warn_spec s = spec_for(4, 1);
	int64_t now;

	s.expiry_us = T0 + 2000000;
	for (now = T0; now < s.expiry_us; now += STEP)
		CHECK(brk_warn_raise(w, &s, now) > 0);
	CHECK_UINT_EQ(r.n_w, 1);
	CHECK_UINT_EQ(r.w[0].expiry_us, (uint64_t)s.expiry_us);
	CHECK_UINT_EQ(brk_warn_tick(w, s.expiry_us), 0);
	CHECK_UINT_EQ(brk_warn_tick(w, s.expiry_us + 1), 1);
	CHECK_UINT_EQ(r.n_c, 1);
	CHECK(r.c[0].expired && !r.c[0].has_reason);
	CHECK_UINT_EQ(brk_warn_stats(w)->expired[3], 1);
	CHECK_UINT_EQ(brk_warn_stats(w)->cancelled[3], 0);
	/* A raise whose expiry has passed already is refused. */
	CHECK_INT_EQ(brk_warn_raise(w, &s, s.expiry_us), V2X_EINVAL);
	CHECK_UINT_EQ(brk_warn_stats(w)->invalid, 1);
	brk_warn_free(w);
}

/* With a TTL of 3 s refreshed at 10 Hz, the expiry sent is renewed when it
 * comes within 1 s: at 2 s and 4 s, not at 10 Hz. */
static void expiry_renewed(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 8);
	struct brk_warn_spec s = spec_for(5, 1);

	s.expiry_us = 0;
	s.ttl_us = 3000000;
	for (int64_t now = T0; now <= T0 + 5000000; now += STEP)
		CHECK(brk_warn_raise(w, &s, now) > 0);
	CHECK_UINT_EQ(r.n_w, 3);
	CHECK_UINT_EQ(r.w[1].expiry_us, (uint64_t)(T0 + 5000000));
	CHECK_UINT_EQ(r.w[2].expiry_us, (uint64_t)(T0 + 7000000));
	brk_warn_free(w);
}

static void capacity_and_clear_all(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 4);
	struct brk_warn_spec s;

	for (uint8_t t = 1; t <= 4; t++) {
		s = spec_for(t, 1);
		CHECK_INT_EQ(brk_warn_raise(w, &s, T0), BRK_WARN_ISSUED);
	}
	s = spec_for(5, 1);
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0), V2X_ETOO_BIG);
	CHECK_UINT_EQ(brk_warn_stats(w)->refused, 1);
	CHECK_UINT_EQ(r.n_w, 4);
	/* A key held is still raised when the table is full. */
	s = spec_for(2, 1);
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0 + STEP), BRK_WARN_REFRESHED);
	CHECK_INT_EQ(brk_warn_clear(w, &s.key, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_SUPERSEDED,
	                            T0 + STEP),
	             0);
	s = spec_for(5, 1);
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0 + 2 * STEP), BRK_WARN_ISSUED);
	/* Ids are unique. */
	for (size_t i = 0; i < r.n_w; i++)
		for (size_t j = i + 1; j < r.n_w; j++)
			CHECK(r.w[i].id != r.w[j].id);
	CHECK_UINT_EQ(brk_warn_clear_all(w, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_MAP_CHANGED,
	                                 T0 + 3 * STEP),
	              4);
	CHECK_UINT_EQ(r.n_c, 5);
	for (size_t i = 1; i < r.n_c; i++)
		CHECK_INT_EQ(r.c[i].reason, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_MAP_CHANGED);
	CHECK_UINT_EQ(brk_warn_stats(w)->active_total, 0);
	CHECK(brk_warn_next(w, NULL) == NULL);
	brk_warn_free(w);
}

/* The per-target iteration and the raise marks an application uses to
 * clear what it no longer sees. */
static void target_iteration(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 16);
	struct brk_warn_spec a1 = spec_for(1, 1), a2 = spec_for(1, 2), b3 = spec_for(2, 3);
	const struct brk_warn_entry *e;
	uint8_t id_a[V2X_ID_LEN];
	size_t n = 0, stale = 0;
	uint64_t mark;

	memset(id_a, 1, sizeof(id_a));
	CHECK(brk_warn_raise(w, &a1, T0) > 0);
	CHECK(brk_warn_raise(w, &a2, T0) > 0);
	CHECK(brk_warn_raise(w, &b3, T0) > 0);
	for (e = brk_warn_next_for_target(w, id_a, NULL); e;
	     e = brk_warn_next_for_target(w, id_a, e))
		n++;
	CHECK_UINT_EQ(n, 2);
	mark = brk_warn_raises(w);
	CHECK(brk_warn_raise(w, &a1, T0 + STEP) > 0);
	for (e = brk_warn_next_for_target(w, id_a, NULL); e;
	     e = brk_warn_next_for_target(w, id_a, e)) {
		if (e->raise_seq > mark)
			continue;
		CHECK_UINT_EQ(e->key.subject.hazard_id, 2);
		CHECK_INT_EQ(brk_warn_clear(w, &e->key,
		                            V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED,
		                            T0 + STEP),
		             0);
		stale++;
	}
	CHECK_UINT_EQ(stale, 1);
	CHECK(brk_warn_find(w, &a1.key) && brk_warn_find(w, &b3.key) && !brk_warn_find(w, &a2.key));
	/* Clearing while iterating over everything. */
	n = 0;
	for (e = brk_warn_next(w, NULL); e; e = brk_warn_next(w, e)) {
		brk_warn_clear(w, &e->key, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_OPERATOR,
		               T0 + 2 * STEP);
		n++;
	}
	CHECK_UINT_EQ(n, 2);
	CHECK_UINT_EQ(brk_warn_stats(w)->active_total, 0);
	brk_warn_free(w);
}

/* Iteration by type visits one type's warnings; over all, every warning
 * once, across the types, with clearing the one returned allowed. */
static void type_iteration(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 16);
	const V2x__Wire__WarningType types[] = {
		V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD,
		V2X__WIRE__WARNING_TYPE__WARNING_TYPE_HAZARD_AHEAD,
		V2X__WIRE__WARNING_TYPE__WARNING_TYPE_CURVE_SPEED,
		V2X__WIRE__WARNING_TYPE__WARNING_TYPE_FORWARD_COLLISION,
		V2X__WIRE__WARNING_TYPE__WARNING_TYPE_FORWARD_COLLISION,
		V2X__WIRE__WARNING_TYPE__WARNING_TYPE_FORWARD_COLLISION,
	};
	const struct brk_warn_entry *e;
	size_t n = 0, per[BRK_WARN_TYPES] = { 0 };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct brk_warn_spec s = spec_for((uint8_t)(i + 1), i + 1);
		s.key.type = types[i];
		CHECK(brk_warn_raise(w, &s, T0) > 0);
	}
	for (e = brk_warn_next_of_type(w, types[3], NULL); e;
	     e = brk_warn_next_of_type(w, types[3], e)) {
		CHECK_INT_EQ(e->key.type, types[3]);
		n++;
	}
	CHECK_UINT_EQ(n, 3);
	CHECK(brk_warn_next_of_type(w, V2X__WIRE__WARNING_TYPE__WARNING_TYPE_SPEED_LIMIT, NULL) ==
	      NULL);
	CHECK(brk_warn_next_of_type(w, (V2x__Wire__WarningType)BRK_WARN_TYPES, NULL) == NULL);
	n = 0;
	for (e = brk_warn_next(w, NULL); e; e = brk_warn_next(w, e)) {
		per[e->key.type]++;
		n++;
		/* Clearing the entry just returned leaves the walk intact. */
		if (e->key.subject.hazard_id % 2 == 0)
			brk_warn_clear(w, &e->key, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_OPERATOR,
			               T0 + STEP);
	}
	CHECK_UINT_EQ(n, 6);
	CHECK_UINT_EQ(per[types[0]], 2);
	CHECK_UINT_EQ(per[types[2]], 1);
	CHECK_UINT_EQ(per[types[3]], 3);
	CHECK_UINT_EQ(brk_warn_stats(w)->active_total, 3);
	brk_warn_free(w);
}

static void invalid_and_metrics(void)
{
	struct rec r = { 0 };
	struct brk_warn *w = make(&r, 4);
	struct brk_warn_spec s = spec_for(1, 1);
	struct brk_warn_cfg bad = { .capacity = 0 };
	struct brk_warn_sink sink = { on_warning, on_cancel, &r };
	struct brk_warn *w2 = NULL;
	struct v2x_metrics m;
	struct v2x_metrics_buf out = { 0 };
	char err[256];

	CHECK_INT_EQ(brk_warn_new(&bad, &sink, &w2), V2X_EINVAL);
	s.key.type = V2X__WIRE__WARNING_TYPE__WARNING_TYPE_UNSPECIFIED;
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0), V2X_EINVAL);
	s = spec_for(1, 1);
	s.severity = V2X__WIRE__SEVERITY__SEVERITY_UNSPECIFIED;
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0), V2X_EINVAL);
	CHECK_UINT_EQ(brk_warn_stats(w)->invalid, 2);
	s = spec_for(1, 1);
	CHECK_INT_EQ(brk_warn_raise(w, &s, T0), BRK_WARN_ISSUED);
	CHECK(brk_warn_raise(w, &s, T0 + STEP) > 0);
	v2x_metrics_init(&m);
	CHECK_INT_EQ(brk_warn_metrics_add(w, &m, NULL, 0, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &out), 0);
	CHECK(strstr(out.data, "v2x_broker_warnings_total{event=\"issued\",type=\"hazard_ahead\"} "
	                       "1\n") != NULL);
	CHECK(strstr(out.data, "v2x_broker_warnings_total{event=\"suppressed_repeat\","
	                       "type=\"hazard_ahead\"} 1\n") != NULL);
	CHECK(strstr(out.data, "v2x_broker_warnings_active{type=\"hazard_ahead\"} 1\n") != NULL);
	CHECK(strstr(out.data, "v2x_broker_warnings_refused_total{cause=\"invalid\"} 2\n") != NULL);
	v2x_metrics_buf_fini(&out);
	v2x_metrics_fini(&m);
	brk_warn_free(w);
}

int main(void)
{
	issue_once_then_updates();
	clear_and_reasons();
	confirm_timeout();
	expiry();
	expiry_renewed();
	capacity_and_clear_all();
	target_iteration();
	type_iteration();
	invalid_and_metrics();
	return check_exit();
}
