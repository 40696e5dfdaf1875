#include "maps/frame.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"

struct map_frame {
	PJ_CONTEXT *ctx;
	PJ *local;     /* WGS84 (lat, lon) <-> local (x, y), lon/lat order normalised */
	PJ *geoid;     /* WGS84 + EGM96 height -> WGS84 ellipsoidal, made on first use */
	int geoid_err; /* why it could not be made, once tried */
};

void map_frame_tmerc(double lat0_deg, double lon0_deg, char *buf, size_t len)
{
	snprintf(buf, len,
	         "+proj=tmerc +lat_0=%.7f +lon_0=%.7f +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m",
	         lat0_deg, lon0_deg);
}

/* PROJ's transformation between crs_a and crs_b, axes in lon/lat (x, y)
 * order whatever the CRS definitions say. */
static PJ *make_transform(PJ_CONTEXT *ctx, const char *crs_a, const char *crs_b)
{
	PJ *raw = proj_create_crs_to_crs(ctx, crs_a, crs_b, NULL);
	PJ *norm;

	if (!raw)
		return NULL;
	norm = proj_normalize_for_visualization(ctx, raw);
	proj_destroy(raw);
	return norm;
}

int map_frame_new(const char *proj, struct map_frame **out, char *err, size_t errlen)
{
	struct map_frame *f = calloc(1, sizeof(*f));
	char crs[512];

	*out = NULL;
	if (!f)
		return V2X_ENOMEM;
	f->ctx = proj_context_create();
	/* PROJ needs "+type=crs" to take a +proj string as a CRS. */
	snprintf(crs, sizeof(crs), "%s%s", proj, strstr(proj, "+type=crs") ? "" : " +type=crs");
	f->local = f->ctx ? make_transform(f->ctx, "EPSG:4326", crs) : NULL;
	if (!f->local) {
		snprintf(err, errlen, "PROJ cannot use '%s': %s", proj,
		         f->ctx ? proj_context_errno_string(f->ctx, proj_context_errno(f->ctx))
		                : "no PROJ context");
		map_frame_free(f);
		return V2X_EINVAL;
	}
	*out = f;
	return 0;
}

void map_frame_free(struct map_frame *f)
{
	if (!f)
		return;
	proj_destroy(f->geoid);
	proj_destroy(f->local);
	proj_context_destroy(f->ctx);
	free(f);
}

static int transform(PJ *p, PJ_DIRECTION dir, double a, double b, double c, double *ra, double *rb,
                     double *rc)
{
	PJ_COORD in = proj_coord(a, b, c, 0), r;

	r = proj_trans(p, dir, in);
	if (!isfinite(r.xyz.x) || !isfinite(r.xyz.y) || (rc && !isfinite(r.xyz.z)))
		return V2X_ERANGE;
	*ra = r.xyz.x;
	*rb = r.xyz.y;
	if (rc)
		*rc = r.xyz.z;
	return 0;
}

int map_frame_to_wgs84(struct map_frame *f, double x, double y, double *lat_deg, double *lon_deg)
{
	return transform(f->local, PJ_INV, x, y, 0, lon_deg, lat_deg, NULL);
}

int map_frame_from_wgs84(struct map_frame *f, double lat_deg, double lon_deg, double *x, double *y)
{
	return transform(f->local, PJ_FWD, lon_deg, lat_deg, 0, x, y, NULL);
}

int map_frame_msl_to_ellipsoidal(struct map_frame *f, double lat_deg, double lon_deg, double h_msl,
                                 double *h_ell)
{
	double lon, lat;

	if (!f->geoid && !f->geoid_err) {
		f->geoid = make_transform(f->ctx, "EPSG:4326+5773", "EPSG:4979");
		if (!f->geoid)
			f->geoid_err = V2X_ENOTFOUND;
	}
	if (!f->geoid)
		return f->geoid_err;
	/* Without its grid PROJ would return the height unchanged, or
	 * infinity; only a height that moved is a real conversion. */
	if (transform(f->geoid, PJ_FWD, lon_deg, lat_deg, h_msl, &lon, &lat, h_ell) != 0)
		return V2X_ENOTFOUND;
	return fabs(*h_ell - h_msl) > 1e-9 ? 0 : V2X_ENOTFOUND;
}
