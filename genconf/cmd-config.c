/*
 * validate and show: the config compiler on a site directory, writing
 * nothing.  Also the option parsing and release loading they share with
 * generate.
 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
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

int
config_opts_parse(const struct subcmd *c, int argc, char **argv,
    const struct option *extra_long,
    int (*extra)(int opt, const char *arg, void *ctx), void *ctx,
    struct config_opts *o)
{
	static const struct option common[] = {
		{ "release", required_argument, NULL, 'r' },
		{ "trusted-key", required_argument, NULL, 'k' },
		{ "genconf", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
	};
	struct option	*longopts = NULL;
	char		**keys;
	size_t		 ncommon = sizeof(common) / sizeof(common[0]);
	size_t		 nextra = 0;
	int		 opt, r, rc = -1;

	memset(o, 0, sizeof(*o));
	o->genconf = "genconf";
	while (extra_long != NULL && extra_long[nextra].name != NULL)
		nextra++;
	if ((longopts = calloc(ncommon + nextra + 1, sizeof(*longopts))) ==
	    NULL) {
		log_error("out of memory");
		return -1;
	}
	memcpy(longopts, common, sizeof(common));
	if (nextra > 0)
		memcpy(longopts + ncommon, extra_long,
		    nextra * sizeof(*longopts));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "g:hk:qr:v", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'r':
			free(o->release);
			if ((o->release = strdup(optarg)) == NULL) {
				log_error("out of memory");
				goto out;
			}
			break;
		case 'k':
			if ((keys = reallocarray(o->keys, o->nkeys + 1,
			    sizeof(*keys))) == NULL) {
				log_error("out of memory");
				goto out;
			}
			o->keys = keys;
			o->keys[o->nkeys++] = optarg;
			break;
		case 'g':
			o->genconf = optarg;
			break;
		case 'h':
		case 'q':
		case 'v':
			r = subcmd_common_opt(opt, c);
			if (r == SUBCMD_CONTINUE)
				break;
			rc = 1;
			goto out;
		default:
			if (extra != NULL && opt != '?' &&
			    extra(opt, optarg, ctx) == 0)
				break;
			subcmd_usage(stderr, c);
			goto out;
		}
	}
	if (optind != argc) {
		subcmd_usage(stderr, c);
		goto out;
	}
	rc = 0;
out:
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
config_load_release(const struct config_opts *o, struct release **relp,
    char **errp)
{
	struct minisign_pubkey	*keys = NULL;
	char			*path = NULL, **own = NULL;
	char			*const *kp = o->keys;
	size_t			 i, n = o->nkeys, nown = 0;
	int			 rc = -1;

	*relp = NULL;
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
	if (o->release == NULL && find_release(&path, errp) == -1)
		goto out;
	if (release_load(o->release != NULL ? o->release : path, keys, n,
	    relp, errp) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < nown; i++)
		free(own[i]);
	free(own);
	free(path);
	free(keys);
	return rc;
}

/* Prints each line of a message list to stderr as it is. */
static void
print_lines(const char *text, int warn)
{
	const char	*p = text, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (warn)
			log_warn("%.*s", nl != NULL ? (int)(nl - p) :
			    (int)strlen(p), p);
		else
			fprintf(stderr, "%.*s\n", nl != NULL ? (int)(nl - p) :
			    (int)strlen(p), p);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

static size_t
count_lines(const char *text)
{
	size_t	 n = 1;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/*
 * Loads the release and compiles the site.  Returns EXIT_OK with *relp and
 * *out filled, or EXIT_FAIL after printing every problem.
 */
static int
compile_site(const struct config_opts *o, struct release **relp,
    struct config_output *out)
{
	char	*err = NULL;
	size_t	 n;

	if (config_load_release(o, relp, &err) == -1) {
		log_error("%s", err);
		free(err);
		return EXIT_FAIL;
	}
	if (config_compile(*relp, o->genconf, out, &err) == -1) {
		if (out->warnings != NULL)
			print_lines(out->warnings, 1);
		/* One problem is one line; a list gets a count after it. */
		n = count_lines(err);
		print_lines(err, 0);
		if (n > 1)
			log_error("%zu problems in %s/config.yaml: fix them "
			    "and run again", n, o->genconf);
		free(err);
		release_free(*relp);
		*relp = NULL;
		return EXIT_FAIL;
	}
	if (out->warnings != NULL)
		print_lines(out->warnings, 1);
	return EXIT_OK;
}

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
	if ((r = config_opts_parse(c, argc, argv, NULL, NULL, NULL, &o)) != 0)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	if ((rc = compile_site(&o, &rel, &out)) != EXIT_OK)
		goto out;
	if (config_id(out.effective, &rel->manifest_digest, id) == -1) {
		log_error("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	printf("%s/config.yaml: valid for release %s-%s (seq %lld); config "
	    "id %s, %zu files\n", o.genconf, rel->name, rel->version,
	    (long long)rel->seq, id, out.nfiles);
out:
	config_output_free(&out);
	release_free(rel);
	config_opts_free(&o);
	return rc;
}

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
	struct config_opts	 o;
	struct config_output	 out;
	struct release		*rel = NULL;
	char			*text = NULL, *err = NULL;
	int			 r, rc, reveal = 0;

	memset(&out, 0, sizeof(out));
	if ((r = config_opts_parse(c, argc, argv, extra, show_opt, &reveal,
	    &o)) != 0)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	if ((rc = compile_site(&o, &rel, &out)) != EXIT_OK)
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
