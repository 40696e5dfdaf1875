/*
 * srvfx: a test broker for the client's tests: the subscription fixture
 * (broker/subs/tests/subsfx.h: a real net and subscription table on a real
 * loop) run on a thread of its own, so that the test's thread can block in
 * the client library or wait for a v2x-sub process.  The test asks the
 * loop's thread to push warnings and cancellations (srv_push, srv_cancel)
 * and waits for subscriptions to be in place (srv_wait_subscribed).
 */
#ifndef V2X_BROKER_CLIENT_TESTS_SRVFX_H
#define V2X_BROKER_CLIENT_TESTS_SRVFX_H

#include <pthread.h>
#include <stdbool.h>

#include "broker/subs/tests/subsfx.h"

struct srv {
	struct sfx fx;
	pthread_t thread;
	uv_async_t async;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* The call the loop's thread is to run, and its result. */
	void (*call)(struct srv *s, void *arg);
	void *arg;
	bool call_done;
	int result;
	int subscribed; /* Subscribes answered OK so far */
};

/* Starts the broker (TCP on 127.0.0.1:s->fx.port, unix at s->fx.unix_path). */
void srv_start(struct srv *s);
/* Stops it (every client gets a Bye), joins the thread and frees it all. */
void srv_stop(struct srv *s);
/* Waits until n Subscribes were accepted in all; says whether in time. */
bool srv_wait_subscribed(struct srv *s, int n, unsigned timeout_ms);
/* Returns how many Subscribes were accepted so far. */
int srv_subscribed(struct srv *s);
/* Pushes w (target at lat, lon) on the loop's thread; returns what the push returned. */
int srv_push(struct srv *s, const V2x__Wire__Warning *w, double lat, double lon);
/* Pushes a Cancellation (reason RESOLVED) of warning_id; returns the connections reached. */
int srv_cancel(struct srv *s, uint64_t warning_id);

#endif
