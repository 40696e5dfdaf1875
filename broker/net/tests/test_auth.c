/*
 * test_auth: the credential table: parsing (and the line of each error),
 * checks of role, token and id, and the subscriber's scope.
 */
#include <string.h>

#include "broker/net/auth.h"
#include "runtime/err.h"
#include "tests/check.h"

static const char table[] = "# operator's tokens\n"
                            "\n"
                            "agent a1 rsu-1,rsu-2\n"
                            "subscriber s1 oem-a vehicle=0102030405060708 box=29,105,30,107\n"
                            "subscriber s2 oem-b box=-10,170,10,-170\r\n"
                            "subscriber s3 oem-c\n";

static int check(const struct brk_auth *a, int role, const char *id, const char *tok,
                 struct brk_principal *p)
{
	char why[256];

	return brk_auth_check(a, (enum brk_role)role, id, (const uint8_t *)tok, strlen(tok), p, why,
	                      sizeof(why));
}

static void test_checks(void)
{
	static const uint8_t v1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, v2[8] = { 9 };
	struct brk_principal p;
	struct brk_auth *a;
	char err[256];

	if (!CHECK(brk_auth_parse(table, &a, err, sizeof(err)) == 0))
		return;
	CHECK_UINT_EQ(brk_auth_count(a), 4);
	CHECK_INT_EQ(check(a, BRK_ROLE_AGENT, "rsu-2", "a1", &p), 0);
	CHECK_STR_EQ(p.id, "rsu-2");
	CHECK(brk_principal_may_rsu(&p, "rsu-1"));
	CHECK(!brk_principal_may_rsu(&p, "rsu-3"));
	CHECK_INT_EQ(check(a, BRK_ROLE_AGENT, "rsu-3", "a1", &p), V2X_EINVAL);
	CHECK_INT_EQ(check(a, BRK_ROLE_AGENT, "rsu-1", "a2", &p), V2X_ENOTFOUND);
	CHECK_INT_EQ(check(a, BRK_ROLE_AGENT, "rsu-1", "a", &p), V2X_ENOTFOUND);
	CHECK_INT_EQ(check(a, BRK_ROLE_SUBSCRIBER, "rsu-1", "a1", &p), V2X_EINVAL);
	CHECK_INT_EQ(check(a, BRK_ROLE_AGENT, "oem-a", "s1", &p), V2X_EINVAL);

	CHECK_INT_EQ(check(a, BRK_ROLE_SUBSCRIBER, "oem-a", "s1", &p), 0);
	CHECK(brk_principal_may_vehicle(&p, v1));
	CHECK(!brk_principal_may_vehicle(&p, v2));
	CHECK(brk_principal_may_point(&p, 29.5, 106));
	CHECK(!brk_principal_may_point(&p, 31, 106));
	CHECK(brk_principal_may_box(&p, &(struct brk_box){ 29.1, 105.1, 29.9, 106.9 }));
	CHECK(!brk_principal_may_box(&p, &(struct brk_box){ 29.1, 104.9, 29.9, 106.9 }));
	CHECK(!brk_principal_may_rsu(&p, "rsu-1"));

	/* A box across 180 degrees. */
	CHECK_INT_EQ(check(a, BRK_ROLE_SUBSCRIBER, "oem-b", "s2", &p), 0);
	CHECK(brk_principal_may_point(&p, 0, 179));
	CHECK(brk_principal_may_point(&p, 0, -179));
	CHECK(!brk_principal_may_point(&p, 0, 0));
	CHECK(brk_principal_may_box(&p, &(struct brk_box){ -1, 175, 1, -175 }));
	CHECK(brk_principal_may_box(&p, &(struct brk_box){ -1, 171, 1, 179 }));
	CHECK(!brk_principal_may_box(&p, &(struct brk_box){ -1, -179, 1, 175 }));
	CHECK(brk_principal_may_vehicle(&p, v2));

	/* No scope: everything. */
	CHECK_INT_EQ(check(a, BRK_ROLE_SUBSCRIBER, "oem-c", "s3", &p), 0);
	CHECK(brk_principal_may_point(&p, -45, 10));
	brk_auth_free(a);
}

static void bad(const char *text, const char *want)
{
	struct brk_auth *a = NULL;
	char err[256] = "";

	CHECK_INT_EQ(brk_auth_parse(text, &a, err, sizeof(err)), V2X_ECONFIG);
	CHECK(a == NULL);
	if (!strstr(err, want)) {
		CHECK_STR_EQ(err, want);
	}
}

static void test_errors(void)
{
	bad("agent a1\n", "line 1: expected ROLE TOKEN ID");
	bad("\nadmin t x\n", "line 2: role 'admin'");
	bad("agent a rsu-1\nagent a rsu-2\n", "line 2: a token used twice");
	bad("subscriber s x vehicle=0102\n", "vehicle id is 16 hex digits");
	bad("subscriber s x vehicle=01020304050607zz\n", "vehicle id is 16 hex digits");
	bad("subscriber s x box=1,2,3\n", "a box is box=");
	bad("subscriber s x box=30,105,29,106\n", "south above north");
	bad("subscriber s x color=red\n", "unknown field 'color=red'");
	bad("agent a rsu-1 box=1,2,3,4\n", "an agent credential has no scope");
	bad("subscriber s x,y\n", "one account");
	bad("agent a rsu-1,,rsu-2\n", "an id must have 1 to 64 bytes");
}

static void test_load(void)
{
	struct brk_auth *a = NULL;
	char err[256] = "";

	CHECK_INT_EQ(brk_auth_load("/nonexistent/creds", &a, err, sizeof(err)), V2X_EIO);
	CHECK(strstr(err, "/nonexistent/creds") != NULL);
}

int main(void)
{
	test_checks();
	test_errors();
	test_load();
	return check_exit();
}
