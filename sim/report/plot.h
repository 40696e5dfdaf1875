/*
 * plot: the drawing helpers of the report's SVG plots (cairo): a canvas
 * with a title, a plot area mapped to a data range, axes with ticks and
 * labels, markers, broken lines and a legend column on the right.
 */
#ifndef V2X_SIM_REPORT_PLOT_H
#define V2X_SIM_REPORT_PLOT_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sim_rgb {
	double r, g, b;
};

struct sim_plot {
	FILE *f;
	int werr; /* errno of the first failed write, 0 */
	cairo_surface_t *surface;
	cairo_t *cr;
	double w, h;                     /* the canvas, pt */
	double left, top, right, bottom; /* the plot area's edges on the canvas */
	double x0, x1, y0, y1;           /* the data range shown */
	double legend_y;                 /* where the next legend entry goes */
};

enum sim_plot_key_kind {
	SIM_PLOT_LINE = 0,
	SIM_PLOT_DASHED = 1,
	SIM_PLOT_MARKER = 2,
	SIM_PLOT_CROSS = 3,
};

/*
 * Creates the SVG file path (w x h pt, a legend column legend_w wide on
 * the right) with title on top.  0, or V2X_EIO with path and why in err
 * (nothing to close then).
 */
int sim_plot__open(struct sim_plot *p, const char *path, double w, double h, double legend_w,
                   const char *title, char *err, size_t errlen);

/* Finishes and closes the file.  0, or V2X_EIO with path and why in err. */
int sim_plot__close(struct sim_plot *p, const char *path, char *err, size_t errlen);

/* Shows [x0, x1] x [y0, y1] (an empty or unknown range is widened). */
void sim_plot__range(struct sim_plot *p, double x0, double x1, double y0, double y1);

/* Widens the range so that a metre is as long on both axes (maps). */
void sim_plot__equal(struct sim_plot *p);

/* Canvas coordinates of data x and y. */
double sim_plot__px(const struct sim_plot *p, double x);
double sim_plot__py(const struct sim_plot *p, double y);

/* Frame, light grid, ticks with their values and the axes' labels. */
void sim_plot__axes(struct sim_plot *p, const char *xlabel, const char *ylabel);

/* Clips drawing to the plot area, until sim_plot__unclip. */
void sim_plot__clip(struct sim_plot *p);
void sim_plot__unclip(struct sim_plot *p);

/* Text at canvas (x, y) aligned by ha (0 left .. 1 right) and va (0 top
 * .. 1 bottom), size pt. */
void sim_plot__text(struct sim_plot *p, double x, double y, double ha, double va, double size,
                    const char *s);

/* Extends the current path to data (x, y) when ok (a line from the point
 * before, if *down), else lifts the pen; for lines with gaps. */
void sim_plot__path(struct sim_plot *p, bool *down, double x, double y, bool ok);

/* A marker at canvas (x, y): a disc with an outline, or a cross. */
void sim_plot__marker(struct sim_plot *p, double x, double y, struct sim_rgb c, bool cross);

void sim_plot__colour(struct sim_plot *p, struct sim_rgb c);

/* The colour of actor i, and of warning type t. */
struct sim_rgb sim_plot__actor_rgb(size_t i);
struct sim_rgb sim_plot__type_rgb(unsigned t);

/* Adds an entry to the legend column. */
void sim_plot__key(struct sim_plot *p, const char *label, struct sim_rgb c,
                   enum sim_plot_key_kind kind);

#endif
