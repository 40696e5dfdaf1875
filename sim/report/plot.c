/*
 * plot: drawing helpers for the report's SVG plots (plot.h).  The file is
 * written through a stream of our own, so that a failed write reports
 * errno rather than cairo's generic status.
 */
#include "sim/report/plot.h"

#include <cairo-svg.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/report/verdict.h"

#define MARGIN_LEFT   72.0
#define MARGIN_TOP    44.0
#define MARGIN_BOTTOM 52.0
#define FONT          "sans-serif"

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	struct sim_plot *p = closure;

	if (fwrite(data, 1, len, p->f) == len)
		return CAIRO_STATUS_SUCCESS;
	if (!p->werr)
		p->werr = errno ? errno : EIO;
	return CAIRO_STATUS_WRITE_ERROR;
}

int sim_plot__open(struct sim_plot *p, const char *path, double w, double h, double legend_w,
                   const char *title, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->f = fopen(path, "w");
	if (!p->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return V2X_EIO;
	}
	p->surface = cairo_svg_surface_create_for_stream(write_cb, p, w, h);
	p->cr = cairo_create(p->surface);
	p->w = w;
	p->h = h;
	p->left = MARGIN_LEFT;
	p->top = MARGIN_TOP;
	p->right = w - legend_w - 16.0;
	p->bottom = h - MARGIN_BOTTOM;
	p->legend_y = p->top + 4.0;
	sim_plot__range(p, 0, 1, 0, 1);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	sim_plot__text(p, w / 2, 12.0, 0.5, 0.0, 15.0, title);
	cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	return 0;
}

int sim_plot__close(struct sim_plot *p, const char *path, char *err, size_t errlen)
{
	cairo_status_t st = cairo_status(p->cr);

	cairo_destroy(p->cr);
	cairo_surface_finish(p->surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(p->surface);
	cairo_surface_destroy(p->surface);
	int bad = st != CAIRO_STATUS_SUCCESS || ferror(p->f);

	if (fclose(p->f) != 0 && !bad) {
		bad = 1;
		p->werr = errno;
	}
	if (!bad)
		return 0;
	if (p->werr)
		snprintf(err, errlen, "%s: %s", path, strerror(p->werr));
	else
		snprintf(err, errlen, "%s: %s", path, cairo_status_to_string(st));
	return V2X_EIO;
}

void sim_plot__range(struct sim_plot *p, double x0, double x1, double y0, double y1)
{
	if (!isfinite(x0) || !isfinite(x1) || !(x1 > x0)) {
		x0 = isfinite(x0) ? x0 - 0.5 : 0.0;
		x1 = x0 + 1.0;
	}
	if (!isfinite(y0) || !isfinite(y1) || !(y1 > y0)) {
		y0 = isfinite(y0) ? y0 - 0.5 : 0.0;
		y1 = y0 + 1.0;
	}
	p->x0 = x0;
	p->x1 = x1;
	p->y0 = y0;
	p->y1 = y1;
}

void sim_plot__equal(struct sim_plot *p)
{
	double sx = (p->right - p->left) / (p->x1 - p->x0);
	double sy = (p->bottom - p->top) / (p->y1 - p->y0);
	double s = fmin(sx, sy);
	double cx = (p->x0 + p->x1) / 2, cy = (p->y0 + p->y1) / 2;
	double hx = (p->right - p->left) / s / 2, hy = (p->bottom - p->top) / s / 2;

	sim_plot__range(p, cx - hx, cx + hx, cy - hy, cy + hy);
}

double sim_plot__px(const struct sim_plot *p, double x)
{
	return p->left + (x - p->x0) / (p->x1 - p->x0) * (p->right - p->left);
}

double sim_plot__py(const struct sim_plot *p, double y)
{
	return p->bottom - (y - p->y0) / (p->y1 - p->y0) * (p->bottom - p->top);
}

void sim_plot__text(struct sim_plot *p, double x, double y, double ha, double va, double size,
                    const char *s)
{
	cairo_text_extents_t e;

	cairo_set_font_size(p->cr, size);
	cairo_text_extents(p->cr, s, &e);
	cairo_move_to(p->cr, x - e.x_bearing - ha * e.width, y - e.y_bearing - va * e.height);
	cairo_show_text(p->cr, s);
	cairo_new_path(p->cr);
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks over r. */
static double tick_step(double r, double n)
{
	double raw = r / n, mag = pow(10.0, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}

static void tick_label(char *buf, size_t cap, double v, double step)
{
	int dec = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (fabs(v) < step * 1e-6)
		v = 0.0;
	snprintf(buf, cap, "%.*f", dec, v);
}

static void ticks_x(struct sim_plot *p)
{
	double step = tick_step(p->x1 - p->x0, 8.0);
	long i1 = (long)floor(p->x1 / step + 1e-9);
	char buf[32];

	for (long i = (long)ceil(p->x0 / step - 1e-9); i <= i1; i++) {
		double v = (double)i * step, x = sim_plot__px(p, v);

		cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
		cairo_move_to(p->cr, x, p->top);
		cairo_line_to(p->cr, x, p->bottom);
		cairo_stroke(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_move_to(p->cr, x, p->bottom);
		cairo_line_to(p->cr, x, p->bottom + 4);
		cairo_stroke(p->cr);
		tick_label(buf, sizeof(buf), v, step);
		sim_plot__text(p, x, p->bottom + 7, 0.5, 0.0, 10.0, buf);
	}
}

static void ticks_y(struct sim_plot *p)
{
	double step = tick_step(p->y1 - p->y0, 6.0);
	long i1 = (long)floor(p->y1 / step + 1e-9);
	char buf[32];

	for (long i = (long)ceil(p->y0 / step - 1e-9); i <= i1; i++) {
		double v = (double)i * step, y = sim_plot__py(p, v);

		cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
		cairo_move_to(p->cr, p->left, y);
		cairo_line_to(p->cr, p->right, y);
		cairo_stroke(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_move_to(p->cr, p->left - 4, y);
		cairo_line_to(p->cr, p->left, y);
		cairo_stroke(p->cr);
		tick_label(buf, sizeof(buf), v, step);
		sim_plot__text(p, p->left - 7, y, 1.0, 0.5, 10.0, buf);
	}
}

void sim_plot__axes(struct sim_plot *p, const char *xlabel, const char *ylabel)
{
	cairo_set_line_width(p->cr, 0.8);
	ticks_x(p);
	ticks_y(p);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_rectangle(p->cr, p->left, p->top, p->right - p->left, p->bottom - p->top);
	cairo_stroke(p->cr);
	sim_plot__text(p, (p->left + p->right) / 2, p->h - 6, 0.5, 1.0, 12.0, xlabel);
	cairo_save(p->cr);
	cairo_translate(p->cr, 14.0, (p->top + p->bottom) / 2);
	cairo_rotate(p->cr, -M_PI / 2);
	sim_plot__text(p, 0, 0, 0.5, 0.5, 12.0, ylabel);
	cairo_restore(p->cr);
}

void sim_plot__clip(struct sim_plot *p)
{
	cairo_save(p->cr);
	cairo_rectangle(p->cr, p->left, p->top, p->right - p->left, p->bottom - p->top);
	cairo_clip(p->cr);
}

void sim_plot__unclip(struct sim_plot *p)
{
	cairo_restore(p->cr);
}

void sim_plot__path(struct sim_plot *p, bool *down, double x, double y, bool ok)
{
	if (!ok || !isfinite(x) || !isfinite(y)) {
		*down = false;
		return;
	}
	if (*down)
		cairo_line_to(p->cr, sim_plot__px(p, x), sim_plot__py(p, y));
	else
		cairo_move_to(p->cr, sim_plot__px(p, x), sim_plot__py(p, y));
	*down = true;
}

void sim_plot__colour(struct sim_plot *p, struct sim_rgb c)
{
	cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
}

void sim_plot__marker(struct sim_plot *p, double x, double y, struct sim_rgb c, bool cross)
{
	cairo_save(p->cr);
	cairo_set_dash(p->cr, NULL, 0, 0);
	if (cross) {
		cairo_set_line_width(p->cr, 2.0);
		sim_plot__colour(p, c);
		cairo_move_to(p->cr, x - 5, y - 5);
		cairo_line_to(p->cr, x + 5, y + 5);
		cairo_move_to(p->cr, x - 5, y + 5);
		cairo_line_to(p->cr, x + 5, y - 5);
		cairo_stroke(p->cr);
	} else {
		cairo_set_line_width(p->cr, 0.8);
		cairo_arc(p->cr, x, y, 4.5, 0, 2 * M_PI);
		sim_plot__colour(p, c);
		cairo_fill_preserve(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_stroke(p->cr);
	}
	cairo_restore(p->cr);
}

struct sim_rgb sim_plot__actor_rgb(size_t i)
{
	static const struct sim_rgb pal[] = {
		{ 0.12, 0.47, 0.71 }, { 0.17, 0.63, 0.17 }, { 0.58, 0.40, 0.74 },
		{ 0.09, 0.75, 0.81 }, { 0.55, 0.34, 0.29 }, { 0.50, 0.50, 0.00 },
		{ 0.00, 0.25, 0.50 }, { 0.40, 0.65, 0.12 },
	};

	return pal[i % (sizeof(pal) / sizeof(pal[0]))];
}

struct sim_rgb sim_plot__type_rgb(unsigned t)
{
	static const struct sim_rgb pal[] = {
		{ 0.5, 0.5, 0.5 },    { 0.84, 0.15, 0.16 }, { 1.0, 0.50, 0.05 },
		{ 0.95, 0.85, 0.10 }, { 0.89, 0.47, 0.76 }, { 0.30, 0.30, 0.30 },
		{ 0.60, 0.85, 1.0 },  { 0.70, 0.0, 0.0 },
	};

	return t < sizeof(pal) / sizeof(pal[0]) ? pal[t] : pal[0];
}

void sim_plot__key(struct sim_plot *p, const char *label, struct sim_rgb c,
                   enum sim_plot_key_kind kind)
{
	double x = p->right + 14.0, y = p->legend_y + 6.0;
	const double dash[] = { 5.0, 3.0 };

	if (kind == SIM_PLOT_MARKER || kind == SIM_PLOT_CROSS) {
		sim_plot__marker(p, x + 10, y, c, kind == SIM_PLOT_CROSS);
	} else {
		cairo_save(p->cr);
		cairo_set_line_width(p->cr, 2.0);
		if (kind == SIM_PLOT_DASHED)
			cairo_set_dash(p->cr, dash, 2, 0);
		sim_plot__colour(p, c);
		cairo_move_to(p->cr, x, y);
		cairo_line_to(p->cr, x + 20, y);
		cairo_stroke(p->cr);
		cairo_restore(p->cr);
	}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	sim_plot__text(p, x + 26, y, 0.0, 0.5, 10.0, label);
	p->legend_y += 16.0;
}

void sim_report_release_fonts(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
