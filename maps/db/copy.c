#include "maps/db/copy.h"

#include <endian.h>
#include <math.h>
#include <string.h>

#include "runtime/err.h"

/* The binary COPY header: signature, flags, header extension length. */
static const unsigned char header[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n',
	                                  0,   0,   0,   0,   0,   0,   0,    0,    0 };

/* Sends what the buffer holds. */
static void flush(struct map_db__copy *c)
{
	if (c->rc || c->len == 0)
		return;
	if (PQputCopyData(c->ctx->pg, (const char *)c->buf, (int)c->len) != 1)
		c->rc = map_db__fail(c->ctx, NULL, c->what);
	c->len = 0;
}

void map_db__copy_bytes(struct map_db__copy *c, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n > 0 && !c->rc) {
		size_t room = sizeof(c->buf) - c->len, k = n < room ? n : room;
		memcpy(c->buf + c->len, s, k);
		c->len += k;
		s += k;
		n -= k;
		if (c->len == sizeof(c->buf))
			flush(c);
	}
}

/* Integers in the format are big-endian, whatever the host. */
static void put16(struct map_db__copy *c, uint16_t v)
{
	v = htobe16(v);
	map_db__copy_bytes(c, &v, sizeof(v));
}

static void put32(struct map_db__copy *c, uint32_t v)
{
	v = htobe32(v);
	map_db__copy_bytes(c, &v, sizeof(v));
}

static void put64(struct map_db__copy *c, uint64_t v)
{
	v = htobe64(v);
	map_db__copy_bytes(c, &v, sizeof(v));
}

void map_db__copy_field(struct map_db__copy *c, size_t len)
{
	put32(c, (uint32_t)len);
}

void map_db__copy_null(struct map_db__copy *c)
{
	put32(c, UINT32_MAX); /* length -1 */
}

void map_db__copy_i64(struct map_db__copy *c, int64_t v)
{
	put32(c, 8);
	put64(c, (uint64_t)v);
}

void map_db__copy_i32(struct map_db__copy *c, int32_t v)
{
	put32(c, 4);
	put32(c, (uint32_t)v);
}

void map_db__copy_i16(struct map_db__copy *c, int16_t v)
{
	put32(c, 2);
	put16(c, (uint16_t)v);
}

void map_db__copy_f64(struct map_db__copy *c, double v)
{
	uint64_t bits;

	if (isnan(v)) {
		map_db__copy_null(c);
		return;
	}
	memcpy(&bits, &v, sizeof(bits));
	put32(c, 8);
	put64(c, bits);
}

void map_db__copy_bool(struct map_db__copy *c, bool v)
{
	unsigned char b = v;

	put32(c, 1);
	map_db__copy_bytes(c, &b, 1);
}

void map_db__copy_text(struct map_db__copy *c, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	put32(c, (uint32_t)n);
	map_db__copy_bytes(c, s, n);
}

void map_db__copy_row(struct map_db__copy *c, int64_t version_id)
{
	put16(c, (uint16_t)c->n_fields);
	map_db__copy_i64(c, version_id);
}

int map_db__copy_begin(struct map_db__copy *c, struct map_db__ctx *ctx, const char *sql,
                       int n_fields, const char *what)
{
	PGresult *res = PQexec(ctx->pg, sql);

	c->ctx = ctx;
	c->what = what;
	c->rc = 0;
	c->len = 0;
	c->n_fields = n_fields;
	if (PQresultStatus(res) != PGRES_COPY_IN)
		c->rc = map_db__fail(ctx, res, what);
	PQclear(res);
	map_db__copy_bytes(c, header, sizeof(header));
	return c->rc;
}

/* Reads the results left after a COPY, ending one still open, so the connection is usable. */
static void drain(struct map_db__copy *c)
{
	PGresult *res = PQgetResult(c->ctx->pg);

	if (PQresultStatus(res) == PGRES_COPY_IN) {
		PQputCopyEnd(c->ctx->pg, "map_db: abandoned");
		PQclear(res);
		res = PQgetResult(c->ctx->pg);
	}
	while (res) {
		PQclear(res);
		res = PQgetResult(c->ctx->pg);
	}
}

int map_db__copy_end(struct map_db__copy *c)
{
	PGresult *res;

	put16(c, UINT16_MAX); /* the trailer, a field count of -1 */
	flush(c);
	if (c->rc)
		goto out;
	if (PQputCopyEnd(c->ctx->pg, NULL) != 1) {
		c->rc = map_db__fail(c->ctx, NULL, c->what);
		goto out;
	}
	res = PQgetResult(c->ctx->pg);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		c->rc = map_db__fail(c->ctx, res, c->what);
	PQclear(res);
out:
	drain(c);
	return c->rc;
}
