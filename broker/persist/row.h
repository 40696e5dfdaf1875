/*
 * row: the records the module queues and spools, and the formatting of
 * rows into them.  Internal to broker/persist.
 *
 * A record is what one row call produced, formatted on the loop thread:
 *
 *   header (16 bytes)  kind u8, agent_len u8, nparts u16, agent_idx u32, seq u64
 *   agent id           agent_len bytes (observations and marks)
 *   parts              table u8, 3 zero bytes, len u32, then len bytes: lines of
 *                      PostgreSQL's COPY text format for that table's staging table
 *
 * Integers are in the machine's byte order: the spool is read back by the
 * same host.  agent_idx is this run's index of the agent (for the durable
 * reports); it means nothing in a record drained from an earlier run's
 * spool.  The columns of each table's lines are in the order of the
 * BRK_PERSIST__COLS_* lists below, which the staging tables (db.c) follow.
 */
#ifndef V2X_BROKER_PERSIST_ROW_H
#define V2X_BROKER_PERSIST_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/persist/persist.h"

enum brk_persist__kind {
	BRK_PERSIST__REC_OBS = 1,
	BRK_PERSIST__REC_MARK = 2,
	BRK_PERSIST__REC_WARN = 3,
	BRK_PERSIST__REC_HAZ = 4,
};

#define BRK_PERSIST__REC_HDR  16
#define BRK_PERSIST__PART_HDR 8
#define BRK_PERSIST__NO_AGENT UINT32_MAX

#define BRK_PERSIST__COLS_OBS                                                                  \
	"agent_id, rsu_id, seq, rx_time_us, broker_time_us, msg_type, replayed, record_only, " \
	"flags, source_id, msg_cnt, sec_mark_s, moy_s, lon, lat, elev_m, msg, uper"
#define BRK_PERSIST__COLS_MAP                                                                \
	"agent_id, rsu_id, seq, node_idx, rx_time_us, msg_cnt, region, node_id, name, lon, " \
	"lat, n_links"
#define BRK_PERSIST__COLS_SPAT                                                              \
	"agent_id, rsu_id, seq, idx, rx_time_us, msg_cnt, region, node_id, status, moy_s, " \
	"timestamp_s, phases"
#define BRK_PERSIST__COLS_WARN                                                                 \
	"run_id, warning_id, revision, event, event_time_us, type, severity, target_vehicle, " \
	"subject, lon, lat, elev_m, distance_m, time_to_event_s, advisory_speed_mps, "         \
	"issue_time_us, expiry_time_us, sources, trigger_rx_time_us, cancel_reason, text"
#define BRK_PERSIST__COLS_HAZ                                                             \
	"run_id, hazard_id, event, event_time_us, kind, event_type, ptc_type, lon, lat, " \
	"radius_m, lanes, start_time_us, end_time_us, agent_id, rsu_id, seq"

/* A record's header, decoded. */
struct brk_persist__rec {
	uint8_t kind;
	uint16_t nparts;
	uint32_t agent_idx;
	uint64_t seq;
	const char *agent; /* agent_len bytes, not NUL-terminated */
	size_t agent_len;
	const uint8_t *parts; /* the parts, parts_len bytes */
	size_t parts_len;
};

/* The formatter: a buffer of cap bytes (the loop thread's, reused). */
struct brk_persist__fmt {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool over;      /* a write did not fit */
	size_t part_at; /* offset of the open part's header, 0: none */
	uint16_t nparts;
	char *json; /* store_json: the dump of one message */
	size_t json_cap;
};

/* Allocates cap bytes (and as much for JSON).  Returns 0 or V2X_ENOMEM. */
int brk_persist__fmt_init(struct brk_persist__fmt *f, size_t cap);
void brk_persist__fmt_fini(struct brk_persist__fmt *f);

/*
 * Each formats one record into f (from its start).  Return 0 with f->len
 * bytes in f->buf; V2X_ETOO_BIG (above cap), V2X_EINVAL, V2X_ERANGE (an id
 * or seq above 2^63-1), V2X_ENOMEM (JSON).
 */
int brk_persist__fmt_obs(struct brk_persist__fmt *f, const struct brk_persist_obs *o,
                         uint32_t agent_idx, bool store_json, bool store_uper);
int brk_persist__fmt_mark(struct brk_persist__fmt *f, const char *agent_id, uint32_t agent_idx,
                          uint64_t seq);
int brk_persist__fmt_warning(struct brk_persist__fmt *f, uint64_t run_id,
                             const V2x__Wire__Warning *w, enum brk_persist_wevent ev);
int brk_persist__fmt_cancel(struct brk_persist__fmt *f, uint64_t run_id, uint64_t warning_id,
                            uint32_t revision, uint32_t reason, int64_t time_us, bool expired);
int brk_persist__fmt_hazard(struct brk_persist__fmt *f, uint64_t run_id,
                            const struct brk_persist_hazard *h);

/* Decodes a record's header.  Returns 0, or V2X_EMALFORMED. */
int brk_persist__rec_parse(const uint8_t *p, size_t len, struct brk_persist__rec *rec);

/*
 * Iterates the parts of rec: *off starts at 0.  Returns 1 with the part's
 * table and bytes, 0 at the end, V2X_EMALFORMED.
 */
int brk_persist__rec_part(const struct brk_persist__rec *rec, size_t *off, uint8_t *table,
                          const char **text, size_t *len);

/*
 * Appends s (n bytes) to out in COPY text form: backslash, tab, newline
 * and CR escaped, bytes that are not UTF-8 (and NUL) as U+FFFD.  Returns
 * the bytes written, or 0 when it did not fit in cap (out+*len).  For the
 * writer's agent_seq lines.
 */
size_t brk_persist__copy_text(char *out, size_t cap, const char *s, size_t n);

#endif
