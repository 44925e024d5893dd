/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/net/{tcp,tcp6,udp,udp6} tables.  The first input byte picks the
 * table kind, the rest is its text; every socket kept must be findable
 * and print as an address.
 */
#include <config.h>

#include <sys/socket.h>

#include "fuzz.h"
#include "procnet.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procnet		 pn = { NULL, 0, 0 };
	char			 addr[64], *err = NULL;
	size_t			 i;
	int			 proto, family;

	if (size == 0)
		return 0;
	proto = data[0] & 1 ? PROCNET_UDP : PROCNET_TCP;
	family = data[0] & 2 ? AF_INET6 : AF_INET;
	if (procnet_parse(&pn, (const char *)data + 1, size - 1, proto,
	    family, "fuzz", &err) == 0) {
		for (i = 0; i < pn.n; i++) {
			if (pn.socks[i].proto != proto ||
			    pn.socks[i].family != family)
				fuzz_fail("socket %zu of another table", i);
			if (procnet_find(&pn, proto, pn.socks[i].port) == NULL)
				fuzz_fail("port %u not found",
				    pn.socks[i].port);
			procnet_addr(&pn.socks[i], addr, sizeof(addr));
		}
	} else if (err == NULL)
		fuzz_fail("refused without a message");
	free(err);
	procnet_free(&pn);
	return 0;
}
