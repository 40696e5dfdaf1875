/*
 * spool_int: what spool.c and spool_open.c share (not part of the API).
 */
#ifndef V2X_RSU_AGENT_LINK_SPOOL_INT_H
#define V2X_RSU_AGENT_LINK_SPOOL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rsu-agent/link/spool.h"
#include "runtime/compiler.h"

/* Bytes of a segment file's header: "V2XSPOOL", u32 version, u32 zero. */
#define SPOOL_SEG_HEADER 16
#define SPOOL_SEG_MAGIC  "V2XSPOOL"
#define SPOOL_VERSION    1u
#define SPOOL_REC_MAGIC  0x52583256u /* "V2XR" little-endian */
#define SPOOL_NAME_LEN   32          /* "%020llu.seg" and its NUL, with room */
#define SPOOL_STATE      "state"
#define SPOOL_STATE_TMP  "state.tmp"
/* Largest frame a record may hold whatever the config: protobuf's 2 GiB
 * limit would not fit a u32 length with its header. */
#define SPOOL_REC_MAX_LEN 0x7fff0000u

/* One segment file.  Its records carry first_seq, first_seq + 1, ... */
struct agent_spool__seg {
	uint64_t first_seq; /* also the file name */
	uint64_t last_seq;  /* of the last flushed record; first_seq - 1 when none */
	uint64_t bytes;     /* flushed bytes of the file, header included */
};

struct agent_spool {
	struct agent_spool_config cfg; /* cfg.dir points at dir */
	char *dir;
	int dirfd;
	struct agent_spool__seg *segs; /* oldest first */
	size_t n_segs, cap_segs;
	int fd;        /* the current segment (segs[n_segs - 1]) for appends, or -1 */
	uint8_t *pend; /* records appended since the last flush, as on disk */
	size_t pend_len, pend_cap;
	uint64_t pend_first, pend_count; /* their seqs */
	uint64_t disk_bytes;             /* sum of segs[].bytes */
	uint64_t next_seq, acked;
	bool unsynced;
	uint64_t unsynced_since_ns;
	struct agent_spool_stats st; /* counters; the gauges are computed */
};

/* A record header, decoded. */
struct agent_spool__hdr {
	uint32_t magic, len, crc, flags;
	uint64_t seq;
	int64_t rx_time_us;
	uint32_t replayed_off, record_only_off;
};

void agent_spool__put_hdr(uint8_t *p, const struct agent_spool__hdr *h);
void agent_spool__get_hdr(const uint8_t *p, struct agent_spool__hdr *h);
/* CRC-32 of bytes 12.. of header p and of the frame. */
uint32_t agent_spool__crc(const uint8_t *hdr, const uint8_t *frame, uint32_t len);
void agent_spool__seg_name(char *buf, uint64_t first_seq);
/* Writes "state" atomically (temporary file, fdatasync, rename, dir sync). */
int agent_spool__write_state(struct agent_spool *s);
/* Deletes segment i (writing the state first when it holds the newest seq). */
int agent_spool__delete_seg(struct agent_spool *s, size_t i);
/* Opens segment i for appends. */
int agent_spool__open_current(struct agent_spool *s);
/* Reads the directory: segments, state file, torn tails (spool_open.c). */
int agent_spool__load(struct agent_spool *s, char *err, size_t errlen);
/* Formats an error into err (may be NULL) and returns code. */
int agent_spool__fail(char *err, size_t errlen, int code, const char *fmt, ...) V2X_PRINTF(4, 5);

#endif
