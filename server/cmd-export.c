/*
 * dcos-artifactd export-release DIR NAME-VERSION OUT.tar: the signed tar
 * of a release a store or mirror holds, written atomically with its
 * .minisig and checked, for a site that needs the artifact itself (to run
 * dcos-genconf generate where only a mirror's copy arrived).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

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

#define EXPORT_BUFSZ	(1024 * 1024)

/* Where the tar's bytes come from: its recipe, or an older store's file. */
struct source {
	struct recipe_reader	*rd;
	int			 fd;
	uint64_t		 size;
};

static ssize_t
source_read(struct source *src, uint64_t off, void *buf, size_t len,
    char **errp)
{
	ssize_t	 n;

	if (src->rd != NULL)
		return recipe_read(src->rd, off, buf, len, errp);
	while ((n = pread(src->fd, buf, len, (off_t)off)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return err_sys(errp, "read");
	return n;
}

/*
 * Copies the tar into out while hashing it, then checks its SHA-256
 * (what index.json and the signature name) and its signature.
 */
static int
copy_checked(struct source *src, const struct store_release *rel,
    const struct keyring *kr, const char *sig, size_t siglen, int out,
    char **errp)
{
	struct sha256	*sh = NULL;
	EVP_MD_CTX	*bctx = NULL;
	struct digest	 got;
	uint8_t		 hash[MINISIGN_HASH_LEN], *buf = NULL;
	uint64_t	 off = 0;
	ssize_t		 n;
	int		 rc = -1;

	if ((sh = sha256_new()) == NULL || (buf = malloc(EXPORT_BUFSZ)) ==
	    NULL || (bctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(bctx, EVP_blake2b512(), NULL) != 1) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (;;) {
		if ((n = source_read(src, off, buf, EXPORT_BUFSZ, errp)) == -1)
			goto out;
		if (n == 0)
			break;
		sha256_update(sh, buf, (size_t)n);
		EVP_DigestUpdate(bctx, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) == -1) {
			err_sys(errp, "write");
			goto out;
		}
		off += (uint64_t)n;
	}
	sha256_final(sh, &got);
	if (!digest_equal(&got, &rel->digest)) {
		blob_digest_error(rel->path, &got, &rel->digest, errp);
		goto out;
	}
	if (EVP_DigestFinal_ex(bctx, hash, NULL) != 1) {
		err_set(errp, "BLAKE2b failed");
		goto out;
	}
	if (sig_check(kr, sig, siglen, rel->path, &rel->digest, hash, rel->seq,
	    errp) == -1) {
		err_wrap(errp, "%s", rel->signature);
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(bctx);
	free(buf);
	sha256_free(sh);
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
	struct source		 src = { NULL, -1, 0 };
	struct recipe		*rc = NULL;
	struct recipe_resolver	 res = { recipe_store_open, (void *)dir };
	char			*p = NULL, *sig = NULL, *sp = NULL;
	size_t			 siglen;
	int			 ret = -1;

	if ((p = path_join(dir, rel->signature)) == NULL ||
	    asprintf(&sp, "%s.minisig", out) == -1) {
		sp = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	if (read_file(p, MINISIGN_FILE_MAX, &sig, &siglen, errp) == -1)
		goto out;
	free(p);
	p = NULL;
	if (rel->has_recipe) {
		if (store_recipe_load(dir, rel, &rc, errp) == -1)
			goto out;
		if ((src.rd = recipe_reader_new(rc, &res)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
	} else {
		if ((p = path_join(dir, rel->path)) == NULL) {
			err_set(errp, "out of memory");
			goto out;
		}
		if ((src.fd = open_regular(p, errp)) == -1)
			goto out;
	}
	if (atomic_open(&af, out, 0644, errp) == -1)
		goto out;
	if (copy_checked(&src, rel, kr, sig, siglen, af.fd, errp) == -1 ||
	    atomic_write_file(sp, sig, siglen, 0644, errp) == -1 ||
	    atomic_commit(&af, errp) == -1)
		goto out;
	ret = 0;
out:
	atomic_abort(&af);
	if (src.fd != -1)
		close(src.fd);
	recipe_reader_free(src.rd);
	recipe_free(rc);
	free(p);
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
