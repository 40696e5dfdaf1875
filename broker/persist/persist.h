/*
 * persist: the broker's asynchronous persistence to PostGIS (DESIGN.md
 * section 8, docs/persistence.md).
 *
 * Observations (with MAP and SPAT history), warnings with their lifecycle
 * and hazards go to the schema v2x_broker, which the module creates and
 * migrates itself (broker/persist/sql, carried by the library).
 *
 * Threads.  The loop thread (the one running the uv loop given to
 * brk_persist_new) calls every function of this header.  A writer thread
 * of the module's own holds a blocking libpq connection.  The two share a
 * preallocated ring bounded in bytes: a row call formats the row on the
 * loop thread (COPY text, the agent's identity, the sequence number) into
 * the next slot of the ring and returns at once; it never waits for the
 * writer or the database and allocates nothing in steady state (a new
 * agent id adds a table entry once; store_json builds the message's JSON
 * tree with jansson, which allocates).  A full ring refuses the row with
 * V2X_EFULL, counted as a drop by cause; nothing waits.
 *
 * The writer takes up to batch_max rows (or what came in flush_ms) and
 * writes them in one transaction: COPY into temporary staging tables,
 * then INSERT ... SELECT ... ON CONFLICT DO NOTHING into the real tables,
 * and the agents' last sequence numbers into v2x_broker.agent_seq with
 * GREATEST.  Every table has a unique key made of the row's own identity
 * (agent_id + seq for observations; run_id + warning_id + revision + event
 * for warnings; ...), so writing a batch twice changes nothing: a batch
 * whose COMMIT reply was lost, or a spool drained after its rows had been
 * committed, adds no row.
 *
 * Durability and Acks.  A row is durable once its batch has committed, or
 * has been appended to the spool on disk (and fsynced, by the fsync
 * policy).  Rows become durable in the order they were given.  For each
 * agent, the module reports the highest durable seq on the loop thread
 * through cfg.on_durable (at most one call per agent per wakeup), from
 * which the core sends the agent its Ack.  A row refused by a full ring
 * holds the agent: its later rows are refused too (V2X_EFULL,
 * counted as "held") and no report reaches the refused seq, until a row of
 * that agent with a seq at or below the refused one comes again: the agent
 * resending what was not acknowledged.  So the core should close the
 * connection of an agent whose row was refused; the agent resends after
 * its reconnect and no Ack ever covers a row that is not durable.
 *
 * PostgreSQL down, restarting or the writer's backend terminated: the
 * writer never exits and the loop never waits.  The failed batch, and
 * every batch while the database is away, is appended to the spool: a
 * folder of append-only segment files of length-prefixed records with a
 * CRC-32, bounded in bytes (when full the oldest segment goes, counted and
 * logged: the one loss the module accepts).  The writer reconnects with a
 * bounded backoff and then drains the spool, oldest first and before any
 * newer row, removing each segment once its rows have committed.  A spool
 * left by an earlier run is drained the same way.  Without a database
 * (conninfo NULL or ""), rows go to the spool only, to be drained by a
 * later run that has one.
 */
#ifndef V2X_BROKER_PERSIST_PERSIST_H
#define V2X_BROKER_PERSIST_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "codecs/msg.h"
#include "codecs/wire/v2x.pb-c.h"
#include "runtime/err.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

/* Longest agent id, bytes (Hello.id allows 64). */
#define BRK_PERSIST_AGENT_MAX 64

/* When the spool is fsynced. */
enum brk_persist_fsync {
	BRK_PERSIST_FSYNC_ALWAYS,   /* after every append: durable when the call returns */
	BRK_PERSIST_FSYNC_INTERVAL, /* every fsync_interval_ms: rows durable after it */
};

struct brk_persist_config {
	/* libpq connection string; NULL or "": no database, spool only.  Borrowed
	 * for brk_persist_new. */
	const char *conninfo;
	/* The spool folder (created if missing, one level).  Required; borrowed
	 * for brk_persist_new. */
	const char *spool_dir;
	size_t queue_bytes;   /* the ring; default 16 MiB */
	size_t row_max;       /* largest formatted row, bytes; default 256 KiB */
	uint32_t batch_max;   /* rows per transaction; default 500 */
	uint32_t flush_ms;    /* longest a row waits for its batch; default 50 */
	size_t spool_bytes;   /* spool bound; default 1 GiB */
	size_t segment_bytes; /* spool segment size; default 4 MiB */
	enum brk_persist_fsync fsync;
	uint32_t fsync_interval_ms; /* FSYNC_INTERVAL; default 200 */
	/* How long brk_persist_new waits for the first connection (to read
	 * agent_seq); default 5000.  The writer keeps trying afterwards. */
	uint32_t open_timeout_ms;
	/* How long brk_persist_close tries the database before it spools the
	 * rest; default 10000. */
	uint32_t close_timeout_ms;
	uint32_t reconnect_min_ms; /* backoff after a failure; default 100 */
	uint32_t reconnect_max_ms; /* doubling up to; default 5000 */
	bool store_json;           /* observations.msg: the message as JSON */
	bool store_uper;           /* observations.uper: the UPER bytes when given */
	/* The broker run warnings and hazards are keyed by; 0: the wall clock
	 * in µs at brk_persist_new. */
	uint64_t run_id;
	struct v2x_log *log; /* borrowed, outlives the module; may be NULL */
	/* Rows of agent_id (borrowed for the call) up to seq are durable.  Loop
	 * thread; may be NULL. */
	void (*on_durable)(void *arg, const char *agent_id, uint64_t seq);
	void *arg;
};

/* Fills cfg with the defaults above (conninfo, spool_dir, log NULL). */
void brk_persist_config_default(struct brk_persist_config *cfg);

/* The tables, for per-table counters. */
enum brk_persist_table {
	BRK_PERSIST_T_OBSERVATIONS,
	BRK_PERSIST_T_MAP,
	BRK_PERSIST_T_SPAT,
	BRK_PERSIST_T_WARNINGS,
	BRK_PERSIST_T_HAZARDS,
	BRK_PERSIST_T_AGENT_SEQ,
	BRK_PERSIST_T__COUNT
};

/* Returns the table's name ("observations"); static storage. */
const char *brk_persist_table_name(enum brk_persist_table t);

/* Why a row was not written. */
enum brk_persist_drop {
	BRK_PERSIST_DROP_QUEUE_FULL, /* refused: the ring was full */
	BRK_PERSIST_DROP_HELD,       /* refused: the agent's earlier row was, and not resent yet */
	BRK_PERSIST_DROP_TOO_BIG,    /* refused: formatted row above row_max */
	BRK_PERSIST_DROP_INVALID,    /* refused: bad argument (no agent id, seq > 2^63-1...) */
	BRK_PERSIST_DROP_CLOSED,     /* refused: brk_persist_close had started */
	BRK_PERSIST_DROP_REJECTED,   /* the database refused the row alone (logged) */
	BRK_PERSIST_DROP_SPOOL,      /* spooled, then dropped with a segment: spool full, damaged */
	BRK_PERSIST_DROP_LOST,       /* neither written nor spooled by the close deadline */
	BRK_PERSIST_DROP__COUNT
};

/* Returns the cause's name ("queue_full"); static storage. */
const char *brk_persist_drop_name(enum brk_persist_drop d);

/* Counters and gauges; brk_persist_stats() takes a consistent snapshot. */
struct brk_persist_stats {
	uint64_t rows_in;        /* rows accepted */
	uint64_t queue_rows;     /* gauge: in the ring, not yet durable */
	uint64_t queue_bytes;    /* gauge */
	uint64_t queue_capacity; /* gauge: bytes */
	uint64_t spool_records;  /* gauge: rows in the spool not yet committed */
	uint64_t spool_bytes;    /* gauge */
	uint64_t spool_segments; /* gauge */
	uint64_t spooled;        /* rows appended to the spool */
	uint64_t drained;        /* spooled rows committed */
	uint64_t spool_dropped_segments;
	uint64_t spool_errors; /* appends, syncs or reads that failed */
	uint64_t fsyncs;
	uint64_t rows_written[BRK_PERSIST_T__COUNT]; /* inserted: new rows */
	uint64_t rows_present[BRK_PERSIST_T__COUNT]; /* staged rows already there */
	uint64_t batches;                            /* committed transactions */
	uint64_t commit_failures;                    /* transactions that failed */
	uint64_t connects;                           /* connections made */
	uint64_t connect_failures;
	uint64_t reconnects; /* connections made after a lost one */
	uint64_t connected;  /* gauge: 1 while the writer has a connection */
	uint64_t drops[BRK_PERSIST_DROP__COUNT];
	uint64_t durable_lag_us; /* gauge: age of the oldest row not yet durable */
	struct v2x_hist durable; /* µs from the row call to its commit or spool append */
};

struct brk_persist;

/* What a wave of a warning's lifecycle is: warnings.event. */
enum brk_persist_wevent {
	BRK_PERSIST_W_ISSUED,
	BRK_PERSIST_W_UPDATED,
	BRK_PERSIST_W_CANCELLED,
	BRK_PERSIST_W_EXPIRED,
};

/* hazards.event and hazards.kind. */
enum brk_persist_hevent {
	BRK_PERSIST_H_CREATED,
	BRK_PERSIST_H_UPDATED,
	BRK_PERSIST_H_CLEARED,
};

enum brk_persist_hkind {
	BRK_PERSIST_H_RSI,
	BRK_PERSIST_H_RSM,
};

/* An observation, borrowed for the call. */
struct brk_persist_obs {
	const char *agent_id; /* the agent connection's id: Acks and agent_seq */
	const char *rsu_id;   /* Observation.rsu_id; NULL: agent_id */
	uint64_t seq;         /* Observation.seq, at most 2^63-1 */
	int64_t rx_time_us;
	int64_t broker_time_us; /* when the broker received it */
	bool replayed;
	bool record_only;
	uint32_t flags;            /* enum v2x_msg_flag */
	const struct v2x_msg *msg; /* required */
	const uint8_t *uper;       /* NULL: none (stored only with store_uper) */
	size_t uper_len;
};

/* A hazard's event, borrowed for the call. */
struct brk_persist_hazard {
	uint64_t hazard_id; /* at most 2^63-1 */
	enum brk_persist_hevent event;
	enum brk_persist_hkind kind;
	int64_t time_us;     /* when the event happened (broker clock); part of the key */
	uint32_t event_type; /* GB/T 29100 (RSI) */
	uint32_t ptc_type;   /* enum v2x_ptc_type (RSM) */
	double lat_deg;      /* NaN: no position */
	double lon_deg;
	double radius_m;       /* NaN: none */
	const uint32_t *lanes; /* map lane ids affected */
	size_t n_lanes;
	int64_t start_time_us; /* 0: unknown */
	int64_t end_time_us;   /* 0: open */
	const char *agent_id;  /* the source observation; NULL: none */
	const char *rsu_id;
	uint64_t seq;
};

/*
 * Creates the module on loop with cfg (borrowed for the call; log and
 * on_durable's arg are kept): opens the spool (cutting a torn tail, merging
 * the seqs it holds), starts the writer and waits up to open_timeout_ms for
 * its first connection, which migrates the schema and reads agent_seq.  A
 * database that is not there is not an error: the writer keeps trying.
 * Returns 0 with *out (ended with brk_persist_close), V2X_EINVAL (bad
 * config), V2X_EIO (spool folder unusable or a segment damaged before its
 * end: err names the file and byte), V2X_ENOMEM, V2X_ESYS; err (errlen
 * bytes) says what and what to do.
 */
int brk_persist_new(uv_loop_t *loop, const struct brk_persist_config *cfg, struct brk_persist **out,
                    char *err, size_t errlen);

/*
 * Stops taking rows, lets the writer flush the ring to PostgreSQL (or the
 * spool once close_timeout_ms has passed or the database is away), joins
 * it, reports what became durable (on_durable) and closes its uv handle.
 * Blocks the loop thread for that time.  p frees itself once the loop has
 * run the close callback (run the loop until it returns); p must not be
 * used after this call.  Accepts NULL.
 */
void brk_persist_close(struct brk_persist *p);

/*
 * Queues an observation (and its map_messages / spat_history rows for a
 * MAP / SPAT).  Returns 0; V2X_EFULL (ring full), V2X_ETOO_BIG
 * (row above row_max), V2X_EINVAL, V2X_ERANGE (seq), V2X_EEOF (closing),
 * each counted in drops.
 */
int brk_persist_observation(struct brk_persist *p, const struct brk_persist_obs *row);

/*
 * An observation received but not stored (sampling): only advances the
 * agent's agent_seq and its Acks.  Returns as brk_persist_observation.
 */
int brk_persist_mark(struct brk_persist *p, const char *agent_id, uint64_t seq);

/*
 * A warning issued or updated (or with its whole content when cancelled or
 * expired); w borrowed for the call.  Returns as brk_persist_observation.
 */
int brk_persist_warning(struct brk_persist *p, const V2x__Wire__Warning *w,
                        enum brk_persist_wevent ev);

/*
 * A warning ended: cancelled (reason, a V2x__Wire__CancelReason) or, with
 * expired, expired; time_us when.  Returns as brk_persist_observation.
 */
int brk_persist_cancel(struct brk_persist *p, uint64_t warning_id, uint32_t revision,
                       uint32_t reason, int64_t time_us, bool expired);

/* A hazard event, h borrowed for the call.  Returns as brk_persist_observation. */
int brk_persist_hazard(struct brk_persist *p, const struct brk_persist_hazard *h);

/*
 * Sets *seq to the highest seq of agent_id known durable: the database's
 * agent_seq as read at open, what the spool held, and what this run made
 * durable since.  Returns 0, or V2X_ENOTFOUND (*seq = 0) for an agent
 * never seen.
 */
int brk_persist_last_seq(const struct brk_persist *p, const char *agent_id, uint64_t *seq);

/* Returns the run_id warnings and hazards are written with. */
uint64_t brk_persist_run_id(const struct brk_persist *p);

/* Fills *out with a snapshot of the counters. */
void brk_persist_stats(struct brk_persist *p, struct brk_persist_stats *out);

/*
 * Registers the counters with m, every sample labelled with the n_labels
 * labels (borrowed, see v2x_metrics_add).  The figures m reads are a
 * snapshot the loop thread refreshes whenever the writer reports (at least
 * every 250 ms while it has work) and at every brk_persist_stats().
 * Returns what v2x_metrics_add returns.
 */
int brk_persist_metrics_add(struct brk_persist *p, struct v2x_metrics *m,
                            const struct v2x_metric_label *labels, size_t n_labels, char *err,
                            size_t errlen);

#endif
