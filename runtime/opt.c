#include "runtime/opt.h"

#include "runtime/compiler.h"
#include "runtime/err.h"
#include "runtime/opt_value.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reasons are short; values quoted back to the user are cut to fit. */
#define WHY_MAX 256

/* Writes the message into err (when there is one) and returns code. */
static int V2X_PRINTF(4, 5) fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static char *field_of(const struct v2x_opt *o, void *cfg)
{
	return (char *)cfg + o->offset;
}

static int set_value(const struct v2x_opt *o, void *cfg, const char *text, char *why)
{
	return v2x__opt_kind(o->type)->parse(o, text, field_of(o, cfg), why, WHY_MAX);
}

/* '-' and '_' are one character in option names. */
static char name_char(char c)
{
	return c == '_' ? '-' : c;
}

/* Returns whether s[0..len) spells name. */
static bool name_eq(const char *name, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!name[i] || name_char(name[i]) != name_char(s[i]))
			return false;
	}
	return name[len] == '\0';
}

static const struct v2x_opt *find_long(const struct v2x_opt_table *t, const char *s, size_t len)
{
	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		if (name_eq(o->name, s, len))
			return o;
	}
	return NULL;
}

static const struct v2x_opt *find_short(const struct v2x_opt_table *t, char c)
{
	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		if (o->short_name && o->short_name == c)
			return o;
	}
	return NULL;
}

static const struct v2x_opt *find_type(const struct v2x_opt_table *t, enum v2x_opt_type type)
{
	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		if (o->type == type)
			return o;
	}
	return NULL;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Edit distance between s[0..len) and name, counting a swap of two
 * neighbours as one edit ("prot" is one edit from "port"); SIZE_MAX for
 * names too long to bother with.
 */
static size_t distance(const char *s, size_t len, const char *name)
{
	size_t nlen = strlen(name), rows[3][65];

	if (len >= 64 || nlen >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= nlen; j++)
		rows[0][j] = j;
	for (size_t i = 1; i <= len; i++) {
		size_t *cur = rows[i % 3], *up = rows[(i - 1) % 3], *up2 = rows[(i + 1) % 3];
		cur[0] = i;
		for (size_t j = 1; j <= nlen; j++) {
			char a = name_char(s[i - 1]), b = name_char(name[j - 1]);
			cur[j] = min3(up[j] + 1, cur[j - 1] + 1, up[j - 1] + (a != b));
			if (i > 1 && j > 1 && a == name_char(name[j - 2]) &&
			    name_char(s[i - 2]) == b && up2[j - 2] + 1 < cur[j])
				cur[j] = up2[j - 2] + 1;
		}
	}
	return rows[len % 3][nlen];
}

/* Returns the option whose name is nearest to a misspelt s, if one is near enough. */
static const struct v2x_opt *suggest(const struct v2x_opt_table *t, const char *s, size_t len)
{
	const struct v2x_opt *best = NULL;
	size_t best_d = len < 6 ? 1 : 2;

	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		size_t d = distance(s, len, o->name);
		if (d <= best_d) {
			best = o;
			best_d = d;
		}
	}
	return best;
}

/* The name of an option's value in --help; NULL for flags and listed enums. */
static const char *metavar_of(const struct v2x_opt *o)
{
	return o->metavar ? o->metavar : v2x__opt_kind(o->type)->metavar;
}

/* Writes the dashed spelling of name, as --help shows it. */
static void dashed(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name_char(name[i]);
	buf[i] = '\0';
}

/* ---- config files ---- */

struct file_ctx {
	const struct v2x_opt_table *t;
	void *cfg;
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
};

static int V2X_PRINTF(2, 3) file_fail(const struct file_ctx *f, const char *fmt, ...)
{
	int n;

	if (!f->err || !f->errlen)
		return V2X_ECONFIG;
	n = snprintf(f->err, f->errlen, "%s:%u: ", f->path, f->line);
	if (n >= 0 && (size_t)n < f->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(f->err + n, f->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return V2X_ECONFIG;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blank(char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Returns whether only blanks, and maybe a comment, follow a closing quote. */
static bool rest_is_blank(char *p)
{
	p = skip_blank(p);
	return *p == '\0' || *p == '#';
}

/*
 * Copies a quoted value over itself without its quotes; in "..." a
 * backslash escapes '"' and '\\'.  Returns the reason when it is malformed.
 */
static const char *unquote(char *v)
{
	char quote = *v, *r = v + 1, *w = v;

	while (*r && *r != quote) {
		if (quote == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	if (*r != quote)
		return "unterminated quote";
	*w = '\0';
	return rest_is_blank(r + 1) ? NULL : "text after the closing quote";
}

/* Cuts an unquoted value at a " #" comment and drops its trailing blanks. */
static void trim_value(char *v)
{
	size_t len;

	for (char *p = v; *p; p++) {
		if (*p == '#' && p > v && is_blank(p[-1])) {
			*p = '\0';
			break;
		}
	}
	len = strlen(v);
	while (len && is_blank(v[len - 1]))
		v[--len] = '\0';
}

static int file_unknown(const struct file_ctx *f, const char *key)
{
	const struct v2x_opt *near = suggest(f->t, key, strlen(key));

	if (near)
		return file_fail(f, "unknown key '%s' (did you mean '%s'? see --help)", key,
		                 near->name);
	return file_fail(f, "unknown key '%s' (see --help)", key);
}

static int file_apply(const struct file_ctx *f, const char *key, const char *value)
{
	const struct v2x_opt *o = find_long(f->t, key, strlen(key));
	char why[WHY_MAX];
	int rc;

	if (!o)
		return file_unknown(f, key);
	if (o->type == V2X_OPT_CONFIG)
		return file_fail(f, "'%s' cannot be set inside a config file", key);
	rc = set_value(o, f->cfg, value, why);
	if (rc == V2X_ENOMEM)
		return fail(f->err, f->errlen, rc, "%s:%u: out of memory", f->path, f->line);
	if (rc)
		return file_fail(f, "%s = %s: %s", key, value, why);
	return 0;
}

static int file_line(const struct file_ctx *f, char *line)
{
	char *key = skip_blank(line), *eq, *end, *value;
	const char *why = NULL;

	line[strcspn(line, "\r\n")] = '\0';
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return file_fail(f, "expected 'key = value', got '%s'", key);
	value = skip_blank(eq + 1);
	for (end = eq; end > key && is_blank(end[-1]); end--)
		;
	if (end == key)
		return file_fail(f, "missing key before '='");
	*end = '\0';
	if (*value == '"' || *value == '\'')
		why = unquote(value);
	else
		trim_value(value);
	if (why)
		return file_fail(f, "%s: %s", key, why);
	return file_apply(f, key, value);
}

static int file_read(struct file_ctx *f, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (rc == 0 && getline(&line, &cap, in) >= 0) {
		f->line++;
		rc = file_line(f, line);
	}
	if (rc == 0 && ferror(in))
		rc = fail(f->err, f->errlen, V2X_ECONFIG, "%s: read error after line %u", f->path,
		          f->line);
	free(line);
	return rc;
}

/* Loads path; when missing_ok, a file that does not exist returns 1 instead. */
static int load_file(const struct v2x_opt_table *t, void *cfg, const char *path, bool missing_ok,
                     char *err, size_t errlen)
{
	struct file_ctx f = { t, cfg, path, 0, err, errlen };
	FILE *in = fopen(path, "r");
	int rc;

	if (!in && missing_ok && errno == ENOENT)
		return 1;
	if (!in)
		return fail(err, errlen, V2X_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
	rc = file_read(&f, in);
	fclose(in);
	return rc;
}

int v2x_opt_load_file(const struct v2x_opt_table *t, void *cfg, const char *path, char *err,
                      size_t errlen)
{
	return load_file(t, cfg, path, false, err, errlen);
}

/* ---- defaults and release ---- */

static int check_opt(const struct v2x_opt *o, char *err, size_t errlen)
{
	if (!v2x__opt_kind(o->type))
		return fail(err, errlen, V2X_ECONFIG, "option '%s': unknown type %d", o->name,
		            (int)o->type);
	if (o->type == V2X_OPT_ENUM && (!o->choices || !o->choices[0]))
		return fail(err, errlen, V2X_ECONFIG, "option '%s': an enum needs choices",
		            o->name);
	return 0;
}

int v2x_opt_defaults(const struct v2x_opt_table *t, void *cfg, char *err, size_t errlen)
{
	char why[WHY_MAX];

	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		int rc = check_opt(o, err, errlen);
		if (rc)
			return rc;
		memset(field_of(o, cfg), 0, v2x__opt_kind(o->type)->size);
		/* A CONFIG default is a file to look for, not a value to store. */
		if (!o->def || o->type == V2X_OPT_CONFIG)
			continue;
		rc = set_value(o, cfg, o->def, why);
		if (rc)
			return fail(err, errlen, rc == V2X_ENOMEM ? rc : V2X_ECONFIG,
			            "option '%s': default '%s': %s", o->name, o->def, why);
	}
	return 0;
}

void v2x_opt_release(const struct v2x_opt_table *t, void *cfg)
{
	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		const struct v2x__opt_kind *k = v2x__opt_kind(o->type);
		if (k && k->owns_string) {
			char **slot = (char **)(void *)field_of(o, cfg);
			free(*slot);
			*slot = NULL;
		}
	}
}

/* ---- the command line ---- */

/*
 * The command line is walked three times: to check its syntax and find
 * --help (so that --help works whatever the config file holds), to load the
 * config files it names, and to apply its options over them.
 */
enum walk_mode { WALK_SCAN, WALK_CONFIG, WALK_APPLY };

struct walk {
	const struct v2x_opt_table *t;
	void *cfg;
	int argc;
	char **argv;
	int i;     /* next argument */
	int npos;  /* positional arguments kept so far */
	bool rest; /* every further argument is positional */
	bool help;
	bool config_seen;
	enum walk_mode mode;
	char *err;
	size_t errlen;
};

static int walk_config(struct walk *w, const struct v2x_opt *o, const char *path)
{
	char why[WHY_MAX];
	int rc = load_file(w->t, w->cfg, path, false, w->err, w->errlen);

	if (rc)
		return rc;
	w->config_seen = true;
	rc = set_value(o, w->cfg, path, why);
	return rc ? fail(w->err, w->errlen, rc, "%s: %s", path, why) : 0;
}

/* Acts on one option according to the pass; shown and sep echo what was typed. */
static int walk_apply(struct walk *w, const struct v2x_opt *o, const char *shown, char sep,
                      const char *value)
{
	char why[WHY_MAX];
	int rc;

	if (w->mode == WALK_SCAN)
		return 0;
	if (w->mode == WALK_CONFIG)
		return o->type == V2X_OPT_CONFIG ? walk_config(w, o, value) : 0;
	if (o->type == V2X_OPT_CONFIG)
		return 0;
	rc = set_value(o, w->cfg, value, why);
	if (rc == V2X_ENOMEM)
		return fail(w->err, w->errlen, rc, "%s: out of memory", shown);
	if (rc && sep)
		return fail(w->err, w->errlen, V2X_EUSAGE, "%s%c%s: %s", shown, sep, value, why);
	if (rc)
		return fail(w->err, w->errlen, V2X_EUSAGE, "%s: %s", shown, why);
	return 0;
}

/* An option that takes a value: inline (value != NULL) or the next argument. */
static int walk_value(struct walk *w, const struct v2x_opt *o, const char *shown, char sep,
                      const char *value)
{
	const char *metavar = metavar_of(o);

	if (!value && w->i >= w->argc)
		return fail(w->err, w->errlen, V2X_EUSAGE, "%s: missing value (%s%c%s)", shown,
		            shown, sep, metavar ? metavar : "VALUE");
	if (!value)
		value = w->argv[w->i++];
	return walk_apply(w, o, shown, sep, value);
}

static int walk_flag(struct walk *w, const struct v2x_opt *o, const char *shown, const char *eq,
                     bool negated)
{
	if (negated && eq)
		return fail(w->err, w->errlen, V2X_EUSAGE, "%s: takes no value", shown);
	if (eq)
		return walk_apply(w, o, shown, '=', eq + 1);
	return walk_apply(w, o, shown, 0, negated ? "false" : "true");
}

static int walk_help(struct walk *w, const char *eq, const char *shown)
{
	if (eq)
		return fail(w->err, w->errlen, V2X_EUSAGE, "%s: takes no value", shown);
	w->help = true;
	return 0;
}

static int walk_unknown(const struct walk *w, const char *shown, const char *name, size_t len)
{
	const struct v2x_opt *near = suggest(w->t, name, len);
	char spelt[64];

	if (!near)
		return fail(w->err, w->errlen, V2X_EUSAGE, "%s: unknown option (see --help)",
		            shown);
	dashed(near->name, spelt, sizeof(spelt));
	return fail(w->err, w->errlen, V2X_EUSAGE,
	            "%s: unknown option (did you mean --%s? see --help)", shown, spelt);
}

/* A --no-NAME spelling: returns the flag it negates, or NULL. */
static const struct v2x_opt *find_negated(const struct v2x_opt_table *t, const char *s, size_t len)
{
	if (len <= 3 || strncmp(s, "no", 2) != 0 || name_char(s[2]) != '-')
		return NULL;
	return find_long(t, s + 3, len - 3);
}

static int walk_long(struct walk *w, const char *body)
{
	const char *eq = strchr(body, '=');
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	const struct v2x_opt *o = find_long(w->t, body, len);
	char shown[80];

	snprintf(shown, sizeof(shown), "--%.*s", (int)len, body);
	if (!o && name_eq("help", body, len))
		return walk_help(w, eq, shown);
	if (o && o->type == V2X_OPT_FLAG)
		return walk_flag(w, o, shown, eq, false);
	if (o)
		return walk_value(w, o, shown, '=', eq ? eq + 1 : NULL);
	o = find_negated(w->t, body, len);
	if (o && o->type == V2X_OPT_FLAG)
		return walk_flag(w, o, shown, eq, true);
	if (o)
		return fail(w->err, w->errlen, V2X_EUSAGE,
		            "%s: only flags have a --no- form (see --help)", shown);
	return walk_unknown(w, shown, body, len);
}

/* One argument of single-letter options: -x value, -xvalue, or flags -abc. */
static int walk_short(struct walk *w, const char *s)
{
	for (; *s; s++) {
		const struct v2x_opt *o = find_short(w->t, *s);
		char shown[3] = { '-', *s, '\0' };
		int rc;

		if (!o && *s == 'h')
			return walk_help(w, NULL, shown);
		if (!o)
			return fail(w->err, w->errlen, V2X_EUSAGE,
			            "%s: unknown option (see --help)", shown);
		if (o->type != V2X_OPT_FLAG)
			return walk_value(w, o, shown, ' ', s[1] ? s + 1 : NULL);
		rc = walk_apply(w, o, shown, 0, "true");
		if (rc)
			return rc;
	}
	return 0;
}

static int walk_arg(struct walk *w, char *arg)
{
	if (w->rest || arg[0] != '-' || arg[1] == '\0') {
		/* Moved down in place: npos + 1 <= i, and argv[i] is already read. */
		if (w->mode == WALK_APPLY)
			w->argv[++w->npos] = arg;
		w->rest = w->rest || w->t->stop_at_positional;
		return 0;
	}
	if (strcmp(arg, "--") == 0) {
		w->rest = true;
		return 0;
	}
	if (arg[1] == '-')
		return walk_long(w, arg + 2);
	return walk_short(w, arg + 1);
}

static int walk_run(struct walk *w, enum walk_mode mode)
{
	int rc = 0;

	w->mode = mode;
	w->i = 1;
	w->npos = 0;
	w->rest = false;
	while (rc == 0 && !w->help && w->i < w->argc)
		rc = walk_arg(w, w->argv[w->i++]);
	return rc;
}

/* Without --config, the CONFIG option's default file is read if it exists. */
static int load_default_config(struct walk *w)
{
	const struct v2x_opt *o = find_type(w->t, V2X_OPT_CONFIG);
	char why[WHY_MAX];
	int rc;

	if (!o || !o->def)
		return 0;
	rc = load_file(w->t, w->cfg, o->def, true, w->err, w->errlen);
	if (rc)
		return rc > 0 ? 0 : rc;
	rc = set_value(o, w->cfg, o->def, why);
	return rc ? fail(w->err, w->errlen, rc, "%s: %s", o->def, why) : 0;
}

int v2x_opt_parse_args(const struct v2x_opt_table *t, void *cfg, int argc, char **argv,
                       struct v2x_opt_args *out, char *err, size_t errlen)
{
	struct walk w = {
		.t = t, .cfg = cfg, .argc = argc, .argv = argv, .err = err, .errlen = errlen
	};
	int rc;

	out->argc = 0;
	out->argv = argc > 0 ? argv + 1 : argv;
	out->help = false;
	rc = walk_run(&w, WALK_SCAN);
	if (rc || w.help) {
		out->help = w.help;
		return rc;
	}
	rc = walk_run(&w, WALK_CONFIG);
	if (rc == 0 && !w.config_seen)
		rc = load_default_config(&w);
	if (rc == 0)
		rc = walk_run(&w, WALK_APPLY);
	if (rc)
		return rc;
	if (argc > 0)
		argv[w.npos + 1] = NULL;
	out->argc = w.npos;
	return 0;
}

/* ---- --help ---- */

/* Left column of --help: "-p, --port=INT", "    --[no-]verbose". */
static void help_left(const struct v2x_opt *o, char *buf, size_t len)
{
	const char *metavar = metavar_of(o);
	size_t n = 0;
	char name[64];

	dashed(o->name, name, sizeof(name));
	if (o->short_name)
		n = (size_t)snprintf(buf, len, "-%c, ", o->short_name);
	else
		n = (size_t)snprintf(buf, len, "    ");
	n += (size_t)snprintf(buf + n, len - n, "--%s%s", o->type == V2X_OPT_FLAG ? "[no-]" : "",
	                      name);
	if (o->type == V2X_OPT_ENUM && !metavar) {
		for (size_t i = 0; o->choices[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%c%s", i ? '|' : '=',
			                      o->choices[i]);
	} else if (metavar && n < len) {
		snprintf(buf + n, len - n, "=%s", metavar);
	}
}

/* Right column: the help text, then "(default: X; range: A..B)". */
static void help_right(const struct v2x_opt *o, char *buf, size_t len)
{
	char bounds[64];
	size_t n = (size_t)snprintf(buf, len, "%s", o->help ? o->help : "");

	v2x__opt_kind(o->type)->bounds(o, bounds, sizeof(bounds));
	if (o->def && n < len)
		snprintf(buf + n, len - n, " (default: %s%s%s)", o->def[0] ? o->def : "\"\"",
		         bounds[0] ? "; range: " : "", bounds);
	else if (bounds[0] && n < len)
		snprintf(buf + n, len - n, " (range: %s)", bounds);
}

static void help_line(FILE *out, const char *left, const char *right)
{
	if (strlen(left) <= 28)
		fprintf(out, "  %-28s %s\n", left, right);
	else
		fprintf(out, "  %s\n  %-28s %s\n", left, "", right);
}

void v2x_opt_help(const struct v2x_opt_table *t, FILE *out)
{
	char left[256], right[512];

	fprintf(out, "Usage: %s\n", t->usage ? t->usage : "PROGRAM [OPTIONS]");
	if (t->about)
		fprintf(out, "\n%s\n", t->about);
	fputs("\nOptions:\n", out);
	for (const struct v2x_opt *o = t->opts; o->name; o++) {
		help_left(o, left, sizeof(left));
		help_right(o, right, sizeof(right));
		help_line(out, left, right);
	}
	help_line(out, find_short(t, 'h') ? "    --help" : "-h, --help", "show this help and exit");
	if (find_type(t, V2X_OPT_CONFIG))
		fputs("\nEvery long option can also be set in the config file, as a line\n"
		      "`name = value`; options on the command line override the file.\n",
		      out);
}
