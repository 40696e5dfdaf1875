/*
 * core: building, running and stopping the broker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/core/core_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

void brk_core_config_default(struct brk_core_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->broker_id = "broker";
	brk_net_config_default(&cfg->net);
	cfg->spool_dir = "/var/spool/v2x-broker";
	cfg->persist_queue_bytes = 64u << 20;
	cfg->persist_batch = 2000;
	cfg->persist_flush_ms = 50;
	cfg->persist_json = false;
	cfg->persist_uper = false;
	cfg->sample = BRK_SAMPLE_ALL;
	cfg->sample_n = 1;
	cfg->max_tracks = 100000;
	cfg->max_signals = 4096;
	cfg->max_hazards = 4096;
	cfg->max_warnings = 100000;
	cfg->max_agents = 1024;
	cfg->track_max_age_us = BRK_TRACKS_DEFAULT_MAX_AGE_US;
	cfg->tick_ms = 100;
	cfg->hazard_horizon_s = 12.0;
	cfg->hazard_horizon_min_m = 150.0;
	cfg->warn_confirm_us = 1000000;
	cfg->rsi_hold_us = 5000000;
}

/* ---- connections -------------------------------------------------------- */

static enum brk_close_reason on_hello(void *arg, struct brk_conn *c, const struct brk_principal *p,
                                      const V2x__Wire__Hello *hello, uint64_t *last_seq, char *why,
                                      size_t whylen)
{
	struct brk_core *core = arg;
	struct brk_agent *a;

	(void)hello;
	if (core->stopping) {
		snprintf(why, whylen, "the broker is stopping");
		return BRK_CLOSE_OVERLOADED;
	}
	if (p->role != BRK_ROLE_AGENT)
		return BRK_CLOSE_NONE;
	a = brk_core__agent(core, p->id, true);
	if (!a) {
		snprintf(why, whylen, "too many agents (max-agents is %zu)", core->cfg->max_agents);
		return BRK_CLOSE_OVERLOADED;
	}
	if (a->conn) {
		/* A restarted agent reconnects before the broker has seen its
		 * old connection die: the newer one wins. */
		v2x_logf(core->log, V2X_LOG_WARN,
		         "agent %s connects again (connection %llu); closing its older "
		         "connection %llu",
		         a->id, (unsigned long long)brk_conn_id(c),
		         (unsigned long long)brk_conn_id(a->conn));
		brk_conn_close(a->conn, BRK_CLOSE_DUPLICATE, "replaced by a newer connection");
	}
	a->conn = c;
	a->acked_seq = a->durable_seq;
	brk_conn_set_data(c, a);
	*last_seq = a->durable_seq;
	return BRK_CLOSE_NONE;
}

static void on_close(void *arg, struct brk_conn *c, enum brk_close_reason reason)
{
	struct brk_core *core = arg;
	const struct brk_principal *p = brk_conn_principal(c);
	struct brk_agent *a = brk_conn_data(c);

	(void)reason;
	if (p && p->role == BRK_ROLE_SUBSCRIBER)
		brk_subs_drop_conn(core->subs, c);
	if (a && a->conn == c)
		a->conn = NULL;
}

/* ---- the tick ------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	struct brk_core *core = t->data;

	brk_core__tick(core, v2x_clock_wall_us());
	brk_core__retry_held(core);
	brk_core__flush_acks(core);
}

/* ---- building ------------------------------------------------------------- */

struct brk_agent *brk_core__agent(struct brk_core *core, const char *id, bool create)
{
	for (size_t i = 0; i < core->n_agents; i++)
		if (strcmp(core->agents[i].id, id) == 0)
			return &core->agents[i];
	if (!create || core->n_agents == core->cfg->max_agents)
		return NULL;
	struct brk_agent *a = &core->agents[core->n_agents++];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	if (core->persist)
		brk_persist_last_seq(core->persist, a->id, &a->durable_seq);
	a->last_seq = a->durable_seq;
	core->st.agents = core->n_agents;
	return a;
}

static int make_state(struct brk_core *core, char *err, size_t errlen)
{
	const struct brk_core_config *cfg = core->cfg;
	struct brk_tracks_cfg tc = { .capacity = cfg->max_tracks,
		                     .max_age_us = cfg->track_max_age_us };
	struct brk_spat_cfg sc = { .capacity = cfg->max_signals };
	int rc;

	core->agents = calloc(cfg->max_agents, sizeof(*core->agents));
	core->rsus = calloc(UINT16_MAX, sizeof(*core->rsus));
	if (!core->agents || !core->rsus) {
		snprintf(err, errlen, "out of memory for %zu agents", cfg->max_agents);
		return V2X_ENOMEM;
	}
	rc = brk_tracks_new(&tc, &core->tracks);
	if (rc == 0)
		rc = brk_spat_new(&sc, &core->spat);
	if (rc != 0) {
		snprintf(err, errlen, "cannot make the state tables (%zu tracks, %zu signals): %s",
		         cfg->max_tracks, cfg->max_signals, v2x_strerror(rc));
		return rc;
	}
	v2x_arena_init(&core->arena, 64u << 10, 16u << 20);
	return 0;
}

/* Builds the core; with fixed_idx, without a database (no map source, no
 * persistence: see brk_core__new_local). */
static int build(uv_loop_t *loop, const struct brk_core_config *cfg, struct v2x_log *log,
                 const struct map_index *fixed_idx, struct map_frame *fixed_frame,
                 struct brk_core **out, char *err, size_t errlen)
{
	struct brk_core *core;
	struct brk_net_cb cb;
	int rc;

	*out = NULL;
	core = calloc(1, sizeof(*core));
	if (!core) {
		snprintf(err, errlen, "out of memory");
		return V2X_ENOMEM;
	}
	core->loop = loop;
	core->cfg = cfg;
	core->log = log;
	core->fixed_idx = fixed_idx;
	core->fixed_frame = fixed_frame;
	core->run_id = (uint64_t)v2x_clock_wall_us();
	uv_timer_init(loop, &core->tick);
	core->tick.data = core;
	rc = make_state(core, err, errlen);
	if (rc == 0 && !fixed_idx)
		rc = brk_core__open_map(core, err, errlen);
	if (rc == 0 && !fixed_idx)
		rc = brk_core__open_persist(core, err, errlen);
	if (rc == 0)
		rc = brk_core__open_apps(core, err, errlen);
	if (rc == 0) {
		cb = (struct brk_net_cb){ .arg = core,
			                  .on_hello = on_hello,
			                  .on_frame = brk_core__on_frame,
			                  .on_close = on_close };
		rc = brk_net_new(loop, &cfg->net, &cb, &core->net, err, errlen);
	}
	if (rc == 0)
		rc = brk_core__open_subs(core, err, errlen);
	if (rc != 0) {
		/* Nothing has run yet: close what was opened and let the
		 * caller's loop finish the handles. */
		core->stopping = true;
		brk_core__close_parts(core);
		uv_close((uv_handle_t *)&core->tick, NULL);
		*out = core;
		return rc;
	}
	uv_timer_start(&core->tick, on_tick, cfg->tick_ms, cfg->tick_ms);
	*out = core;
	return 0;
}

int brk_core_new(uv_loop_t *loop, const struct brk_core_config *cfg, struct v2x_log *log,
                 void (*done)(void *arg), void *arg, struct brk_core **out, char *err,
                 size_t errlen)
{
	int rc = build(loop, cfg, log, NULL, NULL, out, err, errlen);

	if (rc == 0) {
		(*out)->done = done;
		(*out)->done_arg = arg;
	}
	return rc;
}

int brk_core__new_local(uv_loop_t *loop, const struct brk_core_config *cfg, struct v2x_log *log,
                        const struct map_index *idx, struct map_frame *frame, struct brk_core **out,
                        char *err, size_t errlen)
{
	return build(loop, cfg, log, idx, frame, out, err, errlen);
}

struct brk_net *brk_core_net(struct brk_core *core)
{
	return core->net;
}

static void on_tick_closed(uv_handle_t *h)
{
	struct brk_core *core = h->data;

	core->finished = true;
	if (core->done)
		core->done(core->done_arg);
}

void brk_core_stop(struct brk_core *core)
{
	if (core->stopping)
		return;
	core->stopping = true;
	uv_timer_stop(&core->tick);
	brk_core__flush_acks(core);
	brk_core__close_parts(core);
	uv_close((uv_handle_t *)&core->tick, on_tick_closed);
}

void brk_core_free(struct brk_core *core)
{
	if (!core)
		return;
	brk_core__free_parts(core);
	brk_tracks_free(core->tracks);
	brk_spat_free(core->spat);
	v2x_arena_fini(&core->arena);
	for (size_t i = 0; core->agents && i < core->n_agents; i++)
		free(core->agents[i].held);
	free(core->agents);
	free(core->rsus);
	free(core);
}
