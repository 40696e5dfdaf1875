/*
 * Unit test of runtime/opt: defaults, config files, the command line over
 * them, every value type, and the exact error messages users will read.
 */
#include "runtime/err.h"
#include "runtime/opt.h"

#include "tests/check.h"

#include <stdlib.h>
#include <unistd.h>

enum fsync_policy { FSYNC_ALWAYS, FSYNC_BATCH, FSYNC_NEVER };

static const char *const fsync_names[] = { "always", "batch", "never", NULL };

struct cfg {
	char *config;
	int64_t port;
	double ratio;
	char *name;
	size_t max_frame;
	int64_t timeout_ms;
	int fsync_policy;
	bool verbose;
	bool color;
};

#define OPT(field) .offset = offsetof(struct cfg, field)

static const struct v2x_opt opts[] = {
	{ .name = "config",
	  .short_name = 'c',
	  .type = V2X_OPT_CONFIG,
	  OPT(config),
	  .help = "read settings from FILE first" },
	{ .name = "port",
	  .short_name = 'p',
	  .type = V2X_OPT_INT,
	  OPT(port),
	  .def = "4200",
	  .min = 1,
	  .max = 65535,
	  .help = "broker port" },
	{ .name = "ratio",
	  .type = V2X_OPT_DOUBLE,
	  OPT(ratio),
	  .def = "0.5",
	  .dmin = 0,
	  .dmax = 1,
	  .help = "share of frames sampled" },
	{ .name = "name",
	  .short_name = 'n',
	  .type = V2X_OPT_STRING,
	  OPT(name),
	  .def = "rsu-1",
	  .metavar = "ID",
	  .help = "RSU id" },
	{ .name = "max_frame",
	  .short_name = 'm',
	  .type = V2X_OPT_SIZE,
	  OPT(max_frame),
	  .def = "64k",
	  .min = 1024,
	  .max = 16 << 20,
	  .help = "largest frame" },
	{ .name = "timeout",
	  .type = V2X_OPT_DURATION,
	  OPT(timeout_ms),
	  .def = "5s",
	  .help = "reconnect timeout" },
	{ .name = "fsync_policy",
	  .type = V2X_OPT_ENUM,
	  OPT(fsync_policy),
	  .def = "batch",
	  .choices = fsync_names,
	  .help = "when the spool is synced" },
	{ .name = "verbose",
	  .short_name = 'v',
	  .type = V2X_OPT_FLAG,
	  OPT(verbose),
	  .help = "say more" },
	{ .name = "color",
	  .type = V2X_OPT_FLAG,
	  OPT(color),
	  .def = "yes",
	  .help = "colour the output" },
	V2X_OPT_END,
};

static const struct v2x_opt_table table = {
	.opts = opts,
	.usage = "v2x-test [OPTIONS] [FILE...]",
	.about = "A program that exists to test the option parser.",
};

static char tmp_dir[64];

/* Writes text to a file of the test's folder; returns its path (static). */
static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return path;
	fputs(text, f);
	fclose(f);
	return path;
}

static int defaults(struct cfg *c)
{
	char err[256] = "";
	int rc;

	memset(c, 0, sizeof(*c));
	rc = v2x_opt_defaults(&table, c, err, sizeof(err));
	CHECK_STR_EQ(err, "");
	return rc;
}

/* A writable copy of a command line, as main() gets one. */
struct args {
	int argc;
	char *argv[16];
	char text[1024];
};

static char **args_make(struct args *a, const char *const *list)
{
	size_t used = 0;

	for (a->argc = 0; list[a->argc] && a->argc < 15; a->argc++) {
		size_t len = strlen(list[a->argc]) + 1;
		if (used + len > sizeof(a->text))
			break;
		a->argv[a->argc] = memcpy(a->text + used, list[a->argc], len);
		used += len;
	}
	a->argv[a->argc] = NULL;
	return a->argv;
}

/* Parses the NULL-terminated command line list with t; returns the code. */
static int parse_with(const struct v2x_opt_table *t, struct cfg *c, const char *const *list,
                      struct args *a, struct v2x_opt_args *out, char *err, size_t len)
{
	args_make(a, list);
	err[0] = '\0';
	return v2x_opt_parse_args(t, c, a->argc, a->argv, out, err, len);
}

static int parse(struct cfg *c, const char *const *list, struct args *a, struct v2x_opt_args *out,
                 char *err, size_t len)
{
	return parse_with(&table, c, list, a, out, err, len);
}

static void test_defaults(void)
{
	struct cfg c;

	CHECK_INT_EQ(defaults(&c), 0);
	CHECK(c.config == NULL);
	CHECK_INT_EQ(c.port, 4200);
	CHECK_DBL_NEAR(c.ratio, 0.5, 0);
	CHECK_STR_EQ(c.name, "rsu-1");
	CHECK_UINT_EQ(c.max_frame, 65536);
	CHECK_INT_EQ(c.timeout_ms, 5000);
	CHECK_INT_EQ(c.fsync_policy, FSYNC_BATCH);
	CHECK(!c.verbose);
	CHECK(c.color);
	v2x_opt_release(&table, &c);
	CHECK(c.name == NULL);
}

static void test_file(void)
{
	const char *path = write_file("good.conf", "# agent settings\n"
	                                           "\n"
	                                           "   port = 4300   \n"
	                                           "name = \"rsu \\\"7\\\" # north\"  # a comment\n"
	                                           "max-frame=1M\n"
	                                           "timeout = 250ms # fast\n"
	                                           "fsync_policy = NEVER\n"
	                                           "verbose = on\r\n"
	                                           "color = 'no'\n"
	                                           "ratio = 0.25\n"
	                                           "port = 4301\n");
	char err[256] = "";
	struct cfg c;

	defaults(&c);
	CHECK_INT_EQ(v2x_opt_load_file(&table, &c, path, err, sizeof(err)), 0);
	CHECK_STR_EQ(err, "");
	CHECK_INT_EQ(c.port, 4301);
	CHECK_STR_EQ(c.name, "rsu \"7\" # north");
	CHECK_UINT_EQ(c.max_frame, 1 << 20);
	CHECK_INT_EQ(c.timeout_ms, 250);
	CHECK_INT_EQ(c.fsync_policy, FSYNC_NEVER);
	CHECK(c.verbose);
	CHECK(!c.color);
	CHECK_DBL_NEAR(c.ratio, 0.25, 0);
	v2x_opt_release(&table, &c);
}

/* Loads a one-file config of text and checks the error it gives. */
static void check_file_error(const char *text, const char *expect)
{
	const char *path = write_file("bad.conf", text);
	char err[256] = "", want[256];
	struct cfg c;

	defaults(&c);
	snprintf(want, sizeof(want), "%s:%s", path, expect);
	CHECK_INT_EQ(v2x_opt_load_file(&table, &c, path, err, sizeof(err)), V2X_ECONFIG);
	CHECK_STR_EQ(err, want);
	v2x_opt_release(&table, &c);
}

static void test_file_errors(void)
{
	char err[256];
	struct cfg c;

	check_file_error("port = 1\n\n# x\nfsync_polcy = always\n",
	                 "4: unknown key 'fsync_polcy' (did you mean 'fsync_policy'? see --help)");
	check_file_error("zzzzzz = 1\n", "1: unknown key 'zzzzzz' (see --help)");
	check_file_error("port = 1\nmax_frame = abc\n",
	                 "2: max_frame = abc: not a size (examples: 65536, 64k, 1M)");
	check_file_error("port 80\n", "1: expected 'key = value', got 'port 80'");
	check_file_error(" = 80\n", "1: missing key before '='");
	check_file_error("name = \"abc\n", "1: name: unterminated quote");
	check_file_error("name = 'abc' x\n", "1: name: text after the closing quote");
	check_file_error("config = other.conf\n", "1: 'config' cannot be set inside a config file");
	check_file_error("port = 0\n", "1: port = 0: out of range (1..65535)");
	check_file_error("verbose =\n",
	                 "1: verbose = : not a boolean (yes/no, true/false, on/off, 1/0)");
	defaults(&c);
	CHECK_INT_EQ(v2x_opt_load_file(&table, &c, "/nonexistent/agent.conf", err, sizeof(err)),
	             V2X_ECONFIG);
	CHECK_STR_EQ(err, "/nonexistent/agent.conf: cannot open: No such file or directory");
	v2x_opt_release(&table, &c);
}

static void test_args_over_file(void)
{
	const char *path = write_file("args.conf", "port = 4300\nname = from-file\n"
	                                           "verbose = yes\n");
	char p[128], err[256];
	const char *list[] = { "prog",        "--port=5000", "in1", "-c", p,   "--no-verbose",
		               "--color=off", "-",           "--",  "-x", NULL };
	struct v2x_opt_args out;
	struct args a;
	struct cfg c;

	snprintf(p, sizeof(p), "%s", path);
	defaults(&c);
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), 0);
	CHECK_STR_EQ(err, "");
	CHECK_INT_EQ(c.port, 5000); /* given before --config, still wins over the file */
	CHECK_STR_EQ(c.name, "from-file");
	CHECK(!c.verbose);
	CHECK(!c.color);
	CHECK_STR_EQ(c.config, p);
	CHECK(!out.help);
	CHECK_INT_EQ(out.argc, 3);
	CHECK_STR_EQ(out.argv[0], "in1");
	CHECK_STR_EQ(out.argv[1], "-");
	CHECK_STR_EQ(out.argv[2], "-x");
	CHECK(out.argv[3] == NULL);
	v2x_opt_release(&table, &c);
}

static void test_short_forms(void)
{
	const char *list[] = { "prog", "-vp80", "-n", "east", "-m2M", "--name", "west", NULL };
	struct v2x_opt_args out;
	struct args a;
	char err[256];
	struct cfg c;

	defaults(&c);
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), 0);
	CHECK_STR_EQ(err, "");
	CHECK(c.verbose);
	CHECK_INT_EQ(c.port, 80);
	CHECK_STR_EQ(c.name, "west");
	CHECK_UINT_EQ(c.max_frame, 2 << 20);
	CHECK_INT_EQ(out.argc, 0);
	v2x_opt_release(&table, &c);
}

/* Parses one argument and checks the code and message it gives. */
static void check_arg(const char *arg, int rc, const char *expect)
{
	const char *list[] = { "prog", arg, NULL };
	struct v2x_opt_args out;
	struct args a;
	char err[256];
	struct cfg c;

	defaults(&c);
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), rc);
	CHECK_STR_EQ(err, expect);
	v2x_opt_release(&table, &c);
}

static void check_size(const char *text, size_t want)
{
	const char *list[] = { "prog", "--max-frame", text, NULL };
	struct v2x_opt_args out;
	struct args a;
	char err[256];
	struct cfg c;

	defaults(&c);
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), 0);
	CHECK_UINT_EQ(c.max_frame, want);
	v2x_opt_release(&table, &c);
}

static void check_duration(const char *text, int64_t want)
{
	char arg[64], err[256];
	const char *list[] = { "prog", arg, NULL };
	struct v2x_opt_args out;
	struct args a;
	struct cfg c;

	snprintf(arg, sizeof(arg), "--timeout=%s", text);
	defaults(&c);
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), 0);
	CHECK_INT_EQ(c.timeout_ms, want);
	v2x_opt_release(&table, &c);
}

static void test_values(void)
{
	static const char size_why[] = "not a size (examples: 65536, 64k, 1M)";
	char want[256];

	check_size("65536", 65536);
	check_size("64k", 65536);
	check_size("64K", 65536);
	check_size("1KiB", 1024);
	check_size("16M", 16 << 20);
	check_duration("250ms", 250);
	check_duration("5s", 5000);
	check_duration("2m", 120000);
	check_duration("1h", 3600000);
	check_duration("0", 0);
	snprintf(want, sizeof(want), "--max-frame=abc: %s", size_why);
	check_arg("--max-frame=abc", V2X_EUSAGE, want);
	snprintf(want, sizeof(want), "--max-frame=-1: %s", size_why);
	check_arg("--max-frame=-1", V2X_EUSAGE, want);
	snprintf(want, sizeof(want), "--max-frame=1.5M: %s", size_why);
	check_arg("--max-frame=1.5M", V2X_EUSAGE, want);
	check_arg("--max-frame=512", V2X_EUSAGE, "--max-frame=512: out of range (1k..16M)");
	check_arg("--max_frame=1G", V2X_EUSAGE, "--max_frame=1G: out of range (1k..16M)");
	check_arg("--timeout=5", V2X_EUSAGE,
	          "--timeout=5: a duration needs a unit (examples: 250ms, 5s, 2m)");
	check_arg("--timeout=5x", V2X_EUSAGE,
	          "--timeout=5x: not a duration (examples: 250ms, 5s, 2m)");
	check_arg("--fsync-policy=sometimes", V2X_EUSAGE,
	          "--fsync-policy=sometimes: not one of: always, batch, never");
	check_arg("--port=70000", V2X_EUSAGE, "--port=70000: out of range (1..65535)");
	check_arg("--port=12ab", V2X_EUSAGE, "--port=12ab: not an integer");
	check_arg("--port=99999999999999999999", V2X_EUSAGE,
	          "--port=99999999999999999999: out of range");
	check_arg("--ratio=2", V2X_EUSAGE, "--ratio=2: out of range (0..1)");
	check_arg("--ratio=nan", V2X_EUSAGE, "--ratio=nan: not a number");
	check_arg("--verbose=maybe", V2X_EUSAGE,
	          "--verbose=maybe: not a boolean (yes/no, true/false, on/off, 1/0)");
	check_arg("--fsync-policy=Always", 0, "");
}

static void test_usage_errors(void)
{
	const char *list[] = { "prog", "-p", "abc", NULL };
	struct v2x_opt_args out;
	struct args a;
	char err[256];
	struct cfg c;

	check_arg("--port", V2X_EUSAGE, "--port: missing value (--port=INT)");
	check_arg("--bogus", V2X_EUSAGE, "--bogus: unknown option (see --help)");
	check_arg("--prot=1", V2X_EUSAGE,
	          "--prot: unknown option (did you mean --port? see --help)");
	check_arg("--fsync-polcy=never", V2X_EUSAGE,
	          "--fsync-polcy: unknown option (did you mean --fsync-policy? see --help)");
	check_arg("-x", V2X_EUSAGE, "-x: unknown option (see --help)");
	check_arg("--no-port", V2X_EUSAGE, "--no-port: only flags have a --no- form (see --help)");
	check_arg("--no-verbose=1", V2X_EUSAGE, "--no-verbose: takes no value");
	check_arg("--help=1", V2X_EUSAGE, "--help: takes no value");
	check_arg("--config=/nonexistent.conf", V2X_ECONFIG,
	          "/nonexistent.conf: cannot open: No such file or directory");
	/* A value that fails leaves the field as it was. */
	defaults(&c);
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), V2X_EUSAGE);
	CHECK_STR_EQ(err, "-p abc: not an integer");
	CHECK_INT_EQ(c.port, 4200);
	v2x_opt_release(&table, &c);
}

static void test_help(void)
{
	const char *list[] = { "prog", "--config", "/nonexistent.conf", "-h", "--bogus", NULL };
	char *buf = NULL, err[256];
	struct v2x_opt_args out;
	struct args a;
	size_t len = 0;
	struct cfg c;
	FILE *f;

	defaults(&c);
	/* --help comes before the config file is read, and before later errors. */
	CHECK_INT_EQ(parse(&c, list, &a, &out, err, sizeof(err)), 0);
	CHECK(out.help);
	f = open_memstream(&buf, &len);
	if (!CHECK(f != NULL))
		return;
	v2x_opt_help(&table, f);
	fclose(f);
	CHECK(strstr(buf, "Usage: v2x-test [OPTIONS] [FILE...]\n") != NULL);
	CHECK(strstr(buf, "A program that exists") != NULL);
	CHECK(strstr(buf, "-c, --config=FILE") != NULL);
	CHECK(strstr(buf, "-p, --port=INT") != NULL);
	CHECK(strstr(buf, "broker port (default: 4200; range: 1..65535)") != NULL);
	CHECK(strstr(buf, "--ratio=NUM") != NULL);
	CHECK(strstr(buf, "(default: 0.5; range: 0..1)") != NULL);
	CHECK(strstr(buf, "-n, --name=ID") != NULL);
	CHECK(strstr(buf, "(default: rsu-1)") != NULL);
	CHECK(strstr(buf, "-m, --max-frame=SIZE") != NULL);
	CHECK(strstr(buf, "(default: 64k; range: 1k..16M)") != NULL);
	CHECK(strstr(buf, "--timeout=TIME") != NULL);
	CHECK(strstr(buf, "(default: 5s)") != NULL);
	CHECK(strstr(buf, "--fsync-policy=always|batch|never") != NULL);
	CHECK(strstr(buf, "(default: batch)") != NULL);
	CHECK(strstr(buf, "-v, --[no-]verbose") != NULL);
	CHECK(strstr(buf, "--[no-]color") != NULL);
	CHECK(strstr(buf, "(default: yes)") != NULL);
	CHECK(strstr(buf, "-h, --help") != NULL);
	if (check_failures)
		fputs(buf, stderr);
	free(buf);
	v2x_opt_release(&table, &c);
}

/* Parses an empty command line with the CONFIG option's default set to def. */
static void parse_with_default(const char *def, struct cfg *c)
{
	struct v2x_opt topts[sizeof(opts) / sizeof(opts[0])];
	struct v2x_opt_table t = table;
	const char *list[] = { "prog", NULL };
	struct v2x_opt_args out;
	char err[256] = "";
	struct args a;

	memcpy(topts, opts, sizeof(opts));
	topts[0].def = def;
	t.opts = topts;
	memset(c, 0, sizeof(*c));
	CHECK_INT_EQ(v2x_opt_defaults(&t, c, err, sizeof(err)), 0);
	CHECK_INT_EQ(parse_with(&t, c, list, &a, &out, err, sizeof(err)), 0);
	CHECK_STR_EQ(err, "");
}

static void test_default_config_file(void)
{
	const char *path = write_file("default.conf", "port = 4444\n");
	struct cfg c;

	/* A default file that does not exist is no error. */
	parse_with_default("/nonexistent/default.conf", &c);
	CHECK(c.config == NULL);
	CHECK_INT_EQ(c.port, 4200);
	v2x_opt_release(&table, &c);
	parse_with_default(path, &c);
	CHECK_STR_EQ(c.config, path);
	CHECK_INT_EQ(c.port, 4444);
	v2x_opt_release(&table, &c);
}

static void test_stop_at_positional(void)
{
	const char *list[] = { "wrap", "-v", "psql", "-p", "5", "--", "x", NULL };
	struct v2x_opt_table t = table;
	struct v2x_opt_args out;
	char err[256] = "";
	struct args a;
	struct cfg c;

	t.stop_at_positional = true;
	defaults(&c);
	CHECK_INT_EQ(parse_with(&t, &c, list, &a, &out, err, sizeof(err)), 0);
	CHECK(c.verbose);
	CHECK_INT_EQ(c.port, 4200);
	CHECK_INT_EQ(out.argc, 5);
	CHECK_STR_EQ(out.argv[0], "psql");
	CHECK_STR_EQ(out.argv[3], "--");
	CHECK(out.argv[5] == NULL);
	v2x_opt_release(&t, &c);
}

/* Checks the error v2x_opt_defaults() gives for a table of the one option o. */
static void check_bad_table(const struct v2x_opt *o, const char *expect)
{
	struct v2x_opt one[] = { *o, V2X_OPT_END };
	struct v2x_opt_table t = { .opts = one };
	int64_t field = 0;
	char err[256] = "";

	CHECK_INT_EQ(v2x_opt_defaults(&t, &field, err, sizeof(err)), V2X_ECONFIG);
	CHECK_STR_EQ(err, expect);
}

static void test_bad_tables(void)
{
	struct v2x_opt o = { .name = "port", .type = V2X_OPT_INT, .def = "0", .min = 1, .max = 9 };

	check_bad_table(&o, "option 'port': default '0': out of range (1..9)");
	o.type = V2X_OPT_ENUM;
	check_bad_table(&o, "option 'port': an enum needs choices");
}

int main(void)
{
	static const char *const files[] = { "good.conf", "bad.conf", "args.conf", "default.conf" };

	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/v2x-opt-test.XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_defaults();
	test_file();
	test_file_errors();
	test_args_over_file();
	test_short_forms();
	test_values();
	test_usage_errors();
	test_help();
	test_default_config_file();
	test_stop_at_positional();
	test_bad_tables();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, files[i]);
		unlink(path);
	}
	rmdir(tmp_dir);
	return check_exit();
}
