#include "rsu-agent/ingest/pcapio.h"

#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define IPPROTO_UDP_   17
#define ETH_LEN        14
#define SLL_LEN        16
#define SLL2_LEN       20
#define IPV4_LEN       20
#define IPV6_LEN       40
#define UDP_LEN        8
#define UDP_MAX        65507 /* payload of one IPv4 datagram */
#define VLAN_TAGS_MAX  2
#define IPV6_EXT_MAX   8 /* extension headers walked before giving up */
#define SNAPLEN        262144
/* Longest record the writer makes: SLL2, IPv6, UDP and the largest payload. */
#define WRITE_MAX (SLL2_LEN + IPV6_LEN + UDP_LEN + UDP_MAX)

struct agent_pcap_reader {
	pcap_t *pcap;
	int linktype;
	uint16_t dst_port;
	struct agent_pcap_stats stats;
	char error[PCAP_ERRBUF_SIZE];
};

struct agent_pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	enum agent_pcap_link link;
	uint16_t ip_id;
	uint8_t frame[WRITE_MAX];
};

/* A part of a record still to be parsed. */
struct span {
	const uint8_t *p;
	size_t n;
};

/* Where parsing a record ended. */
enum verdict { UDP_OK, SKIP_LINK, SKIP_NOT_UDP, SKIP_FRAGMENT, SKIP_TRUNCATED };

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void set_error(char *err, size_t errlen, const char *what, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, why);
}

int agent_pcap_reader_new(const char *path, uint16_t dst_port, struct agent_pcap_reader **out,
                          char *err, size_t errlen)
{
	struct agent_pcap_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return V2X_ENOMEM;
	/* Micro precision: libpcap scales a nanosecond file's times to it. */
	r->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
	                                                  r->error);
	if (!r->pcap) {
		set_error(err, errlen, path, r->error);
		free(r);
		return V2X_EIO;
	}
	r->linktype = pcap_datalink(r->pcap);
	r->dst_port = dst_port;
	*out = r;
	return 0;
}

void agent_pcap_reader_free(struct agent_pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->pcap);
	free(r);
}

const struct agent_pcap_stats *agent_pcap_reader_stats(const struct agent_pcap_reader *r)
{
	return &r->stats;
}

int agent_pcap_reader_linktype(const struct agent_pcap_reader *r)
{
	return r->linktype;
}

const char *agent_pcap_reader_error(const struct agent_pcap_reader *r)
{
	return r->error;
}

/* ---- reading: link layer ------------------------------------------------ */

/* Ethernet, skipping up to two VLAN tags; sets the EtherType. */
static enum verdict link_ethernet(struct span *s, uint16_t *type)
{
	size_t off = ETH_LEN;

	if (s->n < ETH_LEN)
		return SKIP_TRUNCATED;
	*type = be16(s->p + 12);
	for (int tags = 0; tags < VLAN_TAGS_MAX; tags++) {
		if (*type != ETHERTYPE_VLAN && *type != ETHERTYPE_QINQ)
			break;
		if (s->n < off + 4)
			return SKIP_TRUNCATED;
		*type = be16(s->p + off + 2);
		off += 4;
	}
	s->p += off;
	s->n -= off;
	return UDP_OK;
}

/* A header of hlen bytes with the EtherType at type_off. */
static enum verdict link_fixed(struct span *s, size_t hlen, size_t type_off, uint16_t *type)
{
	if (s->n < hlen)
		return SKIP_TRUNCATED;
	*type = be16(s->p + type_off);
	s->p += hlen;
	s->n -= hlen;
	return UDP_OK;
}

/* Raw IP: the version nibble says which. */
static enum verdict link_raw(const struct span *s, uint16_t *type)
{
	if (s->n < 1)
		return SKIP_TRUNCATED;
	*type = (s->p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
	return UDP_OK;
}

/* BSD loopback: a 4-byte address family, in host order (NULL) or network
 * order (LOOP); AF_INET is 2 everywhere, AF_INET6 24, 28 or 30. */
static enum verdict link_loopback(struct span *s, bool network_order, uint16_t *type)
{
	uint32_t family;

	if (s->n < 4)
		return SKIP_TRUNCATED;
	memcpy(&family, s->p, 4);
	if (network_order)
		family = (uint32_t)s->p[0] << 24 | (uint32_t)s->p[1] << 16 | s->p[2] << 8 | s->p[3];
	*type = family == 2 ? ETHERTYPE_IPV4 : 0;
	if (family == 24 || family == 28 || family == 30)
		*type = ETHERTYPE_IPV6;
	s->p += 4;
	s->n -= 4;
	return UDP_OK;
}

static enum verdict strip_link(int linktype, struct span *s, uint16_t *type)
{
	switch (linktype) {
	case DLT_EN10MB:
		return link_ethernet(s, type);
	case DLT_LINUX_SLL:
		return link_fixed(s, SLL_LEN, 14, type);
	case DLT_LINUX_SLL2:
		return link_fixed(s, SLL2_LEN, 0, type);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return link_raw(s, type);
	case DLT_NULL:
		return link_loopback(s, false, type);
	case DLT_LOOP:
		return link_loopback(s, true, type);
	default:
		return SKIP_LINK;
	}
}

/* ---- reading: IP and UDP ------------------------------------------------ */

static enum verdict parse_ipv4(struct span *s, struct agent_pcap_udp *d)
{
	size_t ihl, total;

	if (s->n < IPV4_LEN || (s->p[0] >> 4) != 4)
		return s->n < IPV4_LEN ? SKIP_TRUNCATED : SKIP_LINK;
	ihl = (size_t)(s->p[0] & 0xf) * 4;
	total = be16(s->p + 2);
	if (ihl < IPV4_LEN || total < ihl || total > s->n)
		return SKIP_TRUNCATED;
	/* More fragments, or not the first: no whole datagram here. */
	if (be16(s->p + 6) & 0x3fff)
		return SKIP_FRAGMENT;
	if (s->p[9] != IPPROTO_UDP_)
		return SKIP_NOT_UDP;
	d->family = 4;
	memcpy(d->src_addr, s->p + 12, 4);
	memcpy(d->dst_addr, s->p + 16, 4);
	s->p += ihl;
	s->n = total - ihl; /* drops Ethernet's padding */
	return UDP_OK;
}

/* Walks IPv6's extension headers to UDP; a fragment header ends it. */
static enum verdict ipv6_to_udp(struct span *s, uint8_t next)
{
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		size_t hlen;

		if (next == IPPROTO_UDP_)
			return UDP_OK;
		if (next == 44)
			return SKIP_FRAGMENT;
		if (next != 0 && next != 43 && next != 60)
			return SKIP_NOT_UDP;
		if (s->n < 8 || (hlen = ((size_t)s->p[1] + 1) * 8) > s->n)
			return SKIP_TRUNCATED;
		next = s->p[0];
		s->p += hlen;
		s->n -= hlen;
	}
	return SKIP_NOT_UDP;
}

static enum verdict parse_ipv6(struct span *s, struct agent_pcap_udp *d)
{
	size_t payload;
	uint8_t next;

	if (s->n < IPV6_LEN || (s->p[0] >> 4) != 6)
		return s->n < IPV6_LEN ? SKIP_TRUNCATED : SKIP_LINK;
	payload = be16(s->p + 4);
	/* A zero payload length is a jumbogram, which UDP here never is. */
	if (payload == 0 || IPV6_LEN + payload > s->n)
		return SKIP_TRUNCATED;
	next = s->p[6];
	d->family = 6;
	memcpy(d->src_addr, s->p + 8, 16);
	memcpy(d->dst_addr, s->p + 24, 16);
	s->p += IPV6_LEN;
	s->n = payload;
	return ipv6_to_udp(s, next);
}

static enum verdict parse_udp(const struct span *s, struct agent_pcap_udp *d)
{
	size_t ulen;

	if (s->n < UDP_LEN)
		return SKIP_TRUNCATED;
	ulen = be16(s->p + 4);
	if (ulen < UDP_LEN || ulen > s->n)
		return SKIP_TRUNCATED;
	d->src_port = be16(s->p);
	d->dst_port = be16(s->p + 2);
	d->payload = s->p + UDP_LEN;
	d->len = ulen - UDP_LEN;
	return UDP_OK;
}

static enum verdict parse_record(const struct agent_pcap_reader *r, const uint8_t *data,
                                 size_t caplen, struct agent_pcap_udp *d)
{
	struct span s = { data, caplen };
	uint16_t type = 0;
	enum verdict v = strip_link(r->linktype, &s, &type);

	if (v != UDP_OK)
		return v;
	if (type == ETHERTYPE_IPV4)
		v = parse_ipv4(&s, d);
	else if (type == ETHERTYPE_IPV6)
		v = parse_ipv6(&s, d);
	else
		v = SKIP_LINK;
	return v == UDP_OK ? parse_udp(&s, d) : v;
}

static void count_skip(struct agent_pcap_stats *st, enum verdict v)
{
	switch (v) {
	case UDP_OK:
		break;
	case SKIP_LINK:
		st->skipped_link++;
		break;
	case SKIP_NOT_UDP:
		st->skipped_not_udp++;
		break;
	case SKIP_FRAGMENT:
		st->skipped_fragment++;
		break;
	case SKIP_TRUNCATED:
		st->skipped_truncated++;
		break;
	}
}

int agent_pcap_reader_next(struct agent_pcap_reader *r, struct agent_pcap_udp *d)
{
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(r->pcap, &h, &data);
		enum verdict v;

		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			snprintf(r->error, sizeof(r->error), "%s", pcap_geterr(r->pcap));
			return V2X_EIO;
		}
		r->stats.records++;
		memset(d, 0, sizeof(*d));
		v = parse_record(r, data, h->caplen, d);
		count_skip(&r->stats, v);
		if (v != UDP_OK)
			continue;
		if (r->dst_port && d->dst_port != r->dst_port) {
			r->stats.skipped_port++;
			continue;
		}
		d->ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		r->stats.udp++;
		return 1;
	}
}

/* ---- writing ------------------------------------------------------------ */

static int dlt_of(enum agent_pcap_link link)
{
	switch (link) {
	case AGENT_PCAP_LINK_ETHERNET:
		return DLT_EN10MB;
	case AGENT_PCAP_LINK_SLL:
		return DLT_LINUX_SLL;
	case AGENT_PCAP_LINK_SLL2:
		return DLT_LINUX_SLL2;
	case AGENT_PCAP_LINK_RAW:
		return DLT_RAW;
	}
	return -1;
}

int agent_pcap_writer_new(const char *path, enum agent_pcap_link link,
                          struct agent_pcap_writer **out, char *err, size_t errlen)
{
	struct agent_pcap_writer *w;
	int dlt = dlt_of(link);

	*out = NULL;
	if (dlt < 0)
		return V2X_EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return V2X_ENOMEM;
	w->link = link;
	w->dead = pcap_open_dead_with_tstamp_precision(dlt, SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->dead)
		goto fail_dead;
	w->dumper = pcap_dump_open(w->dead, path);
	if (!w->dumper)
		goto fail_dump;
	*out = w;
	return 0;
fail_dump:
	set_error(err, errlen, path, pcap_geterr(w->dead));
	pcap_close(w->dead);
	free(w);
	return V2X_EIO;
fail_dead:
	set_error(err, errlen, path, "pcap_open_dead failed");
	free(w);
	return V2X_ENOMEM;
}

void agent_pcap_writer_free(struct agent_pcap_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->dumper);
	pcap_close(w->dead);
	free(w);
}

int agent_pcap_writer_flush(struct agent_pcap_writer *w)
{
	return pcap_dump_flush(w->dumper) == 0 ? 0 : V2X_EIO;
}

/* The one's complement sum of RFC 1071, not yet folded or inverted. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes the link header for an IP packet of the given EtherType; returns
 * its length. */
static size_t put_link(enum agent_pcap_link link, uint8_t *p, uint16_t type)
{
	static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	switch (link) {
	case AGENT_PCAP_LINK_ETHERNET:
		memcpy(p, mac_dst, 6);
		memcpy(p + 6, mac_src, 6);
		put_be16(p + 12, type);
		return ETH_LEN;
	case AGENT_PCAP_LINK_SLL:
		memset(p, 0, SLL_LEN);
		put_be16(p + 2, 1); /* ARPHRD_ETHER */
		put_be16(p + 4, 6);
		memcpy(p + 6, mac_src, 6);
		put_be16(p + 14, type);
		return SLL_LEN;
	case AGENT_PCAP_LINK_SLL2:
		memset(p, 0, SLL2_LEN);
		put_be16(p, type);
		p[7] = 1;  /* interface index 1 */
		p[9] = 1;  /* ARPHRD_ETHER */
		p[11] = 6; /* address length */
		memcpy(p + 12, mac_src, 6);
		return SLL2_LEN;
	case AGENT_PCAP_LINK_RAW:
		return 0;
	}
	return 0;
}

static size_t put_ipv4(struct agent_pcap_writer *w, uint8_t *p, const struct agent_pcap_udp *d)
{
	memset(p, 0, IPV4_LEN);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)(IPV4_LEN + UDP_LEN + d->len));
	put_be16(p + 4, w->ip_id++);
	put_be16(p + 6, 0x4000); /* don't fragment */
	p[8] = 64;
	p[9] = IPPROTO_UDP_;
	memcpy(p + 12, d->src_addr, 4);
	memcpy(p + 16, d->dst_addr, 4);
	put_be16(p + 10, fold(sum16(0, p, IPV4_LEN)));
	return IPV4_LEN;
}

static size_t put_ipv6(uint8_t *p, const struct agent_pcap_udp *d)
{
	memset(p, 0, IPV6_LEN);
	p[0] = 0x60;
	put_be16(p + 4, (uint16_t)(UDP_LEN + d->len));
	p[6] = IPPROTO_UDP_;
	p[7] = 64;
	memcpy(p + 8, d->src_addr, 16);
	memcpy(p + 24, d->dst_addr, 16);
	return IPV6_LEN;
}

/* The UDP header and payload at p, checksummed over the pseudo-header. */
static void put_udp(uint8_t *p, const struct agent_pcap_udp *d)
{
	size_t alen = d->family == 4 ? 4 : 16;
	uint16_t ulen = (uint16_t)(UDP_LEN + d->len);
	uint32_t sum;
	uint16_t csum;

	put_be16(p, d->src_port);
	put_be16(p + 2, d->dst_port);
	put_be16(p + 4, ulen);
	put_be16(p + 6, 0);
	if (d->len)
		memcpy(p + UDP_LEN, d->payload, d->len);
	sum = sum16(0, d->src_addr, alen);
	sum = sum16(sum, d->dst_addr, alen);
	sum += IPPROTO_UDP_ + (uint32_t)ulen;
	csum = fold(sum16(sum, p, ulen));
	/* 0 means "no checksum" in UDP over IPv4, so a sum of 0 is sent as ~0. */
	put_be16(p + 6, csum ? csum : 0xffff);
}

static void dump(struct agent_pcap_writer *w, int64_t ts_us, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h;
	int64_t sec = ts_us / 1000000, usec = ts_us % 1000000;

	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)sec;
	h.ts.tv_usec = (suseconds_t)usec;
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dumper, &h, frame);
}

int agent_pcap_writer_write(struct agent_pcap_writer *w, const struct agent_pcap_udp *d)
{
	uint8_t *p = w->frame;
	size_t off;

	if (d->family != 4 && d->family != 6)
		return V2X_EINVAL;
	if (d->len > UDP_MAX)
		return V2X_ETOO_BIG;
	off = put_link(w->link, p, d->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	off += d->family == 4 ? put_ipv4(w, p + off, d) : put_ipv6(p + off, d);
	put_udp(p + off, d);
	dump(w, d->ts_us, p, off + UDP_LEN + d->len);
	return 0;
}

int agent_pcap_writer_write_raw(struct agent_pcap_writer *w, int64_t ts_us, const uint8_t *frame,
                                size_t len)
{
	if (len > 65535)
		return V2X_ETOO_BIG;
	dump(w, ts_us, frame, len);
	return 0;
}

uint64_t agent_pcap_pace_ns(int64_t first_ts_us, int64_t ts_us, double speed)
{
	double ns;

	if (!(speed > 0) || !isfinite(speed) || ts_us <= first_ts_us)
		return 0;
	/* In double: the difference of two int64 may not fit one. */
	ns = ((double)ts_us - (double)first_ts_us) * 1000.0 / speed;
	/* 1.8e19 ns is beyond UINT64_MAX's 1.84e19: no replay waits 580 years. */
	return ns >= 1.8e19 ? UINT64_MAX : (uint64_t)ns;
}
