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

/*
 * The config id (docs/formats.md): 64 lowercase hex of the SHA-256 of the
 * canonical JSON of {"config": effective, "release": "sha256:<hex>"}.
 * Returns 0 or -1 when out of memory.
 */
int	 config_id(const json_t *effective, const struct digest *release,
	    char out[DIGEST_HEXLEN + 1]);

/*
 * The effective config as YAML that config_compile reads back to the same
 * effective config: parameters in schema order, calculated values as
 * comments, secrets as "********" unless reveal is set.  Returns 0 with
 * *textp (malloc'd) or -1 with *errp.
 */
int	 config_show(const struct release *, const json_t *effective,
	    int reveal, char **textp, char **errp);

/*
 * Options shared by generate, validate and show:
 *   --release FILE       the master artifact (default: the one *.tar in .)
 *   --trusted-key FILE   a vendor public key, repeatable (default:
 *                        genconf/trusted-keys/ *.pub, else dcos-release.pub)
 *   --genconf DIR        the site directory (default: genconf)
 * config_opts_parse() runs getopt_long over argv with the command's own
 * extra short options (extra, e.g. "" or "r"); for an option it does not
 * know it calls extra_fn(opt, arg, ctx), which returns 0 or -1 for a usage
 * error.  Returns 0, 1 when -h was handled (exit 0), or -1 after printing
 * the usage (exit EXIT_USAGE).
 */
struct config_opts {
	const char	 *release;
	char		**keys;
	size_t		  nkeys;
	const char	 *genconf;
	int		  reveal;	/* show --reveal-secrets */
};

struct subcmd;
int	 config_opts_parse(const struct subcmd *, int argc, char **argv,
	    int with_reveal, struct config_opts *);
void	 config_opts_free(struct config_opts *);
/*
 * Loads the trusted keys and the release the options name (release_load:
 * signatures checked, nothing written).  Returns 0 with *relp or -1 with
 * *errp.
 */
int	 config_load_release(const struct config_opts *,
	    struct release **relp, char **errp);

#endif
