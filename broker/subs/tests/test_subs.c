/*
 * test_subs: the subscription table over a real net on a real loop and
 * real sockets: each filter kind delivers exactly what it should, scope
 * refusals carry the right status and a reason naming what was wrong,
 * malformed filters are refused, unsubscribe and close forget
 * subscriptions, a warning for 100 subscribers with the same id is encoded
 * once, cancellations reach exactly the recipients, and a connection that
 * closes in the middle of a push (slow consumer, disconnect policy) is
 * handled.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broker/subs/tests/subsfx.h"
#include "runtime/err.h"
#include "tests/check.h"

#define ST(x)  V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_##x
#define WT(x)  V2X__WIRE__WARNING_TYPE__WARNING_TYPE_##x
#define SEV(x) V2X__WIRE__SEVERITY__SEVERITY_##x

#define V1 0x0102030405060708ull
#define V2 0x1111111111111111ull
#define V3 0x2222222222222222ull
#define V4 0x0909090909090909ull

/* Inside the box scope of oem-box (29,105.5,30.5,107.5). */
#define IN_LAT 29.6
#define IN_LON 106.5

/* What one client received: warnings (kind 'W') and cancellations ('C'). */
struct got {
	size_t n;
	char kind[256];
	uint64_t id[256];
	size_t nsub[256];
	uint32_t sub[256][4];
};

/* Reads what cl receives until 80 ms pass without a frame. */
static void drain(struct sfx *fx, struct sfx_client *cl, struct got *g)
{
	const V2x__Wire__Frame *f;

	memset(g, 0, sizeof(*g));
	while (g->n < 256 && sfx_recv(fx, cl, &f, 80) == 1) {
		if (f->msg_case == V2X__WIRE__FRAME__MSG_WARNING) {
			g->kind[g->n] = 'W';
			g->id[g->n] = f->warning->warning_id;
			g->nsub[g->n] = f->warning->n_subscription_ids;
			for (size_t i = 0; i < f->warning->n_subscription_ids && i < 4; i++)
				g->sub[g->n][i] = f->warning->subscription_ids[i];
			g->n++;
		} else if (f->msg_case == V2X__WIRE__FRAME__MSG_CANCELLATION) {
			g->kind[g->n] = 'C';
			g->id[g->n++] = f->cancellation->warning_id;
		}
	}
}

/* Receives the next warning or cancellation of cl; returns its id (0: none). */
static uint64_t recv_one(struct sfx *fx, struct sfx_client *cl, size_t *nsub, uint32_t sub[2])
{
	const V2x__Wire__Frame *f;

	*nsub = 0;
	while (sfx_recv(fx, cl, &f, 2000) == 1) {
		if (f->msg_case == V2X__WIRE__FRAME__MSG_CANCELLATION)
			return f->cancellation->warning_id;
		if (f->msg_case != V2X__WIRE__FRAME__MSG_WARNING)
			continue;
		*nsub = f->warning->n_subscription_ids;
		for (size_t i = 0; i < *nsub && i < 2; i++)
			sub[i] = f->warning->subscription_ids[i];
		return f->warning->warning_id;
	}
	return 0;
}

/* Checks g holds exactly the warnings ids[0..n) in order. */
static void expect_warnings(const struct got *g, const uint64_t *ids, size_t n, int line)
{
	if (g->n != n)
		fprintf(stderr, "line %d: %zu frames, %zu expected\n", line, g->n, n);
	CHECK_UINT_EQ(g->n, n);
	for (size_t i = 0; i < n && i < g->n; i++) {
		CHECK_INT_EQ(g->kind[i], 'W');
		CHECK_UINT_EQ(g->id[i], ids[i]);
	}
}

#define EXPECT(g, ...)                                                                   \
	do {                                                                             \
		const uint64_t want_[] = { __VA_ARGS__ };                                \
		expect_warnings((g), want_, sizeof(want_) / sizeof(want_[0]), __LINE__); \
	} while (0)
#define EXPECT_NONE(g) expect_warnings((g), NULL, 0, __LINE__)

static int push(struct sfx *fx, uint64_t wid, uint64_t vehicle, int type, int sev, double lat,
                double lon)
{
	struct sfx_warning sw;

	sfx_warning_init(&sw, wid, vehicle, type, sev);
	return brk_subs_push_warning(fx->subs, &sw.w, lat, lon, brk_net_pool(fx->net));
}

static int subscribe(struct sfx *fx, struct sfx_client *cl, struct sfx_sub *b, char *why)
{
	return sfx_subscribe(fx, cl, &b->sub, why, 512);
}

/* ---- filters ------------------------------------------------------------- */

static void test_vehicles(struct sfx *fx)
{
	struct sfx_client a, b;
	struct sfx_sub sa, sb;
	struct got ga, gb;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all") ||
	    !sfx_open(fx, &b, true, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&sa, 1);
	sfx_sub_vehicle(&sa, V2);
	sfx_sub_vehicle(&sa, V1);
	sfx_sub_vehicle(&sa, V2); /* duplicates are harmless */
	CHECK_INT_EQ(subscribe(fx, &a, &sa, why), ST(OK));
	CHECK_STR_EQ(why, "");
	sfx_sub_init(&sb, 9);
	sfx_sub_vehicle(&sb, V3);
	CHECK_INT_EQ(subscribe(fx, &b, &sb, why), ST(OK));
	CHECK_INT_EQ(push(fx, 11, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 1);
	CHECK_INT_EQ(push(fx, 12, V2, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 1);
	CHECK_INT_EQ(push(fx, 13, V3, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 1);
	CHECK_INT_EQ(push(fx, 14, V4, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 0);
	drain(fx, &a, &ga);
	drain(fx, &b, &gb);
	EXPECT(&ga, 11, 12);
	EXPECT(&gb, 13);
	CHECK_UINT_EQ(ga.nsub[0], 1);
	CHECK_UINT_EQ(ga.sub[0][0], 1);
	CHECK_UINT_EQ(gb.sub[0][0], 9);
	sfx_disconnect(&a);
	sfx_disconnect(&b);
	sfx_pump(fx, 30);
}

/* A U open to the north: the notch between the arms is outside. */
static const double u_shape[][2] = {
	{ 29.0, 106.0 }, { 29.0, 107.0 }, { 30.0, 107.0 }, { 30.0, 106.7 },
	{ 29.3, 106.7 }, { 29.3, 106.3 }, { 30.0, 106.3 }, { 30.0, 106.0 },
};

static void test_polygon_concave(struct sfx *fx)
{
	struct sfx_client a;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 2);
	sfx_sub_polygon(&s, u_shape, 8);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	push(fx, 21, V1, WT(CURVE_SPEED), SEV(INFO), 29.6, 106.1); /* left arm */
	push(fx, 22, V1, WT(CURVE_SPEED), SEV(INFO), 29.6, 106.9); /* right arm */
	push(fx, 23, V1, WT(CURVE_SPEED), SEV(INFO), 29.1, 106.5); /* base */
	push(fx, 24, V1, WT(CURVE_SPEED), SEV(INFO), 29.6, 106.5); /* the notch */
	push(fx, 25, V1, WT(CURVE_SPEED), SEV(INFO), 30.5, 106.5); /* north of it */
	push(fx, 26, V1, WT(CURVE_SPEED), SEV(INFO), 29.5, 105.9); /* west of it */
	push(fx, 27, V1, WT(CURVE_SPEED), SEV(INFO), NAN, NAN);    /* position unknown */
	push(fx, 28, V1, WT(CURVE_SPEED), SEV(INFO), 29.6, NAN);
	drain(fx, &a, &g);
	EXPECT(&g, 21, 22, 23);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

static void test_across_180(struct sfx *fx)
{
	static const double tri[][2] = { { -5, 178 }, { -5, -178 }, { 5, 180 } };
	struct sfx_client a;
	struct sfx_sub sbox, spoly;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-wrap", "tok-wrap"))
		return;
	sfx_sub_init(&sbox, 1);
	sfx_sub_box(&sbox, -10, 179, 10, -179);
	CHECK_INT_EQ(subscribe(fx, &a, &sbox, why), ST(OK));
	sfx_sub_init(&spoly, 2);
	sfx_sub_polygon(&spoly, tri, 3);
	CHECK_INT_EQ(subscribe(fx, &a, &spoly, why), ST(OK));
	CHECK_STR_EQ(why, "");
	push(fx, 31, V1, WT(GLOSA), SEV(INFO), 8, 179.5);   /* box */
	push(fx, 32, V1, WT(GLOSA), SEV(INFO), 0, -179.5);  /* box and polygon */
	push(fx, 33, V1, WT(GLOSA), SEV(INFO), 0, 0);       /* neither */
	push(fx, 34, V1, WT(GLOSA), SEV(INFO), -4, 178.5);  /* polygon */
	push(fx, 35, V1, WT(GLOSA), SEV(INFO), 11, 179.5);  /* north of both */
	push(fx, 36, V1, WT(GLOSA), SEV(INFO), 4, 178.5);   /* outside the triangle */
	push(fx, 37, V1, WT(GLOSA), SEV(INFO), -4, -178.5); /* polygon */
	drain(fx, &a, &g);
	EXPECT(&g, 31, 32, 34, 37);
	CHECK_UINT_EQ(g.nsub[0], 1);
	CHECK_UINT_EQ(g.sub[0][0], 1);
	CHECK_UINT_EQ(g.nsub[1], 2);
	CHECK_UINT_EQ(g.sub[1][0], 1);
	CHECK_UINT_EQ(g.sub[1][1], 2);
	CHECK_UINT_EQ(g.nsub[2], 1);
	CHECK_UINT_EQ(g.sub[2][0], 2);
	CHECK_UINT_EQ(g.sub[3][0], 2);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

static void test_types_severity(struct sfx *fx)
{
	struct sfx_client a, b;
	struct sfx_sub st, ss;
	struct got ga, gb;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all") ||
	    !sfx_open(fx, &b, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&st, 1);
	sfx_sub_type(&st, WT(CURVE_SPEED));
	sfx_sub_type(&st, WT(HAZARD_AHEAD));
	CHECK_INT_EQ(subscribe(fx, &a, &st, why), ST(OK));
	sfx_sub_init(&ss, 1);
	sfx_sub_min_severity(&ss, SEV(WARNING));
	CHECK_INT_EQ(subscribe(fx, &b, &ss, why), ST(OK));
	push(fx, 41, V1, WT(CURVE_SPEED), SEV(INFO), NAN, NAN);      /* a */
	push(fx, 42, V1, WT(HAZARD_AHEAD), SEV(CRITICAL), NAN, NAN); /* a, b */
	push(fx, 43, V1, WT(GLOSA), SEV(WARNING), NAN, NAN);         /* b */
	push(fx, 44, V1, WT(SPEED_LIMIT), SEV(ADVISORY), NAN, NAN);  /* none */
	push(fx, 45, V1, 40, SEV(CRITICAL), NAN, NAN);               /* b: a newer type */
	drain(fx, &a, &ga);
	drain(fx, &b, &gb);
	EXPECT(&ga, 41, 42);
	EXPECT(&gb, 42, 43, 45);
	sfx_disconnect(&a);
	sfx_disconnect(&b);
	sfx_pump(fx, 30);
}

/* Every filter set: each one failing alone keeps the warning away. */
static void test_combination(struct sfx *fx)
{
	struct sfx_client a;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 3);
	sfx_sub_vehicle(&s, V1);
	sfx_sub_box(&s, 29, 106, 30, 107);
	sfx_sub_type(&s, WT(HAZARD_AHEAD));
	sfx_sub_min_severity(&s, SEV(ADVISORY));
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	push(fx, 51, V1, WT(HAZARD_AHEAD), SEV(ADVISORY), 29.5, 106.5); /* all match */
	push(fx, 52, V2, WT(HAZARD_AHEAD), SEV(ADVISORY), 29.5, 106.5); /* vehicle */
	push(fx, 53, V1, WT(HAZARD_AHEAD), SEV(ADVISORY), 30.5, 106.5); /* position */
	push(fx, 54, V1, WT(CURVE_SPEED), SEV(ADVISORY), 29.5, 106.5);  /* type */
	push(fx, 55, V1, WT(HAZARD_AHEAD), SEV(INFO), 29.5, 106.5);     /* severity */
	push(fx, 56, V1, WT(HAZARD_AHEAD), SEV(CRITICAL), 29.9, 106.9); /* all match */
	drain(fx, &a, &g);
	EXPECT(&g, 51, 56);
	CHECK_UINT_EQ(g.sub[0][0], 3);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

/* ---- scope and validity --------------------------------------------------- */

/* Subscribes b and checks the status and that the reason contains what. */
static void refused(struct sfx *fx, struct sfx_client *cl, struct sfx_sub *b, int status,
                    const char *what, int line)
{
	char why[512];
	int st = subscribe(fx, cl, b, why);

	if (st != status || !strstr(why, what))
		fprintf(stderr, "line %d: status %d (%s), reason \"%s\"; wanted %d with \"%s\"\n",
		        line, st, brk_subs_status_name(st), why, status, what);
	CHECK_INT_EQ(st, status);
	CHECK(strstr(why, what) != NULL);
}

#define REFUSED(cl, b, status, what) refused(fx, (cl), (b), (status), (what), __LINE__)

static void test_scope_vehicles(struct sfx *fx)
{
	struct sfx_client a;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-veh", "tok-veh"))
		return;
	sfx_sub_init(&s, 1);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "vehicle_ids");
	sfx_sub_vehicle(&s, V1);
	sfx_sub_vehicle(&s, V4);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "vehicle 0909090909090909");
	sfx_sub_init(&s, 1);
	sfx_sub_vehicle(&s, V1);
	sfx_sub_vehicle(&s, V2);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	/* A refused replacement leaves subscription 1 as it was. */
	sfx_sub_init(&s, 1);
	sfx_sub_vehicle(&s, V3);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "2222222222222222");
	push(fx, 61, V2, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN);
	push(fx, 62, V3, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN);
	drain(fx, &a, &g);
	EXPECT(&g, 61);
	CHECK_UINT_EQ(brk_subs_stats(fx->subs)->subscriptions, 1);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

static void test_scope_boxes(struct sfx *fx)
{
	static const double inside[][2] = { { 29.1, 106.0 }, { 29.1, 107.0 }, { 30.4, 106.5 } };
	static const double one_out[][2] = { { 29.1, 106.0 }, { 29.1, 107.0 }, { 30.6, 106.5 } };
	struct sfx_client a;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-box", "tok-box"))
		return;
	sfx_sub_init(&s, 7);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "geofence");
	sfx_sub_box(&s, 28, 106, 29.5, 107);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "box 28,106,29.5,107");
	sfx_sub_init(&s, 7);
	sfx_sub_polygon(&s, one_out, 3);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "polygon");
	sfx_sub_init(&s, 7);
	sfx_sub_polygon(&s, inside, 3);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	/* Replaced by a box, then a refused box leaves that box in place. */
	sfx_sub_init(&s, 7);
	sfx_sub_box(&s, 29.5, 106, 30, 107);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	sfx_sub_init(&s, 7);
	sfx_sub_box(&s, 29.5, 100, 30, 107);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "not inside");
	push(fx, 71, V1, WT(HAZARD_AHEAD), SEV(WARNING), 29.7, 106.5);
	push(fx, 72, V1, WT(HAZARD_AHEAD), SEV(WARNING), 29.7, 101);
	push(fx, 73, V1, WT(HAZARD_AHEAD), SEV(WARNING), 29.2, 106.5);
	drain(fx, &a, &g);
	EXPECT(&g, 71);
	CHECK_UINT_EQ(g.sub[0][0], 7);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

static void test_scope_both(struct sfx *fx)
{
	struct sfx_client a;
	struct sfx_sub s;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-both", "tok-both"))
		return;
	sfx_sub_init(&s, 1);
	sfx_sub_vehicle(&s, V1);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "geofence");
	sfx_sub_init(&s, 1);
	sfx_sub_box(&s, 29.5, 106, 30, 107);
	REFUSED(&a, &s, ST(OUT_OF_SCOPE), "vehicle_ids");
	sfx_sub_vehicle(&s, V1);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

static void test_invalid(struct sfx *fx)
{
	static const double two[][2] = { { 29.1, 106.0 }, { 29.2, 106.0 } };
	static const double far_north[][2] = { { 29.1, 106.0 }, { 91, 106.0 }, { 29.2, 106.1 } };
	double many[257][2];
	struct sfx_client a;
	struct sfx_sub s;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 1);
	s.sub.has_subscription_id = 0;
	REFUSED(&a, &s, ST(INVALID), "subscription_id");
	sfx_sub_init(&s, 1);
	sfx_sub_vehicle(&s, V1);
	s.ids[0].len = 7;
	REFUSED(&a, &s, ST(INVALID), "vehicle_ids[0] is 7 octets");
	sfx_sub_init(&s, 1);
	sfx_sub_polygon(&s, two, 2);
	REFUSED(&a, &s, ST(INVALID), "polygon of 2 vertices");
	for (int i = 0; i < 257; i++) {
		many[i][0] = 29 + 0.5 * sin(i * 2 * M_PI / 257);
		many[i][1] = 106 + 0.5 * cos(i * 2 * M_PI / 257);
	}
	sfx_sub_init(&s, 1);
	sfx_sub_polygon(&s, (const double(*)[2])many, 257);
	REFUSED(&a, &s, ST(INVALID), "polygon of 257 vertices");
	sfx_sub_init(&s, 1);
	sfx_sub_polygon(&s, (const double(*)[2])many, 256);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	sfx_sub_init(&s, 1);
	sfx_sub_polygon(&s, far_north, 3);
	REFUSED(&a, &s, ST(INVALID), "vertex 1 lat_deg: 91");
	sfx_sub_init(&s, 1);
	sfx_sub_polygon(&s, far_north, 3);
	s.ll[1].lat_deg = 29;
	s.ll[2].has_lon_deg = 0;
	REFUSED(&a, &s, ST(INVALID), "vertex 2 lon_deg: missing");
	sfx_sub_init(&s, 1);
	sfx_sub_box(&s, 29, NAN, 30, 107);
	REFUSED(&a, &s, ST(INVALID), "west_deg: nan");
	sfx_sub_init(&s, 1);
	sfx_sub_box(&s, 30, 106, 29, 107);
	REFUSED(&a, &s, ST(INVALID), "south_deg 30 is above north_deg 29");
	sfx_sub_init(&s, 1);
	sfx_sub_box(&s, 29, 106, 30, 181);
	REFUSED(&a, &s, ST(INVALID), "east_deg: 181");
	sfx_sub_init(&s, 1);
	sfx_sub_type(&s, 99);
	REFUSED(&a, &s, ST(INVALID), "warning_types[0] = 99");
	sfx_sub_init(&s, 1);
	sfx_sub_min_severity(&s, 9);
	REFUSED(&a, &s, ST(INVALID), "min_severity = 9");
	sfx_sub_init(&s, 1);
	s.geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE__NOT_SET;
	v2x__wire__geofence__init(&s.geo);
	s.sub.geofence = &s.geo;
	REFUSED(&a, &s, ST(INVALID), "geofence without");
	/* Every refusal left the 256-vertex polygon alone. */
	CHECK_UINT_EQ(brk_subs_count(fx->subs, fx->conns[fx->hellos - 1]), 1);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

/*
 * The scope is checked again at push time: a subscription made under a
 * wider principal does not deliver outside the connection's current one.
 */
static void test_push_scope_guard(struct sfx *fx)
{
	static struct brk_principal all, box, agent;
	struct sfx_client a;
	struct brk_conn *c;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all"))
		return;
	c = fx->conns[fx->hellos - 1];
	CHECK_INT_EQ(brk_auth_check(fx->auth, BRK_ROLE_SUBSCRIBER, "oem-all",
	                            (const uint8_t *)"tok-all", 7, &all, why, sizeof(why)),
	             0);
	CHECK_INT_EQ(brk_auth_check(fx->auth, BRK_ROLE_SUBSCRIBER, "oem-box",
	                            (const uint8_t *)"tok-box", 7, &box, why, sizeof(why)),
	             0);
	sfx_sub_init(&s, 1);
	CHECK_INT_EQ(brk_subs_subscribe(fx->subs, c, &all, &s.sub, why, sizeof(why)), ST(OK));
	sfx_sub_init(&s, 2);
	sfx_sub_box(&s, 30, 106, 30.5, 107);
	CHECK_INT_EQ(brk_subs_subscribe(fx->subs, c, &box, &s.sub, why, sizeof(why)), ST(OK));
	/* An agent's principal cannot subscribe. */
	CHECK_INT_EQ(brk_auth_check(fx->auth, BRK_ROLE_AGENT, "rsu-1", (const uint8_t *)"tok-agent",
	                            9, &agent, why, sizeof(why)),
	             0);
	sfx_sub_init(&s, 3);
	CHECK_INT_EQ(brk_subs_subscribe(fx->subs, c, &agent, &s.sub, why, sizeof(why)),
	             ST(OUT_OF_SCOPE));
	CHECK(strstr(why, "not a subscriber") != NULL);
	push(fx, 81, V1, WT(HAZARD_AHEAD), SEV(WARNING), 10, 10); /* outside the scope */
	push(fx, 82, V1, WT(HAZARD_AHEAD), SEV(WARNING), IN_LAT, IN_LON);
	push(fx, 83, V1, WT(HAZARD_AHEAD), SEV(WARNING), 30.2, 106.5);
	push(fx, 84, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN);
	drain(fx, &a, &g);
	EXPECT(&g, 82, 83);
	CHECK_UINT_EQ(g.nsub[0], 1);
	CHECK_UINT_EQ(g.nsub[1], 2);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

/* ---- unsubscribe, close ---------------------------------------------------- */

static void test_unsubscribe(struct sfx *fx)
{
	const struct brk_subs_stats *st = brk_subs_stats(fx->subs);
	uint64_t unknown = st->unsubscribes[ST(UNKNOWN_ID)];
	struct sfx_client a;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 1);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	sfx_sub_init(&s, 2);
	sfx_sub_type(&s, WT(GLOSA));
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	CHECK_UINT_EQ(st->subscriptions, 2);
	CHECK_INT_EQ(sfx_unsubscribe(fx, &a, 1, why, sizeof(why)), ST(OK));
	CHECK_UINT_EQ(st->subscriptions, 1);
	CHECK_INT_EQ(sfx_unsubscribe(fx, &a, 1, why, sizeof(why)), ST(UNKNOWN_ID));
	CHECK(strstr(why, "no subscription 1") != NULL);
	CHECK_UINT_EQ(st->unsubscribes[ST(UNKNOWN_ID)], unknown + 1);
	push(fx, 91, V1, WT(GLOSA), SEV(INFO), NAN, NAN);
	push(fx, 92, V1, WT(CURVE_SPEED), SEV(INFO), NAN, NAN);
	drain(fx, &a, &g);
	EXPECT(&g, 91);
	CHECK_UINT_EQ(g.nsub[0], 1);
	CHECK_UINT_EQ(g.sub[0][0], 2);
	CHECK_INT_EQ(sfx_unsubscribe(fx, &a, 2, why, sizeof(why)), ST(OK));
	CHECK_INT_EQ(push(fx, 93, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 0);
	sfx_disconnect(&a);
	sfx_pump(fx, 30);
}

static void test_drop_conn(struct sfx *fx)
{
	const struct brk_subs_stats *st = brk_subs_stats(fx->subs);
	struct sfx_client a, b;
	struct sfx_sub s;
	struct got g;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all") ||
	    !sfx_open(fx, &b, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 1);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	CHECK_INT_EQ(subscribe(fx, &b, &s, why), ST(OK));
	sfx_sub_init(&s, 2);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	CHECK_UINT_EQ(st->subscriptions, 3);
	CHECK_UINT_EQ(st->conns, 2);
	sfx_disconnect(&a);
	sfx_pump(fx, 50);
	CHECK_UINT_EQ(st->subscriptions, 1);
	CHECK_UINT_EQ(st->conns, 1);
	CHECK_INT_EQ(push(fx, 101, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 1);
	drain(fx, &b, &g);
	EXPECT(&g, 101);
	sfx_disconnect(&b);
	sfx_pump(fx, 50);
	CHECK_UINT_EQ(st->subscriptions, 0);
	CHECK_UINT_EQ(st->conns, 0);
	CHECK_INT_EQ(push(fx, 102, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 0);
}

/* ---- serialised once, cancellations --------------------------------------- */

static void test_encode_once(struct sfx *fx)
{
	const struct brk_subs_stats *st = brk_subs_stats(fx->subs);
	struct sfx_client *cl = calloc(100, sizeof(*cl));
	struct sfx_sub s;
	uint64_t enc0, frames0;
	char why[512];
	int ok = 0;

	CHECK(cl != NULL);
	if (!cl)
		return;
	for (int i = 0; i < 100; i++) {
		if (!sfx_open(fx, &cl[i], i % 2, "oem-all", "tok-all"))
			goto out;
		sfx_sub_init(&s, 5);
		sfx_sub_type(&s, WT(HAZARD_AHEAD));
		ok += subscribe(fx, &cl[i], &s, why) == ST(OK);
	}
	CHECK_INT_EQ(ok, 100);
	enc0 = st->encodes;
	frames0 = st->frames;
	CHECK_INT_EQ(push(fx, 111, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 100);
	CHECK_UINT_EQ(st->encodes - enc0, 1);
	CHECK_UINT_EQ(st->frames - frames0, 100);
	for (int i = 0; i < 100; i++) {
		size_t nsub;
		uint32_t sub[2] = { 0, 0 };

		CHECK_UINT_EQ(recv_one(fx, &cl[i], &nsub, sub), 111);
		CHECK_UINT_EQ(nsub, 1);
		CHECK_UINT_EQ(sub[0], 5);
	}
	/* Half of them add subscription 6: two lists of ids, two encodes. */
	for (int i = 0; i < 50; i++) {
		sfx_sub_init(&s, 6);
		CHECK_INT_EQ(subscribe(fx, &cl[i], &s, why), ST(OK));
	}
	enc0 = st->encodes;
	CHECK_INT_EQ(push(fx, 112, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 100);
	CHECK_UINT_EQ(st->encodes - enc0, 2);
	for (int i = 0; i < 100; i++) {
		size_t nsub;
		uint32_t sub[2] = { 0, 0 };

		CHECK_UINT_EQ(recv_one(fx, &cl[i], &nsub, sub), 112);
		CHECK_UINT_EQ(nsub, i < 50 ? 2 : 1);
		CHECK_UINT_EQ(sub[0], 5);
		CHECK_UINT_EQ(sub[1], i < 50 ? 6 : 0);
	}
	/* The cancellation: one encode for the hundred. */
	enc0 = st->encodes;
	{
		V2x__Wire__Cancellation cn = V2X__WIRE__CANCELLATION__INIT;

		cn.has_warning_id = 1;
		cn.warning_id = 111;
		CHECK_INT_EQ(brk_subs_push_cancel(fx->subs, &cn, brk_net_pool(fx->net)), 100);
	}
	CHECK_UINT_EQ(st->encodes - enc0, 1);
	for (int i = 0; i < 100; i++) {
		size_t nsub;
		uint32_t sub[2];

		CHECK_UINT_EQ(recv_one(fx, &cl[i], &nsub, sub), 111);
	}
out:
	for (int i = 0; i < 100; i++)
		if (cl[i].fd > 0)
			sfx_disconnect(&cl[i]);
	free(cl);
	sfx_pump(fx, 100);
}

static int cancel(struct sfx *fx, uint64_t wid)
{
	V2x__Wire__Cancellation cn = V2X__WIRE__CANCELLATION__INIT;

	cn.has_warning_id = 1;
	cn.warning_id = wid;
	cn.has_reason = 1;
	cn.reason = V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED;
	return brk_subs_push_cancel(fx->subs, &cn, brk_net_pool(fx->net));
}

static void test_cancel(struct sfx *fx)
{
	const struct brk_subs_stats *st = brk_subs_stats(fx->subs);
	struct sfx_client a, b, c;
	struct sfx_sub s;
	struct got ga, gb;
	uint64_t unknown = st->cancels_unknown, records = st->records;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all") ||
	    !sfx_open(fx, &b, false, "oem-all", "tok-all") ||
	    !sfx_open(fx, &c, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 1);
	sfx_sub_vehicle(&s, V1);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	CHECK_INT_EQ(subscribe(fx, &c, &s, why), ST(OK));
	sfx_sub_init(&s, 1);
	sfx_sub_vehicle(&s, V2);
	CHECK_INT_EQ(subscribe(fx, &b, &s, why), ST(OK));
	/* Revision 0 reaches a and c, revision 1 (now V2's) b: all three got it. */
	CHECK_INT_EQ(push(fx, 121, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 2);
	CHECK_INT_EQ(push(fx, 121, V2, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 1);
	CHECK_INT_EQ(push(fx, 121, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 2);
	CHECK_INT_EQ(push(fx, 122, V1, WT(HAZARD_AHEAD), SEV(WARNING), NAN, NAN), 2);
	CHECK_UINT_EQ(st->records, records + 2);
	/* c goes before the cancellation: only a and b get it. */
	sfx_disconnect(&c);
	sfx_pump(fx, 50);
	CHECK_INT_EQ(cancel(fx, 121), 2);
	CHECK_UINT_EQ(st->records, records + 1);
	CHECK_INT_EQ(cancel(fx, 121), 0);
	CHECK_UINT_EQ(st->cancels_unknown, unknown + 1);
	drain(fx, &a, &ga);
	drain(fx, &b, &gb);
	CHECK_UINT_EQ(ga.n, 4);
	CHECK(ga.n == 4 && ga.kind[3] == 'C' && ga.id[3] == 121);
	CHECK_UINT_EQ(gb.n, 2);
	CHECK(gb.n == 2 && gb.kind[1] == 'C' && gb.id[1] == 121);
	CHECK_INT_EQ(cancel(fx, 122), 1);
	drain(fx, &a, &ga);
	CHECK(ga.n == 1 && ga.kind[0] == 'C' && ga.id[0] == 122);
	drain(fx, &b, &gb);
	EXPECT_NONE(&gb);
	CHECK_UINT_EQ(st->records, records);
	sfx_disconnect(&a);
	sfx_disconnect(&b);
	sfx_pump(fx, 30);
}

/* Pumps the loop until every frame buffer is back in the pool (or 2 s pass). */
static void settle(struct sfx *fx)
{
	uint64_t end = sfx_now_ms() + 2000;

	while (brk_sbuf_pool_stats(brk_net_pool(fx->net)).live != 0 && sfx_now_ms() < end)
		sfx_pump(fx, 1);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(brk_net_pool(fx->net)).live, 0);
}

/*
 * Steady state: the frame buffers of pushes come back to the pool and are
 * reused; fifty pushes and cancellations allocate none.  A burst first
 * fills the pool's free list beyond what one push, its cancellation and a
 * heartbeat per connection hold at once, so that the figure does not
 * depend on timing.
 */
static void test_no_alloc(struct sfx *fx)
{
	struct sfx_client a, b;
	struct sfx_sub s;
	struct got g;
	uint64_t allocs;
	char why[512];

	if (!sfx_open(fx, &a, false, "oem-all", "tok-all") ||
	    !sfx_open(fx, &b, false, "oem-all", "tok-all"))
		return;
	sfx_sub_init(&s, 1);
	CHECK_INT_EQ(subscribe(fx, &a, &s, why), ST(OK));
	sfx_sub_init(&s, 2);
	CHECK_INT_EQ(subscribe(fx, &b, &s, why), ST(OK));
	for (int i = 0; i < 10; i++)
		CHECK_INT_EQ(push(fx, 190 + i, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 2);
	drain(fx, &a, &g);
	CHECK_UINT_EQ(g.n, 10);
	drain(fx, &b, &g);
	CHECK_UINT_EQ(g.n, 10);
	settle(fx);
	allocs = brk_sbuf_pool_stats(brk_net_pool(fx->net)).allocs;
	for (int i = 0; i < 50; i++) {
		size_t nsub;
		uint32_t sub[2];

		CHECK_INT_EQ(push(fx, 200 + i, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 2);
		CHECK_INT_EQ(cancel(fx, 200 + i), 2);
		CHECK_UINT_EQ(recv_one(fx, &a, &nsub, sub), 200 + i);
		CHECK_UINT_EQ(recv_one(fx, &a, &nsub, sub), 200 + i);
		CHECK_UINT_EQ(recv_one(fx, &b, &nsub, sub), 200 + i);
		CHECK_UINT_EQ(recv_one(fx, &b, &nsub, sub), 200 + i);
		settle(fx);
	}
	CHECK_UINT_EQ(brk_sbuf_pool_stats(brk_net_pool(fx->net)).allocs, allocs);
	sfx_disconnect(&a);
	sfx_disconnect(&b);
	sfx_pump(fx, 30);
}

static void test_metrics(struct sfx *fx)
{
	struct v2x_metric_label l = { "broker", "test" };
	struct v2x_metrics m;
	struct v2x_metrics_buf buf = { 0 };
	char err[256];

	v2x_metrics_init(&m);
	CHECK_INT_EQ(brk_subs_metrics_add(fx->subs, &m, &l, 1, err, sizeof(err)), 0);
	CHECK_INT_EQ(v2x_metrics_render(&m, &buf), 0);
	CHECK(buf.data && strstr(buf.data, "v2x_broker_subscribes_total{broker=\"test\","
	                                   "status=\"out_of_scope\"} "));
	CHECK(buf.data && strstr(buf.data, "v2x_broker_push_encodes_total{broker=\"test\"} "));
	CHECK(buf.data && strstr(buf.data, "v2x_broker_subscriptions{broker=\"test\"} 0"));
	v2x_metrics_buf_fini(&buf);
	v2x_metrics_fini(&m);
}

/* ---- small limits ---------------------------------------------------------- */

static void test_limits(void)
{
	struct sfx fx;
	struct sfx_client a, b;
	struct sfx_sub s;
	struct got g;
	const struct brk_subs_stats *st;
	char why[512];

	sfx_config(&fx);
	fx.scfg.max_per_conn = 3;
	fx.scfg.max_conns = 1;
	fx.scfg.max_warnings = 4;
	sfx_start(&fx);
	st = brk_subs_stats(fx.subs);
	if (!sfx_open(&fx, &a, false, "oem-all", "tok-all") ||
	    !sfx_open(&fx, &b, false, "oem-all", "tok-all"))
		return;
	for (uint32_t id = 1; id <= 3; id++) {
		sfx_sub_init(&s, id);
		CHECK_INT_EQ(sfx_subscribe(&fx, &a, &s.sub, why, sizeof(why)), ST(OK));
	}
	sfx_sub_init(&s, 4);
	refused(&fx, &a, &s, ST(LIMIT), "3 subscriptions", __LINE__);
	sfx_sub_init(&s, 2); /* replacing one is not adding one */
	CHECK_INT_EQ(sfx_subscribe(&fx, &a, &s.sub, why, sizeof(why)), ST(OK));
	refused(&fx, &b, &s, ST(LIMIT), "1 connections", __LINE__);
	CHECK_UINT_EQ(st->subscribes[ST(LIMIT)], 2);
	/* Six warnings, room for four records: the two oldest go. */
	for (int i = 1; i <= 6; i++)
		CHECK_INT_EQ(push(&fx, 300 + i, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 1);
	CHECK_UINT_EQ(st->records, 4);
	CHECK_UINT_EQ(st->records_evicted, 2);
	CHECK_INT_EQ(cancel(&fx, 301), 0);
	CHECK_INT_EQ(cancel(&fx, 306), 1);
	drain(&fx, &a, &g);
	CHECK_UINT_EQ(g.n, 7);
	CHECK(g.n == 7 && g.kind[6] == 'C' && g.id[6] == 306);
	CHECK_UINT_EQ(g.nsub[0], 3);
	sfx_disconnect(&a);
	sfx_disconnect(&b);
	sfx_pump(&fx, 50);
	sfx_stop(&fx);
}

/*
 * A subscriber that does not read, under the disconnect policy: the push
 * that overflows its queue closes it, on_close drops it from the table in
 * the middle of that push, and the push goes on with the others.
 */
static void test_closed_mid_push(void)
{
	const struct brk_subs_stats *st;
	const V2x__Wire__Frame *f;
	struct sfx_client cl[3];
	struct sfx_sub s;
	struct sfx fx;
	char why[512];
	int n, rc;

	sfx_config(&fx);
	fx.cfg.slow_policy = BRK_SLOW_DISCONNECT;
	fx.cfg.queue_max_frames = 4;
	/* No heartbeat may take a place in the queues. */
	fx.cfg.heartbeat_interval_ms = 60000;
	fx.cfg.timeout_ms = 120000;
	sfx_start(&fx);
	st = brk_subs_stats(fx.subs);
	for (int i = 0; i < 3; i++) {
		if (!sfx_open(&fx, &cl[i], false, "oem-all", "tok-all"))
			return;
		sfx_sub_init(&s, 1);
		CHECK_INT_EQ(sfx_subscribe(&fx, &cl[i], &s.sub, why, sizeof(why)), ST(OK));
	}
	/* No loop turn between pushes: the queues fill; the fifth closes all three. */
	for (int i = 0; i < 4; i++)
		CHECK_INT_EQ(push(&fx, 400 + i, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 3);
	CHECK_INT_EQ(push(&fx, 404, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 0);
	CHECK_UINT_EQ(st->send_refused, 3);
	CHECK_UINT_EQ(st->conns, 0);
	CHECK_UINT_EQ(st->subscriptions, 0);
	CHECK_INT_EQ(fx.closes, 3);
	CHECK_INT_EQ(push(&fx, 405, V1, WT(GLOSA), SEV(INFO), NAN, NAN), 0);
	CHECK_INT_EQ(cancel(&fx, 400), 0);
	CHECK_UINT_EQ(brk_net_stats(fx.net)->closes[BRK_CLOSE_SLOW], 3);
	/* Closed without a Bye: what was queued is dropped, then the socket closes. */
	for (int i = 0; i < 3; i++) {
		for (n = 0; (rc = sfx_recv(&fx, &cl[i], &f, 2000)) == 1 &&
		            f->msg_case == V2X__WIRE__FRAME__MSG_WARNING;
		     n++)
			;
		CHECK(n <= 4);
		CHECK_INT_EQ(rc, 0);
		sfx_disconnect(&cl[i]);
	}
	sfx_pump(&fx, 30);
	CHECK_UINT_EQ(brk_sbuf_pool_stats(brk_net_pool(fx.net)).live, 0);
	sfx_stop(&fx);
}

static void test_config(void)
{
	struct brk_subs_config cfg;
	struct brk_subs *s = NULL;
	char err[256];

	brk_subs_config_default(&cfg);
	cfg.max_per_conn = 0;
	CHECK_INT_EQ(brk_subs_new(&cfg, &s, err, sizeof(err)), V2X_EINVAL);
	CHECK(s == NULL);
	CHECK(strstr(err, "max_per_conn") != NULL);
	CHECK_INT_EQ(brk_subs_new(NULL, &s, err, sizeof(err)), 0);
	brk_subs_drop_conn(s, NULL); /* unknown: no effect */
	CHECK_UINT_EQ(brk_subs_count(s, NULL), 0);
	brk_subs_free(s);
	brk_subs_free(NULL);
	CHECK_STR_EQ(brk_subs_status_name(ST(LIMIT)), "limit");
	CHECK_STR_EQ(brk_subs_status_name(99), "unknown");
}

int main(void)
{
	struct sfx fx;

	test_config();
	sfx_config(&fx);
	sfx_start(&fx);
	test_vehicles(&fx);
	test_polygon_concave(&fx);
	test_across_180(&fx);
	test_types_severity(&fx);
	test_combination(&fx);
	test_scope_vehicles(&fx);
	test_scope_boxes(&fx);
	test_scope_both(&fx);
	test_invalid(&fx);
	test_push_scope_guard(&fx);
	test_unsubscribe(&fx);
	test_drop_conn(&fx);
	test_encode_once(&fx);
	test_cancel(&fx);
	test_no_alloc(&fx);
	test_metrics(&fx);
	sfx_stop(&fx);
	test_limits();
	test_closed_mid_push();
	return check_exit();
}
