/* dcos-artifactd: serve, mirror and verify a store. */
#include <config.h>

#include <stddef.h>

#include "artifactd.h"
#include "subcmd.h"

const struct subcmd artifactd_commands[] = {
	{ "mirror", cmd_mirror,
	    "[-qv] [-j N] [-k KEY.pub] [-r N] URL... DIR",
	    "copy a store from URLs into DIR, verifying every blob" },
	{ "fsck", cmd_fsck, "[-qv] [-k KEY.pub] DIR",
	    "verify a store in place; list every problem" },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return subcmd_main(artifactd_commands, NULL,
	    "Serve, mirror and verify a DC/OS artifact store.", argc, argv);
}
