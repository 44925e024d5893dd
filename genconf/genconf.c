/* SPDX-License-Identifier: Apache-2.0 */
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
	{ "keygen", cmd_keygen, "[-f] [-p PUBKEY] [-s SECKEY] | --site "
	  "[--genconf DIR] [--force]",
	  "create a minisign key pair (default " DEFAULT_PUB " and "
	  DEFAULT_SEC "), or with --site the site key that seals secrets "
	  "(genconf/" SITE_KEY " and " SITE_PUB ")" },
	{ "sign", cmd_sign, "-s SECKEY [-t COMMENT] [-x SIGFILE] FILE...",
	  "write FILE.minisig (trusted comment file:NAME<TAB>sha256:HEX)" },
	{ "verify", cmd_verify, "-p PUBKEY [-x SIGFILE] FILE",
	  "verify FILE.minisig (and its sha256: field) with a public key" },
	{ "generate", cmd_generate, "[--release FILE] [--trusted-key FILE]... "
	  "[--genconf DIR] [--sign-key SECKEY] [--allow-downgrade]",
	  "compile genconf/config.yaml and the release into genconf/serve/ "
	  "(default)" },
	{ "package", cmd_package, "[-o OUT] [--id ID] DIR",
	  "build a reproducible package blob (tar.zst, or zip for a Windows "
	  "package) from a package tree" },
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
	  "bootstrap_url, or get the blobs pushed for file://)" },
	{ "postflight", cmd_postflight, FLEET_USAGE " [--timeout SEC]",
	  "run dcos-bootstrap check on every host until all pass or "
	  "--timeout" },
	{ "status", cmd_status, FLEET_USAGE,
	  "every host's generation, release and config id, verify and "
	  "journal, and its drift from the store" },
	{ "upgrade", cmd_upgrade, FLEET_USAGE " [--batch N|N%] "
	  "[--max-failures N] [--timeout SEC] [--rollback-on-failure]",
	  "rolling deploy gated by the health checks: masters one at a "
	  "time, then agents in batches, halting at --max-failures" },
	{ "prune", cmd_prune, "[--genconf DIR] [--keep N] [--dry-run] [--json]",
	  "remove from the store the cluster manifests, releases and blobs "
	  "its N newest cluster manifests do not need" },
	{ "uninstall", cmd_uninstall, FLEET_USAGE,
	  "run dcos-bootstrap uninstall on every host over ssh" },
	{ "web", cmd_web, "[-l ADDR:PORT] [--token-file FILE] "
	  "[--tls-cert FILE --tls-key FILE] [--genconf-dir DIR] "
	  "[--ssh-config FILE] [--accept-new-host-keys] [--release FILE] "
	  "[--trusted-key FILE]...",
	  "serve the web installer: configure, generate, preflight, deploy, "
	  "postflight, upgrade and the cluster's status in a browser" },
	{ NULL, NULL, NULL, NULL }
};

/* What each option does, for "dcos-genconf COMMAND -h". */
static const struct subcmd_help genconf_help[] = {
	{ "keygen", "-f", NULL, "overwrite existing key files" },
	{ "keygen", "--force", NULL, "overwrite existing key files" },
	{ "keygen", "--site", NULL, "make the site key pair that seals the "
	  "secrets bundles: DIR/" SITE_KEY " (0600, copied to each host "
	  "out of band) and DIR/" SITE_PUB },
	{ "keygen", "--genconf", "DIR", "where --site writes (default "
	  "genconf)" },
	{ "keygen", "-p", "PUBKEY", "where to write the public key" },
	{ "keygen", "-s", "SECKEY", "where to write the secret key (mode "
	  "0600)" },
	{ "sign", "-s", "SECKEY", "the minisign secret key to sign with" },
	{ "sign", "-t", "COMMENT", "the trusted comment (default file:NAME "
	  "and sha256:HEX, tab-separated)" },
	{ NULL, "-x", "SIGFILE", "the signature file (default FILE.minisig)" },
	{ "verify", "-p", "PUBKEY", "the minisign public key to verify with" },
	{ NULL, "--release", "FILE", "the signed master artifact (default: "
	  "the only *.tar with a .minisig here)" },
	{ NULL, "--trusted-key", "FILE", "a vendor public key to trust "
	  "(repeatable; default genconf/trusted-keys/*.pub, else "
	  "dcos-release.pub)" },
	{ NULL, "--genconf", "DIR", "the site directory (default genconf); "
	  "the store is DIR/serve" },
	{ "release", "--genconf", "DIR", "the release's schema.yaml and "
	  "templates/*.yaml" },
	{ NULL, "--sign-key", "SECKEY", "also sign dcos_install.sh (and "
	  "dcos_install.ps1) with the site's key (.minisig)" },
	{ NULL, "--allow-downgrade", NULL, "make a release with a lower seq "
	  "than the store's current one current (journaled in index.json)" },
	{ NULL, "-o", "OUT", "where to write the package blob (default "
	  "ID.tar.zst, or ID.zip for a Windows package, here)" },
	{ "release", "-o", "OUTDIR", "the directory to write N-V.tar and "
	  "N-V.tar.minisig to (default: the current directory)" },
	{ NULL, "--id", "ID", "the package id NAME--VERSION (default: the "
	  "directory's name)" },
	{ NULL, "--name", "N", "the release's name" },
	{ NULL, "--version", "V", "the release's version" },
	{ NULL, "--seq", "S", "a number that grows with every release: hosts "
	  "refuse a lower one" },
	{ NULL, "--key", "SECKEY", "the vendor's secret key" },
	{ NULL, "--roles", "FILE", "JSON: each role and the ports its hosts "
	  "must have free" },
	{ NULL, "--bootstrap", "ARCH=FILE", "the dcos-bootstrap binary for "
	  "an architecture (uname -m); repeatable" },
	{ "prune", "--keep", "N", "how many of the newest cluster manifests "
	  "to keep, the current one first (default 3)" },
	{ "prune", "--dry-run", NULL, "print what would be removed; change "
	  "nothing" },
	{ "prune", "--json", NULL, "print what was (or would be) removed as "
	  "JSON" },
	{ NULL, "--reveal-secrets", NULL, "print secret values instead of "
	  "masking them" },
	{ NULL, "--hosts", "FILE", "the hosts, one \"ADDR ROLE\" a line "
	  "(default: config.yaml's lists)" },
	{ NULL, "--role", "ROLE", "only the hosts of ROLE; repeatable" },
	{ NULL, "--host", "ADDR", "only this host of the cluster; repeatable" },
	{ NULL, "--accept-new-host-keys", NULL, "trust and remember the key "
	  "of a host not yet in known_hosts" },
	{ NULL, "--ssh-config", "FILE", "give FILE to ssh with -F" },
	{ NULL, "--tty", NULL, "run every command with ssh -tt (sudoers "
	  "with requiretty)" },
	{ NULL, "--json", NULL, "print the results as JSON" },
	{ NULL, "--batch", "N|N%", "agents per wave (default 10%)" },
	{ NULL, "--max-failures", "N", "halt before the next wave once more "
	  "hosts failed (default 0)" },
	{ NULL, "--timeout", "SEC", "how long a host's health checks may "
	  "keep failing before the host counts as failed (default 900)" },
	{ NULL, "--rollback-on-failure", NULL, "roll back (dcos-bootstrap "
	  "rollback) a host whose health checks fail after the switch" },
	{ "web", "-l", "ADDR:PORT", "where to listen (default 127.0.0.1:9000; "
	  "any other address takes a token)" },
	{ "web", "--token-file", "FILE", "the token API calls must send "
	  "(first line; default off loopback: a random one, printed once)" },
	{ "web", "--tls-cert", "FILE", "serve HTTPS with this PEM "
	  "certificate (with --tls-key)" },
	{ "web", "--tls-key", "FILE", "the PEM private key of --tls-cert" },
	{ "web", "--genconf-dir", "DIR", "the site directory (as --genconf)" },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	subcmd_set_help(genconf_help);
	return subcmd_main(genconf_commands, "generate",
	    "Build signed DC/OS releases and compile site configs into a store.",
	    argc, argv);
}
