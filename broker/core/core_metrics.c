/*
 * core_metrics: the broker's figures on its Prometheus endpoint.  Each
 * part registers its own table (names v2x_broker_<part>_...); the core
 * adds its ingest counters and the two latency histograms.
 */
#include <stddef.h>
#include <stdio.h>

#include "broker/core/core_int.h"
#include "runtime/err.h"

static const char *type_label(size_t i)
{
	return v2x_msg_type_name((enum v2x_msg_type)i);
}

static const char *drop_label(size_t i)
{
	return brk_core_drop_name((enum brk_core_drop)i);
}

#define S(x) offsetof(struct brk_core_stats, x)

/* clang-format off */
static const struct v2x_metric core_table[] = {
	{ .name = "v2x_broker_observations_total", .help = "observations accepted, by type",
	  .type = V2X_METRIC_COUNTER, .offset = S(observations), .count = V2X_MSG_TYPE_COUNT,
	  .label = "type", .label_value = type_label, .skip_zero = true },
	{ .name = "v2x_broker_observations_replayed_total",
	  .help = "of them, replayed from an agent's spool", .type = V2X_METRIC_COUNTER,
	  .offset = S(replayed) },
	{ .name = "v2x_broker_observation_drops_total",
	  .help = "observations not used, by cause", .type = V2X_METRIC_COUNTER,
	  .offset = S(drops), .count = BRK_DROP__COUNT, .label = "cause",
	  .label_value = drop_label, .skip_zero = true },
	{ .name = "v2x_broker_acks_total", .help = "Acks sent to agents",
	  .type = V2X_METRIC_COUNTER, .offset = S(acks) },
	{ .name = "v2x_broker_agent_holds_total",
	  .help = "agents no longer read until the database writer's queue had room",
	  .type = V2X_METRIC_COUNTER, .offset = S(holds) },
	{ .name = "v2x_broker_agents", .help = "agent ids seen this run",
	  .type = V2X_METRIC_GAUGE, .field = V2X_METRIC_SIZE, .offset = S(agents) },
	{ .name = "v2x_broker_warnings_pushed_total",
	  .help = "warnings (issued or updated) pushed to subscribers",
	  .type = V2X_METRIC_COUNTER, .offset = S(warnings_pushed) },
	{ .name = "v2x_broker_cancellations_pushed_total",
	  .help = "cancellations pushed to subscribers", .type = V2X_METRIC_COUNTER,
	  .offset = S(cancels_pushed) },
	{ .name = "v2x_broker_hazard_lane_retries_total",
	  .help = "lane queries of RSI hazards that failed or were refused, asked again",
	  .type = V2X_METRIC_COUNTER, .offset = S(lane_query_failed) },
	{ .name = "v2x_broker_process_seconds",
	  .help = "one observation: frame in to state, applications and push done",
	  .type = V2X_METRIC_HISTOGRAM, .field = V2X_METRIC_HIST, .offset = S(process_us) },
	{ .name = "v2x_broker_e2e_seconds",
	  .help = "agent's receive time of the trigger to the warning queued on a subscriber",
	  .type = V2X_METRIC_HISTOGRAM, .field = V2X_METRIC_HIST, .offset = S(e2e_us) },
	V2X_METRIC_END,
};
/* clang-format on */

int brk_core_metrics_add(struct brk_core *core, struct v2x_metrics *m, char *err, size_t errlen)
{
	int rc = v2x_metrics_add(m, core_table, &core->st, NULL, 0, err, errlen);

	if (rc == 0)
		rc = brk_net_metrics_add(core->net, m, NULL, 0, err, errlen);
	if (rc == 0)
		rc = brk_tracks_metrics_add(core->tracks, m, NULL, 0, err, errlen);
	if (rc == 0)
		rc = brk_spat_metrics_add(core->spat, m, NULL, 0, err, errlen);
	if (rc == 0)
		rc = brk_core__parts_metrics_add(core, m, err, errlen);
	return rc;
}
