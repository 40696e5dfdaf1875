/*
 * report_md: report.md, the page the test-field team reads after a run:
 * the summary, the checks, the applications, what the oracle expected and
 * what arrived, the radio, links to the plots; its last line is the
 * verdict's "N passed, N failed".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/err.h"
#include "sim/report/report_int.h"

/* A number for a table cell: "-" when unknown, "to the end" unbounded. */
struct num {
	char s[32];
};

static struct num num(double d, int prec)
{
	struct num n;

	if (isnan(d))
		snprintf(n.s, sizeof(n.s), "-");
	else if (isinf(d))
		snprintf(n.s, sizeof(n.s), "%s", d > 0 ? "end" : "-end");
	else
		snprintf(n.s, sizeof(n.s), "%.*f", prec, d);
	return n;
}

/* Text for a table cell: no line breaks, pipes escaped, no HTML. */
static void cell(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		if (s[i] == '|')
			fputs("\\|", f);
		else if (s[i] == '<')
			fputs("&lt;", f);
		else if (s[i] == '\n' || s[i] == '\r')
			fputc(' ', f);
		else
			fputc(s[i], f);
	}
}

#define CELL(f, s) cell((f), (s), sizeof(s))

static void heading(FILE *f, const struct sim_report__in *in)
{
	const struct sim_scenario *sc = in->w->sc;

	fprintf(f, "# Scenario run: %s: %s\n\n", sc->name, in->v->failed ? "FAIL" : "PASS");
	if (!sc->description[0])
		return;
	fputs("> ", f);
	for (size_t i = 0; i < sizeof(sc->description) && sc->description[i]; i++) {
		if (sc->description[i] == '\n')
			fputs("\n> ", f);
		else
			fputc(sc->description[i], f);
	}
	fputs("\n\n", f);
}

static void run_rows(FILE *f, const struct sim_run_info *info)
{
	char when[64] = "?";
	time_t sec = (time_t)(info->epoch_us / 1000000);
	struct tm tm;

	if (gmtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "| Time | %s, t = 0 at %s, the run took %s s |\n",
	        info->time_mode ? info->time_mode : "?", when, num(info->wall_s, 1).s);
	fprintf(f, "| Broker | %s, %zu agents |\n", info->broker ? info->broker : "?",
	        info->n_agents);
	fprintf(f, "| Datagrams | %llu sent, %llu send errors |\n", (unsigned long long)info->sent,
	        (unsigned long long)info->send_errors);
}

static void summary(FILE *f, const struct sim_report__in *in)
{
	const struct sim_scenario *sc = in->w->sc;
	const struct sim_verdict *v = in->v;
	unsigned must = 0;

	for (size_t k = 0; k < in->n_exp; k++)
		must += in->exp[k].must;
	fputs("## Summary\n\n| | |\n|---|---|\n", f);
	fprintf(f, "| Verdict | **%s**: %u of %zu checks passed |\n", v->failed ? "FAIL" : "PASS",
	        v->passed, v->n_checks);
	fprintf(f, "| Scenario | `%s` from `", sc->name);
	CELL(f, sc->path);
	fprintf(f, "`, seed %llu |\n", (unsigned long long)sc->seed);
	fprintf(f, "| Duration | %s s, %zu actors |\n", num(sc->duration_s, 1).s, sc->n_actors);
	if (in->info)
		run_rows(f, in->info);
	fprintf(f, "| Expected (oracle) | %u must, %zu tolerated |\n", must, in->n_exp - must);
	fprintf(f, "| Received | %u first issues, %u revisions, %u cancellations |\n", v->n_first,
	        v->n_revisions, v->n_cancels);
	fprintf(f,
	        "| Latency, BSM sent to warning received | p50 %s, p90 %s, p99 %s, max %s ms "
	        "over %zu warnings |\n\n",
	        num(v->latency_p50_ms, 1).s, num(v->latency_p90_ms, 1).s,
	        num(v->latency_p99_ms, 1).s, num(v->latency_max_ms, 1).s, v->latency_n);
}

static void checks(FILE *f, const struct sim_verdict *v)
{
	fputs("## Checks\n\n| Result | Check | Detail |\n|---|---|---|\n", f);
	for (size_t i = 0; i < v->n_checks; i++) {
		fprintf(f, "| %s | ", v->checks[i].pass ? "PASS" : "**FAIL**");
		CELL(f, v->checks[i].name);
		fputs(" | ", f);
		CELL(f, v->checks[i].detail);
		fputs(" |\n", f);
	}
	fputs("\n", f);
}

static bool app_active(const struct sim_report__in *in, unsigned t)
{
	const struct sim_app_stats *a = &in->v->apps[t];

	if (a->expected || a->fp || a->tolerated)
		return true;
	for (size_t k = 0; k < in->n_exp; k++)
		if (in->exp[k].type == t)
			return true;
	return false;
}

static void apps(FILE *f, const struct sim_report__in *in)
{
	unsigned rows = 0;

	fputs("## Applications\n\n| Application | Expected | Arrived in time | Missed | "
	      "False positives | Tolerated | Recall | Lead min (s) | Lead mean (s) |\n"
	      "|---|---|---|---|---|---|---|---|---|\n",
	      f);
	for (unsigned t = 1; t < SIM_W_COUNT; t++) {
		const struct sim_app_stats *a = &in->v->apps[t];

		if (!app_active(in, t))
			continue;
		rows++;
		fprintf(f, "| %s | %u | %u | %u | %u | %u | %s | %s | %s |\n", sim_warning_name(t),
		        a->expected, a->tp, a->miss, a->fp, a->tolerated,
		        num(a->expected ? (double)a->tp / a->expected : NAN, 2).s,
		        num(a->lead_min_s, 2).s, num(a->lead_mean_s, 2).s);
	}
	if (in->v->other_fp)
		fprintf(f, "| other types | 0 | 0 | 0 | %u | 0 | - | - | - |\n", in->v->other_fp);
	if (!rows && !in->v->other_fp)
		fputs("| (none expected, none received) | | | | | | | | |\n", f);
	fputs("\n", f);
}

static void exp_subject(FILE *f, const struct sim_report__in *in, const struct sim_expected *e)
{
	if (e->subject_actor >= 0)
		fputs(sim_report__actor(in->w, e->subject_actor), f);
	else if (e->subject_rsi >= 0)
		fprintf(f, "rsi[%d]", (int)e->subject_rsi);
	else if (e->subject_rsm >= 0)
		fprintf(f, "rsm[%d]", (int)e->subject_rsm);
}

static void expectations(FILE *f, const struct sim_report__in *in)
{
	fputs("## Expectations and what arrived\n\n| # | Type | Target | Subject | Must | "
	      "Window (s) | Critical (s) | Outcome | Arrival (s) | Lead (s) | Why |\n"
	      "|---|---|---|---|---|---|---|---|---|---|---|\n",
	      f);
	for (size_t k = 0; k < in->n_exp; k++) {
		const struct sim_expected *e = &in->exp[k];
		double arr = in->v->exp_arrival[k];

		fprintf(f, "| %zu | %s | %s | ", k, sim_warning_name(e->type),
		        sim_report__actor(in->w, e->target));
		exp_subject(f, in, e);
		fprintf(f, " | %s | %s-%s | %s | %s | %s | %s | ", e->must ? "yes" : "tolerated",
		        num(e->from_t_s, 2).s, num(e->to_t_s, 2).s, num(e->critical_t_s, 2).s,
		        sim_report__match_name(in->v->exp_match[k]), num(arr, 2).s,
		        num(e->critical_t_s - arr, 2).s);
		CELL(f, e->why);
		fputs(" |\n", f);
	}
	if (!in->n_exp)
		fputs("| | (the oracle expected nothing) | | | | | | | | | |\n", f);
	fputs("\n", f);
}

static void rx_subject(FILE *f, const struct sim_report__in *in, const struct sim_received *r)
{
	if (r->subject_actor >= 0)
		fputs(sim_report__actor(in->w, r->subject_actor), f);
	else if (r->subject_event)
		fprintf(f, "event %u", (unsigned)r->subject_event);
	else if (r->subject_ptc >= 0)
		fprintf(f, "participant type %d", (int)r->subject_ptc);
	else if (r->subject_phase >= 0)
		fprintf(f, "phase %d", (int)r->subject_phase);
}

static void received(FILE *f, const struct sim_report__in *in)
{
	fputs("## Warnings received\n\n| t (s) | Id | Type | Target | Subject | Rev | Match | "
	      "Expectation | Latency (ms) | Text |\n|---|---|---|---|---|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < in->n_rx; i++) {
		const struct sim_received *r = &in->rx[i];

		fprintf(f, "| %s | %llu | ", num(r->t_s, 2).s, (unsigned long long)r->warning_id);
		if (r->cancel) {
			fprintf(f, "cancelled (reason %u) | | | | | | | |\n", r->cancel_reason);
			continue;
		}
		fprintf(f, "%s | %s | ", sim_warning_name(r->type),
		        sim_report__actor(in->w, r->target));
		rx_subject(f, in, r);
		fprintf(f, " | %u | %s | ", (unsigned)r->revision,
		        sim_report__match_name(in->v->rx_match[i]));
		if (in->v->rx_exp[i] >= 0)
			fprintf(f, "%d", (int)in->v->rx_exp[i]);
		fprintf(f, " | %s | ", num(r->latency_ms, 1).s);
		CELL(f, r->text);
		fputs(" |\n", f);
	}
	if (!in->n_rx)
		fputs("| | | (nothing arrived) | | | | | | | |\n", f);
	fputs("\n", f);
}

static void radio(FILE *f, const struct sim_plan *p)
{
	const struct sim_radio_stats *s = &p->stats;

	fprintf(f, "## Radio\n\n%zu datagrams planned to %zu RSUs.\n\n", p->n, p->n_rsus);
	fputs("| Message | Generated | Lost |\n|---|---|---|\n", f);
	for (unsigned t = 1; t < V2X_MSG_TYPE_COUNT; t++)
		fprintf(f, "| %s | %llu | %llu |\n", sim_report__msg_name(t),
		        (unsigned long long)s->generated[t], (unsigned long long)s->lost[t]);
	fprintf(f,
	        "\nDuplicated %llu, reordered %llu, corrupted %llu, delayed %llu; %llu BSMs "
	        "sent without a position (GNSS outage).\n\n",
	        (unsigned long long)s->duplicated, (unsigned long long)s->reordered,
	        (unsigned long long)s->corrupted, (unsigned long long)s->delayed,
	        (unsigned long long)s->gnss_outage_bsms);
}

static void plots(FILE *f)
{
	fputs("## Plots\n\n"
	      "- [Tracks on the map](tracks.svg): the true tracks, the warnings where their "
	      "target was when they arrived\n"
	      "- [Speed](speed.svg): true speed against the advisory speed of the bends, warnings "
	      "as they arrived\n"
	      "- [Latency](latency.svg): BSM sent to warning received, over the run\n\n"
	      "![tracks](tracks.svg)\n\n![speed](speed.svg)\n\n![latency](latency.svg)\n\n",
	      f);
}

int sim_report__md(const char *path, const struct sim_report__in *in, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return V2X_EIO;
	}
	heading(f, in);
	summary(f, in);
	checks(f, in->v);
	apps(f, in);
	expectations(f, in);
	received(f, in);
	if (in->info && in->info->plan)
		radio(f, in->info->plan);
	plots(f);
	fprintf(f, "%u passed, %u failed\n", in->v->passed, in->v->failed);
	int bad = ferror(f) != 0;
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
