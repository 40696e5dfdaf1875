/* Unit test of runtime/clock. */
#include "runtime/clock.h"
#include "runtime/err.h"

#include "tests/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static void test_monotonic(void)
{
	uint64_t prev = v2x_clock_mono_ns(), later;
	bool ok = true;

	for (int i = 0; i < 100000; i++) {
		uint64_t now = v2x_clock_mono_ns();
		ok = ok && now >= prev;
		prev = now;
	}
	CHECK(ok);
	later = v2x_clock_mono_ns();
	nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	CHECK(v2x_clock_mono_ns() - later >= 2000000);
}

static void test_wall(void)
{
	int64_t us = v2x_clock_wall_us(), ms = v2x_clock_wall_ms();
	time_t t = time(NULL);

	CHECK(llabs(us / 1000000 - (int64_t)t) <= 1);
	CHECK(llabs(ms - us / 1000) <= 1000);
	/* After 2024: a clock that reads zero or nonsense fails here. */
	CHECK(us > INT64_C(1704067200) * 1000000);
}

static void test_format(void)
{
	char buf[V2X_CLOCK_ISO_LEN];
	char small[V2X_CLOCK_ISO_LEN - 1];

	CHECK_INT_EQ(v2x_clock_format_iso(INT64_C(1795693120123), buf, sizeof(buf)), 0);
	CHECK_STR_EQ(buf, "2026-11-26T11:38:40.123Z");
	CHECK_INT_EQ(v2x_clock_format_iso(0, buf, sizeof(buf)), 0);
	CHECK_STR_EQ(buf, "1970-01-01T00:00:00.000Z");
	CHECK_INT_EQ(v2x_clock_format_iso(-1, buf, sizeof(buf)), 0);
	CHECK_STR_EQ(buf, "1969-12-31T23:59:59.999Z");
	CHECK_INT_EQ(v2x_clock_format_iso(INT64_C(253402300799999), buf, sizeof(buf)), 0);
	CHECK_STR_EQ(buf, "9999-12-31T23:59:59.999Z");
	CHECK_INT_EQ(v2x_clock_format_iso(INT64_C(253402300800000), buf, sizeof(buf)), V2X_ERANGE);
	CHECK_INT_EQ(v2x_clock_format_iso(0, small, sizeof(small)), V2X_EINVAL);
	CHECK_STR_EQ(small, "");
	CHECK_INT_EQ(v2x_clock_format_iso(v2x_clock_wall_ms(), buf, sizeof(buf)), 0);
	CHECK_UINT_EQ(strlen(buf), V2X_CLOCK_ISO_LEN - 1);
}

int main(void)
{
	test_monotonic();
	test_wall();
	test_format();
	return check_exit();
}
