/*
 * test_ingest_util: what the ingest tests share: reading the standard's
 * vectors, building vendor datagrams, UTC times, the encoded samples.
 * Header-only, like tests/check.h.
 */
#ifndef V2X_RSU_AGENT_INGEST_TESTS_UTIL_H
#define V2X_RSU_AGENT_INGEST_TESTS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codecs/codec.h"
#include "codecs/samples.h"
#include "rsu-agent/ingest/framing.h"
#include "runtime/arena.h"

/* Reads dir/name whole into a new buffer (caller frees); NULL if it cannot. */
static inline uint8_t *ti_read(const char *dir, const char *name, size_t *len)
{
	char path[4096 + 512]; /* a folder's path and a file name */
	uint8_t *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Reads dir/<name>.uper (caller frees); NULL if absent. */
static inline uint8_t *ti_read_uper(const char *dir, const char *name, size_t *len)
{
	char file[256];

	snprintf(file, sizeof(file), "%s.uper", name);
	return ti_read(dir, file, len);
}

/* Writes the vendor header (id: 8 bytes) at out; returns its length. */
static inline size_t ti_header(uint8_t *out, const char id[AGENT_FRAMING_RSU_ID_LEN],
                               int64_t time_ms)
{
	memcpy(out, id, AGENT_FRAMING_RSU_ID_LEN);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)((uint64_t)time_ms >> (8 * i));
	return AGENT_FRAMING_HEADER_LEN;
}

/* Writes length[2, LE] + frame at out; returns the bytes written. */
static inline size_t ti_entry(uint8_t *out, const uint8_t *frame, size_t len)
{
	out[0] = (uint8_t)len;
	out[1] = (uint8_t)(len >> 8);
	memcpy(out + 2, frame, len);
	return 2 + len;
}

/* µs since the epoch of a UTC date and time. */
static inline int64_t ti_utc_us(int year, int month, int day, int hour, int min, int sec, int ms)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm) * 1000000 + (int64_t)ms * 1000;
}

/*
 * Encodes the sample of type (codecs/samples.h) into buf (cap bytes), after
 * edit(msg) when edit is not NULL; returns its length, 0 on failure.
 */
static inline size_t ti_sample(struct v2x_codec *codec, enum v2x_msg_type type,
                               void (*edit)(struct v2x_msg *), uint8_t *buf, size_t cap)
{
	struct v2x_arena a;
	struct v2x_msg msg;
	size_t len = 0;

	v2x_arena_init(&a, 8192, 0);
	if (v2x_sample_build(type, &a, &msg) == 0) {
		if (edit)
			edit(&msg);
		if (v2x_codec_encode(codec, &msg, buf, cap, &len) != 0)
			len = 0;
	}
	v2x_arena_fini(&a);
	return len;
}

#endif
