/*
 * sink: a minimal broker for the agent's benchmark, on its own thread: it
 * answers the Hello, acknowledges every observation, and notes when each
 * numbered BSM arrived (monotonic ns), for end-to-end latency.
 */
#ifndef V2X_RSU_AGENT_BENCH_SINK_H
#define V2X_RSU_AGENT_BENCH_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct bench_sink {
	int lfd;
	int port;
	pthread_t thread;
	atomic_bool stop;
	atomic_uint_fast64_t observations;
	/* arrive_ns[n]: when BSM number n last arrived (0: never); n < cap. */
	uint64_t *arrive_ns;
	size_t cap;
};

/* Listens on 127.0.0.1 (any port) and starts the thread.  Returns 0 or -1
 * (errno set).  cap bounds the BSM numbers noted. */
int bench_sink_start(struct bench_sink *s, size_t cap);

/* Stops the thread and frees what it holds. */
void bench_sink_stop(struct bench_sink *s);

#endif
