/*
 * v2x-sub: subscribes to the broker's warnings with filters and prints
 * each Warning and Cancellation as a JSON line (docs/subscribers.md).
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/client/sub.h"
#include "runtime/clock.h"
#include "runtime/err.h"

#define OK_STATUS V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_OK
#define AUTH_BYE  V2X__WIRE__BYE_REASON__BYE_REASON_AUTH_FAILED

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* What the run received, for the summary. */
struct tally {
	uint64_t warnings, cancels;
	int64_t *lat; /* latencies of the warnings, µs */
	size_t n, cap;
};

static void tally_add(struct tally *t, int64_t us)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		int64_t *p = realloc(t->lat, cap * sizeof(*p));

		if (!p)
			return; /* the summary then covers fewer warnings */
		t->lat = p;
		t->cap = cap;
	}
	t->lat[t->n++] = us;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank quantile q of the sorted latencies. */
static int64_t quantile(const struct tally *t, double q)
{
	size_t rank = (size_t)ceil(q * (double)t->n);

	return t->lat[rank ? rank - 1 : 0];
}

static void summary(struct tally *t)
{
	fprintf(stderr, "v2x-sub: %" PRIu64 " warnings, %" PRIu64 " cancellations", t->warnings,
	        t->cancels);
	if (t->n) {
		qsort(t->lat, t->n, sizeof(*t->lat), cmp_i64);
		fprintf(stderr,
		        "; latency p50 %" PRId64 " us, p99 %" PRId64 " us, max %" PRId64 " us",
		        quantile(t, 0.5), quantile(t, 0.99), t->lat[t->n - 1]);
	}
	fputc('\n', stderr);
	free(t->lat);
}

/* Connects and subscribes; returns 0 with *out set or the exit status. */
static int open_session(const struct sub_cfg *cfg, const struct sub_filters *f, const char *token,
                        struct v2x_client **out)
{
	struct v2x_client_config cc;
	struct v2x_client_result res;
	char err[512];
	struct v2x_client *c;

	v2x_client_config_default(&cc);
	cc.broker = cfg->broker;
	cc.unix_path = cfg->unix_path;
	cc.id = cfg->id;
	cc.credential = (const uint8_t *)token;
	cc.credential_len = strlen(token);
	cc.software = "v2x-sub";
	cc.connect_timeout_ms = (uint32_t)cfg->connect_timeout_ms;
	if (v2x_client_new(&cc, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-sub: %s\n", err);
		return SUB_EXIT_USAGE;
	}
	*out = c;
	if (v2x_client_connect(c) != 0) {
		fprintf(stderr, "v2x-sub: %s\n", v2x_client_error(c));
		return v2x_client_bye_reason(c) == AUTH_BYE ? SUB_EXIT_AUTH : SUB_EXIT_FAIL;
	}
	if (v2x_client_subscribe(c, &f->sub, (int)cfg->connect_timeout_ms, &res) != 0) {
		fprintf(stderr, "v2x-sub: %s\n", v2x_client_error(c));
		return SUB_EXIT_FAIL;
	}
	if (res.status != OK_STATUS) {
		char status[48];

		v2x_client_enum_name(&v2x__wire__subscribe_status__descriptor, res.status, status,
		                     sizeof(status));
		fprintf(stderr, "v2x-sub: subscription %" PRIu32 " refused: %s: %s\n",
		        res.subscription_id, status,
		        res.reason[0] ? res.reason : "no reason given");
		return SUB_EXIT_REFUSED;
	}
	return 0;
}

/* Handles one event; returns -1 to go on, else the exit status. */
static int on_event(const struct sub_cfg *cfg, struct v2x_client *c,
                    const struct v2x_client_event *ev, struct tally *t)
{
	int64_t us;

	switch (ev->type) {
	case V2X_CLIENT_EV_WARNING:
	case V2X_CLIENT_EV_CANCELLATION:
		sub_json_print(stdout, ev);
		if (ev->type == V2X_CLIENT_EV_CANCELLATION) {
			t->cancels++;
			return -1;
		}
		t->warnings++;
		if (sub_json_latency(ev, &us))
			tally_add(t, us);
		return cfg->count && t->warnings >= (uint64_t)cfg->count ? SUB_EXIT_OK : -1;
	case V2X_CLIENT_EV_BYE:
		fprintf(stderr, "v2x-sub: %s\n", v2x_client_error(c));
		return SUB_EXIT_FAIL;
	default:
		return -1;
	}
}

/* Receives until --count, --duration, a signal or a failure. */
static int receive(const struct sub_cfg *cfg, struct v2x_client *c, struct tally *t)
{
	uint64_t end = cfg->duration_s > 0
	                       ? v2x_clock_mono_ns() / 1000000u + (uint64_t)(cfg->duration_s * 1e3)
	                       : UINT64_MAX;
	struct v2x_client_event ev;

	while (!stop_signal) {
		uint64_t now = v2x_clock_mono_ns() / 1000000u;
		int rc, wait = 250, status;

		if (now >= end)
			return SUB_EXIT_OK;
		if (end - now < (uint64_t)wait)
			wait = (int)(end - now);
		rc = v2x_client_next(c, wait, &ev);
		if (rc < 0) {
			fprintf(stderr, "v2x-sub: %s\n", v2x_client_error(c));
			return SUB_EXIT_FAIL;
		}
		if (rc == 1 && (status = on_event(cfg, c, &ev, t)) >= 0)
			return status;
	}
	return SUB_EXIT_OK;
}

static int run(const struct sub_cfg *cfg)
{
	struct v2x_client *c = NULL;
	struct sub_filters f;
	struct tally t = { 0 };
	char token[1100], err[512];
	int status;

	memset(&f, 0, sizeof(f));
	if (sub_cfg_token(cfg, token, sizeof(token), err, sizeof(err)) != 0 ||
	    sub_filters_build(cfg, &f, err, sizeof(err)) != 0) {
		fprintf(stderr, "v2x-sub: %s (see --help)\n", err);
		sub_filters_free(&f);
		return SUB_EXIT_USAGE;
	}
	status = open_session(cfg, &f, token, &c);
	if (status == 0)
		status = receive(cfg, c, &t);
	if (status != SUB_EXIT_USAGE)
		summary(&t);
	else
		free(t.lat);
	v2x_client_free(c);
	sub_filters_free(&f);
	return status;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct sub_cfg cfg;
	char err[512];
	int rc, status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = sub_cfg_parse(&cfg, argc, argv, err, sizeof(err));
	if (rc == 1) {
		sub_cfg_release(&cfg);
		return SUB_EXIT_OK;
	}
	if (rc != 0) {
		fprintf(stderr, "v2x-sub: %s (see --help)\n", err);
		sub_cfg_release(&cfg);
		return SUB_EXIT_USAGE;
	}
	status = run(&cfg);
	sub_cfg_release(&cfg);
	return status;
}
