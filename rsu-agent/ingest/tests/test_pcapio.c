/*
 * pcapio: datagrams written with the writer (pcap, every link type it
 * makes, IPv4 and IPv6) read back the same, with their times, addresses
 * and ports, and correct IP and UDP checksums; the destination port
 * filter; pcapng files written here block by block (SHB, IDB, EPB), with
 * microsecond and nanosecond resolution; frames the reader must skip, each
 * counted (ARP, TCP, a fragment, lying lengths, a VLAN tag it must see
 * through); truncated files giving a clear error; the pacing function.
 */
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsu-agent/ingest/pcapio.h"
#include "tests/check.h"

#define N_DGRAMS 6
#define PORT     30299
#define T0_US    1764159031300123LL

static char tmpdir[] = "/tmp/test-pcapio-XXXXXX";

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* Datagram i: IPv4 for even i, IPv6 for odd; every second to PORT. */
static struct agent_pcap_udp dgram(int i, uint8_t *payload)
{
	struct agent_pcap_udp d;

	memset(&d, 0, sizeof(d));
	d.ts_us = T0_US + (int64_t)i * 100123;
	d.family = i % 2 ? 6 : 4;
	if (d.family == 4) {
		memcpy(d.src_addr, (const uint8_t[]){ 10, 12, 0, (uint8_t)(7 + i) }, 4);
		memcpy(d.dst_addr, (const uint8_t[]){ 10, 12, 0, 1 }, 4);
	} else {
		d.src_addr[0] = 0xfd;
		d.src_addr[15] = (uint8_t)(7 + i);
		d.dst_addr[0] = 0xfd;
		d.dst_addr[15] = 1;
	}
	d.src_port = (uint16_t)(40000 + i);
	d.dst_port = i % 3 == 2 ? 5000 : PORT;
	/* Odd lengths too, for the checksum's last byte. */
	d.len = (size_t)(i == 0 ? 0 : 37 * i + i % 2);
	for (size_t k = 0; k < d.len; k++)
		payload[k] = (uint8_t)((size_t)i * 31 + k);
	d.payload = payload;
	return d;
}

static void write_file(const char *path, enum agent_pcap_link link)
{
	struct agent_pcap_writer *w = NULL;
	char err[256];
	uint8_t payload[512];

	CHECK_INT_EQ(agent_pcap_writer_new(path, link, &w, err, sizeof(err)), 0);
	if (!w)
		return;
	for (int i = 0; i < N_DGRAMS; i++) {
		struct agent_pcap_udp d = dgram(i, payload);
		CHECK_INT_EQ(agent_pcap_writer_write(w, &d), 0);
	}
	CHECK_INT_EQ(agent_pcap_writer_flush(w), 0);
	agent_pcap_writer_free(w);
}

static void check_same(const struct agent_pcap_udp *got, int i)
{
	uint8_t payload[512];
	struct agent_pcap_udp want = dgram(i, payload);
	size_t alen = want.family == 4 ? 4 : 16;

	CHECK_INT_EQ(got->ts_us, want.ts_us);
	CHECK_UINT_EQ(got->family, want.family);
	CHECK_MEM_EQ(got->src_addr, want.src_addr, alen);
	CHECK_MEM_EQ(got->dst_addr, want.dst_addr, alen);
	CHECK_UINT_EQ(got->src_port, want.src_port);
	CHECK_UINT_EQ(got->dst_port, want.dst_port);
	CHECK_UINT_EQ(got->len, want.len);
	if (got->len == want.len && want.len)
		CHECK_MEM_EQ(got->payload, want.payload, want.len);
}

/* Reads path with the port filter and checks what comes back. */
static void read_back(const char *path, uint16_t port, int linktype)
{
	struct agent_pcap_reader *r = NULL;
	struct agent_pcap_udp d;
	char err[256];
	int i = 0, n = 0;

	CHECK_INT_EQ(agent_pcap_reader_new(path, port, &r, err, sizeof(err)), 0);
	if (!r)
		return;
	CHECK_INT_EQ(agent_pcap_reader_linktype(r), linktype);
	while (agent_pcap_reader_next(r, &d) == 1) {
		while (port && i < N_DGRAMS && i % 3 == 2)
			i++; /* filtered out: not to PORT */
		check_same(&d, i++);
		n++;
	}
	CHECK_INT_EQ(n, port ? N_DGRAMS - N_DGRAMS / 3 : N_DGRAMS);
	CHECK_UINT_EQ(agent_pcap_reader_stats(r)->records, N_DGRAMS);
	CHECK_UINT_EQ(agent_pcap_reader_stats(r)->udp, (uint64_t)n);
	CHECK_UINT_EQ(agent_pcap_reader_stats(r)->skipped_port, port ? N_DGRAMS / 3 : 0);
	CHECK_STR_EQ(agent_pcap_reader_error(r), "");
	agent_pcap_reader_free(r);
}

static void test_round_trip(void)
{
	static const struct {
		enum agent_pcap_link link;
		int dlt;
	} links[] = {
		{ AGENT_PCAP_LINK_ETHERNET, DLT_EN10MB },
		{ AGENT_PCAP_LINK_SLL, DLT_LINUX_SLL },
		{ AGENT_PCAP_LINK_SLL2, DLT_LINUX_SLL2 },
		{ AGENT_PCAP_LINK_RAW, DLT_RAW },
	};
	char path[256];

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		path_of(path, sizeof(path), "rt.pcap");
		write_file(path, links[i].link);
		read_back(path, 0, links[i].dlt);
		read_back(path, PORT, links[i].dlt);
	}
}

/* ---- checksums, checked with libpcap's own reader ----------------------- */

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t folded(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A correct header or pseudo-header sum folds to 0xffff. */
static void check_sums(const uint8_t *ip, size_t n)
{
	bool v4 = ip[0] >> 4 == 4;
	size_t hlen = v4 ? 20 : 40, alen = v4 ? 4 : 16;
	const uint8_t *udp = ip + hlen;
	size_t ulen = (size_t)udp[4] << 8 | udp[5];
	uint32_t s;

	if (!CHECK(n >= hlen + 8 && hlen + ulen == n))
		return;
	if (v4)
		CHECK_UINT_EQ(folded(sum16(0, ip, 20)), 0xffff);
	s = sum16(0, ip + (v4 ? 12 : 8), 2 * alen);
	s += 17 + (uint32_t)ulen;
	CHECK_UINT_EQ(folded(sum16(s, udp, ulen)), 0xffff);
}

static void test_checksums(void)
{
	char path[256], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int n = 0;

	path_of(path, sizeof(path), "sums.pcap");
	write_file(path, AGENT_PCAP_LINK_ETHERNET);
	pc = pcap_open_offline(path, err);
	if (!CHECK(pc != NULL))
		return;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		CHECK_UINT_EQ(h->caplen, h->len);
		check_sums(data + 14, h->caplen - 14);
		n++;
	}
	CHECK_INT_EQ(n, N_DGRAMS);
	pcap_close(pc);
}

/* ---- pcapng, block by block --------------------------------------------- */

struct buf {
	uint8_t b[8192];
	size_t n;
};

static void put32(struct buf *b, uint32_t v)
{
	memcpy(b->b + b->n, &v, 4); /* the section's byte order is the host's */
	b->n += 4;
}

static void put16(struct buf *b, uint16_t v)
{
	memcpy(b->b + b->n, &v, 2);
	b->n += 2;
}

static void put_bytes(struct buf *b, const uint8_t *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
	while (b->n % 4)
		b->b[b->n++] = 0;
}

/* Section Header Block: byte-order magic, version 1.0, length unknown. */
static void put_shb(struct buf *b)
{
	put32(b, 0x0a0d0d0a);
	put32(b, 28);
	put32(b, 0x1a2b3c4d);
	put16(b, 1);
	put16(b, 0);
	put32(b, 0xffffffff);
	put32(b, 0xffffffff);
	put32(b, 28);
}

/* Interface Description Block; tsresol 9 adds the if_tsresol option. */
static void put_idb(struct buf *b, uint16_t linktype, int tsresol)
{
	uint32_t len = tsresol ? 32 : 20;

	put32(b, 1);
	put32(b, len);
	put16(b, linktype);
	put16(b, 0);
	put32(b, 262144);
	if (tsresol) {
		put16(b, 9); /* if_tsresol */
		put16(b, 1);
		put_bytes(b, (const uint8_t[]){ (uint8_t)tsresol }, 1);
		put16(b, 0); /* opt_endofopt */
		put16(b, 0);
	}
	put32(b, len);
}

/* Enhanced Packet Block of interface 0; ts in the interface's units. */
static void put_epb(struct buf *b, uint64_t ts, const uint8_t *frame, size_t n)
{
	uint32_t len = (uint32_t)(32 + (n + 3) / 4 * 4);

	put32(b, 6);
	put32(b, len);
	put32(b, 0);
	put32(b, (uint32_t)(ts >> 32));
	put32(b, (uint32_t)ts);
	put32(b, (uint32_t)n);
	put32(b, (uint32_t)n);
	put_bytes(b, frame, n);
	put32(b, len);
}

static void save(const char *path, const struct buf *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_UINT_EQ(fwrite(b->b, 1, n, f), n);
	fclose(f);
}

/*
 * Writes the datagrams as a pcap of link, then copies its records into a
 * pcapng file of the same link type, at resolution 10^-tsresol s (0: the
 * default, µs).  Returns the pcapng's length in *b.
 */
static void make_pcapng(const char *path, enum agent_pcap_link link, int tsresol, struct buf *b)
{
	char tmp[256], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;

	path_of(tmp, sizeof(tmp), "frames.pcap");
	write_file(tmp, link);
	pc = pcap_open_offline(tmp, err);
	b->n = 0;
	if (!CHECK(pc != NULL))
		return;
	put_shb(b);
	put_idb(b, (uint16_t)pcap_datalink(pc), tsresol);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		uint64_t us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
		put_epb(b, tsresol == 9 ? us * 1000 + 999 : us, data, h->caplen);
	}
	pcap_close(pc);
	save(path, b, b->n);
}

static void test_pcapng(void)
{
	static struct buf b;
	char path[256];

	path_of(path, sizeof(path), "eth.pcapng");
	make_pcapng(path, AGENT_PCAP_LINK_ETHERNET, 0, &b);
	read_back(path, 0, DLT_EN10MB);
	read_back(path, PORT, DLT_EN10MB);
	/* Nanoseconds (the 999 ns beyond the µs are cut), Linux cooked. */
	path_of(path, sizeof(path), "sll-ns.pcapng");
	make_pcapng(path, AGENT_PCAP_LINK_SLL, 9, &b);
	read_back(path, 0, DLT_LINUX_SLL);
	path_of(path, sizeof(path), "sll2.pcapng");
	make_pcapng(path, AGENT_PCAP_LINK_SLL2, 0, &b);
	read_back(path, 0, DLT_LINUX_SLL2);
}

/* ---- frames to skip ----------------------------------------------------- */

/* The Ethernet frame of datagram i, as the writer makes it. */
static size_t eth_frame(int i, uint8_t *out)
{
	char path[256], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	size_t n = 0;

	path_of(path, sizeof(path), "one.pcap");
	write_file(path, AGENT_PCAP_LINK_ETHERNET);
	pc = pcap_open_offline(path, err);
	if (!CHECK(pc != NULL))
		return 0;
	for (int k = 0; k <= i && pcap_next_ex(pc, &h, &data) == 1; k++) {
		memcpy(out, data, h->caplen);
		n = h->caplen;
	}
	pcap_close(pc);
	return n;
}

static void test_skips(void)
{
	static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
		                         0,    0,    0,    0,    1,    0x08, 0x06 };
	struct agent_pcap_writer *w = NULL;
	struct agent_pcap_reader *r = NULL;
	const struct agent_pcap_stats *st;
	struct agent_pcap_udp d;
	uint8_t v0[2048], v4[2048], v6[2048], f[2048];
	size_t n0 = eth_frame(0, v0), n4 = eth_frame(2, v4), n6 = eth_frame(1, v6);
	char path[256], err[256];
	int got = 0;

	path_of(path, sizeof(path), "skips.pcap");
	CHECK_INT_EQ(agent_pcap_writer_new(path, AGENT_PCAP_LINK_ETHERNET, &w, err, sizeof(err)),
	             0);
	if (!w)
		return;
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, arp, sizeof(arp)), 0); /* link */
	memcpy(f, v4, n4);
	f[14 + 9] = 6; /* TCP */
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, f, n4), 0);
	memcpy(f, v4, n4);
	f[14 + 6] = 0x20; /* more fragments */
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, f, n4), 0);
	memcpy(f, v6, n6);
	f[14 + 6] = 44; /* an IPv6 fragment header next */
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, f, n6), 0);
	memcpy(f, v4, n4);
	f[14 + 20 + 4] = 0x7f; /* a UDP length beyond the packet */
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, f, n4), 0);
	/* Cut by a snap length: the IP length says more than was captured. */
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, v4, n4 - 10), 0);
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US, v4, 10), 0);
	/* Two VLAN tags (802.1ad, then 802.1Q) in front of datagram 2. */
	memcpy(f, v4, 12);
	memcpy(f + 12, (const uint8_t[]){ 0x88, 0xa8, 0, 100, 0x81, 0x00, 0, 200 }, 8);
	memcpy(f + 20, v4 + 12, n4 - 12);
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US + 5, f, n4 + 8), 0);
	/* Ethernet pads a short IPv4 packet to 60 bytes: not payload. */
	memset(f, 0, sizeof(f));
	memcpy(f, v0, n0);
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, T0_US + 6, f, 60), 0);
	CHECK_INT_EQ(agent_pcap_writer_write_raw(w, 0, f, 70000), V2X_ETOO_BIG);
	agent_pcap_writer_free(w);

	CHECK_INT_EQ(agent_pcap_reader_new(path, 0, &r, err, sizeof(err)), 0);
	if (!r)
		return;
	while (agent_pcap_reader_next(r, &d) == 1) {
		uint8_t payload[512];
		struct agent_pcap_udp want = dgram(got == 0 ? 2 : 0, payload);
		CHECK_UINT_EQ(d.len, want.len);
		CHECK_INT_EQ(d.ts_us, T0_US + 5 + got);
		if (d.len == want.len)
			CHECK_MEM_EQ(d.payload, want.payload, d.len);
		got++;
	}
	st = agent_pcap_reader_stats(r);
	CHECK_INT_EQ(got, 2);
	CHECK_UINT_EQ(st->records, 9);
	CHECK_UINT_EQ(st->skipped_link, 1);
	CHECK_UINT_EQ(st->skipped_not_udp, 1);
	CHECK_UINT_EQ(st->skipped_fragment, 2);
	CHECK_UINT_EQ(st->skipped_truncated, 3);
	agent_pcap_reader_free(r);
}

/* ---- damaged files ------------------------------------------------------ */

static void test_truncated(void)
{
	static struct buf b;
	char path[256], cut[256], err[256];
	struct agent_pcap_reader *r = NULL;
	struct agent_pcap_udp d;
	long size;
	FILE *f;
	int got = 0, rc;

	path_of(path, sizeof(path), "whole.pcap");
	write_file(path, AGENT_PCAP_LINK_ETHERNET);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	b.n = fread(b.b, 1, sizeof(b.b), f);
	fclose(f);
	size = (long)b.n;
	/* The last record cut short. */
	path_of(cut, sizeof(cut), "cut.pcap");
	save(cut, &b, (size_t)size - 5);
	CHECK_INT_EQ(agent_pcap_reader_new(cut, 0, &r, err, sizeof(err)), 0);
	if (r) {
		while ((rc = agent_pcap_reader_next(r, &d)) == 1)
			got++;
		CHECK_INT_EQ(rc, V2X_EIO);
		CHECK_INT_EQ(got, N_DGRAMS - 1);
		CHECK(agent_pcap_reader_error(r)[0] != '\0');
		printf("cut record: %s\n", agent_pcap_reader_error(r));
		agent_pcap_reader_free(r);
	}
	/* The file header cut short: refused at open, the path named. */
	save(cut, &b, 10);
	err[0] = '\0';
	CHECK_INT_EQ(agent_pcap_reader_new(cut, 0, &r, err, sizeof(err)), V2X_EIO);
	CHECK(r == NULL);
	CHECK(strstr(err, "cut.pcap: ") != NULL);
	printf("cut header: %s\n", err);
	/* An empty file and one that does not exist. */
	save(cut, &b, 0);
	CHECK_INT_EQ(agent_pcap_reader_new(cut, 0, &r, err, sizeof(err)), V2X_EIO);
	path_of(cut, sizeof(cut), "absent.pcap");
	CHECK_INT_EQ(agent_pcap_reader_new(cut, 0, &r, err, sizeof(err)), V2X_EIO);
	CHECK(strstr(err, "absent.pcap: ") != NULL);
	/* A pcapng whose last block is cut. */
	path_of(path, sizeof(path), "whole.pcapng");
	make_pcapng(path, AGENT_PCAP_LINK_ETHERNET, 0, &b);
	path_of(cut, sizeof(cut), "cut.pcapng");
	save(cut, &b, b.n - 12);
	got = 0;
	CHECK_INT_EQ(agent_pcap_reader_new(cut, 0, &r, err, sizeof(err)), 0);
	if (r) {
		while ((rc = agent_pcap_reader_next(r, &d)) == 1)
			got++;
		CHECK_INT_EQ(rc, V2X_EIO);
		CHECK_INT_EQ(got, N_DGRAMS - 1);
		printf("cut pcapng block: %s\n", agent_pcap_reader_error(r));
		agent_pcap_reader_free(r);
	}
}

static void test_writer_errors(void)
{
	struct agent_pcap_writer *w = NULL;
	struct agent_pcap_udp d;
	uint8_t payload[512];
	char path[256], err[256];

	CHECK_INT_EQ(agent_pcap_writer_new("/nonexistent/dir/x.pcap", AGENT_PCAP_LINK_RAW, &w, err,
	                                   sizeof(err)),
	             V2X_EIO);
	CHECK(w == NULL);
	CHECK(strstr(err, "/nonexistent/dir/x.pcap: ") != NULL);
	path_of(path, sizeof(path), "errors.pcap");
	CHECK_INT_EQ(agent_pcap_writer_new(path, (enum agent_pcap_link)9, &w, err, sizeof(err)),
	             V2X_EINVAL);
	CHECK_INT_EQ(agent_pcap_writer_new(path, AGENT_PCAP_LINK_RAW, &w, err, sizeof(err)), 0);
	if (!w)
		return;
	d = dgram(1, payload);
	d.family = 5;
	CHECK_INT_EQ(agent_pcap_writer_write(w, &d), V2X_EINVAL);
	d.family = 4;
	d.len = 65508;
	CHECK_INT_EQ(agent_pcap_writer_write(w, &d), V2X_ETOO_BIG);
	agent_pcap_writer_free(w);
	agent_pcap_writer_free(NULL);
	agent_pcap_reader_free(NULL);
}

static void test_pace(void)
{
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, 1), 1500000);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, 10), 150000);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, 0.5), 3000000);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, 0), 0);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, -1), 0);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, NAN), 0);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US + 1500, INFINITY), 0);
	CHECK_UINT_EQ(agent_pcap_pace_ns(T0_US, T0_US - 1500, 1), 0);
	CHECK_UINT_EQ(agent_pcap_pace_ns(INT64_MIN, INT64_MAX, 1e-6), UINT64_MAX);
}

static void remove_all(void)
{
	static const char *const names[] = {
		"rt.pcap",      "sums.pcap",  "frames.pcap", "eth.pcapng", "sll-ns.pcapng",
		"sll2.pcapng",  "one.pcap",   "skips.pcap",  "whole.pcap", "cut.pcap",
		"whole.pcapng", "cut.pcapng", "errors.pcap",
	};
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_of(path, sizeof(path), names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_checksums();
	test_pcapng();
	test_skips();
	test_truncated();
	test_writer_errors();
	test_pace();
	remove_all();
	return check_exit();
}
