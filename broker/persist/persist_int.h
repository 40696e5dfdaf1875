/*
 * persist_int: the module's state, shared by persist.c (the loop thread's
 * side) and writer.c (the writer thread).  Internal to broker/persist.
 *
 * Who touches what:
 * - the loop thread alone: cfg, the formatter, the agent table, inbox,
 *   view, rows_in and drops;
 * - the writer alone: w;
 * - both, through the ring's atomics (ring.h): the ring;
 * - both, under mu: mail (the writer's reports to the loop), and the
 *   writer's sleep (wake).
 */
#ifndef V2X_BROKER_PERSIST_PERSIST_INT_H
#define V2X_BROKER_PERSIST_PERSIST_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>

#include "broker/persist/db.h"
#include "broker/persist/persist.h"
#include "broker/persist/ring.h"
#include "broker/persist/row.h"
#include "broker/persist/spool.h"

/* An agent of the loop's table; its index is its place in the array. */
struct brk_persist__agent {
	char id[BRK_PERSIST_AGENT_MAX + 1];
	uint64_t last_seq; /* highest known durable: database, spool, this run */
	uint64_t reported; /* the last on_durable */
	uint64_t hold;     /* 0, or the seq of a refused row (see persist.h) */
	bool known;        /* last_seq was set by something */
};

struct brk_persist__pair {
	uint32_t idx;
	uint64_t seq;
};

/* An agent's seq read from agent_seq by the writer. */
struct brk_persist__known {
	char id[BRK_PERSIST_AGENT_MAX + 1];
	uint64_t seq;
};

/* The writer's reports, under mu. */
struct brk_persist__mail {
	uint64_t *durable;    /* highest durable seq by agent index */
	bool *dirty;          /* by agent index: in dirty_list */
	uint32_t *dirty_list; /* agents with news since the loop's last look */
	size_t n_dirty;
	size_t cap; /* of the three arrays: the loop grows them */
	struct brk_persist__known *known;
	size_t n_known;
	size_t cap_known;
	struct brk_persist_stats stats; /* the writer's figures, as of its last report */
	bool opened;                    /* the first connection attempt is over */
};

/* The writer thread's own state. */
struct brk_persist__writer {
	PGconn *pg;
	bool had_conn; /* a connection was made before: the next is a reconnect */
	bool failing;  /* connecting failed since the last success: log quietly */
	uint64_t next_try_ns;
	uint32_t backoff_ms;
	struct brk_persist__spool *spool;
	struct brk_persist__batch batch;
	struct brk_persist__spool_rec *recs; /* the batch's records */
	uint64_t *rec_t;                     /* and their push times (ring batches) */
	size_t n_recs;
	size_t cap_recs;
	struct brk_persist__pair *acks; /* per agent, the batch's highest seq */
	size_t n_acks;
	size_t cap_acks;
	struct brk_persist__pair *unsynced; /* spooled, durable at the next fsync */
	size_t n_unsynced;
	size_t cap_unsynced;
	struct brk_persist__spool_view view;
	bool view_loaded;
	size_t view_committed;  /* offset in the view after the last committed record */
	uint64_t first_seen_ns; /* when the ring was first seen non-empty, 0: empty */
	uint64_t last_sync_ns;
	uint64_t last_report_ns;
	struct brk_persist_stats st;
	char err[1024];
};

struct brk_persist {
	struct brk_persist_config cfg; /* conninfo and spool_dir: the copies below */
	char *conninfo;                /* "" when none */
	char *spool_dir;
	uint64_t run_id;
	uv_loop_t *loop;
	uv_async_t async;
	bool closing;
	bool delivering; /* inside on_durable */
	struct brk_persist__ring ring;
	struct brk_persist__fmt fmt;

	struct brk_persist__agent *agents;
	size_t n_agents;
	size_t cap_agents;
	uint32_t *slots; /* open addressing over agents: index + 1, 0 empty */
	size_t n_slots;
	struct brk_persist__pair *inbox; /* cap_agents: the loop's copy of the news */
	struct brk_persist_stats view;   /* what the metrics read */
	uint64_t rows_in;
	uint64_t drops[BRK_PERSIST_DROP__COUNT];

	pthread_mutex_t mu;
	pthread_cond_t wake;   /* the writer sleeps on it */
	pthread_cond_t opened; /* brk_persist_new waits on it */
	struct brk_persist__mail mail;
	atomic_bool stop;
	atomic_bool sleeping;
	_Atomic uint64_t close_deadline_ns;
	pthread_t thread;
	bool thread_started;

	struct brk_persist__writer w;
};

/* The writer thread's main; arg is the struct brk_persist. */
void *brk_persist__writer_main(void *arg);

/* Frees what the writer owns (after the thread ended, or if it never ran). */
void brk_persist__writer_fini(struct brk_persist__writer *w);

#endif
