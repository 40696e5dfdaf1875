/*
 * plots: the report's three figures (tracks.svg, speed.svg, latency.svg),
 * drawn with the helpers of plot.h.
 */
#include <math.h>
#include <stdio.h>

#include "runtime/err.h"
#include "sim/report/plot.h"
#include "sim/report/report_int.h"

#define LEGEND_W 190.0
#define INSET    170.0 /* the overview map of tracks.svg, pt */
#define TRACK_DT 0.1   /* s between the points of a drawn line */

static const struct sim_rgb GREY = { 0.72, 0.72, 0.72 };
static const struct sim_rgb BLACK = { 0, 0, 0 };

/* Steps between drawn points: every TRACK_DT of the trace. */
static size_t stride(const struct sim_world *w)
{
	double k = w->step_s > 0 ? round(TRACK_DT / w->step_s) : 1.0;

	return k >= 1.0 ? (size_t)k : 1;
}

static const struct sim_truth *at(const struct sim_world *w, size_t a, size_t k)
{
	return &w->truth[a * w->n_steps + k];
}

static void title(char *buf, size_t cap, const char *what, const struct sim_world *w)
{
	snprintf(buf, cap, "%s: %s", what, w->sc ? w->sc->name : "?");
}

/* Which warning types arrived (first issues), and whether any was a
 * false positive. */
static bool types_seen(const struct sim_report__in *in, bool seen[SIM_W_COUNT])
{
	bool fp = false;

	for (unsigned t = 0; t < SIM_W_COUNT; t++)
		seen[t] = false;
	for (size_t i = 0; i < in->n_rx; i++) {
		if (!sim_report__first_issue(&in->rx[i]))
			continue;
		seen[in->rx[i].type < SIM_W_COUNT ? in->rx[i].type : 0] = true;
		fp |= in->v->rx_match[i] == SIM_MATCH_FP;
	}
	return fp;
}

static void type_keys(struct sim_plot *p, const struct sim_report__in *in)
{
	bool seen[SIM_W_COUNT];
	bool fp = types_seen(in, seen);

	for (unsigned t = 0; t < SIM_W_COUNT; t++)
		if (seen[t])
			sim_plot__key(p, t ? sim_warning_name(t) : "other type",
			              sim_plot__type_rgb(t), SIM_PLOT_MARKER);
	if (fp)
		sim_plot__key(p, "false positive", BLACK, SIM_PLOT_CROSS);
}

/* ---- tracks.svg ---- */

struct box {
	double x0, x1, y0, y1;
};

static void box_add(struct box *b, double x, double y)
{
	if (!isfinite(x) || !isfinite(y))
		return;
	b->x0 = fmin(b->x0, x);
	b->x1 = fmax(b->x1, x);
	b->y0 = fmin(b->y0, y);
	b->y1 = fmax(b->y1, y);
}

static struct box box_empty(void)
{
	return (struct box){ INFINITY, -INFINITY, INFINITY, -INFINITY };
}

static struct box map_box(const struct map_model *m)
{
	struct box b = box_empty();

	for (size_t l = 0; m && l < m->n_lanes; l++)
		for (size_t i = 0; i < m->lanes[l].n_points; i++)
			box_add(&b, m->lanes[l].points[i].x, m->lanes[l].points[i].y);
	return b;
}

/* The view: the actors' tracks with room around them (at least 300 m
 * across), or the whole map when no actor ever appeared. */
static struct box track_box(const struct sim_report__in *in)
{
	const struct sim_world *w = in->w;
	struct box b = box_empty();

	for (size_t a = 0; a < w->n_actors; a++)
		for (size_t k = 0; k < w->n_steps; k += stride(w))
			if (at(w, a, k)->present)
				box_add(&b, at(w, a, k)->x, at(w, a, k)->y);
	if (!(b.x1 >= b.x0))
		return map_box(in->m);
	double pad = fmax(60.0, 0.1 * fmax(b.x1 - b.x0, b.y1 - b.y0));
	double cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
	double hx = fmax(150.0, (b.x1 - b.x0) / 2 + pad), hy = fmax(150.0, (b.y1 - b.y0) / 2 + pad);

	return (struct box){ cx - hx, cx + hx, cy - hy, cy + hy };
}

/* Every lane, thin grey; points far outside the view lift the pen so
 * that the file holds only what can be seen. */
static void draw_lanes(struct sim_plot *p, const struct map_model *m, double width)
{
	double mx = (p->x1 - p->x0) * 0.2, my = (p->y1 - p->y0) * 0.2;

	cairo_set_line_width(p->cr, width);
	sim_plot__colour(p, GREY);
	for (size_t l = 0; m && l < m->n_lanes; l++) {
		bool down = false;

		for (size_t i = 0; i < m->lanes[l].n_points; i++) {
			const struct map_xyz *q = &m->lanes[l].points[i];
			bool in = q->x >= p->x0 - mx && q->x <= p->x1 + mx && q->y >= p->y0 - my &&
			          q->y <= p->y1 + my;

			sim_plot__path(p, &down, q->x, q->y, in);
		}
		cairo_stroke(p->cr);
	}
}

static void draw_tracks(struct sim_plot *p, const struct sim_world *w)
{
	for (size_t a = 0; a < w->n_actors; a++) {
		bool down = false, labelled = false;

		cairo_set_line_width(p->cr, 2.0);
		sim_plot__colour(p, sim_plot__actor_rgb(a));
		for (size_t k = 0; k < w->n_steps; k += stride(w)) {
			const struct sim_truth *t = at(w, a, k);

			sim_plot__path(p, &down, t->x, t->y, t->present);
		}
		cairo_stroke(p->cr);
		for (size_t k = 0; k < w->n_steps && !labelled; k++) {
			const struct sim_truth *t = at(w, a, k);
			double x = sim_plot__px(p, t->x), y = sim_plot__py(p, t->y);

			if (!t->present)
				continue;
			labelled = true;
			cairo_arc(p->cr, x, y, 3.0, 0, 2 * M_PI);
			cairo_fill(p->cr);
			sim_plot__text(p, x + 5, y - 3, 0.0, 1.0, 11.0,
			               sim_report__actor(w, (int32_t)a));
		}
	}
}

/* Each first issue where its target truly was when it arrived. */
static void draw_warnings_xy(struct sim_plot *p, const struct sim_report__in *in)
{
	for (size_t i = 0; i < in->n_rx; i++) {
		const struct sim_received *r = &in->rx[i];
		const struct sim_truth *t = sim_report__truth(in->w, r->target, r->t_s);

		if (!sim_report__first_issue(r) || !t)
			continue;
		double x = sim_plot__px(p, t->x), y = sim_plot__py(p, t->y);

		sim_plot__marker(p, x, y, sim_plot__type_rgb(r->type < SIM_W_COUNT ? r->type : 0),
		                 false);
		if (in->v->rx_match[i] == SIM_MATCH_FP)
			sim_plot__marker(p, x, y, BLACK, true);
	}
}

/* The whole map, small, below the legend, with the view outlined. */
static void draw_inset(struct sim_plot *p, const struct map_model *m, struct box view)
{
	struct sim_plot in = *p;
	struct box b = map_box(m);

	if (!m || !(b.x1 > b.x0))
		return;
	in.left = p->right + 14.0;
	in.right = in.left + INSET;
	in.top = fmax(p->legend_y + 24.0, p->bottom - INSET);
	in.bottom = in.top + INSET;
	if (in.bottom > p->bottom + 1.0)
		return;
	sim_plot__range(&in, b.x0, b.x1, b.y0, b.y1);
	sim_plot__equal(&in);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	sim_plot__text(&in, in.left, in.top - 4, 0.0, 1.0, 10.0, "the whole map");
	cairo_set_line_width(p->cr, 0.6);
	cairo_rectangle(p->cr, in.left, in.top, INSET, INSET);
	cairo_stroke(p->cr);
	draw_lanes(&in, m, 0.8);
	cairo_set_source_rgb(p->cr, 0.84, 0.15, 0.16);
	cairo_set_line_width(p->cr, 1.2);
	cairo_rectangle(p->cr, sim_plot__px(&in, view.x0), sim_plot__py(&in, view.y1),
	                sim_plot__px(&in, view.x1) - sim_plot__px(&in, view.x0),
	                sim_plot__py(&in, view.y0) - sim_plot__py(&in, view.y1));
	cairo_stroke(p->cr);
}

int sim_report__tracks(const char *path, const struct sim_report__in *in, char *err, size_t errlen)
{
	struct sim_plot p;
	struct box view = track_box(in);
	char t[160];
	int rc;

	title(t, sizeof(t), "Tracks on the map", in->w);
	rc = sim_plot__open(&p, path, 960, 720, LEGEND_W, t, err, errlen);
	if (rc)
		return rc;
	sim_plot__range(&p, view.x0, view.x1, view.y0, view.y1);
	sim_plot__equal(&p);
	sim_plot__axes(&p, "x east, local frame (m)", "y north, local frame (m)");
	sim_plot__clip(&p);
	draw_lanes(&p, in->m, 0.7);
	draw_tracks(&p, in->w);
	draw_warnings_xy(&p, in);
	sim_plot__unclip(&p);
	for (size_t a = 0; a < in->w->n_actors; a++)
		sim_plot__key(&p, sim_report__actor(in->w, (int32_t)a), sim_plot__actor_rgb(a),
		              SIM_PLOT_LINE);
	sim_plot__key(&p, "lanes of the map", GREY, SIM_PLOT_LINE);
	type_keys(&p, in);
	draw_inset(&p, in->m, (struct box){ p.x0, p.x1, p.y0, p.y1 });
	return sim_plot__close(&p, path, err, errlen);
}

/* ---- speed.svg ---- */

/* The advisory speed of the curve actor a is on, or of the next one
 * within SIM_REPORT_APPROACH_M ahead on its route; NaN when none. */
static double advisory_at(const struct sim_world *w, const struct map_model *m, size_t a,
                          double route_s)
{
	const struct sim_actor *act = &w->sc->actors[a];
	double first = INFINITY, adv = NAN;

	for (size_t i = 0; i < act->n_route; i++) {
		double base = w->route_lane_s0[w->route_off[a] + i];

		for (size_t c = 0; c < m->n_curves; c++) {
			const struct map_curve *cv = &m->curves[c];
			double s0 = base + cv->s0, s1 = base + cv->s1;

			if (cv->lane_id != act->route[i] || !isfinite(cv->advisory_mps) ||
			    route_s > s1 || route_s < s0 - SIM_REPORT_APPROACH_M || s0 >= first)
				continue;
			first = s0;
			adv = cv->advisory_mps;
		}
	}
	return adv;
}

static bool has_routes(const struct sim_report__in *in)
{
	return in->m && in->w->sc && in->w->route_off && in->w->route_lane_s0 &&
	       in->w->sc->n_actors >= in->w->n_actors;
}

static double speed_top(const struct sim_report__in *in)
{
	const struct sim_world *w = in->w;
	double top = 20.0;

	for (size_t a = 0; a < w->n_actors; a++)
		for (size_t k = 0; k < w->n_steps; k += stride(w))
			if (at(w, a, k)->present)
				top = fmax(top, at(w, a, k)->speed_mps * 3.6);
	for (size_t c = 0; in->m && c < in->m->n_curves; c++)
		if (isfinite(in->m->curves[c].advisory_mps))
			top = fmax(top, in->m->curves[c].advisory_mps * 3.6);
	return top * 1.1;
}

static void draw_speeds(struct sim_plot *p, const struct sim_report__in *in)
{
	const struct sim_world *w = in->w;
	const double dash[] = { 6.0, 3.0 };

	for (size_t a = 0; a < w->n_actors; a++) {
		bool down = false;

		sim_plot__colour(p, sim_plot__actor_rgb(a));
		cairo_set_line_width(p->cr, 1.8);
		cairo_set_dash(p->cr, NULL, 0, 0);
		for (size_t k = 0; k < w->n_steps; k += stride(w))
			sim_plot__path(p, &down, (double)k * w->step_s,
			               at(w, a, k)->speed_mps * 3.6, at(w, a, k)->present);
		cairo_stroke(p->cr);
		if (!has_routes(in))
			continue;
		down = false;
		cairo_set_line_width(p->cr, 1.2);
		cairo_set_dash(p->cr, dash, 2, 0);
		for (size_t k = 0; k < w->n_steps; k += stride(w)) {
			const struct sim_truth *t = at(w, a, k);
			double adv = t->present ? advisory_at(w, in->m, a, t->route_s) : NAN;

			sim_plot__path(p, &down, (double)k * w->step_s, adv * 3.6, t->present);
		}
		cairo_stroke(p->cr);
	}
	cairo_set_dash(p->cr, NULL, 0, 0);
}

static void draw_arrivals(struct sim_plot *p, const struct sim_report__in *in)
{
	for (size_t i = 0; i < in->n_rx; i++) {
		const struct sim_received *r = &in->rx[i];
		const struct sim_truth *t = sim_report__truth(in->w, r->target, r->t_s);

		if (!sim_report__first_issue(r) || !t)
			continue;
		double x = sim_plot__px(p, r->t_s), y = sim_plot__py(p, t->speed_mps * 3.6);

		sim_plot__marker(p, x, y, sim_plot__type_rgb(r->type < SIM_W_COUNT ? r->type : 0),
		                 false);
		if (in->v->rx_match[i] == SIM_MATCH_FP)
			sim_plot__marker(p, x, y, BLACK, true);
	}
}

static double run_end(const struct sim_world *w)
{
	return w->n_steps ? (double)(w->n_steps - 1) * w->step_s : 1.0;
}

int sim_report__speed(const char *path, const struct sim_report__in *in, char *err, size_t errlen)
{
	struct sim_plot p;
	char t[160];
	int rc;

	title(t, sizeof(t), "Speed and the bends' advisory speed", in->w);
	rc = sim_plot__open(&p, path, 960, 520, LEGEND_W, t, err, errlen);
	if (rc)
		return rc;
	sim_plot__range(&p, 0, run_end(in->w), 0, speed_top(in));
	sim_plot__axes(&p, "run time (s)", "speed (km/h)");
	sim_plot__clip(&p);
	draw_speeds(&p, in);
	draw_arrivals(&p, in);
	sim_plot__unclip(&p);
	for (size_t a = 0; a < in->w->n_actors; a++)
		sim_plot__key(&p, sim_report__actor(in->w, (int32_t)a), sim_plot__actor_rgb(a),
		              SIM_PLOT_LINE);
	sim_plot__key(&p, "bend advisory (dashed)", GREY, SIM_PLOT_DASHED);
	type_keys(&p, in);
	return sim_plot__close(&p, path, err, errlen);
}

/* ---- latency.svg ---- */

static void hline(struct sim_plot *p, double v, struct sim_rgb c, const char *label)
{
	const double dash[] = { 6.0, 3.0 };
	char buf[64];

	if (!isfinite(v))
		return;
	cairo_save(p->cr);
	cairo_set_line_width(p->cr, 1.2);
	cairo_set_dash(p->cr, dash, 2, 0);
	sim_plot__colour(p, c);
	cairo_move_to(p->cr, p->left, sim_plot__py(p, v));
	cairo_line_to(p->cr, p->right, sim_plot__py(p, v));
	cairo_stroke(p->cr);
	snprintf(buf, sizeof(buf), "%s %.1f ms", label, v);
	sim_plot__text(p, p->right - 4, sim_plot__py(p, v) - 3, 1.0, 1.0, 10.0, buf);
	cairo_restore(p->cr);
}

static void draw_latencies(struct sim_plot *p, const struct sim_report__in *in)
{
	for (size_t i = 0; i < in->n_rx; i++) {
		const struct sim_received *r = &in->rx[i];

		if (!sim_report__first_issue(r) || isnan(r->latency_ms))
			continue;
		double x = sim_plot__px(p, r->t_s), y = sim_plot__py(p, r->latency_ms);

		sim_plot__marker(p, x, y, sim_plot__type_rgb(r->type < SIM_W_COUNT ? r->type : 0),
		                 false);
		if (in->v->rx_match[i] == SIM_MATCH_FP)
			sim_plot__marker(p, x, y, BLACK, true);
	}
}

int sim_report__latency(const char *path, const struct sim_report__in *in, char *err, size_t errlen)
{
	const struct sim_verdict *v = in->v;
	double limit = in->w->sc ? in->w->sc->thresholds.latency_p99_ms_max : NAN;
	double top = 10.0;
	struct sim_plot p;
	char t[160];
	int rc;

	if (v->latency_n)
		top = fmax(top, v->latency_max_ms);
	if (isfinite(limit))
		top = fmax(top, limit);
	title(t, sizeof(t), "Latency, BSM sent to warning received", in->w);
	rc = sim_plot__open(&p, path, 960, 460, LEGEND_W, t, err, errlen);
	if (rc)
		return rc;
	sim_plot__range(&p, 0, run_end(in->w), 0, top * 1.15);
	sim_plot__axes(&p, "arrival, run time (s)", "latency (ms)");
	sim_plot__clip(&p);
	draw_latencies(&p, in);
	hline(&p, v->latency_p99_ms, BLACK, "p99");
	hline(&p, limit, (struct sim_rgb){ 0.84, 0.15, 0.16 }, "limit");
	sim_plot__unclip(&p);
	if (!v->latency_n)
		sim_plot__text(&p, (p.left + p.right) / 2, (p.top + p.bottom) / 2, 0.5, 0.5, 14.0,
		               "no latency measured");
	type_keys(&p, in);
	sim_plot__key(&p, "p99", BLACK, SIM_PLOT_DASHED);
	if (isfinite(limit))
		sim_plot__key(&p, "limit", (struct sim_rgb){ 0.84, 0.15, 0.16 }, SIM_PLOT_DASHED);
	return sim_plot__close(&p, path, err, errlen);
}
