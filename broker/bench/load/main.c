/*
 * v2x-load: the broker's load generator.
 *
 *   v2x-load agents    --agents=HOST:PORT,... [--vehicles=N --rate=HZ ...]
 *   v2x-load frames    --broker=HOST:PORT --token=T [--connections=K ...]
 *   v2x-load subscribe --sub-broker=HOST:PORT --sub-token=T [--subscribers=M]
 *
 * Any mode also runs --subscribers=M subscriber connections to
 * --sub-broker that measure the warnings' end-to-end latency.  Figures go
 * to stdout one per line as `name: value unit`; progress ("v2x-load:
 * warm", "v2x-load: sent") to stderr, so that a driver can scrape other
 * processes' counters at the same moments.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "broker/bench/load/load.h"
#include "runtime/opt.h"

#define MAX_AGENTS 256

struct ld_options {
	int64_t vehicles;
	double rate;
	int64_t duration_ms, warmup_ms, linger_ms;
	char *agents;
	double events_per_s;
	int64_t events_active;
	char *broker;
	int64_t connections;
	char *id_prefix;
	char *token;
	int64_t window;
	int64_t subscribers;
	char *sub_broker;
	char *sub_account;
	char *sub_token;
	char *sub_types;
	int64_t seed;
};

#define F(x) offsetof(struct ld_options, x)
/* clang-format off */
static const struct v2x_opt ld_opts[] = {
	{ .name = "vehicles", .type = V2X_OPT_INT, .offset = F(vehicles), .def = "5000", .min = 1,
	  .max = 1000000, .help = "vehicles driving the test field (agents, frames)" },
	{ .name = "rate", .type = V2X_OPT_DOUBLE, .offset = F(rate), .def = "10", .dmin = 0.1,
	  .dmax = 100, .help = "BSMs per second of each vehicle, Hz (agents)" },
	{ .name = "duration", .type = V2X_OPT_DURATION, .offset = F(duration_ms), .def = "10s",
	  .min = 100, .max = 3600000, .help = "the whole run, warm-up included" },
	{ .name = "warmup", .type = V2X_OPT_DURATION, .offset = F(warmup_ms), .def = "2s",
	  .min = 0, .max = 3600000, .help = "first part of the run, not measured" },
	{ .name = "linger", .type = V2X_OPT_DURATION, .offset = F(linger_ms), .def = "500ms",
	  .min = 0, .max = 60000, .help = "subscribers read this long after the last send" },
	{ .name = "agents", .type = V2X_OPT_STRING, .offset = F(agents), .metavar = "ADDR,...",
	  .help = "UDP HOST:PORT of each v2x-agent (agents)" },
	{ .name = "events-per-s", .type = V2X_OPT_DOUBLE, .offset = F(events_per_s), .def = "1",
	  .dmin = 0, .dmax = 1000, .help = "new rockfall events per second, each in an RSI (agents)" },
	{ .name = "events-active", .type = V2X_OPT_INT, .offset = F(events_active), .def = "4",
	  .min = 1, .max = 8, .help = "events each RSI carries: the newest and those before it" },
	{ .name = "broker", .type = V2X_OPT_STRING, .offset = F(broker), .metavar = "ADDR",
	  .help = "the broker's agent port, HOST:PORT (frames)" },
	{ .name = "connections", .type = V2X_OPT_INT, .offset = F(connections), .def = "4",
	  .min = 1, .max = MAX_AGENTS, .help = "fake agents (frames)" },
	{ .name = "id-prefix", .type = V2X_OPT_STRING, .offset = F(id_prefix),
	  .def = "bench-frames", .help = "fake agents' ids are PREFIX-1 .. PREFIX-K (frames)" },
	{ .name = "token", .type = V2X_OPT_STRING, .offset = F(token),
	  .help = "the fake agents' credential (frames)" },
	{ .name = "window", .type = V2X_OPT_INT, .offset = F(window), .def = "20000", .min = 1,
	  .max = 10000000, .help = "observations in flight per fake agent (frames)" },
	{ .name = "subscribers", .type = V2X_OPT_INT, .offset = F(subscribers), .def = "0",
	  .min = 0, .max = 10000, .help = "subscriber connections measuring warnings" },
	{ .name = "sub-broker", .type = V2X_OPT_STRING, .offset = F(sub_broker),
	  .metavar = "ADDR", .help = "the broker's subscriber port, HOST:PORT" },
	{ .name = "sub-account", .type = V2X_OPT_STRING, .offset = F(sub_account),
	  .def = "bench-sub", .help = "the subscribers' Hello id" },
	{ .name = "sub-token", .type = V2X_OPT_STRING, .offset = F(sub_token),
	  .help = "the subscribers' credential" },
	{ .name = "sub-types", .type = V2X_OPT_STRING, .offset = F(sub_types), .metavar = "T,...",
	  .help = "subscribe to these warning types (hazard_ahead, ... or numbers); "
	          "default every warning" },
	{ .name = "seed", .type = V2X_OPT_INT, .offset = F(seed), .def = "1", .min = 0,
	  .max = 0xffffff, .help = "vehicle ids and speeds" },
	V2X_OPT_END,
};
/* clang-format on */
#undef F

static const struct v2x_opt_table ld_table = {
	.opts = ld_opts,
	.usage = "v2x-load agents|frames|subscribe [OPTIONS]",
	.about = "The broker's load generator.  agents: vehicles on the test field send BSMs\n"
	         "(and rockfall RSIs) in UPER by UDP to v2x-agent processes.  frames: fake\n"
	         "agents send Observation frames straight to the broker as fast as it\n"
	         "acknowledges them.  subscribe: subscribers only.  With --subscribers=M,\n"
	         "M subscriber connections measure each warning's latency (receipt minus\n"
	         "its trigger_rx_time_us).  Figures on stdout as `name: value unit`.",
};

static const char *const type_names[] = {
	"unspecified",       "curve_speed",          "blind_curve_oncoming",
	"hazard_ahead",      "forward_collision",    "steep_downgrade",
	"speed_limit",       "red_light_violation",  "intersection_collision",
	"emergency_vehicle", "vulnerable_road_user", "glosa",
};

/* Parses --sub-types.  0 and *mask, or -1 with err. */
static int parse_types(const char *s, uint32_t *mask, char *err, size_t errlen)
{
	char buf[512], *save = NULL;

	*mask = 0;
	if (!s || !*s)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long n = strtoul(t, &end, 10);
		size_t k = 1;

		while (*end && k < sizeof(type_names) / sizeof(type_names[0]) &&
		       strcasecmp(t, type_names[k]) != 0)
			k++;
		if (*end == '\0' && n > 0 && n < 32)
			k = n;
		else if (*end == '\0' || k == sizeof(type_names) / sizeof(type_names[0])) {
			snprintf(err, errlen, "--sub-types: unknown warning type '%s'", t);
			return -1;
		}
		*mask |= 1u << k;
	}
	return 0;
}

/* Splits --agents at commas into argv-like pointers into s. */
static size_t split_agents(char *s, char **out, size_t max)
{
	char *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(s, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		out[n++] = t;
	return n;
}

static void print_subs(const struct ld_subs_result *r, size_t n)
{
	printf("sub_connections: %zu count\n", n);
	printf("sub_p50_us: %.0f us\n", bh_quantile(&r->lat, 0.5));
	printf("sub_p99_us: %.0f us\n", bh_quantile(&r->lat, 0.99));
	printf("sub_p999_us: %.0f us\n", bh_quantile(&r->lat, 0.999));
	printf("sub_max_us: %.0f us\n", bh_quantile(&r->lat, 1.0));
	printf("sub_mean_us: %.1f us\n", bh_mean(&r->lat));
	printf("sub_warnings: %llu count\n", (unsigned long long)r->warnings);
	printf("sub_warnings_per_s: %.1f msg/s\n",
	       r->seconds > 0 ? (double)r->warnings / r->seconds : 0.0);
	printf("sub_cancellations: %llu count\n", (unsigned long long)r->cancellations);
	printf("sub_frame_bytes: %.1f bytes\n", r->frame_bytes_mean);
	printf("sub_missing_trigger: %llu count\n", (unsigned long long)r->missing_trigger);
	printf("sub_negative: %llu count\n", (unsigned long long)r->lat.negative);
	printf("sub_closed: %llu count\n", (unsigned long long)r->closed);
}

static void on_warm(void *arg)
{
	struct ld_subs *subs = arg;

	if (subs)
		ld_subs_record(subs);
	fprintf(stderr, "v2x-load: warm\n");
	fflush(stderr);
}

static int run_agents(const struct ld_field *f, struct ld_options *o, struct ld_subs *subs)
{
	char *addrs[MAX_AGENTS], err[512];
	struct ld_agents_config cfg = {
		.agents = addrs,
		.vehicles = (size_t)o->vehicles,
		.rate_hz = o->rate,
		.duration_s = (double)o->duration_ms / 1e3,
		.events_per_s = o->events_per_s,
		.events_active = (size_t)o->events_active,
		.seed = (uint64_t)o->seed,
		.warmup_s = (double)o->warmup_ms / 1e3,
		.on_warm = on_warm,
		.arg = subs,
	};
	struct ld_agents_result *r = malloc(sizeof(*r));

	cfg.n_agents = o->agents ? split_agents(o->agents, addrs, MAX_AGENTS) : 0;
	if (!r || cfg.n_agents == 0) {
		fprintf(stderr, "v2x-load: agents mode needs --agents=HOST:PORT,...\n");
		free(r);
		return 2;
	}
	if (ld_agents_run(f, &cfg, r, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-load: %s\n", err);
		free(r);
		return 1;
	}
	fprintf(stderr, "v2x-load: sent\n");
	printf("load_vehicles: %zu count\n", cfg.vehicles);
	printf("load_agents: %zu count\n", cfg.n_agents);
	printf("load_encode_s: %.2f s\n", r->encode_s);
	printf("load_bsm_bytes: %.1f bytes\n", r->bsm_bytes_mean);
	printf("load_bsm_sent: %llu count\n", (unsigned long long)r->bsm_sent);
	printf("load_rsi_sent: %llu count\n", (unsigned long long)r->rsi_sent);
	printf("load_send_errors: %llu count\n", (unsigned long long)r->send_errors);
	printf("load_offered_bsm_per_s: %.0f msg/s\n",
	       r->seconds > 0 ? (double)r->bsm_sent / r->seconds : 0.0);
	printf("load_late_p50_us: %.0f us\n", bh_quantile(&r->late, 0.5));
	printf("load_late_p99_us: %.0f us\n", bh_quantile(&r->late, 0.99));
	printf("load_late_max_us: %.0f us\n", bh_quantile(&r->late, 1.0));
	free(r);
	return 0;
}

static int run_frames(const struct ld_field *f, const struct ld_options *o)
{
	struct ld_frames_config cfg = {
		.addr = o->broker,
		.connections = (size_t)o->connections,
		.id_prefix = o->id_prefix,
		.token = o->token,
		.vehicles = (size_t)o->vehicles,
		.window = (size_t)o->window,
		.duration_s = (double)o->duration_ms / 1e3,
		.warmup_s = (double)o->warmup_ms / 1e3,
		.seed = (uint64_t)o->seed,
	};
	struct ld_frames_result r;
	char err[512];

	if (!o->broker || (size_t)o->vehicles < cfg.connections) {
		fprintf(stderr, "v2x-load: frames mode needs --broker=HOST:PORT and at least "
		                "as many --vehicles as --connections\n");
		return 2;
	}
	if (ld_frames_run(f, &cfg, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-load: %s\n", err);
		return 1;
	}
	printf("broker_ingest_per_s: %.0f obs/s\n",
	       r.seconds > 0 ? (double)r.acked_measured / r.seconds : 0.0);
	printf("frames_connections: %zu count\n", cfg.connections);
	printf("frames_sent: %llu count\n", (unsigned long long)r.sent);
	printf("frames_acked: %llu count\n", (unsigned long long)r.acked);
	printf("frames_measured_s: %.2f s\n", r.seconds);
	printf("frames_bytes: %.1f bytes\n", r.frame_bytes_mean);
	printf("frames_closed: %llu count\n", (unsigned long long)r.closed);
	printf("frames_reconnects: %llu count\n", (unsigned long long)r.reconnects);
	return 0;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
		               .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int start_subs(struct ld_options *o, struct ld_subs **subs)
{
	struct ld_subs_config cfg = { .addr = o->sub_broker,
		                      .n = (size_t)o->subscribers,
		                      .account = o->sub_account,
		                      .token = o->sub_token };
	char err[512];

	*subs = NULL;
	if (o->subscribers == 0)
		return 0;
	if (!o->sub_broker || parse_types(o->sub_types, &cfg.types, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-load: %s\n",
		        o->sub_broker ? err : "--subscribers needs --sub-broker=HOST:PORT");
		return 2;
	}
	if (ld_subs_start(&cfg, subs, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-load: subscribers: %s\n", err);
		return 1;
	}
	return 0;
}

static int run_mode(const char *mode, struct ld_options *o)
{
	struct ld_subs *subs = NULL;
	struct ld_subs_result *sr = NULL;
	struct ld_field field;
	char err[512];
	int rc;

	if (strcmp(mode, "subscribe") != 0 && ld_field_open(&field, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-load: the test field: %s\n", err);
		return 1;
	}
	rc = start_subs(o, &subs);
	if (rc == 0 && strcmp(mode, "agents") == 0) {
		rc = run_agents(&field, o, subs);
	} else if (rc == 0 && strcmp(mode, "frames") == 0) {
		if (subs)
			ld_subs_record(subs);
		rc = run_frames(&field, o);
	} else if (rc == 0) {
		sleep_ms(o->warmup_ms);
		on_warm(subs);
		sleep_ms(o->duration_ms > o->warmup_ms ? o->duration_ms - o->warmup_ms : 0);
	}
	if (subs) {
		sleep_ms(o->linger_ms);
		sr = malloc(sizeof(*sr));
		if (sr) {
			ld_subs_stop(subs, sr);
			print_subs(sr, (size_t)o->subscribers);
		}
		free(sr);
	}
	if (strcmp(mode, "subscribe") != 0)
		ld_field_close(&field);
	return rc;
}

int main(int argc, char **argv)
{
	struct ld_options o;
	struct v2x_opt_args args;
	char err[512];
	int rc;

	memset(&o, 0, sizeof(o));
	rc = v2x_opt_defaults(&ld_table, &o, err, sizeof(err));
	if (rc == 0)
		rc = v2x_opt_parse_args(&ld_table, &o, argc, argv, &args, err, sizeof(err));
	if (rc == 0 && args.help) {
		v2x_opt_help(&ld_table, stdout);
		v2x_opt_release(&ld_table, &o);
		return 0;
	}
	if (rc == 0 && (args.argc != 1 || (strcmp(args.argv[0], "agents") != 0 &&
	                                   strcmp(args.argv[0], "frames") != 0 &&
	                                   strcmp(args.argv[0], "subscribe") != 0))) {
		snprintf(err, sizeof(err), "expected one mode: agents, frames or subscribe");
		rc = -1;
	}
	if (rc != 0) {
		fprintf(stderr, "v2x-load: %s (see --help)\n", err);
		v2x_opt_release(&ld_table, &o);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = run_mode(args.argv[0], &o);
	v2x_opt_release(&ld_table, &o);
	return rc;
}
