#include "broker/persist/row.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/msgjson.h"
#include "runtime/err.h"

/* ---- the buffer ---------------------------------------------------------- */

int brk_persist__fmt_init(struct brk_persist__fmt *f, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->buf = malloc(cap);
	f->json = malloc(cap);
	if (!f->buf || !f->json) {
		brk_persist__fmt_fini(f);
		return V2X_ENOMEM;
	}
	f->cap = cap;
	f->json_cap = cap;
	return 0;
}

void brk_persist__fmt_fini(struct brk_persist__fmt *f)
{
	free(f->buf);
	free(f->json);
	f->buf = NULL;
	f->json = NULL;
}

static void put(struct brk_persist__fmt *f, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (f->over || n > f->cap - f->len) {
		f->over = true;
		return;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

static void put_c(struct brk_persist__fmt *f, char c)
{
	put(f, &c, 1);
}

static void put_s(struct brk_persist__fmt *f, const char *s)
{
	put(f, s, strlen(s));
}

static void begin(struct brk_persist__fmt *f, enum brk_persist__kind kind, const char *agent,
                  uint32_t agent_idx, uint64_t seq)
{
	size_t alen = agent ? strlen(agent) : 0;
	uint8_t hdr[BRK_PERSIST__REC_HDR] = { (uint8_t)kind, (uint8_t)alen };

	memcpy(hdr + 4, &agent_idx, 4);
	memcpy(hdr + 8, &seq, 8);
	f->len = 0;
	f->over = false;
	f->part_at = 0;
	f->nparts = 0;
	put(f, hdr, sizeof(hdr));
	put(f, agent, alen);
}

static void part_begin(struct brk_persist__fmt *f, enum brk_persist_table t)
{
	uint8_t hdr[BRK_PERSIST__PART_HDR] = { (uint8_t)t };

	f->part_at = f->len;
	put(f, hdr, sizeof(hdr));
}

/* Ends the open part: its length, and the count in the record header. */
static void part_end(struct brk_persist__fmt *f)
{
	uint32_t n = (uint32_t)(f->len - f->part_at - BRK_PERSIST__PART_HDR);

	if (f->over)
		return;
	memcpy(f->buf + f->part_at + 4, &n, 4);
	f->nparts++;
	memcpy(f->buf + 2, &f->nparts, 2);
}

static int finish(struct brk_persist__fmt *f)
{
	return f->over ? V2X_ETOO_BIG : 0;
}

/* ---- COPY text values ------------------------------------------------------ */

/* Length of a UTF-8 sequence by its first byte, 0 for a byte that cannot start one. */
static size_t utf8_lead(unsigned char c)
{
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = utf8_lead(s[0]);

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* The COPY escape of byte c, or NULL when it goes as it is. */
static const char *copy_escape(unsigned char c)
{
	switch (c) {
	case '\\':
		return "\\\\";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	default:
		return NULL;
	}
}

size_t brk_persist__copy_text(char *out, size_t cap, const char *s, size_t n)
{
	static const char replacement[3] = { '\xef', '\xbf', '\xbd' }; /* U+FFFD */
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 <= cap;) {
		size_t len = utf8_len(u + i, n - i);
		const char *esc = NULL;
		if (len == 0) {
			/* U+FFFD: COPY refuses what is not UTF-8, and one bad byte
			 * must not fail the whole batch. */
			memcpy(out + o, replacement, sizeof(replacement));
			o += 3;
			i++;
			continue;
		}
		esc = copy_escape(u[i]);
		if (esc) {
			memcpy(out + o, esc, 2);
			o += 2;
		} else {
			memcpy(out + o, u + i, len);
			o += len;
		}
		i += len;
	}
	return o;
}

static void put_text_n(struct brk_persist__fmt *f, const char *s, size_t n)
{
	size_t room = f->cap - f->len;

	/* Escaping at most triples a byte. */
	if (f->over || n > room / 3) {
		f->over = true;
		return;
	}
	f->len += brk_persist__copy_text((char *)f->buf + f->len, room, s, n);
}

static void put_text(struct brk_persist__fmt *f, const char *s)
{
	if (s)
		put_text_n(f, s, strlen(s));
	else
		put_s(f, "\\N");
}

static void put_null(struct brk_persist__fmt *f)
{
	put_s(f, "\\N");
}

/*
 * Numbers are written by hand rather than with snprintf: a row has a dozen
 * of them, and snprintf's "%.17g" alone made formatting a BSM row cost
 * microseconds on the loop thread.
 */
static void put_u64(struct brk_persist__fmt *f, uint64_t v)
{
	char b[20];
	size_t n = sizeof(b);

	do {
		b[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(f, b + n, sizeof(b) - n);
}

static void put_i64(struct brk_persist__fmt *f, int64_t v)
{
	if (v < 0) {
		put_c(f, '-');
		put_u64(f, 0 - (uint64_t)v);
	} else {
		put_u64(f, (uint64_t)v);
	}
}

/* Decimals written for a double: finer than any field of the message set
 * resolves (positions come in 1e-7 degrees). */
#define DBL_DECIMALS 9
#define DBL_SCALE    1e9

/* A double, NULL when not finite (NaN is "unavailable" in the model). */
static void put_dbl(struct brk_persist__fmt *f, double v)
{
	char b[32];
	int64_t q;
	uint64_t frac;
	size_t n = DBL_DECIMALS;

	if (!isfinite(v)) {
		put_null(f);
		return;
	}
	if (fabs(v) >= 1e9) {
		put(f, b, (size_t)snprintf(b, sizeof(b), "%.17g", v));
		return;
	}
	/* Fixed point with DBL_DECIMALS decimals, trailing zeros cut: 106.5054321
	 * rather than %.17g's 106.50543209999999. */
	q = llround(v * DBL_SCALE);
	if (q < 0)
		put_c(f, '-');
	frac = (uint64_t)(q < 0 ? -q : q);
	put_u64(f, frac / (uint64_t)DBL_SCALE);
	frac %= (uint64_t)DBL_SCALE;
	if (frac == 0)
		return;
	for (size_t i = DBL_DECIMALS; i-- > 0; frac /= 10)
		b[i] = (char)('0' + frac % 10);
	while (b[n - 1] == '0')
		n--;
	put_c(f, '.');
	put(f, b, n);
}

static void put_bool(struct brk_persist__fmt *f, bool v)
{
	put_c(f, v ? 't' : 'f');
}

static void put_hex(struct brk_persist__fmt *f, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		put_c(f, digits[p[i] >> 4]);
		put_c(f, digits[p[i] & 15]);
	}
}

/* bytea in COPY text: "\\x" and hex digits (the backslash escaped for COPY). */
static void put_bytea(struct brk_persist__fmt *f, const uint8_t *p, size_t n)
{
	put_s(f, "\\\\x");
	put_hex(f, p, n);
}

static void tab(struct brk_persist__fmt *f)
{
	put_c(f, '\t');
}

static void nl(struct brk_persist__fmt *f)
{
	put_c(f, '\n');
}

/* An optional value: present, or NULL. */
static void put_dbl_if(struct brk_persist__fmt *f, bool has, double v)
{
	if (has)
		put_dbl(f, v);
	else
		put_null(f);
}

static void put_u64_if(struct brk_persist__fmt *f, bool has, uint64_t v)
{
	if (has)
		put_u64(f, v);
	else
		put_null(f);
}

/* ---- observations ---------------------------------------------------------- */

/* What the observations row takes from each message type. */
struct obs_info {
	const uint8_t *source_id; /* 8 octets or NULL */
	int msg_cnt;
	double sec_mark_s, moy_s;
	const struct v2x_pos3d *pos;
};

static struct obs_info obs_info(const struct v2x_msg *m)
{
	struct obs_info i = { NULL, -1, NAN, NAN, NULL };

	switch (m->type) {
	case V2X_MSG_BSM:
		i = (struct obs_info){ m->u.bsm.id, m->u.bsm.msg_cnt, m->u.bsm.sec_mark_s, NAN,
			               &m->u.bsm.pos };
		break;
	case V2X_MSG_MAP:
		i.msg_cnt = m->u.map.msg_cnt;
		i.moy_s = m->u.map.has_timestamp ? m->u.map.timestamp_moy_s : NAN;
		i.pos = m->u.map.n_nodes ? &m->u.map.nodes[0].ref_pos : NULL;
		break;
	case V2X_MSG_RSM:
		i = (struct obs_info){ m->u.rsm.id, m->u.rsm.msg_cnt, NAN, NAN, &m->u.rsm.ref_pos };
		break;
	case V2X_MSG_SPAT:
		i.msg_cnt = m->u.spat.msg_cnt;
		i.moy_s = m->u.spat.has_moy ? m->u.spat.moy_s : NAN;
		break;
	case V2X_MSG_RSI:
		i = (struct obs_info){ m->u.rsi.id, m->u.rsi.msg_cnt, NAN,
			               m->u.rsi.has_moy ? m->u.rsi.moy_s : NAN, &m->u.rsi.ref_pos };
		break;
	default:
		break;
	}
	return i;
}

/* agent_id, rsu_id, seq: the first columns of the observation tables. */
static void put_source(struct brk_persist__fmt *f, const struct brk_persist_obs *o)
{
	put_text(f, o->agent_id);
	tab(f);
	put_text(f, o->rsu_id ? o->rsu_id : o->agent_id);
	tab(f);
	put_u64(f, o->seq);
	tab(f);
}

static void put_pos(struct brk_persist__fmt *f, const struct v2x_pos3d *pos)
{
	put_dbl(f, pos ? pos->lon_deg : NAN);
	tab(f);
	put_dbl(f, pos ? pos->lat_deg : NAN);
}

static int put_json(struct brk_persist__fmt *f, const struct v2x_msg *m)
{
	json_t *j = v2x_msg_to_json(m);
	size_t n;

	if (!j)
		return V2X_ENOMEM;
	n = json_dumpb(j, f->json, f->json_cap, JSON_COMPACT);
	json_decref(j);
	if (n == 0 || n > f->json_cap)
		return V2X_ETOO_BIG;
	put_text_n(f, f->json, n);
	return 0;
}

static int obs_line(struct brk_persist__fmt *f, const struct brk_persist_obs *o, bool store_json,
                    bool store_uper)
{
	struct obs_info i = obs_info(o->msg);
	int rc = 0;

	part_begin(f, BRK_PERSIST_T_OBSERVATIONS);
	put_source(f, o);
	put_i64(f, o->rx_time_us);
	tab(f);
	put_i64(f, o->broker_time_us);
	tab(f);
	put_s(f, v2x_msg_type_name(o->msg->type));
	tab(f);
	put_bool(f, o->replayed);
	tab(f);
	put_bool(f, o->record_only);
	tab(f);
	put_i64(f, (int64_t)o->flags);
	tab(f);
	if (i.source_id)
		put_hex(f, i.source_id, V2X_ID_LEN);
	else
		put_null(f);
	tab(f);
	put_dbl_if(f, i.msg_cnt >= 0, i.msg_cnt);
	tab(f);
	put_dbl(f, i.sec_mark_s);
	tab(f);
	put_dbl(f, i.moy_s);
	tab(f);
	put_pos(f, i.pos);
	tab(f);
	put_dbl(f, i.pos && i.pos->has_elev ? i.pos->elev_m : NAN);
	tab(f);
	if (store_json)
		rc = put_json(f, o->msg);
	else
		put_null(f);
	tab(f);
	if (store_uper && o->uper)
		put_bytea(f, o->uper, o->uper_len);
	else
		put_null(f);
	nl(f);
	part_end(f);
	return rc;
}

static void put_region(struct brk_persist__fmt *f, const struct v2x_node_ref *id)
{
	put_dbl_if(f, id->has_region, id->region);
	tab(f);
	put_u64(f, id->id);
}

/* The columns map_messages and spat_history lines start with: the source,
 * the node's place in the message, receipt, msgCnt, region and node id. */
static void put_node_head(struct brk_persist__fmt *f, const struct brk_persist_obs *o, size_t i,
                          unsigned msg_cnt, const struct v2x_node_ref *id)
{
	put_source(f, o);
	put_u64(f, i);
	tab(f);
	put_i64(f, o->rx_time_us);
	tab(f);
	put_u64(f, msg_cnt);
	tab(f);
	put_region(f, id);
	tab(f);
}

/* map_messages: one line per node (junction) of the MAP. */
static void map_lines(struct brk_persist__fmt *f, const struct brk_persist_obs *o)
{
	const struct v2x_map *m = &o->msg->u.map;

	part_begin(f, BRK_PERSIST_T_MAP);
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct v2x_node *n = &m->nodes[i];
		put_node_head(f, o, i, m->msg_cnt, &n->id);
		if (n->name.len)
			put_text_n(f, n->name.s, n->name.len);
		else
			put_null(f);
		tab(f);
		put_pos(f, &n->ref_pos);
		tab(f);
		put_u64(f, n->n_links);
		nl(f);
	}
	part_end(f);
}

static const char *light_name(uint8_t light)
{
	static const char *const names[] = { "unavailable",     "dark",
		                             "flashing-red",    "red",
		                             "flashing-green",  "permissive-green",
		                             "protected-green", "yellow",
		                             "flashing-yellow" };

	return light < sizeof(names) / sizeof(names[0]) ? names[light] : "unrecognised";
}

/* A JSON number (with its key), or nothing when absent or not finite. */
static void json_num(struct brk_persist__fmt *f, const char *key, bool has, double v)
{
	if (has && isfinite(v)) {
		char b[64];
		put(f, b, (size_t)snprintf(b, sizeof(b), ",\"%s\":%.10g", key, v));
	}
}

static void json_state(struct brk_persist__fmt *f, const struct v2x_phase_state *s)
{
	const struct v2x_timing *t = &s->timing;

	put_s(f, "{\"light\":\"");
	put_s(f, light_name(s->light));
	put_c(f, '"');
	if (s->has_timing) {
		json_num(f, "start_s", true, t->start_s);
		json_num(f, "min_end_s", t->has_min_end, t->min_end_s);
		json_num(f, "max_end_s", t->has_max_end, t->max_end_s);
		json_num(f, "likely_end_s", true, t->likely_end_s);
		json_num(f, "next_start_s", t->has_next_start, t->next_start_s);
		json_num(f, "next_s", t->has_next, t->next_s);
		if (t->kind == V2X_TIMING_UTC)
			put_s(f, ",\"utc\":true");
	}
	put_c(f, '}');
}

/* The phases of one intersection as JSON: [{"id":1,"states":[...]},...]. */
static void json_phases(struct brk_persist__fmt *f, const struct v2x_intersection_state *is)
{
	char b[32];

	put_c(f, '[');
	for (size_t p = 0; p < is->n_phases; p++) {
		const struct v2x_phase *ph = &is->phases[p];
		put(f, b,
		    (size_t)snprintf(b, sizeof(b), "%s{\"id\":%u,\"states\":[", p ? "," : "",
		                     (unsigned)ph->id));
		for (size_t s = 0; s < ph->n_states; s++) {
			if (s)
				put_c(f, ',');
			json_state(f, &ph->states[s]);
		}
		put_s(f, "]}");
	}
	put_c(f, ']');
}

/* spat_history: one line per intersection of the SPAT. */
static void spat_lines(struct brk_persist__fmt *f, const struct brk_persist_obs *o)
{
	const struct v2x_spat *m = &o->msg->u.spat;

	part_begin(f, BRK_PERSIST_T_SPAT);
	for (size_t i = 0; i < m->n_intersections; i++) {
		const struct v2x_intersection_state *is = &m->intersections[i];
		put_node_head(f, o, i, m->msg_cnt, &is->id);
		put_u64(f, is->status);
		tab(f);
		put_dbl_if(f, is->has_moy, is->moy_s);
		tab(f);
		put_dbl_if(f, is->has_timestamp, is->timestamp_s);
		tab(f);
		json_phases(f, is);
		nl(f);
	}
	part_end(f);
}

static bool agent_ok(const char *agent)
{
	size_t n = agent ? strlen(agent) : 0;

	return n > 0 && n <= BRK_PERSIST_AGENT_MAX;
}

int brk_persist__fmt_obs(struct brk_persist__fmt *f, const struct brk_persist_obs *o,
                         uint32_t agent_idx, bool store_json, bool store_uper)
{
	int rc;

	if (!agent_ok(o->agent_id) || !o->msg || o->msg->type <= V2X_MSG_NONE ||
	    o->msg->type >= V2X_MSG_TYPE_COUNT)
		return V2X_EINVAL;
	if (o->seq > INT64_MAX)
		return V2X_ERANGE;
	begin(f, BRK_PERSIST__REC_OBS, o->agent_id, agent_idx, o->seq);
	rc = obs_line(f, o, store_json, store_uper);
	if (o->msg->type == V2X_MSG_MAP && o->msg->u.map.n_nodes)
		map_lines(f, o);
	if (o->msg->type == V2X_MSG_SPAT && o->msg->u.spat.n_intersections)
		spat_lines(f, o);
	return rc ? rc : finish(f);
}

int brk_persist__fmt_mark(struct brk_persist__fmt *f, const char *agent_id, uint32_t agent_idx,
                          uint64_t seq)
{
	if (!agent_ok(agent_id))
		return V2X_EINVAL;
	if (seq > INT64_MAX)
		return V2X_ERANGE;
	begin(f, BRK_PERSIST__REC_MARK, agent_id, agent_idx, seq);
	return finish(f);
}

/* ---- warnings -------------------------------------------------------------- */

static const char *const wevent_names[] = { "issued", "updated", "cancelled", "expired" };

/* The subject as text: "vehicle:HEX", "hazard:ID", "signal:REGION/NODE/PHASE". */
static void put_subject(struct brk_persist__fmt *f, const V2x__Wire__Subject *s)
{
	char b[96];
	const V2x__Wire__SignalRef *sig;

	if (!s) {
		put_null(f);
		return;
	}
	switch (s->subject_case) {
	case V2X__WIRE__SUBJECT__SUBJECT_VEHICLE_ID:
		put_s(f, "vehicle:");
		put_hex(f, s->vehicle_id.data, s->vehicle_id.len);
		break;
	case V2X__WIRE__SUBJECT__SUBJECT_HAZARD:
		snprintf(b, sizeof(b), "hazard:%" PRIu64, s->hazard ? s->hazard->hazard_id : 0);
		put_s(f, b);
		break;
	case V2X__WIRE__SUBJECT__SUBJECT_SIGNAL:
		sig = s->signal;
		if (sig && sig->intersection)
			snprintf(b, sizeof(b), "signal:%u/%u/%u",
			         (unsigned)sig->intersection->region,
			         (unsigned)sig->intersection->id, (unsigned)sig->phase_id);
		else
			snprintf(b, sizeof(b), "signal:?/?/%u", sig ? (unsigned)sig->phase_id : 0);
		put_s(f, b);
		break;
	default:
		put_null(f);
		break;
	}
}

/*
 * One text[] element, "RSU:SEQ": quoted for the array literal (a double
 * quote or backslash gets a backslash), then escaped for COPY.
 */
static void put_source_elem(struct brk_persist__fmt *f, const char *rsu, uint64_t seq)
{
	put_c(f, '"');
	while (*rsu) {
		size_t run = strcspn(rsu, "\\\"");
		put_text_n(f, rsu, run);
		rsu += run;
		if (*rsu) {
			put_s(f, "\\\\");
			put_text_n(f, rsu, 1);
			rsu++;
		}
	}
	put_c(f, ':');
	put_u64(f, seq);
	put_c(f, '"');
}

/* sources as text[]: {"RSU:SEQ",...}. */
static void put_sources(struct brk_persist__fmt *f, const V2x__Wire__Warning *w)
{
	put_c(f, '{');
	for (size_t i = 0; i < w->n_sources; i++) {
		const V2x__Wire__SourceRef *s = w->sources[i];
		if (i)
			put_c(f, ',');
		put_source_elem(f, s && s->rsu_id ? s->rsu_id : "", s ? s->seq : 0);
	}
	put_c(f, '}');
}

static void put_position(struct brk_persist__fmt *f, const V2x__Wire__Position3D *p)
{
	bool has = p && p->has_lat_deg && p->has_lon_deg;

	put_dbl(f, has ? p->lon_deg : NAN);
	tab(f);
	put_dbl(f, has ? p->lat_deg : NAN);
	tab(f);
	put_dbl_if(f, p && p->has_elev_m, p ? p->elev_m : NAN);
}

static void warning_body(struct brk_persist__fmt *f, const V2x__Wire__Warning *w)
{
	put_u64_if(f, w->has_type, (uint64_t)w->type);
	tab(f);
	put_u64_if(f, w->has_severity, (uint64_t)w->severity);
	tab(f);
	if (w->has_target_vehicle_id)
		put_hex(f, w->target_vehicle_id.data, w->target_vehicle_id.len);
	else
		put_null(f);
	tab(f);
	put_subject(f, w->subject);
	tab(f);
	put_position(f, w->position);
	tab(f);
	put_dbl_if(f, w->has_distance_m, w->distance_m);
	tab(f);
	put_dbl_if(f, w->has_time_to_event_s, w->time_to_event_s);
	tab(f);
	put_dbl_if(f, w->has_advisory_speed_mps, w->advisory_speed_mps);
	tab(f);
	put_u64_if(f, w->has_issue_time_us, w->issue_time_us);
	tab(f);
	put_u64_if(f, w->has_expiry_time_us, w->expiry_time_us);
	tab(f);
	put_sources(f, w);
	tab(f);
	put_u64_if(f, w->has_trigger_rx_time_us, w->trigger_rx_time_us);
}

/* run_id, warning_id, revision, event, event_time_us: the key columns. */
static void warning_key(struct brk_persist__fmt *f, uint64_t run_id, uint64_t id, uint32_t rev,
                        enum brk_persist_wevent ev, uint64_t time_us)
{
	part_begin(f, BRK_PERSIST_T_WARNINGS);
	put_u64(f, run_id);
	tab(f);
	put_u64(f, id);
	tab(f);
	put_u64(f, rev);
	tab(f);
	put_s(f, wevent_names[ev]);
	tab(f);
	put_u64(f, time_us);
	tab(f);
}

int brk_persist__fmt_warning(struct brk_persist__fmt *f, uint64_t run_id,
                             const V2x__Wire__Warning *w, enum brk_persist_wevent ev)
{
	if (!w || (unsigned)ev > BRK_PERSIST_W_EXPIRED)
		return V2X_EINVAL;
	if (w->warning_id > INT64_MAX || w->issue_time_us > INT64_MAX ||
	    w->expiry_time_us > INT64_MAX || w->trigger_rx_time_us > INT64_MAX)
		return V2X_ERANGE;
	begin(f, BRK_PERSIST__REC_WARN, NULL, BRK_PERSIST__NO_AGENT, 0);
	warning_key(f, run_id, w->warning_id, w->revision, ev, w->issue_time_us);
	warning_body(f, w);
	tab(f);
	put_null(f); /* cancel_reason */
	tab(f);
	put_text(f, w->text && w->text[0] ? w->text : NULL);
	nl(f);
	part_end(f);
	return finish(f);
}

int brk_persist__fmt_cancel(struct brk_persist__fmt *f, uint64_t run_id, uint64_t warning_id,
                            uint32_t revision, uint32_t reason, int64_t time_us, bool expired)
{
	if (warning_id > INT64_MAX || time_us < 0)
		return V2X_ERANGE;
	begin(f, BRK_PERSIST__REC_WARN, NULL, BRK_PERSIST__NO_AGENT, 0);
	warning_key(f, run_id, warning_id, revision,
	            expired ? BRK_PERSIST_W_EXPIRED : BRK_PERSIST_W_CANCELLED, (uint64_t)time_us);
	/* type .. trigger_rx_time_us: 14 columns a cancellation does not have. */
	for (int i = 0; i < 14; i++) {
		put_null(f);
		tab(f);
	}
	put_u64(f, reason);
	tab(f);
	put_null(f);
	nl(f);
	part_end(f);
	return finish(f);
}

/* ---- hazards --------------------------------------------------------------- */

static void put_lanes(struct brk_persist__fmt *f, const uint32_t *lanes, size_t n)
{
	put_c(f, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			put_c(f, ',');
		put_u64(f, lanes[i]);
	}
	put_c(f, '}');
}

static void put_time_or_null(struct brk_persist__fmt *f, int64_t us)
{
	if (us > 0)
		put_i64(f, us);
	else
		put_null(f);
}

int brk_persist__fmt_hazard(struct brk_persist__fmt *f, uint64_t run_id,
                            const struct brk_persist_hazard *h)
{
	static const char *const events[] = { "created", "updated", "cleared" };
	static const char *const kinds[] = { "rsi", "rsm" };
	bool src = h && agent_ok(h->agent_id);

	if (!h || (unsigned)h->event > BRK_PERSIST_H_CLEARED ||
	    (unsigned)h->kind > BRK_PERSIST_H_RSM || (h->n_lanes && !h->lanes))
		return V2X_EINVAL;
	if (h->hazard_id > INT64_MAX || h->seq > INT64_MAX || h->time_us < 0)
		return V2X_ERANGE;
	begin(f, BRK_PERSIST__REC_HAZ, NULL, BRK_PERSIST__NO_AGENT, 0);
	part_begin(f, BRK_PERSIST_T_HAZARDS);
	put_u64(f, run_id);
	tab(f);
	put_u64(f, h->hazard_id);
	tab(f);
	put_s(f, events[h->event]);
	tab(f);
	put_i64(f, h->time_us);
	tab(f);
	put_s(f, kinds[h->kind]);
	tab(f);
	put_u64(f, h->event_type);
	tab(f);
	put_u64(f, h->ptc_type);
	tab(f);
	put_dbl(f, h->lon_deg);
	tab(f);
	put_dbl(f, h->lat_deg);
	tab(f);
	put_dbl(f, h->radius_m);
	tab(f);
	put_lanes(f, h->lanes, h->n_lanes);
	tab(f);
	put_time_or_null(f, h->start_time_us);
	tab(f);
	put_time_or_null(f, h->end_time_us);
	tab(f);
	put_text(f, src ? h->agent_id : NULL);
	tab(f);
	put_text(f, src ? (h->rsu_id ? h->rsu_id : h->agent_id) : NULL);
	tab(f);
	if (src)
		put_u64(f, h->seq);
	else
		put_null(f);
	nl(f);
	part_end(f);
	return finish(f);
}

/* ---- reading records ------------------------------------------------------- */

int brk_persist__rec_parse(const uint8_t *p, size_t len, struct brk_persist__rec *rec)
{
	if (len < BRK_PERSIST__REC_HDR || len < BRK_PERSIST__REC_HDR + (size_t)p[1] || p[0] < 1 ||
	    p[0] > BRK_PERSIST__REC_HAZ)
		return V2X_EMALFORMED;
	rec->kind = p[0];
	rec->agent_len = p[1];
	memcpy(&rec->nparts, p + 2, 2);
	memcpy(&rec->agent_idx, p + 4, 4);
	memcpy(&rec->seq, p + 8, 8);
	rec->agent = (const char *)p + BRK_PERSIST__REC_HDR;
	rec->parts = p + BRK_PERSIST__REC_HDR + rec->agent_len;
	rec->parts_len = len - BRK_PERSIST__REC_HDR - rec->agent_len;
	return 0;
}

int brk_persist__rec_part(const struct brk_persist__rec *rec, size_t *off, uint8_t *table,
                          const char **text, size_t *len)
{
	uint32_t n;

	if (*off == rec->parts_len)
		return 0;
	if (rec->parts_len - *off < BRK_PERSIST__PART_HDR)
		return V2X_EMALFORMED;
	memcpy(&n, rec->parts + *off + 4, 4);
	*table = rec->parts[*off];
	if (n > rec->parts_len - *off - BRK_PERSIST__PART_HDR || *table >= BRK_PERSIST_T_AGENT_SEQ)
		return V2X_EMALFORMED;
	*text = (const char *)rec->parts + *off + BRK_PERSIST__PART_HDR;
	*len = n;
	*off += BRK_PERSIST__PART_HDR + n;
	return 1;
}
