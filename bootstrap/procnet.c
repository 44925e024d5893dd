/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/net/{tcp,tcp6,udp,udp6} parsing.  The kernel prints each socket
 * as "sl: LOCAL REMOTE st ...", addresses and ports in upper-case hex;
 * an IPv4 address is the native-endian 32-bit word holding the network
 * order bytes, an IPv6 address four such words.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "procnet.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses exactly n hex digits at s into *v.  0 or -1. */
static int
hex_n(const char *s, size_t n, uint32_t *v)
{
	size_t	 i;
	int	 d;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((d = hexval((unsigned char)s[i])) == -1)
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

/*
 * Parses "ADDR:PORT" of exactly tok_len bytes, ADDR being 8 (IPv4) or 32
 * (IPv6) hex digits.  0 or -1.
 */
static int
parse_endpoint(const char *tok, size_t tok_len, int family,
    unsigned char addr[16], uint16_t *port)
{
	size_t		 alen = family == AF_INET ? 8 : 32, i;
	uint32_t	 w;

	if (tok_len != alen + 5 || tok[alen] != ':')
		return -1;
	memset(addr, 0, 16);
	for (i = 0; i < alen / 8; i++) {
		if (hex_n(tok + i * 8, 8, &w) == -1)
			return -1;
		/* The kernel printed the word as it lies in memory. */
		memcpy(addr + i * 4, &w, 4);
	}
	if (hex_n(tok + alen + 1, 4, &w) == -1)
		return -1;
	*port = (uint16_t)w;
	return 0;
}

/* Splits the next whitespace-separated token off [*pp, end). */
static const char *
next_tok(const char **pp, const char *end, size_t *lenp)
{
	const char	*p = *pp, *start;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*pp = p;
	*lenp = (size_t)(p - start);
	return *lenp > 0 ? start : NULL;
}

static int
append(struct procnet *pn, const struct procnet_sock *s, char **errp)
{
	struct procnet_sock	*ns;
	size_t			 ncap;

	if (pn->n == pn->cap) {
		ncap = pn->cap == 0 ? 64 : pn->cap * 2;
		if ((ns = reallocarray(pn->socks, ncap, sizeof(*ns))) == NULL)
			return err_set(errp, "out of memory");
		pn->socks = ns;
		pn->cap = ncap;
	}
	pn->socks[pn->n++] = *s;
	return 0;
}

static int
parse_line(struct procnet *pn, const char *p, const char *end, int proto,
    int family, char **errp)
{
	struct procnet_sock	 s;
	unsigned char		 raddr[16];
	const char		*tok;
	size_t			 len, i;
	uint32_t		 st;
	uint16_t		 rport;

	/* "sl:" — a decimal slot number and a colon. */
	if ((tok = next_tok(&p, end, &len)) == NULL || len < 2 ||
	    tok[len - 1] != ':')
		return err_set(errp, "expected a slot number");
	for (i = 0; i < len - 1; i++)
		if (tok[i] < '0' || tok[i] > '9')
			return err_set(errp, "expected a slot number");
	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.family = family;
	if ((tok = next_tok(&p, end, &len)) == NULL ||
	    parse_endpoint(tok, len, family, s.addr, &s.port) == -1)
		return err_set(errp, "bad local address");
	if ((tok = next_tok(&p, end, &len)) == NULL ||
	    parse_endpoint(tok, len, family, raddr, &rport) == -1)
		return err_set(errp, "bad remote address");
	if ((tok = next_tok(&p, end, &len)) == NULL || len != 2 ||
	    hex_n(tok, 2, &st) == -1)
		return err_set(errp, "bad state");
	/*
	 * A TCP port is taken only by a listener (connections in other
	 * states do not stop a server from binding); a UDP port by any
	 * socket bound to it, whatever its state.
	 */
	if (proto == PROCNET_TCP && st != PROCNET_TCP_LISTEN)
		return 0;
	if (s.port == 0)
		return 0;
	return append(pn, &s, errp);
}

int
procnet_parse(struct procnet *pn, const char *text, size_t len, int proto,
    int family, const char *name, char **errp)
{
	const char	*p = text, *end = text + len, *eol, *q;
	size_t		 lineno = 0;

	if (family != AF_INET && family != AF_INET6)
		return err_set(errp, "%s: unknown address family", name);
	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		lineno++;
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			;
		if (lineno == 1) {
			if (eol - q < 2 || q[0] != 's' || q[1] != 'l')
				return err_set(errp, "%s:1: not a /proc/net "
				    "socket table (no 'sl' header)", name);
		} else if (q < eol &&
		    parse_line(pn, q, eol, proto, family, errp) == -1)
			return err_wrap(errp, "%s:%zu", name, lineno);
		p = eol + 1;
	}
	if (lineno == 0)
		return err_set(errp, "%s: empty (not a /proc/net socket "
		    "table)", name);
	return 0;
}

/* A whole /proc table; ENOENT is 1 without a message for optional ones. */
static int
read_table(const char *path, int optional, char **bufp, size_t *lenp,
    char **errp)
{
	if (optional && access(path, F_OK) == -1 && errno == ENOENT)
		return 1;
	return read_file(path, PROCNET_MAX, bufp, lenp, errp);
}

int
procnet_load(struct procnet *pn, const char *procdir, char **errp)
{
	static const struct {
		const char	*name;
		int		 proto, family, optional;
	} tables[] = {
		{ "tcp", PROCNET_TCP, AF_INET, 0 },
		{ "tcp6", PROCNET_TCP, AF_INET6, 1 },
		{ "udp", PROCNET_UDP, AF_INET, 0 },
		{ "udp6", PROCNET_UDP, AF_INET6, 1 },
	};
	char	*path = NULL, *buf = NULL;
	size_t	 i, len = 0;
	int	 r, rc = -1;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		free(path);
		if (asprintf(&path, "%s/net/%s", procdir,
		    tables[i].name) == -1) {
			path = NULL;
			err_set(errp, "out of memory");
			goto out;
		}
		if ((r = read_table(path, tables[i].optional, &buf, &len,
		    errp)) == 1)
			continue;
		if (r == -1)
			goto out;
		r = procnet_parse(pn, buf, len, tables[i].proto,
		    tables[i].family, path, errp);
		free(buf);
		buf = NULL;
		if (r == -1)
			goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

const struct procnet_sock *
procnet_find(const struct procnet *pn, int proto, uint16_t port)
{
	size_t	 i;

	for (i = 0; i < pn->n; i++)
		if (pn->socks[i].proto == proto && pn->socks[i].port == port)
			return &pn->socks[i];
	return NULL;
}

void
procnet_addr(const struct procnet_sock *s, char *buf, size_t size)
{
	if (inet_ntop(s->family, s->addr, buf, (socklen_t)size) == NULL &&
	    size > 0)
		buf[0] = '\0';
}

void
procnet_free(struct procnet *pn)
{
	if (pn == NULL)
		return;
	free(pn->socks);
	pn->socks = NULL;
	pn->n = pn->cap = 0;
}
