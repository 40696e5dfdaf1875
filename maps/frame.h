/*
 * frame: the map's local metric frame and WGS84, converted with PROJ.
 *
 * The local frame is a transverse Mercator centred on the deployment (x
 * east, y north, metres), with z the WGS 84 ellipsoidal height (EPSG:4979)
 * unchanged.  Orthometric heights (above mean sea level, EGM96 geoid,
 * EPSG:5773) convert to ellipsoidal ones with the geoid grid of Debian's
 * proj-data.  Every conversion goes through PROJ; none is written by hand.
 *
 * A struct map_frame owns a PROJ context of its own: use one per thread.
 */
#ifndef V2X_MAPS_FRAME_H
#define V2X_MAPS_FRAME_H

#include <stddef.h>

struct map_frame;

/*
 * Writes into buf the PROJ string of the local frame centred on
 * (lat0, lon0): "+proj=tmerc +lat_0=... +lon_0=... +k=1 +x_0=0 +y_0=0
 * +ellps=WGS84 +units=m".
 */
void map_frame_tmerc(double lat0_deg, double lon0_deg, char *buf, size_t len);

/*
 * Makes a frame for the local projection proj (a PROJ string as
 * map_frame_tmerc writes, or anything PROJ takes as a projected CRS).
 * Returns 0 and *out (caller frees with map_frame_free), or V2X_EINVAL with
 * PROJ's reason in err.  The geoid conversion is set up lazily, on first
 * use, so a frame works without the geoid grid.
 */
int map_frame_new(const char *proj, struct map_frame **out, char *err, size_t errlen);

/* Frees frame; accepts NULL. */
void map_frame_free(struct map_frame *frame);

/* Local (x, y) -> WGS84 degrees; z is the same in both.  0 or V2X_ERANGE. */
int map_frame_to_wgs84(struct map_frame *frame, double x, double y, double *lat_deg,
                       double *lon_deg);

/* WGS84 degrees -> local (x, y).  0 or V2X_ERANGE. */
int map_frame_from_wgs84(struct map_frame *frame, double lat_deg, double lon_deg, double *x,
                         double *y);

/*
 * Height above mean sea level (EGM96) at (lat, lon) -> WGS 84 ellipsoidal
 * height.  0, V2X_ENOTFOUND when PROJ lacks the geoid grid (package
 * proj-data), or V2X_ERANGE.
 */
int map_frame_msl_to_ellipsoidal(struct map_frame *frame, double lat_deg, double lon_deg,
                                 double h_msl, double *h_ell);

#endif
