/*
 * faults: how a stream's messages reach the agents.  Each message goes to
 * the RSUs that hear it; on each (stream, RSU) link the scenario's link
 * faults that match it are applied one after the other, and what is left
 * becomes datagrams.
 *
 * Every matching fault makes the same nine draws per message whatever
 * happens to it, and corruption takes its bytes from a generator of its
 * own: changing one probability of a scenario changes that fault's
 * outcomes and nothing else (the test relies on it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/err.h"
#include "sim/radio/radio_int.h"

/* A duplicate follows its original by 1..5 ms; a reordered message is
 * held back past the stream's next one, then 10..30 ms more. */
#define DUP_MIN_US      1000
#define DUP_SPAN_US     4000
#define REORDER_MIN_US  10000
#define REORDER_SPAN_US 20000
#define CORRUPT_MAX     3 /* bytes flipped */

enum {
	U_LOSS,
	U_ENTER,
	U_EXIT,
	U_JITTER,
	U_DUP,
	U_DUP_AT,
	U_REORDER,
	U_REORDER_AT,
	U_CORRUPT,
	U_N
};

/* What the faults of one link did to one message. */
struct outcome {
	bool lost, dup, reorder;
	struct sim_radio__link *corrupt; /* the link whose generator flips bytes */
	int64_t delay_us, dup_us, hold_us;
};

int sim_radio__stream_init(struct sim_radio__ctx *c, struct sim_radio__stream *s, uint8_t type,
                           int16_t actor, const char *from, uint64_t key, int64_t period_us)
{
	size_t nf = c->sc->n_link_faults, nr = c->plan->n_rsus;

	*s = (struct sim_radio__stream){ type, actor, from, key, period_us, NULL };
	s->links = calloc(nr * nf + 1, sizeof(*s->links));
	if (!s->links)
		return V2X_ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		for (size_t f = 0; f < nf; f++) {
			struct sim_radio__link *l = &s->links[i * nf + f];
			uint64_t where = (uint64_t)i << 32 | f;

			sim_radio__rng(c, &l->draws, SIM_RADIO__P_LINK, key, where);
			sim_radio__rng(c, &l->corrupt, SIM_RADIO__P_CORRUPT, key, where);
		}
	}
	return 0;
}

void sim_radio__stream_fini(struct sim_radio__stream *s)
{
	free(s->links);
	s->links = NULL;
}

static bool fault_applies(const struct sim_link_fault *f, const struct sim_radio__stream *s,
                          const char *rsu_id, double t)
{
	if (strcmp(f->from, "*") != 0 && strcmp(f->from, s->from) != 0)
		return false;
	if (strcmp(f->to, "*") != 0 && strcmp(f->to, rsu_id) != 0)
		return false;
	if (f->types != 0 && !(f->types & (1u << s->type)))
		return false;
	return t >= f->from_t_s && t < f->to_t_s;
}

/* One fault on one link: draws, then adds its effects to *o. */
static void apply_fault(const struct sim_link_fault *f, struct sim_radio__link *l,
                        int64_t period_us, struct outcome *o)
{
	double u[U_N], delay_ms;

	for (int k = 0; k < U_N; k++)
		u[k] = sim_radio__unit(&l->draws);
	/* Gilbert-Elliott with a lossless good state: a burst starts with
	 * the message that enters it and ends after each lost message with
	 * probability 1 / burst_len, so bursts last burst_len on average. */
	if (!l->burst && u[U_ENTER] < f->burst_enter)
		l->burst = true;
	if (l->burst) {
		o->lost = true;
		if (u[U_EXIT] * fmax(f->burst_len, 1.0) < 1.0)
			l->burst = false;
	}
	if (u[U_LOSS] < f->loss)
		o->lost = true;
	delay_ms = f->delay_ms + f->jitter_ms * (2.0 * u[U_JITTER] - 1.0);
	if (delay_ms > 0)
		o->delay_us += llround(delay_ms * 1000.0);
	if (u[U_DUP] < f->duplicate && !o->dup) {
		o->dup = true;
		o->dup_us = DUP_MIN_US + llround(u[U_DUP_AT] * DUP_SPAN_US);
	}
	if (u[U_REORDER] < f->reorder && !o->reorder) {
		o->reorder = true;
		o->hold_us =
		        period_us + REORDER_MIN_US + llround(u[U_REORDER_AT] * REORDER_SPAN_US);
	}
	if (u[U_CORRUPT] < f->corrupt && !o->corrupt)
		o->corrupt = l;
}

static struct outcome link_outcome(struct sim_radio__ctx *c, struct sim_radio__stream *s,
                                   size_t rsu, int64_t t_us)
{
	size_t nf = c->sc->n_link_faults;
	struct outcome o = { 0 };
	double t = (double)t_us / 1e6;

	for (size_t f = 0; f < nf; f++)
		if (fault_applies(&c->sc->link_faults[f], s, c->plan->rsus[rsu].id, t))
			apply_fault(&c->sc->link_faults[f], &s->links[rsu * nf + f], s->period_us,
			            &o);
	return o;
}

static int add(struct sim_radio__ctx *c, const struct sim_datagram *d)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4096;
		struct sim_radio__entry *e = realloc(c->e, cap * sizeof(*e));

		if (!e)
			return V2X_ENOMEM;
		c->e = e;
		c->cap = cap;
	}
	c->e[c->n] = (struct sim_radio__entry){ *d, c->n };
	c->n++;
	return 0;
}

/* A copy of bytes[0..len) with 1..CORRUPT_MAX distinct bytes flipped. */
static const uint8_t *corrupt_copy(struct sim_radio__ctx *c, struct mapgen_rng *r,
                                   const uint8_t *bytes, size_t len)
{
	uint8_t *out = v2x_arena_alloc(c->arena, len);
	size_t at[CORRUPT_MAX];
	size_t n = 1 + (size_t)(mapgen_rng_next(r) % CORRUPT_MAX);

	if (!out)
		return NULL;
	memcpy(out, bytes, len);
	n = n < len ? n : len;
	for (size_t k = 0; k < n; k++) {
		bool again;

		do {
			at[k] = (size_t)(mapgen_rng_next(r) % len);
			again = false;
			for (size_t j = 0; j < k; j++)
				again = again || at[j] == at[k];
		} while (again);
		out[at[k]] ^= (uint8_t)(1 + mapgen_rng_next(r) % 255);
	}
	return out;
}

/* Plans what reaches RSU rsu of one message (bytes shared by all its
 * intact copies). */
static int deliver(struct sim_radio__ctx *c, const struct sim_radio__stream *s, size_t rsu,
                   int64_t t_us, const struct outcome *po, const uint8_t *bytes, size_t len,
                   uint8_t msg_cnt)
{
	struct sim_radio_stats *st = &c->plan->stats;
	struct outcome o = *po;
	struct sim_datagram d = { .rsu = (uint16_t)rsu,
		                  .type = s->type,
		                  .actor = s->actor,
		                  .msg_cnt = msg_cnt,
		                  .len = (uint32_t)len,
		                  .bytes = bytes };
	int rc;

	st->delayed += o.delay_us > 0;
	st->reordered += o.reorder;
	if (o.corrupt) {
		d.bytes = corrupt_copy(c, &o.corrupt->corrupt, bytes, len);
		d.corrupted = true;
		st->corrupted++;
		if (!d.bytes)
			return V2X_ENOMEM;
	}
	d.due_us = t_us + o.delay_us + o.hold_us;
	rc = add(c, &d);
	if (rc == 0 && o.dup) {
		d.due_us += o.dup_us;
		d.duplicate = true;
		st->duplicated++;
		rc = add(c, &d);
	}
	return rc;
}

int sim_radio__send(struct sim_radio__ctx *c, struct sim_radio__stream *s, int64_t t_us, size_t len,
                    uint8_t msg_cnt)
{
	struct sim_radio_stats *st = &c->plan->stats;
	uint8_t *bytes = NULL;

	for (size_t i = 0; i < c->plan->n_rsus; i++) {
		struct outcome o;
		int rc;

		if (!c->rx[i])
			continue;
		st->generated[s->type]++;
		/* The link's draws happen whatever comes of them (see above).
		 * A dark RSU hears nothing and sends nothing: for RSU-originated
		 * messages the receiver is the sender's own RSU. */
		o = link_outcome(c, s, i, t_us);
		if (o.lost || sim_radio__dark(c, i, t_us)) {
			st->lost[s->type]++;
			continue;
		}
		if (!bytes) {
			bytes = v2x_arena_alloc(c->arena, len);
			if (!bytes)
				return V2X_ENOMEM;
			memcpy(bytes, c->buf, len);
		}
		rc = deliver(c, s, i, t_us, &o, bytes, len, msg_cnt);
		if (rc)
			return rc;
	}
	return 0;
}
