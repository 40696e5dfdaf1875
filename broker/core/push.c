/*
 * push: the warning lifecycle's output (issued, updated, cancelled) to the
 * subscribers and to persistence, and the subscribers' own frames.
 */
#include "broker/core/core_int.h"
#include "runtime/clock.h"
#include "runtime/err.h"

void brk_core__on_warning(void *arg, const V2x__Wire__Warning *w, bool issued, double lat,
                          double lon)
{
	struct brk_core *core = arg;
	int n;

	n = brk_subs_push_warning(core->subs, w, lat, lon, brk_net_pool(core->net));
	if (n > 0) {
		int64_t now = v2x_clock_wall_us();

		core->st.warnings_pushed++;
		if (w->has_trigger_rx_time_us && now >= (int64_t)w->trigger_rx_time_us)
			v2x_hist_add(&core->st.e2e_us, (uint64_t)now - w->trigger_rx_time_us);
	}
	if (core->persist)
		brk_persist_warning(core->persist, w,
		                    issued ? BRK_PERSIST_W_ISSUED : BRK_PERSIST_W_UPDATED);
}

void brk_core__on_cancel(void *arg, const V2x__Wire__Cancellation *c, bool expired)
{
	struct brk_core *core = arg;

	if (brk_subs_push_cancel(core->subs, c, brk_net_pool(core->net)) > 0)
		core->st.cancels_pushed++;
	if (core->persist)
		brk_persist_cancel(core->persist, c->warning_id, 0, c->reason, (int64_t)c->time_us,
		                   expired);
}

void brk_core__subscriber_frame(struct brk_core *core, struct brk_conn *c,
                                const V2x__Wire__Frame *f)
{
	if (brk_subs_handle_frame(core->subs, c, f) == 1) {
		core->st.subscribes++;
		return;
	}
	brk_conn_close(c, BRK_CLOSE_PROTOCOL, "a subscriber sends Subscribe and Unsubscribe only");
}
