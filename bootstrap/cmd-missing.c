/* SPDX-License-Identifier: Apache-2.0 */
/*
 * missing: the blobs of a cluster manifest that a cache directory does not
 * hold yet, one line each: "sha256:<hex> <size> <path>".  The cache has
 * the store's layout (blobs/sha256/<hex>), so a --download-only directory
 * or a copy of a store can serve as one.  With --root, packages already
 * extracted on the host with the manifest the signed release lists are
 * not listed: an upgrade fetches only what is new.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "log.h"
#include "manifest.h"
#include "preflight.h"
#include "store.h"
#include "subcmd.h"

int
cache_has_blob(const char *cache, const struct blob_pin *pin, char **whyp,
    char **errp)
{
	char	*path = NULL, *err = NULL;
	int	 r, rc = -1;

	if (whyp != NULL)
		*whyp = NULL;
	if ((path = store_blob_path(cache, &pin->digest)) == NULL)
		return err_set(errp, "out of memory");
	/*
	 * Symbolic links are followed, as install does: an offline
	 * directory may be a farm of links into a store copy.  Same size
	 * is not enough: a damaged copy would fail the install.
	 */
	r = blob_open(path, &pin->digest, (int64_t)pin->size, 0, NULL, NULL,
	    &err);
	switch (r) {
	case BLOB_OK:
		rc = 1;
		break;
	case BLOB_MISSING:
		rc = 0;
		break;
	case BLOB_WRONG:
		rc = 0;
		if (whyp != NULL) {
			*whyp = err;
			err = NULL;	/* transferred */
		}
		break;
	default:
		err_set(errp, "%s", err != NULL ? err : "out of memory");
		break;
	}
	free(err);
	free(path);
	return rc;
}

/* What preflight reads: release.json, its signature, the config package. */
static int
preflight_kind(enum blob_kind k)
{
	return k == BLOB_RELEASE || k == BLOB_SIGNATURE || k == BLOB_CONFIG;
}

/*
 * With --root: marks (in skip, by package index) the packages of c that
 * are extracted under root with the manifest the signed release lists.
 * That needs release.json and its signature: while the cache lacks
 * either, or while they do not verify, nothing is skipped (they are
 * listed and fetched first).  Returns the number skipped, or -1 with
 * *errp.
 */
static int
installed_pkgs(struct cluster *c, const char *cache, const char *root,
    int *skip, char **errp)
{
	struct host	 h;
	struct blob_pin	 pin;
	char		*why = NULL;
	size_t		 i, k;
	int		 r, n = 0, rc = -1;

	if (host_init(&h, root, errp) == -1)
		return -1;
	for (k = 0; k < 2; k++) {
		memset(&pin, 0, sizeof(pin));
		pin.digest = k == 0 ? c->cm->release_manifest :
		    c->cm->release_signature;
		for (i = 0; i < c->cm->nblobs; i++)
			if (c->cm->blobs[i].kind == (k == 0 ? BLOB_RELEASE :
			    BLOB_SIGNATURE) && digest_equal(
			    &c->cm->blobs[i].blob.digest, &pin.digest))
				pin.size = c->cm->blobs[i].blob.size;
		if ((r = cache_has_blob(cache, &pin, NULL, errp)) == -1)
			goto out;
		if (r == 0) {
			log_verbose("release.json or its signature is not in "
			    "%s yet: every package is listed", cache);
			rc = 0;
			goto out;
		}
	}
	/*
	 * The same chain install checks: only a signed digest counts.  A
	 * chain that does not hold skips nothing; install refuses it with
	 * the same message.
	 */
	if (cluster_verify_release(c, cache, &why) == -1) {
		log_warn("%s: every package is listed", why != NULL ? why :
		    "out of memory");
		rc = 0;
		goto out;
	}
	for (i = 0; i < c->npkgs; i++) {
		if (!c->pkgs[i].has_manifest)
			continue;
		if ((r = pkg_installed(h.pkgdir, &c->pkgs[i], &why,
		    errp)) == -1)
			goto out;
		if (r == PKG_INSTALLED) {
			skip[i] = 1;
			n++;
		} else if (r == PKG_DIFFERENT)
			log_warn("%s: its blob is needed to replace it",
			    why != NULL ? why : "out of memory");
		free(why);
		why = NULL;
	}
	rc = n;
out:
	free(why);
	host_free(&h);
	return rc;
}

/* The blobs to look for in the cache. */
struct wanted {
	const struct cluster	*cl;
	const int		*skip;		/* per package: installed */
	int			 only_preflight;
	char			*roles[ROLE_MAX];	/* --role; none: all */
	size_t			 nroles;
};

/* A secrets bundle goes only to the hosts of its role. */
static int
role_wanted(const struct wanted *w, const struct blob_ref *b)
{
	size_t	 i;

	if (b->kind != BLOB_SECRETS || w->nroles == 0)
		return 1;
	for (i = 0; i < w->nroles; i++)
		if (strcmp(w->roles[i], b->role) == 0)
			return 1;
	return 0;
}

/*
 * Whether blob i is wanted: preflight's alone with --preflight, never a
 * package the host has, and a blob listed twice once.
 */
static int
blob_wanted(const struct wanted *w, size_t i)
{
	const struct cluster_manifest	*cm = w->cl->cm;
	const struct blob_ref		*b = &cm->blobs[i];
	const struct pkgref		*p;
	size_t				 j;

	if ((w->only_preflight && !preflight_kind(b->kind)) ||
	    !role_wanted(w, b))
		return 0;
	if (b->kind == BLOB_PACKAGE && (p = cluster_pkg(w->cl, b->id)) !=
	    NULL && w->skip[p - w->cl->pkgs])
		return 0;
	for (j = 0; j < i; j++)
		if (digest_equal(&cm->blobs[j].blob.digest, &b->blob.digest) &&
		    (!w->only_preflight || preflight_kind(cm->blobs[j].kind)))
			return 0;
	return 1;
}

/*
 * Prints "digest size path" for each wanted blob the cache lacks, or with
 * arr (--json) appends {digest, size, path, kind, id} to it.
 */
static int
print_missing(const struct wanted *w, const char *cache, json_t *arr,
    size_t *np, uint64_t *bytesp, char **errp)
{
	const struct cluster_manifest	*cm = w->cl->cm;
	const struct blob_ref		*b;
	char				*why = NULL, *path;
	char				 dstr[DIGEST_STRSZ];
	size_t				 i;
	int				 r;

	for (i = 0; i < cm->nblobs; i++) {
		b = &cm->blobs[i];
		if (!blob_wanted(w, i))
			continue;
		if ((r = cache_has_blob(cache, &b->blob, &why, errp)) == -1)
			return -1;
		if (r == 1)
			continue;
		if (why != NULL) {
			log_warn("%s: listed to be fetched again", why);
			free(why);
			why = NULL;
		}
		if ((path = store_blob_path(cache, &b->blob.digest)) == NULL)
			return err_set(errp, "out of memory");
		digest_format(&b->blob.digest, dstr);
		if (arr == NULL)
			printf("%s %llu %s\n", dstr,
			    (unsigned long long)b->blob.size, path);
		else if (json_array_append_new(arr, json_pack("{s:s, s:I, "
		    "s:o, s:s, s:s?}", "digest", dstr, "size",
		    (json_int_t)b->blob.size, "path",
		    jsonio_string_escaped(path), "kind",
		    blob_kind_name(b->kind), "id", b->id)) == -1) {
			free(path);
			return err_set(errp, "out of memory");
		}
		free(path);
		(*np)++;
		*bytesp += b->blob.size;
	}
	return 0;
}

/*
 * Parses the command line into *cachep, *rootp, *only_preflightp, w's
 * roles and *jsonp.  SUBCMD_CONTINUE, or the exit status.
 */
static int
missing_args(const struct subcmd *c, int argc, char **argv,
    const char **cachep, const char **rootp, int *only_preflightp,
    struct wanted *w, int *jsonp)
{
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "role", required_argument, NULL, 'r' },
		{ "preflight", no_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 opt, rc;

	while ((opt = getopt_long(argc, argv, "c:hqv", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'c': *cachep = optarg; break;
		case 'P': *only_preflightp = 1; break;
		case 'r':
			if (!role_valid(optarg) || w->nroles == ROLE_MAX) {
				log_error("--role %s: give master, slave or "
				    "slave_public, each once", optarg);
				return EXIT_USAGE;
			}
			w->roles[w->nroles++] = optarg;
			break;
		case 'j': *jsonp = 1; break;
		case 'R': *rootp = optarg; break;
		default:
			if ((rc = subcmd_opt(opt, c)) == SUBCMD_CONTINUE)
				break;
			return rc;
		}
	}
	if (argc - optind != 1 || *cachep == NULL)
		return subcmd_usage_error(c);
	return SUBCMD_CONTINUE;
}

int
cmd_missing(int argc, char **argv)
{
	const struct subcmd	*c = subcmd_find(bootstrap_commands, "missing");
	struct wanted		 w;
	struct cluster		*cl = NULL;
	struct stat		 st;
	const char		*cache = NULL, *root = NULL;
	char			*err = NULL, hs[HUMAN_SIZE_LEN];
	int			*skip = NULL;
	size_t			 n = 0;
	uint64_t		 bytes = 0;
	json_t			*arr = NULL, *doc;
	int			 only_preflight = 0, asjson = 0, rc;
	int			 ninst = 0;

	memset(&w, 0, sizeof(w));
	if ((rc = missing_args(c, argc, argv, &cache, &root,
	    &only_preflight, &w, &asjson)) != SUBCMD_CONTINUE)
		return rc;
	rc = EXIT_FAIL;
	if (stat(cache, &st) == 0 && !S_ISDIR(st.st_mode)) {
		err_set(&err, "cache %s is not a directory: give the directory "
		    "that holds blobs/sha256/", cache);
		goto out;
	}
	if (cluster_load(argv[optind], &cl, &err) == -1)
		goto out;
	if ((skip = calloc(cl->npkgs + 1, sizeof(*skip))) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	/* preflight reads no package blob: no need to look at the host. */
	if (root != NULL && !only_preflight &&
	    (ninst = installed_pkgs(cl, cache, root, skip, &err)) == -1)
		goto out;
	w.cl = cl;
	w.skip = skip;
	w.only_preflight = only_preflight;
	if (asjson && (arr = json_array()) == NULL) {
		err_set(&err, "out of memory");
		goto out;
	}
	if (print_missing(&w, cache, arr, &n, &bytes, &err) == -1)
		goto out;
	if (asjson) {
		doc = json_pack("{s:i, s:o, s:O, s:I, s:I, s:i}", "format", 1,
		    "cache", jsonio_string_escaped(cache), "blobs", arr,
		    "count", (json_int_t)n, "bytes", (json_int_t)bytes,
		    "installed_packages", ninst);
		rc = jsonio_print(stdout, doc, &err);
		json_decref(doc);
		if (rc == -1) {
			rc = EXIT_FAIL;
			goto out;
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err_set(&err, "write to standard output: %s", strerror(errno));
		goto out;
	}
	if (ninst > 0)
		log_verbose("%d package(s) already installed under %s", ninst,
		    root);
	if (n == 0)
		log_verbose("every blob is in %s", cache);
	else
		log_verbose("%zu blob(s) missing from %s, %s", n, cache,
		    human_size(bytes, hs));
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK)
		log_error("%s", err != NULL ? err : "out of memory");
	cluster_free(cl);
	json_decref(arr);
	free(skip);
	free(err);
	return rc;
}
