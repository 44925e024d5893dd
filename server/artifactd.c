/* SPDX-License-Identifier: Apache-2.0 */
/* dcos-artifactd: serve, mirror and verify a store. */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifactd.h"
#include "subcmd.h"

const struct subcmd artifactd_commands[] = {
	{ "serve", cmd_serve, "[-l ADDR:PORT]... [-r DIR] [--tls-cert FILE "
	  "--tls-key FILE] [--access-log FILE] [--access-log-format "
	  "combined|json] [--threads N] [--timeout SEC] "
	  "[--grace SEC] [--max-connections N] [--max-per-ip N] "
	  "[--max-header-size BYTES] [--cache-size MB] [--verify-on-start] "
	  "[--user USER | --allow-root]",
	  "serve a store over HTTP(S) (the default command)" },
	{ "mirror", cmd_mirror,
	    "[-qv] [-j N] [-k KEY.pub] [-r N] [--cacert FILE] "
	    "[--verify-existing] [--allow-downgrade] [--prune] "
	    "[--speed-limit BYTES] "
	    "[--speed-time SEC] [--max-time SEC] URL... DIR",
	    "copy a store from URLs into DIR, verifying every blob" },
	{ "fsck", cmd_fsck, "[-qv] [-k KEY.pub] [--json] DIR",
	    "verify a store in place; list every problem" },
	{ "export-release", cmd_export_release,
	    "[-qv] -k KEY.pub DIR NAME-VERSION OUT.tar",
	    "write a release tar the store holds, checked, with its .minisig" },
	{ NULL, NULL, NULL, NULL }
};

/* What each option does, for "dcos-artifactd COMMAND -h". */
static const struct subcmd_help artifactd_help[] = {
	{ NULL, "-l", "ADDR:PORT", "listen on a numeric address, [::1]:PORT "
	  "for IPv6; repeatable" },
	{ NULL, "-r", "DIR", "the store to serve (default genconf/serve)" },
	{ NULL, "--tls-cert", "FILE", "serve HTTPS with this certificate "
	  "chain (PEM)" },
	{ NULL, "--tls-key", "FILE", "the certificate's private key (PEM)" },
	{ NULL, "--access-log", "FILE", "append one line per request to "
	  "FILE" },
	{ NULL, "--access-log-format", "FMT", "combined (nginx's, the "
	  "default) or json (one object per line)" },
	{ NULL, "--threads", "N", "worker threads (default: one per "
	  "processor)" },
	{ NULL, "--timeout", "SEC", "close a connection without a complete "
	  "request, or idle, after this long (default 30)" },
	{ NULL, "--grace", "SEC", "on SIGTERM, wait this long for "
	  "transfers to finish" },
	{ NULL, "--max-connections", "N", "connections at once, in all "
	  "(default 20000)" },
	{ NULL, "--max-per-ip", "N", "connections at once from one address "
	  "(default 256)" },
	{ NULL, "--max-header-size", "BYTES", "the largest request line and "
	  "headers (default 4096)" },
	{ NULL, "--cache-size", "MB", "memory for blobs of up to 256 KiB "
	  "answered from memory (default 16, 0: none)" },
	{ NULL, "--verify-on-start", NULL, "check every blob's digest before "
	  "serving" },
	{ NULL, "--user", "USER", "once the ports are bound, serve as USER "
	  "with no capabilities (started as root)" },
	{ NULL, "--allow-root", NULL, "serve as root (refused without this "
	  "or --user)" },
	{ NULL, "-j", "N", "downloads at once, 1 to 64 (default 4)" },
	{ NULL, "-k", "KEY.pub", "a vendor key the releases must be signed "
	  "with (default: the keys the store's cluster manifests list)" },
	{ "export-release", "-k", "KEY.pub", "the vendor key the release "
	  "must be signed with (required)" },
	{ "mirror", "-r", "N", "extra rounds over all URLs before a file is "
	  "given up on, 0 to 20 (default 4)" },
	{ NULL, "--cacert", "FILE", "trust the CA certificates in FILE for "
	  "https:// URLs" },
	{ NULL, "--verify-existing", NULL, "check the digests of the blobs "
	  "DIR already has, and fetch the bad ones again" },
	{ "mirror", "--prune", NULL, "after mirroring, remove what none of "
	  "the primary's cluster manifests still reaches (as dcos-genconf "
	  "prune did there)" },
	{ NULL, "--allow-downgrade", NULL, "accept a store whose current "
	  "release has a lower seq than DIR's" },
	{ NULL, "--speed-limit", "BYTES", "a transfer slower than BYTES/s "
	  "for --speed-time tries the next URL (default 1024)" },
	{ NULL, "--speed-time", "SEC", "see --speed-limit (default 30)" },
	{ "fsck", "--json", NULL, "print the report as one JSON document "
	  "(docs/formats.md)" },
	{ NULL, "--max-time", "SEC", "the deadline of one transfer, 0 for "
	  "none (default 3600)" },
	{ NULL, NULL, NULL, NULL }
};

/*
 * True when argv starts with an option of serve's own (such as --listen)
 * before any command name: "dcos-artifactd --root DIR" means serve.
 */
static int
implicit_serve(int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (argv[i][1] != '-' && strspn(argv[i] + 1, "hqvV") ==
		    strlen(argv[i] + 1))
			continue;
		if (strcmp(argv[i], "--help") != 0 &&
		    strcmp(argv[i], "--version") != 0 &&
		    strcmp(argv[i], "--verbose") != 0 &&
		    strcmp(argv[i], "--quiet") != 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char	 about[] =
	    "Serve, mirror and verify a DC/OS artifact store.";
	char			**nargv;
	int			 rc;

	subcmd_set_help(artifactd_help);
	if (!implicit_serve(argc, argv))
		return subcmd_main(artifactd_commands, "serve", about, argc,
		    argv);
	if ((nargv = calloc((size_t)argc + 2, sizeof(*nargv))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return EXIT_FAIL;
	}
	nargv[0] = argv[0];
	nargv[1] = (char *)"serve";
	memcpy(nargv + 2, argv + 1, (size_t)(argc - 1) * sizeof(*nargv));
	rc = subcmd_main(artifactd_commands, "serve", about, argc + 1, nargv);
	free(nargv);
	return rc;
}
