/*
 * framing: every layout and every error of raw and vendor framing, the
 * count-byte rule and its ambiguity, the rsuID and timestamp surfaced.
 */
#include <stdint.h>
#include <string.h>

#include "rsu-agent/ingest/framing.h"
#include "rsu-agent/ingest/tests/test_ingest_util.h"
#include "tests/check.h"

#define TIME_MS 1764159000123LL /* 2025-11-26T12:10:00.123Z */

static const char rsu_id[8] = { 'C', 'Q', '-', 'K', '1', '2', 0, 0 };

static struct agent_framing_config vendor(enum agent_framing_layout layout)
{
	struct agent_framing_config cfg;

	agent_framing_config_default(&cfg);
	cfg.mode = AGENT_FRAMING_VENDOR;
	cfg.vendor_layout = layout;
	return cfg;
}

/* A frame of len bytes that starts like a BSM MessageFrame (0x0X). */
static void fake_frame(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + 7 * i);
	p[0] = (uint8_t)(seed & 0x0f);
}

/* Checks that r yields exactly the frames want[0..n) of the given lengths. */
static void check_frames(struct agent_framing_result *r, const uint8_t *const *want,
                         const size_t *lens, size_t n)
{
	const uint8_t *f;
	size_t len, i = 0;

	CHECK_UINT_EQ(r->n_frames, n);
	while (agent_framing_next(r, &f, &len)) {
		if (!CHECK(i < n))
			return;
		CHECK(f == want[i]);
		CHECK_UINT_EQ(len, lens[i]);
		i++;
	}
	CHECK_UINT_EQ(i, n);
	CHECK(!agent_framing_next(r, &f, &len));
}

static void test_raw(void)
{
	struct agent_framing_config cfg;
	struct agent_framing_result r;
	static uint8_t big[AGENT_FRAMING_DEFAULT_MAX_DATAGRAM + 1];
	uint8_t frame[53];
	const uint8_t *want[1] = { frame };
	size_t lens[1] = { sizeof(frame) };

	memset(&cfg, 0, sizeof(cfg)); /* zeroed: raw with the defaults */
	fake_frame(frame, sizeof(frame), 1);
	CHECK_INT_EQ(agent_framing_split(&cfg, frame, sizeof(frame), &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_RAW);
	CHECK(!r.has_header);
	check_frames(&r, want, lens, 1);

	CHECK_INT_EQ(agent_framing_split(&cfg, frame, 0, &r), V2X_ETRUNCATED);
	CHECK_UINT_EQ(r.n_frames, 0);
	CHECK_INT_EQ(agent_framing_split(&cfg, big, AGENT_FRAMING_DEFAULT_MAX_FRAME + 1, &r),
	             V2X_ETOO_BIG);
	CHECK_UINT_EQ(r.n_frames, 0);
	CHECK_INT_EQ(agent_framing_split(&cfg, big, sizeof(big), &r), V2X_ETOO_BIG);
	CHECK_UINT_EQ(r.n_frames, 0);
}

static void test_list(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	uint8_t dgram[2048], f1[53], f2[300], f3[86];
	const uint8_t *want[3];
	size_t lens[3] = { sizeof(f1), sizeof(f2), sizeof(f3) };
	size_t n = ti_header(dgram, rsu_id, TIME_MS);
	char id[AGENT_FRAMING_RSU_ID_STR];

	fake_frame(f1, sizeof(f1), 1);
	fake_frame(f2, sizeof(f2), 2);
	fake_frame(f3, sizeof(f3), 3);
	want[0] = dgram + n + 2;
	n += ti_entry(dgram + n, f1, sizeof(f1));
	CHECK_INT_EQ(agent_framing_split(&cfg, dgram, n, &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_LIST);
	CHECK(r.has_header);
	CHECK_MEM_EQ(r.rsu_id, rsu_id, 8);
	CHECK_INT_EQ(r.vendor_time_ms, TIME_MS);
	CHECK_UINT_EQ(r.flags, 0);
	CHECK_INT_EQ(agent_framing_rsu_id_format(r.rsu_id, id, sizeof(id)), 0);
	CHECK_STR_EQ(id, "CQ-K12");
	check_frames(&r, want, lens, 1);

	want[1] = dgram + n + 2;
	n += ti_entry(dgram + n, f2, sizeof(f2));
	want[2] = dgram + n + 2;
	n += ti_entry(dgram + n, f3, sizeof(f3));
	CHECK_INT_EQ(agent_framing_split(&cfg, dgram, n, &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_LIST);
	check_frames(&r, want, lens, 3);
	CHECK_MEM_EQ(want[1], f2, sizeof(f2));
}

static void test_count(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	uint8_t dgram[1024], f[3][60];
	const uint8_t *want[3];
	size_t lens[3] = { 53, 60, 41 };
	size_t n = ti_header(dgram, rsu_id, TIME_MS);

	dgram[n++] = 3;
	for (int i = 0; i < 3; i++) {
		fake_frame(f[i], lens[i], (uint8_t)(i + 4));
		want[i] = dgram + n + 2;
		n += ti_entry(dgram + n, f[i], lens[i]);
	}
	CHECK_INT_EQ(agent_framing_split(&cfg, dgram, n, &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_COUNT);
	CHECK_INT_EQ(r.vendor_time_ms, TIME_MS);
	check_frames(&r, want, lens, 3);

	/* Forced to the list layout, the same bytes are refused. */
	cfg.vendor_layout = AGENT_FRAMING_LAYOUT_LIST;
	CHECK(agent_framing_split(&cfg, dgram, n, &r) != 0);
	cfg.vendor_layout = AGENT_FRAMING_LAYOUT_COUNT;
	CHECK_INT_EQ(agent_framing_split(&cfg, dgram, n, &r), 0);
	check_frames(&r, want, lens, 3);

	/* A count of 0 and nothing after it: a valid, empty datagram. */
	cfg.vendor_layout = AGENT_FRAMING_LAYOUT_AUTO;
	dgram[AGENT_FRAMING_HEADER_LEN] = 0;
	CHECK_INT_EQ(agent_framing_split(&cfg, dgram, AGENT_FRAMING_HEADER_LEN + 1, &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_COUNT);
	CHECK_UINT_EQ(r.n_frames, 0);
}

/*
 * The rule's claim: a list of one frame shorter than 256 bytes is never
 * read as a count body, whatever the frame's first byte.
 */
static void test_single_never_count(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	uint8_t dgram[AGENT_FRAMING_HEADER_LEN + 2 + 255], frame[255];
	unsigned wrong = 0;

	for (size_t len = 1; len < 256; len++) {
		for (unsigned first = 0; first < 256; first++) {
			size_t n = ti_header(dgram, rsu_id, TIME_MS);
			fake_frame(frame, len, (uint8_t)len);
			frame[0] = (uint8_t)first;
			n += ti_entry(dgram + n, frame, len);
			if (agent_framing_split(&cfg, dgram, n, &r) != 0 ||
			    r.layout != AGENT_FRAMING_LAYOUT_LIST || r.n_frames != 1)
				wrong++;
		}
	}
	CHECK_UINT_EQ(wrong, 0);
}

/*
 * A body that fits both layouts, built from the rule: the count reading's
 * first length is body[1] | body[2] << 8 and the list reading's is
 * body[0] | body[1] << 8.  With body = 02 | 01 00 | 42 | fe 00 | 254 bytes:
 *   count: 2 entries, of 1 byte (42) and 254 bytes: 260 bytes, all of it;
 *   list: one entry of 0x0102 = 258 bytes: 260 bytes, all of it.
 * Count wins and the result is flagged; forced to list it is a list.
 */
static void test_ambiguous(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	uint8_t d[AGENT_FRAMING_HEADER_LEN + 260];
	size_t m = ti_header(d, rsu_id, TIME_MS);
	static const uint8_t head[] = { 2, 1, 0, 0x42, 254, 0 };

	memcpy(d + m, head, sizeof(head));
	memset(d + m + sizeof(head), 0x11, 254);
	CHECK_INT_EQ(agent_framing_split(&cfg, d, sizeof(d), &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_COUNT);
	CHECK_UINT_EQ(r.flags, AGENT_FRAMING_F_AMBIGUOUS);
	CHECK_UINT_EQ(r.n_frames, 2);
	cfg.vendor_layout = AGENT_FRAMING_LAYOUT_LIST;
	CHECK_INT_EQ(agent_framing_split(&cfg, d, sizeof(d), &r), 0);
	CHECK_INT_EQ(r.layout, AGENT_FRAMING_LAYOUT_LIST);
	CHECK_UINT_EQ(r.n_frames, 1);
	CHECK_UINT_EQ(r.flags, 0);
}

/* Splits d[0..n) with cfg and checks the error, frames kept and offset. */
static void expect(const struct agent_framing_config *cfg, const uint8_t *d, size_t n, int err,
                   size_t frames, size_t offset, enum agent_framing_layout layout)
{
	struct agent_framing_result r;
	const uint8_t *f;
	size_t len, yielded = 0;

	CHECK_INT_EQ(agent_framing_split(cfg, d, n, &r), err);
	CHECK_INT_EQ(r.err, err);
	CHECK_UINT_EQ(r.n_frames, frames);
	CHECK_UINT_EQ(r.err_offset, offset);
	CHECK_INT_EQ(r.layout, layout);
	while (agent_framing_next(&r, &f, &len)) {
		CHECK(f > d && f + len <= d + n);
		yielded++;
	}
	CHECK_UINT_EQ(yielded, frames);
}

static void test_header_errors(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	uint8_t d[AGENT_FRAMING_HEADER_LEN + 1];
	size_t h = ti_header(d, rsu_id, TIME_MS);

	for (size_t n = 0; n < AGENT_FRAMING_HEADER_LEN; n++) {
		CHECK_INT_EQ(agent_framing_split(&cfg, d, n, &r), V2X_ETRUNCATED);
		CHECK(!r.has_header);
		CHECK_UINT_EQ(r.n_frames, 0);
	}
	/* A header and nothing after it. */
	expect(&cfg, d, h, V2X_ETRUNCATED, 0, h, AGENT_FRAMING_LAYOUT_LIST);
	CHECK_INT_EQ(agent_framing_split(&cfg, d, h, &r), V2X_ETRUNCATED);
	CHECK(r.has_header);
	CHECK_INT_EQ(r.vendor_time_ms, TIME_MS);
	/* A header and one byte: a length cut short. */
	d[h] = 5;
	expect(&cfg, d, h + 1, V2X_ETRUNCATED, 0, h, AGENT_FRAMING_LAYOUT_LIST);
}

static void test_list_errors(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	uint8_t d[512], f[60];
	size_t h = ti_header(d, rsu_id, TIME_MS), n;

	fake_frame(f, sizeof(f), 9);
	/* Zero length first, and after a good frame. */
	d[h] = 0;
	d[h + 1] = 0;
	expect(&cfg, d, h + 2, V2X_EMALFORMED, 0, h, AGENT_FRAMING_LAYOUT_LIST);
	n = h + ti_entry(d + h, f, sizeof(f));
	d[n] = 0;
	d[n + 1] = 0;
	expect(&cfg, d, n + 2, V2X_EMALFORMED, 1, n, AGENT_FRAMING_LAYOUT_LIST);
	/* A second length beyond the datagram: the first frame is kept. */
	d[n] = 200;
	d[n + 1] = 0;
	memset(d + n + 2, 0x33, 50);
	expect(&cfg, d, n + 52, V2X_ETRUNCATED, 1, n, AGENT_FRAMING_LAYOUT_LIST);
	/* ... and a third frame after it is lost with it. */
	/* Overlong: above max_frame (a small one here). */
	cfg.max_frame = 100;
	d[n] = 101;
	memset(d + n + 2, 0x33, 101);
	expect(&cfg, d, n + 103, V2X_ETOO_BIG, 1, n, AGENT_FRAMING_LAYOUT_LIST);
	cfg.max_frame = 0;
	/* One stray byte after the last frame. */
	d[n] = 0x7f;
	expect(&cfg, d, n + 1, V2X_ETRAILING, 1, n, AGENT_FRAMING_LAYOUT_LIST);
}

static void test_count_errors(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	uint8_t d[512], f[60];
	size_t h = ti_header(d, rsu_id, TIME_MS), n = h;

	fake_frame(f, sizeof(f), 5);
	d[n++] = 3;
	n += ti_entry(d + n, f, sizeof(f));
	n += ti_entry(d + n, f, 30);
	/* Count 3, two entries: the datagram ends where the third should be. */
	expect(&cfg, d, n, V2X_ETRUNCATED, 2, n, AGENT_FRAMING_LAYOUT_COUNT);
	/* Count 2 and bytes after the two entries. */
	d[h] = 2;
	d[n] = 0x55;
	d[n + 1] = 0x66;
	expect(&cfg, d, n + 2, V2X_ETRAILING, 2, n, AGENT_FRAMING_LAYOUT_COUNT);
	/* Count 3, the third length lying past the end. */
	d[h] = 3;
	d[n] = 80;
	d[n + 1] = 0;
	memset(d + n + 2, 0x22, 20);
	expect(&cfg, d, n + 22, V2X_ETRUNCATED, 2, n, AGENT_FRAMING_LAYOUT_COUNT);
	/* Count 3, the second length zero: one frame kept. */
	d[h + 1 + 2 + sizeof(f)] = 0;
	d[h + 1 + 2 + sizeof(f) + 1] = 0;
	expect(&cfg, d, n + 22, V2X_EMALFORMED, 1, h + 1 + 2 + sizeof(f),
	       AGENT_FRAMING_LAYOUT_COUNT);
	/* Forced count on a list body: the count walk's error. */
	cfg.vendor_layout = AGENT_FRAMING_LAYOUT_COUNT;
	n = h + ti_entry(d + h, f, sizeof(f));
	CHECK(agent_framing_split(&cfg, d, n, &(struct agent_framing_result){ 0 }) != 0);
	/* Forced count, nothing after the header: the count byte is missing. */
	expect(&cfg, d, h, V2X_ETRUNCATED, 0, h, AGENT_FRAMING_LAYOUT_COUNT);
}

static void test_oversize(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	static uint8_t d[AGENT_FRAMING_DEFAULT_MAX_DATAGRAM + 1];
	uint8_t f[40];
	size_t n;

	fake_frame(f, sizeof(f), 2);
	n = ti_header(d, rsu_id, TIME_MS);
	n += ti_entry(d + n, f, sizeof(f));
	CHECK_INT_EQ(agent_framing_split(&cfg, d, sizeof(d), &r), V2X_ETOO_BIG);
	CHECK_UINT_EQ(r.n_frames, 0);
	CHECK(r.has_header); /* for the log line */
	cfg.max_datagram = n - 1;
	CHECK_INT_EQ(agent_framing_split(&cfg, d, n, &r), V2X_ETOO_BIG);
	cfg.max_datagram = n;
	CHECK_INT_EQ(agent_framing_split(&cfg, d, n, &r), 0);
	CHECK_UINT_EQ(r.n_frames, 1);
}

static void test_rsu_id(void)
{
	static const uint8_t text[8] = { '1', '2', '3', '4', '5', 0, 0, 0 };
	static const uint8_t full[8] = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H' };
	static const uint8_t bin[8] = { 0xbe, 0xa9, 0x42, 0x38, 0x38, 0x38, 0x38, 0x38 };
	static const uint8_t hole[8] = { 'A', 0, 'B', 0, 0, 0, 0, 0 };
	static const uint8_t zero[8] = { 0 };
	char s[AGENT_FRAMING_RSU_ID_STR];

	CHECK_INT_EQ(agent_framing_rsu_id_format(text, s, sizeof(s)), 0);
	CHECK_STR_EQ(s, "12345");
	CHECK_INT_EQ(agent_framing_rsu_id_format(full, s, sizeof(s)), 0);
	CHECK_STR_EQ(s, "ABCDEFGH");
	CHECK_INT_EQ(agent_framing_rsu_id_format(bin, s, sizeof(s)), 0);
	CHECK_STR_EQ(s, "bea9423838383838");
	CHECK_INT_EQ(agent_framing_rsu_id_format(hole, s, sizeof(s)), 0);
	CHECK_STR_EQ(s, "4100420000000000");
	CHECK_INT_EQ(agent_framing_rsu_id_format(zero, s, sizeof(s)), 0);
	CHECK_STR_EQ(s, "0000000000000000");
	CHECK_INT_EQ(agent_framing_rsu_id_format(text, s, 16), V2X_EINVAL);
	CHECK_STR_EQ(s, "");
}

/* The timestamp is little endian, all 8 bytes of it. */
static void test_timestamp(void)
{
	struct agent_framing_config cfg = vendor(AGENT_FRAMING_LAYOUT_AUTO);
	struct agent_framing_result r;
	uint8_t d[AGENT_FRAMING_HEADER_LEN + 3] = { 0 };

	for (int i = 0; i < 8; i++)
		d[8 + i] = (uint8_t)(i + 1);
	d[16] = 1;
	d[18] = 0x01;
	CHECK_INT_EQ(agent_framing_split(&cfg, d, sizeof(d), &r), 0);
	CHECK_UINT_EQ((uint64_t)r.vendor_time_ms, 0x0807060504030201u);
}

static void test_config(void)
{
	struct agent_framing_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	CHECK_INT_EQ(agent_framing_config_check(&cfg), 0);
	cfg.mode = (enum agent_framing_mode)7;
	CHECK_INT_EQ(agent_framing_config_check(&cfg), V2X_ECONFIG);
	cfg = vendor(AGENT_FRAMING_LAYOUT_RAW);
	CHECK_INT_EQ(agent_framing_config_check(&cfg), V2X_ECONFIG);
	cfg = vendor(AGENT_FRAMING_LAYOUT_COUNT);
	CHECK_INT_EQ(agent_framing_config_check(&cfg), 0);
	cfg.max_frame = 70000;
	cfg.max_datagram = 80000;
	CHECK_INT_EQ(agent_framing_config_check(&cfg), V2X_ECONFIG);
	cfg.max_frame = 2000;
	cfg.max_datagram = 1000;
	CHECK_INT_EQ(agent_framing_config_check(&cfg), V2X_ECONFIG);
	CHECK_STR_EQ(agent_framing_mode_names[AGENT_FRAMING_VENDOR], "vendor");
	CHECK_STR_EQ(agent_framing_layout_names[AGENT_FRAMING_LAYOUT_COUNT], "count");
	CHECK_STR_EQ(agent_framing_layout_name(AGENT_FRAMING_LAYOUT_RAW), "raw");
}

int main(void)
{
	test_raw();
	test_list();
	test_count();
	test_single_never_count();
	test_ambiguous();
	test_header_errors();
	test_list_errors();
	test_count_errors();
	test_oversize();
	test_rsu_id();
	test_timestamp();
	test_config();
	return check_exit();
}
