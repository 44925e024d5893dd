/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate: the config compiler on a site directory, writing nothing; says
 * the config id the site would generate.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "genconf.h"
#include "log.h"
#include "release.h"
#include "siteconf.h"
#include "subcmd.h"

int
cmd_validate(int argc, char **argv)
{
	const struct subcmd	*c;
	struct config_opts	 o;
	struct config_output	 out;
	struct release		*rel = NULL;
	char			 id[DIGEST_HEXLEN + 1];
	int			 r, rc;

	c = subcmd_find(genconf_commands, "validate");
	memset(&out, 0, sizeof(out));
	if ((r = config_opts_parse(c, argc, argv, NULL, &o)) != 0)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	if ((rc = config_compile_site(&o, &rel, &out)) != EXIT_OK)
		goto out;
	if (config_id(out.effective, &rel->manifest_digest, id) == -1) {
		log_error("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	/* -q: the exit status says it. */
	if (log_get_level() > LOG_QUIET)
		printf("%s/config.yaml: valid for release %s-%s (seq %lld); "
		    "config id %s, %zu files\n", o.genconf, rel->rm->name,
		    rel->rm->version, (long long)rel->rm->seq, id, out.nfiles);
out:
	config_output_free(&out);
	release_free(rel);
	config_opts_free(&o);
	return rc;
}
