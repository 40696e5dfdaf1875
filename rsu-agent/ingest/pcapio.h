/*
 * pcapio: UDP datagrams from and to capture files, for replaying what an
 * RSU sent and for tests.
 *
 * The reader opens pcap and pcapng files alike (libpcap's
 * pcap_open_offline reads both) with link types Ethernet (with up to two
 * VLAN tags), Linux cooked capture (SLL and SLL2), raw IP, and BSD
 * loopback; it yields the payload of each UDP datagram over IPv4 or IPv6
 * with its capture time and ports, optionally only those to one
 * destination port, and counts what it skips (not IP, not UDP, a fragment,
 * cut short by the capture's snap length, another port).
 *
 * The writer puts datagrams into a pcap file through libpcap's pcap_dump
 * API, each wrapped in synthesised link, IP and UDP headers with correct
 * lengths and checksums.
 *
 * Pacing a replay is the caller's (libuv timers); agent_pcap_pace_ns() says
 * when each record is due.
 */
#ifndef V2X_RSU_AGENT_INGEST_PCAPIO_H
#define V2X_RSU_AGENT_INGEST_PCAPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/err.h"

/* Link types the writer can produce (the reader takes these and more). */
enum agent_pcap_link {
	AGENT_PCAP_LINK_ETHERNET = 0,
	AGENT_PCAP_LINK_SLL = 1,  /* Linux cooked capture v1 (tcpdump -i any) */
	AGENT_PCAP_LINK_SLL2 = 2, /* Linux cooked capture v2 */
	AGENT_PCAP_LINK_RAW = 3,  /* raw IP, no link header */
};

/* One UDP datagram: what the reader yields and the writer takes. */
struct agent_pcap_udp {
	int64_t ts_us;        /* capture time, µs since the epoch */
	uint8_t family;       /* 4 or 6 */
	uint8_t src_addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint8_t dst_addr[16];
	uint16_t src_port;
	uint16_t dst_port;
	const uint8_t *payload; /* reader: owned by the reader, valid until its next call */
	size_t len;
};

/* What the reader has seen. */
struct agent_pcap_stats {
	uint64_t records;           /* every record of the file */
	uint64_t udp;               /* yielded */
	uint64_t skipped_link;      /* not IPv4/IPv6 (ARP, LLDP, ...), or an unknown link type */
	uint64_t skipped_not_udp;   /* IP but not UDP (TCP, ICMP, ...) */
	uint64_t skipped_fragment;  /* an IP fragment (not reassembled) */
	uint64_t skipped_truncated; /* cut by the snap length, or lengths that lie */
	uint64_t skipped_port;      /* UDP to another destination port than the filter */
};

struct agent_pcap_reader;
struct agent_pcap_writer;

/*
 * Opens the capture at path (pcap or pcapng) in *out, yielding only UDP to
 * dst_port (0: every port).  Fails with V2X_EIO (libpcap's reason written
 * into err, errlen bytes with the NUL), V2X_ENOMEM.  Caller frees with
 * agent_pcap_reader_free.
 */
int agent_pcap_reader_new(const char *path, uint16_t dst_port, struct agent_pcap_reader **out,
                          char *err, size_t errlen);

/* Closes r; accepts NULL. */
void agent_pcap_reader_free(struct agent_pcap_reader *r);

/*
 * Reads up to the next UDP datagram into *d (payload owned by r, valid until
 * the next call).  Returns 1 with *d filled, 0 at the end of the file, or
 * V2X_EIO when the file is damaged (a cut last record; libpcap's reason in
 * agent_pcap_reader_error).
 */
int agent_pcap_reader_next(struct agent_pcap_reader *r, struct agent_pcap_udp *d);

/* Returns the counters of r; valid while r lives. */
const struct agent_pcap_stats *agent_pcap_reader_stats(const struct agent_pcap_reader *r);

/* Returns the link type of the capture (a DLT_ value of libpcap). */
int agent_pcap_reader_linktype(const struct agent_pcap_reader *r);

/* Returns why the last call failed, "" when none; owned by r. */
const char *agent_pcap_reader_error(const struct agent_pcap_reader *r);

/*
 * Creates (or truncates) the pcap file at path in *out, with link type link
 * and microsecond timestamps.  Fails with V2X_EIO (reason in err),
 * V2X_EINVAL for an unknown link, V2X_ENOMEM.  Caller frees with
 * agent_pcap_writer_free.
 */
int agent_pcap_writer_new(const char *path, enum agent_pcap_link link,
                          struct agent_pcap_writer **out, char *err, size_t errlen);

/*
 * Writes d (borrowed for the call) as one record: link header, IPv4 or IPv6
 * header, UDP header with its checksum, payload.  Fails with V2X_EINVAL for
 * a family other than 4 or 6, V2X_ETOO_BIG for a payload above 65507 bytes
 * (IPv4's limit, applied to both).
 */
int agent_pcap_writer_write(struct agent_pcap_writer *w, const struct agent_pcap_udp *d);

/*
 * Writes frame[0..len) (borrowed) as a record exactly as given, for tests
 * that need frames of other protocols.  Fails with V2X_ETOO_BIG above 65535.
 */
int agent_pcap_writer_write_raw(struct agent_pcap_writer *w, int64_t ts_us, const uint8_t *frame,
                                size_t len);

/* Flushes what was written to the file.  Returns 0 or V2X_EIO. */
int agent_pcap_writer_flush(struct agent_pcap_writer *w);

/* Flushes and closes w; accepts NULL. */
void agent_pcap_writer_free(struct agent_pcap_writer *w);

/*
 * Returns when a record captured at ts_us is due, in ns after the moment
 * the record captured at first_ts_us was sent, to replay at speed times the
 * recorded pace (1: as recorded, 10: ten times faster).  A speed of 0 or
 * less, or not finite, means as fast as possible: always 0.  A record
 * older than the first is due at once (0).
 */
uint64_t agent_pcap_pace_ns(int64_t first_ts_us, int64_t ts_us, double speed);

#endif
