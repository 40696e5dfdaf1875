/*
 * drive: a vehicle on the hairpin road, a BSM every 0.1 s with 1.5 m of
 * Gaussian GNSS noise on each axis, keeps its lane at every step thanks to
 * the hint, up and down, even with no heading in its BSMs; without the
 * hint the noise throws it onto the other direction's lane again and again.
 */
#include "maps/index/index.h"
#include "maps/index/tests/fieldcheck.h"
#include "maps/index/tests/synth.h"
#include "tests/check.h"

static const uint32_t up[] = { SYNTH_HP_UP_A, SYNTH_HP_UP_BEND, SYNTH_HP_UP_B };
static const uint32_t down[] = { SYNTH_HP_DOWN_B, SYNTH_HP_DOWN_BEND, SYNTH_HP_DOWN_A };

static struct fieldcheck_drive_result drive(const struct map_index *idx, const uint32_t *route,
                                            struct fieldcheck_drive opt, const char *what)
{
	struct fieldcheck_drive_result res = { 0 };

	CHECK_INT_EQ(fieldcheck_drive(idx, route, 3, &opt, &res), 0);
	printf("%s: %zu BSMs, %zu on a wrong lane, %zu lane switches, %zu off map\n", what,
	       res.steps, res.wrong, res.jumps, res.off_map);
	return res;
}

static void check_route(const struct map_index *idx, const uint32_t *route, const char *name)
{
	/* 8 m/s, the speed of a car in a hairpin; the seed makes the noise
	 * the same on every run. */
	struct fieldcheck_drive opt = { .seed = 20261126,
		                        .speed_mps = 8,
		                        .sigma_m = 1.5,
		                        .z_sigma_m = -1,
		                        .head_sigma_deg = -1,
		                        .hint = true,
		                        .verbose = true };
	struct fieldcheck_drive_result res;
	char what[64];

	snprintf(what, sizeof(what), "%s, no heading, no z, hint", name);
	res = drive(idx, route, opt, what);
	CHECK(res.steps > 500);
	CHECK_UINT_EQ(res.wrong, 0);
	CHECK_UINT_EQ(res.jumps, 0);
	CHECK_UINT_EQ(res.off_map, 0);
	opt.z_sigma_m = 1.0;
	opt.head_sigma_deg = 3.0;
	snprintf(what, sizeof(what), "%s, heading and z, hint", name);
	res = drive(idx, route, opt, what);
	CHECK_UINT_EQ(res.wrong + res.jumps + res.off_map, 0);
	opt.z_sigma_m = -1;
	opt.head_sigma_deg = -1;
	opt.hint = false;
	opt.verbose = false;
	snprintf(what, sizeof(what), "%s, no heading, no z, no hint", name);
	res = drive(idx, route, opt, what);
	CHECK(res.wrong > 10);
}

int main(void)
{
	struct synth_map sm;
	struct map_index *idx = NULL;
	char err[200] = "";

	if (!CHECK(synth_build(&sm, 1) == 0))
		return check_exit();
	if (!CHECK(map_index_new(&sm.model, &idx, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_exit();
	}
	synth_fini(&sm);
	check_route(idx, up, "up the hairpin");
	check_route(idx, down, "down the hairpin");
	map_index_free(idx);
	return check_exit();
}
