/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-bootstrap: runs on every host, statically linked.  It never talks
 * to the network (dcos_install.sh downloads) and never calls NSS.
 */
#include <config.h>

#include <getopt.h>
#include <stddef.h>

#include <openssl/crypto.h>

#include "bootstrap.h"
#include "preflight.h"
#include "subcmd.h"

const struct subcmd bootstrap_commands[] = {
	{ "preflight", cmd_preflight, "MANIFEST --cache DIR --role ROLE... "
	    "[--root DIR] [--proc DIR] [--sys DIR] [--timeout SEC] [--change-roles] "
	    "[--json]",
	    "check that this host can take the release (exit 1 on FAIL)" },
	{ "missing", cmd_missing, "MANIFEST --cache DIR [--preflight] "
	    "[--role ROLE]... [--root DIR] [--json]",
	    "list the blobs the cache still lacks and the host does not "
	    "have (digest, size, path)" },
	{ "install", cmd_install,
	    "[--cache DIR] [--root DIR] [--no-start] [--allow-downgrade] "
	    "[--check] [--rollback-on-failure] [--timeout SEC] "
	    "[--change-roles] [--made-dir REL]... MANIFEST --role ROLE...",
	    "verify a cluster manifest's blobs, extract, build and switch "
	    "to a new generation" },
	{ "activate", cmd_activate, "[--root DIR] [--no-start]",
	    "finish an interrupted switch: current, roles, users, units" },
	{ "rollback", cmd_rollback, "[--to N] [--root DIR] [--no-start]",
	    "switch back to the previous (or the given) generation" },
	{ "status", cmd_status, "[--check] [--json] [--root DIR]",
	    "the active generation, release, roles, config and journal" },
	{ "verify", cmd_verify, "[--root DIR] [--json]",
	    "audit installed files against their package manifests" },
	{ "check", cmd_check, "[--root DIR] [--timeout SEC] [--json]",
	    "run the active generation's health checks (exit 1 on a "
	    "critical one)" },
	{ "sysctl", cmd_sysctl, "[--root DIR] SERVICE",
	    "apply the sysctl settings the packages give SERVICE (a unit's "
	    "ExecStartPre)" },
	{ "repair", cmd_repair, "[--root DIR] [--cache DIR] [--config]",
	    "put back what verify finds drifted (packages and secret files "
	    "from their verified blobs)" },
	{ "gc", cmd_gc, "[--keep K] [--root DIR]",
	    "remove old generations and packages no longer used" },
	{ "uninstall", cmd_uninstall, "[--root DIR]",
	    "remove everything an install created" },
	{ NULL, NULL, NULL, NULL }
};

/* What each option does, for "dcos-bootstrap COMMAND -h". */
static const struct subcmd_help bootstrap_help[] = {
	{ "repair", "--config", NULL, "also put back the config package's "
	  "files, which operators may edit live (kept otherwise)" },
	{ NULL, "--cache", "DIR", "the blob cache, DIR/blobs/sha256/HEX "
	  "(default /var/lib/dcos/bootstrap/cache)" },
	{ NULL, "--role", "ROLE", "master, slave or slave_public; repeatable" },
	{ NULL, "--root", "DIR", "the host lives under DIR instead of / "
	  "(image baking, tests)" },
	{ NULL, "--proc", "DIR", "read DIR/net, DIR/cpuinfo, DIR/meminfo, "
	  "DIR/modules and DIR/mounts instead of /proc's" },
	{ NULL, "--sys", "DIR", "look for built-in kernel modules in "
	  "DIR/module instead of /sys/module" },
	{ "install", "--timeout", "SEC", "with --check: how long the checks "
	  "may take to pass (default 60)" },
	{ "install", "--check", NULL, "run the health checks after the "
	  "switch; exit 1 when they do not pass within --timeout" },
	{ "status", "--check", NULL, "exit 1 on any problem: an unfinished "
	  "activation, units not started, a failed check, a damaged journal" },
	{ NULL, "--rollback-on-failure", NULL, "--check, and roll back "
	  "(journaled) when the checks do not pass within --timeout" },
	{ "preflight", "--change-roles", NULL, "pass the role check: the "
	  "install changes this host's roles on purpose" },
	{ NULL, "--change-roles", NULL, "change this host's roles on purpose: "
	  "stop, switch, start (journaled)" },
	{ NULL, "--timeout", "SEC", "the time limit of each check" },
	{ NULL, "--preflight", NULL, "only the blobs the preflight checks "
	  "read" },
	{ "missing", "--role", "ROLE", "a role of the host: only its secrets "
	  "bundle is listed (default: every role's); repeatable" },
	{ NULL, "--no-start", NULL, "switch, but do not start dcos.target" },
	{ NULL, "--allow-downgrade", NULL, "install a release with a lower "
	  "seq than the host's highest (journaled)" },
	{ NULL, "--made-dir", "REL", "a directory the caller made for the "
	  "install (uninstall removes it); repeatable" },
	{ NULL, "--to", "N", "the generation to switch to (default: the "
	  "previous one)" },
	{ NULL, "--json", NULL, "print the result as one JSON document on "
	  "stdout (docs/formats.md \"JSON output\")" },
	{ NULL, "--keep", "K", "generations to keep, the active one "
	  "included" },
	{ NULL, NULL, NULL, NULL }
};

int
cmd_args(const struct subcmd *cmd, int argc, char **argv,
    const struct option *longopts, cmd_opt_fn fn, void *arg,
    const char **rootp)
{
	int	 opt, rc;

	while ((opt = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		if (opt == 'R')
			*rootp = optarg;
		else if (fn != NULL && opt != 'h' && opt != 'q' &&
		    opt != 'v' && opt != '?' && opt != ':') {
			if ((rc = fn(arg, opt, optarg)) != SUBCMD_CONTINUE)
				return rc;
		} else if ((rc = subcmd_opt(opt, cmd)) != SUBCMD_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return subcmd_usage_error(cmd);
	return SUBCMD_CONTINUE;
}

int
cmd_root_args(const struct subcmd *cmd, int argc, char **argv,
    const char **rootp)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	return cmd_args(cmd, argc, argv, longopts, NULL, NULL, rootp);
}

int
main(int argc, char **argv)
{
	/*
	 * Never read the host's openssl.cnf: it may name providers or
	 * engines to dlopen(), which a static binary cannot do safely.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		return EXIT_FAIL;
	subcmd_set_help(bootstrap_help);
	return subcmd_main(bootstrap_commands, NULL,
	    "Verify, install, switch and audit DC/OS on this host.",
	    argc, argv);
}
