/* Unit test of runtime/ratelimit, driven with made-up times. */
#include "runtime/ratelimit.h"

#include "tests/check.h"

#define SEC UINT64_C(1000000000)

static void test_bucket(void)
{
	struct v2x_ratelimit rl;
	uint64_t skipped = 99, t0 = 5 * SEC;

	v2x_ratelimit_init(&rl, 3, SEC);
	CHECK(v2x_ratelimit_allow(&rl, t0, &skipped));
	CHECK_UINT_EQ(skipped, 0);
	CHECK(v2x_ratelimit_allow(&rl, t0, NULL));
	CHECK(v2x_ratelimit_allow(&rl, t0 + 1, NULL));
	CHECK(!v2x_ratelimit_allow(&rl, t0 + 2, &skipped));
	CHECK(!v2x_ratelimit_allow(&rl, t0 + SEC / 2, &skipped));
	/* One interval after the start earns one token. */
	CHECK(v2x_ratelimit_allow(&rl, t0 + SEC, &skipped));
	CHECK_UINT_EQ(skipped, 2);
	CHECK(!v2x_ratelimit_allow(&rl, t0 + SEC + 1, &skipped));
	/* The refusal at 1 s + 1 ns did not restart the interval. */
	CHECK(v2x_ratelimit_allow(&rl, t0 + 2 * SEC, &skipped));
	CHECK_UINT_EQ(skipped, 1);
	/* Long quiet: the bucket is full again, and holds no more than burst. */
	for (int i = 0; i < 3; i++)
		CHECK(v2x_ratelimit_allow(&rl, t0 + 100 * SEC, &skipped));
	CHECK_UINT_EQ(skipped, 0);
	CHECK(!v2x_ratelimit_allow(&rl, t0 + 100 * SEC, &skipped));
}

static void test_edges(void)
{
	struct v2x_ratelimit rl;
	uint64_t skipped = 7;

	v2x_ratelimit_init(&rl, 0, SEC);
	CHECK_UINT_EQ(rl.burst, 1);
	CHECK(v2x_ratelimit_allow(&rl, 10 * SEC, NULL));
	CHECK(!v2x_ratelimit_allow(&rl, 10 * SEC, NULL));
	/* Time that goes backwards earns nothing. */
	CHECK(!v2x_ratelimit_allow(&rl, 1 * SEC, NULL));
	CHECK(!v2x_ratelimit_allow(&rl, 1 * SEC + SEC / 2, NULL));
	CHECK(v2x_ratelimit_allow(&rl, 2 * SEC, &skipped));
	CHECK_UINT_EQ(skipped, 3);

	v2x_ratelimit_init(&rl, 1, 0);
	for (int i = 0; i < 1000; i++)
		CHECK(v2x_ratelimit_allow(&rl, 0, &skipped));
	CHECK_UINT_EQ(skipped, 0);
}

int main(void)
{
	test_bucket();
	test_edges();
	return check_exit();
}
