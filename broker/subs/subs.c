/*
 * subs: the subscription table: connection slots, Subscribe and
 * Unsubscribe, and the counters.  The push is in push.c, the recipients of
 * each warning in sent.c, the filters in filter.c.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/subs/subs_int.h"
#include "runtime/err.h"

#define ST(x) V2X__WIRE__SUBSCRIBE_STATUS__SUBSCRIBE_STATUS_##x

static const char *const status_names[BRK_SUBS_STATUS_COUNT] = {
	"unspecified", "ok", "out_of_scope", "invalid", "unknown_id", "limit",
};

const char *brk_subs_status_name(int status)
{
	if (status < 0 || status >= BRK_SUBS_STATUS_COUNT)
		return "unknown";
	return status_names[status];
}

void brk_subs_config_default(struct brk_subs_config *cfg)
{
	cfg->max_conns = 1024;
	cfg->max_per_conn = 16;
	cfg->max_vehicles = 1024;
	cfg->max_warnings = 16384;
	cfg->max_recipients = 262144;
}

/* ---- creation ------------------------------------------------------------ */

static uint64_t conn_key(const void *owner, uint32_t i)
{
	const struct brk_subs *s = owner;

	return (uint64_t)(uintptr_t)s->conns[i].conn;
}

static int check_config(const struct brk_subs_config *cfg, char *err, size_t errlen)
{
	const char *zero = !cfg->max_conns        ? "max_conns"
	                   : !cfg->max_per_conn   ? "max_per_conn"
	                   : !cfg->max_vehicles   ? "max_vehicles"
	                   : !cfg->max_warnings   ? "max_warnings"
	                   : !cfg->max_recipients ? "max_recipients"
	                                          : NULL;

	if (zero) {
		snprintf(err, errlen, "subscriptions: %s is 0; it must be at least 1", zero);
		return V2X_EINVAL;
	}
	return 0;
}

/* Allocates the slots and the scratch of a push. */
static int alloc_tables(struct brk_subs *s)
{
	size_t nc = s->cfg.max_conns, nf = nc * s->cfg.max_per_conn, cap = 4;

	while (cap < 2 * nc)
		cap *= 2;
	s->conns = calloc(nc, sizeof(*s->conns));
	s->filters = calloc(nf, sizeof(*s->filters));
	s->live = calloc(nc, sizeof(*s->live));
	s->ids = calloc(nf, sizeof(*s->ids));
	s->hits = calloc(nc, sizeof(*s->hits));
	s->encs = calloc(nc, sizeof(*s->encs));
	s->enc_index = malloc(cap * sizeof(*s->enc_index));
	if (!s->conns || !s->filters || !s->live || !s->ids || !s->hits || !s->encs ||
	    !s->enc_index)
		return V2X_ENOMEM;
	memset(s->enc_index, 0xff, cap * sizeof(*s->enc_index)); /* BRK_SUBS__NONE */
	s->enc_mask = cap - 1;
	for (size_t i = 0; i < nc; i++) {
		s->conns[i].filters = s->filters + i * s->cfg.max_per_conn;
		s->conns[i].next_free = i + 1 < nc ? (uint32_t)(i + 1) : BRK_SUBS__NONE;
	}
	s->conn_free = 0;
	return brk_subs__index_init(&s->conn_index, nc, conn_key, s);
}

int brk_subs_new(const struct brk_subs_config *cfg, struct brk_subs **out, char *err, size_t errlen)
{
	struct brk_subs *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return V2X_ENOMEM;
	if (cfg)
		s->cfg = *cfg;
	else
		brk_subs_config_default(&s->cfg);
	rc = check_config(&s->cfg, err, errlen);
	if (rc == 0 && (rc = alloc_tables(s)) == 0)
		rc = brk_subs__sent_init(s);
	if (rc != 0) {
		if (rc == V2X_ENOMEM)
			snprintf(err, errlen,
			         "subscriptions: out of memory for %" PRIu32 " connections",
			         s->cfg.max_conns);
		brk_subs_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void brk_subs_free(struct brk_subs *s)
{
	if (!s)
		return;
	if (s->filters)
		for (size_t i = 0; i < (size_t)s->cfg.max_conns * s->cfg.max_per_conn; i++)
			brk_subs__filter_fini(&s->filters[i]);
	brk_subs__sent_fini(s);
	brk_subs__index_fini(&s->conn_index);
	free(s->conns);
	free(s->filters);
	free(s->live);
	free(s->ids);
	free(s->hits);
	free(s->encs);
	free(s->enc_index);
	free(s);
}

/* ---- connection slots ---------------------------------------------------- */

static uint32_t slot_find(const struct brk_subs *s, const struct brk_conn *c)
{
	if (!s->conn_index.slots)
		return BRK_SUBS__NONE;
	return brk_subs__index_find(&s->conn_index, (uint64_t)(uintptr_t)c);
}

static uint32_t slot_take(struct brk_subs *s, struct brk_conn *c)
{
	uint32_t i = s->conn_free;
	struct brk_subs__conn *cs;

	if (i == BRK_SUBS__NONE)
		return i;
	cs = &s->conns[i];
	s->conn_free = cs->next_free;
	cs->conn = c;
	cs->n = 0;
	cs->live_pos = (uint32_t)s->stats.conns;
	s->live[s->stats.conns++] = i;
	brk_subs__index_insert(&s->conn_index, (uint64_t)(uintptr_t)c, i);
	return i;
}

static void slot_release(struct brk_subs *s, uint32_t i)
{
	struct brk_subs__conn *cs = &s->conns[i];
	uint32_t last = s->live[--s->stats.conns];

	brk_subs__index_remove(&s->conn_index, (uint64_t)(uintptr_t)cs->conn);
	s->live[cs->live_pos] = last;
	s->conns[last].live_pos = cs->live_pos;
	for (uint32_t k = 0; k < cs->n; k++)
		brk_subs__filter_fini(&cs->filters[k]);
	s->stats.subscriptions -= cs->n;
	cs->n = 0;
	cs->conn = NULL;
	cs->principal = NULL;
	cs->gen++; /* the recipients recorded under the old generation are gone */
	cs->next_free = s->conn_free;
	s->conn_free = i;
}

/* Returns the index of subscription id in cs (sorted), or where it would go. */
static uint32_t sub_pos(const struct brk_subs__conn *cs, uint32_t id, bool *found)
{
	uint32_t lo = 0, hi = cs->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cs->filters[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < cs->n && cs->filters[lo].id == id;
	return lo;
}

/* ---- Subscribe / Unsubscribe --------------------------------------------- */

/* Adds or replaces f (taken, even on failure) on c's slot. */
static int install(struct brk_subs *s, struct brk_conn *c, const struct brk_principal *p,
                   struct brk_subs__filter *f, char *why, size_t whylen)
{
	uint32_t i = slot_find(s, c), pos;
	struct brk_subs__conn *cs;
	bool found;

	if (i == BRK_SUBS__NONE && (i = slot_take(s, c)) == BRK_SUBS__NONE) {
		brk_subs__filter_fini(f);
		snprintf(why, whylen,
		         "the broker holds subscriptions of %" PRIu32 " connections, its limit",
		         s->cfg.max_conns);
		return ST(LIMIT);
	}
	cs = &s->conns[i];
	pos = sub_pos(cs, f->id, &found);
	if (!found && cs->n >= s->cfg.max_per_conn) {
		brk_subs__filter_fini(f);
		snprintf(why, whylen,
		         "this connection holds %" PRIu32 " subscriptions, the limit: "
		         "unsubscribe one first",
		         cs->n);
		return ST(LIMIT);
	}
	cs->principal = p;
	if (found) {
		brk_subs__filter_fini(&cs->filters[pos]);
	} else {
		memmove(&cs->filters[pos + 1], &cs->filters[pos],
		        (cs->n - pos) * sizeof(*cs->filters));
		cs->n++;
		s->stats.subscriptions++;
	}
	cs->filters[pos] = *f;
	return ST(OK);
}

static void count(uint64_t *by_status, int st)
{
	by_status[st >= 0 && st < BRK_SUBS_STATUS_COUNT ? st : 0]++;
}

int brk_subs_subscribe(struct brk_subs *s, struct brk_conn *c, const struct brk_principal *p,
                       const V2x__Wire__Subscribe *sub, char *why, size_t whylen)
{
	struct brk_subs__filter f;
	int st = brk_subs__filter_compile(&f, sub, p, s->cfg.max_vehicles, why, whylen);

	if (st == ST(OK))
		st = install(s, c, p, &f, why, whylen);
	count(s->stats.subscribes, st);
	return st;
}

int brk_subs_unsubscribe(struct brk_subs *s, struct brk_conn *c, uint32_t subscription_id,
                         char *why, size_t whylen)
{
	uint32_t i = slot_find(s, c), pos;
	struct brk_subs__conn *cs;
	bool found = false;

	why[0] = '\0';
	cs = i == BRK_SUBS__NONE ? NULL : &s->conns[i];
	pos = cs ? sub_pos(cs, subscription_id, &found) : 0;
	if (!found) {
		snprintf(why, whylen, "no subscription %" PRIu32 " on this connection",
		         subscription_id);
		count(s->stats.unsubscribes, ST(UNKNOWN_ID));
		return ST(UNKNOWN_ID);
	}
	brk_subs__filter_fini(&cs->filters[pos]);
	memmove(&cs->filters[pos], &cs->filters[pos + 1], (cs->n - pos - 1) * sizeof(*cs->filters));
	memset(&cs->filters[cs->n - 1], 0, sizeof(*cs->filters));
	cs->n--;
	s->stats.subscriptions--;
	count(s->stats.unsubscribes, ST(OK));
	return ST(OK);
}

void brk_subs_drop_conn(struct brk_subs *s, struct brk_conn *c)
{
	uint32_t i = slot_find(s, c);

	if (i == BRK_SUBS__NONE)
		return;
	/* A push in progress skips the hits of this slot by its generation. */
	slot_release(s, i);
}

size_t brk_subs_count(const struct brk_subs *s, const struct brk_conn *c)
{
	uint32_t i = slot_find(s, c);

	return i == BRK_SUBS__NONE ? 0 : s->conns[i].n;
}

int brk_subs_send_result(struct brk_conn *c, uint32_t subscription_id, int status,
                         const char *reason)
{
	V2x__Wire__SubscribeResult r = V2X__WIRE__SUBSCRIBE_RESULT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char text[512]; /* protobuf-c's fields are not const */

	r.has_subscription_id = 1;
	r.subscription_id = subscription_id;
	r.has_status = 1;
	r.status = (V2x__Wire__SubscribeStatus)status;
	if (reason && reason[0]) {
		snprintf(text, sizeof(text), "%s", reason);
		r.reason = text;
	}
	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE_RESULT;
	f.subscribe_result = &r;
	return brk_conn_send_frame(c, &f);
}

int brk_subs_handle_frame(struct brk_subs *s, struct brk_conn *c, const V2x__Wire__Frame *f)
{
	char why[512];
	uint32_t id;
	int st;

	switch (f->msg_case) {
	case V2X__WIRE__FRAME__MSG_SUBSCRIBE:
		id = f->subscribe->subscription_id;
		st = brk_subs_subscribe(s, c, brk_conn_principal(c), f->subscribe, why,
		                        sizeof(why));
		break;
	case V2X__WIRE__FRAME__MSG_UNSUBSCRIBE:
		id = f->unsubscribe->subscription_id;
		st = brk_subs_unsubscribe(s, c, id, why, sizeof(why));
		break;
	default:
		return 0;
	}
	brk_subs_send_result(c, id, st, st == ST(OK) ? NULL : why);
	return 1;
}

/* ---- counters ------------------------------------------------------------ */

const struct brk_subs_stats *brk_subs_stats(const struct brk_subs *s)
{
	return &s->stats;
}

/* The by-status arrays of the metrics start at status 1 (OK). */
static const char *status_label(size_t i)
{
	return brk_subs_status_name((int)i + 1);
}

#define S(f) offsetof(struct brk_subs_stats, f)

/* clang-format off */
static const struct v2x_metric subs_metrics[] = {
	{ .name = "v2x_broker_subscriptions", .help = "Subscriptions live",
	  .type = V2X_METRIC_GAUGE, .offset = S(subscriptions) },
	{ .name = "v2x_broker_subscriber_conns", .help = "Connections holding subscriptions",
	  .type = V2X_METRIC_GAUGE, .offset = S(conns) },
	{ .name = "v2x_broker_subscribes_total", .help = "Subscribe frames answered, by status",
	  .type = V2X_METRIC_COUNTER, .offset = S(subscribes) + sizeof(uint64_t),
	  .count = BRK_SUBS_STATUS_COUNT - 1, .label = "status", .label_value = status_label },
	{ .name = "v2x_broker_unsubscribes_total", .help = "Unsubscribe frames answered, by status",
	  .type = V2X_METRIC_COUNTER, .offset = S(unsubscribes) + sizeof(uint64_t),
	  .count = BRK_SUBS_STATUS_COUNT - 1, .label = "status", .label_value = status_label },
	{ .name = "v2x_broker_push_warnings_total", .help = "Warnings pushed",
	  .type = V2X_METRIC_COUNTER, .offset = S(warnings) },
	{ .name = "v2x_broker_push_warnings_matched_total",
	  .help = "Warnings pushed that reached at least one subscriber",
	  .type = V2X_METRIC_COUNTER, .offset = S(warnings_matched) },
	{ .name = "v2x_broker_push_frames_total", .help = "Warning and cancellation frames queued",
	  .type = V2X_METRIC_COUNTER, .offset = S(frames) },
	{ .name = "v2x_broker_push_encodes_total", .help = "Shared frame buffers encoded for pushes",
	  .type = V2X_METRIC_COUNTER, .offset = S(encodes) },
	{ .name = "v2x_broker_push_send_refused_total",
	  .help = "Push frames not queued: the connection was closing",
	  .type = V2X_METRIC_COUNTER, .offset = S(send_refused) },
	{ .name = "v2x_broker_push_encode_errors_total",
	  .help = "Push frames that could not be encoded", .type = V2X_METRIC_COUNTER,
	  .offset = S(encode_errors) },
	{ .name = "v2x_broker_push_cancels_total", .help = "Cancellations pushed",
	  .type = V2X_METRIC_COUNTER, .offset = S(cancels) },
	{ .name = "v2x_broker_push_cancels_unknown_total",
	  .help = "Cancellations of warnings without recipients recorded",
	  .type = V2X_METRIC_COUNTER, .offset = S(cancels_unknown) },
	{ .name = "v2x_broker_push_records", .help = "Warnings whose recipients are kept",
	  .type = V2X_METRIC_GAUGE, .offset = S(records) },
	{ .name = "v2x_broker_push_records_evicted_total",
	  .help = "Warning records evicted from the full table", .type = V2X_METRIC_COUNTER,
	  .offset = S(records_evicted) },
	{ .name = "v2x_broker_push_recipients_lost_total",
	  .help = "Recipients not recorded for lack of room", .type = V2X_METRIC_COUNTER,
	  .offset = S(recipients_lost) },
	V2X_METRIC_END,
};
/* clang-format on */

#undef S

int brk_subs_metrics_add(struct brk_subs *s, struct v2x_metrics *m,
                         const struct v2x_metric_label *labels, size_t n_labels, char *err,
                         size_t errlen)
{
	return v2x_metrics_add(m, subs_metrics, &s->stats, labels, n_labels, err, errlen);
}
