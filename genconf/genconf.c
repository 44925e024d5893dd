/*
 * dcos-genconf: builds signed releases (vendor side) and compiles a site's
 * config into the store (site side).
 */
#include <config.h>

#include <stddef.h>

#include "fleet/fleet.h"
#include "genconf.h"
#include "siteconf.h"
#include "subcmd.h"

const struct subcmd genconf_commands[] = {
	{ "keygen", cmd_keygen, "[-f] [-p PUBKEY] [-s SECKEY]",
	  "create a minisign key pair (default " DEFAULT_PUB " and "
	  DEFAULT_SEC ")" },
	{ "sign", cmd_sign, "-s SECKEY [-t COMMENT] [-x SIGFILE] FILE...",
	  "write FILE.minisig (trusted comment file:NAME<TAB>sha256:HEX)" },
	{ "verify", cmd_verify, "-p PUBKEY [-x SIGFILE] FILE",
	  "verify FILE.minisig (and its sha256: field) with a public key" },
	{ "generate", cmd_generate, "[--release FILE] [--trusted-key FILE]... "
	  "[--genconf DIR] [--sign-key SECKEY] [--allow-downgrade]",
	  "compile genconf/config.yaml and the release into genconf/serve/ "
	  "(default)" },
	{ "package", cmd_package, "[-o OUT] [--id ID] DIR",
	  "build a reproducible package blob (tar.zst) from a package tree" },
	{ "release", cmd_release, "--name N --version V --seq S --key SECKEY "
	  "--roles FILE --bootstrap ARCH=FILE... [--genconf DIR] [-o OUTDIR] "
	  "PKGDIR...",
	  "build the signed master artifact N-V.tar and N-V.tar.minisig" },
	{ "validate", cmd_validate, "[--release FILE] [--trusted-key FILE]... "
	  "[--genconf DIR]",
	  "check genconf/config.yaml against the release's schema; writes "
	  "nothing" },
	{ "show", cmd_show, "[--release FILE] [--trusted-key FILE]... "
	  "[--genconf DIR] [--reveal-secrets]",
	  "print the effective config as YAML (defaults applied, secrets "
	  "masked)" },
	{ "hash-password", cmd_hash_password, "[PASSWORD]",
	  "print a SHA-512 crypt hash of the password (read without echo "
	  "when not given)" },
	{ "set-superuser-password", cmd_set_superuser_password,
	  "[--genconf DIR] [PASSWORD]",
	  "write its hash into genconf/config.yaml as superuser_password_hash" },
	{ "preflight", cmd_preflight, FLEET_USAGE,
	  "run dcos_install.sh --preflight-only on every host over ssh" },
	{ "deploy", cmd_deploy, FLEET_USAGE,
	  "install every host with its role over ssh (hosts fetch from "
	  "bootstrap_url)" },
	{ "status", cmd_status, FLEET_USAGE,
	  "every host's generation, release and config id, and its drift "
	  "from the store" },
	{ "upgrade", cmd_upgrade, FLEET_USAGE " [--batch N|N%] "
	  "[--max-failures N]",
	  "rolling deploy: masters one at a time, then agents in batches, "
	  "halting at --max-failures" },
	{ "uninstall", cmd_uninstall, FLEET_USAGE,
	  "run dcos-bootstrap uninstall on every host over ssh" },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return subcmd_main(genconf_commands, "generate",
	    "Build signed DC/OS releases and compile site configs into a store.",
	    argc, argv);
}
