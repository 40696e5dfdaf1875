/*
 * parts: opening and closing the parts of the broker that have threads or
 * tables of their own: the map source, persistence, subscriptions, the
 * hazards, the warning lifecycle and the applications.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "broker/core/core_int.h"
#include "runtime/err.h"

int brk_core__open_map(struct brk_core *core, char *err, size_t errlen)
{
	struct brk_mapsrc_config mc = {
		.conninfo = core->cfg->db,
		.version = core->cfg->map_version,
		.log = core->log,
		.on_map_changed = brk_core__on_map_changed,
		.on_lanes = brk_core__on_lanes,
		.arg = core,
	};
	struct brk_map *map;
	int rc;

	rc = brk_mapsrc_new(core->loop, &mc, &core->mapsrc, err, errlen);
	if (rc != 0)
		return rc;
	map = brk_mapsrc_acquire(core->mapsrc);
	core->map_version = brk_map_version(map);
	brk_map_release(map);
	return 0;
}

int brk_core__open_persist(struct brk_core *core, char *err, size_t errlen)
{
	const struct brk_core_config *cfg = core->cfg;
	struct brk_persist_config pc;

	brk_persist_config_default(&pc);
	pc.conninfo = cfg->db;
	pc.spool_dir = cfg->spool_dir;
	pc.queue_bytes = cfg->persist_queue_bytes;
	pc.batch_max = cfg->persist_batch;
	pc.flush_ms = cfg->persist_flush_ms;
	pc.fsync = (enum brk_persist_fsync)cfg->persist_fsync;
	pc.store_json = cfg->persist_json;
	pc.store_uper = cfg->persist_uper;
	pc.run_id = core->run_id;
	pc.log = core->log;
	pc.on_durable = brk_core__on_durable;
	pc.arg = core;
	return brk_persist_new(core->loop, &pc, &core->persist, err, errlen);
}

int brk_core__open_subs(struct brk_core *core, char *err, size_t errlen)
{
	struct brk_subs_config sc;

	brk_subs_config_default(&sc);
	sc.max_conns = core->cfg->net.max_conns;
	return brk_subs_new(&sc, &core->subs, err, errlen);
}

void brk_core__close_parts(struct brk_core *core)
{
	if (core->net)
		brk_net_close(core->net);
	core->net = NULL;
	brk_core__close_apps(core);
	/* Persistence last but one: the warnings the close cancelled are
	 * written too. */
	if (core->persist)
		brk_persist_close(core->persist);
	core->persist = NULL;
	if (core->mapsrc)
		brk_mapsrc_close(core->mapsrc);
	core->mapsrc = NULL;
}

void brk_core__free_parts(struct brk_core *core)
{
	brk_subs_free(core->subs);
	core->subs = NULL;
	brk_core__free_apps(core);
}

int brk_core__parts_metrics_add(struct brk_core *core, struct v2x_metrics *m, char *err,
                                size_t errlen)
{
	int rc = brk_subs_metrics_add(core->subs, m, NULL, 0, err, errlen);

	if (rc == 0)
		rc = brk_persist_metrics_add(core->persist, m, NULL, 0, err, errlen);
	if (rc == 0)
		rc = brk_mapsrc_metrics_add(core->mapsrc, m, NULL, 0, err, errlen);
	if (rc == 0)
		rc = brk_core__apps_metrics_add(core, m, err, errlen);
	return rc;
}
