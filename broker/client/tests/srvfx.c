/*
 * srvfx: the test broker of the client's tests, on a thread of its own.
 */
#include "broker/client/tests/srvfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/clock.h"

/* Runs on the loop's thread, from the Subscribe's on_frame. */
static void on_subscribed(struct sfx *fx, struct brk_conn *c, uint32_t id)
{
	struct srv *s = fx->data;

	(void)c;
	(void)id;
	pthread_mutex_lock(&s->mu);
	s->subscribed++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void on_async(uv_async_t *a)
{
	struct srv *s = a->data;

	pthread_mutex_lock(&s->mu);
	if (s->call && !s->call_done) {
		s->call(s, s->arg);
		s->call_done = true;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

static void *loop_main(void *arg)
{
	struct srv *s = arg;

	uv_run(&s->fx.loop, UV_RUN_DEFAULT);
	return NULL;
}

void srv_start(struct srv *s)
{
	sfx_config(&s->fx);
	s->fx.data = s;
	s->fx.on_subscribed = on_subscribed;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->call = NULL;
	s->subscribed = 0;
	sfx_start(&s->fx);
	s->async.data = s;
	if (uv_async_init(&s->fx.loop, &s->async, on_async) != 0 ||
	    pthread_create(&s->thread, NULL, loop_main, s) != 0)
		abort();
}

/* Runs fn(s, arg) on the loop's thread and waits for it; returns s->result. */
static int srv_call(struct srv *s, void (*fn)(struct srv *, void *), void *arg)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	s->call = fn;
	s->arg = arg;
	s->call_done = false;
	uv_async_send(&s->async);
	while (!s->call_done)
		pthread_cond_wait(&s->cv, &s->mu);
	rc = s->result;
	s->call = NULL;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static void do_stop(struct srv *s, void *arg)
{
	(void)arg;
	brk_net_close(s->fx.net);
	uv_close((uv_handle_t *)&s->async, NULL);
	s->result = 0;
}

void srv_stop(struct srv *s)
{
	srv_call(s, do_stop, NULL);
	pthread_join(s->thread, NULL);
	sfx_finish(&s->fx);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}

static uint64_t now_ms(void)
{
	return v2x_clock_mono_ns() / 1000000u;
}

bool srv_wait_subscribed(struct srv *s, int n, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	bool ok;

	pthread_mutex_lock(&s->mu);
	while (s->subscribed < n && now_ms() < end) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10L * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	ok = s->subscribed >= n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

int srv_subscribed(struct srv *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->subscribed;
	pthread_mutex_unlock(&s->mu);
	return n;
}

struct push_arg {
	const V2x__Wire__Warning *w;
	const V2x__Wire__Cancellation *cn;
	double lat, lon;
};

static void do_push(struct srv *s, void *arg)
{
	struct push_arg *p = arg;
	struct brk_sbuf_pool *pool = brk_net_pool(s->fx.net);

	if (p->w)
		s->result = brk_subs_push_warning(s->fx.subs, p->w, p->lat, p->lon, pool);
	else
		s->result = brk_subs_push_cancel(s->fx.subs, p->cn, pool);
}

int srv_push(struct srv *s, const V2x__Wire__Warning *w, double lat, double lon)
{
	struct push_arg p = { w, NULL, lat, lon };

	return srv_call(s, do_push, &p);
}

int srv_cancel(struct srv *s, uint64_t warning_id)
{
	V2x__Wire__Cancellation cn = V2X__WIRE__CANCELLATION__INIT;
	struct push_arg p = { NULL, &cn, 0, 0 };

	cn.has_warning_id = 1;
	cn.warning_id = warning_id;
	cn.has_reason = 1;
	cn.reason = V2X__WIRE__CANCEL_REASON__CANCEL_REASON_RESOLVED;
	cn.has_time_us = 1;
	cn.time_us = (uint64_t)v2x_clock_wall_us();
	return srv_call(s, do_push, &p);
}
