/*
 * apply: one observation into the state (tracks, signal states, hazards),
 * then the applications; the tick; the map in use and the lanes of the
 * RSI hazards, which the map source's PostGIS worker finds.
 *
 * The order of calls is the one broker/apps/app.h prescribes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "broker/apps/forward_collision/forward_collision.h"
#include "broker/core/core_int.h"
#include "runtime/err.h"

/* A lane query's tag: the hazard id and the low bits of its generation. */
#define GEN_BITS 24
#define GEN_MASK ((1u << GEN_BITS) - 1u)

static const struct map_index *cur_index(const struct brk_core *core)
{
	return core->map ? brk_map_index(core->map) : core->fixed_idx;
}

static struct map_frame *cur_frame(const struct brk_core *core)
{
	return core->map ? brk_map_frame(core->map) : core->fixed_frame;
}

static void refresh_ctx(struct brk_core *core, int64_t now_us)
{
	core->app_ctx.map = cur_index(core);
	core->app_ctx.frame = cur_frame(core);
	core->app_ctx.tracks = core->tracks;
	core->app_ctx.hazards = core->hazards;
	core->app_ctx.spat = core->spat;
	core->app_ctx.warn = core->warn;
	core->app_ctx.now_us = now_us;
}

/* ---- observations ---------------------------------------------------------- */

static const struct brk_track *apply_bsm(struct brk_core *core, const struct brk_core_obs *ob,
                                         int64_t now_us)
{
	const struct map_index *idx = cur_index(core);
	struct map_frame *frame = cur_frame(core);
	const struct v2x_bsm *bsm = &ob->msg->u.bsm;
	struct brk_track *track = NULL;
	double x, y;
	int rc;

	rc = brk_tracks_update(core->tracks, bsm, ob->rsu, ob->rx_us, now_us, &track);
	if (rc != BRK_TRACK_CREATED && rc != BRK_TRACK_UPDATED)
		return NULL; /* duplicates and stale copies do not reach the applications */
	if (!idx || !frame) {
		core->st.drops[BRK_DROP_NO_MAP]++;
		return track;
	}
	if (map_frame_from_wgs84(frame, track->latest.lat_deg, track->latest.lon_deg, &x, &y) == 0)
		brk_tracks_match(core->tracks, track, idx, x, y, now_us);
	return track;
}

void brk_core__apply(struct brk_core *core, const struct brk_core_obs *ob, int64_t now_us)
{
	struct brk_hazard_src src = {
		.rsu = ob->rsu, .rsu_id = ob->rsu_id, .seq = ob->seq, .rx_us = ob->rx_us
	};
	struct brk_app_event ev = {
		.type = ob->msg->type,
		.msg = ob->msg,
		.rsu = ob->rsu,
		.rsu_id = ob->rsu_id,
		.seq = ob->seq,
		.rx_time_us = ob->rx_us,
	};

	refresh_ctx(core, now_us);
	switch (ob->msg->type) {
	case V2X_MSG_BSM:
		ev.track = apply_bsm(core, ob, now_us);
		if (!ev.track)
			return;
		break;
	case V2X_MSG_RSI:
		brk_hazards_offer_rsi(core->hazards, &ob->msg->u.rsi, &src, cur_frame(core),
		                      now_us);
		break;
	case V2X_MSG_RSM:
		brk_hazards_offer_rsm(core->hazards, &ob->msg->u.rsm, &src, cur_index(core),
		                      cur_frame(core), now_us);
		break;
	case V2X_MSG_SPAT:
		brk_spat_update(core->spat, &ob->msg->u.spat, ob->rsu, ob->rx_us, now_us);
		break;
	case V2X_MSG_MAP:
	case V2X_MSG_NONE:
		break;
	}
	brk_apps_observation(core->apps, &core->app_ctx, &ev);
}

/* ---- lanes of RSI hazards ------------------------------------------------- */

static int ask_lanes(struct brk_core *core, uint64_t tag, const struct brk_zone *zone)
{
	int rc;

	if (!core->mapsrc)
		return V2X_EIO;
	rc = brk_mapsrc_query_lanes(core->mapsrc, tag, zone);
	return rc;
}

/* Keeps zone to ask again on the tick, one second on. */
static void retry_later(struct brk_core *core, uint64_t tag, const struct brk_zone *zone,
                        int64_t now_us)
{
	core->st.lane_query_failed++;
	for (size_t i = 0; i < core->n_retry; i++)
		if (core->retry[i].tag >> GEN_BITS == tag >> GEN_BITS) {
			core->retry[i].tag = tag;
			core->retry[i].zone = *zone;
			return;
		}
	if (core->n_retry == BRK_CORE_RETRY_MAX) {
		v2x_logf(core->log, V2X_LOG_WARN,
		         "hazard %llu: its lanes cannot be asked for again (%d retries waiting); "
		         "it waits for its next RSI",
		         (unsigned long long)(tag >> GEN_BITS), BRK_CORE_RETRY_MAX);
		return;
	}
	core->retry[core->n_retry].tag = tag;
	core->retry[core->n_retry].due_us = now_us + 1000000;
	core->retry[core->n_retry].zone = *zone;
	core->n_retry++;
}

static void lanes_needed(void *arg, const struct brk_lanes_request *req)
{
	struct brk_core *core = arg;
	struct brk_zone zone;
	uint64_t tag = req->hazard_id << GEN_BITS | (req->generation & GEN_MASK);
	int rc;

	memset(&zone, 0, sizeof(zone));
	zone.version = core->map_version;
	zone.lat_deg = req->lat_deg;
	zone.lon_deg = req->lon_deg;
	zone.elev_m = req->elev_m;
	zone.radius_m = req->radius_m;
	if (req->n_paths > 0 && req->paths[0].n >= 2) {
		const struct brk_lanes_path *p = &req->paths[0];

		zone.n_path = p->n < BRK_ZONE_PATH_MAX ? p->n : BRK_ZONE_PATH_MAX;
		for (size_t i = 0; i < zone.n_path; i++)
			zone.path[i] = (struct brk_zone_point){ p->lat_deg[i], p->lon_deg[i],
				                                zone.elev_m };
		zone.half_width_m = isfinite(p->radius_m) && p->radius_m > 0 ? p->radius_m : 3.5;
	}
	rc = ask_lanes(core, tag, &zone);
	if (rc != 0)
		retry_later(core, tag, &zone, core->app_ctx.now_us);
}

static void persist_hazard(struct brk_core *core, const struct brk_hazard *hz,
                           enum brk_persist_hevent ev, int64_t now_us)
{
	uint32_t lanes[BRK_HAZARD_SPANS_MAX];
	struct brk_persist_hazard row = {
		.hazard_id = hz->id,
		.event = ev,
		.kind = hz->kind == BRK_HAZARD_RSI ? BRK_PERSIST_H_RSI : BRK_PERSIST_H_RSM,
		.time_us = now_us,
		.event_type = hz->event_type,
		.ptc_type = hz->ptc_type,
		.lat_deg = hz->lat_deg,
		.lon_deg = hz->lon_deg,
		.radius_m = hz->radius_m,
		.lanes = lanes,
		.start_time_us = hz->start_us,
		.end_time_us = hz->expiry_is_end ? hz->expiry_us : 0,
		.rsu_id = hz->rsu_id,
		.seq = hz->seq,
	};

	if (!core->persist)
		return;
	for (size_t i = 0; i < hz->n_spans; i++)
		lanes[row.n_lanes++] = hz->spans[i].lane_id;
	brk_persist_hazard(core->persist, &row);
}

static void hazard_added(void *arg, const struct brk_hazard *hz)
{
	struct brk_core *core = arg;

	persist_hazard(core, hz, BRK_PERSIST_H_CREATED, core->app_ctx.now_us);
}

static void hazard_removed(void *arg, const struct brk_hazard *hz, enum brk_hazard_end why)
{
	struct brk_core *core = arg;

	(void)why;
	persist_hazard(core, hz, BRK_PERSIST_H_CLEARED, core->app_ctx.now_us);
}

void brk_core__on_lanes(void *arg, uint64_t tag, int64_t version, int status,
                        const struct brk_lane_span *spans, size_t n)
{
	struct brk_core *core = arg;
	uint64_t id = tag >> GEN_BITS;
	const struct brk_hazard *hz = brk_hazards_find(core->hazards, id);

	if (!hz || (hz->generation & GEN_MASK) != (tag & GEN_MASK) || version != core->map_version)
		return; /* moved again, gone, or asked on another map: a newer query follows */
	if (status != 0) {
		struct brk_zone zone;

		memset(&zone, 0, sizeof(zone));
		zone.version = core->map_version;
		zone.lat_deg = hz->lat_deg;
		zone.lon_deg = hz->lon_deg;
		zone.elev_m = hz->elev_m;
		zone.radius_m = isfinite(hz->radius_m) ? hz->radius_m : 30.0;
		v2x_logf(core->log, V2X_LOG_WARN,
		         "hazard %llu: the lanes it covers could not be found (%s); asking again",
		         (unsigned long long)id, v2x_strerror(status));
		retry_later(core, tag, &zone, core->app_ctx.now_us);
		return;
	}
	if (brk_hazards_set_lanes(core->hazards, id, hz->generation, spans, n) == 0) {
		hz = brk_hazards_find(core->hazards, id);
		if (hz)
			persist_hazard(core, hz, BRK_PERSIST_H_UPDATED, core->app_ctx.now_us);
	}
}

static void retry_due(struct brk_core *core, int64_t now_us)
{
	size_t kept = 0;

	for (size_t i = 0; i < core->n_retry; i++) {
		struct brk_lane_retry *r = &core->retry[i];
		const struct brk_hazard *hz = brk_hazards_find(core->hazards, r->tag >> GEN_BITS);

		if (!hz || (hz->generation & GEN_MASK) != (r->tag & GEN_MASK))
			continue; /* gone or moved: dropped */
		if (r->due_us > now_us || ask_lanes(core, r->tag, &r->zone) != 0) {
			if (r->due_us <= now_us)
				r->due_us = now_us + 1000000;
			core->retry[kept++] = *r;
		}
	}
	core->n_retry = kept;
}

/* ---- the tick and the map ------------------------------------------------- */

void brk_core__tick(struct brk_core *core, int64_t now_us)
{
	refresh_ctx(core, now_us);
	brk_apps_tick(core->apps, &core->app_ctx);
	brk_hazards_sweep(core->hazards, now_us, 1024);
	brk_warn_tick(core->warn, now_us);
	brk_tracks_sweep(core->tracks, now_us, 4096);
	brk_spat_sweep(core->spat, now_us, 1024);
	retry_due(core, now_us);
}

void brk_core__on_map_changed(void *arg, int64_t old_version, int64_t new_version)
{
	struct brk_core *core = arg;
	int64_t now = core->app_ctx.now_us;
	size_t n;

	brk_map_release(core->map);
	core->map = brk_mapsrc_acquire(core->mapsrc);
	core->map_version = brk_map_version(core->map);
	n = brk_warn_clear_all(core->warn, V2X__WIRE__CANCEL_REASON__CANCEL_REASON_MAP_CHANGED,
	                       now);
	brk_hazards_map_changed(core->hazards);
	core->n_retry = 0;
	refresh_ctx(core, now);
	brk_apps_map_changed(core->apps, &core->app_ctx);
	v2x_logf(core->log, V2X_LOG_INFO,
	         "map version %lld replaces %lld: %zu warnings cancelled, hazards' lanes asked "
	         "for again as they are heard",
	         (long long)new_version, (long long)old_version, n);
}

/* ---- the applications ------------------------------------------------------- */

int brk_core__open_apps(struct brk_core *core, char *err, size_t errlen)
{
	const struct brk_core_config *cfg = core->cfg;
	struct brk_hazards_cfg hc = {
		.capacity = cfg->max_hazards,
		.rsi_hold_us = cfg->rsi_hold_us,
	};
	struct brk_hazards_sink hs = {
		.lanes_needed = lanes_needed,
		.added = hazard_added,
		.removed = hazard_removed,
		.arg = core,
	};
	struct brk_warn_cfg wc = {
		.capacity = cfg->max_warnings,
		.confirm_timeout_us = cfg->warn_confirm_us,
	};
	struct brk_warn_sink ws = {
		.on_warning = brk_core__on_warning,
		.on_cancel = brk_core__on_cancel,
		.arg = core,
	};
	const struct brk_app_entry *entries;
	struct brk_hazard_ahead_cfg *ha;
	struct brk_forward_collision_cfg *fc;
	size_t n;
	int rc;

	rc = brk_appset_new(cfg->apps, &core->appset, err, errlen);
	if (rc != 0)
		return rc;
	/* The hazard-ahead horizon has flags of its own, and the forward
	 * collision index holds as many vehicles as the track table; settings
	 * override. */
	ha = brk_appset_cfg(core->appset, &brk_hazard_ahead_app);
	if (ha) {
		ha->min_horizon_m = cfg->hazard_horizon_min_m;
		ha->horizon_s = cfg->hazard_horizon_s;
	}
	fc = brk_appset_cfg(core->appset, &brk_forward_collision_app);
	if (fc)
		fc->max_vehicles = (double)cfg->max_tracks;
	rc = brk_appset_apply(core->appset, cfg->app_settings, err, errlen);
	if (rc != 0)
		return rc;
	entries = brk_appset_entries(core->appset, &n);
	rc = brk_hazards_new(&hc, &hs, &core->hazards);
	if (rc == 0)
		rc = brk_warn_new(&wc, &ws, &core->warn);
	if (rc != 0) {
		snprintf(err, errlen, "cannot make the hazard and warning tables (%zu, %zu): %s",
		         cfg->max_hazards, cfg->max_warnings, v2x_strerror(rc));
		return rc;
	}
	rc = brk_apps_new(entries, n, &core->apps, err, errlen);
	if (rc == 0 && core->mapsrc)
		core->map = brk_mapsrc_acquire(core->mapsrc);
	return rc;
}

void brk_core__close_apps(struct brk_core *core)
{
	brk_map_release(core->map);
	core->map = NULL;
}

void brk_core__free_apps(struct brk_core *core)
{
	brk_apps_free(core->apps);
	brk_appset_free(core->appset);
	brk_warn_free(core->warn);
	brk_hazards_free(core->hazards);
	core->appset = NULL;
	core->apps = NULL;
	core->warn = NULL;
	core->hazards = NULL;
}

int brk_core__apps_metrics_add(struct brk_core *core, struct v2x_metrics *m, char *err,
                               size_t errlen)
{
	int rc = brk_hazards_metrics_add(core->hazards, m, NULL, 0, err, errlen);

	if (rc == 0)
		rc = brk_warn_metrics_add(core->warn, m, NULL, 0, err, errlen);
	if (rc == 0)
		rc = brk_apps_metrics_add(core->apps, m, NULL, 0, err, errlen);
	return rc;
}
