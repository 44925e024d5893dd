/* SPDX-License-Identifier: Apache-2.0 */
/*
 * show: the effective configuration of a site (defaults and derived values
 * filled in) as YAML that validate reads back to the same config; secrets
 * masked unless --reveal-secrets.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "genconf.h"
#include "log.h"
#include "release.h"
#include "siteconf.h"
#include "subcmd.h"

static int
show_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'R')
		return -1;
	*(int *)ctx = 1;
	return 0;
}

int
cmd_show(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "reveal-secrets", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(genconf_commands, "show");
	struct config_extra	 x = { NULL, extra, show_opt, NULL };
	struct config_opts	 o;
	struct config_output	 out;
	struct release		*rel = NULL;
	char			*text = NULL, *err = NULL;
	int			 r, rc, reveal = 0;

	memset(&out, 0, sizeof(out));
	x.ctx = &reveal;
	if ((r = config_opts_parse(c, argc, argv, &x, &o)) != 0)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	if ((rc = config_compile_site(&o, &rel, &out)) != EXIT_OK)
		goto out;
	if (config_show(rel, out.effective, reveal, &text, &err) == -1) {
		log_error("%s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
		log_error("cannot write the configuration to standard output");
		rc = EXIT_FAIL;
		goto out;
	}
	if (reveal)
		log_warn("secrets were printed: keep this output private");
out:
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	free(text);
	free(err);
	config_output_free(&out);
	release_free(rel);
	config_opts_free(&o);
	return rc;
}
