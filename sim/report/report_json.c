/*
 * report_json: report.json, everything of the run for tools: the
 * scenario, how the run went, the figures, the checks, every expectation
 * and every received frame with what it matched, the radio's statistics.
 * Numbers that are not known (NaN) or unbounded (a window to the end) are
 * null.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/err.h"
#include "sim/report/report_int.h"

/* Builds the document, remembering whether anything failed to allocate. */
struct jb {
	bool oom;
};

/* Both steal val, even when they fail. */
static void put(struct jb *b, json_t *o, const char *key, json_t *val)
{
	if (!o || !val) {
		json_decref(val);
		b->oom = true;
	} else if (json_object_set_new(o, key, val) != 0) {
		b->oom = true;
	}
}

static void push(struct jb *b, json_t *a, json_t *val)
{
	if (!a || !val) {
		json_decref(val);
		b->oom = true;
	} else if (json_array_append_new(a, val) != 0) {
		b->oom = true;
	}
}

static json_t *jreal(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

static json_t *juint(uint64_t u)
{
	return u <= (uint64_t)INT64_MAX ? json_integer((json_int_t)u) : json_real((double)u);
}

/* A string of at most max bytes; bytes that are not valid UTF-8 (a text
 * cut by the broker, a name from a file) become '?'. */
static json_t *jstr(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	json_t *j = json_stringn(s, n);
	char copy[1024];

	if (j || n >= sizeof(copy))
		return j;
	for (size_t i = 0; i < n; i++)
		copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	return json_stringn(copy, n);
}

#define JSTR(s) jstr((s), sizeof(s))

static json_t *scenario(struct jb *b, const struct sim_world *w)
{
	const struct sim_scenario *sc = w->sc;
	json_t *o = json_object();

	put(b, o, "name", JSTR(sc->name));
	put(b, o, "path", JSTR(sc->path));
	put(b, o, "seed", juint(sc->seed));
	put(b, o, "description", JSTR(sc->description));
	put(b, o, "duration_s", jreal(sc->duration_s));
	put(b, o, "n_actors", juint(sc->n_actors));
	return o;
}

static json_t *run(struct jb *b, const struct sim_world *w, const struct sim_run_info *info)
{
	json_t *o = json_object();
	char when[64] = "";

	put(b, o, "step_s", jreal(w->step_s));
	put(b, o, "n_steps", juint(w->n_steps));
	if (!info)
		return o;
	time_t sec = (time_t)(info->epoch_us / 1000000);
	struct tm tm;

	if (gmtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	put(b, o, "time_mode", json_string(info->time_mode ? info->time_mode : ""));
	put(b, o, "epoch_us", json_integer(info->epoch_us));
	put(b, o, "epoch", json_string(when));
	put(b, o, "wall_s", jreal(info->wall_s));
	put(b, o, "broker", json_string(info->broker ? info->broker : ""));
	put(b, o, "n_agents", juint(info->n_agents));
	put(b, o, "sent", juint(info->sent));
	put(b, o, "send_errors", juint(info->send_errors));
	return o;
}

static json_t *apps(struct jb *b, const struct sim_verdict *v)
{
	json_t *o = json_object();

	for (unsigned t = 1; t < SIM_W_COUNT; t++) {
		const struct sim_app_stats *a = &v->apps[t];
		json_t *e = json_object();

		put(b, e, "expected", juint(a->expected));
		put(b, e, "tp", juint(a->tp));
		put(b, e, "miss", juint(a->miss));
		put(b, e, "fp", juint(a->fp));
		put(b, e, "tolerated", juint(a->tolerated));
		put(b, e, "recall",
		    a->expected ? json_real((double)a->tp / a->expected) : json_null());
		put(b, e, "lead_min_s", jreal(a->lead_min_s));
		put(b, e, "lead_mean_s", jreal(a->lead_mean_s));
		put(b, o, sim_warning_name(t), e);
	}
	put(b, o, "other_fp", juint(v->other_fp));
	return o;
}

static json_t *summary(struct jb *b, const struct sim_verdict *v)
{
	json_t *o = json_object();
	json_t *lat = json_object();

	put(b, o, "verdict", json_string(v->failed ? "FAIL" : "PASS"));
	put(b, o, "passed", juint(v->passed));
	put(b, o, "failed", juint(v->failed));
	put(b, o, "first_issues", juint(v->n_first));
	put(b, o, "revisions", juint(v->n_revisions));
	put(b, o, "cancels", juint(v->n_cancels));
	put(b, lat, "n", juint(v->latency_n));
	put(b, lat, "p50", jreal(v->latency_p50_ms));
	put(b, lat, "p90", jreal(v->latency_p90_ms));
	put(b, lat, "p99", jreal(v->latency_p99_ms));
	put(b, lat, "max", jreal(v->latency_max_ms));
	put(b, o, "latency_ms", lat);
	return o;
}

static json_t *checks(struct jb *b, const struct sim_verdict *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n_checks; i++) {
		json_t *c = json_object();

		put(b, c, "name", JSTR(v->checks[i].name));
		put(b, c, "pass", json_boolean(v->checks[i].pass));
		put(b, c, "detail", JSTR(v->checks[i].detail));
		push(b, a, c);
	}
	return a;
}

static json_t *expectation(struct jb *b, const struct sim_report__in *in, size_t k)
{
	const struct sim_expected *e = &in->exp[k];
	const struct sim_verdict *v = in->v;
	json_t *o = json_object();

	put(b, o, "index", juint(k));
	put(b, o, "type", json_string(sim_warning_name(e->type)));
	put(b, o, "must", json_boolean(e->must));
	put(b, o, "target", json_string(sim_report__actor(in->w, e->target)));
	put(b, o, "subject_actor",
	    e->subject_actor >= 0 ? json_string(sim_report__actor(in->w, e->subject_actor))
	                          : json_null());
	put(b, o, "subject_rsi", e->subject_rsi >= 0 ? json_integer(e->subject_rsi) : json_null());
	put(b, o, "subject_rsm", e->subject_rsm >= 0 ? json_integer(e->subject_rsm) : json_null());
	put(b, o, "from_t_s", jreal(e->from_t_s));
	put(b, o, "to_t_s", jreal(e->to_t_s));
	put(b, o, "critical_t_s", jreal(e->critical_t_s));
	put(b, o, "advisory_mps", jreal(e->advisory_mps));
	put(b, o, "why", JSTR(e->why));
	put(b, o, "match", json_string(sim_report__match_name(v->exp_match[k])));
	put(b, o, "arrival_t_s", jreal(v->exp_arrival[k]));
	put(b, o, "lead_s", jreal(e->critical_t_s - v->exp_arrival[k]));
	return o;
}

static void subject(struct jb *b, json_t *o, const struct sim_report__in *in,
                    const struct sim_received *r)
{
	put(b, o, "subject_actor",
	    r->subject_actor >= 0 ? json_string(sim_report__actor(in->w, r->subject_actor))
	                          : json_null());
	put(b, o, "subject_event", r->subject_event ? juint(r->subject_event) : json_null());
	put(b, o, "subject_ptc", r->subject_ptc >= 0 ? json_integer(r->subject_ptc) : json_null());
	put(b, o, "subject_phase",
	    r->subject_phase >= 0 ? json_integer(r->subject_phase) : json_null());
}

static json_t *received(struct jb *b, const struct sim_report__in *in, size_t i)
{
	const struct sim_received *r = &in->rx[i];
	json_t *o = json_object();

	put(b, o, "t_s", jreal(r->t_s));
	put(b, o, "warning_id", juint(r->warning_id));
	if (r->cancel) {
		put(b, o, "cancel", json_true());
		put(b, o, "cancel_reason", juint(r->cancel_reason));
		return o;
	}
	put(b, o, "revision", juint(r->revision));
	put(b, o, "type", json_string(sim_warning_name(r->type)));
	put(b, o, "type_code", juint(r->type));
	put(b, o, "severity", juint(r->severity));
	put(b, o, "target",
	    r->target >= 0 ? json_string(sim_report__actor(in->w, r->target)) : json_null());
	subject(b, o, in, r);
	put(b, o, "x", jreal(r->x));
	put(b, o, "y", jreal(r->y));
	put(b, o, "distance_m", jreal(r->distance_m));
	put(b, o, "time_to_event_s", jreal(r->time_to_event_s));
	put(b, o, "advisory_mps", jreal(r->advisory_mps));
	put(b, o, "trigger_t_s", jreal(r->trigger_t_s));
	put(b, o, "latency_ms", jreal(r->latency_ms));
	put(b, o, "text", JSTR(r->text));
	put(b, o, "match", json_string(sim_report__match_name(in->v->rx_match[i])));
	put(b, o, "expectation",
	    in->v->rx_exp[i] >= 0 ? json_integer(in->v->rx_exp[i]) : json_null());
	return o;
}

static json_t *per_type(struct jb *b, const uint64_t *counts)
{
	json_t *o = json_object();

	for (unsigned t = 1; t < V2X_MSG_TYPE_COUNT; t++)
		put(b, o, sim_report__msg_name(t), juint(counts[t]));
	return o;
}

static json_t *radio(struct jb *b, const struct sim_plan *p)
{
	json_t *o = json_object();
	json_t *rsus = json_array();

	for (size_t i = 0; i < p->n_rsus; i++)
		push(b, rsus, JSTR(p->rsus[i].id));
	put(b, o, "rsus", rsus);
	put(b, o, "datagrams", juint(p->n));
	put(b, o, "generated", per_type(b, p->stats.generated));
	put(b, o, "lost", per_type(b, p->stats.lost));
	put(b, o, "duplicated", juint(p->stats.duplicated));
	put(b, o, "reordered", juint(p->stats.reordered));
	put(b, o, "corrupted", juint(p->stats.corrupted));
	put(b, o, "delayed", juint(p->stats.delayed));
	put(b, o, "gnss_outage_bsms", juint(p->stats.gnss_outage_bsms));
	return o;
}

static json_t *document(struct jb *b, const struct sim_report__in *in)
{
	json_t *root = json_object();
	json_t *exps = json_array();
	json_t *rxs = json_array();

	put(b, root, "scenario", scenario(b, in->w));
	put(b, root, "run", run(b, in->w, in->info));
	put(b, root, "summary", summary(b, in->v));
	put(b, root, "apps", apps(b, in->v));
	put(b, root, "checks", checks(b, in->v));
	for (size_t k = 0; k < in->n_exp; k++)
		push(b, exps, expectation(b, in, k));
	put(b, root, "expectations", exps);
	for (size_t i = 0; i < in->n_rx; i++)
		push(b, rxs, received(b, in, i));
	put(b, root, "received", rxs);
	if (in->info && in->info->plan)
		put(b, root, "radio", radio(b, in->info->plan));
	return root;
}

static int dump(const char *path, const json_t *root, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return V2X_EIO;
	}
	int bad = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0;

	bad |= fputc('\n', f) == EOF;
	bad |= ferror(f) != 0;
	int saved = errno;

	if (fclose(f) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		snprintf(err, errlen, "%s: %s", path, saved ? strerror(saved) : "write failed");
		return V2X_EIO;
	}
	return 0;
}

int sim_report__json(const char *path, const struct sim_report__in *in, char *err, size_t errlen)
{
	struct jb b = { .oom = false };
	json_t *root = document(&b, in);
	int rc;

	if (b.oom || !root) {
		snprintf(err, errlen, "%s: out of memory building the document", path);
		json_decref(root);
		return V2X_ENOMEM;
	}
	rc = dump(path, root, err, errlen);
	json_decref(root);
	return rc;
}
