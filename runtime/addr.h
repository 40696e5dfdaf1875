/*
 * addr: socket addresses as people write them in settings.
 */
#ifndef V2X_RUNTIME_ADDR_H
#define V2X_RUNTIME_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Splits "host:port" or "[ipv6]:port" (borrowed) into host (hostlen bytes,
 * without the brackets) and *port.  Returns 0, or V2X_EPARSE when there is
 * no port, the host is empty or longer than hostlen - 1, or the port is not
 * a number 0..65535.
 */
int v2x_addr_split(const char *addr, char *host, size_t hostlen, uint16_t *port);

/*
 * Fills *out with the IPv4 or else IPv6 address host (a numeric address,
 * not a name) and port.  Returns 0 or V2X_EPARSE.
 */
int v2x_addr_ip(const char *host, uint16_t port, struct sockaddr_storage *out);

#endif
