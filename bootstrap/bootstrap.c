/*
 * dcos-bootstrap: runs on every host, statically linked.  It never talks
 * to the network (dcos_install.sh downloads) and never calls NSS.
 */
#include <config.h>

#include <stddef.h>

#include "bootstrap.h"
#include "preflight.h"
#include "subcmd.h"

const struct subcmd bootstrap_commands[] = {
	{ "preflight", cmd_preflight, "MANIFEST --cache DIR --role ROLE... "
	    "[--root DIR] [--proc DIR] [--timeout SEC]",
	    "check that this host can take the release (exit 1 on FAIL)" },
	{ "missing", cmd_missing, "MANIFEST --cache DIR [--preflight]",
	    "list the blobs the cache still lacks (digest, size, path)" },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return subcmd_main(bootstrap_commands, NULL,
	    "Verify, install, switch and audit DC/OS on this host.",
	    argc, argv);
}
