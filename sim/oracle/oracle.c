/*
 * oracle: the run's expected warnings from its truth (oracle.h).  This
 * file holds the context the rules share (who hears whom, the GNSS
 * margins of each actor), runs the rules and writes their result; each
 * rule is in its own file beside its application's physics.
 */
#include "sim/oracle/oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/oracle/oracle_int.h"

double sim_oracle__t(const struct oracle_ctx *c, size_t e)
{
	return (double)e * c->eval_dt;
}

const struct sim_truth *sim_oracle__at(const struct oracle_ctx *c, size_t a, size_t e)
{
	size_t k = e * ORACLE_EVAL_STRIDE;
	return sim_world_at(c->w, a, k < c->w->n_steps ? k : c->w->n_steps - 1);
}

bool sim_oracle__seen(const struct oracle_ctx *c, size_t a, size_t e)
{
	return c->seen[a * c->n_eval + e] != 0;
}

bool sim_oracle__dark(const struct oracle_ctx *c, const char *id, double t)
{
	for (size_t i = 0; i < c->sc->n_dark; i++) {
		const struct sim_rsu_dark *d = &c->sc->dark[i];
		if (strcmp(d->rsu, id) == 0 && t >= d->from_t_s && t <= d->to_t_s)
			return true;
	}
	return false;
}

static double dist3(const struct map_xyz *p, double x, double y, double z)
{
	return sqrt((p->x - x) * (p->x - x) + (p->y - y) * (p->y - y) + (p->z - z) * (p->z - z));
}

int sim_oracle__rsu_for(const struct oracle_ctx *c, const char *id, double x, double y, double z)
{
	int best = -1;
	double best_d = INFINITY;
	for (size_t i = 0; i < c->n_rsus; i++) {
		const struct map_rsu *r = c->rsus[i].rsu;
		double d = dist3(&r->pos, x, y, z);
		if (id && id[0]) {
			if (strcmp(r->rsu_id, id) == 0)
				return (int)i;
			continue;
		}
		if (d <= c->rsus[i].range_m && d < best_d) {
			best = (int)i;
			best_d = d;
		}
	}
	return best;
}

double sim_oracle__time_at(const struct oracle_ctx *c, size_t a, double rs)
{
	for (size_t e = 0; !isnan(rs) && e < c->n_eval; e++) {
		const struct sim_truth *p = sim_oracle__at(c, a, e);
		if (p->present)
			return p->route_s >= rs ? NAN : sim_world_time_at(c->w, a, rs);
	}
	return NAN;
}

int sim_oracle__route_index(const struct oracle_ctx *c, size_t a, uint32_t lane)
{
	const struct sim_actor *ac = &c->sc->actors[a];
	for (size_t i = 0; i < ac->n_route; i++)
		if (ac->route[i] == lane)
			return (int)i;
	return -1;
}

double sim_oracle__route_s0(const struct oracle_ctx *c, size_t a, size_t i)
{
	return c->w->route_lane_s0[c->w->route_off[a] + i];
}

size_t sim_oracle__n_successors(const struct map_model *m, uint32_t lane)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_connections; i++)
		n += m->connections[i].from_lane == lane;
	return n;
}

bool sim_oracle__after_fork(const struct oracle_ctx *c, size_t a, size_t i)
{
	const struct sim_actor *ac = &c->sc->actors[a];
	return i > 0 && i < ac->n_route && sim_oracle__n_successors(c->m, ac->route[i - 1]) > 1;
}

/* The GNSS faults and clock skew that apply to actor a. */
static void noise_of(const struct sim_scenario *sc, size_t a, struct oracle_noise *n)
{
	const char *name = sc->actors[a].name;
	double sd = 0.0, bias = 0.0;
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < sc->n_gnss_faults; i++) {
		const struct sim_gnss_fault *g = &sc->gnss_faults[i];
		if (strcmp(g->actor, "*") != 0 && strcmp(g->actor, name) != 0)
			continue;
		sd = fmax(sd, g->noise_m);
		bias = fmax(bias, hypot(g->bias_east_m, g->bias_north_m));
		n->tunnel_outage = n->tunnel_outage || g->tunnel_outage;
	}
	for (size_t i = 0; i < sc->n_skews; i++)
		if (strcmp(sc->skews[i].actor, name) == 0 || strcmp(sc->skews[i].actor, "*") == 0)
			n->skew_s = fmax(n->skew_s, fabs(sc->skews[i].skew_ms) / 1000.0);
	/* Two standard deviations of the noise, and the whole bias. */
	n->pos_m = ORACLE_POS_MARGIN_M + 2.0 * sd + bias;
	n->lat_m = 0.5 + 2.0 * sd + bias;
	n->speed_mps = ORACLE_SPEED_MARGIN_MPS + 0.2 * sd;
}

/* The run's RSUs: the scenario's list, or every RSU of the map. */
static int rsus_setup(struct oracle_ctx *c)
{
	size_t n = c->sc->n_rsus ? c->sc->n_rsus : c->m->n_rsus;
	c->rsus = calloc(n + 1, sizeof(*c->rsus));
	if (!c->rsus)
		return V2X_ENOMEM;
	for (size_t i = 0; i < c->m->n_rsus; i++) {
		const struct map_rsu *r = &c->m->rsus[i];
		double range = r->range_m;
		bool in = c->sc->n_rsus == 0;
		for (size_t j = 0; j < c->sc->n_rsus; j++)
			if (strcmp(c->sc->rsus[j].id, r->rsu_id) == 0) {
				in = true;
				range = isnan(c->sc->rsus[j].range_m) ? range
				                                      : c->sc->rsus[j].range_m;
			}
		if (!in || c->n_rsus == n)
			continue;
		c->rsus[c->n_rsus++] = (struct oracle_rsu){ r, range };
	}
	return 0;
}

/* Whether the broker surely hears actor a at evaluation point e: a GNSS
 * fix, and an RSU that is not dark well inside whose range it is. */
static bool hears(const struct oracle_ctx *c, size_t a, size_t e)
{
	const struct sim_truth *p = sim_oracle__at(c, a, e);
	double t = sim_oracle__t(c, e);
	if (!p->present || (c->noise[a].tunnel_outage && p->in_tunnel))
		return false;
	for (size_t i = 0; i < c->n_rsus; i++)
		if (dist3(&c->rsus[i].rsu->pos, p->x, p->y, p->z) <=
		            c->rsus[i].range_m - ORACLE_RANGE_MARGIN_M &&
		    !sim_oracle__dark(c, c->rsus[i].rsu->rsu_id, t))
			return true;
	return false;
}

/* ---- RSI events and RSM participants ------------------------------------ */

/* The radio sends an RSI event once a second from max(from, 0) while
 * before its end (sim/radio: SIM_RADIO__RSI_PERIOD_US) and no end time in
 * it, so the broker holds it until 5 s after the last copy
 * (broker/apps/hazards.h BRK_HAZARDS_DEFAULT_RSI_HOLD_US); RSM comes at
 * 10 Hz and is held 1.5 s (BRK_HAZARDS_DEFAULT_RSM_HOLD_US). */
#define RSI_PERIOD_S 1.0
#define RSI_HOLD_S   5.0
/* A speed-limit sign without an end time is held 10 s after it was last
 * heard (broker/apps/speed_limit/speed_limit.h
 * BRK_SPEED_LIMIT_DEFAULT_SIGN_HOLD_S). */
#define SIGN_HOLD_S  10.0
#define RSM_PERIOD_S 0.1
#define RSM_HOLD_S   1.5
/* From the first copy to a hazard the applications use: the agent, the
 * broker, and for an RSI the lanes from PostGIS. */
#define SRC_SETTLE_S 0.5

/* When the copies of a source sent every period over [from, to) are
 * first heard (the RSU not dark) and last sent. */
static void src_times(const struct oracle_ctx *c, struct oracle_src *o, const char *rsu,
                      double from, double to, double period)
{
	int r = sim_oracle__rsu_for(c, rsu, o->x, o->y, o->z);
	double end = c->w->step_s * (double)(c->w->n_steps ? c->w->n_steps - 1 : 0);
	o->first_heard = INFINITY;
	o->last_sent = -INFINITY;
	if (r < 0)
		return;
	from = fmax(from, 0.0);
	for (size_t n = 0;; n++) {
		double tb = from + (double)n * period;
		if (tb >= to || tb > end + 1e-9)
			break;
		if (isinf(o->first_heard) && !sim_oracle__dark(c, c->rsus[r].rsu->rsu_id, tb))
			o->first_heard = tb + SRC_SETTLE_S;
		o->last_sent = tb;
	}
}

static void where(const struct map_model *m, uint32_t lane_id, double s, struct oracle_src *o)
{
	const struct map_lane *l = map_model_lane(m, lane_id);
	struct map_sample p = { 0 };
	if (l)
		sim_oracle__sample(l, s, &p);
	o->x = p.x;
	o->y = p.y;
	o->z = p.z;
}

static int sources_setup(struct oracle_ctx *c)
{
	const struct sim_scenario *sc = c->sc;
	c->rsi = calloc(sc->n_rsi + 1, sizeof(*c->rsi));
	c->rsm = calloc(sc->n_rsm + 1, sizeof(*c->rsm));
	if (!c->rsi || !c->rsm)
		return V2X_ENOMEM;
	for (size_t i = 0; i < sc->n_rsi; i++) {
		const struct sim_rsi_event *ev = &sc->rsi[i];
		where(c->m, ev->lane, ev->s, &c->rsi[i]);
		src_times(c, &c->rsi[i], ev->rsu, ev->from_t_s, ev->to_t_s, RSI_PERIOD_S);
	}
	for (size_t i = 0; i < sc->n_rsm; i++) {
		const struct sim_rsm_participant *p = &sc->rsm[i];
		where(c->m, p->lane, p->s, &c->rsm[i]);
		src_times(c, &c->rsm[i], p->rsu, p->from_t_s, p->to_t_s, RSM_PERIOD_S);
	}
	return 0;
}

bool sim_oracle__rsi_known(const struct oracle_ctx *c, size_t i, double t, bool sure)
{
	const struct oracle_src *o = &c->rsi[i];
	if (sure)
		return t >= o->first_heard && t <= c->sc->rsi[i].to_t_s;
	double hold = c->sc->rsi[i].sign ? SIGN_HOLD_S : RSI_HOLD_S;
	return t >= c->sc->rsi[i].from_t_s && t <= o->last_sent + hold + SRC_SETTLE_S;
}

/* The broker finds an event's lanes with PostGIS (broker/mapsrc/lanes.c):
 * the lanes' 2D centre lines cut by the disc of its radius and by its
 * reference path buffered by the path's half width, each piece kept when
 * the lane lies within 6 m of the zone's height there.  The radio gives
 * every event a height and a path on its lane from 30 m before to 10 m
 * after it, half a lane wide (sim/radio/rsu_msgs.c): that path covers the
 * event's own lane there.  A metre each way separates sure from maybe. */
#define RSI_DZ_M          6.0
#define RSI_PATH_BEFORE_M 30.0
#define RSI_PATH_AFTER_M  10.0
#define COVER_MARGIN_M    1.0

size_t sim_oracle__rsi_cover(const struct oracle_ctx *c, size_t i, uint32_t only_lane,
                             struct oracle_cover *out, size_t max)
{
	const struct sim_rsi_event *ev = &c->sc->rsi[i];
	const struct oracle_src *o = &c->rsi[i];
	const double m = COVER_MARGIN_M;
	size_t n = sim_oracle__disc(c->m, o->x, o->y, o->z, ev->radius_m - m, RSI_DZ_M - m,
	                            ev->radius_m + m, RSI_DZ_M + m, only_lane, out, max);
	if (only_lane == 0 || only_lane == ev->lane) {
		double a = ev->s - RSI_PATH_BEFORE_M, b = ev->s + RSI_PATH_AFTER_M;
		if (n < max)
			out[n] = (struct oracle_cover){ ev->lane, a + m, b - m, true };
		n++;
		if (n < max)
			out[n] = (struct oracle_cover){ ev->lane, a - m, b + m, false };
		n++;
	}
	return n;
}

bool sim_oracle__rsm_known(const struct oracle_ctx *c, size_t i, double t, bool sure)
{
	const struct oracle_src *o = &c->rsm[i];
	if (sure)
		return t >= o->first_heard && t <= c->sc->rsm[i].to_t_s;
	return t >= c->sc->rsm[i].from_t_s && t <= o->last_sent + RSM_HOLD_S + SRC_SETTLE_S;
}

static int ctx_init(struct oracle_ctx *c, const struct sim_world *w, const struct map_model *m)
{
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->m = m;
	c->sc = w->sc;
	c->eval_dt = w->step_s * ORACLE_EVAL_STRIDE;
	c->n_eval = w->n_steps ? (w->n_steps - 1) / ORACLE_EVAL_STRIDE + 1 : 0;
	c->noise = calloc(w->n_actors + 1, sizeof(*c->noise));
	c->seen = calloc(w->n_actors * c->n_eval + 1, 1);
	c->loose = calloc(c->n_eval + 1, sizeof(bool));
	c->strict = calloc(c->n_eval + 1, sizeof(bool));
	if (!c->noise || !c->seen || !c->loose || !c->strict || rsus_setup(c) || sources_setup(c))
		return V2X_ENOMEM;
	for (size_t a = 0; a < w->n_actors; a++) {
		noise_of(c->sc, a, &c->noise[a]);
		for (size_t e = 0; e < c->n_eval; e++)
			c->seen[a * c->n_eval + e] = hears(c, a, e);
	}
	return 0;
}

static void ctx_fini(struct oracle_ctx *c)
{
	free(c->noise);
	free(c->seen);
	free(c->loose);
	free(c->strict);
	free(c->rsus);
	free(c->rsi);
	free(c->rsm);
	free(c->v);
}

static int cmp_num(double a, double b)
{
	return (a > b) - (a < b);
}

/* By the start of the window, then every other field: the order is the
 * same on every run. */
static int cmp_expected(const void *pa, const void *pb)
{
	const struct sim_expected *a = pa, *b = pb;
	int r = cmp_num(a->from_t_s, b->from_t_s);
	if (!r)
		r = (a->type > b->type) - (a->type < b->type);
	if (!r)
		r = (a->target > b->target) - (a->target < b->target);
	if (!r)
		r = (a->subject_actor > b->subject_actor) - (a->subject_actor < b->subject_actor);
	if (!r)
		r = (a->subject_rsi > b->subject_rsi) - (a->subject_rsi < b->subject_rsi);
	if (!r)
		r = (a->subject_rsm > b->subject_rsm) - (a->subject_rsm < b->subject_rsm);
	if (!r)
		r = cmp_num(a->to_t_s, b->to_t_s);
	if (!r)
		r = (a->must < b->must) - (a->must > b->must);
	return r;
}

typedef int (*oracle_rule)(struct oracle_ctx *c);

static const oracle_rule rules[] = {
	sim_oracle__curve,     sim_oracle__blind, sim_oracle__hazard, sim_oracle__fcw,
	sim_oracle__downgrade, sim_oracle__speed, sim_oracle__red,
};

int sim_oracle_run(const struct sim_world *w, const struct map_model *m, struct v2x_arena *arena,
                   struct sim_expected **out, size_t *n)
{
	struct oracle_ctx c;
	int rc = ctx_init(&c, w, m);
	*out = NULL;
	*n = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(rules) / sizeof(rules[0]); i++)
		rc = rules[i](&c);
	if (rc == 0 && c.n) {
		qsort(c.v, c.n, sizeof(c.v[0]), cmp_expected);
		*out = v2x_arena_calloc(arena, c.n, sizeof(**out));
		if (*out) {
			memcpy(*out, c.v, c.n * sizeof(**out));
			*n = c.n;
		} else {
			rc = V2X_ENOMEM;
		}
	}
	ctx_fini(&c);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

static void put_num(FILE *f, const char *key, double v)
{
	if (!isfinite(v)) {
		fprintf(f, ",\"%s\":null", key);
		return;
	}
	if (fabs(v) < 0.0005)
		v = 0.0; /* no "-0.000" */
	fprintf(f, ",\"%s\":%.3f", key, v);
}

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_actor(FILE *f, const struct sim_world *w, const char *key, int64_t a)
{
	fprintf(f, ",\"%s\":", key);
	if (a >= 0 && (size_t)a < w->n_actors)
		put_str(f, w->sc->actors[a].name);
	else
		fputs("null", f);
}

static void put_index(FILE *f, const char *key, int32_t i)
{
	if (i >= 0)
		fprintf(f, ",\"%s\":%d", key, (int)i);
	else
		fprintf(f, ",\"%s\":null", key);
}

void sim_oracle_write(const struct sim_world *w, const struct sim_expected *e, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		const struct sim_expected *x = &e[i];
		fputs("{\"type\":", f);
		put_str(f, sim_warning_name(x->type));
		fprintf(f, ",\"must\":%s", x->must ? "true" : "false");
		put_actor(f, w, "target", x->target);
		put_actor(f, w, "subject_actor", x->subject_actor);
		put_index(f, "subject_rsi", x->subject_rsi);
		put_index(f, "subject_rsm", x->subject_rsm);
		put_num(f, "from_t_s", x->from_t_s);
		put_num(f, "to_t_s", x->to_t_s);
		put_num(f, "critical_t_s", x->critical_t_s);
		put_num(f, "advisory_mps", x->advisory_mps);
		fputs(",\"why\":", f);
		put_str(f, x->why);
		fputs("}\n", f);
	}
}
