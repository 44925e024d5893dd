/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd export-release DIR NAME-VERSION OUT.tar: the signed tar
 * of a release a store or mirror holds, written atomically with its
 * .minisig and checked, for a site that needs the artifact itself (to run
 * dcos-genconf generate where only a mirror's copy arrived).
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifactd.h"
#include "atomicio.h"
#include "blob.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "manifest.h"
#include "minisign.h"
#include "mirror.h"
#include "recipe.h"
#include "store.h"
#include "store-recipe.h"
#include "subcmd.h"

/*
 * An older store's tar file, read as a recipe of one part: its digest
 * names it, so one reader and one check serve both kinds of store.
 */
static int
tar_open(void *path, const struct digest *d, uint64_t size, char **errp)
{
	struct stat	 st;
	int		 fd;

	(void)d;
	if ((fd = open_regular(path, errp)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || (uint64_t)st.st_size != size) {
		close(fd);
		return err_set(errp, "%s changed while read", (char *)path);
	}
	return fd;
}

/* The recipe of an older store's release: its whole tar file. */
static struct recipe *
tar_recipe(const char *path, const struct store_release *rel, char **errp)
{
	struct recipe	*rc;
	struct stat	 st;

	if (stat(path, &st) == -1) {
		err_sys(errp, "%s", path);
		return NULL;
	}
	if ((rc = recipe_new(rel->name, rel->version)) == NULL) {
		err_set(errp, "out of memory");
		return NULL;
	}
	if (recipe_add_blob(rc, &rel->digest, (uint64_t)st.st_size, errp) ==
	    -1) {
		recipe_free(rc);
		return NULL;
	}
	rc->digest = rel->digest;
	return rc;
}

/* The release named NAME-VERSION in x, or NULL with *errp. */
static const struct store_release *
find_release(const struct store_index *x, const char *nv, char **errp)
{
	char	*want;
	size_t	 i;

	if (asprintf(&want, STORE_RELEASE_DIR "/%s.tar", nv) == -1) {
		err_set(errp, "out of memory");
		return NULL;
	}
	for (i = 0; i < x->nreleases; i++)
		if (strcmp(x->releases[i].path, want) == 0)
			break;
	free(want);
	if (i < x->nreleases)
		return &x->releases[i];
	err_set(errp, "no release %s in the store's index.json (it lists %zu; "
	    "give NAME-VERSION, e.g. %s-%s)", nv, x->nreleases,
	    x->nreleases ? x->releases[0].name : "dcos",
	    x->nreleases ? x->releases[0].version : "1.0.0");
	return NULL;
}

/* Exports rel from dir to out (and out.minisig).  0 or -1 with *errp. */
static int
export(const char *dir, const struct store_release *rel,
    const struct keyring *kr, const char *out, char **errp)
{
	struct atomic_file	 af = { -1, NULL, NULL };
	struct recipe		*rc = NULL;
	struct recipe_resolver	 res = { recipe_store_open, (void *)dir };
	uint8_t			 hash[MINISIGN_HASH_LEN];
	char			*p = NULL, *sig = NULL, *sp = NULL, *tar = NULL;
	size_t			 siglen;
	int			 ret = -1;

	if ((p = path_join(dir, rel->signature)) == NULL ||
	    (tar = path_join(dir, rel->path)) == NULL ||
	    asprintf(&sp, "%s.minisig", out) == -1) {
		sp = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if (read_file(p, MINISIGN_FILE_MAX, &sig, &siglen, errp) == -1)
		goto out;
	if (rel->has_recipe) {
		if (store_recipe_load(dir, rel, &rc, errp) == -1)
			goto out;
	} else {
		res.open = tar_open;
		res.arg = tar;
		if ((rc = tar_recipe(tar, rel, errp)) == NULL)
			goto out;
	}
	if (atomic_open(&af, out, 0644, errp) == -1)
		goto out;
	/* Hashed as written: what is checked is what the file holds. */
	if (recipe_digest_copy(rc, &res, hash, af.fd, errp) == -1) {
		err_wrap(errp, "%s", rel->path);
		goto out;
	}
	if (sig_check(kr, sig, siglen, rel->path, &rel->digest, hash, rel->seq,
	    errp) == -1) {
		err_wrap(errp, "%s", rel->signature);
		goto out;
	}
	if (atomic_write_file(sp, sig, siglen, 0644, errp) == -1 ||
	    atomic_commit(&af, errp) == -1)
		goto out;
	ret = 0;
out:
	atomic_abort(&af);
	recipe_free(rc);
	free(p);
	free(tar);
	free(sig);
	free(sp);
	return ret;
}

int
cmd_export_release(int argc, char **argv)
{
	const struct subcmd		*c = subcmd_find(artifactd_commands,
	    "export-release");
	const struct store_release	*rel;
	struct store_index		*x = NULL;
	struct keyring			 kr;
	char				*err = NULL, *ip = NULL;
	int				 opt, rc;

	memset(&kr, 0, sizeof(kr));
	while ((opt = getopt_long(argc, argv, "hk:qv", key_longopts, NULL)) !=
	    -1) {
		if (opt == 'k') {
			if (keyring_pin(&kr, optarg, &err) == -1) {
				log_error("%s", err);
				rc = EXIT_FAIL;
				goto out;
			}
		} else if ((rc = subcmd_opt(opt, c)) != SUBCMD_CONTINUE)
			goto out;
	}
	if (argc - optind != 3) {
		rc = subcmd_usage_error(c);
		goto out;
	}
	rc = EXIT_FAIL;
	if (!kr.pinned) {
		log_error("give the vendor's public key with -k KEY.pub: the "
		    "tar is checked against its signature");
		rc = EXIT_USAGE;
		goto out;
	}
	if ((ip = path_join(argv[optind], STORE_INDEX)) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (store_index_load(ip, &x, &err) == -1 ||
	    (rel = find_release(x, argv[optind + 1], &err)) == NULL ||
	    export(argv[optind], rel, &kr, argv[optind + 2], &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	log_info("%s: release %s-%s (seq %lld), checked against its "
	    "signature, and %s.minisig", argv[optind + 2], rel->name,
	    rel->version, (long long)rel->seq, argv[optind + 2]);
	rc = EXIT_OK;
out:
	free(err);
	free(ip);
	keyring_clear(&kr);
	store_index_free(x);
	return rc;
}
