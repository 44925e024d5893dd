/*
 * The config compiler: config.yaml + the release's schema and templates
 * -> effective config and rendered config package files.  Owned by the
 * config compiler; used by generate, validate and show.
 */
#ifndef DCOS_GENCONF_SITECONF_H
#define DCOS_GENCONF_SITECONF_H

#include <sys/types.h>
#include <stddef.h>

#include <jansson.h>

#include "release.h"

struct config_file {
	char	*path;		/* package-relative, e.g. "etc/mesos-master" */
	char	*content;
	size_t	 len;
	mode_t	 mode;		/* permission bits */
};

struct config_output {
	json_t			*effective;	/* defaults applied, derived values, secrets included */
	struct config_file	*files;		/* sorted by path */
	size_t			 nfiles;
	char			*warnings;	/* newline-separated lines, or NULL */
};

/*
 * Validates genconf_dir/config.yaml (and ip-detect etc.) against the
 * release's schema and renders its templates.  Returns 0 with *out filled,
 * or -1 with *errs holding every error, one per line, each
 * "config.yaml:LINE:COL: key: message" (malloc'd).
 */
int	 config_compile(const struct release *, const char *genconf_dir,
	    struct config_output *out, char **errs);
void	 config_output_free(struct config_output *);

#endif
