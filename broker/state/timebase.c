/*
 * timebase: relative times on the wall clock (timebase.h).
 */
#include "broker/state/timebase.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#define SECOND_US 1000000LL

/* Floor division: times before 1970 are negative. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t brk__place_us(double offset_s, int64_t period_us, int64_t ref_us)
{
	int64_t start = floor_div(ref_us, period_us) * period_us;
	int64_t t = start + (int64_t)llround(offset_s * 1e6);

	if (t - ref_us > period_us / 2)
		t -= period_us;
	else if (ref_us - t > period_us / 2)
		t += period_us;
	return t;
}

/* Start of the UTC year holding t_us, plus `years` years. */
static int64_t year_start_us(int64_t t_us, int years)
{
	time_t s = (time_t)floor_div(t_us, SECOND_US);
	struct tm tm;

	gmtime_r(&s, &tm);
	tm.tm_year += years;
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm) * SECOND_US;
}

int64_t brk__moy_base_us(double moy_s, int64_t ref_us)
{
	int64_t moy = (int64_t)llround(moy_s * 1e6);
	int64_t best = year_start_us(ref_us, -1);

	/* A SPAT sent at 23:59:59 on 31 December may be received in the
	 * new year, and the reverse: try the neighbours too. */
	for (int y = 0; y <= 1; y++) {
		int64_t base = year_start_us(ref_us, y);
		if (llabs(base + moy - ref_us) < llabs(best + moy - ref_us))
			best = base;
	}
	return best;
}
