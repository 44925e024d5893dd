/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What validate, show and generate share: their options, loading the
 * release and trusted keys they name, and compiling the site with its
 * problems printed.
 */
#include <config.h>

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "error.h"
#include "genconf.h"
#include "log.h"
#include "minisign.h"
#include "release.h"
#include "siteconf.h"
#include "subcmd.h"

void
config_opts_free(struct config_opts *o)
{
	if (o == NULL)
		return;
	free(o->release);
	free(o->keys);
	memset(o, 0, sizeof(*o));
}

/* The common long options, then the command's own, then a zeroed entry. */
static struct option *
merge_longopts(const struct option *extra_long)
{
	static const struct option common[] = {
		{ "release", required_argument, NULL, 'r' },
		{ "trusted-key", required_argument, NULL, 'k' },
		{ "genconf", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
	};
	struct option	*longopts;
	size_t		 ncommon = sizeof(common) / sizeof(common[0]);
	size_t		 nextra = 0;

	while (extra_long != NULL && extra_long[nextra].name != NULL)
		nextra++;
	if ((longopts = calloc(ncommon + nextra + 1, sizeof(*longopts))) ==
	    NULL)
		return NULL;
	memcpy(longopts, common, sizeof(common));
	if (nextra > 0)
		memcpy(longopts + ncommon, extra_long,
		    nextra * sizeof(*longopts));
	return longopts;
}

/*
 * One option for config_opts_parse: 0 to go on, 1 when -h was handled,
 * -1 after printing the usage or the problem.
 */
static int
common_opt(const struct subcmd *c, int opt, const struct config_extra *x,
    struct config_opts *o)
{
	char	**keys;

	switch (opt) {
	case 'r':
		free(o->release);
		if ((o->release = strdup(optarg)) == NULL) {
			log_error("out of memory");
			return -1;
		}
		return 0;
	case 'k':
		if ((keys = reallocarray(o->keys, o->nkeys + 1,
		    sizeof(*keys))) == NULL) {
			log_error("out of memory");
			return -1;
		}
		o->keys = keys;
		o->keys[o->nkeys++] = optarg;
		return 0;
	case 'g':
		o->genconf = optarg;
		return 0;
	case 'h':
	case 'q':
	case 'v':
		return subcmd_common_opt(opt, c) == SUBCMD_CONTINUE ? 0 : 1;
	default:
		if (x != NULL && opt != '?' && x->opt(opt, optarg, x->ctx) == 0)
			return 0;
		subcmd_usage(stderr, c);
		return -1;
	}
}

int
config_opts_parse(const struct subcmd *c, int argc, char **argv,
    const struct config_extra *x, struct config_opts *o)
{
	struct option	*longopts;
	char		 shortopts[64];
	int		 opt, rc = 0;

	memset(o, 0, sizeof(*o));
	o->genconf = "genconf";
	if (snprintf(shortopts, sizeof(shortopts), "g:hk:qr:v%s",
	    x != NULL && x->shortopts != NULL ? x->shortopts : "") >=
	    (int)sizeof(shortopts) ||
	    (longopts = merge_longopts(x != NULL ? x->longopts : NULL)) ==
	    NULL) {
		log_error("out of memory");
		return -1;
	}
	optind = 1;
	while (rc == 0 &&
	    (opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		rc = common_opt(c, opt, x, o);
	if (rc == 0 && optind != argc) {
		subcmd_usage(stderr, c);
		rc = -1;
	}
	free(longopts);
	if (rc != 0)
		config_opts_free(o);
	return rc;
}

/*
 * The default release: the one NAME-VERSION.tar with its .minisig in the
 * current directory (as generate picks it).
 */
static int
find_release(char **pathp, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*found = NULL, *sig;
	size_t		 len;
	int		 n = 0;

	if ((d = opendir(".")) == NULL)
		return err_sys(errp, "cannot list the current directory");
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".tar") != 0)
			continue;
		if (asprintf(&sig, "%s.minisig", de->d_name) == -1) {
			closedir(d);
			free(found);
			return err_set(errp, "out of memory");
		}
		if (stat(sig, &st) == 0 && n++ == 0 &&
		    (found = strdup(de->d_name)) == NULL) {
			free(sig);
			closedir(d);
			return err_set(errp, "out of memory");
		}
		free(sig);
	}
	closedir(d);
	if (n == 1) {
		*pathp = found;
		return 0;
	}
	free(found);
	if (n == 0)
		return err_set(errp, "no release here (a NAME-VERSION.tar with "
		    "its .minisig): give it with --release FILE");
	return err_set(errp, "more than one release here: pick one with "
	    "--release FILE");
}

/* The .pub files of GENCONF/trusted-keys/, else ./dcos-release.pub. */
static int
default_keys(const char *genconf, char ***pathsp, size_t *np, char **errp)
{
	DIR		*d;
	struct dirent	*de;
	char		*dir, **paths = NULL, **v;
	size_t		 len, n = 0;

	if ((dir = path_join(genconf, "trusted-keys")) == NULL)
		return err_set(errp, "out of memory");
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len < 5 || de->d_name[0] == '.' ||
			    strcmp(de->d_name + len - 4, ".pub") != 0)
				continue;
			if ((v = reallocarray(paths, n + 1, sizeof(*v))) ==
			    NULL || (v[n] = path_join(dir, de->d_name)) ==
			    NULL) {
				if (v != NULL)
					paths = v;
				closedir(d);
				goto oom;
			}
			paths = v;
			n++;
		}
		closedir(d);
	}
	if (n == 0 && access(DEFAULT_PUB, F_OK) == 0) {
		if ((paths = calloc(1, sizeof(*paths))) == NULL ||
		    (paths[0] = strdup(DEFAULT_PUB)) == NULL)
			goto oom;
		n = 1;
	}
	free(dir);
	if (n == 0)
		return err_set(errp, "no trusted key: give the vendor's public "
		    "key with --trusted-key FILE (or put it in "
		    "genconf/trusted-keys/ or ./" DEFAULT_PUB ")");
	*pathsp = paths;
	*np = n;
	return 0;
oom:
	while (n > 0)
		free(paths[--n]);
	free(paths);
	free(dir);
	return err_set(errp, "out of memory");
}

int
config_load_keys(const struct config_opts *o, struct minisign_pubkey **keysp,
    size_t *np, char **errp)
{
	struct minisign_pubkey	*keys = NULL;
	char			**own = NULL;
	char			*const *kp = o->keys;
	size_t			 i, n = o->nkeys, nown = 0;
	int			 rc = -1;

	*keysp = NULL;
	*np = 0;
	if (n == 0) {
		if (default_keys(o->genconf, &own, &nown, errp) == -1)
			return -1;
		kp = own;
		n = nown;
	}
	if ((keys = calloc(n, sizeof(*keys))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (minisign_pubkey_load(kp[i], &keys[i], errp) == -1)
			goto out;
	*keysp = keys;
	keys = NULL;	/* transferred */
	*np = n;
	rc = 0;
out:
	for (i = 0; i < nown; i++)
		free(own[i]);
	free(own);
	free(keys);
	return rc;
}

int
config_release_path(const struct config_opts *o, char **pathp, char **errp)
{
	if (o->release == NULL)
		return find_release(pathp, errp);
	if ((*pathp = strdup(o->release)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

int
config_load_release(const struct config_opts *o, struct release **relp,
    char **errp)
{
	struct minisign_pubkey	*keys = NULL;
	char			*path = NULL;
	size_t			 n;
	int			 rc = -1;

	*relp = NULL;
	if (config_load_keys(o, &keys, &n, errp) == -1 ||
	    config_release_path(o, &path, errp) == -1 ||
	    release_load(path, keys, n, relp, errp) == -1)
		goto out;
	rc = 0;
out:
	free(path);
	free(keys);
	return rc;
}

/* Prints each line of a message list to stderr; returns how many. */
static size_t
print_lines(const char *text, int warn)
{
	const char	*p = text, *nl;
	size_t		 n = 0;
	int		 len;

	for (; p != NULL && *p != '\0'; n++) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		if (warn)
			log_warn("%.*s", len, p);
		else
			fprintf(stderr, "%.*s\n", len, p);
		p = nl != NULL ? nl + 1 : NULL;
	}
	return n;
}

int
config_compile_report(const struct release *rel, const char *genconf,
    struct config_output *out)
{
	const char	*url;
	char		*err = NULL;
	size_t		 n;

	if (config_compile(rel, genconf, out, &err) == -1) {
		print_lines(out->warnings, 1);
		/* One problem is one line; a list gets a count after it. */
		if ((n = print_lines(err, 0)) > 1)
			log_error("%zu problems in %s/config.yaml: fix them "
			    "and run again", n, genconf);
		free(err);
		return -1;
	}
	print_lines(out->warnings, 1);
	/* What generate would refuse, validate refuses (for the script). */
	url = json_string_value(json_object_get(out->effective,
	    "bootstrap_url"));
	if (url != NULL && bootstrap_url_check(url, &err) == -1) {
		fprintf(stderr, "%s/config.yaml: %s\n", genconf, err);
		free(err);
		return -1;
	}
	return 0;
}

int
config_compile_site(const struct config_opts *o, struct release **relp,
    struct config_output *out)
{
	char	*err = NULL;

	if (config_load_release(o, relp, &err) == -1) {
		log_error("%s", err);
		free(err);
		return EXIT_FAIL;
	}
	if (config_compile_report(*relp, o->genconf, out) == -1) {
		release_free(*relp);
		*relp = NULL;
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * One dcos-genconf writing a site's store at a time (generate, prune): the lock is on the genconf directory
 * itself, so taking it creates no file.  It is released when we exit.
 */
int
site_lock(const char *genconf, char **errp)
{
	int	 fd;

	if ((fd = open(genconf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return err_sys(errp, "%s", genconf);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			err_set(errp, "%s: another dcos-genconf is writing this "
			    "store; run again when it is done", genconf);
		else
			err_sys(errp, "lock %s", genconf);
		close(fd);
		return -1;
	}
	return fd;
}
