/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sockets that hold local ports, read from the kernel's tables
 * /proc/net/{tcp,tcp6,udp,udp6}.  No NSS, no netlink: the tables are
 * plain text, so a static binary reads them anywhere.
 */
#ifndef DCOS_PROCNET_H
#define DCOS_PROCNET_H

#include <stddef.h>
#include <stdint.h>

#define PROCNET_TCP	1
#define PROCNET_UDP	2

/* The kernel's TCP_LISTEN state, as printed in the "st" column. */
#define PROCNET_TCP_LISTEN	0x0A

/* Largest table we read: far above any real host, bounds memory. */
#define PROCNET_MAX	(64 * 1024 * 1024)

struct procnet_sock {
	int		 proto;		/* PROCNET_TCP or PROCNET_UDP */
	int		 family;	/* AF_INET or AF_INET6 */
	uint16_t	 port;
	unsigned char	 addr[16];	/* network byte order */
};

struct procnet {
	struct procnet_sock	*socks;
	size_t			 n;
	size_t			 cap;
};

/*
 * Parses the text of one table (the header line and one line per socket)
 * and appends the sockets that hold a local port: TCP sockets in the
 * LISTEN state and every UDP socket bound to a non-zero port.  family is
 * AF_INET or AF_INET6 and fixes the address width; name is used in
 * messages.  Returns 0, or -1 with *errp ("NAME:LINE: problem").
 */
int	 procnet_parse(struct procnet *, const char *text, size_t len,
	    int proto, int family, const char *name, char **errp);
/*
 * Reads tcp, tcp6, udp and udp6 under procdir ("/proc" on a real host;
 * the tables are procdir/net/NAME).  tcp6 and udp6 may be absent (kernel
 * without IPv6); tcp and udp must be there.  0 or -1 with *errp.
 */
int	 procnet_load(struct procnet *, const char *procdir, char **errp);
/* The first socket of proto holding port, or NULL when it is free. */
const struct procnet_sock *procnet_find(const struct procnet *, int proto,
	    uint16_t port);
/* Writes the socket's local address ("127.0.0.1", "::") into buf. */
void	 procnet_addr(const struct procnet_sock *, char *buf, size_t size);
/* Frees the table's memory (not pn itself); accepts an empty table. */
void	 procnet_free(struct procnet *);

#endif
