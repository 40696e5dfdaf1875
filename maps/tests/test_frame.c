/* frame: the local frame and heights through PROJ. */
#include <math.h>

#include "maps/frame.h"
#include "runtime/err.h"
#include "tests/check.h"

int main(void)
{
	struct map_frame *f = NULL;
	char proj[256], err[256];
	double lat, lon, x, y, h;
	int rc;

	map_frame_tmerc(29.6, 106.5, proj, sizeof(proj));
	if (!CHECK(map_frame_new(proj, &f, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_exit();
	}
	/* The origin is (0, 0). */
	CHECK_INT_EQ(map_frame_from_wgs84(f, 29.6, 106.5, &x, &y), 0);
	CHECK_DBL_NEAR(x, 0, 1e-6);
	CHECK_DBL_NEAR(y, 0, 1e-6);
	/* 1 km north is 1/110.85 of a degree of latitude near 29.6 N, and on
	 * the central meridian x stays 0. */
	CHECK_INT_EQ(map_frame_to_wgs84(f, 0, 1000, &lat, &lon), 0);
	CHECK_DBL_NEAR((lat - 29.6) * 110850.0, 1000, 2.0);
	CHECK_DBL_NEAR(lon, 106.5, 1e-9);
	/* Round trip 3 km away, to a millimetre. */
	CHECK_INT_EQ(map_frame_to_wgs84(f, 2500, -1700, &lat, &lon), 0);
	CHECK_INT_EQ(map_frame_from_wgs84(f, lat, lon, &x, &y), 0);
	CHECK_DBL_NEAR(x, 2500, 1e-3);
	CHECK_DBL_NEAR(y, -1700, 1e-3);
	/* EGM96 lies about 39 m below the WGS 84 ellipsoid near Chongqing. */
	rc = map_frame_msl_to_ellipsoidal(f, 29.6, 106.5, 300, &h);
	if (rc == V2X_ENOTFOUND) {
		printf("no EGM96 grid (Debian package proj-data): height check skipped\n");
	} else {
		CHECK_INT_EQ(rc, 0);
		printf("300 m above sea level at 29.6 N 106.5 E is %.2f m ellipsoidal\n", h);
		CHECK_DBL_NEAR(h, 261.0, 1.0);
	}
	map_frame_free(f);
	CHECK_INT_EQ(map_frame_new("+proj=nonsense", &f, err, sizeof(err)), V2X_EINVAL);
	printf("bad projection: %s\n", err);
	return check_exit();
}
