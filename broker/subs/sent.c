/*
 * sent: which connections received each warning, so that its cancellation
 * reaches them and nobody else.
 *
 * A record per warning id (max_warnings of them, found through an index)
 * holds a list of recipient nodes from one shared pool (max_recipients).  A
 * node names a connection slot and the slot's generation at the time: a
 * connection that closes bumps its slot's generation, which voids its
 * nodes without a walk over the records; the dead nodes are reclaimed when
 * their record is next pushed or freed.  The records form a list by time
 * of last push; when either pool runs dry the least recently pushed record
 * goes first (counted), so that memory stays bounded whatever the core
 * does.
 */
#include <stdlib.h>

#include "broker/subs/subs_int.h"
#include "runtime/err.h"

static uint64_t rec_key(const void *owner, uint32_t i)
{
	const struct brk_subs *s = owner;

	return s->recs[i].warning_id;
}

int brk_subs__sent_init(struct brk_subs *s)
{
	uint32_t nr = s->cfg.max_warnings, nn = s->cfg.max_recipients;

	s->recs = calloc(nr, sizeof(*s->recs));
	s->nodes = calloc(nn, sizeof(*s->nodes));
	if (!s->recs || !s->nodes)
		return V2X_ENOMEM;
	for (uint32_t i = 0; i < nr; i++)
		s->recs[i].next = i + 1 < nr ? i + 1 : BRK_SUBS__NONE;
	for (uint32_t i = 0; i < nn; i++)
		s->nodes[i].next = i + 1 < nn ? i + 1 : BRK_SUBS__NONE;
	s->rec_free = 0;
	s->node_free = 0;
	s->lru_head = s->lru_tail = BRK_SUBS__NONE;
	return brk_subs__index_init(&s->rec_index, nr, rec_key, s);
}

void brk_subs__sent_fini(struct brk_subs *s)
{
	brk_subs__index_fini(&s->rec_index);
	free(s->recs);
	free(s->nodes);
	s->recs = NULL;
	s->nodes = NULL;
}

static void lru_unlink(struct brk_subs *s, uint32_t r)
{
	struct brk_subs__rec *x = &s->recs[r];

	if (x->prev != BRK_SUBS__NONE)
		s->recs[x->prev].next = x->next;
	else
		s->lru_head = x->next;
	if (x->next != BRK_SUBS__NONE)
		s->recs[x->next].prev = x->prev;
	else
		s->lru_tail = x->prev;
}

static void lru_push(struct brk_subs *s, uint32_t r)
{
	struct brk_subs__rec *x = &s->recs[r];

	x->prev = BRK_SUBS__NONE;
	x->next = s->lru_head;
	if (s->lru_head != BRK_SUBS__NONE)
		s->recs[s->lru_head].prev = r;
	else
		s->lru_tail = r;
	s->lru_head = r;
}

static void node_put(struct brk_subs *s, uint32_t n)
{
	s->nodes[n].next = s->node_free;
	s->node_free = n;
}

void brk_subs__sent_free(struct brk_subs *s, uint32_t r)
{
	struct brk_subs__rec *x = &s->recs[r];

	for (uint32_t n = x->head, next; n != BRK_SUBS__NONE; n = next) {
		next = s->nodes[n].next;
		node_put(s, n);
	}
	lru_unlink(s, r);
	brk_subs__index_remove(&s->rec_index, x->warning_id);
	x->used = false;
	x->head = BRK_SUBS__NONE;
	x->next = s->rec_free;
	s->rec_free = r;
	s->stats.records--;
}

/* Frees the least recently pushed record unless it is keep; says whether. */
static bool evict_oldest(struct brk_subs *s, uint32_t keep)
{
	uint32_t r = s->lru_tail;

	if (r == BRK_SUBS__NONE || r == keep)
		return false;
	brk_subs__sent_free(s, r);
	s->stats.records_evicted++;
	return true;
}

uint32_t brk_subs__sent_find(const struct brk_subs *s, uint64_t warning_id)
{
	return brk_subs__index_find(&s->rec_index, warning_id);
}

uint32_t brk_subs__sent_get(struct brk_subs *s, uint64_t warning_id)
{
	uint32_t r = brk_subs__sent_find(s, warning_id);
	struct brk_subs__rec *x;

	if (r != BRK_SUBS__NONE) {
		lru_unlink(s, r);
		lru_push(s, r);
		return r;
	}
	if (s->rec_free == BRK_SUBS__NONE)
		evict_oldest(s, BRK_SUBS__NONE);
	r = s->rec_free;
	x = &s->recs[r];
	s->rec_free = x->next;
	x->used = true;
	x->warning_id = warning_id;
	x->head = BRK_SUBS__NONE;
	brk_subs__index_insert(&s->rec_index, warning_id, r);
	lru_push(s, r);
	s->stats.records++;
	return r;
}

bool brk_subs__sent_live(const struct brk_subs *s, const struct brk_subs__node *n)
{
	const struct brk_subs__conn *cs = &s->conns[n->slot];

	return cs->conn && cs->gen == n->gen;
}

void brk_subs__sent_stamp(struct brk_subs *s, uint32_t r)
{
	uint32_t *link = &s->recs[r].head;

	while (*link != BRK_SUBS__NONE) {
		uint32_t n = *link;

		if (!brk_subs__sent_live(s, &s->nodes[n])) {
			*link = s->nodes[n].next;
			node_put(s, n);
			continue;
		}
		s->conns[s->nodes[n].slot].stamp = s->push_seq;
		link = &s->nodes[n].next;
	}
}

void brk_subs__sent_add(struct brk_subs *s, uint32_t r, uint32_t slot)
{
	struct brk_subs__conn *cs = &s->conns[slot];
	struct brk_subs__node *x;
	uint32_t n;

	if (cs->stamp == s->push_seq)
		return; /* a recipient of an earlier revision */
	while (s->node_free == BRK_SUBS__NONE)
		if (!evict_oldest(s, r)) {
			s->stats.recipients_lost++;
			return;
		}
	n = s->node_free;
	x = &s->nodes[n];
	s->node_free = x->next;
	x->slot = slot;
	x->gen = cs->gen;
	x->next = s->recs[r].head;
	s->recs[r].head = n;
	cs->stamp = s->push_seq;
}
