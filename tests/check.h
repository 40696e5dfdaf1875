/*
 * check: assertions for the project's tests.  A failed check prints where
 * it failed and both values, then counts the failure; the test goes on so
 * that one run shows every failure.  A test's main() ends with
 * `return check_exit();` (0 when every check passed, 1 otherwise).
 *
 * Header-only so that every test program gets its own counter without
 * linking a test library.
 */
#ifndef V2X_TESTS_CHECK_H
#define V2X_TESTS_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Exit status that meson counts as a skipped test. */
#define CHECK_SKIP 77

static int check_failures;

static inline int check_exit(void)
{
	if (check_failures)
		fprintf(stderr, "%d check(s) failed\n", check_failures);
	return check_failures ? 1 : 0;
}

static inline bool check_fail_(const char *file, int line)
{
	check_failures++;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	return false;
}

#define CHECK(cond) \
	((cond) ? true : (check_fail_(__FILE__, __LINE__), fprintf(stderr, "%s\n", #cond), false))

#define CHECK_INT_EQ(a, b)                                                                       \
	do {                                                                                     \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                  \
		if (check_a_ != check_b_) {                                                      \
			check_fail_(__FILE__, __LINE__);                                         \
			fprintf(stderr, "%s == %s: %lld != %lld\n", #a, #b, check_a_, check_b_); \
		}                                                                                \
	} while (0)

#define CHECK_UINT_EQ(a, b)                                                                      \
	do {                                                                                     \
		unsigned long long check_a_ = (unsigned long long)(a);                           \
		unsigned long long check_b_ = (unsigned long long)(b);                           \
		if (check_a_ != check_b_) {                                                      \
			check_fail_(__FILE__, __LINE__);                                         \
			fprintf(stderr, "%s == %s: %llu != %llu\n", #a, #b, check_a_, check_b_); \
		}                                                                                \
	} while (0)

/* Equal within tol; two NaNs are equal. */
#define CHECK_DBL_NEAR(a, b, tol)                                                            \
	do {                                                                                 \
		double check_a_ = (a), check_b_ = (b);                                       \
		if (!(isnan(check_a_) && isnan(check_b_)) &&                                 \
		    !(fabs(check_a_ - check_b_) <= (tol))) {                                 \
			check_fail_(__FILE__, __LINE__);                                     \
			fprintf(stderr, "%s == %s: %.10g != %.10g (tolerance %g)\n", #a, #b, \
			        check_a_, check_b_, (double)(tol));                          \
		}                                                                            \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                                       \
	do {                                                                                     \
		const char *check_a_ = (a), *check_b_ = (b);                                     \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                 \
			check_fail_(__FILE__, __LINE__);                                         \
			fprintf(stderr, "%s == %s: \"%s\" != \"%s\"\n", #a, #b,                  \
			        check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
		}                                                                                \
	} while (0)

#define CHECK_MEM_EQ(a, b, n)                                                                  \
	do {                                                                                   \
		if (memcmp((a), (b), (n)) != 0) {                                              \
			check_fail_(__FILE__, __LINE__);                                       \
			fprintf(stderr, "%s and %s differ in their first %zu bytes\n", #a, #b, \
			        (size_t)(n));                                                  \
		}                                                                              \
	} while (0)

#endif
