/*
 * test_addr: splitting and reading socket addresses.
 */
#include <netinet/in.h>
#include <string.h>

#include "runtime/addr.h"
#include "runtime/err.h"
#include "tests/check.h"

static void split_ok(const char *addr, const char *want_host, uint16_t want_port)
{
	char host[64];
	uint16_t port = 1;

	CHECK_INT_EQ(v2x_addr_split(addr, host, sizeof(host), &port), 0);
	CHECK_STR_EQ(host, want_host);
	CHECK_INT_EQ(port, want_port);
}

int main(void)
{
	static const char *const bad[] = { "nowhere", ":80",     "host:", "host:x", "host:65536",
		                           "host:-1", "[::1]80", "[]:80", "[::1:80" };
	struct sockaddr_storage ss;
	char host[8];
	uint16_t port;

	split_ok("127.0.0.1:7600", "127.0.0.1", 7600);
	split_ok("broker.pilot:0", "broker.pilot", 0);
	split_ok("[2001:db8::7]:30301", "2001:db8::7", 30301);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT_EQ(v2x_addr_split(bad[i], host, sizeof(host), &port), V2X_EPARSE);
	CHECK_INT_EQ(v2x_addr_split("a-long-host:1", host, sizeof(host), &port), V2X_EPARSE);

	CHECK_INT_EQ(v2x_addr_ip("192.0.2.7", 30301, &ss), 0);
	CHECK_INT_EQ(ss.ss_family, AF_INET);
	CHECK_INT_EQ(ntohs(((struct sockaddr_in *)&ss)->sin_port), 30301);
	CHECK_INT_EQ(v2x_addr_ip("::1", 9, &ss), 0);
	CHECK_INT_EQ(ss.ss_family, AF_INET6);
	CHECK_INT_EQ(v2x_addr_ip("broker.pilot", 9, &ss), V2X_EPARSE);
	return check_exit();
}
