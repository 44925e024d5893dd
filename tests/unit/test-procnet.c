/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/net/{tcp,tcp6,udp,udp6} parsing: upper-case hex, native-endian
 * address words, TCP LISTEN only, every bound UDP socket.  The samples
 * are lines as Linux 6.x prints them.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicio.h"
#include "procnet.h"

#define HDR4 "  sl  local_address rem_address   st tx_queue rx_queue tr " \
	"tm->when retrnsmt   uid  timeout inode\n"
#define HDR6 "  sl  local_address                         remote_address" \
	"                        st tx_queue rx_queue tr tm->when retrnsmt" \
	"   uid  timeout inode\n"
#define TAIL " 00000000:00000000 00:00000000 00000000     0        0 648 1 " \
	"000000009415c1dd 100 0 0 10 0\n"

struct table_case {
	const char	*what;
	const char	*text;
	int		 proto, family;
	int		 rc;		/* expected procnet_parse result */
	size_t		 n;		/* sockets kept */
	uint16_t	 port;		/* first kept socket */
	const char	*addr;
	const char	*err;		/* substring of the message */
};

static const struct table_case cases[] = {
	{ "tcp listener on 127.0.0.1:8080 (upper-case hex)",
	  HDR4 "   0: 0100007F:1F90 00000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, 0, 1, 8080, "127.0.0.1", NULL },
	{ "tcp port 0xC350 is 50000, not a decimal misread",
	  HDR4 "   0: 00000000:C350 00000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, 0, 1, 50000, "0.0.0.0", NULL },
	{ "lower-case hex is read the same way",
	  HDR4 "   0: 0a00000a:c350 00000000:0000 0a" TAIL,
	  PROCNET_TCP, AF_INET, 0, 1, 50000, "10.0.0.10", NULL },
	{ "tcp connections that are not LISTEN hold no port",
	  HDR4
	  "   0: 0100007F:0035 0100007F:8448 01" TAIL
	  "   1: 0100007F:9806 0100007F:8448 06" TAIL
	  "   2: 0100007F:0050 0100007F:8448 08" TAIL,
	  PROCNET_TCP, AF_INET, 0, 0, 0, NULL, NULL },
	{ "tcp: only the LISTEN line of three counts",
	  HDR4
	  "   0: 0100007F:0050 0100007F:8448 01" TAIL
	  "   1: 00000000:0BB8 00000000:0000 0A" TAIL
	  "   2: 0100007F:0050 0100007F:8449 06" TAIL,
	  PROCNET_TCP, AF_INET, 0, 1, 3000, "0.0.0.0", NULL },
	{ "tcp6 listener on [::]:53",
	  HDR6 "   0: 00000000000000000000000000000000:0035 "
	  "00000000000000000000000000000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET6, 0, 1, 53, "::", NULL },
	{ "tcp6 listener on [::1]:2181",
	  HDR6 "   0: 00000000000000000000000001000000:0885 "
	  "00000000000000000000000000000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET6, 0, 1, 2181, "::1", NULL },
	{ "tcp6 listener on [fe80::1]:5050",
	  HDR6 "   0: 000080FE000000000000000001000000:13BA "
	  "00000000000000000000000000000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET6, 0, 1, 5050, "fe80::1", NULL },
	{ "udp socket bound to 53 holds it in state 07",
	  HDR4 "  123: 3500007F:0035 00000000:0000 07" TAIL,
	  PROCNET_UDP, AF_INET, 0, 1, 53, "127.0.0.53", NULL },
	{ "connected udp socket holds its local port too",
	  HDR4 "  123: 0100007F:E2A4 0100007F:0035 01" TAIL,
	  PROCNET_UDP, AF_INET, 0, 1, 58020, "127.0.0.1", NULL },
	{ "udp6 socket bound to [::]:61053",
	  HDR6 "  9: 00000000000000000000000000000000:EE7D "
	  "00000000000000000000000000000000:0000 07" TAIL,
	  PROCNET_UDP, AF_INET6, 0, 1, 61053, "::", NULL },
	{ "a table with the header only is empty",
	  HDR4, PROCNET_TCP, AF_INET, 0, 0, 0, NULL, NULL },
	{ "a table without a trailing newline parses",
	  HDR4 "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000",
	  PROCNET_TCP, AF_INET, 0, 1, 8080, "127.0.0.1", NULL },
	{ "an empty file is refused",
	  "", PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "empty" },
	{ "a file without the sl header is refused",
	  "   0: 0100007F:1F90 00000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "t:1: not a /proc/net" },
	{ "a non-hex digit in the port is refused with the line number",
	  HDR4 "   0: 0100007F:1F90 00000000:0000 0A" TAIL
	  "   1: 0100007F:1G90 00000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "t:3: bad local address" },
	{ "an IPv6 address in the IPv4 table is refused",
	  HDR4 "   0: 00000000000000000000000000000000:0035 "
	  "00000000000000000000000000000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "t:2: bad local address" },
	{ "a short address is refused",
	  HDR4 "   0: 100007F:1F90 00000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "bad local address" },
	{ "a missing state is refused",
	  HDR4 "   0: 0100007F:1F90 00000000:0000\n",
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "t:2: bad state" },
	{ "a bad remote address is refused",
	  HDR4 "   0: 0100007F:1F90 00000000-0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "bad remote address" },
	{ "a line without a slot number is refused",
	  HDR4 "   x: 0100007F:1F90 00000000:0000 0A" TAIL,
	  PROCNET_TCP, AF_INET, -1, 0, 0, NULL, "t:2: expected a slot" },
};

static void
table_cases(void **state)
{
	struct procnet	 pn;
	char		 addr[64], *err;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct table_case *c = &cases[i];

		print_message("# %s\n", c->what);
		memset(&pn, 0, sizeof(pn));
		err = NULL;
		rc = procnet_parse(&pn, c->text, strlen(c->text), c->proto,
		    c->family, "t", &err);
		assert_int_equal(rc, c->rc);
		if (rc == -1) {
			assert_non_null(err);
			if (strstr(err, c->err) == NULL)
				fail_msg("%s: message '%s' lacks '%s'",
				    c->what, err, c->err);
		} else {
			assert_null(err);
			assert_int_equal(pn.n, c->n);
		}
		if (rc == 0 && c->n > 0) {
			assert_int_equal(pn.socks[0].port, c->port);
			assert_int_equal(pn.socks[0].proto, c->proto);
			procnet_addr(&pn.socks[0], addr, sizeof(addr));
			assert_string_equal(addr, c->addr);
		}
		free(err);
		procnet_free(&pn);
	}
}

static void
find_tells_tcp_from_udp(void **state)
{
	static const char tcp[] = HDR4
	    "   0: 00000000:0035 00000000:0000 0A" TAIL;
	static const char udp[] = HDR4
	    "   0: 00000000:1F90 00000000:0000 07" TAIL;
	struct procnet	 pn;
	char		*err = NULL;

	memset(&pn, 0, sizeof(pn));
	assert_int_equal(procnet_parse(&pn, tcp, strlen(tcp), PROCNET_TCP,
	    AF_INET, "tcp", &err), 0);
	assert_int_equal(procnet_parse(&pn, udp, strlen(udp), PROCNET_UDP,
	    AF_INET, "udp", &err), 0);
	assert_non_null(procnet_find(&pn, PROCNET_TCP, 53));
	assert_null(procnet_find(&pn, PROCNET_UDP, 53));
	assert_non_null(procnet_find(&pn, PROCNET_UDP, 8080));
	assert_null(procnet_find(&pn, PROCNET_TCP, 8080));
	procnet_free(&pn);
	procnet_free(NULL);
}

static void
write_table(const char *dir, const char *name, const char *text)
{
	char	 path[512], *err = NULL;

	snprintf(path, sizeof(path), "%s/net/%s", dir, name);
	assert_int_equal(atomic_write_file(path, text, strlen(text), 0644,
	    &err), 0);
}

static void
load_reads_the_four_tables(void **state)
{
	char		 dir[] = "/tmp/test-procnet.XXXXXX", net[512];
	char		 path[528], *err = NULL;
	struct procnet	 pn;

	assert_non_null(mkdtemp(dir));
	snprintf(net, sizeof(net), "%s/net", dir);
	assert_int_equal(mkdir(net, 0755), 0);
	memset(&pn, 0, sizeof(pn));
	/* No tcp at all: refused, naming the file. */
	assert_int_equal(procnet_load(&pn, dir, &err), -1);
	assert_non_null(strstr(err, "/net/tcp"));
	free(err);
	err = NULL;
	write_table(dir, "tcp", HDR4 "   0: 0100007F:1F90 00000000:0000 0A"
	    TAIL);
	write_table(dir, "udp", HDR4 "   0: 00000000:0035 00000000:0000 07"
	    TAIL);
	/* Without tcp6/udp6 (no IPv6 in the kernel) the rest is read. */
	assert_int_equal(procnet_load(&pn, dir, &err), 0);
	assert_int_equal(pn.n, 2);
	write_table(dir, "tcp6", HDR6
	    "   0: 00000000000000000000000000000000:0885 "
	    "00000000000000000000000000000000:0000 0A" TAIL);
	write_table(dir, "udp6", HDR6);
	procnet_free(&pn);
	assert_int_equal(procnet_load(&pn, dir, &err), 0);
	assert_int_equal(pn.n, 3);
	assert_non_null(procnet_find(&pn, PROCNET_TCP, 2181));
	procnet_free(&pn);
	/* A corrupt table fails the whole load. */
	write_table(dir, "udp6", "garbage\n");
	assert_int_equal(procnet_load(&pn, dir, &err), -1);
	assert_non_null(strstr(err, "udp6:1"));
	free(err);
	procnet_free(&pn);
	const char *names[] = { "tcp", "tcp6", "udp", "udp6" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", net, names[i]);
		unlink(path);
	}
	rmdir(net);
	rmdir(dir);
}

static void
load_reads_this_hosts_tables(void **state)
{
	struct procnet	 pn;
	char		*err = NULL;

	memset(&pn, 0, sizeof(pn));
	/* Whatever this machine has open, the real tables must parse. */
	if (procnet_load(&pn, "/proc", &err) == -1)
		fail_msg("%s", err);
	procnet_free(&pn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_cases),
		cmocka_unit_test(find_tells_tcp_from_udp),
		cmocka_unit_test(load_reads_the_four_tables),
		cmocka_unit_test(load_reads_this_hosts_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
