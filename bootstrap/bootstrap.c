/*
 * dcos-bootstrap: runs on every host, statically linked.  It never talks
 * to the network (dcos_install.sh downloads) and never calls NSS.
 */
#include <config.h>

#include <stddef.h>

#include "bootstrap.h"
#include "subcmd.h"

const struct subcmd bootstrap_commands[] = {
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return subcmd_main(bootstrap_commands, NULL,
	    "Verify, install, switch and audit DC/OS on this host.",
	    argc, argv);
}
