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
	  "--tls-key FILE] [--access-log FILE] [--threads N] [--timeout SEC] "
	  "[--grace SEC] [--max-connections N] [--max-per-ip N] "
	  "[--max-header-size BYTES] [--cache-size MB] [--verify-on-start]",
	  "serve a store over HTTP(S) (the default command)" },
	{ "mirror", cmd_mirror,
	    "[-qv] [-j N] [-k KEY.pub] [-r N] [--cacert FILE] "
	    "[--verify-existing] [--allow-downgrade] [--speed-limit BYTES] "
	    "[--speed-time SEC] [--max-time SEC] URL... DIR",
	    "copy a store from URLs into DIR, verifying every blob" },
	{ "fsck", cmd_fsck, "[-qv] [-k KEY.pub] DIR",
	    "verify a store in place; list every problem" },
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
