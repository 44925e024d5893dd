/*
 * dcos-genconf: builds signed releases (vendor side) and compiles a site's
 * config into the store (site side).
 */
#include <config.h>

#include <stddef.h>

#include "genconf.h"
#include "subcmd.h"

const struct subcmd genconf_commands[] = {
	{ "keygen", cmd_keygen, "[-f] [-p PUBKEY] [-s SECKEY]",
	  "create a minisign key pair (default " DEFAULT_PUB " and "
	  DEFAULT_SEC ")" },
	{ "sign", cmd_sign, "-s SECKEY [-t COMMENT] [-x SIGFILE] FILE...",
	  "write FILE.minisig (trusted comment file:NAME<TAB>sha256:HEX)" },
	{ "verify", cmd_verify, "-p PUBKEY [-x SIGFILE] FILE",
	  "verify FILE.minisig (and its sha256: field) with a public key" },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return subcmd_main(genconf_commands, NULL,
	    "Build signed DC/OS releases and compile site configs into a store.",
	    argc, argv);
}
