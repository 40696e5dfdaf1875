#include "runtime/clock.h"

#include "runtime/err.h"

#include <stdio.h>
#include <time.h>

/*
 * clock_gettime() cannot fail for these clock ids on Linux, so its result
 * is not checked; a zeroed timespec would be the answer if it ever did.
 */
static struct timespec clock_read(clockid_t id)
{
	struct timespec ts = { 0, 0 };

	clock_gettime(id, &ts);
	return ts;
}

uint64_t v2x_clock_mono_ns(void)
{
	struct timespec ts = clock_read(CLOCK_MONOTONIC);

	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t v2x_clock_wall_us(void)
{
	struct timespec ts = clock_read(CLOCK_REALTIME);

	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t v2x_clock_wall_ms(void)
{
	struct timespec ts = clock_read(CLOCK_REALTIME);

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int v2x_clock_format_iso(int64_t wall_ms, char *buf, size_t len)
{
	/* Floor division, so that -1 ms is 1969-12-31T23:59:59.999Z. */
	int64_t sec = wall_ms / 1000 - (wall_ms % 1000 < 0);
	int ms = (int)(wall_ms - sec * 1000);
	time_t t = (time_t)sec;
	struct tm tm;

	if (len < V2X_CLOCK_ISO_LEN) {
		if (len)
			buf[0] = '\0';
		return V2X_EINVAL;
	}
	buf[0] = '\0';
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return V2X_ERANGE;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return 0;
}
