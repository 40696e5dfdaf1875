/*
 * push: a warning to the connections whose subscriptions match it, and a
 * cancellation to those that received the warning.
 *
 * A push runs in two passes.  The first walks the connections, tests each
 * subscription and the connection's scope, and writes the matching ids of
 * each connection into scratch; identical lists of ids share one entry
 * (found through a small hash over the lists), so that the second pass
 * encodes one frame per distinct list and queues that same buffer on every
 * connection with the list.  Queuing may close a connection (the disconnect
 * policy calls on_close at once, and the core then drops it here): the
 * second pass therefore names connections by slot and generation, never by
 * a pointer kept across a send.
 */
#include <string.h>

#include "broker/subs/subs_int.h"
#include "runtime/err.h"

static void target_of(const V2x__Wire__Warning *w, double lat, double lon,
                      struct brk_subs__target *t)
{
	memset(t, 0, sizeof(*t));
	if (w->has_target_vehicle_id && w->target_vehicle_id.len == 8) {
		t->has_vehicle = true;
		memcpy(t->vehicle, w->target_vehicle_id.data, 8);
		t->vehicle_key = brk_subs__vehicle_key(t->vehicle);
	}
	t->type = w->has_type ? (uint32_t)w->type : 0;
	t->severity = w->has_severity ? (uint32_t)w->severity : 0;
	t->lat = lat;
	t->lon = lon;
}

/* Writes the ids of cs's subscriptions that match t at out; returns how many. */
static uint32_t match_conn(const struct brk_subs__conn *cs, const struct brk_subs__target *t,
                           uint32_t *out)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < cs->n; k++)
		if (brk_subs__filter_match(&cs->filters[k], t))
			out[n++] = cs->filters[k].id;
	return n; /* ascending: the filters are sorted by id */
}

static uint64_t ids_hash(const uint32_t *ids, uint32_t n)
{
	uint64_t h = brk_subs__mix(n);

	for (uint32_t i = 0; i < n; i++)
		h = brk_subs__mix(h ^ ids[i]);
	return h;
}

/*
 * Returns the entry of the list ids[off .. off + n), adding one (*n_encs
 * grows) when no earlier connection of this push had the same list.
 */
static uint32_t enc_find(struct brk_subs *s, uint32_t off, uint32_t n, uint32_t *n_encs)
{
	uint64_t h = ids_hash(s->ids + off, n);

	for (size_t i = h & s->enc_mask;; i = (i + 1) & s->enc_mask) {
		uint32_t k = s->enc_index[i];
		const struct brk_subs__enc *e;

		if (k == BRK_SUBS__NONE) {
			k = (*n_encs)++;
			s->enc_index[i] = k;
			s->encs[k] = (struct brk_subs__enc){ h, off, n, NULL, 0 };
			return k;
		}
		e = &s->encs[k];
		if (e->hash == h && e->n == n &&
		    memcmp(s->ids + e->off, s->ids + off, n * sizeof(*s->ids)) == 0)
			return k;
	}
}

/* The first pass: fills s->hits; returns their number, *n_encs the lists'. */
static uint32_t collect(struct brk_subs *s, const struct brk_subs__target *t, uint32_t *n_encs)
{
	uint32_t n_hits = 0, off = 0;

	*n_encs = 0;
	for (uint64_t k = 0; k < s->stats.conns; k++) {
		uint32_t slot = s->live[k], n, e;
		const struct brk_subs__conn *cs = &s->conns[slot];

		if (cs->n == 0 || (n = match_conn(cs, t, s->ids + off)) == 0)
			continue;
		if (!brk_subs__scope_allows(cs->principal, t))
			continue;
		e = enc_find(s, off, n, n_encs);
		if (s->encs[e].off == off)
			off += n; /* a new list: keep it; a known one is overwritten next */
		s->hits[n_hits++] = (struct brk_subs__hit){ slot, cs->gen, e };
	}
	return n_hits;
}

/* Releases the buffers of the push and empties the lists' hash. */
static void release_encs(struct brk_subs *s, uint32_t n_encs)
{
	for (uint32_t k = 0; k < n_encs; k++) {
		struct brk_subs__enc *e = &s->encs[k];

		for (size_t i = e->hash & s->enc_mask;; i = (i + 1) & s->enc_mask)
			if (s->enc_index[i] == k) {
				s->enc_index[i] = BRK_SUBS__NONE;
				break;
			}
		if (e->buf)
			brk_sbuf_unref(e->buf);
	}
}

/*
 * Encodes w with the ids of e into e->buf, on the first connection of the
 * list; returns 0 or the error (kept: the list's other connections skip).
 */
static int encode_once(struct brk_subs *s, struct brk_subs__enc *e, const V2x__Wire__Warning *w,
                       struct brk_sbuf_pool *pool)
{
	V2x__Wire__Warning wc = *w;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	if (e->buf || e->rc)
		return e->rc;
	wc.n_subscription_ids = e->n;
	wc.subscription_ids = s->ids + e->off;
	f.msg_case = V2X__WIRE__FRAME__MSG_WARNING;
	f.warning = &wc;
	e->rc = brk_sbuf_encode(pool, &f, &e->buf);
	if (e->rc) {
		e->buf = NULL;
		s->stats.encode_errors++;
	} else {
		s->stats.encodes++;
	}
	return e->rc;
}

/* Queues b on slot's connection if it is still the one of the hit. */
static bool send_to(struct brk_subs *s, uint32_t slot, uint32_t gen, struct brk_sbuf *b)
{
	struct brk_subs__conn *cs = &s->conns[slot];

	if (!cs->conn || cs->gen != gen)
		return false; /* closed by an earlier send of this push */
	if (brk_conn_send(cs->conn, b) != 0) {
		s->stats.send_refused++;
		return false;
	}
	s->stats.frames++;
	return true;
}

int brk_subs_push_warning(struct brk_subs *s, const V2x__Wire__Warning *w, double target_lat,
                          double target_lon, struct brk_sbuf_pool *pool)
{
	struct brk_subs__target t;
	uint32_t n_hits, n_encs, rec = BRK_SUBS__NONE;
	int delivered = 0, err = 0;

	s->stats.warnings++;
	s->push_seq++;
	target_of(w, target_lat, target_lon, &t);
	n_hits = collect(s, &t, &n_encs);
	if (n_hits && w->has_warning_id) {
		rec = brk_subs__sent_get(s, w->warning_id);
		brk_subs__sent_stamp(s, rec);
	}
	for (uint32_t i = 0; i < n_hits; i++) {
		const struct brk_subs__hit *h = &s->hits[i];
		struct brk_subs__enc *e = &s->encs[h->enc];

		int rc = encode_once(s, e, w, pool);

		if (rc != 0)
			err = rc;
		if (rc != 0 || !send_to(s, h->slot, h->gen, e->buf))
			continue;
		delivered++;
		if (rec != BRK_SUBS__NONE)
			brk_subs__sent_add(s, rec, h->slot);
	}
	release_encs(s, n_encs);
	if (delivered)
		s->stats.warnings_matched++;
	return err ? err : delivered;
}

static int encode_cancel(struct brk_subs *s, const V2x__Wire__Cancellation *cn,
                         struct brk_sbuf_pool *pool, struct brk_sbuf **out)
{
	V2x__Wire__Cancellation cc = *cn; /* protobuf-c's frame points to non-const */
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	int rc;

	f.msg_case = V2X__WIRE__FRAME__MSG_CANCELLATION;
	f.cancellation = &cc;
	rc = brk_sbuf_encode(pool, &f, out);
	if (rc)
		s->stats.encode_errors++;
	else
		s->stats.encodes++;
	return rc;
}

int brk_subs_push_cancel(struct brk_subs *s, const V2x__Wire__Cancellation *cn,
                         struct brk_sbuf_pool *pool)
{
	uint32_t r = cn->has_warning_id ? brk_subs__sent_find(s, cn->warning_id) : BRK_SUBS__NONE;
	struct brk_sbuf *b = NULL;
	int delivered = 0, rc = 0;

	if (r == BRK_SUBS__NONE) {
		s->stats.cancels_unknown++;
		return 0;
	}
	s->stats.cancels++;
	for (uint32_t n = s->recs[r].head; n != BRK_SUBS__NONE; n = s->nodes[n].next) {
		const struct brk_subs__node *x = &s->nodes[n];

		if (!brk_subs__sent_live(s, x))
			continue;
		if (!b && (rc = encode_cancel(s, cn, pool, &b)) != 0)
			break;
		if (send_to(s, x->slot, x->gen, b))
			delivered++;
	}
	if (b)
		brk_sbuf_unref(b);
	brk_subs__sent_free(s, r);
	return rc ? rc : delivered;
}
