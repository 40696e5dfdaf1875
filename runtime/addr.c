/*
 * addr: see addr.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "runtime/addr.h"
#include "runtime/err.h"

int v2x_addr_split(const char *addr, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strrchr(addr, ':'), *start = addr, *end = colon;
	char *stop;
	long v;

	if (!colon)
		return V2X_EPARSE;
	if (addr[0] == '[') {
		if (colon == addr || colon[-1] != ']')
			return V2X_EPARSE;
		start = addr + 1;
		end = colon - 1;
	}
	if (end <= start || (size_t)(end - start) >= hostlen)
		return V2X_EPARSE;
	errno = 0;
	v = strtol(colon + 1, &stop, 10);
	if (errno || stop == colon + 1 || *stop || v < 0 || v > 65535)
		return V2X_EPARSE;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	*port = (uint16_t)v;
	return 0;
}

int v2x_addr_ip(const char *host, uint16_t port, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)out) == 0 ||
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)out) == 0)
		return 0;
	return V2X_EPARSE;
}
