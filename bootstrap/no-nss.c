/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The static dcos-bootstrap must never use NSS or load shared objects
 * (dcos-bootstrap(8), DESCRIPTION): libcrypto references getaddrinfo, getnameinfo, gethostbyname
 * and dlopen
 * for features we never use (BIO sockets, engines).  These definitions take
 * the place of glibc's in the static link, so those paths fail cleanly
 * instead of loading host libraries at run time.  (The linker still warns
 * about dlopen: libc.a's own dlopen object comes in for iconv, and its
 * warning names the symbol, not the definition that was chosen.)
 */
#include <config.h>

#include <sys/socket.h>

#include <netdb.h>
#include <stddef.h>

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	*res = NULL;
	return EAI_FAIL;
}

void
freeaddrinfo(struct addrinfo *ai)
{
}

int
getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	return EAI_FAIL;
}

struct hostent *
gethostbyname(const char *name)
{
	h_errno = NO_RECOVERY;
	return NULL;
}

void *
dlopen(const char *file, int mode)
{
	return NULL;
}
