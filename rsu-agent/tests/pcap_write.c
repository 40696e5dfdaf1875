/*
 * pcap-write: writes a capture with libpcap (through agent_pcap_writer)
 * for the agent's end-to-end tests.
 *
 *   pcap-write OUT.pcap PORT [ethernet|sll|raw] < LINES
 *
 * Each line of standard input is `TS_US HEX`: a capture time in µs since
 * the epoch and a UDP payload in hex, written as a datagram from
 * 127.0.0.1:40000 to 127.0.0.1:PORT.  Exit 0, or 1 with the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/hexline.h"
#include "rsu-agent/ingest/pcapio.h"

static int link_of(const char *name, enum agent_pcap_link *out)
{
	static const char *const names[] = { "ethernet", "sll", "sll2", "raw" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum agent_pcap_link)i;
			return 0;
		}
	return -1;
}

static int write_lines(struct agent_pcap_writer *w, uint16_t port)
{
	static uint8_t payload[65536];
	struct agent_pcap_udp d = { .family = 4,
		                    .src_addr = { 127, 0, 0, 1 },
		                    .dst_addr = { 127, 0, 0, 1 },
		                    .src_port = 40000,
		                    .dst_port = port,
		                    .payload = payload };
	char line[140000], err[160];
	long n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *hex;

		n++;
		d.ts_us = strtoll(line, &hex, 10);
		while (*hex == ' ')
			hex++;
		hex[strcspn(hex, "\r\n")] = '\0';
		if (v2x_hexline_parse(hex, payload, sizeof(payload), &d.len, err, sizeof(err)) !=
		            0 ||
		    agent_pcap_writer_write(w, &d) != 0) {
			fprintf(stderr, "pcap-write: line %ld: %s\n", n, err);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct agent_pcap_writer *w;
	enum agent_pcap_link link = AGENT_PCAP_LINK_ETHERNET;
	char err[256];
	int rc;

	if (argc < 3 || (argc > 3 && link_of(argv[3], &link) != 0)) {
		fprintf(stderr,
		        "usage: pcap-write OUT.pcap PORT [ethernet|sll|sll2|raw] < LINES\n");
		return 2;
	}
	if (agent_pcap_writer_new(argv[1], link, &w, err, sizeof(err)) != 0) {
		fprintf(stderr, "pcap-write: %s\n", err);
		return 1;
	}
	rc = write_lines(w, (uint16_t)atoi(argv[2]));
	if (agent_pcap_writer_flush(w) != 0)
		rc = 1;
	agent_pcap_writer_free(w);
	return rc;
}
