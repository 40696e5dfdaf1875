/* Unit test of runtime/err: the table, its names and messages, the index mapping. */
#include "runtime/err.h"

#include "tests/check.h"

#include <errno.h>

static void test_table_distinct(void)
{
	for (int i = 0; i < V2X_ERR_COUNT; i++) {
		int a = -(i + 1);
		CHECK_INT_EQ(v2x_err_index(a), i);
		CHECK(strcmp(v2x_err_name(a), "UNKNOWN") != 0);
		CHECK(strcmp(v2x_strerror(a), "unknown error") != 0);
		CHECK(v2x_strerror(a)[0] != '\0');
		for (int j = 0; j < i; j++) {
			int b = -(j + 1);
			if (strcmp(v2x_err_name(a), v2x_err_name(b)) == 0 ||
			    strcmp(v2x_strerror(a), v2x_strerror(b)) == 0)
				CHECK_INT_EQ(a, b); /* prints the two codes that collide */
		}
	}
}

static void test_names(void)
{
	CHECK_STR_EQ(v2x_err_name(V2X_OK), "OK");
	CHECK_STR_EQ(v2x_strerror(V2X_OK), "success");
	CHECK_STR_EQ(v2x_err_name(V2X_ENOMEM), "NOMEM");
	CHECK_STR_EQ(v2x_err_name(V2X_ETRUNCATED), "TRUNCATED");
	CHECK_STR_EQ(v2x_err_name(V2X_ECHILD), "CHILD");
	CHECK_STR_EQ(v2x_strerror(V2X_ENOMEM), "out of memory");
	CHECK_STR_EQ(v2x_err_name(-(V2X_ERR_COUNT + 1)), "UNKNOWN");
	CHECK_STR_EQ(v2x_err_name(5), "UNKNOWN");
	CHECK_STR_EQ(v2x_strerror(-1000), "unknown error");
}

static void test_index(void)
{
	CHECK_INT_EQ(V2X_ENOMEM, -1);
	CHECK_INT_EQ(v2x_err_index(V2X_ENOMEM), 0);
	CHECK_INT_EQ(v2x_err_index(0), -1);
	CHECK_INT_EQ(v2x_err_index(1), -1);
	CHECK_INT_EQ(v2x_err_index(-V2X_ERR_COUNT), V2X_ERR_COUNT - 1);
	CHECK_INT_EQ(v2x_err_index(-V2X_ERR_COUNT - 1), -1);
}

static void test_errno(void)
{
	CHECK_INT_EQ(v2x_err_from_errno(0), V2X_OK);
	CHECK_INT_EQ(v2x_err_from_errno(ENOMEM), V2X_ENOMEM);
	CHECK_INT_EQ(v2x_err_from_errno(EINVAL), V2X_EINVAL);
	CHECK_INT_EQ(v2x_err_from_errno(ENOENT), V2X_ENOTFOUND);
	CHECK_INT_EQ(v2x_err_from_errno(ETIMEDOUT), V2X_ETIMEOUT);
	CHECK_INT_EQ(v2x_err_from_errno(EIO), V2X_EIO);
	CHECK_INT_EQ(v2x_err_from_errno(EPERM), V2X_ESYS);
}

int main(void)
{
	test_table_distinct();
	test_names();
	test_index();
	test_errno();
	return check_exit();
}
