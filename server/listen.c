/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd serve: the listening sockets of --listen.
 */
#include <config.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "serve.h"

/*
 * Splits a copy of l->spec, host, into its address (empty for "any") and
 * port.  Returns 0, or -1 with *errp.
 */
static int
split_spec(const struct listener *l, char *host, char **addrp, char **portp,
    char **errp)
{
	char	*end, *port;

	*addrp = host;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (end == NULL || end[1] != ':')
			return err_set(errp, "--listen %s: use [IPV6]:PORT, "
			    "e.g. [::]:8080", l->spec);
		*end = '\0';
		*addrp = host + 1;
		port = end + 2;
	} else {
		if ((port = strrchr(host, ':')) == NULL)
			return err_set(errp, "--listen %s: use ADDR:PORT, e.g. "
			    "0.0.0.0:8080 or [::]:8080", l->spec);
		*port++ = '\0';
	}
	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) > 65535)
		return err_set(errp, "--listen %s: the port must be a number "
		    "from 0 to 65535", l->spec);
	*portp = port;
	return 0;
}

/*
 * Names the bound address in l->name, for the logs.  Returns 0, or -1
 * with errno.
 */
static int
name_listener(struct listener *l, int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 host_s[INET6_ADDRSTRLEN + 1];
	char			 port_s[16];

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return -1;
	if (getnameinfo((struct sockaddr *)&ss, sslen, host_s, sizeof(host_s),
	    port_s, sizeof(port_s), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(l->name, sizeof(l->name), "%s", l->spec);
	else if (ss.ss_family == AF_INET6)
		snprintf(l->name, sizeof(l->name), "[%s]:%s", host_s, port_s);
	else
		snprintf(l->name, sizeof(l->name), "%s:%s", host_s, port_s);
	return 0;
}

/*
 * Binds one --listen value: "ADDR:PORT" or "[ADDR6]:PORT", numeric only
 * (no name service lookups).  Port 0 picks a free port.  It does not
 * listen yet: bound while root, it refuses connections until the store is
 * loaded under the user serve becomes.
 */
int
listen_bind(struct listener *l, char **errp)
{
	struct addrinfo		 hints, *ai = NULL;
	char			*host = NULL, *addr = NULL, *port = NULL;
	int			 fd = -1, one = 1, gai, rc = -1;

	if ((host = strdup(l->spec)) == NULL)
		return err_set(errp, "out of memory");
	if (split_spec(l, host, &addr, &port, errp) == -1)
		goto out;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((gai = getaddrinfo(*addr != '\0' ? addr : NULL, port, &hints,
	    &ai)) != 0) {
		err_set(errp, "--listen %s: %s (give a numeric address and "
		    "port)", l->spec, gai_strerror(gai));
		goto out;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1) {
		err_sys(errp, "--listen %s", l->spec);
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] and 0.0.0.0 are separate listeners: keep them apart. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		err_sys(errp, "--listen %s: cannot bind", l->spec);
		goto out;
	}
	if (name_listener(l, fd) == -1) {
		err_sys(errp, "--listen %s", l->spec);
		goto out;
	}
	l->fd = fd;
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (ai != NULL)
		freeaddrinfo(ai);
	free(host);
	return rc;
}
