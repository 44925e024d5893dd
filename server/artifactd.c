/* dcos-artifactd: serve, mirror and verify a store. */
#include <config.h>

#include <stddef.h>

#include "artifactd.h"
#include "subcmd.h"

const struct subcmd artifactd_commands[] = {
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return subcmd_main(artifactd_commands, NULL,
	    "Serve, mirror and verify a DC/OS artifact store.", argc, argv);
}
