/*
 * scenario.c: reading the file and the generic walk of its mappings and
 * lists.  What each section holds is in the tables of scenario_keys.c;
 * how a single value is read is in scenario_value.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/scenario/scenario_int.h"

/* Reading a list item by item is bounded by the list's own .hi, and a key
 * table by the 64 bits of the seen mask. */
#define SIM_SCEN_KEYS_MAX 64

int sim_scen__fail(struct sim_scen_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	int k = snprintf(c->err, c->errlen, "%s:%zu:%zu: %s%s", c->file, n->start_mark.line + 1,
	                 n->start_mark.column + 1, c->path, c->plen ? ": " : "");
	if (k >= 0 && (size_t)k < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return V2X_EINVAL;
}

/* Appends text to the key path (cut short if it would not fit) and
 * returns the length to restore. */
static size_t push(struct sim_scen_ctx *c, const char *text)
{
	size_t old = c->plen, len = strlen(text);

	if (old + len >= sizeof(c->path))
		len = sizeof(c->path) - 1 - old;
	memcpy(c->path + old, text, len);
	c->plen = old + len;
	c->path[c->plen] = '\0';
	return old;
}

size_t sim_scen__push_index(struct sim_scen_ctx *c, size_t i)
{
	char text[32];

	snprintf(text, sizeof(text), "[%zu]", i);
	return push(c, text);
}

size_t sim_scen__push_key(struct sim_scen_ctx *c, const char *name)
{
	char text[80];

	snprintf(text, sizeof(text), "%s%s", c->plen ? "." : "", name);
	return push(c, text);
}

static void pop(struct sim_scen_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

const yaml_node_t *sim_scen__node(const struct sim_scen_ctx *c, yaml_node_item_t item)
{
	return yaml_document_get_node(c->doc, item);
}

const char *sim_scen__scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* "name, class, length_m, ..." for messages. */
static const char *key_list(const struct sim_scen_section *sec, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sec->n_keys && k < len; i++) {
		int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", sec->keys[i].name);
		k += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

/* Edit distance of two short keys, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int unknown_key(struct sim_scen_ctx *c, const yaml_node_t *key,
                       const struct sim_scen_section *sec)
{
	char keys[1024], hint[96] = "", where[256];
	const char *name = sim_scen__scalar(key);
	size_t best = 3, old;
	int rc;

	for (size_t i = 0; i < sec->n_keys; i++) {
		size_t d = distance(name, sec->keys[i].name);
		if (d < best) {
			best = d;
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)", sec->keys[i].name);
		}
	}
	snprintf(where, sizeof(where), "%s", c->plen ? c->path : "the top level");
	old = sim_scen__push_key(c, name);
	rc = sim_scen__fail(c, key, "unknown key '%s' in %s%s; known keys: %s", name, where, hint,
	                    key_list(sec, keys, sizeof(keys)));
	pop(c, old);
	return rc;
}

static int find_key(const struct sim_scen_section *sec, const char *name)
{
	for (size_t i = 0; i < sec->n_keys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A key that another key of its group already set. */
static int group_clash(struct sim_scen_ctx *c, const yaml_node_t *key,
                       const struct sim_scen_section *sec, int i, uint64_t seen)
{
	size_t old;
	int rc;

	if (!sec->keys[i].group)
		return 0;
	for (size_t j = 0; j < sec->n_keys; j++) {
		if (!(seen & (1ull << j)) || sec->keys[j].group != sec->keys[i].group)
			continue;
		old = sim_scen__push_key(c, sec->keys[i].name);
		rc = sim_scen__fail(c, key, "%s and %s both given (give one of them)",
		                    sec->keys[j].name, sec->keys[i].name);
		pop(c, old);
		return rc;
	}
	return 0;
}

/* Pairs the keys of mapping n with the table, refusing unknown, repeated
 * and mutually exclusive keys. */
static int collect(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_section *sec,
                   const yaml_node_t **vals, uint64_t *seen)
{
	for (const yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *key = yaml_document_get_node(c->doc, p->key);
		const char *name = sim_scen__scalar(key);
		int i, rc;

		if (!name)
			return sim_scen__fail(c, key, "%s as a key (keys are names)",
			                      sim_scen__what(key));
		if ((i = find_key(sec, name)) < 0)
			return unknown_key(c, key, sec);
		if (*seen & (1ull << i)) {
			size_t old = sim_scen__push_key(c, name);
			rc = sim_scen__fail(c, key, "key '%s' given twice (give each key once)",
			                    name);
			pop(c, old);
			return rc;
		}
		if ((rc = group_clash(c, key, sec, i, *seen)) != 0)
			return rc;
		*seen |= 1ull << i;
		vals[i] = yaml_document_get_node(c->doc, p->value);
	}
	return 0;
}

static int required(struct sim_scen_ctx *c, const yaml_node_t *n,
                    const struct sim_scen_section *sec, uint64_t seen)
{
	for (size_t i = 0; i < sec->n_keys; i++) {
		const struct sim_scen_key *k = &sec->keys[i];
		bool other = false;

		if (!(k->flags & SIM_KEY_REQUIRED) || (seen & (1ull << i)))
			continue;
		/* A required key of a group is satisfied by any key of it. */
		for (size_t j = 0; j < sec->n_keys && k->group; j++)
			other |= (seen & (1ull << j)) && sec->keys[j].group == k->group;
		if (!other)
			return sim_scen__fail(c, n, "missing key '%s' (it is required)", k->name);
	}
	return 0;
}

int sim_scen__map(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_section *sec,
                  void *obj)
{
	const yaml_node_t *vals[SIM_SCEN_KEYS_MAX] = { 0 };
	uint64_t seen = 0;
	int rc;

	if (n->type != YAML_MAPPING_NODE) {
		char keys[1024];
		return sim_scen__fail(c, n, "%s where a mapping is expected (keys: %s)",
		                      sim_scen__what(n), key_list(sec, keys, sizeof(keys)));
	}
	if (sec->init)
		sec->init(c, obj);
	if ((rc = collect(c, n, sec, vals, &seen)) != 0 || (rc = required(c, n, sec, seen)) != 0)
		return rc;
	/* Keys are read in table order, not file order, so that a section can
	 * refer to one the table puts before it (expect to actors). */
	for (size_t i = 0; i < sec->n_keys; i++) {
		size_t old;
		if (!vals[i])
			continue;
		old = sim_scen__push_key(c, sec->keys[i].name);
		rc = sim_scen__value(c, vals[i], &sec->keys[i], obj);
		pop(c, old);
		if (rc)
			return rc;
	}
	return sec->finish ? sec->finish(c, n, obj, seen) : 0;
}

int sim_scen__seq(struct sim_scen_ctx *c, const yaml_node_t *n, size_t lo, size_t hi,
                  yaml_node_item_t **items, size_t *count)
{
	size_t k;

	if (n->type != YAML_SEQUENCE_NODE)
		return sim_scen__fail(c, n, "%s where a list is expected ([...] or '- ' items)",
		                      sim_scen__what(n));
	k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (k < lo || k > hi)
		return sim_scen__fail(c, n, "%zu items (allowed: %zu..%zu)", k, lo, hi);
	*items = n->data.sequence.items.start;
	*count = k;
	return 0;
}

/* The array is the object's as soon as it is allocated and its count
 * grows as items finish, so that an item's checks see the items before it
 * (unique names, actor ids). */
int sim_scen__list(struct sim_scen_ctx *c, const yaml_node_t *n, const struct sim_scen_key *k,
                   void *obj)
{
	yaml_node_item_t *items;
	size_t count = 0, *np = (size_t *)(void *)((char *)obj + k->count_off);
	char *base;
	int rc;

	if ((rc = sim_scen__seq(c, n, (size_t)k->lo, (size_t)k->hi, &items, &count)) != 0)
		return rc;
	if (!(base = v2x_arena_calloc(c->arena, count ? count : 1, k->size))) {
		snprintf(c->err, c->errlen, "%s: out of memory reading %s", c->file, c->path);
		return V2X_ENOMEM;
	}
	memcpy((char *)obj + k->off, &base, sizeof(base));
	*np = 0;
	for (size_t i = 0; i < count; i++) {
		size_t old = sim_scen__push_index(c, i);
		rc = sim_scen__map(c, sim_scen__node(c, items[i]), k->sub, base + i * k->size);
		pop(c, old);
		if (rc)
			return rc;
		*np = i + 1;
	}
	return 0;
}

int sim_scen__window(struct sim_scen_ctx *c, const yaml_node_t *n, double from, double to)
{
	if (!(from < to))
		return sim_scen__fail(c, n,
		                      "from_t_s %g is not before to_t_s %g (a window ends "
		                      "after it starts)",
		                      from, to);
	return 0;
}

/* libyaml's own reason, with its position. */
static int syntax_error(const yaml_parser_t *p, const char *file, char *err, size_t errlen)
{
	if (p->error == YAML_MEMORY_ERROR) {
		snprintf(err, errlen, "%s: out of memory", file);
		return V2X_ENOMEM;
	}
	if (p->error == YAML_READER_ERROR) {
		snprintf(err, errlen, "%s: byte %zu: not valid YAML text: %s (write UTF-8)", file,
		         p->problem_offset, p->problem ? p->problem : "?");
		return V2X_EINVAL;
	}
	snprintf(err, errlen, "%s:%zu:%zu: not valid YAML: %s%s%s (fix the syntax there)", file,
	         p->problem_mark.line + 1, p->problem_mark.column + 1,
	         p->problem ? p->problem : "?", p->context ? ", " : "",
	         p->context ? p->context : "");
	return V2X_EINVAL;
}

/* A file holds one document: a second one is refused rather than ignored. */
static int only_document(yaml_parser_t *p, const char *file, char *err, size_t errlen)
{
	yaml_document_t more;
	yaml_node_t *root;
	int rc = 0;

	if (!yaml_parser_load(p, &more))
		return syntax_error(p, file, err, errlen);
	if ((root = yaml_document_get_root_node(&more)) != NULL) {
		snprintf(err, errlen,
		         "%s:%zu:%zu: a second YAML document (one scenario per file, "
		         "without '---' between parts)",
		         file, root->start_mark.line + 1, root->start_mark.column + 1);
		rc = V2X_EINVAL;
	}
	yaml_document_delete(&more);
	return rc;
}

static int walk(yaml_parser_t *p, struct sim_scen_ctx *c)
{
	yaml_document_t doc;
	yaml_node_t *root;
	int rc;

	if (!yaml_parser_load(p, &doc))
		return syntax_error(p, c->file, c->err, c->errlen);
	c->doc = &doc;
	if (!(root = yaml_document_get_root_node(&doc))) {
		snprintf(c->err, c->errlen,
		         "%s:1:1: the file is empty (a scenario needs at least name and "
		         "duration_s)",
		         c->file);
		rc = V2X_EINVAL;
	} else {
		rc = sim_scen__map(c, root, &sim_scen__top, c->sc);
	}
	c->doc = NULL;
	yaml_document_delete(&doc);
	return rc ? rc : only_document(p, c->file, c->err, c->errlen);
}

int sim_scenario_load(const char *path, struct v2x_arena *arena, struct sim_scenario *out,
                      char *err, size_t errlen)
{
	struct sim_scen_ctx c = {
		.arena = arena, .sc = out, .file = path, .err = err, .errlen = errlen
	};
	yaml_parser_t p;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(f = fopen(path, "rb"))) {
		snprintf(err, errlen, "%s: cannot open: %s (check the path)", path,
		         strerror(errno));
		return V2X_EIO;
	}
	if (!yaml_parser_initialize(&p)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return V2X_ENOMEM;
	}
	yaml_parser_set_input_file(&p, f);
	snprintf(out->path, sizeof(out->path), "%s", path);
	rc = walk(&p, &c);
	yaml_parser_delete(&p);
	if (ferror(f) && rc == 0) {
		snprintf(err, errlen, "%s: read error", path);
		rc = V2X_EIO;
	}
	fclose(f);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
