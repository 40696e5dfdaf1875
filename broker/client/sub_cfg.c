/*
 * sub_cfg: the options of v2x-sub and the Subscribe its filters make.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "broker/client/sub.h"
#include "runtime/err.h"

static const char *const severity_names[] = {
	"any", "info", "advisory", "warning", "critical", NULL
};

#define F(x) offsetof(struct sub_cfg, x)

/* clang-format off */
static const struct v2x_opt sub_opts[] = {
	{ .name = "config", .short_name = 'c', .type = V2X_OPT_CONFIG, .offset = F(config),
	  .metavar = "FILE", .help = "read settings from FILE first (key = value lines)" },
	{ .name = "broker", .short_name = 'b', .type = V2X_OPT_STRING, .offset = F(broker),
	  .metavar = "HOST:PORT", .help = "the broker's subscriber port ([V6]:PORT for IPv6)" },
	{ .name = "unix", .type = V2X_OPT_STRING, .offset = F(unix_path), .metavar = "PATH",
	  .help = "the broker's unix socket, instead of --broker" },
	{ .name = "id", .type = V2X_OPT_STRING, .offset = F(id), .metavar = "ACCOUNT",
	  .help = "the account the token was issued to (required)" },
	{ .name = "token", .type = V2X_OPT_STRING, .offset = F(token), .metavar = "TOKEN",
	  .help = "the credential (visible to other users in ps: prefer --token-file)" },
	{ .name = "token-file", .type = V2X_OPT_STRING, .offset = F(token_file),
	  .metavar = "FILE", .help = "read the credential from the first line of FILE" },
	{ .name = "vehicle", .type = V2X_OPT_STRING, .offset = F(vehicle), .metavar = "HEX16",
	  .help = "target vehicle id, 16 hex digits (repeatable, or a comma list)" },
	{ .name = "box", .type = V2X_OPT_STRING, .offset = F(box), .metavar = "S,W,N,E",
	  .help = "geofence box, degrees (W > E: across 180 degrees)" },
	{ .name = "polygon", .type = V2X_OPT_STRING, .offset = F(polygon),
	  .metavar = "LAT,LON;...", .help = "geofence polygon, 3 to 256 vertices, degrees" },
	{ .name = "type", .type = V2X_OPT_STRING, .offset = F(type), .metavar = "NAME",
	  .help = "warning type: curve_speed, hazard_ahead, ... (repeatable, or a comma list)" },
	{ .name = "min-severity", .type = V2X_OPT_ENUM, .offset = F(min_severity), .def = "any",
	  .choices = severity_names, .help = "any, info, advisory, warning or critical" },
	{ .name = "subscription-id", .type = V2X_OPT_INT, .offset = F(subscription_id),
	  .def = "1", .min = 0, .max = UINT32_MAX, .help = "id of the subscription" },
	{ .name = "count", .short_name = 'n', .type = V2X_OPT_INT, .offset = F(count),
	  .def = "0", .min = 0, .max = INT64_MAX, .help = "exit after N warnings (0: never)" },
	{ .name = "duration", .type = V2X_OPT_DOUBLE, .offset = F(duration_s), .def = "0",
	  .dmin = 0, .dmax = 1e9, .metavar = "SECONDS", .help = "exit after this long (0: never)" },
	{ .name = "connect-timeout", .type = V2X_OPT_DURATION, .offset = F(connect_timeout_ms),
	  .def = "5s", .min = 10, .max = 600000,
	  .help = "bound of connect, Hello and the subscription's answer" },
	V2X_OPT_END,
};
/* clang-format on */

static const struct v2x_opt_table sub_table = {
	.opts = sub_opts,
	.usage = "v2x-sub --broker=HOST:PORT|--unix=PATH --id=ACCOUNT --token-file=FILE "
	         "[FILTERS] [OPTIONS]",
	.about = "Subscribes to the broker's warnings with filters and prints each Warning and\n"
	         "Cancellation as one JSON line on standard output, with its latency_us (its\n"
	         "receive time minus the receive time of the message that triggered it).  A\n"
	         "summary goes to standard error at exit.  Exit status: 0 done, 1 connection\n"
	         "or broker failure, 2 usage error, 3 subscription refused, 4 credential\n"
	         "refused.  See docs/subscribers.md.",
};

/* ---- repeatable options ---------------------------------------------------- */

/* The value of argv[*i] when it is --name=V or --name V (advancing *i), else NULL. */
static const char *take_value(char **argv, int argc, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (!a || strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
		return NULL;
	if (a[2 + n] == '=')
		return a + 3 + n;
	if (a[2 + n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int append(char **joined, const char *v)
{
	size_t old = *joined ? strlen(*joined) : 0, n = strlen(v);
	char *s = realloc(*joined, old + n + 2);

	if (!s)
		return V2X_ENOMEM;
	if (old)
		s[old++] = ',';
	memcpy(s + old, v, n + 1);
	*joined = s;
	return 0;
}

/* Sets *out to a new string "PREFIXvalue". */
static int option(char **out, const char *prefix, const char *value)
{
	size_t n = strlen(prefix) + strlen(value) + 1;

	*out = malloc(n);
	if (!*out)
		return V2X_ENOMEM;
	snprintf(*out, n, "%s%s", prefix, value);
	return 0;
}

/*
 * The option parser keeps the last value of an option; --vehicle and
 * --type may be repeated, so their values are joined into one comma list
 * first, and argv rewritten with one --vehicle=LIST and one --type=LIST.
 */
static int join_repeated(int argc, char **argv, char **out, int *outc, char **veh, char **type)
{
	int n = 0, rc = 0;

	for (int i = 0; i < argc && rc == 0; i++) {
		const char *v = NULL;
		char **to = NULL;

		if (i > 0 && strcmp(argv[i], "--") == 0) {
			while (i < argc)
				out[n++] = argv[i++];
			break;
		}
		if (i > 0 && (v = take_value(argv, argc, &i, "vehicle")) != NULL)
			to = veh;
		else if (i > 0 && (v = take_value(argv, argc, &i, "type")) != NULL)
			to = type;
		if (to)
			rc = append(to, v);
		else
			out[n++] = argv[i];
	}
	*outc = n;
	return rc;
}

static int check(const struct sub_cfg *cfg, char *err, size_t errlen)
{
	const char *what = NULL;

	if (!cfg->broker == !cfg->unix_path)
		what = "give the broker with --broker=HOST:PORT or --unix=PATH (one of them)";
	else if (!cfg->id || !cfg->id[0])
		what = "no --id: say which account the token belongs to";
	else if (!cfg->token == !cfg->token_file)
		what = "give the credential with --token or --token-file (one of them)";
	else if (cfg->box && cfg->polygon)
		what = "--box and --polygon: a subscription has one geofence";
	if (!what)
		return 0;
	snprintf(err, errlen, "%s", what);
	return V2X_EUSAGE;
}

int sub_cfg_parse(struct sub_cfg *cfg, int argc, char **argv, char *err, size_t errlen)
{
	char **av = calloc((size_t)argc + 3, sizeof(*av)), *veh = NULL, *type = NULL;
	char *veh_opt = NULL, *type_opt = NULL;
	struct v2x_opt_args args = { 0, NULL, false };
	int ac = 0, rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = av ? join_repeated(argc, argv, av, &ac, &veh, &type) : V2X_ENOMEM;
	if (rc == 0 && veh && (rc = option(&veh_opt, "--vehicle=", veh)) == 0)
		av[ac++] = veh_opt;
	if (rc == 0 && type && (rc = option(&type_opt, "--type=", type)) == 0)
		av[ac++] = type_opt;
	if (rc == 0)
		rc = v2x_opt_defaults(&sub_table, cfg, err, errlen);
	if (rc == 0)
		rc = v2x_opt_parse_args(&sub_table, cfg, ac, av, &args, err, errlen);
	if (rc == 0 && args.help) {
		v2x_opt_help(&sub_table, stdout);
		rc = 1;
	} else if (rc == 0 && args.argc > 0) {
		snprintf(err, errlen, "unexpected argument '%s'", args.argv[0]);
		rc = V2X_EUSAGE;
	} else if (rc == 0) {
		rc = check(cfg, err, errlen);
	}
	if (rc == V2X_ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(veh);
	free(type);
	free(veh_opt);
	free(type_opt);
	free(av);
	return rc;
}

void sub_cfg_release(struct sub_cfg *cfg)
{
	v2x_opt_release(&sub_table, cfg);
}

int sub_cfg_token(const struct sub_cfg *cfg, char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f;

	if (cfg->token) {
		snprintf(buf, len, "%s", cfg->token);
		return 0;
	}
	f = fopen(cfg->token_file, "r");
	if (!f) {
		snprintf(err, errlen, "--token-file=%s: %s", cfg->token_file, strerror(errno));
		return V2X_EUSAGE;
	}
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		snprintf(err, errlen, "--token-file=%s: the first line is empty", cfg->token_file);
		return V2X_EUSAGE;
	}
	return 0;
}

/* ---- filters --------------------------------------------------------------- */

static size_t count_items(const char *s, char sep)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == sep;
	return n;
}

static int parse_hex16(const char *s, size_t len, uint8_t out[8])
{
	if (len != 16)
		return -1;
	for (size_t i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (size_t i = 0; i < 8; i++) {
		char two[3] = { s[2 * i], s[2 * i + 1], '\0' };

		out[i] = (uint8_t)strtoul(two, NULL, 16);
	}
	return 0;
}

static int build_vehicles(const char *list, struct sub_filters *f, char *err, size_t errlen)
{
	size_t n = count_items(list, ','), k = 0;

	f->ids = calloc(n, sizeof(*f->ids));
	f->idbuf = calloc(n, sizeof(*f->idbuf));
	if (!f->ids || !f->idbuf)
		return V2X_ENOMEM;
	for (const char *p = list; k < n; k++) {
		size_t len = strcspn(p, ",");

		if (parse_hex16(p, len, f->idbuf[k]) != 0) {
			snprintf(err, errlen, "--vehicle: '%.*s' is not 16 hex digits (8 octets)",
			         (int)len, p);
			return V2X_EUSAGE;
		}
		f->ids[k].data = f->idbuf[k];
		f->ids[k].len = 8;
		p += len + (p[len] == ',');
	}
	f->sub.vehicle_ids = f->ids;
	f->sub.n_vehicle_ids = n;
	return 0;
}

static int build_types(const char *list, struct sub_filters *f, char *err, size_t errlen)
{
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		char name[64];
		int v;

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		v = v2x_client_enum_value(&v2x__wire__warning_type__descriptor, name);
		if (v <= 0 || f->sub.n_warning_types >= 32) {
			snprintf(err, errlen,
			         "--type: '%s' is not a warning type (curve_speed, "
			         "blind_curve_oncoming, hazard_ahead, forward_collision, "
			         "steep_downgrade, speed_limit, red_light_violation, "
			         "intersection_collision, emergency_vehicle, vulnerable_road_user, "
			         "glosa)",
			         name);
			return V2X_EUSAGE;
		}
		f->types[f->sub.n_warning_types++] = (V2x__Wire__WarningType)v;
		p += len;
		if (!*p)
			break;
		p++;
	}
	f->sub.warning_types = f->types;
	return 0;
}

/* Parses n numbers separated by sep from s (len bytes); returns 0 or -1. */
static int parse_numbers(const char *s, size_t len, char sep, double *out, size_t n)
{
	char buf[256];
	char *p = buf, *end;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < n; i++) {
		errno = 0;
		out[i] = strtod(p, &end);
		if (errno || end == p || !isfinite(out[i]))
			return -1;
		while (isspace((unsigned char)*end))
			end++;
		if (*end != (i + 1 < n ? sep : '\0'))
			return -1;
		p = end + 1;
	}
	return 0;
}

static int build_box(const char *s, struct sub_filters *f, char *err, size_t errlen)
{
	double v[4];

	if (parse_numbers(s, strlen(s), ',', v, 4) != 0) {
		snprintf(err, errlen, "--box=%s: not S,W,N,E (four numbers, degrees)", s);
		return V2X_EUSAGE;
	}
	v2x__wire__box__init(&f->box);
	f->box.has_south_deg = f->box.has_west_deg = 1;
	f->box.has_north_deg = f->box.has_east_deg = 1;
	f->box.south_deg = v[0];
	f->box.west_deg = v[1];
	f->box.north_deg = v[2];
	f->box.east_deg = v[3];
	f->geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE_BOX;
	f->geo.box = &f->box;
	f->sub.geofence = &f->geo;
	return 0;
}

/* The broker checks the vertex count and the ranges, and says what is wrong. */
static int build_polygon(const char *s, struct sub_filters *f, char *err, size_t errlen)
{
	size_t n = count_items(s, ';'), k = 0;

	f->ll = calloc(n, sizeof(*f->ll));
	f->llp = calloc(n, sizeof(void *)); /* an array of pointers */
	if (!f->ll || !f->llp)
		return V2X_ENOMEM;
	for (const char *p = s; k < n; k++) {
		size_t len = strcspn(p, ";");
		double v[2];

		if (parse_numbers(p, len, ',', v, 2) != 0) {
			snprintf(err, errlen, "--polygon: vertex %zu '%.*s' is not LAT,LON", k + 1,
			         (int)len, p);
			return V2X_EUSAGE;
		}
		v2x__wire__lat_lon__init(&f->ll[k]);
		f->ll[k].has_lat_deg = f->ll[k].has_lon_deg = 1;
		f->ll[k].lat_deg = v[0];
		f->ll[k].lon_deg = v[1];
		f->llp[k] = &f->ll[k];
		p += len + (p[len] == ';');
	}
	v2x__wire__polygon__init(&f->poly);
	f->poly.vertices = f->llp;
	f->poly.n_vertices = n;
	f->geo.shape_case = V2X__WIRE__GEOFENCE__SHAPE_POLYGON;
	f->geo.polygon = &f->poly;
	f->sub.geofence = &f->geo;
	return 0;
}

int sub_filters_build(const struct sub_cfg *cfg, struct sub_filters *f, char *err, size_t errlen)
{
	int rc = 0;

	memset(f, 0, sizeof(*f));
	v2x__wire__subscribe__init(&f->sub);
	v2x__wire__geofence__init(&f->geo);
	f->sub.has_subscription_id = 1;
	f->sub.subscription_id = (uint32_t)cfg->subscription_id;
	if (cfg->min_severity > 0) {
		f->sub.has_min_severity = 1;
		f->sub.min_severity = (V2x__Wire__Severity)cfg->min_severity;
	}
	if (cfg->vehicle && cfg->vehicle[0])
		rc = build_vehicles(cfg->vehicle, f, err, errlen);
	if (rc == 0 && cfg->type && cfg->type[0])
		rc = build_types(cfg->type, f, err, errlen);
	if (rc == 0 && cfg->box)
		rc = build_box(cfg->box, f, err, errlen);
	if (rc == 0 && cfg->polygon)
		rc = build_polygon(cfg->polygon, f, err, errlen);
	if (rc == V2X_ENOMEM)
		snprintf(err, errlen, "out of memory for the filters");
	return rc;
}

void sub_filters_free(struct sub_filters *f)
{
	free(f->ids);
	free(f->idbuf);
	free(f->ll);
	free(f->llp);
}
