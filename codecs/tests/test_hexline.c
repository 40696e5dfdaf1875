/* hexline: what scripts feed v2x-codec. */
#include <string.h>

#include "codecs/hexline.h"
#include "runtime/err.h"
#include "tests/check.h"

static void parses(const char *line, const char *want_hex)
{
	uint8_t buf[64];
	char err[128], hex[129];
	size_t len;

	if (!CHECK(v2x_hexline_parse(line, buf, sizeof(buf), &len, err, sizeof(err)) == 0)) {
		fprintf(stderr, "  '%s': %s\n", line, err);
		return;
	}
	v2x_hexline_format(buf, len, hex);
	CHECK_STR_EQ(hex, want_hex);
}

static void fails(const char *line, size_t cap, int want, const char *want_err)
{
	uint8_t buf[64];
	char err[128] = "";
	size_t len;

	CHECK_INT_EQ(v2x_hexline_parse(line, buf, cap, &len, err, sizeof(err)), want);
	if (!CHECK(strstr(err, want_err) != NULL))
		fprintf(stderr, "  '%s': got '%s', want '%s'\n", line, err, want_err);
}

int main(void)
{
	uint8_t buf[4];
	char err[64];
	size_t len = 99;

	parses("0a1B2c", "0a1b2c");
	parses("  0x0A 1b:2C\r", "0a1b2c");
	parses("de ad be ef", "deadbeef");
	CHECK_INT_EQ(v2x_hexline_parse("", buf, sizeof(buf), &len, err, sizeof(err)), 1);
	CHECK_UINT_EQ(len, 0);
	CHECK_INT_EQ(v2x_hexline_parse("  # comment", buf, sizeof(buf), &len, err, sizeof(err)), 1);
	fails("0a1", 64, V2X_EPARSE, "odd number of hex digits");
	fails("0a 1 b", 64, V2X_EPARSE, "column 5");
	fails("0a1g", 64, V2X_EPARSE, "column 4: 'g' is not a hex digit");
	fails("0a0b0c", 2, V2X_ETOO_BIG, "more than 2 bytes");
	return check_exit();
}
