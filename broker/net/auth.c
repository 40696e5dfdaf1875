/*
 * auth: the credential table, parsed from its text format (auth.h).
 */
#include "broker/net/auth.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/compiler.h"
#include "runtime/err.h"

struct brk_auth {
	struct brk_cred *creds;
	size_t n;
	size_t cap;
};

/* A line being parsed, for the error message. */
struct line {
	char *text; /* a writable copy; fields are cut in place */
	unsigned no;
	char *err;
	size_t errlen;
};

static int line_err(const struct line *l, const char *fmt, ...) V2X_PRINTF(2, 3);

static int line_err(const struct line *l, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "credentials line %u: %s", l->no, why);
	return V2X_ECONFIG;
}

static void cred_fini(struct brk_cred *c)
{
	for (size_t i = 0; i < c->n_ids; i++)
		free(c->ids[i]);
	free(c->ids);
	free(c->token);
	free(c->vehicles);
	free(c->boxes);
}

void brk_auth_free(struct brk_auth *auth)
{
	if (!auth)
		return;
	for (size_t i = 0; i < auth->n; i++)
		cred_fini(&auth->creds[i]);
	free(auth->creds);
	free(auth);
}

size_t brk_auth_count(const struct brk_auth *auth)
{
	return auth->n;
}

static int add_id(struct brk_cred *c, const char *id, size_t len)
{
	char **ids = realloc(c->ids, (c->n_ids + 1) * sizeof(*ids));

	if (!ids)
		return V2X_ENOMEM;
	c->ids = ids;
	ids[c->n_ids] = strndup(id, len);
	if (!ids[c->n_ids])
		return V2X_ENOMEM;
	c->n_ids++;
	return 0;
}

/* Splits a comma-separated list of ids into c->ids. */
static int parse_ids(const struct line *l, struct brk_cred *c, const char *list)
{
	while (*list) {
		size_t len = strcspn(list, ",");
		int rc;

		if (len == 0 || len > BRK_AUTH_ID_MAX)
			return line_err(l, "an id must have 1 to %d bytes", BRK_AUTH_ID_MAX);
		rc = add_id(c, list, len);
		if (rc)
			return rc;
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

static int hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_vehicles(const struct line *l, struct brk_cred *c, const char *list)
{
	while (*list) {
		size_t len = strcspn(list, ",");
		uint8_t(*v)[8];

		if (len != 16)
			return line_err(l, "a vehicle id is 16 hex digits, not '%.*s'", (int)len,
			                list);
		v = realloc(c->vehicles, (c->n_vehicles + 1) * sizeof(*v));
		if (!v)
			return V2X_ENOMEM;
		c->vehicles = v;
		for (size_t i = 0; i < 8; i++) {
			int hi = hex_nibble(list[2 * i]), lo = hex_nibble(list[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return line_err(l, "a vehicle id is 16 hex digits, not '%.16s'",
				                list);
			v[c->n_vehicles][i] = (uint8_t)(hi << 4 | lo);
		}
		c->n_vehicles++;
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

static int parse_box(const struct line *l, struct brk_cred *c, const char *spec)
{
	struct brk_box b;
	struct brk_box *boxes;
	int used = 0;

	if (sscanf(spec, "%lf,%lf,%lf,%lf%n", &b.south, &b.west, &b.north, &b.east, &used) != 4 ||
	    spec[used] != '\0')
		return line_err(l, "a box is box=SOUTH,WEST,NORTH,EAST in degrees, not '%s'", spec);
	if (!(b.south >= -90 && b.south <= b.north && b.north <= 90 && b.west >= -180 &&
	      b.west <= 180 && b.east >= -180 && b.east <= 180))
		return line_err(l, "box '%s' is outside WGS84 or has south above north", spec);
	boxes = realloc(c->boxes, (c->n_boxes + 1) * sizeof(*boxes));
	if (!boxes)
		return V2X_ENOMEM;
	c->boxes = boxes;
	boxes[c->n_boxes++] = b;
	return 0;
}

static int parse_scope(const struct line *l, struct brk_cred *c, const char *field)
{
	if (strncmp(field, "vehicle=", 8) == 0)
		return parse_vehicles(l, c, field + 8);
	if (strncmp(field, "box=", 4) == 0)
		return parse_box(l, c, field + 4);
	return line_err(l, "unknown field '%s' (vehicle=... or box=...)", field);
}

static int parse_role(const struct line *l, const char *word, enum brk_role *role)
{
	if (strcmp(word, "agent") == 0)
		*role = BRK_ROLE_AGENT;
	else if (strcmp(word, "subscriber") == 0)
		*role = BRK_ROLE_SUBSCRIBER;
	else
		return line_err(l, "role '%s' is neither agent nor subscriber", word);
	return 0;
}

/* Parses the fields of one line into c. */
static int parse_fields(const struct line *l, struct brk_cred *c)
{
	char *save = NULL;
	const char *role = strtok_r(l->text, " \t", &save);
	const char *token = strtok_r(NULL, " \t", &save);
	const char *ids = strtok_r(NULL, " \t", &save);
	const char *field;
	int rc;

	if (!token || !ids)
		return line_err(l, "expected ROLE TOKEN ID...");
	rc = parse_role(l, role, &c->role);
	if (rc)
		return rc;
	c->token_len = strlen(token);
	if (c->token_len > BRK_AUTH_TOKEN_MAX)
		return line_err(l, "token longer than %d bytes", BRK_AUTH_TOKEN_MAX);
	c->token = strdup(token);
	if (!c->token)
		return V2X_ENOMEM;
	if (c->role == BRK_ROLE_SUBSCRIBER && strchr(ids, ','))
		return line_err(l, "a subscriber credential names one account");
	rc = parse_ids(l, c, ids);
	while (!rc && (field = strtok_r(NULL, " \t", &save)) != NULL) {
		if (c->role == BRK_ROLE_AGENT)
			return line_err(l, "an agent credential has no scope ('%s')", field);
		rc = parse_scope(l, c, field);
	}
	return rc;
}

static int add_line(struct brk_auth *auth, struct line *l)
{
	struct brk_cred c = { 0 };
	int rc;

	if (auth->n == auth->cap) {
		size_t cap = auth->cap ? 2 * auth->cap : 16;
		struct brk_cred *creds = realloc(auth->creds, cap * sizeof(*creds));

		if (!creds)
			return V2X_ENOMEM;
		auth->creds = creds;
		auth->cap = cap;
	}
	rc = parse_fields(l, &c);
	if (rc) {
		cred_fini(&c);
		return rc;
	}
	for (size_t i = 0; i < auth->n; i++)
		if (strcmp(auth->creds[i].token, c.token) == 0) {
			cred_fini(&c);
			return line_err(l, "a token used twice");
		}
	auth->creds[auth->n++] = c;
	return 0;
}

static bool blank_line(const char *s)
{
	s += strspn(s, " \t\r");
	return *s == '\0' || *s == '#';
}

int brk_auth_parse(const char *text, struct brk_auth **out, char *err, size_t errlen)
{
	struct brk_auth *auth = calloc(1, sizeof(*auth));
	struct line l = { .err = err, .errlen = errlen };
	int rc = 0;

	*out = NULL;
	if (!auth)
		return V2X_ENOMEM;
	while (*text && !rc) {
		size_t len = strcspn(text, "\n");

		l.no++;
		l.text = strndup(text, len);
		if (!l.text) {
			rc = V2X_ENOMEM;
			break;
		}
		l.text[strcspn(l.text, "\r")] = '\0';
		if (!blank_line(l.text))
			rc = add_line(auth, &l);
		free(l.text);
		text += len + (text[len] == '\n');
	}
	if (rc) {
		brk_auth_free(auth);
		return rc;
	}
	*out = auth;
	return 0;
}

int brk_auth_load(const char *path, struct brk_auth **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	int rc;

	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "cannot open credentials file %s: %s", path, strerror(errno));
		return V2X_EIO;
	}
	FILE *mem = open_memstream(&text, &size);
	char chunk[4096];
	size_t n;

	if (!mem) {
		fclose(f);
		return V2X_ENOMEM;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	rc = ferror(f) ? V2X_EIO : 0;
	fclose(f);
	fclose(mem);
	if (rc)
		snprintf(err, errlen, "cannot read credentials file %s", path);
	else
		rc = brk_auth_parse(text ? text : "", out, err, errlen);
	free(text);
	return rc;
}

/* Compares in time that depends on the lengths only, not on the bytes. */
static bool token_eq(const struct brk_cred *c, const uint8_t *cred, size_t len)
{
	unsigned diff = 0;

	if (c->token_len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned)((uint8_t)c->token[i] ^ cred[i]);
	return diff == 0;
}

static const struct brk_cred *find_token(const struct brk_auth *auth, const uint8_t *cred,
                                         size_t len)
{
	const struct brk_cred *found = NULL;

	/* Every entry is compared, so that the time does not say which. */
	for (size_t i = 0; i < auth->n; i++)
		if (token_eq(&auth->creds[i], cred, len) && !found)
			found = &auth->creds[i];
	return found;
}

static bool cred_has_id(const struct brk_cred *c, const char *id)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (strcmp(c->ids[i], id) == 0)
			return true;
	return false;
}

static const char *role_name(enum brk_role role)
{
	return role == BRK_ROLE_AGENT ? "agent" : "subscriber";
}

int brk_auth_check(const struct brk_auth *auth, enum brk_role role, const char *id,
                   const uint8_t *cred, size_t cred_len, struct brk_principal *p, char *why,
                   size_t whylen)
{
	const struct brk_cred *c = find_token(auth, cred, cred_len);
	size_t id_len = strlen(id);

	if (!c) {
		snprintf(why, whylen, "unknown credential for id '%.64s'", id);
		return V2X_ENOTFOUND;
	}
	if (c->role != role) {
		snprintf(why, whylen, "the credential of id '%.64s' is for an %s, not a %s", id,
		         role_name(c->role), role_name(role));
		return V2X_EINVAL;
	}
	if (id_len == 0 || id_len > BRK_AUTH_ID_MAX || !cred_has_id(c, id)) {
		snprintf(why, whylen, "the credential is not bound to %s id '%.64s'",
		         role_name(role), id);
		return V2X_EINVAL;
	}
	p->role = role;
	memcpy(p->id, id, id_len + 1);
	p->cred = c;
	return 0;
}

bool brk_principal_may_rsu(const struct brk_principal *p, const char *rsu_id)
{
	return p->role == BRK_ROLE_AGENT && cred_has_id(p->cred, rsu_id);
}

bool brk_principal_may_vehicle(const struct brk_principal *p, const uint8_t id8[8])
{
	const struct brk_cred *c = p->cred;

	if (p->role != BRK_ROLE_SUBSCRIBER)
		return false;
	if (c->n_vehicles == 0)
		return true;
	for (size_t i = 0; i < c->n_vehicles; i++)
		if (memcmp(c->vehicles[i], id8, 8) == 0)
			return true;
	return false;
}

static bool lon_in(double west, double east, double lon)
{
	if (west <= east)
		return lon >= west && lon <= east;
	return lon >= west || lon <= east; /* across 180 degrees */
}

static bool box_has_point(const struct brk_box *b, double lat, double lon)
{
	return lat >= b->south && lat <= b->north && lon_in(b->west, b->east, lon);
}

bool brk_principal_may_point(const struct brk_principal *p, double lat, double lon)
{
	const struct brk_cred *c = p->cred;

	if (p->role != BRK_ROLE_SUBSCRIBER)
		return false;
	if (c->n_boxes == 0)
		return true;
	for (size_t i = 0; i < c->n_boxes; i++)
		if (box_has_point(&c->boxes[i], lat, lon))
			return true;
	return false;
}

static bool box_in_box(const struct brk_box *outer, const struct brk_box *b)
{
	bool outer_wraps = outer->west > outer->east, b_wraps = b->west > b->east;

	if (b->south < outer->south || b->north > outer->north)
		return false;
	if (!outer_wraps)
		return !b_wraps && b->west >= outer->west && b->east <= outer->east;
	if (b_wraps)
		return b->west >= outer->west && b->east <= outer->east;
	/* outer wraps, b does not: b lies wholly on one side of 180 degrees. */
	return (b->west >= outer->west && b->east <= 180) ||
	       (b->west >= -180 && b->east <= outer->east);
}

bool brk_principal_may_box(const struct brk_principal *p, const struct brk_box *b)
{
	const struct brk_cred *c = p->cred;

	if (p->role != BRK_ROLE_SUBSCRIBER)
		return false;
	if (c->n_boxes == 0)
		return true;
	for (size_t i = 0; i < c->n_boxes; i++)
		if (box_in_box(&c->boxes[i], b))
			return true;
	return false;
}
