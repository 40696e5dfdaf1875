/*
 * opt: options of a program from a table, set by defaults, then a config
 * file, then the command line.
 *
 * A program describes each setting once, as a struct v2x_opt naming a field
 * of its own config struct; this module fills that struct:
 *
 *   struct agent_cfg { char *config; int64_t port; size_t max_frame; bool verbose; };
 *   static const struct v2x_opt agent_opts[] = {
 *           { .name = "config", .short_name = 'c', .type = V2X_OPT_CONFIG,
 *             .offset = offsetof(struct agent_cfg, config), .help = "read FILE first" },
 *           { .name = "port", .type = V2X_OPT_INT, .min = 1, .max = 65535, .def = "4200",
 *             .offset = offsetof(struct agent_cfg, port), .help = "broker port" },
 *           ...
 *           V2X_OPT_END,
 *   };
 *
 * The long name is also the config-file key.  In names, '-' and '_' are the
 * same character, so `--max-frame` on the command line and `max_frame = 64k`
 * in a file set the same option; help shows the dashed form.  Long options
 * are never abbreviated.
 *
 * Config files hold `key = value` lines.  Blank lines and lines starting with
 * '#' are ignored, and so is a '#' after whitespace in an unquoted value.
 * Values may be quoted: "..." (where \" and \\ are escapes) or '...'
 * (literal); quotes are needed only to keep leading or trailing spaces or a
 * " #".  A later line overrides an earlier one.
 *
 * Errors are written into the caller's buffer with their context, for
 * example
 *
 *   agent.conf:12: unknown key 'fsync_polcy' (did you mean 'fsync_policy'? see --help)
 *   --max-frame=abc: not a size (examples: 65536, 64k, 1M)
 *
 * and every function returns 0, V2X_ECONFIG (a config file or the table's
 * defaults), V2X_EUSAGE (the command line) or V2X_ENOMEM.  The module keeps
 * no state of its own; the table and the config struct are the caller's.
 */
#ifndef V2X_RUNTIME_OPT_H
#define V2X_RUNTIME_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The type of an option and so of the field it sets. */
enum v2x_opt_type {
	/* bool.  Command line: --name, --no-name, --name=yes; file: yes/no,
	 * true/false, on/off, 1/0. */
	V2X_OPT_FLAG,
	/* int64_t, decimal, within min..max. */
	V2X_OPT_INT,
	/* double, finite, within dmin..dmax. */
	V2X_OPT_DOUBLE,
	/* char *, a copy owned by the config struct: free with v2x_opt_release(). */
	V2X_OPT_STRING,
	/* size_t bytes, within min..max: "65536", "64k", "1M", "2G", "1T" (powers of
	 * 1024; "KiB", "MiB", "GiB", "TiB" also accepted). */
	V2X_OPT_SIZE,
	/* int64_t milliseconds, within min..max: "250ms", "5s", "2m", "1h".  A
	 * unit is required (except for "0"): a bare "5" is refused rather than
	 * guessed at. */
	V2X_OPT_DURATION,
	/* int: the index of the value in choices (matched ignoring case), so a
	 * choices list in enum order fills an enum field. */
	V2X_OPT_ENUM,
	/* char *, like STRING: the path of a config file.  On the command line
	 * (--config FILE) the file is loaded before any other option is applied,
	 * so the command line overrides it.  Without it, .def names a file that
	 * is loaded only if it exists.  The field holds the path of the file
	 * loaded, NULL if none.  Not settable inside a config file. */
	V2X_OPT_CONFIG,
};

struct v2x_opt {
	const char *name;           /* long name and config key; NULL ends the table */
	char short_name;            /* single-letter option, 0 for none */
	enum v2x_opt_type type;     /* also the type of the field */
	size_t offset;              /* offsetof() the field in the config struct */
	const char *def;            /* default, written as a user would; NULL: zero */
	const char *metavar;        /* name of the value in --help; NULL: from type */
	const char *help;           /* one line for --help */
	int64_t min, max;           /* bounds of INT, SIZE, DURATION; min == max: none */
	double dmin, dmax;          /* bounds of DOUBLE; dmin == dmax: none */
	const char *const *choices; /* ENUM: the names, NULL-terminated */
};

/* The entry that ends a table of options. */
/* clang-format off */
#define V2X_OPT_END { .name = NULL }
/* clang-format on */

struct v2x_opt_table {
	const struct v2x_opt *opts; /* borrowed; ends with V2X_OPT_END */
	const char *usage;          /* "v2x-agent [OPTIONS] [PCAP...]" for --help */
	const char *about;          /* paragraph below the usage line, or NULL */
	/* The first argument that is not an option ends the options, as for a
	 * wrapper whose own arguments are a command with options of its own. */
	bool stop_at_positional;
};

/* What v2x_opt_parse_args() leaves for the caller. */
struct v2x_opt_args {
	int argc;    /* number of positional arguments */
	char **argv; /* them, in order and NULL-terminated: a part of the caller's argv */
	bool help;   /* --help was given: print v2x_opt_help() and exit 0 */
};

/*
 * Sets every field of t to its default, checking the table as it goes.
 * cfg must not yet own strings (a zeroed struct, or one given to
 * v2x_opt_release()): their fields are overwritten, not freed.
 */
int v2x_opt_defaults(const struct v2x_opt_table *t, void *cfg, char *err, size_t errlen);

/*
 * Applies the `key = value` lines of the file at path to cfg.  Returns
 * V2X_ECONFIG when the file cannot be read or a line is wrong; the lines
 * before the wrong one have been applied.
 */
int v2x_opt_load_file(const struct v2x_opt_table *t, void *cfg, const char *path, char *err,
                      size_t errlen);

/*
 * Parses a command line: loads the config file named by --config (or the
 * default one), then applies the options of argv over it.  Accepts
 * --name=value, --name value, -x value, -xvalue, -abc for flags, --flag,
 * --no-flag, -- to end options, and --help (and -h unless the table uses
 * 'h'); --help stops parsing before any file is read.
 *
 * argv is reordered: the positional arguments move to argv[1..], and out
 * points at them; argv[argc] must be NULL, as main() gets it.  Call
 * v2x_opt_defaults() first.
 */
int v2x_opt_parse_args(const struct v2x_opt_table *t, void *cfg, int argc, char **argv,
                       struct v2x_opt_args *out, char *err, size_t errlen);

/* Writes the --help text of t: usage, about, every option with its default. */
void v2x_opt_help(const struct v2x_opt_table *t, FILE *out);

/* Frees the strings cfg owns (STRING and CONFIG fields) and sets them NULL. */
void v2x_opt_release(const struct v2x_opt_table *t, void *cfg);

#endif
