/*
 * ingest: what the broker does with each observation an agent sends, and
 * the Acks that let the agent drop it from its spool.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/core/core_int.h"
#include "codecs/wire/convert.h"
#include "runtime/clock.h"
#include "runtime/err.h"

static const char *const drop_names[BRK_DROP__COUNT] = {
	[BRK_DROP_NONE] = "none",           [BRK_DROP_DUPLICATE] = "duplicate",
	[BRK_DROP_NO_SEQ] = "no_seq",       [BRK_DROP_RSU] = "rsu_not_bound",
	[BRK_DROP_MALFORMED] = "malformed", [BRK_DROP_RECORD_ONLY] = "record_only",
	[BRK_DROP_NO_MAP] = "no_map",
};

const char *brk_core_drop_name(enum brk_core_drop d)
{
	return (unsigned)d < BRK_DROP__COUNT ? drop_names[d] : "unknown";
}

/* ---- RSU ids -------------------------------------------------------------- */

static struct brk_rsu_key intern_rsu(struct brk_core *core, const char *id)
{
	for (size_t i = 0; i < core->n_rsus; i++)
		if (strcmp(core->rsus[i].id, id) == 0)
			return (struct brk_rsu_key){ (uint16_t)(i + 1) };
	if (core->n_rsus == UINT16_MAX)
		return (struct brk_rsu_key){ 0 };
	snprintf(core->rsus[core->n_rsus].id, sizeof(core->rsus[0].id), "%s", id);
	core->n_rsus++;
	return (struct brk_rsu_key){ (uint16_t)core->n_rsus };
}

const char *brk_core__rsu_name(const struct brk_core *core, struct brk_rsu_key k)
{
	return k.v && k.v <= core->n_rsus ? core->rsus[k.v - 1].id : "";
}

/* The RSU key of an observation's rsu_id, or 0 when the agent's
 * credential is not bound to it. */
static struct brk_rsu_key agent_rsu(struct brk_core *core, struct brk_agent *a,
                                    const struct brk_principal *p, const char *rsu)
{
	if (a->rsu_key.v && strcmp(a->rsu, rsu) == 0)
		return a->rsu_key;
	if (strlen(rsu) > BRK_AUTH_ID_MAX || !brk_principal_may_rsu(p, rsu))
		return (struct brk_rsu_key){ 0 };
	snprintf(a->rsu, sizeof(a->rsu), "%s", rsu);
	a->rsu_key = intern_rsu(core, rsu);
	return a->rsu_key;
}

/* ---- acks ----------------------------------------------------------------- */

static void send_ack(struct brk_core *core, struct brk_agent *a)
{
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	V2x__Wire__Ack ack = V2X__WIRE__ACK__INIT;

	if (!a->conn || a->durable_seq <= a->acked_seq)
		return;
	ack.has_seq = true;
	ack.seq = a->durable_seq;
	f.msg_case = V2X__WIRE__FRAME__MSG_ACK;
	f.ack = &ack;
	if (brk_conn_send_frame(a->conn, &f) == 0) {
		a->acked_seq = a->durable_seq;
		core->st.acks++;
	}
}

void brk_core__flush_acks(struct brk_core *core)
{
	for (size_t i = 0; i < core->n_agents; i++)
		send_ack(core, &core->agents[i]);
}

void brk_core__on_durable(void *arg, const char *agent_id, uint64_t seq)
{
	struct brk_core *core = arg;
	struct brk_agent *a = brk_core__agent(core, agent_id, false);

	if (!a || seq <= a->durable_seq)
		return;
	a->durable_seq = seq;
	send_ack(core, a);
}

/* ---- observations --------------------------------------------------------- */

static bool sampled(struct brk_core *core, struct brk_agent *a, enum v2x_msg_type type)
{
	/* MAP and SPAT history are always kept; so are RSI and RSM, rare and
	 * the source of hazards. */
	if (type != V2X_MSG_BSM)
		return true;
	switch (core->cfg->sample) {
	case BRK_SAMPLE_ALL:
		return true;
	case BRK_SAMPLE_NONE:
		return false;
	case BRK_SAMPLE_ONE_IN_N:
		return a->sample_count++ % core->cfg->sample_n == 0;
	}
	return true;
}

/*
 * Stores o (its message msg, or NULL: only its seq, for the Ack).
 * Returns 0, or the persistence module's refusal (its queue is full).
 */
static int store(struct brk_core *core, struct brk_agent *a, const V2x__Wire__Observation *o,
                 const struct v2x_msg *msg, int64_t now_us)
{
	if (!core->persist) {
		a->durable_seq = o->seq;
		return 0;
	}
	if (msg && sampled(core, a, msg->type)) {
		struct brk_persist_obs row = {
			.agent_id = a->id,
			.rsu_id = o->rsu_id,
			.seq = o->seq,
			.rx_time_us = (int64_t)o->rx_time_us,
			.broker_time_us = now_us,
			.replayed = o->replayed,
			.record_only = o->record_only,
			.flags = o->flags,
			.msg = msg,
			.uper = o->has_uper ? o->uper.data : NULL,
			.uper_len = o->has_uper ? o->uper.len : 0,
		};
		return brk_persist_observation(core->persist, &row);
	}
	return brk_persist_mark(core->persist, a->id, o->seq);
}

/*
 * Back pressure: the database writer's queue is full, so o is not taken.
 * It is kept (packed) to be taken again on the tick, and the agent's
 * connection stops being read meanwhile: the agent's writes then block and
 * its own spool holds what follows.  Nothing is applied twice, nothing is
 * lost, and the agent is not made to reconnect.
 */
static void hold(struct brk_core *core, struct brk_conn *c, struct brk_agent *a,
                 const V2x__Wire__Observation *o, int rc)
{
	size_t len = v2x__wire__observation__get_packed_size(o);

	if (len > a->held_cap) {
		uint8_t *p = realloc(a->held, len);

		if (!p) {
			brk_conn_close(c, BRK_CLOSE_OVERLOADED, "database queue full; resend");
			return;
		}
		a->held = p;
		a->held_cap = len;
	}
	a->held_len = v2x__wire__observation__pack(o, a->held);
	if (!brk_conn_paused(c)) {
		core->st.holds++;
		v2x_logf(core->log, V2X_LOG_DEBUG,
		         "agent %s seq %llu: the database queue is full (%s); not reading the "
		         "agent until it has room",
		         a->id, (unsigned long long)o->seq, v2x_strerror(rc));
	}
	brk_conn_pause(c, true);
}

static void observation(struct brk_core *core, struct brk_conn *c, struct brk_agent *a,
                        const V2x__Wire__Observation *o, uint64_t t0_ns)
{
	struct brk_rsu_key rsu;
	struct v2x_msg msg;
	char err[160];
	int64_t now = v2x_clock_wall_us();
	int rc;

	if (!o->has_seq || o->seq == 0) {
		core->st.drops[BRK_DROP_NO_SEQ]++;
		return;
	}
	if (o->seq <= a->last_seq) {
		core->st.drops[BRK_DROP_DUPLICATE]++;
		return;
	}
	rsu = agent_rsu(core, a, brk_conn_principal(c), o->rsu_id ? o->rsu_id : "");
	if (!rsu.v) {
		core->st.drops[BRK_DROP_RSU]++;
		v2x_logf(core->log, V2X_LOG_WARN,
		         "agent %s sent an observation of RSU '%s', which its credential is not "
		         "bound to; closing (add the RSU to its line in the credentials file)",
		         a->id, o->rsu_id ? o->rsu_id : "");
		brk_conn_close(c, BRK_CLOSE_AUTH, "RSU not bound to this credential");
		return;
	}
	v2x_arena_reset(&core->arena);
	rc = v2x_wire_obs_to_msg(o, &core->arena, &msg, err, sizeof(err));
	if (rc != 0) {
		/* Still the agent's: its seq must become durable for the Ack. */
		if ((rc = store(core, a, o, NULL, now)) != 0) {
			hold(core, c, a, o, rc);
			return;
		}
		a->last_seq = o->seq;
		core->st.drops[BRK_DROP_MALFORMED]++;
		v2x_logf(core->log, V2X_LOG_DEBUG, "agent %s seq %llu: %s", a->id,
		         (unsigned long long)o->seq, err);
		return;
	}
	/* Stored first, so that a refusal leaves the state untouched. */
	if ((rc = store(core, a, o, &msg, now)) != 0) {
		hold(core, c, a, o, rc);
		return;
	}
	a->last_seq = o->seq;
	core->st.observations[msg.type]++;
	if (o->replayed)
		core->st.replayed++;
	if (o->record_only) {
		core->st.drops[BRK_DROP_RECORD_ONLY]++;
	} else {
		struct brk_core_obs ob = {
			.msg = &msg,
			.rsu = rsu,
			.rsu_id = a->rsu,
			.seq = o->seq,
			.rx_us = (int64_t)o->rx_time_us,
		};
		brk_core__apply(core, &ob, now);
	}
	v2x_hist_add(&core->st.process_us, (v2x_clock_mono_ns() - t0_ns) / 1000u);
}

void brk_core__retry_held(struct brk_core *core)
{
	for (size_t i = 0; i < core->n_agents; i++) {
		struct brk_agent *a = &core->agents[i];
		V2x__Wire__Observation *o;
		size_t len = a->held_len;

		if (!len)
			continue;
		a->held_len = 0;
		if (!a->conn)
			continue; /* gone: the agent sends it again after reconnecting */
		o = v2x__wire__observation__unpack(NULL, len, a->held);
		if (!o) {
			brk_conn_close(a->conn, BRK_CLOSE_INVALID, "held observation unreadable");
			continue;
		}
		observation(core, a->conn, a, o, v2x_clock_mono_ns());
		v2x__wire__observation__free_unpacked(o, NULL);
		if (!a->held_len && a->conn)
			brk_conn_pause(a->conn, false);
	}
}

void brk_core__on_frame(void *arg, struct brk_conn *c, const V2x__Wire__Frame *f)
{
	struct brk_core *core = arg;
	const struct brk_principal *p = brk_conn_principal(c);
	uint64_t t0 = v2x_clock_mono_ns();

	if (p->role == BRK_ROLE_SUBSCRIBER) {
		brk_core__subscriber_frame(core, c, f);
		return;
	}
	if (f->msg_case != V2X__WIRE__FRAME__MSG_OBSERVATION) {
		brk_conn_close(c, BRK_CLOSE_PROTOCOL, "an agent sends observations only");
		return;
	}
	observation(core, c, brk_conn_data(c), f->observation, t0);
}
