/* SPDX-License-Identifier: Apache-2.0 */
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
	char	*path;		/* e.g. "etc/mesos-master" */
	char	*content;
	size_t	 len;
	mode_t	 mode;		/* permission bits */
	int	 secret;	/* goes to the sealed secrets bundles */
	int	 windows;	/* for the Windows config package */
	char	*owner;		/* of a secret file; NULL: root */
};

struct config_output {
	/* Defaults applied, derived values, secrets included. */
	json_t			*effective;
	struct config_file	*files;		/* sorted by path */
	size_t			 nfiles;
	char			*warnings;	/* lines, or NULL */
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
 * Options shared by generate, validate and show, so the three read a site
 * the same way:
 *   -r, --release FILE      the master artifact (default: the one
 *                           NAME-VERSION.tar with a .minisig in .)
 *   -k, --trusted-key FILE  a vendor public key; repeatable (default: the
 *                           .pub files of GENCONF/trusted-keys/, else
 *                           ./dcos-release.pub)
 *   -g, --genconf DIR       the site's genconf directory (default: genconf)
 *   -h, -v, -q           as for every command
 * A command with options of its own describes them in a struct
 * config_extra and gets each one through opt(opt, arg, ctx), which
 * returns 0, or -1 for a usage error.
 */
struct config_opts {
	char		 *release;	/* malloc'd */
	char		**keys;		/* trusted key files */
	size_t		  nkeys;
	const char	 *genconf;
};

struct option;
struct subcmd;
struct config_extra {
	const char		*shortopts;	/* e.g. "s:", or NULL */
	const struct option	*longopts;	/* zeroed entry last */
	int			(*opt)(int opt, const char *arg, void *ctx);
	void			*ctx;
};
/*
 * Parses argv with getopt_long; x may be NULL.  Returns 0, 1 when -h was
 * handled (the command exits 0), or -1 after printing the usage or the
 * problem (exit EXIT_USAGE).  Free o with config_opts_free.
 */
int	 config_opts_parse(const struct subcmd *, int argc, char **argv,
	    const struct config_extra *x, struct config_opts *o);
void	 config_opts_free(struct config_opts *);
/*
 * Loads the trusted keys the options name (by default the .pub files of
 * GENCONF/trusted-keys/, else ./dcos-release.pub).  Returns 0 with *keysp
 * (malloc'd, *np of them) or -1 with *errp.
 */
int	 config_load_keys(const struct config_opts *,
	    struct minisign_pubkey **keysp, size_t *np, char **errp);
/*
 * The release the options name: --release, else the one NAME-VERSION.tar
 * with its .minisig in the current directory.  Returns 0 with *pathp
 * (malloc'd) or -1 with *errp.
 */
/*
 * Locks the site directory genconf for a command that writes its store:
 * the descriptor (held until exit), or -1 with *errp ("another
 * dcos-genconf is writing this store").
 */
int	 site_lock(const char *genconf, char **errp);
int	 config_release_path(const struct config_opts *, char **pathp,
	    char **errp);
/*
 * Loads the trusted keys and the release the options name with
 * release_load (signatures and digests checked, nothing written).
 * Returns 0 with *relp (free with release_free) or -1 with *errp.
 */
int	 config_load_release(const struct config_opts *,
	    struct release **relp, char **errp);

/*
 * config_compile for a command: prints the warnings, then on failure each
 * problem on its line and, for more than one, a count.  Returns 0 with
 * *out filled, or -1 (free *out with config_output_free either way).
 */
int	 config_compile_report(const struct release *, const char *genconf,
	    struct config_output *out);

/*
 * Loads the release and compiles the site (config_load_release, then
 * config_compile_report).  Returns EXIT_OK with *relp and *out filled, or
 * EXIT_FAIL after printing every problem.
 */
int	 config_compile_site(const struct config_opts *,
	    struct release **relp, struct config_output *out);

/*
 * The rule dcos_install.sh holds bootstrap_url to (cmd-generate.c): an
 * http:// or https:// URL, or file:///DIR (the hosts install from DIR),
 * in characters the script can hold unquoted.  0, or -1 with *errp.
 */
int	 bootstrap_url_check(const char *url, char **errp);
/*
 * s for inside '...' of sh (ps1 0) or PowerShell (ps1 1, ASCII only),
 * malloc'd, or NULL (cmd-generate.c).
 */
char	*script_single_quoted(const char *s, int ps1);

/* The commands (cmd-validate.c, cmd-show.c). */
int	 cmd_validate(int, char **);
int	 cmd_show(int, char **);

#endif
