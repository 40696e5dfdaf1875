/* Unit test of runtime/log: levels, the line format, cutting, NULL loggers. */
#include "runtime/clock.h"
#include "runtime/err.h"
#include "runtime/log.h"

#include "tests/check.h"

#include <ctype.h>
#include <stdlib.h>

/* Reads what was written to f since it was opened, into buf. */
static const char *contents(FILE *f, char *buf, size_t len)
{
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	return buf;
}

/* Checks "YYYY-MM-DDTHH:MM:SS.mmmZ " at the start of line. */
static bool has_timestamp(const char *line)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";

	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)line[i]) : line[i] != shape[i])
			return false;
	}
	return true;
}

static void test_levels(void)
{
	struct v2x_log log;
	char buf[4096];
	FILE *f = tmpfile();

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT_EQ(v2x_log_init(&log, "agent", "warn"), 0);
	CHECK(log.stream == stderr);
	log.stream = f;
	v2x_logf(&log, V2X_LOG_ERROR, "broken %d", 1);
	v2x_logf(&log, V2X_LOG_WARN, "careful %s", "now");
	v2x_logf(&log, V2X_LOG_INFO, "not shown");
	v2x_logf(&log, V2X_LOG_DEBUG, "not shown either");
	CHECK(v2x_log_enabled(&log, V2X_LOG_WARN));
	CHECK(!v2x_log_enabled(&log, V2X_LOG_INFO));
	contents(f, buf, sizeof(buf));
	CHECK(has_timestamp(buf));
	CHECK(strstr(buf, "Z ERROR agent: broken 1\n") != NULL);
	CHECK(strstr(buf, "Z WARN agent: careful now\n") != NULL);
	CHECK(strstr(buf, "not shown") == NULL);
	CHECK(has_timestamp(strchr(buf, '\n') + 1));
	fclose(f);
}

static void test_one_line(void)
{
	struct v2x_log log = { V2X_LOG_DEBUG, "db", NULL };
	char buf[8192], *long_msg = malloc(5000);
	FILE *f = tmpfile();

	if (!CHECK(f != NULL && long_msg != NULL))
		goto out;
	log.stream = f;
	v2x_logf(&log, V2X_LOG_INFO, "ERROR:  relation \"x\" does not exist\nLINE 1: ...\n\n");
	memset(long_msg, 'x', 4999);
	long_msg[4999] = '\0';
	v2x_logf(&log, V2X_LOG_DEBUG, "%s", long_msg);
	contents(f, buf, sizeof(buf));
	CHECK(strstr(buf, "INFO db: ERROR:  relation \"x\" does not exist LINE 1: ...\n") != NULL);
	{
		char *second = strchr(buf, '\n') + 1;
		char *end = strchr(second, '\n');
		CHECK(end != NULL && (size_t)(end - second) == V2X_LOG_LINE_MAX - 2);
		CHECK(end != NULL && end[-1] == '.' && end[-3] == '.' && end[-4] == 'x');
		CHECK(strstr(second, " DEBUG db: xxx") != NULL);
	}
out:
	if (f)
		fclose(f);
	free(long_msg);
}

static void test_level_names(void)
{
	struct v2x_log log;
	enum v2x_log_level level = V2X_LOG_ERROR;

	CHECK_INT_EQ(v2x_log_level_parse("WARNING", &level), 0);
	CHECK_INT_EQ(level, V2X_LOG_WARN);
	CHECK_INT_EQ(v2x_log_level_parse("Debug", &level), 0);
	CHECK_INT_EQ(level, V2X_LOG_DEBUG);
	CHECK_INT_EQ(v2x_log_level_parse("loud", &level), V2X_EINVAL);
	CHECK_INT_EQ(v2x_log_init(&log, "x", "loud"), V2X_EINVAL);
	CHECK_INT_EQ(log.level, V2X_LOG_INFO);
	CHECK_INT_EQ(v2x_log_init(&log, "x", NULL), 0);
	CHECK_INT_EQ(log.level, V2X_LOG_INFO);
	CHECK_STR_EQ(v2x_log_level_tag(V2X_LOG_ERROR), "ERROR");
	CHECK_STR_EQ(v2x_log_level_tag(V2X_LOG_DEBUG), "DEBUG");
	for (int i = 0; v2x_log_level_names[i]; i++) {
		CHECK_INT_EQ(v2x_log_level_parse(v2x_log_level_names[i], &level), 0);
		CHECK_INT_EQ(level, i);
	}
}

static void test_null(void)
{
	struct v2x_log log = { V2X_LOG_DEBUG, NULL, NULL };

	CHECK(!v2x_log_enabled(NULL, V2X_LOG_ERROR));
	CHECK(!v2x_log_enabled(&log, V2X_LOG_ERROR));
	v2x_logf(NULL, V2X_LOG_ERROR, "nowhere");
	v2x_logf(&log, V2X_LOG_ERROR, "nowhere");
}

int main(void)
{
	test_levels();
	test_one_line();
	test_level_names();
	test_null();
	return check_exit();
}
